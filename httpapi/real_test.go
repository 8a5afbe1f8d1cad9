package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/policy"
)

// recordingEngine is the real evaluator, keeping every decision it makes
// and every decision recorded without evaluation (the serving pipeline's
// audit, in miniature).
type recordingEngine struct {
	*evaluator.Evaluator
	mu        sync.Mutex
	decisions []*evaluator.Decision
	recorded  []*evaluator.Decision
}

func (r *recordingEngine) Evaluate(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	d, err := r.Evaluator.Evaluate(ctx, in)
	if err == nil {
		r.mu.Lock()
		r.decisions = append(r.decisions, d)
		r.mu.Unlock()
	}
	return d, err
}

func (r *recordingEngine) Record(_ context.Context, d *evaluator.Decision) {
	r.mu.Lock()
	r.recorded = append(r.recorded, d)
	r.mu.Unlock()
}

func (r *recordingEngine) snapshot() ([]*evaluator.Decision, []*evaluator.Decision) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.decisions), slices.Clone(r.recorded)
}

// realEngine builds the evaluator with the embedded default policy, every
// rule in mode m.
func realEngine(t testing.TB, m policy.Mode) *recordingEngine {
	t.Helper()
	ev, err := evaluator.New(policy.Default().EnforcedCopy(m))
	if err != nil {
		t.Fatal(err)
	}
	return &recordingEngine{Evaluator: ev}
}

func categories(d *evaluator.Decision) []detect.Category {
	var out []detect.Category
	for _, f := range d.Findings {
		if !slices.Contains(out, f.Category) {
			out = append(out, f.Category)
		}
	}
	return out
}

func anthropicCall(t testing.TB, userText string) []byte {
	return withJSON(t, readHook(t, "anthropic_pre_request.json"), "request_body", map[string]any{
		"model": "claude-sonnet-4-20250514", "max_tokens": 1024,
		"system":   "You are a careful coding assistant.",
		"messages": []any{map[string]any{"role": "user", "content": userText}},
	})
}

// TestRealPreRequest runs the documented payload examples through the real
// evaluator and the embedded default policy, in monitor mode (as shipped)
// and with every rule enforced.
func TestRealPreRequest(t *testing.T) {
	const awsKey = "AKIAZ7VRSQ4XKPMG2TLE" // the shape of an AWS access key id; not a real key
	const card = "4539 1488 0343 6467"    // Luhn-valid, not a real card
	tests := []struct {
		name        string
		body        []byte
		mode        policy.Mode
		action      string
		wouldBe     evaluator.Verdict
		category    detect.Category
		rule        string
		mustNotEcho string
	}{
		{name: "anthropic_benign_monitor", body: readHook(t, "anthropic_pre_request.json"), mode: policy.ModeMonitor,
			action: "allow", wouldBe: evaluator.Allow},
		{name: "anthropic_benign_enforce", body: readHook(t, "anthropic_pre_request.json"), mode: policy.ModeEnforce,
			action: "allow", wouldBe: evaluator.Allow},
		{name: "responses_curl_sh_monitor", body: readHook(t, "openai_responses_curl_sh.json"), mode: policy.ModeMonitor,
			action: "allow", wouldBe: evaluator.Block, category: detect.CategoryToolRisk},
		{name: "responses_curl_sh_enforce", body: readHook(t, "openai_responses_curl_sh.json"), mode: policy.ModeEnforce,
			action: "block", wouldBe: evaluator.Block, category: detect.CategoryToolRisk, rule: "block-tool-risk"},
		{name: "secret_monitor", body: anthropicCall(t, "deploy with key "+awsKey+" please"), mode: policy.ModeMonitor,
			action: "allow", wouldBe: evaluator.Block, category: detect.CategorySecret, mustNotEcho: awsKey},
		{name: "secret_enforce", body: anthropicCall(t, "deploy with key "+awsKey+" please"), mode: policy.ModeEnforce,
			action: "block", wouldBe: evaluator.Block, category: detect.CategorySecret, rule: "block-secrets", mustNotEcho: awsKey},
		{name: "card_enforce", body: anthropicCall(t, "charge card "+card+" for the order"), mode: policy.ModeEnforce,
			action: "modify", wouldBe: evaluator.Redact, category: detect.CategoryPII, mustNotEcho: card},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := realEngine(t, tt.mode)
			s := newTestServer(t, eng, testConfig(t))
			w := do(t, s, http.MethodPost, PathEvents, tt.body)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			ans := decodeMap(t, w.Body.Bytes())
			if ans["action"] != tt.action {
				t.Fatalf("action %v, want %s: %s", ans["action"], tt.action, w.Body)
			}
			if tt.mustNotEcho != "" && strings.Contains(w.Body.String(), strings.ReplaceAll(tt.mustNotEcho, " ", "")) {
				t.Errorf("answer carries the sensitive value: %s", w.Body)
			}
			decisions, recorded := eng.snapshot()
			if len(decisions) != 1 || len(recorded) != 0 {
				t.Fatalf("%d decisions, %d recorded; want one evaluation", len(decisions), len(recorded))
			}
			d := decisions[0]
			if d.WouldBe != tt.wouldBe {
				t.Errorf("would-be %s, want %s (findings %v)", d.WouldBe, tt.wouldBe, categories(d))
			}
			if tt.category != "" && !slices.Contains(categories(d), tt.category) {
				t.Errorf("categories %v, want %s", categories(d), tt.category)
			}
			if d.Door != evaluator.DoorAperture || d.Interaction.Principal.ID != "alice@example.com" && d.Interaction.Principal.ID != "bob@example.com" {
				t.Errorf("door %q principal %+v", d.Door, d.Interaction.Principal)
			}
			if d.Interaction.Agent.Name == "" || d.Interaction.Agent.Name == "unknown" {
				t.Errorf("agent not classified from metadata.user_agent: %+v", d.Interaction.Agent)
			}
			switch tt.action {
			case "block":
				// The message names the deciding rule (the first enforced
				// block rule of the policy that matched) and the decision.
				msg, _ := ans["message"].(string)
				if ans["status_code"] != float64(403) || d.Rule == "" || !strings.Contains(msg, "rule "+d.Rule) || !strings.Contains(msg, d.ID) {
					t.Errorf("block answer %s (decided by %q)", w.Body, d.Rule)
				}
				if !slices.ContainsFunc(d.Matches, func(m policy.Match) bool { return m.Rule.ID == tt.rule && m.Enforced }) {
					t.Errorf("rule %s did not match", tt.rule)
				}
			case "modify":
				checkModified(t, tt.body, ans["request_body"], tt.mustNotEcho)
			}
		})
	}
}

// checkModified verifies a modify answer is the original request body with
// only the sensitive value replaced.
func checkModified(t *testing.T, hookCall []byte, got any, value string) {
	t.Helper()
	var hc struct {
		RequestBody map[string]any `json:"request_body"`
	}
	json.Unmarshal(hookCall, &hc)
	orig := hc.RequestBody
	body, ok := got.(map[string]any)
	if !ok {
		t.Fatalf("request_body %T, want the whole body as an object", got)
	}
	if body["model"] != orig["model"] || body["max_tokens"] != orig["max_tokens"] || body["system"] != orig["system"] {
		t.Errorf("fields other than the message changed: %v", body)
	}
	msg := body["messages"].([]any)[0].(map[string]any)["content"].(string)
	if strings.Contains(msg, value) || !strings.Contains(msg, "[REDACTED:") || !strings.HasPrefix(msg, "charge card ") {
		t.Errorf("redacted message %q", msg)
	}
}

// TestRealPostResponse evaluates the post-response examples in the
// background and checks what the audit trail gets: the request, the
// response with the tool call the model asked for, and tool calls Aperture
// reported on their own.
func TestRealPostResponse(t *testing.T) {
	eng := realEngine(t, policy.ModeMonitor)
	s := newTestServer(t, eng, testConfig(t))
	for _, f := range []string{"post_tool_calls.json", "post_tools_only.json", "post_raw_responses.json"} {
		if w := do(t, s, http.MethodPost, PathEvents, readHook(t, f)); w.Code != 202 {
			t.Fatalf("%s: %d %s", f, w.Code, w.Body)
		}
	}
	closeAndWait(t, s)
	decisions, recorded := eng.snapshot()
	if len(recorded) != 0 {
		t.Fatalf("decisions recorded without evaluation: %v", recorded[0].Reason)
	}
	byID := map[string][]*evaluator.Decision{}
	for _, d := range decisions {
		byID[d.Interaction.RequestID] = append(byID[d.Interaction.RequestID], d)
	}

	tc := byID["req_03tools"]
	if len(tc) != 2 {
		t.Fatalf("req_03tools: %d decisions, want request + response (the response shows the tool call)", len(tc))
	}
	req, resp := tc[0], tc[1]
	if req.Interaction.Phase != interaction.PhaseRequest || resp.Interaction.Phase != interaction.PhaseResponse {
		t.Fatalf("phases %v %v", req.Interaction.Phase, resp.Interaction.Phase)
	}
	if resp.Interaction.API != "anthropic.messages" || !slices.Contains(resp.Interaction.ToolNamesCalled(), "bash") {
		t.Errorf("response %s tool calls %v", resp.Interaction.API, resp.Interaction.ToolNamesCalled())
	}
	if !slices.Contains(categories(resp), detect.CategoryToolRisk) || resp.Verdict != evaluator.Allow || resp.WouldBe != evaluator.Block {
		t.Errorf("response: verdict %s would-be %s categories %v", resp.Verdict, resp.WouldBe, categories(resp))
	}
	if resp.Interaction.Principal.ID != "nCiBuild42CNTRL" {
		t.Errorf("tagged device principal %+v", resp.Interaction.Principal)
	}

	to := byID["req_04toolsonly"]
	if len(to) != 1 || !slices.Contains(categories(to[0]), detect.CategoryToolRisk) {
		t.Fatalf("tools only: %d decisions, categories %v", len(to), categories(to[0]))
	}
	if got := to[0].Interaction.ToolNamesCalled(); strings.Join(got, ",") != "run_terminal_command,read_file" {
		t.Errorf("tool calls %v", got)
	}
	for _, f := range to[0].Findings {
		if f.Category == detect.CategoryToolRisk && !strings.Contains(f.Location, "tool_calls") {
			t.Errorf("finding located at %q", f.Location)
		}
	}

	rr := byID["req_05stream"]
	if len(rr) != 1 || rr[0].Verdict != evaluator.Allow || rr[0].WouldBe != evaluator.Allow {
		t.Fatalf("raw responses: %+v", rr)
	}
}

// TestRealStringBodies: a body Aperture sends as a JSON string, holding
// JSON or plain text, is evaluated and redacted in the same form.
func TestRealStringBodies(t *testing.T) {
	const card = "4539 1488 0343 6467"
	// Characters JSON must escape, and some it may not: the answer must
	// still be JSON holding the same string.
	inner := `{"model":"claude-sonnet-4-20250514","max_tokens":64,"messages":[{"role":"user","content":"charge card ` + card + ` now \u0001 <b> & ☃"}]}`
	for _, tt := range []struct {
		name string
		body any
	}{
		{"string_holding_json", inner},
		{"plain_text", "charge card " + card + " now"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eng := realEngine(t, policy.ModeEnforce)
			s := newTestServer(t, eng, testConfig(t))
			w := do(t, s, http.MethodPost, PathEvents, withJSON(t, readHook(t, "anthropic_pre_request.json"), "request_body", tt.body))
			ans := decodeMap(t, w.Body.Bytes())
			if w.Code != 200 || ans["action"] != "modify" {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			got, ok := ans["request_body"].(string)
			if !ok {
				t.Fatalf("request_body %T, want a string like the one sent", ans["request_body"])
			}
			if strings.Contains(got, card) || !strings.Contains(got, "[REDACTED:") {
				t.Errorf("not redacted: %q", got)
			}
			if tt.name == "string_holding_json" {
				var v map[string]any
				if err := json.Unmarshal([]byte(got), &v); err != nil {
					t.Fatalf("redacted body is not JSON: %q", got)
				}
				msg := v["messages"].([]any)[0].(map[string]any)["content"].(string)
				if !strings.HasSuffix(msg, " now \x01 <b> & ☃") {
					t.Errorf("content changed beyond the redaction: %q", msg)
				}
			}
		})
	}
}

// TestAttributesInPolicy runs the policy examples of docs/APERTURE.md: the
// attributes the door sets (a grant's custom capability, a tagged device)
// decide rules through CEL conditions.
func TestAttributesInPolicy(t *testing.T) {
	pol, err := policy.Load("testdata/policy_attributes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := evaluator.New(pol)
	if err != nil {
		t.Fatal(err)
	}
	const awsKey = "AKIAZ7VRSQ4XKPMG2TLE"
	withGrant := func(tier string) []byte {
		b := anthropicCall(t, "deploy with key "+awsKey+" please")
		var m map[string]any
		json.Unmarshal(b, &m)
		md := m["metadata"].(map[string]any)
		md["grants"] = map[string]any{"example.com/cap/ai": []any{map[string]any{"tier": tier}}}
		return withJSON(t, b, "metadata", md)
	}
	tests := []struct {
		name   string
		body   []byte
		action string
		rule   string
	}{
		{"contractor_with_secret", withGrant("contractor"), "block", "contractors-no-credentials"},
		{"employee_with_secret", withGrant("employee"), "allow", ""},
		{"tagged_ci_machine_curl_sh", withJSON(t, readHook(t, "openai_responses_curl_sh.json"), "metadata", map[string]any{
			"login_name": "tagged-devices", "stable_node_id": "nCiBuild42CNTRL",
			"url": "https://ai.example.ts.net/v1/responses", "request_id": "r-ci"}), "block", "ci-machines-no-shell-pipes"},
		{"person_curl_sh", readHook(t, "openai_responses_curl_sh.json"), "allow", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &recordingEngine{Evaluator: ev}
			s := newTestServer(t, eng, testConfig(t))
			w := do(t, s, http.MethodPost, PathEvents, tt.body)
			ans := decodeMap(t, w.Body.Bytes())
			if w.Code != 200 || ans["action"] != tt.action {
				t.Fatalf("%d %s, want %s", w.Code, w.Body, tt.action)
			}
			decisions, _ := eng.snapshot()
			if d := decisions[0]; d.Rule != tt.rule || len(d.Errors) != 0 {
				t.Errorf("decided by %q (errors %v), want %q", d.Rule, d.Errors, tt.rule)
			}
		})
	}
}
