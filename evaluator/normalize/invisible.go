package normalize

import (
	"unicode"
	"unicode/utf8"
)

// Invisible characters. Each rune that renders as nothing is classified; a
// run of the same class is removed and reported as one Hidden, unless it is
// part of ordinary writing:
//
//   - ZWJ between pictographs builds an emoji sequence (👨‍👩‍👧);
//   - ZWNJ and ZWJ between letters of Arabic-script and Indic languages
//     choose letter forms (Persian "می‌خواهم", Hindi conjuncts);
//   - tag characters after U+1F3F4 that spell a region and end with the
//     cancel tag are an emoji subdivision flag (🏴 England);
//   - one variation selector after a character picks its glyph (emoji vs
//     text presentation, ideographic variants);
//   - direction marks next to right-to-left letters are how such text is
//     typed;
//   - a byte-order mark at the very start is an artefact of files.
//
// Those are kept (or, for the last two, dropped silently).

type invisClass uint8

const (
	invisNone invisClass = iota
	invisTag
	invisZeroWidth
	invisBidi
	invisMark // LRM, RLM, ALM
	invisVS
	invisOther
)

func classify(c rune) invisClass {
	switch {
	case c < 0xAD:
		return invisNone
	case c >= 0xE0000 && c <= 0xE007F:
		return invisTag
	case c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF || c == 0x180E:
		return invisZeroWidth
	case (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069):
		return invisBidi
	case c == 0x200E || c == 0x200F || c == 0x061C:
		return invisMark
	case (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF):
		return invisVS
	case c == 0x00AD || c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 ||
		(c >= 0x2061 && c <= 0x2064) || c == 0x3164 || c == 0xFFA0 || (c >= 0xFFF9 && c <= 0xFFFB) ||
		(c >= 0x1D173 && c <= 0x1D17A):
		return invisOther
	}
	return invisNone
}

var classKinds = [...]string{
	invisTag:       KindTag,
	invisZeroWidth: KindZeroWidth,
	invisBidi:      KindBidi,
	invisMark:      KindBidi,
	invisVS:        KindVariationSelector,
	invisOther:     KindOtherInvisible,
}

// unhide removes invisible characters from s, splices in the text hidden
// with tag characters and variation selectors, records the Hidden runs and
// the stage's span map, and returns the result.
func (r *Result) unhide(s string) string {
	var (
		out  []byte
		m    spanMap
		last rune = -1 // last rune written to out
	)
	copied := 0 // s[copied:i] still to be copied to out
	flush := func(i int) {
		if out == nil {
			out = make([]byte, 0, len(s)+16)
		}
		out = append(out, s[copied:i]...)
	}
	for i := 0; i < len(s); {
		c, size := rune(s[i]), 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRuneInString(s[i:])
		}
		cls := classify(c)
		if cls == invisNone {
			last = c
			i += size
			continue
		}
		// Find the run of this class.
		j, count := i+size, 1
		for j < len(s) {
			c2, size2 := utf8.DecodeRuneInString(s[j:])
			if classify(c2) != cls {
				break
			}
			j += size2
			count++
		}
		next, _ := utf8.DecodeRuneInString(s[j:])
		if j >= len(s) {
			next = -1
		}
		if keepInvisible(cls, s[i:j], count, last, next) {
			if cls != invisVS || count == 1 {
				last = lastRune(s[i:j])
			}
			i = j
			continue
		}
		flush(i)
		to := len(out)
		h := Hidden{Kind: classKinds[cls], Start: i, End: j, Count: count,
			Intraword: isLetter(last) && isLetter(next)}
		silent := false
		switch cls {
		case invisTag:
			h.Decoded = decodeTags(s[i:j])
		case invisVS:
			h.Decoded = decodeSelectors(s[i:j])
		case invisZeroWidth:
			silent = i == 0 && c == 0xFEFF && count == 1
		case invisMark:
			silent = isRTL(last) || isRTL(next) || (!isLetter(last) && !isLetter(next))
		}
		if h.Decoded != "" {
			if len(out) > 0 && out[len(out)-1] != ' ' {
				out = append(out, ' ')
			}
			out = append(out, h.Decoded...)
			out = append(out, ' ')
			last = ' '
		}
		m.add(to, len(out), i, j)
		if !silent {
			r.Hidden = append(r.Hidden, h)
		}
		copied, i = j, j
	}
	if out == nil {
		return s
	}
	out = append(out, s[copied:]...)
	if len(m) > 0 {
		r.maps = append(r.maps, m)
	}
	return string(out)
}

// keepInvisible reports whether the run s of class cls, between the runes
// last and next (-1 at either end of the text), is part of ordinary writing.
func keepInvisible(cls invisClass, s string, count int, last, next rune) bool {
	switch cls {
	case invisZeroWidth:
		if count != 1 {
			return false
		}
		c, _ := utf8.DecodeRuneInString(s)
		if c == 0x200D && isPictographic(last) && isPictographic(next) {
			return true
		}
		if (c == 0x200C || c == 0x200D) && joiningScript(last) && joiningScript(next) {
			return true
		}
	case invisTag:
		return last == 0x1F3F4 && isFlagTags(s)
	case invisVS:
		return count == 1 && last >= 0
	}
	return false
}

// isFlagTags reports whether s is the tag part of an emoji subdivision flag:
// two to seven tag letters or digits and the cancel tag.
func isFlagTags(s string) bool {
	n := 0
	for _, c := range s {
		switch {
		case c == 0xE007F:
			return n >= 2 && n <= 7 && len(s) == (n+1)*4
		case (c >= 0xE0061 && c <= 0xE007A) || (c >= 0xE0030 && c <= 0xE0039):
			n++
		default:
			return false
		}
	}
	return false
}

// decodeTags returns the ASCII text a run of tag characters spells.
func decodeTags(s string) string {
	var b []byte
	for _, c := range s {
		if c >= 0xE0020 && c <= 0xE007E {
			b = append(b, byte(c-0xE0000))
		}
	}
	return string(b)
}

// decodeSelectors returns the text a run of variation selectors carries,
// one byte per selector (U+FE00–FE0F are 0–15, U+E0100–E01EF are 16–255),
// or "" when the bytes are not mostly printable UTF-8 text.
func decodeSelectors(s string) string {
	var b []byte
	for _, c := range s {
		switch {
		case c >= 0xFE00 && c <= 0xFE0F:
			b = append(b, byte(c-0xFE00))
		case c >= 0xE0100 && c <= 0xE01EF:
			b = append(b, byte(c-0xE0100+16))
		}
	}
	if len(b) < 2 || !printableText(b) {
		return ""
	}
	return string(b)
}

func lastRune(s string) rune {
	c, _ := utf8.DecodeLastRuneInString(s)
	return c
}

func isLetter(c rune) bool {
	if c < 0 {
		return false
	}
	if c < utf8.RuneSelf {
		return isASCIILetter(byte(c))
	}
	return unicode.IsLetter(c) || unicode.IsMark(c)
}

// isPictographic approximates Extended_Pictographic plus the modifiers that
// may precede a ZWJ inside an emoji sequence.
func isPictographic(c rune) bool {
	switch {
	case c >= 0x1F000 && c <= 0x1FAFF, // emoji blocks, incl. skin tones 1F3FB–1F3FF
		c >= 0x2600 && c <= 0x27BF, // miscellaneous symbols, dingbats (♀ ♂ ❤ ⚕)
		c >= 0x2300 && c <= 0x23FF,
		c >= 0x2B00 && c <= 0x2BFF,
		c >= 0x2190 && c <= 0x21FF,
		c == 0xFE0F, c == 0x20E3, c == 0x00A9, c == 0x00AE, c == 0x203C, c == 0x2049, c == 0x2122:
		return true
	}
	return false
}

// joiningScript reports whether c belongs to a script in which ZWJ and ZWNJ
// are part of ordinary spelling: Arabic-script languages (Persian, Urdu,
// Kurdish), Syriac, the Indic scripts, Sinhala, Myanmar, Khmer.
func joiningScript(c rune) bool {
	switch {
	case c >= 0x0600 && c <= 0x08FF, // Arabic, Syriac, Thaana, Arabic supplements
		c >= 0x0900 && c <= 0x0DFF,                             // Devanagari … Sinhala
		c >= 0x1000 && c <= 0x109F,                             // Myanmar
		c >= 0x1780 && c <= 0x17FF,                             // Khmer
		c >= 0xA8E0 && c <= 0xA8FF,                             // Devanagari extended
		c >= 0xFB50 && c <= 0xFDFF, c >= 0xFE70 && c <= 0xFEFE: // Arabic presentation forms
		return true
	}
	return false
}

// isRTL reports whether c is a letter of a right-to-left script.
func isRTL(c rune) bool {
	switch {
	case c >= 0x0590 && c <= 0x08FF, c >= 0xFB1D && c <= 0xFDFF, c >= 0xFE70 && c <= 0xFEFE,
		c >= 0x10800 && c <= 0x10FFF, c >= 0x1E800 && c <= 0x1EEFF:
		return true
	}
	return false
}

// printableText reports whether b is valid UTF-8 of which at least 90% of
// the runes are printable or common whitespace, and either a third are
// letters (prose, code) or nearly all are ASCII letters and digits (another
// encoding inside this one): the test that separates an encoded sentence
// from encoded binary.
func printableText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	n, good, letters, alnum := 0, 0, 0, 0
	for i := 0; i < len(b); {
		c, size := rune(b[i]), 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRune(b[i:])
		}
		i += size
		n++
		switch {
		case c == '\n' || c == '\r' || c == '\t' || c == ' ':
			good++
		case c < 0x20 || c == 0x7f || c == utf8.RuneError:
		case c < utf8.RuneSelf:
			good++
			if isASCIILetter(byte(c)) {
				letters++
				alnum++
			} else if c >= '0' && c <= '9' || c == '=' || c == '+' || c == '/' {
				alnum++
			}
		case unicode.IsPrint(c) || classify(c) != invisNone:
			good++
			if unicode.IsLetter(c) {
				letters++
			}
		}
	}
	return n > 0 && good*10 >= n*9 && letters >= 2 && (letters*3 >= n || alnum*10 >= n*9)
}
