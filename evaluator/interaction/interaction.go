// Package interaction defines Interaction, the one normalized view of an LLM
// request or response that every detector and policy rule works on.
//
// Parsers in evaluator/llmapi turn provider-specific bodies (OpenAI, Anthropic,
// Gemini, Bedrock, or anything else) into an Interaction; doors fill in who
// asked and with which agent. Nothing here knows about transports.
package interaction

import "strconv"

// Phase says which half of an exchange a body belongs to.
type Phase uint8

const (
	PhaseRequest  Phase = iota // the body the client sent to the model provider
	PhaseResponse              // the body the model provider answered with
)

func (p Phase) String() string {
	if p == PhaseResponse {
		return "response"
	}
	return "request"
}

// ParsePhase parses "request" or "response".
func ParsePhase(s string) (Phase, bool) {
	switch s {
	case "request", "":
		return PhaseRequest, true
	case "response":
		return PhaseResponse, true
	}
	return PhaseRequest, false
}

// Trust says how much a piece of text is trusted to carry instructions.
// Injection detectors weigh the same words differently by trust: a guard
// sentence in the system prompt is expected, the same sentence in a fetched
// web page is an attack.
type Trust uint8

const (
	// TrustUntrusted is text no one vouches for: tool results, retrieved
	// documents, function outputs, tool descriptions. It is the zero value so
	// that a segment whose origin is unknown is treated with suspicion.
	TrustUntrusted Trust = iota
	// TrustUser is text the end user typed.
	TrustUser
	// TrustModel is text the model produced (assistant turns, reasoning,
	// tool-call arguments), whether in a response or carried in history.
	TrustModel
	// TrustOperator is text the deployer wrote: system and developer prompts.
	TrustOperator
)

var trustNames = [...]string{"untrusted", "user", "model", "operator"}

func (t Trust) String() string {
	if int(t) < len(trustNames) {
		return trustNames[t]
	}
	return "trust(" + strconv.Itoa(int(t)) + ")"
}

// MarshalText encodes the trust as its name.
func (t Trust) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Role is the conversational role a segment was found under, as the
// provider spells it after mapping to a shared vocabulary.
type Role string

const (
	RoleSystem    Role = "system"
	RoleDeveloper Role = "developer"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
	RoleNone      Role = "" // text outside any conversational turn (e.g. generic JSON)
)

// Kind says what a segment of text is.
type Kind string

const (
	KindText            Kind = "text"             // a message's prose
	KindReasoning       Kind = "reasoning"        // thinking / reasoning summaries
	KindToolDescription Kind = "tool_description" // a tool's name, description or schema text
	KindToolArguments   Kind = "tool_arguments"   // the arguments of a tool call (raw JSON text)
	KindToolResult      Kind = "tool_result"      // what a tool returned
	KindDocument        Kind = "document"         // an attached or retrieved document
	KindMedia           Kind = "media"            // a URL or reference to an image/audio/file
	KindOther           Kind = "other"            // any other string (generic walk)
)

// Code numbers the known kinds from 1 (0 for any other), for compact keys.
func (k Kind) Code() uint8 {
	switch k {
	case KindText:
		return 1
	case KindReasoning:
		return 2
	case KindToolDescription:
		return 3
	case KindToolArguments:
		return 4
	case KindToolResult:
		return 5
	case KindDocument:
		return 6
	case KindMedia:
		return 7
	case KindOther:
		return 8
	}
	return 0
}

// Segment is one piece of text from a body together with where it came
// from. Detectors report findings against a segment and a byte span of its
// Text.
type Segment struct {
	// Text is the decoded string value (JSON escapes resolved).
	Text string
	// Location is the JSON path of the string in the body, e.g.
	// "messages[3].content[1].text". For text reassembled from a stream it is
	// the path inside the event payloads, prefixed with "stream.".
	Location string
	Role     Role
	Trust    Trust
	Kind     Kind
	// ToolCallID links a tool_arguments or tool_result segment to its ToolCall.
	ToolCallID string
	// Turn is the index of the conversational turn (message) the segment
	// belongs to, counted from 0 in body order; tool definitions and
	// system prompts outside the message list get -1. Flow rules use it to
	// tell what came before what.
	Turn int
	// Raw is the byte range [Start, End) of the JSON string literal (quotes
	// included) in Interaction.Raw, or {-1, -1} when the text has no single
	// literal in the body (reassembled stream text). Redaction rewrites the
	// body by replacing exactly this literal.
	RawStart, RawEnd int
}

// HasRaw reports whether the segment maps to one string literal of the body,
// so that it can be rewritten in place.
func (s *Segment) HasRaw() bool { return s.RawStart >= 0 && s.RawEnd > s.RawStart }

// ToolDef is a tool the client offered to the model.
type ToolDef struct {
	Name        string
	Description string
	// Type is the provider's tool type ("function", "web_search", "bash_20250124", ...).
	Type string
	// Location of the definition in the body.
	Location string
}

// ToolCall is a tool invocation requested by the model, either in a response
// or carried in the conversation history of a request.
type ToolCall struct {
	ID   string
	Name string
	// Arguments is the raw JSON text of the arguments as the provider sent
	// them (OpenAI sends a JSON string; others an object, re-serialized
	// compactly here).
	Arguments string
	// Args is Arguments parsed, or nil when they are not a JSON object.
	Args map[string]any
	// ArgSegments are the indexes in Interaction.Segments of the
	// tool_arguments segments of this call: one when the provider sends the
	// arguments as a JSON string (OpenAI), one per string leaf when it sends
	// an object (Anthropic, Gemini, Bedrock).
	ArgSegments []int
	// ResultSegments are the indexes of the tool_result segments answering
	// this call (linked by call id, or by name and order where the API has
	// no ids), empty when the result is not (yet) known.
	ResultSegments []int
	// Turn is the turn the call was made in (see Segment.Turn).
	Turn     int
	Location string
}

// Principal is who the request is made for.
type Principal struct {
	ID     string   // stable identifier (login, email, node id)
	Name   string   // display name when known
	Groups []string // groups or grants, for policy conditions
	// Source says where the identity came from: a header name, "aperture",
	// "config", or "" when unknown.
	Source string
}

// Agent is the client software that made the request, classified from its
// User-Agent.
type Agent struct {
	Name      string // "claude-code", "codex", "cursor", ..., or "unknown"
	Version   string // when the User-Agent carries one
	UserAgent string // the original header value
}

// Usage is token accounting when the body reports it (responses).
type Usage struct {
	InputTokens  int64
	OutputTokens int64
}

// Anomaly records a place where the body would be read differently by a
// lenient JSON reader than by a strict one: a duplicate key or keys that
// differ only in case. Shadowed values are still scanned, and the evaluator
// reports each anomaly as category evasion.
type Anomaly struct {
	Location string // path of the object holding the keys
	Key      string // the key as first seen
	Kind     string // "duplicate_key" or "case_variant_key"
}

// Interaction is everything sluice knows about one request or response body.
type Interaction struct {
	// API is the recognised API name, e.g. "openai.chat_completions" or
	// "unknown".
	API      string
	Provider string // "openai", "anthropic", "google", "aws", or ""
	Phase    Phase
	Path     string // the URL path the body was sent to (query stripped)
	Model    string
	Stream   bool // the request asked for a streamed response

	Segments  []Segment
	Tools     []ToolDef
	ToolCalls []ToolCall
	Anomalies []Anomaly

	Principal  Principal
	Agent      Agent
	SessionID  string
	RequestID  string
	Usage      Usage
	Attributes map[string]string // door-provided attributes (e.g. Aperture grants)

	// Raw is the body exactly as received (decompressed). Segment raw ranges
	// index into it.
	Raw []byte
}

// Operation returns the GenAI operation name for the API ("chat",
// "generate_content", ...), following OpenTelemetry's gen_ai conventions.
func (ix *Interaction) Operation() string {
	switch ix.API {
	case "openai.chat_completions", "anthropic.messages", "bedrock.converse", "bedrock.invoke", "openai.responses":
		return "chat"
	case "gemini.generate_content":
		return "generate_content"
	}
	return ""
}

// ToolNamesCalled returns the distinct names of tool calls, in order of first use.
func (ix *Interaction) ToolNamesCalled() []string {
	return distinct(len(ix.ToolCalls), func(i int) string { return ix.ToolCalls[i].Name })
}

// ToolNamesDefined returns the distinct names of offered tools, in order.
func (ix *Interaction) ToolNamesDefined() []string {
	return distinct(len(ix.Tools), func(i int) string { return ix.Tools[i].Name })
}

func distinct(n int, at func(int) string) []string {
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	seen := make(map[string]struct{}, n)
	for i := 0; i < n; i++ {
		s := at(i)
		if s == "" {
			continue
		}
		if _, ok := seen[s]; ok {
			continue
		}
		seen[s] = struct{}{}
		out = append(out, s)
	}
	return out
}

// AddSegment appends a segment and returns its index.
func (ix *Interaction) AddSegment(s Segment) int {
	ix.Segments = append(ix.Segments, s)
	return len(ix.Segments) - 1
}
