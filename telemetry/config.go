package telemetry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/sink"
	"github.com/sluicehq/sluice/telemetry/sink/es"
	"github.com/sluicehq/sluice/telemetry/sink/ndjson"
	"github.com/sluicehq/sluice/telemetry/store"
)

// Config is the audit section of the serve configuration file (`audit:`).
// Start from DefaultConfig and decode the file over it, so that what the
// file does not mention keeps its default. Several sinks may be enabled at
// once; every record goes to each. docs/AUDIT.md documents every key.
type Config struct {
	// Capture is "off" (default: no prompt text in records) or "redacted"
	// (segment text with every finding span masked).
	Capture string `yaml:"capture"`
	// MaxCaptureBytes bounds captured text per record (default 32 KiB).
	MaxCaptureBytes ByteSize `yaml:"max_capture_bytes"`

	SQLite        SQLiteConfig        `yaml:"sqlite"`
	Elasticsearch ElasticsearchConfig `yaml:"elasticsearch"`
	NDJSON        NDJSONConfig        `yaml:"ndjson"`
	Stdout        StdoutConfig        `yaml:"stdout"`
}

// SQLiteConfig configures the embedded store that `sluice audit` reads.
type SQLiteConfig struct {
	Enabled bool `yaml:"enabled"`
	// Path of the database (default <data-dir>/audit.db).
	Path string `yaml:"path"`
	// Retention deletes records older than this (default 90d; 0 keeps all).
	Retention Duration `yaml:"retention"`
	// MaxSize deletes the oldest records past this size (default 1GiB; 0: no bound).
	MaxSize   ByteSize `yaml:"max_size"`
	BatchSize int      `yaml:"batch_size"`
	QueueSize int      `yaml:"queue_size"`
}

// ElasticsearchConfig configures the Elasticsearch sink.
type ElasticsearchConfig struct {
	Enabled   bool     `yaml:"enabled"`
	Addresses []string `yaml:"addresses"`
	CloudID   string   `yaml:"cloud_id"`
	// Credentials. Each *_env key names an environment variable to read the
	// secret from, which keeps it out of the file.
	APIKey          string `yaml:"api_key"`
	APIKeyEnv       string `yaml:"api_key_env"`
	ServiceToken    string `yaml:"service_token"`
	ServiceTokenEnv string `yaml:"service_token_env"`
	Username        string `yaml:"username"`
	Password        string `yaml:"password"`
	PasswordEnv     string `yaml:"password_env"`
	// CAFile is a PEM bundle to trust; InsecureSkipVerify disables
	// certificate checks (test clusters only).
	CAFile             string `yaml:"ca_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`

	// DataStream is the target (default logs-sluice.decisions-default).
	DataStream string `yaml:"data_stream"`
	// SkipInstall leaves the ILM policy, templates and data stream to the
	// operator.
	SkipInstall bool      `yaml:"skip_install"`
	ILM         ILMConfig `yaml:"ilm"`

	Spool          SpoolConfig `yaml:"spool"`
	BatchSize      int         `yaml:"batch_size"`
	FlushInterval  Duration    `yaml:"flush_interval"`
	MaxRetries     int         `yaml:"max_retries"`
	RequestTimeout Duration    `yaml:"request_timeout"`
	QueueSize      int         `yaml:"queue_size"`
}

// ILMConfig is the lifecycle policy created when none exists.
type ILMConfig struct {
	Enabled         bool   `yaml:"enabled"`
	Policy          string `yaml:"policy"`
	RolloverMaxAge  string `yaml:"rollover_max_age"`
	RolloverMaxSize string `yaml:"rollover_max_size"`
	DeleteAfter     string `yaml:"delete_after"`
}

// SpoolConfig bounds the on-disk spool used while Elasticsearch is
// unreachable.
type SpoolConfig struct {
	// Dir defaults to <data-dir>/spool/elasticsearch.
	Dir         string   `yaml:"dir"`
	MaxSize     ByteSize `yaml:"max_size"`
	SegmentSize ByteSize `yaml:"segment_size"`
}

// NDJSONConfig configures the rotating NDJSON file sink.
type NDJSONConfig struct {
	Enabled bool `yaml:"enabled"`
	// Path defaults to <data-dir>/audit.ndjson.
	Path     string   `yaml:"path"`
	MaxSize  ByteSize `yaml:"max_size"`
	MaxFiles int      `yaml:"max_files"`
}

// StdoutConfig configures NDJSON on standard output.
type StdoutConfig struct {
	Enabled bool `yaml:"enabled"`
}

// DefaultConfig is the embedded SQLite store under dataDir and nothing
// else, with the defaults of every other sink filled in for when a file
// enables it.
func DefaultConfig(dataDir string) Config {
	return Config{
		Capture:         string(audit.CaptureOff),
		MaxCaptureBytes: audit.DefaultMaxCaptureBytes,
		SQLite: SQLiteConfig{
			Enabled:   true,
			Path:      filepath.Join(dataDir, store.FileName),
			Retention: Duration(90 * 24 * time.Hour),
			MaxSize:   1 << 30,
		},
		Elasticsearch: ElasticsearchConfig{
			DataStream: es.DefaultDataStream,
			ILM: ILMConfig{
				Enabled: true, Policy: es.DefaultILMPolicy,
				RolloverMaxAge: "30d", RolloverMaxSize: "50gb", DeleteAfter: "90d",
			},
			Spool:          SpoolConfig{Dir: filepath.Join(dataDir, "spool", "elasticsearch"), MaxSize: 1 << 30, SegmentSize: 16 << 20},
			BatchSize:      1000,
			FlushInterval:  Duration(time.Second),
			MaxRetries:     3,
			RequestTimeout: Duration(30 * time.Second),
		},
		NDJSON: NDJSONConfig{Path: filepath.Join(dataDir, "audit.ndjson"), MaxSize: 100 << 20, MaxFiles: 5},
	}
}

// Validate checks the configuration, naming the key at fault.
func (c *Config) Validate() error {
	var errs []error
	if _, err := audit.ParseCapture(c.Capture); err != nil {
		errs = append(errs, fmt.Errorf("audit.capture: %w", err))
	}
	if c.MaxCaptureBytes < 0 {
		errs = append(errs, errors.New("audit.max_capture_bytes: must not be negative"))
	}
	if c.SQLite.Enabled && c.SQLite.Path == "" {
		errs = append(errs, errors.New("audit.sqlite.path: required"))
	}
	if c.SQLite.Retention < 0 || c.SQLite.MaxSize < 0 {
		errs = append(errs, errors.New("audit.sqlite: retention and max_size must not be negative"))
	}
	e := &c.Elasticsearch
	if e.Enabled {
		if len(e.Addresses) == 0 && e.CloudID == "" {
			errs = append(errs, errors.New("audit.elasticsearch.addresses: required (or cloud_id)"))
		}
		for _, a := range e.Addresses {
			if !strings.HasPrefix(a, "http://") && !strings.HasPrefix(a, "https://") {
				errs = append(errs, fmt.Errorf("audit.elasticsearch.addresses: %q: want an http:// or https:// URL", a))
			}
		}
		if e.Spool.Dir == "" {
			errs = append(errs, errors.New("audit.elasticsearch.spool.dir: required"))
		}
		if !strings.HasPrefix(e.DataStream, "logs-") || strings.Count(e.DataStream, "-") < 2 {
			errs = append(errs, fmt.Errorf("audit.elasticsearch.data_stream: %q: want logs-<dataset>-<namespace>", e.DataStream))
		}
		for key, name := range map[string]string{"api_key_env": e.APIKeyEnv, "password_env": e.PasswordEnv, "service_token_env": e.ServiceTokenEnv} {
			if name != "" && os.Getenv(name) == "" {
				errs = append(errs, fmt.Errorf("audit.elasticsearch.%s: environment variable %s is empty", key, name))
			}
		}
		if e.CAFile != "" {
			if _, err := os.Stat(e.CAFile); err != nil {
				errs = append(errs, fmt.Errorf("audit.elasticsearch.ca_file: %w", err))
			}
		}
	}
	if c.NDJSON.Enabled && c.NDJSON.Path == "" {
		errs = append(errs, errors.New("audit.ndjson.path: required"))
	}
	return errors.Join(errs...)
}

// openSinks builds the enabled sinks. On error, those already opened are
// closed.
func (c *Config) openSinks(logger func(name string) sink.Logf, stdout io.Writer) ([]sink.Sink, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var sinks []sink.Sink
	fail := func(err error) ([]sink.Sink, error) {
		for _, s := range sinks {
			s.Close(closedCtx())
		}
		return nil, err
	}
	if c.SQLite.Enabled {
		s, err := store.Open(c.SQLite.Path, store.Options{
			MaxAge: time.Duration(c.SQLite.Retention), MaxBytes: int64(c.SQLite.MaxSize),
			BatchSize: c.SQLite.BatchSize, QueueSize: c.SQLite.QueueSize, Logf: logger("sqlite"),
		})
		if err != nil {
			return fail(err)
		}
		sinks = append(sinks, s)
	}
	if e := &c.Elasticsearch; e.Enabled {
		o := es.Options{
			Addresses: e.Addresses, CloudID: e.CloudID,
			APIKey: secret(e.APIKey, e.APIKeyEnv), ServiceToken: secret(e.ServiceToken, e.ServiceTokenEnv),
			Username: e.Username, Password: secret(e.Password, e.PasswordEnv),
			DataStream: e.DataStream, SkipInstall: e.SkipInstall,
			DisableILM: !e.ILM.Enabled, ILMPolicy: e.ILM.Policy,
			RolloverMaxAge: e.ILM.RolloverMaxAge, RolloverMaxSize: e.ILM.RolloverMaxSize, DeleteAfter: e.ILM.DeleteAfter,
			SpoolDir: e.Spool.Dir, SpoolMaxBytes: int64(e.Spool.MaxSize), SpoolSegmentBytes: int64(e.Spool.SegmentSize),
			QueueSize: e.QueueSize, BatchSize: e.BatchSize, FlushInterval: time.Duration(e.FlushInterval),
			MaxRetries: e.MaxRetries, RequestTimeout: time.Duration(e.RequestTimeout),
			Logf: logger("elasticsearch"),
		}
		if e.CAFile != "" {
			pem, err := os.ReadFile(e.CAFile)
			if err != nil {
				return fail(fmt.Errorf("audit.elasticsearch.ca_file: %w", err))
			}
			o.CACert = pem
		}
		if e.InsecureSkipVerify {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // operator's explicit choice for test clusters
			if o.CACert != nil {
				pool := x509.NewCertPool()
				pool.AppendCertsFromPEM(o.CACert)
				t.TLSClientConfig.RootCAs = pool
			}
			o.Transport = t
		}
		s, err := es.Open(o)
		if err != nil {
			return fail(err)
		}
		sinks = append(sinks, s)
	}
	if c.NDJSON.Enabled {
		s, err := ndjson.OpenFile(c.NDJSON.Path, ndjson.Options{
			MaxBytes: int64(c.NDJSON.MaxSize), MaxFiles: c.NDJSON.MaxFiles, Logf: logger("ndjson"),
		})
		if err != nil {
			return fail(err)
		}
		sinks = append(sinks, s)
	}
	if c.Stdout.Enabled {
		if stdout == nil {
			stdout = os.Stdout
		}
		sinks = append(sinks, ndjson.NewStdout(stdout, ndjson.Options{Logf: logger("stdout")}))
	}
	return sinks, nil
}

func secret(value, envName string) string {
	if envName != "" {
		return os.Getenv(envName)
	}
	return value
}

// Duration is a time.Duration written as Go does ("90s", "15m", "720h") or
// in days ("90d").
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// ParseDuration parses a Go duration or a whole number of days ("90d");
// "0" is zero.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("duration %q: want a number of days like 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 500ms, 30s, 12h or 90d", s)
	}
	return d, nil
}

// ByteSize is a size in bytes, written as a number or with a unit: KB, MB,
// GB (powers of 1000) or KiB, MiB, GiB (powers of 1024).
type ByteSize int64

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*b = ByteSize(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (b ByteSize) MarshalYAML() (any, error) { return int64(b), nil }

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
}

// ParseByteSize parses "1073741824", "512MiB", "1GB", "64k".
func ParseByteSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("size %q: want bytes or a size like 512MiB or 1GB", s)
	}
	return int64(f * float64(mult)), nil
}
