package httpapi

import (
	"strings"
	"sync"
	"time"
)

// recent remembers keys for a fixed window, bounded in number. Keys expire
// in the order they were added (the window is the same for all), so a FIFO
// of insertions is the whole index of expiry: each add costs O(1)
// amortized, and nothing scans the map.
type recent[V any] struct {
	mu     sync.Mutex
	window time.Duration
	max    int
	m      map[string]recentEntry[V]
	fifo   []recentKey // insertion order; may hold keys since re-added or removed
	head   int
}

type recentEntry[V any] struct {
	at  time.Time
	val V
}

type recentKey struct {
	key string
	at  time.Time
}

func newRecent[V any](window time.Duration, max int) *recent[V] {
	return &recent[V]{window: window, max: max, m: map[string]recentEntry[V]{}}
}

// add remembers key with val at now and reports whether it was new (not
// already remembered within the window). An existing entry is kept as is.
func (r *recent[V]) add(key string, val V, now time.Time) bool {
	if r.window <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	if _, ok := r.m[key]; ok {
		return false
	}
	r.put(key, val, now)
	return true
}

// set remembers key with val at now, replacing an existing entry.
func (r *recent[V]) set(key string, val V, now time.Time) {
	if r.window <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	r.put(key, val, now)
}

func (r *recent[V]) put(key string, val V, now time.Time) {
	// Keys are often substrings of a whole parsed document; a copy keeps
	// only the key alive for the window.
	key = strings.Clone(key)
	for len(r.m) >= r.max && r.head < len(r.fifo) {
		r.evict(r.fifo[r.head])
		r.head++
	}
	r.m[key] = recentEntry[V]{at: now, val: val}
	r.fifo = append(r.fifo, recentKey{key, now})
	r.compact()
}

// get returns the value remembered for key within the window.
func (r *recent[V]) get(key string, now time.Time) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.m[key]
	if !ok || now.Sub(e.at) >= r.window {
		var zero V
		return zero, false
	}
	return e.val, true
}

// remove forgets key.
func (r *recent[V]) remove(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, key)
}

func (r *recent[V]) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

func (r *recent[V]) expire(now time.Time) {
	for r.head < len(r.fifo) && now.Sub(r.fifo[r.head].at) >= r.window {
		r.evict(r.fifo[r.head])
		r.head++
	}
	r.compact()
}

// evict removes the map entry for a FIFO slot only if the entry is the one
// that slot recorded (the key may have been removed and added again since).
func (r *recent[V]) evict(k recentKey) {
	if e, ok := r.m[k.key]; ok && e.at.Equal(k.at) {
		delete(r.m, k.key)
	}
}

// compact drops consumed FIFO slots once they are half the slice.
func (r *recent[V]) compact() {
	if r.head > 0 && r.head >= len(r.fifo)/2 {
		n := copy(r.fifo, r.fifo[r.head:])
		clear(r.fifo[n:])
		r.fifo = r.fifo[:n]
		r.head = 0
	}
}
