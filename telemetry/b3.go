package telemetry

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// b3 propagates trace context in Zipkin's B3 headers, which Envoy sends
// when its tracing is configured for Zipkin: the single "b3" header
// ({trace}-{span}[-{sampled}[-{parent}]]) or the x-b3-* headers. Inject
// writes the multi-header form, which every B3 reader accepts.
type b3 struct{}

const (
	b3Single  = "b3"
	b3TraceID = "x-b3-traceid"
	b3SpanID  = "x-b3-spanid"
	b3Sampled = "x-b3-sampled"
	b3Flags   = "x-b3-flags"
	b3Parent  = "x-b3-parentspanid"
)

var _ propagation.TextMapPropagator = b3{}

// Fields implements propagation.TextMapPropagator.
func (b3) Fields() []string {
	return []string{b3Single, b3TraceID, b3SpanID, b3Sampled, b3Flags, b3Parent}
}

// Inject implements propagation.TextMapPropagator.
func (b3) Inject(ctx context.Context, c propagation.TextMapCarrier) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return
	}
	c.Set(b3TraceID, sc.TraceID().String())
	c.Set(b3SpanID, sc.SpanID().String())
	if sc.IsSampled() {
		c.Set(b3Sampled, "1")
	} else {
		c.Set(b3Sampled, "0")
	}
}

// Extract implements propagation.TextMapPropagator. Invalid headers are
// ignored: the span then starts a new trace.
func (b3) Extract(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	var sc trace.SpanContext
	var ok bool
	if v := strings.TrimSpace(c.Get(b3Single)); v != "" {
		sc, ok = parseB3Single(v)
	} else {
		sc, ok = parseB3Multi(c.Get(b3TraceID), c.Get(b3SpanID), c.Get(b3Sampled), c.Get(b3Flags))
	}
	if !ok {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}

func parseB3Single(v string) (trace.SpanContext, bool) {
	parts := strings.Split(v, "-")
	if len(parts) < 2 || len(parts) > 4 {
		return trace.SpanContext{}, false // a lone sampling state carries no context
	}
	sampled := ""
	if len(parts) >= 3 {
		sampled = parts[2]
		if sampled != "0" && sampled != "1" && sampled != "d" {
			return trace.SpanContext{}, false
		}
	}
	flags := ""
	if sampled == "d" {
		sampled, flags = "", "1"
	}
	if len(parts) == 4 {
		if _, err := trace.SpanIDFromHex(parts[3]); err != nil {
			return trace.SpanContext{}, false
		}
	}
	return parseB3Multi(parts[0], parts[1], sampled, flags)
}

func parseB3Multi(traceID, spanID, sampled, flags string) (trace.SpanContext, bool) {
	traceID, spanID = strings.ToLower(strings.TrimSpace(traceID)), strings.ToLower(strings.TrimSpace(spanID))
	if len(traceID) == 16 {
		traceID = "0000000000000000" + traceID // 64-bit trace ids are left-padded
	}
	tid, err := trace.TraceIDFromHex(traceID)
	if err != nil {
		return trace.SpanContext{}, false
	}
	sid, err := trace.SpanIDFromHex(spanID)
	if err != nil {
		return trace.SpanContext{}, false
	}
	cfg := trace.SpanContextConfig{TraceID: tid, SpanID: sid, Remote: true}
	switch strings.TrimSpace(flags) {
	case "1":
		cfg.TraceFlags = trace.FlagsSampled // debug implies sampled
	case "":
	default:
		return trace.SpanContext{}, false
	}
	switch strings.ToLower(strings.TrimSpace(sampled)) {
	case "1", "true":
		cfg.TraceFlags = trace.FlagsSampled
	case "0", "false", "":
	default:
		return trace.SpanContext{}, false
	}
	sc := trace.NewSpanContext(cfg)
	return sc, sc.IsValid()
}
