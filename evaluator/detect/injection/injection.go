// Package injection detects prompt injection and jailbreak attempts in the
// text of an interaction: instructions that try to override the model's
// own (directly from the user, or indirectly from a tool result, a
// retrieved document or a tool description), requests for its system
// prompt, chat-template tokens that fake a new turn, and the jailbreak
// families (DAN-style personas, refusal suppression, adversarial
// suffixes, many-shot dialogues).
//
// Two kinds of signal combine. Heuristic rules match families of terms
// (override verbs × instruction nouns, in eighteen languages) with one pass
// of an Aho–Corasick automaton over the normalized text, so each finding
// names the rule and quotes the phrase. A small logistic-regression
// classifier (package model) scores the text as a whole and catches
// paraphrases the rules do not know. Both judge text by its trust:
// operator text (system and developer prompts) is not judged at all; the
// same words weigh more in a tool result or a tool description than in a
// user's message, and less in the model's own earlier output.
//
// Text is judged as normalize saw it (invisible characters removed,
// look-alike letters folded), in its leetspeak view, in every decoded
// layer (base64, hex, rot13, ...) and in the hidden text of tag
// characters, so an injection hidden that way is reported too.
package injection

import (
	"strconv"
	"sync"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/detect/injection/model"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/evaluator/internal/segcache"
	"github.com/sluicehq/sluice/evaluator/normalize"
)

// Detector is the injection family. It is safe for concurrent use.
type Detector struct {
	ac           *automaton
	model        *model.Model // nil: heuristics only
	noClassifier bool
	cacheSize    int
	verdicts     *segcache.Cache[[]detect.Finding] // nil: every segment judged afresh
}

// Option configures a Detector.
type Option func(*Detector)

// WithoutClassifier turns the statistical classifier off, leaving the
// heuristic rules (for measuring them alone).
func WithoutClassifier() Option { return func(d *Detector) { d.noClassifier = true } }

// WithModel replaces the embedded classifier.
func WithModel(m *model.Model) Option { return func(d *Detector) { d.model = m } }

var (
	compileOnce sync.Once
	compiled    *automaton
)

// compile builds the automaton over every lexicon term once per process.
func compile() *automaton {
	compileOnce.Do(func() {
		type key struct {
			k     string
			flags termFlags
			exact string
		}
		index := map[key]int{}
		var terms []term
		for f := famID(0); f < numFamilies; f++ {
			for _, spec := range lexicon[f] {
				t := parseTerm(spec)
				if t.key == "" {
					continue
				}
				k := key{t.key, t.flags, t.exact}
				if i, ok := index[k]; ok {
					if !hasFam(terms[i].fams, f) {
						terms[i].fams = append(terms[i].fams, f)
					}
					continue
				}
				t.fams = []famID{f}
				index[k] = len(terms)
				terms = append(terms, t)
			}
		}
		compiled = buildAutomaton(terms, nil, denseDepth, false)
		compiled.ascii = newASCIIAutomaton(buildAutomaton(terms, isASCIIKey, asciiDenseDepth, true))
	})
	return compiled
}

func hasFam(fs []famID, f famID) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// New returns the injection detector with the embedded classifier (if it
// loads) and the heuristic rules.
func New(opts ...Option) *Detector {
	d := &Detector{ac: compile(), cacheSize: DefaultVerdictCache}
	for _, o := range opts {
		o(d)
	}
	d.verdicts = segcache.New[[]detect.Finding](d.cacheSize)
	if d.model == nil && !d.noClassifier {
		if m, err := model.Default(); err == nil {
			d.model = m
		}
	}
	if d.noClassifier {
		d.model = nil
	}
	return d
}

// Name returns "injection".
func (*Detector) Name() string { return "injection" }

// HasClassifier reports whether the statistical classifier is in use.
func (d *Detector) HasClassifier() bool { return d.model != nil }

// view is one reading of a segment: its normalized text, its leetspeak
// view, a decoded layer or the fragments of a split payload.
type view struct {
	text string
	// origStart/origEnd: fixed span in the original when the view has no
	// offset mapping (decoded layers); -1 when spans map through norm.
	origStart, origEnd int
	note               string // appended to the reason, e.g. "in base64-decoded text"
}

// result is the best match of one rule in a segment.
type result struct {
	rule       *Rule
	score      float32
	start, end int // span in the original segment text
	// evidence is set for computed rules; for term rules it is built from
	// terms over text only when the result is reported.
	evidence string
	terms    termSpans
	text     string
	note     string
}

// evidenceText returns the result's evidence.
func (r *result) evidenceText() string {
	if r.evidence != "" || r.terms.n == 0 {
		return r.evidence
	}
	return r.terms.evidence(r.text)
}

var scanners = sync.Pool{New: func() any { return &scanner{hits: make([]hit, 0, 64)} }}

// Detect judges every non-operator segment and appends its findings. A
// segment judged before, on this or an earlier request, takes its verdict
// from the cache (verdicts.go).
func (d *Detector) Detect(in *detect.Input, out []detect.Finding) []detect.Finding {
	sc := scanners.Get().(*scanner)
	defer scanners.Put(sc)
	ev := evaluation{famHits: &sc.famHits, results: sc.results, present: sc.present}
	defer func() {
		if ev.recorded {
			clear(ev.results) // the pool's results start clean
		}
		sc.results, sc.present = ev.results, ev.present
	}()
	for i := range in.IX.Segments {
		seg := &in.IX.Segments[i]
		if seg.Trust == interaction.TrustOperator || seg.Trust > interaction.TrustModel ||
			seg.Kind == interaction.KindMedia || len(seg.Text) == 0 {
			continue
		}
		// Tool descriptions are judged by the rules only: they are
		// instructions to the model by nature ("You MUST read the file
		// before editing it"), which the classifier, trained on prompts,
		// takes for jailbreaks. Poisoning shows in what the rules look for.
		// Tool arguments too: paths, commands and JSON the model wrote for
		// a tool are not prompts, and what makes them dangerous is the
		// tool_risk and exfiltration families' business; the rules still
		// read them for injected phrases.
		classify := seg.Kind != interaction.KindToolDescription && seg.Kind != interaction.KindToolArguments
		var key segcache.Key
		cached := d.verdicts != nil && len(seg.Text) >= minCachedLen
		if cached {
			var hit bool
			key = verdictKey(seg, classify)
			if out, hit = d.reuse(key, i, seg, out); hit {
				continue
			}
		}
		var norm *normalize.Result
		if i < len(in.Norm) {
			norm = &in.Norm[i]
		} else {
			n := normalize.Text(seg.Text)
			norm = &n
		}
		ev.reset(seg, norm, d.model)
		text := in.Text(i)
		ev.judge(d, sc, view{text: text, origStart: -1}, classify)
		if norm.Leet != "" {
			ev.judge(d, sc, view{text: norm.Leet, origStart: -1, note: "in leetspeak"}, false)
		}
		for _, dl := range norm.Decoded {
			// Decoded layers are judged by the rules only: decoded data
			// (credentials in a URL, JSON in a token) is not prose, and a
			// score on it would say little.
			ev.judge(d, sc, view{text: dl.Text, origStart: dl.Start, origEnd: dl.End,
				note: "in " + dl.Encoding + "-decoded text"}, false)
		}
		// Payload splitting is a way to write a prompt; code in tool
		// output assigns and joins strings all the time.
		if seg.Trust != interaction.TrustUntrusted {
			if joined, s, e, ok := splitPayload(text); ok {
				ev.judge(d, sc, view{text: joined, origStart: s, origEnd: e, note: "in joined fragments"}, false)
				ev.promote(IDPayloadSplitting, s, e)
			}
		}
		before := len(out)
		out = ev.emit(i, out)
		if cached && !in.Transient {
			d.remember(key, out[before:])
		}
	}
	return out
}

// evaluation accumulates the results for one segment across its views.
type evaluation struct {
	model   *model.Model
	seg     *interaction.Segment
	norm    *normalize.Result
	trust   interaction.Trust
	results []result                // per rule, by Rule.index; score 0 means no match
	clf     [model.NumHeads]float32 // best classifier probability over views
	clfSpan [model.NumHeads][2]int
	clfNote [model.NumHeads]string
	split   *result
	famHits *[numFamilies][]int32 // the scanner's, reused across calls
	// present is the set of families with hits in the current view; the
	// famHits lists of the others may hold stale entries and are not read.
	present famSet
	// recorded reports that some rule recorded a result in this segment.
	recorded bool
}

func (ev *evaluation) reset(seg *interaction.Segment, norm *normalize.Result, m *model.Model) {
	ev.model, ev.seg, ev.norm, ev.trust = m, seg, norm, seg.Trust
	if ev.results == nil {
		ev.results = make([]result, len(rules))
	} else if ev.recorded {
		clear(ev.results)
	}
	ev.recorded = false
	ev.clf = [model.NumHeads]float32{}
	ev.split = nil
}

// judge runs the rules (and, when classify is set, the classifier) on one
// view of the segment.
func (ev *evaluation) judge(d *Detector, sc *scanner, v view, classify bool) {
	sc.hits = sc.hits[:0]
	d.ac.scan(v.text, sc)
	for f := famID(0); f < numFamilies; f++ {
		if ev.present&(famSet(1)<<f) != 0 {
			ev.famHits[f] = ev.famHits[f][:0]
		}
	}
	ev.present = 0
	for i, h := range sc.hits {
		for _, f := range d.ac.terms[h.term].fams {
			ev.famHits[f] = append(ev.famHits[f], int32(i))
			ev.present |= famSet(1) << f
		}
	}
	if ev.present != 0 {
		for _, r := range rules {
			for pi := range r.patterns {
				p := &r.patterns[pi]
				if ev.present&p.need != p.need {
					continue
				}
				score, s, e, terms, ok := ev.match(sc.hits, p)
				if !ok {
					continue
				}
				ev.recordTerms(r, score, v, s, e, terms)
			}
		}
	}
	ev.computed(v)
	if classify && d.model != nil && (ev.trust != interaction.TrustUntrusted || ev.instructionLike()) {
		sc.extra = familyFeatures(sc.hits, d.ac.terms, sc.extra[:0])
		sc := d.model.ScoreWith(v.text, sc.extra)
		for h := range sc {
			if sc[h] > ev.clf[h] {
				ev.clf[h] = sc[h]
				ev.clfNote[h] = v.note
				if v.origStart >= 0 {
					ev.clfSpan[h] = [2]int{v.origStart, v.origEnd}
				} else {
					ev.clfSpan[h] = [2]int{0, len(ev.seg.Text)}
				}
			}
		}
	}
}

// computed runs the rules that are not term combinations.
func (ev *evaluation) computed(v view) {
	// Optimizer-made suffixes are appended to a prompt by the person
	// sending it; in tool output, code and logs look the same way.
	if ev.trust != interaction.TrustUntrusted {
		if s, e, ok := adversarialSuffix(v.text); ok {
			ev.record(ruleByID(IDAdversarialSuffix), weightFor(suffixWeights, ev.trust), v, s, e,
				detect.Excerpt(v.text[s:e]))
		}
	}
	if n, s, e := dialogueTurns(v.text); n >= manyShotTurns {
		w := weightFor(manyShotWeights, ev.trust)
		if n >= 3*manyShotTurns {
			w += 0.15
		}
		ev.record(ruleByID(IDManyShot), w, v, s, e, strconv.Itoa(n)+" dialogue turns")
	}
}

// instructionFamilies are the families at least one of which an
// untrusted text must hit to be worth the classifier: an indirect
// injection has to tell the model something. Tool output, code and logs
// without any of these words are not scored.
var instructionFamilies = []famID{famIgnore, famInstr, famNewInstr, famReveal, famPromptObj, famSysPrompt,
	famSecret, famSecretQ, famYourSecret, famSend, famSecrecy, famTemplate, famRoleLine, famCloseTag,
	famAuthority, famBoundary, famAIAddress, famRespEdit, famCodeRef, famYourWork, famFormatTrick,
	famToolHook, famPersona, famUnrestricted, famDanName, famDanStrong, famPolicyRef, famRefusal,
	famRefusalStrong, famHypothetical, famDualResp, famExtract, famUserData, famSensitivePath}

var instructionSet = func() (s famSet) {
	for _, f := range instructionFamilies {
		s |= famSet(1) << f
	}
	return s
}()

func (ev *evaluation) instructionLike() bool { return ev.present&instructionSet != 0 }

// recordTerms is record for a term rule: the evidence is built later from
// the matched terms.
func (ev *evaluation) recordTerms(r *Rule, score float32, v view, s, e int, terms termSpans) {
	if ev.record(r, score, v, s, e, "") {
		cur := &ev.results[r.index]
		cur.terms, cur.text = terms, v.text
	}
}

// record keeps the best result per rule and reports whether this one is
// now the best.
func (ev *evaluation) record(r *Rule, score float32, v view, s, e int, evidence string) bool {
	if score > 0.99 {
		score = 0.99
	}
	if score <= 0 {
		return false
	}
	cur := &ev.results[r.index]
	if cur.score >= score {
		return false
	}
	ev.recorded = true
	cur.rule = r
	cur.score = score
	cur.note = v.note
	cur.evidence = evidence
	cur.terms = termSpans{}
	if v.origStart >= 0 {
		cur.start, cur.end = v.origStart, v.origEnd
	} else if ev.norm.Changed {
		cur.start, cur.end = ev.norm.OrigSpan(s, e)
	} else {
		cur.start, cur.end = s, e
	}
	return true
}

// promote reports payload splitting when the joined fragments of a split
// payload matched some rule.
func (ev *evaluation) promote(id string, s, e int) {
	best := float32(0)
	for i := range ev.results {
		if res := &ev.results[i]; res.note == "in joined fragments" && res.score > best {
			best = res.score
		}
	}
	if best >= Threshold {
		r := ruleByID(id)
		ev.results[r.index] = result{rule: r, score: best, start: s, end: e,
			evidence: "fragments joined into an instruction"}
	}
}

// termSpans are the byte spans of the terms of a match, at most one per
// family of the pattern.
type termSpans struct {
	n    int
	span [4][2]int32
}

func (t *termSpans) add(h *hit) {
	if t.n < len(t.span) {
		t.span[t.n] = [2]int32{h.start, h.end}
		t.n++
	}
}

// evidence joins the matched terms in text order ("ignore … instructions"):
// the vocabulary that fired, never the text between the terms, which may
// hold anything, secrets included.
func (t *termSpans) evidence(text string) string {
	sp := t.span[:t.n]
	for i := 1; i < len(sp); i++ { // insertion sort: at most four spans
		for j := i; j > 0 && sp[j][0] < sp[j-1][0]; j-- {
			sp[j], sp[j-1] = sp[j-1], sp[j]
		}
	}
	var b []byte
	last := int32(-1)
	for _, s := range sp {
		if s[0] < last {
			continue // overlapping terms
		}
		if len(b) > 0 {
			if s[0] == last || (s[0] == last+1 && text[last] == ' ') {
				b = append(b, ' ')
			} else {
				b = append(b, " … "...)
			}
		}
		b = append(b, text[s[0]:s[1]]...)
		last = s[1]
	}
	return detect.Excerpt(string(b))
}

// match finds the best match of pattern p among the hits.
func (ev *evaluation) match(hits []hit, p *pattern) (float32, int, int, termSpans, bool) {
	var terms termSpans
	anchors := ev.famHits[p.all[0]]
	if len(anchors) == 0 {
		return 0, 0, 0, terms, false
	}
	for _, f := range p.all[1:] {
		if len(ev.famHits[f]) == 0 {
			return 0, 0, 0, terms, false
		}
	}
	base := p.w[ev.trust]
	var best float32
	bs, be := 0, 0
	found := false
	for _, ai := range anchors {
		a := &hits[ai]
		if p.negate && ev.negated(hits, a) {
			continue
		}
		start, end := a.start, a.end
		minRune := a.runeAt
		ok := true
		var cur termSpans
		cur.add(a)
		for _, f := range p.all[1:] {
			h := ev.near(hits, f, a, p.window, p.sentences, ai)
			if h == nil {
				ok = false
				break
			}
			cur.add(h)
			if h.start < start {
				start = h.start
			}
			if h.end > end {
				end = h.end
			}
			if h.runeAt < minRune {
				minRune = h.runeAt
			}
		}
		if !ok {
			continue
		}
		w := base
		for _, f := range p.boost {
			if ev.near(hits, f, a, maxInt32(p.window, 60), p.sentences, ai) != nil {
				w += p.boostBy
			}
		}
		if p.meta && ev.metaBefore(hits, a.sentence, minRune) {
			w *= 0.4
		}
		if !found || w > best {
			best, bs, be, terms, found = w, int(start), int(end), cur, true
		}
	}
	return best, bs, be, terms, found
}

func maxInt32(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}

// near returns a hit of family f within window runes and sentences of a,
// other than a itself.
func (ev *evaluation) near(hits []hit, f famID, a *hit, window, sentences int32, self int32) *hit {
	if window == 0 {
		window = 60
	}
	for _, hi := range ev.famHits[f] {
		if hi == self {
			continue
		}
		h := &hits[hi]
		if h.start == a.start && h.end == a.end {
			continue
		}
		d := h.runeAt - a.runeAt
		if d < 0 {
			d = -d
		}
		sd := h.sentence - a.sentence
		if sd < 0 {
			sd = -sd
		}
		if d <= window && sd <= sentences {
			return h
		}
	}
	return nil
}

// negated reports whether a negator stands just before hit a, in the same
// sentence.
func (ev *evaluation) negated(hits []hit, a *hit) bool {
	for _, ni := range ev.famHits[famNegator] {
		n := &hits[ni]
		if n.end <= a.start && n.sentence == a.sentence && a.runeAt-n.runeAt <= 14 {
			return true
		}
	}
	return false
}

// metaBefore reports whether a meta cue ("how do I", "translate", "what
// does ... mean") opens the sentence before the match.
func (ev *evaluation) metaBefore(hits []hit, sentence, at int32) bool {
	for _, mi := range ev.famHits[famMeta] {
		m := &hits[mi]
		if m.sentence == sentence && m.runeAt <= at+2 && at-m.runeAt <= 120 {
			return true
		}
	}
	return false
}

// emit turns the segment's results into findings: every rule at or above
// the threshold, or, when only weaker rules of a category fired, the
// strongest of them if their combined score reaches it. The classifier
// reports when no rule of its category did, and otherwise raises the
// confidence of the rules it agrees with.
func (ev *evaluation) emit(seg int, out []detect.Finding) []detect.Finding {
	if !ev.recorded {
		// Only the classifier can report; most segments stop here.
		if on, _ := ev.classifierFires(model.HeadInjection); !on {
			if on, _ := ev.classifierFires(model.HeadJailbreak); !on {
				return out
			}
		}
	}
	for _, cat := range []detect.Category{detect.CategoryPromptInjection, detect.CategoryJailbreak} {
		head := model.HeadInjection
		clfID := IDInjectionClassify
		if cat == detect.CategoryJailbreak {
			head, clfID = model.HeadJailbreak, IDJailbreakClassify
		}
		var rsBuf [8]*result
		rs := rsBuf[:0]
		miss := float32(1)
		if ev.recorded {
			for i := range ev.results {
				if r := &ev.results[i]; r.score > 0 && r.rule.Category == cat {
					rs = append(rs, r)
					miss *= 1 - r.score
				}
			}
		}
		if len(rs) == 0 && ev.clf[head] == 0 {
			continue
		}
		for i := 1; i < len(rs); i++ { // insertion sort: a handful of results
			for j := i; j > 0 && (rs[j].score > rs[j-1].score ||
				rs[j].score == rs[j-1].score && rs[j].rule.ID < rs[j-1].rule.ID); j-- {
				rs[j], rs[j-1] = rs[j-1], rs[j]
			}
		}
		combined := 1 - miss
		clfOn, clfScore := ev.classifierFires(head)
		reported := 0
		for _, r := range rs {
			if r.score < Threshold {
				break
			}
			conf := r.score
			if clfOn {
				conf = 1 - (1-conf)*(1-clfScore)
			}
			out = append(out, ev.finding(seg, r, conf))
			reported++
		}
		if reported == 0 && len(rs) > 0 && combined >= Threshold {
			if clfOn {
				combined = 1 - (1-combined)*(1-clfScore)
			}
			out = append(out, ev.finding(seg, rs[0], combined))
			reported++
		}
		if reported == 0 && clfOn {
			span := ev.clfSpan[head]
			r := &result{rule: classifierRule(clfID, cat), score: clfScore, start: span[0], end: span[1],
				evidence: "classifier score " + strconv.FormatFloat(float64(clfScore), 'f', 2, 64), note: ev.clfNote[head]}
			out = append(out, ev.finding(seg, r, clfScore))
		}
	}
	return out
}

// classifierFires reports whether the classifier's probability for head
// reaches its threshold for the segment's trust.
func (ev *evaluation) classifierFires(head int) (bool, float32) {
	p := ev.clf[head]
	if p == 0 || ev.model == nil {
		return false, 0
	}
	return p >= ev.model.Threshold[head][ev.trust], p
}

func (ev *evaluation) finding(seg int, r *result, conf float32) detect.Finding {
	reason := r.rule.Reason
	if r.note != "" {
		reason += " (" + r.note + ")"
	}
	return detect.Finding{
		Category:   r.rule.Category,
		Detector:   r.rule.ID,
		Severity:   severity(conf, ev.trust),
		Confidence: float64(int(conf*1000+0.5)) / 1000,
		Segment:    seg,
		Location:   ev.seg.Location,
		Start:      r.start,
		End:        r.end,
		Evidence:   r.evidenceText(),
		Reason:     reason,
	}
}

// severity grades a finding by its score and the trust of its text: an
// injection in a tool result or a tool description is acted on without
// anyone reading it first.
func severity(score float32, trust interaction.Trust) detect.Severity {
	switch {
	case score >= 0.9 && trust == interaction.TrustUntrusted:
		return detect.SeverityCritical
	case score >= 0.85:
		return detect.SeverityHigh
	case score >= 0.7:
		return detect.SeverityMedium
	}
	return detect.SeverityLow
}

var classifierRules sync.Map // id -> *Rule

func classifierRule(id string, cat detect.Category) *Rule {
	if r, ok := classifierRules.Load(id); ok {
		return r.(*Rule)
	}
	reason := "the text classifier scores it as a prompt injection"
	if cat == detect.CategoryJailbreak {
		reason = "the text classifier scores it as a jailbreak attempt"
	}
	r, _ := classifierRules.LoadOrStore(id, &Rule{ID: id, Category: cat, Reason: reason})
	return r.(*Rule)
}

func ruleByID(id string) *Rule {
	for _, r := range rules {
		if r.ID == id {
			return r
		}
	}
	panic("injection: no rule " + id)
}

func weightFor(w weights, t interaction.Trust) float32 {
	if int(t) < len(w) {
		return w[t]
	}
	return 0
}
