package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/policy"
	"github.com/sluicehq/sluice/telemetry/audit"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

type spec struct {
	user, agent, tool string
	verdict, would    evaluator.Verdict
	rule              string
	enforced          bool
	cat               detect.Category
	at                time.Duration // after t0
}

var ruleActions = map[string]policy.Action{"block-secrets": policy.ActionBlock, "redact-pii": policy.ActionRedact}

func record(i int, s spec) *audit.Entry { return recordN(i, s, 1) }

// recordN builds a record with n findings (a fat record when n is large).
func recordN(i int, s spec, n int) *audit.Entry {
	ix := &interaction.Interaction{
		API: "openai.chat_completions", Provider: "openai", Path: "/v1/chat/completions", Model: "gpt-4o",
		Principal: interaction.Principal{ID: s.user},
		Agent:     interaction.Agent{Name: s.agent},
	}
	if s.tool != "" {
		ix.Tools = []interaction.ToolDef{{Name: s.tool}}
		ix.ToolCalls = []interaction.ToolCall{{Name: s.tool}}
	}
	d := &evaluator.Decision{
		ID: fmt.Sprintf("dec-%06d", i), Time: t0.Add(s.at), Door: evaluator.DoorEnvoy,
		Verdict: s.verdict, WouldBe: s.would, Reason: evaluator.ReasonNoFinding, Interaction: ix,
		PolicyName: "p", PolicyHash: "h",
	}
	if s.cat != "" {
		for j := 0; j < n; j++ {
			d.Findings = append(d.Findings, detect.Finding{Category: s.cat, Detector: string(s.cat) + ".x", Segment: -1,
				Location: fmt.Sprintf("messages[%d].content", j), Evidence: "x…[masked]", Reason: "a finding of the test"})
		}
	}
	if s.rule != "" {
		mode := policy.ModeMonitor
		if s.enforced {
			mode = policy.ModeEnforce
		}
		d.Matches = []policy.Match{{Rule: &policy.Rule{ID: s.rule}, Mode: mode, Action: ruleActions[s.rule], Enforced: s.enforced,
			Categories: []detect.Category{s.cat}}}
		if s.verdict != evaluator.Allow {
			d.Rule = s.rule
		}
	}
	return audit.NewEntry(audit.FromDecision(d, audit.Options{Evaluated: true}))
}

// traffic is a small day of decisions.
var traffic = []spec{
	{"alice@example.com", "claude-code", "shell", evaluator.Allow, evaluator.Block, "block-secrets", false, detect.CategorySecret, time.Minute},
	{"alice@example.com", "claude-code", "", evaluator.Allow, evaluator.Allow, "", false, "", 2 * time.Minute},
	{"bob@example.com", "cursor", "read_file", evaluator.Block, evaluator.Block, "block-secrets", true, detect.CategorySecret, 3 * time.Minute},
	{"bob@example.com", "cursor", "", evaluator.Redact, evaluator.Redact, "redact-pii", true, detect.CategoryPII, 4 * time.Minute},
	{"carol@corp.test", "codex", "shell", evaluator.Allow, evaluator.Redact, "redact-pii", false, detect.CategoryPII, 5 * time.Minute},
	{"", "unknown", "", evaluator.Allow, evaluator.Allow, "", false, "", 6 * time.Minute},
}

func openStore(t testing.TB, o Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), FileName), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func fill(t testing.TB, s *Store) {
	t.Helper()
	for i, sp := range traffic {
		s.Enqueue(record(i, sp))
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func ids(rows []Row) string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.TrimPrefix(r.ID, "dec-00000"))
	}
	return strings.Join(out, ",")
}

func TestRoundTrip(t *testing.T) {
	s := openStore(t, Options{})
	fill(t, s)
	ctx := context.Background()

	tests := []struct {
		name string
		f    Filter
		want string // decision id suffixes, newest first
	}{
		{"all", Filter{}, "5,4,3,2,1,0"},
		{"limit", Filter{Limit: 2}, "5,4"},
		{"since", Filter{Since: t0.Add(4 * time.Minute)}, "5,4,3"},
		{"until", Filter{Until: t0.Add(3 * time.Minute)}, "1,0"},
		{"decision_block", Filter{Decision: "block"}, "2"},
		{"decision_redact", Filter{Decision: "redact"}, "3"},
		{"would_block", Filter{Decision: "would_block"}, "0"},
		{"would_redact", Filter{Decision: "would_redact"}, "4"},
		{"user", Filter{User: "bob@example.com"}, "3,2"},
		{"user_glob", Filter{User: "*@example.com"}, "3,2,1,0"},
		{"agent", Filter{Agent: "claude-code"}, "1,0"},
		{"rule", Filter{Rule: "block-secrets"}, "2,0"},
		{"rule_glob", Filter{Rule: "redact-*"}, "4,3"},
		{"tool", Filter{Tool: "shell"}, "4,0"},
		{"category", Filter{Category: "pii"}, "4,3"},
		{"combined", Filter{Rule: "block-secrets", Decision: "block", User: "bob@example.com"}, "2"},
		{"door", Filter{Door: "aperture"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := s.Query(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(rows); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			n, err := s.Count(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if tt.f.Limit == 0 && int(n) != len(rows) {
				t.Fatalf("Count = %d, Query returned %d", n, len(rows))
			}
		})
	}

	t.Run("record_json_is_kept_whole", func(t *testing.T) {
		rows, err := s.Query(ctx, Filter{Decision: "block"})
		if err != nil || len(rows) != 1 {
			t.Fatal(rows, err)
		}
		want, _ := record(2, traffic[2]).JSON()
		if string(rows[0].Doc) != string(want) {
			t.Fatalf("stored doc differs:\n%s\n%s", rows[0].Doc, want)
		}
		rec, err := rows[0].Record()
		if err != nil {
			t.Fatal(err)
		}
		r := rows[0]
		if rec.Sluice.DecisionID != r.ID || r.User != "bob@example.com" || r.Agent != "cursor" || r.Rule != "block-secrets" ||
			r.Effect != audit.EffectBlocked || r.Outcome != audit.OutcomeSuccess || r.Model != "gpt-4o" || !r.Time.Equal(t0.Add(3*time.Minute)) {
			t.Fatalf("columns: %+v", r)
		}
	})

	t.Run("bad_decision", func(t *testing.T) {
		if _, err := s.Query(ctx, Filter{Decision: "deny"}); err == nil || !strings.Contains(err.Error(), "want one of") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("replay_is_idempotent", func(t *testing.T) {
		fill(t, s)
		if n, _ := s.Count(ctx, Filter{}); n != int64(len(traffic)) {
			t.Fatalf("after replay: %d records, want %d", n, len(traffic))
		}
		rows, _ := s.Query(ctx, Filter{Rule: "block-secrets"})
		if len(rows) != 2 {
			t.Fatalf("child rows duplicated: %d", len(rows))
		}
	})

	t.Run("stats", func(t *testing.T) {
		st := s.Stats()
		if st.Written != 2*uint64(len(traffic)) || st.Dropped != 0 || st.QueueDepth != 0 {
			t.Fatalf("stats %+v", st)
		}
		if err := s.Ready(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSummary(t *testing.T) {
	s := openStore(t, Options{})
	fill(t, s)
	sum, err := s.Summary(context.Background(), t0, t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 6 || sum.Decisions["allow"] != 4 || sum.Decisions["block"] != 1 || sum.Decisions["redact"] != 1 {
		t.Fatalf("totals: %d %v", sum.Total, sum.Decisions)
	}
	if sum.Effects[audit.EffectBlocked] != 1 || sum.Effects[audit.EffectWouldBlock] != 1 ||
		sum.Effects[audit.EffectRedacted] != 1 || sum.Effects[audit.EffectWouldRedact] != 1 || sum.Effects[audit.EffectAllowed] != 2 {
		t.Fatalf("effects: %v", sum.Effects)
	}
	wantUsers := []Count{
		{"alice@example.com", 2, 0, 1}, {"bob@example.com", 2, 1, 0}, {"carol@corp.test", 1, 0, 0},
	}
	if !slices.Equal(sum.Users, wantUsers) {
		t.Fatalf("users: %+v", sum.Users)
	}
	if len(sum.Agents) != 4 || sum.Agents[0].Name != "claude-code" && sum.Agents[0].Name != "cursor" {
		t.Fatalf("agents: %+v", sum.Agents)
	}
	wantTools := []ToolCount{{"shell", 2, 2}, {"read_file", 1, 1}}
	if !slices.Equal(sum.Tools, wantTools) {
		t.Fatalf("tools: %+v", sum.Tools)
	}
	wantRules := []RuleCount{{"block-secrets", 2, 1, 1, 1, 1}, {"redact-pii", 2, 1, 1, 0, 0}}
	if !slices.Equal(sum.Rules, wantRules) {
		t.Fatalf("rules: %+v", sum.Rules)
	}
	// An empty window.
	sum, err = s.Summary(context.Background(), t0.Add(-2*time.Hour), t0.Add(-time.Hour), 10)
	if err != nil || sum.Total != 0 || len(sum.Users) != 0 {
		t.Fatalf("empty window: %+v %v", sum, err)
	}
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	t.Run("by_age", func(t *testing.T) {
		now := t0.Add(10 * time.Minute)
		s := openStore(t, Options{MaxAge: 7 * time.Minute, Now: func() time.Time { return now }, RetentionInterval: time.Hour})
		fill(t, s)
		s.retain() // cutoff t0+3m: records at 1m and 2m go
		rows, err := s.Query(ctx, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(rows); got != "5,4,3,2" {
			t.Fatalf("after retention: %s", got)
		}
		var children int
		s.db.QueryRow(`SELECT count(*) FROM decision_rules WHERE ts < ?`, t0.Add(3*time.Minute).UnixNano()).Scan(&children)
		if children != 0 {
			t.Fatalf("%d child rows of deleted records remain", children)
		}
	})
	t.Run("by_size", func(t *testing.T) {
		const bound = 640 << 10
		s := openStore(t, Options{MaxBytes: bound, RetentionInterval: time.Hour})
		const n = 300
		for i := 0; i < n; i++ {
			sp := traffic[i%len(traffic)]
			sp.at = time.Duration(i) * time.Second
			sp.cat = detect.CategorySecret
			s.Enqueue(recordN(i, sp, 12)) // about 3 KiB each
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		before, _ := s.usedBytes(ctx)
		if before <= bound {
			t.Fatalf("test wrote only %d bytes; raise the record count", before)
		}
		s.retain()
		after, err := s.usedBytes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after > bound {
			t.Fatalf("used %d bytes after retention, bound %d", after, bound)
		}
		rows, _ := s.Query(ctx, Filter{Limit: 1})
		if len(rows) != 1 || rows[0].ID != fmt.Sprintf("dec-%06d", n-1) {
			t.Fatalf("newest record was deleted: %+v", rows)
		}
		// Retention deletes what it must, not everything.
		if kept, _ := s.Count(ctx, Filter{}); kept < n/3 {
			t.Fatalf("only %d of %d records kept", kept, n)
		}
	})
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	w, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	fill(t, w)
	r, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	// The reader sees what the writer writes while it is open.
	w.Enqueue(record(99, traffic[0]))
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Count(ctx, Filter{}); err != nil || n != int64(len(traffic)+1) {
		t.Fatalf("reader count %d, %v", n, err)
	}
	if err := r.Ready(); err == nil {
		t.Fatal("a read-only store reports ready to write")
	}
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "missing.db")); err == nil || !strings.Contains(err.Error(), "no audit store") {
		t.Fatalf("missing store: %v", err)
	}
}

func TestConcurrentEnqueue(t *testing.T) {
	s := openStore(t, Options{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				s.Enqueue(record(g*1000+i, traffic[i%len(traffic)]))
			}
		}(g)
	}
	wg.Wait()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(context.Background(), Filter{}); n != 1000 {
		t.Fatalf("stored %d, want 1000", n)
	}
}

// BenchmarkStoreWrite measures sustained inserts through the queue and the
// batching writer (records/s is the figure docs/PERFORMANCE.md records).
func BenchmarkStoreWrite(b *testing.B) {
	s := openStore(b, Options{QueueSize: 1 << 20})
	entries := make([]*audit.Entry, b.N)
	for i := range entries {
		entries[i] = record(i, traffic[i%len(traffic)])
		entries[i].JSON() // encoding is measured separately (audit.BenchmarkMarshal)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, e := range entries {
		s.Enqueue(e)
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if st := s.Stats(); st.Dropped != 0 {
		b.Fatalf("dropped %d", st.Dropped)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
