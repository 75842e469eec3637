package extract

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// LDAP directory exports (LDIF, RFC 2849: what ldapsearch, slapcat and
// ldifde write): entries separated by blank lines, each a "dn:" and its
// attributes, one "name: value" a line; a line that starts with a space
// continues the one before; "name:: " introduces a value in base64, which
// is how any value with an accent is written, so read as text an export
// loses every "Renée" and "Hélène". An export of the agents' directory is
// a list of people: each entry is a record of a table named after the
// file, its attributes the columns (sn, givenName, mail, mobile,
// postalAddress, as written first; options such as ";lang-fr" left
// out). Binary values (photos, certificates, SIDs) are left out, and
// "name:< URL" values are not fetched. A record's line is the line its
// entry starts on.

// isLDIF tells an LDIF export by its first line that is not a comment:
// "version: 1" or a "dn:".
func isLDIF(head []byte) bool {
	for len(head) > 0 {
		var line []byte
		line, head, _ = bytes.Cut(head, []byte{'\n'})
		line = bytes.TrimRight(line, "\r")
		switch {
		case len(line) == 0 || line[0] == '#':
			continue
		case bytes.HasPrefix(line, []byte("version:")):
			return string(bytes.TrimSpace(line[len("version:"):])) == "1"
		}
		return len(line) > 3 && bytes.EqualFold(line[:3], []byte("dn:"))
	}
	return false
}

func readLDIF(ctx context.Context, r io.Reader, d Doc, display, name string, o Options) error {
	l := ldifReader{rowBuffer: newRowBuffer(d.Table(tableName(name)), o.MaxValue), max: o.MaxValue, col: -1}
	defer l.t.End()
	lr := newLineReader(r, o.MaxLine)
	comment := false // continuation lines of a comment are the comment's
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line := lr.next()
		if line == nil {
			l.endEntry()
			return lr.s.err
		}
		text := line.Text
		switch {
		case line.Off > 0 || len(text) > 0 && text[0] == ' ':
			// A folded line, or a piece of a line longer than MaxLine.
			if !comment {
				if line.Off == 0 {
					text = text[1:]
				}
				l.more(text)
			}
		case len(text) == 0:
			l.endEntry()
			comment = false
		case text[0] == '#':
			comment = true
		default:
			comment = false
			if err := l.attribute(text, line.N); err != nil && l.probs < maxProblems {
				l.probs++
				d.Problem(Problem{Path: display, Line: line.N, Err: err})
			}
		}
	}
}

// ldifReader gathers the values of one entry.
type ldifReader struct {
	rowBuffer // columns by lower-case attribute name
	max       int
	first     int    // the line the entry starts on; 0: none open
	col       int    // the column of the value being read; -1: none
	b64       bool   // the value being read is base64, decoded at its end
	lines     bool   // the value is a postal address, its lines joined by '$'
	start     int    // where the value being read starts in arena
	dec       []byte // a base64 value decoded
	key       []byte // the attribute's name in lower case
	probs     int
}

// attribute starts the value of an attribute line.
func (l *ldifReader) attribute(text []byte, n int) error {
	l.endValue()
	if len(l.cells) >= maxCells {
		l.emit(l.first) // a huge entry: the rest in another row of the same line
	}
	colon := bytes.IndexByte(text, ':')
	if colon <= 0 {
		return fmt.Errorf("%w: a line of the entry that is not \"attribute: value\"", ErrSyntax)
	}
	attr, rest := text[:colon], text[colon+1:]
	if semi := bytes.IndexByte(attr, ';'); semi > 0 {
		attr = attr[:semi] // options: ;lang-fr, ;binary
	}
	if l.first == 0 && bytes.EqualFold(attr, []byte("version")) {
		return nil // the file's version line, before the first entry
	}
	if l.first == 0 {
		l.first = n
	}
	l.b64 = false
	switch {
	case len(rest) > 0 && rest[0] == ':':
		l.b64, rest = true, rest[1:]
	case len(rest) > 0 && rest[0] == '<':
		return nil // a URL to fetch the value from: not followed
	}
	l.key = appendLowerName(l.key[:0], attr)
	l.lines = bytes.HasSuffix(l.key, []byte("postaladdress")) || string(l.key) == "registeredaddress"
	l.col, l.start = l.column(l.key, attr), len(l.arena)
	l.more(bytes.TrimLeft(rest, " "))
	return nil
}

// appendLowerName appends an attribute's name in lower case: ASCII, as
// LDAP's names are, byte by byte with no allocation; any other name as
// strings.ToLower makes it.
func appendLowerName(dst, name []byte) []byte {
	for _, c := range name {
		if c >= utf8.RuneSelf {
			return append(dst, strings.ToLower(string(name))...)
		}
	}
	for _, c := range name {
		dst = append(dst, lowerASCII(c))
	}
	return dst
}

// more appends text to the value being read.
func (l *ldifReader) more(text []byte) {
	if l.col < 0 || l.first == 0 {
		return
	}
	limit := l.max
	if l.b64 {
		limit = base64.StdEncoding.EncodedLen(l.max)
	}
	if room := max(limit-(len(l.arena)-l.start), 0); len(text) > room {
		// Whole letters (the line is UTF-8), even when the room left is
		// smaller than one.
		for room > 0 && !utf8.RuneStart(text[room]) {
			room--
		}
		text = text[:room]
	}
	l.arena = append(l.arena, text...)
}

// endValue files the value being read as a cell: base64 decoded, and left
// out when it is not text.
func (l *ldifReader) endValue() {
	if l.col < 0 || l.first == 0 {
		l.col = -1
		return
	}
	col := l.col
	l.col = -1
	v := l.arena[l.start:]
	if l.b64 {
		enc := bytes.TrimRight(v, " ")
		enc = enc[:len(enc)/4*4] // a value cut at MaxValue
		l.dec = append(l.dec[:0], make([]byte, base64.StdEncoding.DecodedLen(len(enc)))...)
		n, err := base64.StdEncoding.Decode(l.dec, enc)
		l.arena = l.arena[:l.start]
		if err != nil || !utf8.Valid(l.dec[:n]) || !isPrintable(l.dec[:n]) {
			return
		}
		l.arena = append(l.arena, l.dec[:n]...)
	}
	if len(l.arena) == l.start {
		return
	}
	if l.lines {
		// RFC 4517: "12 rue de la Paix$75002 Paris", a '$' written \24.
		v := l.arena[l.start:]
		l.dec = append(l.dec[:0], v...)
		l.arena = l.arena[:l.start]
		for i := 0; i < len(l.dec); i++ {
			switch c := l.dec[i]; {
			case c == '$':
				l.arena = append(l.arena, ", "...)
			case c == '\\' && i+2 < len(l.dec) && isHex(l.dec[i+1]) && isHex(l.dec[i+2]):
				l.arena = append(l.arena, byte(unhex(l.dec[i+1])<<4|unhex(l.dec[i+2])))
				i += 2
			default:
				l.arena = append(l.arena, c)
			}
		}
		v = l.arena[l.start:]
		l.arena = l.arena[:l.start+utf8Cut(v, l.max)]
	}
	l.add(col, l.start)
}

// endEntry hands over the entry read so far.
func (l *ldifReader) endEntry() {
	l.endValue()
	l.emit(l.first)
	l.first = 0
}
