package agent

import "testing"

func TestClassify(t *testing.T) {
	tests := []struct {
		ua, name, version string
	}{
		{"claude-cli/1.0.83 (external, cli)", "claude-code", "1.0.83"},
		{"codex_cli_rs/0.20.0 (Mac OS 15.5.0; arm64)", "codex", ""},
		{"Cursor/1.4.5", "cursor", "1.4.5"},
		{"Cline/3.25.3", "cline", "3.25.3"},
		{"Roo-Code/3.26.0", "roo-code", "3.26.0"},
		{"Aider/0.86.1", "aider", "0.86.1"},
		{"Continue/1.1.0", "continue", "1.1.0"},
		{"GeminiCLI/0.1.22 (darwin; arm64)", "gemini-cli", "0.1.22"},
		{"GitHubCopilotChat/0.30.0", "copilot", ""},
		{"langchain-openai/0.3.1", "langchain", ""},
		{"OpenAI/Python 1.99.9", "openai-sdk", ""},
		{"Anthropic/Python 0.64.0", "anthropic-sdk", ""},
		{"AsyncOpenAI/Python 1.99.9", "openai-sdk", ""},
		{"curl/8.5.0", "curl", "8.5.0"},
		{"ai/5.0.12 ai-sdk/provider-utils/3.0.3", "vercel-ai-sdk", "5.0.12"},
		{"", "unknown", ""},
		{"my-homegrown-bot", "unknown", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.ua, func(t *testing.T) {
			got := Classify(tt.ua)
			if got.Name != tt.name || got.Version != tt.version || got.UserAgent != tt.ua {
				t.Fatalf("Classify(%q) = %+v, want name %q version %q", tt.ua, got, tt.name, tt.version)
			}
		})
	}
}

func TestNamesIncludesUnknown(t *testing.T) {
	names := Names()
	if names[len(names)-1] != Unknown {
		t.Fatalf("Names() last = %q, want %q", names[len(names)-1], Unknown)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Fatalf("duplicate agent name %q", n)
		}
		seen[n] = true
	}
}

func BenchmarkClassify(b *testing.B) {
	for b.Loop() {
		Classify("Mozilla/5.0 python-requests/2.32 my custom agent")
	}
}
