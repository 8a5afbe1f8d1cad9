// Package ndjson writes audit records as newline-delimited JSON, one record
// a line, for log shippers (Filebeat, Vector, Fluent Bit) to pick up: to a
// file that rotates by size and keeps a fixed number of old files, or to
// stdout.
package ndjson

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/telemetry/audit"
	"github.com/sluicehq/sluice/telemetry/sink"
)

// Options configure a writer.
type Options struct {
	// MaxBytes rotates the file once it would grow past this size
	// (default 100 MiB). Unused for stdout.
	MaxBytes int64
	// MaxFiles is how many rotated files to keep besides the current one
	// (default 5): path.1 is the newest, path.N the oldest.
	MaxFiles int
	// QueueSize bounds the records waiting to be written (default 65536).
	QueueSize int
	Logf      sink.Logf
}

func (o *Options) fill() {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 100 << 20
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = 5
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 1 << 16
	}
	if o.Logf == nil {
		o.Logf = sink.Discard
	}
}

// Writer is an NDJSON sink.
type Writer struct {
	name string
	path string // "" for a plain writer (stdout)
	opts Options
	q    *sink.Queue

	out  io.Writer // the file or stdout
	file *os.File
	buf  *bufio.Writer
	size int64

	written atomic.Uint64
	failed  atomic.Uint64
	lastErr atomic.Int64
	errMu   sync.Mutex
	err     error // the last write error, for Ready

	closeOnce sync.Once
	closeErr  error
}

// OpenFile opens (appending to) an NDJSON file sink at path.
func OpenFile(path string, opts Options) (*Writer, error) {
	opts.fill()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit ndjson: %w", err)
	}
	w := &Writer{name: "ndjson", path: path, opts: opts}
	if err := w.open(); err != nil {
		return nil, err
	}
	w.start()
	return w, nil
}

// NewStdout returns a sink writing to out (os.Stdout in production).
func NewStdout(out io.Writer, opts Options) *Writer {
	opts.fill()
	w := &Writer{name: "stdout", opts: opts, out: out}
	w.buf = bufio.NewWriterSize(out, 64<<10)
	w.start()
	return w
}

func (w *Writer) start() {
	w.q = sink.NewQueue(w.opts.QueueSize)
	go w.q.Run(4096, 0, w.writeBatch)
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit ndjson: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("audit ndjson: %w", err)
	}
	w.file, w.out, w.size = f, f, st.Size()
	if w.buf == nil {
		w.buf = bufio.NewWriterSize(f, 64<<10)
	} else {
		w.buf.Reset(f)
	}
	return nil
}

// rotate shifts path.k to path.k+1 (dropping the oldest), moves the
// current file to path.1 and starts a new one.
func (w *Writer) rotate() error {
	if err := w.buf.Flush(); err != nil {
		return err
	}
	if err := w.file.Close(); err != nil {
		return err
	}
	err := w.shift()
	// Whatever happened, keep a file open: a rotation that failed means a
	// bigger file, not lost records.
	if oerr := w.open(); oerr != nil {
		w.file = nil
		return oerr
	}
	return err
}

func (w *Writer) shift() error {
	_ = os.Remove(w.path + "." + strconv.Itoa(w.opts.MaxFiles))
	for k := w.opts.MaxFiles - 1; k >= 1; k-- {
		from := w.path + "." + strconv.Itoa(k)
		if _, err := os.Stat(from); err == nil {
			if err := os.Rename(from, w.path+"."+strconv.Itoa(k+1)); err != nil {
				return err
			}
		}
	}
	return os.Rename(w.path, w.path+".1")
}

func (w *Writer) writeBatch(batch []*audit.Entry) {
	ok := true
	pending := 0 // records buffered since the last successful flush
	for _, e := range batch {
		b, err := e.JSON()
		if err != nil {
			w.fail(1, fmt.Errorf("record %s cannot be encoded: %w", e.Record.Event.ID, err))
			continue
		}
		n := int64(len(b) + 1)
		if w.path != "" && w.size > 0 && w.size+n > w.opts.MaxBytes {
			w.written.Add(uint64(pending)) // rotate flushes them, or reports
			pending = 0
			if err := w.rotate(); err != nil {
				ok = false
				w.fail(0, fmt.Errorf("rotating %s: %w", w.path, err))
			}
		}
		if w.path != "" && w.file == nil {
			if err := w.open(); err != nil {
				ok = false
				w.fail(1, err)
				continue
			}
		}
		w.buf.Write(b)
		if err := w.buf.WriteByte('\n'); err != nil {
			// bufio's error is sticky: what it held since the last
			// successful flush is gone.
			ok = false
			w.fail(pending+1, err)
			pending = 0
			w.buf.Reset(w.out)
			continue
		}
		w.size += n
		pending++
	}
	// Each batch reaches the file (or stdout) before the writer waits for
	// more, so a shipper tailing it sees records promptly.
	if err := w.buf.Flush(); err != nil {
		ok = false
		w.fail(pending, err)
		w.buf.Reset(w.out)
	} else {
		w.written.Add(uint64(pending))
	}
	if ok {
		w.errMu.Lock()
		w.err = nil
		w.errMu.Unlock()
	}
}

func (w *Writer) fail(lost int, err error) {
	w.failed.Add(uint64(lost))
	w.lastErr.Store(time.Now().UnixNano())
	w.errMu.Lock()
	w.err = err
	w.errMu.Unlock()
	w.opts.Logf("audit %s: ERROR: %v", w.name, err)
}

// Name implements sink.Sink.
func (w *Writer) Name() string { return w.name }

// Enqueue implements sink.Sink.
func (w *Writer) Enqueue(e *audit.Entry) {
	if !w.q.Put(e) {
		w.opts.Logf("audit %s: ERROR: queue full or closed: record %s dropped", w.name, e.Record.Event.ID)
	}
}

// Flush implements sink.Sink.
func (w *Writer) Flush(ctx context.Context) error { return w.q.Flush(ctx) }

// Ready implements sink.Sink: not ready while the last write failed.
func (w *Writer) Ready() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	if w.err != nil {
		return fmt.Errorf("audit %s: %w", w.name, w.err)
	}
	return nil
}

// Stats implements sink.Sink.
func (w *Writer) Stats() sink.Stats {
	st := sink.Stats{
		QueueDepth: w.q.Depth(),
		Written:    w.written.Load(),
		Dropped:    w.q.Dropped() + w.failed.Load(),
	}
	if t := w.lastErr.Load(); t != 0 {
		st.LastError = time.Unix(0, t)
	}
	return st
}

// Close implements sink.Sink.
func (w *Writer) Close(ctx context.Context) error {
	w.closeOnce.Do(func() {
		w.closeErr = w.q.Close(ctx)
		if w.file != nil {
			if err := w.file.Close(); w.closeErr == nil {
				w.closeErr = err
			}
		}
	})
	return w.closeErr
}
