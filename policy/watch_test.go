package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWatchAppliesGoodChangesAndKeepsPolicyOnBadOnes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n    action: block\n")
	applied := make(chan *Policy, 4)
	errs := make(chan error, 4)
	poke := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Watch(ctx, file, 0, poke, func(p *Policy) error { applied <- p; return nil }, func(err error) { errs <- err })
		close(done)
	}()

	// Unchanged file: nothing happens.
	poke <- struct{}{}
	// A valid change is applied.
	write("version: 1\nrules:\n  - id: a\n    match: {categories: [secret]}\n    action: block\n    mode: enforce\n")
	poke <- struct{}{}
	select {
	case p := <-applied:
		if p.Rule("a").Mode != ModeEnforce {
			t.Fatalf("applied policy mode = %v", p.Rule("a").Mode)
		}
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("change not applied")
	}
	// A broken change is reported, not applied.
	write("version: 1\nrules:\n  - id: a\n    action: explode\n")
	poke <- struct{}{}
	select {
	case p := <-applied:
		t.Fatalf("broken policy applied: %+v", p)
	case err := <-errs:
		if !strings.Contains(err.Error(), "explode") {
			t.Fatalf("error %v does not name the problem", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("error not reported")
	}
	cancel()
	<-done
}
