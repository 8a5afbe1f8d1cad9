package toolrisk

import (
	"regexp"
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// Injection payloads are aimed at the interpreter behind a tool that is not
// meant to run code: a lookup whose "name" reaches a SQL query, a search
// whose "query" reaches a shell, a form field that reaches eval. They are
// judged only in arguments of tools that are not shells, code runners or
// SQL tools (whose arguments are code by design and are judged by the
// other rules).

// maxInjectionArg bounds the argument length scanned for payloads; longer
// values are documents, not payloads.
const maxInjectionArg = 8 << 10

var (
	// A quote that closes the application's string, then SQL.
	reSQLQuoteBreak = regexp.MustCompile(`(?i)^\s*[\d\w]*['"\x60)]+\s*(;|\)|--|#|/\*|\b(or|and|union|insert|select|drop|delete|update|exec|execute|shutdown|waitfor|having|order\s+by)\b)`)
	reSQLQuoteCond  = regexp.MustCompile(`(?i)['"]\s*\)?\s*\b(or|and)\b\s+\(?\s*['"]?[\w@]+['"]?\s*(=|<>|!=|<|>)`)
	reSQLUnion      = regexp.MustCompile(`(?i)\bunion\s+(all\s+)?select\b`)
	reSQLStacked    = regexp.MustCompile(`(?i);\s*(drop|delete|insert|update|truncate|shutdown|exec|execute|create|alter|grant|declare|select)\b`)
	reSQLTime       = regexp.MustCompile(`(?i)\b(sleep|benchmark|pg_sleep|dbms_lock\.sleep)\s*\(\s*\d|\bwaitfor\s+delay\b`)
	reSQLProbe      = regexp.MustCompile(`(?i)@@version|\binformation_schema\b|\bsysobjects\b|\bpg_catalog\b|\bsqlite_master\b|\bxp_cmdshell\b`)
	reSQLTautology  = regexp.MustCompile(`(?i)\b(or|and|when|if|where)\b\s*\(*\s*(\d+|'[^']*')\s*=\s*(\d+|'[^']*')`)
	reSQLExecConcat = regexp.MustCompile(`(?i)\bexec(ute)?\s*\(\s*'[^']*'\s*\+`)

	// Shell command substitution or chaining into a command.
	reBacktickCmd = regexp.MustCompile(`^[a-zA-Z][\w.-]*(\s+[-/~$.\w]\S*)+$`)
	reShellSubst  = regexp.MustCompile(`\$\(\s*[a-zA-Z/][\w./-]*(\s|\))`)
	reShellChain  = regexp.MustCompile(`(?i)(^|[;&|]|\n)\s*(rm\s+-|curl\s+\S|wget\s+\S|nc\s+-?\w|ncat\s|bash\s+-|sh\s+-|zsh\s+-|python3?\s+-c|perl\s+-e|ruby\s+-e|php\s+-r|cat\s+/|chmod\s|chown\s|mkfifo\s|powershell\s|cmd(\.exe)?\s+/c|whoami\b|uname\s+-a|touch\s+/|ping\s+-c|nslookup\s|dig\s)`)
)

// injection judges one string argument of a tool that does not run code.
func (k *checker) injection(v string) {
	if len(v) < 3 || len(v) > maxInjectionArg {
		return
	}
	k.sqlInjection(v)
	k.codeInjection(v)
	k.shellInjection(v)
}

func (k *checker) sqlInjection(v string) {
	// Each pattern runs only when the literal it needs is present, so that
	// prose (most arguments) costs a few byte scans and no regexp.
	semi := strings.IndexByte(v, ';') >= 0
	eq := strings.IndexByte(v, '=') >= 0
	var reason string
	s := detect.SeverityMedium
	switch {
	case semi && reSQLStacked.MatchString(v):
		reason, s = "stacks a SQL statement onto an argument", detect.SeverityHigh
	case quoteNearStart(v) && reSQLQuoteBreak.MatchString(v):
		reason, s = "breaks out of a SQL string literal", detect.SeverityHigh
	case containsFold(v, "union") && reSQLUnion.MatchString(v):
		reason, s = "appends UNION SELECT to read other tables", detect.SeverityHigh
	case strings.ContainsAny(v, `'"`) && strings.ContainsAny(v, "=<>") && reSQLQuoteCond.MatchString(v):
		reason = "injects a SQL condition after a quote"
	case anyFold(v, "sleep", "benchmark", "waitfor") && reSQLTime.MatchString(v):
		reason = "probes with a time-delay SQL function"
	case anyFold(v, "@@", "information_schema", "sysobjects", "pg_catalog", "sqlite_master", "xp_cmdshell") && reSQLProbe.MatchString(v):
		reason = "probes database metadata"
	case strings.IndexByte(v, '+') >= 0 && containsFold(v, "exec") && reSQLExecConcat.MatchString(v):
		reason = "builds dynamic SQL from concatenated fragments"
	case eq && tautologyMatch(v):
		reason = "injects an always-true SQL condition"
	case startsLikeSQL(v) && looksLikeSQL(v):
		reason = "passes a SQL statement to a tool that does not run SQL"
	default:
		return
	}
	k.addText(ruleSQLInjection, s, reason, v)
	if startsLikeSQL(v) && looksLikeSQL(v) {
		k.sql(v, nil)
	}
}

// quoteNearStart reports a quote or closing parenthesis among the first
// characters, where a string-breaking payload starts.
func quoteNearStart(v string) bool {
	n := min(len(v), 24)
	return strings.ContainsAny(v[:n], "'\"`)")
}

// startsLikeSQL reports a text whose first word is a SQL statement
// keyword, the cheap gate before tokenizing it as SQL.
func startsLikeSQL(v string) bool {
	v = strings.TrimLeft(v, " \t\n\r(")
	end := 0
	for end < len(v) && end < 10 && isIdentByte(v[end]) {
		end++
	}
	switch strings.ToUpper(v[:end]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER", "TRUNCATE", "GRANT", "REVOKE", "WITH", "EXEC", "EXECUTE", "MERGE", "REPLACE", "COPY":
		return true
	}
	return false
}

func tautologyMatch(v string) bool {
	for _, m := range reSQLTautology.FindAllStringSubmatch(v, 4) {
		if m[2] == m[3] {
			return true
		}
	}
	return false
}

// codeMarkers are constructs of Python, Ruby, Perl, JavaScript, Java and
// template languages that reach the operating system or the interpreter's
// internals; in a value meant to be data they are an injection attempt.
var codeMarkers = []string{
	"__import__", "os.system", "os.popen", "subprocess.", "__class__", "__subclasses__", "__globals__", "__builtins__",
	"__mro__", "child_process", "runtime.getruntime", "processbuilder", "kernel.exec", "kernel.system", "@{[", "import os",
	"import subprocess", "import socket", "import pty", "import requests", "import urllib", "require('child_process')",
	"require(\"child_process\")", "process.mainmodule", "${jndi:", "#{", "<%=", "{{config", "{{self", "{{''.__", "{{7*7}}", "${7*7}",
	"shell_exec(", "passthru(", "proc_open(",
}

func (k *checker) codeInjection(v string) {
	for _, m := range codeMarkers {
		if i := indexFold(v, m); i >= 0 {
			if m == "#{" && !strings.Contains(v[i:], "}") {
				continue
			}
			// "subprocess." must be followed by a name, not end a sentence.
			if strings.HasSuffix(m, ".") && (i+len(m) >= len(v) || !isIdentByte(v[i+len(m)])) {
				continue
			}
			k.addText(ruleCodeInjection, detect.SeverityHigh, "carries code that reaches the interpreter or operating system", v)
			return
		}
	}
	// Calls with a string literal argument: eval("..."), system('...'),
	// exec("..."), Kernel.exec("...").
	for _, name := range [...]string{"eval", "exec", "system", "popen", "spawn", "execsync", "compile"} {
		off := 0
		for {
			i := indexFold(v[off:], name)
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			if i > 0 && isIdentByte(v[i-1]) {
				continue
			}
			j := i + len(name)
			for j < len(v) && v[j] == ' ' {
				j++
			}
			if j < len(v) && v[j] == '(' {
				j++
				for j < len(v) && v[j] == ' ' {
					j++
				}
				if j < len(v) && (v[j] == '"' || v[j] == '\'' || v[j] == '`' || strings.HasPrefix(v[j:], "compile(")) {
					k.addText(ruleCodeInjection, detect.SeverityHigh, "calls an evaluator or the shell with a literal", v)
					return
				}
			}
		}
	}
	// Python that writes files: with open('x', 'w') / .write(.
	if containsFold(v, "open(") && (anyFold(v, "'w'", "\"w\"", "'a'", "\"a\"", "'wb'", "\"wb\"") || containsFold(v, ".write(")) {
		k.addText(ruleCodeInjection, detect.SeverityMedium, "carries code that writes files", v)
		return
	}
	// Python statements importing a module and calling into it.
	if strings.HasPrefix(strings.TrimSpace(v), "import ") && strings.ContainsAny(v, ";\n") && strings.Contains(v, "(") {
		k.addText(ruleCodeInjection, detect.SeverityMedium, "carries a Python program", v)
	}
}

func (k *checker) shellInjection(v string) {
	t := strings.TrimSpace(v)
	switch {
	case strings.Contains(v, "$(") && reShellSubst.MatchString(v):
		k.addText(ruleShellInjection, detect.SeverityHigh, "carries a shell command substitution", v)
	case strings.HasPrefix(t, "`") && strings.HasSuffix(t, "`") && len(t) > 3 && reBacktickCmd.MatchString(strings.TrimSpace(t[1:len(t)-1])):
		k.addText(ruleShellInjection, detect.SeverityHigh, "carries a backtick shell command", v)
	case strings.ContainsAny(v, ";|&\n") && shellChainAfterMeta(v):
		k.addText(ruleShellInjection, detect.SeverityHigh, "chains a shell command onto an argument", v)
	}
}

// shellChainAfterMeta reports a shell metacharacter followed by a command,
// not at the start of the value (a value that is just "cat file" is not an
// injection; "x; cat /etc/passwd" is).
func shellChainAfterMeta(v string) bool {
	for _, loc := range reShellChain.FindAllStringIndex(v, 4) {
		if loc[0] > 0 {
			return true
		}
	}
	return false
}
