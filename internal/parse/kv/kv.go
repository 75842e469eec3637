// Package kv parses key=value logs, as the firewalls and VPN gateways of
// French public bodies write them (FortiGate, Stormshield) and as Linux
// auditd does, and normalises what detection needs: time, host, logsource,
// src_ip, user, and for logins event_type=auth with outcome=success|failure.
package kv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"tocsin/internal/event"
	"tocsin/internal/parse"
)

// ErrNotKV is wrapped when a line holds too few key=value pairs.
var ErrNotKV = errors.New("not a key=value line")

// minPairs is how many pairs make a line key=value: prose has an "a=b" now
// and then, firewall logs have dozens.
const minPairs = 3

// Parse adds the pairs of s to ev (keys as they are; values without their
// quotes), then recognises the vendor. Strings point into s. A line cut
// short inside a quoted value (a datagram truncated at 1 KB) keeps what it
// has, with truncated=true.
func Parse(s string, ev *event.Event) error {
	var unquoted []int
	n, cut, err := pairs(s, ev, &unquoted)
	if err != nil {
		return err
	}
	if n < minPairs {
		return fmt.Errorf("%w: %d pairs, at least %d needed", ErrNotKV, n, minPairs)
	}
	if cut {
		ev.Add("truncated", "true", event.String)
	}
	normalise(ev, unquoted)
	return nil
}

// pairs adds the pairs of s to ev and the indexes of unquoted values to
// unquoted; auditd's msg='...' holds pairs of its own, added in its place.
// cut: the last value had no closing quote.
func pairs(s string, ev *event.Event, unquoted *[]int) (n int, cut bool, err error) {
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			break
		}
		k := i
		for k < len(s) && isKey(s[k]) {
			k++
		}
		if k == i || k >= len(s) || s[k] != '=' {
			if n == 0 {
				return 0, false, fmt.Errorf("%w: column %d: expected key=value", ErrNotKV, i+1)
			}
			// Trailing free text after the pairs: skip a word.
			for i < len(s) && s[i] != ' ' {
				i++
			}
			continue
		}
		key := s[i:k]
		v := k + 1
		if v < len(s) && (s[v] == '"' || s[v] == '\'') {
			q := s[v]
			e := v + 1
			for e < len(s) && s[e] != q {
				if s[e] == '\\' && q == '"' {
					e++
				}
				e++
			}
			val := s[v+1 : min(e, len(s))]
			if q == '\'' && key == "msg" {
				m, c, err := pairs(val, ev, unquoted)
				if err == nil {
					n, cut = n+m, c || e >= len(s)
					i = e + 1
					continue
				}
			}
			ev.Add(key, val, kindOf(val))
			n++
			if e >= len(s) {
				return n, true, nil
			}
			i = e + 1
			continue
		}
		e := v
		for e < len(s) && s[e] != ' ' {
			e++
		}
		ev.Add(key, s[v:e], kindOf(s[v:e]))
		*unquoted = append(*unquoted, ev.Len()-1)
		n++
		i = e
	}
	return n, false, nil
}

func isKey(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

func kindOf(v string) event.Kind {
	if v == "" {
		return event.String
	}
	for i := 0; i < len(v); i++ {
		if (v[i] < '0' || v[i] > '9') && !(i == 0 && v[i] == '-' && len(v) > 1) {
			return event.String
		}
	}
	return event.Number
}

// normalise recognises FortiGate and Stormshield and adds the common
// fields.
func normalise(ev *event.Event, unquoted []int) {
	get := func(k string) string { v, _ := ev.Get(k); return v }
	switch {
	case get("logid") != "" && get("devname") != "":
		fortigate(ev, get)
	case get("id") == "firewall" && get("fw") != "":
		stormshield(ev, get)
	case strings.HasPrefix(get("msg"), "audit(") && get("type") != "":
		auditd(ev, get, unquoted)
	}
}

// auditd: type=SYSCALL msg=audit(1709456401.123:456): ... Sigma's auditd
// rules read the record's own keys (type, exe, comm, key, a0...).
func auditd(ev *event.Event, get func(string) string, unquoted []int) {
	ev.Logsource = event.Logsource{Product: "linux", Service: "auditd"}
	decodeHex(ev, get("type") == "EXECVE", unquoted)
	if ip := get("addr"); parse.IsIP(ip) {
		ev.Add("src_ip", ip, event.String)
	}
	if res := get("res"); res != "" && strings.HasPrefix(get("type"), "USER_") {
		outcome := "failure"
		if res == "success" || res == "yes" {
			outcome = "success"
		}
		auth(ev, get("acct"), outcome)
	}
	stamp := strings.TrimPrefix(get("msg"), "audit(")
	if i := strings.IndexByte(stamp, ':'); i > 0 {
		sec, frac, _ := strings.Cut(stamp[:i], ".")
		if s, err := strconv.ParseInt(sec, 10, 64); err == nil {
			ms, _ := strconv.Atoi((frac + "000")[:3])
			ev.Time = time.Unix(s, int64(ms)*int64(time.Millisecond)).UTC()
		}
	}
	if h := get("node"); h != "" {
		ev.Host = h
	}
}

// hexFields are the auditd fields written in hexadecimal, unquoted, when
// their value holds a space, a quote or a control character (auditd's
// "encoded" fields); EXECVE's a0, a1... are too.
var hexFields = map[string]bool{
	"proctitle": true, "cmd": true, "comm": true, "cwd": true, "data": true, "dir": true,
	"exe": true, "file": true, "key": true, "name": true, "path": true, "acct": true,
	"new": true, "old": true, "ocomm": true, "watch": true, "new-disk": true, "old-disk": true,
}

// decodeHex writes the encoded values in clear, as ausearch -i does, so
// rules read "cat /etc/shadow" and not 636174002F6574632F736861646F77;
// proctitle's NUL-separated arguments are joined by spaces.
func decodeHex(ev *event.Event, execve bool, unquoted []int) {
	for _, i := range unquoted {
		f := ev.At(i)
		name := f.Name
		if !hexFields[name] && !(execve && isArg(name)) || !isHex(f.Value) {
			continue
		}
		b, err := hex.DecodeString(f.Value)
		if err != nil {
			continue
		}
		if name == "proctitle" {
			b = bytes.TrimRight(b, "\x00")
			b = bytes.ReplaceAll(b, []byte{0}, []byte{' '})
		}
		ev.Set(name, string(b), event.String)
	}
}

// isArg: a0, a1, ... a123.
func isArg(name string) bool {
	if len(name) < 2 || name[0] != 'a' {
		return false
	}
	for i := 1; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	return true
}

// isHex: an even number of upper-case hex digits, as auditd writes them.
func isHex(s string) bool {
	if len(s) < 2 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// fortigate: date= time= tz= (or eventtime= in ns), devname, srcip/remip,
// user; logins are action=login or ssl-login-fail with status= success or
// failed.
func fortigate(ev *event.Event, get func(string) string) {
	ev.Logsource = event.Logsource{Product: "fortigate", Service: "event"}
	ev.Host = get("devname")
	if t, ok := localTime(get("date")+" "+get("time"), get("tz")); ok {
		ev.Time = t
	} else if ns, err := strconv.ParseInt(get("eventtime"), 10, 64); err == nil {
		switch {
		case ns > 1e17: // nanoseconds
			ev.Time = time.Unix(0, ns).UTC()
		case ns > 1e14: // microseconds
			ev.Time = time.UnixMicro(ns).UTC()
		default:
			ev.Time = time.Unix(ns, 0).UTC()
		}
	}
	for _, k := range []string{"srcip", "remip"} {
		if ip := get(k); parse.IsIP(ip) {
			ev.Add("src_ip", ip, event.String)
			break
		}
	}
	action, status := get("action"), get("status")
	switch {
	case action == "ssl-login-fail" || action == "login" && (status == "failed" || status == "failure"):
		auth(ev, get("user"), "failure")
	case action == "tunnel-up" || action == "login" && status == "success":
		auth(ev, get("user"), "success")
	}
}

// stormshield: time="YYYY-MM-DD hh:mm:ss" tz=+0100 fw= src= user=; an
// authentication log (logtype="auth") failed when error is not 0.
func stormshield(ev *event.Event, get func(string) string) {
	ev.Logsource = event.Logsource{Product: "stormshield", Service: get("logtype")}
	ev.Host = get("fw")
	if t, ok := localTime(get("time"), get("tz")); ok {
		ev.Time = t
	}
	if ip := get("src"); parse.IsIP(ip) {
		ev.Add("src_ip", ip, event.String)
	}
	if get("logtype") == "auth" {
		outcome := "success"
		if e := get("error"); e != "" && e != "0" {
			outcome = "failure"
		}
		auth(ev, get("user"), outcome)
	}
}

func auth(ev *event.Event, user, outcome string) {
	ev.Add("event_type", "auth", event.String)
	ev.Add("outcome", outcome, event.String)
	if _, ok := ev.Get("user"); !ok && user != "" {
		ev.Add("user", user, event.String)
	}
}

// localTime reads "2026-03-03 10:00:01" with a zone like +0100 (UTC if
// none).
func localTime(s, tz string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 19 {
		return time.Time{}, false
	}
	loc := time.UTC
	if len(tz) == 5 && (tz[0] == '+' || tz[0] == '-') {
		h, err1 := strconv.Atoi(tz[1:3])
		m, err2 := strconv.Atoi(tz[3:5])
		if err1 == nil && err2 == nil {
			off := (h*60 + m) * 60
			if tz[0] == '-' {
				off = -off
			}
			loc = time.FixedZone(tz, off)
		}
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s[:19], loc)
	return t.UTC(), err == nil
}
