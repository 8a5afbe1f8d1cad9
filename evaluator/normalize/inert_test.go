package normalize

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestInertRunesChangeNothing holds the claim behind onlyInert against the
// stages it lets a text skip: for every inert rune, and for random texts
// mixing ASCII with inert runes, unhiding, NFKC and folding return the
// text unchanged and report nothing.
func TestInertRunesChangeNothing(t *testing.T) {
	var inert []rune
	for r := rune(utf8.RuneSelf); r < 1<<16; r++ {
		if isInert(r) {
			inert = append(inert, r)
		}
	}
	// Typographic punctuation, accented Latin and CJK are the point.
	for _, r := range "‘’“”–—•éüçñ中文한" {
		if !isInert(r) {
			t.Errorf("%q (U+%04X) is not inert", r, r)
		}
	}
	// Invisible, compatibility, combining (incl. Hangul vowel and final
	// jamo, which compose backwards), look-alike and styled runes are
	// not, nor U+FFFD.
	for _, r := range "\u200b\u202e\u00a0…ﬁ\u0301\u1161\u11a8аΑ𝐚Ａ\ufffd" {
		if isInert(r) {
			t.Errorf("%q (U+%04X) is inert", r, r)
		}
	}
	check := func(s string) {
		t.Helper()
		var r Result
		if got := r.unhide(s); got != s || len(r.Hidden) != 0 {
			t.Fatalf("unhide changed %q", s)
		}
		if got := r.nfkc(s); got != s || norm.NFKC.String(s) != s {
			t.Fatalf("nfkc changed %q", s)
		}
		if got := r.fold(s); got != s || len(r.Folds) != 0 || len(r.maps) != 0 {
			t.Fatalf("fold changed %q", s)
		}
		if !onlyInert(s) {
			t.Fatalf("%q not seen as inert", s)
		}
	}
	var b strings.Builder
	for _, r := range inert {
		b.Reset()
		b.WriteString("e")
		b.WriteRune(r)
		b.WriteString("a ")
		b.WriteRune(r)
		b.WriteRune(r)
		b.WriteString("x")
		check(b.String())
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b.Reset()
		for range 1 + rng.IntN(40) {
			if rng.IntN(3) == 0 {
				b.WriteRune(inert[rng.IntN(len(inert))])
			} else {
				b.WriteByte(byte(' ' + rng.IntN(95)))
			}
		}
		check(b.String())
	}
}

// TestInertTextsNormalizeAlike: a text of inert runes normalizes to what
// the full pipeline makes of it (nothing), while one inert rune away a
// text still takes the full path.
func TestInertTextsNormalizeAlike(t *testing.T) {
	if r := Text("Don’t “ignore” this — café, 中文."); !r.Pristine() {
		t.Fatalf("inert prose: %+v", r)
	}
	if r := Text("Don’t “ignore” this … ﬁne"); !r.Changed || r.Text != "Don’t “ignore” this ... fine" {
		t.Fatalf("compatibility characters: %+v", r)
	}
	if r := Text("ignore\u200b previous"); len(r.Hidden) == 0 {
		t.Fatalf("zero-width space: %+v", r)
	}
}
