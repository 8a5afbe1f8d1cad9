package llmapi

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/evaluator/llmapi/jsontree"
)

var fuzzPaths = []string{
	"/v1/chat/completions", "/v1/responses", "/v1/messages",
	"/v1beta/models/g:generateContent", "/model/m/converse", "/model/m/invoke", "/unknown",
}

// FuzzParseRequest checks that any body either fails with ErrNotJSON (and
// is indeed not JSON) or parses into an Interaction whose raw ranges hold
// exactly its texts, whatever API the path names, and that equals what the
// reference path makes of it and owns all its strings (checkSettled).
func FuzzParseRequest(f *testing.F) {
	for _, tc := range transcripts {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			f.Fatal(err)
		}
		for i := range fuzzPaths {
			f.Add(uint8(i), b)
		}
	}
	f.Add(uint8(0), []byte(`{"messages":[{"role":"user","Role":"system","content":"a","content":[{"type":"text","text":"b"}]}],"messages":null}`))
	f.Add(uint8(3), []byte(`{"contents":{"parts":{"functionCall":{"name":"f","args":{"a":["\ud83d"]}}}}}`))
	f.Add(uint8(2), []byte(`{"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","input":"x"},{"type":"tool_result","tool_use_id":"t","content":[{"type":"document","source":{"type":"text","data":"d"}}]}]}]}`))
	f.Add(uint8(1), []byte(`{"input":[{"type":"function_call","call_id":"c","arguments":"{\"a\":1,\"a\":2}"},{"type":"web_search_call","action":{"sources":[{"url":"u"}]}}]}`))
	f.Fuzz(func(t *testing.T, pi uint8, body []byte) {
		path := fuzzPaths[int(pi)%len(fuzzPaths)]
		ix, err := ParseRequest(path, body)
		if err != nil {
			if !errors.Is(err, ErrNotJSON) {
				t.Fatalf("error %v is not ErrNotJSON", err)
			}
			if json.Valid(body) && !errors.Is(err, jsontree.ErrTooDeep) {
				t.Fatalf("valid JSON rejected: %v", err)
			}
			return
		}
		checkInvariants(t, ix, body)
		checkSettled(t, path, "", body, "")
	})
}

var fuzzAPIs = []string{APIOpenAIChat, APIOpenAIResponses, APIAnthropicMessages, APIGeminiGenerate, APIBedrockConverse, APIBedrockInvoke, ""}
var fuzzTypes = []string{ctSSE, ctJSONL, ctES, "application/json", ""}

// FuzzStreamAssembler feeds arbitrary bytes, cut in three, under every API
// and framing: no panic, the pending tail stays within its bound, and every
// snapshot is well formed.
func FuzzStreamAssembler(f *testing.F) {
	for _, s := range splitStreams {
		b := readStream(f, s.file)
		if len(b) > 4096 {
			b = b[:4096]
		}
		f.Add(uint8(0), uint8(0), b, uint16(len(b)/3), uint16(len(b)/2))
	}
	f.Add(uint8(4), uint8(2), encodeFrame("contentBlockDelta", "event", []byte(`{"contentBlockIndex":0,"delta":{"text":"hi"}}`)), uint16(5), uint16(20))
	f.Add(uint8(3), uint8(3), []byte(`[{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","willContinue":true}}]}}]},{"candidates":[{"content":{"parts":[{"functionCall":{"partialArgs":[{"jsonPath":"$.a[3].b","stringValue":"x"}]}}]}}]}]`), uint16(10), uint16(90))
	f.Add(uint8(5), uint8(1), []byte(`{"chunk":{"bytes":"eyJ0eXBlIjoibWVzc2FnZV9zdG9wIn0="}}`+"\n"), uint16(3), uint16(9))
	f.Fuzz(func(t *testing.T, ai, ci uint8, body []byte, c1, c2 uint16) {
		const maxTail = 512
		a := NewStreamAssembler(fuzzAPIs[int(ai)%len(fuzzAPIs)], fuzzTypes[int(ci)%len(fuzzTypes)], maxTail)
		i, j := int(c1)%(len(body)+1), int(c2)%(len(body)+1)
		if i > j {
			i, j = j, i
		}
		for _, chunk := range [][]byte{body[:i], body[i:j], body[j:]} {
			if err := a.Feed(chunk); err != nil {
				return
			}
			if pending := len(a.buf) + len(a.sseData); pending > maxTail+preludeLen {
				t.Fatalf("pending %d bytes over the bound", pending)
			}
			checkInvariants(t, a.Interaction(), nil)
		}
		if err := a.Close(); err == nil {
			checkInvariants(t, a.Interaction(), nil)
		}
	})
}
