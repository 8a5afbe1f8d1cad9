package telemetry

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

func TestExtractHeaders(t *testing.T) {
	const w3cTrace, w3cSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	tests := []struct {
		name    string
		headers map[string]string
		trace   string // "" for no context
		span    string
		sampled bool
	}{
		{"none", nil, "", "", false},
		{"traceparent", map[string]string{"traceparent": "00-" + w3cTrace + "-" + w3cSpan + "-01"}, w3cTrace, w3cSpan, true},
		{"traceparent_not_sampled", map[string]string{"traceparent": "00-" + w3cTrace + "-" + w3cSpan + "-00"}, w3cTrace, w3cSpan, false},
		{"b3_multi", map[string]string{"x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", "x-b3-spanid": "e457b5a2e4d86bd1", "x-b3-sampled": "1"},
			"80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", true},
		{"b3_multi_64bit_trace", map[string]string{"x-b3-traceid": "a3ce929d0e0e4736", "x-b3-spanid": "e457b5a2e4d86bd1"},
			"0000000000000000a3ce929d0e0e4736", "e457b5a2e4d86bd1", false},
		{"b3_multi_debug", map[string]string{"x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", "x-b3-spanid": "e457b5a2e4d86bd1", "x-b3-flags": "1"},
			"80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", true},
		{"b3_single", map[string]string{"b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"},
			"80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", true},
		{"b3_single_debug", map[string]string{"b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d"},
			"80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", true},
		{"b3_single_deny_only", map[string]string{"b3": "0"}, "", "", false},
		{"b3_bad_trace", map[string]string{"x-b3-traceid": "xyz", "x-b3-spanid": "e457b5a2e4d86bd1"}, "", "", false},
		{"b3_bad_sampled", map[string]string{"b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-7"}, "", "", false},
		{"traceparent_wins_over_b3", map[string]string{
			"traceparent":  "00-" + w3cTrace + "-" + w3cSpan + "-01",
			"x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", "x-b3-spanid": "e457b5a2e4d86bd1", "x-b3-sampled": "1",
		}, w3cTrace, w3cSpan, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := trace.SpanContextFromContext(ExtractHeaders(context.Background(), tt.headers))
			if tt.trace == "" {
				if sc.IsValid() {
					t.Fatalf("context extracted: %v", sc)
				}
				return
			}
			if sc.TraceID().String() != tt.trace || sc.SpanID().String() != tt.span || sc.IsSampled() != tt.sampled || !sc.IsRemote() {
				t.Fatalf("got trace %s span %s sampled %v remote %v", sc.TraceID(), sc.SpanID(), sc.IsSampled(), sc.IsRemote())
			}
		})
	}

	t.Run("b3_inject_round_trip", func(t *testing.T) {
		ctx := ExtractHeaders(context.Background(), map[string]string{"traceparent": "00-" + w3cTrace + "-" + w3cSpan + "-01"})
		carrier := propagation.MapCarrier{}
		b3{}.Inject(ctx, carrier)
		if carrier[b3TraceID] != w3cTrace || carrier[b3SpanID] != w3cSpan || carrier[b3Sampled] != "1" {
			t.Fatalf("injected %v", carrier)
		}
		sc := trace.SpanContextFromContext(b3{}.Extract(context.Background(), carrier))
		if sc.TraceID().String() != w3cTrace {
			t.Fatalf("round trip lost the trace: %v", sc)
		}
		if len(b3{}.Fields()) == 0 {
			t.Fatal("no fields")
		}
	})
}

func TestTracingConfig(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		enabled  bool
		protocol string
		endpoint string
		err      string // substring of the error, "" for none
	}{
		{"unset_is_off", nil, false, "", "", ""},
		{"none", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false, "", "", ""},
		{"sdk_disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false, "", "", ""},
		{"endpoint_turns_it_on", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			true, "http/protobuf", "http://collector:4318/v1/traces", ""},
		{"traces_endpoint_used_as_is", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector/custom/path"},
			true, "http/protobuf", "https://collector/custom/path", ""},
		{"otlp_default_endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, "http/protobuf", "http://localhost:4318/v1/traces", ""},
		{"grpc", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, true, "grpc", "http://localhost:4317", ""},
		{"grpc_traces_protocol_wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317",
			"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}, true, "grpc", "http://c:4317", ""},
		{"bad_exporter", map[string]string{"OTEL_TRACES_EXPORTER": "jaeger"}, false, "", "", "OTEL_TRACES_EXPORTER"},
		{"bad_protocol", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, false, "", "", "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{"bad_endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, false, "", "", "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"bad_sampler", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "sometimes"}, false, "", "", "OTEL_TRACES_SAMPLER"},
		{"bad_sampler_arg", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}, false, "", "", "OTEL_TRACES_SAMPLER_ARG"},
		{"bad_timeout", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, false, "", "", "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{"bad_headers", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "authorization"}, false, "", "", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
		{"bad_compression", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, false, "", "", "OTEL_EXPORTER_OTLP_COMPRESSION"},
		{"bad_disabled", map[string]string{"OTEL_SDK_DISABLED": "maybe"}, false, "", "", "OTEL_SDK_DISABLED"},
		{"bad_resource", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_RESOURCE_ATTRIBUTES": "=x"}, false, "", "", "OTEL_RESOURCE_ATTRIBUTES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tracingConfigFromEnv(envMap(tt.env))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one naming %s", err, tt.err)
				}
				// SetupTracing refuses to start on it too.
				if _, err := SetupTracing(context.Background(), envMap(tt.env)); err == nil {
					t.Fatal("SetupTracing accepted an invalid setting")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.enabled != tt.enabled || (tt.enabled && (cfg.protocol != tt.protocol || cfg.endpoint != tt.endpoint)) {
				t.Fatalf("got enabled %v protocol %q endpoint %q", cfg.enabled, cfg.protocol, cfg.endpoint)
			}
		})
	}

	t.Run("headers_never_echoed", func(t *testing.T) {
		_, err := tracingConfigFromEnv(envMap(map[string]string{"OTEL_TRACES_EXPORTER": "otlp",
			"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20topsecretvalue,broken"}))
		if err == nil || strings.Contains(err.Error(), "topsecretvalue") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("resource_and_headers", func(t *testing.T) {
		cfg, err := tracingConfigFromEnv(envMap(map[string]string{"OTEL_TRACES_EXPORTER": "otlp",
			"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20abc,x-tenant=t1", "OTEL_SERVICE_NAME": "gw",
			"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,service.name=ignored"}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.headers["authorization"] != "Bearer abc" || cfg.headers["x-tenant"] != "t1" {
			t.Fatalf("headers %v", cfg.headers)
		}
		res := map[string]string{}
		for _, kv := range cfg.resource {
			res[string(kv.Key)] = kv.Value.AsString()
		}
		if res["service.name"] != "gw" || res["deployment.environment"] != "prod" {
			t.Fatalf("resource %v", res)
		}
	})

	t.Run("off_is_a_noop", func(t *testing.T) {
		shutdown, err := SetupTracing(context.Background(), envMap(nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestOTLPExport sends the evaluation span to fake collectors on 127.0.0.1
// over both OTLP protocols, through SetupTracing and the global provider
// the pipeline uses by default.
func TestOTLPExport(t *testing.T) {
	grpcC := newGRPCCollector(t)
	httpC, httpSrv := newHTTPCollector(t)
	tests := []struct {
		name string
		env  map[string]string
		c    *grpcCollector
	}{
		{"grpc", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + grpcC.addr,
			"OTEL_SERVICE_NAME": "sluice-test"}, grpcC},
		{"http_gzip", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": httpSrv.URL, "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
			"OTEL_SERVICE_NAME": "sluice-test"}, httpC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer otel.SetTracerProvider(noop.NewTracerProvider())
			shutdown, err := SetupTracing(context.Background(), envMap(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewPipeline(newEvaluator(t, "enforce"), PipelineOptions{Logger: testLogger(&syncBuffer{})})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(context.Background())
			ctx := ExtractHeaders(context.Background(), map[string]string{
				"x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", "x-b3-spanid": "e457b5a2e4d86bd1", "x-b3-sampled": "1"})
			d, err := p.Evaluate(ctx, input(bodySecret))
			if err != nil {
				t.Fatal(err)
			}
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := shutdown(sctx); err != nil {
				t.Fatal(err)
			}
			spans, raw := tt.c.received()
			var found bool
			for _, s := range spans {
				if s.Name != SpanEvaluate {
					continue
				}
				found = true
				if got := traceHex(s.TraceId); got != "80f198ee56343ba864fe8b2a57d3eff7" {
					t.Errorf("exported trace id %s", got)
				}
				attrs := map[string]string{}
				for _, kv := range s.Attributes {
					attrs[kv.Key] = kv.Value.GetStringValue()
				}
				if attrs[AttrSluiceDecisionID] != d.ID || attrs[AttrSluiceDecision] != "block" || attrs[AttrGenAIRequestModel] != "gpt-4o" {
					t.Errorf("exported attributes %v", attrs)
				}
				if len(s.Events) == 0 {
					t.Error("no finding events exported")
				}
			}
			if !found {
				t.Fatalf("no %s span among %d exported", SpanEvaluate, len(spans))
			}
			for _, r := range raw {
				noPlanted(t, "OTLP export", string(r))
			}
		})
	}
}

func traceHex(b []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}
