package extproc

import (
	"context"
	"io"
	"log/slog"
	"net"
	"regexp"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/policy"
)

// markerDetector finds marker tokens, so that door tests control findings
// exactly and do not depend on the detector families: TOKEN_ and eight
// capitals or digits is a secret, CARD_ and eight digits is PII, "rm -rf /"
// is a risky command, JAILBREAK_PLEASE is a jailbreak.
type markerDetector struct{}

var markers = []struct {
	re       *regexp.Regexp
	cat      detect.Category
	detector string
	sev      detect.Severity
}{
	{regexp.MustCompile(`TOKEN_[A-Z0-9]{8}`), detect.CategorySecret, "secret.test_token", detect.SeverityCritical},
	{regexp.MustCompile(`CARD_[0-9]{8}`), detect.CategoryPII, "pii.test_card", detect.SeverityHigh},
	{regexp.MustCompile(`rm -rf /`), detect.CategoryToolRisk, "toolrisk.test_rm", detect.SeverityHigh},
	{regexp.MustCompile(`JAILBREAK_PLEASE`), detect.CategoryJailbreak, "jailbreak.test", detect.SeverityHigh},
}

func (markerDetector) Name() string { return "marker" }

func (markerDetector) Detect(in *detect.Input, out []detect.Finding) []detect.Finding {
	for i := range in.IX.Segments {
		for _, m := range markers {
			for _, loc := range m.re.FindAllStringIndex(in.IX.Segments[i].Text, -1) {
				out = append(out, detect.NewFinding(in, i, m.cat, m.detector, m.sev, loc[0], loc[1], "test marker"))
			}
		}
	}
	return out
}

// testPolicy enforces secrets, tool risk and PII redaction, and watches
// jailbreaks in monitor mode.
const testPolicy = `version: 1
name: door-test
defaults: {mode: enforce, block_status: 403}
rules:
  - id: block-secrets
    description: Credentials must not reach a model provider
    message: The request contains a credential. Remove it and try again.
    match: {categories: [secret]}
    action: block
  - id: block-tool-risk
    description: Destructive tool calls
    message: A tool call is destructive.
    match: {categories: [tool_risk]}
    action: block
  - id: redact-pii
    description: Card numbers are replaced before they leave
    match: {categories: [pii]}
    action: redact
  - id: watch-jailbreak
    description: Jailbreak attempts are recorded
    match: {categories: [jailbreak]}
    action: block
    mode: monitor
`

func testEvaluator(t testing.TB) *evaluator.Evaluator {
	t.Helper()
	p, err := policy.Parse("door-test.yaml", []byte(testPolicy))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := evaluator.New(p, evaluator.WithDetectors(markerDetector{}))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// recorder stands for the serving pipeline: Evaluate records what it
// decides, Record records door decisions, and Check evaluates without
// recording.
type recorder struct {
	ev *evaluator.Evaluator

	mu      sync.Mutex
	records []*evaluator.Decision
	evals   int
	// checks counts Check calls, transient those marked Transient;
	// durable counts Evaluate calls marked Transient (which none should be:
	// a final decision's text is what the next request carries).
	checks, transient, durable int
}

func (r *recorder) Evaluate(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	d, err := r.ev.Evaluate(ctx, in)
	r.mu.Lock()
	r.evals++
	if in.Transient {
		r.durable++
	}
	if err == nil {
		r.records = append(r.records, d)
	}
	r.mu.Unlock()
	return d, err
}

func (r *recorder) Record(_ context.Context, d *evaluator.Decision) {
	r.mu.Lock()
	r.records = append(r.records, d)
	r.mu.Unlock()
}

func (r *recorder) DoorDecision(in evaluator.Input, v evaluator.Verdict, reason string, st int, msg string) *evaluator.Decision {
	return r.ev.DoorDecision(in, v, reason, st, msg)
}

func (r *recorder) recorded() []*evaluator.Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*evaluator.Decision(nil), r.records...)
}

func (r *recorder) Check(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	r.mu.Lock()
	r.checks++
	if in.Transient {
		r.transient++
	}
	r.mu.Unlock()
	return r.ev.Evaluate(ctx, in)
}

// faultyEngine fails on purpose.
type faultyEngine struct {
	err   error
	panic bool
	sleep time.Duration
	rec   recorder
}

func (f *faultyEngine) Evaluate(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	if f.panic {
		panic("faulty engine")
	}
	if f.sleep > 0 {
		select {
		case <-time.After(f.sleep):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, f.err
}

func (f *faultyEngine) Check(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	return f.Evaluate(ctx, in)
}

func (f *faultyEngine) DoorDecision(in evaluator.Input, v evaluator.Verdict, reason string, st int, msg string) *evaluator.Decision {
	return doorEvaluator.DoorDecision(in, v, reason, st, msg)
}

func (f *faultyEngine) Record(ctx context.Context, d *evaluator.Decision) { f.rec.Record(ctx, d) }

// doorEvaluator builds door decisions for the fake engines.
var doorEvaluator = func() *evaluator.Evaluator {
	ev, err := evaluator.New(policy.Default(), evaluator.WithDetectors())
	if err != nil {
		panic(err)
	}
	return ev
}()

func quietConfig() Config {
	cfg := DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return cfg
}

// startSluice serves the door for eng on 127.0.0.1 and returns a client
// connection.
func startSluice(t testing.TB, eng evaluator.Engine, cfg Config) *grpc.ClientConn {
	t.Helper()
	srv, err := NewServer(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	authz, err := NewAuthz(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	gs := NewGRPCServer(cfg, srv, authz)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
