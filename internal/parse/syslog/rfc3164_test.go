package syslog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tocsin/internal/event"
)

func fixedNow() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

func TestParse(t *testing.T) {
	cases := []struct {
		name, line         string
		time               string // RFC 3339, UTC
		host, program, pid string
		message            string
		err                bool
	}{
		{"debian traditional", "Mar  3 10:00:01 gov-srv01 sshd[1234]: Accepted password for alice from 10.1.2.3 port 22 ssh2",
			"2026-03-03T10:00:01Z", "gov-srv01", "sshd", "1234", "Accepted password for alice from 10.1.2.3 port 22 ssh2", false},
		{"two-digit day", "Nov 26 23:59:59 h CRON[9]: x", "2026-11-26T23:59:59Z", "h", "CRON", "9", "x", false},
		{"with PRI", "<38>Mar  3 10:00:01 h sshd[1]: hello", "2026-03-03T10:00:01Z", "h", "sshd", "1", "hello", false},
		{"rsyslog ISO 8601", "2026-03-03T10:00:01.123456+01:00 gov-srv01 sudo: pam_unix(sudo:session): session opened",
			"2026-03-03T09:00:01.123456Z", "gov-srv01", "sudo", "", "pam_unix(sudo:session): session opened", false},
		{"December read in November is this year", "Dec  1 00:00:00 h p: m", "2026-12-01T00:00:00Z", "h", "p", "", "m", false},
		{"no program tag", "Mar  3 10:00:01 h just text", "2026-03-03T10:00:01Z", "h", "", "", "just text", false},
		{"empty message", "Mar  3 10:00:01 h sshd[1]:", "2026-03-03T10:00:01Z", "h", "sshd", "1", "", false},
		{"IPv6 in message", "Mar  3 10:00:01 h sshd[1]: Failed password for root from 2001:db8::7 port 22 ssh2",
			"2026-03-03T10:00:01Z", "h", "sshd", "1", "Failed password for root from 2001:db8::7 port 22 ssh2", false},
		{"not syslog", "hello world", "", "", "", "", "", true},
		{"bad month", "Foo  3 10:00:01 h p: m", "", "", "", "", "", true},
		{"bad hour", "Mar  3 25:00:01 h p: m", "", "", "", "", "", true},
		{"truncated after time", "Mar  3 10:00:01", "", "", "", "", "", true},
		{"bad PRI", "<abc>Mar  3 10:00:01 h p: m", "", "", "", "", "", true},
		{"binary junk", "\x00\xff\xfe\x01", "", "", "", "", "", true},
		{"empty", "", "", "", "", "", "", true},
	}
	p := &Parser{Now: fixedNow}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := event.New()
			err := p.Parse([]byte(c.line), ev)
			if c.err {
				if err == nil || !errors.Is(err, ErrNotSyslog) {
					t.Fatalf("want ErrNotSyslog, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.Time.UTC().Format(time.RFC3339Nano); got != c.time {
				t.Errorf("time %s, want %s", got, c.time)
			}
			prog, _ := ev.Get("program")
			pid, _ := ev.Get("pid")
			if ev.Host != c.host || prog != c.program || pid != c.pid || ev.Message != c.message || !ev.HasMessage {
				t.Errorf("host %q program %q pid %q message %q", ev.Host, prog, pid, ev.Message)
			}
		})
	}
}

func TestYearBeforeNow(t *testing.T) {
	p := &Parser{Now: func() time.Time { return time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC) }}
	ev := event.New()
	if err := p.Parse([]byte("Dec 31 23:59:59 h p: m"), ev); err != nil {
		t.Fatal(err)
	}
	if ev.Time.Year() != 2026 {
		t.Errorf("a December line read on 2 January is from %d, want 2026", ev.Time.Year())
	}
}

func TestLongLine(t *testing.T) {
	line := "Mar  3 10:00:01 h sshd[1]: " + strings.Repeat("x", 64<<10)
	ev := event.New()
	if err := (&Parser{Now: fixedNow}).Parse([]byte(line), ev); err != nil || len(ev.Message) != 64<<10 {
		t.Fatalf("64 KB line: err %v, message %d bytes", err, len(ev.Message))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Mar  3 10:00:01 gov-srv01 sshd[1234]: Accepted password for alice from 10.1.2.3 port 22 ssh2",
		"<38>Mar  3 10:00:01 h sshd[1]: hello",
		"2026-03-03T10:00:01.123456+01:00 gov-srv01 sudo: x",
		"Mar  3 10:00:01 h p[: x", "Mar 33 10:00:01 h p: x", "<9999999>", "",
		`<165>1 2003-10-11T22:14:15.003Z host evntslog 42 ID47 [exampleSDID@32473 iut="3" eventSource="Application"][p@1 class="high"] An event`,
		"<13>1 - - - - - -", `<13>1 - h a - - [x@1 k="a\"b"] m`,
	} {
		f.Add([]byte(s))
	}
	p := &Parser{Now: fixedNow}
	f.Fuzz(func(t *testing.T, line []byte) {
		ev := event.New()
		if err := p.Parse(line, ev); err != nil {
			return
		}
		if !ev.HasMessage || len(ev.Message) > len(line) {
			t.Fatalf("parsed %q: message %q", line, ev.Message)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	line := []byte("Mar  3 10:00:08 gov-srv01 sshd[8781]: Accepted password for alice from 10.123.241.68 port 39780 ssh2")
	p := &Parser{Now: fixedNow}
	ev := event.New()
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		ev.Reset()
		if err := p.Parse(line, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func TestYearInference(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	p := &Parser{Now: func() time.Time { return now }}
	for _, c := range []struct{ line, want string }{
		{"Nov 26 11:00:00 h p: m", "2026-11-26T11:00:00Z"},
		{"Dec  3 12:00:00 h p: a week ahead", "2026-12-03T12:00:00Z"},
		{"Dec  3 12:00:01 h p: a week and a second ahead", "2025-12-03T12:00:01Z"},
		{"Dec 31 23:59:59 h p: last year's last second", "2025-12-31T23:59:59Z"},
		{"Jan  1 00:00:01 h p: this year's first", "2026-01-01T00:00:01Z"},
		{"Feb 29 10:00:00 h p: 2024 was the last leap year", ""},
		{"Mar 13 2026 10:00:03 h p: with a year", "2026-03-13T10:00:03Z"},
		{"Feb 29 2024 10:00:03 h p: a leap day", "2024-02-29T10:00:03Z"},
		{"Feb 30 2024 10:00:03 h p: no such day", ""},
		{"Apr 31 10:00:00 h p: no such day", ""},
	} {
		ev := event.New()
		err := p.Parse([]byte(c.line), ev)
		got := ""
		if err == nil {
			got = ev.Time.UTC().Format(time.RFC3339)
		}
		if got != c.want {
			t.Errorf("%q: time %q (%v), want %q", c.line, got, err, c.want)
		}
	}
}
