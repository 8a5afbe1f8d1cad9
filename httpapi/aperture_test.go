package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

func TestRouting(t *testing.T) {
	s := newTestServer(t, &fakeEngine{}, testConfig(t))
	t.Run("unknown_path", func(t *testing.T) {
		w := do(t, s, http.MethodPost, "/v1/aperture/other", []byte(`{}`))
		if w.Code != 404 || decodeMap(t, w.Body.Bytes())["error"].(map[string]any)["code"] != CodeNotFound {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("get", func(t *testing.T) {
		w := do(t, s, http.MethodGet, PathEvents, nil)
		if w.Code != 405 || w.Header().Get("Allow") != "POST" {
			t.Fatalf("%d %v", w.Code, w.Header())
		}
		if w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", w.Header().Get("Content-Type"))
		}
	})
}

// preCase is one pre_request call and what must come of it.
type preCase struct {
	name   string
	path   string // endpoint (default /v1/aperture/events)
	body   []byte
	cfg    func(*Config)
	action string
	// golden names the file in testdata/golden holding the exact answer.
	golden string
	// source is the body_source attribute of the one evaluation (""
	// when nothing is evaluated).
	source string
	// record is the reason of the one decision recorded without an
	// evaluation ("" when none).
	record  string
	verdict evaluator.Verdict // of that record
	status  int               // HTTP status (default 200)
}

func TestPreRequest(t *testing.T) {
	base := readHook(t, "anthropic_pre_request.json")
	reqBody := func(content string) map[string]any {
		return map[string]any{"model": "claude-sonnet-4-20250514", "max_tokens": 64,
			"messages": []any{map[string]any{"role": "user", "content": content}}}
	}
	cases := []preCase{
		{name: "anthropic_allow", body: base, action: "allow", golden: "pre_allow.json", source: SourceRequestBody},
		{name: "explicit_endpoint", path: PathPreRequest, body: base, action: "allow", source: SourceRequestBody},
		{name: "responses_with_prior_function_call", body: readHook(t, "openai_responses_curl_sh.json"), action: "allow", source: SourceRequestBody},
		{name: "block", body: withJSON(t, base, "request_body", reqBody("please BLOCK-ME now")),
			action: "block", golden: "pre_block.json", source: SourceRequestBody},
		{name: "block_default_status", body: withJSON(t, base, "request_body", reqBody("BLOCK-ME")),
			cfg: func(c *Config) { c.BlockStatus = 451 }, action: "block", golden: "pre_block_451.json", source: SourceRequestBody},
		{name: "redact_modifies", body: withJSON(t, base, "request_body", reqBody("card REDACT-ME end")),
			action: "modify", golden: "pre_modify.json", source: SourceRequestBody},
		{name: "redact_string_body", body: withJSON(t, base, "request_body", `{"messages":[{"role":"user","content":"REDACT-ME"}]}`),
			action: "modify", golden: "pre_modify_string.json", source: SourceRequestBody},
		{name: "redact_text_body", body: withJSON(t, base, "request_body", "plain REDACT-ME text"),
			action: "modify", golden: "pre_modify_text.json", source: SourceRequestBody},
		{name: "redact_without_body_blocks", body: withJSON(t, withJSON(t, base, "request_body", nil), "user_message", "REDACT-ME"),
			action: "block", golden: "pre_redact_no_body.json", source: SourceUserMessage},
		{name: "user_message_only", body: withJSON(t, base, "request_body", nil), action: "allow", source: SourceUserMessage},
		{name: "metadata_only", body: withJSON(t, withJSON(t, base, "request_body", nil), "user_message", nil),
			action: "allow", record: CodeNoContent, verdict: evaluator.Allow},
		{name: "evaluation_fails_open", body: withJSON(t, base, "request_body", reqBody("FAIL-ME")),
			status: 500, record: CodeEvaluationFailed, verdict: evaluator.Allow},
		{name: "evaluation_fails_closed", body: withJSON(t, base, "request_body", reqBody("FAIL-ME")),
			cfg: func(c *Config) { c.HookFailPolicy = FailClosed }, status: 500, record: CodeEvaluationFailed, verdict: evaluator.Block},
		{name: "unknown_fields", body: withJSON(t, base, "future_field", map[string]any{"x": []int{1}}), action: "allow", source: SourceRequestBody},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			eng := &fakeEngine{}
			s := newTestServer(t, eng, cfg)
			path := tc.path
			if path == "" {
				path = PathEvents
			}
			w := do(t, s, http.MethodPost, path, tc.body)
			want := tc.status
			if want == 0 {
				want = 200
			}
			if w.Code != want {
				t.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
			}
			ans := decodeMap(t, w.Body.Bytes())
			if tc.action != "" && ans["action"] != tc.action {
				t.Fatalf("action %v, want %s: %s", ans["action"], tc.action, w.Body)
			}
			if tc.golden != "" {
				checkGolden(t, tc.golden, w.Body.Bytes())
			}
			inputs, records := eng.snapshot()
			if tc.source != "" {
				if len(inputs) != 1 {
					t.Fatalf("%d evaluations, want 1", len(inputs))
				}
				checkHookInput(t, inputs[0], tc.source)
			}
			if tc.record != "" {
				if len(records) != 1 || records[0].Reason != tc.record || records[0].Verdict != tc.verdict {
					t.Fatalf("records %+v, want one %s %s", records, tc.verdict, tc.record)
				}
				if records[0].Door != evaluator.DoorAperture || records[0].Interaction == nil {
					t.Errorf("record %+v", records[0])
				}
			} else if len(records) != 0 {
				t.Errorf("unexpected records: %+v", records)
			}
		})
	}
}

// checkHookInput verifies the identity mapping of the fixtures.
func checkHookInput(t *testing.T, in evaluator.Input, source string) {
	t.Helper()
	if in.Door != evaluator.DoorAperture || in.Phase != interaction.PhaseRequest {
		t.Errorf("door %q phase %v", in.Door, in.Phase)
	}
	if in.Attributes[AttrBodySource] != source {
		t.Errorf("body_source %q, want %q", in.Attributes[AttrBodySource], source)
	}
	if in.Principal.Source != "aperture" || in.Principal.ID == "" {
		t.Errorf("principal %+v", in.Principal)
	}
	if in.UserAgent == "" || in.SessionID == "" || in.RequestID == "" || in.Model == "" || in.SourceIP != "127.0.0.1" {
		t.Errorf("identity not mapped: ua=%q session=%q request=%q model=%q ip=%q",
			in.UserAgent, in.SessionID, in.RequestID, in.Model, in.SourceIP)
	}
	if !strings.HasPrefix(in.Path, "/v1/") {
		t.Errorf("path %q", in.Path)
	}
	if !json.Valid(in.Body) {
		t.Errorf("evaluated body is not JSON: %s", in.Body)
	}
	if source == SourceUserMessage && !strings.Contains(string(in.Body), `"role":"user"`) {
		t.Errorf("user message not written as a user turn: %s", in.Body)
	}
}

func TestPreRequestIdentity(t *testing.T) {
	eng := &fakeEngine{}
	s := newTestServer(t, eng, testConfig(t))
	w := do(t, s, http.MethodPost, PathEvents, readHook(t, "anthropic_pre_request.json"))
	if w.Code != 200 {
		t.Fatal(w.Code, w.Body)
	}
	inputs, _ := eng.snapshot()
	in := inputs[0]
	if in.Principal.ID != "alice@example.com" || in.SessionID != "sess_01alice" || in.RequestID != "req_01anthropic" ||
		in.Path != "/v1/messages" || in.UserAgent != "claude-cli/1.0.98 (external, cli)" || in.Model != "claude-sonnet-4-20250514" {
		t.Errorf("input %+v", in)
	}
	for k, v := range map[string]string{
		AttrEvent: EventPreRequest, AttrProvider: "anthropic", AttrTailnet: "example.ts.net",
		"grant.example.com/cap/ai.tier": "enterprise", AttrGrantCapabilities: "example.com/cap/ai",
	} {
		if in.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, in.Attributes[k], v)
		}
	}
	// The body is evaluated exactly as Aperture sent it.
	var hc struct {
		RequestBody json.RawMessage `json:"request_body"`
	}
	json.Unmarshal(readHook(t, "anthropic_pre_request.json"), &hc)
	if string(in.Body) != strings.TrimSpace(string(hc.RequestBody)) {
		t.Errorf("body changed on the way:\n%s\n%s", in.Body, hc.RequestBody)
	}
}

func TestMalformed(t *testing.T) {
	bad := map[string][]byte{
		"truncated":  []byte(`{"metadata": {"login_name": "alice@example.com", "request_id": "r1"`),
		"wrong_type": []byte(`{"metadata": {"request_id": ["not", "a", "string"]}}`),
		"not_json":   []byte(`metadata=alice`),
		"empty":      nil,
	}
	for _, path := range Paths {
		for name, body := range bad {
			t.Run(strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "_")+"_"+name, func(t *testing.T) {
				eng := &fakeEngine{}
				s := newTestServer(t, eng, testConfig(t))
				w := do(t, s, http.MethodPost, path, body)
				if w.Code != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", w.Code, w.Body)
				}
				e := decodeMap(t, w.Body.Bytes())["error"].(map[string]any)
				if e["code"] != CodeRequestParse {
					t.Errorf("code %v", e["code"])
				}
				if strings.Contains(e["message"].(string), "alice") {
					t.Errorf("error echoes body: %v", e["message"])
				}
				if eng.evals.Load() != 0 {
					t.Error("malformed call evaluated")
				}
				if path != PathEvaluate && eng.recs.Load() != 1 {
					t.Errorf("hook call not audited: %d records", eng.recs.Load())
				}
			})
		}
	}
}

func TestOversize(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBodyBytes = 1024
	eng := &fakeEngine{}
	s := newTestServer(t, eng, cfg)
	big := withJSON(t, readHook(t, "anthropic_pre_request.json"), "user_message", strings.Repeat("x", 2048))
	for _, path := range Paths {
		w := do(t, s, http.MethodPost, path, big)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: status %d", path, w.Code)
		}
		if decodeMap(t, w.Body.Bytes())["error"].(map[string]any)["code"] != CodeBodyTooLarge {
			t.Errorf("%s: %s", path, w.Body)
		}
	}
	// The three hook endpoints audit the call; /v1/evaluate only answers.
	_, recs := eng.snapshot()
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for _, r := range recs {
		if r.Reason != CodeBodyTooLarge {
			t.Errorf("reason %q", r.Reason)
		}
	}
}

func TestCompressedHook(t *testing.T) {
	body := readHook(t, "anthropic_pre_request.json")
	for _, enc := range []string{"gzip", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			eng := &fakeEngine{}
			s := newTestServer(t, eng, testConfig(t))
			wire := gzipped(t, body)
			if enc == "zstd" {
				wire = zstded(t, body)
			}
			w := do(t, s, http.MethodPost, PathEvents, wire, "Content-Encoding", enc)
			if w.Code != 200 || decodeMap(t, w.Body.Bytes())["action"] != "allow" {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			inputs, _ := eng.snapshot()
			if len(inputs) != 1 || inputs[0].Principal.ID != "alice@example.com" {
				t.Fatalf("inputs %+v", inputs)
			}
		})
	}
}

func TestNoKeyConfigured(t *testing.T) {
	cfg := testConfig(t)
	cfg.APIKey = ""
	s := newTestServer(t, &fakeEngine{}, cfg)
	w := do(t, s, http.MethodPost, PathEvents, readHook(t, "anthropic_pre_request.json"), "Authorization", "")
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
}

func TestConfigValidation(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Workers = 0
	cfg.BlockStatus = 200
	cfg.HookFailPolicy = "maybe"
	_, err := New(&fakeEngine{}, cfg)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, field := range []string{"workers", "block_status", "hook_fail_policy"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s: %v", field, err)
		}
	}
	if _, err := New(nil, DefaultConfig()); err == nil {
		t.Error("nil engine accepted")
	}
	s, err := New(&fakeEngine{}, DefaultConfig())
	if err != nil {
		t.Fatalf("default config refused: %v", err)
	}
	s.Close(context.Background())
}
