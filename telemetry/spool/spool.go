// Package spool is a bounded, on-disk FIFO of opaque records that survives
// restarts. Audit sinks park records here while their destination (an
// Elasticsearch cluster) is unreachable and replay them, oldest first, when
// it returns.
//
// Records are appended to segment files in frames of
//
//	length uint32 LE | crc32c(payload) uint32 LE | payload
//
// and every Append is fsync'd before it returns, so a record the spool
// accepted is on disk. A torn frame at the end of a segment (a crash mid
// write) is cut off when the spool is opened. The read position is kept in
// a small cursor file written on Commit without fsync: after a crash the
// spool may hand back records that were already delivered, which is why
// its users deliver idempotently (Elasticsearch `create` by decision id).
//
// The spool is bounded by MaxBytes of segment files on disk; Append past it
// fails with ErrFull and writes nothing, so the caller can count and report
// what it could not keep.
package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ErrFull reports that an Append would take the spool past MaxBytes.
var ErrFull = errors.New("spool full")

// ErrTooLarge reports a record over MaxRecordBytes.
var ErrTooLarge = errors.New("record too large for the spool")

// MaxRecordBytes bounds one record: a frame length beyond it is corruption.
const MaxRecordBytes = 16 << 20

const (
	frameHeader = 8
	segSuffix   = ".seg"
	cursorName  = "cursor"
	// firstID leaves room below the first segment for Prepend, which
	// numbers a new head segment one below the current one.
	firstID = uint64(1) << 40
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Options bound a spool.
type Options struct {
	// MaxBytes bounds the total size of segment files. Zero means 1 GiB.
	MaxBytes int64
	// SegmentBytes is the size past which Append starts a new segment, so
	// that delivered records free disk space segment by segment. Zero
	// means 16 MiB.
	SegmentBytes int64
}

func (o *Options) fill() {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 16 << 20
	}
	if o.SegmentBytes > o.MaxBytes {
		o.SegmentBytes = o.MaxBytes
	}
}

type segment struct {
	id    uint64
	size  int64 // bytes in the file
	read  int64 // offset of the first record not yet committed
	count int   // records not yet committed
}

// Spool is safe for concurrent use by one reader (Read/Commit) and any
// number of writers (Append/Prepend).
type Spool struct {
	dir  string
	opts Options

	mu       sync.Mutex
	segs     []*segment // ordered oldest first
	tail     *os.File   // open for appending to segs[len-1]; nil until the first Append
	tailID   uint64
	disk     int64 // sum of segment sizes
	pending  int64 // bytes of records not yet committed
	records  int
	nextID   uint64 // id of the next segment Append creates
	cursor   *os.File
	closed   bool
	repaired int64 // bytes cut off torn or corrupt frames at Open
}

// Open opens (creating if needed) the spool in dir, scanning existing
// segments and cutting off torn frames.
func Open(dir string, opts Options) (*Spool, error) {
	opts.fill()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{dir: dir, opts: opts}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, segSuffix) {
			continue
		}
		id, err := strconv.ParseUint(strings.TrimSuffix(name, segSuffix), 16, 64)
		if err != nil {
			continue
		}
		s.segs = append(s.segs, &segment{id: id})
	}
	slices.SortFunc(s.segs, func(a, b *segment) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	for _, sg := range s.segs {
		if err := s.scan(sg); err != nil {
			return nil, err
		}
	}
	// Skip what the cursor says was delivered, where it falls on a frame
	// boundary (a stale or damaged cursor only means replaying more).
	for id, off := range s.loadCursor() {
		i := slices.IndexFunc(s.segs, func(sg *segment) bool { return sg.id == id })
		if i < 0 || off <= 0 || off > s.segs[i].size {
			continue
		}
		if n, ok := s.framesBefore(s.segs[i], off); ok {
			s.segs[i].read, s.segs[i].count = off, s.segs[i].count-n
		}
	}
	s.nextID = firstID
	for _, sg := range s.segs {
		s.disk += sg.size
		s.pending += sg.size - sg.read
		s.records += sg.count
		s.nextID = max(s.nextID, sg.id+1)
	}
	s.cursor, err = os.OpenFile(filepath.Join(dir, cursorName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return s, nil
}

// Repaired returns the bytes cut off torn or corrupt frames when the spool
// was opened (records lost to a crash mid-write or to disk corruption).
func (s *Spool) Repaired() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repaired
}

func (s *Spool) segPath(id uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%016x%s", id, segSuffix))
}

// loadCursor reads the delivered offsets of partly delivered segments.
func (s *Spool) loadCursor() map[uint64]int64 {
	b, err := os.ReadFile(filepath.Join(s.dir, cursorName))
	if err != nil {
		return nil
	}
	m := make(map[uint64]int64)
	for ; len(b) >= 16; b = b[16:] {
		id, off := binary.LittleEndian.Uint64(b), int64(binary.LittleEndian.Uint64(b[8:]))
		if id == 0 {
			break
		}
		m[id] = off
	}
	return m
}

// scan counts the valid frames of a segment and truncates it after the
// last one.
func (s *Spool) scan(sg *segment) error {
	f, err := os.OpenFile(s.segPath(sg.id), os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	r := &frameReader{r: bufio.NewReaderSize(f, 64<<10)}
	var off int64
	for {
		_, n, err := r.next()
		if err != nil {
			break
		}
		off += n
		sg.count++
	}
	sg.size = off
	if off < st.Size() {
		s.repaired += st.Size() - off
		if err := f.Truncate(off); err != nil {
			return fmt.Errorf("spool: repairing %s: %w", f.Name(), err)
		}
	}
	return nil
}

// framesBefore counts the frames that end exactly at off.
func (s *Spool) framesBefore(sg *segment, off int64) (int, bool) {
	f, err := os.Open(s.segPath(sg.id))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	r := &frameReader{r: bufio.NewReaderSize(f, 64<<10)}
	var pos int64
	n := 0
	for pos < off {
		_, sz, err := r.next()
		if err != nil {
			return 0, false
		}
		pos += sz
		n++
	}
	return n, pos == off
}

// Len returns the number of records not yet committed.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.records
}

// Bytes returns the bytes of records not yet committed, frames included.
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// DiskBytes returns the size of the segment files, which bound the spool.
func (s *Spool) DiskBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disk
}

func frameSize(recs [][]byte) (int64, error) {
	var n int64
	for _, r := range recs {
		if len(r) > MaxRecordBytes {
			return 0, ErrTooLarge
		}
		n += int64(frameHeader + len(r))
	}
	return n, nil
}

func encodeFrames(recs [][]byte, size int64) []byte {
	buf := make([]byte, 0, size)
	var hdr [frameHeader]byte
	for _, r := range recs {
		binary.LittleEndian.PutUint32(hdr[:4], uint32(len(r)))
		binary.LittleEndian.PutUint32(hdr[4:], crc32.Checksum(r, crcTable))
		buf = append(buf, hdr[:]...)
		buf = append(buf, r...)
	}
	return buf
}

// Append adds records at the end, all or none, and syncs them to disk
// before returning. It fails with ErrFull when they do not fit.
func (s *Spool) Append(recs [][]byte) error {
	if len(recs) == 0 {
		return nil
	}
	size, err := frameSize(recs)
	if err != nil {
		return err
	}
	buf := encodeFrames(recs, size)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	if s.disk+size > s.opts.MaxBytes {
		return ErrFull
	}
	last := s.last()
	if last == nil || last.size >= s.opts.SegmentBytes || s.tail == nil || s.tailID != last.id {
		if last == nil || last.size >= s.opts.SegmentBytes {
			last = &segment{id: s.nextID}
			s.nextID++
			if err := s.openTail(last, true); err != nil {
				return err
			}
			s.segs = append(s.segs, last)
		} else if err := s.openTail(last, false); err != nil {
			return err
		}
	}
	if _, err := s.tail.Write(buf); err != nil {
		// Cut the partial frame so the segment stays well formed.
		_ = s.tail.Truncate(last.size)
		_, _ = s.tail.Seek(last.size, io.SeekStart)
		return fmt.Errorf("spool: append: %w", err)
	}
	if err := s.tail.Sync(); err != nil {
		_ = s.tail.Truncate(last.size)
		_, _ = s.tail.Seek(last.size, io.SeekStart)
		return fmt.Errorf("spool: sync: %w", err)
	}
	last.size += size
	last.count += len(recs)
	s.disk += size
	s.pending += size
	s.records += len(recs)
	return nil
}

func (s *Spool) last() *segment {
	if len(s.segs) == 0 {
		return nil
	}
	return s.segs[len(s.segs)-1]
}

func (s *Spool) openTail(sg *segment, create bool) error {
	if s.tail != nil {
		_ = s.tail.Close()
		s.tail = nil
	}
	flags := os.O_WRONLY
	if create {
		flags |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(s.segPath(sg.id), flags, 0o600)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if _, err := f.Seek(sg.size, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("spool: %w", err)
	}
	if create {
		syncDir(s.dir)
	}
	s.tail, s.tailID = f, sg.id
	return nil
}

// Prepend adds records ahead of everything in the spool, so that a batch
// taken out for delivery and not delivered goes back in its place: the
// records are older than whatever was appended meanwhile.
func (s *Spool) Prepend(recs [][]byte) error {
	if len(recs) == 0 {
		return nil
	}
	size, err := frameSize(recs)
	if err != nil {
		return err
	}
	buf := encodeFrames(recs, size)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	if s.disk+size > s.opts.MaxBytes {
		return ErrFull
	}
	var id uint64
	if len(s.segs) > 0 {
		id = s.segs[0].id - 1
	} else {
		id = s.nextID
		s.nextID++
	}
	f, err := os.OpenFile(s.segPath(id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	_, werr := f.Write(buf)
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(s.segPath(id))
		return fmt.Errorf("spool: prepend: %w", werr)
	}
	syncDir(s.dir)
	s.segs = slices.Insert(s.segs, 0, &segment{id: id, size: size, count: len(recs)})
	s.disk += size
	s.pending += size
	s.records += len(recs)
	return nil
}

// Batch is records read from the head of the spool, to Commit once they
// are delivered.
type Batch struct {
	Records [][]byte
	Bytes   int64
	ends    []segEnd
}

type segEnd struct {
	id    uint64
	off   int64
	count int
}

// Read returns up to maxRecords records (and, past the first, no more than
// maxBytes of them) from the head of the spool without removing them. A
// nil Batch means the spool is empty.
func (s *Spool) Read(maxRecords int, maxBytes int64) (*Batch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, os.ErrClosed
	}
	b := &Batch{}
	for _, sg := range s.segs {
		if len(b.Records) >= maxRecords || (len(b.Records) > 0 && b.Bytes >= maxBytes) {
			break
		}
		if sg.count == 0 {
			continue
		}
		f, err := os.Open(s.segPath(sg.id))
		if err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		if _, err := f.Seek(sg.read, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("spool: %w", err)
		}
		r := &frameReader{r: bufio.NewReaderSize(io.LimitReader(f, sg.size-sg.read), 64<<10)}
		off, n := sg.read, 0
		for len(b.Records) < maxRecords && (len(b.Records) == 0 || b.Bytes < maxBytes) && n < sg.count {
			p, sz, err := r.next()
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("spool: segment %016x at %d: %w", sg.id, off, err)
			}
			b.Records = append(b.Records, p)
			b.Bytes += sz
			off += sz
			n++
		}
		f.Close()
		if n > 0 {
			b.ends = append(b.ends, segEnd{id: sg.id, off: off, count: n})
		}
	}
	if len(b.Records) == 0 {
		return nil, nil
	}
	return b, nil
}

// Commit removes a delivered batch from the spool. Segments it finishes
// are deleted. Batches must be committed in the order they were read, and
// nothing may be prepended between a Read and its Commit.
func (s *Spool) Commit(b *Batch) error {
	if b == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	for _, e := range b.ends {
		i := slices.IndexFunc(s.segs, func(sg *segment) bool { return sg.id == e.id })
		if i < 0 {
			return fmt.Errorf("spool: commit: segment %016x is gone", e.id)
		}
		sg := s.segs[i]
		if e.off <= sg.read {
			continue // already committed
		}
		s.pending -= e.off - sg.read
		s.records -= e.count
		sg.read, sg.count = e.off, sg.count-e.count
	}
	// Drop finished segments from the head; the tail segment too once it is
	// finished, so that the next Append starts a fresh one.
	for len(s.segs) > 0 && s.segs[0].count == 0 && s.segs[0].read >= s.segs[0].size {
		sg := s.segs[0]
		if s.tail != nil && s.tailID == sg.id {
			_ = s.tail.Close()
			s.tail = nil
		}
		if err := os.Remove(s.segPath(sg.id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spool: %w", err)
		}
		s.disk -= sg.size
		s.pending -= sg.size - sg.read
		s.segs = s.segs[1:]
	}
	s.writeCursor()
	return nil
}

// writeCursor records the delivered offsets of partly delivered segments.
// It is not synced: losing it replays delivered records, which idempotent
// delivery absorbs.
func (s *Spool) writeCursor() {
	b := make([]byte, 0, 32)
	for _, sg := range s.segs {
		if sg.read > 0 {
			b = binary.LittleEndian.AppendUint64(b, sg.id)
			b = binary.LittleEndian.AppendUint64(b, uint64(sg.read))
		}
	}
	b = append(b, make([]byte, 16)...) // terminator
	_, _ = s.cursor.WriteAt(b, 0)
}

// Close closes the spool's files. Records not committed stay on disk for
// the next Open.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.tail != nil {
		err = s.tail.Close()
	}
	if s.cursor != nil {
		if cerr := s.cursor.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

type frameReader struct {
	r   io.Reader
	hdr [frameHeader]byte
}

var errCorrupt = errors.New("corrupt frame")

// next returns the next payload and the frame's size on disk.
func (fr *frameReader) next() ([]byte, int64, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		return nil, 0, err
	}
	n := binary.LittleEndian.Uint32(fr.hdr[:4])
	if n > MaxRecordBytes {
		return nil, 0, errCorrupt
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(fr.r, p); err != nil {
		return nil, 0, err
	}
	if crc32.Checksum(p, crcTable) != binary.LittleEndian.Uint32(fr.hdr[4:]) {
		return nil, 0, errCorrupt
	}
	return p, int64(frameHeader) + int64(n), nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
