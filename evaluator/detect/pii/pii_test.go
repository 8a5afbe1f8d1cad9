package pii

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

func TestExamples(t *testing.T) {
	d := allEntitiesDetector(t)
	for i := range entities {
		e := &entities[i]
		if len(examples[i]) == 0 {
			t.Errorf("%s has no examples", e.name)
		}
		pos, neg := 0, 0
		for _, ex := range examples[i] {
			if ex.Positive {
				pos++
			} else {
				neg++
			}
		}
		if pos < 2 || neg < 2 {
			t.Errorf("%s: want at least two positive and two negative examples, have %d and %d", e.name, pos, neg)
		}
		t.Run(e.name, func(t *testing.T) {
			for _, ex := range examples[i] {
				fs := d.Detect(textInput(ex.Text), nil)
				var got []detect.Finding
				for _, f := range fs {
					if f.Detector == e.detector {
						got = append(got, f)
					}
				}
				if ex.Positive && len(got) == 0 {
					t.Errorf("missed positive %q (findings: %v)", ex.Text, detectors(fs))
				}
				if !ex.Positive && len(got) > 0 {
					t.Errorf("fired on negative %q at %q", ex.Text, ex.Text[got[0].Start:got[0].End])
				}
			}
		})
	}
}

func detectors(fs []detect.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Detector)
	}
	return strings.Join(out, ",")
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown entity", Config{Entities: []string{"credit_card", "passport"}},
			`unknown entity "passport" (want one of credit_card, us_ssn,`},
		{"unknown context entity", Config{ContextWords: map[string][]string{"drivers_license": {"dl"}}},
			`context words for unknown entity "drivers_license"`},
		{"empty context word", Config{ContextWords: map[string][]string{"uk_nhs": {" "}}},
			`empty context word for entity "uk_nhs"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEnabledEntities(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		has    []string
		hasNot []string
	}{
		{"default", Config{}, []string{"credit_card", "email", "phone", "za_id"}, []string{"ip_address"}},
		{"ip flag", Config{IPAddresses: true}, []string{"credit_card", "ip_address"}, nil},
		{"explicit list with prefix", Config{Entities: []string{"pii.iban", "email"}}, []string{"iban", "email"},
			[]string{"credit_card", "ip_address"}},
		{"explicit ip", Config{Entities: []string{"ip_address"}}, []string{"ip_address"}, []string{"email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := "," + strings.Join(d.EnabledEntities(), ",") + ","
			for _, e := range tt.has {
				if !strings.Contains(got, ","+e+",") {
					t.Errorf("%s not enabled: %s", e, got)
				}
			}
			for _, e := range tt.hasNot {
				if strings.Contains(got, ","+e+",") {
					t.Errorf("%s enabled: %s", e, got)
				}
			}
		})
	}
	if got, want := len(DefaultEntities()), len(Entities())-1; got != want {
		t.Errorf("DefaultEntities has %d, want every entity but ip_address (%d)", got, want)
	}
}

func TestDisabledEntityIsSilent(t *testing.T) {
	d, err := New(Config{Entities: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	fs := d.Detect(textInput(piiSentence), nil)
	if got := detectors(fs); got != "pii.email" {
		t.Errorf("findings = %s, want only the email", got)
	}
}

// TestSpans pins exact spans, severities and user-facing fields: the
// evaluator replaces exactly [Start, End) of the segment text.
func TestSpans(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		detector string
		value    string
		sev      detect.Severity
	}{
		{"grouped card", "pay with 4532 0151 1283 0366, thanks", "pii.credit_card", "4532 0151 1283 0366", detect.SeverityHigh},
		{"card in json", `{"pan":"4532015112830366"}`, "pii.credit_card", "4532015112830366", detect.SeverityHigh},
		{"ssn", "SSN: 536-22-8417.", "pii.us_ssn", "536-22-8417", detect.SeverityHigh},
		{"grouped iban", "IBAN DE81 3704 0044 0532 0130 47 (Berlin)", "pii.iban", "DE81 3704 0044 0532 0130 47", detect.SeverityHigh},
		{"email at sentence end", "Write to jane.doe@fabrikam.io.", "pii.email", "jane.doe@fabrikam.io", detect.SeverityLow},
		{"email glued to next word", "To: ganesh@moonchaser.ioHi Ganesh", "pii.email", "ganesh@moonchaser.io", detect.SeverityLow},
		{"email in a URL", "https://fabrikam.io/unsubscribe?u=jane.doe@fabrikam.io&x=1", "pii.email", "jane.doe@fabrikam.io", detect.SeverityLow},
		{"phone with extension", "Fax: 345-899-3560x4587.", "pii.phone", "345-899-3560x4587", detect.SeverityLow},
		{"international phone", "call +41 (0)96 471 07 95 now", "pii.phone", "+41 (0)96 471 07 95", detect.SeverityLow},
		{"paren phone", "Desk: (415) 555-2671 ext. 12", "pii.phone", "(415) 555-2671 ext. 12", detect.SeverityLow},
		{"nino spaced", "NI: HP 47 53 98 D, thanks", "pii.uk_nino", "HP 47 53 98 D", detect.SeverityHigh},
		{"nie", "NIE Y6120485-S.", "pii.es_nie", "Y6120485-S", detect.SeverityHigh},
		{"hetu", "hetu 131052-308T.", "pii.fi_hetu", "131052-308T", detect.SeverityHigh},
		{"context after", "19850709-1232 är mitt pnr.", "pii.se_personnummer", "19850709-1232", detect.SeverityHigh},
		{"cidr", "route 81.2.69.0/24 via", "pii.ip_address", "81.2.69.0/24", detect.SeverityLow},
		{"ipv6 zone", "Gateway: fe80::1%eth0 up", "pii.ip_address", "fe80::1%eth0", detect.SeverityLow},
		{"json escape before", `{"args":"note:\n4532015112830366"}`, "pii.credit_card", "4532015112830366", detect.SeverityHigh},
	}
	d := allEntitiesDetector(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := d.Detect(textInput(tt.text), nil)
			if len(fs) != 1 {
				t.Fatalf("got %d findings (%s), want 1", len(fs), detectors(fs))
			}
			f := fs[0]
			if f.Detector != tt.detector || tt.text[f.Start:f.End] != tt.value {
				t.Fatalf("got %s %q, want %s %q", f.Detector, tt.text[f.Start:f.End], tt.detector, tt.value)
			}
			if f.Category != detect.CategoryPII || f.Severity != tt.sev || f.Segment != 0 ||
				f.Location != "messages[0].content" || f.Reason == "" {
				t.Errorf("finding fields: %+v", f)
			}
			if f.Evidence != detect.Mask(tt.value) {
				t.Errorf("evidence %q, want %q", f.Evidence, detect.Mask(tt.value))
			}
			if f.Confidence <= 0 || f.Confidence > 1 {
				t.Errorf("confidence %v", f.Confidence)
			}
		})
	}
}

// TestEvidenceIsMasked checks every positive example: the evidence and the
// reason never carry the value, nor more than four of its characters.
func TestEvidenceIsMasked(t *testing.T) {
	d := allEntitiesDetector(t)
	for i := range examples {
		for _, ex := range examples[i] {
			if !ex.Positive {
				continue
			}
			seg := textInput(ex.Text)
			for _, f := range d.Detect(seg, nil) {
				value := seg.IX.Segments[0].Text[f.Start:f.End]
				kept := strings.TrimSuffix(f.Evidence, detect.MaskSuffix)
				if !strings.HasSuffix(f.Evidence, detect.MaskSuffix) || len([]rune(kept)) > 4 ||
					strings.Contains(f.Evidence, value) || strings.Contains(f.Reason, value) {
					t.Errorf("%s: evidence %q / reason %q expose %q", f.Detector, f.Evidence, f.Reason, value)
				}
			}
		}
	}
}

func TestConfidence(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		min, max float64
	}{
		{"card with context", "card 4532015112830366", 1, 1},
		{"card without context", "4532015112830366", 0.9, 0.99},
		{"ssn spaced", "536 22 8417", 0.6, 0.8},
		{"ssn with context", "SSN 536-22-8417", 1, 1},
		{"iban", "DE81370400440532013047", 1, 1},
		{"documentation email", "dev@example.com", 0.5, 0.5},
		{"national phone needs context", "Tel: 030 84715293", 0.5, 0.7},
		{"nino compact with context", "nino JG103722B", 0.9, 0.95},
	}
	d := allEntitiesDetector(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := d.Detect(textInput(tt.text), nil)
			if len(fs) != 1 {
				t.Fatalf("got %d findings", len(fs))
			}
			if c := fs[0].Confidence; c < tt.min || c > tt.max {
				t.Errorf("confidence %v, want [%v, %v]", c, tt.min, tt.max)
			}
		})
	}
}

func TestExtraContextWords(t *testing.T) {
	text := "Patientennummer 943 476 5919"
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if fs := d.Detect(textInput(text), nil); len(fs) != 0 {
		t.Fatalf("found %s without the context word", detectors(fs))
	}
	d, err = New(Config{ContextWords: map[string][]string{"pii.uk_nhs": {"Patientennummer"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := detectors(d.Detect(textInput(text), nil)); got != "pii.uk_nhs" {
		t.Fatalf("findings = %q, want pii.uk_nhs", got)
	}
	d, err = New(Config{ContextWords: map[string][]string{"uk_nhs": {"patient record number"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := detectors(d.Detect(textInput("Patient-Record number: 943 476 5919"), nil)); got != "pii.uk_nhs" {
		t.Fatalf("phrase: findings = %q, want pii.uk_nhs", got)
	}
}

// TestFolding: numbers written with full-width or other-script digits,
// no-break spaces, Unicode dashes or invisible characters are found, and
// the span covers exactly the original characters.
func TestFolding(t *testing.T) {
	tests := []struct {
		name, text, detector, value string
	}{
		{"full-width card", "カード番号４５３２０１５１１２８３０３６６です", "pii.credit_card", "４５３２０１５１１２８３０３６６"},
		{"no-break spaces", "card 4532\u00a00151\u00a01283\u00a00366!", "pii.credit_card", "4532\u00a00151\u00a01283\u00a00366"},
		{"zero-width inside", "card 4532\u200b0151\u200b1283\u200b0366", "pii.credit_card", "4532\u200b0151\u200b1283\u200b0366"},
		{"arabic-indic ssn", "SSN ٥٣٦-٢٢-٨٤١٧", "pii.us_ssn", "٥٣٦-٢٢-٨٤١٧"},
		{"en dashes in phone", "Tel. 415\u2013555\u20132671", "pii.phone", "415\u2013555\u20132671"},
		{"tag characters", "card \U000E0020\U000E0034\U000E0035\U000E0033\U000E0032\U000E0030\U000E0031\U000E0035\U000E0031\U000E0031\U000E0032\U000E0038\U000E0033\U000E0030\U000E0033\U000E0036\U000E0036", "pii.credit_card", "\U000E0034\U000E0035\U000E0033\U000E0032\U000E0030\U000E0031\U000E0035\U000E0031\U000E0031\U000E0032\U000E0038\U000E0033\U000E0030\U000E0033\U000E0036\U000E0036"},
		{"accented neighbour", "teléfono: +34 612 738 594 ¿vale?", "pii.phone", "+34 612 738 594"},
	}
	d := allEntitiesDetector(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := d.Detect(textInput(tt.text), nil)
			if len(fs) != 1 || fs[0].Detector != tt.detector {
				t.Fatalf("findings = %q", detectors(fs))
			}
			if got := tt.text[fs[0].Start:fs[0].End]; got != tt.value {
				t.Errorf("span %q, want %q", got, tt.value)
			}
		})
	}
}

func TestSegments(t *testing.T) {
	ix := &interaction.Interaction{API: "openai.chat_completions"}
	add := func(kind interaction.Kind, role interaction.Role, loc, text string) {
		ix.AddSegment(interaction.Segment{Text: text, Kind: kind, Role: role, Location: loc, RawStart: -1, RawEnd: -1})
	}
	add(interaction.KindText, interaction.RoleSystem, "messages[0].content", "Escalations go to oncall@fabrikam.io.")
	add(interaction.KindToolDescription, interaction.RoleNone, "tools[0].function.description", "Refunds card 4532015112830366.")
	add(interaction.KindMedia, interaction.RoleUser, "messages[1].content[1].image_url.url",
		"data:image/png;base64,iVBORw0KGgo4532015112830366AAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk 4532015112830366")
	add(interaction.KindMedia, interaction.RoleUser, "messages[1].content[2].image_url.url",
		"https://img.fabrikam.io/render?owner=jane.doe@fabrikam.io")
	add(interaction.KindToolResult, interaction.RoleTool, "messages[2].content", "no personal data here: 12, 345, v1.2.3")
	add(interaction.KindToolArguments, interaction.RoleAssistant, "messages[3].tool_calls[0].function.arguments",
		`{"to":"+44 20 7946 0958","body":"hi\nSSN 536-22-8417"}`)
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	prior := []detect.Finding{{Detector: "secret.earlier"}}
	fs := d.Detect(&detect.Input{IX: ix}, prior)
	want := []struct {
		det string
		seg int
	}{{"secret.earlier", 0}, {"pii.email", 0}, {"pii.credit_card", 1}, {"pii.email", 3}, {"pii.phone", 5}, {"pii.us_ssn", 5}}
	if len(fs) != len(want) {
		t.Fatalf("findings = %s", detectors(fs))
	}
	for k, w := range want {
		if fs[k].Detector != w.det || k > 0 && fs[k].Segment != w.seg {
			t.Errorf("finding %d = %s in segment %d, want %s in %d", k, fs[k].Detector, fs[k].Segment, w.det, w.seg)
		}
		if k > 0 && fs[k].Location != ix.Segments[w.seg].Location {
			t.Errorf("finding %d location %q", k, fs[k].Location)
		}
	}
	if fs := d.Detect(&detect.Input{}, nil); fs != nil {
		t.Errorf("nil interaction: %v", fs)
	}
}

// TestNoOverlap: findings in a segment come in order and never overlap, so
// the evaluator can replace each span independently.
func TestNoOverlap(t *testing.T) {
	d := allEntitiesDetector(t)
	var all strings.Builder
	for i := range examples {
		for _, ex := range examples[i] {
			all.WriteString(ex.Text)
			all.WriteString("\n")
		}
	}
	fs := d.Detect(textInput(all.String()), nil)
	if len(fs) < 50 {
		t.Fatalf("only %d findings over all examples", len(fs))
	}
	for k := 1; k < len(fs); k++ {
		if fs[k].Start < fs[k-1].End {
			t.Errorf("finding %d [%d,%d) overlaps [%d,%d)", k, fs[k].Start, fs[k].End, fs[k-1].Start, fs[k-1].End)
		}
	}
}

func TestNoAllocationsOnCleanText(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	d, err := New(Config{IPAddresses: true})
	if err != nil {
		t.Fatal(err)
	}
	in := agentRequest(t, "")
	in.IX.AddSegment(interaction.Segment{Text: "Grüße aus München: 2025-03-14, Version 1.2.3 — ２０２５年", Kind: interaction.KindText})
	out := make([]detect.Finding, 0, 8)
	if n := testing.AllocsPerRun(20, func() { out = d.Detect(in, out[:0]) }); n != 0 {
		t.Errorf("%v allocations per clean request (%d findings: %s)", n, len(out), detectors(out))
	}
}

func TestConcurrentDetect(t *testing.T) {
	d := allEntitiesDetector(t)
	in := agentRequest(t, piiSentence)
	want := detectors(d.Detect(in, nil))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				if got := detectors(d.Detect(in, nil)); got != want {
					t.Errorf("got %s, want %s", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

var update = flag.Bool("update", false, "rewrite golden files")

// goldenFinding is the serialized form of a finding in the golden file.
type goldenFinding struct {
	Detector   string  `json:"detector"`
	Severity   string  `json:"severity"`
	Confidence float64 `json:"confidence"`
	Segment    int     `json:"segment"`
	Location   string  `json:"location"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Evidence   string  `json:"evidence"`
	Reason     string  `json:"reason"`
}

// TestGolden runs the default detector over testdata/golden_request.txt, a
// support conversation with personal data in every kind of segment, and
// compares the findings with testdata/findings.golden.json (go test
// -update rewrites it).
func TestGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden_request.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ix := &interaction.Interaction{API: "openai.chat_completions"}
	for _, part := range strings.Split(string(b), "### ")[1:] {
		head, text, _ := strings.Cut(part, "\n")
		kind, loc, _ := strings.Cut(head, " ")
		ix.AddSegment(interaction.Segment{Text: strings.TrimSuffix(text, "\n"), Kind: interaction.Kind(kind),
			Location: loc, RawStart: -1, RawEnd: -1})
	}
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []goldenFinding
	for _, f := range d.Detect(&detect.Input{IX: ix}, nil) {
		got = append(got, goldenFinding{f.Detector, f.Severity.String(), f.Confidence, f.Segment, f.Location,
			f.Start, f.End, f.Evidence, f.Reason})
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	path := filepath.Join("testdata", "findings.golden.json")
	if *update {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("findings differ from %s (run go test -update to accept):\n%s", path, out)
	}
}
