package detect

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator/interaction"
)

// Span is a byte range of a segment's text and the category of the finding
// that covers it.
type Span struct {
	Start, End int
	Category   Category
}

// SensitiveCategories are the categories whose matched values must never
// be quoted: their evidence is masked, and other findings' quotes are
// masked where they overlap them.
func isSensitive(c Category) bool { return c == CategorySecret || c == CategoryPII }

// SpansBySegment returns, by segment and sorted by start, the spans of the
// findings keep accepts (all findings when keep is nil), excepted ones too:
// an exception says a value may pass, not that it may be shown. A finding
// without a usable span covers its whole segment.
func SpansBySegment(ix *interaction.Interaction, findings []Finding, keep func(*Finding) bool) map[int][]Span {
	var out map[int][]Span
	for i := range findings {
		f := &findings[i]
		if f.Segment < 0 || f.Segment >= len(ix.Segments) || (keep != nil && !keep(f)) {
			continue
		}
		n := len(ix.Segments[f.Segment].Text)
		sp := Span{f.Start, f.End, f.Category}
		if sp.Start < 0 || sp.End > n || sp.Start >= sp.End {
			sp.Start, sp.End = 0, n
		}
		if out == nil {
			out = make(map[int][]Span)
		}
		out[f.Segment] = append(out[f.Segment], sp)
	}
	for _, spans := range out {
		slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	}
	return out
}

// MaskSpans replaces each span (sorted by start; overlaps merge) with
// "[REDACTED:<category>]", widening spans to rune boundaries.
func MaskSpans(text string, spans []Span) string {
	var b strings.Builder
	prev := 0
	for _, sp := range spans {
		start, end := RuneFloor(text, sp.Start), RuneCeil(text, sp.End)
		if end <= prev {
			continue // inside a span already masked
		}
		if start >= prev {
			b.WriteString(text[prev:start])
			b.WriteString("[REDACTED:" + string(sp.Category) + "]")
		} // else it overlaps the previous mask, which now extends to end
		prev = end
	}
	b.WriteString(text[prev:])
	return b.String()
}

// HardenEvidence makes every finding's evidence safe to show, whatever the
// detector wrote: secret and PII evidence is already masked (Mask); the
// quoted evidence of other findings (an injection phrase, an exfiltration
// URL) is rebuilt with any secret or PII span inside it masked, then
// Scrub'd for values no detector reported. The evaluator runs it on every
// decision, so no door, sink or log has to remember to.
func HardenEvidence(ix *interaction.Interaction, findings []Finding) {
	var sensitive map[int][]Span
	computed := false
	for i := range findings {
		f := &findings[i]
		if isSensitive(f.Category) || f.Evidence == "" {
			continue
		}
		if !computed {
			sensitive = SpansBySegment(ix, findings, func(f *Finding) bool { return isSensitive(f.Category) })
			computed = true
		}
		f.Evidence = hardened(ix, f, sensitive[f.Segment])
	}
}

func hardened(ix *interaction.Interaction, f *Finding, spans []Span) string {
	if len(spans) == 0 {
		return Scrub(f.Evidence)
	}
	text := ix.Segments[f.Segment].Text
	start, end := f.Start, f.End
	if start < 0 || end > len(text) || start >= end {
		start, end = 0, len(text)
	}
	var local []Span
	for _, sp := range spans {
		if sp.End <= start || sp.Start >= end {
			continue
		}
		local = append(local, Span{max(sp.Start, start) - start, min(sp.End, end) - start, sp.Category})
	}
	if len(local) == 0 {
		return Scrub(f.Evidence)
	}
	start, end = RuneFloor(text, start), RuneCeil(text, end)
	return Scrub(Excerpt(MaskSpans(text[start:end], local)))
}

// RuneFloor returns the largest rune boundary of s at or before i.
func RuneFloor(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// RuneCeil returns the smallest rune boundary of s at or after i.
func RuneCeil(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}
