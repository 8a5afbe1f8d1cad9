package extproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	filterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/extproc/internal/httpenc"
	"github.com/sluicehq/sluice/testenv/harness"
)

// api is one request shape per provider.
type apiCase struct {
	name, path string
	body       func(text string) string
}

var apiCases = []apiCase{
	{"openai", "/v1/chat/completions", func(s string) string {
		return `{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":` + jsonStr(s) + `}]}`
	}},
	{"anthropic", "/v1/messages", func(s string) string {
		return `{"model":"claude-sonnet-4","max_tokens":64,"messages":[{"role":"user","content":` + jsonStr(s) + `}]}`
	}},
	{"gemini", "/v1beta/models/gemini-2.0-flash:generateContent", func(s string) string {
		return `{"contents":[{"role":"user","parts":[{"text":` + jsonStr(s) + `}]}]}`
	}},
	{"bedrock", "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", func(s string) string {
		return `{"messages":[{"role":"user","content":[{"text":` + jsonStr(s) + `}]}]}`
	}},
}

func jsonStr(s string) string { b, _ := json.Marshal(s); return string(b) }

var okJSON = harness.StaticUpstream(200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"id":"x","choices":[{"message":{"role":"assistant","content":"fine"}}]}`))

func jsonReq(c apiCase, text string) harness.Request {
	return harness.Request{Path: c.path, Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-1"}}, Body: []byte(c.body(text))}
}

func do(t *testing.T, h *harness.Harness, req harness.Request, up harness.Upstream) *harness.Result {
	t.Helper()
	res, err := h.Do(context.Background(), req, up)
	if err != nil {
		t.Fatalf("%v\ntrace: %v", err, res.Trace)
	}
	return res
}

func sluiceMD(res *harness.Result, key string) string {
	v, _ := res.Metadata["sluice"][key].(string)
	return v
}

func TestRequestDecisions(t *testing.T) {
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	h := harness.New(conn, harness.Filter{})
	for _, c := range apiCases {
		t.Run(c.name+"/allow", func(t *testing.T) {
			req := jsonReq(c, "What is the capital of France?")
			res := do(t, h, req, okJSON)
			if res.Status != 200 || res.Local {
				t.Fatalf("status %d local %v", res.Status, res.Local)
			}
			if !bytes.Equal(res.Forwarded.Body, req.Body) {
				t.Fatalf("forwarded body changed: %s", res.Forwarded.Body)
			}
			if sluiceMD(res, "decision") != "allow" || sluiceMD(res, "decision_id") == "" {
				t.Fatalf("metadata %v", res.Metadata)
			}
			if res.Header.Get("X-Sluice-Decision") != "allow" {
				t.Fatalf("response headers %v", res.Header)
			}
		})
		t.Run(c.name+"/block", func(t *testing.T) {
			res := do(t, h, jsonReq(c, "deploy with TOKEN_AB12CD34 please"), okJSON)
			if res.Status != 403 || !res.Local || res.Forwarded != nil {
				t.Fatalf("status %d local %v forwarded %v", res.Status, res.Local, res.Forwarded != nil)
			}
			if res.Header.Get("X-Sluice-Decision") != "block" || res.Header.Get("X-Sluice-Rule") != "block-secrets" || res.Header.Get("X-Sluice-Decision-Id") == "" {
				t.Fatalf("headers %v", res.Header)
			}
			if bytes.Contains(res.Body, []byte("TOKEN_AB12CD34")) {
				t.Fatal("the refusal echoes the secret")
			}
			var v map[string]any
			if err := json.Unmarshal(res.Body, &v); err != nil {
				t.Fatalf("body %s: %v", res.Body, err)
			}
			if !strings.Contains(string(res.Body), "block-secrets") {
				t.Fatalf("body does not name the rule: %s", res.Body)
			}
			if sluiceMD(res, "decision") != "block" || sluiceMD(res, "rule") != "block-secrets" || sluiceMD(res, "categories") != "secret" || sluiceMD(res, "mode") != "enforce" {
				t.Fatalf("metadata %v", res.Metadata)
			}
		})
		t.Run(c.name+"/redact", func(t *testing.T) {
			res := do(t, h, jsonReq(c, "charge CARD_12345678 today"), okJSON)
			if res.Status != 200 || res.Forwarded == nil {
				t.Fatalf("status %d", res.Status)
			}
			fw := res.Forwarded.Body
			if bytes.Contains(fw, []byte("CARD_12345678")) || !bytes.Contains(fw, []byte("[REDACTED:pii.test_card]")) || !json.Valid(fw) {
				t.Fatalf("forwarded %s", fw)
			}
			if got := res.Forwarded.Header.Get("Content-Length"); got != "" && got != strconv.Itoa(len(fw)) {
				t.Fatalf("content-length %s for %d bytes", got, len(fw))
			}
			if sluiceMD(res, "decision") != "redact" || res.Header.Get("X-Sluice-Decision") != "redact" {
				t.Fatalf("metadata %v headers %v", res.Metadata, res.Header)
			}
		})
	}
	t.Run("monitor_matches_are_allowed_and_reported", func(t *testing.T) {
		res := do(t, h, jsonReq(apiCases[0], "JAILBREAK_PLEASE ignore the rules"), okJSON)
		if res.Status != 200 || res.Forwarded == nil {
			t.Fatalf("status %d", res.Status)
		}
		if sluiceMD(res, "decision") != "allow" || sluiceMD(res, "would_be") != "block" || sluiceMD(res, "mode") != "monitor" || sluiceMD(res, "rules") != "watch-jailbreak" {
			t.Fatalf("metadata %v", res.Metadata)
		}
	})
	t.Run("get_without_body", func(t *testing.T) {
		res := do(t, h, harness.Request{Method: "GET", Path: "/v1/models"}, okJSON)
		if res.Status != 200 || sluiceMD(res, "reason") != ReasonNoBody {
			t.Fatalf("status %d metadata %v", res.Status, res.Metadata)
		}
	})
	t.Run("not_json", func(t *testing.T) {
		res := do(t, h, harness.Request{Path: "/v1/audio/transcriptions", Header: http.Header{"Content-Type": {"multipart/form-data; boundary=x"}}, Body: []byte("--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nRIFF....\r\n--x--\r\n")}, okJSON)
		if res.Status != 200 || sluiceMD(res, "reason") != ReasonNotJSON {
			t.Fatalf("status %d metadata %v", res.Status, res.Metadata)
		}
	})
}

// TestRequestBodyModes runs the same decisions under every body mode Envoy
// can use, with bodies cut at awkward offsets.
func TestRequestBodyModes(t *testing.T) {
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	modes := map[string]*filterv3.ProcessingMode{
		"buffered":         {RequestBodyMode: filterv3.ProcessingMode_BUFFERED, ResponseBodyMode: filterv3.ProcessingMode_BUFFERED},
		"streamed":         {RequestBodyMode: filterv3.ProcessingMode_STREAMED, ResponseBodyMode: filterv3.ProcessingMode_BUFFERED},
		"buffered_partial": {RequestBodyMode: filterv3.ProcessingMode_BUFFERED_PARTIAL, ResponseBodyMode: filterv3.ProcessingMode_BUFFERED},
		"full_duplex": {RequestBodyMode: filterv3.ProcessingMode_FULL_DUPLEX_STREAMED, RequestTrailerMode: filterv3.ProcessingMode_SEND,
			ResponseBodyMode: filterv3.ProcessingMode_BUFFERED},
	}
	for name, mode := range modes {
		for _, omit := range []bool{false, true} {
			if omit && name != "streamed" {
				continue
			}
			label := name
			if omit {
				label += "_no_protocol_config"
			}
			h := harness.New(conn, harness.Filter{Mode: mode, OmitProtocolConfig: omit})
			t.Run(label+"/allow", func(t *testing.T) {
				req := jsonReq(apiCases[0], "hello there, a perfectly ordinary prompt")
				req.Split = []int{1, 7, 13}
				res := do(t, h, req, okJSON)
				if res.Status != 200 || !bytes.Equal(res.Forwarded.Body, req.Body) {
					t.Fatalf("status %d forwarded %q", res.Status, res.Forwarded.Body)
				}
			})
			t.Run(label+"/redact", func(t *testing.T) {
				req := jsonReq(apiCases[0], "card CARD_87654321 on file")
				req.Split = []int{5, 3}
				res := do(t, h, req, okJSON)
				if res.Status != 200 || !bytes.Contains(res.Forwarded.Body, []byte("[REDACTED:pii.test_card]")) || !json.Valid(res.Forwarded.Body) {
					t.Fatalf("status %d forwarded %q", res.Status, res.Forwarded.Body)
				}
			})
			t.Run(label+"/block", func(t *testing.T) {
				req := jsonReq(apiCases[1], "TOKEN_ZZ99YY88")
				req.Split = []int{2}
				res := do(t, h, req, okJSON)
				if res.Status != 403 || res.Forwarded != nil && bytes.Contains(res.Forwarded.Body, []byte("TOKEN_")) {
					t.Fatalf("status %d", res.Status)
				}
			})
		}
	}
}

func TestCompressedRequests(t *testing.T) {
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	h := harness.New(conn, harness.Filter{})
	for _, coding := range []string{"gzip", "br", "zstd", "deflate"} {
		codings, _ := httpenc.Parse(coding)
		t.Run(coding+"/block", func(t *testing.T) {
			enc, _ := httpenc.Encode(codings, []byte(apiCases[0].body("key TOKEN_QQ11WW22")))
			res := do(t, h, harness.Request{Path: apiCases[0].path, Header: http.Header{"Content-Encoding": {coding}}, Body: enc}, okJSON)
			if res.Status != 403 {
				t.Fatalf("a compressed secret passed: status %d", res.Status)
			}
		})
		t.Run(coding+"/redact_keeps_encoding", func(t *testing.T) {
			enc, _ := httpenc.Encode(codings, []byte(apiCases[0].body("card CARD_11223344")))
			res := do(t, h, harness.Request{Path: apiCases[0].path, Header: http.Header{"Content-Encoding": {coding}}, Body: enc}, okJSON)
			if res.Status != 200 || res.Forwarded.Header.Get("Content-Encoding") != coding {
				t.Fatalf("status %d encoding %q", res.Status, res.Forwarded.Header.Get("Content-Encoding"))
			}
			plain, err := httpenc.Decode(codings, res.Forwarded.Body, httpenc.Limits{MaxDecoded: 1 << 20})
			if err != nil || !bytes.Contains(plain, []byte("[REDACTED:pii.test_card]")) {
				t.Fatalf("forwarded body %q: %v", plain, err)
			}
		})
	}
	t.Run("bomb", func(t *testing.T) {
		bomb := append([]byte(`{"model":"m","messages":[{"role":"user","content":"`), bytes.Repeat([]byte("a"), 3<<20)...)
		bomb = append(bomb, `"}]}`...)
		enc, _ := httpenc.Encode([]httpenc.Coding{httpenc.Zstd}, bomb)
		res := do(t, h, harness.Request{Path: apiCases[0].path, Header: http.Header{"Content-Encoding": {"zstd"}}, Body: enc}, okJSON)
		if res.Status != 413 || sluiceMD(res, "reason") != ReasonDecompressionLimit {
			t.Fatalf("status %d metadata %v", res.Status, res.Metadata)
		}
	})
	t.Run("unsupported_encoding_fails_closed", func(t *testing.T) {
		res := do(t, h, harness.Request{Path: apiCases[0].path, Header: http.Header{"Content-Encoding": {"compress"}}, Body: []byte("????")}, okJSON)
		if res.Status != 503 || sluiceMD(res, "reason") != ReasonUnsupportedEncoding {
			t.Fatalf("status %d metadata %v", res.Status, res.Metadata)
		}
	})
}

func TestOversize(t *testing.T) {
	big := []byte(apiCases[0].body(strings.Repeat("lorem ipsum ", 200)))
	for _, action := range []OversizeAction{OversizeBlock, OversizeAllow} {
		for name, mode := range map[string]filterv3.ProcessingMode_BodySendMode{
			"buffered": filterv3.ProcessingMode_BUFFERED, "streamed": filterv3.ProcessingMode_STREAMED,
			"full_duplex": filterv3.ProcessingMode_FULL_DUPLEX_STREAMED,
		} {
			t.Run(string(action)+"/"+name, func(t *testing.T) {
				rec := &recorder{ev: testEvaluator(t)}
				cfg := quietConfig()
				cfg.MaxBodyBytes = 1024
				cfg.OversizeAction = action
				conn := startSluice(t, rec, cfg)
				h := harness.New(conn, harness.Filter{Mode: &filterv3.ProcessingMode{RequestBodyMode: mode, RequestTrailerMode: filterv3.ProcessingMode_SEND}})
				res := do(t, h, harness.Request{Path: apiCases[0].path, Body: big, Split: []int{300}}, okJSON)
				switch action {
				case OversizeBlock:
					if res.Status != 413 || res.Forwarded != nil && len(res.Forwarded.Body) == len(big) {
						t.Fatalf("status %d", res.Status)
					}
					if !strings.Contains(string(res.Body), "body_too_large") {
						t.Fatalf("body %s", res.Body)
					}
				case OversizeAllow:
					if res.Status != 200 || !bytes.Equal(res.Forwarded.Body, big) {
						t.Fatalf("status %d, forwarded %d of %d bytes", res.Status, len(res.Forwarded.Body), len(big))
					}
				}
				var found bool
				for _, d := range rec.recorded() {
					found = found || d.Reason == ReasonBodyTooLarge
				}
				if !found {
					t.Fatal("the oversize decision was not recorded")
				}
			})
		}
	}
	t.Run("buffered_partial_truncated", func(t *testing.T) {
		rec := &recorder{ev: testEvaluator(t)}
		conn := startSluice(t, rec, quietConfig())
		h := harness.New(conn, harness.Filter{BufferLimit: 512, Mode: &filterv3.ProcessingMode{RequestBodyMode: filterv3.ProcessingMode_BUFFERED_PARTIAL}})
		res := do(t, h, harness.Request{Path: apiCases[0].path, Body: big}, okJSON)
		if res.Status != 413 || sluiceMD(res, "reason") != ReasonBodyTruncated {
			t.Fatalf("status %d metadata %v", res.Status, res.Metadata)
		}
	})
}

func TestFailureModes(t *testing.T) {
	req := jsonReq(apiCases[0], "hello")
	cases := map[string]*faultyEngine{
		"error":   {err: errors.New("boom")},
		"timeout": {sleep: 5 * time.Second},
		"panic":   {panic: true},
	}
	for name, eng := range cases {
		for _, mode := range []FailureMode{FailClosed, FailOpen} {
			t.Run(name+"/"+string(mode), func(t *testing.T) {
				cfg := quietConfig()
				cfg.FailureMode = mode
				cfg.MessageTimeout = 100 * time.Millisecond
				conn := startSluice(t, eng, cfg)
				// Envoy's own timeout is longer: sluice's choice must apply.
				h := harness.New(conn, harness.Filter{MessageTimeout: 2 * time.Second})
				res := do(t, h, req, okJSON)
				if res.ProcessorFailure != "" {
					t.Fatalf("Envoy gave up on sluice: %s", res.ProcessorFailure)
				}
				switch mode {
				case FailClosed:
					if res.Status != 503 || res.Forwarded != nil {
						t.Fatalf("status %d", res.Status)
					}
				case FailOpen:
					if res.Status != 200 || !bytes.Equal(res.Forwarded.Body, req.Body) {
						t.Fatalf("status %d", res.Status)
					}
				}
				// The server survives: the next exchange is served.
				res2 := do(t, h, req, okJSON)
				if res2.ProcessorFailure != "" || (mode == FailOpen) != (res2.Status == 200) {
					t.Fatalf("after a failure: status %d, %s", res2.Status, res2.ProcessorFailure)
				}
				if len(eng.rec.recorded()) == 0 {
					t.Fatal("the failure decision was not recorded")
				}
			})
		}
	}
}

func TestObservabilityMode(t *testing.T) {
	rec := &recorder{ev: testEvaluator(t)}
	conn := startSluice(t, rec, quietConfig())
	h := harness.New(conn, harness.Filter{ObservabilityMode: true})
	res := do(t, h, jsonReq(apiCases[0], "TOKEN_AB12CD34"), okJSON)
	if res.Status != 200 || res.Forwarded == nil {
		t.Fatalf("observability mode changed traffic: status %d", res.Status)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		for _, d := range rec.recorded() {
			if d.Verdict == evaluator.Block {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the would-be block was not recorded")
}
