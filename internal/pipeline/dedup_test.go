package pipeline

import (
	"math/rand/v2"
	"testing"
)

// The set agrees with a map of the last n ids over a long random stream
// with many repeats and evictions.
func TestDedupSet(t *testing.T) {
	for _, n := range []int{1, 3, 64, 1000} {
		d := newDedupSet(n)
		var order []uint64
		ref := map[uint64]bool{}
		r := rand.New(rand.NewPCG(1, uint64(n)))
		for i := 0; i < 200*n+2000; i++ {
			// Small ids collide in the table; repeats exercise Has.
			id := uint64(r.IntN(3*n+5)) + 1
			if r.IntN(4) == 0 {
				id = r.Uint64() | 1
			}
			if got, want := d.Has(id), ref[id]; got != want {
				t.Fatalf("n=%d step %d: Has(%d)=%v want %v", n, i, id, got, want)
			}
			if !ref[id] {
				order = append(order, id)
				ref[id] = true
				if len(order) > n {
					delete(ref, order[0])
					order = order[1:]
				}
			}
			d.Add(id)
		}
		for id := range ref {
			if !d.Has(id) {
				t.Fatalf("n=%d: lost %d", n, id)
			}
		}
	}
	if newDedupSet(4).Has(0) {
		t.Error("0 is never remembered")
	}
}

func BenchmarkDedupSet(b *testing.B) {
	d := newDedupSet(1 << 20)
	b.ReportAllocs()
	id := uint64(1)
	for b.Loop() {
		id = id*6364136223846793005 + 1442695040888963407
		if !d.Has(id) {
			d.Add(id)
		}
	}
}
