package syslogsrc

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"tocsin/internal/ingest"
	"tocsin/internal/ingest/ingesttest"
)

// forwardConf is an rsyslog configuration that tails in.log with imfile
// and forwards RFC 5424 octet-counted over TCP with the given extra
// action parameters; global holds extra global() parameters.
func forwardConf(r *ingesttest.Rsyslog, port, global, action string) string {
	return fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k" %s)
module(load="imfile" mode="inotify")
input(type="imfile" File=%q Tag="app:" ruleset="fwd")
ruleset(name="fwd") {
  action(type="omfwd" target="127.0.0.1" port=%q protocol="tcp" TCP_Framing="octet-counted"
         template="RSYSLOG_SyslogProtocol23Format" %s
         queue.type="LinkedList" action.resumeRetryCount="-1" action.resumeInterval="1")
}
`, r.WorkDir, global, filepath.Join(r.Dir, "in.log"), port, action)
}

// awaitLines waits for one message per line, naming the missing lines
// when they do not come.
func awaitLines(t *testing.T, sink *ingesttest.Sink, src ingest.Source, lines []string) []ingest.Message {
	t.Helper()
	msgs, ok := sink.Await(len(lines), ingesttest.WaitTimeout)
	if ok {
		return msgs
	}
	got := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		_, line, _ := strings.Cut(string(m.Data), " app - - - ")
		got[line] = true
	}
	var missing []string
	for _, l := range lines {
		if !got[l] {
			missing = append(missing, l)
		}
	}
	t.Fatalf("%d of %d lines arrived; stats %+v; missing (up to 5): %q", len(msgs), len(lines), src.Stats(), missing[:min(5, len(missing))])
	return nil
}

// checkExactlyOnce checks that every line arrived once, whole, in RFC 5424.
func checkExactlyOnce(t *testing.T, msgs []ingest.Message, lines []string, transport, certCN string) {
	t.Helper()
	seen := make(map[string]int, len(lines))
	for _, m := range msgs {
		d := string(m.Data)
		i := strings.Index(d, " - ")
		if !strings.HasPrefix(d, "<") || !strings.Contains(d, ">1 ") || i < 0 {
			t.Fatalf("not RFC 5424: %q", d)
		}
		if m.Transport != transport || m.CertCN != certCN || m.Peer.String() != "127.0.0.1" {
			t.Fatalf("message fields %+v", m)
		}
		// The template ends "- - - MSG" or "- - MSG"; the line is the MSG.
		_, line, _ := strings.Cut(d, " app - - - ")
		seen[line]++
	}
	for _, l := range lines {
		if seen[l] != 1 {
			t.Fatalf("line %q arrived %d times", l, seen[l])
		}
	}
	if len(msgs) != len(lines) {
		t.Fatalf("%d messages for %d lines", len(msgs), len(lines))
	}
}

func portOf(t *testing.T, a net.Addr) string {
	t.Helper()
	_, port, err := net.SplitHostPort(a.String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// TestRsyslogTCP: rsyslog tails a file with imfile and forwards it over
// TCP with octet counting; every line arrives exactly once.
func TestRsyslogTCP(t *testing.T) {
	r := ingesttest.NewRsyslog(t)
	var sink ingesttest.Sink
	s := newTCP(t, TCPConfig{})
	run(t, s, &sink)
	lines := ingesttest.AppendLines(t, filepath.Join(r.Dir, "in.log"), "Nov 26 10:00:01 web01", 0, 1000)
	r.Start(forwardConf(r, portOf(t, s.Addr()), "", ""))
	lines = append(lines, ingesttest.AppendLines(t, filepath.Join(r.Dir, "in.log"), "Nov 26 10:00:02 web01", 1000, 2000)...)
	msgs := awaitLines(t, &sink, s, lines)
	checkExactlyOnce(t, msgs, lines, "tcp", "")
	if st := s.Stats(); st.Errors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestRsyslogTLS: the same over RFC 5425 with both of rsyslog's TLS
// drivers, rsyslog checking the server's name and presenting a client
// certificate whose common name reaches the messages.
//
// The session is established (one line through) before the bulk is
// written: with a backlog pending at connection time and the CPU
// contended (go test -race of several packages), rsyslog 8.2302's gtls
// driver was seen to lose one message of the backlog (about 1 run in 20;
// this server saw one connection and no framing error, and ossl never
// lost any), which is the sender's doing, not what this test checks.
func TestRsyslogTLS(t *testing.T) {
	for _, driver := range []string{"gtls", "ossl"} {
		t.Run(driver, func(t *testing.T) {
			r := ingesttest.NewRsyslog(t)
			pki := ingesttest.NewPKI(t, "ville-a-fwd")
			var sink ingesttest.Sink
			s := newTCP(t, TCPConfig{TLS: &TLSConfig{
				CertFile: pki.ServerCert, KeyFile: pki.ServerKey,
				ClientCAFile: pki.CAFile, RequireClientCert: true,
			}})
			run(t, s, &sink)
			path := filepath.Join(r.Dir, "in.log")
			lines := ingesttest.AppendLines(t, path, "Nov 26 10:00:01 web01", 0, 1)
			global := fmt.Sprintf(`DefaultNetstreamDriverCAFile=%q DefaultNetstreamDriverCertFile=%q DefaultNetstreamDriverKeyFile=%q`,
				pki.CAFile, pki.ClientCert, pki.ClientKey)
			action := fmt.Sprintf(`StreamDriver=%q StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost"`, driver)
			r.Start(forwardConf(r, portOf(t, s.Addr()), global, action))
			awaitLines(t, &sink, s, lines)
			lines = append(lines, ingesttest.AppendLines(t, path, "Nov 26 10:00:01 web01", 1, 2000)...)
			msgs := awaitLines(t, &sink, s, lines)
			checkExactlyOnce(t, msgs, lines, "tls", "ville-a-fwd")
		})
	}
}
