package normalize

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// benchText builds about n bytes by repeating parts.
func benchText(n int, parts ...string) string {
	var b strings.Builder
	for b.Len() < n {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	return b.String()
}

var (
	proseASCII = benchText(16<<10,
		"You are a coding assistant. Read the repository, run the tests with `go test ./...` and fix failures. ",
		"Keep changes small, explain each step, and never push to main without review.\n",
		"The build uses Go 1.22 on linux/amd64; see docs/CONTRIBUTING.md for the style guide. ")
	multilingual = benchText(16<<10,
		"Напиши функцию сортировки на Go и объясни её сложность. ",
		"请帮我写一个排序算法，并解释它的时间复杂度。",
		"मुझे इस कोड की समीक्षा करने में मदद करें। ",
		"Por favor, revisa este código y explica los errores. ")
	// typographic is English as people paste it: curly quotes, dashes,
	// an accented name. Nothing in it is changed by normalization.
	typographic = benchText(16<<10,
		"The client said “we’ll ship it Friday” — but the café’s Wi-Fi was down. ",
		"Renée’s notes – three bullets • one for each fix – are in the doc. ",
		"Please don’t rewrite the whole module; keep the diff small and reviewed.\n")
	encoded = benchText(16<<10,
		"Tool output: status ok, id 550e8400-e29b-41d4-a716-446655440000, sha e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
		"attachment "+base64.StdEncoding.EncodeToString([]byte("Quarterly numbers are attached; please review before Friday."))+"\n",
		"url https://example.com/search?q=hello%20world%20again\n")
)

func BenchmarkText(b *testing.B) {
	for _, bc := range []struct {
		name string
		s    string
	}{
		{"ascii_prose_16KB", proseASCII},
		{"typographic_prose_16KB", typographic},
		{"multilingual_16KB", multilingual},
		{"encoded_16KB", encoded},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.s)))
			b.ReportAllocs()
			for b.Loop() {
				Text(bc.s)
			}
		})
	}
}

// TestLinearTime guards against inputs that make a stage quadratic: each of
// these 256 KB texts must normalize well within a second even under -race.
func TestLinearTime(t *testing.T) {
	for name, s := range map[string]string{
		"percent_signs":   strings.Repeat("%4", 1<<17),
		"base64_alphabet": strings.Repeat("aB3+", 1<<16),
		"hex_pairs":       strings.Repeat("4a ", 87381),
		"escapes":         strings.Repeat(`\x4`, 87381),
		"refs":            strings.Repeat("&#1", 87381),
		"zero_widths":     strings.Repeat("a\u200b", 1<<16),
		"cyrillic_latin":  strings.Repeat("аb ", 1<<16),
		"lookalike_words": strings.Repeat("рор . ", 1<<15),
		"tags":            strings.Repeat("\U000E0041", 1<<16),
		"selectors":       strings.Repeat("\uFE01", 1<<16),
		"marker_words":    strings.Repeat("gur naq ", 1<<15),
		"leet_words":      strings.Repeat("h3llo ", 1<<15),
		"morse":           strings.Repeat(".- -... ", 1<<15),
		"binary":          strings.Repeat("01000001 ", 1<<15),
		"pig_latin":       strings.Repeat("ethay ouyay ", 1<<14),
		"caesar":          strings.Repeat("wkh dqg ", 1<<15),
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			Text(s)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Text took %v on %d bytes", d, len(s))
			}
		})
	}
}
