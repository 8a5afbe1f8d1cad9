package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func recs(from, to int) [][]byte {
	var out [][]byte
	for i := from; i < to; i++ {
		out = append(out, []byte(fmt.Sprintf(`{"n":%d}`, i)))
	}
	return out
}

// drain reads and commits everything, returning the payloads in order.
func drain(t *testing.T, s *Spool, per int) []string {
	t.Helper()
	var got []string
	for {
		b, err := s.Read(per, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return got
		}
		for _, r := range b.Records {
			got = append(got, string(r))
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
}

func want(from, to int) []string {
	var out []string
	for _, r := range recs(from, to) {
		out = append(out, string(r))
	}
	return out
}

func equal(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %d records %v\nwant %d records %v", len(got), got, len(want), want)
	}
}

func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSpool(t *testing.T) {
	t.Run("round_trip_in_order_across_segments", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir, Options{SegmentBytes: 200})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := 0; i < 100; i += 10 {
			if err := s.Append(recs(i, i+10)); err != nil {
				t.Fatal(err)
			}
		}
		if s.Len() != 100 {
			t.Fatalf("Len = %d, want 100", s.Len())
		}
		if n := len(segFiles(t, dir)); n < 3 {
			t.Fatalf("want several segments, got %d", n)
		}
		equal(t, drain(t, s, 7), want(0, 100))
		if s.Len() != 0 || s.Bytes() != 0 || s.DiskBytes() != 0 {
			t.Fatalf("after drain: len %d bytes %d disk %d", s.Len(), s.Bytes(), s.DiskBytes())
		}
		if n := len(segFiles(t, dir)); n != 0 {
			t.Fatalf("delivered segments not deleted: %d left", n)
		}
		// The spool keeps working after it emptied.
		if err := s.Append(recs(100, 103)); err != nil {
			t.Fatal(err)
		}
		equal(t, drain(t, s, 10), want(100, 103))
	})

	t.Run("survives_reopen_and_skips_committed", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir, Options{SegmentBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Append(recs(0, 50)); err != nil {
			t.Fatal(err)
		}
		b, err := s.Read(20, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err = Open(dir, Options{SegmentBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Len() != 30 {
			t.Fatalf("Len after reopen = %d, want 30", s.Len())
		}
		if err := s.Append(recs(50, 60)); err != nil {
			t.Fatal(err)
		}
		equal(t, drain(t, s, 9), want(20, 60))
	})

	t.Run("torn_frame_is_cut_off", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Append(recs(0, 5)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		seg := segFiles(t, dir)[0]
		f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		// A crash mid-write: a header promising more than follows.
		f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, '{', '"'})
		f.Close()
		s, err = Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Repaired() != 10 {
			t.Fatalf("Repaired = %d, want 10", s.Repaired())
		}
		if err := s.Append(recs(5, 7)); err != nil {
			t.Fatal(err)
		}
		equal(t, drain(t, s, 100), want(0, 7))
	})

	t.Run("corrupt_payload_is_cut_off", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Append(recs(0, 3)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		seg := segFiles(t, dir)[0]
		b, _ := os.ReadFile(seg)
		b[len(b)-2] ^= 0xff // flip a byte of the last record
		os.WriteFile(seg, b, 0o600)
		s, err = Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		equal(t, drain(t, s, 100), want(0, 2))
	})

	t.Run("bounded", func(t *testing.T) {
		s, err := Open(t.TempDir(), Options{MaxBytes: 100, SegmentBytes: 50})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		// Each record of recs is 8 (+8 header) bytes: six fit, the seventh does not.
		for i := 0; i < 6; i++ {
			if err := s.Append(recs(i, i+1)); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
		}
		if err := s.Append(recs(6, 7)); !errors.Is(err, ErrFull) {
			t.Fatalf("Append past MaxBytes: err = %v, want ErrFull", err)
		}
		if err := s.Prepend(recs(6, 7)); !errors.Is(err, ErrFull) {
			t.Fatalf("Prepend past MaxBytes: err = %v, want ErrFull", err)
		}
		if s.Len() != 6 {
			t.Fatalf("a refused Append changed the spool: Len = %d", s.Len())
		}
		// Delivering frees room.
		b, _ := s.Read(4, 1<<20)
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(recs(6, 8)); err != nil {
			t.Fatalf("after delivery: %v", err)
		}
		equal(t, drain(t, s, 100), want(4, 8))
	})

	t.Run("too_large", func(t *testing.T) {
		s, err := Open(t.TempDir(), Options{MaxBytes: 64 << 20})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Append([][]byte{make([]byte, MaxRecordBytes+1)}); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})

	t.Run("prepend_goes_first_and_survives_reopen", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Append(recs(10, 20)); err != nil {
			t.Fatal(err)
		}
		b, _ := s.Read(3, 1<<20)
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
		if err := s.Prepend(recs(0, 10)); err != nil {
			t.Fatal(err)
		}
		if err := s.Prepend(nil); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s, err = Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		equal(t, drain(t, s, 4), append(want(0, 10), want(13, 20)...))
	})

	t.Run("prepend_on_empty_then_append", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Prepend(recs(0, 2)); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(recs(2, 4)); err != nil {
			t.Fatal(err)
		}
		equal(t, drain(t, s, 1), want(0, 4))
	})

	t.Run("max_bytes_per_read", func(t *testing.T) {
		s, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.Append(recs(0, 10))
		b, err := s.Read(100, 40) // 16 bytes a frame: 3 frames reach 48 >= 40
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Records) != 3 {
			t.Fatalf("Read returned %d records, want 3", len(b.Records))
		}
	})

	t.Run("closed", func(t *testing.T) {
		s, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := s.Append(recs(0, 1)); !errors.Is(err, os.ErrClosed) {
			t.Fatalf("Append after Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

// TestConcurrentWritersOneReader checks that records from concurrent
// appenders all come out exactly once while a reader drains.
func TestConcurrentWritersOneReader(t *testing.T) {
	s, err := Open(t.TempDir(), Options{SegmentBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const writers, per = 4, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i += 10 {
				if err := s.Append(recs(w*per+i, w*per+i+10)); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	seen := map[string]int{}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		b, err := s.Read(64, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			if finished {
				break
			}
			continue
		}
		for _, r := range b.Records {
			seen[string(r)]++
		}
		if err := s.Commit(b); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != writers*per {
		t.Fatalf("saw %d distinct records, want %d", len(seen), writers*per)
	}
	for r, n := range seen {
		if n != 1 {
			t.Fatalf("record %s seen %d times", r, n)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	s, err := Open(b.TempDir(), Options{MaxBytes: 8 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batch := make([][]byte, 256)
	for i := range batch {
		batch[i] = []byte(strings.Repeat("x", 1500))
	}
	b.SetBytes(int64(len(batch) * 1500))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Append(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "records/s")
}
