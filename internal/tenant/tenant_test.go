package tenant

import (
	"net/netip"
	"testing"
)

type fields map[string]string

func (f fields) Get(n string) (string, bool) { v, ok := f[n]; return v, ok }

func TestAssign(t *testing.T) {
	r := NewRouter([]Rules{
		{ID: "agglo", Networks: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		{ID: "ville-a", Networks: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, CertCN: []string{"fw.ville-a.example"}, Fields: map[string][]string{"vhost": {"WWW.Ville-A.example"}}},
		{ID: "ville-b", Listeners: []string{"syslog-tls"}, Networks: []netip.Prefix{netip.MustParsePrefix("2001:db8:b::/48")}},
	}, "quarantine")
	addr := netip.MustParseAddr
	cases := []struct {
		name string
		o    Origin
		ev   Getter
		want string
	}{
		{"token wins over everything", Origin{Tenant: "ville-b", Peer: addr("10.1.2.3")}, nil, "ville-b"},
		{"certificate", Origin{CertCN: "fw.ville-a.example", Listener: "syslog-tls"}, nil, "ville-a"},
		{"unknown certificate falls through to the listener", Origin{CertCN: "other", Listener: "syslog-tls"}, nil, "ville-b"},
		{"field of a shared proxy, case-insensitive", Origin{Peer: addr("10.9.9.9")}, fields{"vhost": "www.ville-a.EXAMPLE"}, "ville-a"},
		{"field value of nobody", Origin{Peer: addr("10.9.9.9")}, fields{"vhost": "www.elsewhere"}, "agglo"},
		{"longest prefix", Origin{Peer: addr("10.1.200.1")}, nil, "ville-a"},
		{"shorter prefix", Origin{Peer: addr("10.2.0.1")}, nil, "agglo"},
		{"IPv4-mapped IPv6", Origin{Peer: addr("::ffff:10.1.0.1")}, nil, "ville-a"},
		{"IPv6", Origin{Peer: addr("2001:db8:b::7")}, nil, "ville-b"},
		{"nobody", Origin{Peer: addr("192.0.2.1")}, nil, "quarantine"},
		{"no origin at all", Origin{}, nil, "quarantine"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := r.Assign(c.o, c.ev); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	if !r.Known("ville-a") || !r.Known("quarantine") || r.Known("ville-z") {
		t.Error("Known")
	}
}
