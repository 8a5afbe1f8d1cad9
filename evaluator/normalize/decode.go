package normalize

import (
	"encoding/base64"
	"encoding/hex"
	"math/bits"
	"strings"
)

// Decoding. A run of text that looks encoded is decoded, and kept when the
// bytes are mostly printable text: base64 of a PNG, a SHA-256 in hex or a
// UUID decode to binary (or not at all) and are dropped after looking at a
// short prefix, so large binary blobs cost little. Kept layers are
// normalized again, which decodes encodings inside encodings, up to
// MaxDepth, and all layers together stay within MaxDecodedBytes.

// decode finds encoded runs in t (the normalized text) and appends the
// decoded layers to r. flags, from scan, say which kinds to look for.
func (st *state) decode(r *Result, t string, depth int, flags scanFlags) {
	tries := 0
	add := func(enc string, start, end int, b []byte) bool {
		tries++
		if len(b) == 0 || st.budget <= 0 || !printableText(b) {
			return false
		}
		if len(b) > st.budget {
			b = b[:st.budget]
		}
		st.budget -= len(b)
		inner := st.text(string(b), depth+1)
		text := string(b)
		if inner.Changed {
			text = inner.Text
		}
		os, oe := r.mapBack(start, end)
		r.Decoded = append(r.Decoded, Decoded{Encoding: enc, Start: os, End: oe, Text: text, Depth: depth})
		for _, d := range inner.Decoded {
			d.Start, d.End = os, oe
			r.Decoded = append(r.Decoded, d)
		}
		return true
	}
	if flags&(flagRun|flagHexPairs|flagEscape|flagHTML) != 0 {
		st.decodeRuns(t, flags, add, &tries)
	}
	if flags&flagPercent != 0 && tries < maxCandidates {
		st.decodePercent(t, add)
	}
	if flags&flagBinary != 0 && tries < maxCandidates {
		st.decodeBinary(t, add)
	}
	if flags&flagMorse != 0 && tries < maxCandidates {
		st.decodeMorse(t, add)
	}
	if flags&(flagRot13|flagReverse|flagCaesar|flagPigLatin) != 0 && tries < maxCandidates {
		st.decodeWordCiphers(t, flags, add)
	}
}

// decodeRuns decodes base64 and hex runs, hex pairs, backslash escapes and
// character references.
func (st *state) decodeRuns(t string, flags scanFlags, add func(string, int, int, []byte) bool, tries *int) {
	for i := 0; i < len(t) && *tries < maxCandidates; {
		c := t[i]
		switch {
		case c == '\\' && flags&flagEscape != 0 && i+1 < len(t) && (t[i+1] == 'x' || t[i+1] == 'u' || t[i+1] == 'U'):
			if end, b := escapeRun(t, i); end > i {
				add("escape", i, end, b)
				i = end
				continue
			}
		case c == '&' && flags&flagHTML != 0 && i+1 < len(t) && t[i+1] == '#':
			if end, b := htmlRun(t, i); end > i {
				add("html", i, end, b)
				i = end
				continue
			}
		case isB64(c):
			if flags&flagHexPairs != 0 {
				if end, b := hexPairsRun(t, i); end > i {
					add("hex", i, end, b)
					i = end
					continue
				}
			}
			var run runStats
			j := i
			for j < len(t) && isB64(t[j]) {
				run.add(byteClass[t[j]])
				j++
			}
			if flags&flagRun != 0 && run.candidate() {
				end := j
				for end < len(t) && end-j < 2 && t[end] == '=' {
					end++
				}
				if isHexRun(t[i:j]) {
					if b := decodeHex(t[i:j]); b != nil && add("hex", i, j, b) {
						i = end
						continue
					}
				}
				if b := decodeBase64(t[i:j]); b != nil {
					add("base64", i, end, b)
				}
				i = end
				continue
			}
			i = j
			continue
		}
		i++
	}
}

// decodeBase64 decodes a run of the standard or URL-safe alphabet, padded
// or not. It looks at a short prefix first so that binary is rejected
// cheaply.
func decodeBase64(run string) []byte {
	enc := base64.RawStdEncoding
	if strings.ContainsAny(run, "-_") {
		if strings.ContainsAny(run, "+/") {
			return nil
		}
		enc = base64.RawURLEncoding
	}
	if len(run)%4 == 1 {
		run = run[:len(run)-1]
	}
	const probe = 128
	if len(run) > probe {
		var src [probe]byte
		var dst [probe / 4 * 3]byte
		copy(src[:], run)
		n, err := enc.Decode(dst[:], src[:])
		if err != nil || !printableText(dst[:n]) {
			return nil
		}
	}
	b, err := enc.DecodeString(run)
	if err != nil {
		return nil
	}
	return b
}

func isHexRun(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func decodeHex(s string) []byte {
	const probe = 64
	if len(s) > probe {
		var buf [probe / 2]byte
		for i := range buf {
			buf[i] = unhex(s[2*i])<<4 | unhex(s[2*i+1])
		}
		if !printableText(buf[:]) {
			return nil
		}
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// hexPairsRun recognises hex bytes written one pair at a time, separated by
// spaces, commas or colons, optionally with 0x prefixes ("49 67 6e",
// "0x49, 0x67"): at least 8 pairs.
func hexPairsRun(t string, i int) (int, []byte) {
	n, end := 0, i
	for j := i; ; {
		k := j
		if k+1 < len(t) && t[k] == '0' && (t[k+1] == 'x' || t[k+1] == 'X') {
			k += 2
		}
		if k+2 > len(t) || !isHex(t[k]) || !isHex(t[k+1]) || (k+2 < len(t) && isB64(t[k+2])) {
			break
		}
		n++
		end = k + 2
		j = end
		for j < len(t) && (t[j] == ' ' || t[j] == ',' || t[j] == ':') && j-end < 2 {
			j++
		}
		if j == end {
			break
		}
	}
	if n < 8 {
		return i, nil
	}
	b := make([]byte, 0, n)
	for k := i; k+1 < end; {
		if t[k] == '0' && (t[k+1] == 'x' || t[k+1] == 'X') {
			k += 2
			continue
		}
		if isHex(t[k]) && isHex(t[k+1]) {
			b = append(b, unhex(t[k])<<4|unhex(t[k+1]))
			k += 2
			continue
		}
		k++
	}
	return end, b
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// escapeRun decodes a run of \xNN escapes (at least 4) or \uNNNN escapes (at
// least 3) starting at i.
func escapeRun(t string, i int) (int, []byte) {
	var b []byte
	j, n := i, 0
	for j+1 < len(t) && t[j] == '\\' {
		switch t[j+1] {
		case 'x':
			if j+4 > len(t) || !isHex(t[j+2]) || !isHex(t[j+3]) {
				goto done
			}
			b = append(b, unhex(t[j+2])<<4|unhex(t[j+3]))
			j += 4
		case 'u':
			if j+6 > len(t) || !isHexRun(t[j+2:j+6]) {
				goto done
			}
			var v rune
			for k := j + 2; k < j+6; k++ {
				v = v<<4 | rune(unhex(t[k]))
			}
			b = appendRune(b, v)
			j += 6
		default:
			goto done
		}
		n++
	}
done:
	if n < 3 {
		return i, nil
	}
	return j, b
}

// htmlRun decodes a run of at least 3 numeric character references
// (&#105; or &#x69;) starting at i, allowing spaces between them.
func htmlRun(t string, i int) (int, []byte) {
	var b []byte
	j, end, n := i, i, 0
	for j+2 < len(t) && t[j] == '&' && t[j+1] == '#' {
		k, base := j+2, rune(10)
		if k < len(t) && (t[k] == 'x' || t[k] == 'X') {
			k, base = k+1, 16
		}
		var v rune
		digits := 0
		for k < len(t) && digits < 7 && ((base == 10 && t[k] >= '0' && t[k] <= '9') || (base == 16 && isHex(t[k]))) {
			v = v*base + rune(unhex(t[k]))
			k++
			digits++
		}
		if digits == 0 || k >= len(t) || t[k] != ';' {
			break
		}
		b = appendRune(b, v)
		n++
		end = k + 1
		j = end
		if j < len(t) && t[j] == ' ' {
			j++
		}
	}
	if n < 3 {
		return i, nil
	}
	return end, b
}

func appendRune(b []byte, v rune) []byte {
	if v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) {
		v = 0xFFFD
	}
	return append(b, string(v)...)
}

// decodePercent decodes whitespace-delimited tokens holding at least two
// %NN escapes.
func (st *state) decodePercent(t string, add func(string, int, int, []byte) bool) {
	for i := 0; i < len(t); {
		p := strings.IndexByte(t[i:], '%')
		if p < 0 {
			return
		}
		p += i
		start := p
		for start > 0 && !isSpace(t[start-1]) {
			start--
		}
		end := p
		for end < len(t) && !isSpace(t[end]) {
			end++
		}
		tok := t[start:end]
		escapes := 0
		for k := 0; k+2 < len(tok); k++ {
			if tok[k] == '%' && isHex(tok[k+1]) && isHex(tok[k+2]) {
				escapes++
			}
		}
		if escapes >= 2 {
			b := make([]byte, 0, len(tok))
			for k := 0; k < len(tok); k++ {
				switch {
				case tok[k] == '%' && k+2 < len(tok) && isHex(tok[k+1]) && isHex(tok[k+2]):
					b = append(b, unhex(tok[k+1])<<4|unhex(tok[k+2]))
					k += 2
				case tok[k] == '+':
					b = append(b, ' ')
				default:
					b = append(b, tok[k])
				}
			}
			add("percent", start, end, b)
		}
		i = end
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// decodeWordCiphers finds stretches of words that read as common English
// under rot13 or when reversed, and decodes them.
func (st *state) decodeWordCiphers(t string, flags scanFlags, add func(string, int, int, []byte) bool) {
	for i := 0; i < len(t); {
		// A stretch is bounded by line breaks, quotes, colons and brackets.
		j := i
		for j < len(t) && !stretchEnd(t[j]) {
			j++
		}
		if j-i >= 8 {
			if flags&(flagRot13|flagReverse) != 0 {
				st.tryCiphers(t, i, j, add)
			}
			if flags&flagCaesar != 0 {
				st.tryCaesar(t, i, j, add)
			}
			if flags&flagPigLatin != 0 {
				st.tryPigLatin(t, i, j, add)
			}
		}
		i = j + 1
	}
}

// tryCaesar decodes a stretch whose words read as English under one
// Caesar shift (other than rot13's) more often than as written.
func (st *state) tryCaesar(t string, start, end int, add func(string, int, int, []byte) bool) {
	s := t[start:end]
	var counts [26]int
	plain := 0
	forEachLetterWord(s, func(w []byte) {
		if isEnglishMarker(w) {
			plain++
		}
		if len(w) >= 3 && len(w) <= 4 {
			var key uint32
			for _, c := range w {
				key = key<<8 | uint32(c)
			}
			for m := markers.shifts(key); m != 0; m &= m - 1 {
				counts[bits.TrailingZeros32(m)]++
			}
		}
	})
	best := 0
	for k := 1; k < 26; k++ {
		if counts[k] > counts[best] {
			best = k
		}
	}
	if best == 0 || counts[best] < 2 || counts[best] <= plain {
		return
	}
	b := []byte(s)
	back := byte(26 - best) // decoding moves the letters back
	for k, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[k] = 'a' + (c-'a'+back)%26
		case c >= 'A' && c <= 'Z':
			b[k] = 'A' + (c-'A'+back)%26
		}
	}
	add("caesar", start, end, b)
}

// tryPigLatin decodes a stretch whose words are mostly pig latin ("ethay
// useryay" for "the user": the first consonants moved to the end and "ay"
// added) when the decoded words read as English.
func (st *state) tryPigLatin(t string, start, end int, add func(string, int, int, []byte) bool) {
	s := t[start:end]
	words, pig := 0, 0
	forEachLetterWord(s, func(w []byte) {
		words++
		if len(w) >= 4 && w[len(w)-2] == 'a' && w[len(w)-1] == 'y' {
			pig++
		}
	})
	if pig < 3 || 2*pig < words {
		return
	}
	out := make([]byte, 0, len(s))
	markers := 0
	for i := 0; i < len(s); {
		if !isASCIILetter(s[i]) {
			out = append(out, s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isASCIILetter(s[j]) {
			j++
		}
		w := unPigLatin(s[i:j])
		if pigMarker(w) {
			markers++
		}
		out = append(out, w...)
		i = j
	}
	if markers >= 2 {
		add("pig_latin", start, end, out)
	}
}

// unPigLatin turns a pig latin word back: "ethay" -> "the", "useryay" ->
// "user", "ouyay" -> "you". Words that do not end in "ay" are kept.
func unPigLatin(w string) string {
	lw := strings.ToLower(w)
	if len(lw) < 4 || !strings.HasSuffix(lw, "ay") {
		return w
	}
	stem := lw[:len(lw)-2]
	if (strings.HasSuffix(stem, "w") || strings.HasSuffix(stem, "y")) && len(stem) > 1 && isVowel(stem[0]) {
		return stem[:len(stem)-1] // "useryay": a word that began with a vowel
	}
	// The consonants moved from the front are at the end of the stem; 'y'
	// counts as a vowel unless it is the only one moved ("ouyay"). How
	// many were moved is ambiguous ("oesday" is "does", not "sdoe"): the
	// shortest move that makes a common word wins, else the longest.
	k := len(stem)
	for k > 0 && !isVowel(stem[k-1]) && stem[k-1] != 'y' {
		k--
	}
	if k == len(stem) && stem[k-1] == 'y' {
		k--
	}
	if k == 0 || k == len(stem) {
		return w
	}
	for n := len(stem) - 1; n > k; n-- {
		if c := stem[n:] + stem[:n]; pigMarker(c) {
			return c
		}
	}
	return stem[k:] + stem[:k]
}

func isVowel(c byte) bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' }

// pigMarker reports a common English word, to tell decoded pig latin from
// words that merely end in "ay".
func pigMarker(w string) bool {
	switch w {
	case "the", "and", "you", "your", "is", "are", "to", "of", "in", "it", "for", "with", "what", "where",
		"who", "how", "does", "do", "can", "user", "tell", "give", "me", "my", "password", "secret", "live",
		"ignore", "previous", "instructions", "system", "prompt", "print", "reveal", "say", "this", "that":
		return true
	}
	return false
}

// decodeBinary decodes runs of at least four bytes written as groups of
// eight binary digits ("01001001 01100111 ...").
func (st *state) decodeBinary(t string, add func(string, int, int, []byte) bool) {
	for i := 0; i < len(t); {
		if !isBinaryByte(t[i:min(i+8, len(t))]) || (i > 0 && isWordByte(t[i-1])) {
			i++
			continue
		}
		var b []byte
		j, end := i, i
		for j+8 <= len(t) && isBinaryByte(t[j:j+8]) && (j+8 == len(t) || !isWordByte(t[j+8])) {
			var v byte
			for _, c := range []byte(t[j : j+8]) {
				v = v<<1 | (c - '0')
			}
			b = append(b, v)
			end = j + 8
			j = end
			for j < len(t) && (t[j] == ' ' || t[j] == ',') && j-end < 2 {
				j++
			}
		}
		if len(b) >= 4 {
			add("binary", i, end, b)
		}
		i = max(end, i+1)
	}
}

// isBinaryByte reports whether w is eight binary digits.
func isBinaryByte(w string) bool {
	if len(w) != 8 {
		return false
	}
	for i := 0; i < 8; i++ {
		if w[i] != '0' && w[i] != '1' {
			return false
		}
	}
	return true
}

// morseCode maps Morse letters to the characters they stand for.
var morseCode = map[string]byte{
	".-": 'a', "-...": 'b', "-.-.": 'c', "-..": 'd', ".": 'e', "..-.": 'f', "--.": 'g', "....": 'h',
	"..": 'i', ".---": 'j', "-.-": 'k', ".-..": 'l', "--": 'm', "-.": 'n', "---": 'o', ".--.": 'p',
	"--.-": 'q', ".-.": 'r', "...": 's', "-": 't', "..-": 'u', "...-": 'v', ".--": 'w', "-..-": 'x',
	"-.--": 'y', "--..": 'z', "-----": '0', ".----": '1', "..---": '2', "...--": '3', "....-": '4',
	".....": '5', "-....": '6', "--...": '7', "---..": '8', "----.": '9',
}

// morseLetter returns the length of the Morse letter at s[i] (dots and
// dashes standing alone as a token), or 0.
func morseLetter(s string, i int) int {
	j := i
	for j < len(s) && j-i <= 6 && (s[j] == '.' || s[j] == '-') {
		j++
	}
	if j-i == 0 || j-i > 6 || (j < len(s) && !morseEnd(s[j])) {
		return 0
	}
	if _, ok := morseCode[s[i:j]]; !ok {
		return 0
	}
	return j - i
}

func morseEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '/', '\'', '"', '<', ')', '?':
		return true
	}
	return false
}

// decodeMorse decodes runs of at least six Morse letters of at least
// three kinds, letters separated by spaces and words by " / ".
func (st *state) decodeMorse(t string, add func(string, int, int, []byte) bool) {
	for i := 0; i < len(t); {
		if (t[i] != '.' && t[i] != '-') || (i > 0 && !morseStart(t[i-1])) || morseLetter(t, i) == 0 {
			i++
			continue
		}
		var b []byte
		kinds := map[byte]bool{}
		j, end := i, i
		for j < len(t) {
			if n := morseLetter(t, j); n > 0 {
				c := morseCode[t[j:j+n]]
				b = append(b, c)
				kinds[c] = true
				j += n
				end = j
			} else if t[j] == '/' {
				b = append(b, ' ')
				j++
			} else {
				break
			}
			k := j
			for k < len(t) && t[k] == ' ' {
				k++
			}
			if k == j && j < len(t) && t[j] != '/' {
				break
			}
			j = k
		}
		if len(b) >= 6 && len(kinds) >= 3 {
			add("morse", i, end, []byte(strings.TrimSpace(string(b))))
		}
		i = max(end, i+1)
	}
}

func morseStart(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '/', '\'', '"', '>', '(', ':':
		return true
	}
	return false
}

func stretchEnd(c byte) bool {
	switch c {
	case '\n', '"', '\'', '`', ':', '(', ')', '[', ']', '{', '}', '<', '>', '|':
		return true
	}
	return c >= 0x80
}

func (st *state) tryCiphers(t string, start, end int, add func(string, int, int, []byte) bool) {
	s := t[start:end]
	rot, rev, plain := 0, 0, 0
	forEachLetterWord(s, func(w []byte) {
		if isRot13Marker(w) {
			rot++
		}
		if isReverseMarker(w) {
			rev++
		}
		if isEnglishMarker(w) {
			plain++
		}
	})
	if rot >= 2 && rot > plain {
		b := []byte(s)
		for k, c := range b {
			switch {
			case c >= 'a' && c <= 'z':
				b[k] = 'a' + (c-'a'+13)%26
			case c >= 'A' && c <= 'Z':
				b[k] = 'A' + (c-'A'+13)%26
			}
		}
		add("rot13", start, end, b)
	}
	if rev >= 2 && rev > plain {
		b := []byte(s)
		for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
			b[l], b[r] = b[r], b[l]
		}
		add("reverse", start, end, b)
	}
}

// forEachLetterWord calls fn with each run of ASCII letters of s, lower-cased
// into a scratch buffer (words longer than 16 letters are skipped).
func forEachLetterWord(s string, fn func(w []byte)) {
	var buf [16]byte
	n, long := 0, false
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isASCIILetter(s[i]) {
			if n < len(buf) {
				buf[n] = s[i] | 0x20
				n++
			} else {
				long = true
			}
			continue
		}
		if n > 0 && !long {
			fn(buf[:n])
		}
		n, long = 0, false
	}
}

// Marker words: the commonest English words and the words of an injection,
// as they read plainly, under rot13 and reversed. Two marker hits in a
// stretch that has fewer plain English hits make it worth decoding.

func isEnglishMarker(w []byte) bool {
	switch string(w) {
	case "the", "and", "you", "your", "is", "are", "to", "of", "in", "it", "for", "with",
		"on", "that", "this", "what", "was", "be", "not", "all", "me", "my", "a", "i",
		"ignore", "previous", "instructions", "password", "system", "prompt", "tell", "say":
		return true
	}
	return false
}

func isRot13Marker(w []byte) bool {
	switch string(w) {
	case "gur", "naq", "lbh", "lbhe", "vf", "ner", "gb", "bs", "va", "vg", "sbe", "jvgu",
		"ba", "gung", "guvf", "jung", "jnf", "abg", "nyy", "zr", "zl",
		"vtaber", "cerivbhf", "vafgehpgvbaf", "cnffjbeq", "flfgrz", "cebzcg", "gryy", "fnl":
		return true
	}
	return false
}

func isReverseMarker(w []byte) bool {
	switch string(w) {
	case "eht", "dna", "uoy", "ruoy", "ot", "fo", "rof", "htiw", "taht", "siht", "tahw", "lla",
		"erongi", "suoiverp", "snoitcurtsni", "drowssap", "metsys", "tpmorp", "llet", "yas":
		return true
	}
	return false
}
