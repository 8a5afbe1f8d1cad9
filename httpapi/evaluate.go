package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// evaluateRequest is the body of POST /v1/evaluate: what any gateway or
// script knows about one LLM request or response.
type evaluateRequest struct {
	// Path is the URL path the body was (or will be) sent to; it names the
	// API. Optional: without it the API is told from the body.
	Path string `json:"path"`
	// Headers of the request (identity, User-Agent, session); names are
	// case-insensitive, values strings or arrays of strings.
	Headers headerMap `json:"headers"`
	// Body is the provider body: a JSON value, or a string holding it (an
	// event stream, for a streamed response).
	Body json.RawMessage `json:"body"`
	// Phase is "request" (default) or "response".
	Phase string `json:"phase"`
	// API names the API of a response body's request when Path does not.
	API string `json:"api"`
	// ContentType of a response body (text/event-stream for SSE).
	ContentType string `json:"content_type"`
}

// headerMap accepts {"Name": "value"} and {"Name": ["v1", "v2"]}, and
// lower-cases names as evaluator.Input wants them.
type headerMap map[string]string

func (h *headerMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(headerMap, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[strings.ToLower(k)] = s
			continue
		}
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			return &json.UnmarshalTypeError{Value: jsonValueKind(v), Type: stringType, Field: k}
		}
		out[strings.ToLower(k)] = strings.Join(list, ", ")
	}
	*h = out
	return nil
}

// serveEvaluate answers POST /v1/evaluate with the decision's output object
// (evaluator.Output), whatever the verdict. Errors are JSON with a stable
// code and never echo the body.
func (s *Server) serveEvaluate(w http.ResponseWriter, r *http.Request) error {
	raw, err := s.body.read(w, r)
	if err != nil {
		return err
	}
	var req evaluateRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return jsonError("request", err)
	}
	ph, ok := interaction.ParsePhase(req.Phase)
	if !ok {
		return newError(http.StatusBadRequest, CodeRequestParse, `phase must be "request" or "response"`, nil)
	}
	if !present(req.Body) {
		return newError(http.StatusBadRequest, CodeRequestParse, "body is required", nil)
	}
	body := bytes.TrimSpace(req.Body)
	if body[0] == '"' {
		var text string
		if err := json.Unmarshal(body, &text); err != nil {
			return jsonError("body", err)
		}
		body = []byte(text)
	}
	in := evaluator.Input{
		Phase:       ph,
		Path:        req.Path,
		Headers:     req.Headers,
		Body:        body,
		ContentType: req.ContentType,
		API:         req.API,
		Door:        evaluator.DoorAPI,
		SourceIP:    remoteIP(r),
	}
	d, err := s.eng.Evaluate(r.Context(), in)
	if err != nil {
		return evalError(r.Context(), err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep a redacted body's bytes as the evaluator wrote them
	if err := enc.Encode(d.Output()); err != nil {
		return newError(http.StatusInternalServerError, CodeEvaluationFailed, "the decision could not be encoded", err)
	}
	w.Header().Set("X-Sluice-Decision-Id", d.ID)
	writeRaw(w, http.StatusOK, bytes.TrimSuffix(buf.Bytes(), newline))
	return nil
}

// jsonValueKind names the kind of a JSON value, for error messages that
// must not quote it.
func jsonValueKind(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
