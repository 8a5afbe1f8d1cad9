// Package sample builds realistic decisions for telemetry tests: varied
// verdicts, identities, agents, tools and findings, with secret and
// personal values planted in the interaction text so that tests can prove
// none of them reaches a sink, a log line or a span.
package sample

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/policy"
)

// Planted values, shaped like the real thing (fake keys, test card
// numbers, reserved-range SSNs).
var Planted = []string{
	"AKIAQWERTYUIOPASDFGH",
	"ghp_R3aLl00kingT0kenValue1234567890abcd",
	"4539 1488 0343 6467",
	"078-05-1120",
	"jane.doe@example.org",
}

// T0 is the time of decision 0; decision i is i milliseconds later.
var T0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

var (
	users  = []string{"alice@example.com", "bob@example.com", "carol@corp.test", ""}
	agents = []struct{ name, ua string }{
		{"claude-code", "claude-cli/1.0.43 (external, cli)"},
		{"cursor", "Cursor/0.48.7"},
		{"codex", "codex_cli_rs/0.21.0"},
		{"unknown", "python-requests/2.32.3"},
	}
	doors = []string{evaluator.DoorEnvoy, evaluator.DoorAperture, evaluator.DoorAPI, evaluator.DoorCLI}
	apis  = []struct{ api, path, model string }{
		{"openai.chat_completions", "/v1/chat/completions", "gpt-4o"},
		{"anthropic.messages", "/v1/messages", "claude-sonnet-4-5"},
		{"gemini.generate_content", "/v1beta/models/gemini-2.5-pro:generateContent", "gemini-2.5-pro"},
		{"bedrock.converse", "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse", "anthropic.claude-3-5-sonnet-20240620-v1:0"},
	}
)

var (
	ruleSecrets = &policy.Rule{ID: "block-secrets", Action: policy.ActionBlock}
	rulePII     = &policy.Rule{ID: "redact-pii", Action: policy.ActionRedact}
	ruleContact = &policy.Rule{ID: "log-contact-details", Action: policy.ActionLog}
)

// Decision returns decision i. Its shape cycles: i%4 == 0 carries a secret
// (blocked when enforce, else would-block), 1 a card number (redact), 2 an
// email (logged), 3 nothing.
func Decision(i int, enforce bool) *evaluator.Decision {
	a := apis[i%len(apis)]
	ag := agents[(i/2)%len(agents)]
	ix := &interaction.Interaction{
		API: a.api, Provider: strings.SplitN(a.api, ".", 2)[0], Phase: interaction.PhaseRequest,
		Path: a.path, Model: a.model,
		Principal: interaction.Principal{ID: users[i%len(users)], Source: "x-forwarded-email"},
		Agent:     interaction.Agent{Name: ag.name, UserAgent: ag.ua},
		SessionID: fmt.Sprintf("sess-%d", i%7),
		RequestID: fmt.Sprintf("req-%d", i),
		Tools:     []interaction.ToolDef{{Name: "shell"}, {Name: "read_file"}},
	}
	if ix.Principal.ID == "" {
		ix.Principal = interaction.Principal{}
	}
	if i%3 == 0 {
		ix.ToolCalls = []interaction.ToolCall{{ID: "call_1", Name: "shell", Arguments: `{"cmd":"ls"}`}}
	}
	ix.AddSegment(interaction.Segment{Text: "You are a coding assistant.", Location: "messages[0].content",
		Role: interaction.RoleSystem, Trust: interaction.TrustOperator, Kind: interaction.KindText, RawStart: -1, RawEnd: -1})
	mode := policy.ModeMonitor
	if enforce {
		mode = policy.ModeEnforce
	}
	d := &evaluator.Decision{
		ID: fmt.Sprintf("0190f5d2-0000-7000-8000-%012d", i), Time: T0.Add(time.Duration(i) * time.Millisecond),
		Duration: 350 * time.Microsecond, Door: doors[i%len(doors)], SourceIP: fmt.Sprintf("10.0.%d.%d", i/250%250, i%250+1),
		Verdict: evaluator.Allow, WouldBe: evaluator.Allow, Reason: evaluator.ReasonNoFinding,
		Interaction: ix, PolicyName: "sluice-default", PolicyHash: "3f2a9c0d1e4b5a6c",
	}
	plant := func(value string, cat detect.Category, det string, sev detect.Severity, r *policy.Rule) {
		text := "please use " + value + " for this"
		seg := ix.AddSegment(interaction.Segment{Text: text, Location: "messages[1].content",
			Role: interaction.RoleUser, Trust: interaction.TrustUser, Kind: interaction.KindText, Turn: 1, RawStart: -1, RawEnd: -1})
		start := strings.Index(text, value)
		d.Findings = append(d.Findings, detect.Finding{Category: cat, Detector: det, Severity: sev, Confidence: 1,
			Segment: seg, Location: "messages[1].content", Start: start, End: start + len(value),
			Evidence: detect.Mask(value), Reason: "planted " + string(cat)})
		m := policy.Match{Rule: r, Mode: mode, Action: r.Action, Enforced: enforce,
			Categories: []detect.Category{cat}, Findings: []int{len(d.Findings) - 1}}
		d.Matches = append(d.Matches, m)
	}
	switch i % 4 {
	case 0:
		plant(Planted[(i/4)%2], detect.CategorySecret, "secret.aws_access_key_id", detect.SeverityCritical, ruleSecrets)
		d.WouldBe, d.Reason = evaluator.Block, evaluator.ReasonMonitor
		if enforce {
			d.Verdict, d.Reason, d.Rule, d.Status = evaluator.Block, evaluator.ReasonPolicyBlock, ruleSecrets.ID, 403
			d.Message = "The request contains a credential. [sluice rule block-secrets, decision " + d.ID + "]"
		}
	case 1:
		plant(Planted[2+(i/4)%2], detect.CategoryPII, "pii.payment_card", detect.SeverityHigh, rulePII)
		d.WouldBe, d.Reason = evaluator.Redact, evaluator.ReasonMonitor
		if enforce {
			d.Verdict, d.Reason, d.Rule = evaluator.Redact, evaluator.ReasonPolicyRedact, rulePII.ID
		}
	case 2:
		plant(Planted[4], detect.CategoryPII, "pii.email", detect.SeverityLow, ruleContact)
		d.Reason = evaluator.ReasonLogged
	}
	return d
}
