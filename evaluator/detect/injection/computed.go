package injection

import "strings"

// Rules computed from the shape of the text rather than from terms.

// Adversarial suffixes. Optimizer-found suffixes (GCG and kin) read like a
// tokenizer's leftovers: brackets and exclamation marks standing alone
// ("[ [ [", "! ! !"), words glued to stray punctuation ("oppositeley.](",
// "giving**ONE"), camel-case joins of unrelated fragments
// ("similarlyNow"). A line is flagged when a window of its words is
// dense with such tokens. Code is kept out by what code does and these
// suffixes do not: balanced brackets inside tokens, operators between
// identifiers, statements ending in ";".

var suffixWeights = weights{0.8, 0.75, 0.5}

const (
	suffixWindow   = 8   // tokens per window
	suffixMinScore = 0.4 // weirdness per token in the window
	suffixMinWeird = 3   // weird tokens in the window
)

// adversarialSuffix reports the span of the densest weird window of text.
func adversarialSuffix(text string) (int, int, bool) {
	if len(text) < 24 {
		return 0, 0, false
	}
	type tok struct {
		start, end int
		weird      float32
		lone       bool
	}
	var toks [64]tok
	lineStart := 0
	for lineStart < len(text) {
		lineEnd := strings.IndexByte(text[lineStart:], '\n')
		if lineEnd < 0 {
			lineEnd = len(text)
		} else {
			lineEnd += lineStart
		}
		line := text[lineStart:lineEnd]
		if !oddEnough(line) || codeLike(line) {
			lineStart = lineEnd + 1
			continue
		}
		n := 0
		for i := 0; i < len(line); {
			for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
				i++
			}
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
				j++
			}
			if j > i {
				w, lone := tokenWeirdness(line[i:j])
				if n == len(toks) {
					copy(toks[:], toks[len(toks)/2:])
					n = len(toks) / 2
				}
				toks[n] = tok{lineStart + i, lineStart + j, w, lone}
				n++
				if n >= suffixWindow {
					var sum float32
					count, lones := 0, 0
					for _, t := range toks[n-suffixWindow : n] {
						sum += t.weird
						if t.weird >= 1 {
							count++
						}
						if t.lone {
							lones++
						}
					}
					if sum/suffixWindow >= suffixMinScore && count >= suffixMinWeird && lones < suffixWindow-1 {
						return toks[n-suffixWindow].start, toks[n-1].end, true
					}
				}
			}
			i = j
		}
		lineStart = lineEnd + 1
	}
	return 0, 0, false
}

// oddEnough is the cheap first look at a line: a suffix window needs at
// least suffixMinWeird tokens with brackets, marks or glued punctuation,
// or camel-case joins, so a line with fewer odd bytes and capitals cannot
// hold one.
func oddEnough(line string) bool {
	if len(line) < 24 {
		return false
	}
	// Branch-free: an odd byte counts 1, a capital counts 1 when the byte
	// before it is a small letter.
	odd, lower := 0, 0
	for i := 0; i < len(line); i++ {
		k := oddClass[line[i]]
		odd += int(k&oddMark) + int(k>>oddUpperShift)&lower
		lower = int(k>>oddLowerShift) & 1
	}
	return odd >= suffixMinWeird
}

// oddClass marks the bytes oddEnough counts: brackets and marks, capitals
// and small letters.
const (
	oddMark       = 1
	oddUpperShift = 1
	oddLowerShift = 2
)

var oddClass = func() (t [256]uint8) {
	for _, c := range []byte("[](){}\\^`!$*~+") {
		t[c] = oddMark
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 1 << oddUpperShift
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 1 << oddLowerShift
	}
	return t
}()

// tokenWeirdness scores one white-space-delimited token: 1 for a stray
// bracket or mark standing alone or a word glued to unbalanced
// punctuation, 0.5 for a camel-case join inside a word, 0 otherwise.
func tokenWeirdness(t string) (float32, bool) {
	letters, odd, brackets, depth := 0, 0, 0, 0
	allOdd, unbalanced := true, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			letters++
			allOdd = false
		case c == '[' || c == '(' || c == '{':
			brackets++
			depth++
			odd++
		case c == ']' || c == ')' || c == '}':
			brackets++
			depth--
			if depth < 0 {
				unbalanced = true
			}
			odd++
		case c == '\\' || c == '^' || c == '`' || c == '!' || c == '$' || c == '*' || c == '~':
			odd++
		default:
			allOdd = false
		}
	}
	if allOdd && odd > 0 {
		return 1, true
	}
	if t == "+" {
		return 0.5, false
	}
	if letters > 0 {
		glued := strings.Contains(t, "\\") || strings.Contains(t, "^") ||
			((unbalanced || depth != 0) && brackets >= 1 && odd >= 2) || innerStars(t)
		if glued {
			return 1, false
		}
		if camelJoin(t) {
			return 0.5, false
		}
	}
	return 0, false
}

// innerStars reports "**" or "`" with letters on both sides ("giving**ONE").
func innerStars(t string) bool {
	for _, m := range []string{"**", "`"} {
		if i := strings.Index(t, m); i > 0 && i+len(m) < len(t) {
			if isASCIILetter(t[i-1]) && isASCIILetter(t[i+len(m)]) {
				return true
			}
		}
	}
	return false
}

// camelJoin reports a lower-to-upper-to-lower change inside a word after
// its first letters ("similarlyNow", "UkrainBrainz").
func camelJoin(t string) bool {
	for i := 2; i+1 < len(t); i++ {
		if t[i] >= 'A' && t[i] <= 'Z' && t[i-1] >= 'a' && t[i-1] <= 'z' && t[i+1] >= 'a' && t[i+1] <= 'z' {
			return true
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// codeLike reports lines that read as source code or markup rather than
// prose with a suffix: statements and operators between identifiers.
func codeLike(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" {
		return true
	}
	if strings.HasSuffix(t, ";") || strings.HasSuffix(t, "{") || strings.HasPrefix(t, "|") ||
		strings.HasPrefix(t, "//") || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "$ ") {
		return true
	}
	return hasOperator(t)
}

// hasOperator reports whether t holds " = ", " == ", " != ", " => ",
// " -> ", " := ", " && ", " || ", " += " or "()", in one pass.
func hasOperator(t string) bool {
	for i := 0; i+1 < len(t); i++ {
		switch t[i] {
		case '(':
			if t[i+1] == ')' {
				return true
			}
		case ' ':
			rest := t[i+1:]
			if len(rest) >= 2 && rest[0] == '=' && rest[1] == ' ' {
				return true
			}
			if len(rest) >= 3 && rest[2] == ' ' {
				switch rest[:2] {
				case "==", "!=", "=>", "->", ":=", "&&", "||", "+=":
					return true
				}
			}
		}
	}
	return false
}

// Many-shot dialogues. A long run of fake turns ("User: ... Assistant:
// ...") steers a model by example; a few turns are an ordinary few-shot
// prompt or a quoted chat.

var manyShotWeights = weights{0.55, 0.65, 0.45}

// manyShotTurns is the number of alternating turns reported.
const manyShotTurns = 16

var turnMarkers = []string{"user:", "human:", "assistant:", "ai:", "q:", "a:", "question:", "answer:",
	"bot:", "chatbot:", "model:", "person a:", "person b:", "user 1:", "user 2:"}

// markerEnd holds the bytes a turn marker can end with before its colon,
// in either case: most colons in code and prose ("type: ", "Note: ") are
// turned away on the byte before them.
var markerEnd = func() (t [256]bool) {
	for _, m := range turnMarkers {
		c := m[len(m)-2]
		t[c] = true
		if c >= 'a' && c <= 'z' {
			t[c-'a'+'A'] = true
		}
	}
	return t
}()

// dialogueTurns counts alternating turn markers in text and returns the
// count and the span from the first marker to the end of the last one.
func dialogueTurns(text string) (int, int, int) {
	turns, start, end := 0, -1, 0
	last := ""
	// Every marker ends in ": ", so look at the colons only.
	for i := 0; i < len(text); {
		c := strings.IndexByte(text[i:], ':')
		if c < 0 {
			break
		}
		c += i
		i = c + 1
		if c+1 >= len(text) || text[c+1] != ' ' || c == 0 || !markerEnd[text[c-1]] {
			continue
		}
		for _, m := range turnMarkers {
			mw := m[:len(m)-1] // without the colon
			w := c - len(mw)
			if w < 0 || !strings.EqualFold(text[w:c], mw) || !turnStart(text, w) {
				continue
			}
			if m != last {
				turns++
				last = m
				if start < 0 {
					start = w
				}
				end = c + 1
			}
			break
		}
	}
	if start < 0 {
		return 0, 0, 0
	}
	return turns, start, end
}

// turnStart reports whether a turn marker may start at text[w]: at the
// start of the text or of a line, or after the end of a sentence.
func turnStart(text string, w int) bool {
	if w == 0 || text[w-1] == '\n' {
		return true
	}
	return text[w-1] == ' ' && w > 1 && strings.IndexByte(".?!\n\"", text[w-2]) >= 0
}

// Payload splitting. An instruction cut into string fragments assigned to
// variables ('a = "Ignore all"', 'b = "previous instructions"') and joined
// back ("a + b") gets past rules that read the text as written. The
// fragments are joined and judged as another view of the segment.

// splitPayload returns the fragments of a split payload joined with
// spaces, and the span from the first assignment to the last, when text
// assigns at least two quoted strings to short names and asks for them to
// be joined.
func splitPayload(text string) (string, int, int, bool) {
	if strings.IndexByte(text, '=') < 0 {
		return "", 0, 0, false
	}
	var frags []string
	start, end := -1, 0
	for i := 0; i < len(text); i++ {
		if text[i] != '=' || (i+1 < len(text) && text[i+1] == '=') || (i > 0 && strings.IndexByte("=!<>", text[i-1]) >= 0) {
			continue
		}
		// Name before '='.
		j := i - 1
		for j >= 0 && text[j] == ' ' {
			j--
		}
		k := j
		for k >= 0 && (isASCIILetter(text[k]) || text[k] >= '0' && text[k] <= '9' || text[k] == '_') {
			k--
		}
		if j-k < 1 || j-k > 12 {
			continue
		}
		// Quoted value after '='.
		v := i + 1
		for v < len(text) && text[v] == ' ' {
			v++
		}
		if v >= len(text) || (text[v] != '"' && text[v] != '\'' && text[v] != '`') {
			continue
		}
		q := text[v]
		e := strings.IndexByte(text[v+1:], q)
		if e < 0 || e > 200 {
			continue
		}
		frags = append(frags, text[v+1:v+1+e])
		if start < 0 {
			start = k + 1
		}
		end = v + 2 + e
		i = end - 1
	}
	if len(frags) < 2 || !joinCue(text) {
		return "", 0, 0, false
	}
	return strings.Join(frags, " "), start, end, true
}

// joinCue reports an instruction to join fragments: a "+" between names or
// a word such as "concatenate" or "combine".
func joinCue(text string) bool {
	low := strings.ToLower(text)
	for _, w := range []string{"concatenat", "combine", "join", "together", "merge", "a + b", "a+b", "x + y",
		"x+y", "+ b", "+ c", "+ y", "+ z"} {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}
