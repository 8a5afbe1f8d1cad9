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
)

// TestConcurrentLoad drives the handler over loopback HTTP from many
// clients at once, mixing pre_request and post-response calls with a small
// queue (so the spool is used), and proves no audit record is lost: every
// pre_request got its answer and one evaluation, every post-response call
// got its three evaluations, and nothing was recorded as lost or failed.
func TestConcurrentLoad(t *testing.T) {
	cfg := testConfig(t)
	cfg.Workers, cfg.QueueSize = 2, 2
	eng := &fakeEngine{delay: 300 * time.Microsecond}
	s := newTestServer(t, eng, cfg)
	ts := httptest.NewServer(s) // listens on 127.0.0.1
	defer ts.Close()

	pre := readHook(t, "anthropic_pre_request.json")
	post := readHook(t, "post_tool_calls.json")
	const clients, perClient = 8, 40
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
	want := int64(preCount + 3*postCount)
	if got := eng.evals.Load(); got != want {
		t.Fatalf("%d evaluations, want %d (%d pre, %d post)", got, want, preCount, postCount)
	}
	if n := eng.recs.Load(); n != 0 {
		_, recs := eng.snapshot()
		t.Fatalf("%d decisions recorded without evaluation: first %s", n, recs[0].Reason)
	}
	st := s.Stats()
	if st.Processed != int64(postCount) || st.Lost != 0 || st.Rejected != 0 || st.Spooled != 0 {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("stats: %+v", st)
}
