package alert

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Engine turns detections into alerts, campaigns and levels. It is
// synchronous, does no I/O, starts no goroutine, and is not safe for
// concurrent use: its owner serialises the calls.
type Engine struct {
	p         Policy
	rougeTags []string
	minSev    int // platform.campaign_min_severity as a rank

	now time.Time // event-time high-water mark

	nextAlert, nextCampaign, nextOverride int

	alerts map[string]*Alert
	order  []*Alert // creation order
	byKey  map[alertKey]*Alert

	tenants map[string]*tenant
	names   []string // sorted

	campaigns []*Campaign // creation order
	campByID  map[string]*Campaign
	open      map[campaignKey]*Campaign
	index     map[campaignKey]*keyHits

	platform vigil
	history  []Change

	// Nothing is due before due (when hasDue), so Observe skips the scan.
	due     time.Time
	hasDue  bool
	sweepAt time.Time // next pruning of the index and of old alerts
}

// alertKey is what groups detections into one alert.
type alertKey struct {
	tenant, rule, kind, entity string
}

// tenant is one tenant's state.
type tenant struct {
	name string
	vigil
	alerts []*Alert // creation order
}

// vigil is the level state machine of a tenant or of the platform.
type vigil struct {
	level Level
	since time.Time // last change; zero: never
	// raised is the last time the level went up.
	raised time.Time
	// cutoff: evidence at or before it is ignored (the last override).
	cutoff time.Time
	// overridden: the level was set by an operator and holds until new
	// evidence raises it.
	overridden bool
	// last is, per level, the latest evidence time (tenants only).
	last    [levelCount]time.Time
	reasons []Reason // at the last change
}

// keyHits records who hit a campaign key recently.
type keyHits struct {
	tenants map[*tenant]*hit
}

// hit is one tenant's recent hits of a key.
type hit struct {
	first, last time.Time
	alerts      []string // the latest maxHitAlerts alert ids
}

// maxHitAlerts bounds the alerts remembered per key and tenant.
const maxHitAlerts = 8

// New checks the policy and returns an empty engine.
func New(p Policy) (*Engine, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p.Alerts.Entities = slices.Clone(p.Alerts.Entities)
	sev := make(map[string]Level, len(p.Levels.Severity))
	for k, v := range p.Levels.Severity {
		sev[k] = v
	}
	p.Levels.Severity = sev
	e := &Engine{p: p}
	e.rougeTags = slices.Clone(p.Levels.RougeTags)
	e.minSev, _ = severityRank(p.Levels.Platform.CampaignMinSeverity)
	e.reset()
	return e, nil
}

func (e *Engine) reset() {
	e.now = time.Time{}
	e.nextAlert, e.nextCampaign, e.nextOverride = 0, 0, 0
	e.alerts = map[string]*Alert{}
	e.order = nil
	e.byKey = map[alertKey]*Alert{}
	e.tenants = map[string]*tenant{}
	e.names = nil
	e.campaigns = nil
	e.campByID = map[string]*Campaign{}
	e.open = map[campaignKey]*Campaign{}
	e.index = map[campaignKey]*keyHits{}
	e.platform = vigil{}
	e.history = nil
	e.due, e.hasDue, e.sweepAt = time.Time{}, false, time.Time{}
}

// Policy returns the engine's policy.
func (e *Engine) Policy() Policy { return e.p }

// Now is the engine's clock: the latest event time it has seen (in a
// detection, Advance or Override).
func (e *Engine) Now() time.Time { return e.now }

// SetTenants declares tenants so that Levels lists them at vert before
// anything happens to them. Tenants are never forgotten: one that is seen
// in a detection is added too.
func (e *Engine) SetTenants(names []string) error {
	for i, n := range names {
		if strings.TrimSpace(n) == "" || len(n) > 256 {
			return invalid(fmt.Sprintf("tenants[%d]", i), "empty or longer than 256 bytes")
		}
	}
	for _, n := range names {
		e.tenantOf(n)
	}
	return nil
}

func (e *Engine) tenantOf(name string) *tenant {
	if t := e.tenants[name]; t != nil {
		return t
	}
	t := &tenant{name: strings.Clone(name)}
	e.tenants[t.name] = t
	i, _ := slices.BinarySearch(e.names, t.name)
	e.names = slices.Insert(e.names, i, t.name)
	return t
}

// Observe takes one detection: it first advances the clock to the
// detection's time (so what expired before it is recorded first), then
// updates or opens its alert, raises its tenant's level, then links the
// alert to a campaign (which may raise the platform).
// The changes come in the order they happened. A detection refused by
// validation (ErrInvalid, naming the field) changes nothing.
func (e *Engine) Observe(d Detection) ([]Change, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	var out []Change
	out = e.moveTo(d.Time, out)
	ts := e.tenantOf(d.Tenant)
	a, out := e.group(ts, &d, out)
	out = e.raise(ts, a, d.Time, out)
	return e.link(ts, a, &d, out), nil
}

// Advance moves the clock to t: levels whose reasons have been quiet for
// the quiet period come down, campaigns idle for a window close, and old
// alerts are dropped. Call it with the event-time high-water mark, or with
// the wall clock while no event flows. A t before Now changes nothing.
func (e *Engine) Advance(t time.Time) []Change {
	return e.moveTo(t, nil)
}

// schedule notes that something may happen at t.
func (e *Engine) schedule(t time.Time) {
	if !e.hasDue || t.Before(e.due) {
		e.due, e.hasDue = t, true
	}
}

func (e *Engine) moveTo(t time.Time, out []Change) []Change {
	if !t.After(e.now) {
		return out
	}
	if e.sweepAt.IsZero() {
		e.sweepAt = t.Add(e.p.Campaigns.Window)
		e.schedule(e.sweepAt)
	}
	if e.hasDue && !t.Before(e.due) {
		out = e.advance(t, out)
	}
	e.now = t
	return out
}

// advance processes, in time order, everything due up to t; each step
// happens at its own time, so the history does not depend on how often
// Advance is called. Pruning (sweep) happens once, at t: a jump of years
// in event time costs one sweep, not one per window.
func (e *Engine) advance(t time.Time, out []Change) []Change {
	for {
		x, ok := e.next()
		if !ok || x.After(t) {
			break
		}
		if x.Before(e.now) {
			x = e.now
		}
		e.now = x
		out = e.step(x, out)
	}
	e.now = t
	if !e.sweepAt.IsZero() && !e.sweepAt.After(t) {
		out = e.sweep(t, out)
	}
	e.reschedule()
	return out
}

// reschedule computes when Observe next needs to advance.
func (e *Engine) reschedule() {
	e.due, e.hasDue = e.next()
	if !e.sweepAt.IsZero() && (!e.hasDue || e.sweepAt.Before(e.due)) {
		e.due, e.hasDue = e.sweepAt, true
	}
}

// next is the earliest time a level or a campaign is due to change.
func (e *Engine) next() (time.Time, bool) {
	var best time.Time
	found := false
	consider := func(t time.Time) {
		if !found || t.Before(best) {
			best, found = t, true
		}
	}
	for _, name := range e.names {
		if ts := e.tenants[name]; ts.level > Vert && !ts.overridden {
			consider(e.expiry(&ts.vigil))
		}
	}
	for _, c := range e.campaigns {
		if c.Status == CampaignStatusOpen {
			consider(c.Last.Add(e.p.Campaigns.Window + 1))
		}
		if e.campaignCounts(c) {
			if end := c.Last.Add(e.p.Levels.QuietPeriod); end.After(e.now) {
				consider(end)
			}
		}
	}
	return best, found
}

// step does what is due at x.
func (e *Engine) step(x time.Time, out []Change) []Change {
	for _, name := range e.names {
		ts := e.tenants[name]
		if ts.level > Vert && !ts.overridden && !e.expiry(&ts.vigil).After(x) {
			out = e.drop(ts, x, out)
		}
	}
	for _, c := range e.campaigns {
		if c.Status == CampaignStatusOpen && x.Sub(c.Last) > e.p.Campaigns.Window {
			c.Status = CampaignStatusClosed
			c.ClosedAt = c.Last.Add(e.p.Campaigns.Window)
			delete(e.open, e.internalKey(c))
			out = append(out, Change{Kind: CampaignClosed, At: c.ClosedAt, CampaignID: c.ID, Campaign: c.clone()})
		}
	}
	return e.updatePlatform(x, out)
}

// internalKey recovers a campaign's map key.
func (e *Engine) internalKey(c *Campaign) campaignKey {
	k, _ := parseCampaignKey(c.Key)
	return k
}

// sweep prunes the campaign index and drops alerts and closed campaigns
// past the retention period.
func (e *Engine) sweep(x time.Time, out []Change) []Change {
	e.sweepAt = x.Add(e.p.Campaigns.Window)
	e.schedule(e.sweepAt)
	oldest := x.Add(-e.p.Campaigns.Window)
	for k, kh := range e.index {
		for ts, h := range kh.tenants {
			if h.last.Before(oldest) {
				delete(kh.tenants, ts)
			}
		}
		if len(kh.tenants) == 0 {
			delete(e.index, k)
		}
	}
	keep := e.p.Alerts.Retention
	dropped := false
	e.order = slices.DeleteFunc(e.order, func(a *Alert) bool {
		if a.Last.Add(keep).After(x) {
			return false
		}
		dropped = true
		delete(e.alerts, a.ID)
		k := alertKey{a.Tenant, a.Rule.key(), a.EntityKind, a.Entity}
		if e.byKey[k] == a {
			delete(e.byKey, k)
		}
		out = append(out, Change{Kind: AlertExpired, At: x, Tenant: a.Tenant, AlertID: a.ID, Count: a.Count})
		return true
	})
	if dropped {
		for _, ts := range e.tenants {
			ts.alerts = slices.DeleteFunc(ts.alerts, func(a *Alert) bool { return e.alerts[a.ID] != a })
		}
	}
	e.campaigns = slices.DeleteFunc(e.campaigns, func(c *Campaign) bool {
		if c.Status != CampaignStatusClosed || c.Last.Add(keep).After(x) {
			return false
		}
		delete(e.campByID, c.ID)
		out = append(out, Change{Kind: CampaignExpired, At: x, CampaignID: c.ID})
		return true
	})
	return out
}

// entity picks the alert's entity: the first policy field with a value.
func (e *Engine) entity(d *Detection) (kind, value string) {
	for _, name := range e.p.Alerts.Entities {
		if v := d.lookup(name); v != "" {
			return name, v
		}
	}
	return "", ""
}

// raises is the level an alert of rule r justifies.
func (e *Engine) raises(r *Rule) Level {
	lvl := r.Level
	if lvl == "" {
		lvl = "informational"
	}
	l := e.p.Levels.Severity[lvl]
	for _, tag := range r.Tags {
		for _, rt := range e.rougeTags {
			if len(tag) >= len(rt) && strings.EqualFold(tag[:len(rt)], rt) && (len(tag) == len(rt) || tag[len(rt)] == '.') {
				return Rouge
			}
		}
	}
	return l
}

// group updates the detection's alert or opens one.
func (e *Engine) group(ts *tenant, d *Detection, out []Change) (*Alert, []Change) {
	kind, entity := e.entity(d)
	k := alertKey{tenant: ts.name, rule: d.Rule.key(), kind: kind, entity: entity}
	first := d.First
	if first.IsZero() {
		first = d.Time
	}
	count := max(d.Count, 1)
	w := e.p.Alerts.Window
	if a := e.byKey[k]; a != nil && d.Time.Sub(a.Last) <= w && a.First.Sub(first) <= w {
		a.Count = addCapped(a.Count, count)
		a.Detections = addCapped(a.Detections, 1)
		if d.ID != 0 && len(a.DetectionIDs) < e.p.Alerts.MaxDetectionIDs {
			a.DetectionIDs = append(a.DetectionIDs, d.ID)
		}
		if d.Time.After(a.Last) {
			a.Last = d.Time
		}
		if first.Before(a.First) {
			a.First = first
		}
		a.Raises = max(a.Raises, e.raises(&d.Rule))
		if r, _ := severityRank(d.Rule.Level); r > mustRank(a.Rule.Level) {
			a.Rule.Level = d.Rule.Level
		}
		kind := AlertUpdated
		if a.Status == StatusResolved {
			a.Status, a.StatusAt, a.StatusBy = StatusOpen, e.now, ""
			kind = AlertReopened
		}
		return a, append(out, Change{Kind: kind, At: e.now, Tenant: a.Tenant, AlertID: a.ID, Count: a.Count})
	}
	e.nextAlert++
	a := &Alert{
		ID:         "A" + strconv.Itoa(e.nextAlert),
		Tenant:     ts.name,
		Kind:       cmp.Or(d.Kind, "detection"),
		Rule:       d.Rule,
		EntityKind: kind,
		Entity:     entity,
		SrcIP:      d.lookup("src_ip"),
		First:      first,
		Last:       d.Time,
		Count:      count,
		Detections: 1,
		Raises:     e.raises(&d.Rule),
		Status:     StatusOpen,
		StatusAt:   e.now,
	}
	a.Rule.Tags = slices.Clone(d.Rule.Tags)
	if d.ID != 0 && e.p.Alerts.MaxDetectionIDs > 0 {
		a.DetectionIDs = []int64{d.ID}
	}
	e.alerts[a.ID] = a
	e.order = append(e.order, a)
	ts.alerts = append(ts.alerts, a)
	if old := e.byKey[k]; old == nil || !a.Last.Before(old.Last) {
		e.byKey[k] = a // a late detection does not hide the current alert
	}
	return a, append(out, Change{Kind: AlertOpened, At: e.now, Tenant: a.Tenant, AlertID: a.ID, Count: a.Count})
}

// addCapped adds without overflowing: counts come from outside.
func addCapped(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func mustRank(s string) int {
	r, _ := severityRank(s)
	return r
}

// keys lists the detection's campaign keys, most specific first (the
// precedence order): address, range, user agent, file hash, rule, then
// techniques. Kinds turned off in the policy are left out.
func (e *Engine) keys(d *Detection, buf []campaignKey) []campaignKey {
	cp := &e.p.Campaigns
	mt := &cp.MinTenants
	if mt.IP > 0 || mt.Range > 0 {
		if ip := d.lookup("src_ip"); ip != "" {
			if addr, err := netip.ParseAddr(ip); err == nil {
				addr = addr.Unmap().WithZone("")
				if attackerAddr(addr, cp.PrivateAddresses) {
					if mt.IP > 0 {
						buf = append(buf, campaignKey{kind: kindIP, prefix: netip.PrefixFrom(addr, addr.BitLen())})
					}
					if mt.Range > 0 {
						bits := cp.IPv4Prefix
						if addr.Is6() {
							bits = cp.IPv6Prefix
						}
						if p, err := addr.Prefix(bits); err == nil {
							buf = append(buf, campaignKey{kind: kindRange, prefix: p})
						}
					}
				}
			}
		}
	}
	if mt.UserAgent > 0 {
		if ua := userAgent(d); ua != "" {
			buf = append(buf, campaignKey{kind: kindUserAgent, value: ua})
		}
	}
	if mt.FileHash > 0 {
		if h := fileHash(d); h != "" {
			buf = append(buf, campaignKey{kind: kindFileHash, value: h})
		}
	}
	if mt.Rule > 0 {
		buf = append(buf, campaignKey{kind: kindRule, value: d.Rule.key()})
	}
	if mt.Technique > 0 {
		for _, tag := range d.Rule.Tags {
			if t := technique(tag); t != "" {
				k := campaignKey{kind: kindTechnique, value: t}
				if !slices.Contains(buf, k) {
					buf = append(buf, k)
				}
			}
		}
	}
	return buf
}

func (e *Engine) minTenants(k keyKind) int {
	mt := &e.p.Campaigns.MinTenants
	switch k {
	case kindIP:
		return mt.IP
	case kindRange:
		return mt.Range
	case kindUserAgent:
		return mt.UserAgent
	case kindFileHash:
		return mt.FileHash
	case kindRule:
		return mt.Rule
	}
	return mt.Technique
}

// link records the detection's campaign keys and links its alert:
//
//  1. an alert already in an open campaign stays there (the campaign's
//     last time moves on);
//  2. else it joins the open campaign of its most specific key that has
//     one;
//  3. else the most specific key hit by enough tenants within the window
//     opens a campaign, which links the recent alerts of every one of
//     those tenants for that key.
//
// So one detection opens at most one campaign, an attacker campaign is
// preferred to a rule or technique campaign when both qualify, and once a
// rule (or technique) campaign is open, the attackers of that rule join
// it instead of each opening their own.
func (e *Engine) link(ts *tenant, a *Alert, d *Detection, out []Change) []Change {
	var buf [8]campaignKey
	keys := e.keys(d, buf[:0])
	if len(keys) == 0 {
		return out
	}
	t := d.Time
	w := e.p.Campaigns.Window
	for _, k := range keys {
		e.record(k, ts, a, t)
	}
	touched := false
	for _, id := range a.Campaigns {
		if c := e.campByID[id]; c != nil && c.Status == CampaignStatusOpen {
			e.touch(c, a, t)
			touched = true
			out = e.campaignRaise(c, out)
		}
	}
	if touched {
		return out
	}
	for _, k := range keys {
		if c := e.open[k]; c != nil {
			newTenant := e.join(c, a)
			e.touch(c, a, t)
			ch := Change{Kind: CampaignJoined, At: e.now, Tenant: a.Tenant, AlertID: a.ID, CampaignID: c.ID}
			if newTenant {
				ch.Campaign = c.clone()
			}
			return e.campaignRaise(c, append(out, ch))
		}
	}
	for _, k := range keys {
		kh := e.index[k]
		n := 0
		for _, h := range kh.tenants {
			if t.Sub(h.last) <= w {
				n++
			}
		}
		if n < e.minTenants(k.kind) {
			continue
		}
		c := e.openCampaign(k, kh, t)
		out = append(out, Change{Kind: CampaignOpened, At: e.now, Tenant: a.Tenant, AlertID: a.ID, CampaignID: c.ID, Campaign: c.clone()})
		return e.campaignRaise(c, out)
	}
	return out
}

// record notes that tenant ts hit key k at t with alert a.
func (e *Engine) record(k campaignKey, ts *tenant, a *Alert, t time.Time) {
	kh := e.index[k]
	if kh == nil {
		kh = &keyHits{tenants: map[*tenant]*hit{}}
		e.index[k] = kh
	}
	h := kh.tenants[ts]
	if h == nil {
		h = &hit{first: t, last: t}
		kh.tenants[ts] = h
	} else if t.Sub(h.last) > e.p.Campaigns.Window {
		h.first, h.alerts = t, h.alerts[:0]
	}
	if t.After(h.last) {
		h.last = t
	}
	if t.Before(h.first) {
		h.first = t
	}
	if !slices.Contains(h.alerts, a.ID) {
		if len(h.alerts) == maxHitAlerts {
			h.alerts = append(h.alerts[:0], h.alerts[1:]...)
		}
		h.alerts = append(h.alerts, a.ID)
	}
}

func (e *Engine) openCampaign(k campaignKey, kh *keyHits, t time.Time) *Campaign {
	e.nextCampaign++
	c := &Campaign{ID: "C" + strconv.Itoa(e.nextCampaign), Key: k.public(), Status: CampaignStatusOpen, Severity: "informational"}
	hitters := make([]*tenant, 0, len(kh.tenants))
	for ts, h := range kh.tenants {
		if t.Sub(h.last) <= e.p.Campaigns.Window {
			hitters = append(hitters, ts)
		}
	}
	slices.SortFunc(hitters, func(a, b *tenant) int { return strings.Compare(a.name, b.name) })
	for _, ts := range hitters {
		h := kh.tenants[ts]
		if c.First.IsZero() || h.first.Before(c.First) {
			c.First = h.first
		}
		if h.last.After(c.Last) {
			c.Last = h.last
		}
		for _, id := range h.alerts {
			if a := e.alerts[id]; a != nil {
				e.join(c, a)
			}
		}
	}
	e.campaigns = append(e.campaigns, c)
	e.campByID[c.ID] = c
	e.open[k] = c
	e.schedule(c.Last.Add(e.p.Campaigns.Window + 1))
	if e.campaignCounts(c) {
		e.schedule(c.Last.Add(e.p.Levels.QuietPeriod))
	}
	return c
}

// join links alert a to campaign c and reports whether a's tenant is new
// to it.
func (e *Engine) join(c *Campaign, a *Alert) (newTenant bool) {
	if slices.Contains(a.Campaigns, c.ID) {
		return false
	}
	a.Campaigns = append(a.Campaigns, c.ID)
	c.AlertCount++
	if len(c.Alerts) < e.p.Campaigns.MaxAlerts {
		c.Alerts = append(c.Alerts, a.ID)
	}
	i, found := slices.BinarySearch(c.Tenants, a.Tenant)
	if !found {
		c.Tenants = slices.Insert(c.Tenants, i, a.Tenant)
	}
	if title := a.Rule.name(); len(c.Rules) < maxCampaignRules && !slices.Contains(c.Rules, title) {
		c.Rules = append(c.Rules, title)
	}
	if mustRank(a.Rule.Level) > mustRank(c.Severity) {
		c.Severity = severityName(mustRank(a.Rule.Level))
	}
	return !found
}

// touch moves a campaign's last time to t.
func (e *Engine) touch(c *Campaign, a *Alert, t time.Time) {
	if t.After(c.Last) {
		c.Last = t
		e.schedule(c.Last.Add(e.p.Campaigns.Window + 1))
	}
	if mustRank(a.Rule.Level) > mustRank(c.Severity) {
		c.Severity = severityName(mustRank(a.Rule.Level))
	}
	if e.campaignCounts(c) {
		e.schedule(c.Last.Add(e.p.Levels.QuietPeriod))
	}
}

// campaignRaise lets a campaign raise the platform.
func (e *Engine) campaignRaise(c *Campaign, out []Change) []Change {
	if e.platform.level < e.p.Levels.Platform.CampaignLevel && e.campaignCounts(c) {
		return e.updatePlatform(e.now, out)
	}
	return out
}

// campaignCounts reports whether c holds the platform's level now.
func (e *Engine) campaignCounts(c *Campaign) bool { return e.campaignHolds(c, e.now) }

// campaignHolds reports whether c holds the platform's level at x: severe
// enough, newer than the platform's last override, and not quiet for the
// quiet period.
func (e *Engine) campaignHolds(c *Campaign, x time.Time) bool {
	return mustRank(c.Severity) >= e.minSev && c.Last.After(e.platform.cutoff) &&
		c.Last.Add(e.p.Levels.QuietPeriod).After(x)
}
