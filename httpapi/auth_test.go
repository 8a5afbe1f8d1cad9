package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestKeyChecker(t *testing.T) {
	k := newKeyChecker(testKey)
	tests := []struct {
		name string
		hdr  map[string]string
		ok   bool
	}{
		{"bearer", map[string]string{"Authorization": "Bearer " + testKey}, true},
		{"bearer_lowercase_scheme", map[string]string{"Authorization": "bearer " + testKey}, true},
		{"bearer_extra_space", map[string]string{"Authorization": "Bearer   " + testKey}, true},
		{"x_api_key", map[string]string{"X-Api-Key": testKey}, true},
		{"x_goog_api_key", map[string]string{"X-Goog-Api-Key": testKey}, true},
		{"wrong_key_and_right_key", map[string]string{"X-Api-Key": "nope", "X-Goog-Api-Key": testKey}, true},
		{"missing", nil, false},
		{"wrong_key", map[string]string{"Authorization": "Bearer sk-sluice-test-3f9c2b7b"}, false},
		{"prefix_of_key", map[string]string{"X-Api-Key": testKey[:len(testKey)-1]}, false},
		{"key_with_suffix", map[string]string{"X-Api-Key": testKey + "0"}, false},
		{"empty_bearer", map[string]string{"Authorization": "Bearer "}, false},
		{"basic_scheme", map[string]string{"Authorization": "Basic " + testKey}, false},
		{"bare_authorization", map[string]string{"Authorization": testKey}, false},
		{"other_header", map[string]string{"Api-Key": testKey}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.hdr {
				h.Set(k, v)
			}
			if got := k.check(h); got != tt.ok {
				t.Errorf("check = %v, want %v", got, tt.ok)
			}
		})
	}
	t.Run("no_key_configured", func(t *testing.T) {
		open := newKeyChecker("")
		if !open.check(http.Header{}) {
			t.Error("with no key configured every request must pass")
		}
	})
}

// TestKeyCheckerFixedLength pins the property that makes the compare
// timing-safe: the checker keeps only a fixed-size digest of the key, and
// every presented key, whatever its length, is hashed to the same size
// before the constant-time compare. A checker that kept the key itself (and
// compared lengths first) would fail here.
func TestKeyCheckerFixedLength(t *testing.T) {
	k := newKeyChecker(testKey)
	if len(k.want) != 32 {
		t.Fatalf("digest is %d bytes, want 32", len(k.want))
	}
	for _, n := range []int{0, 1, len(testKey), 4096} {
		h := http.Header{}
		h.Set("X-Api-Key", strings.Repeat("k", n))
		if n > 0 && k.check(h) {
			t.Errorf("a %d-byte wrong key passed", n)
		}
	}
}

func TestRequireKeyFor(t *testing.T) {
	tests := []struct {
		addr, key string
		ok        bool
	}{
		{"127.0.0.1:8080", "", true},
		{"127.0.0.2:8080", "", true},
		{"[::1]:8080", "", true},
		{"localhost:8080", "", true},
		{"LOCALHOST:8080", "", true},
		{"[::1%lo]:8080", "", true},
		{":8080", "", false},
		{"0.0.0.0:8080", "", false},
		{"[::]:8080", "", false},
		{"100.64.1.2:8080", "", false},
		{"sluice.example.com:8080", "", false},
		{"not-an-address", "", false},
		{"0.0.0.0:8080", "k", true},
		{":8080", "k", true},
	}
	for _, tt := range tests {
		t.Run(strings.NewReplacer(":", "_", "[", "", "]", "", "%", "_").Replace(tt.addr)+"_key_"+tt.key, func(t *testing.T) {
			err := RequireKeyFor(tt.addr, tt.key)
			if (err == nil) != tt.ok {
				t.Fatalf("RequireKeyFor(%q, %q) = %v, want ok=%v", tt.addr, tt.key, err, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "SLUICE_API_KEY") && tt.addr != "not-an-address" {
				t.Errorf("error does not say what to change: %v", err)
			}
		})
	}
}

func TestAuthOnEndpoints(t *testing.T) {
	eng := &fakeEngine{}
	s := newTestServer(t, eng, testConfig(t))
	body := readHook(t, "anthropic_pre_request.json")
	for _, path := range Paths {
		t.Run(strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "_"), func(t *testing.T) {
			for _, hdr := range [][]string{
				{"Authorization", ""},
				{"Authorization", "Bearer wrong"},
				{"Authorization", "", "X-Api-Key", "wrong"},
			} {
				w := do(t, s, http.MethodPost, path, body, hdr...)
				if w.Code != http.StatusUnauthorized {
					t.Fatalf("%v: status %d, want 401", hdr, w.Code)
				}
				if m := decodeMap(t, w.Body.Bytes()); m["error"].(map[string]any)["code"] != CodeUnauthorized {
					t.Errorf("error body %s", w.Body)
				}
				if w.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
			for _, hdr := range [][]string{
				{"Authorization", "", "X-Api-Key", testKey},
				{"Authorization", "", "X-Goog-Api-Key", testKey},
				{"Authorization", "Bearer " + testKey},
			} {
				if w := do(t, s, http.MethodPost, path, body, hdr...); w.Code == http.StatusUnauthorized {
					t.Fatalf("%v: rejected a valid key", hdr[:2])
				}
			}
		})
	}
	if eng.recs.Load() != 0 {
		// Unauthenticated calls are refused before anything is read: they
		// must not produce audit records.
		_, recs := eng.snapshot()
		for _, r := range recs {
			if r.Reason == CodeUnauthorized {
				t.Errorf("unauthenticated call audited: %+v", r)
			}
		}
	}
}
