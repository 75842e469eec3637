// Package pipeline is tocsin serve's path from a received record to the
// store: decode → assign the tenant → detect → correlate → store, with
// bounded queues.
//
// Sources submit batches (ingest.Sink). Workers, one per core, decode and
// match a batch each. One writer collects processed batches, drops the
// deliveries it has already stored (by dedup id), runs each tenant's
// correlations in the order events were written, and writes events and
// alerts in one transaction every Batch events or Flush interval. Only then
// are the sources told (Batch.Done): RELP and HTTP acknowledge from there,
// so an acknowledged event is durable.
//
// Backpressure: Submit blocks while the queue is full, so a TCP, TLS or
// RELP sender is no longer read; TrySubmit (UDP) fails at once and the
// source counts the drop.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"

	"tocsin/internal/correlate"
	"tocsin/internal/decode"
	"tocsin/internal/detect"
	"tocsin/internal/event"
	"tocsin/internal/ingest"
	"tocsin/internal/input"
	"tocsin/internal/sigma"
	"tocsin/internal/store"
	"tocsin/internal/tenant"
	"tocsin/internal/winlog"
)

// ErrClosed is returned by Submit after Close.
var ErrClosed = errors.New("pipeline closed")

// Writer is what the pipeline needs of a store.
type Writer interface {
	Write(ctx context.Context, b *store.Batch) error
	RecentDedup(ctx context.Context, n int) ([]uint64, error)
}

// Rules is what detection runs on; a reload swaps it whole.
type Rules struct {
	Detect *detect.Engine
	// Rules are every loaded rule: correlation engines are built from
	// them per tenant.
	Rules        []*sigma.Rule
	CorrOptions  correlate.Options
	Router       *tenant.Router
	Mapper       *winlog.Mapper
	AlertLevel   string // detections below it are not stored as alerts
	correlations *correlate.Engine
}

// Options size the pipeline.
type Options struct {
	Store   Writer
	Workers int // 0: one per core
	Queue   int // batches waiting for a worker
	Batch   int // events per transaction
	// Flush is how long a batch may wait for more records before it is
	// written; 0 writes as soon as nothing more is ready (group commit).
	Flush  time.Duration
	Dedup  int // delivery ids remembered
	Logger *slog.Logger
	// Registry receives the pipeline's metrics (nil: not exported).
	Registry prometheus.Registerer
	// Now is the clock for receipt times (nil: time.Now).
	Now func() time.Time
	// Stored, when set, receives the alerts of each successful write
	// (with their IDs), in write order, from the writer goroutine: it
	// must not block.
	Stored func([]store.Alert)
}

// Pipeline implements ingest.Sink.
type Pipeline struct {
	o       Options
	rules   atomic.Pointer[Rules]
	in      chan *ingest.Batch
	out     chan *processed
	mu      sync.RWMutex // guards closed against sends on a closed channel
	closed  bool
	m       *metrics
	dedup   *dedupSet
	started chan struct{}
}

// New returns a pipeline; Run starts it.
func New(o Options, r *Rules) (*Pipeline, error) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Queue <= 0 {
		o.Queue = 512
	}
	if o.Batch <= 0 {
		o.Batch = 5000
	}
	if o.Dedup <= 0 {
		o.Dedup = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Pipeline{o: o, in: make(chan *ingest.Batch, o.Queue), out: make(chan *processed, 2*o.Workers), dedup: newDedupSet(o.Dedup), started: make(chan struct{})}
	if err := p.Swap(r); err != nil {
		return nil, err
	}
	m, err := newMetrics(o.Registry, func() float64 { return float64(len(p.in)) })
	if err != nil {
		return nil, err
	}
	p.m = m
	return p, nil
}

// Swap replaces the rules: batches processed from now on use the new ones.
// Correlations left unchanged keep their state; changed ones start over.
func (p *Pipeline) Swap(r *Rules) error {
	if r == nil || r.Detect == nil || r.Router == nil {
		return errors.New("pipeline: rules need a detection engine and a router")
	}
	if r.Mapper == nil {
		r.Mapper = winlog.Default()
	}
	// One engine to ask which rules correlations consume; per-tenant
	// engines hold the state.
	ce, _ := correlate.New(r.Rules, r.CorrOptions)
	r.correlations = ce
	p.rules.Store(r)
	return nil
}

// Submit queues a batch, waiting while the queue is full.
func (p *Pipeline) Submit(ctx context.Context, b *ingest.Batch) error { return p.send(ctx, b) }

// TrySubmit queues a batch or fails at once with ingest.ErrFull.
func (p *Pipeline) TrySubmit(b *ingest.Batch) error { return p.send(nil, b) }

// send queues b; without a context it does not wait.
func (p *Pipeline) send(ctx context.Context, b *ingest.Batch) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	if ctx == nil {
		select {
		case p.in <- b:
			return nil
		default:
			return ingest.ErrFull
		}
	}
	select {
	case p.in <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting batches; Run then drains what was queued, writes
// it and returns. Sources should be stopped first.
func (p *Pipeline) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.in)
	}
}

// QueueDepth is the number of batches waiting.
func (p *Pipeline) QueueDepth() int { return len(p.in) }

// Ready is closed once Run has loaded the duplicate filter.
func (p *Pipeline) Ready() <-chan struct{} { return p.started }

// Run processes batches until Close has been called and everything queued
// is written, or until ctx ends (then what is in flight is failed: its
// senders were not acknowledged and will retry).
func (p *Pipeline) Run(ctx context.Context) error {
	ids, err := p.o.Store.RecentDedup(ctx, p.o.Dedup)
	if err != nil {
		return fmt.Errorf("pipeline: reading recent delivery ids: %w", err)
	}
	for i := len(ids) - 1; i >= 0; i-- { // oldest first, so the newest are kept longest
		p.dedup.Add(ids[i])
	}
	close(p.started)
	var workers sync.WaitGroup
	for range p.o.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			p.work(ctx)
		}()
	}
	go func() {
		workers.Wait()
		close(p.out)
	}()
	return p.write(ctx)
}

// processed is a batch after decoding and matching.
type processed struct {
	src    *ingest.Batch
	events []store.Event
	retry  []byte // parallel to events: retryCheck | exactCheck
	// alerts are detections worth storing; ev indexes events.
	alerts []pendingAlert
	hits   []pendingHit
	rules  *Rules
	bad    int // records that could not be decoded (stored raw anyway)
}

// How a delivery's dedup id is checked (ingest.Message.Retry, Exact).
const (
	retryCheck = 1 << iota // against deliveries stored before
	exactCheck             // also against this write's own
)

type pendingAlert struct {
	a  store.Alert
	ev int
}

type pendingHit struct {
	tenant string
	hit    correlate.Hit
	ev     int
}

// worker state: a matcher and a decoder for one goroutine.
type worker struct {
	p       *Pipeline
	rules   *Rules
	m       *detect.Matcher
	dec     *decode.Decoder
	ev      *event.Event
	fields  map[*sigma.Rule][]string
	alertAt int
}

func (p *Pipeline) work(ctx context.Context) {
	w := &worker{p: p, ev: event.New()}
	for b := range p.in {
		if r := p.rules.Load(); r != w.rules {
			w.rules, w.m, w.dec = r, r.Detect.NewMatcher(), decode.New(r.Mapper)
			w.fields = map[*sigma.Rule][]string{}
			w.alertAt = rank(r.AlertLevel)
		}
		pb := w.process(b)
		select {
		case p.out <- pb:
		case <-ctx.Done():
			if b.Done != nil {
				b.Done(ctx.Err())
			}
		}
	}
}

// rank orders rule levels; an unknown one ranks lowest.
func rank(level string) int {
	r, _ := sigma.LevelRank(level)
	return r
}

func (w *worker) process(b *ingest.Batch) *processed {
	now := w.p.o.Now()
	pb := &processed{src: b, events: make([]store.Event, 0, len(b.Msgs)), retry: make([]byte, 0, len(b.Msgs)), rules: w.rules}
	r := w.rules
	for i := range b.Msgs {
		msg := &b.Msgs[i]
		ev := w.ev
		ev.Reset()
		format := input.FormatLines
		if msg.Format == "jsonl" {
			format = input.FormatJSONL
		}
		times, err := w.dec.Decode(msg.Data, format, ev)
		if err != nil {
			// Kept raw, in its tenant, for keyword search later.
			pb.bad++
			ev.Reset()
			ev.Message, ev.HasMessage = bytesString(msg.Data), true
			times = 1
		}
		id := r.Router.Assign(tenant.Origin{Tenant: msg.Tenant, CertCN: msg.CertCN, Listener: msg.Listener, Peer: msg.Peer}, routed{ev})
		ev.Tenant = id
		if ev.Time.IsZero() {
			ev.Time = now
		}
		se := store.Event{
			Tenant: id, Time: ev.Time, Received: now, Host: strings.Clone(ev.Host),
			Transport: msg.Transport, Format: string(format),
			Product: ev.Logsource.Product, Category: ev.Logsource.Category, Service: ev.Logsource.Service,
			SrcIP: strings.Clone(srcIP(ev)), Raw: bytesString(msg.Data), Dedup: msg.Dedup,
		}
		pb.events = append(pb.events, se)
		var check byte
		if msg.Retry {
			check |= retryCheck
		}
		if msg.Exact {
			check |= exactCheck
		}
		pb.retry = append(pb.retry, check)
		k := len(pb.events) - 1
		for _, rule := range w.m.Match(ev) {
			if c := r.correlations; c != nil && c.Referenced(rule) {
				names, ok := w.fields[rule]
				if !ok {
					names = c.Fields(rule)
					w.fields[rule] = names
				}
				h := correlate.Hit{Rule: rule, Time: hitTime(ev.Time, now), Fields: correlate.Slim(ev, names)}
				for range times {
					pb.hits = append(pb.hits, pendingHit{tenant: id, hit: h, ev: k})
				}
				if c.Suppressed(rule) {
					continue
				}
			}
			if rank(rule.Level) < w.alertAt {
				continue
			}
			ents := decode.Entities(ev)
			for n, v := range ents {
				ents[n] = strings.Clone(v)
			}
			pb.alerts = append(pb.alerts, pendingAlert{ev: k, a: store.Alert{
				Tenant: id, Kind: "detection", Time: ev.Time, First: ev.Time,
				RuleID: rule.ID, Title: rule.Title, Level: rule.Level, Author: rule.Author, Tags: rule.Tags,
				SrcIP: ents["src_ip"], Entities: ents, Count: times,
				Dedup: alertDedup(id, rule, msg.Dedup),
			}})
		}
	}
	return pb
}

// maxSkew is how far ahead of the receipt time an event's time may be for
// correlation: correlation runs on event time, per tenant, and one sender
// whose clock is an hour ahead would otherwise move the tenant's clock so
// far that every other sender's hits arrive "late" and are dropped. The
// event keeps its own time in the store.
const maxSkew = 5 * time.Minute

func hitTime(t, received time.Time) time.Time {
	if limit := received.Add(maxSkew); t.After(limit) {
		return received
	}
	return t
}

// routed lets tenant rules name the event's host like a field.
type routed struct{ ev *event.Event }

func (r routed) Get(name string) (string, bool) {
	if v, ok := r.ev.Get(name); ok {
		return v, ok
	}
	if name == "host" && r.ev.Host != "" {
		return r.ev.Host, true
	}
	return "", false
}

// srcIP reads the attacker's address from the parsers' normalised field or
// the common Windows and web-server names.
func srcIP(ev *event.Event) string {
	for _, f := range [...]string{"src_ip", "IpAddress", "SourceIp", "c-ip", "source.ip", "client.ip"} {
		if v, ok := ev.Get(f); ok && v != "" && v != "-" {
			return v
		}
	}
	return ""
}

// alertDedup identifies a detection of a delivery, so a retried delivery
// does not store its alert twice; 0 when the delivery has no id.
func alertDedup(tenant string, rule *sigma.Rule, delivery uint64) uint64 {
	if delivery == 0 {
		return 0
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d", tenant, rule.ID, rule.Title, delivery)
	return h.Sum64() | 1
}

func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	// The source gave the slice away (ingest.Message): it is never
	// written again, so the string may share it.
	return unsafe.String(&b[0], len(b))
}

// writer state: correlation engines per tenant and the batch being built.
type writer struct {
	p       *Pipeline
	rules   *Rules
	corr    map[string]*correlate.Engine
	pending []*processed
	n       int
	// latest event time per tenant, to close correlation windows.
	latest map[string]time.Time
	state  *corrState
}

func (p *Pipeline) write(ctx context.Context) error {
	w := &writer{p: p, corr: map[string]*correlate.Engine{}, latest: map[string]time.Time{}}
	w.state = newCorrState(ctx, p.o.Store, func(msg string, err error) { p.o.Logger.Warn(msg, "err", err) })
	defer func() { w.state.save(context.WithoutCancel(ctx), w.corr, true) }()
	for {
		// Group commit: take what is ready, write it, repeat. Under load
		// batches grow while the previous one is written; when quiet,
		// a lone record is written at once (RELP and HTTP senders wait
		// for that acknowledgement).
		pb, ok := <-p.out
		if !ok {
			return w.flush(ctx)
		}
		w.add(pb)
		linger := time.After(p.o.Flush)
	more:
		for w.n < p.o.Batch {
			select {
			case pb, ok := <-p.out:
				if !ok {
					return w.flush(ctx)
				}
				w.add(pb)
			default:
				if p.o.Flush <= 0 {
					break more
				}
				select {
				case pb, ok := <-p.out:
					if !ok {
						return w.flush(ctx)
					}
					w.add(pb)
				case <-linger:
					break more
				}
			}
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
	}
}

func (w *writer) add(pb *processed) {
	w.pending = append(w.pending, pb)
	w.n += len(pb.events)
}

// flush writes what is pending. A store error fails the pending batches
// (their senders retry) but does not stop the pipeline, unless ctx ended.
func (w *writer) flush(ctx context.Context) error {
	if len(w.pending) == 0 {
		return nil
	}
	p := w.p
	b := &store.Batch{}
	type tcount struct{ stored, dup int }
	type tkey struct{ tenant, transport string }
	counts := map[tkey]*tcount{}
	seen := map[uint64]bool{}
	var fresh []uint64
	var hits []pendingHit
	for _, pb := range w.pending {
		if pb.rules != w.rules {
			w.swapRules(pb.rules)
		}
		keep := make([]int, len(pb.events)) // event index -> index in b, or -1
		for i := range pb.events {
			e := &pb.events[i]
			k := tkey{e.Tenant, e.Transport}
			c := counts[k]
			if c == nil {
				c = &tcount{}
				counts[k] = c
			}
			if e.Dedup != 0 && (pb.retry[i]&retryCheck != 0 && p.dedup.Has(e.Dedup) || pb.retry[i]&exactCheck != 0 && seen[e.Dedup]) {
				keep[i] = -1
				c.dup++
				continue
			}
			if e.Dedup != 0 {
				seen[e.Dedup] = true
				fresh = append(fresh, e.Dedup)
			}
			keep[i] = len(b.Events)
			b.Events = append(b.Events, *e)
			c.stored++
			if t := hitTime(e.Time, e.Received); t.After(w.latest[e.Tenant]) {
				w.latest[e.Tenant] = t
			}
		}
		for _, a := range pb.alerts {
			if keep[a.ev] < 0 {
				continue
			}
			b.Alerts = append(b.Alerts, a.a)
			b.EventIdx = append(b.EventIdx, []int{keep[a.ev]})
		}
		for _, h := range pb.hits {
			if keep[h.ev] < 0 {
				continue
			}
			h.ev = keep[h.ev]
			hits = append(hits, h)
		}
		for _, m := range pb.src.Msgs {
			if m.OffsetKey != "" {
				if b.Offsets == nil {
					b.Offsets = map[string]int64{}
				}
				b.Offsets[m.OffsetKey] = m.Offset
			}
		}
	}
	w.correlate(hits, b)
	start := time.Now()
	err := p.o.Store.Write(ctx, b)
	p.m.storeLatency.Observe(time.Since(start).Seconds())
	pending := w.pending
	w.pending, w.n = nil, 0
	if err != nil {
		p.o.Logger.Error("store write failed; senders not acknowledged", "events", len(b.Events), "err", err)
		p.m.storeErrors.Inc()
		for _, pb := range pending {
			if pb.src.Done != nil {
				pb.src.Done(err)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	}
	for _, id := range fresh {
		p.dedup.Add(id)
	}
	w.state.save(ctx, w.corr, false)
	if p.o.Stored != nil && len(b.Alerts) > 0 {
		p.o.Stored(b.Alerts)
	}
	now := p.o.Now()
	for k, c := range counts {
		p.m.stored.WithLabelValues(k.tenant, k.transport).Add(float64(c.stored))
		if c.dup > 0 {
			p.m.duplicates.WithLabelValues(k.tenant, k.transport).Add(float64(c.dup))
		}
	}
	for _, a := range b.Alerts {
		p.m.alerts.WithLabelValues(a.Tenant, a.Level).Inc()
	}
	for _, pb := range pending {
		for _, e := range pb.events {
			p.m.latency.Observe(now.Sub(e.Received).Seconds())
			break // one sample per batch: the oldest record of it
		}
		if pb.bad > 0 {
			p.m.decodeErrors.Add(float64(pb.bad))
		}
		if pb.src.Done != nil {
			pb.src.Done(nil)
		}
	}
	return nil
}

// correlate feeds each tenant's engine the hits in event-time order and
// adds what fires to the batch.
func (w *writer) correlate(hits []pendingHit, b *store.Batch) {
	if w.rules == nil || w.rules.correlations == nil {
		return
	}
	// Event time moved on for each tenant: windows that can only be
	// decided at their end (fewer than N, exactly N) close even when no
	// new hit comes.
	defer func() {
		for t, eng := range w.corr {
			for _, r := range eng.Advance(w.latest[t]) {
				if !eng.Suppressed(r.Rule) && rank(r.Rule.Level) >= rank(w.rules.AlertLevel) {
					b.Alerts = append(b.Alerts, correlationAlert(t, r))
					b.EventIdx = append(b.EventIdx, nil)
				}
			}
		}
	}()
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].hit.Time.Before(hits[j].hit.Time) })
	for _, h := range hits {
		eng := w.corr[h.tenant]
		if eng == nil {
			var errs []error
			eng, errs = correlate.New(w.rules.Rules, w.rules.CorrOptions)
			if len(errs) > 0 {
				w.p.o.Logger.Debug("correlations not loaded", "tenant", h.tenant, "problems", len(errs))
			}
			w.state.restore(h.tenant, eng)
			w.corr[h.tenant] = eng
		}
		for _, res := range [2][]correlate.Result{eng.Advance(h.hit.Time), eng.Observe(h.hit)} {
			for _, r := range res {
				if eng.Suppressed(r.Rule) || rank(r.Rule.Level) < rank(w.rules.AlertLevel) {
					continue
				}
				b.Alerts = append(b.Alerts, correlationAlert(h.tenant, r))
				b.EventIdx = append(b.EventIdx, []int{h.ev})
			}
		}
	}
}

// swapRules moves to new rules: each tenant's correlations that did not
// change keep their state (open windows, what first_seen learnt).
func (w *writer) swapRules(r *Rules) {
	old := w.corr
	w.rules, w.corr = r, map[string]*correlate.Engine{}
	if r.correlations == nil {
		return
	}
	for t, o := range old {
		eng, _ := correlate.New(r.Rules, r.CorrOptions)
		eng.Carry(o)
		w.corr[t] = eng
	}
}

func correlationAlert(tenant string, r correlate.Result) store.Alert {
	group := map[string]string{}
	for _, kv := range r.Group {
		group[kv.Field] = kv.Value
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d", tenant, r.Rule.ID, r.Rule.Title, r.First.UnixNano())
	for _, kv := range r.Group {
		fmt.Fprintf(h, "\x00%s=%s", kv.Field, kv.Value)
	}
	return store.Alert{
		Tenant: tenant, Kind: "correlation", Time: r.Last, First: r.First,
		RuleID: r.Rule.ID, Title: r.Rule.Title, Level: r.Rule.Level, Author: r.Rule.Author, Tags: r.Rule.Tags,
		SrcIP: group["src_ip"], Group: group, Count: int(r.Value), Dedup: h.Sum64() | 1,
	}
}
