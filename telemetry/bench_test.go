package telemetry

import (
	"context"
	"testing"

	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/sink"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// BenchmarkEvaluate compares the bare evaluator with the pipeline around
// it (span, metrics, record built and handed to the SQLite sink), to show
// what telemetry adds to the request path.
func BenchmarkEvaluate(b *testing.B) {
	ev := newEvaluator(b, "")
	in := input(bodySecret)
	ctx := context.Background()
	b.Run("bare_evaluator", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := ev.Evaluate(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	sampled := func() *sdktrace.TracerProvider {
		return sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	}
	for _, tc := range []struct {
		name   string
		sqlite bool // false: records are built and dropped (request path only)
		tp     func() *sdktrace.TracerProvider
	}{
		{"pipeline_request_path", false, nil},
		{"pipeline_request_path_sampled_span", false, sampled},
		// With the store, its background writer shares the two cores with
		// the loop: this is throughput of the whole, not latency.
		{"pipeline_with_sqlite", true, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			o := PipelineOptions{Logger: testLogger(&syncBuffer{})}
			if tc.sqlite {
				o.Config = DefaultConfig(b.TempDir())
				o.Config.SQLite.QueueSize = 1 << 20
			} else {
				o.Sinks = []sink.Sink{discard{}}
			}
			if tc.tp != nil {
				o.TracerProvider = tc.tp()
			} else {
				o.TracerProvider = noop.NewTracerProvider()
			}
			p, err := NewPipeline(ev, o)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(ctx)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Evaluate(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
		})
	}
}

// discard is a sink that drops records without encoding them.
type discard struct{}

func (discard) Name() string                { return "discard" }
func (discard) Enqueue(*audit.Entry)        {}
func (discard) Flush(context.Context) error { return nil }
func (discard) Close(context.Context) error { return nil }
func (discard) Ready() error                { return nil }
func (discard) Stats() sink.Stats           { return sink.Stats{} }
