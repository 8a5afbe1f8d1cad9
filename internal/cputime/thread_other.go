//go:build !linux

package cputime

import "time"

const hasThreadClock = false

// Thread returns 0: only Linux reports a single thread's CPU time
// (RUSAGE_THREAD).
func Thread() time.Duration { return 0 }
