package httpapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScanObject(t *testing.T) {
	tests := []struct {
		name, src string
		members   []string // key=value, in order
		err       string
	}{
		{name: "empty_object", src: ` { } `},
		{name: "members", src: `{"a":1,"b":"x\"y","c":{"d":[1,{"e":"]}"}]},"f":null,"g":true,"h":-1.5e3}`,
			members: []string{`a=1`, `b="x\"y"`, `c={"d":[1,{"e":"]}"}]}`, `f=null`, `g=true`, `h=-1.5e3`}},
		{name: "whitespace", src: "{\n \"a\" :\t[ 1 , 2 ] ,\r\n\"b\":{}\n}\n", members: []string{`a=[ 1 , 2 ]`, `b={}`}},
		{name: "duplicate_keys_all_reported", src: `{"a":1,"a":2}`, members: []string{`a=1`, `a=2`}},
		{name: "not_object", src: `[1]`, err: "must be a JSON object"},
		{name: "empty", src: ``, err: "empty document"},
		{name: "truncated", src: `{"a":{"b":1}`, err: "unexpected end"},
		{name: "truncated_string", src: `{"a":"abc`, err: "unterminated string"},
		{name: "trailing", src: `{"a":1} {"b":2}`, err: "data after the document"},
		{name: "missing_colon", src: `{"a" 1}`, err: "want ':'"},
		{name: "missing_comma", src: `{"a":1 "b":2}`, err: "want ',' or '}'"},
		{name: "bare_key", src: `{a:1}`, err: "want object key"},
		{name: "trailing_comma", src: `{"a":1,}`, err: "want object key"},
		{name: "mismatched", src: `{"a":[1}`, err: "mismatched bracket"},
		{name: "bad_scalar", src: `{"a":nope}`, err: "want value"},
		{name: "no_value", src: `{"a":}`, err: "want value"},
		{name: "control_char", src: "{\"a\":\"x\ny\"}", err: "control character"},
		{name: "too_deep", src: `{"a":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`, err: "nested too deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := scanObject("doc", []byte(tt.src), func(k, v []byte) { got = append(got, string(k)+"="+string(v)) })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tt.members, "\n") {
				t.Fatalf("members:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.members, "\n"))
			}
		})
	}
}

// FuzzScanObject checks scanObject against encoding/json: it never panics,
// it accepts every valid JSON object and splits it into exactly the
// members encoding/json sees (last key wins), and it refuses every
// document that is not an object.
func FuzzScanObject(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "hooks", "*.json"))
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	for _, s := range []string{`{}`, `{"a":[1,{"b":"}"}]}`, `{"a":1,"a":2}`, `[]`, `{"a":"\"}`, `{"a":tru}`, `{"a":-}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got := map[string]json.RawMessage{}
		escapedKey := false
		err := scanObject("doc", src, func(k, v []byte) {
			if bytes.IndexByte(k, '\\') >= 0 || !utf8.Valid(k) {
				escapedKey = true
			}
			got[string(k)] = json.RawMessage(v)
		})
		var want map[string]json.RawMessage
		validObject := json.Valid(src) && json.Unmarshal(src, &want) == nil && want != nil
		if validObject && depth(src) <= maxScanDepth {
			if err != nil {
				t.Fatalf("valid object refused: %v", err)
			}
			if escapedKey || hasCaseVariants(want) {
				return // keys compared raw here, decoded (and case-folded) by encoding/json
			}
			if len(got) != len(want) {
				t.Fatalf("%d members, encoding/json sees %d", len(got), len(want))
			}
			for k, v := range want {
				if !bytes.Equal(bytes.TrimSpace(got[k]), bytes.TrimSpace(v)) {
					t.Fatalf("member %q = %s, encoding/json: %s", k, got[k], v)
				}
			}
			return
		}
		if json.Valid(src) && err == nil {
			if t := bytes.TrimSpace(src); len(t) > 0 && t[0] != '{' {
				panic("non-object accepted")
			}
		}
	})
}

func depth(src []byte) int {
	d, m := 0, 0
	in := false
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case in && c == '\\':
			i++
		case c == '"':
			in = !in
		case !in && (c == '{' || c == '['):
			d++
			m = max(m, d)
		case !in && (c == '}' || c == ']'):
			d--
		}
	}
	return m
}

func hasCaseVariants(m map[string]json.RawMessage) bool {
	seen := map[string]bool{}
	for k := range m {
		l := strings.ToLower(k)
		if seen[l] {
			return true
		}
		seen[l] = true
	}
	return false
}

// FuzzHookEndpoint sends arbitrary bytes to the hook endpoint: the answer
// is always JSON and never a 5xx (malformed input is the caller's error),
// whatever the payload.
func FuzzHookEndpoint(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "hooks", "*.json"))
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b)
	}
	f.Add([]byte(`{"metadata":{"login_name":1}}`))
	f.Add([]byte(`{"request_body":"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"}`))
	f.Add([]byte(`{"tool_calls":[{"name":"bash","params":"rm -rf /"}],"raw_responses":["x",{}]}`))
	cfg := testConfig(f)
	cfg.DedupeWindow = 0
	cfg.Logger = nil // the fuzz target may not log through f
	s := newTestServer(f, &nopEngine{}, cfg)
	f.Fuzz(func(t *testing.T, body []byte) {
		w := do(t, s, "POST", PathEvents, body)
		if w.Code >= 500 {
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %s", w.Body)
		}
	})
}
