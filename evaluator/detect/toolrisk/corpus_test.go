package toolrisk

import (
	"testing"

	"github.com/sluicehq/sluice/internal/corpus"
)

// TestCommandsCorpus measures the detector on destructive_command_guard's
// labelled commands, each run as a bash tool call {"command": text}, and
// pins recall and false-positive rate. Misses and false positives are
// listed with -v.
func TestCommandsCorpus(t *testing.T) {
	recs, err := corpus.Load("commands")
	if err != nil {
		t.Fatal(err)
	}
	d := newDetector(t)
	var tp, fn, fp, tn int
	for _, r := range recs {
		fs := detectIX(t, d, bashIX(r.Text))
		flagged := len(fs) > 0
		switch {
		case r.Attack() && flagged:
			tp++
		case r.Attack():
			fn++
			t.Logf("miss  %-40s %q", r.Subtype, r.Text)
		case flagged:
			fp++
			t.Logf("fp    %-40s %q -> %s %s", r.Subtype, r.Text, fs[0].Detector, fs[0].Severity)
		default:
			tn++
		}
	}
	recall := float64(tp) / float64(tp+fn)
	fpr := float64(fp) / float64(fp+tn)
	t.Logf("commands corpus: recall %.4f (%d/%d), false positives %.4f (%d/%d)", recall, tp, tp+fn, fpr, fp, fp+tn)
	if recall < 0.95 {
		t.Errorf("recall %.4f below 0.95", recall)
	}
	if fpr > 0.02 {
		t.Errorf("false-positive rate %.4f above 0.02", fpr)
	}
}
