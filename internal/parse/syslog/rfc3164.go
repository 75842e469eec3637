// Package syslog parses syslog lines as Debian writes them to files and
// sends them on the wire: RFC 3164's traditional
// "Mar  3 10:00:01 host prog[pid]: message" and the ISO 8601 form of
// rsyslog's RSYSLOG_FileFormat, each with or without a <PRI>, and RFC 5424
// ("<34>1 2026-03-03T10:00:01Z host app 42 ID47 [sd@1 k="v"] message").
package syslog

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"tocsin/internal/event"
)

// ErrNotSyslog is wrapped when a line is not a syslog line.
var ErrNotSyslog = errors.New("not a syslog line")

var errShort = fmt.Errorf("%w: column 1: expected <PRI>, a time like \"Mar  3 10:00:01\" or 2026-03-03T10:00:01Z", ErrNotSyslog)

// Parser parses RFC 3164 lines. Year-less timestamps take their year from
// Now, or the year before when that would put them more than a week ahead
// of Now (December lines read in January). Not safe for concurrent use; use one per goroutine.
type Parser struct {
	Now func() time.Time // nil: time.Now
	Loc *time.Location   // zone of year-less timestamps; nil: UTC
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Parse fills ev from one line: Time, Host, Message, and the fields host,
// program, pid, message. Strings point into line.
func (p *Parser) Parse(line []byte, ev *event.Event) error {
	s := bytesString(line)
	// Most lines that are not syslog fail here, without building an error
	// message (access logs start with an address).
	if len(s) < 16 || !(s[0] == '<' || 'A' <= s[0] && s[0] <= 'Z' || isDigit(s[0]) && isDigit(s[3]) && s[4] == '-') {
		return errShort
	}
	i := 0
	if len(s) > 0 && s[0] == '<' { // <PRI>
		j := 1
		for j < len(s) && j < 5 && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == 1 || j >= len(s) || s[j] != '>' {
			return fmt.Errorf("%w: column 1: bad <PRI>", ErrNotSyslog)
		}
		ev.Add("pri", s[1:j], event.Number)
		i = j + 1
		if strings.HasPrefix(s[i:], "1 ") {
			return parse5424(s, i, ev)
		}
	}
	t, n, err := p.timestamp(s[i:])
	if err != nil {
		return fmt.Errorf("%w: column %d: %v", ErrNotSyslog, i+1, err)
	}
	ev.Time = t
	i += n
	if i >= len(s) || s[i] != ' ' {
		return fmt.Errorf("%w: column %d: expected a space after the time", ErrNotSyslog, i+1)
	}
	i++
	// HOSTNAME
	j := i
	for j < len(s) && s[j] != ' ' {
		j++
	}
	if j == i || j >= len(s) {
		return fmt.Errorf("%w: column %d: expected a host name", ErrNotSyslog, i+1)
	}
	host := s[i:j]
	ev.Host = host
	ev.Add("host", host, event.String)
	i = j + 1
	// TAG: program[pid]: or program:
	j = i
	for j < len(s) && s[j] != ':' && s[j] != '[' && s[j] != ' ' {
		j++
	}
	msgStart := i
	if j < len(s) && j > i {
		prog := s[i:j]
		switch {
		case s[j] == '[':
			k := j + 1
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if k < len(s) && s[k] == ']' && k+1 < len(s) && s[k+1] == ':' {
				ev.Add("program", prog, event.String)
				ev.Add("pid", s[j+1:k], event.Number)
				msgStart = k + 2
			}
		case s[j] == ':':
			ev.Add("program", prog, event.String)
			msgStart = j + 1
		}
	}
	if msgStart < len(s) && s[msgStart] == ' ' {
		msgStart++
	}
	msg := s[min(msgStart, len(s)):]
	ev.Message, ev.HasMessage = msg, true
	ev.Add("message", msg, event.String)
	return nil
}

// timestamp reads "Mmm dd hh:mm:ss", "Mmm dd yyyy hh:mm:ss" (network
// devices) or an RFC 3339 time, returning the time and the bytes read.
func (p *Parser) timestamp(s string) (time.Time, int, error) {
	if len(s) >= 15 && s[3] == ' ' && s[6] == ' ' {
		mon := -1
		for k, m := range months {
			if s[:3] == m {
				mon = k
				break
			}
		}
		day := 0
		switch {
		case s[4] == ' ' && isDigit(s[5]):
			day = int(s[5] - '0')
		case isDigit(s[4]) && isDigit(s[5]):
			day = int(s[4]-'0')*10 + int(s[5]-'0')
		}
		year, at := 0, 7 // at: where hh:mm:ss starts
		if len(s) >= 20 && s[11] == ' ' && s[9] != ':' {
			y1, ok1 := two(s, 7)
			y2, ok2 := two(s, 9)
			if ok1 && ok2 {
				year, at = y1*100+y2, 12
			}
		}
		h, ok1 := two(s, at)
		m, ok2 := two(s, at+3)
		sec, ok3 := two(s, at+6)
		if mon < 0 || day < 1 || day > 31 || !ok1 || !ok2 || !ok3 || s[at+2] != ':' || s[at+5] != ':' || h > 23 || m > 59 || sec > 60 {
			return time.Time{}, 0, errors.New("expected a time like \"Mar  3 10:00:01\"")
		}
		loc := p.Loc
		if loc == nil {
			loc = time.UTC
		}
		if year != 0 {
			t := time.Date(year, time.Month(mon+1), day, h, m, sec, 0, loc)
			if t.Day() != day {
				return time.Time{}, 0, fmt.Errorf("no such date: %q", s[:6])
			}
			return t, at + 8, nil
		}
		now := time.Now()
		if p.Now != nil {
			now = p.Now()
		}
		// A time more than a week ahead of now is from last year: a file
		// that spans New Year read in January, or last December's logs
		// read in November. (The week leaves room for senders' time zones
		// and clocks a little ahead.)
		t := time.Date(now.Year(), time.Month(mon+1), day, h, m, sec, 0, loc)
		if t.Day() != day || t.After(now.Add(7*24*time.Hour)) {
			t = time.Date(now.Year()-1, time.Month(mon+1), day, h, m, sec, 0, loc)
			if t.Day() != day {
				return time.Time{}, 0, fmt.Errorf("no such date: %q", s[:6])
			}
		}
		return t, at + 8, nil
	}
	// RFC 3339 (rsyslog's high-precision file format): up to the space.
	n := 0
	for n < len(s) && s[n] != ' ' {
		n++
	}
	if n < 19 || !isDigit(s[0]) {
		return time.Time{}, 0, errors.New("expected a time like \"Mar  3 10:00:01\" or 2026-03-03T10:00:01+01:00")
	}
	t, err := time.Parse(time.RFC3339Nano, s[:n])
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("bad RFC 3339 time %q", s[:n])
	}
	return t, n, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func two(s string, i int) (int, bool) {
	if !isDigit(s[i]) || !isDigit(s[i+1]) {
		return 0, false
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0'), true
}

func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
