package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/internal/cputime"
	"github.com/sluicehq/sluice/policy"
)

// agentHookCall builds a pre_request hook call of about size bytes: an
// Anthropic Messages request of an agent loop (system prompt, tools, user
// turns, tool calls and tool results), with text from the benign corpora.
func agentHookCall(tb testing.TB, size int) []byte {
	tb.Helper()
	prompts, err := corpus.Load("benign")
	if err != nil {
		tb.Fatal(err)
	}
	docs, err := corpus.Load("benign_documents")
	if err != nil {
		tb.Fatal(err)
	}
	messages := []any{}
	for i := 0; ; i++ {
		id := fmt.Sprintf("toolu_%02d", i)
		messages = append(messages,
			map[string]any{"role": "user", "content": prompts[i%len(prompts)].Text},
			map[string]any{"role": "assistant", "content": []any{
				map[string]any{"type": "text", "text": "Let me look that up."},
				map[string]any{"type": "tool_use", "id": id, "name": "read_mail", "input": map[string]any{"folder": "inbox", "index": i}},
			}},
			map[string]any{"role": "user", "content": []any{
				map[string]any{"type": "tool_result", "tool_use_id": id, "content": docs[i%len(docs)].Text},
			}},
		)
		body := map[string]any{
			"model": "claude-sonnet-4-20250514", "max_tokens": 4096, "stream": true,
			"system": "You are a helpful assistant for the finance team. Answer from the mailbox only.",
			"tools": []any{map[string]any{"name": "read_mail", "description": "Read a message from a mailbox folder",
				"input_schema": map[string]any{"type": "object", "properties": map[string]any{
					"folder": map[string]any{"type": "string"}, "index": map[string]any{"type": "integer"}}}}},
			"messages": messages,
		}
		hc := map[string]any{
			"metadata": map[string]any{
				"login_name": "alice@example.com", "user_agent": "claude-cli/1.0.98 (external, cli)",
				"url": "https://aperture.tail1234.ts.net/v1/messages", "model": "claude-sonnet-4-20250514",
				"provider": "anthropic", "tailnet_name": "example.ts.net", "stable_node_id": "nAbCdEf1234CNTRL",
				"request_id": "req_bench", "session_id": "sess_bench",
			},
			"request_body": body,
		}
		b, err := json.Marshal(hc)
		if err != nil {
			tb.Fatal(err)
		}
		if len(b) >= size {
			return b
		}
	}
}

// nopEngine allows everything at no cost: it measures the door alone.
type nopEngine struct{ fakeEngine }

func (*nopEngine) Evaluate(_ context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	return &evaluator.Decision{ID: "d", Verdict: evaluator.Allow}, nil
}

// BenchmarkPreRequest measures a pre_request hook call of 16 KB over
// loopback HTTP, one request at a time as Aperture sends them for one
// client request: read, parse, evaluate, answer. It reports p50 and p99
// latency (the target is p99 under 2 ms with the default policy) and the
// CPU time per call of client and server together, which does not depend
// on what else the machine is running.
func BenchmarkPreRequest(b *testing.B) {
	body := agentHookCall(b, 16<<10)
	// Cold: the segment cache is off, so every call analyses the whole
	// body as if sluice had never seen the conversation. "repeat" keeps
	// the cache: the same body again, every turn known (the best case).
	monitor, err := evaluator.New(policy.Default(), evaluator.WithSegmentCache(0))
	if err != nil {
		b.Fatal(err)
	}
	enforce, err := evaluator.New(policy.Default().EnforcedCopy(policy.ModeEnforce), evaluator.WithSegmentCache(0))
	if err != nil {
		b.Fatal(err)
	}
	repeat, err := evaluator.New(policy.Default().EnforcedCopy(policy.ModeEnforce))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		eng  evaluator.Engine
	}{
		{"door_only", &nopEngine{}},
		{"default_policy_monitor", monitor},
		{"default_policy_enforce", enforce},
		{"default_policy_enforce_repeat", repeat},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.APIKey = testKey
			s, err := New(bc.eng, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(context.Background())
			ts := httptest.NewServer(s)
			defer ts.Close()
			client := ts.Client()
			send := func() {
				req, _ := http.NewRequest(http.MethodPost, ts.URL+PathEvents, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testKey)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			send() // warm the connection
			lat := make([]time.Duration, 0, b.N)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cputime.Process()
			for b.Loop() {
				start := time.Now()
				send()
				lat = append(lat, time.Since(start))
			}
			cpu := cputime.Process() - cpu0
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e3
			}
			b.ReportMetric(pct(0.50), "p50-µs")
			b.ReportMetric(pct(0.99), "p99-µs")
			if cpu > 0 {
				// Client and server together: both run in this process.
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(len(lat))/1e3, "cpu-µs/op")
			}
		})
	}
}

// BenchmarkHandlerPreRequest is the same call without the network, to
// separate the handler's own cost and allocations from the HTTP stack's.
func BenchmarkHandlerPreRequest(b *testing.B) {
	body := agentHookCall(b, 16<<10)
	cfg := DefaultConfig()
	s, err := New(&nopEngine{}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, PathEvents, bytes.NewReader(body))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
