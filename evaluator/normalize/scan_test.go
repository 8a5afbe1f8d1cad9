package normalize

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/corpus"
)

// scanRef is scan as it was first written, kept to check the optimized scan against. It reports whether s is printable ASCII plus common whitespace, and
// what in its ASCII parts is worth a second look: a run that may be base64
// or hex, percent or backslash escapes, character references, words that
// are common English under rot13 or reversed, a word that mixes letters and
// leetspeak digits. Plain prose answers (true, 0) in one pass without
// allocating.
func scanRef(s string) (ascii bool, flags scanFlags) {
	ascii = true
	var (
		runStart           = -1 // start of the current base64-alphabet run
		rot, rev, hexPairs int  // marker words, hex byte words seen
	)
	for i := 0; i < len(s); {
		k := byteClass[s[i]]
		if k&cWord != 0 {
			// A word, consumed in a tight loop: most bytes of prose.
			j, digits := i, 0
			for j < len(s) {
				kk := byteClass[s[j]]
				if kk&cWord == 0 {
					break
				}
				if kk&cDigit != 0 {
					digits++
				}
				j++
			}
			if runStart < 0 {
				runStart = i
			}
			flags |= scanWordRef(s[i:j], digits, &rot, &rev, &hexPairs)
			i = j
			continue
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
				flags |= flagRun
			}
			runStart = -1
		}
		if k&cBad != 0 {
			ascii = false
		} else if k&cSpecial != 0 {
			flags |= special(s, i)
		}
		i++
	}
	if runStart >= 0 && len(s)-runStart >= minEncodedRun && runCandidate(s[runStart:]) {
		flags |= flagRun
	}
	if rot >= 2 {
		flags |= flagRot13
	}
	if rev >= 2 {
		flags |= flagReverse
	}
	return ascii, flags
}

// scanWordRef is scanWord as first written; it looks at one word of ASCII text for scan: it reports a leetspeak
// word or the eighth hex byte in a row ("49 67 6e ..."), and counts rot13
// and reversed marker words.
func scanWordRef(w string, digits int, rot, rev, hexPairs *int) scanFlags {
	var flags scanFlags
	if digits > 0 && leetWord(w) {
		flags |= flagLeet
	}
	if (len(w) == 2 && isHex(w[0]) && isHex(w[1])) ||
		(len(w) == 4 && w[0] == '0' && (w[1]|0x20) == 'x' && isHex(w[2]) && isHex(w[3])) {
		*hexPairs++
		if *hexPairs >= 8 {
			flags |= flagHexPairs
		}
	} else {
		*hexPairs = 0
	}
	if digits > 0 || len(w) < 2 || len(w) > 4 {
		return flags
	}
	// The word has no digits, so it is letters (and perhaps '@' or '$',
	// which match no marker).
	var key uint32
	for i := 0; i < len(w); i++ {
		key = key<<8 | uint32(w[i]|0x20)
	}
	if isRot13KeyRef(key) {
		*rot++
	}
	if isReverseKeyRef(key) {
		*rev++
	}
	return flags
}

// The marker sets as first written.

// refMarkerSet is a small open-addressing set of words of up to four letters,
// packed one byte per letter.
type refMarkerSet [128]uint32

func (m *refMarkerSet) slot(k uint32) int { return int((k * 2654435761) >> 25) }

func (m *refMarkerSet) add(k uint32) {
	for i := m.slot(k); ; i = (i + 1) & 127 {
		if m[i] == 0 || m[i] == k {
			m[i] = k
			return
		}
	}
}

func (m *refMarkerSet) has(k uint32) bool {
	for i := m.slot(k); ; i = (i + 1) & 127 {
		switch m[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

var refRot13Keys, refReverseKeys = func() (rot, rev refMarkerSet) {
	for _, w := range []string{"the", "and", "you", "is", "to", "of", "it", "in", "for", "what",
		"this", "that", "your", "not", "all", "me", "my", "was", "with", "are"} {
		r, v := []byte(w), []byte(w)
		for i, c := range r {
			r[i] = 'a' + (c-'a'+13)%26
		}
		for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
			v[i], v[j] = v[j], v[i]
		}
		rot.add(refPackWord(r))
		// Reversed short words that are words themselves ("si", "no",
		// "ton", "saw") would fire on ordinary text.
		if len(w) >= 3 && w != "not" && w != "was" && w != "are" {
			rev.add(refPackWord(v))
		}
	}
	return rot, rev
}()

func refPackWord(w []byte) uint32 {
	var k uint32
	for _, c := range w {
		k = k<<8 | uint32(c)
	}
	return k
}

func isRot13KeyRef(k uint32) bool   { return refRot13Keys.has(k) }
func isReverseKeyRef(k uint32) bool { return refReverseKeys.has(k) }

// TestScanAgrees checks the optimized scan against the reference on the
// text corpora and on random texts built from the bytes scan treats
// specially.
func TestScanAgrees(t *testing.T) {
	var texts []string
	for _, name := range []string{"prompt_injection", "prompt_injection_multilingual", "jailbreak", "benign",
		"benign_documents", "secrets", "pii", "commands"} {
		recs, err := corpus.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			texts = append(texts, r.Text)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "aAzZ0123456789fF@$%\\&#;xu+/-_= \n\t.,!?'\"é\x00\x7f"
	words := []string{"gur", "naq", "eht", "dna", "49", "0x4a", "1gn0r3", "h3llo", "SWdub3JlIGFsbCBydWxlcw",
		"%41", "\\x41", "&#105;", "the", "e3b0c442", "Ab1Cd2Ef3Gh4Ij5K", "uoy"}
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := rng.IntN(40); k > 0; k-- {
			if rng.IntN(3) == 0 {
				b.WriteString(words[rng.IntN(len(words))])
			} else {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		}
		texts = append(texts, b.String())
	}
	// The reference knows nothing of the flags added since.
	const added = flagCaesar | flagPigLatin | flagBinary | flagMorse
	for _, s := range texts {
		a1, f1 := scan(s)
		a2, f2 := scanRef(s)
		f1 &^= added
		if a1 != a2 || f1 != f2 {
			t.Fatalf("scan(%.80q) = %v, %b; reference %v, %b", s, a1, f1, a2, f2)
		}
	}
}
