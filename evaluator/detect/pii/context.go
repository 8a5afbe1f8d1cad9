package pii

import (
	"strings"
	"unicode/utf8"
)

// Context words are looked up in a small window of text around a candidate,
// only once a candidate has passed its format and checksum, so the cost is
// per candidate, not per byte of the request.

const (
	ctxBefore    = 64 // bytes of text before a candidate searched for context
	ctxAfter     = 24 // bytes after it ("Z8078221M en mi NIE", "... är mitt pnr")
	ctxNegBefore = 24 // negative words must sit right before the value
	maxTokenLen  = 40 // longer tokens are never context words
)

// entMask is a set of entities.
type entMask uint32

func (m entMask) has(e entityID) bool { return m&(1<<e) != 0 }

// negBit marks a negative context word in a phrase's mask.
const negBit entMask = 1 << 31

// phrase is a context word or phrase after its first token: the remaining
// tokens to match and the entities it speaks for.
type phrase struct {
	rest []string
	mask entMask
}

// ctxIndex finds context words in a window by tokenizing it and looking each
// token up, instead of searching for every word.
type ctxIndex struct {
	first map[string][]phrase
	// substr holds words from scripts written without spaces (電話, 携帯),
	// which are found by substring search.
	substr []substrWord
}

type substrWord struct {
	word string
	mask entMask
}

// buildContext indexes the built-in context words plus extra ones per entity.
func buildContext(extra [][]string) *ctxIndex {
	ix := &ctxIndex{first: map[string][]phrase{}}
	for i := range entities {
		m := entMask(1) << i
		for _, w := range entities[i].context {
			ix.add(w, m)
		}
		if i < len(extra) {
			for _, w := range extra[i] {
				ix.add(w, m)
			}
		}
	}
	for _, w := range negativeContext {
		ix.add(w, negBit)
	}
	return ix
}

func (ix *ctxIndex) add(w string, m entMask) {
	w = strings.ToLower(strings.TrimSpace(w))
	toks := tokenize(w)
	if len(toks) == 0 {
		return
	}
	if r, _ := utf8.DecodeRuneInString(w); noSpaceScript(r) {
		for k := range ix.substr {
			if ix.substr[k].word == w {
				ix.substr[k].mask |= m
				return
			}
		}
		ix.substr = append(ix.substr, substrWord{w, m})
		return
	}
	list := ix.first[toks[0]]
	for k := range list {
		if equalStrings(list[k].rest, toks[1:]) {
			list[k].mask |= m
			return
		}
	}
	ix.first[toks[0]] = append(list, phrase{rest: toks[1:], mask: m})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// tokenize splits a configured word into tokens the way scanWindow splits
// text.
func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if !isTokenByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isTokenByte(s[j]) {
			j++
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// isTokenByte: ASCII letters and digits and any byte of a multi-byte UTF-8
// sequence (so "teléfono" is one token).
func isTokenByte(c byte) bool {
	return c >= 0x80 || isAlnum(c)
}

// scan returns the entities whose context words occur in t[from:to] (the
// negative bit included). A token cut by the window's start is ignored.
func (ix *ctxIndex) scan(t string, from, to int) entMask {
	if from < 0 {
		from = 0
	}
	if to > len(t) {
		to = len(t)
	}
	// Do not cut a UTF-8 sequence or a word in two at the window's start.
	for from < to && from > 0 && isTokenByte(t[from-1]) && isTokenByte(t[from]) {
		from++
	}
	var m entMask
	var buf [maxTokenLen]byte
	i := from
	nonASCII := false
	for i < to {
		c := t[i]
		if !isTokenByte(c) {
			i++
			continue
		}
		j := i
		for j < to && isTokenByte(t[j]) {
			if t[j] >= 0x80 {
				nonASCII = true
			}
			j++
		}
		if j-i <= maxTokenLen && !inConstantName(t, i, j) {
			k := lowerInto(buf[:], t[i:j])
			if list, ok := ix.first[string(buf[:k])]; ok {
				for p := range list {
					if matchRest(t, j, to, list[p].rest) {
						m |= list[p].mask
					}
				}
			}
		}
		i = j
	}
	if nonASCII && len(ix.substr) > 0 {
		w := t[from:to]
		for _, s := range ix.substr {
			if strings.Contains(w, s.word) {
				m |= s.mask
			}
		}
	}
	return m
}

// inConstantName reports whether the token t[i:j] is part of an
// upper-case snake identifier such as SYSTEM_CALL_DISABLE_MASK, a constant
// in code whose parts are not words about the number next to it. Keys in
// lower or mixed case ("card_number", "phoneNumber") still count.
func inConstantName(t string, i, j int) bool {
	a, b := i, j
	for a > 0 && (isAlnum(t[a-1]) || t[a-1] == '_') {
		a--
	}
	for b < len(t) && (isAlnum(t[b]) || t[b] == '_') {
		b++
	}
	id := t[a:b]
	if strings.IndexByte(id, '_') < 0 {
		return false
	}
	for k := 0; k < len(id); k++ {
		if id[k] >= 'a' && id[k] <= 'z' {
			return false
		}
	}
	return true
}

// matchRest reports whether the tokens following position j (each separated
// by one to three non-token bytes) are rest, ignoring ASCII case.
func matchRest(t string, j, to int, rest []string) bool {
	for _, want := range rest {
		gap := 0
		for j < to && !isTokenByte(t[j]) {
			j++
			gap++
		}
		if gap == 0 || gap > 3 {
			return false
		}
		k := j
		for k < to && isTokenByte(t[k]) {
			k++
		}
		if !equalFoldASCII(t[j:k], want) {
			return false
		}
		j = k
	}
	return true
}

// lowerInto writes s lower-cased (ASCII only) into buf and returns its length.
func lowerInto(buf []byte, s string) int {
	n := copy(buf, s)
	for i := 0; i < n; i++ {
		if c := buf[i]; c >= 'A' && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return n
}

// equalFoldASCII compares s with the lower-case word w, folding ASCII case in s.
func equalFoldASCII(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}
