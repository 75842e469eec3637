package app

import (
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tocsin/internal/ingest/ingesttest"
)

// logger sends lines (one message each) with util-linux logger.
func logger(t *testing.T, addr string, args []string, lines []string) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command("logger", append([]string{"-n", host, "-P", port, "-t", "sshd"}, args...)...)
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("logger %v: %v\n%s", args, err, out)
	}
}

// TestSyslogClients sends with the real clients: logger over UDP and TCP
// (both framings), and rsyslog tailing an auth.log and forwarding it over
// TCP with octet counting. Every event arrives in the right tenant, and
// the brute force in the forwarded log becomes an alert.
func TestSyslogClients(t *testing.T) {
	ingesttest.Require(t, "logger", "rsyslogd")
	s := startServer(t, "", "")
	var lines []string
	for i := range 50 {
		lines = append(lines, fmt.Sprintf("Connection closed by 192.0.2.%d port %d [preauth]", i+1, 40000+i))
	}
	// UDP: the listener assigns ville-b.
	logger(t, s.addrs["syslog-udp"], []string{"-d", "--rfc3164"}, lines)
	logger(t, s.addrs["syslog-udp"], []string{"-d", "--rfc5424"}, lines)
	// TCP from this host: no rule claims it, quarantine.
	logger(t, s.addrs["syslog-tcp"], []string{"-T", "--octet-count", "--rfc5424"}, lines)
	logger(t, s.addrs["syslog-tcp"], []string{"-T", "--rfc3164"}, lines)

	// rsyslog tails web-a01's auth.log (its host assigns ville-a).
	r := ingesttest.NewRsyslog(t)
	authlog := filepath.Join(r.Dir, "auth.log")
	var auth []string
	for i := range 25 {
		auth = append(auth, fmt.Sprintf("Nov 26 10:00:%02d web-a01 sshd[%d]: Failed password for invalid user user%d from 203.0.113.50 port %d ssh2", i, 900+i, i, 50000+i))
	}
	auth = append(auth, "Nov 26 10:01:00 web-a01 sshd[999]: Accepted publickey for alice from 198.51.100.4 port 50000 ssh2: ED25519 SHA256:abc")
	if err := os.WriteFile(authlog, []byte(strings.Join(auth, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(s.addrs["syslog-tcp"], ":")
	r.Start(fmt.Sprintf(`
global(workDirectory="%s")
module(load="imfile" mode="polling" PollingInterval="1")
input(type="imfile" File="%s" Tag="app" ruleset="fwd" addMetadata="on" freshStartTail="off")
ruleset(name="fwd") {
  action(type="omfwd" target="%s" port="%s" protocol="tcp" TCP_Framing="octet-counted"
         template="RSYSLOG_SyslogProtocol23Format" action.resumeRetryCount="-1" action.resumeInterval="1")
}
`, r.WorkDir, authlog, host, port))

	s.waitTotal("/api/v1/events?tenant=ville-b", adminToken, 100)
	s.waitTotal("/api/v1/events?tenant=quarantine", adminToken, 100)
	m := s.waitTotal("/api/v1/events?tenant=ville-a", adminToken, 26)
	ev := m["items"].([]any)[0].(map[string]any)
	if ev["host"] != "web-a01" || ev["transport"] != "tcp" {
		t.Errorf("forwarded event %v", ev)
	}
	code, m := s.do("GET", "/api/v1/alerts?tenant=ville-a&level=high", adminToken, nil)
	if code != 200 || total(t, m) < 1 {
		t.Fatalf("no brute-force alert: %d %v", code, m)
	}
	a := m["items"].([]any)[0].(map[string]any)
	if a["src_ip"] != "203.0.113.50" || a["rule"].(map[string]any)["title"] != "SSH Brute Force" {
		t.Errorf("alert %v", a)
	}
	// Nothing of it leaked to the other tenants.
	if _, m := s.do("GET", "/api/v1/alerts?tenant=ville-b,quarantine&level=medium", adminToken, nil); total(t, m) != 0 {
		t.Errorf("alerts elsewhere: %v", m)
	}
}

// TestRELPRepeatsKept: identical lines from one sender over RELP (the same
// failed login several times in a second) are all stored, and counted by
// the brute-force correlation; only a resent window after a reconnect is
// recognised as a retry.
func TestRELPRepeatsKept(t *testing.T) {
	ingesttest.Require(t, "rsyslogd")
	s := startServer(t, "", "relp: {addr: 127.0.0.1:0}\n")
	r := ingesttest.NewRsyslog(t)
	src := filepath.Join(r.Dir, "auth.log")
	line := "Nov 26 10:00:01 web-a01 sshd[1]: Failed password for root from 203.0.113.77 port 22 ssh2"
	if err := os.WriteFile(src, []byte(strings.Repeat(line+"\n", 40)), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(s.addrs["relp"], ":")
	r.Start(fmt.Sprintf(`
global(workDirectory="%s")
module(load="imfile" mode="polling" PollingInterval="1")
module(load="omrelp")
template(name="raw" type="string" string="%%msg%%")
input(type="imfile" File="%s" Tag="app:" ruleset="fwd")
ruleset(name="fwd") {
  action(type="omrelp" target="%s" port="%s" template="raw" action.resumeRetryCount="-1" action.resumeInterval="1")
}
`, r.WorkDir, src, host, port))
	m := s.waitTotal("/api/v1/events?tenant=ville-a", adminToken, 40)
	if it := m["items"].([]any)[0].(map[string]any); it["message"] != line || it["transport"] != "relp" {
		t.Errorf("event %v", it)
	}
	_, m = s.do("GET", "/api/v1/alerts?tenant=ville-a&rule=SSH%20Brute%20Force", adminToken, nil)
	if total(t, m) == 0 || m["items"].([]any)[0].(map[string]any)["src_ip"] != "203.0.113.77" {
		t.Errorf("no brute-force alert over RELP: %v", m)
	}
}

// TestFileSource tails a file for a tenant; lines appended later arrive too.
func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "access.log")
	line := `203.0.113.9 - - [26/Nov/2026:10:00:%02d +0000] "GET /.env HTTP/1.1" 404 153 "-" "curl/8.0"`
	var first []string
	for i := range 5 {
		first = append(first, fmt.Sprintf(line, i))
	}
	if err := os.WriteFile(log, []byte(strings.Join(first, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "", fmt.Sprintf("files:\n  - {paths: [%q], tenant: ville-b}\n", filepath.Join(dir, "*.log")))
	s.waitTotal("/api/v1/events?tenant=ville-b", adminToken, 5)
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, line+"\n", 30)
	f.Close()
	m := s.waitTotal("/api/v1/events?tenant=ville-b", adminToken, 6)
	it := m["items"].([]any)[0].(map[string]any)
	if it["transport"] != "file" || it["fields"].(map[string]any)["cs-uri-stem"] != "/.env" {
		t.Errorf("event %v", it)
	}
	// The sensitive-file probe is an alert of ville-b.
	if _, m := s.do("GET", "/api/v1/alerts?tenant=ville-b", adminToken, nil); total(t, m) == 0 {
		t.Errorf("no alert for the .env probe")
	}
}

// TestTLSClientCertificateTenant: over RFC 5425 TLS, a verified client
// certificate's common name assigns the tenant.
func TestTLSClientCertificateTenant(t *testing.T) {
	pki := ingesttest.NewPKI(t, "fw.ville-c.example")
	extra := fmt.Sprintf(`  - id: ville-c
    match: {cert_cn: [fw.ville-c.example]}
syslog:
  udp: 127.0.0.1:0
  tcp: 127.0.0.1:0
  tls: {addr: 127.0.0.1:0, cert: %q, key: %q, client_ca: %q}
`, pki.ServerCert, pki.ServerKey, pki.CAFile)
	s := startServerReplacing(t, "syslog: {udp: 127.0.0.1:0, tcp: 127.0.0.1:0}\n", "", extra)
	for _, withCert := range []bool{true, false} {
		c, err := tls.Dial("tcp", s.addrs["syslog-tls"], pki.ClientConfig(t, withCert))
		if err != nil {
			t.Fatal(err)
		}
		msg := "<38>1 2026-11-26T10:00:00Z fw01 sshd 1 - - Failed password for root from 198.51.100.2 port 2222 ssh2"
		if _, err := fmt.Fprintf(c, "%d %s", len(msg), msg); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	s.waitTotal("/api/v1/events?tenant=ville-c", adminToken, 1)
	// Without a certificate nothing claims it: quarantine.
	m := s.waitTotal("/api/v1/events?tenant=quarantine", adminToken, 1)
	if it := m["items"].([]any)[0].(map[string]any); it["transport"] != "tls" {
		t.Errorf("event %v", it)
	}
}
