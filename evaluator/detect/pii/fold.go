package pii

import (
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Folding gives the scanner an ASCII view of text that writes numbers with
// other characters: full-width digits and letters (４１１１…), digits of
// other scripts (٤١١١…), no-break and thin spaces and Unicode dashes between
// groups, invisible characters (zero-width spaces, soft hyphens) slipped
// inside a number, and Unicode tag characters that spell hidden ASCII. The scanner runs on the folded text and every span is
// mapped back to the original bytes, so redaction replaces exactly the
// characters that were there. Only these few characters are folded (not full
// NFKC): the mapping must stay exact, and nothing else changes what a number
// looks like.

// foldRune returns what the scanner sees for a non-ASCII rune: an ASCII byte
// (ok), nothing (drop), or the rune unchanged (!ok && !drop).
func foldRune(r rune) (b byte, drop, ok bool) {
	switch {
	case r == 0x00A0 || (r >= 0x2000 && r <= 0x200A) || r == 0x202F || r == 0x205F || r == 0x3000:
		return ' ', false, true
	case (r >= 0x2010 && r <= 0x2015) || r == 0x2212 || r == 0xFE58 || r == 0xFE63:
		return '-', false, true
	case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF || r == 0x00AD:
		return 0, true, false
	case r >= 0xFF01 && r <= 0xFF5E:
		return byte(r - 0xFEE0), false, true
	case r >= 0xE0020 && r <= 0xE007E:
		// Unicode tag characters spell hidden ASCII that models still read;
		// a number smuggled that way is still the number.
		return byte(r - 0xE0000), false, true
	case r > 0x7F && unicode.IsDigit(r):
		return '0' + digitValue(r), false, true
	}
	return 0, false, false
}

// digitValue returns the value of a Unicode decimal digit. Decimal digits
// come in contiguous runs of ten starting at a zero, so the value is the
// distance from the start of the run, modulo ten.
func digitValue(r rune) byte {
	first := r
	for first > 0 && unicode.IsDigit(first-1) && r-first < 64 {
		first--
	}
	return byte((r - first) % 10)
}

// needsFold reports whether s has a rune that folding would change.
func needsFold(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < 0x80 {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if _, drop, ok := foldRune(r); ok || drop {
			return true
		}
		i += size
	}
	return false
}

// foldBuf is a folded text with, for each of its bytes, the span of original
// bytes it came from.
type foldBuf struct {
	b          []byte
	start, end []int32
}

// maxPooledFold bounds the buffers kept for reuse.
const maxPooledFold = 1 << 20

var foldPool = sync.Pool{New: func() any { return new(foldBuf) }}

func (f *foldBuf) fold(s string) {
	f.b, f.start, f.end = f.b[:0], f.start[:0], f.end[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			f.b = append(f.b, c)
			f.start = append(f.start, int32(i))
			f.end = append(f.end, int32(i+1))
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b, drop, ok := foldRune(r)
		switch {
		case drop:
		case ok:
			f.b = append(f.b, b)
			f.start = append(f.start, int32(i))
			f.end = append(f.end, int32(i+size))
		default:
			for k := 0; k < size; k++ {
				f.b = append(f.b, s[i+k])
				f.start = append(f.start, int32(i+k))
				f.end = append(f.end, int32(i+k+1))
			}
		}
		i += size
	}
}

// text returns the folded text without copying. It is valid until the
// buffer is folded again or returned to the pool; the scanner never keeps it
// beyond one segment.
func (f *foldBuf) text() string {
	if len(f.b) == 0 {
		return ""
	}
	return unsafe.String(&f.b[0], len(f.b))
}

// span maps a span of the folded text to the original text.
func (f *foldBuf) span(start, end int) (int, int) {
	if end <= start {
		return int(f.start[start]), int(f.start[start])
	}
	return int(f.start[start]), int(f.end[end-1])
}

func (f *foldBuf) release() {
	if cap(f.b) > maxPooledFold {
		return
	}
	foldPool.Put(f)
}
