package secrets

import (
	"encoding/base64"
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// Rules for values that carry no format of their own and are recognised by
// the name they are assigned to: generic "secret = value" assignments,
// HTTP authorization headers and passwords on command lines.

func genericRules() []*rule {
	return []*rule{
		custom("generic_assignment", "Credential assigned to a secret-named key", detect.SeverityMedium,
			[]string{"key", "secret", "token", "pass", "pwd", "auth", "credential", "creds", "bearer"},
			scanGeneric, withPrio(prioGeneric), withConf(0.7),
			examples(
				tp(`genericToken = "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB"`),
				tp(`export DB_PASSWORD='t7#Vq9!zLw2'`),
				tp(`{"client_secret": "Qm9vdHN0cmFwX3NlY3JldDo3Njg0MzIx"}`),
				tp(`api_token: c9f1a7e2-43bd-4f0e-9a61-0d5b8e2c7f14`),
				tp(`System.setProperty("SERVICE_TOKEN", "hQ8vZr2Lx0pWn4Ks7YtB1")`),
				tp(`password = "rootpasswd"`),
				tp(`client = Client(api_key="R2d7Yq4LmX9vB3nK8pZs5Tw1")`),
				fp(`password = "correct horse"`),
				fp(`secret = get_secret_value(client, "prod/db")`),
				fp(`api_key = os.environ["API_KEY"]`),
				fp(`token: ${GITHUB_TOKEN}`),
				fp(`API_KEY=<YOUR_API_KEY>`),
				fp(`api_key: "your-api-key-here"`),
				fp(`password: "{{ .Values.password }}"`),
				fp(`secret_key_length = 32`),
				fp(`max_tokens = 4096`),
				fp(`keyPressed = kVK_Return.u16`),
				fp(`credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'`),
				fp(`"token": "REDACTED"`),
				fp(`password = "***"`),
				fp(`if token == "abcdefghijklmnop" {`),
				fp(`The secret to a good sourdough is patience.`),
				tp(`SECRET_KEY = 'django-insecure-8v#k2!x@p0q$w9e^r7t&y6u*i5o(p4)'`),
				fp(`token = request.headers.get("X-Token")`),
				fp(`if password == confirm_password:`),
			)),
		custom("authorization_header", "Credential in an HTTP Authorization header", detect.SeverityMedium,
			[]string{"authorization"}, scanAuthHeader, withPrio(prioHeader), withConf(0.8),
			examples(
				tp(`curl -H "Authorization: Bearer cfcabd11c7ed9a41b1a3e063c32d5114" https://api.example.net`),
				tp(`Authorization: Basic YWxpY2U6c1BvN3FSdEw5eA==`),
				tp(`{"headers": {"Authorization": "Token 9f8c1e2d7b6a5f4e3d2c1b0a9f8e7d6c"}}`),
				fp(`-H "Authorization: Bearer $API_KEY"`),
				fp(`Authorization: Bearer <token>`),
				fp(`Authorization: Basic dXNlcjo=`),
				fp(`the Authorization header carries a bearer token`),
			)),
		custom("snowflake_credential", "Snowflake password or token", detect.SeverityHigh,
			[]string{"snowflake"}, scanVendorCredential, withPrio(prioKeyed),
			examples(
				tp(`SNOWFLAKE_PASSWORD="Vq8!rT2zLm9#xK"`),
				tp(`snowflake.token: Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0K`),
				fp(`SNOWFLAKE_ACCOUNT=xy12345.us-east-1`),
				fp(`SNOWFLAKE_PASSWORD=${SNOWFLAKE_PASSWORD}`),
			)),
		custom("cli_password", "Password passed on a command line", detect.SeverityMedium,
			[]string{"-u", "--user", "-p", "--password", "--pass", "-a"}, scanCLIPassword,
			caseSensitive(), withPrio(prioHeader), withConf(0.8),
			examples(
				tp(`curl -u deploy:Hq7zLm2Rv9 https://registry.example.com/v2/`),
				tp(`mysql -h db.internal -u app -pT4k!9wqZr2 shop`),
				tp(`curl --user "svc:Zr8kQ2vL5mN1" https://api.example.org/`),
				fp(`curl -u "$USER:$PASS" https://example.com`),
				fp(`curl -u username:password https://example.com`),
				fp(`git push -u origin main`),
				fp(`mysql -u root -p mydb`),
			)),
	}
}

func caseSensitive() ropt { return func(r *rule) { r.cs = true } }

// Key-name vocabulary. Names are split into lower-case words at
// punctuation and camelCase boundaries before these are consulted.
var (
	// denyWords mark names that hold something other than a secret even
	// when they also contain "key" or "token": an id, a length, a file...
	denyWords = setOf(`id ids name names url uri urls uris endpoint host hostname path file filename files
dir folder type types size length len count num number format version ver expires expiry expiration
expire expiresin ttl timeout prefix suffix header headers field fields public pub hint label desc
description placeholder regex pattern algorithm alg mode method provider usage region port username
email policy scope scopes issuer audience hash checksum md5 sha sha1 sha256 fingerprint index idx ref
arn kms location char chars str pressed event enabled enable disabled required valid validation
validator flag max min rotation source results result status state manager factory builder handler
callback class input output column table param params template var variable message msg error
list map mapping get set fetch load create delete update generate cache storage memory buffer bytes
bits cert certificate crt keystore truststore keytab keyring keychain keyboard keyframe keyword
keywords keyspace keypair tokenizer tokens tokenize tokenization csrf xsrf nonce salt iv otp captcha
recaptcha sitekey publishable anon store selector option options button primary foreign sort
partition bucket schema sequence object lookup idempotency dict hotkey shortcut uuid guid accessor
accessibility mesh meshing pubkey example sample test mock fake dummy demo default len limit limits
expiry usage vault vaults arns kid jti count counts mfa pin pins press down up left right alt ctrl
shift meta escape enter tab`)
	// keyQualifiers make a bare "key" word a credential name: api_key,
	// secret_key, access_key, x-api-key...
	keyQualifiers = setOf(`api apis secret access private auth client app master signing sign encryption enc
license licence account service admin consumer developer subscription sdk server write management
root user session webhook integration personal deploy bot cloud live prod production x`)
	passExceptions = setOf(`bypass compass surpass overpass underpass trespass passage passenger passive
passport passthrough passthru passes passed passing passable`)
)

func setOf(ws string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(ws) {
		m[w] = true
	}
	return m
}

// nameClass is what a key name says about its value.
type nameClass uint8

const (
	nameNone     nameClass = iota
	nameKey                // a bare or weakly qualified "key": value must be clearly random
	nameSecret             // token, secret, api key, credential
	namePassword           // password, passwd, pwd: human-chosen values are fine
)

// classifyName classifies an assignment's name.
func classifyName(name string) nameClass {
	var buf [96]byte
	class := nameNone
	deny := false
	keyWord, qualified := false, false
	for i := 0; i < len(name); {
		var wb []byte
		wb, i = nextWord(name, i, buf[:0])
		if len(wb) == 0 {
			continue
		}
		// Map lookups on string(wb) do not allocate; neither do the
		// comparisons below, which work on the bytes.
		switch {
		case denyWords[string(wb)]:
			deny = true
		case hasSub(wb, "passw") || hasSub(wb, "passphrase") || hasSub(wb, "passcode") ||
			eq(wb, "pass") || eq(wb, "pwd") || eq(wb, "pw") || hasSuf(wb, "pwd") ||
			(hasSuf(wb, "pass") && !passExceptions[string(wb)]) || eq(wb, "pword"):
			class = max(class, namePassword)
		case hasSub(wb, "secret") || hasSub(wb, "token") || hasSub(wb, "credential") ||
			eq(wb, "creds") || eq(wb, "auth") || eq(wb, "authorization") || eq(wb, "authkey") || eq(wb, "bearer") ||
			hasSuf(wb, "apikey") || hasSuf(wb, "accesskey") || hasSuf(wb, "privatekey") ||
			hasSuf(wb, "secretkey") || eq(wb, "cookie") || hasSuf(wb, "signingkey"):
			class = max(class, nameSecret)
		case eq(wb, "key") || eq(wb, "keys"):
			keyWord = true
		default:
			if keyQualifiers[string(wb)] {
				qualified = true
			}
		}
	}
	if deny {
		return nameNone
	}
	if keyWord && class == nameNone {
		if qualified {
			return nameSecret
		}
		return nameKey
	}
	return class
}

func eq(b []byte, s string) bool { return string(b) == s }
func hasSuf(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}
func hasSub(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}

// nextWord returns the lower-case word of identifier name that starts at
// or after i (words break at punctuation and lower-to-upper case changes),
// written into buf, and the position after it.
func nextWord(name string, i int, buf []byte) ([]byte, int) {
	for i < len(name) && !isAlnum(name[i]) {
		i++
	}
	for i < len(name) && isAlnum(name[i]) {
		if len(buf) > 0 && isUpper(name[i]) && isLower(name[i-1]) {
			break
		}
		if len(buf) < cap(buf) {
			buf = append(buf, toLower(name[i]))
		}
		i++
	}
	return buf, i
}

// scanGeneric checks the assignment around a secret-word keyword.
func scanGeneric(s *scan, r *rule, ks, ke int) {
	if ks < s.done[r.index] {
		return
	}
	a, ok := parseAssign(s.text, ks, ke, false)
	if !ok {
		return
	}
	s.done[r.index] = a.valEnd
	if a.op == ':' && a.quote == 0 && a.valStart > 0 && s.text[a.valStart-1] == ':' {
		return // "group:artifact:version", "host:port": not "key: value"
	}
	name := s.text[a.keyStart:a.keyEnd]
	class := classifyName(name)
	if class == nameNone {
		return
	}
	v := s.text[a.valStart:a.valEnd]
	if strings.HasPrefix(v, "eyJ") && strings.Count(v, ".") >= 2 {
		return // JWT-shaped: the jwt rule decides
	}
	if !genericValue(s, class, v, a.quote != 0) {
		return
	}
	conf := r.conf
	if class == namePassword {
		s.addWith(r, a.valStart, a.valEnd, conf, "Password assigned in code or configuration", -1)
		return
	}
	s.add(r, a.valStart, a.valEnd, conf)
}

// scanVendorCredential reports a password or token assigned to a name that
// also names the vendor ("SNOWFLAKE_PASSWORD"), under the vendor's rule id,
// with the same value tests as generic assignments.
func scanVendorCredential(s *scan, r *rule, ks, ke int) {
	if ks < s.done[r.index] || !wordStart(s.text, ks) {
		return
	}
	a, ok := parseAssign(s.text, ks, ke, false)
	if !ok {
		return
	}
	s.done[r.index] = a.valEnd
	class := classifyName(s.text[a.keyStart:a.keyEnd])
	if class != namePassword && class != nameSecret {
		return
	}
	v := s.text[a.valStart:a.valEnd]
	if genericValue(s, class, v, a.quote != 0) {
		s.add(r, a.valStart, a.valEnd, 0.9)
	}
}

// genericValue decides whether a value assigned to a secret-looking name
// is a literal credential.
func genericValue(s *scan, class nameClass, v string, quoted bool) bool {
	if len(v) > 256 || !quoted && strings.ContainsAny(v, "()[]{}<>") {
		return false // calls, templates, encrypted blocks (ENC[...]), markup
	}
	if !quoted && isCodeRef(v) {
		return false
	}
	if strings.Contains(v, "://") || (strings.Contains(v, "@") && strings.Contains(v, ".") && !strings.ContainsAny(v, "!#%^*")) {
		return false // URLs are for the URI rule; e-mail addresses are not secrets
	}
	if hasFileExt(v) || numericLiteral(v) {
		return false
	}
	switch class {
	case namePassword:
		if len(v) < 6 || strings.ContainsAny(v, " \t") || isPlaceholder(v) {
			return false
		}
		lo, up, di, ot := classes(v)
		if di == len(v) || (lo+up == 0 && ot == 0) {
			return false
		}
		if !quoted && (di+ot == 0 || tokenEfficiency(v) >= 3 && strings.ContainsAny(v, "_.")) {
			// Unquoted words are code (password = userInput, PASS:
			// TestName); a literal password there has digits or symbols.
			return false
		}
		if di == 0 && strings.ContainsAny(v, "./_-") && strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./_-") == "" {
			return false // a name or path: "master.passwd", PCP_CHANGEPASSWORD, TestGoList/GOPATH
		}
		return entropy(v) >= 2.0
	case nameSecret:
		if strings.ContainsAny(v, " \t,") || versionLike(v) {
			return false
		}
		if lo, up, di, _ := classes(v); up == 0 && di == 0 && lo > 0 && strings.ContainsAny(v, "_-") {
			return false // snake_case or kebab-case words: an identifier
		}
		return wordsOK(v, quoted) && looksRandom(v, 10, s.d.minEntropy) && randomBody(v)
	case nameKey:
		// A bare "key" names many things that are not secrets (map keys,
		// XML key attributes, cache keys): only clearly random, token-shaped
		// values count.
		if strings.ContainsAny(v, " \t.:,") || !randomBody(v) {
			return false
		}
		lo, up, di, _ := classes(v)
		kinds := 0
		for _, k := range []int{lo, up, di} {
			if k > 0 {
				kinds++
			}
		}
		return kinds >= 2 && wordsOK(v, quoted) && looksRandom(v, 16, s.d.minEntropy)
	}
	return false
}

// wordsOK rejects values that read as names rather than random bytes:
// short values without all three of lower case, upper case and digits
// ("fts5yyminor", "PrivKeyVal"), letter-only values unless long and not
// made of words ("CryptMsgDllExportKeyAgree"), and unquoted values that are
// mostly dictionary words (TFts5Token).
func wordsOK(v string, quoted bool) bool {
	lo, up, di, _ := classes(v)
	hex := allHex(v)
	if len(v) < 16 && !hex && (lo == 0 || up == 0 || di == 0) {
		return false
	}
	if di == 0 && (len(v) < 24 || wordCoverage(v) >= 0.3) {
		return false
	}
	if !quoted && !hex && wordCoverage(v) >= 0.5 {
		return false
	}
	return true
}

// numericLiteral reports numbers written in code: 0x5345434d, -42, 1e9.
func numericLiteral(v string) bool {
	t := strings.TrimPrefix(v, "-")
	if strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X") {
		return allHex(t[2:]) && !strings.Contains(t[2:], "-")
	}
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) && t[i] != '.' && t[i] != '_' && t[i] != 'e' {
			return false
		}
	}
	return len(t) > 0
}

// versionLike reports version strings and dotted numbers ("0.11.2",
// "rc0.15.0_20231217").
func versionLike(v string) bool {
	dots, digitsAfterDot := 0, 0
	for i := 0; i < len(v); i++ {
		if v[i] == '.' {
			dots++
			if i+1 < len(v) && isDigit(v[i+1]) {
				digitsAfterDot++
			}
		}
	}
	return dots >= 2 && digitsAfterDot >= 2
}

// randomBody requires the longest run of letters and digits in v to be
// long and random: "waka_short" or "essu_abc123" are a prefix and a word,
// not a key.
func randomBody(v string) bool {
	best, bs := 0, 0
	for i := 0; i < len(v); {
		if !isAlnum(v[i]) {
			i++
			continue
		}
		j := i
		for j < len(v) && isAlnum(v[j]) {
			j++
		}
		if j-i > best {
			best, bs = j-i, i
		}
		i = j
	}
	special := 0
	for i := 0; i < len(v); i++ {
		if !isAlnum(v[i]) && !strings.ContainsRune("-_./:+=", rune(v[i])) {
			special++
		}
	}
	if special >= 3 {
		// Generated secrets with punctuation ("8v#k2!x@p0q$w9e") have short
		// alphanumeric runs; their symbols are the randomness.
		return !isPlaceholder(v)
	}
	if best < 8 {
		return false
	}
	body := v[bs : bs+best]
	if allHex(body) {
		return !isPlaceholder(body)
	}
	lo, up, di, _ := classes(body)
	kinds := 0
	for _, k := range []int{lo, up, di} {
		if k > 0 {
			kinds++
		}
	}
	// A random body mixes classes; "TPBCRYPT" or "synthetic" does not.
	return kinds >= 2 && !isPlaceholder(body) && tokenEfficiency(body) < 2
}

// isCodeRef reports unquoted values that are references in code rather
// than literals: dotted paths (var.db_password, self.token), constants
// made of words (DEFAULT_TOKEN), keywords.
func isCodeRef(v string) bool {
	if v == "" {
		return true
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isAlnum(c) && c != '_' && c != '.' {
			return false
		}
	}
	if isDigit(v[0]) {
		return false
	}
	lo, _, di, _ := classes(v)
	if di == 0 {
		// Letters only (DiscardCompoundToken, s.reverseBitsLowest): an
		// identifier. Random credentials of any length carry digits.
		return true
	}
	if lo == 0 && strings.Count(v, "_") >= 2 {
		return true // an UPPER_SNAKE_CASE constant
	}
	if strings.Contains(v, ".") {
		// A dotted path (self.token, var.db_password) is made of short or
		// word-like segments; "s.ZC9Ecf4M5g9o34Q6RkzGsj0z" is not.
		for _, seg := range strings.Split(v, ".") {
			if len(seg) > 4 && tokenEfficiency(seg) < 1.8 {
				return false
			}
		}
		return true
	}
	return strings.Contains(v, "_") && wordCoverage(v) >= 0.7
}

var fileExts = []string{".pem", ".key", ".crt", ".cer", ".p12", ".pfx", ".json", ".yaml", ".yml", ".txt",
	".keytab", ".jks", ".env", ".ini", ".cfg", ".conf", ".xml", ".gpg", ".asc", ".pub", ".der", ".js", ".py"}

func hasFileExt(v string) bool {
	lv := v
	if len(lv) > 8 {
		lv = lv[len(lv)-8:]
	}
	for _, e := range fileExts {
		if len(lv) > len(e) && equalFoldASCII(lv[len(lv)-len(e):], e) {
			return true
		}
	}
	return false
}

// scanAuthHeader reads "Authorization: <scheme> <credentials>".
func scanAuthHeader(s *scan, r *rule, ks, ke int) {
	text := s.text
	if ks < s.done[r.index] {
		return
	}
	a, ok := parseAssign(text, ks, ke, false)
	if !ok || a.op != ':' && a.op != '=' {
		return
	}
	s.done[r.index] = a.valEnd
	// Proxy-Authorization is fine; anything longer is some other name.
	name := text[a.keyStart:a.keyEnd]
	if !equalFoldASCII(name, "authorization") && !equalFoldASCII(name, "proxy-authorization") && !equalFoldASCII(name, "http_authorization") {
		return
	}
	start := a.valStart
	end := a.valEnd
	if a.quote == 0 {
		// Unquoted, the value stopped at the space after the scheme: take
		// the next word as the credentials.
		end = start
		for end < len(text) && !bareEnd(text[end]) {
			end++
		}
	}
	scheme := ""
	if sp := strings.IndexByte(text[start:min(len(text), start+24)], ' '); sp > 0 {
		word := text[start : start+sp]
		if isScheme(word) {
			scheme = word
			start = skipBlanks(text, start+sp)
			if a.quote == 0 {
				end = start
				for end < len(text) && !bareEnd(text[end]) {
					end++
				}
			} else if sp2 := strings.IndexAny(text[start:a.valEnd], " \t"); sp2 >= 0 {
				end = start + sp2
			}
		}
	}
	if end <= start {
		return
	}
	v := text[start:end]
	if strings.ContainsAny(v, " \t()[]{}<>,;") {
		return // code or prose, not a credential
	}
	if equalFoldASCII(scheme, "basic") {
		if basicCredentials(v) {
			s.addWith(r, start, end, 0.9, "HTTP Basic credentials in an Authorization header", -1)
		}
		return
	}
	if looksRandom(v, 8, s.d.minEntropy) {
		s.add(r, start, end, r.conf)
	}
}

func isScheme(w string) bool {
	if len(w) == 0 || len(w) > 20 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isAlpha(w[i]) && w[i] != '-' && !(i > 0 && isDigit(w[i])) {
			return false
		}
	}
	return true
}

// basicCredentials reports whether v is base64 of "user:password" with a
// real password (or a random user name standing for an API key).
func basicCredentials(v string) bool {
	if isPlaceholder(v) {
		return false
	}
	var buf [192]byte
	if base64.StdEncoding.DecodedLen(len(v)) > len(buf) {
		return false
	}
	n, err := base64.StdEncoding.Decode(buf[:], []byte(v))
	if err != nil {
		n, err = base64.RawStdEncoding.Decode(buf[:], []byte(strings.TrimRight(v, "=")))
		if err != nil {
			return false
		}
	}
	dec := string(buf[:n])
	colon := strings.IndexByte(dec, ':')
	if colon < 0 {
		return false
	}
	user, pass := dec[:colon], dec[colon+1:]
	if pass == "" {
		return looksRandom(user, 16, 0)
	}
	return len(pass) >= 4 && !isPlaceholder(pass) && !(pass == user)
}

// cliCommands are programs whose -u/-p flags carry credentials, with the
// flags that do so.
var cliCommands = []struct {
	cmd   string
	flags string // space-separated
}{
	{"curl", "-u --user"},
	{"wget", "--password --http-password --user"},
	{"mysql", "-p --password"},
	{"mysqldump", "-p --password"},
	{"mariadb", "-p --password"},
	{"mongo", "-p --password"},
	{"mongosh", "-p --password"},
	{"mongodump", "-p --password"},
	{"docker login", "-p --password"},
	{"podman login", "-p --password"},
	{"helm registry login", "-p --password"},
	{"sshpass", "-p"},
	{"redis-cli", "-a --pass"},
}

// scanCLIPassword reads a credential flag of a known command.
func scanCLIPassword(s *scan, r *rule, ks, ke int) {
	text := s.text
	if ks > 0 && text[ks-1] != ' ' && text[ks-1] != '\t' {
		return
	}
	flag := text[ks:ke]
	// The flag must be a whole word or glued to its value ("-pSecret").
	glued := false
	if ke < len(text) && text[ke] != ' ' && text[ke] != '=' && text[ke] != '\t' {
		if flag != "-p" {
			return
		}
		glued = true
	}
	line := logicalLine(text, ks)
	cmdOK := false
	for _, c := range cliCommands {
		if strings.Contains(line, c.cmd) && containsField(c.flags, flag) {
			cmdOK = true
			break
		}
	}
	if !cmdOK {
		return
	}
	i := ke
	if !glued {
		if i < len(text) && text[i] == '=' {
			i++
		} else {
			i = skipBlanks(text, i)
		}
	}
	start, end, val := shellWord(text, i)
	if val == "" {
		return
	}
	userPass := flag == "-u" || flag == "--user"
	if userPass {
		colon := strings.IndexByte(val, ':')
		if colon < 0 {
			return
		}
		user, pass := val[:colon], val[colon+1:]
		if len(pass) > 2 && pass[0] == '{' && pass[len(pass)-1] == '}' && !strings.HasPrefix(pass, "{{") {
			pass = pass[1 : len(pass)-1] // --user "{id}":"{secret}"
		}
		if pass != "" && (isPlaceholder(pass) || strings.ContainsAny(pass, " ")) {
			return
		}
		// The password's span is the text after the first colon of the
		// word, without quoting characters or wrapping braces.
		ps, pe := spanOf(text, start, end, pass, colon)
		if pass == "" {
			if looksRandom(strings.Trim(user, "{}"), 12, 0) {
				us, ue := spanOf(text, start, end, user, 0)
				s.add(r, us, ue, r.conf)
			}
			return
		}
		if pass == user || !cliPasswordOK(pass) {
			return
		}
		if ps >= 0 {
			s.add(r, ps, pe, r.conf)
		}
		return
	}
	if cliPasswordOK(val) {
		ps, pe := spanOf(text, start, end, val, 0)
		if ps >= 0 {
			s.add(r, ps, pe, r.conf)
		}
	}
}

func cliPasswordOK(p string) bool {
	if len(p) < 6 || isPlaceholder(p) || strings.HasPrefix(p, "-") {
		return false
	}
	lo, up, di, ot := classes(p)
	if di == len(p) || (lo+up+di == 0) {
		return false
	}
	_ = ot
	return entropy(p) >= 2.2
}

func containsField(list, f string) bool {
	for _, x := range strings.Fields(list) {
		if x == f {
			return true
		}
	}
	return false
}

// logicalLine returns the shell line around position i, following
// backslash continuations backwards.
func logicalLine(text string, i int) string {
	// Bounded both ways: a megabyte of minified text on one line must not
	// be walked once per flag.
	lo, hi := max(0, i-2048), min(len(text), i+2048)
	start := i
	for start > lo {
		j := strings.LastIndexByte(text[lo:start], '\n')
		if j < 0 {
			start = lo
			break
		}
		j += lo
		k := j - 1
		for k >= lo && (text[k] == ' ' || text[k] == '\r') {
			k--
		}
		if k >= lo && text[k] == '\\' {
			start = j // a continued line: keep going back
			continue
		}
		start = j + 1
		break
	}
	end := strings.IndexByte(text[i:hi], '\n')
	if end < 0 {
		end = hi
	} else {
		end += i
	}
	return text[start:end]
}

// shellWord reads one shell word starting at i, joining quoted and
// unquoted pieces ("user":'pass' is user:pass). It returns the span of the
// word in text and its unquoted value (a slice of text when the word has
// no quotes, otherwise a new string).
func shellWord(text string, i int) (start, end int, val string) {
	start = i
	var b strings.Builder
	plain := true
	for i < len(text) {
		c := text[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '|' || c == '&' {
			break
		}
		if c == '"' || c == '\'' {
			j := strings.IndexByte(text[i+1:], c)
			if j < 0 {
				break
			}
			if plain {
				b.WriteString(text[start:i])
				plain = false
			}
			b.WriteString(text[i+1 : i+1+j])
			i += j + 2
			continue
		}
		if !plain {
			b.WriteByte(c)
		}
		i++
	}
	if plain {
		return start, i, text[start:i]
	}
	return start, i, b.String()
}

// spanOf finds sub (a piece of the unquoted word) inside text[start:end],
// searching from the from-th byte of the unquoted value onwards; it returns
// -1, -1 when the piece is not contiguous in the text.
func spanOf(text string, start, end int, sub string, from int) (int, int) {
	if sub == "" {
		return -1, -1
	}
	seg := text[start:end]
	idx := strings.Index(seg[min(from, len(seg)):], sub)
	if idx < 0 {
		idx = strings.Index(seg, sub)
		if idx < 0 {
			return -1, -1
		}
		return start + idx, start + idx + len(sub)
	}
	idx += min(from, len(seg))
	return start + idx, start + idx + len(sub)
}
