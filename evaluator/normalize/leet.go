package normalize

// Leetspeak folding. Digits and a few symbols stand in for letters
// ("1gn0r3 pr3v10u5 1n5truct10n5") to slip past keyword filters. Folding
// them in place would corrupt ordinary numbers ("3 items", "x86", "2024"),
// so the folded text is an extra view, built only when some word puts a
// leet character between letters, and it folds only words that mix the two.

// leetTo maps leet characters to the letter they usually stand for.
func leetTo(c byte) byte {
	switch c {
	case '0':
		return 'o'
	case '1':
		return 'i'
	case '3':
		return 'e'
	case '4', '@':
		return 'a'
	case '5', '$':
		return 's'
	case '7':
		return 't'
	case '8':
		return 'b'
	}
	return 0
}

func isLeetChar(c byte) bool { return leetTo(c) != 0 }

// leetWord reports whether w (a run of ASCII letters, digits, '@' and '$')
// is a leetspeak word: at least two letters, a leet digit with letters on
// both sides, no more than two digits in a row, and the case pattern of a
// word (all lower, all upper or capitalized). Hex strings, identifiers and
// keys ("e3b0c442", "CitHi9NOe", "oofWkOjwwL9x") are not words.
func leetWord(w string) bool {
	if len(w) < 3 || len(w) > 20 {
		return false
	}
	letters, upper, firstLetter, lastLetter, digitRun := 0, 0, -1, -1, 0
	hexOnly, upperAfterFirst := true, false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= '0' && c <= '9' {
			digitRun++
			if digitRun > 2 {
				return false
			}
		} else {
			digitRun = 0
		}
		if isASCIILetter(c) {
			if c <= 'Z' {
				upper++
				if i > 0 {
					upperAfterFirst = true
				}
			}
			letters++
			if firstLetter < 0 {
				firstLetter = i
			}
			lastLetter = i
		}
		if !isHex(c) {
			hexOnly = false
		}
	}
	if letters < 2 || (hexOnly && len(w) >= 8) {
		return false
	}
	if upperAfterFirst && upper != letters {
		return false // mixed case inside the word: an identifier, not a word
	}
	// Only digits establish a leet word: '@' between letters is an e-mail
	// address far more often than an "a".
	for i := firstLetter + 1; i < lastLetter; i++ {
		if c := w[i]; c >= '0' && c <= '9' && isLeetChar(c) {
			return true
		}
	}
	return false
}

// leetView returns t with leet characters folded in every word that mixes
// letters and leet characters, or "" when no word of t is a leetspeak word.
func leetView(t string) string {
	found := false
	forEachASCIIWord(t, func(start, end int) bool {
		if leetWord(t[start:end]) {
			found = true
			return false
		}
		return true
	})
	if !found {
		return ""
	}
	out := []byte(t)
	forEachASCIIWord(t, func(start, end int) bool {
		w := t[start:end]
		letters, upper := 0, 0
		for i := 0; i < len(w); i++ {
			if isASCIILetter(w[i]) {
				letters++
				if w[i] <= 'Z' {
					upper++
				}
			}
		}
		if letters == 0 || letters == len(w) || len(w) > 24 {
			return true
		}
		caps := letters > 1 && upper == letters
		for i := start; i < end; i++ {
			if l := leetTo(out[i]); l != 0 {
				if caps {
					l -= 'a' - 'A'
				}
				out[i] = l
			}
		}
		return true
	})
	return string(out)
}

// forEachASCIIWord calls fn with the span of each maximal run of ASCII
// letters, digits, '@' and '$' in t, until fn returns false.
func forEachASCIIWord(t string, fn func(start, end int) bool) {
	start := -1
	for i := 0; i < len(t); i++ {
		if isWordByte(t[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if !fn(start, i) {
				return
			}
			start = -1
		}
	}
	if start >= 0 {
		fn(start, len(t))
	}
}
