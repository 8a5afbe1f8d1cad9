package secrets

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// relabel is an adjusted label for one corpus row, with the reason.
type relabel struct {
	ID     string `json:"id"`
	Label  string `json:"label"` // "attack" or "benign"
	Reason string `json:"reason"`
}

func loadRelabels(t testing.TB) map[string]relabel {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "relabel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs []relabel
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	m := map[string]relabel{}
	for _, r := range rs {
		if r.Label != "attack" && r.Label != "benign" {
			t.Fatalf("relabel %s: label %q", r.ID, r.Label)
		}
		if strings.TrimSpace(r.Reason) == "" {
			t.Fatalf("relabel %s: no reason", r.ID)
		}
		m[r.ID] = r
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

func TestSecretsCorpusDump(t *testing.T) {
	if os.Getenv("SECRETS_DUMP") == "" {
		t.Skip()
	}
	d := mustNew(t, Config{})
	for _, r := range loadSecretCorpus(t) {
		fs := detectText(d, r.Text)
		hit := len(fs) > 0
		if (r.Label == "attack") != hit {
			var ds []string
			for _, f := range fs {
				ds = append(ds, f.Detector+"="+r.Text[f.Start:f.End])
			}
			fmt.Printf("%s\t%s\t%v\t%q\t%v\n", r.Label, r.ID, r.Component, r.Text, ds)
		}
	}
	_ = sort.Strings
}
