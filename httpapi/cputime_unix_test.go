//go:build unix

package httpapi

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) the process has used: on a
// shared machine it measures what a benchmark costs independently of how
// long it waited for a CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
