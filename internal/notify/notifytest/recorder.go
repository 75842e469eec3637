package notifytest

import (
	"context"
	"sync"

	"tocsin/internal/notify"
)

// Recorder is a Receiver that keeps what it is sent, for the dispatcher's
// tests of grouping and timing. Fail, when set, decides each attempt's
// outcome (attempt counts from 1 over the recorder's life).
type Recorder struct {
	name string
	ch   chan notify.Message

	mu       sync.Mutex
	attempts int
	Fail     func(attempt int, m notify.Message) error
}

// NewRecorder returns a recorder named name.
func NewRecorder(name string) *Recorder {
	return &Recorder{name: name, ch: make(chan notify.Message, 1024)}
}

// Name returns the name.
func (r *Recorder) Name() string { return r.name }

// Send records m unless Fail says otherwise.
func (r *Recorder) Send(ctx context.Context, m notify.Message) error {
	r.mu.Lock()
	r.attempts++
	n, fail := r.attempts, r.Fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(n, m); err != nil {
			return err
		}
	}
	select {
	case r.ch <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Next returns the next message delivered, or ctx's error.
func (r *Recorder) Next(ctx context.Context) (notify.Message, error) {
	select {
	case m := <-r.ch:
		return m, nil
	case <-ctx.Done():
		return notify.Message{}, ctx.Err()
	}
}

// Pending returns how many delivered messages have not been read by Next.
func (r *Recorder) Pending() int { return len(r.ch) }
