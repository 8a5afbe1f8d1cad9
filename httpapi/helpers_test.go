package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/policy"
)

const testKey = "sk-sluice-test-3f9c2b7a"

// fakeEngine is an evaluator.Engine whose verdict depends on markers in
// the body: BLOCK-ME blocks, REDACT-ME redacts (replacing the marker),
// FAIL-ME fails. It counts and keeps every call, so tests can prove that
// nothing went unaudited.
type fakeEngine struct {
	mu      sync.Mutex
	inputs  []evaluator.Input
	records []*evaluator.Decision
	evals   atomic.Int64
	recs    atomic.Int64
	seq     atomic.Int64
	// gate, when set, makes Evaluate wait for a value (or ctx) first.
	gate chan struct{}
	// delay slows every evaluation.
	delay time.Duration
	// toolCalls names the tool calls a response evaluation reports.
	toolCalls func(in evaluator.Input) []string
}

func (f *fakeEngine) Evaluate(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if bytes.Contains(in.Body, []byte("FAIL-ME")) {
		return nil, evaluator.ErrInternal
	}
	if !json.Valid(in.Body) && in.ContentType != "application/x-ndjson" && in.ContentType != "text/event-stream" {
		return nil, evaluator.ErrNotJSON
	}
	f.evals.Add(1)
	f.mu.Lock()
	f.inputs = append(f.inputs, in)
	f.mu.Unlock()
	api := in.API
	if in.Phase == interaction.PhaseRequest || api == "" {
		api, _, _ = llmapi.Recognize(in.Path)
	}
	d := &evaluator.Decision{
		ID:      "dec-" + itoa(f.seq.Add(1)),
		Door:    in.Door,
		Verdict: evaluator.Allow, WouldBe: evaluator.Allow, Reason: evaluator.ReasonNoFinding,
		Interaction: &interaction.Interaction{
			API: api, Phase: in.Phase, Path: in.Path, Model: in.Model, Principal: in.Principal,
			SessionID: in.SessionID, RequestID: in.RequestID, Attributes: in.Attributes, Raw: in.Body,
		},
	}
	if f.toolCalls != nil {
		for _, name := range f.toolCalls(in) {
			d.Interaction.ToolCalls = append(d.Interaction.ToolCalls, interaction.ToolCall{Name: name})
		}
	}
	switch {
	case bytes.Contains(in.Body, []byte("BLOCK-ME")):
		d.Verdict, d.WouldBe, d.Reason, d.Rule = evaluator.Block, evaluator.Block, evaluator.ReasonPolicyBlock, "test-block"
		d.Message = "Blocked by test rule [sluice rule test-block, decision " + d.ID + "]"
	case bytes.Contains(in.Body, []byte("REDACT-ME")):
		d.Verdict, d.WouldBe, d.Reason, d.Rule = evaluator.Redact, evaluator.Redact, evaluator.ReasonPolicyRedact, "test-redact"
		d.Body = bytes.ReplaceAll(in.Body, []byte("REDACT-ME"), []byte("[REDACTED:test]"))
	}
	return d, nil
}

func (f *fakeEngine) Check(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	return f.Evaluate(ctx, in)
}

func (f *fakeEngine) DoorDecision(in evaluator.Input, v evaluator.Verdict, reason string, status int, msg string) *evaluator.Decision {
	return doorEvaluator.DoorDecision(in, v, reason, status, msg)
}

// doorEvaluator builds door decisions for the fake engine.
var doorEvaluator = func() *evaluator.Evaluator {
	ev, err := evaluator.New(policy.Default(), evaluator.WithDetectors())
	if err != nil {
		panic(err)
	}
	return ev
}()

func (f *fakeEngine) Record(_ context.Context, d *evaluator.Decision) {
	f.recs.Add(1)
	f.mu.Lock()
	f.records = append(f.records, d)
	f.mu.Unlock()
}

func (f *fakeEngine) snapshot() ([]evaluator.Input, []*evaluator.Decision) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]evaluator.Input(nil), f.inputs...), append([]*evaluator.Decision(nil), f.records...)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// testConfig is DefaultConfig with the test key, a spool in a temporary
// directory and a logger that writes to the test log.
func testConfig(t testing.TB) Config {
	cfg := DefaultConfig()
	cfg.APIKey = testKey
	cfg.SpoolDir = filepath.Join(t.TempDir(), "spool")
	cfg.Workers = 2
	cfg.Logger = testLogger(t)
	return cfg
}

func newTestServer(t testing.TB, eng evaluator.Engine, cfg Config) *Server {
	t.Helper()
	s, err := New(eng, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// do sends one request to the handler in process.
func do(t testing.TB, h http.Handler, method, path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	r.RemoteAddr = "127.0.0.1:52000"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+testKey)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func readHook(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withJSON returns the hook call b with top-level field k set to v (or
// removed when v is nil).
func withJSON(t testing.TB, b []byte, k string, v any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		delete(m, k)
	} else {
		m[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeMap(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, b)
	}
	return m
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// testWriter sends log output to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testWriter{}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
