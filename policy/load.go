package policy

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

//go:embed default.yaml
var defaultPolicy []byte

// DefaultSource names the embedded default policy in messages and audit records.
const DefaultSource = "embedded:default.yaml"

// EnvPolicy is the environment variable consulted when no --policy flag is given.
const EnvPolicy = "SLUICE_POLICY"

// DefaultBytes returns the embedded default policy file.
func DefaultBytes() []byte { return bytes.Clone(defaultPolicy) }

// Default returns the embedded default policy. It is validated by tests, so
// a failure here is a build defect.
func Default() *Policy {
	p, err := Parse(DefaultSource, defaultPolicy)
	if err != nil {
		panic("policy: embedded default policy is invalid: " + err.Error())
	}
	return p
}

// Resolve loads the policy an operator asked for: the flag value when set,
// else $SLUICE_POLICY, else the embedded default.
func Resolve(flagPath string) (*Policy, error) {
	p := flagPath
	if p == "" {
		p = os.Getenv(EnvPolicy)
	}
	if p == "" {
		return Default(), nil
	}
	return Load(p)
}

// Load reads and validates a policy file.
func Load(file string) (*Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return Parse(file, data)
}

// maxPolicyBytes bounds a policy file; anything larger is a mistake.
const maxPolicyBytes = 4 << 20

// The file* types mirror the YAML schema one to one; Parse decodes into them
// strictly (unknown fields are errors) and then validates and compiles.
type fileDoc struct {
	Version    int             `yaml:"version"`
	Name       string          `yaml:"name"`
	Defaults   fileDefaults    `yaml:"defaults"`
	Detectors  fileDetectors   `yaml:"detectors"`
	Identity   fileIdentity    `yaml:"identity"`
	Rules      []fileRule      `yaml:"rules"`
	Exceptions []fileException `yaml:"exceptions"`
}

type fileDefaults struct {
	Mode        string `yaml:"mode"`
	BlockStatus int    `yaml:"block_status"`
}

type fileFamily struct {
	Enabled *bool `yaml:"enabled"`
}

type fileDetectors struct {
	Secrets struct {
		fileFamily   `yaml:",inline"`
		DisableRules []string `yaml:"disable_rules"`
		Allow        []string `yaml:"allow"`
	} `yaml:"secrets"`
	PII struct {
		fileFamily  `yaml:",inline"`
		Entities    []string `yaml:"entities"`
		IPAddresses bool     `yaml:"ip_addresses"`
	} `yaml:"pii"`
	Injection fileFamily `yaml:"injection"`
	Exfil     struct {
		fileFamily   `yaml:",inline"`
		AllowedHosts []string `yaml:"allowed_hosts"`
		SinkHosts    []string `yaml:"sink_hosts"`
		SinkTools    []string `yaml:"sink_tools"`
	} `yaml:"exfil"`
	ToolRisk struct {
		fileFamily     `yaml:",inline"`
		ToolCategories map[string][]string `yaml:"tool_categories"`
	} `yaml:"toolrisk"`
	Evasion fileFamily `yaml:"evasion"`
}

type fileIdentity struct {
	PrincipalHeaders []string `yaml:"principal_headers"`
	GroupsHeader     string   `yaml:"groups_header"`
	SessionHeaders   []string `yaml:"session_headers"`
}

type fileMatch struct {
	Categories    []string `yaml:"categories"`
	Detectors     []string `yaml:"detectors"`
	MinSeverity   string   `yaml:"min_severity"`
	MinConfidence float64  `yaml:"min_confidence"`
	Trust         []string `yaml:"trust"`
	Locations     []string `yaml:"locations"`
}

type fileScope struct {
	Phase  []string `yaml:"phase"`
	Doors  []string `yaml:"doors"`
	APIs   []string `yaml:"apis"`
	Agents []string `yaml:"agents"`
	Users  []string `yaml:"users"`
	Models []string `yaml:"models"`
}

type fileRule struct {
	ID          string     `yaml:"id"`
	Description string     `yaml:"description"`
	Match       *fileMatch `yaml:"match"`
	When        string     `yaml:"when"`
	Action      string     `yaml:"action"`
	Mode        string     `yaml:"mode"`
	Message     string     `yaml:"message"`
	Status      int        `yaml:"status"`
	Scope       fileScope  `yaml:"scope"`
}

type fileException struct {
	ID          string     `yaml:"id"`
	Description string     `yaml:"description"`
	Match       *fileMatch `yaml:"match"`
	When        string     `yaml:"when"`
	Scope       fileScope  `yaml:"scope"`
}

// Parse validates and compiles policy bytes. name is used in error
// messages ("policy.yaml:12: rules[1].mode: ..."). All problems found are
// returned together, each naming file, line and field.
func Parse(name string, data []byte) (*Policy, error) {
	if len(data) > maxPolicyBytes {
		return nil, fmt.Errorf("%s: policy file is %d bytes, larger than the %d byte limit", name, len(data), maxPolicyBytes)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s:%s", name, yamlErr(err))
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: policy file is empty", name)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc fileDoc
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s:%s", name, yamlErr(err))
	}
	v := &validator{file: name, root: root.Content[0]}
	p := v.build(&doc)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	sum := sha256.Sum256(data)
	p.Hash = hex.EncodeToString(sum[:8])
	p.Source = name
	return p, nil
}

// yamlErr turns yaml.v3's messages ("yaml: line 3: ...") into "3: ...", so
// that with the file name in front they read "policy.yaml:3: ...", and
// replaces Go type names with words a policy author knows.
func yamlErr(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	msg = strings.ReplaceAll(msg, "\n  line ", "; line ")
	msg = typeNames.ReplaceAllString(msg, "")
	msg = strings.ReplaceAll(msg, "field ", "unknown field ")
	msg = strings.ReplaceAll(msg, " not found", "")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if _, err := strconv.Atoi(rest[:i]); err == nil {
				return rest
			}
		}
	}
	return " " + msg
}

// typeNames matches " in type policy.fileRule" in yaml.v3 errors.
var typeNames = regexp.MustCompile(` in type [\w.\[\]]+`)

// validator accumulates errors with positions taken from the YAML node tree.
type validator struct {
	file string
	root *yaml.Node
	errs []error
}

// errorf records a problem at the node found by walking keys/indexes from the root.
func (v *validator) errorf(at []any, format string, args ...any) {
	line := lineOf(v.root, at)
	field := fieldPath(at)
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		v.errs = append(v.errs, fmt.Errorf("%s:%d: %s: %s", v.file, line, field, msg))
		return
	}
	v.errs = append(v.errs, fmt.Errorf("%s: %s: %s", v.file, field, msg))
}

// lineOf follows a path of mapping keys (string) and sequence indexes (int)
// and returns the line of the deepest node found.
func lineOf(n *yaml.Node, at []any) int {
	line := n.Line
	for _, step := range at {
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == s {
						next = n.Content[i+1]
						line = n.Content[i].Line
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
			}
		}
		if next == nil {
			return line
		}
		n = next
		line = n.Line
	}
	return line
}

func fieldPath(at []any) string {
	var b strings.Builder
	for _, step := range at {
		switch s := step.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		}
	}
	return b.String()
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,127}$`)

func (v *validator) build(doc *fileDoc) *Policy {
	p := &Policy{Name: doc.Name, Version: doc.Version}
	switch doc.Version {
	case 1:
	case 0:
		v.errorf([]any{"version"}, "missing (write `version: 1`)")
	default:
		v.errorf([]any{"version"}, "unsupported version %d (this sluice reads version 1)", doc.Version)
	}
	p.Defaults.Mode = ModeMonitor
	if doc.Defaults.Mode != "" {
		m, err := ParseMode(doc.Defaults.Mode)
		if err != nil {
			v.errorf([]any{"defaults", "mode"}, "%v", err)
		}
		p.Defaults.Mode = m
	}
	p.Defaults.BlockStatus = 403
	if doc.Defaults.BlockStatus != 0 {
		if !validBlockStatus(doc.Defaults.BlockStatus) {
			v.errorf([]any{"defaults", "block_status"}, "%d is not a 4xx or 5xx status", doc.Defaults.BlockStatus)
		}
		p.Defaults.BlockStatus = doc.Defaults.BlockStatus
	}
	v.detectors(p, &doc.Detectors)
	p.Identity = Identity{
		PrincipalHeaders: lowerAll(doc.Identity.PrincipalHeaders),
		GroupsHeader:     strings.ToLower(doc.Identity.GroupsHeader),
		SessionHeaders:   lowerAll(doc.Identity.SessionHeaders),
	}
	if len(p.Identity.PrincipalHeaders) == 0 {
		p.Identity.PrincipalHeaders = DefaultPrincipalHeaders
	}
	if len(p.Identity.SessionHeaders) == 0 {
		p.Identity.SessionHeaders = DefaultSessionHeaders
	}

	ids := map[string]bool{}
	for i := range doc.Rules {
		fr := &doc.Rules[i]
		at := []any{"rules", i}
		r := &Rule{ID: fr.ID, Description: fr.Description, Message: fr.Message, Status: fr.Status, Line: lineOf(v.root, at)}
		v.checkID(at, fr.ID, ids)
		r.Match = v.matcher(append(at, "match"), fr.Match)
		r.Scope = v.scope(append(at, "scope"), &fr.Scope)
		r.When = v.condition(append(at, "when"), fr.When)
		if fr.Match == nil && fr.When == "" {
			v.errorf(at, "rule %q has neither match nor when: it would match every request", fr.ID)
		}
		if fr.Action == "" {
			v.errorf(at, "rule %q: missing action (block, redact or log)", fr.ID)
		} else if a, err := ParseAction(fr.Action); err != nil {
			v.errorf(append(at, "action"), "%v", err)
		} else {
			r.Action = a
		}
		r.Mode = p.Defaults.Mode
		if fr.Mode != "" {
			m, err := ParseMode(fr.Mode)
			if err != nil {
				v.errorf(append(at, "mode"), "%v", err)
			}
			r.Mode = m
		}
		if fr.Status != 0 && !validBlockStatus(fr.Status) {
			v.errorf(append(at, "status"), "%d is not a 4xx or 5xx status", fr.Status)
		}
		if r.Message == "" {
			r.Message = r.Description
		}
		p.needsCEL = p.needsCEL || r.When != nil
		p.Rules = append(p.Rules, r)
	}
	for i := range doc.Exceptions {
		fe := &doc.Exceptions[i]
		at := []any{"exceptions", i}
		e := &Exception{ID: fe.ID, Description: fe.Description, Line: lineOf(v.root, at)}
		v.checkID(at, fe.ID, ids)
		e.Match = v.matcher(append(at, "match"), fe.Match)
		e.Scope = v.scope(append(at, "scope"), &fe.Scope)
		e.When = v.condition(append(at, "when"), fe.When)
		if fe.Match == nil && fe.When == "" {
			v.errorf(at, "exception %q has neither match nor when: it would suppress every finding", fe.ID)
		}
		p.needsCEL = p.needsCEL || e.When != nil
		p.Exceptions = append(p.Exceptions, e)
	}
	return p
}

func validBlockStatus(s int) bool { return s >= 400 && s <= 599 }

func lowerAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

func (v *validator) checkID(at []any, id string, seen map[string]bool) {
	switch {
	case id == "":
		v.errorf(at, "missing id")
	case !idPattern.MatchString(id):
		v.errorf(append(at, "id"), "%q: ids are lowercase letters, digits, '-', '_' and '.'", id)
	case seen[id]:
		v.errorf(append(at, "id"), "duplicate id %q", id)
	}
	seen[id] = true
}

func (v *validator) matcher(at []any, fm *fileMatch) Matcher {
	if fm == nil {
		return Matcher{Empty: true}
	}
	m := Matcher{MinConfidence: fm.MinConfidence}
	for j, c := range fm.Categories {
		cat, err := detect.ParseCategory(c)
		if err != nil {
			v.errorf(append(at, "categories", j), "%v", err)
			continue
		}
		m.Categories = append(m.Categories, cat)
	}
	for j, d := range fm.Detectors {
		if _, err := path.Match(d, ""); err != nil || d == "" {
			v.errorf(append(at, "detectors", j), "%q is not a detector id or glob", d)
			continue
		}
		m.Detectors = append(m.Detectors, d)
	}
	for j, l := range fm.Locations {
		if _, err := path.Match(l, ""); err != nil || l == "" {
			v.errorf(append(at, "locations", j), "%q is not a location glob", l)
			continue
		}
		m.Locations = append(m.Locations, l)
	}
	if fm.MinSeverity != "" {
		s, err := detect.ParseSeverity(fm.MinSeverity)
		if err != nil {
			v.errorf(append(at, "min_severity"), "%v", err)
		}
		m.MinSeverity = s
	}
	if fm.MinConfidence < 0 || fm.MinConfidence > 1 {
		v.errorf(append(at, "min_confidence"), "%v is outside [0, 1]", fm.MinConfidence)
	}
	for j, t := range fm.Trust {
		tr, ok := parseTrust(t)
		if !ok {
			v.errorf(append(at, "trust", j), "%q is not a trust level (want operator, user, model or untrusted)", t)
			continue
		}
		m.Trust = append(m.Trust, tr)
	}
	m.Empty = len(m.Categories) == 0 && len(m.Detectors) == 0 && len(m.Locations) == 0 && len(m.Trust) == 0 &&
		fm.MinSeverity == "" && fm.MinConfidence == 0
	return m
}

func parseTrust(s string) (interaction.Trust, bool) {
	for t := interaction.TrustUntrusted; t <= interaction.TrustOperator; t++ {
		if t.String() == s {
			return t, true
		}
	}
	return 0, false
}

// knownAPIs is the `api` vocabulary of the interface contract.
var knownAPIs = []string{
	"openai.chat_completions", "openai.responses", "anthropic.messages", "gemini.generate_content",
	"bedrock.converse", "bedrock.invoke", "unknown",
}

// knownDoors are the ways traffic reaches the evaluator.
var knownDoors = []string{"envoy", "aperture", "api", "cli"}

func (v *validator) scope(at []any, fs *fileScope) Scope {
	var s Scope
	for j, ph := range fs.Phase {
		p, ok := interaction.ParsePhase(ph)
		if !ok || ph == "" {
			v.errorf(append(at, "phase", j), "%q is not a phase (want request or response)", ph)
			continue
		}
		s.Phases = append(s.Phases, p)
	}
	for j, d := range fs.Doors {
		if !contains(knownDoors, d) {
			v.errorf(append(at, "doors", j), "%q is not a door (want %s)", d, strings.Join(knownDoors, ", "))
		}
	}
	for j, a := range fs.APIs {
		if !contains(knownAPIs, a) {
			v.errorf(append(at, "apis", j), "%q is not an API (want %s)", a, strings.Join(knownAPIs, ", "))
		}
	}
	for field, globs := range map[string][]string{"users": fs.Users, "models": fs.Models} {
		for j, g := range globs {
			if _, err := path.Match(g, ""); err != nil || g == "" {
				v.errorf(append(at, field, j), "%q is not a valid glob", g)
			}
		}
	}
	s.Doors, s.APIs, s.Agents, s.Users, s.Models = fs.Doors, fs.APIs, fs.Agents, fs.Users, fs.Models
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (v *validator) condition(at []any, src string) *Condition {
	if strings.TrimSpace(src) == "" {
		return nil
	}
	c, err := compileCondition(src)
	if err != nil {
		v.errorf(at, "%v", err)
		return nil
	}
	return c
}

// knownPIIEntities must stay in step with the pii detector's entity names;
// the evaluator re-validates against the detector when it is built.
func (v *validator) detectors(p *Policy, fd *fileDetectors) {
	enabled := func(f fileFamily) FamilySettings {
		return FamilySettings{Disabled: f.Enabled != nil && !*f.Enabled}
	}
	d := &p.Detectors
	d.Secrets = SecretSettings{FamilySettings: enabled(fd.Secrets.fileFamily), DisableRules: fd.Secrets.DisableRules, Allow: fd.Secrets.Allow}
	for j, a := range fd.Secrets.Allow {
		if re, ok := strings.CutPrefix(a, "re:"); ok {
			if _, err := regexp.Compile(re); err != nil {
				v.errorf([]any{"detectors", "secrets", "allow", j}, "bad regexp: %v", err)
			}
		}
	}
	d.PII = PIISettings{FamilySettings: enabled(fd.PII.fileFamily), Entities: fd.PII.Entities, IPAddresses: fd.PII.IPAddresses}
	d.Injection = enabled(fd.Injection)
	d.Exfil = ExfilSettings{FamilySettings: enabled(fd.Exfil.fileFamily), AllowedHosts: fd.Exfil.AllowedHosts,
		SinkHosts: fd.Exfil.SinkHosts, SinkTools: fd.Exfil.SinkTools}
	d.ToolRisk = ToolRiskSettings{FamilySettings: enabled(fd.ToolRisk.fileFamily), ToolCategories: fd.ToolRisk.ToolCategories}
	for k := range fd.ToolRisk.ToolCategories {
		if k != "safe" && k != "sensitive" && k != "dangerous" {
			v.errorf([]any{"detectors", "toolrisk", "tool_categories", k}, "%q is not a tool category (want safe, sensitive or dangerous)", k)
		}
	}
	d.Evasion = enabled(fd.Evasion)
}
