package pii

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/corpus"
)

// Scores on the labelled public corpora in testdata/corpora (see its
// README): Presidio-research synthetic sentences with character spans, and
// the strings of Presidio's own recognizer unit tests with the number of
// values each should yield.
//
// A finding is correct when it overlaps a labelled span of the matching
// Presidio entity type (synthetic sentences) or when the unit-test string
// is about that entity and expects at least one value. Findings of one
// entity on a unit-test string about another count as wrong, strictly, even
// where the string happens to be, say, a valid phone number.

// presidioTypes maps our entities to the Presidio entity types they
// correspond to. br_cpf has no Presidio counterpart in the corpus.
var presidioTypes = map[string][]string{
	"credit_card":     {"CREDIT_CARD"},
	"us_ssn":          {"US_SSN"},
	"us_itin":         {"US_ITIN"},
	"iban":            {"IBAN_CODE"},
	"email":           {"EMAIL_ADDRESS"},
	"phone":           {"PHONE_NUMBER", "PH_MOBILE_NUMBER", "TR_PHONE_NUMBER"},
	"ip_address":      {"IP_ADDRESS"},
	"uk_nhs":          {"UK_NHS"},
	"uk_nino":         {"UK_NINO"},
	"ca_sin":          {"CA_SIN"},
	"es_dni":          {"ES_NIF"},
	"es_nie":          {"ES_NIE"},
	"it_fiscal_code":  {"IT_FISCAL_CODE"},
	"de_tax_id":       {"DE_TAX_ID"},
	"in_aadhaar":      {"IN_AADHAAR"},
	"au_tfn":          {"AU_TFN"},
	"sg_nric":         {"SG_NRIC_FIN"},
	"pl_pesel":        {"PL_PESEL"},
	"fi_hetu":         {"FI_PERSONAL_IDENTITY_CODE"},
	"se_personnummer": {"SE_PERSONNUMMER"},
	"tr_tckn":         {"TR_NATIONAL_ID"},
	"za_id":           {"ZA_ID_NUMBER"},
}

type piiRecord struct {
	corpus.Record
	Spans []struct {
		Type  string `json:"type"`
		Start int    `json:"start"`
		End   int    `json:"end"`
	} `json:"spans"`
}

func loadPII(t testing.TB) []piiRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus.Dir(), "text", "pii.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []piiRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var r piiRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// textInput wraps one text as a single user segment.
func textInput(text string) *detect.Input {
	ix := &interaction.Interaction{API: "unknown"}
	ix.AddSegment(interaction.Segment{Text: text, Location: "messages[0].content", Role: interaction.RoleUser,
		Trust: interaction.TrustUser, Kind: interaction.KindText, RawStart: -1, RawEnd: -1})
	return &detect.Input{IX: ix}
}

// byteOffsets maps rune indexes of s (as Python counts them) to byte offsets.
func byteOffsets(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	return append(out, len(s))
}

type score struct {
	tp, fp        int // findings
	labels, found int // labelled values, of which found
	fpSamples     []string
	missSamples   []string
}

func (sc *score) precision() float64 {
	if sc.tp+sc.fp == 0 {
		return 1
	}
	return float64(sc.tp) / float64(sc.tp+sc.fp)
}

func (sc *score) recall() float64 {
	if sc.labels == 0 {
		return 1
	}
	return float64(sc.found) / float64(sc.labels)
}

// Score sources.
const (
	srcSynthetic = "synthetic" // Presidio-research sentences with spans
	srcUnit      = "unit"      // Presidio recognizer unit-test strings
)

// evaluatePII runs d over pii.jsonl and scores each entity per source.
func evaluatePII(t testing.TB, d *Detector) map[string]map[string]*score {
	type2ent := map[string]string{}
	for e, ts := range presidioTypes {
		for _, ty := range ts {
			type2ent[ty] = e
		}
	}
	scores := map[string]map[string]*score{srcSynthetic: {}, srcUnit: {}}
	get := func(src, e string) *score {
		if scores[src][e] == nil {
			scores[src][e] = &score{}
		}
		return scores[src][e]
	}
	for _, r := range loadPII(t) {
		fs := d.Detect(textInput(r.Text), nil)
		if r.PresidioCount != nil { // recognizer unit-test string
			want := type2ent[r.Entity]
			n := 0
			for _, f := range fs {
				e := strings.TrimPrefix(f.Detector, "pii.")
				sc := get(srcUnit, e)
				if e == want && *r.PresidioCount > 0 {
					sc.tp++
					n++
				} else {
					sc.fp++
					sc.fpSamples = append(sc.fpSamples, fmt.Sprintf("%s %q", r.Entity, r.Text))
				}
			}
			if want != "" && *r.PresidioCount > 0 {
				sc := get(srcUnit, want)
				sc.labels += *r.PresidioCount
				sc.found += min(n, *r.PresidioCount)
				if n < *r.PresidioCount {
					sc.missSamples = append(sc.missSamples, fmt.Sprintf("%q", r.Text))
				}
			}
			continue
		}
		off := byteOffsets(r.Text)
		type span struct {
			e          string
			start, end int
		}
		var spans []span
		for _, sp := range r.Spans {
			if e, ok := type2ent[sp.Type]; ok && sp.End < len(off) {
				spans = append(spans, span{e, off[sp.Start], off[sp.End]})
			}
		}
		for _, f := range fs {
			e := strings.TrimPrefix(f.Detector, "pii.")
			ok := false
			for _, sp := range spans {
				if sp.e == e && f.Start < sp.end && sp.start < f.End {
					ok = true
				}
			}
			sc := get(srcSynthetic, e)
			if ok {
				sc.tp++
			} else {
				sc.fp++
				sc.fpSamples = append(sc.fpSamples, fmt.Sprintf("%q in %q", r.Text[f.Start:f.End], r.Text))
			}
		}
		for _, sp := range spans {
			sc := get(srcSynthetic, sp.e)
			sc.labels++
			hit := false
			for _, f := range fs {
				if strings.TrimPrefix(f.Detector, "pii.") == sp.e && f.Start < sp.end && sp.start < f.End {
					hit = true
				}
			}
			if hit {
				sc.found++
			} else {
				sc.missSamples = append(sc.missSamples, fmt.Sprintf("%q", r.Text[sp.start:sp.end]))
			}
		}
	}
	return scores
}

func allEntitiesDetector(t testing.TB) *Detector {
	t.Helper()
	d, err := New(Config{Entities: entityNames()})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pinned are the measured scores (findings correct / findings, values found
// / values) that TestCorpusPII holds the detector to. A change that loses
// more than one finding's worth of precision or two points of recall fails;
// one that improves them should update the table.
//
// The few false positives are strict-scoring artefacts: on unit-test
// strings about another entity, "110-81-4127" (a malformed Korean business
// number) is a valid SSN layout and "SD 20241 440-600-5124" (an IBAN
// negative) holds a valid North American phone number. Misses are by
// design: context-gated ids without context, test-looking numbers
// (4111 1111 1111 1111, 55555555K), documentation and private IP addresses
// without a networking word, national phone layouts without a phone word
// and plain digit runs even with one ("Fax: 9498777106"), lower-case NINOs
// without context ("hh 01 02 03 d", "tw987654a"),
// every Spanish DNI and Aadhaar number in Presidio's tests (12345678Z,
// 55555555K, 1111111G, 3998 7654 3211, 3123 4567 8909 are all test-looking),
// JCB-like 35xx prefixes outside JCB's 3528-3589, Steuer-IDs without a
// repeated digit.
var pinned = []struct {
	src, entity            string
	tp, findings, found, n int
}{
	{srcSynthetic, "credit_card", 127, 127, 127, 136},
	{srcSynthetic, "email", 49, 49, 49, 49},
	{srcSynthetic, "iban", 21, 21, 21, 21},
	{srcSynthetic, "ip_address", 14, 14, 14, 14},
	{srcSynthetic, "phone", 58, 58, 58, 92},
	{srcSynthetic, "us_ssn", 16, 16, 16, 16},
	{srcUnit, "au_tfn", 0, 0, 0, 2},
	{srcUnit, "ca_sin", 2, 2, 2, 9},
	{srcUnit, "credit_card", 4, 4, 4, 15},
	{srcUnit, "de_tax_id", 0, 0, 0, 4},
	{srcUnit, "email", 7, 7, 7, 7},
	{srcUnit, "es_dni", 0, 0, 0, 8},
	{srcUnit, "es_nie", 9, 9, 9, 9},
	{srcUnit, "fi_hetu", 25, 25, 25, 26},
	{srcUnit, "iban", 158, 158, 158, 158},
	{srcUnit, "in_aadhaar", 0, 0, 0, 9},
	{srcUnit, "ip_address", 29, 29, 29, 88},
	{srcUnit, "it_fiscal_code", 2, 2, 2, 4},
	{srcUnit, "phone", 12, 13, 12, 60},
	{srcUnit, "pl_pesel", 1, 1, 1, 4},
	{srcUnit, "se_personnummer", 4, 4, 4, 13},
	{srcUnit, "sg_nric", 4, 4, 4, 8},
	{srcUnit, "tr_tckn", 4, 4, 4, 12},
	{srcUnit, "uk_nhs", 0, 0, 0, 3},
	{srcUnit, "uk_nino", 3, 3, 3, 5},
	{srcUnit, "us_itin", 3, 3, 3, 6},
	{srcUnit, "us_ssn", 3, 4, 3, 7},
	{srcUnit, "za_id", 6, 6, 6, 6},
}

func TestCorpusPII(t *testing.T) {
	scores := evaluatePII(t, allEntitiesDetector(t))
	verbose := os.Getenv("PII_CORPUS_VERBOSE") != ""
	for _, src := range []string{srcSynthetic, srcUnit} {
		names := make([]string, 0, len(scores[src]))
		for e := range scores[src] {
			names = append(names, e)
		}
		sort.Strings(names)
		for _, e := range names {
			sc := scores[src][e]
			t.Logf("%-9s %-16s precision %.3f (%d/%d)  recall %.3f (%d/%d)", src, e, sc.precision(), sc.tp,
				sc.tp+sc.fp, sc.recall(), sc.found, sc.labels)
			if verbose {
				for _, s := range sc.fpSamples {
					t.Logf("    FP %s", s)
				}
				for _, s := range sc.missSamples {
					t.Logf("    miss %s", s)
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range pinned {
		seen[p.src+"/"+p.entity] = true
		sc := scores[p.src][p.entity]
		if sc == nil {
			sc = &score{}
		}
		pin := score{tp: p.tp, fp: p.findings - p.tp, found: p.found, labels: p.n}
		if sc.labels != p.n {
			t.Errorf("%s/%s: corpus has %d labelled values, pinned %d (corpus changed?)", p.src, p.entity, sc.labels, p.n)
		}
		// One more false positive than pinned is the margin for precision.
		slack := score{tp: p.tp, fp: pin.fp + 1}
		if sc.precision() < min(pin.precision(), slack.precision()) && sc.fp > pin.fp {
			t.Errorf("%s/%s: precision %.3f (%d/%d) fell below pinned %.3f (%d/%d)", p.src, p.entity,
				sc.precision(), sc.tp, sc.tp+sc.fp, pin.precision(), p.tp, p.findings)
		}
		if sc.recall() < pin.recall()-0.02 {
			t.Errorf("%s/%s: recall %.3f (%d/%d) fell below pinned %.3f (%d/%d)", p.src, p.entity,
				sc.recall(), sc.found, sc.labels, pin.recall(), p.found, p.n)
		}
	}
	for src, m := range scores {
		for e, sc := range m {
			if !seen[src+"/"+e] && (sc.tp+sc.fp > 0 || sc.labels > 0) {
				t.Errorf("%s/%s is not pinned: %d/%d findings correct, %d/%d found", src, e, sc.tp, sc.tp+sc.fp,
					sc.found, sc.labels)
			}
		}
	}
	// Overall precision of the high-severity (redacted) entities.
	tp, n := 0, 0
	for _, m := range scores {
		for e, sc := range m {
			if id, _ := lookupEntity(e); entities[id].sev == high {
				tp += sc.tp
				n += sc.tp + sc.fp
			}
		}
	}
	if p := float64(tp) / float64(n); p < 0.99 {
		t.Errorf("high-severity precision %.4f (%d/%d) is below 0.99", p, tp, n)
	} else {
		t.Logf("high-severity precision %.4f (%d/%d)", p, tp, n)
	}
}

// benignFindings runs d over a benign corpus and returns the findings by
// detector, with samples.
func benignFindings(t testing.TB, d *Detector, name string) (map[string]int, []string) {
	recs, err := corpus.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	var samples []string
	for _, r := range recs {
		for _, f := range d.Detect(textInput(r.Text), nil) {
			counts[f.Detector]++
			samples = append(samples, fmt.Sprintf("%s %q", f.Detector, excerptAround(r.Text, f.Start, f.End)))
		}
	}
	return counts, samples
}

func excerptAround(s string, start, end int) string {
	a, b := max(0, start-30), min(len(s), end+30)
	for a > 0 && !utf8.RuneStart(s[a]) {
		a--
	}
	for b < len(s) && !utf8.RuneStart(s[b]) {
		b++
	}
	return s[a:b]
}

// TestCorpusBenign: benign prompts (hard negatives for injection, full of
// numbers, versions, code and security talk, in eight languages) carry no
// personal data, and no other corpus yields a high-severity finding. The
// low-severity findings elsewhere are real addresses in the text ("send it
// to abc@xyz.com", SMTP code samples, e-mail headers) and two private IPs
// next to "connect"; their counts are pinned.
func TestCorpusBenign(t *testing.T) {
	d := allEntitiesDetector(t)
	wantLow := map[string]map[string]int{
		"benign":                        {},
		"benign_multilingual":           {},
		"prompt_injection":              {"pii.email": 17, "pii.ip_address": 2},
		"prompt_injection_multilingual": {"pii.email": 13},
		"jailbreak":                     {"pii.email": 2},
		"benign_documents":              {"pii.email": 47},
		"commands":                      {"pii.email": 1},
		"tool_payloads":                 {"pii.email": 1},
		"secrets":                       {"pii.email": 10},
	}
	for _, name := range corpus.Files {
		if name == "pii" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			counts, samples := benignFindings(t, d, name)
			for det, n := range counts {
				id, _ := lookupEntity(det)
				if entities[id].sev == high {
					t.Errorf("%d high-severity %s findings", n, det)
				} else if n > wantLow[name][det] {
					t.Errorf("%d %s findings, pinned %d", n, det, wantLow[name][det])
				}
			}
			if t.Failed() || testing.Verbose() {
				for _, s := range samples {
					t.Logf("    %s", s)
				}
			}
		})
	}
}

// TestWireCorpus scans every string of every recorded or documented LLM API
// body in testdata/corpora/wire (JSON bodies, JSONL chunk streams, SSE data
// lines): model names, ids, tool schemas, base64 images and signatures hold
// long digit runs and must yield no finding.
func TestWireCorpus(t *testing.T) {
	d := allEntitiesDetector(t)
	files := 0
	err := filepath.WalkDir(filepath.Join(corpus.Dir(), "wire"), func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var docs [][]byte
		switch {
		case strings.HasSuffix(p, ".json"):
			docs = [][]byte{b}
		case strings.HasSuffix(p, ".jsonl"), strings.HasSuffix(p, ".sse"):
			for _, line := range bytes.Split(b, []byte("\n")) {
				line = bytes.TrimPrefix(bytes.TrimSpace(line), []byte("data:"))
				docs = append(docs, bytes.TrimSpace(line))
			}
		default:
			return nil
		}
		files++
		for _, doc := range docs {
			var v any
			if json.Unmarshal(doc, &v) != nil {
				continue
			}
			walkStrings(v, func(s string) {
				for _, f := range d.Detect(textInput(s), nil) {
					t.Errorf("%s: %s %q", filepath.Base(p), f.Detector, excerptAround(s, f.Start, f.End))
				}
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Errorf("scanned only %d wire files", files)
	}
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		for k, e := range x {
			fn(k)
			walkStrings(e, fn)
		}
	}
}
