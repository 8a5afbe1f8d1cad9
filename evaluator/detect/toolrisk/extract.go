package toolrisk

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/evaluator/interaction"
)

// PayloadKind says how a payload is to be read.
type PayloadKind uint8

const (
	PayloadShell PayloadKind = iota + 1 // a shell script (Text)
	PayloadArgv                         // an argv vector (Argv), run without a shell
	PayloadSQL                          // SQL (Text)
	PayloadCode                         // a program in Lang (Text)
	PayloadText                         // any other string argument of a tool that does not run code
	PayloadWrite                        // a file path an editor tool writes (Text)
)

// Payload is something a tool call asks to have run, or an argument of it.
type Payload struct {
	Kind PayloadKind
	Lang string   // for PayloadCode
	Text string   // the script, SQL, program, argument or path
	Argv []string // for PayloadArgv
	// Key is the argument path it came from ("command", "action.command",
	// "queries[0]").
	Key string
}

// Argument keys that carry what a tool runs.
var (
	shellKeys = map[string]bool{"command": true, "cmd": true, "commands": true, "script": true, "shell": true, "bash": true, "input": true, "cmdline": true, "command_line": true, "commandline": true, "code": true, "run": true, "exec": true, "line": true}
	sqlKeys   = map[string]bool{"query": true, "sql": true, "statement": true, "statements": true, "q": true, "command": true, "input": true, "sql_query": true, "queries": true, "text": true}
	codeKeys  = map[string]bool{"code": true, "source": true, "script": true, "input": true, "program": true, "cell": true, "snippet": true, "command": true, "source_code": true, "expression": true}
	argvKeys  = map[string]bool{"args": true, "argv": true, "arguments": true}
	pathKeys  = map[string]bool{"path": true, "file_path": true, "filepath": true, "filename": true, "file": true, "target": true, "target_file": true, "destination": true, "notebook_path": true}
	// Keys a tool of unknown kind uses for a shell command.
	otherShellKeys = map[string]bool{"command": true, "cmd": true, "commands": true, "shell": true, "bash": true, "cmdline": true, "command_line": true, "shell_command": true}
	otherSQLKeys   = map[string]bool{"sql": true, "statement": true, "sql_query": true}
)

// Payloads returns what a tool call asks to run: shell scripts and argv
// vectors of shell tools, SQL of SQL tools, programs of code tools, files an
// editor writes, and, for other tools, every string argument (where
// injection payloads hide). It appends to dst.
func Payloads(call *interaction.ToolCall, dst []Payload) []Payload {
	ti := infoOf(call.Name)
	kind := ti.kind
	args := call.Args
	if args == nil && call.Arguments != "" {
		t := strings.TrimSpace(call.Arguments)
		if strings.HasPrefix(t, "{") {
			var m map[string]any
			if json.Unmarshal([]byte(t), &m) == nil {
				args = m
			}
		} else {
			// Free-form input (custom tools): the whole text is the payload.
			var s string
			if strings.HasPrefix(t, `"`) && json.Unmarshal([]byte(t), &s) == nil {
				t = s
			}
			return appendRaw(dst, kind, ti.lang, t)
		}
	}
	e := extractor{kind: kind, lang: ti.lang, dst: dst}
	e.walk(args, "", 0)
	return e.dst
}

func appendRaw(dst []Payload, kind ToolKind, lang, t string) []Payload {
	switch kind {
	case KindShell:
		return append(dst, Payload{Kind: PayloadShell, Text: t, Key: "input"})
	case KindSQL:
		return append(dst, Payload{Kind: PayloadSQL, Text: t, Key: "input"})
	case KindCode:
		return append(dst, Payload{Kind: PayloadCode, Lang: lang, Text: t, Key: "input"})
	case KindEditor:
		return dst
	}
	return append(dst, Payload{Kind: PayloadText, Text: t, Key: "input"})
}

type extractor struct {
	kind ToolKind
	lang string
	dst  []Payload
}

func (e *extractor) walk(m map[string]any, prefix string, depth int) {
	if m == nil || depth > 3 {
		return
	}
	if e.kind == KindCode {
		if l, ok := m["language"].(string); ok && l != "" {
			e.lang = normLang(l)
		}
	}
	// {"cmd": "rm", "args": ["-rf", "/"]} is one argv.
	if e.kind == KindShell || e.kind == KindOther {
		for _, ck := range [...]string{"command", "cmd", "program", "executable"} {
			cmd, ok := m[ck].(string)
			if !ok || strings.ContainsAny(cmd, " \t;|&") {
				continue
			}
			for ak := range argvKeys {
				if list, ok := stringList(m[ak]); ok {
					if e.kind == KindShell || otherShellKeys[ck] || ck == "program" || ck == "executable" {
						e.dst = append(e.dst, Payload{Kind: PayloadArgv, Argv: append([]string{cmd}, list...), Key: prefix + ck})
						return
					}
				}
			}
		}
	}
	matched := false
	var kbuf [8]string
	keys := kbuf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // findings must not depend on map order
	for _, k := range keys {
		v := m[k]
		key := prefix + k
		lk := strings.ToLower(k)
		switch x := v.(type) {
		case string:
			if e.leaf(lk, key, x) {
				matched = true
			}
		case []any:
			list, ok := stringList(x)
			if !ok {
				for i, it := range x {
					if mm, ok := it.(map[string]any); ok {
						e.walk(mm, key+"["+itoa(i)+"].", depth+1)
					}
				}
				continue
			}
			switch {
			case e.kind == KindShell && lk == "commands":
				for _, s := range list {
					e.dst = append(e.dst, Payload{Kind: PayloadShell, Text: s, Key: key})
				}
				matched = true
			case (e.kind == KindShell || e.kind == KindComputer) && shellKeys[lk], e.kind == KindOther && otherShellKeys[lk]:
				if lk == "commands" {
					for _, s := range list {
						e.dst = append(e.dst, Payload{Kind: PayloadShell, Text: s, Key: key})
					}
				} else {
					e.dst = append(e.dst, Payload{Kind: PayloadArgv, Argv: list, Key: key})
				}
				matched = true
			case e.kind == KindSQL && sqlKeys[lk]:
				for _, s := range list {
					e.dst = append(e.dst, Payload{Kind: PayloadSQL, Text: s, Key: key})
				}
				matched = true
			case e.kind == KindOther:
				for _, s := range list {
					e.dst = append(e.dst, Payload{Kind: PayloadText, Text: s, Key: key})
				}
			}
		case map[string]any:
			e.walk(x, key+".", depth+1)
		}
	}
	// A shell, SQL or code tool with a single string argument under an
	// unexpected key: that argument is what it runs.
	if !matched && depth == 0 && (e.kind == KindShell || e.kind == KindSQL || e.kind == KindCode) {
		var only string
		n := 0
		for _, k := range keys {
			if s, ok := m[k].(string); ok {
				only = s
				n++
			}
		}
		if n == 1 {
			e.dst = appendRaw(e.dst, e.kind, e.lang, only)
		}
	}
}

// leaf handles one string argument and reports whether it was taken as
// what the tool runs.
func (e *extractor) leaf(lk, key, s string) bool {
	switch e.kind {
	case KindShell:
		if shellKeys[lk] {
			e.dst = append(e.dst, Payload{Kind: PayloadShell, Text: s, Key: key})
			return true
		}
	case KindSQL:
		if sqlKeys[lk] {
			e.dst = append(e.dst, Payload{Kind: PayloadSQL, Text: s, Key: key})
			return true
		}
	case KindCode:
		if codeKeys[lk] {
			switch e.lang {
			case "shell":
				e.dst = append(e.dst, Payload{Kind: PayloadShell, Text: s, Key: key})
			case "sql":
				e.dst = append(e.dst, Payload{Kind: PayloadSQL, Text: s, Key: key})
			default:
				e.dst = append(e.dst, Payload{Kind: PayloadCode, Lang: e.lang, Text: s, Key: key})
			}
			return true
		}
	case KindEditor:
		if pathKeys[lk] {
			e.dst = append(e.dst, Payload{Kind: PayloadWrite, Text: s, Key: key})
			return true
		}
	case KindComputer:
		// A computer-use agent typing a command into a terminal.
		if lk == "text" && strings.ContainsAny(s, " /") {
			e.dst = append(e.dst, Payload{Kind: PayloadShell, Text: s, Key: key})
			return true
		}
		if lk == "command" {
			e.dst = append(e.dst, Payload{Kind: PayloadShell, Text: s, Key: key})
			return true
		}
	case KindOther:
		switch {
		case otherShellKeys[lk]:
			e.dst = append(e.dst, Payload{Kind: PayloadShell, Text: s, Key: key})
			return true
		case otherSQLKeys[lk] || (lk == "query" && looksLikeSQL(s)):
			e.dst = append(e.dst, Payload{Kind: PayloadSQL, Text: s, Key: key})
			return true
		}
		e.dst = append(e.dst, Payload{Kind: PayloadText, Text: s, Key: key})
	}
	return false
}

func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, it := range l {
		s, ok := it.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func normLang(l string) string {
	switch l = strings.ToLower(l); l {
	case "python", "python3", "py":
		return "python"
	case "javascript", "js", "node", "typescript", "ts":
		return "node"
	case "bash", "sh", "shell", "zsh":
		return "shell"
	case "powershell", "pwsh", "ps1":
		return "powershell"
	case "sql":
		return "sql"
	}
	return l
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
