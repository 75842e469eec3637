package parse

import "testing"

func TestLooksIP(t *testing.T) {
	for s, want := range map[string]bool{
		"203.0.113.7": true, "2001:db8::7": true, "fe80::1%eth0": false, "fe80::1%3": true,
		"": false, "not-an-ip": false, "10.0.0.1 ": false,
	} {
		if got := LooksIP(s); got != want {
			t.Errorf("LooksIP(%q) = %v, want %v", s, got, want)
		}
	}
}
