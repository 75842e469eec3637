package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tocsin/internal/store"
	"tocsin/internal/store/storetest"
)

// smallEvents returns, per tenant, the events in blocks of fewer than 100.
func smallEvents(t *testing.T, s *Store) map[string]int {
	t.Helper()
	rows, err := s.r.Query(`SELECT tenant, sum(count) FROM event_blocks WHERE count < 100 GROUP BY tenant`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var tenant string
		var n int
		if err := rows.Scan(&tenant, &n); err != nil {
			t.Fatal(err)
		}
		out[tenant] = n
	}
	return out
}

// TestCompact: 6,000 events written 20 at a time over 5 tenants make
// about 1,500 blocks of a few events; after Compact each tenant keeps fewer
// than 100 events in blocks of fewer than 100, and every event reads back
// the same, IDs included.
func TestCompact(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "tocsin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all := storetest.SyslogEvents(6000, 5, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), 3)
	for i := 0; i < len(all); i += 20 {
		if err := s.Write(ctx, &store.Batch{Events: all[i : i+20]}); err != nil {
			t.Fatal(err)
		}
	}
	read := func() []store.Event {
		var out []store.Event
		for after := int64(1); ; {
			_, page, err := s.Events(ctx, store.Query{Limit: store.MaxLimit, AfterID: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				return out
			}
			out = append(out, page...)
			after = page[len(page)-1].ID
		}
	}
	before := read()
	if _, err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for tenant, n := range smallEvents(t, s) {
		if n >= 100 {
			t.Errorf("tenant %s: %d events left in blocks under 100", tenant, n)
		}
	}
	if got := read(); len(got) != len(before) || !slices.EqualFunc(got, before, func(a, b store.Event) bool {
		return a.ID == b.ID && a.Raw == b.Raw && a.Tenant == b.Tenant && a.Time.Equal(b.Time) && a.Dedup == b.Dedup
	}) {
		t.Fatalf("events changed by merging: %d before, %d after", len(before), len(got))
	}
	if n, _, err := s.Events(ctx, store.Query{Tenants: []string{"commune-03"}}); err != nil || n != countTenant(all, "commune-03") {
		t.Errorf("tenant total after merging: %d, %v", n, err)
	}
	if again, err := s.Compact(ctx); err != nil || again != 0 {
		t.Errorf("a second Compact removed %d blocks (%v), want 0", again, err)
	}
}

func countTenant(ev []store.Event, tenant string) int {
	n := 0
	for _, e := range ev {
		if e.Tenant == tenant {
			n++
		}
	}
	return n
}
