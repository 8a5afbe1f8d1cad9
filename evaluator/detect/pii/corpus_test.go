package pii

import (
	"bufio"
	"encoding/json"
	"fmt"
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
	tp, fp         int // findings
	labels, found  int // labelled values, of which found
	fpSamples      []string
	missSamples    []string
	precision, rec float64
}

// evaluatePII runs d over pii.jsonl and scores each entity.
func evaluatePII(t testing.TB, d *Detector) map[string]*score {
	type2ent := map[string]string{}
	for e, ts := range presidioTypes {
		for _, ty := range ts {
			type2ent[ty] = e
		}
	}
	scores := map[string]*score{}
	get := func(e string) *score {
		if scores[e] == nil {
			scores[e] = &score{}
		}
		return scores[e]
	}
	for _, r := range loadPII(t) {
		fs := d.Detect(textInput(r.Text), nil)
		if r.PresidioCount != nil { // recognizer unit-test string
			want := type2ent[r.Entity]
			n := 0
			for _, f := range fs {
				e := strings.TrimPrefix(f.Detector, "pii.")
				sc := get(e)
				if e == want && *r.PresidioCount > 0 {
					sc.tp++
					n++
				} else {
					sc.fp++
					sc.fpSamples = append(sc.fpSamples, fmt.Sprintf("%s %q", r.Entity, r.Text))
				}
			}
			if want != "" && *r.PresidioCount > 0 {
				sc := get(want)
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
			sc := get(e)
			if ok {
				sc.tp++
			} else {
				sc.fp++
				sc.fpSamples = append(sc.fpSamples, fmt.Sprintf("%q in %q", r.Text[f.Start:f.End], r.Text))
			}
		}
		for _, sp := range spans {
			sc := get(sp.e)
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
	for _, sc := range scores {
		sc.precision, sc.rec = 1, 1
		if sc.tp+sc.fp > 0 {
			sc.precision = float64(sc.tp) / float64(sc.tp+sc.fp)
		}
		if sc.labels > 0 {
			sc.rec = float64(sc.found) / float64(sc.labels)
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

func TestCorpusPII(t *testing.T) {
	scores := evaluatePII(t, allEntitiesDetector(t))
	names := make([]string, 0, len(scores))
	for e := range scores {
		names = append(names, e)
	}
	sort.Strings(names)
	verbose := os.Getenv("PII_CORPUS_VERBOSE") != ""
	for _, e := range names {
		sc := scores[e]
		t.Logf("%-16s precision %.3f (%d/%d)  recall %.3f (%d/%d)", e, sc.precision, sc.tp, sc.tp+sc.fp,
			sc.rec, sc.found, sc.labels)
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

func TestCorpusBenign(t *testing.T) {
	d := allEntitiesDetector(t)
	for _, name := range []string{"benign", "benign_multilingual"} {
		counts, samples := benignFindings(t, d, name)
		t.Logf("%s: %v", name, counts)
		for _, s := range samples {
			t.Logf("    %s", s)
		}
	}
}
