// Package weblog parses web server access logs: the combined and common
// formats nginx and Apache write, and the vhost-prefixed variants
// ("www.example.gov:443 203.0.113.7 - - [...] ..."). Fields get Tocsin's
// names (src_ip, method, path, query, status, bytes, user_agent, referer,
// vhost) and Sigma's webserver taxonomy names (c-ip, cs-method,
// cs-uri-stem, cs-uri-query, sc-status, sc-bytes, c-useragent, cs-referer,
// cs-host, cs-version), so SigmaHQ's webserver rules apply.
package weblog

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"tocsin/internal/event"
	"tocsin/internal/parse"
)

// ErrNotAccessLog is wrapped when a line is not an access log line.
var ErrNotAccessLog = errors.New("not an access log line")

// Category is the Sigma logsource category of access log events.
const Category = "webserver"

// Parser parses access log lines. It remembers the last timestamp: lines
// of the same second share it, and building a time costs more than the
// rest of the line. Not safe for concurrent use.
type Parser struct {
	lastText string
	lastTime time.Time
}

// Parse fills ev from one line with a throwaway Parser.
func Parse(line []byte, ev *event.Event) error {
	var p Parser
	return p.Parse(line, ev)
}

// Parse fills ev from one line. Strings point into line.
func (p *Parser) Parse(line []byte, ev *event.Event) error {
	s := unsafe.String(unsafe.SliceData(line), len(line))
	fail := func(i int, what string) error {
		return fmt.Errorf("%w: column %d: expected %s", ErrNotAccessLog, i+1, what)
	}
	// [vhost[:port] ] client ident user [time] "request" status bytes ["referer" "agent"]
	var words [4]string
	n, k := 0, 0
	for n < len(words) && k < len(s) && s[k] != '[' {
		words[n], k = word(s, k)
		n++
	}
	vhost, client, user := "", "", ""
	switch n {
	case 3:
		client, user = words[0], words[2]
	case 4:
		vhost, client, user = words[0], words[1], words[3]
	default:
		return fail(k, "client, ident and user before the [time]")
	}
	if client == "" || !parse.IsIP(client) {
		return fail(0, "a client address")
	}
	if k >= len(s) || s[k] != '[' {
		return fail(k, "[time]")
	}
	end := strings.IndexByte(s[k:], ']')
	if end < 0 {
		return fail(k, "] closing the time")
	}
	ts := s[k+1 : k+end]
	t := p.lastTime
	if ts != p.lastText || ts == "" {
		var ok bool
		if t, ok = clfTime(ts); !ok {
			return fail(k+1, "a time like 03/Mar/2025:10:00:01 +0000")
		}
		p.lastText, p.lastTime = strings.Clone(ts), t
	}
	k += end + 1
	if k+2 > len(s) || s[k] != ' ' || s[k+1] != '"' {
		return fail(k, `a "request"`)
	}
	q := k + 1
	req, k, ok := quoted(s, q)
	status, size, cut := "", "", false
	if !ok {
		// Cut inside the request, as a relay's size limit cuts a long
		// line: the client and the time are still worth having.
		if q+1 >= len(s) || strings.IndexByte(s[q+1:], '"') >= 0 {
			return fail(q, `a closing " after the request, then a status`)
		}
		req, k, cut = s[q+1:], len(s), true
	} else {
		status, k = word(s, k)
		if len(status) != 3 || !digits(status) {
			return fail(k, "a status code")
		}
		size, k = word(s, k)
	}

	ev.Time = t
	ev.Logsource = event.Logsource{Category: Category}
	add := func(ours, sigma, v string, kind event.Kind) {
		ev.Add(ours, v, kind)
		if sigma != "" {
			ev.Add(sigma, v, kind)
		}
	}
	add("src_ip", "c-ip", client, event.String)
	if user != "-" && user != "" {
		add("user", "cs-username", user, event.String)
	}
	if vhost != "" {
		host := vhost
		if c := strings.LastIndexByte(host, ':'); c > 0 && digits(host[c+1:]) {
			host = host[:c]
		}
		add("vhost", "cs-host", host, event.String)
	}
	// "GET /path?query HTTP/1.1"; a malformed request is kept whole.
	method, uri, proto := splitRequest(req)
	if method != "" {
		add("method", "cs-method", method, event.String)
		path, query, _ := strings.Cut(uri, "?")
		add("path", "cs-uri-stem", path, event.String)
		add("query", "cs-uri-query", query, event.String)
		if proto != "" {
			add("protocol", "cs-version", proto, event.String)
		}
	}
	ev.Add("request", req, event.String)
	if cut {
		ev.Add("truncated", "true", event.String)
		return nil
	}
	add("status", "sc-status", status, event.Number)
	if digits(size) {
		add("bytes", "sc-bytes", size, event.Number)
	}
	if k+1 < len(s) && s[k] == '"' {
		if ref, n, ok := quoted(s, k); ok {
			if ref != "-" {
				add("referer", "cs-referer", ref, event.String)
			}
			k = n
			if k < len(s) && s[k] == '"' {
				if ua, _, ok := quoted(s, k); ok && ua != "-" {
					add("user_agent", "c-useragent", ua, event.String)
					ev.Add("cs-user-agent", ua, event.String)
				}
			}
		}
	}
	return nil
}

var monthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// clfTime reads "03/Mar/2025:10:00:01 +0000" without time.Parse, which
// costs more than the rest of the line.
func clfTime(s string) (time.Time, bool) {
	if len(s) != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':' || s[20] != ' ' || s[21] != '+' && s[21] != '-' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	mon := -1
	for i, m := range monthNames {
		if s[3:6] == m {
			mon = i
		}
	}
	day, ok1 := num(0, 2)
	year, ok2 := num(7, 11)
	h, ok3 := num(12, 14)
	mi, ok4 := num(15, 17)
	sec, ok5 := num(18, 20)
	zh, ok6 := num(22, 24)
	zm, ok7 := num(24, 26)
	if mon < 0 || !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	off := (zh*60 + zm) * 60
	if s[21] == '-' {
		off = -off
	}
	t := time.Date(year, time.Month(mon+1), day, h, mi, sec, 0, time.UTC).Add(-time.Duration(off) * time.Second)
	return t, true
}

// word returns the text from i to the next space, and the index after the
// spaces that follow it.
func word(s string, i int) (string, int) {
	j := i
	for j < len(s) && s[j] != ' ' {
		j++
	}
	w := s[i:j]
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return w, j
}

// quoted reads a "..." string at s[i] (with \" escapes as nginx writes
// them), returning it without quotes and the index after the space after it.
func quoted(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			k := j + 1
			for k < len(s) && s[k] == ' ' {
				k++
			}
			return s[i+1 : j], k, true
		}
	}
	return "", len(s), false
}

func splitRequest(req string) (method, uri, proto string) {
	m, rest, ok := strings.Cut(req, " ")
	if !ok || m == "" || !upper(m) {
		return "", "", ""
	}
	uri, proto, _ = strings.Cut(rest, " ")
	if i := strings.LastIndexByte(rest, ' '); i > 0 && strings.HasPrefix(rest[i+1:], "HTTP/") {
		uri, proto = rest[:i], rest[i+1:]
	}
	return m, uri, proto
}

func upper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// jsonKeys are the names nginx and Apache JSON log formats commonly give
// the request's parts, in order of preference, for each of our fields.
var jsonKeys = []struct {
	ours, sigma string
	keys        []string
}{
	{"src_ip", "c-ip", []string{"remote_addr", "client_ip", "clientip", "client.ip", "source.ip", "remote_ip"}},
	{"method", "cs-method", []string{"request_method", "method", "http.request.method"}},
	{"path", "cs-uri-stem", []string{"uri", "request_uri_path", "url.path", "path"}},
	{"query", "cs-uri-query", []string{"args", "query_string", "url.query"}},
	{"status", "sc-status", []string{"status", "http.response.status_code"}},
	{"bytes", "sc-bytes", []string{"body_bytes_sent", "bytes_sent", "http.response.body.bytes"}},
	{"referer", "cs-referer", []string{"http_referer", "referer", "http.request.referrer"}},
	{"user_agent", "c-useragent", []string{"http_user_agent", "user_agent", "user_agent.original"}},
	{"vhost", "cs-host", []string{"host", "server_name", "http_host", "url.domain"}},
}

// FromJSON recognises a JSON access log record already decoded into ev
// (nginx's or Apache's JSON log_format, ECS) and adds the same fields as a
// text line gives. It reports whether it did; other events are left alone.
func FromJSON(ev *event.Event) bool {
	if ev.Lookup("status") < 0 && ev.Lookup("http.response.status_code") < 0 {
		return false
	}
	req, hasReq := ev.Get("request")
	_, hasMethod := ev.Get("request_method")
	_, hasECS := ev.Get("http.request.method")
	if !hasReq && !hasMethod && !hasECS {
		return false
	}
	if hasReq && !hasMethod {
		if method, uri, proto := splitRequest(req); method != "" {
			path, query, _ := strings.Cut(uri, "?")
			ev.Add("method", method, event.String)
			ev.Add("cs-method", method, event.String)
			ev.Add("path", path, event.String)
			ev.Add("cs-uri-stem", path, event.String)
			ev.Add("query", query, event.String)
			ev.Add("cs-uri-query", query, event.String)
			ev.Add("cs-version", proto, event.String)
		}
	}
	// nginx's $time_local when the format has no ISO time.
	if ev.Time.IsZero() {
		if tl, ok := ev.Get("time_local"); ok {
			if t, ok := clfTime(tl); ok {
				ev.Time = t
			}
		}
	}
	// nginx's $request_uri holds the query string too.
	if uri, ok := ev.Get("request_uri"); ok && ev.Lookup("path") < 0 && ev.Lookup("url.path") < 0 {
		path, query, _ := strings.Cut(uri, "?")
		ev.Add("path", path, event.String)
		ev.Add("cs-uri-stem", path, event.String)
		ev.Add("query", query, event.String)
		ev.Add("cs-uri-query", query, event.String)
	}
	for _, k := range jsonKeys {
		for _, key := range k.keys {
			v, ok := ev.Get(key)
			if !ok || v == "" || v == "-" {
				continue
			}
			if key != k.ours {
				if _, dup := ev.Get(k.ours); !dup {
					ev.Add(k.ours, v, event.String)
				}
			}
			if _, dup := ev.Get(k.sigma); !dup {
				ev.Add(k.sigma, v, event.String)
			}
			break
		}
	}
	if ev.Logsource == (event.Logsource{}) {
		ev.Logsource = event.Logsource{Category: Category}
	}
	return true
}
