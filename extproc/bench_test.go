package extproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/policy"
	"github.com/sluicehq/sluice/testenv/harness"
)

// benchEngine is the real evaluator with the embedded default policy in
// enforce mode: every detector family runs, as in production.
func benchEngine(b *testing.B, opts ...evaluator.Option) *evaluator.Evaluator {
	b.Helper()
	ev, err := evaluator.New(policy.Default().EnforcedCopy(policy.ModeEnforce), opts...)
	if err != nil {
		b.Fatal(err)
	}
	return ev
}

// allowedTexts returns prompts of the public benign corpus that the
// default policy allows on their own: the corpus holds hard negatives some
// of which a detector flags, and a benchmark of allowed traffic must not
// end early on a block.
func allowedTexts(b *testing.B, ev *evaluator.Evaluator, n int) []string {
	b.Helper()
	recs, err := corpus.Load("benign")
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		body, _ := json.Marshal(map[string]any{"model": "gpt-4o", "messages": []map[string]string{{"role": "user", "content": r.Text}}})
		d, err := ev.Evaluate(context.Background(), evaluator.Input{Path: "/v1/chat/completions", Body: body})
		if err == nil && d.WouldBe == evaluator.Allow {
			out = append(out, r.Text)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// chatBody builds a benign Chat Completions request of about n bytes from
// the public benign corpus (real prompts, not filler).
func chatBody(b *testing.B, texts []string, n int) []byte {
	b.Helper()
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	req := struct {
		Model    string `json:"model"`
		Messages []msg  `json:"messages"`
	}{Model: "gpt-4o", Messages: []msg{{"system", "You are a helpful assistant. Answer briefly."}}}
	size := 0
	for i := 0; size < n; i++ {
		t := texts[i%len(texts)]
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		req.Messages = append(req.Messages, msg{role, t})
		size += len(t) + 32
	}
	body, _ := json.Marshal(req)
	return body
}

func listen(b *testing.B, register func(*grpc.Server), opts ...grpc.ServerOption) *grpc.ClientConn {
	b.Helper()
	gs := grpc.NewServer(opts...)
	register(gs)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go gs.Serve(lis)
	b.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return conn
}

var benchHeaders = &corev3.HeaderMap{Headers: []*corev3.HeaderValue{
	{Key: ":method", RawValue: []byte("POST")}, {Key: ":path", RawValue: []byte("/v1/chat/completions")},
	{Key: ":authority", RawValue: []byte("api.openai.com")}, {Key: "content-type", RawValue: []byte("application/json")},
	{Key: "user-agent", RawValue: []byte("OpenAI/Python 1.54.0")}, {Key: "x-request-id", RawValue: []byte("bench")},
}}

// roundTrip plays the request half of one exchange as Envoy does with a
// BUFFERED request body: headers, then the body, each awaiting its reply.
func roundTrip(client extprocv3.ExternalProcessorClient, body []byte) error {
	st, err := client.Process(context.Background())
	if err != nil {
		return err
	}
	first := true
	for _, m := range []*extprocv3.ProcessingRequest{
		{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{Headers: benchHeaders}}},
		{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: body, EndOfStream: true}}},
	} {
		if first {
			m.ProtocolConfig = &extprocv3.ProtocolConfiguration{RequestBodyMode: filterv3.ProcessingMode_BUFFERED, ResponseBodyMode: filterv3.ProcessingMode_BUFFERED}
			first = false
		}
		if err := st.Send(m); err != nil {
			return err
		}
		resp, err := st.Recv()
		if err != nil {
			return err
		}
		if resp.GetImmediateResponse() != nil {
			return fmt.Errorf("benign body blocked: %s", resp.GetImmediateResponse().GetBody())
		}
	}
	if err := st.CloseSend(); err != nil {
		return err
	}
	if _, err := st.Recv(); err != io.EOF {
		return fmt.Errorf("stream did not end: %v", err)
	}
	return nil
}

// BenchmarkRoundTrip measures one request's ext_proc round trip over
// loopback gRPC (headers + buffered body) against sluice with every
// detector and against a CONTINUE-only server (the protocol floor), in the
// same run, reporting p50 and p99 per exchange.
//
// Four sluice variants are measured: "sluice" runs every detector family
// of the default policy on a conversation it has never seen (verdict
// cache off: every turn judged); "sluice-next-turn" is the steady state of
// a session, the same history judged on earlier requests plus one new user
// turn per request; "sluice-nodetect" runs the same door, parser,
// normalizer and policy with no detector; "sluice-door" answers from an
// engine that returns a fixed allow decision, which leaves the door alone:
// gRPC handling, header maps, the exchange state machine and metadata.
func BenchmarkRoundTrip(b *testing.B) {
	eng := benchEngine(b, evaluator.WithSegmentCache(0))
	session := benchEngine(b)
	texts := allowedTexts(b, eng, 400)
	bare, err := evaluator.New(policy.Default().EnforcedCopy(policy.ModeEnforce), evaluator.WithDetectors([]detect.Detector{}...), evaluator.WithSegmentCache(0))
	if err != nil {
		b.Fatal(err)
	}
	cfg := quietConfig()
	serve := func(e evaluator.Engine) *grpc.ClientConn {
		srv, err := NewServer(e, cfg)
		if err != nil {
			b.Fatal(err)
		}
		return listen(b, func(gs *grpc.Server) { extprocv3.RegisterExternalProcessorServer(gs, srv) }, grpc.MaxRecvMsgSize(cfg.MaxMessageBytes()))
	}
	servers := []struct {
		name     string
		conn     *grpc.ClientConn
		nextTurn bool
	}{
		{"continue", listen(b, func(gs *grpc.Server) { extprocv3.RegisterExternalProcessorServer(gs, harness.ContinueOnly{}) },
			grpc.MaxRecvMsgSize(cfg.MaxMessageBytes())), false},
		{"sluice-door", serve(fixedEngine{}), false},
		{"sluice-nodetect", serve(bare), false},
		{"sluice", serve(eng), false},
		{"sluice-next-turn", serve(session), true},
	}
	for _, size := range []int{2 << 10, 16 << 10, 256 << 10} {
		history := chatBody(b, texts, size)
		for _, s := range servers {
			b.Run(fmt.Sprintf("%dKB/%s", size>>10, s.name), func(b *testing.B) {
				body := func(int) []byte { return history }
				if s.nextTurn {
					body = nextTurn(history, texts[len(texts)-1])
				}
				client := extprocv3.NewExternalProcessorClient(s.conn)
				if err := roundTrip(client, history); err != nil { // warm up (and judge the history)
					b.Fatal(err)
				}
				lat := make([]time.Duration, 0, b.N)
				b.SetBytes(int64(len(history)))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					req := body(i)
					start := time.Now()
					if err := roundTrip(client, req); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			})
		}
	}
}

// nextTurn returns bodies that are history plus one more user turn, new
// on every call (the turn's text carries the call's number), as an agent
// session sends them.
func nextTurn(history []byte, text string) func(int) []byte {
	end := bytes.LastIndexByte(history, ']') // the messages array closes last
	var buf []byte
	return func(i int) []byte {
		turn, _ := json.Marshal(fmt.Sprintf("%s (request %d)", text, i))
		buf = append(append(append(append(buf[:0], history[:end]...), `,{"role":"user","content":`...), turn...), "}]}"...)
		return buf
	}
}

// sseStream builds an OpenAI chat stream of benign corpus text, one event
// per few words, as a provider sends it.
func sseStream(b *testing.B, texts []string, events int) ([]byte, [][]byte) {
	b.Helper()
	var stream []byte
	var chunks [][]byte
	words := []string{}
	for _, t := range texts {
		words = append(words, splitWords(t)...)
	}
	for i := 0; i < events; i++ {
		delta, _ := json.Marshal(words[i%len(words)] + " ")
		ev := fmt.Appendf(nil, `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}`+"\n\n", delta)
		stream = append(stream, ev...)
		chunks = append(chunks, ev)
	}
	done := []byte("data: [DONE]\n\n")
	return append(stream, done...), append(chunks, done)
}

func splitWords(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if r == ' ' || r == '\n' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// BenchmarkStreamChunks measures processing of a streamed response, one
// SSE event per chunk as providers send them: framing, assembly and the
// per-chunk check of the new output with every detector, in process. The
// policy is the default one in monitor mode, so every check runs in full
// and no chunk is changed whatever the detectors make of the text.
func BenchmarkStreamChunks(b *testing.B) {
	eng, err := evaluator.New(policy.Default().EnforcedCopy(policy.ModeMonitor))
	if err != nil {
		b.Fatal(err)
	}
	srv, err := NewServer(eng, quietConfig())
	if err != nil {
		b.Fatal(err)
	}
	stream, chunks := sseStream(b, allowedTexts(b, benchEngine(b), 20), 500)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		ex := newExchange(srv, context.Background())
		ex.reqMode, ex.respMode, ex.modeKnown = filterv3.ProcessingMode_BUFFERED, filterv3.ProcessingMode_STREAMED, true
		ex.handle(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{Headers: benchHeaders}}})
		ex.handle(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{
			Body: []byte(`{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"tell me a story"}]}`), EndOfStream: true}}})
		ex.handle(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{
			Headers: &corev3.HeaderMap{Headers: []*corev3.HeaderValue{{Key: ":status", RawValue: []byte("200")}, {Key: "content-type", RawValue: []byte("text/event-stream")}}}}}})
		for i, c := range chunks {
			out := ex.handle(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{Body: c, EndOfStream: i == len(chunks)-1}}})
			if len(out) != 1 || out[0].GetResponseBody() == nil {
				b.Fatalf("chunk %d: %v", i, out)
			}
			if m := out[0].GetResponseBody().GetResponse().GetBodyMutation(); m != nil {
				b.Fatalf("chunk %d of a benign stream was changed: %s (%v)", i, m.GetBody(), ex.resp.decision.Output().Findings)
			}
		}
		ex.close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(chunks)), "ns/chunk")
}

// fixedEngine allows everything without looking: it isolates the door's
// own cost in BenchmarkRoundTrip.
type fixedEngine struct{}

func (fixedEngine) Evaluate(context.Context, evaluator.Input) (*evaluator.Decision, error) {
	return &evaluator.Decision{ID: "0190a6f2-0000-7000-8000-000000000000", Verdict: evaluator.Allow, WouldBe: evaluator.Allow,
		Reason: evaluator.ReasonNoFinding}, nil
}

func (e fixedEngine) Check(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	return e.Evaluate(ctx, in)
}

func (fixedEngine) DoorDecision(in evaluator.Input, v evaluator.Verdict, reason string, st int, msg string) *evaluator.Decision {
	return doorEvaluator.DoorDecision(in, v, reason, st, msg)
}

func (fixedEngine) Record(context.Context, *evaluator.Decision) {}
