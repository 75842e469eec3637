// Package ingesttest holds what the tests of the ingest sources share: a
// recording Sink, a counting sink for benchmarks, a throwaway PKI and a
// runner for a real rsyslogd.
package ingesttest

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tocsin/internal/ingest"
)

// WaitTimeout bounds every wait of this package: long enough for a slow,
// shared machine, short enough that a lost message fails the test.
const WaitTimeout = 60 * time.Second

// Sink records every message it is given. The zero value acknowledges
// each batch at once (Done(nil)).
type Sink struct {
	// Hold keeps batches pending: Done is not called; the test finds them
	// with Pending and finishes them with Finish.
	Hold bool
	// Fail, when set, is asked about each batch (numbered from 0 in
	// submission order); a non-nil error is passed to Done and the
	// messages are not recorded, as a store that failed would not keep them.
	Fail func(n int, b *ingest.Batch) error

	full atomic.Bool

	mu      sync.Mutex
	msgs    []ingest.Message
	batches int
	pending []*ingest.Batch
	changed chan struct{} // closed and replaced on every change
}

// SetFull makes TrySubmit answer ErrFull (true) or accept again (false).
func (s *Sink) SetFull(full bool) { s.full.Store(full) }

// Submit records b; it never blocks.
func (s *Sink) Submit(ctx context.Context, b *ingest.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.take(b)
	return nil
}

// TrySubmit records b unless SetFull(true) was called.
func (s *Sink) TrySubmit(b *ingest.Batch) error {
	if s.full.Load() {
		return ingest.ErrFull
	}
	s.take(b)
	return nil
}

func (s *Sink) take(b *ingest.Batch) {
	s.mu.Lock()
	n := s.batches
	s.batches++
	var err error
	if s.Fail != nil {
		err = s.Fail(n, b)
	}
	if err == nil {
		s.msgs = append(s.msgs, b.Msgs...)
	}
	hold := s.Hold && err == nil
	if hold {
		s.pending = append(s.pending, b)
	}
	s.notifyLocked()
	s.mu.Unlock()
	if !hold {
		Finish(b, err)
	}
}

func (s *Sink) notifyLocked() {
	if s.changed != nil {
		close(s.changed)
	}
	s.changed = make(chan struct{})
}

// Logger is a logger that writes into the test's log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// Finish calls b.Done(err) when b has a Done.
func Finish(b *ingest.Batch, err error) {
	if b.Done != nil {
		b.Done(err)
	}
}

// Messages returns a copy of what was recorded, in submission order.
func (s *Sink) Messages() []ingest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// Len is the number of recorded messages.
func (s *Sink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Batches is the number of batches submitted, failed ones included.
func (s *Sink) Batches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batches
}

// Pending returns the held batches not yet taken by TakePending, oldest first.
func (s *Sink) Pending() []*ingest.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pending)
}

// TakePending returns the held batches and forgets them.
func (s *Sink) TakePending() []*ingest.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending
	s.pending = nil
	return p
}

// WaitMessages waits until at least n messages were recorded and returns
// them; the test fails after WaitTimeout.
func (s *Sink) WaitMessages(t testing.TB, n int) []ingest.Message {
	t.Helper()
	s.wait(t, func() bool { return len(s.msgs) >= n }, "%d messages", n)
	return s.Messages()
}

// Await waits up to timeout for at least n messages and returns what was
// recorded, and whether there were n: for tests that explain a shortfall.
func (s *Sink) Await(n int, timeout time.Duration) ([]ingest.Message, bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			s.mu.Unlock()
			return s.Messages(), true
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			return s.Messages(), false
		}
	}
}

// WaitPending waits until at least n batches are held.
func (s *Sink) WaitPending(t testing.TB, n int) []*ingest.Batch {
	t.Helper()
	s.wait(t, func() bool { return len(s.pending) >= n }, "%d pending batches", n)
	return s.Pending()
}

// WaitBatches waits until at least n batches were submitted.
func (s *Sink) WaitBatches(t testing.TB, n int) {
	t.Helper()
	s.wait(t, func() bool { return s.batches >= n }, "%d batches", n)
}

// wait polls nothing: it sleeps on the change channel until cond (called
// with s.mu held) holds.
func (s *Sink) wait(t testing.TB, cond func() bool, what string, args ...any) {
	t.Helper()
	timer := time.NewTimer(WaitTimeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		got, held := len(s.msgs), len(s.pending)
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("waiting for "+what+": got %d messages, %d pending batches after %s", append(args, got, held, WaitTimeout)...)
		}
	}
}

// Counter is a sink that only counts messages and acknowledges at once,
// for benchmarks. Reset it with Expect before each run.
type Counter struct {
	n      atomic.Int64
	target atomic.Int64
	mu     sync.Mutex
	done   chan struct{}
}

// Expect resets the count and arms Reached for n messages.
func (c *Counter) Expect(n int64) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n.Store(0)
	c.target.Store(n)
	c.done = make(chan struct{})
	return c.done
}

// Count is the number of messages since Expect.
func (c *Counter) Count() int64 { return c.n.Load() }

// Submit counts b.
func (c *Counter) Submit(ctx context.Context, b *ingest.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.add(b)
	return nil
}

// TrySubmit counts b.
func (c *Counter) TrySubmit(b *ingest.Batch) error {
	c.add(b)
	return nil
}

func (c *Counter) add(b *ingest.Batch) {
	k := int64(len(b.Msgs))
	if n := c.n.Add(k); n >= c.target.Load() && n-k < c.target.Load() {
		c.mu.Lock()
		close(c.done)
		c.mu.Unlock()
	}
	Finish(b, nil)
}

// Run runs a source with sink until the returned stop is called or the
// test ends; stop waits for the source to return.
func Run(t testing.TB, src ingest.Source, sink ingest.Sink) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := src.Run(ctx, sink); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}
