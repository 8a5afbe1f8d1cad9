package jsontree

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Parser holds parsing options. The zero value is ready to use.
type Parser struct {
	// MaxDepth limits nesting of objects and arrays; 0 means DefaultMaxDepth.
	MaxDepth int
	// Reuse lets ParseInto overwrite the storage of decoded strings from a
	// previous parse into the same tree. Callers parsing many small
	// documents (stream events) set it and copy what they keep.
	Reuse bool
}

// Parse parses body with the default options. The body is converted to a
// string once; unescaped string values are substrings of that conversion.
func Parse(body []byte) (*Tree, error) {
	t := new(Tree)
	if err := (Parser{}).ParseInto(t, string(body)); err != nil {
		return nil, err
	}
	return t, nil
}

// ParseString parses s with the default options, without copying it.
func ParseString(s string) (*Tree, error) {
	t := new(Tree)
	if err := (Parser{}).ParseInto(t, s); err != nil {
		return nil, err
	}
	return t, nil
}

// ParseInto parses s into t, reusing t's node and anomaly storage. Strings
// in t alias s. On error t is left empty.
func (p Parser) ParseInto(t *Tree, s string) error {
	t.Anomalies = t.Anomalies[:0]
	t.Strings = 0
	t.src = s
	if p.Reuse {
		t.esc = t.esc[:0]
	} else {
		t.esc = nil
	}
	if len(s) >= math.MaxInt32 {
		t.Nodes = t.Nodes[:0]
		return &SyntaxError{Offset: 0, Reason: "document larger than 2 GiB"}
	}
	nodes := t.Nodes[:0]
	// A fresh tree is sized from a count of the document's brackets and
	// commas. A reused one (pooled, or parsing stream events) keeps its
	// storage and grows it when a document needs more: counting costs a
	// pass over s.
	if cap(nodes) == 0 {
		nodes = make([]Node, 0, estimateNodes(s))
	}
	if t.stack == nil {
		// Room for the nesting of an LLM body, so that a fresh tree does
		// not grow its stack step by step.
		t.stack = make([]open, 0, 16)
	}
	st := state{t: t, s: s, maxDepth: p.MaxDepth, nodes: nodes, kids: t.kids[:0]}
	if st.maxDepth <= 0 {
		st.maxDepth = DefaultMaxDepth
	}
	st.ws()
	err := st.run()
	if err == nil {
		st.ws()
		if st.pos != len(s) {
			err = st.fail("unexpected data after top-level value")
		}
	}
	t.kids = st.kids[:0]
	t.Strings = st.strings
	if err != nil {
		t.Nodes = st.nodes[:0]
		t.Anomalies = t.Anomalies[:0]
		return err
	}
	t.Nodes = st.nodes
	for i := range t.Anomalies {
		t.Anomalies[i].Path = t.Path(t.Anomalies[i].Object)
	}
	return nil
}

// estimateNodes bounds the number of values in s: every value but the first
// of a container follows a comma and the first follows an opening bracket.
// Counting inside strings only overestimates. The bound is capped because a
// value takes at least two bytes.
func estimateNodes(s string) int {
	n := 1 + strings.Count(s, ",") + strings.Count(s, "{") + strings.Count(s, "[")
	if lim := len(s)/2 + 1; n > lim {
		n = lim
	}
	return n
}

// state is one parse. Nodes are appended to a local slice (stored back in
// the tree at the end) so that the hot path does not reload the tree.
type state struct {
	t        *Tree
	s        string
	pos      int
	maxDepth int
	nodes    []Node
	strings  int
	// kids is scratch for the duplicate-key check of one object.
	kids  []kid
	stack []open
	// The member whose value is parsed next: its key, the key's range,
	// and its container (-1 and "" in arrays and at the top).
	key            string
	ks, ke, parent int32
}

// kid is an object member: its node and its key's signature (keySig).
type kid struct {
	node int32
	sig  uint32
}

func (st *state) fail(reason string) error {
	return &SyntaxError{Offset: st.pos, Reason: reason}
}

func (st *state) ws() {
	// Whitespace is rare between tokens of a compact body: one compare
	// settles the common case.
	if st.pos < len(st.s) && st.s[st.pos] > ' ' {
		return
	}
	for st.pos < len(st.s) {
		switch st.s[st.pos] {
		case ' ', '\t', '\n', '\r':
			st.pos++
		default:
			return
		}
	}
}

// open is a container being parsed.
type open struct {
	idx  int32 // its node
	prev int32 // its last child so far, or -1
	n    int32 // its children so far
	// bloom has one of 128 bits set for each member key's signature
	// (keySig); full is set when a signature may match an earlier one, and
	// only then are the keys compared when the object closes.
	bloom [2]uint64
	full  bool
	obj   bool
}

// skipWS returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipWS(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// failAt returns the error for a problem at offset at.
func (st *state) failAt(at int, reason string) error {
	st.pos = at
	return st.fail(reason)
}

// newNode appends a node for the pending member (st.key, st.ks, st.ke,
// st.parent), written in place: a composite literal would be built on the
// stack and copied.
func (st *state) newNode(k Kind, f Flag, str string, start, end int) int32 {
	n := len(st.nodes)
	if n == cap(st.nodes) {
		st.nodes = slices.Grow(st.nodes, 1)
	}
	st.nodes = st.nodes[:n+1]
	nd := &st.nodes[n]
	nd.Str, nd.Key = str, st.key
	nd.Start, nd.End, nd.KeyStart, nd.KeyEnd = int32(start), int32(end), st.ks, st.ke
	nd.Parent, nd.Next, nd.Len = st.parent, -1, 0
	nd.Kind, nd.Flags = k, f
	return int32(n)
}

// run parses the value at st.pos. It is one loop over an explicit stack of
// open containers rather than a recursive descent. Only the source and
// the position live in locals; everything else is in st, so that the
// loop's join points do not shuffle a dozen variables between registers
// and the stack. Whitespace is skipped only where a byte at or below ' '
// is seen. Errors (reason and offset) are those of the recursive parser
// this replaced.
func (st *state) run() error {
	s := st.s
	pos := st.pos
	st.stack = st.t.stack[:0]
	st.parent, st.ks, st.ke, st.key = -1, -1, -1, ""
	var idx int32
	var top *open // the innermost open container, once set at done

value:
	if pos >= len(s) {
		return st.failAt(pos, "unexpected end of input, want value")
	}
	switch c := s[pos]; c {
	case '"':
		// skipPlain, inlined: string values are most of a body.
		i := pos + 1
		b := unsafe.Slice(unsafe.StringData(s), len(s))
		for {
			if i+8 > len(b) {
				for i < len(b) && plain[b[i]] {
					i++
				}
				break
			}
			if m := special8(binary.LittleEndian.Uint64(b[i : i+8])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		var str string
		var f Flag
		if i < len(s) && s[i] == '"' {
			str = s[pos+1 : i]
			i++
		} else {
			st.pos = pos
			var copied bool
			var err error
			if str, copied, _, err = st.strFrom(pos+1, i); err != nil {
				return err
			}
			if copied {
				f = Copied
			}
			i = st.pos
		}
		st.strings++
		// newNode, inlined for the commonest value.
		n := len(st.nodes)
		if n == cap(st.nodes) {
			st.nodes = slices.Grow(st.nodes, 1)
		}
		st.nodes = st.nodes[:n+1]
		nd := &st.nodes[n]
		nd.Str, nd.Key = str, st.key
		nd.Start, nd.End, nd.KeyStart, nd.KeyEnd = int32(pos), int32(i), st.ks, st.ke
		nd.Parent, nd.Next, nd.Len = st.parent, -1, 0
		nd.Kind, nd.Flags = String, f
		idx = int32(n)
		pos = i
	case '{', '[':
		if len(st.stack)+1 > st.maxDepth {
			return st.failAt(pos, tooDeep)
		}
		k, obj, closing := Array, c == '{', byte(']')
		if obj {
			k, closing = Object, '}'
		}
		idx = st.newNode(k, 0, "", pos, 0)
		pos++
		if pos < len(s) && s[pos] <= ' ' {
			pos = skipWS(s, pos)
		}
		if pos < len(s) && s[pos] == closing {
			pos++
			st.nodes[idx].End = int32(pos)
			goto done
		}
		st.stack = append(st.stack, open{idx: idx, prev: -1, obj: obj})
		if obj {
			goto member
		}
		st.parent, st.ks, st.ke, st.key = idx, -1, -1, ""
		goto value
	case 't', 'f', 'n':
		lit, k := "null", Null
		if c == 't' {
			lit, k = "true", True
		} else if c == 'f' {
			lit, k = "false", False
		}
		if !strings.HasPrefix(s[pos:], lit) {
			if len(s)-pos < len(lit) && strings.HasPrefix(lit, s[pos:]) {
				return st.failAt(len(s), "unexpected end of input in literal")
			}
			return st.failAt(pos, "invalid literal")
		}
		idx = st.newNode(k, 0, "", pos, pos+len(lit))
		pos += len(lit)
	default:
		if c != '-' && (c < '0' || c > '9') {
			return st.failAt(pos, "unexpected character, want value")
		}
		st.pos = pos
		if err := st.number(); err != nil {
			return err
		}
		idx = st.newNode(Number, 0, s[pos:st.pos], pos, st.pos)
		pos = st.pos
	}

done:
	// Node idx is complete: link it into its container and read on.
	if len(st.stack) == 0 {
		st.pos = pos
		st.t.stack = st.stack
		return nil
	}
	top = &st.stack[len(st.stack)-1]
	if top.prev >= 0 {
		st.nodes[top.prev].Next = idx
	}
	top.prev = idx
	top.n++

	// After a member or element of top: a comma or top's end.
	if pos < len(s) && s[pos] <= ' ' {
		pos = skipWS(s, pos)
	}
	if pos >= len(s) {
		if top.obj {
			return st.failAt(pos, "unexpected end of input, want ',' or '}'")
		}
		return st.failAt(pos, "unexpected end of input, want ',' or ']'")
	}
	switch c := s[pos]; {
	case c == ',':
		pos++
		if top.obj {
			goto member
		}
		st.parent, st.ks, st.ke, st.key = top.idx, -1, -1, ""
		if pos < len(s) && s[pos] <= ' ' {
			pos = skipWS(s, pos)
		}
		goto value
	case c == '}' && top.obj || c == ']' && !top.obj:
		pos++
		nd := &st.nodes[top.idx]
		nd.Len = top.n
		nd.End = int32(pos)
		if top.full && top.n > 1 {
			st.checkMembers(top.idx)
		}
		idx = top.idx
		st.stack = st.stack[:len(st.stack)-1]
		goto done
	case top.obj:
		return st.failAt(pos, "unexpected character, want ',' or '}' after object member")
	default:
		return st.failAt(pos, "unexpected character, want ',' or ']' after array element")
	}

member:
	// A key of the object on top of the stack, then its value.
	if pos < len(s) && s[pos] <= ' ' {
		pos = skipWS(s, pos)
	}
	if pos >= len(s) {
		return st.failAt(pos, "unexpected end of input, want object key")
	}
	if s[pos] != '"' {
		return st.failAt(pos, "unexpected character, want object key string")
	}
	{
		top := &st.stack[len(st.stack)-1]
		i := pos + 1
		b := unsafe.Slice(unsafe.StringData(s), len(s))
		for i+8 <= len(b) {
			if m := special8(binary.LittleEndian.Uint64(b[i : i+8])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		wide := false
		var key string
		if i < len(s) && s[i] == '"' {
			key = s[pos+1 : i]
			i++
		} else {
			// Near the end of s the loop stops early: strFrom goes on.
			st.pos = pos
			var err error
			if key, _, wide, err = st.strFrom(pos+1, min(i, len(s))); err != nil {
				return err
			}
			i = st.pos
		}
		st.key, st.ks, st.ke, st.parent = key, int32(pos), int32(i), top.idx
		if sig := keySig(key, wide); sig&sigFull != 0 {
			top.full = true
		} else {
			h := sig * 0x9E3779B1 >> 25
			bit := uint64(1) << (h & 63)
			if top.bloom[h>>6]&bit != 0 {
				top.full = true
			}
			top.bloom[h>>6] |= bit
		}
		pos = i
	}
	if pos < len(s) && s[pos] == ':' {
		pos++
	} else {
		pos = skipWS(s, pos)
		if pos >= len(s) {
			return st.failAt(pos, "unexpected end of input, want ':'")
		}
		if s[pos] != ':' {
			return st.failAt(pos, "unexpected character, want ':' after object key")
		}
		pos++
	}
	if pos < len(s) && s[pos] <= ' ' {
		pos = skipWS(s, pos)
	}
	goto value
}

func (st *state) number() error {
	s, i := st.s, st.pos
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		st.pos = i
		return st.fail("invalid number, want digit")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			st.pos = i
			return st.fail("invalid number, want digit after decimal point")
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			st.pos = i
			return st.fail("invalid number, want digit in exponent")
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	st.pos = i
	return nil
}

// plain[c] is true for bytes that may appear in a string literal as
// themselves and need no further check: printable ASCII but quote and
// backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special8 sets the top bit of every byte of the little-endian word x that
// is not plain, and maybe of bytes above one that is not: the lowest set
// bit is exact. Below the first such byte every byte b is in [0x20, 0x80)
// and not '"' or '\\', so b^'"'-1, b^'\\'-1 and b-0x20 neither set the top
// bit nor borrow; at it, one of them (or b itself, for b >= 0x80) does.
func special8(x uint64) uint64 {
	q := x ^ (lsb * '"')
	e := x ^ (lsb * '\\')
	return ((q - lsb) | (e - lsb) | (x - lsb*0x20) | x) & msb
}

// skipPlain returns the index of the first byte at or after i that is not
// plain (printable ASCII but quote and backslash), or len(s). It tests a
// word at a time, since string values are most of an LLM body.
func skipPlain(s string, i int) int {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := special8(x); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(b) && plain[b[i]] {
		i++
	}
	return i
}

// strFrom parses the string literal whose content starts at start, from
// i on: s[start:i] is already known to be plain.
func (st *state) strFrom(start, i int) (_ string, copied, wide bool, _ error) {
	s := st.s
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	for {
		// skipPlain, inlined: this loop is the parser's hottest.
		for {
			if i+8 > len(b) {
				for i < len(b) && plain[b[i]] {
					i++
				}
				break
			}
			if m := special8(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(s) {
			st.pos = i
			return "", false, false, st.fail("unexpected end of input in string")
		}
		c := s[i]
		switch {
		case c == '"':
			st.pos = i + 1
			return s[start:i], false, wide, nil
		case c == '\\':
			str, err := st.strSlow(start, i)
			return str, true, true, err
		case c < 0x20:
			st.pos = i
			return "", false, false, st.fail("control character in string")
		default:
			wide = true
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				str, err := st.strSlow(start, i)
				return str, true, true, err
			}
			i += size
		}
	}
}

// strSlow decodes a literal that needs copying, from i onwards; s[start:i]
// is already known to be plain.
func (st *state) strSlow(start, i int) (string, error) {
	s := st.s
	// Decode straight into the spare room of the decoded-string storage;
	// keep copies it elsewhere only when it outgrows that room.
	if st.t.esc == nil {
		// A fresh tree: start the storage now rather than growing b
		// only to copy it.
		st.t.esc = make([]byte, 0, min(max(len(s)/16, 64), 4096))
	}
	esc := st.t.esc
	b := append(esc[len(esc):], s[start:i]...)
	src := unsafe.Slice(unsafe.StringData(s), len(s))
	for {
		// skipPlain, inlined: escapes come every few bytes in JSON held
		// in a string (tool arguments), so the call would cost as much as
		// the scan.
		j := i
		for {
			if j+8 > len(src) {
				for j < len(src) && plain[src[j]] {
					j++
				}
				break
			}
			if m := special8(binary.LittleEndian.Uint64(src[j : j+8])); m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				break
			}
			j += 8
		}
		if n := j - i; n > 0 {
			if l := len(b); n <= 8 && i+8 <= len(src) && cap(b)-l >= 8 {
				// A short run between escapes, as in JSON held in a
				// string: one word stored past the end (into b's spare
				// room) and the length set cost less than memmove.
				binary.LittleEndian.PutUint64(b[l:l+8], binary.LittleEndian.Uint64(src[i:i+8]))
				b = b[:l+n]
			} else {
				b = append(b, s[i:j]...)
			}
			i = j
		}
		if i >= len(s) {
			st.pos = i
			return "", st.fail("unexpected end of input in string")
		}
		c := s[i]
		switch {
		case c == '"':
			st.pos = i + 1
			if n := len(esc); len(b) > 0 && cap(esc)-n >= len(b) && unsafe.SliceData(b) == unsafe.SliceData(esc[n:n+1]) {
				st.t.esc = esc[:n+len(b)]
				return unsafe.String(unsafe.SliceData(b), len(b)), nil
			}
			return st.keep(b), nil
		case c == '\\':
			if i+1 >= len(s) {
				st.pos = i + 1
				return "", st.fail("unexpected end of input in string escape")
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				r := hex4(s, i+2)
				if r < 0 {
					st.pos = i
					return "", st.fail("invalid \\u escape in string")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A valid pair is consumed whole; anything else
					// leaves a replacement character and the next
					// escape is read on its own, as encoding/json does.
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := hex4(s, i+2); r2 >= 0 {
							if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
								b = utf8.AppendRune(b, d)
								i += 6
								continue
							}
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
			default:
				st.pos = i
				return "", st.fail("invalid escape in string")
			}
		case c < 0x20:
			st.pos = i
			return "", st.fail("control character in string")
		default: // not ASCII: plain bytes were copied above

			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, unicode.ReplacementChar)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
}

// keep copies a decoded string into the tree's storage. A full chunk is
// left as it is (strings point into it) and a new one, twice as large,
// started; the first is sized from the document.
func (st *state) keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	t := st.t
	if len(t.esc)+len(b) > cap(t.esc) {
		n := 2 * cap(t.esc)
		if n == 0 {
			n = min(max(len(st.s)/16, 64), 4096)
		}
		t.esc = make([]byte, 0, max(n, 2*len(b)))
	}
	start := len(t.esc)
	t.esc = append(t.esc, b...)
	return unsafe.String(&t.esc[start], len(b))
}

func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// checkMembers runs checkKeys over the members of object obj.
func (st *state) checkMembers(obj int32) {
	kids := st.kids[:0]
	for c := obj + 1; c >= 0; c = st.nodes[c].Next {
		k := st.nodes[c].Key
		wide := false
		for i := 0; i < len(k); i++ {
			if k[i] >= utf8.RuneSelf {
				wide = true
				break
			}
		}
		kids = append(kids, kid{c, keySig(k, wide)})
	}
	st.kids = kids
	st.checkKeys(obj, kids)
}

// checkKeys marks shadowed and case-variant members of object obj and
// records one anomaly per key (and kind) in that object.
func (st *state) checkKeys(obj int32, kids []kid) {
	nodes := st.nodes
	first := len(st.t.Anomalies)
	if len(kids) <= 32 {
		for i := 1; i < len(kids); i++ {
			si := kids[i].sig
			var ki string
			for j := 0; j < i; j++ {
				// Two ASCII keys can be equal, even up to case, only when
				// their signatures are: this skips almost every pair.
				if sj := kids[j].sig; si != sj && (si|sj)&sigFull == 0 {
					continue
				}
				if ki == "" {
					ki = nodes[kids[i].node].Key
				}
				kj := nodes[kids[j].node].Key
				if kj == ki {
					nodes[kids[j].node].Flags |= Shadowed
					st.report(first, obj, kj, DuplicateKey)
				} else if strings.EqualFold(kj, ki) {
					nodes[kids[j].node].Flags |= CaseVariant
					nodes[kids[i].node].Flags |= CaseVariant
					st.report(first, obj, kj, CaseVariantKey)
				}
			}
		}
		return
	}
	exact := make(map[string]int32, len(kids))
	folded := make(map[string]int32, len(kids))
	for _, k := range kids {
		c := k.node
		key := nodes[c].Key
		if prev, ok := exact[key]; ok {
			nodes[prev].Flags |= Shadowed
			st.report(first, obj, key, DuplicateKey)
		}
		exact[key] = c
		f := foldKey(key)
		if prev, ok := folded[f]; ok {
			if nodes[prev].Key != key {
				nodes[prev].Flags |= CaseVariant
				nodes[c].Flags |= CaseVariant
				st.report(first, obj, nodes[prev].Key, CaseVariantKey)
			}
		} else {
			folded[f] = c
		}
	}
}

// sigFull marks a key signature that does not decide: the key may hold
// bytes outside ASCII (case folding can change their length) or is long.
const sigFull = 1 << 31

// keySig is the length and case-folded first and last bytes of an ASCII
// key (type and text differ); wide says the key may not be ASCII.
func keySig(k string, wide bool) uint32 {
	if wide || len(k) >= 1<<14 {
		return sigFull
	}
	if len(k) == 0 {
		return 0
	}
	return uint32(len(k))<<16 | uint32(lowerASCII(k[0]))<<8 | uint32(lowerASCII(k[len(k)-1]))
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	return c
}

// report appends an anomaly unless this object already has one of the same
// kind for the same key up to case (anomalies of obj start at index first).
func (st *state) report(first int, obj int32, key, kind string) {
	for _, a := range st.t.Anomalies[first:] {
		if a.Kind == kind && strings.EqualFold(a.Key, key) {
			return
		}
	}
	st.t.Anomalies = append(st.t.Anomalies, Anomaly{Object: obj, Key: key, Kind: kind})
}

// foldKey maps s to a canonical form such that foldKey(a) == foldKey(b)
// exactly when strings.EqualFold(a, b) for valid UTF-8: each rune becomes
// the smallest rune of its simple case-folding orbit.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// The smallest rune of an ASCII letter's orbit is its upper case.
		return strings.ToUpper(s)
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < m {
				m = f
			}
		}
		b = utf8.AppendRune(b, m)
	}
	return string(b)
}
