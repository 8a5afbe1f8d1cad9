package llmapi

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// gkey maps a Gemini field name to its lowerCamel spelling. The API reads
// protobuf JSON, which accepts both `system_instruction` and
// `systemInstruction`; sluice must recognise both or a client could move
// text out of its trusted place by respelling a key.
func gkey(k string) string {
	if strings.IndexByte(k, '_') < 0 {
		return k
	}
	var sb strings.Builder
	sb.Grow(len(k))
	up := false
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c == '_' {
			up = true
			continue
		}
		if up && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		sb.WriteByte(c)
	}
	return sb.String()
}

// gget is Tree.Get accepting either spelling of a Gemini field.
func gget(t *jsontree.Tree, obj int32, camel string) int32 {
	if v := t.Get(obj, camel); v >= 0 {
		return v
	}
	for c := t.First(obj); c >= 0; c = t.Next(c) {
		if t.Nodes[c].Flags&jsontree.Shadowed == 0 && strings.IndexByte(t.Nodes[c].Key, '_') >= 0 && gkey(t.Nodes[c].Key) == camel {
			return c
		}
	}
	return -1
}

// geminiRole maps a Content role. An absent role is the user's, as the API
// assumes for single-turn requests.
func geminiRole(role string) (interaction.Role, interaction.Trust, interaction.Kind) {
	switch role {
	case "user", "":
		return interaction.RoleUser, interaction.TrustUser, interaction.KindText
	case "model":
		return interaction.RoleAssistant, interaction.TrustModel, interaction.KindText
	case "function", "tool":
		return interaction.RoleTool, interaction.TrustUntrusted, interaction.KindToolResult
	}
	return interaction.RoleNone, interaction.TrustUntrusted, interaction.KindOther
}

// gmembers is members with Gemini key spelling normalised.
func (b *builder) gmembers(v int32, c segCtx, fn func(key string, m int32) bool) {
	b.members(v, c, func(key string, m int32) bool { return fn(gkey(key), m) })
}

// geminiRequest parses a generateContent request.
func (b *builder) geminiRequest(root int32) {
	t := b.t
	b.gmembers(root, topCtx, func(key string, m int32) bool {
		switch key {
		case "model":
			if t.Kind(m) != jsontree.String {
				return false
			}
			b.ix.Model = strings.TrimPrefix(t.Str(m), "models/")
		case "contents":
			if t.Kind(m) == jsontree.Object {
				b.geminiContent(m, 0, false)
			} else {
				b.eachIndex(m, func(content int32, turn int) { b.geminiContent(content, turn, false) })
			}
		case "systemInstruction":
			if t.Kind(m) == jsontree.String {
				b.emit(m, operatorCtx)
			} else {
				b.geminiContent(m, -1, true)
			}
		case "tools":
			b.eachIndex(m, func(tool int32, _ int) { b.geminiTool(tool) })
		case "generationConfig":
			b.schema(m, topCtx)
		case "toolConfig", "safetySettings", "cachedContent":
			// Function-calling mode and allowed names, safety enums, a
			// cache resource name.
		default:
			return false
		}
		return true
	})
}

// geminiTool parses one Tool: function declarations or a built-in tool
// (googleSearch, codeExecution, urlContext, retrieval, ...).
func (b *builder) geminiTool(tool int32) {
	t := b.t
	if t.Kind(tool) != jsontree.Object {
		b.generic(tool, toolDescCtx)
		return
	}
	b.gmembers(tool, toolDescCtx, func(key string, m int32) bool {
		if key == "functionDeclarations" {
			b.eachIndex(m, func(decl int32, _ int) { b.functionDef(decl, "function") })
			return true
		}
		b.addTool(key, "", key)
		b.generic(m, toolDescCtx)
		return true
	})
}

// geminiContent parses a Content {role, parts}. system marks the system
// instruction, whose role field is ignored. A response's content without a
// role is the model's.
func (b *builder) geminiContent(v int32, turn int, system bool) {
	t := b.t
	roleName := t.Str(t.Get(v, "role"))
	if roleName == "" && b.ix.Phase == interaction.PhaseResponse {
		roleName = "model"
	}
	role, trust, kind := geminiRole(roleName)
	c := segCtx{role: role, trust: trust, kind: kind, turn: turn}
	if system {
		c = operatorCtx
	}
	if t.Kind(v) != jsontree.Object {
		b.generic(v, c)
		return
	}
	for m := b.t.First(v); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, c) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := gkey(b.t.Nodes[m].Key); key {
		case "parts":
			if t.Kind(m) == jsontree.Object {
				b.geminiPart(m, c)
			} else {
				b.eachIndex(m, func(part int32, _ int) { b.geminiPart(part, c) })
			}
		case "role":
		default:
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// geminiPart parses one Part.
func (b *builder) geminiPart(part int32, c segCtx) {
	t := b.t
	if t.Kind(part) != jsontree.Object {
		b.text(part, c)
		return
	}
	thought := t.Bool(gget(t, part, "thought"))
	for m := b.t.First(part); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, c) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := gkey(b.t.Nodes[m].Key); key {
		case "text":
			if thought {
				b.text(m, segCtx{role: interaction.RoleAssistant, trust: interaction.TrustModel, kind: interaction.KindReasoning, turn: c.turn})
			} else {
				b.text(m, c)
			}
		case "thought", "thoughtSignature", "videoMetadata", "mediaResolution":
		case "inlineData":
			b.skipFields(m, c, "data", "mimeType", "mime_type")
		case "fileData":
			b.mediaFields(m, c, "fileUri", "file_uri")
		case "functionCall":
			b.geminiFunctionCall(m, c.turn)
		case "functionResponse":
			b.geminiFunctionResponse(m, c.turn)
		case "executableCode":
			ci := b.addCall("", "code_execution", c.turn)
			b.lastCode = ci
			ac := argCtx("", c.turn)
			for v := b.t.First(m); v >= 0; v = b.t.Nodes[v].Next {
				if b.shadowed(v, ac) {
					continue
				}
				lvl := b.pushMember(v)
				switch key := gkey(b.t.Nodes[v].Key); key {
				case "code":
					b.freeArgs(ci, v, ac)
				case "language", "id":
				default:
					b.generic(v, ac.withKind(interaction.KindOther))
				}
				b.pop(lvl)
			}
		case "codeExecutionResult":
			first := len(b.ix.Segments)
			rc := resultCtx("", c.turn)
			for v := b.t.First(m); v >= 0; v = b.t.Nodes[v].Next {
				if b.shadowed(v, rc) {
					continue
				}
				lvl := b.pushMember(v)
				switch key := gkey(b.t.Nodes[v].Key); key {
				case "output":
					b.text(v, rc)
				case "outcome", "id":
				default:
					b.generic(v, rc.withKind(interaction.KindOther))
				}
				b.pop(lvl)
			}
			b.resultByName("code_execution", first)
		default:
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

func (b *builder) geminiFunctionCall(v int32, turn int) {
	t := b.t
	if t.Kind(v) != jsontree.Object {
		b.generic(v, argCtx("", turn))
		return
	}
	id := b.str(t.Get(v, "id"))
	ci := b.addCall(id, b.str(t.Get(v, "name")), turn)
	ac := argCtx(id, turn)
	for m := b.t.First(v); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, ac) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := gkey(b.t.Nodes[m].Key); key {
		case "args":
			b.objectArgs(ci, m, ac)
		case "id", "name", "willContinue":
		default:
			b.generic(m, ac.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// geminiFunctionResponse parses a function's result: linked by id when the
// call had one, else by name and order.
func (b *builder) geminiFunctionResponse(v int32, turn int) {
	t := b.t
	id := b.str(t.Get(v, "id"))
	rc := resultCtx(id, turn)
	first := len(b.ix.Segments)
	if t.Kind(v) != jsontree.Object {
		b.leaves(v, rc)
		return
	}
	for m := b.t.First(v); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, rc) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := gkey(b.t.Nodes[m].Key); key {
		case "response":
			b.leaves(m, rc)
		case "parts":
			b.eachIndex(m, func(part int32, _ int) { b.geminiPart(part, rc) })
		case "id", "name", "willContinue", "scheduling":
		default:
			b.generic(m, rc.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
	if id == "" {
		b.resultByName(t.Str(t.Get(v, "name")), first)
	}
}

// geminiResponse parses a GenerateContentResponse.
func (b *builder) geminiResponse(root int32) {
	t := b.t
	for m := b.t.First(root); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, respTopCtx) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := gkey(b.t.Nodes[m].Key); key {
		case "candidates":
			b.eachIndex(m, func(cand int32, _ int) { b.geminiCandidate(cand) })
		case "usageMetadata":
			b.geminiUsage(m)
		case "modelVersion":
			b.ix.Model = t.Str(m)
		case "responseId", "createTime", "promptFeedback":
		case "error":
			b.generic(m, respTopCtx)
		default:
			b.generic(m, respTopCtx.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

func (b *builder) geminiCandidate(cand int32) {
	for m := b.t.First(cand); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, modelCtx) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := gkey(b.t.Nodes[m].Key); key {
		case "content":
			b.geminiContent(m, 0, false)
		case "citationMetadata", "groundingMetadata", "urlContextMetadata":
			// What search and URL tools brought in.
			b.generic(m, docCtx(modelCtx))
		case "finishReason", "index", "safetyRatings", "avgLogprobs", "logprobsResult", "tokenCount":
		default:
			b.generic(m, modelCtx.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

func (b *builder) geminiUsage(v int32) {
	t := b.t
	if n, ok := t.Int(gget(t, v, "promptTokenCount")); ok {
		b.ix.Usage.InputTokens = n
	}
	out, ok1 := t.Int(gget(t, v, "candidatesTokenCount"))
	th, ok2 := t.Int(gget(t, v, "thoughtsTokenCount"))
	if ok1 || ok2 {
		b.ix.Usage.OutputTokens = out + th
	}
}
