package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// ratioFloor is the decoded size below which the decompression ratio is
// not checked: small bodies cannot hurt, and short repetitive JSON
// compresses far better than the cap.
const ratioFloor = 1 << 20

// zstdMaxWindow bounds the window a zstd frame may ask the decoder to
// allocate. Encoders use at most 8 MiB unless told to go beyond
// (RFC 8878 recommends decoders support 8 MiB); a frame asking for more is
// refused instead of allocated.
const zstdMaxWindow = 32 << 20

// bodyReader reads request bodies under the configured limits.
type bodyReader struct {
	maxWire, maxDecoded int64
	ratio               int64
	gzipPool, zstdPool  sync.Pool
}

func newBodyReader(cfg *Config) *bodyReader {
	return &bodyReader{
		maxWire:    cfg.MaxBodyBytes,
		maxDecoded: cfg.MaxDecodedBytes,
		ratio:      int64(cfg.MaxDecompressionRatio),
	}
}

func tooLarge(what string, limit int64) *apiError {
	return newError(http.StatusRequestEntityTooLarge, CodeBodyTooLarge,
		fmt.Sprintf("%s exceeds the limit of %d bytes", what, limit), nil)
}

// read returns the request body with its Content-Encoding undone.
func (br *bodyReader) read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity", "gzip", "x-gzip", "zstd":
	default:
		return nil, newError(http.StatusUnsupportedMediaType, CodeUnsupportedEncoding,
			"Content-Encoding must be gzip, zstd or identity", nil)
	}
	if r.ContentLength > br.maxWire {
		return nil, tooLarge("request body", br.maxWire)
	}
	wire, err := readAllLimited(http.MaxBytesReader(w, r.Body, br.maxWire), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge("request body", br.maxWire)
		}
		return nil, newError(http.StatusBadRequest, CodeRequestParse, "request body could not be read", err)
	}
	switch enc {
	case "gzip", "x-gzip":
		return br.gunzip(wire)
	case "zstd":
		return br.unzstd(wire)
	}
	return wire, nil
}

// decodedLimit is the most a body of n encoded bytes may decode to.
func (br *bodyReader) decodedLimit(n int) int64 {
	limit := max(int64(n)*br.ratio, ratioFloor)
	return min(limit, br.maxDecoded)
}

func (br *bodyReader) gunzip(wire []byte) ([]byte, error) {
	zr, _ := br.gzipPool.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(wire))
	} else {
		err = zr.Reset(bytes.NewReader(wire))
	}
	if err != nil {
		return nil, newError(http.StatusBadRequest, CodeRequestParse, "request body is not valid gzip", err)
	}
	out, err := br.decode(zr, len(wire), "gzip")
	br.gzipPool.Put(zr) // Reset reinitializes every field, whatever state decoding left
	return out, err
}

func (br *bodyReader) unzstd(wire []byte) ([]byte, error) {
	zr, _ := br.zstdPool.Get().(*zstd.Decoder)
	if zr == nil {
		var err error
		zr, err = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(max(min(zstdMaxWindow, uint64(br.maxDecoded)), 1<<20)),
			zstd.WithDecoderMaxMemory(uint64(br.maxDecoded)+1))
		if err != nil {
			return nil, newError(http.StatusInternalServerError, CodeEvaluationFailed, "zstd decoder unavailable", err)
		}
	}
	if err := zr.Reset(bytes.NewReader(wire)); err != nil {
		return nil, newError(http.StatusBadRequest, CodeRequestParse, "request body is not valid zstd", err)
	}
	out, err := br.decode(zr, len(wire), "zstd")
	zr.Reset(nil) // drop the reference to the body
	br.zstdPool.Put(zr)
	return out, err
}

// decode reads a decompressing reader up to the decoded limit.
func (br *bodyReader) decode(zr io.Reader, wireLen int, name string) ([]byte, error) {
	limit := br.decodedLimit(wireLen)
	// Start from a guess; ordinary JSON compresses 3-10x.
	var buf bytes.Buffer
	buf.Grow(int(min(int64(wireLen)*4+512, limit+1)))
	n, err := buf.ReadFrom(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, newError(http.StatusBadRequest, CodeRequestParse, "request body is not valid "+name, err)
	}
	if n > limit {
		if limit == br.maxDecoded {
			return nil, tooLarge("decoded request body", br.maxDecoded)
		}
		return nil, newError(http.StatusRequestEntityTooLarge, CodeBodyTooLarge,
			fmt.Sprintf("decoded request body exceeds %d times its encoded size", br.ratio), nil)
	}
	return buf.Bytes(), nil
}

// readAllLimited reads r fully, sizing the buffer from Content-Length when
// it is known (the common case) so a body costs one allocation.
func readAllLimited(r io.Reader, contentLength int64) ([]byte, error) {
	if contentLength >= 0 {
		buf := make([]byte, contentLength+1) // +1 to see EOF without growing
		n, err := io.ReadFull(r, buf)
		switch {
		case err == io.ErrUnexpectedEOF || err == io.EOF:
			return buf[:n], nil // shorter than announced: net/http reports that itself
		case err != nil:
			return nil, err
		}
		// Longer than announced (cannot happen with net/http): keep reading.
		rest, err := io.ReadAll(r)
		return append(buf, rest...), err
	}
	return io.ReadAll(r)
}
