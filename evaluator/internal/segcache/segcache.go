// Package segcache remembers facts about segment texts already seen, so
// that a conversation's history, resent whole with every request, is not
// analysed again on each one.
//
// A text is known by a 128-bit keyed hash and its length, never by its
// bytes: the cache holds no prompt text. The two hash seeds are drawn at
// random when the process starts, so nobody can aim a collision at an
// entry they cannot see; an accidental one is a 2^-128 event.
//
// The cache is a sharded CLOCK: bounded, safe for concurrent use, and an
// entry that keeps being read (a live conversation's turns) survives the
// hand's passing once.
package segcache

import (
	"hash/maphash"
	"sync"
)

var seed1, seed2 = maphash.MakeSeed(), maphash.MakeSeed()

// Key identifies a text and what it was seen as (Tag: e.g. its trust and
// kind, when the fact depends on them).
type Key struct {
	h1, h2 uint64
	n      int
	Tag    uint32
}

// KeyOf returns the key of text s with the given tag.
func KeyOf(s string, tag uint32) Key {
	return Key{h1: maphash.String(seed1, s), h2: maphash.String(seed2, s), n: len(s), Tag: tag}
}

const shards = 16

// Cache maps keys to values of type V. Values are shared between readers
// and must not be modified once Put.
type Cache[V any] struct {
	shards   [shards]shard[V]
	perShard int
}

type shard[V any] struct {
	mu    sync.Mutex
	index map[Key]int
	ring  []entry[V]
	hand  int
}

type entry[V any] struct {
	key        Key
	val        V
	referenced bool
}

// New returns a cache of about entries entries, or nil (a cache that
// holds nothing) when entries <= 0.
func New[V any](entries int) *Cache[V] {
	if entries <= 0 {
		return nil
	}
	c := &Cache[V]{perShard: max(1, (entries+shards-1)/shards)}
	for i := range c.shards {
		c.shards[i].index = make(map[Key]int)
	}
	return c
}

// Get returns the value stored under k.
func (c *Cache[V]) Get(k Key) (v V, ok bool) {
	if c == nil {
		return v, false
	}
	sh := &c.shards[k.h1%shards]
	sh.mu.Lock()
	if i, found := sh.index[k]; found {
		e := &sh.ring[i]
		e.referenced = true
		v, ok = e.val, true
	}
	sh.mu.Unlock()
	return v, ok
}

// Put stores v under k, evicting the first unreferenced entry of the
// shard when it is full. A key already present keeps its value: two
// requests that analysed the same text concurrently found the same thing.
func (c *Cache[V]) Put(k Key, v V) {
	if c == nil {
		return
	}
	sh := &c.shards[k.h1%shards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.index[k]; ok {
		return
	}
	if len(sh.ring) < c.perShard {
		sh.index[k] = len(sh.ring)
		sh.ring = append(sh.ring, entry[V]{key: k, val: v})
		return
	}
	for sh.ring[sh.hand].referenced {
		sh.ring[sh.hand].referenced = false
		sh.hand = (sh.hand + 1) % len(sh.ring)
	}
	victim := &sh.ring[sh.hand]
	delete(sh.index, victim.key)
	*victim = entry[V]{key: k, val: v}
	sh.index[k] = sh.hand
	sh.hand = (sh.hand + 1) % len(sh.ring)
}

// Len returns the number of entries held.
func (c *Cache[V]) Len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.index)
		sh.mu.Unlock()
	}
	return n
}
