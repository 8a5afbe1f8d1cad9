package testenv

import (
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/extproc"
	"github.com/sluicehq/sluice/policy"
	"github.com/sluicehq/sluice/testenv/fakellm"
	"github.com/sluicehq/sluice/testenv/harness"
)

// TestEndToEnd runs the cases with everything in process: an HTTP client,
// the harness in Envoy's place (configured as envoy/providers.yaml), sluice
// with the embedded default policy enforced and every detector, and the
// fake provider, all on 127.0.0.1.
func TestEndToEnd(t *testing.T) {
	fake := &fakellm.Server{}
	upstream := httptest.NewServer(fake)
	defer upstream.Close()

	ev, err := evaluator.New(policy.Default().EnforcedCopy(policy.ModeEnforce))
	if err != nil {
		t.Fatal(err)
	}
	cfg := extproc.DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := extproc.NewServer(ev, cfg)
	if err != nil {
		t.Fatal(err)
	}
	gs := extproc.NewGRPCServer(cfg, srv, nil)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(lis)
	defer gs.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	h := harness.New(conn, harness.Filter{
		MessageTimeout:       5 * time.Second,
		AllowModeOverride:    true,
		AllowedOverrideModes: []*filterv3.ProcessingMode{{RequestBodyMode: filterv3.ProcessingMode_BUFFERED, ResponseBodyMode: filterv3.ProcessingMode_STREAMED}},
	})
	proxy := httptest.NewServer(harness.Proxy(h, harness.HTTPUpstream(upstream.URL, 17)))
	defer proxy.Close()

	runCases(t, &env{gateway: proxy.URL, received: fake.Received, reset: fake.Reset, direct: upstream.URL})
}
