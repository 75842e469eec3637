package alert

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// expiry is when v's current level stops being held by evidence: the
// latest evidence at that level or above, plus the quiet period.
func (e *Engine) expiry(v *vigil) time.Time {
	var last time.Time
	for l := v.level; l <= Rouge; l++ {
		if v.last[l].After(last) {
			last = v.last[l]
		}
	}
	return last.Add(e.p.Levels.QuietPeriod)
}

// raise records a's detection at t as evidence for its tenant and raises
// the tenant (and the platform) when it justifies more than the current
// level. Evidence at or before the tenant's last override, or already older
// than the quiet period, raises nothing.
func (e *Engine) raise(ts *tenant, a *Alert, t time.Time, out []Change) []Change {
	l := a.Raises
	if l == Vert || !t.After(ts.cutoff) || !t.Add(e.p.Levels.QuietPeriod).After(e.now) {
		return out
	}
	if t.After(ts.last[l]) {
		ts.last[l] = t
	}
	if l < ts.level {
		return out
	}
	if l == ts.level {
		if ts.overridden {
			// Evidence now justifies the operator's level: it holds, and
			// ends, like any other.
			ts.overridden = false
			e.schedule(e.expiry(&ts.vigil))
		}
		return out
	}
	from := ts.level
	ts.level, ts.since, ts.raised, ts.overridden = l, e.now, e.now, false
	ts.reasons = e.tenantReasons(ts, l, e.now, e.p.Levels.MaxReasons)
	e.schedule(e.expiry(&ts.vigil))
	out = append(out, e.levelChange(ScopeTenant, ts.name, from, l, ts.reasons, e.now))
	return e.updatePlatform(e.now, out)
}

// drop lowers a tenant whose level has been quiet since the quiet period:
// straight to the highest level its remaining evidence still holds at x
// (vert when none), rather than one step per quiet period, since the
// quiet period already proved the higher level stale.
func (e *Engine) drop(ts *tenant, x time.Time, out []Change) []Change {
	q := e.p.Levels.QuietPeriod
	from, to := ts.level, Vert
	for l := from - 1; l > Vert; l-- {
		if ts.last[l].Add(q).After(x) {
			to = l
			break
		}
	}
	limit := e.p.Levels.MaxReasons
	var quiet []*Alert
	for _, a := range ts.alerts {
		end := a.Last.Add(q)
		if a.Raises >= from && a.Last.After(ts.cutoff) && end.After(ts.since) && !end.After(x) {
			quiet = append(quiet, a)
		}
	}
	byRecent(quiet)
	reasons := make([]Reason, 0, limit)
	for _, a := range quiet[:min(len(quiet), 3, limit)] {
		reasons = append(reasons, Reason{Kind: ReasonAlert, ID: a.ID, Text: quietSentence(e.p.Lang, q, a)})
	}
	if to > Vert {
		reasons = append(reasons, e.tenantReasons(ts, to, x, limit-len(reasons))...)
	}
	ts.level, ts.since, ts.reasons = to, x, reasons
	if to > Vert {
		e.schedule(e.expiry(&ts.vigil))
	}
	return append(out, e.levelChange(ScopeTenant, ts.name, from, to, reasons, x))
}

// tenantReasons lists, most recent first, the alerts that hold level l on
// tenant ts at x.
func (e *Engine) tenantReasons(ts *tenant, l Level, x time.Time, n int) []Reason {
	var hold []*Alert
	for _, a := range ts.alerts {
		if a.Raises >= l && a.Last.After(ts.cutoff) && a.Last.Add(e.p.Levels.QuietPeriod).After(x) {
			hold = append(hold, a)
		}
	}
	byRecent(hold)
	rs := make([]Reason, 0, min(len(hold), n))
	for _, a := range hold[:min(len(hold), max(n, 0))] {
		rs = append(rs, Reason{Kind: ReasonAlert, ID: a.ID, Text: alertSentence(e.p.Lang, a)})
	}
	return rs
}

// mainReason is the reason a tenant is at its level at x: its most recent
// holding alert, else (an override) the reason of its last change.
func (e *Engine) mainReason(ts *tenant, x time.Time) []Reason {
	if !ts.overridden {
		if rs := e.tenantReasons(ts, ts.level, x, 1); len(rs) > 0 {
			return rs
		}
	}
	return ts.reasons
}

// byRecent sorts alerts by last detection, most recent first; ties keep
// creation order.
func byRecent(as []*Alert) {
	slices.SortStableFunc(as, func(a, b *Alert) int { return b.Last.Compare(a.Last) })
}

// levelChange builds a level change and keeps a copy in the history.
func (e *Engine) levelChange(s Scope, tenant string, from, to Level, reasons []Reason, at time.Time) Change {
	c := Change{Kind: LevelChanged, At: at, Tenant: tenant,
		Level: &LevelChange{Scope: s, From: from, To: to, Reasons: slices.Clone(reasons)}}
	e.history = append(e.history, cloneChange(c))
	return c
}

func cloneChange(c Change) Change {
	if c.Level != nil {
		l := *c.Level
		l.Reasons = slices.Clone(l.Reasons)
		c.Level = &l
	}
	if c.Campaign != nil {
		c.Campaign = c.Campaign.clone()
	}
	return c
}

// platformAt is the level the platform's reasons justify at x:
//   - CampaignLevel while a campaign of at least CampaignMinSeverity holds;
//   - rouge when OrangeTenants tenants are at orange or above;
//   - else the highest tenant level, capped at OneTenantMax.
//
// Campaigns and tenants raised at or before the platform's last override
// do not count.
func (e *Engine) platformAt(x time.Time) Level {
	pl := &e.p.Levels.Platform
	lvl := Vert
	for _, c := range e.campaigns {
		if e.campaignHolds(c, x) {
			lvl = pl.CampaignLevel
			break
		}
	}
	n, top := 0, Vert
	for _, name := range e.names {
		ts := e.tenants[name]
		if ts.level == Vert || !ts.raised.After(e.platform.cutoff) {
			continue
		}
		if ts.level >= Orange {
			n++
		}
		top = max(top, ts.level)
	}
	if pl.OrangeTenants > 0 && n >= pl.OrangeTenants {
		lvl = max(lvl, Rouge)
	}
	return max(lvl, min(top, pl.OneTenantMax))
}

// platformReasons explains level l of the platform at x.
func (e *Engine) platformReasons(x time.Time, l Level) []Reason {
	pl := &e.p.Levels.Platform
	n := e.p.Levels.MaxReasons
	rs := make([]Reason, 0, 2)
	if l == Vert {
		return append(rs, Reason{Kind: ReasonTenants, Text: nothingSentence(e.p.Lang)})
	}
	if pl.CampaignLevel == l {
		for i := len(e.campaigns) - 1; i >= 0 && len(rs) < n; i-- {
			if c := e.campaigns[i]; e.campaignHolds(c, x) {
				rs = append(rs, Reason{Kind: ReasonCampaign, ID: c.ID, Text: campaignSentence(e.p.Lang, c)})
			}
		}
	}
	var orange, top []string
	for _, name := range e.names {
		ts := e.tenants[name]
		if ts.level == Vert || !ts.raised.After(e.platform.cutoff) {
			continue
		}
		if ts.level >= Orange {
			orange = append(orange, name)
		}
		if min(ts.level, pl.OneTenantMax) == l {
			top = append(top, name)
		}
	}
	if l == Rouge && pl.OrangeTenants > 0 && len(orange) >= pl.OrangeTenants && len(rs) < n {
		rs = append(rs, Reason{Kind: ReasonTenants, ID: strings.Join(orange, ","), Text: tenantsSentence(e.p.Lang, orange)})
	}
	for _, name := range top {
		if len(rs) == n {
			break
		}
		rs = append(rs, Reason{Kind: ReasonTenants, ID: name, Text: tenantLevelSentence(e.p.Lang, e.tenants[name], e.mainReason(e.tenants[name], x))})
	}
	return rs
}

// updatePlatform moves the platform to what its reasons justify at x:
// up at once; down at once too (its reasons carry their own quiet
// periods), unless an operator set the level.
func (e *Engine) updatePlatform(x time.Time, out []Change) []Change {
	p := &e.platform
	to := e.platformAt(x)
	if to == p.level || to < p.level && p.overridden {
		return out
	}
	from := p.level
	p.level, p.since = to, x
	if to > from {
		p.raised, p.overridden = x, false
	}
	p.reasons = e.platformReasons(x, to)
	return append(out, e.levelChange(ScopePlatform, "", from, to, p.reasons, x))
}

// Override sets a tenant's level by hand, with a written reason. The level
// holds, with no quiet-period decay, until evidence newer than the
// override raises the tenant to the same level or above; evidence from
// before it (detections at or before at) is set aside for good. The
// override happens at max(at, Now) so that the history stays in order.
func (e *Engine) Override(tenant string, l Level, reason, who string, at time.Time) ([]Change, error) {
	if err := checkOverride(l, reason, who, at); err != nil {
		return nil, err
	}
	ts := e.tenants[tenant]
	if ts == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTenant, tenant)
	}
	out := e.moveTo(at, nil)
	x := e.now
	r := e.overrideReason(l, reason, who)
	from := ts.level
	if l != from {
		ts.since = x
	}
	if l > from {
		ts.raised = x
	}
	ts.level, ts.cutoff, ts.last, ts.overridden = l, x, [levelCount]time.Time{}, true
	ts.reasons = []Reason{r}
	out = append(out, e.levelChange(ScopeTenant, ts.name, from, l, ts.reasons, x))
	return e.updatePlatform(x, out), nil
}

// OverridePlatform sets the platform's level by hand, like Override:
// campaigns and tenant escalations from before it no longer count.
func (e *Engine) OverridePlatform(l Level, reason, who string, at time.Time) ([]Change, error) {
	if err := checkOverride(l, reason, who, at); err != nil {
		return nil, err
	}
	out := e.moveTo(at, nil)
	x := e.now
	p := &e.platform
	from := p.level
	if l != from {
		p.since = x
	}
	if l > from {
		p.raised = x
	}
	p.level, p.cutoff, p.overridden = l, x, true
	p.reasons = []Reason{e.overrideReason(l, reason, who)}
	return append(out, e.levelChange(ScopePlatform, "", from, l, p.reasons, x)), nil
}

func checkOverride(l Level, reason, who string, at time.Time) error {
	switch {
	case strings.TrimSpace(reason) == "":
		return ErrNoReason
	case len(reason) > maxText:
		return invalid("reason", "longer than %d bytes", maxText)
	case strings.TrimSpace(who) == "" || len(who) > 256:
		return invalid("who", "required, at most 256 bytes")
	case !l.Valid():
		return invalid("level", "out of range")
	case at.IsZero():
		return invalid("at", "required")
	}
	return nil
}

func (e *Engine) overrideReason(l Level, reason, who string) Reason {
	e.nextOverride++
	return Reason{Kind: ReasonOverride, ID: "O" + strconv.Itoa(e.nextOverride),
		Text: overrideSentence(e.p.Lang, l, who, strings.TrimSpace(reason))}
}

// Levels returns the platform's and every tenant's level now. Reasons are
// those holding the level now (for an overridden level, or at vert, those
// of the last change).
func (e *Engine) Levels() Levels {
	out := Levels{Tenants: make([]TenantLevel, 0, len(e.names))}
	p := &e.platform
	var live []Reason
	if p.level > Vert && !p.overridden {
		live = e.platformReasons(e.now, p.level)
	}
	out.Platform = state(&e.platform, live)
	for _, name := range e.names {
		ts := e.tenants[name]
		live = nil
		if ts.level > Vert && !ts.overridden {
			live = e.tenantReasons(ts, ts.level, e.now, e.p.Levels.MaxReasons)
		}
		out.Tenants = append(out.Tenants, TenantLevel{Tenant: name, LevelState: state(&ts.vigil, live)})
	}
	return out
}

func state(v *vigil, live []Reason) LevelState {
	s := LevelState{Level: v.level, Reasons: live}
	if len(s.Reasons) == 0 {
		s.Reasons = slices.Clone(v.reasons)
	}
	if s.Reasons == nil {
		s.Reasons = []Reason{}
	}
	if !v.since.IsZero() {
		t := v.since
		s.Since = &t
	}
	return s
}

// History returns every level change, oldest first.
func (e *Engine) History() []Change {
	out := make([]Change, len(e.history))
	for i, c := range e.history {
		out[i] = cloneChange(c)
	}
	return out
}
