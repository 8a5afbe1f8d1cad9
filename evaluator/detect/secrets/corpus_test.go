package secrets

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/sluicehq/sluice/internal/corpus"
)

// secretRecord is a row of testdata/corpora/text/secrets.jsonl with the
// fields this package needs beyond corpus.Record.
type secretRecord struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Label     string `json:"label"`
	Rule      string `json:"rule"`
	Component bool   `json:"component_rule"`
}

func loadSecretCorpus(t testing.TB) []secretRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus.Dir(), "text", "secrets.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []secretRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var r secretRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func loadRelabels(t testing.TB) map[string]corpus.Relabel {
	t.Helper()
	m, err := corpus.Relabels("secrets")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type tally struct{ tp, fn, fp, tn int }

func (c tally) recall() float64 { return ratio(c.tp, c.tp+c.fn) }
func (c tally) fpr() float64    { return ratio(c.fp, c.fp+c.tn) }
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Pinned figures, measured on testdata/corpora/text/secrets.jsonl (see
// README.md in this package's testdata for the adjusted labels). The test
// fails when recall drops or the false-positive rate rises beyond them by
// more than the margin.
const (
	pinRawRecall      = 0.819
	pinRawFPR         = 0.121
	pinAdjustedRecall = 1.000
	pinAdjustedFPR    = 0.0033
	pinMargin         = 0.003
)

// TestSecretsCorpus measures detection on the gitleaks/betterleaks rule
// samples, raw (upstream labels) and adjusted (testdata/corpora/relabel/secrets.json, and
// component_rule rows counted as negatives: they are identifiers, not
// credentials). With -v it prints a per-rule breakdown.
func TestSecretsCorpus(t *testing.T) {
	d := mustNew(t, Config{})
	relabels := loadRelabels(t)
	recs := loadSecretCorpus(t)
	seen := map[string]bool{}
	// mid adjusts only the positives (placeholders, identifiers) and keeps
	// every upstream negative as a negative: the most conservative reading.
	var raw, adj, mid tally
	perRule := map[string]*tally{}
	var misses, fps []string
	for _, r := range recs {
		seen[r.ID] = true
		hit := len(detectText(d, r.Text)) > 0
		rawAttack := r.Label == "attack"
		adjAttack := rawAttack && !r.Component
		if rl, ok := relabels[r.ID]; ok {
			adjAttack = rl.Label == "attack"
		}
		count(&raw, rawAttack, hit)
		count(&adj, adjAttack, hit)
		count(&mid, rawAttack && adjAttack, hit)
		pr := perRule[r.Rule]
		if pr == nil {
			pr = &tally{}
			perRule[r.Rule] = pr
		}
		count(pr, adjAttack, hit)
		if adjAttack && !hit {
			misses = append(misses, r.ID)
		}
		if !adjAttack && hit {
			fps = append(fps, r.ID)
		}
	}
	for id := range relabels {
		if !seen[id] {
			t.Errorf("relabel/secrets.json names %s, which is not in the corpus", id)
		}
	}
	rules := make([]string, 0, len(perRule))
	for k := range perRule {
		rules = append(rules, k)
	}
	sort.Strings(rules)
	for _, k := range rules {
		c := perRule[k]
		t.Logf("%-45s tp=%-3d fn=%-3d fp=%-3d tn=%-3d", k, c.tp, c.fn, c.fp, c.tn)
	}
	t.Logf("adjusted misses: %v", misses)
	t.Logf("adjusted false positives: %v", fps)
	t.Logf("raw:      recall %.3f (%d/%d)  false positives %.3f (%d/%d)", raw.recall(), raw.tp, raw.tp+raw.fn, raw.fpr(), raw.fp, raw.fp+raw.tn)
	t.Logf("positives adjusted only: recall %.3f (%d/%d)  false positives %.3f (%d/%d)", mid.recall(), mid.tp, mid.tp+mid.fn, mid.fpr(), mid.fp, mid.fp+mid.tn)
	t.Logf("adjusted: recall %.3f (%d/%d)  false positives %.3f (%d/%d)", adj.recall(), adj.tp, adj.tp+adj.fn, adj.fpr(), adj.fp, adj.fp+adj.tn)
	if raw.recall() < pinRawRecall-pinMargin || raw.fpr() > pinRawFPR+pinMargin {
		t.Errorf("raw figures regressed: recall %.3f (pinned %.3f), FPR %.3f (pinned %.3f)", raw.recall(), pinRawRecall, raw.fpr(), pinRawFPR)
	}
	if adj.recall() < pinAdjustedRecall-pinMargin || adj.fpr() > pinAdjustedFPR+pinMargin {
		t.Errorf("adjusted figures regressed: recall %.3f (pinned %.3f), FPR %.3f (pinned %.3f)", adj.recall(), pinAdjustedRecall, adj.fpr(), pinAdjustedFPR)
	}
}

func count(c *tally, attack, hit bool) {
	switch {
	case attack && hit:
		c.tp++
	case attack:
		c.fn++
	case hit:
		c.fp++
	default:
		c.tn++
	}
}

// TestProseCorpora checks that benign prompts, documents and PII samples
// (which are full of words like "password", "token" and "key") raise no
// secret findings.
func TestProseCorpora(t *testing.T) {
	d := mustNew(t, Config{})
	const maxFindings = 0
	total, flagged := 0, 0
	for _, name := range []string{"benign", "benign_multilingual", "benign_documents", "pii", "prompt_injection", "jailbreak"} {
		recs, err := corpus.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range recs {
			if name == "pii" && r.Attack() {
				continue
			}
			total++
			for _, f := range detectText(d, r.Text) {
				n++
				t.Logf("%s %s: %s %s", name, r.ID, f.Detector, f.Evidence)
			}
		}
		flagged += n
		t.Logf("%s: %d findings", name, n)
	}
	t.Logf("%d texts, %d findings", total, flagged)
	if flagged > maxFindings {
		t.Errorf("%d secret findings on benign prose (want at most %d)", flagged, maxFindings)
	}
}

// TestDumpCorpusDisagreements prints every row where the detector and the
// adjusted label disagree, with what fired; set SECRETS_DUMP=1 to run it.
func TestDumpCorpusDisagreements(t *testing.T) {
	if os.Getenv("SECRETS_DUMP") == "" {
		t.Skip("set SECRETS_DUMP=1")
	}
	d := mustNew(t, Config{})
	for _, r := range loadSecretCorpus(t) {
		fs := detectText(d, r.Text)
		if (r.Label == "attack") != (len(fs) > 0) {
			var ds []string
			for _, f := range fs {
				ds = append(ds, f.Detector+"="+r.Text[f.Start:f.End])
			}
			fmt.Printf("%s\t%s\t%v\t%q\t%v\n", r.Label, r.ID, r.Component, r.Text, ds)
		}
	}
}

// TestWireAndCommandCorpora runs the detector over every recorded LLM API
// body in testdata/corpora/wire (tool calls, encrypted reasoning, base64
// images and signatures: high-entropy text that is not a credential) and
// the shell commands corpus, where no credential appears.
func TestWireAndCommandCorpora(t *testing.T) {
	d := mustNew(t, Config{})
	files, err := filepath.Glob(filepath.Join(corpus.Dir(), "wire", "*", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("wire corpus: %v (%d files)", err, len(files))
	}
	flagged := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range detectText(d, string(b)) {
			flagged++
			t.Logf("%s: %s %s", filepath.Base(f), fd.Detector, fd.Evidence)
		}
	}
	cmds, err := corpus.Load("commands")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cmds {
		for _, fd := range detectText(d, r.Text) {
			flagged++
			t.Logf("commands %s: %s %s", r.ID, fd.Detector, fd.Evidence)
		}
	}
	t.Logf("%d wire files, %d commands: %d findings", len(files), len(cmds), flagged)
	if flagged > 0 {
		t.Errorf("%d findings on corpora without credentials", flagged)
	}
}
