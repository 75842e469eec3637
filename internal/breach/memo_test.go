package breach

import (
	"strconv"
	"testing"
)

// TestMemo: a header is read once, and past memoMax headers the answers
// stay right though they are no longer kept.
func TestMemo(t *testing.T) {
	var m memo[int]
	calls := 0
	f := func(k string) int { calls++; n, _ := strconv.Atoi(k); return n * 2 }
	for range 3 {
		if got := m.get("21", f); got != 42 {
			t.Fatalf("get = %d", got)
		}
	}
	if calls != 1 {
		t.Fatalf("%d calls for one header", calls)
	}
	for i := range memoMax + 10 {
		if got := m.get(strconv.Itoa(i), f); got != 2*i {
			t.Fatalf("get(%d) = %d", i, got)
		}
	}
	if len(m.m) != memoMax {
		t.Fatalf("%d headers kept, want %d", len(m.m), memoMax)
	}
}
