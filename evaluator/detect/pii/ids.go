package pii

// National identity and tax numbers. The rule of thumb for each: a format
// that is distinctive on its own (a letter check character, a dashed layout
// only this id uses, two check digits) is reported without context; a bare
// run of digits with one check digit is reported only next to a word that
// names it, because one number in ten or eleven passes any single check
// digit.

// ssn matches a US social security number or ITIN: dashed or spaced 3-2-4
// without context; dotted or compact nine digits only with context. The
// area, group and serial must be ones the SSA issues (no 000, 666 or 9xx
// area for SSNs, no 00 group, no 0000 serial); ITINs are 9xx with the
// group ranges the IRS uses.
func (s *scanner) ssn(i int, tk *numTok) int {
	t := s.t
	var buf [9]byte
	var d []byte
	var end int
	conf, ctxConf := 0.85, 1.0
	needCtx := false
	if sep, ok := tk.shape(3, 2, 4); ok {
		switch sep {
		case '-':
		case ' ':
			if !sepLeftOK(t, i, sep) {
				return -1
			}
			conf, ctxConf = 0.7, 0.9
		case '.':
			needCtx, conf, ctxConf = true, 0.6, 0.85
		default:
			return -1
		}
		d = tk.digits(t, 3, buf[:])
		end = tk.ge[2]
	} else if tk.glen(0) == 9 {
		d = tk.digits(t, 1, buf[:])
		end = tk.ge[0]
		needCtx, conf, ctxConf = true, 0.6, 0.85
	} else {
		return -1
	}
	if !rightOK(t, end) {
		return -1
	}
	e, ok := ssnKind(d)
	if !ok || !s.d.enabled[e] {
		return -1
	}
	c := s.context(i, end)
	pos := c.pos(e)
	if needCtx && !pos || !pos && c.neg {
		return -1
	}
	if pos {
		conf = ctxConf
	}
	s.emit(e, i, end, conf)
	return end
}

// ssnKind classifies nine digits as an SSN or an ITIN, or neither.
func ssnKind(d []byte) (entityID, bool) {
	area, group, serial := string(d[0:3]), string(d[3:5]), string(d[5:9])
	if area == "000" || area == "666" || group == "00" || serial == "0000" || allSame(d) {
		return 0, false
	}
	switch string(d) {
	case "078051120", // printed on a sample card sold in Woolworth wallets
		"219099999", // printed in an SSA pamphlet
		"457555462", // published in a well-known advertising campaign
		"123456789":
		return 0, false
	}
	if d[0] == '9' {
		g := atoi2(d[3:5])
		if g >= 50 && g <= 65 || g >= 70 && g <= 88 || g >= 90 && g <= 92 || g >= 94 {
			return entUSITIN, true
		}
		return 0, false
	}
	return entUSSSN, true
}

// cpfFormatted matches a Brazilian CPF written the way it is printed,
// 123.456.789-09, which no other number uses.
func (s *scanner) cpfFormatted(i int, tk *numTok) int {
	if tk.n < 4 || tk.glen(0) != 3 || tk.glen(1) != 3 || tk.glen(2) != 3 || tk.glen(3) != 2 ||
		tk.sep[0] != '.' || tk.sep[1] != '.' || tk.sep[2] != '-' || tk.n > 4 && tk.sep[3] == '-' {
		return -1
	}
	end := tk.ge[3]
	var buf [11]byte
	d := tk.digits(s.t, 4, buf[:])
	if !rightOK(s.t, end) || !cpfValid(d) {
		return -1
	}
	conf := 0.95
	if s.context(i, end).pos(entBRCPF) {
		conf = 1
	}
	s.emit(entBRCPF, i, end, conf)
	return end
}

// dni matches a Spanish DNI/NIF: seven or eight digits and the check letter,
// directly or after a hyphen.
func (s *scanner) dni(i int, tk *numTok) int {
	t := s.t
	g := tk.glen(0)
	if g != 8 && g != 7 {
		return -1
	}
	j := tk.ge[0]
	if j < len(t) && t[j] == '-' {
		j++
	}
	if j >= len(t) || !isLetter(t[j]) {
		return -1
	}
	end := j + 1
	if !rightOK(t, end) {
		return -1
	}
	var buf [8]byte
	d := tk.digits(t, 1, buf[:])
	if testLookingNumber(d) || dniLetter(d) != upper(t[j]) {
		return -1
	}
	c := s.context(i, end)
	pos := c.pos(entESDNI)
	// A lower-case letter after digits is as often a unit or an exponent
	// ("14395800p+54", "3000000h") as a DNI written carelessly.
	if !pos && (c.neg || !isUpper(t[j])) {
		return -1
	}
	conf := 0.9
	if pos {
		conf = 1
	}
	s.emit(entESDNI, i, end, conf)
	return end
}

// hetu matches a Finnish personal identity code DDMMYYCZZZQ: birth date,
// century sign, individual number and check character. A letter sign
// (A-F, U-Y) or check character makes the format distinctive; an
// all-digit code with '-' or '+' needs context.
func (s *scanner) hetu(i int, tk *numTok) int {
	t := s.t
	if tk.glen(0) != 6 {
		return -1
	}
	j := tk.ge[0]
	if j+5 > len(t) {
		return -1
	}
	sign := t[j]
	var century int
	switch {
	case sign == '+':
		century = 1800
	case sign == '-' || sign >= 'U' && sign <= 'Y':
		century = 1900
	case sign >= 'A' && sign <= 'F':
		century = 2000
	default:
		return -1
	}
	if !isDigit(t[j+1]) || !isDigit(t[j+2]) || !isDigit(t[j+3]) {
		return -1
	}
	chk := t[j+4]
	end := j + 5
	if !rightOK(t, end) {
		return -1
	}
	var nine [9]byte
	copy(nine[:6], t[i:j])
	copy(nine[6:], t[j+1:j+4])
	dd, mm, yy := atoi2(nine[0:2]), atoi2(nine[2:4]), atoi2(nine[4:6])
	if !validDate(century+yy, mm, dd) || atoi2(nine[6:8]) == 0 && nine[8] < '2' {
		return -1
	}
	if hetuCheck(nine[:]) != chk {
		return -1
	}
	c := s.context(i, end)
	pos := c.pos(entFIHETU)
	if !pos && (isDigit(sign) || sign == '-' || sign == '+') && isDigit(chk) {
		return -1
	}
	conf := 0.95
	if pos {
		conf = 1
	}
	s.emit(entFIHETU, i, end, conf)
	return end
}

// aadhaarGrouped matches an Aadhaar number printed in three groups of four
// (space or hyphen): first digit 2-9 and a valid Verhoeff check digit.
func (s *scanner) aadhaarGrouped(i int, tk *numTok) int {
	sep, ok := tk.shape(4, 4, 4)
	if !ok || sep != ' ' && sep != '-' || !sepLeftOK(s.t, i, sep) {
		return -1
	}
	end := tk.ge[2]
	var buf [12]byte
	d := tk.digits(s.t, 3, buf[:])
	if !rightOK(s.t, end) || !aadhaarValid(d) {
		return -1
	}
	c := s.context(i, end)
	pos := c.pos(entINAadhaar)
	if !pos && (c.neg || inNumberList(s.t, i, end)) {
		return -1
	}
	conf := 0.9
	if pos {
		conf = 1
	}
	s.emit(entINAadhaar, i, end, conf)
	return end
}

func aadhaarValid(d []byte) bool {
	return len(d) == 12 && d[0] >= '2' && verhoeff(d) && !testLookingNumber(d)
}

// zaID matches a South African identity number: YYMMDD birth date, four
// digits, citizenship 0-2, the digit 8 or 9, and a Luhn check digit. The
// date, the two fixed-range digits and Luhn together leave about one random
// 13-digit number in five thousand.
func (s *scanner) zaID(i int, tk *numTok) int {
	if tk.glen(0) != 13 {
		return -1
	}
	end := tk.ge[0]
	var buf [13]byte
	d := tk.digits(s.t, 1, buf[:])
	if !rightOK(s.t, end) || !zaIDValid(d) {
		return -1
	}
	c := s.context(i, end)
	pos := c.pos(entZAID)
	if !pos && (c.neg || inNumberList(s.t, i, end) || callArgument(s.t, i)) {
		return -1
	}
	conf := 0.85
	if pos {
		conf = 1
	}
	s.emit(entZAID, i, end, conf)
	return end
}

func zaIDValid(d []byte) bool {
	return len(d) == 13 && validYYMMDD(atoi2(d[0:2]), atoi2(d[2:4]), atoi2(d[4:6])) &&
		d[10] <= '2' && (d[11] == '8' || d[11] == '9') && luhn(d) && !testLookingNumber(d)
}

// contextIDs tries the ids whose format is a bare run of digits (or a
// layout shared with phone numbers): they are reported only with a context
// word for that very entity, before or just after the number.
func (s *scanner) contextIDs(i int, tk *numTok) int {
	t := s.t
	var buf [13]byte
	// 3-3-4 or ten digits: UK NHS number.
	if sep, ok := tk.shape(3, 3, 4); ok && (sep == ' ' || sep == '-') && sepLeftOK(t, i, sep) {
		if s.tryContextID(entUKNHS, tk.digits(t, 3, buf[:]), i, tk.ge[2]) {
			return tk.ge[2]
		}
	}
	// 3-3-3 or nine digits: Canadian SIN, Australian TFN.
	if sep, ok := tk.shape(3, 3, 3); ok && (sep == ' ' || sep == '-') && sepLeftOK(t, i, sep) {
		d := tk.digits(t, 3, buf[:])
		if s.tryContextID(entCASIN, d, i, tk.ge[2]) || s.tryContextID(entAUTFN, d, i, tk.ge[2]) {
			return tk.ge[2]
		}
	}
	// 2-3-3-3 (as the Steuer-ID is printed) or eleven digits.
	if sep, ok := tk.shape(2, 3, 3, 3); ok && sep == ' ' && sepLeftOK(t, i, sep) {
		if s.tryContextID(entDETaxID, tk.digits(t, 4, buf[:]), i, tk.ge[3]) {
			return tk.ge[3]
		}
	}
	// YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDD-NNNN: Swedish personnummer.
	if end := s.personnummerDashed(i, tk); end > 0 {
		return end
	}
	// Compact runs. (A 4-4-4 grouped Aadhaar is found without context in
	// aadhaarGrouped.)
	g0 := tk.glen(0)
	if g0 < 9 || g0 > 12 {
		return -1
	}
	end := tk.ge[0]
	d := tk.digits(t, 1, buf[:])
	var cands [4]entityID
	n := 0
	switch g0 {
	case 9:
		cands, n = [4]entityID{entCASIN, entAUTFN}, 2
	case 10:
		cands, n = [4]entityID{entUKNHS, entSEPersonnummer}, 2
	case 11:
		cands, n = [4]entityID{entDETaxID, entPLPESEL, entTRTCKN, entBRCPF}, 4
	case 12:
		cands, n = [4]entityID{entINAadhaar, entSEPersonnummer}, 2
	}
	for _, e := range cands[:n] {
		if s.tryContextID(e, d, i, end) {
			return end
		}
	}
	return -1
}

// tryContextID emits e for t[i:end] (whose digits are d) when e is
// enabled, d passes e's validator and a context word for e is near.
func (s *scanner) tryContextID(e entityID, d []byte, i, end int) bool {
	if !s.d.enabled[e] || d == nil || !rightOK(s.t, end) || !contextIDValid(e, d) {
		return false
	}
	if !s.context(i, end).pos(e) {
		return false
	}
	s.emit(e, i, end, 0.95)
	return true
}

// contextIDValid applies e's validator to digits d.
func contextIDValid(e entityID, d []byte) bool {
	switch e {
	case entUKNHS:
		return nhsValid(d)
	case entCASIN:
		return sinValid(d)
	case entAUTFN:
		return tfnValid(d)
	case entDETaxID:
		return steuerIDValid(d)
	case entPLPESEL:
		return peselValid(d)
	case entTRTCKN:
		return tcknValid(d)
	case entBRCPF:
		return cpfValid(d)
	case entINAadhaar:
		return aadhaarValid(d)
	case entSEPersonnummer:
		return personnummerValid(d)
	}
	return false
}

// sinValid checks a Canadian SIN: Luhn, and a first digit that is issued
// to people (0 is unused, 8 is for business numbers).
func sinValid(d []byte) bool {
	return len(d) == 9 && d[0] != '0' && d[0] != '8' && luhn(d) && !allSame(d)
}

// peselValid checks a Polish PESEL: a birth date whose month also encodes
// the century, and the weighted check digit.
func peselValid(d []byte) bool {
	if len(d) != 11 || !peselChecksum(d) {
		return false
	}
	yy, mm, dd := atoi2(d[0:2]), atoi2(d[2:4]), atoi2(d[4:6])
	century := [...]int{1900, 2000, 2100, 2200, 1800}[mm/20]
	return validDate(century+yy, mm%20, dd)
}

// personnummerValid checks a Swedish personnummer of 10 (YYMMDDNNNC) or 12
// (YYYYMMDDNNNC) digits: a valid birth date (day + 60 for a
// samordningsnummer) and Luhn over the last ten digits.
func personnummerValid(d []byte) bool {
	var year int
	switch len(d) {
	case 10:
		year = -1
	case 12:
		cc := atoi2(d[0:2])
		if cc < 18 || cc > 20 {
			return false
		}
		year = cc*100 + atoi2(d[2:4])
		d = d[2:]
	default:
		return false
	}
	mm, dd := atoi2(d[2:4]), atoi2(d[4:6])
	if dd > 60 {
		dd -= 60
	}
	if year < 0 {
		if !validYYMMDD(atoi2(d[0:2]), mm, dd) {
			return false
		}
	} else if !validDate(year, mm, dd) {
		return false
	}
	return luhn(d) && !allSame(d)
}

// personnummerDashed matches YYMMDD-NNNC, YYMMDD+NNNC (over 100 years old)
// and YYYYMMDD-NNNC, with context.
func (s *scanner) personnummerDashed(i int, tk *numTok) int {
	if !s.d.enabled[entSEPersonnummer] {
		return -1
	}
	t := s.t
	g0 := tk.glen(0)
	if g0 != 6 && g0 != 8 {
		return -1
	}
	j := tk.ge[0]
	if j+5 > len(t) || (t[j] != '-' && t[j] != '+') {
		return -1
	}
	for k := j + 1; k < j+5; k++ {
		if !isDigit(t[k]) {
			return -1
		}
	}
	end := j + 5
	if !rightOK(t, end) {
		return -1
	}
	var buf [12]byte
	n := copy(buf[:], t[i:j])
	n += copy(buf[n:], t[j+1:end])
	if !personnummerValid(buf[:n]) || !s.context(i, end).pos(entSEPersonnummer) {
		return -1
	}
	s.emit(entSEPersonnummer, i, end, 0.95)
	return end
}

// nino matches a UK national insurance number: two prefix letters from the
// allowed set, six digits, a suffix A-D. The spaced upper-case form
// (AB 12 34 56 C) is reported as is; compact and lower-case forms need
// context.
func (s *scanner) nino(i, w int) int {
	t := s.t
	a, b := t[i], t[i+1]
	up := isUpper(a)
	if isUpper(b) != up || !ninoPrefixOK(upper(a), upper(b)) {
		return -1
	}
	suffixOK := func(c byte) bool {
		return isUpper(c) == up && upper(c) >= 'A' && upper(c) <= 'D'
	}
	digitsAt := func(j, n int) bool {
		if j+n > len(t) {
			return false
		}
		for k := j; k < j+n; k++ {
			if !isDigit(t[k]) {
				return false
			}
		}
		return true
	}
	spaced := false
	end := -1
	switch w - i {
	case 9: // AB123456C
		if digitsAt(i+2, 6) && suffixOK(t[i+8]) {
			end = w
		}
	case 8: // AB123456 C
		if digitsAt(i+2, 6) && w+2 <= len(t) && t[w] == ' ' && suffixOK(t[w+1]) {
			end = w + 2
		}
	case 2: // AB 12 34 56 C, AB 123456 C, AB 123456C
		j := w
		if j+9 <= len(t) && t[j] == ' ' && digitsAt(j+1, 2) && t[j+3] == ' ' && digitsAt(j+4, 2) &&
			t[j+6] == ' ' && digitsAt(j+7, 2) {
			j += 9
			spaced = true
		} else if j+7 <= len(t) && t[j] == ' ' && digitsAt(j+1, 6) {
			j += 7
		} else {
			return -1
		}
		if j < len(t) && t[j] == ' ' {
			j++
		}
		if j < len(t) && suffixOK(t[j]) {
			end = j + 1
		}
	}
	if end < 0 || !rightOK(t, end) {
		return -1
	}
	c := s.context(i, end)
	pos := c.pos(entUKNINO)
	if (!spaced || !up) && !pos {
		return -1 // compact, or lower case ("on 12 34 56 a"): too much like other text
	}
	conf := 0.8
	if pos {
		conf = 0.95
	}
	s.emit(entUKNINO, i, end, conf)
	return end
}

// ninoPrefixOK applies HMRC's prefix rules.
func ninoPrefixOK(a, b byte) bool {
	switch a {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch b {
	case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
		return false
	}
	switch string([]byte{a, b}) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// nie matches a Spanish foreigner id: X, Y or Z, seven digits, the check
// letter (directly or after a hyphen).
func (s *scanner) nie(i, w int) int {
	t := s.t
	p := upper(t[i])
	if p != 'X' && p != 'Y' && p != 'Z' {
		return -1
	}
	var buf [8]byte
	buf[0] = '0' + p - 'X'
	for k := 1; k <= 7; k++ {
		c := t[i+k]
		if !isDigit(c) {
			return -1
		}
		buf[k] = c
	}
	var letter byte
	end := -1
	switch w - i {
	case 9:
		letter, end = t[i+8], w
	case 8:
		if w+1 < len(t) && t[w] == '-' && isLetter(t[w+1]) {
			letter, end = t[w+1], w+2
		}
	}
	if end < 0 || !isLetter(letter) || !rightOK(t, end) || dniLetter(buf[:]) != upper(letter) {
		return -1
	}
	conf := 0.95
	if s.context(i, end).pos(entESNIE) {
		conf = 1
	}
	s.emit(entESNIE, i, end, conf)
	return end
}

// nric matches a Singapore NRIC/FIN: S, T, F, G or M, seven digits and the
// check letter for that series.
func (s *scanner) nric(i, w int) int {
	t := s.t
	p := t[i]
	last := t[i+8]
	if !isUpper(last) {
		return -1
	}
	var buf [7]byte
	for k := 0; k < 7; k++ {
		c := t[i+1+k]
		if !isDigit(c) {
			return -1
		}
		buf[k] = c
	}
	if nricCheck(p, buf[:]) != last || allSame(buf[:]) || !rightOK(t, w) {
		return -1
	}
	c := s.context(i, w)
	pos := c.pos(entSGNRIC)
	if !pos && c.neg {
		return -1
	}
	conf := 0.9
	if pos {
		conf = 1
	}
	s.emit(entSGNRIC, i, w, conf)
	return w
}

// cfOmocodia are the letters that replace digits 0-9 in an Italian fiscal
// code issued to someone whose code would collide with another's.
const cfOmocodia = "LMNPQRSTUV"

// cfMonths are the month letters, January to December.
const cfMonths = "ABCDEHLMPRST"

// fiscalCode matches an Italian codice fiscale: six surname/name letters,
// birth year, month letter, day (+40 for women), municipality code and the
// check letter.
func (s *scanner) fiscalCode(i, w int) int {
	t := s.t
	var buf [16]byte
	up := isUpper(t[i])
	for k := 0; k < 16; k++ {
		c := t[i+k]
		if isLetter(c) && isUpper(c) != up {
			return -1
		}
		buf[k] = upper(c)
	}
	digitLike := func(c byte) (byte, bool) {
		if isDigit(c) {
			return c, true
		}
		if k := indexByte(cfOmocodia, c); k >= 0 {
			return '0' + byte(k), true
		}
		return 0, false
	}
	for k := 0; k < 6; k++ {
		if !isLetter(buf[k]) {
			return -1
		}
	}
	var day [2]byte
	for _, k := range []int{6, 7, 9, 10, 12, 13, 14} {
		v, ok := digitLike(buf[k])
		if !ok {
			return -1
		}
		if k == 9 || k == 10 {
			day[k-9] = v
		}
	}
	if indexByte(cfMonths, buf[8]) < 0 || !isLetter(buf[11]) || !isLetter(buf[15]) {
		return -1
	}
	dd := atoi2(day[:])
	if dd > 40 {
		dd -= 40
	}
	if dd < 1 || dd > 31 || cfCheck(buf[:]) != buf[15] || !rightOK(t, w) {
		return -1
	}
	s.emit(entITFiscalCode, i, w, 1)
	return w
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
