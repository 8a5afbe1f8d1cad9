package cputime

import (
	"runtime"
	"testing"
	"time"
)

// burn spins until clock has advanced or a second of wall time has passed,
// and reports whether it advanced.
func burn(clock func() time.Duration) bool {
	start := clock()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if clock() > start {
			return true
		}
	}
	return false
}

func TestProcessAdvances(t *testing.T) {
	if Process() == 0 {
		t.Skip("no process CPU clock on " + runtime.GOOS)
	}
	if !burn(Process) {
		t.Fatal("process CPU time did not advance during a second of busy work")
	}
}

func TestThreadAdvances(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if Thread() == 0 {
		t.Skip("no thread CPU clock on " + runtime.GOOS)
	}
	if !burn(Thread) {
		t.Fatal("thread CPU time did not advance during a second of busy work")
	}
}
