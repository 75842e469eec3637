// Package api serves tocsin's HTTP interface: /api/v1 (event ingestion and
// reading, alerts, tenants, reload), /metrics, /healthz and /readyz.
//
// Every request under /api/v1 carries a bearer token. The admin token sees
// and does everything; a tenant's ingest token writes that tenant's events
// only; a tenant's read token reads that tenant's data only. A token of
// tenant A never reads, writes or counts tenant B's data: its tenant filter
// is forced, and naming another tenant is refused with 403.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tocsin/internal/ingest"
	"tocsin/internal/sigma"
	"tocsin/internal/store"
)

// Role is what a token may do.
type Role string

// Roles.
const (
	Admin  Role = "admin"
	Ingest Role = "ingest"
	Read   Role = "read"
)

// Principal is the holder of a token.
type Principal struct {
	Role   Role
	Tenant string // empty for the admin
	Name   string // the token's name, for logs
}

// Tenant is what the API shows of a tenant.
type Tenant struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Contacts []Contact `json:"contacts"`
}

// Contact is someone to tell.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	Role  string `json:"role,omitempty"`
}

// Directory is the part of the configuration the API needs; it is swapped
// on reload.
type Directory interface {
	// Authenticate maps a bearer token to its holder.
	Authenticate(token string) (Principal, bool)
	// Tenants lists the configured tenants and the quarantine.
	Tenants() []Tenant
	// Known reports whether a tenant exists.
	Known(id string) bool
}

// Options wire the server.
type Options struct {
	Store     store.Store
	Sink      ingest.Sink
	Directory func() Directory
	// Reload rebuilds configuration and rules; it returns the problems
	// of a refused new configuration (the old one keeps running).
	Reload func(ctx context.Context) error
	// Ready reports whether the server can take traffic.
	Ready   func() error
	Metrics http.Handler
	// MetricsPublic serves /metrics without a token.
	MetricsPublic bool
	MaxBody       int64
	// AckTimeout bounds the wait for an ingested batch to be durable.
	AckTimeout time.Duration
	Logger     *slog.Logger
	// Decode turns a stored event's raw record back into fields.
	Decode func(raw, format string) (map[string]any, error)
	// Alerting serves alerts, campaigns and levels (nil: not served).
	Alerting Alerting
}

// Server is the HTTP handler.
type Server struct {
	o   Options
	mux *http.ServeMux
}

// New builds the handler.
func New(o Options) *Server {
	if o.MaxBody <= 0 {
		o.MaxBody = 16 << 20
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: o, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.auth(s.metrics, Admin))
	s.mux.Handle("POST /api/v1/events", s.auth(s.postEvents, Admin, Ingest))
	s.mux.Handle("GET /api/v1/events", s.auth(s.getEvents, Admin, Read))
	s.mux.Handle("GET /api/v1/detections", s.auth(s.getDetections, Admin, Read))
	s.mux.Handle("GET /api/v1/tenants", s.auth(s.getTenants, Admin, Read, Ingest))
	s.mux.Handle("POST /api/v1/reload", s.auth(s.reload, Admin))
	if o.Alerting != nil {
		s.alerting(s.mux)
	}
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

type ctxKey struct{}

func principalOf(r *http.Request) Principal {
	p, _ := r.Context().Value(ctxKey{}).(Principal)
	return p
}

// auth checks the bearer token and the role.
func (s *Server) auth(h http.HandlerFunc, roles ...Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && s.o.MetricsPublic {
			h(w, r)
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin"`)
			writeError(w, http.StatusUnauthorized, "missing bearer token (Authorization: Bearer TOKEN)")
			return
		}
		p, ok := s.o.Directory().Authenticate(strings.TrimSpace(tok))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "unknown token")
			return
		}
		for _, role := range roles {
			if p.Role == role {
				h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
				return
			}
		}
		writeError(w, http.StatusForbidden, fmt.Sprintf("a %s token cannot %s %s", p.Role, r.Method, r.URL.Path))
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.o.Ready != nil {
		if err := s.o.Ready(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
			return
		}
	}
	writeJSON(w, 200, map[string]string{"status": "ready"})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.o.Metrics == nil {
		writeError(w, http.StatusNotFound, "metrics are off")
		return
	}
	s.o.Metrics.ServeHTTP(w, r)
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	if s.o.Reload == nil {
		writeError(w, http.StatusNotImplemented, "reload is not available")
		return
	}
	if err := s.o.Reload(r.Context()); err != nil {
		// The problems are the operator's own configuration: show them.
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"status": "refused; the running configuration is unchanged", "problems": strings.Split(err.Error(), "\n")})
		return
	}
	writeJSON(w, 200, map[string]string{"status": "reloaded"})
}

func (s *Server) getTenants(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	var out []Tenant
	for _, t := range s.o.Directory().Tenants() {
		if p.Role == Admin || t.ID == p.Tenant {
			if t.Contacts == nil {
				t.Contacts = []Contact{}
			}
			out = append(out, t)
		}
	}
	writeJSON(w, 200, map[string]any{"total": len(out), "items": out})
}

// scope returns the tenants a read request may see: the admin's choice
// (all by default), or the token's own tenant. ok is false when a tenant
// token names another tenant (403 already written).
func (s *Server) scope(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	p := principalOf(r)
	var asked []string
	for _, v := range r.URL.Query()["tenant"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				asked = append(asked, t)
			}
		}
	}
	if p.Role == Admin {
		return asked, true // nil: every tenant
	}
	for _, t := range asked {
		if t != p.Tenant {
			writeError(w, http.StatusForbidden, "this token reads only tenant "+p.Tenant)
			return nil, false
		}
	}
	return []string{p.Tenant}, true
}

// query reads the common filters; it writes a 400 and returns false on a
// bad parameter.
func (s *Server) query(w http.ResponseWriter, r *http.Request) (store.Query, bool) {
	var q store.Query
	tenants, ok := s.scope(w, r)
	if !ok {
		return q, false
	}
	q.Tenants = tenants
	v := r.URL.Query()
	bad := func(name, why string) (store.Query, bool) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("parameter %s=%q: %s", name, v.Get(name), why))
		return q, false
	}
	for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		if s := v.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return bad(name, "not an RFC 3339 time (2026-11-26T10:00:00Z)")
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*int{"limit": &q.Limit, "offset": &q.Offset} {
		if s := v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return bad(name, "not a non-negative integer")
			}
			*dst = n
		}
	}
	if q.Limit > 1000 {
		return bad("limit", "at most 1000")
	}
	if s := v.Get("after_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return bad("after_id", "not a non-negative integer")
		}
		q.AfterID = n
	}
	q.SrcIP = v.Get("src_ip")
	q.Rule = v.Get("rule")
	q.Level = v.Get("level")
	if _, ok := sigma.LevelRank(q.Level); !ok {
		return bad("level", "not a level (informational, low, medium, high, critical)")
	}
	return q, true
}

// EventJSON is an event as the API shows it.
type EventJSON struct {
	ID        int64          `json:"id"`
	Tenant    string         `json:"tenant"`
	Time      *time.Time     `json:"time"`
	Received  time.Time      `json:"received"`
	Host      string         `json:"host"`
	Transport string         `json:"transport"`
	Logsource map[string]any `json:"logsource"`
	SrcIP     string         `json:"src_ip,omitempty"`
	Message   string         `json:"message"`
	Fields    map[string]any `json:"fields"`
}

func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) {
	q, ok := s.query(w, r)
	if !ok {
		return
	}
	if q.Rule != "" || q.Level != "" {
		writeError(w, http.StatusBadRequest, "events have no rule or level: filter alerts instead")
		return
	}
	total, items, err := s.o.Store.Events(r.Context(), q)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]EventJSON, 0, len(items))
	for _, e := range items {
		j := EventJSON{ID: e.ID, Tenant: e.Tenant, Received: e.Received.UTC(), Host: e.Host, Transport: e.Transport, SrcIP: e.SrcIP, Message: e.Raw,
			Logsource: map[string]any{"product": e.Product, "category": e.Category, "service": e.Service}}
		if !e.Time.IsZero() {
			t := e.Time.UTC()
			j.Time = &t
		}
		if s.o.Decode != nil {
			if f, err := s.o.Decode(e.Raw, e.Format); err == nil {
				j.Fields = f
			}
		}
		if j.Fields == nil {
			j.Fields = map[string]any{}
		}
		out = append(out, j)
	}
	writeJSON(w, 200, map[string]any{"total": total, "items": out})
}

// AlertJSON is a stored detection as the API shows it.
type AlertJSON struct {
	ID       int64             `json:"id"`
	Tenant   string            `json:"tenant"`
	Kind     string            `json:"kind"`
	Time     time.Time         `json:"time"`
	First    time.Time         `json:"first"`
	Created  time.Time         `json:"created"`
	Rule     RuleJSON          `json:"rule"`
	SrcIP    string            `json:"src_ip,omitempty"`
	Entities map[string]string `json:"entities,omitempty"`
	Group    map[string]string `json:"group,omitempty"`
	Count    int               `json:"count"`
	EventIDs []int64           `json:"event_ids"`
}

// RuleJSON names the rule behind an alert; its author is kept, as the
// Detection Rule License asks.
type RuleJSON struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Level  string   `json:"level"`
	Author string   `json:"author"`
	Tags   []string `json:"tags"`
}

// getDetections lists what the rules found, one item per detection or
// correlation result as stored.
func (s *Server) getDetections(w http.ResponseWriter, r *http.Request) {
	q, ok := s.query(w, r)
	if !ok {
		return
	}
	total, items, err := s.o.Store.Alerts(r.Context(), q)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := make([]AlertJSON, 0, len(items))
	for _, a := range items {
		tags := a.Tags
		if tags == nil {
			tags = []string{}
		}
		ids := a.EventIDs
		if ids == nil {
			ids = []int64{}
		}
		out = append(out, AlertJSON{ID: a.ID, Tenant: a.Tenant, Kind: a.Kind, Time: a.Time.UTC(), First: a.First.UTC(), Created: a.Created.UTC(),
			Rule:  RuleJSON{ID: a.RuleID, Title: a.Title, Level: a.Level, Author: a.Author, Tags: tags},
			SrcIP: a.SrcIP, Entities: a.Entities, Group: a.Group, Count: a.Count, EventIDs: ids})
	}
	writeJSON(w, 200, map[string]any{"total": total, "items": out})
}

// internal logs an error and answers 500 without its text.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.o.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error (see the server log)")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
