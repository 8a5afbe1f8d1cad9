package pii

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/cputime"
)

// agentRequest loads testdata/agent_request.txt, a made-up but realistic
// 16 KB coding-agent request (system prompt, tool schemas, git log, source,
// test output, a JSON API response, a lockfile, logs), split into segments
// at its "### <kind>" headers.
func agentRequest(t testing.TB, extraUserText string) *detect.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "agent_request.txt"))
	if err != nil {
		t.Fatal(err)
	}
	ix := &interaction.Interaction{API: "anthropic.messages"}
	turn := 0
	for _, part := range strings.Split(string(b), "### ")[1:] {
		kind, text, _ := strings.Cut(part, "\n")
		seg := interaction.Segment{Text: text, Kind: interaction.Kind(kind), Turn: turn, RawStart: -1, RawEnd: -1}
		switch seg.Kind {
		case interaction.KindText:
			seg.Role, seg.Trust, seg.Location = interaction.RoleUser, interaction.TrustUser, "messages[0].content"
			turn++
		case "system":
			seg.Kind, seg.Role, seg.Trust, seg.Location = interaction.KindText, interaction.RoleSystem, interaction.TrustOperator, "system"
		case interaction.KindToolDescription:
			seg.Location = "tools[0].description"
		default:
			seg.Role, seg.Location = interaction.RoleTool, "messages[1].content[0].content"
		}
		ix.AddSegment(seg)
	}
	if extraUserText != "" {
		ix.AddSegment(interaction.Segment{Text: extraUserText, Kind: interaction.KindText, Role: interaction.RoleUser,
			Trust: interaction.TrustUser, Location: "messages[2].content", RawStart: -1, RawEnd: -1})
	}
	return &detect.Input{IX: ix}
}

// piiSentence carries one value of each common entity.
const piiSentence = "Refund card 4532 0151 1283 0366 to IBAN DE81 3704 0044 0532 0130 47; " +
	"questions to jane.doe@fabrikam.io or +44 20 7946 0958; SSN 536-22-8417."

func TestAgentRequestIsClean(t *testing.T) {
	d, err := New(Config{IPAddresses: true})
	if err != nil {
		t.Fatal(err)
	}
	in := agentRequest(t, "")
	if fs := d.Detect(in, nil); len(fs) != 0 {
		for _, f := range fs {
			t.Errorf("unexpected %s at %s %q", f.Detector, f.Location, in.IX.Segments[f.Segment].Text[f.Start:f.End])
		}
	}
	in = agentRequest(t, piiSentence)
	fs := d.Detect(in, nil)
	if got := detectors(fs); got != "pii.credit_card,pii.iban,pii.email,pii.phone,pii.us_ssn" {
		t.Errorf("findings = %s", got)
	}
}

func BenchmarkDetect(b *testing.B) {
	d, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		extra string
	}{
		{"clean_16KB", ""},
		{"with_pii_16KB", piiSentence},
	} {
		in := agentRequest(b, bc.extra)
		size := 0
		for _, s := range in.IX.Segments {
			size += len(s.Text)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			var out []detect.Finding
			cpu0 := cputime.Process()
			for b.Loop() {
				out = d.Detect(in, out[:0])
			}
			// CPU time per op stays meaningful on a shared, loaded machine,
			// where wall time also counts waiting for a core.
			cputime.ReportSince(b, cpu0)
		})
	}
}
