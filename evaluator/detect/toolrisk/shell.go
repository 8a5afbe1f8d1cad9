package toolrisk

import (
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// Limits that bound the work one payload can cause. A hostile command can
// nest `bash -c` inside `eval` inside `ssh` without end, or be megabytes
// long; past these limits the walk stops and the script is marked
// Truncated, which the detector reports as opaque.
const (
	maxDepth       = 6        // nested scripts (bash -c, eval, ssh, code strings)
	maxCommands    = 512      // commands recorded per payload
	maxScriptBytes = 64 << 10 // longer commands are cut (and marked Truncated)
)

// SubstKind says how a command is nested in the command it belongs to.
type SubstKind uint8

const (
	SubstNone    SubstKind = iota // a command of the top-level script
	SubstCommand                  // inside $(...) or `...` in one of Parent's words
	SubstProcess                  // inside <(...) or >(...) in one of Parent's words
	SubstScript                   // in a script string Parent runs (bash -c, eval, ssh, su -c, watch)
	SubstStdin                    // in a script Parent's shell reads from stdin (heredoc, pipe)
	SubstCode                     // in a string a code one-liner hands to a shell (os.system, execSync)
)

// Redirect is one redirection of a command, with its target resolved.
type Redirect struct {
	// Op is the operator as written: ">", ">>", ">|", "<", "<>", ">&", "<&",
	// "&>", "&>>", "<<", "<<-" or "<<<".
	Op string
	// Fd is an explicit file descriptor ("2" in 2>file), "" when implicit.
	Fd string
	// Target is the resolved target word: a file, a descriptor, or the
	// heredoc delimiter.
	Target string
	// Body is the text of a heredoc or herestring.
	Body string
}

// IsWrite reports whether the redirect writes to its target.
func (r *Redirect) IsWrite() bool {
	switch r.Op {
	case ">", ">>", ">|", "&>", "&>>", "<>":
		return true
	case ">&":
		return !isAllDigits(r.Target) && r.Target != "-"
	}
	return false
}

// IsRead reports whether the redirect feeds its target file to the command.
func (r *Redirect) IsRead() bool {
	switch r.Op {
	case "<", "<>":
		return true
	case "<&":
		return !isAllDigits(r.Target) && r.Target != "-"
	}
	return false
}

// Command is one simple command a shell would run, with its words resolved
// as far as they can be without running anything: quotes and escapes are
// removed, ANSI-C strings decoded, variables assigned earlier in the script
// substituted, and command substitutions whose output is known statically
// (echo, printf, cat of a heredoc, base64 -d of those) replaced by it.
type Command struct {
	// Name is the program's base name, lowercased, with look-alike
	// characters folded and a leading backslash removed: "/usr/bin/rm",
	// `\rm` and `"rm"` all give "rm". It is "" for a statement that is only
	// redirections or assignments (`> file`).
	Name string
	// Path is the program word as written after unquoting.
	Path string
	// Args are the resolved words after the program.
	Args []string
	// Redirs are the command's redirections.
	Redirs []Redirect
	// Stdin is the command's standard input when it is known statically: a
	// heredoc, a herestring, or the static output of the command piped into
	// it. HasStdin says whether it is known.
	Stdin    string
	HasStdin bool
	// PipeFrom is the index in Script.Commands of the command whose output
	// is piped into this one, or -1.
	PipeFrom int
	// Output is the command's standard output when it can be known without
	// running anything (echo, printf, cat of a heredoc, base64 -d of a known
	// input); HasOutput says whether it is known.
	Output    string
	HasOutput bool
	// Group is the index of the outermost command of the same simple
	// command: a wrapper (sudo, env, xargs, nohup ...) and the command it
	// runs share one Group.
	Group int
	// Parent is the Group of the command this one is nested in (see Subst),
	// or -1 for a top-level command.
	Parent int
	// Subst says how the command is nested in Parent.
	Subst SubstKind
	// Depth counts the nested scripts around the command: 0 at top level,
	// +1 for each bash -c, eval, ssh, heredoc-fed shell or code string.
	Depth int
	// Via names the wrapper or construct that led to the command ("sudo",
	// "bash -c", "xargs", "find -exec", "python", ...), "" at top level.
	Via string
	// Privileged is set when the command runs under sudo, doas, su or the
	// like.
	Privileged bool
	// Remote is set when the command runs on another host or in a container
	// (ssh, kubectl exec, docker exec/run).
	Remote bool
	// Synthetic is set for commands derived from a code-level call rather
	// than a shell word (shutil.rmtree(p) is recorded as rm -rf p).
	Synthetic bool
	// Background is set for commands run with &.
	Background bool
	// Dynamic is set when some word could not be resolved statically (an
	// unknown variable, a command substitution with unknown output).
	Dynamic bool
}

// Code is a program text a command hands to an interpreter (python -c,
// node -e, a heredoc fed to perl, a code tool's cell).
type Code struct {
	Lang string // "python", "node", "perl", "ruby", "php", "powershell", "cmd", "applescript", "mongo", "lua", "r", ...
	Text string
	Cmd  int // index of the command that runs it, -1 for a code tool's payload
}

// SQLText is SQL a command hands to a database client (psql -c, mysql -e,
// a heredoc fed to sqlite3).
type SQLText struct {
	Text string
	Cmd  int
}

// Assign is a variable assignment seen in the script, standalone
// (`HISTFILE=/dev/null`), exported, or prefixed to a command.
type Assign struct {
	Name, Value string
	Cmd         int // index of the command it prefixes, -1 when standalone
}

// Script is the parsed form of a shell payload: every command reached, the
// code and SQL handed to interpreters and clients, and what could not be
// parsed.
type Script struct {
	Commands []Command
	Code     []Code
	SQL      []SQLText
	Assigns  []Assign
	// Funcs are the shell functions the script defines, with the names of
	// the commands each body runs, for fork-bomb detection.
	Funcs []Func
	// Fallback is set when some part of the text was not valid shell and
	// was split by the conservative tokenizer instead.
	Fallback bool
	// Truncated is set when a limit stopped the walk.
	Truncated bool
	// Texts are the script texts parsed (the payload and every nested
	// script), for text-level checks such as fork bombs and PowerShell.
	Texts []string
}

// Func is a shell function definition.
type Func struct {
	Name string
	// Calls are the commands the body runs, with whether each runs in the
	// background or in a pipeline.
	Calls []FuncCall
}

// FuncCall is a command inside a function body.
type FuncCall struct {
	Name             string
	Background, Pipe bool
}

// ParseShell parses a shell script and resolves every command it would run.
// It never fails: text that is not valid shell is split by a conservative
// tokenizer (every line and every ; && || | segment is taken as a command)
// and Script.Fallback is set.
func ParseShell(src string) *Script {
	s := &Script{}
	w := walker{s: s}
	w.parse(src, ctx{parent: -1})
	w.finish()
	return s
}

// ParseArgv resolves an argv vector (OpenAI local_shell's ["bash", "-lc",
// "..."]) as if it were one command.
func ParseArgv(argv []string) *Script {
	s := &Script{}
	w := walker{s: s}
	if len(argv) > 0 {
		w.emit(argv, nil, ctx{parent: -1}, -1, false)
	}
	w.finish()
	return s
}

// ParseCode analyses a program text handed to an interpreter directly (a
// code tool's cell): shell commands it runs and files it deletes become
// Commands like those of a shell script.
func ParseCode(lang, text string) *Script {
	s := &Script{}
	w := walker{s: s}
	w.code(lang, text, -1, ctx{parent: -1})
	w.finish()
	return s
}

// finish clears parent marks left on commands whose holder was never
// recorded (a substitution in an assignment-only statement).
func (w *walker) finish() {
	for i := range w.s.Commands {
		if w.s.Commands[i].Parent == pendingParent {
			w.s.Commands[i].Parent = -1
		}
	}
}

// ctx is the nesting context a command is walked in.
type ctx struct {
	depth      int
	via        string
	parent     int
	subst      SubstKind
	privileged bool
	remote     bool
	synthetic  bool
}

// pendingParent marks commands found in the words of a command that has
// not been recorded yet; emit patches them to the command's Group.
const pendingParent = -2

type walker struct {
	s    *Script
	vars map[string]string
}

var parserPool = sync.Pool{New: func() any { return syntax.NewParser(syntax.Variant(syntax.LangBash)) }}

func (w *walker) full() bool {
	if len(w.s.Commands) >= maxCommands {
		w.s.Truncated = true
		return true
	}
	return false
}

// parse parses src as a shell script in context c and walks it.
func (w *walker) parse(src string, c ctx) {
	if c.depth > maxDepth || w.full() {
		w.s.Truncated = true
		return
	}
	if len(src) > maxScriptBytes {
		src = src[:maxScriptBytes]
		w.s.Truncated = true
	}
	src = foldText(src)
	w.s.Texts = append(w.s.Texts, src)
	p := parserPool.Get().(*syntax.Parser)
	f, err := p.Parse(strings.NewReader(src), "")
	parserPool.Put(p)
	if err != nil {
		w.s.Fallback = true
		w.fallback(src, c)
		return
	}
	w.stmts(f.Stmts, c)
}

func (w *walker) stmts(list []*syntax.Stmt, c ctx) int {
	out := -1
	for _, st := range list {
		out = w.stmt(st, c, -1)
	}
	return out
}

// stmt walks one statement and returns the index of the command whose
// output is the statement's output (for pipes), or -1.
func (w *walker) stmt(st *syntax.Stmt, c ctx, pipeFrom int) int {
	if st == nil || w.full() {
		return -1
	}
	start := len(w.s.Commands)
	var redirs []Redirect
	if len(st.Redirs) > 0 {
		redirs = make([]Redirect, 0, len(st.Redirs))
		for _, r := range st.Redirs {
			redirs = append(redirs, w.redirect(r, c))
		}
	}
	out := w.command(st.Cmd, redirs, c, pipeFrom, st.Background)
	g := -1
	if out >= 0 {
		g = w.s.Commands[out].Group
	}
	// Commands in redirect targets and heredoc bodies belong to the
	// statement's command.
	if g >= 0 {
		w.patchParents(start, g, g)
	}
	return out
}

func (w *walker) redirect(r *syntax.Redirect, c ctx) Redirect {
	rd := Redirect{Op: r.Op.String()}
	if r.N != nil {
		rd.Fd = r.N.Value
	}
	cc := c
	cc.parent = pendingParent
	cc.subst = SubstCommand
	if r.Word != nil {
		rd.Target, _, _ = w.word(r.Word, cc)
	}
	switch r.Op {
	case syntax.Hdoc, syntax.DashHdoc:
		if r.Hdoc != nil {
			rd.Body, _, _ = w.word(r.Hdoc, cc)
		}
	case syntax.WordHdoc:
		rd.Body = rd.Target + "\n"
	}
	return rd
}

func (w *walker) command(cmd syntax.Command, redirs []Redirect, c ctx, pipeFrom int, bg bool) int {
	switch x := cmd.(type) {
	case nil:
		if len(redirs) > 0 {
			return w.emit(nil, redirs, c, pipeFrom, bg)
		}
	case *syntax.CallExpr:
		return w.call(x, redirs, c, pipeFrom, bg)
	case *syntax.BinaryCmd:
		if x.Op == syntax.Pipe || x.Op == syntax.PipeAll {
			left := w.stmt(x.X, c, pipeFrom)
			return w.stmt(x.Y, c, left)
		}
		w.stmt(x.X, c, pipeFrom)
		return w.stmt(x.Y, c, -1)
	case *syntax.Subshell:
		return w.block(x.Stmts, redirs, c, pipeFrom)
	case *syntax.Block:
		return w.block(x.Stmts, redirs, c, pipeFrom)
	case *syntax.IfClause:
		for cl := x; cl != nil; cl = cl.Else {
			w.stmts(cl.Cond, c)
			w.stmts(cl.Then, c)
		}
	case *syntax.WhileClause:
		w.stmts(x.Cond, c)
		w.stmts(x.Do, c)
	case *syntax.ForClause:
		w.nested(x.Loop, c)
		w.stmts(x.Do, c)
	case *syntax.CaseClause:
		w.nested(x.Word, c)
		for _, it := range x.Items {
			w.stmts(it.Stmts, c)
		}
	case *syntax.FuncDecl:
		w.funcDecl(x, c)
	case *syntax.TimeClause:
		return w.stmt(x.Stmt, c, pipeFrom)
	case *syntax.CoprocClause:
		return w.stmt(x.Stmt, c, pipeFrom)
	case *syntax.DeclClause:
		w.decl(x, c)
	case *syntax.TestClause, *syntax.ArithmCmd, *syntax.LetClause:
		w.nested(x, c)
	}
	return -1
}

// block walks a subshell or brace group; redirections of the group apply to
// its first command (stdin) and last command (stdout) as a shell would
// route them.
func (w *walker) block(list []*syntax.Stmt, redirs []Redirect, c ctx, pipeFrom int) int {
	first := len(w.s.Commands)
	out := -1
	for i, st := range list {
		pf := -1
		if i == 0 {
			pf = pipeFrom
		}
		out = w.stmt(st, c, pf)
	}
	if len(redirs) > 0 && first < len(w.s.Commands) {
		for i := first; i < len(w.s.Commands); i++ {
			if w.s.Commands[i].Depth == c.depth {
				w.s.Commands[i].Redirs = append(w.s.Commands[i].Redirs, redirs...)
			}
		}
	}
	return out
}

// nested walks the command substitutions inside a node that is not itself
// a command (a for-loop's word list, a [[ test ]], a case word).
func (w *walker) nested(n syntax.Node, c ctx) {
	syntax.Walk(n, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.CmdSubst:
			cc := c
			cc.parent, cc.subst = -1, SubstCommand
			w.stmts(x.Stmts, cc)
			return false
		case *syntax.ProcSubst:
			cc := c
			cc.parent, cc.subst = -1, SubstProcess
			w.stmts(x.Stmts, cc)
			return false
		}
		return true
	})
}

func (w *walker) funcDecl(x *syntax.FuncDecl, c ctx) {
	if x.Name == nil {
		return
	}
	fn := Func{Name: x.Name.Value}
	inPipe := map[*syntax.Stmt]bool{}
	syntax.Walk(x.Body, func(n syntax.Node) bool {
		switch y := n.(type) {
		case *syntax.BinaryCmd:
			if y.Op == syntax.Pipe || y.Op == syntax.PipeAll {
				inPipe[y.X], inPipe[y.Y] = true, true
			}
		case *syntax.Stmt:
			if ce, ok := y.Cmd.(*syntax.CallExpr); ok && len(ce.Args) > 0 {
				fn.Calls = append(fn.Calls, FuncCall{Name: ce.Args[0].Lit(), Pipe: inPipe[y], Background: y.Background})
			}
		}
		return true
	})
	w.s.Funcs = append(w.s.Funcs, fn)
	cc := c
	cc.via = "function " + fn.Name
	w.stmt(x.Body, cc, -1)
}

func (w *walker) decl(x *syntax.DeclClause, c ctx) {
	for _, a := range x.Args {
		if a.Name == nil {
			continue
		}
		val := ""
		if a.Value != nil {
			val, _, _ = w.word(a.Value, c)
		}
		if !a.Naked {
			w.setVar(a.Name.Value, val)
		}
		w.s.Assigns = append(w.s.Assigns, Assign{Name: a.Name.Value, Value: val, Cmd: -1})
	}
}

func (w *walker) setVar(name, val string) {
	if w.vars == nil {
		w.vars = make(map[string]string, 4)
	}
	w.vars[name] = val
}

func (w *walker) call(x *syntax.CallExpr, redirs []Redirect, c ctx, pipeFrom int, bg bool) int {
	start := len(w.s.Commands)
	cc := c
	cc.parent = pendingParent
	cc.subst = SubstCommand
	var own []int // indexes in Script.Assigns of this command's prefix assignments
	for _, a := range x.Assigns {
		if a.Name == nil {
			continue
		}
		val := ""
		if a.Value != nil {
			val, _, _ = w.word(a.Value, cc)
		}
		if len(x.Args) == 0 {
			w.setVar(a.Name.Value, val)
		}
		own = append(own, len(w.s.Assigns))
		w.s.Assigns = append(w.s.Assigns, Assign{Name: a.Name.Value, Value: val, Cmd: -1})
	}
	argv := make([]string, 0, len(x.Args))
	dynamic := false
	for _, wd := range x.Args {
		s, split, dyn := w.word(wd, cc)
		dynamic = dynamic || dyn
		if split {
			argv = append(argv, strings.Fields(s)...)
		} else {
			argv = append(argv, s)
		}
	}
	if len(argv) == 0 && len(redirs) == 0 {
		return -1
	}
	out := w.emit(argv, redirs, c, pipeFrom, bg)
	if out < 0 {
		return -1
	}
	g := w.s.Commands[out].Group
	if dynamic {
		w.s.Commands[g].Dynamic = true
	}
	w.patchParents(start, g, g)
	if len(argv) > 0 {
		for _, i := range own {
			w.s.Assigns[i].Cmd = g
		}
	}
	return out
}

// patchParents gives the commands found in a command's words, recorded in
// [from, to) before the command itself, their Parent.
func (w *walker) patchParents(from, to, g int) {
	for i := from; i < to && i < len(w.s.Commands); i++ {
		if w.s.Commands[i].Parent == pendingParent {
			w.s.Commands[i].Parent = g
		}
	}
}

// word resolves a shell word to the string the shell would pass, as far as
// it is known. split reports an unquoted expansion whose value the shell
// would split into fields; dyn reports a part that could not be resolved.
func (w *walker) word(wd *syntax.Word, c ctx) (s string, split, dyn bool) {
	if wd == nil {
		return "", false, false
	}
	if len(wd.Parts) == 1 {
		if l, ok := wd.Parts[0].(*syntax.Lit); ok && strings.IndexByte(l.Value, '\\') < 0 {
			return l.Value, false, false
		}
	}
	var b strings.Builder
	for _, p := range wd.Parts {
		sp, dp := w.part(&b, p, false, c)
		split = split || sp
		dyn = dyn || dp
	}
	return b.String(), split, dyn
}

func (w *walker) part(b *strings.Builder, p syntax.WordPart, quoted bool, c ctx) (split, dyn bool) {
	switch x := p.(type) {
	case *syntax.Lit:
		if quoted {
			b.WriteString(unescapeDquote(x.Value))
		} else {
			b.WriteString(unescapeLit(x.Value))
		}
	case *syntax.SglQuoted:
		if x.Dollar {
			b.WriteString(ansiC(x.Value))
		} else {
			b.WriteString(x.Value)
		}
	case *syntax.DblQuoted:
		for _, q := range x.Parts {
			_, d := w.part(b, q, true, c)
			dyn = dyn || d
		}
	case *syntax.ParamExp:
		return w.param(b, x, quoted, c)
	case *syntax.CmdSubst:
		cc := c
		cc.subst = SubstCommand
		out := w.stmts(x.Stmts, cc)
		if out >= 0 && w.s.Commands[out].HasOutput {
			b.WriteString(strings.TrimRight(w.s.Commands[out].Output, "\n"))
			return !quoted, false
		}
		b.WriteString("$()")
		return false, true
	case *syntax.ProcSubst:
		cc := c
		cc.subst = SubstProcess
		w.stmts(x.Stmts, cc)
		b.WriteString("<()")
		return false, true
	case *syntax.ArithmExp:
		b.WriteString("$(())")
		return false, true
	case *syntax.ExtGlob:
		b.WriteString(x.Op.String())
		if x.Pattern != nil {
			b.WriteString(x.Pattern.Value)
		}
		b.WriteByte(')')
	case *syntax.BraceExp:
		b.WriteByte('{')
		for i, e := range x.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			s, _, _ := w.word(e, c)
			b.WriteString(s)
		}
		b.WriteByte('}')
	}
	return false, false
}

// wellKnownVars keep their $NAME form so that path rules can reason about
// them ($HOME is the home directory, $TMPDIR a temporary one).
var wellKnownVars = map[string]bool{
	"HOME": true, "TMPDIR": true, "TMP": true, "TEMP": true, "PWD": true, "OLDPWD": true,
	"USER": true, "PATH": true, "SHELL": true, "XDG_RUNTIME_DIR": true, "XDG_CACHE_HOME": true,
	"XDG_CONFIG_HOME": true, "XDG_DATA_HOME": true, "RUNNER_TEMP": true,
}

func (w *walker) param(b *strings.Builder, x *syntax.ParamExp, quoted bool, c ctx) (split, dyn bool) {
	if x.Param == nil {
		b.WriteString("$")
		return false, true
	}
	name := x.Param.Value
	if x.Length || x.Excl || x.Slice != nil || x.Repl != nil || x.Index != nil {
		b.WriteString("$" + name)
		return false, true
	}
	if v, ok := w.vars[name]; ok && x.Exp == nil {
		b.WriteString(v)
		return !quoted, false
	}
	if name == "IFS" && x.Exp == nil {
		b.WriteByte(' ')
		return !quoted, false
	}
	if x.Exp != nil && x.Exp.Word != nil && !wellKnownVars[name] {
		switch x.Exp.Op {
		case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AssignUnset, syntax.AssignUnsetOrNull:
			if _, known := w.vars[name]; !known {
				v, _, d := w.word(x.Exp.Word, c)
				b.WriteString(v)
				return !quoted, d
			}
		}
	}
	b.WriteString("$" + name)
	return false, !wellKnownVars[name]
}

// unescapeLit removes the backslashes of an unquoted literal: `\r\m` is
// "rm", and a backslash-newline joins lines.
func unescapeLit(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeDquote removes the backslashes a double-quoted string gives
// meaning to (before $ ` " \ and newline) and keeps the others.
func unescapeDquote(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '$', '`', '"', '\\':
				i++
			case '\n':
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ansiC decodes the escapes of a $'...' string, the usual way to spell
// a command name in hex (`$'\x72\x6d'` is rm).
func ansiC(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '\\' || i+1 >= len(s) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'e', 'E':
			b.WriteByte(27)
		case 'f':
			b.WriteByte(12)
		case 'v':
			b.WriteByte(11)
		case 'x':
			v, n := hexVal(s[i+1:], 2)
			if n == 0 {
				b.WriteString(`\x`)
				continue
			}
			b.WriteByte(byte(v))
			i += n
		case 'u', 'U':
			max := 4
			if s[i] == 'U' {
				max = 8
			}
			v, n := hexVal(s[i+1:], max)
			if n == 0 {
				b.WriteByte('\\')
				b.WriteByte(s[i])
				continue
			}
			b.WriteRune(rune(v))
			i += n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := 0, 0
			for n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' {
				v = v*8 + int(s[i+n]-'0')
				n++
			}
			b.WriteByte(byte(v))
			i += n - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func hexVal(s string, max int) (int, int) {
	v, n := 0, 0
	for n < max && n < len(s) {
		c := s[n]
		switch {
		case c >= '0' && c <= '9':
			v = v*16 + int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v*16 + int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v*16 + int(c-'A'+10)
		default:
			return v, n
		}
		n++
	}
	return v, n
}

func isAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
