package detect

import (
	"strings"
	"unicode/utf8"
)

// Scrub replaces what looks like a credential or a personal value in free
// text with a placeholder: digit runs of 9 or more digits (card, account,
// national id and phone numbers, spaces and dashes allowed between
// groups) become "[number]", tokens of 20 or more letters and digits with
// both in them (API keys, JWT parts, hashes) become "[token]", and e-mail
// addresses become "[email]".
//
// It is a second line of defence for text that is quoted rather than
// masked: the evidence of injection and exfiltration findings and captured
// prompt text. Values a detector found are masked by span before this
// runs; Scrub catches what no detector reported (a test card number, an
// unknown key format) so that it does not reach a sink either.
func Scrub(s string) string {
	if !needsScrub(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if n := digitRun(s[i:]); n > 0 {
			b.WriteString("[number]")
			i += n
			continue
		}
		if isTokenByte(s[i]) && (i == 0 || !isTokenByte(s[i-1])) {
			// An e-mail address: the local part may hold dots.
			at := i
			for at < len(s) && (isTokenByte(s[at]) || s[at] == '.') {
				at++
			}
			if e := emailEnd(s, at); e > 0 {
				b.WriteString("[email]")
				i = e
				continue
			}
			j := i
			for j < len(s) && isTokenByte(s[j]) {
				j++
			}
			if looksLikeToken(s[i:j]) {
				b.WriteString("[token]")
				i = j
				continue
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// needsScrub is a cheap pre-check: text with few digits and no '@' has
// nothing Scrub replaces unless it has a long mixed token.
func needsScrub(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits++
		}
		if c == '@' {
			return true
		}
	}
	return digits >= 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_' || c == '-' || c == '+' || c == '/' || c == '='
}

// digitRun returns the length of a run of at least 9 digits starting at
// s[0] (single spaces or dashes between digits allowed), not glued to a
// preceding letter or digit, or 0.
func digitRun(s string) int {
	if len(s) == 0 || !isDigit(s[0]) {
		return 0
	}
	digits, end := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			digits++
			end = i + 1
		case (c == ' ' || c == '-') && i+1 < len(s) && isDigit(s[i+1]) && i > 0 && isDigit(s[i-1]):
		default:
			if digits >= 9 {
				return end
			}
			return 0
		}
	}
	if digits >= 9 {
		return end
	}
	return 0
}

// looksLikeToken reports a long run mixing letters and digits.
func looksLikeToken(t string) bool {
	if len(t) < 20 {
		return false
	}
	var letters, digits bool
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case isDigit(c):
			digits = true
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters = true
		}
	}
	return letters && digits
}

// emailEnd returns the end of an e-mail address whose local part is
// s[start:j] (j at the '@'), or 0.
func emailEnd(s string, j int) int {
	if j >= len(s) || s[j] != '@' {
		return 0
	}
	k := j + 1
	for k < len(s) && (isTokenByte(s[k]) || s[k] == '.') {
		k++
	}
	for k > j+1 && s[k-1] == '.' {
		k-- // a sentence's full stop is not part of the domain
	}
	if !strings.Contains(s[j+1:k], ".") || s[j+1] == '.' {
		return 0
	}
	return k
}
