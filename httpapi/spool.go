package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The spool keeps post-response jobs that found the worker queue full, so
// a burst or a slow evaluator never drops one. Each job is one file,
// written to a temporary name, fsync'd, renamed into place and the
// directory fsync'd: after put returns, the job survives a crash. A file is
// removed only once its job has been fully evaluated, so a job is
// evaluated at least once (twice only if the process dies between the
// evaluation and the removal).
//
// File names sort in arrival order: <unix nanoseconds, 20 digits>-<sequence>.job.
// Content: one JSON header line (spoolHeader), then the hook call exactly
// as received (after Content-Encoding).

const (
	spoolExt     = ".job"
	spoolTmpExt  = ".tmp"
	spoolBadExt  = ".corrupt"
	spoolVersion = 1
)

var errSpoolFull = errors.New("spool full")

type spoolHeader struct {
	V        int       `json:"v"`
	Received time.Time `json:"received"`
	SourceIP string    `json:"source_ip,omitempty"`
	Done     uint8     `json:"done,omitempty"` // stages already evaluated
}

type spoolEntry struct {
	name string
	size int64
}

type spool struct {
	dir      string
	maxBytes int64
	maxFiles int
	logf     func(msg string, args ...any)

	mu      sync.Mutex
	pending []spoolEntry // on disk, not handed out; oldest first
	out     map[string]int64
	bytes   int64 // on disk, pending and handed out
	seq     uint64
	lastNS  int64
}

// openSpool opens (creating) dir and indexes the jobs a previous run left.
// Temporary files from an interrupted write are removed.
func openSpool(dir string, maxBytes int64, maxFiles int, logf func(string, ...any)) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	sp := &spool{dir: dir, maxBytes: maxBytes, maxFiles: maxFiles, logf: logf, out: map[string]int64{}}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, spoolTmpExt):
			os.Remove(filepath.Join(dir, name))
		case strings.HasSuffix(name, spoolExt) && e.Type().IsRegular():
			info, err := e.Info()
			if err != nil {
				continue
			}
			sp.pending = append(sp.pending, spoolEntry{name, info.Size()})
			sp.bytes += info.Size()
		}
	}
	slices.SortFunc(sp.pending, func(a, b spoolEntry) int { return strings.Compare(a.name, b.name) })
	return sp, nil
}

// put writes j to disk. It fails with errSpoolFull when the spool is at
// either bound.
func (sp *spool) put(j *job) error {
	data := encodeJob(j)
	size := int64(len(data))

	sp.mu.Lock()
	if len(sp.pending)+len(sp.out) >= sp.maxFiles || sp.bytes+size > sp.maxBytes {
		sp.mu.Unlock()
		return errSpoolFull
	}
	sp.bytes += size // reserve, so concurrent puts cannot overshoot
	ns := j.received.UnixNano()
	if ns <= sp.lastNS {
		ns = sp.lastNS + 1 // keep names in arrival order even when clocks repeat
	}
	sp.lastNS = ns
	sp.seq++
	name := fmt.Sprintf("%020d-%06d%s", ns, sp.seq%1_000_000, spoolExt)
	sp.mu.Unlock()

	if err := writeFileSync(sp.dir, name, data); err != nil {
		sp.mu.Lock()
		sp.bytes -= size
		sp.mu.Unlock()
		return fmt.Errorf("spool %s: %w", sp.dir, err)
	}
	sp.mu.Lock()
	sp.pending = append(sp.pending, spoolEntry{name, size})
	sp.mu.Unlock()
	j.spoolName = name
	return nil
}

// encodeJob is a spool file's content: header line, then the hook call.
func encodeJob(j *job) []byte {
	hdr, _ := json.Marshal(spoolHeader{V: spoolVersion, Received: j.received, SourceIP: j.sourceIP, Done: j.done})
	data := make([]byte, 0, len(hdr)+1+len(j.body))
	data = append(data, hdr...)
	data = append(data, '\n')
	return append(data, j.body...)
}

// writeFileSync writes data durably: temp file, fsync, rename, fsync dir.
func writeFileSync(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+spoolTmpExt)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// next hands out the oldest pending job, or nil when there is none. A file
// that cannot be read back is renamed *.corrupt (kept for inspection, never
// retried) and skipped.
func (sp *spool) next() *job {
	for {
		sp.mu.Lock()
		if len(sp.pending) == 0 {
			sp.mu.Unlock()
			return nil
		}
		e := sp.pending[0]
		sp.pending = sp.pending[1:]
		sp.out[e.name] = e.size
		sp.mu.Unlock()

		j, err := sp.load(e.name)
		if err == nil {
			return j
		}
		sp.logf("spooled job unreadable; set aside", "file", e.name+spoolBadExt, "err", err)
		os.Rename(filepath.Join(sp.dir, e.name), filepath.Join(sp.dir, e.name+spoolBadExt))
		sp.forget(e.name)
	}
}

func (sp *spool) load(name string) (*job, error) {
	data, err := os.ReadFile(filepath.Join(sp.dir, name))
	if err != nil {
		return nil, err
	}
	line, body, ok := bytes.Cut(data, []byte{'\n'})
	if !ok {
		return nil, errors.New("no header line")
	}
	var h spoolHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if h.V != spoolVersion {
		return nil, fmt.Errorf("header: version %d, want %d", h.V, spoolVersion)
	}
	return &job{received: h.Received, sourceIP: h.SourceIP, done: h.Done, body: body, spoolName: name}, nil
}

// unget returns a job handed out by next to the front of the pending list
// (its consumer stopped before taking it).
func (sp *spool) unget(j *job) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	size, ok := sp.out[j.spoolName]
	if !ok {
		return
	}
	delete(sp.out, j.spoolName)
	sp.pending = slices.Insert(sp.pending, 0, spoolEntry{j.spoolName, size})
}

// update rewrites a handed-out job's file with its progress (atomically:
// the new content replaces the old by rename), so a restart does not
// evaluate its finished stages again.
func (sp *spool) update(j *job) error {
	sp.mu.Lock()
	old, ok := sp.out[j.spoolName]
	sp.mu.Unlock()
	if !ok {
		return nil
	}
	data := encodeJob(j)
	if err := writeFileSync(sp.dir, j.spoolName, data); err != nil {
		return err
	}
	sp.mu.Lock()
	if _, ok := sp.out[j.spoolName]; ok {
		sp.out[j.spoolName] = int64(len(data))
		sp.bytes += int64(len(data)) - old
	}
	sp.mu.Unlock()
	return nil
}

// done removes a finished job's file.
func (sp *spool) done(j *job) {
	if j.spoolName == "" {
		return
	}
	if err := os.Remove(filepath.Join(sp.dir, j.spoolName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		sp.logf("removing spooled job", "file", j.spoolName, "err", err)
	}
	sp.forget(j.spoolName)
}

func (sp *spool) forget(name string) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if size, ok := sp.out[name]; ok {
		delete(sp.out, name)
		sp.bytes -= size
	}
}

// stats returns the number of jobs on disk and their bytes.
func (sp *spool) stats() (files int, size int64) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return len(sp.pending) + len(sp.out), sp.bytes
}
