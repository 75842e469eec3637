// Package notifytest holds what the notification tests share: a fake
// clock, a recording receiver, a minimal Matrix homeserver and an SMTP
// server with STARTTLS and AUTH PLAIN, both real servers on loopback.
package notifytest

import (
	"context"
	"sort"
	"sync"
	"time"

	"tocsin/internal/notify"
)

// FakeClock is a notify.Clock that moves only when told, so timing
// semantics are tested without sleeping.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	armed   map[*fakeTimer]struct{}
	changed chan struct{}
}

// NewFakeClock starts at t.
func NewFakeClock(t time.Time) *FakeClock {
	return &FakeClock{now: t, armed: map[*fakeTimer]struct{}{}, changed: make(chan struct{})}
}

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer firing when the clock reaches now+d.
func (c *FakeClock) NewTimer(d time.Duration) notify.Timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// Advance moves the clock by d, firing the timers due, earliest first.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	for t := range c.armed {
		if !t.at.After(c.now) {
			due = append(due, t)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, t := range due {
		delete(c.armed, t)
		t.ch <- c.now // cap 1, drained on every Reset and Stop
	}
	c.signal()
}

// Armed returns how many timers wait to fire.
func (c *FakeClock) Armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.armed)
}

// BlockUntil waits until exactly n timers are armed: the goroutines
// under test have reached their waits.
func (c *FakeClock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		ok, ch := len(c.armed) == n, c.changed
		c.mu.Unlock()
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

func (c *FakeClock) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

type fakeTimer struct {
	c  *FakeClock
	ch chan time.Time
	at time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Reset(d time.Duration) bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	_, was := c.armed[t]
	t.drain()
	t.at = c.now.Add(d)
	if d <= 0 {
		delete(c.armed, t)
		t.ch <- c.now
	} else {
		c.armed[t] = struct{}{}
	}
	c.signal()
	return was
}

func (t *fakeTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	_, was := c.armed[t]
	delete(c.armed, t)
	t.drain()
	c.signal()
	return was
}

func (t *fakeTimer) drain() {
	select {
	case <-t.ch:
	default:
	}
}
