package normalize

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Most non-ASCII text a gateway sees is ordinary: English with curly
// quotes and dashes, French with accents, Chinese. Unhiding, NFKC and
// confusable folding change none of it, yet each is a pass over the whole
// text (NFKC's own check runs at about 200 MB/s on such prose). A rune is
// inert when no stage before decoding can change it or what surrounds
// it: not invisible, not a look-alike or styled letter, not of a script
// folding looks at, and under NFKC normal on its own and a starter that
// combines with nothing before it. A text of ASCII and inert runes
// skips those stages; TestInertRunesChangeNothing holds the claim against
// the stages themselves.

var (
	inertOnce sync.Once
	inertBMP  []uint64 // bit r set: BMP rune r is inert
)

func buildInert() {
	inertBMP = make([]uint64, (1<<16)/64)
	var buf [utf8.UTFMax]byte
	for r := rune(utf8.RuneSelf); r < 1<<16; r++ {
		if (r >= 0xd800 && r <= 0xdfff) || r == utf8.RuneError { // surrogates are not runes; U+FFFD stands for bad bytes
			continue
		}
		if classify(r) != invisNone || confusableScript(r) || confusableOf(r) != 0 || styledLatin(r) != 0 {
			continue
		}
		b := buf[:utf8.EncodeRune(buf[:], r)]
		// Normal on its own and a starter nothing before it can combine
		// with. What follows it cannot change it either: a rune that
		// combines backwards is not inert, so a text holding one takes
		// the full path.
		if p := norm.NFKC.Properties(b); !p.BoundaryBefore() || p.CCC() != 0 || norm.NFKC.QuickSpan(b) != len(b) {
			continue
		}
		inertBMP[r>>6] |= 1 << (r & 63)
	}
}

// isInert reports whether r is inert (see above). Runes outside the BMP
// (emoji, historic scripts, mathematical letters) never are: they take
// the full path.
func isInert(r rune) bool {
	if r >= 1<<16 {
		return false
	}
	inertOnce.Do(buildInert)
	return inertBMP[r>>6]&(1<<(r&63)) != 0
}

// onlyInert reports whether every non-ASCII rune of s is inert, so that
// unhide, nfkc and fold would return s unchanged.
func onlyInert(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !isInert(r) {
			return false
		}
		i += size
	}
	return true
}
