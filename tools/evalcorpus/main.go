// Command evalcorpus prints sluice's detection quality on the public
// corpora in testdata/corpora (`make eval`): per file, recall on attacks,
// false-positive rate on benign records, precision, F1 and evaluation time,
// with the embedded default policy under full enforcement.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/sluicehq/sluice/evaluator"
	"github.com/sluicehq/sluice/internal/evalcorpus"
	"github.com/sluicehq/sluice/policy"
)

func main() {
	files := flag.String("files", "", "comma-separated corpus names (default: all)")
	misses := flag.Int("misses", 0, "list up to N misses and false positives per file")
	policyPath := flag.String("policy", "", "policy file (default: the embedded default policy)")
	flag.Parse()
	pol, err := policy.Resolve(*policyPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalcorpus:", err)
		os.Exit(2)
	}
	// Cold: every record judged as if never seen, so that the time columns
	// are the cost of detection and not of a cache lookup (corpus records
	// share system prompts and, across variants, whole prompts).
	ev, err := evaluator.New(pol.EnforcedCopy(policy.ModeEnforce), evaluator.WithSegmentCache(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalcorpus:", err)
		os.Exit(2)
	}
	opt := evalcorpus.Options{Keep: *misses}
	if *files != "" {
		opt.Files = strings.Split(*files, ",")
	}
	rows, err := evalcorpus.Run(context.Background(), ev, opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalcorpus:", err)
		os.Exit(1)
	}
	fmt.Println("sluice detection on testdata/corpora (default policy, --mode enforce)")
	fmt.Println()
	evalcorpus.Print(os.Stdout, rows)
	if *misses > 0 {
		fmt.Println()
		evalcorpus.PrintMisses(os.Stdout, rows)
	}
}
