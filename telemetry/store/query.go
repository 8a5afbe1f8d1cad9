package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/telemetry/audit"
)

// Filter selects records. Empty fields select everything. Rule, User,
// Agent, Tool and Door match exactly, or as a glob when they contain * or
// ? ("*@example.com").
type Filter struct {
	Since, Until time.Time
	// Decision is a verdict (allow, block, redact), "error" for failed
	// evaluations, or an effect (blocked, redacted, would_block,
	// would_redact, allowed).
	Decision string
	Rule     string
	User     string
	Agent    string
	Tool     string // defined or called
	Category string
	Door     string
	// Limit bounds the rows returned, newest first (0: 100).
	Limit int
}

// DecisionValues lists what Filter.Decision accepts.
var DecisionValues = []string{
	"allow", "block", "redact", "error",
	audit.EffectBlocked, audit.EffectRedacted, audit.EffectWouldBlock, audit.EffectWouldRedact, audit.EffectAllowed,
}

// Row is one stored record: its indexed columns and the full record JSON.
type Row struct {
	ID       string
	Time     time.Time
	Decision string
	WouldBe  string
	Effect   string
	Outcome  string
	Reason   string
	Mode     string
	Rule     string
	User     string
	Agent    string
	Door     string
	Phase    string
	API      string
	Model    string
	Session  string
	Findings int
	Doc      json.RawMessage
}

// Record decodes the row's full record.
func (r *Row) Record() (*audit.Record, error) {
	var rec audit.Record
	if err := json.Unmarshal(r.Doc, &rec); err != nil {
		return nil, fmt.Errorf("record %s: %w", r.ID, err)
	}
	return &rec, nil
}

func matchOp(v string) string {
	if strings.ContainsAny(v, "*?[") {
		return " GLOB ?"
	}
	return " = ?"
}

// where builds the WHERE clause of a filter over the decisions table.
func (f *Filter) where() (string, []any, error) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if !f.Since.IsZero() {
		add("ts >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		add("ts < ?", f.Until.UnixNano())
	}
	switch d := f.Decision; d {
	case "":
	case "allow", "block", "redact":
		add("decision = ?", d)
	case "error":
		add("outcome = ?", audit.OutcomeFailure)
	case audit.EffectBlocked, audit.EffectRedacted, audit.EffectWouldBlock, audit.EffectWouldRedact, audit.EffectAllowed:
		add("effect = ?", d)
	default:
		return "", nil, fmt.Errorf("decision %q: want one of %s", d, strings.Join(DecisionValues, ", "))
	}
	if f.User != "" {
		add("user"+matchOp(f.User), f.User)
	}
	if f.Agent != "" {
		add("agent"+matchOp(f.Agent), f.Agent)
	}
	if f.Door != "" {
		add("door"+matchOp(f.Door), f.Door)
	}
	if f.Rule != "" {
		add("seq IN (SELECT seq FROM decision_rules WHERE rule"+matchOp(f.Rule)+")", f.Rule)
	}
	if f.Tool != "" {
		add("seq IN (SELECT seq FROM decision_tools WHERE tool"+matchOp(f.Tool)+")", f.Tool)
	}
	if f.Category != "" {
		add("seq IN (SELECT seq FROM decision_categories WHERE category = ?)", f.Category)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// Query returns the records matching f, newest first.
func (s *Store) Query(ctx context.Context, f Filter) ([]Row, error) {
	where, args, err := f.where()
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, ts, decision, would_be, effect, outcome, reason, mode, rule,
		user, agent, door, phase, api, model, session, findings, doc FROM decisions`+where+
		` ORDER BY ts DESC, seq DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("audit query: %w", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var ts int64
		var doc string
		if err := rows.Scan(&r.ID, &ts, &r.Decision, &r.WouldBe, &r.Effect, &r.Outcome, &r.Reason, &r.Mode, &r.Rule,
			&r.User, &r.Agent, &r.Door, &r.Phase, &r.API, &r.Model, &r.Session, &r.Findings, &doc); err != nil {
			return nil, fmt.Errorf("audit query: %w", err)
		}
		r.Time = time.Unix(0, ts).UTC()
		r.Doc = json.RawMessage(doc)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit query: %w", err)
	}
	return out, nil
}

// Count returns the number of records matching f (Limit ignored).
func (s *Store) Count(ctx context.Context, f Filter) (int64, error) {
	where, args, err := f.where()
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM decisions`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit count: %w", err)
	}
	return n, nil
}

// Summary is activity over a window: totals by decision and effect, and
// the most active users, agents, tools and rules.
type Summary struct {
	Since, Until time.Time
	Total        int64
	// Decisions counts by verdict (allow, block, redact).
	Decisions map[string]int64
	// Effects counts by effect: blocked vs would_block, redacted vs
	// would_redact, allowed, error.
	Effects map[string]int64
	Users   []Count
	Agents  []Count
	Tools   []ToolCount
	Rules   []RuleCount
}

// Count is a name with its decisions, of which how many were blocked and
// how many would have been.
type Count struct {
	Name       string `json:"name"`
	Decisions  int64  `json:"decisions"`
	Blocked    int64  `json:"blocked"`
	WouldBlock int64  `json:"would_block"`
}

// ToolCount is a tool with the decisions it was defined or called in.
type ToolCount struct {
	Name      string `json:"name"`
	Decisions int64  `json:"decisions"`
	Called    int64  `json:"called"`
}

// RuleCount is a rule with its matches, split by whether they were
// enforced, and the blocks it made or would have made.
type RuleCount struct {
	Rule       string `json:"rule"`
	Matches    int64  `json:"matches"`
	Enforced   int64  `json:"enforced"`
	Monitor    int64  `json:"monitor"`
	Blocked    int64  `json:"blocked"`
	WouldBlock int64  `json:"would_block"`
}

// Summary summarises [since, until) with the top n of each list.
func (s *Store) Summary(ctx context.Context, since, until time.Time, n int) (*Summary, error) {
	if n <= 0 {
		n = 10
	}
	sum := &Summary{Since: since, Until: until, Decisions: map[string]int64{}, Effects: map[string]int64{}}
	lo, hi := since.UnixNano(), until.UnixNano()
	wrap := func(err error) error { return fmt.Errorf("audit summary: %w", err) }

	rows, err := s.db.QueryContext(ctx, `SELECT decision, effect, count(*) FROM decisions
		WHERE ts >= ? AND ts < ? GROUP BY decision, effect`, lo, hi)
	if err != nil {
		return nil, wrap(err)
	}
	for rows.Next() {
		var d, e string
		var c int64
		if err := rows.Scan(&d, &e, &c); err != nil {
			rows.Close()
			return nil, wrap(err)
		}
		sum.Total += c
		if d != "" {
			sum.Decisions[d] += c
		}
		sum.Effects[e] += c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}

	top := func(col string) ([]Count, error) {
		rows, err := s.db.QueryContext(ctx, `SELECT `+col+`, count(*) AS c,
			sum(effect = 'blocked'), sum(effect = 'would_block') FROM decisions
			WHERE ts >= ? AND ts < ? AND `+col+` != '' GROUP BY `+col+` ORDER BY c DESC, `+col+` LIMIT ?`, lo, hi, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Count
		for rows.Next() {
			var c Count
			if err := rows.Scan(&c.Name, &c.Decisions, &c.Blocked, &c.WouldBlock); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, rows.Err()
	}
	if sum.Users, err = top("user"); err != nil {
		return nil, wrap(err)
	}
	if sum.Agents, err = top("agent"); err != nil {
		return nil, wrap(err)
	}

	rows, err = s.db.QueryContext(ctx, `SELECT tool, count(DISTINCT seq) AS c, sum(called) FROM decision_tools
		WHERE ts >= ? AND ts < ? GROUP BY tool ORDER BY c DESC, tool LIMIT ?`, lo, hi, n)
	if err != nil {
		return nil, wrap(err)
	}
	for rows.Next() {
		var t ToolCount
		if err := rows.Scan(&t.Name, &t.Decisions, &t.Called); err != nil {
			rows.Close()
			return nil, wrap(err)
		}
		sum.Tools = append(sum.Tools, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}

	rows, err = s.db.QueryContext(ctx, `SELECT rule, count(*) AS c, sum(enforced), sum(NOT enforced),
		sum(enforced AND action = 'block'), sum(NOT enforced AND action = 'block') FROM decision_rules
		WHERE ts >= ? AND ts < ? GROUP BY rule ORDER BY c DESC, rule LIMIT ?`, lo, hi, n)
	if err != nil {
		return nil, wrap(err)
	}
	for rows.Next() {
		var r RuleCount
		if err := rows.Scan(&r.Rule, &r.Matches, &r.Enforced, &r.Monitor, &r.Blocked, &r.WouldBlock); err != nil {
			rows.Close()
			return nil, wrap(err)
		}
		sum.Rules = append(sum.Rules, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	return sum, nil
}
