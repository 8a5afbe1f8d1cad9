package extproc

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// FailureMode is what the door does when it cannot reach a verdict: the
// evaluator failed, timed out or panicked, or a body could not be decoded.
type FailureMode string

const (
	// FailClosed blocks the traffic (with Config.FailureStatus). It is the
	// default: sluice exists to keep data from leaving, and an outage of the
	// guard should not silently become an outage of the guarantee.
	FailClosed FailureMode = "fail_closed"
	// FailOpen lets the traffic through unchecked and records that it did.
	FailOpen FailureMode = "fail_open"
)

// OversizeAction is what happens to a body larger than MaxBodyBytes (or
// one whose decoded size passes the decompression limits).
type OversizeAction string

const (
	// OversizeBlock answers 413 in the provider's error shape. Default: a
	// body sluice cannot read is a body it cannot vouch for.
	OversizeBlock OversizeAction = "block"
	// OversizeAllow forwards the body unchecked and records the decision.
	OversizeAllow OversizeAction = "allow"
)

// Config configures the Envoy door. The zero value is not usable; start
// from DefaultConfig. YAML tags let it sit in sluice's configuration file.
type Config struct {
	// MaxBodyBytes is the largest body (as received, possibly compressed)
	// evaluated; larger bodies get OversizeAction. The gRPC server's
	// message size limits follow it.
	MaxBodyBytes int `yaml:"max_body_bytes"`
	// MaxDecodedBytes bounds a compressed body once decoded.
	MaxDecodedBytes int `yaml:"max_decoded_bytes"`
	// MaxDecompressionRatio bounds decoded/compressed size once a decoded
	// body passes 1 MiB: a small body that inflates enormously is a bomb.
	MaxDecompressionRatio int `yaml:"max_decompression_ratio"`
	// OversizeAction: "block" (413) or "allow" (forward unchecked, recorded).
	OversizeAction OversizeAction `yaml:"oversize_action"`

	// FailureMode: "fail_closed" (default) or "fail_open".
	FailureMode FailureMode `yaml:"failure_mode"`
	// FailureStatus is the HTTP status of a fail-closed block.
	FailureStatus int `yaml:"failure_status"`
	// BlockStatus is the HTTP status of a block when the decision names none.
	BlockStatus int `yaml:"block_status"`

	// EvaluateResponses turns response inspection on (model output: secrets
	// or PII the model emits, dangerous tool calls it requests).
	EvaluateResponses bool `yaml:"evaluate_responses"`
	// StreamTailBytes bounds one unfinished event of a streamed response
	// held between chunks; a longer event is a failure.
	StreamTailBytes int `yaml:"stream_tail_bytes"`
	// StreamWindowBytes is how much already-checked model output each
	// streamed chunk is checked with, so that a secret split across chunks
	// is seen whole without re-reading the whole response every chunk.
	StreamWindowBytes int `yaml:"stream_window_bytes"`

	// MessageTimeout bounds the work on one message from Envoy. Keep it
	// below the filter's message_timeout so that sluice's failure mode,
	// not Envoy's, applies.
	MessageTimeout time.Duration `yaml:"message_timeout"`
	// StreamIdleTimeout ends an ext_proc stream on which Envoy has sent
	// nothing for this long (a leaked stream); 0 disables it.
	StreamIdleTimeout time.Duration `yaml:"stream_idle_timeout"`

	// DecisionHeaders adds x-sluice-decision and x-sluice-decision-id to the
	// response the client receives, for allowed and redacted requests too.
	DecisionHeaders bool `yaml:"decision_headers"`
	// AuthzRedact is what ext_authz does with a redact decision, which it
	// cannot carry out (it has no way to rewrite the body): "block" (default)
	// or "allow".
	AuthzRedact string `yaml:"authz_redact"`

	// Logger receives operational logs; nil means slog.Default(). Logs name
	// decisions, rules and reason codes, never matched values.
	Logger *slog.Logger `yaml:"-"`
}

// DefaultConfig returns the configuration sluice serves with unless told
// otherwise.
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes:          8 << 20,
		MaxDecodedBytes:       32 << 20,
		MaxDecompressionRatio: 100,
		OversizeAction:        OversizeBlock,
		FailureMode:           FailClosed,
		FailureStatus:         503,
		BlockStatus:           403,
		EvaluateResponses:     true,
		StreamTailBytes:       1 << 20,
		StreamWindowBytes:     1 << 10,
		MessageTimeout:        2 * time.Second,
		StreamIdleTimeout:     30 * time.Minute,
		DecisionHeaders:       true,
		AuthzRedact:           "block",
	}
}

// Validate reports settings that cannot work, naming the field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("extproc: %s: "+format, append([]any{field}, args...)...))
	}
	if c.MaxBodyBytes <= 0 {
		bad("max_body_bytes", "must be positive, got %d", c.MaxBodyBytes)
	}
	if c.MaxDecodedBytes < c.MaxBodyBytes {
		bad("max_decoded_bytes", "must be at least max_body_bytes (%d), got %d", c.MaxBodyBytes, c.MaxDecodedBytes)
	}
	if c.MaxDecompressionRatio < 0 {
		bad("max_decompression_ratio", "must not be negative, got %d", c.MaxDecompressionRatio)
	}
	switch c.OversizeAction {
	case OversizeBlock, OversizeAllow:
	default:
		bad("oversize_action", "%q is not block or allow", c.OversizeAction)
	}
	switch c.FailureMode {
	case FailClosed, FailOpen:
	default:
		bad("failure_mode", "%q is not fail_closed or fail_open", c.FailureMode)
	}
	if c.FailureStatus < 400 || c.FailureStatus > 599 {
		bad("failure_status", "must be an HTTP error status (400-599), got %d", c.FailureStatus)
	}
	if c.BlockStatus < 400 || c.BlockStatus > 599 {
		bad("block_status", "must be an HTTP error status (400-599), got %d", c.BlockStatus)
	}
	if c.StreamTailBytes <= 0 {
		bad("stream_tail_bytes", "must be positive, got %d", c.StreamTailBytes)
	}
	if c.StreamWindowBytes < 0 {
		bad("stream_window_bytes", "must not be negative, got %d", c.StreamWindowBytes)
	}
	if c.MessageTimeout <= 0 {
		bad("message_timeout", "must be positive, got %v", c.MessageTimeout)
	}
	if c.StreamIdleTimeout < 0 {
		bad("stream_idle_timeout", "must not be negative, got %v", c.StreamIdleTimeout)
	}
	switch c.AuthzRedact {
	case "block", "allow":
	default:
		bad("authz_redact", "%q is not block or allow", c.AuthzRedact)
	}
	return errors.Join(errs...)
}

// grpcHeadroom is added to MaxBodyBytes for the gRPC message limits: a
// message carries headers, metadata and framing besides the body.
const grpcHeadroom = 1 << 20

// MaxMessageBytes is the gRPC receive/send limit that matches MaxBodyBytes.
func (c *Config) MaxMessageBytes() int { return c.MaxBodyBytes + grpcHeadroom }

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
