// Package es is the Elasticsearch audit sink: records go to a data stream
// (logs-sluice.decisions-default) in bulk, with the decision id as the
// document id, so that no replay ever indexes a record twice.
//
// On start it installs, idempotently, an ILM policy, component and index
// templates with explicit mappings (assets/), and the data stream. Records
// flow through three stages, none of which the request path waits for:
//
//  1. a bounded in-memory queue, drained in batches by a receiver;
//  2. the receiver hands a batch to the sender when the sender keeps up and
//     nothing is spooled, and otherwise appends it to an on-disk spool
//     (telemetry/spool: bounded, fsync'd segments);
//  3. the sender delivers in-memory batches first, then the spool, oldest
//     first, retrying with exponential backoff on connection errors, 429 and
//     5xx, and re-sending only the documents that failed. A batch it cannot
//     deliver goes back to the head of the spool.
//
// Order is kept: once anything is spooled, everything newer is spooled
// behind it until the spool drains. A document Elasticsearch refuses for
// good (a mapping error) is counted as rejected and logged by error type;
// a 409 conflict means the record is already indexed (a replay) and counts
// as delivered. Records are only ever dropped when the spool is full or the
// disk fails, and each drop is logged at error level.
package es

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic/go-elasticsearch/v8"

	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/sink"
	"github.com/sluicehq/sluice/telemetry/spool"
)

// DefaultDataStream is the data stream records go to.
const DefaultDataStream = "logs-" + audit.Dataset + "-default"

// DefaultILMPolicy is the lifecycle policy Install creates.
const DefaultILMPolicy = "sluice-decisions"

// Options configure the sink.
type Options struct {
	// Addresses of Elasticsearch nodes ("https://es.internal:9200"), or
	// CloudID for Elastic Cloud.
	Addresses []string
	CloudID   string
	// Credentials: an API key (base64 "id:key" as Kibana shows it), a
	// service token, or basic auth.
	APIKey       string
	ServiceToken string
	Username     string
	Password     string
	// CACert is a PEM bundle to trust for the cluster's certificate.
	CACert []byte
	// Transport overrides the HTTP transport (TLS settings, tests).
	Transport http.RoundTripper

	// DataStream is the target data stream (DefaultDataStream). Its name
	// without the namespace gives the templates' names and pattern.
	DataStream string
	// SkipInstall leaves templates, ILM and the data stream to the operator.
	SkipInstall bool
	// DisableILM installs no ILM policy (Elasticsearch serverless, or a
	// lifecycle managed elsewhere).
	DisableILM bool
	// ILMPolicy names the lifecycle policy (DefaultILMPolicy); it is
	// created with the values below only when it does not exist.
	ILMPolicy       string
	RolloverMaxAge  string // "30d"
	RolloverMaxSize string // "50gb" (primary shard size)
	DeleteAfter     string // "90d"

	// SpoolDir holds the on-disk spool (required).
	SpoolDir          string
	SpoolMaxBytes     int64 // default 1 GiB
	SpoolSegmentBytes int64 // default 16 MiB

	// QueueSize bounds the records waiting in memory (default 65536).
	QueueSize int
	// BatchSize is the most documents one bulk request carries (default 1000).
	BatchSize int
	// BatchBytes bounds a bulk request read from the spool (default 8 MiB).
	BatchBytes int64
	// FlushInterval is how long a batch may wait to fill (default 1s).
	FlushInterval time.Duration
	// MaxInflight is how many batches may wait in memory for the sender
	// before further batches are spooled (default 4).
	MaxInflight int
	// MaxRetries is how many times a failing bulk request is retried
	// before its batch goes to the spool (default 3).
	MaxRetries int
	// RetryBackoff is the first retry's delay, doubled up to MaxBackoff
	// (defaults 200ms and 30s).
	RetryBackoff time.Duration
	MaxBackoff   time.Duration
	// RequestTimeout bounds one request (default 30s).
	RequestTimeout time.Duration

	Logf sink.Logf
}

func (o *Options) fill() error {
	if len(o.Addresses) == 0 && o.CloudID == "" {
		return errors.New("elasticsearch: no addresses (or cloud_id) configured")
	}
	if o.SpoolDir == "" {
		return errors.New("elasticsearch: no spool directory")
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.DataStream, DefaultDataStream)
	def(&o.ILMPolicy, DefaultILMPolicy)
	def(&o.RolloverMaxAge, "30d")
	def(&o.RolloverMaxSize, "50gb")
	def(&o.DeleteAfter, "90d")
	if o.QueueSize <= 0 {
		o.QueueSize = 1 << 16
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 8 << 20
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Second
	}
	if o.MaxInflight <= 0 {
		o.MaxInflight = 4
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	} else if o.MaxRetries == 0 {
		o.MaxRetries = 3
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.Logf == nil {
		o.Logf = sink.Discard
	}
	return nil
}

// Sink is the Elasticsearch audit sink.
type Sink struct {
	opts   Options
	names  names
	client *elasticsearch.Client
	q      *sink.Queue
	spool  *spool.Spool

	// mu orders the receiver's choice (hand over or spool) against the
	// sender putting undelivered batches back at the head of the spool.
	mu       sync.Mutex
	handoff  chan [][]byte
	inflight atomic.Int64 // documents handed over and not yet settled
	wake     chan struct{}

	ctx      context.Context // cancelled when Close gives up
	cancel   context.CancelFunc
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	installed  atomic.Bool
	down       atomic.Bool
	written    atomic.Uint64
	duplicates atomic.Uint64
	retries    atomic.Uint64
	dropped    atomic.Uint64
	rejected   atomic.Uint64
	lastErr    atomic.Int64
	fullAt     atomic.Int64
}

// Open starts the sink: its spool is opened (records left by a previous
// run are delivered first) and the templates are installed in the
// background, so an unreachable cluster never delays startup.
func Open(opts Options) (*Sink, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	client, err := newClient(&opts)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	sp, err := spool.Open(opts.SpoolDir, spool.Options{MaxBytes: opts.SpoolMaxBytes, SegmentBytes: opts.SpoolSegmentBytes})
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	if n := sp.Repaired(); n > 0 {
		opts.Logf("audit elasticsearch: ERROR: spool repaired after a crash: %d bytes of torn records cut off", n)
	}
	s := &Sink{
		opts:    opts,
		names:   namesFor(opts.DataStream, opts.ILMPolicy),
		client:  client,
		q:       sink.NewQueue(opts.QueueSize),
		spool:   sp,
		handoff: make(chan [][]byte, opts.MaxInflight),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if n := sp.Len(); n > 0 {
		opts.Logf("audit elasticsearch: %d records spooled by a previous run will be delivered first", n)
	}
	go s.q.Run(opts.BatchSize, opts.FlushInterval, s.receive)
	go s.run()
	return s, nil
}

// Name implements sink.Sink.
func (s *Sink) Name() string { return "elasticsearch" }

// Enqueue implements sink.Sink.
func (s *Sink) Enqueue(e *audit.Entry) {
	if !s.q.Put(e) {
		s.opts.Logf("audit elasticsearch: ERROR: queue full or closed: record %s dropped", e.Record.Event.ID)
	}
}

// receive takes a batch off the queue: it hands it to the sender when the
// sender keeps up and nothing is spooled, and spools it otherwise.
func (s *Sink) receive(batch []*audit.Entry) {
	pairs := make([][]byte, 0, len(batch))
	for _, e := range batch {
		b, err := EncodeBulk(nil, e)
		if err != nil {
			s.rejected.Add(1)
			s.opts.Logf("audit elasticsearch: ERROR: record %s cannot be encoded: %v", e.Record.Event.ID, err)
			continue
		}
		pairs = append(pairs, b)
	}
	if len(pairs) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spool.Len() == 0 {
		select {
		case s.handoff <- pairs:
			s.inflight.Add(int64(len(pairs)))
			return
		default:
		}
	}
	s.toSpool(pairs, false)
	s.signal()
}

// toSpool appends (or, for batches taken out for delivery, prepends)
// records to the spool; what does not fit is dropped, loudly. Called with
// mu held.
func (s *Sink) toSpool(pairs [][]byte, head bool) {
	var err error
	if head {
		err = s.spool.Prepend(pairs)
	} else {
		err = s.spool.Append(pairs)
	}
	if err == nil {
		return
	}
	s.dropped.Add(uint64(len(pairs)))
	s.lastErr.Store(time.Now().UnixNano())
	if errors.Is(err, spool.ErrFull) {
		s.fullAt.Store(time.Now().UnixNano())
		s.opts.Logf("audit elasticsearch: ERROR: spool full (%d bytes on disk): %d audit records DROPPED",
			s.spool.DiskBytes(), len(pairs))
		return
	}
	s.opts.Logf("audit elasticsearch: ERROR: spool write failed: %d audit records DROPPED: %v", len(pairs), err)
}

func (s *Sink) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run is the sender.
func (s *Sink) run() {
	defer close(s.done)
	attempt := 0 // consecutive failures, for backoff
	stopping := false
	fail := func() bool {
		attempt++
		if stopping || !s.sleep(s.backoff(attempt)) {
			return false
		}
		return true
	}
	for {
		if !stopping {
			select {
			case <-s.stop:
				stopping = true
			default:
			}
		}
		if !s.installed.Load() {
			if s.opts.SkipInstall {
				s.installed.Store(true)
			} else if err := s.installOnce(); err != nil {
				s.markDown(err)
				// Nothing can be delivered yet: batches waiting in memory go
				// to disk, and everything after them follows.
				s.park()
				if !fail() {
					s.shutdown()
					return
				}
				continue
			} else {
				s.installed.Store(true)
			}
		}
		// In-memory batches are older than anything spooled: they go first.
		select {
		case pairs := <-s.handoff:
			if s.deliverHeld(pairs) {
				attempt = 0
			} else if !fail() {
				s.shutdown()
				return
			}
			continue
		default:
		}
		if s.spool.Len() > 0 {
			b, err := s.spool.Read(s.opts.BatchSize, s.opts.BatchBytes)
			if err != nil {
				s.lastErr.Store(time.Now().UnixNano())
				s.opts.Logf("audit elasticsearch: ERROR: reading the spool: %v", err)
				if !fail() {
					s.shutdown()
					return
				}
				continue
			}
			if _, ok := s.deliver(b.Records); ok {
				if err := s.spool.Commit(b); err != nil {
					s.opts.Logf("audit elasticsearch: ERROR: committing the spool: %v", err)
				}
				attempt = 0
				continue
			}
			if !fail() {
				s.shutdown()
				return
			}
			continue
		}
		if stopping {
			s.shutdown()
			return
		}
		select {
		case pairs := <-s.handoff:
			if s.deliverHeld(pairs) {
				attempt = 0
			} else if !fail() {
				s.shutdown()
				return
			}
		case <-s.wake:
		case <-s.stop:
			stopping = true
		}
	}
}

func (s *Sink) installOnce() error {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.RequestTimeout)
	defer cancel()
	return s.install(ctx)
}

// deliverHeld delivers a handed-over batch; what it cannot deliver goes to
// the head of the spool, ahead of the batches still waiting in memory.
func (s *Sink) deliverHeld(pairs [][]byte) bool {
	n := int64(len(pairs))
	rest, ok := s.deliver(pairs)
	if ok {
		s.inflight.Add(-n)
		return true
	}
	s.mu.Lock()
	for more := true; more; {
		select {
		case p := <-s.handoff:
			n += int64(len(p))
			rest = append(rest, p...)
		default:
			more = false
		}
	}
	s.toSpool(rest, true)
	s.inflight.Add(-n)
	s.mu.Unlock()
	return false
}

// shutdown moves batches still in memory to the spool for the next run.
func (s *Sink) shutdown() { s.park() }

// park moves the batches waiting in memory to the head of the spool.
func (s *Sink) park() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rest [][]byte
	var n int64
	for more := true; more; {
		select {
		case p := <-s.handoff:
			n += int64(len(p))
			rest = append(rest, p...)
		default:
			more = false
		}
	}
	if len(rest) > 0 {
		s.toSpool(rest, true)
		s.inflight.Add(-n)
	}
}

func (s *Sink) backoff(attempt int) time.Duration {
	d := s.opts.RetryBackoff
	for i := 1; i < attempt && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.opts.MaxBackoff)
	// ±20% jitter so that many sluice instances do not retry in step.
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// sleep waits d, returning false early when the sink stops.
func (s *Sink) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}

func (s *Sink) markDown(err error) {
	s.lastErr.Store(time.Now().UnixNano())
	if s.down.CompareAndSwap(false, true) {
		s.opts.Logf("audit elasticsearch: unreachable, spooling records to %s until it returns: %v", s.opts.SpoolDir, err)
	}
}

func (s *Sink) markUp() {
	if s.down.CompareAndSwap(true, false) {
		s.opts.Logf("audit elasticsearch: reachable again; delivering %d spooled records", s.spool.Len())
	}
}

// errPermanent marks a bulk response that retrying the same request cannot fix.
var errPermanent = errors.New("permanent")

// deliver sends documents, retrying the ones that fail with a transient
// error up to MaxRetries times. It returns what is left undelivered and
// whether everything was settled (indexed, already present, or rejected
// for good).
func (s *Sink) deliver(pairs [][]byte) ([][]byte, bool) {
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			s.retries.Add(1)
			if !s.sleep(s.backoff(attempt)) {
				return pairs, false
			}
		}
		retry, err := s.bulk(pairs)
		switch {
		case err == nil && len(retry) == 0:
			s.markUp()
			return nil, true
		case errors.Is(err, errPermanent):
			return nil, true
		case err != nil:
			s.markDown(err)
		default:
			pairs = retry
			s.lastErr.Store(time.Now().UnixNano())
		}
		if attempt >= s.opts.MaxRetries {
			return pairs, false
		}
	}
}

type bulkResponse struct {
	Errors bool                        `json:"errors"`
	Items  []map[string]bulkItemResult `json:"items"`
}

type bulkItemResult struct {
	Status int `json:"status"`
	Error  struct {
		Type string `json:"type"`
	} `json:"error"`
}

// bulk makes one bulk request and returns the documents to retry. An error
// means nothing was settled.
func (s *Sink) bulk(pairs [][]byte) ([][]byte, error) {
	var size int
	for _, p := range pairs {
		size += len(p)
	}
	body := make([]byte, 0, size)
	for _, p := range pairs {
		body = append(body, p...)
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.RequestTimeout)
	defer cancel()
	c := s.client
	res, err := c.Bulk(bytes.NewReader(body), c.Bulk.WithIndex(s.names.dataStream), c.Bulk.WithContext(ctx),
		c.Bulk.WithFilterPath("errors", "items.*.status", "items.*.error.type"))
	if err != nil {
		return nil, fmt.Errorf("bulk: %w", err)
	}
	defer drain(res)
	switch st := res.StatusCode; {
	case st == http.StatusTooManyRequests || st >= 500:
		return nil, fmt.Errorf("bulk: HTTP %d", st)
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		// Credentials can be fixed without restarting: keep the records.
		return nil, fmt.Errorf("bulk: HTTP %d (check the credentials and their privileges on %s)", st, s.names.pattern)
	case st == http.StatusRequestEntityTooLarge && len(pairs) > 1:
		// Split the batch: each half is settled on its own.
		half := len(pairs) / 2
		r1, e1 := s.bulk(pairs[:half])
		r2, e2 := s.bulk(pairs[half:])
		if e1 != nil && !errors.Is(e1, errPermanent) {
			return nil, e1
		}
		if e2 != nil && !errors.Is(e2, errPermanent) {
			return nil, e2
		}
		return append(r1, r2...), nil
	case st >= 300:
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		s.rejected.Add(uint64(len(pairs)))
		s.lastErr.Store(time.Now().UnixNano())
		s.opts.Logf("audit elasticsearch: ERROR: bulk request refused, %d records rejected: HTTP %d %s",
			len(pairs), st, rejectionType(b))
		return nil, errPermanent
	}
	var br bulkResponse
	if err := json.NewDecoder(res.Body).Decode(&br); err != nil {
		return nil, fmt.Errorf("bulk: reading the response: %w", err)
	}
	if !br.Errors {
		s.written.Add(uint64(len(pairs)))
		return nil, nil
	}
	if len(br.Items) != len(pairs) {
		return nil, fmt.Errorf("bulk: %d results for %d documents", len(br.Items), len(pairs))
	}
	var retry [][]byte
	rejectedBy := map[string]int{}
	for i, item := range br.Items {
		var r bulkItemResult
		for _, v := range item {
			r = v
		}
		switch {
		case r.Status >= 200 && r.Status < 300:
			s.written.Add(1)
		case r.Status == http.StatusConflict:
			s.duplicates.Add(1) // already indexed by an earlier attempt
		case r.Status == http.StatusTooManyRequests || r.Status >= 500:
			retry = append(retry, pairs[i])
		default:
			s.rejected.Add(1)
			rejectedBy[fmt.Sprintf("%d %s", r.Status, r.Error.Type)]++
		}
	}
	if len(rejectedBy) > 0 {
		// Only the error type is logged: Elasticsearch's reason text can
		// quote a field's value.
		s.lastErr.Store(time.Now().UnixNano())
		s.opts.Logf("audit elasticsearch: ERROR: documents rejected (they will not be retried): %v", rejectedBy)
	}
	return retry, nil
}

// rejectionType is the error type of a refused request, without its reason.
func rejectionType(b []byte) string {
	var e struct {
		Error struct {
			Type string `json:"type"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error.Type != "" {
		return e.Error.Type
	}
	return ""
}

// Flush implements sink.Sink: it returns once every record enqueued before
// it is indexed or spooled.
func (s *Sink) Flush(ctx context.Context) error {
	if err := s.q.Flush(ctx); err != nil {
		return err
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for s.inflight.Load() > 0 {
		select {
		case <-t.C:
		case <-s.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Drain waits until every record enqueued before it is indexed: nothing
// in memory and nothing spooled (tests, and shutdown when the cluster is up).
func (s *Sink) Drain(ctx context.Context) error {
	if err := s.Flush(ctx); err != nil {
		return err
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for s.spool.Len() > 0 || s.inflight.Load() > 0 {
		s.signal()
		select {
		case <-t.C:
		case <-s.done:
			return errors.New("elasticsearch sink closed with records spooled")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Ready implements sink.Sink. An unreachable cluster does not make the sink
// unready (records spool); a full spool does.
func (s *Sink) Ready() error {
	if t := s.fullAt.Load(); t != 0 && time.Since(time.Unix(0, t)) < time.Minute {
		return fmt.Errorf("elasticsearch audit spool full: records are being dropped")
	}
	return nil
}

// Stats implements sink.Sink.
func (s *Sink) Stats() sink.Stats {
	st := sink.Stats{
		QueueDepth:     s.q.Depth() + int(s.inflight.Load()),
		Written:        s.written.Load(),
		Retries:        s.retries.Load(),
		Dropped:        s.q.Dropped() + s.dropped.Load(),
		Rejected:       s.rejected.Load(),
		SpooledBytes:   s.spool.Bytes(),
		SpooledRecords: s.spool.Len(),
	}
	if t := s.lastErr.Load(); t != 0 {
		st.LastError = time.Unix(0, t)
	}
	return st
}

// Close stops taking records, delivers what it can until ctx ends, and
// leaves the rest in the spool for the next run.
func (s *Sink) Close(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		err = s.q.Close(ctx)
		close(s.stop)
		stopTimer := context.AfterFunc(ctx, s.cancel)
		defer stopTimer()
		select {
		case <-s.done:
		case <-ctx.Done():
			s.cancel()
			<-s.done
			if err == nil {
				err = ctx.Err()
			}
		}
		if cerr := s.spool.Close(); err == nil {
			err = cerr
		}
		s.cancel()
	})
	return err
}
