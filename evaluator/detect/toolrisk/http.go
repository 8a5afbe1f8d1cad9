package toolrisk

import (
	"path"
	"strings"
)

// HTTPRequest is what an HTTP client command line asks for: curl, wget,
// HTTPie/xh. The exfil family reads it to find data sent to URLs.
type HTTPRequest struct {
	// Method is the explicit method, uppercased, or "" (GET, or POST when
	// data is sent).
	Method string
	URLs   []string
	// Data are the inline request bodies and form values (-d, --data*,
	// --json, -F, --form, HTTPie's key=value items).
	Data []string
	// Files are local files sent as the body or as form uploads (-d @f,
	// --data-binary @f, -F x=@f, -T f, --upload-file f, wget --post-file f);
	// "-" is stdin.
	Files []string
	// Headers are -H/--header values.
	Headers []string
	// Output is the file the response is saved to (-o f, -O, wget -O f, or
	// wget's default of the URL's base name), "" for stdout.
	Output string
}

// curlValued are curl options whose value is the next word.
var curlValued = map[string]bool{
	"-X": true, "--request": true, "-d": true, "--data": true, "--data-binary": true, "--data-raw": true,
	"--data-ascii": true, "--data-urlencode": true, "--json": true, "-F": true, "--form": true, "--form-string": true,
	"-H": true, "--header": true, "-o": true, "--output": true, "-u": true, "--user": true, "-T": true,
	"--upload-file": true, "-A": true, "--user-agent": true, "-e": true, "--referer": true, "-b": true, "--cookie": true,
	"-c": true, "--cookie-jar": true, "-x": true, "--proxy": true, "--url": true, "-m": true, "--max-time": true,
	"--connect-timeout": true, "-w": true, "--write-out": true, "-K": true, "--config": true, "--cacert": true,
	"--cert": true, "--key": true, "-E": true, "--resolve": true, "--retry": true, "-r": true, "--range": true,
	"-C": true, "--continue-at": true, "--interface": true, "--limit-rate": true, "-U": true, "--proxy-user": true,
	"--oauth2-bearer": true, "--create-dirs": false, "-Y": true, "-y": true, "--output-dir": true, "--variable": true,
	"--expand-data": true, "--expand-url": true, "--aws-sigv4": true, "--dns-servers": true, "--preproxy": true,
}

// wgetValued are wget options whose value is the next word.
var wgetValued = map[string]bool{
	"-O": true, "--output-document": true, "-o": true, "--output-file": true, "-a": true, "-P": true,
	"--directory-prefix": true, "-U": true, "--user-agent": true, "--header": true, "--post-data": true,
	"--post-file": true, "--body-data": true, "--body-file": true, "--method": true, "-e": true, "--execute": true,
	"-t": true, "--tries": true, "-T": true, "--timeout": true, "--user": true, "--password": true, "-i": true,
	"--input-file": true, "-w": true, "--wait": true, "-Q": true, "--quota": true, "--limit-rate": true,
	"--http-user": true, "--http-password": true, "-l": true, "--level": true, "-A": true, "-R": true,
}

// ParseHTTP reads an HTTP client command line. ok is false when the command
// is not an HTTP client.
func ParseHTTP(c *Command) (r HTTPRequest, ok bool) {
	switch c.Name {
	case "curl", "curlie":
		parseCurl(c.Args, &r)
	case "wget", "wget2":
		parseWget(c.Args, &r)
	case "http", "https", "xh", "xhs":
		parseHTTPie(c.Args, &r)
	case "fetch", "aria2c", "lwp-download":
		for _, a := range positionals(c.Args) {
			if isURL(a) {
				r.URLs = append(r.URLs, a)
			}
		}
		if v, ok := optValue(c.Args, "-o", "--out"); ok {
			r.Output = v
		} else if len(r.URLs) > 0 {
			r.Output = path.Base(r.URLs[0])
		}
	default:
		return r, false
	}
	for _, r2 := range c.Redirs {
		if (r2.Op == ">" || r2.Op == ">>") && r2.Fd == "" && r.Output == "" {
			r.Output = r2.Target
		}
	}
	return r, true
}

func parseCurl(args []string, r *HTTPRequest) {
	remoteName := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if j := strings.IndexByte(a, '='); j >= 0 {
				name, val, hasVal = a[:j], a[j+1:], true
			}
		} else if len(a) > 2 && a[0] == '-' && curlValued[a[:2]] {
			name, val, hasVal = a[:2], a[2:], true // -XDELETE, -dfoo
		}
		if curlValued[name] {
			if !hasVal {
				if i+1 >= len(args) {
					break
				}
				i++
				val = args[i]
			}
			switch name {
			case "-X", "--request":
				r.Method = strings.ToUpper(val)
			case "-d", "--data", "--data-binary", "--data-ascii", "--json":
				if strings.HasPrefix(val, "@") {
					r.Files = append(r.Files, val[1:])
				} else {
					r.Data = append(r.Data, val)
				}
			case "--data-urlencode":
				if j := strings.Index(val, "@"); j >= 0 && !strings.Contains(val[:j], "=") {
					r.Files = append(r.Files, val[j+1:])
				} else if j := strings.Index(val, "=@"); j >= 0 {
					r.Files = append(r.Files, val[j+2:])
				} else {
					r.Data = append(r.Data, val)
				}
			case "--data-raw", "--form-string":
				r.Data = append(r.Data, val)
			case "-F", "--form":
				if j := strings.Index(val, "=@"); j >= 0 {
					f := val[j+2:]
					if k := strings.IndexByte(f, ';'); k >= 0 {
						f = f[:k]
					}
					r.Files = append(r.Files, f)
				} else if j := strings.Index(val, "=<"); j >= 0 {
					r.Files = append(r.Files, val[j+2:])
				} else {
					r.Data = append(r.Data, val)
				}
			case "-T", "--upload-file":
				r.Files = append(r.Files, val)
				if r.Method == "" {
					r.Method = "PUT"
				}
			case "-H", "--header":
				r.Headers = append(r.Headers, val)
			case "-o", "--output":
				r.Output = val
			case "--url":
				r.URLs = append(r.URLs, val)
			}
			continue
		}
		switch {
		case a == "-O" || a == "--remote-name" || a == "--remote-name-all":
			remoteName = true
		case strings.HasPrefix(a, "-") && len(a) > 1 && !strings.HasPrefix(a, "--") && isLetters(a[1:]) && strings.ContainsRune(a, 'O'):
			remoteName = true
		case strings.HasPrefix(a, "-") && len(a) > 1:
		default:
			r.URLs = append(r.URLs, a)
		}
	}
	if remoteName && r.Output == "" && len(r.URLs) > 0 {
		r.Output = urlBase(r.URLs[0])
	}
}

func parseWget(args []string, r *HTTPRequest) {
	out, outSet := "", false
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if j := strings.IndexByte(a, '='); j >= 0 {
				name, val, hasVal = a[:j], a[j+1:], true
			}
		} else if len(a) > 2 && a[0] == '-' && (a[1] == 'O' || a[1] == 'o') {
			name, val, hasVal = a[:2], a[2:], true
		} else if len(a) > 2 && a[0] == '-' && strings.HasSuffix(a, "O") && isLetters(a[1:]) {
			name = "-O" // -qO FILE
		}
		if wgetValued[name] {
			if !hasVal {
				if i+1 >= len(args) {
					break
				}
				i++
				val = args[i]
			}
			switch name {
			case "-O", "--output-document":
				out, outSet = val, true
			case "--post-data", "--body-data":
				r.Data = append(r.Data, val)
				if r.Method == "" {
					r.Method = "POST"
				}
			case "--post-file", "--body-file":
				r.Files = append(r.Files, val)
				if r.Method == "" {
					r.Method = "POST"
				}
			case "--method":
				r.Method = strings.ToUpper(val)
			case "--header":
				r.Headers = append(r.Headers, val)
			}
			continue
		}
		if !strings.HasPrefix(a, "-") {
			r.URLs = append(r.URLs, a)
		}
	}
	switch {
	case outSet && out != "-":
		r.Output = out
	case !outSet && len(r.URLs) > 0:
		r.Output = urlBase(r.URLs[0])
	}
}

func parseHTTPie(args []string, r *HTTPRequest) {
	pos := positionals(args)
	if len(pos) > 0 && isMethod(pos[0]) {
		r.Method = strings.ToUpper(pos[0])
		pos = pos[1:]
	}
	if len(pos) > 0 {
		r.URLs = append(r.URLs, pos[0])
		for _, item := range pos[1:] {
			switch {
			case strings.Contains(item, "=@") || strings.Contains(item, "@") && !strings.Contains(item, "="):
				if j := strings.LastIndexByte(item, '@'); j >= 0 {
					r.Files = append(r.Files, item[j+1:])
				}
			case strings.Contains(item, ":") && !strings.Contains(item, "="):
				r.Headers = append(r.Headers, item)
			default:
				r.Data = append(r.Data, item)
			}
		}
	}
	if v, ok := optValue(args, "-o", "--output"); ok {
		r.Output = v
	}
}

func isMethod(s string) bool {
	switch strings.ToUpper(s) {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return s == strings.ToUpper(s)
	}
	return false
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "ftp://")
}

// urlBase is the file name a download of u is saved under.
func urlBase(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexByte(u, '/'); i < 0 {
		return "index.html"
	}
	b := path.Base(u)
	if b == "/" || b == "." || b == "" {
		return "index.html"
	}
	return b
}

// URLPath returns the path component of a URL-ish word (with or without a
// scheme), lowercased, without query.
func URLPath(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	} else if !strings.Contains(u, ".") && !strings.Contains(u, ":") && !strings.HasPrefix(u, "/") {
		return ""
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		return strings.ToLower(u[i:])
	}
	return ""
}
