// Package evaluator is sluice's core: it turns one LLM request or response
// body into a Decision (allow, block or redact) under a policy.
//
// Evaluate parses the body of whatever API it is (llmapi) into an
// Interaction, normalizes its text once, runs every detector family over it,
// lets the policy turn findings into rule matches, and decides. It knows
// nothing of gRPC, HTTP or audit sinks: the doors (Envoy ext_proc, the
// Aperture hook, the CLI) adapt their traffic to Input and act on the
// Decision; telemetry consumes it.
//
// An Evaluator is immutable and safe for concurrent use; to change policy,
// build a new one and swap it in.
package evaluator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sluicehq/sluice/evaluator/agent"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/detect/injection"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/policy"
)

// Door names, used in audit records and policy scopes.
const (
	DoorEnvoy    = "envoy"
	DoorAperture = "aperture"
	DoorAPI      = "api"
	DoorCLI      = "cli"
)

// Input is one body to evaluate and what the door knows about it.
type Input struct {
	Phase interaction.Phase
	// Path is the URL path the request was sent to; a query string is ignored.
	Path string
	// Headers of the request, names in lower case. Identity, agent and
	// session are read from them unless the door sets them explicitly.
	Headers map[string]string
	Body    []byte
	// ContentType of the body (responses: tells SSE and event streams apart).
	ContentType string
	// API overrides recognition from Path (e.g. a response evaluated with the
	// API its request was recognised as).
	API  string
	Door string
	// Principal, when its ID is set, is the door's own identity for the
	// caller (e.g. Aperture's login_name) and wins over headers.
	Principal  interaction.Principal
	UserAgent  string // wins over the user-agent header when set
	SessionID  string
	RequestID  string
	Attributes map[string]string
	// Stream and Model carry the request's values into a response
	// evaluation, whose body may not repeat them.
	Stream bool
	Model  string
	// SourceIP is the client address as the door saw it, for the audit trail.
	SourceIP string
	// Transient marks a body that will not come back: a window of a stream
	// checked chunk by chunk. What is found in it is not remembered
	// (history.go), so that thousands of passing windows do not push a
	// conversation's history out of the caches.
	Transient bool
}

// Verdict is the outcome of an evaluation.
type Verdict string

const (
	Allow  Verdict = "allow"
	Block  Verdict = "block"
	Redact Verdict = "redact"
)

// Stable reason codes for decisions, used in audit records, metric labels
// and logs alike.
const (
	ReasonNoFinding           = "no_finding"           // nothing found
	ReasonNoMatch             = "no_rule_matched"      // findings, but no rule selected them
	ReasonLogged              = "logged"               // only log actions matched
	ReasonMonitor             = "monitor_only"         // rules matched in monitor mode only
	ReasonPolicyBlock         = "policy_block"         // an enforced block rule matched
	ReasonPolicyRedact        = "policy_redact"        // an enforced redact rule matched
	ReasonRedactionImpossible = "redaction_impossible" // redact was due but the body could not be rewritten in place: blocked instead
)

// Decision is the result of evaluating one body.
type Decision struct {
	ID       string
	Time     time.Time
	Duration time.Duration
	Door     string
	SourceIP string

	// Verdict is what happens to the traffic.
	Verdict Verdict
	// WouldBe is the verdict under full enforcement of every matched rule:
	// what monitor-mode rules would do once switched to enforce.
	WouldBe Verdict
	// Reason is a stable snake_case code (Reason* constants).
	Reason string
	// Rule is the id of the rule that decided a block or redact, "" otherwise.
	Rule string
	// Status is the HTTP status to answer with when Verdict is Block.
	Status int
	// Message is safe to show the end user: it names the rule, never a value.
	Message string

	Findings []detect.Finding
	Matches  []policy.Match
	// Body is the rewritten body when Verdict is Redact, in the same API format.
	Body []byte

	Interaction *interaction.Interaction
	PolicyName  string
	PolicyHash  string
	// Errors are problems that did not stop the evaluation (a policy
	// condition that failed to evaluate), safe to log.
	Errors []string
}

// Evaluator evaluates bodies under one policy.
type Evaluator struct {
	policy      *policy.Policy
	detectors   []detect.Detector
	maxFindings int
	now         func() time.Time
	// segmentCache sizes the caches that spare a conversation's history a
	// second analysis (history.go).
	segmentCache int
	memory       memory
}

// Option configures an Evaluator.
type Option func(*Evaluator)

// WithDetectors replaces the detector families built from the policy (tests).
func WithDetectors(d ...detect.Detector) Option {
	return func(e *Evaluator) { e.detectors = d }
}

// DefaultSegmentCache is the default size, in entries per cache, of what
// an Evaluator remembers of conversations (history.go).
const DefaultSegmentCache = injection.DefaultVerdictCache

// WithSegmentCache sizes the caches (in entries each) that spare a
// conversation's earlier turns, resent with every request, a second
// analysis: the texts normalization found nothing in, the texts the
// secret and PII families found clean, and the injection family's
// verdicts. Default DefaultSegmentCache; 0 turns them off, so that every
// request is analysed cold, as benchmarks of the cold path want.
func WithSegmentCache(entries int) Option { return func(e *Evaluator) { e.segmentCache = entries } }

// WithClock sets the time source (tests).
func WithClock(now func() time.Time) Option { return func(e *Evaluator) { e.now = now } }

// DefaultMaxFindings bounds the findings one evaluation reports: a body
// stuffed with thousands of matches must not turn into a huge audit record.
const DefaultMaxFindings = 256

// New builds an Evaluator for a policy, constructing the detector families
// its detectors section configures.
func New(p *policy.Policy, opts ...Option) (*Evaluator, error) {
	e := &Evaluator{policy: p, maxFindings: DefaultMaxFindings, now: time.Now, segmentCache: DefaultSegmentCache}
	for _, o := range opts {
		o(e)
	}
	if e.detectors == nil {
		ds, err := buildDetectors(&p.Detectors, e.segmentCache)
		if err != nil {
			return nil, fmt.Errorf("policy %s: detectors: %w", p.Source, err)
		}
		e.detectors = ds
	}
	e.memory = newMemory(e.segmentCache)
	return e, nil
}

// Policy returns the evaluator's policy.
func (e *Evaluator) Policy() *policy.Policy { return e.policy }

// ErrNotJSON reports a body that is not JSON at all (and not an event
// stream). Doors answer it per their failure policy; the CLI exits 2.
var ErrNotJSON = llmapi.ErrNotJSON

// ErrInternal wraps a panic recovered inside the evaluator, so that one bad
// body can never take a door down.
var ErrInternal = errors.New("internal evaluator error")

// Evaluate evaluates one body. It returns an error only when the body cannot
// be evaluated at all (not JSON, or an internal failure); every other
// outcome, whatever the verdict, is a Decision.
func (e *Evaluator) Evaluate(ctx context.Context, in Input) (d *Decision, err error) {
	start := e.now()
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, fmt.Errorf("%w: %v\n%s", ErrInternal, r, debug.Stack())
		}
	}()
	ix, err := e.parse(&in)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.identify(ix, &in)

	findings := e.detect(ix, in.Transient)
	findings = tidyFindings(findings, e.maxFindings)
	detect.HardenEvidence(ix, findings)

	d = &Decision{
		ID:          newID(),
		Time:        start,
		Door:        in.Door,
		SourceIP:    in.SourceIP,
		Findings:    findings,
		Interaction: ix,
		PolicyName:  e.policy.Name,
		PolicyHash:  e.policy.Hash,
	}
	matches, errs := e.policy.Apply(ix, in.Door, findings)
	d.Matches = matches
	for _, err := range errs {
		d.Errors = append(d.Errors, err.Error())
	}
	e.decide(d)
	d.Duration = e.now().Sub(start)
	return d, nil
}

func (e *Evaluator) parse(in *Input) (*interaction.Interaction, error) {
	path := in.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if in.Phase == interaction.PhaseResponse {
		api := in.API
		if api == "" {
			api, _, _ = llmapi.Recognize(path)
		}
		ix, err := llmapi.ParseResponse(api, in.Body, in.ContentType)
		if err != nil {
			return nil, err
		}
		ix.Path = path
		ix.Stream = ix.Stream || in.Stream
		if ix.Model == "" {
			ix.Model = in.Model
		}
		return ix, nil
	}
	ix, err := llmapi.ParseRequest(path, in.Body)
	if err != nil {
		return nil, err
	}
	if ix.Model == "" {
		ix.Model = in.Model
	}
	return ix, nil
}

// identify fills who asked, with which agent, in which session.
func (e *Evaluator) identify(ix *interaction.Interaction, in *Input) {
	id := &e.policy.Identity
	switch {
	case in.Principal.ID != "":
		ix.Principal = in.Principal
	default:
		for _, h := range id.PrincipalHeaders {
			if v := strings.TrimSpace(in.Headers[h]); v != "" {
				ix.Principal = interaction.Principal{ID: v, Name: v, Source: h}
				break
			}
		}
	}
	if id.GroupsHeader != "" && len(ix.Principal.Groups) == 0 {
		if v := in.Headers[id.GroupsHeader]; v != "" {
			for _, g := range strings.Split(v, ",") {
				if g = strings.TrimSpace(g); g != "" {
					ix.Principal.Groups = append(ix.Principal.Groups, g)
				}
			}
		}
	}
	ua := in.UserAgent
	if ua == "" {
		ua = in.Headers["user-agent"]
	}
	ix.Agent = agent.Classify(ua)
	ix.SessionID = in.SessionID
	if ix.SessionID == "" {
		for _, h := range id.SessionHeaders {
			if v := in.Headers[h]; v != "" {
				ix.SessionID = v
				break
			}
		}
	}
	ix.RequestID = cmp.Or(in.RequestID, in.Headers["x-request-id"])
	ix.Attributes = in.Attributes
}

// tidyFindings orders findings by position, drops exact duplicates (two
// rules of a family reporting the same span) and bounds their number.
func tidyFindings(f []detect.Finding, max int) []detect.Finding {
	slices.SortStableFunc(f, func(a, b detect.Finding) int {
		return cmp.Or(cmp.Compare(a.Segment, b.Segment), cmp.Compare(a.Start, b.Start),
			cmp.Compare(a.End, b.End), strings.Compare(a.Detector, b.Detector))
	})
	f = slices.CompactFunc(f, func(a, b detect.Finding) bool {
		return a.Segment == b.Segment && a.Start == b.Start && a.End == b.End && a.Detector == b.Detector
	})
	if len(f) > max {
		// Keep the most severe when there are too many to report.
		slices.SortStableFunc(f, func(a, b detect.Finding) int { return cmp.Compare(b.Severity, a.Severity) })
		f = f[:max]
	}
	return f
}

// decide turns matches into the verdict, the would-be verdict and, for
// redaction, the rewritten body.
func (e *Evaluator) decide(d *Decision) {
	var enforced, would policy.Action
	var decider *policy.Match
	for i := range d.Matches {
		m := &d.Matches[i]
		would = max(would, m.Action)
		if m.Enforced && m.Action > enforced {
			enforced = m.Action
			decider = m
		}
	}
	d.WouldBe = verdictOf(would)
	d.Verdict = verdictOf(enforced)
	switch {
	case len(d.Findings) == 0 && len(d.Matches) == 0:
		d.Reason = ReasonNoFinding
	case len(d.Matches) == 0:
		d.Reason = ReasonNoMatch
	case enforced == policy.ActionBlock:
		d.Reason = ReasonPolicyBlock
	case enforced == policy.ActionRedact:
		d.Reason = ReasonPolicyRedact
	case would > policy.ActionLog:
		d.Reason = ReasonMonitor
	default:
		d.Reason = ReasonLogged
	}
	if decider == nil || enforced == policy.ActionLog {
		return
	}
	d.Rule = decider.Rule.ID
	if enforced == policy.ActionRedact {
		body, ok := redact(d.Interaction, d.Findings, d.Matches)
		if ok {
			d.Body = body
			return
		}
		d.Verdict = Block
		d.Reason = ReasonRedactionImpossible
	}
	d.Status = cmp.Or(decider.Rule.Status, e.policy.Defaults.BlockStatus)
	d.Message = blockMessage(decider, d)
}

func verdictOf(a policy.Action) Verdict {
	switch a {
	case policy.ActionBlock:
		return Block
	case policy.ActionRedact:
		return Redact
	}
	return Allow
}

// blockMessage is shown to the end user: the rule's message, the rule id
// and the decision id (so support can find the audit record). It never
// contains matched values.
func blockMessage(m *policy.Match, d *Decision) string {
	msg := strings.TrimSpace(m.Rule.Message)
	if msg == "" {
		msg = "The request was blocked by policy."
	}
	if d.Reason == ReasonRedactionImpossible {
		msg += " (sensitive data could not be redacted in place)"
	}
	return fmt.Sprintf("%s [sluice rule %s, decision %s]", msg, m.Rule.ID, d.ID)
}

// newID returns a time-ordered UUIDv7, so decision ids sort by time in
// audit stores.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
