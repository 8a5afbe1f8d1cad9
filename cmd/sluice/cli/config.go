package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/extproc"
	"github.com/sluicehq/sluice/httpapi"
	"github.com/sluicehq/sluice/telemetry"
)

// EnvConfig names the serve configuration file when --config is not given.
const EnvConfig = "SLUICE_CONFIG"

// EnvAPIKey holds the HTTP API key. It wins over `http.api_key` in the
// file, so the key need not be written to disk.
const EnvAPIKey = "SLUICE_API_KEY"

// serveConfig is the serve configuration file. Every key is optional;
// command-line flags win over the file, and the file over the defaults.
// The envoy, http and audit sections are the door and sink packages' own
// configuration, decoded over their defaults. docs/CONFIG.md documents it.
type serveConfig struct {
	GRPCAddr string `yaml:"grpc_addr"`
	HTTPAddr string `yaml:"http_addr"`
	DataDir  string `yaml:"data_dir"`
	Policy   string `yaml:"policy"`
	Mode     string `yaml:"mode"`
	// PolicyReload is how often the policy file is checked for changes
	// (SIGHUP also reloads); 0 turns polling off.
	PolicyReload    time.Duration `yaml:"policy_reload"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	LogLevel        string        `yaml:"log_level"`  // debug, info, warn, error
	LogFormat       string        `yaml:"log_format"` // text or json
	// SegmentCache is how many texts the evaluator remembers per cache
	// (evaluator.WithSegmentCache); 0 turns remembering off.
	SegmentCache int `yaml:"segment_cache"`

	Envoy extproc.Config   `yaml:"-"`
	HTTP  httpapi.Config   `yaml:"-"`
	Audit telemetry.Config `yaml:"-"`
}

// fileConfig is the YAML document. The sections point at the packages'
// defaults before decoding, so keys the file leaves out keep them.
type fileConfig struct {
	GRPCAddr        string            `yaml:"grpc_addr"`
	HTTPAddr        string            `yaml:"http_addr"`
	DataDir         string            `yaml:"data_dir"`
	Policy          string            `yaml:"policy"`
	Mode            string            `yaml:"mode"`
	PolicyReload    *time.Duration    `yaml:"policy_reload"`
	ShutdownTimeout time.Duration     `yaml:"shutdown_timeout"`
	LogLevel        string            `yaml:"log_level"`
	LogFormat       string            `yaml:"log_format"`
	SegmentCache    *int              `yaml:"segment_cache"`
	Envoy           *extproc.Config   `yaml:"envoy"`
	HTTP            *httpapi.Config   `yaml:"http"`
	Audit           *telemetry.Config `yaml:"audit"`
}

// Defaults of the interface contract.
const (
	defaultGRPCAddr = "127.0.0.1:9001"
	defaultHTTPAddr = "127.0.0.1:8080"
	defaultDataDir  = "data"
)

// serveFlags are the values given on the command line ("" = not given).
type serveFlags struct {
	config, policy, mode, grpcAddr, httpAddr, dataDir string
}

// loadServeConfig merges defaults, the config file and flags.
func loadServeConfig(f serveFlags) (*serveConfig, error) {
	path := f.config
	if path == "" {
		path = os.Getenv(EnvConfig)
	}
	var data []byte
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	// The audit defaults live under the data directory, so find it first.
	var peek struct {
		DataDir string `yaml:"data_dir"`
	}
	_ = yaml.Unmarshal(data, &peek)
	dataDir := first(f.dataDir, peek.DataDir, defaultDataDir)
	envoy, hook, audit := extproc.DefaultConfig(), httpapi.DefaultConfig(), telemetry.DefaultConfig(dataDir)
	hook.SpoolDir = filepath.Join(dataDir, "hook-spool")
	fc := fileConfig{Envoy: &envoy, HTTP: &hook, Audit: &audit}
	if len(data) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config %s: %v", path, err)
		}
	}
	c := &serveConfig{
		GRPCAddr:        first(f.grpcAddr, fc.GRPCAddr, defaultGRPCAddr),
		HTTPAddr:        first(f.httpAddr, fc.HTTPAddr, defaultHTTPAddr),
		DataDir:         dataDir,
		Policy:          first(f.policy, resolveRelative(path, fc.Policy)),
		Mode:            first(f.mode, fc.Mode),
		PolicyReload:    5 * time.Second,
		ShutdownTimeout: first(fc.ShutdownTimeout, 20*time.Second),
		LogLevel:        first(fc.LogLevel, "info"),
		LogFormat:       first(fc.LogFormat, "text"),
		Envoy:           *fc.Envoy,
		HTTP:            *fc.HTTP,
		Audit:           *fc.Audit,
	}
	if fc.PolicyReload != nil {
		c.PolicyReload = *fc.PolicyReload
	}
	c.SegmentCache = evaluator.DefaultSegmentCache
	if fc.SegmentCache != nil {
		if *fc.SegmentCache < 0 {
			return nil, fmt.Errorf("config %s: segment_cache: %d is negative (0 turns the cache off)", path, *fc.SegmentCache)
		}
		c.SegmentCache = *fc.SegmentCache
	}
	if key := os.Getenv(EnvAPIKey); key != "" {
		c.HTTP.APIKey = key
	}
	if err := c.Envoy.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.Audit.Validate(); err != nil {
		return nil, fmt.Errorf("config: audit: %w", err)
	}
	return c, nil
}

// resolveRelative makes a path named in the config file relative to the file.
func resolveRelative(configPath, p string) string {
	if p == "" || filepath.IsAbs(p) || configPath == "" {
		return p
	}
	return filepath.Join(filepath.Dir(configPath), p)
}

func first[T comparable](vals ...T) T {
	var zero T
	for _, v := range vals {
		if v != zero {
			return v
		}
	}
	return zero
}
