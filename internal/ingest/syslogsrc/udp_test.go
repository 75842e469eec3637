package syslogsrc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"tocsin/internal/ingest"
	"tocsin/internal/ingest/ingesttest"
)

const procSample = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
  410: 0100007F:157A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4241 2 0000000000000000 0         
  411: 0100007F:157C 00000000:0000 07 00000000:00001200 00:00000000 00000000     0        0 4242 2 0000000000000000 1187      
`

func TestUDPDropsTable(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		inode   uint64
		want    uint64
		found   bool
		wantErr string
	}{
		{name: "found", in: procSample, inode: 4242, want: 1187, found: true},
		{name: "found zero", in: procSample, inode: 4241, want: 0, found: true},
		{name: "absent", in: procSample, inode: 99, found: false},
		{name: "header only", in: "  sl local_address\n", inode: 1, found: false},
		{name: "empty", in: "", inode: 1, found: false},
		{name: "short row", in: "h\n  1: a b c\n", inode: 1, wantErr: "line 2: 4 columns"},
		{name: "bad drops", in: "h\n 1: a b c d e f g h 7 j k x\n", inode: 7, wantErr: "line 2: column 13 (drops)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, found, err := udpDrops(strings.NewReader(tc.in), tc.inode)
			if tc.wantErr != "" {
				if err == nil || !errors.Is(err, ErrProcNet) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q wrapping ErrProcNet", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want || found != tc.found {
				t.Fatalf("got %d %v %v, want %d %v", got, found, err, tc.want, tc.found)
			}
		})
	}
}

// TestKernelDropsCounted floods a socket that nobody reads, with a tiny
// receive buffer: on loopback the kernel queues synchronously, so the
// overflow is certain, and the drop counter must show it.
func TestKernelDropsCounted(t *testing.T) {
	if _, err := os.Stat("/proc/net/udp"); err != nil {
		t.Skip("no /proc/net/udp on this system")
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, inode, err := tuneSocket(conn, 4096)
	if err != nil {
		t.Fatal(err)
	}
	before, found, err := kernelDrops(inode)
	if err != nil || !found {
		t.Fatalf("socket inode %d not in /proc/net/udp: found=%v err=%v", inode, found, err)
	}
	out, err := net.DialUDP("udp", nil, conn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	payload := make([]byte, 1000)
	for range 200 {
		if _, err := out.Write(payload); err != nil {
			t.Fatal(err)
		}
	}
	after, found, err := kernelDrops(inode)
	if err != nil || !found {
		t.Fatalf("found=%v err=%v", found, err)
	}
	if after <= before {
		t.Fatalf("kernel drops %d -> %d after overflowing an unread 4 KiB buffer", before, after)
	}
}

func startUDP(t *testing.T, cfg UDPConfig, sink ingest.Sink) *UDP {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	cfg.Logger = ingesttest.Logger(t)
	u, err := NewUDP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run(t, u, sink)
	return u
}

// run starts a source and stops it (and waits for it) when the test ends.
func run(t *testing.T, src ingest.Source, sink ingest.Sink) {
	t.Helper()
	ingesttest.Run(t, src, sink)
}

// waitFor polls cond (for counters that have no change notification).
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

func TestUDP(t *testing.T) {
	var sink ingesttest.Sink
	u := startUDP(t, UDPConfig{Name: "udp-test", Listener: "edge"}, &sink)
	if os.Geteuid() == 0 && u.ReceiveBuffer() < 8<<20 {
		t.Errorf("receive buffer %d, want at least 8 MiB as root", u.ReceiveBuffer())
	}
	c, err := net.Dial("udp", u.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent := []string{"<13>one\n", "<13>two\x00", "<13>three\r\n", "\n", "<13>four"}
	want := []string{"<13>one", "<13>two", "<13>three", "<13>four"}
	for _, s := range sent {
		if _, err := c.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	msgs := sink.WaitMessages(t, len(want))
	for i, m := range msgs {
		if string(m.Data) != want[i] {
			t.Errorf("message %d = %q, want %q", i, m.Data, want[i])
		}
		if m.Transport != "udp" || m.Listener != "edge" || m.Format != "lines" || m.Peer.String() != "127.0.0.1" || m.Dedup != 0 {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	st := u.Stats()
	if st.Received != uint64(len(want)) || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
	if _, err := os.Stat("/proc/net/udp"); err == nil {
		if _, found, err := kernelDrops(u.inode); !found || err != nil {
			t.Errorf("kernel drops of the listener unreadable: found=%v err=%v", found, err)
		}
	}
}

func TestUDPPipelineFullDropsAndCounts(t *testing.T) {
	var sink ingesttest.Sink
	sink.SetFull(true)
	u := startUDP(t, UDPConfig{BatchSize: 4}, &sink)
	c, err := net.Dial("udp", u.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 10 {
		fmt.Fprintf(c, "<13>m%d", i)
	}
	waitFor(t, "10 drops", func() bool { return u.Stats().Dropped == 10 })
	sink.SetFull(false)
	fmt.Fprintf(c, "<13>after")
	msgs := sink.WaitMessages(t, 1)
	if string(msgs[0].Data) != "<13>after" {
		t.Fatalf("got %q", msgs[0].Data)
	}
	if st := u.Stats(); st.Received != 11 || st.Dropped != 10 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUDPCutsOversize(t *testing.T) {
	var sink ingesttest.Sink
	u := startUDP(t, UDPConfig{MaxMessageSize: 8}, &sink)
	c, err := net.Dial("udp", u.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "<13>0123456789")
	msgs := sink.WaitMessages(t, 1)
	if string(msgs[0].Data) != "<13>0123" || u.Stats().Errors != 1 {
		t.Fatalf("got %q, stats %+v", msgs[0].Data, u.Stats())
	}
}

func TestUDPConfigErrors(t *testing.T) {
	for _, cfg := range []UDPConfig{
		{Addr: "127.0.0.1:0", BatchSize: -1},
		{Addr: "127.0.0.1:0", FlushInterval: -time.Second},
		{Addr: "not an address"},
	} {
		if u, err := NewUDP(cfg); err == nil {
			u.Close()
			t.Errorf("NewUDP(%+v) accepted", cfg)
		}
	}
}
