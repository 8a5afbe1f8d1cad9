package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/extproc"
	"github.com/sluicehq/sluice/httpapi"
	"github.com/sluicehq/sluice/policy"
	"github.com/sluicehq/sluice/telemetry"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var f serveFlags
	fs.StringVar(&f.config, "config", "", "serve configuration file (default: $SLUICE_CONFIG; see docs/CONFIG.md)")
	fs.StringVar(&f.policy, "policy", "", "policy file (default: $SLUICE_POLICY, else the embedded default policy)")
	fs.StringVar(&f.mode, "mode", "", "run every rule in this mode: monitor or enforce (default: each rule's own mode)")
	fs.StringVar(&f.grpcAddr, "grpc-addr", "", "ext_proc/ext_authz/health gRPC address (default "+defaultGRPCAddr+")")
	fs.StringVar(&f.httpAddr, "http-addr", "", "HTTP address for /healthz, /readyz, /metrics, the Aperture hook and /v1/evaluate (default "+defaultHTTPAddr+")")
	fs.StringVar(&f.dataDir, "data-dir", "", "directory for the embedded audit store and spools (default ./"+defaultDataDir+")")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("serve takes no arguments, got %q", pos)
	}
	cfg, err := loadServeConfig(f)
	if err != nil {
		return inputErr(err)
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return inputErr(err)
	}
	s := &server{cfg: cfg, log: log, stdout: stdout}
	return s.run(ctx)
}

// newLogger builds the operational logger. It never receives body
// content: doors and sinks log ids and reason codes only.
func newLogger(cfg *serveConfig, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("config: log_level %q: want debug, info, warn or error", cfg.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("config: log_format %q: want text or json", cfg.LogFormat)
}

// server is one running `sluice serve`.
type server struct {
	cfg    *serveConfig
	log    *slog.Logger
	stdout io.Writer

	pipeline *telemetry.Pipeline
	policyOK atomic.Bool
}

// buildEvaluator loads the policy named by the configuration and applies
// the mode override.
func (s *server) buildEvaluator(p *policy.Policy) (*evaluator.Evaluator, error) {
	if s.cfg.Mode != "" {
		m, err := policy.ParseMode(s.cfg.Mode)
		if err != nil {
			return nil, usageErr("--mode: %v", err)
		}
		p = p.EnforcedCopy(m)
	}
	return evaluator.New(p, evaluator.WithSegmentCache(s.cfg.SegmentCache))
}

func (s *server) run(ctx context.Context) (err error) {
	cfg := s.cfg
	if err := httpapi.RequireKeyFor(cfg.HTTPAddr, cfg.HTTP.APIKey); err != nil {
		return inputErr(fmt.Errorf("refusing to serve: %w", err))
	}
	pol, err := policy.Resolve(cfg.Policy)
	if err != nil {
		return inputErr(err)
	}
	ev, err := s.buildEvaluator(pol)
	if err != nil {
		return inputErr(err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return inputErr(fmt.Errorf("data dir: %w", err))
	}

	// Tracing is off unless OTEL_* variables configure it; a bad setting
	// stops the start rather than running blind.
	shutdownTracing, err := telemetry.SetupTracing(ctx, os.Getenv)
	if err != nil {
		return inputErr(fmt.Errorf("tracing: %w", err))
	}
	defer func() {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if terr := shutdownTracing(c); terr != nil {
			s.log.Warn("tracing shutdown", "err", terr)
		}
	}()

	s.pipeline, err = telemetry.NewPipeline(ev, telemetry.PipelineOptions{
		Config: cfg.Audit, Logger: s.log.With("component", "audit"), Stdout: s.stdout, Version: version(),
		Hostname: hostname(),
	})
	if err != nil {
		return inputErr(fmt.Errorf("audit: %w", err))
	}
	s.policyOK.Store(true)
	defer func() {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
		defer cancel()
		if cerr := s.pipeline.Close(c); cerr != nil {
			s.log.Error("audit sinks did not flush", "err", cerr)
			err = errors.Join(err, cerr)
		}
	}()

	// The doors.
	envoyCfg := cfg.Envoy
	envoyCfg.Logger = s.log.With("component", "extproc")
	ext, err := extproc.NewServer(s.pipeline, envoyCfg)
	if err != nil {
		return inputErr(err)
	}
	authz, err := extproc.NewAuthz(s.pipeline, envoyCfg)
	if err != nil {
		return inputErr(err)
	}
	gs := extproc.NewGRPCServer(envoyCfg, ext, authz)
	hookCfg := cfg.HTTP
	hookCfg.Logger = s.log.With("component", "httpapi")
	hook, err := httpapi.New(s.pipeline, hookCfg)
	if err != nil {
		return inputErr(err)
	}

	grpcLn, err := net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		hook.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("grpc listener: %w", err)
	}
	httpLn, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		grpcLn.Close()
		hook.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("http listener: %w", err)
	}
	hs := &http.Server{
		Handler:           s.routes(hook),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}

	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := gs.Serve(grpcLn); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			errc <- fmt.Errorf("grpc: %w", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := hs.Serve(httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	reloadCtx, stopReload := context.WithCancel(ctx)
	defer stopReload()
	s.watchPolicy(reloadCtx, pol)

	s.log.Info("sluice serving", "version", version(), "grpc", grpcLn.Addr().String(), "http", httpLn.Addr().String(),
		"policy", pol.Source, "policy_hash", pol.Hash, "mode", cmpMode(cfg.Mode), "data_dir", cfg.DataDir,
		"api_key", cfg.HTTP.APIKey != "")

	var serveErr error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case serveErr = <-errc:
		s.log.Error("server failed, shutting down", "err", serveErr)
	}

	// Drain: tell Envoy we are going away, stop taking work, let in-flight
	// streams and requests finish, then flush the background queue and the
	// audit sinks (deferred above).
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	ext.SetServing(false)
	authz.SetServing(false)
	var shutdownWG sync.WaitGroup
	shutdownWG.Add(2)
	go func() { defer shutdownWG.Done(); extproc.Shutdown(sctx, gs) }()
	go func() {
		defer shutdownWG.Done()
		if err := hs.Shutdown(sctx); err != nil {
			s.log.Warn("http shutdown", "err", err)
		}
	}()
	shutdownWG.Wait()
	wg.Wait()
	if err := hook.Close(sctx); err != nil {
		s.log.Warn("hook queue not drained; unfinished jobs stay in the spool", "err", err)
	}
	return serveErr
}

func cmpMode(m string) string {
	if m == "" {
		return "per-rule"
	}
	return m
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// routes mounts the health, readiness and metrics endpoints next to the
// hook door.
func (s *server) routes(hook *httpapi.Server) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.policyOK.Load() {
			writeStatus(w, http.StatusServiceUnavailable, "policy not loaded")
			return
		}
		if err := s.pipeline.Ready(); err != nil {
			writeStatus(w, http.StatusServiceUnavailable, "audit sinks not ready: "+err.Error())
			return
		}
		writeStatus(w, http.StatusOK, "ready")
	})
	mux.Handle("GET /metrics", s.pipeline.MetricsHandler())
	for _, p := range httpapi.Paths {
		mux.Handle(p, hook)
	}
	return mux
}

func writeStatus(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

// watchPolicy reloads the policy file on change (polling) and on SIGHUP.
// The embedded policy never changes, so there is nothing to watch.
func (s *server) watchPolicy(ctx context.Context, running *policy.Policy) {
	if strings.HasPrefix(running.Source, "embedded:") {
		return
	}
	poke := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				select {
				case poke <- struct{}{}:
				default:
				}
			}
		}
	}()
	go policy.Watch(ctx, running.Source, s.cfg.PolicyReload, poke,
		func(p *policy.Policy) error {
			ev, err := s.buildEvaluator(p)
			if err != nil {
				return err
			}
			s.pipeline.Swap(ev)
			s.log.Info("policy reloaded", "policy", p.Source, "policy_hash", p.Hash)
			return nil
		},
		func(err error) {
			s.log.Error("policy reload failed; the running policy stays in force", "err", err)
		})
}
