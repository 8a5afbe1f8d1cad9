package extproc

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/internal/jsonstr"
)

// The evaluator reads bodies. To check a streamed response after every
// chunk without re-reading the whole stream each time (quadratic in the
// response length), the door writes what the stream assembled so far as a
// small non-streamed response body of the same API, holding only the model
// output that is new since the last check plus a window of what came just
// before it (so a secret split across chunks is seen whole). Tool calls go
// in whole while they change: a command is judged as a whole.

// outputPart is one piece of model output for a synthesized body.
type outputPart struct {
	text      string
	reasoning bool
}

// callPart is one tool call for a synthesized body.
type callPart struct {
	id, name, args string
}

// maxWholeArgs bounds the tool-call arguments put into each check whole;
// past it only the window of their tail is.
const maxWholeArgs = 64 << 10

// streamWindow remembers what was already checked.
type streamWindow struct {
	size  int
	texts map[string]int // segment location -> bytes of text checked
	calls map[string]int // call key -> name+arguments length checked
}

func newStreamWindow(size int) *streamWindow {
	return &streamWindow{size: size, texts: map[string]int{}, calls: map[string]int{}}
}

// next returns the parts of ix not yet checked (with their window), or
// false when nothing changed since the last call.
func (w *streamWindow) next(ix *interaction.Interaction) ([]outputPart, []callPart, bool) {
	args := argSegments(ix)
	var parts []outputPart
	for i := range ix.Segments {
		s := &ix.Segments[i]
		if args[i] {
			continue
		}
		n := len(s.Text)
		prev, seen := w.texts[s.Location]
		if seen && n == prev {
			continue
		}
		start := 0
		if seen && n > prev {
			start = runeStart(s.Text, prev-w.size)
		}
		w.texts[s.Location] = n
		parts = append(parts, outputPart{text: s.Text[start:], reasoning: s.Kind == interaction.KindReasoning})
	}
	var calls []callPart
	for i := range ix.ToolCalls {
		c := &ix.ToolCalls[i]
		key := callKey(c, i)
		n := len(c.Name) + len(c.Arguments)
		if prev, ok := w.calls[key]; ok && prev == n {
			continue
		}
		prev := w.calls[key]
		w.calls[key] = n
		a := c.Arguments
		if len(a) > maxWholeArgs {
			a = a[runeStart(a, prev-len(c.Name)-w.size):]
		}
		calls = append(calls, callPart{id: c.ID, name: c.Name, args: a})
	}
	return parts, calls, len(parts) > 0 || len(calls) > 0
}

func callKey(c *interaction.ToolCall, i int) string {
	if c.ID != "" {
		return c.ID
	}
	if c.Location != "" {
		return c.Location
	}
	return strconv.Itoa(i)
}

// argSegments marks the segments that hold tool-call arguments: they are
// carried by the calls.
func argSegments(ix *interaction.Interaction) map[int]bool {
	m := map[int]bool{}
	for i := range ix.ToolCalls {
		for _, s := range ix.ToolCalls[i].ArgSegments {
			m[s] = true
		}
	}
	return m
}

// wholeOutput returns all of ix's model output, for the final check of a
// stream too large to keep as bytes.
func wholeOutput(ix *interaction.Interaction) ([]outputPart, []callPart) {
	args := argSegments(ix)
	var parts []outputPart
	for i := range ix.Segments {
		if !args[i] {
			parts = append(parts, outputPart{text: ix.Segments[i].Text, reasoning: ix.Segments[i].Kind == interaction.KindReasoning})
		}
	}
	var calls []callPart
	for _, c := range ix.ToolCalls {
		calls = append(calls, callPart{id: c.ID, name: c.Name, args: c.Arguments})
	}
	return parts, calls
}

// runeStart returns the first rune boundary at or after i (clamped to s).
func runeStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}

// synthBody writes parts and calls as a non-streamed response body of api.
func synthBody(api, model string, parts []outputPart, calls []callPart) []byte {
	b := &jsonWriter{}
	switch api {
	case llmapi.APIOpenAIChat:
		b.raw(`{"object":"chat.completion","model":`).str(model).raw(`,"choices":[{"index":0,"message":{"role":"assistant","content":`)
		b.str(joinParts(parts, false))
		if r := joinParts(parts, true); r != "" {
			b.raw(`,"reasoning_content":`).str(r)
		}
		if len(calls) > 0 {
			b.raw(`,"tool_calls":[`)
			for i, c := range calls {
				b.sep(i).raw(`{"id":`).str(c.id).raw(`,"type":"function","function":{"name":`).str(c.name).raw(`,"arguments":`).str(c.args).raw(`}}`)
			}
			b.raw(`]`)
		}
		b.raw(`}}]}`)
	case llmapi.APIOpenAIResponses:
		b.raw(`{"object":"response","model":`).str(model).raw(`,"output":[`)
		n := 0
		for _, p := range parts {
			if p.reasoning {
				b.sep(n).raw(`{"type":"reasoning","summary":[{"type":"summary_text","text":`).str(p.text).raw(`}]}`)
			} else {
				b.sep(n).raw(`{"type":"message","role":"assistant","content":[{"type":"output_text","text":`).str(p.text).raw(`}]}`)
			}
			n++
		}
		for _, c := range calls {
			b.sep(n).raw(`{"type":"function_call","call_id":`).str(c.id).raw(`,"name":`).str(c.name).raw(`,"arguments":`).str(c.args).raw(`}`)
			n++
		}
		b.raw(`]}`)
	case llmapi.APIAnthropicMessages, llmapi.APIBedrockInvoke:
		b.raw(`{"type":"message","role":"assistant","model":`).str(model).raw(`,"content":[`)
		n := 0
		for _, p := range parts {
			if p.reasoning {
				b.sep(n).raw(`{"type":"thinking","thinking":`).str(p.text).raw(`}`)
			} else {
				b.sep(n).raw(`{"type":"text","text":`).str(p.text).raw(`}`)
			}
			n++
		}
		for _, c := range calls {
			b.sep(n).raw(`{"type":"tool_use","id":`).str(c.id).raw(`,"name":`).str(c.name).raw(`,"input":`).obj(c.args).raw(`}`)
			n++
		}
		b.raw(`]}`)
	case llmapi.APIGeminiGenerate:
		b.raw(`{"candidates":[{"content":{"role":"model","parts":[`)
		n := 0
		for _, p := range parts {
			b.sep(n).raw(`{"text":`).str(p.text)
			if p.reasoning {
				b.raw(`,"thought":true`)
			}
			b.raw(`}`)
			n++
		}
		for _, c := range calls {
			b.sep(n).raw(`{"functionCall":{"name":`).str(c.name).raw(`,"args":`).obj(c.args).raw(`}}`)
			n++
		}
		b.raw(`]}}],"modelVersion":`).str(model).raw(`}`)
	case llmapi.APIBedrockConverse:
		b.raw(`{"output":{"message":{"role":"assistant","content":[`)
		n := 0
		for _, p := range parts {
			if p.reasoning {
				b.sep(n).raw(`{"reasoningContent":{"reasoningText":{"text":`).str(p.text).raw(`}}}`)
			} else {
				b.sep(n).raw(`{"text":`).str(p.text).raw(`}`)
			}
			n++
		}
		for _, c := range calls {
			b.sep(n).raw(`{"toolUse":{"toolUseId":`).str(c.id).raw(`,"name":`).str(c.name).raw(`,"input":`).obj(c.args).raw(`}}`)
			n++
		}
		b.raw(`]}}}`)
	default:
		b.raw(`{"output":[`)
		for i, p := range parts {
			b.sep(i).raw(`{"text":`).str(p.text).raw(`}`)
		}
		b.raw(`],"tool_calls":[`)
		for i, c := range calls {
			b.sep(i).raw(`{"id":`).str(c.id).raw(`,"name":`).str(c.name).raw(`,"arguments":`).str(c.args).raw(`}`)
		}
		b.raw(`]}`)
	}
	return b.buf
}

func joinParts(parts []outputPart, reasoning bool) string {
	var out []string
	for _, p := range parts {
		if p.reasoning == reasoning {
			out = append(out, p.text)
		}
	}
	return strings.Join(out, "\n")
}

// jsonWriter appends JSON text.
type jsonWriter struct{ buf []byte }

func (w *jsonWriter) raw(s string) *jsonWriter { w.buf = append(w.buf, s...); return w }

func (w *jsonWriter) sep(i int) *jsonWriter {
	if i > 0 {
		w.buf = append(w.buf, ',')
	}
	return w
}

func (w *jsonWriter) str(s string) *jsonWriter {
	w.buf = jsonstr.Append(w.buf, s)
	return w
}

// obj writes tool arguments where the API wants an object: as they are
// when they are one, else (arguments still streaming) wrapped so their
// text is scanned all the same.
func (w *jsonWriter) obj(args string) *jsonWriter {
	t := bytes.TrimSpace([]byte(args))
	if len(t) > 0 && t[0] == '{' && json.Valid(t) {
		w.buf = append(w.buf, t...)
		return w
	}
	w.buf = append(w.buf, `{"arguments":`...)
	w.str(args)
	w.buf = append(w.buf, '}')
	return w
}
