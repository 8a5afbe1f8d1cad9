// Package sink defines what an audit destination is to the telemetry
// pipeline, and the bounded in-memory queue every destination drains from
// its own goroutine.
//
// The pipeline hands each record to every sink with Enqueue, which never
// blocks: the request path does not wait for a disk, a database or a
// cluster. Each sink writes in batches in the background and reports its
// health through Stats, which the pipeline exports as metrics.
package sink

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/telemetry/audit"
)

// Sink is an audit destination.
type Sink interface {
	// Name identifies the sink in metrics and logs ("sqlite",
	// "elasticsearch", "ndjson", "stdout").
	Name() string
	// Enqueue hands a record over without blocking. A record the sink
	// cannot take is counted in Stats.Dropped and logged.
	Enqueue(e *audit.Entry)
	// Flush returns once every record enqueued before it is written (or,
	// for a sink with a spool, durably spooled), or when ctx ends.
	Flush(ctx context.Context) error
	// Close flushes and releases the sink. Enqueue after Close drops.
	Close(ctx context.Context) error
	// Ready reports whether the sink can take records.
	Ready() error
	// Stats reports the sink's health.
	Stats() Stats
}

// Stats is a sink's health, exported as metrics.
type Stats struct {
	// QueueDepth is the records waiting in memory.
	QueueDepth int
	// Written counts records the destination accepted.
	Written uint64
	// Retries counts write attempts repeated after a failure.
	Retries uint64
	// Dropped counts records lost: an overflowing queue, a full spool or
	// disk. It stays zero in normal operation.
	Dropped uint64
	// Rejected counts records the destination refused for good (an
	// Elasticsearch mapping error): retrying cannot help.
	Rejected uint64
	// SpooledBytes and SpooledRecords are what waits in an on-disk spool.
	SpooledBytes   int64
	SpooledRecords int
	// LastError is when the last write error happened (zero if never).
	LastError time.Time
}

// Logf is a printf-style logger; sinks log errors and drops through it.
type Logf func(format string, args ...any)

// Discard is a Logf that drops everything.
func Discard(string, ...any) {}

// ErrClosed is returned by operations on a closed queue or sink.
var ErrClosed = errors.New("audit sink closed")

type item struct {
	e     *audit.Entry
	flush chan struct{} // a flush marker when non-nil
}

// Queue is a bounded queue of entries drained in batches by one goroutine
// (Run). Put never blocks.
type Queue struct {
	ch      chan item
	mu      sync.RWMutex // guards closed against Put racing Close
	closed  bool
	stop    chan struct{}
	done    chan struct{}
	inBatch atomic.Int64
	dropped atomic.Uint64
}

// NewQueue returns a queue holding up to size entries.
func NewQueue(size int) *Queue {
	if size <= 0 {
		size = 1
	}
	return &Queue{ch: make(chan item, size), stop: make(chan struct{}), done: make(chan struct{})}
}

// Put adds an entry, reporting false (and counting a drop) when the queue
// is full or closed.
func (q *Queue) Put(e *audit.Entry) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.dropped.Add(1)
		return false
	}
	select {
	case q.ch <- item{e: e}:
		return true
	default:
		q.dropped.Add(1)
		return false
	}
}

// Depth returns the entries waiting, including a batch being collected.
func (q *Queue) Depth() int { return len(q.ch) + int(q.inBatch.Load()) }

// Dropped returns the entries Put refused.
func (q *Queue) Dropped() uint64 { return q.dropped.Load() }

// Run drains the queue until Close, calling write with batches of at most
// max entries. A batch is written when it is full, when the queue runs dry
// after linger has passed since its first entry (at once when linger is
// zero), at a flush marker, and at Close. write is called from Run's
// goroutine only; it must not retain the slice.
func (q *Queue) Run(max int, linger time.Duration, write func([]*audit.Entry)) {
	defer close(q.done)
	if max <= 0 {
		max = 1
	}
	batch := make([]*audit.Entry, 0, max)
	var timer *time.Timer
	var timerC <-chan time.Time
	emit := func() {
		if len(batch) > 0 {
			write(batch)
			clear(batch)
			batch = batch[:0]
			q.inBatch.Store(0)
		}
		if timer != nil {
			timer.Stop()
			timerC = nil
		}
	}
	take := func(it item) {
		if it.flush != nil {
			emit()
			close(it.flush)
			return
		}
		batch = append(batch, it.e)
		q.inBatch.Store(int64(len(batch)))
		if len(batch) >= max {
			emit()
		}
	}
	for {
		select {
		case it := <-q.ch:
			take(it)
		case <-timerC:
			emit()
			continue
		case <-q.stop:
			for {
				select {
				case it := <-q.ch:
					take(it)
				default:
					emit()
					return
				}
			}
		}
		// Collect what is already waiting without blocking.
	drain:
		for len(batch) < max {
			select {
			case it := <-q.ch:
				take(it)
			default:
				break drain
			}
		}
		if len(batch) == 0 {
			continue
		}
		if linger <= 0 {
			emit()
		} else if timerC == nil {
			if timer == nil {
				timer = time.NewTimer(linger)
			} else {
				timer.Reset(linger)
			}
			timerC = timer.C
		}
	}
}

// Flush waits until every entry put before it has been passed to write.
func (q *Queue) Flush(ctx context.Context) error {
	q.mu.RLock()
	closed := q.closed
	q.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	// The channel is never closed, so sending cannot panic; once Run has
	// returned, everything put before has been written.
	done := make(chan struct{})
	select {
	case q.ch <- item{flush: done}:
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
	case <-q.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Close stops taking entries and waits (until ctx ends) for Run to write
// what is queued and return.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.stop)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
