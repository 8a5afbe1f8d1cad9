package pii

// IBANs: a country code, two check digits and a BBAN of the exact length
// that country registered, compact or in groups of four, passing ISO 7064
// mod 97. A random string passes the length and the check together about
// once in a hundred times its country's length is hit, which is never by
// accident in prose.

// ibanLengths is the total IBAN length per country code, from the SWIFT IBAN
// registry (including recent additions such as Falkland Islands, Mongolia,
// Oman and Yemen).
var ibanLengths = map[[2]byte]uint8{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28,
	{'B', 'A'}: 20, {'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'I'}: 27,
	{'B', 'R'}: 29, {'B', 'Y'}: 28, {'C', 'H'}: 21, {'C', 'R'}: 22, {'C', 'Y'}: 28,
	{'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'J'}: 27, {'D', 'K'}: 18, {'D', 'O'}: 28,
	{'E', 'E'}: 20, {'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'K'}: 18,
	{'F', 'O'}: 18, {'F', 'R'}: 27, {'G', 'B'}: 22, {'G', 'E'}: 22, {'G', 'I'}: 23,
	{'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28, {'H', 'N'}: 28, {'H', 'R'}: 21,
	{'H', 'U'}: 28, {'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26,
	{'I', 'T'}: 27, {'J', 'O'}: 30, {'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28,
	{'L', 'C'}: 32, {'L', 'I'}: 21, {'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21,
	{'L', 'Y'}: 25, {'M', 'C'}: 27, {'M', 'D'}: 24, {'M', 'E'}: 22, {'M', 'K'}: 19,
	{'M', 'N'}: 20, {'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'I'}: 28,
	{'N', 'L'}: 18, {'N', 'O'}: 15, {'O', 'M'}: 23, {'P', 'K'}: 24, {'P', 'L'}: 28,
	{'P', 'S'}: 29, {'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'O'}: 24, {'R', 'S'}: 22,
	{'R', 'U'}: 33, {'S', 'A'}: 24, {'S', 'C'}: 31, {'S', 'D'}: 18, {'S', 'E'}: 24,
	{'S', 'I'}: 19, {'S', 'K'}: 24, {'S', 'M'}: 27, {'S', 'O'}: 23, {'S', 'T'}: 25,
	{'S', 'V'}: 28, {'T', 'L'}: 23, {'T', 'N'}: 24, {'T', 'R'}: 26, {'U', 'A'}: 29,
	{'V', 'A'}: 22, {'V', 'G'}: 24, {'X', 'K'}: 20, {'Y', 'E'}: 30,
}

// numericBBAN are the countries whose BBAN (bank, branch and account) is
// digits only; a letter in one is not that country's IBAN.
var numericBBAN = map[[2]byte]bool{
	{'A', 'E'}: true, {'A', 'T'}: true, {'B', 'A'}: true, {'B', 'E'}: true, {'B', 'I'}: true, {'C', 'R'}: true,
	{'C', 'Z'}: true, {'D', 'E'}: true, {'D', 'J'}: true, {'D', 'K'}: true, {'E', 'E'}: true, {'E', 'G'}: true,
	{'E', 'S'}: true, {'F', 'I'}: true, {'F', 'O'}: true, {'G', 'L'}: true, {'H', 'R'}: true, {'H', 'U'}: true,
	{'I', 'L'}: true, {'I', 'S'}: true, {'L', 'T'}: true, {'L', 'Y'}: true, {'M', 'E'}: true, {'N', 'O'}: true,
	{'P', 'L'}: true, {'P', 'T'}: true, {'R', 'S'}: true, {'S', 'E'}: true, {'S', 'I'}: true, {'S', 'K'}: true,
	{'T', 'L'}: true, {'T', 'N'}: true, {'X', 'K'}: true,
}

// iban matches an IBAN starting at the word t[i:w].
func (s *scanner) iban(i, w int) int {
	t := s.t
	l := int(ibanLengths[[2]byte{upper(t[i]), upper(t[i+1])}])
	if l == 0 {
		return -1
	}
	if ck := atoi2([]byte{t[i+2], t[i+3]}); ck < 2 || ck > 98 {
		return -1
	}
	var buf [34]byte
	n := 0
	end := -1
	switch {
	case w-i == l:
		n = copy(buf[:], t[i:w])
		end = w
	case w-i == 4 && w+1 < len(t) && (t[w] == ' ' || t[w] == '-'):
		sep := t[w]
		n = copy(buf[:], t[i:w])
		j := w
		for n < l {
			if j >= len(t) || t[j] != sep {
				return -1
			}
			e := skipAlnum(t, j+1)
			g := e - j - 1
			if g == 0 || g > 4 || n+g > l || g < 4 && n+g != l {
				return -1
			}
			n += copy(buf[n:], t[j+1:e])
			j = e
		}
		end = j
	default:
		return -1
	}
	if !rightOK(t, end) || !sameCase(buf[:n]) || !mod97(buf[:n]) {
		return -1
	}
	if numericBBAN[[2]byte{upper(buf[0]), upper(buf[1])}] {
		for _, c := range buf[4:n] {
			if !isDigit(c) {
				return -1
			}
		}
	}
	s.emit(entIBAN, i, end, 1)
	return end
}

// sameCase reports whether the letters of s are all upper or all lower case;
// a mixed-case string is a token of some other kind.
func sameCase(s []byte) bool {
	up, lo := false, false
	for _, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			lo = true
		}
	}
	return !(up && lo)
}
