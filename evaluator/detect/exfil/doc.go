// Package exfil finds data leaving through an LLM conversation: URLs the
// model writes that carry data to a host outside the allowlist (a markdown
// image is fetched the moment the answer renders, so its query string is a
// zero-click channel), URL templates planted in untrusted content for the
// model to fill in, tool calls that send files, environment or secrets to
// the network (curl -d @~/.ssh/id_rsa, env | nc, DNS lookups of command
// output), calls to known exfiltration endpoints (request catchers,
// tunnels, paste sites), and the flow that ties an indirect injection to
// its payoff: untrusted content read earlier in the conversation followed
// by a call to a tool that sends data out.
//
// Shell commands are read through toolrisk's parser and payload extraction,
// so both families judge the same resolved commands.
package exfil
