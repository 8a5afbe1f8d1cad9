package toolrisk

import (
	"strconv"
	"testing"
)

// TestRuleExamples checks every rule against its own examples: positives
// must produce a finding of the rule, negatives must not.
func TestRuleExamples(t *testing.T) {
	d := newDetector(t)
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		if len(r.Examples) == 0 {
			t.Errorf("rule %s has no examples", r.ID)
		}
		var pos, neg int
		tool, key := r.Tool, r.ArgKey
		if tool == "" {
			tool = "bash"
		}
		if key == "" {
			key = "command"
		}
		for i, e := range r.Examples {
			if e.Positive {
				pos++
			} else {
				neg++
			}
			t.Run(r.ID+"/"+strconv.Itoa(i), func(t *testing.T) {
				fs := detectIX(t, d, callIX(tool, map[string]any{key: e.Text}))
				got := false
				for _, f := range fs {
					if f.Detector == Family+"."+r.ID {
						got = true
						if f.Severity > r.Severity {
							t.Errorf("%q: severity %s above the rule's maximum %s", e.Text, f.Severity, r.Severity)
						}
					}
				}
				if got != e.Positive {
					var ids []string
					for _, f := range fs {
						ids = append(ids, f.Detector+"("+f.Severity.String()+")")
					}
					t.Errorf("%s on %q: fired=%v, want %v (findings: %v)", r.ID, e.Text, got, e.Positive, ids)
				}
			})
		}
		if pos == 0 || neg == 0 {
			t.Errorf("rule %s needs both positive (%d) and negative (%d) examples", r.ID, pos, neg)
		}
	}
}
