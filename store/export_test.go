package store

// PreparedReads is the number of statement texts the read pool holds
// (-1 without one).
func (db *DB) PreparedReads() int {
	if db.drv.reads == nil {
		return -1
	}
	db.drv.reads.mu.Lock()
	defer db.drv.reads.mu.Unlock()
	return db.drv.reads.lru.Len()
}
