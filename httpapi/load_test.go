package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/policy"
)

// TestConcurrentLoad drives the handler over loopback HTTP from many
// clients at once, mixing pre_request and post-response calls with a small
// queue (so the spool is used), and proves no audit record is lost: every
// pre_request got its answer and one evaluation, every post-response call
// got its three evaluations, and nothing was recorded as lost or failed.
func TestConcurrentLoad(t *testing.T) {
	eng := &fakeEngine{delay: 300 * time.Microsecond}
	st := runLoad(t, eng, 8, 40)
	if n := eng.recs.Load(); n != 0 {
		_, recs := eng.snapshot()
		t.Fatalf("%d decisions recorded without evaluation: first %s", n, recs[0].Reason)
	}
	if got, want := eng.evals.Load(), int64(8*40/2+3*8*40/2); got != want {
		t.Fatalf("%d evaluations, want %d", got, want)
	}
	t.Logf("stats: %+v", st)
}

// TestConcurrentLoadReal is the same with the real evaluator, to catch data
// races between the door and the evaluator (shared maps, aliased bodies).
func TestConcurrentLoadReal(t *testing.T) {
	eng := realEngine(t, policy.ModeEnforce)
	runLoad(t, eng, 4, 10)
	decisions, recorded := eng.snapshot()
	if len(recorded) != 0 {
		t.Fatalf("decisions recorded without evaluation: %s", recorded[0].Reason)
	}
	// Each post-response call: request + response (its tool call is in the
	// response body, so no separate tool-call evaluation).
	if want := 4*10/2 + 2*4*10/2; len(decisions) != want {
		t.Fatalf("%d decisions, want %d", len(decisions), want)
	}
}

// runLoad sends clients×perClient calls, half pre_request and half
// post-response (each with a distinct request_id), over loopback HTTP,
// closes the server and checks the background accounting.
func runLoad(t *testing.T, eng evaluator.Engine, clients, perClient int) Stats {
	cfg := testConfig(t)
	cfg.Workers, cfg.QueueSize = 2, 2
	s := newTestServer(t, eng, cfg)
	ts := httptest.NewServer(s) // listens on 127.0.0.1
	defer ts.Close()

	pre := readHook(t, "anthropic_pre_request.json")
	post := readHook(t, "post_tool_calls.json")
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	var preCount, postCount int
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				body := pre
				isPost := (c+i)%2 == 1
				if isPost {
					body = withJSON(t, post, "metadata", map[string]any{
						"request_id": fmt.Sprintf("load-%d-%d", c, i), "url": "https://ai.example.ts.net/v1/messages"})
				}
				req, _ := http.NewRequest(http.MethodPost, ts.URL+PathEvents, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testKey)
				resp, err := ts.Client().Do(req)
				if err != nil {
					errs <- err
					continue
				}
				resp.Body.Close()
				want := 200
				if isPost {
					want = 202
				}
				if resp.StatusCode != want {
					errs <- fmt.Errorf("status %d, want %d", resp.StatusCode, want)
				}
			}
		}()
	}
	for c := range clients {
		for i := range perClient {
			if (c+i)%2 == 1 {
				postCount++
			} else {
				preCount++
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Processed != int64(postCount) || st.Lost != 0 || st.Rejected != 0 || st.Spooled != 0 {
		t.Fatalf("stats %+v (%d pre, %d post)", st, preCount, postCount)
	}
	return st
}
