// Package extproc is sluice's Envoy door: an ext_proc server (and an
// ext_authz server) that puts the evaluator inline on LLM traffic proxied
// by Envoy.
//
// For every HTTP exchange Envoy opens one ext_proc stream and sends the
// request headers, body and then the response headers and body as the
// filter's processing mode says; sluice answers each message exactly once
// with the matching reply. Requests are evaluated whole: allowed (CONTINUE),
// redacted (the rewritten body, with a matching content-length) or blocked
// (an immediate response in the provider's own error shape). Responses are
// evaluated too: buffered ones whole, streamed ones (SSE, Bedrock event
// streams, Gemini's JSON array) chunk by chunk, ending the stream with a
// provider-shaped error event when model output breaks an enforced rule.
//
// The door never decides policy: it adapts traffic to evaluator.Input and
// acts on the Decision. What it decides itself (a body over the size limit,
// a failure answered by the operator's fail-open/fail-closed choice) is
// recorded through the Engine like any other decision.
package extproc

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/extproc/internal/httpenc"
)

// Reason codes of door decisions: stable snake_case, as the evaluator's.
const (
	ReasonBodyTooLarge        = "body_too_large"
	ReasonBodyTruncated       = "body_truncated"
	ReasonDecompressionLimit  = "decompression_limit"
	ReasonUnsupportedEncoding = "unsupported_encoding"
	ReasonNotJSON             = "not_json"
	ReasonNoBody              = "no_body"
	ReasonEvaluationFailed    = "evaluation_failed"
	ReasonEvaluationTimeout   = "evaluation_timeout"
	ReasonInternalError       = "internal_error"
	ReasonStreamParseError    = "stream_parse_error"
)

var _ extprocv3.ExternalProcessorServer = (*Server)(nil)

// Server implements envoy.service.ext_proc.v3.ExternalProcessor.
type Server struct {
	extprocv3.UnimplementedExternalProcessorServer

	eng    evaluator.Engine
	cfg    Config
	log    *slog.Logger
	limits httpenc.Limits
	health *health.Server
}

// NewServer returns an ext_proc server that evaluates with eng.
func NewServer(eng evaluator.Engine, cfg Config) (*Server, error) {
	if eng == nil {
		return nil, errors.New("extproc: nil engine")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		eng: eng, cfg: cfg, log: cfg.logger(),
		limits: httpenc.Limits{MaxDecoded: int64(cfg.MaxDecodedBytes), MaxRatio: int64(cfg.MaxDecompressionRatio), RatioFloor: 1 << 20},
		health: health.NewServer(),
	}
	s.SetServing(true)
	return s, nil
}

// SetServing sets the gRPC health status reported for the whole server and
// for the ext_proc and ext_authz services: set false before a graceful stop
// so Envoy's health checks steer new streams away.
func (s *Server) SetServing(serving bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if serving {
		st = healthpb.HealthCheckResponse_SERVING
	}
	for _, svc := range []string{"", extprocv3.ExternalProcessor_ServiceDesc.ServiceName, authzServiceName} {
		s.health.SetServingStatus(svc, st)
	}
}

// Health returns the gRPC health server NewGRPCServer registers.
func (s *Server) Health() *health.Server { return s.health }

// Process handles one ext_proc stream: one HTTP exchange.
func (s *Server) Process(stream extprocv3.ExternalProcessor_ProcessServer) error {
	ctx := stream.Context()
	ex := newExchange(s, ctx)
	defer ex.close()
	recv, stop := s.receiver(stream)
	defer stop()
	for {
		req, err := recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			if status.Code(err) == codes.DeadlineExceeded {
				return err
			}
			return nil // the stream is gone: Envoy hung up or reset it
		}
		for _, resp := range ex.handle(req) {
			if err := stream.Send(resp); err != nil {
				return nil
			}
		}
	}
}

// receiver returns the stream's Recv, bounded by the idle timeout, and a
// function that releases what it holds when the stream ends.
func (s *Server) receiver(stream extprocv3.ExternalProcessor_ProcessServer) (func() (*extprocv3.ProcessingRequest, error), func()) {
	if s.cfg.StreamIdleTimeout <= 0 {
		return stream.Recv, func() {}
	}
	type result struct {
		req *extprocv3.ProcessingRequest
		err error
	}
	ch := make(chan result, 1)
	next := make(chan struct{}, 1)
	go func() {
		for range next {
			req, err := stream.Recv()
			ch <- result{req, err}
			if err != nil {
				return
			}
		}
	}()
	timer := time.NewTimer(s.cfg.StreamIdleTimeout)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			timer.Stop()
			close(next) // the receiving goroutine ends (its Recv fails once the stream is gone)
		})
	}
	return func() (*extprocv3.ProcessingRequest, error) {
		next <- struct{}{}
		timer.Reset(s.cfg.StreamIdleTimeout)
		select {
		case r := <-ch:
			return r.req, r.err
		case <-timer.C:
			stop()
			return nil, status.Error(codes.DeadlineExceeded, "extproc: no message from Envoy within stream_idle_timeout")
		}
	}, stop
}

// input returns the evaluator input common to both phases of an exchange.
func (ex *exchange) input(p phase) evaluator.Input {
	in := evaluator.Input{
		Path:      ex.path,
		Headers:   ex.reqHeaders,
		Door:      evaluator.DoorEnvoy,
		SourceIP:  ex.sourceIP,
		RequestID: ex.reqHeaders["x-request-id"],
		Model:     ex.model,
		Stream:    ex.stream,
	}
	if p == phaseResponse {
		in.Phase = interaction.PhaseResponse
		in.API = ex.api
		in.ContentType = ex.respContentType
	}
	return in
}

// doorDecision builds and records a decision the door made without an
// evaluation.
func (ex *exchange) doorDecision(p phase, v evaluator.Verdict, reason string, st int, msg string) *evaluator.Decision {
	in := ex.input(p)
	d := ex.s.eng.DoorDecision(in, v, reason, st, msg)
	if p == phaseResponse && d.Interaction != nil && ex.api != "" {
		d.Interaction.API = ex.api
	}
	ex.s.eng.Record(context.WithoutCancel(ex.ctx), d)
	ex.s.log.Info("extproc: door decision", "phase", p.String(), "decision", string(v), "reason", reason,
		"decision_id", d.ID, "api", ex.api, "path", ex.pathNoQuery())
	return d
}

// refusalOf describes a blocking decision to the client.
func (s *Server) refusalOf(d *evaluator.Decision) refusal { return refusalOfCfg(&s.cfg, d) }

func refusalOfCfg(cfg *Config, d *evaluator.Decision) refusal {
	msg := d.Message
	if msg == "" {
		msg = "The request was blocked by policy. [sluice decision " + d.ID + "]"
		if d.Rule != "" {
			msg = "The request was blocked by policy. [sluice rule " + d.Rule + ", decision " + d.ID + "]"
		}
	}
	return refusal{
		Status:     cmp.Or(d.Status, cfg.BlockStatus),
		Rule:       d.Rule,
		Reason:     d.Reason,
		Message:    msg,
		DecisionID: d.ID,
	}
}

// sourceIP finds the client address: the attribute Envoy sends when the
// filter asks for source.address, else the proxy headers.
func sourceIP(req *extprocv3.ProcessingRequest, headers map[string]string) string {
	for _, st := range req.GetAttributes() {
		if v, ok := st.GetFields()["source.address"]; ok {
			if a := v.GetStringValue(); a != "" {
				if host, _, err := net.SplitHostPort(a); err == nil {
					return host
				}
				return a
			}
		}
	}
	if xff := headers["x-forwarded-for"]; xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		return strings.TrimSpace(first)
	}
	return headers["x-envoy-external-address"]
}
