// Package fakellm is a scripted stand-in for LLM providers: it speaks the
// request paths and the response formats (JSON and streamed: SSE, Gemini's
// JSON array, Bedrock's binary event stream) of OpenAI Chat Completions and
// Responses, Anthropic Messages, Gemini generateContent and Bedrock
// Converse/InvokeModel, answering with the text and tool calls a test
// scripts, and records what it received so tests can assert what a
// provider would have seen.
//
// The script comes from the Server's Respond function, or per request from
// the X-Fakellm-Script header (JSON of Script), which is how tests drive a
// fakellm running in another process behind a real Envoy.
package fakellm

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/sluicehq/sluice/evaluator/llmapi"
)

// ScriptHeader carries a JSON Script on a request.
const ScriptHeader = "X-Fakellm-Script"

// Script is what the fake model answers.
type Script struct {
	// Text is the assistant's text.
	Text string `json:"text,omitempty"`
	// ToolCalls are tool calls the model requests, after the text.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// Chunk is how many bytes of text each streamed delta carries
	// (default 6).
	Chunk int `json:"chunk,omitempty"`
	// Delay between streamed events.
	Delay time.Duration `json:"delay,omitempty"`
	// Status, when set, answers with this HTTP error status and an error
	// body instead.
	Status int `json:"status,omitempty"`
	// Encoding compresses the response ("gzip", "br", "zstd"), streamed
	// responses with a flush after every event, as real servers do.
	Encoding string `json:"encoding,omitempty"`
}

// ToolCall is a tool call the model requests.
type ToolCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"` // JSON object text
}

// Received is a request the fake provider got.
type Received struct {
	Method  string
	Path    string
	Header  http.Header
	Body    []byte
	API     string
	Stream  bool
	Arrived time.Time
}

// Server is the fake provider. It is an http.Handler.
type Server struct {
	// Respond picks the script for a request; nil answers DefaultScript
	// (or the script header).
	Respond func(r *Received) Script

	mu       sync.Mutex
	received []*Received
}

// DefaultScript is the answer when nothing else is scripted.
var DefaultScript = Script{Text: "Hello from the fake model. Nothing to see here."}

// Received returns the requests received so far.
func (s *Server) Received() []*Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Received(nil), s.received...)
}

// Reset forgets the requests received.
func (s *Server) Reset() {
	s.mu.Lock()
	s.received = nil
	s.mu.Unlock()
}

// Control paths, for tests driving a fakellm in another process.
const (
	// ReceivedPath answers GET with the requests received, as JSON.
	ReceivedPath = "/_fakellm/received"
	// ResetPath forgets them on POST.
	ResetPath = "/_fakellm/reset"
)

// ServeHTTP answers one request in the format its path names.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && (r.URL.Path == "/healthz" || r.URL.Path == "/"):
		io.WriteString(w, "ok\n")
		return
	case r.URL.Path == ReceivedPath:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Received())
		return
	case r.URL.Path == ResetPath && r.Method == http.MethodPost:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	api, _, pathStream := llmapi.Recognize(r.URL.RequestURI())
	rec := &Received{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body, API: api, Arrived: time.Now()}
	var probe struct {
		Stream bool `json:"stream"`
	}
	_ = json.Unmarshal(body, &probe)
	rec.Stream = pathStream || probe.Stream
	s.mu.Lock()
	s.received = append(s.received, rec)
	s.mu.Unlock()

	sc := DefaultScript
	if h := r.Header.Get(ScriptHeader); h != "" {
		if err := json.Unmarshal([]byte(h), &sc); err != nil {
			http.Error(w, "bad "+ScriptHeader+": "+err.Error(), http.StatusBadRequest)
			return
		}
	} else if s.Respond != nil {
		sc = s.Respond(rec)
	}
	if sc.Chunk <= 0 {
		sc.Chunk = 6
	}
	if api == llmapi.APIUnknown {
		http.Error(w, `{"error":{"message":"unknown path"}}`, http.StatusNotFound)
		return
	}
	model := modelOf(api, r.URL.Path, body)
	out := newOutput(w, sc)
	if sc.Status != 0 {
		out.json(sc.Status, errorJSON(api, sc.Status))
		return
	}
	if !rec.Stream {
		out.json(http.StatusOK, completeJSON(api, model, sc))
		return
	}
	switch api {
	case llmapi.APIGeminiGenerate:
		if r.URL.Query().Get("alt") == "sse" {
			out.start("text/event-stream")
			for _, ev := range geminiEvents(model, sc) {
				out.event(sseData("", ev, "\r\n"))
			}
		} else {
			out.start("application/json")
			evs := geminiEvents(model, sc)
			for i, ev := range evs {
				sep := ",\r\n"
				if i == 0 {
					sep = "["
				}
				out.event(append([]byte(sep), ev...))
			}
			out.event([]byte("]"))
		}
	case llmapi.APIBedrockConverse, llmapi.APIBedrockInvoke:
		out.start("application/vnd.amazon.eventstream")
		for _, f := range bedrockFrames(api, model, sc) {
			out.event(f)
		}
	default:
		out.start("text/event-stream")
		for _, ev := range sseEvents(api, model, sc) {
			out.event(ev)
		}
	}
	out.close()
}

// modelOf reads the model from the path (Gemini, Bedrock) or the body.
func modelOf(api, path string, body []byte) string {
	if _, m, _ := llmapi.Recognize(path); m != "" {
		return m
	}
	var probe struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(body, &probe)
	if probe.Model != "" {
		return probe.Model
	}
	return "fake-model"
}

// output writes a response, compressed when the script says so, flushing
// after every streamed event.
type output struct {
	w      http.ResponseWriter
	sc     Script
	enc    interface{ Write([]byte) (int, error) }
	flush  func() error
	close_ func() error
}

func newOutput(w http.ResponseWriter, sc Script) *output { return &output{w: w, sc: sc} }

func (o *output) setup(contentType string) {
	h := o.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Request-Id", "fakellm-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	switch o.sc.Encoding {
	case "gzip":
		z := gzip.NewWriter(o.w)
		o.enc, o.flush, o.close_ = z, z.Flush, z.Close
	case "br":
		z := brotli.NewWriter(o.w)
		o.enc, o.flush, o.close_ = z, z.Flush, z.Close
	case "zstd":
		z, _ := zstd.NewWriter(o.w, zstd.WithEncoderConcurrency(1))
		o.enc, o.flush, o.close_ = z, z.Flush, z.Close
	default:
		o.enc = o.w
	}
	if o.sc.Encoding != "" {
		h.Set("Content-Encoding", o.sc.Encoding)
	}
}

func (o *output) json(status int, body []byte) {
	o.setup("application/json")
	if o.sc.Encoding == "" {
		o.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	o.w.WriteHeader(status)
	o.enc.Write(body)
	o.close()
}

func (o *output) start(contentType string) {
	o.setup(contentType)
	o.w.Header().Set("Cache-Control", "no-cache")
	o.w.WriteHeader(http.StatusOK)
	o.flushAll()
}

func (o *output) event(b []byte) {
	if o.sc.Delay > 0 {
		time.Sleep(o.sc.Delay)
	}
	o.enc.Write(b)
	o.flushAll()
}

func (o *output) flushAll() {
	if o.flush != nil {
		_ = o.flush()
	}
	if f, ok := o.w.(http.Flusher); ok {
		f.Flush()
	}
}

func (o *output) close() {
	if o.close_ != nil {
		_ = o.close_()
	}
	if f, ok := o.w.(http.Flusher); ok {
		f.Flush()
	}
}

// pieces cuts s into chunks of about n bytes without splitting a rune.
func pieces(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		k := min(n, len(s))
		for k < len(s) && !isRuneStart(s[k]) {
			k++
		}
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func sseData(event string, data []byte, eol string) []byte {
	var b strings.Builder
	if event != "" {
		b.WriteString("event: " + event + eol)
	}
	b.WriteString("data: ")
	b.Write(data)
	b.WriteString(eol + eol)
	return []byte(b.String())
}
