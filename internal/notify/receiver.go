package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Receiver delivers messages to one destination. Send is called from one
// goroutine per receiver and group at a time, and again with the same
// Message when it returned a temporary error.
type Receiver interface {
	Name() string
	Send(ctx context.Context, m Message) error
}

// ErrPermanent marks a failure that retrying cannot fix (a 4xx answer, a
// refused recipient): the dispatcher gives up at once.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error {
	if err == nil || errors.Is(err, ErrPermanent) {
		return err
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

// RetryAfterError is a temporary failure whose server said when to come
// back (HTTP 429 Retry-After, Matrix M_LIMIT_EXCEEDED retry_after_ms).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %v)", e.Err, e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }
