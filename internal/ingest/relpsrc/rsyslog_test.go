package relpsrc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tocsin/internal/ingest"
	"tocsin/internal/ingest/ingesttest"
	"tocsin/internal/ingest/syslogsrc"
)

// relpConf tails in.log with imfile and forwards with omrelp, retrying
// forever, as the research note's working configuration does.
func relpConf(r *ingesttest.Rsyslog, addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	return fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="omrelp")
input(type="imfile" File=%q Tag="app:" ruleset="fwd")
ruleset(name="fwd") {
  action(type="omrelp" target="127.0.0.1" port=%q windowSize="1024"
         template="RSYSLOG_SyslogProtocol23Format"
         queue.type="LinkedList" queue.size="100000"
         action.resumeRetryCount="-1" action.resumeInterval="1")
}
`, r.WorkDir, filepath.Join(r.Dir, "in.log"), port)
}

// lineOf is the file line an rsyslog RFC 5424 message carries.
func lineOf(t *testing.T, m ingest.Message) string {
	t.Helper()
	_, line, ok := strings.Cut(string(m.Data), " app - - - ")
	if !ok || m.Transport != "relp" || m.Peer.String() != "127.0.0.1" {
		t.Fatalf("unexpected message %+v (%q)", m, m.Data)
	}
	return line
}

// deliveries counts each line's deliveries and checks that Dedup groups
// exactly the copies of one line.
func deliveries(t *testing.T, msgs []ingest.Message) (perLine map[string]int, distinct int) {
	t.Helper()
	perLine = make(map[string]int)
	byKey := make(map[uint64]string)
	for _, m := range msgs {
		line := lineOf(t, m)
		perLine[line]++
		if prev, ok := byKey[m.Dedup]; ok && prev != line {
			t.Fatalf("dedup key %#x shared by %q and %q", m.Dedup, prev, line)
		}
		byKey[m.Dedup] = line
	}
	if len(byKey) != len(perLine) {
		t.Fatalf("%d dedup keys for %d distinct lines: a resent message got a new key", len(byKey), len(perLine))
	}
	return perLine, len(byKey)
}

// waitDistinct waits until n distinct lines arrived.
func waitDistinct(t *testing.T, sink *ingesttest.Sink, n int) []ingest.Message {
	t.Helper()
	for have := n; ; {
		msgs := sink.WaitMessages(t, have)
		if _, d := deliveries(t, msgs); d >= n {
			return msgs
		}
		have = len(msgs) + 1
	}
}

func TestRsyslogRELP(t *testing.T) {
	r := ingesttest.NewRsyslog(t)
	var sink ingesttest.Sink
	s := newServer(t, Config{})
	serve(t, s, &sink)
	path := filepath.Join(r.Dir, "in.log")
	lines := ingesttest.AppendLines(t, path, "Nov 26 10:00:01 web01", 0, 1000)
	r.Start(relpConf(r, s.Addr()))
	lines = append(lines, ingesttest.AppendLines(t, path, "Nov 26 10:00:02 web01", 1000, 2000)...)
	msgs := sink.WaitMessages(t, len(lines))
	perLine, distinct := deliveries(t, msgs)
	for _, l := range lines {
		if perLine[l] != 1 {
			t.Fatalf("line %q delivered %d times", l, perLine[l])
		}
	}
	if distinct != len(lines) || len(msgs) != len(lines) {
		t.Fatalf("%d messages, %d distinct, for %d lines", len(msgs), distinct, len(lines))
	}
}

// TestRsyslogRELPResendsRefused: a batch the pipeline could not store is
// left unanswered and the session closed; rsyslog reconnects and sends it
// again.
func TestRsyslogRELPResendsRefused(t *testing.T) {
	r := ingesttest.NewRsyslog(t)
	sink := ingesttest.Sink{Fail: func(n int, b *ingest.Batch) error {
		if n == 1 {
			return errors.New("disk full")
		}
		return nil
	}}
	s := newServer(t, Config{})
	serve(t, s, &sink)
	path := filepath.Join(r.Dir, "in.log")
	lines := ingesttest.AppendLines(t, path, "Nov 26 10:00:01 web01", 0, 2000)
	r.Start(relpConf(r, s.Addr()))
	msgs := waitDistinct(t, &sink, len(lines))
	perLine, _ := deliveries(t, msgs)
	for _, l := range lines {
		if perLine[l] < 1 {
			t.Fatalf("line %q lost", l)
		}
	}
	if sink.Batches() < 3 {
		t.Fatalf("%d batches: the refused one was not resent", sink.Batches())
	}
	t.Logf("%d lines, %d deliveries, %d batches", len(lines), len(msgs), sink.Batches())
}

// acker acknowledges a holding sink's batches until stopped, so that
// stopping it leaves the last batches stored but unacknowledged.
func acker(sink *ingesttest.Sink) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			for _, b := range sink.TakePending() {
				ingesttest.Finish(b, nil)
			}
			time.Sleep(time.Millisecond)
		}
	})
	return func() { cancel(); wg.Wait() }
}

// TestRsyslogRELPRestart stops the server mid-stream, with batches stored
// but not yet acknowledged, and starts a new one on the same port: every
// line arrives at least once, and exactly once after deduplication by
// Message.Dedup.
func TestRsyslogRELPRestart(t *testing.T) {
	r := ingesttest.NewRsyslog(t)
	sink := ingesttest.Sink{Hold: true}
	first := newServer(t, Config{StopTimeout: 10 * time.Millisecond})
	addr := first.Addr().String()
	stopFirst := serve(t, first, &sink)
	stopAcker := acker(&sink)
	path := filepath.Join(r.Dir, "in.log")
	const n = 20000
	r.Start(relpConf(r, first.Addr()))
	lines := ingesttest.AppendLines(t, path, "Nov 26 10:00:01 web01", 0, n)
	sink.WaitMessages(t, n/10)
	stopAcker()
	stopFirst()
	stoppedAt := sink.Len()
	second := newServer(t, Config{Addr: addr})
	serve(t, second, &sink)
	defer acker(&sink)()
	msgs := waitDistinct(t, &sink, n)
	perLine, distinct := deliveries(t, msgs)
	for _, l := range lines {
		if perLine[l] < 1 {
			t.Fatalf("line %q lost", l)
		}
	}
	if distinct != n {
		t.Fatalf("%d distinct messages after dedup, want %d", distinct, n)
	}
	t.Logf("stopped after %d of %d messages; %d deliveries, %d duplicates removed by Dedup", stoppedAt, n, len(msgs), len(msgs)-n)
}

// TestRsyslogRELPTLS: omrelp with tls="on", checking the server's name
// and presenting a client certificate whose common name reaches the
// messages.
func TestRsyslogRELPTLS(t *testing.T) {
	r := ingesttest.NewRsyslog(t)
	pki := ingesttest.NewPKI(t, "ville-b-fwd")
	tc := &syslogsrc.TLSConfig{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, ClientCAFile: pki.CAFile, RequireClientCert: true}
	conf, err := tc.Load()
	if err != nil {
		t.Fatal(err)
	}
	var sink ingesttest.Sink
	s := newServer(t, Config{TLS: conf})
	serve(t, s, &sink)
	path := filepath.Join(r.Dir, "in.log")
	lines := ingesttest.AppendLines(t, path, "Nov 26 10:00:01 web01", 0, 2000)
	_, port, _ := net.SplitHostPort(s.Addr().String())
	r.Start(fmt.Sprintf(`global(workDirectory=%q maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="omrelp")
input(type="imfile" File=%q Tag="app:" ruleset="fwd")
ruleset(name="fwd") {
  action(type="omrelp" target="127.0.0.1" port=%q windowSize="1024"
         template="RSYSLOG_SyslogProtocol23Format"
         tls="on" tls.caCert=%q tls.myCert=%q tls.myPrivKey=%q
         tls.authMode="name" tls.permittedPeer=["localhost"]
         queue.type="LinkedList" action.resumeRetryCount="-1" action.resumeInterval="1")
}
`, r.WorkDir, path, port, pki.CAFile, pki.ClientCert, pki.ClientKey))
	msgs := waitDistinct(t, &sink, len(lines))
	perLine, _ := deliveries(t, msgs)
	for _, l := range lines {
		if perLine[l] != 1 {
			t.Fatalf("line %q delivered %d times", l, perLine[l])
		}
	}
	for _, m := range msgs {
		if m.CertCN != "ville-b-fwd" {
			t.Fatalf("CertCN %q", m.CertCN)
		}
	}
}
