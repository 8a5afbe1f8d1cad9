package httpapi

import (
	"testing"
	"time"
)

func TestRecent(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	r := newRecent[int](time.Minute, 3)

	if !r.add("a", 1, t0) {
		t.Fatal("first add of a not new")
	}
	if r.add("a", 2, t0.Add(time.Second)) {
		t.Fatal("second add of a within the window reported new")
	}
	if v, ok := r.get("a", t0.Add(time.Second)); !ok || v != 1 {
		t.Fatalf("get a = %d, %v; want the first value", v, ok)
	}
	if _, ok := r.get("a", t0.Add(time.Minute)); ok {
		t.Fatal("a still remembered after the window")
	}
	if !r.add("a", 3, t0.Add(time.Minute)) {
		t.Fatal("a not new again after the window")
	}

	t.Run("bound", func(t *testing.T) {
		r := newRecent[int](time.Hour, 3)
		for i, k := range []string{"a", "b", "c", "d"} {
			r.add(k, i, t0.Add(time.Duration(i)*time.Second))
		}
		if r.len() != 3 {
			t.Fatalf("len = %d, want the bound 3", r.len())
		}
		if _, ok := r.get("a", t0.Add(5*time.Second)); ok {
			t.Error("oldest key kept past the bound")
		}
		if _, ok := r.get("d", t0.Add(5*time.Second)); !ok {
			t.Error("newest key dropped")
		}
	})
	t.Run("remove_then_add", func(t *testing.T) {
		r := newRecent[int](time.Minute, 10)
		r.add("a", 1, t0)
		r.remove("a")
		if !r.add("a", 2, t0.Add(30*time.Second)) {
			t.Fatal("a not new after remove")
		}
		// The FIFO slot of the first add expires at t0+1m; it must not
		// evict the second entry, which lives until t0+1m30s.
		r.add("z", 0, t0.Add(61*time.Second))
		if v, ok := r.get("a", t0.Add(61*time.Second)); !ok || v != 2 {
			t.Fatalf("re-added key evicted by its old slot: %d %v", v, ok)
		}
	})
	t.Run("set_replaces", func(t *testing.T) {
		r := newRecent[int](time.Minute, 10)
		r.set("a", 1, t0)
		r.set("a", 2, t0.Add(time.Second))
		if v, _ := r.get("a", t0.Add(2*time.Second)); v != 2 {
			t.Fatalf("get = %d, want 2", v)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		r := newRecent[int](0, 10)
		first, again := r.add("a", 1, t0), r.add("a", 1, t0)
		if !first || !again {
			t.Fatal("a zero window must remember nothing")
		}
	})
	t.Run("fifo_compacts", func(t *testing.T) {
		r := newRecent[int](time.Second, 1000)
		for i := range 10_000 {
			r.add(itoa(int64(i)), i, t0.Add(time.Duration(i)*time.Millisecond))
		}
		if len(r.fifo) > 2*1000+2 {
			t.Fatalf("fifo holds %d slots for %d live keys", len(r.fifo), r.len())
		}
	})
}
