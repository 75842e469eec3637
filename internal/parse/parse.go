// Package parse holds what the log parsers below it share; each format
// lives in a subpackage (syslog, sshd, weblog, kv, jsonlog).
package parse

// LooksIP reports whether s is made of the characters of an IPv4 or IPv6
// address (with an optional %zone). It does not parse it: it runs on the
// hot path of every line, and a false positive is only a field value.
func LooksIP(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '%') {
			return false
		}
	}
	return true
}
