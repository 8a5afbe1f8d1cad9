// Package policy loads, validates and applies sluice policies: YAML files of
// rules that turn detector findings into actions (block, redact, log), each
// rule in monitor or enforce mode.
//
// Rules roll out safely: a rule in monitor mode never changes traffic but is
// reported as "would block" or "would redact", so it can be tuned against
// real traffic before it is switched to enforce. Exceptions suppress
// findings (they stay visible, marked excepted) without editing rules.
//
// The schema is documented in docs/POLICY.md; the embedded default policy
// (default.yaml) covers every category with all rules in monitor mode.
package policy

import (
	"fmt"
	"path"
	"slices"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// Mode says whether a rule changes traffic.
type Mode uint8

const (
	ModeMonitor Mode = iota // record what the rule would do; traffic flows
	ModeEnforce             // do it
)

func (m Mode) String() string {
	if m == ModeEnforce {
		return "enforce"
	}
	return "monitor"
}

// MarshalText encodes the mode as its name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// ParseMode parses "monitor" or "enforce".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "monitor":
		return ModeMonitor, nil
	case "enforce":
		return ModeEnforce, nil
	}
	return 0, fmt.Errorf("%q is not a mode (want monitor or enforce)", s)
}

// Action is what a rule does when it matches. Actions are ordered by
// precedence: when several enforced rules match, the greatest wins.
type Action uint8

const (
	ActionNone   Action = iota // no rule matched: allow
	ActionLog                  // record only
	ActionRedact               // replace the matched spans, forward the rest
	ActionBlock                // refuse the request
)

var actionNames = [...]string{"none", "log", "redact", "block"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// MarshalText encodes the action as its name.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// ParseAction parses "block", "redact" or "log".
func ParseAction(s string) (Action, error) {
	switch s {
	case "block":
		return ActionBlock, nil
	case "redact":
		return ActionRedact, nil
	case "log":
		return ActionLog, nil
	}
	return 0, fmt.Errorf("%q is not an action (want block, redact or log)", s)
}

// Policy is a validated, compiled policy. It is immutable after Load and
// safe for concurrent use.
type Policy struct {
	Name     string
	Version  int
	Defaults Defaults
	// Detectors configures the detector families.
	Detectors DetectorSettings
	// Identity says where principals come from.
	Identity   Identity
	Rules      []*Rule
	Exceptions []*Exception

	// Source is the file the policy was loaded from, or "embedded:default.yaml".
	Source string
	// Hash is the first 16 hex digits of the SHA-256 of the policy bytes,
	// recorded with every decision so an audit record names the exact
	// policy that made it.
	Hash string

	needsCEL bool // some rule or exception has a `when` condition
}

// Defaults apply to every rule that does not say otherwise.
type Defaults struct {
	Mode        Mode
	BlockStatus int // HTTP status for enforced blocks (403 unless set)
}

// Rule turns matching findings into an action.
type Rule struct {
	ID          string
	Description string
	Match       Matcher
	When        *Condition // nil when the rule has no condition
	Action      Action
	Mode        Mode
	// Message is shown to the end user when the rule blocks; it must not
	// contain sensitive values. Defaults to the rule description.
	Message string
	// Status overrides Defaults.BlockStatus for this rule.
	Status int
	Scope  Scope
	Line   int // line of the rule in its file, for messages
}

// Exception suppresses findings that match it. Excepted findings are still
// reported (with the exception id) but count toward no rule.
type Exception struct {
	ID          string
	Description string
	Match       Matcher
	When        *Condition
	Scope       Scope
	Line        int
}

// Matcher selects findings. Empty lists match anything.
type Matcher struct {
	Categories    []detect.Category
	Detectors     []string // exact ids or path.Match globs ("secret.aws_*")
	MinSeverity   detect.Severity
	MinConfidence float64
	Trust         []interaction.Trust
	// Locations are path.Match globs over finding locations
	// ("tools[*].description" does not cross '.': use "tools*").
	Locations []string
	// Empty reports whether the matcher was written with no criteria, in
	// which case a rule matches on its scope and condition alone.
	Empty bool
}

// Scope limits where a rule or exception applies. Empty lists mean
// everywhere.
type Scope struct {
	Phases []interaction.Phase
	Doors  []string
	APIs   []string
	Agents []string
	Users  []string // globs over principal ids ("*@example.com")
	Models []string // globs ("gpt-4*")
}

// DetectorSettings configures detector families from the policy file.
type DetectorSettings struct {
	Secrets   SecretSettings
	PII       PIISettings
	Injection FamilySettings
	Exfil     ExfilSettings
	ToolRisk  ToolRiskSettings
	Evasion   FamilySettings
}

// FamilySettings is what every family accepts.
type FamilySettings struct {
	Disabled bool
}

// SecretSettings configures the secret detectors.
type SecretSettings struct {
	FamilySettings
	DisableRules []string
	Allow        []string // literal values or regexes (re:...) never reported
}

// PIISettings configures the PII detectors.
type PIISettings struct {
	FamilySettings
	Entities    []string // enabled entities; empty = the detector's default set
	IPAddresses bool
}

// ExfilSettings configures exfiltration detection.
type ExfilSettings struct {
	FamilySettings
	AllowedHosts []string // hosts (or *.suffix) that may receive URLs with data
	SinkHosts    []string // extra known-bad hosts
	SinkTools    []string // extra tool-name patterns that send data out
}

// ToolRiskSettings configures tool-call risk detection.
type ToolRiskSettings struct {
	FamilySettings
	// ToolCategories maps "safe", "sensitive", "dangerous" to tool-name
	// patterns, extending the built-in defaults.
	ToolCategories map[string][]string
}

// Identity says which request headers name the principal, in order of
// preference.
type Identity struct {
	PrincipalHeaders []string
	GroupsHeader     string
	SessionHeaders   []string
}

// DefaultPrincipalHeaders are consulted when the policy names none.
var DefaultPrincipalHeaders = []string{
	"tailscale-user-login", "x-forwarded-email", "x-forwarded-user", "x-auth-request-email",
	"x-auth-request-user", "x-user-id", "x-sluice-principal",
}

// DefaultSessionHeaders name the agent session when the policy names none.
var DefaultSessionHeaders = []string{"x-session-id", "x-claude-code-session-id", "session_id", "x-sluice-session"}

// matches reports whether the finding satisfies the matcher.
func (m *Matcher) matches(f *detect.Finding, trust interaction.Trust, hasTrust bool) bool {
	if len(m.Categories) > 0 && !slices.Contains(m.Categories, f.Category) {
		return false
	}
	if f.Severity < m.MinSeverity || f.Confidence < m.MinConfidence {
		return false
	}
	if len(m.Detectors) > 0 && !matchAny(m.Detectors, f.Detector) {
		return false
	}
	if len(m.Trust) > 0 && (!hasTrust || !slices.Contains(m.Trust, trust)) {
		return false
	}
	if len(m.Locations) > 0 && !matchAny(m.Locations, f.Location) {
		return false
	}
	return true
}

// matchAny reports whether s matches one of the patterns: exact strings or
// path.Match globs (validated at load time).
func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if p == s || p == "*" {
			return true
		}
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// applies reports whether the scope covers the interaction.
func (s *Scope) applies(ix *interaction.Interaction, door string) bool {
	if len(s.Phases) > 0 && !slices.Contains(s.Phases, ix.Phase) {
		return false
	}
	if len(s.Doors) > 0 && !slices.Contains(s.Doors, door) {
		return false
	}
	if len(s.APIs) > 0 && !slices.Contains(s.APIs, ix.API) {
		return false
	}
	if len(s.Agents) > 0 && !slices.Contains(s.Agents, ix.Agent.Name) {
		return false
	}
	if len(s.Users) > 0 && !matchAny(s.Users, ix.Principal.ID) {
		return false
	}
	if len(s.Models) > 0 && !matchAny(s.Models, ix.Model) {
		return false
	}
	return true
}

// EnforcedCopy returns a copy of the policy with every rule in mode m: the
// preview of full enforcement (`--mode enforce`) or a dry run of everything
// (`--mode monitor`).
func (p *Policy) EnforcedCopy(m Mode) *Policy {
	q := *p
	q.Defaults.Mode = m
	q.Rules = make([]*Rule, len(p.Rules))
	for i, r := range p.Rules {
		rc := *r
		rc.Mode = m
		q.Rules[i] = &rc
	}
	return &q
}

// Rule returns the rule with the given id, or nil.
func (p *Policy) Rule(id string) *Rule {
	for _, r := range p.Rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}
