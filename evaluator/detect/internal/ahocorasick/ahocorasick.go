// Package ahocorasick finds many literal keywords in one pass over a text.
//
// Detector families use it as a prefilter: one scan of a request tells which
// rules have a keyword present, and where, so that the comparatively costly
// regular expressions and validators run only in small windows around those
// hits instead of over the whole text once per rule.
//
// The matcher is a dense deterministic automaton over byte classes (bytes
// that appear in no pattern share one class), so a scan is one table lookup
// per input byte and allocates nothing once the Matcher is built. A Matcher is
// immutable after construction and safe for concurrent use.
package ahocorasick

import (
	"errors"
	"fmt"
)

// Pattern is one keyword to find.
type Pattern struct {
	Text string
	// FoldCase makes ASCII letters match in either case ("AKIA" then also
	// matches "akia"). Bytes outside A-Z/a-z always match exactly.
	FoldCase bool
}

// Match is one occurrence of a pattern: text[Start:End] equals the pattern
// (up to ASCII case when the pattern folds case).
type Match struct {
	ID    int // index of the pattern in the slice the Matcher was built from
	Start int
	End   int
}

// Matcher is a compiled set of patterns.
type Matcher struct {
	class  [256]uint8
	stride uint32
	// delta[s+c] is the next state for premultiplied state s (a multiple of
	// stride) and byte class c.
	delta []uint32
	// outMin is the first premultiplied state that ends a pattern; start is
	// the premultiplied root.
	outMin, start uint32
	// outStart[s/stride]..outStart[s/stride+1] index outIDs: the patterns that
	// end in state s, own ones and those inherited through failure links.
	outStart []uint32
	outIDs   []int32
	patLen   []int32
	// verify[id] is set for case-sensitive patterns in an automaton built
	// over case-folded bytes: their hits are confirmed with an exact compare.
	verify []bool
	pats   []string
	// first2 is a bitset over pairs of byte classes: bit c0*stride+c1 is set
	// when some pattern starts with a byte of class c0 followed by one of
	// class c1. While the automaton sits in its start state, the scan skips
	// every position whose pair is absent without touching the transition
	// table; that is most of ordinary text. It is nil when a one-byte
	// pattern makes the skip unsound.
	first2 []uint64
}

// New builds a matcher for words, all case-sensitive or all folding case.
func New(words []string, foldCase bool) (*Matcher, error) {
	ps := make([]Pattern, len(words))
	for i, w := range words {
		ps[i] = Pattern{Text: w, FoldCase: foldCase}
	}
	return Compile(ps)
}

// MustCompile is Compile for patterns known to be valid; it panics on error.
func MustCompile(patterns []Pattern) *Matcher {
	m, err := Compile(patterns)
	if err != nil {
		panic(err)
	}
	return m
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Compile builds a matcher. Pattern ids are indexes into patterns. Empty
// patterns are rejected; duplicates are allowed and each reports its own id.
func Compile(patterns []Pattern) (*Matcher, error) {
	if len(patterns) == 0 {
		return nil, errors.New("ahocorasick: no patterns")
	}
	if len(patterns) > 1<<30 {
		return nil, errors.New("ahocorasick: too many patterns")
	}
	fold := false
	for i, p := range patterns {
		if p.Text == "" {
			return nil, fmt.Errorf("ahocorasick: pattern %d is empty", i)
		}
		fold = fold || p.FoldCase
	}
	m := &Matcher{
		patLen: make([]int32, len(patterns)),
		verify: make([]bool, len(patterns)),
		pats:   make([]string, len(patterns)),
	}
	key := func(c byte) byte {
		if fold {
			return lower(c)
		}
		return c
	}
	// Byte classes: every distinct (folded) byte used by a pattern gets its
	// own class; all other bytes fall in class 0, which only ever leads back
	// towards the root.
	var used [256]bool
	for i, p := range patterns {
		m.patLen[i] = int32(len(p.Text))
		m.pats[i] = p.Text
		m.verify[i] = fold && !p.FoldCase
		for j := 0; j < len(p.Text); j++ {
			used[key(p.Text[j])] = true
		}
	}
	n := uint32(1)
	for b := 0; b < 256; b++ {
		if used[b] {
			m.class[b] = uint8(n)
			n++
		}
	}
	if n > 256 {
		// 255 distinct pattern bytes plus the "other" class do not fit a
		// byte; fall back to one class per byte value.
		for b := 0; b < 256; b++ {
			m.class[b] = uint8(b)
		}
		n = 256
	}
	if fold {
		for b := 'A'; b <= 'Z'; b++ {
			m.class[b] = m.class[b+'a'-'A']
		}
	}
	stride := n
	m.stride = stride

	// Trie with dense rows; -1 is "no edge" until the automaton is completed.
	trans := make([]int32, stride)
	for i := range trans {
		trans[i] = -1
	}
	var own [][]int32 // own[state]: patterns ending exactly here
	own = append(own, nil)
	states := 1
	for id, p := range patterns {
		s := 0
		for j := 0; j < len(p.Text); j++ {
			c := m.class[key(p.Text[j])]
			next := trans[s*int(stride)+int(c)]
			if next < 0 {
				next = int32(states)
				states++
				row := make([]int32, stride)
				for k := range row {
					row[k] = -1
				}
				trans = append(trans, row...)
				own = append(own, nil)
				trans[s*int(stride)+int(c)] = next
			}
			s = int(next)
		}
		own[s] = append(own[s], int32(id))
	}
	if uint64(states)*uint64(stride) >= 1<<31 {
		return nil, errors.New("ahocorasick: automaton too large")
	}

	// Breadth-first completion: failure links, full transitions, outputs.
	fail := make([]int32, states)
	outs := make([][]int32, states)
	outs[0] = own[0]
	queue := make([]int32, 0, states)
	for c := uint32(0); c < stride; c++ {
		t := trans[c]
		if t < 0 {
			trans[c] = 0
			continue
		}
		fail[t] = 0
		queue = append(queue, t)
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		outs[s] = append(append([]int32(nil), own[s]...), outs[fail[s]]...)
		for c := uint32(0); c < stride; c++ {
			idx := int(s)*int(stride) + int(c)
			t := trans[idx]
			fs := trans[int(fail[s])*int(stride)+int(c)]
			if t < 0 {
				trans[idx] = fs
				continue
			}
			fail[t] = fs
			queue = append(queue, t)
		}
	}

	// Renumber states so that those with outputs come last: the scan loop
	// then tells an output state by comparing its index with outMin, which
	// keeps the per-byte dependency chain to one load and one add.
	order := make([]int32, 0, states) // new index -> old state
	for s := 0; s < states; s++ {
		if len(outs[s]) == 0 {
			order = append(order, int32(s))
		}
	}
	firstOut := len(order)
	for s := 0; s < states; s++ {
		if len(outs[s]) > 0 {
			order = append(order, int32(s))
		}
	}
	renum := make([]uint32, states)
	for ni, old := range order {
		renum[old] = uint32(ni)
	}
	m.outMin = uint32(firstOut) * stride
	m.delta = make([]uint32, len(trans))
	m.outStart = make([]uint32, states+1)
	for ni, old := range order {
		m.outStart[ni] = uint32(len(m.outIDs))
		m.outIDs = append(m.outIDs, outs[old]...)
		for c := uint32(0); c < stride; c++ {
			t := trans[int(old)*int(stride)+int(c)]
			m.delta[uint32(ni)*stride+c] = renum[t] * stride
		}
	}
	m.outStart[states] = uint32(len(m.outIDs))
	m.start = renum[0] * stride

	m.first2 = make([]uint64, (int(stride)*int(stride)+63)/64)
	for _, p := range patterns {
		if len(p.Text) < 2 {
			m.first2 = nil
			break
		}
		b := uint32(m.class[key(p.Text[0])])*stride + uint32(m.class[key(p.Text[1])])
		m.first2[b/64] |= 1 << (b % 64)
	}
	return m, nil
}

// NumPatterns returns how many patterns the matcher was built from.
func (m *Matcher) NumPatterns() int { return len(m.pats) }

// Pattern returns the text of pattern id.
func (m *Matcher) Pattern(id int) string { return m.pats[id] }

// Scan calls fn for every occurrence of every pattern in text, overlapping
// ones included, in order of their end position (ties in an unspecified but
// fixed order). Scanning stops early when fn returns false.
func (m *Matcher) Scan(text string, fn func(Match) bool) {
	s := m.start
	delta, class, outMin, first2, stride := m.delta, &m.class, m.outMin, m.first2, m.stride
	n := len(text)
	for i := 0; i < n; i++ {
		if s == m.start && first2 != nil {
			// No pattern can start at i unless its first two bytes do.
			for i+1 < n {
				b := uint32(class[text[i]])*stride + uint32(class[text[i+1]])
				if first2[b/64]&(1<<(b%64)) != 0 {
					break
				}
				i++
			}
		}
		s = delta[s+uint32(class[text[i]])]
		if s < outMin {
			continue
		}
		st := s / m.stride
		end := i + 1
		for _, id := range m.outIDs[m.outStart[st]:m.outStart[st+1]] {
			start := end - int(m.patLen[id])
			if m.verify[id] && text[start:end] != m.pats[id] {
				continue
			}
			if !fn(Match{ID: int(id), Start: start, End: end}) {
				return
			}
		}
	}
}

// AppendMatches appends every occurrence (as Scan reports them) to dst and
// returns it. With a dst of sufficient capacity it allocates nothing.
func (m *Matcher) AppendMatches(dst []Match, text string) []Match {
	m.Scan(text, func(mt Match) bool {
		dst = append(dst, mt)
		return true
	})
	return dst
}

// Contains reports whether any pattern occurs in text.
func (m *Matcher) Contains(text string) bool {
	found := false
	m.Scan(text, func(Match) bool {
		found = true
		return false
	})
	return found
}
