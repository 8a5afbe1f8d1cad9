package secrets

import (
	"strings"
	"testing"
)

// FuzzDetect checks that arbitrary text never makes Detect panic, that
// spans stay inside the segment and that evidence never holds the whole
// span. Seeds are the rule examples.
func FuzzDetect(f *testing.F) {
	for _, r := range defaultRules() {
		for _, ex := range r.examples {
			f.Add(ex.Text)
		}
	}
	d, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, fd := range d.Detect(inputOf(text), nil) {
			if fd.Start < 0 || fd.End > len(text) || fd.Start >= fd.End {
				t.Fatalf("span [%d,%d) outside %d bytes", fd.Start, fd.End, len(text))
			}
			if span := text[fd.Start:fd.End]; len(span) >= 4 && strings.Contains(fd.Evidence, span) {
				t.Fatalf("evidence %q holds the span", fd.Evidence)
			}
		}
	})
}
