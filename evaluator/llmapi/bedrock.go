package llmapi

import (
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// converseRequest parses a Bedrock Converse request. Content blocks are
// unions told apart by their single key (text, image, toolUse, ...).
func (b *builder) converseRequest(root int32) {
	t := b.t
	b.members(root, topCtx, func(key string, m int32) bool {
		switch key {
		case "messages":
			b.eachIndex(m, func(msg int32, turn int) {
				role, trust := anthropicRole(t.Str(t.Get(msg, "role")))
				c := segCtx{role: role, trust: trust, kind: interaction.KindText, turn: turn}
				if t.Kind(msg) != jsontree.Object {
					b.generic(msg, c)
					return
				}
				for m := b.t.First(msg); m >= 0; m = b.t.Nodes[m].Next {
					if b.shadowed(m, c) {
						continue
					}
					lvl := b.pushMember(m)
					switch key := b.t.Nodes[m].Key; key {
					case "content":
						b.converseBlocks(m, c)
					case "role":
					default:
						b.generic(m, c.withKind(interaction.KindOther))
					}
					b.pop(lvl)
				}
			})
		case "system":
			b.converseBlocks(m, operatorCtx)
		case "toolConfig":
			for v := b.t.First(m); v >= 0; v = b.t.Nodes[v].Next {
				if b.shadowed(v, toolDescCtx) {
					continue
				}
				lvl := b.pushMember(v)
				switch key := b.t.Nodes[v].Key; key {
				case "tools":
					b.eachIndex(v, func(tool int32, _ int) { b.converseTool(tool) })
				case "toolChoice":
				default:
					b.generic(v, toolDescCtx.withKind(interaction.KindOther))
				}
				b.pop(lvl)
			}
		case "modelId":
			if t.Kind(m) != jsontree.String {
				return false
			}
			if b.ix.Model == "" {
				b.ix.Model = t.Str(m)
			}
		case "guardrailConfig", "performanceConfig", "additionalModelResponseFieldPaths", "serviceTier":
		default:
			return false
		}
		return true
	})
}

// converseTool parses {toolSpec: {name, description, inputSchema: {json}}}
// and other tool kinds (systemTool, cachePoint).
func (b *builder) converseTool(tool int32) {
	t := b.t
	if t.Kind(tool) != jsontree.Object {
		b.generic(tool, toolDescCtx)
		return
	}
	b.members(tool, toolDescCtx, func(key string, m int32) bool {
		switch key {
		case "toolSpec":
			b.functionDef(m, "function")
		case "cachePoint":
		default:
			b.addTool(t.Str(t.Get(m, "name")), "", key)
			return false
		}
		return true
	})
}

// converseBlocks parses an array of content blocks.
func (b *builder) converseBlocks(v int32, c segCtx) {
	if b.t.Kind(v) != jsontree.Array {
		b.text(v, c)
		return
	}
	b.eachIndex(v, func(blk int32, _ int) { b.converseBlock(blk, c) })
}

// converseBlock parses one ContentBlock union.
func (b *builder) converseBlock(blk int32, c segCtx) {
	t := b.t
	if t.Kind(blk) != jsontree.Object {
		b.text(blk, c)
		return
	}
	for m := b.t.First(blk); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, c) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := b.t.Nodes[m].Key; key {
		case "text":
			b.text(m, c)
		case "image", "video":
			b.converseMedia(m, c)
		case "document":
			b.converseMedia(m, docCtx(c))
		case "toolUse":
			id := b.str(t.Get(m, "toolUseId"))
			ci := b.addCall(id, b.str(t.Get(m, "name")), c.turn)
			ac := argCtx(id, c.turn)
			for v := b.t.First(m); v >= 0; v = b.t.Nodes[v].Next {
				if b.shadowed(v, ac) {
					continue
				}
				lvl := b.pushMember(v)
				switch key := b.t.Nodes[v].Key; key {
				case "input":
					b.objectArgs(ci, v, ac)
				case "toolUseId", "name", "type":
				default:
					b.generic(v, ac.withKind(interaction.KindOther))
				}
				b.pop(lvl)
			}
		case "toolResult":
			rc := resultCtx(b.str(t.Get(m, "toolUseId")), c.turn)
			for v := b.t.First(m); v >= 0; v = b.t.Nodes[v].Next {
				if b.shadowed(v, rc) {
					continue
				}
				lvl := b.pushMember(v)
				switch key := b.t.Nodes[v].Key; key {
				case "content":
					b.eachIndex(v, func(e int32, _ int) { b.converseResultBlock(e, rc) })
				case "toolUseId", "status", "type":
				default:
					b.generic(v, rc.withKind(interaction.KindOther))
				}
				b.pop(lvl)
			}
		case "reasoningContent":
			rc := segCtx{role: interaction.RoleAssistant, trust: interaction.TrustModel, kind: interaction.KindReasoning, turn: c.turn}
			for v := b.t.First(m); v >= 0; v = b.t.Nodes[v].Next {
				if b.shadowed(v, rc) {
					continue
				}
				lvl := b.pushMember(v)
				switch key := b.t.Nodes[v].Key; key {
				case "reasoningText":
					for x := b.t.First(v); x >= 0; x = b.t.Nodes[x].Next {
						if b.shadowed(x, rc) {
							continue
						}
						lvl := b.pushMember(x)
						switch key := b.t.Nodes[x].Key; key {
						case "text":
							b.text(x, rc)
						case "signature":
						default:
							b.generic(x, rc.withKind(interaction.KindOther))
						}
						b.pop(lvl)
					}
				case "redactedContent":
				default:
					b.generic(v, rc.withKind(interaction.KindOther))
				}
				b.pop(lvl)
			}
		case "guardContent":
			b.generic(m, c)
		case "cachePoint":
		default:
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// converseResultBlock parses a ToolResultContentBlock: text, json (one
// segment per string leaf), image, document, video.
func (b *builder) converseResultBlock(e int32, rc segCtx) {
	t := b.t
	if t.Kind(e) != jsontree.Object {
		b.leaves(e, rc)
		return
	}
	for v := b.t.First(e); v >= 0; v = b.t.Nodes[v].Next {
		if b.shadowed(v, rc) {
			continue
		}
		lvl := b.pushMember(v)
		switch key := b.t.Nodes[v].Key; key {
		case "text":
			b.text(v, rc)
		case "json":
			b.leaves(v, rc)
		case "image", "video":
			b.converseMedia(v, rc)
		case "document":
			b.converseMedia(v, docCtx(rc))
		default:
			b.generic(v, rc.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// converseMedia parses an image, video or document block: bytes are
// opaque, S3 locations are media references, text sources are text.
func (b *builder) converseMedia(v int32, c segCtx) {
	t := b.t
	if t.Kind(v) != jsontree.Object {
		b.generic(v, c)
		return
	}
	for m := b.t.First(v); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, c) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := b.t.Nodes[m].Key; key {
		case "source":
			for s := b.t.First(m); s >= 0; s = b.t.Nodes[s].Next {
				if b.shadowed(s, c) {
					continue
				}
				lvl := b.pushMember(s)
				switch key := b.t.Nodes[s].Key; key {
				case "bytes":
				case "s3Location":
					b.mediaFields(s, c, "uri")
				case "text":
					b.text(s, c)
				case "content":
					b.eachIndex(s, func(e int32, _ int) { b.converseResultBlock(e, c) })
				default:
					b.generic(s, c.withKind(interaction.KindOther))
				}
				b.pop(lvl)
			}
		case "name", "context":
			b.text(m, c.withKind(interaction.KindDocument))
		case "format", "citations":
		default:
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// converseResponse parses a non-streamed Converse response.
func (b *builder) converseResponse(root int32) {
	t := b.t
	b.members(root, respTopCtx, func(key string, m int32) bool {
		switch key {
		case "output":
			b.members(m, modelCtx, func(key string, v int32) bool {
				if key != "message" {
					return false
				}
				for x := b.t.First(v); x >= 0; x = b.t.Nodes[x].Next {
					if b.shadowed(x, modelCtx) {
						continue
					}
					lvl := b.pushMember(x)
					switch key := b.t.Nodes[x].Key; key {
					case "content":
						b.converseBlocks(x, modelCtx)
					case "role":
					default:
						b.generic(x, modelCtx.withKind(interaction.KindOther))
					}
					b.pop(lvl)
				}
				return true
			})
		case "usage":
			b.usage(m, "inputTokens", "outputTokens")
		case "stopReason", "metrics", "performanceConfig", "serviceTier":
		case "message", "Message":
			// Error bodies: {"message": "..."}.
			b.generic(m, respTopCtx)
		default:
			return false
		}
		return true
	})
	_ = t
}
