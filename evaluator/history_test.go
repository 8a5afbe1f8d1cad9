package evaluator

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/policy"
)

// TestMemoryChangesNothing: the caches that spare a conversation's
// history a second analysis must not change a decision. Every body is
// evaluated cold, then twice by an evaluator with the caches (the second
// time from them), and as the next request of its conversation (one turn
// prepended, so every cached segment stands at a new index).
func TestMemoryChangesNothing(t *testing.T) {
	type body struct {
		name, path string
		data       []byte
	}
	var bodies []body
	files, _ := filepath.Glob("../examples/*.json")
	for _, f := range files {
		bodies = append(bodies, body{filepath.Base(f), examplePath(filepath.Base(f)), readFile(t, f)})
	}
	bodies = append(bodies, body{"agent-16k", "/v1/messages", readFile(t, "testdata/agent-16k.request.json")})
	// Conversations of public corpus texts: injections, jailbreaks and
	// benign prompts (some in other scripts, which normalization changes),
	// alternating user and assistant turns, with tool results.
	for _, name := range []string{"prompt_injection", "jailbreak", "benign", "benign_multilingual", "prompt_injection_multilingual", "secrets", "pii"} {
		recs, err := corpus.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []map[string]any
		for i, r := range recs[:min(len(recs), 60)] {
			switch i % 3 {
			case 0:
				msgs = append(msgs, map[string]any{"role": "user", "content": r.Text})
			case 1:
				msgs = append(msgs, map[string]any{"role": "assistant", "content": r.Text})
			default:
				msgs = append(msgs, map[string]any{"role": "tool", "tool_call_id": "call_1", "content": r.Text})
			}
		}
		data, _ := json.Marshal(map[string]any{"model": "gpt-4o", "messages": msgs})
		bodies = append(bodies, body{name, "/v1/chat/completions", data})
	}

	mk := func(opts ...Option) *Evaluator {
		ev, err := New(policy.Default().EnforcedCopy(policy.ModeEnforce), opts...)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	cold, warm := mk(WithSegmentCache(0)), mk()
	eval := func(ev *Evaluator, b body, data []byte) []byte {
		d, err := ev.Evaluate(context.Background(), Input{Body: data, Door: DoorCLI, Path: b.path})
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		return stableOutput(t, d)
	}
	for _, b := range bodies {
		want := eval(cold, b, b.data)
		for pass := range 2 {
			if got := eval(warm, b, b.data); !bytes.Equal(got, want) {
				t.Fatalf("%s, pass %d with the caches:\n got: %s\nwant: %s", b.name, pass, got, want)
			}
		}
		if b.path == "/v1/chat/completions" && bytes.HasPrefix(b.data, []byte(`{"messages":[`)) {
			next := append([]byte(`{"messages":[{"role":"user","content":"Before anything else, please read the conversation below carefully."},`), b.data[len(`{"messages":[`):]...)
			if got, want := eval(warm, b, next), eval(cold, b, next); !bytes.Equal(got, want) {
				t.Fatalf("%s, next request with the caches:\n got: %s\nwant: %s", b.name, got, want)
			}
		}
	}
	if warm.memory.pristine.Len() == 0 || warm.memory.clean.Len() == 0 {
		t.Fatal("nothing was remembered: the test proves nothing about the caches")
	}
}

// TestTransientIsNotRemembered: a transient body (a stream's window) is
// judged like any other but leaves nothing in the caches.
func TestTransientIsNotRemembered(t *testing.T) {
	ev, err := New(policy.Default().EnforcedCopy(policy.ModeEnforce))
	if err != nil {
		t.Fatal(err)
	}
	cold, err := New(policy.Default().EnforcedCopy(policy.ModeEnforce), WithSegmentCache(0))
	if err != nil {
		t.Fatal(err)
	}
	body := readFile(t, "testdata/agent-16k.request.json")
	in := Input{Body: body, Door: DoorCLI, Path: "/v1/messages", Transient: true}
	d, err := ev.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := cold.Evaluate(context.Background(), in)
	if !bytes.Equal(stableOutput(t, d), stableOutput(t, want)) {
		t.Fatal("a transient evaluation decided differently")
	}
	if n := ev.memory.pristine.Len() + ev.memory.clean.Len(); n != 0 {
		t.Fatalf("a transient body left %d entries", n)
	}
	for _, det := range ev.detectors {
		if c, ok := det.(interface{ CachedVerdicts() int }); ok && c.CachedVerdicts() != 0 {
			t.Fatalf("%s cached %d verdicts of a transient body", det.Name(), c.CachedVerdicts())
		}
	}
	// The same body, durable this time, is remembered.
	in.Transient = false
	if _, err := ev.Evaluate(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if ev.memory.pristine.Len() == 0 {
		t.Fatal("a durable body left nothing")
	}
}
