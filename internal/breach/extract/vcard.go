package extract

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"strings"
	"unicode/utf8"
)

// Address books (vCard 2.1, 3.0 and 4.0: RFC 2426, RFC 6350; what phones,
// Outlook, Thunderbird and webmails export as .vcf) and calendars
// (iCalendar, RFC 5545, the same syntax: what appointment books export as
// .ics): each card, event, task or journal entry a record of a table
// named after the file, each property a column (FN, N, TEL, EMAIL, ADR,
// BDAY, NOTE; SUMMARY, DESCRIPTION, LOCATION, ATTENDEE…, named as the
// file writes them, in capitals). An attendee's name (its CN parameter)
// is a column of its own (ATTENDEE;CN), beside the address.
// Read as text, a card was a dozen records of one line, "BDAY:19850512"
// no date of birth, and a name in quoted-printable (vCard 2.1's
// "FN;ENCODING=QUOTED-PRINTABLE:H=C3=A9l=C3=A8ne") no name at all.
//
// Folded lines are joined, as are quoted-printable soft line breaks;
// quoted-printable and base64 values are decoded (base64 ones kept only
// when they are text: photos and keys are left out); the escapes of 3.0
// and 4.0 (\, \; \n) are undone. The structured name (N) is written
// given names first, the address (ADR) as it is written on a letter:
// "12 rue de la Paix, 75002 Paris, France". A record's line is the line
// its card or event begins on; what lies outside them (a calendar's
// name, its time zones) is no one's.

// contentLines tells an address book or a calendar by its first line
// that is not blank: FormatVCard, FormatICalendar or FormatUnknown.
func contentLines(head []byte) Format {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")
	switch {
	case hasPrefixFold(t, "BEGIN:VCARD"):
		return FormatVCard
	case hasPrefixFold(t, "BEGIN:VCALENDAR"):
		return FormatICalendar
	}
	return FormatUnknown
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

// vcardRecord tells the line that begins or ends a record: a card, an
// event, a task or a journal entry (not a calendar, a time zone or an
// alarm, which are read as part of what holds them).
func vcardRecord(text []byte, mark string) bool {
	if !hasPrefixFold(text, mark) {
		return false
	}
	switch strings.ToUpper(string(bytes.TrimSpace(text[len(mark):]))) {
	case "VCARD", "VEVENT", "VTODO", "VJOURNAL":
		return true
	}
	return false
}

// vcardSkipped are the properties that hold nothing about a person but
// the record's own bookkeeping, times, or binary data.
var vcardSkipped = map[string]bool{
	"BEGIN": true, "END": true, "VERSION": true, "PRODID": true, "REV": true, "UID": true, "KIND": true,
	"PHOTO": true, "LOGO": true, "SOUND": true, "KEY": true, "CLIENTPIDMAP": true, "SOURCE": true,
	"DTSTAMP": true, "DTSTART": true, "DTEND": true, "DUE": true, "CREATED": true, "LAST-MODIFIED": true,
	"SEQUENCE": true, "RRULE": true, "RDATE": true, "EXDATE": true, "RECURRENCE-ID": true, "DURATION": true,
	"TRANSP": true, "STATUS": true, "CLASS": true, "PRIORITY": true, "ACTION": true, "TRIGGER": true,
	"TZID": true, "TZNAME": true, "TZOFFSETFROM": true, "TZOFFSETTO": true, "ATTACH": true,
	// The organiser of every event of a calendar is its owner or its
	// service: its address in each would join all the attendees into
	// one person.
	"ORGANIZER": true,
}

func readVCard(ctx context.Context, r io.Reader, d Doc, name string, o Options) error {
	v := vcardReader{rowBuffer: newRowBuffer(d.Table(tableName(name)), o.MaxValue), max: o.MaxValue}
	defer v.t.End()
	lr := newLineReader(r, o.MaxLine)
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line := lr.next()
		if line == nil {
			v.endLine()
			v.emit(v.first)
			return lr.s.err
		}
		text := line.Text
		switch {
		case line.Off > 0:
			v.more(text) // a piece of a line longer than MaxLine
		case len(text) > 0 && (text[0] == ' ' || text[0] == '\t'):
			v.more(text[1:]) // folded
		case v.softBreak():
			// Quoted-printable: the line before ended with '=', which
			// joins it to this one.
			v.line = v.line[:len(v.line)-1]
			v.more(text)
		case len(bytes.TrimSpace(text)) == 0:
		default:
			v.endLine()
			switch {
			case vcardRecord(text, "BEGIN:"):
				v.emit(v.first)
				v.first = line.N
			case vcardRecord(text, "END:"):
				v.emit(v.first)
				v.first = 0 // what comes before the next record is no one's
			default:
				v.more(text)
			}
		}
	}
}

// vcardReader gathers the properties of one card.
type vcardReader struct {
	rowBuffer // columns by property name in capitals
	max       int
	line      []byte // the content line being read, unfolded
	first     int    // the line the card begins on; 0: before the first card
	dec       []byte // a quoted-printable value decoded
	parts     [][]byte
	part      []byte // a component unescaped
}

// more appends to the content line being read, up to a bound (three
// times MaxValue: quoted-printable takes three bytes a letter).
func (v *vcardReader) more(text []byte) {
	if room := max(3*v.max-len(v.line), 0); len(text) > room {
		for room > 0 && !utf8.RuneStart(text[room]) {
			room--
		}
		text = text[:room]
	}
	v.line = append(v.line, text...)
}

// softBreak tells a quoted-printable value whose line ended with '=': the
// next line continues it.
func (v *vcardReader) softBreak() bool {
	l := v.line
	if len(l) == 0 || l[len(l)-1] != '=' {
		return false
	}
	colon := vcardColon(l)
	return colon > 0 && bytes.Contains(bytes.ToUpper(l[:colon]), []byte("QUOTED-PRINTABLE"))
}

// vcardColon returns where the value of a content line starts (its first
// ':' outside a quoted parameter), -1 when there is none.
func vcardColon(l []byte) int {
	quoted := false
	for i, c := range l {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ':' && !quoted:
			return i
		}
	}
	return -1
}

// endLine files the content line read as a cell of its card.
func (v *vcardReader) endLine() {
	l := v.line
	v.line = v.line[:0]
	colon := vcardColon(l)
	if colon <= 0 || v.first == 0 {
		return
	}
	head, val := l[:colon], l[colon+1:]
	prop, params := head, []byte(nil)
	if semi := bytes.IndexByte(head, ';'); semi >= 0 {
		prop, params = head[:semi], head[semi+1:]
	}
	if dot := bytes.LastIndexByte(prop, '.'); dot >= 0 {
		prop = prop[dot+1:] // a group: item1.TEL
	}
	var up [32]byte // the property's name in capitals, without an allocation
	if len(prop) == 0 || len(prop) > len(up) {
		return
	}
	for i, c := range prop {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	key := up[:len(prop)]
	if vcardSkipped[string(key)] {
		return
	}
	qp, b64 := false, false
	var cn []byte // an attendee's name
	for len(params) > 0 {
		p := params
		if semi := bytes.IndexByte(params, ';'); semi >= 0 {
			p, params = params[:semi], params[semi+1:]
		} else {
			params = nil
		}
		p = bytes.TrimSpace(p)
		if hasPrefixFold(p, "CN=") {
			cn = bytes.Trim(p[3:], "\"")
			continue
		}
		if hasPrefixFold(p, "ENCODING=") {
			p = p[9:]
		}
		switch {
		case bytes.EqualFold(p, []byte("QUOTED-PRINTABLE")):
			qp = true
		case bytes.EqualFold(p, []byte("B")) || bytes.EqualFold(p, []byte("BASE64")):
			b64 = true
		}
	}
	switch {
	case qp:
		v.dec = decodeQP(v.dec[:0], val)
		val = v.dec
	case b64:
		dec := make([]byte, base64.StdEncoding.DecodedLen(len(val)))
		n, err := base64.StdEncoding.Decode(dec, bytes.TrimSpace(val))
		if err != nil || !utf8.Valid(dec[:n]) || !isPrintable(dec[:n]) {
			return
		}
		val = dec[:n]
	}
	start := len(v.arena)
	switch string(key) {
	case "N":
		// Family; given; additional; prefix; suffix: "Renée Faure".
		v.joinComponents(v.components(val), " ", []int{1, 2, 0})
	case "ADR":
		// PO box; extended; street; locality; region; code; country:
		// "12 rue de la Paix, 75002 Paris, France".
		c := v.components(val)
		for _, group := range [...][]int{{2, 1}, {5, 3}, {4}, {6}, {0}} {
			mark := len(v.arena)
			if mark > start {
				v.arena = append(v.arena, ", "...)
			}
			if !v.joinComponents(c, " ", group) {
				v.arena = v.arena[:mark] // an empty group: no separator either
			}
		}
	case "ORG":
		c := v.components(val)
		for k := range c {
			mark := len(v.arena)
			if mark > start {
				v.arena = append(v.arena, ", "...)
			}
			if !v.joinComponents(c, "", []int{k}) {
				v.arena = v.arena[:mark]
			}
		}
	case "TEL", "EMAIL", "ATTENDEE":
		// As URIs: tel:+33-6-12-34-56-78 (vCard 4.0), mailto:… .
		for _, scheme := range []string{"tel:", "mailto:"} {
			if len(val) > len(scheme) && hasPrefixFold(val, scheme) {
				val = val[len(scheme):]
			}
		}
		v.arena = vcardUnescape(v.arena, val)
	default:
		v.arena = vcardUnescape(v.arena, val)
	}
	v.file(key, start)
	if len(cn) > 0 {
		start = len(v.arena)
		v.arena = vcardUnescape(v.arena, cn)
		v.file(append(key, ";CN"...), start)
	}
}

// file makes arena[start:] a cell of the column named key, unless it is
// empty.
func (v *vcardReader) file(key []byte, start int) {
	if len(v.arena)-start > v.max {
		v.arena = v.arena[:start+utf8Cut(v.arena[start:], v.max)]
	}
	if len(bytes.TrimSpace(v.arena[start:])) == 0 {
		v.arena = v.arena[:start]
		return
	}
	col := v.column(key, key)
	if len(v.cells) >= maxCells {
		value := append([]byte(nil), v.arena[start:]...)
		v.arena = v.arena[:start]
		v.emit(v.first) // a huge record: the rest in another row of the same line
		start = 0
		v.arena = append(v.arena, value...)
	}
	v.add(col, start)
}

// components splits a structured value at its unescaped semicolons.
func (v *vcardReader) components(val []byte) [][]byte {
	v.parts = v.parts[:0]
	from := 0
	for i := 0; i < len(val); i++ {
		switch val[i] {
		case '\\':
			i++
		case ';':
			v.parts = append(v.parts, val[from:i])
			from = i + 1
		}
	}
	return append(v.parts, val[from:])
}

// joinComponents appends to the arena the components ks of a structured
// value, each unescaped and trimmed, those not empty joined by sep; it
// reports whether it appended any. The unescaping goes through v.part,
// with no allocation for each.
func (v *vcardReader) joinComponents(c [][]byte, sep string, ks []int) bool {
	start := len(v.arena)
	for _, k := range ks {
		if k >= len(c) {
			continue
		}
		v.part = vcardUnescape(v.part[:0], c[k])
		p := bytes.TrimSpace(v.part)
		if len(p) == 0 {
			continue
		}
		if len(v.arena) > start {
			v.arena = append(v.arena, sep...)
		}
		v.arena = append(v.arena, p...)
	}
	return len(v.arena) > start
}

// vcardUnescape appends val with the escapes of vCard 3.0 and 4.0 undone
// (\, \; \\, and \n as a space).
func vcardUnescape(dst, val []byte) []byte {
	for i := 0; i < len(val); i++ {
		c := val[i]
		if c == '\\' && i+1 < len(val) {
			i++
			switch c = val[i]; c {
			case 'n', 'N':
				c = ' '
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// decodeQP appends the quoted-printable text q, decoded, to dst: =XX is
// a byte; a '=' that is not followed by two hexadecimal digits stays.
func decodeQP(dst, q []byte) []byte {
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '=' && i+2 < len(q) {
			if h, l := unhex(q[i+1]), unhex(q[i+2]); h >= 0 && l >= 0 {
				dst = append(dst, byte(h<<4|l))
				i += 2
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}
