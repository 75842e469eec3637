package dispatch

import (
	"maps"
	"sort"
	"time"

	"tocsin/internal/notify"
)

// Held is a notification a dispatcher still holds, for its replacement
// when the configuration is reloaded: the latest version of its key and
// what each receiver was told of it.
type Held struct {
	Notification     notify.Notification
	StartsAt, EndsAt time.Time
	// Resolved: it is over, and some receiver still has to hear so.
	Resolved bool
	// Told: the receivers (by name) told that it fires, with the digest
	// of what they were told.
	Told map[string]uint64
}

// Handover stops d, like Stop, and returns the notifications it held,
// so that a dispatcher built from a new configuration can Adopt them:
// nothing pending is lost, nothing already said is said again, and an
// end is still told to whoever heard of the start.
func (d *Dispatcher) Handover() []Held {
	d.Stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	byKey := map[string]*Held{}
	var keys []string
	for _, g := range d.groups {
		g.mu.Lock()
		for key, e := range g.items {
			h := byKey[key]
			if h == nil {
				h = &Held{Notification: e.n, StartsAt: e.startsAt, EndsAt: e.endsAt, Resolved: e.resolved, Told: map[string]uint64{}}
				byKey[key] = h
				keys = append(keys, key)
			} else if !e.resolved {
				// Resolved here because it left this group's route, but
				// it fires elsewhere.
				h.Resolved, h.EndsAt = false, time.Time{}
				h.Notification = e.n
			}
			if s, ok := g.sent[key]; ok && !s.resolved {
				h.Told[g.rcvName] = s.digest
			}
		}
		g.mu.Unlock()
	}
	sort.Strings(keys) // a stable order, for the audit and the tests
	out := make([]Held, 0, len(keys))
	for _, k := range keys {
		out = append(out, *byKey[k])
	}
	return out
}

// Adopt takes over what another dispatcher held (Handover), routed by
// d's configuration: a receiver already told of a notification is not
// told again unless it changed, one that was not (new to the route, or
// the message was still waiting) is told at the group's next flush, and
// an end reaches every receiver told of the start. Call it before d's
// first Notify.
func (d *Dispatcher) Adopt(held []Held) {
	now := d.clock.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	for i := range held {
		h := &held[i]
		n := h.Notification
		key := n.Key()
		where := d.where[key]
		if where == nil {
			where = map[*group]struct{}{}
		}
		told := maps.Clone(h.Told)
		for _, r := range d.root.match(n.Labels) {
			gl := r.groupLabels(n.Labels)
			gls := labelString(gl)
			for _, name := range r.receivers {
				digest, wasTold := told[name]
				if h.Resolved && !wasTold {
					continue // nothing was said; nothing to take back
				}
				delete(told, name)
				g := d.adoptGroup(r, name, gl, gls, now)
				g.adopt(key, h, digest, wasTold, now)
				where[g] = struct{}{}
			}
		}
		// Receivers told that it fires whose routes no longer take it
		// hear that it is over, as a route change does when live.
		for name, digest := range told {
			if _, ok := d.receivers[name]; !ok {
				continue // a receiver that no longer exists
			}
			r := d.root
			gl := r.groupLabels(n.Labels)
			g := d.adoptGroup(r, name, gl, labelString(gl), now)
			resolved := *h
			resolved.Resolved, resolved.EndsAt = true, orNow(h.EndsAt, now)
			g.adopt(key, &resolved, digest, true, now)
			where[g] = struct{}{}
		}
		if len(where) > 0 {
			d.where[key] = where
		}
	}
}

// adoptGroup finds or starts the group of a route and receiver; d.mu is
// held.
func (d *Dispatcher) adoptGroup(r *route, name string, gl map[string]string, gls string, now time.Time) *group {
	mk := r.key + "\x00" + name + "\x00" + gls
	g := d.groups[mk]
	if g == nil {
		g = d.newGroup(r, d.receivers[name], name, gl, r.key+":"+gls, mk, now)
		d.groups[mk] = g
		d.wg.Add(1)
		go g.run(d.ctx)
	}
	return g
}

// adopt puts a held notification in the group, with what its receiver
// was told.
func (g *group) adopt(key string, h *Held, told uint64, wasTold bool, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seq++
	e := &entry{n: h.Notification, seq: g.seq, resolved: h.Resolved, startsAt: h.StartsAt}
	if e.resolved {
		e.endsAt = orNow(h.EndsAt, now)
	}
	e.digest = digest(&e.n, e.resolved)
	g.items[key] = e
	if wasTold {
		g.sent[key] = sentState{digest: told}
		if g.lastSent.IsZero() {
			// The repeat interval counts from the reload: when the
			// previous message went out is not handed over.
			g.lastSent = now
		}
	}
}
