package toolrisk

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// confusables folds letters from other scripts that look like the Latin
// letters command names are made of, so that `rм -rf /` with a Cyrillic
// "м" or `git reset ‐‐hard` with Unicode hyphens reads as what a human
// reviewer would see. (A real shell would not run a Cyrillic "rm"; but the
// same text is a request the model made, and intent is what is judged.)
var confusables = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
	'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ј': 'j', 'ԁ': 'd', 'ɡ': 'g', 'һ': 'h', 'ӏ': 'l', 'ԛ': 'q', 'ԝ': 'w',
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X',
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'ι': 'i', 'κ': 'k', 'τ': 't', 'χ': 'x', 'ε': 'e',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T', 'Χ': 'X', 'Υ': 'Y',
}

// foldText maps Unicode look-alikes of shell syntax to ASCII: hyphens and
// minus signs to "-", exotic spaces to " ", invisible characters removed,
// compatibility forms (full-width letters) to their plain form, and
// confusable letters to Latin. ASCII text is returned unchanged without
// allocating.
func foldText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0xFE58, r == 0xFE63, r == 0xFF0D, r == 0x2043:
			b.WriteByte('-')
		case r == 0x00A0, r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F, r == 0x3000:
			b.WriteByte(' ')
		case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF, r == 0x00AD:
		default:
			if c, ok := confusables[r]; ok {
				r = c
			}
			b.WriteRune(r)
		}
	}
	return norm.NFKC.String(b.String())
}

// fallback splits text that is not valid shell with a conservative
// tokenizer: quotes group words, and every unquoted ; & | && || and newline
// ends a command. Command substitutions are tokenized recursively. Since
// heredoc bodies cannot be told from commands reliably here, each line is
// taken as a command, which errs on the side of flagging.
func (w *walker) fallback(src string, c ctx) {
	if c.depth > maxDepth {
		w.s.Truncated = true
		return
	}
	var (
		argv     []string
		redirs   []Redirect
		cur      strings.Builder
		inWord   bool
		pipeFrom = -1
	)
	flush := func() {
		if inWord {
			argv = append(argv, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	end := func(pipe bool) {
		flush()
		// Redirect operators left in argv take the next word as target.
		var clean []string
		for i := 0; i < len(argv); i++ {
			a := argv[i]
			if op, fd, target, ok := splitRedirect(a); ok {
				if target == "" && i+1 < len(argv) {
					target = argv[i+1]
					i++
				}
				redirs = append(redirs, Redirect{Op: op, Fd: fd, Target: target})
				continue
			}
			clean = append(clean, a)
		}
		out := -1
		if len(clean) > 0 || len(redirs) > 0 {
			out = w.emit(clean, redirs, c, pipeFrom, false)
		}
		argv, redirs = nil, nil
		if pipe {
			pipeFrom = out
		} else {
			pipeFrom = -1
		}
	}
	for i := 0; i < len(src) && !w.full(); i++ {
		ch := src[i]
		switch ch {
		case '\'':
			j := strings.IndexByte(src[i+1:], '\'')
			if j < 0 {
				cur.WriteString(src[i+1:])
				i = len(src)
			} else {
				cur.WriteString(src[i+1 : i+1+j])
				i += j + 1
			}
			inWord = true
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			inner := src[i+1 : min(j, len(src))]
			w.fallbackSubsts(inner, c)
			cur.WriteString(unescapeDquote(inner))
			i = j
			inWord = true
		case '\\':
			if i+1 < len(src) {
				i++
				if src[i] != '\n' {
					cur.WriteByte(src[i])
					inWord = true
				}
			}
		case '`':
			j := strings.IndexByte(src[i+1:], '`')
			if j < 0 {
				j = len(src) - i - 1
			}
			cc := c
			cc.subst = SubstCommand
			cc.depth++
			w.fallback(src[i+1:i+1+j], cc)
			cur.WriteString("$()")
			inWord = true
			i += j + 1
		case '$':
			if i+1 < len(src) && src[i+1] == '(' {
				j := matchParen(src, i+1)
				cc := c
				cc.subst = SubstCommand
				cc.depth++
				w.fallback(src[i+2:j], cc)
				cur.WriteString("$()")
				inWord = true
				i = j
				continue
			}
			cur.WriteByte(ch)
			inWord = true
		case ' ', '\t', '\r':
			flush()
		case '\n', ';':
			end(false)
		case '&':
			switch {
			case i+1 < len(src) && src[i+1] == '&':
				i++
				end(false)
			case (i+1 < len(src) && src[i+1] == '>') || (i > 0 && (src[i-1] == '>' || src[i-1] == '<')):
				cur.WriteByte(ch) // part of a redirection: >&, &>, 2>&1
				inWord = true
			default:
				end(false)
			}
		case '|':
			if i+1 < len(src) && src[i+1] == '|' {
				i++
				end(false)
			} else {
				end(true)
			}
		case '(', ')', '{', '}':
			flush()
		case '#':
			if !inWord {
				for i < len(src) && src[i] != '\n' {
					i++
				}
				end(false)
				continue
			}
			cur.WriteByte(ch)
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	end(false)
}

// fallbackSubsts tokenizes the command substitutions inside a
// double-quoted string.
func (w *walker) fallbackSubsts(s string, c ctx) {
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && s[i+1] == '(' {
			j := matchParen(s, i+1)
			cc := c
			cc.subst = SubstCommand
			cc.depth++
			w.fallback(s[i+2:j], cc)
			i = j
		} else if s[i] == '`' {
			j := strings.IndexByte(s[i+1:], '`')
			if j < 0 {
				return
			}
			cc := c
			cc.subst = SubstCommand
			cc.depth++
			w.fallback(s[i+1:i+1+j], cc)
			i += j + 1
		}
	}
}

// matchParen returns the index of the parenthesis closing the one at open,
// or len(s) when it is not closed.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		case '\'':
			if j := strings.IndexByte(s[i+1:], '\''); j >= 0 {
				i += j + 1
			}
		}
	}
	return len(s)
}

// splitRedirect recognises a redirection word of the fallback tokenizer
// ("2>&1", ">file", ">>", "<", "&>file").
func splitRedirect(a string) (op, fd, target string, ok bool) {
	i := 0
	for i < len(a) && a[i] >= '0' && a[i] <= '9' {
		i++
	}
	fd = a[:i]
	rest := a[i:]
	for _, o := range []string{"&>>", "&>", ">>", ">|", ">&", "<&", "<<<", "<<", "<>", ">", "<"} {
		if strings.HasPrefix(rest, o) {
			return o, fd, rest[len(o):], true
		}
	}
	return "", "", "", false
}
