package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// agentRequest is a ~16 KB agent transcript without credentials: a system
// prompt, turns and tool results from recorded API bodies, a config file
// with templated keys, test output and Go source.
func agentRequest(t testing.TB) string {
	b, err := os.ReadFile(filepath.Join("testdata", "agent_request.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withSecrets plants a few credentials in the transcript.
func withSecrets(t testing.TB) string {
	text := agentRequest(t)
	body := "q7Lm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0K"
	gh := "ghp_" + body + base62CRC32(body)
	plant := []string{
		"export AWS_ACCESS_KEY_ID=AKIAZ3MHT7QX2B5LVDNK\nexport AWS_SECRET_ACCESS_KEY=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",
		"git remote set-url origin https://x-access-token:" + gh + "@github.com/acme/app.git",
		"DATABASE_URL=postgres://app:Zq8vLm2Rk9Tx@db.internal:5432/shop",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBfX3Rlc3Rfa2V5X2Zvcl9zbHVpY2VfdGVzdHNfX19fXwAAAJjO2xq5\n-----END OPENSSH PRIVATE KEY-----",
	}
	n := len(text) / (len(plant) + 1)
	var b strings.Builder
	for i, p := range plant {
		b.WriteString(text[i*n : (i+1)*n])
		b.WriteString("\n" + p + "\n")
	}
	b.WriteString(text[len(plant)*n:])
	return b.String()
}

func TestAgentRequestClean(t *testing.T) {
	d := mustNew(t, Config{})
	if fs := detectText(d, agentRequest(t)); len(fs) != 0 {
		for _, f := range fs {
			t.Errorf("unexpected finding %s %s", f.Detector, f.Evidence)
		}
	}
	fs := detectText(d, withSecrets(t))
	got := map[string]bool{}
	for _, f := range fs {
		got[f.Detector] = true
	}
	for _, want := range []string{"secret.aws_access_key_id", "secret.aws_secret_access_key", "secret.github_pat", "secret.uri_password", "secret.private_key"} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, detectors(fs))
		}
	}
}

// TestNoAllocationsWhenClean pins the hot path: a text with no secret must
// be scanned without allocating.
func TestNoAllocationsWhenClean(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	d := mustNew(t, Config{})
	in := inputOf(agentRequest(t))
	var out []detect.Finding
	d.Detect(in, out[:0]) // warm the scratch pool
	allocs := testing.AllocsPerRun(50, func() {
		out = d.Detect(in, out[:0])
	})
	if allocs > 0 {
		t.Errorf("Detect allocated %.1f times on a clean 16 KB text", allocs)
	}
}

func BenchmarkDetectClean16K(b *testing.B) {
	d := mustNew(b, Config{})
	in := inputOf(agentRequest(b))
	var out []detect.Finding
	b.SetBytes(int64(len(in.IX.Segments[0].Text)))
	b.ReportAllocs()
	for b.Loop() {
		out = d.Detect(in, out[:0])
	}
}

func BenchmarkDetectWithSecrets16K(b *testing.B) {
	d := mustNew(b, Config{})
	in := inputOf(withSecrets(b))
	var out []detect.Finding
	b.SetBytes(int64(len(in.IX.Segments[0].Text)))
	b.ReportAllocs()
	for b.Loop() {
		out = d.Detect(in, out[:0])
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
