package app

import (
	"net/netip"
	"sort"

	"tocsin/internal/api"
	"tocsin/internal/config"
	"tocsin/internal/tenant"
)

// directory answers the API's questions about tokens and tenants from one
// configuration; a reload builds a new one.
type directory struct {
	tokens  map[string]api.Principal // SHA-256 of the token -> holder
	tenants []api.Tenant
	known   map[string]bool
}

func newDirectory(c *config.Config, adminHash string) *directory {
	d := &directory{tokens: map[string]api.Principal{}, known: map[string]bool{c.Quarantine: true}}
	if adminHash != "" {
		d.tokens[adminHash] = api.Principal{Role: api.Admin, Name: "admin"}
	}
	for _, t := range c.Tenants {
		d.known[t.ID] = true
		at := api.Tenant{ID: t.ID, Name: t.Name}
		for _, ct := range t.Contacts {
			at.Contacts = append(at.Contacts, api.Contact{Name: ct.Name, Email: ct.Email, Phone: ct.Phone, Role: ct.Role})
		}
		d.tenants = append(d.tenants, at)
		for _, tok := range t.Tokens {
			h := tok.SHA256
			if tok.Secret != "" {
				h = config.HashToken(string(tok.Secret))
			}
			d.tokens[h] = api.Principal{Role: api.Role(tok.Role), Tenant: t.ID, Name: tok.Name}
		}
	}
	d.tenants = append(d.tenants, api.Tenant{ID: c.Quarantine, Name: "Quarantine: events no rule assigned"})
	sort.Slice(d.tenants, func(i, j int) bool { return d.tenants[i].ID < d.tenants[j].ID })
	return d
}

// Authenticate compares hashes: the map lookup sees only the token's
// SHA-256, so its timing tells nothing about a stored token.
func (d *directory) Authenticate(token string) (api.Principal, bool) {
	p, ok := d.tokens[config.HashToken(token)]
	return p, ok
}

func (d *directory) Tenants() []api.Tenant { return d.tenants }

func (d *directory) Known(id string) bool { return d.known[id] }

// router builds the tenant assignment rules of a configuration.
func router(c *config.Config) *tenant.Router {
	var rules []tenant.Rules
	for _, t := range c.Tenants {
		r := tenant.Rules{ID: t.ID, CertCN: t.Match.CertCN, Listeners: t.Match.Listeners, Fields: t.Match.Fields}
		for _, n := range t.Match.Networks {
			if p, err := netip.ParsePrefix(n); err == nil {
				r.Networks = append(r.Networks, p)
			} else if a, err := netip.ParseAddr(n); err == nil {
				r.Networks = append(r.Networks, netip.PrefixFrom(a, a.BitLen()))
			}
		}
		rules = append(rules, r)
	}
	return tenant.NewRouter(rules, c.Quarantine)
}
