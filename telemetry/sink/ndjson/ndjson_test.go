package ndjson

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/telemetry/audit"
)

func entry(i int) *audit.Entry {
	return audit.NewEntry(&audit.Record{
		Timestamp: time.Date(2026, 5, 1, 0, 0, i, 0, time.UTC),
		Event:     audit.Event{ID: fmt.Sprintf("dec-%04d", i)},
		Sluice:    audit.Sluice{DecisionID: fmt.Sprintf("dec-%04d", i), Effect: audit.EffectAllowed},
	})
}

// lines returns the decision ids in an NDJSON file, checking every line is
// a whole JSON object.
func lines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		ids = append(ids, r.Sluice.DecisionID)
	}
	return ids
}

func TestFile(t *testing.T) {
	ctx := context.Background()
	t.Run("append_and_reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "audit.ndjson")
		w, err := OpenFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 10; i++ {
			w.Enqueue(entry(i))
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		w, err = OpenFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		w.Enqueue(entry(10))
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		got := lines(t, path)
		if len(got) != 11 || got[0] != "dec-0000" || got[10] != "dec-0010" {
			t.Fatalf("lines: %v", got)
		}
		b, _ := os.ReadFile(path)
		want, _ := entry(10).JSON()
		if !bytes.HasSuffix(b, append(want, '\n')) {
			t.Fatal("the line is not the record's JSON")
		}
		if st := w.Stats(); st.Written != 1 || st.Dropped != 0 {
			t.Fatalf("stats %+v", st)
		}
		w.Close(ctx)
	})

	t.Run("rotates_and_keeps_n", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "audit.ndjson")
		one, _ := entry(0).JSON()
		// About four records a file.
		w, err := OpenFile(path, Options{MaxBytes: int64(4*(len(one)+1) + 10), MaxFiles: 2})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 30; i++ {
			w.Enqueue(entry(i))
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(path + "*")
		sort.Strings(files)
		if len(files) != 3 {
			t.Fatalf("files: %v, want the current one and 2 rotated", files)
		}
		// Oldest to newest: .2, .1, current; contiguous and ending with the last record.
		var all []string
		for _, f := range []string{path + ".2", path + ".1", path} {
			ids := lines(t, f)
			if len(ids) == 0 || len(ids) > 4 {
				t.Fatalf("%s holds %d records", f, len(ids))
			}
			all = append(all, ids...)
		}
		for i := 1; i < len(all); i++ {
			if all[i] <= all[i-1] {
				t.Fatalf("records out of order across rotations: %v", all)
			}
		}
		if all[len(all)-1] != "dec-0029" {
			t.Fatalf("newest record missing: %v", all)
		}
	})
}

type flakyWriter struct {
	fail atomic.Bool
	buf  bytes.Buffer
}

func (f *flakyWriter) Write(p []byte) (int, error) {
	if f.fail.Load() {
		return 0, errors.New("broken pipe")
	}
	return f.buf.Write(p)
}

func TestStdout(t *testing.T) {
	ctx := context.Background()
	out := &flakyWriter{}
	var logged []string
	w := NewStdout(out, Options{Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
	for i := 0; i < 3; i++ {
		w.Enqueue(entry(i))
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.buf.String(), "\n"); n != 3 {
		t.Fatalf("%d lines on stdout, want 3", n)
	}
	if w.Name() != "stdout" || w.Ready() != nil {
		t.Fatal("stdout sink not ready")
	}

	out.fail.Store(true)
	w.Enqueue(entry(3))
	w.Flush(ctx)
	st := w.Stats()
	if st.Dropped != 1 || st.LastError.IsZero() || w.Ready() == nil {
		t.Fatalf("a failed write is not reported: %+v ready=%v", st, w.Ready())
	}
	if len(logged) == 0 || !strings.Contains(logged[0], "ERROR") {
		t.Fatalf("the loss was not logged: %q", logged)
	}

	out.fail.Store(false)
	w.Enqueue(entry(4))
	w.Flush(ctx)
	if w.Ready() != nil || w.Stats().Written != 4 {
		t.Fatalf("did not recover: %+v", w.Stats())
	}
	w.Close(ctx)
	w.Enqueue(entry(5))
	if w.Stats().Dropped != 2 {
		t.Fatal("Enqueue after Close not counted as dropped")
	}
}

func BenchmarkFile(b *testing.B) {
	w, err := OpenFile(filepath.Join(b.TempDir(), "audit.ndjson"), Options{QueueSize: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]*audit.Entry, b.N)
	for i := range entries {
		entries[i] = entry(i)
		entries[i].JSON()
	}
	b.ResetTimer()
	for _, e := range entries {
		w.Enqueue(e)
	}
	w.Flush(context.Background())
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	w.Close(context.Background())
}
