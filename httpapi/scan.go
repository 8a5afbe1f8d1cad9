package httpapi

import (
	"fmt"
	"net/http"
)

// scanObject walks the top level of a JSON object and calls fn with each
// member's key and the bytes of its value, without decoding the values.
//
// It exists for the hot path: a hook call is mostly the provider body,
// which the evaluator parses (strictly) itself, so the door only needs to
// know where that body starts and ends. Values are skipped structurally:
// strings to their closing quote (escapes honoured, control characters
// refused) and containers to their matching bracket (kinds checked), and
// scalars must look like scalars; the grammar inside containers (commas,
// colons) is left to whoever parses the value, which for every field sluice
// reads is jsontree, a strict parser. The top level itself is checked
// fully, so a truncated or concatenated envelope is refused.
//
// Keys are passed as their raw bytes between the quotes; callers match
// them with switch string(key), which does not allocate. A key written
// with escapes does not match any known field and is ignored.
func scanObject(what string, src []byte, fn func(key, val []byte)) error {
	i := skipWS(src, 0)
	if i >= len(src) {
		return scanErr(what, "empty document", i)
	}
	if src[i] != '{' {
		return newError(http.StatusBadRequest, CodeRequestParse, what+" must be a JSON object", nil)
	}
	i = skipWS(src, i+1)
	if i < len(src) && src[i] == '}' {
		return scanEnd(what, src, i+1)
	}
	for {
		if i >= len(src) || src[i] != '"' {
			return scanErr(what, "want object key", i)
		}
		kend, err := skipString(src, i)
		if err != "" {
			return scanErr(what, err, kend)
		}
		key := src[i+1 : kend-1]
		i = skipWS(src, kend)
		if i >= len(src) || src[i] != ':' {
			return scanErr(what, "want ':' after object key", i)
		}
		i = skipWS(src, i+1)
		vend, err := skipValue(src, i)
		if err != "" {
			return scanErr(what, err, vend)
		}
		fn(key, src[i:vend])
		i = skipWS(src, vend)
		if i >= len(src) {
			return scanErr(what, "unexpected end of document", i)
		}
		switch src[i] {
		case ',':
			i = skipWS(src, i+1)
		case '}':
			return scanEnd(what, src, i+1)
		default:
			return scanErr(what, "want ',' or '}' after object member", i)
		}
	}
}

func scanEnd(what string, src []byte, i int) error {
	if i = skipWS(src, i); i != len(src) {
		return scanErr(what, "data after the document", i)
	}
	return nil
}

func scanErr(what, reason string, at int) *apiError {
	return newError(http.StatusBadRequest, CodeRequestParse,
		fmt.Sprintf("%s is not valid JSON (%s at byte %d)", what, reason, at), nil)
}

func skipWS(src []byte, i int) int {
	for i < len(src) {
		switch src[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringStop marks the bytes that end the fast run inside a string
// literal: the quote, the backslash and control characters.
var stringStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// skipString returns the index after the string literal starting at
// src[i] == '"', or the offending index and a reason.
func skipString(src []byte, i int) (int, string) {
	j := i + 1
	for {
		for j < len(src) && !stringStop[src[j]] {
			j++
		}
		if j >= len(src) {
			return len(src), "unterminated string"
		}
		switch src[j] {
		case '"':
			return j + 1, ""
		case '\\':
			j += 2 // the escaped byte; jsontree checks the escape itself
		default:
			return j, "control character in string"
		}
	}
}

// maxScanDepth matches jsontree's default nesting limit.
const maxScanDepth = 256

// skipValue returns the index after the value starting at src[i], or the
// offending index and a reason.
func skipValue(src []byte, i int) (int, string) {
	if i >= len(src) {
		return i, "want value"
	}
	switch src[i] {
	case '"':
		return skipString(src, i)
	case '{', '[':
		var stackBuf [32]byte
		stack := stackBuf[:0]
		for j := i; j < len(src); j++ {
			switch c := src[j]; c {
			case '"':
				end, err := skipString(src, j)
				if err != "" {
					return end, err
				}
				j = end - 1
			case '{', '[':
				if len(stack) == maxScanDepth {
					return j, "nested too deep"
				}
				stack = append(stack, c+2) // '{'+2 == '}', '['+2 == ']'
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c {
					return j, "mismatched bracket"
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return j + 1, ""
				}
			}
		}
		return len(src), "unexpected end of document"
	}
	j := i
	for j < len(src) && isScalarByte(src[j]) {
		j++
	}
	if j == i {
		return i, "want value"
	}
	switch string(src[i:j]) {
	case "true", "false", "null":
		return j, ""
	}
	if c := src[i]; c == '-' || (c >= '0' && c <= '9') {
		return j, ""
	}
	return i, "want value"
}

func isScalarByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'E'
}
