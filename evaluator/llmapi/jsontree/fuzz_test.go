package jsontree

import (
	"testing"
)

// FuzzParse checks that Parse never panics, agrees with encoding/json on
// what is JSON and what it means, and that every node's range holds it.
// Seeds are the hand-written cases plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		differential(t, b)
	})
}
