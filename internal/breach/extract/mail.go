package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"path"
	"strconv"
	"strings"
)

// E-mail (RFC 5322 and MIME): a message's header fields are read as
// lines (their encoded words decoded), a plain text body in the file's
// own lines; a body in base64 or quoted-printable, each part of a
// multipart body and each attachment is read as a document of its own,
// named after its file name or its place ("1.2"), so that a CSV, a
// workbook or an archive sent as an attachment is read as one. An mbox
// holds messages one after another, each after a "From " line.

// maxHeaderLines bounds the header block of a message: past it, the rest
// is read as body.
const maxHeaderLines = 10000

// mailField is a header field, unfolded, and the line it starts on.
type mailField struct {
	n     int
	name  string
	value []byte
}

// readMail reads one message from br; d is its document.
func (e *Extractor) readMail(ctx context.Context, br *bufio.Reader, d Doc, src *source, h Handler) error {
	fields, n, err := readHeader(br, e.o.MaxLine)
	var started errBodyStarted
	if errors.As(err, &started) {
		// A line that is not a header ended the header: it is the body's.
		out, rec := ensureUTF8(started.line, new([]byte))
		d.Line(&Line{N: n, Text: out, Recoded: rec})
		n++
	} else if err != nil {
		return err
	}
	hdr := textproto.MIMEHeader{}
	dec := mime.WordDecoder{CharsetReader: charsetReader}
	var text []byte
	for _, f := range fields {
		hdr.Add(f.name, string(f.value))
		if structural(f.name) {
			continue
		}
		text = append(text[:0], f.name...)
		text = append(text, ": "...)
		v := string(f.value)
		if dv, err := dec.DecodeHeader(v); err == nil {
			v = dv
		}
		text = append(text, v...)
		out, rec := ensureUTF8(text, new([]byte))
		d.Line(&Line{N: f.n, Off: 0, Text: out, Recoded: rec})
	}
	return e.mailBody(ctx, br, hdr, n, d, src, h, "")
}

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

// readHeader reads header fields up to the blank line that ends them. It
// returns the number of the first line of the body.
func readHeader(br *bufio.Reader, maxLine int) ([]mailField, int, error) {
	var fields []mailField
	n := 1
	for ; n <= maxHeaderLines; n++ {
		line, err := readMailLine(br, maxLine)
		if len(line) == 0 {
			if err != nil && err != io.EOF {
				return fields, n, err
			}
			return fields, n + 1, nil // the blank line, or the end
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			f := &fields[len(fields)-1]
			if len(f.value) < maxLine {
				f.value = append(append(f.value, ' '), bytes.TrimSpace(line)...)
			}
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			if n == 1 && bytes.HasPrefix(line, []byte("From ")) {
				continue // an mbox's separator line
			}
			// Not a header: the body starts here, without a blank line.
			return fields, n, errBodyStarted{line}
		}
		fields = append(fields, mailField{n: n, name: textproto.CanonicalMIMEHeaderKey(string(name)), value: bytes.TrimSpace(value)})
		if err != nil {
			return fields, n + 1, nil
		}
	}
	return fields, n, nil
}

// errBodyStarted carries a line that ended the header without a blank
// line before it.
type errBodyStarted struct{ line []byte }

func (errBodyStarted) Error() string { return "a message body without a blank line before it" }

// readMailLine reads a line without its ending; a longer line than max
// is cut (the rest dropped).
func readMailLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) <= max+2 {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		line = bytes.TrimRight(line, "\r\n")
		return line, err
	}
}

// mailBody reads the body of a message or of a part whose header is hdr.
// A plain text body in the message's own lines goes on in d from line n;
// any other is a document of its own, named in the parent by name.
func (e *Extractor) mailBody(ctx context.Context, br *bufio.Reader, hdr textproto.MIMEHeader, n int, d Doc, src *source, h Handler, place string) error {
	ct, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || ct == "" {
		ct, params = "text/plain", map[string]string{}
	}
	cte := strings.ToLower(strings.TrimSpace(hdr.Get("Content-Transfer-Encoding")))
	if strings.HasPrefix(ct, "multipart/") && params["boundary"] != "" {
		return e.mailParts(ctx, multipart.NewReader(br, params["boundary"]), d, src, h, place)
	}
	if d != nil && ct == "text/plain" && (cte == "" || cte == "7bit" || cte == "8bit" || cte == "binary") {
		lr := newLineReader(br, e.o.MaxLine)
		lr.n = n
		return readLines(ctx, lr, d)
	}
	// A document of its own: the decoded body, named by its file name or
	// its place and type.
	name := partName(hdr, ct, place)
	var r io.Reader = br
	switch cte {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &base64Lines{r: br})
	case "quoted-printable":
		r = quotedprintable.NewReader(br)
	}
	return e.read(ctx, member(src, name, r, -1, src.counted), h)
}

// mailParts reads each part of a multipart body.
func (e *Extractor) mailParts(ctx context.Context, mr *multipart.Reader, d Doc, src *source, h Handler, place string) error {
	for i := 1; ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		// NextRawPart: the part's quoted-printable is decoded here, as
		// its base64 is.
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: MIME part %s: the message ends before the boundary that closes its parts", ErrSyntax, joinPlace(place, i))
		}
		if err != nil {
			return fmt.Errorf("%w: MIME part %s: %v", ErrSyntax, joinPlace(place, i), err)
		}
		sub := joinPlace(place, i)
		if err := e.mailBody(ctx, bufio.NewReader(p), p.Header, 1, nil, src, h, sub); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrLimit) {
				return err
			}
			d := h.Begin(src.display+"!/"+partName(p.Header, "", sub), FormatText)
			d.Problem(Problem{Path: src.display, Offset: -1, Err: err})
			d.End(0)
		}
	}
}

func joinPlace(place string, i int) string {
	if place == "" {
		return strconv.Itoa(i)
	}
	return place + "." + strconv.Itoa(i)
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

// base64Lines drops what base64 cannot hold (spaces, a stray character)
// so that one bad line does not stop the decoding of an attachment.
type base64Lines struct{ r io.Reader }

func (b *base64Lines) Read(p []byte) (int, error) {
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

// email reads a message met among the inputs.
func (e *Extractor) email(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatEmail)
	cr := &countReader{r: br}
	if e.tooDeep(d, src) {
		io.Copy(io.Discard, cr)
		d.End(cr.n)
		return nil
	}
	err := e.readMail(ctx, bufio.NewReaderSize(cr, 64<<10), d, src, h)
	return e.endDoc(d, src, cr.n, err)
}

// looksLikeMessage tells a message by its first lines: header fields up
// to a blank line, among them From and one that every sent message has.
func looksLikeMessage(head []byte) bool {
	fields, from, sent := 0, false, false
	for i, line := range bytes.SplitN(head, []byte("\n"), 200) {
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

// mbox reads the messages of an mbox, each a document named by its rank.
func (e *Extractor) mbox(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatMbox)
	cr := &countReader{r: br}
	if e.tooDeep(d, src) {
		io.Copy(io.Discard, cr)
		d.End(cr.n)
		return nil
	}
	in := bufio.NewReaderSize(cr, 64<<10)
	for k := 1; ; k++ {
		if err := ctx.Err(); err != nil {
			d.End(cr.n)
			return err
		}
		m := &mboxMessage{br: in, max: e.o.MaxLine}
		if !m.start() {
			break
		}
		err := e.read(ctx, member(src, strconv.Itoa(k)+".eml", m, -1, src.counted), h)
		io.Copy(io.Discard, m) // what a reader left of the message
		if err != nil {
			d.End(cr.n)
			return err
		}
	}
	return e.endDoc(d, src, cr.n, nil)
}

// mboxMessage reads one message of an mbox: its lines up to the next
// "From " line that follows a blank line.
type mboxMessage struct {
	br      *bufio.Reader
	max     int
	pending []byte // the rest of a line being handed out
	blank   bool   // the previous line was blank
	done    bool
}

// start passes the "From " line that opens the message (the first one
// may lack it); false at the end of the mbox.
func (m *mboxMessage) start() bool {
	line, err := m.br.Peek(5)
	if len(line) == 0 && err != nil {
		return false
	}
	if string(line) == "From " {
		readMailLine(m.br, m.max)
	}
	return true
}

func (m *mboxMessage) Read(p []byte) (int, error) {
	for len(m.pending) == 0 {
		if m.done {
			return 0, io.EOF
		}
		if m.blank {
			if head, _ := m.br.Peek(5); string(head) == "From " {
				m.done = true
				return 0, io.EOF
			}
		}
		line, err := m.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			m.pending = append(m.pending[:0], line...)
			m.blank = false
			break
		}
		if len(line) == 0 && err != nil {
			m.done = true
			return 0, io.EOF
		}
		m.blank = len(bytes.TrimRight(line, "\r\n")) == 0
		m.pending = append(m.pending[:0], line...)
		if err != nil {
			m.done = true
		}
	}
	n := copy(p, m.pending)
	m.pending = m.pending[n:]
	return n, nil
}
