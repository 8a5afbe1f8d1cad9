package evaluator

import (
	"slices"
	"sync"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/internal/segcache"
	"github.com/sluicehq/sluice/evaluator/normalize"
)

// An LLM client resends the whole conversation with every request, so
// most of what sluice reads on a busy gateway it has read before: the
// fortieth request of an agent session carries the thirty-nine turns
// the earlier requests did, plus one. The evaluator remembers, per text
// (by keyed hash, never the text itself; package segcache):
//
//   - that normalization found nothing in it (pristine), so the text is
//     not normalized again;
//   - that a segment-local detector (detect.SegmentLocal: secrets, PII)
//     found nothing in it, so that detector skips it next time.
//
// Only "nothing found" is remembered here: a text with findings is
// analysed again on every request, so its findings are always fresh. The
// injection family, the dearest, keeps its own cache of verdicts,
// findings included (injection.WithVerdictCache).
//
// A transient body (a window of a stream being checked) reads what is
// remembered and adds nothing: windows never come back.
//
// A decision never depends on what is remembered: the tests evaluate the
// same bodies with and without memory and compare (history_test.go).

// minRememberedLen is the shortest text worth remembering: below it,
// analysing costs about what a lookup does (a hash and an uncontended
// lock, some 100 ns).
const minRememberedLen = 24

// memory is what an Evaluator remembers across requests.
type memory struct {
	pristine *segcache.Cache[struct{}] // texts normalization left alone
	clean    *segcache.Cache[struct{}] // (text, kind, detector) that gave no finding
}

func newMemory(entries int) memory {
	// Two segment-local families share the clean cache.
	return memory{pristine: segcache.New[struct{}](entries), clean: segcache.New[struct{}](2 * entries)}
}

// scratch is the per-evaluation working storage of detect, pooled.
type scratch struct {
	norm  []normalize.Result
	keys  []segcache.Key
	skip  []bool
	found []bool
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledSegments bounds the scratch kept for reuse (a normalize.Result
// is about 150 bytes).
const maxPooledSegments = 4096

// resize returns s with length n, zeroed.
func resize[T any](s []T, n int) []T {
	s = slices.Grow(s[:0], n)[:n]
	clear(s)
	return s
}

// detect normalizes the segments of ix and runs every detector family.
// A transient body reads what is remembered but adds nothing to it.
func (e *Evaluator) detect(ix *interaction.Interaction, transient bool) []detect.Finding {
	sc := scratchPool.Get().(*scratch)
	defer func() {
		// A body of thousands of segments must not pin its scratch for good.
		if cap(sc.norm) <= maxPooledSegments {
			scratchPool.Put(sc)
		}
	}()
	n := len(ix.Segments)
	sc.norm = resize(sc.norm, n)
	din := detect.Input{IX: ix, Norm: sc.norm, Transient: transient}
	remember := e.memory.pristine != nil
	if remember {
		sc.keys = resize(sc.keys, n)
		for i := range ix.Segments {
			if t := ix.Segments[i].Text; len(t) >= minRememberedLen {
				sc.keys[i] = segcache.KeyOf(t, 0)
			}
		}
	}
	for i := range ix.Segments {
		din.Norm[i] = e.normalize(ix.Segments[i].Text, sc.keys, i, remember, transient)
	}
	var findings []detect.Finding
	for di, det := range e.detectors {
		if _, local := det.(detect.SegmentLocal); local && remember {
			findings = e.detectLocal(di, det, &din, sc, findings)
			continue
		}
		findings = det.Detect(&din, findings)
	}
	// Detectors do not retain their input: the results go back to the pool.
	clear(sc.norm)
	return findings
}

// normalize normalizes segment i's text, or answers from memory for a
// text found pristine before. Only the pristine outcome is remembered: it
// is one bit, while a changed text's Result carries the text itself.
func (e *Evaluator) normalize(text string, keys []segcache.Key, i int, remember, transient bool) normalize.Result {
	if !remember || len(text) < minRememberedLen {
		return normalize.Text(text)
	}
	if _, ok := e.memory.pristine.Get(keys[i]); ok {
		return normalize.Result{}
	}
	r := normalize.Text(text)
	if r.Pristine() && !transient {
		e.memory.pristine.Put(keys[i], struct{}{})
	}
	return r
}

// cleanKey is the key under which "det found nothing in this text of
// this kind" is remembered.
func cleanKey(text segcache.Key, det int, kind interaction.Kind) segcache.Key {
	text.Tag = 1<<16 | uint32(det)<<8 | uint32(kind.Code())
	return text
}

// detectLocal runs a segment-local detector over the segments it has not
// already found clean, and remembers the ones it finds clean now.
func (e *Evaluator) detectLocal(di int, det detect.Detector, din *detect.Input, sc *scratch, findings []detect.Finding) []detect.Finding {
	segs := din.IX.Segments
	sc.skip, sc.found = resize(sc.skip, len(segs)), resize(sc.found, len(segs))
	for i := range segs {
		if len(segs[i].Text) >= minRememberedLen {
			_, sc.skip[i] = e.memory.clean.Get(cleanKey(sc.keys[i], di, segs[i].Kind))
		}
	}
	din.Skip = sc.skip
	before := len(findings)
	findings = det.Detect(din, findings)
	din.Skip = nil
	if din.Transient {
		return findings
	}
	for _, f := range findings[before:] {
		if f.Segment < 0 || f.Segment >= len(segs) {
			return findings // not segment-local after all: remember nothing
		}
		sc.found[f.Segment] = true
	}
	for i := range segs {
		if !sc.skip[i] && !sc.found[i] && len(segs[i].Text) >= minRememberedLen {
			e.memory.clean.Put(cleanKey(sc.keys[i], di, segs[i].Kind), struct{}{})
		}
	}
	return findings
}
