// Package esfake is an in-process stand-in for Elasticsearch, listening on
// 127.0.0.1, for tests of the audit sink: it answers like a cluster (the
// X-Elastic-Product header the official client checks, ILM, component and
// index template APIs, data streams, the bulk API with per-document
// results and create-by-id conflicts) and lets a test inject the failures
// a real cluster has: outages, 429 and 5xx answers, and per-document
// errors.
//
// It also checks each indexed document against the installed mappings: a
// value that does not fit its field's type is refused as a real cluster
// would (mapper_parsing_exception), and fields the mapping does not define
// are counted, so tests catch schema drift.
package esfake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path"
	"sort"
	"strings"
	"sync"
)

// Server is a fake Elasticsearch.
type Server struct {
	*httptest.Server

	mu             sync.Mutex
	docs           map[string]map[string]json.RawMessage // index -> _id -> source
	order          map[string][]string                   // index -> ids in creation order
	ilm            map[string]json.RawMessage
	components     map[string]json.RawMessage
	indexTemplates map[string]json.RawMessage
	dataStreams    map[string]bool
	untemplated    int
	unmapped       map[string]int

	down        bool
	fail        []int // statuses to answer the next bulk requests with
	itemFault   func(id string, attempt int) int
	attempts    map[string]int
	requests    map[string]int
	bulkBodies  [][]byte
	keepBodies  bool
	bulkCreates int
}

// New starts a fake cluster on 127.0.0.1.
func New() *Server {
	s := &Server{
		docs:           map[string]map[string]json.RawMessage{},
		order:          map[string][]string{},
		ilm:            map[string]json.RawMessage{},
		components:     map[string]json.RawMessage{},
		indexTemplates: map[string]json.RawMessage{},
		dataStreams:    map[string]bool{},
		unmapped:       map[string]int{},
		attempts:       map[string]int{},
		requests:       map[string]int{},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetDown makes the cluster unreachable (every connection is dropped) or
// brings it back.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// FailBulk answers the next bulk requests with these HTTP statuses, one
// each (e.g. 429, 503).
func (s *Server) FailBulk(statuses ...int) {
	s.mu.Lock()
	s.fail = append(s.fail, statuses...)
	s.mu.Unlock()
}

// SetItemFault sets a function choosing a status for a document on its
// n-th attempt (1-based); 0 means index normally.
func (s *Server) SetItemFault(f func(id string, attempt int) int) {
	s.mu.Lock()
	s.itemFault = f
	s.mu.Unlock()
}

// KeepBulkBodies records the raw bulk request bodies (for leak checks).
func (s *Server) KeepBulkBodies() {
	s.mu.Lock()
	s.keepBodies = true
	s.mu.Unlock()
}

// BulkBodies returns the recorded bulk request bodies.
func (s *Server) BulkBodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bulkBodies...)
}

// Docs returns the documents of an index (or data stream) in creation order.
func (s *Server) Docs(index string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []json.RawMessage
	for _, id := range s.order[index] {
		out = append(out, s.docs[index][id])
	}
	return out
}

// IDs returns the document ids of an index in creation order.
func (s *Server) IDs(index string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order[index]...)
}

// Requests returns how many requests a route got ("bulk", "ilm_put",
// "component_template_put", "index_template_put", "data_stream_put", ...).
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

// BulkCreates returns the create actions received, retries included.
func (s *Server) BulkCreates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bulkCreates
}

// Untemplated returns how many indices were created without a matching
// data stream template (a sink that wrote before installing).
func (s *Server) Untemplated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.untemplated
}

// Unmapped returns the fields of indexed documents the installed mappings
// do not define, with how many documents had each.
func (s *Server) Unmapped() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.unmapped))
	for k, v := range s.unmapped {
		out[k] = v
	}
	return out
}

// ComponentTemplate returns an installed component template.
func (s *Server) ComponentTemplate(name string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.components[name]
}

// IndexTemplate returns an installed index template.
func (s *Server) IndexTemplate(name string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.indexTemplates[name]
}

// ILMPolicy returns an installed lifecycle policy.
func (s *Server) ILMPolicy(name string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ilm[name]
}

// SetILMPolicy installs a policy as an operator would.
func (s *Server) SetILMPolicy(name string, body json.RawMessage) {
	s.mu.Lock()
	s.ilm[name] = body
	s.mu.Unlock()
}

// DataStreams returns the data streams that exist.
func (s *Server) DataStreams() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.dataStreams {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func esError(w http.ResponseWriter, status int, typ, reason string) {
	writeJSON(w, status, map[string]any{
		"error":  map[string]any{"type": typ, "reason": reason, "root_cause": []any{map[string]any{"type": typ, "reason": reason}}},
		"status": status,
	})
}

var ack = map[string]any{"acknowledged": true}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		// Unreachable: drop the connection without an answer.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	body, _ := io.ReadAll(r.Body)
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.URL.Path == "/" && r.Method == http.MethodGet:
		s.requests["info"]++
		writeJSON(w, 200, map[string]any{"name": "esfake", "cluster_name": "esfake",
			"version": map[string]any{"number": "8.15.0", "build_flavor": "default"}, "tagline": "You Know, for Search"})
	case len(parts) == 3 && parts[0] == "_ilm" && parts[1] == "policy":
		s.ilmPolicy(w, r, parts[2], body)
	case len(parts) == 2 && parts[0] == "_component_template" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		s.requests["component_template_put"]++
		if !json.Valid(body) {
			esError(w, 400, "parse_exception", "request body is not JSON")
			return
		}
		s.components[parts[1]] = body
		writeJSON(w, 200, ack)
	case len(parts) == 2 && parts[0] == "_index_template" && (r.Method == http.MethodPut || r.Method == http.MethodPost):
		s.requests["index_template_put"]++
		s.putIndexTemplate(w, parts[1], body)
	case len(parts) == 2 && parts[0] == "_data_stream":
		s.dataStream(w, r, parts[1])
	case (len(parts) == 2 && parts[1] == "_bulk") || (len(parts) == 1 && parts[0] == "_bulk"):
		index := ""
		if len(parts) == 2 {
			index = parts[0]
		}
		s.requests["bulk"]++
		s.bulk(w, index, body)
	default:
		esError(w, 404, "fake_not_implemented", r.Method+" "+r.URL.Path)
	}
}

func (s *Server) ilmPolicy(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	switch r.Method {
	case http.MethodGet:
		s.requests["ilm_get"]++
		p, ok := s.ilm[name]
		if !ok {
			esError(w, 404, "resource_not_found_exception", "Lifecycle policy not found: "+name)
			return
		}
		writeJSON(w, 200, map[string]any{name: map[string]any{"version": 1, "policy": json.RawMessage(p)}})
	case http.MethodPut:
		s.requests["ilm_put"]++
		var p struct {
			Policy json.RawMessage `json:"policy"`
		}
		if json.Unmarshal(body, &p) != nil || p.Policy == nil {
			esError(w, 400, "parse_exception", "policy body")
			return
		}
		s.ilm[name] = p.Policy
		writeJSON(w, 200, ack)
	default:
		esError(w, 405, "method_not_allowed", r.Method)
	}
}

func (s *Server) putIndexTemplate(w http.ResponseWriter, name string, body []byte) {
	var t struct {
		IndexPatterns []string  `json:"index_patterns"`
		ComposedOf    []string  `json:"composed_of"`
		DataStream    *struct{} `json:"data_stream"`
	}
	if err := json.Unmarshal(body, &t); err != nil || len(t.IndexPatterns) == 0 {
		esError(w, 400, "parse_exception", "index template body")
		return
	}
	for _, c := range t.ComposedOf {
		if _, ok := s.components[c]; !ok {
			esError(w, 400, "invalid_index_template_exception", "index template ["+name+"] specifies component templates ["+c+"] that do not exist")
			return
		}
	}
	s.indexTemplates[name] = body
	writeJSON(w, 200, ack)
}

// template returns the data stream template matching an index name.
func (s *Server) template(index string) (composedOf []string, ok bool) {
	names := make([]string, 0, len(s.indexTemplates))
	for n := range s.indexTemplates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var t struct {
			IndexPatterns []string  `json:"index_patterns"`
			ComposedOf    []string  `json:"composed_of"`
			DataStream    *struct{} `json:"data_stream"`
		}
		json.Unmarshal(s.indexTemplates[n], &t)
		for _, p := range t.IndexPatterns {
			if m, _ := path.Match(p, index); m && t.DataStream != nil {
				return t.ComposedOf, true
			}
		}
	}
	return nil, false
}

func (s *Server) dataStream(w http.ResponseWriter, r *http.Request, name string) {
	switch r.Method {
	case http.MethodGet:
		s.requests["data_stream_get"]++
		if !s.dataStreams[name] {
			esError(w, 404, "index_not_found_exception", "no such index ["+name+"]")
			return
		}
		writeJSON(w, 200, map[string]any{"data_streams": []any{map[string]any{"name": name, "status": "GREEN"}}})
	case http.MethodPut:
		s.requests["data_stream_put"]++
		if s.dataStreams[name] {
			esError(w, 400, "resource_already_exists_exception", "data_stream ["+name+"] already exists")
			return
		}
		if _, ok := s.template(name); !ok {
			esError(w, 400, "illegal_argument_exception", "no matching index template found for data stream ["+name+"]")
			return
		}
		s.dataStreams[name] = true
		writeJSON(w, 200, ack)
	default:
		esError(w, 405, "method_not_allowed", r.Method)
	}
}

func (s *Server) bulk(w http.ResponseWriter, index string, body []byte) {
	if s.keepBodies {
		s.bulkBodies = append(s.bulkBodies, append([]byte(nil), body...))
	}
	if len(s.fail) > 0 {
		st := s.fail[0]
		s.fail = s.fail[1:]
		esError(w, st, "es_rejected_execution_exception", "injected failure")
		return
	}
	type result struct {
		Index  string         `json:"_index"`
		ID     string         `json:"_id"`
		Status int            `json:"status"`
		Error  map[string]any `json:"error,omitempty"`
	}
	var items []map[string]result
	hasErrors := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var action map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal(line, &action); err != nil || len(action) != 1 {
			esError(w, 400, "illegal_argument_exception", "Malformed action/metadata line")
			return
		}
		if !sc.Scan() {
			esError(w, 400, "illegal_argument_exception", "The bulk request must be terminated by a newline")
			return
		}
		src := append([]byte(nil), sc.Bytes()...)
		for op, meta := range action {
			idx := index
			if meta.Index != "" {
				idx = meta.Index
			}
			res := result{Index: idx, ID: meta.ID}
			status, errType := s.index(op, idx, meta.ID, src)
			res.Status = status
			if errType != "" {
				hasErrors = true
				res.Error = map[string]any{"type": errType, "reason": "fake: " + errType}
			}
			items = append(items, map[string]result{op: res})
		}
	}
	writeJSON(w, 200, map[string]any{"took": 1, "errors": hasErrors, "items": items})
}

// index applies one bulk operation and returns its status and error type.
func (s *Server) index(op, idx, id string, src []byte) (int, string) {
	if op != "create" && s.isDataStream(idx) {
		return 400, "illegal_argument_exception" // data streams take only create
	}
	if op == "create" {
		s.bulkCreates++
	}
	s.attempts[id]++
	if s.itemFault != nil {
		if st := s.itemFault(id, s.attempts[id]); st != 0 {
			return st, map[bool]string{true: "es_rejected_execution_exception", false: "mapper_parsing_exception"}[st == 429 || st >= 500]
		}
	}
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		return 400, "document_parsing_exception"
	}
	if !s.dataStreams[idx] {
		if _, ok := s.template(idx); ok {
			s.dataStreams[idx] = true // auto-created from its template, as a cluster does
		} else if s.docs[idx] == nil {
			s.untemplated++
		}
	}
	if s.isDataStream(idx) {
		if _, ok := doc["@timestamp"]; !ok {
			return 400, "document_parsing_exception" // data streams need @timestamp
		}
	}
	if err := s.checkMapping(idx, doc); err != "" {
		return 400, err
	}
	if s.docs[idx] == nil {
		s.docs[idx] = map[string]json.RawMessage{}
	}
	if id == "" {
		id = fmt.Sprintf("auto-%d", len(s.docs[idx]))
	}
	if _, exists := s.docs[idx][id]; exists {
		if op == "create" {
			return 409, "version_conflict_engine_exception"
		}
		s.docs[idx][id] = src
		return 200, ""
	}
	s.docs[idx][id] = src
	s.order[idx] = append(s.order[idx], id)
	return 201, ""
}

func (s *Server) isDataStream(idx string) bool {
	if s.dataStreams[idx] {
		return true
	}
	_, ok := s.template(idx)
	return ok
}

// fields returns the mapped fields (dotted path -> type) of the index's
// template.
func (s *Server) fields(idx string) map[string]string {
	comps, ok := s.template(idx)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, c := range comps {
		var t struct {
			Template struct {
				Mappings struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"mappings"`
			} `json:"template"`
		}
		json.Unmarshal(s.components[c], &t)
		flatten("", t.Template.Mappings.Properties, out)
	}
	return out
}

func flatten(prefix string, props map[string]json.RawMessage, out map[string]string) {
	for k, raw := range props {
		var f struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		json.Unmarshal(raw, &f)
		if f.Properties != nil {
			out[prefix+k] = "object"
			flatten(prefix+k+".", f.Properties, out)
		} else {
			out[prefix+k] = f.Type
		}
	}
}

// checkMapping refuses values that do not fit their field's type and
// counts unmapped fields.
func (s *Server) checkMapping(idx string, doc map[string]any) string {
	fields := s.fields(idx)
	if fields == nil {
		return ""
	}
	var bad string
	var walk func(prefix string, v any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if p != "" {
				if t, ok := fields[p]; !ok {
					s.unmapped[p]++
					return
				} else if t != "object" {
					bad = "document_parsing_exception"
					return
				}
			}
			for k, c := range x {
				if p == "" {
					walk(k, c)
				} else {
					walk(p+"."+k, c)
				}
			}
		case []any:
			for _, c := range x {
				walk(p, c)
			}
		default:
			t, ok := fields[p]
			if !ok {
				s.unmapped[p]++
				return
			}
			if !fits(t, x) {
				bad = "document_parsing_exception"
			}
		}
	}
	walk("", doc)
	return bad
}

// fits reports whether a JSON value can be indexed as the type.
func fits(typ string, v any) bool {
	if v == nil {
		return true
	}
	switch typ {
	case "object":
		return false
	case "ip":
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := netip.ParseAddr(s)
		return err == nil
	case "long", "integer", "short", "byte":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "half_float", "float", "double", "scaled_float":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "date":
		_, ok := v.(string)
		return ok
	case "keyword", "constant_keyword", "match_only_text", "text", "wildcard":
		switch v.(type) {
		case string, float64, bool:
			return true
		}
		return false
	}
	return true
}
