package decode

import (
	"testing"

	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/winlog"
)

// BenchmarkDecodeSSHD: a Debian auth.log line through the syslog and sshd
// parsers, as hunt reads it (goal: 1,000,000 lines/s per core).
func BenchmarkDecodeSSHD(b *testing.B) {
	line := []byte("Mar  3 10:00:08 gov-srv01 sshd[8781]: Failed password for invalid user admin from 203.0.113.7 port 39780 ssh2")
	d := New(winlog.Default())
	ev := event.New()
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		ev.Reset()
		if _, err := d.Decode(line, input.FormatLines, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func TestDecodeSSHD(t *testing.T) {
	d := New(winlog.Default())
	ev := event.New()
	n, err := d.Decode([]byte("Mar  3 10:00:08 gov-srv01 sshd[8781]: message repeated 4 times: [ Failed password for root from 203.0.113.7 port 1 ssh2]"), input.FormatLines, ev)
	if err != nil || n != 4 {
		t.Fatalf("repeat %d, err %v", n, err)
	}
	if ev.Logsource.Product != "linux" || ev.Logsource.Service != "sshd" || ev.Host != "gov-srv01" {
		t.Errorf("logsource %+v host %q", ev.Logsource, ev.Host)
	}
	if ip, _ := ev.Get("src_ip"); ip != "203.0.113.7" {
		t.Errorf("src_ip %q", ip)
	}
	// A line wrapped in quotes by an export is read inside them.
	ev.Reset()
	if _, err := d.Decode([]byte(`"Mar  3 10:00:08 gov-srv01 sshd[8781]: Invalid user pi from 203.0.113.8 port 2 ssh2"`), input.FormatLines, ev); err != nil || ev.Host != "gov-srv01" {
		t.Errorf("quoted line: err %v host %q", err, ev.Host)
	}
	if u, _ := ev.Get("user"); u != "pi" {
		t.Errorf("quoted line: user %q", u)
	}
	// Not syslog: the line stays a message for keyword rules.
	ev.Reset()
	if n, err := d.Decode([]byte("just some text"), input.FormatLines, ev); err != nil || n != 1 || ev.Message != "just some text" || ev.Len() != 0 {
		t.Errorf("plain text: n %d err %v message %q fields %d", n, err, ev.Message, ev.Len())
	}
}
