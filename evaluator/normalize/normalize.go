// Package normalize turns text into the form injection and jailbreak rules
// match against, and reports the hiding tricks it undoes on the way.
//
// Attackers hide instructions from reviewers and from naive filters with
// compatibility characters (full-width letters), invisible characters
// (zero-width spaces, bidi controls), Unicode tag characters that encode a
// whole hidden ASCII string, look-alike letters from other scripts, and
// encodings (base64, hex, percent, rot13). Normalization undoes these so that
// one set of rules sees the text a model would read.
//
// The pipeline, in order:
//
//  1. invisible characters are removed and reported as Hidden runs; tag
//     characters and variation selectors that carry data are decoded and the
//     decoded text is spliced in where it was hidden. Joiners that are part of
//     writing (a ZWJ inside an emoji sequence, a ZWNJ in Persian or Hindi) and
//     emoji flag tag sequences are left alone;
//  2. NFKC folds full-width, mathematical, circled and other compatibility
//     letters to plain ones;
//  3. look-alike letters of other scripts (Cyrillic, Greek, Armenian,
//     Cherokee) are folded to Latin, but only inside words that mix scripts
//     or, in Latin text, in words made only of look-alikes (a TR39-style
//     skeleton applied where it matters), so Russian or Greek prose stays
//     as it is;
//  4. runs that look encoded (base64, hex, binary, percent, \x and \u
//     escapes, HTML character references, Morse code, rot13 and the other
//     Caesar shifts, pig latin, reversed text) are decoded when the result
//     is mostly printable text (for the word ciphers: when it reads as
//     English), normalized again and kept as Decoded layers for rescanning,
//     with bounded depth and size;
//  5. a leetspeak-folded view ("1gn0r3" -> "ignore") is kept beside the text,
//     never in place of it, so that numbers in ordinary text stay numbers.
//
// Plain ASCII prose with nothing encoded takes a single pass and allocates
// nothing.
package normalize

// Hidden kinds.
const (
	// KindTag is a run of Unicode tag characters (U+E0000–E007F) outside an
	// emoji flag sequence. The ASCII they spell is in Hidden.Decoded.
	KindTag = "tag"
	// KindZeroWidth is a run of zero-width characters (ZWSP, ZWNJ, ZWJ, word
	// joiner, zero-width no-break space, Mongolian vowel separator) that is
	// not part of an emoji sequence or of a script that joins with them.
	KindZeroWidth = "zero_width"
	// KindBidi is a run of bidirectional controls: embeddings, overrides and
	// isolates, or direction marks outside right-to-left text.
	KindBidi = "bidi"
	// KindVariationSelector is a run of two or more variation selectors: one
	// selector after a character picks a glyph, a run of them carries bytes
	// (one byte per selector). The bytes, when they are text, are in
	// Hidden.Decoded.
	KindVariationSelector = "variation_selector"
	// KindOtherInvisible is a run of other characters that render as nothing:
	// soft hyphens, combining grapheme joiners, Hangul fillers, invisible
	// mathematical operators, interlinear annotation marks.
	KindOtherInvisible = "other_invisible"
)

// Hidden is a run of invisible or smuggling characters in the original text.
type Hidden struct {
	// Kind is one of the Kind constants.
	Kind       string
	Start, End int // byte span in the original text
	Count      int // characters in the run
	// Decoded is the text a run of tag characters or variation selectors
	// spells, "" otherwise. It is also spliced into Result.Text in place of
	// the run, between spaces, so rules see it.
	Decoded string
	// Intraword reports that the run sits between two letters, splitting a
	// word: the shape of a filter-evasion split rather than of residue from
	// copying and pasting.
	Intraword bool
}

// Decoded is a segment of the text that was an encoding of other text
// (base64, hex, percent, rot13), decoded for rescanning.
type Decoded struct {
	// Encoding is "base64", "hex", "binary", "percent", "escape" (\xNN or
	// \uNNNN escapes), "html" (numeric character references), "morse",
	// "rot13", "caesar" (another shift), "pig_latin" or "reverse".
	Encoding   string
	Start, End int    // byte span of the encoded run in the original text
	Text       string // the decoded text, itself normalized
	Depth      int    // 1 for a direct decoding, 2 for an encoding inside it, ...
}

// Fold kinds.
const (
	// FoldMixedScript is a word mixing Latin letters with look-alikes from
	// another script ("pаsswоrd" with Cyrillic а and о), folded to Latin.
	// Genuine words do not mix scripts.
	FoldMixedScript = "mixed_script"
	// FoldWholeScript is a word made only of look-alikes from another script
	// between Latin words ("Ignore аll previous" with a Cyrillic "аll"),
	// folded to Latin.
	FoldWholeScript = "whole_script"
)

// Fold is a word of the original text whose letters normalization replaced
// by others that look the same.
type Fold struct {
	Kind       string
	Start, End int // byte span in the original text
}

// Result is the normalized form of a text and what was undone to get it.
type Result struct {
	// Text is the normalized text. Only meaningful when Changed is true;
	// otherwise it is empty and the original text is already normal.
	Text    string
	Changed bool
	Hidden  []Hidden
	Decoded []Decoded
	// Folds lists the words whose look-alike letters were folded.
	Folds []Fold
	// Leet is the normalized text with leetspeak undone in the words that
	// mix letters with digits or symbols standing for letters ("pr0mpt",
	// "1gn0r3"), or "" when no word does. It is an extra view for rules,
	// not a replacement for Text.
	Leet string

	// maps translate byte offsets of Text back to the original, one map per
	// pipeline stage that changed lengths, applied last to first.
	maps [][]anchor
}

// Pristine reports whether normalization found nothing: the text is
// already normal, hides nothing and encodes nothing. It is the zero
// Result, and the common case.
func (r *Result) Pristine() bool {
	return !r.Changed && r.Text == "" && r.Leet == "" && len(r.Hidden) == 0 && len(r.Decoded) == 0 &&
		len(r.Folds) == 0 && len(r.maps) == 0
}

// Limits of the decoding stage, per call of Text.
const (
	// MaxDepth bounds nested decodings (base64 inside hex inside ...).
	MaxDepth = 3
	// MaxDecodedBytes bounds the decoded text kept per call, all layers
	// together.
	MaxDecodedBytes = 64 << 10
	// maxCandidates bounds how many encoded-looking runs are tried per text.
	maxCandidates = 64
)

// Text normalizes s.
func Text(s string) Result {
	st := state{budget: MaxDecodedBytes}
	return st.text(s, 1)
}

// state carries the limits shared by a call of Text and its nested decodings.
type state struct {
	budget int // decoded bytes still allowed
}

func (st *state) text(s string, depth int) Result {
	var r Result
	ascii, flags := scan(s)
	if ascii && flags == 0 {
		return r
	}
	t := s
	if !ascii && !onlyInert(s) {
		t = r.unhide(s)
		t = r.nfkc(t)
		t = r.fold(t)
		if t != s {
			r.Text, r.Changed = t, true
			_, flags = scan(t)
		}
	}
	if depth <= MaxDepth && flags&flagsDecode != 0 {
		st.decode(&r, t, depth, flags)
	}
	if flags&flagLeet != 0 {
		r.Leet = leetView(t)
	}
	return r
}

// OrigSpan maps a byte span of Text (or of the original text when Changed is
// false) back to the span of the original text it came from. Text spliced in
// from a hidden run maps to that run.
func (r *Result) OrigSpan(start, end int) (int, int) {
	if !r.Changed {
		return start, end
	}
	for i := len(r.maps) - 1; i >= 0; i-- {
		start, end = mapStart(r.maps[i], start), mapEnd(r.maps[i], end)
	}
	if end < start {
		end = start
	}
	return start, end
}

// scanFlags say what scan found worth a second look.
type scanFlags uint16

const (
	flagRun      scanFlags = 1 << iota // a run that may be base64 or hex
	flagHexPairs                       // hex bytes written pair by pair
	flagPercent                        // %NN escapes
	flagEscape                         // \xNN or \uNNNN escapes
	flagHTML                           // &#NN; references
	flagRot13                          // words that are English under rot13
	flagReverse                        // words that are English reversed
	flagLeet                           // a leetspeak word
	flagCaesar                         // words that are English under another Caesar shift
	flagPigLatin                       // words that may be pig latin ("ethay", "ouyay")
	flagBinary                         // bytes written as groups of eight binary digits
	flagMorse                          // Morse code ("-.-. --- -.. .")

	flagsDecode = flagRun | flagHexPairs | flagPercent | flagEscape | flagHTML | flagRot13 | flagReverse |
		flagCaesar | flagPigLatin | flagBinary | flagMorse
)

// Byte classes for scan, one table lookup per byte.
const (
	cUpper   = 1 << iota // A-Z
	cLower               // a-z
	cDigit               // 0-9
	cB64                 // the base64 alphabets (standard and URL-safe)
	cHex                 // 0-9 a-f A-F
	cWord                // letters, digits, '@', '$'
	cSpecial             // '%', '\\', '&'
	cBad                 // not printable ASCII or common whitespace
	cDash                // '-'
	cMorse               // '.', '-': may start a Morse letter
)

var byteClass = func() (t [256]uint16) {
	for c := 0; c < 256; c++ {
		var k uint16
		switch {
		case c >= 'A' && c <= 'Z':
			k = cUpper | cB64 | cWord
		case c >= 'a' && c <= 'z':
			k = cLower | cB64 | cWord
		case c >= '0' && c <= '9':
			k = cDigit | cB64 | cWord | cHex
		case c == '-':
			k = cB64 | cDash | cMorse
		case c == '.':
			k = cMorse
		case c == '+' || c == '/' || c == '_':
			k = cB64
		case c == '@' || c == '$':
			k = cWord
		case c == '%' || c == '\\' || c == '&':
			k = cSpecial
		case c >= 0x80 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f:
			k = cBad
		}
		if (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
			k |= cHex
		}
		t[c] = k
	}
	return t
}()

// scan reports whether s is printable ASCII plus common whitespace, and
// what in its ASCII parts is worth a second look: a run that may be base64
// or hex, percent or backslash escapes, character references, words that
// are common English under rot13 or reversed, a word that mixes letters and
// leetspeak digits. Plain prose answers (true, 0) in one pass without
// allocating.
func scan(s string) (ascii bool, flags scanFlags) {
	ascii = true
	var st wordStats
	runStart := -1 // start of the current base64-alphabet run
	words := 0     // words seen, so that runs of special words know they are runs
	for i := 0; i < len(s); {
		k := byteClass[s[i]]
		if k&cWord != 0 {
			// A word, consumed in a tight loop: most bytes of prose. any
			// and all gather the classes of its bytes.
			j, any, all := i+1, k, k
			for j < len(s) {
				kk := byteClass[s[j]]
				if kk&cWord == 0 {
					break
				}
				any |= kk
				all &= kk
				j++
			}
			if runStart < 0 {
				runStart = i
			}
			words++
			if any&cDigit != 0 {
				st.digitWord(s[i:j], words)
			} else if j-i >= 5 {
				// Most words end here: too long to be a hex byte or a
				// marker, and only maybe pig latin.
				if s[j-1]|0x20 == 'y' && s[j-2]|0x20 == 'a' {
					st.pig++
				}
			} else if j-i >= 2 {
				st.shortWord(s[i:j], all, words)
			}
			i = j
			continue
		}
		if k&cMorse != 0 && (i == 0 || morseStart(s[i-1])) {
			st.morseToken(s, i, words)
		}
		if k&cB64 != 0 { // '+', '/', '-', '_' continue a base64 run
			if runStart < 0 {
				runStart = i
			}
			i++
			continue
		}
		if runStart >= 0 {
			if i-runStart >= minEncodedRun && runCandidate(s[runStart:i]) {
				st.flags |= flagRun
			}
			runStart = -1
		}
		if k&cBad != 0 {
			ascii = false
		} else if k&cSpecial != 0 {
			st.flags |= special(s, i)
		}
		i++
	}
	if runStart >= 0 && len(s)-runStart >= minEncodedRun && runCandidate(s[runStart:]) {
		st.flags |= flagRun
	}
	return ascii, st.done()
}

// wordStats gathers what scan learns from the words of a text, outside
// its byte loop so that the loop's few variables stay in registers. Runs of
// special words (hex bytes, binary bytes, Morse letters) are told by word
// number: a run goes on while no other word comes between.
type wordStats struct {
	flags                 scanFlags
	rot, rev, caesar, pig int // marker words of each cipher, words ending in "ay"
	hexRun, hexLast       int // hex byte words in a row, and the number of the last
	binRun, binLast       int // binary byte words in a row, and the number of the last
	morseRun, morseWords  int // Morse letters in a row, and the words seen at the last
}

// digitWord looks at a word with digits, the words-th of the text.
func (st *wordStats) digitWord(w string, words int) {
	if st.flags&flagLeet == 0 && leetWord(w) {
		st.flags |= flagLeet
	}
	if len(w) >= 4 && w[len(w)-1]|0x20 == 'y' && w[len(w)-2]|0x20 == 'a' {
		st.pig++
	}
	switch {
	case len(w) == 8 && isBinaryByte(w):
		if words == st.binLast+1 {
			st.binRun++
		} else {
			st.binRun = 1
		}
		st.binLast = words
		if st.binRun >= 4 {
			st.flags |= flagBinary
		}
	case len(w) == 2 && isHex(w[0]) && isHex(w[1]),
		len(w) == 4 && w[0] == '0' && (w[1]|0x20) == 'x' && isHex(w[2]) && isHex(w[3]):
		st.hexWord(words)
	}
}

// shortWord looks at a word of two to four letters (and perhaps '@' or
// '$'), the words-th of the text; all is the intersection of its bytes'
// classes.
func (st *wordStats) shortWord(w string, all uint16, words int) {
	if len(w) == 2 && all&cHex != 0 {
		st.hexWord(words)
	}
	if len(w) == 4 && w[3]|0x20 == 'y' && w[2]|0x20 == 'a' {
		st.pig++
	}
	// Count rot13, Caesar and reversed marker words.
	m := markers.get(packLower(w))
	st.rot += int(m & markRot13)
	st.rev += int(m&markReverse) >> 1
	st.caesar += int(m&markCaesar) >> 2
}

// hexWord counts a hex byte written as a word ("49", "0x67"), the
// words-th of the text: eight in a row are worth decoding.
func (st *wordStats) hexWord(words int) {
	if words == st.hexLast+1 {
		st.hexRun++
	} else {
		st.hexRun = 1
	}
	st.hexLast = words
	if st.hexRun >= 8 {
		st.flags |= flagHexPairs
	}
}

// morseToken counts a run of dots and dashes standing alone at s[i] that
// may be a Morse letter; words words have been seen.
func (st *wordStats) morseToken(s string, i, words int) {
	if morseLetter(s, i) == 0 {
		st.morseRun = 0
		return
	}
	if words == st.morseWords {
		st.morseRun++
	} else {
		st.morseRun = 1
	}
	st.morseWords = words
	if st.morseRun >= 4 {
		st.flags |= flagMorse
	}
}

// done returns the flags of the whole text.
func (st *wordStats) done() scanFlags {
	f := st.flags
	if st.rot >= 2 {
		f |= flagRot13
	}
	if st.caesar >= 2 {
		f |= flagCaesar
	}
	if st.pig >= 3 {
		f |= flagPigLatin
	}
	if st.rev >= 2 {
		f |= flagReverse
	}
	return f
}

// runCandidate reports whether a run of the base64 alphabet may be encoded.
func runCandidate(run string) bool {
	var r runStats
	for i := 0; i < len(run); i++ {
		r.add(byteClass[run[i]])
	}
	return r.candidate()
}

// special looks at an escape-like character at s[i].
func special(s string, i int) scanFlags {
	switch s[i] {
	case '%':
		if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			return flagPercent
		}
	case '\\':
		if i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'u' || s[i+1] == 'U') {
			return flagEscape
		}
	case '&':
		if i+1 < len(s) && s[i+1] == '#' {
			return flagHTML
		}
	}
	return 0
}

// runStats describes a run of the base64 alphabet (which includes hex).
type runStats struct {
	n, upper, lower, digit int
	nonHex, dash           int    // characters outside hex digits and '-'; dashes
	switches               int    // case changes to upper and letter/digit changes
	last                   uint16 // case/digit class bits of the last character
}

func (r *runStats) add(k uint16) {
	r.n++
	cls := k & (cUpper | cLower | cDigit)
	switch cls {
	case cUpper:
		r.upper++
		if r.last&(cLower|cDigit) != 0 {
			r.switches++
		}
	case cLower:
		r.lower++
		if r.last == cDigit {
			r.switches++
		}
	case cDigit:
		r.digit++
		if r.last&(cUpper|cLower) != 0 {
			r.switches++
		}
	}
	switch {
	case k&cDash != 0:
		r.dash++
	case k&cHex == 0:
		r.nonHex++
	}
	r.last = cls
}

// candidate reports whether the run is long and mixed enough to be worth
// decoding. Encoded bytes switch between upper case, lower case and digits
// every few characters; words, paths ("docs/CONTRIBUTING.md") and
// identifiers ("AbstractSingletonProxyFactoryBean") rarely do, and a run of
// hex digits and dashes is a UUID.
func (r *runStats) candidate() bool {
	if r.n < minEncodedRun || (r.nonHex == 0 && r.dash > 0) {
		return false
	}
	mixed := (r.upper > 1 && r.lower > 1) || (r.digit > 0 && r.upper+r.lower > 0)
	return mixed && r.switches*6 >= r.n
}

// minEncodedRun is the shortest base64 or hex run tried: 16 characters are
// 12 bytes of base64 or 8 of hex, enough for a short instruction.
const minEncodedRun = 16

// packLower packs a word of up to four ASCII letters, lower-cased, one byte
// per letter.
func packLower(w string) uint32 {
	var key uint32
	for i := 0; i < len(w); i++ {
		key = key<<8 | uint32(w[i]|0x20)
	}
	return key
}

// Marker words: the commonest short English words under rot13, under the
// other Caesar shifts, and reversed. Two of them in a text make it worth
// trying to decode.

// markerTable is a small open-addressing map from words of up to four
// letters, packed one byte per letter, to the marker kinds they are: one
// probe answers every question for most words.
type markerTable [1024]struct {
	key    uint32
	bits   uint8
	shifts uint32 // for markCaesar: bit k set for a marker under shift k
}

// Marker kinds.
const (
	markRot13   = 1 << iota // a common English word under rot13
	markReverse             // a common English word reversed
	markCaesar              // a common English word of three or four letters under another shift
)

func (m *markerTable) slot(k uint32) int { return int((k * 2654435761) >> 22) }

func (m *markerTable) add(k uint32, bits uint8, shifts uint32) {
	for i := m.slot(k); ; i = (i + 1) & 1023 {
		if m[i].key == 0 || m[i].key == k {
			m[i].key = k
			m[i].bits |= bits
			m[i].shifts |= shifts
			return
		}
	}
}

func (m *markerTable) get(k uint32) uint8 {
	for i := m.slot(k); ; i = (i + 1) & 1023 {
		switch m[i].key {
		case k:
			return m[i].bits
		case 0:
			return 0
		}
	}
}

// shifts returns the Caesar shifts under which the packed word k is a
// marker word.
func (m *markerTable) shifts(k uint32) uint32 {
	for i := m.slot(k); ; i = (i + 1) & 1023 {
		switch m[i].key {
		case k:
			return m[i].shifts
		case 0:
			return 0
		}
	}
}

var markers = func() (m markerTable) {
	for _, w := range []string{"the", "and", "you", "is", "to", "of", "it", "in", "for", "what",
		"this", "that", "your", "not", "all", "me", "my", "was", "with", "are"} {
		v := []byte(w)
		m.add(packWord(shift(w, 13)), markRot13, 0)
		// Two-letter words under a shift are too often words or
		// abbreviations themselves ("up", "id", "cm"), and so are some
		// short shifted words ("max"): only longer ones mark a shift.
		if len(w) >= 3 {
			for k := 1; k < 26; k++ {
				if k != 13 {
					m.add(packWord(shift(w, k)), markCaesar, 1<<k)
				}
			}
		}
		for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
			v[i], v[j] = v[j], v[i]
		}
		// Reversed short words that are words themselves ("si", "no",
		// "ton", "saw") would fire on ordinary text.
		if len(w) >= 3 && w != "not" && w != "was" && w != "are" {
			m.add(packWord(v), markReverse, 0)
		}
	}
	return m
}()

// shift returns the lower-case word w with its letters moved k places on.
func shift(w string, k int) []byte {
	b := []byte(w)
	for i, c := range b {
		b[i] = 'a' + (c-'a'+byte(k))%26
	}
	return b
}

func packWord(w []byte) uint32 {
	var k uint32
	for _, c := range w {
		k = k<<8 | uint32(c)
	}
	return k
}

func isWordByte(c byte) bool { return byteClass[c]&cWord != 0 }

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func isHex(c byte) bool { return byteClass[c]&cHex != 0 }

func isB64(c byte) bool { return byteClass[c]&cB64 != 0 }
