package injection

import "math/bits"

// The ASCII automaton. Most of what an agent sends is ASCII, and ASCII
// text can only hold the terms whose canonical form is ASCII (two thirds of
// the lexicon), so it is read by an automaton over those terms alone, kept
// small enough to stay in the first- and second-level caches beside the
// classifier's weights: 16-bit transitions, dense rows to depth 2 only
// (about 25 KB), six-byte deep states. Its scan is specialised for bytes:
// every byte is a rune, canonical form is only lower case and collapsed
// white space, and a loop without calls does the common work.

// asciiAutomaton is an automaton (see match.go) in 16-bit form. A
// transition is a flag for states where terms end and a 15-bit value: below
// deepBase, the offset of the target's dense row; from deepBase on, the
// index of a deep state in deep (offset by deepBase).
type asciiAutomaton struct {
	class    [256]uint8 // canonical byte -> class
	rawClass [256]uint8 // text byte -> class, upper case and white space folded
	nc       uint32     // classes
	nDense   uint32     // states with dense rows
	dense    []uint16   // rows of nc transitions for the shallow states
	deepBase uint32     // len(dense): the first value naming a deep state
	deep     []asciiState
	edges    []asciiEdge
	outs     []int32    // term ids, grouped per state
	outIdx   [][2]int32 // per state: outs[outIdx[s][0]:outIdx[s][1]]
	terms    []term
}

// asciiState is acState in 16-bit form.
type asciiState struct {
	next uint16 // the transition on b; for n > 1, the index of the first edge
	fail uint16 // the failure link, as a transition (without hOut)
	b    byte
	n    uint8 // edges
}

type asciiEdge struct {
	b    byte
	next uint16
}

// 16-bit transition encoding.
const (
	hOut  = 1 << 15
	hMask = hOut - 1
)

// asciiDenseDepth is the deepest trie level with dense rows in the ASCII
// automaton: deeper rows would push the table out of the first-level
// cache and past the 15 bits a transition has.
const asciiDenseDepth = 2

// newASCIIAutomaton returns a (built with collapse) in 16-bit form, or nil
// when its transitions do not fit.
func newASCIIAutomaton(a *automaton) *asciiAutomaton {
	h := &asciiAutomaton{class: a.class, rawClass: a.rawClass, nc: a.nc, nDense: uint32(a.nDense),
		deepBase: uint32(len(a.dense)), outs: a.outs, outIdx: a.outIdx, terms: a.terms}
	ok := uint64(h.deepBase)+uint64(len(a.states))-uint64(a.nDense) <= hMask
	to16 := func(v uint32) uint16 {
		p := v & tMask
		if v&tSparse != 0 {
			p = h.deepBase + p - h.nDense
		}
		r := uint16(p & hMask)
		if v&tOut != 0 {
			r |= hOut
		}
		return r
	}
	h.dense = make([]uint16, len(a.dense))
	for i, v := range a.dense {
		h.dense[i] = to16(v)
	}
	h.deep = make([]asciiState, len(a.states)-int(a.nDense))
	for i, st := range a.states[a.nDense:] {
		next := to16(st.next)
		if st.n > 1 {
			if st.next > 0xffff {
				ok = false
			}
			next = uint16(st.next)
		}
		h.deep[i] = asciiState{next: next, fail: to16(st.fail), b: st.b, n: st.n}
	}
	h.edges = make([]asciiEdge, len(a.edges))
	for i, e := range a.edges {
		h.edges[i] = asciiEdge{b: e.b, next: to16(e.next)}
	}
	if !ok {
		return nil
	}
	return h
}

// stateOf returns the state a transition leads to.
func (a *asciiAutomaton) stateOf(t uint32) int32 {
	p := t & hMask
	if p >= a.deepBase {
		return int32(p - a.deepBase + a.nDense)
	}
	return int32(p / a.nc)
}

// stepSparse follows canonical byte b from the deep state transition p
// names: its own edges, else its failure links down to a state with a
// dense row.
func (a *asciiAutomaton) stepSparse(p uint32, b byte) uint32 {
	for {
		st := &a.deep[p-a.deepBase]
		if st.n == 1 {
			if st.b == b {
				return uint32(st.next)
			}
		} else if st.n > 1 {
			for _, e := range a.edges[st.next : int(st.next)+int(st.n)] {
				if e.b == b {
					return uint32(e.next)
				} else if e.b > b {
					break
				}
			}
		}
		if uint32(st.fail) < a.deepBase {
			return uint32(a.dense[uint32(st.fail)+uint32(a.class[b])])
		}
		p = uint32(st.fail)
	}
}

// asciiScan is the state of scanASCII, handed between its fast loop and
// its byte-at-a-time step.
type asciiScan struct {
	i int    // next byte
	t uint32 // the transition into the current state
	// Sentence numbers are counted only when a hit needs one: sentence
	// breaks before byte cpos have been counted, and there are sentence.
	cpos     int
	sentence int32
}

// scanASCII is scan for ASCII text. A fast loop without calls, so that its
// state stays in registers, takes the common bytes; it stops at a byte
// that needs more (a state where terms end, a deep state it cannot step),
// which stepASCII takes. Neither keeps the positions of the bytes fed nor
// counts sentences: the rare hit finds its start by walking back over the
// text, and its sentence number by counting forward from the last hit's.
func (a *asciiAutomaton) scanASCII(text string, sc *scanner) {
	var st asciiScan
	for {
		a.runASCII(text, &st)
		if st.i >= len(text) {
			return
		}
		a.stepASCII(text, sc, &st)
	}
}

// runASCII advances st over the bytes whose transition leads into a state
// where no term ends, and stops before any other. White space runs
// collapse in the dense rows themselves (see buildAutomaton). A deep state
// is stepped here when its edges or its failure link into a dense state
// do it; a longer walk down failure links is left to stepASCII. A
// transition without the hOut flag is below deepBase exactly when its
// target has a dense row.
func (a *asciiAutomaton) runASCII(text string, st *asciiScan) {
	i, t := st.i, st.t
	if t&hOut == 0 {
		dense, deep, edges, base := a.dense, a.deep, a.edges, a.deepBase
		for ; i < len(text); i++ {
			c := text[i]
			var next uint32
			if t < base {
				next = uint32(dense[t+uint32(a.rawClass[c])])
			} else {
				s := &deep[t-base]
				b := asciiCanon[c]
				if b == ' ' && isSpace(text[i-1]) {
					break // a run to collapse
				}
				next = noEdge
				if s.n == 1 {
					if s.b == b {
						next = uint32(s.next)
					}
				} else if s.n > 1 {
					for _, e := range edges[s.next : int(s.next)+int(s.n)] {
						if e.b == b {
							next = uint32(e.next)
							break
						}
					}
				}
				if next == noEdge {
					if uint32(s.fail) >= base {
						break // a longer walk down failure links
					}
					next = uint32(dense[uint32(s.fail)+uint32(a.rawClass[c])])
				}
			}
			if next&hOut != 0 {
				break
			}
			t = next
		}
	}
	st.i, st.t = i, t
}

// noEdge is no transition: a value no 16-bit one has.
const noEdge = 1 << 16

// asciiCanon is the canonical byte of an ASCII byte: lower case, white
// space as ' '.
var asciiCanon = func() (t [256]byte) {
	for c := range t {
		b := byte(c)
		switch {
		case b >= 'A' && b <= 'Z':
			b += 'a' - 'A'
		case isSpace(b):
			b = ' '
		}
		t[c] = b
	}
	return t
}()

// stepASCII advances st by one byte, whatever it is.
func (a *asciiAutomaton) stepASCII(text string, sc *scanner, st *asciiScan) {
	i := st.i
	st.i++
	c := asciiCanon[text[i]]
	if c == ' ' && i > 0 && isSpace(text[i-1]) {
		return // collapsed into the space fed for the run's first byte
	}
	if p := st.t & hMask; p < a.deepBase {
		st.t = uint32(a.dense[p+uint32(a.class[c])])
	} else {
		st.t = a.stepSparse(p, c)
	}
	if st.t&hOut != 0 {
		a.emit(text, sc, a.stateOf(st.t), st.sentenceAt(text, i), i)
	}
}

// sentenceAt returns the sentence number scan gives a hit whose last
// byte is text[e]: the line breaks that end a sentence at or before e,
// and the sentence-ending marks before it (a mark followed by white
// space). Calls come with e increasing.
func (st *asciiScan) sentenceAt(text string, e int) int32 {
	p := st.cpos
	for ; p+8 <= e; p += 8 {
		// Eight bytes at a time; the candidates' high bits are set in m.
		w := text[p : p+8]
		v := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		for m := sentenceMarks(v); m != 0; m &= m - 1 {
			q := p + bits.TrailingZeros64(m)>>3
			switch text[q] {
			case '.', '!', '?':
				if q+1 == len(text) || isSpace(text[q+1]) {
					st.sentence++
				}
			case '\n':
				if newlineEndsSentence(text, q) {
					st.sentence++
				}
			}
		}
	}
	for ; p < e; p++ {
		st.countBreak(text, p)
	}
	st.cpos = p
	if text[e] == '\n' && newlineEndsSentence(text, e) {
		return st.sentence + 1
	}
	return st.sentence
}

// countBreak counts a sentence break at text[p].
func (st *asciiScan) countBreak(text string, p int) {
	switch text[p] {
	case '\n':
		if newlineEndsSentence(text, p) {
			st.sentence++
		}
	case '.', '!', '?':
		if p+1 == len(text) || isSpace(text[p+1]) {
			st.sentence++
		}
	}
}

// sentenceMarks sets the high bit of each byte of v that may be '\n',
// '.', '!' or '?' (and perhaps of a byte after one of them, by a borrow;
// never misses one).
func sentenceMarks(v uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x, y, z, w := v^('\n'*ones), v^('.'*ones), v^('!'*ones), v^('?'*ones)
	return ((x-ones)&^x | (y-ones)&^y | (z-ones)&^z | (w-ones)&^w) & highs
}

// emit records the terms ending at state s whose requirements hold: the
// hit's last canonical byte came from text[last], and its start is found
// by walking back over the text, a run of white space counting as the one
// space it was fed as.
func (a *asciiAutomaton) emit(text string, sc *scanner, s, sentence int32, last int) {
	o := a.outIdx[s]
	for i := o[0]; i < o[1]; i++ {
		id := a.outs[i]
		t := &a.terms[id]
		n := len(t.key)
		if n > ringSize {
			continue // as scanRunes, which keeps the last ringSize positions
		}
		start := last
		for k := 1; k < n; k++ {
			start--
			if isSpace(text[start]) {
				for start > 0 && isSpace(text[start-1]) {
					start--
				}
			}
		}
		if !boundaryOK(text, t, start, last+1) {
			continue
		}
		sc.hits = append(sc.hits, hit{term: id, start: int32(start), end: int32(last + 1),
			runeAt: int32(last+1) - t.runes, sentence: sentence})
	}
}
