package exfil

import (
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/detect/toolrisk"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// sinkVerbs are name parts of tools that send what they are given to
// someone else (send_email, slack_post_message, reply_to_thread).
var sinkVerbs = map[string]bool{
	"send": true, "post": true, "reply": true, "forward": true, "publish": true, "share": true, "upload": true,
	"submit": true, "notify": true, "comment": true, "tweet": true, "webhook": true, "email": true, "mail": true,
	"sendmail": true, "postmessage": true, "sms": true, "dm": true, "broadcast": true, "transfer": true, "exfiltrate": true,
}

// createObjects are what a create_/add_ tool makes public or sends (an
// issue, a comment, a gist, a pull request).
var createObjects = map[string]bool{
	"issue": true, "comment": true, "gist": true, "pr": true, "pull": true, "discussion": true, "review": true,
	"message": true, "post": true, "tweet": true, "page": true, "note": true, "email": true, "draft": true, "event": true,
}

// readParts make a tool a reader even when a sink word follows
// (get_posts, list_comments, search_email).
var readParts = map[string]bool{
	"get": true, "list": true, "read": true, "search": true, "fetch": true, "find": true, "view": true, "show": true,
	"query": true, "lookup": true, "describe": true, "download": true, "check": true, "count": true, "watch": true,
}

// sinkName reports whether a tool's name says it sends data out.
func sinkName(name string) bool {
	n := strings.ToLower(name)
	if i := strings.LastIndex(n, "__"); i >= 0 {
		n = n[i+2:]
	}
	parts := strings.FieldsFunc(n, func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == ':' || r == '/' || r == ' ' })
	for i, p := range parts {
		if readParts[p] {
			return false
		}
		if sinkVerbs[p] {
			return true
		}
		if (p == "create" || p == "add" || p == "open" || p == "new" || p == "write") && i+1 < len(parts) && createObjects[parts[i+1]] {
			return true
		}
	}
	return false
}

// isSinkCall reports whether a call to a tool that is not a shell sends
// data outside: a sink by name or configuration, or an HTTP tool sending a
// body, using a method other than GET, or carrying data in its URL.
func (d *Detector) isSinkCall(call *interaction.ToolCall) bool {
	if d.sinkTools.Match(call.Name) || sinkName(call.Name) {
		return true
	}
	if !d.httpTools.Match(call.Name) {
		return false
	}
	for k, v := range call.Args {
		lk := strings.ToLower(k)
		switch lk {
		case "method", "http_method", "verb":
			if m, ok := v.(string); ok {
				switch strings.ToUpper(m) {
				case "", "GET", "HEAD", "OPTIONS":
				default:
					return true
				}
			}
		case "body", "data", "json", "payload", "form", "files", "file", "content", "params", "query_params":
			if v != nil && v != "" {
				return true
			}
		}
	}
	sink := false
	walkStrings(call.Args, 0, func(key, v string) {
		if sink || !urlKeys[strings.ToLower(key)] {
			return
		}
		if host, path, query, ok := urlParts(v); ok {
			if c := d.classify(host, path); c != hostAllowed && c != hostLocal && urlData("", query)&(dataSecret|dataEmail|dataEncodedText|dataText|dataBlob) != 0 {
				sink = true
			}
		}
	})
	return sink
}

// untrustedKinds are the segment kinds whose untrusted text can carry an
// indirect injection into the conversation. Tool descriptions are left
// out: they precede every call, and tool poisoning is judged elsewhere.
func untrustedContent(s *interaction.Segment) bool {
	if s.Trust != interaction.TrustUntrusted || s.Turn < 0 {
		return false
	}
	switch s.Kind {
	case interaction.KindToolResult, interaction.KindDocument, interaction.KindText, interaction.KindOther, interaction.KindMedia:
		return len(s.Text) >= 16
	}
	return false
}

// flow reports calls to sinks made after untrusted content entered the
// conversation: the step where an indirect prompt injection pays off,
// even when the read and the send each look benign.
func (d *Detector) flow(in *detect.Input, first int, sinks []bool, out []detect.Finding) []detect.Finding {
	ix := in.IX
	for ci := range ix.ToolCalls {
		call := &ix.ToolCalls[ci]
		if !sinks[ci] || call.Turn <= first {
			continue
		}
		src := -1
		for i := range ix.Segments {
			s := &ix.Segments[i]
			if untrustedContent(s) && s.Turn < call.Turn && (src < 0 || s.Turn < ix.Segments[src].Turn) {
				src = i
			}
		}
		if src < 0 {
			continue
		}
		s, reason, needle := detect.SeverityMedium, "sends data out after reading untrusted content", ""
		if dest := d.planted(ix, call); dest != "" {
			s, reason, needle = detect.SeverityHigh, "sends data to a destination named in untrusted content read earlier", dest
		} else if argsCarrySecret(call) {
			s, reason = detect.SeverityHigh, "sends a credential out after reading untrusted content"
		}
		seg, start, end := toolrisk.Locate(ix, call, needle)
		loc := call.Location
		if seg >= 0 {
			loc = ix.Segments[seg].Location
		} else if loc == "" {
			loc = "tool_calls[" + strconv.Itoa(ci) + "]"
		}
		from := ix.Segments[src]
		ev := string(from.Kind) + " (turn " + strconv.Itoa(from.Turn) + ") then " + call.Name + " (turn " + strconv.Itoa(call.Turn) + ")"
		out = append(out, detect.Finding{
			Category: detect.CategoryExfiltration, Detector: Family + "." + ruleUntrustedToSink, Severity: s,
			Confidence: confidence(s), Segment: seg, Location: loc, Start: start, End: end,
			Evidence: detect.Excerpt(ev), Reason: reason,
		})
	}
	return out
}

// destKeys name the recipient or destination of a sink call.
var destKeys = map[string]bool{
	"to": true, "cc": true, "bcc": true, "recipient": true, "recipients": true, "email": true, "address": true, "channel": true,
	"channel_id": true, "chat_id": true, "user": true, "username": true, "repo": true, "repository": true, "owner": true,
	"url": true, "uri": true, "endpoint": true, "webhook": true, "webhook_url": true, "host": true, "phone": true, "number": true,
	"destination": true, "target": true, "room": true, "conversation": true,
}

// planted returns a destination of the call (a recipient, a URL host, a
// repository) that appears in untrusted content before the call: the
// attacker named where the data should go.
func (d *Detector) planted(ix *interaction.Interaction, call *interaction.ToolCall) string {
	var dests []string
	walkStrings(call.Args, 0, func(key, v string) {
		if destKeys[strings.ToLower(key)] {
			dests = append(dests, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })...)
		}
		for _, w := range strings.Fields(v) {
			if looksEmail(w) {
				dests = append(dests, strings.Trim(w, "<>\"'(),;"))
			}
		}
		for _, l := range findLinks(v, nil) {
			if host, path, _, ok := urlParts(l.url); ok {
				if c := d.classify(host, path); c != hostAllowed && c != hostLocal {
					dests = append(dests, host)
				}
			}
		}
	})
	for _, dest := range dests {
		if len(dest) < 6 {
			continue
		}
		ld := strings.ToLower(dest)
		for i := range ix.Segments {
			s := &ix.Segments[i]
			if untrustedContent(s) && s.Turn < call.Turn && indexFold(s.Text, ld) >= 0 {
				return dest
			}
		}
	}
	return ""
}

func argsCarrySecret(call *interaction.ToolCall) bool {
	found := false
	walkStrings(call.Args, 0, func(_, v string) {
		if found {
			return
		}
		if len(v) > 8192 {
			v = v[:8192]
		}
		for _, w := range strings.Fields(v) {
			if looksSecret(w) {
				found = true
				return
			}
		}
	})
	return found
}

// Code-level network sends and reads of secrets.
var (
	codeSends = []string{"requests.post", "requests.put", "requests.patch", "httpx.post", "httpx.put", "urlopen(", "urllib.request.request(",
		"http.client", "smtplib", "ftplib", "sendall(", ".send(", "socket.socket", "axios.post", "axios.put", "fetch(", "xmlhttprequest",
		"net.webclient", "uploadfile", "uploadstring", "invoke-webrequest", "invoke-restmethod", "paramiko", "upload_file", "put_object"}
	codeEnvDump = []string{"dict(os.environ)", "os.environ.copy()", "json.dumps(os.environ", "str(os.environ", "os.environ)", "os.environ.items()",
		"json.stringify(process.env)", "process.env)", "get-childitem env:", "gci env:", "[environment]::getenvironmentvariables"}
)

// codeExfil judges a program: it sends when it makes outbound requests
// with data, and leaks when it also reads a credential file or dumps the
// environment.
func codeExfil(text string) ([]hit, bool) {
	lt := strings.ToLower(text)
	sends := false
	for _, m := range codeSends {
		if strings.Contains(lt, m) {
			sends = true
			break
		}
	}
	if !sends {
		return nil, false
	}
	what := ""
	for _, m := range codeEnvDump {
		if strings.Contains(lt, m) {
			what = "the environment"
			break
		}
	}
	if what == "" {
		what = sensitiveLiteral(text)
	}
	if what == "" {
		return nil, true
	}
	return []hit{{rule: ruleSensitiveUpload, sev: detect.SeverityHigh, reason: "code sends " + what + " over the network", evidence: detect.Excerpt("code reads " + what + " and makes a network request")}}, true
}

// sensitiveLiteral returns what the first string literal naming a
// sensitive path is, or "".
func sensitiveLiteral(text string) string {
	for i, n := 0, 0; i < len(text) && n < 256; i++ {
		q := text[i]
		if q != '"' && q != '\'' && q != '`' {
			continue
		}
		j := strings.IndexByte(text[i+1:], q)
		if j < 0 {
			break
		}
		n++
		lit := text[i+1 : i+1+j]
		i += j + 1
		if len(lit) < 4 || len(lit) > 256 {
			continue
		}
		if what, _, ok := toolrisk.SensitivePath(lit); ok {
			return what
		}
	}
	return ""
}
