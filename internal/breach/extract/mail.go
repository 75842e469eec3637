package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"path"
	"strconv"
	"strings"
)

// E-mail (RFC 5322 and MIME), read line by line so that what is found
// keeps the line of the file it is on: a message's header fields (their
// encoded words decoded), its text in plain or quoted-printable, and the
// messages forwarded inside it, are lines of the message's document. Any
// other part (an attachment, a body in base64, HTML without a plain
// alternative) is a document of its own, named by its file name or its
// place ("mixed.eml!/2 export.csv", "mixed.eml!/1.2.html") and read by
// its format: a CSV, a workbook or an archive sent as an attachment is
// read as one. An mbox is one document whose messages follow one
// another, each after a "From " line; their parts are named after the
// message's rank ("boite.mbox!/12/2 liste.csv").

// maxHeaderLines bounds a header block: past it, the rest is body.
const maxHeaderLines = 10000

// mailReadBuf is how many bytes the reader of a message reads at a time:
// a line longer is read in pieces once it reaches MaxLine (the mbox
// splitter must know it, to cut where the reader starts a message).
const mailReadBuf = 16 << 10

// maxMailPieces bounds the pieces of one header field kept (folded lines
// and lines longer than MaxLine).
const maxMailPieces = 64

// email reads a message met among the inputs.
func (e *Extractor) email(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	return e.mailDoc(ctx, src, br, h, FormatEmail)
}

// mbox reads an mbox: its messages are lines of one document.
func (e *Extractor) mbox(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	return e.mailDoc(ctx, src, br, h, FormatMbox)
}

func (e *Extractor) mailDoc(ctx context.Context, src *source, br *bufio.Reader, h Handler, f Format) error {
	d := h.Begin(src.display, f)
	cr := &countReader{r: br}
	if e.tooDeep(d, src) {
		io.Copy(io.Discard, cr)
		d.End(cr.n)
		return nil
	}
	m := &mailScan{e: e, ctx: ctx, r: bufio.NewReaderSize(cr, mailReadBuf), max: e.o.MaxLine, d: d, src: src, h: h, mbox: f == FormatMbox}
	err := m.run()
	return e.endDoc(d, src, cr.n, err)
}

// mailScan reads the messages of one file.
type mailScan struct {
	e    *Extractor
	ctx  context.Context
	r    *bufio.Reader
	max  int
	d    Doc
	src  *source
	h    Handler
	mbox bool

	first     int    // the rank of the first message (0: 1)
	n         int    // the number of the line last read
	piece     []byte // the piece of it last read
	off       int    // the offset of piece in its line
	whole     bool   // piece is a whole line
	prevBlank bool   // the line before piece's was blank
	held      bool   // piece is read but not yet used
	eof       bool
	err       error
	buf       []byte
	scratch   []byte
	text      []byte // a header field's line, a quoted-printable line
	line      Line
	cut       bool     // the message's end before its closing boundary is reported
	bounds    []string // the boundaries of the multiparts being read, innermost last
	prefix    string   // a message's rank in an mbox ("12/"), for its parts' names
	nesting   int      // messages inside messages
	// The header field being read: its canonical name, its value with
	// its continuation lines, its first line and how many pieces.
	fieldName   []byte
	fieldValue  []byte
	fieldFirst  int
	fieldPieces int
	words       mime.WordDecoder // encoded words (=?UTF-8?Q?…?=) of a field
}

// stop is what ended a body: the boundary (an index in bounds, final
// when it closes its multipart) or the end of the input (or, in an
// mbox, of the message).
type stop struct {
	bound int
	final bool
}

var stopEnd = stop{bound: -1}

// next reads the next piece of a line: a whole line without its ending
// or, for a line longer than max, a piece of it. It returns false at the
// end.
func (m *mailScan) next() bool {
	if m.held {
		m.held = false
		return true
	}
	if m.eof {
		return false
	}
	if m.n&1023 == 0 && m.ctx.Err() != nil {
		m.err, m.eof = m.ctx.Err(), true
		return false
	}
	if m.whole || m.n == 0 {
		m.prevBlank = m.n == 0 || len(m.piece) == 0
		m.n++
		m.off = 0
	} else {
		m.off += len(m.piece)
	}
	m.buf = m.buf[:0]
	for {
		chunk, err := m.r.ReadSlice('\n')
		m.buf = append(m.buf, chunk...)
		if err == bufio.ErrBufferFull {
			if len(m.buf) >= m.max {
				m.piece, m.whole = m.buf, false
				return true
			}
			continue
		}
		if err != nil {
			m.eof = true
			if err != io.EOF {
				m.err = err
			}
			if len(m.buf) == 0 {
				return false
			}
		}
		m.piece = bytes.TrimRight(m.buf, "\r\n")
		m.whole = true
		return true
	}
}

// unread keeps the piece for the next call of next.
func (m *mailScan) unread() { m.held = true }

// boundary tells whether the piece is a boundary line of a multipart
// being read, or in an mbox the "From " line of the next message.
func (m *mailScan) boundary() (stop, bool) {
	p := m.piece
	if !m.whole || m.off != 0 {
		return stop{}, false
	}
	if m.mbox && m.prevBlank && bytes.HasPrefix(p, []byte("From ")) {
		m.unread() // it opens the next message
		return stopEnd, true
	}
	if len(p) < 3 || p[0] != '-' || p[1] != '-' {
		return stop{}, false
	}
	for i := len(m.bounds) - 1; i >= 0; i-- {
		b := m.bounds[i]
		if bytes.HasPrefix(p[2:], []byte(b)) {
			rest := bytes.TrimRight(p[2+len(b):], " \t")
			switch string(rest) {
			case "":
				return stop{bound: i}, true
			case "--":
				return stop{bound: i, final: true}, true
			}
		}
	}
	return stop{}, false
}

// skip passes lines up to a boundary.
func (m *mailScan) skip() stop {
	for m.next() {
		if s, ok := m.boundary(); ok {
			return s
		}
	}
	return stopEnd
}

// ReadMboxChunk reads a chunk of an mbox cut by NewMboxSplitter: its
// lines numbered from line, its messages ranked from message, into d;
// attachments go to h as documents of their own, under display. What
// they expand to is bounded as a file's is, for each chunk.
func (e *Extractor) ReadMboxChunk(ctx context.Context, r io.Reader, line, message int, display string, d Doc, h Handler) error {
	src := &source{display: display, name: display, r: r, size: -1, b: &budget{left: e.o.MaxArchiveBytes, limit: e.o.MaxArchiveBytes}}
	// As if the line before line were read, and blank (the chunk starts
	// after one, or is the file's start).
	m := &mailScan{e: e, ctx: ctx, r: bufio.NewReaderSize(r, mailReadBuf), max: e.o.MaxLine, d: d, src: src, h: h, mbox: true,
		n: line - 1, whole: true, first: message}
	return m.run()
}

// run reads the file's messages (one, or an mbox's).
func (m *mailScan) run() error {
	for k := max(m.first, 1); ; k++ {
		if !m.next() {
			return m.err
		}
		if m.mbox {
			m.prefix = strconv.Itoa(k) + "/"
			if !bytes.HasPrefix(m.piece, []byte("From ")) || !m.whole {
				m.unread() // a first message without its "From " line
			}
		} else {
			m.unread()
		}
		m.cut = false
		m.message("")
		if !m.mbox {
			for m.next() {
			}
			return m.err
		}
		if m.err != nil {
			return m.err
		}
		if m.eof && !m.held {
			return nil
		}
	}
}

// message reads a message from its header: its header fields and text
// are lines of the document. It returns what ended it.
func (m *mailScan) message(place string) stop {
	hdr, s, ended := m.header(true)
	if ended {
		return s
	}
	return m.body(hdr, place)
}

// header reads header fields up to the blank line that ends them, and
// hands those of people (not the structural ones) to the document when
// lines is set. A boundary met first ends the part (ended).
func (m *mailScan) header(lines bool) (textproto.MIMEHeader, stop, bool) {
	// Made when a field the body needs comes: most parts of a message
	// and many messages say nothing of their content.
	var hdr textproto.MIMEHeader
	m.fieldName = m.fieldName[:0]
	for i := 0; i < maxHeaderLines && m.next(); i++ {
		p := m.piece
		if s, ok := m.boundary(); ok {
			hdr = m.flushField(hdr, lines)
			return hdr, s, true
		}
		if m.whole && m.off == 0 && len(p) == 0 {
			hdr = m.flushField(hdr, lines)
			return hdr, stop{}, false
		}
		if m.n == 1 && !m.mbox && bytes.HasPrefix(p, []byte("From ")) {
			continue // a message saved with its mbox separator
		}
		if m.off > 0 || p[0] == ' ' || p[0] == '\t' {
			if len(m.fieldName) > 0 && m.fieldPieces < maxMailPieces {
				m.fieldValue = append(append(m.fieldValue, ' '), bytes.TrimSpace(p)...)
				m.fieldPieces++
			}
			continue
		}
		k, v, ok := bytes.Cut(p, []byte(":"))
		if !ok || len(k) == 0 || bytes.ContainsAny(k, " \t") {
			// Not a header field: the body starts here, without the
			// blank line before it.
			hdr = m.flushField(hdr, lines)
			m.unread()
			return hdr, stop{}, false
		}
		hdr = m.flushField(hdr, lines)
		m.fieldName = appendCanonicalKey(m.fieldName[:0], k)
		m.fieldValue = append(m.fieldValue[:0], bytes.TrimSpace(v)...)
		m.fieldFirst, m.fieldPieces = m.n, 1
	}
	hdr = m.flushField(hdr, lines)
	return hdr, stop{}, false
}

// flushField files the header field read last: into hdr (made if need
// be, and returned) if the body needs it, and as a line of text (its
// encoded words decoded) unless it is structural.
func (m *mailScan) flushField(hdr textproto.MIMEHeader, lines bool) textproto.MIMEHeader {
	name := m.fieldName
	if len(name) == 0 {
		return hdr
	}
	m.fieldName = m.fieldName[:0]
	switch string(name) {
	case "Content-Type", "Content-Transfer-Encoding", "Content-Disposition":
		if hdr == nil {
			hdr = textproto.MIMEHeader{}
		}
		hdr.Add(string(name), string(m.fieldValue)) // what the body needs
	}
	if !lines || structural(string(name)) {
		return hdr
	}
	m.text = append(append(m.text[:0], name...), ": "...)
	value := m.fieldValue
	if bytes.Contains(value, []byte("=?")) {
		if m.words.CharsetReader == nil {
			m.words.CharsetReader = charsetReader
		}
		if dv, err := m.words.DecodeHeader(string(value)); err == nil {
			m.text = append(m.text, dv...)
		} else {
			m.text = append(m.text, value...)
		}
	} else {
		m.text = append(m.text, value...)
	}
	m.emit(m.fieldFirst, 0, m.text)
	return hdr
}

// appendCanonicalKey appends the canonical form of a header field's name,
// as textproto.CanonicalMIMEHeaderKey makes it (content-type →
// Content-Type), without making a string of it: a name of valid bytes
// has each letter after a hyphen or at the start upper-cased, the others
// lower-cased; any other name is kept as it is.
func appendCanonicalKey(dst, k []byte) []byte {
	for _, c := range k {
		if !validHeaderFieldByte(c) {
			return append(dst, k...)
		}
	}
	upper := true
	for _, c := range k {
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst
}

// validHeaderFieldByte reports whether c may be in a header field's name
// (RFC 7230's token: a visible character but "(),/:;<=>?@[\]{}), as
// textproto tells it.
func validHeaderFieldByte(c byte) bool {
	return c < 0x80 && headerTokenBytes[c>>6]>>(c&63)&1 != 0
}

// headerTokenBytes has a bit for each byte of a token, of the two halves
// of ASCII.
var headerTokenBytes = func() (m [2]uint64) {
	for c := byte('!'); c <= '~'; c++ {
		if !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", rune(c)) {
			m[c>>6] |= 1 << (c & 63)
		}
	}
	return m
}()

// structural tells the header fields that hold no one's data but look
// like it: a Message-ID is shaped as an e-mail address.
func structural(name string) bool {
	switch name {
	case "Message-Id", "In-Reply-To", "References", "Resent-Message-Id",
		"Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-Id",
		"Mime-Version", "Dkim-Signature", "Arc-Seal", "Arc-Message-Signature",
		"Arc-Authentication-Results", "Authentication-Results", "Thread-Index":
		return true
	}
	return false
}

// body reads the body of a message or a part whose header is hdr, up to
// the boundary (or end) that closes it.
func (m *mailScan) body(hdr textproto.MIMEHeader, place string) stop {
	ct, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || ct == "" {
		ct, params = "text/plain", nil
	}
	cte := strings.ToLower(strings.TrimSpace(hdr.Get("Content-Transfer-Encoding")))
	identity := cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary"
	switch {
	case strings.HasPrefix(ct, "multipart/") && params["boundary"] != "" && len(m.bounds) < 32:
		return m.multipart(params["boundary"], ct == "multipart/alternative", place)
	case ct == "message/rfc822" && identity:
		if m.nesting >= m.e.o.MaxDepth {
			m.d.Problem(Problem{Path: m.src.display, Line: m.n, Offset: -1, Skipped: true,
				Err: fmt.Errorf("%w: messages inside messages, more than %d levels; not opened", ErrDepth, m.e.o.MaxDepth)})
			return m.skip()
		}
		m.nesting++
		defer func() { m.nesting-- }()
		return m.message(place)
	case ct == "text/plain" && identity:
		return m.textLines(false)
	case ct == "text/plain" && cte == "quoted-printable":
		return m.textLines(true)
	}
	return m.attachment(hdr, ct, cte, place)
}

// textLines hands the body's lines to the document, decoding quoted-
// printable (a line cut by soft breaks is the line where it starts).
func (m *mailScan) textLines(qp bool) stop {
	line := m.text[:0]
	defer func() { m.text = line[:0] }()
	start := 0
	for m.next() {
		if s, ok := m.boundary(); ok {
			if len(line) > 0 {
				m.emit(start, 0, line)
			}
			return s
		}
		if !qp {
			m.emit(m.n, m.off, m.piece)
			continue
		}
		if len(line) == 0 {
			start = m.n
		}
		p := m.piece
		soft := m.whole && len(p) > 0 && p[len(p)-1] == '='
		if soft {
			p = p[:len(p)-1]
		}
		line = appendQP(line, p)
		if (!soft && m.whole) || len(line) >= m.max {
			m.emit(start, 0, line)
			line = line[:0]
		}
	}
	if len(line) > 0 {
		m.emit(start, 0, line)
	}
	return stopEnd
}

func (m *mailScan) emit(n, off int, text []byte) {
	out, rec := ensureUTF8(text, &m.scratch)
	m.line = Line{N: n, Off: off, Text: out, Recoded: rec}
	m.d.Line(&m.line)
}

// appendQP decodes quoted-printable "=XX"; a '=' not followed by two hex
// digits is kept as it is.
func appendQP(dst, p []byte) []byte {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '=' && i+2 < len(p) {
			if hi, lo := unhex(p[i+1]), unhex(p[i+2]); hi >= 0 && lo >= 0 {
				dst = append(dst, byte(hi<<4|lo))
				i += 2
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// multipart reads the parts of a multipart body. Of alternatives (the
// same text as plain text and HTML) only the first is read, so that
// nothing is counted twice.
func (m *mailScan) multipart(boundary string, alternative bool, place string) stop {
	m.bounds = append(m.bounds, boundary)
	k := len(m.bounds) - 1
	defer func() { m.bounds = m.bounds[:k] }()
	s := m.skip() // the preamble
	sub := place
	for i := 1; s.bound == k && !s.final; i++ {
		sub = strconv.Itoa(i)
		if place != "" {
			sub = place + "." + sub
		}
		hdr, st, ended := m.header(false)
		switch {
		case ended:
			s = st
		case alternative && i > 1:
			s = m.skip()
		default:
			s = m.body(hdr, sub)
		}
	}
	if s.bound == k && s.final {
		return m.skip() // the epilogue
	}
	if s.bound == -1 && !m.cut {
		m.cut = true
		what := "the message"
		if m.mbox {
			what = "message " + strings.TrimSuffix(m.prefix, "/")
		}
		m.d.Problem(Problem{Path: m.src.display, Line: m.n, Offset: -1,
			Err: fmt.Errorf("%w: %s ends in its MIME part %s, before the boundary that closes it", ErrSyntax, what, sub)})
	}
	return s
}

// attachment reads a part as a document of its own, decoded.
func (m *mailScan) attachment(hdr textproto.MIMEHeader, ct, cte, place string) stop {
	pr := &partReader{m: m}
	var r io.Reader = pr
	switch cte {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &base64Text{r: pr})
	case "quoted-printable":
		r = &qpReader{r: pr}
	}
	err := m.e.smallMember(m.ctx, m.src, m.prefix+partName(hdr, ct, place), r, m.h)
	if err != nil && m.err == nil {
		m.err = err
	}
	pr.pending = pr.pending[:0]
	pr.Read(nil) // what the reader left of the part
	return pr.stop
}

// partReader hands over a part's lines, with their endings, up to the
// boundary that ends it.
type partReader struct {
	m       *mailScan
	pending []byte
	done    bool
	stop    stop
}

func (p *partReader) Read(b []byte) (int, error) {
	for len(p.pending) == 0 {
		if p.done {
			return 0, io.EOF
		}
		m := p.m
		if !m.next() {
			p.done, p.stop = true, stopEnd
			return 0, io.EOF
		}
		if s, ok := m.boundary(); ok {
			p.done, p.stop = true, s
			return 0, io.EOF
		}
		p.pending = append(p.pending[:0], m.piece...)
		if m.whole {
			p.pending = append(p.pending, '\n')
		}
		if len(b) == 0 {
			p.pending = p.pending[:0] // draining
		}
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

// qpReader decodes quoted-printable line by line, leniently.
type qpReader struct {
	r       io.Reader
	br      *bufio.Reader
	pending []byte
}

func (q *qpReader) Read(b []byte) (int, error) {
	if q.br == nil {
		q.br = bufio.NewReaderSize(q.r, 4096)
	}
	for len(q.pending) == 0 {
		line, err := q.br.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			if err == bufio.ErrBufferFull {
				continue
			}
			return 0, err
		}
		text := bytes.TrimRight(line, "\r\n")
		ended := len(text) < len(line)
		if ended && len(text) > 0 && text[len(text)-1] == '=' {
			q.pending = appendQP(q.pending[:0], text[:len(text)-1])
		} else {
			q.pending = appendQP(q.pending[:0], text)
			if ended {
				q.pending = append(q.pending, '\n')
			}
		}
		if len(q.pending) == 0 && err != nil && err != bufio.ErrBufferFull {
			return 0, err
		}
	}
	n := copy(b, q.pending)
	q.pending = q.pending[n:]
	return n, nil
}

// partName names a part: its file name, or its place with the extension
// of its type ("1.2.html"), so that its format is told as a file's is.
func partName(hdr textproto.MIMEHeader, ct, place string) string {
	dec := mime.WordDecoder{CharsetReader: charsetReader}
	for _, h := range []struct{ field, param string }{{"Content-Disposition", "filename"}, {"Content-Type", "name"}} {
		if _, params, err := mime.ParseMediaType(hdr.Get(h.field)); err == nil && params[h.param] != "" {
			name := params[h.param]
			if dn, err := dec.DecodeHeader(name); err == nil {
				name = dn
			}
			name = path.Base(strings.ReplaceAll(name, "\\", "/"))
			name = strings.Map(func(r rune) rune {
				if r < ' ' || r == 0x7F {
					return '_' // a line break in a name would cut a report's line
				}
				return r
			}, name)
			if name != "." && name != "/" && name != ".." {
				if place == "" {
					return name
				}
				return place + " " + name
			}
		}
	}
	if place == "" {
		place = "body"
	}
	switch ct {
	case "text/plain":
		return place + ".txt"
	case "text/html":
		return place + ".html"
	case "text/csv":
		return place + ".csv"
	case "message/rfc822":
		return place + ".eml"
	case "application/json":
		return place + ".json"
	}
	return place
}

// base64Text drops what base64 cannot hold (spaces, a stray character)
// so that one bad line does not stop the decoding of an attachment.
type base64Text struct{ r io.Reader }

func (b *base64Text) Read(p []byte) (int, error) {
	for {
		n, err := b.r.Read(p)
		k := 0
		for _, c := range p[:n] {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
				p[k] = c
				k++
			}
		}
		if k > 0 || err != nil {
			return k, err
		}
	}
}

// charsetReader decodes the charsets of encoded words other than UTF-8:
// Latin-1 and Windows-1252 (what French mail is in) as Windows-1252; the
// rest are left as they are, which the detectors read as Windows-1252.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(charset) {
	case "us-ascii", "utf8":
		return bytes.NewReader(b), nil
	}
	return bytes.NewReader(recode(nil, b)), nil
}

// looksLikeMessage tells a message by its first lines: header fields up
// to a blank line, among them From and one that every sent message has.
func looksLikeMessage(head []byte) bool {
	fields, from, sent := 0, false, false
	for i := 0; i < 200 && len(head) > 0; i++ {
		var line []byte
		line, head, _ = bytes.Cut(head, []byte{'\n'})
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return fields >= 2 && from && sent
		}
		if line[0] == ' ' || line[0] == '\t' {
			if fields == 0 {
				return false
			}
			continue
		}
		if i == 0 && bytes.HasPrefix(line, []byte("From ")) {
			continue // an mbox's first line
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || len(name) > 76 || bytes.ContainsAny(name, " \t") {
			return false
		}
		fields++
		switch strings.ToLower(string(name)) {
		case "from":
			from = true
		case "date", "message-id", "received", "mime-version", "return-path", "delivered-to":
			sent = true
		}
	}
	return false
}
