package dispatch

import (
	"context"
	"slices"
	"sync"
	"time"

	"tocsin/internal/notify"
)

// Audit keeps the trail of every notification attempt and its outcome.
// Record is called from the groups' goroutines; an implementation backed
// by a store should be quick or buffer. A Record error is logged, never
// blocks delivery.
type Audit interface {
	Record(ctx context.Context, e Entry) error
}

// Outcome is what became of an attempt.
type Outcome string

// Outcomes.
const (
	Sent       Outcome = "sent"       // the receiver accepted the message
	Failed     Outcome = "failed"     // an attempt failed; another follows after Entry.RetryIn
	GaveUp     Outcome = "gave_up"    // permanent error or retry deadline reached
	Silenced   Outcome = "silenced"   // muted by a silence; not sent
	Superseded Outcome = "superseded" // an urgent change replaced the message while it waited to retry
	Canceled   Outcome = "canceled"   // the dispatcher stopped
)

// Entry is one line of the audit trail. Error never holds a secret.
type Entry struct {
	Time         time.Time
	Outcome      Outcome
	Receiver     string
	GroupKey     string
	MessageID    string
	Reason       string // first, updated, resolved, repeat
	Status       notify.Status
	Subject      string
	Attempt      int
	RetryIn      time.Duration
	Error        string
	Fingerprints []string // the notifications' keys
	Tenants      []string // "" is the platform
	Level        notify.Level
	SilenceID    string
}

// MemoryAudit keeps entries in memory, for tests and for a server that
// has nothing better.
type MemoryAudit struct {
	mu      sync.Mutex
	entries []Entry
	changed chan struct{}
}

// NewMemoryAudit returns an empty trail.
func NewMemoryAudit() *MemoryAudit { return &MemoryAudit{changed: make(chan struct{})} }

// Record appends e.
func (a *MemoryAudit) Record(_ context.Context, e Entry) error {
	a.mu.Lock()
	a.entries = append(a.entries, e)
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	return nil
}

// Entries returns a copy of the trail.
func (a *MemoryAudit) Entries() []Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.entries)
}

// Wait blocks until cond holds for the trail or ctx ends.
func (a *MemoryAudit) Wait(ctx context.Context, cond func([]Entry) bool) error {
	for {
		a.mu.Lock()
		ok, ch := cond(a.entries), a.changed
		a.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
