// Package parse holds what the log parsers below it share; each format
// lives in a subpackage (syslog, sshd, weblog, kv, jsonlog).
package parse

import "net/netip"

// IsIP reports whether s is an IPv4 or IPv6 address (with an optional
// %zone). A source address becomes an entity that campaigns and block
// lists act on, so "999.1.1.1" or a host name must not pass. ParseAddr
// does not allocate; the character check first turns most words away.
func IsIP(s string) bool {
	if !looksIP(s) {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// looksIP reports whether s is made of the characters of an address
// (a zone after % may be any interface name).
func looksIP(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			return i > 0
		}
		if !(c >= '0' && c <= '9' || c == '.' || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
