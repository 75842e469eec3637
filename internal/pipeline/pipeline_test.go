package pipeline

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tocsin/internal/ingest"
	"tocsin/internal/ruleset"
	"tocsin/internal/store"
	"tocsin/internal/tenant"
)

// memStore stands in for a store in these unit tests of the pipeline's
// logic; the real backends are tested by store/storetest and serve's
// integration tests.
type memStore struct {
	mu      sync.Mutex
	events  []store.Event
	alerts  []store.Alert
	writes  int
	fail    error
	initial []uint64
}

func (m *memStore) Write(ctx context.Context, b *store.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.writes++
	m.events = append(m.events, b.Events...)
	m.alerts = append(m.alerts, b.Alerts...)
	return nil
}

func (m *memStore) RecentDedup(ctx context.Context, n int) ([]uint64, error) { return m.initial, nil }

func builtinRules(t testing.TB, router *tenant.Router) *Rules {
	t.Helper()
	rs := ruleset.Check(ruleset.Builtin(), nil)
	return &Rules{Detect: rs.Detect, Rules: rs.Rules, Router: router, AlertLevel: "low"}
}

func sshLines(ip string, n int, start time.Time) [][]byte {
	var out [][]byte
	for i := range n {
		ts := start.Add(time.Duration(i) * 2 * time.Second).Format("Jan _2 15:04:05")
		out = append(out, fmt.Appendf(nil, "<38>%s web01 sshd[%d]: Failed password for invalid user admin%d from %s port %d ssh2", ts, 1000+i, i, ip, 40000+i))
	}
	return out
}

func start(t *testing.T, st *memStore, r *Rules) (*Pipeline, chan error) {
	t.Helper()
	return startWith(t, st, r)
}

func TestBruteForceBecomesAlertPerTenant(t *testing.T) {
	router := tenant.NewRouter([]tenant.Rules{
		{ID: "ville-a", Networks: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}},
		{ID: "ville-b", Networks: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/16")}},
	}, "quarantine")
	st := &memStore{}
	p, done := start(t, st, builtinRules(t, router))
	ctx := context.Background()
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	// The same attacker against two tenants, 12 failures each, and a
	// sender nobody claims.
	for _, peer := range []string{"10.1.0.5", "10.2.0.9", "192.0.2.1"} {
		var msgs []ingest.Message
		for _, l := range sshLines("203.0.113.7", 12, t0) {
			msgs = append(msgs, ingest.Message{Data: l, Transport: "tcp", Listener: "syslog-tcp", Peer: netip.MustParseAddr(peer)})
		}
		acked := make(chan error, 1)
		if err := p.Submit(ctx, &ingest.Batch{Msgs: msgs, Done: func(err error) { acked <- err }}); err != nil {
			t.Fatal(err)
		}
		if err := <-acked; err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	byTenant := map[string]int{}
	for _, e := range st.events {
		byTenant[e.Tenant]++
		if e.SrcIP != "203.0.113.7" || e.Service != "sshd" || e.Host != "web01" {
			t.Fatalf("event %+v", e)
		}
	}
	if byTenant["ville-a"] != 12 || byTenant["ville-b"] != 12 || byTenant["quarantine"] != 12 {
		t.Errorf("events per tenant %v", byTenant)
	}
	brute := map[string]int{}
	for _, a := range st.alerts {
		if a.Kind == "correlation" && a.Title == "SSH Brute Force" {
			brute[a.Tenant]++
			if a.SrcIP != "203.0.113.7" || a.Group["src_ip"] != "203.0.113.7" {
				t.Errorf("alert %+v", a)
			}
		}
	}
	// Each tenant's correlation counts only its own events.
	if brute["ville-a"] != 1 || brute["ville-b"] != 1 || brute["quarantine"] != 1 {
		t.Errorf("brute-force alerts per tenant %v (alerts %d)", brute, len(st.alerts))
	}
}

func TestDuplicateDeliveriesStoredOnce(t *testing.T) {
	router := tenant.NewRouter(nil, "quarantine")
	st := &memStore{initial: []uint64{1001}} // stored before a restart
	p, done := start(t, st, builtinRules(t, router))
	ctx := context.Background()
	batch := func(ids ...uint64) *ingest.Batch {
		b := &ingest.Batch{}
		for _, id := range ids {
			b.Msgs = append(b.Msgs, ingest.Message{Data: fmt.Appendf(nil, "line %d", id), Tenant: "t", Dedup: id, Retry: true, Exact: true})
		}
		return b
	}
	for _, b := range []*ingest.Batch{batch(1001, 1002, 1003), batch(1002, 1003, 1004), batch(1004, 1004, 0, 0)} {
		if err := p.Submit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := map[uint64]int{}
	for _, e := range st.events {
		got[e.Dedup]++
	}
	want := map[uint64]int{1002: 1, 1003: 1, 1004: 1, 0: 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored %v, want %v", got, want)
	}
}

// A known id without Retry is a genuine repeat (the same syslog line twice
// from one sender): kept.
func TestRepeatWithoutRetryKept(t *testing.T) {
	st := &memStore{initial: []uint64{55}}
	p, done := start(t, st, builtinRules(t, tenant.NewRouter(nil, "q")))
	b := &ingest.Batch{}
	for _, retry := range []bool{false, false, true} {
		b.Msgs = append(b.Msgs, ingest.Message{Data: []byte("same line"), Tenant: "t", Dedup: 55, Retry: retry})
	}
	if err := p.Submit(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	p.Close()
	<-done
	if len(st.events) != 2 {
		t.Errorf("stored %d of 2 genuine repeats", len(st.events))
	}
}

func TestStoreFailureFailsTheSenders(t *testing.T) {
	st := &memStore{fail: fmt.Errorf("disk full")}
	p, done := start(t, st, builtinRules(t, tenant.NewRouter(nil, "q")))
	acked := make(chan error, 1)
	if err := p.Submit(context.Background(), &ingest.Batch{Msgs: []ingest.Message{{Data: []byte("x"), Dedup: 7, Retry: true}}, Done: func(err error) { acked <- err }}); err != nil {
		t.Fatal(err)
	}
	if err := <-acked; err == nil {
		t.Error("acknowledged a batch that was not stored")
	}
	// The failed delivery is not remembered: its retry is stored.
	st.mu.Lock()
	st.fail = nil
	st.mu.Unlock()
	if err := p.Submit(context.Background(), &ingest.Batch{Msgs: []ingest.Message{{Data: []byte("x"), Dedup: 7, Retry: true}}, Done: func(err error) { acked <- err }}); err != nil {
		t.Fatal(err)
	}
	if err := <-acked; err != nil {
		t.Fatal(err)
	}
	p.Close()
	<-done
	if len(st.events) != 1 {
		t.Errorf("stored %d events", len(st.events))
	}
	if err := p.Submit(context.Background(), &ingest.Batch{}); err != ErrClosed {
		t.Errorf("submit after close: %v", err)
	}
}

func TestTrySubmitWhenFull(t *testing.T) {
	st := &memStore{}
	p, err := New(Options{Store: st, Workers: 1, Queue: 2}, builtinRules(t, tenant.NewRouter(nil, "q")))
	if err != nil {
		t.Fatal(err)
	}
	// Not running: the queue fills.
	for i := range 2 {
		if err := p.TrySubmit(&ingest.Batch{}); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if err := p.TrySubmit(&ingest.Batch{}); err != ingest.ErrFull {
		t.Errorf("got %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := p.Submit(ctx, &ingest.Batch{}); err != context.DeadlineExceeded {
		t.Errorf("blocking submit: %v", err)
	}
}

// A sender whose clock runs an hour ahead does not blind a tenant's
// correlations to the other senders.
func TestClockAheadDoesNotHideOthers(t *testing.T) {
	st := &memStore{}
	p, done := start(t, st, builtinRules(t, tenant.NewRouter(nil, "q")))
	ctx := context.Background()
	now := time.Now()
	submit := func(lines [][]byte) {
		var msgs []ingest.Message
		for _, l := range lines {
			msgs = append(msgs, ingest.Message{Data: l, Tenant: "t"})
		}
		acked := make(chan error, 1)
		if err := p.Submit(ctx, &ingest.Batch{Msgs: msgs, Done: func(err error) { acked <- err }}); err != nil {
			t.Fatal(err)
		}
		<-acked
	}
	submit(sshLines("198.51.100.9", 1, now.Add(time.Hour))) // a host with a clock ahead
	// The attack arrives over several writes, as a live one does.
	for _, l := range sshLines("203.0.113.7", 12, now.Add(-time.Minute)) {
		submit([][]byte{l})
	}
	p.Close()
	<-done
	found := false
	for _, a := range st.alerts {
		if a.Title == "SSH Brute Force" && a.SrcIP == "203.0.113.7" {
			found = true
		}
	}
	if !found {
		t.Error("the brute force was lost behind a clock an hour ahead")
	}
}

// An administrator logging in from a new source is reported per tenant:
// each tenant learns its own usual sources.
func TestAdminNewSourcePerTenant(t *testing.T) {
	router := tenant.NewRouter(nil, "quarantine")
	st := &memStore{}
	p, done := start(t, st, builtinRules(t, router))
	t0 := time.Now().Add(-72 * time.Hour).UTC().Truncate(time.Second)
	logon := func(tn string, at time.Duration, ip string) ingest.Message {
		return ingest.Message{Tenant: tn, Transport: "tcp", Data: fmt.Appendf(nil,
			"<38>%s web01 sshd[7]: Accepted password for root from %s port 40000 ssh2", t0.Add(at).Format(time.RFC3339), ip)}
	}
	// ville-a's root always comes from 10.1.0.5; ville-b's from
	// 203.0.113.80, the address that is new for ville-a on day two.
	batch := &ingest.Batch{Msgs: []ingest.Message{
		logon("ville-a", 0, "10.1.0.5"), logon("ville-b", 0, "203.0.113.80"),
		logon("ville-a", 30*time.Hour, "10.1.0.5"), logon("ville-b", 30*time.Hour, "203.0.113.80"),
		logon("ville-a", 31*time.Hour, "203.0.113.80"),
	}}
	if err := p.Submit(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range st.alerts {
		if a.Title == "SSH Administrator Logon From a New Source" {
			got = append(got, a.Tenant+" "+a.SrcIP+" "+a.Group["user"])
		}
	}
	if want := []string{"ville-a 203.0.113.80 root"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("new-source alerts %q, want %q (events %d, alerts %d)", got, want, len(st.events), len(st.alerts))
	}
}

// settingStore is a memStore that keeps settings, as the real stores do.
type settingStore struct {
	memStore
	settings map[string]string
}

func (s *settingStore) Setting(ctx context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.settings[key]
	if !ok {
		return "", store.ErrNotFound
	}
	return v, nil
}

func (s *settingStore) PutSetting(ctx context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[key] = value
	return nil
}

// What first_seen learnt survives a reload of the rules and a restart:
// a new source right after either is still new, a learnt one still known.
func TestFirstSeenSurvivesReloadAndRestart(t *testing.T) {
	st := &settingStore{settings: map[string]string{}}
	t0 := time.Now().Add(-72 * time.Hour).UTC().Truncate(time.Second)
	logon := func(at time.Duration, ip string) ingest.Message {
		return ingest.Message{Tenant: "ville-a", Transport: "tcp", Data: fmt.Appendf(nil,
			"<38>%s web01 sshd[7]: Accepted password for root from %s port 40000 ssh2", t0.Add(at).Format(time.RFC3339), ip)}
	}
	submit := func(p *Pipeline, msgs ...ingest.Message) {
		t.Helper()
		acked := make(chan error, 1)
		if err := p.Submit(context.Background(), &ingest.Batch{Msgs: msgs, Done: func(err error) { acked <- err }}); err != nil {
			t.Fatal(err)
		}
		if err := <-acked; err != nil {
			t.Fatal(err)
		}
	}
	newSources := func() []string {
		st.mu.Lock()
		defer st.mu.Unlock()
		var out []string
		for _, a := range st.alerts {
			if a.Title == "SSH Administrator Logon From a New Source" {
				out = append(out, a.SrcIP)
			}
		}
		return out
	}
	router := tenant.NewRouter(nil, "quarantine")
	// Day one: root learns 10.1.0.5 and 10.1.0.6. A reload in between.
	p, done := startWith(t, st, builtinRules(t, router))
	submit(p, logon(0, "10.1.0.5"))
	if err := p.Swap(builtinRules(t, router)); err != nil {
		t.Fatal(err)
	}
	submit(p, logon(time.Hour, "10.1.0.6"), logon(30*time.Hour, "10.1.0.5"), logon(30*time.Hour, "203.0.113.90"))
	p.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(newSources()); got != "[203.0.113.90]" {
		t.Fatalf("before the restart: new sources %s", got)
	}
	if st.settings[firstSeenSetting] == "" {
		t.Fatal("nothing saved at shutdown")
	}
	// After a restart: the learnt sources are known, a new one is new.
	p, done = startWith(t, st, builtinRules(t, router))
	submit(p, logon(31*time.Hour, "10.1.0.6"), logon(32*time.Hour, "203.0.113.91"), logon(33*time.Hour, "203.0.113.90"))
	p.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(newSources()); got != "[203.0.113.90 203.0.113.91]" {
		t.Errorf("after the restart: new sources %s", got)
	}
}

func startWith(t *testing.T, w Writer, r *Rules) (*Pipeline, chan error) {
	t.Helper()
	p, err := New(Options{Store: w, Workers: 2, Batch: 100, Flush: 10 * time.Millisecond, Dedup: 1000, Registry: prometheus.NewRegistry()}, r)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	return p, done
}
