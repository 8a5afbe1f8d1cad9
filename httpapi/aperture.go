package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// Fixed answers. A post-response answer also says "allow": Aperture does
// not read it, and should a pre_request call ever be taken for a
// post-response one, it is still a valid GuardrailResponse that lets the
// request through (while its evaluation is audited) rather than a hook
// failure.
var (
	allowAnswer     = []byte(`{"action":"allow"}`)
	acceptedAnswer  = []byte(`{"action":"allow","status":"accepted"}`)
	duplicateAnswer = []byte(`{"action":"allow","status":"duplicate"}`)
	modifyPrefix    = []byte(`{"action":"modify","request_body":`)
)

// guardrailResponse is Aperture's GuardrailResponse for a block (allow
// and modify answers are written directly).
type guardrailResponse struct {
	Action     string `json:"action"`
	StatusCode int    `json:"status_code,omitempty"`
	Message    string `json:"message,omitempty"`
}

// serveHook handles one hook call. fixed is the phase the endpoint
// imposes, phaseAuto for /v1/aperture/events.
func (s *Server) serveHook(w http.ResponseWriter, r *http.Request, fixed phase) error {
	body, err := s.body.read(w, r)
	if err != nil {
		s.recordUnread(r, fixed, err)
		return err
	}
	hc, err := parseHookCall(body)
	if err != nil {
		s.recordUnread(r, fixed, err)
		return err
	}
	ph := fixed
	if ph == phaseAuto {
		ph = hc.phase()
	}
	if ph == phasePost {
		return s.acceptPost(w, r, body, hc)
	}
	return s.preRequest(w, r, hc)
}

// recordUnread audits a hook call that could not be read: Aperture treats
// the error answer as a hook failure and applies its fail policy.
func (s *Server) recordUnread(r *http.Request, fixed phase, err error) {
	code := CodeRequestParse
	var ae *apiError
	if errors.As(err, &ae) {
		code = ae.code
	}
	in := evaluator.Input{Door: evaluator.DoorAperture, SourceIP: remoteIP(r)}
	if fixed == phasePost {
		in.Phase = interaction.PhaseResponse
		s.record(r.Context(), in, evaluator.Allow, code, 0, "")
		return
	}
	v, status, msg := s.failVerdict(code)
	s.record(r.Context(), in, v, code, status, msg)
}

// failVerdict is what Aperture does with a pre_request call sluice
// answered with an error, per the hook's fail policy (Config.HookFailPolicy).
func (s *Server) failVerdict(code string) (evaluator.Verdict, int, string) {
	if s.cfg.HookFailPolicy == FailClosed {
		return evaluator.Block, http.StatusServiceUnavailable, "sluice could not evaluate the request (" + code + ")"
	}
	return evaluator.Allow, 0, ""
}

// preRequest evaluates a pre_request call on the spot and answers allow,
// block or modify, always with HTTP 200.
func (s *Server) preRequest(w http.ResponseWriter, r *http.Request, hc *hookCall) error {
	ctx := r.Context()
	in := hookInput(hc, interaction.PhaseRequest, hc.eventName(phasePre), remoteIP(r))
	body, kind := unwrapBody(hc.RequestBody)
	switch {
	case kind != bodyAbsent:
		in.Body = body
		in.Attributes[AttrBodySource] = SourceRequestBody
	case hc.UserMessage != "":
		in.Body = userMessageRequest(apiHint(in.Path, hc.Metadata.Provider), hc.UserMessage)
		in.Attributes[AttrBodySource] = SourceUserMessage
	default:
		// Metadata only (the hook's send list has no body): nothing to
		// judge, but the request passed and is audited.
		s.record(ctx, in, evaluator.Allow, CodeNoContent, 0, "")
		w.Header().Set("X-Sluice-Decision", string(evaluator.Allow))
		writeRaw(w, http.StatusOK, allowAnswer)
		return nil
	}
	d, err := s.eng.Evaluate(ctx, in)
	if err != nil {
		return s.preFailed(ctx, in, err)
	}
	if in.RequestID != "" && d.Interaction != nil {
		// Remembered so the post-response call for the same request does
		// not evaluate (and audit) this body a second time.
		s.pre.set(in.RequestID, preSeen{maphash.Bytes(s.seed, in.Body), d.Interaction.API}, s.now())
	}
	s.answerPre(w, d, kind)
	return nil
}

// preFailed audits and answers an evaluation that did not produce a
// decision. The answer is an error status on purpose: it is a hook failure
// to Aperture, which applies the operator's fail policy.
func (s *Server) preFailed(ctx context.Context, in evaluator.Input, err error) error {
	ae := evalError(ctx, err)
	v, status, msg := s.failVerdict(ae.code)
	s.record(ctx, in, v, ae.code, status, msg)
	return ae
}

// evalError classifies an Evaluate error.
func evalError(ctx context.Context, err error) *apiError {
	switch {
	case errors.Is(err, evaluator.ErrNotJSON):
		return newError(http.StatusUnprocessableEntity, CodeBodyNotJSON, "the body to evaluate is not JSON", err)
	case ctx.Err() != nil:
		return newError(http.StatusServiceUnavailable, CodeEvaluationCancelled, "the evaluation was cancelled", err)
	}
	return newError(http.StatusInternalServerError, CodeEvaluationFailed, "the evaluation failed", err)
}

// answerPre turns a decision into Aperture's GuardrailResponse.
func (s *Server) answerPre(w http.ResponseWriter, d *evaluator.Decision, kind bodyKind) {
	h := w.Header()
	h.Set("X-Sluice-Decision-Id", d.ID)
	switch d.Verdict {
	case evaluator.Block:
		h.Set("X-Sluice-Decision", string(evaluator.Block))
		writeJSON(w, http.StatusOK, s.blockAnswer(d, d.Message))
	case evaluator.Redact:
		if body, ok := modifiedBody(d.Body, kind); ok {
			// Written by hand: encoding/json would re-encode the body
			// (escaping <, > and &), and the provider should receive the
			// evaluator's bytes.
			h.Set("X-Sluice-Decision", string(evaluator.Redact))
			ans := make([]byte, 0, len(modifyPrefix)+len(body)+1)
			ans = append(append(append(ans, modifyPrefix...), body...), '}')
			writeRaw(w, http.StatusOK, ans)
			return
		}
		// The hook was sent only the user message, so there is no whole
		// body to hand back: refusing is the only way to keep the data
		// from the provider.
		s.log.Warn("redaction needs the request body: add request_body to the hook's send list",
			"decision_id", d.ID, "rule", d.Rule)
		h.Set("X-Sluice-Decision", string(evaluator.Block))
		writeJSON(w, http.StatusOK, s.blockAnswer(d, fmt.Sprintf(
			"Sensitive data must be redacted, but sluice was not sent the request body [sluice rule %s, decision %s]", d.Rule, d.ID)))
	default:
		h.Set("X-Sluice-Decision", string(evaluator.Allow))
		writeRaw(w, http.StatusOK, allowAnswer)
	}
}

func (s *Server) blockAnswer(d *evaluator.Decision, msg string) guardrailResponse {
	status := d.Status
	if status == 0 {
		status = s.cfg.BlockStatus
	}
	if msg == "" {
		msg = "The request was blocked by policy [sluice decision " + d.ID + "]"
	}
	return guardrailResponse{Action: "block", StatusCode: status, Message: msg}
}

// modifiedBody is the rewritten body in the form the original was sent:
// a JSON body as is, a body sent as a JSON string as a JSON string, and a
// non-JSON string (evaluated as a JSON string literal) as the rewritten
// literal.
func modifiedBody(b []byte, kind bodyKind) (json.RawMessage, bool) {
	if len(b) == 0 {
		return nil, false
	}
	switch kind {
	case bodyJSON, bodyText:
		return b, json.Valid(b)
	case bodyString:
		return jsonString(b), true
	}
	return nil, false
}

// jsonString encodes b as a JSON string literal, leaving <, > and & as
// they are (encoding/json would escape them for HTML).
func jsonString(b []byte) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(string(b)) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), newline)
}
