package pii

import (
	"unicode"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// scanner walks one segment's text once. The walk stops only at a digit,
// '+', '(', '@' or ':' (one table lookup per byte); entities that start
// with letters (IBAN, NIE, NRIC, codice fiscale, NINO) are tried from their
// first digit by looking back to the start of the word. Each matcher reads
// forward from its start, validates, checks context, and either emits a
// finding (the walk resumes after it) or declines (the walk skips the rest
// of the word). Findings therefore come in order and never overlap.
type scanner struct {
	d   *Detector
	in  *detect.Input
	seg int
	t   string
	// fold maps spans of t back to the segment text when t is a folded view.
	fold *foldBuf
	out  []detect.Finding
	// lastEnd is the end of the last finding in t; an email's local part,
	// found by walking back from '@', must not reach into it.
	lastEnd int

	// ctx caches the context of the last candidate.
	ctxStart, ctxEnd int
	ctxVal           ctxResult
	ctxOK            bool
}

// ctxResult is the context around one candidate.
type ctxResult struct {
	before entMask // entities with a context word in the window before
	after  entMask // ... in the short window after
	neg    bool    // a negative word sits right before
}

// pos reports whether the entity has context on either side.
func (c ctxResult) pos(e entityID) bool { return (c.before | c.after).has(e) }

func (d *Detector) scanSegment(in *detect.Input, seg int, text string, nonASCII bool, out []detect.Finding) []detect.Finding {
	s := scanner{d: d, in: in, seg: seg, t: text, out: out}
	if nonASCII && needsFold(text) {
		f := foldPool.Get().(*foldBuf)
		f.fold(text)
		s.t, s.fold = f.text(), f
		s.run()
		s.t, s.fold = "", nil
		f.release()
		return s.out
	}
	s.run()
	return s.out
}

// Byte classes for the main loop: only these bytes can start a candidate.
// Letters are not among them: every entity that starts with a letter has a
// digit within its first seven characters, and is tried from there.
const (
	clsNone uint8 = iota
	clsDigit
	clsPlus
	clsParen
	clsAt
	clsColon
)

var byteClass = func() (c [256]uint8) {
	for b := '0'; b <= '9'; b++ {
		c[b] = clsDigit
	}
	c['+'], c['('], c['@'], c[':'] = clsPlus, clsParen, clsAt, clsColon
	return c
}()

// maxLetterLead is the most letters a letter-led entity has before its
// first digit (the six of a codice fiscale).
const maxLetterLead = 6

func (s *scanner) run() {
	t := s.t
	d := s.d
	for i := 0; i < len(t); {
		for i < len(t) && byteClass[t[i]] == clsNone {
			i++
		}
		if i >= len(t) {
			return
		}
		switch byteClass[t[i]] {
		case clsDigit:
			if i > 0 && wordByte[t[i-1]] && !escapeBefore(t, i) {
				// A digit inside a word: the word may be an IBAN, a NIE, an
				// NRIC, a codice fiscale or a NINO; otherwise it is a hash,
				// an identifier or a version, and is skipped whole.
				w := skipAlnum(t, i)
				if d.anyLetterStart {
					if end := s.letterWord(i, w); end > i {
						i = end
						continue
					}
				}
				i = skipWord(t, w)
				continue
			}
			if end := s.atDigit(i); end > i {
				i = end
				continue
			}
			i = skipWord(t, i)
		case clsPlus:
			if d.enabled[entPhone] {
				if end := s.atPlus(i); end > i {
					i = end
					continue
				}
			}
			i++
		case clsParen:
			if d.enabled[entPhone] {
				if end := s.atParen(i); end > i {
					i = end
					continue
				}
			}
			i++
		case clsAt:
			if d.enabled[entEmail] {
				if end := s.atAt(i); end > i {
					i = end
					continue
				}
			}
			i++
		case clsColon:
			if d.enabled[entIPAddress] {
				if end := s.atColon(i); end > i {
					i = end
					continue
				}
			}
			i++
		}
	}
}

// letterWord tries the letter-led entities on the word around the digit at
// i, which ends at w.
func (s *scanner) letterWord(i, w int) int {
	t := s.t
	ws := i
	for ws > 0 && i-ws <= maxLetterLead && isLetter(t[ws-1]) {
		ws--
	}
	if ws == i || i-ws > maxLetterLead || ws > 0 && (isDigit(t[ws-1]) || t[ws-1] == '_') || ws < s.lastEnd ||
		prevWordChar(t, ws) || !letterCandidate(t, ws, w) {
		return -1
	}
	return s.atLetter(ws, w)
}

// atColon tries an IPv6 address at "::" or one whose first group is all
// letters ("abcd:ef01::1"), which the digit trigger did not reach.
func (s *scanner) atColon(i int) int {
	t := s.t
	if i+1 < len(t) && t[i+1] == ':' && (i == 0 || !isAlnum(t[i-1]) && t[i-1] != ':') {
		return s.ipv6(i)
	}
	ws := i
	for ws > 0 && i-ws < 4 && isHex(t[ws-1]) {
		ws--
	}
	if ws == i || ws < s.lastEnd || ws > 0 && (isAlnum(t[ws-1]) || t[ws-1] == '_') || !isLetter(t[ws]) {
		return -1
	}
	for k := ws; k < i; k++ {
		if isDigit(t[k]) {
			return -1 // reached from its digit already
		}
	}
	return s.ipv6(ws)
}

// letterCandidate is the cheap test a word t[i:w] must pass before the
// letter-led matchers look at it.
func letterCandidate(t string, i, w int) bool {
	n := w - i
	switch {
	case n >= 4 && isLetter(t[i+1]) && isDigit(t[i+2]) && isDigit(t[i+3]): // IBAN, NINO
		return true
	case (n == 8 || n == 9) && isDigit(t[i+1]): // NIE, NRIC
		return true
	case n == 16: // codice fiscale
		return true
	}
	return w < len(t) && t[w] == ':' && n <= 4 // IPv6
}

// atDigit tries the entities that start with a digit, most specific first.
func (s *scanner) atDigit(i int) int {
	t := s.t
	if !digitLeftOK(t, i) {
		return -1
	}
	d := &s.d.enabled
	// "AB 12 34 56 C": the NINO's letters are a two-letter word before.
	if d[entUKNINO] && i >= 3 && t[i-1] == ' ' && isLetter(t[i-2]) && isLetter(t[i-3]) && i-3 >= s.lastEnd &&
		!prevWordChar(t, i-3) {
		if end := s.nino(i-3, i-1); end > 0 {
			return end
		}
	}
	tk := parseNum(t, i)
	if d[entIPAddress] {
		if end := s.ip(i, &tk); end > 0 {
			return end
		}
	}
	// Every remaining entity has at least six digits in its leading groups
	// (a HETU "131052A308T" has six before its letter); most numbers in
	// code and logs (ports, counts, years, line numbers) have fewer.
	if tk.total() < 6 {
		return -1
	}
	if d[entCreditCard] {
		if end := s.card(i, &tk); end > 0 {
			return end
		}
	}
	if d[entUSSSN] || d[entUSITIN] {
		if end := s.ssn(i, &tk); end > 0 {
			return end
		}
	}
	if d[entBRCPF] {
		if end := s.cpfFormatted(i, &tk); end > 0 {
			return end
		}
	}
	if d[entESDNI] {
		if end := s.dni(i, &tk); end > 0 {
			return end
		}
	}
	if d[entFIHETU] {
		if end := s.hetu(i, &tk); end > 0 {
			return end
		}
	}
	if d[entINAadhaar] {
		if end := s.aadhaarGrouped(i, &tk); end > 0 {
			return end
		}
	}
	if d[entZAID] {
		if end := s.zaID(i, &tk); end > 0 {
			return end
		}
	}
	if end := s.contextIDs(i, &tk); end > 0 {
		return end
	}
	if d[entPhone] && tk.total() >= 7 {
		if end := s.phoneDigits(i, &tk); end > 0 {
			return end
		}
	}
	return -1
}

// atLetter tries the entities that start with a letter at a word start.
func (s *scanner) atLetter(i, w int) int {
	t := s.t
	n := w - i
	d := &s.d.enabled
	if d[entIPAddress] && w < len(t) && t[w] == ':' && isHexRun(t[i:w]) {
		if end := s.ipv6(i); end > 0 {
			return end
		}
	}
	if d[entIBAN] && n >= 4 && isLetter(t[i+1]) && isDigit(t[i+2]) && isDigit(t[i+3]) {
		if end := s.iban(i, w); end > 0 {
			return end
		}
	}
	if d[entUKNINO] && isLetter(t[i+1]) && (n == 2 || n == 8 || n == 9) {
		if end := s.nino(i, w); end > 0 {
			return end
		}
	}
	if d[entESNIE] && (n == 8 || n == 9) {
		if end := s.nie(i, w); end > 0 {
			return end
		}
	}
	if d[entSGNRIC] && n == 9 {
		if end := s.nric(i, w); end > 0 {
			return end
		}
	}
	if d[entITFiscalCode] && n == 16 {
		if end := s.fiscalCode(i, w); end > 0 {
			return end
		}
	}
	return -1
}

// emit records a finding for t[start:end].
func (s *scanner) emit(e entityID, start, end int, conf float64) {
	os, oe := start, end
	if s.fold != nil {
		os, oe = s.fold.span(start, end)
	}
	ent := &entities[e]
	f := detect.NewFinding(s.in, s.seg, detect.CategoryPII, ent.detector, ent.sev, os, oe, ent.reason)
	f.Confidence = conf
	s.out = append(s.out, f)
	s.lastEnd = end
}

// context returns the context words around t[start:end].
func (s *scanner) context(start, end int) ctxResult {
	if s.ctxOK && s.ctxStart == start && s.ctxEnd == end {
		return s.ctxVal
	}
	ix := s.d.ctx
	var c ctxResult
	b := ix.scan(s.t, start-ctxBefore, start)
	c.before = b &^ negBit
	c.after = ix.scan(s.t, end, end+ctxAfter) &^ negBit
	if b&negBit != 0 {
		c.neg = ix.scan(s.t, start-ctxNegBefore, start)&negBit != 0
	}
	s.ctxStart, s.ctxEnd, s.ctxVal, s.ctxOK = start, end, c, true
	return c
}

// ctxNear is the window before a candidate that context must fall in when
// the format alone says too little (national phone formats).
const ctxNear = 32

// Byte classes.

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }
func isHex(c byte) bool    { return isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'f' }
func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func isHexRun(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// alnumByte marks ASCII letters and digits; wordByte adds '_'.
var alnumByte, wordByte = func() (a, w [256]bool) {
	for c := 0; c < 256; c++ {
		a[c] = isAlnum(byte(c))
		w[c] = a[c] || c == '_'
	}
	return a, w
}()

// skipAlnum returns the end of the run of ASCII letters and digits at i.
func skipAlnum(t string, i int) int {
	for i < len(t) && alnumByte[t[i]] {
		i++
	}
	return i
}

// skipWord returns the end of the run of ASCII letters, digits and '_' at i.
func skipWord(t string, i int) int {
	for i < len(t) && wordByte[t[i]] {
		i++
	}
	return i
}

// noSpaceScript reports whether r belongs to a script written without spaces
// between words, where a number may directly follow or precede a word.
func noSpaceScript(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) && !noSpaceScript(r)
}

// prevWordChar reports whether the character before i continues a word, so
// that i is not a word start. A C/JSON escape right before (the n of \n in
// tool arguments kept as raw JSON text) is a separator, not a letter.
func prevWordChar(t string, i int) bool {
	if i == 0 {
		return false
	}
	b := t[i-1]
	if b < 0x80 {
		return wordByte[b] && !escapeBefore(t, i)
	}
	r, _ := utf8.DecodeLastRuneInString(t[:i])
	return isWordRune(r)
}

// escapeBefore reports whether t[i-2:i] is a C/JSON escape such as \n.
func escapeBefore(t string, i int) bool {
	if i < 2 || t[i-2] != '\\' {
		return false
	}
	switch t[i-1] {
	case 'n', 'r', 't', 'b', 'f':
		return true
	}
	return false
}

// nextWordChar reports whether the character at j continues a word.
func nextWordChar(t string, j int) bool {
	if j >= len(t) {
		return false
	}
	b := t[j]
	if b < 0x80 {
		return isAlnum(b) || b == '_'
	}
	r, _ := utf8.DecodeRuneInString(t[j:])
	return isWordRune(r)
}

// digitLeftOK reports whether a number may start at i: not inside a word,
// not a later part of a compound token (the 4 of "v1.4", of "550e8400-4111",
// of "/users/4111", of "12:41"), not after a sign ("-6151260282251872"),
// '@', '%' or a thousands comma.
func digitLeftOK(t string, i int) bool {
	if i == 0 {
		return true
	}
	if prevWordChar(t, i) {
		return false
	}
	p := t[i-1]
	switch p {
	case '-':
		return false // a minus sign, or the tail of "ORD-4111…"
	case '.', '/', '\\':
		return i < 2 || !isAlnum(t[i-2])
	case ':', ',':
		// "card:4111…" is a label; "12:41" is a time, "1,234" a number.
		return i < 2 || !isDigit(t[i-2])
	case '+', '@', '%':
		return false
	}
	return true
}

// rightOK reports whether a value may end at j: the next character does not
// continue a word or a compound token ("4111...1111.5", "...-01", "...@x").
func rightOK(t string, j int) bool {
	if j >= len(t) {
		return true
	}
	if nextWordChar(t, j) {
		return false
	}
	switch t[j] {
	case '-', '.', ':', '/', '@', '_', '+':
		return j+1 >= len(t) || !isAlnum(t[j+1])
	case '%':
		return false
	}
	return true
}

// callArgument reports whether the number at i is the first argument of a
// call or conversion in code: "int64(", "f(", "Uint64(".
func callArgument(t string, i int) bool {
	return i >= 2 && t[i-1] == '(' && wordByte[t[i-2]]
}

// inNumberList reports whether the value t[start:end] sits among other long
// numbers ("…, 6559392774825876886, 7650093201692370310, …"): a table of
// integers in code or data, where one in ten passes Luhn by chance.
func inNumberList(t string, start, end int) bool {
	return longNumberAt(t, start, -1) || longNumberAt(t, end, 1)
}

// longNumberAt looks from position at in direction dir over list
// punctuation for a number of at least eight digits.
func longNumberAt(t string, at, dir int) bool {
	j := at
	if dir < 0 {
		j--
	}
	for skipped := 0; j >= 0 && j < len(t) && skipped < 4; skipped++ {
		switch t[j] {
		case ' ', ',', ';', '\t', '\n', '\r', '-', '|':
			j += dir
			continue
		}
		break
	}
	n := 0
	for j >= 0 && j < len(t) {
		if isDigit(t[j]) {
			n++
		} else if t[j] != '.' || j+dir < 0 || j+dir >= len(t) || !isDigit(t[j+dir]) {
			break // a decimal point inside the number is part of it
		}
		j += dir
	}
	return n >= 8
}

// sepLeftOK reports whether a value grouped with separator sep may start at
// i: the group before must not be digits joined by the same separator, or
// the value would be the tail of a longer grouped number.
func sepLeftOK(t string, i int, sep byte) bool {
	return !(i >= 2 && t[i-1] == sep && isDigit(t[i-2]))
}

// numTok is a run of digit groups joined by single separators (space, '-',
// '.', '/'), as numbers are written: "4111 1111 1111 1111", "078-05-1123",
// "192.168.0.1". Matchers read their shapes from it.
type numTok struct {
	n      int
	gs, ge [maxGroups]int
	sep    [maxGroups]byte // sep[k] joins group k and k+1
}

const maxGroups = 8

func parseNum(t string, i int) numTok {
	var tk numTok
	j := i
	for {
		s := j
		for j < len(t) && isDigit(t[j]) {
			j++
		}
		tk.gs[tk.n], tk.ge[tk.n] = s, j
		tk.n++
		if tk.n == maxGroups || j+1 >= len(t) {
			break
		}
		c := t[j]
		if (c == ' ' || c == '-' || c == '.' || c == '/') && isDigit(t[j+1]) {
			tk.sep[tk.n-1] = c
			j++
			continue
		}
		break
	}
	return tk
}

// total returns the number of digits in all groups.
func (tk *numTok) total() int {
	n := 0
	for k := 0; k < tk.n; k++ {
		n += tk.glen(k)
	}
	return n
}

// glen returns the length of group k.
func (tk *numTok) glen(k int) int { return tk.ge[k] - tk.gs[k] }

// shape reports whether the token starts with groups of exactly these
// lengths joined by one separator that does not continue past them. It
// returns that separator (0 for a single group).
func (tk *numTok) shape(lens ...int) (byte, bool) {
	if tk.n < len(lens) {
		return 0, false
	}
	for k, l := range lens {
		if tk.glen(k) != l {
			return 0, false
		}
	}
	if len(lens) == 1 {
		return 0, true
	}
	sep := tk.sep[0]
	for k := 1; k < len(lens)-1; k++ {
		if tk.sep[k] != sep {
			return 0, false
		}
	}
	if tk.n > len(lens) && tk.sep[len(lens)-1] == sep {
		return 0, false
	}
	return sep, true
}

// digits copies the digits of the first k groups into buf.
func (tk *numTok) digits(t string, k int, buf []byte) []byte {
	n := 0
	for g := 0; g < k; g++ {
		if n+tk.glen(g) > len(buf) {
			return nil
		}
		n += copy(buf[n:], t[tk.gs[g]:tk.ge[g]])
	}
	return buf[:n]
}
