package toolrisk

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// commandName reduces a program word to the name rules match on: the base
// name after any directory (`/usr/bin/../bin/rm`), without leading
// backslashes or a Windows ".exe", lowercased.
func commandName(p string) string {
	p = strings.TrimLeft(p, `\`)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 && i < len(p)-1 {
		p = p[i+1:]
	}
	p = asciiLower(p)
	p = strings.TrimSuffix(p, ".exe")
	return p
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// emit records one simple command and unwraps it: when the command runs
// another one (sudo rm, bash -c '...', xargs rm), the inner command is
// recorded too, in the same Group. It returns the index of the innermost
// layer, whose output is the command's output.
func (w *walker) emit(argv []string, redirs []Redirect, c ctx, pipeFrom int, bg bool) int {
	if w.full() {
		return -1
	}
	cmd := Command{
		PipeFrom: pipeFrom, Parent: c.parent, Subst: c.subst, Depth: c.depth, Via: c.via,
		Privileged: c.privileged, Remote: c.remote, Synthetic: c.synthetic, Background: bg,
		Redirs: redirs,
	}
	if len(argv) > 0 {
		cmd.Path = argv[0]
		cmd.Name = commandName(argv[0])
		cmd.Args = argv[1:]
	}
	for i := range redirs {
		switch redirs[i].Op {
		case "<<", "<<-", "<<<":
			cmd.Stdin, cmd.HasStdin = redirs[i].Body, true
		}
	}
	if !cmd.HasStdin && pipeFrom >= 0 && pipeFrom < len(w.s.Commands) && w.s.Commands[pipeFrom].HasOutput {
		cmd.Stdin, cmd.HasStdin = w.s.Commands[pipeFrom].Output, true
	}
	cmd.Output, cmd.HasOutput = staticOutput(&cmd)
	idx := len(w.s.Commands)
	cmd.Group = idx
	w.s.Commands = append(w.s.Commands, cmd)
	return w.unwrap(idx, c, 0)
}

// layer records the command an outer wrapper runs, sharing the outer
// command's group, stdin and redirections.
func (w *walker) layer(outer int, argv []string, via string, c ctx, layers int) int {
	if len(argv) == 0 || w.full() {
		return outer
	}
	o := &w.s.Commands[outer]
	cmd := Command{
		Path: argv[0], Name: commandName(argv[0]), Args: argv[1:],
		Redirs: o.Redirs, Stdin: o.Stdin, HasStdin: o.HasStdin, PipeFrom: o.PipeFrom,
		Group: o.Group, Parent: o.Parent, Subst: o.Subst, Depth: o.Depth, Via: via,
		Privileged: o.Privileged || c.privileged, Remote: o.Remote || c.remote,
		Synthetic: o.Synthetic, Background: o.Background, Dynamic: o.Dynamic,
	}
	cmd.Output, cmd.HasOutput = staticOutput(&cmd)
	idx := len(w.s.Commands)
	w.s.Commands = append(w.s.Commands, cmd)
	return w.unwrap(idx, c, layers+1)
}

// script parses a script string that command idx runs.
func (w *walker) script(idx int, src string, via string, kind SubstKind, c ctx) {
	o := &w.s.Commands[idx]
	cc := ctx{
		depth: o.Depth + 1, via: via, parent: o.Group, subst: kind,
		privileged: o.Privileged || c.privileged, remote: o.Remote || c.remote,
	}
	w.parse(src, cc)
}

// staticOutput is what a command prints when that is known without running
// anything: echo and printf of literals, cat of a heredoc, and decoders
// (base64 -d, xxd -r -p, rev) of a known input. Shells fed such output run
// it, so knowing it turns `echo cm0gLXJmIC8= | base64 -d | sh` into rm -rf /.
func staticOutput(c *Command) (string, bool) {
	switch c.Name {
	case "echo":
		args := c.Args
		for len(args) > 0 && (args[0] == "-n" || args[0] == "-e" || args[0] == "-E" || args[0] == "-ne" || args[0] == "-en") {
			args = args[1:]
		}
		return strings.Join(args, " ") + "\n", true
	case "printf":
		if len(c.Args) == 0 {
			return "", false
		}
		f := c.Args[0]
		if len(c.Args) == 1 && !strings.Contains(f, "%") {
			return unescapePrintf(f), true
		}
		if f == "%s" || f == "%s\\n" || f == "%b" || f == "%s\n" {
			return strings.Join(c.Args[1:], ""), true
		}
	case "cat", "tee":
		if c.HasStdin && (len(c.Args) == 0 || (len(c.Args) == 1 && c.Args[0] == "-") || c.Name == "tee") {
			return c.Stdin, true
		}
	case "base64", "base32":
		if !c.HasStdin || !(hasArg(c.Args, "-d") || hasArg(c.Args, "--decode") || hasArg(c.Args, "-D")) {
			return "", false
		}
		in := strings.Join(strings.Fields(c.Stdin), "")
		if c.Name == "base64" {
			if b, err := base64.StdEncoding.DecodeString(in); err == nil {
				return string(b), true
			}
			if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(in, "=")); err == nil {
				return string(b), true
			}
		}
	case "xxd":
		if c.HasStdin && hasArg(c.Args, "-r") && hasArg(c.Args, "-p") {
			if b, err := hex.DecodeString(strings.Join(strings.Fields(c.Stdin), "")); err == nil {
				return string(b), true
			}
		}
	case "rev":
		if c.HasStdin && len(c.Args) == 0 {
			lines := strings.Split(strings.TrimSuffix(c.Stdin, "\n"), "\n")
			for i, l := range lines {
				r := []rune(l)
				for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
					r[a], r[b] = r[b], r[a]
				}
				lines[i] = string(r)
			}
			return strings.Join(lines, "\n") + "\n", true
		}
	}
	return "", false
}

func unescapePrintf(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return ansiC(s)
}

func hasArg(args []string, a string) bool {
	for _, x := range args {
		if x == a {
			return true
		}
	}
	return false
}

// shells are the command interpreters whose -c argument or stdin is a
// script.
var shells = map[string]bool{
	"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "mksh": true, "ash": true,
	"fish": true, "csh": true, "tcsh": true, "yash": true, "rbash": true, "busybox-sh": true,
}

// IsShell reports whether a command name is a POSIX-like shell.
func IsShell(name string) bool { return shells[name] }

// interpreter returns the language of a program interpreter, or "".
func interpreter(name string) string {
	switch {
	case name == "python" || name == "python2" || name == "python3" || name == "pypy" || name == "pypy3" ||
		strings.HasPrefix(name, "python3.") || strings.HasPrefix(name, "python2."):
		return "python"
	case name == "node" || name == "nodejs" || name == "deno" || name == "bun":
		return "node"
	case name == "perl" || strings.HasPrefix(name, "perl5"):
		return "perl"
	case name == "ruby" || name == "irb":
		return "ruby"
	case name == "php":
		return "php"
	case name == "pwsh" || name == "powershell":
		return "powershell"
	case name == "cmd":
		return "cmd"
	case name == "osascript":
		return "applescript"
	case name == "lua" || name == "luajit":
		return "lua"
	case name == "rscript":
		return "r"
	case name == "mongo" || name == "mongosh":
		return "mongo"
	}
	return ""
}

// sqlClients maps database command-line clients to the options that carry
// a SQL statement.
var sqlClients = map[string][]string{
	"psql":              {"-c", "--command"},
	"mysql":             {"-e", "--execute"},
	"mariadb":           {"-e", "--execute"},
	"sqlite3":           {"-cmd"},
	"sqlite":            {"-cmd"},
	"clickhouse-client": {"-q", "--query"},
	"sqlcmd":            {"-q", "-Q", "--query"},
	"snowsql":           {"-q", "--query"},
	"duckdb":            {"-c"},
	"trino":             {"--execute"},
	"presto":            {"--execute"},
	"cqlsh":             {"-e", "--execute"},
	"spark-sql":         {"-e"},
	"hive":              {"-e"},
	"beeline":           {"-e"},
	"impala-shell":      {"-q", "--query"},
	"cockroach":         {"-e", "--execute"},
	"bq":                {},
	"vsql":              {"-c", "--command"},
}

// unwrap records what command idx runs when it is a wrapper, and returns
// the index of the innermost layer.
func (w *walker) unwrap(idx int, c ctx, layers int) int {
	if layers > 8 {
		return idx
	}
	cmd := &w.s.Commands[idx]
	name, args := cmd.Name, cmd.Args
	switch name {
	case "sudo", "doas", "pkexec", "run0", "gosu", "su-exec":
		rest := skipOptions(args, "ugCDhprtTU", []string{"--user", "--group", "--host", "--prompt", "--chdir", "--role", "--type", "--other-user", "--close-from", "--command-timeout"})
		if (name == "gosu" || name == "su-exec") && len(rest) > 0 {
			rest = rest[1:] // the user
		}
		pc := c
		pc.privileged = true
		return w.layer(idx, rest, name, pc, layers)
	case "env":
		return w.layer(idx, w.envInner(idx, args), "env", c, layers)
	case "command":
		if len(args) > 0 && (args[0] == "-v" || args[0] == "-V") {
			return idx
		}
		return w.layer(idx, skipOptions(args, "", nil), "command", c, layers)
	case "builtin", "nohup", "setsid", "unbuffer", "exec", "time", "caffeinate", "catchsegv", "proxychains", "proxychains4", "torsocks", "busybox", "toybox", "fakeroot", "faketime":
		rest := args
		switch name {
		case "exec":
			rest = skipOptions(args, "a", nil)
		case "time", "setsid", "caffeinate":
			rest = skipOptions(args, "", nil)
		case "faketime":
			if len(rest) > 0 {
				rest = rest[1:]
			}
		}
		return w.layer(idx, rest, name, c, layers)
	case "nice", "ionice", "stdbuf", "chrt", "taskset", "cpulimit", "trickle":
		rest := skipOptions(args, "ncpiolet", []string{"--adjustment", "--class", "--classdata", "--input", "--output", "--error", "--limit", "--cpu-list"})
		if (name == "chrt" || name == "taskset") && len(rest) > 0 {
			rest = rest[1:] // priority or CPU mask
		}
		return w.layer(idx, rest, name, c, layers)
	case "timeout", "gtimeout":
		rest := skipOptions(args, "sk", []string{"--signal", "--kill-after"})
		if len(rest) > 0 {
			rest = rest[1:] // the duration
		}
		return w.layer(idx, rest, name, c, layers)
	case "flock":
		rest := skipOptions(args, "wEc", []string{"--timeout", "--conflict-exit-code", "--command"})
		if s, ok := optValue(args, "-c", "--command"); ok {
			w.script(idx, s, "flock -c", SubstScript, c)
			return idx
		}
		if len(rest) > 0 {
			rest = rest[1:] // the lock file
		}
		return w.layer(idx, rest, name, c, layers)
	case "systemd-run", "chroot", "sg", "runcon", "prlimit", "unshare", "nsenter", "firejail", "bwrap":
		var rest []string
		switch name {
		case "systemd-run":
			rest = skipOptions(args, "pEM", []string{"--unit", "--property", "--description", "--slice", "--uid", "--gid",
				"--working-directory", "--setenv", "--on-calendar", "--on-active", "--on-boot", "--machine", "--host", "--nice"})
		case "sg":
			if s, ok := optValue(args, "-c", ""); ok {
				w.script(idx, s, "sg -c", SubstScript, c)
				return idx
			}
			rest = skipOptions(args, "", nil)
			if len(rest) > 0 {
				rest = rest[1:] // the group
			}
		case "chroot", "runcon":
			rest = skipOptions(args, "", nil)
			if len(rest) > 0 {
				rest = rest[1:] // the new root or context
			}
		case "nsenter":
			rest = skipOptions(args, "tSG", []string{"--target", "--setuid", "--setgid"})
		default:
			rest = skipOptions(args, "", nil)
		}
		return w.layer(idx, rest, name, c, layers)
	case "at", "batch":
		if cmd.HasStdin && !hasArg(args, "-f") && !hasArg(args, "-l") && !hasArg(args, "-r") {
			w.script(idx, cmd.Stdin, name, SubstStdin, c)
		}
		return idx
	case "awk", "gawk", "mawk", "nawk", "busybox-awk":
		if ops := skipOptions(args, "Fvf", []string{"--field-separator", "--assign", "--file"}); len(ops) > 0 && !hasArg(args, "-f") {
			w.code("awk", ops[0], idx, c)
		}
		return idx
	case "watch":
		rest := skipOptions(args, "nd", []string{"--interval", "--differences"})
		if len(rest) > 0 {
			w.script(idx, strings.Join(rest, " "), "watch", SubstScript, c)
		}
		return idx
	case "xargs":
		rest := skipOptions(args, "IinPdLlsEea", []string{"--max-args", "--max-procs", "--delimiter", "--max-lines", "--max-chars", "--eof", "--arg-file", "--replace"})
		if len(rest) == 0 {
			rest = []string{"echo"}
		}
		return w.layer(idx, rest, "xargs", c, layers)
	case "find":
		w.findExec(idx, c, layers)
		return idx
	case "su", "runuser":
		pc := c
		pc.privileged = true
		if s, ok := optValue(args, "-c", "--command"); ok {
			cmd.Privileged = true
			w.script(idx, s, name+" -c", SubstScript, pc)
			return idx
		}
		if i := indexOf(args, "--"); i >= 0 && name == "runuser" {
			return w.layer(idx, args[i+1:], name, pc, layers)
		}
		return idx
	case "eval":
		if len(args) > 0 {
			w.script(idx, strings.Join(args, " "), "eval", SubstScript, c)
		}
		return idx
	case "script":
		if s, ok := optValue(args, "-c", "--command"); ok {
			w.script(idx, s, "script -c", SubstScript, c)
		}
		return idx
	case "ssh", "autossh":
		rest := skipOptions(args, "bcDEeFIiJLlmOopQRSWwB", nil)
		if len(rest) > 1 {
			rc := c
			rc.remote = true
			w.script(idx, strings.Join(rest[1:], " "), "ssh", SubstScript, rc)
		}
		return idx
	case "kubectl", "oc":
		if len(args) > 0 && args[0] == "exec" {
			if i := indexOf(args, "--"); i >= 0 {
				rc := c
				rc.remote = true
				return w.layer(idx, args[i+1:], name+" exec", rc, layers)
			}
		}
		return idx
	case "docker", "podman", "nerdctl":
		if inner := containerCommand(args); len(inner) > 0 {
			rc := c
			rc.remote = true
			return w.layer(idx, inner, name+" "+args[0], rc, layers)
		}
		return idx
	case "doppler", "op", "infisical", "aws-vault", "chamber", "dotenv", "uv", "poetry", "pipenv", "direnv", "with-contenv", "envchain", "teller", "sops":
		if i := indexOf(args, "--"); i >= 0 {
			return w.layer(idx, args[i+1:], name, c, layers)
		}
		if (name == "uv" || name == "poetry" || name == "pipenv") && len(args) > 1 && args[0] == "run" {
			return w.layer(idx, skipOptions(args[1:], "", nil), name+" run", c, layers)
		}
		return idx
	case "source", ".":
		return idx
	}
	if shells[name] {
		return w.shellInner(idx, c, layers)
	}
	if lang := interpreter(name); lang != "" {
		w.interp(idx, lang, c)
		return idx
	}
	if opts, ok := sqlClients[name]; ok {
		w.sqlClient(idx, name, opts)
		return idx
	}
	if name == "clickhouse" && len(args) > 0 && args[0] == "client" {
		w.sqlClient(idx, "clickhouse-client", sqlClients["clickhouse-client"])
	}
	return idx
}

// shellInner handles `bash -c SCRIPT`, `bash` reading a heredoc or a pipe,
// and `bash FILE`.
func (w *walker) shellInner(idx int, c ctx, layers int) int {
	cmd := &w.s.Commands[idx]
	args := cmd.Args
	cflag := false
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if a == "-o" || a == "+o" || a == "--rcfile" || a == "--init-file" {
			i++
			continue
		}
		if strings.HasPrefix(a, "--") {
			continue
		}
		if len(a) > 1 && (a[0] == '-' || a[0] == '+') {
			if a[0] == '-' && strings.IndexByte(a[1:], 'c') >= 0 {
				cflag = true
			}
			continue
		}
		break
	}
	name := cmd.Name
	if cflag {
		if i < len(args) {
			w.script(idx, args[i], name+" -c", SubstScript, c)
		}
		return idx
	}
	if i < len(args) {
		return idx // runs a script file
	}
	if cmd.HasStdin {
		w.script(idx, cmd.Stdin, name+" stdin", SubstStdin, c)
	}
	return idx
}

// interp records the program an interpreter runs from -c/-e or stdin.
func (w *walker) interp(idx int, lang string, c ctx) {
	cmd := &w.s.Commands[idx]
	args := cmd.Args
	var code []string
	switch lang {
	case "python":
		for i := 0; i < len(args); i++ {
			a := args[i]
			if a == "-m" || (!strings.HasPrefix(a, "-") && a != "") {
				code = nil
				break
			}
			if a == "-c" || (len(a) > 2 && a[0] == '-' && a[1] != '-' && a[len(a)-1] == 'c') {
				if i+1 < len(args) {
					code = append(code, args[i+1])
				}
				break
			}
			if a == "-W" || a == "-X" {
				i++
			}
		}
	case "node":
		if cmd.Name == "deno" && len(args) > 1 && args[0] == "eval" {
			code = append(code, args[1])
			break
		}
		for i := 0; i < len(args)-1; i++ {
			switch args[i] {
			case "-e", "--eval", "-p", "--print":
				code = append(code, args[i+1])
			}
		}
	case "perl", "ruby":
		for i := 0; i < len(args)-1; i++ {
			a := args[i]
			if len(a) >= 2 && a[0] == '-' && a[1] != '-' && a[1] != 'M' && a[1] != 'I' && a[1] != 'r' && a[1] != 'm' &&
				(a[len(a)-1] == 'e' || a[len(a)-1] == 'E') {
				code = append(code, args[i+1])
				i++
			}
		}
	case "php", "lua", "r", "applescript", "mongo":
		flags := map[string][]string{"php": {"-r"}, "lua": {"-e"}, "r": {"-e"}, "applescript": {"-e"}, "mongo": {"--eval"}}[lang]
		for i := 0; i < len(args)-1; i++ {
			for _, f := range flags {
				if args[i] == f {
					code = append(code, args[i+1])
				}
			}
		}
		for _, a := range args {
			if strings.HasPrefix(a, "--eval=") {
				code = append(code, a[len("--eval="):])
			}
		}
	case "powershell":
		for i := 0; i < len(args); i++ {
			a := strings.ToLower(args[i])
			switch a {
			case "-command", "-c", "/c", "-com", "-comm":
				code = append(code, strings.Join(args[i+1:], " "))
				i = len(args)
			case "-encodedcommand", "-enc", "-ec", "-e", "-en", "-encoded":
				if i+1 < len(args) {
					code = append(code, decodeUTF16B64(args[i+1]))
					w.s.Code = append(w.s.Code, Code{Lang: "powershell-encoded", Text: args[i+1], Cmd: idx})
				}
				i = len(args)
			}
		}
		if len(code) == 0 {
			if rest := skipOptions(args, "", nil); len(rest) > 0 && !strings.HasSuffix(strings.ToLower(rest[0]), ".ps1") {
				code = append(code, strings.Join(rest, " "))
			}
		}
	case "cmd":
		for i, a := range args {
			if la := strings.ToLower(a); la == "/c" || la == "/k" || la == "/r" {
				code = append(code, strings.Join(args[i+1:], " "))
				break
			}
		}
	}
	if len(code) == 0 && cmd.HasStdin && len(skipOptions(args, "", nil)) == 0 {
		code = append(code, cmd.Stdin)
	}
	for _, t := range code {
		w.code(lang, t, idx, c)
	}
}

// sqlClient records the SQL a database client is given on its command line
// or stdin.
func (w *walker) sqlClient(idx int, name string, opts []string) {
	cmd := &w.s.Commands[idx]
	args := cmd.Args
	found := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		for _, o := range opts {
			switch {
			case a == o && i+1 < len(args):
				w.s.SQL = append(w.s.SQL, SQLText{Text: args[i+1], Cmd: idx})
				found = true
			case strings.HasPrefix(o, "--") && strings.HasPrefix(a, o+"="):
				w.s.SQL = append(w.s.SQL, SQLText{Text: a[len(o)+1:], Cmd: idx})
				found = true
			case len(o) == 2 && len(a) > 2 && strings.HasPrefix(a, o) && !strings.HasPrefix(a, "--") && name != "sqlcmd":
				// mysql -e"DROP ..." with the value attached.
				w.s.SQL = append(w.s.SQL, SQLText{Text: a[2:], Cmd: idx})
				found = true
			}
		}
	}
	switch name {
	case "sqlite3", "sqlite", "duckdb":
		if pos := positionals(args); len(pos) >= 2 {
			w.s.SQL = append(w.s.SQL, SQLText{Text: strings.Join(pos[1:], " "), Cmd: idx})
			found = true
		}
	case "bq":
		if pos := positionals(args); len(pos) >= 2 && pos[0] == "query" {
			w.s.SQL = append(w.s.SQL, SQLText{Text: pos[len(pos)-1], Cmd: idx})
			found = true
		}
	case "cockroach":
		if len(args) == 0 || args[0] != "sql" {
			return
		}
	}
	if !found && cmd.HasStdin {
		w.s.SQL = append(w.s.SQL, SQLText{Text: cmd.Stdin, Cmd: idx})
	}
}

// envInner strips env's options and NAME=VALUE words and returns the
// command it runs (nil when env only prints the environment).
func (w *walker) envInner(idx int, args []string) []string {
	var pre []string
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			i++
			goto assigns
		case a == "-u" || a == "-C" || a == "-P" || a == "--unset" || a == "--chdir":
			i++
		case a == "-S" || a == "--split-string":
			if i+1 < len(args) {
				pre = append(pre, strings.Fields(args[i+1])...)
			}
			i++
		case strings.HasPrefix(a, "--split-string="):
			pre = append(pre, strings.Fields(a[len("--split-string="):])...)
		case strings.HasPrefix(a, "-") && len(a) > 1:
		default:
			goto assigns
		}
	}
assigns:
	for ; i < len(args); i++ {
		eq := strings.IndexByte(args[i], '=')
		if eq <= 0 || !isName(args[i][:eq]) {
			break
		}
		w.s.Assigns = append(w.s.Assigns, Assign{Name: args[i][:eq], Value: args[i][eq+1:], Cmd: w.s.Commands[idx].Group})
	}
	return append(pre, args[i:]...)
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return s != ""
}

// findExec records the commands of find's -exec/-execdir/-ok actions, with
// {} replaced by the starting point so that `find / -exec rm -rf {} +`
// reads as rm -rf on /.
func (w *walker) findExec(idx int, c ctx, layers int) {
	args := w.s.Commands[idx].Args
	root := "."
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		root = args[0]
	}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-exec", "-execdir", "-ok", "-okdir":
			j := i + 1
			for j < len(args) && args[j] != ";" && args[j] != "+" {
				j++
			}
			inner := make([]string, 0, j-i-1)
			for _, a := range args[i+1 : j] {
				inner = append(inner, strings.ReplaceAll(a, "{}", root))
			}
			w.layer(idx, inner, "find "+args[i], c, layers)
			i = j
		}
	}
}

// containerCommand returns the command docker/podman exec or run executes
// in the container, or nil.
func containerCommand(args []string) []string {
	if len(args) == 0 {
		return nil
	}
	sub := args[0]
	if sub == "container" && len(args) > 1 {
		args = args[1:]
		sub = args[0]
	}
	var valued string
	switch sub {
	case "exec":
		valued = "-e --env -u --user -w --workdir --env-file --detach-keys"
	case "run":
		valued = "-e --env -u --user -w --workdir --env-file --name -v --volume -p --publish --network --net --entrypoint --mount -l --label --platform -m --memory --cpus --hostname -h --add-host --device --cap-add --cap-drop --security-opt --ulimit --restart --log-driver --log-opt --pid --ipc --tmpfs --gpus --shm-size --dns --expose --link --runtime --user --group-add --pull --stop-signal --health-cmd --cidfile"
	default:
		return nil
	}
	rest := args[1:]
	i := 0
	for ; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			i++
			break
		}
		if !strings.HasPrefix(a, "-") {
			break
		}
		if strings.Contains(a, "=") {
			continue
		}
		if strings.Contains(" "+valued+" ", " "+a+" ") {
			i++
		}
	}
	if i+1 < len(rest) {
		return rest[i+1:]
	}
	return nil
}

// skipOptions drops leading options and returns the words from the first
// operand on. Short options listed in valued take a value (attached or as
// the next word), as do the long options in longValued (unless written
// --opt=value).
func skipOptions(args []string, valued string, longValued []string) []string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args[i+1:]
		}
		if len(a) < 2 || a[0] != '-' {
			return args[i:]
		}
		if a[1] == '-' {
			if strings.IndexByte(a, '=') < 0 {
				for _, l := range longValued {
					if a == l {
						i++
						break
					}
				}
			}
			continue
		}
		// A cluster of short options: a valued letter takes the rest of
		// the cluster, or the next word when it ends the cluster.
		for j := 1; j < len(a); j++ {
			if strings.IndexByte(valued, a[j]) >= 0 {
				if j == len(a)-1 {
					i++
				}
				break
			}
		}
	}
	return nil
}

// optValue returns the value of an option given as "-c VALUE", "-cVALUE"
// or "--command=VALUE".
func optValue(args []string, short, long string) (string, bool) {
	for i, a := range args {
		switch {
		case a == short || (long != "" && a == long):
			if i+1 < len(args) {
				return args[i+1], true
			}
		case long != "" && strings.HasPrefix(a, long+"="):
			return a[len(long)+1:], true
		}
	}
	return "", false
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	return -1
}

// positionals returns the words that are not options (do not start with
// "-"), and everything after "--".
func positionals(args []string) []string {
	var out []string
	for i, a := range args {
		if a == "--" {
			return append(out, args[i+1:]...)
		}
		if len(a) > 1 && a[0] == '-' {
			continue
		}
		out = append(out, a)
	}
	return out
}

// decodeUTF16B64 decodes PowerShell's -EncodedCommand (base64 of UTF-16LE).
func decodeUTF16B64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	out := make([]rune, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		out = append(out, rune(uint16(b[i])|uint16(b[i+1])<<8))
	}
	return string(out)
}
