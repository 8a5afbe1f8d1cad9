package secrets

import (
	"encoding/json"
	"flag"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/normalize"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeGitHubPAT composes a classic GitHub token with a valid checksum.
func fakeGitHubPAT(body string) string { return "ghp_" + body + base62CRC32(body) }

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"zero value", Config{}, ""},
		{"disable with and without prefix", Config{Disable: []string{"jwt", "secret.generic_assignment"}}, ""},
		{"unknown rule", Config{Disable: []string{"no_such_rule"}}, "unknown rule"},
		{"bad allow pattern", Config{AllowPatterns: []string{"("}}, "allow pattern"},
		{"entropy out of range", Config{MinGenericEntropy: 9}, "MinGenericEntropy"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			_, err := New(tt.cfg)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigEffects(t *testing.T) {
	jwt := `token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwiZXhwIjoxOTAwMDAwMDAwfQ.r8kQ2vL5mN1xZ7pW3tY9bC4dF6gH0jK2lM4nP6qR8sT`
	orgKey := "sk_test_51OrgPublishedTestKey0000aBcD"
	tests := []struct {
		name string
		cfg  Config
		text string
		want bool
	}{
		{"jwt on by default", Config{}, jwt, true},
		{"jwt disabled", Config{Disable: []string{"jwt", "generic_assignment"}}, jwt, false},
		{"allow value", Config{AllowValues: []string{"sk_test_51Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp"}}, "stripe: sk_test_51Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp", false},
		{"allow pattern", Config{AllowPatterns: []string{`^sk_test_51Org`}}, "STRIPE_KEY=" + orgKey, false},
		{"allow pattern leaves others", Config{AllowPatterns: []string{`^sk_test_51Org`}}, "STRIPE_KEY=sk_test_51Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp", true},
		{"generic entropy default", Config{}, `api_token = "h7Kq2mLp9xR4"`, true},
		{"generic entropy raised", Config{MinGenericEntropy: 5.5}, `api_token = "h7Kq2mLp9xR4"`, false},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			d := mustNew(t, tt.cfg)
			got := len(detectText(d, tt.text)) > 0
			if got != tt.want {
				t.Errorf("found=%v, want %v (%v)", got, tt.want, detectors(detectText(d, tt.text)))
			}
		})
	}
}

func TestFindingFields(t *testing.T) {
	d := mustNew(t, Config{})
	pat := fakeGitHubPAT("q7Lm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0K")
	texts := []string{
		"nothing to see here",
		"please use GITHUB_TOKEN=" + pat + " for the push",
	}
	in := inputOf(texts...)
	fs := d.Detect(in, nil)
	if len(fs) != 1 {
		t.Fatalf("got %d findings: %v", len(fs), detectors(fs))
	}
	f := fs[0]
	start := strings.Index(texts[1], pat)
	want := detect.Finding{
		Category: detect.CategorySecret, Detector: "secret.github_pat", Severity: detect.SeverityHigh,
		Confidence: 1, Segment: 1, Location: in.IX.Segments[1].Location, Start: start, End: start + len(pat),
		Evidence: "ghp_" + detect.MaskSuffix, Reason: "GitHub personal access token",
	}
	if f != want {
		t.Errorf("finding\n got %+v\nwant %+v", f, want)
	}
}

func TestSeverityAndSpan(t *testing.T) {
	d := mustNew(t, Config{})
	tests := []struct {
		name, text, detector, secret string
		sev                          detect.Severity
	}{
		{"rsa key body", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi3Gd5Fz1qF8rJ0a4Wc2Lk5Yh7n\n-----END RSA PRIVATE KEY-----",
			"secret.private_key", "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi3Gd5Fz1qF8rJ0a4Wc2Lk5Yh7n", detect.SeverityCritical},
		{"encrypted key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI7Zq2LmR9vTxK8Bn1\n-----END ENCRYPTED PRIVATE KEY-----",
			"secret.private_key", "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI7Zq2LmR9vTxK8Bn1", detect.SeverityHigh},
		{"aws key id", "AWS_ACCESS_KEY_ID=AKIAZ3MHT7QX2B5LVDNK", "secret.aws_access_key_id", "AKIAZ3MHT7QX2B5LVDNK", detect.SeverityHigh},
		{"stripe live", "sk_live_51Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0Kl2Mn4", "secret.stripe_live_secret_key", "sk_live_51Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0Kl2Mn4", detect.SeverityCritical},
		{"stripe test", "sk_test_51Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0Kl2Mn4", "secret.stripe_test_key", "sk_test_51Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0Kl2Mn4", detect.SeverityLow},
		{"uri password only", "postgres://app:Zq8vLm2Rk9Tx@db.internal/shop", "secret.uri_password", "Zq8vLm2Rk9Tx", detect.SeverityHigh},
		{"http uri is medium", "https://deploy:Zq8vLm2Rk9Tx@git.example.com/r.git", "secret.uri_password", "Zq8vLm2Rk9Tx", detect.SeverityMedium},
		{"generic value only", `secret_key = "Hq7zLm2Rv9Tx4Wk8Bn1C"`, "secret.generic_assignment", "Hq7zLm2Rv9Tx4Wk8Bn1C", detect.SeverityMedium},
		{"bearer credentials", "Authorization: Bearer 9f8c1e2d7b6a5f4e3d2c1b0a9f8e7d6c", "secret.authorization_header", "9f8c1e2d7b6a5f4e3d2c1b0a9f8e7d6c", detect.SeverityMedium},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			fs := detectText(d, tt.text)
			if len(fs) != 1 {
				t.Fatalf("want one finding, got %v", detectors(fs))
			}
			f := fs[0]
			if f.Detector != tt.detector || f.Severity != tt.sev || tt.text[f.Start:f.End] != tt.secret {
				t.Errorf("got %s %s span %q; want %s %s %q", f.Detector, f.Severity, tt.text[f.Start:f.End], tt.detector, tt.sev, tt.secret)
			}
		})
	}
}

// TestMostSpecificRuleWins checks overlap resolution: a value that a
// provider rule explains is not also reported as a generic assignment.
func TestMostSpecificRuleWins(t *testing.T) {
	d := mustNew(t, Config{})
	tests := []struct{ text, want string }{
		{`api_key = "sk-proj-Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0KlT3BlbkFJq2mLp9xR4vB7nK1cD8eF5gH2j"`, "secret.openai_project_key"},
		{`Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIn0.r8kQ2vL5mN1xZ7pW3tY9bC4dF6gH0jK2lM4nP6qR8sT`, "secret.jwt"},
		{`DATADOG_API_KEY=0f3a9c1e7b2d48a6950c3e1f7a2b9d4c`, "secret.datadog_api_key"},
		{`https://x-access-token:` + fakeGitHubPAT("q7Lm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0K") + `@github.com/o/r.git`, "secret.github_pat"},
	}
	for _, tt := range tests {
		fs := detectText(d, tt.text)
		if len(fs) != 1 || fs[0].Detector != tt.want {
			t.Errorf("%q: got %v, want only %s", tt.text, detectors(fs), tt.want)
		}
	}
}

func TestHiddenAndDecoded(t *testing.T) {
	d := mustNew(t, Config{})
	pat := fakeGitHubPAT("q7Lm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0K")
	// A zero-width space splits the token for a naive scanner; the
	// normalized text joins it again, and the finding covers the segment.
	hidden := "token: " + pat[:10] + "\u200b" + pat[10:]
	in := inputOf(hidden)
	fs := d.Detect(in, nil)
	if len(fs) != 1 || fs[0].Detector != "secret.github_pat" || fs[0].Start != 0 || fs[0].End != len(hidden) {
		t.Fatalf("hidden token: got %+v", fs)
	}
	if strings.Contains(fs[0].Evidence, pat) {
		t.Error("evidence reveals the token")
	}
	// A base64 layer the normalizer decoded: the finding carries the span
	// of the encoded run.
	text := "config blob: ZmFrZQ== please apply"
	in = inputOf(text)
	in.Norm[0].Decoded = []normalize.Decoded{{Encoding: "base64", Start: 13, End: 21, Text: "GITHUB_TOKEN=" + pat, Depth: 1}}
	fs = d.Detect(in, nil)
	if len(fs) != 1 || fs[0].Start != 13 || fs[0].End != 21 || fs[0].Detector != "secret.github_pat" {
		t.Fatalf("decoded token: got %+v", fs)
	}
}

func TestGitHubChecksum(t *testing.T) {
	// Published vector (therootcompany/base62-token.js): the 30-character
	// body below has checksum "0mLq17".
	if got := base62CRC32("zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ"); got != "0mLq17" {
		t.Fatalf("base62CRC32 = %q, want 0mLq17", got)
	}
	good := fakeGitHubPAT("q7Lm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0K")
	if !githubChecksum(good) {
		t.Error("valid checksum rejected")
	}
	bad := good[:10] + "X" + good[11:]
	if githubChecksum(bad) {
		t.Error("altered token accepted")
	}
}

// TestPlaceholderRates checks that random credentials are almost never
// taken for placeholders, while the usual stand-ins always are.
func TestPlaceholderRates(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	alphabets := []string{
		"0123456789abcdef", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
	}
	total, flagged := 0, 0
	for _, a := range alphabets {
		for _, n := range []int{16, 20, 24, 32, 40, 64} {
			for i := 0; i < 500; i++ {
				b := make([]byte, n)
				for j := range b {
					b[j] = a[r.Intn(len(a))]
				}
				total++
				if isPlaceholder(string(b)) {
					flagged++
				}
			}
		}
	}
	if rate := float64(flagged) / float64(total); rate > 0.002 {
		t.Errorf("%d of %d random tokens (%.2f%%) taken for placeholders", flagged, total, 100*rate)
	}
	for _, p := range []string{"AKIAIOSFODNN7EXAMPLE", "<YOUR_API_KEY>", "${API_KEY}", "{{ secret }}", "your-api-key-here",
		"xxxxxxxxxxxxxxxxxxxx", "REDACTED", "***", "12345678-ABCD-ABCD-ABCD-1234567890AB", "abcdefghijklmnopqrstuvwxyz123456",
		"a1b2c3d4e5f6g7h8i9j0", "0000000000000000", "sk-xxxxxxxxxxxxxxxxxxxxxxxx", "%API_TOKEN%", "changeme"} {
		if !isPlaceholder(p) {
			t.Errorf("%q not recognised as a placeholder", p)
		}
	}
}

func TestNameClassification(t *testing.T) {
	tests := []struct {
		name string
		want nameClass
	}{
		{"DB_PASSWORD", namePassword}, {"passwd", namePassword}, {"clearTextPassword", namePassword},
		{"api_key", nameSecret}, {"X-Api-Key", nameSecret}, {"genericToken", nameSecret}, {"client_secret", nameSecret},
		{"key", nameKey}, {"hubspotKey", nameKey},
		{"max_tokens", nameNone}, {"token_count", nameNone}, {"keyPressed", nameNone}, {"credentialsId", nameNone},
		{"public_key", nameNone}, {"bypass", nameNone}, {"author", nameNone}, {"secret_name", nameNone}, {"sort_key", nameNone},
	}
	for _, tt := range tests {
		if got := classifyName(tt.name); got != tt.want {
			t.Errorf("classifyName(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestRuleTable(t *testing.T) {
	rs := defaultRules()
	ids := map[string]bool{}
	provider := 0
	idRx := regexp.MustCompile(`^[a-z0-9]+(?:_[a-z0-9]+)*$`)
	for _, r := range rs {
		if ids[r.id] {
			t.Errorf("duplicate id %s", r.id)
		}
		ids[r.id] = true
		if !idRx.MatchString(r.id) {
			t.Errorf("id %q is not snake_case", r.id)
		}
		if r.reason == "" || strings.ContainsAny(r.reason, "\n") {
			t.Errorf("%s: reason %q", r.id, r.reason)
		}
		if r.kind != kindCustom {
			provider++
		}
	}
	if provider < 150 {
		t.Errorf("%d provider-specific rules, want at least 150", provider)
	}
	t.Logf("%d rules, %d provider-specific", len(rs), provider)
	if got := Rules(); len(got) != len(rs) || !strings.HasPrefix(got[0].ID, "secret.") {
		t.Errorf("Rules() = %d entries", len(got))
	}
}

func TestEmptyInputs(t *testing.T) {
	d := mustNew(t, Config{})
	if d.Name() != "secret" {
		t.Errorf("Name() = %q", d.Name())
	}
	if out := d.Detect(nil, nil); out != nil {
		t.Error("nil input")
	}
	if out := d.Detect(&detect.Input{}, nil); out != nil {
		t.Error("input without interaction")
	}
	if out := d.Detect(inputOf(""), nil); len(out) != 0 {
		t.Error("empty text")
	}
	// Segments without a parallel Norm entry are still scanned.
	in := inputOf("AWS_ACCESS_KEY_ID=AKIAZ3MHT7QX2B5LVDNK")
	in.Norm = nil
	if out := d.Detect(in, nil); len(out) != 1 {
		t.Errorf("no norm: %v", detectors(out))
	}
}

func TestConcurrentDetect(t *testing.T) {
	d := mustNew(t, Config{})
	text := withSecrets(t)
	want := len(detectText(d, text))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if got := len(detectText(d, text)); got != want {
					t.Errorf("concurrent run found %d, want %d", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// goldenFinding is the serialised form compared against testdata.
type goldenFinding struct {
	Detector   string  `json:"detector"`
	Severity   string  `json:"severity"`
	Confidence float64 `json:"confidence"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Evidence   string  `json:"evidence"`
	Reason     string  `json:"reason"`
}

// TestGoldenAgentRequest pins the findings on the agent transcript with
// planted secrets; run with -update to rewrite the golden file.
func TestGoldenAgentRequest(t *testing.T) {
	d := mustNew(t, Config{})
	var got []goldenFinding
	for _, f := range detectText(d, withSecrets(t)) {
		got = append(got, goldenFinding{f.Detector, f.Severity.String(), f.Confidence, f.Start, f.End, f.Evidence, f.Reason})
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", "agent_request.golden.json")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(b) {
		t.Errorf("findings differ from %s (run with -update after checking):\n%s", path, b)
	}
}
