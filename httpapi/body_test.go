package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstded(t testing.TB, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// chunked hides the length of a body, as a client streaming it would.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestReadBody(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxBodyBytes = 64 << 10
	cfg.MaxDecodedBytes = 4 << 20
	cfg.MaxDecompressionRatio = 10
	br := newBodyReader(&cfg)

	plain := []byte(`{"metadata":{"request_id":"r1"},"user_message":"hello"}`)
	bomb := bytes.Repeat([]byte(" "), 3<<20) // 3 MiB of spaces: compresses ~1000x
	huge := bytes.Repeat([]byte("a"), int(cfg.MaxBodyBytes)+1)

	tests := []struct {
		name     string
		body     []byte
		encoding string
		hideLen  bool
		want     []byte
		status   int
		code     string
	}{
		{name: "identity", body: plain, want: plain},
		{name: "identity_explicit", body: plain, encoding: "identity", want: plain},
		{name: "identity_chunked", body: plain, hideLen: true, want: plain},
		{name: "gzip", body: gzipped(t, plain), encoding: "gzip", want: plain},
		{name: "gzip_upper_case", body: gzipped(t, plain), encoding: "GZIP", want: plain},
		{name: "x_gzip", body: gzipped(t, plain), encoding: "x-gzip", want: plain},
		{name: "zstd", body: zstded(t, plain), encoding: "zstd", want: plain},
		{name: "zstd_chunked", body: zstded(t, plain), encoding: "zstd", hideLen: true, want: plain},
		{name: "brotli_refused", body: plain, encoding: "br", status: 415, code: CodeUnsupportedEncoding},
		{name: "stacked_refused", body: plain, encoding: "gzip, zstd", status: 415, code: CodeUnsupportedEncoding},
		{name: "too_large", body: huge, status: 413, code: CodeBodyTooLarge},
		{name: "too_large_chunked", body: huge, hideLen: true, status: 413, code: CodeBodyTooLarge},
		{name: "gzip_bomb_ratio", body: gzipped(t, bomb), encoding: "gzip", status: 413, code: CodeBodyTooLarge},
		{name: "zstd_bomb_ratio", body: zstded(t, bomb), encoding: "zstd", status: 413, code: CodeBodyTooLarge},
		{name: "gzip_over_decoded_max", body: gzipped(t, bytes.Repeat([]byte("ab"), 3<<20)), encoding: "gzip", status: 413, code: CodeBodyTooLarge},
		{name: "gzip_corrupt", body: []byte("\x1f\x8b\x08\x00garbage"), encoding: "gzip", status: 400, code: CodeRequestParse},
		{name: "gzip_not_gzip", body: plain, encoding: "gzip", status: 400, code: CodeRequestParse},
		{name: "zstd_corrupt", body: []byte("\x28\xb5\x2f\xfd garbage"), encoding: "zstd", status: 400, code: CodeRequestParse},
		{name: "gzip_truncated", body: gzipped(t, plain)[:20], encoding: "gzip", status: 400, code: CodeRequestParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rd io.Reader = bytes.NewReader(tt.body)
			if tt.hideLen {
				rd = chunked{rd}
			}
			r := httptest.NewRequest(http.MethodPost, "/", rd)
			if tt.encoding != "" {
				r.Header.Set("Content-Encoding", tt.encoding)
			}
			got, err := br.read(httptest.NewRecorder(), r)
			if tt.status != 0 {
				ae, ok := err.(*apiError)
				if !ok {
					t.Fatalf("err = %v (%T), want status %d", err, err, tt.status)
				}
				if ae.status != tt.status || ae.code != tt.code {
					t.Fatalf("got %d %s, want %d %s", ae.status, ae.code, tt.status, tt.code)
				}
				if strings.Contains(ae.msg, "garbage") || strings.Contains(ae.msg, "hello") {
					t.Errorf("message echoes the body: %q", ae.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReadBodyPoolReuse decodes many bodies with pooled decoders, mixing
// failures in, to show a decoder is never returned to the pool dirty.
func TestReadBodyPoolReuse(t *testing.T) {
	cfg := DefaultConfig()
	br := newBodyReader(&cfg)
	for i := range 50 {
		msg := []byte(`{"n":` + itoa(int64(i)) + `}`)
		for _, enc := range []string{"gzip", "zstd"} {
			var body []byte
			if enc == "gzip" {
				body = gzipped(t, msg)
			} else {
				body = zstded(t, msg)
			}
			if i%5 == 0 {
				body = body[:len(body)/2] // truncated: must fail and leave the pool usable
			}
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header.Set("Content-Encoding", enc)
			got, err := br.read(httptest.NewRecorder(), r)
			if i%5 == 0 {
				if err == nil {
					t.Fatalf("%s %d: truncated body decoded", enc, i)
				}
				continue
			}
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("%s %d: got %q, %v", enc, i, got, err)
			}
		}
	}
}
