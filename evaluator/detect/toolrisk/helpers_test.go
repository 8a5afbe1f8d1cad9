package toolrisk

import (
	"encoding/json"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// callIX builds a response interaction with one tool call, its arguments
// carried as one raw-JSON segment the way OpenAI sends them.
func callIX(name string, args map[string]any) *interaction.Interaction {
	raw, _ := json.Marshal(args)
	ix := &interaction.Interaction{API: "openai.chat_completions", Phase: interaction.PhaseResponse}
	seg := ix.AddSegment(interaction.Segment{
		Text: string(raw), Location: "choices[0].message.tool_calls[0].function.arguments",
		Role: interaction.RoleAssistant, Trust: interaction.TrustModel, Kind: interaction.KindToolArguments,
		ToolCallID: "call_1", RawStart: -1, RawEnd: -1,
	})
	ix.ToolCalls = []interaction.ToolCall{{
		ID: "call_1", Name: name, Arguments: string(raw), Args: args,
		ArgSegments: []int{seg}, Location: "choices[0].message.tool_calls[0]",
	}}
	return ix
}

func bashIX(cmd string) *interaction.Interaction {
	return callIX("bash", map[string]any{"command": cmd})
}

func detectIX(t testing.TB, d *Detector, ix *interaction.Interaction) []detect.Finding {
	t.Helper()
	return d.Detect(&detect.Input{IX: ix}, nil)
}

func newDetector(t testing.TB) *Detector {
	t.Helper()
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
