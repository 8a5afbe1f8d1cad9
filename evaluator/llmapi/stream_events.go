package llmapi

import (
	"encoding/base64"
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

var (
	reasoningCtx = segCtx{role: interaction.RoleAssistant, trust: interaction.TrustModel, kind: interaction.KindReasoning}
	modelOther   = modelCtx.withKind(interaction.KindOther)
)

// topField handles a top-level event field sluice has no rule for: its
// latest value is walked, replacing the previous one, so that a field
// repeated in every event is scanned once.
func (a *StreamAssembler) topField(m int32) {
	key := a.tree.Nodes[m].Key
	s := a.slotFor(bkey{tag: tagTop, name: key})
	if !s.changed(a.tree.Raw(m)) {
		return // the same value as in the previous event
	}
	a.staticSlot(s, "stream."+key, func(b *builder) {
		b.path = jsontree.AppendKey(b.path[:0], "stream")
		b.path = jsontree.AppendKey(b.path, key)
		b.generic(m, respTopCtx)
	})
}

// shadowed reports a member a later duplicate key overrides: handlers use
// the last value, as lenient readers do, and walkShadowed scans the rest.
func shadowed(t *jsontree.Tree, m int32) bool { return t.Nodes[m].Flags&jsontree.Shadowed != 0 }

// walkShadowed scans every value of the current event that a duplicate key
// shadows, so that text a strict reader would see is not lost.
func (a *StreamAssembler) walkShadowed() {
	t := &a.tree
	dup := false
	for _, an := range t.Anomalies {
		dup = dup || an.Kind == jsontree.DuplicateKey
	}
	if !dup {
		return
	}
	for i := range t.Nodes {
		if t.Nodes[i].Flags&jsontree.Shadowed == 0 {
			continue
		}
		v := int32(i)
		path := "stream." + t.Path(v)
		a.appendStatic(a.newSlot(), path, func(b *builder) { b.leaves(v, modelOther) })
	}
}

// ---- OpenAI Chat Completions chunks ----

func (a *StreamAssembler) chatEvent(root int32) {
	t := &a.tree
	for m := t.First(root); m >= 0; m = t.Next(m) {
		if shadowed(t, m) {
			continue // walked by walkShadowed
		}
		switch t.Nodes[m].Key {
		case "model":
			a.setModel(t.Str(m))
		case "usage":
			if n, ok := t.Int(t.Get(m, "prompt_tokens")); ok {
				a.usage.InputTokens = n
			}
			if n, ok := t.Int(t.Get(m, "completion_tokens")); ok {
				a.usage.OutputTokens = n
			}
		case "choices":
			pos := int32(0)
			for ch := t.First(m); ch >= 0; ch = t.Next(ch) {
				a.chatChoice(intField(t, ch, "index", pos), ch)
				pos++
			}
		case "error":
			a.staticSlot(nil, "stream.error", func(b *builder) { b.generic(m, respTopCtx) })
			a.done = true
		case "id", "object", "created", "system_fingerprint", "service_tier", "obfuscation":
		default:
			a.topField(m)
		}
	}
}

func (a *StreamAssembler) chatChoice(ci int32, ch int32) {
	t := &a.tree
	base := a.loc(bkey{tag: locChoice, i: ci}, func() string { return "stream.choices" + idx(ci) })
	for m := t.First(ch); m >= 0; m = t.Next(m) {
		if shadowed(t, m) {
			continue // walked by walkShadowed
		}
		switch key := t.Nodes[m].Key; key {
		case "delta", "message":
			a.chatDelta(ci, base, m)
		case "finish_reason":
			if t.Kind(m) == jsontree.String {
				for k, c := range a.calls {
					if k.tag == tagChatTool && k.i == ci {
						c.complete = true
					}
				}
			}
		case "index", "logprobs":
		default:
			s := a.slotFor(bkey{tag: tagChatChoice, i: ci, name: key})
			if !s.changed(t.Raw(m)) {
				continue
			}
			a.staticSlot(s, base, func(b *builder) {
				p := b.pushKey(key)
				b.generic(m, modelOther)
				b.pop(p)
			})
		}
	}
}

func (a *StreamAssembler) chatDelta(ci int32, base string, d int32) {
	t := &a.tree
	if t.Kind(d) != jsontree.Object {
		return
	}
	// text appends a string delta; field is the member under the message,
	// suffix ".message."+field (a constant at the hot call sites).
	text := func(tag uint8, field, suffix string, c segCtx, v int32) {
		if t.Kind(v) != jsontree.String {
			if t.Kind(v) != jsontree.Null {
				a.staticSlot(nil, base+".message", func(b *builder) {
					p := b.pushKey(field)
					b.chatContent(v, c)
					b.pop(p)
				})
			}
			return
		}
		s := t.Str(v)
		if s == "" {
			return
		}
		k := bkey{tag: tag, i: ci}
		if tag == tagChatOther {
			k.name = field
		}
		blk := a.blockFor(k, a.slotFor(bkey{tag: tagChatChoice, i: ci, name: field}), base, suffix, c)
		blk.text.WriteString(s)
	}
	for m := t.First(d); m >= 0; m = t.Next(m) {
		if shadowed(t, m) {
			continue // walked by walkShadowed
		}
		switch key := t.Nodes[m].Key; key {
		case "content":
			text(tagChatContent, "content", ".message.content", modelCtx, m)
		case "refusal":
			text(tagChatRefusal, "refusal", ".message.refusal", modelCtx, m)
		case "reasoning_content", "reasoning":
			text(tagChatReasoning, key, ".message."+key, reasoningCtx, m)
		case "audio":
			if tr := t.Get(m, "transcript"); tr >= 0 {
				text(tagChatAudio, "audio.transcript", ".message.audio.transcript", modelCtx, tr)
			}
		case "tool_calls":
			pos := int32(0)
			for tc := t.First(m); tc >= 0; tc = t.Next(tc) {
				a.chatToolDelta(ci, intField(t, tc, "index", pos), base, tc, false)
				pos++
			}
		case "function_call":
			a.chatToolDelta(ci, -1, base, m, true)
		case "role":
		default:
			if t.Kind(m) == jsontree.String {
				text(tagChatOther, key, ".message."+key, modelOther, m)
			} else if t.Kind(m) != jsontree.Null {
				a.staticSlot(nil, base+".message", func(b *builder) {
					p := b.pushKey(key)
					b.generic(m, modelOther)
					b.pop(p)
				})
			}
		}
	}
}

func (a *StreamAssembler) chatToolDelta(ci, k int32, base string, tc int32, legacy bool) {
	t := &a.tree
	key := bkey{tag: tagChatTool, i: ci, j: k}
	c := a.calls[key]
	fn := tc
	if !legacy {
		fn = t.Get(tc, "function")
		if fn < 0 {
			fn = t.Get(tc, "custom")
		}
	}
	if c == nil {
		loc := base + ".message.function_call"
		argLoc := loc + ".arguments"
		if !legacy {
			loc = base + ".message.tool_calls" + idx(k)
			if t.Get(tc, "custom") >= 0 {
				argLoc = loc + ".custom.input"
			} else {
				argLoc = loc + ".function.arguments"
			}
		}
		s := a.newSlot()
		c = &scall{loc: loc}
		c.args = s.addBlock(argLoc, argCtx("", 0))
		c.free = t.Get(tc, "custom") >= 0
		s.calls = append(s.calls, c)
		a.calls[key] = c
	}
	if id := t.Str(t.Get(tc, "id")); id != "" && c.id == "" {
		c.id = strings.Clone(id)
		c.args.callID = c.id
	}
	if name := t.Str(t.Get(fn, "name")); name != "" && c.name == "" {
		c.name = strings.Clone(name)
	}
	if args := t.Str(t.Get(fn, "arguments")); args != "" {
		c.args.text.WriteString(args)
	} else if in := t.Str(t.Get(fn, "input")); in != "" {
		c.args.text.WriteString(in)
	}
}

// ---- OpenAI Responses events ----

func (a *StreamAssembler) responsesEvent(root int32) {
	t := &a.tree
	typ := t.Str(t.Get(root, "type"))
	oi := intField(t, root, "output_index", 0)
	outBase := a.loc(bkey{tag: locOutput, i: oi}, func() string { return "stream.output" + idx(oi) })
	switch typ {
	case "response.created":
		a.newMessage()
		a.setModel(t.Str(t.Get(t.Get(root, "response"), "model")))
	case "response.in_progress", "response.queued":
		a.setModel(t.Str(t.Get(t.Get(root, "response"), "model")))
	case "response.output_item.added":
		a.responsesItemAdded(oi, outBase, t.Get(root, "item"))
	case "response.output_item.done":
		item := t.Get(root, "item")
		s := a.slotFor(bkey{tag: tagSlot, i: oi})
		a.staticSlot(s, outBase, func(b *builder) { b.responsesItem(item, 0, true) })
		s.final = true
	case "response.content_part.added", "response.content_part.done":
		ci := intField(t, root, "content_index", 0)
		part := t.Get(root, "part")
		field := "text"
		if t.Str(t.Get(part, "type")) == "refusal" {
			field = "refusal"
		}
		a.responsesText(oi, ci, tagText, outBase, ".content", "."+field, modelCtx, t.GetStr(part, field), typ == "response.content_part.done")
	case "response.output_text.delta":
		ci := intField(t, root, "content_index", 0)
		a.responsesText(oi, ci, tagText, outBase, ".content", ".text", modelCtx, t.Str(t.Get(root, "delta")), false)
	case "response.output_text.done":
		ci := intField(t, root, "content_index", 0)
		a.responsesText(oi, ci, tagText, outBase, ".content", ".text", modelCtx, t.Str(t.Get(root, "text")), true)
	case "response.refusal.delta", "response.refusal.done":
		ci := intField(t, root, "content_index", 0)
		v := t.Str(t.Get(root, "delta"))
		if typ == "response.refusal.done" {
			v = t.Str(t.Get(root, "refusal"))
		}
		a.responsesText(oi, ci, tagRefusal, outBase, ".content", ".refusal", modelCtx, v, typ == "response.refusal.done")
	case "response.reasoning_summary_part.added", "response.reasoning_summary_part.done":
		si := intField(t, root, "summary_index", 0)
		a.responsesText(oi, si, tagSummary, outBase, ".summary", ".text", reasoningCtx, t.Str(t.Get(t.Get(root, "part"), "text")), typ == "response.reasoning_summary_part.done")
	case "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done":
		si := intField(t, root, "summary_index", 0)
		v, done := t.Str(t.Get(root, "delta")), false
		if strings.HasSuffix(typ, ".done") {
			v, done = t.Str(t.Get(root, "text")), true
		}
		a.responsesText(oi, si, tagSummary, outBase, ".summary", ".text", reasoningCtx, v, done)
	case "response.reasoning_text.delta", "response.reasoning_text.done":
		ci := intField(t, root, "content_index", 0)
		v, done := t.Str(t.Get(root, "delta")), false
		if strings.HasSuffix(typ, ".done") {
			v, done = t.Str(t.Get(root, "text")), true
		}
		a.responsesText(oi, ci, tagReasoning, outBase, ".content", ".text", reasoningCtx, v, done)
	case "response.function_call_arguments.delta", "response.mcp_call_arguments.delta",
		"response.custom_tool_call_input.delta", "response.code_interpreter_call_code.delta",
		"response.apply_patch_call_operation_diff.delta":
		if c := a.responsesCall(oi, outBase, "", ""); c != nil {
			c.args.text.WriteString(t.Str(t.Get(root, "delta")))
		}
	case "response.function_call_arguments.done", "response.mcp_call_arguments.done",
		"response.custom_tool_call_input.done", "response.code_interpreter_call_code.done",
		"response.apply_patch_call_operation_diff.done":
		if c := a.responsesCall(oi, outBase, "", ""); c != nil {
			for _, f := range []string{"arguments", "input", "code", "diff"} {
				if v := t.Get(root, f); t.Kind(v) == jsontree.String {
					c.args.set(t.Str(v))
					break
				}
			}
			c.complete = true
		}
	case "response.shell_call_command.added", "response.shell_call_command.delta", "response.shell_call_command.done":
		k := intField(t, root, "command_index", 0)
		c := a.responsesCall(oi, outBase, "shell", "")
		s := a.slotFor(bkey{tag: tagSlot, i: oi})
		if s.final {
			return
		}
		blk, ok := a.blocks[bkey{tag: tagCommand, i: oi, j: k}]
		if !ok {
			blk = a.blockFor(bkey{tag: tagCommand, i: oi, j: k}, s, outBase, ".action.commands"+idx(k), argCtx(c.id, 0))
			c.argBlocks = append(c.argBlocks, blk)
		}
		switch {
		case strings.HasSuffix(typ, ".delta"):
			blk.text.WriteString(t.Str(t.Get(root, "delta")))
		default:
			if v := t.Str(t.Get(root, "command")); v != "" {
				blk.set(v)
			}
		}
	case "response.shell_call_output_content.delta":
		k := intField(t, root, "command_index", 0)
		s := a.slotFor(bkey{tag: tagSlot, i: oi})
		if s.final {
			return
		}
		d := t.Get(root, "delta")
		for m := t.First(d); m >= 0; m = t.Next(m) {
			if shadowed(t, m) {
				continue // walked by walkShadowed
			}
			if t.Kind(m) != jsontree.String {
				continue
			}
			f := t.Nodes[m].Key
			blk := a.blockFor(bkey{tag: tagShellOut, i: oi, j: k, name: f}, s, outBase, ".output"+idx(k)+"."+f, resultCtx("", 0))
			blk.text.WriteString(t.Str(m))
		}
	case "response.output_text.annotation.added":
		ci := intField(t, root, "content_index", 0)
		ai := intField(t, root, "annotation_index", 0)
		s := a.slotFor(bkey{tag: tagSlot, i: oi})
		if s.final {
			return
		}
		an := t.Get(root, "annotation")
		a.appendStatic(s, outBase+".content"+idx(ci)+".annotations"+idx(ai), func(b *builder) { b.generic(an, modelOther) })
	case "response.completed", "response.failed", "response.incomplete":
		resp := t.Get(root, "response")
		a.setModel(t.Str(t.Get(resp, "model")))
		if u := t.Get(resp, "usage"); t.Kind(u) == jsontree.Object {
			if n, ok := t.Int(t.Get(u, "input_tokens")); ok {
				a.usage.InputTokens = n
			}
			if n, ok := t.Int(t.Get(u, "output_tokens")); ok {
				a.usage.OutputTokens = n
			}
		}
		// Items whose done event was not seen (or elided) come from the
		// final response.
		i := int32(0)
		for it := t.First(t.Get(resp, "output")); it >= 0; it = t.Next(it) {
			s := a.slotFor(bkey{tag: tagSlot, i: i})
			if !s.final {
				item := it
				a.staticSlot(s, "stream.output"+idx(i), func(b *builder) { b.responsesItem(item, 0, true) })
				s.final = true
			}
			i++
		}
		for _, f := range []string{"error", "incomplete_details"} {
			if v := t.Get(resp, f); t.Kind(v) == jsontree.Object {
				s := a.slotFor(bkey{tag: tagTop, name: f})
				a.staticSlot(s, "stream.response."+f, func(b *builder) { b.generic(v, modelOther) })
			}
		}
		a.done = true
	case "error":
		a.staticSlot(nil, "stream.error", func(b *builder) {
			for m := t.First(root); m >= 0; m = t.Next(m) {
				if shadowed(t, m) {
					continue // walked by walkShadowed
				}
				if k := t.Nodes[m].Key; k != "sequence_number" {
					p := b.pushKey(k)
					b.generic(m, modelOther)
					b.pop(p)
				}
			}
		})
		a.done = true
	case "response.shell_call_output_content.done":
		// The output item's done event carries the whole output.
	default:
		if strings.HasSuffix(typ, ".in_progress") || strings.HasSuffix(typ, ".searching") ||
			strings.HasSuffix(typ, ".completed") || strings.HasSuffix(typ, ".interpreting") ||
			strings.HasSuffix(typ, ".generating") || strings.HasSuffix(typ, ".partial_image") ||
			strings.HasSuffix(typ, ".added") && strings.Contains(typ, "content_part") {
			return // progress markers; partial images are base64
		}
		// An event sluice does not know: scan its strings.
		a.staticSlot(nil, "stream.event", func(b *builder) {
			for m := t.First(root); m >= 0; m = t.Next(m) {
				if shadowed(t, m) {
					continue // walked by walkShadowed
				}
				switch t.Nodes[m].Key {
				case "type", "sequence_number", "output_index", "item_id", "content_index", "obfuscation":
					continue
				}
				p := b.pushKey(t.Nodes[m].Key)
				b.generic(m, modelOther)
				b.pop(p)
			}
		})
	}
}

// responsesText appends to (or, for a done event, sets) a text block of
// output item oi, part ci, at outBase+part[ci]+field.
func (a *StreamAssembler) responsesText(oi, ci int32, tag uint8, outBase, part, field string, c segCtx, v string, done bool) {
	s := a.slotFor(bkey{tag: tagSlot, i: oi})
	if s.final {
		return
	}
	k := bkey{tag: tag, i: oi, j: ci}
	if v == "" && !done {
		return
	}
	blk, ok := a.blocks[k]
	if !ok {
		blk = a.blockFor(k, s, outBase, part+idx(ci)+field, c)
	}
	if done {
		blk.set(v)
	} else {
		blk.text.WriteString(v)
	}
}

// responsesCall returns the call being streamed in output item oi,
// creating it (named name) when the item was not announced.
func (a *StreamAssembler) responsesCall(oi int32, outBase, name, id string) *scall {
	s := a.slotFor(bkey{tag: tagSlot, i: oi})
	if s.final {
		return nil
	}
	k := bkey{tag: tagCall, i: oi}
	if c, ok := a.calls[k]; ok {
		return c
	}
	c := &scall{id: strings.Clone(id), name: strings.Clone(name), loc: outBase}
	c.args = s.addBlock(outBase+".arguments", argCtx(c.id, 0))
	s.calls = append(s.calls, c)
	a.calls[k] = c
	return c
}

// responsesItemAdded starts an output item. Calls whose arguments stream
// get their call now; other items wait for their done event.
func (a *StreamAssembler) responsesItemAdded(oi int32, outBase string, item int32) {
	t := &a.tree
	typ := t.Str(t.Get(item, "type"))
	id := t.Str(t.Get(item, "call_id"))
	if id == "" {
		id = t.Str(t.Get(item, "id"))
	}
	var field, name string
	free := false
	switch typ {
	case "function_call", "mcp_call", "mcp_approval_request":
		field, name = "arguments", t.Str(t.Get(item, "name"))
	case "custom_tool_call":
		field, name, free = "input", t.Str(t.Get(item, "name")), true
	case "code_interpreter_call":
		field, name, free = "code", "code_interpreter", true
	case "apply_patch_call":
		field, name, free = "operation.diff", "apply_patch", true
	case "shell_call":
		name = "shell"
	default:
		a.slotFor(bkey{tag: tagSlot, i: oi}) // keep the item's place
		return
	}
	c := a.responsesCall(oi, outBase, name, id)
	if c == nil {
		return
	}
	c.free = free
	if field == "" {
		c.args.loc = outBase + ".action"
		return
	}
	c.args.loc = outBase + "." + field
	if v := t.GetStr(item, field); v != "" {
		c.args.set(v)
	}
}

// ---- Anthropic Messages events ----

func (a *StreamAssembler) anthropicEvent(root int32) {
	t := &a.tree
	i := intField(t, root, "index", 0)
	base := a.loc(bkey{tag: locContent, i: i}, func() string { return "stream.content" + idx(i) })
	switch t.Str(t.Get(root, "type")) {
	case "message_start":
		a.newMessage()
		msg := t.Get(root, "message")
		a.setModel(t.Str(t.Get(msg, "model")))
		if u := t.Get(msg, "usage"); t.Kind(u) == jsontree.Object {
			a.anthropicStreamUsage(u)
		}
		if c := t.Get(msg, "content"); t.Kind(c) == jsontree.Array && t.Nodes[c].Len > 0 {
			a.staticSlot(nil, "stream.content", func(b *builder) { b.anthropicContent(c, modelCtx) })
		}
	case "content_block_start":
		cb := t.Get(root, "content_block")
		s := a.slotFor(bkey{tag: tagSlot, i: i})
		switch typ := t.Str(t.Get(cb, "type")); typ {
		case "text":
			a.staticSlot(s, "", func(*builder) {}) // a restarted index begins afresh
			blk := a.blockFor(bkey{tag: tagText, i: i}, s, base, ".text", modelCtx)
			blk.text.WriteString(t.Str(t.Get(cb, "text")))
		case "thinking":
			a.staticSlot(s, "", func(*builder) {})
			blk := a.blockFor(bkey{tag: tagReasoning, i: i}, s, base, ".thinking", reasoningCtx)
			blk.text.WriteString(t.Str(t.Get(cb, "thinking")))
		case "redacted_thinking":
		case "tool_use", "server_tool_use", "mcp_tool_use":
			a.staticSlot(s, "", func(*builder) {})
			id := strings.Clone(t.Str(t.Get(cb, "id")))
			c := &scall{id: id, name: strings.Clone(t.Str(t.Get(cb, "name"))), loc: base}
			c.args = s.addBlock(base+".input", argCtx(id, 0))
			if in := t.Get(cb, "input"); t.Kind(in) == jsontree.Object && t.Nodes[in].Len > 0 {
				// Input given whole at the start; deltas, if any, replace it.
				c.args.text.WriteString(t.Raw(in))
				c.startWhole = true
			}
			s.calls = append(s.calls, c)
			a.calls[bkey{tag: tagCall, i: i}] = c
		default:
			a.staticSlot(s, base, func(b *builder) { b.anthropicBlock(cb, modelCtx) })
		}
	case "content_block_delta":
		d := t.Get(root, "delta")
		s := a.slotFor(bkey{tag: tagSlot, i: i})
		switch t.Str(t.Get(d, "type")) {
		case "text_delta":
			a.blockFor(bkey{tag: tagText, i: i}, s, base, ".text", modelCtx).text.WriteString(t.Str(t.Get(d, "text")))
		case "thinking_delta":
			a.blockFor(bkey{tag: tagReasoning, i: i}, s, base, ".thinking", reasoningCtx).text.WriteString(t.Str(t.Get(d, "thinking")))
		case "input_json_delta":
			c := a.calls[bkey{tag: tagCall, i: i}]
			if c == nil {
				c = &scall{loc: base}
				c.args = s.addBlock(base+".input", argCtx("", 0))
				s.calls = append(s.calls, c)
				a.calls[bkey{tag: tagCall, i: i}] = c
			}
			if c.startWhole {
				c.startWhole = false
				c.args.text.Reset()
			}
			c.args.text.WriteString(t.Str(t.Get(d, "partial_json")))
		case "signature_delta":
		case "citations_delta":
			cit := t.Get(d, "citation")
			a.appendStatic(s, base+".citations"+idx(s.citations), func(b *builder) { b.generic(cit, docCtx(modelCtx)) })
			s.citations++
		default:
			// A delta sluice does not know (compaction summaries, ...):
			// its fields as if they were the block's.
			a.appendStatic(s, base, func(b *builder) {
				for m := t.First(d); m >= 0; m = t.Next(m) {
					if shadowed(t, m) {
						continue // walked by walkShadowed
					}
					p := b.pushKey(t.Nodes[m].Key)
					b.generic(m, modelOther)
					b.pop(p)
				}
			})
		}
	case "content_block_stop":
		if c := a.calls[bkey{tag: tagCall, i: i}]; c != nil {
			c.complete = true
		}
	case "message_delta":
		if u := t.Get(root, "usage"); t.Kind(u) == jsontree.Object {
			a.anthropicStreamUsage(u)
		}
	case "message_stop":
		a.done = true
	case "ping":
	case "error":
		e := t.Get(root, "error")
		a.staticSlot(nil, "stream.error", func(b *builder) { b.generic(e, respTopCtx) })
		a.done = true
	default:
		a.staticSlot(nil, "stream", func(b *builder) { b.generic(root, modelOther) })
	}
}

// anthropicStreamUsage folds a usage object: message_start carries the
// input, message_delta the cumulative output (and sometimes input again).
func (a *StreamAssembler) anthropicStreamUsage(u int32) {
	t := &a.tree
	var in int64
	seen := false
	for _, k := range []string{"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"} {
		if n, ok := t.Int(t.Get(u, k)); ok {
			in += n
			seen = true
		}
	}
	if seen && in > 0 {
		a.usage.InputTokens = in
	}
	if n, ok := t.Int(t.Get(u, "output_tokens")); ok {
		a.usage.OutputTokens = n
	}
}

// ---- Bedrock ----

// unwrapBedrock returns the event type and body: from the frame's
// :event-type, or from the {"eventType": {...}} wrapper of decoded events.
func unwrapBedrock(t *jsontree.Tree, root int32, name []byte) (string, int32) {
	if len(name) > 0 {
		return string(name), root
	}
	if t.Kind(root) == jsontree.Object && t.Nodes[root].Len == 1 {
		c := t.First(root)
		return t.Nodes[c].Key, c
	}
	return "", root
}

func (a *StreamAssembler) converseEvent(ev string, body int32) {
	t := &a.tree
	i := intField(t, body, "contentBlockIndex", 0)
	base := a.loc(bkey{tag: locConverse, i: i}, func() string { return "stream.output.message.content" + idx(i) })
	switch ev {
	case "messageStart":
	case "contentBlockStart":
		start := t.Get(body, "start")
		s := a.slotFor(bkey{tag: tagSlot, i: i})
		if tu := t.Get(start, "toolUse"); t.Kind(tu) == jsontree.Object {
			id := strings.Clone(t.Str(t.Get(tu, "toolUseId")))
			c := &scall{id: id, name: strings.Clone(t.Str(t.Get(tu, "name"))), loc: base + ".toolUse"}
			c.args = s.addBlock(base+".toolUse.input", argCtx(id, 0))
			s.calls = append(s.calls, c)
			a.calls[bkey{tag: tagCall, i: i}] = c
		} else if t.Kind(start) == jsontree.Object && t.Nodes[start].Len > 0 {
			a.appendStatic(s, base, func(b *builder) { b.converseBlock(start, modelCtx) })
		}
	case "contentBlockDelta":
		d := t.Get(body, "delta")
		s := a.slotFor(bkey{tag: tagSlot, i: i})
		for m := t.First(d); m >= 0; m = t.Next(m) {
			if shadowed(t, m) {
				continue // walked by walkShadowed
			}
			switch t.Nodes[m].Key {
			case "text":
				a.blockFor(bkey{tag: tagText, i: i}, s, base, ".text", modelCtx).text.WriteString(t.Str(m))
			case "toolUse":
				c := a.calls[bkey{tag: tagCall, i: i}]
				if c == nil {
					c = &scall{loc: base + ".toolUse"}
					c.args = s.addBlock(base+".toolUse.input", argCtx("", 0))
					s.calls = append(s.calls, c)
					a.calls[bkey{tag: tagCall, i: i}] = c
				}
				c.args.text.WriteString(t.Str(t.Get(m, "input")))
			case "reasoningContent":
				if v := t.Str(t.Get(m, "text")); v != "" {
					a.blockFor(bkey{tag: tagReasoning, i: i}, s, base, ".reasoningContent.reasoningText.text", reasoningCtx).text.WriteString(v)
				}
			default:
				field := t.Nodes[m].Key
				dm := m
				a.appendStatic(s, base, func(b *builder) {
					p := b.pushKey(field)
					b.generic(dm, docCtx(modelCtx))
					b.pop(p)
				})
			}
		}
	case "contentBlockStop":
		if c := a.calls[bkey{tag: tagCall, i: i}]; c != nil {
			c.complete = true
		}
	case "messageStop":
		a.done = true
		if f := t.Get(body, "additionalModelResponseFields"); f >= 0 {
			a.staticSlot(nil, "stream.additionalModelResponseFields", func(b *builder) { b.generic(f, modelOther) })
		}
	case "metadata":
		if u := t.Get(body, "usage"); t.Kind(u) == jsontree.Object {
			if n, ok := t.Int(t.Get(u, "inputTokens")); ok {
				a.usage.InputTokens = n
			}
			if n, ok := t.Int(t.Get(u, "outputTokens")); ok {
				a.usage.OutputTokens = n
			}
		}
	default:
		if strings.HasSuffix(ev, "Exception") {
			a.done = true
		}
		a.staticSlot(nil, "stream", func(b *builder) {
			p := b.level()
			if ev != "" {
				p = b.pushKey(ev)
			}
			b.generic(body, modelOther)
			b.pop(p)
		})
	}
}

// invokeEvent handles InvokeModelWithResponseStream: each chunk carries
// base64 bytes of the model's own event (Anthropic's for Claude).
func (a *StreamAssembler) invokeEvent(root int32, name []byte) {
	t := &a.tree
	v := root
	if c := t.Get(root, "chunk"); c >= 0 {
		v = c
	}
	enc := t.Str(t.Get(v, "bytes"))
	if enc == "" {
		ev, body := unwrapBedrock(t, root, name)
		if strings.HasSuffix(ev, "Exception") {
			a.done = true
		}
		a.staticSlot(nil, "stream", func(b *builder) { b.generic(body, modelOther) })
		return
	}
	n := base64.StdEncoding.DecodedLen(len(enc))
	if cap(a.decoded) < n {
		a.decoded = make([]byte, n)
	}
	dec, err := base64.StdEncoding.AppendDecode(a.decoded[:0], []byte(enc))
	if err != nil {
		return
	}
	a.decoded = dec
	if err := a.parser.ParseInto(&a.tree, unsafeString(dec)); err != nil {
		a.rawText(dec)
		return
	}
	a.collectAnomalies()
	a.anthropicEvent(0)
}

// ---- Gemini ----

// gemCand is the stream state of one candidate: the open text run and the
// function call whose arguments are streaming.
type gemCand struct {
	parts    int32  // parts assembled so far
	text     *block // open text run
	thought  bool
	call     *scall
	callSlot *slot
	callBase string
}

func (g *gemCand) closeCall() {
	if g.call != nil {
		g.call.complete = true
		g.call = nil
	}
}

func (a *StreamAssembler) geminiEvent(root int32) {
	t := &a.tree
	for m := t.First(root); m >= 0; m = t.Next(m) {
		if shadowed(t, m) {
			continue // walked by walkShadowed
		}
		switch gkey(t.Nodes[m].Key) {
		case "candidates":
			pos := int32(0)
			for c := t.First(m); c >= 0; c = t.Next(c) {
				a.geminiCandidate(intField(t, c, "index", pos), c)
				pos++
			}
		case "usageMetadata":
			if n, ok := t.Int(gget(t, m, "promptTokenCount")); ok {
				a.usage.InputTokens = n
			}
			out, ok1 := t.Int(gget(t, m, "candidatesTokenCount"))
			th, ok2 := t.Int(gget(t, m, "thoughtsTokenCount"))
			if ok1 || ok2 {
				a.usage.OutputTokens = out + th
			}
		case "modelVersion":
			a.setModel(t.Str(m))
		case "responseId", "createTime", "promptFeedback":
		case "error":
			a.staticSlot(nil, "stream.error", func(b *builder) { b.generic(m, respTopCtx) })
			a.done = true
		default:
			a.topField(m)
		}
	}
}

func (a *StreamAssembler) geminiCandidate(ci int32, cand int32) {
	t := &a.tree
	if a.gem == nil {
		a.gem = make(map[int32]*gemCand)
	}
	g := a.gem[ci]
	if g == nil {
		g = &gemCand{}
		a.gem[ci] = g
	}
	base := a.loc(bkey{tag: locCandidate, i: ci}, func() string { return "stream.candidates" + idx(ci) + ".content.parts" })
	for m := t.First(cand); m >= 0; m = t.Next(m) {
		if shadowed(t, m) {
			continue // walked by walkShadowed
		}
		switch key := gkey(t.Nodes[m].Key); key {
		case "content":
			parts := gget(t, m, "parts")
			for p := t.First(parts); p >= 0; p = t.Next(p) {
				a.geminiPart(g, base, p)
			}
		case "finishReason":
			if t.Str(m) != "" {
				a.done = true
				g.closeCall()
			}
		case "citationMetadata", "groundingMetadata", "urlContextMetadata":
			s := a.slotFor(bkey{tag: tagGemMeta, i: ci, name: key})
			if !s.changed(t.Raw(m)) {
				continue
			}
			a.staticSlot(s, "stream.candidates"+idx(ci), func(b *builder) {
				p := b.pushKey(key)
				b.generic(m, docCtx(modelCtx))
				b.pop(p)
			})
		case "index", "safetyRatings", "avgLogprobs", "logprobsResult", "tokenCount", "finishMessage":
			if key == "finishMessage" {
				s := a.slotFor(bkey{tag: tagGemMeta, i: ci, name: key})
				a.staticSlot(s, "stream.candidates"+idx(ci), func(b *builder) {
					p := b.pushKey(key)
					b.generic(m, modelOther)
					b.pop(p)
				})
			}
		default:
			s := a.slotFor(bkey{tag: tagGemMeta, i: ci, name: key})
			if !s.changed(t.Raw(m)) {
				continue
			}
			a.staticSlot(s, "stream.candidates"+idx(ci), func(b *builder) {
				p := b.pushKey(key)
				b.generic(m, modelOther)
				b.pop(p)
			})
		}
	}
}

func (a *StreamAssembler) geminiPart(g *gemCand, base string, p int32) {
	t := &a.tree
	if t.Kind(p) != jsontree.Object {
		return
	}
	if tx := gget(t, p, "text"); tx >= 0 {
		thought := t.Bool(gget(t, p, "thought"))
		s := t.Str(tx)
		if g.text == nil || g.thought != thought {
			if s == "" {
				return
			}
			c := modelCtx
			if thought {
				c = reasoningCtx
			}
			g.text = a.newSlot().addBlock(base+idx(g.parts)+".text", c)
			g.thought = thought
			g.parts++
		}
		g.text.text.WriteString(s)
		return
	}
	fc := gget(t, p, "functionCall")
	if fc < 0 {
		if t.Nodes[p].Len == 1 && gget(t, p, "thoughtSignature") >= 0 {
			return // a signature alone ends nothing
		}
		g.text = nil
		k := g.parts
		g.parts++
		a.staticSlot(nil, base+idx(k), func(b *builder) { b.geminiPart(p, modelCtx) })
		return
	}
	g.text = nil
	partial := gget(t, fc, "partialArgs")
	cont := t.Bool(gget(t, fc, "willContinue"))
	name := t.Str(t.Get(fc, "name"))
	if partial < 0 && !cont && g.call == nil {
		if t.Nodes[fc].Len == 0 {
			return // the empty call that ends a streamed one
		}
		k := g.parts
		g.parts++
		a.staticSlot(nil, base+idx(k)+".functionCall", func(b *builder) { b.geminiFunctionCall(fc, 0) })
		return
	}
	if name != "" || g.call == nil {
		g.closeCall()
		k := g.parts
		g.parts++
		g.callBase = base + idx(k) + ".functionCall"
		id := strings.Clone(t.Str(t.Get(fc, "id")))
		c := &scall{id: id, name: strings.Clone(name), loc: g.callBase, gem: &gemPartial{}}
		s := a.newSlot()
		s.calls = append(s.calls, c)
		g.call = c
		g.callSlot = s
	}
	c := g.call
	s := g.callSlot
	for pa := t.First(partial); pa >= 0; pa = t.Next(pa) {
		path := t.Str(t.Get(pa, "jsonPath"))
		if path == "" {
			continue
		}
		switch {
		case gget(t, pa, "stringValue") >= 0:
			l := c.gem.leaf(path)
			if l.blk == nil {
				l.blk = s.addBlock(g.callBase+".args"+strings.TrimPrefix(path, "$"), argCtx(c.id, 0))
			}
			l.blk.text.WriteString(t.Str(gget(t, pa, "stringValue")))
		case gget(t, pa, "numberValue") >= 0:
			c.gem.leaf(path).scalar = strings.Clone(t.Raw(gget(t, pa, "numberValue")))
		case gget(t, pa, "boolValue") >= 0:
			c.gem.leaf(path).scalar = strings.Clone(t.Raw(gget(t, pa, "boolValue")))
		case gget(t, pa, "nullValue") >= 0:
			c.gem.leaf(path).scalar = "null"
		}
	}
	if args := gget(t, fc, "args"); t.Kind(args) == jsontree.Object && t.Nodes[args].Len > 0 {
		c.gem.whole = strings.Clone(t.Raw(args))
	}
	if !cont {
		g.closeCall()
	}
}
