// Package evalcorpus measures detection quality end to end: it wraps every
// record of the public corpora in testdata/corpora into a realistic LLM
// request, runs the full evaluator over it, and counts what was caught and
// what was wrongly flagged. `make eval` prints the table; a test pins the
// figures so a change that loses accuracy fails the build.
package evalcorpus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/internal/corpus"
	"github.com/sluicehq/sluice/tools/train/split"
)

// Row is the score of one corpus file (or one slice of it).
type Row struct {
	File string
	// Target lists the categories that count as catching an attack record.
	Target []detect.Category
	// Attack and Benign count records by label; TP/FN split the attacks,
	// FP/TN the benign ones.
	Attack, Benign int
	TP, FN, FP, TN int
	// Errors counts records the evaluator refused (should be zero).
	Errors int
	Mean   time.Duration
	P99    time.Duration
	// Misses and FalsePositives name a few records for inspection.
	Misses, FalsePositives []string
}

// Recall is TP / attacks (NaN without attacks).
func (r *Row) Recall() float64 { return ratio(r.TP, r.TP+r.FN) }

// FPRate is FP / benign (NaN without benign records).
func (r *Row) FPRate() float64 { return ratio(r.FP, r.FP+r.TN) }

// Precision is TP / (TP + FP).
func (r *Row) Precision() float64 { return ratio(r.TP, r.TP+r.FP) }

// F1 is the harmonic mean of precision and recall.
func (r *Row) F1() float64 {
	p, rc := r.Precision(), r.Recall()
	if math.IsNaN(p) || math.IsNaN(rc) || p+rc == 0 {
		return math.NaN()
	}
	return 2 * p * rc / (p + rc)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Options selects what to run.
type Options struct {
	// Files to score (corpus names); empty means corpus.Files.
	Files []string
	// Filter, when set, keeps only the records it accepts (e.g. the
	// classifier's held-out split).
	Filter func(*corpus.Record) bool
	// Label names the slice in Row.File ("held-out").
	Label string
	// Keep is how many misses / false positives to name per row.
	Keep int
}

// Run scores every selected file with ev, whose policy should be in
// enforce mode so that "flagged" means "would be blocked or redacted".
func Run(ctx context.Context, ev *evaluator.Evaluator, opt Options) ([]Row, error) {
	files := opt.Files
	if len(files) == 0 {
		files = corpus.Files
	}
	var rows []Row
	for _, name := range files {
		recs, err := corpus.Load(name)
		if err != nil {
			return nil, err
		}
		relabels, err := corpus.Relabels(name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if trainedOn[name] && opt.Filter == nil {
			// The classifier learnt from part of these files: its
			// figures count only on the held-out split.
			held := opt
			held.Filter = func(r *corpus.Record) bool { return split.Held(name, r) }
			rows = append(rows, score(ctx, ev, name, name+" (held out)", recs, nil, held))
			for _, sl := range slices_[name] {
				sub := opt
				sub.Filter = func(r *corpus.Record) bool { return split.Held(name, r) && sl.keep(r) }
				rows = append(rows, score(ctx, ev, name, "  "+sl.name+" (held out)", recs, nil, sub))
			}
			continue
		}
		if relabels == nil {
			rows = append(rows, score(ctx, ev, name, name, recs, nil, opt))
			continue
		}
		// Report the upstream labels and sluice's documented adjustments
		// (testdata/corpora/relabel) side by side.
		rows = append(rows, score(ctx, ev, name, name+" (raw labels)", recs, nil, opt))
		rows = append(rows, score(ctx, ev, name, name+" (adjusted)", recs, relabels, opt))
	}
	return rows, nil
}

func score(ctx context.Context, ev *evaluator.Evaluator, name, label string, recs []corpus.Record,
	relabels map[string]corpus.Relabel, opt Options) Row {
	row := Row{File: label, Target: targets(name)}
	if opt.Label != "" {
		row.File += " (" + opt.Label + ")"
	}
	var times []time.Duration
	for i := range recs {
		rec := &recs[i]
		if opt.Filter != nil && !opt.Filter(rec) {
			continue
		}
		attack := rec.Attack()
		if relabels != nil {
			attack = corpus.AdjustedAttack(rec, relabels)
		}
		if name == "pii" && attack && !supportedPII(rec) {
			continue // an entity sluice does not claim to find (names, addresses, ...)
		}
		body, path := wrap(name, rec)
		start := time.Now()
		d, err := ev.Evaluate(ctx, evaluator.Input{Path: path, Body: body, Door: evaluator.DoorCLI})
		times = append(times, time.Since(start))
		if err != nil {
			row.Errors++
			continue
		}
		flagged := flaggedFor(name, attack, d, row.Target)
		switch {
		case attack && flagged:
			row.Attack++
			row.TP++
		case attack:
			row.Attack++
			row.FN++
			if len(row.Misses) < opt.Keep {
				row.Misses = append(row.Misses, rec.ID)
			}
		case flagged:
			row.Benign++
			row.FP++
			if len(row.FalsePositives) < opt.Keep {
				row.FalsePositives = append(row.FalsePositives, rec.ID+" "+detectorsOf(d))
			}
		default:
			row.Benign++
			row.TN++
		}
	}
	row.Mean, row.P99 = meanP99(times)
	return row
}

// piiSupported are the Presidio entity names of the PII sluice detects by
// default (IP addresses are off by default and not counted).
var piiSupported = map[string]bool{
	"CREDIT_CARD": true, "US_SSN": true, "IBAN_CODE": true, "EMAIL_ADDRESS": true, "PHONE_NUMBER": true,
	"US_ITIN": true, "UK_NHS": true, "UK_NINO": true, "CA_SIN": true, "ES_NIF": true, "ES_NIE": true,
	"IT_FISCAL_CODE": true, "DE_TAX_ID": true, "IN_AADHAAR": true, "SG_NRIC_FIN": true, "AU_TFN": true,
	"PL_PESEL": true, "FI_PERSONAL_IDENTITY_CODE": true, "SE_PERSONNUMMER": true, "TR_NATIONAL_ID": true,
	"ZA_ID_NUMBER": true, "BR_CPF": true,
}

// supportedPII reports whether a PII record holds an entity sluice
// detects, so recall is measured on what the detector claims to find.
func supportedPII(rec *corpus.Record) bool {
	if piiSupported[rec.Entity] {
		return true
	}
	for _, e := range rec.DirectIdentifiers {
		if piiSupported[e] {
			return true
		}
	}
	for _, e := range rec.Entities {
		if piiSupported[e] {
			return true
		}
	}
	return false
}

// trainedOn are the corpus files the injection classifier's training split
// is drawn from (tools/train).
var trainedOn = map[string]bool{
	"prompt_injection": true, "prompt_injection_multilingual": true, "jailbreak": true,
	"benign": true, "benign_multilingual": true, "benign_documents": true,
}

// slice is a named subset of a corpus file reported on its own row.
type slice struct {
	name string
	keep func(*corpus.Record) bool
}

// slices_ break the injection files down by source, and PurpleLlama by
// risk: its "logic-violating" prompts are ordinary questions that only
// break the one system prompt they were written against ("What is the
// weather in LA?" to a recipe bot); the "security-violating" ones carry
// the attack in their text.
var slices_ = map[string][]slice{
	"prompt_injection": {
		{"PurpleLlama", func(r *corpus.Record) bool { return r.Repo() == "meta-llama/PurpleLlama" }},
		{"PurpleLlama security-violating", func(r *corpus.Record) bool {
			return r.Repo() == "meta-llama/PurpleLlama" && r.RiskCategory == "security-violating"
		}},
		{"BIPIA indirect (as tool result)", func(r *corpus.Record) bool { return r.Repo() == "microsoft/BIPIA" }},
		{"garak prompt extraction", func(r *corpus.Record) bool { return r.Repo() == "NVIDIA/garak" }},
	},
	"prompt_injection_multilingual": {
		{"security-violating", func(r *corpus.Record) bool { return r.RiskCategory == "security-violating" }},
	},
}

// targets are the categories that count as catching an attack in a file.
// Injection and jailbreak are sibling categories (both blocked by the
// default policy): catching a jailbreak prompt as prompt_injection counts.
func targets(file string) []detect.Category {
	switch file {
	case "prompt_injection", "prompt_injection_multilingual", "jailbreak":
		return []detect.Category{detect.CategoryPromptInjection, detect.CategoryJailbreak}
	case "commands", "tool_payloads":
		return []detect.Category{detect.CategoryToolRisk, detect.CategoryExfiltration}
	case "secrets":
		return []detect.Category{detect.CategorySecret}
	case "pii":
		return []detect.Category{detect.CategoryPII}
	}
	return nil // benign prose: anything that would block or redact is a false positive
}

// flaggedFor reports whether the decision flags the record: for attack
// files a finding of a target category; for benign prose a would-be
// verdict other than allow; for labelled files (commands, secrets, pii) a
// finding of the file's own categories on either label.
func flaggedFor(file string, attack bool, d *evaluator.Decision, target []detect.Category) bool {
	if target == nil {
		return d.WouldBe != evaluator.Allow
	}
	for _, f := range d.Findings {
		if f.Excepted != "" || !slices.Contains(target, f.Category) {
			continue
		}
		// A benign PII row with only a low-severity email/phone is not a
		// false positive of the redacting rules; attack rows count any entity.
		if file == "pii" && !attack && f.Severity < detect.SeverityMedium {
			continue
		}
		return true
	}
	return false
}

func detectorsOf(d *evaluator.Decision) string {
	var ids []string
	for _, f := range d.Findings {
		if !slices.Contains(ids, f.Detector) {
			ids = append(ids, f.Detector)
		}
	}
	return "[" + strings.Join(ids, ",") + "]"
}

func meanP99(ts []time.Duration) (time.Duration, time.Duration) {
	if len(ts) == 0 {
		return 0, 0
	}
	var sum time.Duration
	for _, t := range ts {
		sum += t
	}
	sorted := slices.Clone(ts)
	slices.Sort(sorted)
	idx := int(math.Ceil(0.99*float64(len(sorted)))) - 1
	return sum / time.Duration(len(ts)), sorted[max(idx, 0)]
}

// wrap turns a record into the request body and path an agent would send:
// prompts as a user turn (with the system prompt the attack targets, when
// the corpus gives one), indirect injections and documents as a tool
// result, commands and tool payloads as an earlier assistant tool call.
func wrap(file string, rec *corpus.Record) ([]byte, string) {
	const path = "/v1/chat/completions"
	var msgs []any
	sys := "You are a helpful assistant."
	if rec.Context != "" {
		sys = rec.Context
	}
	msgs = append(msgs, map[string]any{"role": "system", "content": sys})
	switch {
	case file == "commands" || file == "tool_payloads":
		// Commands are what a shell tool is asked to run; tool payloads
		// are injections (SQL, shell metacharacters, code) smuggled into a
		// data argument of an ordinary tool.
		tool, key := "bash", "command"
		if file == "tool_payloads" {
			tool, key = "lookup_customer", "name"
		}
		args, _ := json.Marshal(map[string]string{key: rec.Text})
		msgs = append(msgs,
			map[string]any{"role": "user", "content": "Please take care of it."},
			map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
				"id": "call_1", "type": "function", "function": map[string]any{"name": tool, "arguments": string(args)},
			}}},
			map[string]any{"role": "tool", "tool_call_id": "call_1", "content": "done"},
		)
	case file == "benign_documents" || rec.Vector == "indirect" || strings.HasPrefix(rec.Subtype, "indirect"):
		args, _ := json.Marshal(map[string]string{"id": "doc-1"})
		msgs = append(msgs,
			map[string]any{"role": "user", "content": "Summarise the document for me."},
			map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
				"id": "call_1", "type": "function", "function": map[string]any{"name": "read_document", "arguments": string(args)},
			}}},
			map[string]any{"role": "tool", "tool_call_id": "call_1", "content": rec.Text},
		)
	default:
		msgs = append(msgs, map[string]any{"role": "user", "content": rec.Text})
	}
	body, _ := json.Marshal(map[string]any{"model": "gpt-4o", "messages": msgs})
	return body, path
}

// Print writes rows as an aligned table.
func Print(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tattack\tbenign\trecall\tFP rate\tprecision\tF1\tmean\tp99\terrors\t")
	for i := range rows {
		r := &rows[i]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", r.File, r.Attack, r.Benign,
			pct(r.Recall()), pct(r.FPRate()), pct(r.Precision()), pct(r.F1()),
			r.Mean.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Errors)
	}
	tw.Flush()
}

// PrintMisses lists the named misses and false positives.
func PrintMisses(w io.Writer, rows []Row) {
	for i := range rows {
		r := &rows[i]
		sort.Strings(r.Misses)
		for _, m := range r.Misses {
			fmt.Fprintf(w, "miss  %s %s\n", r.File, m)
		}
		for _, m := range r.FalsePositives {
			fmt.Fprintf(w, "fp    %s %s\n", r.File, m)
		}
	}
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}
