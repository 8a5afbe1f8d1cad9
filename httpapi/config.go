package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"
)

// Defaults of Config, exported so the serve command can document them.
const (
	DefaultMaxBodyBytes          = 50 << 20
	DefaultMaxDecodedBytes       = 50 << 20
	DefaultMaxDecompressionRatio = 100
	DefaultQueueSize             = 1024
	DefaultMaxSpoolBytes         = 1 << 30
	DefaultMaxSpoolFiles         = 100_000
	DefaultDedupeWindow          = 10 * time.Minute
	DefaultBlockStatus           = 403
)

// Hook fail policies, as Aperture spells them.
const (
	FailOpen   = "fail_open"
	FailClosed = "fail_closed"
)

// Config configures a Server. The zero value is not usable; start from
// DefaultConfig.
type Config struct {
	// APIKey is the one key every caller must present (Authorization:
	// Bearer, X-Api-Key or X-Goog-Api-Key). Empty means no authentication:
	// only acceptable on a loopback address (see RequireKeyFor). The serve
	// command fills it from SLUICE_API_KEY.
	APIKey string `yaml:"api_key"`

	// MaxBodyBytes caps the body as sent on the wire (compressed or not).
	// Larger bodies are answered 413 body_too_large.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// MaxDecodedBytes caps a body after Content-Encoding is undone.
	MaxDecodedBytes int64 `yaml:"max_decoded_bytes"`
	// MaxDecompressionRatio caps decoded size / encoded size for decoded
	// bodies over 1 MiB, so a small compressed bomb is refused long before
	// MaxDecodedBytes is reached.
	MaxDecompressionRatio int `yaml:"max_decompression_ratio"`

	// Workers evaluate post-response events in the background.
	Workers int `yaml:"workers"`
	// QueueSize bounds the post-response jobs waiting for a worker in memory.
	QueueSize int `yaml:"queue_size"`
	// SpoolDir holds post-response jobs that found the queue full, one
	// fsync'd file each, until a worker takes them (also across restarts).
	// It belongs under the serve command's data directory. Empty disables
	// spooling: a full queue then makes the hook wait for room, up to the
	// caller's timeout.
	SpoolDir string `yaml:"spool_dir"`
	// MaxSpoolBytes and MaxSpoolFiles bound the spool. A job that finds
	// both the queue and the spool full is refused with 503 queue_full and
	// recorded as not evaluated.
	MaxSpoolBytes int64 `yaml:"max_spool_bytes"`
	MaxSpoolFiles int   `yaml:"max_spool_files"`

	// DedupeWindow is how long a post-response request_id is remembered:
	// Aperture sends entire_request and tool_call_entire_request for the
	// same request when both are configured, and one evaluation is enough.
	// It is also how long a pre_request evaluation is remembered so the
	// post-response job does not evaluate the same request body again.
	DedupeWindow time.Duration `yaml:"dedupe_window"`

	// BlockStatus is the HTTP status Aperture answers the client with when
	// sluice blocks and the decision carries no status of its own.
	BlockStatus int `yaml:"block_status"`

	// HookFailPolicy mirrors the fail_policy of the Aperture hook that calls
	// sluice. It changes no answer; it tells the audit trail what Aperture
	// did with a request sluice could not evaluate (answered with an error
	// status): fail_open forwards it (recorded as allow), fail_closed
	// answers 503 (recorded as block).
	HookFailPolicy string `yaml:"hook_fail_policy"`

	// Logger receives operational messages (never body content). Nil
	// discards them.
	Logger *slog.Logger `yaml:"-"`
}

// DefaultConfig returns the defaults: no key, 50 MiB bodies, one worker
// per CPU, a queue of 1024 jobs, no spool directory (the serve command sets
// one under its data directory), a ten-minute dedupe window, blocks
// answered 403, and Aperture's default fail_open.
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes:          DefaultMaxBodyBytes,
		MaxDecodedBytes:       DefaultMaxDecodedBytes,
		MaxDecompressionRatio: DefaultMaxDecompressionRatio,
		Workers:               runtime.GOMAXPROCS(0),
		QueueSize:             DefaultQueueSize,
		MaxSpoolBytes:         DefaultMaxSpoolBytes,
		MaxSpoolFiles:         DefaultMaxSpoolFiles,
		DedupeWindow:          DefaultDedupeWindow,
		BlockStatus:           DefaultBlockStatus,
		HookFailPolicy:        FailOpen,
	}
}

// validate reports every setting that cannot work, naming its YAML field.
func (c *Config) validate() error {
	var errs []error
	positive := func(name string, v int64) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", name, v))
		}
	}
	positive("max_body_bytes", c.MaxBodyBytes)
	positive("max_decoded_bytes", c.MaxDecodedBytes)
	positive("max_decompression_ratio", int64(c.MaxDecompressionRatio))
	positive("workers", int64(c.Workers))
	positive("queue_size", int64(c.QueueSize))
	if c.SpoolDir != "" {
		positive("max_spool_bytes", c.MaxSpoolBytes)
		positive("max_spool_files", int64(c.MaxSpoolFiles))
	}
	if c.DedupeWindow < 0 {
		errs = append(errs, fmt.Errorf("dedupe_window must not be negative, got %s", c.DedupeWindow))
	}
	if c.BlockStatus < 400 || c.BlockStatus > 599 {
		errs = append(errs, fmt.Errorf("block_status must be a 4xx or 5xx HTTP status, got %d", c.BlockStatus))
	}
	if c.HookFailPolicy != FailOpen && c.HookFailPolicy != FailClosed {
		errs = append(errs, fmt.Errorf("hook_fail_policy must be %s or %s, got %q", FailOpen, FailClosed, c.HookFailPolicy))
	}
	return errors.Join(errs...)
}
