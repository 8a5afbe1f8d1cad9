// Package cputime reads the CPU time a process or thread has used, for
// benchmarks that report it next to wall time.
//
// On a shared, loaded machine wall time per operation also counts the time
// spent waiting for a core; CPU time does not, so it is the steadier figure
// there. Where a clock does not exist it reads as zero and the benchmark
// helpers report nothing rather than a false figure. Where it does, a
// figure of 0 means the operations took less than the clock's grain.
package cputime

import (
	"runtime"
	"testing"
	"time"
)

// MetricPerOp is the unit under which the helpers report CPU time per
// operation.
const MetricPerOp = "cpu-ns/op"

// Bench runs op b.N times on one locked OS thread and reports that
// thread's CPU time per operation as MetricPerOp, with allocations. The
// thread clock leaves out work other goroutines (the GC, other tests) do
// meanwhile; locking keeps op on the thread whose clock is read.
func Bench(b *testing.B, op func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	start := Thread()
	for i := 0; i < b.N; i++ {
		op()
	}
	if hasThreadClock {
		reportPerOp(b, Thread()-start)
	}
}

// ReportSince reports the process CPU time used since start, a value of
// Process taken before the benchmark loop, per operation as MetricPerOp.
// Call it after the loop, when b.N is the number of operations run.
func ReportSince(b *testing.B, start time.Duration) {
	if hasProcessClock {
		reportPerOp(b, Process()-start)
	}
}

func reportPerOp(b *testing.B, d time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), MetricPerOp)
	}
}
