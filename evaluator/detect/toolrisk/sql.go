package toolrisk

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// sqlToken is one lexical token of a SQL statement. Keywords and
// identifiers are uppercased; string literals are kept (their text,
// without quotes) with str set, so that a WHERE inside a string is never
// taken for a clause.
type sqlToken struct {
	text  string
	str   bool // a quoted string literal
	depth int  // parenthesis depth
}

// SQLStatement is one statement of a SQL text, tokenized.
type SQLStatement struct {
	toks []sqlToken
	// Text is the statement's source, for evidence.
	Text string
}

// SplitSQL splits a SQL text into statements on top-level semicolons,
// respecting single-, double-, backtick- and bracket-quoted text,
// PostgreSQL dollar quoting, and -- # and /* */ comments (a semicolon in a
// comment or a string does not end a statement, and comment text is not
// tokenized).
func SplitSQL(src string) []SQLStatement {
	var (
		out   []SQLStatement
		toks  []sqlToken
		start = 0
		depth = 0
	)
	emit := func(end int) {
		if len(toks) > 0 {
			out = append(out, SQLStatement{toks: toks, Text: strings.TrimSpace(src[start:end])})
		}
		toks = nil
		start = end + 1
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ';':
			emit(i)
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-', c == '#' && (i == 0 || src[i-1] == ' ' || src[i-1] == '\n' || src[i-1] == '\t' || src[i-1] == ';' || src[i-1] == '\''):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				i = len(src)
			} else {
				i += j + 1
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				i = len(src)
			} else {
				i += j + 4
			}
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			j := i + 1
			var b strings.Builder
			for j < len(src) {
				if src[j] == closer {
					if j+1 < len(src) && src[j+1] == closer && closer != ']' {
						b.WriteByte(closer)
						j += 2
						continue
					}
					break
				}
				if src[j] == '\\' && c == '\'' && j+1 < len(src) {
					b.WriteByte(src[j+1])
					j += 2
					continue
				}
				b.WriteByte(src[j])
				j++
			}
			if c == '\'' {
				toks = append(toks, sqlToken{text: b.String(), str: true, depth: depth})
			} else {
				toks = append(toks, sqlToken{text: strings.ToUpper(b.String()), depth: depth})
			}
			i = j + 1
		case c == '$' && i+1 < len(src) && (src[i+1] == '$' || isIdentByte(src[i+1])):
			// $tag$ ... $tag$ dollar quoting.
			j := i + 1
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			if j < len(src) && src[j] == '$' {
				tag := src[i : j+1]
				end := strings.Index(src[j+1:], tag)
				if end < 0 {
					end = len(src) - j - 1
				}
				toks = append(toks, sqlToken{text: src[j+1 : j+1+end], str: true, depth: depth})
				i = j + 1 + end + len(tag)
				continue
			}
			toks = append(toks, sqlToken{text: src[i:j], depth: depth})
			i = j
		case c == '(':
			toks = append(toks, sqlToken{text: "(", depth: depth})
			depth++
			i++
		case c == ')':
			if depth > 0 {
				depth--
			}
			toks = append(toks, sqlToken{text: ")", depth: depth})
			i++
		case isIdentByte(c) || c == '@' || c >= 0x80:
			j := i + 1
			for j < len(src) && (isIdentByte(src[j]) || src[j] == '@' || src[j] == '.' || src[j] >= 0x80) {
				j++
			}
			toks = append(toks, sqlToken{text: strings.ToUpper(src[i:j]), depth: depth})
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		default:
			j := i + 1
			if (c == '<' || c == '>' || c == '!' || c == '|' || c == ':') && j < len(src) && (src[j] == '=' || src[j] == '>' || src[j] == '|' || src[j] == ':') {
				j++
			}
			toks = append(toks, sqlToken{text: src[i:j], depth: depth})
			i = j
		}
	}
	emit(len(src))
	return out
}

// verb returns the statement's main keyword, past a WITH ... AS (...)
// prefix.
func (s *SQLStatement) verb() (string, int) {
	if len(s.toks) == 0 {
		return "", 0
	}
	if s.toks[0].text != "WITH" || s.toks[0].str {
		return s.toks[0].text, 0
	}
	for i, t := range s.toks {
		if t.depth == 0 && !t.str {
			switch t.text {
			case "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE":
				return t.text, i
			}
		}
	}
	return "WITH", 0
}

// has reports whether a keyword appears at the top level of the statement
// from index from on.
func (s *SQLStatement) has(kw string, from int) int {
	for i := from; i < len(s.toks); i++ {
		t := s.toks[i]
		if !t.str && t.depth == s.toks[from].depth && t.text == kw {
			return i
		}
	}
	return -1
}

func (s *SQLStatement) word(i int) string {
	if i >= 0 && i < len(s.toks) && !s.toks[i].str {
		return s.toks[i].text
	}
	return ""
}

// tautology reports whether the tokens from i on start with a condition
// that is always true: 1=1, 'a'='a', TRUE, 1, x=x.
func (s *SQLStatement) tautology(i int) bool {
	if i >= len(s.toks) {
		return false
	}
	for i < len(s.toks) && s.toks[i].text == "(" && !s.toks[i].str {
		i++
	}
	if i >= len(s.toks) {
		return false
	}
	a := s.toks[i]
	if !a.str && (a.text == "TRUE" || (a.text == "1" && (i+1 >= len(s.toks) || s.toks[i+1].text != "="))) {
		return true
	}
	if i+2 < len(s.toks) && s.toks[i+1].text == "=" && !s.toks[i+1].str {
		b := s.toks[i+2]
		return a.str == b.str && a.text == b.text && (a.str || isAllDigits(a.text))
	}
	return false
}

// sql judges SQL text a tool or a database client is given.
func (k *checker) sql(src string, c *Command) {
	for _, st := range SplitSQL(src) {
		k.statement(&st, c)
	}
}

func (k *checker) sqlHit(rule string, s detect.Severity, reason string, st *SQLStatement) {
	k.hits = append(k.hits, hit{rule: rule, sev: s, reason: reason, evidence: detect.Excerpt(sqlEvidence(st))})
}

// sqlEvidence keeps the statement's keywords and names, and masks string
// literals (a password in ALTER USER ... PASSWORD 'x' must not be logged).
func sqlEvidence(st *SQLStatement) string {
	var b strings.Builder
	for i, t := range st.toks {
		if i >= 10 || b.Len() > 60 {
			b.WriteString(" …")
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		if t.str {
			b.WriteString("'…'")
		} else {
			b.WriteString(t.text)
		}
	}
	return b.String()
}

func (k *checker) statement(st *SQLStatement, c *Command) {
	v, at := st.verb()
	next := st.word(at + 1)
	switch v {
	case "DROP":
		obj := next
		if obj == "TEMPORARY" || obj == "TEMP" || obj == "MATERIALIZED" || obj == "FOREIGN" || obj == "GLOBAL" {
			obj = st.word(at + 2)
		}
		switch obj {
		case "DATABASE", "SCHEMA", "KEYSPACE", "CATALOG":
			k.sqlHit(ruleSQLDestructive, detect.SeverityCritical, "drops a whole database or schema", st)
		case "TABLE", "COLLECTION", "USER", "ROLE", "TABLESPACE", "OWNED":
			k.sqlHit(ruleSQLDestructive, detect.SeverityHigh, "drops a "+strings.ToLower(obj), st)
		case "INDEX", "VIEW", "FUNCTION", "PROCEDURE", "TRIGGER", "SEQUENCE", "TYPE", "EXTENSION", "POLICY", "COLUMN", "CONSTRAINT", "PARTITION":
			k.sqlHit(ruleSQLDestructive, detect.SeverityMedium, "drops a "+strings.ToLower(obj), st)
		}
	case "TRUNCATE":
		k.sqlHit(ruleSQLDestructive, detect.SeverityHigh, "truncates a table", st)
	case "DELETE":
		w := st.has("WHERE", at)
		switch {
		case w < 0:
			k.sqlHit(ruleSQLDestructive, detect.SeverityHigh, "DELETE without WHERE removes every row", st)
		case st.tautology(w + 1):
			k.sqlHit(ruleSQLDestructive, detect.SeverityHigh, "DELETE with an always-true WHERE removes every row", st)
		}
	case "UPDATE":
		if st.has("SET", at) < 0 {
			return
		}
		w := st.has("WHERE", at)
		switch {
		case w < 0:
			k.sqlHit(ruleSQLDestructive, detect.SeverityHigh, "UPDATE without WHERE changes every row", st)
		case st.tautology(w + 1):
			k.sqlHit(ruleSQLDestructive, detect.SeverityHigh, "UPDATE with an always-true WHERE changes every row", st)
		}
	case "ALTER":
		switch next {
		case "TABLE":
			if st.has("DROP", at) >= 0 {
				k.sqlHit(ruleSQLDestructive, detect.SeverityMedium, "drops a column or constraint", st)
			}
		case "USER", "ROLE", "LOGIN":
			if st.has("PASSWORD", at) >= 0 || st.has("IDENTIFIED", at) >= 0 {
				k.sqlHit(ruleSQLPrivilege, detect.SeverityHigh, "changes an account's password", st)
			} else if st.has("SUPERUSER", at) >= 0 || st.has("CREATEROLE", at) >= 0 || st.has("BYPASSRLS", at) >= 0 {
				k.sqlHit(ruleSQLPrivilege, detect.SeverityHigh, "grants superuser powers", st)
			}
		case "SYSTEM":
			k.sqlHit(ruleSQLSystem, detect.SeverityMedium, "changes server-wide settings", st)
		}
	case "CREATE":
		if (next == "USER" || next == "ROLE") && (st.has("SUPERUSER", at) >= 0 || st.has("CREATEROLE", at) >= 0) {
			k.sqlHit(ruleSQLPrivilege, detect.SeverityHigh, "creates a superuser account", st)
		}
	case "GRANT":
		all := st.has("ALL", at) >= 0
		public := st.has("PUBLIC", at) >= 0
		super := st.has("SUPERUSER", at) >= 0 || st.has("SYSADMIN", at) >= 0 || st.has("DBA", at) >= 0 || st.has("SUPER", at) >= 0
		switch {
		case all || super:
			k.sqlHit(ruleSQLPrivilege, detect.SeverityHigh, "grants all privileges", st)
		case public:
			k.sqlHit(ruleSQLPrivilege, detect.SeverityMedium, "grants privileges to everyone", st)
		}
	case "SET":
		if next == "PASSWORD" {
			k.sqlHit(ruleSQLPrivilege, detect.SeverityHigh, "changes an account's password", st)
		}
	case "SHUTDOWN":
		k.sqlHit(ruleSQLSystem, detect.SeverityHigh, "shuts the database server down", st)
	case "COPY":
		if st.has("PROGRAM", at) >= 0 {
			k.sqlHit(ruleSQLSystem, detect.SeverityCritical, "COPY ... PROGRAM runs a shell command on the database server", st)
		}
	case "LOAD":
		if st.has("INFILE", at) >= 0 {
			k.sqlHit(ruleSQLSystem, detect.SeverityMedium, "loads a server-side file", st)
		}
	case "FLUSHALL", "FLUSHDB":
		k.sqlHit(ruleDatabaseDestroy, detect.SeverityHigh, "deletes every key", st)
	}
	// Calls that reach the operating system from SQL, in any statement.
	for i, t := range st.toks {
		if t.str {
			continue
		}
		switch t.text {
		case "XP_CMDSHELL", "MASTER..XP_CMDSHELL", "MASTER.DBO.XP_CMDSHELL", "SYS_EXEC", "SYS_EVAL":
			k.sqlHit(ruleSQLSystem, detect.SeverityCritical, "runs an operating-system command from SQL", st)
			return
		case "OUTFILE", "DUMPFILE":
			if i > 0 && st.toks[i-1].text == "INTO" {
				k.sqlHit(ruleSQLSystem, detect.SeverityHigh, "writes query results to a server-side file", st)
				return
			}
		case "LOAD_FILE", "PG_READ_FILE", "PG_READ_BINARY_FILE", "PG_LS_DIR", "LO_IMPORT", "LO_EXPORT", "UTL_FILE.FOPEN", "UTL_HTTP.REQUEST", "XP_DIRTREE", "OPENROWSET", "DBMS_JAVA.RUNJAVA":
			k.sqlHit(ruleSQLSystem, detect.SeverityHigh, "reads or writes server files or the network from SQL", st)
			return
		}
	}
}

// looksLikeSQL reports whether text is plausibly SQL statements rather
// than prose: it starts with a statement keyword followed by SQL
// structure.
func looksLikeSQL(text string) bool {
	sts := SplitSQL(text)
	if len(sts) == 0 {
		return false
	}
	for _, st := range sts {
		v, at := st.verb()
		switch v {
		case "SELECT":
			if st.has("FROM", at) >= 0 {
				return true
			}
		case "INSERT":
			if st.word(at+1) == "INTO" {
				return true
			}
		case "UPDATE":
			if st.has("SET", at) >= 0 {
				return true
			}
		case "DELETE":
			if st.word(at+1) == "FROM" {
				return true
			}
		case "DROP", "CREATE", "ALTER":
			switch st.word(at + 1) {
			case "TABLE", "DATABASE", "SCHEMA", "INDEX", "VIEW", "USER", "ROLE", "FUNCTION", "PROCEDURE", "TRIGGER", "KEYSPACE", "COLLECTION", "TEMPORARY", "MATERIALIZED":
				return true
			}
		case "TRUNCATE", "GRANT", "REVOKE":
			return len(st.toks) >= 3
		}
	}
	return false
}
