package llmapi

import (
	"net/url"
	"strings"

	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// API names, the `api` field of the interface contract.
const (
	APIOpenAIChat         = "openai.chat_completions"
	APIOpenAIResponses    = "openai.responses"
	APIAnthropicMessages  = "anthropic.messages"
	APIGeminiGenerate     = "gemini.generate_content"
	APIBedrockConverse    = "bedrock.converse"
	APIBedrockInvoke      = "bedrock.invoke"
	APIUnknown            = "unknown"
	providerOpenAI        = "openai"
	providerAnthropic     = "anthropic"
	providerGoogle        = "google"
	providerAWS           = "aws"
	anthropicOnVertexPath = "/publishers/anthropic/"
)

// Recognize tells the API, the model named in the path (Gemini, Vertex,
// Bedrock, Azure deployments) and whether the path asks for a streamed
// response. The query string is ignored and percent-encoded model ids are
// decoded. Gateways' prefixes (`/openai/v1/...`, `/api/v1/...`, Azure's
// `/openai/deployments/{d}/...`, Vertex's `/v1/projects/.../models/{m}:...`)
// are accepted. It returns APIUnknown when the path says nothing; callers
// then look at the body (see ParseRequest).
func Recognize(path string) (api, model string, stream bool) {
	p := stripQuery(path)
	p = strings.TrimRight(p, "/")

	// Bedrock runtime: .../model/{modelId}/{operation}.
	if i := strings.LastIndex(p, "/model/"); i >= 0 {
		rest := p[i+len("/model/"):]
		if j := strings.LastIndexByte(rest, '/'); j > 0 {
			id := unescape(rest[:j])
			switch rest[j+1:] {
			case "converse":
				return APIBedrockConverse, id, false
			case "converse-stream":
				return APIBedrockConverse, id, true
			case "invoke":
				return APIBedrockInvoke, id, false
			case "invoke-with-response-stream":
				return APIBedrockInvoke, id, true
			}
		}
	}

	// Google: .../models/{model}:{method}, for Gemini and for Anthropic
	// models served by Vertex (rawPredict takes an Anthropic body).
	for _, marker := range []string{"/models/", "/tunedModels/"} {
		i := strings.LastIndex(p, marker)
		if i < 0 {
			continue
		}
		rest := p[i+len(marker):]
		j := strings.LastIndexByte(rest, ':')
		if j <= 0 {
			continue
		}
		m := unescape(rest[:j])
		switch rest[j+1:] {
		case "generateContent", "countTokens":
			return APIGeminiGenerate, m, false
		case "streamGenerateContent":
			return APIGeminiGenerate, m, true
		case "rawPredict":
			if strings.Contains(p, anthropicOnVertexPath) {
				return APIAnthropicMessages, m, false
			}
		case "streamRawPredict":
			if strings.Contains(p, anthropicOnVertexPath) {
				return APIAnthropicMessages, m, true
			}
		}
	}

	switch {
	case strings.HasSuffix(p, "/chat/completions"):
		return APIOpenAIChat, azureDeployment(p), false
	case strings.HasSuffix(p, "/responses"):
		return APIOpenAIResponses, azureDeployment(p), false
	case strings.HasSuffix(p, "/messages"), strings.HasSuffix(p, "/messages/count_tokens"):
		return APIAnthropicMessages, "", false
	}
	return APIUnknown, "", false
}

func stripQuery(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		return path[:i]
	}
	return path
}

func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// azureDeployment returns the deployment of an Azure OpenAI path
// (/openai/deployments/{d}/chat/completions), which names the model.
func azureDeployment(p string) string {
	i := strings.Index(p, "/deployments/")
	if i < 0 {
		return ""
	}
	rest := p[i+len("/deployments/"):]
	if j := strings.IndexByte(rest, '/'); j > 0 {
		return unescape(rest[:j])
	}
	return ""
}

// provider names who serves the API on this path.
func provider(api, path string) string {
	switch api {
	case APIOpenAIChat, APIOpenAIResponses:
		return providerOpenAI
	case APIAnthropicMessages:
		if strings.Contains(path, anthropicOnVertexPath) {
			return providerGoogle
		}
		return providerAnthropic
	case APIGeminiGenerate:
		return providerGoogle
	case APIBedrockConverse, APIBedrockInvoke:
		return providerAWS
	}
	return ""
}

// sniffRequest recognises a request body by its shape when the path did not
// say which API it is.
func sniffRequest(t *jsontree.Tree) string {
	if t.Kind(0) != jsontree.Object {
		return APIUnknown
	}
	has := func(k string) bool { return t.Get(0, k) >= 0 }
	switch {
	case has("contents") || has("systemInstruction") || has("system_instruction"):
		return APIGeminiGenerate
	case has("anthropic_version"):
		return APIAnthropicMessages
	}
	msgs := t.Get(0, "messages")
	if t.Kind(msgs) != jsontree.Array {
		if has("input") || has("instructions") {
			return APIOpenAIResponses
		}
		return APIUnknown
	}
	if has("inferenceConfig") || has("toolConfig") || has("additionalModelRequestFields") {
		return APIBedrockConverse
	}
	var openai, anthropic, bedrock int
	if sys := t.Get(0, "system"); sys >= 0 {
		anthropic++
		if e := t.First(sys); t.Kind(sys) == jsontree.Array && e >= 0 && t.Get(e, "type") < 0 && t.Get(e, "text") >= 0 {
			bedrock += 2
		}
	}
	for m := t.First(msgs); m >= 0; m = t.Next(m) {
		switch t.Str(t.Get(m, "role")) {
		case "system", "developer", "tool", "function":
			openai++
		}
		if t.Get(m, "tool_calls") >= 0 || t.Get(m, "tool_call_id") >= 0 {
			openai++
		}
		content := t.Get(m, "content")
		if t.Kind(content) != jsontree.Array {
			continue
		}
		for blk := t.First(content); blk >= 0; blk = t.Next(blk) {
			typ := t.Str(t.Get(blk, "type"))
			switch typ {
			case "tool_use", "tool_result", "thinking", "redacted_thinking", "document", "server_tool_use", "search_result":
				anthropic++
			case "image":
				if t.Get(blk, "source") >= 0 {
					anthropic++
				}
			case "image_url", "input_audio", "file":
				openai++
			case "":
				for _, k := range []string{"text", "toolUse", "toolResult", "image", "document", "reasoningContent"} {
					if t.Get(blk, k) >= 0 {
						bedrock++
						break
					}
				}
			}
		}
	}
	switch {
	case bedrock > anthropic && bedrock > openai:
		return APIBedrockConverse
	case anthropic > openai:
		return APIAnthropicMessages
	}
	return APIOpenAIChat
}

// sniffResponse recognises a response body by its shape.
func sniffResponse(t *jsontree.Tree) string {
	if t.Kind(0) != jsontree.Object {
		return APIUnknown
	}
	switch {
	case t.Get(0, "choices") >= 0:
		return APIOpenAIChat
	case t.Str(t.Get(0, "object")) == "response" || t.Kind(t.Get(0, "output")) == jsontree.Array:
		return APIOpenAIResponses
	case t.Str(t.Get(0, "type")) == "message" || t.Str(t.Get(0, "type")) == "error" && t.Get(0, "error") >= 0:
		return APIAnthropicMessages
	case t.Get(0, "candidates") >= 0 || t.Get(0, "usageMetadata") >= 0 || t.Get(0, "promptFeedback") >= 0:
		return APIGeminiGenerate
	case t.Kind(t.Get(t.Get(0, "output"), "message")) == jsontree.Object:
		return APIBedrockConverse
	}
	return APIUnknown
}
