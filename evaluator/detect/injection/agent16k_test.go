package injection

import (
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/cputime"
)

// agent16k loads the segments of the evaluator's own benchmark body,
// evaluator/testdata/agent-16k.request.json (a Claude Code request of
// about 16 KB), as the evaluator hands them to detectors: saved from
// llmapi.ParseRequest in testdata/agent16k_segments.json.
func agent16k(tb testing.TB) *interaction.Interaction {
	return loadSegments(tb, "agent16k_segments.json")
}

// TestAgent16kClean checks that the evaluator's benchmark request raises
// nothing in this family.
func TestAgent16kClean(t *testing.T) {
	in := normalizeAll(agent16k(t))
	if fs := New().Detect(in, nil); len(fs) > 0 {
		t.Fatalf("benign agent request raised %v: %+v", detectors(fs), fs[0])
	}
}

// BenchmarkAgent16k measures what the evaluator spends in this family on
// its 16 KB benchmark request: normalization of every segment plus
// Detect, and Detect alone.
func BenchmarkAgent16k(b *testing.B) {
	ix := agent16k(b)
	d := New()
	b.Run("normalize+detect", func(b *testing.B) {
		b.SetBytes(requestBytes(ix))
		b.ReportAllocs()
		var out []detect.Finding
		start := cputime.Process()
		for b.Loop() {
			in := normalizeAll(ix)
			out = d.Detect(in, out[:0])
		}
		cputime.ReportSince(b, start)
	})
	b.Run("normalize", func(b *testing.B) {
		b.SetBytes(requestBytes(ix))
		b.ReportAllocs()
		start := cputime.Process()
		for b.Loop() {
			normalizeAll(ix)
		}
		cputime.ReportSince(b, start)
	})
	b.Run("detect", func(b *testing.B) {
		in := normalizeAll(ix)
		b.SetBytes(requestBytes(ix))
		b.ReportAllocs()
		var out []detect.Finding
		start := cputime.Process()
		for b.Loop() {
			out = d.Detect(in, out[:0])
		}
		cputime.ReportSince(b, start)
	})
}

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
