package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/testenv/harness"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
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

var servingLine = regexp.MustCompile(`msg="sluice serving".* grpc=(\S+) http=(\S+)`)

// startServe runs `sluice serve` in-process on loopback ports chosen by the
// kernel and returns its addresses and a stop function that waits for a
// clean exit.
func startServe(t *testing.T, args ...string) (grpcAddr, httpAddr string, logs *syncBuffer, stop func() error) {
	t.Helper()
	logs = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	base := []string{"serve", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--data-dir", t.TempDir()}
	go func() { done <- Main(ctx, append(base, args...), io.Discard, logs) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := servingLine.FindStringSubmatch(logs.String()); m != nil {
			grpcAddr, httpAddr = m[1], m[2]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var once sync.Once
	var exitErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case exitErr = <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("serve did not stop:\n%s", logs)
			}
		})
		return exitErr
	}
	t.Cleanup(func() { stop() })
	return grpcAddr, httpAddr, logs, stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeEndToEnd(t *testing.T) {
	grpcAddr, httpAddr, logs, stop := startServe(t, "--mode", "enforce")
	base := "http://" + httpAddr

	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+p); code != 200 {
			t.Errorf("%s = %d %q", p, code, body)
		}
	}

	// The generic evaluate API, per the contract.
	req := `{"path":"/v1/chat/completions","headers":{"User-Agent":"claude-cli/1.0.83"},` +
		`"body":{"model":"gpt-4o","messages":[{"role":"user","content":"use AKIA4HK7Q2ZP5XW3ND6L"}]}}`
	resp, err := http.Post(base+"/v1/evaluate", "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || out["decision"] != "block" || out["agent"] != "claude-code" {
		t.Fatalf("evaluate = %d %v", resp.StatusCode, out)
	}

	// The Aperture hook: a monitor-free enforcement answers block with 200.
	hook := `{"metadata":{"login_name":"alice@example.com","url":"https://api.openai.com/v1/chat/completions","request_id":"r1"},` +
		`"request_body":{"model":"gpt-4o","messages":[{"role":"user","content":"use AKIA4HK7Q2ZP5XW3ND6L"}]}}`
	resp, err = http.Post(base+"/v1/aperture/pre_request", "application/json", strings.NewReader(hook))
	if err != nil {
		t.Fatal(err)
	}
	out = nil
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || out["action"] != "block" {
		t.Fatalf("pre_request = %d %v", resp.StatusCode, out)
	}

	// gRPC: health, and one ext_proc exchange through the Envoy-faithful harness.
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hr, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || hr.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v, %v", hr, err)
	}
	h := harness.New(conn, harness.Filter{})
	res, err := h.Do(ctx, harness.Request{
		Method: "POST", Path: "/v1/chat/completions",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"use AKIA4HK7Q2ZP5XW3ND6L"}]}`),
	}, func(context.Context, *harness.Forwarded) (*harness.UpstreamResponse, error) {
		t.Error("a blocked request reached the upstream")
		return &harness.UpstreamResponse{Status: 200, Body: strings.NewReader("{}")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 403 || res.Header.Get("x-sluice-decision") != "block" {
		t.Fatalf("ext_proc result %d %v %s", res.Status, res.Header, res.Body)
	}

	code, metrics := get(t, base+"/metrics")
	if code != 200 || !strings.Contains(metrics, "sluice_") {
		t.Errorf("metrics = %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve exit: %v\n%s", err, logs)
	}
	if strings.Contains(logs.String(), "AKIA4HK7Q2ZP5XW3ND6L") {
		t.Error("a raw secret reached the log")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown log:\n%s", logs)
	}
}

func TestServeRefusesOpenAddressWithoutKey(t *testing.T) {
	t.Setenv(EnvAPIKey, "")
	_, errOut, code := run(t, "", "serve", "--http-addr", "0.0.0.0:0", "--grpc-addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	if code != 2 || !strings.Contains(errOut, "SLUICE_API_KEY") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}

func TestServeConfigFile(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	os.WriteFile(pol, []byte("version: 1\nrules:\n  - id: s\n    match: {categories: [secret]}\n    action: block\n    mode: enforce\n"), 0o600)
	cfgPath := filepath.Join(dir, "sluice.yaml")
	os.WriteFile(cfgPath, []byte("policy: policy.yaml\nlog_format: json\nenvoy:\n  block_status: 451\naudit:\n  capture: redacted\n"), 0o600)
	c, err := loadServeConfig(serveFlags{config: cfgPath})
	if err != nil {
		t.Fatal(err)
	}
	if c.Policy != pol || c.LogFormat != "json" || c.Envoy.BlockStatus != 451 || c.Audit.Capture != "redacted" ||
		c.GRPCAddr != defaultGRPCAddr || c.Envoy.MaxBodyBytes == 0 || c.SegmentCache != evaluator.DefaultSegmentCache {
		t.Fatalf("%+v", c)
	}
	// Flags win over the file.
	c, err = loadServeConfig(serveFlags{config: cfgPath, policy: "other.yaml", httpAddr: "127.0.0.1:1"})
	if err != nil || c.Policy != "other.yaml" || c.HTTPAddr != "127.0.0.1:1" {
		t.Fatalf("%+v %v", c, err)
	}
	// The segment cache can be sized or turned off, not made negative.
	for text, want := range map[string]int{"segment_cache: 0\n": 0, "segment_cache: 1000\n": 1000, "segment_cache: -1\n": -1} {
		os.WriteFile(cfgPath, []byte(text), 0o600)
		c, err := loadServeConfig(serveFlags{config: cfgPath})
		if want < 0 {
			if err == nil || !strings.Contains(err.Error(), "segment_cache") {
				t.Fatalf("%q: err = %v", text, err)
			}
			continue
		}
		if err != nil || c.SegmentCache != want {
			t.Fatalf("%q: %v, %v", text, c, err)
		}
	}
	// A misspelt key is an error naming it and its line.
	os.WriteFile(cfgPath, []byte("envoy:\n  blok_status: 451\n"), 0o600)
	if _, err := loadServeConfig(serveFlags{config: cfgPath}); err == nil || !strings.Contains(err.Error(), "line 2") ||
		!strings.Contains(err.Error(), "blok_status") {
		t.Fatalf("err = %v", err)
	}
}

func TestServePolicyHotReload(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	os.WriteFile(pol, []byte("version: 1\nrules:\n  - id: s\n    match: {categories: [secret]}\n    action: block\n"), 0o600)
	cfg := filepath.Join(dir, "sluice.yaml")
	os.WriteFile(cfg, []byte("policy_reload: 50ms\n"), 0o600)
	_, httpAddr, logs, _ := startServe(t, "--config", cfg, "--policy", pol)
	eval := func() string {
		resp, err := http.Post("http://"+httpAddr+"/v1/evaluate", "application/json", strings.NewReader(
			`{"path":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"AKIA4HK7Q2ZP5XW3ND6L"}]}}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return out["decision"].(string)
	}
	if d := eval(); d != "allow" {
		t.Fatalf("monitor rule decided %s", d)
	}
	os.WriteFile(pol, []byte("version: 1\nrules:\n  - id: s\n    match: {categories: [secret]}\n    action: block\n    mode: enforce\n"), 0o600)
	deadline := time.Now().Add(10 * time.Second)
	for eval() != "block" {
		if time.Now().After(deadline) {
			t.Fatalf("policy not reloaded:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A broken edit keeps the running policy.
	os.WriteFile(pol, []byte("version: 1\nrules: [oops\n"), 0o600)
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "policy reload failed") {
		if time.Now().After(deadline) {
			t.Fatalf("no reload error logged:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d := eval(); d != "block" {
		t.Fatalf("after a broken edit the decision is %s", d)
	}
}
