package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/policy"
	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/store"
)

var auditT0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

type auditCase struct {
	user, agent, tool, door string
	verdict, would          evaluator.Verdict
	rule                    string
	enforced                bool
	cat                     detect.Category
	ago                     time.Duration
	failed                  bool
}

// auditStore writes a small trail into a data directory and returns it.
func auditStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cases := []auditCase{
		{"alice@example.com", "claude-code", "shell", "envoy", evaluator.Allow, evaluator.Block, "block-secrets", false, detect.CategorySecret, 50 * time.Hour, false},
		{"alice@example.com", "claude-code", "shell", "envoy", evaluator.Allow, evaluator.Block, "block-secrets", false, detect.CategorySecret, 3 * time.Hour, false},
		{"bob@example.com", "cursor", "read_file", "aperture", evaluator.Block, evaluator.Block, "block-secrets", true, detect.CategorySecret, 2 * time.Hour, false},
		{"bob@example.com", "cursor", "", "aperture", evaluator.Redact, evaluator.Redact, "redact-pii", true, detect.CategoryPII, 90 * time.Minute, false},
		{"carol@corp.test", "codex", "", "api", evaluator.Allow, evaluator.Allow, "", false, "", time.Hour, false},
		{"carol@corp.test", "codex", "", "api", "", "", "", false, "", 30 * time.Minute, true},
	}
	st, err := store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		ix := &interaction.Interaction{
			API: "openai.chat_completions", Path: "/v1/chat/completions", Model: "gpt-4o",
			Principal: interaction.Principal{ID: c.user}, Agent: interaction.Agent{Name: c.agent},
		}
		if c.tool != "" {
			ix.ToolCalls = []interaction.ToolCall{{Name: c.tool}}
		}
		d := &evaluator.Decision{
			ID: fmt.Sprintf("0190f5d2-0000-7000-8000-00000000000%d", i), Time: auditT0.Add(-c.ago), Door: c.door,
			Verdict: c.verdict, WouldBe: c.would, Reason: evaluator.ReasonNoFinding, Interaction: ix,
		}
		if c.failed {
			d.Reason = "body_not_json"
		}
		if c.cat != "" {
			d.Findings = []detect.Finding{{Category: c.cat, Detector: string(c.cat) + ".x", Segment: -1, Evidence: "AKIA…[masked]"}}
		}
		if c.rule != "" {
			action := policy.ActionBlock
			if c.rule == "redact-pii" {
				action = policy.ActionRedact
			}
			mode := policy.ModeMonitor
			if c.enforced {
				mode = policy.ModeEnforce
			}
			d.Matches = []policy.Match{{Rule: &policy.Rule{ID: c.rule}, Mode: mode, Action: action, Enforced: c.enforced,
				Categories: []detect.Category{c.cat}}}
			d.Reason = evaluator.ReasonMonitor
		}
		st.Enqueue(audit.NewEntry(audit.FromDecision(d, audit.Options{Evaluated: !c.failed, Failed: c.failed})))
	}
	if err := st.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runAuditArgs(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runAudit(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestAuditList(t *testing.T) {
	old := auditNow
	auditNow = func() time.Time { return auditT0 }
	defer func() { auditNow = old }()
	dir := auditStore(t)

	tests := []struct {
		name string
		args []string
		want []string // decision id suffixes, newest first
	}{
		{"all", nil, []string{"5", "4", "3", "2", "1", "0"}},
		{"since", []string{"--since", "24h"}, []string{"5", "4", "3", "2", "1"}},
		{"since_days", []string{"--since", "3d"}, []string{"5", "4", "3", "2", "1", "0"}},
		{"since_time", []string{"--since", "2026-05-01T10:15:00Z"}, []string{"5", "4", "3"}},
		{"until", []string{"--until", "100m"}, []string{"2", "1", "0"}},
		{"decision_block", []string{"--decision", "block"}, []string{"2"}},
		{"would_block", []string{"--decision", "would_block"}, []string{"1", "0"}},
		{"error", []string{"--decision", "error"}, []string{"5"}},
		{"rule", []string{"--rule", "block-secrets", "--since", "24h"}, []string{"2", "1"}},
		{"user", []string{"--user", "bob@example.com"}, []string{"3", "2"}},
		{"user_glob", []string{"--user", "*@example.com", "--limit", "2"}, []string{"3", "2"}},
		{"agent", []string{"--agent", "codex"}, []string{"5", "4"}},
		{"tool", []string{"--tool", "shell"}, []string{"1", "0"}},
		{"category", []string{"--category", "pii"}, []string{"3"}},
		{"door", []string{"--door", "aperture"}, []string{"3", "2"}},
		{"flags_after", []string{"--json", "--agent", "cursor"}, []string{"3", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runAuditArgs(t, append([]string{"--data-dir", dir, "--json"}, tt.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if line == "" {
					continue
				}
				var r audit.Record
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				got = append(got, r.Sluice.DecisionID[len(r.Sluice.DecisionID)-1:])
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("table", func(t *testing.T) {
		out, _, err := runAuditArgs(t, "--data-dir", dir, "--since", "24h")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 6 || !strings.HasPrefix(lines[0], "TIME (UTC)") {
			t.Fatalf("table:\n%s", out)
		}
		for _, want := range []string{
			"error (body_not_json)", "allow (would block)", "block-secrets", "secret", "bob@example.com", "cursor",
			"2026-05-01 10:00:00", "0190f5d2-0000-7000-8000-000000000002",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("table lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("no_match", func(t *testing.T) {
		out, _, err := runAuditArgs(t, "--data-dir", dir, "--user", "nobody")
		if err != nil || !strings.Contains(out, "no audit records match") {
			t.Fatalf("%q %v", out, err)
		}
	})

	t.Run("db_flag", func(t *testing.T) {
		out, _, err := runAuditArgs(t, "--db", filepath.Join(dir, store.FileName), "--json", "--decision", "block")
		if err != nil || strings.Count(out, "\n") != 1 {
			t.Fatalf("%q %v", out, err)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"--decision", "deny"}, {"--category", "malware"}, {"--since", "yesterday"}, {"--limit", "0"}, {"extra"}, {"--bogus"},
		} {
			_, _, err := runAuditArgs(t, append([]string{"--data-dir", dir}, args...)...)
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != 2 {
				t.Errorf("%v: err = %v, want a usage error", args, err)
			}
		}
		_, _, err := runAuditArgs(t, "--data-dir", t.TempDir())
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != 2 || !strings.Contains(err.Error(), "no audit store") {
			t.Errorf("missing store: %v", err)
		}
	})
}

func TestAuditSummary(t *testing.T) {
	old := auditNow
	auditNow = func() time.Time { return auditT0 }
	defer func() { auditNow = old }()
	dir := auditStore(t)

	out, _, err := runAuditArgs(t, "summary", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"sluice audit summary, 2026-04-30 12:00 to 2026-05-01 12:00 UTC",
		"TOP USERS", "alice@example.com", "TOP AGENTS", "TOP TOOLS", "shell", "TOP RULES", "block-secrets",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !regexpMatch(`decisions\s+5`, out) || !regexpMatch(`blocked\s+1\s+would block \(monitor\)\s+1`, out) {
		t.Errorf("summary totals:\n%s", out)
	}

	out, _, err = runAuditArgs(t, "summary", "--data-dir", dir, "--since", "7d", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var s summaryOut
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Total != 6 || s.Effects["would_block"] != 2 || s.Effects["blocked"] != 1 || s.Effects["error"] != 1 ||
		len(s.Users) != 3 || s.Users[0].Name != "alice@example.com" || s.Rules[0].Rule != "block-secrets" || s.Rules[0].WouldBlock != 2 {
		t.Fatalf("summary %+v", s)
	}

	for _, args := range [][]string{{"--top", "0"}, {"--since", ""}, {"x"}} {
		_, _, err := runAuditArgs(t, append([]string{"summary", "--data-dir", dir}, args...)...)
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != 2 {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
