package evaluator

import (
	"context"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/policy"
)

// BenchmarkEvaluate measures one evaluation of a ~16 KB coding-agent
// request (system prompt, tools, a dozen tool_use/tool_result turns) with
// the embedded default policy: the cost sluice adds to every LLM call.
func BenchmarkEvaluate(b *testing.B) {
	body := readFile(b, "testdata/agent-16k.request.json")
	cases := []struct {
		name string
		body []byte
	}{
		{"agent16k_clean", body},
		{"agent16k_with_secret", []byte(strings.Replace(string(body), "Set RATE_LIMIT_RPS", "Set AWS key AKIA4HK7Q2ZP5XW3ND6L and RATE_LIMIT_RPS", 1))},
	}
	ev, err := New(policy.Default())
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			in := Input{Path: "/v1/messages", Body: c.body, Door: DoorCLI,
				Headers: map[string]string{"user-agent": "claude-cli/1.0.83 (external, cli)"}}
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ev.Evaluate(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
