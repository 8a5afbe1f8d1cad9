// This file keeps the first version of the parser, unchanged but for the
// names and where its decoding scratch lives, as the oracle for the optimized one: TestSameAsReference and
// FuzzParse require both to produce the same tree (every node field, every
// anomaly) and the same error for every input.

package jsontree

import (
	"encoding/binary"
	"math"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// refParser holds parsing options. The zero value is ready to use.
type refParser struct {
	// MaxDepth limits nesting of objects and arrays; 0 means DefaultMaxDepth.
	MaxDepth int
	// Reuse lets ParseInto overwrite the storage of decoded strings from a
	// previous parse into the same tree. Callers parsing many small
	// documents (stream events) set it and copy what they keep.
	Reuse bool
}

// refParse parses body with the default options. The body is converted to a
// string once; unescaped string values are substrings of that conversion.
func refParse(body []byte) (*Tree, error) {
	t := new(Tree)
	if err := (refParser{}).ParseInto(t, string(body)); err != nil {
		return nil, err
	}
	return t, nil
}

// ParseInto parses s into t, reusing t's node and anomaly storage. Strings
// in t alias s. On error t is left empty.
func (p refParser) ParseInto(t *Tree, s string) error {
	t.Nodes = t.Nodes[:0]
	t.Anomalies = t.Anomalies[:0]
	t.Strings = 0
	t.src = s
	if p.Reuse {
		t.esc = t.esc[:0]
	} else {
		t.esc = nil
	}
	if len(s) >= math.MaxInt32 {
		return &SyntaxError{Offset: 0, Reason: "document larger than 2 GiB"}
	}
	if need := refEstimateNodes(s); cap(t.Nodes) < need {
		t.Nodes = make([]Node, 0, need)
	}
	st := refState{t: t, s: s, maxDepth: p.MaxDepth}
	if st.maxDepth <= 0 {
		st.maxDepth = DefaultMaxDepth
	}
	st.ws()
	if _, err := st.value(-1, 1, -1, -1, ""); err != nil {
		t.Nodes = t.Nodes[:0]
		t.Anomalies = t.Anomalies[:0]
		return err
	}
	st.ws()
	if st.pos != len(s) {
		t.Nodes = t.Nodes[:0]
		t.Anomalies = t.Anomalies[:0]
		return st.fail("unexpected data after top-level value")
	}
	for i := range t.Anomalies {
		t.Anomalies[i].Path = t.Path(t.Anomalies[i].Object)
	}
	return nil
}

// refEstimateNodes bounds the number of values in s: every value but the first
// of a container follows a comma and the first follows an opening bracket.
// Counting inside strings only overestimates. The bound is capped because a
// value takes at least two bytes.
func refEstimateNodes(s string) int {
	n := 1 + strings.Count(s, ",") + strings.Count(s, "{") + strings.Count(s, "[")
	if lim := len(s)/2 + 1; n > lim {
		n = lim
	}
	return n
}

type refState struct {
	t        *Tree
	s        string
	pos      int
	maxDepth int
	dec      []byte
}

func (st *refState) fail(reason string) error {
	return &SyntaxError{Offset: st.pos, Reason: reason}
}

func (st *refState) ws() {
	for st.pos < len(st.s) {
		switch st.s[st.pos] {
		case ' ', '\t', '\n', '\r':
			st.pos++
		default:
			return
		}
	}
}

func (st *refState) add(n Node) int32 {
	st.t.Nodes = append(st.t.Nodes, n)
	return int32(len(st.t.Nodes) - 1)
}

func (st *refState) value(parent int32, depth int, ks, ke int32, key string) (int32, error) {
	if st.pos >= len(st.s) {
		return -1, st.fail("unexpected end of input, want value")
	}
	start := st.pos
	n := Node{Key: key, KeyStart: ks, KeyEnd: ke, Parent: parent, Next: -1, Start: int32(start)}
	switch c := st.s[st.pos]; c {
	case '{':
		return st.object(n, depth)
	case '[':
		return st.array(n, depth)
	case '"':
		str, copied, err := st.str()
		if err != nil {
			return -1, err
		}
		n.Kind, n.Str, n.End = String, str, int32(st.pos)
		if copied {
			n.Flags |= Copied
		}
		st.t.Strings++
		return st.add(n), nil
	case 't':
		return st.literal(n, "true", True)
	case 'f':
		return st.literal(n, "false", False)
	case 'n':
		return st.literal(n, "null", Null)
	default:
		if c == '-' || '0' <= c && c <= '9' {
			if err := st.number(); err != nil {
				return -1, err
			}
			n.Kind, n.Str, n.End = Number, st.s[start:st.pos], int32(st.pos)
			return st.add(n), nil
		}
		return -1, st.fail("unexpected character, want value")
	}
}

func (st *refState) literal(n Node, lit string, k Kind) (int32, error) {
	if !strings.HasPrefix(st.s[st.pos:], lit) {
		if len(st.s)-st.pos < len(lit) && strings.HasPrefix(lit, st.s[st.pos:]) {
			st.pos = len(st.s)
			return -1, st.fail("unexpected end of input in literal")
		}
		return -1, st.fail("invalid literal")
	}
	st.pos += len(lit)
	n.Kind, n.End = k, int32(st.pos)
	return st.add(n), nil
}

func (st *refState) object(n Node, depth int) (int32, error) {
	if depth > st.maxDepth {
		return -1, st.fail(tooDeep)
	}
	st.pos++ // '{'
	n.Kind = Object
	idx := st.add(n)
	st.ws()
	if st.pos < len(st.s) && st.s[st.pos] == '}' {
		st.pos++
		st.t.Nodes[idx].End = int32(st.pos)
		return idx, nil
	}
	prev := int32(-1)
	count := int32(0)
	for {
		st.ws()
		if st.pos >= len(st.s) {
			return -1, st.fail("unexpected end of input, want object key")
		}
		if st.s[st.pos] != '"' {
			return -1, st.fail("unexpected character, want object key string")
		}
		ks := st.pos
		key, _, err := st.str()
		if err != nil {
			return -1, err
		}
		ke := st.pos
		st.ws()
		if st.pos >= len(st.s) {
			return -1, st.fail("unexpected end of input, want ':'")
		}
		if st.s[st.pos] != ':' {
			return -1, st.fail("unexpected character, want ':' after object key")
		}
		st.pos++
		st.ws()
		c, err := st.value(idx, depth+1, int32(ks), int32(ke), key)
		if err != nil {
			return -1, err
		}
		if prev >= 0 {
			st.t.Nodes[prev].Next = c
		}
		prev = c
		count++
		st.ws()
		if st.pos >= len(st.s) {
			return -1, st.fail("unexpected end of input, want ',' or '}'")
		}
		switch st.s[st.pos] {
		case ',':
			st.pos++
			continue
		case '}':
			st.pos++
		default:
			return -1, st.fail("unexpected character, want ',' or '}' after object member")
		}
		break
	}
	nd := &st.t.Nodes[idx]
	nd.Len = count
	nd.End = int32(st.pos)
	if count > 1 {
		st.checkKeys(idx, count)
	}
	return idx, nil
}

func (st *refState) array(n Node, depth int) (int32, error) {
	if depth > st.maxDepth {
		return -1, st.fail(tooDeep)
	}
	st.pos++ // '['
	n.Kind = Array
	idx := st.add(n)
	st.ws()
	if st.pos < len(st.s) && st.s[st.pos] == ']' {
		st.pos++
		st.t.Nodes[idx].End = int32(st.pos)
		return idx, nil
	}
	prev := int32(-1)
	count := int32(0)
	for {
		st.ws()
		c, err := st.value(idx, depth+1, -1, -1, "")
		if err != nil {
			return -1, err
		}
		if prev >= 0 {
			st.t.Nodes[prev].Next = c
		}
		prev = c
		count++
		st.ws()
		if st.pos >= len(st.s) {
			return -1, st.fail("unexpected end of input, want ',' or ']'")
		}
		switch st.s[st.pos] {
		case ',':
			st.pos++
			continue
		case ']':
			st.pos++
		default:
			return -1, st.fail("unexpected character, want ',' or ']' after array element")
		}
		break
	}
	nd := &st.t.Nodes[idx]
	nd.Len = count
	nd.End = int32(st.pos)
	return idx, nil
}

func (st *refState) number() error {
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

// refPlain[c] is true for bytes that may appear in a string literal as
// themselves and need no further check: printable ASCII but quote and
// backslash.
var refPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const (
	refLsb = 0x0101010101010101
	refMsb = 0x8080808080808080
)

// refSkipPlain8 advances i over whole 8-byte words of s that hold only refPlain
// bytes (printable ASCII but quote and backslash), testing a word at a
// time: string values are most of an LLM body.
func refSkipPlain8(s string, i int) int {
	if len(s)-i < 8 {
		return i
	}
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ (refLsb * '"')
		e := x ^ (refLsb * '\\')
		// A zero byte in q or e, a byte below 0x20, or a byte at or above
		// 0x80 sets its top bit here (borrows only ever add false hits above
		// a true one, so "none" is exact).
		if ((q-refLsb)&^q|(e-refLsb)&^e|(x-refLsb*0x20)&^x|x)&refMsb != 0 {
			break
		}
		i += 8
	}
	return i
}

// str parses the string literal at st.pos. The result is a substring of the
// source unless the literal holds an escape or invalid UTF-8 (copied).
func (st *refState) str() (string, bool, error) {
	s := st.s
	st.pos++ // opening quote
	start := st.pos
	i := start
	for {
		i = refSkipPlain8(s, i)
		for i < len(s) && refPlain[s[i]] {
			i++
		}
		if i >= len(s) {
			st.pos = i
			return "", false, st.fail("unexpected end of input in string")
		}
		c := s[i]
		switch {
		case c == '"':
			st.pos = i + 1
			return s[start:i], false, nil
		case c == '\\':
			return st.strSlow(start, i)
		case c < 0x20:
			st.pos = i
			return "", false, st.fail("control character in string")
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return st.strSlow(start, i)
			}
			i += size
		}
	}
}

// strSlow decodes a literal that needs copying, from i onwards; s[start:i]
// is already known to be refPlain.
func (st *refState) strSlow(start, i int) (string, bool, error) {
	s := st.s
	b := append(st.dec[:0], s[start:i]...)
	for {
		if i >= len(s) {
			st.pos = i
			return "", false, st.fail("unexpected end of input in string")
		}
		c := s[i]
		switch {
		case c == '"':
			st.pos = i + 1
			st.dec = b
			return st.keep(b), true, nil
		case c == '\\':
			if i+1 >= len(s) {
				st.pos = i + 1
				return "", false, st.fail("unexpected end of input in string escape")
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
				r := refHex4(s, i+2)
				if r < 0 {
					st.pos = i
					return "", false, st.fail("invalid \\u escape in string")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A valid pair is consumed whole; anything else
					// leaves a replacement character and the next
					// escape is read on its own, as encoding/json does.
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := refHex4(s, i+2); r2 >= 0 {
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
				return "", false, st.fail("invalid escape in string")
			}
		case c < 0x20:
			st.pos = i
			return "", false, st.fail("control character in string")
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
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
func (st *refState) keep(b []byte) string {
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

func refHex4(s string, i int) rune {
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

// checkKeys marks shadowed and case-variant members of object obj and
// records one anomaly per key (and kind) in that object.
func (st *refState) checkKeys(obj int32, count int32) {
	t := st.t
	first := len(t.Anomalies)
	if count <= 32 {
		var idx [32]int32
		k := 0
		for c := t.First(obj); c >= 0; c = t.Nodes[c].Next {
			idx[k] = c
			k++
		}
		for i := 1; i < k; i++ {
			ki := t.Nodes[idx[i]].Key
			for j := 0; j < i; j++ {
				kj := t.Nodes[idx[j]].Key
				if kj == ki {
					t.Nodes[idx[j]].Flags |= Shadowed
					st.report(first, obj, kj, DuplicateKey)
				} else if strings.EqualFold(kj, ki) {
					t.Nodes[idx[j]].Flags |= CaseVariant
					t.Nodes[idx[i]].Flags |= CaseVariant
					st.report(first, obj, kj, CaseVariantKey)
				}
			}
		}
		return
	}
	exact := make(map[string]int32, count)
	folded := make(map[string]int32, count)
	for c := t.First(obj); c >= 0; c = t.Nodes[c].Next {
		key := t.Nodes[c].Key
		if prev, ok := exact[key]; ok {
			t.Nodes[prev].Flags |= Shadowed
			st.report(first, obj, key, DuplicateKey)
		}
		exact[key] = c
		f := refFoldKey(key)
		if prev, ok := folded[f]; ok {
			if t.Nodes[prev].Key != key {
				t.Nodes[prev].Flags |= CaseVariant
				t.Nodes[c].Flags |= CaseVariant
				st.report(first, obj, t.Nodes[prev].Key, CaseVariantKey)
			}
		} else {
			folded[f] = c
		}
	}
}

// report appends an anomaly unless this object already has one of the same
// kind for the same key up to case (anomalies of obj start at index first).
func (st *refState) report(first int, obj int32, key, kind string) {
	for _, a := range st.t.Anomalies[first:] {
		if a.Kind == kind && strings.EqualFold(a.Key, key) {
			return
		}
	}
	st.t.Anomalies = append(st.t.Anomalies, Anomaly{Object: obj, Key: key, Kind: kind})
}

// refFoldKey maps s to a canonical form such that refFoldKey(a) == refFoldKey(b)
// exactly when strings.EqualFold(a, b) for valid UTF-8: each rune becomes
// the smallest rune of its simple case-folding orbit.
func refFoldKey(s string) string {
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
