package exfil

import "strings"

// link is a URL found in text, with how it would be used by a renderer.
type link struct {
	url        string
	start, end int // byte span in the text
	// image is set for URLs a renderer fetches by itself, with no click:
	// markdown images (inline and reference), <img>/<iframe>/<script>/<video>
	// sources, stylesheets, CSS url().
	image bool
	// kind names the construct, for reasons: "markdown image", "html img",
	// "markdown link", "link".
	kind string
	ctx  bool // image and kind are resolved
	// at is the URL's offset in the text it was found in, and norm says
	// that text was the segment's normalized text (the span then covers
	// the whole segment).
	at   int
	norm bool
	// clean is set once the URL was judged to carry nothing: a repeat of
	// it in the same text is skipped without parsing it again.
	clean bool
}

// resolve works out how a renderer uses the link, once; text is the text
// the link was found in.
func (l *link) resolve(text string) {
	if !l.ctx && l.at < len(text) && strings.HasPrefix(text[l.at:], l.url) {
		context(text, l.at, l)
	}
	l.ctx = true
}

// maxLinks bounds the URLs examined per text.
const maxLinks = 256

// findLinks returns the http(s) URLs of a text with their rendering
// context, in order of appearance.
func findLinks(text string, out []link) []link {
	if !strings.Contains(text, "//") {
		return out
	}
	first := len(out)
	var refDefs map[string]int // reference name -> index in out
	// Contexts are resolved lazily (most links are judged by host and data
	// alone), except when the text may use reference-style images, whose
	// definitions must be known up front.
	refs := strings.Contains(text, "]:") && strings.Contains(text, "![")
	srcOff := -1 // next protocol-relative src URL, when the text has "src="
	if hasSrcRelative(text) {
		srcOff = 0
	}
	for off := 0; off < len(text) && len(out)-first < maxLinks; {
		i := nextURL(text, off)
		if srcOff >= 0 {
			if j := nextSrcURL(text, off); j >= 0 && (i < 0 || j < i) {
				i = j
			}
		}
		if i < 0 {
			break
		}
		end := urlEnd(text, i)
		off = end
		if end-i < 10 {
			continue
		}
		l := link{url: text[i:end], start: i, end: end, kind: "link", at: i}
		if refs {
			context(text, i, &l)
			l.ctx = true
		}
		if l.kind == "reference definition" {
			if refDefs == nil {
				refDefs = map[string]int{}
			}
			refDefs[refName(text, i)] = len(out)
		}
		out = append(out, l)
	}
	// Reference-style images: ![alt][ref] or ![ref] with [ref]: url.
	if refDefs != nil {
		for off := 0; off < len(text); {
			j := strings.Index(text[off:], "![")
			if j < 0 {
				break
			}
			j += off
			off = j + 2
			alt, rest, ok := bracket(text[j+1:])
			if !ok {
				continue
			}
			ref := alt
			if strings.HasPrefix(rest, "[") {
				if r, _, ok := bracket(rest); ok && r != "" {
					ref = r
				}
			} else if strings.HasPrefix(rest, "(") {
				continue
			}
			if idx, ok := refDefs[strings.ToLower(strings.TrimSpace(ref))]; ok {
				out[idx].image = true
				out[idx].kind = "markdown image (reference)"
			}
		}
	}
	return out
}

// nextURL finds the next "http://" or "https://" URL at or after off. It
// looks for "://" (rare in prose, found with a vectorized search) and
// checks the scheme before it.
func nextURL(text string, off int) int {
	for off < len(text) {
		p := strings.Index(text[off:], "://")
		if p < 0 {
			return -1
		}
		p += off
		off = p + 3
		switch {
		case p >= 5 && hasPrefixFold(text[p-5:], "https"):
			return p - 5
		case p >= 4 && hasPrefixFold(text[p-4:], "http"):
			return p - 4
		}
	}
	return -1
}

// hasSrcRelative reports a src attribute whose value starts with "//",
// found from the "//" occurrences (a vectorized search) rather than by
// folding every "s" of the text.
func hasSrcRelative(text string) bool {
	for off := 0; ; {
		i := strings.Index(text[off:], "//")
		if i < 0 {
			return false
		}
		i += off
		off = i + 2
		b := text[:i]
		b = strings.TrimSuffix(strings.TrimSuffix(b, "\""), "'")
		if strings.HasSuffix(b, "=") && hasSuffixFold(b[:len(b)-1], "src") {
			return true
		}
	}
}

// nextSrcURL finds the next protocol-relative URL in a src attribute
// (src="//host/x") at or after off.
func nextSrcURL(text string, off int) int {
	for off < len(text) {
		i := indexFold(text[off:], "src=")
		if i < 0 {
			return -1
		}
		j := off + i + 4
		off = j
		if j < len(text) && (text[j] == '"' || text[j] == '\'') {
			j++
		}
		if strings.HasPrefix(text[j:], "//") {
			return j
		}
	}
	return -1
}

// urlStop marks the bytes that end a URL in text.
var urlStop = func() (t [256]bool) {
	for _, c := range " \t\n\r\"'<>`|\\^" {
		t[c] = true
	}
	return t
}()

// urlEnd returns where a URL starting at i ends: at whitespace, a quote,
// an angle bracket, or a closing parenthesis or bracket that does not
// belong to it; trailing sentence punctuation is left out.
func urlEnd(text string, i int) int {
	depth, brackets := 0, 0
	j := i
loop:
	for ; j < len(text); j++ {
		c := text[j]
		if urlStop[c] {
			break
		}
		// Braces are kept: an injected template's {placeholder} is part of
		// the URL it wants rendered.
		switch c {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				break loop
			}
			depth--
		case '[':
			brackets++
		case ']':
			if brackets == 0 {
				break loop
			}
			brackets--
		}
	}
	for j > i && strings.IndexByte(".,;:!?*", text[j-1]) >= 0 {
		j--
	}
	return j
}

// context sets how a renderer would use the URL at i: markdown image or
// link, HTML attribute of an auto-loading tag, CSS url(), reference
// definition, or bare link.
func context(text string, i int, l *link) {
	before := text[max(0, i-512):i]
	b := strings.TrimRight(before, " \t")
	switch {
	case strings.HasSuffix(b, "]("):
		l.kind = "markdown link"
		if open := matchOpenBracket(b[:len(b)-1]); open > 0 && b[open-1] == '!' {
			l.image = true
			l.kind = "markdown image"
		}
	case hasSuffixFold(b, "url(") || hasSuffixFold(b, "url(\"") || hasSuffixFold(b, "url('"):
		l.image = true
		l.kind = "css url"
	case strings.HasSuffix(b, "=") || strings.HasSuffix(b, "=\"") || strings.HasSuffix(b, "='"):
		tag, attr := htmlContext(b)
		switch {
		case tag == "":
		case tag == "a" || tag == "area" || tag == "form" || tag == "base":
			l.kind = "html " + tag
		default:
			if attr == "src" || attr == "href" || attr == "poster" || attr == "background" || attr == "data" || attr == "srcset" || attr == "action" {
				l.image = tag != "form"
				l.kind = "html " + tag
			}
		}
	case strings.HasSuffix(b, "]:"):
		if line := lineStart(b); strings.HasPrefix(strings.TrimLeft(b[line:], " "), "[") {
			l.kind = "reference definition"
		}
	}
}

func hasSuffixFold(s, suf string) bool {
	return len(s) >= len(suf) && strings.EqualFold(s[len(s)-len(suf):], suf)
}

// matchOpenBracket returns the index just after the '[' that opens the
// link text ending at the end of s, or -1.
func matchOpenBracket(s string) int {
	if !strings.HasSuffix(s, "]") {
		return -1
	}
	depth := 0
	for j := len(s) - 1; j >= 0 && len(s)-j < 512; j-- {
		switch s[j] {
		case ']':
			depth++
		case '[':
			depth--
			if depth == 0 {
				return j
			}
		case '\n':
			if j > 0 && s[j-1] == '\n' {
				return -1 // a paragraph break: not one link text
			}
		}
	}
	return -1
}

// htmlContext returns the tag name and the attribute whose value starts
// at the end of b, lowercased, or "" when b is not inside a tag.
func htmlContext(b string) (tag, attr string) {
	lt := strings.LastIndexByte(b, '<')
	if lt < 0 || strings.IndexByte(b[lt:], '>') >= 0 {
		return "", ""
	}
	inside := b[lt+1:]
	end := 0
	for end < len(inside) && (isAlnum(inside[end])) {
		end++
	}
	tag = strings.ToLower(inside[:end])
	a := strings.TrimRight(inside, "\"'")
	a = strings.TrimSuffix(a, "=")
	a = strings.TrimRight(a, " ")
	k := len(a)
	for k > 0 && (isAlnum(a[k-1]) || a[k-1] == '-') {
		k--
	}
	return tag, strings.ToLower(a[k:])
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func lineStart(s string) int {
	return strings.LastIndexByte(s, '\n') + 1
}

// refName returns the lowercased name of the reference definition
// "[name]: url" whose URL starts at i.
func refName(text string, i int) string {
	b := text[:i]
	c := strings.LastIndex(b, "]:")
	o := strings.LastIndexByte(b[:max(c, 0)], '[')
	if c < 0 || o < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(b[o+1 : c]))
}

// bracket reads "[...]" at the start of s and returns its content and the
// rest after it.
func bracket(s string) (inner, rest string, ok bool) {
	if !strings.HasPrefix(s, "[") {
		return "", "", false
	}
	depth := 0
	for j := 0; j < len(s) && j < 512; j++ {
		switch s[j] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return s[1:j], s[j+1:], true
			}
		}
	}
	return "", "", false
}
