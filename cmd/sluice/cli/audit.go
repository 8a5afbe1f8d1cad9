package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/store"
)

// auditNow is the clock of `sluice audit` (tests set it).
var auditNow = time.Now

// runAudit queries the embedded audit store:
//
//	sluice audit [--since DUR] [--decision D] [--rule R] [--user U] [--agent A]
//	             [--tool T] [--category C] [--door D] [--json] [--data-dir DIR] [--limit N]
//	sluice audit summary [--since DUR] [--top N] [--json] [--data-dir DIR]
//
// It opens the store read-only, so it runs alongside `sluice serve`.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "summary" {
		return runAuditSummary(ctx, args[1:], stdout, stderr)
	}
	fs := newFlagSet("audit", stderr)
	var src storeFlags
	src.register(fs)
	since := fs.String("since", "", "only records newer than this: a duration (30m, 24h, 7d) or a time (2026-05-01, RFC 3339)")
	until := fs.String("until", "", "only records older than this (same forms as --since)")
	decision := fs.String("decision", "", "allow, block, redact, error, or an effect: blocked, redacted, would_block, would_redact, allowed")
	rule := fs.String("rule", "", "a matched rule id (globs allowed: 'block-*')")
	user := fs.String("user", "", "the principal id (globs allowed: '*@example.com')")
	agent := fs.String("agent", "", "the agent name (claude-code, codex, cursor, ...)")
	tool := fs.String("tool", "", "a tool defined or called in the request")
	category := fs.String("category", "", "a finding category: "+categoryList())
	door := fs.String("door", "", "envoy, aperture, api or cli")
	limit := fs.Int("limit", 100, "at most this many records, newest first")
	asJSON := fs.Bool("json", false, "print each record as one JSON object a line (the full audit record)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sluice audit [flags]\n       sluice audit summary [--since DUR] [--top N] [--json] [--data-dir DIR]\n\n"+
			"Lists the decisions recorded in the embedded audit store, newest first.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("audit takes no arguments (did you mean `sluice audit summary`?), got %q", pos[0])
	}
	if *limit <= 0 {
		return usageErr("--limit %d: want a positive number", *limit)
	}
	now := auditNow()
	f := store.Filter{Decision: *decision, Rule: *rule, User: *user, Agent: *agent, Tool: *tool, Door: *door, Limit: *limit}
	if f.Since, err = parseWhen(*since, now, "--since"); err != nil {
		return err
	}
	if f.Until, err = parseWhen(*until, now, "--until"); err != nil {
		return err
	}
	if *category != "" {
		if _, err := detect.ParseCategory(*category); err != nil {
			return usageErr("--category: %v", err)
		}
		f.Category = *category
	}
	if f.Decision != "" && !slices.Contains(store.DecisionValues, f.Decision) {
		return usageErr("--decision %q: want one of %s", f.Decision, strings.Join(store.DecisionValues, ", "))
	}
	st, err := src.open()
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	rows, err := st.Query(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		for _, r := range rows {
			if _, err := fmt.Fprintf(stdout, "%s\n", r.Doc); err != nil {
				return err
			}
		}
		return nil
	}
	return printAuditTable(stdout, rows)
}

// storeFlags locate the audit store.
type storeFlags struct {
	dataDir, db string
}

func (s *storeFlags) register(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&s.dataDir, "data-dir", defaultDataDir, "the data directory of `sluice serve`, which holds "+store.FileName)
	fs.StringVar(&s.db, "db", "", "the audit database file, when the serve config moved it (audit.sqlite.path)")
}

func (s *storeFlags) open() (*store.Store, error) {
	path := s.db
	if path == "" {
		path = filepath.Join(s.dataDir, store.FileName)
	}
	st, err := store.OpenReadOnly(path)
	if err != nil {
		return nil, inputErr(err)
	}
	return st, nil
}

// parseWhen parses a duration back from now ("24h", "7d") or a time
// (RFC 3339, or a date at midnight UTC). Empty means no bound.
func parseWhen(s string, now time.Time, flag string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := telemetry.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr("%s %q: want a duration (30m, 24h, 7d) or a time (2026-05-01 or 2026-05-01T12:00:00Z)", flag, s)
}

func categoryList() string {
	names := make([]string, len(detect.Categories))
	for i, c := range detect.Categories {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// printAuditTable prints one line a decision.
func printAuditTable(w io.Writer, rows []store.Row) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no audit records match")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tDECISION\tRULES\tCATEGORIES\tUSER\tAGENT\tDOOR\tMODEL\tDECISION ID")
	for _, r := range rows {
		var rules, cats []string
		if rec, err := r.Record(); err == nil {
			for _, m := range rec.Sluice.Matches {
				rules = append(rules, m.Rule)
			}
			cats = rec.Sluice.Categories
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.Time.Format("2006-01-02 15:04:05"), decisionLabel(&r), dash(strings.Join(rules, ",")),
			dash(strings.Join(cats, ",")), dash(r.User), dash(r.Agent), dash(r.Door), dash(r.Model), r.ID)
	}
	return tw.Flush()
}

// decisionLabel is the decision with what it would have been under full
// enforcement when that differs: "allow (would block)".
func decisionLabel(r *store.Row) string {
	switch {
	case r.Outcome == audit.OutcomeFailure && r.Decision == "":
		return "error (" + r.Reason + ")"
	case r.Outcome == audit.OutcomeFailure:
		return r.Decision + " (" + r.Reason + ")"
	case r.WouldBe != "" && r.WouldBe != r.Decision:
		return r.Decision + " (would " + r.WouldBe + ")"
	}
	return r.Decision
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// runAuditSummary prints activity over a window.
func runAuditSummary(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit summary", stderr)
	var src storeFlags
	src.register(fs)
	since := fs.String("since", "24h", "the window: a duration back from now (24h, 7d) or a start time")
	top := fs.Int("top", 10, "how many users, agents, tools and rules to list")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sluice audit summary [flags]\n\nTop users, agents, tools and rules, and blocked against would-block counts, over a window.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("audit summary takes no arguments, got %q", pos[0])
	}
	if *top <= 0 {
		return usageErr("--top %d: want a positive number", *top)
	}
	now := auditNow()
	from, err := parseWhen(*since, now, "--since")
	if err != nil {
		return err
	}
	if from.IsZero() {
		return usageErr("--since: a window is required")
	}
	st, err := src.open()
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	sum, err := st.Summary(ctx, from, now.Add(time.Second), *top)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(summaryJSON(sum))
	}
	return printSummary(stdout, sum)
}

type summaryOut struct {
	Since     time.Time         `json:"since"`
	Until     time.Time         `json:"until"`
	Total     int64             `json:"decisions"`
	Decisions map[string]int64  `json:"by_decision"`
	Effects   map[string]int64  `json:"by_effect"`
	Users     []store.Count     `json:"top_users"`
	Agents    []store.Count     `json:"top_agents"`
	Tools     []store.ToolCount `json:"top_tools"`
	Rules     []store.RuleCount `json:"top_rules"`
}

func summaryJSON(s *store.Summary) summaryOut {
	out := summaryOut{Since: s.Since.UTC(), Until: s.Until.UTC(), Total: s.Total, Decisions: s.Decisions, Effects: s.Effects,
		Users: s.Users, Agents: s.Agents, Tools: s.Tools, Rules: s.Rules}
	if out.Users == nil {
		out.Users = []store.Count{}
	}
	if out.Agents == nil {
		out.Agents = []store.Count{}
	}
	if out.Tools == nil {
		out.Tools = []store.ToolCount{}
	}
	if out.Rules == nil {
		out.Rules = []store.RuleCount{}
	}
	return out
}

func printSummary(w io.Writer, s *store.Summary) error {
	e := s.Effects
	fmt.Fprintf(w, "sluice audit summary, %s to %s UTC\n\n", s.Since.UTC().Format("2006-01-02 15:04"), s.Until.UTC().Format("2006-01-02 15:04"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "decisions\t%d\t\t\t\n", s.Total)
	fmt.Fprintf(tw, "blocked\t%d\twould block (monitor)\t%d\t\n", e[audit.EffectBlocked], e[audit.EffectWouldBlock])
	fmt.Fprintf(tw, "redacted\t%d\twould redact (monitor)\t%d\t\n", e[audit.EffectRedacted], e[audit.EffectWouldRedact])
	fmt.Fprintf(tw, "allowed\t%d\terrors\t%d\t\n", e[audit.EffectAllowed], e[audit.EffectError])
	if err := tw.Flush(); err != nil {
		return err
	}
	section := func(title string, header string, lines []string) {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\t%s\n", strings.ToUpper(title), header)
		if len(lines) == 0 {
			fmt.Fprintln(tw, "(none)\t")
		}
		for _, l := range lines {
			fmt.Fprintln(tw, l)
		}
		tw.Flush()
	}
	counts := func(cs []store.Count) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s\t%d\t%d\t%d", c.Name, c.Decisions, c.Blocked, c.WouldBlock))
		}
		return out
	}
	section("top users", "DECISIONS\tBLOCKED\tWOULD BLOCK", counts(s.Users))
	section("top agents", "DECISIONS\tBLOCKED\tWOULD BLOCK", counts(s.Agents))
	var tools []string
	for _, t := range s.Tools {
		tools = append(tools, fmt.Sprintf("%s\t%d\t%d", t.Name, t.Decisions, t.Called))
	}
	section("top tools", "DECISIONS\tCALLED", tools)
	var rules []string
	for _, r := range s.Rules {
		rules = append(rules, fmt.Sprintf("%s\t%d\t%d\t%d\t%d\t%d", r.Rule, r.Matches, r.Enforced, r.Monitor, r.Blocked, r.WouldBlock))
	}
	section("top rules", "MATCHES\tENFORCED\tMONITOR\tBLOCKED\tWOULD BLOCK", rules)
	return nil
}
