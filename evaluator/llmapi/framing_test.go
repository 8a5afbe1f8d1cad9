package llmapi

import "testing"

func TestStreamFramingOf(t *testing.T) {
	for ct, want := range map[string]StreamFraming{
		"text/event-stream":                  FramingSSE,
		"Text/Event-Stream; charset=utf-8":   FramingSSE,
		"application/vnd.amazon.eventstream": FramingEventStream,
		"application/json":                   FramingJSONSeq,
		"application/x-ndjson":               FramingJSONSeq,
		"application/jsonl":                  FramingJSONSeq,
		"application/stream+json":            FramingJSONSeq,
		"text/plain":                         FramingUnknown,
		"":                                   FramingUnknown,
		"not a media type;;":                 FramingUnknown,
	} {
		if got := StreamFramingOf(ct); got != want {
			t.Errorf("StreamFramingOf(%q) = %d, want %d", ct, got, want)
		}
	}
}

func TestValidEventStreamPrelude(t *testing.T) {
	frame := encodeFrame("chunk", "event", []byte(`{"bytes":"e30="}`))
	if !ValidEventStreamPrelude(frame) {
		t.Fatal("a well-formed frame was refused")
	}
	if ValidEventStreamPrelude(frame[:preludeLen-1]) {
		t.Error("a short prelude was accepted")
	}
	bad := append([]byte(nil), frame...)
	bad[9] ^= 0xff // the prelude's CRC
	if ValidEventStreamPrelude(bad) {
		t.Error("a prelude with a wrong checksum was accepted")
	}
}
