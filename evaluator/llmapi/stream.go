package llmapi

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unsafe"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// DefaultMaxTail bounds one pending event when NewStreamAssembler is given
// no bound.
const DefaultMaxTail = 4 << 20

// ErrEventTooLarge is returned (wrapped) by Feed when one event outgrows
// the tail bound.
var ErrEventTooLarge = errors.New("llmapi: stream event too large")

// StreamAssembler rebuilds a streamed response incrementally: it takes the
// stream's bytes in chunks cut anywhere (inside a line, a UTF-8 rune, a
// CRLF or a binary frame), cuts them into events, and folds the events
// into the text, reasoning and tool calls they spell out. The Envoy door
// feeds it each response chunk and evaluates Interaction() after each.
//
// Memory: only the unfinished event is buffered (at most maxTail bytes,
// Feed fails beyond that), plus the assembled content itself. Event
// payloads are parsed in place, without copying; what is kept from them is
// copied.
//
// Segments of assembled text have no raw range (RawStart = RawEnd = -1) and
// locations prefixed "stream." that name where the text sits in the
// assembled response: stream.choices[0].message.content,
// stream.content[1].input, stream.output[2].arguments. Tool arguments
// streamed as JSON text (OpenAI, Anthropic input_json_delta, Bedrock
// toolUse deltas) are one tool_arguments segment holding that text; items
// a stream delivers whole (Responses output_item.done, Anthropic server
// tool results, Gemini function calls) are labelled exactly as in a
// non-streamed body.
//
// A StreamAssembler is not safe for concurrent use.
type StreamAssembler struct {
	api     string
	fr      framing
	maxTail int
	err     error
	closed  bool

	buf      []byte
	scan     int  // SSE: bytes of buf already searched for a line end
	bomSeen  bool // SSE: the start of the stream was checked for a BOM
	skipLF   bool
	sseData  []byte
	sseEvent []byte
	sseHas   bool
	js       jsonSeqState
	decoded  []byte // base64-decoded Bedrock invoke chunks

	events int
	done   bool

	parser    jsontree.Parser
	tree      jsontree.Tree
	model     string
	usage     interaction.Usage
	anomalies []interaction.Anomaly

	slots  []*slot
	locs   map[bkey]string // rendered location prefixes, see loc
	blocks map[bkey]*block
	calls  map[bkey]*scall
	keyed  map[bkey]*slot
	gem    map[int32]*gemCand
}

// NewStreamAssembler starts assembling a response stream of api (as
// Recognize names it; "" or "unknown" lets the first event tell).
// contentType selects the framing (text/event-stream,
// application/vnd.amazon.eventstream, JSON lines or a JSON array); any
// other value is sniffed from the first bytes. maxTail bounds the bytes of
// one unfinished event; <= 0 means DefaultMaxTail.
func NewStreamAssembler(api, contentType string, maxTail int) *StreamAssembler {
	return newAssembler(api, framingOfType(contentType), maxTail)
}

func newAssembler(api string, fr framing, maxTail int) *StreamAssembler {
	if maxTail <= 0 {
		maxTail = DefaultMaxTail
	}
	if api == "" {
		api = APIUnknown
	}
	return &StreamAssembler{
		api: api, fr: fr, maxTail: maxTail,
		blocks: make(map[bkey]*block),
		calls:  make(map[bkey]*scall),
		keyed:  make(map[bkey]*slot),
		locs:   make(map[bkey]string),
		js:     jsonSeqState{start: -1},
		parser: jsontree.Parser{Reuse: true},
	}
}

// Feed adds the next bytes of the stream. It fails when one event exceeds
// the tail bound or a binary frame is corrupt; the error is sticky.
func (a *StreamAssembler) Feed(chunk []byte) error {
	if a.err != nil {
		return a.err
	}
	if a.closed {
		return errors.New("llmapi: Feed after Close")
	}
	a.buf = append(a.buf, chunk...)
	a.err = a.feed(false)
	return a.err
}

// Close ends the stream: an event lacking its final blank line is
// dispatched, a truncated frame or JSON value is reported, and tool calls
// still open are taken as complete.
func (a *StreamAssembler) Close() error {
	if a.err != nil || a.closed {
		return a.err
	}
	a.closed = true
	a.err = a.feed(true)
	for _, c := range a.calls {
		c.complete = true
	}
	for _, g := range a.gem {
		g.closeCall()
	}
	return a.err
}

func (a *StreamAssembler) feed(final bool) error {
	if a.fr == framingSniff || a.fr == framingNone {
		a.fr = sniffFraming(a.buf, final)
		if a.fr == framingSniff {
			return nil
		}
	}
	switch a.fr {
	case framingSSE:
		return a.feedSSE(final)
	case framingEventStream:
		return a.feedEventStream(final)
	default:
		return a.feedJSONSeq(final)
	}
}

// Events returns the number of events seen so far.
func (a *StreamAssembler) Events() int { return a.events }

// Done reports whether the stream's terminal event was seen: [DONE],
// message_stop, response.completed (or failed, incomplete), a Gemini
// finishReason, Bedrock messageStop, or an error event.
func (a *StreamAssembler) Done() bool { return a.done }

// API returns the API of the stream, as given or as told by its events.
func (a *StreamAssembler) API() string { return a.api }

// unsafeString views b as a string without copying. Trees parsed from it
// must not outlive the buffer: everything kept is cloned.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// dispatch handles one event: its name (SSE event field or frame
// :event-type, may be empty) and payload.
func (a *StreamAssembler) dispatch(name, payload []byte) {
	a.events++
	p := bytes.TrimSpace(payload)
	if len(p) == 0 {
		return
	}
	if string(p) == "[DONE]" {
		a.done = true
		return
	}
	if err := a.parser.ParseInto(&a.tree, unsafeString(p)); err != nil {
		// Not JSON: still text the client may show.
		a.rawText(p)
		return
	}
	a.handle(name, 0)
}

// dispatchError handles a binary frame whose message type is an exception.
func (a *StreamAssembler) dispatchError(name, payload []byte) {
	a.events++
	a.done = true
	if err := a.parser.ParseInto(&a.tree, unsafeString(bytes.TrimSpace(payload))); err != nil {
		a.rawText(payload)
		return
	}
	a.staticSlot(nil, "stream.error", func(b *builder) { b.generic(0, respTopCtx) })
}

func (a *StreamAssembler) rawText(p []byte) {
	s := a.newSlot()
	blk := s.addBlock("stream.data", modelCtx.withKind(interaction.KindOther))
	blk.text.Write(p)
}

// handle routes a parsed event.
func (a *StreamAssembler) handle(name []byte, root int32) {
	t := &a.tree
	a.collectAnomalies()
	a.walkShadowed()
	if a.api == APIUnknown {
		a.api = sniffEvent(t, root, name)
	}
	switch a.api {
	case APIOpenAIChat:
		a.chatEvent(root)
	case APIOpenAIResponses:
		a.responsesEvent(root)
	case APIAnthropicMessages:
		a.anthropicEvent(root)
	case APIGeminiGenerate:
		a.geminiEvent(root)
	case APIBedrockConverse:
		ev, body := unwrapBedrock(t, root, name)
		a.converseEvent(ev, body)
	case APIBedrockInvoke:
		a.invokeEvent(root, name)
	default:
		a.staticSlot(nil, "stream", func(b *builder) { b.known = false; b.generic(root, modelCtx.withKind(interaction.KindOther)) })
	}
}

func (a *StreamAssembler) collectAnomalies() {
	for _, an := range a.tree.Anomalies {
		loc := "stream"
		if an.Path != "$" {
			loc = "stream." + an.Path
		}
		a.anomalies = append(a.anomalies, interaction.Anomaly{Location: loc, Key: strings.Clone(an.Key), Kind: an.Kind})
	}
}

var anthropicEvents = map[string]bool{
	"message_start": true, "content_block_start": true, "content_block_delta": true,
	"content_block_stop": true, "message_delta": true, "message_stop": true, "ping": true,
}

var bedrockEvents = map[string]bool{
	"messageStart": true, "contentBlockStart": true, "contentBlockDelta": true,
	"contentBlockStop": true, "messageStop": true, "metadata": true,
}

// sniffEvent tells the API of a stream from one event.
func sniffEvent(t *jsontree.Tree, root int32, name []byte) string {
	if bedrockEvents[string(name)] {
		return APIBedrockConverse
	}
	if string(name) == "chunk" {
		return APIBedrockInvoke
	}
	if t.Kind(root) != jsontree.Object {
		return APIUnknown
	}
	typ := t.Str(t.Get(root, "type"))
	switch {
	case t.Get(root, "choices") >= 0:
		return APIOpenAIChat
	case strings.HasPrefix(typ, "response."):
		return APIOpenAIResponses
	case anthropicEvents[typ]:
		return APIAnthropicMessages
	case t.Get(root, "candidates") >= 0 || t.Get(root, "usageMetadata") >= 0:
		return APIGeminiGenerate
	case t.Get(root, "chunk") >= 0 || t.Get(root, "bytes") >= 0 && t.Nodes[root].Len <= 2:
		return APIBedrockInvoke
	}
	if c := t.First(root); c >= 0 && bedrockEvents[t.Nodes[c].Key] {
		return APIBedrockConverse
	}
	return APIUnknown
}

// ---- assembled state ----

// block is one piece of assembled text: growing from deltas (dyn) or fixed
// from an item delivered whole.
type block struct {
	loc    string
	role   interaction.Role
	trust  interaction.Trust
	kind   interaction.Kind
	callID string
	result bool
	dyn    bool
	text   strings.Builder
	fixed  string
	idx    int // segment index in the last snapshot, -1 when empty
}

func (b *block) String() string {
	if b.dyn {
		return b.text.String()
	}
	return b.fixed
}

// set replaces a dynamic block's text (a *.done event disagreeing with the
// deltas: the final value wins; earlier snapshots scanned the deltas).
func (b *block) set(s string) {
	if b.text.String() == s {
		return
	}
	b.text.Reset()
	b.text.WriteString(s)
}

// scall is a tool call being assembled.
type scall struct {
	id, name, loc string
	args          *block   // arguments as streamed JSON (or free) text
	free          bool     // args are free text, not JSON
	argBlocks     []*block // arguments as separate segments (items, Gemini)
	arguments     string   // arguments of a call delivered whole
	whole         bool
	results       []*block // results linked by name and order
	parsed        map[string]any
	tried         bool
	complete      bool
	startWhole    bool // Anthropic: input given whole in content_block_start
	gem           *gemPartial
}

func (c *scall) argumentsText() string {
	switch {
	case c.whole:
		return c.arguments
	case c.gem != nil:
		return c.gem.json()
	case c.args != nil:
		return c.args.String()
	}
	return ""
}

// slot is a unit of the assembled response in order of first appearance:
// a content block, an output item, a run of Gemini text. A slot filled
// from a whole item replaces what its deltas built.
type slot struct {
	blocks      []*block
	calls       []*scall
	tools       []interaction.ToolDef // tools an item loaded (MCP lists, tool search)
	final       bool
	citations   int32  // citations appended so far (Anthropic)
	raw         string // source of a field walked whole (see changed)
	rawSet      bool
	nameResults []nameResult // block ranges answering calls by name
}

// changed records raw as the slot's latest source and reports whether it
// differs from the previous one: a field repeated unchanged in every event
// is walked once.
func (s *slot) changed(raw string) bool {
	if s.raw == raw && s.rawSet {
		return false
	}
	s.raw, s.rawSet = strings.Clone(raw), true
	return true
}

func (s *slot) addBlock(loc string, c segCtx) *block {
	b := &block{loc: loc, role: c.role, trust: c.trust, kind: c.kind, callID: c.callID, result: c.result, dyn: true}
	s.blocks = append(s.blocks, b)
	return b
}

// bkey indexes blocks, calls and slots by what the events say: a tag, two
// indexes and, for fields sluice does not know, the field name.
type bkey struct {
	tag  uint8
	i, j int32
	name string
}

const (
	tagChatContent uint8 = iota + 1
	tagChatRefusal
	tagChatReasoning
	tagChatAudio
	tagChatOther
	tagChatTool
	tagChatChoice
	tagTop
	tagSlot
	tagText
	tagReasoning
	tagRefusal
	tagCall
	tagCommand
	tagShellOut
	tagSummary
	tagGemMeta
)

func (a *StreamAssembler) newSlot() *slot {
	s := &slot{}
	a.slots = append(a.slots, s)
	return s
}

// slotFor returns the slot indexed by k, creating it.
func (a *StreamAssembler) slotFor(k bkey) *slot {
	if s, ok := a.keyed[k]; ok {
		return s
	}
	k.name = strings.Clone(k.name)
	s := a.newSlot()
	a.keyed[k] = s
	return s
}

// blockFor returns the dynamic block indexed by k in slot s, creating it
// at base+suffix with context c. The location is only built when the block
// is new: a delta event costs no allocation.
func (a *StreamAssembler) blockFor(k bkey, s *slot, base, suffix string, c segCtx) *block {
	if b, ok := a.blocks[k]; ok {
		return b
	}
	k.name = strings.Clone(k.name)
	b := s.addBlock(base+suffix, c)
	a.blocks[k] = b
	return b
}

// loc returns the location prefix indexed by k, rendering it once.
func (a *StreamAssembler) loc(k bkey, render func() string) string {
	if l, ok := a.locs[k]; ok {
		return l
	}
	l := render()
	a.locs[k] = l
	return l
}

const (
	locChoice uint8 = iota + 1
	locOutput
	locContent
	locConverse
	locCandidate
)

// staticSlot fills slot s (a new one when nil) from the current event tree
// with the request/response parsers, replacing what it held: fn walks with
// a builder whose path starts at prefix.
func (a *StreamAssembler) staticSlot(s *slot, prefix string, fn func(b *builder)) *slot {
	if s == nil {
		s = a.newSlot()
	}
	// Forget the dynamic blocks and calls this slot held.
	for k, b := range a.blocks {
		for _, sb := range s.blocks {
			if sb == b {
				delete(a.blocks, k)
			}
		}
	}
	for k, c := range a.calls {
		for _, sc := range s.calls {
			if sc == c {
				delete(a.calls, k)
			}
		}
	}
	s.blocks, s.calls, s.nameResults, s.tools = s.blocks[:0], s.calls[:0], nil, nil
	a.appendStatic(s, prefix, fn)
	return s
}

// appendStatic adds to slot s the segments and calls fn produces.
func (a *StreamAssembler) appendStatic(s *slot, prefix string, fn func(b *builder)) {
	ix := &interaction.Interaction{}
	b := &builder{ix: ix, t: &a.tree, stream: true, known: true, lastCode: -1}
	b.path = append(make([]byte, 0, len(prefix)+32), prefix...)
	fn(b)
	arena := string(b.locs)
	isResult := make(map[int]bool, len(b.results))
	for _, r := range b.results {
		isResult[r] = true
	}
	base := len(s.blocks)
	blocks := make([]*block, len(ix.Segments))
	for i := range ix.Segments {
		seg := &ix.Segments[i]
		blk := &block{
			loc: arena[b.segLocs[i].start:b.segLocs[i].end], role: seg.Role, trust: seg.Trust, kind: seg.Kind,
			callID: seg.ToolCallID, result: isResult[i], fixed: seg.Text,
		}
		blocks[i] = blk
		s.blocks = append(s.blocks, blk)
	}
	for i := range ix.ToolCalls {
		tc := &ix.ToolCalls[i]
		sc := &scall{
			id: tc.ID, name: tc.Name, loc: arena[b.callLocs[i].start:b.callLocs[i].end],
			arguments: tc.Arguments, whole: true, parsed: tc.Args, tried: true, complete: true,
		}
		for _, si := range tc.ArgSegments {
			sc.argBlocks = append(sc.argBlocks, blocks[si])
		}
		s.calls = append(s.calls, sc)
	}
	for _, nr := range b.nameResults {
		s.nameResults = append(s.nameResults, nameResult{name: nr.name, first: base + nr.first, end: base + nr.end})
	}
	for i, td := range ix.Tools {
		td.Location = arena[b.toolLocs[i].start:b.toolLocs[i].end]
		s.tools = append(s.tools, td)
	}
	a.anomalies = append(a.anomalies, ix.Anomalies...)
}

// newMessage starts the indexes afresh when a stream carries another
// response (a new message_start or response.created): later events reuse
// block and output indexes, and must not land in the earlier response's
// slots, which stay.
func (a *StreamAssembler) newMessage() {
	if len(a.slots) == 0 {
		return
	}
	clear(a.blocks)
	clear(a.calls)
	clear(a.keyed)
	clear(a.gem)
}

// setModel records the model an event names.
func (a *StreamAssembler) setModel(s string) {
	if s != "" && s != a.model {
		a.model = strings.Clone(s)
	}
}

// Interaction returns what has been assembled so far. Its cost is
// proportional to the number of segments and tool calls, not to the text:
// segment texts share the assembler's buffers (appending later does not
// change them). Tool-call Args are parsed once, when the call completes,
// and shared between snapshots: treat the result as read-only.
func (a *StreamAssembler) Interaction() *interaction.Interaction {
	ix := &interaction.Interaction{
		API: a.api, Provider: provider(a.api, ""), Phase: interaction.PhaseResponse,
		Model: a.model, Stream: true, Usage: a.usage,
	}
	if len(a.anomalies) > 0 {
		ix.Anomalies = append([]interaction.Anomaly(nil), a.anomalies...)
	}
	n, nc := 0, 0
	for _, s := range a.slots {
		n += len(s.blocks)
		nc += len(s.calls)
	}
	ix.Segments = make([]interaction.Segment, 0, n)
	lb := &builder{ix: ix}
	for _, s := range a.slots {
		for _, blk := range s.blocks {
			text := blk.String()
			if text == "" {
				blk.idx = -1
				continue
			}
			blk.idx = len(ix.Segments)
			ix.Segments = append(ix.Segments, interaction.Segment{
				Text: text, Location: blk.loc, Role: blk.role, Trust: blk.trust, Kind: blk.kind,
				ToolCallID: blk.callID, Turn: 0, RawStart: -1, RawEnd: -1,
			})
			if blk.result && blk.callID != "" {
				lb.results = append(lb.results, blk.idx)
			}
		}
		for _, nr := range s.nameResults {
			first, end := -1, -1
			for _, blk := range s.blocks[nr.first:nr.end] {
				if blk.idx >= 0 {
					if first < 0 {
						first = blk.idx
					}
					end = blk.idx + 1
				}
			}
			if first >= 0 {
				lb.nameResults = append(lb.nameResults, nameResult{name: nr.name, first: first, end: end})
			}
		}
	}
	if nc > 0 {
		ix.ToolCalls = make([]interaction.ToolCall, 0, nc)
	}
	for _, s := range a.slots {
		ix.Tools = append(ix.Tools, s.tools...)
	}
	for _, s := range a.slots {
		for _, c := range s.calls {
			tc := interaction.ToolCall{ID: c.id, Name: c.name, Turn: 0, Location: c.loc, Arguments: c.argumentsText()}
			if c.args != nil && c.args.idx >= 0 {
				tc.ArgSegments = append(tc.ArgSegments, c.args.idx)
			}
			for _, ab := range c.argBlocks {
				if ab.idx >= 0 {
					tc.ArgSegments = append(tc.ArgSegments, ab.idx)
				}
			}
			if c.gem != nil {
				for _, l := range c.gem.leaves {
					if l.blk != nil && l.blk.idx >= 0 {
						tc.ArgSegments = append(tc.ArgSegments, l.blk.idx)
					}
				}
			}
			if c.complete && !c.tried {
				c.tried = true
				if c.gem != nil {
					c.parsed = c.gem.value()
				} else if !c.free {
					c.parsed = lb.parseArgsQuiet(tc.Arguments)
				}
			}
			tc.Args = c.parsed
			for _, r := range c.results {
				if r.idx >= 0 {
					tc.ResultSegments = append(tc.ResultSegments, r.idx)
				}
			}
			ix.ToolCalls = append(ix.ToolCalls, tc)
		}
	}
	lb.link()
	return ix
}

// parseArgsQuiet parses a JSON arguments string into a map without
// recording anomalies (a snapshot may be taken many times).
func (b *builder) parseArgsQuiet(s string) map[string]any {
	ts := strings.TrimSpace(s)
	if ts == "" || ts[0] != '{' {
		return nil
	}
	at, err := jsontree.ParseString(ts)
	if err != nil || at.Kind(0) != jsontree.Object {
		return nil
	}
	m, _ := toAny(at, 0, false).(map[string]any)
	return m
}

// idx formats an array step.
func idx(i int32) string { return "[" + strconv.Itoa(int(i)) + "]" }

// intField reads an integer member, or def.
func intField(t *jsontree.Tree, obj int32, key string, def int32) int32 {
	if n, ok := t.Int(t.Get(obj, key)); ok && n >= 0 && n < 1<<30 {
		return int32(n)
	}
	return def
}
