package evalcorpus

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/figures.json with the measured figures")

// pinned is the golden form of a Row: the counts, not the times.
type pinned struct {
	File           string `json:"file"`
	TP, FN, FP, TN int
	Errors         int `json:"errors"`
}

// Margins a change may lose before the test fails: detection must not get
// worse by more than noise-free rounding (the evaluation is deterministic,
// so any loss is real; the margin only spares a one-record reshuffle).
const (
	recallMargin = 0.005
	fprMargin    = 0.002
)

// TestCorpusFigures runs the whole evaluator (default policy, every rule
// enforced) over every public corpus and fails when recall drops or the
// false-positive rate rises beyond the pinned figures in
// testdata/figures.json. Improvements are accepted with -update.
func TestCorpusFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus figures take a few seconds; skipped with -short")
	}
	ev, err := evaluator.New(policy.Default().EnforcedCopy(policy.ModeEnforce))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Run(context.Background(), ev, Options{Keep: 5})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	Print(&buf, rows)
	t.Logf("\n%s", buf.String())

	got := make([]pinned, len(rows))
	for i, r := range rows {
		got[i] = pinned{File: r.File, TP: r.TP, FN: r.FN, FP: r.FP, TN: r.TN, Errors: r.Errors}
		if r.Errors > 0 {
			t.Errorf("%s: %d records could not be evaluated", r.File, r.Errors)
		}
	}
	path := filepath.Join("testdata", "figures.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/evalcorpus -update)", err)
	}
	var want []pinned
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	byFile := map[string]pinned{}
	for _, w := range want {
		byFile[w.File] = w
	}
	for i, g := range got {
		w, ok := byFile[g.File]
		if !ok {
			t.Errorf("%s: no pinned figures (run -update)", g.File)
			continue
		}
		r := &rows[i]
		wr := ratio(w.TP, w.TP+w.FN)
		if rc := r.Recall(); !math.IsNaN(wr) && rc < wr-recallMargin {
			t.Errorf("%s: recall %.4f fell below the pinned %.4f; misses include %v", g.File, rc, wr, r.Misses)
		}
		wf := ratio(w.FP, w.FP+w.TN)
		if fp := r.FPRate(); !math.IsNaN(wf) && fp > wf+fprMargin {
			t.Errorf("%s: false-positive rate %.4f rose above the pinned %.4f; e.g. %v", g.File, fp, wf, r.FalsePositives)
		}
	}
}
