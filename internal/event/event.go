// Package event defines the Event model shared by parsers, detection and
// storage. It imports only the standard library.
//
// An event is a flat list of fields: nested JSON objects are flattened into
// dotted names ("winlog.event_data.CommandLine") and array elements repeat
// their name. Flat fields make a rule's field lookup one map access, and the
// field list can be reused across events without allocating.
package event

import (
	"encoding/binary"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Kind is the JSON type a field value came from.
type Kind uint8

// Field value kinds.
const (
	String Kind = iota
	Number
	Bool
	Null
)

// Logsource says which kind of log an event is, in Sigma's vocabulary.
// Values are lower case; an empty value is unknown.
type Logsource struct {
	Product  string
	Category string
	Service  string
}

// Source is where an event was read from: 1-based line in its input file.
type Source struct {
	File string
	Line int
}

// Field is one flattened field. Value holds the text: strings as they are,
// numbers as written in the input, booleans as "true"/"false", null as "".
type Field struct {
	Name  string
	Value string
	Kind  Kind

	next  int32 // index of the next field with the same name, or -1
	tail  int32 // on the first field of a name: the last one with it
	lowLo int32 // lowered value in the event's buffer, valid when lowOK
	lowHi int32
	lowOK bool
	// copyOf is 1 + the index of the field this one copies (AddCopy),
	// or 0: a copy shares its original's lower case, and keyword
	// searches need not read the same value twice.
	copyOf int32
}

// Event is one log record.
type Event struct {
	Time      time.Time
	Tenant    string
	Host      string
	Logsource Logsource
	// Message is the raw text when the source had one; keyword searches
	// look there, else in every string value.
	Message    string
	HasMessage bool
	Source     Source

	fields []Field
	msgLow Field // cache of the lowered Message
	index  index // name -> first field with that name
	lower  []byte
}

// New returns an empty event.
func New() *Event {
	return &Event{}
}

// Reset empties the event for reuse, keeping its allocated memory.
// Strings returned by Lower before Reset must not be used after it.
func (e *Event) Reset() {
	*e = Event{fields: e.fields[:0], index: e.index, lower: e.lower[:0]}
	e.index.reset()
}

// Add appends a field. A name added twice holds several values (an array);
// a rule matches the field when it matches any of them.
func (e *Event) Add(name, value string, kind Kind) {
	i := int32(len(e.fields))
	e.fields = append(e.fields, Field{Name: name, Value: value, Kind: kind, next: -1, tail: i})
	// One index probe per field; a repeated name (an array) appends at
	// the tail its first field keeps.
	if h, slot, hash := e.index.find(e.fields, name); h >= 0 {
		e.fields[e.fields[h].tail].next = i
		e.fields[h].tail = i
	} else {
		e.index.insert(e.fields, slot, hash, i)
	}
}

// AddCopy adds a field with the value and kind of field i, under another
// name: the flat names a field mapping adds next to the original ones.
func (e *Event) AddCopy(name string, i int) {
	f := &e.fields[i]
	if f.copyOf > 0 {
		i = int(f.copyOf - 1)
		f = &e.fields[i]
	}
	value, kind := f.Value, f.Kind
	e.Add(name, value, kind)
	e.fields[len(e.fields)-1].copyOf = int32(i + 1)
}

// CopyOf returns the index of the field that field i copies with the
// same value, or -1.
func (e *Event) CopyOf(i int) int {
	f := &e.fields[i]
	if f.copyOf == 0 {
		return -1
	}
	o := int(f.copyOf - 1)
	if e.fields[o].Value != f.Value || e.fields[o].Kind != f.Kind { // the original was Set since
		return -1
	}
	return o
}

// Set replaces every value of name with one value (or adds it).
func (e *Event) Set(name, value string, kind Kind) {
	i, _, _ := e.index.find(e.fields, name)
	if i < 0 {
		e.Add(name, value, kind)
		return
	}
	f := &e.fields[i]
	f.Value, f.Kind, f.lowOK, f.next, f.tail, f.copyOf = value, kind, false, -1, i, 0
}

// Truncate drops the fields added after the first n, as when a parser that
// was trying its luck gives up. Lower-case forms are kept.
func (e *Event) Truncate(n int) {
	if n >= len(e.fields) {
		return
	}
	e.fields = e.fields[:n]
	e.index.rebuild(e.fields) // rare: a parser giving up
	// Chains may point past the end: cut them at their new tails.
	for i := range e.fields {
		f := &e.fields[i]
		if int(f.next) >= n {
			f.next = -1
		}
		if h, _, _ := e.index.find(e.fields, f.Name); int(h) == i && int(f.tail) >= n {
			t := int32(i)
			for e.fields[t].next >= 0 {
				t = e.fields[t].next
			}
			f.tail = t
		}
	}
}

// Len is the number of field values.
func (e *Event) Len() int { return len(e.fields) }

// At returns field i (0 <= i < Len).
func (e *Event) At(i int) *Field { return &e.fields[i] }

// Lookup returns the index of the first value of name, or -1.
func (e *Event) Lookup(name string) int {
	i, _, _ := e.index.find(e.fields, name)
	return int(i)
}

// Next returns the index of the next value with the same name as field i, or -1.
func (e *Event) Next(i int) int { return int(e.fields[i].next) }

// Get returns the first value of name.
func (e *Event) Get(name string) (string, bool) {
	i := e.Lookup(name)
	if i < 0 {
		return "", false
	}
	return e.fields[i].Value, true
}

// Lower returns field i's value in lower case (Unicode simple folding),
// computed once per event into a reusable buffer: no allocation once the
// buffer has grown. The string is valid until Reset.
func (e *Event) Lower(i int) string {
	if o := e.CopyOf(i); o >= 0 {
		i = o
	}
	f := &e.fields[i]
	if !f.lowOK {
		f.lowLo, f.lowHi = e.appendLower(f.Value)
		f.lowOK = true
	}
	if f.lowHi < 0 { // already lower case: the value itself
		return f.Value
	}
	return unsafeString(e.lower[f.lowLo:f.lowHi])
}

// ForgetLower drops the lower-case forms computed so far, as if the event
// were new (benchmarks use it to measure lower-casing too).
func (e *Event) ForgetLower() {
	for i := range e.fields {
		e.fields[i].lowOK = false
	}
	e.msgLow.lowOK = false
	e.lower = e.lower[:0]
}

// LowerMessage returns Message in lower case, like Lower.
func (e *Event) LowerMessage() string {
	f := &e.msgLow
	if !f.lowOK {
		f.lowLo, f.lowHi = e.appendLower(e.Message)
		f.lowOK = true
	}
	if f.lowHi < 0 {
		return e.Message
	}
	return unsafeString(e.lower[f.lowLo:f.lowHi])
}

// appendLower writes the lower-case form of s into the buffer, or returns
// (0,-1) when s has no upper-case letter.
func (e *Event) appendLower(s string) (int32, int32) {
	// ASCII, the common case, is read 8 bytes at a time: upper-case
	// letters are found and lowered together, without a branch per byte.
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	i, upper := 0, uint64(0)
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i : i+8])
		if w&0x8080808080808080 != 0 {
			break
		}
		upper |= asciiUpper(w)
	}
	if upper == 0 && !hasUpper(s[i:]) {
		return 0, -1
	}
	if cap(e.lower)-len(e.lower) < len(s)+8 {
		// Growing moves the buffer; strings handed out earlier keep the
		// old array alive, so they stay valid.
		nb := make([]byte, len(e.lower), 2*cap(e.lower)+len(s)+64)
		copy(nb, e.lower)
		e.lower = nb
	}
	lo := len(e.lower)
	j := 0
	for ; j+8 <= i; j += 8 {
		w := binary.LittleEndian.Uint64(b[j : j+8])
		e.lower = binary.LittleEndian.AppendUint64(e.lower, w|asciiUpper(w)>>2)
	}
	for j < len(s) {
		c := s[j]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			e.lower = append(e.lower, c)
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError && n == 1 {
			e.lower = append(e.lower, s[j])
		} else {
			e.lower = utf8.AppendRune(e.lower, unicode.ToLower(r))
		}
		j += n
	}
	return int32(lo), int32(len(e.lower))
}

// asciiUpper returns, for 8 ASCII bytes, 0x80 in each byte that is an
// upper-case letter and 0 elsewhere (shifted right by 2, the 0x20 that
// lowers it).
func asciiUpper(w uint64) uint64 {
	const ones = 0x0101010101010101
	ge := w + ones*(0x80-'A')   // high bit: byte >= 'A'
	gt := w + ones*(0x80-'Z'-1) // high bit: byte > 'Z'
	return (ge &^ gt) & (ones * 0x80)
}

// ToLower lowers s the way Lower does: Unicode simple folding, with bytes
// that are not valid UTF-8 kept as they are (strings.ToLower would turn
// them into U+FFFD, which breaks UTF-16 patterns).
func ToLower(s string) string {
	if !hasUpper(s) {
		return s
	}
	var e Event
	e.appendLower(s)
	return string(e.lower)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			return true
		}
		if c >= utf8.RuneSelf {
			return strings.ToLower(s[i:]) != s[i:]
		}
	}
	return false
}

// Clone returns a deep copy that stays valid after e is reset and after
// the buffer its strings were decoded from is reused.
func (e *Event) Clone() *Event {
	c := New()
	c.Time, c.Tenant, c.Host = e.Time, strings.Clone(e.Tenant), strings.Clone(e.Host)
	c.Logsource = Logsource{strings.Clone(e.Logsource.Product), strings.Clone(e.Logsource.Category), strings.Clone(e.Logsource.Service)}
	c.Message, c.HasMessage, c.Source = strings.Clone(e.Message), e.HasMessage, e.Source
	for i := range e.fields {
		f := &e.fields[i]
		if o := e.CopyOf(i); o >= 0 {
			c.AddCopy(strings.Clone(f.Name), o)
			continue
		}
		c.Add(strings.Clone(f.Name), strings.Clone(f.Value), f.Kind)
	}
	return c
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
