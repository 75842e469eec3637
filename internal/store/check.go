package store

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"tocsin/internal/sigma"
	"unicode/utf8"
)

// Page sizes and how deep Offset may go.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	// MaxOffset bounds the work of one page: a store reads Offset+Limit
	// items to return Limit of them. AfterID pages without that cost.
	MaxOffset = 100_000
)

// Alert kinds.
const (
	KindDetection   = "detection"
	KindCorrelation = "correlation"
)

// LevelRank orders alert levels as Sigma does (sigma.LevelRank).
func LevelRank(level string) (rank int, ok bool) { return sigma.LevelRank(level) }

// Normalize checks q and fills its defaults: Limit 0 becomes DefaultLimit,
// a Limit over MaxLimit becomes MaxLimit, and strings go through CleanText
// as stored ones do (a tenant listed twice counts once). It returns ErrInvalid,
// naming the field, for a negative Limit, Offset or AfterID, an Offset over
// MaxOffset, an unknown Level, or a To before From.
func (q Query) Normalize() (Query, error) {
	switch {
	case q.Limit < 0:
		return q, fmt.Errorf("%w: limit %d is negative", ErrInvalid, q.Limit)
	case q.Offset < 0:
		return q, fmt.Errorf("%w: offset %d is negative", ErrInvalid, q.Offset)
	case q.Offset > MaxOffset:
		return q, fmt.Errorf("%w: offset %d is over %d (page with after_id instead)", ErrInvalid, q.Offset, MaxOffset)
	case q.AfterID < 0:
		return q, fmt.Errorf("%w: after_id %d is negative", ErrInvalid, q.AfterID)
	case !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From):
		return q, fmt.Errorf("%w: to %s is before from %s", ErrInvalid, q.To.Format(time.RFC3339Nano), q.From.Format(time.RFC3339Nano))
	}
	if _, ok := LevelRank(q.Level); !ok {
		return q, fmt.Errorf("%w: level %q is not informational, low, medium, high or critical", ErrInvalid, q.Level)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	// Match what Write stores.
	if q.Tenants != nil {
		clean := make([]string, 0, len(q.Tenants))
		for _, t := range q.Tenants {
			if t = CleanText(t); !slices.Contains(clean, t) {
				clean = append(clean, t)
			}
		}
		q.Tenants = clean
	}
	q.SrcIP, q.Rule = CleanText(q.SrcIP), CleanText(q.Rule)
	q.Limit = min(q.Limit, MaxLimit)
	return q, nil
}

// TimeBounds returns the query's time range in Unix nanoseconds: events
// match when bounded is false, or when ts != 0 and from <= ts < to.
func (q Query) TimeBounds() (from, to int64, bounded bool) {
	from, to = math.MinInt64, math.MaxInt64
	if !q.From.IsZero() {
		from, bounded = clampNanos(q.From), true
	}
	if !q.To.IsZero() {
		to, bounded = clampNanos(q.To), true
	}
	return from, to, bounded
}

// Validate reports the first thing Write would refuse in b, as ErrInvalid
// naming the item and field: an event or alert without a tenant, an alert
// of an unknown kind or level or with a negative count, an EventIdx entry
// out of range or pointing at another tenant's event, an offset without a
// key or with a negative value.
func (b *Batch) Validate() error {
	if b == nil {
		return fmt.Errorf("%w: nil batch", ErrInvalid)
	}
	for i := range b.Events {
		if b.Events[i].Tenant == "" {
			return fmt.Errorf("%w: events[%d].Tenant is empty", ErrInvalid, i)
		}
	}
	if len(b.EventIdx) > len(b.Alerts) {
		return fmt.Errorf("%w: %d EventIdx entries for %d alerts", ErrInvalid, len(b.EventIdx), len(b.Alerts))
	}
	for i := range b.Alerts {
		a := &b.Alerts[i]
		switch {
		case a.Tenant == "":
			return fmt.Errorf("%w: alerts[%d].Tenant is empty", ErrInvalid, i)
		case a.Kind != KindDetection && a.Kind != KindCorrelation:
			return fmt.Errorf("%w: alerts[%d].Kind %q is not detection or correlation", ErrInvalid, i, a.Kind)
		case a.Count < 0:
			return fmt.Errorf("%w: alerts[%d].Count %d is negative", ErrInvalid, i, a.Count)
		}
		if _, ok := LevelRank(a.Level); !ok {
			return fmt.Errorf("%w: alerts[%d].Level %q is not informational, low, medium, high or critical", ErrInvalid, i, a.Level)
		}
		if i >= len(b.EventIdx) {
			continue
		}
		for j, k := range b.EventIdx[i] {
			if k < 0 || k >= len(b.Events) {
				return fmt.Errorf("%w: EventIdx[%d][%d] = %d is outside the batch's %d events", ErrInvalid, i, j, k, len(b.Events))
			}
			if b.Events[k].Tenant != a.Tenant {
				return fmt.Errorf("%w: EventIdx[%d][%d]: alert of tenant %q refers to an event of tenant %q", ErrInvalid, i, j, a.Tenant, b.Events[k].Tenant)
			}
		}
	}
	for k, v := range b.Offsets {
		if k == "" {
			return fmt.Errorf("%w: an offset with an empty key", ErrInvalid)
		}
		if v < 0 {
			return fmt.Errorf("%w: offset %q = %d is negative", ErrInvalid, k, v)
		}
	}
	return nil
}

// The range of Unix seconds whose nanoseconds an int64 holds, kept one
// second inside the edges.
const (
	minUnix = math.MinInt64/int64(time.Second) + 1
	maxUnix = math.MaxInt64/int64(time.Second) - 1
)

// Nanos is how stores keep a time: Unix nanoseconds, 0 for the zero time
// and for a time an int64 cannot hold (see Event.Time).
func Nanos(t time.Time) int64 {
	if sec := t.Unix(); t.IsZero() || sec < minUnix || sec > maxUnix {
		return 0
	}
	return t.UnixNano()
}

// Time is the inverse of Nanos, in UTC.
func Time(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// clampNanos is Nanos for query bounds: out of range goes to the edge.
func clampNanos(t time.Time) int64 {
	switch sec := t.Unix(); {
	case sec < minUnix:
		return math.MinInt64
	case sec > maxUnix:
		return math.MaxInt64
	}
	return t.UnixNano()
}

// CleanText returns s as valid UTF-8 without NUL bytes: invalid bytes
// become U+FFFD and NULs are dropped. It returns s itself, without
// allocating, when s is already clean.
func CleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
