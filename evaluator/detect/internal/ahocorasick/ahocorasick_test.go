package ahocorasick

import (
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// naive is the reference: every (id, start) where the pattern occurs.
func naive(ps []Pattern, text string) []Match {
	var out []Match
	for end := 1; end <= len(text); end++ {
		for id, p := range ps {
			start := end - len(p.Text)
			if start < 0 {
				continue
			}
			seg := text[start:end]
			if seg == p.Text || (p.FoldCase && strings.EqualFold(seg, p.Text) && asciiOnly(seg)) {
				out = append(out, Match{ID: id, Start: start, End: end})
			}
		}
	}
	return out
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func sortMatches(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		if a.End != b.End {
			return a.End - b.End
		}
		return a.ID - b.ID
	})
}

func TestMatchesTable(t *testing.T) {
	tests := []struct {
		name string
		pats []Pattern
		text string
		want []Match
	}{
		{"overlapping", []Pattern{{Text: "he"}, {Text: "she"}, {Text: "his"}, {Text: "hers"}}, "ushers",
			[]Match{{0, 2, 4}, {1, 1, 4}, {3, 2, 6}}},
		{"fold", []Pattern{{Text: "akia", FoldCase: true}}, "x AKIA y akIa",
			[]Match{{0, 2, 6}, {0, 9, 13}}},
		{"mixed case sensitivity", []Pattern{{Text: "AKIA"}, {Text: "token", FoldCase: true}}, "akia AKIA TOKEN",
			[]Match{{0, 5, 9}, {1, 10, 15}}},
		{"duplicates", []Pattern{{Text: "ab"}, {Text: "ab"}}, "ab",
			[]Match{{0, 0, 2}, {1, 0, 2}}},
		{"no match", []Pattern{{Text: "ghp_"}}, "nothing here", nil},
		{"repeated", []Pattern{{Text: "aa"}}, "aaaa", []Match{{0, 0, 2}, {0, 1, 3}, {0, 2, 4}}},
		{"non ascii bytes", []Pattern{{Text: "é", FoldCase: true}}, "café É", []Match{{0, 3, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Compile(tt.pats)
			if err != nil {
				t.Fatal(err)
			}
			got := m.AppendMatches(nil, tt.text)
			sortMatches(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	alphabet := "abcABC_-xyz"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		return string(b)
	}
	for round := 0; round < 600; round++ {
		// Even rounds have only patterns of two bytes or more, which
		// enables the start-state skip; odd rounds may include one-byte
		// patterns, which disable it.
		minLen := 1 + (round+1)%2
		var ps []Pattern
		for i := 0; i < 1+r.Intn(12); i++ {
			ps = append(ps, Pattern{Text: word(minLen + r.Intn(5)), FoldCase: r.Intn(2) == 0})
		}
		text := word(r.Intn(200))
		m, err := Compile(ps)
		if err != nil {
			t.Fatal(err)
		}
		got := m.AppendMatches(nil, text)
		want := naive(ps, text)
		sortMatches(got)
		sortMatches(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: patterns %v text %q:\n got %v\nwant %v", round, ps, text, got, want)
		}
	}
}

func TestErrorsAndAccessors(t *testing.T) {
	if _, err := Compile(nil); err == nil {
		t.Error("no patterns: want error")
	}
	if _, err := New([]string{"a", ""}, false); err == nil {
		t.Error("empty pattern: want error")
	}
	m, err := New([]string{"alpha", "beta"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if m.NumPatterns() != 2 || m.Pattern(1) != "beta" {
		t.Errorf("accessors: %d %q", m.NumPatterns(), m.Pattern(1))
	}
	if !m.Contains("xx BETA") || m.Contains("gamma") {
		t.Error("Contains")
	}
	n := 0
	m.Scan("alpha beta alpha", func(Match) bool { n++; return false })
	if n != 1 {
		t.Errorf("early stop: %d calls", n)
	}
}

func TestAllByteValues(t *testing.T) {
	// 256 distinct pattern bytes overflow the class table; the matcher must
	// fall back to one class per byte and still be correct.
	var ps []Pattern
	for b := 0; b < 256; b++ {
		ps = append(ps, Pattern{Text: string([]byte{byte(b), 'k'})})
	}
	m, err := Compile(ps)
	if err != nil {
		t.Fatal(err)
	}
	got := m.AppendMatches(nil, "\x00k\xffk")
	want := []Match{{0, 0, 2}, {255, 2, 4}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v want %v", got, want)
	}
}

func TestScanAllocs(t *testing.T) {
	m, err := New(benchWords, true)
	if err != nil {
		t.Fatal(err)
	}
	text := benchText()
	buf := make([]Match, 0, 4096)
	allocs := testing.AllocsPerRun(20, func() {
		buf = m.AppendMatches(buf[:0], text)
	})
	if allocs != 0 {
		t.Errorf("AppendMatches allocated %.1f times per scan", allocs)
	}
}

var benchWords = strings.Fields(`akia asia ghp_ gho_ ghu_ ghs_ ghr_ github_pat_ glpat- xoxb- xoxp- xapp-
sk_live_ rk_live_ sk_test_ whsec_ sk-proj- sk-ant- hf_ gsk_ r8_ pplx- xai- sg. key- shpat_ nrak-
atatt3 ntn_ lin_api_ figd_ pmak- dp.pt. npm_ pypi- dckr_pat_ rubygems_ hvs. atlasv1 dop_v1_ dapi
glc_ glsa_ -----begin eyj :// password passwd secret token api_key apikey credential authorization bearer`)

func benchText() string {
	var b strings.Builder
	line := "The agent read the file and ran `go test ./...` which printed ok for every package; the user then asked to summarise. "
	for b.Len() < 16<<10 {
		b.WriteString(line)
	}
	return b.String()
}

func BenchmarkScan16K(b *testing.B) {
	m, err := New(benchWords, true)
	if err != nil {
		b.Fatal(err)
	}
	text := benchText()
	buf := make([]Match, 0, 4096)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		buf = m.AppendMatches(buf[:0], text)
	}
}
