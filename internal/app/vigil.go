package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tocsin/internal/alert"
	"tocsin/internal/config"
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
	nmu      sync.RWMutex      // guards notify: a reload replaces it
	notify   notifier          // nil: nobody to tell
	names    map[string]string // tenant id -> display name
	in       chan []store.Alert
	dropped  atomic.Uint64
	mu       sync.Mutex // guards eng: the loop writes, the API reads
	eng      *alert.Engine
	lastSave time.Time
}

const vigilSetting = "alert_engine_state"

// maxSkew is how far ahead of the wall clock an event's time may be.
const maxSkew = 5 * time.Minute

// notifier is what the vigil needs of the notifications (a
// dispatch.Dispatcher).
type notifier interface {
	Notify(ctx context.Context, n notify.Notification) error
}

func newVigil(ctx context.Context, st store.Store, p alert.Policy, d notifier, log *slog.Logger) (*vigil, error) {
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
	return &vigil{log: log, store: st, notify: d, in: make(chan []store.Alert, 4096), eng: eng}, nil
}

// setPolicy replaces the alerting policy, keeping the engine's state
// (alerts, campaigns, levels and their history): the new policy applies
// from the next detection or tick on.
func (v *vigil) setPolicy(p alert.Policy) error {
	eng, err := alert.New(p)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	data, err := v.eng.Snapshot()
	if err == nil {
		err = eng.Restore(data)
	}
	if err != nil {
		return fmt.Errorf("alert state not carried over: %w", err)
	}
	v.eng = eng
	return nil
}

// handover replaces the notifications: old (nil if there was none)
// hands what it holds to next (nil if there is none now), so nothing
// pending is lost and nothing said is said again. It reports how many
// held notifications were dropped for want of receivers.
func (v *vigil) handover(old, next *dispatch.Dispatcher) int {
	v.nmu.Lock()
	defer v.nmu.Unlock()
	var held []dispatch.Held
	if old != nil {
		held = old.Handover()
	}
	if next == nil {
		v.notify = nil
		return len(held)
	}
	next.Adopt(held)
	v.notify = next
	return 0
}

// setTenants declares the configured tenants, so that the levels list
// them all, vert included.
func (v *vigil) setTenants(c *config.Config) error {
	names := map[string]string{}
	var ids []string
	for _, t := range c.Tenants {
		ids = append(ids, t.ID)
		names[t.ID] = t.Name
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.names = names
	return v.eng.SetTenants(ids)
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
			v.advance(ctx, now)
			if now.Sub(v.lastSave) > 10*time.Second {
				v.save(ctx)
			}
		}
	}
}

// advance moves the engine's clock to t (event time drives it; the wall
// clock moves it on only when no event is newer, as in a live stream), so
// quiet periods end without new detections.
func (v *vigil) advance(ctx context.Context, t time.Time) {
	v.mu.Lock()
	var changes []alert.Change
	if t.After(v.eng.Now()) {
		changes = v.eng.Advance(t)
	}
	v.mu.Unlock()
	v.tell(ctx, changes)
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
		// Event time drives the engine, and one event from a clock far
		// ahead would move it past all real evidence: a time beyond the
		// wall clock (plus skew) counts as now.
		if limit := time.Now().Add(maxSkew); d.Time.After(limit) {
			d.Time, d.First = time.Now(), time.Time{}
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
			v.mu.Lock()
			name := v.names[c.Tenant]
			v.mu.Unlock()
			n = notify.Notification{Kind: notify.KindLevel, Tenant: c.Tenant, TenantName: name, Since: c.At}
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
			// A campaign of high severity makes the platform rouge (the
			// default policy); a lesser one is worth a look.
			lvl := notify.Jaune
			if rank(c.Campaign.Severity) >= rank("high") {
				lvl = notify.Rouge
			}
			n = notify.Notification{Kind: notify.KindCampaign, Title: c.CampaignID, Level: lvl, Since: c.Campaign.First, Severity: c.Campaign.Severity,
				Fingerprint: "campaign/" + c.CampaignID}
			n.Summary = campaignSummary(c.Campaign)
		default:
			continue
		}
		v.nmu.RLock()
		if v.notify != nil {
			if err := v.notify.Notify(ctx, n); err != nil && ctx.Err() == nil {
				v.log.Error("notification not queued", "kind", n.Kind, "tenant", n.Tenant, "err", err)
			}
		}
		v.nmu.RUnlock()
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

// alerts filters and pages the engine's alerts, newest activity first.
func (v *vigil) alerts(tenants []string, q store.Query, status string) (int, []alert.Alert) {
	v.mu.Lock()
	all := v.eng.Alerts(alert.AlertFilter{Status: alert.Status(status)})
	v.mu.Unlock()
	var out []alert.Alert
	for _, a := range all {
		switch {
		case tenants != nil && !slices.Contains(tenants, a.Tenant),
			!q.From.IsZero() && a.Last.Before(q.From),
			!q.To.IsZero() && !a.First.Before(q.To),
			q.Rule != "" && a.Rule.ID != q.Rule && a.Rule.Title != q.Rule,
			q.Level != "" && rank(a.Rule.Level) < rank(q.Level),
			q.SrcIP != "" && a.SrcIP != q.SrcIP:
			continue
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Last.After(out[j].Last) })
	total := len(out)
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	if q.Offset >= len(out) {
		return total, []alert.Alert{}
	}
	out = out[q.Offset:]
	return total, out[:min(limit, len(out))]
}

func rank(level string) int {
	r, _ := store.LevelRank(level)
	return r
}

// alert returns one alert if the tenant ("" for the admin) may see it.
func (v *vigil) alert(tenant, id string) (alert.Alert, error) {
	v.mu.Lock()
	a, err := v.eng.Alert(id)
	v.mu.Unlock()
	if err == nil && tenant != "" && a.Tenant != tenant {
		// Another tenant's alert does not exist for this token.
		return alert.Alert{}, fmt.Errorf("%w: %q", alert.ErrUnknownAlert, id)
	}
	return a, err
}

// act changes an alert: ack, resolve, assign (arg: assignee), comment
// (arg: text). who is the token's holder.
func (v *vigil) act(tenant, id, action, who, arg string) (alert.Alert, error) {
	if _, err := v.alert(tenant, id); err != nil {
		return alert.Alert{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	var err error
	switch action {
	case "ack":
		err = v.eng.Ack(id, who, now)
	case "resolve":
		err = v.eng.Resolve(id, who, now)
	case "assign":
		err = v.eng.Assign(id, arg)
	case "comment":
		err = v.eng.Comment(id, who, arg, now)
	default:
		err = fmt.Errorf("%w: action %q", alert.ErrInvalid, action)
	}
	if err != nil {
		return alert.Alert{}, err
	}
	return v.eng.Alert(id)
}

// campaigns lists campaigns; a tenant sees those it is part of, with the
// other tenants counted, not named.
func (v *vigil) campaigns(tenant string) []alert.Campaign {
	v.mu.Lock()
	all := v.eng.Campaigns()
	v.mu.Unlock()
	if tenant == "" {
		return all
	}
	out := []alert.Campaign{}
	for _, c := range all {
		if !slices.Contains(c.Tenants, tenant) {
			continue
		}
		others := len(c.Tenants) - 1
		c.Tenants = []string{tenant}
		if others > 0 {
			c.Tenants = append(c.Tenants, fmt.Sprintf("+%d", others))
		}
		c.Alerts = nil
		out = append(out, c)
	}
	return out
}

// override sets a level by hand with a written reason ("" tenant: the
// platform).
func (v *vigil) override(ctx context.Context, tenant, level, reason, who string, at time.Time) error {
	l, err := alert.ParseLevel(level)
	if err != nil {
		return fmt.Errorf("%w: level %q (vert, jaune, orange, rouge)", alert.ErrInvalid, level)
	}
	v.mu.Lock()
	var changes []alert.Change
	if tenant == "" {
		changes, err = v.eng.OverridePlatform(l, reason, who, at)
	} else {
		changes, err = v.eng.Override(tenant, l, reason, who, at)
	}
	v.mu.Unlock()
	if err != nil {
		return err
	}
	v.log.Info("level set by an operator", "tenant", tenant, "level", level, "by", who)
	v.tell(ctx, changes)
	v.save(ctx)
	return nil
}

// history lists the level changes, oldest first; a tenant sees its own.
func (v *vigil) history(tenant string) []alert.Change {
	v.mu.Lock()
	all := v.eng.History()
	v.mu.Unlock()
	if tenant == "" {
		return all
	}
	out := []alert.Change{}
	for _, c := range all {
		if c.Tenant == tenant {
			out = append(out, c)
		}
	}
	return out
}

// vigilCollector exports the levels and the alert engine's drops.
type vigilCollector struct{ v *vigil }

var (
	descLevel           = prometheus.NewDesc("tocsin_level", "Alert level: 0 vert, 1 jaune, 2 orange, 3 rouge (tenant \"\" is the platform).", []string{"tenant"}, nil)
	descAlertingDropped = prometheus.NewDesc("tocsin_alerting_dropped_total", "Stored detections the alert engine could not take (its queue was full); they stay in the store.", nil, nil)
)

func (vigilCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descLevel
	ch <- descAlertingDropped
}

func (c vigilCollector) Collect(ch chan<- prometheus.Metric) {
	l := c.v.levels("").(alert.Levels)
	ch <- prometheus.MustNewConstMetric(descLevel, prometheus.GaugeValue, float64(l.Platform.Level), "")
	for _, t := range l.Tenants {
		ch <- prometheus.MustNewConstMetric(descLevel, prometheus.GaugeValue, float64(t.Level), t.Tenant)
	}
	ch <- prometheus.MustNewConstMetric(descAlertingDropped, prometheus.CounterValue, float64(c.v.dropped.Load()))
}

// alerting adapts the vigil to the API.
type alerting struct{ v *vigil }

func (x alerting) Levels(tenant string) any { return x.v.levels(tenant) }
func (x alerting) Alerts(tenants []string, q store.Query, status string) (int, []alert.Alert) {
	return x.v.alerts(tenants, q, status)
}
func (x alerting) Alert(tenant, id string) (alert.Alert, error) { return x.v.alert(tenant, id) }
func (x alerting) Act(tenant, id, action, who, arg string) (alert.Alert, error) {
	return x.v.act(tenant, id, action, who, arg)
}
func (x alerting) Campaigns(tenant string) []alert.Campaign { return x.v.campaigns(tenant) }
func (x alerting) History(tenant string) []alert.Change     { return x.v.history(tenant) }
func (x alerting) Override(r *http.Request, tenant, level, reason, who string) error {
	// The operator acts now; the engine's clock is event time, which in a
	// live stream is now too.
	return x.v.override(r.Context(), tenant, level, reason, who, time.Now())
}
