package toolrisk

import "strings"

// The prefilter decides, in one pass over a command and without
// allocating, whether any rule could fire on it. Most commands an agent
// runs (ls, cat file.go, go test ./..., npm install) name no program and no
// path any rule looks at, and skip the parse entirely.

// triggers are the words (program names, path components, keywords) that
// some rule looks at. Built at init from the rule tables plus the words
// rules match in arguments and paths.
var triggers = map[string]bool{}

func init() {
	for _, tbl := range []map[string]bool{shells, downloaders, netTools, diskTools} {
		for k := range tbl {
			triggers[k] = true
		}
	}
	for k := range infraCLIs {
		triggers[k] = true
	}
	for k := range sqlClients {
		triggers[k] = true
	}
	for _, w := range strings.Fields(`
		rm unlink srm shred wipe find mv dd truncate chmod chown chgrp chattr setfacl git
		sudo doas su pkexec run0 runuser gosu su-exec env command builtin nohup setsid unbuffer exec time
		nice ionice stdbuf chrt taskset timeout gtimeout flock watch xargs eval source script ssh autossh
		kubectl oc helm terraform tofu terragrunt pulumi docker podman nerdctl docker-compose cdk sam serverless sls
		aws dropdb dropuser mysqladmin redis-cli etcdctl consul influx cqlsh mongo mongosh security gpg
		systemctl launchctl service iptables ip6tables ufw nft setenforce spctl csrutil pfctl firewall-cmd
		vssadmin wbadmin bcdedit kill pkill killall shutdown reboot halt poweroff init crontab history unset set
		journalctl wevtutil auditctl usermod gpasswd adduser addgroup useradd passwd chpasswd visudo setcap sudoedit
		python python2 python3 pypy pypy3 node nodejs deno bun perl ruby irb php pwsh powershell cmd osascript lua luajit rscript
		java xterm uv poetry pipenv doppler op infisical aws-vault chamber dotenv direnv busybox toybox fakeroot faketime
		caffeinate catchsegv proxychains proxychains4 torsocks cpulimit trickle with-contenv envchain teller sops
		mkswap mke2fs newfs iex invoke-expression remove-item format-volume clear-disk set-mppreference clear-history
		certutil mshta regsvr32 bitsadmin rundll32 wmic reg schtasks netsh
		.ssh .aws .kube .docker .gnupg .azure gcloud .netrc _netrc .git-credentials .pgpass .vault-token .npmrc .pypirc .my.cnf
		credentials credentials.db access_tokens.db application_default_credentials.json credentials.json credentials.tfrc.json
		shadow gshadow master.passwd sudoers sudoers.d passwd authorized_keys authorized_keys2 .env environ
		cookies cookies.sqlite logins.json key4.db key3.db wallet.dat hosts.yml .boto .s3cfg kubeconfig admin.conf
		.bash_history .zsh_history .sh_history .history .python_history .node_repl_history .mysql_history .psql_history
		histfile histsize histfilesize savehist histcontrol ld_preload ld.so.preload
		.bashrc .bash_profile .profile .zshrc .zprofile .zshenv profile.d bash.bashrc environment
		systemd bin sbin cron cron.d cron.daily cron.hourly crontabs launchagents launchdaemons rc.local init.d pam.d hooks
		tcp udp sda sdb sdc nvme0n1 hda vda xvda mmcblk0 disk0 disk1 rdisk0
		drop truncate delete update grant alter flushall flushdb dropdatabase copy shutdown
		`) {
		triggers[w] = true
	}
}

// condTriggers are program names that only matter with a companion word:
// git with reset/push/clean..., docker with rm/system/run..., an
// interpreter with -c or fed by a pipe or heredoc. `git status`, `docker
// ps` and `python script.py`, the bulk of an agent's commands, then skip
// the parse.
var condTriggers = map[string]bool{}

// companions are the words that make a conditional trigger worth a parse,
// besides destroy verbs (verbWord) and pipes, heredocs and process
// substitutions.
var companions = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`git docker podman nerdctl kubectl oc helm terraform tofu terragrunt pulumi npm pnpm yarn
		python python2 python3 pypy pypy3 node nodejs deno bun perl ruby irb php lua luajit rscript
		bash sh zsh dash ksh mksh ash fish csh tcsh yash rbash`) {
		delete(triggers, n)
		condTriggers[n] = true
	}
	for n, spec := range infraCLIs {
		delete(triggers, n)
		condTriggers[n] = true
		for _, e := range spec.extra {
			companions[e] = true
		}
	}
	for _, w := range strings.Fields(`reset checkout restore clean stash branch push filter-branch filter-repo reflog gc update-ref switch
		system volume rmi compose run create exec container drain config apply destroy-all state workspace run-all
		api auth token unpublish sync move moveto un query
		-c -lc -ec -xc -ic -ce -cl -e -ne -pe -le -r -s - --eval -p --print --command -command -encodedcommand -enc`) {
		companions[w] = true
	}
}

// triggerPrefixes are name prefixes that trigger (mkfs.ext4, kafka-topics,
// python3.12, newfs_hfs, id_rsa, id_ed25519).
var triggerPrefixes = []string{"mkfs", "kafka-", "python3.", "python2.", "newfs", "id_", "perl5", ".env.", "ssh_host_", "nvme", "sd", "hd", "vd", "xvd", "mmcblk", "disk", "rdisk", "loop", "dm-", "md"}

// triggerSuffixes are name suffixes that trigger (server.key, prod.env,
// app.keychain-db).
var triggerSuffixes = []string{".key", ".pem", ".p12", ".pfx", ".jks", ".keystore", ".env", "_history", "_rsa", "_ed25519", "_ecdsa", "_dsa", ".keychain", ".keychain-db", ".sh", ".ps1", ".exe"}

// Word flags of the prefilter's single lookup table.
const (
	wTrigger uint8 = 1 << iota // a rule looks at this word
	wCond                      // a trigger that needs a companion
	wComp                      // a companion
	wVerb                      // a destroy verb
	wRead                      // a read verb
)

// words merges the prefilter's word sets, so that each token costs one map
// lookup; prefixes and suffixes are indexed by their first and last byte.
var (
	words      = map[string]uint8{}
	prefixesBy [256][]string
	suffixesBy [256][]string
)

func init() {
	for w := range triggers {
		words[w] |= wTrigger
	}
	for w := range condTriggers {
		words[w] |= wCond
	}
	for w := range companions {
		words[w] |= wComp
	}
	for w := range destroyVerbs {
		words[w] |= wVerb
	}
	for w := range readVerbs {
		words[w] |= wRead
	}
	for _, p := range triggerPrefixes {
		prefixesBy[p[0]] = append(prefixesBy[p[0]], p)
	}
	for _, x := range triggerSuffixes {
		suffixesBy[x[len(x)-1]] = append(suffixesBy[x[len(x)-1]], x)
	}
}

// shortPrefixes are device-name prefixes that only count on short words
// (sda1, hdb), not on words that merely start like them (sdk, hdfs).
var shortPrefixes = map[string]bool{"sd": true, "hd": true, "vd": true, "md": true, "disk": true, "loop": true}

// needsAnalysis reports whether any rule could fire on a shell text.
func needsAnalysis(s string) bool {
	var buf [48]byte
	n := 0
	cond, comp := false, false
	check := func() bool {
		if n == 0 || n > len(buf) {
			return false
		}
		w := buf[:n]
		f := words[string(w)]
		if f&wTrigger != 0 {
			return true
		}
		if f&wCond != 0 {
			cond = true
		}
		if !comp && (f&(wComp|wVerb) != 0 || (f&wRead == 0 && verbToken(w))) {
			comp = true
		}
		for _, p := range prefixesBy[w[0]] {
			if len(w) >= len(p) && string(w[:len(p)]) == p && (!shortPrefixes[p] || len(w) <= len(p)+3) {
				return true
			}
		}
		for _, x := range suffixesBy[w[len(w)-1]] {
			if len(w) > len(x) && string(w[len(w)-len(x):]) == x {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return true // look-alikes and invisible characters: always analyse
		case c == '(' && i+1 < len(s) && s[i+1] == ')':
			return true // a function definition (fork bombs)
		case c == '$' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '('):
			return true // ANSI-C strings and substitutions can hide a name
		case c == '$' && atCommandStart(s, i):
			return true // a command named by a variable
		case c == '`' || c == '\\' || c == '{' || c == '*':
			// Escapes, backticks, braces and globs can hide or widen a
			// command; they are rare enough to just analyse.
			return true
		case (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == ':' || c == '+' || c == '@' || c == '~':
			if n < len(buf) {
				buf[n] = c
			}
			n++
		case c >= 'A' && c <= 'Z':
			if n < len(buf) {
				buf[n] = c + 'a' - 'A'
			}
			n++
		case (c == '"' || c == '\'') && n > 0 && i+1 < len(s) && s[i+1] != ' ':
			// A quote inside a word joins its pieces: "r""m" is rm.
		default:
			if check() {
				return true
			}
			n = 0
			if c == '|' || (c == '<' && i+1 < len(s) && (s[i+1] == '<' || s[i+1] == '(')) {
				comp = true // a pipe, heredoc or process substitution feeds a program
			}
		}
	}
	return check() || (cond && comp)
}

// atCommandStart reports whether position i is where a command name
// starts: the beginning of the text or after a separator.
func atCommandStart(s string, i int) bool {
	for j := i - 1; j >= 0; j-- {
		switch s[j] {
		case ' ', '\t':
			continue
		case ';', '|', '&', '\n', '(':
			return true
		}
		return false
	}
	return true
}

// verbToken is verbWord for a lowercase token, without allocating: the
// word or one of its -, _ or : separated parts is a destroy verb (unless
// the first part is a read verb), or it starts with delete/purge or ends
// with delete/destroy.
func verbToken(w []byte) bool {
	if len(w) < 2 {
		return false
	}
	sep := false
	for _, c := range w {
		switch c {
		case '/', '=', '.', '@':
			return false
		case '-', '_', ':':
			sep = true
		}
	}
	if !sep {
		ws := string(w)
		return strings.HasPrefix(ws, "delete") || strings.HasSuffix(ws, "delete") || strings.HasPrefix(ws, "purge") || strings.HasSuffix(ws, "destroy")
	}
	start, first := 0, true
	for i := 0; i <= len(w); i++ {
		if i < len(w) && w[i] != '-' && w[i] != '_' && w[i] != ':' {
			continue
		}
		if i > start {
			part := w[start:i]
			if first && readVerbs[string(part)] {
				return false
			}
			first = false
			if destroyVerbs[string(part)] {
				return true
			}
		}
		start = i + 1
	}
	ws := string(w) // no allocation: only compared
	return strings.HasPrefix(ws, "delete") || strings.HasSuffix(ws, "delete") || strings.HasPrefix(ws, "purge") || strings.HasSuffix(ws, "destroy")
}
