// Package secrets finds credentials in LLM traffic: provider API keys and
// tokens, cloud credentials, private keys, JWTs, passwords in connection
// URIs and generic "key = value" assignments.
//
// Every request body passes through it, so it is built for the common case
// of finding nothing: one Aho-Corasick pass over each text finds the
// keywords that any rule needs (provider prefixes such as "ghp_" or "AKIA",
// names such as "password"), and only rules whose keyword is present run,
// each only in a small window around the hit. Regular expressions are
// compiled once, in New. A text with no keyword costs one table lookup per
// byte and no allocation.
//
// Rules explain themselves: each has a stable id (reported as
// "secret.<id>"), a reason safe for an end user, a severity, and labelled
// true- and false-positive examples that the package tests check. False
// positives are kept down by format validation (GitHub checksums, JWT
// headers, base64 payloads), by recognising placeholders and templates
// ("<YOUR_API_KEY>", "${TOKEN}", "xxxx", "AKIAIOSFODNN7EXAMPLE"), and, for
// values with no format of their own, by entropy and a dictionary test that
// tells machine-made strings from words and identifiers.
package secrets

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/detect/internal/ahocorasick"
	"github.com/sluicehq/sluice/evaluator/normalize"
)

// Config adjusts the rule set for a deployment. The zero value enables
// every rule with the built-in thresholds.
type Config struct {
	// Disable lists rule ids to turn off, with or without the "secret."
	// prefix ("jwt", "secret.generic_assignment").
	Disable []string
	// AllowValues are exact values that are never reported, such as an
	// organisation's published test keys.
	AllowValues []string
	// AllowPatterns are regular expressions (RE2 syntax); a candidate secret
	// that any of them matches is not reported.
	AllowPatterns []string
	// MinGenericEntropy overrides the minimum Shannon entropy, in bits per
	// character, that rules for values with no format of their own (generic
	// assignments, authorization headers) require. Zero keeps the built-in,
	// length-dependent threshold.
	MinGenericEntropy float64
}

// Detector is the secret detector family. It is safe for concurrent use.
type Detector struct {
	rules      []*rule
	ac         *ahocorasick.Matcher
	kwRules    [][]*rule // keyword id -> rules it triggers
	allowVals  map[string]bool
	allowRx    []*regexp.Regexp
	minEntropy float64
	pool       sync.Pool
}

// RuleInfo describes one rule for documentation and policy validation.
type RuleInfo struct {
	ID       string // detector id, "secret.<rule>"
	Reason   string
	Severity detect.Severity
	Examples []detect.Example
}

// Rules lists the built-in rules in a fixed order.
func Rules() []RuleInfo {
	rs := defaultRules()
	out := make([]RuleInfo, len(rs))
	for i, r := range rs {
		out[i] = RuleInfo{ID: r.detector(), Reason: r.reason, Severity: r.sev, Examples: r.examples}
	}
	return out
}

// defaultRules returns fresh copies of every built-in rule.
func defaultRules() []*rule {
	var out []*rule
	for _, table := range [][]*rule{
		cloudRules(), codeHostRules(), chatRules(), paymentRules(), aiRules(), saasRules(),
		registryRules(), structuredRules(), genericRules(),
	} {
		out = append(out, table...)
	}
	return out
}

// New compiles the rules. It fails on an unknown rule id in cfg.Disable or
// an invalid allow pattern.
func New(cfg Config) (*Detector, error) {
	d := &Detector{minEntropy: cfg.MinGenericEntropy, allowVals: map[string]bool{}}
	rules := defaultRules()
	known := map[string]bool{}
	for _, r := range rules {
		if known[r.id] {
			return nil, fmt.Errorf("secrets: duplicate rule id %q", r.id)
		}
		known[r.id] = true
	}
	disabled := map[string]bool{}
	for _, id := range cfg.Disable {
		id = strings.TrimPrefix(id, "secret.")
		if !known[id] {
			return nil, fmt.Errorf("secrets: cannot disable unknown rule %q", id)
		}
		disabled[id] = true
	}
	for _, v := range cfg.AllowValues {
		d.allowVals[v] = true
	}
	for _, p := range cfg.AllowPatterns {
		rx, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("secrets: allow pattern %q: %w", p, err)
		}
		d.allowRx = append(d.allowRx, rx)
	}
	if cfg.MinGenericEntropy < 0 || cfg.MinGenericEntropy > 8 {
		return nil, fmt.Errorf("secrets: MinGenericEntropy %.2f is outside 0..8 bits per character", cfg.MinGenericEntropy)
	}

	var pats []ahocorasick.Pattern
	patIndex := map[ahocorasick.Pattern]int{}
	for _, r := range rules {
		if disabled[r.id] {
			continue
		}
		if err := r.compile(); err != nil {
			return nil, err
		}
		r.index = len(d.rules)
		d.rules = append(d.rules, r)
		kws := make([]ahocorasick.Pattern, 0, len(r.keywords)+len(r.ciKeywords))
		for _, kw := range r.keywords {
			kws = append(kws, ahocorasick.Pattern{Text: kw, FoldCase: !r.cs})
		}
		for _, kw := range r.ciKeywords {
			kws = append(kws, ahocorasick.Pattern{Text: kw, FoldCase: true})
		}
		for _, p := range kws {
			if p.FoldCase {
				p.Text = strings.ToLower(p.Text)
			}
			id, ok := patIndex[p]
			if !ok {
				id = len(pats)
				patIndex[p] = id
				pats = append(pats, p)
				d.kwRules = append(d.kwRules, nil)
			}
			if !slices.Contains(d.kwRules[id], r) {
				d.kwRules[id] = append(d.kwRules[id], r)
			}
		}
	}
	if len(pats) == 0 {
		return d, nil
	}
	ac, err := compileKeywords(pats)
	if err != nil {
		return nil, fmt.Errorf("secrets: keywords: %w", err)
	}
	d.ac = ac
	d.pool.New = func() any { return &scan{d: d} }
	return d, nil
}

func (r *rule) compile() error {
	if r.id == "" || strings.ToLower(r.id) != r.id || strings.ContainsAny(r.id, " .-") {
		return fmt.Errorf("secrets: rule id %q is not snake_case", r.id)
	}
	if len(r.keywords) == 0 {
		return fmt.Errorf("secrets: rule %s has no keyword", r.id)
	}
	left := strings.ReplaceAll(r.more, "=", "")
	if r.leftMore != nil {
		left = *r.leftMore
	}
	for _, c := range []byte(r.more) {
		r.moreT[c] = true
	}
	for _, c := range []byte(left) {
		r.leftT[c] = true
	}
	switch r.kind {
	case kindToken:
		src := r.re
		if r.back == 0 {
			src = `^(?:` + src + `)`
		}
		rx, err := compileCached(src)
		if err != nil {
			return fmt.Errorf("secrets: rule %s: %w", r.id, err)
		}
		r.rx = rx
	case kindKeyed:
		rx, err := compileCached(`^(?:` + r.value + `)$`)
		if err != nil {
			return fmt.Errorf("secrets: rule %s: %w", r.id, err)
		}
		r.rx = rx
	case kindCustom:
		if r.custom == nil {
			return fmt.Errorf("secrets: rule %s has no scanner", r.id)
		}
	}
	return nil
}

// Name returns the family name.
func (d *Detector) Name() string { return "secret" }

// SegmentLocal marks the family segment-local (detect.SegmentLocal): a
// secret is found in the text it is in.
func (d *Detector) SegmentLocal() {}

// Detect appends a finding for every secret in the segments of in.
func (d *Detector) Detect(in *detect.Input, out []detect.Finding) []detect.Finding {
	if d.ac == nil || in == nil || in.IX == nil {
		return out
	}
	s := d.pool.Get().(*scan)
	defer d.pool.Put(s)
	for i := range in.IX.Segments {
		if in.Skipped(i) {
			continue
		}
		seg := &in.IX.Segments[i]
		s.run(seg.Text)
		base := len(out)
		for _, c := range s.cands {
			out = append(out, d.finding(in, i, seg.Text, c, c.start, c.end))
		}
		if i >= len(in.Norm) {
			continue
		}
		norm := &in.Norm[i]
		if norm.Changed && mayHide(seg.Text, norm) {
			// Secrets hidden with invisible or compatibility characters show
			// up only in the normalized text; their offsets do not map back,
			// so the finding covers the whole segment.
			out = d.derived(in, i, norm.Text, 0, len(seg.Text), out, base, s)
		}
		for _, dec := range norm.Decoded {
			out = d.derived(in, i, dec.Text, dec.Start, dec.End, out, base, s)
		}
	}
	return out
}

// derived scans text derived from a segment and appends the findings it
// has that the segment's own scan did not, with span [start,end) of the
// segment.
func (d *Detector) derived(in *detect.Input, i int, text string, start, end int, out []detect.Finding, base int, s *scan) []detect.Finding {
	s.run(text)
	seg := in.IX.Segments[i].Text
	for _, c := range s.cands {
		v := text[c.start:c.end]
		dup := false
		for k := base; k < len(out); k++ {
			f := &out[k]
			if f.Detector == c.rule.detector() && f.Evidence == detect.Mask(v) {
				dup = true
				break
			}
			// The raw scan may have seen a piece of the same secret, cut
			// by the hidden characters: the derived finding replaces it
			// when it is the more specific explanation.
			orig := stripInvisible(seg[f.Start:f.End])
			if f.Start >= start && f.End <= end && (strings.Contains(v, orig) || strings.Contains(orig, v)) {
				if d.rules[c.rule.index].prio > d.prioOf(f.Detector) {
					out = append(out[:k], out[k+1:]...)
					k--
					continue
				}
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, d.finding(in, i, text, c, start, end))
		}
	}
	return out
}

// prioOf returns the priority of the rule behind a detector id.
func (d *Detector) prioOf(detector string) int {
	id := strings.TrimPrefix(detector, "secret.")
	for _, r := range d.rules {
		if r.id == id {
			return r.prio
		}
	}
	return 0
}

// stripInvisible removes the characters normalization deletes (zero-width,
// bidi controls, soft hyphens, tag characters).
func stripInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0x200B && r <= 0x200F, r == 0x2060, r == 0xFEFF, r == 0x00AD,
			r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r >= 0xE0000 && r <= 0xE007F:
			return -1
		}
		return r
	}, s)
}

func (d *Detector) finding(in *detect.Input, seg int, text string, c cand, start, end int) detect.Finding {
	sev := c.rule.sev
	if c.sev >= 0 {
		sev = detect.Severity(c.sev)
	}
	reason := c.rule.reason
	if c.reason != "" {
		reason = c.reason
	}
	return detect.Finding{
		Category:   detect.CategorySecret,
		Detector:   c.rule.detector(),
		Severity:   sev,
		Confidence: c.conf,
		Segment:    seg,
		Location:   in.IX.Segments[seg].Location,
		Start:      start,
		End:        end,
		Evidence:   detect.Mask(text[c.start:c.end]),
		Reason:     reason,
	}
}

// allowed reports whether the deployment allow-listed v.
func (d *Detector) allowed(v string) bool {
	if d.allowVals[v] {
		return true
	}
	for _, rx := range d.allowRx {
		if rx.MatchString(v) {
			return true
		}
	}
	return false
}

// mayHide reports whether normalization could have revealed a secret the
// raw text does not show: invisible characters were removed, or the text
// has full-width or mathematical letters and digits that NFKC folds to
// ASCII. Other changes (typographic quotes, ellipses, accents) cannot turn
// a non-secret into one, so the rescan is skipped.
func mayHide(text string, norm *normalize.Result) bool {
	if len(norm.Hidden) > 0 {
		return true
	}
	// U+FF01..U+FF5E (full-width ASCII) encode as EF BC 81..EF BD 9E;
	// mathematical alphanumerics (U+1D400..U+1D7FF) start with F0 9D.
	return strings.Contains(text, "\xef\xbc") || strings.Contains(text, "\xef\xbd") || strings.Contains(text, "\xf0\x9d")
}

// Compiled regular expressions and keyword automata are immutable and safe
// for concurrent use, so detectors built from the same rules share them:
// a policy reload or a test that builds many detectors does not pay for
// compiling a few hundred expressions each time.
var (
	cacheMu sync.Mutex
	rxCache = map[string]*regexp.Regexp{}
	acCache = map[string]*ahocorasick.Matcher{}
)

func compileCached(src string) (*regexp.Regexp, error) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if rx, ok := rxCache[src]; ok {
		return rx, nil
	}
	rx, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	rxCache[src] = rx
	return rx, nil
}

func compileKeywords(pats []ahocorasick.Pattern) (*ahocorasick.Matcher, error) {
	var b strings.Builder
	for _, p := range pats {
		if p.FoldCase {
			b.WriteByte('i')
		} else {
			b.WriteByte('s')
		}
		b.WriteString(p.Text)
		b.WriteByte(0)
	}
	key := b.String()
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if m, ok := acCache[key]; ok {
		return m, nil
	}
	m, err := ahocorasick.Compile(pats)
	if err != nil {
		return nil, err
	}
	if len(acCache) < 16 {
		acCache[key] = m
	}
	return m, nil
}
