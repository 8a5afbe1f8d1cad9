package evaluator

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/policy"
)

// BenchmarkEvaluate measures one evaluation of a ~16 KB coding-agent
// request (system prompt, tools, a dozen tool_use/tool_result turns) with
// the embedded default policy: the cost sluice adds to every LLM call.
//
// The "cold" cases judge every segment afresh (verdict cache off): the
// cost of a conversation sluice has never seen. "next_turn" is the steady
// state of an agent session: the history was judged on earlier requests
// and each request brings one new user turn.
func BenchmarkEvaluate(b *testing.B) {
	body := readFile(b, "testdata/agent-16k.request.json")
	withSecret := []byte(strings.Replace(string(body), "Set RATE_LIMIT_RPS", "Set AWS key AKIA4HK7Q2ZP5XW3ND6L and RATE_LIMIT_RPS", 1))
	cold, err := New(policy.Default(), WithSegmentCache(0))
	if err != nil {
		b.Fatal(err)
	}
	warm, err := New(policy.Default())
	if err != nil {
		b.Fatal(err)
	}
	in := func(body []byte) Input {
		return Input{Path: "/v1/messages", Body: body, Door: DoorCLI,
			Headers: map[string]string{"user-agent": "claude-cli/1.0.83 (external, cli)"}}
	}
	for _, c := range []struct {
		name string
		body []byte
	}{{"agent16k_clean_cold", body}, {"agent16k_with_secret_cold", withSecret}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cold.Evaluate(context.Background(), in(c.body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("agent16k_next_turn", func(b *testing.B) {
		// The last user turn gets a counter, so it is new on every
		// request while the turns before it repeat.
		const last = "in the PR description."
		cut := bytes.LastIndex(body, []byte(last))
		if cut < 0 {
			b.Fatal("fixture changed: last user turn not found")
		}
		cut += len(last) - 1
		prefix, suffix := body[:cut], body[cut:]
		if _, err := warm.Evaluate(context.Background(), in(body)); err != nil { // judge the history once
			b.Fatal(err)
		}
		buf := make([]byte, 0, len(body)+32)
		n := 0
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			n++
			buf = append(append(strconv.AppendInt(append(append(buf[:0], prefix...), " (request "...), int64(n), 10), ')'), suffix...)
			if _, err := warm.Evaluate(context.Background(), in(buf)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
