package harness

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// serve starts srv on 127.0.0.1 and returns a client connection to it.
func serve(t testing.TB, srv extprocv3.ExternalProcessorServer) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	extprocv3.RegisterExternalProcessorServer(gs, srv)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// scripted answers each message with what fn returns (after delay).
type scripted struct {
	extprocv3.UnimplementedExternalProcessorServer
	fn         func(*extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse
	delay      time.Duration
	closeAfter int // end the stream after this many messages (0: never)
}

func (s *scripted) Process(st extprocv3.ExternalProcessor_ProcessServer) error {
	n := 0
	for {
		req, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		n++
		if s.closeAfter > 0 && n > s.closeAfter {
			return nil
		}
		time.Sleep(s.delay)
		for _, r := range s.fn(req) {
			if err := st.Send(r); err != nil {
				return err
			}
		}
	}
}

// continueReply is ContinueOnly's answer to req.
func continueReply(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
	cont := &extprocv3.CommonResponse{}
	switch req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: &extprocv3.HeadersResponse{Response: cont}}}}
	case *extprocv3.ProcessingRequest_RequestBody:
		return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_RequestBody{RequestBody: &extprocv3.BodyResponse{Response: cont}}}}
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: &extprocv3.HeadersResponse{Response: cont}}}}
	case *extprocv3.ProcessingRequest_ResponseBody:
		return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: &extprocv3.BodyResponse{Response: cont}}}}
	}
	return nil
}

var chatReq = Request{Path: "/v1/chat/completions", Header: http.Header{"Content-Type": {"application/json"}},
	Body: []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}`)}

var sse = []byte("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\ndata: [DONE]\n\n")

func streamedMode() *filterv3.ProcessingMode {
	return &filterv3.ProcessingMode{RequestBodyMode: filterv3.ProcessingMode_BUFFERED, ResponseBodyMode: filterv3.ProcessingMode_STREAMED}
}

func TestContinueOnlyPassesEverythingUnchanged(t *testing.T) {
	conn := serve(t, ContinueOnly{})
	for _, mode := range []*filterv3.ProcessingMode{nil, streamedMode(),
		{RequestBodyMode: filterv3.ProcessingMode_STREAMED, ResponseBodyMode: filterv3.ProcessingMode_STREAMED}} {
		name := "buffered"
		if mode != nil {
			name = "streamed_" + mode.GetRequestBodyMode().String()
		}
		t.Run(name, func(t *testing.T) {
			h := New(conn, Filter{Mode: mode})
			req := chatReq
			req.Split = []int{3, 5}
			res, err := h.Do(context.Background(), req, StaticUpstream(200, http.Header{"Content-Type": {"text/event-stream"}}, sse, 7, 1, 13))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != 200 || string(res.Body) != string(sse) {
				t.Fatalf("status %d body %q", res.Status, res.Body)
			}
			if string(res.Forwarded.Body) != string(chatReq.Body) {
				t.Fatalf("forwarded %q", res.Forwarded.Body)
			}
			if res.ProcessorFailure != "" {
				t.Fatal(res.ProcessorFailure)
			}
		})
	}
}

// TestHarnessCatchesWhatEnvoyRejects: each server breaks one rule; the
// harness must report it as a protocol error.
func TestHarnessCatchesWhatEnvoyRejects(t *testing.T) {
	cases := map[string]struct {
		filter Filter
		fn     func(*extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse
		want   string
	}{
		"wrong_reply_kind": {fn: func(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
			if req.GetRequestHeaders() != nil {
				return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: &extprocv3.HeadersResponse{}}}}
			}
			return continueReply(req)
		}, want: `reply "response_headers" to a "request_headers" message`},
		"value_instead_of_raw_value": {fn: func(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
			if req.GetRequestHeaders() != nil {
				return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: &extprocv3.HeadersResponse{
					Response: &extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{
						{Header: &corev3.HeaderValue{Key: "x-a", Value: "b"}}}}}}}}}
			}
			return continueReply(req)
		}, want: "value instead of raw_value"},
		"immediate_without_status": {fn: func(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
			return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_ImmediateResponse{ImmediateResponse: &extprocv3.ImmediateResponse{Body: []byte("no")}}}}
		}, want: "without a valid status"},
		"content_length_mismatch": {fn: func(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
			if req.GetRequestBody() != nil {
				return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_RequestBody{RequestBody: &extprocv3.BodyResponse{
					Response: &extprocv3.CommonResponse{BodyMutation: &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: []byte(`{}`)}}}}}}}
			}
			return continueReply(req)
		}, want: "content-length says"},
		"reply_in_observability_mode": {filter: Filter{ObservabilityMode: true}, fn: continueReply, want: "observability mode"},
		"spurious_extra_message": {fn: func(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
			out := continueReply(req)
			if req.GetResponseBody() != nil {
				out = append(out, out[0])
			}
			return out
		}, want: "spurious message"},
		"pseudo_header_mutation": {fn: func(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
			if req.GetRequestHeaders() != nil {
				return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: &extprocv3.HeadersResponse{
					Response: &extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{
						{Header: &corev3.HeaderValue{Key: ":path", RawValue: []byte("/elsewhere")}}}}}}}}}
			}
			return continueReply(req)
		}, want: "may not be set"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			conn := serve(t, &scripted{fn: c.fn})
			_, err := New(conn, c.filter).Do(context.Background(), chatReq, StaticUpstream(200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"ok":true}`)))
			var pe *ProtocolError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a protocol error containing %q", err, c.want)
			}
		})
	}
}

func TestImmediateResponse(t *testing.T) {
	conn := serve(t, &scripted{fn: func(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
		if req.GetRequestBody() == nil {
			return continueReply(req)
		}
		return []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_ImmediateResponse{ImmediateResponse: &extprocv3.ImmediateResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode_Forbidden},
			Headers: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{{Header: &corev3.HeaderValue{Key: "content-type", RawValue: []byte("application/json")}}}},
			Body:    []byte(`{"error":{}}`),
		}}}}
	}})
	res, err := New(conn, Filter{}).Do(context.Background(), chatReq, StaticUpstream(200, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 403 || !res.Local || res.Header.Get("Content-Type") != "application/json" || res.Forwarded != nil {
		t.Fatalf("%+v", res)
	}
}

func TestMessageTimeout(t *testing.T) {
	slow := &scripted{fn: continueReply, delay: 150 * time.Millisecond}
	conn := serve(t, slow)
	up := StaticUpstream(200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"ok":true}`))
	t.Run("fail_closed", func(t *testing.T) {
		res, err := New(conn, Filter{MessageTimeout: 50 * time.Millisecond}).Do(context.Background(), chatReq, up)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 504 || !res.Local || res.ProcessorFailure != "message timeout" || res.Forwarded != nil {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("fail_open", func(t *testing.T) {
		res, err := New(conn, Filter{MessageTimeout: 50 * time.Millisecond, FailureModeAllow: true}).Do(context.Background(), chatReq, up)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != 200 || res.Forwarded == nil || res.ProcessorFailure != "message timeout" {
			t.Fatalf("%+v", res)
		}
	})
}

func TestServerClosingTheStreamLetsTrafficThrough(t *testing.T) {
	conn := serve(t, &scripted{fn: continueReply, closeAfter: 1})
	res, err := New(conn, Filter{}).Do(context.Background(), chatReq, StaticUpstream(200, nil, []byte("ok")))
	if err != nil {
		t.Fatal(err)
	}
	if res.ProcessorFailure != "stream closed" || res.Status != 200 || string(res.Body) != "ok" {
		t.Fatalf("%+v", res)
	}
}

func TestModeOverride(t *testing.T) {
	override := func(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
		out := continueReply(req)
		if req.GetResponseHeaders() != nil {
			out[0].ModeOverride = streamedMode()
		}
		return out
	}
	conn := serve(t, &scripted{fn: override})
	up := StaticUpstream(200, http.Header{"Content-Type": {"text/event-stream"}}, sse, 10)
	count := func(res *Result) int {
		n := 0
		for _, tr := range res.Trace {
			if tr == "> response_body" {
				n++
			}
		}
		return n
	}
	t.Run("allowed", func(t *testing.T) {
		res, err := New(conn, Filter{AllowModeOverride: true, AllowedOverrideModes: []*filterv3.ProcessingMode{streamedMode()}}).Do(context.Background(), chatReq, up)
		if err != nil {
			t.Fatal(err)
		}
		if res.Overrides != 1 || count(res) < 2 || string(res.Body) != string(sse) {
			t.Fatalf("overrides %d, %d body messages", res.Overrides, count(res))
		}
	})
	t.Run("not_allowed", func(t *testing.T) {
		res, err := New(conn, Filter{}).Do(context.Background(), chatReq, up)
		if err != nil {
			t.Fatal(err)
		}
		if res.OverridesIgnored != 1 || count(res) != 1 {
			t.Fatalf("ignored %d, %d body messages", res.OverridesIgnored, count(res))
		}
	})
	t.Run("not_in_allow_list", func(t *testing.T) {
		other := &filterv3.ProcessingMode{RequestBodyMode: filterv3.ProcessingMode_NONE, ResponseBodyMode: filterv3.ProcessingMode_STREAMED}
		res, err := New(conn, Filter{AllowModeOverride: true, AllowedOverrideModes: []*filterv3.ProcessingMode{other}}).Do(context.Background(), chatReq, up)
		if err != nil {
			t.Fatal(err)
		}
		if res.OverridesIgnored != 1 {
			t.Fatalf("ignored %d", res.OverridesIgnored)
		}
	})
}

func TestObservabilityModeSendsWithoutWaiting(t *testing.T) {
	conn := serve(t, ContinueOnly{})
	res, err := New(conn, Filter{ObservabilityMode: true}).Do(context.Background(), chatReq, StaticUpstream(200, nil, []byte("ok")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || string(res.Body) != "ok" {
		t.Fatalf("%+v", res)
	}
}
