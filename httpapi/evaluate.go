package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
)

// evaluateRequest is the body of POST /v1/evaluate (read by
// parseEvaluateRequest): what any gateway or script knows about one LLM
// request or response.
type evaluateRequest struct {
	// Path is the URL path the body was (or will be) sent to; it names the
	// API. Optional: without it the API is told from the body.
	Path string `json:"path"`
	// Headers of the request (identity, User-Agent, session); names are
	// case-insensitive (lower-cased here), values strings or arrays of
	// strings (joined with ", ").
	Headers map[string]string `json:"headers"`
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

// serveEvaluate answers POST /v1/evaluate with the decision's output object
// (evaluator.Output), whatever the verdict. Errors are JSON with a stable
// code and never echo the body.
func (s *Server) serveEvaluate(w http.ResponseWriter, r *http.Request) error {
	raw, err := s.body.read(w, r)
	if err != nil {
		return err
	}
	req, err := parseEvaluateRequest(raw)
	if err != nil {
		return err
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
