package normalize

import "sort"

// anchor records that bytes [to, toEnd) of a stage's output came from bytes
// [from, fromEnd) of its input and that the two differ in length. Between
// anchors, output and input advance together.
type anchor struct {
	to, toEnd, from, fromEnd int
}

// spanMap collects the anchors of one stage.
type spanMap []anchor

// add records that out[to:toEnd] replaced in[from:fromEnd]. Replacements of
// equal length need no anchor; adjacent ones merge, so a folded word is one
// anchor rather than one per letter.
func (m *spanMap) add(to, toEnd, from, fromEnd int) {
	if toEnd-to == fromEnd-from {
		return
	}
	if n := len(*m); n > 0 {
		last := &(*m)[n-1]
		if last.toEnd == to && last.fromEnd == from {
			last.toEnd, last.fromEnd = toEnd, fromEnd
			return
		}
	}
	*m = append(*m, anchor{to, toEnd, from, fromEnd})
}

// mapStart maps a start offset of a stage's output to its input. A start
// inside a replaced chunk maps to the chunk's start.
func mapStart(m []anchor, off int) int {
	i := sort.Search(len(m), func(i int) bool { return m[i].to > off }) - 1
	if i < 0 {
		return off
	}
	a := m[i]
	if off < a.toEnd {
		return a.from
	}
	return a.fromEnd + off - a.toEnd
}

// mapEnd maps an end offset of a stage's output to its input. An end inside
// a replaced chunk maps to the chunk's end.
func mapEnd(m []anchor, off int) int {
	i := sort.Search(len(m), func(i int) bool { return m[i].to >= off }) - 1
	if i < 0 {
		return off
	}
	a := m[i]
	if off <= a.toEnd {
		return a.fromEnd
	}
	return a.fromEnd + off - a.toEnd
}
