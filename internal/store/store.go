// Package store keeps events and alerts durably, per tenant, behind one
// interface with two backends: SQLite (the default, one file in the data
// folder) and PostgreSQL. The conformance suite in storetest runs against
// both.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a key or record does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalid is returned for a batch or query the store refuses (an event
// without a tenant, a negative limit, an unknown level). The message names
// the field (alerts[3].Level, limit).
var ErrInvalid = errors.New("invalid store request")

// ErrClosed is returned by a store used after Close.
var ErrClosed = errors.New("store closed")

// Event is an event as stored: the raw record and the columns the API
// filters on. Fields are not stored apart: they are decoded again from Raw
// when read, which keeps writes cheap.
type Event struct {
	ID     int64  // assigned by the store
	Tenant string // never empty
	// Time is the event time (zero when the record had none). Times are
	// kept to the nanosecond and read back in UTC; a time outside the
	// years 1678-2261 (Unix nanoseconds in an int64) is stored as none.
	Time      time.Time
	Received  time.Time // when Tocsin received it (Write sets now if zero)
	Host      string
	Transport string // udp, tcp, tls, relp, http, file
	Format    string // how Raw is to be decoded: "lines" or "jsonl"
	Product   string // logsource
	Category  string
	Service   string
	SrcIP     string
	// Raw is the record as received (a syslog line, a JSON object), kept
	// byte for byte. The other strings are stored as valid UTF-8 without
	// NUL bytes (CleanText): what PostgreSQL's text type accepts.
	Raw string
	// Dedup identifies the delivery (RELP message, HTTP batch line, file
	// offset); a retried delivery carries the same value. 0: none.
	Dedup uint64
}

// Alert is one detection or correlation result.
type Alert struct {
	ID       int64 // assigned by the store
	Tenant   string
	Kind     string    // "detection" or "correlation"
	Time     time.Time // event time: the event's, or the last event's of a correlation
	First    time.Time // correlations: first event's time; detections: == Time
	Created  time.Time // wall clock when stored (Write sets now if zero)
	RuleID   string
	Title    string
	Level    string // informational, low, medium, high, critical; "" ranks as informational
	Author   string
	Tags     []string          // read back nil when empty
	SrcIP    string            // the attacker when known (entity or group-by value)
	Entities map[string]string // detections: src_ip, user, host, ...; nil when empty
	Group    map[string]string // correlations: group-by field values; nil when empty
	Count    int               // correlations: events counted; detections: 1
	// EventIDs are the stored events behind the alert, when known. Write
	// appends the IDs that Batch.EventIdx resolves to.
	EventIDs []int64
	// Dedup makes storing the same alert twice (a replayed delivery) a
	// no-op within one tenant. 0: none.
	Dedup uint64
}

// Batch is written in one transaction: when Write returns nil, all of it
// is durable; otherwise none of it is. Validate says what Write refuses.
type Batch struct {
	Events []Event
	// Alerts may reference events of this batch by index: an alert's
	// EventIdx entries are resolved to the stored IDs of Events[i], which
	// must belong to the alert's tenant.
	Alerts   []Alert
	EventIdx [][]int // parallel to Alerts (may be nil or shorter)
	// Offsets are file-tail positions saved with the events they led to,
	// so a restart resumes exactly after the last stored line.
	Offsets map[string]int64
}

// Query filters and paginates events or alerts. Zero values do not filter.
// Normalize says what the stores refuse and what they clamp.
type Query struct {
	Tenants []string // nil: every tenant (admin); empty non-nil: none
	// From (inclusive) and To (exclusive) bound the event time (Event.Time,
	// Alert.Time). With either set, events without a time never match.
	From, To time.Time
	Rule     string // alerts: rule id or exact title (events ignore it)
	Level    string // alerts: this level or higher (events ignore it)
	SrcIP    string // exact match
	Limit    int    // 0: DefaultLimit; over MaxLimit: MaxLimit; negative: ErrInvalid
	Offset   int    // at most MaxOffset (use AfterID to go further)
	// AfterID returns items with ID > AfterID (keyset pagination); 0: off.
	// With AfterID set, items come in ID order, oldest stored first, so a
	// client follows new items by passing the last ID it has seen.
	AfterID int64
}

// Store is implemented by the SQLite and PostgreSQL backends. Methods are
// safe for concurrent use; Write calls are serialised by the caller (one
// writer goroutine) but need not be.
type Store interface {
	// Write stores a batch atomically and durably. On success it sets the
	// ID of every event and alert of b (0 for an alert skipped because its
	// tenant already has its Dedup). A batch that fails Validate is refused
	// with ErrInvalid; a cancelled ctx before the commit stores nothing.
	Write(ctx context.Context, b *Batch) error
	// RecentDedup returns the non-zero Dedup values among the last n stored
	// events (most recent first), to rebuild the duplicate filter at start.
	RecentDedup(ctx context.Context, n int) ([]uint64, error)
	// Events returns matching events, newest event time first (events
	// without a time last, ties by ID, highest first), and the total
	// number that match ignoring Limit and Offset. The total is exact.
	Events(ctx context.Context, q Query) (total int, items []Event, err error)
	// Alerts likewise for alerts: newest alert Time first.
	Alerts(ctx context.Context, q Query) (total int, items []Alert, err error)
	// Prune deletes a tenant's events received before the given time
	// (Event.Received), or its alerts created before it (Alert.Created),
	// and says how many it deleted. Retention counts from arrival, not from
	// the event time, which a replayed file or a wrong clock can put
	// anywhere.
	Prune(ctx context.Context, tenant string, alerts bool, before time.Time) (int64, error)
	// Offset returns a saved file-tail offset (ErrNotFound if none).
	Offset(ctx context.Context, key string) (int64, error)
	// Setting and PutSetting keep small values such as the admin token's
	// hash.
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
	Close() error
}

// NilEmpty sets the alert's empty lists and maps to nil, so that every
// backend gives back the same value whatever its encoding of "none".
func (a *Alert) NilEmpty() {
	if len(a.Tags) == 0 {
		a.Tags = nil
	}
	if len(a.Entities) == 0 {
		a.Entities = nil
	}
	if len(a.Group) == 0 {
		a.Group = nil
	}
	if len(a.EventIDs) == 0 {
		a.EventIDs = nil
	}
}
