//go:build !race

package injection

import (
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// TestDetectAllocations pins that judging a clean 16 KB agent request
// allocates nothing once warm, judged afresh (verdict cache off) or from
// the cache. (Not under -race: the race detector makes sync.Pool drop
// items on purpose.)
func TestDetectAllocations(t *testing.T) {
	for _, r := range requests {
		in := normalizeAll(loadSegments(t, r.file))
		for mode, d := range map[string]*Detector{"cold": New(WithVerdictCache(0)), "cached": New()} {
			t.Run(r.name+"/"+mode, func(t *testing.T) {
				out := make([]detect.Finding, 0, 8)
				d.Detect(in, out)
				if a := testing.AllocsPerRun(20, func() { d.Detect(in, out[:0]) }); a != 0 {
					t.Errorf("Detect allocates %.1f times per clean request", a)
				}
			})
		}
	}
}
