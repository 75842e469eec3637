package extract

import (
	"bufio"
	"bytes"
	"context"
	"html"
	"io"
	"strings"
)

// HTML (web pages, mail in HTML, the "Excel" exports of business
// applications that are HTML tables): the text as a browser lays it out,
// a line for each block (paragraph, heading, list item, table row), a
// table's cells apart, white space collapsed, character references
// decoded. Markup, comments, scripts and styles are left out; a form's
// field values are read. The file's own line breaks mean nothing in
// HTML: a value the source wraps is whole again.

// maxHTMLTag bounds a tag held whole.
const maxHTMLTag = 64 << 10

// htmlBlock tells the elements that start and end a line.
func htmlBlock(name string) bool {
	switch name {
	case "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "table",
		"section", "article", "header", "footer", "blockquote", "pre", "title", "dt", "dd", "hr",
		"form", "fieldset", "legend", "option", "body", "head", "html", "address", "caption",
		"figcaption", "nav", "main", "aside", "tbody", "thead", "tfoot", "dl", "center":
		return true
	}
	return false
}

// readHTML reads an HTML document into d.
func readHTML(ctx context.Context, r io.Reader, d Doc, o Options) error {
	br := bufio.NewReaderSize(r, 64<<10)
	h := htmlText{d: d, max: o.MaxLine}
	var tag []byte
	for count := 0; ; count++ {
		if count&65535 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		c, err := br.ReadByte()
		if err == io.EOF {
			h.flush()
			return nil
		}
		if err != nil {
			return err
		}
		if c != '<' {
			h.char(c)
			continue
		}
		// Markup: a comment, a declaration, or a tag.
		if p, _ := br.Peek(3); bytes.HasPrefix(p, []byte("!--")) {
			br.Discard(3)
			if err := skipPast(br, []byte("-->"), false); err != nil {
				h.flush()
				return nil
			}
			continue
		}
		tag = tag[:0]
		var quote byte
		for {
			c, err = br.ReadByte()
			if err != nil {
				h.flush()
				return nil
			}
			if quote != 0 {
				if c == quote {
					quote = 0
				}
			} else if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				break
			}
			if len(tag) < maxHTMLTag {
				tag = append(tag, c)
			}
		}
		name, closing := tagName(tag)
		switch {
		case name == "script" || name == "style":
			if !closing && !bytes.HasSuffix(tag, []byte("/")) {
				if err := skipPast(br, []byte("</"+name), true); err != nil {
					h.flush()
					return nil
				}
				skipPast(br, []byte(">"), false)
			}
		case (name == "td" || name == "th") && !closing:
			h.cell()
		case name == "pre":
			h.flush()
			if closing {
				h.pre = max(h.pre-1, 0)
			} else {
				h.pre++
			}
		case htmlBlock(name):
			h.flush()
		case !closing && (name == "input" || name == "option" || name == "button"):
			if v, ok := tagAttr(tag, "value"); ok {
				h.space()
				h.add(html.UnescapeString(v))
				h.space()
			}
		}
	}
}

// tagName reads a tag's name, lower-cased, and whether it closes.
func tagName(tag []byte) (string, bool) {
	closing := len(tag) > 0 && tag[0] == '/'
	if closing {
		tag = tag[1:]
	}
	n := 0
	for n < len(tag) && (isLetter(tag[n]) || tag[n] >= '0' && tag[n] <= '9' || tag[n] == ':' || tag[n] == '-') {
		n++
	}
	return strings.ToLower(string(tag[:n])), closing
}

// tagAttr returns an attribute's raw value.
func tagAttr(tag []byte, name string) (string, bool) {
	lower := bytes.ToLower(tag)
	for from := 0; ; {
		k := bytes.Index(lower[from:], []byte(name))
		if k < 0 {
			return "", false
		}
		k += from
		from = k + len(name)
		if k == 0 || !isPDFSpace(lower[k-1]) {
			continue
		}
		i := from
		for i < len(tag) && isPDFSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			continue
		}
		i++
		for i < len(tag) && isPDFSpace(tag[i]) {
			i++
		}
		if i < len(tag) && (tag[i] == '"' || tag[i] == '\'') {
			q := tag[i]
			e := bytes.IndexByte(tag[i+1:], q)
			if e < 0 {
				return string(tag[i+1:]), true
			}
			return string(tag[i+1 : i+1+e]), true
		}
		e := i
		for e < len(tag) && !isPDFSpace(tag[e]) && tag[e] != '/' {
			e++
		}
		return string(tag[i:e]), true
	}
}

// skipPast reads up to and past the first occurrence of end; with fold,
// letters match in any case (</SCRIPT), end being lower-case.
func skipPast(br *bufio.Reader, end []byte, fold bool) error {
	matched := 0
	for {
		c, err := br.ReadByte()
		if err != nil {
			return err
		}
		if fold && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == end[matched] {
			if matched++; matched == len(end) {
				return nil
			}
			continue
		}
		if matched == 0 {
			continue
		}
		// The longest end of what matched, and c, that starts end
		// again ("--->" ends a comment too).
		seen := append(append([]byte{}, end[:matched]...), c)
		matched = 0
		for k := len(seen) - 1; k > 0; k-- {
			if bytes.HasPrefix(end, seen[len(seen)-k:]) {
				matched = k
				break
			}
		}
	}
}

// htmlText lays text out in lines.
type htmlText struct {
	d       Doc
	max     int
	n       int
	raw     []byte // the line's text, references not yet decoded
	white   bool   // white space seen since the last character
	pre     int    // inside <pre>: line breaks are lines
	scratch []byte
	l       Line
}

func (h *htmlText) char(c byte) {
	if c == '\n' && h.pre > 0 {
		h.flush()
		return
	}
	if c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' {
		h.white = len(h.raw) > 0
		return
	}
	if h.white {
		h.raw = append(h.raw, ' ')
		h.white = false
	}
	if len(h.raw) < h.max {
		h.raw = append(h.raw, c)
	}
}

func (h *htmlText) add(s string) {
	for i := 0; i < len(s); i++ {
		h.char(s[i])
	}
}

func (h *htmlText) space() { h.white = len(h.raw) > 0 }

// cell starts a table cell: a tab apart from the one before.
func (h *htmlText) cell() {
	if len(h.raw) > 0 {
		h.raw = append(h.raw, '\t')
	}
	h.white = false
}

func (h *htmlText) flush() {
	if len(bytes.TrimSpace(h.raw)) > 0 {
		h.n++
		text := h.raw
		if bytes.IndexByte(text, '&') >= 0 {
			// &nbsp; is a space to the detectors (06&nbsp;12&nbsp;34…).
			text = []byte(strings.ReplaceAll(html.UnescapeString(string(text)), "\u00a0", " "))
		}
		out, rec := ensureUTF8(text, &h.scratch)
		if len(out) > h.max {
			out = out[:utf8Cut(out, h.max)] // recoded from Windows-1252, it grew
		}
		h.l = Line{N: h.n, Text: out, Recoded: rec}
		h.d.Line(&h.l)
	}
	h.raw = h.raw[:0]
	h.white = false
}

// htmlSource reads an HTML document met among the inputs.
func (e *Extractor) htmlSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatHTML)
	cr := &countReader{r: br}
	r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
	return e.endDoc(d, src, cr.n, readHTML(ctx, r, d, e.o))
}

// looksLikeHTML tells an HTML document by its first markup.
func looksLikeHTML(head []byte) bool {
	t := bytes.ToLower(head[:min(len(head), 512)])
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<table", "<meta"} {
		if bytes.HasPrefix(t, []byte(p)) {
			return true
		}
	}
	return false
}
