package detect

import (
	"slices"
	"testing"
)

type testHit struct {
	rule string
	sev  Severity
	tag  string // tells equal hits apart
}

func strongest(hs []testHit) []testHit {
	return StrongestPerRule(hs,
		func(h *testHit) string { return h.rule },
		func(h *testHit) Severity { return h.sev })
}

func TestStrongestPerRule(t *testing.T) {
	hs := []testHit{
		{"a", SeverityLow, "a1"},
		{"b", SeverityHigh, "b1"},
		{"a", SeverityHigh, "a2"},
		{"c", SeverityMedium, "c1"},
		{"a", SeverityHigh, "a3"}, // as strong as a2: a2, seen first, stays
		{"b", SeverityMedium, "b2"},
	}
	in := slices.Clone(hs)
	got := strongest(hs)
	want := []testHit{{"a", SeverityHigh, "a2"}, {"b", SeverityHigh, "b1"}, {"c", SeverityMedium, "c1"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if !slices.Equal(hs, in) {
		t.Fatalf("input changed to %v", hs)
	}
	got[0].tag = "changed"
	if hs[0].tag != "a1" || hs[2].tag != "a2" {
		t.Fatal("result shares memory with the input")
	}
}

func TestStrongestPerRuleShort(t *testing.T) {
	if got := strongest(nil); got != nil {
		t.Fatalf("nil: got %v", got)
	}
	one := []testHit{{"a", SeverityLow, "a1"}}
	if got := strongest(one); len(got) != 1 || &got[0] != &one[0] {
		t.Fatalf("one hit: got %v, want the input itself", got)
	}
}

func TestStrongestPerRuleAllocs(t *testing.T) {
	hs := []testHit{{"a", SeverityLow, ""}, {"a", SeverityHigh, ""}, {"b", SeverityLow, ""}}
	if n := testing.AllocsPerRun(100, func() { strongest(hs) }); n > 2 {
		t.Fatalf("%v allocations per call, want at most 2 (the result growing)", n)
	}
}
