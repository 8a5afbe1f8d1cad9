package toolrisk

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Tool categories returned by Categorize, for policy conditions.
const (
	CategorySafe      = "safe"      // reads or searches: read_file, search, list_*
	CategorySensitive = "sensitive" // changes state or talks to the outside: write_file, http_request, send_email
	CategoryDangerous = "dangerous" // runs arbitrary commands, code or queries: bash, exec, sql
	CategoryUnknown   = "unknown"
)

// Pattern matches tool names. It is a glob ("*_shell", "mcp__github__*",
// "?sql") or, prefixed with "re:", a regular expression. Matching ignores
// case and is tried on the whole name and on its last component after an
// MCP-style "__", ".", "/" or ":" separator, so "bash" matches
// "mcp__terminal__bash" and "functions.bash".
type Pattern struct {
	src  string
	glob string
	re   *regexp.Regexp
}

// CompilePattern compiles a tool-name pattern.
func CompilePattern(s string) (Pattern, error) {
	if s == "" {
		return Pattern{}, fmt.Errorf("empty tool pattern")
	}
	if strings.HasPrefix(s, "re:") {
		re, err := regexp.Compile("(?i)" + s[3:])
		if err != nil {
			return Pattern{}, fmt.Errorf("tool pattern %q: %w", s, err)
		}
		return Pattern{src: s, re: re}, nil
	}
	return Pattern{src: s, glob: strings.ToLower(s)}, nil
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.src }

// Match reports whether a tool name matches.
func (p Pattern) Match(name string) bool {
	full, base := toolNameForms(name)
	return p.matchOne(full) || (base != full && p.matchOne(base))
}

func (p Pattern) matchOne(n string) bool {
	if p.re != nil {
		return p.re.MatchString(n)
	}
	return globMatch(p.glob, n)
}

// Patterns is a list of patterns matched as one.
type Patterns []Pattern

// CompilePatterns compiles a list of tool-name patterns.
func CompilePatterns(src []string) (Patterns, error) {
	out := make(Patterns, 0, len(src))
	for _, s := range src {
		p, err := CompilePattern(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Match reports whether any pattern matches.
func (ps Patterns) Match(name string) bool {
	if len(ps) == 0 {
		return false
	}
	full, base := toolNameForms(name)
	for _, p := range ps {
		if p.matchOne(full) || (base != full && p.matchOne(base)) {
			return true
		}
	}
	return false
}

func mustPatterns(src ...string) Patterns {
	ps, err := CompilePatterns(src)
	if err != nil {
		panic(err)
	}
	return ps
}

// toolNameForms returns a tool name lowercased, and its last component
// after an MCP or namespace separator.
func toolNameForms(name string) (full, base string) {
	full = asciiLower(name)
	base = full
	if i := strings.LastIndex(base, "__"); i >= 0 && i+2 < len(base) {
		base = base[i+2:]
	}
	if i := strings.LastIndexAny(base, "./:"); i >= 0 && i+1 < len(base) {
		base = base[i+1:]
	}
	return full, base
}

// globMatch matches a lowercase glob with * and ? against s.
func globMatch(pat, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pat) || sx < len(s) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// Default category patterns. They are checked after the configured ones,
// dangerous first, so a configuration can mark "bash_readonly" safe.
var (
	defaultDangerous = mustPatterns(
		"bash", "sh", "zsh", "shell", "terminal", "exec", "execute", "run", "cmd", "powershell", "pwsh",
		"*shell*", "*bash*", "*terminal*", "*_command", "run_command*", "execute_command*", "exec_*", "*_exec",
		"local_shell", "computer", "computer_use", "computer_*", "run_terminal_cmd", "*sql*", "query_database",
		"run_query", "execute_query", "db_query", "database_query", "postgres*", "mysql*", "bigquery*", "snowflake*",
		"clickhouse*", "*python*", "code_interpreter", "*code_execution*", "execute_code", "run_code", "*jupyter*",
		"notebook_*", "*repl*", "eval", "evaluate_*", "kubectl*", "ssh*", "terraform*", "delete_*", "drop_*", "destroy_*",
		"deploy*",
	)
	defaultSensitive = mustPatterns(
		"write*", "edit*", "create_*", "update_*", "modify*", "move*", "rename*", "upload*", "send*", "post*",
		"*_post", "http*", "fetch*", "web_fetch", "browser*", "navigate*", "click*", "*email*", "*mail*", "*message*",
		"slack*", "comment*", "*_comment", "*issue*", "merge*", "push*", "git_*", "commit*", "publish*", "share*",
		"transfer*", "pay*", "purchase*", "*webhook*", "invite*", "grant*", "set_*", "str_replace*", "*text_editor*",
		"apply_patch", "*_write", "insert*", "remove*", "copy*", "download*", "install*", "approve*",
	)
	defaultSafe = mustPatterns(
		"read*", "get*", "list*", "ls", "search*", "*_search", "find*", "grep", "glob", "view*", "describe*",
		"lookup*", "think", "todo*", "*weather*", "show*", "stat", "count*", "check*", "status*", "web_search*",
		"file_search*", "tool_search*", "query_docs*", "*_info", "calculator", "calculate*", "time*", "now",
	)
)

// ToolKind says how a tool's arguments are to be read.
type ToolKind uint8

const (
	KindOther    ToolKind = iota // arguments are data
	KindShell                    // runs a shell command
	KindSQL                      // runs SQL
	KindCode                     // runs a program (see CodeLang)
	KindEditor                   // edits files (text editor, apply_patch)
	KindComputer                 // drives a desktop (types, clicks)
)

// KindOf guesses what a tool does from its name. Results are cached per
// name.
func KindOf(name string) ToolKind { return infoOf(name).kind }

func kindOf(name string) ToolKind {
	_, b := toolNameForms(name)
	switch {
	case b == "":
		return KindOther
	case strings.Contains(b, "str_replace") || strings.Contains(b, "text_editor") || strings.Contains(b, "edit_file") ||
		strings.Contains(b, "write_file") || strings.Contains(b, "create_file") || b == "apply_patch" || b == "edit" ||
		b == "write" || strings.HasSuffix(b, "_editor") || b == "multiedit" || b == "notebookedit":
		return KindEditor
	case strings.HasPrefix(b, "computer"):
		return KindComputer
	case strings.Contains(b, "powershell") || strings.Contains(b, "pwsh"):
		return KindCode
	case strings.Contains(b, "sql") || strings.Contains(b, "postgres") || strings.Contains(b, "mysql") || strings.Contains(b, "bigquery") ||
		strings.Contains(b, "snowflake") || strings.Contains(b, "clickhouse") || strings.Contains(b, "duckdb") || strings.Contains(b, "sqlite") ||
		strings.Contains(b, "redshift") || b == "query_database" || b == "run_query" || b == "execute_query" || b == "db_query" ||
		b == "database_query" || b == "query_db" || strings.HasSuffix(b, "_db_query"):
		return KindSQL
	case strings.Contains(b, "python") || strings.Contains(b, "code_interpreter") || strings.Contains(b, "code_execution") && !strings.Contains(b, "bash") ||
		b == "execute_code" || b == "run_code" || strings.Contains(b, "jupyter") || strings.Contains(b, "notebook") ||
		strings.Contains(b, "javascript") || strings.Contains(b, "repl") || b == "eval" || b == "run_js" || b == "node":
		return KindCode
	case b == "bash" || b == "sh" || b == "zsh" || b == "shell" || b == "terminal" || b == "exec" || b == "execute" || b == "cmd" ||
		b == "run" || strings.Contains(b, "shell") || strings.Contains(b, "bash") || strings.Contains(b, "terminal") ||
		strings.HasSuffix(b, "_command") || strings.HasPrefix(b, "run_command") || strings.HasPrefix(b, "execute_command") ||
		strings.HasPrefix(b, "exec_") || strings.HasSuffix(b, "_exec") || b == "run_terminal_cmd" || b == "container.exec" ||
		b == "command" || b == "runcommand" || b == "run_cmd":
		return KindShell
	}
	return KindOther
}

// CodeLang guesses the language a code tool runs, defaulting to Python
// (what code interpreters run).
func CodeLang(name string) string {
	_, b := toolNameForms(name)
	switch {
	case strings.Contains(b, "powershell") || strings.Contains(b, "pwsh"):
		return "powershell"
	case strings.Contains(b, "javascript") || strings.Contains(b, "node") || b == "run_js" || strings.Contains(b, "deno"):
		return "node"
	case strings.Contains(b, "ruby"):
		return "ruby"
	case strings.Contains(b, "php"):
		return "php"
	case strings.Contains(b, "perl"):
		return "perl"
	}
	return "python"
}

// toolInfo caches what a tool name says about its arguments: agents call
// the same few tools all day, and KindOf is a few dozen substring tests.
type toolInfo struct {
	kind ToolKind
	lang string
}

var toolInfos struct {
	sync.RWMutex
	m map[string]toolInfo
}

// maxToolInfos bounds the cache: names are client-chosen.
const maxToolInfos = 4096

func infoOf(name string) toolInfo {
	toolInfos.RLock()
	ti, ok := toolInfos.m[name]
	toolInfos.RUnlock()
	if ok {
		return ti
	}
	ti = toolInfo{kindOf(name), CodeLang(name)}
	toolInfos.Lock()
	if toolInfos.m == nil {
		toolInfos.m = make(map[string]toolInfo)
	}
	if len(toolInfos.m) < maxToolInfos {
		toolInfos.m[name] = ti
	}
	toolInfos.Unlock()
	return ti
}
