package toolrisk

import (
	"strconv"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// Family is the detector family name; finding ids are "toolrisk.<rule>".
const Family = "toolrisk"

// Config configures the detector. The zero value is usable and gives the
// built-in behaviour.
type Config struct {
	// SafeTools, SensitiveTools and DangerousTools are tool-name patterns
	// (globs, or "re:" + a regular expression) checked by Categorize before
	// the built-in defaults, in the order dangerous, sensitive, safe.
	SafeTools, SensitiveTools, DangerousTools []string
	// NoDefaultCategories drops the built-in category patterns, so that only
	// the configured ones apply.
	NoDefaultCategories bool
	// ReportDangerousCalls reports every call to a dangerous tool as a
	// low-severity toolrisk.dangerous_tool_call, for audit trails. Off by
	// default: an agent's every shell call would be a finding. Calls whose
	// command cannot be resolved statically are reported regardless.
	ReportDangerousCalls bool
	// ProtectedBranches are branch-name globs a force push to is high
	// severity. Default: main, master, trunk, develop, production, prod,
	// release, release/*, stable.
	ProtectedBranches []string
}

// Detector finds risky tool calls. It is safe for concurrent use.
type Detector struct {
	safe, sensitive, dangerous Patterns
	defaults                   bool
	reportDangerous            bool
	protected                  []string
}

var defaultProtected = []string{"main", "master", "trunk", "develop", "development", "production", "prod", "release", "release/*", "stable", "live"}

// New builds a detector.
func New(cfg Config) (*Detector, error) {
	d := &Detector{defaults: !cfg.NoDefaultCategories, reportDangerous: cfg.ReportDangerousCalls}
	var err error
	if d.safe, err = CompilePatterns(cfg.SafeTools); err != nil {
		return nil, err
	}
	if d.sensitive, err = CompilePatterns(cfg.SensitiveTools); err != nil {
		return nil, err
	}
	if d.dangerous, err = CompilePatterns(cfg.DangerousTools); err != nil {
		return nil, err
	}
	d.protected = defaultProtected
	if len(cfg.ProtectedBranches) > 0 {
		d.protected = make([]string, len(cfg.ProtectedBranches))
		for i, b := range cfg.ProtectedBranches {
			d.protected[i] = strings.ToLower(b)
		}
	}
	return d, nil
}

// Name returns the family name.
func (d *Detector) Name() string { return Family }

// Categorize returns "safe", "sensitive", "dangerous" or "unknown" for a
// tool name, from the configured patterns first and then the defaults.
func (d *Detector) Categorize(name string) string {
	switch {
	case d.dangerous.Match(name):
		return CategoryDangerous
	case d.sensitive.Match(name):
		return CategorySensitive
	case d.safe.Match(name):
		return CategorySafe
	case !d.defaults:
		return CategoryUnknown
	case defaultDangerous.Match(name):
		return CategoryDangerous
	case defaultSensitive.Match(name):
		return CategorySensitive
	case defaultSafe.Match(name):
		return CategorySafe
	}
	return CategoryUnknown
}

// Match is one rule firing on a payload, as CheckPayload reports it.
type Match struct {
	Detector string // "toolrisk.<rule>"
	Severity detect.Severity
	Reason   string
	Evidence string // masked
}

// CheckShell judges one shell command as if a shell tool were asked to run
// it.
func (d *Detector) CheckShell(command string) []Match {
	return d.CheckPayload(Payload{Kind: PayloadShell, Text: command})
}

// CheckPayload judges one payload and returns the strongest match of each
// rule, in the order rules first fired.
func (d *Detector) CheckPayload(p Payload) []Match {
	k := checker{protected: d.protected}
	d.analyze(&k, &p)
	hs := strongest(k.hits)
	out := make([]Match, len(hs))
	for i, h := range hs {
		out[i] = Match{Detector: Family + "." + h.rule, Severity: h.sev, Reason: h.reason, Evidence: h.evidence}
	}
	return out
}

// analyze runs the rules over one payload, appending to k.hits.
func (d *Detector) analyze(k *checker, p *Payload) (opaque bool) {
	switch p.Kind {
	case PayloadShell:
		if !needsAnalysis(p.Text) {
			return false
		}
		k.s = ParseShell(p.Text)
		k.downloaded = nil
		k.run()
		return k.s.Truncated || dynamicName(k.s)
	case PayloadArgv:
		k.s = ParseArgv(p.Argv)
		k.downloaded = nil
		k.run()
		return k.s.Truncated || dynamicName(k.s)
	case PayloadSQL:
		k.s = &Script{}
		k.sql(p.Text, nil)
	case PayloadCode:
		if p.Lang == "powershell" || p.Lang == "cmd" {
			k.s = &Script{Code: []Code{{Lang: p.Lang, Text: p.Text, Cmd: -1}}, Texts: []string{p.Text}}
		} else {
			k.s = ParseCode(p.Lang, p.Text)
		}
		k.downloaded = nil
		k.run()
		return k.s.Truncated
	case PayloadText:
		k.s = &Script{}
		k.injection(p.Text)
	case PayloadWrite:
		if rule, s, reason, ok := judgeWrite(p.Text, false, false); ok {
			k.hits = append(k.hits, hit{rule: rule, sev: s, reason: reason, evidence: detect.Excerpt("write " + p.Text)})
		}
	}
	return false
}

// dynamicName reports a top-level command whose name could not be
// resolved: `$CMD -rf /`, `$(decode) args`.
func dynamicName(s *Script) bool {
	for i := range s.Commands {
		c := &s.Commands[i]
		if c.Depth == 0 && (strings.HasPrefix(c.Path, "$") || strings.HasPrefix(c.Path, "<()")) && len(c.Args) > 0 {
			return true
		}
	}
	return false
}

// strongest keeps the strongest hit of each rule, in first-seen order.
func strongest(hs []hit) []hit {
	return detect.StrongestPerRule(hs, func(h *hit) string { return h.rule }, func(h *hit) detect.Severity { return h.sev })
}

// located is a hit with the payload it was found in (-1: the call).
type located struct {
	hit
	payload int
}

// scratch is the per-Detect working memory, pooled so that judging a
// typical call allocates nothing.
type scratch struct {
	payloads []Payload
	all      []located
	k        checker
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Detect judges every tool call of the interaction: calls the model asks
// for in a response, and calls carried in the request's history.
func (d *Detector) Detect(in *detect.Input, out []detect.Finding) []detect.Finding {
	ix := in.IX
	if ix == nil || len(ix.ToolCalls) == 0 {
		return out
	}
	sc := scratchPool.Get().(*scratch)
	defer func() {
		clear(sc.payloads[:cap(sc.payloads)]) // drop references to this request's text
		sc.payloads = sc.payloads[:0]
		sc.all = sc.all[:0]
		sc.k = checker{hits: sc.k.hits[:0]}
		scratchPool.Put(sc)
	}()
	k := &sc.k
	k.protected = d.protected
	for ci := range ix.ToolCalls {
		call := &ix.ToolCalls[ci]
		sc.payloads = Payloads(call, sc.payloads[:0])
		payloads := sc.payloads
		all := sc.all[:0]
		opaque := false
		for pi := range payloads {
			k.hits = k.hits[:0]
			if d.analyze(k, &payloads[pi]) {
				opaque = true
			}
			for _, h := range k.hits {
				all = append(all, located{h, pi})
			}
		}
		dangerous := false
		if d.reportDangerous || opaque {
			dangerous = d.Categorize(call.Name) == CategoryDangerous || infoOf(call.Name).kind != KindOther
		}
		if len(all) == 0 && dangerous && (d.reportDangerous || opaque) {
			reason := "call to a tool that runs arbitrary commands"
			if opaque {
				reason = "runs a command that cannot be resolved statically"
			}
			all = append(all, located{hit{rule: ruleDangerousTool, sev: detect.SeverityLow, reason: reason, evidence: detect.Excerpt(call.Name)}, -1})
		}
		// One finding per rule and call: the strongest.
		for i := 0; i < len(all); i++ {
			best := i
			dup := false
			for j := 0; j < len(all); j++ {
				if all[j].rule != all[i].rule {
					continue
				}
				if j < i {
					dup = true
					break
				}
				if all[j].sev > all[best].sev {
					best = j
				}
			}
			if dup {
				continue
			}
			out = append(out, d.finding(in, ci, call, payloads, all[best].hit, all[best].payload))
		}
		sc.all = all
	}
	return out
}

// finding turns a hit into a Finding located at the argument segment
// holding the payload.
func (d *Detector) finding(in *detect.Input, ci int, call *interaction.ToolCall, payloads []Payload, h hit, pi int) detect.Finding {
	seg, start, end := -1, 0, 0
	if pi >= 0 {
		seg, start, end = locate(in.IX, call, &payloads[pi])
	} else if len(call.ArgSegments) > 0 && call.ArgSegments[0] < len(in.IX.Segments) {
		seg = call.ArgSegments[0]
		end = len(in.IX.Segments[seg].Text)
	}
	loc := call.Location
	if seg >= 0 {
		loc = in.IX.Segments[seg].Location
	} else if loc == "" {
		loc = "tool_calls[" + strconv.Itoa(ci) + "]"
	}
	return detect.Finding{
		Category:   detect.CategoryToolRisk,
		Detector:   Family + "." + h.rule,
		Severity:   h.sev,
		Confidence: confidence(h.sev),
		Segment:    seg,
		Location:   loc,
		Start:      start,
		End:        end,
		Evidence:   h.evidence,
		Reason:     h.reason,
	}
}

func confidence(s detect.Severity) float64 {
	switch s {
	case detect.SeverityCritical, detect.SeverityHigh:
		return 0.9
	case detect.SeverityMedium:
		return 0.8
	}
	return 0.6
}

// locate finds the segment and span of a payload among a call's argument
// segments.
func locate(ix *interaction.Interaction, call *interaction.ToolCall, p *Payload) (seg, start, end int) {
	needle := p.Text
	if p.Kind == PayloadArgv {
		for _, a := range p.Argv {
			if len(a) > len(needle) {
				needle = a
			}
		}
	}
	return Locate(ix, call, needle)
}

// Locate finds needle among a call's argument segments: in the segment
// whose text contains it (Anthropic-style, one segment per string leaf),
// or in its JSON-escaped form (OpenAI-style, one segment of raw JSON
// arguments). It falls back to the whole first argument segment, and
// returns seg -1 when the call has no argument segment.
func Locate(ix *interaction.Interaction, call *interaction.ToolCall, needle string) (seg, start, end int) {
	// The needle as it appears in a leaf segment, then JSON-escaped as in
	// a raw-arguments segment, then with HTML-safe escapes as some
	// serializers write them.
	for pass := 0; pass < 3 && needle != ""; pass++ {
		n := needle
		switch pass {
		case 1:
			n = jsonEscape(needle, false)
		case 2:
			n = jsonEscape(needle, true)
		}
		if pass > 0 && n == needle {
			continue
		}
		for _, si := range call.ArgSegments {
			if si < 0 || si >= len(ix.Segments) {
				continue
			}
			if i := strings.Index(ix.Segments[si].Text, n); i >= 0 {
				return si, i, i + len(n)
			}
		}
	}
	for _, si := range call.ArgSegments {
		if si >= 0 && si < len(ix.Segments) {
			return si, 0, len(ix.Segments[si].Text)
		}
	}
	return -1, 0, 0
}

// jsonEscape renders s as it appears inside a JSON string literal; html
// also escapes <, > and & as \u003c, \u003e and \u0026.
func jsonEscape(s string, html bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<', '>', '&':
			if html {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&15])
			} else {
				b.WriteByte(c)
			}
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[c>>4])
				b.WriteByte("0123456789abcdef"[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}
