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
	fams  []famID
}

// automaton is an Aho–Corasick automaton over canonical bytes with a dense
// transition table at the root and sorted sparse edges elsewhere.
type automaton struct {
	root   [256]int32
	states []acState
	edges  []acEdge
	outs   []int32 // term ids, grouped per state
	terms  []term
	maxLen int
}

type acState struct {
	fail               int32
	edgeStart, edgeEnd int32 // edges[edgeStart:edgeEnd], sorted by byte
	outStart, outEnd   int32 // outs[outStart:outEnd]: terms ending here, incl. via fail links
}

type acEdge struct {
	b    byte
	next int32
}

// buildAutomaton compiles the terms.
func buildAutomaton(terms []term) *automaton {
	a := &automaton{terms: terms}
	// Trie, with per-state child maps during the build.
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
	// Failure links, breadth first; outputs inherit along fail links.
	queue := make([]int32, 0, len(nodes))
	for _, c := range nodes[0].children {
		nodes[c].fail = 0
		queue = append(queue, c)
	}
	sort.Slice(queue, func(i, j int) bool { return queue[i] < queue[j] })
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		bs := make([]int, 0, len(nodes[s].children))
		for b := range nodes[s].children {
			bs = append(bs, int(b))
		}
		sort.Ints(bs)
		for _, bi := range bs {
			b := byte(bi)
			c := nodes[s].children[b]
			f := nodes[s].fail
			for {
				if next, ok := nodes[f].children[b]; ok && next != c {
					nodes[c].fail = next
					break
				}
				if f == 0 {
					nodes[c].fail = 0
					break
				}
				f = nodes[f].fail
			}
			nodes[c].outs = append(nodes[c].outs, nodes[nodes[c].fail].outs...)
			queue = append(queue, c)
		}
	}
	// Flatten.
	a.states = make([]acState, len(nodes))
	for i := range nodes {
		st := &a.states[i]
		st.fail = nodes[i].fail
		st.edgeStart = int32(len(a.edges))
		bs := make([]int, 0, len(nodes[i].children))
		for b := range nodes[i].children {
			bs = append(bs, int(b))
		}
		sort.Ints(bs)
		for _, b := range bs {
			a.edges = append(a.edges, acEdge{b: byte(b), next: nodes[i].children[byte(b)]})
		}
		st.edgeEnd = int32(len(a.edges))
		st.outStart = int32(len(a.outs))
		a.outs = append(a.outs, nodes[i].outs...)
		st.outEnd = int32(len(a.outs))
	}
	for b := 0; b < 256; b++ {
		a.root[b] = 0
		if next, ok := nodes[0].children[byte(b)]; ok {
			a.root[b] = next
		}
	}
	return a
}

// step follows byte b from state s.
func (a *automaton) step(s int32, b byte) int32 {
	for s != 0 {
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
	return a.root[b]
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
	runRing [ringSize]int32
}

// scan appends the hits of a's terms in text to sc.hits.
func (a *automaton) scan(text string, sc *scanner) {
	var (
		s        int32
		fed      int32 // canonical bytes fed
		runes    int32
		sentence int32
		space    bool // the last fed byte was a collapsed space
	)
	feed := func(b byte, pos, runeAt int32, next int) {
		sc.posRing[fed&(ringSize-1)] = pos
		sc.runRing[fed&(ringSize-1)] = runeAt
		fed++
		s = a.step(s, b)
		st := &a.states[s]
		for o := st.outStart; o < st.outEnd; o++ {
			id := a.outs[o]
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
				runeAt: sc.runRing[(fed-n)&(ringSize-1)], sentence: sentence})
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			runes++
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				if c == '\n' && newlineEndsSentence(text, i) {
					sentence++
				}
				if !space {
					feed(' ', int32(i), runes-1, i+1)
					space = true
				}
				i++
				continue
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			}
			space = false
			feed(c, int32(i), runes-1, i+1)
			if (c == '.' || c == '!' || c == '?') && (i+1 == len(text) || isSpace(text[i+1])) {
				sentence++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		runes++
		if unicode.IsSpace(r) {
			if !space {
				feed(' ', int32(i), runes-1, i+size)
			}
			space = true
			i += size
			continue
		}
		space = false
		switch r {
		case '\u2018', '\u2019', '\u02bc':
			feed('\'', int32(i), runes-1, i+size)
			i += size
			continue
		case '\u201c', '\u201d', '\u00ab', '\u00bb':
			feed('"', int32(i), runes-1, i+size)
			i += size
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
			feed(buf[0], int32(i), runes-1, i+size)
			feed(buf[1], int32(i), runes-1, i+size)
		} else {
			for k := 0; k < size; k++ {
				feed(text[i+k], int32(i), runes-1, i+size)
			}
		}
		i += size
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
