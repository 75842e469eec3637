package filesrc

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tocsin/internal/ingest/ingesttest"
)

// BenchmarkTail reads a file of b.N sshd lines (~110 bytes) into a sink
// that only counts.
func BenchmarkTail(b *testing.B) {
	path := filepath.Join(b.TempDir(), "auth.log")
	ingesttest.AppendLines(b, path, "Nov 26 10:00:01 web01", 0, b.N)
	tl, err := NewTail(TailConfig{Paths: []string{path}, PollInterval: time.Millisecond, Logger: ingesttest.Logger(b)})
	if err != nil {
		b.Fatal(err)
	}
	var sink ingesttest.Counter
	reached := sink.Expect(int64(b.N))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	wg.Go(func() { _ = tl.Run(ctx, &sink) })
	<-reached
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "lines/s")
	b.StopTimer()
	cancel()
	wg.Wait()
}
