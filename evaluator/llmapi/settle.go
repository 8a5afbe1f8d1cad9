package llmapi

import (
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
	// byID indexes calls by id when linking many results.
	byID map[string]int

	refs   []strRef
	runs   []run
	hint   int
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

// strRef is a string the Interaction keeps, by address.
type strRef struct {
	p uintptr
	s string
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

func getState() *parseState { return statePool.Get().(*parseState) }

// release clears every reference the state holds to the body and to the
// Interaction and returns it to the pool.
func (ps *parseState) release() {
	ps.tree.Reset()
	for _, at := range ps.argTrees[:ps.nArgTrees] {
		at.Reset()
	}
	ps.nArgTrees = 0
	clear(ps.segs[:cap(ps.segs)])
	calls := ps.calls[:cap(ps.calls)]
	for i := range calls {
		c := &calls[i]
		*c = interaction.ToolCall{ArgSegments: c.ArgSegments[:0], ResultSegments: c.ResultSegments[:0]}
	}
	clear(ps.tools[:cap(ps.tools)])
	clear(ps.jobs)
	ps.jobs = ps.jobs[:0]
	clear(ps.refs)
	ps.refs = ps.refs[:0]
	clear(ps.runs)
	ps.runs = ps.runs[:0]
	clear(ps.byID)
	ps.arena = ""
	b := &ps.b
	clear(b.nameResults)
	*b = builder{
		path: b.path[:0], locs: b.locs[:0], segLocs: b.segLocs[:0], callLocs: b.callLocs[:0], toolLocs: b.toolLocs[:0],
		results: b.results[:0], nameResults: b.nameResults[:0],
	}
	if cap(ps.tree.Nodes) > maxPooledNodes || cap(ps.segs) > maxPooledSegs {
		return
	}
	statePool.Put(ps)
}

// parse parses body in place into the state's tree.
func (ps *parseState) parse(body []byte) error {
	return (jsontree.Parser{Reuse: true}).ParseInto(&ps.tree, unsafe.String(unsafe.SliceData(body), len(body)))
}

// builder readies the state's builder for ix over the state's tree; the
// Interaction's slices grow in the state's storage until settle.
func (ps *parseState) builder(ix *interaction.Interaction) *builder {
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

// ref registers a string the Interaction keeps.
func (ps *parseState) ref(s string) {
	if s != "" {
		ps.refs = append(ps.refs, strRef{addr(s), s})
	}
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
			ps.ref(n.Key)
		}
		if n.Kind == jsontree.String && n.Str != "" && !within(n.Str, src) {
			ps.ref(n.Str)
		}
	}
}

// reloc returns the arena copy of a registered string.
func (ps *parseState) reloc(s string) string {
	if s == "" {
		return ""
	}
	p, n := addr(s), uintptr(len(s))
	runs := ps.runs
	i := ps.hint
	if i >= len(runs) || p < runs[i].start || p+n > runs[i].end {
		// Strings are mostly settled in body order: the hint misses at
		// most once a run. Otherwise find the first run ending after p.
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
		ps.hint = i
	}
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
	ps.refs = ps.refs[:0]
	ps.ref(ix.Model)
	for i := range ix.Segments {
		ps.ref(ix.Segments[i].Text)
		ps.ref(ix.Segments[i].ToolCallID)
	}
	nInts := 0
	for i := range ix.ToolCalls {
		c := &ix.ToolCalls[i]
		ps.ref(c.ID)
		ps.ref(c.Name)
		ps.ref(c.Arguments)
		nInts += len(c.ArgSegments) + len(c.ResultSegments)
	}
	for i := range ix.Tools {
		ps.ref(ix.Tools[i].Name)
		ps.ref(ix.Tools[i].Description)
		ps.ref(ix.Tools[i].Type)
	}
	for i := range ix.Anomalies {
		ps.ref(ix.Anomalies[i].Key)
	}
	for _, j := range ps.jobs {
		if j.t != nil {
			ps.ref(j.src)
			ps.refTree(j.t, j.v, j.src)
		}
	}
	ps.layout(b.locs)

	arena, locOff := ps.arena, ps.locOff
	loc := func(s span) string { return arena[locOff+int(s.start) : locOff+int(s.end)] }

	segs := make([]interaction.Segment, len(ix.Segments))
	for i := range ix.Segments {
		s := &segs[i]
		*s = ix.Segments[i]
		s.Text = ps.reloc(s.Text)
		s.ToolCallID = ps.reloc(s.ToolCallID)
		s.Location = loc(b.segLocs[i])
	}
	ix.Segments = segs

	if len(ix.ToolCalls) > 0 {
		ints := make([]int, 0, nInts)
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
	ix.Model = ps.reloc(ix.Model)
}

// layout merges the registered strings into runs and fills the arena:
// the runs, then locs.
func (ps *parseState) layout(locs []byte) {
	refs := ps.refs
	if !slices.IsSortedFunc(refs, cmpRef) {
		slices.SortFunc(refs, cmpRef)
	}
	runs := ps.runs[:0]
	total := 0
	for _, r := range refs {
		end := r.p + uintptr(len(r.s))
		if k := len(runs) - 1; k >= 0 && r.p < runs[k].end {
			// Overlapping strings lie in one object: extend the run.
			if end > runs[k].end {
				total += int(end - runs[k].end)
				runs[k].end = end
				runs[k].s = unsafe.String(unsafe.StringData(runs[k].s), int(end-runs[k].start))
			}
			continue
		}
		runs = append(runs, run{start: r.p, end: end, off: total, s: r.s})
		total += len(r.s)
	}
	buf := make([]byte, 0, total+len(locs))
	for _, r := range runs {
		buf = append(buf, r.s...)
	}
	buf = append(buf, locs...)
	ps.runs, ps.hint, ps.locOff = runs, 0, total
	// buf is never written again: every string of the Interaction is a
	// slice of this one conversion.
	ps.arena = unsafe.String(unsafe.SliceData(buf), len(buf))
}

func cmpRef(a, b strRef) int {
	switch {
	case a.p < b.p:
		return -1
	case a.p > b.p:
		return 1
	}
	return len(b.s) - len(a.s)
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
