package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

// The envelopes (a hook call, an evaluate request) are mostly the provider
// body, which the evaluator parses itself. So the door splits the top
// level with scanObject, hands the body to the evaluator as the slice of
// the envelope it occupies, and parses only the small fields it reads
// (metadata, tool calls, ...) with jsontree, sluice's strict single-pass
// parser. On a 16 KB hook call encoding/json costs about ten times as
// much (it validates, then decodes every string of the body with
// reflection), on the request path of every LLM call.

// treePool recycles parse trees: a tree's nodes are copied out (strings
// alias the parsed text, raw values alias the body) before it goes back.
var treePool = sync.Pool{New: func() any { return new(jsontree.Tree) }}

// envelope reads fields from a parsed JSON object, with type errors that
// name the field and the JSON kind found but never the value.
type envelope struct {
	t   *jsontree.Tree
	src []byte
	err error
}

// parseField parses the value of a top-level field that must be of kind
// want (an object or an array). It returns nil for a missing or null field.
func parseField(path string, src []byte, want jsontree.Kind) (*envelope, error) {
	if len(src) == 0 {
		return nil, nil
	}
	t := treePool.Get().(*jsontree.Tree)
	if err := (jsontree.Parser{}).ParseInto(t, string(src)); err != nil {
		treePool.Put(t)
		return nil, syntaxError("field "+path, err)
	}
	switch k := t.Kind(0); k {
	case want:
		return &envelope{t: t, src: src}, nil
	case jsontree.Null:
		treePool.Put(t)
		return nil, nil
	default:
		treePool.Put(t)
		return nil, typeError(path, kindName(want), k)
	}
}

// stringField decodes the value of a top-level field that must be a
// string; a missing or null field is "".
func stringField(path string, src []byte) (string, error) {
	if len(src) == 0 {
		return "", nil
	}
	if src[0] == '"' && len(src) >= 2 && !hasEscapeOrHigh(src) {
		return string(src[1 : len(src)-1]), nil
	}
	t := treePool.Get().(*jsontree.Tree)
	defer treePool.Put(t)
	if err := (jsontree.Parser{}).ParseInto(t, string(src)); err != nil {
		return "", syntaxError("field "+path, err)
	}
	switch k := t.Kind(0); k {
	case jsontree.String:
		return t.Nodes[0].Str, nil
	case jsontree.Null:
		return "", nil
	default:
		return "", typeError(path, "a string", k)
	}
}

// hasEscapeOrHigh reports whether a string literal needs decoding: escapes,
// or non-ASCII bytes that may be invalid UTF-8 (which jsontree replaces).
func hasEscapeOrHigh(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			return true
		}
	}
	return false
}

func typeError(path, want string, got jsontree.Kind) *apiError {
	return newError(http.StatusBadRequest, CodeRequestParse,
		fmt.Sprintf("field %s must be %s, not %s", path, want, kindName(got)), nil)
}

// release returns the tree to the pool; the envelope is unusable after.
func (e *envelope) release() {
	treePool.Put(e.t)
	e.t = nil
}

func syntaxError(what string, err error) *apiError {
	var se *jsontree.SyntaxError
	if errors.As(err, &se) {
		return newError(http.StatusBadRequest, CodeRequestParse,
			fmt.Sprintf("%s is not valid JSON (%s at byte %d)", what, se.Reason, se.Offset), nil)
	}
	return newError(http.StatusBadRequest, CodeRequestParse, what+" is not valid JSON", nil)
}

func kindName(k jsontree.Kind) string {
	switch k {
	case jsontree.True, jsontree.False:
		return "a boolean"
	case jsontree.Object, jsontree.Array:
		return "an " + k.String()
	case jsontree.Invalid:
		return "nothing"
	}
	return "a " + k.String()
}

func (e *envelope) typeError(path string, want string, got jsontree.Kind) {
	if e.err == nil {
		e.err = typeError(path, want, got)
	}
}

// str returns the string member key of obj; a missing or null member is "".
func (e *envelope) str(obj int32, key, path string) string {
	i := e.t.Get(obj, key)
	switch k := e.t.Kind(i); k {
	case jsontree.String:
		return e.t.Nodes[i].Str
	case jsontree.Invalid, jsontree.Null:
	default:
		e.typeError(path, "a string", k)
	}
	return ""
}

// raw returns the member key of obj as the bytes it occupies in the
// source (nil when missing).
func (e *envelope) raw(obj int32, key string) json.RawMessage {
	return e.rawNode(e.t.Get(obj, key))
}

func (e *envelope) rawNode(i int32) json.RawMessage {
	if i < 0 {
		return nil
	}
	n := &e.t.Nodes[i]
	return e.src[n.Start:n.End:n.End]
}

// parseHookCall reads Aperture's HookCallData. Unknown fields are ignored;
// a known field of the wrong type is an error naming it.
func parseHookCall(body []byte) (*hookCall, error) {
	hc := new(hookCall)
	var event, userMsg, md, tools, events []byte
	err := scanObject("hook payload", body, func(key, val []byte) {
		switch string(key) {
		case "event":
			event = val
		case "metadata":
			md = val
		case "request_body":
			hc.RequestBody = val
		case "user_message":
			userMsg = val
		case "response_body":
			hc.ResponseBody = val
		case "raw_responses":
			events = val
		case "tool_calls":
			tools = val
		}
	})
	if err != nil {
		return nil, err
	}
	if hc.Event, err = stringField("event", event); err != nil {
		return nil, err
	}
	if hc.UserMessage, err = stringField("user_message", userMsg); err != nil {
		return nil, err
	}
	if err := hc.Metadata.parse(md); err != nil {
		return nil, err
	}
	e, err := parseField("raw_responses", events, jsontree.Array)
	if err != nil {
		return nil, err
	}
	if e != nil {
		hc.RawResponses = make([]json.RawMessage, 0, e.t.Nodes[0].Len)
		for c := e.t.First(0); c >= 0; c = e.t.Next(c) {
			hc.RawResponses = append(hc.RawResponses, e.rawNode(c))
		}
		e.release()
	}
	if e, err = parseField("tool_calls", tools, jsontree.Array); err != nil {
		return nil, err
	}
	if e != nil {
		defer e.release()
		hc.ToolCalls = make([]hookToolUse, 0, e.t.Nodes[0].Len)
		for c := e.t.First(0); c >= 0; c = e.t.Next(c) {
			path := fmt.Sprintf("tool_calls[%d]", len(hc.ToolCalls))
			if k := e.t.Kind(c); k != jsontree.Object {
				return nil, typeError(path, "an object", k)
			}
			hc.ToolCalls = append(hc.ToolCalls, hookToolUse{
				Name:   e.str(c, "name", path+".name"),
				Params: e.raw(c, "params"),
			})
		}
		if e.err != nil {
			return nil, e.err
		}
	}
	return hc, nil
}

func (m *hookMetadata) parse(src []byte) error {
	e, err := parseField("metadata", src, jsontree.Object)
	if err != nil || e == nil {
		return err
	}
	defer e.release()
	m.LoginName = e.str(0, "login_name", "metadata.login_name")
	m.UserAgent = e.str(0, "user_agent", "metadata.user_agent")
	m.URL = e.str(0, "url", "metadata.url")
	m.Model = e.str(0, "model", "metadata.model")
	m.Provider = e.str(0, "provider", "metadata.provider")
	m.TailnetName = e.str(0, "tailnet_name", "metadata.tailnet_name")
	m.StableNodeID = e.str(0, "stable_node_id", "metadata.stable_node_id")
	m.RequestID = e.str(0, "request_id", "metadata.request_id")
	m.SessionID = e.str(0, "session_id", "metadata.session_id")
	m.Grants = e.raw(0, "grants")
	m.EstimatedCost = e.raw(0, "estimated_cost")
	return e.err
}

// parseEvaluateRequest reads the body of POST /v1/evaluate.
func parseEvaluateRequest(body []byte) (*evaluateRequest, error) {
	req := new(evaluateRequest)
	var path, phase, api, ct, headers []byte
	err := scanObject("request", body, func(key, val []byte) {
		switch string(key) {
		case "path":
			path = val
		case "headers":
			headers = val
		case "body":
			req.Body = val
		case "phase":
			phase = val
		case "api":
			api = val
		case "content_type":
			ct = val
		}
	})
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		src  []byte
		dst  *string
	}{{"path", path, &req.Path}, {"phase", phase, &req.Phase}, {"api", api, &req.API}, {"content_type", ct, &req.ContentType}} {
		if *f.dst, err = stringField(f.name, f.src); err != nil {
			return nil, err
		}
	}
	e, err := parseField("headers", headers, jsontree.Object)
	if err != nil || e == nil {
		return req, err
	}
	defer e.release()
	req.Headers = make(map[string]string, e.t.Nodes[0].Len)
	for c := e.t.First(0); c >= 0; c = e.t.Next(c) {
		n := &e.t.Nodes[c]
		name := strings.ToLower(n.Key)
		switch n.Kind {
		case jsontree.String:
			req.Headers[name] = n.Str
		case jsontree.Array:
			var vals []string
			for v := e.t.First(c); v >= 0; v = e.t.Next(v) {
				if k := e.t.Kind(v); k != jsontree.String {
					return nil, typeError("headers."+n.Key+"[]", "a string", k)
				}
				vals = append(vals, e.t.Nodes[v].Str)
			}
			req.Headers[name] = strings.Join(vals, ", ")
		default:
			return nil, typeError("headers."+n.Key, "a string or an array of strings", n.Kind)
		}
	}
	return req, nil
}
