package llmapi

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/corpus"
)

const (
	ctSSE   = "text/event-stream"
	ctJSONL = "application/x-ndjson"
	ctES    = "application/vnd.amazon.eventstream"
)

// splitStreams are fed cut at every byte offset.
var splitStreams = []struct {
	name, file, api, ct string
}{
	{"chat_tools_crlf", "testdata/openai-chat-tools.response.sse", APIOpenAIChat, ctSSE},
	{"chat_usage", "openai-chat/aigw-chat-streaming-detailed-usage.response.sse", APIOpenAIChat, ctSSE},
	{"anthropic_tool_use", "anthropic-messages/sdkpy-tool-use-response.response.sse", APIAnthropicMessages, ctSSE},
	{"anthropic_mcp_jsonl", "anthropic-messages/vercel-anthropic-mcp.1.response.chunks.jsonl", APIAnthropicMessages, ctJSONL},
	{"responses_custom_tool", "openai-responses/vercel-openai-custom-tool.1.response.derived.sse", APIOpenAIResponses, ctSSE},
	{"gemini_tool_call", "gemini/vercel-google-tool-call.response.derived.sse", APIGeminiGenerate, ctSSE},
	{"bedrock_tools_jsonl", "bedrock-converse/vercel-amazon-bedrock-json-with-tool.1.response.chunks.jsonl", APIBedrockConverse, ctJSONL},
}

func readStream(t testing.TB, file string) []byte {
	t.Helper()
	path := file
	if !strings.HasPrefix(file, "testdata/") {
		path = corpus.WirePath(file)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assemble feeds body in the given chunks and returns the golden form.
func assemble(t testing.TB, api, ct string, chunks ...[]byte) []byte {
	t.Helper()
	a := NewStreamAssembler(api, ct, 0)
	for _, c := range chunks {
		if err := a.Feed(c); err != nil {
			t.Fatalf("Feed: %v", err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return marshalGolden(a.Interaction())
}

func TestStreamSplits(t *testing.T) {
	for _, s := range splitStreams {
		t.Run(s.name, func(t *testing.T) {
			body := readStream(t, s.file)
			want := assemble(t, s.api, s.ct, body)
			wantIX := assembleIX(t, s.api, s.ct, body)
			// Every offset; under the race detector every offset of the
			// hand-written stream (CRLF, multi-byte runes) and a stride
			// for the rest.
			stride := 1
			if raceEnabled && s.name != "chat_tools_crlf" {
				stride = 5
			}
			for i := 0; i <= len(body); i += stride {
				a := NewStreamAssembler(s.api, s.ct, 0)
				if a.Feed(body[:i]) != nil || a.Feed(body[i:]) != nil || a.Close() != nil {
					t.Fatalf("split at %d fails", i)
				}
				// DeepEqual first (cheap), the readable diff when it fails.
				if got := a.Interaction(); !reflect.DeepEqual(got, wantIX) {
					t.Fatalf("split at %d of %d differs:\n%s", i, len(body), firstDiff(marshalGolden(got), want))
				}
			}
			// Byte by byte, snapshotting after every byte as the door does.
			a := NewStreamAssembler(s.api, s.ct, 0)
			prevSegs := 0
			for i := range body {
				if err := a.Feed(body[i : i+1]); err != nil {
					t.Fatal(err)
				}
				ix := a.Interaction()
				if len(ix.Segments) < prevSegs {
					t.Fatalf("segments shrank from %d to %d at byte %d", prevSegs, len(ix.Segments), i)
				}
				prevSegs = len(ix.Segments)
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			if got := marshalGolden(a.Interaction()); !bytes.Equal(got, want) {
				t.Fatalf("byte-by-byte feed differs:\n%s", firstDiff(got, want))
			}
			if !a.Done() {
				t.Error("Done() is false after the whole stream")
			}
		})
	}
}

func TestStreamLineEndings(t *testing.T) {
	body := readStream(t, "anthropic-messages/sdkpy-tool-use-response.response.sse")
	want := assemble(t, APIAnthropicMessages, ctSSE, body)
	for name, variant := range map[string][]byte{
		"crlf": bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n")),
		"cr":   bytes.ReplaceAll(body, []byte("\n"), []byte("\r")),
	} {
		t.Run(name, func(t *testing.T) {
			for i := 0; i <= len(variant); i += 7 {
				if got := assemble(t, APIAnthropicMessages, ctSSE, variant[:i], variant[i:]); !bytes.Equal(got, want) {
					t.Fatalf("split at %d differs:\n%s", i, firstDiff(got, want))
				}
			}
		})
	}
}

func TestChatToolStream(t *testing.T) {
	body := readStream(t, "testdata/openai-chat-tools.response.sse")
	ix, err := ParseResponse(APIOpenAIChat, body, ctSSE)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, ix, body)
	checkGolden(t, "openai-chat-tools.response.sse", ix)
	if got, want := ix.Segments[0].Text, "Checking Lisboa and Zürich weather — one moment ☀️."; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if len(ix.ToolCalls) != 2 {
		t.Fatalf("tool calls = %d, want 2", len(ix.ToolCalls))
	}
	for i, want := range []string{"Lisboa", "Zürich"} {
		c := ix.ToolCalls[i]
		if c.Args["city"] != want || c.Name != "get_forecast" {
			t.Errorf("call %d = %s %v, want get_forecast city %s", i, c.Name, c.Args, want)
		}
	}
	if ix.Usage.InputTokens != 412 || ix.Usage.OutputTokens != 61 {
		t.Errorf("usage = %+v", ix.Usage)
	}
}

// TestDerivedSSEMatchesChunks checks that the corpus's SSE and JSON-lines
// renderings of the same stream assemble identically.
func TestDerivedSSEMatchesChunks(t *testing.T) {
	n := 0
	for _, w := range loadIndex(t) {
		if w.Format != "chunks-jsonl" {
			continue
		}
		sse := strings.TrimSuffix(w.File, ".chunks.jsonl") + ".derived.sse"
		if _, err := os.Stat(corpus.WirePath(sse)); err != nil {
			continue
		}
		n++
		t.Run(w.File, func(t *testing.T) {
			api := corpusAPI[w.API]
			a := assemble(t, api, ctJSONL, readStream(t, w.File))
			b := assemble(t, api, ctSSE, readStream(t, sse))
			if !bytes.Equal(a, b) {
				t.Errorf("chunks and SSE differ:\n%s", firstDiff(a, b))
			}
		})
	}
	if n < 20 {
		t.Fatalf("only %d pairs", n)
	}
}

// TestStreamNoAliasing overwrites every buffer the assembler reuses after
// the stream ended: the assembled Interaction must not change, proving
// nothing kept points into an event payload.
func TestStreamNoAliasing(t *testing.T) {
	for _, s := range splitStreams {
		t.Run(s.name, func(t *testing.T) {
			body := readStream(t, s.file)
			a := NewStreamAssembler(s.api, s.ct, 0)
			// Small chunks so buffers are compacted and reused many times.
			for i := 0; i < len(body); i += 13 {
				if err := a.Feed(body[i:min(i+13, len(body))]); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			before := marshalGolden(a.Interaction())
			for _, b := range [][]byte{a.buf[:cap(a.buf)], a.sseData[:cap(a.sseData)], a.sseEvent[:cap(a.sseEvent)], a.decoded[:cap(a.decoded)]} {
				for i := range b {
					b[i] = 'X'
				}
			}
			// Overwrite the event tree's decoded-string storage too.
			junk := `["X\n"` + strings.Repeat(`,"\"XX\n"`, 4096) + `]`
			for range 3 {
				if err := a.parser.ParseInto(&a.tree, junk); err != nil {
					t.Fatal(err)
				}
			}
			if after := marshalGolden(a.Interaction()); !bytes.Equal(before, after) {
				t.Fatalf("assembled content changed when buffers were overwritten:\n%s", firstDiff(after, before))
			}
		})
	}
}

func TestStreamTailBound(t *testing.T) {
	big := `data: {"choices":[{"index":0,"delta":{"content":"` + strings.Repeat("a", 4000) + `"}}]}` + "\n\n"
	a := NewStreamAssembler(APIOpenAIChat, ctSSE, 1024)
	var err error
	for i := 0; i < len(big) && err == nil; i += 100 {
		err = a.Feed([]byte(big[i:min(i+100, len(big))]))
	}
	if !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("err = %v, want ErrEventTooLarge", err)
	}
	if err2 := a.Feed([]byte("data: [DONE]\n\n")); !errors.Is(err2, ErrEventTooLarge) {
		t.Errorf("error is not sticky: %v", err2)
	}
	// The same event fits a larger bound.
	b := NewStreamAssembler(APIOpenAIChat, ctSSE, 8192)
	if err := b.Feed([]byte(big)); err != nil {
		t.Fatal(err)
	}
	if got := b.Interaction().Segments[0].Text; len(got) != 4000 {
		t.Errorf("text length %d", len(got))
	}
	// JSON lines and binary frames are bounded too.
	c := NewStreamAssembler(APIAnthropicMessages, ctJSONL, 1024)
	if err := c.Feed([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"` + strings.Repeat("b", 2000))); !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("jsonl: err = %v", err)
	}
	frame := encodeFrame("contentBlockDelta", "event", []byte(`{"contentBlockIndex":0,"delta":{"text":"`+strings.Repeat("c", 2000)+`"}}`))
	d := NewStreamAssembler(APIBedrockConverse, ctES, 1024)
	if err := d.Feed(frame[:100]); !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("eventstream: err = %v", err)
	}
}

func TestStreamDone(t *testing.T) {
	tests := []struct {
		name, api, ct, body string
		done                bool
	}{
		{"chat_done", APIOpenAIChat, ctSSE, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n", true},
		{"chat_open", APIOpenAIChat, ctSSE, "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n", false},
		{"anthropic_stop", APIAnthropicMessages, ctSSE, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", true},
		{"anthropic_error", APIAnthropicMessages, ctSSE, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", true},
		{"responses_completed", APIOpenAIResponses, ctSSE, "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"output\":[]}}\n\n", true},
		{"responses_delta", APIOpenAIResponses, ctSSE, "data: {\"type\":\"response.output_text.delta\",\"output_index\":0,\"content_index\":0,\"delta\":\"x\"}\n\n", false},
		{"gemini_finish", APIGeminiGenerate, ctSSE, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"STOP\"}]}\n\n", true},
		{"bedrock_stop", APIBedrockConverse, ctJSONL, "{\"messageStop\":{\"stopReason\":\"end_turn\"}}\n", true},
		{"sniffed_api", "", "", "data: {\"type\":\"message_stop\"}\n\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewStreamAssembler(tt.api, tt.ct, 0)
			if err := a.Feed([]byte(tt.body)); err != nil {
				t.Fatal(err)
			}
			if a.Done() != tt.done {
				t.Errorf("Done() = %v, want %v", a.Done(), tt.done)
			}
			if a.Events() == 0 {
				t.Error("no events counted")
			}
		})
	}
}

// encodeFrame builds one application/vnd.amazon.eventstream message.
func encodeFrame(eventType, messageType string, payload []byte) []byte {
	var h bytes.Buffer
	header := func(name, value string) {
		h.WriteByte(byte(len(name)))
		h.WriteString(name)
		h.WriteByte(7) // string
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(len(value)))
		h.Write(l[:])
		h.WriteString(value)
	}
	if messageType == "exception" {
		header(":exception-type", eventType)
	} else {
		header(":event-type", eventType)
	}
	header(":content-type", "application/json")
	header(":message-type", messageType)
	// A timestamp and a uuid header, to step over non-string types.
	h.WriteByte(5)
	h.WriteString(":date")
	h.WriteByte(8)
	h.Write(make([]byte, 8))
	h.WriteByte(2)
	h.WriteString("id")
	h.WriteByte(9)
	h.Write(make([]byte, 16))
	total := 12 + h.Len() + len(payload) + 4
	msg := make([]byte, 0, total)
	msg = binary.BigEndian.AppendUint32(msg, uint32(total))
	msg = binary.BigEndian.AppendUint32(msg, uint32(h.Len()))
	msg = binary.BigEndian.AppendUint32(msg, crc32.ChecksumIEEE(msg[:8]))
	msg = append(msg, h.Bytes()...)
	msg = append(msg, payload...)
	return binary.BigEndian.AppendUint32(msg, crc32.ChecksumIEEE(msg))
}

// framesFromChunks renders a corpus ConverseStream chunks file as the
// binary stream Bedrock sends: one frame per event, the event type in a
// header and the payload padded with "p" as the service does.
func framesFromChunks(t testing.TB, file string) []byte {
	var out []byte
	for _, line := range bytes.Split(readStream(t, file), []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var ev map[string]map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatal(err)
		}
		for typ, payload := range ev {
			payload["p"] = "abcdefghijklmnopqrstuvwxyzABCDEF"
			p, _ := json.Marshal(payload)
			out = append(out, encodeFrame(typ, "event", p)...)
		}
	}
	return out
}

func TestEventStreamFrames(t *testing.T) {
	files, _ := filepath.Glob(corpus.WirePath("bedrock-converse/*.chunks.jsonl"))
	if len(files) == 0 {
		t.Fatal("no bedrock chunks")
	}
	for _, f := range files {
		rel := "bedrock-converse/" + filepath.Base(f)
		t.Run(filepath.Base(f), func(t *testing.T) {
			want := assemble(t, APIBedrockConverse, ctJSONL, readStream(t, rel))
			frames := framesFromChunks(t, rel)
			if got := assemble(t, APIBedrockConverse, ctES, frames); !bytes.Equal(got, want) {
				t.Fatalf("frames differ from chunks:\n%s", firstDiff(got, want))
			}
			// Sniffed without a content type, and through ParseResponse.
			if got := assemble(t, APIBedrockConverse, "", frames); !bytes.Equal(got, want) {
				t.Fatalf("sniffed frames differ:\n%s", firstDiff(got, want))
			}
			ix, err := ParseResponse(APIBedrockConverse, frames, ctES)
			if err != nil {
				t.Fatal(err)
			}
			if got := marshalGolden(ix); !bytes.Equal(got, want) {
				t.Fatalf("ParseResponse differs:\n%s", firstDiff(got, want))
			}
			// Every offset of the first file; a stride for the rest.
			stride := 11
			if raceEnabled {
				stride = 41
			}
			if f == files[0] {
				stride = 1
			}
			for i := 0; i <= len(frames); i += stride {
				if got := assemble(t, APIBedrockConverse, ctES, frames[:i], frames[i:]); !bytes.Equal(got, want) {
					t.Fatalf("split at %d differs:\n%s", i, firstDiff(got, want))
				}
			}
		})
	}
}

func TestEventStreamErrors(t *testing.T) {
	good := encodeFrame("contentBlockDelta", "event", []byte(`{"contentBlockIndex":0,"delta":{"text":"hi"}}`))
	badPrelude := append([]byte(nil), good...)
	badPrelude[9] ^= 0xff
	badMessage := append([]byte(nil), good...)
	badMessage[len(badMessage)-6] ^= 0xff
	tests := []struct {
		name  string
		body  []byte
		close bool // the error shows at Close
	}{
		{"bad_prelude_crc", badPrelude, false},
		{"bad_message_crc", badMessage, false},
		{"truncated", good[:len(good)-3], true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewStreamAssembler(APIBedrockConverse, ctES, 0)
			err := a.Feed(tt.body)
			if tt.close {
				if err != nil {
					t.Fatalf("Feed: %v", err)
				}
				err = a.Close()
			}
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "hi") {
				t.Errorf("error %q holds payload", err)
			}
		})
	}
	t.Run("exception", func(t *testing.T) {
		body := append(append([]byte(nil), good...), encodeFrame("throttlingException", "exception", []byte(`{"message":"Too many requests, please wait."}`))...)
		ix, err := ParseResponse(APIBedrockConverse, body, ctES)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, s := range ix.Segments {
			texts = append(texts, s.Text)
		}
		if strings.Join(texts, "|") != "hi|Too many requests, please wait." {
			t.Errorf("segments = %q", texts)
		}
	})
}

// TestBedrockInvokeStream checks InvokeModelWithResponseStream: frames of
// type chunk whose base64 bytes are Anthropic events.
func TestBedrockInvokeStream(t *testing.T) {
	rel := "anthropic-messages/vercel-anthropic-mcp.1.response.chunks.jsonl"
	want := segmentsOf(t, assembleIX(t, APIAnthropicMessages, ctJSONL, readStream(t, rel)))
	var frames, lines []byte
	for _, line := range bytes.Split(readStream(t, rel), []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		p, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString(line)})
		frames = append(frames, encodeFrame("chunk", "event", p)...)
		l, _ := json.Marshal(map[string]any{"chunk": map[string]string{"bytes": base64.StdEncoding.EncodeToString(line)}})
		lines = append(append(lines, l...), '\n')
	}
	for name, tc := range map[string]struct {
		body []byte
		ct   string
	}{"frames": {frames, ctES}, "jsonl": {lines, ctJSONL}} {
		t.Run(name, func(t *testing.T) {
			ix := assembleIX(t, APIBedrockInvoke, tc.ct, tc.body)
			if ix.API != APIBedrockInvoke {
				t.Errorf("API = %s", ix.API)
			}
			if got := segmentsOf(t, ix); got != want {
				t.Errorf("segments differ:\n got %s\nwant %s", got, want)
			}
			if len(ix.ToolCalls) != 1 || len(ix.ToolCalls[0].ResultSegments) != 1 {
				t.Errorf("tool calls = %+v", ix.ToolCalls)
			}
		})
	}
}

func assembleIX(t testing.TB, api, ct string, chunks ...[]byte) *interaction.Interaction {
	t.Helper()
	a := NewStreamAssembler(api, ct, 0)
	for _, c := range chunks {
		if err := a.Feed(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	return a.Interaction()
}

func segmentsOf(t testing.TB, ix *interaction.Interaction) string {
	g := toGolden(ix)
	b, err := json.Marshal(g.Segments)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGeminiJSONArrayStream(t *testing.T) {
	rel := "gemini/vercel-google-tool-call.response.chunks.jsonl"
	want := assemble(t, APIGeminiGenerate, ctJSONL, readStream(t, rel))
	// streamGenerateContent without alt=sse: one JSON array, elements
	// separated by commas and newlines.
	lines := bytes.Split(bytes.TrimSpace(readStream(t, rel)), []byte("\n"))
	arr := append(append([]byte("[\n"), bytes.Join(lines, []byte(",\r\n"))...), "\n]"...)
	if got := assemble(t, APIGeminiGenerate, "application/json", arr); !bytes.Equal(got, want) {
		t.Fatalf("array stream differs:\n%s", firstDiff(got, want))
	}
	ix, err := ParseResponse(APIGeminiGenerate, arr, "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if got := marshalGolden(ix); !bytes.Equal(got, want) {
		t.Fatalf("ParseResponse of the array differs:\n%s", firstDiff(got, want))
	}
	for i := 0; i <= len(arr); i += 5 {
		if got := assemble(t, APIGeminiGenerate, "application/json", arr[:i], arr[i:]); !bytes.Equal(got, want) {
			t.Fatalf("split at %d differs", i)
		}
	}
}

func TestMislabelledStream(t *testing.T) {
	body := readStream(t, "anthropic-messages/sdkpy-tool-use-response.response.sse")
	want := assemble(t, APIAnthropicMessages, ctSSE, body)
	ix, err := ParseResponse(APIAnthropicMessages, body, "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if got := marshalGolden(ix); !bytes.Equal(got, want) {
		t.Errorf("SSE labelled JSON differs:\n%s", firstDiff(got, want))
	}
}

func TestStreamBOM(t *testing.T) {
	body := "\xef\xbb\xbfdata: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
	for _, ct := range []string{ctSSE, ""} {
		for i := 0; i <= 4; i++ {
			ix := assembleIX(t, APIOpenAIChat, ct, []byte(body[:i]), []byte(body[i:]))
			if len(ix.Segments) != 1 || ix.Segments[0].Text != "hi" {
				t.Errorf("ct %q split %d: segments %+v", ct, i, ix.Segments)
			}
		}
	}
}

func TestStreamNonJSONData(t *testing.T) {
	ix, err := ParseResponse(APIOpenAIChat, []byte("data: upstream exploded\n\ndata: [DONE]\n\n"), ctSSE)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Segments) != 1 || ix.Segments[0].Text != "upstream exploded" || ix.Segments[0].Location != "stream.data" {
		t.Errorf("segments = %+v", ix.Segments)
	}
}

// TestStreamUnknownFields checks that fields sluice has no rule for are
// scanned, once when every event repeats them, with their latest value.
func TestStreamUnknownFields(t *testing.T) {
	body := "" +
		`data: {"provider":"Relay","citations":["https://a.example/1"],"choices":[{"index":0,"delta":{"content":"a","x_note":"p1"}}]}` + "\n\n" +
		`data: {"provider":"Relay","citations":["https://a.example/1","https://b.example/2"],"choices":[{"index":0,"delta":{"content":"b","x_note":"p2"}}]}` + "\n\n" +
		"data: [DONE]\n\n"
	ix, err := ParseResponse(APIOpenAIChat, []byte(body), ctSSE)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range ix.Segments {
		got = append(got, s.Location+"="+s.Text)
	}
	want := []string{
		"stream.provider=Relay",
		"stream.citations[0]=https://a.example/1",
		"stream.citations[1]=https://b.example/2",
		"stream.choices[0].message.content=ab",
		"stream.choices[0].message.x_note=p1p2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("segments:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestStreamSniffAPI checks that a stream of unknown API is told by its
// first event and assembled as if the API had been given.
func TestStreamSniffAPI(t *testing.T) {
	for _, s := range splitStreams {
		t.Run(s.name, func(t *testing.T) {
			body := readStream(t, s.file)
			want := assemble(t, s.api, s.ct, body)
			for _, ct := range []string{s.ct, ""} {
				got := assembleIX(t, "", ct, body)
				if got.API != s.api {
					t.Fatalf("ct %q: API = %s, want %s", ct, got.API, s.api)
				}
				if g := marshalGolden(got); !bytes.Equal(g, want) {
					t.Fatalf("ct %q: differs:\n%s", ct, firstDiff(g, want))
				}
			}
		})
	}
	// Bedrock's binary frames name their event types.
	frames := framesFromChunks(t, "bedrock-converse/vercel-amazon-bedrock-tool-call.1.response.chunks.jsonl")
	if ix := assembleIX(t, "", "", frames); ix.API != APIBedrockConverse || len(ix.ToolCalls) != 1 {
		t.Errorf("frames: API %s, calls %d", ix.API, len(ix.ToolCalls))
	}
}

func TestStreamAnomalies(t *testing.T) {
	body := `data: {"choices":[{"index":0,"delta":{"content":"shown","content":"hidden","Content":"variant"}}]}` + "\n\n"
	ix, err := ParseResponse(APIOpenAIChat, []byte(body), ctSSE)
	if err != nil {
		t.Fatal(err)
	}
	var anomalies []string
	for _, a := range ix.Anomalies {
		anomalies = append(anomalies, a.Kind+"@"+a.Location+":"+a.Key)
	}
	sort.Strings(anomalies)
	want := "case_variant_key@stream.choices[0].delta:content duplicate_key@stream.choices[0].delta:content"
	if strings.Join(anomalies, " ") != want {
		t.Errorf("anomalies = %q, want %q", anomalies, want)
	}
	var texts []string
	for _, s := range ix.Segments {
		texts = append(texts, s.Text)
	}
	// Last key wins for the text; the shadowed value and the variant key
	// are still scanned, each on its own.
	if got, want := strings.Join(texts, "|"), "shown|hidden|variant"; got != want {
		t.Errorf("texts = %q, want %q", got, want)
	}
}
