// Package jsontree is a strict, single-pass JSON parser that builds a compact
// tree in which every value remembers the byte range it came from.
//
// sluice needs more from a JSON parser than encoding/json offers: redaction
// rewrites exactly one string literal of a body, so every string must know
// its [Start, End) in the source; smuggling detection must see duplicate keys
// and keys that differ only in case, which a map-based decoder silently
// collapses; and the request path must not pay for reflection. The tree is
// a flat slice of Nodes in document order (pre-order), linked by Next, so a
// body costs one node allocation (sized up front from a count of brackets
// and commas), one string conversion of the body, and a few chunks holding
// the decoded strings that contain an escape or invalid UTF-8; unescaped
// strings are substrings of the source. ParseInto into a tree that held a
// document costs nothing: its nodes and, with Parser.Reuse, its decoded
// strings' storage are used again.
//
// The parser is one loop over an explicit stack of open containers. It
// scans string content eight bytes at a time, decodes escaped strings
// straight into their storage, and compares the keys of an object only
// when a signature of each (length, first and last byte, case folded)
// says two may be equal. Its output is pinned to that of the first,
// recursive version of this parser, kept as a test oracle.
//
// Strings are decoded like encoding/json decodes them: escapes are resolved
// and invalid UTF-8 bytes and lone surrogates become U+FFFD. Numbers are kept
// as their raw text. Errors carry a byte offset and a reason, never body
// content, so they are safe to log.
package jsontree

import (
	"errors"
	"strconv"
)

// Kind is the JSON type of a node.
type Kind uint8

const (
	Invalid Kind = iota
	Null
	False
	True
	Number
	String
	Object
	Array
)

var kindNames = [...]string{"invalid", "null", "false", "true", "number", "string", "object", "array"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Flag marks properties of a node found while parsing.
type Flag uint8

const (
	// Shadowed marks an object member followed, in the same object, by a
	// member with exactly the same key: a last-key-wins reader ignores it.
	Shadowed Flag = 1 << iota
	// CaseVariant marks an object member whose key equals another member's
	// key up to case: a case-insensitive reader may take either.
	CaseVariant
	// Copied marks a string whose decoded value differs from its literal
	// (escapes or invalid UTF-8), so Str is a fresh copy, not a substring of
	// the source.
	Copied
)

// Node is one JSON value. Members of an object carry their key.
type Node struct {
	// Str is the decoded value of a String and the raw text of a Number.
	Str string
	// Key is the decoded key when the node is an object member.
	Key string
	// Start and End delimit the value in the source; for strings the quotes
	// are included.
	Start, End int32
	// KeyStart and KeyEnd delimit the key literal (quotes included), or are
	// -1 when the node is not an object member.
	KeyStart, KeyEnd int32
	// Parent is the index of the enclosing container, -1 for the root.
	Parent int32
	// Next is the index of the next sibling, -1 for the last child.
	Next int32
	// Len is the number of children of an Object or Array.
	Len   int32
	Kind  Kind
	Flags Flag
}

// Anomaly is a place where a lenient reader would see the document
// differently from a strict last-key-wins reader.
type Anomaly struct {
	// Object is the node index of the object holding the keys.
	Object int32
	// Path is the JSON path of that object ("$" for the root), filled in
	// when parsing completes.
	Path string
	// Key is the key as first seen.
	Key string
	// Kind is "duplicate_key" or "case_variant_key".
	Kind string
}

// Anomaly kinds.
const (
	DuplicateKey   = "duplicate_key"
	CaseVariantKey = "case_variant_key"
)

// DefaultMaxDepth is the nesting limit when Parser.MaxDepth is 0. LLM
// bodies nest a dozen levels; a deeper document is an attack on the parser.
const DefaultMaxDepth = 256

// Tree is a parsed document. Nodes[0] is the root.
type Tree struct {
	Nodes     []Node
	Anomalies []Anomaly
	// Strings counts the String nodes (keys excluded); callers use it to size
	// per-string output up front.
	Strings int
	src     string
	// esc holds decoded strings (those with escapes or invalid UTF-8) one
	// after another, so that they cost one allocation per chunk rather than
	// one each. Bytes handed out are never written again, except by a later
	// parse into the same tree with Parser.Reuse set.
	esc   []byte
	kids  []kid  // scratch: member stack for the duplicate-key check
	stack []open // scratch: containers being parsed
}

// SyntaxError reports why and where a document is not JSON. It never holds
// document content.
type SyntaxError struct {
	Offset int    // byte offset of the problem
	Reason string // e.g. "unexpected character, want value"
}

func (e *SyntaxError) Error() string {
	return "json: " + e.Reason + " at byte offset " + strconv.Itoa(e.Offset)
}

// Unwrap lets errors.Is(err, ErrTooDeep) tell a depth failure from others.
func (e *SyntaxError) Unwrap() error {
	if e.Reason == tooDeep {
		return ErrTooDeep
	}
	return nil
}

const tooDeep = "nesting deeper than the limit"

// ErrTooDeep is wrapped by the SyntaxError returned for documents nested
// deeper than the limit.
var ErrTooDeep = errors.New("json: " + tooDeep)

// Src returns the source the tree indexes into.
func (t *Tree) Src() string { return t.src }

// Raw returns the source text of node i.
func (t *Tree) Raw(i int32) string { n := &t.Nodes[i]; return t.src[n.Start:n.End] }

// Kind returns the kind of node i, or Invalid when i < 0.
func (t *Tree) Kind(i int32) Kind {
	if i < 0 {
		return Invalid
	}
	return t.Nodes[i].Kind
}

// First returns the first child of container i, or -1.
func (t *Tree) First(i int32) int32 {
	if i < 0 || t.Nodes[i].Len == 0 {
		return -1
	}
	return i + 1
}

// Next returns the sibling after i, or -1.
func (t *Tree) Next(i int32) int32 { return t.Nodes[i].Next }

// Get returns the member of object obj with exactly this key that a
// last-key-wins reader keeps, or -1. Case variants do not match.
func (t *Tree) Get(obj int32, key string) int32 {
	if obj < 0 || t.Nodes[obj].Kind != Object {
		return -1
	}
	for c := t.First(obj); c >= 0; c = t.Nodes[c].Next {
		n := &t.Nodes[c]
		if n.Flags&Shadowed == 0 && n.Key == key {
			return c
		}
	}
	return -1
}

// Str returns the string value of node i, or "" when i is not a String.
func (t *Tree) Str(i int32) string {
	if i < 0 || t.Nodes[i].Kind != String {
		return ""
	}
	return t.Nodes[i].Str
}

// GetStr returns the string member key of object obj, or "".
func (t *Tree) GetStr(obj int32, key string) string { return t.Str(t.Get(obj, key)) }

// Bool reports whether node i is the literal true.
func (t *Tree) Bool(i int32) bool { return i >= 0 && t.Nodes[i].Kind == True }

// Int returns the integer value of a Number node, or 0 and false.
func (t *Tree) Int(i int32) (int64, bool) {
	if i < 0 || t.Nodes[i].Kind != Number {
		return 0, false
	}
	v, err := strconv.ParseInt(t.Nodes[i].Str, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(t.Nodes[i].Str, 64)
		if ferr != nil {
			return 0, false
		}
		return int64(f), true
	}
	return v, true
}

// Index returns the position of node i among its parent's children.
func (t *Tree) Index(i int32) int {
	p := t.Nodes[i].Parent
	if p < 0 {
		return 0
	}
	n := 0
	for c := t.First(p); c >= 0 && c != i; c = t.Nodes[c].Next {
		n++
	}
	return n
}

// Path returns the JSON path of node i in the notation sluice uses for
// locations: `messages[3].content[1].text`, `metadata["a.b"]`, and "$" for
// the root.
func (t *Tree) Path(i int32) string {
	if i <= 0 {
		return "$"
	}
	return string(t.AppendPath(nil, i))
}

// AppendPath appends the path of node i (empty for the root) to dst.
func (t *Tree) AppendPath(dst []byte, i int32) []byte {
	if i <= 0 {
		return dst
	}
	p := t.Nodes[i].Parent
	dst = t.AppendPath(dst, p)
	if t.Nodes[p].Kind == Object {
		return AppendKey(dst, t.Nodes[i].Key)
	}
	return AppendIndex(dst, t.Index(i))
}

// AppendKey appends an object step to a path: `.key`, or `key` at the start
// of a path, or `["odd key"]` when the key is not an identifier.
func AppendKey(dst []byte, key string) []byte {
	if isIdent(key) {
		if len(dst) > 0 {
			dst = append(dst, '.')
		}
		return append(dst, key...)
	}
	dst = append(dst, '[')
	dst = AppendQuoted(dst, key)
	return append(dst, ']')
}

// AppendIndex appends an array step `[i]` to a path.
func AppendIndex(dst []byte, i int) []byte {
	if 0 <= i && i < 10 {
		return append(dst, '[', byte('0'+i), ']')
	}
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, ']')
}

func isIdent(s string) bool {
	if s == "" || identByte[s[0]]&identFirst == 0 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if identByte[s[i]]&identNext == 0 {
			return false
		}
	}
	return true
}

// identByte classifies bytes for isIdent: letters, '_' and '$' may start
// an identifier; those, digits and '-' may follow.
var identByte = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			t[c] = identFirst | identNext
		case c == '-' || '0' <= c && c <= '9':
			t[c] = identNext
		}
	}
	return t
}()

const (
	identFirst = 1 << iota
	identNext
)

const hexDigits = "0123456789abcdef"

// AppendQuoted appends s as a JSON string literal.
func AppendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
