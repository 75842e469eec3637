package storetest

import (
	"context"
	"sync"
)

// countdown is a context that is cancelled at the n-th call of its Err
// method, so a test can cancel a Write at each point where the store
// looks at its context, one run after another.
type countdown struct {
	context.Context
	mu   sync.Mutex
	left int
	done chan struct{}
}

func newCountdown(n int) *countdown {
	return &countdown{Context: context.Background(), left: n, done: make(chan struct{})}
}

func (c *countdown) Done() <-chan struct{} { return c.done }

func (c *countdown) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left > 0 {
		c.left--
		if c.left == 0 {
			close(c.done)
		}
	}
	if c.left == 0 {
		return context.Canceled
	}
	return nil
}

// fired reports whether the countdown reached zero.
func (c *countdown) fired() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.left == 0
}
