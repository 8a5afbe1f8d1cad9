package extproc

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/extproc/internal/frame"
	"github.com/sluicehq/sluice/extproc/internal/httpenc"
)

// phase is the half of an exchange a message belongs to.
type phase uint8

const (
	phaseRequest phase = iota
	phaseResponse
)

func (p phase) String() string {
	if p == phaseResponse {
		return "response"
	}
	return "request"
}

// bodyState is where one body (request or response) stands.
type bodyState uint8

const (
	bodyPending bodyState = iota // accumulating chunks before deciding
	bodyPassing                  // decided before its end: remaining chunks pass unchanged
	bodyDone                     // decided; anything more passes unchanged
	bodySkipped                  // not inspected (responses of requests that carried no prompt)
)

// half is the state of one direction of the exchange.
type half struct {
	state    bodyState
	buf      []byte // the body so far, as received
	held     bool   // chunks were cleared while accumulating (STREAMED): release buf when done
	codings  []httpenc.Coding
	codeErr  error
	decision *evaluator.Decision
}

// exchange is the per-stream state machine: one HTTP request and its
// response. Every method runs on the stream's goroutine.
type exchange struct {
	s   *Server
	ctx context.Context

	observe   bool
	modeKnown bool
	reqMode   filterv3.ProcessingMode_BodySendMode
	respMode  filterv3.ProcessingMode_BodySendMode
	broken    bool // a panic left the state unknown: answer by failure mode only

	path       string
	reqHeaders map[string]string
	api, model string
	stream     bool
	sourceIP   string

	respStatus      int
	respContentType string

	req, resp half
	st        *respStream // the response is processed as a stream
}

func newExchange(s *Server, ctx context.Context) *exchange {
	return &exchange{s: s, ctx: ctx, reqMode: modeUnknown, respMode: modeUnknown}
}

// modeUnknown stands for a body mode Envoy did not report (protocol_config
// is absent from older Envoys); bodies are then handled as if STREAMED,
// which is correct whatever the real mode.
const modeUnknown filterv3.ProcessingMode_BodySendMode = -1

func (ex *exchange) half(p phase) *half {
	if p == phaseResponse {
		return &ex.resp
	}
	return &ex.req
}

func (ex *exchange) mode(p phase) filterv3.ProcessingMode_BodySendMode {
	if p == phaseResponse {
		return ex.respMode
	}
	return ex.reqMode
}

func (ex *exchange) pathNoQuery() string {
	p, _, _ := strings.Cut(ex.path, "?")
	return p
}

func one(r *extprocv3.ProcessingResponse) []*extprocv3.ProcessingResponse {
	return []*extprocv3.ProcessingResponse{r}
}

// handle answers one message. In observability mode it still evaluates and
// records, but sends nothing back.
func (ex *exchange) handle(req *extprocv3.ProcessingRequest) (out []*extprocv3.ProcessingResponse) {
	if pc := req.GetProtocolConfig(); pc != nil && !ex.modeKnown {
		ex.modeKnown = true
		ex.reqMode, ex.respMode = pc.GetRequestBodyMode(), pc.GetResponseBodyMode()
	}
	ex.observe = req.GetObservabilityMode()
	defer func() {
		if r := recover(); r != nil {
			ex.s.log.Error("extproc: panic while processing a message", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			out = ex.afterPanic(req)
		}
		if ex.observe {
			out = nil
		}
	}()
	if ex.broken {
		return ex.brokenReply(req)
	}
	switch r := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return ex.requestHeaders(req, r.RequestHeaders)
	case *extprocv3.ProcessingRequest_RequestBody:
		return ex.body(phaseRequest, r.RequestBody)
	case *extprocv3.ProcessingRequest_RequestTrailers:
		return ex.trailers(phaseRequest)
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return ex.responseHeaders(r.ResponseHeaders)
	case *extprocv3.ProcessingRequest_ResponseBody:
		if ex.st != nil {
			return ex.streamChunk(r.ResponseBody.GetBody(), r.ResponseBody.GetEndOfStream())
		}
		return ex.body(phaseResponse, r.ResponseBody)
	case *extprocv3.ProcessingRequest_ResponseTrailers:
		return ex.trailers(phaseResponse)
	}
	return nil
}

// headerMap flattens Envoy's header list: lower-case names, raw values
// preferred, repeated headers joined with commas.
func headerMap(hm *corev3.HeaderMap) map[string]string {
	out := make(map[string]string, len(hm.GetHeaders()))
	for _, h := range hm.GetHeaders() {
		k := strings.ToLower(h.GetKey())
		v := string(h.GetRawValue())
		if v == "" {
			v = h.GetValue()
		}
		if prev, ok := out[k]; ok {
			v = prev + "," + v
		}
		out[k] = v
	}
	return out
}

func (ex *exchange) requestHeaders(req *extprocv3.ProcessingRequest, h *extprocv3.HttpHeaders) []*extprocv3.ProcessingResponse {
	ex.reqHeaders = headerMap(h.GetHeaders())
	ex.path = ex.reqHeaders[":path"]
	ex.api, ex.model, ex.stream = llmapi.Recognize(ex.path)
	ex.sourceIP = sourceIP(req, ex.reqHeaders)
	ex.req.codings, ex.req.codeErr = httpenc.Parse(ex.reqHeaders["content-encoding"])
	if h.GetEndOfStream() {
		// No body, no prompt: recorded so that every exchange is audited.
		ex.req.state = bodyDone
		d := ex.doorDecision(phaseRequest, evaluator.Allow, ReasonNoBody, 0, "")
		ex.req.decision = d
		return one(withMetadata(requestHeadersReply(nil), decisionMetadata(phaseRequest, d)))
	}
	return one(requestHeadersReply(nil))
}

// body accumulates a buffered (not streamed-response) body and decides
// once it is complete.
func (ex *exchange) body(p phase, b *extprocv3.HttpBody) []*extprocv3.ProcessingResponse {
	h := ex.half(p)
	mode := ex.mode(p)
	chunk, eos := b.GetBody(), b.GetEndOfStream()
	switch h.state {
	case bodyPassing, bodyDone, bodySkipped:
		return ex.pass(p, chunk, eos)
	}
	if len(h.buf)+len(chunk) > ex.s.cfg.MaxBodyBytes {
		return ex.oversize(p, chunk, eos, ReasonBodyTooLarge)
	}
	if mode == filterv3.ProcessingMode_BUFFERED_PARTIAL && !eos {
		// Envoy's buffer filled before the body ended: the rest will flow
		// without sluice seeing it.
		return ex.oversize(p, chunk, eos, ReasonBodyTruncated)
	}
	complete := eos || mode == filterv3.ProcessingMode_BUFFERED || mode == filterv3.ProcessingMode_BUFFERED_PARTIAL
	if len(h.buf) == 0 && complete {
		h.buf = chunk // the whole body in one message: no copy
	} else {
		h.buf = append(h.buf, chunk...)
	}
	if !complete {
		if mode == filterv3.ProcessingMode_FULL_DUPLEX_STREAMED {
			return nil // nothing is owed until the body ends
		}
		h.held = true
		return one(bodyReply(p, nil, []byte{})) // hold the chunk: released with the decision
	}
	return ex.decide(p)
}

// decide evaluates a complete body and answers the message that completed it.
func (ex *exchange) decide(p phase) []*extprocv3.ProcessingResponse {
	h := ex.half(p)
	if h.codeErr != nil {
		return ex.fail(p, ReasonUnsupportedEncoding)
	}
	plain := h.buf
	if len(h.codings) > 0 {
		var err error
		plain, err = httpenc.Decode(h.codings, h.buf, ex.s.limits)
		if err != nil {
			if errors.Is(err, httpenc.ErrLimit) {
				return ex.oversize(p, nil, true, ReasonDecompressionLimit)
			}
			return ex.fail(p, ReasonUnsupportedEncoding)
		}
	}
	in := ex.input(p)
	in.Body = plain
	d, err := ex.evaluate(ex.s.eng.Evaluate, in)
	if err != nil {
		if errors.Is(err, evaluator.ErrNotJSON) {
			// Not an LLM body (uploads, form posts); a provider's LLM
			// endpoints accept only JSON, so nothing reaches a model unseen.
			d := ex.doorDecision(p, evaluator.Allow, ReasonNotJSON, 0, "")
			return ex.settle(p, d, nil)
		}
		return ex.fail(p, failReason(err))
	}
	if p == phaseRequest && d.Interaction != nil {
		ix := d.Interaction
		if ix.API != "" && ix.API != llmapi.APIUnknown {
			ex.api = ix.API
		} else if ex.api == "" {
			ex.api = ix.API
		}
		if ix.Model != "" {
			ex.model = ix.Model
		}
		ex.stream = ex.stream || ix.Stream
	}
	switch d.Verdict {
	case evaluator.Block:
		return ex.refuse(p, d)
	case evaluator.Redact:
		body := d.Body
		if len(h.codings) > 0 {
			enc, err := httpenc.Encode(h.codings, body)
			if err != nil {
				return ex.fail(p, ReasonEvaluationFailed)
			}
			body = enc
		}
		return ex.settle(p, d, body)
	}
	return ex.settle(p, d, nil)
}

func failReason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return ReasonEvaluationTimeout
	}
	return ReasonEvaluationFailed
}

// evaluate runs an evaluation bounded by the message timeout.
func (ex *exchange) evaluate(fn func(context.Context, evaluator.Input) (*evaluator.Decision, error), in evaluator.Input) (*evaluator.Decision, error) {
	ctx, cancel := context.WithTimeout(ex.ctx, ex.s.cfg.MessageTimeout)
	defer cancel()
	d, err := fn(ctx, in)
	if err == nil && d == nil {
		err = errors.New("extproc: engine returned no decision")
	}
	return d, err
}

// refuse answers a block decision with an immediate response.
func (ex *exchange) refuse(p phase, d *evaluator.Decision) []*extprocv3.ProcessingResponse {
	h := ex.half(p)
	h.decision, h.state = d, bodyDone
	ex.s.log.Info("extproc: blocked", "phase", p.String(), "decision_id", d.ID, "rule", d.Rule, "reason", d.Reason, "api", ex.api)
	return one(withMetadata(immediateReply(ex.api, ex.s.refusalOf(d), d.Reason), decisionMetadata(p, d)))
}

// settle lets a decided body through: body is the rewritten body (redact),
// or nil to forward what was received.
func (ex *exchange) settle(p phase, d *evaluator.Decision, body []byte) []*extprocv3.ProcessingResponse {
	h := ex.half(p)
	h.decision, h.state = d, bodyDone
	md := decisionMetadata(p, d)
	switch ex.mode(p) {
	case filterv3.ProcessingMode_FULL_DUPLEX_STREAMED:
		if body == nil {
			body = h.buf
		}
		rs := streamedReplies(p, body, true)
		withMetadata(rs[0], md)
		return rs
	case filterv3.ProcessingMode_BUFFERED, filterv3.ProcessingMode_BUFFERED_PARTIAL:
		if body != nil {
			return one(withMetadata(bodyReply(p, &mutation{set: []header{contentLength(len(body))}}, body), md))
		}
		return one(withMetadata(bodyReply(p, nil, nil), md))
	}
	// STREAMED (or unknown): the headers are gone already, and Envoy has
	// dropped content-length itself; only the body can change.
	switch {
	case body != nil:
	case h.held:
		body = h.buf
	}
	return one(withMetadata(bodyReply(p, nil, body), md))
}

// pass forwards a chunk of a body that is already decided.
func (ex *exchange) pass(p phase, chunk []byte, eos bool) []*extprocv3.ProcessingResponse {
	if ex.mode(p) == filterv3.ProcessingMode_FULL_DUPLEX_STREAMED {
		return streamedReplies(p, chunk, eos)
	}
	return one(bodyReply(p, nil, nil))
}

// oversize applies the oversize action to a body that passed the limit
// with chunk (not yet added to the held body).
func (ex *exchange) oversize(p phase, chunk []byte, eos bool, reason string) []*extprocv3.ProcessingResponse {
	if ex.s.cfg.OversizeAction == OversizeBlock {
		msg := fmt.Sprintf("The %s body is larger than sluice inspects (limit %d bytes).", p, ex.s.cfg.MaxBodyBytes)
		if reason == ReasonDecompressionLimit {
			msg = fmt.Sprintf("The %s body decompresses beyond what sluice inspects.", p)
		}
		d := ex.doorDecision(p, evaluator.Block, reason, 413, msg)
		return ex.refuse(p, d)
	}
	d := ex.doorDecision(p, evaluator.Allow, reason, 0, "")
	return ex.release(p, d, chunk, eos)
}

// release lets an undecided body through unchecked (oversize allow, fail
// open): everything held so far, then the current chunk, then the rest.
func (ex *exchange) release(p phase, d *evaluator.Decision, chunk []byte, eos bool) []*extprocv3.ProcessingResponse {
	h := ex.half(p)
	h.decision = d
	h.state = bodyPassing
	if eos {
		h.state = bodyDone
	}
	md := decisionMetadata(p, d)
	all := append(h.buf, chunk...)
	switch ex.mode(p) {
	case filterv3.ProcessingMode_FULL_DUPLEX_STREAMED:
		rs := streamedReplies(p, all, eos)
		if len(rs) == 0 {
			return nil
		}
		withMetadata(rs[0], md)
		return rs
	case filterv3.ProcessingMode_BUFFERED, filterv3.ProcessingMode_BUFFERED_PARTIAL:
		return one(withMetadata(bodyReply(p, nil, nil), md))
	}
	if h.held {
		return one(withMetadata(bodyReply(p, nil, all), md))
	}
	return one(withMetadata(bodyReply(p, nil, nil), md))
}

// fail applies the failure mode to a body that could not be evaluated.
func (ex *exchange) fail(p phase, reason string) []*extprocv3.ProcessingResponse {
	if ex.s.cfg.FailureMode == FailOpen {
		d := ex.doorDecision(p, evaluator.Allow, reason, 0, "")
		h := ex.half(p)
		if h.state == bodyPending {
			return ex.release(p, d, nil, true)
		}
		return ex.settle(p, d, nil)
	}
	msg := fmt.Sprintf("sluice could not check this %s and is configured to refuse what it cannot check.", p)
	d := ex.doorDecision(p, evaluator.Block, reason, ex.s.cfg.FailureStatus, msg)
	return ex.refuse(p, d)
}

func (ex *exchange) trailers(p phase) []*extprocv3.ProcessingResponse {
	if p == phaseResponse && ex.st != nil {
		// The stream ended with trailers instead of an end-of-stream chunk.
		out := ex.finishStream()
		return append(out, trailersReply(p))
	}
	h := ex.half(p)
	if h.state == bodyPending && (len(h.buf) > 0 || h.held) {
		if ex.mode(p) == filterv3.ProcessingMode_FULL_DUPLEX_STREAMED {
			out := ex.decide(p)
			for _, r := range out {
				if sr := r.GetRequestBody().GetResponse().GetBodyMutation().GetStreamedResponse(); sr != nil {
					sr.EndOfStream = false // the trailers end the stream
				}
				if sr := r.GetResponseBody().GetResponse().GetBodyMutation().GetStreamedResponse(); sr != nil {
					sr.EndOfStream = false
				}
			}
			if len(out) == 1 && out[0].GetImmediateResponse() != nil {
				return out
			}
			return append(out, trailersReply(p))
		}
		// STREAMED with trailers: the held chunks cannot be put back with
		// a trailers reply, so the body can only be refused.
		out := ex.decide(p)
		if len(out) == 1 && out[0].GetImmediateResponse() != nil {
			return out
		}
		d := ex.doorDecision(p, evaluator.Block, ReasonBodyTruncated, ex.s.cfg.FailureStatus,
			"sluice cannot release a body held for inspection when it ends with trailers.")
		return ex.refuse(p, d)
	}
	return one(trailersReply(p))
}

// responseHeaders decides how the response will be inspected: whole, or
// as a stream (switching Envoy to STREAMED with mode_override).
func (ex *exchange) responseHeaders(h *extprocv3.HttpHeaders) []*extprocv3.ProcessingResponse {
	hs := headerMap(h.GetHeaders())
	ex.respStatus, _ = strconv.Atoi(hs[":status"])
	ex.respContentType = hs["content-type"]
	ex.resp.codings, ex.resp.codeErr = httpenc.Parse(hs["content-encoding"])
	m := &mutation{}
	if d := ex.req.decision; d != nil && ex.s.cfg.DecisionHeaders {
		m.set = append(m.set, header{"x-sluice-decision", string(d.Verdict)}, header{"x-sluice-decision-id", d.ID})
	}
	skip := !ex.s.cfg.EvaluateResponses || h.GetEndOfStream() || ex.respMode == filterv3.ProcessingMode_NONE
	if d := ex.req.decision; d != nil && (d.Reason == ReasonNoBody || d.Reason == ReasonNotJSON) {
		skip = true
	}
	if skip {
		ex.resp.state = bodySkipped
		return one(responseHeadersReply(m))
	}
	kind := frame.KindOf(ex.respContentType)
	ok2xx := ex.respStatus >= 200 && ex.respStatus < 300
	if !(kind == frame.SSE || kind == frame.EventStream || (ex.stream && ok2xx)) {
		return one(responseHeadersReply(m)) // buffered and evaluated whole
	}
	if ex.resp.codeErr != nil {
		out := ex.fail(phaseResponse, ReasonUnsupportedEncoding)
		if len(out) == 1 && out[0].GetImmediateResponse() != nil {
			return out
		}
		ex.resp.state = bodySkipped
		return one(responseHeadersReply(m))
	}
	ex.st = ex.newRespStream(kind)
	if len(ex.resp.codings) > 0 {
		// The stream is decoded for inspection and sent on decoded: an
		// error event can only be appended to a stream sluice encodes
		// itself, and re-encoding every chunk buys nothing on a stream.
		m.remove = append(m.remove, "content-encoding")
	}
	m.remove = append(m.remove, "content-length")
	r := responseHeadersReply(m)
	switch ex.respMode {
	case filterv3.ProcessingMode_STREAMED, filterv3.ProcessingMode_FULL_DUPLEX_STREAMED:
	default:
		reqMode := ex.reqMode
		if reqMode == modeUnknown {
			reqMode = filterv3.ProcessingMode_BUFFERED
		}
		r.ModeOverride = streamOverride(reqMode)
		if ex.respMode != modeUnknown {
			ex.respMode = filterv3.ProcessingMode_STREAMED
		}
	}
	return one(r)
}

// afterPanic answers the message whose processing panicked and marks the
// exchange broken: its state cannot be trusted any more.
func (ex *exchange) afterPanic(req *extprocv3.ProcessingRequest) (out []*extprocv3.ProcessingResponse) {
	ex.broken = true
	defer func() {
		if r := recover(); r != nil {
			out = ex.brokenReply(req)
		}
	}()
	p := phaseOf(req)
	if p == phaseResponse && ex.st != nil {
		ex.st.passthrough = ex.s.cfg.FailureMode == FailOpen
	}
	d := ex.doorDecision(p, failVerdict(ex.s.cfg.FailureMode), ReasonInternalError, ex.s.cfg.FailureStatus,
		fmt.Sprintf("sluice failed while checking this %s.", p))
	ex.half(p).decision = d
	return ex.brokenReply(req)
}

func failVerdict(m FailureMode) evaluator.Verdict {
	if m == FailOpen {
		return evaluator.Allow
	}
	return evaluator.Block
}

// brokenReply answers any message of a broken exchange by the failure
// mode alone: fail open continues everything (releasing held chunks),
// fail closed refuses.
func (ex *exchange) brokenReply(req *extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
	p := phaseOf(req)
	if ex.s.cfg.FailureMode == FailClosed {
		id := ""
		if d := ex.half(p).decision; d != nil {
			id = d.ID
		}
		return one(immediateReply(ex.api, refusal{
			Status: ex.s.cfg.FailureStatus, Reason: ReasonInternalError, DecisionID: id,
			Message: "sluice failed while checking this exchange. [sluice decision " + id + "]",
		}, ReasonInternalError))
	}
	switch r := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return one(requestHeadersReply(nil))
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return one(responseHeadersReply(nil))
	case *extprocv3.ProcessingRequest_RequestTrailers, *extprocv3.ProcessingRequest_ResponseTrailers:
		return one(trailersReply(p))
	case *extprocv3.ProcessingRequest_RequestBody:
		return ex.brokenBody(p, r.RequestBody)
	case *extprocv3.ProcessingRequest_ResponseBody:
		return ex.brokenBody(p, r.ResponseBody)
	}
	return nil
}

func (ex *exchange) brokenBody(p phase, b *extprocv3.HttpBody) []*extprocv3.ProcessingResponse {
	h := ex.half(p)
	chunk := b.GetBody()
	if h.held {
		chunk = append(h.buf, chunk...)
		h.held, h.buf = false, nil
		if ex.mode(p) != filterv3.ProcessingMode_FULL_DUPLEX_STREAMED {
			return one(bodyReply(p, nil, chunk))
		}
	}
	if ex.mode(p) == filterv3.ProcessingMode_FULL_DUPLEX_STREAMED {
		return streamedReplies(p, chunk, b.GetEndOfStream())
	}
	return one(bodyReply(p, nil, nil))
}

func phaseOf(req *extprocv3.ProcessingRequest) phase {
	switch req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_ResponseHeaders, *extprocv3.ProcessingRequest_ResponseBody, *extprocv3.ProcessingRequest_ResponseTrailers:
		return phaseResponse
	}
	return phaseRequest
}

// close runs when the stream ends: a streamed response cut short (the
// client went away) is still evaluated and recorded, and decoders are
// released.
func (ex *exchange) close() {
	defer func() {
		if r := recover(); r != nil {
			ex.s.log.Error("extproc: panic while closing an exchange", "panic", fmt.Sprint(r))
		}
	}()
	if ex.st != nil {
		ex.st.release()
		if !ex.st.finished && !ex.broken {
			ex.ctx = context.WithoutCancel(ex.ctx)
			ex.finishStream()
		}
	}
}
