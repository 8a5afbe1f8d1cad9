package toolrisk

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

type goldenFinding struct {
	Detector   string `json:"detector"`
	Severity   string `json:"severity"`
	Evidence   string `json:"evidence"`
	Reason     string `json:"reason"`
	Start, End int
}

type goldenCase struct {
	Tool     string          `json:"tool"`
	Input    string          `json:"input"`
	Findings []goldenFinding `json:"findings"`
}

// TestGolden pins the findings (ids, severities, masked evidence, reasons
// and spans) of every rule example against testdata/findings.golden.json.
// Run with -update after an intended change and review the diff.
func TestGolden(t *testing.T) {
	d := newDetector(t)
	var cases []goldenCase
	for _, r := range Rules() {
		tool, key := r.Tool, r.ArgKey
		if tool == "" {
			tool = "bash"
		}
		if key == "" {
			key = "command"
		}
		for _, e := range r.Examples {
			ix := callIX(tool, map[string]any{key: e.Text})
			c := goldenCase{Tool: tool, Input: e.Text, Findings: []goldenFinding{}}
			for _, f := range detectIX(t, d, ix) {
				c.Findings = append(c.Findings, goldenFinding{f.Detector, f.Severity.String(), f.Evidence, f.Reason, f.Start, f.End})
			}
			cases = append(cases, c)
		}
	}
	got, err := json.MarshalIndent(cases, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "findings.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		var w []goldenCase
		_ = json.Unmarshal(want, &w)
		for i := range cases {
			if i >= len(w) {
				t.Errorf("extra case %q", cases[i].Input)
				continue
			}
			g, _ := json.Marshal(cases[i])
			ww, _ := json.Marshal(w[i])
			if !bytes.Equal(g, ww) {
				t.Errorf("case %d differs:\n got %s\nwant %s", i, g, ww)
			}
		}
		if len(w) > len(cases) {
			t.Errorf("%d cases missing", len(w)-len(cases))
		}
	}
}
