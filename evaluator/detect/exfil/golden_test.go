package exfil

import (
	"path/filepath"
	"strings"
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
	Tool     string          `json:"context"`
	Input    string          `json:"input"`
	Findings []goldenFinding `json:"findings"`
}

// TestGolden pins the findings (ids, severities, masked evidence, reasons
// and spans) of every rule example against testdata/findings.golden.json.
// Run with -update after an intended change and review the diff.
func TestGolden(t *testing.T) {
	d := newDetector(t, Config{})
	var cases []goldenCase
	for _, r := range Rules() {
		for _, e := range r.Examples {
			// Fake credentials are written as placeholders so that the
			// golden file does not look like a leak to secret scanners.
			in := strings.NewReplacer(fakeOpenAIKey, "<FAKE_OPENAI_KEY>", fakeGitHubPAT, "<FAKE_GITHUB_PAT>", fakeAWSKeyID, "<FAKE_AWS_KEY_ID>").Replace(e.Text)
			c := goldenCase{Tool: r.Context, Input: in, Findings: []goldenFinding{}}
			for _, f := range run(t, d, contextIX(r.Context, e.Text)) {
				c.Findings = append(c.Findings, goldenFinding{f.Detector, f.Severity.String(), f.Evidence, f.Reason, f.Start, f.End})
			}
			cases = append(cases, c)
		}
	}
	golden.CheckJSONCases(t, filepath.Join("testdata", "findings.golden.json"), cases)
}
