package parse

import "testing"

func TestIsIP(t *testing.T) {
	for s, want := range map[string]bool{
		"203.0.113.7": true, "2001:db8::7": true, "fe80::1%eth0": true, "fe80::1%3": true, "::ffff:10.0.0.1": true,
		"": false, "not-an-ip": false, "10.0.0.1 ": false, "999.1.1.1": false, "10.0.0": false,
		"deadbeef": false, "host.example.org": false, "1.2.3.4.5": false, "%eth0": false, "::1%": false,
	} {
		if got := IsIP(s); got != want {
			t.Errorf("IsIP(%q) = %v, want %v", s, got, want)
		}
	}
}
