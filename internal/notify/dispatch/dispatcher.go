// Package dispatch routes notifications to receivers with Alertmanager's
// semantics: a routing tree matching on labels, groups formed on
// group_by labels and flushed after group_wait, group_interval and
// repeat_interval, silences, retries with exponential backoff and jitter
// up to a deadline per receiver, and an audit trail of every attempt.
//
// One departure: a firing notification at urgent_level (rouge by default)
// that a receiver has not been told about is sent after urgent_wait (0s
// by default), whatever the group's timers say, and cuts short a retry
// of an older message; an alarm bell that batches the alarm for 30 s, or
// waits 5 min because an earlier message is stuck, fails its purpose.
//
// Groups are per route, receiver and group labels, so a receiver that is
// down delays only its own messages. A notification's identity is its
// Key: an update (orange to rouge) replaces the earlier item in its
// groups, and a group that no longer receives it (a rouge-only route when
// the level falls to orange) tells its receiver the item is resolved
// there.
//
// The dispatcher owns one goroutine per live group and one per delivery
// in flight; Run waits for all of them when its context ends. Pending
// groups are not flushed at stop (as in Alertmanager): a restarted server
// re-sends the current levels.
package dispatch

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"sync"

	"tocsin/internal/notify"
)

// ErrStopped is returned by Notify once the dispatcher has stopped.
var ErrStopped = errors.New("dispatcher stopped")

// Options are what the dispatcher takes besides its configuration.
type Options struct {
	// Receivers are added to those Config.Receivers builds (for tests and
	// for receivers built in code); a name may not be used twice.
	Receivers map[string]notify.Receiver
	Audit     Audit          // nil: entries are only logged
	Clock     notify.Clock   // nil: the system clock
	Logger    *slog.Logger   // nil: slog.Default()
	Jitter    func() float64 // in [0,1); nil: math/rand/v2
}

type receiverState struct {
	r       notify.Receiver
	lang    notify.Language
	retry   RetryConfig
	secrets []notify.Secret
}

// Dispatcher routes, groups and delivers notifications.
type Dispatcher struct {
	root        *route
	receivers   map[string]*receiverState
	renderer    *notify.Renderer
	externalURL string
	audit       Audit
	clock       notify.Clock
	log         *slog.Logger
	jitter      func() float64

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex // guards the fields below; taken before any group's mu
	stopped bool
	groups  map[string]*group
	where   map[string]map[*group]struct{} // notification key → groups holding it

	smu      sync.RWMutex
	silences []Silence
}

// New validates cfg, builds its receivers and returns a dispatcher ready
// for Notify. Call Run to own its goroutines' lifetime.
func New(cfg Config, opts Options) (*Dispatcher, error) {
	extra := make([]string, 0, len(opts.Receivers))
	for name := range opts.Receivers {
		extra = append(extra, name)
	}
	if err := cfg.validate(extra); err != nil {
		return nil, err
	}
	loc, err := cfg.location()
	if err != nil {
		return nil, fmt.Errorf("%w: timezone: %w", ErrConfig, err)
	}
	renderer, err := notify.NewRenderer(loc)
	if err != nil {
		return nil, err
	}
	d := &Dispatcher{
		receivers:   map[string]*receiverState{},
		renderer:    renderer,
		externalURL: cfg.ExternalURL,
		audit:       opts.Audit,
		clock:       opts.Clock,
		log:         opts.Logger,
		jitter:      opts.Jitter,
		groups:      map[string]*group{},
		where:       map[string]map[*group]struct{}{},
	}
	if d.clock == nil {
		d.clock = notify.SystemClock{}
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.jitter == nil {
		d.jitter = mathrand.Float64
	}
	lang := cfg.Language
	if lang == "" {
		lang = notify.French
	}
	retry := cfg.Retry.withDefaults(defaultRetry)
	for i := range cfg.Receivers {
		rc := &cfg.Receivers[i]
		r, err := buildReceiver(rc, d.log)
		if err != nil {
			return nil, fmt.Errorf("%w: receivers[%d] (%s): %w", ErrConfig, i, rc.Name, err)
		}
		st := &receiverState{r: r, lang: lang, retry: retry}
		if rc.Language != "" {
			st.lang = rc.Language
		}
		if rc.Retry != nil {
			st.retry = rc.Retry.withDefaults(retry)
		}
		d.receivers[rc.Name] = st
	}
	for name, r := range opts.Receivers {
		d.receivers[name] = &receiverState{r: r, lang: lang, retry: retry}
	}
	for _, st := range d.receivers {
		if s, ok := st.r.(interface{ Secrets() []notify.Secret }); ok {
			st.secrets = s.Secrets()
		}
	}
	d.root = compileRoute(&cfg.Route, nil, "{}")
	for i := range cfg.Silences {
		s, _ := cfg.Silences[i].silence()
		s.ID = newID()
		d.silences = append(d.silences, s)
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d, nil
}

// Run blocks until ctx ends, then stops the dispatcher: deliveries in
// flight are cancelled (audited as canceled) and every goroutine is
// waited for.
func (d *Dispatcher) Run(ctx context.Context) error {
	<-ctx.Done()
	d.Stop()
	return nil
}

// Stop stops the dispatcher and waits for its goroutines. Safe to call
// more than once.
func (d *Dispatcher) Stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
}

// Notify routes n to its groups. It does not wait for delivery: it
// returns once n is in every group that should tell about it.
func (d *Dispatcher) Notify(ctx context.Context, n notify.Notification) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := n.Validate(); err != nil {
		return err
	}
	n.Labels = n.LabelSet()
	n.Reasons = append([]notify.Reason(nil), n.Reasons...)
	n.Tags = append([]string(nil), n.Tags...)
	if n.TenantName == "" {
		n.TenantName = n.Tenant
	}
	key := n.Key()
	now := d.clock.Now()
	routes := d.root.match(n.Labels)

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return ErrStopped
	}
	held := d.where[key]
	if held == nil {
		held = map[*group]struct{}{}
	}
	targets := map[*group]struct{}{}
	for _, r := range routes {
		gl := r.groupLabels(n.Labels)
		gls := labelString(gl)
		for _, name := range r.receivers {
			mk := r.key + "\x00" + name + "\x00" + gls
			g := d.groups[mk]
			if g == nil {
				if n.IsResolved() {
					continue // nothing was said; nothing to take back
				}
				g = d.newGroup(r, d.receivers[name], name, gl, r.key+":"+gls, mk, now)
				d.groups[mk] = g
				d.wg.Add(1)
				go g.run(d.ctx)
			}
			targets[g] = struct{}{}
			if g.insert(key, &n, now, false) {
				held[g] = struct{}{}
			}
		}
	}
	for g := range held {
		if _, ok := targets[g]; !ok {
			g.insert(key, &n, now, true)
		}
	}
	if len(held) > 0 {
		d.where[key] = held
	}
	return nil
}

// forget drops g from the index of key; d.mu is held.
func (d *Dispatcher) forget(key string, g *group) {
	if held := d.where[key]; held != nil {
		delete(held, g)
		if len(held) == 0 {
			delete(d.where, key)
		}
	}
}

func (d *Dispatcher) record(ctx context.Context, e Entry) {
	attrs := []any{"outcome", e.Outcome, "receiver", e.Receiver, "group", e.GroupKey, "message", e.MessageID}
	if len(e.Tenants) == 1 {
		attrs = append(attrs, "tenant", e.Tenants[0])
	}
	switch e.Outcome {
	case Sent:
		d.log.Info("notification sent", append(attrs, "attempt", e.Attempt, "reason", e.Reason, "status", e.Status)...)
	case Failed:
		d.log.Warn("notification attempt failed", append(attrs, "attempt", e.Attempt, "retry_in", e.RetryIn, "err", e.Error)...)
	case GaveUp:
		d.log.Error("notification given up", append(attrs, "attempt", e.Attempt, "err", e.Error)...)
	default:
		d.log.Info("notification not sent", append(attrs, "silence", e.SilenceID)...)
	}
	if d.audit == nil {
		return
	}
	// Record even when ctx is ending: the trail must say what was cancelled.
	if err := d.audit.Record(context.WithoutCancel(ctx), e); err != nil {
		d.log.Error("audit record failed", "err", err, "receiver", e.Receiver, "group", e.GroupKey)
	}
}

func newID() string { return rand.Text() }
