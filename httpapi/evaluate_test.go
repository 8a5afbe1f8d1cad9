package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

func TestEvaluateAPI(t *testing.T) {
	chat := `{"model":"gpt-4.1","messages":[{"role":"user","content":"hello"}]}`
	tests := []struct {
		name     string
		req      string
		status   int
		code     string
		decision string
		check    func(t *testing.T, in evaluator.Input, out map[string]any)
	}{
		{name: "allow", req: `{"path":"/v1/chat/completions","headers":{"X-Forwarded-Email":"dan@example.com","User-Agent":["codex_cli_rs/0.40.0"]},"body":` + chat + `}`,
			status: 200, decision: "allow",
			check: func(t *testing.T, in evaluator.Input, out map[string]any) {
				if in.Door != evaluator.DoorAPI || in.Path != "/v1/chat/completions" || string(in.Body) != chat {
					t.Errorf("input %+v", in)
				}
				if in.Headers["x-forwarded-email"] != "dan@example.com" || in.Headers["user-agent"] != "codex_cli_rs/0.40.0" {
					t.Errorf("headers %v", in.Headers)
				}
				if out["decision_id"] == "" || out["api"] != "openai.chat_completions" {
					t.Errorf("output %v", out)
				}
			}},
		{name: "body_as_string", req: `{"path":"/v1/chat/completions","body":` + mustString(chat) + `}`, status: 200, decision: "allow",
			check: func(t *testing.T, in evaluator.Input, _ map[string]any) {
				if string(in.Body) != chat {
					t.Errorf("body %s", in.Body)
				}
			}},
		{name: "response_phase", req: `{"path":"/v1/messages","phase":"response","content_type":"text/event-stream","body":"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"}`,
			status: 200, decision: "allow",
			check: func(t *testing.T, in evaluator.Input, _ map[string]any) {
				if in.Phase != interaction.PhaseResponse || in.ContentType != "text/event-stream" || !strings.HasPrefix(string(in.Body), "event:") {
					t.Errorf("input %+v", in)
				}
			}},
		{name: "block", req: `{"body":{"messages":[{"role":"user","content":"BLOCK-ME"}]}}`, status: 200, decision: "block",
			check: func(t *testing.T, _ evaluator.Input, out map[string]any) {
				if out["rule"] != "test-block" {
					t.Errorf("output %v", out)
				}
			}},
		{name: "redact_has_body", req: `{"body":{"messages":[{"role":"user","content":"a <b> & REDACT-ME"}]}}`, status: 200, decision: "redact",
			check: func(t *testing.T, _ evaluator.Input, out map[string]any) {
				b, _ := json.Marshal(out["body"])
				if !strings.Contains(string(b), "[REDACTED:test]") {
					t.Errorf("body %s", b)
				}
			}},
		{name: "missing_body", req: `{"path":"/v1/chat/completions"}`, status: 400, code: CodeRequestParse},
		{name: "null_body", req: `{"body":null}`, status: 400, code: CodeRequestParse},
		{name: "bad_phase", req: `{"phase":"later","body":{}}`, status: 400, code: CodeRequestParse},
		{name: "bad_headers", req: `{"headers":{"x":1},"body":{}}`, status: 400, code: CodeRequestParse},
		{name: "body_not_json", req: `{"body":"this is not JSON at all"}`, status: 422, code: CodeBodyNotJSON},
		{name: "evaluation_fails", req: `{"body":{"x":"FAIL-ME"}}`, status: 500, code: CodeEvaluationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &fakeEngine{}
			s := newTestServer(t, eng, testConfig(t))
			w := do(t, s, http.MethodPost, PathEvaluate, []byte(tt.req))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			out := decodeMap(t, w.Body.Bytes())
			if tt.code != "" {
				e, _ := out["error"].(map[string]any)
				if e["code"] != tt.code {
					t.Fatalf("error %v, want code %s", out, tt.code)
				}
				if strings.Contains(e["message"].(string), "not JSON at all") || strings.Contains(e["message"].(string), "FAIL-ME") {
					t.Errorf("error echoes the body: %v", e)
				}
				return
			}
			if out["decision"] != tt.decision {
				t.Fatalf("decision %v, want %s", out["decision"], tt.decision)
			}
			if w.Header().Get("X-Sluice-Decision-Id") != out["decision_id"] {
				t.Errorf("decision id header %q", w.Header().Get("X-Sluice-Decision-Id"))
			}
			inputs, _ := eng.snapshot()
			if tt.check != nil {
				tt.check(t, inputs[0], out)
			}
		})
	}
}

func mustString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
