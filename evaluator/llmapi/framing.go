package llmapi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"mime"
	"strings"
)

// StreamFraming is how a response stream's bytes are cut into events, as
// its Content-Type says. The ext_proc door cuts the streams it forwards at
// event boundaries by the same answer, so that it holds back and releases
// exactly the events this package assembles.
type StreamFraming uint8

const (
	FramingUnknown     StreamFraming = iota // the type says nothing useful: the first bytes decide
	FramingSSE                              // text/event-stream
	FramingEventStream                      // application/vnd.amazon.eventstream
	FramingJSONSeq                          // JSON values one after another (JSON lines, a JSON array)
)

// StreamFramingOf maps a Content-Type to a StreamFraming; FramingUnknown
// when it names none.
func StreamFramingOf(contentType string) StreamFraming {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	switch mt {
	case "text/event-stream":
		return FramingSSE
	case "application/vnd.amazon.eventstream":
		return FramingEventStream
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
		"application/json-lines", "application/json", "application/stream+json":
		return FramingJSONSeq
	}
	return FramingUnknown
}

// framing is the parsers' own view of a body: a StreamFraming once known,
// framingSniff while the first bytes are awaited, or framingNone for a
// body that is not a stream at all.
type framing uint8

const (
	framingNone        framing = iota // one JSON body, not a stream
	framingSniff                      // not known yet: decided from the first bytes
	framingSSE                        // text/event-stream
	framingEventStream                // application/vnd.amazon.eventstream
	framingJSONSeq                    // JSON values one after another (JSON lines, a JSON array)
)

// framingFor picks the framing of a whole response body.
func framingFor(contentType string, body []byte) framing {
	switch fr := framingOfType(contentType); fr {
	case framingSniff:
		switch sniffFraming(body, true) {
		case framingSSE:
			return framingSSE
		case framingEventStream:
			return framingEventStream
		}
		return framingNone
	case framingJSONSeq:
		if strings.Contains(contentType, "json") && !strings.Contains(contentType, "nd") && !strings.Contains(contentType, "lines") && !strings.Contains(contentType, "jsonl") {
			return framingNone // application/json: one body (maybe an array of events)
		}
		return fr
	default:
		return fr
	}
}

// framingOfType maps a Content-Type to a framing; framingSniff when it
// says nothing useful.
func framingOfType(contentType string) framing {
	switch StreamFramingOf(contentType) {
	case FramingSSE:
		return framingSSE
	case FramingEventStream:
		return framingEventStream
	case FramingJSONSeq:
		return framingJSONSeq
	}
	return framingSniff
}

var sseFieldPrefixes = []string{"data:", "event:", "id:", "retry:", ":"}

const bom = "\xef\xbb\xbf"

// sniffFraming decides a framing from the first bytes of a stream, or
// returns framingSniff when more bytes are needed (and final is false).
func sniffFraming(b []byte, final bool) framing {
	if ValidEventStreamPrelude(b) {
		return framingEventStream
	}
	if len(b) > 0 && b[0] == 0 && len(b) < preludeLen && !final {
		return framingSniff // maybe a binary frame: wait for its prelude
	}
	if !final && len(b) < len(bom) && bytes.HasPrefix([]byte(bom), b) {
		return framingSniff // maybe a byte order mark
	}
	t := bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	if len(t) == 0 {
		if final {
			return framingJSONSeq
		}
		return framingSniff
	}
	if t[0] == '{' || t[0] == '[' {
		return framingJSONSeq
	}
	b = bytes.TrimPrefix(b, []byte(bom))
	for _, p := range sseFieldPrefixes {
		if bytes.HasPrefix(b, []byte(p)) {
			return framingSSE
		}
		if !final && len(b) < len(p) && strings.HasPrefix(p, string(b)) {
			return framingSniff
		}
	}
	// Plain text: cut it into lines and scan every one.
	return framingJSONSeq
}

// looksLikeJSONSeq reports whether a body that failed to parse as one JSON
// value starts like a sequence of them (JSON lines).
func looksLikeJSONSeq(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// ---- SSE ----

// feedSSE cuts text/event-stream bytes into events. Lines end with LF, CR
// or CRLF; a CR at the end of a chunk is taken as a line end and a LF
// starting the next chunk is then skipped.
func (a *StreamAssembler) feedSSE(final bool) error {
	if !a.bomSeen {
		// A byte order mark may open the stream; it is not part of the
		// first field name.
		if len(a.buf) < len(bom) && !final && bytes.HasPrefix([]byte(bom), a.buf) {
			return nil
		}
		a.bomSeen = true
		a.buf = bytes.TrimPrefix(a.buf, []byte(bom))
	}
	buf := a.buf
	start := 0
	// a.scan bytes of a pending line are known to hold no line end: a long
	// line fed in small chunks is scanned once, not once per chunk.
	scan := a.scan
	for start < len(buf) {
		if a.skipLF {
			a.skipLF = false
			if buf[start] == '\n' {
				start++
				continue
			}
		}
		rest := buf[start+scan:]
		i := bytes.IndexByte(rest, '\n')
		lim := rest
		if i >= 0 {
			lim = rest[:i]
		}
		if j := bytes.IndexByte(lim, '\r'); j >= 0 {
			i = j
			a.skipLF = true
		}
		if i < 0 {
			scan = len(rest) + scan
			break
		}
		i += scan
		scan = 0
		a.sseLine(buf[start : start+i])
		start += i + 1
	}
	a.scan = scan
	a.buf = buf[:copy(buf, buf[start:])]
	if final && len(a.buf) > 0 {
		a.sseLine(a.buf)
		a.buf, a.scan = a.buf[:0], 0
	}
	if final && a.sseHas {
		a.sseDispatch()
	}
	if len(a.buf)+len(a.sseData) > a.maxTail {
		return fmt.Errorf("%w: more than %d bytes", ErrEventTooLarge, a.maxTail)
	}
	return nil
}

func (a *StreamAssembler) sseLine(line []byte) {
	if len(line) == 0 {
		if a.sseHas {
			a.sseDispatch()
		}
		a.sseEvent = a.sseEvent[:0]
		return
	}
	if line[0] == ':' {
		return // comment
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) {
	case "data":
		if a.sseHas {
			a.sseData = append(a.sseData, '\n')
		}
		a.sseData = append(a.sseData, value...)
		a.sseHas = true
	case "event":
		a.sseEvent = append(a.sseEvent[:0], value...)
	}
}

func (a *StreamAssembler) sseDispatch() {
	a.dispatch(a.sseEvent, a.sseData)
	a.sseData = a.sseData[:0]
	a.sseEvent = a.sseEvent[:0]
	a.sseHas = false
}

// ---- JSON sequences ----

// feedJSONSeq cuts a sequence of JSON values (JSON lines, concatenated
// values, or the elements of one top-level array as Gemini streams them)
// into events. Text outside any value is cut into lines and each line is an
// event of its own, so that nothing is dropped unscanned.
func (a *StreamAssembler) feedJSONSeq(final bool) error {
	buf := a.buf
	i := a.js.pos
	for i < len(buf) {
		c := buf[i]
		if a.js.start < 0 {
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
				i++
				continue
			case c == '[' && !a.js.seen:
				a.js.seen, a.js.array = true, true
				i++
				continue
			case c == ']' && a.js.array:
				i++
				continue
			}
			a.js.seen = true
			a.js.start, a.js.depth, a.js.inStr, a.js.esc = i, 0, false, false
			a.js.line = c != '{' && c != '[' && c != '"'
		}
		if a.js.line {
			j := bytes.IndexByte(buf[i:], '\n')
			if j < 0 {
				i = len(buf)
				break
			}
			i += j
			a.dispatch(nil, buf[a.js.start:i])
			a.js.start = -1
			continue
		}
		// Inside a value: track strings and nesting.
		if a.js.inStr {
			if a.js.esc {
				a.js.esc = false
				i++
				continue
			}
			j := i
			for j < len(buf) && buf[j] != '"' && buf[j] != '\\' {
				j++
			}
			i = j
			if i >= len(buf) {
				break
			}
			if buf[i] == '\\' {
				a.js.esc = true
				i++
				continue
			}
			a.js.inStr = false
			i++
			if a.js.depth == 0 {
				a.dispatch(nil, buf[a.js.start:i])
				a.js.start = -1
			}
			continue
		}
		switch c {
		case '"':
			a.js.inStr = true
		case '{', '[':
			a.js.depth++
		case '}', ']':
			a.js.depth--
			if a.js.depth <= 0 {
				i++
				a.dispatch(nil, buf[a.js.start:i])
				a.js.start = -1
				continue
			}
		}
		i++
	}
	// Keep only the pending value.
	keep := len(buf)
	if a.js.start >= 0 {
		keep = a.js.start
	} else if i < len(buf) {
		keep = i
	}
	n := copy(buf, buf[keep:])
	a.buf = buf[:n]
	a.js.pos = i - keep
	if a.js.start >= 0 {
		a.js.start = 0
	}
	if final && a.js.start >= 0 {
		if a.js.line {
			a.dispatch(nil, a.buf)
			a.buf, a.js.start, a.js.pos = a.buf[:0], -1, 0
		} else {
			return errors.New("llmapi: stream ends inside a JSON value")
		}
	}
	if len(a.buf) > a.maxTail {
		return fmt.Errorf("%w: more than %d bytes", ErrEventTooLarge, a.maxTail)
	}
	return nil
}

// jsonSeqState is the scanner state of feedJSONSeq.
type jsonSeqState struct {
	pos   int  // next byte to scan in buf
	start int  // start of the pending value in buf, -1 between values
	depth int  // nesting inside the pending value
	inStr bool // inside a string of the pending value
	esc   bool
	line  bool // the pending "value" is a line of non-JSON text
	seen  bool // a value or the opening bracket has been seen
	array bool // the values are elements of one top-level array
}

// ---- Bedrock binary event stream ----

const (
	preludeLen = 12
	// maxFrame bounds one binary frame whatever the tail bound says.
	maxFrame = 16 << 20
)

// ValidEventStreamPrelude reports whether b opens with the 12-byte prelude
// of an application/vnd.amazon.eventstream frame that this package
// accepts: its checksum matches and its lengths fit, the whole frame at
// most 16 MiB.
func ValidEventStreamPrelude(b []byte) bool {
	if len(b) < preludeLen {
		return false
	}
	total := binary.BigEndian.Uint32(b[0:4])
	hlen := binary.BigEndian.Uint32(b[4:8])
	if total < preludeLen+4 || total > maxFrame || hlen > total-preludeLen-4 {
		return false
	}
	return crc32.ChecksumIEEE(b[0:8]) == binary.BigEndian.Uint32(b[8:12])
}

// feedEventStream decodes application/vnd.amazon.eventstream frames: a
// 12-byte prelude (total length, headers length, prelude CRC32), headers,
// the payload and a CRC32 of the whole message.
func (a *StreamAssembler) feedEventStream(final bool) error {
	buf := a.buf
	off := 0
	for len(buf)-off >= preludeLen {
		b := buf[off:]
		if !ValidEventStreamPrelude(b) {
			return errors.New("llmapi: event stream: bad frame prelude")
		}
		total := int(binary.BigEndian.Uint32(b[0:4]))
		if total > a.maxTail {
			return fmt.Errorf("%w: more than %d bytes", ErrEventTooLarge, a.maxTail)
		}
		if len(b) < total {
			break
		}
		msg := b[:total]
		if crc32.ChecksumIEEE(msg[:total-4]) != binary.BigEndian.Uint32(msg[total-4:]) {
			return errors.New("llmapi: event stream: bad message checksum")
		}
		hlen := int(binary.BigEndian.Uint32(b[4:8]))
		h, err := parseHeaders(msg[preludeLen : preludeLen+hlen])
		if err != nil {
			return err
		}
		payload := msg[preludeLen+hlen : total-4]
		switch string(h.messageType) {
		case "exception", "error":
			a.dispatchError(h.exceptionType, payload)
		default:
			a.dispatch(h.eventType, payload)
		}
		off += total
	}
	a.buf = buf[:copy(buf, buf[off:])]
	if final && len(a.buf) > 0 {
		return errors.New("llmapi: event stream ends inside a frame")
	}
	return nil
}

type frameHeaders struct {
	eventType, messageType, exceptionType []byte
}

// parseHeaders reads the headers of a frame; only string headers matter
// here but every type is stepped over correctly.
func parseHeaders(b []byte) (frameHeaders, error) {
	var h frameHeaders
	bad := errors.New("llmapi: event stream: bad frame headers")
	for len(b) > 0 {
		nl := int(b[0])
		if len(b) < 1+nl+1 {
			return h, bad
		}
		name := b[1 : 1+nl]
		typ := b[1+nl]
		b = b[2+nl:]
		var val []byte
		switch typ {
		case 0, 1: // bool true, false
		case 2:
			if len(b) < 1 {
				return h, bad
			}
			b = b[1:]
		case 3:
			if len(b) < 2 {
				return h, bad
			}
			b = b[2:]
		case 4:
			if len(b) < 4 {
				return h, bad
			}
			b = b[4:]
		case 5, 8: // long, timestamp
			if len(b) < 8 {
				return h, bad
			}
			b = b[8:]
		case 6, 7: // bytes, string
			if len(b) < 2 {
				return h, bad
			}
			n := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+n {
				return h, bad
			}
			val = b[2 : 2+n]
			b = b[2+n:]
		case 9: // uuid
			if len(b) < 16 {
				return h, bad
			}
			b = b[16:]
		default:
			return h, bad
		}
		switch string(name) {
		case ":event-type":
			h.eventType = val
		case ":message-type":
			h.messageType = val
		case ":exception-type", ":error-code":
			h.exceptionType = val
		}
	}
	return h, nil
}
