package extproc

import (
	"context"
	"errors"

	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/extproc/internal/frame"
	"github.com/sluicehq/sluice/extproc/internal/httpenc"
)

// respStream is the state of a response inspected as a stream. Each chunk
// is decoded (when compressed), cut at event boundaries (whole events are
// released, an unfinished one is held), folded into the assembled output
// and checked; the first enforced violation replaces the rest of the
// stream with an error event in the provider's shape.
type respStream struct {
	fr  *frame.Framer
	asm *llmapi.StreamAssembler
	dec *httpenc.StreamDecoder
	win *streamWindow

	raw      []byte // the decoded stream so far, for the final evaluation
	rawFull  bool   // raw passed MaxBodyBytes and was dropped
	asmErr   bool   // the assembler failed: checks stopped
	checked  bool   // at least one check ran
	blocked  bool   // an error event was sent: drop everything after it
	finished bool   // the final decision is made and recorded

	// passthrough stops inspection (fail open, oversize allow): chunks
	// pass as they come (decoded when the stream is being decoded).
	passthrough bool
}

func (ex *exchange) newRespStream(kind frame.Kind) *respStream {
	cfg := &ex.s.cfg
	st := &respStream{
		fr:  frame.New(kind, cfg.StreamTailBytes),
		asm: llmapi.NewStreamAssembler(ex.api, ex.respContentType, cfg.StreamTailBytes),
		win: newStreamWindow(cfg.StreamWindowBytes),
	}
	if len(ex.resp.codings) > 0 {
		st.dec = httpenc.NewStreamDecoder(ex.resp.codings, httpenc.Limits{
			MaxDecoded: int64(cfg.MaxDecodedBytes), MaxRatio: int64(cfg.MaxDecompressionRatio), RatioFloor: 1 << 20,
		})
	}
	return st
}

// release frees the decoder goroutine.
func (st *respStream) release() {
	if st.dec != nil {
		_, _ = st.dec.Close()
	}
}

// streamChunk processes one chunk of a streamed response and answers it.
func (ex *exchange) streamChunk(chunk []byte, eos bool) []*extprocv3.ProcessingResponse {
	st := ex.st
	if st.blocked {
		return ex.streamReply(chunk, []byte{}, eos, nil)
	}
	plain := chunk
	if st.dec != nil {
		out, err := st.dec.Write(chunk)
		if err == nil && eos {
			var tail []byte
			tail, err = st.dec.Close()
			out = append(out, tail...)
		}
		if err != nil {
			if st.passthrough {
				// The encoding header is gone and the rest cannot be
				// decoded: nothing more can be sent that the client reads.
				return ex.streamReply(chunk, []byte{}, eos, nil)
			}
			reason := ReasonUnsupportedEncoding
			if errors.Is(err, httpenc.ErrLimit) {
				reason = ReasonDecompressionLimit
			}
			return ex.streamFailure(chunk, st.fr.Checkpoint(), nil, eos, reason)
		}
		plain = out
	}
	if st.passthrough {
		return ex.streamReply(chunk, plain, eos, nil)
	}
	ex.keepRaw(plain)
	cp := st.fr.Checkpoint()
	rel, err := st.fr.Push(plain)
	if err != nil {
		return ex.streamFailure(chunk, cp, plain, eos, ReasonStreamParseError)
	}
	if eos {
		rel = append(rel, st.fr.Flush()...)
	}
	if len(rel) > 0 && !st.asmErr {
		if err := st.asm.Feed(rel); err != nil {
			// The error text may quote the stream: it is not logged.
			st.asmErr = true
			ex.s.log.Warn("extproc: cannot assemble the response stream; only the final evaluation will judge it",
				"api", ex.api, "reason", ReasonStreamParseError)
		}
	}
	if eos {
		if err := st.asm.Close(); err != nil && !st.asmErr {
			st.asmErr = true
		}
		d := ex.finalStreamDecision()
		if d != nil && d.Verdict != evaluator.Allow {
			return ex.streamBlock(chunk, cp, d, eos)
		}
		return ex.streamReply(chunk, rel, eos, d)
	}
	if len(rel) > 0 && !st.asmErr && !ex.observe {
		if d := ex.checkStream(); d != nil {
			return ex.streamBlock(chunk, cp, d, eos)
		}
	}
	return ex.streamReply(chunk, rel, eos, nil)
}

// keepRaw keeps the decoded stream for the final evaluation, up to the
// body limit.
func (ex *exchange) keepRaw(plain []byte) {
	st := ex.st
	if st.rawFull {
		return
	}
	if len(st.raw)+len(plain) > ex.s.cfg.MaxBodyBytes {
		st.rawFull, st.raw = true, nil
		return
	}
	st.raw = append(st.raw, plain...)
}

// checkStream checks the output assembled since the last check and returns
// the decision when it must end the stream, recording it.
func (ex *exchange) checkStream() *evaluator.Decision {
	st := ex.st
	parts, calls, changed := st.win.next(st.asm.Interaction())
	if !changed {
		return nil
	}
	st.checked = true
	in := ex.input(phaseResponse)
	in.Body = synthBody(ex.api, ex.model, parts, calls)
	in.ContentType = "application/json"
	in.Stream = true
	in.Transient = true // a window: the final decision reads the whole output
	d, err := ex.evaluate(ex.s.eng.Check, in)
	if err != nil {
		// A failed intermediate check is not final: the whole response is
		// evaluated at its end. A fail-closed door still cannot let output
		// it could not check through.
		if ex.s.cfg.FailureMode == FailClosed && !errors.Is(err, evaluator.ErrNotJSON) {
			d := ex.doorDecision(phaseResponse, evaluator.Block, failReason(err), ex.s.cfg.FailureStatus,
				"sluice could not check the model's output and is configured to refuse what it cannot check.")
			return d
		}
		return nil
	}
	if d.Verdict == evaluator.Allow {
		return nil
	}
	if d.Verdict == evaluator.Redact {
		// Output already sent cannot be rewritten: redaction of a stream
		// becomes ending it, as the evaluator does for stream text.
		d.Verdict, d.Reason, d.Body = evaluator.Block, evaluator.ReasonRedactionImpossible, nil
	}
	// The deciding check is recorded; the passing ones were not.
	ex.s.eng.Record(context.WithoutCancel(ex.ctx), d)
	return d
}

// finalStreamDecision evaluates the whole response at its end (recorded by
// the engine) and returns it.
func (ex *exchange) finalStreamDecision() *evaluator.Decision {
	st := ex.st
	st.finished = true
	in := ex.input(phaseResponse)
	in.Stream = true
	if st.rawFull {
		parts, calls := wholeOutput(st.asm.Interaction())
		in.Body = synthBody(ex.api, ex.model, parts, calls)
		in.ContentType = "application/json"
	} else {
		in.Body = st.raw
	}
	d, err := ex.evaluate(ex.s.eng.Evaluate, in)
	if err != nil {
		if errors.Is(err, evaluator.ErrNotJSON) {
			d = ex.doorDecision(phaseResponse, evaluator.Allow, ReasonNotJSON, 0, "")
		} else if ex.s.cfg.FailureMode == FailOpen {
			d = ex.doorDecision(phaseResponse, evaluator.Allow, failReason(err), 0, "")
		} else {
			d = ex.doorDecision(phaseResponse, evaluator.Block, failReason(err), ex.s.cfg.FailureStatus,
				"sluice could not check the model's output and is configured to refuse what it cannot check.")
		}
	}
	ex.resp.decision = d
	if d.Verdict == evaluator.Redact {
		d.Verdict, d.Reason, d.Body = evaluator.Block, evaluator.ReasonRedactionImpossible, nil
	}
	return d
}

// finishStream ends a stream that ended without an end-of-stream chunk
// (trailers, or the client went away): whatever the framer holds was never
// sent; the output so far is evaluated and recorded.
func (ex *exchange) finishStream() []*extprocv3.ProcessingResponse {
	st := ex.st
	if st.finished || st.blocked {
		return nil
	}
	if rel := st.fr.Flush(); len(rel) > 0 && !st.asmErr {
		_ = st.asm.Feed(rel)
	}
	_ = st.asm.Close()
	ex.finalStreamDecision()
	return nil
}

// streamBlock ends the stream with an error event in place of chunk; cp is
// the framer's state before chunk.
func (ex *exchange) streamBlock(chunk []byte, cp frame.Checkpoint, d *evaluator.Decision, eos bool) []*extprocv3.ProcessingResponse {
	st := ex.st
	st.blocked = true
	ex.resp.decision = d
	ex.s.log.Info("extproc: stream ended", "decision_id", d.ID, "rule", d.Rule, "reason", d.Reason, "api", ex.api)
	ev := streamError(ex.api, st.fr.Kind(), cp, ex.s.refusalOf(d))
	if ev == nil {
		ev = []byte{}
	}
	return ex.streamReply(chunk, ev, eos, d)
}

// streamFailure handles a stream sluice can no longer read.
func (ex *exchange) streamFailure(chunk []byte, cp frame.Checkpoint, plain []byte, eos bool, reason string) []*extprocv3.ProcessingResponse {
	st := ex.st
	if ex.s.cfg.FailureMode == FailOpen || (reason == ReasonDecompressionLimit && ex.s.cfg.OversizeAction == OversizeAllow) {
		st.passthrough, st.finished = true, true
		d := ex.doorDecision(phaseResponse, evaluator.Allow, reason, 0, "")
		ex.resp.decision = d
		return ex.streamReply(chunk, append(st.fr.Flush(), plain...), eos, d)
	}
	st.finished = true
	d := ex.doorDecision(phaseResponse, evaluator.Block, reason, ex.s.cfg.FailureStatus,
		"sluice could not read the model's output and is configured to refuse what it cannot check.")
	return ex.streamBlock(chunk, cp, d, eos)
}

// streamReply answers a response chunk with out in place of chunk: no
// mutation when they are the same bytes.
func (ex *exchange) streamReply(chunk, out []byte, eos bool, d *evaluator.Decision) []*extprocv3.ProcessingResponse {
	md := decisionMetadata(phaseResponse, d)
	if ex.respMode == filterv3.ProcessingMode_FULL_DUPLEX_STREAMED {
		rs := streamedReplies(phaseResponse, out, eos)
		if len(rs) > 0 {
			withMetadata(rs[0], md)
		}
		return rs
	}
	var body []byte
	if !sameBytes(chunk, out) {
		body = out
		if body == nil {
			body = []byte{}
		}
	}
	return one(withMetadata(bodyReply(phaseResponse, nil, body), md))
}

// sameBytes reports whether out is exactly chunk (usually the very same
// slice, when nothing was held or decoded).
func sameBytes(chunk, out []byte) bool {
	if len(chunk) != len(out) {
		return false
	}
	if len(chunk) == 0 {
		return true
	}
	if &chunk[0] == &out[0] {
		return true
	}
	return string(chunk) == string(out)
}
