package llmapi

import (
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// chatRole maps an OpenAI Chat Completions role to sluice's vocabulary.
// Unknown roles are untrusted: their origin cannot be vouched for.
func chatRole(role string) (interaction.Role, interaction.Trust, interaction.Kind) {
	switch role {
	case "system":
		return interaction.RoleSystem, interaction.TrustOperator, interaction.KindText
	case "developer":
		return interaction.RoleDeveloper, interaction.TrustOperator, interaction.KindText
	case "user":
		return interaction.RoleUser, interaction.TrustUser, interaction.KindText
	case "assistant":
		return interaction.RoleAssistant, interaction.TrustModel, interaction.KindText
	case "tool", "function":
		return interaction.RoleTool, interaction.TrustUntrusted, interaction.KindToolResult
	}
	return interaction.RoleNone, interaction.TrustUntrusted, interaction.KindOther
}

// respTopCtx labels strings of a response outside the model's message
// (errors, provider fields): text the provider sent back.
var respTopCtx = segCtx{role: interaction.RoleNone, trust: interaction.TrustModel, kind: interaction.KindOther, turn: -1}

// modelCtx labels what the model wrote in a response.
var modelCtx = segCtx{role: interaction.RoleAssistant, trust: interaction.TrustModel, kind: interaction.KindText, turn: 0}

// chatRequest parses an OpenAI Chat Completions request.
func (b *builder) chatRequest(root int32) {
	t := b.t
	for m := t.First(root); m >= 0; m = t.Next(m) {
		if b.shadowed(m, topCtx) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		switch key {
		case "model":
			if s := t.Str(m); s != "" {
				b.ix.Model = s
			} else {
				b.generic(m, topCtx)
			}
		case "stream":
			b.ix.Stream = t.Bool(m)
		case "messages":
			b.chatMessages(m)
		case "tools":
			b.chatTools(m)
		case "functions":
			b.eachIndex(m, func(f int32, _ int) { b.functionDef(f, "function") })
		case "response_format":
			b.schema(m, topCtx)
		case "tool_choice", "function_call", "modalities", "stream_options", "prompt_cache_retention":
			// Enumerations and names of offered tools.
		default:
			b.generic(m, topCtx)
		}
		b.pop(p)
	}
}

// eachIndex calls fn for every element of array v with its path pushed; a
// non-array is walked generically as untrusted.
func (b *builder) eachIndex(v int32, fn func(e int32, i int)) {
	if b.t.Kind(v) != jsontree.Array {
		b.generic(v, segCtx{trust: interaction.TrustUntrusted, kind: interaction.KindOther, turn: -1})
		return
	}
	i := 0
	for e := b.t.First(v); e >= 0; e = b.t.Next(e) {
		p := b.pushIndex(i)
		fn(e, i)
		b.pop(p)
		i++
	}
}

func (b *builder) chatMessages(v int32) {
	b.eachIndex(v, func(msg int32, turn int) { b.chatMessage(msg, turn) })
}

func (b *builder) chatMessage(msg int32, turn int) {
	t := b.t
	role, trust, kind := chatRole(t.Str(t.Get(msg, "role")))
	c := segCtx{role: role, trust: trust, kind: kind, turn: turn}
	if t.Kind(msg) != jsontree.Object {
		b.generic(msg, c)
		return
	}
	if role == interaction.RoleTool {
		c.result = true
		c.callID = b.str(t.Get(msg, "tool_call_id"))
	}
	first := len(b.ix.Segments)
	for m := t.First(msg); m >= 0; m = t.Next(m) {
		if b.shadowed(m, c.withKind(interaction.KindOther)) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		switch key {
		case "role", "tool_call_id":
		case "content":
			b.chatContent(m, c)
		case "refusal":
			b.text(m, c)
		case "reasoning_content", "reasoning":
			// Reasoning carried by OpenAI-compatible providers.
			b.text(m, segCtx{role: interaction.RoleAssistant, trust: interaction.TrustModel, kind: interaction.KindReasoning, turn: turn})
		case "tool_calls":
			b.eachIndex(m, func(tc int32, _ int) { b.chatToolCall(tc, turn) })
		case "function_call":
			b.legacyFunctionCall(m, turn)
		case "name":
			if role != interaction.RoleTool {
				b.generic(m, c.withKind(interaction.KindOther))
			}
		case "audio":
			// {id} of audio the model produced earlier: an identifier.
		default:
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(p)
	}
	// A legacy function message answers the last call of that name.
	if t.Str(t.Get(msg, "role")) == "function" || role == interaction.RoleTool && c.callID == "" {
		b.resultByName(t.Str(t.Get(msg, "name")), first)
	}
}

// chatContent parses message content: a string or an array of parts.
func (b *builder) chatContent(v int32, c segCtx) {
	t := b.t
	switch t.Kind(v) {
	case jsontree.String:
		b.emit(v, c)
		return
	case jsontree.Array:
	default:
		b.generic(v, c)
		return
	}
	b.eachIndex(v, func(part int32, _ int) {
		if t.Kind(part) != jsontree.Object {
			b.generic(part, c)
			return
		}
		for m := t.First(part); m >= 0; m = t.Next(m) {
			if b.shadowed(m, c) {
				continue
			}
			key := t.Nodes[m].Key
			p := b.pushMember(m)
			switch key {
			case "type":
			case "text", "refusal":
				b.text(m, c)
			case "image_url":
				// A URL string or {url, detail}.
				if t.Kind(m) == jsontree.Object {
					b.mediaFields(m, c, "url")
				} else {
					b.media(m, c)
				}
			case "input_audio":
				b.skipFields(m, c, "data")
			case "file":
				b.mediaFields(m, c, "file_id", "file_url")
			default:
				b.generic(m, c.withKind(interaction.KindOther))
			}
			b.pop(p)
		}
	})
}

// mediaFields walks object v: the named fields are media references,
// "data"-like opaque fields are skipped by the generic walk, the rest is
// walked generically.
func (b *builder) mediaFields(v int32, c segCtx, mediaKeys ...string) {
	t := b.t
	if t.Kind(v) != jsontree.Object {
		b.generic(v, c)
		return
	}
	for m := t.First(v); m >= 0; m = t.Next(m) {
		if b.shadowed(m, c) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		isMedia := false
		for _, k := range mediaKeys {
			if key == k {
				isMedia = true
				break
			}
		}
		if isMedia {
			b.media(m, c)
		} else {
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(p)
	}
}

// skipFields walks object v generically except the named opaque fields.
func (b *builder) skipFields(v int32, c segCtx, skip ...string) {
	t := b.t
	if t.Kind(v) != jsontree.Object {
		b.generic(v, c)
		return
	}
outer:
	for m := t.First(v); m >= 0; m = t.Next(m) {
		for _, k := range skip {
			if t.Nodes[m].Key == k && t.Nodes[m].Flags&jsontree.Shadowed == 0 {
				continue outer
			}
		}
		p := b.pushMember(m)
		b.generic(m, c.withKind(interaction.KindOther))
		b.pop(p)
	}
}

// chatToolCall parses one entry of an assistant message's tool_calls.
func (b *builder) chatToolCall(tc int32, turn int) {
	t := b.t
	if t.Kind(tc) != jsontree.Object {
		b.generic(tc, argCtx("", turn))
		return
	}
	id := b.str(t.Get(tc, "id"))
	fn := t.Get(tc, "function")
	fnKey := "function"
	if fn < 0 {
		fn = t.Get(tc, "custom")
		fnKey = "custom"
	}
	ci := b.addCall(id, b.str(t.Get(fn, "name")), turn)
	ac := argCtx(id, turn)
	for m := t.First(tc); m >= 0; m = t.Next(m) {
		if b.shadowed(m, ac) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		switch {
		case key == "id" || key == "type":
		case key == fnKey && m == fn && t.Kind(fn) == jsontree.Object:
			for f := t.First(fn); f >= 0; f = t.Next(f) {
				if b.shadowed(f, ac) {
					continue
				}
				fk := t.Nodes[f].Key
				fp := b.pushMember(f)
				switch fk {
				case "name":
				case "arguments":
					b.stringArgs(ci, f, ac)
				case "input":
					// Custom tools take free text, not JSON.
					b.freeArgs(ci, f, ac)
				default:
					b.generic(f, ac)
				}
				b.pop(fp)
			}
		default:
			b.generic(m, ac)
		}
		b.pop(p)
	}
}

// freeArgs handles free-text tool input (custom tools): one segment, the
// text as Arguments, no Args.
func (b *builder) freeArgs(ci int, v int32, c segCtx) {
	if b.t.Kind(v) != jsontree.String {
		b.objectArgs(ci, v, c)
		return
	}
	first := len(b.ix.Segments)
	b.emit(v, c)
	call := &b.ix.ToolCalls[ci]
	call.ArgSegments = segRange(call.ArgSegments, first, len(b.ix.Segments))
	call.Arguments = b.str(v)
	b.stringArgsMap(ci, call.Arguments)
}

// legacyFunctionCall parses the deprecated single function_call of an
// assistant message. It has no id; its result is linked by name.
func (b *builder) legacyFunctionCall(v int32, turn int) {
	t := b.t
	if t.Kind(v) != jsontree.Object {
		b.generic(v, argCtx("", turn))
		return
	}
	ci := b.addCall("", b.str(t.Get(v, "name")), turn)
	ac := argCtx("", turn)
	for m := t.First(v); m >= 0; m = t.Next(m) {
		if b.shadowed(m, ac) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		switch key {
		case "name":
		case "arguments":
			b.stringArgs(ci, m, ac)
		default:
			b.generic(m, ac)
		}
		b.pop(p)
	}
}

// chatTools parses the tools array.
func (b *builder) chatTools(v int32) {
	t := b.t
	b.eachIndex(v, func(tool int32, _ int) {
		typ := t.Str(t.Get(tool, "type"))
		if fn := t.Get(tool, "function"); t.Kind(fn) == jsontree.Object {
			b.toolWrapper(tool, fn, "function", typ)
			return
		}
		if cu := t.Get(tool, "custom"); t.Kind(cu) == jsontree.Object {
			b.toolWrapper(tool, cu, "custom", typ)
			return
		}
		b.functionDef(tool, typ)
	})
}

// toolWrapper handles {type, <inner>: {name, description, parameters}}.
func (b *builder) toolWrapper(tool, inner int32, innerKey, typ string) {
	t := b.t
	b.addTool(t.Str(t.Get(inner, "name")), t.Str(t.Get(inner, "description")), typ)
	for m := t.First(tool); m >= 0; m = t.Next(m) {
		if b.shadowed(m, toolDescCtx) {
			continue
		}
		key := t.Nodes[m].Key
		if key == "type" {
			continue
		}
		p := b.pushKey(key)
		if m == inner {
			b.toolFields(inner)
		} else {
			b.generic(m, toolDescCtx)
		}
		b.pop(p)
	}
}

// functionDef handles a flat tool definition {name, description,
// parameters, ...} (legacy functions, Responses tools, Anthropic tools).
func (b *builder) functionDef(tool int32, typ string) {
	t := b.t
	if t.Kind(tool) != jsontree.Object {
		b.generic(tool, toolDescCtx)
		return
	}
	if typ == "" {
		typ = t.Str(t.Get(tool, "type"))
	}
	if typ == "" {
		typ = "function"
	}
	b.addTool(t.Str(t.Get(tool, "name")), t.Str(t.Get(tool, "description")), typ)
	b.toolFields(tool)
}

// toolFields emits a tool definition's text: name, description and the
// string values of its schemas, all untrusted tool_description.
func (b *builder) toolFields(v int32) {
	t := b.t
	for m := t.First(v); m >= 0; m = t.Next(m) {
		if b.shadowed(m, toolDescCtx) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		switch key {
		case "type", "strict", "cache_control", "defer_loading":
		case "parameters", "input_schema", "inputSchema", "parametersJsonSchema", "parameters_json_schema",
			"response", "responseJsonSchema", "response_json_schema", "output_schema", "schema":
			b.schema(m, toolDescCtx)
		default:
			b.generic(m, toolDescCtx)
		}
		b.pop(p)
	}
}

// chatResponse parses a non-streamed Chat Completions response.
func (b *builder) chatResponse(root int32) {
	t := b.t
	for m := t.First(root); m >= 0; m = t.Next(m) {
		if b.shadowed(m, respTopCtx) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		switch key {
		case "model":
			b.ix.Model = t.Str(m)
		case "choices":
			b.eachIndex(m, func(ch int32, _ int) { b.chatChoice(ch) })
		case "usage":
			b.usage(m, "prompt_tokens", "completion_tokens")
		case "id", "object", "created", "system_fingerprint", "service_tier", "obfuscation":
		default:
			b.generic(m, respTopCtx)
		}
		b.pop(p)
	}
}

func (b *builder) chatChoice(ch int32) {
	t := b.t
	for m := t.First(ch); m >= 0; m = t.Next(m) {
		if b.shadowed(m, modelCtx) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		switch key {
		case "message", "delta":
			b.chatMessageOut(m)
		case "logprobs", "index", "finish_reason":
			// Log probabilities repeat the message's own tokens.
		default:
			b.generic(m, modelCtx.withKind(interaction.KindOther))
		}
		b.pop(p)
	}
}

// chatMessageOut parses the assistant message of a response choice.
func (b *builder) chatMessageOut(msg int32) {
	t := b.t
	if t.Kind(msg) != jsontree.Object {
		b.generic(msg, modelCtx)
		return
	}
	for m := t.First(msg); m >= 0; m = t.Next(m) {
		if b.shadowed(m, modelCtx) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		switch key {
		case "role":
		case "content", "refusal":
			b.chatContent(m, modelCtx)
		case "reasoning_content", "reasoning":
			b.text(m, modelCtx.withKind(interaction.KindReasoning))
		case "tool_calls":
			b.eachIndex(m, func(tc int32, _ int) { b.chatToolCall(tc, 0) })
		case "function_call":
			b.legacyFunctionCall(m, 0)
		case "audio":
			// The transcript is text the user hears; the audio is opaque.
			for v := b.t.First(m); v >= 0; v = b.t.Nodes[v].Next {
				if b.shadowed(v, modelCtx) {
					continue
				}
				lvl := b.pushMember(v)
				switch key := b.t.Nodes[v].Key; key {
				case "transcript":
					b.text(v, modelCtx)
				case "data", "id", "expires_at":
				default:
					b.generic(v, modelCtx.withKind(interaction.KindOther))
				}
				b.pop(lvl)
			}
		default:
			b.generic(m, modelCtx.withKind(interaction.KindOther))
		}
		b.pop(p)
	}
}

// usage reads token counts from a usage object.
func (b *builder) usage(v int32, in, out string) {
	t := b.t
	if n, ok := t.Int(t.Get(v, in)); ok {
		b.ix.Usage.InputTokens = n
	}
	if n, ok := t.Int(t.Get(v, out)); ok {
		b.ix.Usage.OutputTokens = n
	}
}
