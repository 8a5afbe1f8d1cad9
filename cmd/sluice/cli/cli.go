// Package cli implements the sluice command line: every subcommand is a
// function of (ctx, args, stdout, stderr) so tests drive it without a
// process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// ExitError carries a process exit code. Main returns one for outcomes
// that are not plain failures (exit 1): usage errors and unusable input exit 2.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// usageErr marks bad flags or arguments (exit 2).
func usageErr(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

// inputErr marks unusable input: not JSON, unreadable file, bad policy (exit 2).
func inputErr(err error) error { return &ExitError{Code: 2, Err: err} }

// errSilent is returned when the command already explained the failure on
// its output (policy test reports), so main adds nothing but the exit code.
var errSilent = errors.New("")

// ExitCode maps Main's error to a process exit code, printing the error as
// one line on stderr.
func ExitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	code := 1
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
	}
	if msg := err.Error(); msg != "" && !errors.Is(err, errSilent) {
		fmt.Fprintln(stderr, "sluice: "+strings.ReplaceAll(msg, "\n", "\n  "))
	}
	return code
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve the Envoy ext_proc/ext_authz door (gRPC) and the HTTP door (Aperture hook, /v1/evaluate)", runServe},
		{"eval", "evaluate one LLM request or response body and print the decision as JSON", runEval},
		{"policy", "check a policy file or run policy tests (policy check FILE | policy test DIR|FILE)", runPolicy},
		{"audit", "query the embedded audit store (audit [filters] | audit summary)", runAudit},
		{"version", "print the version", runVersion},
	}
}

// Main runs the sluice command line with args (without the program name).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return usageErr("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return usageErr("unknown command %q (see `sluice help`)", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "sluice: security policy inline on LLM traffic\n\nUsage: sluice <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `sluice <command> -h` for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sluice "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses flags allowing them after positional arguments
// (`sluice eval body.json --mode enforce`), and maps -h to a clean exit.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &ExitError{Code: 0, Err: errSilent}
			}
			return nil, &ExitError{Code: 2, Err: errSilent}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3";
// otherwise it comes from the module build info.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sluice %s\n", version())
	return nil
}

// headerFlag collects repeated --header 'Name: value' flags.
type headerFlag map[string]string

func (h headerFlag) String() string { return "" }

func (h headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("want 'Name: value', got %q", v)
	}
	h[strings.ToLower(name)] = strings.TrimSpace(value)
	return nil
}
