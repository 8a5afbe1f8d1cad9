package secrets

// This file parses "name <operator> value" around a keyword hit, in the
// many spellings code, configuration, shell and prose use:
//
//	API_KEY=abc                      export TOKEN="abc"
//	"api_key": "abc"                 api_key: abc            (JSON, YAML)
//	token := "abc"   TOKEN ?= abc    SNYK_TOKEN ::= "abc"    (Go, make)
//	"secret_key" => "abc"            $config['token'] = 'abc' (PHP)
//	setProperty("TOKEN", "abc")      os.environ['TOKEN'] = 'abc'
//	--token abc      --token=abc     Authorization: Bearer abc
//
// It never allocates: it returns offsets into the text.

// assign is one parsed assignment; offsets index the scanned text.
type assign struct {
	keyStart, keyEnd int
	valStart, valEnd int
	quote            byte // the quote around the value, 0 when bare
	// op is the operator byte ('=', ':', ',') or ' ' when the value only
	// follows whitespace.
	op byte
}

func isKeyChar(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-' || c == '.'
}

const maxValue = 1024

// parseAssign parses the assignment whose name contains text[ks:ke]. With
// loose, the name may run on for up to two more words ("Fastly token:")
// and the value may follow the name after only whitespace.
func parseAssign(text string, ks, ke int, loose bool) (a assign, ok bool) {
	n := len(text)
	a.keyStart = ks
	for a.keyStart > 0 && isKeyChar(text[a.keyStart-1]) && ks-a.keyStart < 64 {
		a.keyStart--
	}
	a.keyEnd = ke
	for a.keyEnd < n && isKeyChar(text[a.keyEnd]) && a.keyEnd-ke < 64 {
		a.keyEnd++
	}
	quotedKey := a.keyStart > 0 && isQuote(text[a.keyStart-1])
	if b, ok := afterKey(text, a, quotedKey, false); ok {
		return b, true
	}
	if !loose {
		return a, false
	}
	// "Fastly token: x", "client secret = x": extend the name by words.
	end := a.keyEnd
	for w := 0; w < 2; w++ {
		if end+1 >= n || text[end] != ' ' || !isAlpha(text[end+1]) {
			break
		}
		j := end + 1
		for j < n && isKeyChar(text[j]) {
			j++
		}
		if j-a.keyStart > 64 || !credentialWord(text[end+1:j]) {
			break
		}
		end = j
		b := a
		b.keyEnd = end
		if b, ok = afterKey(text, b, false, false); ok {
			return b, true
		}
	}
	// "sv_licenseKey cfxk_...", "Access Token      00D...": whitespace only.
	return afterKey(text, a, quotedKey, true)
}

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

// afterKey parses the operator and the value after a.keyEnd.
func afterKey(text string, a assign, quotedKey, loose bool) (assign, bool) {
	n := len(text)
	i := a.keyEnd
	// Closing quotes and brackets of the name: "key": / ['key'] = / \"key\":
	for k := 0; i < n && k < 4; k++ {
		c := text[i]
		if isQuote(c) || c == ']' || c == '\\' || c == ')' {
			i++
			continue
		}
		break
	}
	j := skipBlanks(text, i)
	op := byte(0)
	switch {
	case j >= n:
		return a, false
	case hasAt(text, j, ":::="):
		op, j = '=', j+4
	case hasAt(text, j, "::="):
		op, j = '=', j+3
	case hasAt(text, j, ":="), hasAt(text, j, "?="), hasAt(text, j, "+="), hasAt(text, j, "=>"):
		op, j = '=', j+2
	case text[j] == '=':
		if j+1 < n && (text[j+1] == '=' || text[j+1] == '~') {
			return a, false // comparison or regexp match, not an assignment
		}
		op, j = '=', j+1
	case text[j] == ':':
		if j+1 < n && (text[j+1] == ':' || text[j+1] == '/') {
			return a, false // C++/Rust paths, URL schemes
		}
		op, j = ':', j+1
	case text[j] == ',' && quotedKey && precededByCall(text, a.keyStart-1):
		// setProperty("TOKEN", "value"), getenv("KEY", "default")
		op, j = ',', j+1
	case text[j] == '(' || text[j] == '[':
		return a, false
	default:
		flag := a.keyStart < n && text[a.keyStart] == '-'
		if (loose || flag) && j > i && j-i <= 8 && text[i] != '\n' {
			op = ' ' // "--token abc", "Access Token   abc"
		} else {
			return a, false
		}
	}
	if quotedKey && (op == ':' || op == '=') && j < n && text[j] == text[a.keyStart-1] {
		// "authorization:" in quotes is a string that ends with a colon,
		// not a key followed by a value.
		return a, false
	}
	a.op = op
	// Whitespace after the operator, but never across a line: an empty
	// value ("PASSWORD=\nNEXT=1") is no value.
	j = skipBlanks(text, j)
	if op == ',' {
		j = skipSpaces(text, j)
	}
	if j >= n {
		return a, false
	}
	// Opening quote, possibly escaped (\"value\" inside a JSON string).
	esc := false
	if text[j] == '\\' && j+1 < n && isQuote(text[j+1]) {
		esc = true
		j++
	}
	if isQuote(text[j]) {
		q := text[j]
		j++
		a.quote = q
		a.valStart = j
		k := j
		for k < n && k-j < maxValue {
			c := text[k]
			if c == '\n' {
				return a, false
			}
			if esc && c == '\\' && k+1 < n && text[k+1] == q {
				break
			}
			if !esc && c == q {
				break
			}
			if !esc && c == '\\' && k+1 < n {
				k += 2
				continue
			}
			k++
		}
		if k >= n || k-j >= maxValue {
			return a, false
		}
		a.valEnd = k
		return a, a.valEnd > a.valStart
	}
	switch text[j] {
	case '{', '[', '(', '\n', '\r', '#':
		return a, false // an object, a list, a call or a comment: no scalar here
	}
	a.valStart = j
	k := j
	for k < n && k-j < maxValue && !bareEnd(text[k]) {
		k++
	}
	a.valEnd = k
	return a, a.valEnd > a.valStart
}

// bareEnd reports bytes that end an unquoted value.
func bareEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '`', ',', ';', ')', '}', ']', '<', '>', '&', '|', '\\':
		return true
	}
	return false
}

func skipBlanks(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	return i
}

func skipSpaces(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
		i++
	}
	return i
}

func hasAt(text string, i int, lit string) bool {
	return len(text)-i >= len(lit) && text[i:i+len(lit)] == lit
}

// precededByCall reports whether the quote at q opens the first argument of
// a call: "(" before it, spaces aside.
func precededByCall(text string, q int) bool {
	i := q - 1
	for i >= 0 && (text[i] == ' ' || text[i] == '\t') {
		i--
	}
	return i >= 0 && text[i] == '('
}

// extraWords may continue a name in prose-like assignments ("Fastly token:").
var extraWords = setOf(`token key secret password pass api access auth pat license app client personal bot
service private webhook integration cloud account tokens keys credentials credential`)

func credentialWord(w string) bool {
	var buf [32]byte
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		buf[i] = toLower(w[i])
	}
	return extraWords[string(buf[:len(w)])]
}
