package exfil

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
	"github.com/sluicehq/sluice/evaluator/detect/toolrisk"
)

// Rule ids.
const (
	ruleMarkdownImage   = "markdown_image"
	ruleDataLink        = "data_link"
	ruleKnownSink       = "known_sink"
	ruleInjectedImage   = "injected_image"
	ruleSensitiveUpload = "sensitive_upload"
	ruleFileUpload      = "file_upload"
	ruleDNSExfil        = "dns_exfil"
	ruleEncodedPayload  = "encoded_payload"
	ruleSecretExternal  = "secret_to_external"
	ruleUntrustedToSink = "untrusted_to_sink"
)

// hit is one rule firing before it becomes a Finding.
type hit struct {
	rule     string
	sev      detect.Severity
	reason   string
	evidence string
	// needle locates the hit in the call's argument segments (a URL, a
	// command).
	needle string
}

// maxBlob is the size above which an encoded value in a network call's
// arguments is reported: a few KB of base64 is a file, not a parameter.
const maxBlob = 4 << 10

// netSenders are programs that send their input or files to a network
// peer.
var netSenders = map[string]bool{
	"nc": true, "ncat": true, "netcat": true, "nc.traditional": true, "nc.openbsd": true, "socat": true, "telnet": true,
	"openssl": true, "cryptcat": true, "pwncat": true,
}

// dnsTools resolve names given on the command line.
var dnsTools = map[string]bool{
	"dig": true, "nslookup": true, "host": true, "drill": true, "kdig": true, "delv": true, "ping": true, "ping6": true,
	"traceroute": true, "getent": true, "resolvectl": true, "arping": true,
}

// copyTools copy local files to remote locations given as host:path,
// scheme://, or a cloud bucket.
var copyTools = map[string]bool{
	"scp": true, "sftp": true, "rsync": true, "rclone": true, "aws": true, "gsutil": true, "azcopy": true, "s3cmd": true, "mc": true,
}

// mailers send mail with stdin as the body and -a files as attachments.
var mailers = map[string]bool{"mail": true, "mailx": true, "mutt": true, "sendmail": true, "msmtp": true, "swaks": true}

// envDump reports a command that prints the whole environment.
func envDump(c *toolrisk.Command) bool {
	switch c.Name {
	case "env", "printenv":
		return len(c.Args) == 0 || (c.Name == "printenv" && secretVar(c.Args[0]))
	case "set":
		return len(c.Args) == 0
	case "export", "declare", "typeset":
		return len(c.Args) > 0 && (c.Args[0] == "-p" || c.Args[0] == "-x" || c.Args[0] == "-px")
	case "compgen":
		return len(c.Args) > 0 && c.Args[0] == "-v"
	}
	return false
}

// secretVar reports an environment variable name that holds a secret.
func secretVar(name string) bool {
	n := strings.ToUpper(strings.TrimPrefix(strings.Trim(name, "${}"), "$"))
	if n == "PWD" || n == "OLDPWD" || n == "" {
		return false
	}
	for _, s := range [...]string{"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "COOKIE", "SESSION", "AUTH"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// secretVarRef finds a $NAME or ${NAME} reference to a secret variable in
// a word.
func secretVarRef(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] != '$' {
			continue
		}
		j := i + 1
		if j < len(w) && w[j] == '{' {
			j++
		}
		k := j
		for k < len(w) && (w[k] == '_' || w[k] >= 'A' && w[k] <= 'Z' || w[k] >= 'a' && w[k] <= 'z' || w[k] >= '0' && w[k] <= '9') {
			k++
		}
		if k > j && secretVar(w[j:k]) {
			return true
		}
	}
	return false
}

// source is what a command sends: where its data comes from.
type source struct {
	sensitive bool   // credentials, history, environment
	what      string // for reasons
	file      bool   // reads a local file
	encoded   bool   // passes through an encoder on the way
}

func (a *source) merge(b source) {
	if b.sensitive && !a.sensitive {
		a.sensitive, a.what = true, b.what
	}
	a.file = a.file || b.file
	a.encoded = a.encoded || b.encoded
}

// shellCheck judges one parsed shell payload for data leaving the machine.
type shellCheck struct {
	d    *Detector
	s    *toolrisk.Script
	hits []hit
	// sends is set when some command sends data out (for the flow rule).
	sends bool
}

func (x *shellCheck) add(rule string, sev detect.Severity, reason string, c *toolrisk.Command) {
	x.hits = append(x.hits, hit{rule: rule, sev: sev, reason: reason, evidence: c.Evidence()})
}

// readsOf reports what command c itself reads: sensitive paths among its
// words and input redirections, an environment dump, substitutions.
func (x *shellCheck) readsOf(c *toolrisk.Command) source {
	var src source
	if envDump(c) {
		src.sensitive, src.what = true, "the environment"
	}
	for _, a := range c.Args {
		p := strings.TrimPrefix(a, "@")
		p = strings.TrimPrefix(p, "if=") // dd if=FILE
		if what, _, ok := toolrisk.SensitivePath(p); ok {
			src.sensitive, src.what = true, what
		}
	}
	for _, r := range c.Redirs {
		if r.IsRead() {
			src.file = true
			if what, _, ok := toolrisk.SensitivePath(r.Target); ok {
				src.sensitive, src.what = true, what
			}
		}
	}
	switch c.Name {
	case "cat", "tac", "head", "tail", "base64", "base32", "xxd", "od", "hexdump", "gzip", "bzip2", "xz", "zstd", "tar", "zip", "7z",
		"openssl", "gpg", "strings", "sed", "awk", "jq", "grep", "rg", "cut", "sort", "dd", "cp":
		if len(positional(c.Args)) > 0 {
			src.file = true
		}
	}
	if c.Name == "base64" || c.Name == "base32" || c.Name == "xxd" || (c.Name == "openssl" && len(c.Args) > 0 && c.Args[0] == "base64") {
		src.encoded = true
	}
	return src
}

// origin walks back along the pipe feeding command i and merges what every
// command on the way reads.
func (x *shellCheck) origin(i int) source {
	var src source
	for n := 0; i >= 0 && n < 16; n++ {
		c := &x.s.Commands[i]
		src.merge(x.readsOf(c))
		src.merge(x.substs(c))
		i = c.PipeFrom
	}
	return src
}

// substs merges what the command substitutions in c's words read.
func (x *shellCheck) substs(c *toolrisk.Command) source {
	var src source
	for j := range x.s.Commands {
		cj := &x.s.Commands[j]
		if cj.Parent == c.Group && cj.Subst == toolrisk.SubstCommand {
			src.merge(x.readsOf(cj))
			if cj.PipeFrom >= 0 {
				src.merge(x.origin(cj.PipeFrom))
			}
		}
	}
	return src
}

// hostOf returns the host class and host of a URL-ish word.
func (x *shellCheck) hostOf(u string) (hostClass, string, string) {
	if !strings.Contains(u, "://") {
		u = "http://" + u
	}
	host, path, _, ok := urlParts(u)
	if !ok {
		return hostLocal, "", ""
	}
	return x.d.classify(host, path), host, path
}

// run judges every command of the script.
func (x *shellCheck) run() {
	for i := range x.s.Commands {
		c := &x.s.Commands[i]
		x.sinkArgs(c)
		switch {
		case x.http(c):
		case netSenders[c.Name]:
			x.raw(c, i)
		case dnsTools[c.Name]:
			x.dns(c)
		case copyTools[c.Name]:
			x.copy(c)
		case mailers[c.Name]:
			x.mail(c, i)
		}
		x.devTCP(c)
	}
	for i := range x.s.Code {
		if h, sends := codeExfil(x.s.Code[i].Text); sends {
			x.sends = true
			x.hits = append(x.hits, h...)
		}
	}
}

// dataCommands print or search their arguments; a sink host among them
// is text, not a destination.
var dataCommands = map[string]bool{"echo": true, "printf": true, "grep": true, "egrep": true, "rg": true, "ag": true, "sed": true,
	"awk": true, "cat": true, "tee": true, "jq": true, "yq": true, "": true, "true": true, ":": true, "test": true, "[": true}

// sinkArgs reports a known exfiltration endpoint among the arguments of a
// program that connects somewhere (git push to a tunnel, pip from a
// request catcher, ssh -R to a tunnel service). HTTP clients are judged
// by http, which knows their URLs.
func (x *shellCheck) sinkArgs(c *toolrisk.Command) {
	if dataCommands[c.Name] || c.Name == "curl" || c.Name == "wget" || c.Name == "http" || c.Name == "https" || c.Name == "xh" {
		return
	}
	if c.Name == "git" && len(c.Args) > 0 && (c.Args[0] == "commit" || c.Args[0] == "tag" || c.Args[0] == "log") {
		return
	}
	for _, a := range c.Args {
		host := argHost(a)
		if host == "" || !x.d.maybeSink(host) {
			continue
		}
		if cl, h, _ := x.hostOf(a); cl == hostSink {
			x.sends = true
			x.add(ruleKnownSink, detect.SeverityHigh, "connects to a known exfiltration endpoint ("+h+")", c)
			return
		}
	}
}

// argHost extracts the host an argument names: a URL's host, the host of
// user@host[:path], or a bare host name.
func argHost(a string) string {
	if strings.Contains(a, "://") {
		h, _, _, ok := urlParts(a)
		if ok {
			return h
		}
		if i := strings.Index(a, "://"); i >= 0 {
			return strings.ToLower(hostPart(a[i+3:]))
		}
		return ""
	}
	if i := strings.IndexByte(a, '@'); i >= 0 {
		a = a[i+1:]
	}
	if i := strings.IndexAny(a, ":/"); i >= 0 {
		a = a[:i]
	}
	if !strings.Contains(a, ".") {
		return ""
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return ""
		}
	}
	return strings.ToLower(a)
}

// http judges curl, wget and HTTPie command lines.
func (x *shellCheck) http(c *toolrisk.Command) bool {
	r, ok := toolrisk.ParseHTTP(c)
	if !ok {
		return false
	}
	if len(r.URLs) == 0 {
		return true
	}
	u := r.URLs[0]
	if strings.Contains(hostPart(u), "$()") {
		x.sends = true
		x.add(ruleDNSExfil, detect.SeverityHigh, "puts command output in the host name of a request (DNS exfiltration)", c)
		return true
	}
	class, host, _ := x.hostOf(u)
	if class == hostAllowed || class == hostLocal {
		return true
	}
	sending := len(r.Files) > 0 || len(r.Data) > 0 || (r.Method != "" && r.Method != "GET" && r.Method != "HEAD")
	if class == hostSink {
		x.sends = true
		x.add(ruleKnownSink, detect.SeverityHigh, "talks to a known exfiltration endpoint ("+host+")", c)
	}
	var src source
	for _, f := range r.Files {
		if f == "-" || f == "/dev/stdin" {
			if c.PipeFrom >= 0 {
				src.merge(x.origin(c.PipeFrom))
			}
			for _, rd := range c.Redirs {
				if rd.IsRead() {
					src.merge(x.readsOf(c))
				}
			}
			continue
		}
		src.file = true
		if what, _, ok := toolrisk.SensitivePath(f); ok {
			src.sensitive, src.what = true, what
		}
	}
	// Data and URL words: substitutions that read secrets, secret
	// variables, literal credentials, large encoded blobs.
	words := append(append([]string{}, r.Data...), r.URLs...)
	hasSubst := false
	for _, w := range words {
		if strings.Contains(w, "$()") {
			hasSubst = true
		}
		if secretVarRef(w) {
			src.sensitive, src.what = true, "a secret environment variable"
		}
		if len(w) > maxBlob && encodedLike(w) {
			x.add(ruleEncodedPayload, detect.SeverityMedium, "sends a large encoded blob", c)
		}
	}
	if hasSubst {
		src.merge(x.substs(c))
	}
	if _, _, q, ok := urlParts(u); ok {
		if k := urlData("", q); k&(dataSecret|dataEmail) != 0 {
			x.sends = true
			x.add(ruleSecretExternal, detect.SeverityHigh, "puts "+k.String()+" in a request to an external host", c)
		}
	}
	for _, w := range r.Data {
		for _, f := range strings.Fields(w) {
			if looksSecret(f) {
				x.sends = true
				x.add(ruleSecretExternal, detect.SeverityHigh, "sends a credential to an external host", c)
				break
			}
		}
	}
	if sending || src.sensitive {
		x.sends = true
	}
	x.judge(c, src, class, host)
	return true
}

// judge reports what a sending command sends where.
func (x *shellCheck) judge(c *toolrisk.Command, src source, class hostClass, host string) {
	enc := ""
	if src.encoded {
		enc = "encodes and "
	}
	switch {
	case src.sensitive:
		s := detect.SeverityHigh
		if class == hostSink {
			s = detect.SeverityCritical
		}
		x.add(ruleSensitiveUpload, s, enc+"sends "+src.what+" over the network", c)
	case src.file && class == hostSink:
		x.add(ruleFileUpload, detect.SeverityHigh, enc+"sends a local file to a known exfiltration endpoint", c)
	case src.file && class == hostRawIP:
		x.add(ruleFileUpload, detect.SeverityMedium, enc+"sends a local file to a bare IP address", c)
	case src.file:
		x.add(ruleFileUpload, detect.SeverityLow, enc+"sends a local file to an external host ("+host+")", c)
	}
}

// raw judges netcat, socat, telnet and openssl s_client fed with data.
func (x *shellCheck) raw(c *toolrisk.Command, i int) {
	if c.Name == "openssl" && (len(c.Args) == 0 || c.Args[0] != "s_client") {
		return
	}
	if hasArg(c.Args, "-l") || hasArg(c.Args, "-z") || hasArgPrefix(c.Args, "-lv") {
		return // listening or port-scanning, not sending
	}
	var src source
	src.merge(x.readsOf(c))
	if c.PipeFrom >= 0 {
		src.merge(x.origin(c.PipeFrom))
	}
	if c.Name == "socat" {
		for _, a := range c.Args {
			la := strings.ToLower(a)
			if strings.HasPrefix(la, "file:") || strings.HasPrefix(la, "open:") || strings.HasPrefix(la, "gopen:") {
				p := a[strings.IndexByte(a, ':')+1:]
				if k := strings.IndexByte(p, ','); k >= 0 {
					p = p[:k]
				}
				src.file = true
				if what, _, ok := toolrisk.SensitivePath(p); ok {
					src.sensitive, src.what = true, what
				}
			}
		}
	}
	if !src.file && !src.sensitive {
		return
	}
	x.sends = true
	class := hostExternal
	for _, a := range positional(c.Args) {
		if cl, _, _ := x.hostOf(a); cl == hostRawIP || cl == hostSink || cl == hostLocal || cl == hostAllowed {
			class = cl
			break
		}
	}
	if class == hostLocal || class == hostAllowed {
		return
	}
	if !src.sensitive && class == hostExternal {
		class = hostRawIP // a raw socket to anywhere is as bad as a bare IP
	}
	x.judge(c, src, class, c.Name+" peer")
}

// dns judges name lookups whose name carries command output.
func (x *shellCheck) dns(c *toolrisk.Command) {
	for _, a := range positional(c.Args) {
		if !strings.Contains(a, ".") {
			continue
		}
		switch {
		case strings.Contains(a, "$()"):
			x.sends = true
			x.add(ruleDNSExfil, detect.SeverityHigh, "puts command output in a DNS name", c)
			return
		case strings.Contains(a, "$") && !strings.HasPrefix(a, "$"):
			x.sends = true
			x.add(ruleDNSExfil, detect.SeverityMedium, "puts a variable in a DNS name", c)
			return
		}
	}
}

// copy judges scp, rsync, rclone and cloud copies of sensitive files to a
// remote destination.
func (x *shellCheck) copy(c *toolrisk.Command) {
	ops := positional(c.Args)
	switch c.Name {
	case "aws":
		if len(ops) < 4 || ops[0] != "s3" || (ops[1] != "cp" && ops[1] != "sync" && ops[1] != "mv") {
			return
		}
		ops = ops[2:]
	case "gsutil", "s3cmd", "mc", "rclone", "azcopy":
		if len(ops) < 3 {
			return
		}
		switch ops[0] {
		case "cp", "copy", "copyto", "sync", "mv", "move", "put", "rsync":
			ops = ops[1:]
		default:
			return
		}
	}
	if len(ops) < 2 {
		return
	}
	dst := ops[len(ops)-1]
	if !remoteTarget(dst) {
		return
	}
	for _, o := range ops[:len(ops)-1] {
		if what, _, ok := toolrisk.SensitivePath(o); ok {
			x.sends = true
			x.add(ruleSensitiveUpload, detect.SeverityHigh, "copies "+what+" to a remote host", c)
			return
		}
	}
	x.sends = true
}

// remoteTarget reports a copy destination on another machine.
func remoteTarget(d string) bool {
	if strings.Contains(d, "://") {
		return true
	}
	i := strings.IndexByte(d, ':')
	if i <= 0 {
		return false
	}
	if i == 1 && (len(d) == 2 || d[2] == '\\' || d[2] == '/') {
		return false // a Windows drive
	}
	return !strings.Contains(d[:i], "/")
}

// mail judges mail commands attaching or piping sensitive data.
func (x *shellCheck) mail(c *toolrisk.Command, i int) {
	var src source
	for j, a := range c.Args {
		if (a == "-a" || a == "-A" || a == "--attach") && j+1 < len(c.Args) {
			src.file = true
			if what, _, ok := toolrisk.SensitivePath(c.Args[j+1]); ok {
				src.sensitive, src.what = true, what
			}
		}
	}
	src.merge(x.readsOf(c))
	if c.PipeFrom >= 0 {
		src.merge(x.origin(c.PipeFrom))
	}
	x.sends = true
	if src.sensitive {
		x.add(ruleSensitiveUpload, detect.SeverityHigh, "mails "+src.what, c)
	}
}

// devTCP judges bash's /dev/tcp and /dev/udp redirections used to send
// data.
func (x *shellCheck) devTCP(c *toolrisk.Command) {
	for _, r := range c.Redirs {
		if !r.IsWrite() || !(strings.HasPrefix(r.Target, "/dev/tcp/") || strings.HasPrefix(r.Target, "/dev/udp/")) {
			continue
		}
		if toolrisk.IsShell(c.Name) || c.Name == "exec" || c.Name == "" {
			return // a reverse shell, toolrisk's concern
		}
		var src source
		src.merge(x.readsOf(c))
		src.merge(x.substs(c))
		if c.PipeFrom >= 0 {
			src.merge(x.origin(c.PipeFrom))
		}
		x.sends = true
		hostPort := strings.TrimPrefix(strings.TrimPrefix(r.Target, "/dev/tcp/"), "/dev/udp/")
		class, _, _ := x.hostOf(strings.Replace(hostPort, "/", ":", 1))
		if class == hostLocal || class == hostAllowed {
			return
		}
		switch {
		case src.sensitive:
			x.add(ruleSensitiveUpload, detect.SeverityHigh, "writes "+src.what+" to a network socket", c)
		default:
			x.add(ruleFileUpload, detect.SeverityMedium, "writes data to a raw network socket", c)
		}
		return
	}
}

func hostPart(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

func encodedLike(w string) bool {
	n := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '-' || c == '_' {
			n++
		}
	}
	return n*100 >= len(w)*95
}

func positional(args []string) []string {
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

func hasArg(args []string, a string) bool {
	for _, x := range args {
		if x == a {
			return true
		}
	}
	return false
}

func hasArgPrefix(args []string, p string) bool {
	for _, x := range args {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	return false
}
