package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tocsin/internal/store"
	"tocsin/internal/store/storetest"
)

// opener opens one database file per test, the same file again when a
// test reopens it.
func opener(t *testing.T, opts ...Option) storetest.Opener {
	var mu sync.Mutex
	paths := map[string]string{}
	return func(t *testing.T) store.Store {
		mu.Lock()
		path, ok := paths[t.Name()]
		if !ok {
			path = filepath.Join(t.TempDir(), "tocsin.db")
			paths[t.Name()] = path
		}
		mu.Unlock()
		s, err := Open(context.Background(), path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, opener(t))
}

// merging is a store that merges small blocks after every Write, with
// thresholds small enough that the suite's batches reach them: every test
// of the suite then also reads merged blocks and prunes inside them.
type merging struct{ *Store }

func (m merging) Write(ctx context.Context, b *store.Batch) error {
	if err := m.Store.Write(ctx, b); err != nil {
		return err
	}
	// The Write is stored: a cancelled ctx must not turn it into an error.
	_, err := m.Compact(context.WithoutCancel(ctx))
	return err
}

func TestConformanceMerging(t *testing.T) {
	open := opener(t, func(o *options) { o.tiers, o.mergedMax = []int{5, 40}, 250 })
	storetest.Run(t, func(t *testing.T) store.Store { return merging{open(t).(*Store)} })
}

func benchOpen(b *testing.B, opts ...Option) *Store {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "tocsin.db"), opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkWriteEvents: go test -run '^$' -bench WriteEvents ./internal/store/sqlite/
func BenchmarkWriteEvents(b *testing.B) {
	storetest.BenchWriteSizes(b, func(b *testing.B) store.Store { return benchOpen(b) })
	for _, size := range []int{10, 5000} {
		b.Run(fmt.Sprintf("full-sync/batch-%d", size), func(b *testing.B) { storetest.BenchWrite(b, benchOpen(b, WithFullSync()), size) })
	}
}

// BenchmarkQuery1M: go test -run '^$' -bench Query1M ./internal/store/sqlite/
func BenchmarkQuery1M(b *testing.B) {
	s := benchOpen(b)
	storetest.FillEvents(b, s, 1_000_000)
	storetest.BenchQuery(b, s, 1_000_000)
}

// BenchmarkSmallWrites: 300,000 events written 50 at a time over 20
// tenants (a lightly loaded pipeline's group commit), queried before and
// after the small blocks are merged.
// go test -run '^$' -bench SmallWrites ./internal/store/sqlite/
func BenchmarkSmallWrites(b *testing.B) {
	s := benchOpen(b)
	s.stop() // no background merging: the two halves are measured apart
	s.running.Wait()
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	all := storetest.SyslogEvents(300_000, 20, start, 5)
	t0 := time.Now()
	for i := 0; i < len(all); i += 50 {
		if err := s.Write(ctx, &store.Batch{Events: all[i : i+50]}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("written at %.0f events/s", float64(len(all))/time.Since(t0).Seconds())
	queries := func(b *testing.B) {
		var blocks int
		if err := s.r.QueryRow(`SELECT count(*) FROM event_blocks`).Scan(&blocks); err != nil {
			b.Fatal(err)
		}
		for name, q := range map[string]store.Query{
			"tenant-newest":    {Tenants: []string{"commune-03"}},
			"tenant-range-10s": {Tenants: []string{"commune-03"}, From: start.Add(100 * time.Second), To: start.Add(110 * time.Second)},
			"all-newest":       {},
		} {
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := s.Events(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(blocks), "blocks")
			})
		}
	}
	b.Run("unmerged", queries)
	t0 = time.Now()
	if _, err := s.Compact(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("merged in %v", time.Since(t0))
	b.Run("merged", queries)
}
