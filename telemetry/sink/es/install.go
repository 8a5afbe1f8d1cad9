package es

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
)

//go:embed assets/*.json
var assets embed.FS

// Names of what Install creates, derived from the data stream name.
type names struct {
	dataStream string // logs-sluice.decisions-default
	pattern    string // logs-sluice.decisions-*
	template   string // logs-sluice.decisions
	mappings   string // logs-sluice.decisions@mappings
	settings   string // logs-sluice.decisions@settings
	ilm        string
}

func namesFor(dataStream, ilm string) names {
	base := dataStream
	if i := strings.LastIndexByte(dataStream, '-'); i > 0 {
		base = dataStream[:i]
	}
	return names{
		dataStream: dataStream,
		pattern:    base + "-*",
		template:   base,
		mappings:   base + "@mappings",
		settings:   base + "@settings",
		ilm:        ilm,
	}
}

func asset(name string, vars map[string]string) []byte {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		panic(err) // embedded at build time
	}
	s := string(b)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return []byte(s)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// install idempotently creates the ILM policy (only when absent, so an
// operator's edits to it survive restarts), the component and index
// templates (always written: they carry the mapping this version of sluice
// writes), and the data stream.
func (s *Sink) install(ctx context.Context) error {
	n := s.names
	c := s.client
	components := []string{n.mappings}
	if !s.opts.DisableILM {
		// ILM policy: create if missing.
		res, err := c.ILM.GetLifecycle(c.ILM.GetLifecycle.WithPolicy(n.ilm), c.ILM.GetLifecycle.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("checking ILM policy %s: %w", n.ilm, err)
		}
		status := res.StatusCode
		drain(res)
		switch {
		case status == http.StatusNotFound:
			body := asset("ilm-policy.json", map[string]string{
				"rollover_max_age":  jsonString(s.opts.RolloverMaxAge),
				"rollover_max_size": jsonString(s.opts.RolloverMaxSize),
				"delete_after":      jsonString(s.opts.DeleteAfter),
			})
			if err := check(c.ILM.PutLifecycle(n.ilm, c.ILM.PutLifecycle.WithBody(bytes.NewReader(body)),
				c.ILM.PutLifecycle.WithContext(ctx))); err != nil {
				return fmt.Errorf("creating ILM policy %s: %w", n.ilm, err)
			}
		case status >= 300:
			return fmt.Errorf("checking ILM policy %s: HTTP %d", n.ilm, status)
		}
		body := asset("component-settings.json", map[string]string{"ilm_policy": jsonString(n.ilm)})
		if err := check(c.Cluster.PutComponentTemplate(n.settings, bytes.NewReader(body),
			c.Cluster.PutComponentTemplate.WithContext(ctx))); err != nil {
			return fmt.Errorf("component template %s: %w", n.settings, err)
		}
		components = append(components, n.settings)
	}
	if err := check(c.Cluster.PutComponentTemplate(n.mappings, bytes.NewReader(asset("component-mappings.json", nil)),
		c.Cluster.PutComponentTemplate.WithContext(ctx))); err != nil {
		return fmt.Errorf("component template %s: %w", n.mappings, err)
	}
	comps, _ := json.Marshal(components)
	body := asset("index-template.json", map[string]string{"pattern": jsonString(n.pattern), "components": string(comps)})
	if err := check(c.Indices.PutIndexTemplate(n.template, bytes.NewReader(body),
		c.Indices.PutIndexTemplate.WithContext(ctx))); err != nil {
		return fmt.Errorf("index template %s: %w", n.template, err)
	}
	// Data stream: create if missing.
	res, err := c.Indices.GetDataStream(c.Indices.GetDataStream.WithName(n.dataStream), c.Indices.GetDataStream.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("checking data stream %s: %w", n.dataStream, err)
	}
	status := res.StatusCode
	drain(res)
	switch {
	case status == http.StatusNotFound:
		res, err := c.Indices.CreateDataStream(n.dataStream, c.Indices.CreateDataStream.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("creating data stream %s: %w", n.dataStream, err)
		}
		defer drain(res)
		if res.IsError() {
			// Another sluice instance may have created it meanwhile.
			b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
			if !bytes.Contains(b, []byte("resource_already_exists_exception")) {
				return fmt.Errorf("creating data stream %s: HTTP %d: %s", n.dataStream, res.StatusCode, errorType(b))
			}
		}
	case status >= 300:
		return fmt.Errorf("checking data stream %s: HTTP %d", n.dataStream, status)
	}
	return nil
}

// check turns an API response into an error and releases it.
func check(res *esapi.Response, err error) error {
	if err != nil {
		return err
	}
	defer drain(res)
	if res.IsError() {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("HTTP %d: %s", res.StatusCode, errorType(b))
	}
	return nil
}

func drain(res *esapi.Response) {
	if res != nil && res.Body != nil {
		io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
	}
}

// errorType extracts "type: reason" from an Elasticsearch error body for a
// log line. Install errors concern templates, never records, so the reason
// carries no audited value.
func errorType(b []byte) string {
	var e struct {
		Error struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error.Type != "" {
		return e.Error.Type + ": " + e.Error.Reason
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.TrimSpace(string(b))
}

// Mapping returns the mapping sluice installs for its audit data stream
// (the "mappings" object of the component template).
func Mapping() json.RawMessage {
	var t struct {
		Template struct {
			Mappings json.RawMessage `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(asset("component-mappings.json", nil), &t); err != nil {
		panic(err)
	}
	return t.Template.Mappings
}

// MappedFields returns every field the mapping defines, as dotted paths
// (multi-fields included, e.g. "user.name.text") with their types.
func MappedFields() map[string]string {
	var m struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(Mapping(), &m); err != nil {
		panic(err)
	}
	out := map[string]string{}
	flatten("", m.Properties, out)
	return out
}

func flatten(prefix string, props map[string]json.RawMessage, out map[string]string) {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var f struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Fields     map[string]json.RawMessage `json:"fields"`
		}
		if err := json.Unmarshal(props[k], &f); err != nil {
			panic(err)
		}
		name := prefix + k
		if f.Properties != nil {
			out[name] = "object"
			flatten(name+".", f.Properties, out)
			continue
		}
		out[name] = f.Type
		for sub, raw := range f.Fields {
			var sf struct {
				Type string `json:"type"`
			}
			json.Unmarshal(raw, &sf)
			out[name+"."+sub] = sf.Type
		}
	}
}

// newClient builds the Elasticsearch client. Retries are sluice's own (see
// deliver), so the client's are off.
func newClient(o *Options) (*elasticsearch.Client, error) {
	cfg := elasticsearch.Config{
		Addresses:    o.Addresses,
		Username:     o.Username,
		Password:     o.Password,
		APIKey:       o.APIKey,
		ServiceToken: o.ServiceToken,
		CloudID:      o.CloudID,
		CACert:       o.CACert,
		Transport:    o.Transport,
		DisableRetry: true,
	}
	return elasticsearch.NewClient(cfg)
}
