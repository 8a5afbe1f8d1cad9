package toolrisk

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// hit is one rule firing on a payload, before it becomes a Finding.
type hit struct {
	rule     string // rule id without the family prefix
	sev      detect.Severity
	reason   string // safe to show: no argument values
	evidence string // a masked rendering of the command
}

// checker runs the rules over one parsed payload.
type checker struct {
	protected []string // protected branch names, lowercase
	s         *Script
	hits      []hit
	// downloaded are files fetched earlier in the script (curl -o f), so
	// that running them later reads as download-and-execute.
	downloaded map[string]bool
}

func (k *checker) add(rule string, sev detect.Severity, reason string, c *Command) {
	ev := ""
	if c != nil {
		ev = commandEvidence(c)
	}
	k.hits = append(k.hits, hit{rule: rule, sev: sev, reason: reason, evidence: ev})
}

func (k *checker) addText(rule string, sev detect.Severity, reason, evidence string) {
	k.hits = append(k.hits, hit{rule: rule, sev: sev, reason: reason, evidence: detect.Excerpt(scrub(evidence))})
}

// scrub masks the words of a text that may be secrets or personal data
// (credential-looking strings, e-mail addresses, long digit runs) before
// the text is quoted as evidence.
func scrub(s string) string {
	if len(s) > 256 {
		s = s[:256]
	}
	words := strings.Fields(s)
	changed := false
	for i, w := range words {
		if looksSecret(w) || looksEmail(w) || longDigits(w) {
			words[i] = detect.Mask(w)
			changed = true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}

func looksEmail(w string) bool {
	at := strings.IndexByte(w, '@')
	return at > 0 && strings.IndexByte(w[at:], '.') > 1
}

func longDigits(w string) bool {
	n := 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			n++
			if n >= 9 {
				return true
			}
		case c == '-' || c == ' ':
		default:
			n = 0
		}
	}
	return false
}

// run applies every rule to the script.
func (k *checker) run() {
	s := k.s
	for i := range s.Commands {
		k.command(i)
	}
	k.forkBombs()
	k.assigns()
	for i := range s.Code {
		k.code(&s.Code[i])
	}
	for i := range s.SQL {
		k.sql(s.SQL[i].Text, cmdAt(s, s.SQL[i].Cmd))
	}
	for _, t := range s.Texts {
		k.text(t)
	}
}

func cmdAt(s *Script, i int) *Command {
	if i < 0 || i >= len(s.Commands) {
		return nil
	}
	return &s.Commands[i]
}

// command applies the per-command rules to command i.
func (k *checker) command(i int) {
	c := &k.s.Commands[i]
	k.redirects(c)
	if c.Name == "" {
		k.writes(c)
		return
	}
	if isHelp(c) {
		return
	}
	switch c.Name {
	case "rm", "unlink", "srm", "rmdir", "trash", "trash-put":
		k.rm(c)
	case "shred", "wipe":
		k.shred(c)
	case "find":
		k.find(c)
	case "mv":
		k.mv(c)
	case "dd":
		k.dd(c)
	case "truncate":
		k.truncate(c)
	case "chmod", "chown", "chgrp", "chattr", "setfacl":
		k.perms(c)
	case "git":
		k.git(c)
	case "curl", "wget", "http", "https", "xh", "curlie", "aria2c", "fetch", "lwp-download":
		k.http(c, i)
	case "sudo", "doas", "su", "pkexec", "run0", "runuser":
		k.rootShell(c)
	case "usermod", "gpasswd", "adduser", "useradd", "passwd", "chpasswd", "visudo", "setcap", "sudoedit", "addgroup":
		k.accounts(c)
	case "nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "socat", "telnet", "xterm":
		k.netShell(c)
	case "history", "unset", "set", "journalctl", "wevtutil", "auditctl":
		k.historyCmd(c)
	case "crontab":
		k.crontab(c)
	case "kubectl", "oc", "helm", "terraform", "tofu", "terragrunt", "pulumi", "docker", "podman", "nerdctl", "docker-compose", "cdk", "sam", "serverless", "sls":
		k.cluster(c)
	case "aws":
		k.aws(c)
	case "dropdb", "dropuser", "mysqladmin", "redis-cli", "etcdctl", "consul", "influx", "cqlsh":
		k.database(c)
	case "security", "gpg", "gh", "glab":
		k.tokenDump(c)
	case "systemctl", "launchctl", "service":
		k.services(c)
	case "iptables", "ufw", "nft", "setenforce", "spctl", "csrutil", "pfctl", "firewall-cmd":
		k.defenses(c)
	case "vssadmin", "wbadmin", "bcdedit":
		k.windows(c)
	case "kill", "pkill", "killall":
		k.kill(c)
	case "shutdown", "reboot", "halt", "poweroff", "init":
		k.power(c)
	}
	if strings.HasPrefix(c.Name, "mkfs") || diskTools[c.Name] {
		k.disk(c)
	}
	k.infra(c)
	k.credentialRead(c)
	k.execRelations(c, i)
	k.writes(c)
}

// isHelp reports a command that only prints help or a version.
func isHelp(c *Command) bool {
	for _, a := range c.Args {
		switch a {
		case "--help", "--version", "-help", "--usage":
			return true
		}
	}
	return len(c.Args) == 1 && (c.Args[0] == "-h" || c.Args[0] == "help" || c.Args[0] == "-V" || c.Args[0] == "version")
}

// hasFlag reports whether the command has a short flag letter (alone or in
// a cluster like -rf) or one of the long flags (compared case-insensitively,
// also in --flag=value form), before any "--".
func hasFlag(args []string, short byte, long ...string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		if a[1] == '-' {
			name := a
			if i := strings.IndexByte(a, '='); i >= 0 {
				name = a[:i]
			}
			for _, l := range long {
				if strings.EqualFold(name, l) {
					return true
				}
			}
			continue
		}
		if short != 0 && isLetters(a[1:]) && strings.IndexByte(a[1:], short) >= 0 {
			return true
		}
	}
	return false
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return s != ""
}

// dryRun reports a dry-run or preview flag, which makes a destructive
// command harmless.
func dryRun(args []string) bool {
	for _, a := range args {
		la := strings.ToLower(a)
		switch {
		case la == "--dry-run" || la == "--dryrun" || la == "-whatif" || la == "--what-if" || la == "--simulate" ||
			strings.HasPrefix(la, "--dry-run=") || la == "--check" || la == "--plan" || la == "--preview":
			return true
		}
	}
	return false
}

// operands returns the non-option words of a command, honouring "--".
func operands(args []string) []string { return positionals(args) }

// commandEvidence renders a command for evidence: the program and its
// first words, with anything that looks like a secret masked, cut to
// detect.Excerpt's length.
func commandEvidence(c *Command) string {
	var b strings.Builder
	b.WriteString(c.Name)
	n := 0
	prevSensitive := false
	for _, a := range c.Args {
		if n >= 8 || b.Len() > 80 {
			b.WriteString(" …")
			break
		}
		b.WriteByte(' ')
		switch {
		case prevSensitive || looksSecret(a) || looksEmail(a) || longDigits(a):
			b.WriteString(detect.Mask(a))
		case strings.IndexByte(a, '=') > 0 && sensitiveKey(a[:strings.IndexByte(a, '=')]):
			i := strings.IndexByte(a, '=')
			b.WriteString(a[:i+1])
			b.WriteString(detect.Mask(a[i+1:]))
		case len(a) > 2 && strings.HasPrefix(a, "-p") && (c.Name == "mysql" || c.Name == "mariadb" || c.Name == "mysqladmin"):
			b.WriteString("-p" + detect.Mask(a[2:]))
		default:
			b.WriteString(oneLine(a))
		}
		la := strings.ToLower(a)
		prevSensitive = la == "--password" || la == "--token" || la == "--pass" || la == "--secret" ||
			(la == "-a" && c.Name == "redis-cli") || ((la == "-u" || la == "--user") && c.Name == "curl")
		n++
	}
	return detect.Excerpt(b.String())
}

func oneLine(s string) string {
	if i := strings.IndexAny(s, "\n\r"); i >= 0 {
		return s[:i] + "…"
	}
	return s
}

// sensitiveKey reports a key name whose value is a secret.
func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range [...]string{"pass", "pwd", "secret", "token", "key", "auth", "credential", "cookie", "session"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// looksSecret reports a word that may be a credential: a known token
// prefix, an Authorization header, or a long random-looking string.
func looksSecret(a string) bool {
	la := strings.ToLower(a)
	if strings.HasPrefix(la, "authorization:") || strings.HasPrefix(la, "x-api-key:") || strings.HasPrefix(la, "cookie:") ||
		strings.HasPrefix(la, "private-token:") || strings.HasPrefix(la, "x-auth-token:") {
		return true
	}
	for _, p := range [...]string{"sk-", "ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "xoxb-", "xoxp-", "xoxa-", "akia", "asia", "aiza", "eyj", "glpat-", "-----begin", "dp.pt.", "hvs.", "npm_", "pypi-"} {
		if strings.HasPrefix(la, p) && len(a) >= 16 {
			return true
		}
	}
	if len(a) < 24 || strings.ContainsAny(a, "/ .:") {
		return false
	}
	var lower, upper, digit int
	for i := 0; i < len(a); i++ {
		switch c := a[i]; {
		case c >= 'a' && c <= 'z':
			lower++
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= '0' && c <= '9':
			digit++
		}
	}
	return digit > 0 && lower > 0 && upper > 0
}

// Evidence renders the command for a finding's evidence: the program and
// its first words, secrets masked, cut to detect.Excerpt's length.
func (c *Command) Evidence() string { return commandEvidence(c) }
