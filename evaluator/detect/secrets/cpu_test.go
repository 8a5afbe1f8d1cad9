//go:build unix

package secrets

import (
	"os"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/internal/cputime"
)

// TestCPUPerOp prints the CPU time per Detect call on the benchmark texts;
// set SECRETS_CPU=1 to run it. Benchmarks measure wall time, which a busy
// shared machine inflates; CPU time per operation is the steadier figure
// there.
func TestCPUPerOp(t *testing.T) {
	if os.Getenv("SECRETS_CPU") == "" {
		t.Skip("set SECRETS_CPU=1")
	}
	d := mustNew(t, Config{})
	for _, c := range []struct {
		name string
		text string
	}{{"clean", agentRequest(t)}, {"secrets", withSecrets(t)}} {
		in := inputOf(c.text)
		var out []detect.Finding
		for i := 0; i < 200; i++ {
			out = d.Detect(in, out[:0])
		}
		const n = 3000
		start := cputime.Process()
		for i := 0; i < n; i++ {
			out = d.Detect(in, out[:0])
		}
		t.Logf("%s: %v CPU per Detect (%d bytes, %d findings)", c.name, (cputime.Process()-start)/n, len(c.text), len(out))
	}
	m := d.ac
	text := agentRequest(t)
	s := &scan{d: d}
	const n = 3000
	start := cputime.Process()
	for i := 0; i < n; i++ {
		s.matches = m.AppendMatches(s.matches[:0], text)
	}
	t.Logf("keyword scan alone: %v CPU (%d hits)", (cputime.Process()-start)/n, len(s.matches))
}
