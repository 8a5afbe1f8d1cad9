// Package corpus loads the labelled public datasets in testdata/corpora for
// tests, benchmarks and `make eval`. See testdata/corpora/README.md for
// provenance and licences.
package corpus

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Record is one labelled text sample.
type Record struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Label    string `json:"label"` // "attack" (should be flagged) or "benign"
	Category string `json:"category"`
	Subtype  string `json:"subtype"`
	Lang     string `json:"lang"`
	Source   string `json:"source"`
	// Optional fields some files carry.
	Context           string   `json:"context,omitempty"`
	Vector            string   `json:"vector,omitempty"`
	RiskCategory      string   `json:"risk_category,omitempty"` // PurpleLlama: security-violating or logic-violating
	Rule              string   `json:"rule,omitempty"`
	Decision          string   `json:"decision,omitempty"`
	Entity            string   `json:"entity,omitempty"`
	Entities          []string `json:"entities,omitempty"`
	DirectIdentifiers []string `json:"direct_identifiers,omitempty"`
	TriggerWords      []string `json:"trigger_words,omitempty"`
	Intent            string   `json:"intent,omitempty"`
	PresidioCount     *int     `json:"presidio_expected_count,omitempty"`
	PresidioConf      string   `json:"presidio_confidence,omitempty"`
	// ComponentRule marks secrets.jsonl rows that are identifiers a
	// composite rule pairs with a credential (client ids, hosts), not
	// credentials themselves.
	ComponentRule bool `json:"component_rule,omitempty"`
}

// Relabel is sluice's documented adjustment of one upstream label.
type Relabel struct {
	ID     string `json:"id"`
	Label  string `json:"label"` // "attack" or "benign"
	Reason string `json:"reason"`
}

// Relabels reads relabel/<name>.json: rows whose upstream label is wrong
// for the question sluice asks (e.g. a placeholder labelled as a secret),
// each with its reason. See relabel/README.md.
func Relabels(name string) (map[string]Relabel, error) {
	b, err := os.ReadFile(filepath.Join(Dir(), "relabel", name+".json"))
	if err != nil {
		return nil, err
	}
	var rs []Relabel
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("relabel/%s.json: %w", name, err)
	}
	m := make(map[string]Relabel, len(rs))
	for _, r := range rs {
		if r.Label != "attack" && r.Label != "benign" {
			return nil, fmt.Errorf("relabel/%s.json: %s: label %q (want attack or benign)", name, r.ID, r.Label)
		}
		if r.Reason == "" {
			return nil, fmt.Errorf("relabel/%s.json: %s: no reason", name, r.ID)
		}
		m[r.ID] = r
	}
	return m, nil
}

// AdjustedAttack is the label sluice scores a record against: the
// relabel when there is one, else the upstream label, with secrets
// component rows counted as negatives.
func AdjustedAttack(r *Record, relabels map[string]Relabel) bool {
	if rl, ok := relabels[r.ID]; ok {
		return rl.Label == "attack"
	}
	return r.Attack() && !r.ComponentRule
}

// Attack reports whether the record should be flagged by its file's detector.
func (r *Record) Attack() bool { return r.Label == "attack" }

// Dir returns the absolute path of testdata/corpora in this repository.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "corpora")
}

// Load reads text/<name>.jsonl, e.g. Load("secrets").
func Load(name string) ([]Record, error) {
	path := filepath.Join(Dir(), "text", name+".jsonl")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// Files lists the text corpus names (without .jsonl), in a fixed order.
var Files = []string{
	"prompt_injection", "prompt_injection_multilingual", "jailbreak",
	"benign", "benign_multilingual", "benign_documents",
	"commands", "tool_payloads", "secrets", "pii",
}

// WirePath returns the absolute path of a wire sample, e.g.
// WirePath("openai-chat/aigw-chat-tools.request.json").
func WirePath(rel string) string { return filepath.Join(Dir(), "wire", rel) }

// Repo returns the owner/name of the repository the record came from.
func (r *Record) Repo() string {
	if i := strings.IndexByte(r.Source, ':'); i > 0 {
		return r.Source[:i]
	}
	return r.Source
}
