package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Error codes: stable snake_case strings used alike in API error bodies,
// log lines and the reason of decisions recorded without an evaluation.
const (
	CodeUnauthorized        = "unauthorized"
	CodeRequestParse        = "request_parse_error"
	CodeBodyTooLarge        = "body_too_large"
	CodeUnsupportedEncoding = "unsupported_content_encoding"
	CodeBodyNotJSON         = "body_not_json"
	CodeEvaluationFailed    = "evaluation_failed"
	CodeEvaluationCancelled = "evaluation_cancelled"
	CodeMethodNotAllowed    = "method_not_allowed"
	CodeNotFound            = "not_found"
	CodeQueueFull           = "queue_full"
	CodeShuttingDown        = "shutting_down"
	// CodeNoContent is the reason recorded for a hook call that carried
	// nothing to evaluate (neither request_body nor user_message).
	CodeNoContent = "no_content"
)

// apiError is an error a handler returns: an HTTP status, a stable code and
// a message safe for the caller, plus the internal cause for the log. The
// message never contains body content.
type apiError struct {
	status int
	code   string
	msg    string
	err    error
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.code + ": " + e.msg + ": " + e.err.Error()
	}
	return e.code + ": " + e.msg
}

func (e *apiError) Unwrap() error { return e.err }

func newError(status int, code, msg string, cause error) *apiError {
	return &apiError{status: status, code: code, msg: msg, err: cause}
}

// errorBody is the JSON every error answer carries.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers err as JSON. Errors that are not *apiError are
// internal failures: the caller sees only the code.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = newError(http.StatusInternalServerError, CodeEvaluationFailed, "internal error", err)
	}
	if ae.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sluice"`)
	}
	if ae.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	writeJSON(w, ae.status, errorBody{errorDetail{Code: ae.code, Message: ae.msg}})
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are marshalled; this is a programming error.
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"` + CodeEvaluationFailed + `","message":"internal error"}}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
	w.Write(newline)
}

var newline = []byte{'\n'}

// jsonError turns an encoding/json error into a message that names the
// place (offset or field) but never the offending bytes: syntax errors
// quote the character they stopped at, which is body content.
func jsonError(what string, err error) *apiError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var msg string
	switch {
	case errors.As(err, &se):
		msg = fmt.Sprintf("%s is not valid JSON (syntax error at byte %d)", what, se.Offset)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		msg = fmt.Sprintf("%s: field %s must be %s, not %s", what, field, jsonKind(te.Type.Kind().String()), te.Value)
	default:
		msg = what + " is not valid JSON"
	}
	return newError(http.StatusBadRequest, CodeRequestParse, msg, nil)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a " + k
}
