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
// without a tenant, a negative limit, an unknown level).
var ErrInvalid = errors.New("invalid store request")

// Event is an event as stored: the raw record and the columns the API
// filters on. Fields are not stored apart: they are decoded again from Raw
// when read, which keeps writes cheap.
type Event struct {
	ID        int64     // assigned by the store
	Tenant    string    // never empty
	Time      time.Time // event time (zero when the record had none)
	Received  time.Time // when Tocsin received it
	Host      string
	Transport string // udp, tcp, tls, relp, http, file
	Format    string // how Raw is to be decoded: "lines" or "jsonl"
	Product   string // logsource
	Category  string
	Service   string
	SrcIP     string
	Raw       string // the record as received (a syslog line, a JSON object)
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
	Created  time.Time // wall clock when stored
	RuleID   string
	Title    string
	Level    string // informational, low, medium, high, critical
	Author   string
	Tags     []string
	SrcIP    string            // the attacker when known (entity or group-by value)
	Entities map[string]string // detections: src_ip, user, host, ...
	Group    map[string]string // correlations: group-by field values
	Count    int               // correlations: events counted; detections: 1
	// EventIDs are the stored events behind the alert, when known.
	EventIDs []int64
	// Dedup makes storing the same alert twice (a replayed delivery) a
	// no-op within one tenant. 0: none.
	Dedup uint64
}

// Batch is written in one transaction: when Write returns nil, all of it
// is durable; otherwise none of it is.
type Batch struct {
	Events []Event
	// Alerts may reference events of this batch by index: an alert's
	// EventIdx entries are resolved to the stored IDs of Events[i].
	Alerts   []Alert
	EventIdx [][]int // parallel to Alerts (may be nil or shorter)
	// Offsets are file-tail positions saved with the events they led to,
	// so a restart resumes exactly after the last stored line.
	Offsets map[string]int64
}

// Query filters and paginates events or alerts. Zero values do not filter.
type Query struct {
	Tenants  []string // nil: every tenant (admin); empty non-nil: none
	From, To time.Time
	Rule     string // alerts: rule id or exact title
	Level    string // alerts: this level or higher
	SrcIP    string
	Limit    int // 0: 100; capped at 1000
	Offset   int
	// AfterID returns items with ID > AfterID (keyset pagination); 0: off.
	AfterID int64
}

// Store is implemented by the SQLite and PostgreSQL backends. Methods are
// safe for concurrent use; Write calls are serialised by the caller (one
// writer goroutine) but need not be.
type Store interface {
	// Write stores a batch atomically and durably.
	Write(ctx context.Context, b *Batch) error
	// RecentDedup returns the Dedup values of the last n stored events
	// (most recent first), to rebuild the duplicate filter at start.
	RecentDedup(ctx context.Context, n int) ([]uint64, error)
	// Events returns matching events, newest event time first, and the
	// total number that match ignoring Limit and Offset.
	Events(ctx context.Context, q Query) (total int, items []Event, err error)
	// Alerts likewise for alerts, newest first.
	Alerts(ctx context.Context, q Query) (total int, items []Alert, err error)
	// Prune deletes a tenant's events (alerts=false) or alerts whose
	// event time is before the given time, and says how many it deleted.
	Prune(ctx context.Context, tenant string, alerts bool, before time.Time) (int64, error)
	// Offset returns a saved file-tail offset (ErrNotFound if none).
	Offset(ctx context.Context, key string) (int64, error)
	// Setting and PutSetting keep small values such as the admin token's
	// hash.
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error
	Close() error
}
