package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"hash/maphash"
	"net/http"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// acceptPost answers a post-response call at once and queues its
// evaluation, unless its request_id was seen within the dedupe window.
func (s *Server) acceptPost(w http.ResponseWriter, r *http.Request, body []byte, hc *hookCall) error {
	now := s.now()
	id := hc.Metadata.RequestID
	if id != "" && !s.seen.add(id, struct{}{}, now) {
		s.duplicates.Add(1)
		writeRaw(w, http.StatusAccepted, duplicateAnswer)
		return nil
	}
	j := &job{received: now, sourceIP: remoteIP(r), body: body, hc: hc}
	if err := s.pool.submit(r.Context(), j); err != nil {
		if id != "" {
			s.seen.remove(id)
		}
		s.rejected.Add(1)
		code, msg := CodeQueueFull, "the post-response queue and spool are full"
		if errors.Is(err, errShuttingDown) {
			code, msg = CodeShuttingDown, "sluice is shutting down"
		}
		in := hookInput(hc, interaction.PhaseResponse, hc.eventName(phasePost), j.sourceIP)
		s.record(r.Context(), in, evaluator.Allow, code, 0, "")
		return newError(http.StatusServiceUnavailable, code, msg, err)
	}
	writeRaw(w, http.StatusAccepted, acceptedAnswer)
	return nil
}

// lostJob audits a job that will never be evaluated.
func (s *Server) lostJob(j *job, reason string) {
	in := evaluator.Input{Door: evaluator.DoorAperture, Phase: interaction.PhaseResponse, SourceIP: j.sourceIP}
	if s.parseJob(j) == nil {
		in = hookInput(j.hc, interaction.PhaseResponse, j.hc.eventName(phasePost), j.sourceIP)
	}
	s.record(context.Background(), in, evaluator.Allow, reason, 0, "")
}

func (s *Server) parseJob(j *job) error {
	if j.hc != nil {
		return nil
	}
	hc, err := parseHookCall(j.body)
	if err != nil {
		return err
	}
	j.hc = hc
	return nil
}

// runJob evaluates a post-response call: the request (unless its
// pre_request hook already evaluated the same body or user message), then the response
// (assistant text and tool calls from response_body or raw_responses),
// then any tool call in tool_calls the response did not show. It returns
// an error only when ctx cut it short; failed evaluations are audited
// and the job counts as done.
func (s *Server) runJob(ctx context.Context, j *job) error {
	if err := s.parseJob(j); err != nil {
		// It parsed when it was accepted; only a damaged spool file gets here.
		s.log.Error("spooled post-response job is not a hook call", "err", err)
		s.record(ctx, evaluator.Input{Door: evaluator.DoorAperture, Phase: interaction.PhaseResponse, SourceIP: j.sourceIP},
			evaluator.Allow, CodeRequestParse, 0, "")
		return nil
	}
	hc := j.hc
	base := hookInput(hc, interaction.PhaseRequest, hc.eventName(phasePost), j.sourceIP)
	handled := j.done != 0
	var api string
	if j.done&stageRequest == 0 {
		a, ok, err := s.postRequest(ctx, hc, base)
		if err != nil {
			return err
		}
		api, handled = a, handled || ok
		j.done |= stageRequest
	}
	if api == "" {
		if seen, ok := s.pre.get(hc.Metadata.RequestID, s.now()); ok && hc.Metadata.RequestID != "" {
			api = seen.api
		} else {
			api = apiHint(base.Path, hc.Metadata.Provider)
		}
	}
	if j.done&stageResponse == 0 {
		ok, err := s.postResponse(ctx, hc, base, api)
		if err != nil {
			return err
		}
		handled = handled || ok
		j.done |= stageResponse
	}
	if !handled {
		s.record(ctx, base, evaluator.Allow, CodeNoContent, 0, "")
	}
	return nil
}

// postRequest evaluates the request half of a post-response call and
// returns the API it was recognised as. ok is false when there was no
// request content at all.
func (s *Server) postRequest(ctx context.Context, hc *hookCall, base evaluator.Input) (api string, ok bool, err error) {
	body, kind := unwrapBody(hc.RequestBody)
	var in evaluator.Input
	switch {
	case kind != bodyAbsent:
		in = withSource(base, SourceRequestBody)
		in.Body = body
	case hc.UserMessage != "":
		in = withSource(base, SourceUserMessage)
		in.Body = userMessageRequest(apiHint(base.Path, hc.Metadata.Provider), hc.UserMessage)
	default:
		return "", false, nil
	}
	if id := hc.Metadata.RequestID; id != "" {
		if seen, found := s.pre.get(id, s.now()); found && seen.hash == maphash.Bytes(s.seed, in.Body) {
			return seen.api, true, nil // its pre_request evaluation is already audited
		}
	}
	d, err := s.evalBackground(ctx, in)
	if err != nil {
		return "", true, err
	}
	if d != nil && d.Interaction != nil {
		api = d.Interaction.API
	}
	return api, true, nil
}

// postResponse evaluates the response half. ok is false when the call
// carried no response content and no tool calls.
func (s *Server) postResponse(ctx context.Context, hc *hookCall, base evaluator.Input, api string) (ok bool, err error) {
	base.Phase = interaction.PhaseResponse
	base.API = api
	var in evaluator.Input
	if raw := hc.ResponseBody; present(raw) {
		in = withSource(base, SourceResponseBody)
		in.Body, in.ContentType = responseBody(raw)
	} else if events := eventLines(hc.RawResponses); len(events) > 0 {
		in = withSource(base, SourceRawResponses)
		in.Body, in.ContentType = events, "application/x-ndjson"
	}
	var d *evaluator.Decision
	if in.Body != nil {
		ok = true
		if d, err = s.evalBackground(ctx, in); err != nil {
			return ok, err
		}
	}
	missing := uncoveredCalls(hc.ToolCalls, d)
	if len(missing) == 0 {
		return ok, nil
	}
	body, asAPI := toolCallsResponse(api, missing)
	tin := withSource(base, SourceToolCalls)
	tin.API, tin.Body = asAPI, body
	_, err = s.evalBackground(ctx, tin)
	return true, err
}

// responseBody returns the response body to evaluate and its content type:
// a JSON body as is, a string holding JSON unwrapped, a string holding an
// event stream as text/event-stream, and any other string as a JSON string.
func responseBody(raw json.RawMessage) ([]byte, string) {
	body, kind := unwrapBody(raw)
	if kind == bodyText {
		var s string
		if json.Unmarshal(body, &s) == nil && looksLikeSSE(s) {
			return []byte(s), "text/event-stream"
		}
	}
	return body, "application/json"
}

func looksLikeSSE(s string) bool {
	for _, p := range []string{"data:", "event:", "id:", ":"} {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}

// uncoveredCalls returns the tool calls Aperture reported that the
// evaluated response did not contain (by name, counting repeats): those
// still need an evaluation of their own.
func uncoveredCalls(calls []hookToolUse, d *evaluator.Decision) []hookToolUse {
	if len(calls) == 0 {
		return nil
	}
	if d == nil || d.Interaction == nil || len(d.Interaction.ToolCalls) == 0 {
		return calls
	}
	have := map[string]int{}
	for _, tc := range d.Interaction.ToolCalls {
		have[tc.Name]++
	}
	var missing []hookToolUse
	for _, c := range calls {
		if have[c.Name] > 0 {
			have[c.Name]--
			continue
		}
		missing = append(missing, c)
	}
	return missing
}

// evalBackground evaluates for a post-response job. A failure is audited
// and logged and returns (nil, nil); only a cancellation of ctx (shutdown)
// returns an error, so the job is kept for the next run.
func (s *Server) evalBackground(ctx context.Context, in evaluator.Input) (*evaluator.Decision, error) {
	d, err := s.eng.Evaluate(ctx, in)
	if err == nil {
		return d, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	ae := evalError(ctx, err)
	s.log.Warn("post-response evaluation failed", "code", ae.code, "source", in.Attributes[AttrBodySource],
		"request_id", in.RequestID, "err", err)
	s.record(ctx, in, evaluator.Allow, ae.code, 0, "")
	return nil, nil
}
