package audit

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/policy"
)

// Capture says whether prompt text goes into the record.
type Capture string

const (
	// CaptureOff records no prompt text: only locations, masked evidence
	// and metadata. The default.
	CaptureOff Capture = "off"
	// CaptureRedacted records the text of every segment with each finding
	// span replaced by "[REDACTED:<category>]".
	CaptureRedacted Capture = "redacted"
)

// ParseCapture validates a capture setting; "" means off.
func ParseCapture(s string) (Capture, error) {
	switch Capture(s) {
	case "", CaptureOff:
		return CaptureOff, nil
	case CaptureRedacted:
		return CaptureRedacted, nil
	}
	return "", fmt.Errorf("capture %q: want off or redacted", s)
}

// DefaultMaxCaptureBytes bounds the captured text of one record.
const DefaultMaxCaptureBytes = 32 << 10

// Options say how to build a record.
type Options struct {
	Capture Capture
	// MaxCaptureBytes bounds captured text per record (0: the default).
	MaxCaptureBytes int
	// Evaluated is true when the evaluator ran on the body, false for a
	// decision a door made on its own or a failed evaluation.
	Evaluated bool
	// Failed marks a failed evaluation: the record has outcome failure.
	// A decision without a verdict is the failure itself; one with a
	// verdict is what the door did about it (fail open or closed).
	Failed bool
	// Errors are added to the decision's errors (e.g. the failure's
	// reason code when a door decision answers a failed evaluation).
	Errors []string
	// Duration, when set, replaces the decision's duration.
	Duration time.Duration
	// TraceID and SpanID (hex) link the record to its span.
	TraceID, SpanID string
	// Hostname and Version describe this sluice instance (observer.*).
	Hostname, Version string
}

// FromDecision builds the record of a decision. It copies what it needs:
// the record does not alias the decision.
func FromDecision(d *evaluator.Decision, o Options) *Record {
	ix := d.Interaction
	if ix == nil {
		ix = &interaction.Interaction{}
	}
	r := &Record{
		Timestamp: d.Time.UTC(),
		ECS:       ECS{Version: ECSVersion},
		Event: Event{
			Category: []string{"intrusion_detection"},
			Reason:   d.Reason,
			Duration: d.Duration.Nanoseconds(),
			ID:       d.ID,
			Dataset:  Dataset,
			Module:   "sluice",
		},
		Observer: &Observer{Product: "sluice", Type: "llm-gateway-policy", Version: o.Version, Hostname: o.Hostname},
		Sluice: Sluice{
			DecisionID: d.ID,
			Evaluated:  o.Evaluated && !o.Failed,
			Door:       d.Door,
			Phase:      ix.Phase.String(),
			API:        ix.API,
			Path:       ix.Path,
			Stream:     ix.Stream,
			RequestID:  ix.RequestID,
			SessionID:  ix.SessionID,
			UserSource: ix.Principal.Source,
			Agent:      Agent{Name: ix.Agent.Name, Version: ix.Agent.Version},
			Policy:     Policy{Name: d.PolicyName, Hash: d.PolicyHash},
			Errors:     slices.Clone(d.Errors),
		},
	}
	if r.Sluice.Agent.Name == "" {
		r.Sluice.Agent.Name = "unknown"
	}
	if o.Duration != 0 {
		r.Event.Duration = o.Duration.Nanoseconds()
	}
	s := &r.Sluice
	s.Errors = append(s.Errors, o.Errors...)
	switch {
	case o.Failed && d.Verdict == "":
		r.Event.Kind, r.Event.Type, r.Event.Action, r.Event.Outcome = "event", []string{"info"}, "evaluate", OutcomeFailure
		s.Effect = EffectError
	case o.Failed:
		// The door's answer to a failed evaluation: fail-open or
		// fail-closed, not a policy decision.
		s.Decision, s.WouldBe = string(d.Verdict), string(d.WouldBe)
		r.Event.Kind, r.Event.Action, r.Event.Outcome = "event", string(d.Verdict), OutcomeFailure
		r.Event.Type, s.Effect = []string{"allowed"}, EffectError
		if d.Verdict == evaluator.Block {
			r.Event.Type, s.Effect, s.Status, s.Message = []string{"denied"}, EffectBlocked, d.Status, d.Message
		}
	default:
		s.Decision, s.WouldBe = string(d.Verdict), string(d.WouldBe)
		r.Event.Action, r.Event.Outcome = string(d.Verdict), OutcomeSuccess
		r.Event.Kind, r.Event.Type = "event", []string{"allowed"}
		if d.Verdict == evaluator.Block {
			r.Event.Kind, r.Event.Type = "alert", []string{"denied"}
			s.Status = d.Status
		}
		if d.Verdict != evaluator.Allow {
			s.Rule, s.Message = d.Rule, d.Message
		}
		s.Effect = effect(d.Verdict, d.WouldBe)
	}

	// Who, from where, with what.
	if p := ix.Principal; p.ID != "" || p.Name != "" {
		r.User = &User{ID: p.ID, Name: p.Name, Roles: slices.Clone(p.Groups)}
		if r.User.Name == "" {
			r.User.Name = p.ID
		}
	}
	if ix.Agent.UserAgent != "" {
		r.UserAgent = &UserAgent{Original: ix.Agent.UserAgent}
	}
	if ip := clientIP(d.SourceIP); ip != "" {
		r.Source = &Source{IP: ip}
	}
	if o.TraceID != "" {
		r.Trace = &TraceID{ID: o.TraceID}
	}
	if o.SpanID != "" {
		r.Span = &SpanID{ID: o.SpanID}
	}
	r.GenAI = genAI(ix)

	// Rules.
	if len(d.Matches) > 0 {
		rule := &Rule{Ruleset: d.PolicyName, Version: d.PolicyHash}
		s.Mode = policy.ModeMonitor.String()
		for _, m := range d.Matches {
			id := ""
			if m.Rule != nil {
				id = m.Rule.ID
			}
			cats := categoryNames(m.Categories)
			s.Matches = append(s.Matches, Match{
				Rule: id, Mode: m.Mode.String(), Action: m.Action.String(), Enforced: m.Enforced, Categories: cats,
			})
			if m.Enforced {
				s.Mode = policy.ModeEnforce.String()
			}
			rule.ID = append(rule.ID, id)
			for _, c := range cats {
				if !slices.Contains(rule.Category, c) {
					rule.Category = append(rule.Category, c)
				}
			}
		}
		rule.Name = rule.ID
		r.Rule = rule
	}

	// Findings.
	// The evaluator hardens evidence (detect.HardenEvidence); do it again
	// on a copy so a record is safe whatever built the decision.
	findings := d.Findings
	if len(findings) > 0 {
		s.Findings = make([]Finding, 0, len(findings))
		findings = slices.Clone(findings)
		detect.HardenEvidence(ix, findings)
	}
	for i := range findings {
		f := &findings[i]
		rf := Finding{
			Category: string(f.Category), Detector: f.Detector, Severity: f.Severity.String(),
			Confidence: f.Confidence, Location: f.Location, Start: f.Start, End: f.End,
			Evidence: safeEvidence(f.Evidence), Reason: f.Reason, Excepted: f.Excepted,
		}
		if f.Segment >= 0 && f.Segment < len(ix.Segments) {
			seg := &ix.Segments[f.Segment]
			rf.Role, rf.Kind, rf.Trust = string(seg.Role), string(seg.Kind), seg.Trust.String()
		}
		s.Findings = append(s.Findings, rf)
		if f.Excepted != "" {
			continue
		}
		s.FindingCount++
		if !slices.Contains(s.Categories, rf.Category) {
			s.Categories = append(s.Categories, rf.Category)
		}
		if !slices.Contains(s.Detectors, rf.Detector) {
			s.Detectors = append(s.Detectors, rf.Detector)
		}
	}

	if def, called := ix.ToolNamesDefined(), ix.ToolNamesCalled(); len(def) > 0 || len(called) > 0 {
		s.Tools = &Tools{Defined: def, Called: called}
	}
	if o.Capture == CaptureRedacted {
		s.Capture = capture(ix, d.Findings, o.MaxCaptureBytes)
	}
	return r
}

// effect folds the verdict and the would-be verdict into one value.
func effect(v, would evaluator.Verdict) string {
	switch {
	case v == evaluator.Block:
		return EffectBlocked
	case would == evaluator.Block:
		return EffectWouldBlock
	case v == evaluator.Redact:
		return EffectRedacted
	case would == evaluator.Redact:
		return EffectWouldRedact
	}
	return EffectAllowed
}

func categoryNames(cs []detect.Category) []string {
	if len(cs) == 0 {
		return nil
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// clientIP returns the address part of what the door saw ("ip" or
// "ip:port"), or "" when it is not an IP address: source.ip is mapped as
// an ip, and a value that is not one would make Elasticsearch reject the
// whole record.
func clientIP(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").String()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").String()
	}
	return ""
}

// maxEvidence bounds evidence in bytes: detectors mask it already; the
// bound keeps a misbehaving detector from filling records.
const maxEvidence = 96

func safeEvidence(s string) string {
	if len(s) <= maxEvidence {
		return s
	}
	cut := maxEvidence
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ProviderName returns the OpenTelemetry gen_ai.provider.name for an
// interaction: the semantic conventions' well-known value for the API's
// provider, or the parser's provider name for an unknown API.
func ProviderName(ix *interaction.Interaction) string {
	switch {
	case strings.HasPrefix(ix.API, "openai."):
		return "openai"
	case strings.HasPrefix(ix.API, "anthropic."):
		return "anthropic"
	case strings.HasPrefix(ix.API, "gemini."):
		return "gcp.gemini"
	case strings.HasPrefix(ix.API, "bedrock."):
		return "aws.bedrock"
	}
	switch ix.Provider {
	case "google":
		return "gcp.gemini"
	case "aws":
		return "aws.bedrock"
	}
	return ix.Provider
}

func genAI(ix *interaction.Interaction) *GenAI {
	g := &GenAI{}
	empty := true
	if p := ProviderName(ix); p != "" {
		g.Provider, empty = &Name{Name: p}, false
	}
	if ix.Model != "" {
		g.Request, empty = &GenAIRequest{Model: ix.Model}, false
	}
	if op := ix.Operation(); op != "" {
		g.Operation, empty = &Name{Name: op}, false
	}
	if ix.SessionID != "" {
		g.Conversation, empty = &IDOnly{ID: ix.SessionID}, false
	}
	if ix.Usage.InputTokens > 0 || ix.Usage.OutputTokens > 0 {
		g.Usage, empty = &Usage{InputTokens: ix.Usage.InputTokens, OutputTokens: ix.Usage.OutputTokens}, false
	}
	if empty {
		return nil
	}
	return g
}

// capture returns the text of every segment with the span of every finding
// on it (excepted ones too) replaced by "[REDACTED:<category>]" and the
// rest Scrub'd, bounded to max bytes.
func capture(ix *interaction.Interaction, findings []detect.Finding, max int) []Captured {
	if max <= 0 {
		max = DefaultMaxCaptureBytes
	}
	bySeg := detect.SpansBySegment(ix, findings, nil)
	var out []Captured
	budget := max
	for i := range ix.Segments {
		seg := &ix.Segments[i]
		if seg.Text == "" || budget <= 0 {
			continue
		}
		text := seg.Text
		if spans := bySeg[i]; len(spans) > 0 {
			text = detect.MaskSpans(text, spans)
		}
		text = detect.Scrub(text)
		c := Captured{Location: seg.Location, Role: string(seg.Role), Kind: string(seg.Kind), Trust: seg.Trust.String()}
		if len(text) > budget {
			cut := detect.RuneFloor(text, budget)
			text, c.Truncated = text[:cut], true
		}
		budget -= len(text)
		c.Text = text
		out = append(out, c)
	}
	return out
}
