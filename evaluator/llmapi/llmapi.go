// Package llmapi turns the body of any LLM API request or response into one
// interaction.Interaction: every piece of text with where it sits (a JSON
// path and the byte range of its string literal), who wrote it (role), how
// far it is trusted, and what it is (prose, reasoning, tool description,
// tool arguments, tool result, document, media reference), plus the tools
// offered, the tool calls made and linked to their results, the model, the
// stream flag and usage.
//
// Detectors never see provider formats: they read segments. So the rule of
// this package is that nothing goes unscanned. Parts of a body that a parser
// recognises are labelled precisely; parts it does not (unknown block types,
// future fields, metadata) are still walked and every string in them becomes
// a segment. Only opaque payloads are skipped on purpose (base64 media,
// encrypted reasoning, signatures), and values under keys such as type,
// role or status that look like enumeration values (short, lower-case).
// Identifiers the recognisers consume (model, call ids, tool names) become
// fields of the Interaction rather than segments. Duplicate and
// case-variant keys, which a lenient reader might resolve differently, are
// reported as anomalies and the values they shadow are scanned too.
//
// Recognised APIs: OpenAI Chat Completions and Responses, Anthropic
// Messages (also on Bedrock InvokeModel and Vertex rawPredict), Gemini
// generateContent, Bedrock Converse. Anything else is walked generically.
// Streams (SSE, Bedrock's binary event stream, JSON lines and Gemini's JSON
// array) are assembled incrementally by StreamAssembler.
//
// Allocations. A body (ParseRequest, or ParseResponse of one JSON body) is
// parsed in place into pooled scratch: the tree, the walk's stacks and the
// growing segment and call lists are reused from body to body. What the
// Interaction keeps is then settled (settle.go): every string it holds
// (texts, ids, names, arguments, Args keys and values) and every location
// is copied into one arena, which holds only the body bytes some string
// keeps, each once, and the decoded strings; the segment, call and tool
// slices are allocated at their exact length. So a request costs the
// Interaction, the arena (which also holds the calls' segment-index
// slices), the three slices and the calls' Args maps with their boxed
// values: for a 16 KB agent request, 30 to 270 allocations (most of them
// Args) and two to four times the body's size. The caller may reuse the
// body once
// ParseRequest returns. A stream costs nothing per event in steady state:
// payloads are parsed in place into a reused tree and deltas appended to
// per-block builders; allocations happen when a block, call or item
// appears.
package llmapi

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// ErrNotJSON is returned (wrapped, with the position and reason) for bodies
// that are not JSON at all. A body that is JSON but not the shape its path
// promises is parsed generically instead.
var ErrNotJSON = errors.New("body is not JSON")

// ParseRequest parses a request body sent to path. The API comes from the
// path (see Recognize) or, when the path says nothing, from the body's
// shape. The returned Interaction keeps body as Raw; segments index into it.
//
// body must not change during the call; afterwards the caller may reuse
// it: the Interaction's strings are copies (Raw is body itself).
func ParseRequest(path string, body []byte) (*interaction.Interaction, error) {
	api, model, stream := Recognize(path)
	ps := getState()
	defer ps.release()
	if err := ps.parse(body); err != nil {
		return nil, fmt.Errorf("llmapi: request: %w: %w", ErrNotJSON, err)
	}
	if api == APIUnknown {
		api = sniffRequest(&ps.tree)
	}
	ix := &interaction.Interaction{
		API: api, Provider: provider(api, path), Phase: interaction.PhaseRequest,
		Path: stripQuery(path), Model: model, Stream: stream, Raw: body,
	}
	b := ps.builder(ix)
	b.request(api)
	b.finish()
	return ix, nil
}

func (b *builder) request(api string) {
	if b.t.Kind(0) != jsontree.Object {
		b.generic(0, topCtx)
		return
	}
	b.known = true
	switch api {
	case APIOpenAIChat:
		b.chatRequest(0)
	case APIOpenAIResponses:
		b.responsesRequest(0)
	case APIAnthropicMessages:
		b.anthropicRequest(0)
	case APIGeminiGenerate:
		b.geminiRequest(0)
	case APIBedrockConverse:
		b.converseRequest(0)
	case APIBedrockInvoke:
		// InvokeModel carries the model family's native body; sluice
		// understands Anthropic's and walks any other generically.
		if sniffRequest(b.t) == APIAnthropicMessages || b.t.Kind(b.t.Get(0, "messages")) == jsontree.Array {
			b.anthropicRequest(0)
		} else {
			b.known = false
			b.generic(0, topCtx)
		}
	default:
		b.known = false
		b.generic(0, topCtx)
	}
}

// ParseResponse parses a response body of api (as Recognize named it for
// the request; "" or "unknown" means: tell from the body). contentType
// chooses the framing: text/event-stream (SSE),
// application/vnd.amazon.eventstream (Bedrock's binary frames),
// application/x-ndjson or application/jsonl (one event per line); anything
// else is sniffed: SSE framing, binary frames, a JSON array of events
// (Gemini's streamGenerateContent without alt=sse), concatenated JSON
// values, or one JSON body.
func ParseResponse(api string, body []byte, contentType string) (*interaction.Interaction, error) {
	if api == "" {
		api = APIUnknown
	}
	fr := framingFor(contentType, body)
	if fr == framingNone {
		ps := getState()
		defer ps.release()
		t := &ps.tree
		if err := ps.parse(body); err != nil {
			// A stream labelled as JSON, or JSON lines.
			switch sniffFraming(body, true) {
			case framingSSE:
				return parseStream(api, body, framingSSE)
			case framingEventStream:
				return parseStream(api, body, framingEventStream)
			}
			if looksLikeJSONSeq(body) {
				return parseStream(api, body, framingJSONSeq)
			}
			return nil, fmt.Errorf("llmapi: response: %w: %w", ErrNotJSON, err)
		}
		if t.Kind(0) == jsontree.Array && (api == APIGeminiGenerate || api == APIUnknown) {
			return parseStream(api, body, framingJSONSeq)
		}
		if api == APIUnknown {
			api = sniffResponse(t)
		}
		ix := &interaction.Interaction{API: api, Provider: provider(api, ""), Phase: interaction.PhaseResponse, Raw: body}
		b := ps.builder(ix)
		b.response(api)
		b.finish()
		return ix, nil
	}
	return parseStream(api, body, fr)
}

func parseStream(api string, body []byte, fr framing) (*interaction.Interaction, error) {
	a := newAssembler(api, fr, len(body)+1)
	if err := a.Feed(body); err != nil {
		return nil, err
	}
	if err := a.Close(); err != nil {
		return nil, err
	}
	return a.Interaction(), nil
}

// response parses a complete (non-streamed) response body.
func (b *builder) response(api string) {
	if b.t.Kind(0) != jsontree.Object {
		b.generic(0, respTopCtx)
		return
	}
	b.known = true
	switch api {
	case APIOpenAIChat:
		b.chatResponse(0)
	case APIOpenAIResponses:
		b.responsesResponse(0)
	case APIAnthropicMessages, APIBedrockInvoke:
		b.anthropicResponse(0)
	case APIGeminiGenerate:
		b.geminiResponse(0)
	case APIBedrockConverse:
		b.converseResponse(0)
	default:
		b.known = false
		b.generic(0, respTopCtx)
	}
}
