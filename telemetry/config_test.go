package telemetry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// serveFile is how the integrator embeds Config: under `audit:` of the
// serve configuration, decoded over DefaultConfig.
type serveFile struct {
	Audit Config `yaml:"audit"`
}

func TestConfigYAML(t *testing.T) {
	src := `
audit:
  capture: redacted
  sqlite:
    retention: 30d
    max_size: 512MiB
  elasticsearch:
    enabled: true
    addresses: [https://es.internal:9200]
    api_key_env: SLUICE_TEST_ES_KEY
    data_stream: logs-sluice.decisions-prod
    ilm:
      delete_after: 365d
    spool:
      max_size: 2GB
    flush_interval: 500ms
  ndjson:
    enabled: true
    max_files: 3
  stdout:
    enabled: true
`
	t.Setenv("SLUICE_TEST_ES_KEY", "a2V5OnNlY3JldA==")
	dir := t.TempDir()
	f := serveFile{Audit: DefaultConfig(dir)}
	if err := yaml.Unmarshal([]byte(src), &f); err != nil {
		t.Fatal(err)
	}
	c := f.Audit
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"capture", c.Capture, "redacted"},
		{"sqlite.enabled kept", c.SQLite.Enabled, true},
		{"sqlite.path kept", c.SQLite.Path, filepath.Join(dir, "audit.db")},
		{"sqlite.retention", time.Duration(c.SQLite.Retention), 30 * 24 * time.Hour},
		{"sqlite.max_size", int64(c.SQLite.MaxSize), int64(512 << 20)},
		{"es.data_stream", c.Elasticsearch.DataStream, "logs-sluice.decisions-prod"},
		{"es.ilm.enabled kept", c.Elasticsearch.ILM.Enabled, true},
		{"es.ilm.delete_after", c.Elasticsearch.ILM.DeleteAfter, "365d"},
		{"es.ilm.rollover kept", c.Elasticsearch.ILM.RolloverMaxAge, "30d"},
		{"es.spool.max_size", int64(c.Elasticsearch.Spool.MaxSize), int64(2e9)},
		{"es.spool.dir kept", c.Elasticsearch.Spool.Dir, filepath.Join(dir, "spool", "elasticsearch")},
		{"es.flush_interval", time.Duration(c.Elasticsearch.FlushInterval), 500 * time.Millisecond},
		{"ndjson.max_files", c.NDJSON.MaxFiles, 3},
		{"ndjson.path kept", c.NDJSON.Path, filepath.Join(dir, "audit.ndjson")},
		{"stdout", c.Stdout.Enabled, true},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	if got := secret(c.Elasticsearch.APIKey, c.Elasticsearch.APIKeyEnv); got != "a2V5OnNlY3JldA==" {
		t.Errorf("api key from env: %q", got)
	}

	t.Run("bad_values_name_the_line", func(t *testing.T) {
		for _, bad := range []string{"audit:\n  sqlite:\n    retention: forever\n", "audit:\n  sqlite:\n    max_size: lots\n"} {
			f := serveFile{Audit: DefaultConfig(dir)}
			err := yaml.Unmarshal([]byte(bad), &f)
			if err == nil || !strings.Contains(err.Error(), "line 3") {
				t.Errorf("%q: err = %v", bad, err)
			}
		}
	})
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"default_is_valid", func(*Config) {}, ""},
		{"capture", func(c *Config) { c.Capture = "everything" }, "audit.capture"},
		{"es_addresses", func(c *Config) { c.Elasticsearch.Enabled = true }, "audit.elasticsearch.addresses"},
		{"es_address_scheme", func(c *Config) {
			c.Elasticsearch.Enabled, c.Elasticsearch.Addresses = true, []string{"es:9200"}
		}, "http:// or https://"},
		{"es_data_stream", func(c *Config) {
			c.Elasticsearch.Enabled, c.Elasticsearch.Addresses, c.Elasticsearch.DataStream = true, []string{"http://es:9200"}, "sluice"
		}, "audit.elasticsearch.data_stream"},
		{"es_env_missing", func(c *Config) {
			c.Elasticsearch.Enabled, c.Elasticsearch.Addresses, c.Elasticsearch.PasswordEnv = true, []string{"http://es:9200"}, "SLUICE_TEST_UNSET_VAR"
		}, "SLUICE_TEST_UNSET_VAR is empty"},
		{"es_ca_file", func(c *Config) {
			c.Elasticsearch.Enabled, c.Elasticsearch.Addresses, c.Elasticsearch.CAFile = true, []string{"http://es:9200"}, "/nonexistent/ca.pem"
		}, "audit.elasticsearch.ca_file"},
		{"sqlite_path", func(c *Config) { c.SQLite.Path = "" }, "audit.sqlite.path"},
		{"ndjson_path", func(c *Config) { c.NDJSON.Enabled, c.NDJSON.Path = true, "" }, "audit.ndjson.path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig(dir)
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseSizesAndDurations(t *testing.T) {
	sizes := map[string]int64{"0": 0, "1024": 1024, "64k": 64 << 10, "512MiB": 512 << 20, "1GB": 1e9, "1.5gib": 3 << 29, " 2 MB ": 2e6}
	for in, want := range sizes {
		if got, err := ParseByteSize(in); err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-1", "1XB"} {
		if _, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) accepted", bad)
		}
	}
	durs := map[string]time.Duration{"0": 0, "90d": 90 * 24 * time.Hour, "1h30m": 90 * time.Minute, "500ms": 500 * time.Millisecond}
	for in, want := range durs {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "forever", "-3d", "1w"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

// TestDocumentedConfig checks that the configuration example in
// docs/AUDIT.md decodes into Config and validates.
func TestDocumentedConfig(t *testing.T) {
	doc, err := os.ReadFile("../docs/AUDIT.md")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- config example: parsed and validated by telemetry/config_test.go -->\n```yaml\n"
	text := string(doc)
	i := strings.Index(text, marker)
	if i < 0 {
		t.Fatal("docs/AUDIT.md has no configuration example")
	}
	example := text[i+len(marker):]
	example = example[:strings.Index(example, "```")]
	t.Setenv("ES_API_KEY", "a2V5OnNlY3JldA==")
	f := serveFile{Audit: DefaultConfig(t.TempDir())}
	dec := yaml.NewDecoder(strings.NewReader(example))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("the documented configuration does not decode: %v", err)
	}
	if err := f.Audit.Validate(); err != nil {
		t.Fatalf("the documented configuration is invalid: %v", err)
	}
	// The example shows the defaults: decoding it changes nothing but the
	// sinks it enables and the example values.
	def := DefaultConfig("./data")
	got := f.Audit
	got.Elasticsearch.Enabled, got.NDJSON.Enabled = false, false
	got.Elasticsearch.Addresses, got.Elasticsearch.APIKeyEnv = nil, ""
	if got.SQLite.Retention != def.SQLite.Retention || got.SQLite.MaxSize != def.SQLite.MaxSize ||
		got.Elasticsearch.ILM != def.Elasticsearch.ILM || got.Elasticsearch.Spool.MaxSize != def.Elasticsearch.Spool.MaxSize ||
		got.Elasticsearch.BatchSize != def.Elasticsearch.BatchSize || got.NDJSON.MaxFiles != def.NDJSON.MaxFiles ||
		got.NDJSON.MaxSize != def.NDJSON.MaxSize || got.MaxCaptureBytes != def.MaxCaptureBytes || got.Capture != def.Capture {
		t.Errorf("the documented values are not the defaults:\n%+v\n%+v", got, def)
	}
}
