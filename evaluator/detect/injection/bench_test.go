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
)

// agentRequest loads testdata/agent_request.json: a ~16 KB coding-agent
// request (system prompt, tool descriptions, turns, tool calls and results).
func agentRequest(tb testing.TB) *interaction.Interaction {
	return loadSegments(tb, "agent_request.json")
}

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

// TestAgentRequestClean checks that the benchmark request, a realistic
// benign agent conversation, raises nothing.
func TestAgentRequestClean(t *testing.T) {
	in := normalizeAll(agentRequest(t))
	if fs := New().Detect(in, nil); len(fs) > 0 {
		t.Fatalf("benign agent request raised %v: %+v", detectors(fs), fs[0])
	}
}

// BenchmarkAgentRequest measures the injection family on a 16 KB agent
// request: normalization of every segment plus Detect (heuristics and
// classifier), and Detect alone on already-normalized input.
func BenchmarkAgentRequest(b *testing.B) {
	ix := agentRequest(b)
	d := New()
	b.Run("normalize+detect", func(b *testing.B) {
		b.SetBytes(requestBytes(ix))
		b.ReportAllocs()
		var out []detect.Finding
		for b.Loop() {
			in := normalizeAll(ix)
			out = d.Detect(in, out[:0])
		}
	})
	b.Run("detect", func(b *testing.B) {
		in := normalizeAll(ix)
		b.SetBytes(requestBytes(ix))
		b.ReportAllocs()
		var out []detect.Finding
		for b.Loop() {
			out = d.Detect(in, out[:0])
		}
	})
	b.Run("heuristics_only", func(b *testing.B) {
		in := normalizeAll(ix)
		h := New(WithoutClassifier())
		b.SetBytes(requestBytes(ix))
		b.ReportAllocs()
		var out []detect.Finding
		for b.Loop() {
			out = h.Detect(in, out[:0])
		}
	})
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
