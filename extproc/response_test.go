package extproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/llmapi"
	"github.com/sluicehq/sluice/extproc/internal/frame"
	"github.com/sluicehq/sluice/extproc/internal/httpenc"
	"github.com/sluicehq/sluice/policy"
	"github.com/sluicehq/sluice/testenv/fakellm"
	"github.com/sluicehq/sluice/testenv/harness"
)

// envoyLike is the filter configuration of envoy/providers.yaml.
var envoyLike = harness.Filter{
	MessageTimeout:       5 * time.Second, // generous: the race detector slows everything
	AllowModeOverride:    true,
	AllowedOverrideModes: []*filterv3.ProcessingMode{{RequestBodyMode: filterv3.ProcessingMode_BUFFERED, ResponseBodyMode: filterv3.ProcessingMode_STREAMED}},
}

// streamCase is one streamed API: the request that asks for a stream.
type streamCase struct {
	name, path, body string
}

var streamCases = []streamCase{
	{"openai_chat", "/v1/chat/completions", `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}`},
	{"openai_responses", "/v1/responses", `{"model":"gpt-4o","stream":true,"input":"hi"}`},
	{"anthropic", "/v1/messages", `{"model":"claude-sonnet-4","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"hi"}]}`},
	{"gemini_sse", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`},
	{"gemini_array", "/v1beta/models/gemini-2.0-flash:streamGenerateContent", `{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`},
	{"bedrock_converse", "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream", `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`},
	{"bedrock_invoke", "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke-with-response-stream", `{"anthropic_version":"bedrock-2023-05-31","max_tokens":256,"messages":[{"role":"user","content":"hi"}]}`},
}

func scriptHeader(sc fakellm.Script) http.Header {
	b, _ := json.Marshal(sc)
	return http.Header{"Content-Type": {"application/json"}, fakellm.ScriptHeader: {string(b)}}
}

// direct fetches what the fake provider sends, without sluice.
func direct(t *testing.T, base string, c streamCase, sc fakellm.Script) []byte {
	t.Helper()
	req, _ := http.NewRequest("POST", base+c.path, strings.NewReader(c.body))
	for k, v := range scriptHeader(sc) {
		req.Header[k] = v
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func startFake(t *testing.T) string {
	srv := httptest.NewServer(&fakellm.Server{})
	t.Cleanup(srv.Close)
	return srv.URL
}

// wellFormed checks that a delivered stream is a sequence of whole events
// in its framing, as a client's parser needs.
func wellFormed(t *testing.T, contentType string, body []byte) {
	t.Helper()
	kind := frame.KindOf(contentType)
	f := frame.New(kind, 1<<20)
	if _, err := f.Push(body); err != nil {
		t.Fatalf("delivered stream is broken: %v", err)
	}
	if kind == frame.JSONSeq {
		if !json.Valid(body) {
			t.Fatalf("delivered array stream is not valid JSON: %q", body)
		}
		return
	}
	if f.Held() != 0 {
		t.Fatalf("delivered stream ends inside an event: %q", body[len(body)-f.Held():])
	}
}

const benignText = "Paris is the capital of France. It sits on the Seine, and its museums are worth a visit."

func TestStreamedResponses(t *testing.T) {
	base := startFake(t)
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	for _, c := range streamCases {
		splits := [][]int{nil, {13, 2, 31}}
		switch c.name {
		case "openai_chat", "bedrock_converse":
			splits = append(splits, []int{1}) // every byte its own chunk
		case "anthropic", "gemini_array":
			splits = append(splits, []int{7})
		}
		for _, split := range splits {
			split := split
			t.Run(fmt.Sprintf("%s/benign_split%v", c.name, split), func(t *testing.T) {
				sc := fakellm.Script{Text: benignText, Chunk: 12}
				if len(split) > 0 && split[0] < 5 {
					sc.Text = "Paris, on the Seine." // byte-sized chunks: keep it short
				}
				want := direct(t, base, c, sc)
				h := harness.New(conn, envoyLike)
				res := do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base, split...))
				if res.Status != 200 || res.Reset {
					t.Fatalf("status %d reset %v", res.Status, res.Reset)
				}
				if !bytes.Equal(res.Body, want) {
					t.Fatalf("a benign stream was changed:\n got %q\nwant %q", res.Body, want)
				}
				if res.Overrides != 1 {
					t.Fatalf("the response was not switched to STREAMED (%d overrides, %d ignored)", res.Overrides, res.OverridesIgnored)
				}
				if sluiceMD(res, "response_decision") != "allow" {
					t.Fatalf("metadata %v", res.Metadata)
				}
			})
		}
		t.Run(c.name+"/secret_mid_stream", func(t *testing.T) {
			sc := fakellm.Script{Text: "Here is the key: TOKEN_AB12CD34 and text that must never arrive.", Chunk: 6}
			h := harness.New(conn, envoyLike)
			res := do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base, 11))
			if res.Status != 200 || res.Reset {
				t.Fatalf("status %d reset %v", res.Status, res.Reset)
			}
			if bytes.Contains(res.Body, []byte("TOKEN_AB12CD34")) || bytes.Contains(res.Body, []byte("never arrive")) {
				t.Fatalf("the secret or what follows it reached the client:\n%q", res.Body)
			}
			if !bytes.Contains(res.Body, []byte("block-secrets")) {
				t.Fatalf("no error event naming the rule:\n%q", res.Body)
			}
			wellFormed(t, res.Header.Get("Content-Type"), res.Body)
			if sluiceMD(res, "response_decision") != "block" || sluiceMD(res, "response_rule") != "block-secrets" {
				t.Fatalf("metadata %v", res.Metadata)
			}
			// The client's own parser sees the end of the stream.
			api, _, _ := llmapi.Recognize(c.path)
			if _, err := llmapi.ParseResponse(api, res.Body, res.Header.Get("Content-Type")); err != nil {
				t.Fatalf("the delivered stream does not parse: %v", err)
			}
		})
		t.Run(c.name+"/dangerous_tool_call", func(t *testing.T) {
			sc := fakellm.Script{Text: "Cleaning up.", ToolCalls: []fakellm.ToolCall{{ID: "call_9", Name: "bash", Arguments: `{"command":"rm -rf / --no-preserve-root"}`}}, Chunk: 3}
			h := harness.New(conn, envoyLike)
			res := do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base))
			if bytes.Contains(res.Body, []byte("no-preserve-root")) || !bytes.Contains(res.Body, []byte("block-tool-risk")) {
				t.Fatalf("the tool call was not stopped:\n%q", res.Body)
			}
			wellFormed(t, res.Header.Get("Content-Type"), res.Body)
		})
	}
}

func TestStreamedResponseMonitorModePassesUntouched(t *testing.T) {
	base := startFake(t)
	p, err := policy.Parse("door-test.yaml", []byte(testPolicy))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := evaluator.New(p.EnforcedCopy(policy.ModeMonitor), evaluator.WithDetectors(markerDetector{}))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{ev: ev}
	conn := startSluice(t, rec, quietConfig())
	for _, c := range streamCases {
		t.Run(c.name, func(t *testing.T) {
			sc := fakellm.Script{Text: "the key is TOKEN_AB12CD34, keep it safe", Chunk: 4}
			want := direct(t, base, c, sc)
			res := do(t, harness.New(conn, envoyLike), harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base, 5))
			if !bytes.Equal(res.Body, want) {
				t.Fatalf("monitor mode changed the stream")
			}
			if sluiceMD(res, "response_decision") != "allow" || sluiceMD(res, "response_would_be") != "block" {
				t.Fatalf("metadata %v", res.Metadata)
			}
		})
	}
}

func TestCompressedStreams(t *testing.T) {
	base := startFake(t)
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	c := streamCases[0]
	for _, enc := range []string{"gzip", "br", "zstd"} {
		codings, _ := httpenc.Parse(enc)
		t.Run(enc+"/benign", func(t *testing.T) {
			sc := fakellm.Script{Text: benignText, Chunk: 5, Encoding: enc}
			raw := direct(t, base, c, sc)
			want, err := httpenc.Decode(codings, raw, httpenc.Limits{MaxDecoded: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			res := do(t, harness.New(conn, envoyLike), harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base, 9))
			if res.Header.Get("Content-Encoding") != "" {
				t.Fatalf("the stream is sent decoded, so content-encoding must go: %v", res.Header)
			}
			if !bytes.Equal(res.Body, want) {
				t.Fatalf("decoded stream differs:\n got %q\nwant %q", res.Body, want)
			}
		})
		t.Run(enc+"/secret", func(t *testing.T) {
			sc := fakellm.Script{Text: "key: TOKEN_AB12CD34 and the rest", Chunk: 4, Encoding: enc}
			res := do(t, harness.New(conn, envoyLike), harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base, 9))
			if bytes.Contains(res.Body, []byte("TOKEN_AB12CD34")) || !bytes.Contains(res.Body, []byte("block-secrets")) {
				t.Fatalf("compressed secret passed:\n%q", res.Body)
			}
			wellFormed(t, "text/event-stream", res.Body)
		})
	}
}

func TestBufferedResponses(t *testing.T) {
	base := startFake(t)
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	h := harness.New(conn, envoyLike)
	for _, c := range apiCases {
		t.Run(c.name+"/block", func(t *testing.T) {
			sc := fakellm.Script{Text: "here: TOKEN_AB12CD34"}
			res := do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body("hi"))}, harness.HTTPUpstream(base))
			if res.Status != 403 || bytes.Contains(res.Body, []byte("TOKEN_")) || sluiceMD(res, "response_decision") != "block" {
				t.Fatalf("status %d body %s metadata %v", res.Status, res.Body, res.Metadata)
			}
		})
		t.Run(c.name+"/redact", func(t *testing.T) {
			sc := fakellm.Script{Text: "your card CARD_12345678 is on file"}
			res := do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body("hi"))}, harness.HTTPUpstream(base))
			if res.Status != 200 || bytes.Contains(res.Body, []byte("CARD_12345678")) || !bytes.Contains(res.Body, []byte("[REDACTED:pii.test_card]")) || !json.Valid(res.Body) {
				t.Fatalf("status %d body %s", res.Status, res.Body)
			}
		})
	}
	t.Run("gzip_redact_reencodes", func(t *testing.T) {
		sc := fakellm.Script{Text: "card CARD_12345678", Encoding: "gzip"}
		res := do(t, h, harness.Request{Path: apiCases[0].path, Header: scriptHeader(sc), Body: []byte(apiCases[0].body("hi"))}, harness.HTTPUpstream(base))
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("headers %v", res.Header)
		}
		plain, err := httpenc.Decode([]httpenc.Coding{httpenc.Gzip}, res.Body, httpenc.Limits{MaxDecoded: 1 << 20})
		if err != nil || !bytes.Contains(plain, []byte("[REDACTED:pii.test_card]")) {
			t.Fatalf("%q %v", plain, err)
		}
	})
	t.Run("upstream_error_passes", func(t *testing.T) {
		sc := fakellm.Script{Status: 500}
		res := do(t, h, harness.Request{Path: apiCases[0].path, Header: scriptHeader(sc), Body: []byte(apiCases[0].body("hi"))}, harness.HTTPUpstream(base))
		if res.Status != 500 || res.Local {
			t.Fatalf("status %d local %v", res.Status, res.Local)
		}
	})
	t.Run("stream_request_with_error_response", func(t *testing.T) {
		sc := fakellm.Script{Status: 503}
		c := streamCases[2]
		res := do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base))
		if res.Status != 503 || res.Overrides != 0 {
			t.Fatalf("status %d overrides %d", res.Status, res.Overrides)
		}
	})
}

// TestEveryExchangeRecordedOnce counts records: one per phase, with the
// intermediate checks of a stream not recorded.
func TestEveryExchangeRecordedOnce(t *testing.T) {
	base := startFake(t)
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	h := harness.New(conn, envoyLike)
	c := streamCases[0]
	for _, text := range []string{benignText, "leak TOKEN_AB12CD34 now, then a long tail of text"} {
		before := len(rec.recorded())
		sc := fakellm.Script{Text: text, Chunk: 3}
		do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base, 4))
		waitFor(t, func() bool { return len(rec.recorded())-before == 2 })
		got := rec.recorded()[before:]
		if got[0].Interaction.Phase.String() != "request" || got[1].Interaction.Phase.String() != "response" {
			t.Fatalf("records %v, %v", got[0].Interaction.Phase, got[1].Interaction.Phase)
		}
	}
	// The stream's windows are checked as transient text (not remembered by
	// the evaluator); the decisions that are recorded are not.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.checks == 0 || rec.transient != rec.checks || rec.durable != 0 {
		t.Fatalf("%d checks, %d of them transient; %d transient evaluations", rec.checks, rec.transient, rec.durable)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAbandonedStreamIsRecorded: the client goes away mid-stream; what was
// streamed so far is still evaluated and recorded.
func TestAbandonedStreamIsRecorded(t *testing.T) {
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	pr, pw := io.Pipe()
	up := func(context.Context, *harness.Forwarded) (*harness.UpstreamResponse, error) {
		return &harness.UpstreamResponse{Status: 200, Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: pr}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		harness.New(conn, envoyLike).Do(ctx, harness.Request{Path: streamCases[0].path, Body: []byte(streamCases[0].body)}, up)
	}()
	pw.Write([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"partial answer\"}}]}\n\n"))
	pw.Write([]byte("data: {\"choices\":[{\"delta\":{\"content\":\" more\"}}]}\n\n"))
	time.Sleep(100 * time.Millisecond)
	cancel()
	pw.CloseWithError(context.Canceled)
	<-done
	waitFor(t, func() bool {
		for _, d := range rec.recorded() {
			if d.Interaction.Phase.String() == "response" {
				return true
			}
		}
		return false
	})
}

// TestFullDuplexResponses runs streams under FULL_DUPLEX_STREAMED, where
// sluice sends the body back itself (streamed_response) and ends it.
func TestFullDuplexResponses(t *testing.T) {
	base := startFake(t)
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	h := harness.New(conn, harness.Filter{MessageTimeout: 5 * time.Second, Mode: &filterv3.ProcessingMode{
		RequestBodyMode: filterv3.ProcessingMode_BUFFERED, ResponseBodyMode: filterv3.ProcessingMode_FULL_DUPLEX_STREAMED,
		ResponseTrailerMode: filterv3.ProcessingMode_SEND,
	}})
	c := streamCases[2] // Anthropic
	t.Run("benign", func(t *testing.T) {
		sc := fakellm.Script{Text: benignText, Chunk: 10}
		want := direct(t, base, c, sc)
		res := do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base, 29))
		if !bytes.Equal(res.Body, want) {
			t.Fatalf("changed:\n got %q\nwant %q", res.Body, want)
		}
	})
	t.Run("secret", func(t *testing.T) {
		sc := fakellm.Script{Text: "key TOKEN_AB12CD34 then more text that must not arrive", Chunk: 6}
		res := do(t, h, harness.Request{Path: c.path, Header: scriptHeader(sc), Body: []byte(c.body)}, harness.HTTPUpstream(base, 29))
		if bytes.Contains(res.Body, []byte("TOKEN_AB12CD34")) || !bytes.Contains(res.Body, []byte("event: error")) {
			t.Fatalf("%q", res.Body)
		}
		wellFormed(t, "text/event-stream", res.Body)
	})
}
