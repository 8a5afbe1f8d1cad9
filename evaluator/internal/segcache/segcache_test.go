package segcache

import (
	"strconv"
	"sync"
	"testing"
)

func TestKeyOf(t *testing.T) {
	a, b := KeyOf("abc", 1), KeyOf("abc", 1)
	if a != b {
		t.Fatal("same text and tag, different keys")
	}
	for _, other := range []Key{KeyOf("abd", 1), KeyOf("abc", 2), KeyOf("abc ", 1), KeyOf("", 1)} {
		if other == KeyOf("abc", 1) {
			t.Fatalf("%+v collides with the key of \"abc\"/1", other)
		}
	}
}

func TestGetPut(t *testing.T) {
	c := New[int](64)
	if _, ok := c.Get(KeyOf("a", 0)); ok {
		t.Fatal("empty cache answered")
	}
	c.Put(KeyOf("a", 0), 1)
	c.Put(KeyOf("a", 0), 2) // first value stays
	if v, ok := c.Get(KeyOf("a", 0)); !ok || v != 1 {
		t.Fatalf("Get = %d, %v; want 1, true", v, ok)
	}
	if _, ok := c.Get(KeyOf("a", 1)); ok {
		t.Fatal("another tag answered")
	}
}

// TestBounded fills the cache far past its size: it holds at most what
// it may, and every answer it gives is the value put under that key.
func TestBounded(t *testing.T) {
	c := New[int](32)
	for i := range 10_000 {
		c.Put(KeyOf(strconv.Itoa(i), 0), i)
		if n := c.Len(); n > 32 {
			t.Fatalf("after %d puts the cache holds %d entries, bound 32", i+1, n)
		}
	}
	found := 0
	for i := range 10_000 {
		if v, ok := c.Get(KeyOf(strconv.Itoa(i), 0)); ok {
			found++
			if v != i {
				t.Fatalf("key %d holds %d", i, v)
			}
		}
	}
	if found == 0 || found > 32 {
		t.Fatalf("%d keys answered, want 1..32", found)
	}
}

// TestSecondChance: an entry read since the hand last passed survives
// one eviction round; one never read goes first.
func TestSecondChance(t *testing.T) {
	c := &Cache[int]{perShard: 2}
	for i := range c.shards {
		c.shards[i].index = map[Key]int{}
	}
	// Find three keys of one shard.
	var keys []Key
	for i := 0; len(keys) < 3; i++ {
		if k := KeyOf(strconv.Itoa(i), 0); k.h1%shards == 0 {
			keys = append(keys, k)
		}
	}
	c.Put(keys[0], 0)
	c.Put(keys[1], 1)
	c.Get(keys[0]) // keys[0] is in use
	c.Put(keys[2], 2)
	if _, ok := c.Get(keys[0]); !ok {
		t.Fatal("the entry in use was evicted")
	}
	if _, ok := c.Get(keys[1]); ok {
		t.Fatal("the idle entry survived")
	}
}

func TestNilCache(t *testing.T) {
	c := New[int](0)
	c.Put(KeyOf("a", 0), 1)
	if _, ok := c.Get(KeyOf("a", 0)); ok || c.Len() != 0 {
		t.Fatal("a disabled cache held an entry")
	}
}

func TestConcurrent(t *testing.T) {
	c := New[int](128)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				k := KeyOf(strconv.Itoa(i%300), 0)
				if v, ok := c.Get(k); ok && v != i%300 {
					t.Errorf("goroutine %d: key %d holds %d", g, i%300, v)
					return
				}
				c.Put(k, i%300)
			}
		})
	}
	wg.Wait()
}
