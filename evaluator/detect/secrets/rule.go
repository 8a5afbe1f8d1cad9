package secrets

import (
	"regexp"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// kind says how a rule turns a keyword hit into a candidate secret.
type kind uint8

const (
	// kindToken rules describe a credential by its own format (a provider
	// prefix, a fixed length, a marker inside it). Their regular expression
	// runs only in a small window around the keyword.
	kindToken kind = iota
	// kindKeyed rules describe a credential that has no format of its own
	// (32 hex digits, a UUID): the keyword must be part of the name it is
	// assigned to ("DATADOG_API_KEY=..."), and the value must match.
	kindKeyed
	// kindCustom rules run hand-written code (private key blocks, JWTs,
	// credential URIs, generic assignments, ...).
	kindCustom
)

// Priorities decide between rules that claim overlapping spans: the most
// specific explanation of a value wins.
const (
	prioGeneric    = 10
	prioHeader     = 20
	prioStructured = 40
	prioKeyed      = 60
	prioToken      = 80
	prioValidated  = 90
)

// cand is a candidate finding inside one text.
type cand struct {
	rule       *rule
	start, end int
	conf       float64
	reason     string // overrides rule.reason when set
	sev        int8   // overrides rule.sev when >= 0
}

// scanFunc is the signature of custom rules: it looks at the keyword hit
// text[ks:ke] and appends candidates.
type scanFunc func(s *scan, r *rule, ks, ke int)

// rule is one detection rule. Rules are values in tables (rules_*.go) and
// are compiled once by New.
type rule struct {
	id       string // snake_case, without the "secret." family prefix
	reason   string // safe to show an end user; never includes the value
	sev      detect.Severity
	keywords []string
	// cs makes keywords case-sensitive (provider prefixes such as "AKIA").
	cs bool
	// ciKeywords are extra keywords that always match in either case, for
	// rules whose main keywords are case-sensitive.
	ciKeywords []string
	kind       kind

	// kindToken: re matches the token; its first capture group, when it has
	// one, is the secret. When back is 0 the match must start at the
	// keyword; otherwise it is searched for in [kw-back, kw+fwd).
	re        string
	back, fwd int
	// more lists characters that, like letters and digits, continue a token:
	// a match touching one of them on either side is part of something
	// longer and is rejected.
	more string
	// leftMore, when set, replaces more for the character before a match
	// (URLs follow a "/", assignments an "=").
	leftMore *string

	// kindKeyed: value must match the whole assigned value.
	value string

	// entropy is a minimum Shannon entropy (bits per byte) of the secret.
	entropy float64
	// randomPart, when set, is the part of the secret the placeholder test
	// looks at (the secret minus its fixed prefix and checksum, say).
	randomPart func(secret string) string
	// validate, when set, must accept the secret (checksums, decodings).
	validate func(secret string) bool
	conf     float64
	prio     int
	custom   scanFunc

	examples []detect.Example

	rx    *regexp.Regexp
	moreT [256]bool
	leftT [256]bool
	index int
}

func (r *rule) detector() string { return "secret." + r.id }

// Option tweaks a rule in a table entry.
type ropt func(*rule)

func withMore(chars string) ropt            { return func(r *rule) { r.more = chars } }
func withLeftMore(chars string) ropt        { return func(r *rule) { r.leftMore = &chars } }
func withEntropy(h float64) ropt            { return func(r *rule) { r.entropy = h } }
func withWindow(back, fwd int) ropt         { return func(r *rule) { r.back, r.fwd = back, fwd } }
func withValidate(f func(string) bool) ropt { return func(r *rule) { r.validate = f } }
func withKeywords(kw ...string) ropt        { return func(r *rule) { r.keywords = append(r.keywords, kw...) } }
func withCIKeywords(kw ...string) ropt {
	return func(r *rule) { r.ciKeywords = append(r.ciKeywords, kw...) }
}
func withConf(c float64) ropt { return func(r *rule) { r.conf = c } }
func withPrio(p int) ropt     { return func(r *rule) { r.prio = p } }
func withRandomPart(f func(string) string) ropt {
	return func(r *rule) { r.randomPart = f }
}
func caseInsensitive() ropt { return func(r *rule) { r.cs = false } }
func examples(ex ...detect.Example) ropt {
	return func(r *rule) { r.examples = append(r.examples, ex...) }
}

func tp(s string) detect.Example { return detect.Example{Text: s, Positive: true} }
func fp(s string) detect.Example { return detect.Example{Text: s} }

// tok declares a token rule whose keyword is the token's literal,
// case-sensitive prefix: the regex is matched at the keyword.
func tok(id, reason string, sev detect.Severity, prefix, re string, opts ...ropt) *rule {
	r := &rule{id: id, reason: reason, sev: sev, keywords: []string{prefix}, cs: true, kind: kindToken,
		re: re, fwd: 8192, conf: 1, prio: prioToken}
	for _, o := range opts {
		o(r)
	}
	return r
}

// keyed declares a rule for a credential with no format of its own: one of
// keywords must start a word of the name the value is assigned to.
func keyed(id, reason string, sev detect.Severity, keywords []string, value string, opts ...ropt) *rule {
	r := &rule{id: id, reason: reason, sev: sev, keywords: keywords, kind: kindKeyed, value: value,
		conf: 0.8, prio: prioKeyed}
	for _, o := range opts {
		o(r)
	}
	return r
}

// custom declares a hand-written rule.
func custom(id, reason string, sev detect.Severity, keywords []string, f scanFunc, opts ...ropt) *rule {
	r := &rule{id: id, reason: reason, sev: sev, keywords: keywords, kind: kindCustom, custom: f,
		conf: 1, prio: prioStructured}
	for _, o := range opts {
		o(r)
	}
	return r
}
