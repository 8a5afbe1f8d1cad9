package fakellm

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"net/http"

	"github.com/sluicehq/sluice/evaluator/llmapi"
)

type obj = map[string]any

func rawArgs(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return json.RawMessage(`{}`)
}

// completeJSON is a non-streamed response body of api.
func completeJSON(api, model string, sc Script) []byte {
	switch api {
	case llmapi.APIOpenAIChat:
		msg := obj{"role": "assistant", "content": sc.Text}
		if len(sc.ToolCalls) > 0 {
			var calls []obj
			for _, c := range sc.ToolCalls {
				calls = append(calls, obj{"id": c.ID, "type": "function", "function": obj{"name": c.Name, "arguments": c.Arguments}})
			}
			msg["tool_calls"] = calls
		}
		return mustJSON(obj{"id": "chatcmpl-fake", "object": "chat.completion", "created": 1700000000, "model": model,
			"choices": []obj{{"index": 0, "message": msg, "finish_reason": "stop"}},
			"usage":   obj{"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})
	case llmapi.APIOpenAIResponses:
		return mustJSON(responsesObject(model, sc, "completed"))
	case llmapi.APIAnthropicMessages, llmapi.APIBedrockInvoke:
		return mustJSON(anthropicMessage(model, sc, true))
	case llmapi.APIGeminiGenerate:
		parts := []obj{}
		if sc.Text != "" {
			parts = append(parts, obj{"text": sc.Text})
		}
		for _, c := range sc.ToolCalls {
			parts = append(parts, obj{"functionCall": obj{"name": c.Name, "args": rawArgs(c.Arguments)}})
		}
		return mustJSON(obj{"candidates": []obj{{"content": obj{"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}},
			"modelVersion": model, "usageMetadata": obj{"promptTokenCount": 10, "candidatesTokenCount": 10}})
	case llmapi.APIBedrockConverse:
		content := []obj{}
		if sc.Text != "" {
			content = append(content, obj{"text": sc.Text})
		}
		for _, c := range sc.ToolCalls {
			content = append(content, obj{"toolUse": obj{"toolUseId": c.ID, "name": c.Name, "input": rawArgs(c.Arguments)}})
		}
		return mustJSON(obj{"output": obj{"message": obj{"role": "assistant", "content": content}}, "stopReason": "end_turn",
			"usage": obj{"inputTokens": 10, "outputTokens": 10, "totalTokens": 20}})
	}
	return mustJSON(obj{"text": sc.Text})
}

func responsesObject(model string, sc Script, status string) obj {
	output := []obj{}
	if sc.Text != "" {
		output = append(output, obj{"type": "message", "id": "msg_fake", "role": "assistant", "status": "completed",
			"content": []obj{{"type": "output_text", "text": sc.Text, "annotations": []any{}}}})
	}
	for _, c := range sc.ToolCalls {
		output = append(output, obj{"type": "function_call", "id": "fc_" + c.ID, "call_id": c.ID, "name": c.Name, "arguments": c.Arguments, "status": "completed"})
	}
	return obj{"id": "resp_fake", "object": "response", "created_at": 1700000000, "status": status, "model": model, "output": output}
}

func anthropicMessage(model string, sc Script, complete bool) obj {
	content := []obj{}
	if complete {
		if sc.Text != "" {
			content = append(content, obj{"type": "text", "text": sc.Text})
		}
		for _, c := range sc.ToolCalls {
			content = append(content, obj{"type": "tool_use", "id": c.ID, "name": c.Name, "input": rawArgs(c.Arguments)})
		}
	}
	m := obj{"id": "msg_fake", "type": "message", "role": "assistant", "model": model, "content": content,
		"stop_reason": nil, "usage": obj{"input_tokens": 10, "output_tokens": 1}}
	if complete {
		m["stop_reason"] = "end_turn"
		if len(sc.ToolCalls) > 0 {
			m["stop_reason"] = "tool_use"
		}
	}
	return m
}

// errorJSON is the provider's error body for a scripted failure.
func errorJSON(api string, status int) []byte {
	msg := http.StatusText(status)
	switch api {
	case llmapi.APIAnthropicMessages:
		return mustJSON(obj{"type": "error", "error": obj{"type": "api_error", "message": msg}})
	case llmapi.APIGeminiGenerate:
		return mustJSON(obj{"error": obj{"code": status, "message": msg, "status": "INTERNAL"}})
	case llmapi.APIBedrockConverse, llmapi.APIBedrockInvoke:
		return mustJSON(obj{"message": msg})
	}
	return mustJSON(obj{"error": obj{"message": msg, "type": "server_error", "code": nil}})
}

// sseEvents are the SSE events of a streamed OpenAI or Anthropic response.
func sseEvents(api, model string, sc Script) [][]byte {
	var out [][]byte
	switch api {
	case llmapi.APIOpenAIChat:
		chunk := func(delta obj, finish any) []byte {
			return sseData("", mustJSON(obj{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
				"choices": []obj{{"index": 0, "delta": delta, "finish_reason": finish}}}), "\n")
		}
		out = append(out, chunk(obj{"role": "assistant", "content": ""}, nil))
		for _, p := range pieces(sc.Text, sc.Chunk) {
			out = append(out, chunk(obj{"content": p}, nil))
		}
		for i, c := range sc.ToolCalls {
			out = append(out, chunk(obj{"tool_calls": []obj{{"index": i, "id": c.ID, "type": "function", "function": obj{"name": c.Name, "arguments": ""}}}}, nil))
			for _, p := range pieces(c.Arguments, sc.Chunk) {
				out = append(out, chunk(obj{"tool_calls": []obj{{"index": i, "function": obj{"arguments": p}}}}, nil))
			}
		}
		finish := "stop"
		if len(sc.ToolCalls) > 0 {
			finish = "tool_calls"
		}
		out = append(out, chunk(obj{}, finish), []byte("data: [DONE]\n\n"))
	case llmapi.APIOpenAIResponses:
		seq := 0
		ev := func(typ string, fields obj) []byte {
			fields["type"] = typ
			fields["sequence_number"] = seq
			seq++
			return sseData(typ, mustJSON(fields), "\n")
		}
		out = append(out, ev("response.created", obj{"response": responsesObject(model, Script{}, "in_progress")}))
		idx := 0
		if sc.Text != "" {
			out = append(out, ev("response.output_item.added", obj{"output_index": idx, "item": obj{"type": "message", "id": "msg_fake", "role": "assistant", "status": "in_progress", "content": []any{}}}))
			for _, p := range pieces(sc.Text, sc.Chunk) {
				out = append(out, ev("response.output_text.delta", obj{"output_index": idx, "content_index": 0, "item_id": "msg_fake", "delta": p}))
			}
			out = append(out, ev("response.output_text.done", obj{"output_index": idx, "content_index": 0, "item_id": "msg_fake", "text": sc.Text}))
			idx++
		}
		for _, c := range sc.ToolCalls {
			out = append(out, ev("response.output_item.added", obj{"output_index": idx, "item": obj{"type": "function_call", "id": "fc_" + c.ID, "call_id": c.ID, "name": c.Name, "arguments": "", "status": "in_progress"}}))
			for _, p := range pieces(c.Arguments, sc.Chunk) {
				out = append(out, ev("response.function_call_arguments.delta", obj{"output_index": idx, "item_id": "fc_" + c.ID, "delta": p}))
			}
			out = append(out, ev("response.function_call_arguments.done", obj{"output_index": idx, "item_id": "fc_" + c.ID, "arguments": c.Arguments}))
			idx++
		}
		out = append(out, ev("response.completed", obj{"response": responsesObject(model, sc, "completed")}))
	default: // Anthropic Messages
		ev := func(typ string, fields obj) []byte {
			fields["type"] = typ
			return sseData(typ, mustJSON(fields), "\n")
		}
		out = append(out, ev("message_start", obj{"message": anthropicMessage(model, sc, false)}))
		idx := 0
		if sc.Text != "" {
			out = append(out, ev("content_block_start", obj{"index": idx, "content_block": obj{"type": "text", "text": ""}}))
			for _, p := range pieces(sc.Text, sc.Chunk) {
				out = append(out, ev("content_block_delta", obj{"index": idx, "delta": obj{"type": "text_delta", "text": p}}))
			}
			out = append(out, ev("content_block_stop", obj{"index": idx}))
			idx++
		}
		for _, c := range sc.ToolCalls {
			out = append(out, ev("content_block_start", obj{"index": idx, "content_block": obj{"type": "tool_use", "id": c.ID, "name": c.Name, "input": obj{}}}))
			for _, p := range pieces(c.Arguments, sc.Chunk) {
				out = append(out, ev("content_block_delta", obj{"index": idx, "delta": obj{"type": "input_json_delta", "partial_json": p}}))
			}
			out = append(out, ev("content_block_stop", obj{"index": idx}))
			idx++
		}
		stop := "end_turn"
		if len(sc.ToolCalls) > 0 {
			stop = "tool_use"
		}
		out = append(out, ev("message_delta", obj{"delta": obj{"stop_reason": stop}, "usage": obj{"output_tokens": 10}}),
			ev("message_stop", obj{}))
	}
	return out
}

// geminiEvents are the JSON objects of a streamed Gemini response.
func geminiEvents(model string, sc Script) [][]byte {
	var out [][]byte
	cand := func(parts []obj, finish string) []byte {
		c := obj{"content": obj{"role": "model", "parts": parts}, "index": 0}
		if finish != "" {
			c["finishReason"] = finish
		}
		return mustJSON(obj{"candidates": []obj{c}, "modelVersion": model})
	}
	for _, p := range pieces(sc.Text, sc.Chunk) {
		out = append(out, cand([]obj{{"text": p}}, ""))
	}
	for _, c := range sc.ToolCalls {
		out = append(out, cand([]obj{{"functionCall": obj{"name": c.Name, "args": rawArgs(c.Arguments)}}}, ""))
	}
	out = append(out, cand([]obj{{"text": ""}}, "STOP"))
	return out
}

// bedrockFrames are the event stream frames of ConverseStream or
// InvokeModelWithResponseStream (Anthropic events wrapped in chunks).
func bedrockFrames(api, model string, sc Script) [][]byte {
	frameOf := func(eventType string, payload []byte) []byte {
		return eventStreamFrame([][2]string{
			{":event-type", eventType},
			{":content-type", "application/json"},
			{":message-type", "event"},
		}, payload)
	}
	var out [][]byte
	if api == llmapi.APIBedrockInvoke {
		for _, ev := range sseEvents(llmapi.APIAnthropicMessages, model, sc) {
			j := ssePayload(ev)
			out = append(out, frameOf("chunk", mustJSON(obj{"bytes": base64.StdEncoding.EncodeToString(j), "p": "abcd"})))
		}
		return out
	}
	out = append(out, frameOf("messageStart", mustJSON(obj{"role": "assistant", "p": "ab"})))
	idx := 0
	if sc.Text != "" {
		for _, p := range pieces(sc.Text, sc.Chunk) {
			out = append(out, frameOf("contentBlockDelta", mustJSON(obj{"contentBlockIndex": idx, "delta": obj{"text": p}, "p": "abc"})))
		}
		out = append(out, frameOf("contentBlockStop", mustJSON(obj{"contentBlockIndex": idx, "p": "a"})))
		idx++
	}
	for _, c := range sc.ToolCalls {
		out = append(out, frameOf("contentBlockStart", mustJSON(obj{"contentBlockIndex": idx, "start": obj{"toolUse": obj{"toolUseId": c.ID, "name": c.Name}}, "p": "ab"})))
		for _, p := range pieces(c.Arguments, sc.Chunk) {
			out = append(out, frameOf("contentBlockDelta", mustJSON(obj{"contentBlockIndex": idx, "delta": obj{"toolUse": obj{"input": p}}, "p": "abcd"})))
		}
		out = append(out, frameOf("contentBlockStop", mustJSON(obj{"contentBlockIndex": idx, "p": "a"})))
		idx++
	}
	stop := "end_turn"
	if len(sc.ToolCalls) > 0 {
		stop = "tool_use"
	}
	out = append(out, frameOf("messageStop", mustJSON(obj{"stopReason": stop, "p": "abc"})),
		frameOf("metadata", mustJSON(obj{"usage": obj{"inputTokens": 10, "outputTokens": 10, "totalTokens": 20}, "metrics": obj{"latencyMs": 100}, "p": "ab"})))
	return out
}

// ssePayload returns the data of one SSE event built by sseData.
func ssePayload(ev []byte) []byte {
	s := string(ev)
	const marker = "data: "
	i := len(s) - 1
	for j := 0; j+len(marker) <= len(s); j++ {
		if s[j:j+len(marker)] == marker {
			i = j + len(marker)
			break
		}
	}
	end := len(s)
	for end > i && (s[end-1] == '\n' || s[end-1] == '\r') {
		end--
	}
	return []byte(s[i:end])
}

// eventStreamFrame encodes one application/vnd.amazon.eventstream message
// with string headers: total length, headers length, prelude CRC32,
// headers, payload, message CRC32.
func eventStreamFrame(headers [][2]string, payload []byte) []byte {
	hlen := 0
	for _, h := range headers {
		hlen += 1 + len(h[0]) + 1 + 2 + len(h[1])
	}
	total := 12 + hlen + len(payload) + 4
	b := make([]byte, 0, total)
	b = binary.BigEndian.AppendUint32(b, uint32(total))
	b = binary.BigEndian.AppendUint32(b, uint32(hlen))
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[:8]))
	for _, h := range headers {
		b = append(b, byte(len(h[0])))
		b = append(b, h[0]...)
		b = append(b, 7)
		b = binary.BigEndian.AppendUint16(b, uint16(len(h[1])))
		b = append(b, h[1]...)
	}
	b = append(b, payload...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}
