package toolrisk

import (
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/golden"
)

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
	golden.CheckJSONCases(t, filepath.Join("testdata", "findings.golden.json"), cases)
}
