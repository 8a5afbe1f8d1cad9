package injection

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The phrase matcher. Every term of every family (verbs, objects,
// markers, in all languages) goes into one Aho–Corasick automaton, so a
// text is read once whatever the number of terms. The automaton is fed a
// light canonical form of the text: ASCII and two-byte letters (Latin,
// Greek, Cyrillic, Armenian) lower-cased, runs of white space collapsed to
// one space, typographic quotes made straight. Each hit is then checked
// against the term's word-boundary and case requirements in the original
// text, and carries its rune index and sentence number so that rules can
// ask for terms "in the same sentence, within N characters".

// term flags, written as markers around the term text in the lexicon:
//
//	"word"   whole word: letters or digits on neither side
//	"stem*"  a stem: letters may follow
//	"*fix"   letters may precede
//	"=DAN"   case-sensitive (compared with the original text)
//	"^user:" at the start of a line
//	"word$"  ends a sentence: nothing but punctuation or the end follows
//
// Terms in scripts written without spaces between words (Chinese,
// Japanese, Thai) or that glue particles and affixes to words (Korean,
// Arabic, the Indic scripts) never check boundaries.
type termFlags uint8

const (
	flagLeft termFlags = 1 << iota
	flagRight
	flagCase
	flagLineStart
	flagEnd // "term$": ends a sentence (only punctuation or the end of the text follows)
)

type term struct {
	key   string // what the automaton matches (canonical form)
	exact string // the original spelling, for case-sensitive terms
	flags termFlags
	runes int32 // runes in key
	fams  []famID
}

// automaton is an Aho–Corasick automaton over canonical bytes. States are
// numbered breadth first, so the shallow ones, which text keeps returning
// to, come first and have dense rows of complete transitions (failure
// links already followed) over byte classes: one load per byte. Deeper
// states keep their sorted edges and a failure link. A transition is a
// uint16: the target state, with the high bit set when terms end there,
// so that the common case never touches the state table.
type automaton struct {
	class    [256]uint8 // byte -> class; 0 is every byte no term uses
	nClasses int
	nDense   int32    // states [0, nDense) have dense rows
	dense    []uint16 // nDense rows of nClasses transitions
	states   []acState
	edges    []acEdge
	outs     []int32 // term ids, grouped per state
	terms    []term
	maxLen   int
}

type acState struct {
	fail               int32
	edgeStart, edgeEnd int32 // edges[edgeStart:edgeEnd], sorted by byte
	outStart, outEnd   int32 // outs[outStart:outEnd]: terms ending here, incl. via fail links
}

type acEdge struct {
	b    byte
	next uint16 // transition, as in dense
}

const (
	// denseDepth is the deepest trie level with dense transition rows.
	denseDepth = 3
	// hasOut marks a transition into a state where terms end.
	hasOut    = 0x8000
	stateMask = 0x7fff
)

// buildAutomaton compiles the terms.
func buildAutomaton(terms []term) *automaton {
	a := &automaton{terms: terms}
	type node struct {
		children map[byte]int32
		outs     []int32
		fail     int32
		depth    int32
	}
	nodes := []node{{children: map[byte]int32{}}}
	for id, t := range terms {
		s := int32(0)
		for i := 0; i < len(t.key); i++ {
			b := t.key[i]
			next, ok := nodes[s].children[b]
			if !ok {
				next = int32(len(nodes))
				nodes = append(nodes, node{children: map[byte]int32{}, depth: nodes[s].depth + 1})
				nodes[s].children[b] = next
			}
			s = next
		}
		nodes[s].outs = append(nodes[s].outs, int32(id))
		if len(t.key) > a.maxLen {
			a.maxLen = len(t.key)
		}
	}
	if len(nodes) > stateMask {
		panic("injection: lexicon too large for 15-bit automaton states")
	}
	sortedChildren := func(n *node) []byte {
		bs := make([]byte, 0, len(n.children))
		for b := range n.children {
			bs = append(bs, b)
		}
		sort.Slice(bs, func(i, j int) bool { return bs[i] < bs[j] })
		return bs
	}
	// Breadth-first order, failure links, inherited outputs.
	order := []int32{0}
	for qi := 0; qi < len(order); qi++ {
		s := order[qi]
		for _, b := range sortedChildren(&nodes[s]) {
			c := nodes[s].children[b]
			order = append(order, c)
			if s == 0 {
				nodes[c].fail = 0
				continue
			}
			f := nodes[s].fail
			for {
				if next, ok := nodes[f].children[b]; ok {
					nodes[c].fail = next
					break
				}
				if f == 0 {
					nodes[c].fail = 0
					break
				}
				f = nodes[f].fail
			}
		}
	}
	for _, s := range order[1:] {
		nodes[s].outs = append(nodes[s].outs, nodes[nodes[s].fail].outs...)
	}
	// Renumber breadth first.
	newID := make([]int32, len(nodes))
	for i, s := range order {
		newID[s] = int32(i)
		if nodes[s].depth <= denseDepth {
			a.nDense = int32(i + 1)
		}
	}
	trans := func(old int32) uint16 {
		v := uint16(newID[old])
		if len(nodes[old].outs) > 0 {
			v |= hasOut
		}
		return v
	}
	// Byte classes.
	for _, t := range terms {
		for i := 0; i < len(t.key); i++ {
			if a.class[t.key[i]] == 0 {
				a.nClasses++
				a.class[t.key[i]] = uint8(a.nClasses)
			}
		}
	}
	a.nClasses++ // class 0
	if a.nClasses > 256 {
		panic("injection: too many byte classes")
	}
	var classByte [256]byte
	for b := 255; b >= 0; b-- {
		classByte[a.class[b]] = byte(b)
	}
	// States, edges, outputs and dense rows, in the new order.
	a.states = make([]acState, len(nodes))
	a.dense = make([]uint16, int(a.nDense)*a.nClasses)
	for i, s := range order {
		n := &nodes[s]
		st := &a.states[i]
		st.fail = newID[n.fail]
		st.edgeStart = int32(len(a.edges))
		for _, b := range sortedChildren(n) {
			a.edges = append(a.edges, acEdge{b: b, next: trans(n.children[b])})
		}
		st.edgeEnd = int32(len(a.edges))
		st.outStart = int32(len(a.outs))
		a.outs = append(a.outs, n.outs...)
		st.outEnd = int32(len(a.outs))
		if int32(i) >= a.nDense {
			continue
		}
		row := a.dense[i*a.nClasses : (i+1)*a.nClasses]
		for c := 1; c < a.nClasses; c++ {
			if child, ok := n.children[classByte[c]]; ok {
				row[c] = trans(child)
			} else if i != 0 {
				// The fail target is shallower, so its row is done.
				row[c] = a.dense[int(newID[n.fail])*a.nClasses+c]
			}
		}
	}
	return a
}

// step follows byte b from state s and returns the transition.
func (a *automaton) step(s int32, b byte) uint16 {
	for {
		if s < a.nDense {
			return a.dense[int(s)*a.nClasses+int(a.class[b])]
		}
		st := &a.states[s]
		for e := st.edgeStart; e < st.edgeEnd; e++ {
			if eb := a.edges[e].b; eb == b {
				return a.edges[e].next
			} else if eb > b {
				break
			}
		}
		s = st.fail
	}
}

// hit is one term found in a text.
type hit struct {
	term       int32
	start, end int32 // byte span in the text
	runeAt     int32 // rune index of start
	sentence   int32 // sentence number
}

// ringSize bounds the canonical length of a term (a power of two).
const ringSize = 128

// scanner holds the per-call state of a scan; it is reused through a pool.
type scanner struct {
	hits    []hit
	extra   []uint32 // classifier features of the hits
	posRing [ringSize]int32
	// Per-call state of the detector, kept here to be reused.
	famHits [numFamilies][]int32
	present famSet // the families whose famHits lists may be non-empty
	results []result
}

// scan appends the hits of a's terms in text to sc.hits. ASCII bytes
// that are not white space (most of any text) go through the automaton
// inline, with the state in local variables; other characters through
// feed, which takes and returns the state by value so that the locals can
// stay in registers. Only a state where terms end (flagged in the
// transition) costs a call to emit.
func (a *automaton) scan(text string, sc *scanner) {
	var (
		s        int32 // automaton state
		fed      int32 // canonical bytes fed
		runes    int32 // runes read
		sentence int32
		space    bool // the last fed byte was a collapsed space
		dense    = a.dense
		nc       = int32(a.nClasses)
		nDense   = a.nDense
	)
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf && c > ' ' {
			runes++
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			space = false
			sc.posRing[fed&(ringSize-1)] = int32(i)
			fed++
			var t uint16
			if s < nDense {
				t = dense[s*nc+int32(a.class[c])]
			} else {
				t = a.step(s, c)
			}
			s = int32(t & stateMask)
			i++
			if t&hasOut != 0 {
				a.emit(text, sc, s, fed, runes, sentence, i)
			}
			if (c == '.' || c == '!' || c == '?') && (i == len(text) || isSpace(text[i])) {
				sentence++
			}
			continue
		}
		if c < utf8.RuneSelf {
			runes++
			if c == '\n' && newlineEndsSentence(text, i) {
				sentence++
			}
			if !space && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
				s, fed = a.feed(text, sc, s, fed, runes, sentence, ' ', int32(i), i+1)
				space = true
			} else if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				s, fed = a.feed(text, sc, s, fed, runes, sentence, c, int32(i), i+1)
				space = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		runes++
		pos, next := int32(i), i+size
		i = next
		if unicode.IsSpace(r) {
			if !space {
				s, fed = a.feed(text, sc, s, fed, runes, sentence, ' ', pos, next)
			}
			space = true
			continue
		}
		space = false
		switch r {
		case '\u2018', '\u2019', '\u02bc':
			s, fed = a.feed(text, sc, s, fed, runes, sentence, '\'', pos, next)
			continue
		case '\u201c', '\u201d', '\u00ab', '\u00bb':
			s, fed = a.feed(text, sc, s, fed, runes, sentence, '"', pos, next)
			continue
		case '。', '！', '？', '।', '॥', '؟', '…':
			sentence++
		}
		if size == 2 {
			if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) == 2 {
				r = l
			}
			var buf [2]byte
			utf8.EncodeRune(buf[:], r)
			s, fed = a.feed(text, sc, s, fed, runes, sentence, buf[0], pos, next)
			s, fed = a.feed(text, sc, s, fed, runes, sentence, buf[1], pos, next)
		} else {
			for k := int(pos); k < next; k++ {
				s, fed = a.feed(text, sc, s, fed, runes, sentence, text[k], pos, next)
			}
		}
	}
}

// feed advances the automaton from state s by canonical byte b, which
// came from the character at text[pos:next], and returns the new state
// and count of bytes fed.
func (a *automaton) feed(text string, sc *scanner, s, fed, runes, sentence int32, b byte, pos int32, next int) (int32, int32) {
	sc.posRing[fed&(ringSize-1)] = pos
	fed++
	t := a.step(s, b)
	s = int32(t & stateMask)
	if t&hasOut != 0 {
		a.emit(text, sc, s, fed, runes, sentence, next)
	}
	return s, fed
}

// emit records the terms ending at state s whose boundary, case and
// position requirements hold. fed canonical bytes and runes runes have
// been read; the last character ends at byte next.
func (a *automaton) emit(text string, sc *scanner, s, fed, runes, sentence int32, next int) {
	o := &a.states[s]
	for i := o.outStart; i < o.outEnd; i++ {
		id := a.outs[i]
		t := &a.terms[id]
		n := int32(len(t.key))
		if n > fed || n > ringSize {
			continue
		}
		start := sc.posRing[(fed-n)&(ringSize-1)]
		if !a.boundaryOK(text, t, int(start), next) {
			continue
		}
		sc.hits = append(sc.hits, hit{term: id, start: start, end: int32(next),
			runeAt: runes - t.runes, sentence: sentence})
	}
}

// newlineEndsSentence reports whether the line break at text[i] ends a
// sentence: a blank line, a line ending in punctuation, or a line whose
// next line starts a list item or a role marker. Hard-wrapped prose keeps
// its sentences together.
func newlineEndsSentence(text string, i int) bool {
	// Previous non-space byte.
	j := i - 1
	for j >= 0 && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
		j--
	}
	if j < 0 {
		return true
	}
	switch text[j] {
	case '\n', '.', '!', '?', ':', ';', '>', ']', '}', ')', '"', '\'', '`', '|':
		return true
	}
	// Next non-space byte.
	k := i + 1
	for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r') {
		k++
	}
	if k >= len(text) {
		return true
	}
	switch c := text[k]; {
	case c == '\n', c == '-', c == '*', c == '#', c == '>', c == '<', c == '[', c == '|', c >= '0' && c <= '9',
		c >= 'A' && c <= 'Z':
		return true
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// boundaryOK checks a term's boundary, case and line-start requirements
// for a hit spanning text[start:end].
func (a *automaton) boundaryOK(text string, t *term, start, end int) bool {
	if t.flags&flagLeft != 0 && start > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if isWordRune(r) {
			return false
		}
	}
	if t.flags&flagRight != 0 && end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if isWordRune(r) {
			return false
		}
	}
	if t.flags&flagCase != 0 && !strings.HasPrefix(text[start:], t.exact) {
		return false
	}
	if t.flags&flagEnd != 0 {
		k := end
		for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
			k++
		}
		if k < len(text) {
			r, _ := utf8.DecodeRuneInString(text[k:])
			if !strings.ContainsRune("?.!:;,\"')\n»。？！؟", r) {
				return false
			}
		}
	}
	if t.flags&flagLineStart != 0 {
		j := start - 1
		for j >= 0 && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
			j--
		}
		if j >= 0 && text[j] != '\n' {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return (c|0x20) >= 'a' && (c|0x20) <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// canonical returns the form the automaton is fed for s: lower-cased, white
// space collapsed, quotes straightened. It must agree with scan.
func canonical(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		switch r {
		case '\u2018', '\u2019', '\u02bc':
			r = '\''
		case '\u201c', '\u201d', '\u00ab', '\u00bb':
			r = '"'
		}
		if r < utf8.RuneSelf {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
		} else if utf8.RuneLen(r) == 2 {
			if l := unicode.ToLower(r); utf8.RuneLen(l) == 2 {
				r = l
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// parseTerm reads a lexicon entry with its markers.
func parseTerm(spec string) term {
	var t term
	if strings.HasPrefix(spec, "^") {
		t.flags |= flagLineStart
		spec = spec[1:]
	}
	if strings.HasPrefix(spec, "=") {
		t.flags |= flagCase
		spec = spec[1:]
	}
	if strings.HasSuffix(spec, "$") {
		t.flags |= flagEnd
		spec = spec[:len(spec)-1]
	}
	left, right := true, true
	if strings.HasPrefix(spec, "*") {
		left = false
		spec = spec[1:]
	}
	if strings.HasSuffix(spec, "*") {
		right = false
		spec = spec[:len(spec)-1]
	}
	first, _ := utf8.DecodeRuneInString(spec)
	last, _ := utf8.DecodeLastRuneInString(spec)
	if left && !unspaced(first) && isWordRune(first) {
		t.flags |= flagLeft
	}
	if right && !unspaced(last) && isWordRune(last) {
		t.flags |= flagRight
	}
	// Terms are matched against normalized text, so they are normalized
	// the same way (NFKC splits Thai SARA AM, for one).
	spec = norm.NFKC.String(spec)
	t.exact = spec
	t.key = canonical(spec)
	t.runes = int32(utf8.RuneCountInString(t.key))
	return t
}

// unspaced reports whether r belongs to a script whose words are not
// delimited by spaces, or that attaches particles and affixes to words, so
// that a term may sit inside a longer run of letters.
func unspaced(r rune) bool {
	switch {
	case r >= 0x0600 && r <= 0x06FF, // Arabic
		r >= 0x0900 && r <= 0x0DFF, // Indic scripts
		r >= 0x0E00 && r <= 0x0EFF, // Thai, Lao
		r >= 0x1100 && r <= 0x11FF, // Hangul jamo
		r >= 0x3040 && r <= 0x30FF, // kana
		r >= 0x3400 && r <= 0x9FFF, // CJK
		r >= 0xAC00 && r <= 0xD7AF, // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF:
		return true
	}
	return false
}
