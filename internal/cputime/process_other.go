//go:build !unix

package cputime

import "time"

const hasProcessClock = false

// Process returns 0: this system has no getrusage to read the process's
// CPU time from.
func Process() time.Duration { return 0 }
