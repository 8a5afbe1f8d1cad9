// Package evasion reports the tricks used to hide text from people and
// filters while a model still reads it: Unicode tag characters and
// variation selectors that carry a hidden string, runs of zero-width and
// other invisible characters, bidirectional overrides, words spelled with
// look-alike letters of another script, and JSON bodies that read
// differently under a lenient parser (duplicate keys, keys differing only
// in case).
//
// The hiding is the finding here; what the hidden text says is judged by
// the injection detector, which scans the decoded text too. Thresholds keep
// ordinary writing quiet: a stray zero-width space pasted from a web page,
// a soft hyphen in a long German word, direction marks in Arabic text, an
// emoji family sequence or a single mixed-script typo are not reported.
package evasion

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/normalize"
)

// Detector ids.
const (
	IDUnicodeTags       = "evasion.unicode_tags"
	IDVariationSelector = "evasion.variation_selector"
	IDZeroWidthRun      = "evasion.zero_width_run"
	IDInvisibleSplit    = "evasion.invisible_split"
	IDBidiControl       = "evasion.bidi_control"
	IDHomoglyph         = "evasion.homoglyph"
	IDDuplicateKey      = "evasion.duplicate_key"
	IDCaseVariantKey    = "evasion.case_variant_key"
)

// Thresholds.
const (
	// zeroWidthRun is the shortest run of zero-width characters reported:
	// one or two are paste residue, three or more in a row carry data
	// (zero-width steganography encodes bits as ZWSP/ZWNJ/ZWJ runs).
	zeroWidthRun = 3
	// zeroWidthTotal reports a text holding this many zero-width characters
	// in all, however spread.
	zeroWidthTotal = 8
	// denseSplits is how many invisible characters placed one or two
	// letters apart it takes to report a word split to dodge filters
	// ("i\u200bg\u200bn\u200bo\u200br\u200be"); hyphenation points in long
	// words are further apart.
	denseSplits = 3
	// denseGap is the most bytes of text between two invisible characters
	// for them to count as dense.
	denseGap = 3
	// homoglyphWords is how many mixed-script words it takes to report
	// look-alike spelling; one can be a typo or a brand.
	homoglyphWords = 2
)

// Detector is the evasion family. The zero value is ready to use.
type Detector struct{}

// New returns the evasion detector.
func New() *Detector { return &Detector{} }

// Name returns "evasion".
func (*Detector) Name() string { return "evasion" }

// Detect reports hidden-text smuggling in each segment and the JSON
// anomalies the parser recorded.
func (d *Detector) Detect(in *detect.Input, out []detect.Finding) []detect.Finding {
	for i := range in.IX.Segments {
		var r *normalize.Result
		if i < len(in.Norm) {
			r = &in.Norm[i]
		} else {
			n := normalize.Text(in.IX.Segments[i].Text)
			r = &n
		}
		if len(r.Hidden) == 0 && len(r.Folds) == 0 {
			continue
		}
		out = segmentFindings(in, i, r, out)
	}
	for _, a := range in.IX.Anomalies {
		out = append(out, anomalyFinding(a))
	}
	return out
}

func segmentFindings(in *detect.Input, seg int, r *normalize.Result, out []detect.Finding) []detect.Finding {
	text := in.IX.Segments[seg].Text
	var (
		zw                            agg // zero-width characters
		splits                        agg // invisible characters dense inside words
		bidi                          agg // bidi overrides and embeddings
		lastInvisibleEnd              = -1
		zeroWidthCount, maxZeroWidth  int
		overrides, isolates, intraMks int
	)
	for _, h := range r.Hidden {
		switch h.Kind {
		case normalize.KindTag:
			out = append(out, hiddenTextFinding(in, seg, h, IDUnicodeTags,
				"Unicode tag characters hide text the user cannot see"))
		case normalize.KindVariationSelector:
			if h.Decoded != "" || h.Count >= 4 {
				out = append(out, hiddenTextFinding(in, seg, h, IDVariationSelector,
					"a run of variation selectors carries hidden bytes"))
			}
		case normalize.KindZeroWidth:
			zeroWidthCount += h.Count
			if h.Count > maxZeroWidth {
				maxZeroWidth = h.Count
			}
			zw.add(h)
		case normalize.KindBidi:
			for _, c := range text[h.Start:h.End] {
				switch {
				case c == 0x202D || c == 0x202E:
					overrides++
				case c == 0x200E || c == 0x200F || c == 0x061C:
					if h.Intraword {
						intraMks++
					}
				default:
					isolates++
				}
			}
			bidi.add(h)
		}
		if h.Kind == normalize.KindZeroWidth || h.Kind == normalize.KindOtherInvisible ||
			(h.Kind == normalize.KindBidi && h.Intraword) {
			if h.Intraword && h.Count <= 2 && lastInvisibleEnd >= 0 && h.Start-lastInvisibleEnd <= denseGap {
				splits.add(h)
			}
			lastInvisibleEnd = h.End
		}
	}
	if maxZeroWidth >= zeroWidthRun || zeroWidthCount >= zeroWidthTotal {
		sev := detect.SeverityMedium
		if maxZeroWidth >= 8 || zeroWidthCount >= 32 {
			sev = detect.SeverityHigh
		}
		out = append(out, spanFinding(in, seg, zw, IDZeroWidthRun, sev, 0.9,
			strconv.Itoa(zeroWidthCount)+" zero-width characters hidden in the text"))
	}
	if splits.n >= denseSplits {
		sev := detect.SeverityMedium
		if splits.n >= 8 {
			sev = detect.SeverityHigh
		}
		out = append(out, spanFinding(in, seg, splits, IDInvisibleSplit, sev, 0.9,
			"invisible characters split words apart, which defeats keyword filters"))
	}
	if overrides > 0 || isolates >= 4 || intraMks >= denseSplits {
		sev := detect.SeverityLow
		switch {
		case overrides >= 2 || (overrides > 0 && bidi.intraword):
			sev = detect.SeverityHigh
		case overrides > 0 || intraMks >= denseSplits:
			sev = detect.SeverityMedium
		}
		out = append(out, spanFinding(in, seg, bidi, IDBidiControl, sev, 0.8,
			"bidirectional controls make the text display differently from how it reads"))
	}
	if f, ok := homoglyphFinding(in, seg, r); ok {
		out = append(out, f)
	}
	return out
}

// agg accumulates the span of several hidden runs.
type agg struct {
	n          int
	start, end int
	intraword  bool
}

func (a *agg) add(h normalize.Hidden) {
	if a.n == 0 || h.Start < a.start {
		a.start = h.Start
	}
	if h.End > a.end {
		a.end = h.End
	}
	a.n++
	a.intraword = a.intraword || h.Intraword
}

func hiddenTextFinding(in *detect.Input, seg int, h normalize.Hidden, id, reason string) detect.Finding {
	sev := detect.SeverityMedium
	if len(strings.TrimSpace(h.Decoded)) >= 4 {
		sev = detect.SeverityHigh
	}
	f := finding(in, seg, id, sev, 1, h.Start, h.End, reason)
	if h.Decoded != "" {
		// The hidden text is an instruction, not a credential, but keep the
		// quote short: it is evidence of hiding, not a transcript.
		f.Evidence = "hidden: " + detect.Excerpt(cut(h.Decoded, 40))
	} else {
		f.Evidence = strconv.Itoa(h.Count) + " hidden characters"
	}
	return f
}

func spanFinding(in *detect.Input, seg int, a agg, id string, sev detect.Severity, conf float64, reason string) detect.Finding {
	f := finding(in, seg, id, sev, conf, a.start, a.end, reason)
	f.Evidence = detect.Excerpt(render(window(in.IX.Segments[seg].Text, a.start, a.end)))
	return f
}

func homoglyphFinding(in *detect.Input, seg int, r *normalize.Result) (detect.Finding, bool) {
	mixed, whole := 0, 0
	start, end := -1, 0
	for _, f := range r.Folds {
		switch f.Kind {
		case normalize.FoldMixedScript:
			mixed++
		case normalize.FoldWholeScript:
			whole++
		default:
			continue
		}
		if start < 0 {
			start = f.Start
		}
		end = f.End
	}
	// Look-alike-only words between Latin words count once some word
	// actually mixes scripts: alone they are usually a quoted foreign word.
	n := mixed
	if mixed > 0 {
		n += whole
	}
	if n < homoglyphWords {
		return detect.Finding{}, false
	}
	sev := detect.SeverityMedium
	if n >= 5 {
		sev = detect.SeverityHigh
	}
	f := finding(in, seg, IDHomoglyph, sev, 0.85, start, end,
		strconv.Itoa(n)+" words spelled with look-alike letters from another script")
	folded := in.Text(seg)
	if s, e := firstFold(r); e > s {
		f.Evidence = detect.Excerpt(window(in.IX.Segments[seg].Text, s, e)) + " ~ " +
			detect.Excerpt(foldedWord(folded, r, s, e))
	}
	return f, true
}

func firstFold(r *normalize.Result) (int, int) {
	for _, f := range r.Folds {
		if f.Kind == normalize.FoldMixedScript {
			return f.Start, f.End
		}
	}
	return 0, 0
}

// foldedWord finds the normalized spelling of the original word [s,e) by
// mapping spans of the normalized text back until one lands on it.
func foldedWord(folded string, r *normalize.Result, s, e int) string {
	for i := 0; i < len(folded); {
		j := i
		for j < len(folded) && isWordByte(folded[j]) {
			j++
		}
		if j > i {
			if os, oe := r.OrigSpan(i, j); os <= s && oe >= e {
				return folded[i:j]
			}
			i = j
			continue
		}
		_, size := utf8.DecodeRuneInString(folded[i:])
		i += size
	}
	return ""
}

func isWordByte(c byte) bool {
	return (c|0x20) >= 'a' && (c|0x20) <= 'z' || c >= '0' && c <= '9'
}

func anomalyFinding(a interaction.Anomaly) detect.Finding {
	id, sev, reason := IDDuplicateKey, detect.SeverityHigh,
		"a JSON key appears twice in one object: parsers disagree on which value counts"
	if a.Kind == "case_variant_key" {
		id, sev, reason = IDCaseVariantKey, detect.SeverityMedium,
			"JSON keys differ only in case: a case-insensitive parser reads another value"
	}
	return detect.Finding{
		Category:   detect.CategoryEvasion,
		Detector:   id,
		Severity:   sev,
		Confidence: 1,
		Segment:    -1,
		Location:   a.Location,
		Evidence:   "key " + strconv.Quote(detect.Excerpt(cut(a.Key, 40))),
		Reason:     reason,
	}
}

func finding(in *detect.Input, seg int, id string, sev detect.Severity, conf float64, start, end int, reason string) detect.Finding {
	return detect.Finding{
		Category:   detect.CategoryEvasion,
		Detector:   id,
		Severity:   sev,
		Confidence: conf,
		Segment:    seg,
		Location:   in.IX.Segments[seg].Location,
		Start:      start,
		End:        end,
		Reason:     reason,
	}
}

// window returns text[start:end] widened by a few bytes of context on each
// side, at rune boundaries, and cut to a short length.
func window(text string, start, end int) string {
	const ctx, max = 8, 48
	if start < 0 {
		start = 0
	}
	if end > len(text) {
		end = len(text)
	}
	if end-start > max {
		end = start + max
	}
	for k := 0; k < ctx && start > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	for k := 0; k < ctx && end < len(text); k++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	return text[start:end]
}

// render makes invisible characters visible as '?' so that evidence shows
// where they were.
func render(s string) string {
	var b strings.Builder
	for _, c := range s {
		if invisible(c) {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func invisible(c rune) bool {
	switch {
	case c == 0x00AD, c == 0x034F, c == 0x061C, c == 0x180E,
		c >= 0x200B && c <= 0x200F, c >= 0x202A && c <= 0x202E, c >= 0x2060 && c <= 0x2069,
		c == 0xFEFF, c >= 0xFE00 && c <= 0xFE0F, c >= 0xE0000 && c <= 0xE01EF:
		return true
	}
	return false
}

// cut returns at most n bytes of s, at a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
