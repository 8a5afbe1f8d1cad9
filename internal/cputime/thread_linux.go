//go:build linux

package cputime

import (
	"syscall"
	"time"
)

const hasThreadClock = true

// Thread returns the CPU time, user and system, that the calling OS thread
// has used so far, or 0 when the clock cannot be read. Lock the goroutine
// to its thread (runtime.LockOSThread) between two readings.
func Thread() time.Duration {
	return rusage(syscall.RUSAGE_THREAD)
}
