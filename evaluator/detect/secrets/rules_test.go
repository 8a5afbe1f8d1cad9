package secrets

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// TestRuleExamples checks every rule against its own labelled examples: it
// must report each positive under its own detector id with a span inside
// the text, and must not report anything under its id for a negative.
func TestRuleExamples(t *testing.T) {
	d := mustNew(t, Config{})
	for _, r := range defaultRules() {
		t.Run(r.id, func(t *testing.T) {
			pos, neg := 0, 0
			for _, ex := range r.examples {
				fs := detectText(d, ex.Text)
				var hit *detect.Finding
				for i := range fs {
					if fs[i].Detector == r.detector() {
						hit = &fs[i]
						break
					}
				}
				if ex.Positive {
					pos++
					if hit == nil {
						t.Errorf("missed positive %q (got %v)", ex.Text, detectors(fs))
						continue
					}
					if hit.Start < 0 || hit.End > len(ex.Text) || hit.Start >= hit.End {
						t.Errorf("bad span [%d,%d) for %q", hit.Start, hit.End, ex.Text)
					}
					continue
				}
				neg++
				if hit != nil {
					t.Errorf("fired on negative %q: span %q", ex.Text, ex.Text[hit.Start:hit.End])
				}
			}
			if pos == 0 || neg == 0 {
				t.Errorf("rule needs at least one positive and one negative example (has %d, %d)", pos, neg)
			}
		})
	}
}

func detectors(fs []detect.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Detector)
	}
	return out
}

// TestEvidenceNeverWhole checks that no finding's evidence contains the
// whole secret it reports, for every positive example.
func TestEvidenceNeverWhole(t *testing.T) {
	d := mustNew(t, Config{})
	for _, r := range defaultRules() {
		for _, ex := range r.examples {
			if !ex.Positive {
				continue
			}
			for _, f := range detectText(d, ex.Text) {
				secret := ex.Text[f.Start:f.End]
				if strings.Contains(f.Evidence, secret) || !strings.HasSuffix(f.Evidence, detect.MaskSuffix) {
					t.Errorf("%s: evidence %q reveals %q", f.Detector, f.Evidence, secret)
				}
				if strings.Contains(f.Reason, secret) {
					t.Errorf("%s: reason %q reveals the secret", f.Detector, f.Reason)
				}
			}
		}
	}
}
