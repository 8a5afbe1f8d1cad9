package llmapi

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// anthropicRole maps a Messages API role; the API knows only these two.
func anthropicRole(role string) (interaction.Role, interaction.Trust) {
	switch role {
	case "user":
		return interaction.RoleUser, interaction.TrustUser
	case "assistant":
		return interaction.RoleAssistant, interaction.TrustModel
	}
	return interaction.RoleNone, interaction.TrustUntrusted
}

// anthropicRequest parses an Anthropic Messages request (also the body of
// Bedrock InvokeModel and Vertex rawPredict for Claude models).
func (b *builder) anthropicRequest(root int32) {
	t := b.t
	b.members(root, topCtx, func(key string, m int32) bool {
		switch key {
		case "model":
			if t.Kind(m) != jsontree.String {
				return false
			}
			b.ix.Model = t.Str(m)
		case "stream":
			b.ix.Stream = t.Bool(m)
		case "system":
			b.anthropicContent(m, operatorCtx)
		case "messages":
			b.eachIndex(m, func(msg int32, turn int) {
				role, trust := anthropicRole(t.Str(t.Get(msg, "role")))
				c := segCtx{role: role, trust: trust, kind: interaction.KindText, turn: turn}
				if t.Kind(msg) != jsontree.Object {
					b.generic(msg, c)
					return
				}
				for m := t.First(msg); m >= 0; m = t.Nodes[m].Next {
					if b.shadowed(m, c) {
						continue
					}
					p := b.pushMember(m)
					switch t.Nodes[m].Key {
					case "content":
						b.anthropicContent(m, c)
					case "role":
					default:
						b.generic(m, c.withKind(interaction.KindOther))
					}
					b.pop(p)
				}
			})
		case "tools":
			b.eachIndex(m, func(tool int32, _ int) { b.functionDef(tool, t.Str(t.Get(tool, "type"))) })
		case "mcp_servers":
			b.generic(m, toolDescCtx)
		case "output_config", "output_format":
			b.schema(m, topCtx)
		case "tool_choice", "anthropic_version", "anthropic_beta", "service_tier", "inference_geo":
		default:
			return false
		}
		return true
	})
}

// anthropicContent parses content that is a string or an array of blocks.
func (b *builder) anthropicContent(v int32, c segCtx) {
	switch b.t.Kind(v) {
	case jsontree.String:
		b.emit(v, c)
	case jsontree.Array:
		i := 0
		for blk := b.t.First(v); blk >= 0; blk = b.t.Nodes[blk].Next {
			p := b.pushIndex(i)
			b.anthropicBlock(blk, c)
			b.pop(p)
			i++
		}
	default:
		b.generic(v, c)
	}
}

// docCtx labels an attached or retrieved document: untrusted, whoever
// attached it.
func docCtx(c segCtx) segCtx {
	c.trust = interaction.TrustUntrusted
	c.kind = interaction.KindDocument
	return c
}

// anthropicBlock parses one content block of a message, a system prompt
// or a tool result.
func (b *builder) anthropicBlock(blk int32, c segCtx) {
	t := b.t
	if t.Kind(blk) != jsontree.Object {
		b.text(blk, c)
		return
	}
	// One pass for the members that choose how the block is read (as Get
	// finds them: the member a last-key-wins reader keeps).
	typN, idN, nameN, useN := int32(-1), int32(-1), int32(-1), int32(-1)
	for m := t.First(blk); m >= 0; m = t.Nodes[m].Next {
		n := &t.Nodes[m]
		if n.Flags&jsontree.Shadowed != 0 {
			continue
		}
		switch n.Key {
		case "type":
			typN = m
		case "id":
			idN = m
		case "name":
			nameN = m
		case "tool_use_id":
			useN = m
		}
	}
	typ := t.Str(typN)
	switch {
	case typ == "text":
		for m := t.First(blk); m >= 0; m = t.Nodes[m].Next {
			if b.shadowed(m, c) {
				continue
			}
			p := b.pushMember(m)
			switch t.Nodes[m].Key {
			case "text":
				b.text(m, c)
			case "citations":
				b.generic(m, docCtx(c))
			case "type", "cache_control":
			default:
				b.generic(m, c.withKind(interaction.KindOther))
			}
			b.pop(p)
		}
	case typ == "image":
		for m := b.t.First(blk); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, c) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "source":
				b.anthropicSource(m, c)
			case "type", "cache_control":
			default:
				b.generic(m, c.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case typ == "document" || typ == "search_result":
		dc := docCtx(c)
		for m := b.t.First(blk); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, dc) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "source":
				if t.Kind(m) == jsontree.String {
					b.media(m, dc) // search_result: the URL it came from
				} else {
					b.anthropicSource(m, dc)
				}
			case "title", "context":
				b.text(m, dc)
			case "content":
				b.anthropicContent(m, dc)
			case "type", "cache_control", "citations":
			default:
				b.generic(m, dc.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case typ == "tool_use" || typ == "server_tool_use" || typ == "mcp_tool_use":
		id := b.str(idN)
		ci := b.addCall(id, b.str(nameN), c.turn)
		ac := argCtx(id, c.turn)
		for m := t.First(blk); m >= 0; m = t.Nodes[m].Next {
			if b.shadowed(m, ac) {
				continue
			}
			p := b.pushMember(m)
			switch t.Nodes[m].Key {
			case "input":
				b.objectArgs(ci, m, ac)
			case "id", "name", "type", "caller", "server_name", "cache_control":
			default:
				b.generic(m, ac.withKind(interaction.KindOther))
			}
			b.pop(p)
		}
	case typ == "tool_result" || typ == "mcp_tool_result":
		rc := resultCtx(b.str(useN), c.turn)
		for m := t.First(blk); m >= 0; m = t.Nodes[m].Next {
			if b.shadowed(m, rc) {
				continue
			}
			p := b.pushMember(m)
			switch t.Nodes[m].Key {
			case "content":
				b.anthropicContent(m, rc)
			case "tool_use_id", "type", "is_error", "cache_control":
			default:
				b.generic(m, rc.withKind(interaction.KindOther))
			}
			b.pop(p)
		}
	case strings.HasSuffix(typ, "_tool_result"):
		// Results of server tools (web search and fetch, code execution,
		// tool search): whatever they hold came from outside.
		rc := resultCtx(b.str(useN), c.turn)
		for m := b.t.First(blk); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, rc) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "content":
				b.generic(m, rc)
			case "tool_use_id", "type", "caller", "cache_control":
			default:
				b.generic(m, rc.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case typ == "thinking":
		rc := segCtx{role: interaction.RoleAssistant, trust: interaction.TrustModel, kind: interaction.KindReasoning, turn: c.turn}
		for m := b.t.First(blk); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, rc) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "thinking":
				b.text(m, rc)
			case "signature", "type":
			default:
				b.generic(m, rc.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case typ == "redacted_thinking":
		// Encrypted reasoning: opaque.
		b.members(blk, c, func(key string, _ int32) bool { return key == "data" || key == "type" })
	case typ == "container_upload":
		for m := b.t.First(blk); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, c) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "file_id":
				b.media(m, c)
			case "type", "cache_control":
			default:
				b.generic(m, c.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	default:
		b.generic(blk, c.withKind(interaction.KindOther))
	}
}

// anthropicSource parses an image or document source: base64 data is
// opaque, URLs and file ids are media references, plain-text and content
// sources are text.
func (b *builder) anthropicSource(src int32, c segCtx) {
	t := b.t
	if t.Kind(src) != jsontree.Object {
		b.generic(src, c)
		return
	}
	typ := t.Str(t.Get(src, "type"))
	for m := b.t.First(src); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, c) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := b.t.Nodes[m].Key; key {
		case "data":
			if typ == "text" {
				b.text(m, c)
			}
			// base64 (and unknown) payloads are opaque.
			if typ != "text" && typ != "base64" && typ != "" {
				b.generic(m, c)
			}
		case "url", "file_id", "uri":
			b.media(m, c)
		case "content":
			b.anthropicContent(m, c)
		case "type", "media_type":
		default:
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// anthropicResponse parses a non-streamed Messages response.
func (b *builder) anthropicResponse(root int32) {
	t := b.t
	for m := b.t.First(root); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, respTopCtx) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := b.t.Nodes[m].Key; key {
		case "model":
			b.ix.Model = t.Str(m)
		case "content":
			b.anthropicContent(m, modelCtx)
		case "usage":
			b.anthropicUsage(m)
		case "error", "stop_details":
			b.generic(m, respTopCtx)
		case "id", "type", "role", "stop_reason", "stop_sequence", "request_id", "container", "context_management":
		default:
			b.generic(m, respTopCtx.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// anthropicUsage reads usage; cached input counts as input.
func (b *builder) anthropicUsage(v int32) {
	t := b.t
	var in int64
	seen := false
	for _, k := range []string{"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"} {
		if n, ok := t.Int(t.Get(v, k)); ok {
			in += n
			seen = true
		}
	}
	if seen {
		b.ix.Usage.InputTokens = in
	}
	if n, ok := t.Int(t.Get(v, "output_tokens")); ok {
		b.ix.Usage.OutputTokens = n
	}
}
