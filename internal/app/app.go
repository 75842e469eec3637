// Package app wires tocsin serve together and owns its lifecycle: the
// configuration, the store, the rules, the pipeline, the sources and the
// HTTP server; reloads; graceful shutdown.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tocsin/internal/alert"
	"tocsin/internal/api"
	"tocsin/internal/config"
	"tocsin/internal/correlate"
	"tocsin/internal/decode"
	"tocsin/internal/demo"
	"tocsin/internal/detect"
	"tocsin/internal/event"
	"tocsin/internal/ingest"
	"tocsin/internal/ingest/syslogsrc"
	"tocsin/internal/input"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/pipeline"
	"tocsin/internal/ruleset"
	"tocsin/internal/sigma"
	"tocsin/internal/store"
	"tocsin/internal/store/postgres"
	"tocsin/internal/store/sqlite"
	"tocsin/internal/winlog"
)

// Overrides are the command-line flags that take precedence over the
// file; nil leaves the file's (or the default) value.
type Overrides struct {
	Data, HTTP, Syslog, SyslogTLS, RELP *string
}

// Options start the server.
type Options struct {
	ConfigFile string // "" runs on the embedded defaults
	Overrides  Overrides
	// Out receives the start-up summary (and the admin token, once).
	Out io.Writer
	// Log receives the server's log.
	Log    io.Writer
	Getenv func(string) (string, bool)
	// Tenants are added when the configuration lacks them; on the
	// embedded defaults they replace the default tenant (tocsin demo's
	// fictional communes).
	Tenants []config.Tenant
}

// App is a running server.
type App struct {
	o        Options
	log      *slog.Logger
	store    store.Store
	pipe     *pipeline.Pipeline
	reg      *prometheus.Registry
	sources  []ingest.Source
	http     *http.Server
	httpLn   net.Listener
	state    atomic.Pointer[state]
	reloadMu sync.Mutex
	admin    string // SHA-256 of the admin token
	decoders sync.Pool
	vigil    *vigil
	notify   *dispatch.Dispatcher // nil: no receivers configured
	audit    *auditFile           // the notifications' trail
	started  chan struct{}        // closed once Run serves
}

// state is what a reload replaces.
type state struct {
	cfg   *config.Config
	dir   *directory
	rules *pipeline.Rules
	// loaded counts rules for the summary.
	builtin, user, failed int
}

// ErrConfig marks a configuration the server cannot start with.
var ErrConfig = errors.New("configuration")

// loadConfig reads the file (or the defaults) and applies the flags.
func (o *Options) loadConfig() (*config.Config, error) {
	var c *config.Config
	if o.ConfigFile == "" {
		c = config.Default()
		if len(o.Tenants) > 0 {
			c.Tenants = nil
		}
	} else {
		data, err := os.ReadFile(o.ConfigFile)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		c, err = config.Parse(o.ConfigFile, data, o.Getenv)
		if err != nil {
			return nil, err
		}
	}
	for _, t := range o.Tenants {
		if !slices.ContainsFunc(c.Tenants, func(x config.Tenant) bool { return x.ID == t.ID }) {
			c.Tenants = append(c.Tenants, t)
		}
	}
	ov := o.Overrides
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Data, ov.Data)
	set(&c.HTTP.Addr, ov.HTTP)
	if ov.Syslog != nil {
		c.Syslog.UDP, c.Syslog.TCP = *ov.Syslog, *ov.Syslog
	}
	set(&c.Syslog.TLS.Addr, ov.SyslogTLS)
	set(&c.RELP.Addr, ov.RELP)
	return c, nil
}

// New loads everything and binds every listener, so that a port in use or
// a bad file is reported before anything runs. Run serves.
func New(ctx context.Context, o Options) (*App, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if o.Getenv == nil {
		o.Getenv = os.LookupEnv
	}
	c, err := o.loadConfig()
	if err != nil {
		return nil, err
	}
	a := &App{o: o, reg: prometheus.NewRegistry(), started: make(chan struct{})}
	a.log = newLogger(o.Log, c.Log)
	ok := false
	defer func() {
		if !ok {
			a.closeAll()
		}
	}()
	if err := a.openStore(ctx, c); err != nil {
		return nil, err
	}
	if err := a.adminToken(ctx); err != nil {
		return nil, err
	}
	st, err := a.build(c)
	if err != nil {
		return nil, err
	}
	a.state.Store(st)
	if err := a.openVigil(ctx, c); err != nil {
		return nil, err
	}
	a.pipe, err = pipeline.New(pipeline.Options{
		Store: a.store, Workers: c.Pipeline.Workers, Queue: c.Pipeline.Queue, Batch: c.Pipeline.Batch,
		Flush: time.Duration(c.Pipeline.Flush), Dedup: c.Pipeline.Dedup, Logger: a.log, Registry: a.reg,
		Stored: a.vigil.offer,
	}, st.rules)
	if err != nil {
		return nil, err
	}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), sourceCollector{a}, vigilCollector{a.vigil})
	if err := a.openSources(c); err != nil {
		return nil, err
	}
	if err := a.openHTTP(c); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (a *App) openStore(ctx context.Context, c *config.Config) error {
	var err error
	switch c.Storage.Driver {
	case "postgres":
		a.store, err = postgres.Open(ctx, c.Storage.DSN)
	default:
		if err := os.MkdirAll(c.Data, 0o750); err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
		a.store, err = sqlite.Open(ctx, filepath.Join(c.Data, "tocsin.db"))
	}
	if err != nil {
		return fmt.Errorf("opening the %s store: %w", c.Storage.Driver, err)
	}
	return nil
}

const adminSetting = "admin_token_sha256"

// adminToken takes TOCSIN_ADMIN_TOKEN when set; otherwise the stored hash;
// otherwise it makes a token, prints it once and keeps only its hash.
func (a *App) adminToken(ctx context.Context) error {
	if tok, ok := a.o.Getenv("TOCSIN_ADMIN_TOKEN"); ok && tok != "" {
		if len(tok) < 16 {
			return fmt.Errorf("%w: TOCSIN_ADMIN_TOKEN needs at least 16 characters", ErrConfig)
		}
		a.admin = config.HashToken(tok)
		return nil
	}
	h, err := a.store.Setting(ctx, adminSetting)
	if err == nil && h != "" {
		a.admin = h
		return nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	tok := "tcn_" + base64.RawURLEncoding.EncodeToString(b[:])
	a.admin = config.HashToken(tok)
	if err := a.store.PutSetting(ctx, adminSetting, a.admin); err != nil {
		return err
	}
	fmt.Fprintf(a.o.Out, "admin token (shown once, only its hash is kept): %s\n", tok)
	return nil
}

// build loads the rules of a configuration. A rule that does not load is
// reported and left out; the others run.
func (a *App) build(c *config.Config) (*state, error) {
	ph := c.Rules.Placeholders
	mapper := winlog.Default()
	set := &sigma.Set{}
	st := &state{cfg: c}
	if *c.Rules.Builtin {
		b := ruleset.Builtin()
		set.Rules = append(set.Rules, b.Rules...)
		set.Problems = append(set.Problems, b.Problems...)
		set.Failed += b.Failed
		st.builtin = len(b.Rules)
	}
	if len(c.Rules.Paths) > 0 {
		u := sigma.LoadPaths(c.Rules.Paths...)
		set.Rules = append(set.Rules, u.Rules...)
		set.Problems = append(set.Problems, u.Problems...)
		set.Failed += u.Failed
		st.user = len(u.Rules)
	}
	rs := ruleset.CheckOptions(set, detect.Options{Placeholders: ph, CategoryParents: mapper.CategoryParents}, correlate.Options{})
	for _, p := range rs.Problems {
		if p.Warning {
			a.log.Warn("rule", "problem", p.Error())
		} else {
			a.log.Error("rule left out", "problem", p.Error())
		}
	}
	st.failed = rs.Failed
	st.dir = newDirectory(c, a.admin)
	st.rules = &pipeline.Rules{Detect: rs.Detect, Rules: rs.Rules, Router: router(c), Mapper: mapper, AlertLevel: c.Rules.AlertLevel}
	return st, nil
}

// openVigil starts the alert engine and, when receivers are configured,
// the notifications.
func (a *App) openVigil(ctx context.Context, c *config.Config) error {
	if len(c.Notify.Receivers) > 0 {
		d, err := a.newDispatcher(c)
		if err != nil {
			return err
		}
		a.notify = d
	}
	var n notifier
	if a.notify != nil {
		n = a.notify
	}
	v, err := newVigil(ctx, a.store, c.Alerting, n, a.log)
	if err != nil {
		return fmt.Errorf("alerting: %w", err)
	}
	a.vigil = v
	return v.setTenants(c)
}

// newDispatcher builds the notifications of c, with the audit trail in
// the data folder (opened once, kept across reloads).
func (a *App) newDispatcher(c *config.Config) (*dispatch.Dispatcher, error) {
	if a.audit == nil {
		if err := os.MkdirAll(c.Data, 0o750); err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
		audit, err := openAudit(filepath.Join(c.Data, "notifications.jsonl"))
		if err != nil {
			return nil, err
		}
		a.audit = audit
	}
	d, err := dispatch.New(c.Notify, dispatch.Options{Logger: a.log, Audit: a.audit})
	if err != nil {
		return nil, fmt.Errorf("%w: notify: %w", ErrConfig, err)
	}
	return d, nil
}

func (a *App) openSources(c *config.Config) error {
	if c.Syslog.UDP != "" {
		s, err := syslogsrc.NewUDP(syslogsrc.UDPConfig{Addr: c.Syslog.UDP, MaxMessageSize: int(c.Syslog.MaxMessage), Logger: a.log})
		if err != nil {
			return fmt.Errorf("syslog UDP: %w", err)
		}
		a.sources = append(a.sources, s)
	}
	if c.Syslog.TCP != "" {
		s, err := syslogsrc.NewTCP(syslogsrc.TCPConfig{Addr: c.Syslog.TCP, MaxMessageSize: int(c.Syslog.MaxMessage), Logger: a.log})
		if err != nil {
			return fmt.Errorf("syslog TCP: %w", err)
		}
		a.sources = append(a.sources, s)
	}
	if t := c.Syslog.TLS; t.Addr != "" {
		s, err := syslogsrc.NewTCP(syslogsrc.TCPConfig{Addr: t.Addr, MaxMessageSize: int(c.Syslog.MaxMessage), Logger: a.log,
			TLS: &syslogsrc.TLSConfig{CertFile: t.Cert, KeyFile: t.Key, ClientCAFile: t.ClientCA, RequireClientCert: t.RequireClientCert}})
		if err != nil {
			return fmt.Errorf("syslog TLS: %w", err)
		}
		a.sources = append(a.sources, s)
	}
	return a.openMoreSources(c)
}

func (a *App) openHTTP(c *config.Config) error {
	if c.HTTP.Addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", c.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("HTTP: %w", err)
	}
	a.httpLn = ln
	srv := api.New(api.Options{
		Store:         a.store,
		Sink:          a.pipe,
		Directory:     func() api.Directory { return a.state.Load().dir },
		Reload:        a.Reload,
		Ready:         a.ready,
		Metrics:       promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{Registry: a.reg}),
		MetricsPublic: c.HTTP.MetricsPublic,
		MaxBody:       int64(c.HTTP.MaxBody),
		Logger:        a.log,
		Decode:        a.decodeFields,
		Alerting:      alerting{a.vigil},
	})
	a.http = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	return nil
}

// decodeFields turns a stored record back into its fields for the API.
// Decoders are pooled: building one (its Windows mapping) costs far more
// than decoding a record.
func (a *App) decodeFields(raw, format string) (map[string]any, error) {
	d, _ := a.decoders.Get().(*decode.Decoder)
	if d == nil {
		d = decode.New(a.state.Load().rules.Mapper)
	}
	defer a.decoders.Put(d)
	ev := event.New()
	f := input.FormatLines
	if format == "jsonl" {
		f = input.FormatJSONL
	}
	if _, err := d.Decode([]byte(raw), f, ev); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for i := 0; i < ev.Len(); i++ {
		fl := ev.At(i)
		if prev, ok := out[fl.Name]; ok {
			// Repeated names are arrays.
			if arr, ok := prev.([]string); ok {
				out[fl.Name] = append(arr, fl.Value)
			} else {
				out[fl.Name] = []string{prev.(string), fl.Value}
			}
			continue
		}
		out[fl.Name] = fl.Value
	}
	return out, nil
}

func (a *App) ready() error {
	select {
	case <-a.pipe.Ready():
		return nil
	default:
		return errors.New("loading the duplicate filter")
	}
}

// Replay submits the steps at their offsets from now, as a live attack
// would arrive; said is told each step as it goes.
func (a *App) Replay(ctx context.Context, steps []demo.Step, said func(demo.Step)) error {
	select {
	case <-a.started:
	case <-ctx.Done():
		return ctx.Err()
	}
	start := time.Now()
	for _, st := range steps {
		select {
		case <-time.After(time.Until(start.Add(st.After))):
		case <-ctx.Done():
			return ctx.Err()
		}
		if said != nil {
			said(st)
		}
		if err := a.pipe.Submit(ctx, &ingest.Batch{Msgs: st.Msgs}); err != nil {
			return err
		}
	}
	return nil
}

// Levels is what GET /api/v1/levels answers the admin.
func (a *App) Levels() alert.Levels { return a.vigil.levels("").(alert.Levels) }

// Addrs lists where the listeners are: name -> address.
func (a *App) Addrs() map[string]string {
	out := map[string]string{}
	if a.httpLn != nil {
		out["http"] = a.httpLn.Addr().String()
	}
	for _, s := range a.sources {
		if x, ok := s.(interface{ Addr() net.Addr }); ok {
			out[s.Name()] = x.Addr().String()
		}
	}
	return out
}

// Summary says where everything is, for the operator.
func (a *App) Summary() string {
	st := a.state.Load()
	c := st.cfg
	var b strings.Builder
	where := c.Data
	if c.Storage.Driver == "postgres" {
		where = "PostgreSQL"
	} else {
		where = fmt.Sprintf("SQLite %s", filepath.Join(c.Data, "tocsin.db"))
	}
	fmt.Fprintf(&b, "tocsin serve: storing in %s\n", where)
	addrs := a.Addrs()
	if h, ok := addrs["http"]; ok {
		fmt.Fprintf(&b, "  API          http://%s/api/v1  (metrics /metrics, health /healthz /readyz)\n", h)
	}
	var names []string
	for n := range addrs {
		if n != "http" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-12s %s\n", n, addrs[n])
	}
	var ids []string
	for _, t := range c.Tenants {
		ids = append(ids, t.ID)
	}
	fmt.Fprintf(&b, "  tenants      %s (unassigned events go to %q)\n", strings.Join(ids, ", "), c.Quarantine)
	fmt.Fprintf(&b, "  rules        %d built-in, %d from files, %d left out\n", st.builtin, st.user, st.failed)
	return b.String()
}

// Reload builds the new configuration and rules and swaps them in; when
// the new configuration is invalid the running one stays. Listeners and
// storage change only at restart.
func (a *App) Reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	c, err := a.o.loadConfig()
	if err != nil {
		a.log.Error("reload refused; the running configuration stays", "err", err)
		return err
	}
	st, err := a.build(c)
	if err != nil {
		return err
	}
	old := a.state.Load().cfg
	if listeners(old) != listeners(c) || old.Storage != c.Storage || old.Data != c.Data {
		a.log.Warn("listeners and storage change only at restart; the rest is reloaded")
	}
	// Everything that can fail is built before anything is swapped.
	policyChanged := !reflect.DeepEqual(old.Alerting, c.Alerting)
	if policyChanged {
		if _, err := alert.New(c.Alerting); err != nil {
			return fmt.Errorf("%w: alerting: %w", ErrConfig, err)
		}
	}
	notifyChanged := !reflect.DeepEqual(old.Notify, c.Notify)
	var next *dispatch.Dispatcher
	if notifyChanged && len(c.Notify.Receivers) > 0 {
		if next, err = a.newDispatcher(c); err != nil {
			return err
		}
	}
	if err := a.pipe.Swap(st.rules); err != nil {
		if next != nil {
			next.Stop()
		}
		return err
	}
	if policyChanged {
		if err := a.vigil.setPolicy(c.Alerting); err != nil {
			a.log.Error("the alerting policy is not reloaded", "err", err)
		} else {
			a.log.Info("alerting policy reloaded")
		}
	}
	if err := a.vigil.setTenants(c); err != nil {
		return err
	}
	if notifyChanged {
		if lost := a.vigil.handover(a.notify, next); lost > 0 {
			a.log.Warn("no receivers left: pending notifications dropped", "notifications", lost)
		}
		a.notify = next
		a.log.Info("notifications reloaded", "receivers", len(c.Notify.Receivers))
	}
	a.state.Store(st)
	a.log.Info("reloaded", "tenants", len(c.Tenants), "rules", st.builtin+st.user)
	return nil
}

func listeners(c *config.Config) string {
	return fmt.Sprint(c.HTTP.Addr, c.Syslog.UDP, c.Syslog.TCP, c.Syslog.TLS, c.RELP.Addr, c.Files)
}

// Run serves until ctx ends, then shuts down gracefully: stop listening,
// finish what was read, write it, close the store.
func (a *App) Run(ctx context.Context) error {
	fmt.Fprint(a.o.Out, a.Summary())
	pipeCtx, stopPipe := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPipe()
	pipeDone := make(chan error, 1)
	go func() { pipeDone <- a.pipe.Run(pipeCtx) }()

	srcCtx, stopSources := context.WithCancel(ctx)
	defer stopSources()
	var sources sync.WaitGroup
	for _, s := range a.sources {
		sources.Add(1)
		go func() {
			defer sources.Done()
			if err := s.Run(srcCtx, a.pipe); err != nil && !errors.Is(err, context.Canceled) {
				a.log.Error("source stopped", "source", s.Name(), "err", err)
			}
		}()
	}
	httpDone := make(chan error, 1)
	if a.http != nil {
		go func() { httpDone <- a.http.Serve(a.httpLn) }()
	}
	var retention sync.WaitGroup
	retention.Add(1)
	go func() {
		defer retention.Done()
		a.retention(srcCtx)
	}()
	// The alert engine outlives the pipeline's last write.
	vigilCtx, stopVigil := context.WithCancel(context.WithoutCancel(ctx))
	defer stopVigil()
	vigilDone := make(chan struct{})
	go func() {
		defer close(vigilDone)
		a.vigil.run(vigilCtx)
	}()

	close(a.started)
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-pipeDone:
		runErr = fmt.Errorf("pipeline stopped: %w", err)
		pipeDone <- err
	case err := <-httpDone:
		runErr = fmt.Errorf("HTTP server stopped: %w", err)
	}
	a.log.Info("stopping: draining what was received")
	stopSources()
	if a.http != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = a.http.Shutdown(sctx)
		cancel()
	}
	sources.Wait()
	retention.Wait()
	a.pipe.Close()
	select {
	case err := <-pipeDone:
		if err != nil && runErr == nil {
			runErr = err
		}
	case <-time.After(30 * time.Second):
		stopPipe()
		<-pipeDone
	}
	stopVigil()
	<-vigilDone
	a.reloadMu.Lock() // a.notify and a.audit change on reload
	if a.notify != nil {
		a.notify.Stop()
	}
	if a.audit != nil {
		_ = a.audit.Close()
	}
	a.reloadMu.Unlock()
	if err := a.store.Close(); err != nil && runErr == nil {
		runErr = err
	}
	a.log.Info("stopped")
	return runErr
}

// closeAll releases what New opened when it fails half-way.
func (a *App) closeAll() {
	for _, s := range a.sources {
		if c, ok := s.(io.Closer); ok {
			_ = c.Close()
		}
	}
	if a.httpLn != nil {
		_ = a.httpLn.Close()
	}
	if a.notify != nil {
		a.notify.Stop()
	}
	if a.audit != nil {
		_ = a.audit.Close()
	}
	if a.store != nil {
		_ = a.store.Close()
	}
}

// retention prunes old events and alerts per tenant, at start and hourly.
func (a *App) retention(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		c := a.state.Load().cfg
		now := time.Now()
		tenants := append([]config.Tenant{{ID: c.Quarantine}}, c.Tenants...)
		for _, t := range tenants {
			r := t.Retention
			if r.Events == 0 {
				r.Events = c.Retention.Events
			}
			if r.Alerts == 0 {
				r.Alerts = c.Retention.Alerts
			}
			for _, k := range []struct {
				alerts bool
				keep   config.Duration
			}{{false, r.Events}, {true, r.Alerts}} {
				if k.keep == 0 {
					continue
				}
				n, err := a.store.Prune(ctx, t.ID, k.alerts, now.Add(-time.Duration(k.keep)))
				if err != nil && ctx.Err() == nil {
					a.log.Error("retention", "tenant", t.ID, "err", err)
				} else if n > 0 {
					a.log.Info("retention", "tenant", t.ID, "alerts", k.alerts, "deleted", n)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sourceCollector exports every source's counters.
type sourceCollector struct{ a *App }

var (
	descReceived    = prometheus.NewDesc("tocsin_source_received_total", "Records received, per source.", []string{"source"}, nil)
	descDropped     = prometheus.NewDesc("tocsin_source_dropped_total", "Records dropped by Tocsin (queue full, oversize), per source.", []string{"source"}, nil)
	descKernelDrops = prometheus.NewDesc("tocsin_source_kernel_drops_total", "UDP datagrams the kernel dropped on the socket.", []string{"source"}, nil)
	descErrors      = prometheus.NewDesc("tocsin_source_errors_total", "Framing and protocol errors, per source.", []string{"source"}, nil)
	descConns       = prometheus.NewDesc("tocsin_source_connections", "Open connections, per source.", []string{"source"}, nil)
)

func (sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReceived, descDropped, descKernelDrops, descErrors, descConns} {
		ch <- d
	}
}

func (c sourceCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.a.sources {
		st := s.Stats()
		ch <- prometheus.MustNewConstMetric(descReceived, prometheus.CounterValue, float64(st.Received), s.Name())
		ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(st.Dropped), s.Name())
		ch <- prometheus.MustNewConstMetric(descKernelDrops, prometheus.CounterValue, float64(st.KernelDrops), s.Name())
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(st.Errors), s.Name())
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(st.Connections), s.Name())
	}
}
