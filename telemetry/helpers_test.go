package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/policy"
)

// Bodies with planted secret and personal values the default detectors
// find. None of these values may reach a sink, a log line or a span.
var planted = []string{
	"AKIAQWERTYUIOPASDFGH",
	"4539 1488 0343 6467",
	"GB82 WEST 1234 5698 7654 32",
	"jane.doe@example.org",
	// A well-known test card number: no detector reports it (it is not
	// personal data), so only the record's own scrubbing keeps it out.
	"4111 1111 1111 1111",
}

func chatBody(text string) []byte {
	return []byte(fmt.Sprintf(`{"model":"gpt-4o","messages":[{"role":"system","content":"You are a coding assistant."},{"role":"user","content":%q}]}`, text))
}

var (
	bodySecret = chatBody("deploy it with the key " + planted[0] + " thanks")
	bodyCard   = chatBody("charge card " + planted[1] + " and wire to " + planted[2])
	bodyEmail  = chatBody("send the summary to " + planted[3] + ", the card on file is " + planted[4])
	bodyClean  = chatBody("write a haiku about rivers")
)

func newEvaluator(t testing.TB, mode string) *evaluator.Evaluator {
	t.Helper()
	p := policy.Default()
	if mode != "" {
		m, err := policy.ParseMode(mode)
		if err != nil {
			t.Fatal(err)
		}
		p = p.EnforcedCopy(m)
	}
	ev, err := evaluator.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func input(body []byte) evaluator.Input {
	return evaluator.Input{
		Phase: interaction.PhaseRequest, Path: "/v1/chat/completions", Body: body, Door: evaluator.DoorEnvoy,
		Headers: map[string]string{
			"user-agent": "claude-cli/1.0.43 (external, cli)", "x-forwarded-email": "alice@example.com",
			"x-session-id": "sess-1", "x-request-id": "req-1",
		},
		SourceIP: "10.0.0.7",
	}
}

// syncBuffer is a bytes.Buffer safe for the sinks' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// grpcCollector is a fake OTLP/gRPC trace collector on 127.0.0.1.
type grpcCollector struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []*tracepb.Span
	raw   [][]byte
	addr  string
	srv   *grpc.Server
}

func newGRPCCollector(t *testing.T) *grpcCollector {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &grpcCollector{addr: lis.Addr().String(), srv: grpc.NewServer()}
	collectortrace.RegisterTraceServiceServer(c.srv, c)
	go c.srv.Serve(lis)
	t.Cleanup(c.srv.Stop)
	return c
}

func (c *grpcCollector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.add(req)
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func (c *grpcCollector) add(req *collectortrace.ExportTraceServiceRequest) {
	raw, _ := proto.Marshal(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.raw = append(c.raw, raw)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
}

func (c *grpcCollector) received() ([]*tracepb.Span, [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tracepb.Span(nil), c.spans...), append([][]byte(nil), c.raw...)
}

// newHTTPCollector is a fake OTLP/HTTP (protobuf) trace collector.
func newHTTPCollector(t *testing.T) (*grpcCollector, *httptest.Server) {
	c := &grpcCollector{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "unexpected "+r.URL.Path+" "+r.Header.Get("Content-Type"), http.StatusNotFound)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, _ := io.ReadAll(body)
		var req collectortrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.add(&req)
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return c, srv
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func noPlanted(t *testing.T, where string, data string) {
	t.Helper()
	for _, v := range planted {
		for _, frag := range fragments(v) {
			if strings.Contains(data, frag) {
				t.Errorf("%s holds planted value %q (fragment %q)", where, v, frag)
			}
		}
	}
}

// fragments returns the value and its 10-byte windows, so that a value
// cut by an excerpt is caught too. (Masked evidence keeps at most 4.)
func fragments(v string) []string {
	out := []string{v}
	for i := 0; i+10 <= len(v); i += 3 {
		out = append(out, v[i:i+10])
	}
	return out
}
