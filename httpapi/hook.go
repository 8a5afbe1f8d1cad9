package httpapi

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/llmapi"
)

// Aperture hook events.
const (
	EventPreRequest            = "pre_request"
	EventEntireRequest         = "entire_request"
	EventToolCallEntireRequest = "tool_call_entire_request"
)

// hookCall is Aperture's HookCallData (read by parseHookCall). Only
// metadata is always present; the rest depends on the hook's send list and
// the event. Unknown fields are ignored. Fields that only feed attributes
// (grants, estimated_cost) are kept raw and read leniently, so a change in
// their shape never turns a hook call into an error. Raw fields alias the
// received body.
type hookCall struct {
	Event        string            `json:"event"`
	Metadata     hookMetadata      `json:"metadata"`
	RequestBody  json.RawMessage   `json:"request_body"`
	UserMessage  string            `json:"user_message"`
	ResponseBody json.RawMessage   `json:"response_body"`
	RawResponses []json.RawMessage `json:"raw_responses"`
	ToolCalls    []hookToolUse     `json:"tool_calls"`
}

type hookMetadata struct {
	LoginName     string          `json:"login_name"`
	UserAgent     string          `json:"user_agent"`
	URL           string          `json:"url"`
	Model         string          `json:"model"`
	Provider      string          `json:"provider"`
	TailnetName   string          `json:"tailnet_name"`
	StableNodeID  string          `json:"stable_node_id"`
	RequestID     string          `json:"request_id"`
	SessionID     string          `json:"session_id"`
	Grants        json.RawMessage `json:"grants"`
	EstimatedCost json.RawMessage `json:"estimated_cost"`
}

// hookToolUse is one tool call the model asked for, as Aperture reports it.
type hookToolUse struct {
	Name   string          `json:"name"`
	Params json.RawMessage `json:"params"`
}

// phase is which half of Aperture's protocol a call belongs to.
type phase uint8

const (
	phaseAuto phase = iota // decide from the payload (/v1/aperture/events)
	phasePre               // synchronous: answer allow, block or modify
	phasePost              // fire-and-forget: answer 202, evaluate later
)

// phase tells a call's phase from its "event" field or, when it names none
// (or one sluice does not know), from its fields: only post-response calls
// carry the response. Presence means content: null, "" and [] are what a
// sender writes for a field it did not fill, so they say nothing.
func (hc *hookCall) phase() phase {
	switch hc.Event {
	case EventPreRequest:
		return phasePre
	case EventEntireRequest, EventToolCallEntireRequest, "post_response":
		return phasePost
	}
	if present(hc.ResponseBody) || len(hc.RawResponses) > 0 || len(hc.ToolCalls) > 0 {
		return phasePost
	}
	return phasePre
}

// eventName is the event recorded in AttrEvent.
func (hc *hookCall) eventName(p phase) string {
	if hc.Event != "" {
		return hc.Event
	}
	if p == phasePost {
		if len(hc.ToolCalls) > 0 {
			return EventToolCallEntireRequest
		}
		return EventEntireRequest
	}
	return EventPreRequest
}

// present reports whether a raw field holds a value.
func present(raw json.RawMessage) bool {
	v := bytes.TrimSpace(raw)
	return len(v) > 0 && !bytes.Equal(v, []byte("null")) && !bytes.Equal(v, []byte(`""`))
}

// bodyKind says how a body field was sent.
type bodyKind uint8

const (
	bodyAbsent bodyKind = iota
	bodyJSON            // a JSON value: the provider body itself
	bodyString          // a JSON string whose content is the JSON body
	bodyText            // a JSON string whose content is not JSON: evaluated as that string
)

// unwrapBody returns the bytes to evaluate for a body field. Aperture
// sends the provider body as JSON; a sender that forwards it as a string
// is accepted too. A string that does not hold JSON is evaluated as the
// JSON string itself, so its text is still scanned.
func unwrapBody(raw json.RawMessage) ([]byte, bodyKind) {
	if !present(raw) {
		return nil, bodyAbsent
	}
	raw = bytes.TrimSpace(raw)
	if raw[0] != '"' {
		return raw, bodyJSON
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return raw, bodyText
	}
	inner := []byte(s)
	if json.Valid(inner) {
		return inner, bodyString
	}
	return raw, bodyText
}

// urlParts returns the path of metadata.url, still escaped (llmapi
// decodes percent-encoded model ids itself), and its host. A URL that does
// not parse still yields its path.
func urlParts(raw string) (path, host string) {
	if raw == "" {
		return "", ""
	}
	if u, err := url.Parse(raw); err == nil {
		return u.EscapedPath(), u.Hostname()
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		raw = raw[i+3:]
		if j := strings.IndexByte(raw, '/'); j >= 0 {
			raw = raw[j:]
		} else {
			raw = "/"
		}
	}
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	return raw, ""
}

func urlPath(raw string) string {
	p, _ := urlParts(raw)
	return p
}

// principalOf maps Aperture's identity: the Tailscale login, or for a
// tagged device (whose login is the placeholder "tagged-devices") its
// stable node id, which names the machine.
func principalOf(m *hookMetadata) interaction.Principal {
	if m.LoginName != "" && m.LoginName != taggedDevices {
		return interaction.Principal{ID: m.LoginName, Name: m.LoginName, Source: principalSource}
	}
	if m.StableNodeID != "" {
		return interaction.Principal{ID: m.StableNodeID, Name: m.LoginName, Source: principalSource}
	}
	return interaction.Principal{}
}

// apiHint names the API of a call before its body is parsed: from the URL
// path, else from Aperture's provider id. Synthesized bodies (from
// user_message or tool_calls) are written in this API's format.
func apiHint(path, provider string) string {
	if api, _, _ := llmapi.Recognize(path); api != llmapi.APIUnknown {
		return api
	}
	switch strings.ToLower(provider) {
	case "anthropic":
		return llmapi.APIAnthropicMessages
	case "openai", "azure", "openrouter":
		return llmapi.APIOpenAIChat
	case "google", "gemini", "vertex":
		return llmapi.APIGeminiGenerate
	case "bedrock", "aws":
		return llmapi.APIBedrockConverse
	}
	return llmapi.APIUnknown
}

// hookInput is what every evaluation of a call shares: the door, who, with
// which agent, where, and the attributes policies can test.
func hookInput(hc *hookCall, ph interaction.Phase, event, sourceIP string) evaluator.Input {
	m := &hc.Metadata
	path, host := urlParts(m.URL)
	return evaluator.Input{
		Phase:       ph,
		Path:        path,
		ContentType: "application/json",
		Door:        evaluator.DoorAperture,
		Principal:   principalOf(m),
		UserAgent:   m.UserAgent,
		SessionID:   m.SessionID,
		RequestID:   m.RequestID,
		Model:       m.Model,
		SourceIP:    sourceIP,
		Attributes:  hookAttributes(hc, event, host),
	}
}

// withSource returns a copy of in for one evaluation of a call, recording
// which field its body came from.
func withSource(in evaluator.Input, source string) evaluator.Input {
	in.Attributes = maps.Clone(in.Attributes)
	if in.Attributes == nil {
		in.Attributes = map[string]string{}
	}
	in.Attributes[AttrBodySource] = source
	return in
}

// hookAttributes builds the attributes of a call (see attrs.go).
func hookAttributes(hc *hookCall, event, host string) map[string]string {
	m := &hc.Metadata
	a := make(map[string]string, 8)
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set(AttrEvent, event)
	set(AttrProvider, m.Provider)
	set(AttrTailnet, m.TailnetName)
	set(AttrLoginName, m.LoginName)
	set(AttrStableNodeID, m.StableNodeID)
	if m.LoginName == taggedDevices {
		a[AttrTaggedDevice] = "true"
	}
	set(AttrHost, host)
	if present(m.Grants) {
		addGrants(a, m.Grants)
	}
	if present(m.EstimatedCost) {
		var c struct {
			Dollars   json.Number `json:"dollars"`
			CostBasis string      `json:"cost_basis"`
		}
		if json.Unmarshal(m.EstimatedCost, &c) == nil {
			set(AttrEstimatedCostUSD, c.Dollars.String())
			set(AttrCostBasis, c.CostBasis)
		}
	}
	return a
}

// addGrants flattens metadata.grants ({capability: [ {field: value} ]})
// into attributes. Only scalar fields (and arrays of scalars) become
// grant.* attributes; everything stays readable in the compact JSON.
func addGrants(a map[string]string, raw json.RawMessage) {
	var compact bytes.Buffer
	if json.Compact(&compact, raw) == nil && compact.Len() <= maxGrantsJSON {
		a[AttrGrants] = compact.String()
	}
	var caps map[string]json.RawMessage
	if json.Unmarshal(raw, &caps) != nil {
		return
	}
	names := slices.Sorted(maps.Keys(caps))
	a[AttrGrantCapabilities] = strings.Join(names, ",")
	fields := map[string][]string{}
	for _, name := range names {
		var v any
		dec := json.NewDecoder(bytes.NewReader(caps[name]))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			continue
		}
		objs, ok := v.([]any)
		if !ok {
			objs = []any{v}
		}
		for _, o := range objs {
			obj, ok := o.(map[string]any)
			if !ok {
				continue
			}
			for k, fv := range obj {
				key := AttrGrantPrefix + name + "." + k
				fields[key] = appendScalars(fields[key], fv)
			}
		}
	}
	n := 0
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		vals := fields[key]
		if len(vals) == 0 {
			continue
		}
		if n == maxGrantAttrs {
			break
		}
		slices.Sort(vals)
		v := strings.Join(slices.Compact(vals), ",")
		if len(v) > maxGrantValue {
			continue
		}
		a[key] = v
		n++
	}
}

func appendScalars(dst []string, v any) []string {
	switch x := v.(type) {
	case string:
		return append(dst, x)
	case json.Number:
		return append(dst, x.String())
	case bool:
		return append(dst, strconv.FormatBool(x))
	case []any:
		for _, e := range x {
			switch e.(type) {
			case string, json.Number, bool:
				dst = appendScalars(dst, e)
			}
		}
	}
	return dst
}
