package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/policy"
	"github.com/sluicehq/sluice/policy/policytest"
)

func runPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("policy: want `policy check FILE` or `policy test DIR|FILE`")
	}
	switch args[0] {
	case "check":
		return runPolicyCheck(args[1:], stdout, stderr)
	case "test":
		return runPolicyTest(ctx, args[1:], stdout, stderr)
	}
	return usageErr("policy: unknown subcommand %q (want check or test)", args[0])
}

func runPolicyCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("policy check", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("policy check takes one FILE")
	}
	p, err := policy.Load(pos[0])
	if err != nil {
		return inputErr(err)
	}
	// Building the evaluator also validates detector settings (PII entity
	// names, tool-category patterns) against the detectors themselves.
	if _, err := evaluator.New(p); err != nil {
		return inputErr(err)
	}
	enforced := 0
	for _, r := range p.Rules {
		if r.Mode == policy.ModeEnforce {
			enforced++
		}
	}
	fmt.Fprintf(stdout, "%s: ok (%d rules, %d enforced, %d exceptions, hash %s)\n",
		pos[0], len(p.Rules), enforced, len(p.Exceptions), p.Hash)
	return nil
}

func runPolicyTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("policy test", stderr)
	policyPath := fs.String("policy", "", "policy for test files that name none (default: $SLUICE_POLICY, else embedded)")
	mode := fs.String("mode", "", "run every rule in this mode: monitor or enforce")
	verbose := fs.Bool("v", false, "list passing cases too")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("policy test takes DIR or FILE arguments")
	}
	pol, err := policy.Resolve(*policyPath)
	if err != nil {
		return inputErr(err)
	}
	if *mode != "" {
		if _, err := policy.ParseMode(*mode); err != nil {
			return usageErr("--mode: %v", err)
		}
	}
	runner := &policytest.Runner{Policy: pol, Mode: *mode}
	passed, failed := 0, 0
	for _, target := range pos {
		files, err := policytest.Discover(target)
		if err != nil {
			return inputErr(err)
		}
		for _, path := range files {
			f, err := policytest.LoadFile(path)
			if err != nil {
				return inputErr(err)
			}
			for _, r := range runner.Run(ctx, f) {
				if r.Passed() {
					passed++
					if *verbose {
						fmt.Fprintf(stdout, "PASS %s: %s\n", r.File, r.Case)
					}
					continue
				}
				failed++
				fmt.Fprintf(stdout, "FAIL %s: %s\n", r.File, r.Case)
				if r.Err != nil {
					fmt.Fprintf(stdout, "  error: %v\n", r.Err)
				}
				for _, p := range r.Problems {
					fmt.Fprintf(stdout, "  %s\n", p)
				}
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return &ExitError{Code: 1, Err: errSilent}
	}
	return nil
}
