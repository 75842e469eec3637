package extract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"unicode/utf8"

	"tocsin/internal/swar"
)

// xmlScanner reads the XML of a workbook part token by token without
// making strings: a tag's name, its raw attributes and text are slices of
// its buffer, valid until the next call. encoding/xml spent 88 % of the
// time of a workbook's scan making tokens nobody kept.
//
// It knows what spreadsheet parts hold: elements, attributes, text,
// CDATA, comments, processing instructions and a DOCTYPE (skipped). It
// expands the five predefined entities and character references only:
// declared entities are never expanded (no "billion laughs"). Line ends
// in text are normalised to "\n", as XML requires. It does not check
// that tags balance; callers only track the elements they know.
type xmlScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	rerr     error // the reader's error, once the buffer is drained

	kind    xmlKind
	name    []byte // local name (after any prefix) of a start or end tag
	attrs   []byte // raw attributes of a start tag
	text    []byte // decoded text (xmlText)
	pendEnd bool   // a self-closing tag's end comes next
	dec     []byte // decoded text when it differs from the raw bytes
	adec    []byte // decoded attribute value

	// Lines are counted only for the readers that ask (an XML export's
	// records are numbered by the line they start on): line is the line
	// of the token read last, nl the newlines before buf[counted].
	countLines bool
	line, nl   int
	counted    int
}

type xmlKind uint8

const (
	xmlEOF xmlKind = iota
	xmlStart
	xmlEnd
	xmlText
)

// xmlMaxToken caps one tag, comment or processing instruction held
// whole; text is handed over in pieces of at most xmlTextPiece bytes.
const (
	xmlMaxToken  = 4 << 20
	xmlTextPiece = 64 << 10
	xmlBufStart  = 64 << 10
	// The buffer starts small and doubles at each refill up to
	// xmlBufStart: most parts of a small workbook hold a few hundred
	// bytes.
	xmlBufFirst = 4 << 10
)

var errXML = errors.New("malformed XML")

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, xmlBufFirst)}
}

// reset makes the scanner read r, keeping its buffers.
func (s *xmlScanner) reset(r io.Reader) {
	*s = xmlScanner{r: r, buf: s.buf, dec: s.dec[:0], adec: s.adec[:0]}
}

// fill moves the unread bytes to the front of the buffer and reads more,
// growing the buffer when it is full. It reports whether bytes were added.
func (s *xmlScanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	if s.pos > 0 {
		if s.countLines {
			s.nl += bytes.Count(s.buf[s.counted:s.pos], []byte{'\n'})
			s.counted = 0
		}
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) || len(s.buf) < xmlBufStart {
		if len(s.buf) >= xmlMaxToken {
			return false
		}
		nb := make([]byte, min(2*len(s.buf), xmlMaxToken))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// readErr is the error that ended the input: nil at a clean end.
func (s *xmlScanner) readErr() error {
	if s.rerr == io.EOF {
		return nil
	}
	return s.rerr
}

// next reads the next token into s.kind, s.name, s.attrs and s.text. At
// the end of the input it returns xmlEOF and the reader's error, if any.
func (s *xmlScanner) next() (xmlKind, error) {
	if s.pendEnd {
		s.pendEnd = false
		s.kind = xmlEnd
		return xmlEnd, nil
	}
	for {
		if s.pos == s.end && !s.fill() {
			s.kind = xmlEOF
			if err := s.readErr(); err != nil {
				return xmlEOF, err
			}
			return xmlEOF, nil
		}
		if s.countLines {
			s.nl += bytes.Count(s.buf[s.counted:s.pos], []byte{'\n'})
			s.counted, s.line = s.pos, s.nl+1
		}
		if s.buf[s.pos] != '<' {
			return s.scanText()
		}
		k, err := s.scanMarkup()
		if err != nil || k != xmlEOF {
			return k, err
		}
		// A comment, processing instruction or DOCTYPE: go on.
	}
}

// child reads, if the buffer holds it at s.pos, an element whose text
// has no markup, entity or carriage return, followed by close (its end
// tag and its parent's): open + text + close. It returns the text and
// moves past close, or reports false and moves nothing.
func (s *xmlScanner) child(open, close string) ([]byte, bool) {
	if s.pendEnd {
		return nil, false
	}
	b := s.buf[s.pos:s.end]
	if len(b) < len(open) || string(b[:len(open)]) != open {
		return nil, false
	}
	b = b[len(open):]
	for i, c := range b {
		switch c {
		case '<':
			if len(b)-i < len(close) || string(b[i:i+len(close)]) != close {
				return nil, false
			}
			s.pos += len(open) + i + len(close)
			return b[:i], true
		case '&', '\r':
			return nil, false
		}
	}
	return nil, false
}

// need makes sure n bytes from s.pos are buffered, if the input has them.
func (s *xmlScanner) need(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// scanText hands over the text up to the next '<', or a piece of it.
func (s *xmlScanner) scanText() (xmlKind, error) {
	// Short values first, in one loop: no entity, no carriage return.
	b := s.buf[s.pos:min(s.end, s.pos+64)]
	for i, c := range b {
		if c == '<' {
			s.text = b[:i]
			s.pos += i
			s.kind = xmlText
			return xmlText, nil
		}
		if c == '&' || c == '\r' {
			break
		}
	}
	for {
		i := bytes.IndexByte(s.buf[s.pos:s.end], '<')
		if i >= 0 {
			return s.setText(s.buf[s.pos:s.pos+i], s.pos+i), nil
		}
		if s.end-s.pos >= xmlTextPiece || !s.fill() {
			break
		}
	}
	// No '<' within reach: a piece, cut before an entity or a '\r' that
	// the next piece would complete.
	raw := s.buf[s.pos:s.end]
	if len(raw) > xmlTextPiece {
		raw = raw[:xmlTextPiece]
	}
	if s.rerr == nil || len(raw) < s.end-s.pos {
		if a := bytes.LastIndexByte(raw, '&'); a >= 0 && bytes.IndexByte(raw[a:], ';') < 0 && len(raw)-a < 16 && a > 0 {
			raw = raw[:a]
		}
		if len(raw) > 1 && raw[len(raw)-1] == '\r' {
			raw = raw[:len(raw)-1]
		}
	}
	return s.setText(raw, s.pos+len(raw)), nil
}

func (s *xmlScanner) setText(raw []byte, next int) xmlKind {
	s.pos = next
	s.kind = xmlText
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		s.text = raw
		return xmlText
	}
	s.dec = appendXMLText(s.dec[:0], raw)
	s.text = s.dec
	return xmlText
}

// scanMarkup reads what starts at '<'. It returns xmlEOF (and no error)
// for markup that is skipped.
func (s *xmlScanner) scanMarkup() (xmlKind, error) {
	if !s.need(2) {
		return xmlEOF, errXML
	}
	switch s.buf[s.pos+1] {
	case '/':
		end, err := s.tagEnd(s.pos + 2)
		if err != nil {
			return xmlEOF, err
		}
		name := s.buf[s.pos+2 : end-1]
		for len(name) > 0 && isXMLSpace(name[len(name)-1]) {
			name = name[:len(name)-1]
		}
		s.name, s.attrs = localName(name), nil
		s.pos = end
		s.kind = xmlEnd
		return xmlEnd, nil
	case '?':
		s.pos += 2 // the end is looked for after the opening: "<?>" closes nothing
		return xmlEOF, s.skipPast("?>")
	case '!':
		s.need(9) // at the end of the input, fewer
		rest := s.buf[s.pos:s.end]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			s.pos += 4 // "<!--->" is no whole comment
			return xmlEOF, s.skipPast("-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			return s.scanCDATA()
		default:
			return xmlEOF, s.skipDirective()
		}
	}
	end, err := s.tagEnd(s.pos + 1)
	if err != nil {
		return xmlEOF, err
	}
	tag := s.buf[s.pos+1 : end-1]
	if len(tag) > 0 && tag[len(tag)-1] == '/' {
		tag = tag[:len(tag)-1]
		s.pendEnd = true
	}
	n := 0
	for n < len(tag) && !isXMLSpace(tag[n]) {
		n++
	}
	if n == 0 {
		s.pendEnd = false
		return xmlEOF, errXML
	}
	s.name, s.attrs = localName(tag[:n]), tag[n:]
	s.pos = end
	s.kind = xmlStart
	return xmlStart, nil
}

// tagEnd finds the '>' closing the tag that starts before from, outside
// quoted attribute values, and returns the index after it.
func (s *xmlScanner) tagEnd(from int) (int, error) {
	// Most tags are a few bytes long (</v>, <c r="B2" t="s">), their
	// values in double quotes: eight bytes at a time, the first '>'
	// after an even count of them ends the tag. A single quote, or a
	// '>' inside a value, goes the byte loop's way; a tag past what is
	// buffered, the way of the long ones.
	b := s.buf[from:s.end]
	quotes, i := 0, 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i : i+8])
		gt, dq, sq := swar.Equal(w, '>'), swar.Equal(w, '"'), swar.Equal(w, '\'')
		if gt != 0 {
			before := gt&-gt - 1
			if sq&before == 0 && (quotes+bits.OnesCount64(dq&before))%2 == 0 {
				return from + i + bits.TrailingZeros64(gt)>>3 + 1, nil
			}
			break
		}
		if sq != 0 {
			break
		}
		quotes += bits.OnesCount64(dq)
	}
	if i+8 > len(b) && i >= 64 {
		return s.tagEndLong(from) // the byte loop would read its 64 again
	}
	return s.tagEndBytes(from)
}

// tagEndBytes is tagEnd byte by byte.
func (s *xmlScanner) tagEndBytes(from int) (int, error) {
	b := s.buf[from:min(s.end, from+64)]
	var quote byte
	for i, c := range b {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '>':
			return from + i + 1, nil
		case c == '"' || c == '\'':
			quote = c
		}
	}
	return s.tagEndLong(from)
}

// tagEndLong is tagEnd for a tag longer than the loop's reach or not
// yet buffered whole.
func (s *xmlScanner) tagEndLong(from int) (int, error) {
	// Offsets count from s.pos, which fill moves.
	start := from - s.pos
	off, quotes := start, 0
	for {
		b := s.buf[s.pos:s.end]
		for {
			gt := bytes.IndexByte(b[off:], '>')
			end := off + gt
			if gt < 0 {
				end = len(b)
			}
			// With only double quotes before it, which pair up since
			// a value in double quotes holds none, an even count puts
			// the '>' outside any value.
			seg := b[off:end]
			if bytes.IndexByte(seg, '\'') >= 0 {
				return s.tagEndQuoted(start)
			}
			quotes += bytes.Count(seg, []byte{'"'})
			if gt < 0 {
				off = end
				break
			}
			off = end + 1
			if quotes%2 == 0 {
				return s.pos + off, nil
			}
		}
		if !s.fill() {
			return 0, errXML
		}
	}
}

// tagEndQuoted is tagEnd for a tag with single quotes, byte by byte.
func (s *xmlScanner) tagEndQuoted(i int) (int, error) { return s.closingAngle(i, false) }

// skipPast skips to just after the next occurrence of end, dropping
// what it passes: a comment may be longer than the buffer.
func (s *xmlScanner) skipPast(end string) error {
	for {
		if i := bytes.Index(s.buf[s.pos:s.end], []byte(end)); i >= 0 {
			s.pos += i + len(end)
			return nil
		}
		// Keep what could be the start of end.
		if keep := len(end) - 1; s.end-s.pos > keep {
			s.pos = s.end - keep
		}
		if !s.fill() {
			return errXML
		}
	}
}

// skipDirective skips <!DOCTYPE …> and the like, with any internal subset
// in brackets, dropping what it passes.
func (s *xmlScanner) skipDirective() error {
	end, err := s.closingAngle(2, true)
	s.pos = end
	return err
}

// closingAngle finds the '>' that closes the markup at s.pos, from
// offset i on, outside quotes (and, in a directive, outside brackets),
// and returns the index after it. A directive's bytes are dropped as
// they are passed; a tag's are kept.
func (s *xmlScanner) closingAngle(i int, directive bool) (int, error) {
	depth := 0
	var quote byte
	for {
		b := s.buf[s.pos:s.end]
		for ; i < len(b); i++ {
			c := b[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case directive && c == '[':
				depth++
			case directive && c == ']':
				depth--
			case c == '>' && depth <= 0:
				return s.pos + i + 1, nil
			}
		}
		if directive {
			s.pos, i = s.end, 0
		}
		if !s.fill() {
			return s.pos, errXML
		}
	}
}

// scanCDATA hands over a CDATA section's text, whole.
func (s *xmlScanner) scanCDATA() (xmlKind, error) {
	const open = len("<![CDATA[")
	off := open
	for {
		if i := bytes.Index(s.buf[s.pos+off:s.end], []byte("]]>")); i >= 0 {
			raw := s.buf[s.pos+open : s.pos+off+i]
			s.pos += off + i + 3
			s.kind = xmlText
			if bytes.IndexByte(raw, '\r') < 0 {
				s.text = raw
			} else {
				s.dec = appendNewlines(s.dec[:0], raw)
				s.text = s.dec
			}
			return xmlText, nil
		}
		off = max(open, s.end-s.pos-2)
		if !s.fill() {
			return xmlEOF, errXML
		}
	}
}

// attr returns the decoded value of the start tag's attribute whose
// local name is local; the value is valid until the next call of attr or
// next.
func (s *xmlScanner) attr(local string) ([]byte, bool) {
	v, ok := rawAttr(s.attrs, local)
	if !ok || bytes.IndexByte(v, '&') < 0 {
		return v, ok
	}
	s.adec = appendXMLText(s.adec[:0], v)
	return s.adec, true
}

// rawAttr finds an attribute by local name in a tag's raw attributes.
func rawAttr(a []byte, local string) ([]byte, bool) {
	for i := 0; ; {
		name, v, next, ok := nextAttr(a, i)
		if !ok {
			return nil, false
		}
		if string(localName(name)) == local {
			return v, true
		}
		i = next
	}
}

// nextAttr reads the attribute at a[i:]: its name, raw value and where
// the next one starts.
func nextAttr(a []byte, i int) (name, v []byte, next int, ok bool) {
	for i < len(a) && isXMLSpace(a[i]) {
		i++
	}
	start := i
	for i < len(a) && a[i] != '=' && !isXMLSpace(a[i]) {
		i++
	}
	name = a[start:i]
	for i < len(a) && (isXMLSpace(a[i]) || a[i] == '=') {
		i++
	}
	if i >= len(a) || a[i] != '"' && a[i] != '\'' {
		return nil, nil, 0, false
	}
	j := bytes.IndexByte(a[i+1:], a[i])
	if j < 0 {
		return nil, nil, 0, false
	}
	return name, a[i+1 : i+1+j], i + j + 2, true
}

// localName drops a name's prefix: what precedes its first colon, when
// both sides are non-empty (as encoding/xml does).
func localName(n []byte) []byte {
	if i := bytes.IndexByte(n, ':'); i >= 1 && i < len(n)-1 {
		return n[i+1:]
	}
	return n
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// appendXMLText appends raw text with its entities and character
// references expanded and its line ends normalised. An unknown entity is
// kept as written.
func appendXMLText(dst, raw []byte) []byte {
	for len(raw) > 0 {
		i := bytes.IndexAny(raw, "&\r")
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if raw[0] == '\r' {
			dst = append(dst, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		semi := bytes.IndexByte(raw[:min(len(raw), 12)], ';')
		if semi < 0 {
			dst = append(dst, '&')
			raw = raw[1:]
			continue
		}
		ent := raw[1:semi]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				dst = append(dst, raw[:semi+1]...)
				raw = raw[semi+1:]
				continue
			}
			dst = utf8.AppendRune(dst, r)
		}
		raw = raw[semi+1:]
	}
	return dst
}

// charRef reads "#65" or "#x41"; a code point XML forbids becomes U+FFFD.
func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	base, digits := 10, ent[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*rune(base) + d
		if r > utf8.MaxRune {
			return utf8.RuneError, true
		}
	}
	if r == 0 || !utf8.ValidRune(r) {
		return utf8.RuneError, true
	}
	return r, true
}

func appendNewlines(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\r' {
			dst = append(dst, raw[i])
			continue
		}
		dst = append(dst, '\n')
		if i+1 < len(raw) && raw[i+1] == '\n' {
			i++
		}
	}
	return dst
}
