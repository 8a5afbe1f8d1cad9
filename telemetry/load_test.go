package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
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
	"github.com/sluicehq/sluice/telemetry/sink/es"
	"github.com/sluicehq/sluice/telemetry/sink/es/esfake"
	"github.com/sluicehq/sluice/telemetry/store"
)

// TestLoadRecordsEqualDecisions drives a door-like HTTP handler over
// loopback with concurrent clients (evaluations, failures answered by the
// door, and door-only decisions) and checks that every sink holds exactly
// one record per decision.
func TestLoadRecordsEqualDecisions(t *testing.T) {
	const clients, perClient = 8, 60
	dir := t.TempDir()
	fake := esfake.New()
	defer fake.Close()
	cfg := DefaultConfig(dir)
	cfg.Elasticsearch.Enabled = true
	cfg.Elasticsearch.Addresses = []string{fake.URL}
	cfg.Elasticsearch.FlushInterval = Duration(10 * time.Millisecond)
	cfg.Elasticsearch.BatchSize = 100
	cfg.NDJSON.Enabled = true
	logs := &syncBuffer{}
	p, err := NewPipeline(newEvaluator(t, "enforce"), PipelineOptions{Config: cfg, Logger: testLogger(logs), ClaimWindow: time.Second})
	if err != nil {
		t.Fatal(err)
	}

	// A minimal door: evaluate, fail open on errors, refuse bodies over a
	// limit without evaluating.
	var decisions atomic.Int64
	door := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		in := evaluator.Input{Path: r.URL.Path, Body: body, Door: evaluator.DoorAPI, SourceIP: "127.0.0.1",
			Headers: map[string]string{"user-agent": r.UserAgent(), "x-forwarded-email": r.Header.Get("X-Forwarded-Email")}}
		ctx := ExtractHeaders(r.Context(), map[string]string{"traceparent": r.Header.Get("Traceparent")})
		var d *evaluator.Decision
		var err error
		if len(body) > 2048 {
			d = p.DoorDecision(in, evaluator.Block, "body_too_large", 413, "too large")
			p.Record(ctx, d)
		} else if d, err = p.Evaluate(ctx, in); err != nil {
			d = p.DoorDecision(in, evaluator.Allow, "evaluation_failed", 0, "")
			p.Record(ctx, d)
		}
		decisions.Add(1)
		fmt.Fprintf(w, "%s %s", d.ID, d.Verdict)
	}))
	defer door.Close()

	bodies := [][]byte{bodySecret, bodyCard, bodyEmail, bodyClean, []byte("not json"), bytes.Repeat([]byte("x"), 4096)}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				req, _ := http.NewRequest("POST", door.URL+"/v1/chat/completions", bytes.NewReader(bodies[(c+i)%len(bodies)]))
				req.Header.Set("X-Forwarded-Email", fmt.Sprintf("user%d@example.com", c))
				req.Header.Set("User-Agent", "claude-cli/1.0.43 (external, cli)")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}(c)
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d requests failed", failed.Load())
	}
	n := decisions.Load()
	if n != clients*perClient {
		t.Fatalf("%d decisions for %d requests", n, clients*perClient)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range p.sinks {
		if e, ok := s.(*es.Sink); ok {
			if err := e.Drain(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}

	st, err := store.OpenReadOnly(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	if got, _ := st.Count(ctx, store.Filter{}); got != n {
		t.Errorf("SQLite holds %d records for %d decisions", got, n)
	}
	if got, _ := st.Count(ctx, store.Filter{Decision: "error"}); got != int64(clients*perClient/len(bodies)) {
		t.Errorf("SQLite holds %d failure records, want %d (one per non-JSON body)", got, clients*perClient/len(bodies))
	}
	if got := len(fake.IDs(es.DefaultDataStream)); int64(got) != n {
		t.Errorf("Elasticsearch holds %d records for %d decisions", got, n)
	}
	f, err := os.Open(filepath.Join(dir, "audit.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		lines++
	}
	if int64(lines) != n {
		t.Errorf("NDJSON holds %d records for %d decisions", lines, n)
	}
	// The metrics count the same decisions.
	mfs, err := p.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var counted, recorded float64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case MetricDecisions:
				counted += m.GetCounter().GetValue()
			case MetricAuditRecords:
				recorded += m.GetCounter().GetValue()
			}
		}
	}
	if int64(counted) != n || int64(recorded) != n {
		t.Errorf("metrics count %v decisions and %v records for %d decisions", counted, recorded, n)
	}
	for _, s := range p.sinks {
		if d := s.Stats().Dropped; d != 0 {
			t.Errorf("sink %s dropped %d records", s.Name(), d)
		}
	}
	if strings.Contains(logs.String(), "ERROR") {
		t.Errorf("errors logged under load:\n%s", logs)
	}
}
