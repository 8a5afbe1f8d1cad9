package pii

// Check-digit algorithms. Each takes the ASCII digits (or, for mod 97 and the
// Italian fiscal code, alphanumerics) of a candidate with separators already
// removed, and never allocates: they run for every candidate in a request.

// luhn reports whether the digits pass the Luhn (mod 10) check used by
// payment cards, Canadian SINs, Swedish personnummer and South African ids.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return len(d) > 0 && sum%10 == 0
}

// mod97 reports whether an IBAN (country code, check digits, BBAN; letters in
// either case) has remainder 1 under ISO 7064 MOD 97-10 after moving the
// first four characters to the end, as ISO 13616 prescribes.
func mod97(s []byte) bool {
	if len(s) < 5 {
		return false
	}
	r := 0
	add := func(c byte) bool {
		switch {
		case c >= '0' && c <= '9':
			r = (r*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			r = (r*100 + int(c-'A') + 10) % 97
		case c >= 'a' && c <= 'z':
			r = (r*100 + int(c-'a') + 10) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range s[4:] {
		if !add(c) {
			return false
		}
	}
	for _, c := range s[:4] {
		if !add(c) {
			return false
		}
	}
	return r == 1
}

// verhoeffD is the multiplication table of the dihedral group D5.
var verhoeffD = [10][10]uint8{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
	{2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
	{3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
	{4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
	{5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
	{6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
	{7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
	{8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
	{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
}

// verhoeffP is the permutation table applied by position.
var verhoeffP = [8][10]uint8{
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	{1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
	{5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
	{8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
	{9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
	{4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
	{2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
	{7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
}

// verhoeff reports whether the digits pass the Verhoeff check (Aadhaar). It
// catches every single-digit error and every adjacent transposition, which
// Luhn does not.
func verhoeff(d []byte) bool {
	c := uint8(0)
	for i := 0; i < len(d); i++ {
		c = verhoeffD[c][verhoeffP[i%8][d[len(d)-1-i]-'0']]
	}
	return len(d) > 0 && c == 0
}

// weightedMod11 returns the sum of d[i]*w[i] modulo 11.
func weightedMod11(d []byte, w []int) int {
	s := 0
	for i, x := range w {
		s += int(d[i]-'0') * x
	}
	return s % 11
}

// nhsValid checks a 10-digit UK NHS number: weights 10..2 over the first nine
// digits, check digit 11 - (sum mod 11), where 11 means 0 and 10 is never
// issued.
func nhsValid(d []byte) bool {
	if len(d) != 10 {
		return false
	}
	r := 11 - weightedMod11(d, []int{10, 9, 8, 7, 6, 5, 4, 3, 2})
	if r == 11 {
		r = 0
	}
	return r != 10 && r == int(d[9]-'0')
}

// tfnValid checks a 9-digit Australian tax file number: the weighted sum is a
// multiple of 11.
func tfnValid(d []byte) bool {
	return len(d) == 9 && weightedMod11(d, []int{1, 4, 3, 7, 5, 8, 6, 9, 10}) == 0
}

// cpfValid checks the two check digits of an 11-digit Brazilian CPF.
func cpfValid(d []byte) bool {
	if len(d) != 11 || allSame(d) {
		return false
	}
	for k := 9; k <= 10; k++ {
		s := 0
		for i := 0; i < k; i++ {
			s += int(d[i]-'0') * (k + 1 - i)
		}
		r := s * 10 % 11 % 10
		if r != int(d[k]-'0') {
			return false
		}
	}
	return true
}

// peselChecksum checks the weighted mod 10 check digit of a Polish PESEL.
func peselChecksum(d []byte) bool {
	if len(d) != 11 {
		return false
	}
	w := [10]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	s := 0
	for i, x := range w {
		s += int(d[i]-'0') * x
	}
	return (10-s%10)%10 == int(d[10]-'0')
}

// tcknValid checks a Turkish identity number: first digit not zero, two
// check digits.
func tcknValid(d []byte) bool {
	if len(d) != 11 || d[0] == '0' {
		return false
	}
	odd, even, all := 0, 0, 0
	for i := 0; i < 9; i++ {
		v := int(d[i] - '0')
		if i%2 == 0 {
			odd += v
		} else {
			even += v
		}
	}
	c10 := ((odd*7-even)%10 + 10) % 10
	if c10 != int(d[9]-'0') {
		return false
	}
	for i := 0; i < 10; i++ {
		all += int(d[i] - '0')
	}
	return all%10 == int(d[10]-'0')
}

// steuerIDValid checks a German tax identification number (Steuer-ID): first
// digit not zero; in the first ten digits exactly one digit appears twice or
// three times (never three in a row) and every other at most once; the
// eleventh is the ISO 7064 MOD 11,10 check digit.
func steuerIDValid(d []byte) bool {
	if len(d) != 11 || d[0] == '0' {
		return false
	}
	if !steuerIDStructure(d[:10]) {
		return false
	}
	return iso7064Mod1110(d[:10]) == d[10]-'0'
}

func steuerIDStructure(d []byte) bool {
	var count [10]int
	for _, c := range d {
		count[c-'0']++
	}
	repeated := 0
	for _, n := range count {
		switch {
		case n == 2 || n == 3:
			repeated++
		case n > 3:
			return false
		}
	}
	if repeated != 1 {
		return false
	}
	for i := 2; i < len(d); i++ {
		if d[i] == d[i-1] && d[i] == d[i-2] {
			return false
		}
	}
	return true
}

// iso7064Mod1110 returns the ISO 7064 MOD 11,10 check digit of d.
func iso7064Mod1110(d []byte) byte {
	product := 10
	for _, c := range d {
		sum := (int(c-'0') + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = sum * 2 % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return byte(check)
}

// dniLetters maps a Spanish DNI/NIE number modulo 23 to its check letter.
const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// dniLetter returns the check letter for the digits of a DNI (or of a NIE with
// its leading X/Y/Z already replaced by 0/1/2).
func dniLetter(d []byte) byte {
	n := 0
	for _, c := range d {
		n = (n*10 + int(c-'0')) % 23
	}
	return dniLetters[n]
}

// hetuChars maps a Finnish personal identity code modulo 31 to its check
// character.
const hetuChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// hetuCheck returns the check character for the nine digits DDMMYYNNN.
func hetuCheck(d []byte) byte {
	n := 0
	for _, c := range d {
		n = n*10 + int(c-'0')
	}
	return hetuChars[n%31]
}

// nricCheck returns the check letter of a Singapore NRIC/FIN given its prefix
// letter and seven digits, or 0 for an unknown prefix.
func nricCheck(prefix byte, d []byte) byte {
	w := [7]int{2, 7, 6, 5, 4, 3, 2}
	s := 0
	for i, x := range w {
		s += int(d[i]-'0') * x
	}
	var table string
	switch prefix {
	case 'S':
		table = "JZIHGFEDCBA"
	case 'T':
		s += 4
		table = "JZIHGFEDCBA"
	case 'F':
		table = "XWUTRQPNMLK"
	case 'G':
		s += 4
		table = "XWUTRQPNMLK"
	case 'M':
		s += 3
		table = "XWUTRQPNJLK"
	default:
		return 0
	}
	return table[s%11]
}

// Italian fiscal code: characters in odd positions (1-based) are valued by
// this table, digits and letters alike; even positions are valued 0-9 for
// digits and 0-25 for letters.
var cfOdd = [36]uint8{
	// 0-9
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21,
	// A-Z
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
}

// cfCheck returns the check letter (upper case) for the first 15 characters
// of an Italian fiscal code, which must be upper-case letters or digits.
func cfCheck(s []byte) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		var idx, even int
		if c >= '0' && c <= '9' {
			idx, even = int(c-'0'), int(c-'0')
		} else {
			idx, even = 10+int(c-'A'), int(c-'A')
		}
		if i%2 == 0 { // 1-based odd position
			sum += int(cfOdd[idx])
		} else {
			sum += even
		}
	}
	return byte('A' + sum%26)
}

// allSame reports whether every byte of d is the same.
func allSame(d []byte) bool {
	for i := 1; i < len(d); i++ {
		if d[i] != d[0] {
			return false
		}
	}
	return true
}

// distinctDigits returns how many different digits d contains.
func distinctDigits(d []byte) int {
	var seen [10]bool
	n := 0
	for _, c := range d {
		if !seen[c-'0'] {
			seen[c-'0'] = true
			n++
		}
	}
	return n
}

// longestRun returns the length of the longest run of one repeated byte.
func longestRun(d []byte) int {
	best, run := 0, 0
	for i := range d {
		if i > 0 && d[i] == d[i-1] {
			run++
		} else {
			run = 1
		}
		if run > best {
			best = run
		}
	}
	return best
}

// atoi2 parses two ASCII digits.
func atoi2(d []byte) int { return int(d[0]-'0')*10 + int(d[1]-'0') }

// validDate reports whether year/month/day is a calendar date.
func validDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	return day <= daysIn(year, month)
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validYYMMDD reports whether the two-digit-year date is valid in some
// century from 1800 to 2099 (the century is unknown for most ids; Feb 29 of
// "00" is valid in 2000).
func validYYMMDD(yy, mm, dd int) bool {
	for _, c := range [...]int{1900, 2000, 1800} {
		if validDate(c+yy, mm, dd) {
			return true
		}
	}
	return false
}
