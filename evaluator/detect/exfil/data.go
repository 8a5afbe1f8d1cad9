package exfil

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"unicode/utf8"
)

// dataKind flags what a URL carries besides an address.
type dataKind uint16

const (
	dataSecret        dataKind = 1 << iota // a credential-looking value
	dataEmail                              // an e-mail address
	dataText                               // a sentence: several words of prose
	dataEncodedText                        // base64 or hex that decodes to text
	dataBlob                               // a long encoded-looking value in a query
	dataTemplate                           // a placeholder to be filled in: {data}, [SECRET], $TOKEN, <conversation>
	dataCommand                            // a shell substitution $(...) or `...`
	dataNamedTemplate                      // a placeholder that names data: {conversation}, $SECRET
	dataManyParams                         // many parameters carrying values (a form posted through a URL)
)

// strong reports data that is sensitive by itself.
func (k dataKind) strong() bool { return k&(dataSecret|dataEmail|dataEncodedText|dataCommand) != 0 }

func (k dataKind) String() string {
	var parts []string
	for _, x := range [...]struct {
		f dataKind
		s string
	}{{dataSecret, "a credential"}, {dataEmail, "an e-mail address"}, {dataEncodedText, "encoded text"}, {dataCommand, "command output"},
		{dataText, "conversation text"}, {dataBlob, "an encoded value"}, {dataTemplate, "a placeholder for data"},
		{dataManyParams, "many data parameters"}} {
		if k&x.f != 0 {
			parts = append(parts, x.s)
		}
	}
	return strings.Join(parts, ", ")
}

// urlParts splits a URL into host (lowercase, no port or credentials),
// path and raw query. ok is false for anything that is not an absolute
// http(s) URL.
func urlParts(raw string) (host, path, query string, ok bool) {
	s := raw
	switch {
	case hasPrefixFold(s, "https://"):
		s = s[8:]
	case hasPrefixFold(s, "http://"):
		s = s[7:]
	case strings.HasPrefix(s, "//"):
		s = s[2:]
	default:
		return "", "", "", false
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, query = s[:i], s[i+1:]
	}
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s, path = s[:i], s[i:]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i >= 0 {
			s = s[:i+1]
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	host = strings.TrimSuffix(strings.ToLower(s), ".")
	return host, path, query, host != ""
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// urlData judges the query values and path segments of a URL for data
// that should not leave: credentials, e-mail addresses, prose, encoded
// text, placeholders an injected template wants filled.
func urlData(path, query string) dataKind {
	var k dataKind
	params, valued := 0, 0
	for query != "" {
		var kv string
		kv, query, _ = strings.Cut(query, "&")
		name, v, _ := strings.Cut(kv, "=")
		if v == "" {
			v, name = name, ""
		}
		if strings.HasPrefix(strings.ToLower(name), "utm_") {
			continue
		}
		params++
		if len(v) >= 8 && !isAllDigitsOrDot(v) {
			valued++
		}
		k |= valueData(v, true)
		if name != "" && k&dataSecret == 0 {
			if d, err := url.QueryUnescape(kv); err == nil && credentialAssignment(d) {
				k |= dataSecret
			}
		}
	}
	if valued >= 5 {
		k |= dataManyParams
	}
	for path != "" {
		var seg string
		seg, path, _ = strings.Cut(strings.TrimPrefix(path, "/"), "/")
		if seg != "" {
			k |= valueData(seg, false)
		}
	}
	return k
}

// valueData judges one URL component (raw, percent-encoded).
func valueData(raw string, inQuery bool) dataKind {
	var k dataKind
	if strings.ContainsAny(raw, "{[<%$_") {
		k |= templateKind(raw, inQuery)
	}
	if strings.Contains(raw, "$(") || strings.Contains(raw, "%24%28") || strings.Contains(raw, "`") {
		k |= dataCommand
	}
	v := raw
	if strings.ContainsAny(raw, "%+") {
		if d, err := url.QueryUnescape(raw); err == nil {
			v = d
			if strings.ContainsAny(v, "{[<%$_") {
				k |= templateKind(v, inQuery)
			}
		}
	}
	words := 0
	for rest := v; rest != ""; {
		var w string
		i := strings.IndexAny(rest, " ,;\n")
		if i < 0 {
			w, rest = rest, ""
		} else {
			w, rest = rest[:i], rest[i+1:]
		}
		if w == "" {
			continue
		}
		words++
		if len(w) >= 16 {
			// Encoded text is reported as such, not as a credential.
			if knownToken(w) || (inQuery && looksSecret(w) && !decodesToText(w)) {
				k |= dataSecret
			}
		}
		if strings.IndexByte(w, '@') > 0 && looksEmail(w) {
			k |= dataEmail
		}
	}
	if k&dataSecret == 0 && strings.ContainsAny(v, "=:") && (credentialAssignment(v) || urlWithPassword(v) || webhookURL(v)) {
		k |= dataSecret
	}
	if words >= 5 && len(v) >= 25 {
		k |= dataText
	}
	if len(v) >= 16 && !strings.ContainsAny(v, " ") {
		switch {
		case decodesToText(v):
			k |= dataEncodedText
		case inQuery && len(v) >= 40 && encodedCharset(v) && !isUUID(v):
			k |= dataBlob
		}
	}
	return k
}

// templateKind reports a placeholder meant to be replaced with data by
// whoever renders the URL: {data}, {{secret}}, [CONVERSATION], <DATA>,
// $SECRET, %s, INSERT_HERE (dataTemplate), and whether it names data
// (dataNamedTemplate). In a path component, as opposed to a query value,
// only placeholders that name data count, so that documented routes such
// as /users/{id} are not templates.
func templateKind(v string, inQuery bool) dataKind {
	var k dataKind
	mark := func(named bool) {
		if named {
			k |= dataTemplate | dataNamedTemplate
		} else if inQuery {
			k |= dataTemplate
		}
	}
	if strings.Contains(v, "%s") || strings.Contains(v, "%25s") {
		mark(false)
	}
	for _, p := range [...][2]string{{"{", "}"}, {"[", "]"}, {"<", ">"}, {"%7B", "%7D"}, {"%5B", "%5D"}, {"%3C", "%3E"}} {
		i := indexFold(v, p[0])
		if i < 0 {
			continue
		}
		inner := v[i+len(p[0]):]
		j := indexFold(inner, p[1])
		if j <= 0 || j > 60 {
			continue
		}
		if w := inner[:j]; placeholderWord(w) {
			mark(dataWord(w))
		}
	}
	if strings.HasPrefix(v, "$") && len(v) > 2 && v[1] >= 'A' && v[1] <= 'Z' {
		mark(dataWord(v[1:]))
	}
	uv := strings.ToUpper(v)
	for _, w := range [...]string{"INSERT_", "YOUR_", "_HERE", "REPLACE_"} {
		if strings.Contains(uv, w) {
			mark(dataWord(v))
		}
	}
	return k
}

// placeholderWord reports the inside of braces that names something to
// fill in (an identifier, possibly with spaces), as opposed to JSON or a
// number.
func placeholderWord(s string) bool {
	s = strings.Trim(s, "{}[]<> ")
	if s == "" || strings.ContainsAny(s, "\":,=") {
		return false
	}
	letters := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letters++
		case c == '_' || c == ' ' || c == '.' || c == '-' || (c >= '0' && c <= '9'):
		default:
			return false
		}
	}
	return letters >= 3
}

// dataWords name what an exfiltration template wants filled in.
var dataWords = []string{"data", "secret", "password", "passwd", "token", "key", "conversation", "history", "chat", "message",
	"summary", "email", "user", "info", "content", "context", "memory", "prompt", "answer", "response", "credential", "cookie",
	"session", "ssn", "phone", "card", "account", "document", "output", "result", "private", "personal", "address"}

func dataWord(w string) bool {
	lw := strings.ToLower(w)
	for _, d := range dataWords {
		if strings.Contains(lw, d) {
			return true
		}
	}
	return false
}

// secretNameWords mark a variable or key name whose value is a credential.
var secretNameWords = []string{"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "access_key",
	"private_key", "auth", "credential", "_key", "key_", "-key", ".key", "bearer", "session", "cookie"}

// credentialAssignment reports "name = value", "name: value" or a JSON
// pair whose name says the value is a credential (password, token,
// api_key ...) and whose value is not empty or a placeholder.
func credentialAssignment(v string) bool {
	for off := 0; off < len(v); {
		i := strings.IndexAny(v[off:], "=:")
		if i < 0 {
			return false
		}
		i += off
		off = i + 1
		name := strings.TrimRight(v[:i], " \t\"'")
		if j := strings.LastIndexAny(name, " \t\"'{,(<"); j >= 0 {
			name = name[j+1:]
		}
		name = strings.ToLower(name)
		if name == "" || len(name) > 64 {
			continue
		}
		secretName := false
		for _, w := range secretNameWords {
			if strings.Contains(name, w) || name == "key" || name == "pass" {
				secretName = true
				break
			}
		}
		if !secretName {
			continue
		}
		val := strings.TrimLeft(v[i+1:], " \t:=\"'")
		end := strings.IndexAny(val, " \t\"'<>,;}\n")
		if end < 0 {
			end = len(val)
		}
		val = val[:end]
		if len(val) >= 6 && !strings.HasPrefix(val, "$") && !strings.HasPrefix(val, "{") && !strings.HasPrefix(val, "<") &&
			!strings.EqualFold(val, "null") && !strings.EqualFold(val, "true") && !strings.EqualFold(val, "false") && distinct(val) >= 4 {
			return true
		}
	}
	return false
}

// webhookURL reports a chat webhook URL inside a value: the URL is the
// credential (whoever has it can post).
func webhookURL(v string) bool {
	for _, ps := range pathSinks {
		if i := strings.Index(v, ps.host+ps.path); i >= 0 && len(v)-i > len(ps.host)+len(ps.path)+8 {
			return true
		}
	}
	return false
}

// urlWithPassword reports a URL or connection string with a password in its
// user info (scheme://user:password@host).
func urlWithPassword(v string) bool {
	i := strings.Index(v, "://")
	if i < 0 {
		return false
	}
	rest := v[i+3:]
	if j := strings.IndexAny(rest, "/?# "); j >= 0 {
		rest = rest[:j]
	}
	at := strings.LastIndexByte(rest, '@')
	return at > 0 && strings.IndexByte(rest[:at], ':') > 0 && at-strings.IndexByte(rest[:at], ':') > 4
}

// tokenPrefixes start credentials of well-known services.
var tokenPrefixes = [...]string{"sk-", "sk_live_", "sk_test_", "rk_live_", "ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_", "xoxb-",
	"xoxp-", "xoxa-", "xoxs-", "xoxe.", "xoxe-", "glpat-", "glc_", "hvs.", "hvb.", "npm_", "pypi-", "aiza", "ya29.", "dop_v1_", "shpat_",
	"sq0atp-", "sq0csp-", "hf_", "api_org_", "sntrys_", "sntryu_", "figd_", "sb_secret_", "age-secret-key-", "sha256~", "atatt", "eyj",
	"lin_api_", "pat-", "pk_live_", "rzp_", "whsec_", "sg.", "key-", "dapi", "tk-us-", "pscale_", "pul-", "vercel_", "ntn_", "phx_", "sl.", "shppa_"}

// knownToken reports a word with the shape of a well-known credential: a
// service token prefix, an AWS key id, a JWT, a private key.
func knownToken(w string) bool {
	w = strings.Trim(w, "\"'()[]{}<>`")
	lw := strings.ToLower(w)
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(lw, p) && len(w) >= len(p)+14 {
			return true
		}
	}
	if (strings.HasPrefix(w, "AKIA") || strings.HasPrefix(w, "ASIA")) && len(w) == 20 && isUpperAlnum(w) {
		return true
	}
	if strings.HasPrefix(w, "eyJ") && strings.Count(w, ".") == 2 && len(w) >= 30 {
		return true
	}
	return strings.Contains(lw, "-----begin") && strings.Contains(lw, "private key")
}

// looksSecret reports a word that may be a credential: a known token
// shape, or a long random-looking string.
func looksSecret(w string) bool {
	w = strings.Trim(w, "\"'()[]{}<>`")
	if knownToken(w) {
		return true
	}
	if len(w) < 24 || len(w) > 512 || wordy(w) {
		return false
	}
	var lower, upper, digit, other int
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= 'a' && c <= 'z':
			lower++
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= '0' && c <= '9':
			digit++
		case c == '-' || c == '_' || c == '+' || c == '/' || c == '=' || c == '.' || c == '~':
		default:
			other++
		}
	}
	// Mixed case and digits over a wide alphabet: random, not a word or a
	// hash (hashes are one case of hex).
	return other == 0 && digit >= 2 && lower >= 3 && upper >= 3 && distinct(w) >= 16
}

// wordy reports a slug made of words (mh17-het-verdriet-van-nederland):
// three or more lowercase alphabetic parts between separators.
func wordy(w string) bool {
	n := 0
	for _, p := range strings.FieldsFunc(w, func(r rune) bool {
		return r == '-' || r == '_' || r == '.' || r == '~' || r == '/' || r == '+' || r == '='
	}) {
		if len(p) >= 3 && strings.Trim(p, "abcdefghijklmnopqrstuvwxyz") == "" {
			n++
		}
	}
	return n >= 3
}

func isAllDigitsOrDot(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// distinct counts distinct bytes, a cheap stand-in for entropy.
func distinct(s string) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
		}
	}
	return n
}

func looksEmail(w string) bool {
	w = strings.Trim(w, "\"'()[]{}<>.,;:")
	at := strings.IndexByte(w, '@')
	if at <= 0 || at == len(w)-1 || strings.Count(w, "@") != 1 {
		return false
	}
	dom := w[at+1:]
	dot := strings.LastIndexByte(dom, '.')
	return dot > 0 && dot < len(dom)-2 && !strings.ContainsAny(w, "/:=")
}

func encodedCharset(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := v[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// decodesToText reports a base64, base64url or hex string that decodes to
// mostly printable text: encoded data, as opposed to a hash or an id,
// which decode to binary.
func decodesToText(v string) bool {
	if !encodedCharset(v) {
		return false
	}
	// Judging the first 256 encoded bytes is enough, and needs no heap.
	if len(v) > 256 {
		v = v[:256]
	}
	var buf [256]byte
	var b []byte
	if len(v)%2 == 0 && isHex(v) {
		n, err := hex.Decode(buf[:], []byte(v))
		if err != nil {
			return false
		}
		b = buf[:n]
	} else {
		t := strings.TrimRight(v, "=")
		t = t[:len(t)/4*4+min(len(t)%4, 3)]
		if len(t)%4 == 1 {
			t = t[:len(t)-1]
		}
		enc := base64.RawStdEncoding
		if strings.ContainsAny(t, "-_") {
			enc = base64.RawURLEncoding
		}
		n, err := enc.Decode(buf[:], []byte(t))
		if err != nil {
			return false
		}
		b = buf[:n]
	}
	if len(b) < 12 || !utf8.Valid(b) {
		return false
	}
	printable := 0
	for _, r := range string(b) {
		if r >= 0x20 && r != 0x7f || r == '\n' || r == '\t' || r == '\r' {
			printable++
		}
	}
	return printable*100 >= utf8.RuneCount(b)*90
}

func isHex(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// indexFold is strings.Index ignoring ASCII case, without allocating;
// sub must be ASCII. It searches for a byte of sub that has no case (a
// digit, "@", ".", "/") with the vectorized IndexByte when there is one,
// and checks the window around each hit.
func indexFold(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
	if n > len(s) {
		return -1
	}
	pivot := -1
	for k := 0; k < n; k++ {
		if c := sub[k]; lower(c) == upper(c) {
			pivot = k
			break
		}
	}
	if pivot < 0 {
		return indexFoldLetters(s, sub)
	}
	pc := sub[pivot]
	for off := pivot; off <= len(s)-(n-pivot); {
		j := strings.IndexByte(s[off:len(s)-(n-pivot)+1], pc)
		if j < 0 {
			return -1
		}
		i := off + j - pivot
		if equalFoldASCII(s[i:i+n], sub) {
			return i
		}
		off += j + 1
	}
	return -1
}

func equalFoldASCII(a, b string) bool {
	for k := 0; k < len(b); k++ {
		if lower(a[k]) != lower(b[k]) {
			return false
		}
	}
	return true
}

// indexFoldLetters is indexFold for a needle made only of letters: it
// follows the next occurrence of the first letter in either case.
func indexFoldLetters(s, sub string) int {
	n := len(sub)
	lo, up := lower(sub[0]), upper(sub[0])
	last := len(s) - n + 1 // candidates start before last
	nextLo, nextUp := -2, -2
	next := func(c byte, from int) int {
		if j := strings.IndexByte(s[from:last], c); j >= 0 {
			return from + j
		}
		return last
	}
	for i := 0; i < last; {
		if nextLo < i {
			nextLo = next(lo, i)
		}
		if nextUp < i {
			nextUp = next(up, i)
		}
		i = min(nextLo, nextUp)
		if i >= last {
			return -1
		}
		if equalFoldASCII(s[i:i+n], sub) {
			return i
		}
		i++
	}
	return -1
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
