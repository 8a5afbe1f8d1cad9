//go:build !linux

package exfil

import "testing"

func benchCPU(b *testing.B, f func()) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f()
	}
}
