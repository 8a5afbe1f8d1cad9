package frame

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/evaluator/llmapi"
)

// events joins events and returns the stream with the offsets where each
// event ends.
func events(parts ...string) ([]byte, []int) {
	var b []byte
	var ends []int
	for _, p := range parts {
		b = append(b, p...)
		ends = append(ends, len(b))
	}
	return b, ends
}

// feed pushes stream in chunks of the given sizes (cycled) and returns the
// cumulative release points and everything released, Flush included.
func feed(t *testing.T, f *Framer, stream []byte, sizes []int) ([]int, []byte) {
	t.Helper()
	var cuts []int
	var out []byte
	for off, k := 0, 0; off < len(stream); k++ {
		n := min(sizes[k%len(sizes)], len(stream)-off)
		rel, err := f.Push(slices.Clone(stream[off : off+n]))
		if err != nil {
			t.Fatalf("Push at %d: %v", off, err)
		}
		off += n
		if len(rel) > 0 {
			out = append(out, rel...)
			cuts = append(cuts, len(out))
		}
	}
	out = append(out, f.Flush()...)
	return cuts, out
}

func checkCuts(t *testing.T, name string, stream []byte, boundaries []int, kind Kind) {
	t.Helper()
	for _, sizes := range [][]int{{1}, {2}, {3}, {5, 1, 7}, {13}, {64}, {len(stream)}} {
		t.Run(fmt.Sprintf("%s/chunks%v", name, sizes), func(t *testing.T) {
			f := New(kind, 1<<20)
			cuts, out := feed(t, f, stream, sizes)
			if !bytes.Equal(out, stream) {
				t.Fatalf("released bytes differ from the stream:\n got %q\nwant %q", out, stream)
			}
			for _, c := range cuts {
				if !slices.Contains(boundaries, c) {
					t.Fatalf("released up to %d, not an event boundary (boundaries %v)", c, boundaries)
				}
			}
			// Everything is released without waiting for the end of the
			// stream, except a final lone CR (it may yet become a CRLF).
			want := boundaries[len(boundaries)-1]
			if stream[len(stream)-1] == '\r' && len(boundaries) > 1 {
				want = boundaries[len(boundaries)-2]
			}
			if len(cuts) == 0 || cuts[len(cuts)-1] != want {
				t.Fatalf("release points %v never reached boundary %d", cuts, want)
			}
		})
	}
}

func TestSSE(t *testing.T) {
	lf, lfEnds := events(
		"data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
		": keep-alive comment\n\n",
		"event: message\ndata: {\"a\":1}\ndata: {\"b\":2}\n\n",
		"data: [DONE]\n\n",
	)
	checkCuts(t, "lf", lf, lfEnds, SSE)
	crlf, crlfEnds := events("event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\n", "data: x\r\n\r\n")
	checkCuts(t, "crlf", crlf, crlfEnds, SSE)
	cr, crEnds := events("data: one\r\r", "data: two\r\r")
	checkCuts(t, "cr", cr, crEnds, SSE)
	// Gemini's alt=sse separates events with CRLF CRLF.
	gem, gemEnds := events("data: {\"candidates\":[]}\r\n\r\n", "data: {\"candidates\":[{}]}\r\n\r\n")
	checkCuts(t, "gemini", gem, gemEnds, Sniff)
}

func TestSSEHoldsLoneTrailingCR(t *testing.T) {
	f := New(SSE, 1<<10)
	out, _ := f.Push([]byte("data: a\r\n\r"))
	if len(out) != 0 {
		t.Fatalf("released %q before knowing whether the CR starts a CRLF", out)
	}
	out, _ = f.Push([]byte("\n"))
	if string(out) != "data: a\r\n\r\n" {
		t.Fatalf("released %q", out)
	}
}

func TestEventStream(t *testing.T) {
	var parts []string
	for i := range 4 {
		fr := EventStreamFrame([]Header{{":event-type", "chunk"}, {":message-type", "event"}},
			fmt.Appendf(nil, `{"bytes":"eyJ0eXBlIjoiY29udGVudF9ibG9ja19kZWx0YSJ9","n":%d}`, i))
		parts = append(parts, string(fr))
	}
	stream, ends := events(parts...)
	checkCuts(t, "frames", stream, ends, EventStream)
	checkCuts(t, "sniffed", stream, ends, Sniff)

	t.Run("corrupt", func(t *testing.T) {
		bad := slices.Clone(stream)
		bad[9] ^= 0xff // prelude CRC
		if _, err := New(EventStream, 1<<20).Push(bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("err = %v, want ErrCorrupt", err)
		}
	})
}

func TestEventStreamFrameEncoding(t *testing.T) {
	fr := EventStreamFrame([]Header{{":message-type", "exception"}, {":exception-type", "validationException"}}, []byte(`{"message":"no"}`))
	total := binary.BigEndian.Uint32(fr[0:4])
	if int(total) != len(fr) {
		t.Fatalf("total length %d, frame is %d bytes", total, len(fr))
	}
	if !llmapi.ValidEventStreamPrelude(fr) {
		t.Fatal("invalid prelude")
	}
	if crc32.ChecksumIEEE(fr[:len(fr)-4]) != binary.BigEndian.Uint32(fr[len(fr)-4:]) {
		t.Fatal("bad message CRC")
	}
	hlen := binary.BigEndian.Uint32(fr[4:8])
	if got := string(fr[12+hlen : len(fr)-4]); got != `{"message":"no"}` {
		t.Fatalf("payload %q", got)
	}
}

func TestJSONArray(t *testing.T) {
	// Gemini's streamGenerateContent without alt=sse: one JSON array whose
	// elements arrive over time; strings hold brackets and escaped quotes.
	stream, ends := events(
		"[",
		`{"candidates":[{"content":{"parts":[{"text":"a } b ] c \" d {"}]}}]}`,
		"\r\n,\r\n"+`{"candidates":[{"content":{"parts":[{"text":"\\\"x\\\\"}]}}],"usageMetadata":{}}`,
		"\r\n]",
	)
	checkCuts(t, "gemini", stream, ends, JSONSeq)
	checkCuts(t, "gemini_sniffed", stream, ends, Sniff)

	nd, ndEnds := events(`{"type":"a","v":"}"}`, "\n"+`{"type":"b"}`, "\n"+`{"type":"c","nested":{"x":[1,2]}}`)
	checkCuts(t, "ndjson", nd, ndEnds, JSONSeq)
}

// TestEndJSONSeq ends a JSON array stream after every possible release and
// checks that the client would still read valid JSON.
func TestEndJSONSeq(t *testing.T) {
	stream := []byte(`[{"a":"x"}` + "\r\n,\r\n" + `{"b":"y ] }"}` + "\r\n,\r\n" + `{"c":1}]`)
	errObj := []byte(`{"error":{"code":403,"message":"blocked","status":"PERMISSION_DENIED"}}`)
	for cut := 0; cut <= len(stream); cut++ {
		f := New(JSONSeq, 1<<20)
		rel, err := f.Push(stream[:cut])
		if err != nil {
			t.Fatal(err)
		}
		tail := f.EndJSONSeq(errObj, true)
		if tail == nil {
			if !bytes.Equal(rel, stream) {
				t.Fatalf("cut %d: EndJSONSeq gave nothing before the array closed", cut)
			}
			continue
		}
		doc := append(slices.Clone(rel), tail...)
		var v []map[string]any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("cut %d: %q is not a JSON array: %v", cut, doc, err)
		}
		if _, ok := v[len(v)-1]["error"]; !ok {
			t.Fatalf("cut %d: last element is not the error: %q", cut, doc)
		}
	}
	t.Run("ndjson", func(t *testing.T) {
		f := New(JSONSeq, 1<<20)
		rel, _ := f.Push([]byte("{\"a\":1}\n{\"b\":"))
		doc := append(slices.Clone(rel), f.EndJSONSeq(errObj, false)...)
		dec := json.NewDecoder(bytes.NewReader(doc))
		n := 0
		for dec.More() {
			var v map[string]any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%q: %v", doc, err)
			}
			n++
		}
		if n != 2 {
			t.Fatalf("%q holds %d values, want 2", doc, n)
		}
	})
}

func TestTailBound(t *testing.T) {
	f := New(SSE, 16)
	if _, err := f.Push([]byte("data: this line never ends and keeps going")); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestSniffAndKindOf(t *testing.T) {
	cases := map[string]Kind{
		"text/event-stream; charset=utf-8":   SSE,
		"application/vnd.amazon.eventstream": EventStream,
		"application/json":                   JSONSeq,
		"application/x-ndjson":               JSONSeq,
		"text/plain":                         Sniff,
		"":                                   Sniff,
	}
	for ct, want := range cases {
		if got := KindOf(ct); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", ct, got, want)
		}
	}
	sniffs := map[string]Kind{"data: x": SSE, "event: y": SSE, ": c": SSE, "da": Sniff, "  [{": JSONSeq, "{": JSONSeq, "hello": Raw}
	for in, want := range sniffs {
		if got := sniff([]byte(in)); got != want {
			t.Errorf("sniff(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRawPassesThrough(t *testing.T) {
	f := New(Raw, 4)
	chunk := []byte("anything at all, longer than the tail bound")
	out, err := f.Push(chunk)
	if err != nil || !bytes.Equal(out, chunk) {
		t.Fatalf("Push = %q, %v", out, err)
	}
}

func BenchmarkSSEPush(b *testing.B) {
	var stream []byte
	for i := range 200 {
		stream = fmt.Appendf(stream, "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token %d \"}}]}\n\n", i)
	}
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		f := New(SSE, 1<<20)
		for off := 0; off < len(stream); off += 1000 {
			if _, err := f.Push(stream[off:min(off+1000, len(stream))]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
