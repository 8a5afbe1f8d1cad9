package jsonstr

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendRoundTrips(t *testing.T) {
	var controls strings.Builder
	for c := range 0x20 {
		controls.WriteByte(byte(c))
	}
	for _, s := range []string{
		"",
		"plain text",
		controls.String(),
		"tab\tnewline\nreturn\r",
		`"quoted" and back\slashed \"both\"`,
		"del\x7f",
		"<script>&amp;</script>",
		"héllo, 世界, 👋",
		"line\u2028and\u2029paragraph separators",
		"U+FFFD itself: \ufffd",
	} {
		lit := Append(nil, s)
		var got string
		if err := json.Unmarshal(lit, &got); err != nil {
			t.Errorf("Append(%q) = %s: not JSON: %v", s, lit, err)
		} else if got != s {
			t.Errorf("Append(%q) = %s decodes to %q", s, lit, got)
		}
	}
}

// TestAppendInvalidUTF8 checks that invalid bytes decode as encoding/json
// makes them: one U+FFFD for each.
func TestAppendInvalidUTF8(t *testing.T) {
	for _, s := range []string{"\xff", "a\xc3", "\xe4\xb8x", "\xed\xa0\x80", "ok\xffok\xfe"} {
		lit := Append(nil, s)
		var got string
		if err := json.Unmarshal(lit, &got); err != nil {
			t.Fatalf("Append(%q) = %s: not JSON: %v", s, lit, err)
		}
		std, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if got != want || !utf8.ValidString(got) {
			t.Errorf("Append(%q) decodes to %q, encoding/json's literal to %q", s, got, want)
		}
	}
}

func TestAppendKeepsBytes(t *testing.T) {
	for s, want := range map[string]string{
		"<a href=\"x\">&</a>": `"<a href=\"x\">&</a>"`,
		"é":                   `"é"`,
		"\x01\x7f":            `"\u0001\u007f"`,
		"\u2028":              `"\u2028"`,
	} {
		if got := string(Append(nil, s)); got != want {
			t.Errorf("Append(%q) = %s, want %s", s, got, want)
		}
	}
	if got := string(Append([]byte("prefix:"), "x")); got != `prefix:"x"` {
		t.Errorf("Append to a prefix = %s", got)
	}
}
