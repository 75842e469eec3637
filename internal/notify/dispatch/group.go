package dispatch

import (
	"context"
	"errors"
	"hash/fnv"
	"sort"
	"strconv"
	"sync"
	"time"

	"tocsin/internal/notify"
)

// group aggregates the notifications one route sends one receiver for
// one set of group labels, and flushes them on its timers.
type group struct {
	d       *Dispatcher
	route   *route
	rcv     *receiverState
	rcvName string
	labels  map[string]string
	key     string        // the message's GroupKey
	mapKey  string        // the dispatcher's map key (adds the receiver)
	poke    chan struct{} // the next flush time moved earlier
	wake    chan struct{} // an urgent change: stop waiting to retry

	mu         sync.Mutex
	items      map[string]*entry
	sent       map[string]sentState // what the receiver was last told, by key
	lastSent   time.Time
	next       time.Time // when to flush next
	flushing   bool
	silencedAt map[string]uint64 // key → seq already audited as silenced
	seq        uint64
}

type entry struct {
	n        notify.Notification
	seq      uint64 // bumped on every update
	resolved bool   // resolved in this group (over, or left the route)
	startsAt time.Time
	endsAt   time.Time
	digest   uint64
}

type sentState struct {
	digest   uint64
	resolved bool
}

func (d *Dispatcher) newGroup(r *route, rcv *receiverState, name string, labels map[string]string, key, mapKey string, now time.Time) *group {
	return &group{
		d: d, route: r, rcv: rcv, rcvName: name, labels: labels, key: key, mapKey: mapKey,
		poke: make(chan struct{}, 1), wake: make(chan struct{}, 1),
		items: map[string]*entry{}, sent: map[string]sentState{}, silencedAt: map[string]uint64{},
		next: now.Add(r.groupWait),
	}
}

// insert adds or updates the notification key in the group; leftRoute
// marks it resolved here because the group no longer receives it. It
// reports whether the group holds key afterwards.
func (g *group) insert(key string, n *notify.Notification, now time.Time, leftRoute bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	resolved := leftRoute || n.IsResolved()
	e := g.items[key]
	if e == nil {
		if resolved {
			return false
		}
		e = &entry{startsAt: orNow(n.Since, now)}
		g.items[key] = e
	}
	if e.resolved && !resolved {
		e.startsAt = orNow(n.Since, now) // it fires again: a new episode
	}
	g.seq++
	e.n, e.seq, e.resolved = *n, g.seq, resolved
	e.endsAt = time.Time{}
	if resolved {
		e.endsAt = now
		if n.IsResolved() {
			e.endsAt = orNow(n.Since, now)
		}
	}
	e.digest = digest(n, resolved)
	if s, ok := g.sent[key]; !resolved && n.Level >= g.route.urgentLevel && (!ok || s.digest != e.digest) {
		if at := now.Add(g.route.urgentWait); at.Before(g.next) {
			g.next = at
			signal(g.poke)
		}
		if g.flushing {
			signal(g.wake)
		}
	}
	return true
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// digest summarises what a message would say about n, so an update that
// changes nothing a reader sees is not news.
func digest(n *notify.Notification, resolved bool) uint64 {
	h := fnv.New64a()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(string(n.Kind))
	w(n.Tenant)
	w(n.Level.String())
	w(n.Previous.String())
	w(n.SeverityOrDefault())
	w(n.Title)
	w(n.Summary)
	w(strconv.FormatBool(resolved))
	for _, r := range n.Reasons {
		w(r.Kind)
		w(r.ID)
		w(r.Text)
	}
	return h.Sum64()
}

// run is the group's goroutine: it sleeps until the next flush, flushes,
// and ends when the group is empty or ctx ends.
//
// The timer is armed once per wait, at its final deadline: tests count
// the armed timers of a fake clock to know that every group is waiting,
// and a placeholder deadline re-armed later would let them move the clock
// between the two.
func (g *group) run(ctx context.Context) {
	defer g.d.wg.Done()
	clock := g.d.clock
	timer := clock.NewTimer(g.wait())
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.poke:
			timer.Stop()
			timer.Reset(g.wait())
			continue
		case <-timer.C():
		}
		now := clock.Now()
		g.mu.Lock()
		due := !now.Before(g.next)
		g.mu.Unlock()
		if due && g.flush(ctx, now) {
			return
		}
		timer.Reset(g.wait())
	}
}

// wait is how long until the next flush.
func (g *group) wait() time.Duration {
	g.mu.Lock()
	next := g.next
	g.mu.Unlock()
	return max(next.Sub(g.d.clock.Now()), 0)
}

// flush sends what the receiver has not been told, or repeats an
// unchanged firing group after repeat_interval. It reports whether the
// group emptied and left the dispatcher.
func (g *group) flush(ctx context.Context, at time.Time) bool {
	g.mu.Lock()
	g.next = at.Add(g.route.groupInterval)
	g.flushing = true
	select {
	case <-g.wake: // a stale wake from an earlier flush
	default:
	}
	var (
		items    []notify.Item
		seqs     = map[string]uint64{}
		silenced []Entry
		news     bool
		firing   int
	)
	for key, e := range g.items {
		if id := g.d.silencedBy(e.n.Labels, at); id != "" {
			if g.silencedAt[key] != e.seq {
				g.silencedAt[key] = e.seq
				silenced = append(silenced, g.entry(Silenced, at, &notify.Message{Status: status(e.resolved)}, []*entry{e}, id))
			}
			continue
		}
		s, told := g.sent[key]
		if e.resolved {
			if !told || s.resolved || !g.route.sendResolved {
				continue // never said it fired, or said it ended already
			}
			news = true
		} else {
			firing++
			if !told || s.resolved || s.digest != e.digest {
				news = true
			}
		}
		items = append(items, notify.Item{
			Notification: e.n, Status: status(e.resolved),
			StartsAt: e.startsAt, EndsAt: e.endsAt, Labels: e.n.Labels,
		})
		seqs[key] = e.seq
	}
	reason := ""
	switch {
	case news && len(g.sent) == 0:
		reason = "first"
	case news && firing == 0:
		reason = "resolved"
	case news:
		reason = "updated"
	case firing > 0 && !g.lastSent.IsZero() && !at.Before(g.lastSent.Add(g.route.repeatInterval)):
		reason = "repeat"
	}
	g.mu.Unlock()

	for _, e := range silenced {
		g.d.record(ctx, e)
	}
	ok := false
	var msg notify.Message
	if reason != "" {
		msg = g.message(items, reason, at)
		ok = g.deliver(ctx, &msg)
	}
	return g.settle(ok, seqs, at)
}

func status(resolved bool) notify.Status {
	if resolved {
		return notify.Resolved
	}
	return notify.Firing
}

func (g *group) message(items []notify.Item, reason string, at time.Time) notify.Message {
	sort.Slice(items, func(i, j int) bool {
		a, b := &items[i], &items[j]
		if a.Status != b.Status {
			return a.Status == notify.Firing
		}
		if a.Level != b.Level {
			return a.Level > b.Level
		}
		if a.Tenant != b.Tenant {
			return a.Tenant < b.Tenant
		}
		return a.Key() < b.Key()
	})
	st := notify.Resolved
	if len(items) > 0 && items[0].Status == notify.Firing {
		st = notify.Firing
	}
	return notify.Message{
		ID: newID(), Receiver: g.rcvName, GroupKey: g.key, GroupLabels: g.labels,
		Status: st, Reason: reason, Items: items, ExternalURL: g.d.externalURL,
		Language: g.rcv.lang, Time: at,
	}
}

// settle records a successful delivery, drops what there is nothing more
// to say about, and removes the group once empty.
func (g *group) settle(ok bool, seqs map[string]uint64, at time.Time) bool {
	d := g.d
	d.mu.Lock()
	defer d.mu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.flushing = false
	if ok {
		for key, seq := range seqs {
			e := g.items[key]
			if e == nil || e.seq != seq {
				continue // updated meanwhile: the next flush tells
			}
			g.sent[key] = sentState{digest: e.digest, resolved: e.resolved}
		}
		g.lastSent = at
	}
	for key, e := range g.items {
		if !e.resolved {
			continue
		}
		s, told := g.sent[key]
		if told && !s.resolved && g.route.sendResolved && d.silencedBy(e.n.Labels, at) == "" {
			continue // still to be told it ended
		}
		delete(g.items, key)
		delete(g.sent, key)
		delete(g.silencedAt, key)
		d.forget(key, g)
	}
	if len(g.items) > 0 || d.stopped {
		return false
	}
	if d.groups[g.mapKey] == g {
		delete(d.groups, g.mapKey)
	}
	return true
}

// deliver sends msg with retries: exponential backoff with jitter until
// the receiver's deadline, a server's Retry-After honoured, a permanent
// error ending at once, and an urgent change superseding the message.
func (g *group) deliver(ctx context.Context, msg *notify.Message) bool {
	d, rc := g.d, g.rcv.retry
	entries := g.itemsOf(msg)
	if err := d.renderer.Render(msg); err != nil {
		e := g.entry(GaveUp, d.clock.Now(), msg, entries, "")
		e.Error = err.Error()
		d.record(ctx, e)
		return false
	}
	deadline := d.clock.Now().Add(rc.Deadline)
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, rc.AttemptTimeout)
		err := g.rcv.r.Send(actx, *msg)
		cancel()
		now := d.clock.Now()
		e := g.entry(Sent, now, msg, entries, "")
		e.Attempt = attempt
		if err == nil {
			d.record(ctx, e)
			return true
		}
		e.Error = notify.Redact(err.Error(), g.rcv.secrets...)
		if ctx.Err() != nil {
			e.Outcome = Canceled
			d.record(ctx, e)
			return false
		}
		wait := backoff(rc, attempt, d.jitter)
		var ra *notify.RetryAfterError
		if errors.As(err, &ra) && ra.After > wait {
			wait = ra.After
		}
		if errors.Is(err, notify.ErrPermanent) || now.Add(wait).After(deadline) {
			e.Outcome = GaveUp
			d.record(ctx, e)
			return false
		}
		e.Outcome, e.RetryIn = Failed, wait
		d.record(ctx, e)
		t := d.clock.NewTimer(wait)
		select {
		case <-t.C():
		case <-g.wake:
			t.Stop()
			e := g.entry(Superseded, d.clock.Now(), msg, entries, "")
			e.Attempt = attempt
			d.record(ctx, e)
			return false
		case <-ctx.Done():
			t.Stop()
			e := g.entry(Canceled, d.clock.Now(), msg, entries, "")
			e.Attempt = attempt
			d.record(ctx, e)
			return false
		}
	}
}

// backoff is the wait before attempt+1: InitialBackoff doubled per
// attempt up to MaxBackoff, drawn between half and all of it.
func backoff(rc RetryConfig, attempt int, jitter func() float64) time.Duration {
	d := rc.InitialBackoff
	for i := 1; i < attempt && d < rc.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, rc.MaxBackoff)
	return d/2 + time.Duration(jitter()*float64(d/2))
}

// itemsOf returns the audit view of a message's items.
func (g *group) itemsOf(msg *notify.Message) []*entry {
	out := make([]*entry, len(msg.Items))
	for i := range msg.Items {
		out[i] = &entry{n: msg.Items[i].Notification}
	}
	return out
}

func (g *group) entry(o Outcome, at time.Time, msg *notify.Message, es []*entry, silence string) Entry {
	e := Entry{
		Time: at, Outcome: o, Receiver: g.rcvName, GroupKey: g.key,
		MessageID: msg.ID, Reason: msg.Reason, Status: msg.Status, Subject: msg.Subject,
		SilenceID: silence,
	}
	seen := map[string]bool{}
	for _, x := range es {
		e.Fingerprints = append(e.Fingerprints, x.n.Key())
		if !seen[x.n.Tenant] {
			seen[x.n.Tenant] = true
			e.Tenants = append(e.Tenants, x.n.Tenant)
		}
		e.Level = max(e.Level, x.n.Level)
	}
	return e
}
