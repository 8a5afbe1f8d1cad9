// Package envoy holds Envoy bootstrap configurations that put sluice in
// front of LLM providers, ready to copy:
//
//   - openai.yaml: ext_proc in front of OpenAI, the smallest useful setup;
//   - providers.yaml: OpenAI, Anthropic and Gemini behind one listener, with
//     per-route streaming and failure_mode_allow shown both ways;
//   - ext-authz.yaml: the ext_authz variant (allow/deny only).
//
// They are embedded so the sluice binary can print them. The package tests
// parse every file into go-control-plane's Bootstrap, unpack every
// typed_config, run the generated validators and then check what Envoy
// itself rejects when it loads a configuration (unknown clusters, ext_proc
// full-duplex without trailers, ...), so a shipped configuration that Envoy
// would refuse fails the build.
package envoy

import "embed"

// Configs holds the bootstrap YAML files of this directory.
//
//go:embed *.yaml
var Configs embed.FS
