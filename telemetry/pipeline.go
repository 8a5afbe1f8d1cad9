// Package telemetry is what wraps sluice's evaluator for serving: every
// evaluation gets an OpenTelemetry span, Prometheus metrics and an audit
// record delivered to the configured sinks (the embedded SQLite store by
// default; Elasticsearch, NDJSON and stdout on request).
//
// Pipeline implements evaluator.Engine, so doors hold it exactly as they
// would hold a bare evaluator. Nothing on the request path waits for a
// sink or a trace exporter: records are handed to bounded queues drained
// in the background, and spans are batched by the OpenTelemetry SDK.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/sink"
)

// Failure reason codes of evaluations that produced no decision.
const (
	ReasonBodyNotJSON       = "body_not_json"
	ReasonEvaluationTimeout = "evaluation_timeout"
	ReasonEvaluationCancel  = "evaluation_cancelled"
	ReasonInternalError     = "internal_error"
	ReasonEvaluationFailed  = "evaluation_failed"
)

// FailureReason maps an Evaluate error to its stable reason code.
func FailureReason(err error) string {
	switch {
	case errors.Is(err, evaluator.ErrNotJSON):
		return ReasonBodyNotJSON
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonEvaluationTimeout
	case errors.Is(err, context.Canceled):
		return ReasonEvaluationCancel
	case errors.Is(err, evaluator.ErrInternal):
		return ReasonInternalError
	}
	return ReasonEvaluationFailed
}

// PipelineOptions configure a Pipeline.
type PipelineOptions struct {
	// Config selects and configures the sinks; see DefaultConfig. A zero
	// Config has no sink.
	Config Config
	// Sinks are added to the configured ones (tests, custom destinations).
	Sinks []sink.Sink
	// Logger receives sink errors (at error level: drops, rejections) and
	// warnings. Default slog.Default().
	Logger *slog.Logger
	// TracerProvider makes the evaluation spans (default: the global one,
	// which SetupTracing configures).
	TracerProvider trace.TracerProvider
	// Stdout is where the stdout sink writes (default os.Stdout).
	Stdout io.Writer
	// Hostname and Version describe this instance in records (observer.*).
	Hostname, Version string
	// ClaimWindow is how long the record of a failed evaluation waits for
	// the door's decision about it (DoorDecision, then Record) so that the
	// two become one record (default 2s).
	ClaimWindow time.Duration
}

// Pipeline is the serving engine: evaluator + tracing + metrics + audit.
type Pipeline struct {
	ev      atomic.Pointer[evaluator.Evaluator]
	sinks   []sink.Sink
	tracer  trace.Tracer
	metrics *metrics
	log     *slog.Logger
	capture audit.Capture
	maxCap  int
	host    string
	version string
	window  time.Duration

	// Failed evaluations waiting for the door's decision about them.
	mu      sync.Mutex
	pending map[string]*failure
	claimed map[string]*failure // by the door decision's id
	closed  bool
}

// failure is a failed evaluation whose record is held for ClaimWindow.
type failure struct {
	d      *evaluator.Decision // what is known: identity, API, time; no verdict
	reason string
	trace  trace.SpanContext
	timer  *time.Timer
	at     time.Time
}

// NewPipeline opens the configured sinks and returns a pipeline around ev.
func NewPipeline(ev *evaluator.Evaluator, opts PipelineOptions) (*Pipeline, error) {
	if ev == nil {
		return nil, errors.New("telemetry: no evaluator")
	}
	capture, err := audit.ParseCapture(opts.Config.Capture)
	if err != nil {
		return nil, fmt.Errorf("audit.capture: %w", err)
	}
	p := &Pipeline{
		log:     opts.Logger,
		capture: capture,
		maxCap:  int(opts.Config.MaxCaptureBytes),
		host:    opts.Hostname,
		version: opts.Version,
		window:  opts.ClaimWindow,
		pending: map[string]*failure{},
		claimed: map[string]*failure{},
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.window <= 0 {
		p.window = 2 * time.Second
	}
	tp := opts.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	p.tracer = tp.Tracer("github.com/sluicehq/sluice/telemetry")
	sinks, err := opts.Config.openSinks(p.sinkLogger, opts.Stdout)
	if err != nil {
		return nil, err
	}
	p.sinks = append(sinks, opts.Sinks...)
	p.metrics = newMetrics(func() []sink.Sink { return p.sinks })
	p.ev.Store(ev)
	return p, nil
}

// sinkLogger adapts slog to the sinks' printf logging: messages that say
// ERROR (drops, rejections, write failures) are logged at error level.
func (p *Pipeline) sinkLogger(name string) sink.Logf {
	return func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if strings.Contains(msg, "ERROR") {
			p.log.Error(msg, "sink", name)
			return
		}
		p.log.Warn(msg, "sink", name)
	}
}

// Swap replaces the evaluator (policy hot reload). Evaluations in flight
// finish with the one they started with.
func (p *Pipeline) Swap(ev *evaluator.Evaluator) {
	if ev != nil {
		p.ev.Store(ev)
	}
}

// Evaluator returns the current evaluator.
func (p *Pipeline) Evaluator() *evaluator.Evaluator { return p.ev.Load() }

var _ evaluator.Engine = (*Pipeline)(nil)

// Evaluate implements evaluator.Engine: it evaluates in a span that is a
// child of the trace context in ctx (see ExtractHeaders) or, when ctx has
// none, of the one in the input's headers; it counts the decision and
// audits it. A failed evaluation is audited too, with outcome
// failure and a reason code.
func (p *Pipeline) Evaluate(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	ev := p.ev.Load()
	if !trace.SpanContextFromContext(ctx).IsValid() && len(in.Headers) > 0 {
		// The door did not extract the caller's trace context: the request
		// headers still carry it.
		ctx = ExtractHeaders(ctx, in.Headers)
	}
	ctx, span := p.tracer.Start(ctx, SpanEvaluate, trace.WithSpanKind(trace.SpanKindInternal))
	defer span.End()
	start := time.Now()
	d, err := ev.Evaluate(ctx, in)
	elapsed := time.Since(start)
	p.metrics.observeDuration(in.Door, elapsed)
	sc := span.SpanContext()
	if err != nil {
		reason := FailureReason(err)
		// Only the reason code: an internal error's text can carry a panic
		// value quoting the body.
		span.SetStatus(codes.Error, reason)
		span.SetAttributes(
			attribute.String(AttrSluiceOutcome, audit.OutcomeFailure),
			attribute.String(AttrSluiceReason, reason),
			attribute.String(AttrSluiceDoor, in.Door),
			attribute.String(AttrSluicePhase, in.Phase.String()),
		)
		p.metrics.failures.WithLabelValues(orNone(in.Door), reason).Inc()
		fd := ev.DoorDecision(in, "", reason, 0, "")
		fd.Verdict, fd.WouldBe, fd.Time, fd.Duration = "", "", start, elapsed
		// Counted as a decision when its record is made: on its own, or
		// folded into the door's decision about it.
		p.hold(in, &failure{d: fd, reason: reason, trace: sc, at: start})
		return nil, err
	}
	mode := p.annotate(span, d)
	p.metrics.observe(d, mode, audit.OutcomeSuccess)
	p.emit(d, sc, audit.Options{Evaluated: true})
	return d, nil
}

// annotate sets the span's attributes and finding events, and returns the
// mode of the matched rules.
func (p *Pipeline) annotate(span trace.Span, d *evaluator.Decision) string {
	mode := ""
	var rules []string
	var cats []string
	for _, m := range d.Matches {
		if m.Rule != nil {
			rules = append(rules, m.Rule.ID)
		}
		if m.Enforced {
			mode = "enforce"
		} else if mode == "" {
			mode = "monitor"
		}
	}
	counted := 0
	for i := range d.Findings {
		f := &d.Findings[i]
		if f.Excepted != "" {
			continue
		}
		counted++
		if !contains(cats, string(f.Category)) {
			cats = append(cats, string(f.Category))
		}
	}
	if !span.IsRecording() {
		return mode
	}
	attrs := []attribute.KeyValue{
		attribute.String(AttrSluiceDecision, string(d.Verdict)),
		attribute.String(AttrSluiceWouldBe, string(d.WouldBe)),
		attribute.String(AttrSluiceReason, d.Reason),
		attribute.String(AttrSluiceDecisionID, d.ID),
		attribute.String(AttrSluiceDoor, d.Door),
		attribute.String(AttrSluiceOutcome, audit.OutcomeSuccess),
		attribute.Int(AttrSluiceFindingCount, counted),
		attribute.String(AttrSluicePolicyHash, d.PolicyHash),
	}
	if d.PolicyName != "" {
		attrs = append(attrs, attribute.String(AttrSluicePolicyName, d.PolicyName))
	}
	if mode != "" {
		attrs = append(attrs, attribute.String(AttrSluiceMode, mode))
	}
	if d.Rule != "" {
		attrs = append(attrs, attribute.String(AttrSluiceRule, d.Rule))
	}
	if len(rules) > 0 {
		attrs = append(attrs, attribute.StringSlice(AttrSluiceRules, rules))
	}
	if len(cats) > 0 {
		attrs = append(attrs, attribute.StringSlice(AttrSluiceCategories, cats))
	}
	if ix := d.Interaction; ix != nil {
		attrs = append(attrs,
			attribute.String(AttrSluicePhase, ix.Phase.String()),
			attribute.String(AttrSluiceAPI, ix.API),
		)
		if v := audit.ProviderName(ix); v != "" {
			attrs = append(attrs, attribute.String(AttrGenAIProviderName, v))
		}
		if ix.Model != "" {
			attrs = append(attrs, attribute.String(AttrGenAIRequestModel, ix.Model))
		}
		if v := ix.Operation(); v != "" {
			attrs = append(attrs, attribute.String(AttrGenAIOperationName, v))
		}
		if ix.SessionID != "" {
			attrs = append(attrs, attribute.String(AttrGenAIConversationID, ix.SessionID))
		}
		if ix.RequestID != "" {
			attrs = append(attrs, attribute.String(AttrSluiceRequestID, ix.RequestID))
		}
		if ix.Agent.Name != "" {
			attrs = append(attrs, attribute.String(AttrSluiceAgent, ix.Agent.Name))
		}
		if ix.Usage.InputTokens > 0 {
			attrs = append(attrs, attribute.Int64(AttrGenAIUsageInputTokens, ix.Usage.InputTokens))
		}
		if ix.Usage.OutputTokens > 0 {
			attrs = append(attrs, attribute.Int64(AttrGenAIUsageOutputTokens, ix.Usage.OutputTokens))
		}
	}
	span.SetAttributes(attrs...)
	// One event per finding, without evidence: a span goes to a tracing
	// backend, where no value of the traffic belongs.
	for i := range d.Findings {
		if i == maxFindingEvents {
			break
		}
		f := &d.Findings[i]
		ea := []attribute.KeyValue{
			attribute.String(AttrSluiceFindingCategory, string(f.Category)),
			attribute.String(AttrSluiceFindingDetector, f.Detector),
			attribute.String(AttrSluiceFindingSeverity, f.Severity.String()),
			attribute.String(AttrSluiceFindingLocation, f.Location),
			attribute.Float64(AttrSluiceFindingConfidence, f.Confidence),
		}
		if f.Excepted != "" {
			ea = append(ea, attribute.String(AttrSluiceFindingExcepted, f.Excepted))
		}
		span.AddEvent(EventFinding, trace.WithAttributes(ea...))
	}
	return mode
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Check evaluates without recording: doors use it for intermediate checks
// of a streamed response (after each chunk), of which only the decision
// that ends the response, or the evaluation of the whole of it, is
// recorded (with Record). It observes the evaluation latency only: no
// span, no decision counted, no audit record.
func (p *Pipeline) Check(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	start := time.Now()
	d, err := p.ev.Load().Evaluate(ctx, in)
	p.metrics.observeDuration(in.Door, time.Since(start))
	return d, err
}

// evaluatorReasons are the reason codes only an evaluation produces: a
// recorded decision carrying one was evaluated (a streamed response's
// Check result), not made by a door on its own.
var evaluatorReasons = map[string]bool{
	evaluator.ReasonNoFinding: true, evaluator.ReasonNoMatch: true, evaluator.ReasonLogged: true,
	evaluator.ReasonMonitor: true, evaluator.ReasonPolicyBlock: true, evaluator.ReasonPolicyRedact: true,
	evaluator.ReasonRedactionImpossible: true,
}

// DoorDecision builds the decision for traffic a door decided on without a
// successful evaluation (see evaluator.Evaluator.DoorDecision). When it
// answers a failed evaluation of the same request, the pipeline's record of
// the failure is folded into the door's: one record, outcome failure, with
// the door's verdict.
func (p *Pipeline) DoorDecision(in evaluator.Input, v evaluator.Verdict, reason string, status int, message string) *evaluator.Decision {
	d := p.ev.Load().DoorDecision(in, v, reason, status, message)
	key := failureKey(&in)
	p.mu.Lock()
	if f := p.pending[key]; f != nil {
		delete(p.pending, key)
		f.timer.Stop()
		p.claimed[d.ID] = f
		p.sweepLocked()
	}
	p.mu.Unlock()
	return d
}

// Record implements evaluator.Engine: it audits a decision a door made
// without a full evaluation, or one it got from Check. It uses a context
// detached from cancellation: a cancelled request is audited all the same.
func (p *Pipeline) Record(ctx context.Context, d *evaluator.Decision) {
	if d == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	sc := trace.SpanContextFromContext(ctx)
	p.mu.Lock()
	f := p.claimed[d.ID]
	delete(p.claimed, d.ID)
	p.mu.Unlock()
	o := audit.Options{Evaluated: evaluatorReasons[d.Reason]}
	outcome := audit.OutcomeSuccess
	if f != nil {
		o.Failed, outcome = true, audit.OutcomeFailure
		o.Errors = []string{"evaluation failed: " + f.reason}
		if d.Duration == 0 {
			o.Duration = f.d.Duration
		}
		if !sc.IsValid() {
			sc = f.trace
		}
	}
	p.metrics.observe(d, modeOf(d), outcome)
	p.emit(d, sc, o)
}

func modeOf(d *evaluator.Decision) string {
	mode := ""
	for _, m := range d.Matches {
		if m.Enforced {
			return "enforce"
		}
		mode = "monitor"
	}
	return mode
}

// failureKey identifies a request between its failed evaluation and the
// door's decision about it: the door passes the same input to both.
func failureKey(in *evaluator.Input) string {
	ua := in.UserAgent
	if ua == "" {
		ua = in.Headers["user-agent"]
	}
	var b strings.Builder
	for _, s := range []string{in.Door, in.Phase.String(), in.Path, in.API, in.RequestID, in.Headers["x-request-id"],
		in.SessionID, in.SourceIP, ua, in.Principal.ID, strconv.Itoa(len(in.Body))} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	return b.String()
}

// hold keeps a failure's record for the claim window.
func (p *Pipeline) hold(in evaluator.Input, f *failure) {
	key := failureKey(&in)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		p.emitFailure(f)
		return
	}
	if old := p.pending[key]; old != nil {
		// Same key twice: the older one is not going to be claimed.
		old.timer.Stop()
		p.emitFailure(old)
	}
	p.pending[key] = f
	f.timer = time.AfterFunc(p.window, func() {
		p.mu.Lock()
		if p.pending[key] == f {
			delete(p.pending, key)
			p.emitFailure(f)
		}
		p.mu.Unlock()
	})
}

// sweepLocked emits failures claimed by a door decision that was never
// recorded, so that nothing is lost.
func (p *Pipeline) sweepLocked() {
	cutoff := time.Now().Add(-time.Minute)
	for id, f := range p.claimed {
		if f.at.Before(cutoff) {
			delete(p.claimed, id)
			p.emitFailure(f)
		}
	}
}

func (p *Pipeline) emitFailure(f *failure) {
	p.metrics.observe(f.d, "", audit.OutcomeFailure)
	p.emit(f.d, f.trace, audit.Options{Failed: true})
}

// emit builds the record and hands it to every sink without waiting.
func (p *Pipeline) emit(d *evaluator.Decision, sc trace.SpanContext, o audit.Options) {
	o.Capture, o.MaxCaptureBytes, o.Hostname, o.Version = p.capture, p.maxCap, p.host, p.version
	if sc.IsValid() {
		o.TraceID, o.SpanID = sc.TraceID().String(), sc.SpanID().String()
	}
	e := audit.NewEntry(audit.FromDecision(d, o))
	for _, s := range p.sinks {
		s.Enqueue(e)
	}
	p.metrics.records.Inc()
}

// MetricsHandler serves the pipeline's metrics in the Prometheus text
// format (mount it at /metrics).
func (p *Pipeline) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(p.metrics.reg, promhttp.HandlerOpts{ErrorLog: nil})
}

// Ready reports whether every sink can take records (for /readyz).
func (p *Pipeline) Ready() error {
	var errs []error
	for _, s := range p.sinks {
		if err := s.Ready(); err != nil {
			errs = append(errs, fmt.Errorf("audit sink %s: %w", s.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// Flush waits until the records made so far are written (or spooled) by
// every sink. Held failure records are emitted first.
func (p *Pipeline) Flush(ctx context.Context) error {
	p.releaseFailures()
	var errs []error
	for _, s := range p.sinks {
		if err := s.Flush(ctx); err != nil {
			errs = append(errs, fmt.Errorf("audit sink %s: %w", s.Name(), err))
		}
	}
	return errors.Join(errs...)
}

func (p *Pipeline) releaseFailures() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, f := range p.pending {
		f.timer.Stop()
		delete(p.pending, key)
		p.emitFailure(f)
	}
}

// Close emits held failure records and closes every sink, which flush
// what they hold (the Elasticsearch sink keeps what it cannot deliver in
// its spool for the next start) until ctx ends.
func (p *Pipeline) Close(ctx context.Context) error {
	p.releaseFailures()
	p.mu.Lock()
	p.closed = true
	for id, f := range p.claimed {
		delete(p.claimed, id)
		p.emitFailure(f)
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(p.sinks))
	for i, s := range p.sinks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Close(ctx); err != nil {
				errs[i] = fmt.Errorf("audit sink %s: %w", s.Name(), err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// closedCtx bounds closing sinks that were opened before a later one
// failed to open: they hold nothing yet.
func closedCtx() context.Context { return context.Background() }
