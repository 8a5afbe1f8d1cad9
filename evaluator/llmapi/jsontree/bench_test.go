package jsontree

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/sluicehq/sluice/internal/corpus"
)

// benchBody is a ~16 KB pretty-printed Anthropic tool-loop request.
func benchBody(b *testing.B) []byte {
	body, err := os.ReadFile(corpus.WirePath("anthropic-messages/sdkpy-test-messages-testasyncparse-d743d628-2.request.json"))
	if err != nil {
		b.Fatal(err)
	}
	for len(body) < 16<<10 {
		// Grow by nesting copies so the shape stays realistic.
		body = append(append(append([]byte(`{"a":`), body...), `,"b":`...), append(body, '}')...)
	}
	return body
}

func BenchmarkParse(b *testing.B) {
	body := benchBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseInto reuses the tree: the only allocation left is the
// string conversion of the body plus escaped strings.
func BenchmarkParseInto(b *testing.B) {
	body := benchBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var t Tree
	for b.Loop() {
		if err := (Parser{}).ParseInto(&t, string(body)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSON is the reference: encoding/json into any.
func BenchmarkEncodingJSON(b *testing.B) {
	body := benchBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}
