package httpapi

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/evaluator"
)

// Paths the Server answers. The serve command mounts the Server on each
// (or on the /v1/ prefix).
const (
	PathEvents       = "/v1/aperture/events"
	PathPreRequest   = "/v1/aperture/pre_request"
	PathPostResponse = "/v1/aperture/post_response"
	PathEvaluate     = "/v1/evaluate"
)

// Paths lists every path the Server answers.
var Paths = []string{PathEvents, PathPreRequest, PathPostResponse, PathEvaluate}

// maxRecent bounds the request ids remembered for dedupe (and for skipping
// a request already evaluated by its pre_request hook). Past it, the
// oldest are forgotten early: a duplicate is then evaluated twice, never
// lost.
const maxRecent = 200_000

// Server serves the Aperture hook endpoints and the evaluate API. It is an
// http.Handler; build it with New and stop it with Close.
type Server struct {
	eng  evaluator.Engine
	cfg  Config
	log  *slog.Logger
	keys keyChecker
	body *bodyReader
	pool *pool

	// seen holds post-response request ids within the dedupe window.
	seen *recent[struct{}]
	// pre holds the request bodies pre_request hooks evaluated, by request
	// id, so the post-response job does not evaluate the same body again.
	pre  *recent[preSeen]
	seed maphash.Seed
	now  func() time.Time

	duplicates, rejected atomic.Int64
	closeOnce            sync.Once
	closeErr             error
}

type preSeen struct {
	hash uint64
	api  string
}

// New builds a Server over eng. It opens the spool (when configured) and
// starts replaying the jobs a previous run left there, in the background.
func New(eng evaluator.Engine, cfg Config) (*Server, error) {
	if eng == nil {
		return nil, errors.New("httpapi: nil engine")
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("httpapi config: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		eng:  eng,
		cfg:  cfg,
		log:  log,
		keys: newKeyChecker(cfg.APIKey),
		body: newBodyReader(&cfg),
		seen: newRecent[struct{}](cfg.DedupeWindow, maxRecent),
		pre:  newRecent[preSeen](cfg.DedupeWindow, maxRecent),
		seed: maphash.MakeSeed(),
		now:  time.Now,
	}
	var sp *spool
	if cfg.SpoolDir != "" {
		var err error
		sp, err = openSpool(cfg.SpoolDir, cfg.MaxSpoolBytes, cfg.MaxSpoolFiles, s.logWarn)
		if err != nil {
			return nil, fmt.Errorf("httpapi: %w", err)
		}
		if n, _ := sp.stats(); n > 0 {
			log.Info("replaying spooled post-response jobs", "jobs", n, "dir", cfg.SpoolDir)
		}
	}
	s.pool = newPool(cfg.Workers, cfg.QueueSize, sp, s.runJob, s.lostJob, s.logWarn)
	return s, nil
}

func (s *Server) logWarn(msg string, args ...any) { s.log.Warn(msg, args...) }

// Close stops taking post-response jobs into memory, waits for the
// workers to drain the queue and returns. If ctx ends first, in-flight
// evaluations are cancelled and every job not yet evaluated is spooled for
// the next start (recorded as not evaluated when there is no spool), and
// Close returns ctx's error. Call it after the HTTP server has stopped
// taking requests; jobs that still arrive go straight to the spool.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() { s.closeErr = s.pool.close(ctx) })
	return s.closeErr
}

// Stats is a snapshot of the background work, for health and metrics.
type Stats struct {
	Queued     int   // post-response jobs waiting in memory
	Spooled    int   // jobs on disk (waiting, or being evaluated after a replay)
	SpoolBytes int64 // their size
	Enqueued   int64 // jobs that went straight to the queue
	ToSpool    int64 // jobs written to the spool because the queue was full
	Replayed   int64 // spooled jobs handed back to the workers
	Processed  int64 // jobs fully evaluated
	Duplicates int64 // post-response calls skipped as already seen (request_id)
	Rejected   int64 // calls refused with 503 (queue and spool full, or shutting down)
	Lost       int64 // jobs neither evaluated nor spooled at shutdown (recorded as such)
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Queued:     len(s.pool.queue),
		Enqueued:   s.pool.enqueued.Load(),
		ToSpool:    s.pool.spooled.Load(),
		Replayed:   s.pool.replayed.Load(),
		Processed:  s.pool.processed.Load(),
		Duplicates: s.duplicates.Load(),
		Rejected:   s.rejected.Load(),
		Lost:       s.pool.dropped.Load(),
	}
	if s.pool.spool != nil {
		st.Spooled, st.SpoolBytes = s.pool.spool.stats()
	}
	return st
}

// ServeHTTP routes, authenticates and answers. Every answer is JSON.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var h func(http.ResponseWriter, *http.Request) error
	switch r.URL.Path {
	case PathEvents:
		h = func(w http.ResponseWriter, r *http.Request) error { return s.serveHook(w, r, phaseAuto) }
	case PathPreRequest:
		h = func(w http.ResponseWriter, r *http.Request) error { return s.serveHook(w, r, phasePre) }
	case PathPostResponse:
		h = func(w http.ResponseWriter, r *http.Request) error { return s.serveHook(w, r, phasePost) }
	case PathEvaluate:
		h = s.serveEvaluate
	default:
		writeError(w, newError(http.StatusNotFound, CodeNotFound, "no such endpoint", nil))
		return
	}
	if !s.keys.check(r.Header) {
		writeError(w, newError(http.StatusUnauthorized, CodeUnauthorized,
			"a valid API key is required (Authorization: Bearer, X-Api-Key or X-Goog-Api-Key)", nil))
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "use POST", nil))
		return
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
			writeError(w, newError(http.StatusInternalServerError, CodeEvaluationFailed, "internal error", nil))
		}
	}()
	if err := h(w, r); err != nil {
		var ae *apiError
		level := slog.LevelError
		if errors.As(err, &ae) && ae.status < 500 {
			level = slog.LevelInfo
		}
		s.log.Log(r.Context(), level, "request failed", "path", r.URL.Path, "err", err)
		writeError(w, err)
	}
}

// remoteIP is the caller's address without the port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// record audits a decision made without an evaluation (a failure, an
// oversize body, nothing to evaluate), so nothing that reaches the door
// goes unaudited. It is recorded even when the request was cancelled.
func (s *Server) record(ctx context.Context, in evaluator.Input, v evaluator.Verdict, reason string, status int, msg string) {
	s.eng.Record(context.WithoutCancel(ctx), s.eng.DoorDecision(in, v, reason, status, msg))
}
