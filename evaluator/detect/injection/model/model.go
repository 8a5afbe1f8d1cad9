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
// window of 3 and of 5 runes and each word and pair of adjacent words is
// hashed to one of Buckets weights per head, with the sign taken from
// another bit of the hash so that collisions cancel rather than add up.
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
	BucketBits = 17
	Buckets    = 1 << BucketBits
	// The character n-gram orders used are 3 and 5 (see hasher.push):
	// as accurate out of fold as 3, 4 and 5 together, at two table
	// lookups per character instead of three.
	// MaxChunk is the longest text scored at once, in bytes. Longer texts
	// are scored chunk by chunk and the highest score counts, so that an
	// injection in a long document is not diluted by the rest.
	MaxChunk = 2048
)

// Model is a trained classifier.
type Model struct {
	// W holds the weights interleaved by head, W[b*NumHeads+h], as the
	// trainer fits them. Encode quantizes them; a decoded model has only
	// the quantized weights (see Weight).
	W []float32
	// q and scale are the weights as scored: int8 per weight and one
	// scale per head, a quarter of the float32 size, so that the table
	// stays in cache while a text's features hop across it.
	q     [][NumHeads]int8
	scale [NumHeads]float32
	Bias  [NumHeads]float32
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
// maximum per head is returned; an empty text scores zero. It does not
// allocate.
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
	var ext [NumHeads]float32
	fa := featureAcc{q: m.table()}
	n := each(text, &fa)
	for _, idx := range extra {
		w := &fa.q[idx&(Buckets-1)]
		ext[0] += float32(w[0])
		ext[1] += float32(w[1])
	}
	var s Scores
	norm := float32(0)
	if n > 0 {
		norm = 1 / float32(math.Sqrt(float64(n)))
	}
	for h := range s {
		s[h] = sigmoid(m.scale[h]*(fa.sum[h]*norm+ext[h]) + m.Bias[h])
	}
	return s
}

// table views the quantized weights as an array, so that indexes masked to
// the bucket range need no bounds checks.
func (m *Model) table() *[Buckets][NumHeads]int8 { return (*[Buckets][NumHeads]int8)(m.q) }

// Weight returns the weight of bucket b for head h as scored.
func (m *Model) Weight(b, h int) float32 { return float32(m.q[b][h]) * m.scale[h] }

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

// featureAcc receives features: it either passes them to fn (training) or
// accumulates the weighted sum of both heads (scoring).
type featureAcc struct {
	fn  func(uint32, float32)
	q   *[Buckets][NumHeads]int8
	sum [NumHeads]float32 // in units of the head's scale
}

// Each calls fn with the bucket and sign of every feature of text, and
// returns the number of features. Training and scoring both go through
// it, so the two cannot drift apart.
func Each(text string, fn func(idx uint32, sign float32)) int {
	a := featureAcc{fn: fn}
	return each(text, &a)
}

// feature packs the bucket (the top bits of a multiplicative hash) and the
// sign (a lower bit) of feature hash x.
func feature(x uint64) uint32 {
	x *= 0x9fb21c651e98df25
	return uint32(x>>(64-BucketBits)) | uint32(x>>20&1)<<31
}

// Odd constants weighting the runes of an n-gram by position: a sum of
// independent products hashes faster than a chain.
const (
	kr0 = 0x9e3779b97f4a7c15
	kr1 = 0xc2b2ae3d27d4eb4f
	kr2 = 0x165667b19e3779f9
	kr3 = 0xd6e8feb86659fd93
	kr4 = 0xff51afd7ed558ccd
)

// each computes the features of text: character 3- and 5-grams, words and
// pairs of adjacent words, in batches handed to out. It is one function
// with its state in locals, and no closures, so that the compiler keeps
// the state in registers: this is the classifier's hot loop. ASCII text
// takes eachASCII, which computes the same features byte by byte.
func each(text string, out *featureAcc) int {
	if isASCII(text) {
		return eachASCII(text, out)
	}
	return eachRunes(text, out)
}

// isASCII reports whether s is all ASCII, eight bytes at a time.
func isASCII(s string) bool {
	for len(s) >= 8 {
		// One load: the compiler combines the bytes.
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if v&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Byte kinds for eachASCII.
const (
	aOther = iota // punctuation and control characters
	aSpace        // ' ', '\n', '\t', '\r'
	aWord         // letters and digits
)

// asciiKind and asciiLower classify and lower-case bytes for eachASCII,
// as eachRunes does rune by rune.
var asciiKind, asciiLower = func() (k, l [128]uint8) {
	for c := 0; c < 128; c++ {
		l[c] = uint8(c)
		switch {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			k[c] = aSpace
		case c >= 'A' && c <= 'Z':
			k[c], l[c] = aWord, uint8(c+'a'-'A')
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			k[c] = aWord
		}
	}
	return k, l
}()

// eachASCII is each for ASCII text: no rune decoding, and a table lookup
// where eachRunes asks the unicode tables. The features and their batches
// are the same, so scores are bit for bit the same.
func eachASCII(text string, out *featureAcc) int {
	var (
		buf                [256]uint32 // features: bucket | sign<<31
		nb, n              int
		r0, r1, r2, r3, r4 uint64 = ' ', 0, 0, 0, 0 // the last bytes, newest first
		pos                       = 1               // bytes pushed
		word               uint64 = fnvOffset
		wordLen            int
		prev               uint64
		space              = true // the last canonical byte was a space
	)
	for i := 0; i <= len(text); i++ {
		var c byte
		if i == len(text) {
			// End of text: close the last word with a space.
			if space {
				break
			}
			c = ' '
		} else {
			c = text[i] & 0x7f
		}
		if nb > len(buf)-8 {
			n += nb
			out.flush(buf[:nb])
			nb = 0
		}
		k := asciiKind[c]
		if k == aSpace {
			if space {
				continue
			}
			space = true
			c = ' '
		} else {
			space = false
			c = asciiLower[c]
		}
		if k == aWord {
			word = (word ^ uint64(c)) * fnvPrime
			wordLen++
		} else if wordLen > 0 {
			buf[nb] = feature(word ^ 0x9e3779b97f4a7c15) // unigram, salted apart from n-grams
			nb++
			if prev != 0 {
				buf[nb] = feature((prev*31 + word) ^ 0xc2b2ae3d27d4eb4f) // bigram
				nb++
			}
			prev, word, wordLen = word, fnvOffset, 0
		}
		r4, r3, r2, r1, r0 = r3, r2, r1, r0, uint64(c)
		pos++
		if pos >= 3 {
			x := r0*kr0 + r1*kr1 + r2*kr2
			buf[nb] = feature(x ^ 3)
			nb++
			if pos >= 5 {
				x += r3*kr3 + r4*kr4
				buf[nb] = feature(x ^ 5)
				nb++
			}
		}
	}
	n += nb
	out.flush(buf[:nb])
	return n
}

// eachRunes is each for any text.
func eachRunes(text string, out *featureAcc) int {
	var (
		buf                [256]uint32 // features: bucket | sign<<31
		nb, n              int
		r0, r1, r2, r3, r4 rune   = ' ', 0, 0, 0, 0 // the last runes, newest first
		pos                       = 1               // runes pushed
		word               uint64 = fnvOffset
		wordLen            int
		prev               uint64
		space              = true // the last canonical rune was a space
	)
	for i := 0; i <= len(text); {
		var r rune
		if i == len(text) {
			// End of text: close the last word with a space.
			if space {
				break
			}
			r = ' '
			i++
		} else if c := text[i]; c < utf8.RuneSelf {
			r = rune(c)
			i++
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
		}
		if nb > len(buf)-8 {
			n += nb
			out.flush(buf[:nb])
			nb = 0
		}
		isWord := false
		switch {
		case r < utf8.RuneSelf:
			// ASCII by table, as eachASCII.
			if k := asciiKind[r]; k == aSpace {
				if space {
					continue
				}
				space = true
				r = ' '
			} else {
				space = false
				r = rune(asciiLower[r])
				isWord = k == aWord
			}
		case unicode.IsSpace(r):
			if space {
				continue
			}
			space = true
			r = ' '
		default:
			r = unicode.ToLower(r)
			space = false
			isWord = isWordRune(r)
		}
		if isWord {
			word = (word ^ uint64(r)) * fnvPrime
			wordLen++
		} else if wordLen > 0 {
			buf[nb] = feature(word ^ 0x9e3779b97f4a7c15) // unigram, salted apart from n-grams
			nb++
			if prev != 0 {
				buf[nb] = feature((prev*31 + word) ^ 0xc2b2ae3d27d4eb4f) // bigram
				nb++
			}
			prev, word, wordLen = word, fnvOffset, 0
		}
		r4, r3, r2, r1, r0 = r3, r2, r1, r0, r
		pos++
		if pos >= 3 {
			x := uint64(r0)*kr0 + uint64(r1)*kr1 + uint64(r2)*kr2
			buf[nb] = feature(x ^ 3)
			nb++
			if pos >= 5 {
				x += uint64(r3)*kr3 + uint64(r4)*kr4
				buf[nb] = feature(x ^ 5)
				nb++
			}
		}
	}
	n += nb
	out.flush(buf[:nb])
	return n
}

// flush hands a batch of features to the accumulator.
func (a *featureAcc) flush(fs []uint32) {
	if a.fn != nil {
		for _, f := range fs {
			a.fn(f&(Buckets-1), 1-2*float32(f>>31))
		}
		return
	}
	// Integer and branch-free: the sign bit is random, so a branch on it
	// would be mispredicted half the time.
	q := a.q
	var s0, s1 int32
	for _, f := range fs {
		w := &q[f&(Buckets-1)]
		sign := 1 - 2*int32(f>>31)
		s0 += sign * int32(w[0])
		s1 += sign * int32(w[1])
	}
	a.sum[0] += float32(s0)
	a.sum[1] += float32(s1)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// Binary format (little endian):
//
//	magic "SLCF", version uint32 = 2
//	bucketBits uint32, heads uint32, trusts uint32
//	bias    float32 × heads
//	thresh  float32 × heads × trusts
//	metaLen uint32, meta bytes
//	scale   float32 × heads
//	weights int8 × buckets × heads (interleaved by head; weight = q × scale)
const (
	magic   = "SLCF"
	version = 2
)

// Encode serializes m, quantizing W to int8 per head.
func (m *Model) Encode() []byte {
	var scale [NumHeads]float32
	for i, w := range m.W {
		if a := float32(math.Abs(float64(w))); a > scale[i%NumHeads] {
			scale[i%NumHeads] = a
		}
	}
	for h := range scale {
		if scale[h] == 0 {
			scale[h] = 1
		}
		scale[h] /= 127
	}
	b := make([]byte, 0, 64+len(m.Meta)+len(m.W))
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
	for h := 0; h < NumHeads; h++ {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(scale[h]))
	}
	for i, w := range m.W {
		q := math.Round(float64(w / scale[i%NumHeads]))
		q = math.Max(-127, math.Min(127, q))
		b = append(b, byte(int8(q)))
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
		return nil, fmt.Errorf("model: version %d, want %d; retrain", v, version)
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
	if len(b) < off+metaLen+4*NumHeads+Buckets*NumHeads {
		return nil, errors.New("model: truncated weights")
	}
	m.Meta = string(b[off : off+metaLen])
	off += metaLen
	for h := 0; h < NumHeads; h++ {
		m.scale[h] = math.Float32frombits(u32(off))
		off += 4
	}
	m.q = make([][NumHeads]int8, Buckets)
	for i := range m.q {
		for h := range m.q[i] {
			m.q[i][h] = int8(b[off])
			off++
		}
	}
	if off != len(b) {
		return nil, errors.New("model: trailing bytes")
	}
	return m, nil
}
