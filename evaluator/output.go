package evaluator

import (
	"encoding/json"
	"time"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// Output is the JSON form of a Decision that `sluice eval` prints and
// POST /v1/evaluate answers, per the interface contract
// (../shared/INTERFACES.md): decision, decision_id, api, findings, matches,
// and body when redacted. The other fields are extras the contract allows.
type Output struct {
	Decision   Verdict         `json:"decision"`
	DecisionID string          `json:"decision_id"`
	API        string          `json:"api"`
	Findings   []OutputFinding `json:"findings"`
	Matches    []OutputMatch   `json:"matches"`
	Body       json.RawMessage `json:"body,omitempty"`

	WouldBe    Verdict  `json:"would_be_decision"`
	Reason     string   `json:"reason"`
	Rule       string   `json:"rule,omitempty"`
	Status     int      `json:"status,omitempty"`
	Message    string   `json:"message,omitempty"`
	Phase      string   `json:"phase"`
	Model      string   `json:"model,omitempty"`
	Stream     bool     `json:"stream,omitempty"`
	Principal  string   `json:"principal,omitempty"`
	Agent      string   `json:"agent"`
	Session    string   `json:"session_id,omitempty"`
	RequestID  string   `json:"request_id,omitempty"`
	ToolsDef   []string `json:"tools_defined,omitempty"`
	ToolsCall  []string `json:"tools_called,omitempty"`
	Policy     Policy   `json:"policy"`
	DurationUS int64    `json:"duration_us"`
	Errors     []string `json:"errors,omitempty"`
}

// OutputFinding is one finding in Output. Evidence is already masked.
type OutputFinding struct {
	Category detect.Category `json:"category"`
	Detector string          `json:"detector"`
	Severity detect.Severity `json:"severity"`
	Location string          `json:"location"`
	Evidence string          `json:"evidence"`
	Reason   string          `json:"reason,omitempty"`
	Trust    string          `json:"trust,omitempty"`
	Start    int             `json:"start"`
	End      int             `json:"end"`
	Excepted string          `json:"excepted,omitempty"`
}

// OutputMatch is one matched rule in Output.
type OutputMatch struct {
	Rule       string            `json:"rule"`
	Mode       string            `json:"mode"`
	Action     string            `json:"action"`
	Enforced   bool              `json:"enforced"`
	Categories []detect.Category `json:"categories"`
}

// Policy names the policy that made a decision.
type Policy struct {
	Name string `json:"name,omitempty"`
	Hash string `json:"hash"`
}

// Output returns the JSON form of the decision.
func (d *Decision) Output() Output {
	ix := d.Interaction
	o := Output{
		Decision:   d.Verdict,
		DecisionID: d.ID,
		API:        ix.API,
		Findings:   make([]OutputFinding, 0, len(d.Findings)),
		Matches:    make([]OutputMatch, 0, len(d.Matches)),
		WouldBe:    d.WouldBe,
		Reason:     d.Reason,
		Rule:       d.Rule,
		Message:    d.Message,
		Phase:      ix.Phase.String(),
		Model:      ix.Model,
		Stream:     ix.Stream,
		Principal:  ix.Principal.ID,
		Agent:      ix.Agent.Name,
		Session:    ix.SessionID,
		RequestID:  ix.RequestID,
		ToolsDef:   ix.ToolNamesDefined(),
		ToolsCall:  ix.ToolNamesCalled(),
		Policy:     Policy{Name: d.PolicyName, Hash: d.PolicyHash},
		DurationUS: d.Duration.Round(time.Microsecond).Microseconds(),
		Errors:     d.Errors,
	}
	if d.Verdict == Block {
		o.Status = d.Status
	}
	if d.Verdict == Redact {
		o.Body = json.RawMessage(d.Body)
	}
	for i := range d.Findings {
		f := &d.Findings[i]
		of := OutputFinding{
			Category: f.Category, Detector: f.Detector, Severity: f.Severity, Location: f.Location,
			Evidence: f.Evidence, Reason: f.Reason, Start: f.Start, End: f.End, Excepted: f.Excepted,
		}
		if f.Segment >= 0 && f.Segment < len(ix.Segments) {
			of.Trust = ix.Segments[f.Segment].Trust.String()
		}
		o.Findings = append(o.Findings, of)
	}
	for _, m := range d.Matches {
		o.Matches = append(o.Matches, OutputMatch{
			Rule: m.Rule.ID, Mode: m.Mode.String(), Action: m.Action.String(), Enforced: m.Enforced,
			Categories: nonNil(m.Categories),
		})
	}
	return o
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
