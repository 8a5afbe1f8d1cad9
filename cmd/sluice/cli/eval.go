package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/evaluator/interaction"
	"github.com/sluicehq/sluice/policy"
)

// maxEvalBody bounds what `sluice eval` reads, like the servers' body limit.
const maxEvalBody = 64 << 20

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	policyPath := fs.String("policy", "", "policy file (default: $SLUICE_POLICY, else the embedded default policy)")
	mode := fs.String("mode", "", "run every rule in this mode: monitor or enforce (default: each rule's own mode)")
	path := fs.String("path", "", "URL path the body was sent to, e.g. /v1/chat/completions (default: recognise the API from the body)")
	phase := fs.String("phase", "request", "request or response")
	contentType := fs.String("content-type", "", "content type of a response body (text/event-stream for SSE; default: sniffed)")
	pretty := fs.Bool("pretty", false, "indent the JSON output")
	format := fs.String("format", "json", "json (the contract's decision object) or summary (one human-readable line)")
	headers := headerFlag{}
	fs.Var(headers, "header", "request header 'Name: value' (repeatable), e.g. identity or User-Agent")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: sluice eval [flags] [FILE|-]\n\nEvaluates one raw LLM request (or response) body and prints one JSON decision.\nExit 0 when evaluation ran, whatever the decision; 2 for unusable input.\n\nFlags:")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErr("eval takes one FILE (or - for stdin), got %d", len(pos))
	}
	if *format != "json" && *format != "summary" {
		return usageErr("--format %q: want json or summary", *format)
	}
	ph, ok := interaction.ParsePhase(*phase)
	if !ok {
		return usageErr("--phase %q: want request or response", *phase)
	}
	ev, err := loadEvaluator(*policyPath, *mode)
	if err != nil {
		return err
	}
	src := "-"
	if len(pos) == 1 {
		src = pos[0]
	}
	body, err := readInput(src)
	if err != nil {
		return inputErr(err)
	}
	d, err := ev.Evaluate(ctx, evaluator.Input{
		Phase: ph, Path: *path, Headers: headers, Body: body, ContentType: *contentType, Door: evaluator.DoorCLI,
	})
	if err != nil {
		if errors.Is(err, evaluator.ErrNotJSON) {
			return inputErr(fmt.Errorf("%s: %w", displayName(src), err))
		}
		return inputErr(err)
	}
	if *format == "summary" {
		_, err := fmt.Fprintln(stdout, summaryLine(d))
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if *pretty {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(d.Output())
}

// loadEvaluator resolves the policy (flag, $SLUICE_POLICY, embedded),
// applies a mode override and builds the evaluator. Problems are exit 2.
func loadEvaluator(policyPath, mode string) (*evaluator.Evaluator, error) {
	pol, err := policy.Resolve(policyPath)
	if err != nil {
		return nil, inputErr(err)
	}
	if mode != "" {
		m, err := policy.ParseMode(mode)
		if err != nil {
			return nil, usageErr("--mode: %v", err)
		}
		pol = pol.EnforcedCopy(m)
	}
	ev, err := evaluator.New(pol)
	if err != nil {
		return nil, inputErr(err)
	}
	return ev, nil
}

func displayName(src string) string {
	if src == "-" {
		return "stdin"
	}
	return src
}

func readInput(src string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if src != "-" {
		f, err := os.Open(src)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxEvalBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(src), err)
	}
	if len(b) > maxEvalBody {
		return nil, fmt.Errorf("%s: body larger than %d bytes", displayName(src), maxEvalBody)
	}
	return b, nil
}

// summaryLine renders a decision as one line for people: verdict, the
// would-be verdict when it differs, matched rules and detectors.
func summaryLine(d *evaluator.Decision) string {
	var b strings.Builder
	b.WriteString(string(d.Verdict))
	if d.WouldBe != d.Verdict {
		fmt.Fprintf(&b, " (would %s)", d.WouldBe)
	}
	fmt.Fprintf(&b, " api=%s", d.Interaction.API)
	var rules []string
	for _, m := range d.Matches {
		r := m.Rule.ID
		if !m.Enforced {
			r += "[monitor]"
		}
		rules = append(rules, r)
	}
	if len(rules) > 0 {
		fmt.Fprintf(&b, " rules=%s", strings.Join(rules, ","))
	}
	var dets []string
	for _, f := range d.Findings {
		if !slices.Contains(dets, f.Detector) {
			dets = append(dets, f.Detector)
		}
	}
	if len(dets) > 0 {
		fmt.Fprintf(&b, " findings=%s", strings.Join(dets, ","))
	}
	return b.String()
}
