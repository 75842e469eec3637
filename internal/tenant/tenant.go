// Package tenant assigns events to the organisations sharing the platform.
// It imports only the standard library.
//
// The first rule that applies wins, from the most to the least trusted
// evidence: a tenant the transport already knows (an HTTP token, a file
// configured for the tenant), a verified TLS client certificate, an event
// field (the virtual host of a shared reverse proxy), the listener that
// received the record, the sender's network (the longest prefix). An event
// no rule assigns goes to the quarantine tenant, where it is counted and
// kept, never dropped.
package tenant

import (
	"net/netip"
	"sort"
	"strings"
)

// Rules are one tenant's assignment rules.
type Rules struct {
	ID        string
	Networks  []netip.Prefix
	CertCN    []string
	Listeners []string
	// Fields: an event whose field (case-insensitive value) is one of
	// these belongs to the tenant.
	Fields map[string][]string
}

// Origin is what the transport knows about a record.
type Origin struct {
	Tenant   string // already known (token, file)
	CertCN   string
	Listener string
	Peer     netip.Addr
}

// Getter reads an event field.
type Getter interface {
	Get(name string) (string, bool)
}

// Router assigns tenants. It is immutable and safe for concurrent use.
type Router struct {
	quarantine string
	known      map[string]bool
	cert       map[string]string
	listener   map[string]string
	nets       []netRule // longest prefix first
	fieldNames []string
	fields     map[string]map[string]string // field -> lowered value -> tenant
}

type netRule struct {
	p  netip.Prefix
	id string
}

// NewRouter builds a router. quarantine is the tenant of unassigned events.
func NewRouter(tenants []Rules, quarantine string) *Router {
	r := &Router{quarantine: quarantine, known: map[string]bool{quarantine: true}, cert: map[string]string{}, listener: map[string]string{}, fields: map[string]map[string]string{}}
	for _, t := range tenants {
		r.known[t.ID] = true
		for _, cn := range t.CertCN {
			r.cert[cn] = t.ID
		}
		for _, l := range t.Listeners {
			r.listener[l] = t.ID
		}
		for _, p := range t.Networks {
			r.nets = append(r.nets, netRule{p.Masked(), t.ID})
		}
		for f, vals := range t.Fields {
			m := r.fields[f]
			if m == nil {
				m = map[string]string{}
				r.fields[f] = m
				r.fieldNames = append(r.fieldNames, f)
			}
			for _, v := range vals {
				m[strings.ToLower(v)] = t.ID
			}
		}
	}
	sort.Strings(r.fieldNames)
	sort.SliceStable(r.nets, func(i, j int) bool { return r.nets[i].p.Bits() > r.nets[j].p.Bits() })
	return r
}

// Quarantine is the tenant of unassigned events.
func (r *Router) Quarantine() string { return r.quarantine }

// Known reports whether id is a configured tenant (or the quarantine).
func (r *Router) Known(id string) bool { return r.known[id] }

// Assign returns the event's tenant; ev may be nil when it is not decoded.
func (r *Router) Assign(o Origin, ev Getter) string {
	if o.Tenant != "" {
		return o.Tenant
	}
	if o.CertCN != "" {
		if id, ok := r.cert[o.CertCN]; ok {
			return id
		}
	}
	if ev != nil {
		for _, f := range r.fieldNames {
			if v, ok := ev.Get(f); ok {
				if id, ok := r.fields[f][strings.ToLower(v)]; ok {
					return id
				}
			}
		}
	}
	if id, ok := r.listener[o.Listener]; ok {
		return id
	}
	if o.Peer.IsValid() {
		a := o.Peer.Unmap()
		for _, n := range r.nets {
			if n.p.Contains(a) {
				return n.id
			}
		}
	}
	return r.quarantine
}
