// Package audit defines sluice's audit record: one schema for every door and
// every sink, aligned with the Elastic Common Schema so that the records
// read naturally in Kibana next to other security data, with sluice's own
// detail under "sluice".
//
// A record is built from an evaluator.Decision on the request path (it
// copies what it needs, so the door may keep or drop the decision) and
// encoded once, lazily, by whichever sink gets to it first. Every field is
// documented in docs/AUDIT.md; the golden test pins the JSON.
//
// Records never hold a raw secret or personal value: finding evidence is
// the detectors' masked excerpt (quoted evidence is re-masked where it
// overlaps a secret or PII finding, and scrubbed of anything that looks
// like a key, a long number or an address), and prompt text is only
// captured when the operator asks for it, masked the same way.
package audit

import (
	"encoding/json"
	"sync"
	"time"
)

// ECSVersion is the Elastic Common Schema version the record follows.
const ECSVersion = "8.11.0"

// Dataset is the event.dataset of every record; with the "logs" type and a
// namespace it names the Elasticsearch data stream.
const Dataset = "sluice.decisions"

// Effect values summarise what a decision did or would do, for counting
// "would block" against "blocked" in one field.
const (
	EffectBlocked     = "blocked"      // an enforced rule blocked the traffic
	EffectRedacted    = "redacted"     // an enforced rule rewrote the body
	EffectWouldBlock  = "would_block"  // a monitor-mode rule would block
	EffectWouldRedact = "would_redact" // a monitor-mode rule would redact
	EffectAllowed     = "allowed"      // nothing to do
	EffectError       = "error"        // evaluation failed
)

// Event outcomes (ECS event.outcome).
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// Record is one audit record. Optional parts are pointers or omitempty so
// that a record carries only what is known.
type Record struct {
	Timestamp time.Time  `json:"@timestamp"`
	ECS       ECS        `json:"ecs"`
	Event     Event      `json:"event"`
	Rule      *Rule      `json:"rule,omitempty"`
	User      *User      `json:"user,omitempty"`
	UserAgent *UserAgent `json:"user_agent,omitempty"`
	Source    *Source    `json:"source,omitempty"`
	Trace     *TraceID   `json:"trace,omitempty"`
	Span      *SpanID    `json:"span,omitempty"`
	Observer  *Observer  `json:"observer,omitempty"`
	GenAI     *GenAI     `json:"gen_ai,omitempty"`
	Sluice    Sluice     `json:"sluice"`
}

// ECS names the schema version.
type ECS struct {
	Version string `json:"version"`
}

// Event is ECS event.*.
type Event struct {
	// Kind is "alert" for an enforced block, "event" otherwise.
	Kind string `json:"kind"`
	// Category is always ["intrusion_detection"]: sluice inspects traffic
	// for attacks and leaks.
	Category []string `json:"category"`
	// Type is ["denied"] for a block, ["allowed"] otherwise (a redacted
	// body is allowed through, changed), ["info"] for a failed evaluation.
	Type []string `json:"type"`
	// Action is the verdict ("allow", "block", "redact"), or "evaluate"
	// when the evaluation failed.
	Action string `json:"action"`
	// Outcome is "success" when a decision was made, "failure" when the
	// evaluation failed.
	Outcome string `json:"outcome"`
	// Reason is the stable snake_case reason code of the decision.
	Reason string `json:"reason"`
	// Duration is the evaluation time in nanoseconds.
	Duration int64  `json:"duration"`
	ID       string `json:"id"`
	Dataset  string `json:"dataset"`
	Module   string `json:"module"`
}

// Rule is ECS rule.*: the rules that matched, all of them, whatever their
// mode or action.
type Rule struct {
	ID       []string `json:"id"`
	Name     []string `json:"name"`
	Category []string `json:"category,omitempty"`
	// Ruleset is the policy name; Version its hash.
	Ruleset string `json:"ruleset,omitempty"`
	Version string `json:"version,omitempty"`
}

// User is ECS user.*: the principal.
type User struct {
	ID    string   `json:"id,omitempty"`
	Name  string   `json:"name,omitempty"`
	Roles []string `json:"roles,omitempty"`
}

// UserAgent is ECS user_agent.*.
type UserAgent struct {
	Original string `json:"original"`
}

// Source is ECS source.*: the client address as the door saw it.
type Source struct {
	IP string `json:"ip"`
}

// TraceID is ECS trace.*.
type TraceID struct {
	ID string `json:"id"`
}

// SpanID is ECS span.*.
type SpanID struct {
	ID string `json:"id"`
}

// Observer is ECS observer.*: the sluice instance that decided.
type Observer struct {
	Product  string `json:"product"`
	Type     string `json:"type"`
	Version  string `json:"version,omitempty"`
	Hostname string `json:"hostname,omitempty"`
}

// GenAI carries the OpenTelemetry GenAI semantic-convention fields, under
// the same dotted names as the span attributes.
type GenAI struct {
	Provider     *Name         `json:"provider,omitempty"`
	Request      *GenAIRequest `json:"request,omitempty"`
	Operation    *Name         `json:"operation,omitempty"`
	Conversation *IDOnly       `json:"conversation,omitempty"`
	Usage        *Usage        `json:"usage,omitempty"`
}

// Name is an object with one name field.
type Name struct {
	Name string `json:"name"`
}

// IDOnly is an object with one id field.
type IDOnly struct {
	ID string `json:"id"`
}

// GenAIRequest is gen_ai.request.*.
type GenAIRequest struct {
	Model string `json:"model"`
}

// Usage is gen_ai.usage.*: token counts when the body reports them.
type Usage struct {
	InputTokens  int64 `json:"input_tokens,omitempty"`
	OutputTokens int64 `json:"output_tokens,omitempty"`
}

// Sluice is sluice's own detail.
type Sluice struct {
	DecisionID string `json:"decision_id"`
	// Decision is the verdict applied to the traffic; empty when the
	// evaluation failed.
	Decision string `json:"decision,omitempty"`
	// WouldBe is the verdict under full enforcement of every matched rule.
	WouldBe string `json:"would_be_decision,omitempty"`
	// Effect is one of the Effect* values.
	Effect string `json:"effect"`
	// Mode is "enforce" when an enforced rule matched, "monitor" when only
	// monitor-mode rules did, absent when none did.
	Mode string `json:"mode,omitempty"`
	// Rule is the rule that decided a block or redaction.
	Rule    string `json:"rule,omitempty"`
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	// Evaluated is false for decisions a door made without evaluating the
	// body (oversize, fail-open/closed) and for failed evaluations.
	Evaluated bool   `json:"evaluated"`
	Door      string `json:"door,omitempty"`
	Phase     string `json:"phase"`
	API       string `json:"api,omitempty"`
	Path      string `json:"path,omitempty"`
	Stream    bool   `json:"stream,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	// UserSource says where the principal came from (a header name,
	// "aperture", "config").
	UserSource string  `json:"user_source,omitempty"`
	Agent      Agent   `json:"agent"`
	Policy     Policy  `json:"policy"`
	Matches    []Match `json:"matches,omitempty"`
	// Categories are the distinct categories of findings that count
	// (not excepted); Detectors likewise.
	Categories   []string  `json:"categories,omitempty"`
	Detectors    []string  `json:"detectors,omitempty"`
	FindingCount int       `json:"finding_count"`
	Findings     []Finding `json:"findings,omitempty"`
	Tools        *Tools    `json:"tools,omitempty"`
	Errors       []string  `json:"errors,omitempty"`
	// Capture holds prompt text with findings masked, only with
	// capture: redacted.
	Capture []Captured `json:"capture,omitempty"`
}

// Agent is the client software.
type Agent struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Policy names the policy that decided.
type Policy struct {
	Name string `json:"name,omitempty"`
	Hash string `json:"hash,omitempty"`
}

// Match is one matched rule.
type Match struct {
	Rule       string   `json:"rule"`
	Mode       string   `json:"mode"`
	Action     string   `json:"action"`
	Enforced   bool     `json:"enforced"`
	Categories []string `json:"categories,omitempty"`
}

// Finding is one finding. Evidence is masked; there is no raw value.
type Finding struct {
	Category   string  `json:"category"`
	Detector   string  `json:"detector"`
	Severity   string  `json:"severity"`
	Confidence float64 `json:"confidence"`
	Location   string  `json:"location,omitempty"`
	Role       string  `json:"role,omitempty"`
	Kind       string  `json:"kind,omitempty"`
	Trust      string  `json:"trust,omitempty"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Evidence   string  `json:"evidence,omitempty"`
	Reason     string  `json:"reason,omitempty"`
	Excepted   string  `json:"excepted,omitempty"`
}

// Tools are the tool names offered to the model and called by it.
type Tools struct {
	Defined []string `json:"defined,omitempty"`
	Called  []string `json:"called,omitempty"`
}

// Captured is one segment of text with every finding span masked.
type Captured struct {
	Location  string `json:"location"`
	Role      string `json:"role,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Trust     string `json:"trust,omitempty"`
	Text      string `json:"text"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Entry is a record on its way to the sinks. Its JSON is encoded once, by
// whichever sink asks first, off the request path.
type Entry struct {
	Record *Record
	once   sync.Once
	data   []byte
	err    error
}

// NewEntry wraps a record.
func NewEntry(r *Record) *Entry { return &Entry{Record: r} }

// JSON returns the record's compact JSON (no trailing newline). The slice
// is shared: callers must not modify it.
func (e *Entry) JSON() ([]byte, error) {
	e.once.Do(func() { e.data, e.err = Marshal(e.Record) })
	return e.data, e.err
}

// Marshal encodes a record as compact JSON without HTML escaping (so that
// "<" in a message stays readable in every sink).
func Marshal(r *Record) ([]byte, error) {
	var b jsonBuffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	out := b.b
	if n := len(out); n > 0 && out[n-1] == '\n' {
		out = out[:n-1]
	}
	return out, nil
}

type jsonBuffer struct{ b []byte }

func (w *jsonBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
