package dispatch_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tocsin/internal/notify"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/notify/notifytest"
)

func TestGroupWaitBatches(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	cfg := basic("soc")
	cfg.Route.GroupBy = []string{"scope"} // every tenant in one group
	e := start(t, cfg, nil, rec)

	e.notify(alert("a", "1", notify.Jaune))
	e.settle(1)
	e.clock.Advance(10 * time.Second)
	e.notify(alert("b", "2", notify.Orange))
	e.clock.Advance(19 * time.Second)
	if e.clock.Armed() != 1 || rec.Pending() != 0 {
		t.Fatalf("flushed before group_wait: armed %d, pending %d", e.clock.Armed(), rec.Pending())
	}
	e.clock.Advance(time.Second)
	m := e.next(rec)
	if len(m.Items) != 2 || m.Reason != "first" || m.Status != notify.Firing {
		t.Fatalf("message %+v", m)
	}
	if m.Items[0].Level != notify.Orange || m.Items[1].Level != notify.Jaune {
		t.Errorf("items not ordered by level: %v, %v", m.Items[0].Level, m.Items[1].Level)
	}
	if m.GroupKey != `{}:{scope="tenant"}` || m.GroupLabels["scope"] != "tenant" {
		t.Errorf("group %q %v", m.GroupKey, m.GroupLabels)
	}
	if !strings.Contains(m.Subject, "(+1)") || m.Text == "" || m.HTML == "" {
		t.Errorf("not rendered: %q", m.Subject)
	}
}

func TestGroupIntervalAndRepeat(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	cfg := basic("soc")
	cfg.Route.GroupInterval, cfg.Route.RepeatInterval = dur(time.Minute), dur(10*time.Minute)
	e := start(t, cfg, nil, rec)

	e.notify(alert("a", "1", notify.Jaune))
	e.settle(1)
	e.clock.Advance(30 * time.Second)
	if m := e.next(rec); m.Reason != "first" || len(m.Items) != 1 {
		t.Fatalf("first message %+v", m)
	}
	e.settle(1)
	e.notify(alert("a", "2", notify.Jaune))
	e.clock.Advance(59 * time.Second)
	if e.clock.Armed() != 1 || rec.Pending() != 0 {
		t.Fatal("a new item was sent before group_interval")
	}
	e.clock.Advance(time.Second)
	if m := e.next(rec); m.Reason != "updated" || len(m.Items) != 2 {
		t.Fatalf("second message %+v", m)
	}
	// Nothing changes: the group ticks every minute and repeats after ten.
	for i := 1; i < 10; i++ {
		e.settle(1)
		e.clock.Advance(time.Minute)
	}
	e.settle(1)
	if rec.Pending() != 0 {
		t.Fatal("repeated before repeat_interval")
	}
	e.clock.Advance(time.Minute)
	if m := e.next(rec); m.Reason != "repeat" || len(m.Items) != 2 {
		t.Fatalf("repeat %+v", m)
	}
	// The same content updated is not news.
	e.settle(1)
	e.notify(alert("a", "2", notify.Jaune))
	e.clock.Advance(time.Minute)
	e.settle(1)
	if rec.Pending() != 0 {
		t.Fatal("an unchanged update was sent")
	}
}

func TestResolved(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	e := start(t, basic("soc"), nil, rec)

	e.notify(level("a", notify.Orange, notify.Jaune))
	e.settle(1)
	e.clock.Advance(dispatch.DefaultGroupWait)
	if m := e.next(rec); m.Status != notify.Firing {
		t.Fatalf("%+v", m)
	}
	e.settle(1)
	back := level("a", notify.Vert, notify.Orange)
	back.Since = t0.Add(3 * time.Minute)
	e.notify(back)
	e.clock.Advance(dispatch.DefaultGroupInterval)
	m := e.next(rec)
	if m.Status != notify.Resolved || m.Reason != "resolved" || len(m.Items) != 1 || m.Items[0].Status != notify.Resolved {
		t.Fatalf("resolved message %+v", m)
	}
	if !m.Items[0].EndsAt.Equal(back.Since) || !m.Items[0].StartsAt.Equal(t0) {
		t.Errorf("startsAt %v endsAt %v", m.Items[0].StartsAt, m.Items[0].EndsAt)
	}
	if !strings.HasPrefix(m.Text, "RETOUR AU VERT — Ville a") {
		t.Errorf("text %q", m.Text)
	}
	e.settle(0) // the group emptied and its goroutine ended
}

func TestResolvedBeforeGroupWaitIsNeverSent(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	e := start(t, basic("soc"), nil, rec)
	e.notify(level("b", notify.Jaune, notify.Vert))
	e.settle(1)
	e.notify(level("b", notify.Vert, notify.Jaune))
	e.clock.Advance(dispatch.DefaultGroupWait)
	e.settle(0)
	if rec.Pending() != 0 || len(e.audit.Entries()) != 0 {
		t.Fatalf("sent %d, audit %v", rec.Pending(), e.audit.Entries())
	}
}

func TestUrgentRouge(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	e := start(t, basic("soc"), nil, rec)

	e.notify(level("a", notify.Rouge, notify.Orange))
	if m := e.next(rec); m.Items[0].Level != notify.Rouge { // no clock advance: group_wait skipped
		t.Fatalf("%+v", m)
	}
	e.settle(1)
	e.notify(level("a", notify.Orange, notify.Rouge)) // going down waits for group_interval
	e.settle(1)
	if rec.Pending() != 0 {
		t.Fatal("a lower level skipped group_interval")
	}
	e.clock.Advance(dispatch.DefaultGroupInterval)
	if m := e.next(rec); m.Items[0].Level != notify.Orange {
		t.Fatalf("%+v", m)
	}
	e.settle(1)
	e.notify(level("a", notify.Rouge, notify.Orange)) // back up: at once
	if m := e.next(rec); m.Items[0].Level != notify.Rouge || m.Reason != "updated" {
		t.Fatalf("%+v", m)
	}
}

func TestUrgentSupersedesRetry(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	rec.Fail = func(_ int, m notify.Message) error {
		if m.Items[0].Level < notify.Rouge {
			return errors.New("HTTP 502")
		}
		return nil
	}
	e := start(t, basic("soc"), nil, rec)
	e.notify(level("a", notify.Orange, notify.Jaune))
	e.settle(1)
	e.clock.Advance(dispatch.DefaultGroupWait)
	e.waitAudit("a failed attempt", func(es []dispatch.Entry) bool { return count(es, dispatch.Failed) == 1 })
	e.settle(1) // waiting to retry
	e.notify(level("a", notify.Rouge, notify.Orange))
	m := e.next(rec)
	if m.Items[0].Level != notify.Rouge {
		t.Fatalf("%+v", m)
	}
	es := e.waitAudit("sent", func(es []dispatch.Entry) bool { return count(es, dispatch.Sent) == 1 })
	if count(es, dispatch.Superseded) != 1 {
		t.Errorf("audit %v: want the orange message superseded", es)
	}
}

func TestRetryGivesUpAtDeadline(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	rec.Fail = func(int, notify.Message) error { return errors.New("HTTP 500") }
	cfg := basic("soc")
	cfg.Retry = dispatch.RetryConfig{InitialBackoff: time.Second, MaxBackoff: 4 * time.Second, Deadline: 10 * time.Second}
	e := start(t, cfg, nil, rec)
	e.notify(level("a", notify.Rouge, notify.Orange))
	// Attempts at 0, 1, 3 and 7 s; the next would come after 11 s > 10 s.
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		es := e.waitAudit("failure", func(es []dispatch.Entry) bool { return count(es, dispatch.Failed) == i+1 })
		if got := es[len(es)-1].RetryIn; got != wait {
			t.Errorf("attempt %d: retry in %v, want %v", i+1, got, wait)
		}
		e.settle(1)
		e.clock.Advance(wait)
	}
	es := e.waitAudit("give up", func(es []dispatch.Entry) bool { return count(es, dispatch.GaveUp) == 1 })
	last := es[len(es)-1]
	if last.Attempt != 4 || last.Error != "HTTP 500" || last.Level != notify.Rouge || last.Fingerprints[0] != "level/a" {
		t.Errorf("give-up entry %+v", last)
	}
	ids := map[string]bool{}
	for _, x := range es {
		ids[x.MessageID] = true
	}
	if len(ids) != 1 {
		t.Errorf("retries used %d message IDs, want 1", len(ids))
	}
}

func TestPermanentErrorGivesUpAtOnce(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	rec.Fail = func(int, notify.Message) error { return notify.Permanent(errors.New("HTTP 400")) }
	e := start(t, basic("soc"), nil, rec)
	e.notify(level("a", notify.Rouge, notify.Orange))
	es := e.waitAudit("give up", func(es []dispatch.Entry) bool { return count(es, dispatch.GaveUp) == 1 })
	if len(es) != 1 || es[0].Attempt != 1 {
		t.Errorf("audit %+v", es)
	}
}

func TestSilence(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	e := start(t, basic("soc"), nil, rec)
	id, err := e.d.AddSilence(dispatch.Silence{
		Matchers: dispatch.Matchers{dispatch.MustMatcher("tenant = a")}, EndsAt: t0.Add(time.Hour),
		CreatedBy: "rssi", Comment: "maintenance planifiée",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.notify(level("a", notify.Rouge, notify.Orange))
	e.notify(level("b", notify.Rouge, notify.Orange))
	if m := e.next(rec); m.Items[0].Tenant != "b" {
		t.Fatalf("%+v", m)
	}
	es := e.waitAudit("silenced", func(es []dispatch.Entry) bool { return count(es, dispatch.Silenced) == 1 })
	for _, x := range es {
		if x.Outcome == dispatch.Silenced && (x.SilenceID != id || x.Fingerprints[0] != "level/a") {
			t.Errorf("silenced entry %+v", x)
		}
	}
	e.settle(2)
	if rec.Pending() != 0 {
		t.Fatal("a silenced notification was sent")
	}
	if err := e.d.ExpireSilence(id); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(dispatch.DefaultGroupInterval)
	if m := e.next(rec); m.Items[0].Tenant != "a" || m.Reason != "first" {
		t.Fatalf("after the silence: %+v", m)
	}
	if err := e.d.ExpireSilence("nope"); !errors.Is(err, dispatch.ErrSilence) {
		t.Errorf("unknown silence: %v", err)
	}
	if _, err := e.d.AddSilence(dispatch.Silence{EndsAt: t0}); !errors.Is(err, dispatch.ErrSilence) {
		t.Errorf("invalid silence: %v", err)
	}
}

// TestLeftRoute: a rouge-only route tells its receiver when the level
// falls below rouge, while the general route carries on.
func TestLeftRoute(t *testing.T) {
	soc, elus := notifytest.NewRecorder("soc"), notifytest.NewRecorder("elus")
	cfg := basic("soc")
	cfg.Route.Routes = []dispatch.RouteConfig{
		{Matchers: []string{"level >= rouge"}, Receivers: []string{"elus"}, Continue: true},
		{Receivers: []string{"soc"}},
	}
	e := start(t, cfg, nil, soc, elus)
	e.notify(level("a", notify.Rouge, notify.Orange))
	e.next(soc)
	if m := e.next(elus); m.Status != notify.Firing {
		t.Fatalf("%+v", m)
	}
	e.settle(2)
	e.notify(level("a", notify.Orange, notify.Rouge))
	e.clock.Advance(dispatch.DefaultGroupInterval)
	if m := e.next(soc); m.Status != notify.Firing || m.Items[0].Level != notify.Orange {
		t.Errorf("soc: %+v", m)
	}
	m := e.next(elus)
	if m.Status != notify.Resolved || m.Items[0].Level != notify.Orange {
		t.Fatalf("elus: %+v", m)
	}
	if !strings.HasPrefix(m.Text, "ALERTE ORANGE — Ville a") || !strings.Contains(m.Text, "En baisse : le niveau était rouge") {
		t.Errorf("elus text %q", m.Text)
	}
	e.settle(1) // the elus group is gone, soc's remains
}

func TestNotifyErrors(t *testing.T) {
	rec := notifytest.NewRecorder("soc")
	e := start(t, basic("soc"), nil, rec)
	if err := e.d.Notify(t.Context(), notify.Notification{Kind: "weather"}); !errors.Is(err, notify.ErrInvalidNotification) {
		t.Errorf("bad kind: %v", err)
	}
	e.d.Stop()
	if err := e.d.Notify(t.Context(), level("a", notify.Rouge, notify.Orange)); !errors.Is(err, dispatch.ErrStopped) {
		t.Errorf("after stop: %v", err)
	}
}
