package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/sluicehq/sluice/internal/corpus"
)

func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"null", `null`, nil},
		{"true", ` true `, true},
		{"false", "\n\tfalse\r\n", false},
		{"integer", `-12`, json.Number("-12")},
		{"float_exponent", `1.5e-3`, json.Number("1.5e-3")},
		{"zero", `0`, json.Number("0")},
		{"string_plain", `"hello"`, "hello"},
		{"string_escapes", `"a\"b\\c\/d\b\f\n\r\t"`, "a\"b\\c/d\b\f\n\r\t"},
		{"string_unicode_escape", `"caf\u00e9 \u20ac"`, "café €"},
		{"surrogate_pair", `"\ud83d\ude00"`, "😀"},
		{"lone_high_surrogate", `"\ud83dx"`, "\uFFFDx"},
		{"lone_low_surrogate", `"\ude00"`, "\uFFFD"},
		{"high_then_high", `"\ud83d\ud83d\ude00"`, "\uFFFD😀"},
		{"high_then_bmp_escape", `"\ud83d\u0041"`, "\uFFFDA"},
		{"invalid_utf8", "\"a\xffb\"", "a\uFFFDb"},
		{"truncated_utf8", "\"a\xe2\x82\"", "a\uFFFD\uFFFD"},
		{"valid_utf8", `"日本語"`, "日本語"},
		{"empty_object", `{}`, map[string]any{}},
		{"empty_array", `[ ]`, []any{}},
		{"nested", `{"a":[1,{"b":null}],"c":"d"}`, map[string]any{"a": []any{json.Number("1"), map[string]any{"b": nil}}, "c": "d"}},
		{"duplicate_last_wins", `{"a":1,"a":2}`, map[string]any{"a": json.Number("2")}},
		{"case_variants_distinct", `{"a":1,"A":2}`, map[string]any{"a": json.Number("1"), "A": json.Number("2")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := ParseString(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := toAny(tr, 0); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			checkRanges(t, tr)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		offset int
		reason string
	}{
		{"empty", ``, 0, "unexpected end of input"},
		{"only_space", `   `, 3, "unexpected end of input"},
		{"garbage", `hello`, 0, "unexpected character"},
		{"trailing_comma_object", `{"a":1,}`, 7, "want object key string"},
		{"trailing_comma_array", `[1,]`, 3, "want value"},
		{"single_quotes", `{'a':1}`, 1, "want object key string"},
		{"comment", `{"a":1 // x` + "\n}", 7, "want ',' or '}'"},
		{"leading_zero", `01`, 1, "unexpected data after top-level value"},
		{"bare_minus", `-`, 1, "invalid number"},
		{"dot_no_digit", `1.`, 2, "want digit after decimal point"},
		{"exp_no_digit", `1e+`, 3, "want digit in exponent"},
		{"control_char", "\"a\nb\"", 2, "control character in string"},
		{"bad_escape", `"a\x"`, 2, "invalid escape"},
		{"bad_unicode_escape", `"\u12G4"`, 1, "invalid \\u escape"},
		{"unterminated_string", `"abc`, 4, "unexpected end of input in string"},
		{"unterminated_object", `{"a":1`, 6, "want ',' or '}'"},
		{"missing_colon", `{"a" 1}`, 5, "want ':'"},
		{"two_values", `{} {}`, 3, "unexpected data after top-level value"},
		{"bad_literal", `tru`, 3, "unexpected end of input in literal"},
		{"bad_literal_mid", `nul1`, 0, "invalid literal"},
		{"bom", "\xef\xbb\xbf{}", 0, "unexpected character"},
		{"nan", `NaN`, 0, "unexpected character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseString(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.Offset != tt.offset || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("got offset %d reason %q, want offset %d reason containing %q", se.Offset, se.Reason, tt.offset, tt.reason)
			}
			if json.Valid([]byte(tt.in)) {
				t.Errorf("encoding/json accepts %q", tt.in)
			}
		})
	}
}

func TestErrorHoldsNoContent(t *testing.T) {
	secret := "sk-live-0123456789abcdefSECRET"
	for _, in := range []string{
		`{"key":"` + secret + `"` + " x}",
		`{"key":"` + secret + "\x01\"}",
		`[` + secret + `]`,
		`{"` + secret + `" "v"}`,
	} {
		_, err := ParseString(in)
		if err == nil {
			t.Fatalf("no error for %q", in)
		}
		if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "sk-") {
			t.Errorf("error %q leaks content", err)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	if _, err := ParseString(deep(DefaultMaxDepth)); err != nil {
		t.Fatalf("depth %d: %v", DefaultMaxDepth, err)
	}
	_, err := ParseString(deep(DefaultMaxDepth + 1))
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("depth %d: err = %v, want ErrTooDeep", DefaultMaxDepth+1, err)
	}
	if err := (Parser{MaxDepth: 3}).ParseInto(new(Tree), `{"a":{"b":{"c":1}}}`); err != nil {
		t.Errorf("depth 3 within limit 3: %v", err)
	}
	if err := (Parser{MaxDepth: 3}).ParseInto(new(Tree), `{"a":{"b":{"c":[]}}}`); !errors.Is(err, ErrTooDeep) {
		t.Errorf("depth 4 over limit 3: err = %v", err)
	}
}

func TestAnomalies(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []Anomaly // Object is ignored
		shadowed []string  // paths of members flagged Shadowed
	}{
		{
			name: "none",
			in:   `{"messages":[{"role":"user","content":"hi"}],"model":"m"}`,
		},
		{
			name:     "duplicate_at_root",
			in:       `{"model":"a","messages":[],"model":"b"}`,
			want:     []Anomaly{{Path: "$", Key: "model", Kind: DuplicateKey}},
			shadowed: []string{"model"},
		},
		{
			name:     "triple_duplicate_reported_once",
			in:       `{"a":1,"a":2,"a":3}`,
			want:     []Anomaly{{Path: "$", Key: "a", Kind: DuplicateKey}},
			shadowed: []string{"a", "a"},
		},
		{
			name: "case_variant_nested",
			in:   `{"messages":[{"role":"user","content":"x","Content":"y"}]}`,
			want: []Anomaly{{Path: "messages[0]", Key: "content", Kind: CaseVariantKey}},
		},
		{
			name: "case_variant_group_reported_once",
			in:   `{"messages":1,"Messages":2,"MESSAGES":3}`,
			want: []Anomaly{{Path: "$", Key: "messages", Kind: CaseVariantKey}},
		},
		{
			name:     "both_kinds",
			in:       `{"x":{"role":"a","Role":"b","role":"c"}}`,
			want:     []Anomaly{{Path: "x", Key: "role", Kind: CaseVariantKey}, {Path: "x", Key: "role", Kind: DuplicateKey}},
			shadowed: []string{"x.role"},
		},
		{
			name: "unicode_fold",
			in:   `{"k":1,"\u212a":2}`,
			want: []Anomaly{{Path: "$", Key: "k", Kind: CaseVariantKey}},
		},
		{
			name:     "odd_key_path",
			in:       `{"a.b":{"z":1,"z":2}}`,
			want:     []Anomaly{{Path: `["a.b"]`, Key: "z", Kind: DuplicateKey}},
			shadowed: []string{`["a.b"].z`},
		},
		{
			name:     "large_object",
			in:       largeObject(40, `"k7":"again","K9":"case"`),
			want:     []Anomaly{{Path: "$", Key: "k7", Kind: DuplicateKey}, {Path: "$", Key: "k9", Kind: CaseVariantKey}},
			shadowed: []string{"k7"},
		},
		{
			name:     "escaped_key_equal_after_decoding",
			in:       `{"ab":1,"a\u0062":2}`,
			want:     []Anomaly{{Path: "$", Key: "ab", Kind: DuplicateKey}},
			shadowed: []string{"ab"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := ParseString(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := append([]Anomaly(nil), tr.Anomalies...)
			for i := range got {
				got[i].Object = 0
			}
			if len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
				t.Errorf("anomalies = %+v, want %+v", got, tt.want)
			}
			var shadowed []string
			for i := range tr.Nodes {
				if tr.Nodes[i].Flags&Shadowed != 0 {
					shadowed = append(shadowed, tr.Path(int32(i)))
				}
			}
			if !reflect.DeepEqual(shadowed, tt.shadowed) {
				t.Errorf("shadowed = %q, want %q", shadowed, tt.shadowed)
			}
		})
	}
}

func largeObject(n int, extra string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + string(rune('0'+i%10)) + strings.Repeat("x", i/10) + `":` + "1")
	}
	b.WriteString("," + extra + "}")
	return b.String()
}

func TestGetAndPath(t *testing.T) {
	src := `{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"model":"a","model":"b","odd key":[true]}`
	tr, err := ParseString(src)
	if err != nil {
		t.Fatal(err)
	}
	msgs := tr.Get(0, "messages")
	m0 := tr.First(msgs)
	content := tr.Get(m0, "content")
	text := tr.Get(tr.First(content), "text")
	if got := tr.Str(text); got != "hi" {
		t.Errorf("text = %q", got)
	}
	if got := tr.Path(text); got != "messages[0].content[0].text" {
		t.Errorf("path = %q", got)
	}
	if got := tr.GetStr(0, "model"); got != "b" {
		t.Errorf("model = %q, want last value", got)
	}
	odd := tr.Get(0, "odd key")
	if got := tr.Path(tr.First(odd)); got != `["odd key"][0]` {
		t.Errorf("odd path = %q", got)
	}
	if tr.Get(0, "Messages") != -1 {
		t.Error("Get matched a case variant")
	}
	if got := tr.Raw(text); got != `"hi"` {
		t.Errorf("raw = %q", got)
	}
}

func TestUnescapedStringsShareSource(t *testing.T) {
	src := `{"a":"plain text","b":"esc\naped"}`
	tr, err := ParseString(src)
	if err != nil {
		t.Fatal(err)
	}
	a := tr.Get(0, "a")
	if tr.Nodes[a].Flags&Copied != 0 {
		t.Error("plain string marked Copied")
	}
	if s := tr.Nodes[a].Str; !sameMemory(s, src) {
		t.Error("plain string is not a substring of the source")
	}
	if b := tr.Get(0, "b"); tr.Nodes[b].Flags&Copied == 0 {
		t.Error("escaped string not marked Copied")
	}
}

// sameMemory reports whether sub lies inside s's bytes (not a copy).
func sameMemory(sub, s string) bool {
	p := uintptr(unsafe.Pointer(unsafe.StringData(sub)))
	b := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return p >= b && p+uintptr(len(sub)) <= b+uintptr(len(s))
}

// TestParseIntoKeepsStrings checks that decoded strings of one parse
// survive a later parse into the same tree, unless Reuse is set.
func TestParseIntoKeepsStrings(t *testing.T) {
	var tr Tree
	if err := (Parser{}).ParseInto(&tr, `{"a":"x\ny","b":"caf\u00e9"}`); err != nil {
		t.Fatal(err)
	}
	a, b := tr.GetStr(0, "a"), tr.GetStr(0, "b")
	if err := (Parser{}).ParseInto(&tr, `{"c":"zz\tzzzzzzzzzzzzzz","d":"\u20ac\u20ac\u20ac"}`); err != nil {
		t.Fatal(err)
	}
	if a != "x\ny" || b != "café" {
		t.Errorf("earlier strings changed: %q %q", a, b)
	}
	if tr.GetStr(0, "c") != "zz\tzzzzzzzzzzzzzz" || tr.GetStr(0, "d") != "€€€" {
		t.Errorf("new strings wrong")
	}
}

// TestDifferentialCorpus checks every JSON wire sample and every
// chunks-jsonl line against encoding/json.
func TestDifferentialCorpus(t *testing.T) {
	n := 0
	err := filepath.WalkDir(corpus.WirePath(""), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(path, ".json"):
			differential(t, b)
			n++
		case strings.HasSuffix(path, ".jsonl"):
			for _, line := range bytes.Split(b, []byte("\n")) {
				if len(bytes.TrimSpace(line)) > 0 {
					differential(t, line)
					n++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 500 {
		t.Fatalf("only %d documents checked", n)
	}
}

func TestDifferentialHandWritten(t *testing.T) {
	for _, in := range fuzzSeeds {
		differential(t, []byte(in))
	}
}

// differential parses b with both parsers and fails on any disagreement:
// acceptance, decoded values, and that every node's range holds its value.
func differential(t *testing.T, b []byte) {
	t.Helper()
	sameAsReference(t, b)
	tr, err := Parse(b)
	valid := json.Valid(b)
	if errors.Is(err, ErrTooDeep) {
		return
	}
	if (err == nil) != valid {
		t.Fatalf("jsontree err = %v, encoding/json valid = %v, input %q", err, valid, clip(b))
	}
	if err != nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	if got := toAny(tr, 0); !reflect.DeepEqual(got, want) {
		t.Fatalf("values differ for %q\n got %#v\nwant %#v", clip(b), got, want)
	}
	checkRanges(t, tr)
}

func checkRanges(t *testing.T, tr *Tree) {
	t.Helper()
	src := tr.Src()
	for i := range tr.Nodes {
		n := &tr.Nodes[i]
		raw := src[n.Start:n.End]
		var v any
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(raw)) {
			t.Fatalf("node %d (%s) range %d..%d does not hold one value: %v", i, n.Kind, n.Start, n.End, err)
		}
		if n.Kind == String && v != n.Str {
			t.Fatalf("node %d literal decodes to %q, Str is %q", i, v, n.Str)
		}
		if n.KeyStart >= 0 {
			var k string
			if err := json.Unmarshal([]byte(src[n.KeyStart:n.KeyEnd]), &k); err != nil || k != n.Key {
				t.Fatalf("node %d key literal decodes to %q (%v), Key is %q", i, k, err, n.Key)
			}
		}
	}
}

func clip(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// toAny converts node i to the values encoding/json produces with UseNumber.
func toAny(t *Tree, i int32) any {
	n := &t.Nodes[i]
	switch n.Kind {
	case Null:
		return nil
	case True:
		return true
	case False:
		return false
	case Number:
		return json.Number(n.Str)
	case String:
		return n.Str
	case Array:
		out := make([]any, 0, n.Len)
		for c := t.First(i); c >= 0; c = t.Next(c) {
			out = append(out, toAny(t, c))
		}
		return out
	case Object:
		out := make(map[string]any, n.Len)
		for c := t.First(i); c >= 0; c = t.Next(c) {
			out[t.Nodes[c].Key] = toAny(t, c)
		}
		return out
	}
	panic("bad kind")
}

var fuzzSeeds = []string{
	`{}`, `[]`, `null`, `0`, `-0.5e+10`, `"x"`, `""`,
	`{"a":1,"a":2,"A":3}`,
	`{"messages":[{"role":"user","content":"hello \u00e9 \ud83d\ude00"}],"stream":true}`,
	`[1,[2,[3,[4]]],{"k":{"k":{"k":null}}}]`,
	"\"bad \xff utf8\"",
	`"\ud800\ud800\udc00"`,
	`{"a" : [ true , false , null ] , "b" : { } }`,
	` [ "\/\b\f\n\r\t\"\\" ] `,
	`{"a":1,}`, `[1,]`, `{"a"}`, `{1:2}`, `"\u00"`, `tru`, `1e`, `-`, `01`, `[`, `]`, `{"a":"b`,
	"{\"a\":\"\x00\"}",
}

// TestSkipPlain checks the word-at-a-time scan stops exactly at every kind
// of byte that needs a closer look, at every position in a word, and runs
// to the end over plain bytes.
func TestSkipPlain(t *testing.T) {
	for _, special := range []byte{'"', '\\', 0x00, 0x1f, 0x80, 0xc3, 0xff} {
		for pos := 0; pos < 24; pos++ {
			b := []byte(strings.Repeat("abcdefgh", 3))
			b[pos] = special
			for from := 0; from <= pos; from++ {
				if got := skipPlain(string(b), from); got != pos {
					t.Errorf("special %#x at %d, from %d: stopped at %d", special, pos, from, got)
				}
			}
		}
	}
	for _, plainByte := range []byte{' ', '!', '#', '[', ']', '~', 0x7f, 'A', '0'} {
		for n := 0; n < 20; n++ {
			b := strings.Repeat(string([]byte{plainByte}), n)
			if got := skipPlain(b, 0); got != n {
				t.Errorf("plain %#x x %d: stopped at %d", plainByte, n, got)
			}
		}
	}
}

// sameAsReference parses b with the first version of the parser
// (reference_test.go) and with this one, fresh and into a tree that held
// another document, and fails unless the trees and errors are identical.
func sameAsReference(t *testing.T, b []byte) {
	t.Helper()
	want, werr := refParse(b)
	got, gerr := Parse(b)
	sameResult(t, b, want, werr, got, gerr)
	reused := reusedTree(t)
	rerr := (Parser{Reuse: true}).ParseInto(reused, string(b))
	if rerr != nil {
		reused = nil
	}
	sameResult(t, b, want, werr, reused, rerr)
}

// reusedTree returns a tree that holds a document with escapes and
// anomalies, so that stale storage would show.
func reusedTree(t *testing.T) *Tree {
	t.Helper()
	var tr Tree
	doc := `{"k":"v\n","K":[1,2,{"x":"\u00e9","x":null}],"z":"` + strings.Repeat(`a\\`, 300) + `"}`
	if err := (Parser{Reuse: true}).ParseInto(&tr, doc); err != nil {
		t.Fatal(err)
	}
	return &tr
}

func sameResult(t *testing.T, b []byte, want *Tree, werr error, got *Tree, gerr error) {
	t.Helper()
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("reference err = %v, got %v, input %q", werr, gerr, clip(b))
	}
	if werr != nil {
		var we, ge *SyntaxError
		if !errors.As(werr, &we) || !errors.As(gerr, &ge) || *we != *ge {
			t.Fatalf("reference err = %v, got %v, input %q", werr, gerr, clip(b))
		}
		return
	}
	if want.Strings != got.Strings || len(want.Nodes) != len(got.Nodes) || len(want.Anomalies) != len(got.Anomalies) {
		t.Fatalf("reference: %d nodes, %d strings, %d anomalies; got %d, %d, %d; input %q",
			len(want.Nodes), want.Strings, len(want.Anomalies), len(got.Nodes), got.Strings, len(got.Anomalies), clip(b))
	}
	for i := range want.Nodes {
		if want.Nodes[i] != got.Nodes[i] {
			t.Fatalf("node %d: reference %+v, got %+v, input %q", i, want.Nodes[i], got.Nodes[i], clip(b))
		}
	}
	for i := range want.Anomalies {
		if want.Anomalies[i] != got.Anomalies[i] {
			t.Fatalf("anomaly %d: reference %+v, got %+v, input %q", i, want.Anomalies[i], got.Anomalies[i], clip(b))
		}
	}
}

// TestPathSteps checks identifier detection against its definition for
// every string of one or two bytes, and index steps around the one-digit
// fast path.
func TestPathSteps(t *testing.T) {
	def := func(s string) bool {
		if s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '_' || c == '$' || c == '-' && i > 0 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
				continue
			}
			return false
		}
		return true
	}
	for a := 0; a < 256; a++ {
		if s := string([]byte{byte(a)}); isIdent(s) != def(s) {
			t.Errorf("isIdent(%q) = %v", s, !def(s))
		}
		for b := 0; b < 256; b++ {
			if s := string([]byte{byte(a), byte(b)}); isIdent(s) != def(s) {
				t.Errorf("isIdent(%q) = %v", s, !def(s))
			}
		}
	}
	for _, tt := range []struct {
		i    int
		want string
	}{{-1, "[-1]"}, {0, "[0]"}, {9, "[9]"}, {10, "[10]"}, {123, "[123]"}} {
		t.Run(tt.want, func(t *testing.T) {
			if got := string(AppendIndex([]byte("a"), tt.i)); got != "a"+tt.want {
				t.Errorf("AppendIndex(%d) = %q", tt.i, got)
			}
		})
	}
}

// TestSameAsReferenceKeys compares with the first parser on random objects
// whose keys repeat, differ only in case (ASCII and not: K, k and the
// Kelvin sign fold together) or have escapes, from one member to more than
// the 32 the pairwise check handles, nested.
func TestSameAsReferenceKeys(t *testing.T) {
	keys := []string{"a", "A", "b", "ab", "aB", "type", "Type", "TYPE", "k", "K", "\u212a", `\u212a`, `\u0041`, "é", "É", "long_key_name", "LONG_KEY_NAME", ""}
	rng := rand.New(rand.NewPCG(5, 6))
	var obj func(depth int) string
	obj = func(depth int) string {
		n := rng.IntN(6)
		if rng.IntN(4) == 0 {
			n = 30 + rng.IntN(10)
		}
		var b strings.Builder
		b.WriteByte('{')
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + keys[rng.IntN(len(keys))] + `":`)
			if depth < 3 && rng.IntN(5) == 0 {
				b.WriteString(obj(depth + 1))
			} else {
				b.WriteString(`"v"`)
			}
		}
		b.WriteByte('}')
		return b.String()
	}
	for i := 0; i < 2000; i++ {
		sameAsReference(t, []byte(obj(0)))
	}
}
