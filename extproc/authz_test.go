package extproc

import (
	"context"
	"encoding/json"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/sluicehq/sluice/extproc/internal/httpenc"
)

func checkRequest(path string, headers map[string]string, body []byte) *authv3.CheckRequest {
	return &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Source: &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{
			SocketAddress: &corev3.SocketAddress{Address: "10.1.2.3"}}}},
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
			Method: "POST", Path: path, Headers: headers, RawBody: body,
		}},
	}}
}

func deniedHeader(resp *authv3.CheckResponse, k string) string {
	for _, h := range resp.GetDeniedResponse().GetHeaders() {
		if h.GetHeader().GetKey() == k {
			return h.GetHeader().GetValue()
		}
	}
	return ""
}

func TestAuthz(t *testing.T) {
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	client := authv3.NewAuthorizationClient(conn)
	check := func(t *testing.T, req *authv3.CheckRequest) *authv3.CheckResponse {
		t.Helper()
		resp, err := client.Check(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	hdr := map[string]string{"content-type": "application/json"}
	for _, c := range apiCases {
		t.Run(c.name+"/allow", func(t *testing.T) {
			resp := check(t, checkRequest(c.path, hdr, []byte(c.body("hello"))))
			if codes.Code(resp.GetStatus().GetCode()) != codes.OK || resp.GetOkResponse() == nil {
				t.Fatalf("%v", resp)
			}
			if resp.GetDynamicMetadata().GetFields()["decision"].GetStringValue() != "allow" {
				t.Fatalf("metadata %v", resp.GetDynamicMetadata())
			}
		})
		t.Run(c.name+"/block", func(t *testing.T) {
			resp := check(t, checkRequest(c.path, hdr, []byte(c.body("TOKEN_AB12CD34"))))
			if codes.Code(resp.GetStatus().GetCode()) != codes.PermissionDenied {
				t.Fatalf("%v", resp)
			}
			d := resp.GetDeniedResponse()
			if d.GetStatus().GetCode() != 403 || !json.Valid([]byte(d.GetBody())) || !strings.Contains(d.GetBody(), "block-secrets") {
				t.Fatalf("denied %v", d)
			}
			if deniedHeader(resp, "x-sluice-rule") != "block-secrets" || deniedHeader(resp, "content-type") != "application/json" {
				t.Fatalf("headers %v", d.GetHeaders())
			}
			for _, h := range d.GetHeaders() {
				if len(h.GetHeader().GetRawValue()) > 0 {
					t.Fatalf("ext_authz reads value, not raw_value: %v", h)
				}
			}
		})
	}
	t.Run("redact_falls_back_to_block", func(t *testing.T) {
		resp := check(t, checkRequest(apiCases[0].path, hdr, []byte(apiCases[0].body("CARD_12345678"))))
		if codes.Code(resp.GetStatus().GetCode()) != codes.PermissionDenied || deniedHeader(resp, "x-sluice-reason") != ReasonRedactUnavailable {
			t.Fatalf("%v", resp)
		}
	})
	t.Run("partial_body_is_not_judged", func(t *testing.T) {
		h := map[string]string{"x-envoy-auth-partial-body": "true"}
		resp := check(t, checkRequest(apiCases[0].path, h, []byte(`{"model":"gpt-4o","messages":[{"ro`)))
		if resp.GetDeniedResponse().GetStatus().GetCode() != 413 {
			t.Fatalf("%v", resp)
		}
	})
	t.Run("compressed_body", func(t *testing.T) {
		enc, _ := httpenc.Encode([]httpenc.Coding{httpenc.Gzip}, []byte(apiCases[0].body("TOKEN_AB12CD34")))
		resp := check(t, checkRequest(apiCases[0].path, map[string]string{"content-encoding": "gzip"}, enc))
		if codes.Code(resp.GetStatus().GetCode()) != codes.PermissionDenied {
			t.Fatalf("%v", resp)
		}
	})
	t.Run("body_as_string", func(t *testing.T) {
		req := checkRequest(apiCases[0].path, hdr, nil)
		req.Attributes.Request.Http.Body = apiCases[0].body("TOKEN_AB12CD34")
		if resp := check(t, req); codes.Code(resp.GetStatus().GetCode()) != codes.PermissionDenied {
			t.Fatalf("%v", resp)
		}
	})
	t.Run("redact_allow_fallback", func(t *testing.T) {
		cfg := quietConfig()
		cfg.AuthzRedact = "allow"
		conn := startSluice(t, rec, cfg)
		resp, err := authv3.NewAuthorizationClient(conn).Check(context.Background(), checkRequest(apiCases[0].path, hdr, []byte(apiCases[0].body("CARD_12345678"))))
		if err != nil || codes.Code(resp.GetStatus().GetCode()) != codes.OK {
			t.Fatalf("%v %v", resp, err)
		}
	})
	t.Run("failure_modes", func(t *testing.T) {
		for _, mode := range []FailureMode{FailClosed, FailOpen} {
			cfg := quietConfig()
			cfg.FailureMode = mode
			conn := startSluice(t, &faultyEngine{panic: true}, cfg)
			resp, err := authv3.NewAuthorizationClient(conn).Check(context.Background(), checkRequest(apiCases[0].path, hdr, []byte(apiCases[0].body("hi"))))
			if err != nil {
				t.Fatal(err)
			}
			ok := codes.Code(resp.GetStatus().GetCode()) == codes.OK
			if ok != (mode == FailOpen) {
				t.Fatalf("%s: %v", mode, resp)
			}
		}
	})
}

func TestGRPCServer(t *testing.T) {
	cfg := quietConfig()
	cfg.StreamIdleTimeout = 200 * time.Millisecond
	srv, err := NewServer(&recorder{ev: testEvaluator(t)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	gs := NewGRPCServer(cfg, srv, nil)
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go gs.Serve(lis)
	defer gs.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	t.Run("health", func(t *testing.T) {
		hc := healthpb.NewHealthClient(conn)
		for _, serving := range []bool{true, false, true} {
			srv.SetServing(serving)
			for _, svc := range []string{"", "envoy.service.ext_proc.v3.ExternalProcessor"} {
				resp, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{Service: svc})
				if err != nil {
					t.Fatal(err)
				}
				if (resp.GetStatus() == healthpb.HealthCheckResponse_SERVING) != serving {
					t.Fatalf("service %q: %v, want serving=%v", svc, resp.GetStatus(), serving)
				}
			}
		}
	})
	t.Run("idle_stream_is_ended", func(t *testing.T) {
		st, err := extprocv3.NewExternalProcessorClient(conn).Process(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = st.Recv()
		if status.Code(err) != codes.DeadlineExceeded || time.Since(start) > 5*time.Second {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
	})
	t.Run("max_message_size_follows_body_limit", func(t *testing.T) {
		if cfg.MaxMessageBytes() <= cfg.MaxBodyBytes {
			t.Fatal("no headroom")
		}
	})
}

func TestPanicInterceptorKeepsServerUp(t *testing.T) {
	log := quietConfig().Logger
	h := recoverStream(log)
	err := h(nil, nil, &grpc.StreamServerInfo{FullMethod: "/x"}, func(any, grpc.ServerStream) error { panic("boom") })
	if status.Code(err) != codes.Internal {
		t.Fatalf("err %v", err)
	}
	u := recoverUnary(log)
	_, err = u(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/x"}, func(context.Context, any) (any, error) { panic("boom") })
	if status.Code(err) != codes.Internal {
		t.Fatalf("err %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (func() *Config { c := DefaultConfig(); return &c }()).Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	bad := DefaultConfig()
	bad.FailureMode = "maybe"
	bad.MaxBodyBytes = 0
	bad.OversizeAction = "shrug"
	err := bad.Validate()
	for _, want := range []string{"failure_mode", "max_body_bytes", "oversize_action"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

func TestShutdownCutsLongStreams(t *testing.T) {
	cfg := quietConfig()
	srv, err := NewServer(&recorder{ev: testEvaluator(t)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	gs := NewGRPCServer(cfg, srv, nil)
	lis, _ := net.Listen("tcp", "127.0.0.1:0")
	go gs.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A stream that never ends, like a generation still running.
	st, err := extprocv3.NewExternalProcessorClient(conn).Process(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Send(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Recv(); err != nil {
		t.Fatal(err)
	}
	srv.SetServing(false)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	Shutdown(ctx, gs)
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Fatalf("Shutdown returned after %v: it should wait for the stream, then cut it", d)
	}
	if _, err := st.Recv(); err == nil {
		t.Fatal("the stream survived shutdown")
	}
}

// TestNoGoroutineLeak runs many exchanges, some cut short by the client,
// and checks the server's goroutines come back down.
func TestNoGoroutineLeak(t *testing.T) {
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	client := extprocv3.NewExternalProcessorClient(conn)
	run := func(abandon bool) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st, err := client.Process(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st.Send(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{}}})
		st.Recv()
		if abandon {
			return // cancel: the server's stream context ends
		}
		st.CloseSend()
		st.Recv()
	}
	run(false)
	time.Sleep(50 * time.Millisecond)
	base := runtime.NumGoroutine()
	for i := range 60 {
		run(i%2 == 0)
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base+3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base+3 {
		t.Fatalf("%d goroutines, %d before", n, base)
	}
}
