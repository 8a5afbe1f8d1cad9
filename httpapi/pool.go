package httpapi

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// job is one post-response hook call waiting for evaluation.
type job struct {
	received time.Time
	sourceIP string
	// body is the hook call as received (Content-Encoding undone); it is
	// what the spool stores.
	body []byte
	// hc is body parsed; nil for a job read back from the spool.
	hc *hookCall
	// done is the set of stages already evaluated (stage* bits), kept in
	// the spool so a job cut short is resumed, not repeated.
	done uint8
	// spoolName is the job's file in the spool, "" while it is only in memory.
	spoolName string
}

// Stages of a post-response job.
const (
	stageRequest  uint8 = 1 << iota // the request (body or user message)
	stageResponse                   // the response and the tool calls
)

var (
	errQueueFull    = errors.New("post-response queue full")
	errShuttingDown = errors.New("shutting down")
)

// pool is the bounded set of background workers for post-response jobs,
// with the spool behind its queue.
type pool struct {
	queue chan *job
	spool *spool // nil when spooling is disabled
	// run evaluates a job. It returns an error only when the evaluation
	// was cut short by ctx; the job is then spilled to the spool.
	run func(ctx context.Context, j *job) error
	// lost accounts for a job that can neither be evaluated nor spooled
	// (shutdown without a spool, or a spool write failure).
	lost func(j *job, reason string)
	logf func(msg string, args ...any)

	mu       sync.RWMutex // guards closed against sends on a closed queue
	closed   bool
	stopping chan struct{} // closed when close starts
	abort    chan struct{} // closed when close stops waiting
	kick     chan struct{} // the spool has new jobs
	ctx      context.Context
	cancel   context.CancelFunc
	aborted  atomic.Bool
	workers  sync.WaitGroup
	replayer sync.WaitGroup
	once     sync.Once
	closeErr error

	enqueued, spooled, replayed, processed, spilled, dropped atomic.Int64
}

func newPool(workers, size int, sp *spool, run func(context.Context, *job) error,
	lost func(*job, string), logf func(string, ...any)) *pool {
	p := &pool{
		queue: make(chan *job, size), spool: sp, run: run, lost: lost, logf: logf,
		stopping: make(chan struct{}), abort: make(chan struct{}), kick: make(chan struct{}, 1),
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.workers.Add(workers)
	for range workers {
		go p.worker()
	}
	if sp != nil {
		p.replayer.Add(1)
		go p.replay()
	}
	return p
}

// submit hands a job to the workers: into the queue when there is room,
// else to the spool, else (no spool) it waits for room as long as ctx
// allows. After close, jobs go straight to the spool, for the next run.
func (p *pool) submit(ctx context.Context, j *job) error {
	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		if p.spool == nil {
			return errShuttingDown
		}
		return p.toSpool(j)
	}
	select {
	case p.queue <- j:
		p.mu.RUnlock()
		p.enqueued.Add(1)
		return nil
	default:
	}
	if p.spool != nil {
		p.mu.RUnlock()
		if err := p.toSpool(j); err != nil {
			return err
		}
		select {
		case p.kick <- struct{}{}:
		default:
		}
		return nil
	}
	defer p.mu.RUnlock()
	select {
	case p.queue <- j:
		p.enqueued.Add(1)
		return nil
	case <-ctx.Done():
		return errQueueFull
	case <-p.stopping:
		return errShuttingDown
	}
}

func (p *pool) toSpool(j *job) error {
	if err := p.spool.put(j); err != nil {
		if errors.Is(err, errSpoolFull) {
			return errQueueFull
		}
		return err
	}
	p.spooled.Add(1)
	return nil
}

func (p *pool) worker() {
	defer p.workers.Done()
	for j := range p.queue {
		if p.aborted.Load() {
			p.spill(j)
			continue
		}
		if err := p.run(p.ctx, j); err != nil {
			p.spill(j)
			continue
		}
		if p.spool != nil {
			p.spool.done(j)
		}
		p.processed.Add(1)
	}
}

// spill keeps a job that was not (fully) evaluated for the next run: a
// spooled job records its progress in its file, any other is spooled.
func (p *pool) spill(j *job) {
	if p.spool == nil {
		p.dropped.Add(1)
		p.lost(j, CodeShuttingDown)
		return
	}
	var err error
	if j.spoolName != "" {
		err = p.spool.update(j)
	} else {
		err = p.spool.put(j)
	}
	if err != nil {
		p.logf("post-response job could not be spooled at shutdown", "err", err)
		p.dropped.Add(1)
		p.lost(j, CodeShuttingDown)
		return
	}
	p.spilled.Add(1)
}

// replay feeds spooled jobs to the queue, oldest first, waiting for room:
// a blocked sender on a full channel is served before later non-blocking
// sends find room, so the spool drains as soon as workers keep up. Once
// close has begun it empties the spool and returns, unless close gives up
// waiting (abort), which leaves the rest on disk for the next start.
func (p *pool) replay() {
	defer p.replayer.Done()
	for {
		j := p.spool.next()
		if j == nil {
			select {
			case <-p.stopping:
				return
			case <-p.kick:
				continue
			}
		}
		select {
		case p.queue <- j:
			p.replayed.Add(1)
		case <-p.abort:
			p.spool.unget(j)
			return
		}
	}
}

// close stops taking jobs into memory and lets the workers finish the
// queue and the spool. When ctx ends first, in-flight evaluations are
// cancelled, every job not yet evaluated stays in (or goes to) the spool,
// or without a spool is recorded as lost, and close returns ctx's error
// once the workers have stopped.
func (p *pool) close(ctx context.Context) error {
	p.once.Do(func() {
		// Wake submitters waiting for room first: they hold the read lock.
		close(p.stopping)
		p.mu.Lock()
		p.closed = true // from now on submit spools (or refuses)
		p.mu.Unlock()

		giveUp := func() {
			if !p.aborted.Swap(true) {
				close(p.abort)
				p.cancel()
				p.closeErr = ctx.Err()
			}
		}
		replayed := make(chan struct{})
		go func() { p.replayer.Wait(); close(replayed) }()
		select {
		case <-replayed:
		case <-ctx.Done():
			giveUp()
			<-replayed
		}
		close(p.queue) // the replayer, the only sender left, has returned

		done := make(chan struct{})
		go func() { p.workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			giveUp()
			<-done
		}
		p.cancel()
	})
	return p.closeErr
}
