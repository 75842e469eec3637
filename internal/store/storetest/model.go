package storetest

import (
	"fmt"
	"slices"
	"time"

	"tocsin/internal/store"
)

// model is the reference the stores are checked against: every stored
// event and alert in memory, filtered and sorted the plain way.
type model struct {
	events []store.Event
	alerts []store.Alert
}

func (m *model) write(b *store.Batch) {
	m.events = append(m.events, b.Events...)
	for _, a := range b.Alerts {
		if a.ID != 0 {
			m.alerts = append(m.alerts, a)
		}
	}
}

// prune drops what Prune must drop.
func (m *model) prune(tenant string, alerts bool, before time.Time) int64 {
	var n int64
	if alerts {
		m.alerts = slices.DeleteFunc(m.alerts, func(a store.Alert) bool {
			drop := a.Tenant == tenant && a.Created.Before(before)
			if drop {
				n++
			}
			return drop
		})
		return n
	}
	m.events = slices.DeleteFunc(m.events, func(e store.Event) bool {
		drop := e.Tenant == tenant && e.Received.Before(before)
		if drop {
			n++
		}
		return drop
	})
	return n
}

func inTenants(q store.Query, tenant string) bool {
	return q.Tenants == nil || slices.Contains(q.Tenants, tenant)
}

func inTime(q store.Query, t time.Time) bool {
	if q.From.IsZero() && q.To.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	return (q.From.IsZero() || !t.Before(q.From)) && (q.To.IsZero() || t.Before(q.To))
}

// page applies Limit and Offset after the order.
func page[T any](q store.Query, all []T) []T {
	q, _ = q.Normalize()
	if q.Offset >= len(all) {
		return nil
	}
	all = all[q.Offset:]
	return all[:min(len(all), q.Limit)]
}

func (m *model) queryEvents(q store.Query) (int, []store.Event) {
	var out []store.Event
	for _, e := range m.events {
		if inTenants(q, e.Tenant) && inTime(q, e.Time) && (q.SrcIP == "" || e.SrcIP == q.SrcIP) && e.ID > q.AfterID {
			out = append(out, e)
		}
	}
	if q.AfterID > 0 {
		slices.SortFunc(out, func(a, b store.Event) int { return cmpInt(a.ID, b.ID) })
	} else {
		slices.SortFunc(out, func(a, b store.Event) int {
			if c := cmpInt(store.Nanos(b.Time), store.Nanos(a.Time)); c != 0 {
				return c
			}
			return cmpInt(b.ID, a.ID)
		})
	}
	return len(out), page(q, out)
}

func (m *model) queryAlerts(q store.Query) (int, []store.Alert) {
	rank, _ := store.LevelRank(q.Level)
	var out []store.Alert
	for _, a := range m.alerts {
		r, _ := store.LevelRank(a.Level)
		if inTenants(q, a.Tenant) && inTime(q, a.Time) && (q.SrcIP == "" || a.SrcIP == q.SrcIP) && a.ID > q.AfterID &&
			(q.Rule == "" || a.RuleID == q.Rule || a.Title == q.Rule) && (q.Level == "" || r >= rank) {
			out = append(out, a)
		}
	}
	if q.AfterID > 0 {
		slices.SortFunc(out, func(a, b store.Alert) int { return cmpInt(a.ID, b.ID) })
	} else {
		slices.SortFunc(out, func(a, b store.Alert) int {
			if c := cmpInt(store.Nanos(b.Time), store.Nanos(a.Time)); c != 0 {
				return c
			}
			return cmpInt(b.ID, a.ID)
		})
	}
	return len(out), page(q, out)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// eventIDs and alertIDs print a result compactly in failures.
func eventIDs(ev []store.Event) []int64 {
	ids := make([]int64, len(ev))
	for i, e := range ev {
		ids[i] = e.ID
	}
	return ids
}

func alertIDs(al []store.Alert) []int64 {
	ids := make([]int64, len(al))
	for i, a := range al {
		ids[i] = a.ID
	}
	return ids
}

// describe prints a query for a failure message.
func describe(q store.Query) string { return fmt.Sprintf("%+v", q) }
