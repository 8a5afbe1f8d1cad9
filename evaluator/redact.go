package evaluator

import (
	"cmp"
	"slices"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/jsonstr"
	"github.com/sluicehq/sluice/policy"
)

// span is a byte range of a segment's text to replace.
type span struct {
	start, end int
	detector   string
}

// redact rewrites the body with the spans of every finding selected by an
// enforced redact rule replaced by "[REDACTED:<detector>]". Only the JSON
// string literals holding those spans change; every other byte of the body
// is kept, so the result is the same API format with the same structure.
// It reports false when some span cannot be rewritten in place (a finding
// about the body as a whole, or text reassembled from a stream).
func redact(ix *interaction.Interaction, findings []detect.Finding, matches []policy.Match) ([]byte, bool) {
	bySeg := map[int][]span{}
	for _, m := range matches {
		if !m.Enforced || m.Action != policy.ActionRedact {
			continue
		}
		for _, fi := range m.Findings {
			f := &findings[fi]
			if f.Segment < 0 || f.Segment >= len(ix.Segments) || !ix.Segments[f.Segment].HasRaw() {
				return nil, false
			}
			s := span{f.Start, f.End, f.Detector}
			if n := len(ix.Segments[f.Segment].Text); s.start < 0 || s.end > n || s.start >= s.end {
				// A finding on derived text without a usable span: replace the whole value.
				s.start, s.end = 0, n
			}
			bySeg[f.Segment] = append(bySeg[f.Segment], s)
		}
	}
	if len(bySeg) == 0 {
		return nil, false
	}
	type edit struct {
		rawStart, rawEnd int
		literal          []byte
	}
	edits := make([]edit, 0, len(bySeg))
	for seg, spans := range bySeg {
		s := &ix.Segments[seg]
		text := replaceSpans(s.Text, spans)
		edits = append(edits, edit{s.RawStart, s.RawEnd, jsonstr.Append(nil, text)})
	}
	slices.SortFunc(edits, func(a, b edit) int { return cmp.Compare(a.rawStart, b.rawStart) })
	out := make([]byte, 0, len(ix.Raw)+64*len(edits))
	prev := 0
	for _, e := range edits {
		if e.rawStart < prev || e.rawEnd > len(ix.Raw) {
			return nil, false // overlapping literals: the parser contract is broken; refuse to guess
		}
		out = append(out, ix.Raw[prev:e.rawStart]...)
		out = append(out, e.literal...)
		prev = e.rawEnd
	}
	return append(out, ix.Raw[prev:]...), true
}

// replaceSpans replaces the (possibly overlapping) spans of text with
// placeholders. Overlapping spans merge into one placeholder naming the
// first detector.
func replaceSpans(text string, spans []span) string {
	slices.SortFunc(spans, func(a, b span) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end)) })
	merged := spans[:0:0]
	for _, s := range spans {
		if n := len(merged); n > 0 && s.start < merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	out := make([]byte, 0, len(text))
	prev := 0
	for _, s := range merged {
		out = append(out, text[prev:s.start]...)
		out = append(out, "[REDACTED:"...)
		out = append(out, s.detector...)
		out = append(out, ']')
		prev = s.end
	}
	out = append(out, text[prev:]...)
	return string(out)
}
