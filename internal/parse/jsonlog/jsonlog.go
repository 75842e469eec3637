// Package jsonlog decodes one JSON object — the Event JSON of GUIDE.md —
// into a flat event.Event.
//
// Nested objects flatten to dotted names (winlog.event_data.CommandLine),
// arrays repeat their name, numbers keep their text. It is a hand-written
// scanner rather than a general JSON library because the work is mostly
// copying: field values are zero-copy views into the input when they have
// no escape, names are built in a reused arena, and errors can say at which
// line and column the input went wrong.
package jsonlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"tocsin/internal/event"
)

// MaxDepth is how deeply objects and arrays may nest: deeper input is an
// error rather than a deep recursion.
const MaxDepth = 64

// ErrTimestamp is wrapped by the error Decode returns when a timestamp key
// holds no time it can read. The event is decoded all the same, with a
// zero Time: a caller may keep it.
var ErrTimestamp = errors.New("unreadable timestamp")

// SyntaxError says what is wrong with the input and where.
type SyntaxError struct {
	Offset int // byte offset in the input
	Line   int // 1-based line within the input (pretty-printed objects span several)
	Column int // 1-based byte column within that line
	Msg    string
}

func (e *SyntaxError) Error() string {
	if e.Line > 1 {
		return fmt.Sprintf("line %d column %d: %s", e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("column %d: %s", e.Column, e.Msg)
}

// Decoder decodes JSON objects into events. It is not safe for concurrent
// use: give each goroutine its own. The names and the unescaped values it
// builds live in a buffer reused by the next Decode (see Decode).
type Decoder struct {
	data   []byte
	i      int
	arena  []byte // names and unescaped strings of the current event
	path   []byte // dotted prefix of the object being read
	ev     *event.Event
	tsErr  error
	tsSet  bool
	tsWeak bool // Time came from a secondary key; a primary one overrides it
	// owned copies of metadata values, which outlive the event: callers
	// key maps by tenant, host and logsource.
	interned map[string]string
}

// maxInterned bounds the metadata strings a decoder keeps; past it,
// values are copied per event.
const maxInterned = 4096

// NewDecoder returns a decoder.
func NewDecoder() *Decoder {
	return &Decoder{arena: make([]byte, 0, 4096), path: make([]byte, 0, 256), interned: map[string]string{}}
}

// Decode resets ev and fills it from the JSON object in data.
//
// Field names and values are views into data and into the decoder's own
// buffer: they stay valid while data is unchanged and until the next
// Decode call; ev.Clone makes an independent copy.
//
// Tenant, Host and Logsource are owned copies, safe to keep as map keys;
// Message, like field values, is a view.
//
// Reserved top-level keys also set the event's metadata: "timestamp" or
// "@timestamp" (RFC 3339, with or without zone, "T" or space, or Unix
// seconds/milliseconds) sets Time, or failing them "time", "ts",
// "time_iso8601", "datetime", "@t", "eventTime" or "date" when they read as
// one; "tenant", "host" and "message" (when
// strings) set Tenant, Host and Message, and stay fields too; "logsource"
// {product, category, service} sets Logsource, lower-cased, and is not a
// field. An error is a *SyntaxError, or wraps ErrTimestamp with the event
// otherwise complete.
func (d *Decoder) Decode(data []byte, ev *event.Event) error {
	ev.Reset()
	d.data, d.i, d.ev = data, 0, ev
	d.arena, d.path = d.arena[:0], d.path[:0]
	d.tsErr, d.tsSet, d.tsWeak = nil, false, false
	defer func() { d.data, d.ev = nil, nil }()

	d.skipWS()
	if d.i >= len(d.data) {
		return d.syntax("empty input: expected a JSON object")
	}
	if d.data[d.i] != '{' {
		return d.unexpected("at the start: expected a JSON object")
	}
	if err := d.object(0, 1); err != nil {
		return err
	}
	d.skipWS()
	if d.i < len(d.data) {
		return d.unexpected("after the object")
	}
	return d.tsErr
}

// object reads the object at d.i; its fields are named d.path[:prefix]
// followed by their key. depth counts the enclosing objects and arrays.
func (d *Decoder) object(prefix, depth int) error {
	if depth > MaxDepth {
		return d.syntax(fmt.Sprintf("nesting deeper than %d", MaxDepth))
	}
	d.i++ // '{'
	d.skipWS()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return nil
	}
	for {
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input: expected a key or '}'")
		}
		if d.data[d.i] != '"' {
			return d.unexpected("looking for the beginning of a key")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		d.skipWS()
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input: expected ':'")
		}
		if d.data[d.i] != ':' {
			return d.unexpected("after a key: expected ':'")
		}
		d.i++
		d.skipWS()
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input: expected a value")
		}
		if err := d.member(prefix, key, depth); err != nil {
			return err
		}
		d.skipWS()
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input: expected ',' or '}'")
		}
		switch d.data[d.i] {
		case ',':
			d.i++
			d.skipWS()
		case '}':
			d.i++
			return nil
		default:
			return d.unexpected("after a value: expected ',' or '}'")
		}
	}
}

// member reads the value of key in an object whose prefix is d.path[:prefix].
func (d *Decoder) member(prefix int, key string, depth int) error {
	top := depth == 1
	if d.data[d.i] == '{' {
		if top && key == "logsource" {
			return d.logsource()
		}
		d.path = append(append(d.path[:prefix], key...), '.')
		return d.object(len(d.path), depth+1)
	}
	name := key
	if !top {
		name = d.name(prefix, key)
	}
	if d.data[d.i] == '[' {
		return d.array(name, depth+1)
	}
	v, kind, err := d.scalar()
	if err != nil {
		return err
	}
	d.ev.Add(name, v, kind)
	if top {
		d.reserved(key, v, kind)
	}
	return nil
}

// name is d.path[:prefix]+key in the arena.
func (d *Decoder) name(prefix int, key string) string {
	lo := len(d.arena)
	d.arena = append(append(d.arena, d.path[:prefix]...), key...)
	return unsafeString(d.arena[lo:])
}

// array reads an array whose scalars are all values of name; objects in
// it flatten under name.
func (d *Decoder) array(name string, depth int) error {
	if depth > MaxDepth {
		return d.syntax(fmt.Sprintf("nesting deeper than %d", MaxDepth))
	}
	d.i++ // '['
	d.skipWS()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		return nil
	}
	for {
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input: expected a value or ']'")
		}
		switch d.data[d.i] {
		case '{':
			d.path = append(append(d.path[:0], name...), '.')
			if err := d.object(len(d.path), depth+1); err != nil {
				return err
			}
		case '[':
			if err := d.array(name, depth+1); err != nil {
				return err
			}
		default:
			v, kind, err := d.scalar()
			if err != nil {
				return err
			}
			d.ev.Add(name, v, kind)
		}
		d.skipWS()
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input: expected ',' or ']'")
		}
		switch d.data[d.i] {
		case ',':
			d.i++
			d.skipWS()
		case ']':
			d.i++
			return nil
		default:
			return d.unexpected("after an array element: expected ',' or ']'")
		}
	}
}

// scalar reads a string, number, true, false or null at d.i.
func (d *Decoder) scalar() (string, event.Kind, error) {
	switch c := d.data[d.i]; {
	case c == '"':
		s, err := d.str()
		return s, event.String, err
	case c == '-' || c >= '0' && c <= '9':
		s, err := d.number()
		return s, event.Number, err
	case c == 't':
		return "true", event.Bool, d.literal("true")
	case c == 'f':
		return "false", event.Bool, d.literal("false")
	case c == 'n':
		return "", event.Null, d.literal("null")
	}
	return "", 0, d.unexpected("looking for the beginning of a value")
}

func (d *Decoder) literal(word string) error {
	for j := 0; j < len(word); j++ {
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input in literal " + word)
		}
		if d.data[d.i] != word[j] {
			return d.unexpected("in literal " + word)
		}
		d.i++
	}
	return nil
}

// number reads a JSON number and returns its text.
func (d *Decoder) number() (string, error) {
	start := d.i
	b := d.data
	i := d.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		d.i = i
		return "", d.badNumber()
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			d.i = i
			return "", d.badNumber()
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			d.i = i
			return "", d.badNumber()
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	d.i = i
	return unsafeString(b[start:i]), nil
}

func (d *Decoder) badNumber() error {
	if d.i >= len(d.data) {
		return d.syntax("unexpected end of input in a number")
	}
	return d.unexpected("in a number")
}

// str reads the string at d.i (on its opening quote). A string with no
// escape and valid UTF-8 is a view into the input; otherwise it is
// decoded into the arena, invalid UTF-8 becoming U+FFFD as encoding/json
// does. Raw control characters are accepted: logs carry them.
func (d *Decoder) str() (string, error) {
	b := d.data
	start := d.i + 1
	for i := start; ; {
		i = nextSpecial(b, i)
		if i >= len(b) {
			d.i = len(b)
			return "", d.syntax("unexpected end of input in a string")
		}
		switch b[i] {
		case '"':
			d.i = i + 1
			return unsafeString(b[start:i]), nil
		case '\\':
			return d.strSlow(start, i)
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return d.strSlow(start, i)
		}
		i += n
	}
}

// strSlow decodes a string from start, the first i-start bytes being plain.
func (d *Decoder) strSlow(start, i int) (string, error) {
	b := d.data
	lo := len(d.arena)
	d.arena = append(d.arena, b[start:i]...)
	for {
		j := nextSpecial(b, i)
		d.arena = append(d.arena, b[i:j]...)
		i = j
		if i >= len(b) {
			d.i = i
			return "", d.syntax("unexpected end of input in a string")
		}
		switch c := b[i]; c {
		case '"':
			d.i = i + 1
			return unsafeString(d.arena[lo:]), nil
		case '\\':
			if i+1 >= len(b) {
				d.i = i + 1
				return "", d.syntax("unexpected end of input in an escape")
			}
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				d.arena = append(d.arena, e)
			case 'b':
				d.arena = append(d.arena, '\b')
			case 'f':
				d.arena = append(d.arena, '\f')
			case 'n':
				d.arena = append(d.arena, '\n')
			case 'r':
				d.arena = append(d.arena, '\r')
			case 't':
				d.arena = append(d.arena, '\t')
			case 'u':
				r, n, err := d.unicodeEscape(i)
				if err != nil {
					return "", err
				}
				d.arena = utf8.AppendRune(d.arena, r)
				i += n
				continue
			default:
				d.i = i + 1
				return "", d.unexpected("in a string escape")
			}
			i += 2
		default:
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 {
				d.arena = append(d.arena, "\uFFFD"...)
			} else {
				d.arena = append(d.arena, b[i:i+n]...)
			}
			i += n
		}
	}
}

// nextSpecial returns the index of the first byte from i that ends a run
// of plain string bytes — '"', '\\' or a non-ASCII byte — or len(b). It
// tests eight bytes at a time: strings are most of a log's bytes.
func nextSpecial(b []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
		quote = ones * '"'
		bslsh = ones * '\\'
	)
	for ; i+8 <= len(b); i += 8 {
		v := binary.LittleEndian.Uint64(b[i:])
		q, s := v^quote, v^bslsh
		// A byte is zero in q or s where it is a quote or a backslash;
		// (x-ones)&^x&highs flags zero bytes, exactly up to the first.
		m := ((q-ones)&^q | (s-ones)&^s | v) & highs
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// unicodeEscape reads \uXXXX at b[i], with its low surrogate when it is a
// high one; a lone surrogate becomes U+FFFD. It returns the bytes read.
func (d *Decoder) unicodeEscape(i int) (rune, int, error) {
	r, ok := hex4(d.data, i+2)
	if !ok {
		d.i = i
		return 0, 0, d.syntax(`invalid \u escape: expected 4 hexadecimal digits`)
	}
	if r < 0xD800 || r > 0xDFFF {
		return r, 6, nil
	}
	if r <= 0xDBFF && i+7 < len(d.data) && d.data[i+6] == '\\' && d.data[i+7] == 'u' {
		if lo, ok := hex4(d.data, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
			return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12, nil
		}
	}
	return utf8.RuneError, 6, nil
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (d *Decoder) skipWS() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// timeValue reads a time written as text or as Unix seconds/milliseconds.
func timeValue(v string, kind event.Kind) (time.Time, bool) {
	switch kind {
	case event.String:
		return ParseTime(v)
	case event.Number:
		return parseEpoch(v)
	}
	return time.Time{}, false
}

// reserved sets the event's metadata from a top-level scalar.
func (d *Decoder) reserved(key, v string, kind event.Kind) {
	switch key {
	case "timestamp", "@timestamp":
		if d.tsSet {
			return
		}
		if t, ok := timeValue(v, kind); ok {
			d.ev.Time, d.tsSet, d.tsErr = t, true, nil
		} else if d.tsErr == nil {
			d.tsErr = fmt.Errorf("%s %q: %w", key, v, ErrTimestamp)
		}
	case "time", "ts", "time_iso8601", "datetime", "@t", "eventTime", "date":
		// What loggers and web servers call their time (nginx's JSON
		// formats, zap's epoch "ts", Serilog's "@t"): used when no
		// timestamp key says otherwise, and silent when it does not
		// parse, since such keys also name other things (a small
		// number is a count, not a time).
		if d.tsSet || d.tsWeak {
			return
		}
		if t, ok := timeValue(v, kind); ok && (kind == event.String || t.Year() >= 2001) {
			d.ev.Time, d.tsWeak = t, true
		}
	case "tenant":
		if kind == event.String {
			d.ev.Tenant = d.intern(v)
		}
	case "host":
		if kind == event.String {
			d.ev.Host = d.intern(v)
		}
	case "message":
		if kind == event.String {
			d.ev.Message, d.ev.HasMessage = v, true
		}
	}
}

// logsource reads the reserved logsource object into ev.Logsource. Its
// other keys (Sigma's "definition"…) say nothing about the event and are
// dropped; nested values are an error.
func (d *Decoder) logsource() error {
	d.i++ // '{'
	d.skipWS()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return nil
	}
	for {
		if d.i >= len(d.data) || d.data[d.i] != '"' {
			if d.i >= len(d.data) {
				return d.syntax("unexpected end of input: expected a key or '}'")
			}
			return d.unexpected("looking for the beginning of a key")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		d.skipWS()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			if d.i >= len(d.data) {
				return d.syntax("unexpected end of input: expected ':'")
			}
			return d.unexpected("after a key: expected ':'")
		}
		d.i++
		d.skipWS()
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input: expected a value")
		}
		if c := d.data[d.i]; c == '{' || c == '[' {
			return d.syntax(fmt.Sprintf("logsource.%s: expected a string", key))
		}
		v, kind, err := d.scalar()
		if err != nil {
			return err
		}
		if kind == event.String {
			switch key {
			case "product":
				d.ev.Logsource.Product = d.lower(v)
			case "category":
				d.ev.Logsource.Category = d.lower(v)
			case "service":
				d.ev.Logsource.Service = d.lower(v)
			}
		}
		d.skipWS()
		if d.i >= len(d.data) {
			return d.syntax("unexpected end of input: expected ',' or '}'")
		}
		switch d.data[d.i] {
		case ',':
			d.i++
			d.skipWS()
		case '}':
			d.i++
			return nil
		default:
			return d.unexpected("after a value: expected ',' or '}'")
		}
	}
}

// lower returns s in lower case (ASCII: logsource names are), interned.
func (d *Decoder) lower(s string) string {
	j := 0
	for j < len(s) && (s[j] < 'A' || s[j] > 'Z') {
		j++
	}
	if j == len(s) {
		return d.intern(s)
	}
	lo := len(d.arena)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		d.arena = append(d.arena, c)
	}
	return d.intern(unsafeString(d.arena[lo:]))
}

// intern returns an owned copy of s, the same one each time while the
// table has room: tenants, hosts and logsources repeat.
func (d *Decoder) intern(s string) string {
	if v, ok := d.interned[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if d.interned == nil {
		d.interned = map[string]string{}
	}
	if len(d.interned) < maxInterned {
		d.interned[v] = v
	}
	return v
}

// syntax is an error at d.i.
func (d *Decoder) syntax(msg string) error {
	off := min(d.i, len(d.data))
	line, col := 1, off+1
	for j := 0; j < off; j++ {
		if d.data[j] == '\n' {
			line, col = line+1, off-j
		}
	}
	return &SyntaxError{Offset: off, Line: line, Column: col, Msg: msg}
}

// unexpected is an error about the character at d.i.
func (d *Decoder) unexpected(context string) error {
	r, _ := utf8.DecodeRune(d.data[d.i:])
	q := strconv.QuoteRune(r)
	if r == utf8.RuneError {
		q = fmt.Sprintf("byte 0x%02x", d.data[d.i])
	}
	return d.syntax("invalid character " + q + " " + context)
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
