package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
	"unicode/utf16"
	"unicode/utf8"
)

// PDF text ([ISO 32000-1] §9): each page's content streams are played,
// the strings its text operators show decoded through their font (its
// ToUnicode map, else its encoding) and laid out in rows: a new row
// where the baseline moves by more than half the font's size, a space
// where the pen jumps forward by more than a fifth of it (the widths of
// the glyphs say where each string ends). Rows the page wrapped are
// joined into their paragraph, a line each, counted from the first page. A page that draws no text (a scan) needs OCR: the document
// says so. An encrypted PDF is read when its user password is empty
// (pdfcrypt.go).

// maxPDFFile bounds the PDF held in memory.
const maxPDFFile = 512 << 20

// pdfSource reads a PDF met among the inputs.
func (e *Extractor) pdfSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatPDF)
	cr := &countReader{r: br}
	b, err := io.ReadAll(io.LimitReader(cr, maxPDFFile+1))
	if err != nil {
		return e.endDoc(d, src, cr.n, err)
	}
	if len(b) > maxPDFFile {
		io.Copy(io.Discard, cr)
		return e.endDoc(d, src, cr.n, fmt.Errorf("%w: a PDF of more than %d bytes is not read", ErrLimit, maxPDFFile))
	}
	return e.endDoc(d, src, cr.n, readPDF(ctx, b, d, src.display, e.o))
}

// readPDF reads the text of every page into d.
func readPDF(ctx context.Context, b []byte, d Doc, display string, o Options) error {
	doc, err := loadPDF(b, o.Passwords)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrEncrypted, err)
	}
	pages := doc.pages()
	if len(pages) == 0 {
		return fmt.Errorf("%w: no page of this PDF can be found (a file cut short?)", ErrSyntax)
	}
	t := &pdfText{doc: doc, d: d, max: o.MaxLine, fonts: map[any]*pdfFont{}}
	empty := 0
	for i, p := range pages {
		if err := ctx.Err(); err != nil {
			return err
		}
		lines := t.n
		t.drawn = false
		t.page(p, 0)
		t.flush()
		t.emitPage()
		if !t.drawn {
			empty++
		}
		if t.bad {
			d.Problem(Problem{Path: display, Line: lines, Offset: -1, Err: fmt.Errorf("%w: PDF page %d: some of its content cannot be read", ErrSyntax, i+1)})
			t.bad = false
		}
	}
	if empty > 0 {
		d.Problem(Problem{Path: display, Offset: -1, Skipped: true,
			Err: fmt.Errorf("%w: %d of %d PDF pages draw no text (scanned images?); reading them needs OCR", ErrUnsupported, empty, len(pages))})
	}
	return nil
}

// pdfPage is a page and the resources it inherits.
type pdfPage struct {
	dict      pdfDict
	resources pdfDict
}

// pages lists the pages in order, from the catalog's page tree; without
// one, every page object in the order of its number.
func (d *pdfDoc) pages() []pdfPage {
	var out []pdfPage
	seen := map[any]bool{}
	var walk func(v any, res pdfDict, depth int)
	walk = func(v any, res pdfDict, depth int) {
		if r, ok := v.(pdfRef); ok {
			if seen[r] {
				return
			}
			seen[r] = true
		}
		node := d.dict(v)
		if node == nil || depth > 64 || len(out) > 100000 {
			return
		}
		if r := d.dict(node["Resources"]); r != nil {
			res = r
		}
		if kids, ok := d.resolve(node["Kids"]).([]any); ok {
			for _, k := range kids {
				walk(k, res, depth+1)
			}
			return
		}
		if t, _ := node["Type"].(pdfName); t == "Page" || node["Contents"] != nil {
			out = append(out, pdfPage{dict: node, resources: res})
		}
	}
	// The catalog the trailer names (the last update's), else the one
	// of the highest number.
	var roots []any
	for _, t := range d.trailers() {
		roots = append(roots, t["Root"])
	}
	var cats []int
	for n, v := range d.objs {
		if c := d.dict(v); c != nil && c["Type"] == pdfName("Catalog") {
			cats = append(cats, n)
		}
	}
	sort.Ints(cats)
	for i := len(cats) - 1; i >= 0; i-- {
		roots = append(roots, pdfRef{cats[i], 0})
	}
	for _, r := range roots {
		if c := d.dict(r); c != nil {
			walk(c["Pages"], nil, 0)
			if len(out) > 0 {
				return out
			}
		}
	}
	var nums []int
	for n, v := range d.objs {
		if c := d.dict(v); c != nil && c["Type"] == pdfName("Page") {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	for _, n := range nums {
		walk(pdfRef{n, 0}, nil, 0)
	}
	return out
}

// pdfText plays content streams and writes their text as lines.
type pdfText struct {
	doc   *pdfDoc
	d     Doc
	max   int
	fonts map[any]*pdfFont
	n     int // lines handed over
	line  []byte
	buf   []byte
	l     Line
	drawn bool
	bad   bool

	// the text state
	font          *pdfFont
	size          float64
	tm            [6]float64 // text matrix
	tlm           [6]float64 // text line matrix
	leading       float64
	cs, ws, scale float64 // character and word spacing, horizontal scale
	x, y          float64 // where the last string ended
	have          bool    // a string was shown on the line
	lineSize      float64 // the largest font size on the line
	startX        float64 // where the line starts
	gapped        bool    // the line has a gap of a table's columns

	rows []pdfRow // the page's rows of text, joined into paragraphs at its end
}

// pdfRow is a row of text and where it lies on the page.
type pdfRow struct {
	text               []byte
	startX, endX, y, h float64
	gapped             bool
}

// flush ends the row being read.
func (t *pdfText) flush() {
	if len(bytes.TrimSpace(t.line)) > 0 && len(t.rows) < 1<<16 {
		t.rows = append(t.rows, pdfRow{text: append([]byte(nil), t.line...), startX: t.startX, endX: t.x, y: t.y, h: t.lineSize, gapped: t.gapped})
	}
	t.line = t.line[:0]
	t.have, t.gapped = false, false
	t.lineSize = 0
}

// emitPage hands the page's text over, a line for each paragraph: a row
// whose next row's first word would not have fit at its end (the right
// margin is the page's longest row) goes on in that row when it starts at
// the same left margin, one line lower, in the same size, so that a value
// the page wrapped is whole again. A row that ends a
// sentence, and rows with a table's gaps, are never joined: no value
// runs on past them.
func (t *pdfText) emitPage() {
	right := math.Inf(-1)
	for _, r := range t.rows {
		right = math.Max(right, r.endX)
	}
	var para []byte
	for i, r := range t.rows {
		if i > 0 {
			a := t.rows[i-1]
			end := bytes.TrimRight(a.text, " ")
			wrapped := !a.gapped && !r.gapped && math.Abs(a.h-r.h) < 0.5 && a.h > 0 &&
				len(end) > 0 && !bytes.ContainsAny(end[len(end)-1:], ".!?") &&
				math.Abs(a.y-r.y) <= 1.7*a.h && // down the page (y grows up, or down under a flipped matrix)
				r.startX <= a.startX+a.h && r.startX >= a.startX-3*a.h &&
				a.endX+firstWordWidth(r.text, a.h) >= right-a.h/2
			if wrapped && len(para)+1+len(r.text) <= t.max {
				// A row broken after a word's hyphen (jean-|pierre@…)
				// goes on without a space.
				n := len(para)
				if para[n-1] != ' ' && !(para[n-1] == '-' && n > 1 && isAlnumByte(para[n-2])) {
					para = append(para, ' ')
				}
				para = append(para, r.text...)
				continue
			}
			t.emit(para)
		}
		para = append(para[:0], r.text...)
	}
	if len(para) > 0 {
		t.emit(para)
	}
	t.rows = t.rows[:0]
}

// firstWordWidth estimates the width of a row's first word and the space
// before it (half the font's size a character): a row was wrapped when
// that word would not have fit at its end.
func firstWordWidth(text []byte, h float64) float64 {
	w := bytes.IndexByte(text, ' ')
	if w < 0 {
		w = len(text)
	}
	return (float64(utf8.RuneCount(text[:w])) + 0.5) * h / 2
}

func isAlnumByte(c byte) bool { return c >= '0' && c <= '9' || isLetter(c) || c >= 0x80 }

func (t *pdfText) emit(text []byte) {
	t.n++
	t.drawn = true
	out, rec := ensureUTF8(text, &t.buf)
	t.l = Line{N: t.n, Text: out, Recoded: rec}
	t.d.Line(&t.l)
}

// page plays a page's content streams.
func (t *pdfText) page(p pdfPage, depth int) {
	var content []byte
	switch c := t.doc.resolve(p.dict["Contents"]).(type) {
	case *pdfStream:
		content = t.data(c)
	case []any:
		for _, v := range c {
			if s, ok := t.doc.resolve(v).(*pdfStream); ok {
				content = append(append(content, t.data(s)...), '\n')
			}
		}
	}
	res := p.resources
	if r := t.doc.dict(p.dict["Resources"]); r != nil {
		res = r
	}
	t.play(content, res, depth)
}

func (t *pdfText) data(s *pdfStream) []byte {
	b, err := t.doc.decode(s)
	if err != nil {
		t.bad = true
	}
	return b
}

// play interprets a content stream.
func (t *pdfText) play(content []byte, res pdfDict, depth int) {
	t.tm, t.tlm = ident6, ident6
	t.scale, t.cs, t.ws = 1, 0, 0
	l := &pdfLexer{b: content}
	var args []any
	for {
		v, err := l.object(0)
		if err == io.EOF {
			return
		}
		if err != nil {
			t.bad = true
			args = args[:0]
			continue
		}
		op, ok := v.(pdfKeyword)
		if !ok {
			if len(args) < 64 {
				args = append(args, v)
			}
			continue
		}
		t.op(string(op), args, res, depth, l)
		args = args[:0]
	}
}

var ident6 = [6]float64{1, 0, 0, 1, 0, 0}

func num(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func (t *pdfText) op(op string, args []any, res pdfDict, depth int, l *pdfLexer) {
	switch op {
	case "BT":
		t.tm, t.tlm = ident6, ident6
	case "Tf":
		if len(args) == 2 {
			name, _ := args[0].(pdfName)
			t.font = t.fontOf(res, name)
			t.size = num(args[1])
		}
	case "Tc":
		if len(args) == 1 {
			t.cs = num(args[0])
		}
	case "Tw":
		if len(args) == 1 {
			t.ws = num(args[0])
		}
	case "Tz":
		if len(args) == 1 {
			t.scale = num(args[0]) / 100
		}
	case "TL":
		if len(args) == 1 {
			t.leading = num(args[0])
		}
	case "Td", "TD":
		if len(args) == 2 {
			tx, ty := num(args[0]), num(args[1])
			if op == "TD" {
				t.leading = -ty
			}
			t.moveLine(tx, ty)
		}
	case "Tm":
		if len(args) == 6 {
			for i := range t.tlm {
				t.tlm[i] = num(args[i])
			}
			t.tm = t.tlm
			t.moved()
		}
	case "T*":
		t.moveLine(0, -t.leading)
	case "Tj":
		if len(args) == 1 {
			t.show(args[0])
		}
	case "'", "\"":
		t.moveLine(0, -t.leading)
		if len(args) > 0 {
			t.show(args[len(args)-1])
		}
	case "TJ":
		if len(args) == 1 {
			if a, ok := args[0].([]any); ok {
				for _, v := range a {
					if _, isStr := v.(string); isStr {
						t.show(v)
					} else {
						// A kerning in thousandths of the font's size.
						t.advance(-num(v) / 1000 * t.size * t.scale)
					}
				}
			}
		}
	case "Do":
		if len(args) == 1 && depth < 8 {
			name, _ := args[0].(pdfName)
			xo := t.doc.dict(res["XObject"])
			if s, ok := t.doc.resolve(xo[name]).(*pdfStream); ok && s.dict["Subtype"] == pdfName("Form") {
				sub := res
				if r := t.doc.dict(s.dict["Resources"]); r != nil {
					sub = r
				}
				tm, tlm := t.tm, t.tlm
				t.play(t.data(s), sub, depth+1)
				t.tm, t.tlm = tm, tlm
			}
		}
	case "BI":
		// An inline image: its data runs from ID to EI.
		if k := bytes.Index(l.b[l.i:], []byte("ID")); k >= 0 {
			l.i += k + 2
			if e := bytes.Index(l.b[l.i:], []byte("EI")); e >= 0 {
				l.i += e + 2
			} else {
				l.i = len(l.b)
			}
		}
	}
}

// moveLine starts a new line of text, offset from the current one.
func (t *pdfText) moveLine(tx, ty float64) {
	m := t.tlm
	t.tlm[4] = tx*m[0] + ty*m[2] + m[4]
	t.tlm[5] = tx*m[1] + ty*m[3] + m[5]
	t.tm = t.tlm
	t.moved()
}

// moved decides, once the pen moved, whether it is on a new line or
// further on the same one.
func (t *pdfText) moved() {
	if !t.have {
		return
	}
	x, y := t.tm[4], t.tm[5]
	// A superscript (a note's number) is on the line of the text around
	// it: the threshold is the line's largest size, not the superscript's.
	fs := math.Max(math.Max(math.Abs(t.size*t.tm[3]), t.lineSize), 1)
	switch {
	case math.Abs(y-t.y) > fs/2 || x < t.x-fs:
		t.flush()
	case x-t.x > fs/5:
		t.space()
		if x-t.x > 1.5*fs {
			t.gapped = true // the next column of a table, not a word
		}
	}
}

func (t *pdfText) space() {
	if n := len(t.line); n > 0 && t.line[n-1] != ' ' {
		t.add(" ")
	}
}

func (t *pdfText) add(s string) {
	if len(t.line)+len(s) <= t.max {
		t.line = append(t.line, s...)
	}
}

// advance moves the pen along the line by tx text units.
func (t *pdfText) advance(tx float64) {
	if tx > math.Max(t.size, 1)/5 {
		t.space()
	}
	t.tm[4] += tx * t.tm[0]
	t.tm[5] += tx * t.tm[1]
}

// show decodes a string through the current font and moves the pen by
// its glyphs' widths.
func (t *pdfText) show(v any) {
	s, ok := v.(string)
	if !ok || t.font == nil {
		return
	}
	if t.have {
		t.moved()
	}
	if !t.have {
		t.startX = t.tm[4]
	}
	t.have = true
	t.lineSize = math.Max(t.lineSize, math.Abs(t.size*t.tm[3]))
	f := t.font
	for i := 0; i < len(s); {
		code, n := f.code(s[i:])
		i += n
		text := f.text(code)
		t.add(text)
		w := f.width(code)/1000*t.size + t.cs
		if n == 1 && code == 32 {
			w += t.ws
		}
		t.tm[4] += w * t.scale * t.tm[0]
		t.tm[5] += w * t.scale * t.tm[1]
	}
	t.x, t.y = t.tm[4], t.tm[5]
}

// pdfFont is what decoding a font's strings needs.
type pdfFont struct {
	bytes   int               // bytes a code: 1, or 2 (Type0 fonts)
	unicode map[uint32]string // from ToUnicode
	simple  *[256]rune        // the encoding of a simple font
	widths  map[uint32]float64
	dw      float64 // the default width
}

func (f *pdfFont) code(s string) (uint32, int) {
	if f.bytes == 2 && len(s) >= 2 {
		return uint32(s[0])<<8 | uint32(s[1]), 2
	}
	return uint32(s[0]), 1
}

func (f *pdfFont) text(code uint32) string {
	if u, ok := f.unicode[code]; ok {
		return u
	}
	if f.bytes == 1 && f.simple != nil && code < 256 {
		if r := f.simple[code]; r != 0 {
			return string(r)
		}
	}
	if f.bytes == 1 && code >= 32 && code < 256 {
		return string(cp1252Rune(byte(code)))
	}
	return ""
}

func cp1252Rune(b byte) rune {
	if b >= 0x80 && b < 0xA0 {
		return cp1252High[b-0x80]
	}
	return rune(b)
}

func (f *pdfFont) width(code uint32) float64 {
	if w, ok := f.widths[code]; ok {
		return w
	}
	return f.dw
}

// fontOf reads (once) the font named in the resources.
func (t *pdfText) fontOf(res pdfDict, name pdfName) *pdfFont {
	ref := t.doc.dict(res["Font"])[name]
	key := any(ref)
	if r, ok := ref.(pdfRef); ok {
		key = r
	} else {
		key = fmt.Sprintf("%p/%s", res, name)
	}
	if f, ok := t.fonts[key]; ok {
		return f
	}
	fd := t.doc.dict(ref)
	f := &pdfFont{bytes: 1, dw: 500}
	if fd != nil {
		t.buildFont(f, fd)
	}
	t.fonts[key] = f
	return f
}

func (t *pdfText) buildFont(f *pdfFont, fd pdfDict) {
	d := t.doc
	if fd["Subtype"] == pdfName("Type0") {
		f.bytes, f.dw = 2, 1000
		if desc, ok := d.resolve(fd["DescendantFonts"]).([]any); ok && len(desc) > 0 {
			cid := d.dict(desc[0])
			if dw, ok := d.resolve(cid["DW"]).(int64); ok {
				f.dw = float64(dw)
			}
			f.widths = cidWidths(d, d.resolve(cid["W"]))
		}
	} else {
		first, _ := d.resolve(fd["FirstChar"]).(int64)
		if ws, ok := d.resolve(fd["Widths"]).([]any); ok {
			f.widths = map[uint32]float64{}
			for i, w := range ws {
				f.widths[uint32(first)+uint32(i)] = num(d.resolve(w))
			}
		}
		f.simple = simpleEncoding(d, fd)
	}
	if s, ok := d.resolve(fd["ToUnicode"]).(*pdfStream); ok {
		if data, err := d.decode(s); err == nil {
			f.unicode, f.bytes = parseToUnicode(data, f.bytes)
		}
	}
}

// cidWidths reads a CID font's W array: c [w1 w2 …] or c1 c2 w.
func cidWidths(d *pdfDoc, v any) map[uint32]float64 {
	a, _ := v.([]any)
	out := map[uint32]float64{}
	for i := 0; i < len(a); {
		c, ok := d.resolve(a[i]).(int64)
		if !ok || i+1 >= len(a) {
			break
		}
		if ws, ok := d.resolve(a[i+1]).([]any); ok {
			for k, w := range ws {
				if len(out) < 1<<16 {
					out[uint32(c)+uint32(k)] = num(d.resolve(w))
				}
			}
			i += 2
			continue
		}
		if i+2 >= len(a) {
			break
		}
		c2, _ := d.resolve(a[i+1]).(int64)
		w := num(d.resolve(a[i+2]))
		for k := c; k <= c2 && k-c < 1<<16; k++ {
			out[uint32(k)] = w
		}
		i += 3
	}
	return out
}

// simpleEncoding is a simple font's encoding: WinAnsi (what French text
// is written in) with the font's Differences.
func simpleEncoding(d *pdfDoc, fd pdfDict) *[256]rune {
	var enc [256]rune
	for i := range enc {
		enc[i] = cp1252Rune(byte(i))
	}
	e := d.resolve(fd["Encoding"])
	if ed, ok := e.(pdfDict); ok {
		if diffs, ok := d.resolve(ed["Differences"]).([]any); ok {
			code := 0
			for _, v := range diffs {
				switch x := d.resolve(v).(type) {
				case int64:
					code = int(x)
				case pdfName:
					if code >= 0 && code < 256 {
						if r := glyphRune(string(x)); r != 0 {
							enc[code] = r
						}
					}
					code++
				}
			}
		}
	}
	return &enc
}

// glyphRune maps the glyph names of French text to their characters
// (the Adobe Glyph List's, for the Latin-1 range and punctuation).
func glyphRune(name string) rune {
	if len(name) == 1 {
		return rune(name[0])
	}
	if len(name) == 7 && name[:3] == "uni" {
		var v rune
		for _, c := range name[3:] {
			h := unhex(byte(c))
			if h < 0 {
				return 0
			}
			v = v<<4 | rune(h)
		}
		return v
	}
	switch name {
	case "space":
		return ' '
	case "period":
		return '.'
	case "comma":
		return ','
	case "colon":
		return ':'
	case "semicolon":
		return ';'
	case "hyphen", "minus":
		return '-'
	case "at":
		return '@'
	case "slash":
		return '/'
	case "parenleft":
		return '('
	case "parenright":
		return ')'
	case "plus":
		return '+'
	case "underscore":
		return '_'
	case "quoteright", "quotesingle":
		return '\''
	case "zero":
		return '0'
	case "one":
		return '1'
	case "two":
		return '2'
	case "three":
		return '3'
	case "four":
		return '4'
	case "five":
		return '5'
	case "six":
		return '6'
	case "seven":
		return '7'
	case "eight":
		return '8'
	case "nine":
		return '9'
	}
	for r := rune(0xC0); r <= 0xFF; r++ {
		if latinGlyphs[r-0xC0] == name {
			return r
		}
	}
	return 0
}

// latinGlyphs names U+00C0 to U+00FF.
var latinGlyphs = [64]string{
	"Agrave", "Aacute", "Acircumflex", "Atilde", "Adieresis", "Aring", "AE", "Ccedilla",
	"Egrave", "Eacute", "Ecircumflex", "Edieresis", "Igrave", "Iacute", "Icircumflex", "Idieresis",
	"Eth", "Ntilde", "Ograve", "Oacute", "Ocircumflex", "Otilde", "Odieresis", "multiply",
	"Oslash", "Ugrave", "Uacute", "Ucircumflex", "Udieresis", "Yacute", "Thorn", "germandbls",
	"agrave", "aacute", "acircumflex", "atilde", "adieresis", "aring", "ae", "ccedilla",
	"egrave", "eacute", "ecircumflex", "edieresis", "igrave", "iacute", "icircumflex", "idieresis",
	"eth", "ntilde", "ograve", "oacute", "ocircumflex", "otilde", "odieresis", "divide",
	"oslash", "ugrave", "uacute", "ucircumflex", "udieresis", "yacute", "thorn", "ydieresis",
}

// parseToUnicode reads a ToUnicode CMap: its code space (one or two
// bytes a code), bfchar and bfrange entries.
func parseToUnicode(data []byte, bytesPerCode int) (map[uint32]string, int) {
	out := map[uint32]string{}
	l := &pdfLexer{b: data}
	var stack []any
	width := 0
	for {
		v, err := l.object(0)
		if err == io.EOF {
			break
		}
		if err != nil {
			continue
		}
		kw, isKW := v.(pdfKeyword)
		if !isKW {
			stack = append(stack, v)
			if len(stack) > 4096 {
				stack = stack[len(stack)-3:]
			}
			continue
		}
		switch string(kw) {
		case "endcodespacerange":
			for i := 0; i+1 < len(stack); i += 2 {
				if s, ok := stack[i].(string); ok && len(s) > width {
					width = len(s)
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(stack); i += 2 {
				src, ok1 := stack[i].(string)
				dst, ok2 := stack[i+1].(string)
				if ok1 && ok2 && len(src) <= 4 && len(out) < 1<<16 {
					out[codeOf(src)] = utf16BE(dst)
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(stack); i += 3 {
				lo, ok1 := stack[i].(string)
				hi, ok2 := stack[i+1].(string)
				if !ok1 || !ok2 || len(lo) > 4 || len(hi) > 4 {
					continue
				}
				a, b := codeOf(lo), codeOf(hi)
				if b < a || b-a > 1<<16 {
					continue
				}
				switch dst := stack[i+2].(type) {
				case string:
					u := []rune(utf16BE(dst))
					for c := a; c <= b && len(out) < 1<<16 && len(u) > 0; c++ {
						out[c] = string(u)
						u[len(u)-1]++
					}
				case []any:
					for k, dv := range dst {
						if s, ok := dv.(string); ok && a+uint32(k) <= b {
							out[a+uint32(k)] = utf16BE(s)
						}
					}
				}
			}
		}
		stack = stack[:0]
	}
	if width == 1 || width == 2 {
		bytesPerCode = width
	}
	return out, bytesPerCode
}

func codeOf(s string) uint32 {
	var c uint32
	for i := 0; i < len(s); i++ {
		c = c<<8 | uint32(s[i])
	}
	return c
}

// utf16BE decodes a ToUnicode destination.
func utf16BE(s string) string {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, binary.BigEndian.Uint16([]byte(s[i:i+2])))
	}
	var b []byte
	for _, r := range utf16.Decode(u) {
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}
