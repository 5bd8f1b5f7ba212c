package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times (100
// on every architecture Go runs Linux on).
const clockTicks = 100

// PostgresCPU returns the CPU seconds the PostgreSQL cluster in dataDir has
// used: its postmaster's own and reaped children's, plus every living child
// (backends, autovacuum, writers). The difference over a load run is the
// database's side of the requests, which a server's own CPU counter does
// not see. Linux only.
func PostgresCPU(dataDir string) (float64, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("postmaster.pid: %w", err)
	}
	_, own, reaped, err := procTimes(pid)
	if err != nil {
		return 0, err
	}
	total := own + reaped
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil || child == pid {
			continue
		}
		ppid, t, _, err := procTimes(child)
		if err == nil && ppid == pid { // a process gone meanwhile is in reaped next time
			total += t
		}
	}
	return float64(total) / clockTicks, nil
}

// procTimes reads a process's parent and its CPU ticks (utime+stime, and
// cutime+cstime of its waited-for children) from /proc/PID/stat.
func procTimes(pid int) (ppid int, own, reaped int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	// The command name is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, 0, errors.New("unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 (state)
	if len(f) < 15 {
		return 0, 0, 0, errors.New("short /proc stat")
	}
	n := func(k int) int64 { v, _ := strconv.ParseInt(f[k-3], 10, 64); return v }
	return int(n(4)), n(14) + n(15), n(16) + n(17), nil
}

// pgcpuCmd prints PostgresCPU, for scripts that time pgbench with it.
func pgcpuCmd(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("depot bench pgcpu", flag.ContinueOnError)
	dir := fs.String("pg-data", "", "the PostgreSQL cluster's data folder (holds postmaster.pid)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := PostgresCPU(*dir)
	if err != nil {
		return err
	}
	fmt.Printf("%.2f\n", s)
	return nil
}
