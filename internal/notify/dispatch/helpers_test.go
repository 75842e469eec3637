package dispatch_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tocsin/internal/notify"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/notify/notifytest"
)

var t0 = time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC)

// env is a running dispatcher on a fake clock.
type env struct {
	t     *testing.T
	d     *dispatch.Dispatcher
	clock *notifytest.FakeClock
	audit *dispatch.MemoryAudit
	ctx   context.Context // bounds every wait, so a broken test fails instead of hanging
}

func start(t *testing.T, cfg dispatch.Config, logger *slog.Logger, rcvs ...notify.Receiver) *env {
	t.Helper()
	if cfg.Timezone == "" {
		cfg.Timezone = "UTC"
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	opts := dispatch.Options{
		Receivers: map[string]notify.Receiver{},
		Audit:     dispatch.NewMemoryAudit(),
		Clock:     notifytest.NewFakeClock(t0),
		Logger:    logger,
		Jitter:    func() float64 { return 1 }, // the full backoff: deterministic waits
	}
	for _, r := range rcvs {
		opts.Receivers[r.Name()] = r
	}
	d, err := dispatch.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = d.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(wcancel)
	return &env{t: t, d: d, clock: opts.Clock.(*notifytest.FakeClock), audit: opts.Audit.(*dispatch.MemoryAudit), ctx: wctx}
}

func (e *env) notify(n notify.Notification) {
	e.t.Helper()
	if err := e.d.Notify(context.Background(), n); err != nil {
		e.t.Fatal(err)
	}
}

// settle waits until n timers are armed: every goroutine is waiting.
func (e *env) settle(n int) {
	e.t.Helper()
	if err := e.clock.BlockUntil(e.ctx, n); err != nil {
		e.t.Fatalf("waiting for %d armed timers (have %d): %v", n, e.clock.Armed(), err)
	}
}

func (e *env) next(r *notifytest.Recorder) notify.Message {
	e.t.Helper()
	m, err := r.Next(e.ctx)
	if err != nil {
		e.t.Fatalf("%s: no message: %v", r.Name(), err)
	}
	return m
}

func (e *env) waitAudit(what string, cond func([]dispatch.Entry) bool) []dispatch.Entry {
	e.t.Helper()
	if err := e.audit.Wait(e.ctx, cond); err != nil {
		e.t.Fatalf("audit: waiting for %s: %v\n%v", what, err, e.audit.Entries())
	}
	return e.audit.Entries()
}

func count(entries []dispatch.Entry, o dispatch.Outcome) int {
	n := 0
	for _, e := range entries {
		if e.Outcome == o {
			n++
		}
	}
	return n
}

func level(tenant string, l, prev notify.Level) notify.Notification {
	return notify.Notification{
		Kind: notify.KindLevel, Tenant: tenant, TenantName: "Ville " + tenant, Level: l, Previous: prev,
		Summary: "résumé " + l.String(), Since: t0,
	}
}

func alert(tenant, id string, l notify.Level) notify.Notification {
	return notify.Notification{
		Kind: notify.KindAlert, Tenant: tenant, Level: l, Title: "alerte " + id, Fingerprint: "alert/" + id, Since: t0,
	}
}

func dur(d time.Duration) *time.Duration { return &d }

func basic(receivers ...string) dispatch.Config {
	return dispatch.Config{Route: dispatch.RouteConfig{Receivers: receivers}}
}
