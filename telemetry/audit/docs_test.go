package audit_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/telemetry/sink/es"
)

// TestDocs keeps docs/AUDIT.md true: its example is the golden record, and
// every field of the mapping (the record's schema) is documented.
func TestDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/AUDIT.md")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- golden: telemetry/audit/testdata/monitor_would_block.json -->\n```json\n"
	i := bytes.Index(doc, []byte(marker))
	if i < 0 {
		t.Fatal("docs/AUDIT.md has no golden example block")
	}
	rest := doc[i+len(marker):]
	example := rest[:bytes.Index(rest, []byte("```"))]
	golden, err := os.ReadFile("testdata/monitor_would_block.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(example, golden) {
		t.Error("the example in docs/AUDIT.md differs from testdata/monitor_would_block.json: copy the golden file in")
	}
	text := string(doc)
	for field, typ := range es.MappedFields() {
		if typ == "object" {
			continue
		}
		if !strings.Contains(text, "`"+field+"`") {
			t.Errorf("docs/AUDIT.md does not document the field %s", field)
		}
	}
}
