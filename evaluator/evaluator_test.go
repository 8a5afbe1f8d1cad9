package evaluator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/internal/golden"
	"github.com/sluicehq/sluice/policy"
)

func enforcing(t testing.TB) *Evaluator {
	t.Helper()
	ev, err := New(policy.Default().EnforcedCopy(policy.ModeEnforce))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stableOutput is the decision JSON with the per-run fields fixed, for golden files.
func stableOutput(t *testing.T, d *Decision) []byte {
	t.Helper()
	o := d.Output()
	o.DecisionID = "DECISION-ID"
	o.DurationUS = 0
	o.Message = strings.ReplaceAll(o.Message, d.ID, "DECISION-ID")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The bundled examples, evaluated under full enforcement, checked against
// golden decisions.
func TestExamplesGolden(t *testing.T) {
	ev := enforcing(t)
	files, _ := filepath.Glob("../examples/*.json")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			d, err := ev.Evaluate(context.Background(), Input{Body: readFile(t, f), Door: DoorCLI, Path: examplePath(name)})
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", "examples", name), stableOutput(t, d))
		})
	}
}

func examplePath(name string) string {
	switch {
	case strings.HasPrefix(name, "anthropic"):
		return "/v1/messages"
	case strings.HasPrefix(name, "responses"):
		return "/v1/responses"
	case strings.HasPrefix(name, "gemini"):
		return "/v1beta/models/gemini-2.5-flash:generateContent"
	}
	return "/v1/chat/completions"
}

// fakeDetector reports one finding per segment containing its trigger word.
type fakeDetector struct {
	trigger  string
	category detect.Category
	severity detect.Severity
	panics   bool
}

func (f fakeDetector) Name() string { return "fake" }

func (f fakeDetector) Detect(in *detect.Input, out []detect.Finding) []detect.Finding {
	if f.panics {
		panic("detector bug")
	}
	for i, s := range in.IX.Segments {
		for off := 0; ; {
			j := strings.Index(s.Text[off:], f.trigger)
			if j < 0 {
				break
			}
			j += off
			out = append(out, detect.NewFinding(in, i, f.category, "fake."+string(f.category), f.severity, j, j+len(f.trigger), "fake"))
			off = j + len(f.trigger)
		}
	}
	return out
}

func chat(content string) []byte {
	b, _ := json.Marshal(map[string]any{"model": "gpt-4o", "messages": []any{
		map[string]any{"role": "system", "content": "be nice"},
		map[string]any{"role": "user", "content": content},
	}})
	return b
}

// The contract: under the default policy in enforce mode, a finding of any
// blocking category blocks (tool_risk and exfiltration from medium
// severity: low ones are routine agent activity, logged), PII (medium and
// above) alone redacts, low PII is logged, nothing found allows. In monitor mode nothing changes traffic
// but the would-be verdict says what enforcement would do.
func TestDefaultPolicyVerdicts(t *testing.T) {
	dets := []detect.Detector{
		fakeDetector{"SECRET", detect.CategorySecret, detect.SeverityLow, false},
		fakeDetector{"INJECT", detect.CategoryPromptInjection, detect.SeverityLow, false},
		fakeDetector{"JAIL", detect.CategoryJailbreak, detect.SeverityLow, false},
		fakeDetector{"EXFIL", detect.CategoryExfiltration, detect.SeverityMedium, false},
		fakeDetector{"RISK", detect.CategoryToolRisk, detect.SeverityMedium, false},
		fakeDetector{"ROUTINE", detect.CategoryToolRisk, detect.SeverityLow, false},
		fakeDetector{"HIDE", detect.CategoryEvasion, detect.SeverityLow, false},
		fakeDetector{"CARD", detect.CategoryPII, detect.SeverityHigh, false},
		fakeDetector{"MAIL", detect.CategoryPII, detect.SeverityLow, false},
	}
	tests := []struct {
		text           string
		enforce, would Verdict
		reason         string
	}{
		{"hello", Allow, Allow, ReasonNoFinding},
		{"a SECRET here", Block, Block, ReasonPolicyBlock},
		{"INJECT", Block, Block, ReasonPolicyBlock},
		{"JAIL", Block, Block, ReasonPolicyBlock},
		{"EXFIL", Block, Block, ReasonPolicyBlock},
		{"RISK", Block, Block, ReasonPolicyBlock},
		{"HIDE", Block, Block, ReasonPolicyBlock},
		{"my CARD", Redact, Redact, ReasonPolicyRedact},
		{"MAIL me", Allow, Allow, ReasonLogged},
		{"ROUTINE tool call", Allow, Allow, ReasonLogged},
		{"CARD and SECRET", Block, Block, ReasonPolicyBlock},
	}
	for _, mode := range []policy.Mode{policy.ModeEnforce, policy.ModeMonitor} {
		ev, err := New(policy.Default().EnforcedCopy(mode), WithDetectors(dets...))
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(mode.String()+"/"+tt.text, func(t *testing.T) {
				d, err := ev.Evaluate(context.Background(), Input{Path: "/v1/chat/completions", Body: chat(tt.text)})
				if err != nil {
					t.Fatal(err)
				}
				want, reason := tt.enforce, tt.reason
				if mode == policy.ModeMonitor {
					want = Allow
					if tt.would == Block || tt.would == Redact {
						reason = ReasonMonitor
					}
				}
				if d.Verdict != want || d.WouldBe != tt.would || d.Reason != reason {
					t.Fatalf("verdict %s would %s reason %s; want %s %s %s", d.Verdict, d.WouldBe, d.Reason, want, tt.would, reason)
				}
				if d.Verdict == Block && (d.Status != 403 || !strings.Contains(d.Message, d.Rule) || !strings.Contains(d.Message, d.ID)) {
					t.Errorf("block status %d message %q", d.Status, d.Message)
				}
				if d.Verdict == Redact {
					var body map[string]any
					if err := json.Unmarshal(d.Body, &body); err != nil {
						t.Fatalf("redacted body is not JSON: %v", err)
					}
					if bytes.Contains(d.Body, []byte("CARD")) || !bytes.Contains(d.Body, []byte("[REDACTED:fake.pii]")) {
						t.Errorf("redacted body %s", d.Body)
					}
				} else if d.Body != nil {
					t.Errorf("body set for verdict %s", d.Verdict)
				}
			})
		}
	}
}

// Redaction changes only the string literals holding matched spans: the
// rest of the body is kept byte for byte, escapes and all.
func TestRedactKeepsEverythingElse(t *testing.T) {
	ev, err := New(policy.Default().EnforcedCopy(policy.ModeEnforce),
		WithDetectors(fakeDetector{"CARD", detect.CategoryPII, detect.SeverityHigh, false}))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"model":"gpt-4o",  "messages":[{"role":"user","content":"line1\nCARD \u00e9 \"q\" <b> CARD"},` +
		`{"role":"assistant","content":"no match here \u2028"}], "n":1}`)
	d, err := ev.Evaluate(context.Background(), Input{Path: "/v1/chat/completions", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"gpt-4o",  "messages":[{"role":"user","content":"line1\n[REDACTED:fake.pii] é \"q\" <b> [REDACTED:fake.pii]"},` +
		`{"role":"assistant","content":"no match here \u2028"}], "n":1}`
	if string(d.Body) != want {
		t.Fatalf("redacted\n got %s\nwant %s", d.Body, want)
	}
}

func TestRedactionImpossibleBlocks(t *testing.T) {
	// A response stream has no literal to rewrite in place.
	ev, err := New(policy.Default().EnforcedCopy(policy.ModeEnforce),
		WithDetectors(fakeDetector{"CARD", detect.CategoryPII, detect.SeverityHigh, false}))
	if err != nil {
		t.Fatal(err)
	}
	sse := "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"your CARD\"}}]}\n\ndata: [DONE]\n\n"
	d, err := ev.Evaluate(context.Background(), Input{
		Phase: 1, Path: "/v1/chat/completions", Body: []byte(sse), ContentType: "text/event-stream",
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != Block || d.Reason != ReasonRedactionImpossible || d.Rule != "redact-pii" {
		t.Fatalf("verdict %s reason %s rule %s", d.Verdict, d.Reason, d.Rule)
	}
}

func TestNotJSON(t *testing.T) {
	ev := enforcing(t)
	for _, body := range []string{"", "hello", "{\"a\":", "<html>"} {
		_, err := ev.Evaluate(context.Background(), Input{Path: "/v1/chat/completions", Body: []byte(body)})
		if !errors.Is(err, ErrNotJSON) {
			t.Errorf("%q: err = %v, want ErrNotJSON", body, err)
		}
	}
}

func TestDetectorPanicIsContained(t *testing.T) {
	ev, err := New(policy.Default(), WithDetectors(fakeDetector{panics: true}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ev.Evaluate(context.Background(), Input{Path: "/v1/chat/completions", Body: chat("x")})
	if !errors.Is(err, ErrInternal) {
		t.Fatalf("err = %v, want ErrInternal", err)
	}
}

func TestIdentityFromHeadersAndDoor(t *testing.T) {
	p, err := policy.Parse("p.yaml", []byte("version: 1\nidentity:\n  principal_headers: [x-forwarded-email]\n  groups_header: x-groups\n"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ev.Evaluate(context.Background(), Input{
		Path: "/v1/chat/completions", Body: chat("hi"),
		Headers: map[string]string{
			"x-forwarded-email": "alice@example.com", "x-groups": "eng, security-team",
			"user-agent": "claude-cli/1.0.83 (external, cli)", "x-session-id": "s-1", "x-request-id": "r-1",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ix := d.Interaction
	if ix.Principal.ID != "alice@example.com" || ix.Principal.Source != "x-forwarded-email" ||
		strings.Join(ix.Principal.Groups, "|") != "eng|security-team" {
		t.Errorf("principal %+v", ix.Principal)
	}
	if ix.Agent.Name != "claude-code" || ix.SessionID != "s-1" || ix.RequestID != "r-1" {
		t.Errorf("agent %+v session %q request %q", ix.Agent, ix.SessionID, ix.RequestID)
	}
	// A door's own identity wins over headers.
	d, err = ev.Evaluate(context.Background(), Input{
		Path: "/v1/chat/completions", Body: chat("hi"), Headers: map[string]string{"x-forwarded-email": "mallory@example.com"},
		Principal: interactionPrincipal("bob@example.com"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Interaction.Principal.ID != "bob@example.com" {
		t.Errorf("principal %+v", d.Interaction.Principal)
	}
}

// Duplicate keys are evaluated, not rejected: the shadowed text is still
// scanned and the trick itself is reported as evasion.
func TestDuplicateKeysAreEvasionAndStillScanned(t *testing.T) {
	ev := enforcing(t)
	body := []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"my key is AKIA4HK7Q2ZP5XW3ND6L","content":"hello"}]}`)
	d, err := ev.Evaluate(context.Background(), Input{Path: "/v1/chat/completions", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	cats := map[detect.Category]bool{}
	for _, f := range d.Findings {
		cats[f.Category] = true
	}
	if !cats[detect.CategoryEvasion] || !cats[detect.CategorySecret] || d.Verdict != Block {
		t.Fatalf("findings %+v verdict %s", d.Findings, d.Verdict)
	}
}

func TestEvaluateHonoursCancelledContext(t *testing.T) {
	ev := enforcing(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ev.Evaluate(ctx, Input{Path: "/v1/chat/completions", Body: chat("x")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestDoorDecision(t *testing.T) {
	ev := enforcing(t)
	d := ev.DoorDecision(Input{Path: "/v1/messages?beta=true", Door: DoorEnvoy, Headers: map[string]string{"user-agent": "Cursor/1.4.5"}},
		Block, "body_too_large", 413, "The request body is too large to inspect.")
	if d.Verdict != Block || d.Status != 413 || d.Interaction.API != "anthropic.messages" || d.Interaction.Agent.Name != "cursor" ||
		!strings.Contains(d.Message, d.ID) || d.Time.IsZero() {
		t.Fatalf("%+v", d)
	}
}

func TestClock(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ev, err := New(policy.Default(), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ev.Evaluate(context.Background(), Input{Path: "/v1/chat/completions", Body: chat("x")})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Time.Equal(now) || d.Duration != 0 {
		t.Fatalf("time %v duration %v", d.Time, d.Duration)
	}
}
