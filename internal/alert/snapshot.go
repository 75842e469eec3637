package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// snapshotVersion changes when the snapshot's shape does.
const snapshotVersion = 1

type snapshot struct {
	Version      int          `json:"version"`
	Now          time.Time    `json:"now"`
	SweepAt      time.Time    `json:"sweep_at"`
	NextAlert    int          `json:"next_alert"`
	NextCampaign int          `json:"next_campaign"`
	NextOverride int          `json:"next_override"`
	Platform     vigilSnap    `json:"platform"`
	Tenants      []tenantSnap `json:"tenants"`
	Alerts       []Alert      `json:"alerts"`
	Campaigns    []Campaign   `json:"campaigns"`
	Index        []keySnap    `json:"index"`
	History      []Change     `json:"history"`
}

type vigilSnap struct {
	Level      Level                 `json:"level"`
	Since      time.Time             `json:"since"`
	Raised     time.Time             `json:"raised"`
	Cutoff     time.Time             `json:"cutoff"`
	Overridden bool                  `json:"overridden,omitempty"`
	Last       [levelCount]time.Time `json:"last"`
	Reasons    []Reason              `json:"reasons"`
}

type tenantSnap struct {
	Name string `json:"name"`
	vigilSnap
}

type keySnap struct {
	Key  CampaignKey `json:"key"`
	Hits []hitSnap   `json:"hits"`
}

type hitSnap struct {
	Tenant string    `json:"tenant"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
	Alerts []string  `json:"alerts"`
}

func (v *vigil) snap() vigilSnap {
	return vigilSnap{Level: v.level, Since: v.since, Raised: v.raised, Cutoff: v.cutoff,
		Overridden: v.overridden, Last: v.last, Reasons: v.reasons}
}

func (s *vigilSnap) vigil() vigil {
	return vigil{level: s.Level, since: s.Since, raised: s.Raised, cutoff: s.Cutoff,
		overridden: s.Overridden, last: s.Last, reasons: s.Reasons}
}

// Snapshot serialises the engine's state (not its policy) as JSON, so the
// server can persist it and Restore it after a restart.
func (e *Engine) Snapshot() ([]byte, error) {
	s := snapshot{
		Version: snapshotVersion, Now: e.now, SweepAt: e.sweepAt,
		NextAlert: e.nextAlert, NextCampaign: e.nextCampaign, NextOverride: e.nextOverride,
		Platform: e.platform.snap(),
		Alerts:   make([]Alert, 0, len(e.order)), Campaigns: make([]Campaign, 0, len(e.campaigns)),
		History: e.history,
	}
	for _, name := range e.names {
		s.Tenants = append(s.Tenants, tenantSnap{Name: name, vigilSnap: e.tenants[name].snap()})
	}
	for _, a := range e.order {
		s.Alerts = append(s.Alerts, *a)
	}
	for _, c := range e.campaigns {
		s.Campaigns = append(s.Campaigns, *c)
	}
	for k, kh := range e.index {
		ks := keySnap{Key: k.public()}
		for ts, h := range kh.tenants {
			ks.Hits = append(ks.Hits, hitSnap{Tenant: ts.name, First: h.first, Last: h.last, Alerts: h.alerts})
		}
		slices.SortFunc(ks.Hits, func(a, b hitSnap) int { return strings.Compare(a.Tenant, b.Tenant) })
		s.Index = append(s.Index, ks)
	}
	slices.SortFunc(s.Index, func(a, b keySnap) int {
		return strings.Compare(a.Key.Kind+"\x00"+a.Key.Value, b.Key.Kind+"\x00"+b.Key.Value)
	})
	return json.Marshal(s)
}

// Restore replaces the engine's state with a snapshot. The snapshot is
// checked whole before anything changes: on error (ErrSnapshot, naming
// what is wrong) the engine is as it was.
func (e *Engine) Restore(data []byte) error {
	var s snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	if s.Version != snapshotVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrSnapshot, s.Version, snapshotVersion)
	}
	n, err := e.rebuild(&s)
	if err != nil {
		return err
	}
	*e = *n
	return nil
}

// rebuild checks a decoded snapshot and builds an engine from it.
func (e *Engine) rebuild(s *snapshot) (*Engine, error) {
	bad := func(format string, args ...any) (*Engine, error) {
		return nil, fmt.Errorf("%w: %s", ErrSnapshot, fmt.Sprintf(format, args...))
	}
	n := &Engine{p: e.p, rougeTags: e.rougeTags, minSev: e.minSev}
	n.reset()
	n.now, n.sweepAt = s.Now, s.SweepAt
	n.nextAlert, n.nextCampaign, n.nextOverride = s.NextAlert, s.NextCampaign, s.NextOverride
	if !s.Platform.Level.Valid() {
		return bad("platform.level out of range")
	}
	n.platform = s.Platform.vigil()
	for i, t := range s.Tenants {
		if strings.TrimSpace(t.Name) == "" || n.tenants[t.Name] != nil {
			return bad("tenants[%d]: empty or repeated name %q", i, t.Name)
		}
		if !t.Level.Valid() {
			return bad("tenants[%d].level out of range", i)
		}
		ts := n.tenantOf(t.Name)
		ts.vigil = t.vigil()
	}
	for i := range s.Alerts {
		a := &s.Alerts[i]
		num, ok := seq(a.ID, "A")
		switch {
		case !ok || num > n.nextAlert:
			return bad("alerts[%d].id %q is not A1…A%d", i, a.ID, n.nextAlert)
		case n.alerts[a.ID] != nil:
			return bad("alerts[%d].id %q repeated", i, a.ID)
		case n.tenants[a.Tenant] == nil:
			return bad("alerts[%d].tenant %q unknown", i, a.Tenant)
		case !a.Status.valid():
			return bad("alerts[%d].status %q", i, a.Status)
		case !a.Raises.Valid():
			return bad("alerts[%d].raises out of range", i)
		}
		if _, ok := severityRank(a.Rule.Level); !ok {
			return bad("alerts[%d].rule.level %q", i, a.Rule.Level)
		}
		a.Tenant = n.tenants[a.Tenant].name
		n.alerts[a.ID] = a
		n.order = append(n.order, a)
		ts := n.tenants[a.Tenant]
		ts.alerts = append(ts.alerts, a)
		n.byKey[alertKey{a.Tenant, a.Rule.key(), a.EntityKind, a.Entity}] = a // the latest wins
	}
	for i := range s.Campaigns {
		c := &s.Campaigns[i]
		num, ok := seq(c.ID, "C")
		k, kok := parseCampaignKey(c.Key)
		switch {
		case !ok || num > n.nextCampaign:
			return bad("campaigns[%d].id %q is not C1…C%d", i, c.ID, n.nextCampaign)
		case n.campByID[c.ID] != nil:
			return bad("campaigns[%d].id %q repeated", i, c.ID)
		case !kok:
			return bad("campaigns[%d].key %s %q", i, c.Key.Kind, c.Key.Value)
		case c.Status != CampaignStatusOpen && c.Status != CampaignStatusClosed:
			return bad("campaigns[%d].status %q", i, c.Status)
		case c.Status == CampaignStatusOpen && n.open[k] != nil:
			return bad("campaigns[%d]: two open campaigns for key %s %q", i, c.Key.Kind, c.Key.Value)
		}
		if _, ok := severityRank(c.Severity); !ok {
			return bad("campaigns[%d].severity %q", i, c.Severity)
		}
		n.campaigns = append(n.campaigns, c)
		n.campByID[c.ID] = c
		if c.Status == CampaignStatusOpen {
			n.open[k] = c
		}
	}
	for i, ks := range s.Index {
		k, ok := parseCampaignKey(ks.Key)
		if !ok || n.index[k] != nil {
			return bad("index[%d].key %s %q invalid or repeated", i, ks.Key.Kind, ks.Key.Value)
		}
		kh := &keyHits{tenants: map[*tenant]*hit{}}
		for j, h := range ks.Hits {
			ts := n.tenants[h.Tenant]
			if ts == nil || kh.tenants[ts] != nil || len(h.Alerts) > maxHitAlerts {
				return bad("index[%d].hits[%d]: unknown or repeated tenant %q, or too many alerts", i, j, h.Tenant)
			}
			kh.tenants[ts] = &hit{first: h.First, last: h.Last, alerts: h.Alerts}
		}
		n.index[k] = kh
	}
	for i, c := range s.History {
		if c.Kind != LevelChanged || c.Level == nil {
			return bad("history[%d] is not a level change", i)
		}
	}
	n.history = s.History
	// Recompute what is due from the state itself.
	n.reschedule()
	return n, nil
}

// seq reads the number of an id such as A12.
func seq(id, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(rest)
	return v, err == nil && v > 0 && strconv.Itoa(v) == rest
}
