// Package sshd turns OpenSSH's log messages (as Debian's sshd writes them
// to auth.log) into fields: action, outcome, auth_method, user, src_ip,
// src_port. It reads the message part of a syslog line.
package sshd

import (
	"strconv"
	"strings"

	"tocsin/internal/event"
	"tocsin/internal/parse"
)

// Actions, the value of the `action` field.
const (
	ActionAuth        = "auth"              // Failed/Accepted <method> for <user>
	ActionInvalidUser = "invalid_user"      // Invalid user <user> from <ip>
	ActionPAMFailure  = "pam_failure"       // pam_unix(sshd:auth): authentication failure (repeats a Failed line)
	ActionMaxAuth     = "max_auth_exceeded" // maximum authentication attempts exceeded
	ActionDisconnect  = "disconnect"        // Disconnected from / Received disconnect / Disconnecting
	ActionClosed      = "connection_closed" // Connection closed by / reset by
	ActionNoIdent     = "no_identification" // Did not receive identification string
)

// MaxRepeat caps the events one "message repeated N times" line stands for.
const MaxRepeat = 10000

// Parse adds the fields of one sshd message to ev and returns how many
// times the message stands for ("message repeated N times: [ ... ]" is
// N events); 0 when the message is not one it knows (ev is left as it was).
func Parse(msg string, ev *event.Event) int {
	repeat := 1
	if rest, ok := strings.CutPrefix(msg, "message repeated "); ok {
		sp := strings.IndexByte(rest, ' ')
		n, err := strconv.Atoi(rest[:max(sp, 0)])
		inner, ok := strings.CutPrefix(rest[max(sp, 0):], " times: [ ")
		if err != nil || n < 1 || !ok {
			return 0
		}
		// rsyslog folds a run of identical lines it saw within seconds;
		// a line claiming millions is forged or broken, and would cost a
		// hit each.
		repeat = min(n, MaxRepeat)
		msg = strings.TrimSuffix(inner, "]")
		msg = strings.TrimSuffix(msg, " ")
	}
	preauth := strings.HasSuffix(msg, " [preauth]")
	msg = strings.TrimSuffix(msg, " [preauth]")
	var ok bool
	switch {
	case strings.HasPrefix(msg, "Failed "):
		ok = auth(msg[len("Failed "):], "failure", ev)
	case strings.HasPrefix(msg, "Accepted "):
		ok = auth(msg[len("Accepted "):], "success", ev)
	case strings.HasPrefix(msg, "Invalid user "):
		// "Invalid user U from IP port P"; U may be empty or hold spaces.
		ok = userFrom(msg[len("Invalid user "):], ActionInvalidUser, "failure", true, ev)
	case strings.HasPrefix(msg, "pam_unix(sshd:auth): authentication failure;"):
		ok = pam(msg, ActionPAMFailure, ev)
	case strings.HasPrefix(msg, "PAM ") && strings.Contains(msg, " more authentication failure"):
		ok = pam(msg, ActionPAMFailure, ev)
	case strings.HasPrefix(msg, "error: maximum authentication attempts exceeded for "):
		rest := msg[len("error: maximum authentication attempts exceeded for "):]
		invalid := false
		if r, cut := strings.CutPrefix(rest, "invalid user "); cut {
			rest, invalid = r, true
		}
		ok = userFrom(rest, ActionMaxAuth, "failure", invalid, ev)
	case strings.HasPrefix(msg, "Disconnected from "):
		ok = userAddr(msg[len("Disconnected from "):], ActionDisconnect, ev)
	case strings.HasPrefix(msg, "Disconnecting "):
		rest := msg[len("Disconnecting "):]
		if i := strings.Index(rest, ": "); i >= 0 {
			rest = rest[:i]
		}
		ok = userAddr(rest, ActionDisconnect, ev)
	case strings.HasPrefix(msg, "Connection closed by "):
		ok = userAddr(msg[len("Connection closed by "):], ActionClosed, ev)
	case strings.HasPrefix(msg, "Connection reset by "):
		ok = userAddr(msg[len("Connection reset by "):], ActionClosed, ev)
	case strings.HasPrefix(msg, "Received disconnect from "):
		rest := msg[len("Received disconnect from "):]
		// "IP port P:11: reason"
		if i := strings.Index(rest, ": "); i >= 0 {
			rest = rest[:i]
		}
		if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndex(rest, " port ") && i >= 0 {
			rest = rest[:i]
		}
		ok = addr(rest, ev)
		if ok {
			ev.Add("action", ActionDisconnect, event.String)
		}
	case strings.HasPrefix(msg, "Did not receive identification string from "):
		ok = addr(msg[len("Did not receive identification string from "):], ev)
		if ok {
			ev.Add("action", ActionNoIdent, event.String)
			ev.Add("outcome", "failure", event.String)
		}
	}
	if !ok {
		return 0
	}
	if preauth {
		ev.Add("preauth", "true", event.Bool)
	}
	return repeat
}

// auth reads "<method> for [invalid user ]<user> from <ip> port <port> ssh2[: key]".
func auth(s, outcome string, ev *event.Event) bool {
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 {
		return false
	}
	method := s[:sp]
	rest, ok := strings.CutPrefix(s[sp:], " for ")
	if !ok {
		return false
	}
	invalid := false
	if r, cut := strings.CutPrefix(rest, "invalid user "); cut {
		rest, invalid = r, true
	}
	if !userFrom(rest, ActionAuth, outcome, invalid, ev) {
		return false
	}
	ev.Add("auth_method", method, event.String)
	return true
}

// userFrom reads "<user> from <ip> port <port>[ ...]": the user is what
// stands before the last " from ", so a user name with spaces survives.
func userFrom(s, action, outcome string, invalid bool, ev *event.Event) bool {
	i := strings.LastIndex(s, " from ")
	if i < 0 {
		if strings.HasPrefix(s, "from ") { // empty user name
			i = -1
		} else {
			return false
		}
	}
	user := ""
	if i >= 0 {
		user = s[:i]
	}
	if !addr(s[i+len(" from "):], ev) {
		return false
	}
	ev.Add("user", user, event.String)
	ev.Add("action", action, event.String)
	ev.Add("outcome", outcome, event.String)
	if invalid {
		ev.Add("invalid_user", "true", event.Bool)
	}
	return true
}

// userAddr reads "[invalid user|authenticating user|user] <user> <ip> port <port>"
// or just "<ip> port <port>".
func userAddr(s, action string, ev *event.Event) bool {
	p := strings.LastIndex(s, " port ")
	if p < 0 {
		return false
	}
	ipStart := strings.LastIndexByte(s[:p], ' ') + 1
	if !addr(s[ipStart:], ev) {
		return false
	}
	who := strings.TrimSpace(s[:ipStart])
	for _, prefix := range []string{"invalid user ", "authenticating user ", "user "} {
		if u, ok := strings.CutPrefix(who+" ", prefix); ok {
			ev.Add("user", strings.TrimSpace(u), event.String)
			if prefix == "invalid user " {
				ev.Add("invalid_user", "true", event.Bool)
			}
			break
		}
	}
	ev.Add("action", action, event.String)
	return true
}

// addr reads "<ip> port <port>" (and ignores what follows the port).
func addr(s string, ev *event.Event) bool {
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 {
		return false
	}
	ip := s[:sp]
	rest, ok := strings.CutPrefix(s[sp:], " port ")
	if !ok {
		return false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	if end == 0 {
		return false
	}
	switch {
	case parse.IsIP(ip):
		ev.Add("src_ip", ip, event.String)
	case isHostname(ip):
		// sshd with UseDNS yes names the client; it is not an address
		// to flag or block.
		ev.Add("src_host", ip, event.String)
	default:
		return false
	}
	if p, err := strconv.Atoi(rest[:end]); err == nil && p <= 65535 {
		ev.Add("src_port", rest[:end], event.Number)
	}
	return true
}

// isHostname: letters, digits, hyphens and dots, with a letter somewhere
// (an IPv4 lookalike such as 999.1.1.1 is neither address nor name).
func isHostname(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return letter && len(s) <= 253
}

// pam reads the rhost= and user= of a pam_unix failure line.
func pam(msg, action string, ev *event.Event) bool {
	ip := kv(msg, "rhost=")
	if ip == "" || !parse.IsIP(ip) {
		return false
	}
	ev.Add("src_ip", ip, event.String)
	if u := kv(msg, "user="); u != "" {
		ev.Add("user", u, event.String)
	}
	ev.Add("action", action, event.String)
	ev.Add("outcome", "failure", event.String)
	return true
}

// kv returns the value after key, up to the next space; key must start a
// word ("user=" does not match "ruser=").
func kv(s, key string) string {
	for off := 0; ; {
		i := strings.Index(s[off:], key)
		if i < 0 {
			return ""
		}
		i += off
		if i == 0 || s[i-1] == ' ' || s[i-1] == ';' {
			v := s[i+len(key):]
			if j := strings.IndexByte(v, ' '); j >= 0 {
				v = v[:j]
			}
			return v
		}
		off = i + len(key)
	}
}
