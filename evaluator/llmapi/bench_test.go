package llmapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchRequest grows a hand-written transcript to about size bytes by
// repeating its conversation, as a long agent session does, and encodes
// it compactly as SDKs send it.
func benchRequest(b *testing.B, file string, size int) []byte {
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		b.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	key := ""
	for _, k := range []string{"messages", "input", "contents"} {
		if _, ok := doc[k].([]any); ok {
			key = k
			break
		}
	}
	turns := doc[key].([]any)
	grown := append([]any(nil), turns...)
	for {
		doc[key] = grown
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			b.Fatal(err)
		}
		if buf.Len() >= size {
			return bytes.TrimSpace(buf.Bytes())
		}
		grown = append(grown, turns...)
	}
}

// BenchmarkParseRequest parses a ~16 KB multi-turn agent request of each
// API.
func BenchmarkParseRequest(b *testing.B) {
	for _, tc := range transcripts {
		body := benchRequest(b, tc.file, 16<<10)
		name := strings.TrimSuffix(tc.file, ".request.json")
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseRequest(tc.path, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// longSSE builds an Anthropic stream of about size bytes: thinking, text
// in small deltas, and a tool call whose input streams as JSON pieces, the
// shape of a coding agent's turn.
func longSSE(size int) []byte {
	var b bytes.Buffer
	ev := func(typ, data string) { fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", typ, data) }
	ev("message_start", `{"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":9000,"output_tokens":1}}}`)
	ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}`)
	for i := 0; b.Len() < size/4; i++ {
		ev("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Step %d: read the failing test and compare the expected value. "}}`, i))
	}
	ev("content_block_stop", `{"type":"content_block_stop","index":0}`)
	ev("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}`)
	for i := 0; b.Len() < size/2; i++ {
		ev("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"The reservation check compares against zero (line %d) — it should use n. "}}`, i))
	}
	ev("content_block_stop", `{"type":"content_block_stop","index":1}`)
	ev("content_block_start", `{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_bench","name":"Edit","input":{}}}`)
	ev("content_block_delta", `{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"file_path\": \"/src/reserve.go\", \"new_string\": \""}}`)
	for b.Len() < size {
		ev("content_block_delta", `{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\\tif avail < n {\\n\\t\\treturn ErrInsufficientStock\\n\\t}\\n"}}`)
	}
	ev("content_block_delta", `{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"}"}}`)
	ev("content_block_stop", `{"type":"content_block_stop","index":2}`)
	ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":5000}}`)
	ev("message_stop", `{"type":"message_stop"}`)
	return b.Bytes()
}

// BenchmarkStreamAssembler feeds a ~1 MB SSE stream in 4 KB chunks (an
// Envoy body chunk), alone and with a snapshot after every chunk as the
// door evaluates.
func BenchmarkStreamAssembler(b *testing.B) {
	body := longSSE(1 << 20)
	for _, snapshot := range []bool{false, true} {
		name := "feed"
		if snapshot {
			name = "feed+snapshot"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				a := NewStreamAssembler(APIAnthropicMessages, ctSSE, 0)
				for i := 0; i < len(body); i += 4096 {
					if err := a.Feed(body[i:min(i+4096, len(body))]); err != nil {
						b.Fatal(err)
					}
					if snapshot {
						_ = a.Interaction()
					}
				}
				if err := a.Close(); err != nil {
					b.Fatal(err)
				}
				if ix := a.Interaction(); len(ix.ToolCalls) != 1 || ix.ToolCalls[0].Args == nil {
					b.Fatal("stream not assembled")
				}
			}
		})
	}
}

// BenchmarkParseResponse parses a complete JSON response with server tool
// results.
func BenchmarkParseResponse(b *testing.B) {
	body := readStream(b, "anthropic-messages/vercel-anthropic-web-search-tool.1.response.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResponse(APIAnthropicMessages, body, "application/json"); err != nil {
			b.Fatal(err)
		}
	}
}
