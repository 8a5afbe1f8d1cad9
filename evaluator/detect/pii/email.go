package pii

import "strings"

// Email addresses: a local part, '@', and a domain of at least two labels
// whose last is alphabetic. What looks like an address but is not one is
// common in agent traffic and left alone: scp-style git remotes
// (git@github.com:org/repo), URL credentials (https://user:pw@host),
// package specifiers (lodash@4.17.21, @scope/pkg@1.0.0), image digests
// (image@sha256:…) and retina asset names (icon@2x.png).

// atAt matches an email address around the '@' at a.
func (s *scanner) atAt(a int) int {
	t := s.t
	start := a
	for start > s.lastEnd && a-start < 64 && isLocalChar(t[start-1]) {
		start--
	}
	if start == s.lastEnd && start > 0 && isLocalChar(t[start-1]) {
		return -1 // the local part would reach into the previous finding
	}
	if start == a || t[start] == '.' || t[a-1] == '.' || strings.Contains(t[start:a], "..") {
		return -1
	}
	if prevWordChar(t, start) || start > 0 && t[start-1] == '@' || urlUserinfo(t, start) {
		return -1
	}
	// Domain: labels of letters, digits and inner hyphens joined by dots.
	j := a + 1
	labels := 0
	lastLabel := j
	for j-a <= maxDomain {
		k := j
		for k < len(t) && (isAlnum(t[k]) || t[k] == '-') && k-j < 63 {
			k++
		}
		if k == j || t[j] == '-' || t[k-1] == '-' {
			break
		}
		labels++
		lastLabel = j
		j = k
		if j+1 < len(t) && t[j] == '.' && isAlnum(t[j+1]) {
			j++
			continue
		}
		break
	}
	if labels < 2 {
		return -1
	}
	end := j
	// "…@moonchaser.ioHi Ganesh": a missing space glues the next word to the
	// top-level label; a lower-to-upper case step inside it marks the cut.
	glued := false
	for k := lastLabel + 1; k < end; k++ {
		if isUpper(t[k]) && t[k-1] >= 'a' && t[k-1] <= 'z' {
			end, glued = k, true
			break
		}
	}
	tld := t[lastLabel:end]
	if !validTLD(tld) {
		return -1
	}
	if end < len(t) && !glued {
		switch c := t[end]; {
		case c == ':' && end+1 < len(t) && (isAlnum(t[end+1]) || t[end+1] == '/' || t[end+1] == '~'):
			return -1 // git@host:org/repo, user@host:/path
		case c == '@' || c == '_' || nextWordChar(t, end):
			return -1
		}
	}
	conf := 1.0
	if reservedDomain(t[a+1 : end]) {
		conf = 0.5
	}
	s.emit(entEmail, start, end, conf)
	return end
}

// maxDomain bounds the domain of an address (RFC 1035), which keeps a
// pathological run of "a@b.b.b.b…" linear.
const maxDomain = 253

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// urlUserinfo reports whether the local part starting at start is the
// userinfo of a URL (scheme://user[:password]@host).
func urlUserinfo(t string, start int) bool {
	// Walk back over the token the address is in.
	k := start
	for k > 0 && k > start-256 {
		c := t[k-1]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '<' || c == '(' ||
			c == '[' || c == ',' || c == ';' || c == '`' {
			break
		}
		k--
	}
	tok := t[k:start]
	if i := strings.Index(tok, "://"); i >= 0 {
		// Userinfo only if no '/', '?' or '#' separates it from the scheme:
		// an address in a path or query ("?u=jane@…") is an address.
		return !strings.ContainsAny(tok[i+3:], "/?#")
	}
	// "user:password@" without a scheme is credentials too, but "mailto:" is
	// an address.
	if strings.HasSuffix(tok, ":") && !hasSuffixFold(tok, "mailto:") {
		return strings.ContainsAny(tok[:len(tok)-1], "/@")
	}
	return false
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && equalFoldASCII(s[len(s)-len(suffix):], suffix)
}

// validTLD accepts an alphabetic top-level label of 2 to 24 letters, or a
// punycode one, that is not a file extension.
func validTLD(tld string) bool {
	if len(tld) > 4 && equalFoldASCII(tld[:4], "xn--") {
		return true
	}
	if len(tld) < 2 || len(tld) > 24 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isLetter(tld[i]) {
			return false
		}
	}
	var buf [24]byte
	n := lowerInto(buf[:], tld)
	_, ext := fileExtensions[string(buf[:n])]
	return !ext
}

// fileExtensions are file name extensions that make "name@2x.png" or
// "pkg@next.js" a file or package, not an address. Some are also country
// domains (.md, .sh, .rs, .py), but an address at one is rarer than a file.
var fileExtensions = map[string]struct{}{
	"png": {}, "jpg": {}, "jpeg": {}, "gif": {}, "svg": {}, "webp": {}, "ico": {}, "bmp": {}, "tif": {},
	"tiff": {}, "avif": {}, "heic": {}, "js": {}, "mjs": {}, "cjs": {}, "ts": {}, "tsx": {}, "jsx": {},
	"css": {}, "scss": {}, "less": {}, "json": {}, "yaml": {}, "yml": {}, "toml": {}, "xml": {}, "html": {},
	"htm": {}, "md": {}, "txt": {}, "py": {}, "rb": {}, "go": {}, "rs": {}, "java": {}, "kt": {}, "swift": {},
	"cpp": {}, "hpp": {}, "cc": {}, "sh": {}, "lock": {}, "log": {}, "csv": {}, "pdf": {}, "zip": {}, "gz": {},
	"tgz": {}, "tar": {}, "wasm": {}, "map": {}, "vue": {}, "svelte": {}, "php": {}, "mp3": {}, "mp4": {},
	"mov": {}, "wav": {}, "woff": {}, "woff2": {}, "ttf": {}, "otf": {}, "exe": {}, "dll": {}, "so": {},
}

// reservedDomain reports domains reserved for documentation and testing
// (RFC 2606, RFC 6761): an address there is a placeholder, reported with
// low confidence.
func reservedDomain(dom string) bool {
	for _, r := range reservedSuffixes {
		if hasSuffixFold(dom, r) || len(dom) == len(r)-1 && equalFoldASCII(dom, r[1:]) {
			return true
		}
	}
	return false
}

var reservedSuffixes = [...]string{
	".example.com", ".example.org", ".example.net", ".example", ".test", ".invalid", ".localhost", ".local",
}
