package syslog

import (
	"fmt"
	"strings"
	"time"

	"tocsin/internal/event"
)

// parse5424 reads an RFC 5424 line after its <PRI>:
// VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG].
// "-" is the NILVALUE; structured data becomes fields sd.<id>.<name>.
func parse5424(s string, i int, ev *event.Event) error {
	fail := func(at int, what string) error {
		return fmt.Errorf("%w: column %d: RFC 5424: expected %s", ErrNotSyslog, at+1, what)
	}
	var f [6]string
	for k := range f {
		j := strings.IndexByte(s[i:], ' ')
		if j <= 0 {
			return fail(i, []string{"a version", "a time", "a host name", "an app name", "a process id", "a message id"}[k])
		}
		f[k] = s[i : i+j]
		i += j + 1
	}
	if f[0] != "1" {
		return fail(0, "version 1")
	}
	if f[1] != "-" {
		t, err := time.Parse(time.RFC3339Nano, f[1])
		if err != nil {
			return fail(0, "an RFC 3339 time")
		}
		ev.Time = t
	}
	set := func(name, v string) {
		if v != "-" {
			ev.Add(name, v, event.String)
		}
	}
	if f[2] != "-" {
		ev.Host = f[2]
	}
	set("host", f[2])
	set("program", f[3])
	set("pid", f[4])
	set("msgid", f[5])
	// STRUCTURED-DATA: "-" or one or more [id name="value" ...].
	if strings.HasPrefix(s[i:], "-") {
		i++
	} else {
		for i < len(s) && s[i] == '[' {
			n, err := sdElement(s, i, ev)
			if err != nil {
				return err
			}
			i = n
		}
		if i == 0 || i < len(s) && s[i] != ' ' {
			return fail(i, "structured data or -")
		}
	}
	msg := ""
	if i < len(s) && s[i] == ' ' {
		msg = strings.TrimPrefix(s[i+1:], "\ufeff") // the UTF-8 BOM
	}
	ev.Message, ev.HasMessage = msg, true
	ev.Add("message", msg, event.String)
	return nil
}

// sdElement reads one [id name="value" ...] at s[i] and returns the index
// after it. Values keep their escapes (\" \\ \]): undoing them would need
// a copy, and rules rarely look inside.
func sdElement(s string, i int, ev *event.Event) (int, error) {
	fail := func(at int, what string) (int, error) {
		return 0, fmt.Errorf("%w: column %d: RFC 5424 structured data: expected %s", ErrNotSyslog, at+1, what)
	}
	i++ // [
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != ']' {
		j++
	}
	if j == i || j >= len(s) {
		return fail(i, "an SD-ID")
	}
	id := s[i:j]
	i = j
	for i < len(s) && s[i] == ' ' {
		i++
		eq := strings.IndexByte(s[i:], '=')
		if eq <= 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return fail(i, `name="value"`)
		}
		name := s[i : i+eq]
		k := i + eq + 2
		start := k
		for k < len(s) && s[k] != '"' {
			if s[k] == '\\' {
				k++
			}
			k++
		}
		if k >= len(s) {
			return fail(start, `a closing "`)
		}
		ev.Add("sd."+id+"."+name, s[start:k], event.String)
		i = k + 1
	}
	if i >= len(s) || s[i] != ']' {
		return fail(i, "]")
	}
	return i + 1, nil
}
