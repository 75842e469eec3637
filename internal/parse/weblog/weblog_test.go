package weblog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tocsin/internal/event"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, line string
		want       map[string]string
		time       string
	}{
		{"nginx combined", `203.0.113.7 - - [03/Mar/2025:10:00:01 +0000] "GET /index.php?id=1%27 HTTP/1.1" 404 153 "-" "sqlmap/1.8"`,
			map[string]string{"src_ip": "203.0.113.7", "c-ip": "203.0.113.7", "method": "GET", "cs-method": "GET", "path": "/index.php",
				"cs-uri-stem": "/index.php", "query": "id=1%27", "cs-uri-query": "id=1%27", "status": "404", "sc-status": "404",
				"bytes": "153", "user_agent": "sqlmap/1.8", "c-useragent": "sqlmap/1.8", "protocol": "HTTP/1.1"}, "2025-03-03T10:00:01Z"},
		{"IPv6 client, referer, user", `2001:db8::7 - alice [03/Mar/2025:10:00:01 +0100] "POST /wp-login.php HTTP/2.0" 200 5 "https://x.gov/a" "Mozilla/5.0 (X11)"`,
			map[string]string{"src_ip": "2001:db8::7", "user": "alice", "referer": "https://x.gov/a", "cs-referer": "https://x.gov/a", "method": "POST"}, "2025-03-03T09:00:01Z"},
		{"common format", `10.0.0.1 - - [03/Mar/2025:10:00:01 +0000] "GET / HTTP/1.0" 200 -`,
			map[string]string{"path": "/", "status": "200"}, "2025-03-03T10:00:01Z"},
		{"apache vhost_combined", `www.mairie.fr:443 203.0.113.9 - - [03/Mar/2025:10:00:01 +0000] "GET /.env HTTP/1.1" 404 0 "-" "curl/8.5"`,
			map[string]string{"vhost": "www.mairie.fr", "cs-host": "www.mairie.fr", "src_ip": "203.0.113.9", "path": "/.env"}, "2025-03-03T10:00:01Z"},
		{"escaped quote in agent", `10.0.0.1 - - [03/Mar/2025:10:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "a \"b\" c"`,
			map[string]string{"user_agent": `a \"b\" c`}, "2025-03-03T10:00:01Z"},
		{"malformed request kept whole", `10.0.0.1 - - [03/Mar/2025:10:00:01 +0000] "\x16\x03\x01" 400 0 "-" "-"`,
			map[string]string{"request": `\x16\x03\x01`, "status": "400"}, "2025-03-03T10:00:01Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := event.New()
			if err := Parse([]byte(c.line), ev); err != nil {
				t.Fatal(err)
			}
			if ev.Logsource.Category != "webserver" {
				t.Errorf("logsource %+v", ev.Logsource)
			}
			if got := ev.Time.UTC().Format(time.RFC3339); got != c.time {
				t.Errorf("time %s, want %s", got, c.time)
			}
			for k, v := range c.want {
				if got, ok := ev.Get(k); !ok || got != v {
					t.Errorf("%s = %q (%v), want %q", k, got, ok, v)
				}
			}
		})
	}
}

func TestLongAndMissing(t *testing.T) {
	// A 64 KB query string, and a line without referer and agent (common
	// format) whose size is "-".
	long := `203.0.113.7 - - [03/Mar/2025:10:00:01 +0000] "GET /?q=` + strings.Repeat("a", 64<<10) + ` HTTP/1.1" 414 0 "-" "-"`
	ev := event.New()
	if err := Parse([]byte(long), ev); err != nil {
		t.Fatal(err)
	}
	if q, _ := ev.Get("query"); len(q) != 64<<10+2 {
		t.Errorf("query of %d bytes", len(q))
	}
	if _, ok := ev.Get("user_agent"); ok {
		t.Error(`"-" agent should give no user_agent`)
	}
}

func TestNotAccessLog(t *testing.T) {
	for _, line := range []string{
		"", "hello world", "Mar  3 10:00:01 h sshd[1]: x",
		`203.0.113.7 - - [03/Mar/2025:10:00:01 +0000] "GET / HTTP/1.1"`,     // truncated: no status
		`203.0.113.7 - - [03/Mar/2025 10:00:01] "GET / HTTP/1.1" 200 1`,     // bad time
		`not-an-ip - - [03/Mar/2025:10:00:01 +0000] "GET / HTTP/1.1" 200 1`, // client
		"\x00\x01\x02 binary", strings.Repeat("x", 64<<10),
	} {
		if err := Parse([]byte(line), event.New()); !errors.Is(err, ErrNotAccessLog) {
			t.Errorf("%.60q: want ErrNotAccessLog, got %v", line, err)
		}
	}
}

// A line cut inside its request keeps the client, the time and the start
// of the request.
func TestTruncatedRequest(t *testing.T) {
	ev := event.New()
	if err := Parse([]byte(`203.0.113.7 - - [03/Mar/2025:10:00:01 +0000] "GET /wp-login.php?log=adm`), ev); err != nil {
		t.Fatal(err)
	}
	hasFields(t, ev, map[string]string{"src_ip": "203.0.113.7", "method": "GET", "path": "/wp-login.php", "query": "log=adm", "truncated": "true"})
	if _, ok := ev.Get("status"); ok || ev.Time.IsZero() {
		t.Errorf("status present or time missing: %v", ev.Time)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`203.0.113.7 - - [03/Mar/2025:10:00:01 +0000] "GET /index.php?id=1 HTTP/1.1" 404 153 "-" "sqlmap/1.8"`,
		`www.x.fr:443 2001:db8::1 - bob [03/Mar/2025:10:00:01 +0000] "POST /a HTTP/2.0" 200 - "r" "\"ua\""`,
		`1.2.3.4 - - [`, `1.2.3.4 - - [03/Mar/2025:10:00:01 +0000] "`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		ev := event.New()
		if Parse(line, ev) == nil {
			_, status := ev.Get("status")
			_, cut := ev.Get("truncated")
			if status == cut || ev.Time.IsZero() {
				t.Fatalf("%q parsed: status %v, truncated %v, time %v", line, status, cut, ev.Time)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	line := []byte(`2001:db8:5be6:6716::b7b9 - - [03/Mar/2025:00:00:00 +0000] "GET /static/js/app.js HTTP/1.1" 200 46305 "https://www.example.gov/contact" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"`)
	ev := event.New()
	b.ReportAllocs()
	for b.Loop() {
		ev.Reset()
		if err := Parse(line, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func TestFromJSON(t *testing.T) {
	ev := record("time_local", "03/Mar/2025:10:00:01 +0000", "remote_addr", "203.0.113.7",
		"request", "GET /.env?x=1 HTTP/1.1", "status", "404", "http_user_agent", "sqlmap/1.8")
	if !FromJSON(ev) {
		t.Fatal("an nginx JSON record was not recognised")
	}
	hasFields(t, ev, map[string]string{"src_ip": "203.0.113.7", "c-ip": "203.0.113.7", "cs-uri-stem": "/.env", "cs-uri-query": "x=1",
		"sc-status": "404", "c-useragent": "sqlmap/1.8", "user_agent": "sqlmap/1.8", "method": "GET"})
	if ev.Logsource.Category != "webserver" {
		t.Errorf("logsource %+v", ev.Logsource)
	}
	if got := ev.Time.UTC().Format(time.RFC3339); got != "2025-03-03T10:00:01Z" {
		t.Errorf("time from time_local: %s", got)
	}
	uri := record("remote_addr", "203.0.113.7", "request_method", "GET", "request_uri", "/search?q=%3Cscript%3E", "status", "200")
	if !FromJSON(uri) {
		t.Fatal("a record with request_uri was not recognised")
	}
	hasFields(t, uri, map[string]string{"path": "/search", "cs-uri-stem": "/search", "query": "q=%3Cscript%3E", "cs-uri-query": "q=%3Cscript%3E"})
	other := event.New()
	other.Add("status", "ok", event.String)
	if FromJSON(other) {
		t.Error("a record with a status but no request is not an access log")
	}
}

// hasFields checks some fields of ev.
func hasFields(t *testing.T, ev *event.Event, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, _ := ev.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

// record is a decoded JSON record: pairs of keys and values, the status a
// number.
func record(kv ...string) *event.Event {
	ev := event.New()
	for i := 0; i+1 < len(kv); i += 2 {
		kind := event.String
		if kv[i] == "status" {
			kind = event.Number
		}
		ev.Add(kv[i], kv[i+1], kind)
	}
	return ev
}
