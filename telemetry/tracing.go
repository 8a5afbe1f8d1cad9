package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Propagator reads (and writes) trace context in the headers Envoy and
// other proxies send: W3C traceparent/tracestate, W3C baggage and B3
// (single or multi-header). When a request carries both, traceparent wins.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(b3{}, propagation.TraceContext{}, propagation.Baggage{})
}

var headerPropagator = Propagator()

// ExtractHeaders returns ctx carrying the trace context of a request's
// headers (names in lower case, as doors hold them), so that the span of
// the evaluation is a child of the caller's. Without trace headers ctx is
// returned unchanged.
func ExtractHeaders(ctx context.Context, headers map[string]string) context.Context {
	if len(headers) == 0 {
		return ctx
	}
	return headerPropagator.Extract(ctx, propagation.MapCarrier(headers))
}

// SetupTracing configures OpenTelemetry tracing from the standard OTEL_*
// environment variables, read through getenv (os.Getenv in production).
//
// Tracing is off (shutdown is a no-op) unless OTEL_TRACES_EXPORTER is
// "otlp" or an OTLP endpoint is set, and always off with
// OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Supported:
// OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,PROTOCOL (grpc, http/protobuf),
// HEADERS,TIMEOUT,COMPRESSION (gzip, none),INSECURE}, OTEL_TRACES_SAMPLER
// (+_ARG), OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. An invalid or
// unsupported value is an error naming the variable: a server that was
// asked to trace and cannot must not start silently without it.
//
// On success the tracer provider and the propagator (Propagator) become
// the global ones. shutdown flushes buffered spans.
func SetupTracing(ctx context.Context, getenv func(string) string) (shutdown func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	cfg, err := tracingConfigFromEnv(getenv)
	if err != nil {
		return noop, err
	}
	otel.SetTextMapPropagator(Propagator())
	if !cfg.enabled {
		return noop, nil
	}
	var exp sdktrace.SpanExporter
	switch cfg.protocol {
	case "grpc":
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpointURL(cfg.endpoint), otlptracegrpc.WithTimeout(cfg.timeout)}
		if cfg.insecure {
			opts = append(opts, otlptracegrpc.WithInsecure())
		}
		if len(cfg.headers) > 0 {
			opts = append(opts, otlptracegrpc.WithHeaders(cfg.headers))
		}
		if cfg.gzip {
			opts = append(opts, otlptracegrpc.WithCompressor("gzip"))
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	default:
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(cfg.endpoint), otlptracehttp.WithTimeout(cfg.timeout)}
		if cfg.insecure {
			opts = append(opts, otlptracehttp.WithInsecure())
		}
		if len(cfg.headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(cfg.headers))
		}
		if cfg.gzip {
			opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		} else {
			opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.NoCompression))
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	}
	if err != nil {
		return noop, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(cfg.resource...)),
		sdktrace.WithSampler(cfg.sampler),
	)
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

type tracingConfig struct {
	enabled  bool
	protocol string // "grpc" or "http/protobuf"
	endpoint string // full URL
	insecure bool
	headers  map[string]string
	timeout  time.Duration
	gzip     bool
	sampler  sdktrace.Sampler
	resource []attribute.KeyValue
}

// env reads a signal-specific variable, falling back to the generic one.
func env(getenv func(string) string, name string) (string, string) {
	specific := "OTEL_EXPORTER_OTLP_TRACES_" + name
	if v := strings.TrimSpace(getenv(specific)); v != "" {
		return v, specific
	}
	generic := "OTEL_EXPORTER_OTLP_" + name
	return strings.TrimSpace(getenv(generic)), generic
}

func tracingConfigFromEnv(getenv func(string) string) (*tracingConfig, error) {
	cfg := &tracingConfig{}
	bad := func(name, value, want string) error {
		return fmt.Errorf("tracing: %s=%q: %s", name, value, want)
	}
	if v := strings.TrimSpace(getenv("OTEL_SDK_DISABLED")); v != "" {
		off, err := strconv.ParseBool(v)
		if err != nil {
			return nil, bad("OTEL_SDK_DISABLED", v, "want true or false")
		}
		if off {
			return cfg, nil
		}
	}
	endpoint, endpointVar := env(getenv, "ENDPOINT")
	switch v := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); v {
	case "none":
		return cfg, nil
	case "otlp":
		cfg.enabled = true
	case "":
		cfg.enabled = endpoint != ""
	default:
		return nil, bad("OTEL_TRACES_EXPORTER", v, "sluice exports traces with otlp (or none)")
	}
	if !cfg.enabled {
		return cfg, nil
	}

	proto, protoVar := env(getenv, "PROTOCOL")
	switch proto {
	case "", "http/protobuf":
		cfg.protocol = "http/protobuf"
	case "grpc":
		cfg.protocol = "grpc"
	default:
		return nil, bad(protoVar, proto, "want grpc or http/protobuf")
	}

	// Endpoint: the signal-specific variable is the full URL; the generic
	// one is a base to which HTTP appends /v1/traces.
	if endpoint == "" {
		endpoint, endpointVar = "http://localhost:4318", "default"
		if cfg.protocol == "grpc" {
			endpoint = "http://localhost:4317"
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, bad(endpointVar, endpoint, "want an http:// or https:// URL")
	}
	if cfg.protocol == "http/protobuf" && endpointVar == "OTEL_EXPORTER_OTLP_ENDPOINT" {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	}
	if cfg.protocol == "http/protobuf" && endpointVar == "default" {
		u.Path = "/v1/traces"
	}
	cfg.endpoint = u.String()
	cfg.insecure = u.Scheme == "http"
	if v, name := env(getenv, "INSECURE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, bad(name, v, "want true or false")
		}
		cfg.insecure = cfg.insecure || b
	}

	if v, name := env(getenv, "HEADERS"); v != "" {
		h, err := parseKeyValues(v)
		if err != nil {
			return nil, bad(name, "…", err.Error()) // header values are credentials: never echoed
		}
		cfg.headers = h
	}
	cfg.timeout = 10 * time.Second
	if v, name := env(getenv, "TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, bad(name, v, "want a positive number of milliseconds")
		}
		cfg.timeout = time.Duration(ms) * time.Millisecond
	}
	if v, name := env(getenv, "COMPRESSION"); v != "" {
		switch v {
		case "gzip":
			cfg.gzip = true
		case "none":
		default:
			return nil, bad(name, v, "want gzip or none")
		}
	}

	sampler, err := samplerFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	cfg.sampler = sampler

	service := strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	attrs := map[string]string{}
	if v := strings.TrimSpace(getenv("OTEL_RESOURCE_ATTRIBUTES")); v != "" {
		kv, err := parseKeyValues(v)
		if err != nil {
			return nil, bad("OTEL_RESOURCE_ATTRIBUTES", v, err.Error())
		}
		attrs = kv
	}
	if service != "" {
		attrs["service.name"] = service
	} else if attrs["service.name"] == "" {
		attrs["service.name"] = "sluice"
	}
	for k, v := range attrs {
		cfg.resource = append(cfg.resource, attribute.String(k, v))
	}
	return cfg, nil
}

func samplerFromEnv(getenv func(string) string) (sdktrace.Sampler, error) {
	name := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER"))
	arg := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG"))
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return 0, fmt.Errorf("tracing: OTEL_TRACES_SAMPLER_ARG=%q: want a ratio between 0 and 1", arg)
		}
		return r, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.TraceIDRatioBased(r), nil
	case "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), nil
	}
	return nil, fmt.Errorf("tracing: OTEL_TRACES_SAMPLER=%q: want always_on, always_off, traceidratio, "+
		"parentbased_always_on, parentbased_always_off or parentbased_traceidratio", name)
}

// parseKeyValues parses "k1=v1,k2=v2" with percent-encoded values, as the
// OTEL_*_HEADERS and OTEL_RESOURCE_ATTRIBUTES variables are written.
func parseKeyValues(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, errors.New("want comma-separated key=value pairs")
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, errors.New("a value is not valid percent-encoding")
		}
		out[k] = dv
	}
	return out, nil
}
