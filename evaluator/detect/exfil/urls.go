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
}

// maxLinks bounds the URLs examined per text.
const maxLinks = 256

// findLinks returns the http(s) URLs of a text with their rendering
// context, in order of appearance.
func findLinks(text string, out []link) []link {
	if indexFold(text, "http") < 0 && !strings.Contains(text, "src=") && !strings.Contains(text, "SRC=") {
		return out
	}
	first := len(out)
	var refDefs map[string]int // reference name -> index in out
	for off := 0; off < len(text) && len(out)-first < maxLinks; {
		i := nextURL(text, off)
		if i < 0 {
			break
		}
		end := urlEnd(text, i)
		off = end
		if end-i < 10 {
			continue
		}
		l := link{url: text[i:end], start: i, end: end, kind: "link"}
		context(text, i, &l)
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

// nextURL finds the next "http://", "https://" or protocol-relative src
// URL at or after off.
func nextURL(text string, off int) int {
	for off < len(text) {
		i := indexFold(text[off:], "http")
		if i < 0 {
			return srcRelative(text, off)
		}
		i += off
		rest := text[i:]
		if hasPrefixFold(rest, "http://") || hasPrefixFold(rest, "https://") {
			if j := srcRelative(text[:i], off); j >= 0 {
				return j
			}
			return i
		}
		off = i + 4
	}
	return -1
}

// srcRelative finds a protocol-relative URL in a src attribute
// (src="//host/x") in text[off:], or -1.
func srcRelative(text string, off int) int {
	for off < len(text) {
		i := indexFold(text[off:], "src=")
		if i < 0 {
			return -1
		}
		i += off + 4
		if i < len(text) && (text[i] == '"' || text[i] == '\'') {
			i++
		}
		if strings.HasPrefix(text[i:], "//") {
			return i
		}
		off = i
	}
	return -1
}

// urlEnd returns where a URL starting at i ends: at whitespace, a quote,
// an angle bracket, or a closing parenthesis or bracket that does not
// belong to it; trailing sentence punctuation is left out.
func urlEnd(text string, i int) int {
	depth, brackets := 0, 0
	j := i
loop:
	for ; j < len(text); j++ {
		switch text[j] {
		case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`', '|', '\\', '^', '{', '}':
			if text[j] == '{' || text[j] == '}' {
				// Braces are kept: an injected template's {placeholder}
				// is part of the URL it wants rendered.
				continue
			}
			break loop
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
