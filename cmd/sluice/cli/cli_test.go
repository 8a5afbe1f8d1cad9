package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the CLI and returns stdout, stderr and the exit code main would use.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	if stdin != "" {
		f := filepath.Join(t.TempDir(), "stdin")
		if err := os.WriteFile(f, []byte(stdin), 0o600); err != nil {
			t.Fatal(err)
		}
		in, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		old := os.Stdin
		os.Stdin = in
		defer func() { os.Stdin = old }()
	}
	var stdout, stderr bytes.Buffer
	err := Main(context.Background(), args, &stdout, &stderr)
	code := ExitCode(err, &stderr)
	return stdout.String(), stderr.String(), code
}

const awsBody = `{"model":"gpt-4o","messages":[{"role":"user","content":"key AKIA4HK7Q2ZP5XW3ND6L"}]}`

func TestEvalContract(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdin    string
		decision string
		would    string
	}{
		{"default policy monitors", []string{"eval", "--path", "/v1/chat/completions"}, awsBody, "allow", "block"},
		{"enforce previews blocking", []string{"eval", "--mode", "enforce", "-"}, awsBody, "block", "block"},
		{"flags after file", []string{"eval", "-", "--mode", "enforce"}, awsBody, "block", "block"},
		{"monitor overrides", []string{"eval", "--mode", "monitor"}, awsBody, "allow", "block"},
		{"clean request", []string{"eval", "--mode", "enforce"}, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`, "allow", "allow"},
		{"unknown api is scanned", []string{"eval", "--mode", "enforce", "--path", "/custom/llm"}, `{"q":{"deep":["x","key AKIA4HK7Q2ZP5XW3ND6L"]}}`, "block", "block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.stdin, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if strings.Count(strings.TrimSpace(out), "\n") != 0 {
				t.Errorf("want one JSON line, got %q", out)
			}
			var o map[string]any
			if err := json.Unmarshal([]byte(out), &o); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			for _, k := range []string{"decision", "decision_id", "api", "findings", "matches"} {
				if _, ok := o[k]; !ok {
					t.Errorf("output lacks %q", k)
				}
			}
			if o["decision"] != tt.decision || o["would_be_decision"] != tt.would {
				t.Errorf("decision %v would %v, want %s %s", o["decision"], o["would_be_decision"], tt.decision, tt.would)
			}
			if strings.Contains(out, "AKIA4HK7Q2ZP5XW3ND6L") {
				t.Error("output contains the raw secret")
			}
		})
	}
}

func TestEvalRedactBodyAndHeaders(t *testing.T) {
	f := filepath.Join(t.TempDir(), "body.json")
	os.WriteFile(f, []byte(`{"model":"gpt-4o","messages":[{"role":"user","content":"card 4539 1488 0343 6467"}]}`), 0o600)
	out, errOut, code := run(t, "", "eval", "--mode", "enforce", "--header", "User-Agent: Cursor/1.4.5",
		"--header", "X-Forwarded-Email: dev@example.com", f)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var o struct {
		Decision  string          `json:"decision"`
		Body      json.RawMessage `json:"body"`
		Agent     string          `json:"agent"`
		Principal string          `json:"principal"`
		Matches   []struct {
			Rule     string `json:"rule"`
			Enforced bool   `json:"enforced"`
		} `json:"matches"`
	}
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatal(err)
	}
	if o.Decision != "redact" || !strings.Contains(string(o.Body), "[REDACTED:pii.credit_card]") || o.Agent != "cursor" || o.Principal != "dev@example.com" {
		t.Fatalf("%s", out)
	}
	if len(o.Matches) == 0 || o.Matches[0].Rule != "redact-pii" || !o.Matches[0].Enforced {
		t.Fatalf("matches %+v", o.Matches)
	}
}

func TestEvalUnusableInputExits2(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"not json", "hello there", []string{"eval"}, "not JSON"},
		{"missing file", "", []string{"eval", "/nonexistent/body.json"}, "no such file"},
		{"bad policy", awsBody, []string{"eval", "--policy", "testdata/bad-policy.yaml"}, "bad-policy.yaml:4: rules[0].match.categories[0]"},
		{"bad mode", awsBody, []string{"eval", "--mode", "strict"}, "--mode"},
		{"bad flag", awsBody, []string{"eval", "--frobnicate"}, ""},
		{"two files", "", []string{"eval", "a.json", "b.json"}, "one FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.stdin, tt.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (stdout %q stderr %q)", code, out, errOut)
			}
			if out != "" {
				t.Errorf("stdout should be empty, got %q", out)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q does not mention %q", errOut, tt.want)
			}
		})
	}
}

func TestEvalPolicyFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.yaml")
	os.WriteFile(p, []byte("version: 1\ndefaults: {mode: enforce}\nrules:\n  - id: secrets\n    match: {categories: [secret]}\n    action: block\n"), 0o600)
	t.Setenv("SLUICE_POLICY", p)
	out, errOut, code := run(t, awsBody, "eval")
	if code != 0 || !strings.Contains(out, `"decision":"block"`) || !strings.Contains(out, `"rule":"secrets"`) {
		t.Fatalf("exit %d out %s err %s", code, out, errOut)
	}
}

func TestEvalSummary(t *testing.T) {
	out, _, code := run(t, awsBody, "eval", "--mode", "enforce", "--format", "summary")
	if code != 0 || !strings.HasPrefix(out, "block api=openai.chat_completions rules=block-secrets findings=secret.aws_access_key_id") {
		t.Fatalf("exit %d out %q", code, out)
	}
}

func TestPolicyCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n    action: block\n    mode: enforce\n"), 0o600)
	out, _, code := run(t, "", "policy", "check", good)
	if code != 0 || !strings.Contains(out, "ok (1 rules, 1 enforced, 0 exceptions") {
		t.Fatalf("exit %d out %q", code, out)
	}
	_, errOut, code := run(t, "", "policy", "check", "testdata/bad-policy.yaml")
	if code != 2 || !strings.Contains(errOut, `testdata/bad-policy.yaml:4: rules[0].match.categories[0]: unknown category "secrets"`) {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	badEntity := filepath.Join(dir, "entity.yaml")
	os.WriteFile(badEntity, []byte("version: 1\ndetectors:\n  pii:\n    entities: [shoe_size]\n"), 0o600)
	if _, errOut, code := run(t, "", "policy", "check", badEntity); code != 2 || !strings.Contains(errOut, "shoe_size") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}

func TestPolicyTest(t *testing.T) {
	out, errOut, code := run(t, "", "policy", "test", "-v", "testdata/policytests")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "4 passed, 0 failed") || !strings.Contains(out, "PASS testdata/policytests/default_test.yaml: AWS key in a prompt is blocked") {
		t.Fatalf("%s", out)
	}
	out, errOut, code = run(t, "", "policy", "test", "testdata/failing_test.yaml")
	if code != 1 || errOut != "" {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	for _, want := range []string{
		"FAIL testdata/failing_test.yaml: expects the wrong decision",
		"decision: got allow, want block",
		"rules: got [], want [block-secrets]",
		"0 passed, 1 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestMainUsage(t *testing.T) {
	if _, _, code := run(t, "", "frobnicate"); code != 2 {
		t.Errorf("unknown command exit %d", code)
	}
	if _, _, code := run(t, ""); code != 2 {
		t.Errorf("no command exit %d", code)
	}
	out, _, code := run(t, "", "help")
	if code != 0 || !strings.Contains(out, "eval") {
		t.Errorf("help exit %d out %q", code, out)
	}
	out, _, code = run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "sluice ") {
		t.Errorf("version exit %d out %q", code, out)
	}
	if _, _, code := run(t, "", "eval", "-h"); code != 0 {
		t.Errorf("eval -h exit %d", code)
	}
}
