package winmix

import "strconv"

// jw appends one JSON document to a byte slice, keeping keys in the order
// they are written: evtx_dump prints fields in the event's template order,
// and a hand-written writer is both faster than encoding/json over maps and
// the only way to keep that order. Callers only ever write valid nesting.
type jw struct {
	b     []byte
	comma bool // the next member needs a leading comma
}

func (w *jw) key(k string) {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

// open starts a nested object under k ("" for the top-level object).
func (w *jw) open(k string) {
	if k != "" {
		w.key(k)
	}
	w.b = append(w.b, '{')
	w.comma = false
}

func (w *jw) close() {
	w.b = append(w.b, '}')
	w.comma = true
}

func (w *jw) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
	w.comma = true
}

func (w *jw) num(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
	w.comma = true
}

func (w *jw) boolean(k string, v bool) {
	w.key(k)
	w.b = strconv.AppendBool(w.b, v)
	w.comma = true
}

func (w *jw) null(k string) {
	w.key(k)
	w.b = append(w.b, "null"...)
	w.comma = true
}

// escapes marks the bytes appendJSONString must escape.
var escapes = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// appendJSONString quotes s for JSON. The vocabularies are UTF-8, so only
// quotes, backslashes (every Windows path) and control characters (script
// blocks carry \r\n and tabs) need escaping.
func appendJSONString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !escapes[c] {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
