// Package agent tells which AI agent or SDK made a request from its
// User-Agent header, so that security teams can see which agents are active
// and write rules per agent.
//
// Classification is a short ordered list of case-insensitive substring
// matches: agents are checked before the SDKs and HTTP libraries they are
// built on (Claude Code sends a User-Agent that also names the Anthropic
// SDK), and the first match wins.
package agent

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
)

// Unknown is the name of an agent no pattern recognises.
const Unknown = "unknown"

type pattern struct {
	name   string
	tokens []string // any one of these (lowercase) substrings identifies the agent
}

// patterns are checked in order; specific agents first, generic SDKs and
// HTTP libraries last.
var patterns = []pattern{
	{"claude-code", []string{"claude-cli", "claude-code", "claude code"}},
	{"codex", []string{"codex_cli", "codex-cli", "codex_exec", "codex_vscode", "codex/"}},
	{"cursor", []string{"cursor/", "cursor-agent"}},
	{"cline", []string{"cline/", "cline "}},
	{"roo-code", []string{"roo-code", "roocode", "roo code"}},
	{"kilo-code", []string{"kilo-code", "kilocode"}},
	{"aider", []string{"aider"}},
	{"continue", []string{"continue/", "continue-dev", "continuedev"}},
	{"gemini-cli", []string{"geminicli", "gemini-cli"}},
	{"copilot", []string{"githubcopilot", "copilot"}},
	{"windsurf", []string{"windsurf", "codeium"}},
	{"zed", []string{"zed/"}},
	{"opencode", []string{"opencode"}},
	{"goose", []string{"goose/"}},
	{"amp", []string{"amp/", "sourcegraph"}},
	{"openhands", []string{"openhands"}},
	{"langchain", []string{"langchain"}},
	{"llamaindex", []string{"llama-index", "llamaindex"}},
	{"crewai", []string{"crewai"}},
	{"autogen", []string{"autogen"}},
	{"litellm", []string{"litellm"}},
	{"vercel-ai-sdk", []string{"ai/", "ai-sdk/"}},
	{"openai-agents", []string{"openai-agents"}},
	{"anthropic-sdk", []string{"anthropic/", "anthropic-sdk", "anthropic-typescript", "anthropic-python"}},
	{"openai-sdk", []string{"openai/", "asyncopenai/", "openai-python", "openai-node", "openai-go"}},
	{"google-genai-sdk", []string{"google-genai-sdk", "genai-go", "google-genai", "gl-python", "gl-node"}},
	{"aws-sdk", []string{"aws-sdk", "boto3", "botocore"}},
	{"curl", []string{"curl/"}},
	{"python-requests", []string{"python-requests", "python-httpx", "aiohttp"}},
	{"go-http-client", []string{"go-http-client"}},
	{"node-fetch", []string{"node-fetch", "undici", "axios"}},
	{"browser", []string{"mozilla/"}},
}

// Classify returns the agent for a User-Agent header value.
func Classify(userAgent string) interaction.Agent {
	a := interaction.Agent{Name: Unknown, UserAgent: userAgent}
	if userAgent == "" {
		return a
	}
	lower := strings.ToLower(userAgent)
	for _, p := range patterns {
		for _, tok := range p.tokens {
			i := indexAtWordStart(lower, tok)
			if i < 0 {
				continue
			}
			a.Name = p.name
			a.Version = versionAfter(userAgent, i+len(tok))
			return a
		}
	}
	return a
}

// indexAtWordStart is strings.Index restricted to matches that do not start
// in the middle of a word, so that "ai/" matches "ai/5.0" but not "openai/".
func indexAtWordStart(s, tok string) int {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], tok)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || !isAlnum(s[i-1]) {
			return i
		}
		off = i + 1
	}
	return -1
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// versionAfter returns a version number that directly follows a token, as
// in "claude-cli/1.0.83" or "aider 0.86.1", or "" when there is none.
func versionAfter(s string, i int) string {
	if i < len(s) && (s[i] == '/' || s[i] == ' ' || s[i] == '-' || s[i] == '_') {
		i++
	}
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return ""
	}
	j := i
	for j < len(s) && (s[j] == '.' || s[j] == '-' || s[j] == '+' || (s[j] >= '0' && s[j] <= '9') ||
		(s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')) {
		j++
	}
	return strings.TrimRight(s[i:j], ".-+")
}

// Names lists every agent name Classify can return, for validating policy
// scopes.
func Names() []string {
	out := make([]string, 0, len(patterns)+1)
	for _, p := range patterns {
		out = append(out, p.name)
	}
	return append(out, Unknown)
}
