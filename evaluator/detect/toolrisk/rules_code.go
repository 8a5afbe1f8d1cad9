package toolrisk

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// containsFold reports whether s contains sub, ignoring ASCII case, without
// allocating. sub must be lowercase.
func containsFold(s, sub string) bool {
	return indexFold(s, sub) >= 0
}

func indexFold(s, sub string) int {
	n := len(sub)
	if n == 0 {
		return 0
	}
	first := sub[0]
	for i := 0; i+n <= len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != first {
			continue
		}
		j := 1
		for ; j < n; j++ {
			d := s[i+j]
			if d >= 'A' && d <= 'Z' {
				d += 'a' - 'A'
			}
			if d != sub[j] {
				break
			}
		}
		if j == n {
			return i
		}
	}
	return -1
}

func anyFold(s string, subs ...string) bool {
	for _, x := range subs {
		if containsFold(s, x) {
			return true
		}
	}
	return false
}

// wordFold reports whether w occurs in s as a whole word (not inside a
// longer identifier), ignoring case.
func wordFold(s, w string) bool {
	off := 0
	for {
		i := indexFold(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(w)
		if (i == 0 || !isIdentByte(s[i-1])) && (end >= len(s) || !isIdentByte(s[end])) {
			return true
		}
		off = i + 1
	}
}

// Markers of code that talks to a socket and of code that starts a shell;
// together they are a reverse shell.
var (
	socketMarkers = []string{"socket.socket", "socket(", "tcpsocket", "fsockopen", "io::socket", "net.socket", "net.connect(", "new socket", "/dev/tcp/", "create_connection", "createconnection", "tcpclient", "sockets.tcpclient", "socket.connect", "use socket"}
	shellMarkers  = []string{"/bin/sh", "/bin/bash", "cmd.exe", "pty.spawn", "dup2", "\"sh\"", "'sh'", "\"bash\"", "'bash'", "sh -i", "bash -i", "getstream()", "powershell", "/bin/zsh"}
	fetchMarkers  = []string{"urlopen", "requests.get", "requests.post", "urllib", "fetch(", "http.get", "https.get", "downloadstring", "invoke-webrequest", "invoke-restmethod", "net.webclient", "open-uri", "lwp::simple", "file_get_contents(\"http", "file_get_contents('http", "httpx.get", "urlretrieve", "net::http", "downloadfile", "curl_exec"}
	decodeMarkers = []string{"b64decode", "base64.decode", "decode_base64", "atob(", "fromcharcode", "codecs.decode", "zlib.decompress", "marshal.loads", "rot13", "bytes.fromhex", "unhexlify", "frombase64string", "'base64')", "\"base64\")", "base64 -d", "pack(\"h*\"", "pack('h*'"}
)

// fetchMarker reports code that fetches from the network, including
// PowerShell's short aliases.
func fetchMarker(s string) bool {
	return anyFold(s, fetchMarkers...) || wordFold(s, "iwr") || wordFold(s, "irm") || wordFold(s, "start-bitstransfer") ||
		(wordFold(s, "iex") && (wordFold(s, "wget") || wordFold(s, "curl")))
}

// evalMarker reports code that evaluates a string as code.
func evalMarker(s string) bool {
	return callFold(s, "exec") || callFold(s, "eval") || anyFold(s, "invoke-expression", "new function(", "instance_eval", "class_eval") || wordFold(s, "iex")
}

// callFold reports a call of name (a whole identifier followed by "("),
// ignoring case: "eval(" but not "literal_eval(", "exec (" but not
// "execute(".
func callFold(s, name string) bool {
	off := 0
	for {
		i := indexFold(s[off:], name)
		if i < 0 {
			return false
		}
		i += off
		off = i + 1
		if i > 0 && (isIdentByte(s[i-1])) {
			continue
		}
		j := i + len(name)
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && s[j] == '(' {
			return true
		}
	}
}

// code judges a program handed to an interpreter as a whole: reverse
// shells, download-and-execute, evaluation of decoded data, fork loops,
// and the destructive commands of MongoDB, PowerShell and cmd.
func (k *checker) code(cd *Code) {
	t := cd.Text
	if cd.Lang == "powershell-encoded" {
		k.addText(ruleObfuscated, detect.SeverityHigh, "runs a base64-encoded PowerShell command", "powershell -EncodedCommand …")
		return
	}
	if anyFold(t, socketMarkers...) && anyFold(t, shellMarkers...) {
		k.addText(ruleReverseShell, detect.SeverityCritical, "code connects a shell to a network socket", codeEvidence(t, socketMarkers))
		return
	}
	if evalMarker(t) && fetchMarker(t) {
		k.addText(ruleDownloadExec, detect.SeverityHigh, "code evaluates content fetched from the network", codeEvidence(t, append(fetchMarkers, "iwr", "irm")))
		return
	}
	if evalMarker(t) && anyFold(t, decodeMarkers...) {
		k.addText(ruleObfuscated, detect.SeverityHigh, "code evaluates decoded data", codeEvidence(t, decodeMarkers))
	}
	if containsFold(t, "fork while fork") || (containsFold(t, "fork()") && anyFold(t, "while true", "while 1", "while(1)", "while (1)", "for(;;)", "for (;;)", "while(true)", "while (true)", "loop {", "loop do")) {
		k.addText(ruleForkBomb, detect.SeverityCritical, "code forks processes without end", "fork() in an endless loop")
	}
	switch cd.Lang {
	case "mongo", "node":
		k.mongo(t)
	case "powershell", "cmd":
		k.windowsText(t)
	}
}

// codeEvidence quotes the first marker found, so evidence shows what was
// seen without the code's data.
func codeEvidence(t string, markers []string) string {
	for _, m := range markers {
		if i := indexFold(t, m); i >= 0 {
			return t[i:min(len(t), i+len(m)+24)]
		}
	}
	return ""
}

func (k *checker) mongo(t string) {
	switch {
	case containsFold(t, "dropdatabase("):
		k.addText(ruleDatabaseDestroy, detect.SeverityHigh, "drops a MongoDB database", "db.dropDatabase()")
	case containsFold(t, ".drop()"):
		k.addText(ruleDatabaseDestroy, detect.SeverityHigh, "drops a MongoDB collection", "db.<collection>.drop()")
	case anyFold(t, "deletemany({})", "deletemany( {} )", "remove({})", "deletemany({ })"):
		k.addText(ruleDatabaseDestroy, detect.SeverityHigh, "deletes every document of a collection", "deleteMany({})")
	}
}

// windowsText judges PowerShell and cmd text.
func (k *checker) windowsText(t string) {
	switch {
	case wordFold(t, "format-volume") || wordFold(t, "clear-disk") || wordFold(t, "initialize-disk"):
		k.addText(ruleDiskWipe, detect.SeverityCritical, "erases a disk or volume", codeEvidence(t, []string{"format-volume", "clear-disk", "initialize-disk"}))
	case (wordFold(t, "remove-item") || wordFold(t, "rm") || wordFold(t, "ri") || wordFold(t, "del")) && anyFold(t, "-recurse", "-r ", " /s") && windowsCriticalPath(t):
		k.addText(ruleDestructiveRm, detect.SeverityCritical, "recursively deletes a drive, the Windows directory or user profiles", codeEvidence(t, []string{"remove-item", "rm ", "del "}))
	case (wordFold(t, "rd") || wordFold(t, "rmdir")) && containsFold(t, "/s") && windowsCriticalPath(t):
		k.addText(ruleDestructiveRm, detect.SeverityCritical, "recursively deletes a drive, the Windows directory or user profiles", codeEvidence(t, []string{"rd ", "rmdir "}))
	case containsFold(t, "vssadmin") && containsFold(t, "delete shadows"), containsFold(t, "win32_shadowcopy") && containsFold(t, "delete"):
		k.addText(ruleServiceDestroy, detect.SeverityCritical, "deletes system restore points (a ransomware step)", "vssadmin delete shadows")
	case containsFold(t, "wevtutil") && anyFold(t, " cl ", " clear-log"), wordFold(t, "clear-eventlog"):
		k.addText(ruleHistoryTamper, detect.SeverityHigh, "clears Windows event logs", "clear event logs")
	case containsFold(t, "set-mppreference") && anyFold(t, "-disablerealtimemonitoring $true", "-disableioavprotection $true", "-disablebehaviormonitoring $true"),
		containsFold(t, "netsh") && containsFold(t, "firewall") && containsFold(t, "state off"):
		k.addText(ruleDefenseEvasion, detect.SeverityHigh, "turns Windows protections off", codeEvidence(t, []string{"set-mppreference", "netsh"}))
	case containsFold(t, "add-mppreference") && containsFold(t, "-exclusion"):
		k.addText(ruleDefenseEvasion, detect.SeverityMedium, "excludes paths from antivirus scanning", "Add-MpPreference -Exclusion…")
	case wordFold(t, "clear-history") || (containsFold(t, "historysavepath") && anyFold(t, "remove-item", "clear-content", "del ")):
		k.addText(ruleHistoryTamper, detect.SeverityMedium, "clears the PowerShell history", "Clear-History")
	}
}

func windowsCriticalPath(t string) bool {
	lt := strings.ToLower(t)
	for _, p := range []string{`c:\windows`, `c:\users`, `$env:userprofile`, `$env:systemroot`, `$home`, `c:\program files`, `~`} {
		if strings.Contains(lt, p) {
			return true
		}
	}
	// A bare drive root: C:\ or C:/ followed by a quote, space, * or end.
	for i := 0; i+2 < len(lt); i++ {
		if lt[i] >= 'a' && lt[i] <= 'z' && lt[i+1] == ':' && (lt[i+2] == '\\' || lt[i+2] == '/') && (i == 0 || !isIdentByte(lt[i-1])) {
			if i+3 >= len(lt) || strings.IndexByte(" \"'*\n;", lt[i+3]) >= 0 {
				return true
			}
		}
	}
	return false
}

// text applies checks to a whole script text that do not need a parse:
// fork bombs written without the spaces a parser needs, and PowerShell
// that a shell tool was asked to run.
func (k *checker) text(t string) {
	if strings.Contains(t, "()") {
		if name, ok := forkBombText(t); ok {
			for _, h := range k.hits {
				if h.rule == ruleForkBomb {
					return
				}
			}
			k.addText(ruleForkBomb, detect.SeverityCritical, "defines a fork bomb", name+"(){ "+name+"|"+name+"& }")
		}
	}
	if wordFold(t, "iex") || anyFold(t, "invoke-expression", "remove-item", "format-volume", "clear-disk", "set-mppreference", "vssadmin", "wevtutil", "clear-history") {
		if fetchMarker(t) && (wordFold(t, "iex") || containsFold(t, "invoke-expression")) {
			k.addText(ruleDownloadExec, detect.SeverityHigh, "evaluates content fetched from the network", codeEvidence(t, append(fetchMarkers, "iwr", "irm")))
			return
		}
		k.windowsText(t)
	}
	for _, lol := range [...]struct{ name, needle string }{{"certutil", "-urlcache"}, {"mshta", "http"}, {"regsvr32", "/i:http"}, {"bitsadmin", "/transfer"}, {"rundll32", "javascript:"}} {
		if wordFold(t, lol.name) && containsFold(t, lol.needle) {
			k.addText(ruleDownloadExec, detect.SeverityHigh, "uses a system program to fetch and run remote code", lol.name+" "+lol.needle)
			return
		}
	}
}

// forkBombText finds NAME(){ ... NAME|NAME& ... } in text, with or without
// spaces.
func forkBombText(t string) (string, bool) {
	for off := 0; off < len(t); {
		i := strings.Index(t[off:], "()")
		if i < 0 {
			return "", false
		}
		i += off
		off = i + 2
		j := i
		for j > 0 && (isIdentByte(t[j-1]) || t[j-1] == ':' || t[j-1] == '.' || t[j-1] == '-') {
			j--
		}
		name := t[j:i]
		if name == "" {
			continue
		}
		body := strings.TrimLeft(t[i+2:], " \t")
		if !strings.HasPrefix(body, "{") {
			continue
		}
		if len(body) > 256 {
			body = body[:256] // a fork bomb body is short
		}
		end := strings.IndexByte(body, '}')
		if end < 0 {
			end = len(body)
		}
		b := strings.ReplaceAll(body[1:end], " ", "")
		if strings.Contains(b, name+"|"+name) && strings.Contains(b, "&") {
			return name, true
		}
	}
	return "", false
}
