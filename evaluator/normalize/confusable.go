package normalize

import (
	"unicode"
	"unicode/utf8"
)

// Confusable folding. Unicode TR39 ("Security Mechanisms") defines a
// skeleton: the string you get by replacing each character with the
// prototype it is visually confusable with. Computing the full skeleton
// would turn every Russian or Greek sentence into Latin gibberish, so
// sluice uses a small table of the letters attackers actually swap in for
// Latin ones, taken from TR39's confusables data for the Cyrillic, Greek,
// Armenian and Cherokee scripts, and applies it only where it matters:
//
//   - in a word that mixes Latin letters with letters of those scripts
//     ("іgnоrе" with Cyrillic і, о, е) - genuine words never mix scripts;
//   - in a word made only of look-alikes when the text around it is mostly
//     Latin ("аll" in English text) - TR39's whole-script confusable.
//
// Latin letters that imitate other Latin letters (small capitals ᴀʙᴄ,
// dotless ı, script ɑ and ɡ) are folded everywhere: they carry no meaning in
// prose that the plain letter does not. Full-width and mathematical letters
// are NFKC's business and already plain by the time this stage runs.

// confusables maps a look-alike letter to the ASCII letter it imitates.
var confusables = map[rune]byte{
	// Cyrillic.
	'а': 'a', 'г': 'r', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x',
	'ѕ': 's', 'і': 'i', 'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ӏ': 'l', 'ү': 'y',
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P',
	'С': 'C', 'Т': 'T', 'У': 'Y', 'Х': 'X', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J', 'Ԛ': 'Q',
	'Ԝ': 'W', 'Ү': 'Y', 'Һ': 'H', 'Ӏ': 'I',
	// Greek.
	'α': 'a', 'γ': 'y', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M',
	'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X', 'Ϲ': 'C', 'Ϳ': 'J',
	// Armenian.
	'օ': 'o', 'ս': 'u', 'ո': 'n', 'հ': 'h', 'ց': 'g', 'զ': 'q', 'Օ': 'O', 'Ս': 'U', 'Լ': 'L',
	// Cherokee (capital letters shaped like Latin capitals).
	'Ꭺ': 'A', 'Ᏼ': 'B', 'Ꮯ': 'C', 'Ꭰ': 'D', 'Ꭼ': 'E', 'Ꮐ': 'G', 'Ꮋ': 'H', 'Ꭻ': 'J',
	'Ꮶ': 'K', 'Ꮮ': 'L', 'Ꮇ': 'M', 'Ꮲ': 'P', 'Ꮪ': 'S', 'Ꭲ': 'T', 'Ꮩ': 'V', 'Ꮃ': 'W',
	'Ꮓ': 'Z', 'Ꭵ': 'i',
	// Latin letters imitating other Latin letters.
	'ı': 'i', 'ȷ': 'j', 'ɑ': 'a', 'ɡ': 'g', 'ɩ': 'i', 'ǀ': 'l', 'ᴀ': 'a', 'ʙ': 'b',
	'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'i', 'ᴊ': 'j', 'ᴋ': 'k',
	'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ʀ': 'r', 'ꜱ': 's', 'ᴛ': 't',
	'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z',
}

// confusableScript reports whether c is a letter of one of the scripts whose
// look-alikes are folded (as opposed to a Latin imitation of Latin).
func confusableScript(c rune) bool {
	return (c >= 0x0370 && c <= 0x03FF) || (c >= 0x0400 && c <= 0x052F) ||
		(c >= 0x0530 && c <= 0x058F) || (c >= 0x13A0 && c <= 0x13FF)
}

// styledLatin maps the negative circled and negative squared capitals
// (🅐, 🅰), which NFKC leaves alone because they are symbols, to letters.
func styledLatin(c rune) byte {
	switch {
	case c >= 0x1F150 && c <= 0x1F169:
		return byte('A' + c - 0x1F150)
	case c >= 0x1F170 && c <= 0x1F189:
		return byte('A' + c - 0x1F170)
	}
	return 0
}

// confusableOf returns the ASCII letter c imitates, or 0. Array lookups for
// the blocks of the table keep the per-rune cost of non-Latin text low.
func confusableOf(c rune) byte {
	switch {
	case c < 0x0131:
		return 0
	case c < 0x0600:
		return confLow[c]
	case c >= 0x13A0 && c < 0x1400:
		return confCherokee[c-0x13A0]
	case c >= 0x1D00 && c < 0x1D30:
		return confSmallCaps[c-0x1D00]
	case c == 'ꜱ':
		return 's'
	}
	return 0
}

var confLow, confCherokee, confSmallCaps = func() (low [0x600]byte, cher [0x60]byte, caps [0x30]byte) {
	for c, l := range confusables {
		switch {
		case c < 0x600:
			low[c] = l
		case c >= 0x13A0 && c < 0x1400:
			cher[c-0x13A0] = l
		case c >= 0x1D00 && c < 0x1D30:
			caps[c-0x1D00] = l
		case c == 'ꜱ':
		default:
			panic("normalize: confusable outside the lookup blocks")
		}
	}
	return
}()

// isLatinLetter reports whether c is a letter of the Latin script (the
// Latin-1, Latin Extended and Latin Extended Additional blocks).
func isLatinLetter(c rune) bool {
	if c < utf8.RuneSelf {
		return isASCIILetter(byte(c))
	}
	return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF)
}

// fold applies confusable folding to t and records the folded words.
func (r *Result) fold(t string) string {
	// First pass, with words cut coarsely at ASCII non-letters: is there a
	// word mixing Latin with look-alikes, a Latin imitation to fold, and
	// which script dominates? Russian or Chinese prose stops here.
	var latin, other int
	var mixedWord, foldable bool
	wordLatin, wordConf := false, false
	for _, c := range t {
		if c < utf8.RuneSelf {
			if isASCIILetter(byte(c)) {
				latin++
				wordLatin = true
				continue
			}
			mixedWord = mixedWord || (wordLatin && wordConf)
			wordLatin, wordConf = false, false
			continue
		}
		switch {
		case confusableScript(c):
			other++
			if confusableOf(c) != 0 {
				wordConf = true
			}
		case confusableOf(c) != 0 || styledLatin(c) != 0:
			foldable = true
		case isLatinLetter(c):
			latin++
			wordLatin = true
		}
	}
	mixedWord = mixedWord || (wordLatin && wordConf)
	if !mixedWord && !foldable && !(latin > 2*other && other > 0) {
		return t
	}
	latinText := latin > 2*other

	var (
		out    []byte
		m      spanMap
		copied int
	)
	for i := 0; i < len(t); {
		c, size := utf8.DecodeRuneInString(t[i:])
		if !isTokenRune(c) {
			i += size
			continue
		}
		// A word: letters, marks and styled symbols.
		j := i
		var nLatin, nConf, nOtherScript, nFoldable int
		for j < len(t) {
			c2, size2 := utf8.DecodeRuneInString(t[j:])
			if !isTokenRune(c2) {
				break
			}
			inTable := confusableOf(c2) != 0
			switch {
			case c2 < utf8.RuneSelf:
				nLatin++
			case confusableScript(c2):
				if inTable {
					nConf++
				} else if unicode.IsLetter(c2) {
					nOtherScript++
				}
			case inTable || styledLatin(c2) != 0:
				nFoldable++
			case isLatinLetter(c2):
				nLatin++
			case unicode.IsLetter(c2):
				nOtherScript++
			}
			j += size2
		}
		mixed := nConf > 0 && nLatin > 0
		whole := nConf > 1 && nLatin == 0 && nOtherScript == 0 && latinText &&
			latinNeighbours(t, i, j)
		if mixed || whole || nFoldable > 0 {
			if out == nil {
				out = make([]byte, 0, len(t))
			}
			out = append(out, t[copied:i]...)
			for k := i; k < j; {
				c2, size2 := utf8.DecodeRuneInString(t[k:])
				to := len(out)
				l := confusableOf(c2)
				switch {
				case l != 0 && (!confusableScript(c2) || mixed || whole):
					out = append(out, l)
				case styledLatin(c2) != 0:
					out = append(out, styledLatin(c2))
				default:
					out = append(out, t[k:k+size2]...)
				}
				m.add(to, len(out), k, k+size2)
				k += size2
			}
			copied = j
			if mixed || whole {
				start, end := r.mapBack(i, j)
				kind := FoldMixedScript
				if whole {
					kind = FoldWholeScript
				}
				r.Folds = append(r.Folds, Fold{Kind: kind, Start: start, End: end})
			}
		}
		i = j
	}
	if out == nil {
		return t
	}
	out = append(out, t[copied:]...)
	if len(m) > 0 {
		r.maps = append(r.maps, m)
	}
	return string(out)
}

// latinNeighbours reports whether the words before t[i:j] and after it are
// Latin (a missing neighbour counts as Latin only if the other one is).
func latinNeighbours(t string, i, j int) bool {
	before, after := wordScript(t, i, -1), wordScript(t, j, 1)
	switch {
	case before == 0 && after == 0:
		return false
	case before == 0:
		return after == 1
	case after == 0:
		return before == 1
	}
	return before == 1 && after == 1
}

// wordScript classifies the nearest word before (dir -1) or after (dir 1)
// offset at: 0 none, 1 Latin, 2 anything else.
func wordScript(t string, at, dir int) int {
	// Skip to the word.
	for at > 0 && at <= len(t) && dir < 0 {
		c, size := utf8.DecodeLastRuneInString(t[:at])
		if isTokenRune(c) {
			return runeScript(c)
		}
		if c == '\n' {
			return 0
		}
		at -= size
	}
	for at < len(t) && dir > 0 {
		c, size := utf8.DecodeRuneInString(t[at:])
		if isTokenRune(c) {
			return runeScript(c)
		}
		if c == '\n' {
			return 0
		}
		at += size
	}
	return 0
}

func runeScript(c rune) int {
	if isLatinLetter(c) {
		return 1
	}
	return 2
}

// isTokenRune reports whether c can be part of a word for folding.
func isTokenRune(c rune) bool {
	if c < utf8.RuneSelf {
		return isASCIILetter(byte(c))
	}
	return unicode.IsLetter(c) || unicode.IsMark(c) || styledLatin(c) != 0
}

// mapBack maps a span of the current stage's input to the original text
// through the maps recorded so far.
func (r *Result) mapBack(start, end int) (int, int) {
	for i := len(r.maps) - 1; i >= 0; i-- {
		start, end = mapStart(r.maps[i], start), mapEnd(r.maps[i], end)
	}
	return start, end
}
