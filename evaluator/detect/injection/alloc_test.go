//go:build !race

package injection

import (
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// TestDetectAllocations pins that judging a clean 16 KB agent request
// allocates nothing once warm. (Not under -race: the race detector makes
// sync.Pool drop items on purpose.)
func TestDetectAllocations(t *testing.T) {
	d := New()
	for name, in := range map[string]*detect.Input{
		"agent_request": normalizeAll(agentRequest(t)),
		"agent16k":      normalizeAll(agent16k(t)),
	} {
		t.Run(name, func(t *testing.T) {
			out := make([]detect.Finding, 0, 8)
			d.Detect(in, out)
			if a := testing.AllocsPerRun(20, func() { d.Detect(in, out[:0]) }); a != 0 {
				t.Errorf("Detect allocates %.1f times per clean request", a)
			}
		})
	}
}
