package pii

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// FuzzDetect checks the invariants the evaluator relies on for any input:
// no panic, spans inside the segment text and on UTF-8 boundaries, findings
// in order and never overlapping, evidence always masked.
func FuzzDetect(f *testing.F) {
	for i := range examples {
		for _, ex := range examples[i] {
			f.Add(ex.Text)
		}
	}
	f.Add(piiSentence)
	f.Add("+\u00a0(0)\u200b(((((1 ::::1.2.3.4%")
	f.Add(strings.Repeat("a@b.", 100) + "com")
	d := allEntitiesDetector(f)
	f.Fuzz(func(t *testing.T, text string) {
		in := textInput(text)
		fs := d.Detect(in, nil)
		prevEnd := 0
		for _, fd := range fs {
			if fd.Start < prevEnd || fd.End <= fd.Start || fd.End > len(text) {
				t.Fatalf("bad span [%d,%d) after %d in %q", fd.Start, fd.End, prevEnd, text)
			}
			if utf8.ValidString(text) && (!utf8.RuneStart(text[fd.Start]) || fd.End < len(text) && !utf8.RuneStart(text[fd.End])) {
				t.Fatalf("span [%d,%d) splits a character in %q", fd.Start, fd.End, text)
			}
			if !strings.HasSuffix(fd.Evidence, detect.MaskSuffix) {
				t.Fatalf("evidence %q not masked", fd.Evidence)
			}
			if fd.Confidence <= 0 || fd.Confidence > 1 {
				t.Fatalf("confidence %v", fd.Confidence)
			}
			prevEnd = fd.End
		}
	})
}
