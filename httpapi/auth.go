package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// keyChecker verifies the one API key. It compares SHA-256 digests of the
// presented and the configured key with crypto/subtle: both are always 32
// bytes, so neither the comparison's duration nor an early length mismatch
// tells a caller how long the key is or how much of it they guessed.
type keyChecker struct {
	want [sha256.Size]byte
	set  bool
}

func newKeyChecker(key string) keyChecker {
	if key == "" {
		return keyChecker{}
	}
	return keyChecker{want: sha256.Sum256([]byte(key)), set: true}
}

// presentedKeys returns the keys a request carries, in the three ways
// Aperture can send one (its hook "authorization" setting: bearer,
// x-api-key, x-goog-api-key).
func presentedKeys(h http.Header) []string {
	var keys []string
	if v := h.Get("Authorization"); v != "" {
		if scheme, tok, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "Bearer") {
			if tok = strings.TrimSpace(tok); tok != "" {
				keys = append(keys, tok)
			}
		}
	}
	for _, name := range []string{"X-Api-Key", "X-Goog-Api-Key"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			keys = append(keys, v)
		}
	}
	return keys
}

// check reports whether the request may proceed: no key configured, or
// one of the presented keys is the key. Every presented key is compared,
// so the time taken does not depend on which header matched.
func (k *keyChecker) check(h http.Header) bool {
	if !k.set {
		return true
	}
	ok := 0
	for _, key := range presentedKeys(h) {
		got := sha256.Sum256([]byte(key))
		ok |= subtle.ConstantTimeCompare(got[:], k.want[:])
	}
	return ok == 1
}

// RequireKeyFor implements the serve command's rule for its HTTP listener:
// without an API key, sluice may only listen on a loopback address (where
// only local processes can reach it). It returns an error naming what to
// change for any other address: an empty host (":8080" listens on every
// interface), a non-loopback IP, or a host name other than localhost
// (which could resolve anywhere).
func RequireKeyFor(addr, key string) error {
	if key != "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("http address %q: %w", addr, err)
	}
	if isLoopbackHost(host) {
		return nil
	}
	where := "address " + host
	if host == "" {
		where = "every interface"
	}
	return fmt.Errorf("http address %q listens on %s without an API key: set SLUICE_API_KEY (or api_key in the config), or listen on a loopback address such as 127.0.0.1:8080", addr, where)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	// Zoned addresses ("::1%lo0") are loopback when the address is.
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
