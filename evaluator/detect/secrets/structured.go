package secrets

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// Rules for credentials with a structure richer than a token: key blocks,
// JWTs, URIs with passwords, Kubernetes Secret manifests and a few
// configuration files.

func structuredRules() []*rule {
	return []*rule{
		custom("private_key", "Private key", detect.SeverityCritical,
			[]string{"-----BEGIN", "---- BEGIN SSH2"}, scanPEM, caseSensitive(),
			examples(
				tp("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi3Gd5Fz1qF8rJ0a4Wc2Lk5Yh7n\nq0Pz8yVbX1cE9dR6sTgUuJ3mKlN2oPqR4sT5uVwX6yZ7aB8cD9eF0gH1iJ2kL3mN\n-----END RSA PRIVATE KEY-----"),
				tp("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBfX3Rlc3Rfa2V5X2Zvcl9zbHVpY2VfdGVzdHNfX19fXwAAAJjO2xq5\n-----END OPENSSH PRIVATE KEY-----"),
				tp(`"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----\n"`),
				tp("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\nAwEHoUQDQgAEQ9wTkJ6Z0Aq8Z7yXr1vQ5mHc2Lp4Wn8Ks3Tj6Bd0Ef9Gh2Ij5Kl7Mn\n"),
				fp("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----"),
				fp("-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----"),
				fp("-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----"),
				fp("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----"),
			)),
		custom("pgp_private_key", "PGP private key block", detect.SeverityCritical,
			[]string{"-----BEGIN"}, scanPEM, caseSensitive(), withPrio(prioValidated),
			examples(
				tp("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQWGBGSVV4YBDAC7d2Kq9Lm3Np5Qr8St1Uv4Wx6Yz0Ab2Cd4Ef6Gh8Ij0Kl2Mn4Op\n=8xQN\n-----END PGP PRIVATE KEY BLOCK-----"),
				fp("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBFOrMNcBCAC+gLI4s3bUkobS5NpOQbWfjWXbqC0Ixpc5bZYDOvsmfstmswna\n-----END PGP PUBLIC KEY BLOCK-----"),
			)),
		custom("putty_private_key", "PuTTY private key", detect.SeverityCritical,
			[]string{"PuTTY-User-Key-File-"}, scanPuTTY, caseSensitive(),
			examples(
				tp("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIHq8Zr2Lx0pWn4Ks7YtB1vQ9mXc3Dj6Fh2Gk5Nl8Pa0S\nPrivate-Lines: 1\nAAAAIFt7Qw2Er5Ty8Ui1Op4As7Df0Gh3Jk6Lz9Xc2Vb5Nm8Qa1Ws4Ed7Rf0Tg3Yh\nPrivate-MAC: 1c9d0f5e2a7b3c8d4e9f0a1b6c2d7e3f8a4b9c0d5e1f6a2b7c3d8e4f9a0b5c1d\n"),
				fp("PuTTY-User-Key-File-3 is the header of a .ppk file"),
			)),
		custom("jwt", "JSON Web Token", detect.SeverityMedium, []string{"eyJ"}, scanJWT, caseSensitive(),
			examples(
				tp(`Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwiZXhwIjoxOTAwMDAwMDAwfQ.r8kQ2vL5mN1xZ7pW3tY9bC4dF6gH0jK2lM4nP6qR8sT`),
				tp(`token=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0LXVzZXIifQ.`),
				fp(`eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl`),
				fp(`eyJhbGciOiJIUzI1NiJ9 alone is only a header`),
				fp(`sntrys_eyJpYXQiOjE3MjkyNzg1ODEuMDgxMTUzfQ.eyJzdWIiOiIxIn0.abc`),
			)),
		custom("uri_password", "Password in a connection URI", detect.SeverityHigh, []string{"://"}, scanURI,
			examples(
				tp(`DATABASE_URL=postgres://app:Zq8vLm2Rk9Tx@db.internal:5432/shop`),
				tp(`MONGO_URL="mongodb+srv://deploy-user:Xk9mP3vN7qR2@cluster0.example.net/"`),
				tp(`redis://:hN4kT8wQ2zLp@cache.internal:6379/0`),
				tp(`git clone https://ci-bot:g7Hq2LmZ9vXr4Kt@git.example.com/org/repo.git`),
				fp(`postgresql://app:password@postgres.example.com/neondb`),
				fp(`mongodb+srv://${DB_USER}:${DB_PASS}@cluster.mongodb.net/`),
				fp(`mongodb://<username>:<password>@cluster.mongodb.net/app`),
				fp(`https://example.com:8443/path?q=1`),
				fp(`mongodb://user:pass@localhost:27017/app`),
			)),
		custom("kubernetes_secret", "Kubernetes Secret data", detect.SeverityHigh,
			[]string{"kind:", `"kind"`}, scanK8sSecret, caseSensitive(),
			examples(
				tp("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-user-pass\ntype: Opaque\ndata:\n  password: UyFCXCpkJHpEc2I9\n  username: YWRtaW4=\n"),
				tp("apiVersion: v1\ndata:\n  .dockercfg: |\n    eyJhdXRocyI6eyJodHRwczovL3JlZy5leGFtcGxlIjp7ImF1dGgiOiJjaTpzM2NyM3QtdjQxdWUifX19\nkind: Secret\n"),
				fp("apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  password: {{ .Values.Password }}\n"),
				fp("apiVersion: v1\nkind: ConfigMap\ndata:\n  setting: dmFsdWVfb2ZfYV9zZXR0aW5n\n"),
				fp("apiVersion: v1\nkind: Secret\ndata:\n  extra: YmFyCg==\n"),
			)),
		custom("aws_secret_access_key", "AWS secret access key", detect.SeverityCritical,
			[]string{"AKIA", "ASIA"}, scanAWSSecret, caseSensitive(),
			withCIKeywords("secret_access_key", "secretaccesskey", "aws_secret", "secret-access-key", "aws secret access key"),
			examples(
				tp("aws_access_key_id = AKIAZ3MHT7QX2B5LVDNK\naws_secret_access_key = 9sQ2vLm8Rk4Tx7Wz1Bn5Cy3Dp6Fh0Gj2Kl4Mn8Pq"),
				tp(`AWS_SECRET_ACCESS_KEY="Hq7zLm2Rv9Tx4Wk8Bn1Cy5Dp3Fh6Gj0Kl2Mn4Pq7"`),
				fp(`aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`),
				fp(`aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}`),
			)),
		custom("gcp_service_account", "Google Cloud service account key", detect.SeverityCritical,
			[]string{"service_account"}, scanGCPServiceAccount, withPrio(prioValidated),
			examples(
				tp(`{"type": "service_account", "project_id": "demo-1", "private_key_id": "4b7c", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n", "client_email": "svc@demo-1.iam.gserviceaccount.com"}`),
				fp(`{"type": "service_account", "project_id": "demo-1"}`),
			)),
		custom("nuget_config_password", "Cleartext password in NuGet configuration", detect.SeverityHigh,
			[]string{"cleartextpassword", `key="password"`}, scanNuGet,
			examples(
				tp(`<add key="ClearTextPassword" value="hal+9ooo_da!sY" />`),
				tp(`<add key="Password" value="CleartextPassword1" />`),
				fp(`<add key="ClearTextPassword" value="%FEED_PASSWORD%" />`),
				fp(`<add key="ClearTextPassword" value="abc" />`),
			)),
		custom("netrc_password", "Password in a .netrc entry", detect.SeverityHigh, []string{"machine"}, scanNetrc,
			caseSensitive(),
			examples(
				tp("machine api.example.com login deploy password Tq9vLm2Rk8Zx"),
				fp("machine learning login screens and password managers"),
			)),
		custom("docker_config_auth", "Registry credentials in a Docker config", detect.SeverityHigh,
			[]string{`"auth"`}, scanDockerAuth, caseSensitive(),
			examples(
				tp(`{"auths": {"registry.example.com": {"auth": "Y2ktYm90OnM4Sm4yTHE5VnhUMw=="}}}`),
				fp(`{"auths": {"registry.example.com": {"auth": "dXNlcjo="}}}`),
			)),
		custom("npmrc_auth_token", "npm registry credential in .npmrc", detect.SeverityHigh,
			[]string{"_authtoken", ":_auth="}, scanNpmrc,
			examples(
				tp(`//registry.example.com/:_authToken=8c1f0d2e-9b7a-4c3e-8f21-6d5a0b9c7e41`),
				tp(`//npm.example.com/:_auth=Y2ktYm90OnM4Sm4yTHE5VnhUMw==`),
				fp(`//npm.registry.example/:_authToken=${NPM_TOKEN}`),
			)),
	}
}

// ---- PEM blocks -----------------------------------------------------------

func isB64(c byte) bool { return isAlnum(c) || c == '+' || c == '/' || c == '=' }

// scanPEM reads a "-----BEGIN ... PRIVATE KEY-----" block and reports its
// base64 body (the armour lines stay, so a redacted block still says what
// it was). A block cut off before its END line still counts when enough of
// the body is there.
func scanPEM(s *scan, r *rule, ks, ke int) {
	text := s.text
	dashes := "-----"
	if strings.HasPrefix(text[ks:], "---- BEGIN") {
		dashes = "----"
	}
	hdrEnd := strings.Index(text[ke:min(len(text), ke+80)], dashes)
	if hdrEnd < 0 {
		return
	}
	label := strings.TrimLeft(text[ks:ke+hdrEnd], "- ")
	label = strings.TrimSpace(strings.TrimPrefix(label, "BEGIN"))
	if !strings.Contains(label, "PRIVATE KEY") {
		return
	}
	isPGP := strings.Contains(label, "PGP")
	if isPGP != (r.id == "pgp_private_key") {
		return
	}
	i := ke + hdrEnd + len(dashes)
	bodyStart, bodyEnd, b64 := -1, -1, 0
	encrypted := strings.Contains(label, "ENCRYPTED")
	for i < len(text) {
		c := text[i]
		switch {
		case c == '\\' && i+1 < len(text) && (text[i+1] == 'n' || text[i+1] == 'r'):
			i += 2
			continue
		case c == '\n' || c == '\r' || c == ' ' || c == '\t':
			i++
			continue
		case c == '-':
			if strings.HasPrefix(text[i:], dashes+"END") || strings.HasPrefix(text[i:], dashes+" END") {
				i = len(text)
			} else {
				i++
			}
			continue
		}
		// Armour headers ("Proc-Type: 4,ENCRYPTED", "Version: ...") are
		// lines with a colon; skip them.
		lineEnd := i
		for lineEnd < len(text) && text[lineEnd] != '\n' && !(text[lineEnd] == '\\' && lineEnd+1 < len(text) && text[lineEnd+1] == 'n') {
			lineEnd++
		}
		if colon := strings.IndexByte(text[i:lineEnd], ':'); colon > 0 && colon < 20 {
			if strings.Contains(text[i:lineEnd], "ENCRYPTED") {
				encrypted = true
			}
			i = lineEnd
			continue
		}
		if !isB64(c) {
			break
		}
		if bodyStart < 0 {
			bodyStart = i
		}
		for i < len(text) && isB64(text[i]) {
			i++
			b64++
		}
		bodyEnd = i
		if b64 > 64<<10 {
			break
		}
	}
	if bodyStart < 0 || b64 < 32 {
		return
	}
	body := text[bodyStart:bodyEnd]
	if lowVariety(body) || strings.Contains(strings.ToLower(body), "example") {
		return
	}
	reason, sev := pemReason(label, encrypted)
	s.addWith(r, bodyStart, bodyEnd, 1, reason, sev)
}

func pemReason(label string, encrypted bool) (string, int8) {
	kind := "Private key"
	switch {
	case strings.Contains(label, "PGP"):
		kind = "PGP private key block"
	case strings.Contains(label, "RSA"):
		kind = "RSA private key"
	case strings.Contains(label, "OPENSSH"):
		kind = "OpenSSH private key"
	case strings.HasPrefix(label, "EC ") || strings.Contains(label, " EC "):
		kind = "EC private key"
	case strings.Contains(label, "DSA"):
		kind = "DSA private key"
	case strings.Contains(label, "SSH2"):
		kind = "SSH2 private key"
	}
	if encrypted {
		return "Encrypted " + strings.ToLower(kind[:1]) + kind[1:], int8(detect.SeverityHigh)
	}
	return kind, -1
}

// scanPuTTY reports the Private-Lines block of a PuTTY key file.
func scanPuTTY(s *scan, r *rule, ks, ke int) {
	text := s.text
	limit := min(len(text), ks+16<<10)
	p := strings.Index(text[ks:limit], "Private-Lines:")
	if p < 0 {
		return
	}
	i := ks + p
	nl := strings.IndexByte(text[i:limit], '\n')
	if nl < 0 {
		return
	}
	start := i + nl + 1
	end := start
	for end < limit && (isB64(text[end]) || text[end] == '\n' || text[end] == '\r') {
		if strings.HasPrefix(text[end:], "Private-MAC") {
			break
		}
		end++
	}
	for end > start && (text[end-1] == '\n' || text[end-1] == '\r') {
		end--
	}
	if end-start < 32 {
		return
	}
	encrypted := !strings.Contains(text[ks:start], "Encryption: none")
	reason, sev := "PuTTY private key", int8(-1)
	if encrypted {
		reason, sev = "Encrypted PuTTY private key", int8(detect.SeverityHigh)
	}
	s.addWith(r, start, end, 1, reason, sev)
}

// ---- JWT -----------------------------------------------------------------

func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// scanJWT reads header.payload.signature and checks that the header
// decodes to a JSON object naming an algorithm.
func scanJWT(s *scan, r *rule, ks, ke int) {
	text := s.text
	if ks > 0 && (isB64URL(text[ks-1]) || text[ks-1] == '.') {
		return
	}
	if ks < s.done[r.index] {
		return
	}
	i := ks
	var parts [3][2]int
	for p := 0; p < 3; p++ {
		st := i
		for i < len(text) && isB64URL(text[i]) && i-st < 16<<10 {
			i++
		}
		parts[p] = [2]int{st, i}
		if p < 2 {
			if i >= len(text) || text[i] != '.' {
				return
			}
			i++
		}
	}
	// JWE tokens have five parts; take them all.
	for k := 0; k < 2 && i+1 < len(text) && text[i] == '.' && isB64URL(text[i+1]); k++ {
		i++
		for i < len(text) && isB64URL(text[i]) {
			i++
		}
	}
	hdr, pay := text[parts[0][0]:parts[0][1]], text[parts[1][0]:parts[1][1]]
	if len(hdr) < 10 || len(pay) < 4 {
		return
	}
	var hbuf [512]byte
	if base64.RawURLEncoding.DecodedLen(len(hdr)) > len(hbuf) {
		return
	}
	n, err := base64.RawURLEncoding.Decode(hbuf[:], []byte(hdr))
	if err != nil {
		return
	}
	h := hbuf[:n]
	if len(h) < 2 || h[0] != '{' || !strings.Contains(string(h), `"alg"`) {
		return
	}
	// The payload must at least start like a JSON object.
	var pbuf [6]byte
	pn, _ := base64.RawURLEncoding.Decode(pbuf[:], []byte(pay[:min(len(pay), 8)]))
	if pn == 0 || (pbuf[0] != '{' && pbuf[0] != '[') {
		return
	}
	// A signature, when present, is random bytes: "signature" or "sig" in
	// its place is a documentation sample.
	if sig := text[parts[2][0]:parts[2][1]]; len(sig) > 0 && (len(sig) < 16 || tokenEfficiency(sig) >= 2) {
		return
	}
	conf := 1.0
	if !json.Valid(h) {
		conf = 0.7
	}
	s.done[r.index] = i
	s.add(r, ks, i, conf)
}

// ---- URIs ----------------------------------------------------------------

var uriKinds = map[string]string{
	"postgres": "PostgreSQL", "postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB",
	"mongodb": "MongoDB", "mongodb+srv": "MongoDB", "redis": "Redis", "rediss": "Redis", "amqp": "AMQP",
	"amqps": "AMQP", "mssql": "SQL Server", "sqlserver": "SQL Server", "clickhouse": "ClickHouse",
	"cockroachdb": "CockroachDB", "couchbase": "Couchbase", "couchbases": "Couchbase", "neo4j": "Neo4j",
	"neo4j+s": "Neo4j", "bolt": "Neo4j", "ldap": "LDAP", "ldaps": "LDAP", "ftp": "FTP", "sftp": "SFTP",
	"smtp": "SMTP", "smtps": "SMTP", "ssh": "SSH", "oracle": "Oracle", "nats": "NATS", "kafka": "Kafka",
	"memcached": "Memcached", "elasticsearch": "Elasticsearch", "influxdb": "InfluxDB", "rabbitmq": "RabbitMQ",
	"snowflake": "Snowflake", "jdbc:postgresql": "PostgreSQL", "jdbc:mysql": "MySQL",
}

// scanURI reports the password of scheme://user:password@host.
func scanURI(s *scan, r *rule, ks, ke int) {
	text := s.text
	ss := ks
	for ss > 0 && ks-ss < 32 && (isAlnum(text[ss-1]) || text[ss-1] == '+' || text[ss-1] == '.' || text[ss-1] == '-' || text[ss-1] == ':') {
		ss--
	}
	for ss < ks && !isAlpha(text[ss]) {
		ss++
	}
	if ss == ks {
		return
	}
	scheme := strings.ToLower(text[ss:ks])
	// Authority: up to the first '/', '?', '#' or a character that cannot
	// be in one.
	as := ke
	ae := as
	for ae < len(text) && ae-as < 512 {
		c := text[ae]
		if c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' ||
			c == '\'' || c == '`' || c == '<' || c == '>' || c == '\\' || c == ',' || c == ';' || c == ')' {
			break
		}
		ae++
	}
	at := strings.LastIndexByte(text[as:ae], '@')
	if at < 0 {
		return
	}
	at += as
	colon := strings.IndexByte(text[as:at], ':')
	if colon < 0 {
		return
	}
	colon += as
	user, pass := text[as:colon], text[colon+1:at]
	host := text[at+1 : ae]
	if pass == "" || host == "" || !isAlnum(host[0]) && host[0] != '[' {
		return
	}
	if !uriPasswordOK(user, pass) {
		return
	}
	kind, db := uriKinds[scheme]
	reason := "Password in a URL"
	sev := int8(detect.SeverityMedium)
	if db {
		reason = "Password in a " + kind + " connection URI"
		sev = -1
	}
	s.addWith(r, colon+1, at, 1, reason, sev)
}

func uriPasswordOK(user, pass string) bool {
	if len(pass) < 4 || isPlaceholder(pass) || strings.EqualFold(user, pass) {
		return false
	}
	if strings.HasPrefix(pass, "$") || strings.HasPrefix(pass, "%(") || strings.ContainsAny(pass, "[]{}<>") {
		return false // template or documentation syntax: user[:password]@host
	}
	lo, up, di, _ := classes(pass)
	if di == len(pass) && len(pass) <= 5 {
		return false // a port written after a colon
	}
	_, _ = lo, up
	return true
}

// ---- Kubernetes Secrets ---------------------------------------------------

// scanK8sSecret reports the data values of a YAML document whose kind is
// Secret.
func scanK8sSecret(s *scan, r *rule, ks, ke int) {
	text := s.text
	i := ke
	if text[ks] == '"' { // "kind": "Secret" in JSON
		i = skipBlanks(text, i)
		if i >= len(text) || text[i] != ':' {
			return
		}
		i++
	}
	i = skipBlanks(text, i)
	if i < len(text) && isQuote(text[i]) {
		i++
	}
	if !hasFoldAt(text, i, "secret") || (i+6 < len(text) && isKeyChar(text[i+6])) {
		return
	}
	ds, de := yamlDoc(text, ks)
	if ds < s.done[r.index] {
		return
	}
	s.done[r.index] = de
	doc := text[ds:de]
	for _, blk := range []string{"data:", "stringData:"} {
		off := 0
		for {
			p := strings.Index(doc[off:], blk)
			if p < 0 {
				break
			}
			p += off
			off = p + len(blk)
			if p > 0 && doc[p-1] != ' ' && doc[p-1] != '\t' && doc[p-1] != '\n' {
				continue
			}
			k8sData(s, r, ds, doc, p, blk == "data:")
		}
	}
}

func hasFoldAt(text string, i int, lit string) bool {
	return len(text)-i >= len(lit) && equalFoldASCII(text[i:i+len(lit)], lit)
}

// yamlDoc returns the bounds of the YAML document (between "---" lines)
// around position i.
func yamlDoc(text string, i int) (int, int) {
	start := strings.LastIndex(text[:i], "\n---")
	if start < 0 {
		start = 0
	} else {
		start++
	}
	end := strings.Index(text[i:], "\n---")
	if end < 0 {
		end = len(text)
	} else {
		end += i
	}
	return start, end
}

func indentOf(line string) int {
	n := 0
	for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	return n
}

// k8sData walks the entries under the "data:" key at doc[p:].
func k8sData(s *scan, r *rule, base int, doc string, p int, encoded bool) {
	lineStart := strings.LastIndexByte(doc[:p], '\n') + 1
	indent := indentOf(doc[lineStart:p])
	if strings.TrimSpace(doc[lineStart:p]) != "" {
		return // "data:" is part of a longer key
	}
	i := p + strings.IndexByte(doc[p:]+"\n", '\n') + 1
	for i < len(doc) {
		le := strings.IndexByte(doc[i:], '\n')
		if le < 0 {
			le = len(doc)
		} else {
			le += i
		}
		line := doc[i:le]
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			i = le + 1
			continue
		}
		ind := indentOf(line)
		if ind <= indent {
			return
		}
		colon := strings.Index(line, ":")
		if colon < 0 {
			i = le + 1
			continue
		}
		vs := colon + 1
		for vs < len(line) && (line[vs] == ' ' || line[vs] == '\t') {
			vs++
		}
		v := strings.TrimRight(line[vs:], " \t\r")
		start := base + i + vs
		next := le + 1
		if v == "|" || v == ">" || v == "|-" || v == ">-" {
			// A block scalar: the value is the more-indented lines below.
			bs, be := -1, -1
			j := le + 1
			for j < len(doc) {
				e := strings.IndexByte(doc[j:], '\n')
				if e < 0 {
					e = len(doc)
				} else {
					e += j
				}
				l := doc[j:e]
				if strings.TrimSpace(l) != "" && indentOf(l) <= ind {
					break
				}
				if t := strings.TrimSpace(l); t != "" {
					if bs < 0 {
						bs = j + indentOf(l)
					}
					be = j + len(strings.TrimRight(l, " \t\r"))
				}
				j = e + 1
			}
			next = j
			if bs < 0 {
				i = next
				continue
			}
			start, v = base+bs, doc[bs:be]
		} else if len(v) >= 2 && isQuote(v[0]) && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
			start++
		}
		if k8sValueOK(v, encoded) {
			s.add(r, start, start+len(v), r.conf)
		}
		i = next
	}
}

func k8sValueOK(v string, encoded bool) bool {
	if v == "" || isPlaceholder(v) && !encoded {
		return false
	}
	if strings.ContainsAny(v, "{}$<>") {
		return false
	}
	if !encoded {
		return len(v) >= 6 && !isPlaceholder(v)
	}
	if len(v)%4 != 0 || len(v) < 8 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !isB64(v[i]) {
			return false
		}
	}
	return base64.StdEncoding.DecodedLen(len(v))-strings.Count(v, "=") >= 6
}

// ---- AWS secret access keys ------------------------------------------------

// scanAWSSecret finds a 40-character secret access key either assigned to
// a name that says so, or within a few lines of an access key id.
func scanAWSSecret(s *scan, r *rule, ks, ke int) {
	text := s.text
	if text[ks] == 'A' && (text[ks:ke] == "AKIA" || text[ks:ke] == "ASIA") {
		ws := max(0, ks-400)
		we := min(len(text), ks+600)
		for i := ws; i+40 <= we; i++ {
			if !isB64(text[i]) || (i > 0 && isB64(text[i-1])) {
				continue
			}
			j := i
			for j < len(text) && isB64(text[j]) && text[j] != '=' {
				j++
			}
			if j-i == 40 && (j == len(text) || !isB64(text[j])) && awsSecretOK(text[i:j]) {
				s.add(r, i, j, 0.9)
			}
			i = j
		}
		return
	}
	a, ok := parseAssign(text, ks, ke, true)
	if !ok {
		return
	}
	v := text[a.valStart:a.valEnd]
	if len(v) == 40 && awsSecretOK(v) {
		s.add(r, a.valStart, a.valEnd, 1)
	}
}

func awsSecretOK(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isAlnum(v[i]) && v[i] != '/' && v[i] != '+' {
			return false
		}
	}
	lo, up, di, _ := classes(v)
	return lo > 0 && up > 0 && di > 0 && entropy(v) >= 4.0 && !isPlaceholder(v)
}

// ---- GCP service account keys ------------------------------------------

func scanGCPServiceAccount(s *scan, r *rule, ks, ke int) {
	text := s.text
	// "type": "service_account"
	i := ks - 1
	if i < 0 || text[i] != '"' {
		return
	}
	ws := max(0, ks-8<<10)
	we := min(len(text), ke+8<<10)
	p := strings.Index(text[ws:we], `"private_key"`)
	if p < 0 {
		return
	}
	p += ws
	a, ok := parseAssign(text, p+1, p+12, false)
	if !ok || !strings.Contains(text[a.valStart:a.valEnd], "PRIVATE KEY") {
		return
	}
	s.add(r, a.valStart, a.valEnd, 1)
}

// ---- configuration files ----------------------------------------------

func scanNuGet(s *scan, r *rule, ks, ke int) {
	text := s.text
	tagEnd := strings.IndexByte(text[ke:min(len(text), ke+512)], '>')
	if tagEnd < 0 {
		return
	}
	tag := text[ke : ke+tagEnd]
	p := strings.Index(strings.ToLower(tag), `value="`)
	if p < 0 {
		return
	}
	vs := ke + p + len(`value="`)
	q := strings.IndexByte(text[vs:ke+tagEnd], '"')
	if q < 0 {
		return
	}
	v := text[vs : vs+q]
	if len(v) < 6 || isPlaceholder(v) || strings.HasSuffix(v, "%") && strings.HasPrefix(v, "%") {
		return
	}
	s.add(r, vs, vs+q, 1)
}

func scanNetrc(s *scan, r *rule, ks, ke int) {
	text := s.text
	if ks > 0 && !(text[ks-1] == '\n' || text[ks-1] == ' ' || text[ks-1] == '\t') {
		return
	}
	end := min(len(text), ke+512)
	if nxt := strings.Index(text[ke:end], "machine "); nxt > 0 {
		end = ke + nxt
	}
	fields := text[ke:end]
	// machine <host> login <user> password <password>
	f := strings.Fields(fields)
	if len(f) < 5 || f[1] != "login" || !strings.ContainsAny(f[0], ".:") && f[0] != "localhost" {
		return
	}
	p := strings.Index(fields, " password ")
	if p < 0 {
		p = strings.Index(fields, "\npassword ")
	}
	if p < 0 {
		return
	}
	vs := ke + p + len(" password ")
	vs = skipBlanks(text, vs)
	ve := vs
	for ve < len(text) && !bareEnd(text[ve]) {
		ve++
	}
	v := text[vs:ve]
	if len(v) < 6 || isPlaceholder(v) {
		return
	}
	s.add(r, vs, ve, 1)
}

func scanDockerAuth(s *scan, r *rule, ks, ke int) {
	a, ok := parseAssign(s.text, ks+1, ke-1, false)
	if !ok || a.quote == 0 {
		return
	}
	if basicCredentials(s.text[a.valStart:a.valEnd]) {
		s.add(r, a.valStart, a.valEnd, 1)
	}
}

func scanNpmrc(s *scan, r *rule, ks, ke int) {
	text := s.text
	i := ke
	if text[ke-1] != '=' {
		i = skipBlanks(text, i)
		if i >= len(text) || text[i] != '=' {
			return
		}
		i++
	}
	vs := skipBlanks(text, i)
	ve := vs
	for ve < len(text) && !bareEnd(text[ve]) {
		ve++
	}
	v := text[vs:ve]
	if strings.HasSuffix(text[ks:ke], "_auth=") {
		if basicCredentials(v) {
			s.add(r, vs, ve, 1)
		}
		return
	}
	if looksRandom(v, 16, 0) {
		s.add(r, vs, ve, 1)
	}
}
