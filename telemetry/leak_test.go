package telemetry

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/telemetry/sink/es"
	"github.com/sluicehq/sluice/telemetry/sink/es/esfake"
	"github.com/sluicehq/sluice/telemetry/store"
)

// TestNoPlantedValueLeaves plants secrets and personal data in traffic,
// evaluates it with the real detectors and the embedded default policy
// (monitor and enforce, prompt capture off and redacted), with every sink
// enabled, an Elasticsearch outage and rejected documents along the way,
// and proves none of the values appear in any sink's output (the SQLite
// files, the Elasticsearch requests and spool, the NDJSON file, stdout), in
// any log line, or in any span.
func TestNoPlantedValueLeaves(t *testing.T) {
	for _, capture := range []string{"off", "redacted"} {
		t.Run("capture_"+capture, func(t *testing.T) {
			dir := t.TempDir()
			fake := esfake.New()
			defer fake.Close()
			fake.KeepBulkBodies()
			// One document is refused for good, so that the rejection is logged.
			rejectOnce := ""
			fake.SetItemFault(func(id string, attempt int) int {
				if rejectOnce == "" {
					rejectOnce = id
				}
				if id == rejectOnce {
					return 400
				}
				return 0
			})

			cfg := DefaultConfig(dir)
			cfg.Capture = capture
			cfg.Elasticsearch.Enabled = true
			cfg.Elasticsearch.Addresses = []string{fake.URL}
			cfg.Elasticsearch.FlushInterval = Duration(5 * time.Millisecond)
			cfg.Elasticsearch.BatchSize = 8
			cfg.NDJSON.Enabled = true
			cfg.Stdout.Enabled = true
			stdout, logs := &syncBuffer{}, &syncBuffer{}
			sr := tracetest.NewSpanRecorder()
			p, err := NewPipeline(newEvaluator(t, ""), PipelineOptions{
				Config: cfg, Stdout: stdout, Logger: testLogger(logs), ClaimWindow: 5 * time.Millisecond,
				TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr)),
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			bodies := [][]byte{bodySecret, bodyCard, bodyEmail, bodyClean}
			notJSON := []byte("key=" + planted[0] + " card=" + planted[1]) // a failure quoting the values
			run := func() {
				for _, b := range bodies {
					if _, err := p.Evaluate(ctx, input(b)); err != nil {
						t.Fatal(err)
					}
				}
				in := input(notJSON)
				if _, err := p.Evaluate(ctx, in); err == nil {
					t.Fatal("non-JSON body evaluated")
				}
				p.Record(ctx, p.DoorDecision(in, evaluator.Block, "evaluation_failed", 403, "sluice could not check the request."))
			}
			run()
			p.Swap(newEvaluator(t, "enforce"))
			run()
			// An outage: records spool to disk, then replay.
			fake.SetDown(true)
			run()
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			spoolBytes := readTree(t, filepath.Join(dir, "spool"))
			fake.SetDown(false)
			run()
			cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			for _, s := range p.sinks {
				if e, ok := s.(*es.Sink); ok {
					if err := e.Drain(cctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := p.Close(cctx); err != nil {
				t.Fatal(err)
			}

			// Each run makes 5 decisions: 4 evaluations and a failure folded
			// into the door's decision about it.
			st, err := store.OpenReadOnly(filepath.Join(dir, store.FileName))
			if err != nil {
				t.Fatal(err)
			}
			n, _ := st.Count(ctx, store.Filter{})
			st.Close(ctx)
			if n != 20 {
				t.Errorf("the store holds %d records, want 20 (4 runs of 5 decisions)", n)
			}
			if got := len(fake.IDs(es.DefaultDataStream)); got != 19 {
				t.Errorf("Elasticsearch holds %d records, want 19 (20 less the one refused)", got)
			}
			if !strings.Contains(logs.String(), "mapper_parsing_exception") {
				t.Errorf("the refused document was not logged:\n%s", logs)
			}

			var bulk strings.Builder
			for _, b := range fake.BulkBodies() {
				bulk.Write(b)
			}
			if !strings.Contains(bulk.String(), "…[masked]") {
				t.Fatal("the Elasticsearch requests hold no masked evidence: the test is not looking at records")
			}
			if capture == "redacted" && !strings.Contains(bulk.String(), "[REDACTED:") {
				t.Fatal("capture: redacted stored no masked text")
			}
			noPlanted(t, "Elasticsearch bulk requests", bulk.String())
			noPlanted(t, "Elasticsearch spool", spoolBytes)
			noPlanted(t, "SQLite files", readTree(t, dir, store.FileName))
			noPlanted(t, "NDJSON file", readTree(t, dir, "audit.ndjson"))
			noPlanted(t, "stdout", stdout.String())
			noPlanted(t, "log", logs.String())
			if strings.Count(stdout.String(), "\n") != 20 {
				t.Errorf("stdout holds %d records, want 20", strings.Count(stdout.String(), "\n"))
			}
			var spans strings.Builder
			for _, s := range sr.Ended() {
				spans.WriteString(spanString(s))
			}
			if len(sr.Ended()) != 20 {
				t.Errorf("%d spans for 20 evaluations", len(sr.Ended()))
			}
			noPlanted(t, "spans", spans.String())
		})
	}
}

// readTree concatenates the files under dir whose names start with one of
// prefixes (all files without prefixes).
func readTree(t *testing.T, dir string, prefixes ...string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		ok := len(prefixes) == 0
		for _, p := range prefixes {
			ok = ok || strings.HasPrefix(d.Name(), p)
		}
		if ok {
			data, _ := os.ReadFile(path)
			b.Write(data)
		}
		return nil
	})
	return b.String()
}
