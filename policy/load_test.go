package policy

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

func TestDefaultPolicyCoversEveryCategoryInMonitorMode(t *testing.T) {
	p := Default()
	if p.Defaults.Mode != ModeMonitor {
		t.Fatalf("default mode = %v, want monitor", p.Defaults.Mode)
	}
	covered := map[detect.Category]bool{}
	for _, r := range p.Rules {
		if r.Mode != ModeMonitor {
			t.Errorf("rule %s is in %v mode; the default policy starts with visibility only", r.ID, r.Mode)
		}
		for _, c := range r.Match.Categories {
			if r.Action == ActionBlock || r.Action == ActionRedact {
				covered[c] = true
			}
		}
	}
	for _, c := range detect.Categories {
		if !covered[c] {
			t.Errorf("no blocking or redacting rule covers category %s", c)
		}
	}
	if p.Hash == "" || p.Source != DefaultSource {
		t.Errorf("hash %q source %q", p.Hash, p.Source)
	}
}

func TestParseErrorsNameFileLineAndField(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error, all required
	}{
		{"empty", "", []string{"p.yaml: policy file is empty"}},
		{"not yaml", "version: [1\n", []string{"p.yaml:"}},
		{"no version", "rules: []\n", []string{"p.yaml:1: version: missing"}},
		{"future version", "version: 9\n", []string{"p.yaml:1: version: unsupported version 9"}},
		{"unknown top field", "version: 1\nrulez: []\n", []string{"p.yaml:2: unknown field rulez"}},
		{"unknown rule field", "version: 1\nrules:\n  - id: a\n    acton: block\n", []string{"p.yaml:4:", "acton"}},
		{"bad mode", "version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n    action: block\n    mode: enforcing\n",
			[]string{"p.yaml:6: rules[0].mode:", `"enforcing" is not a mode`}},
		{"bad action", "version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n    action: drop\n",
			[]string{"p.yaml:5: rules[0].action:", `"drop" is not an action`}},
		{"missing action", "version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n",
			[]string{"p.yaml:3: rules[0]:", "missing action"}},
		{"bad category", "version: 1\nrules:\n  - id: a\n    match:\n      categories: [secrets]\n    action: block\n",
			[]string{"p.yaml:5: rules[0].match.categories[0]:", `unknown category "secrets"`}},
		{"bad severity", "version: 1\nrules:\n  - id: a\n    match:\n      min_severity: severe\n    action: block\n",
			[]string{"p.yaml:5: rules[0].match.min_severity:", "unknown severity"}},
		{"duplicate id", "version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n    action: block\n  - id: a\n    match: {categories: [pii]}\n    action: log\n",
			[]string{"p.yaml:6: rules[1].id:", `duplicate id "a"`}},
		{"bad id", "version: 1\nrules:\n  - id: Block Secrets\n    match: {categories: [secret]}\n    action: block\n",
			[]string{"p.yaml:3: rules[0].id:"}},
		{"match everything", "version: 1\nrules:\n  - id: a\n    action: block\n",
			[]string{"p.yaml:3: rules[0]:", "neither match nor when"}},
		{"bad cel", "version: 1\nrules:\n  - id: a\n    when: 'request.model.startsWith('\n    action: block\n",
			[]string{"p.yaml:4: rules[0].when:", "CEL"}},
		{"cel not bool", "version: 1\nrules:\n  - id: a\n    when: '1 + 2'\n    action: block\n",
			[]string{"p.yaml:4: rules[0].when:"}},
		{"bad status", "version: 1\ndefaults:\n  block_status: 200\n", []string{"p.yaml:3: defaults.block_status:", "200"}},
		{"bad phase", "version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n    action: block\n    scope:\n      phase: [reqest]\n",
			[]string{"p.yaml:7: rules[0].scope.phase[0]:"}},
		{"bad api", "version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n    action: block\n    scope: {apis: [openai]}\n",
			[]string{"rules[0].scope.apis[0]:", `"openai" is not an API`}},
		{"bad trust", "version: 1\nrules:\n  - id: a\n    match: {trust: [evil]}\n    action: block\n",
			[]string{"rules[0].match.trust[0]:"}},
		{"bad tool category", "version: 1\ndetectors:\n  toolrisk:\n    tool_categories:\n      risky: [bash]\n",
			[]string{"p.yaml:5: detectors.toolrisk.tool_categories.risky:"}},
		{"bad allow regexp", "version: 1\ndetectors:\n  secrets:\n    allow: ['re:(']\n", []string{"detectors.secrets.allow[0]: bad regexp"}},
		{"wrong type", "version: 1\nrules:\n  - id: a\n    match: {categories: secret}\n    action: block\n", []string{"p.yaml:4:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse succeeded, want error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseReportsAllProblemsAtOnce(t *testing.T) {
	_, err := Parse("p.yaml", []byte("version: 1\nrules:\n  - id: a\n    match: {categories: [nope]}\n    action: zap\n"))
	if err == nil || !strings.Contains(err.Error(), "nope") || !strings.Contains(err.Error(), "zap") {
		t.Fatalf("want both problems reported, got %v", err)
	}
}

func TestRuleDefaultsAndOverrides(t *testing.T) {
	p, err := Parse("p.yaml", []byte(`version: 1
defaults: {mode: enforce, block_status: 451}
rules:
  - id: a
    description: Secrets out
    match: {categories: [secret], min_severity: high, detectors: ["secret.aws_*"]}
    action: block
  - id: b
    match: {categories: [pii]}
    action: redact
    mode: monitor
    status: 400
    message: custom
`))
	if err != nil {
		t.Fatal(err)
	}
	a, b := p.Rule("a"), p.Rule("b")
	if a.Mode != ModeEnforce || a.Message != "Secrets out" || a.Match.MinSeverity != detect.SeverityHigh || a.Line != 4 {
		t.Errorf("rule a = %+v", a)
	}
	if b.Mode != ModeMonitor || b.Status != 400 || b.Message != "custom" || b.Action != ActionRedact {
		t.Errorf("rule b = %+v", b)
	}
	if p.Defaults.BlockStatus != 451 {
		t.Errorf("block status %d", p.Defaults.BlockStatus)
	}
	q := p.EnforcedCopy(ModeMonitor)
	if q.Rule("a").Mode != ModeMonitor || p.Rule("a").Mode != ModeEnforce {
		t.Error("EnforcedCopy must not modify the original")
	}
}

func TestApply(t *testing.T) {
	p, err := Parse("p.yaml", []byte(`version: 1
defaults: {mode: enforce}
rules:
  - id: secrets-high
    match: {categories: [secret], min_severity: high}
    action: block
  - id: injection-in-tools
    match: {categories: [prompt_injection], trust: [untrusted]}
    action: block
  - id: gpt-only
    match: {categories: [pii]}
    when: 'request.model.startsWith("gpt-") && !("security-team" in principal.groups)'
    action: redact
  - id: claude-code-bash
    when: '"bash" in tools.called && agent.name == "claude-code"'
    action: log
    mode: monitor
  - id: responses-only
    match: {categories: [secret]}
    action: log
    scope: {phase: [response]}
exceptions:
  - id: test-keys
    match: {detectors: [secret.stripe_test_key]}
  - id: alice-emails
    match: {categories: [pii]}
    when: 'principal.id == "alice@example.com" && finding.detector == "pii.email"'
`))
	if err != nil {
		t.Fatal(err)
	}
	ix := &interaction.Interaction{
		API: "openai.chat_completions", Model: "gpt-4o",
		Segments: []interaction.Segment{
			{Text: "user text", Trust: interaction.TrustUser},
			{Text: "tool output", Trust: interaction.TrustUntrusted},
		},
		ToolCalls: []interaction.ToolCall{{Name: "bash"}},
		Principal: interaction.Principal{ID: "alice@example.com", Groups: []string{"eng"}},
		Agent:     interaction.Agent{Name: "claude-code"},
	}
	findings := []detect.Finding{
		{Category: detect.CategorySecret, Detector: "secret.stripe_test_key", Severity: detect.SeverityHigh, Segment: 0},
		{Category: detect.CategorySecret, Detector: "secret.aws_access_key_id", Severity: detect.SeverityCritical, Segment: 0},
		{Category: detect.CategoryPromptInjection, Detector: "injection.override", Severity: detect.SeverityHigh, Segment: 0},
		{Category: detect.CategoryPII, Detector: "pii.email", Severity: detect.SeverityLow, Segment: 0},
		{Category: detect.CategoryPII, Detector: "pii.credit_card", Severity: detect.SeverityHigh, Segment: 1},
	}
	matches, errs := p.Apply(ix, "cli", findings)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if findings[0].Excepted != "test-keys" || findings[3].Excepted != "alice-emails" || findings[4].Excepted != "" {
		t.Fatalf("exceptions: %q %q %q", findings[0].Excepted, findings[3].Excepted, findings[4].Excepted)
	}
	var got []string
	for _, m := range matches {
		got = append(got, m.Rule.ID)
	}
	if want := "secrets-high gpt-only claude-code-bash"; strings.Join(got, " ") != want {
		t.Fatalf("matched %v, want %s", got, want)
	}
	if m := matches[0]; len(m.Findings) != 1 || m.Findings[0] != 1 || !m.Enforced || m.Categories[0] != detect.CategorySecret {
		t.Errorf("secrets-high match = %+v", m)
	}
	if m := matches[2]; m.Enforced || m.Mode != ModeMonitor || len(m.Findings) != 0 {
		t.Errorf("claude-code-bash match = %+v", m)
	}

	// The injection was in the user's turn, not a tool result: moving it changes the outcome.
	findings[2].Segment = 1
	findings[0].Excepted, findings[3].Excepted = "", ""
	matches, _ = p.Apply(ix, "cli", findings)
	found := false
	for _, m := range matches {
		found = found || m.Rule.ID == "injection-in-tools"
	}
	if !found {
		t.Error("injection-in-tools did not match an untrusted segment")
	}
	// Security team members are not redacted.
	ix.Principal.Groups = []string{"security-team"}
	findings[0].Excepted, findings[3].Excepted = "", ""
	matches, _ = p.Apply(ix, "cli", findings)
	for _, m := range matches {
		if m.Rule.ID == "gpt-only" {
			t.Error("gpt-only matched a security-team principal")
		}
	}
}

func TestConditionErrorIsReportedNotFatal(t *testing.T) {
	p, err := Parse("p.yaml", []byte(`version: 1
rules:
  - id: bad-key
    when: 'attributes["missing"] == "x"'
    action: block
  - id: good
    when: 'true'
    action: log
`))
	if err != nil {
		t.Fatal(err)
	}
	matches, errs := p.Apply(&interaction.Interaction{}, "cli", nil)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `rule "bad-key"`) {
		t.Fatalf("errs = %v", errs)
	}
	if len(matches) != 1 || matches[0].Rule.ID != "good" {
		t.Fatalf("matches = %+v", matches)
	}
}
