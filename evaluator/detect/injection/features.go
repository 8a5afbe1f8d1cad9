package injection

import (
	"fmt"
	"hash/fnv"

	"github.com/sluicehq/sluice/evaluator/detect/injection/model"
)

// Classifier features from the lexicon. Besides its own character and
// word n-grams, the classifier sees which term families a text hits, alone
// and in pairs within one sentence ("an override verb and an instruction
// noun"). The families hold the same vocabulary in eighteen languages, so
// what the classifier learns about a pair from English examples carries
// over to the others.

// The lexicon must fit the pair bitsets below.
var _ [64 - numFamilies]struct{}

// familyFeatures appends to dst the extra-feature buckets of hits.
func familyFeatures(hits []hit, terms []term, dst []uint32) []uint32 {
	var (
		present  uint64
		pairs    [numFamilies]uint64
		sentence int32 = -1
		mask     uint64
	)
	flush := func() {
		for a := famID(0); a < numFamilies; a++ {
			if mask&(1<<a) != 0 {
				pairs[a] |= mask &^ (1<<(a+1) - 1) // b > a
			}
		}
		mask = 0
	}
	for i := range hits {
		h := &hits[i]
		if h.sentence != sentence {
			flush()
			sentence = h.sentence
		}
		for _, f := range terms[h.term].fams {
			mask |= 1 << f
			present |= 1 << f
		}
	}
	flush()
	for a := famID(0); a < numFamilies; a++ {
		if present&(1<<a) == 0 {
			continue
		}
		dst = append(dst, model.ExtraBucket(1, uint32(a), 0))
		for b := a + 1; b < numFamilies; b++ {
			if pairs[a]&(1<<b) != 0 {
				dst = append(dst, model.ExtraBucket(2, uint32(a), uint32(b)))
			}
		}
	}
	return dst
}

// ClassifierFeatures returns the extra classifier features of text (which
// must be normalized as the detector normalizes segment text). The trainer
// uses it so that training and detection see the same features.
func ClassifierFeatures(text string) []uint32 {
	a := compile()
	sc := scanners.Get().(*scanner)
	defer scanners.Put(sc)
	sc.hits = sc.hits[:0]
	a.scan(text, sc)
	return familyFeatures(sc.hits, a.terms, nil)
}

// LexiconHash identifies the lexicon the classifier's family features come
// from. The trainer records it in the model's metadata; a model trained on
// another lexicon sees features that mean something else, and the tests
// ask for retraining.
func LexiconHash() string {
	h := fnv.New64a()
	for f := famID(0); f < numFamilies; f++ {
		fmt.Fprintf(h, "%d:%s\n", f, famNames[f])
		for _, t := range lexicon[f] {
			fmt.Fprintf(h, "%s\n", t)
		}
	}
	return fmt.Sprintf("%016x", h.Sum64())
}
