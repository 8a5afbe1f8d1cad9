package httpenc

import (
	"errors"
	"fmt"
	"io"
)

// StreamDecoder decodes a coded body that arrives in chunks (a streamed
// response), returning after each chunk all the plain bytes that chunk
// made decodable. The decompressors are pull readers, so each stream runs
// one goroutine that pulls from the chunks handed to Write and parks when
// it needs more; Write returns once it has parked (or finished), which
// keeps the output deterministic: everything decodable so far, no more.
//
// A StreamDecoder must be closed (Close) to release its goroutine.
type StreamDecoder struct {
	codings []Coding
	lim     Limits

	in      chan []byte   // chunks to the decoder goroutine
	idle    chan struct{} // the goroutine waits for input
	done    chan struct{} // the goroutine has finished; err is set
	err     error
	started bool
	closed  bool

	encoded int64
	out     boundedWriter
}

// NewStreamDecoder returns a decoder for a body with the given codings.
func NewStreamDecoder(codings []Coding, lim Limits) *StreamDecoder {
	return &StreamDecoder{
		codings: codings, lim: lim,
		in: make(chan []byte), idle: make(chan struct{}), done: make(chan struct{}),
		out: boundedWriter{limit: lim.MaxDecoded},
	}
}

// errStreamEnded reports input after the coded stream already ended.
var errStreamEnded = errors.New("data after the end of the encoded stream")

// Write feeds one chunk and returns the plain bytes it made available. The
// returned slice is valid until the next call.
func (d *StreamDecoder) Write(chunk []byte) ([]byte, error) {
	if d.closed {
		return nil, errors.New("httpenc: write after close")
	}
	if !d.started {
		d.started = true
		go d.run()
		if !d.wait() {
			return nil, d.finishedErr()
		}
	}
	select {
	case <-d.done:
		if len(chunk) == 0 {
			return nil, d.finishedErr()
		}
		return nil, errStreamEnded
	default:
	}
	d.encoded += int64(len(chunk))
	d.out.buf = d.out.buf[:0]
	d.out.limit = d.lim.allowed(d.encoded)
	d.in <- chunk
	if !d.wait() {
		if err := d.finishedErr(); err != nil {
			return nil, err
		}
	}
	return d.out.buf, nil
}

// Close signals the end of the input and returns the last plain bytes. It
// reports a truncated stream as an error. Close is idempotent and also
// releases a stream that is abandoned midway.
func (d *StreamDecoder) Close() ([]byte, error) {
	if d.closed {
		return nil, nil
	}
	d.closed = true
	if !d.started {
		return nil, nil
	}
	d.out.buf = d.out.buf[:0]
	close(d.in)
	// The goroutine may park once more on its way out: release it.
	for {
		select {
		case <-d.idle:
			continue
		case <-d.done:
		}
		break
	}
	return d.out.buf, d.finishedErr()
}

func (d *StreamDecoder) finishedErr() error {
	if d.err != nil && !errors.Is(d.err, io.EOF) {
		return d.err
	}
	return nil
}

// wait blocks until the goroutine parks for input (true) or finishes
// (false).
func (d *StreamDecoder) wait() bool {
	select {
	case <-d.idle:
		return true
	case <-d.done:
		return false
	}
}

func (d *StreamDecoder) run() {
	defer close(d.done)
	defer func() {
		if r := recover(); r != nil {
			d.err = fmt.Errorf("httpenc: decoder panic: %v", r)
		}
	}()
	var r io.Reader = &feeder{d: d}
	for i := len(d.codings) - 1; i >= 0; i-- {
		dec, closeFn, err := newReader(d.codings[i], r)
		if err != nil {
			d.err = fmt.Errorf("%s: %w", d.codings[i], err)
			return
		}
		defer closeFn()
		r = dec
	}
	if _, err := io.Copy(&d.out, r); err != nil {
		d.err = limitErr(err)
		return
	}
	d.err = io.EOF
}

// feeder is the decoder goroutine's view of the chunks.
type feeder struct {
	d   *StreamDecoder
	cur []byte
	eof bool
}

func (f *feeder) Read(p []byte) (int, error) {
	for len(f.cur) == 0 {
		if f.eof {
			return 0, io.EOF
		}
		f.d.idle <- struct{}{}
		chunk, ok := <-f.d.in
		if !ok {
			f.eof = true
			return 0, io.EOF
		}
		f.cur = chunk
	}
	n := copy(p, f.cur)
	f.cur = f.cur[n:]
	return n, nil
}
