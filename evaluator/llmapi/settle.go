package llmapi

import (
	"cmp"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// parseState is the scratch of one ParseRequest or non-streamed
// ParseResponse: the tree, the builder's stacks, and the Interaction's
// slices while they grow. It is pooled, so a body costs almost nothing but
// what the Interaction keeps.
//
// The tree is parsed in place over the caller's body, which the caller may
// reuse once ParseRequest returns, and decoded strings go to storage the
// next parse overwrites. So no string the walk produces may outlive the
// call as it is: settle copies every string the Interaction keeps (texts,
// ids, names, arguments, keys, Args values) into one arena allocated for
// this body alone, and the Interaction's slices into slices of exactly
// their length. The arena holds only what is kept, each byte once: ranges
// of the body that several strings share (a call's raw arguments and the
// argument texts inside them) are copied once.
type parseState struct {
	tree jsontree.Tree
	b    builder

	segs  []interaction.Segment
	calls []interaction.ToolCall
	tools []interaction.ToolDef

	// jobs are the Args to build once strings are settled, in the order
	// the walk set them.
	jobs []argsJob
	// argTrees hold parsed JSON-string arguments until then; nArgTrees
	// are in use.
	argTrees  []*jsontree.Tree
	nArgTrees int

	// src is the body as the tree sees it. Kept strings inside it are
	// marked in covered, a bit a byte, as the walk stores them (settle
	// adds the few it cannot see stored); ranks[w] counts the bits set in
	// covered[:w]. The arena starts with the covered bytes in body order,
	// so a body string's copy is at the rank of its offset: no search, no
	// sort, and bytes several strings share are copied once.
	src     string
	covered []uint64
	ranks   []int32
	// refs are the kept strings outside the body (decoded strings,
	// constants), merged by address into runs placed after the body
	// bytes; keys and order are scratch for sorting them.
	refs   []string
	keys   []uint64
	order  []int32
	runs   []run
	hint   int // in runs
	arena  string
	locOff int
}

// argsJob is a ToolCall.Args to build: the object at node v of tree t
// (parsed from src), or nil when t is nil.
type argsJob struct {
	call int
	t    *jsontree.Tree
	v    int32
	src  string
}

// run is a range of memory that kept strings cover, and where it goes in
// the arena. s spans the range (overlapping strings lie in one object).
type run struct {
	start, end uintptr
	off        int
	s          string
}

var statePool = sync.Pool{New: func() any { return new(parseState) }}

// Limits above which a state is not pooled, so that one huge body does not
// pin its scratch for good.
const (
	maxPooledNodes = 1 << 16
	maxPooledSegs  = 1 << 13
)

// relocMisses counts kept strings that were not registered before the
// arena was sized; each was cloned instead. Tests require zero: a miss is
// a walk that stores a string settle does not know of.
var relocMisses atomic.Int64

// strictSettle makes reloc check that a body string's bytes are all
// kept before trusting its rank; tests set it.
var strictSettle atomic.Bool

func getState() *parseState { return statePool.Get().(*parseState) }

// release returns the state to the pool, resetting what its next use
// reads. It clears nothing for the collector's sake: the scratch may keep
// the last body reachable, but only until the pool lets go of the state,
// at most two collections later, and nothing in it is reachable from the
// Interaction, which owns all its memory.
func (ps *parseState) release() {
	ps.nArgTrees = 0
	ps.jobs = ps.jobs[:0]
	ps.refs = ps.refs[:0]
	ps.keys = ps.keys[:0]
	ps.runs = ps.runs[:0]
	ps.arena, ps.src = "", ""
	b := &ps.b
	*b = builder{
		path: b.path[:0], frames: b.frames[:0], keys: b.keys[:0], locs: b.locs[:0], segLocs: b.segLocs[:0], callLocs: b.callLocs[:0], toolLocs: b.toolLocs[:0],
		results: b.results[:0], nameResults: b.nameResults[:0], order: b.order[:0], names: b.names[:0], cursors: b.cursors[:0],
	}
	if cap(ps.tree.Nodes) > maxPooledNodes || cap(ps.segs) > maxPooledSegs {
		return
	}
	statePool.Put(ps)
}

// parse parses body in place into the state's tree.
func (ps *parseState) parse(body []byte) error {
	ps.src = unsafe.String(unsafe.SliceData(body), len(body))
	return (jsontree.Parser{Reuse: true}).ParseInto(&ps.tree, ps.src)
}

// builder readies the state's builder for ix over the state's tree; the
// Interaction's slices grow in the state's storage until settle.
func (ps *parseState) builder(ix *interaction.Interaction) *builder {
	nw := len(ps.src)>>6 + 1
	ps.covered = slices.Grow(ps.covered[:0], nw)[:nw]
	clear(ps.covered)
	b := &ps.b
	b.ix, b.t, b.ps, b.lastCode = ix, &ps.tree, ps, -1
	ix.Segments, ix.ToolCalls, ix.Tools = ps.segs[:0], ps.calls[:0], ps.tools[:0]
	return b
}

// argTree returns a tree for the arguments of one call, kept until settle.
func (ps *parseState) argTree() *jsontree.Tree {
	if ps.nArgTrees == len(ps.argTrees) {
		ps.argTrees = append(ps.argTrees, new(jsontree.Tree))
	}
	ps.nArgTrees++
	return ps.argTrees[ps.nArgTrees-1]
}

func addr(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }

// retain registers a string the Interaction keeps.
func (ps *parseState) retain(s string) {
	// Small enough to inline into the walk. An empty string covers
	// nothing wherever it points.
	if o := addr(s) - addr(ps.src); o < uintptr(len(ps.src)) {
		ps.cover(int(o), int(o)+len(s))
		return
	}
	ps.retainOther(s)
}

func (ps *parseState) retainOther(s string) {
	if s != "" {
		ps.refs = append(ps.refs, s)
	}
}

// cover marks body bytes [from, to) as kept.
func (ps *parseState) cover(from, to int) {
	w := ps.covered
	if from >= to {
		return
	}
	i, j := from>>6, (to-1)>>6
	lo, hi := ^uint64(0)<<uint(from&63), ^uint64(0)>>uint(63-(to-1)&63)
	if i == j {
		w[i] |= lo & hi
		return
	}
	w[i] |= lo
	for k := i + 1; k < j; k++ {
		w[k] = ^uint64(0)
	}
	w[j] |= hi
}

// rank is the number of kept body bytes before offset o (o <= len(body)).
func (ps *parseState) rank(o int) int {
	i := o >> 6
	return int(ps.ranks[i]) + bits.OnesCount64(ps.covered[i]&(1<<uint(o&63)-1))
}

// within reports whether s lies inside outer's memory.
func within(s, outer string) bool {
	p, o := addr(s), addr(outer)
	return p >= o && p+uintptr(len(s)) <= o+uintptr(len(outer))
}

// refTree registers the keys and strings under node v that Args will
// hold and that do not lie inside src (decoded strings live elsewhere).
func (ps *parseState) refTree(t *jsontree.Tree, v int32, src string) {
	end := t.Nodes[v].End
	for i := v + 1; int(i) < len(t.Nodes) && t.Nodes[i].Start < end; i++ {
		n := &t.Nodes[i]
		if n.Key != "" && !within(n.Key, src) {
			ps.retain(n.Key)
		}
		if n.Kind == jsontree.String && n.Str != "" && !within(n.Str, src) {
			ps.retain(n.Str)
		}
	}
}

// reloc returns the arena copy of a registered string.
func (ps *parseState) reloc(s string) string {
	if s == "" {
		return ""
	}
	if o := addr(s) - addr(ps.src); o < uintptr(len(ps.src)) {
		// A body string, registered whole: its copy is at its rank.
		// Tests check the registration (strictSettle).
		r := ps.rank(int(o))
		if strictSettle.Load() && ps.rank(int(o)+len(s))-r != len(s) {
			relocMisses.Add(1)
			return string([]byte(s))
		}
		return ps.arena[r : r+len(s)]
	}
	return ps.relocOther(s)
}

// relocOther returns the arena copy of a registered string from outside
// the body.
func (ps *parseState) relocOther(s string) string {
	p, n := addr(s), uintptr(len(s))
	runs := ps.runs
	i := ps.hint
	// Strings are mostly settled in address order: the run is the hint's
	// or one of the next few. Otherwise find the first run ending after p.
	for k := min(i+4, len(runs)); i < k && p >= runs[i].end; i++ {
	}
	if i >= len(runs) || p < runs[i].start || p+n > runs[i].end {
		lo, hi := 0, len(runs)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if runs[m].end <= p {
				lo = m + 1
			} else {
				hi = m
			}
		}
		i = lo
		if i == len(runs) || p < runs[i].start || p+n > runs[i].end {
			relocMisses.Add(1)
			return string([]byte(s))
		}
	}
	ps.hint = i
	off := runs[i].off + int(p-runs[i].start)
	return ps.arena[off : off+len(s)]
}

// settle registers every string the Interaction keeps, copies them into
// one arena with the locations, and replaces the Interaction's slices by
// exact copies holding arena strings. The builder's tree and argument
// trees must still hold the walked body.
func (ps *parseState) settle(b *builder) {
	ix := b.ix
	// Keep the grown scratch for the next body.
	ps.segs, ps.calls, ps.tools = ix.Segments, ix.ToolCalls, ix.Tools
	// The walk registered texts, call ids, names and arguments, and tool
	// fields as it stored them; the rest is registered now.
	ps.retain(ix.Model)
	var last string
	for i := range ix.Segments {
		if id := ix.Segments[i].ToolCallID; id != "" && (addr(id) != addr(last) || len(id) != len(last)) {
			ps.retain(id)
			last = id
		}
	}
	nInts := 0
	for i := range ix.ToolCalls {
		nInts += len(ix.ToolCalls[i].ArgSegments) + len(ix.ToolCalls[i].ResultSegments)
	}
	for i := range ix.Anomalies {
		ps.retain(ix.Anomalies[i].Key)
	}
	for _, j := range ps.jobs {
		if j.t != nil {
			ps.retain(j.src)
			ps.refTree(j.t, j.v, j.src)
		}
	}
	ints := ps.layout(b.locs, nInts)
	ix.Model = ps.reloc(ix.Model)

	arena, locOff := ps.arena, ps.locOff
	loc := func(s span) string { return arena[locOff+int(s.start) : locOff+int(s.end)] }

	segs := make([]interaction.Segment, len(ix.Segments))
	strict := strictSettle.Load()
	base, size := addr(ps.src), uintptr(len(ps.src))
	for i := range ix.Segments {
		s := &segs[i]
		*s = ix.Segments[i]
		// reloc, inlined for the commonest case: a text from the body.
		if o := addr(s.Text) - base; o < size && !strict {
			r := ps.rank(int(o))
			s.Text = arena[r : r+len(s.Text)]
		} else {
			s.Text = ps.reloc(s.Text)
		}
		if s.ToolCallID != "" {
			s.ToolCallID = ps.reloc(s.ToolCallID)
		}
		s.Location = loc(b.segLocs[i])
	}
	ix.Segments = segs

	if len(ix.ToolCalls) > 0 {
		ints2 := func(src []int) []int {
			if len(src) == 0 {
				return nil
			}
			k := len(ints)
			ints = append(ints, src...)
			return ints[k:len(ints):len(ints)]
		}
		calls := make([]interaction.ToolCall, len(ix.ToolCalls))
		for i := range ix.ToolCalls {
			c := &ix.ToolCalls[i]
			calls[i] = interaction.ToolCall{
				ID: ps.reloc(c.ID), Name: ps.reloc(c.Name), Arguments: ps.reloc(c.Arguments),
				ArgSegments: ints2(c.ArgSegments), ResultSegments: ints2(c.ResultSegments),
				Turn: c.Turn, Location: loc(b.callLocs[i]),
			}
		}
		for _, j := range ps.jobs {
			if j.t == nil {
				calls[j.call].Args = nil
				continue
			}
			calls[j.call].Args, _ = ps.toAny(j.t, j.v).(map[string]any)
		}
		ix.ToolCalls = calls
	} else {
		ix.ToolCalls = nil
	}

	if len(ix.Tools) > 0 {
		tools := make([]interaction.ToolDef, len(ix.Tools))
		for i := range ix.Tools {
			td := &ix.Tools[i]
			tools[i] = interaction.ToolDef{
				Name: ps.reloc(td.Name), Description: ps.reloc(td.Description), Type: ps.reloc(td.Type),
				Location: loc(b.toolLocs[i]),
			}
		}
		ix.Tools = tools
	} else {
		ix.Tools = nil
	}
	for i := range ix.Anomalies {
		ix.Anomalies[i].Key = ps.reloc(ix.Anomalies[i].Key)
	}
}

// layout fills the arena: the kept body bytes in order, then the other
// kept strings merged into runs, then locs.
func (ps *parseState) layout(locs []byte, nInts int) (ints []int) {
	covered := ps.covered
	ranks := slices.Grow(ps.ranks[:0], len(covered))[:len(covered)]
	total := 0
	for i, w := range covered {
		ranks[i] = int32(total)
		total += bits.OnesCount64(w)
	}
	ps.ranks = ranks

	refs := ps.refs
	order := ps.sortRefs()
	runs := ps.runs[:0]
	for _, i := range order {
		r := refs[i]
		p := addr(r)
		end := p + uintptr(len(r))
		if k := len(runs) - 1; k >= 0 && p < runs[k].end {
			// Overlapping strings lie in one object: extend the run.
			if end > runs[k].end {
				total += int(end - runs[k].end)
				runs[k].end = end
				runs[k].s = unsafe.String(unsafe.StringData(runs[k].s), int(end-runs[k].start))
			}
			continue
		}
		runs = append(runs, run{start: p, end: end, off: total, s: r})
		total += len(r)
	}

	// One allocation holds everything the Interaction keeps that has no
	// pointers: first nInts ints for the calls' segment index slices, then,
	// seen as bytes, the arena. Nothing writes to the bytes once they are
	// filled, and the index slices handed out are capped before them.
	n := total + len(locs)
	if nInts == 0 && n == 0 {
		ps.runs, ps.hint, ps.locOff, ps.arena = runs, 0, total, ""
		return nil
	}
	words := make([]int, nInts+(n+7)/8)
	ints = words[:0:nInts]
	var buf []byte
	if n > 0 {
		buf = unsafe.Slice((*byte)(unsafe.Pointer(&words[nInts])), n)[:0]
	}
	// The covered body bytes, a run of set bits at a time. A clear bit
	// always follows the last run: bits at and past len(src) are never set.
	src := ps.src
	for pos := 0; ; {
		start := nextBit(covered, pos, 0)
		if start < 0 {
			break
		}
		end := nextBit(covered, start, ^uint64(0))
		buf = append(buf, src[start:end]...)
		pos = end
	}
	for _, r := range runs {
		buf = append(buf, r.s...)
	}
	buf = append(buf, locs...)
	ps.runs, ps.hint, ps.locOff = runs, 0, total
	ps.arena = ""
	if len(buf) > 0 {
		ps.arena = unsafe.String(unsafe.SliceData(buf), len(buf))
	}
	return ints
}

// nextBit returns the index of the first bit at or after pos that is set
// in words^flip, or -1.
func nextBit(words []uint64, pos int, flip uint64) int {
	i := pos >> 6
	if i >= len(words) {
		return -1
	}
	w := (words[i] ^ flip) & (^uint64(0) << uint(pos&63))
	for w == 0 {
		i++
		if i >= len(words) {
			return -1
		}
		w = words[i] ^ flip
	}
	return i<<6 + bits.TrailingZeros64(w)
}

// sortRefs returns the indexes of refs in address order. Addresses fit in
// 48 bits on the platforms Go runs on, so an address and an index pack
// into one integer and sort without a comparison function.
func (ps *parseState) sortRefs() []int32 {
	refs := ps.refs
	keys := ps.keys[:0]
	packed := len(refs) < 1<<16
	for i, r := range refs {
		p := uint64(addr(r))
		if p >= 1<<48 {
			packed = false
			break
		}
		keys = append(keys, p<<16|uint64(i))
	}
	order := slices.Grow(ps.order[:0], len(refs))[:len(refs)]
	ps.order = order
	if packed {
		if !slices.IsSorted(keys) {
			slices.Sort(keys)
		}
		for i, k := range keys {
			order[i] = int32(k & 0xffff)
		}
	} else {
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(addr(refs[a]), addr(refs[b])) })
	}
	ps.keys = keys
	return order
}

// toAny is builder.toAny over settled strings.
func (ps *parseState) toAny(t *jsontree.Tree, v int32) any {
	n := &t.Nodes[v]
	switch n.Kind {
	case jsontree.String:
		return ps.reloc(n.Str)
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
			m[ps.reloc(t.Nodes[c].Key)] = ps.toAny(t, c)
		}
		return m
	case jsontree.Array:
		s := make([]any, 0, n.Len)
		for c := t.First(v); c >= 0; c = t.Next(c) {
			s = append(s, ps.toAny(t, c))
		}
		return s
	}
	return nil
}
