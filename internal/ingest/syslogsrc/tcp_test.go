package syslogsrc

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"tocsin/internal/ingest"
	"tocsin/internal/ingest/ingesttest"
)

func newTCP(t *testing.T, cfg TCPConfig) *TCP {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.Logger = ingesttest.Logger(t)
	s, err := NewTCP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func dial(t *testing.T, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func write(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

func TestTCPFramingAndFields(t *testing.T) {
	for _, network := range []string{"127.0.0.1", "[::1]"} {
		t.Run(network, func(t *testing.T) {
			if network == "[::1]" {
				if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
					t.Skip("no IPv6 loopback")
				} else {
					ln.Close()
				}
			}
			var sink ingesttest.Sink
			s := newTCP(t, TCPConfig{Addr: network + ":0", Listener: "edge"})
			run(t, s, &sink)
			c := dial(t, s.Addr())
			write(t, c, "5 <13>a<13>b\n6 <13>c\n<13>d\r\n<13>e\x00")
			want := []string{"<13>a", "<13>b", "<13>c", "<13>d", "<13>e"}
			msgs := sink.WaitMessages(t, len(want))
			peer := strings.Trim(network, "[]")
			for i, m := range msgs {
				if string(m.Data) != want[i] || m.Transport != "tcp" || m.Listener != "edge" ||
					m.Format != "lines" || m.Peer.String() != peer || m.CertCN != "" || m.Dedup != 0 {
					t.Errorf("message %d: %+v (data %q)", i, m, m.Data)
				}
			}
			if st := s.Stats(); st.Received != 5 || st.Connections != 1 || st.Errors != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestTCPOversizeKeepsConnection(t *testing.T) {
	var sink ingesttest.Sink
	s := newTCP(t, TCPConfig{MaxMessageSize: 16})
	run(t, s, &sink)
	c := dial(t, s.Addr())
	long := strings.Repeat("y", 100)
	write(t, c, "100 "+long+"<13>after counted\n"+long+"\n<13>after line\n")
	msgs := sink.WaitMessages(t, 4)
	want := []string{long[:16], "<13>after counte", long[:16], "<13>after line"}
	for i, m := range msgs {
		if string(m.Data) != want[i] {
			t.Errorf("message %d = %q, want %q", i, m.Data, want[i])
		}
	}
	// "<13>after counted" is 17 bytes: cut too.
	if st := s.Stats(); st.Errors != 3 {
		t.Errorf("errors %d, want 3 (stats %+v)", st.Errors, st)
	}
	write(t, c, "<13>still open\n")
	if m := sink.WaitMessages(t, 5)[4]; string(m.Data) != "<13>still open" {
		t.Errorf("got %q", m.Data)
	}
}

func TestTCPMaxConnections(t *testing.T) {
	var sink ingesttest.Sink
	s := newTCP(t, TCPConfig{MaxConnections: 1})
	run(t, s, &sink)
	a := dial(t, s.Addr())
	write(t, a, "<13>a\n")
	sink.WaitMessages(t, 1)
	b := dial(t, s.Addr())
	_ = b.SetReadDeadline(time.Now().Add(ingesttest.WaitTimeout))
	// Closed by the server: EOF or a reset, not a timeout.
	var ne net.Error
	if _, err := b.Read(make([]byte, 1)); err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("second connection: read %v, want it closed", err)
	}
	// The refusal is counted just after the close the client saw.
	waitFor(t, "the refusal to be counted", func() bool { return s.Stats().Errors == 1 })
	if st := s.Stats(); st.Errors != 1 || st.Connections != 1 {
		t.Errorf("stats %+v", st)
	}
	a.Close()
	waitFor(t, "the first connection to end", func() bool { return s.Stats().Connections == 0 })
	c := dial(t, s.Addr())
	write(t, c, "<13>c\n")
	sink.WaitMessages(t, 2)
}

// gateSink blocks every Submit until the gate opens or ctx ends.
type gateSink struct {
	ingesttest.Sink
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once
}

func newGateSink() *gateSink {
	return &gateSink{gate: make(chan struct{}), entered: make(chan struct{})}
}

func (g *gateSink) Submit(ctx context.Context, b *ingest.Batch) error {
	g.once.Do(func() { close(g.entered) })
	select {
	case <-g.gate:
		return g.Sink.Submit(context.Background(), b)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestTCPBackpressure: while the sink does not take a batch, the
// connection is not read, so the sender's writes stop.
func TestTCPBackpressure(t *testing.T) {
	g := newGateSink()
	s := newTCP(t, TCPConfig{StopTimeout: time.Millisecond})
	run(t, s, g)
	c := dial(t, s.Addr())
	write(t, c, "<13>first\n")
	<-g.entered
	// 64 MiB is far beyond loopback socket buffers: the write can only
	// finish if the server keeps reading.
	chunk := bytes.Repeat([]byte("<13>0123456789012345678901234567890123456789\n"), 1<<14)
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	var err error
	for written := 0; written < 64<<20 && err == nil; written += len(chunk) {
		_, err = c.Write(chunk)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("64 MiB written to a connection whose sink is blocked (err %v): no backpressure", err)
	}
}

// TestTCPStopSubmitsWhatWasRead: a batch read before the stop still
// reaches a sink that takes it within StopTimeout.
func TestTCPStopSubmitsWhatWasRead(t *testing.T) {
	g := newGateSink()
	s := newTCP(t, TCPConfig{StopTimeout: ingesttest.WaitTimeout})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, g) }()
	c := dial(t, s.Addr())
	write(t, c, "<13>a\n<13>b\n<13>c\n")
	<-g.entered
	cancel()
	close(g.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := g.Len(); n != 3 {
		t.Fatalf("%d messages reached the sink, want 3", n)
	}
	if st := s.Stats(); st.Dropped != 0 || st.Connections != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestTCPStopWithStuckSink: a sink that never takes anything cannot hold
// the stop past StopTimeout; the batch is counted as dropped.
func TestTCPStopWithStuckSink(t *testing.T) {
	g := newGateSink()
	s := newTCP(t, TCPConfig{StopTimeout: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, g) }()
	c := dial(t, s.Addr())
	write(t, c, "<13>a\n<13>b\n")
	<-g.entered
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Dropped != 2 || st.Connections != 0 {
		t.Fatalf("stats %+v", st)
	}
	// The listener is closed.
	if c, err := net.Dial("tcp", s.Addr().String()); err == nil {
		c.Close()
		t.Fatal("listener still accepts after Run returned")
	}
}

func TestTLS(t *testing.T) {
	pki := ingesttest.NewPKI(t, "ville-a-fwd")
	tests := []struct {
		name      string
		caFile    bool
		require   bool
		clientCrt bool
		wantCN    string
		refused   bool
	}{
		{name: "no client CA", clientCrt: true, wantCN: ""},
		{name: "client CA, certificate given", caFile: true, clientCrt: true, wantCN: "ville-a-fwd"},
		{name: "client CA, no certificate", caFile: true, wantCN: ""},
		{name: "certificate required and given", caFile: true, require: true, clientCrt: true, wantCN: "ville-a-fwd"},
		{name: "certificate required, none given", caFile: true, require: true, refused: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc2 := &TLSConfig{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, RequireClientCert: tc.require}
			if tc.caFile {
				tc2.ClientCAFile = pki.CAFile
			}
			var sink ingesttest.Sink
			s := newTCP(t, TCPConfig{TLS: tc2})
			if s.Name() != "syslog-tls" {
				t.Errorf("name %q", s.Name())
			}
			run(t, s, &sink)
			c, err := tls.Dial("tcp", s.Addr().String(), pki.ClientConfig(t, tc.clientCrt))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = io.WriteString(c, "9 <13>hello")
			if err == nil {
				// TLS 1.3 reports a refused certificate on the first read.
				_ = c.SetReadDeadline(time.Now().Add(ingesttest.WaitTimeout))
				if tc.refused {
					_, err = c.Read(make([]byte, 1))
				}
			}
			if tc.refused {
				if err == nil {
					t.Fatal("client without certificate accepted")
				}
				waitFor(t, "the handshake error to be counted", func() bool { return s.Stats().Errors == 1 })
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m := sink.WaitMessages(t, 1)[0]
			if string(m.Data) != "<13>hello" || m.Transport != "tls" || m.CertCN != tc.wantCN {
				t.Fatalf("message %+v (data %q)", m, m.Data)
			}
		})
	}
}

func TestTCPConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/missing.pem"
	pki := ingesttest.NewPKI(t, "x")
	notPEM := dir + "/not.pem"
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  TCPConfig
		want string
	}{
		{name: "missing cert", cfg: TCPConfig{TLS: &TLSConfig{CertFile: bad, KeyFile: bad}}, want: "missing.pem"},
		{name: "client CA not PEM", cfg: TCPConfig{TLS: &TLSConfig{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, ClientCAFile: notPEM}}, want: "no PEM certificate"},
		{name: "require without CA", cfg: TCPConfig{TLS: &TLSConfig{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, RequireClientCert: true}}, want: "needs a client CA"},
		{name: "negative size", cfg: TCPConfig{MaxMessageSize: -1}, want: "max message size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Addr = "127.0.0.1:0"
			s, err := NewTCP(tc.cfg)
			if err == nil {
				s.Close()
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrConfig mentioning %q", err, tc.want)
			}
		})
	}
	s := newTCP(t, TCPConfig{})
	defer s.Close()
	if _, err := NewTCP(TCPConfig{Addr: s.Addr().String()}); err == nil || !strings.Contains(err.Error(), "syslog-tcp") {
		t.Fatalf("second listener on a bound address: err %v, want one naming the source", err)
	}
}
