package llmapi

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

var operatorCtx = segCtx{role: interaction.RoleSystem, trust: interaction.TrustOperator, kind: interaction.KindText, turn: -1}

// responsesRole maps an input message role of the Responses API.
func responsesRole(role string) (interaction.Role, interaction.Trust) {
	switch role {
	case "system":
		return interaction.RoleSystem, interaction.TrustOperator
	case "developer":
		return interaction.RoleDeveloper, interaction.TrustOperator
	case "user":
		return interaction.RoleUser, interaction.TrustUser
	case "assistant":
		return interaction.RoleAssistant, interaction.TrustModel
	}
	return interaction.RoleNone, interaction.TrustUntrusted
}

// responsesRequest parses an OpenAI Responses request.
func (b *builder) responsesRequest(root int32) {
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
		case "instructions":
			if t.Kind(m) == jsontree.Array {
				b.eachIndex(m, func(it int32, _ int) { b.responsesItem(it, -1, false) })
			} else {
				b.text(m, operatorCtx)
			}
		case "input":
			if t.Kind(m) == jsontree.Array {
				b.eachIndex(m, func(it int32, i int) { b.responsesItem(it, i, false) })
			} else {
				b.text(m, segCtx{role: interaction.RoleUser, trust: interaction.TrustUser, kind: interaction.KindText, turn: 0})
			}
		case "tools":
			b.eachIndex(m, func(tool int32, _ int) { b.responsesTool(tool) })
		case "text":
			b.schema(m, topCtx)
		case "tool_choice", "include", "previous_response_id", "conversation", "reasoning", "truncation", "service_tier", "background", "store", "stream_options", "prompt_cache_retention":
			// Enumerations, ids and switches.
		default:
			b.generic(m, topCtx)
		}
		b.pop(p)
	}
}

// responsesTool parses a Responses tool definition. Function and custom
// tools are flat; built-in tools carry configuration whose strings (MCP
// server URLs and labels, allowed domains) are walked as tool text.
func (b *builder) responsesTool(tool int32) {
	t := b.t
	typ := t.Str(t.Get(tool, "type"))
	name := t.Str(t.Get(tool, "name"))
	if name == "" {
		name = t.Str(t.Get(tool, "server_label"))
	}
	if name == "" {
		name = typ
	}
	if t.Kind(tool) != jsontree.Object {
		b.generic(tool, toolDescCtx)
		return
	}
	desc := t.Str(t.Get(tool, "description"))
	if desc == "" {
		desc = t.Str(t.Get(tool, "server_description"))
	}
	b.addTool(name, desc, typ)
	b.toolFields(tool)
}

// responsesItem parses one item of a Responses input (request) or output
// (response). turn is the item's index in the input, -1 for instructions,
// 0 for response output.
func (b *builder) responsesItem(it int32, turn int, out bool) {
	t := b.t
	if t.Kind(it) == jsontree.String {
		// Shorthand some clients send: a bare string item is user text.
		b.emit(it, segCtx{role: interaction.RoleUser, trust: interaction.TrustUser, kind: interaction.KindText, turn: turn})
		return
	}
	if t.Kind(it) != jsontree.Object {
		b.generic(it, segCtx{trust: interaction.TrustUntrusted, kind: interaction.KindOther, turn: turn})
		return
	}
	// One pass for the fields that choose how the item is read (as Get
	// would: the member a last-key-wins reader keeps, if a string).
	var typ, roleName, callID, id string
	for m := t.First(it); m >= 0; m = t.Nodes[m].Next {
		n := &t.Nodes[m]
		if n.Flags&jsontree.Shadowed != 0 || n.Kind != jsontree.String {
			continue
		}
		switch n.Key {
		case "type":
			typ = n.Str
		case "role":
			roleName = n.Str
		case "call_id":
			callID = n.Str
		case "id":
			id = n.Str
		}
	}
	if typ == "" && roleName != "" {
		typ = "message"
	}
	if callID == "" {
		callID = id
	}
	callID = b.keep(callID)
	switch typ {
	case "message":
		role, trust := responsesRole(roleName)
		if out && roleName == "" {
			role, trust = interaction.RoleAssistant, interaction.TrustModel
		}
		c := segCtx{role: role, trust: trust, kind: interaction.KindText, turn: turn}
		for m := b.t.First(it); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, c) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "content":
				b.responsesContent(m, c)
			case "type", "role", "id", "status", "phase":
			default:
				b.generic(m, c.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case "reasoning":
		c := segCtx{role: interaction.RoleAssistant, trust: interaction.TrustModel, kind: interaction.KindReasoning, turn: turn}
		for m := b.t.First(it); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, c) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "summary", "content":
				b.eachIndex(m, func(part int32, _ int) { b.textPart(part, c) })
			case "encrypted_content", "type", "id", "status":
			default:
				b.generic(m, c.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case "function_call", "custom_tool_call", "mcp_approval_request":
		ci := b.addCall(callID, b.str(t.Get(it, "name")), turn)
		ac := argCtx(callID, turn)
		for m := b.t.First(it); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, ac) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "arguments":
				b.stringArgs(ci, m, ac)
			case "input":
				b.freeArgs(ci, m, ac)
			case "name", "call_id", "id", "type", "status", "server_label":
			default:
				b.generic(m, ac.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case "mcp_call":
		ci := b.addCall(callID, b.str(t.Get(it, "name")), turn)
		ac := argCtx(callID, turn)
		rc := resultCtx(callID, turn)
		for m := b.t.First(it); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, ac) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "arguments":
				b.stringArgs(ci, m, ac)
			case "output", "error":
				b.generic(m, rc)
			case "name", "call_id", "id", "type", "status", "server_label", "approval_request_id":
			default:
				b.generic(m, ac.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case "function_call_output", "custom_tool_call_output", "local_shell_call_output", "shell_call_output",
		"apply_patch_call_output", "computer_call_output":
		rc := resultCtx(callID, turn)
		for m := b.t.First(it); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, rc) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "output":
				b.responsesOutput(m, rc)
			case "call_id", "id", "type", "status":
			default:
				b.generic(m, rc.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case "web_search_call", "file_search_call", "code_interpreter_call", "local_shell_call", "shell_call",
		"computer_call", "apply_patch_call", "image_generation_call", "tool_search_call", "program":
		b.serverCall(it, typ, callID, turn)
	case "mcp_list_tools", "tool_search_output":
		// Tools loaded into the conversation: definitions the model will
		// read, from a server no one vouches for.
		rc := resultCtx(callID, turn)
		for m := b.t.First(it); m >= 0; m = b.t.Nodes[m].Next {
			if b.shadowed(m, rc) {
				continue
			}
			lvl := b.pushMember(m)
			switch key := b.t.Nodes[m].Key; key {
			case "tools":
				label := t.Str(t.Get(it, "server_label"))
				b.eachIndex(m, func(tool int32, _ int) {
					typ := t.Str(t.Get(tool, "type"))
					if label != "" {
						typ = "mcp:" + label
					}
					b.functionDef(tool, typ)
				})
			case "type", "id", "server_label", "call_id", "status", "execution":
			default:
				b.generic(m, rc.withKind(interaction.KindOther))
			}
			b.pop(lvl)
		}
	case "mcp_approval_response":
		c := segCtx{role: interaction.RoleUser, trust: interaction.TrustUser, kind: interaction.KindText, turn: turn}
		b.members(it, c, func(key string, m int32) bool {
			return key == "approval_request_id" || key == "approve" || key == "type" || key == "id"
		})
	case "item_reference", "compaction", "compaction_summary":
		// References and opaque compacted history.
		b.members(it, topCtx, func(key string, m int32) bool {
			return key == "id" || key == "type" || key == "encrypted_content"
		})
	default:
		role, trust := responsesRole(roleName)
		if out {
			role, trust = interaction.RoleAssistant, interaction.TrustModel
		}
		b.generic(it, segCtx{role: role, trust: trust, kind: interaction.KindOther, turn: turn})
	}
}

// keep clones s in stream mode (see builder.str).
func (b *builder) keep(s string) string {
	if b.stream {
		return strings.Clone(s)
	}
	return s
}

// members walks the members of object v: fn handles a key and returns true,
// or returns false to have the member walked generically with c. Shadowed
// duplicates are walked generically. The walkers of the blocks, parts and
// items a body holds many of spell this loop out with a switch (shadowed,
// pushMember, switch on the key with generic as the default, pop): the
// call through fn per member cost about 5% of a request.
func (b *builder) members(v int32, c segCtx, fn func(key string, m int32) bool) {
	t := b.t
	for m := t.First(v); m >= 0; m = t.Next(m) {
		if b.shadowed(m, c) {
			continue
		}
		key := t.Nodes[m].Key
		p := b.pushMember(m)
		if !fn(key, m) {
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(p)
	}
}

// textPart parses a {type, text} part (summary_text, reasoning_text,
// input_text, ...).
func (b *builder) textPart(part int32, c segCtx) {
	if b.t.Kind(part) != jsontree.Object {
		b.text(part, c)
		return
	}
	for m := b.t.First(part); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, c) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := b.t.Nodes[m].Key; key {
		case "text":
			b.text(m, c)
		case "type":
		default:
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// responsesContent parses message content: a string or content parts.
func (b *builder) responsesContent(v int32, c segCtx) {
	t := b.t
	if t.Kind(v) != jsontree.Array {
		b.text(v, c)
		return
	}
	b.eachIndex(v, func(part int32, _ int) { b.responsesPart(part, c) })
}

func (b *builder) responsesPart(part int32, c segCtx) {
	t := b.t
	if t.Kind(part) != jsontree.Object {
		b.text(part, c)
		return
	}
	for m := b.t.First(part); m >= 0; m = b.t.Nodes[m].Next {
		if b.shadowed(m, c) {
			continue
		}
		lvl := b.pushMember(m)
		switch key := b.t.Nodes[m].Key; key {
		case "text", "refusal":
			b.text(m, c)
		case "image_url", "file_id", "file_url":
			b.media(m, c)
		case "input_audio":
			b.skipFields(m, c, "data")
		case "filename":
			b.text(m, c.withKind(interaction.KindDocument))
		case "annotations", "logprobs":
			if key == "annotations" {
				b.generic(m, c.withKind(interaction.KindOther))
			}
		case "type", "detail", "file_data":
		default:
			b.generic(m, c.withKind(interaction.KindOther))
		}
		b.pop(lvl)
	}
}

// responsesOutput parses a tool output: a string, content parts, or an
// object (shell outputs, screenshots).
func (b *builder) responsesOutput(v int32, rc segCtx) {
	t := b.t
	switch t.Kind(v) {
	case jsontree.String:
		b.emit(v, rc)
	case jsontree.Array:
		b.eachIndex(v, func(e int32, _ int) {
			if t.Kind(e) == jsontree.Object && t.Str(t.Get(e, "type")) != "" && t.Get(e, "stdout") < 0 {
				b.responsesPart(e, rc)
			} else {
				b.generic(e, rc)
			}
		})
	case jsontree.Object:
		b.responsesPart(v, rc)
	}
}

// serverCallArgs names the member holding a built-in tool call's arguments.
var serverCallArgs = map[string]string{
	"web_search_call":       "action",
	"local_shell_call":      "action",
	"shell_call":            "action",
	"computer_call":         "action",
	"apply_patch_call":      "operation",
	"file_search_call":      "queries",
	"code_interpreter_call": "code",
	"image_generation_call": "revised_prompt",
	"tool_search_call":      "arguments",
	"program":               "code",
}

// serverCall parses a call of a built-in tool (web search, shells,
// computer use, patching, code interpreter...). Its arguments are what the
// model asked the tool to do; results carried in the item (file search
// hits, interpreter logs, shell output) are untrusted tool results.
func (b *builder) serverCall(it int32, typ, callID string, turn int) {
	t := b.t
	name := strings.TrimSuffix(typ, "_call")
	ci := b.addCall(callID, name, turn)
	ac := argCtx(callID, turn)
	rc := resultCtx(callID, turn)
	argKey := serverCallArgs[typ]
	b.members(it, ac, func(key string, m int32) bool {
		switch key {
		case argKey:
			switch t.Kind(m) {
			case jsontree.Object:
				if typ == "web_search_call" {
					b.webSearchAction(ci, m, ac, rc)
					break
				}
				b.objectArgsWalk(ci, m, ac, true)
			case jsontree.String:
				if typ == "tool_search_call" {
					b.stringArgs(ci, m, ac)
				} else {
					b.freeArgs(ci, m, ac)
				}
			default:
				b.objectArgsWalk(ci, m, ac, true)
			}
		case "results", "outputs", "output", "result":
			if key == "result" && typ == "image_generation_call" {
				return true // the generated image, base64
			}
			b.generic(m, rc)
		case "type", "id", "call_id", "status", "container_id", "pending_safety_checks", "execution":
			if key == "pending_safety_checks" {
				b.generic(m, ac.withKind(interaction.KindOther))
			}
		default:
			return false
		}
		return true
	})
}

// webSearchAction parses a web search call's action: the query (or the
// page and pattern) are its arguments; the sources it consulted are
// results.
func (b *builder) webSearchAction(ci int, v int32, ac, rc segCtx) {
	call := &b.ix.ToolCalls[ci]
	call.Arguments = b.raw(v)
	if b.ps != nil {
		b.ps.retain(call.Arguments)
	}
	b.objectArgsMap(ci, v)
	b.members(v, ac, func(key string, m int32) bool {
		switch key {
		case "sources":
			b.generic(m, rc)
		case "type":
		default:
			first := len(b.ix.Segments)
			b.generic(m, ac)
			b.ix.ToolCalls[ci].ArgSegments = segRange(b.ix.ToolCalls[ci].ArgSegments, first, len(b.ix.Segments))
		}
		return true
	})
}

// responsesResponse parses a non-streamed Responses response. Fields the
// response echoes from the request (instructions, tools, metadata) were
// scanned with the request and are skipped here.
func (b *builder) responsesResponse(root int32) {
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
		case "output":
			b.eachIndex(m, func(it int32, _ int) { b.responsesItem(it, 0, true) })
		case "output_text":
			// SDK convenience field: the output messages' text again.
		case "usage":
			b.usage(m, "input_tokens", "output_tokens")
		case "error", "incomplete_details":
			b.generic(m, respTopCtx)
		case "instructions", "tools", "metadata", "tool_choice", "text", "reasoning", "prompt", "user",
			"safety_identifier", "prompt_cache_key", "include", "previous_response_id", "conversation",
			"id", "object", "created_at", "completed_at", "status", "background", "billing", "max_output_tokens",
			"max_tool_calls", "parallel_tool_calls", "service_tier", "store", "temperature", "top_logprobs",
			"top_p", "truncation", "prompt_cache_retention":
		default:
			b.generic(m, respTopCtx)
		}
		b.pop(p)
	}
}
