package dispatch_test

import (
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"tocsin/internal/notify"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/notify/notifytest"
)

// reloaded hands e's dispatcher over to a new one built from cfg, on the
// same clock and audit, and makes it e's.
func (e *env) reloaded(cfg dispatch.Config, rcvs ...notify.Receiver) []dispatch.Held {
	e.t.Helper()
	cfg.Timezone = "UTC"
	opts := dispatch.Options{Receivers: map[string]notify.Receiver{}, Audit: e.audit, Clock: e.clock,
		Jitter: func() float64 { return 1 }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, r := range rcvs {
		opts.Receivers[r.Name()] = r
	}
	d, err := dispatch.New(cfg, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	held := e.d.Handover()
	d.Adopt(held)
	e.d = d
	e.t.Cleanup(d.Stop)
	return held
}

func timed(receivers ...string) dispatch.Config {
	cfg := basic(receivers...)
	cfg.Route.GroupWait, cfg.Route.GroupInterval, cfg.Route.RepeatInterval = dur(30*time.Second), dur(time.Minute), dur(time.Hour)
	return cfg
}

// What a receiver was told is not told again after a reload; what
// changes afterwards is, and so is the end.
func TestHandoverToldOnce(t *testing.T) {
	soc := notifytest.NewRecorder("soc")
	e := start(t, timed("soc"), nil, soc)
	e.notify(level("a", notify.Orange, notify.Vert))
	e.settle(1)
	e.clock.Advance(30 * time.Second)
	if m := e.next(soc); m.Reason != "first" {
		t.Fatalf("first message %+v", m)
	}
	e.settle(1)
	held := e.reloaded(timed("soc"), soc)
	if len(held) != 1 || held[0].Resolved || held[0].Told["soc"] == 0 {
		t.Fatalf("held %+v", held)
	}
	e.settle(1)
	e.clock.Advance(2 * time.Minute)
	e.settle(1)
	if soc.Pending() != 0 {
		t.Fatalf("told again after the reload: %+v", e.next(soc))
	}
	e.notify(level("a", notify.Vert, notify.Orange))
	e.clock.Advance(time.Minute)
	if m := e.next(soc); m.Reason != "resolved" || m.Status != notify.Resolved {
		t.Errorf("the end after the reload: %+v", m)
	}
}

// A message still waiting in group_wait at the reload is sent by the new
// dispatcher; a receiver the reload added hears of what fires.
func TestHandoverPendingAndNewReceiver(t *testing.T) {
	soc, astreinte := notifytest.NewRecorder("soc"), notifytest.NewRecorder("astreinte")
	e := start(t, timed("soc"), nil, soc)
	e.notify(level("a", notify.Rouge, notify.Vert))
	e.settle(1)
	e.clock.Advance(10 * time.Second) // not sent yet
	e.reloaded(timed("soc", "astreinte"), soc, astreinte)
	e.settle(2)
	e.clock.Advance(30 * time.Second)
	for _, r := range []*notifytest.Recorder{soc, astreinte} {
		if m := e.next(r); m.Reason != "first" || len(m.Items) != 1 || m.Items[0].Level != notify.Rouge {
			t.Errorf("%s: %+v", r.Name(), m)
		}
	}
}

// A receiver told that something fires, whose route no longer takes it
// after the reload, hears that it is over; an end still untold at the
// reload is told.
func TestHandoverEnds(t *testing.T) {
	soc, mairie := notifytest.NewRecorder("soc"), notifytest.NewRecorder("mairie")
	e := start(t, timed("soc", "mairie"), nil, soc, mairie)
	e.notify(level("a", notify.Orange, notify.Vert))
	e.notify(level("b", notify.Jaune, notify.Vert))
	e.settle(4) // soc and mairie, tenants a and b
	e.clock.Advance(30 * time.Second)
	for _, r := range []*notifytest.Recorder{soc, soc, mairie, mairie} {
		e.next(r)
	}
	e.settle(4)
	e.notify(level("b", notify.Vert, notify.Jaune)) // its end waits for group_interval
	e.reloaded(timed("soc"), soc, mairie)
	e.settle(4)
	e.clock.Advance(time.Minute)
	// Messages are grouped by tenant: one per group, in any order.
	ends := func(r *notifytest.Recorder, n int) string {
		var got []string
		for range n {
			m := e.next(r)
			for _, it := range m.Items {
				got = append(got, it.Tenant+":"+string(it.Status))
			}
		}
		sort.Strings(got)
		return strings.Join(got, " ")
	}
	if got := ends(soc, 1); got != "b:resolved" {
		t.Errorf("soc, which still routes both: %s", got)
	}
	if got := ends(mairie, 2); got != "a:resolved b:resolved" {
		t.Errorf("mairie, routed nothing any more: %s", got)
	}
	e.settle(1) // soc's group a: unchanged, nothing to say
	if soc.Pending() != 0 {
		t.Errorf("soc told again: %+v", e.next(soc))
	}
}
