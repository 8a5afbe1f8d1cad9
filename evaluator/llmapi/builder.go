package llmapi

import (
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// segCtx is how the text under one part of a body is to be labelled.
type segCtx struct {
	role   interaction.Role
	trust  interaction.Trust
	kind   interaction.Kind
	turn   int
	callID string
	// result marks text that answers a tool call (linked by callID; calls
	// without ids are linked by name, see resultByName).
	result bool
}

func (c segCtx) withKind(k interaction.Kind) segCtx { c.kind = k; return c }

// topCtx labels strings outside any conversational structure of a known
// API (metadata, user, unknown top-level fields): the client sent them.
var topCtx = segCtx{role: interaction.RoleNone, trust: interaction.TrustUser, kind: interaction.KindOther, turn: -1}

// toolDescCtx labels tool definitions: text the model reads and no one
// vouches for (tool poisoning).
var toolDescCtx = segCtx{role: interaction.RoleNone, trust: interaction.TrustUntrusted, kind: interaction.KindToolDescription, turn: -1}

type span struct{ start, end int32 }

// nameResult is a tool result linked by name and order (Gemini without ids,
// legacy OpenAI function messages).
type nameResult struct {
	name  string
	first int // first segment index
	end   int // one past the last segment index
}

// builder turns one JSON tree (or, for streams, several) into an
// Interaction.
//
// Locations are built on a path stack and copied into one arena, which
// becomes strings once in finish: a body costs no allocation per location.
type builder struct {
	ix *interaction.Interaction
	t  *jsontree.Tree
	// ps is set for a whole body (ParseRequest, ParseResponse): strings
	// from the tree are then transient until finish settles them, and
	// Args are built there (see parseState).
	ps *parseState

	// path is the current JSON path as far as it is rendered: frames
	// are its steps, the first rendered of them written.
	path     []byte
	frames   []frame
	keys     []string // keys of stepKey frames
	rendered int
	// last is the span of the last location marked, and lastLen the
	// length of path then; lastOK says path still starts with it (nothing
	// below lastLen was popped since).
	last    span
	lastLen int
	lastOK  bool
	locs    []byte // location arena
	// Locations of segments, tool calls and tool definitions, parallel to
	// ix.Segments, ix.ToolCalls and ix.Tools, as spans of locs.
	segLocs, callLocs, toolLocs []span

	// stream marks text taken from stream events: no raw ranges, and
	// strings are cloned because event trees alias reused buffers.
	stream bool
	// known is true inside a recognised API: the generic walk then skips
	// enumeration fields and opaque payloads. For unknown APIs every
	// string is scanned.
	known bool

	results     []int    // segment indexes that answer a tool call by id
	order       []uint64 // scratch for link
	names       []string // distinct tool names so far (see intern)
	cursors     []nameCursor
	nameResults []nameResult
	// lastCode is the call a following Gemini codeExecutionResult answers.
	lastCode int
	// argTree is scratch for parsing JSON-string arguments.
	argTree *jsontree.Tree
}

// frame is one step of the current path. It holds no pointer, so that
// pushing one costs no write barrier.
type frame struct {
	kind uint8
	// n is the member node (stepMember), the index in keys (stepKey) or
	// the array index (stepIndex).
	n int32
	// at is the length of path before the step, once rendered; keys the
	// length of b.keys before it.
	at, keys int32
}

const (
	stepMember = iota
	stepKey
	stepIndex
)

// pushMember enters member m of the builder's tree; pop with the result
// leaves it.
func (b *builder) pushMember(m int32) int {
	b.frames = append(b.frames, frame{kind: stepMember, n: m, keys: int32(len(b.keys))})
	return len(b.frames) - 1
}

// pushKey enters member key; pop with the result leaves it.
func (b *builder) pushKey(key string) int {
	b.frames = append(b.frames, frame{kind: stepKey, n: int32(len(b.keys)), keys: int32(len(b.keys))})
	b.keys = append(b.keys, key)
	return len(b.frames) - 1
}

// pushIndex enters element i; pop with the result leaves it.
func (b *builder) pushIndex(i int) int {
	b.frames = append(b.frames, frame{kind: stepIndex, n: int32(i), keys: int32(len(b.keys))})
	return len(b.frames) - 1
}

// level is what pop takes to return to the current path.
func (b *builder) level() int { return len(b.frames) }

func (b *builder) pop(n int) {
	if n >= len(b.frames) {
		return
	}
	if b.rendered > n {
		b.path = b.path[:b.frames[n].at]
		b.rendered = n
		if len(b.path) < b.lastLen {
			b.lastOK = false
		}
	}
	if len(b.keys) > 0 {
		b.keys = b.keys[:b.frames[n].keys]
	}
	b.frames = b.frames[:n]
}

// render brings path up to date with the steps pushed since it was last
// rendered. Most members the walk enters hold nothing it records, so steps
// are written only when a location is needed.
func (b *builder) render() {
	for i := b.rendered; i < len(b.frames); i++ {
		f := &b.frames[i]
		f.at = int32(len(b.path))
		switch f.kind {
		case stepMember:
			b.path = jsontree.AppendKey(b.path, b.t.Nodes[f.n].Key)
		case stepKey:
			b.path = jsontree.AppendKey(b.path, b.keys[f.n])
		default:
			b.path = jsontree.AppendIndex(b.path, int(f.n))
		}
	}
	b.rendered = len(b.frames)
}

// mark copies the current path into the arena; the root is "$". A path
// that extends the last location marked, when that one ends the arena,
// shares its bytes: a tool call's arguments follow the call's location.
func (b *builder) mark() span {
	b.render()
	s := int32(len(b.locs))
	if len(b.path) == 0 {
		b.locs = append(b.locs, '$')
		b.lastOK = false
		return span{s, int32(len(b.locs))}
	}
	if b.lastOK && b.last.end == s {
		b.locs = append(b.locs, b.path[b.lastLen:]...)
		s = b.last.start
	} else {
		b.locs = append(b.locs, b.path...)
	}
	b.last, b.lastLen, b.lastOK = span{s, int32(len(b.locs))}, len(b.path), true
	return b.last
}

// str returns the text of string node v, cloned in stream mode.
func (b *builder) str(v int32) string {
	s := b.t.Str(v)
	if b.stream {
		return strings.Clone(s)
	}
	return s
}

// raw returns the source text of node v, cloned in stream mode.
func (b *builder) raw(v int32) string {
	s := b.t.Raw(v)
	if b.stream {
		return strings.Clone(s)
	}
	return s
}

// emit adds string node v (at the current path) as a segment. Empty
// strings are skipped. It returns the segment index or -1.
func (b *builder) emit(v int32, c segCtx) int {
	n := &b.t.Nodes[v]
	if n.Kind != jsontree.String || n.Str == "" {
		return -1
	}
	text, rs, re := n.Str, int(n.Start), int(n.End)
	if b.stream {
		text, rs, re = strings.Clone(text), -1, -1
	}
	if b.ps != nil {
		b.ps.retain(text)
	}
	b.ix.Segments = append(b.ix.Segments, interaction.Segment{
		Text: text, Role: c.role, Trust: c.trust, Kind: c.kind,
		ToolCallID: c.callID, Turn: c.turn, RawStart: rs, RawEnd: re,
	})
	b.segLocs = append(b.segLocs, b.mark())
	i := len(b.ix.Segments) - 1
	if c.result && c.callID != "" {
		b.results = append(b.results, i)
	}
	return i
}

// text emits node v at the current path when it is a string and walks it
// generically otherwise (a field of the wrong type is still scanned).
func (b *builder) text(v int32, c segCtx) {
	if b.t.Kind(v) == jsontree.String {
		b.emit(v, c)
		return
	}
	b.generic(v, c)
}

// shadowed walks member m generically when a later member with the same
// key overrides it, and reports whether it did. The recognisers use only
// the last of duplicate keys, as lenient readers do, but the shadowed
// values are still scanned.
func (b *builder) shadowed(m int32, c segCtx) bool {
	// Small enough to inline: most members are not shadowed.
	if b.t.Nodes[m].Flags&jsontree.Shadowed == 0 {
		return false
	}
	b.walkShadowed(m, c)
	return true
}

func (b *builder) walkShadowed(m int32, c segCtx) {
	p := b.pushMember(m)
	b.leaves(m, c) // nothing under a shadowed key is exempt
	b.pop(p)
}

// isOpaqueKey reports keys that hold payloads no one reads as text: base64
// media, encrypted reasoning and compaction, signatures. The generic walk
// skips them inside known APIs. (A switch: the walk asks for every string,
// and a switch on a string costs less than hashing it.)
func isOpaqueKey(k string) bool {
	switch k {
	case "encrypted_content", "encrypted_index", "signature",
		"thoughtSignature", "thought_signature", "redactedContent",
		"file_data", "partial_image_b64", "b64_json", "fingerprint",
		"bytes":
		return true
	}
	return false
}

// isEnumKey reports keys that hold enumerations the provider validates
// (block types, roles, statuses, formats). Inside known APIs the generic
// walk skips their values when they look like an enumeration value (see
// isEnumValue), so that every block does not add its type as a segment;
// anything else under these keys is scanned.
func isEnumKey(k string) bool {
	switch k {
	case "type", "role", "object", "status", "detail", "format",
		"mime_type", "mimeType", "media_type", "mediaType",
		"responseMimeType", "response_mime_type",
		"finish_reason", "finishReason", "stop_reason", "stopReason",
		"effort", "verbosity", "service_tier", "truncation", "ttl",
		"reasoning_effort", "tool_choice", "toolChoice", "voice",
		"search_context_size":
		return true
	}
	return false
}

// isEnumValue reports whether s looks like an enumeration value: short,
// lower-case words joined by _ - . : /, and few digits (dated versions
// such as web_search_20250305). Keys, tokens and prose do not.
func isEnumValue(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', c == '_', c == '-', c == '.', c == ':', c == '/', c == '+':
		case '0' <= c && c <= '9':
			digits++
		default:
			return false
		}
	}
	return digits <= 8
}

// skipString reports whether the generic walk of a known API skips string
// node n.
func skipString(n *jsontree.Node) bool {
	if isOpaqueString(n.Str) {
		return true
	}
	if n.KeyStart < 0 {
		return false
	}
	return isOpaqueKey(n.Key) || isEnumKey(n.Key) && isEnumValue(n.Str)
}

// isOpaqueString reports string values the known-API walk skips whatever
// their key: data URLs carrying base64 media.
func isOpaqueString(s string) bool {
	if !strings.HasPrefix(s, "data:") {
		return false
	}
	i := strings.IndexByte(s, ',')
	return i > 0 && strings.HasSuffix(s[:i], ";base64")
}

// generic walks v and emits every string under it with context c. Inside a
// known API it skips opaque payloads and enumeration values (skipString)
// and the data of base64 sources.
func (b *builder) generic(v int32, c segCtx) {
	if v < 0 {
		return
	}
	t := b.t
	switch n := &t.Nodes[v]; n.Kind {
	case jsontree.String:
		if b.known && skipString(n) {
			return
		}
		b.emit(v, c)
	case jsontree.Object:
		for m := t.First(v); m >= 0; m = t.Next(m) {
			if b.known && t.Nodes[m].Key == "data" && t.Str(t.Get(v, "type")) == "base64" {
				continue
			}
			p := b.pushMember(m)
			b.generic(m, c)
			b.pop(p)
		}
	case jsontree.Array:
		i := 0
		for e := t.First(v); e >= 0; e = t.Next(e) {
			p := b.pushIndex(i)
			b.generic(e, c)
			b.pop(p)
			i++
		}
	}
}

// leaves walks v and emits every string under it, skipping nothing: used
// for tool-call arguments, where any string may be a command.
func (b *builder) leaves(v int32, c segCtx) {
	known := b.known
	b.known = false
	b.generic(v, c)
	b.known = known
}

// schema walks a tool's parameter schema: every string but JSON Schema
// keywords that hold type names and property lists.
func (b *builder) schema(v int32, c segCtx) {
	if v < 0 {
		return
	}
	t := b.t
	switch t.Nodes[v].Kind {
	case jsontree.String:
		b.emit(v, c)
	case jsontree.Object:
		for m := t.First(v); m >= 0; m = t.Next(m) {
			key := t.Nodes[m].Key
			switch key {
			case "type", "required", "$schema", "$ref", "format", "$id":
				if t.Kind(m) == jsontree.String || t.Kind(m) == jsontree.Array {
					continue
				}
			}
			if b.known && t.Kind(m) == jsontree.String && skipString(&t.Nodes[m]) {
				continue
			}
			p := b.pushMember(m)
			b.schema(m, c)
			b.pop(p)
		}
	case jsontree.Array:
		i := 0
		for e := t.First(v); e >= 0; e = t.Next(e) {
			p := b.pushIndex(i)
			b.schema(e, c)
			b.pop(p)
			i++
		}
	}
}

// media emits a media reference (URL or file id) unless it is inline data.
func (b *builder) media(v int32, c segCtx) {
	if b.t.Kind(v) != jsontree.String {
		b.generic(v, c)
		return
	}
	if isOpaqueString(b.t.Nodes[v].Str) {
		return
	}
	b.emit(v, c.withKind(interaction.KindMedia))
}

// addCall records a tool call at the current path.
func (b *builder) addCall(id, name string, turn int) int {
	id, name = b.keep(id), b.keep(name)
	if b.ps != nil {
		name = b.intern(name)
		b.ps.retain(id)
		b.ps.retain(name)
	}
	if n := len(b.ix.ToolCalls); n < cap(b.ix.ToolCalls) {
		// A pooled slot: keep its index slices' storage.
		b.ix.ToolCalls = b.ix.ToolCalls[:n+1]
		c := &b.ix.ToolCalls[n]
		*c = interaction.ToolCall{ID: id, Name: name, Turn: turn, ArgSegments: c.ArgSegments[:0], ResultSegments: c.ResultSegments[:0]}
	} else {
		b.ix.ToolCalls = append(b.ix.ToolCalls, interaction.ToolCall{ID: id, Name: name, Turn: turn})
	}
	b.callLocs = append(b.callLocs, b.mark())
	return len(b.ix.ToolCalls) - 1
}

// intern returns the first name equal to s that the body offered or
// called, so that settling keeps one copy of a name many calls share.
func (b *builder) intern(s string) string {
	for _, n := range b.names {
		if n == s {
			return n
		}
	}
	if len(b.names) < 32 {
		b.names = append(b.names, s)
	}
	return s
}

// addTool records a tool definition at the current path.
func (b *builder) addTool(name, desc, typ string) {
	name, desc, typ = b.keep(name), b.keep(desc), b.keep(typ)
	if b.ps != nil {
		name = b.intern(name)
		b.ps.retain(name)
		b.ps.retain(desc)
		b.ps.retain(typ)
	}
	b.ix.Tools = append(b.ix.Tools, interaction.ToolDef{Name: name, Description: desc, Type: typ})
	b.toolLocs = append(b.toolLocs, b.mark())
}

// argCtx is the context of tool-call arguments in a turn.
func argCtx(callID string, turn int) segCtx {
	return segCtx{role: interaction.RoleAssistant, trust: interaction.TrustModel, kind: interaction.KindToolArguments, turn: turn, callID: callID}
}

// resultCtx is the context of what a tool returned.
func resultCtx(callID string, turn int) segCtx {
	return segCtx{role: interaction.RoleTool, trust: interaction.TrustUntrusted, kind: interaction.KindToolResult, turn: turn, callID: callID, result: true}
}

// stringArgs handles arguments sent as a JSON string (OpenAI): one segment
// with the decoded string; Args parsed from it; anomalies inside reported
// under the arguments' location.
func (b *builder) stringArgs(ci int, v int32, c segCtx) {
	call := &b.ix.ToolCalls[ci]
	if b.t.Kind(v) == jsontree.Object {
		b.objectArgs(ci, v, c)
		return
	}
	if b.t.Kind(v) != jsontree.String {
		b.generic(v, c)
		return
	}
	first := len(b.ix.Segments)
	b.emit(v, c)
	call.ArgSegments = segRange(call.ArgSegments, first, len(b.ix.Segments))
	call.Arguments = b.str(v)
	b.stringArgsMap(ci, call.Arguments)
}

// stringArgsMap sets the Args of call ci from its JSON-string arguments s:
// now, or for a whole body at finish.
func (b *builder) stringArgsMap(ci int, s string) {
	if b.ps == nil {
		b.ix.ToolCalls[ci].Args = b.parseArgs(s)
		return
	}
	job := argsJob{call: ci, v: -1, src: s}
	if at := b.ps.argTree(); b.parseArgsTree(at, s, jsontree.Parser{Reuse: true}) {
		job.t, job.v = at, 0
	}
	b.ps.jobs = append(b.ps.jobs, job)
}

// objectArgsMap sets the Args of call ci from node v: now, or for a whole
// body at finish.
func (b *builder) objectArgsMap(ci int, v int32) {
	if b.ps == nil {
		b.ix.ToolCalls[ci].Args, _ = toAny(b.t, v, b.stream).(map[string]any)
		return
	}
	b.ps.jobs = append(b.ps.jobs, argsJob{call: ci, t: b.t, v: v, src: b.t.Raw(v)})
}

// parseArgs parses a JSON arguments string into a map, reporting duplicate
// and case-variant keys inside it (a tool runtime may read them leniently)
// under the current path.
func (b *builder) parseArgs(s string) map[string]any {
	// The scratch tree is reused across calls; the map built from it holds
	// substrings of s, not of the tree.
	if b.argTree == nil {
		b.argTree = new(jsontree.Tree)
	}
	at := b.argTree
	if !b.parseArgsTree(at, s, jsontree.Parser{}) {
		return nil
	}
	m, _ := toAny(at, 0, false).(map[string]any)
	return m
}

// parseArgsTree parses s into at, reports the anomalies inside it, and
// reports whether it is a JSON object.
func (b *builder) parseArgsTree(at *jsontree.Tree, s string, p jsontree.Parser) bool {
	if s == "" || s[0] != '{' && !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return false
	}
	if err := p.ParseInto(at, s); err != nil || at.Kind(0) != jsontree.Object {
		return false
	}
	for _, a := range at.Anomalies {
		b.render()
		loc := string(b.path)
		if a.Path != "$" {
			if strings.HasPrefix(a.Path, "[") {
				loc += a.Path
			} else {
				loc += "." + a.Path
			}
		}
		b.ix.Anomalies = append(b.ix.Anomalies, interaction.Anomaly{Location: loc, Key: a.Key, Kind: a.Kind})
	}
	return true
}

// objectArgs handles arguments sent as a JSON object: one segment per
// string leaf, Arguments the exact raw bytes, Args the object.
func (b *builder) objectArgs(ci int, v int32, c segCtx) {
	b.objectArgsWalk(ci, v, c, false)
}

// objectArgsWalk is objectArgs; builtin selects the known-API walk, which
// skips enumerations, for arguments whose schema the provider defines
// (built-in tools' actions) rather than the client.
func (b *builder) objectArgsWalk(ci int, v int32, c segCtx, builtin bool) {
	if v < 0 {
		return
	}
	first := len(b.ix.Segments)
	if builtin {
		b.generic(v, c)
	} else {
		b.leaves(v, c)
	}
	call := &b.ix.ToolCalls[ci]
	call.ArgSegments = segRange(call.ArgSegments, first, len(b.ix.Segments))
	if b.t.Kind(v) == jsontree.Null {
		return
	}
	call.Arguments = b.raw(v)
	if b.ps != nil {
		b.ps.retain(call.Arguments)
	}
	if b.t.Kind(v) == jsontree.Object {
		b.objectArgsMap(ci, v)
	}
}

func segRange(dst []int, from, to int) []int {
	for i := from; i < to; i++ {
		dst = append(dst, i)
	}
	return dst
}

// toAny converts a subtree to Go values: maps (last key wins), slices,
// strings, float64, bool and nil, as encoding/json would.
func toAny(t *jsontree.Tree, v int32, clone bool) any {
	n := &t.Nodes[v]
	switch n.Kind {
	case jsontree.String:
		if clone {
			return strings.Clone(n.Str)
		}
		return n.Str
	case jsontree.Number:
		f, _ := strconv.ParseFloat(n.Str, 64)
		return f
	case jsontree.True:
		return true
	case jsontree.False:
		return false
	case jsontree.Object:
		m := make(map[string]any, n.Len)
		for c := t.First(v); c >= 0; c = t.Next(c) {
			k := t.Nodes[c].Key
			if clone {
				k = strings.Clone(k)
			}
			m[k] = toAny(t, c, clone)
		}
		return m
	case jsontree.Array:
		s := make([]any, 0, n.Len)
		for c := t.First(v); c >= 0; c = t.Next(c) {
			s = append(s, toAny(t, c, clone))
		}
		return s
	}
	return nil
}

// finish links tool results to calls, copies the tree's anomalies, and
// settles the Interaction (see parseState).
func (b *builder) finish() {
	b.linkAll()
	b.ps.settle(b)
}

// linkAll copies the tree's anomalies and links tool results to calls.
func (b *builder) linkAll() {
	if b.t != nil {
		for _, a := range b.t.Anomalies {
			b.ix.Anomalies = append(b.ix.Anomalies, interaction.Anomaly{Location: a.Path, Key: a.Key, Kind: a.Kind})
		}
	}
	b.link()
}

// link appends result segments to the calls they answer: by id, else by
// name and order.
func (b *builder) link() {
	ix := b.ix
	if len(ix.ToolCalls) == 0 {
		return
	}
	if len(b.results) > 0 {
		// The first call with an id is the one its results answer. A few
		// calls are searched in place; many get an index.
		find := func(id string) int {
			for i := range ix.ToolCalls {
				if ix.ToolCalls[i].ID == id {
					return i
				}
			}
			return -1
		}
		if len(ix.ToolCalls)*len(b.results) > 64 {
			// An index of calls with an id: (hash of the id, position)
			// packed in one integer and sorted, so that the first call with
			// a hash comes first. Sorting integers costs less than hashing
			// ids into a map or comparing their long common prefixes.
			calls := ix.ToolCalls
			keys := b.order[:0]
			for i := range calls {
				if id := calls[i].ID; id != "" {
					keys = append(keys, uint64(uint32(maphash.String(idSeed, id)))<<32|uint64(i))
				}
			}
			slices.Sort(keys)
			b.order = keys
			find = func(id string) int {
				h := uint64(uint32(maphash.String(idSeed, id))) << 32
				k, _ := slices.BinarySearch(keys, h)
				for ; k < len(keys) && keys[k]&^0xffffffff == h; k++ {
					if i := int(uint32(keys[k])); calls[i].ID == id {
						return i
					}
				}
				return -1
			}
		}
		for _, s := range b.results {
			if ci := find(ix.Segments[s].ToolCallID); ci >= 0 {
				ix.ToolCalls[ci].ResultSegments = append(ix.ToolCalls[ci].ResultSegments, s)
				// The same id, spelt once: settling then keeps one copy.
				ix.Segments[s].ToolCallID = ix.ToolCalls[ci].ID
			}
		}
	}
	if len(b.nameResults) > 0 {
		// The k-th result for a name answers the k-th call of that name
		// not already answered by id.
		// Each name keeps a cursor past the calls it has taken: they are
		// neither taken again nor matched by another name.
		cur := b.cursors[:0]
		for _, r := range b.nameResults {
			k := -1
			for i := range cur {
				if cur[i].name == r.name {
					k = i
					break
				}
			}
			if k < 0 {
				cur = append(cur, nameCursor{name: r.name})
				k = len(cur) - 1
			}
			for ci := cur[k].next; ci < len(ix.ToolCalls); ci++ {
				c := &ix.ToolCalls[ci]
				if c.Name != r.name || len(c.ResultSegments) > 0 {
					continue
				}
				for s := r.first; s < r.end; s++ {
					c.ResultSegments = append(c.ResultSegments, s)
				}
				cur[k].next = ci + 1
				break
			}
		}
		clear(cur)
		b.cursors = cur[:0]
	}
}

// idSeed seeds the hashes link indexes call ids by.
var idSeed = maphash.MakeSeed()

// nameCursor is where link goes on looking for calls of a name.
type nameCursor struct {
	name string
	next int
}

// resultByName records segments [first, len) as answering the next call of
// that name that has no result yet.
func (b *builder) resultByName(name string, first int) {
	if name == "" || first >= len(b.ix.Segments) {
		return
	}
	b.nameResults = append(b.nameResults, nameResult{name: b.keep(name), first: first, end: len(b.ix.Segments)})
}
