// Package detect holds what all detector families share: the fixed
// vocabulary of categories and severities, the Finding a detector reports,
// the Detector interface, and evidence masking.
//
// Detector families live in subpackages (secrets, pii, injection, exfil,
// toolrisk, evasion). Each is a pure function of the Interaction: no I/O, no
// global state, safe for concurrent use once constructed.
package detect

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/normalize"
)

// Category is one of the fixed finding categories of the interface contract.
type Category string

const (
	CategorySecret          Category = "secret"
	CategoryPII             Category = "pii"
	CategoryPromptInjection Category = "prompt_injection"
	CategoryJailbreak       Category = "jailbreak"
	CategoryExfiltration    Category = "exfiltration"
	CategoryToolRisk        Category = "tool_risk"
	CategoryEvasion         Category = "evasion"
)

// Categories lists every category, in the contract's order.
var Categories = []Category{
	CategorySecret, CategoryPII, CategoryPromptInjection, CategoryJailbreak,
	CategoryExfiltration, CategoryToolRisk, CategoryEvasion,
}

// ParseCategory validates a category name.
func ParseCategory(s string) (Category, error) {
	for _, c := range Categories {
		if string(c) == s {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown category %q (want one of %s)", s, joinCategories())
}

func joinCategories() string {
	names := make([]string, len(Categories))
	for i, c := range Categories {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// Severity orders findings. The zero value is SeverityLow.
type Severity uint8

const (
	SeverityLow Severity = iota
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// ParseSeverity parses low, medium, high or critical.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want low, medium, high or critical)", s)
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Finding is one thing a detector saw. It never holds the raw matched value:
// Evidence is masked at creation (see Mask).
type Finding struct {
	Category Category
	// Detector is the stable id "<family>.<rule>", e.g.
	// "secret.aws_access_key_id". Policies and exceptions refer to it.
	Detector string
	Severity Severity
	// Confidence in [0,1]; 1 for checksum-validated or exact-format matches.
	Confidence float64
	// Segment is the index of the segment in Interaction.Segments, or -1 for
	// findings about the body as a whole (e.g. a duplicate JSON key).
	Segment  int
	Location string
	// Start and End are the byte span of the match in the segment's Text.
	// Findings on derived text (normalized or decoded) carry the span of the
	// original run they were derived from, or the whole segment.
	Start, End int
	// Evidence is a masked excerpt safe to log: never a whole secret or PII value.
	Evidence string
	// Reason is a short description safe to show an end user, without the value.
	Reason string
	// Excepted is the id of the policy exception that suppressed the
	// finding, or "" when it counts.
	Excepted string
}

// Input is what detectors read. The evaluator fills Norm lazily-free: one
// normalize.Result per segment, computed once and shared by every family
// that needs normalized text.
type Input struct {
	IX *interaction.Interaction
	// Norm is parallel to IX.Segments. An entry whose Changed is false means
	// the normalized text equals the segment text.
	Norm []normalize.Result
	// Skip, when set, is parallel to IX.Segments and marks the segments a
	// SegmentLocal detector need not scan: the evaluator knows their text
	// gave it nothing on an earlier request. Other detectors ignore it.
	Skip []bool
	// Transient marks text that will not come back (a window of a stream
	// being checked): a detector may use what it remembers of earlier
	// texts but should not remember this one.
	Transient bool
}

// Skipped reports whether segment i is marked in Skip.
func (in *Input) Skipped(i int) bool { return i < len(in.Skip) && in.Skip[i] }

// Text returns the normalized text of segment i.
func (in *Input) Text(i int) string {
	if i < len(in.Norm) && in.Norm[i].Changed {
		return in.Norm[i].Text
	}
	return in.IX.Segments[i].Text
}

// Detector is one detector family.
type Detector interface {
	// Name is the family name ("secret", "pii", "injection", ...).
	Name() string
	// Detect appends its findings to out and returns it. It must not retain
	// in after returning and must be safe for concurrent use.
	Detect(in *Input, out []Finding) []Finding
}

// SegmentLocal is implemented by detectors whose findings on a segment
// depend on nothing but that segment's text and kind: not on its trust,
// other segments or the tool calls. They report every finding against the
// segment it is in, and honour Input.Skip. The evaluator remembers the
// texts that gave such a detector nothing and skips them when a
// conversation's history comes round again.
type SegmentLocal interface {
	Detector
	SegmentLocal()
}

// Example is a labelled sample a rule must (Positive) or must not
// (!Positive) fire on. Every rule of every family ships its own examples,
// checked by the family's tests, so a rule that stops catching what it was
// written for, or starts catching what it must not, fails the build.
type Example struct {
	Text     string
	Positive bool
}

// NewFinding builds a finding for segment seg of in with span [start,end)
// and masks the evidence from the segment's text.
func NewFinding(in *Input, seg int, cat Category, detector string, sev Severity, start, end int, reason string) Finding {
	s := &in.IX.Segments[seg]
	return Finding{
		Category:   cat,
		Detector:   detector,
		Severity:   sev,
		Confidence: 1,
		Segment:    seg,
		Location:   s.Location,
		Start:      start,
		End:        end,
		Evidence:   Mask(s.Text[clamp(start, len(s.Text)):clamp(end, len(s.Text))]),
		Reason:     reason,
	}
}

func clamp(i, n int) int {
	if i < 0 {
		return 0
	}
	if i > n {
		return n
	}
	return i
}
