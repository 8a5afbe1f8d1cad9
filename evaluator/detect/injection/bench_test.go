package injection

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/normalize"
	"github.com/sluicehq/sluice/internal/cputime"
)

// requests are the ~16 KB agent requests the family is measured on, as
// segments saved from llmapi.ParseRequest: agent16k is the evaluator's own
// benchmark body (evaluator/testdata/agent-16k.request.json, a Claude Code
// request), agent_request another coding agent's (system prompt, tool
// descriptions, turns, tool calls and results).
var requests = []struct{ name, file string }{
	{"agent16k", "agent16k_segments.json"},
	{"agent_request", "agent_request.json"},
}

func agent16k(tb testing.TB) *interaction.Interaction     { return loadSegments(tb, requests[0].file) }
func agentRequest(tb testing.TB) *interaction.Interaction { return loadSegments(tb, requests[1].file) }

// loadSegments loads a request's segments saved in testdata.
func loadSegments(tb testing.TB, name string) *interaction.Interaction {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Segments []struct {
			Text  string `json:"text"`
			Trust string `json:"trust"`
			Kind  string `json:"kind"`
			Role  string `json:"role"`
		} `json:"segments"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatal(err)
	}
	trusts := map[string]interaction.Trust{"untrusted": interaction.TrustUntrusted, "user": interaction.TrustUser,
		"model": interaction.TrustModel, "operator": interaction.TrustOperator}
	ix := &interaction.Interaction{API: "anthropic.messages"}
	for i, s := range doc.Segments {
		ix.Segments = append(ix.Segments, interaction.Segment{Text: s.Text, Trust: trusts[s.Trust],
			Kind: interaction.Kind(s.Kind), Role: interaction.Role(s.Role), Location: fmt.Sprintf("segments[%d]", i),
			Turn: i, RawStart: -1, RawEnd: -1})
	}
	return ix
}

func requestBytes(ix *interaction.Interaction) int64 {
	var n int64
	for _, s := range ix.Segments {
		n += int64(len(s.Text))
	}
	return n
}

func normalizeAll(ix *interaction.Interaction) *detect.Input {
	in := &detect.Input{IX: ix, Norm: make([]normalize.Result, len(ix.Segments))}
	for i := range ix.Segments {
		in.Norm[i] = normalize.Text(ix.Segments[i].Text)
	}
	return in
}

// TestRequestsClean checks that the benchmark requests, realistic benign
// agent conversations, raise nothing.
func TestRequestsClean(t *testing.T) {
	for _, r := range requests {
		in := normalizeAll(loadSegments(t, r.file))
		if fs := New().Detect(in, nil); len(fs) > 0 {
			t.Errorf("%s raised %v: %+v", r.name, detectors(fs), fs[0])
		}
	}
}

// BenchmarkRequest measures the family on each benchmark request:
// normalization of every segment plus Detect, normalization alone, Detect
// alone on normalized input, and Detect with the rules only. The verdict
// cache is off: every iteration judges the request as never seen (with
// it, iterations after the first would measure lookups).
func BenchmarkRequest(b *testing.B) {
	d, h := New(WithVerdictCache(0)), New(WithoutClassifier(), WithVerdictCache(0))
	for _, r := range requests {
		ix := loadSegments(b, r.file)
		run := func(name string, prepare bool, op func(in *detect.Input, out []detect.Finding) []detect.Finding) {
			b.Run(r.name+"/"+name, func(b *testing.B) {
				var in *detect.Input
				if prepare {
					in = normalizeAll(ix)
				}
				b.SetBytes(requestBytes(ix))
				b.ReportAllocs()
				var out []detect.Finding
				start := cputime.Process()
				for b.Loop() {
					out = op(in, out[:0])
				}
				cputime.ReportSince(b, start)
			})
		}
		run("normalize+detect", false, func(_ *detect.Input, out []detect.Finding) []detect.Finding {
			return d.Detect(normalizeAll(ix), out)
		})
		run("normalize", false, func(_ *detect.Input, out []detect.Finding) []detect.Finding {
			normalizeAll(ix)
			return out
		})
		run("detect", true, d.Detect)
		run("heuristics_only", true, h.Detect)
	}
}

// BenchmarkClassifier measures the classifier alone on 2 KB of text; it
// must not allocate.
func BenchmarkClassifier(b *testing.B) {
	d := New()
	text := agentRequest(b).Segments[0].Text[:2048]
	extra := ClassifierFeatures(text)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d.model.ScoreWith(text, extra)
	}
}

func TestClassifierAllocations(t *testing.T) {
	d := New()
	text := agentRequest(t).Segments[0].Text[:2048]
	extra := ClassifierFeatures(text)
	if a := testing.AllocsPerRun(10, func() { d.model.ScoreWith(text, extra) }); a != 0 {
		t.Errorf("classifier allocates %.0f times per text", a)
	}
}
