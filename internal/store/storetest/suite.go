// Package storetest is the conformance suite every store backend runs:
// the behaviour the rest of Tocsin relies on, written once. A backend's
// store_test.go calls Run with a function that opens a store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tocsin/internal/store"
)

// Opener opens a store for a test. Called for the first time with a test,
// it returns an empty store; called again with the same test after the
// previous store was closed, it opens the same database again (the reopen
// test does that). It registers its own cleanup (Close, dropping the
// database); Close may then be called twice.
type Opener func(t *testing.T) store.Store

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, open Opener)
	}{
		{"EventRoundTrip", testEventRoundTrip},
		{"AlertRoundTrip", testAlertRoundTrip},
		{"EmptyBatch", testEmptyBatch},
		{"InvalidBatch", testInvalidBatch},
		{"CancelledWrite", testCancelledWrite},
		{"TenantIsolation", testTenantIsolation},
		{"EventFilters", testEventFilters},
		{"AlertFilters", testAlertFilters},
		{"Pagination", testPagination},
		{"Ordering", testOrdering},
		{"AlertDedup", testAlertDedup},
		{"EventIdx", testEventIdx},
		{"Offsets", testOffsets},
		{"Settings", testSettings},
		{"Prune", testPrune},
		{"RecentDedup", testRecentDedup},
		{"InvalidQuery", testInvalidQuery},
		{"Model", testModel},
		{"ConcurrentReads", testConcurrentReads},
		{"Reopen", testReopen},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open) })
	}
}

// t0 has nanoseconds, to show they survive.
var t0 = time.Date(2026, 11, 26, 10, 0, 0, 123456789, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func ev(tenant string, ts time.Time, srcIP string) store.Event {
	return store.Event{
		Tenant: tenant, Time: ts, Received: t0.Add(time.Hour), Host: "srv-" + tenant,
		Transport: "tcp", Format: "lines", Product: "linux", Service: "sshd", SrcIP: srcIP,
		Raw: "<38>Nov 26 10:00:00 srv sshd[1]: Failed password for root from " + srcIP + " port 22 ssh2",
	}
}

func alert(tenant string, ts time.Time, rule, level, srcIP string) store.Alert {
	return store.Alert{
		Tenant: tenant, Kind: store.KindDetection, Time: ts, First: ts, Created: t0.Add(time.Hour),
		RuleID: rule, Title: "Title of " + rule, Level: level, Author: "Tocsin", SrcIP: srcIP, Count: 1,
	}
}

func write(t *testing.T, s store.Store, b *store.Batch) {
	t.Helper()
	if err := s.Write(context.Background(), b); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func events(t *testing.T, s store.Store, q store.Query) (int, []store.Event) {
	t.Helper()
	n, items, err := s.Events(context.Background(), q)
	if err != nil {
		t.Fatalf("Events(%s): %v", describe(q), err)
	}
	return n, items
}

func alerts(t *testing.T, s store.Store, q store.Query) (int, []store.Alert) {
	t.Helper()
	n, items, err := s.Alerts(context.Background(), q)
	if err != nil {
		t.Fatalf("Alerts(%s): %v", describe(q), err)
	}
	return n, items
}

// diffEvent says how got differs from want, or "".
func diffEvent(got, want store.Event) string {
	var d []string
	check := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s %#v, want %#v", name, g, w))
		}
	}
	check("ID", got.ID == want.ID, got.ID, want.ID)
	check("Tenant", got.Tenant == want.Tenant, got.Tenant, want.Tenant)
	check("Time", sameTime(got.Time, want.Time), got.Time, want.Time)
	check("Received", sameTime(got.Received, want.Received), got.Received, want.Received)
	for _, f := range [][3]string{{"Host", got.Host, want.Host}, {"Transport", got.Transport, want.Transport}, {"Format", got.Format, want.Format},
		{"Product", got.Product, want.Product}, {"Category", got.Category, want.Category}, {"Service", got.Service, want.Service},
		{"SrcIP", got.SrcIP, want.SrcIP}, {"Raw", got.Raw, want.Raw}} {
		check(f[0], f[1] == f[2], f[1], f[2])
	}
	check("Dedup", got.Dedup == want.Dedup, got.Dedup, want.Dedup)
	return strings.Join(d, "; ")
}

func diffAlert(got, want store.Alert) string {
	var d []string
	check := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s %#v, want %#v", name, g, w))
		}
	}
	check("ID", got.ID == want.ID, got.ID, want.ID)
	for _, f := range [][3]string{{"Tenant", got.Tenant, want.Tenant}, {"Kind", got.Kind, want.Kind}, {"RuleID", got.RuleID, want.RuleID},
		{"Title", got.Title, want.Title}, {"Level", got.Level, want.Level}, {"Author", got.Author, want.Author}, {"SrcIP", got.SrcIP, want.SrcIP}} {
		check(f[0], f[1] == f[2], f[1], f[2])
	}
	check("Time", sameTime(got.Time, want.Time), got.Time, want.Time)
	check("First", sameTime(got.First, want.First), got.First, want.First)
	check("Created", sameTime(got.Created, want.Created), got.Created, want.Created)
	check("Tags", slices.Equal(got.Tags, want.Tags) && (got.Tags == nil) == (len(want.Tags) == 0), got.Tags, want.Tags)
	check("Entities", maps.Equal(got.Entities, want.Entities) && (got.Entities == nil) == (len(want.Entities) == 0), got.Entities, want.Entities)
	check("Group", maps.Equal(got.Group, want.Group) && (got.Group == nil) == (len(want.Group) == 0), got.Group, want.Group)
	check("Count", got.Count == want.Count, got.Count, want.Count)
	check("EventIDs", slices.Equal(got.EventIDs, want.EventIDs) && (got.EventIDs == nil) == (len(want.EventIDs) == 0), got.EventIDs, want.EventIDs)
	check("Dedup", got.Dedup == want.Dedup, got.Dedup, want.Dedup)
	return strings.Join(d, "; ")
}

// sameTime: equal instants, and a non-zero time comes back in UTC.
func sameTime(got, want time.Time) bool {
	if want.IsZero() {
		return got.IsZero()
	}
	return got.Equal(want) && got.Location() == time.UTC
}

func testEventRoundTrip(t *testing.T, open Opener) {
	s := open(t)
	full := store.Event{
		Tenant: "mairie", Time: time.Date(2026, 11, 26, 9, 59, 58, 987654321, time.FixedZone("CET", 3600)),
		Received: time.Date(2026, 11, 26, 9, 0, 0, 1, time.UTC), Host: "web-01", Transport: "relp", Format: "lines",
		Product: "linux", Category: "auth", Service: "sshd", SrcIP: "2001:db8::7",
		Raw: "binary \xff\xfe and NUL \x00 and é ✓ kept", Dedup: math.MaxUint64,
	}
	dirty := full
	dirty.Tenant, dirty.Host, dirty.Service = "agglo", "h\xffst\x00", "nul\x00"
	noTime := ev("mairie", time.Time{}, "")
	noTime.Received = time.Time{} // Write sets now
	farFuture := ev("mairie", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "192.0.2.9")
	b := &store.Batch{Events: []store.Event{full, dirty, noTime, farFuture}}
	before := time.Now()
	write(t, s, b)
	after := time.Now()

	ids := map[int64]bool{}
	for i, e := range b.Events {
		if e.ID <= 0 || ids[e.ID] {
			t.Fatalf("event %d: ID %d after Write (IDs %v)", i, e.ID, eventIDs(b.Events))
		}
		ids[e.ID] = true
	}
	want := slices.Clone(b.Events)
	want[0].Time = full.Time.UTC()
	want[1].Host, want[1].Service = "h\uFFFDst", "nul"
	want[3].Time = time.Time{}
	n, got := events(t, s, store.Query{})
	if n != 4 || len(got) != 4 {
		t.Fatalf("Events: total %d, %d items, want 4", n, len(got))
	}
	byID := map[int64]store.Event{}
	for _, e := range got {
		byID[e.ID] = e
	}
	for i, w := range want {
		g, ok := byID[w.ID]
		if !ok {
			t.Errorf("event %d (ID %d) not read back", i, w.ID)
			continue
		}
		if i == 2 {
			if g.Received.Before(before) || g.Received.After(after) {
				t.Errorf("zero Received stored as %v, want the time of Write", g.Received)
			}
			w.Received = g.Received
		}
		if d := diffEvent(g, w); d != "" {
			t.Errorf("event %d: %s", i, d)
		}
	}
}

func testAlertRoundTrip(t *testing.T, open Opener) {
	s := open(t)
	full := store.Alert{
		Tenant: "mairie", Kind: store.KindCorrelation, Time: at(time.Minute), First: at(-time.Minute),
		Created: time.Date(2026, 11, 26, 11, 0, 0, 42, time.UTC), RuleID: "3f0b4a0e-7c2b-4d7e-9f0e-6b1f0b9c2a11",
		Title: "SSH brute force é", Level: "high", Author: "Tocsin", Tags: []string{"attack.credential_access", "attack.t1110"},
		SrcIP: "203.0.113.9", Group: map[string]string{"src_ip": "203.0.113.9", "user": "root"}, Count: 12,
		EventIDs: []int64{7, 9}, Dedup: 1<<63 + 5,
	}
	bare := store.Alert{Tenant: "mairie", Kind: store.KindDetection, Time: at(0), RuleID: "r2", Title: "t\xff", Count: 1,
		Tags: []string{}, Entities: map[string]string{"user": "a\x00b"}}
	b := &store.Batch{Alerts: []store.Alert{full, bare}}
	before := time.Now()
	write(t, s, b)
	after := time.Now()
	if b.Alerts[0].ID <= 0 || b.Alerts[1].ID <= 0 || b.Alerts[0].ID == b.Alerts[1].ID {
		t.Fatalf("alert IDs after Write: %v", alertIDs(b.Alerts))
	}
	n, got := alerts(t, s, store.Query{})
	if n != 2 || len(got) != 2 {
		t.Fatalf("Alerts: total %d, %d items, want 2", n, len(got))
	}
	want := []store.Alert{b.Alerts[0], b.Alerts[1]}
	want[1].Title, want[1].Tags, want[1].Entities = "t\uFFFD", nil, map[string]string{"user": "ab"}
	for i, w := range want {
		g := got[i]
		if i == 1 {
			if g.Created.Before(before) || g.Created.After(after) {
				t.Errorf("zero Created stored as %v, want the time of Write", g.Created)
			}
			w.Created = g.Created
		}
		if d := diffAlert(g, w); d != "" {
			t.Errorf("alert %d: %s", i, d)
		}
	}
}

func testEmptyBatch(t *testing.T, open Opener) {
	s := open(t)
	write(t, s, &store.Batch{})
	if n, _ := events(t, s, store.Query{}); n != 0 {
		t.Errorf("%d events after an empty batch", n)
	}
}

// nothingStored fails unless s holds no event, no alert and no offset "k".
func nothingStored(t *testing.T, s store.Store) {
	t.Helper()
	if n, _ := events(t, s, store.Query{}); n != 0 {
		t.Errorf("%d events stored", n)
	}
	if n, _ := alerts(t, s, store.Query{}); n != 0 {
		t.Errorf("%d alerts stored", n)
	}
	if _, err := s.Offset(context.Background(), "k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("offset k: %v, want ErrNotFound", err)
	}
}

func testInvalidBatch(t *testing.T, open Opener) {
	good := func() *store.Batch {
		return &store.Batch{
			Events:  []store.Event{ev("a", at(0), "192.0.2.1"), ev("b", at(0), "192.0.2.1")},
			Alerts:  []store.Alert{alert("a", at(0), "r1", "low", "")},
			Offsets: map[string]int64{"k": 10},
		}
	}
	tests := []struct {
		name   string
		inMsg  string
		isNil  bool
		mutate func(b *store.Batch)
	}{
		{name: "nil batch", isNil: true, inMsg: "nil batch"},
		{name: "event without tenant", inMsg: "events[1].Tenant", mutate: func(b *store.Batch) { b.Events[1].Tenant = "" }},
		{name: "alert without tenant", inMsg: "alerts[0].Tenant", mutate: func(b *store.Batch) { b.Alerts[0].Tenant = "" }},
		{name: "unknown kind", inMsg: "alerts[0].Kind", mutate: func(b *store.Batch) { b.Alerts[0].Kind = "guess" }},
		{name: "unknown level", inMsg: "alerts[0].Level", mutate: func(b *store.Batch) { b.Alerts[0].Level = "severe" }},
		{name: "negative count", inMsg: "alerts[0].Count", mutate: func(b *store.Batch) { b.Alerts[0].Count = -1 }},
		{name: "EventIdx out of range", inMsg: "EventIdx[0][0]", mutate: func(b *store.Batch) { b.EventIdx = [][]int{{2}} }},
		{name: "EventIdx negative", inMsg: "EventIdx[0][1]", mutate: func(b *store.Batch) { b.EventIdx = [][]int{{0, -1}} }},
		{name: "EventIdx of another tenant", inMsg: "tenant", mutate: func(b *store.Batch) { b.EventIdx = [][]int{{1}} }},
		{name: "more EventIdx than alerts", inMsg: "EventIdx", mutate: func(b *store.Batch) { b.EventIdx = [][]int{{0}, {0}} }},
		{name: "offset without key", inMsg: "key", mutate: func(b *store.Batch) { b.Offsets[""] = 1 }},
		{name: "negative offset", inMsg: "offset", mutate: func(b *store.Batch) { b.Offsets["k"] = -1 }},
	}
	s := open(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b *store.Batch
			if !tc.isNil {
				b = good()
				tc.mutate(b)
			}
			err := s.Write(context.Background(), b)
			if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tc.inMsg) {
				t.Fatalf("Write: %v, want ErrInvalid naming %q", err, tc.inMsg)
			}
			nothingStored(t, s)
		})
	}
}

func testCancelledWrite(t *testing.T, open Opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := &store.Batch{Events: []store.Event{ev("a", at(0), "")}, Offsets: map[string]int64{"k": 1}}
	if err := s.Write(ctx, b); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write with a cancelled context: %v, want context.Canceled", err)
	}
	nothingStored(t, s)

	// Cancel at each point where the store looks at its context, until a
	// Write goes through: each attempt stores all or nothing.
	big := func() *store.Batch {
		b := &store.Batch{Offsets: map[string]int64{"k": 99}}
		for i := range 3000 {
			b.Events = append(b.Events, ev([]string{"a", "b", "c"}[i%3], at(time.Duration(i)*time.Second), "192.0.2.1"))
		}
		for i := range 30 {
			b.Alerts = append(b.Alerts, alert([]string{"a", "b", "c"}[i%3], at(0), "r", "low", ""))
			b.EventIdx = append(b.EventIdx, []int{i})
		}
		return b
	}
	failed := 0
	for k := 1; ; k++ {
		if k > 10_000 {
			t.Fatalf("no Write succeeded after %d cancellation points", k)
		}
		cd := newCountdown(k)
		err := s.Write(cd, big())
		if err == nil {
			break
		}
		failed++
		if !cd.fired() {
			t.Fatalf("attempt %d: Write failed without being cancelled: %v", k, err)
		}
		nothingStored(t, s)
		if t.Failed() {
			t.Fatalf("attempt %d (cancelled at check %d, error %v) left data behind", k, k, err)
		}
	}
	if failed == 0 {
		t.Fatal("the store never looked at its context during Write")
	}
	if n, _ := events(t, s, store.Query{}); n != 3000 {
		t.Errorf("after the successful Write: %d events, want 3000", n)
	}
	if n, _ := alerts(t, s, store.Query{}); n != 30 {
		t.Errorf("after the successful Write: %d alerts, want 30", n)
	}
	t.Logf("%d cancelled attempts stored nothing", failed)

	// Cancel after a delay, from microseconds to past the Write's own
	// length: the store is cut wherever it is (in the driver, on the
	// network), and still stores all of a batch or none of it.
	count := func() (int, int) {
		ne, _ := events(t, s, store.Query{})
		na, _ := alerts(t, s, store.Query{})
		return ne, na
	}
	ne, na := count()
	for d := time.Microsecond; d < 500*time.Millisecond; d = d * 3 / 2 {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		err := s.Write(ctx, big())
		cancel()
		if err == nil {
			ne, na = ne+3000, na+30
		} else if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
			t.Fatalf("cancelled after %v: an error that is not the cancellation: %v", d, err)
		}
		if gotE, gotA := count(); gotE != ne || gotA != na {
			t.Fatalf("cancelled after %v (error %v): %d events and %d alerts stored, want %d and %d", d, err, gotE, gotA, ne, na)
		}
	}
}

// fixture writes a small mixed data set of two tenants in two Writes and
// returns the model that holds the same.
func fixture(t *testing.T, s store.Store) *model {
	m := &model{}
	ips := []string{"192.0.2.1", "192.0.2.2", "2001:db8::1"}
	levels := []string{"informational", "low", "medium", "high", "critical", ""}
	for w := range 2 {
		b := &store.Batch{}
		for i := range 40 {
			tenant := []string{"a", "b"}[i%2]
			ts := at(time.Duration(i/2+w*20) * time.Minute)
			if i%13 == 0 {
				ts = time.Time{}
			}
			e := ev(tenant, ts, ips[i%3])
			e.Received = t0.Add(time.Duration(w) * time.Hour)
			e.Dedup = uint64(w*100 + i)
			b.Events = append(b.Events, e)
			if i%3 == 0 {
				a := alert(tenant, ts, fmt.Sprintf("rule-%d", i%4), levels[i%6], ips[i%3])
				a.Created = e.Received
				b.Alerts = append(b.Alerts, a)
				b.EventIdx = append(b.EventIdx, []int{i})
			}
		}
		write(t, s, b)
		m.write(b)
	}
	return m
}

// check compares a query's result with the model's.
func check(t *testing.T, s store.Store, m *model, q store.Query) {
	t.Helper()
	wn, we := m.queryEvents(q)
	gn, ge := events(t, s, q)
	if gn != wn || !slices.Equal(eventIDs(ge), eventIDs(we)) {
		t.Errorf("Events(%s):\n got total %d %v\nwant total %d %v", describe(q), gn, eventIDs(ge), wn, eventIDs(we))
	} else {
		for i := range ge {
			if d := diffEvent(ge[i], we[i]); d != "" {
				t.Errorf("Events(%s) item %d: %s", describe(q), i, d)
				break
			}
		}
	}
	wn, wa := m.queryAlerts(q)
	gn, ga := alerts(t, s, q)
	if gn != wn || !slices.Equal(alertIDs(ga), alertIDs(wa)) {
		t.Errorf("Alerts(%s):\n got total %d %v\nwant total %d %v", describe(q), gn, alertIDs(ga), wn, alertIDs(wa))
	} else {
		for i := range ga {
			if d := diffAlert(ga[i], wa[i]); d != "" {
				t.Errorf("Alerts(%s) item %d: %s", describe(q), i, d)
				break
			}
		}
	}
}

func testTenantIsolation(t *testing.T, open Opener) {
	s := open(t)
	m := fixture(t, s)
	scopes := [][]string{{"a"}, {"b"}, {"a", "b"}, {}, nil, {"nobody"}, {"a", "nobody"}, {"b", "a", "b"}}
	filters := []store.Query{
		{},
		{From: at(5 * time.Minute), To: at(25 * time.Minute)},
		{SrcIP: "192.0.2.2"},
		{Rule: "rule-0"},
		{Level: "medium"},
		{Limit: 3, Offset: 2},
		{AfterID: 1},
		{From: at(0), SrcIP: "2001:db8::1", Level: "low", Limit: 5},
	}
	for _, scope := range scopes {
		for _, f := range filters {
			q := f
			q.Tenants = scope
			check(t, s, m, q)
			_, items := events(t, s, q)
			for _, e := range items {
				if !inTenants(q, e.Tenant) {
					t.Fatalf("Events(%s) returned an event of tenant %q", describe(q), e.Tenant)
				}
			}
			_, als := alerts(t, s, q)
			for _, a := range als {
				if !inTenants(q, a.Tenant) {
					t.Fatalf("Alerts(%s) returned an alert of tenant %q", describe(q), a.Tenant)
				}
			}
		}
	}
	if n, items := events(t, s, store.Query{Tenants: []string{}}); n != 0 || len(items) != 0 {
		t.Errorf("empty tenant list: %d, %d items; want nothing", n, len(items))
	}
}

func testEventFilters(t *testing.T, open Opener) {
	s := open(t)
	b := &store.Batch{Events: []store.Event{
		ev("a", at(0), "192.0.2.1"),               // 0: on From
		ev("a", at(time.Minute-1), "192.0.2.2"),   // 1: just before To
		ev("a", at(time.Minute), "192.0.2.1"),     // 2: on To: out
		ev("a", at(-1), "192.0.2.1"),              // 3: just before From: out
		ev("a", time.Time{}, "192.0.2.1"),         // 4: no time
		ev("a", at(30*time.Second), "192.0.2.10"), // 5: address with a common prefix
	}}
	write(t, s, b)
	id := func(i ...int) []int64 {
		var out []int64
		for _, k := range i {
			out = append(out, b.Events[k].ID)
		}
		return out
	}
	tests := []struct {
		name string
		q    store.Query
		want []int64
	}{
		{"no filter", store.Query{}, id(2, 1, 5, 0, 3, 4)},
		{"from inclusive to exclusive", store.Query{From: at(0), To: at(time.Minute)}, id(1, 5, 0)},
		{"from only", store.Query{From: at(0)}, id(2, 1, 5, 0)},
		{"to only drops events without time", store.Query{To: at(0)}, id(3)},
		{"src ip exact", store.Query{SrcIP: "192.0.2.1"}, id(2, 0, 3, 4)},
		{"src ip and range", store.Query{SrcIP: "192.0.2.1", From: at(0), To: at(time.Minute)}, id(0)},
		{"rule and level ignored", store.Query{Rule: "x", Level: "critical"}, id(2, 1, 5, 0, 3, 4)},
		{"empty range", store.Query{From: at(time.Minute), To: at(time.Minute)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, got := events(t, s, tc.q)
			if n != len(tc.want) || !slices.Equal(eventIDs(got), tc.want) {
				t.Errorf("total %d %v, want %d %v", n, eventIDs(got), len(tc.want), tc.want)
			}
		})
	}
}

func testAlertFilters(t *testing.T, open Opener) {
	s := open(t)
	b := &store.Batch{Alerts: []store.Alert{
		alert("a", at(0), "r-ssh", "low", "192.0.2.1"),               // 0
		alert("a", at(time.Second), "r-web", "high", "192.0.2.2"),    // 1
		alert("a", at(2*time.Second), "r-ssh", "critical", ""),       // 2
		alert("a", at(3*time.Second), "r-x", "", "192.0.2.1"),        // 3: no level
		alert("a", at(4*time.Second), "r-y", "medium", "192.0.2.1"),  // 4
		alert("a", at(5*time.Second), "r-z", "informational", "192"), // 5
	}}
	b.Alerts[4].Title = "r-ssh" // a title equal to another rule's id
	write(t, s, b)
	id := func(i ...int) []int64 {
		var out []int64
		for _, k := range i {
			out = append(out, b.Alerts[k].ID)
		}
		return out
	}
	tests := []struct {
		name string
		q    store.Query
		want []int64
	}{
		{"all", store.Query{}, id(5, 4, 3, 2, 1, 0)},
		{"level high or more", store.Query{Level: "high"}, id(2, 1)},
		{"level informational is everything", store.Query{Level: "informational"}, id(5, 4, 3, 2, 1, 0)},
		{"level low", store.Query{Level: "low"}, id(4, 2, 1, 0)},
		{"rule id or title", store.Query{Rule: "r-ssh"}, id(4, 2, 0)},
		{"rule by title", store.Query{Rule: "Title of r-web"}, id(1)},
		{"rule title is exact", store.Query{Rule: "Title of r"}, nil},
		{"src ip", store.Query{SrcIP: "192.0.2.1"}, id(4, 3, 0)},
		{"time range", store.Query{From: at(time.Second), To: at(3 * time.Second)}, id(2, 1)},
		{"combined", store.Query{Rule: "r-ssh", Level: "medium", From: at(time.Second)}, id(4, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, got := alerts(t, s, tc.q)
			if n != len(tc.want) || !slices.Equal(alertIDs(got), tc.want) {
				t.Errorf("total %d %v, want %d %v", n, alertIDs(got), len(tc.want), tc.want)
			}
		})
	}
}

func testPagination(t *testing.T, open Opener) {
	s := open(t)
	b := &store.Batch{}
	for i := range 1100 {
		b.Events = append(b.Events, ev("a", at(time.Duration(i)*time.Second), ""))
	}
	write(t, s, b)
	all := slices.Clone(b.Events)
	slices.Reverse(all) // newest first
	ids := eventIDs(all)

	t.Run("default and maximum limit", func(t *testing.T) {
		for _, tc := range []struct{ limit, want int }{{0, store.DefaultLimit}, {5000, store.MaxLimit}, {1, 1}, {1000, 1000}} {
			n, got := events(t, s, store.Query{Limit: tc.limit})
			if n != 1100 || len(got) != tc.want || !slices.Equal(eventIDs(got), ids[:tc.want]) {
				t.Errorf("limit %d: total %d, %d items; want 1100, %d newest", tc.limit, n, len(got), tc.want)
			}
		}
	})
	t.Run("offset pages", func(t *testing.T) {
		var seen []int64
		for off := 0; off < 1100; off += 300 {
			n, got := events(t, s, store.Query{Limit: 300, Offset: off})
			if n != 1100 {
				t.Fatalf("offset %d: total %d", off, n)
			}
			seen = append(seen, eventIDs(got)...)
		}
		if !slices.Equal(seen, ids) {
			t.Errorf("pages by offset do not add up to the whole list")
		}
		if n, got := events(t, s, store.Query{Offset: 5000}); n != 1100 || len(got) != 0 {
			t.Errorf("offset past the end: total %d, %d items", n, len(got))
		}
	})
	t.Run("after id", func(t *testing.T) {
		asc := slices.Clone(ids)
		slices.Reverse(asc)
		after := asc[99]
		var seen []int64
		for {
			n, got := events(t, s, store.Query{AfterID: after, Limit: 250})
			if len(seen) == 0 && n != 1000 {
				t.Fatalf("after id %d: total %d, want 1000", after, n)
			}
			if len(got) == 0 {
				break
			}
			seen = append(seen, eventIDs(got)...)
			after = got[len(got)-1].ID
		}
		if !slices.Equal(seen, asc[100:]) {
			t.Errorf("following AfterID gave %d events, want the 1000 after the 100th in ID order", len(seen))
		}
		n, got := events(t, s, store.Query{AfterID: asc[99], Limit: 10, Offset: 5})
		if n != 1000 || !slices.Equal(eventIDs(got), asc[105:115]) {
			t.Errorf("after id with offset: total %d %v, want %v", n, eventIDs(got), asc[105:115])
		}
	})
}

func testOrdering(t *testing.T, open Opener) {
	s := open(t)
	same := at(time.Minute)
	b := &store.Batch{Events: []store.Event{
		ev("a", same, ""), ev("a", time.Time{}, ""), ev("a", at(2*time.Minute), ""), ev("a", same, ""), ev("a", at(0), ""),
	}}
	write(t, s, b)
	e := b.Events
	ties := []int64{max(e[0].ID, e[3].ID), min(e[0].ID, e[3].ID)}
	want := []int64{e[2].ID, ties[0], ties[1], e[4].ID, e[1].ID}
	if _, got := events(t, s, store.Query{}); !slices.Equal(eventIDs(got), want) {
		t.Errorf("events in order %v, want %v (newest first, ties by ID descending, no time last)", eventIDs(got), want)
	}
	a := &store.Batch{Alerts: []store.Alert{alert("a", same, "r", "low", ""), alert("a", at(2*time.Minute), "r", "low", ""), alert("a", same, "r", "low", "")}}
	write(t, s, a)
	wantA := []int64{a.Alerts[1].ID, a.Alerts[2].ID, a.Alerts[0].ID}
	if _, got := alerts(t, s, store.Query{}); !slices.Equal(alertIDs(got), wantA) {
		t.Errorf("alerts in order %v, want %v", alertIDs(got), wantA)
	}
}

func testAlertDedup(t *testing.T, open Opener) {
	s := open(t)
	dup := func(tenant string, d uint64) store.Alert {
		a := alert(tenant, at(0), "r", "low", "")
		a.Dedup = d
		return a
	}
	b1 := &store.Batch{Alerts: []store.Alert{dup("a", 7), dup("a", 7), dup("a", 0), dup("a", 0), dup("b", 7)}}
	write(t, s, b1)
	b2 := &store.Batch{Alerts: []store.Alert{dup("a", 7), dup("b", 8), dup("a", math.MaxUint64)}, Events: []store.Event{ev("a", at(0), "")}}
	write(t, s, b2)
	stored := func(b *store.Batch) []bool {
		var out []bool
		for _, a := range b.Alerts {
			out = append(out, a.ID != 0)
		}
		return out
	}
	if got, want := stored(b1), []bool{true, false, true, true, true}; !slices.Equal(got, want) {
		t.Errorf("first batch stored %v, want %v", got, want)
	}
	if got, want := stored(b2), []bool{false, true, true}; !slices.Equal(got, want) {
		t.Errorf("second batch stored %v, want %v", got, want)
	}
	if n, _ := alerts(t, s, store.Query{Tenants: []string{"a"}}); n != 4 {
		t.Errorf("tenant a has %d alerts, want 4", n)
	}
	if n, _ := alerts(t, s, store.Query{Tenants: []string{"b"}}); n != 2 {
		t.Errorf("tenant b has %d alerts, want 2", n)
	}
	if n, _ := events(t, s, store.Query{}); n != 1 {
		t.Errorf("a duplicate alert kept its batch's event out: %d events", n)
	}
}

func testEventIdx(t *testing.T, open Opener) {
	s := open(t)
	b := &store.Batch{
		Events: []store.Event{ev("a", at(0), ""), ev("b", at(0), ""), ev("a", at(time.Second), ""), ev("b", at(0), "")},
		Alerts: []store.Alert{alert("a", at(0), "r1", "low", ""), alert("b", at(0), "r2", "low", ""), alert("a", at(0), "r3", "low", "")},
	}
	b.Alerts[0].EventIDs = []int64{42}
	b.EventIdx = [][]int{{0, 2}, {3, 1}} // the third alert has none
	write(t, s, b)
	want := [][]int64{{42, b.Events[0].ID, b.Events[2].ID}, {b.Events[3].ID, b.Events[1].ID}, nil}
	for i, a := range b.Alerts {
		if !slices.Equal(a.EventIDs, want[i]) {
			t.Errorf("batch alert %d EventIDs %v, want %v", i, a.EventIDs, want[i])
		}
	}
	_, got := alerts(t, s, store.Query{})
	for _, a := range got {
		i := slices.IndexFunc(b.Alerts, func(x store.Alert) bool { return x.ID == a.ID })
		if i < 0 || !slices.Equal(a.EventIDs, want[i]) {
			t.Errorf("stored alert %d EventIDs %v, want %v", a.ID, a.EventIDs, want[max(i, 0)])
		}
	}
}

func testOffsets(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if _, err := s.Offset(ctx, "/var/log/auth.log:42"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing offset: %v, want ErrNotFound", err)
	}
	write(t, s, &store.Batch{Events: []store.Event{ev("a", at(0), "")}, Offsets: map[string]int64{"/var/log/auth.log:42": 1234, "other": 0}})
	write(t, s, &store.Batch{Offsets: map[string]int64{"/var/log/auth.log:42": math.MaxInt64}})
	for k, want := range map[string]int64{"/var/log/auth.log:42": math.MaxInt64, "other": 0} {
		if got, err := s.Offset(ctx, k); err != nil || got != want {
			t.Errorf("Offset(%q) = %d, %v; want %d", k, got, err, want)
		}
	}
}

func testSettings(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if _, err := s.Setting(ctx, "admin_token_sha256"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing setting: %v, want ErrNotFound", err)
	}
	for _, v := range []string{"abc", "", "é ✓ new"} {
		if err := s.PutSetting(ctx, "admin_token_sha256", v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Setting(ctx, "admin_token_sha256"); err != nil || got != v {
			t.Errorf("Setting = %q, %v; want %q", got, err, v)
		}
	}
}

func testPrune(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	m := fixture(t, s) // Writes received at t0 and t0+1h, alerts created likewise
	cut := t0.Add(30 * time.Minute)
	tests := []struct {
		tenant string
		alerts bool
		before time.Time
	}{
		{"a", false, t0},  // nothing before the first Write
		{"a", false, cut}, // a's first Write
		{"a", false, cut}, // again: nothing left to do
		{"b", true, cut},  // b's first alerts
		{"nobody", false, t0.Add(time.Hour * 24)},
		{"a", true, t0.Add(2 * time.Hour)}, // all of a's alerts
	}
	for _, tc := range tests {
		want := m.prune(tc.tenant, tc.alerts, tc.before)
		got, err := s.Prune(ctx, tc.tenant, tc.alerts, tc.before)
		if err != nil || got != want {
			t.Errorf("Prune(%s, alerts=%v, %v) = %d, %v; want %d", tc.tenant, tc.alerts, tc.before, got, err, want)
		}
		check(t, s, m, store.Query{Limit: 1000})
	}
}

func testRecentDedup(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if got, err := s.RecentDedup(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v", got, err)
	}
	batch := func(tenant string, ds ...uint64) *store.Batch {
		b := &store.Batch{}
		for _, d := range ds {
			e := ev(tenant, at(0), "")
			e.Dedup = d
			b.Events = append(b.Events, e)
		}
		return b
	}
	write(t, s, batch("a", 1, 2, 0, 3))
	write(t, s, batch("b", 4, 0, math.MaxUint64))
	tests := []struct {
		n    int
		want []uint64
	}{
		{10, []uint64{math.MaxUint64, 4, 3, 2, 1}},
		{3, []uint64{math.MaxUint64, 4}},
		{4, []uint64{math.MaxUint64, 4, 3}},
		{0, nil},
		{-1, nil},
	}
	for _, tc := range tests {
		got, err := s.RecentDedup(ctx, tc.n)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("RecentDedup(%d) = %v, %v; want %v", tc.n, got, err, tc.want)
		}
	}
}

func testInvalidQuery(t *testing.T, open Opener) {
	s := open(t)
	tests := []struct {
		name, inMsg string
		q           store.Query
	}{
		{"negative limit", "limit", store.Query{Limit: -1}},
		{"negative offset", "offset", store.Query{Offset: -5}},
		{"offset too deep", "offset", store.Query{Offset: store.MaxOffset + 1}},
		{"negative after id", "after_id", store.Query{AfterID: -1}},
		{"unknown level", "level", store.Query{Level: "severe"}},
		{"level in capitals", "level", store.Query{Level: "HIGH"}},
		{"to before from", "before from", store.Query{From: at(time.Second), To: at(0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := s.Events(context.Background(), tc.q); !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tc.inMsg) {
				t.Errorf("Events: %v, want ErrInvalid naming %q", err, tc.inMsg)
			}
			if _, _, err := s.Alerts(context.Background(), tc.q); !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tc.inMsg) {
				t.Errorf("Alerts: %v, want ErrInvalid naming %q", err, tc.inMsg)
			}
		})
	}
}

// testModel writes random batches and checks random queries against the
// model, pruning on the way.
func testModel(t *testing.T, open Opener) {
	s := open(t)
	m := &model{}
	rng := rand.New(rand.NewPCG(1, 2))
	tenants := []string{"a", "b", "c"}
	ips := []string{"192.0.2.1", "192.0.2.2", "198.51.100.7", ""}
	levels := []string{"informational", "low", "medium", "high", "critical", ""}
	randTime := func() time.Time {
		if rng.IntN(20) == 0 {
			return time.Time{}
		}
		return at(time.Duration(rng.IntN(400)) * time.Second)
	}
	for w := range 30 {
		b := &store.Batch{}
		received := t0.Add(time.Duration(w) * time.Minute)
		size := 1 + rng.IntN(200)
		if w%10 == 9 {
			size = 1500 // large blocks, many statements
		}
		for range size {
			e := ev(tenants[rng.IntN(3)], randTime(), ips[rng.IntN(4)])
			e.Received = received.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
			e.Dedup = rng.Uint64()
			b.Events = append(b.Events, e)
		}
		for range rng.IntN(8) {
			k := rng.IntN(len(b.Events))
			e := b.Events[k]
			a := alert(e.Tenant, e.Time, fmt.Sprintf("rule-%d", rng.IntN(4)), levels[rng.IntN(6)], ips[rng.IntN(4)])
			a.Created = received
			a.Dedup = uint64(rng.IntN(6))
			b.Alerts = append(b.Alerts, a)
			b.EventIdx = append(b.EventIdx, []int{k})
		}
		write(t, s, b)
		m.write(b)
		if w%7 == 6 {
			tenant := tenants[rng.IntN(3)]
			before := t0.Add(time.Duration(rng.IntN(w+1)) * time.Minute)
			want := m.prune(tenant, w%2 == 0, before)
			got, err := s.Prune(context.Background(), tenant, w%2 == 0, before)
			if err != nil || got != want {
				t.Fatalf("Prune(%s, alerts=%v, %v) = %d, %v; want %d", tenant, w%2 == 0, before, got, err, want)
			}
		}
	}
	scopes := [][]string{nil, {"a"}, {"b", "c"}, {}, {"zzz"}}
	for range 200 {
		q := store.Query{Tenants: scopes[rng.IntN(len(scopes))]}
		if rng.IntN(2) == 0 {
			q.From = at(time.Duration(rng.IntN(420)) * time.Second)
		}
		if rng.IntN(2) == 0 {
			q.To = q.From.Add(time.Duration(1+rng.IntN(200)) * time.Second)
			if q.From.IsZero() {
				q.To = at(time.Duration(rng.IntN(420)) * time.Second)
			}
		}
		if rng.IntN(3) == 0 {
			q.SrcIP = ips[rng.IntN(4)]
		}
		if rng.IntN(3) == 0 {
			q.Level = levels[rng.IntN(6)]
		}
		if rng.IntN(4) == 0 {
			q.Rule = fmt.Sprintf("rule-%d", rng.IntN(4))
		}
		q.Limit = []int{0, 1, 7, 50, 1000}[rng.IntN(5)]
		if rng.IntN(3) == 0 {
			q.Offset = rng.IntN(60)
		}
		if rng.IntN(4) == 0 && len(m.events) > 0 {
			q.AfterID = m.events[rng.IntN(len(m.events))].ID
		}
		check(t, s, m, q)
		if t.Failed() {
			return
		}
	}
}

// testConcurrentReads reads while a writer writes: every read sees whole
// Writes (10 events and one alert each), never a part of one.
func testConcurrentReads(t *testing.T, open Opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const writes, per = 60, 10
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	report := func(err error) {
		select {
		case errs <- err:
		default:
		}
		cancel()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer cancel() // the readers stop once everything is written
		for w := range writes {
			b := &store.Batch{Alerts: []store.Alert{alert("a", at(0), "r", "low", "")}, EventIdx: [][]int{{0}}}
			for i := range per {
				e := ev("a", at(time.Duration(w*per+i)*time.Millisecond), "")
				e.Dedup = uint64(w*per + i + 1)
				b.Events = append(b.Events, e)
			}
			if err := s.Write(context.Background(), b); err != nil {
				report(fmt.Errorf("write %d: %w", w, err))
				return
			}
		}
	}()
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n, items, err := s.Events(context.Background(), store.Query{Tenants: []string{"a"}, Limit: 25})
				if err == nil && (n%per != 0 || len(items) > 25) {
					err = fmt.Errorf("reader %d saw %d events: part of a Write", r, n)
				}
				if err == nil {
					var na int
					na, _, err = s.Alerts(context.Background(), store.Query{})
					if err == nil && na > writes {
						err = fmt.Errorf("reader %d saw %d alerts", r, na)
					}
				}
				if err == nil {
					var d []uint64
					d, err = s.RecentDedup(context.Background(), 15)
					if err == nil && len(d) > 15 {
						err = fmt.Errorf("reader %d: %d dedup values for 15", r, len(d))
					}
				}
				if err != nil {
					report(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := events(t, s, store.Query{}); n != writes*per {
		t.Errorf("%d events at the end, want %d", n, writes*per)
	}
}

func testReopen(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	m := fixture(t, s)
	if err := s.PutSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	write(t, s, &store.Batch{Offsets: map[string]int64{"f": 7}})
	maxID := slices.Max(eventIDs(m.events))
	maxAlert := slices.Max(alertIDs(m.alerts))
	// Delete the newest events and alerts: their IDs must not come back.
	for _, tenant := range []string{"a", "b"} {
		for _, al := range []bool{false, true} {
			if _, err := s.Prune(ctx, tenant, al, t0.Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t)
	if v, err := s.Setting(ctx, "k"); err != nil || v != "v" {
		t.Errorf("setting after reopen: %q, %v", v, err)
	}
	if v, err := s.Offset(ctx, "f"); err != nil || v != 7 {
		t.Errorf("offset after reopen: %d, %v", v, err)
	}
	b := &store.Batch{Events: []store.Event{ev("a", at(0), "")}, Alerts: []store.Alert{alert("a", at(0), "r", "low", "")}}
	write(t, s, b)
	if b.Events[0].ID <= maxID || b.Alerts[0].ID <= maxAlert {
		t.Errorf("IDs after reopen: event %d (old max %d), alert %d (old max %d); IDs must not be reused",
			b.Events[0].ID, maxID, b.Alerts[0].ID, maxAlert)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t)
	if n, got := events(t, s, store.Query{}); n != 1 || got[0].ID != b.Events[0].ID {
		t.Errorf("after a second reopen: %d events", n)
	}
}

func testClosed(t *testing.T, open Opener) {
	s := open(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := context.Background()
	if err := s.Write(ctx, &store.Batch{Events: []store.Event{ev("a", at(0), "")}}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	if _, _, err := s.Events(ctx, store.Query{}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Events after Close: %v, want ErrClosed", err)
	}
}
