package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/sink"
	"github.com/sluicehq/sluice/telemetry/store"
)

// memSink collects records in memory.
type memSink struct {
	mu   sync.Mutex
	recs []*audit.Record
}

func newMemSink() *memSink { return &memSink{} }

func (m *memSink) Name() string { return "memory" }
func (m *memSink) Enqueue(e *audit.Entry) {
	if _, err := e.JSON(); err != nil {
		panic(err)
	}
	m.mu.Lock()
	m.recs = append(m.recs, e.Record)
	m.mu.Unlock()
}
func (m *memSink) Flush(context.Context) error { return nil }
func (m *memSink) Close(context.Context) error { return nil }
func (m *memSink) Ready() error                { return nil }
func (m *memSink) Stats() sink.Stats           { return sink.Stats{} }
func (m *memSink) records() []*audit.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*audit.Record(nil), m.recs...)
}

func newTestPipeline(t *testing.T, ev *evaluator.Evaluator, o PipelineOptions) (*Pipeline, *memSink, *tracetest.SpanRecorder) {
	t.Helper()
	mem := newMemSink()
	sr := tracetest.NewSpanRecorder()
	if o.TracerProvider == nil {
		o.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	}
	o.Sinks = append(o.Sinks, mem)
	if o.Logger == nil {
		o.Logger = testLogger(&syncBuffer{})
	}
	p, err := NewPipeline(ev, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p, mem, sr
}

func attrMap(kvs []attribute.KeyValue) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

func TestEvaluateSpanAndRecord(t *testing.T) {
	p, mem, sr := newTestPipeline(t, newEvaluator(t, "enforce"), PipelineOptions{})
	headers := map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	ctx := ExtractHeaders(context.Background(), headers)
	d, err := p.Evaluate(ctx, input(bodySecret))
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != evaluator.Block {
		t.Fatalf("verdict %s, want block (enforce mode, AWS key)", d.Verdict)
	}
	spans := sr.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != SpanEvaluate || s.Parent().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		s.Parent().SpanID().String() != "00f067aa0ba902b7" || !s.Parent().IsRemote() {
		t.Fatalf("span %q parent %v", s.Name(), s.Parent())
	}
	a := attrMap(s.Attributes())
	for k, want := range map[string]string{
		AttrGenAIProviderName: "openai", AttrGenAIRequestModel: "gpt-4o", AttrGenAIOperationName: "chat",
		AttrGenAIConversationID: "sess-1", AttrSluiceDecision: "block", AttrSluiceWouldBe: "block",
		AttrSluiceMode: "enforce", AttrSluiceRule: "block-secrets", AttrSluiceDoor: "envoy",
		AttrSluiceDecisionID: d.ID, AttrSluiceRequestID: "req-1", AttrSluiceAgent: "claude-code",
		AttrSluiceReason: evaluator.ReasonPolicyBlock, AttrSluiceAPI: "openai.chat_completions",
	} {
		if got := a[k].String(); got != want {
			t.Errorf("attribute %s = %q, want %q", k, got, want)
		}
	}
	if cats := a[AttrSluiceCategories].AsStringSlice(); !slices.Contains(cats, "secret") {
		t.Errorf("categories %v", cats)
	}
	if rules := a[AttrSluiceRules].AsStringSlice(); !slices.Contains(rules, "block-secrets") {
		t.Errorf("rules %v", rules)
	}
	var events int
	for _, ev := range s.Events() {
		if ev.Name != EventFinding {
			continue
		}
		events++
		ea := attrMap(ev.Attributes)
		if ea[AttrSluiceFindingCategory].AsString() == "" || ea[AttrSluiceFindingDetector].AsString() == "" {
			t.Errorf("finding event without category/detector: %v", ev.Attributes)
		}
	}
	if events != len(d.Findings) {
		t.Errorf("%d finding events for %d findings", events, len(d.Findings))
	}
	spanText := spanString(s)
	noPlanted(t, "span", spanText)
	if strings.Contains(spanText, "…[masked]") {
		t.Error("span carries evidence")
	}

	// The record: linked to the span, enforced block is an alert.
	recs := mem.records()
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	r := recs[0]
	if r.Trace == nil || r.Trace.ID != "4bf92f3577b34da6a3ce929d0e0e4736" || r.Span.ID != s.SpanContext().SpanID().String() {
		t.Fatalf("record not linked to the span: %+v %+v", r.Trace, r.Span)
	}
	if r.Event.Kind != "alert" || r.Sluice.Decision != "block" || r.Sluice.Effect != audit.EffectBlocked ||
		r.User == nil || r.User.ID != "alice@example.com" || r.Source.IP != "10.0.0.7" || !r.Sluice.Evaluated {
		t.Fatalf("record %+v", r)
	}
}

func spanString(s sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	b.WriteString(s.Name())
	for _, kv := range s.Attributes() {
		b.WriteString(" " + string(kv.Key) + "=" + kv.Value.String())
	}
	for _, ev := range s.Events() {
		b.WriteString(" " + ev.Name)
		for _, kv := range ev.Attributes {
			b.WriteString(" " + string(kv.Key) + "=" + kv.Value.String())
		}
	}
	b.WriteString(" " + s.Status().Description)
	return b.String()
}

func TestTraceContextFromInputHeaders(t *testing.T) {
	p, mem, sr := newTestPipeline(t, newEvaluator(t, ""), PipelineOptions{})
	in := input(bodyClean)
	in.Headers["x-b3-traceid"] = "80f198ee56343ba864fe8b2a57d3eff7"
	in.Headers["x-b3-spanid"] = "e457b5a2e4d86bd1"
	in.Headers["x-b3-sampled"] = "1"
	if _, err := p.Evaluate(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if got := sr.Ended()[0].Parent().TraceID().String(); got != "80f198ee56343ba864fe8b2a57d3eff7" {
		t.Fatalf("parent trace %s", got)
	}
	if r := mem.records()[0]; r.Trace.ID != "80f198ee56343ba864fe8b2a57d3eff7" {
		t.Fatalf("record trace %s", r.Trace.ID)
	}
}

func TestMonitorModeWouldBlock(t *testing.T) {
	p, mem, sr := newTestPipeline(t, newEvaluator(t, ""), PipelineOptions{})
	d, err := p.Evaluate(context.Background(), input(bodySecret))
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != evaluator.Allow || d.WouldBe != evaluator.Block {
		t.Fatalf("default policy: %s / %s, want allow / would block", d.Verdict, d.WouldBe)
	}
	r := mem.records()[0]
	if r.Event.Kind != "event" || r.Sluice.Effect != audit.EffectWouldBlock || r.Sluice.Mode != "monitor" {
		t.Fatalf("record %+v", r.Sluice)
	}
	if a := attrMap(sr.Ended()[0].Attributes()); a[AttrSluiceMode].AsString() != "monitor" {
		t.Fatalf("span mode %q", a[AttrSluiceMode].AsString())
	}
	// A new trace when the request carries none.
	if sr.Ended()[0].Parent().IsValid() {
		t.Fatal("span has a parent without trace headers")
	}
}

func TestFailures(t *testing.T) {
	t.Run("unclaimed_failure_is_recorded_alone", func(t *testing.T) {
		p, mem, sr := newTestPipeline(t, newEvaluator(t, ""), PipelineOptions{ClaimWindow: 10 * time.Millisecond})
		_, err := p.Evaluate(context.Background(), input([]byte("this is not json")))
		if !errors.Is(err, evaluator.ErrNotJSON) {
			t.Fatalf("err = %v", err)
		}
		waitFor(t, "the failure record", func() bool { return len(mem.records()) == 1 })
		r := mem.records()[0]
		if r.Event.Outcome != audit.OutcomeFailure || r.Event.Reason != ReasonBodyNotJSON || r.Sluice.Effect != audit.EffectError ||
			r.Sluice.Decision != "" || r.Sluice.Evaluated || r.User == nil || r.Sluice.API != "openai.chat_completions" {
			t.Fatalf("failure record %+v / %+v", r.Event, r.Sluice)
		}
		s := sr.Ended()[0]
		if s.Status().Code != codes.Error || s.Status().Description != ReasonBodyNotJSON {
			t.Fatalf("span status %+v", s.Status())
		}
		if r.Trace == nil || r.Trace.ID != s.SpanContext().TraceID().String() {
			t.Fatal("failure record not linked to its span")
		}
	})

	t.Run("door_decision_claims_the_failure", func(t *testing.T) {
		p, mem, _ := newTestPipeline(t, newEvaluator(t, ""), PipelineOptions{ClaimWindow: time.Minute})
		in := input([]byte("{not json"))
		if _, err := p.Evaluate(context.Background(), in); err == nil {
			t.Fatal("no error")
		}
		// The door fails open and records what it did.
		d := p.DoorDecision(in, evaluator.Allow, "evaluation_failed", 0, "")
		p.Record(context.Background(), d)
		p.Flush(context.Background())
		recs := mem.records()
		if len(recs) != 1 {
			t.Fatalf("%d records for one failed request, want 1", len(recs))
		}
		r := recs[0]
		if r.Sluice.DecisionID != d.ID || r.Event.Outcome != audit.OutcomeFailure || r.Sluice.Decision != "allow" ||
			r.Event.Reason != "evaluation_failed" || !slices.Contains(r.Sluice.Errors, "evaluation failed: "+ReasonBodyNotJSON) {
			t.Fatalf("record %+v / %+v", r.Event, r.Sluice)
		}
	})

	t.Run("cancelled_context", func(t *testing.T) {
		p, mem, _ := newTestPipeline(t, newEvaluator(t, ""), PipelineOptions{ClaimWindow: time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := p.Evaluate(ctx, input(bodyClean))
		if err == nil {
			t.Skip("the evaluator finished before noticing the cancellation")
		}
		waitFor(t, "the failure record", func() bool { return len(mem.records()) == 1 })
		if r := mem.records()[0]; r.Event.Reason != ReasonEvaluationCancel {
			t.Fatalf("reason %q", r.Event.Reason)
		}
	})

	t.Run("failure_reasons", func(t *testing.T) {
		for err, want := range map[error]string{
			evaluator.ErrNotJSON:     ReasonBodyNotJSON,
			context.DeadlineExceeded: ReasonEvaluationTimeout,
			context.Canceled:         ReasonEvaluationCancel,
			evaluator.ErrInternal:    ReasonInternalError,
			errors.New("other"):      ReasonEvaluationFailed,
		} {
			if got := FailureReason(err); got != want {
				t.Errorf("FailureReason(%v) = %s, want %s", err, got, want)
			}
		}
	})
}

func TestRecordDoorDecision(t *testing.T) {
	p, mem, sr := newTestPipeline(t, newEvaluator(t, ""), PipelineOptions{})
	in := input(nil)
	d := p.DoorDecision(in, evaluator.Block, "body_too_large", 413, "The request body is larger than sluice inspects.")
	// A cancelled request is audited all the same.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p.Record(ctx, d)
	p.Record(ctx, nil)
	recs := mem.records()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Sluice.Evaluated || r.Event.Outcome != audit.OutcomeSuccess || r.Sluice.Decision != "block" ||
		r.Event.Reason != "body_too_large" || r.Sluice.Status != 413 || r.User.ID != "alice@example.com" {
		t.Fatalf("record %+v / %+v", r.Event, r.Sluice)
	}
	if len(sr.Ended()) != 0 {
		t.Fatal("a door decision made a span")
	}
}

func TestCheckRecordsNothing(t *testing.T) {
	p, mem, sr := newTestPipeline(t, newEvaluator(t, "enforce"), PipelineOptions{})
	d, err := p.Check(context.Background(), input(bodySecret))
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != evaluator.Block {
		t.Fatalf("verdict %s", d.Verdict)
	}
	if len(mem.records()) != 0 || len(sr.Ended()) != 0 {
		t.Fatal("Check recorded or traced")
	}
	// The door records the check that ended the stream: it was evaluated.
	p.Record(context.Background(), d)
	if r := mem.records(); len(r) != 1 || !r[0].Sluice.Evaluated || r[0].Sluice.Decision != "block" || r[0].Sluice.FindingCount == 0 {
		t.Fatalf("records %+v", r)
	}
}

func TestSwap(t *testing.T) {
	p, mem, _ := newTestPipeline(t, newEvaluator(t, "monitor"), PipelineOptions{})
	if d, _ := p.Evaluate(context.Background(), input(bodySecret)); d.Verdict != evaluator.Allow {
		t.Fatalf("monitor: %s", d.Verdict)
	}
	p.Swap(newEvaluator(t, "enforce"))
	p.Swap(nil) // ignored
	if d, _ := p.Evaluate(context.Background(), input(bodySecret)); d.Verdict != evaluator.Block {
		t.Fatalf("after swap to enforce: %s", d.Verdict)
	}
	if n := len(mem.records()); n != 2 {
		t.Fatalf("%d records", n)
	}
}

func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig(dir)
	p, _, _ := newTestPipeline(t, newEvaluator(t, "enforce"), PipelineOptions{Config: cfg, ClaimWindow: time.Millisecond})
	ctx := context.Background()
	// Expected counts follow what the detectors decide (the card body may
	// also read as an instruction to some classifier).
	want := map[string]int{}
	for _, b := range [][]byte{bodySecret, bodySecret, bodyCard, bodyClean} {
		d, err := p.Evaluate(ctx, input(b))
		if err != nil {
			t.Fatal(err)
		}
		want[fmt.Sprintf(`sluice_decisions_total{decision="%s",door="envoy",mode="%s",outcome="success",would_be="%s"}`,
			d.Verdict, orNone(modeOf(d)), d.WouldBe)]++
		if b[0] == bodyCard[0] && string(b) == string(bodyCard) {
			want[fmt.Sprintf(`sluice_decision_categories_total{category="pii",decision="%s"}`, d.Verdict)]++
		}
	}
	p.Evaluate(ctx, input([]byte("nope")))
	// A failure the door answers counts once, as the door's decision.
	in := input([]byte("{broken"))
	p.Evaluate(ctx, in)
	p.Record(ctx, p.DoorDecision(in, evaluator.Block, "evaluation_failed", 503, "unavailable"))
	p.Record(ctx, p.DoorDecision(input(nil), evaluator.Allow, "no_body", 0, ""))
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Ready(); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	p.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	want[`sluice_decisions_total{decision="allow",door="envoy",mode="none",outcome="success",would_be="allow"}`]++ // the door decision
	lines := []string{
		`sluice_decisions_total{decision="error",door="envoy",mode="none",outcome="failure",would_be="none"} 1`,
		`sluice_decision_categories_total{category="secret",decision="block"} 2`,
		`sluice_rule_matches_total{action="block",mode="enforce",rule="block-secrets"} 2`,
		`sluice_decisions_total{decision="block",door="envoy",mode="none",outcome="failure",would_be="block"} 1`,
		`sluice_evaluation_failures_total{door="envoy",reason="body_not_json"} 2`,
		`sluice_evaluation_duration_seconds_count{door="envoy"} 6`,
		`sluice_audit_records_total 7`,
		`sluice_audit_sink_written_total{sink="sqlite"} 7`,
		`sluice_audit_sink_dropped_total{sink="sqlite"} 0`,
		`sluice_audit_sink_queue_depth{sink="sqlite"} 0`,
		`sluice_audit_sink_spooled_bytes{sink="sqlite"} 0`,
		`sluice_audit_sink_ready{sink="sqlite"} 1`,
		`sluice_audit_sink_last_error_timestamp_seconds{sink="sqlite"} 0`,
		`go_goroutines`,
	}
	for l, n := range want {
		lines = append(lines, fmt.Sprintf("%s %d", l, n))
	}
	for _, line := range lines {
		if !strings.Contains(text, line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", grep(text, "sluice_"))
	}
	noPlanted(t, "/metrics", text)
	// The store holds the same seven records.
	st, err := store.OpenReadOnly(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	if n, _ := st.Count(ctx, store.Filter{}); n != 7 {
		t.Fatalf("store holds %d records, want 7", n)
	}
}

func grep(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestNewPipelineErrors(t *testing.T) {
	if _, err := NewPipeline(nil, PipelineOptions{}); err == nil {
		t.Fatal("nil evaluator accepted")
	}
	cfg := DefaultConfig(t.TempDir())
	cfg.Capture = "full"
	if _, err := NewPipeline(newEvaluator(t, ""), PipelineOptions{Config: cfg}); err == nil || !strings.Contains(err.Error(), "capture") {
		t.Fatalf("bad capture: %v", err)
	}
	cfg = DefaultConfig(t.TempDir())
	cfg.Elasticsearch.Enabled = true
	if _, err := NewPipeline(newEvaluator(t, ""), PipelineOptions{Config: cfg}); err == nil || !strings.Contains(err.Error(), "audit.elasticsearch.addresses") {
		t.Fatalf("elasticsearch without addresses: %v", err)
	}
}

func TestEngineShape(t *testing.T) {
	// Doors discover DoorDecision through an interface assertion.
	var e evaluator.Engine = &Pipeline{}
	if _, ok := e.(interface {
		DoorDecision(evaluator.Input, evaluator.Verdict, string, int, string) *evaluator.Decision
	}); !ok {
		t.Fatal("Pipeline does not offer DoorDecision")
	}
	// extproc checks streamed responses without recording each chunk.
	if _, ok := e.(interface {
		Check(context.Context, evaluator.Input) (*evaluator.Decision, error)
	}); !ok {
		t.Fatal("Pipeline does not offer Check")
	}
}
