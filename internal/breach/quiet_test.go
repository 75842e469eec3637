package breach

import (
	"fmt"
	"hash/maphash"
	"testing"
)

// TestQuietCache: a column whose values repeat keeps its cache and finds
// them; one whose values do not gives it up after the trial.
func TestQuietCache(t *testing.T) {
	seeds := [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	tests := []struct {
		name    string
		value   func(i int) string
		wantOff bool
	}{
		{"statuses", func(i int) string { return []string{"payée", "livrée", "annulée"}[i%3] }, false},
		{"order numbers", func(i int) string { return fmt.Sprintf("CMD-%07d", i) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var q quietCache
			hits := 0
			for i := 0; i < 3*quietTrial; i++ {
				if !q.wanted() {
					continue
				}
				k := newQuietKey(&seeds, []byte(tc.value(i)))
				if q.has(k) {
					hits++
					continue
				}
				q.add(k)
			}
			if q.off != tc.wantOff {
				t.Fatalf("off %v, want %v", q.off, tc.wantOff)
			}
			if !tc.wantOff && hits < 3*quietTrial-3 {
				t.Fatalf("%d hits", hits)
			}
		})
	}
	// Two values never share a key.
	a, b := newQuietKey(&seeds, []byte("a")), newQuietKey(&seeds, []byte("b"))
	if a == b || a[0] == 0 {
		t.Fatal("keys")
	}
}
