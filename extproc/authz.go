package extproc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/extproc/internal/httpenc"
)

const authzServiceName = "envoy.service.auth.v3.Authorization"

// ReasonRedactUnavailable marks an ext_authz answer to a redact decision,
// which ext_authz cannot carry out.
const ReasonRedactUnavailable = "redaction_unavailable"

var _ authv3.AuthorizationServer = (*Authz)(nil)

// Authz implements envoy.service.auth.v3.Authorization: the same evaluator
// behind Envoy's ext_authz filter (configured with_request_body). It can
// only allow or deny the request; a redact decision gets Config.AuthzRedact.
type Authz struct {
	authv3.UnimplementedAuthorizationServer

	eng    evaluator.Engine
	cfg    Config
	log    *slog.Logger
	limits httpenc.Limits
	health *health.Server
}

// NewAuthz returns an ext_authz server that evaluates with eng.
func NewAuthz(eng evaluator.Engine, cfg Config) (*Authz, error) {
	if eng == nil {
		return nil, errors.New("extproc: nil engine")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Authz{
		eng: eng, cfg: cfg, log: cfg.logger(), health: health.NewServer(),
		limits: httpenc.Limits{MaxDecoded: int64(cfg.MaxDecodedBytes), MaxRatio: int64(cfg.MaxDecompressionRatio), RatioFloor: 1 << 20},
	}
	a.SetServing(true)
	return a, nil
}

// SetServing sets the health status (see Server.SetServing).
func (a *Authz) SetServing(serving bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if serving {
		st = healthpb.HealthCheckResponse_SERVING
	}
	a.health.SetServingStatus("", st)
	a.health.SetServingStatus(authzServiceName, st)
}

// Check evaluates the request Envoy describes and allows or denies it.
func (a *Authz) Check(ctx context.Context, req *authv3.CheckRequest) (resp *authv3.CheckResponse, err error) {
	hr := req.GetAttributes().GetRequest().GetHttp()
	headers := hr.GetHeaders()
	if len(headers) == 0 && hr.GetHeaderMap() != nil {
		headers = headerMap(hr.GetHeaderMap())
	}
	in := evaluator.Input{
		Phase:     interaction.PhaseRequest,
		Path:      hr.GetPath(),
		Headers:   headers,
		Door:      evaluator.DoorEnvoy,
		RequestID: headers["x-request-id"],
		SourceIP:  peerIP(req.GetAttributes().GetSource()),
	}
	if in.SourceIP == "" {
		in.SourceIP = sourceIP(nil, headers)
	}
	api, _, _ := llmapi.Recognize(in.Path)
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("extproc: panic in ext_authz check", "panic", fmt.Sprint(r))
			resp, err = a.failure(ctx, in, api, ReasonInternalError), nil
		}
	}()

	body := hr.GetRawBody()
	if len(body) == 0 {
		body = []byte(hr.GetBody())
	}
	if len(body) == 0 {
		d := a.door(ctx, in, evaluator.Allow, ReasonNoBody, 0, "")
		return a.ok(d), nil
	}
	if len(body) > a.cfg.MaxBodyBytes || strings.EqualFold(headers["x-envoy-auth-partial-body"], "true") {
		reason := ReasonBodyTooLarge
		if len(body) <= a.cfg.MaxBodyBytes {
			reason = ReasonBodyTruncated
		}
		return a.oversize(ctx, in, api, reason), nil
	}
	codings, cerr := httpenc.Parse(headers["content-encoding"])
	if cerr != nil {
		return a.failure(ctx, in, api, ReasonUnsupportedEncoding), nil
	}
	if len(codings) > 0 {
		plain, derr := httpenc.Decode(codings, body, a.limits)
		if derr != nil {
			if errors.Is(derr, httpenc.ErrLimit) {
				return a.oversize(ctx, in, api, ReasonDecompressionLimit), nil
			}
			return a.failure(ctx, in, api, ReasonUnsupportedEncoding), nil
		}
		body = plain
	}
	in.Body = body
	ectx, cancel := context.WithTimeout(ctx, a.cfg.MessageTimeout)
	defer cancel()
	d, eerr := a.eng.Evaluate(ectx, in)
	if eerr == nil && d == nil {
		eerr = errors.New("extproc: engine returned no decision")
	}
	if eerr != nil {
		if errors.Is(eerr, evaluator.ErrNotJSON) {
			return a.ok(a.door(ctx, in, evaluator.Allow, ReasonNotJSON, 0, "")), nil
		}
		return a.failure(ctx, in, api, failReason(eerr)), nil
	}
	if d.Interaction != nil && d.Interaction.API != "" {
		api = d.Interaction.API
	}
	switch d.Verdict {
	case evaluator.Block:
		return a.denied(api, d), nil
	case evaluator.Redact:
		// The rewritten body cannot be forwarded from here; what happens is
		// recorded as a decision of its own.
		if a.cfg.AuthzRedact == "allow" {
			return a.ok(a.door(ctx, in, evaluator.Allow, ReasonRedactUnavailable, 0, "")), nil
		}
		msg := "The request contains data that must be redacted, which this gateway cannot do."
		if d.Rule != "" {
			msg += " [sluice rule " + d.Rule + "]"
		}
		dd := a.door(ctx, in, evaluator.Block, ReasonRedactUnavailable, a.cfg.BlockStatus, msg)
		dd.Rule = d.Rule
		return a.denied(api, dd), nil
	}
	return a.ok(d), nil
}

func (a *Authz) door(ctx context.Context, in evaluator.Input, v evaluator.Verdict, reason string, st int, msg string) *evaluator.Decision {
	d := a.eng.DoorDecision(in, v, reason, st, msg)
	a.eng.Record(context.WithoutCancel(ctx), d)
	return d
}

func (a *Authz) oversize(ctx context.Context, in evaluator.Input, api, reason string) *authv3.CheckResponse {
	if a.cfg.OversizeAction == OversizeAllow {
		return a.ok(a.door(ctx, in, evaluator.Allow, reason, 0, ""))
	}
	d := a.door(ctx, in, evaluator.Block, reason, 413, "The request body is larger than sluice inspects.")
	return a.denied(api, d)
}

func (a *Authz) failure(ctx context.Context, in evaluator.Input, api, reason string) *authv3.CheckResponse {
	if a.cfg.FailureMode == FailOpen {
		return a.ok(a.door(ctx, in, evaluator.Allow, reason, 0, ""))
	}
	d := a.door(ctx, in, evaluator.Block, reason, a.cfg.FailureStatus,
		"sluice could not check this request and is configured to refuse what it cannot check.")
	return a.denied(api, d)
}

// authzHeader builds a header for ext_authz, which reads value (not
// raw_value) from its responses.
func authzHeader(k, v string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{
		Header:       &corev3.HeaderValue{Key: k, Value: safeHeaderValue(v)},
		AppendAction: corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	}
}

func (a *Authz) ok(d *evaluator.Decision) *authv3.CheckResponse {
	ok := &authv3.OkHttpResponse{}
	if a.cfg.DecisionHeaders {
		ok.ResponseHeadersToAdd = []*corev3.HeaderValueOption{
			authzHeader("x-sluice-decision", string(d.Verdict)),
			authzHeader("x-sluice-decision-id", d.ID),
		}
	}
	return &authv3.CheckResponse{
		Status:          &rpcstatus.Status{Code: int32(codes.OK)},
		HttpResponse:    &authv3.CheckResponse_OkResponse{OkResponse: ok},
		DynamicMetadata: authzMetadata(d),
	}
}

func (a *Authz) denied(api string, d *evaluator.Decision) *authv3.CheckResponse {
	r := refusalOfCfg(&a.cfg, d)
	body, hs := errorBody(api, r)
	var opts []*corev3.HeaderValueOption
	for _, h := range append(hs, refusalHeaders(r)...) {
		opts = append(opts, authzHeader(h.Key, h.Value))
	}
	a.log.Info("extproc: ext_authz denied", "decision_id", d.ID, "rule", d.Rule, "reason", d.Reason, "api", api)
	return &authv3.CheckResponse{
		Status: &rpcstatus.Status{Code: int32(codes.PermissionDenied), Message: d.Reason},
		HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode(r.Status)},
			Headers: opts,
			Body:    string(body),
		}},
		DynamicMetadata: authzMetadata(d),
	}
}

// authzMetadata is decisionMetadata flattened: ext_authz metadata always
// lands in the filter's own namespace (envoy.filters.http.ext_authz).
func authzMetadata(d *evaluator.Decision) *structpb.Struct {
	return decisionMetadata(phaseRequest, d)
}

func peerIP(p *authv3.AttributeContext_Peer) string {
	return p.GetAddress().GetSocketAddress().GetAddress()
}
