package injection

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator/normalize"
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
// states keep their sorted edges and a failure link.
//
// A transition is a uint32 that says all the scanner needs without
// touching the state table: a flag for states where terms end, a flag for
// the deep (sparse) states, and either the offset of the target's dense
// row (its index times the number of classes, so that the next step is
// one add and one load) or the target's index.
//
// Text that is all ASCII (most of what an agent sends) can only hold the
// terms whose canonical form is ASCII, so it is read by a second, smaller
// automaton over those terms alone (ascii.go). Both report the same hits
// in the same order: term ids are shared, and the terms ending at a state
// are listed longest first, then in lexicon order, in either.
type automaton struct {
	class    [256]uint8 // canonical byte -> class; 0 is every byte no term uses
	rawClass [256]uint8 // class of a text byte, upper case folded (for the ASCII automaton)
	nc       uint32     // classes
	nDense   int32      // states [0, nDense) have dense rows
	dense    []uint32   // nDense rows of nc transitions
	states   []acState
	edges    []acEdge
	outs     []int32    // term ids, grouped per state
	outIdx   [][2]int32 // per state: outs[outIdx[s][0]:outIdx[s][1]] end there, incl. via fail links
	terms    []term
	// ascii is the automaton of the ASCII terms, for ASCII text; nil
	// when they outgrow its 16-bit transitions, and then scanRunes reads
	// ASCII text too.
	ascii *asciiAutomaton
}

// acState is a state's failure link and transitions. Nearly every deep
// state has one edge, kept inline (b, next) so that a step from it reads
// one small record; a state with more edges keeps them in edges[next:]
// (n of them, sorted by byte).
type acState struct {
	next uint32 // the transition on b; for n > 1, the index of the first edge
	fail uint32 // the failure link, as a transition (without tOut)
	b    byte
	n    uint8 // edges
}

type acEdge struct {
	b    byte
	next uint32 // transition, as in dense
}

// Transition encoding.
const (
	tOut    = 1 << 31 // terms end in the target state
	tSparse = 1 << 30 // the target has no dense row; the payload is its index
	tMask   = tSparse - 1
)

// denseDepth is the deepest trie level with dense rows in the full
// automaton.
const denseDepth = 3

// buildAutomaton compiles the terms for which keep is true (all when keep
// is nil), with dense rows down to depth. With collapse, the dense rows
// collapse runs of white space themselves, for runASCII (ascii.go).
func buildAutomaton(terms []term, keep func(*term) bool, depth int32, collapse bool) *automaton {
	a := &automaton{terms: terms}
	type edge struct {
		b    byte
		next int32
	}
	type node struct {
		children []edge // sorted by byte
		outs     []int32
		fail     int32
		depth    int32
		last     byte // the byte of the edge into the node
	}
	child := func(n *node, b byte) (int32, bool) {
		i, ok := slices.BinarySearchFunc(n.children, b, func(e edge, b byte) int { return int(e.b) - int(b) })
		if !ok {
			return 0, false
		}
		return n.children[i].next, true
	}
	size := 1
	for id := range terms {
		size += len(terms[id].key)
	}
	nodes := make([]node, 1, size)
	for id := range terms {
		t := &terms[id]
		if keep != nil && !keep(t) {
			continue
		}
		s := int32(0)
		for i := 0; i < len(t.key); i++ {
			b := t.key[i]
			k, ok := slices.BinarySearchFunc(nodes[s].children, b, func(e edge, b byte) int { return int(e.b) - int(b) })
			if ok {
				s = nodes[s].children[k].next
				continue
			}
			next := int32(len(nodes))
			nodes = append(nodes, node{depth: nodes[s].depth + 1, last: b})
			nodes[s].children = slices.Insert(nodes[s].children, k, edge{b, next})
			s = next
		}
		nodes[s].outs = append(nodes[s].outs, int32(id))
	}
	// Breadth-first order, failure links, inherited outputs.
	order := make([]int32, 1, len(nodes))
	for qi := 0; qi < len(order); qi++ {
		s := order[qi]
		for _, e := range nodes[s].children {
			c := e.next
			order = append(order, c)
			if s == 0 {
				nodes[c].fail = 0
				continue
			}
			f := nodes[s].fail
			for {
				if next, ok := child(&nodes[f], e.b); ok {
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
		if fo := nodes[nodes[s].fail].outs; len(fo) > 0 {
			nodes[s].outs = append(nodes[s].outs, fo...)
		}
	}
	// Renumber breadth first.
	newID := make([]int32, len(nodes))
	for i, s := range order {
		newID[s] = int32(i)
		if nodes[s].depth <= depth {
			a.nDense = int32(i + 1)
		}
	}
	// The complete transitions of the dense states, by byte, as new state
	// ids (failure links followed; a shallower state's row is done first).
	rows := make([][256]int32, a.nDense)
	for i := int32(0); i < a.nDense; i++ {
		n := &nodes[order[i]]
		if i != 0 {
			rows[i] = rows[newID[n.fail]]
		}
		for _, e := range n.children {
			rows[i][e.b] = newID[e.next]
		}
	}
	// Byte classes: bytes whose columns agree in every dense row share a
	// class, and class 0 is the bytes that lead every dense state back to
	// the root. Deep states compare bytes, not classes.
	cols := map[string]uint8{}
	col := make([]byte, 0, 4*a.nDense)
	nc := 1
	for b := 0; b < 256; b++ {
		col = col[:0]
		zero := true
		if b == ' ' {
			// White space gets a class of its own: the ASCII automaton
			// rewrites its column (see collapseSpaces).
			col = append(col, ' ')
		}
		for i := range rows {
			v := rows[i][b]
			zero = zero && v == 0
			col = append(col, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
		}
		if zero {
			continue
		}
		c, ok := cols[string(col)]
		if !ok {
			if nc == 256 {
				panic("injection: too many byte classes")
			}
			c = uint8(nc)
			nc++
			cols[string(col)] = c
		}
		a.class[b] = c
	}
	a.nc = uint32(nc)
	for c := 0; c < 256; c++ {
		b := byte(c)
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		a.rawClass[c] = a.class[b]
	}
	if uint64(a.nDense)*uint64(nc) > tMask || len(nodes) > tMask {
		panic("injection: lexicon too large for the automaton's transitions")
	}
	trans := func(id int32) uint32 {
		v := uint32(id) * a.nc
		if id >= a.nDense {
			v = uint32(id) | tSparse
		}
		if len(nodes[order[id]].outs) > 0 {
			v |= tOut
		}
		return v
	}
	a.dense = make([]uint32, int(a.nDense)*nc)
	for i := range rows {
		for b := 0; b < 256; b++ {
			if c := a.class[b]; c != 0 {
				a.dense[i*nc+int(c)] = trans(rows[i][b])
			}
		}
	}
	if collapse {
		// A state entered by a space stays where it is on more white
		// space, without reporting its terms again: the collapsing of
		// white space runs, done by the table (see runASCII). No other
		// path reads these entries: they feed a space only after a
		// byte that is not one.
		sp := uint32(a.class[' '])
		for i := int32(1); i < a.nDense && sp != 0; i++ {
			if nodes[order[i]].last == ' ' {
				a.dense[uint32(i)*a.nc+sp] = uint32(i) * a.nc
			}
		}
		for _, c := range []byte{'\t', '\r', '\n'} {
			a.rawClass[c] = a.class[' ']
		}
	}
	// States, edges and outputs, in the new order.
	a.states = make([]acState, len(nodes))
	a.outIdx = make([][2]int32, len(nodes))
	for i, s := range order {
		n := &nodes[s]
		st := &a.states[i]
		st.fail = trans(newID[n.fail]) &^ tOut
		children := n.children
		if len(children) > 255 {
			panic("injection: state with too many edges")
		}
		st.n = uint8(len(children))
		switch len(children) {
		case 0:
		case 1:
			st.b, st.next = children[0].b, trans(newID[children[0].next])
		default:
			st.next = uint32(len(a.edges))
			for _, e := range children {
				a.edges = append(a.edges, acEdge{b: e.b, next: trans(newID[e.next])})
			}
		}
		a.outIdx[i][0] = int32(len(a.outs))
		a.outs = append(a.outs, n.outs...)
		a.outIdx[i][1] = int32(len(a.outs))
	}
	return a
}

// isASCIIKey reports whether a term's canonical form is ASCII.
func isASCIIKey(t *term) bool { return isASCII(t.key) }

// isASCII reports whether s is all ASCII, eight bytes at a time.
func isASCII(s string) bool {
	for len(s) >= 8 {
		// One load: the compiler combines the bytes.
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if v&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// stateOf returns the state a transition leads to.
func (a *automaton) stateOf(t uint32) int32 {
	if t&tSparse != 0 {
		return int32(t & tMask)
	}
	return int32((t & tMask) / a.nc)
}

// step follows canonical byte b from the state transition t led to.
func (a *automaton) step(t uint32, b byte) uint32 {
	if t&tSparse == 0 {
		return a.dense[t&tMask+uint32(a.class[b])]
	}
	return a.stepSparse(a.states, int32(t&tMask), b)
}

// stepSparse follows byte b from deep state s: its own edges, else its
// failure links down to a state with a dense row. states is a.states,
// passed so that a caller's loop keeps it in a register.
func (a *automaton) stepSparse(states []acState, s int32, b byte) uint32 {
	for {
		st := &states[s]
		if st.n == 1 {
			if st.b == b {
				return st.next
			}
		} else if st.n > 1 {
			for _, e := range a.edges[st.next : st.next+uint32(st.n)] {
				if e.b == b {
					return e.next
				} else if e.b > b {
					break
				}
			}
		}
		if st.fail&tSparse == 0 {
			return a.dense[st.fail+uint32(a.class[b])]
		}
		s = int32(st.fail & tMask)
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

// scan appends the hits of a's terms in text to sc.hits. ASCII text goes
// to the ASCII automaton's byte loop; other text is read rune by rune,
// with ASCII bytes that are not white space inline and the state in local
// variables, other characters through feed, which takes and returns the
// state by value so that the locals can stay in registers. Only a state
// where terms end (flagged in the transition) costs a call to emit.
func (a *automaton) scan(text string, sc *scanner) {
	if a.ascii != nil && isASCII(text) {
		a.ascii.scanASCII(text, sc)
		return
	}
	a.scanRunes(text, sc)
}

// scanRunes is scan for any text, with the full automaton.
func (a *automaton) scanRunes(text string, sc *scanner) {
	var (
		t        uint32 // the transition into the current state
		fed      int32  // canonical bytes fed
		runes    int32  // runes read
		sentence int32
		space    bool // the last fed byte was a collapsed space
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
			if t&tSparse == 0 {
				t = a.dense[t&tMask+uint32(a.class[c])]
			} else {
				t = a.stepSparse(a.states, int32(t&tMask), c)
			}
			i++
			if t&tOut != 0 {
				a.emit(text, sc, a.stateOf(t), fed, runes, sentence, i)
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
				t, fed = a.feed(text, sc, t, fed, runes, sentence, ' ', int32(i), i+1)
				space = true
			} else if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				t, fed = a.feed(text, sc, t, fed, runes, sentence, c, int32(i), i+1)
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
				t, fed = a.feed(text, sc, t, fed, runes, sentence, ' ', pos, next)
			}
			space = true
			continue
		}
		space = false
		switch r {
		case '\u2018', '\u2019', '\u02bc':
			t, fed = a.feed(text, sc, t, fed, runes, sentence, '\'', pos, next)
			continue
		case '\u201c', '\u201d', '\u00ab', '\u00bb':
			t, fed = a.feed(text, sc, t, fed, runes, sentence, '"', pos, next)
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
			t, fed = a.feed(text, sc, t, fed, runes, sentence, buf[0], pos, next)
			t, fed = a.feed(text, sc, t, fed, runes, sentence, buf[1], pos, next)
		} else {
			for k := int(pos); k < next; k++ {
				t, fed = a.feed(text, sc, t, fed, runes, sentence, text[k], pos, next)
			}
		}
	}
}

// feed advances the automaton from transition t by canonical byte b,
// which came from the character at text[pos:next], and returns the new
// transition and count of bytes fed.
func (a *automaton) feed(text string, sc *scanner, t uint32, fed, runes, sentence int32, b byte, pos int32, next int) (uint32, int32) {
	sc.posRing[fed&(ringSize-1)] = pos
	fed++
	t = a.step(t, b)
	if t&tOut != 0 {
		a.emit(text, sc, a.stateOf(t), fed, runes, sentence, next)
	}
	return t, fed
}

// emit records the terms ending at state s whose boundary, case and
// position requirements hold. fed canonical bytes and runes runes have
// been read; the last character ends at byte next.
func (a *automaton) emit(text string, sc *scanner, s, fed, runes, sentence int32, next int) {
	o := a.outIdx[s]
	for i := o[0]; i < o[1]; i++ {
		id := a.outs[i]
		t := &a.terms[id]
		n := int32(len(t.key))
		if n > fed || n > ringSize {
			continue
		}
		start := sc.posRing[(fed-n)&(ringSize-1)]
		if !boundaryOK(text, t, int(start), next) {
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
func boundaryOK(text string, t *term, start, end int) bool {
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
	// the same way: NFKC (which splits Thai SARA AM, for one) and the
	// folding of Latin look-alikes (Turkish dotless ı reads as i).
	if r := normalize.Text(spec); r.Changed {
		spec = r.Text
	}
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
