package extproc

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/extproc/internal/frame"
)

// refusal is what the client is told when sluice refuses traffic, in
// whatever shape its API uses for errors. Everything in it is safe to show:
// the message names a rule and a decision id, never a matched value.
type refusal struct {
	Status     int
	Rule       string // the deciding rule, "" for door decisions
	Reason     string // the decision's reason code
	Message    string
	DecisionID string
}

// code is what error bodies carry as the error code: the rule, or the
// reason code when no rule decided.
func (r refusal) code() string {
	if r.Rule != "" {
		return r.Rule
	}
	return r.Reason
}

// header is one header to set on a reply.
type header struct{ Key, Value string }

// The error type sluice reports in OpenAI's shape.
const openAIErrorType = "guardrail_blocked"

type openAIError struct {
	Error openAIErrorBody `json:"error"`
}

type openAIErrorBody struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    string `json:"code"`
}

type anthropicError struct {
	Type  string             `json:"type"`
	Error anthropicErrorBody `json:"error"`
}

type anthropicErrorBody struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type googleError struct {
	Error googleErrorBody `json:"error"`
}

type googleErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

type bedrockError struct {
	Message string `json:"message"`
}

// responsesErrorEvent is the Responses API's streaming error event.
type responsesErrorEvent struct {
	Type    string  `json:"type"`
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
}

// family groups APIs by who defines their error shape.
type family uint8

const (
	familyOpenAI family = iota // OpenAI and anything unrecognised
	familyAnthropic
	familyGoogle
	familyBedrock
)

func familyOf(api string) family {
	switch api {
	case llmapi.APIAnthropicMessages:
		return familyAnthropic
	case llmapi.APIGeminiGenerate:
		return familyGoogle
	case llmapi.APIBedrockConverse, llmapi.APIBedrockInvoke:
		// Clients of Bedrock are AWS SDKs, whatever model family the body
		// carries: they parse AWS's error shape.
		return familyBedrock
	}
	return familyOpenAI
}

// anthropicType maps a status to Anthropic's error type vocabulary.
func anthropicType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusServiceUnavailable, 529:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

// googleStatus maps a status to Google's canonical error code name.
func googleStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	}
	if status >= 500 {
		return "INTERNAL"
	}
	return "FAILED_PRECONDITION"
}

// bedrockType maps a status to the AWS error type a Bedrock client expects
// in x-amzn-errortype.
func bedrockType(status int) string {
	switch status {
	case http.StatusForbidden, http.StatusUnauthorized:
		return "AccessDeniedException"
	case http.StatusTooManyRequests:
		return "ThrottlingException"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailableException"
	}
	if status >= 500 {
		return "InternalServerException"
	}
	return "ValidationException"
}

// marshal encodes v compactly without HTML escaping, so messages read the
// same in every shape and golden files stay legible.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only plain structs of strings and ints are encoded here.
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// errorBody returns the JSON body of a refusal in api's error shape and the
// headers that go with it.
func errorBody(api string, r refusal) ([]byte, []header) {
	hs := []header{{"content-type", "application/json"}}
	switch familyOf(api) {
	case familyAnthropic:
		return marshal(anthropicError{Type: "error", Error: anthropicErrorBody{Type: anthropicType(r.Status), Message: r.Message}}), hs
	case familyGoogle:
		return marshal(googleError{Error: googleErrorBody{Code: r.Status, Message: r.Message, Status: googleStatus(r.Status)}}), hs
	case familyBedrock:
		return marshal(bedrockError{Message: r.Message}), append(hs, header{"x-amzn-errortype", bedrockType(r.Status)})
	}
	return marshal(openAIError{Error: openAIErrorBody{Message: r.Message, Type: openAIErrorType, Code: r.code()}}), hs
}

// streamError returns the bytes that end a streamed response of api with a
// refusal, in the framing (kind) the stream uses, to follow the whole
// events released up to cp.
func streamError(api string, kind frame.Kind, cp frame.Checkpoint, r refusal) []byte {
	fam := familyOf(api)
	switch kind {
	case frame.EventStream:
		exc := "validationException"
		switch bedrockType(r.Status) {
		case "ThrottlingException":
			exc = "throttlingException"
		case "ServiceUnavailableException":
			exc = "serviceUnavailableException"
		case "InternalServerException":
			exc = "internalServerException"
		}
		return frame.EventStreamFrame([]frame.Header{
			{Name: ":message-type", Value: "exception"},
			{Name: ":exception-type", Value: exc},
			{Name: ":content-type", Value: "application/json"},
		}, marshal(bedrockError{Message: r.Message}))
	case frame.JSONSeq:
		body, _ := errorBody(api, r)
		return frame.EndJSONSeqAt(cp, body, fam == familyGoogle)
	}
	switch {
	case api == llmapi.APIOpenAIResponses:
		return frame.SSEEvent("error", marshal(responsesErrorEvent{Type: "error", Code: r.code(), Message: r.Message}))
	case fam == familyAnthropic:
		return frame.SSEEvent("error", marshal(anthropicError{Type: "error", Error: anthropicErrorBody{Type: anthropicType(r.Status), Message: r.Message}}))
	case fam == familyGoogle:
		body, _ := errorBody(api, r)
		return frame.SSEEvent("", body)
	case fam == familyBedrock:
		// A Bedrock API answered over SSE is not Bedrock's own framing (a
		// gateway in between); its clients read AWS's error shape.
		return frame.SSEEvent("error", marshal(bedrockError{Message: r.Message}))
	}
	body, _ := errorBody(api, r)
	ev := frame.SSEEvent("", body)
	if api == llmapi.APIOpenAIChat {
		// Chat Completions streams end with [DONE]; clients that ignore the
		// error still stop reading.
		ev = append(ev, frame.SSEEvent("", []byte("[DONE]"))...)
	}
	return ev
}

// refusalHeaders are the x-sluice-* headers of a refusal.
func refusalHeaders(r refusal) []header {
	hs := []header{{"x-sluice-decision", "block"}}
	if r.Rule != "" {
		hs = append(hs, header{"x-sluice-rule", r.Rule})
	}
	if r.Reason != "" {
		hs = append(hs, header{"x-sluice-reason", r.Reason})
	}
	if r.DecisionID != "" {
		hs = append(hs, header{"x-sluice-decision-id", r.DecisionID})
	}
	return hs
}

// safeHeaderValue drops characters a header value cannot carry (rule ids
// are validated by the policy loader, but a door must not trust that).
func safeHeaderValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return -1
		}
		return r
	}, s)
}
