package injection

import (
	"testing"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/cputime"
)

// BenchmarkScan measures the phrase matcher alone over the judged
// segments of the 16 KB request.
func BenchmarkScan(b *testing.B) {
	a := compile()
	ix := agent16k(b)
	var texts []string
	n := 0
	for _, s := range ix.Segments {
		if s.Trust != interaction.TrustOperator {
			texts = append(texts, s.Text)
			n += len(s.Text)
		}
	}
	sc := &scanner{}
	b.SetBytes(int64(n))
	start := cputime.Process()
	for b.Loop() {
		for _, t := range texts {
			sc.hits = sc.hits[:0]
			a.scan(t, sc)
		}
	}
	cputime.ReportSince(b, start)
}
