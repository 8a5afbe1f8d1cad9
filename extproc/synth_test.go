package extproc

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi"
)

// TestSynthBodyParses checks that what the door writes for a stream check
// is read by the API's own response parser as the same output: text,
// reasoning and tool calls with their arguments, so every detector sees
// what it would see in a non-streamed response.
func TestSynthBodyParses(t *testing.T) {
	parts := []outputPart{
		{text: "Thinking about \"quotes\" and\nnewlines", reasoning: true},
		{text: "The answer is 42 — ünïcode ✓."},
	}
	calls := []callPart{
		{id: "call_1", name: "bash", args: `{"command":"ls -la /tmp"}`},
		{id: "call_2", name: "write_file", args: `{"path":"/tmp/x","conte`}, // still streaming
	}
	apis := []string{llmapi.APIOpenAIChat, llmapi.APIOpenAIResponses, llmapi.APIAnthropicMessages,
		llmapi.APIGeminiGenerate, llmapi.APIBedrockConverse, llmapi.APIBedrockInvoke, llmapi.APIUnknown}
	for _, api := range apis {
		t.Run(api, func(t *testing.T) {
			body := synthBody(api, "model-x", parts, calls)
			if !json.Valid(body) {
				t.Fatalf("not JSON: %s", body)
			}
			ix, err := llmapi.ParseResponse(api, body, "application/json")
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, s := range ix.Segments {
				all.WriteString(s.Text + "\n")
			}
			for _, p := range parts {
				if !strings.Contains(all.String(), p.text) {
					t.Errorf("text %q not read back:\n%s", p.text, all.String())
				}
			}
			if !strings.Contains(all.String(), "ls -la /tmp") || !strings.Contains(all.String(), `/tmp/x`) {
				t.Errorf("tool arguments not read back:\n%s", all.String())
			}
			if api == llmapi.APIUnknown {
				return
			}
			if got := ix.ToolNamesCalled(); len(got) != 2 || got[0] != "bash" {
				t.Errorf("tool calls %v", got)
			}
			for _, s := range ix.Segments {
				if strings.Contains(s.Text, "42") && s.Trust != interaction.TrustModel {
					t.Errorf("model text read with trust %v", s.Trust)
				}
			}
		})
	}
}

func TestStreamWindow(t *testing.T) {
	w := newStreamWindow(8)
	ix := &interaction.Interaction{Segments: []interaction.Segment{{Text: "hello world", Location: "stream.a"}}}
	parts, _, changed := w.next(ix)
	if !changed || len(parts) != 1 || parts[0].text != "hello world" {
		t.Fatalf("first check %v", parts)
	}
	if _, _, changed := w.next(ix); changed {
		t.Fatal("nothing new, yet a check")
	}
	ix.Segments[0].Text = "hello world, and more"
	parts, _, _ = w.next(ix)
	// The new text plus 8 bytes of what came before it.
	if parts[0].text != "lo world, and more" {
		t.Fatalf("window %q", parts[0].text)
	}
	ix.ToolCalls = []interaction.ToolCall{{ID: "c1", Name: "bash", Arguments: `{"cmd":"rm`}}
	_, calls, changed := w.next(ix)
	if !changed || len(calls) != 1 || calls[0].args != `{"cmd":"rm` {
		t.Fatalf("calls %v", calls)
	}
	if got := runeStart("héllo", 2); got != 3 {
		t.Fatalf("runeStart inside a rune = %d", got)
	}
}
