package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/sluicehq/sluice/testenv/fakellm"
)

// The end-to-end cases, shared by the in-process tests and the tests
// through a real Envoy (integration build tag). Each talks HTTP to a
// gateway URL, as an LLM client does, and checks what the client got and
// what the fake provider received.

// env is a running test environment.
type env struct {
	gateway string // where clients send requests (Envoy, or the harness proxy)
	// received returns what the provider got since the last reset; nil
	// when the provider runs elsewhere (then only the client side is
	// checked).
	received func() []*fakellm.Received
	reset    func()
	// direct fetches from the provider without sluice, for byte
	// comparisons.
	direct string
}

func example(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// userText returns the last user message of an example request.
func userText(t *testing.T, body []byte) string {
	t.Helper()
	var req struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	return req.Messages[len(req.Messages)-1].Content
}

func post(t *testing.T, url string, body []byte, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func script(sc fakellm.Script) http.Header {
	b, _ := json.Marshal(sc)
	return http.Header{fakellm.ScriptHeader: {string(b)}}
}

var awsKeyID = regexp.MustCompile(`AKIA[0-9A-Z]{16}`)

func runCases(t *testing.T, e *env) {
	t.Run("allow", func(t *testing.T) {
		e.reset()
		body := example(t, "gemini-benign.json")
		resp, out := post(t, e.gateway+"/v1beta/models/gemini-2.0-flash:generateContent", body, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(out), fakellm.DefaultScript.Text) {
			t.Fatalf("status %d: %s", resp.StatusCode, out)
		}
		if got := e.received(); got != nil && (len(got) != 1 || !bytes.Equal(got[0].Body, body)) {
			t.Fatalf("the provider did not get the request unchanged")
		}
	})
	t.Run("block", func(t *testing.T) {
		e.reset()
		resp, out := post(t, e.gateway+"/v1/chat/completions", example(t, "openai-chat-aws-key.json"), nil)
		if resp.StatusCode != 403 || resp.Header.Get("X-Sluice-Decision") != "block" {
			t.Fatalf("status %d headers %v: %s", resp.StatusCode, resp.Header, out)
		}
		var v struct {
			Error struct{ Message, Type, Code string } `json:"error"`
		}
		if err := json.Unmarshal(out, &v); err != nil || v.Error.Type != "guardrail_blocked" || v.Error.Code == "" {
			t.Fatalf("not an OpenAI error: %s", out)
		}
		if awsKeyID.Match(out) {
			t.Fatal("the refusal echoes the key")
		}
		if got := e.received(); len(got) != 0 {
			t.Fatal("a blocked request reached the provider")
		}
	})
	t.Run("redact", func(t *testing.T) {
		e.reset()
		body := example(t, "openai-chat-card-number.json")
		resp, out := post(t, e.gateway+"/v1/chat/completions", body, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-Sluice-Decision") != "redact" {
			t.Fatalf("status %d headers %v: %s", resp.StatusCode, resp.Header, out)
		}
		if got := e.received(); got != nil {
			if len(got) != 1 {
				t.Fatalf("%d requests reached the provider", len(got))
			}
			fw := got[0].Body
			if bytes.Contains(fw, []byte("4539 1488 0343 6467")) || !bytes.Contains(fw, []byte("[REDACTED:")) || !json.Valid(fw) {
				t.Fatalf("the provider got %s", fw)
			}
		}
	})
	t.Run("compressed_request", func(t *testing.T) {
		e.reset()
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(example(t, "openai-chat-card-number.json"))
		w.Close()
		resp, out := post(t, e.gateway+"/v1/chat/completions", gz.Bytes(), http.Header{"Content-Encoding": {"gzip"}})
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, out)
		}
		if got := e.received(); got != nil {
			r, err := gzip.NewReader(bytes.NewReader(got[0].Body))
			if err != nil {
				t.Fatalf("the provider did not get gzip: %v", err)
			}
			plain, _ := io.ReadAll(r)
			if bytes.Contains(plain, []byte("4539 1488 0343 6467")) || !bytes.Contains(plain, []byte("[REDACTED:")) {
				t.Fatalf("the provider got %s", plain)
			}
		}
	})
	streamReq := []byte(`{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"How do I configure the AWS CLI?"}]}`)
	t.Run("stream_pass_through", func(t *testing.T) {
		sc := fakellm.Script{Text: "Run aws configure and follow the prompts; it writes ~/.aws/credentials for you.", Chunk: 7}
		_, want := post(t, e.direct+"/v1/chat/completions", streamReq, script(sc))
		resp, out := post(t, e.gateway+"/v1/chat/completions", streamReq, script(sc))
		if resp.StatusCode != 200 || !bytes.Equal(out, want) {
			t.Fatalf("status %d, a benign stream changed:\n got %q\nwant %q", resp.StatusCode, out, want)
		}
	})
	t.Run("stream_block", func(t *testing.T) {
		leak := userText(t, example(t, "openai-chat-aws-key.json"))
		sc := fakellm.Script{Text: "Your config looks like this:\n" + leak + "\nand then the rest of the answer.", Chunk: 9}
		resp, out := post(t, e.gateway+"/v1/chat/completions", streamReq, script(sc))
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if awsKeyID.Match(out) || bytes.Contains(out, []byte("rest of the answer")) {
			t.Fatalf("the key reached the client:\n%s", out)
		}
		if !bytes.Contains(out, []byte(`"type":"guardrail_blocked"`)) || !bytes.HasSuffix(out, []byte("data: [DONE]\n\n")) {
			t.Fatalf("no error event ends the stream:\n%s", out)
		}
	})
	t.Run("compressed_stream", func(t *testing.T) {
		sc := fakellm.Script{Text: "A compressed but harmless answer, streamed in pieces.", Chunk: 6, Encoding: "gzip"}
		_, raw := post(t, e.direct+"/v1/chat/completions", streamReq, script(sc))
		r, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(r)
		resp, out := post(t, e.gateway+"/v1/chat/completions", streamReq, script(sc))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(out, want) {
			t.Fatalf("status %d encoding %q:\n got %q\nwant %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), out, want)
		}
	})
	t.Run("anthropic_stream_tool_call_block", func(t *testing.T) {
		body := []byte(`{"model":"claude-sonnet-4","max_tokens":512,"stream":true,"messages":[{"role":"user","content":"free some disk space"}]}`)
		sc := fakellm.Script{Text: "I will clean up.", ToolCalls: []fakellm.ToolCall{{ID: "toolu_1", Name: "bash", Arguments: `{"command":"rm -rf / --no-preserve-root"}`}}, Chunk: 5}
		resp, out := post(t, e.gateway+"/v1/messages", body, script(sc))
		if resp.StatusCode != 200 || bytes.Contains(out, []byte("no-preserve-root")) || !bytes.Contains(out, []byte("event: error")) {
			t.Fatalf("status %d:\n%s", resp.StatusCode, out)
		}
	})
}
