// Package model is sluice's prompt-injection and jailbreak text
// classifier: logistic regression over hashed character and word n-grams,
// in pure Go, with its weights embedded in the binary.
//
// Transformer classifiers are accurate on attacks but slow, opaque and
// quick to flag harmless prompts that merely contain trigger words. This
// model is small (a few hundred kilobytes), scores a few kilobytes of text
// in tens of microseconds without allocating, and is trained
// deterministically by tools/train on a documented split of the public
// corpora in testdata/corpora, with its decision thresholds calibrated on
// the hard benign negatives of the training split (prompts full of trigger
// words). The injection detector uses its score beside the heuristics.
//
// Features: the text is lower-cased and its white space collapsed; each
// window of Chars runes and each word and pair of adjacent words is hashed
// (FNV-1a, 64 bit) to one of Buckets weights per head, with the sign taken
// from a high bit of the hash so that collisions cancel rather than add up.
// Feature values are 1/sqrt(n) for n features, so long and short texts
// score on the same scale.
package model

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Heads of the model.
const (
	HeadInjection = 0 // prompt injection vs benign
	HeadJailbreak = 1 // jailbreak vs benign
	NumHeads      = 2
)

// Trust levels the thresholds are kept for, in the order of
// interaction.Trust: untrusted, user, model.
const NumTrusts = 3

// Feature parameters. Changing any of them requires retraining.
const (
	// BucketBits is log2 of the number of weights per head.
	BucketBits = 18
	Buckets    = 1 << BucketBits
	// CharN lists the character n-gram orders used.
	charLo, charHi = 3, 5
	// MaxChunk is the longest text scored at once, in bytes. Longer texts
	// are scored chunk by chunk and the highest score counts, so that an
	// injection in a long document is not diluted by the rest.
	MaxChunk = 2048
)

// Model is a trained classifier.
type Model struct {
	// W holds the weights interleaved by head: W[b*NumHeads+h].
	W    []float32
	Bias [NumHeads]float32
	// Threshold is the decision threshold on the probability, per head and
	// trust.
	Threshold [NumHeads][NumTrusts]float32
	// Meta is free-form provenance written by the trainer (split, seed,
	// corpus counts).
	Meta string
}

//go:embed classifier.bin
var embedded []byte

var (
	loadOnce sync.Once
	loaded   *Model
	loadErr  error
)

// Default returns the embedded model, or nil and an error when the
// embedded file is empty or unreadable (the detector then runs on its
// heuristics alone).
func Default() (*Model, error) {
	loadOnce.Do(func() {
		if len(embedded) == 0 {
			loadErr = errors.New("model: no embedded classifier")
			return
		}
		loaded, loadErr = Decode(embedded)
	})
	return loaded, loadErr
}

// Scores are the head probabilities for a text.
type Scores [NumHeads]float32

// Score returns the probability of each head for text (already normalized
// by the caller). Texts longer than MaxChunk are scored by chunks and the
// maximum per head is returned. It does not allocate.
func (m *Model) Score(text string) Scores { return m.ScoreWith(text, nil) }

// ScoreWith is Score with extra features: buckets (see ExtraBucket) that
// each count once with value 1 in every chunk, whatever the text's length.
// The injection detector passes which of its term families the text hit,
// alone and in pairs, so that the classifier learns what the families mean
// in every language the lexicon covers.
func (m *Model) ScoreWith(text string, extra []uint32) Scores {
	var best Scores
	first := true
	for len(text) > 0 {
		chunk := text
		if len(chunk) > MaxChunk {
			chunk = text[:cutPoint(text, MaxChunk)]
		}
		text = text[len(chunk):]
		s := m.scoreChunk(chunk, extra)
		for h := range s {
			if first || s[h] > best[h] {
				best[h] = s[h]
			}
		}
		first = false
	}
	return best
}

// Chunks calls fn with each chunk Score would score text in.
func Chunks(text string, fn func(chunk string)) {
	for len(text) > 0 {
		chunk := text
		if len(chunk) > MaxChunk {
			chunk = text[:cutPoint(text, MaxChunk)]
		}
		text = text[len(chunk):]
		fn(chunk)
	}
}

// cutPoint returns where to cut text at or before max: after the last
// white space of the second half, or at a rune boundary.
func cutPoint(text string, max int) int {
	for i := max; i > max/2; i-- {
		if text[i-1] == ' ' || text[i-1] == '\n' {
			return i
		}
	}
	for max > 0 && !utf8.RuneStart(text[max]) {
		max--
	}
	return max
}

func (m *Model) scoreChunk(text string, extra []uint32) Scores {
	var acc, ext [NumHeads]float32
	n := Each(text, func(idx uint32, sign float32) {
		w := m.W[idx*NumHeads : idx*NumHeads+NumHeads]
		acc[0] += sign * w[0]
		acc[1] += sign * w[1]
	})
	for _, idx := range extra {
		w := m.W[idx*NumHeads : idx*NumHeads+NumHeads]
		ext[0] += w[0]
		ext[1] += w[1]
	}
	var s Scores
	scale := float32(0)
	if n > 0 {
		scale = 1 / float32(math.Sqrt(float64(n)))
	}
	for h := range s {
		s[h] = sigmoid(acc[h]*scale + ext[h] + m.Bias[h])
	}
	return s
}

// ExtraBucket returns the bucket of extra feature (kind, a, b): kind 1 is
// a term family alone, kind 2 a pair of families in one sentence.
func ExtraBucket(kind, a, b uint32) uint32 {
	h := uint64(fnvOffset)
	for _, v := range [3]uint32{kind, a, b} {
		h = (h ^ uint64(v)) * fnvPrime
		h = (h ^ 0x5bd1e995) * fnvPrime
	}
	return uint32(h>>20) & (Buckets - 1)
}

func sigmoid(x float32) float32 { return 1 / (1 + float32(math.Exp(float64(-x)))) }

// Logit is the inverse of the logistic function.
func Logit(p float32) float32 {
	if p <= 0 {
		return -30
	}
	if p >= 1 {
		return 30
	}
	return float32(math.Log(float64(p / (1 - p))))
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// Each calls fn with the bucket and sign of every feature of text, and
// returns the number of features. Training and scoring both go through
// it, so the two cannot drift apart.
func Each(text string, fn func(idx uint32, sign float32)) int {
	var (
		ring    [charHi]rune // last runes, canonical
		filled  int
		pos     int
		n       int
		word    uint64 = fnvOffset // hash of the current word
		wordLen int
		prev    uint64 // hash of the previous word, 0 if none
		space   = true // the last canonical rune was a space
	)
	emit := func(h uint64) {
		fn(uint32(h&(Buckets-1)), 1-2*float32(h>>63))
		n++
	}
	endWord := func() {
		if wordLen == 0 {
			return
		}
		emit(word ^ 0x9e3779b97f4a7c15) // unigram, salted apart from n-grams
		if prev != 0 {
			emit((prev*31 + word) ^ 0xc2b2ae3d27d4eb4f) // bigram
		}
		prev, word, wordLen = word, fnvOffset, 0
	}
	push := func(r rune) {
		ring[pos%charHi] = r
		pos++
		if filled < charHi {
			filled++
		}
		for k := charLo; k <= charHi && k <= filled; k++ {
			h := uint64(fnvOffset) ^ uint64(k)
			for j := pos - k; j < pos; j++ {
				h = (h ^ uint64(ring[j%charHi])) * fnvPrime
			}
			emit(h)
		}
	}
	push(' ')
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			if space {
				continue
			}
			space = true
			endWord()
			push(' ')
			continue
		case r < utf8.RuneSelf:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
		default:
			r = unicode.ToLower(r)
		}
		space = false
		if isWordRune(r) {
			word = (word ^ uint64(r)) * fnvPrime
			wordLen++
		} else {
			endWord()
		}
		push(r)
	}
	endWord()
	if !space {
		push(' ')
	}
	return n
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// Binary format (little endian):
//
//	magic "SLCF", version uint32 = 1
//	bucketBits uint32, heads uint32, trusts uint32
//	bias    float32 × heads
//	thresh  float32 × heads × trusts
//	metaLen uint32, meta bytes
//	weights float16 × buckets × heads (interleaved by head)
const (
	magic   = "SLCF"
	version = 1
)

// Encode serializes m.
func (m *Model) Encode() []byte {
	b := make([]byte, 0, 64+len(m.Meta)+len(m.W)*2)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint32(b, BucketBits)
	b = binary.LittleEndian.AppendUint32(b, NumHeads)
	b = binary.LittleEndian.AppendUint32(b, NumTrusts)
	for h := 0; h < NumHeads; h++ {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m.Bias[h]))
	}
	for h := 0; h < NumHeads; h++ {
		for t := 0; t < NumTrusts; t++ {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m.Threshold[h][t]))
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.Meta)))
	b = append(b, m.Meta...)
	for _, w := range m.W {
		b = binary.LittleEndian.AppendUint16(b, toHalf(w))
	}
	return b
}

// Decode parses a model written by Encode.
func Decode(b []byte) (*Model, error) {
	if len(b) < 24 || string(b[:4]) != magic {
		return nil, errors.New("model: not a sluice classifier file")
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	if v := u32(4); v != version {
		return nil, fmt.Errorf("model: version %d, want %d", v, version)
	}
	if u32(8) != BucketBits || u32(12) != NumHeads || u32(16) != NumTrusts {
		return nil, fmt.Errorf("model: shape %d/%d/%d does not match this build (%d/%d/%d); retrain",
			u32(8), u32(12), u32(16), BucketBits, NumHeads, NumTrusts)
	}
	off := 20
	m := &Model{}
	need := off + 4*NumHeads + 4*NumHeads*NumTrusts + 4
	if len(b) < need {
		return nil, errors.New("model: truncated header")
	}
	for h := 0; h < NumHeads; h++ {
		m.Bias[h] = math.Float32frombits(u32(off))
		off += 4
	}
	for h := 0; h < NumHeads; h++ {
		for t := 0; t < NumTrusts; t++ {
			m.Threshold[h][t] = math.Float32frombits(u32(off))
			off += 4
		}
	}
	metaLen := int(u32(off))
	off += 4
	if len(b) < off+metaLen+2*Buckets*NumHeads {
		return nil, errors.New("model: truncated weights")
	}
	m.Meta = string(b[off : off+metaLen])
	off += metaLen
	m.W = make([]float32, Buckets*NumHeads)
	for i := range m.W {
		m.W[i] = fromHalf(binary.LittleEndian.Uint16(b[off:]))
		off += 2
	}
	if off != len(b) {
		return nil, errors.New("model: trailing bytes")
	}
	return m, nil
}

// toHalf converts to IEEE 754 half precision, rounding to nearest even and
// flushing values below the smallest normal to zero (weights that small do
// not move a score).
func toHalf(f float32) uint16 {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	exp := int((bits>>23)&0xff) - 127 + 15
	mant := bits & 0x7fffff
	switch {
	case exp <= 0:
		return sign
	case exp >= 31:
		return sign | 0x7bff // largest finite half
	}
	// Round to nearest even on the 13 dropped bits.
	h := uint32(exp)<<10 | mant>>13
	rest := mant & 0x1fff
	if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
		h++
	}
	if h >= 0x7c00 {
		h = 0x7bff
	}
	return sign | uint16(h)
}

func fromHalf(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	if exp == 0 {
		return math.Float32frombits(sign) // zero (subnormals were flushed)
	}
	return math.Float32frombits(sign | (exp-15+127)<<23 | mant<<13)
}
