// Package httpenc decodes and re-encodes HTTP content codings (gzip, br,
// zstd, deflate) for inspection, with limits that make decompression bombs
// a defined failure instead of an out-of-memory crash.
//
// LLM clients compress request bodies (some coding agents send zstd) and
// providers compress responses; sluice must read the plain text either way.
// Decoding never allocates past the limits: output is copied through a
// bounded writer, and a body that would exceed the maximum decoded size or
// the decompression ratio stops with ErrLimit.
package httpenc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Coding is one content coding.
type Coding uint8

const (
	Identity Coding = iota
	Gzip
	Brotli
	Zstd
	Deflate
)

var codingNames = [...]string{"identity", "gzip", "br", "zstd", "deflate"}

func (c Coding) String() string {
	if int(c) < len(codingNames) {
		return codingNames[c]
	}
	return fmt.Sprintf("coding(%d)", uint8(c))
}

// ErrUnsupported reports a content coding sluice cannot decode.
var ErrUnsupported = errors.New("unsupported content-encoding")

// ErrLimit reports a body whose decoded form exceeds the size or ratio
// limit.
var ErrLimit = errors.New("decoded body exceeds the decompression limit")

// Parse parses a Content-Encoding header value into the codings applied,
// in the order they were applied ("gzip, br" is gzip then brotli).
// Identity entries are dropped; an empty result means the body is plain.
func Parse(header string) ([]Coding, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return nil, nil
	}
	var out []Coding
	for _, part := range strings.Split(header, ",") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "", "identity":
		case "gzip", "x-gzip":
			out = append(out, Gzip)
		case "br":
			out = append(out, Brotli)
		case "zstd":
			out = append(out, Zstd)
		case "deflate":
			out = append(out, Deflate)
		default:
			return nil, fmt.Errorf("%w: %q", ErrUnsupported, strings.TrimSpace(part))
		}
	}
	return out, nil
}

// Format renders codings as a Content-Encoding header value.
func Format(codings []Coding) string {
	names := make([]string, len(codings))
	for i, c := range codings {
		names[i] = c.String()
	}
	return strings.Join(names, ", ")
}

// Limits bound decoding.
type Limits struct {
	// MaxDecoded is the largest decoded body accepted, in bytes.
	MaxDecoded int64
	// MaxRatio is the largest decoded/encoded size ratio accepted once the
	// decoded size passes RatioFloor. Zero disables the ratio check.
	MaxRatio int64
	// RatioFloor is the decoded size below which the ratio is not checked:
	// small bodies of repeated text compress extremely well and are harmless.
	RatioFloor int64
}

// allowed returns how many decoded bytes the limits allow for encoded
// input of size n.
func (l Limits) allowed(n int64) int64 {
	lim := l.MaxDecoded
	if l.MaxRatio > 0 {
		r := max(l.RatioFloor, satMul(n, l.MaxRatio))
		lim = min(lim, r)
	}
	return lim
}

func satMul(a, b int64) int64 {
	if a != 0 && b > (1<<62)/a {
		return 1 << 62
	}
	return a * b
}

// boundedWriter appends to a buffer and fails once more than limit bytes
// were written, before allocating them.
type boundedWriter struct {
	buf   []byte
	limit int64
	total int64
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if w.total+int64(len(p)) > w.limit {
		return 0, ErrLimit
	}
	w.total += int64(len(p))
	if need := len(w.buf) + len(p); need > cap(w.buf) {
		// Grow by doubling, capped at the limit: append's gentler growth
		// for large slices would allocate several times the final size.
		c := int64(max(2*cap(w.buf), need))
		if rest := w.limit - w.total + int64(need); c > rest {
			c = max(rest, int64(need))
		}
		nb := make([]byte, len(w.buf), c)
		copy(nb, w.buf)
		w.buf = nb
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Decode returns body with codings undone, in reverse order of
// application. The input is not modified.
func Decode(codings []Coding, body []byte, lim Limits) ([]byte, error) {
	out := body
	for i := len(codings) - 1; i >= 0; i-- {
		limit := lim.allowed(int64(len(body)))
		w := &boundedWriter{buf: make([]byte, 0, min(int64(len(out))*3, limit, 4<<20)+64), limit: limit}
		if err := decodeTo(w, codings[i], bytes.NewReader(out)); err != nil {
			return nil, fmt.Errorf("%s: %w", codings[i], err)
		}
		out = w.buf
	}
	return out, nil
}

func decodeTo(w io.Writer, c Coding, r io.Reader) error {
	src, closeFn, err := newReader(c, r)
	if err != nil {
		return err
	}
	defer closeFn()
	_, err = io.Copy(w, src)
	return limitErr(err)
}

// limitErr reports a frame that asks for more memory than allowed as a
// limit, like an oversize output.
func limitErr(err error) error {
	if errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
		return fmt.Errorf("%w: %w", ErrLimit, err)
	}
	return err
}

// newReader returns a decoding reader for c over r and a function that
// releases it.
func newReader(c Coding, r io.Reader) (io.Reader, func(), error) {
	switch c {
	case Gzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { _ = zr.Close() }, nil
	case Deflate:
		zr, err := zlib.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() { _ = zr.Close() }, nil
	case Brotli:
		return brotli.NewReader(r), func() {}, nil
	case Zstd:
		d := zstdDecoders.Get().(*zstd.Decoder)
		if err := d.Reset(r); err != nil {
			zstdDecoders.Put(d)
			return nil, nil, err
		}
		return d, func() { _ = d.Reset(nil); zstdDecoders.Put(d) }, nil
	case Identity:
		return r, func() {}, nil
	}
	return nil, nil, ErrUnsupported
}

// zstdMaxWindow bounds the history a zstd frame may ask the decoder to
// allocate. RFC 8878 limits the "zstd" content coding to 8 MiB windows;
// twice that still admits single-segment frames of bodies up to 16 MiB.
const zstdMaxWindow = 16 << 20

// zstd decoders hold large buffers: reuse them. Concurrency 1 keeps
// decoding synchronous in the caller's goroutine, which the stream decoder
// relies on.
var zstdDecoders = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow))
	if err != nil {
		panic(err) // only on invalid options
	}
	return d
}}

// zstdEncoder is safe for concurrent EncodeAll calls.
var zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	return e
})

// Encode applies codings to body in order, for a rewritten body that must
// keep the encoding its headers announce.
func Encode(codings []Coding, body []byte) ([]byte, error) {
	out := body
	for _, c := range codings {
		var buf bytes.Buffer
		var w io.WriteCloser
		switch c {
		case Gzip:
			w = gzip.NewWriter(&buf)
		case Deflate:
			w = zlib.NewWriter(&buf)
		case Brotli:
			w = brotli.NewWriterLevel(&buf, 5)
		case Zstd:
			out = zstdEncoder().EncodeAll(out, nil)
			continue
		case Identity:
			continue
		default:
			return nil, ErrUnsupported
		}
		if _, err := w.Write(out); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		out = buf.Bytes()
	}
	return out, nil
}
