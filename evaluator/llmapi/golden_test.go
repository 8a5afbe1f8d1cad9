package llmapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/internal/golden"
)

// goldenInteraction is the reviewable form of an Interaction stored in
// testdata/golden: every field a detector or policy reads, texts clipped.
type goldenInteraction struct {
	API       string             `json:"api"`
	Provider  string             `json:"provider,omitempty"`
	Phase     string             `json:"phase"`
	Path      string             `json:"path,omitempty"`
	Model     string             `json:"model,omitempty"`
	Stream    bool               `json:"stream,omitempty"`
	Usage     *interaction.Usage `json:"usage,omitempty"`
	Segments  []goldenSeg        `json:"segments"`
	Tools     []goldenTool       `json:"tools,omitempty"`
	ToolCalls []goldenCall       `json:"tool_calls,omitempty"`
	Anomalies []goldenAnomaly    `json:"anomalies,omitempty"`
}

type goldenSeg struct {
	Loc   string  `json:"loc"`
	Role  string  `json:"role,omitempty"`
	Trust string  `json:"trust"`
	Kind  string  `json:"kind"`
	Turn  int     `json:"turn"`
	Call  string  `json:"call,omitempty"`
	Raw   *[2]int `json:"raw,omitempty"`
	Text  string  `json:"text"`
}

type goldenTool struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
	Loc  string `json:"loc"`
	Desc string `json:"description,omitempty"`
}

type goldenCall struct {
	ID        string         `json:"id,omitempty"`
	Name      string         `json:"name"`
	Loc       string         `json:"loc"`
	Turn      int            `json:"turn"`
	Arguments string         `json:"arguments,omitempty"`
	Args      map[string]any `json:"args,omitempty"`
	ArgSegs   []int          `json:"arg_segments,omitempty"`
	ResSegs   []int          `json:"result_segments,omitempty"`
}

type goldenAnomaly struct {
	Loc  string `json:"loc"`
	Key  string `json:"key"`
	Kind string `json:"kind"`
}

const clipAt = 600

func clip(s string) string {
	if len(s) <= clipAt {
		return s
	}
	n := clipAt
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…[" + itoaInt(len(s)) + " bytes]"
}

func itoaInt(i int) string { b, _ := json.Marshal(i); return string(b) }

func toGolden(ix *interaction.Interaction) goldenInteraction {
	g := goldenInteraction{
		API: ix.API, Provider: ix.Provider, Phase: ix.Phase.String(), Path: ix.Path,
		Model: ix.Model, Stream: ix.Stream, Segments: []goldenSeg{},
	}
	if ix.Usage != (interaction.Usage{}) {
		u := ix.Usage
		g.Usage = &u
	}
	for _, s := range ix.Segments {
		gs := goldenSeg{Loc: s.Location, Role: string(s.Role), Trust: s.Trust.String(), Kind: string(s.Kind), Turn: s.Turn, Call: s.ToolCallID, Text: clip(s.Text)}
		if s.HasRaw() {
			gs.Raw = &[2]int{s.RawStart, s.RawEnd}
		}
		g.Segments = append(g.Segments, gs)
	}
	for _, t := range ix.Tools {
		g.Tools = append(g.Tools, goldenTool{Name: t.Name, Type: t.Type, Loc: t.Location, Desc: clip(t.Description)})
	}
	for _, c := range ix.ToolCalls {
		g.ToolCalls = append(g.ToolCalls, goldenCall{ID: c.ID, Name: c.Name, Loc: c.Location, Turn: c.Turn,
			Arguments: clip(c.Arguments), Args: c.Args, ArgSegs: c.ArgSegments, ResSegs: c.ResultSegments})
	}
	for _, a := range ix.Anomalies {
		g.Anomalies = append(g.Anomalies, goldenAnomaly{Loc: a.Location, Key: a.Key, Kind: a.Kind})
	}
	return g
}

func marshalGolden(ix *interaction.Interaction) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(toGolden(ix)); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// checkGolden compares ix with testdata/golden/<name>.json, or writes it
// with -update.
func checkGolden(t *testing.T, name string, ix *interaction.Interaction) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "golden", name+".json"), marshalGolden(ix))
}

// firstDiff locates where two marshalled Interactions differ, for the tests
// that compare parses with each other.
func firstDiff(got, want []byte) string { return golden.Diff(got, want) }

// wireFile is one line of testdata/corpora/wire/index.jsonl.
type wireFile struct {
	File   string `json:"file"`
	API    string `json:"api"`
	Kind   string `json:"kind"`
	Format string `json:"format"`
	Stream bool   `json:"stream"`
	HTTP   struct {
		URL         string `json:"url"`
		ContentType string `json:"content_type"`
	} `json:"http"`
}

func loadIndex(t testing.TB) []wireFile {
	f, err := os.Open(corpus.WirePath("index.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []wireFile
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var w wireFile
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			t.Fatal(err)
		}
		w.File = strings.TrimPrefix(w.File, "wire/")
		out = append(out, w)
	}
	if len(out) == 0 {
		t.Fatal("empty wire index")
	}
	return out
}

// defaultPaths are request paths for corpus files recorded without a URL.
var defaultPaths = map[string]string{
	"openai-chat":        "/v1/chat/completions",
	"openai-responses":   "/v1/responses",
	"anthropic-messages": "/v1/messages",
	"gemini":             "/v1beta/models/gemini-2.5-flash:generateContent",
	"bedrock-converse":   "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse",
}

// corpusAPI maps a corpus directory to an API name.
var corpusAPI = map[string]string{
	"openai-chat":        APIOpenAIChat,
	"openai-responses":   APIOpenAIResponses,
	"anthropic-messages": APIAnthropicMessages,
	"gemini":             APIGeminiGenerate,
	"bedrock-converse":   APIBedrockConverse,
}

func (w wireFile) path() string {
	if w.HTTP.URL != "" {
		if u, err := url.Parse(w.HTTP.URL); err == nil {
			p := u.EscapedPath()
			if u.RawQuery != "" {
				p += "?" + u.RawQuery
			}
			return p
		}
	}
	return defaultPaths[w.API]
}

func (w wireFile) contentType() string {
	switch w.Format {
	case "sse", "derived-sse":
		return "text/event-stream"
	case "chunks-jsonl":
		return "application/x-ndjson"
	case "json":
		return "application/json"
	}
	return ""
}

// parseWire parses one corpus file as its kind says.
func parseWire(t testing.TB, w wireFile) (*interaction.Interaction, []byte) {
	body, err := os.ReadFile(corpus.WirePath(w.File))
	if err != nil {
		t.Fatal(err)
	}
	var ix *interaction.Interaction
	if w.Kind == "request" {
		ix, err = ParseRequest(w.path(), body)
	} else {
		ix, err = ParseResponse(corpusAPI[w.API], body, w.contentType())
	}
	if err != nil {
		t.Fatalf("%s: %v", w.File, err)
	}
	return ix, body
}

func TestGoldenCorpus(t *testing.T) {
	for _, w := range loadIndex(t) {
		t.Run(w.File, func(t *testing.T) {
			ix, body := parseWire(t, w)
			checkInvariants(t, ix, body)
			checkGolden(t, filepath.Join("wire", w.File), ix)
		})
	}
}

// transcripts are the hand-written agent requests in testdata.
var transcripts = []struct {
	file, path string
}{
	{"anthropic-coding-agent.request.json", "/v1/messages?beta=true"},
	{"openai-chat-agent.request.json", "/v1/chat/completions"},
	{"openai-responses-agent.request.json", "/v1/responses"},
	{"gemini-function-roundtrip.request.json", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"},
	{"bedrock-converse-roundtrip.request.json", "/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse"},
	{"anthropic-blocks.request.json", "/v1/messages"},
	{"openai-responses-items.request.json", "/v1/responses"},
}

func TestGoldenTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			ix, err := ParseRequest(tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, ix, body)
			checkGolden(t, tc.file, ix)
		})
	}
}

// checkInvariants checks what must hold for every Interaction: raw ranges
// hold JSON string literals decoding to the segment text, indexes are in
// range and tool-call links agree with segment ids.
func checkInvariants(t *testing.T, ix *interaction.Interaction, body []byte) {
	t.Helper()
	for i, s := range ix.Segments {
		if s.Text == "" {
			t.Errorf("segment %d (%s) is empty", i, s.Location)
		}
		if s.Location == "" {
			t.Errorf("segment %d has no location", i)
		}
		if !s.HasRaw() {
			if s.RawStart != -1 || s.RawEnd != -1 {
				t.Errorf("segment %d (%s) has a half raw range %d..%d", i, s.Location, s.RawStart, s.RawEnd)
			}
			if !ix.Stream || !strings.HasPrefix(s.Location, "stream") {
				t.Errorf("segment %d (%s) has no raw range outside a stream", i, s.Location)
			}
			continue
		}
		if s.RawEnd > len(body) {
			t.Fatalf("segment %d (%s) range %d..%d beyond body (%d bytes)", i, s.Location, s.RawStart, s.RawEnd, len(body))
		}
		lit := body[s.RawStart:s.RawEnd]
		var dec string
		if len(lit) < 2 || lit[0] != '"' || lit[len(lit)-1] != '"' {
			t.Errorf("segment %d (%s): body[%d:%d] is not a string literal", i, s.Location, s.RawStart, s.RawEnd)
		} else if err := json.Unmarshal(lit, &dec); err != nil || dec != s.Text {
			t.Errorf("segment %d (%s): literal decodes to %q (%v), text is %q", i, s.Location, clip(dec), err, clip(s.Text))
		}
	}
	for ci, c := range ix.ToolCalls {
		for _, si := range c.ArgSegments {
			if si < 0 || si >= len(ix.Segments) {
				t.Fatalf("call %d arg segment %d out of range", ci, si)
			}
			if k := ix.Segments[si].Kind; k != interaction.KindToolArguments {
				t.Errorf("call %d arg segment %d has kind %s", ci, si, k)
			}
			if ix.Segments[si].ToolCallID != c.ID {
				t.Errorf("call %d (%s) arg segment %d has call id %q", ci, c.ID, si, ix.Segments[si].ToolCallID)
			}
		}
		for _, si := range c.ResultSegments {
			if si < 0 || si >= len(ix.Segments) {
				t.Fatalf("call %d result segment %d out of range", ci, si)
			}
			if ix.Segments[si].Trust != interaction.TrustUntrusted {
				t.Errorf("call %d result segment %d (%s) is %s, want untrusted", ci, si, ix.Segments[si].Location, ix.Segments[si].Trust)
			}
			if id := ix.Segments[si].ToolCallID; id != c.ID {
				t.Errorf("call %d (%s) result segment %d has call id %q", ci, c.ID, si, id)
			}
		}
	}
}
