package extproc

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/extproc/internal/frame"
	"github.com/sluicehq/sluice/internal/golden"
)

var shapeAPIs = []string{
	llmapi.APIOpenAIChat, llmapi.APIOpenAIResponses, llmapi.APIAnthropicMessages,
	llmapi.APIGeminiGenerate, llmapi.APIBedrockConverse, llmapi.APIBedrockInvoke, llmapi.APIUnknown,
}

var refusals = map[string]refusal{
	"policy_block": {Status: 403, Rule: "block-secrets", Reason: "policy_block", DecisionID: "0190a6f2-0000-7000-8000-000000000001",
		Message: "The request contains a credential or private key. Remove it and try again. [sluice rule block-secrets, decision 0190a6f2-0000-7000-8000-000000000001]"},
	"body_too_large": {Status: 413, Reason: ReasonBodyTooLarge, DecisionID: "0190a6f2-0000-7000-8000-000000000002",
		Message: "The request body is larger than sluice inspects (limit 8388608 bytes). [sluice decision 0190a6f2-0000-7000-8000-000000000002]"},
	"fail_closed": {Status: 503, Reason: ReasonEvaluationTimeout, DecisionID: "0190a6f2-0000-7000-8000-000000000003",
		Message: "sluice could not check this request and is configured to refuse what it cannot check. [sluice decision 0190a6f2-0000-7000-8000-000000000003]"},
}

// TestImmediateResponseGolden pins the immediate response of every API for
// a policy block, an oversize body and a fail-closed failure: status,
// headers and body, as Envoy sends them to the client.
func TestImmediateResponseGolden(t *testing.T) {
	for _, api := range shapeAPIs {
		for name, r := range refusals {
			t.Run(api+"/"+name, func(t *testing.T) {
				resp := immediateReply(api, r, name).GetImmediateResponse()
				var b strings.Builder
				fmt.Fprintf(&b, "status: %d\n", resp.GetStatus().GetCode())
				for _, h := range resp.GetHeaders().GetSetHeaders() {
					if h.GetHeader().GetValue() != "" {
						t.Errorf("header %s uses value, not raw_value", h.GetHeader().GetKey())
					}
					fmt.Fprintf(&b, "%s: %s\n", h.GetHeader().GetKey(), h.GetHeader().GetRawValue())
				}
				fmt.Fprintf(&b, "details: %s\n\n%s\n", resp.GetDetails(), resp.GetBody())
				if !json.Valid(resp.GetBody()) {
					t.Errorf("body is not JSON: %s", resp.GetBody())
				}
				golden.Check(t, filepath.Join("testdata", "golden", "immediate", strings.ReplaceAll(api, ".", "_")+"."+name+".txt"), []byte(b.String()))
			})
		}
	}
}

// TestBodyShapes checks the fields each provider's SDK reads, beyond the
// golden bytes: the contract of ../shared/INTERFACES.md.
func TestBodyShapes(t *testing.T) {
	r := refusals["policy_block"]
	get := func(api string) map[string]any {
		body, _ := errorBody(api, r)
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	oa := get(llmapi.APIOpenAIChat)["error"].(map[string]any)
	if oa["type"] != "guardrail_blocked" || oa["code"] != "block-secrets" || oa["message"] != r.Message {
		t.Errorf("openai shape: %v", oa)
	}
	an := get(llmapi.APIAnthropicMessages)
	if an["type"] != "error" || an["error"].(map[string]any)["type"] != "permission_error" {
		t.Errorf("anthropic shape: %v", an)
	}
	ge := get(llmapi.APIGeminiGenerate)["error"].(map[string]any)
	if ge["code"] != float64(403) || ge["status"] != "PERMISSION_DENIED" {
		t.Errorf("gemini shape: %v", ge)
	}
	_, hs := errorBody(llmapi.APIBedrockConverse, r)
	if br := get(llmapi.APIBedrockConverse); br["message"] != r.Message || len(br) != 1 {
		t.Errorf("bedrock shape: %v", br)
	}
	found := false
	for _, h := range hs {
		found = found || (h.Key == "x-amzn-errortype" && h.Value == "AccessDeniedException")
	}
	if !found {
		t.Errorf("bedrock headers %v lack x-amzn-errortype", hs)
	}
}

// TestStreamErrorGolden pins the event that ends a stream for each API in
// its own framing, after some events were already released.
func TestStreamErrorGolden(t *testing.T) {
	r := refusals["policy_block"]
	cases := []struct {
		api, name string
		kind      frame.Kind
		released  string
	}{
		{llmapi.APIOpenAIChat, "sse", frame.SSE, "data: {}\n\n"},
		{llmapi.APIOpenAIResponses, "sse", frame.SSE, "event: response.created\ndata: {}\n\n"},
		{llmapi.APIAnthropicMessages, "sse", frame.SSE, "event: message_start\ndata: {}\n\n"},
		{llmapi.APIGeminiGenerate, "sse", frame.SSE, "data: {}\r\n\r\n"},
		{llmapi.APIGeminiGenerate, "json_array", frame.JSONSeq, `[{"candidates":[]}`},
		{llmapi.APIBedrockConverse, "eventstream", frame.EventStream, ""},
		{llmapi.APIBedrockInvoke, "eventstream", frame.EventStream, ""},
		{llmapi.APIUnknown, "sse", frame.SSE, "data: {}\n\n"},
	}
	for _, c := range cases {
		t.Run(c.api+"/"+c.name, func(t *testing.T) {
			fr := frame.New(c.kind, 1<<20)
			if _, err := fr.Push([]byte(c.released)); err != nil {
				t.Fatal(err)
			}
			ev := streamError(c.api, fr.Kind(), fr.Checkpoint(), r)
			if c.kind == frame.JSONSeq {
				var v []any
				if err := json.Unmarshal(append([]byte(c.released), ev...), &v); err != nil {
					t.Errorf("the array stream no longer parses: %v", err)
				}
			}
			out := ev
			if c.kind == frame.EventStream {
				out = []byte(fmt.Sprintf("%x\n", ev))
			}
			golden.Check(t, filepath.Join("testdata", "golden", "stream", strings.ReplaceAll(c.api, ".", "_")+"."+c.name+".txt"), out)
		})
	}
}
