package es

import (
	"unicode/utf8"

	"github.com/sluicehq/sluice/telemetry/audit"
)

// EncodeBulk returns the bulk API lines of one record: the "create" action
// with the decision id as _id, so that a replayed record is refused as a
// duplicate (HTTP 409) instead of indexed twice, and the record's JSON.
// Data streams accept only "create".
func EncodeBulk(dst []byte, e *audit.Entry) ([]byte, error) {
	doc, err := e.JSON()
	if err != nil {
		return dst, err
	}
	dst = append(dst, `{"create":{"_id":`...)
	dst = appendJSONString(dst, e.Record.Sluice.DecisionID)
	dst = append(dst, "}}\n"...)
	dst = append(dst, doc...)
	return append(dst, '\n'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Decision ids are UUIDs;
// anything else is escaped correctly all the same.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
			i++
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i++
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
		}
	}
	return append(dst, '"')
}
