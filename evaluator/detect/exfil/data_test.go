package exfil

import (
	"math/rand"
	"strings"
	"testing"
)

func TestIndexFoldRandom(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	alpha := "hHtTpP:/x"
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for j := r.Intn(30); j > 0; j-- {
			b.WriteByte(alpha[r.Intn(len(alpha))])
		}
		s := b.String()
		for _, sub := range []string{"http", "h", "tp:", "HTTP://"} {
			want := strings.Index(strings.ToLower(s), strings.ToLower(sub))
			if got := indexFold(s, sub); got != want {
				t.Fatalf("indexFold(%q, %q) = %d, want %d", s, sub, got, want)
			}
		}
	}
}
