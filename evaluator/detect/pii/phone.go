package pii

// Phone numbers are conservative on purpose: an international number needs
// its '+' and a real country code with a plausible length, a North American
// number needs the punctuated layout and a valid area code and exchange, and
// every other national layout is reported only right after a phone word.
// Plain digit runs, dates, versions, IP addresses and arithmetic are never
// phone numbers here.

// phoneBody is the digits of a phone number as written after '+' or from
// its first group: groups of digits joined by one separator (space, '-',
// '.', '/') or wrapped in parentheses ("(0)", "(415)").
type phoneBody struct {
	end    int
	nd     int // digits, the trunk "(0)" excluded
	digits [17]byte
	ng     int
	lens   [8]uint8
	paren  [8]bool
	seps   uint8 // bit set of separators used: 1 space, 2 '-', 4 '.', 8 '/'
	over   bool  // more digits than any phone number has
}

func parsePhoneBody(t string, j int) phoneBody {
	var b phoneBody
	for b.ng < len(b.lens) {
		paren := false
		start := j
		if j < len(t) && t[j] == '(' {
			k := j + 1
			for k < len(t) && isDigit(t[k]) && k-j <= 5 {
				k++
			}
			if k == j+1 || k >= len(t) || t[k] != ')' {
				break
			}
			paren = true
			start = j + 1
			j = k
		} else {
			for j < len(t) && isDigit(t[j]) {
				j++
			}
			if j == start {
				break
			}
		}
		g := t[start:j]
		if paren {
			j++ // ')'
		}
		if !paren || g != "0" || b.ng == 0 { // a "(0)" trunk prefix is not dialled from abroad
			for k := 0; k < len(g); k++ {
				if b.nd == len(b.digits) {
					b.over = true
					break
				}
				b.digits[b.nd] = g[k]
				b.nd++
			}
		}
		b.lens[b.ng] = uint8(min(len(g), 255))
		b.paren[b.ng] = paren
		b.ng++
		b.end = j
		// A separator counts only if another group follows it; after a
		// closing parenthesis the next group may follow directly.
		if j >= len(t) {
			break
		}
		c := t[j]
		var bit uint8
		switch c {
		case ' ':
			bit = 1
		case '-':
			bit = 2
		case '.':
			bit = 4
		case '/':
			bit = 8
		}
		if bit != 0 && j+1 < len(t) && (isDigit(t[j+1]) || t[j+1] == '(' && j+2 < len(t) && isDigit(t[j+2])) {
			b.seps |= bit
			j++
			continue
		}
		if paren && isDigit(c) {
			continue
		}
		break
	}
	return b
}

// extension extends a phone number over a trailing extension ("x4587",
// " ext. 12") and returns the new end.
func extension(t string, end int) int {
	j := end
	if j < len(t) && t[j] == ' ' {
		j++
	}
	switch {
	case j+1 < len(t) && (t[j] == 'x' || t[j] == 'X') && isDigit(t[j+1]):
		j++
	case j+3 < len(t) && equalFoldASCII(t[j:j+3], "ext"):
		j += 3
		if j < len(t) && t[j] == '.' {
			j++
		}
		if j < len(t) && t[j] == ' ' {
			j++
		}
	default:
		return end
	}
	k := j
	for k < len(t) && isDigit(t[k]) && k-j < 6 {
		k++
	}
	if k == j || k < len(t) && isDigit(t[k]) {
		return end
	}
	return k
}

// atPlus matches an international number: '+', a country code and a
// national number of a length that country uses.
func (s *scanner) atPlus(i int) int {
	t := s.t
	if i+1 >= len(t) || !isDigit(t[i+1]) || !plusLeftOK(t, i) {
		return -1
	}
	b := parsePhoneBody(t, i+1)
	// No phone number ends in a one-digit group; "+6073641856.9" is a
	// signed decimal.
	if b.over || b.nd < 8 || b.nd > 15 || b.seps&8 != 0 || b.lens[b.ng-1] < 2 {
		return -1
	}
	if !e164Plausible(b.digits[:b.nd]) || testLookingNumber(b.digits[:b.nd]) {
		return -1
	}
	end := extension(t, b.end)
	if !rightOK(t, end) {
		return -1
	}
	c := s.context(i, end)
	pos := c.before.has(entPhone)
	if !pos && c.neg {
		return -1
	}
	conf := 0.85
	if pos {
		conf = 0.95
	}
	s.emit(entPhone, i, end, conf)
	return end
}

// plusLeftOK rejects a '+' that is arithmetic or part of a token: after a
// letter or digit, a closing bracket, or an operand and a space ("2 +1415…").
func plusLeftOK(t string, i int) bool {
	if i == 0 {
		return true
	}
	p := t[i-1]
	if isAlnum(p) || p == ')' || p == ']' || p == '+' || p == '_' || p >= 0x80 && prevWordChar(t, i) ||
		callArgument(t, i) {
		return false
	}
	if p == ' ' && i >= 2 {
		q := t[i-2]
		if isDigit(q) || q == ')' || q == '=' || q == '+' || q == '-' || q == '*' || q == '/' {
			return false
		}
	}
	return true
}

// atParen matches a number whose first group is in parentheses: the North
// American "(415) 555-2671", or, after a phone word, a national layout such
// as "(08) 8747 6301".
func (s *scanner) atParen(i int) int {
	t := s.t
	if i+1 >= len(t) || !isDigit(t[i+1]) || prevWordChar(t, i) || i > 0 && (t[i-1] == ')' || isDigit(t[i-1])) {
		return -1
	}
	b := parsePhoneBody(t, i)
	if b.over || b.ng < 2 || !b.paren[0] {
		return -1
	}
	end := extension(t, b.end)
	if !rightOK(t, end) {
		return -1
	}
	d := b.digits[:b.nd]
	if b.ng == 3 && b.lens[0] == 3 && b.lens[1] == 3 && b.lens[2] == 4 && b.seps&^7 == 0 && nanpValid(d) {
		c := s.context(i, end)
		pos := c.before.has(entPhone)
		if pos || !c.neg {
			conf := 0.75
			if pos {
				conf = 0.9
			}
			s.emit(entPhone, i, end, conf)
			return end
		}
	}
	if nationalOK(&b) && s.nationalContext(i) {
		s.emit(entPhone, i, end, 0.6)
		return end
	}
	return -1
}

// phoneDigits matches a number that starts with a digit: the North American
// layouts 415-555-2671, 415.555.2671, 1-415-555-2671 and 001-415-555-2671
// (415 555 2671 only with context), or any national layout with context.
func (s *scanner) phoneDigits(i int, tk *numTok) int {
	t := s.t
	var buf [14]byte
	var d []byte
	end := -1
	needCtx := false
	for _, lens := range [][]int{{3, 3, 4}, {1, 3, 3, 4}, {3, 3, 3, 4}} {
		sep, ok := tk.shape(lens...)
		if !ok || sep != '-' && sep != '.' && sep != ' ' {
			continue
		}
		first := t[tk.gs[0]:tk.ge[0]]
		if len(lens) == 4 && first != "1" && first != "001" {
			continue
		}
		all := tk.digits(t, len(lens), buf[:])
		if nanpValid(all[len(all)-10:]) && (sep != ' ' || sepLeftOK(t, i, sep)) {
			d, end, needCtx = all[len(all)-10:], tk.ge[len(lens)-1], sep == ' '
			break
		}
	}
	if d != nil {
		end = extension(t, end)
		if rightOK(t, end) {
			c := s.context(i, end)
			pos := c.before.has(entPhone)
			if pos || !needCtx && !c.neg {
				conf := 0.7
				if pos {
					conf = 0.9
				}
				s.emit(entPhone, i, end, conf)
				return end
			}
		}
	}
	if tk.n >= 3 && tk.sep[0] != ' ' && tokDateLike(t, tk) || !sepLeftOK(t, i, ' ') || afterOperator(t, i) {
		return -1 // a date, the tail of a longer grouped number, arithmetic
	}
	b := parsePhoneBody(t, i)
	if !nationalOK(&b) {
		return -1
	}
	end = extension(t, b.end)
	if !rightOK(t, end) || !s.nationalContext(i) {
		return -1
	}
	s.emit(entPhone, i, end, 0.6)
	return end
}

// afterOperator reports whether the number at i is an operand: the last
// character before it (spaces aside) is an arithmetic or comparison
// operator ("2 * 415 = 830-1110").
func afterOperator(t string, i int) bool {
	j := i - 1
	for j >= 0 && i-j <= 3 && t[j] == ' ' {
		j--
	}
	if j < 0 {
		return false
	}
	switch t[j] {
	case '=', '*', '/', '+', '^', '<', '>', '%':
		return true
	}
	return false
}

// tokDateLike is dateLike for a numTok, checked before parsing a phone body.
func tokDateLike(t string, tk *numTok) bool {
	var b phoneBody
	b.ng = 3
	b.seps = 2
	for k := 0; k < 3; k++ {
		l := tk.glen(k)
		if l > 4 || b.nd+l > len(b.digits) {
			return false
		}
		b.lens[k] = uint8(l)
		b.nd += copy(b.digits[b.nd:], t[tk.gs[k]:tk.ge[k]])
	}
	return dateLike(&b)
}

// nationalOK reports whether a body has a plausible national layout: 7 to
// 12 digits in at least two groups of at least two digits (the first may be
// a lone trunk digit), that does not read as a date, an IP address or a
// repeated digit.
func nationalOK(b *phoneBody) bool {
	if b.over || b.nd < 7 || b.nd > 12 || b.ng > 6 {
		return false
	}
	d := b.digits[:b.nd]
	if testLookingNumber(d) || string(d[len(d)-7:len(d)-2]) == "55501" {
		return false // 555-01XX is reserved for fiction
	}
	if b.ng == 1 {
		return false // a plain run of digits is never a phone number here
	}
	for k := 0; k < b.ng; k++ {
		l := int(b.lens[k])
		if l > 8 || k > 0 && l < 2 {
			return false
		}
	}
	if b.seps&4 != 0 && b.ng == 4 && b.lens[0] <= 3 && b.lens[1] <= 3 && b.lens[2] <= 3 && b.lens[3] <= 3 {
		return false // 10.20.30.40
	}
	return !dateLike(b)
}

// dateLike reports whether the first groups read as a date or a range of
// years: 2024-01-15, 15.01.2024, 01/15/2024, 15.01.24, 2000-2018.
func dateLike(b *phoneBody) bool {
	if b.seps&(2|4|8) == 0 {
		return false
	}
	if b.ng == 2 && b.lens[0] == 4 && b.lens[1] == 4 { // 2000-2018
		y1, y2 := atoi2(b.digits[0:2]), atoi2(b.digits[4:6])
		return (y1 == 19 || y1 == 20) && (y2 == 19 || y2 == 20)
	}
	if b.ng < 3 {
		return false
	}
	l0, l1, l2 := int(b.lens[0]), int(b.lens[1]), int(b.lens[2])
	d := b.digits[:]
	num := func(off, n int) int {
		v := 0
		for _, c := range d[off : off+n] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	a, m, c := num(0, l0), num(l0, l1), num(l0+l1, l2)
	switch {
	case l0 == 4 && l1 <= 2 && l2 <= 2: // y-m-d
		return m >= 1 && m <= 12 && c >= 1 && c <= 31
	case l0 <= 2 && l1 <= 2 && (l2 == 4 || l2 == 2): // d-m-y or m-d-y
		return (a >= 1 && a <= 31 && m >= 1 && m <= 12) || (a >= 1 && a <= 12 && m >= 1 && m <= 31)
	}
	return false
}

// nationalContext reports whether a phone word sits just before the number
// at i and no negative word ("order", "id") does.
func (s *scanner) nationalContext(i int) bool {
	ix := s.d.ctx
	m := ix.scan(s.t, i-ctxNear, i)
	if !m.has(entPhone) {
		return false
	}
	return m&negBit == 0 || ix.scan(s.t, i-ctxNegBefore, i)&negBit == 0
}

// nanpValid checks ten North American digits: area code and exchange start
// with 2-9, are not N11 service codes, the area code's middle digit is not
// 9 (reserved for expansion), and 555-01XX (reserved for fiction) is out.
func nanpValid(d []byte) bool {
	if len(d) != 10 {
		return false
	}
	if d[0] < '2' || d[1] == '9' || d[1] == '1' && d[2] == '1' {
		return false
	}
	if d[3] < '2' || d[4] == '1' && d[5] == '1' {
		return false
	}
	if string(d[3:6]) == "555" && d[6] == '0' && d[7] == '1' {
		return false
	}
	return !testLookingNumber(d)
}

// e164Plausible checks the digits after '+': a country code in service and
// a national number of a length that country uses (exact where the plan is
// closed, a range otherwise).
func e164Plausible(d []byte) bool {
	if d[0] == '0' {
		return false
	}
	if d[0] == '1' {
		return nanpValid(d[1:])
	}
	cc, nsn := countryCode(d)
	if cc < 0 {
		return false
	}
	n := len(d) - nsn
	lo, hi := 7, 12
	switch cc {
	case 7: // Russia, Kazakhstan
		lo, hi = 10, 10
	case 33, 34, 41, 48: // France, Spain, Switzerland, Poland
		lo, hi = 9, 9
	case 44: // United Kingdom
		lo, hi = 9, 10
	case 49: // Germany
		lo, hi = 6, 13
	case 39: // Italy
		lo, hi = 6, 11
	case 31, 32, 351, 420, 421: // Netherlands, Belgium, Portugal, Czechia, Slovakia
		lo, hi = 8, 9
	case 46, 47, 45: // Sweden, Norway, Denmark
		lo, hi = 7, 10
	case 61: // Australia
		lo, hi = 9, 9
	case 63, 90, 91, 52: // Philippines, Turkey, India, Mexico
		lo, hi = 10, 10
	case 81, 82: // Japan, South Korea
		lo, hi = 9, 11
	case 86: // China
		lo, hi = 10, 11
	case 55: // Brazil
		lo, hi = 10, 11
	}
	return n >= lo && n <= hi
}

// countryCode returns the ITU country calling code the digits start with
// and its length, or -1 if none is assigned.
func countryCode(d []byte) (int, int) {
	if len(d) < 3 {
		return -1, 0
	}
	one := int(d[0] - '0')
	two := one*10 + int(d[1]-'0')
	three := two*10 + int(d[2]-'0')
	if one == 1 || one == 7 {
		return one, 1
	}
	switch two {
	case 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
		51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66,
		81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98:
		return two, 2
	}
	in := func(lo, hi int) bool { return three >= lo && three <= hi }
	switch {
	case three == 211 || three == 212 || three == 213 || three == 216 || three == 218,
		in(220, 258), in(260, 269), three == 290 || three == 291 || in(297, 299),
		in(350, 359), in(370, 378), in(380, 383), three == 385 || three == 386 || three == 387 || three == 389,
		three == 420 || three == 421 || three == 423,
		in(500, 509), in(590, 599), three == 670 || in(672, 692),
		three == 850 || three == 852 || three == 853 || three == 855 || three == 856,
		three == 880 || three == 886, in(960, 968), in(970, 977), in(992, 998):
		return three, 3
	}
	return -1, 0
}
