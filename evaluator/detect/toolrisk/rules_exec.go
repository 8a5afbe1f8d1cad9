package toolrisk

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// downloaders fetch content from the network.
var downloaders = map[string]bool{
	"curl": true, "curlie": true, "wget": true, "wget2": true, "fetch": true, "aria2c": true, "http": true,
	"https": true, "xh": true, "xhs": true, "lwp-download": true, "lwp-request": true, "get": true,
}

// netTools open raw network connections.
var netTools = map[string]bool{
	"nc": true, "ncat": true, "netcat": true, "nc.traditional": true, "nc.openbsd": true, "socat": true,
	"telnet": true, "openssl": true, "cryptcat": true, "pwncat": true,
}

// passThrough are filters that pass their input on (possibly transformed),
// walked through when tracing what feeds a shell.
var passThrough = map[string]bool{
	"tee": true, "cat": true, "gunzip": true, "zcat": true, "gzip": true, "bunzip2": true, "xz": true, "unxz": true,
	"base64": true, "base32": true, "xxd": true, "openssl": true, "rev": true, "tr": true, "sed": true, "head": true,
	"tail": true, "tar": true, "dd": true, "iconv": true, "awk": true, "cut": true, "sort": true, "uniq": true,
	"grep": true, "perl": true, "python": true, "python3": true,
}

// decoders turn encoded input back into text; a decoder feeding a shell
// means the command that runs was hidden.
func decoder(c *Command) bool {
	switch c.Name {
	case "base64", "base32":
		return hasFlag(c.Args, 'd', "--decode") || hasFlag(c.Args, 'D')
	case "xxd":
		return hasFlag(c.Args, 'r')
	case "openssl":
		return hasArg(c.Args, "-d") || (len(c.Args) > 0 && c.Args[0] == "base64" && hasArg(c.Args, "-d"))
	case "rev":
		return true
	case "tr":
		return len(c.Args) >= 2 && (strings.Contains(c.Args[0], "A-Z") || strings.Contains(c.Args[0], "a-z")) && c.Args[0] != c.Args[1] &&
			!strings.Contains(c.Args[1], "a-z") && !strings.Contains(c.Args[1], "A-Z")
	case "gunzip", "zcat", "bunzip2", "unxz":
		return true
	case "gzip", "xz", "bzip2":
		return hasFlag(c.Args, 'd', "--decompress")
	}
	return false
}

// execsStdin reports whether a command runs what arrives on its stdin as a
// program: a shell without -c and without a script file, an interpreter
// without a program argument, `source /dev/stdin`.
func execsStdin(c *Command) bool {
	if shells[c.Name] {
		for _, a := range c.Args {
			if len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a, 'c') >= 0 {
				return false
			}
		}
		ops := operands(skipOptions(c.Args, "o", nil))
		return len(ops) == 0 || ops[0] == "-" || ops[0] == "/dev/stdin"
	}
	switch interpreter(c.Name) {
	case "python", "node", "perl", "ruby", "php", "lua":
		for _, a := range c.Args {
			switch a {
			case "-c", "-e", "-E", "-r", "--eval", "-p", "--print", "-m":
				return false
			}
		}
		ops := operands(c.Args)
		return len(ops) == 0 || ops[0] == "-" || ops[0] == "/dev/stdin"
	case "powershell":
		return hasArg(c.Args, "-") || len(c.Args) == 0
	}
	if c.Name == "source" || c.Name == "." {
		return len(c.Args) > 0 && (c.Args[0] == "/dev/stdin" || c.Args[0] == "-")
	}
	return false
}

// runsScriptArg reports whether a command runs its first operand as a
// program (bash FILE, python FILE, source FILE).
func runsScriptArg(c *Command) (string, bool) {
	if c.Name == "source" || c.Name == "." {
		if len(c.Args) > 0 {
			return c.Args[0], true
		}
		return "", false
	}
	if shells[c.Name] || interpreter(c.Name) != "" {
		for _, a := range c.Args {
			if len(a) > 1 && a[0] == '-' && a[1] != '-' && (strings.IndexByte(a, 'c') >= 0 || strings.IndexByte(a, 'e') >= 0 || a == "-m") {
				return "", false
			}
		}
		ops := operands(skipOptions(c.Args, "o", nil))
		if len(ops) > 0 {
			return ops[0], true
		}
	}
	return "", false
}

// pipeOrigin walks back from the command feeding c through pass-through
// filters and reports the first source command and whether a decoder was
// crossed.
func (k *checker) pipeOrigin(c *Command) (src *Command, decoded bool) {
	j := c.PipeFrom
	for n := 0; j >= 0 && n < 16; n++ {
		p := &k.s.Commands[j]
		if decoder(p) {
			decoded = true
		}
		if downloaders[p.Name] || netTools[p.Name] || !passThrough[p.Name] || p.PipeFrom < 0 {
			return p, decoded
		}
		j = p.PipeFrom
	}
	return nil, decoded
}

// children returns the commands nested in c's words with the given kind.
func (k *checker) children(c *Command, kind SubstKind) []int {
	var out []int
	for i := range k.s.Commands {
		if k.s.Commands[i].Parent == c.Group && k.s.Commands[i].Subst == kind && k.s.Commands[i].Group == i {
			out = append(out, i)
		}
	}
	return out
}

// fetches reports whether command i, or a command it pipes from, downloads.
func (k *checker) fetches(i int) bool {
	for n := 0; i >= 0 && n < 16; n++ {
		c := &k.s.Commands[i]
		if downloaders[c.Name] {
			return true
		}
		i = c.PipeFrom
	}
	return false
}

// decodes reports whether command i or a command it pipes from decodes.
func (k *checker) decodes(i int) bool {
	for n := 0; i >= 0 && n < 16; n++ {
		c := &k.s.Commands[i]
		if decoder(c) {
			return true
		}
		i = c.PipeFrom
	}
	return false
}

// execRelations judges what a command runs by where it comes from: a
// shell fed by curl, bash <(curl ...), eval "$(curl ...)", a downloaded
// file run later, a shell fed decoded data, a shell wired to a socket.
func (k *checker) execRelations(c *Command, i int) {
	// Record downloads for later.
	if r, ok := ParseHTTP(c); ok && r.Output != "" && r.Output != "-" && r.Output != "/dev/null" {
		if k.downloaded == nil {
			k.downloaded = map[string]bool{}
		}
		k.downloaded[r.Output] = true
		k.downloaded[pathBase(r.Output)] = true
	}
	if execsStdin(c) {
		src, decoded := k.pipeOrigin(c)
		switch {
		case src != nil && downloaders[src.Name]:
			k.add(ruleDownloadExec, detect.SeverityHigh, "pipes downloaded content into "+c.Name, c)
			return
		case src != nil && netTools[src.Name]:
			k.add(ruleReverseShell, detect.SeverityCritical, "runs commands received from a network connection", c)
			return
		case decoded:
			k.add(ruleObfuscated, detect.SeverityHigh, "runs decoded data as a program", c)
			return
		}
		// A shell whose output goes to a network tool is a reverse shell
		// too (sh -i 2>&1 | nc host port).
		for j := i + 1; j < len(k.s.Commands); j++ {
			if k.s.Commands[j].PipeFrom == i && netTools[k.s.Commands[j].Name] {
				k.add(ruleReverseShell, detect.SeverityCritical, "wires a shell to a network connection", c)
				return
			}
		}
	}
	// bash <(curl ...), source <(curl ...), python <(curl ...).
	if arg, ok := runsScriptArg(c); ok {
		if arg == "<()" {
			for _, j := range k.children(c, SubstProcess) {
				if k.fetches(j) {
					k.add(ruleDownloadExec, detect.SeverityHigh, "runs a script straight from a download", c)
					return
				}
			}
		}
		if k.downloaded[arg] || k.downloaded[pathBase(arg)] {
			k.add(ruleDownloadExec, detect.SeverityHigh, "runs a file downloaded earlier", c)
			return
		}
	}
	// ./installer.sh after curl -o installer.sh.
	if len(k.downloaded) > 0 && strings.Contains(c.Path, "/") && (k.downloaded[c.Path] || k.downloaded[pathBase(c.Path)]) {
		k.add(ruleDownloadExec, detect.SeverityHigh, "runs a file downloaded earlier", c)
		return
	}
	// bash -c "$(curl ...)", eval "$(curl ...)", sh -c "$(echo ... | base64 -d)".
	// A decoded substitution whose output was recovered statically no
	// longer shows as "$()" in the script, so decoding is judged for any
	// script-running command.
	runsOutput := k.runsSubstOutput(c)
	if runsOutput || runsScript(c) {
		for _, j := range k.children(c, SubstCommand) {
			last := k.lastOfPipeline(j)
			switch {
			case runsOutput && k.fetches(last):
				k.add(ruleDownloadExec, detect.SeverityHigh, "runs the output of a download", c)
				return
			case k.decodes(last):
				k.add(ruleObfuscated, detect.SeverityHigh, "runs decoded data as a command", c)
				return
			}
		}
	}
}

// runsScript reports whether c runs one of its arguments as a script:
// eval, sh -c, python -c and the like.
func runsScript(c *Command) bool {
	if c.Name == "eval" {
		return true
	}
	if shells[c.Name] {
		for _, a := range c.Args {
			if len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a, 'c') >= 0 {
				return true
			}
		}
		return false
	}
	if interpreter(c.Name) != "" {
		for _, a := range c.Args {
			switch a {
			case "-c", "-e", "-E", "-r", "--eval", "-Command", "-command":
				return true
			}
		}
	}
	return false
}

// runsSubstOutput reports whether c executes the output of a command
// substitution in its words: eval $(...), bash -c "$(...)", a command name
// that is itself $(...).
func (k *checker) runsSubstOutput(c *Command) bool {
	if strings.HasPrefix(c.Path, "$()") {
		return true
	}
	switch {
	case c.Name == "eval":
		for _, a := range c.Args {
			if strings.Contains(a, "$()") {
				return true
			}
		}
	case shells[c.Name]:
		if s, ok := optValue(c.Args, "-c", ""); ok && strings.HasPrefix(strings.TrimSpace(s), "$()") {
			return true
		}
		for i, a := range c.Args {
			if len(a) > 1 && a[0] == '-' && strings.IndexByte(a, 'c') >= 0 && i+1 < len(c.Args) && strings.HasPrefix(strings.TrimSpace(c.Args[i+1]), "$()") {
				return true
			}
		}
	case interpreter(c.Name) != "":
		for i, a := range c.Args {
			if (a == "-c" || a == "-e") && i+1 < len(c.Args) && strings.HasPrefix(strings.TrimSpace(c.Args[i+1]), "$()") {
				return true
			}
		}
	}
	return false
}

// lastOfPipeline returns the last command of the pipeline starting at
// command i (the one whose output a substitution captures).
func (k *checker) lastOfPipeline(i int) int {
	last := i
	for j := i + 1; j < len(k.s.Commands); j++ {
		if k.s.Commands[j].PipeFrom == last {
			last = j
		}
	}
	// Follow unwrapped layers of the last command.
	for j := last + 1; j < len(k.s.Commands); j++ {
		if k.s.Commands[j].Group == k.s.Commands[last].Group {
			last = j
		}
	}
	return last
}

func pathBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// http judges HTTP clients: DELETE requests and POSTs to delete endpoints.
func (k *checker) http(c *Command, i int) {
	r, ok := ParseHTTP(c)
	if !ok || len(r.URLs) == 0 {
		return
	}
	u := r.URLs[0]
	p := URLPath(u)
	switch r.Method {
	case "DELETE":
		s := detect.SeverityMedium
		if strings.Contains(p, "/_all") || strings.HasSuffix(p, "/*") || strings.HasSuffix(p, "*") {
			s = detect.SeverityHigh
		}
		k.add(ruleHTTPDelete, s, "sends an HTTP DELETE request", c)
	case "POST", "PUT", "PATCH":
		for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == ',' }) {
			seg = strings.TrimLeft(seg, "_")
			if verbWord(seg, nil) || strings.HasPrefix(seg, "dodelete") || strings.Contains(seg, "delete_by_query") {
				k.add(ruleHTTPDelete, detect.SeverityMedium, "calls a delete endpoint", c)
				return
			}
		}
	}
}

// readers are commands that read the files named on their command line.
var readers = map[string]bool{
	"cat": true, "tac": true, "less": true, "more": true, "head": true, "tail": true, "bat": true, "batcat": true,
	"nl": true, "od": true, "xxd": true, "hexdump": true, "strings": true, "base64": true, "base32": true, "cp": true,
	"scp": true, "rsync": true, "tar": true, "zip": true, "7z": true, "gzip": true, "bzip2": true, "xz": true,
	"grep": true, "egrep": true, "fgrep": true, "rg": true, "ag": true, "awk": true, "gawk": true, "sed": true,
	"sort": true, "uniq": true, "cut": true, "diff": true, "cmp": true, "vim": true, "vi": true, "nano": true,
	"emacs": true, "code": true, "jq": true, "yq": true, "sqlite3": true, "openssl": true, "dd": true,
	"curl": true, "wget": true, "nc": true, "ncat": true, "python": true, "python3": true, "view": true,
	"type": true, "get-content": true, "gc": true, "sftp": true, "rclone": true, "gsutil": true, "install": true,
	"source": false, "printf": false, "xclip": true, "pbcopy": true, "mail": true, "sendmail": true,
}

// credentialRead flags commands that read credential files.
func (k *checker) credentialRead(c *Command) {
	if !readers[c.Name] {
		return
	}
	args := c.Args
	switch c.Name {
	case "cp", "rsync", "install":
		// The destination is written, not read.
		if ops := operands(args); len(ops) >= 2 {
			args = ops[:len(ops)-1]
		}
	case "dd":
		var in []string
		for _, a := range c.Args {
			if strings.HasPrefix(a, "if=") {
				in = append(in, a[3:])
			}
		}
		args = in
	}
	for _, a := range args {
		f := a
		if strings.HasPrefix(f, "@") {
			f = f[1:] // curl -d @file
		} else if j := strings.Index(f, "=@"); j >= 0 {
			f = f[j+2:]
		} else if strings.HasPrefix(f, "-") {
			continue
		}
		if cr, ok := credentialFile(f); ok {
			s := detect.SeverityMedium
			if cr.high {
				s = detect.SeverityHigh
			}
			k.add(ruleCredentialRead, s, "reads "+cr.what, c)
			return
		}
	}
}

// netShell flags netcat/socat/telnet used to hand out a shell.
func (k *checker) netShell(c *Command) {
	switch c.Name {
	case "socat":
		hasExec, hasNet := false, false
		for _, a := range c.Args {
			la := strings.ToLower(a)
			if strings.HasPrefix(la, "exec:") || strings.HasPrefix(la, "system:") || strings.Contains(la, ",exec:") {
				hasExec = true
			}
			if strings.HasPrefix(la, "tcp") || strings.HasPrefix(la, "udp") || strings.HasPrefix(la, "openssl") || strings.HasPrefix(la, "ssl") {
				hasNet = true
			}
		}
		if hasExec && hasNet {
			k.add(ruleReverseShell, detect.SeverityCritical, "socat connects a program to the network", c)
		}
	case "xterm":
		if v, ok := optValue(c.Args, "-display", ""); ok && strings.Contains(v, ":") && !strings.HasPrefix(v, ":") {
			k.add(ruleReverseShell, detect.SeverityHigh, "opens a terminal on a remote display", c)
		}
	case "telnet":
	default:
		for _, a := range c.Args {
			la := strings.ToLower(a)
			if la == "-e" || la == "-c" || la == "--exec" || la == "--sh-exec" || la == "--lua-exec" ||
				strings.HasPrefix(la, "--exec=") || strings.HasPrefix(la, "--sh-exec=") ||
				(len(la) > 2 && la[0] == '-' && la[1] != '-' && isLetters(la[1:]) && strings.HasSuffix(la, "e")) {
				k.add(ruleReverseShell, detect.SeverityCritical, c.Name+" runs a program for a network peer", c)
				return
			}
		}
	}
}

// rootShell flags sudo/su used to get an interactive root shell.
func (k *checker) rootShell(c *Command) {
	switch c.Name {
	case "sudo", "doas", "pkexec", "run0":
		rest := skipOptions(c.Args, "ugCDhprtTU", []string{"--user", "--group", "--host", "--prompt", "--chdir"})
		login := hasFlag(c.Args, 'i', "--login") || hasFlag(c.Args, 's', "--shell")
		if len(rest) == 0 && login {
			k.add(rulePrivEsc, detect.SeverityMedium, "opens a root shell", c)
			return
		}
		if len(rest) > 0 {
			inner := commandName(rest[0])
			if inner == "su" || ((shells[inner] || inner == "python" || inner == "python3") && len(rest) == 1) {
				k.add(rulePrivEsc, detect.SeverityMedium, "opens a root shell", c)
			}
		}
	case "su":
		if _, ok := optValue(c.Args, "-c", "--command"); ok {
			return
		}
		ops := operands(c.Args)
		if len(ops) == 0 || ops[0] == "-" || ops[0] == "root" || (len(ops) == 2 && ops[1] == "root") {
			k.add(rulePrivEsc, detect.SeverityMedium, "opens a root shell", c)
		}
	}
}

// privGroups grant root or root-equivalent access.
var privGroups = map[string]bool{"sudo": true, "wheel": true, "admin": true, "root": true, "docker": true, "adm": true, "lxd": true, "disk": true}

func (k *checker) accounts(c *Command) {
	args := c.Args
	switch c.Name {
	case "usermod", "gpasswd", "adduser", "addgroup":
		for i, a := range args {
			if (a == "-G" || a == "-aG" || a == "-Ga" || a == "--groups" || a == "-a" || a == "--add") && i+1 < len(args) {
				for _, g := range strings.Split(args[i+1], ",") {
					if privGroups[g] {
						k.add(rulePrivEsc, detect.SeverityHigh, "adds a user to an administrative group", c)
						return
					}
				}
			}
		}
		if c.Name == "adduser" || c.Name == "gpasswd" {
			ops := operands(args)
			if len(ops) == 2 && privGroups[ops[1]] {
				k.add(rulePrivEsc, detect.SeverityHigh, "adds a user to an administrative group", c)
			}
		}
	case "useradd":
		if hasFlag(args, 'o', "--non-unique") {
			if v, ok := optValue(args, "-u", "--uid"); ok && v == "0" {
				k.add(rulePrivEsc, detect.SeverityCritical, "creates a second root account", c)
				return
			}
		}
		for i, a := range args {
			if (a == "-G" || a == "--groups") && i+1 < len(args) {
				for _, g := range strings.Split(args[i+1], ",") {
					if privGroups[g] {
						k.add(rulePrivEsc, detect.SeverityHigh, "creates an administrative user", c)
						return
					}
				}
			}
		}
	case "passwd":
		ops := operands(args)
		if len(ops) > 0 && ops[0] == "root" {
			k.add(rulePrivEsc, detect.SeverityMedium, "changes the root password", c)
		}
	case "chpasswd":
		k.add(rulePrivEsc, detect.SeverityMedium, "changes account passwords in bulk", c)
	case "visudo", "sudoedit":
		ops := operands(args)
		if c.Name == "visudo" || (len(ops) > 0 && strings.Contains(ops[0], "sudoers")) {
			k.add(rulePrivEsc, detect.SeverityHigh, "edits the sudoers file", c)
		}
	case "setcap":
		for _, a := range args {
			la := strings.ToLower(a)
			if strings.Contains(la, "cap_setuid") || strings.Contains(la, "cap_sys_admin") || strings.Contains(la, "cap_dac_override") || strings.Contains(la, "cap_sys_ptrace") || strings.Contains(la, "=ep") && strings.Contains(la, "all") {
				k.add(rulePrivEsc, detect.SeverityHigh, "grants a program root-equivalent capabilities", c)
				return
			}
		}
	}
}

// historyCmd flags commands that erase the shell's record of what ran, or
// system logs.
func (k *checker) historyCmd(c *Command) {
	args := c.Args
	switch c.Name {
	case "history":
		if hasFlag(args, 'c') || (hasFlag(args, 'd') && len(args) > 0) || (hasFlag(args, 'w') && hasArg(args, "/dev/null")) {
			k.add(ruleHistoryTamper, detect.SeverityMedium, "clears the shell history", c)
		}
	case "unset":
		for _, a := range args {
			if a == "HISTFILE" || a == "HISTSIZE" || a == "HISTFILESIZE" {
				k.add(ruleHistoryTamper, detect.SeverityMedium, "turns shell history off", c)
				return
			}
		}
	case "set":
		for i, a := range args {
			if a == "+o" && i+1 < len(args) && args[i+1] == "history" {
				k.add(ruleHistoryTamper, detect.SeverityMedium, "turns shell history off", c)
				return
			}
		}
	case "journalctl":
		for _, a := range args {
			if strings.HasPrefix(a, "--vacuum-") || a == "--rotate" && hasArgPrefix(args, "--vacuum") {
				k.add(ruleHistoryTamper, detect.SeverityMedium, "deletes system journal logs", c)
				return
			}
		}
	case "wevtutil":
		if len(args) > 0 && (strings.EqualFold(args[0], "cl") || strings.EqualFold(args[0], "clear-log")) {
			k.add(ruleHistoryTamper, detect.SeverityHigh, "clears Windows event logs", c)
		}
	case "auditctl":
		if hasFlag(args, 'D') || (hasFlag(args, 'e') && hasArg(args, "0")) {
			k.add(ruleDefenseEvasion, detect.SeverityHigh, "turns kernel auditing off", c)
		}
	}
}

func hasArgPrefix(args []string, p string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, p) {
			return true
		}
	}
	return false
}

func (k *checker) crontab(c *Command) {
	switch {
	case hasFlag(c.Args, 'r'):
		k.add(ruleDestructiveRm, detect.SeverityMedium, "deletes the user's crontab", c)
	case hasArg(c.Args, "-") || (len(operands(c.Args)) > 0 && !hasFlag(c.Args, 'l')):
		k.add(rulePersistence, detect.SeverityMedium, "installs a crontab", c)
	}
}

// assigns flags variable assignments that turn shell history off.
func (k *checker) assigns() {
	for _, a := range k.s.Assigns {
		switch a.Name {
		case "HISTFILE":
			if a.Value == "/dev/null" || a.Value == "" {
				k.addText(ruleHistoryTamper, detect.SeverityMedium, "turns shell history off", a.Name+"="+a.Value)
				return
			}
		case "HISTSIZE", "HISTFILESIZE", "SAVEHIST":
			if a.Value == "0" {
				k.addText(ruleHistoryTamper, detect.SeverityMedium, "turns shell history off", a.Name+"="+a.Value)
				return
			}
		case "HISTCONTROL":
			if strings.Contains(a.Value, "ignorespace") && a.Cmd < 0 {
				k.addText(ruleHistoryTamper, detect.SeverityLow, "hides commands from shell history", a.Name+"="+a.Value)
				return
			}
		case "LD_PRELOAD":
			if a.Cmd >= 0 || a.Value != "" {
				k.addText(rulePrivEsc, detect.SeverityMedium, "preloads a library into programs", "LD_PRELOAD="+pathBase(a.Value))
				return
			}
		}
	}
}

// forkBombs flags functions that call themselves twice in a pipe or in the
// background: :(){ :|:& };: and its renamed forms.
func (k *checker) forkBombs() {
	for _, f := range k.s.Funcs {
		self, bg := 0, false
		for _, call := range f.Calls {
			if call.Name == f.Name {
				self++
				if call.Background || call.Pipe {
					bg = true
				}
			}
		}
		if self >= 2 && bg {
			k.addText(ruleForkBomb, detect.SeverityCritical, "defines a fork bomb", f.Name+"(){ "+f.Name+"|"+f.Name+"& }")
			return
		}
	}
}
