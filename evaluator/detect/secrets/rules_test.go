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
					if hit.Start < 0 || hit.End > len(ex.Text) || hit.End-hit.Start < 4 {
						t.Errorf("bad span [%d,%d) for %q", hit.Start, hit.End, ex.Text)
						continue
					}
					checkSpan(t, d, r, ex.Text[hit.Start:hit.End])
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

// checkSpan checks that a reported span is exactly the secret: the whole
// assigned value for keyed rules, the whole token for token rules, and for
// the others at least no surrounding quotes or separators.
func checkSpan(t *testing.T, d *Detector, r *rule, span string) {
	t.Helper()
	cr := d.rules[0]
	for _, x := range d.rules {
		if x.id == r.id {
			cr = x
		}
	}
	switch {
	case cr.kind == kindKeyed:
		if !cr.rx.MatchString(span) {
			t.Errorf("span %q is not the whole value", span)
		}
	case cr.kind == kindToken && cr.back == 0 && cr.rx.NumSubexp() == 0:
		if loc := cr.rx.FindStringIndex(span); loc == nil || loc[1] != len(span) {
			t.Errorf("span %q is not the whole token", span)
		}
	default:
		// Base64 padding may end a secret; nothing of the assignment around
		// it may start or end one.
		first, last := span[0], span[len(span)-1]
		if strings.IndexByte("\"' =:,", first) >= 0 || strings.IndexByte("\"' :,", last) >= 0 {
			t.Errorf("span %q carries a delimiter", span)
		}
	}
}
