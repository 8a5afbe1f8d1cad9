package audit

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/policy"
)

// Planted values: they appear in the interaction's text and must never
// appear in a record.
const (
	plantedKey  = "AKIAQWERTYUIOPASDFGH"
	plantedCard = "4111 1111 1111 1111"
)

// sampleDecision is a monitor-mode decision on an OpenAI chat request
// carrying an AWS key and a card number, with a tool call in history.
func sampleDecision() *evaluator.Decision {
	user := "deploy with key " + plantedKey + " please"
	card := "my card is " + plantedCard
	ix := &interaction.Interaction{
		API: "openai.chat_completions", Provider: "openai", Phase: interaction.PhaseRequest,
		Path: "/v1/chat/completions", Model: "gpt-4o", Stream: true,
		Segments: []interaction.Segment{
			{Text: "You are a helpful assistant.", Location: "messages[0].content", Role: interaction.RoleSystem,
				Trust: interaction.TrustOperator, Kind: interaction.KindText, Turn: 0, RawStart: -1, RawEnd: -1},
			{Text: user, Location: "messages[1].content", Role: interaction.RoleUser,
				Trust: interaction.TrustUser, Kind: interaction.KindText, Turn: 1, RawStart: -1, RawEnd: -1},
			{Text: card, Location: "messages[2].content", Role: interaction.RoleUser,
				Trust: interaction.TrustUser, Kind: interaction.KindText, Turn: 2, RawStart: -1, RawEnd: -1},
		},
		Tools:     []interaction.ToolDef{{Name: "shell", Type: "function"}, {Name: "read_file", Type: "function"}},
		ToolCalls: []interaction.ToolCall{{ID: "call_1", Name: "shell", Arguments: `{"cmd":"ls"}`}},
		Principal: interaction.Principal{ID: "alice@example.com", Name: "Alice", Groups: []string{"eng"}, Source: "x-forwarded-email"},
		Agent:     interaction.Agent{Name: "claude-code", Version: "1.0.43", UserAgent: "claude-cli/1.0.43 (external, cli)"},
		SessionID: "sess-42",
		RequestID: "req-7",
		Usage:     interaction.Usage{InputTokens: 120, OutputTokens: 0},
	}
	ks := strings.Index(user, plantedKey)
	cs := strings.Index(card, plantedCard)
	findings := []detect.Finding{
		{Category: detect.CategorySecret, Detector: "secret.aws_access_key_id", Severity: detect.SeverityCritical,
			Confidence: 1, Segment: 1, Location: "messages[1].content", Start: ks, End: ks + len(plantedKey),
			Evidence: detect.Mask(plantedKey), Reason: "AWS access key id"},
		{Category: detect.CategoryPII, Detector: "pii.payment_card", Severity: detect.SeverityHigh,
			Confidence: 1, Segment: 2, Location: "messages[2].content", Start: cs, End: cs + len(plantedCard),
			Evidence: detect.Mask(plantedCard), Reason: "payment card number (Luhn valid)"},
		// A classifier finding quoting the whole message, planted key included:
		// the record must re-mask it.
		{Category: detect.CategoryPromptInjection, Detector: "injection.classifier", Severity: detect.SeverityHigh,
			Confidence: 0.91, Segment: 1, Location: "messages[1].content", Start: 0, End: len(user),
			Evidence: detect.Excerpt(user), Reason: "the text classifier scores it as a prompt injection"},
		{Category: detect.CategoryEvasion, Detector: "evasion.duplicate_key", Severity: detect.SeverityMedium,
			Confidence: 1, Segment: -1, Location: "messages[1]", Evidence: "role", Reason: "duplicate JSON key",
			Excepted: "allow-dup-keys"},
	}
	secrets := &policy.Rule{ID: "block-secrets", Action: policy.ActionBlock, Mode: policy.ModeMonitor}
	pii := &policy.Rule{ID: "redact-pii", Action: policy.ActionRedact, Mode: policy.ModeMonitor}
	return &evaluator.Decision{
		ID:       "0190f5d2-7c4e-7a3b-9d1e-2f3a4b5c6d7e",
		Time:     time.Date(2026, 5, 1, 12, 30, 45, 123456789, time.UTC),
		Duration: 742 * time.Microsecond,
		Door:     evaluator.DoorEnvoy,
		SourceIP: "10.1.2.3:51234",
		Verdict:  evaluator.Allow,
		WouldBe:  evaluator.Block,
		Reason:   evaluator.ReasonMonitor,
		Findings: findings,
		Matches: []policy.Match{
			{Rule: secrets, Mode: policy.ModeMonitor, Action: policy.ActionBlock, Categories: []detect.Category{detect.CategorySecret}, Findings: []int{0}},
			{Rule: pii, Mode: policy.ModeMonitor, Action: policy.ActionRedact, Categories: []detect.Category{detect.CategoryPII}, Findings: []int{1}},
		},
		Interaction: ix,
		PolicyName:  "sluice-default",
		PolicyHash:  "3f2a9c0d1e4b5a6c",
	}
}

func sampleOptions() Options {
	return Options{
		Evaluated: true,
		TraceID:   "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:    "00f067aa0ba902b7",
		Hostname:  "gw-1",
		Version:   "v0.1.0",
	}
}

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func TestGoldenRecord(t *testing.T) {
	tests := []struct {
		name string
		d    func() *evaluator.Decision
		o    func() Options
	}{
		{"monitor_would_block", sampleDecision, sampleOptions},
		{"enforced_block", func() *evaluator.Decision {
			d := sampleDecision()
			d.Verdict, d.Reason, d.Rule, d.Status = evaluator.Block, evaluator.ReasonPolicyBlock, "block-secrets", 403
			d.Message = "The request contains a credential. [sluice rule block-secrets, decision " + d.ID + "]"
			for i := range d.Matches {
				d.Matches[i].Mode, d.Matches[i].Enforced = policy.ModeEnforce, true
			}
			return d
		}, sampleOptions},
		{"capture_redacted", sampleDecision, func() Options {
			o := sampleOptions()
			o.Capture = CaptureRedacted
			return o
		}},
		{"evaluation_failed", func() *evaluator.Decision {
			d := sampleDecision()
			d.Findings, d.Matches, d.Reason, d.Verdict, d.WouldBe = nil, nil, "body_not_json", "", ""
			d.Interaction.Segments, d.Interaction.Tools, d.Interaction.ToolCalls = nil, nil, nil
			return d
		}, func() Options {
			o := sampleOptions()
			o.Failed, o.Evaluated = true, false
			return o
		}},
		{"door_fail_open", func() *evaluator.Decision {
			d := sampleDecision()
			d.Findings, d.Matches, d.Reason, d.Verdict, d.WouldBe = nil, nil, "evaluation_failed", evaluator.Allow, evaluator.Allow
			d.Duration = 0
			d.Interaction.Segments, d.Interaction.Tools, d.Interaction.ToolCalls = nil, nil, nil
			return d
		}, func() Options {
			o := sampleOptions()
			o.Failed, o.Evaluated = true, false
			o.Errors = []string{"evaluation failed: internal_error"}
			o.Duration = 1500 * time.Microsecond
			return o
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewEntry(FromDecision(tt.d(), tt.o())).JSON()
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []string{plantedKey, plantedKey[4:12], plantedCard, "4111111111111111", "1111 1111"} {
				if bytes.Contains(b, []byte(v)) {
					t.Fatalf("record holds the planted value %q:\n%s", v, b)
				}
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".json"), indent(t, b))
		})
	}
}

func TestRecordFields(t *testing.T) {
	t.Run("effect", func(t *testing.T) {
		for _, c := range []struct {
			v, would evaluator.Verdict
			want     string
		}{
			{evaluator.Allow, evaluator.Allow, EffectAllowed},
			{evaluator.Allow, evaluator.Block, EffectWouldBlock},
			{evaluator.Allow, evaluator.Redact, EffectWouldRedact},
			{evaluator.Redact, evaluator.Redact, EffectRedacted},
			{evaluator.Redact, evaluator.Block, EffectWouldBlock},
			{evaluator.Block, evaluator.Block, EffectBlocked},
		} {
			if got := effect(c.v, c.would); got != c.want {
				t.Errorf("effect(%s, %s) = %s, want %s", c.v, c.would, got, c.want)
			}
		}
	})
	t.Run("source_ip", func(t *testing.T) {
		for in, want := range map[string]string{
			"10.0.0.1": "10.0.0.1", "10.0.0.1:443": "10.0.0.1", "[::1]:8080": "::1", "fe80::1%eth0": "fe80::1",
			"": "", "unix:/tmp/s": "", "not-an-ip": "",
		} {
			if got := clientIP(in); got != want {
				t.Errorf("clientIP(%q) = %q, want %q", in, got, want)
			}
		}
	})
	t.Run("no_identity_no_user", func(t *testing.T) {
		d := sampleDecision()
		d.Interaction.Principal = interaction.Principal{}
		d.Interaction.Agent = interaction.Agent{}
		d.SourceIP = ""
		r := FromDecision(d, Options{})
		if r.User != nil || r.UserAgent != nil || r.Source != nil || r.Trace != nil {
			t.Fatalf("unknown fields were filled: %+v", r)
		}
		if r.Sluice.Agent.Name != "unknown" {
			t.Fatalf("agent = %q, want unknown", r.Sluice.Agent.Name)
		}
	})
	t.Run("nil_interaction", func(t *testing.T) {
		d := sampleDecision()
		d.Interaction, d.Findings, d.Matches = nil, nil, nil
		if _, err := Marshal(FromDecision(d, Options{})); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("record_does_not_alias_decision", func(t *testing.T) {
		d := sampleDecision()
		r := FromDecision(d, sampleOptions())
		d.Errors = append(d.Errors, "late")
		d.Interaction.Principal.Groups[0] = "changed"
		if len(r.Sluice.Errors) != 0 || r.User.Roles[0] != "eng" {
			t.Fatal("record shares memory with the decision")
		}
	})
	t.Run("evidence_bounded", func(t *testing.T) {
		if got := safeEvidence(strings.Repeat("é", 200)); len(got) > maxEvidence+len("…") {
			t.Fatalf("evidence of %d bytes", len(got))
		}
	})
	t.Run("parse_capture", func(t *testing.T) {
		for in, want := range map[string]Capture{"": CaptureOff, "off": CaptureOff, "redacted": CaptureRedacted} {
			if got, err := ParseCapture(in); err != nil || got != want {
				t.Errorf("ParseCapture(%q) = %q, %v", in, got, err)
			}
		}
		if _, err := ParseCapture("full"); err == nil {
			t.Error("ParseCapture(full) accepted")
		}
	})
}

func TestCapture(t *testing.T) {
	seg := func(text string) interaction.Segment {
		return interaction.Segment{Text: text, Location: "x", RawStart: -1, RawEnd: -1}
	}
	f := func(seg, start, end int) detect.Finding {
		return detect.Finding{Category: detect.CategorySecret, Segment: seg, Start: start, End: end}
	}
	tests := []struct {
		name     string
		text     string
		findings []detect.Finding
		max      int
		want     string
	}{
		{"no_finding", "hello", nil, 0, "hello"},
		{"one_span", "a SECRET b", []detect.Finding{f(0, 2, 8)}, 0, "a [REDACTED:secret] b"},
		{"two_spans", "X1 and Y2", []detect.Finding{f(0, 7, 9), f(0, 0, 2)}, 0, "[REDACTED:secret] and [REDACTED:secret]"},
		{"overlapping", "abcdefgh", []detect.Finding{f(0, 1, 5), f(0, 3, 7)}, 0, "a[REDACTED:secret]h"},
		{"nested", "abcdefgh", []detect.Finding{f(0, 1, 7), f(0, 2, 3)}, 0, "a[REDACTED:secret]h"},
		{"bad_span_masks_all", "abcdefgh", []detect.Finding{f(0, 5, 99)}, 0, "[REDACTED:secret]"},
		{"mid_rune_span_widened", "é秘密é", []detect.Finding{f(0, 3, 6)}, 0, "é[REDACTED:secret]é"},
		{"truncated", "abcdefghij", nil, 4, "abcd"},
		{"scrubbed", "call 4539 1488 0343 6467", nil, 0, "call [number]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := &interaction.Interaction{Segments: []interaction.Segment{seg(tt.text)}}
			got := capture(ix, tt.findings, tt.max)
			if len(got) != 1 || got[0].Text != tt.want {
				t.Fatalf("capture = %+v, want text %q", got, tt.want)
			}
			if got[0].Truncated != (tt.max > 0) {
				t.Fatalf("truncated = %v", got[0].Truncated)
			}
		})
	}
}

func BenchmarkFromDecision(b *testing.B) {
	d := sampleDecision()
	o := sampleOptions()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = FromDecision(d, o)
	}
}

func BenchmarkMarshal(b *testing.B) {
	r := FromDecision(sampleDecision(), sampleOptions())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
