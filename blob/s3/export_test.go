package s3

// SetAfterDeleteHook makes DeleteOlder call f right after it deleted the
// blob it moved aside, to stage a Put in that window.
func SetAfterDeleteHook(s *Store, f func()) { s.afterDelete = f }
