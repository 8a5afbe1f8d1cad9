package fakellm

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/llmapi"
)

var apis = []struct {
	name, path, body string
}{
	{"openai_chat", "/v1/chat/completions", `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]%s}`},
	{"openai_responses", "/v1/responses", `{"model":"gpt-4o","input":"hi"%s}`},
	{"anthropic", "/v1/messages", `{"model":"claude-sonnet-4","max_tokens":64,"messages":[{"role":"user","content":"hi"}]%s}`},
	{"gemini", "/v1beta/models/gemini-2.0-flash:generateContent", `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`},
	{"bedrock_converse", "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`},
	{"bedrock_invoke", "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`},
}

// streamed returns the path and body of api asking for a stream.
func streamed(path, body string) (string, string) {
	switch {
	case strings.HasSuffix(path, ":generateContent"):
		return strings.TrimSuffix(path, ":generateContent") + ":streamGenerateContent", body
	case strings.HasSuffix(path, "/converse"):
		return path + "-stream", body
	case strings.HasSuffix(path, "/invoke"):
		return path + "-with-response-stream", body
	}
	return path, body
}

func fill(body, extra string) string {
	if strings.Contains(body, "%s") {
		return strings.Replace(body, "%s", extra, 1)
	}
	return body
}

// TestEveryFormatParses checks that what fakellm sends is what sluice's own
// parsers read as the scripted text and tool calls, for every API, streamed
// or not, plain or compressed.
func TestEveryFormatParses(t *testing.T) {
	sc := Script{
		Text:      "The answer is 42, naïvely speaking.",
		ToolCalls: []ToolCall{{ID: "call_1", Name: "run_shell", Arguments: `{"command":"ls -la"}`}},
		Chunk:     5,
	}
	fake := &Server{Respond: func(*Received) Script { return sc }}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	for _, a := range apis {
		for _, stream := range []bool{false, true} {
			for _, extraPath := range []string{"", "?alt=sse"} {
				if extraPath != "" && (!stream || a.name != "gemini") {
					continue
				}
				name := a.name
				if stream {
					name += "_stream" + strings.TrimPrefix(extraPath, "?alt=")
				}
				t.Run(name, func(t *testing.T) {
					path, body := a.path, fill(a.body, "")
					if stream {
						path, body = streamed(path, fill(a.body, `,"stream":true`))
					}
					resp, err := http.Post(srv.URL+path+extraPath, "application/json", strings.NewReader(body))
					if err != nil {
						t.Fatal(err)
					}
					raw, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Fatalf("status %d: %s", resp.StatusCode, raw)
					}
					api, _, _ := llmapi.Recognize(path)
					ix, err := llmapi.ParseResponse(api, raw, resp.Header.Get("Content-Type"))
					if err != nil {
						t.Fatalf("ParseResponse: %v\n%s", err, raw)
					}
					var text strings.Builder
					for _, s := range ix.Segments {
						text.WriteString(s.Text)
						text.WriteByte('\n')
					}
					if !strings.Contains(text.String(), sc.Text) {
						t.Errorf("assembled text does not hold the script's text:\n%s", text.String())
					}
					if got := ix.ToolNamesCalled(); len(got) != 1 || got[0] != "run_shell" {
						t.Errorf("tool calls %v, want [run_shell]", got)
					}
					if len(ix.ToolCalls) == 1 && !strings.Contains(ix.ToolCalls[0].Arguments, "ls -la") {
						t.Errorf("tool arguments %q", ix.ToolCalls[0].Arguments)
					}
					if got := fake.Received(); len(got) == 0 || got[len(got)-1].Stream != stream {
						t.Errorf("recorded stream flag wrong")
					}
				})
			}
		}
	}
}

func TestScriptHeaderAndEncoding(t *testing.T) {
	srv := httptest.NewServer(&Server{})
	defer srv.Close()
	sc, _ := json.Marshal(Script{Text: "compressed hello", Encoding: "gzip"})
	req, _ := http.NewRequest("POST", srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m","stream":true,"messages":[]}`))
	req.Header.Set(ScriptHeader, string(sc))
	req.Header.Set("Accept-Encoding", "gzip")
	// The transport decompresses transparently when it asked for gzip
	// itself; asking explicitly keeps the raw bytes.
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	raw, _ := io.ReadAll(resp.Body)
	if bytes.Contains(raw, []byte("compressed")) {
		t.Fatal("body is not compressed")
	}
}

func TestScriptedError(t *testing.T) {
	srv := httptest.NewServer(&Server{Respond: func(*Received) Script { return Script{Status: 500} }})
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/v1/messages", "application/json", strings.NewReader(`{"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
