package breach

import (
	"fmt"
	"math/rand"
	"testing"
)

// randomHashes returns n random non-zero hashes.
func randomHashes(r *rand.Rand, n int) []uint64 {
	h := make([]uint64, n)
	for i := range h {
		h[i] = r.Uint64() | 1
	}
	return h
}

// TestHashSetInsert: a batch inserted at once, once the table has room
// for it, gives the set and the count of new hashes that adding them one
// by one gives, across growth, with repeats inside and across batches.
func TestHashSetInsert(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	pool := randomHashes(r, 20000)
	var all, one hashSet
	var buckets [1 << bucketBits]int32
	var order []uint64
	for _, n := range []int{0, 1, 10, 100, 5000, 30000} {
		batch := make([]uint64, n)
		for i := range batch {
			batch[i] = pool[r.Intn(len(pool))]
		}
		order = byTopBits(order, batch, &buckets)
		want := 0
		for _, x := range order {
			if one.add(x) {
				want++
			}
		}
		all.reserve(len(order))
		if got := all.insert(order); got != want {
			t.Fatalf("batch of %d: %d new, want %d", n, got, want)
		}
		if all.len() != one.len() {
			t.Fatalf("batch of %d: %d hashes, want %d", n, all.len(), one.len())
		}
	}
	for _, x := range pool {
		if all.has(x) != one.has(x) {
			t.Fatalf("%x: has %v, want %v", x, all.has(x), one.has(x))
		}
	}
}

// TestDistinctAddAll: a batch counts as its hashes added one by one, in
// the budget and past it, and never overspends the budget.
func TestDistinctAddAll(t *testing.T) {
	tests := []struct {
		name          string
		batch, budget int
		exact         bool
	}{
		{"in budget", 4000, 1 << 20, true},
		{"past budget", 4000, 10000, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(6))
			pool := randomHashes(r, 30000)
			var buckets [1 << bucketBits]int32
			var order []uint64
			var all, one distinct
			ball, bone := &budget{max: tc.budget}, &budget{max: tc.budget}
			for range 10 {
				batch := make([]uint64, tc.batch)
				for i := range batch {
					batch[i] = pool[r.Intn(len(pool))] // repeats
				}
				order = byTopBits(order, batch, &buckets)
				all.addAll(order, ball, 0)
				for _, x := range order {
					one.add(x, bone)
				}
				if ball.used > tc.budget {
					t.Fatalf("budget %d overspent: %d", tc.budget, ball.used)
				}
			}
			got, exact := all.count()
			want, _ := one.count()
			if exact != tc.exact || got != want {
				t.Fatalf("%d distinct (exact %v), want %d (exact %v)", got, exact, want, tc.exact)
			}
		})
	}
}

// TestHashIndexGetOrPut: getOrPut finds what it put, and puts only what
// it does not find.
func TestHashIndexGetOrPut(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	var m hashIndex
	ref := map[uint64]int32{}
	for i := 0; i < 50000; i++ {
		x := uint64(r.Intn(20000))<<32 | 1
		want, dup := ref[x]
		got, added := m.getOrPut(x, int32(i))
		if added == dup || dup && got != want || !dup && got != int32(i) {
			t.Fatalf("getOrPut(%x) = %d %v; had %d %v", x, got, added, want, dup)
		}
		if !dup {
			ref[x] = int32(i)
		}
	}
	if m.len() != len(ref) {
		t.Fatalf("%d keys, want %d", m.len(), len(ref))
	}
}

// TestHashIndexReserveOnce: reserve grows to the size it needs in one
// move, keeping every key and its index.
func TestHashIndexReserveOnce(t *testing.T) {
	var m hashIndex
	for i := uint64(1); i <= 1000; i++ {
		m.put(i*0x9E3779B97F4A7C15|1, int32(i))
	}
	m.reserve(100000)
	if want := 1 << 18; len(m.keys) != want { // 101,000 keys at three quarters
		t.Fatalf("%d slots after reserve, want %d", len(m.keys), want)
	}
	for i := uint64(1); i <= 1000; i++ {
		if v, ok := m.get(i*0x9E3779B97F4A7C15 | 1); !ok || v != int32(i) {
			t.Fatalf("key %d: %d %v", i, v, ok)
		}
	}
}

// TestDistinctPresize: a distinct set that must grow grows at once to
// the hashes the input projects, within the budget, in one move however
// many times it doubles, and counts what a set that doubles counts.
func TestDistinctPresize(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	hashes := randomHashes(r, 240000)
	var buckets [1 << bucketBits]int32
	var order []uint64
	for _, expect := range []int{0, 240000, 1 << 30} {
		t.Run(fmt.Sprint(expect), func(t *testing.T) {
			var doubling, presized distinct
			b1, b2 := &budget{max: 1 << 20}, &budget{max: 1 << 20}
			sizes := map[int]bool{}
			for start := 0; start < len(hashes); start += 8192 {
				order = byTopBits(order, hashes[start:min(start+8192, len(hashes))], &buckets)
				doubling.addAll(order, b1, 0)
				presized.addAll(order, b2, expect)
				sizes[len(presized.exact.slots)] = true
			}
			w, we := doubling.count()
			if p, pe := presized.count(); p != w || pe != we || w != int64(len(hashes)) {
				t.Fatalf("presized: %d distinct (exact %v), doubling: %d (%v), want %d", p, pe, w, we, len(hashes))
			}
			// Doubling, the set takes six sizes from 16,384 slots to
			// 524,288; presized, it jumps to its projection at once.
			checkPresized(t, expect, len(presized.exact.slots), len(doubling.exact.slots), sizes)
		})
	}
}

// TestHashSetReserveOnce: reserve grows to the size it needs in one move,
// keeping every hash.
func TestHashSetReserveOnce(t *testing.T) {
	var s hashSet
	for i := uint64(1); i <= 1000; i++ {
		s.add(i*0x9E3779B97F4A7C15 | 1)
	}
	s.reserve(100000)
	if want := 1 << 18; len(s.slots) != want || s.len() != 1000 { // 101,000 hashes at three quarters
		t.Fatalf("%d slots and %d hashes after reserve, want %d and 1000", len(s.slots), s.len(), want)
	}
	for i := uint64(1); i <= 1000; i++ {
		if !s.has(i*0x9E3779B97F4A7C15 | 1) {
			t.Fatalf("hash %d lost", i)
		}
	}
}

// TestDistinctExpect: the distinct hashes an input projects follow the
// share of new ones: values that never repeat project as many as the
// values, values drawn from a thousand project a few thousand at most.
func TestDistinctExpect(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	var unique, repeated distinct
	b := &budget{max: 1 << 20}
	var buckets [1 << bucketBits]int32
	var order []uint64
	if got := unique.expect(100000); got != 0 {
		t.Fatalf("nothing met yet: expect %d", got)
	}
	for range 4 {
		batch := randomHashes(r, 8192)
		order = byTopBits(order, batch, &buckets)
		unique.addAll(order, b, 0)
		for i := range batch {
			batch[i] = uint64(r.Intn(1000))<<1 | 1
		}
		order = byTopBits(order, batch, &buckets)
		repeated.addAll(order, b, 0)
	}
	if got := unique.expect(1 << 20); got != 1<<20 {
		t.Fatalf("values that never repeat: expect %d of %d", got, 1<<20)
	}
	if got := repeated.expect(1 << 20); got < 1000 || got > 40000 {
		t.Fatalf("values from a thousand: expect %d of %d", got, 1<<20)
	}
}

// checkPresized checks a table presized for expect keys (0: none): of
// final slots, the size a doubling table reached if expect is 0, else
// one size taken, within the budget of 1 << 20 keys of the tests.
func checkPresized(t *testing.T, expect, final, doubling int, sizes map[int]bool) {
	t.Helper()
	switch {
	case expect == 0 && final != doubling:
		t.Fatalf("no projection: %d slots, doubling %d", final, doubling)
	case expect > 0 && len(sizes) > 1:
		t.Fatalf("projected %d: the table took %d sizes", expect, len(sizes))
	case final > 1<<21:
		t.Fatalf("projected %d: %d slots, past the budget's", expect, final)
	}
}
