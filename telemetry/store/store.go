// Package store is sluice's embedded audit store: every audit record in a
// SQLite database under the data directory, so that an operator has a
// searchable trail (`sluice audit`) with no external service.
//
// It uses the pure-Go SQLite (no cgo) in WAL mode, so `sluice audit` reads
// while `sluice serve` writes. Records arrive through a bounded queue and
// are inserted by one background writer in batches, one transaction each;
// the request path never touches the database. The full record is kept as
// JSON; the fields queries filter on are columns with indexes, and the
// multi-valued ones (matched rules, tools, finding categories) are child
// tables indexed by value and time. Retention deletes by age and keeps the
// database under a size bound.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/sink"
)

// FileName is the database file in the data directory.
const FileName = "audit.db"

// Options configure a store.
type Options struct {
	// MaxAge deletes records older than this (0: keep forever).
	MaxAge time.Duration
	// MaxBytes bounds the database size: the oldest records are deleted
	// past it (0: no bound).
	MaxBytes int64
	// QueueSize bounds the records waiting for the writer (default 65536).
	QueueSize int
	// BatchSize is the most records one transaction inserts (default 1024).
	BatchSize int
	// Linger is how long the writer waits to fill a batch once the first
	// record of it has arrived (default 0: write what is there).
	Linger time.Duration
	// RetentionInterval is how often retention runs (default 1 minute).
	RetentionInterval time.Duration
	Logf              sink.Logf
	// Now is the clock for retention (tests).
	Now func() time.Time
}

func (o *Options) fill() {
	if o.QueueSize <= 0 {
		o.QueueSize = 1 << 16
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1024
	}
	if o.RetentionInterval <= 0 {
		o.RetentionInterval = time.Minute
	}
	if o.Logf == nil {
		o.Logf = sink.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Store is the embedded audit store. As a sink.Sink it writes; Query and
// Summary read.
type Store struct {
	db   *sql.DB
	path string
	opts Options
	q    *sink.Queue

	written  atomic.Uint64
	retries  atomic.Uint64
	failed   atomic.Uint64 // records lost to write errors
	lastErr  atomic.Int64  // unix nanos
	readOnly bool

	stopRetention chan struct{}
	wg            sync.WaitGroup
	closeOnce     sync.Once
}

const schemaVersion = "1"

var schema = []string{
	`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS decisions (
		seq       INTEGER PRIMARY KEY,
		id        TEXT NOT NULL UNIQUE,
		ts        INTEGER NOT NULL,
		decision  TEXT NOT NULL,
		would_be  TEXT NOT NULL,
		effect    TEXT NOT NULL,
		outcome   TEXT NOT NULL,
		reason    TEXT NOT NULL,
		mode      TEXT NOT NULL,
		rule      TEXT NOT NULL,
		user      TEXT NOT NULL,
		agent     TEXT NOT NULL,
		door      TEXT NOT NULL,
		phase     TEXT NOT NULL,
		api       TEXT NOT NULL,
		model     TEXT NOT NULL,
		session   TEXT NOT NULL,
		findings  INTEGER NOT NULL,
		doc       TEXT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS decisions_ts ON decisions (ts)`,
	`CREATE INDEX IF NOT EXISTS decisions_decision ON decisions (decision, ts)`,
	`CREATE INDEX IF NOT EXISTS decisions_effect ON decisions (effect, ts)`,
	`CREATE INDEX IF NOT EXISTS decisions_user ON decisions (user, ts)`,
	`CREATE INDEX IF NOT EXISTS decisions_agent ON decisions (agent, ts)`,
	// One row per matched rule, tool (defined or called) and finding
	// category of a decision, keyed by the decision's seq.
	`CREATE TABLE IF NOT EXISTS decision_rules (
		seq INTEGER NOT NULL, ts INTEGER NOT NULL, rule TEXT NOT NULL,
		mode TEXT NOT NULL, action TEXT NOT NULL, enforced INTEGER NOT NULL,
		PRIMARY KEY (seq, rule)) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS decision_rules_rule ON decision_rules (rule, ts)`,
	`CREATE TABLE IF NOT EXISTS decision_tools (
		seq INTEGER NOT NULL, ts INTEGER NOT NULL, tool TEXT NOT NULL, called INTEGER NOT NULL,
		PRIMARY KEY (seq, tool, called)) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS decision_tools_tool ON decision_tools (tool, ts)`,
	`CREATE TABLE IF NOT EXISTS decision_categories (
		seq INTEGER NOT NULL, ts INTEGER NOT NULL, category TEXT NOT NULL,
		PRIMARY KEY (seq, category)) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS decision_categories_category ON decision_categories (category, ts)`,
}

var childTables = []string{"decision_rules", "decision_tools", "decision_categories"}

func dsn(path string, params string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params
}

// Open opens (creating if needed) the store at path and starts its writer
// and retention.
func Open(path string, opts Options) (*Store, error) {
	opts.fill()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit store: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path,
		"_busy_timeout=10000&_auto_vacuum=INCREMENTAL&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)"))
	if err != nil {
		return nil, fmt.Errorf("audit store %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &Store{db: db, path: path, opts: opts, q: sink.NewQueue(opts.QueueSize), stopRetention: make(chan struct{})}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit store %s: %w", path, err)
	}
	s.retain()
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.q.Run(opts.BatchSize, opts.Linger, s.writeBatch)
	}()
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(opts.RetentionInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.retain()
			case <-s.stopRetention:
				return
			}
		}
	}()
	return s, nil
}

// OpenReadOnly opens an existing store for queries only, alongside a
// running server that writes to it.
func OpenReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no audit store at %s (sluice serve creates it under its --data-dir)", path)
		}
		return nil, fmt.Errorf("audit store: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path, "mode=ro&_busy_timeout=10000&_query_only=1"))
	if err != nil {
		return nil, fmt.Errorf("audit store %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit store %s: %w", path, err)
	}
	var v string
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'schema'`).Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("audit store %s: not a sluice audit store: %w", path, err)
	}
	if v != schemaVersion {
		db.Close()
		return nil, fmt.Errorf("audit store %s: schema version %s, this sluice reads %s", path, v, schemaVersion)
	}
	return &Store{db: db, path: path, readOnly: true}, nil
}

func (s *Store) migrate() error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range schema {
		if _, err := tx.Exec(stmt); err != nil {
			return err
		}
	}
	var v string
	switch err := tx.QueryRow(`SELECT value FROM meta WHERE key = 'schema'`).Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('schema', ?)`, schemaVersion); err != nil {
			return err
		}
	case err != nil:
		return err
	case v != schemaVersion:
		return fmt.Errorf("schema version %s, this sluice writes %s: move the file aside", v, schemaVersion)
	}
	return tx.Commit()
}

// Path returns the database file.
func (s *Store) Path() string { return s.path }

// Name implements sink.Sink.
func (s *Store) Name() string { return "sqlite" }

// Enqueue implements sink.Sink.
func (s *Store) Enqueue(e *audit.Entry) {
	if s.readOnly {
		s.failed.Add(1)
		return
	}
	if !s.q.Put(e) {
		s.opts.Logf("audit sqlite: queue full or closed: record %s dropped", e.Record.Event.ID)
	}
}

// Flush implements sink.Sink.
func (s *Store) Flush(ctx context.Context) error {
	if s.readOnly {
		return nil
	}
	return s.q.Flush(ctx)
}

// Ready implements sink.Sink.
func (s *Store) Ready() error {
	if s.readOnly {
		return errors.New("audit store opened read-only")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("audit store: %w", err)
	}
	return nil
}

// Stats implements sink.Sink.
func (s *Store) Stats() sink.Stats {
	st := sink.Stats{
		Written: s.written.Load(),
		Retries: s.retries.Load(),
		Dropped: s.failed.Load(),
	}
	if s.q != nil {
		st.QueueDepth, st.Dropped = s.q.Depth(), st.Dropped+s.q.Dropped()
	}
	if t := s.lastErr.Load(); t != 0 {
		st.LastError = time.Unix(0, t)
	}
	return st
}

// Close flushes the queue and closes the database.
func (s *Store) Close(ctx context.Context) error {
	var err error
	s.closeOnce.Do(func() {
		if !s.readOnly {
			err = s.q.Close(ctx)
			close(s.stopRetention)
			s.wg.Wait()
		}
		if cerr := s.db.Close(); err == nil {
			err = cerr
		}
	})
	return err
}

const insertDecision = `INSERT OR IGNORE INTO decisions
	(id, ts, decision, would_be, effect, outcome, reason, mode, rule, user, agent, door, phase, api, model, session, findings, doc)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// writeBatch inserts a batch in one transaction, retrying a failed
// transaction a few times (the database may be busy with a reader's
// checkpoint) before giving the batch up as lost, loudly.
func (s *Store) writeBatch(batch []*audit.Entry) {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			s.retries.Add(1)
			time.Sleep(time.Duration(attempt*attempt) * 50 * time.Millisecond)
		}
		if err = s.insert(batch); err == nil {
			s.written.Add(uint64(len(batch)))
			return
		}
		s.lastErr.Store(time.Now().UnixNano())
	}
	s.failed.Add(uint64(len(batch)))
	s.opts.Logf("audit sqlite: ERROR: %d records lost: %v", len(batch), err)
}

func (s *Store) insert(batch []*audit.Entry) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.Prepare(insertDecision)
	if err != nil {
		return err
	}
	defer ins.Close()
	rule, err := tx.Prepare(`INSERT OR IGNORE INTO decision_rules (seq, ts, rule, mode, action, enforced) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer rule.Close()
	tool, err := tx.Prepare(`INSERT OR IGNORE INTO decision_tools (seq, ts, tool, called) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer tool.Close()
	cat, err := tx.Prepare(`INSERT OR IGNORE INTO decision_categories (seq, ts, category) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer cat.Close()

	for _, e := range batch {
		doc, err := e.JSON()
		if err != nil {
			// A record that cannot be encoded is a bug; skip it, loudly,
			// rather than lose its batch.
			s.failed.Add(1)
			s.opts.Logf("audit sqlite: ERROR: record %s cannot be encoded: %v", e.Record.Event.ID, err)
			continue
		}
		r := e.Record
		user := ""
		if r.User != nil {
			user = r.User.ID
		}
		model := ""
		if r.GenAI != nil && r.GenAI.Request != nil {
			model = r.GenAI.Request.Model
		}
		ts := r.Timestamp.UnixNano()
		sl := &r.Sluice
		res, err := ins.Exec(sl.DecisionID, ts, sl.Decision, sl.WouldBe, sl.Effect, r.Event.Outcome, r.Event.Reason,
			sl.Mode, sl.Rule, user, sl.Agent.Name, sl.Door, sl.Phase, sl.API, model, sl.SessionID, sl.FindingCount, string(doc))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // already stored (a replay)
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for _, m := range sl.Matches {
			if _, err := rule.Exec(seq, ts, m.Rule, m.Mode, m.Action, m.Enforced); err != nil {
				return err
			}
		}
		if sl.Tools != nil {
			for _, t := range sl.Tools.Defined {
				if _, err := tool.Exec(seq, ts, t, false); err != nil {
					return err
				}
			}
			for _, t := range sl.Tools.Called {
				if _, err := tool.Exec(seq, ts, t, true); err != nil {
					return err
				}
			}
		}
		for _, c := range sl.Categories {
			if _, err := cat.Exec(seq, ts, c); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// retain deletes records past the age bound, then the oldest records while
// the database is over its size bound, and returns the freed pages to the
// file system.
func (s *Store) retain() {
	if err := s.retainErr(); err != nil {
		s.lastErr.Store(time.Now().UnixNano())
		s.opts.Logf("audit sqlite: retention: %v", err)
	}
}

func (s *Store) retainErr() error {
	ctx := context.Background()
	deleted := false
	if s.opts.MaxAge > 0 {
		cutoff := s.opts.Now().Add(-s.opts.MaxAge).UnixNano()
		n, err := s.deleteWhere(ctx, "ts < ?", cutoff)
		if err != nil {
			return err
		}
		deleted = deleted || n > 0
	}
	if s.opts.MaxBytes > 0 {
		n, err := s.retainSize(ctx)
		if err != nil {
			return err
		}
		deleted = deleted || n > 0
	}
	if deleted {
		if _, err := s.db.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
			return err
		}
	}
	return nil
}

// retainSize deletes the oldest records while the pages in use exceed
// MaxBytes. Deleting rows leaves index pages partly empty, so the pages in
// use shrink less than the data: when deleting a proportional share does
// not bring the database under its bound, it is compacted (VACUUM) before
// anything more is deleted, so retention never deletes more than it must.
func (s *Store) retainSize(ctx context.Context) (int64, error) {
	var deleted int64
	vacuumed := false
	for round := 0; round < 8; round++ {
		used, err := s.usedBytes(ctx)
		if err != nil {
			return deleted, err
		}
		if used <= s.opts.MaxBytes {
			return deleted, nil
		}
		if deleted > 0 && !vacuumed {
			if _, err := s.db.ExecContext(ctx, `VACUUM`); err != nil {
				return deleted, err
			}
			vacuumed = true
			continue
		}
		vacuumed = false
		var total int64
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM decisions`).Scan(&total); err != nil {
			return deleted, err
		}
		if total == 0 {
			return deleted, nil
		}
		// Keep the share of records that fits in 90% of the bound.
		keep := int64(float64(total) * 0.9 * float64(s.opts.MaxBytes) / float64(used))
		drop := max(total-keep, 1)
		var cut int64
		if err := s.db.QueryRowContext(ctx, `SELECT seq FROM decisions ORDER BY seq LIMIT 1 OFFSET ?`, drop-1).Scan(&cut); err != nil {
			return deleted, err
		}
		n, err := s.deleteWhere(ctx, "seq <= ?", cut)
		if err != nil {
			return deleted, err
		}
		deleted += n
		if _, err := s.db.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

// deleteWhere deletes decisions matching cond (over columns ts or seq,
// which the child tables share) and their child rows.
func (s *Store) deleteWhere(ctx context.Context, cond string, arg any) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for _, t := range childTables {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE `+cond, arg); err != nil {
			return 0, err
		}
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM decisions WHERE `+cond, arg)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}

// usedBytes is the size of the pages in use (the file minus free pages).
func (s *Store) usedBytes(ctx context.Context) (int64, error) {
	var pages, free, size int64
	if err := s.db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return 0, err
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
		return 0, err
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size); err != nil {
		return 0, err
	}
	return (pages - free) * size, nil
}
