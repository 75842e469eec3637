package syslog

import (
	"errors"
	"testing"
	"time"

	"tocsin/internal/event"
)

func TestParse5424(t *testing.T) {
	cases := []struct {
		name, line string
		time       string
		want       map[string]string
		message    string
	}{
		{"RFC 5424 example 1", "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
			"2003-10-11T22:14:15.003Z", map[string]string{"host": "mymachine.example.com", "program": "su", "msgid": "ID47"},
			"'su root' failed for lonvick on /dev/pts/8"},
		{"structured data", `<165>1 2003-10-11T22:14:15.003Z host evntslog 42 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event`,
			"2003-10-11T22:14:15.003Z", map[string]string{"pid": "42", "sd.exampleSDID@32473.iut": "3", "sd.exampleSDID@32473.eventID": "1011", "sd.examplePriority@32473.class": "high"},
			"An application event"},
		{"escaped quote in a value", `<13>1 2026-03-03T10:00:01+01:00 h app - - [x@1 k="a\"b\]c"] m`,
			"2026-03-03T09:00:01Z", map[string]string{"sd.x@1.k": `a\"b\]c`}, "m"},
		{"all nil, no message", "<13>1 - - - - - -", "0001-01-01T00:00:00Z", map[string]string{}, ""},
		{"sshd over RFC 5424", "<38>1 2026-03-03T10:00:01Z srv sshd 4242 - - Failed password for root from 203.0.113.7 port 22 ssh2",
			"2026-03-03T10:00:01Z", map[string]string{"program": "sshd", "pid": "4242"}, "Failed password for root from 203.0.113.7 port 22 ssh2"},
	}
	p := &Parser{Now: fixedNow}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := event.New()
			if err := p.Parse([]byte(c.line), ev); err != nil {
				t.Fatal(err)
			}
			if got := ev.Time.UTC().Format(time.RFC3339Nano); got != c.time {
				t.Errorf("time %s, want %s", got, c.time)
			}
			for k, v := range c.want {
				if got, ok := ev.Get(k); !ok || got != v {
					t.Errorf("%s = %q (%v), want %q", k, got, ok, v)
				}
			}
			if ev.Message != c.message {
				t.Errorf("message %q, want %q", ev.Message, c.message)
			}
		})
	}
	for _, bad := range []string{
		"<13>1 2026-13-03T10:00:01Z h a - - - m", // bad time
		`<13>1 - h a - - [x@1 k="unclosed] m`,    // unclosed value
		"<13>1 - h a - - [x@1 k] m",              // no value
		"<13>1 - h a - - junk m",                 // not SD
		"<13>1 - h",                              // truncated
	} {
		if err := p.Parse([]byte(bad), event.New()); !errors.Is(err, ErrNotSyslog) {
			t.Errorf("%q: want ErrNotSyslog, got %v", bad, err)
		}
	}
}
