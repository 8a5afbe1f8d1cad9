package toolrisk

import (
	"path"
	"strings"
)

// pathClass ranks a filesystem path by what deleting or overwriting it
// would destroy. The order matters: higher is worse.
type pathClass uint8

const (
	pathNone      pathClass = iota // empty operand
	pathTemp                       // under a temporary directory: /tmp/x, $TMPDIR/x
	pathBuild                      // build output and caches: node_modules, dist, target, ~/.cache/x
	pathOther                      // an ordinary path of no special standing
	pathDynamic                    // starts with an unknown variable or substitution: "$DIR/" may be "/"
	pathHomeSub                    // inside a home directory: ~/Documents
	pathSystemSub                  // inside a system directory: /var/log, /etc/nginx
	pathProject                    // the working tree as a whole: ., *, .*, .., ../x
	pathHome                       // a home directory itself: ~, $HOME, /home/alice
	pathSystem                     // a top-level system directory: /etc, /usr, /home
	pathRoot                       // / or /*
)

var pathClassNames = [...]string{"none", "temporary", "build output", "path", "unresolved path", "home directory content", "system directory content", "working tree", "home directory", "system directory", "filesystem root"}

func (p pathClass) String() string { return pathClassNames[p] }

// systemTops are the top-level directories whose loss breaks a machine.
var systemTops = map[string]bool{
	"etc": true, "usr": true, "bin": true, "sbin": true, "lib": true, "lib32": true, "lib64": true, "libx32": true,
	"boot": true, "var": true, "opt": true, "srv": true, "sys": true, "proc": true, "dev": true, "root": true,
	"home": true, "users": true, "system": true, "library": true, "applications": true, "private": true,
	"mnt": true, "media": true, "data": true, "snap": true, "nix": true, "run": true, "volumes": true, "efi": true,
	"windows": true, "program files": true,
}

// buildDirs are directory names that hold regenerable output: deleting
// them costs a rebuild, not work.
var buildDirs = map[string]bool{
	"build": true, "dist": true, "out": true, "target": true, "node_modules": true, ".next": true, ".nuxt": true,
	"__pycache__": true, ".pytest_cache": true, ".mypy_cache": true, ".ruff_cache": true, ".cache": true,
	"coverage": true, ".coverage": true, ".tox": true, ".nox": true, ".venv": true, "venv": true, ".gradle": true,
	".parcel-cache": true, ".turbo": true, ".svelte-kit": true, "tmp": true, "temp": true, ".tmp": true,
	"_build": true, "cmake-build-debug": true, "cmake-build-release": true, "bazel-out": true, ".angular": true,
	"deriveddata": true, "htmlcov": true, ".eggs": true, "storybook-static": true, ".docusaurus": true, "obj": true,
}

// normPath rewrites the variables that name well-known places to the place
// ($HOME and ~ to "~", $TMPDIR to /tmp, $PWD to .) and cleans the path.
// dynamic reports a leading variable or substitution that could not be
// resolved.
func normPath(p string) (np string, dynamic bool) {
	for _, v := range [...]struct{ from, to string }{
		{"$HOME", "~"}, {"$TMPDIR", "/tmp"}, {"$TMP", "/tmp"}, {"$TEMP", "/tmp"}, {"$RUNNER_TEMP", "/tmp"},
		{"$XDG_RUNTIME_DIR", "/tmp"}, {"$XDG_CACHE_HOME", "~/.cache"}, {"$PWD", "."}, {"$XDG_CONFIG_HOME", "~/.config"},
	} {
		if strings.HasPrefix(p, v.from) && (len(p) == len(v.from) || p[len(v.from)] == '/') {
			p = v.to + p[len(v.from):]
			break
		}
	}
	if strings.HasPrefix(p, "$") || strings.HasPrefix(p, "<()") {
		return p, true
	}
	if strings.HasPrefix(p, "~") {
		rest := p[1:]
		user := ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			user, rest = rest[:i], rest[i:]
		} else {
			user, rest = rest, ""
		}
		if user != "" {
			return path.Clean("/home/" + user + rest), false
		}
		if rest == "" || rest == "/" {
			return "~", false
		}
		c := path.Clean(rest)
		if c == "/" {
			return "~", false
		}
		return "~" + c, false
	}
	if p == "" {
		return p, false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/*") && !strings.HasSuffix(c, "/*") {
		c += "/*"
	}
	return c, false
}

// classifyPath ranks a deletion or overwrite target.
func classifyPath(raw string) pathClass {
	if raw == "" {
		return pathNone
	}
	p, dyn := normPath(raw)
	if dyn {
		return pathDynamic
	}
	switch {
	case p == "~":
		return pathHome
	case strings.HasPrefix(p, "~/"):
		rest := p[2:]
		if rest == "*" || rest == ".*" {
			return pathHome
		}
		first := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			first = rest[:i]
		}
		if buildDirs[strings.ToLower(first)] || strings.HasPrefix(rest, "Library/Caches") {
			return pathBuild
		}
		return pathHomeSub
	case strings.HasPrefix(p, "/"):
		return classifyAbs(p)
	}
	// Relative paths.
	switch p {
	case ".", "*", ".*", "./*", "..", "./.*", "**":
		return pathProject
	}
	if p == ".." || strings.HasPrefix(p, "../") {
		return pathProject
	}
	for _, part := range strings.Split(p, "/") {
		if buildDirs[strings.ToLower(part)] {
			return pathBuild
		}
	}
	return pathOther
}

func classifyAbs(p string) pathClass {
	if p == "/" || p == "/*" || p == "/.*" {
		return pathRoot
	}
	rest := p[1:]
	parts := strings.Split(rest, "/")
	top := strings.ToLower(parts[0])
	if isTempAbs(p) {
		for _, t := range tempRoots {
			if p == t {
				return pathOther // the whole temporary directory, not something in it
			}
		}
		return pathTemp
	}
	if top == "*" {
		return pathRoot
	}
	if !systemTops[top] {
		for _, part := range parts[1:] {
			if buildDirs[strings.ToLower(part)] {
				return pathBuild
			}
		}
		return pathOther
	}
	if len(parts) == 1 || (len(parts) == 2 && parts[1] == "*") {
		return pathSystem
	}
	switch top {
	case "home", "users":
		if len(parts) == 2 || (len(parts) == 3 && (parts[2] == "*" || parts[2] == ".*")) {
			return pathHome
		}
		for _, part := range parts[2:] {
			if buildDirs[strings.ToLower(part)] {
				return pathBuild
			}
		}
		return pathHomeSub
	case "root":
		return pathHomeSub
	case "var":
		if strings.EqualFold(parts[1], "cache") {
			return pathBuild
		}
	}
	return pathSystemSub
}

// isTempAbs reports whether an absolute path is under a temporary
// directory.
var tempRoots = [...]string{"/tmp", "/var/tmp", "/dev/shm", "/private/tmp", "/private/var/folders", "/var/folders", "/run/user"}

func isTempAbs(p string) bool {
	for _, t := range tempRoots {
		if p == t || strings.HasPrefix(p, t+"/") {
			return true
		}
	}
	return false
}

// credential describes a file whose contents are a credential.
type credential struct {
	what string // "SSH private key", "cloud credentials", ...
	high bool   // a credential that grants access on its own
}

// credentialFile reports whether a path names a credential store: private
// keys, cloud and cluster credentials, password and token files, browser
// cookie and login stores, .env files.
func credentialFile(raw string) (credential, bool) {
	if raw == "" || strings.Contains(raw, "://") {
		return credential{}, false
	}
	p, _ := normPath(raw)
	lp := strings.ToLower(p)
	base := lp
	if i := strings.LastIndexByte(lp, '/'); i >= 0 {
		base = lp[i+1:]
	}
	dirHas := func(s string) bool { return strings.Contains("/"+lp, s) }
	switch {
	case dirHas("/.ssh/") && (strings.HasPrefix(base, "id_") || strings.HasSuffix(base, "_key") || base == "*") && !strings.HasSuffix(base, ".pub"):
		return credential{"SSH private key", true}, true
	case strings.HasSuffix(lp, "/.ssh") || lp == "~/.ssh":
		return credential{"SSH key directory", true}, true
	case strings.HasPrefix(lp, "/etc/ssh/ssh_host_") && !strings.HasSuffix(base, ".pub"):
		return credential{"SSH host key", true}, true
	case dirHas("/.aws/") && (base == "credentials" || base == "*") || strings.HasSuffix(lp, "/.aws") || lp == "~/.aws":
		return credential{"AWS credentials", true}, true
	case dirHas("/gcloud/") && (base == "credentials.db" || base == "access_tokens.db" || base == "application_default_credentials.json" || strings.Contains(lp, "legacy_credentials")):
		return credential{"Google Cloud credentials", true}, true
	case dirHas("/.azure/") && (strings.Contains(base, "accesstokens") || strings.Contains(base, "msal_token_cache") || base == "service_principal_entries.json"):
		return credential{"Azure credentials", true}, true
	case dirHas("/.kube/") && (base == "config" || strings.HasSuffix(base, ".kubeconfig")), lp == "/etc/kubernetes/admin.conf", base == "kubeconfig":
		return credential{"Kubernetes credentials", true}, true
	case dirHas("/.docker/") && base == "config.json":
		return credential{"Docker registry credentials", false}, true
	case base == ".netrc" || base == "_netrc" || base == ".git-credentials" || base == ".pgpass" || base == ".vault-token" ||
		base == "credentials.tfrc.json" || (dirHas("/gh/") && base == "hosts.yml") || base == ".boto" || base == ".s3cfg":
		return credential{"stored credentials", true}, true
	case base == ".npmrc" || base == ".pypirc" || base == ".my.cnf" || base == ".gem/credentials" || base == ".cargo/credentials" ||
		(dirHas("/.cargo/") && (base == "credentials" || base == "credentials.toml")):
		return credential{"package registry or database credentials", false}, true
	case lp == "/etc/shadow" || lp == "/etc/gshadow" || lp == "/etc/master.passwd" || lp == "/etc/security/opasswd" || lp == "/etc/shadow-":
		return credential{"system password hashes", true}, true
	case dirHas("/.gnupg/") && (strings.Contains(lp, "private-keys") || base == "secring.gpg"), strings.HasSuffix(lp, "/.gnupg"), dirHas("/.password-store"):
		return credential{"private key store", true}, true
	case base == ".env" || (strings.HasPrefix(base, ".env.") && !isEnvTemplate(base)) || (strings.HasSuffix(base, ".env") && base != ".env" && !strings.Contains(base, "example")):
		return credential{"environment file with secrets", false}, true
	case base == "cookies" && (strings.Contains(lp, "chrom") || strings.Contains(lp, "brave") || strings.Contains(lp, "edge") || strings.Contains(lp, "google")),
		base == "login data", base == "cookies.sqlite", base == "logins.json", base == "key4.db", base == "key3.db",
		base == "local state" && strings.Contains(lp, "chrom"), strings.HasSuffix(base, ".keychain-db"), strings.HasSuffix(base, ".keychain"),
		base == "cookies.binarycookies":
		return credential{"browser cookie or password store", true}, true
	case strings.HasPrefix(lp, "/proc/") && base == "environ":
		return credential{"process environment", false}, true
	case base == "wallet.dat" || dirHas("/.ethereum/keystore") || dirHas("/.electrum/wallets"):
		return credential{"cryptocurrency wallet", true}, true
	case (strings.HasSuffix(base, "_rsa") || strings.HasSuffix(base, "_ed25519") || strings.HasSuffix(base, "_ecdsa") || strings.HasSuffix(base, "_dsa")) && !strings.Contains(base, "."):
		return credential{"private key", true}, true
	case strings.HasSuffix(base, ".key") || (strings.HasSuffix(base, ".pem") && (strings.Contains(base, "key") || strings.Contains(base, "priv"))) ||
		strings.HasSuffix(base, ".p12") || strings.HasSuffix(base, ".pfx") || strings.HasSuffix(base, ".jks") || strings.HasSuffix(base, ".keystore"):
		return credential{"private key file", false}, true
	case strings.HasPrefix(base, "service-account") && strings.HasSuffix(base, ".json"), base == "credentials.json":
		return credential{"service account key", false}, true
	}
	return credential{}, false
}

func isEnvTemplate(base string) bool {
	for _, s := range [...]string{"example", "sample", "template", "dist", "defaults", "default", "schema", "test"} {
		if strings.Contains(base, s) {
			return true
		}
	}
	return false
}

// historyFile reports whether a path is a shell or REPL history file.
func historyFile(raw string) bool {
	p, _ := normPath(raw)
	base := p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		base = p[i+1:]
	}
	switch base {
	case ".bash_history", ".zsh_history", ".sh_history", ".history", ".python_history", ".node_repl_history",
		".mysql_history", ".psql_history", ".sqlite_history", ".lesshst", ".viminfo", ".rediscli_history", "consolehost_history.txt":
		return true
	}
	return strings.HasSuffix(base, "_history") && strings.HasPrefix(base, ".")
}

// blockDevice reports whether a path is a disk or partition device (as
// opposed to /dev/null and other pseudo-devices).
func blockDevice(p string) bool {
	if !strings.HasPrefix(p, "/dev/") {
		return false
	}
	d := p[len("/dev/"):]
	for _, ok := range [...]string{"null", "zero", "random", "urandom", "stdout", "stderr", "stdin", "tty", "fd/", "pts/", "shm", "tcp/", "udp/", "ptmx", "console", "full", "kmsg", "log"} {
		if strings.HasPrefix(d, ok) {
			return false
		}
	}
	return d != ""
}

// SensitivePath reports whether a file path names something whose contents
// must not leave the machine: a credential store (see the credential_access
// rule), a shell history file, the account list, or a process environment.
// what describes it for reasons and evidence; high is set for stores that
// grant access on their own (private keys, cloud credentials).
func SensitivePath(p string) (what string, high bool, ok bool) {
	if cr, ok := credentialFile(p); ok {
		return cr.what, cr.high, true
	}
	if historyFile(p) {
		return "shell history", false, true
	}
	np, _ := normPath(p)
	switch np {
	case "/etc/passwd", "/etc/group", "/etc/hosts.allow":
		return "system account list", false, true
	}
	return "", false, false
}
