package injection

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/internal/segcache"
)

// An LLM client resends the whole conversation with every request: an
// agent on its fortieth turn sends the thirty-nine before it again, tool
// results and all. Judging a segment is the dearest thing sluice does
// (about 60 µs per KB of prose), and the verdict on a segment depends on
// nothing but its text, its trust and its kind, so verdicts are kept in a
// bounded cache (package segcache: keyed hashes, no text) and a turn
// already judged costs a hash instead. The findings kept are masked
// already.

// DefaultVerdictCache is the number of segment verdicts a Detector keeps
// unless WithVerdictCache says otherwise: about 2.6 MB of entries, 15 MB at
// most (see maxCachedFindings), enough for the live conversations of a
// busy gateway.
const DefaultVerdictCache = 16384

// minCachedLen is the shortest segment worth a cache entry: judging a
// very short one costs little more than looking it up, and short texts
// ("yes", "continue") would only churn the cache. Chat turns are short
// (half the prompts of the public benign corpus are under 90 bytes), so
// the bar is low.
const minCachedLen = 32

// WithVerdictCache sets how many segment verdicts the detector keeps;
// zero turns the cache off (every segment judged afresh, as the
// benchmarks of the cold path want).
func WithVerdictCache(entries int) Option { return func(d *Detector) { d.cacheSize = entries } }

// verdictKey keys a segment's verdict by what the judgement reads: its
// text, its trust and whether the classifier scores it.
func verdictKey(seg *interaction.Segment, classify bool) segcache.Key {
	tag := uint32(seg.Trust) << 1
	if classify {
		tag |= 1
	}
	return segcache.KeyOf(seg.Text, tag)
}

// reuse appends the cached findings of the segment at index i, stamped
// with where it stands now, and reports whether there was a verdict.
func (d *Detector) reuse(k segcache.Key, i int, seg *interaction.Segment, out []detect.Finding) ([]detect.Finding, bool) {
	kept, ok := d.verdicts.Get(k)
	if !ok {
		return out, false
	}
	for _, f := range kept {
		f.Segment, f.Location = i, seg.Location
		out = append(out, f)
	}
	return out, true
}

// maxCachedFindings bounds the findings one cached verdict may hold, and
// so the cache's memory: at most 4 findings of ~200 bytes (evidence is at
// most 64 characters) per entry, some 15 MB for the default size even if
// every entry were an attack. A segment with more findings is attack text
// through and through; it is judged again each time it comes back.
const maxCachedFindings = 4

// remember stores the findings a judgement of one segment produced.
func (d *Detector) remember(k segcache.Key, findings []detect.Finding) {
	if len(findings) > maxCachedFindings {
		return
	}
	var kept []detect.Finding
	if len(findings) > 0 {
		kept = make([]detect.Finding, len(findings))
		for i, f := range findings {
			f.Segment, f.Location = -1, ""
			// A copy, not a view: evidence quotes the text, whose bytes
			// may be reused once its request is done, and the cache
			// outlives it. (Reasons are the rules' own strings.)
			f.Evidence = strings.Clone(f.Evidence)
			kept[i] = f
		}
	}
	d.verdicts.Put(k, kept)
}

// CachedVerdicts returns the number of segment verdicts the detector
// holds (for tests and diagnostics).
func (d *Detector) CachedVerdicts() int { return d.verdicts.Len() }
