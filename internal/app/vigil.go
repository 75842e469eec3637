package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"tocsin/internal/alert"
	"tocsin/internal/notify"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/store"
)

// vigil keeps watch: stored detections go into the alert engine (alerts,
// campaigns, levels from vert to rouge), level changes and campaigns go to
// the notifications, and the engine's state is saved in the store so that
// a restart keeps the levels.
type vigil struct {
	log      *slog.Logger
	store    store.Store
	notify   *dispatch.Dispatcher // nil: nobody to tell
	names    map[string]string    // tenant id -> display name
	in       chan []store.Alert
	dropped  atomic.Uint64
	mu       sync.Mutex // guards eng: the loop writes, the API reads
	eng      *alert.Engine
	lastSave time.Time
}

const vigilSetting = "alert_engine_state"

func newVigil(ctx context.Context, st store.Store, p alert.Policy, tenants []string, names map[string]string, d *dispatch.Dispatcher, log *slog.Logger) (*vigil, error) {
	eng, err := alert.New(p)
	if err != nil {
		return nil, err
	}
	if data, err := st.Setting(ctx, vigilSetting); err == nil {
		if err := eng.Restore([]byte(data)); err != nil {
			// A state this version cannot read: start over rather than
			// refuse to start; the alerts themselves are in the store.
			log.Warn("alert state not restored; levels start from vert", "err", err)
			eng, _ = alert.New(p)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err := eng.SetTenants(tenants); err != nil {
		return nil, err
	}
	return &vigil{log: log, store: st, notify: d, names: names, in: make(chan []store.Alert, 4096), eng: eng}, nil
}

// offer hands stored alerts over without blocking the writer; a full
// queue drops and counts (the alerts stay in the store).
func (v *vigil) offer(alerts []store.Alert) {
	select {
	case v.in <- alerts:
	default:
		v.dropped.Add(uint64(len(alerts)))
	}
}

// run observes until ctx ends, advancing the engine's clock every few
// seconds so that quiet periods end without new detections, then saves.
func (v *vigil) run(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			// The pipeline has written its last batch: take what it
			// handed over, then save.
			for {
				select {
				case batch := <-v.in:
					v.observe(context.WithoutCancel(ctx), batch)
					continue
				default:
				}
				break
			}
			v.save(context.WithoutCancel(ctx))
			return
		case batch := <-v.in:
			v.observe(ctx, batch)
		case now := <-tick.C:
			v.mu.Lock()
			var changes []alert.Change
			// Event time drives the engine; the wall clock moves it on
			// only when no event is newer (a live stream).
			if now.After(v.eng.Now()) {
				changes = v.eng.Advance(now)
			}
			v.mu.Unlock()
			v.tell(ctx, changes)
			if now.Sub(v.lastSave) > 10*time.Second {
				v.save(ctx)
			}
		}
	}
}

func (v *vigil) observe(ctx context.Context, batch []store.Alert) {
	var all []alert.Change
	v.mu.Lock()
	for _, a := range batch {
		d := alert.Detection{ID: a.ID, Kind: a.Kind, Tenant: a.Tenant, Time: a.Time, First: a.First,
			Rule:  alert.Rule{ID: a.RuleID, Title: a.Title, Level: a.Level, Author: a.Author, Tags: a.Tags},
			SrcIP: a.SrcIP, Entities: a.Entities, Group: a.Group, Count: a.Count}
		if h, ok := a.Entities["host"]; ok {
			d.Host = h
		}
		changes, err := v.eng.Observe(d)
		if err != nil {
			v.log.Warn("detection not observed", "tenant", a.Tenant, "rule", a.Title, "err", err)
			continue
		}
		all = append(all, changes...)
	}
	v.mu.Unlock()
	v.tell(ctx, all)
}

// tell logs level changes and campaigns and hands them to the
// notifications.
func (v *vigil) tell(ctx context.Context, changes []alert.Change) {
	for _, c := range changes {
		var n notify.Notification
		switch {
		case c.Kind == alert.LevelChanged && c.Level != nil:
			v.log.Info("level changed", "tenant", c.Tenant, "from", c.Level.From.String(), "to", c.Level.To.String())
			n = notify.Notification{Kind: notify.KindLevel, Tenant: c.Tenant, TenantName: v.names[c.Tenant], Since: c.At}
			n.Level, _ = notify.ParseLevel(c.Level.To.String())
			n.Previous, _ = notify.ParseLevel(c.Level.From.String())
			for _, r := range c.Level.Reasons {
				n.Reasons = append(n.Reasons, notify.Reason{Kind: r.Kind, ID: r.ID, Text: r.Text})
			}
			if len(n.Reasons) > 0 {
				n.Summary = n.Reasons[0].Text
			}
		case c.Kind == alert.CampaignOpened && c.Campaign != nil:
			v.log.Info("campaign opened", "campaign", c.CampaignID, "tenants", c.Campaign.Tenants)
			n = notify.Notification{Kind: notify.KindCampaign, Title: c.CampaignID, Since: c.Campaign.First, Severity: c.Campaign.Severity,
				Fingerprint: "campaign/" + c.CampaignID}
			n.Summary = campaignSummary(c.Campaign)
		default:
			continue
		}
		if v.notify != nil {
			if err := v.notify.Notify(ctx, n); err != nil && ctx.Err() == nil {
				v.log.Error("notification not queued", "kind", n.Kind, "tenant", n.Tenant, "err", err)
			}
		}
	}
}

func campaignSummary(c *alert.Campaign) string {
	s := "Campagne " + c.ID + " : " + c.Key.Kind + " " + c.Key.Value + " sur "
	for i, t := range c.Tenants {
		if i > 0 {
			s += ", "
		}
		s += t
	}
	return s
}

func (v *vigil) save(ctx context.Context) {
	v.mu.Lock()
	data, err := v.eng.Snapshot()
	v.mu.Unlock()
	if err == nil {
		err = v.store.PutSetting(ctx, vigilSetting, string(data))
	}
	if err != nil && ctx.Err() == nil {
		v.log.Error("alert state not saved", "err", err)
	}
	v.lastSave = time.Now()
}

// levels answers GET /api/v1/levels. A tenant's token sees its own level
// and the platform's, without the platform's reasons (they name other
// tenants).
func (v *vigil) levels(tenant string) any {
	v.mu.Lock()
	l := v.eng.Levels()
	v.mu.Unlock()
	if tenant == "" {
		return l
	}
	l.Platform.Reasons = []alert.Reason{}
	own := []alert.TenantLevel{}
	for _, t := range l.Tenants {
		if t.Tenant == tenant {
			own = append(own, t)
		}
	}
	l.Tenants = own
	return l
}
