package secrets

import (
	"slices"

	"github.com/sluicehq/sluice/evaluator/detect/internal/ahocorasick"
)

// scan is the per-call scratch state of Detect, pooled so that scanning a
// text with no secret allocates nothing.
type scan struct {
	d       *Detector
	text    string
	matches []ahocorasick.Match
	cands   []cand
	// done[rule index] is the end of the last region a rule already
	// examined, so overlapping keyword hits ("pass", "password") do not
	// make a rule examine the same assignment twice.
	done []int
}

// run finds the candidates in text, resolved so that no two overlap.
func (s *scan) run(text string) {
	s.text = text
	s.cands = s.cands[:0]
	if len(text) == 0 {
		return
	}
	s.matches = s.d.ac.AppendMatches(s.matches[:0], text)
	if len(s.matches) == 0 {
		return
	}
	if cap(s.done) < len(s.d.rules) {
		s.done = make([]int, len(s.d.rules))
	}
	s.done = s.done[:len(s.d.rules)]
	for i := range s.done {
		s.done[i] = -1
	}
	for _, m := range s.matches {
		for _, r := range s.d.kwRules[m.ID] {
			switch r.kind {
			case kindToken:
				s.token(r, m.Start, m.End)
			case kindKeyed:
				s.keyed(r, m.Start, m.End)
			case kindCustom:
				r.custom(s, r, m.Start, m.End)
			}
		}
	}
	s.resolve()
}

// add records a candidate after the checks every rule shares.
func (s *scan) add(r *rule, start, end int, conf float64) {
	s.addWith(r, start, end, conf, "", -1)
}

func (s *scan) addWith(r *rule, start, end int, conf float64, reason string, sev int8) {
	if start < 0 || end > len(s.text) || start >= end {
		return
	}
	v := s.text[start:end]
	if s.d.allowed(v) {
		return
	}
	s.cands = append(s.cands, cand{rule: r, start: start, end: end, conf: conf, reason: reason, sev: sev})
}

// resolve drops duplicates and, where spans overlap, keeps the candidate of
// the most specific rule (then the longer span, then the earlier rule).
func (s *scan) resolve() {
	if len(s.cands) < 2 {
		return
	}
	slices.SortFunc(s.cands, func(a, b cand) int {
		if a.start != b.start {
			return a.start - b.start
		}
		if a.end != b.end {
			return b.end - a.end
		}
		return a.rule.index - b.rule.index
	})
	better := func(a, b *cand) bool {
		if a.rule.prio != b.rule.prio {
			return a.rule.prio > b.rule.prio
		}
		if la, lb := a.end-a.start, b.end-b.start; la != lb {
			return la > lb
		}
		return a.rule.index < b.rule.index
	}
	out := s.cands[:0]
	for _, c := range s.cands {
		if n := len(out); n > 0 && c.start < out[n-1].end {
			if better(&c, &out[n-1]) {
				out[n-1] = c
			}
			continue
		}
		out = append(out, c)
	}
	s.cands = out
}

// boundaryOK reports whether text[start:end] is not glued to more token
// characters on either side.
func (s *scan) boundaryOK(r *rule, start, end int) bool {
	if start > 0 {
		c := s.text[start-1]
		if isAlnum(c) || r.leftT[c] {
			return false
		}
	}
	if end < len(s.text) {
		c := s.text[end]
		if isAlnum(c) || r.moreT[c] {
			return false
		}
	}
	return true
}

// token runs a token rule at a keyword hit.
func (s *scan) token(r *rule, ks, ke int) {
	text := s.text
	if r.back == 0 {
		if ks < s.done[r.index] {
			return
		}
		end := min(len(text), ks+r.fwd)
		loc := r.rx.FindStringSubmatchIndex(text[ks:end])
		if loc == nil {
			return
		}
		ms, me := ks+loc[0], ks+loc[1]
		if !s.boundaryOK(r, ms, me) {
			return
		}
		s.done[r.index] = me
		ss, se := ms, me
		if len(loc) >= 4 && loc[2] >= 0 {
			ss, se = ks+loc[2], ks+loc[3]
		}
		s.accept(r, ss, se)
		return
	}
	ws := max(0, ks-r.back, s.done[r.index])
	we := min(len(text), ks+r.fwd)
	for ws < we {
		loc := r.rx.FindStringSubmatchIndex(text[ws:we])
		if loc == nil {
			return
		}
		ms, me := ws+loc[0], ws+loc[1]
		if me == ms {
			return
		}
		if s.boundaryOK(r, ms, me) {
			ss, se := ms, me
			if len(loc) >= 4 && loc[2] >= 0 {
				ss, se = ws+loc[2], ws+loc[3]
			}
			if s.accept(r, ss, se) {
				s.done[r.index] = me
				return
			}
		}
		ws = ms + 1
	}
}

// accept applies the shared value checks to a token or keyed candidate.
func (s *scan) accept(r *rule, start, end int) bool {
	v := s.text[start:end]
	if r.validate != nil && !r.validate(v) {
		return false
	}
	if r.entropy > 0 && entropy(v) < r.entropy {
		return false
	}
	rp := v
	if r.randomPart != nil {
		rp = r.randomPart(v)
	} else {
		rp = stripPrefix(r, v)
	}
	if isPlaceholder(rp) || placeholderGroups(v) {
		return false
	}
	s.add(r, start, end, r.conf)
	return true
}

// stripPrefix removes a rule's literal keyword from the front of v, so that
// placeholder tests look at the variable part only.
func stripPrefix(r *rule, v string) string {
	for _, kw := range r.keywords {
		if len(kw) < len(v) && len(kw) <= 12 && equalFoldASCII(v[:len(kw)], kw) {
			return v[len(kw):]
		}
	}
	return v
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if toLower(a[i]) != toLower(b[i]) {
			return false
		}
	}
	return true
}

// keyed runs a keyed rule: the keyword must begin a word of an assignment's
// name, and the assigned value must match the rule's value pattern.
func (s *scan) keyed(r *rule, ks, ke int) {
	if ks < s.done[r.index] || !wordStart(s.text, ks) || !wordEnd(s.text, ke) {
		return
	}
	a, ok := parseAssign(s.text, ks, ke, true)
	if !ok {
		return
	}
	s.done[r.index] = a.valEnd
	v := s.text[a.valStart:a.valEnd]
	if !r.rx.MatchString(v) {
		return
	}
	s.accept(r, a.valStart, a.valEnd)
}

// wordStart reports whether position i of text starts a word of an
// identifier: the start of the text, after a non-letter, or at a
// lower-to-upper case change ("dataDog" has words "data" and "Dog").
func wordStart(text string, i int) bool {
	if i == 0 {
		return true
	}
	p, c := text[i-1], text[i]
	if !isAlpha(p) {
		return !isDigit(p) || !isAlpha(c)
	}
	return isLower(p) && isUpper(c)
}

// wordEnd reports whether position i of text ends a word of an identifier:
// the end of the text, before a non-letter, or at a lower-to-upper change.
func wordEnd(text string, i int) bool {
	if i >= len(text) || i == 0 {
		return true
	}
	p, c := text[i-1], text[i]
	if !isAlpha(c) {
		return true
	}
	return isLower(p) && isUpper(c)
}
