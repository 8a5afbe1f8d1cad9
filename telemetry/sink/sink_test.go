package sink

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/telemetry/audit"
)

type recorder struct {
	mu      sync.Mutex
	batches []int
	total   int
	gate    chan struct{} // when set, write waits on it
}

func (r *recorder) write(b []*audit.Entry) {
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, len(b))
	r.total += len(b)
}

func (r *recorder) snapshot() ([]int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.batches...), r.total
}

func entry() *audit.Entry { return audit.NewEntry(&audit.Record{}) }

func TestQueue(t *testing.T) {
	ctx := context.Background()

	t.Run("batches_bounded_by_max", func(t *testing.T) {
		q := NewQueue(100)
		rec := &recorder{gate: make(chan struct{})}
		go q.Run(10, time.Hour, rec.write)
		for i := 0; i < 35; i++ {
			if !q.Put(entry()) {
				t.Fatal("Put refused")
			}
		}
		close(rec.gate)
		if err := q.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		batches, total := rec.snapshot()
		if total != 35 {
			t.Fatalf("wrote %d, want 35", total)
		}
		for _, n := range batches {
			if n > 10 {
				t.Fatalf("batch of %d exceeds max 10: %v", n, batches)
			}
		}
		q.Close(ctx)
	})

	t.Run("linger_collects", func(t *testing.T) {
		q := NewQueue(100)
		rec := &recorder{}
		go q.Run(1000, 50*time.Millisecond, rec.write)
		for i := 0; i < 5; i++ {
			q.Put(entry())
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, total := rec.snapshot(); total == 5 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("lingering batch never written")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if batches, _ := rec.snapshot(); len(batches) != 1 {
			t.Fatalf("want one batch after linger, got %v", batches)
		}
		q.Close(ctx)
	})

	t.Run("full_queue_drops_without_blocking", func(t *testing.T) {
		q := NewQueue(3)
		// No Run: nothing drains.
		for i := 0; i < 3; i++ {
			if !q.Put(entry()) {
				t.Fatalf("Put %d refused", i)
			}
		}
		if q.Put(entry()) {
			t.Fatal("Put into a full queue succeeded")
		}
		if q.Dropped() != 1 || q.Depth() != 3 {
			t.Fatalf("dropped %d depth %d", q.Dropped(), q.Depth())
		}
	})

	t.Run("close_writes_the_rest", func(t *testing.T) {
		q := NewQueue(100)
		rec := &recorder{gate: make(chan struct{})}
		go q.Run(7, time.Hour, rec.write)
		for i := 0; i < 50; i++ {
			q.Put(entry())
		}
		close(rec.gate)
		if err := q.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if _, total := rec.snapshot(); total != 50 {
			t.Fatalf("wrote %d after Close, want 50", total)
		}
		if q.Put(entry()) {
			t.Fatal("Put after Close succeeded")
		}
		if err := q.Flush(ctx); !errors.Is(err, ErrClosed) {
			t.Fatalf("Flush after Close: %v", err)
		}
	})

	t.Run("flush_honours_context", func(t *testing.T) {
		q := NewQueue(1)
		q.Put(entry()) // full, and nothing drains
		c, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		if err := q.Flush(c); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Flush = %v, want deadline exceeded", err)
		}
	})

	t.Run("concurrent_puts_all_written", func(t *testing.T) {
		q := NewQueue(10000)
		rec := &recorder{}
		go q.Run(64, 0, rec.write)
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 500; i++ {
					if !q.Put(entry()) {
						t.Error("Put refused")
					}
				}
			}()
		}
		wg.Wait()
		if err := q.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if _, total := rec.snapshot(); total != 4000 {
			t.Fatalf("wrote %d, want 4000", total)
		}
	})
}
