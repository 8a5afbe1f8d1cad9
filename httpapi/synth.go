package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/sluicehq/sluice/evaluator/llmapi"
)

// Aperture can send less than the provider body: only the last user
// message (send: user_message), or after the response only the tool calls
// (send: tools). sluice evaluates those by writing them into a minimal body
// of the call's own API, so they are read with the right role and trust
// (user text, model-requested tool calls) and the tool-call detectors see
// calls rather than loose strings.

type object = map[string]any

// userMessageRequest writes msg as the one user turn of a request of api.
func userMessageRequest(api, msg string) []byte {
	var body object
	switch api {
	case llmapi.APIOpenAIResponses:
		body = object{"input": []any{object{"role": "user", "content": msg}}}
	case llmapi.APIGeminiGenerate:
		body = object{"contents": []any{object{"role": "user", "parts": []any{object{"text": msg}}}}}
	case llmapi.APIBedrockConverse:
		body = object{"messages": []any{object{"role": "user", "content": []any{object{"text": msg}}}}}
	default: // Chat Completions and Anthropic Messages share this shape.
		body = object{"messages": []any{object{"role": "user", "content": msg}}}
	}
	return mustJSON(body)
}

// toolCallsResponse writes calls as the tool calls of one assistant
// response of api. Calls get ids "aperture_call_<n>" (Aperture sends none).
// An unknown API is written as Anthropic Messages, whose tool_use blocks
// have the same {name, input object} shape as Aperture's ToolUse.
func toolCallsResponse(api string, calls []hookToolUse) (body []byte, asAPI string) {
	switch api {
	case llmapi.APIOpenAIChat:
		tcs := make([]any, len(calls))
		for i, c := range calls {
			tcs[i] = object{"id": callID(i), "type": "function",
				"function": object{"name": c.Name, "arguments": string(paramsText(c.Params))}}
		}
		return mustJSON(object{"object": "chat.completion", "choices": []any{object{"index": 0,
			"message": object{"role": "assistant", "content": nil, "tool_calls": tcs}, "finish_reason": "tool_calls"}}}), api
	case llmapi.APIOpenAIResponses:
		out := make([]any, len(calls))
		for i, c := range calls {
			out[i] = object{"type": "function_call", "id": "fc_" + callID(i), "call_id": callID(i),
				"name": c.Name, "arguments": string(paramsText(c.Params)), "status": "completed"}
		}
		return mustJSON(object{"object": "response", "status": "completed", "output": out}), api
	case llmapi.APIGeminiGenerate:
		parts := make([]any, len(calls))
		for i, c := range calls {
			parts[i] = object{"functionCall": object{"name": c.Name, "args": paramsObject(c.Params)}}
		}
		return mustJSON(object{"candidates": []any{object{"index": 0,
			"content": object{"role": "model", "parts": parts}}}}), api
	case llmapi.APIBedrockConverse:
		content := make([]any, len(calls))
		for i, c := range calls {
			content[i] = object{"toolUse": object{"toolUseId": callID(i), "name": c.Name, "input": paramsObject(c.Params)}}
		}
		return mustJSON(object{"output": object{"message": object{"role": "assistant", "content": content}},
			"stopReason": "tool_use"}), api
	}
	content := make([]any, len(calls))
	for i, c := range calls {
		content[i] = object{"type": "tool_use", "id": callID(i), "name": c.Name, "input": paramsObject(c.Params)}
	}
	if api != llmapi.APIBedrockInvoke {
		api = llmapi.APIAnthropicMessages
	}
	return mustJSON(object{"type": "message", "role": "assistant", "content": content, "stop_reason": "tool_use"}), api
}

func callID(i int) string { return "aperture_call_" + strconv.Itoa(i) }

// paramsText is the arguments as JSON text (OpenAI sends them as a string).
func paramsText(p json.RawMessage) []byte {
	if !present(p) {
		return []byte("{}")
	}
	var b bytes.Buffer
	if json.Compact(&b, p) != nil {
		return []byte("{}")
	}
	return b.Bytes()
}

// paramsObject is the arguments as an object, as the APIs that take
// objects require: anything else is wrapped as {"params": value}.
func paramsObject(p json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(p)
	switch {
	case !present(t):
		return json.RawMessage("{}")
	case t[0] == '{':
		return t
	}
	return mustJSON(object{"params": json.RawMessage(t)})
}

// eventLines writes raw_responses (the JSON payload of each streamed
// event) as one event per line, which llmapi assembles like the stream
// itself (content type application/x-ndjson). Events sent as strings
// holding JSON are unwrapped.
func eventLines(events []json.RawMessage) []byte {
	var b bytes.Buffer
	for _, ev := range events {
		body, kind := unwrapBody(ev)
		if kind == bodyAbsent {
			continue
		}
		if json.Compact(&b, body) != nil {
			continue
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps of strings and already-valid raw JSON are marshalled.
		panic("httpapi: synthesizing a body: " + err.Error())
	}
	return b
}
