package detect

import (
	"strings"
	"unicode/utf8"
)

// MaskSuffix marks where a masked value was cut.
const MaskSuffix = "…[masked]"

// Mask returns a redacted form of a sensitive value that is safe to log: at
// most the first quarter of it (and never more than 4 runes) followed by
// MaskSuffix. Short values are fully masked. The kept prefix is what
// identifies a credential's kind ("AKIA", "ghp_", "sk-a") without enough of
// it to be useful.
func Mask(v string) string {
	n := utf8.RuneCountInString(v)
	keep := n / 4
	if keep > 4 {
		keep = 4
	}
	if n < 8 {
		keep = 0
	}
	var b strings.Builder
	b.Grow(keep*4 + len(MaskSuffix))
	for _, r := range v {
		if keep == 0 {
			break
		}
		if r < 0x20 || r == 0x7f {
			r = '?'
		}
		b.WriteRune(r)
		keep--
	}
	b.WriteString(MaskSuffix)
	return b.String()
}

// maxExcerpt bounds Excerpt's output in bytes.
const maxExcerpt = 64

// Excerpt returns a short, single-line quote of non-sensitive matched text
// (an injection phrase, a command verb) for evidence. Control characters are
// replaced and the result is cut at a rune boundary. Use Mask, not Excerpt,
// for anything that may be a secret or personal data.
func Excerpt(v string) string {
	var b strings.Builder
	for _, r := range v {
		if b.Len() >= maxExcerpt {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case r < 0x20 || r == 0x7f || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) ||
			(r >= 0x2066 && r <= 0x2069) || (r >= 0xe0000 && r <= 0xe007f) || r == utf8.RuneError:
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
