// Package normalize turns text into the form injection and jailbreak rules
// match against, and reports the hiding tricks it undoes on the way.
//
// Attackers hide instructions from reviewers and from naive filters with
// compatibility characters (full-width letters), invisible characters
// (zero-width spaces, bidi controls), Unicode tag characters that encode a
// whole hidden ASCII string, look-alike letters from other scripts, and
// encodings (base64, hex, percent). Normalization undoes these so that one
// set of rules sees the text a model would read.
package normalize

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Hidden is a run of invisible or smuggling characters in the original text.
type Hidden struct {
	// Kind is "tag" (Unicode tag characters U+E0000–E007F), "zero_width",
	// "bidi" (bidirectional controls) or "other_invisible".
	Kind       string
	Start, End int // byte span in the original text
	Count      int // characters in the run
	// Decoded is the ASCII text a run of tag characters spells, "" otherwise.
	Decoded string
}

// Decoded is a segment of the text that was an encoding of other text
// (base64, hex, percent, rot13), decoded for rescanning.
type Decoded struct {
	Encoding   string // "base64", "hex", "percent", "rot13"
	Start, End int    // byte span of the encoded run in the original text
	Text       string // the decoded text, itself normalized
	Depth      int    // 1 for a direct decoding, 2 for an encoding inside it, ...
}

// Result is the normalized form of a text and what was undone to get it.
type Result struct {
	// Text is the normalized text. Only meaningful when Changed is true;
	// otherwise it is empty and the original text is already normal.
	Text    string
	Changed bool
	Hidden  []Hidden
	Decoded []Decoded
}

// Text normalizes s.
func Text(s string) Result {
	var r Result
	if isPlainASCII(s) {
		return r
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		kind := invisibleKind(c)
		if kind == "" {
			out = utf8.AppendRune(out, c)
			i += size
			continue
		}
		start := i
		h := Hidden{Kind: kind, Start: start}
		var tags []byte
		for i < len(s) {
			c2, size2 := utf8.DecodeRuneInString(s[i:])
			if invisibleKind(c2) != kind {
				break
			}
			if kind == "tag" && c2 >= 0xE0020 && c2 <= 0xE007E {
				tags = append(tags, byte(c2-0xE0000))
			}
			h.Count++
			i += size2
		}
		h.End = i
		h.Decoded = string(tags)
		if kind == "tag" {
			out = append(out, tags...)
		}
		r.Hidden = append(r.Hidden, h)
	}
	r.Text = norm.NFKC.String(string(out))
	r.Changed = r.Text != s
	return r
}

// isPlainASCII reports whether s is printable ASCII plus common whitespace:
// such text has nothing for NFKC or invisible-character handling to do.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
			return false
		}
	}
	return true
}

func invisibleKind(c rune) string {
	switch {
	case c >= 0xE0000 && c <= 0xE007F:
		return "tag"
	case c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF:
		return "zero_width"
	case (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F:
		return "bidi"
	case c == 0x00AD || c == 0x180E || (c >= 0x2061 && c <= 0x2064):
		return "other_invisible"
	}
	return ""
}
