package httpapi

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSpool(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	logf := func(string, ...any) {}
	sp, err := openSpool(dir, 1<<20, 10, logf)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0).UTC()
	var bodies []string
	for i := range 3 {
		body := `{"metadata":{"request_id":"r` + itoa(int64(i)) + `"}}`
		bodies = append(bodies, body)
		// Same timestamp for all: names must still sort in arrival order.
		if err := sp.put(&job{received: t0, sourceIP: "100.64.0.1", body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := sp.stats(); n != 3 {
		t.Fatalf("stats = %d files, want 3", n)
	}

	j := sp.next()
	if j == nil || string(j.body) != bodies[0] || j.sourceIP != "100.64.0.1" || !j.received.Equal(t0) {
		t.Fatalf("next = %+v, want the first job", j)
	}
	j.done = stageRequest
	if err := sp.update(j); err != nil {
		t.Fatal(err)
	}

	// A restart: the handed-out job is still on disk, with its progress.
	sp2, err := openSpool(dir, 1<<20, 10, logf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for j := sp2.next(); j != nil; j = sp2.next() {
		got = append(got, string(j.body))
		if string(j.body) == bodies[0] && j.done != stageRequest {
			t.Errorf("progress lost across restart: done = %d", j.done)
		}
		sp2.done(j)
	}
	if !slices.Equal(got, bodies) {
		t.Fatalf("replayed %q, want %q in order", got, bodies)
	}
	if n, size := sp2.stats(); n != 0 || size != 0 {
		t.Fatalf("after done: %d files, %d bytes", n, size)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Fatalf("files left: %v", left)
	}
}

func TestSpoolBounds(t *testing.T) {
	logf := func(string, ...any) {}
	body := []byte(strings.Repeat("x", 100))
	t.Run("files", func(t *testing.T) {
		sp, _ := openSpool(t.TempDir(), 1<<20, 2, logf)
		for i := range 3 {
			err := sp.put(&job{received: time.Now(), body: body})
			if i < 2 && err != nil {
				t.Fatal(err)
			}
			if i == 2 && !errors.Is(err, errSpoolFull) {
				t.Fatalf("third put: %v, want errSpoolFull", err)
			}
		}
		// Handing a job out does not free its place: its file is still there.
		j := sp.next()
		if err := sp.put(&job{received: time.Now(), body: body}); !errors.Is(err, errSpoolFull) {
			t.Fatalf("put with a job in flight: %v", err)
		}
		sp.done(j)
		if err := sp.put(&job{received: time.Now(), body: body}); err != nil {
			t.Fatalf("put after done: %v", err)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		sp, _ := openSpool(t.TempDir(), 250, 100, logf)
		if err := sp.put(&job{received: time.Now(), body: body}); err != nil {
			t.Fatal(err)
		}
		if err := sp.put(&job{received: time.Now(), body: body}); !errors.Is(err, errSpoolFull) {
			t.Fatalf("second put: %v, want errSpoolFull", err)
		}
	})
}

func TestSpoolRecovery(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("00000000000000000001-000001.job", `{"v":1,"received":"2026-01-02T03:04:05Z"}`+"\n"+`{"metadata":{}}`)
	write("00000000000000000002-000002.job", `not a header`)
	write("00000000000000000003-000003.job", `{"v":99}`+"\n{}")
	write("00000000000000000004-000004.job.tmp", `interrupted write`)
	write("unrelated.txt", `kept`)

	var logged []string
	sp, err := openSpool(dir, 1<<20, 100, func(msg string, args ...any) { logged = append(logged, msg) })
	if err != nil {
		t.Fatal(err)
	}
	j := sp.next()
	if j == nil || string(j.body) != `{"metadata":{}}` {
		t.Fatalf("next = %+v", j)
	}
	sp.done(j)
	if j := sp.next(); j != nil {
		t.Fatalf("damaged file handed out: %+v", j)
	}
	if len(logged) != 2 {
		t.Errorf("logged %d problems, want 2", len(logged))
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{
		"00000000000000000002-000002.job.corrupt",
		"00000000000000000003-000003.job.corrupt",
		"unrelated.txt",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("dir holds %v, want %v", names, want)
	}
	if n, size := sp.stats(); n != 0 || size != 0 {
		t.Errorf("stats after recovery: %d files %d bytes", n, size)
	}
}
