package syslogsrc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tocsin/internal/ingest"
	"tocsin/internal/ingest/ingesttest"
)

// TestLogger sends lines with util-linux logger over every transport and
// framing it has, in both RFC formats, and checks each arrives intact.
func TestLogger(t *testing.T) {
	ingesttest.Require(t, "logger")
	const n = 200
	var lines []string
	for i := range n {
		lines = append(lines, fmt.Sprintf("Failed password for invalid user admin%03d from 192.0.2.%d port %d ssh2 (été)", i, i%250+1, 40000+i))
	}
	input := filepath.Join(t.TempDir(), "lines")
	if err := os.WriteFile(input, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		transport string // tcp or udp
		args      []string
		rfc5424   bool
	}{
		{name: "udp rfc3164", transport: "udp", args: []string{"-d", "--rfc3164"}},
		{name: "udp rfc5424", transport: "udp", args: []string{"-d", "--rfc5424"}, rfc5424: true},
		{name: "tcp LF rfc3164", transport: "tcp", args: []string{"-T", "--rfc3164"}},
		{name: "tcp LF rfc5424", transport: "tcp", args: []string{"-T", "--rfc5424"}, rfc5424: true},
		{name: "tcp octet-counted rfc3164", transport: "tcp", args: []string{"-T", "--octet-count", "--rfc3164"}},
		{name: "tcp octet-counted rfc5424 with SD", transport: "tcp", rfc5424: true,
			args: []string{"-T", "--octet-count", "--rfc5424", "--sd-id", "ex@32473", "--sd-param", `tenant="c42"`, "--msgid", "LOGIN"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sink ingesttest.Sink
			var src ingest.Source
			var addr net.Addr
			if tc.transport == "udp" {
				u := startUDP(t, UDPConfig{}, &sink)
				src, addr = u, u.Addr()
			} else {
				s := newTCP(t, TCPConfig{})
				run(t, s, &sink)
				src, addr = s, s.Addr()
			}
			_, port, err := net.SplitHostPort(addr.String())
			if err != nil {
				t.Fatal(err)
			}
			args := append([]string{"-n", "127.0.0.1", "-P", port, "-t", "sshd", "-f", input}, tc.args...)
			if out, err := exec.Command("logger", args...).CombinedOutput(); err != nil {
				t.Fatalf("logger %v: %v\n%s", args, err, out)
			}
			msgs := sink.WaitMessages(t, n)
			for i, m := range msgs {
				d := string(m.Data)
				switch {
				case !strings.HasSuffix(d, lines[i]):
					t.Fatalf("message %d = %q, want it to end with %q", i, d, lines[i])
				case tc.rfc5424 && (!strings.HasPrefix(d, "<13>1 ") || !strings.Contains(d, " sshd ")):
					t.Fatalf("message %d is not RFC 5424 from sshd: %q", i, d)
				case !tc.rfc5424 && (!strings.HasPrefix(d, "<13>") || !strings.Contains(d, " sshd: ")):
					t.Fatalf("message %d is not RFC 3164 from sshd: %q", i, d)
				case m.Peer.String() != "127.0.0.1" || m.Transport != tc.transport:
					t.Fatalf("message %d: peer %v transport %q", i, m.Peer, m.Transport)
				}
			}
			if st := src.Stats(); st.Received != n || st.Errors != 0 || st.Dropped != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}
