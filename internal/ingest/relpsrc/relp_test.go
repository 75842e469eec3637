package relpsrc

import (
	"crypto/tls"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"tocsin/internal/ingest"
	"tocsin/internal/ingest/ingesttest"
	"tocsin/internal/ingest/syslogsrc"
)

func newServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.Logger = ingesttest.Logger(t)
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serve runs the source until the returned stop (or the test's end).
func serve(t *testing.T, s *Server, sink ingest.Sink) (stop func()) {
	t.Helper()
	return ingesttest.Run(t, s, sink)
}

// client is a raw RELP client.
type client struct {
	t  *testing.T
	c  net.Conn
	fr *frameReader
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, fr: newFrameReader(c, 4096, 1<<20, func(n int) []byte { return make([]byte, n) })}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, raw); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) cmd(txnr int, cmd, data string) {
	c.t.Helper()
	c.send(string(appendFrame(nil, txnr, cmd, []byte(data))))
}

// open sends open with librelp's offers and checks the answer.
func (c *client) open() {
	c.t.Helper()
	c.cmd(1, "open", "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog")
	c.expect(1, "rsp", openReply+"syslog")
}

// read returns the next frame from the server.
func (c *client) read() (int, string, string, error) {
	c.t.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(ingesttest.WaitTimeout))
	f, err := c.fr.next()
	return f.txnr, string(f.cmd), string(f.data), err
}

func (c *client) expect(txnr int, cmd, data string) {
	c.t.Helper()
	gt, gc, gd, err := c.read()
	if err != nil {
		c.t.Fatalf("waiting for %d %s %q: %v", txnr, cmd, data, err)
	}
	if gt != txnr || gc != cmd || gd != data {
		c.t.Fatalf("got %d %s %q, want %d %s %q", gt, gc, gd, txnr, cmd, data)
	}
}

// expectSilence checks that the server sends nothing for a moment: the
// check can only fail if something is sent.
func (c *client) expectSilence() {
	c.t.Helper()
	_ = c.c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	one := make([]byte, 1)
	n, err := c.fr.r.Read(one)
	var ne net.Error
	if n > 0 || !errors.As(err, &ne) || !ne.Timeout() {
		c.t.Fatalf("server sent %q (err %v) when it should be silent", one[:n], err)
	}
}

func (c *client) expectEOF() {
	c.t.Helper()
	if _, _, _, err := c.read(); !errors.Is(err, io.EOF) {
		c.t.Fatalf("got %v, want the connection closed", err)
	}
}

func TestSession(t *testing.T) {
	var sink ingesttest.Sink
	s := newServer(t, Config{Listener: "relp-edge"})
	serve(t, s, &sink)
	c := dial(t, s)
	c.open()
	c.cmd(2, "syslog", "<13>1 - h app - - - one\n")
	c.cmd(3, "syslog", "<13>1 - h app - - - two")
	c.expect(2, "rsp", rspOK)
	c.expect(3, "rsp", rspOK)
	c.cmd(4, "close", "")
	c.expect(4, "rsp", "")
	c.expectEOF()
	msgs := sink.Messages()
	want := []string{"<13>1 - h app - - - one", "<13>1 - h app - - - two"}
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	peer := msgs[0].Peer.As16()
	for i, m := range msgs {
		if string(m.Data) != want[i] || m.Transport != "relp" || m.Listener != "relp-edge" || m.Format != "lines" || m.Peer.String() != "127.0.0.1" {
			t.Errorf("message %d: %+v (%q)", i, m, m.Data)
		}
		if m.Dedup == 0 || m.Dedup != dedupKey(&peer, []byte(want[i])) {
			t.Errorf("message %d: dedup %x", i, m.Dedup)
		}
	}
	waitFor(t, "the connection to end", func() bool { return s.Stats().Connections == 0 })
	if st := s.Stats(); st.Received != 2 || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestOpenAnswer(t *testing.T) {
	tests := []struct{ offers, want string }{
		{"relp_version=0\nrelp_software=x\ncommands=syslog", "syslog"},
		{"relp_version=0\ncommands=foo,syslog", "syslog"},
		{"commands=foo", ""},
		{"relp_version=0", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.offers, func(t *testing.T) {
			if got := openAnswer([]byte(tc.offers)); got != openReply+tc.want {
				t.Fatalf("got %q, want commands=%s", got, tc.want)
			}
		})
	}
}

// TestDedupStable pins the key: it must not change between releases, or
// a restart would let resent messages through as new.
func TestDedupStable(t *testing.T) {
	a := [16]byte{10: 0xff, 11: 0xff, 12: 192, 13: 0, 14: 2, 15: 1}
	h := fnv.New64a()
	h.Write(a[:])
	h.Write([]byte("<13>hello"))
	if got := dedupKey(&a, []byte("<13>hello")); got != 0xfb5fa7470dbc90fc || got != h.Sum64() {
		t.Fatalf("dedup key of a fixed input changed: %#x (hash/fnv: %#x)", got, h.Sum64())
	}
	b := a
	b[15] = 2
	if dedupKey(&a, []byte("x")) == dedupKey(&b, []byte("x")) {
		t.Fatal("two senders, same key")
	}
}

// TestAckOnlyWhenDurable: no answer before the batch's Done; then 200.
func TestAckOnlyWhenDurable(t *testing.T) {
	sink := ingesttest.Sink{Hold: true}
	s := newServer(t, Config{})
	serve(t, s, &sink)
	c := dial(t, s)
	c.open()
	c.cmd(2, "syslog", "<13>a")
	b := sink.WaitPending(t, 1)[0]
	c.expectSilence()
	ingesttest.Finish(b, nil)
	c.expect(2, "rsp", rspOK)
}

// threeHeld opens a session whose sink holds its batches, and sends
// syslog commands 2, 3 and 4, each its own batch, still unanswered.
func threeHeld(t *testing.T) (*ingesttest.Sink, *client) {
	t.Helper()
	sink := &ingesttest.Sink{Hold: true}
	s := newServer(t, Config{})
	serve(t, s, sink)
	c := dial(t, s)
	c.open()
	for i := 2; i <= 4; i++ {
		c.cmd(i, "syslog", fmt.Sprintf("<13>m%d", i))
		sink.WaitPending(t, i-1)
	}
	return sink, c
}

// TestAnswersInCommandOrder: batches finished out of order are answered
// in order, and a command answered at once waits for those before it.
func TestAnswersInCommandOrder(t *testing.T) {
	sink, c := threeHeld(t)
	c.cmd(5, "foo", "")
	p := sink.Pending()
	ingesttest.Finish(p[2], nil)
	ingesttest.Finish(p[1], nil)
	c.expectSilence()
	ingesttest.Finish(p[0], nil)
	c.expect(2, "rsp", rspOK)
	c.expect(3, "rsp", rspOK)
	c.expect(4, "rsp", rspOK)
	c.expect(5, "rsp", rspUnknown)
	// Done twice must be harmless.
	ingesttest.Finish(p[0], errors.New("late"))
	c.cmd(6, "syslog", "<13>m6")
	ingesttest.Finish(sink.WaitPending(t, 4)[3], nil)
	c.expect(6, "rsp", rspOK)
}

// TestAnswerNotHeldBehindPendingBatch: the answer to an acknowledged batch
// goes out while the next batch is still in flight (it once waited in the
// write buffer until that batch was done, which stalls a sender whose
// window is full).
func TestAnswerNotHeldBehindPendingBatch(t *testing.T) {
	sink := ingesttest.Sink{Hold: true}
	s := newServer(t, Config{})
	serve(t, s, &sink)
	c := dial(t, s)
	c.open()
	c.cmd(2, "syslog", "<13>a")
	sink.WaitPending(t, 1)
	c.cmd(3, "syslog", "<13>b")
	p := sink.WaitPending(t, 2)
	ingesttest.Finish(p[0], nil)
	c.expect(2, "rsp", rspOK)
	ingesttest.Finish(p[1], nil)
	c.expect(3, "rsp", rspOK)
}

// TestNotStoredClosesUnanswered: the commands of a batch that could not
// be stored are not answered (librelp would drop them on a 500); what
// came before is, then serverclose, and the connection ends so that the
// sender resends its window.
func TestNotStoredClosesUnanswered(t *testing.T) {
	sink, c := threeHeld(t)
	p := sink.Pending()
	ingesttest.Finish(p[2], nil)
	ingesttest.Finish(p[1], errors.New("disk full"))
	c.expectSilence()
	ingesttest.Finish(p[0], nil)
	c.expect(2, "rsp", rspOK)
	c.expect(0, "serverclose", "")
	c.expectEOF()
}

// TestInFlightBound: past MaxInFlight unacknowledged commands the
// connection is not read.
func TestInFlightBound(t *testing.T) {
	sink := ingesttest.Sink{Hold: true}
	s := newServer(t, Config{MaxInFlight: 2})
	serve(t, s, &sink)
	c := dial(t, s)
	c.open()
	var raw strings.Builder
	for i := 2; i <= 6; i++ {
		raw.Write(appendFrame(nil, i, "syslog", []byte(fmt.Sprintf("<13>m%d", i))))
	}
	c.send(raw.String())
	first := sink.WaitPending(t, 1)
	c.expectSilence()
	if n := sink.Len(); n != 2 {
		t.Fatalf("%d messages in flight, want 2 (MaxInFlight)", n)
	}
	for _, b := range first {
		ingesttest.Finish(b, nil)
	}
	for txnr := 2; txnr <= 6; txnr++ {
		for _, b := range sink.TakePending() {
			ingesttest.Finish(b, nil)
		}
		c.expect(txnr, "rsp", rspOK)
		if txnr < 6 {
			sink.WaitMessages(t, min(txnr, 5))
		}
	}
	if n := sink.Len(); n != 5 {
		t.Fatalf("%d messages, want 5", n)
	}
}

func TestMalformedFrames(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the 500 answer's text, "" for none
	}{
		{name: "DATALEN longer than the data", in: "2 syslog 9 <13>a\n3 syslog 3 <13>a\n", want: "500 trailer: want LF after 9 bytes of DATA, got 'y'"},
		{name: "letters in TXNR", in: "x2 syslog 3 abc\n"},
		{name: "ten-digit TXNR", in: "1234567890 syslog 3 abc\n"},
		{name: "digit in command", in: "2 sys1og 3 abc\n", want: "500 COMMAND: want letters, got '1'"},
		{name: "no DATALEN", in: "2 syslog x\n", want: "500 DATALEN: want 1 to 9 digits"},
		{name: "space after DATALEN 0", in: "2 syslog 0 \n", want: "500 trailer: want LF after DATALEN 0, got ' '"},
		{name: "command too long", in: "2 " + strings.Repeat("a", 33) + " 0\n", want: "500 COMMAND: longer than 32 letters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sink ingesttest.Sink
			s := newServer(t, Config{})
			serve(t, s, &sink)
			c := dial(t, s)
			c.open()
			c.send(tc.in)
			if tc.want != "" {
				c.expect(2, "rsp", tc.want)
			}
			c.expectEOF()
			waitFor(t, "the error to be counted", func() bool { return s.Stats().Errors == 1 })
		})
	}
}

func TestSyslogBeforeOpen(t *testing.T) {
	var sink ingesttest.Sink
	s := newServer(t, Config{})
	serve(t, s, &sink)
	c := dial(t, s)
	c.cmd(1, "syslog", "<13>a")
	c.expect(1, "rsp", rspNotOpen)
	c.expectEOF()
	if sink.Len() != 0 {
		t.Fatal("message accepted before open")
	}
}

func TestCutOversize(t *testing.T) {
	var sink ingesttest.Sink
	s := newServer(t, Config{MaxMessageSize: 8})
	serve(t, s, &sink)
	c := dial(t, s)
	c.open()
	c.cmd(2, "syslog", "<13>0123456789abcdef\n")
	c.cmd(3, "syslog", "<13>0123\n")
	c.expect(2, "rsp", rspOK)
	c.expect(3, "rsp", rspOK)
	msgs := sink.Messages()
	if string(msgs[0].Data) != "<13>0123" || string(msgs[1].Data) != "<13>0123" || s.Stats().Errors != 1 {
		t.Fatalf("%q %q, stats %+v", msgs[0].Data, msgs[1].Data, s.Stats())
	}
}

// TestStopAnswersInFlightThenServerclose: on stop, a batch acknowledged
// within StopTimeout is still answered, then the client gets the
// serverclose hint and the connection ends.
func TestStopAnswersInFlightThenServerclose(t *testing.T) {
	sink := ingesttest.Sink{Hold: true}
	s := newServer(t, Config{StopTimeout: ingesttest.WaitTimeout})
	stop := serve(t, s, &sink)
	c := dial(t, s)
	c.open()
	c.cmd(2, "syslog", "<13>a")
	b := sink.WaitPending(t, 1)[0]
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	waitFor(t, "the listener to close", func() bool {
		conn, err := net.Dial("tcp", s.Addr().String())
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	ingesttest.Finish(b, nil)
	c.expect(2, "rsp", rspOK)
	c.expect(0, "serverclose", "")
	c.expectEOF()
	<-stopped
}

// TestStopWithoutDone: a batch never acknowledged does not hold the stop
// past StopTimeout, and is not answered.
func TestStopWithoutDone(t *testing.T) {
	sink := ingesttest.Sink{Hold: true}
	s := newServer(t, Config{StopTimeout: 10 * time.Millisecond})
	stop := serve(t, s, &sink)
	c := dial(t, s)
	c.open()
	c.cmd(2, "syslog", "<13>a")
	sink.WaitPending(t, 1)
	stop()
	c.expectEOF()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ingesttest.WaitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTLSSession(t *testing.T) {
	pki := ingesttest.NewPKI(t, "ville-c-fwd")
	tc := &syslogsrc.TLSConfig{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, ClientCAFile: pki.CAFile}
	conf, err := tc.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, withCert := range []bool{true, false} {
		t.Run(fmt.Sprint("client certificate ", withCert), func(t *testing.T) {
			var sink ingesttest.Sink
			s := newServer(t, Config{TLS: conf})
			serve(t, s, &sink)
			conn, err := tls.Dial("tcp", s.Addr().String(), pki.ClientConfig(t, withCert))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			c := &client{t: t, c: conn, fr: newFrameReader(conn, 4096, 1<<20, func(n int) []byte { return make([]byte, n) })}
			c.open()
			c.cmd(2, "syslog", "<13>a")
			c.expect(2, "rsp", rspOK)
			want := ""
			if withCert {
				want = "ville-c-fwd"
			}
			if m := sink.Messages()[0]; m.CertCN != want || m.Transport != "relp" {
				t.Fatalf("message %+v", m)
			}
		})
	}
}
