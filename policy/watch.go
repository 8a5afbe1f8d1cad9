package policy

import (
	"bytes"
	"context"
	"os"
	"time"
)

// Watch reloads a policy file when it changes, so operators can roll a rule
// from monitor to enforce without restarting the servers. Every interval
// (and whenever poke receives), it re-reads the file; when the bytes differ
// from the last good load it parses them and calls apply with the new
// policy. A file that fails to parse or apply is reported through onError
// and the running policy stays in force: a typo never takes enforcement
// down. Watch returns when ctx is done.
func Watch(ctx context.Context, file string, interval time.Duration, poke <-chan struct{},
	apply func(*Policy) error, onError func(error)) {
	last, _ := os.ReadFile(file)
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-poke:
		}
		data, err := os.ReadFile(file)
		if err != nil {
			onError(err)
			continue
		}
		if bytes.Equal(data, last) {
			continue
		}
		p, err := Parse(file, data)
		if err == nil {
			err = apply(p)
		}
		if err != nil {
			onError(err)
			// Remember the bad bytes so the same error is reported once, not every tick.
			last = data
			continue
		}
		last = data
	}
}
