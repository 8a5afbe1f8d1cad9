package httpapi

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/interaction"
)

func TestHookPhase(t *testing.T) {
	tests := []struct {
		name, payload string
		want          phase
		event         string
	}{
		{"event_pre_request", `{"event":"pre_request","response_body":{"x":1}}`, phasePre, EventPreRequest},
		{"event_entire_request", `{"event":"entire_request"}`, phasePost, EventEntireRequest},
		{"event_tool_call_entire_request", `{"event":"tool_call_entire_request"}`, phasePost, EventToolCallEntireRequest},
		{"inferred_pre", `{"metadata":{},"request_body":{"messages":[]}}`, phasePre, EventPreRequest},
		{"inferred_response_body", `{"metadata":{},"response_body":{"type":"message"}}`, phasePost, EventEntireRequest},
		{"inferred_raw_responses", `{"metadata":{},"raw_responses":[{"type":"message_stop"}]}`, phasePost, EventEntireRequest},
		{"inferred_tool_calls", `{"metadata":{},"tool_calls":[{"name":"bash","params":{}}]}`, phasePost, EventToolCallEntireRequest},
		// Fields a sender writes without filling them say nothing.
		{"null_fields_are_pre", `{"metadata":{},"response_body":null,"raw_responses":null,"tool_calls":null}`, phasePre, EventPreRequest},
		{"empty_fields_are_pre", `{"metadata":{},"response_body":"","raw_responses":[],"tool_calls":[]}`, phasePre, EventPreRequest},
		{"unknown_event_inferred", `{"event":"something_new","tool_calls":[{"name":"x"}]}`, phasePost, "something_new"},
		{"unknown_fields_ignored", `{"metadata":{"future":true},"whatever":[1,2],"request_body":{}}`, phasePre, EventPreRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc, err := parseHookCall([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			got := hc.phase()
			if got != tt.want {
				t.Errorf("phase = %d, want %d", got, tt.want)
			}
			if ev := hc.eventName(got); ev != tt.event {
				t.Errorf("event = %q, want %q", ev, tt.event)
			}
		})
	}
}

func TestParseHookCallErrors(t *testing.T) {
	tests := []struct{ name, payload, wantMsg string }{
		{"not_json", `{"metadata": {"login_name": "secret-value-here`, "not valid JSON"},
		{"syntax", `{"metadata": {"login_name": "x"} "request_body": {}}`, "at byte 33"},
		{"wrong_type", `{"metadata": {"login_name": 42}}`, "field metadata.login_name must be a string, not a number"},
		{"wrong_type_tool_call", `{"tool_calls": [{"name": "x"}, "bash"]}`, "field tool_calls[1] must be an object, not a string"},
		{"wrong_type_nested", `{"tool_calls": [{"name": {"a": 1}}]}`, "field tool_calls[0].name must be a string, not an object"},
		{"wrong_type_metadata", `{"metadata": "alice"}`, "field metadata must be an object, not a string"},
		{"top_level_array", `[{"metadata": {}}]`, "must be a JSON object"},
		{"empty", ``, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseHookCall([]byte(tt.payload))
			ae, ok := err.(*apiError)
			if !ok {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if ae.status != 400 || ae.code != CodeRequestParse {
				t.Errorf("got %d %s", ae.status, ae.code)
			}
			if !strings.Contains(ae.msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", ae.msg, tt.wantMsg)
			}
			if strings.Contains(ae.msg, "secret-value") || strings.Contains(ae.Error(), "secret-value") {
				t.Errorf("error echoes body content: %q", ae.Error())
			}
		})
	}
}

func TestUnwrapBody(t *testing.T) {
	tests := []struct {
		name, raw, want string
		kind            bodyKind
	}{
		{"absent", ``, "", bodyAbsent},
		{"null", `null`, "", bodyAbsent},
		{"empty_string", `""`, "", bodyAbsent},
		{"object", ` {"a":1} `, `{"a":1}`, bodyJSON},
		{"string_holding_json", `"{\"a\":1}"`, `{"a":1}`, bodyString},
		{"string_holding_text", `"just text"`, `"just text"`, bodyText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kind := unwrapBody(json.RawMessage(tt.raw))
			if kind != tt.kind || string(got) != tt.want {
				t.Errorf("got %q kind %d, want %q kind %d", got, kind, tt.want, tt.kind)
			}
		})
	}
}

func TestURLPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://aperture.tail1234.ts.net/v1/messages", "/v1/messages"},
		{"https://aperture.tail1234.ts.net/v1/messages?beta=true", "/v1/messages"},
		{"/v1/chat/completions", "/v1/chat/completions"},
		{"http://ai/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"},
		{"http://ai/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", "/v1beta/models/gemini-2.5-pro:streamGenerateContent"},
		{"http://bad host/v1/messages", "/v1/messages"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := urlPath(tt.in); got != tt.want {
				t.Errorf("urlPath(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPrincipalOf(t *testing.T) {
	tests := []struct {
		name string
		m    hookMetadata
		want interaction.Principal
	}{
		{"user", hookMetadata{LoginName: "alice@example.com", StableNodeID: "nA"},
			interaction.Principal{ID: "alice@example.com", Name: "alice@example.com", Source: "aperture"}},
		{"tagged_device", hookMetadata{LoginName: "tagged-devices", StableNodeID: "nCI42"},
			interaction.Principal{ID: "nCI42", Name: "tagged-devices", Source: "aperture"}},
		{"no_login", hookMetadata{StableNodeID: "nX"}, interaction.Principal{ID: "nX", Source: "aperture"}},
		{"nothing", hookMetadata{}, interaction.Principal{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := principalOf(&tt.m)
			if got.ID != tt.want.ID || got.Name != tt.want.Name || got.Source != tt.want.Source {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestHookAttributes(t *testing.T) {
	hc, err := parseHookCall([]byte(`{
	  "metadata": {
	    "login_name": "tagged-devices", "stable_node_id": "nCI42", "provider": "anthropic",
	    "tailnet_name": "example.ts.net", "url": "https://ai.example.ts.net/v1/messages",
	    "grants": {
	      "tailscale.com/cap/aperture": [{"models": "anthropic/**"}, {"role": "user"}],
	      "example.com/cap/ai": [{"tier": "enterprise", "teams": ["infra", "ml"], "max": 3, "nested": {"x": 1}},
	                             {"tier": "pilot"}]
	    },
	    "estimated_cost": {"dollars": 0.0042, "cost_basis": "anthropic/claude-sonnet-4"}
	  }}`))
	if err != nil {
		t.Fatal(err)
	}
	got := hookAttributes(hc, EventEntireRequest, "ai.example.ts.net")
	want := map[string]string{
		AttrEvent:                        EventEntireRequest,
		AttrProvider:                     "anthropic",
		AttrTailnet:                      "example.ts.net",
		AttrLoginName:                    "tagged-devices",
		AttrStableNodeID:                 "nCI42",
		AttrTaggedDevice:                 "true",
		AttrHost:                         "ai.example.ts.net",
		AttrGrantCapabilities:            "example.com/cap/ai,tailscale.com/cap/aperture",
		"grant.example.com/cap/ai.tier":  "enterprise,pilot",
		"grant.example.com/cap/ai.teams": "infra,ml",
		"grant.example.com/cap/ai.max":   "3",
		"grant.tailscale.com/cap/aperture.models": "anthropic/**",
		"grant.tailscale.com/cap/aperture.role":   "user",
		AttrEstimatedCostUSD:                      "0.0042",
		AttrCostBasis:                             "anthropic/claude-sonnet-4",
	}
	grants := got[AttrGrants]
	delete(got, AttrGrants)
	if !maps.Equal(got, want) {
		for _, k := range slices.Sorted(maps.Keys(got)) {
			if got[k] != want[k] {
				t.Errorf("%s = %q, want %q", k, got[k], want[k])
			}
		}
		for k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("missing %s", k)
			}
		}
	}
	if !json.Valid([]byte(grants)) || !strings.Contains(grants, `"tier":"enterprise"`) || strings.ContainsAny(grants, "\n ") {
		t.Errorf("grants attribute is not the compact JSON: %q", grants)
	}

	t.Run("lenient", func(t *testing.T) {
		// Shapes sluice does not expect never fail the call.
		hc, err := parseHookCall([]byte(`{"metadata":{"grants":[1,2],"estimated_cost":"cheap"}}`))
		if err != nil {
			t.Fatal(err)
		}
		a := hookAttributes(hc, EventPreRequest, "")
		if a[AttrGrants] != "[1,2]" || a[AttrGrantCapabilities] != "" || a[AttrEstimatedCostUSD] != "" {
			t.Errorf("got %v", a)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"metadata":{"grants":{"example.com/cap/big":[{`)
		for i := range 200 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"f` + itoa(int64(i)) + `":"` + strings.Repeat("v", 100) + `"`)
		}
		b.WriteString(`}]}}}`)
		hc, err := parseHookCall([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		a := hookAttributes(hc, EventPreRequest, "")
		n := 0
		for k := range a {
			if strings.HasPrefix(k, AttrGrantPrefix) {
				n++
			}
		}
		if n != maxGrantAttrs {
			t.Errorf("%d grant attributes, want the bound %d", n, maxGrantAttrs)
		}
		if _, ok := a[AttrGrants]; ok {
			t.Errorf("grants JSON over %d bytes kept", maxGrantsJSON)
		}
	})
}

func TestAPIHint(t *testing.T) {
	tests := []struct{ path, provider, want string }{
		{"/v1/messages", "", "anthropic.messages"},
		{"/v1/responses", "openai", "openai.responses"},
		{"/custom/route", "anthropic", "anthropic.messages"},
		{"/custom/route", "openai", "openai.chat_completions"},
		{"/custom/route", "vertex", "gemini.generate_content"},
		{"/custom/route", "bedrock", "bedrock.converse"},
		{"/custom/route", "", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.want+"_"+tt.provider, func(t *testing.T) {
			if got := apiHint(tt.path, tt.provider); got != tt.want {
				t.Errorf("apiHint(%q, %q) = %q, want %q", tt.path, tt.provider, got, tt.want)
			}
		})
	}
}
