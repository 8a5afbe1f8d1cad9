// Package policytest runs policy test files: cases that pair an input body
// with the decision and rules a policy must produce for it, the way `opa
// test` checks Rego. Operators keep them next to their policy and run
// `sluice policy test` in CI, so a rule edit that stops catching (or starts
// blocking) something fails the build before it reaches traffic.
//
// A test file is YAML:
//
//	policy: ../policy.yaml        # optional, relative to this file
//	mode: enforce                 # optional: run every rule in this mode
//	cases:
//	  - name: AWS key in a prompt is blocked
//	    path: /v1/chat/completions  # selects the API, as the URL would
//	    phase: request              # or response
//	    headers: {user-agent: claude-cli/1.0.0}
//	    body: {model: gpt-4o, messages: [{role: user, content: "key AKIA..."}]}
//	    # or body_file: fixtures/x.json, or body_raw: '{"raw": "json"}'
//	    expect:
//	      decision: block           # allow | block | redact
//	      would_be: block           # the verdict under full enforcement
//	      rules: [block-secrets]    # exactly these rules match
//	      detectors: [secret.aws_access_key_id]   # at least these fire
//	      not_detectors: [pii.email]              # these do not
//	      categories: [secret]      # at least these categories are found
package policytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/policy"
)

// File is a parsed test file.
type File struct {
	Policy string `yaml:"policy"`
	Mode   string `yaml:"mode"`
	Cases  []Case `yaml:"cases"`

	path string
}

// Case is one input and its expectations.
type Case struct {
	Name     string            `yaml:"name"`
	Path     string            `yaml:"path"`
	Phase    string            `yaml:"phase"`
	Headers  map[string]string `yaml:"headers"`
	Body     yaml.Node         `yaml:"body"`
	BodyFile string            `yaml:"body_file"`
	BodyRaw  string            `yaml:"body_raw"`
	Expect   Expect            `yaml:"expect"`
}

// Expect is what a case must produce. Unset fields are not checked.
type Expect struct {
	Decision     string   `yaml:"decision"`
	WouldBe      string   `yaml:"would_be"`
	Rules        []string `yaml:"rules"`
	Detectors    []string `yaml:"detectors"`
	NotDetectors []string `yaml:"not_detectors"`
	Categories   []string `yaml:"categories"`

	rulesSet bool // `rules: []` (expect no match) differs from no `rules` key
}

// UnmarshalYAML records whether `rules` was present.
func (e *Expect) UnmarshalYAML(n *yaml.Node) error {
	type plain Expect
	if err := n.Decode((*plain)(e)); err != nil {
		return err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "rules" {
			e.rulesSet = true
		}
	}
	return nil
}

// Result is the outcome of one case.
type Result struct {
	File, Case string
	// Problems lists each expectation that failed, as "field: got X, want Y".
	Problems []string
	// Err is set when the case could not run at all.
	Err error
}

// Passed reports whether the case met every expectation.
func (r *Result) Passed() bool { return r.Err == nil && len(r.Problems) == 0 }

// Discover returns the test files at path: the file itself, or every
// *_test.yaml / *_test.yml below a directory, sorted.
func Discover(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, "_test.yaml") || strings.HasSuffix(p, "_test.yml")) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("%s: no *_test.yaml files", path)
	}
	return files, err
}

// LoadFile parses a test file.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(f.Cases) == 0 {
		return nil, fmt.Errorf("%s: no cases", path)
	}
	f.path = path
	return &f, nil
}

// Runner runs test files against a policy.
type Runner struct {
	// Policy is used for files that do not name their own.
	Policy *policy.Policy
	// Mode, when set, overrides every rule's mode (and a file's own mode).
	Mode string
}

// Run runs every case of a file.
func (r *Runner) Run(ctx context.Context, f *File) []Result {
	fail := func(err error) []Result {
		return []Result{{File: f.path, Case: "(file)", Err: err}}
	}
	pol := r.Policy
	if f.Policy != "" {
		p, err := policy.Load(filepath.Join(filepath.Dir(f.path), f.Policy))
		if err != nil {
			return fail(err)
		}
		pol = p
	}
	if pol == nil {
		pol = policy.Default()
	}
	if mode := cmpOr(r.Mode, f.Mode); mode != "" {
		m, err := policy.ParseMode(mode)
		if err != nil {
			return fail(fmt.Errorf("%s: mode: %v", f.path, err))
		}
		pol = pol.EnforcedCopy(m)
	}
	ev, err := evaluator.New(pol)
	if err != nil {
		return fail(err)
	}
	results := make([]Result, 0, len(f.Cases))
	for i := range f.Cases {
		c := &f.Cases[i]
		res := Result{File: f.path, Case: cmpOr(c.Name, fmt.Sprintf("case %d", i+1))}
		res.Problems, res.Err = runCase(ctx, ev, f, c)
		results = append(results, res)
	}
	return results
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func runCase(ctx context.Context, ev *evaluator.Evaluator, f *File, c *Case) ([]string, error) {
	body, err := caseBody(f, c)
	if err != nil {
		return nil, err
	}
	phase, ok := interaction.ParsePhase(c.Phase)
	if !ok {
		return nil, fmt.Errorf("phase %q: want request or response", c.Phase)
	}
	headers := make(map[string]string, len(c.Headers))
	for k, v := range c.Headers {
		headers[strings.ToLower(k)] = v
	}
	d, err := ev.Evaluate(ctx, evaluator.Input{
		Phase: phase, Path: c.Path, Headers: headers, Body: body, Door: evaluator.DoorCLI,
	})
	if err != nil {
		return nil, err
	}
	return check(&c.Expect, d), nil
}

func caseBody(f *File, c *Case) ([]byte, error) {
	set := 0
	for _, b := range []bool{c.Body.Kind != 0, c.BodyFile != "", c.BodyRaw != ""} {
		if b {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("give exactly one of body, body_file, body_raw")
	}
	switch {
	case c.BodyFile != "":
		return os.ReadFile(filepath.Join(filepath.Dir(f.path), c.BodyFile))
	case c.BodyRaw != "":
		return []byte(c.BodyRaw), nil
	}
	var v any
	if err := c.Body.Decode(&v); err != nil {
		return nil, fmt.Errorf("body: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("body: %v (use body_raw for bodies YAML cannot express)", err)
	}
	return b, nil
}

func check(e *Expect, d *evaluator.Decision) []string {
	var problems []string
	if e.Decision != "" && string(d.Verdict) != e.Decision {
		problems = append(problems, fmt.Sprintf("decision: got %s, want %s", d.Verdict, e.Decision))
	}
	if e.WouldBe != "" && string(d.WouldBe) != e.WouldBe {
		problems = append(problems, fmt.Sprintf("would_be: got %s, want %s", d.WouldBe, e.WouldBe))
	}
	var rules, detectors, categories []string
	for _, m := range d.Matches {
		rules = append(rules, m.Rule.ID)
	}
	for _, f := range d.Findings {
		detectors = append(detectors, f.Detector)
		categories = append(categories, string(f.Category))
	}
	if e.rulesSet || len(e.Rules) > 0 {
		got, want := sorted(rules), sorted(e.Rules)
		if !slices.Equal(got, want) {
			problems = append(problems, fmt.Sprintf("rules: got %v, want %v", got, want))
		}
	}
	if missing := missingFrom(detectors, e.Detectors); len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("detectors: missing %v (got %v)", missing, sorted(detectors)))
	}
	for _, nd := range e.NotDetectors {
		if slices.Contains(detectors, nd) {
			problems = append(problems, fmt.Sprintf("not_detectors: %s fired", nd))
		}
	}
	if missing := missingFrom(categories, e.Categories); len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("categories: missing %v (got %v)", missing, sorted(categories)))
	}
	return problems
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func missingFrom(have, want []string) []string {
	var missing []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			missing = append(missing, w)
		}
	}
	return missing
}
