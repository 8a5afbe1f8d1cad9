package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// closeAndWait drains the server's queue.
func closeAndWait(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func sources(inputs []evaluator.Input) []string {
	var out []string
	for _, in := range inputs {
		out = append(out, in.Phase.String()+":"+in.Attributes[AttrBodySource])
	}
	return out
}

func TestPostResponse(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		path    string
		edit    func([]byte) []byte
		tools   func(evaluator.Input) []string // tool calls the fake "parses" from a response
		want    []string                       // phase:body_source of the evaluations, in order
		records []string
	}{
		{name: "tool_calls_covered_by_response", file: "post_tool_calls.json",
			tools: func(in evaluator.Input) []string {
				if strings.Contains(string(in.Body), `"tool_use"`) {
					return []string{"bash"}
				}
				return nil
			},
			want: []string{"request:request_body", "response:response_body"}},
		{name: "tool_calls_not_in_response", file: "post_tool_calls.json",
			want: []string{"request:request_body", "response:response_body", "response:tool_calls"}},
		{name: "tools_only", file: "post_tools_only.json", want: []string{"response:tool_calls"}},
		{name: "raw_responses", file: "post_raw_responses.json", want: []string{"response:raw_responses"}},
		{name: "explicit_endpoint_metadata_only", path: PathPostResponse, file: "anthropic_pre_request.json",
			edit: func(b []byte) []byte {
				var m map[string]any
				json.Unmarshal(b, &m)
				return []byte(fmt.Sprintf(`{"metadata":%s}`, mustJSON(m["metadata"])))
			},
			records: []string{CodeNoContent}},
		{name: "explicit_endpoint_user_message", path: PathPostResponse, file: "anthropic_pre_request.json",
			edit: func(b []byte) []byte { return withJSON(t, b, "request_body", nil) },
			want: []string{"request:user_message"}},
		{name: "failure_is_audited", file: "post_tools_only.json",
			edit: func(b []byte) []byte {
				return withJSON(t, b, "tool_calls", []any{map[string]any{"name": "bash", "params": map[string]any{"cmd": "FAIL-ME"}}})
			},
			records: []string{CodeEvaluationFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &fakeEngine{toolCalls: tt.tools}
			s := newTestServer(t, eng, testConfig(t))
			body := readHook(t, tt.file)
			if tt.edit != nil {
				body = tt.edit(body)
			}
			path := tt.path
			if path == "" {
				path = PathEvents
			}
			w := do(t, s, http.MethodPost, path, body)
			if w.Code != http.StatusAccepted {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if ans := decodeMap(t, w.Body.Bytes()); ans["status"] != "accepted" || ans["action"] != "allow" {
				t.Fatalf("answer %s", w.Body)
			}
			closeAndWait(t, s)
			inputs, records := eng.snapshot()
			if got := sources(inputs); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("evaluations %v, want %v", got, tt.want)
			}
			var reasons []string
			for _, r := range records {
				reasons = append(reasons, r.Reason)
				if r.Verdict != evaluator.Allow {
					t.Errorf("post-response record %s with verdict %s", r.Reason, r.Verdict)
				}
			}
			if strings.Join(reasons, " ") != strings.Join(tt.records, " ") {
				t.Fatalf("records %v, want %v", reasons, tt.records)
			}
			for _, in := range inputs {
				if in.Door != evaluator.DoorAperture || in.Attributes[AttrEvent] == "" || in.Attributes[AttrEvent] == EventPreRequest {
					t.Errorf("input door %q event %q", in.Door, in.Attributes[AttrEvent])
				}
				if in.Phase == interaction.PhaseResponse && in.API == "" {
					t.Errorf("response evaluated without the request's API")
				}
			}
			if st := s.Stats(); st.Processed != 1 || st.Spooled != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestPostResponseBodies(t *testing.T) {
	eng := &fakeEngine{}
	s := newTestServer(t, eng, testConfig(t))
	for _, f := range []string{"post_tool_calls.json", "post_tools_only.json", "post_raw_responses.json"} {
		if w := do(t, s, http.MethodPost, PathEvents, readHook(t, f)); w.Code != 202 {
			t.Fatal(f, w.Code)
		}
	}
	closeAndWait(t, s)
	inputs, _ := eng.snapshot()
	byID := map[string][]evaluator.Input{}
	for _, in := range inputs {
		byID[in.RequestID] = append(byID[in.RequestID], in)
	}

	// The tagged CI machine is identified by its node.
	tc := byID["req_03tools"]
	if len(tc) != 3 || tc[0].Principal.ID != "nCiBuild42CNTRL" || tc[0].Attributes[AttrTaggedDevice] != "true" {
		t.Fatalf("req_03tools inputs %+v", tc)
	}
	if tc[1].API != "anthropic.messages" || !strings.Contains(string(tc[1].Body), `"toolu_01A"`) {
		t.Errorf("response evaluation: api %q body %s", tc[1].API, tc[1].Body)
	}
	if tc[0].Attributes[AttrEstimatedCostUSD] != "0.0042" {
		t.Errorf("cost attribute %q", tc[0].Attributes[AttrEstimatedCostUSD])
	}

	// Tool calls alone are written as a response of the request's API.
	to := byID["req_04toolsonly"]
	if len(to) != 1 || to[0].API != "openai.chat_completions" {
		t.Fatalf("req_04toolsonly inputs %+v", to)
	}
	var chat struct {
		Choices []struct {
			Message struct {
				ToolCalls []struct {
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			}
		}
	}
	if err := json.Unmarshal(to[0].Body, &chat); err != nil || len(chat.Choices) != 1 || len(chat.Choices[0].Message.ToolCalls) != 2 {
		t.Fatalf("synthesized body %s (%v)", to[0].Body, err)
	}
	if f := chat.Choices[0].Message.ToolCalls[0].Function; f.Name != "run_terminal_command" || f.Arguments != `{"command":"rm -rf / --no-preserve-root"}` {
		t.Errorf("first call %+v", f)
	}

	// raw_responses are evaluated as the stream of events they are.
	rr := byID["req_05stream"]
	if len(rr) != 1 || rr[0].ContentType != "application/x-ndjson" || strings.Count(string(rr[0].Body), "\n") != 7 {
		t.Fatalf("req_05stream inputs %+v", rr)
	}
}

func TestPostResponseDedupe(t *testing.T) {
	eng := &fakeEngine{}
	s := newTestServer(t, eng, testConfig(t))
	body := readHook(t, "post_tools_only.json")
	other := withJSON(t, body, "event", EventEntireRequest) // the same request, the other event
	for i, b := range [][]byte{body, other, body} {
		w := do(t, s, http.MethodPost, PathEvents, b)
		want := "duplicate"
		if i == 0 {
			want = "accepted"
		}
		if w.Code != 202 || decodeMap(t, w.Body.Bytes())["status"] != want {
			t.Fatalf("call %d: %d %s", i, w.Code, w.Body)
		}
	}
	closeAndWait(t, s)
	if n := eng.evals.Load(); n != 1 {
		t.Fatalf("%d evaluations, want 1", n)
	}
	if st := s.Stats(); st.Duplicates != 2 {
		t.Errorf("stats %+v", st)
	}

	t.Run("window_expires", func(t *testing.T) {
		eng := &fakeEngine{}
		s := newTestServer(t, eng, testConfig(t))
		var now atomic.Int64
		now.Store(time.Unix(1_700_000_000, 0).UnixNano())
		s.now = func() time.Time { return time.Unix(0, now.Load()) }
		do(t, s, http.MethodPost, PathEvents, body)
		now.Add(int64(DefaultDedupeWindow))
		if w := do(t, s, http.MethodPost, PathEvents, body); decodeMap(t, w.Body.Bytes())["status"] != "accepted" {
			t.Fatalf("after the window: %s", w.Body)
		}
		closeAndWait(t, s)
		if n := eng.evals.Load(); n != 2 {
			t.Fatalf("%d evaluations, want 2", n)
		}
	})
}

// TestPreThenPost shows the request a pre_request hook evaluated is not
// evaluated again by the post-response job, unless its body changed.
func TestPreThenPost(t *testing.T) {
	// Both calls carry the request body serialized the same way, as
	// Aperture sends it.
	pre := withJSON(t, readHook(t, "anthropic_pre_request.json"), "event", EventPreRequest)
	post := withJSON(t, withJSON(t, pre, "event", EventEntireRequest), "response_body", map[string]any{"type": "message", "role": "assistant",
		"content": []any{map[string]any{"type": "text", "text": "Here it is."}}})
	changed := withJSON(t, post, "request_body", map[string]any{"messages": []any{map[string]any{"role": "user", "content": "other"}}})

	for _, tt := range []struct {
		name string
		post []byte
		want []string
	}{
		{"same_body", post, []string{"request:request_body", "response:response_body"}},
		{"changed_body", changed, []string{"request:request_body", "request:request_body", "response:response_body"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eng := &fakeEngine{}
			s := newTestServer(t, eng, testConfig(t))
			if w := do(t, s, http.MethodPost, PathEvents, pre); w.Code != 200 {
				t.Fatal(w.Code)
			}
			if w := do(t, s, http.MethodPost, PathEvents, tt.post); w.Code != 202 {
				t.Fatal(w.Code)
			}
			closeAndWait(t, s)
			inputs, _ := eng.snapshot()
			if got := sources(inputs); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("evaluations %v, want %v", got, tt.want)
			}
			last := inputs[len(inputs)-1]
			if last.API != "anthropic.messages" {
				t.Errorf("response API %q", last.API)
			}
		})
	}
}

// TestQueueFullSpools fills the queue while the only worker is held, so
// jobs go to the spool; once the worker is released every job is
// evaluated and the spool is empty.
func TestQueueFullSpools(t *testing.T) {
	eng := &fakeEngine{gate: make(chan struct{})}
	cfg := testConfig(t)
	cfg.Workers, cfg.QueueSize = 1, 1
	s := newTestServer(t, eng, cfg)
	const n = 12
	for i := range n {
		b := withJSON(t, readHook(t, "post_tools_only.json"), "metadata", map[string]any{"request_id": fmt.Sprintf("q%d", i)})
		if w := do(t, s, http.MethodPost, PathEvents, b); w.Code != 202 {
			t.Fatalf("call %d: %d %s", i, w.Code, w.Body)
		}
	}
	st := s.Stats()
	if st.ToSpool < n-3 || st.Spooled == 0 {
		t.Fatalf("expected most jobs spooled with the worker held: %+v", st)
	}
	close(eng.gate)
	waitFor(t, "all jobs evaluated", func() bool { return eng.evals.Load() == n })
	waitFor(t, "spool drained", func() bool { return s.Stats().Spooled == 0 })
	closeAndWait(t, s)
	entries, _ := os.ReadDir(cfg.SpoolDir)
	if len(entries) != 0 {
		t.Fatalf("spool not empty: %v", entries)
	}
	if st := s.Stats(); st.Processed != n || st.Replayed != st.ToSpool {
		t.Errorf("stats %+v", st)
	}
}

// TestRestartReplays shuts down with jobs queued and one in flight,
// spooling them, and shows a new Server on the same spool evaluates each
// exactly once.
func TestRestartReplays(t *testing.T) {
	cfg := testConfig(t)
	cfg.Workers, cfg.QueueSize = 1, 4
	held := &fakeEngine{gate: make(chan struct{})}
	s1, err := New(held, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 9
	for i := range n {
		b := withJSON(t, readHook(t, "post_tool_calls.json"), "metadata", map[string]any{"request_id": fmt.Sprintf("r%d", i)})
		if w := do(t, s1, http.MethodPost, PathEvents, b); w.Code != 202 {
			t.Fatalf("call %d: %d", i, w.Code)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time to drain: everything must be spooled
	if err := s1.Close(ctx); err == nil {
		t.Fatal("Close with an expired context reported a full drain")
	}
	if held.evals.Load() != 0 || held.recs.Load() != 0 {
		t.Fatalf("held engine saw %d evaluations, %d records", held.evals.Load(), held.recs.Load())
	}
	// A call that arrives after Close goes to the spool too.
	late := withJSON(t, readHook(t, "post_tool_calls.json"), "metadata", map[string]any{"request_id": "late"})
	if w := do(t, s1, http.MethodPost, PathEvents, late); w.Code != 202 {
		t.Fatalf("late call: %d %s", w.Code, w.Body)
	}
	entries, _ := os.ReadDir(cfg.SpoolDir)
	if len(entries) != n+1 {
		t.Fatalf("%d spool files, want %d", len(entries), n+1)
	}

	eng := &fakeEngine{}
	s2 := newTestServer(t, eng, cfg)
	// Each job: request, response and the tool call the fake response
	// does not show.
	waitFor(t, "replay", func() bool { return eng.evals.Load() == 3*(n+1) })
	closeAndWait(t, s2)
	if got := eng.evals.Load(); got != 3*(n+1) {
		t.Fatalf("%d evaluations after replay, want %d", got, 3*(n+1))
	}
	seen := map[string]int{}
	inputs, _ := eng.snapshot()
	for _, in := range inputs {
		seen[in.RequestID]++
	}
	for id, c := range seen {
		if c != 3 {
			t.Errorf("%s evaluated %d times, want 3", id, c)
		}
	}
	if entries, _ := os.ReadDir(cfg.SpoolDir); len(entries) != 0 {
		t.Fatalf("spool not empty after replay: %v", entries)
	}
}

// TestResumeAfterCut shows a job cut short between its stages resumes
// where it stopped after a restart.
func TestResumeAfterCut(t *testing.T) {
	cfg := testConfig(t)
	cfg.Workers, cfg.QueueSize = 1, 1
	eng := &fakeEngine{gate: make(chan struct{}, 1)}
	eng.gate <- struct{}{} // let exactly one evaluation (the request) through
	s1, err := New(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	do(t, s1, http.MethodPost, PathEvents, readHook(t, "post_tool_calls.json"))
	waitFor(t, "request evaluated", func() bool { return eng.evals.Load() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s1.Close(ctx)

	eng2 := &fakeEngine{}
	s2 := newTestServer(t, eng2, cfg)
	waitFor(t, "resumed", func() bool { return eng2.evals.Load() == 2 })
	closeAndWait(t, s2)
	inputs, _ := eng2.snapshot()
	if got := sources(inputs); strings.Join(got, " ") != "response:response_body response:tool_calls" {
		t.Fatalf("resumed with %v", got)
	}
}

// TestNoSpoolBackpressure: without a spool a full queue makes the call
// wait, and a call that cannot wait is refused (503) and audited.
func TestNoSpoolBackpressure(t *testing.T) {
	cfg := testConfig(t)
	cfg.SpoolDir = ""
	cfg.Workers, cfg.QueueSize = 1, 1
	eng := &fakeEngine{gate: make(chan struct{})}
	s := newTestServer(t, eng, cfg)
	send := func(id string, ctx context.Context) int {
		b := withJSON(t, readHook(t, "post_tools_only.json"), "metadata", map[string]any{"request_id": id})
		r, _ := http.NewRequestWithContext(ctx, http.MethodPost, PathEvents, strings.NewReader(string(b)))
		r.RemoteAddr = "127.0.0.1:1"
		r.Header.Set("X-Api-Key", testKey)
		w := newRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	if c := send("a", context.Background()); c != 202 { // taken by the worker (held)
		t.Fatal(c)
	}
	waitFor(t, "worker busy", func() bool { return len(s.pool.queue) == 0 })
	if c := send("b", context.Background()); c != 202 { // fills the queue
		t.Fatal(c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if c := send("c", ctx); c != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", c)
	}
	_, recs := eng.snapshot()
	if len(recs) != 1 || recs[0].Reason != CodeQueueFull || recs[0].Interaction.RequestID != "c" {
		t.Fatalf("records %+v", recs)
	}
	// The refused id may come again.
	close(eng.gate)
	if c := send("c", context.Background()); c != 202 {
		t.Fatalf("retry status %d", c)
	}
	closeAndWait(t, s)
	if n := eng.evals.Load(); n != 3 {
		t.Fatalf("%d evaluations, want 3", n)
	}
}

// TestShutdownWithoutSpool: jobs that cannot finish before Close's
// deadline and have nowhere to go are recorded, not silently dropped.
func TestShutdownWithoutSpool(t *testing.T) {
	cfg := testConfig(t)
	cfg.SpoolDir = ""
	cfg.Workers, cfg.QueueSize = 1, 8
	eng := &fakeEngine{gate: make(chan struct{})}
	s, err := New(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		b := withJSON(t, readHook(t, "post_tools_only.json"), "metadata", map[string]any{"request_id": fmt.Sprint(i)})
		do(t, s, http.MethodPost, PathEvents, b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Close(ctx)
	_, recs := eng.snapshot()
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5", len(recs))
	}
	for _, r := range recs {
		if r.Reason != CodeShuttingDown {
			t.Errorf("reason %q", r.Reason)
		}
	}
	if st := s.Stats(); st.Lost != 5 {
		t.Errorf("stats %+v", st)
	}
	do(t, s, http.MethodPost, PathEvents, readHook(t, "post_tools_only.json"))
	if w := do(t, s, http.MethodPost, PathEvents, withJSON(t, readHook(t, "post_tools_only.json"), "metadata", map[string]any{"request_id": "x"})); w.Code != 503 {
		t.Fatalf("after Close without spool: %d", w.Code)
	}
}

// TestPreThenPostUserMessage: hooks sent only the user message are
// deduplicated the same way.
func TestPreThenPostUserMessage(t *testing.T) {
	base := withJSON(t, readHook(t, "anthropic_pre_request.json"), "request_body", nil)
	pre := withJSON(t, base, "event", EventPreRequest)
	post := withJSON(t, withJSON(t, base, "event", EventEntireRequest), "tool_calls",
		[]any{map[string]any{"name": "bash", "params": map[string]any{"command": "ls"}}})
	eng := &fakeEngine{}
	s := newTestServer(t, eng, testConfig(t))
	do(t, s, http.MethodPost, PathEvents, pre)
	do(t, s, http.MethodPost, PathEvents, post)
	closeAndWait(t, s)
	inputs, _ := eng.snapshot()
	if got := sources(inputs); strings.Join(got, " ") != "request:user_message response:tool_calls" {
		t.Fatalf("evaluations %v", got)
	}
}
