package pii

// Payment cards: 12 to 19 digits, compact or in the groupings card numbers
// are printed in, with an issuer prefix whose length the issuer uses, and a
// valid Luhn digit. One random number in ten passes Luhn, so the issuer
// table, the grouping and the token boundaries do most of the work; 12- and
// 13-digit numbers (Maestro, old Visa) are short enough to be anything, and
// 17- to 19-digit ones are usually 64-bit integers, so both need a card word
// nearby.

// card matches a payment card number starting at i.
func (s *scanner) card(i int, tk *numTok) int {
	t := s.t
	var buf [19]byte
	var d []byte
	var end int
	if g := tk.glen(0); g >= 12 {
		if g > 19 {
			return -1
		}
		d = tk.digits(t, 1, buf[:])
		end = tk.ge[0]
	} else {
		sep := tk.sep[0]
		if tk.n < 3 || (sep != ' ' && sep != '-') || !sepLeftOK(t, i, sep) {
			return -1
		}
		run := 1
		for run < tk.n && tk.sep[run-1] == sep {
			run++
		}
		if !cardGrouping(tk, run) {
			return -1
		}
		d = tk.digits(t, run, buf[:])
		end = tk.ge[run-1]
	}
	if d == nil || !rightOK(t, end) || !cardIssuer(d) || !luhn(d) || testLookingNumber(d) {
		return -1
	}
	c := s.context(i, end)
	pos := c.pos(entCreditCard)
	// Without a card word: 12-13 digits are too short to mean a card,
	// 17-19 digits are mostly 64-bit integers (seeds, hashes, nanosecond
	// times, snowflake ids), and numbers among other long numbers or passed
	// to a call ("int64(6715870808026712034)") are code and data.
	if !pos && (len(d) <= 13 || len(d) >= 17 || c.neg || inNumberList(t, i, end) || callArgument(t, i)) {
		return -1
	}
	conf := 0.95
	if pos {
		conf = 1
	}
	s.emit(entCreditCard, i, end, conf)
	return end
}

// cardGrouping reports whether the first run groups have a printed card
// layout: fours with a shorter last group (4-4-4-4, 4-4-4-4-3, 4-4-4-3,
// 4-4-4) or the 4-6-5 / 4-6-4 layouts of Amex and Diners.
func cardGrouping(tk *numTok, run int) bool {
	if run < 3 {
		return false
	}
	total := 0
	for k := 0; k < run; k++ {
		total += tk.glen(k)
	}
	if total < 12 || total > 19 {
		return false
	}
	if run == 3 && tk.glen(0) == 4 && tk.glen(1) == 6 && (tk.glen(2) == 5 || tk.glen(2) == 4) {
		return true
	}
	for k := 0; k < run-1; k++ {
		if tk.glen(k) != 4 {
			return false
		}
	}
	last := tk.glen(run - 1)
	return last >= 1 && last <= 4
}

// cardIssuer reports whether the number's prefix belongs to a card scheme
// that issues numbers of its length.
func cardIssuer(d []byte) bool {
	n := len(d)
	p := func(k int) int {
		v := 0
		for _, c := range d[:k] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	p2, p3, p4, p6 := p(2), p(3), p(4), p(6)
	in := func(v, lo, hi int) bool { return v >= lo && v <= hi }
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case in(p2, 51, 55) || in(p4, 2221, 2720): // Mastercard
		return n == 16
	case in(p4, 2200, 2204): // Mir
		return in(n, 16, 19)
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011 || in(p3, 644, 649) || p2 == 65 || in(p6, 622126, 622925): // Discover
		return in(n, 16, 19)
	case in(p4, 3528, 3589): // JCB
		return in(n, 16, 19)
	case p4 == 1800 || p4 == 2131: // JCB, 15-digit
		return n == 15
	case in(p3, 300, 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39: // Diners Club
		return in(n, 14, 19)
	case p2 == 62: // UnionPay
		return in(n, 16, 19)
	case p2 == 50 || in(p2, 56, 69): // Maestro
		return in(n, 12, 19)
	}
	return false
}

// testLookingNumber reports numbers no one is issued: few distinct digits
// (4111 1111 1111 1111, 4242 4242 4242 4242), long runs of one digit
// (4000 0000 0000 0002) or long ascending or descending sequences
// (4123 4567 8901 2345, 9876543210).
// Documentation and test suites are full of them, and they are not anyone's
// data.
func testLookingNumber(d []byte) bool {
	return distinctDigits(d) <= 3 || longestRun(d) >= 7 || longestAscending(d) >= 8 || longestDescending(d) >= 8
}

// longestAscending returns the length of the longest run of digits that each
// follow the previous one (…7890123…, wrapping 9 to 0).
func longestAscending(d []byte) int {
	best, run := 0, 0
	for i := range d {
		if i > 0 && d[i] == '0'+(d[i-1]-'0'+1)%10 {
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

// longestDescending is longestAscending the other way (…3210987…).
func longestDescending(d []byte) int {
	best, run := 0, 0
	for i := range d {
		if i > 0 && d[i-1] == '0'+(d[i]-'0'+1)%10 {
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
