package extproc

import (
	"strconv"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/structpb"
)

// Builders for ProcessingResponse messages. Header values always go in
// raw_value: Envoy reads raw_value and, when it is empty, sets an empty
// header even if value holds text.

func headerOption(k, v string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{
		Header:       &corev3.HeaderValue{Key: k, RawValue: []byte(safeHeaderValue(v))},
		AppendAction: corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	}
}

// mutation collects header changes for one reply.
type mutation struct {
	set    []header
	remove []string
}

func (m *mutation) proto() *extprocv3.HeaderMutation {
	if m == nil || (len(m.set) == 0 && len(m.remove) == 0) {
		return nil
	}
	hm := &extprocv3.HeaderMutation{RemoveHeaders: m.remove}
	for _, h := range m.set {
		hm.SetHeaders = append(hm.SetHeaders, headerOption(h.Key, h.Value))
	}
	return hm
}

// common builds a CommonResponse; body nil means no body mutation, an empty
// non-nil body clears the chunk.
func common(m *mutation, body []byte) *extprocv3.CommonResponse {
	cr := &extprocv3.CommonResponse{HeaderMutation: m.proto()}
	switch {
	case body == nil:
	case len(body) == 0:
		cr.BodyMutation = &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_ClearBody{ClearBody: true}}
	default:
		cr.BodyMutation = &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: body}}
	}
	return cr
}

func requestHeadersReply(m *mutation) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{
		RequestHeaders: &extprocv3.HeadersResponse{Response: common(m, nil)}}}
}

func responseHeadersReply(m *mutation) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{
		ResponseHeaders: &extprocv3.HeadersResponse{Response: common(m, nil)}}}
}

func bodyReply(phase phase, m *mutation, body []byte) *extprocv3.ProcessingResponse {
	br := &extprocv3.BodyResponse{Response: common(m, body)}
	if phase == phaseRequest {
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestBody{RequestBody: br}}
	}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: br}}
}

// streamedReply carries body bytes back in FULL_DUPLEX_STREAMED mode.
func streamedReply(phase phase, body []byte, eos bool) *extprocv3.ProcessingResponse {
	br := &extprocv3.BodyResponse{Response: &extprocv3.CommonResponse{BodyMutation: &extprocv3.BodyMutation{
		Mutation: &extprocv3.BodyMutation_StreamedResponse{StreamedResponse: &extprocv3.StreamedBodyResponse{Body: body, EndOfStream: eos}},
	}}}
	if phase == phaseRequest {
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestBody{RequestBody: br}}
	}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: br}}
}

// fullDuplexChunk is the largest body chunk sent back in one message in
// FULL_DUPLEX_STREAMED mode (Envoy recommends at most 64 KiB).
const fullDuplexChunk = 64 << 10

// streamedReplies splits body into FULL_DUPLEX_STREAMED replies.
func streamedReplies(phase phase, body []byte, eos bool) []*extprocv3.ProcessingResponse {
	var out []*extprocv3.ProcessingResponse
	for len(body) > fullDuplexChunk {
		out = append(out, streamedReply(phase, body[:fullDuplexChunk], false))
		body = body[fullDuplexChunk:]
	}
	if len(body) > 0 || eos {
		out = append(out, streamedReply(phase, body, eos))
	}
	return out
}

func trailersReply(p phase) *extprocv3.ProcessingResponse {
	if p == phaseRequest {
		return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestTrailers{RequestTrailers: &extprocv3.TrailersResponse{}}}
	}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseTrailers{ResponseTrailers: &extprocv3.TrailersResponse{}}}
}

// immediateReply refuses the exchange with a body in api's error shape.
func immediateReply(api string, r refusal, reason string) *extprocv3.ProcessingResponse {
	body, hs := errorBody(api, r)
	m := &mutation{set: append(hs, refusalHeaders(r)...)}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{
		ImmediateResponse: &extprocv3.ImmediateResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode(r.Status)},
			Headers: m.proto(),
			Body:    body,
			Details: "sluice_" + reason,
		}}}
}

// streamOverride switches the response body to STREAMED for this exchange,
// keeping the request body mode Envoy reported (allowed_override_modes
// compares the whole mode).
func streamOverride(reqMode filterv3.ProcessingMode_BodySendMode) *filterv3.ProcessingMode {
	return &filterv3.ProcessingMode{RequestBodyMode: reqMode, ResponseBodyMode: filterv3.ProcessingMode_STREAMED}
}

func contentLength(n int) header { return header{"content-length", strconv.Itoa(n)} }

// withMetadata attaches dynamic metadata under the sluice namespace.
func withMetadata(r *extprocv3.ProcessingResponse, md *structpb.Struct) *extprocv3.ProcessingResponse {
	if md != nil && len(md.GetFields()) > 0 {
		r.DynamicMetadata = &structpb.Struct{Fields: map[string]*structpb.Value{
			metadataNamespace: structpb.NewStructValue(md),
		}}
	}
	return r
}
