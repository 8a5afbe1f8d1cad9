package exfil

import (
	"strconv"
	"testing"
)

// TestRuleExamples checks every rule against its own examples.
func TestRuleExamples(t *testing.T) {
	d := newDetector(t, Config{})
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		var pos, neg int
		for i, e := range r.Examples {
			if e.Positive {
				pos++
			} else {
				neg++
			}
			t.Run(r.ID+"/"+strconv.Itoa(i), func(t *testing.T) {
				fs := run(t, d, contextIX(r.Context, e.Text))
				got := false
				for _, f := range fs {
					if f.Detector == Family+"."+r.ID {
						got = true
						if f.Severity > r.Severity {
							t.Errorf("severity %s above the rule's maximum %s", f.Severity, r.Severity)
						}
						if f.Category != "exfiltration" || f.Reason == "" {
							t.Errorf("category %q reason %q", f.Category, f.Reason)
						}
					}
				}
				if got != e.Positive {
					t.Errorf("%s on %q: fired=%v, want %v (findings %v)", r.ID, e.Text, got, e.Positive, ids(fs))
				}
			})
		}
		if pos == 0 || neg == 0 {
			t.Errorf("rule %s needs positive (%d) and negative (%d) examples", r.ID, pos, neg)
		}
	}
}
