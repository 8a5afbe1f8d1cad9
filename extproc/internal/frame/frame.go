// Package frame finds event boundaries in a streamed LLM response that
// arrives in chunks cut anywhere, and builds the events sluice injects when
// it ends a stream early.
//
// Envoy hands sluice a streamed response in chunks whose boundaries follow
// TCP reads, not events: a chunk can end halfway through an SSE line, a
// Bedrock binary frame or a JSON element. A Framer holds back such an
// unfinished tail and releases only whole events, so that what reaches the
// client is always a sequence of complete events: when sluice replaces the
// rest of a stream with an error event, the client's parser sees a clean
// event boundary before it. The concatenation of everything released is
// exactly the input, byte for byte.
package frame

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/sluicehq/sluice/evaluator/llmapi"
)

// Kind is how a stream is cut into events.
type Kind uint8

const (
	Sniff       Kind = iota // not known yet: decided from the first bytes
	SSE                     // text/event-stream: events end at a blank line
	EventStream             // application/vnd.amazon.eventstream: length-prefixed binary frames
	JSONSeq                 // JSON values in a row or in one array (NDJSON, Gemini's array stream)
	Raw                     // anything else: no boundaries, nothing held back
)

var kindNames = [...]string{"sniff", "sse", "eventstream", "jsonseq", "raw"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// KindOf maps a Content-Type to a Kind; Sniff when it says nothing useful.
// The evaluator's stream assembler reads the same media types the same
// way (llmapi.StreamFramingOf), so the events released here are the ones
// it parses.
func KindOf(contentType string) Kind {
	switch llmapi.StreamFramingOf(contentType) {
	case llmapi.FramingSSE:
		return SSE
	case llmapi.FramingEventStream:
		return EventStream
	case llmapi.FramingJSONSeq:
		return JSONSeq
	}
	return Sniff
}

// ErrTooLarge reports an unfinished event longer than the tail bound.
var ErrTooLarge = errors.New("stream event exceeds the tail bound")

// ErrCorrupt reports a binary frame whose prelude cannot be valid.
var ErrCorrupt = errors.New("corrupt event stream frame")

// Framer releases whole events from a chunked stream. The zero value is not
// usable: call New.
type Framer struct {
	kind    Kind
	maxTail int
	held    []byte

	// SSE scanning state, relative to held: scanned bytes and whether the
	// last complete line was empty.
	sseScan      int
	sseLineStart bool

	// JSONSeq scanning state.
	js jsonState
}

type jsonState struct {
	scan     int  // bytes of held already scanned
	depth    int  // nesting depth at scan
	inString bool // inside a string literal
	escape   bool // after a backslash inside a string
	array    bool // the top-level value is an array whose elements are the events
	opened   bool // the top-level array bracket has been released
	elements int  // whole elements released (array) or values (sequence)
	closed   bool // the top-level array has closed
}

// New returns a Framer for a stream of kind k (Sniff decides from the
// first bytes). maxTail bounds the bytes held for one unfinished event.
func New(k Kind, maxTail int) *Framer {
	return &Framer{kind: k, maxTail: maxTail, sseLineStart: true}
}

// Kind returns the stream's kind, Sniff until the first bytes decided it.
func (f *Framer) Kind() Kind { return f.kind }

// Push adds a chunk and returns the bytes that end at the last event
// boundary seen so far (everything held before plus a prefix of chunk);
// the rest is held. The result aliases chunk when nothing was held and the
// whole chunk is released, so it is valid only until the next call.
func (f *Framer) Push(chunk []byte) ([]byte, error) {
	if len(f.held) == 0 && f.kind == Raw {
		return chunk, nil
	}
	var buf []byte
	if len(f.held) == 0 {
		buf = chunk
	} else {
		f.held = append(f.held, chunk...)
		buf = f.held
	}
	if f.kind == Sniff {
		f.kind = sniff(buf)
		if f.kind == Sniff {
			return f.hold(buf, 0)
		}
	}
	var cut int
	var err error
	switch f.kind {
	case SSE:
		cut = f.sseCut(buf)
	case EventStream:
		cut, err = eventStreamCut(buf)
	case JSONSeq:
		cut = f.jsonCut(buf)
	default:
		cut = len(buf)
	}
	if err != nil {
		return nil, err
	}
	return f.hold(buf, cut)
}

// hold releases buf[:cut] and keeps buf[cut:]. buf is either the caller's
// chunk (nothing was held) or f.held.
func (f *Framer) hold(buf []byte, cut int) ([]byte, error) {
	rest := len(buf) - cut
	if rest > f.maxTail {
		return nil, fmt.Errorf("%w (%d bytes held, bound %d)", ErrTooLarge, rest, f.maxTail)
	}
	f.sseScan -= cut
	f.js.scan -= cut
	fromHeld := len(f.held) > 0
	out := buf[:cut:cut]
	switch {
	case !fromHeld:
		// Keep the unreleased tail of the caller's chunk.
		f.held = append(f.held[:0], buf[cut:]...)
	case rest == 0:
		f.held = nil // out owns the old buffer now
	default:
		f.held = bytes.Clone(buf[cut:])
	}
	return out, nil
}

// Flush returns everything still held, at the end of the stream.
func (f *Framer) Flush() []byte {
	out := bytes.Clone(f.held)
	f.held = f.held[:0]
	f.sseScan, f.js.scan = 0, 0
	return out
}

// Held returns the number of bytes held back.
func (f *Framer) Held() int { return len(f.held) }

// sniff decides the kind from the first bytes, or Sniff when more are
// needed.
func sniff(b []byte) Kind {
	if llmapi.ValidEventStreamPrelude(b) {
		return EventStream
	}
	if len(b) > 0 && b[0] == 0 {
		if len(b) < preludeLen {
			return Sniff
		}
		return Raw
	}
	t := bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	if len(t) == 0 {
		return Sniff
	}
	if t[0] == '{' || t[0] == '[' {
		return JSONSeq
	}
	for _, p := range []string{"data:", "event:", "id:", "retry:", ":"} {
		if bytes.HasPrefix(b, []byte(p)) {
			return SSE
		}
		if len(b) < len(p) && strings.HasPrefix(p, string(b)) {
			return Sniff
		}
	}
	return Raw
}

// sseCut returns the end of the last complete event in buf: the end of the
// terminator of an empty line. Lines end with LF, CRLF or CR; a CR at the
// very end of buf may be the first half of a CRLF, so it is not taken as a
// line end until the next byte is known.
func (f *Framer) sseCut(buf []byte) int {
	cut := 0
	i := max(f.sseScan, 0)
	lineStart := f.sseLineStart
	for i < len(buf) {
		c := buf[i]
		if c != '\n' && c != '\r' {
			lineStart = false
			// Skip to the next terminator quickly.
			j := bytes.IndexAny(buf[i:], "\r\n")
			if j < 0 {
				i = len(buf)
				break
			}
			i += j
			continue
		}
		end := i + 1
		if c == '\r' {
			if i+1 == len(buf) {
				break // maybe CRLF: decide with the next chunk
			}
			if buf[i+1] == '\n' {
				end = i + 2
			}
		}
		if lineStart {
			cut = end // an empty line: the event is complete
		}
		lineStart = true
		i = end
	}
	f.sseScan = i
	f.sseLineStart = lineStart
	return cut
}

// jsonCut returns the end of the last complete top-level value, or of the
// last complete element of a top-level array, scanning only new bytes.
func (f *Framer) jsonCut(buf []byte) int {
	s := &f.js
	cut := 0
	i := max(s.scan, 0)
	for ; i < len(buf); i++ {
		c := buf[i]
		if s.inString {
			switch {
			case s.escape:
				s.escape = false
			case c == '\\':
				s.escape = true
			case c == '"':
				s.inString = false
				if s.depth == 0 || (s.array && s.depth == 1) {
					cut = i + 1 // a bare string value
				}
			}
			continue
		}
		switch c {
		case '"':
			s.inString = true
		case '{', '[':
			if s.depth == 0 && c == '[' && s.elements == 0 && !s.opened && !s.closed {
				s.array = true
				s.opened = true
				s.depth = 1
				cut = i + 1 // release the opening bracket on its own
				continue
			}
			s.depth++
		case '}', ']':
			if s.depth > 0 {
				s.depth--
			}
			switch {
			case s.array && s.depth == 0:
				s.closed = true
				cut = i + 1
			case s.depth == 0 || (s.array && s.depth == 1):
				s.elements++
				cut = i + 1
			}
		}
		// Separators and line breaks between values are released with the
		// value that follows them, so released bytes always end right after
		// a value.
	}
	s.scan = i
	return cut
}

// ---- Bedrock event stream ----

// preludeLen is the size of a frame's prelude: total length, headers
// length and their CRC32. Which preludes are valid is the evaluator's
// call (llmapi.ValidEventStreamPrelude): a frame it would refuse is
// corrupt here too.
const preludeLen = 12

// eventStreamCut returns the end of the last whole frame in buf.
func eventStreamCut(buf []byte) (int, error) {
	off := 0
	for len(buf)-off >= preludeLen {
		b := buf[off:]
		if !llmapi.ValidEventStreamPrelude(b) {
			return 0, ErrCorrupt
		}
		total := int(binary.BigEndian.Uint32(b[0:4]))
		if len(b) < total {
			break
		}
		off += total
	}
	return off, nil
}

// Header is one string header of an event stream frame.
type Header struct{ Name, Value string }

// EventStreamFrame encodes one application/vnd.amazon.eventstream message
// with string headers.
func EventStreamFrame(headers []Header, payload []byte) []byte {
	hlen := 0
	for _, h := range headers {
		hlen += 1 + len(h.Name) + 1 + 2 + len(h.Value)
	}
	total := preludeLen + hlen + len(payload) + 4
	b := make([]byte, 0, total)
	b = binary.BigEndian.AppendUint32(b, uint32(total))
	b = binary.BigEndian.AppendUint32(b, uint32(hlen))
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[:8]))
	for _, h := range headers {
		b = append(b, byte(len(h.Name)))
		b = append(b, h.Name...)
		b = append(b, 7) // string
		b = binary.BigEndian.AppendUint16(b, uint16(len(h.Value)))
		b = append(b, h.Value...)
	}
	b = append(b, payload...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// SSEEvent encodes one server-sent event; event may be empty. data must not
// contain line breaks (compact JSON does not).
func SSEEvent(event string, data []byte) []byte {
	b := make([]byte, 0, len(event)+len(data)+16)
	if event != "" {
		b = append(b, "event: "...)
		b = append(b, event...)
		b = append(b, '\n')
	}
	b = append(b, "data: "...)
	b = append(b, data...)
	return append(b, '\n', '\n')
}

// Checkpoint is the framer's view of what it released, saved before a
// Push so that the chunk's output can be replaced by an ending.
type Checkpoint struct{ js jsonState }

// Checkpoint returns the state of what has been released so far.
func (f *Framer) Checkpoint() Checkpoint { return Checkpoint{js: f.js} }

// EndJSONSeq returns what to append after the released part of a JSON
// sequence stream so that it ends with obj as its last value and stays well
// formed: inside a top-level array, obj becomes the last element and the
// array is closed. When nothing was released yet, array says whether the
// stream is an array (Gemini's streamGenerateContent without alt=sse) or
// a sequence of lines. It returns nil when the stream already ended.
func (f *Framer) EndJSONSeq(obj []byte, array bool) []byte {
	return EndJSONSeqAt(f.Checkpoint(), obj, array)
}

// EndJSONSeqAt is EndJSONSeq for the stream as it stood at cp: the ending
// that replaces everything released after cp.
func EndJSONSeqAt(cp Checkpoint, obj []byte, array bool) []byte {
	s := &cp.js
	var b []byte
	switch {
	case s.closed:
		return nil
	case s.array:
		if s.elements > 0 {
			b = append(b, ',', '\n')
		}
		b = append(b, obj...)
		return append(b, ']')
	case s.elements == 0 && !s.opened && array:
		b = append(b, '[')
		b = append(b, obj...)
		return append(b, ']')
	default:
		if s.elements > 0 {
			b = append(b, '\n')
		}
		b = append(b, obj...)
		return append(b, '\n')
	}
}
