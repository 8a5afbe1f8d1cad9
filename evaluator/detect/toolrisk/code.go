package toolrisk

import (
	"strings"
)

// callKind says what a code-level call does with its first argument.
type callKind uint8

const (
	callShell      callKind = iota // runs the argument as a shell command (os.system, execSync, system)
	callArgv                       // runs the argument list as argv (subprocess.run([...]), execFile)
	callCode                       // evaluates the argument as code of the same language (exec, eval)
	callRmTree                     // deletes the argument recursively (shutil.rmtree, FileUtils.rm_rf)
	callRmFile                     // deletes the argument (os.remove, unlink)
	callRmMaybeRec                 // deletes recursively when given a recursive option (fs.rmSync(p, {recursive: true}))
	callSQL                        // runs the argument as SQL (cursor.execute, db.query)
)

type codeCall struct {
	name string
	kind callKind
	// bare allows the Ruby/Perl call form without parentheses
	// (`system "rm -rf /"`).
	bare bool
}

// codeCalls lists, per language, the calls whose argument is a command to
// run or a path to delete. Names are matched at an identifier boundary, so
// "system(" also matches "os.system(" and "__import__('os').system(".
var codeCalls = map[string][]codeCall{
	"python": {
		{"system", callShell, false}, {"popen", callShell, false}, {"Popen", callShell, false},
		{"subprocess.run", callShell, false}, {"subprocess.call", callShell, false}, {"check_output", callShell, false},
		{"check_call", callShell, false}, {"getoutput", callShell, false}, {"getstatusoutput", callShell, false},
		{"spawn", callShell, false}, {"execl", callArgv, false}, {"execlp", callArgv, false}, {"execv", callArgv, false},
		{"execvp", callArgv, false}, {"execve", callArgv, false},
		{"exec", callCode, false}, {"eval", callCode, false},
		{"rmtree", callRmTree, false}, {"os.remove", callRmFile, false},
		{"removedirs", callRmTree, false}, {"unlink", callRmFile, false},
		{"execute", callSQL, false}, {"executescript", callSQL, false}, {"executemany", callSQL, false}, {"read_sql", callSQL, false},
	},
	"node": {
		{"execSync", callShell, false}, {"exec", callShell, false}, {"spawn", callArgv, false}, {"spawnSync", callArgv, false},
		{"execFile", callArgv, false}, {"execFileSync", callArgv, false}, {"execa", callShell, false}, {"execaSync", callShell, false},
		{"eval", callCode, false},
		{"rmSync", callRmMaybeRec, false}, {"rmdirSync", callRmMaybeRec, false}, {"fs.rm", callRmMaybeRec, false},
		{"rimraf", callRmTree, false}, {"removeSync", callRmTree, false}, {"remove", callRmTree, false},
		{"emptyDirSync", callRmTree, false}, {"unlinkSync", callRmFile, false}, {"unlink", callRmFile, false},
		{"query", callSQL, false}, {"execute", callSQL, false}, {"raw", callSQL, false},
	},
	"ruby": {
		{"system", callShell, true}, {"exec", callShell, true}, {"spawn", callShell, true}, {"IO.popen", callShell, false},
		{"capture2", callShell, false}, {"capture3", callShell, false}, {"popen3", callShell, false},
		{"eval", callCode, true},
		{"rm_rf", callRmTree, true}, {"rm_r", callRmTree, true}, {"remove_dir", callRmTree, true},
		{"remove_entry_secure", callRmTree, true}, {"remove_entry", callRmTree, true},
		{"rm_f", callRmFile, true}, {"File.delete", callRmFile, true}, {"File.unlink", callRmFile, true},
		{"execute", callSQL, false}, {"exec_query", callSQL, false},
	},
	"perl": {
		{"system", callShell, true}, {"exec", callShell, true}, {"eval", callCode, true},
		{"rmtree", callRmTree, true}, {"remove_tree", callRmTree, true}, {"unlink", callRmFile, true},
	},
	"php": {
		{"system", callShell, false}, {"exec", callShell, false}, {"shell_exec", callShell, false},
		{"passthru", callShell, false}, {"popen", callShell, false}, {"proc_open", callShell, false},
		{"eval", callCode, false}, {"unlink", callRmFile, false},
	},
	"lua":         {{"os.execute", callShell, false}, {"io.popen", callShell, false}, {"os.remove", callRmFile, false}},
	"awk":         {{"system", callShell, false}},
	"r":           {{"system", callShell, false}, {"system2", callShell, false}, {"unlink", callRmMaybeRec, false}},
	"applescript": {{"do shell script", callShell, true}},
}

// code records a program handed to an interpreter and walks what it runs:
// shell strings given to os.system and the like are parsed as shell, code
// given to exec/eval is analysed as code, and file deletions are recorded
// as synthetic rm commands so that path rules judge them.
func (w *walker) code(lang, text string, cmd int, c ctx) {
	if c.depth > maxDepth || w.full() {
		w.s.Truncated = true
		return
	}
	if len(text) > maxScriptBytes {
		text = text[:maxScriptBytes]
		w.s.Truncated = true
	}
	w.s.Code = append(w.s.Code, Code{Lang: lang, Text: text, Cmd: cmd})
	parent, depth := -1, c.depth
	if cmd >= 0 {
		parent = w.s.Commands[cmd].Group
		depth = w.s.Commands[cmd].Depth
	}
	sub := ctx{depth: depth + 1, via: lang, parent: parent, subst: SubstCode, privileged: c.privileged, remote: c.remote}
	for _, cl := range codeCalls[lang] {
		// A bounded number of calls per name: a hostile text repeating
		// "system(" must not make the scan quadratic.
		for off, n := 0, 0; off < len(text) && n < maxCallsPerName; n++ {
			i := indexCall(text[off:], cl.name, cl.bare)
			if i < 0 {
				break
			}
			at := off + i + len(cl.name)
			off = at
			args, rest, ok := literalArgs(text[at:])
			if !ok || len(args) == 0 {
				continue
			}
			switch cl.kind {
			case callShell:
				if len(args) > 1 {
					w.emit(args, nil, sub, -1, false)
				} else {
					w.parse(args[0], sub)
				}
			case callArgv:
				if len(args) == 1 && strings.ContainsAny(args[0], " \t") {
					w.parse(args[0], sub)
				} else {
					w.emit(args, nil, sub, -1, false)
				}
			case callCode:
				cc := c
				cc.depth = depth + 1
				w.code(lang, args[0], cmd, cc)
			case callSQL:
				if looksLikeSQL(args[0]) {
					w.s.SQL = append(w.s.SQL, SQLText{Text: args[0], Cmd: cmd})
				}
			case callRmTree, callRmFile, callRmMaybeRec:
				flag := "-f"
				if cl.kind == callRmTree || (cl.kind == callRmMaybeRec && recursiveOption(rest)) {
					flag = "-rf"
				}
				sc := sub
				sc.synthetic = true
				for _, p := range args {
					w.emit([]string{"rm", flag, p}, nil, sc, -1, false)
				}
			}
		}
	}
	switch lang {
	case "ruby", "perl", "php":
		// `cmd` and qx(cmd) / %x(cmd) run a shell.
		for off, n := 0, 0; off < len(text) && n < maxCallsPerName; n++ {
			i := strings.IndexByte(text[off:], '`')
			if i < 0 {
				break
			}
			j := strings.IndexByte(text[off+i+1:], '`')
			if j < 0 {
				break
			}
			w.parse(text[off+i+1:off+i+1+j], sub)
			off += i + j + 2
		}
		for _, open := range []string{"qx(", "qx{", "%x(", "%x{"} {
			if i := strings.Index(text, open); i >= 0 {
				closer := map[byte]byte{'(': ')', '{': '}'}[open[2]]
				if j := strings.IndexByte(text[i+3:], closer); j >= 0 {
					w.parse(text[i+3:i+3+j], sub)
				}
			}
		}
	}
}

// maxCallsPerName bounds the calls of one name examined per program, and
// maxLiteral the length of a string literal read as an argument.
const (
	maxCallsPerName = 64
	maxLiteral      = 16 << 10
)

// indexCall finds name followed by "(" (or, when bare is set, by spaces and
// a quote) at an identifier boundary.
func indexCall(s, name string, bare bool) int {
	off := 0
	for {
		i := strings.Index(s[off:], name)
		if i < 0 {
			return -1
		}
		i += off
		off = i + len(name)
		if i > 0 && isIdentByte(s[i-1]) {
			continue
		}
		j := i + len(name)
		k := j
		for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
			k++
		}
		if k < len(s) && s[k] == '(' {
			return i
		}
		if bare && k > j && k < len(s) && (s[k] == '"' || s[k] == '\'' || s[k] == '[') {
			return i
		}
		if name == "unlink" && k < len(s) && strings.HasPrefix(s[k:], "glob") {
			return i
		}
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// literalArgs reads the literal first argument of a call starting at s
// (just after the callee name): a string, or a list of strings, possibly
// wrapped in glob(...) or a Path(...) constructor. It returns the strings,
// the text after them, and whether a literal was found.
func literalArgs(s string) ([]string, string, bool) {
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
	}
	skip()
	if i < len(s) && s[i] == '(' {
		i++
		skip()
	}
	// Look through one wrapper call: glob("/etc/*"), Path("/x"), join(...).
	for _, wrap := range []string{"glob", "Path", "pathlib.Path", "File.join", "path.join", "path.resolve", "r", "b", "u", "f"} {
		if strings.HasPrefix(s[i:], wrap) {
			j := i + len(wrap)
			if j < len(s) && s[j] == '(' {
				i = j + 1
				skip()
				break
			}
			if len(wrap) == 1 && j < len(s) && (s[j] == '\'' || s[j] == '"') {
				i = j
				break
			}
		}
	}
	if i >= len(s) {
		return nil, "", false
	}
	if s[i] == '[' {
		var out []string
		i++
		for i < len(s) {
			skip()
			if i >= len(s) || s[i] == ']' {
				break
			}
			v, n, ok := quoted(s[i:])
			if !ok {
				return nil, "", false
			}
			out = append(out, v)
			i += n
			skip()
			if i < len(s) && s[i] == ',' {
				i++
			}
		}
		return out, s[min(i+1, len(s)):], len(out) > 0
	}
	v, n, ok := quoted(s[i:])
	if !ok {
		return nil, "", false
	}
	return []string{v}, s[i+n:], true
}

// quoted reads a string literal at the start of s ('...', "...", `...`,
// and Python's triple quotes), resolving the common escapes.
func quoted(s string) (string, int, bool) {
	if s == "" {
		return "", 0, false
	}
	q := s[0]
	if q != '\'' && q != '"' && q != '`' {
		return "", 0, false
	}
	if len(s) >= 6 && (strings.HasPrefix(s, `"""`) || strings.HasPrefix(s, `'''`)) {
		end := strings.Index(s[3:min(len(s), maxLiteral)], s[:3])
		if end < 0 {
			return "", 0, false
		}
		return s[3 : 3+end], end + 6, true
	}
	var b strings.Builder
	for i := 1; i < len(s) && i < maxLiteral; i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		if c == q {
			return b.String(), i + 1, true
		}
		b.WriteByte(c)
	}
	return "", 0, false
}

// recursiveOption reports whether the rest of a call carries a recursive
// option ({ recursive: true }, recursive=TRUE).
func recursiveOption(rest string) bool {
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		end = len(rest)
	}
	r := strings.ToLower(rest[:end])
	return strings.Contains(r, "recursive") && !strings.Contains(r, "recursive: false") && !strings.Contains(r, "recursive:false")
}
