//go:build integration

package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/testenv/fakellm"
)

// TestThroughEnvoy runs the end-to-end cases through a real Envoy, sluice
// and fakellm started with docker compose. It skips, saying why, where
// Docker is not available.
//
//	go test -tags integration -run TestThroughEnvoy -v ./testenv/
//
// ENVOY_IMAGE picks another Envoy image; SLUICE_TESTENV_KEEP=1 leaves the
// environment running afterwards.
func TestThroughEnvoy(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker is not installed: the integration tests need Docker with the compose plugin")
	}
	if out, err := exec.Command("docker", "compose", "version").CombinedOutput(); err != nil {
		t.Skipf("docker compose is not available (%v): %s", err, bytes.TrimSpace(out))
	}
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("the Docker daemon is not reachable (%v): %s", err, bytes.TrimSpace(out))
	}
	const project = "sluice-it"
	compose := func(ctx context.Context, args ...string) *exec.Cmd {
		return exec.CommandContext(ctx, "docker", append([]string{"compose", "-f", "docker-compose.yaml", "-p", project}, args...)...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if out, err := compose(ctx, "up", "-d", "--build").CombinedOutput(); err != nil {
		t.Fatalf("docker compose up: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := compose(context.Background(), "logs", "--no-color", "--tail", "200").CombinedOutput()
			t.Logf("compose logs:\n%s", out)
		}
		if os.Getenv("SLUICE_TESTENV_KEEP") == "" {
			_ = compose(context.Background(), "down", "-v", "--remove-orphans").Run()
		}
	})

	port := func(env, def string) string {
		if v := os.Getenv(env); v != "" {
			return v
		}
		return def
	}
	gateway := "http://127.0.0.1:" + port("SLUICE_TESTENV_PORT", "10000")
	direct := "http://127.0.0.1:" + port("FAKELLM_PORT", "18000")
	waitReady(t, compose, gateway, direct)

	client := &http.Client{Timeout: 10 * time.Second}
	runCases(t, &env{
		gateway: gateway,
		direct:  direct,
		received: func() []*fakellm.Received {
			resp, err := client.Get(direct + fakellm.ReceivedPath)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got []*fakellm.Received
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			// Only what came through Envoy (the cases also fetch directly).
			var out []*fakellm.Received
			for _, r := range got {
				if r.Header.Get("X-Envoy-Expected-Rq-Timeout-Ms") != "" || r.Header.Get("X-Request-Id") != "" {
					out = append(out, r)
				}
			}
			return out
		},
		reset: func() {
			resp, err := client.Post(direct+fakellm.ResetPath, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		},
	})
}

// waitReady waits until Envoy answers, the fake provider answers, and
// sluice decides (a benign request comes back 200 through Envoy).
func waitReady(t *testing.T, compose func(context.Context, ...string) *exec.Cmd, gateway, direct string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for time.Now().Before(deadline) {
		ok := func() bool {
			if resp, err := client.Get(direct + "/healthz"); err != nil || resp.StatusCode != 200 {
				last = fmt.Sprintf("fakellm: %v", err)
				return false
			}
			resp, err := client.Post(gateway+"/v1/chat/completions", "application/json",
				strings.NewReader(`{"model":"gpt-4o","messages":[{"role":"user","content":"ping"}]}`))
			if err != nil {
				last = fmt.Sprintf("envoy: %v", err)
				return false
			}
			resp.Body.Close()
			last = fmt.Sprintf("envoy answered %d", resp.StatusCode)
			return resp.StatusCode == 200
		}()
		if ok {
			return
		}
		out, _ := compose(context.Background(), "ps", "--status", "exited", "--services").Output()
		if s := strings.TrimSpace(string(out)); s != "" {
			logs, _ := compose(context.Background(), "logs", "--no-color", "--tail", "50", s).CombinedOutput()
			t.Fatalf("service %s exited:\n%s", s, logs)
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("the environment did not become ready: %s", last)
}
