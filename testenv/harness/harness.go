// Package harness plays Envoy's ext_proc filter against a real ext_proc
// server over gRPC, so that tests exercise the protocol the way Envoy
// drives it, without an Envoy binary.
//
// For one HTTP exchange it sends the messages Envoy sends, in Envoy's
// order, under the configured processing mode (BUFFERED, STREAMED with
// pipelined chunks cut at arbitrary offsets, BUFFERED_PARTIAL,
// FULL_DUPLEX_STREAMED, observability mode), honours mode_override as
// Envoy does, applies header and body mutations with Envoy's rules, times
// out each message, and forwards the result to an upstream. It checks
// every reply as Envoy would and reports what Envoy would reject as an
// error: a reply of the wrong kind, a header value in value rather than
// raw_value, an immediate response without a status, a content-length
// that does not match a mutated body, a reply in observability mode, a
// spurious extra message.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// Filter is the ext_proc filter configuration the harness plays.
type Filter struct {
	// Mode is the processing mode; nil means Envoy's usual LLM setup:
	// headers SEND, bodies BUFFERED, trailers SKIP.
	Mode                 *filterv3.ProcessingMode
	AllowModeOverride    bool
	AllowedOverrideModes []*filterv3.ProcessingMode
	// MessageTimeout defaults to Envoy's 200 ms.
	MessageTimeout    time.Duration
	FailureModeAllow  bool
	ObservabilityMode bool
	// ReceivingNamespaces lists the metadata namespaces accepted from the
	// processor (default: sluice).
	ReceivingNamespaces []string
	// OmitProtocolConfig mimics an Envoy too old to send protocol_config.
	OmitProtocolConfig bool
	// BufferLimit is the stream's buffer limit (default 10 MiB): a
	// BUFFERED body over it is refused with 413 before the processor sees
	// it, a BUFFERED_PARTIAL one is sent cut at the limit.
	BufferLimit int
	// SourceAddress, when set, is sent as the source.address attribute.
	SourceAddress string
}

func (f *Filter) defaults() {
	if f.Mode == nil {
		f.Mode = &filterv3.ProcessingMode{
			RequestHeaderMode: filterv3.ProcessingMode_SEND, ResponseHeaderMode: filterv3.ProcessingMode_SEND,
			RequestBodyMode: filterv3.ProcessingMode_BUFFERED, ResponseBodyMode: filterv3.ProcessingMode_BUFFERED,
			RequestTrailerMode: filterv3.ProcessingMode_SKIP, ResponseTrailerMode: filterv3.ProcessingMode_SKIP,
		}
	}
	if f.MessageTimeout == 0 {
		f.MessageTimeout = 200 * time.Millisecond
	}
	if f.ReceivingNamespaces == nil {
		f.ReceivingNamespaces = []string{"sluice"}
	}
	if f.BufferLimit == 0 {
		f.BufferLimit = 10 << 20
	}
}

// Request is the HTTP request a client sends through the filter.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Split cuts the body into chunks of these sizes (cycled) when it is
	// streamed to the processor; nil sends it in one chunk.
	Split []int
}

// Forwarded is what reaches the upstream.
type Forwarded struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// UpstreamResponse is the upstream's answer. Body is read as it arrives;
// every Read is one chunk, re-cut by Split when set.
type UpstreamResponse struct {
	Status int
	Header http.Header
	Body   io.Reader
	Split  []int
}

// Upstream answers a forwarded request.
type Upstream func(ctx context.Context, f *Forwarded) (*UpstreamResponse, error)

// Result is what the client receives, plus what happened on the way.
type Result struct {
	Status int
	Header http.Header
	Body   []byte
	// Chunks are the body chunks as delivered (empty ones dropped).
	Chunks [][]byte
	// Local is true for a reply made by the filter (an immediate response
	// or an ext_proc error), not by the upstream.
	Local bool
	// Details is the local reply's details string.
	Details string
	// Reset is true when an immediate response came after the response
	// headers were sent: Envoy can only reset the stream.
	Reset bool
	// Forwarded is what reached the upstream; nil when nothing did.
	Forwarded *Forwarded
	// Metadata is the dynamic metadata accepted, by namespace.
	Metadata map[string]map[string]any
	// Overrides counts mode overrides applied; OverridesIgnored counts
	// those Envoy would have ignored.
	Overrides, OverridesIgnored int
	// ProcessorFailure says why the filter stopped using the processor
	// ("message timeout", "grpc error: ...", "stream closed"), "" if it
	// did not.
	ProcessorFailure string
	// Trace lists the messages exchanged: "> request_headers", "< ...".
	Trace []string
}

// Harness drives an ext_proc server.
type Harness struct {
	client extprocv3.ExternalProcessorClient
	filter Filter
}

// New returns a harness playing filter over conn.
func New(conn grpc.ClientConnInterface, filter Filter) *Harness {
	filter.defaults()
	return &Harness{client: extprocv3.NewExternalProcessorClient(conn), filter: filter}
}

// ProtocolError is a reply Envoy would reject. Tests fail on it.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "ext_proc protocol error: " + e.Msg }

func perr(format string, args ...any) error { return &ProtocolError{Msg: fmt.Sprintf(format, args...)} }

// errStop ends processing early: a local reply has been produced.
var errStop = errors.New("stop")

// run is one exchange.
type run struct {
	h       *Harness
	ctx     context.Context
	stream  extprocv3.ExternalProcessor_ProcessClient
	replies chan reply
	mode    *filterv3.ProcessingMode
	res     *Result
	first   bool
	done    bool // the processor is out of the picture (complete, failed, closed)
	ended   bool // the gRPC stream has ended (the receiver saw an error)
	sentHdr bool // response headers went downstream
	up      Upstream
}

type reply struct {
	msg *extprocv3.ProcessingResponse
	err error
}

// Do runs one exchange: req goes through the filter to up, and the answer
// back through the filter to the client. The error is a protocol violation
// or a transport failure the test must see.
func (h *Harness) Do(ctx context.Context, req Request, up Upstream) (*Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := h.client.Process(ctx)
	if err != nil {
		return nil, err
	}
	r := &run{
		h: h, ctx: ctx, stream: stream, replies: make(chan reply, 64),
		mode:  proto.Clone(h.filter.Mode).(*filterv3.ProcessingMode),
		res:   &Result{Metadata: map[string]map[string]any{}, Header: http.Header{}},
		first: true, up: up,
	}
	go func() {
		for {
			m, err := stream.Recv()
			r.replies <- reply{m, err}
			if err != nil {
				return
			}
		}
	}()
	err = r.exchange(req)
	if errors.Is(err, errStop) {
		err = nil
	}
	if err == nil {
		err = r.finish()
	}
	return r.res, err
}

// finish half-closes the stream and checks the server sends nothing more.
func (r *run) finish() error {
	_ = r.stream.CloseSend()
	if r.ended {
		return nil
	}
	timer := time.NewTimer(2 * time.Second)
	defer timer.Stop()
	for {
		select {
		case rp := <-r.replies:
			if rp.err != nil {
				return nil // EOF or cancellation: the stream is over
			}
			if r.h.filter.ObservabilityMode {
				return perr("the server replied in observability mode: %s", kindOf(rp.msg))
			}
			if r.done {
				// Envoy has stopped listening: a late reply is ignored.
				continue
			}
			return perr("spurious message after the exchange ended: %s", kindOf(rp.msg))
		case <-timer.C:
			return perr("the server did not end the stream after the client half-closed it")
		}
	}
}

func (r *run) trace(dir, what string) { r.res.Trace = append(r.res.Trace, dir+" "+what) }

// send sends one message, adding the first-message fields.
func (r *run) send(m *extprocv3.ProcessingRequest) error {
	if r.first {
		r.first = false
		if !r.h.filter.OmitProtocolConfig {
			m.ProtocolConfig = &extprocv3.ProtocolConfiguration{
				RequestBodyMode: r.mode.GetRequestBodyMode(), ResponseBodyMode: r.mode.GetResponseBodyMode(),
			}
		}
	}
	m.ObservabilityMode = r.h.filter.ObservabilityMode
	r.trace(">", requestKind(m))
	return r.stream.Send(m)
}

// await waits for the reply to a message of kind want.
func (r *run) await(want string) (*extprocv3.ProcessingResponse, error) {
	timer := time.NewTimer(r.h.filter.MessageTimeout)
	defer timer.Stop()
	for {
		select {
		case rp := <-r.replies:
			if rp.err != nil {
				return nil, r.streamFailed(rp.err)
			}
			m := rp.msg
			r.trace("<", kindOf(m))
			if m.GetResponse() == nil && m.GetModeOverride() != nil && want == "request_headers" {
				// A standalone mode_override before the headers reply.
				r.applyOverride(m.GetModeOverride())
				continue
			}
			if err := r.acceptMetadata(m); err != nil {
				return nil, err
			}
			if k := kindOf(m); k != want && k != "immediate_response" {
				return nil, perr("reply %q to a %q message", k, want)
			}
			return m, nil
		case <-timer.C:
			r.res.ProcessorFailure = "message timeout"
			r.done = true
			if r.h.filter.FailureModeAllow {
				return nil, nil
			}
			r.localReply(504, nil, nil, "ext_proc_error_per_message_timeout")
			return nil, errStop
		}
	}
}

// streamFailed handles the gRPC stream ending while a reply was due.
func (r *run) streamFailed(err error) error {
	r.done, r.ended = true, true
	if errors.Is(err, io.EOF) {
		// The server closed the stream: Envoy carries on without it.
		r.res.ProcessorFailure = "stream closed"
		return nil
	}
	r.res.ProcessorFailure = "grpc error: " + err.Error()
	if r.h.filter.FailureModeAllow {
		return nil
	}
	r.localReply(500, nil, nil, "ext_proc_error_gRPC_error")
	return errStop
}

func (r *run) localReply(status int, headers http.Header, body []byte, details string) {
	if r.sentHdr {
		r.res.Reset = true
		r.res.Details = details
		return
	}
	r.res.Status = status
	r.res.Header = http.Header{}
	for k, v := range headers {
		r.res.Header[k] = v
	}
	r.res.Body = body
	r.res.Chunks = nil
	if len(body) > 0 {
		r.res.Chunks = [][]byte{body}
	}
	r.res.Local = true
	r.res.Details = details
}

// immediate applies an immediate response as Envoy does.
func (r *run) immediate(m *extprocv3.ProcessingResponse) error {
	ir := m.GetImmediateResponse()
	if ir.GetStatus() == nil || ir.GetStatus().GetCode() < 200 {
		return perr("immediate response without a valid status (Envoy would answer 200)")
	}
	hs := http.Header{}
	if err := applyHeaderMutation(hs, ir.GetHeaders(), true); err != nil {
		return err
	}
	if hs.Get("Content-Type") == "" && len(ir.GetBody()) > 0 {
		hs.Set("Content-Type", "text/plain")
	}
	r.done = true
	r.localReply(int(ir.GetStatus().GetCode()), hs, ir.GetBody(), ir.GetDetails())
	return errStop
}

// acceptMetadata merges dynamic metadata from accepted namespaces.
func (r *run) acceptMetadata(m *extprocv3.ProcessingResponse) error {
	for ns, v := range m.GetDynamicMetadata().GetFields() {
		if !slices.Contains(r.h.filter.ReceivingNamespaces, ns) {
			continue
		}
		st := v.GetStructValue()
		if st == nil {
			return perr("dynamic metadata namespace %q is not a struct", ns)
		}
		if r.res.Metadata[ns] == nil {
			r.res.Metadata[ns] = map[string]any{}
		}
		for k, fv := range st.AsMap() {
			r.res.Metadata[ns][k] = fv
		}
	}
	return nil
}

// applyOverride applies a mode_override as Envoy does: only when allowed,
// and only when it matches the allow-list (ignoring request_header_mode).
func (r *run) applyOverride(o *filterv3.ProcessingMode) {
	f := &r.h.filter
	if !f.AllowModeOverride {
		r.res.OverridesIgnored++
		return
	}
	if len(f.AllowedOverrideModes) > 0 {
		cand := proto.Clone(o).(*filterv3.ProcessingMode)
		cand.RequestHeaderMode = filterv3.ProcessingMode_DEFAULT
		if !slices.ContainsFunc(f.AllowedOverrideModes, func(a *filterv3.ProcessingMode) bool {
			a = proto.Clone(a).(*filterv3.ProcessingMode)
			a.RequestHeaderMode = filterv3.ProcessingMode_DEFAULT
			return proto.Equal(a, cand)
		}) {
			r.res.OverridesIgnored++
			return
		}
	}
	r.res.Overrides++
	merge := func(cur *filterv3.ProcessingMode_HeaderSendMode, v filterv3.ProcessingMode_HeaderSendMode) {
		if v != filterv3.ProcessingMode_DEFAULT {
			*cur = v
		}
	}
	merge(&r.mode.ResponseHeaderMode, o.GetResponseHeaderMode())
	merge(&r.mode.RequestTrailerMode, o.GetRequestTrailerMode())
	merge(&r.mode.ResponseTrailerMode, o.GetResponseTrailerMode())
	r.mode.RequestBodyMode = o.GetRequestBodyMode()
	r.mode.ResponseBodyMode = o.GetResponseBodyMode()
}

// exchange plays the request, the upstream and the response.
func (r *run) exchange(req Request) error {
	f := &r.h.filter
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	hdr := req.Header.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	if len(req.Body) > 0 && hdr.Get("Content-Length") == "" {
		hdr.Set("Content-Length", strconv.Itoa(len(req.Body)))
	}
	body := req.Body
	hasBody := len(body) > 0

	// Request headers.
	if r.mode.GetRequestHeaderMode() != filterv3.ProcessingMode_SKIP {
		pseudo := [][2]string{{":method", method}, {":path", req.Path}, {":authority", "llm.test"}, {":scheme", "http"}}
		msg := &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{
			Headers: headerMapProto(pseudo, hdr), EndOfStream: !hasBody,
		}}}
		if f.SourceAddress != "" {
			msg.Attributes = sourceAttr(f.SourceAddress)
		}
		if err := r.send(msg); err != nil {
			return err
		}
		if !f.ObservabilityMode {
			m, err := r.await("request_headers")
			if err != nil {
				return err
			}
			if m != nil {
				if m.GetImmediateResponse() != nil {
					return r.immediate(m)
				}
				if err := applyCommonHeaders(hdr, m.GetRequestHeaders().GetResponse()); err != nil {
					return err
				}
				if o := m.GetModeOverride(); o != nil {
					r.applyOverride(o)
				}
			}
		}
	}

	// Request body.
	if hasBody && !r.done {
		out, err := r.body(phaseReq, hdr, body, req.Split)
		if err != nil {
			return err
		}
		body = out
	}

	// Upstream.
	fw := &Forwarded{Method: method, Path: req.Path, Header: hdr, Body: body}
	r.res.Forwarded = fw
	if r.up == nil {
		return errors.New("harness: no upstream")
	}
	resp, err := r.up(r.ctx, fw)
	if err != nil {
		return fmt.Errorf("upstream: %w", err)
	}
	return r.response(resp)
}

type dir uint8

const (
	phaseReq dir = iota
	phaseResp
)

func (d dir) String() string {
	if d == phaseResp {
		return "response"
	}
	return "request"
}

func (r *run) bodyMode(d dir) filterv3.ProcessingMode_BodySendMode {
	if d == phaseResp {
		return r.mode.GetResponseBodyMode()
	}
	return r.mode.GetRequestBodyMode()
}

func bodyMsg(d dir, b []byte, eos bool) *extprocv3.ProcessingRequest {
	hb := &extprocv3.HttpBody{Body: b, EndOfStream: eos}
	if d == phaseResp {
		return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: hb}}
	}
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: hb}}
}

func bodyKind(d dir) string {
	if d == phaseResp {
		return "response_body"
	}
	return "request_body"
}

// body processes a whole, already available body (the request) under the
// current mode and returns what Envoy forwards.
func (r *run) body(d dir, hdr http.Header, body []byte, split []int) ([]byte, error) {
	f := &r.h.filter
	mode := r.bodyMode(d)
	switch mode {
	case filterv3.ProcessingMode_NONE:
		return body, nil
	case filterv3.ProcessingMode_BUFFERED:
		if len(body) > f.BufferLimit {
			r.done = true
			r.localReply(413, nil, []byte("Payload Too Large"), "request_payload_too_large")
			return nil, errStop
		}
		return r.bufferedBody(d, hdr, body, body, true)
	case filterv3.ProcessingMode_BUFFERED_PARTIAL:
		if len(body) > f.BufferLimit {
			out, err := r.bufferedBody(d, hdr, body[:f.BufferLimit], body, false)
			if err != nil {
				return nil, err
			}
			return append(out, body[f.BufferLimit:]...), nil
		}
		return r.bufferedBody(d, hdr, body, body, true)
	case filterv3.ProcessingMode_STREAMED:
		hdr.Del("Content-Length") // Envoy drops it when bodies may be mutated
		chunks := cut(body, split)
		for i, c := range chunks {
			if err := r.send(bodyMsg(d, c, i == len(chunks)-1)); err != nil {
				return nil, err
			}
		}
		if f.ObservabilityMode {
			return body, nil
		}
		var out []byte
		for i, c := range chunks {
			m, err := r.await(bodyKind(d))
			if err != nil {
				return nil, err
			}
			if m == nil { // fail open: the rest passes as it is
				for _, rest := range chunks[i:] {
					out = append(out, rest...)
				}
				return out, nil
			}
			if m.GetImmediateResponse() != nil {
				return nil, r.immediate(m)
			}
			nb, err := applyBodyReply(d, m, c, false)
			if err != nil {
				return nil, err
			}
			out = append(out, nb...)
		}
		return out, nil
	case filterv3.ProcessingMode_FULL_DUPLEX_STREAMED:
		hdr.Del("Content-Length")
		chunks := cut(body, split)
		for i, c := range chunks {
			if err := r.send(bodyMsg(d, c, i == len(chunks)-1)); err != nil {
				return nil, err
			}
		}
		if f.ObservabilityMode {
			return body, nil
		}
		return r.fullDuplexCollect(d)
	}
	return nil, perr("unsupported body mode %v", mode)
}

// bufferedBody sends one buffered (or partial) body and applies the reply.
func (r *run) bufferedBody(d dir, hdr http.Header, sent, whole []byte, eos bool) ([]byte, error) {
	if err := r.send(bodyMsg(d, sent, eos)); err != nil {
		return nil, err
	}
	if r.h.filter.ObservabilityMode {
		return sent, nil
	}
	m, err := r.await(bodyKind(d))
	if err != nil {
		return nil, err
	}
	if m == nil {
		return sent, nil
	}
	if m.GetImmediateResponse() != nil {
		return nil, r.immediate(m)
	}
	cr := bodyCommon(d, m)
	if err := applyCommonHeaders(hdr, cr); err != nil {
		return nil, err
	}
	out, err := applyBodyReply(d, m, sent, false)
	if err != nil {
		return nil, err
	}
	mutated := cr.GetBodyMutation() != nil
	if mutated && eos && r.bodyMode(d) == filterv3.ProcessingMode_BUFFERED {
		if cl := hdr.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(out)) {
			return nil, perr("body mutated to %d bytes but content-length says %s: Envoy rejects the mutation", len(out), cl)
		}
	}
	return out, nil
}

// fullDuplexCollect reads streamed body replies until end_of_stream.
func (r *run) fullDuplexCollect(d dir) ([]byte, error) {
	var out []byte
	for {
		m, err := r.await(bodyKind(d))
		if err != nil || m == nil {
			return out, err
		}
		if m.GetImmediateResponse() != nil {
			return nil, r.immediate(m)
		}
		sr := bodyCommon(d, m).GetBodyMutation().GetStreamedResponse()
		if sr == nil {
			return nil, perr("FULL_DUPLEX_STREAMED body reply without streamed_response")
		}
		out = append(out, sr.GetBody()...)
		if sr.GetEndOfStream() {
			return out, nil
		}
	}
}

func bodyCommon(d dir, m *extprocv3.ProcessingResponse) *extprocv3.CommonResponse {
	if d == phaseResp {
		return m.GetResponseBody().GetResponse()
	}
	return m.GetRequestBody().GetResponse()
}

// applyBodyReply returns the chunk after a body reply's mutation.
func applyBodyReply(d dir, m *extprocv3.ProcessingResponse, chunk []byte, fullDuplex bool) ([]byte, error) {
	cr := bodyCommon(d, m)
	if cr.GetStatus() == extprocv3.CommonResponse_CONTINUE_AND_REPLACE {
		return nil, perr("CONTINUE_AND_REPLACE in a body reply")
	}
	bm := cr.GetBodyMutation()
	switch mu := bm.GetMutation().(type) {
	case nil:
		return chunk, nil
	case *extprocv3.BodyMutation_Body:
		return mu.Body, nil
	case *extprocv3.BodyMutation_ClearBody:
		if mu.ClearBody {
			return nil, nil
		}
		return chunk, nil
	case *extprocv3.BodyMutation_StreamedResponse:
		if !fullDuplex {
			return nil, perr("streamed_response outside FULL_DUPLEX_STREAMED mode")
		}
		return mu.StreamedResponse.GetBody(), nil
	}
	return chunk, nil
}

// response plays the response half.
func (r *run) response(resp *UpstreamResponse) error {
	f := &r.h.filter
	hdr := resp.Header.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	r.res.Status = resp.Status
	chunks := newChunker(resp.Body, resp.Split)
	firstChunk, firstErr := chunks.next()
	hasBody := len(firstChunk) > 0 || firstErr == nil

	if !r.done && r.mode.GetResponseHeaderMode() != filterv3.ProcessingMode_SKIP {
		pseudo := [][2]string{{":status", strconv.Itoa(resp.Status)}}
		if err := r.send(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{
			Headers: headerMapProto(pseudo, hdr), EndOfStream: !hasBody,
		}}}); err != nil {
			return err
		}
		if !f.ObservabilityMode {
			m, err := r.await("response_headers")
			if err != nil {
				return err
			}
			if m != nil {
				if m.GetImmediateResponse() != nil {
					return r.immediate(m)
				}
				if err := applyCommonHeaders(hdr, m.GetResponseHeaders().GetResponse()); err != nil {
					return err
				}
				if o := m.GetModeOverride(); o != nil {
					r.applyOverride(o)
				}
			}
		}
	}
	mode := r.bodyMode(phaseResp)
	if r.done || !hasBody {
		mode = filterv3.ProcessingMode_NONE
	}
	if mode == filterv3.ProcessingMode_STREAMED || mode == filterv3.ProcessingMode_FULL_DUPLEX_STREAMED {
		hdr.Del("Content-Length")
	}
	r.res.Header = hdr

	deliver := func(b []byte) {
		if len(b) > 0 {
			r.res.Body = append(r.res.Body, b...)
			r.res.Chunks = append(r.res.Chunks, b)
		}
	}
	switch mode {
	case filterv3.ProcessingMode_BUFFERED, filterv3.ProcessingMode_BUFFERED_PARTIAL:
		all := firstChunk
		for {
			c, err := chunks.next()
			all = append(all, c...)
			if err != nil {
				break
			}
		}
		if mode == filterv3.ProcessingMode_BUFFERED && len(all) > f.BufferLimit {
			r.done = true
			r.localReply(500, nil, nil, "response_payload_too_large")
			return errStop
		}
		out, err := r.body(phaseResp, hdr, all, nil)
		if err != nil {
			return err
		}
		r.res.Header = hdr
		r.sentHdr = true
		deliver(out)
		return nil
	case filterv3.ProcessingMode_STREAMED, filterv3.ProcessingMode_FULL_DUPLEX_STREAMED:
		r.sentHdr = true
		c, cerr := firstChunk, firstErr
		for {
			eos := cerr != nil
			if r.done {
				deliver(c)
			} else {
				if err := r.send(bodyMsg(phaseResp, c, eos)); err != nil {
					return err
				}
				if !f.ObservabilityMode {
					if mode == filterv3.ProcessingMode_STREAMED {
						m, err := r.await("response_body")
						if err != nil {
							return err
						}
						if m == nil {
							deliver(c)
						} else if m.GetImmediateResponse() != nil {
							return r.immediate(m)
						} else {
							out, err := applyBodyReply(phaseResp, m, c, false)
							if err != nil {
								return err
							}
							deliver(out)
						}
					} else if eos {
						out, err := r.fullDuplexCollect(phaseResp)
						if err != nil {
							return err
						}
						deliver(out)
					}
				} else {
					deliver(c)
				}
			}
			if eos {
				return nil
			}
			c, cerr = chunks.next()
		}
	default:
		r.sentHdr = true
		deliver(firstChunk)
		for firstErr == nil {
			var c []byte
			c, firstErr = chunks.next()
			deliver(c)
		}
	}
	return nil
}

// chunker reads an upstream body as it arrives, re-cut by split.
type chunker struct {
	r       io.Reader
	split   []int
	k       int
	pending []byte
	err     error
	buf     []byte
}

func newChunker(r io.Reader, split []int) *chunker {
	if r == nil {
		r = bytes.NewReader(nil)
	}
	return &chunker{r: r, split: split, buf: make([]byte, 32<<10)}
}

// next returns the next chunk; err is non-nil (io.EOF) with the last one.
func (c *chunker) next() ([]byte, error) {
	for len(c.pending) == 0 && c.err == nil {
		n, err := c.r.Read(c.buf)
		c.pending = append(c.pending, c.buf[:n]...)
		c.err = err
	}
	if len(c.split) == 0 {
		out := c.pending
		c.pending = nil
		if c.err != nil {
			return out, c.err
		}
		// Look ahead: is this the last chunk?
		return out, c.peekEOF()
	}
	n := min(c.split[c.k%len(c.split)], len(c.pending))
	c.k++
	out := bytes.Clone(c.pending[:n])
	c.pending = c.pending[n:]
	if len(c.pending) == 0 && c.err != nil {
		return out, c.err
	}
	if len(c.pending) == 0 {
		return out, c.peekEOF()
	}
	return out, nil
}

// peekEOF reads ahead once when nothing is pending, so that the last chunk
// carries end_of_stream as Envoy's does when the upstream ends right after
// its data.
func (c *chunker) peekEOF() error {
	if len(c.pending) > 0 || c.err != nil {
		return c.err
	}
	n, err := c.r.Read(c.buf)
	c.pending = append(c.pending, c.buf[:n]...)
	c.err = err
	if n == 0 && err != nil {
		return err
	}
	return nil
}

// cut splits b into chunks of the given sizes (cycled).
func cut(b []byte, sizes []int) [][]byte {
	if len(sizes) == 0 || len(b) == 0 {
		return [][]byte{b}
	}
	var out [][]byte
	for k := 0; len(b) > 0; k++ {
		n := min(max(sizes[k%len(sizes)], 1), len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func headerMapProto(pseudo [][2]string, h http.Header) *corev3.HeaderMap {
	hm := &corev3.HeaderMap{}
	for _, p := range pseudo {
		hm.Headers = append(hm.Headers, &corev3.HeaderValue{Key: p[0], RawValue: []byte(p[1])})
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			// Envoy sends header values in raw_value, names in lower case.
			hm.Headers = append(hm.Headers, &corev3.HeaderValue{Key: strings.ToLower(k), RawValue: []byte(v)})
		}
	}
	return hm
}

// applyCommonHeaders applies a CommonResponse's header mutation.
func applyCommonHeaders(h http.Header, cr *extprocv3.CommonResponse) error {
	if cr == nil {
		return nil
	}
	if cr.GetStatus() == extprocv3.CommonResponse_CONTINUE_AND_REPLACE {
		return perr("CONTINUE_AND_REPLACE is not expected from sluice")
	}
	return applyHeaderMutation(h, cr.GetHeaderMutation(), false)
}

// applyHeaderMutation applies a mutation with Envoy's rules: values in
// raw_value only, valid names, no pseudo-headers or host (Envoy's default
// mutation rules refuse them), unless immediate.
func applyHeaderMutation(h http.Header, hm *extprocv3.HeaderMutation, immediate bool) error {
	for _, k := range hm.GetRemoveHeaders() {
		if !validName(k) {
			return perr("remove_headers: invalid header name %q", k)
		}
		if !immediate && (strings.HasPrefix(k, ":") || strings.EqualFold(k, "host")) {
			return perr("remove_headers: %q may not be removed", k)
		}
		h.Del(k)
	}
	for _, o := range hm.GetSetHeaders() {
		hv := o.GetHeader()
		if hv == nil {
			continue
		}
		k := hv.GetKey()
		if hv.GetValue() != "" && len(hv.GetRawValue()) > 0 {
			return perr("header %q sets both value and raw_value", k)
		}
		if hv.GetValue() != "" {
			return perr("header %q set in value instead of raw_value: Envoy would set it empty", k)
		}
		if !validName(k) {
			return perr("invalid header name %q", k)
		}
		v := string(hv.GetRawValue())
		if strings.ContainsAny(v, "\r\n\x00") {
			return perr("header %q: invalid characters in the value", k)
		}
		if !immediate && (strings.HasPrefix(k, ":") || strings.EqualFold(k, "host")) {
			return perr("header %q may not be set by ext_proc", k)
		}
		appendIt := o.GetAppendAction() == corev3.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD
		//lint:ignore SA1019 Envoy still honours the deprecated field
		if o.GetAppend() != nil {
			//lint:ignore SA1019 as above
			appendIt = o.GetAppend().GetValue()
		}
		switch {
		case o.GetAppendAction() == corev3.HeaderValueOption_ADD_IF_ABSENT:
			if h.Get(k) == "" {
				h.Set(k, v)
			}
		case o.GetAppendAction() == corev3.HeaderValueOption_OVERWRITE_IF_EXISTS:
			if h.Get(k) != "" {
				h.Set(k, v)
			}
		case appendIt:
			h.Add(k, v)
		default:
			h.Set(k, v)
		}
	}
	return nil
}

func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/;<=>?@[\]{}`, c) >= 0 && !(i == 0 && c == ':') {
			return false
		}
	}
	return true
}

func requestKind(m *extprocv3.ProcessingRequest) string {
	switch m.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return "request_headers"
	case *extprocv3.ProcessingRequest_RequestBody:
		return "request_body"
	case *extprocv3.ProcessingRequest_RequestTrailers:
		return "request_trailers"
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return "response_headers"
	case *extprocv3.ProcessingRequest_ResponseBody:
		return "response_body"
	case *extprocv3.ProcessingRequest_ResponseTrailers:
		return "response_trailers"
	}
	return "none"
}

func kindOf(m *extprocv3.ProcessingResponse) string {
	switch m.GetResponse().(type) {
	case *extprocv3.ProcessingResponse_RequestHeaders:
		return "request_headers"
	case *extprocv3.ProcessingResponse_RequestBody:
		return "request_body"
	case *extprocv3.ProcessingResponse_RequestTrailers:
		return "request_trailers"
	case *extprocv3.ProcessingResponse_ResponseHeaders:
		return "response_headers"
	case *extprocv3.ProcessingResponse_ResponseBody:
		return "response_body"
	case *extprocv3.ProcessingResponse_ResponseTrailers:
		return "response_trailers"
	case *extprocv3.ProcessingResponse_ImmediateResponse:
		return "immediate_response"
	case *extprocv3.ProcessingResponse_StreamedImmediateResponse:
		return "streamed_immediate_response"
	}
	return "none"
}
