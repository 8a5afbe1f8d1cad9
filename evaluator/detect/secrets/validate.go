package secrets

import (
	"encoding/base64"
	"hash/crc32"
	"strings"
)

// Validators and helpers that rule tables refer to by name.

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62CRC32 encodes the CRC-32 (IEEE) of body in six base62 digits, the
// checksum GitHub and npm append to their tokens.
func base62CRC32(body string) string {
	n := crc32.ChecksumIEEE([]byte(body))
	var out [6]byte
	for i := 5; i >= 0; i-- {
		out[i] = base62Alphabet[n%62]
		n /= 62
	}
	return string(out[:])
}

// githubChecksum validates a GitHub (ghp_, gho_, ghu_, ghs_) or npm token:
// the last six characters are the base62 CRC-32 of the thirty before them.
// A random 36-character string passes by chance once in 62^6.
func githubChecksum(tok string) bool {
	i := strings.IndexByte(tok, '_')
	if i < 0 || len(tok)-i-1 != 36 {
		return false
	}
	body := tok[i+1 : len(tok)-6]
	return base62CRC32(body) == tok[len(tok)-6:]
}

// githubRefresh accepts refresh tokens of the long format, and short ones
// only with a valid checksum.
func githubRefresh(tok string) bool {
	if len(tok) == 4+36 {
		return githubChecksum(tok)
	}
	return mixedRandom(tok[4:])
}

// mixedRandom requires letters and digits and a random-looking body.
func mixedRandom(v string) bool {
	lo, up, di, _ := classes(v)
	if di == 0 || lo+up == 0 {
		return false
	}
	return entropy(v) >= minEntropyFor(len(v), 62)*0.9 && tokenEfficiency(v) < 2
}

// mixedCase requires both cases, as random letter-only tokens have.
func mixedCase(v string) bool {
	i := strings.IndexByte(v, '_')
	body := v
	if i >= 0 {
		body = v[strings.LastIndexByte(v, '_')+1:]
	}
	lo, up, _, _ := classes(body)
	return lo >= 4 && up >= 4 && tokenEfficiency(body) < 1.8
}

// vaultLegacy checks the 24 characters after "s." of an old Vault token.
func vaultLegacy(v string) bool {
	if len(v) < 3 {
		return false
	}
	return mixedRandom(v[2:])
}

// airtablePAT checks the 14-character id of an Airtable token.
func airtablePAT(v string) bool {
	return mixedRandom(v[3:17])
}

// openAIKey accepts OpenAI keys that carry the "T3BlbkFJ" marker (base64
// of "OpenAI") or are long and random.
func openAIKey(v string) bool {
	if strings.Contains(v, "T3BlbkFJ") {
		return true
	}
	body := v[strings.LastIndexByte(v[:min(len(v), 12)], '-')+1:]
	return len(body) >= 40 && mixedRandom(strings.NewReplacer("-", "", "_", "").Replace(body))
}

// bedrockShortTerm checks that a short-term Bedrock key decodes to a
// presigned request for the Bedrock service.
func bedrockShortTerm(v string) bool {
	p := strings.TrimPrefix(v, "bedrock-api-key-")
	n := len(p) / 4 * 4
	if n < 28 {
		return false
	}
	var buf [48]byte
	k, err := base64.StdEncoding.Decode(buf[:], []byte(p[:min(n, 60)]))
	if err != nil && k == 0 {
		return false
	}
	return strings.HasPrefix(string(buf[:k]), "bedrock.amazonaws.com")
}

// Random parts: the piece of a token the placeholder test should look at.

func lastDashPart(v string) string { return v[strings.LastIndexByte(v, '-')+1:] }

func afterQTilde(v string) string {
	if i := strings.Index(v, "Q~"); i >= 0 {
		return v[i+2:]
	}
	return v
}

func afterAtlas(v string) string {
	if i := strings.Index(v, ".atlasv1."); i >= 0 {
		return v[:i] + v[i+9:]
	}
	return v
}

func afterAs(v string) string { return strings.TrimLeft(v, "A") }
