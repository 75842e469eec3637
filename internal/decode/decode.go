// Package decode turns a record (a text line or a JSON object) into an
// event: syslog, sshd, access logs, key=value firewall records, Event JSON
// and Windows events. hunt and serve share it.
package decode

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/parse/jsonlog"
	"tocsin/internal/parse/kv"
	"tocsin/internal/parse/sshd"
	"tocsin/internal/parse/syslog"
	"tocsin/internal/parse/weblog"
	"tocsin/internal/winlog"
)

// Decoder turns a record into an event according to its format.
// One per worker: it reuses its parser's memory.
type Decoder struct {
	json *jsonlog.Decoder
	win  *winlog.Mapper
	// Syslog reads syslog headers; its Now may be set (tests, replays).
	Syslog syslog.Parser
	web    weblog.Parser
	// webLast: the last text line was an access log line.
	webLast bool
	// services interns logsource services: an event's Logsource keys
	// caches beyond the record, so it must not point into the buffer.
	services map[string]string
}

// New returns a decoder; win maps Windows events (nil: the built-in mapping).
func New(win *winlog.Mapper) *Decoder {
	if win == nil {
		win = winlog.Default()
	}
	return &Decoder{json: jsonlog.NewDecoder(), win: win}
}

// Decode fills ev from data. Strings in ev may point into data, which stays
// valid while the batch is processed; Clone copies them for longer. It
// returns how many events the record stands for: sshd's "message repeated
// N times" is N.
func (d *Decoder) Decode(data []byte, format input.Format, ev *event.Event) (int, error) {
	err := d.decodeOne(data, format, ev)
	if err != nil {
		return 0, err
	}
	if n, ok := ev.Get("repeat"); ok {
		if r, err := strconv.Atoi(n); err == nil && r > 1 {
			return r, nil
		}
	}
	return 1, nil
}

func (d *Decoder) decodeOne(data []byte, format input.Format, ev *event.Event) error {
	switch format {
	case input.FormatJSONL, input.FormatEvtxJSON:
		// A timestamp that does not parse leaves the event without a
		// time; the rest of it is still worth matching.
		if err := d.json.Decode(data, ev); err != nil && !errors.Is(err, jsonlog.ErrTimestamp) {
			return err
		}
		if !d.win.Apply(ev) {
			weblog.FromJSON(ev)
		}
		return nil
	case input.FormatLines, "":
		// Some exports wrap each line in quotes: read what is inside.
		if n := len(data); n >= 2 && data[0] == '"' && data[n-1] == '"' {
			data = data[1 : n-1]
		}
		// A syslog line gives host, time, program; sshd's messages are
		// parsed further. An access log line gives the request's fields.
		// Other text stays a message for keyword rules.
		// The parser that read the previous line goes first: a file is
		// all one or the other.
		if d.webLast {
			if d.web.Parse(data, ev) == nil {
				ev.Message, ev.HasMessage = bytesString(data), true
				return nil
			}
			ev.Reset()
		}
		if d.Syslog.Parse(data, ev) != nil {
			ev.Reset()
			line := bytesString(data)
			// A firewall sends its key=value record with or without a
			// <PRI> and no syslog header.
			if body := stripPRI(line); looksKV(body) {
				if kv.Parse(body, ev) == nil {
					ev.Message, ev.HasMessage = line, true
					return nil
				}
				ev.Reset()
			}
			if d.web.Parse(data, ev) == nil {
				d.webLast = true
				ev.Message, ev.HasMessage = line, true
				return nil
			}
			ev.Reset()
			ev.Message, ev.HasMessage = line, true
			return nil
		}
		d.webLast = false
		// A relay that tails a file (rsyslog's imfile) wraps each line
		// in a header of its own: the line inside, with its own time,
		// host and program, is the event; the relay is kept.
		inner := ev.Message
		if _, ok := ev.Get("program"); !ok {
			// imfile's Tag="app" has no colon: "app <the line>".
			if i := strings.IndexByte(inner, ' '); i > 0 && i < 48 {
				inner = inner[i+1:]
			}
		}
		if looksSyslog(inner) {
			relay := ev.Host
			ev.Reset()
			if d.Syslog.Parse(unsafe.Slice(unsafe.StringData(inner), len(inner)), ev) == nil {
				if relay != "" {
					ev.Add("relay", relay, event.String)
				}
			} else {
				ev.Reset()
				_ = d.Syslog.Parse(data, ev) // parsed before
			}
		}
		prog, _ := ev.Get("program")
		ev.Logsource = event.Logsource{Product: "linux", Service: d.service(prog)}
		switch {
		case ev.Logsource.Service == "sshd":
			if n := sshd.Parse(ev.Message, ev); n > 1 {
				ev.Add("repeat", strconv.Itoa(n), event.Number)
			}
		case looksKV(ev.Message):
			// A firewall behind a syslog relay: the header is the
			// relay's, the record is key=value. Pairs that do not make a
			// record are left out, the line stays.
			n := ev.Len()
			if kv.Parse(ev.Message, ev) != nil {
				ev.Truncate(n)
			}
		}
		return nil
	case input.FormatBinary:
		return fmt.Errorf("binary data")
	}
	return fmt.Errorf("unknown format %q", format)
}

// looksSyslog: the text starts like a syslog line: <PRI>, a traditional
// timestamp ("Nov 26 ", "Nov  6 ") or an ISO 8601 date.
func looksSyslog(s string) bool {
	if len(s) < 16 {
		return false
	}
	switch c := s[0]; {
	case c == '<':
		return s[1] >= '0' && s[1] <= '9'
	case c >= '0' && c <= '9':
		return s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ')
	case c >= 'A' && c <= 'S':
		return s[3] == ' ' && (s[4] == ' ' || s[4] >= '0' && s[4] <= '3') && s[6] == ' ' && s[9] == ':' &&
			strings.Contains("JanFebMarAprMayJunJulAugSepOctNovDec", s[:3])
	}
	return false
}

// stripPRI drops a leading <PRI>.
func stripPRI(s string) string {
	if len(s) > 2 && s[0] == '<' {
		if i := strings.IndexByte(s[:min(len(s), 6)], '>'); i > 0 {
			return s[i+1:]
		}
	}
	return s
}

// looksKV: the text starts with key=, the shape of firewall records.
func looksKV(s string) bool {
	for i := 0; i < len(s) && i < 32; i++ {
		c := s[i]
		switch {
		case c == '=':
			return i > 0
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return false
}

// service names a syslog program the way Sigma's logsource does
// (sshd, sudo, cron, ...): lower case, without a path; an owned string.
func (d *Decoder) service(prog string) string {
	if i := strings.LastIndexByte(prog, '/'); i >= 0 {
		prog = prog[i+1:]
	}
	if s, ok := d.services[prog]; ok {
		return s
	}
	if d.services == nil {
		d.services = map[string]string{}
	}
	s := strings.ToLower(strings.Clone(prog))
	if len(d.services) < 4096 {
		d.services[strings.Clone(prog)] = s
	}
	return s
}

func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
