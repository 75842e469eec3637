package extract

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// PDF objects ([ISO 32000-1] §7.3): what the text extraction of pdf.go
// needs. Objects are found by their "N G obj" headers rather than through
// the cross-reference table, which broken and incrementally updated files
// get wrong; objects packed in object streams are unpacked.

type (
	pdfName string
	pdfDict map[pdfName]any
	pdfRef  struct{ num, gen int }
	// pdfStream is a stream's dictionary and its data, not yet decoded.
	pdfStream struct {
		dict     pdfDict
		data     []byte
		num, gen int // the object it is, whose key decrypts it
	}
)

var errPDFSyntax = errors.New("malformed object")

// pdfMaxDepth bounds the nesting of arrays and dictionaries.
const pdfMaxDepth = 64

// pdfLexer reads PDF tokens and objects from b.
type pdfLexer struct {
	b []byte
	i int
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skip passes white space and comments.
func (l *pdfLexer) skip() {
	for l.i < len(l.b) {
		c := l.b[l.i]
		if isPDFSpace(c) {
			l.i++
			continue
		}
		if c == '%' {
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
			continue
		}
		return
	}
}

// keyword reads a run of regular characters (a number, an operator, true).
func (l *pdfLexer) keyword() []byte {
	s := l.i
	for l.i < len(l.b) && !isPDFSpace(l.b[l.i]) && !isPDFDelim(l.b[l.i]) {
		l.i++
	}
	return l.b[s:l.i]
}

// object reads one object; an integer followed by another and R is a
// reference. Keywords that are not objects (operators) come back as
// pdfKeyword.
type pdfKeyword string

func (l *pdfLexer) object(depth int) (any, error) {
	if depth > pdfMaxDepth {
		return nil, errPDFSyntax
	}
	l.skip()
	if l.i >= len(l.b) {
		return nil, io.EOF
	}
	switch c := l.b[l.i]; c {
	case '/':
		l.i++
		return pdfName(decodeName(l.keyword())), nil
	case '(':
		return l.literal()
	case '<':
		if l.i+1 < len(l.b) && l.b[l.i+1] == '<' {
			l.i += 2
			d := pdfDict{}
			for {
				l.skip()
				if l.i+1 < len(l.b) && l.b[l.i] == '>' && l.b[l.i+1] == '>' {
					l.i += 2
					return d, nil
				}
				k, err := l.object(depth + 1)
				if err != nil {
					return nil, err
				}
				name, ok := k.(pdfName)
				if !ok {
					return nil, errPDFSyntax
				}
				v, err := l.object(depth + 1)
				if err != nil {
					return nil, err
				}
				d[name] = v
			}
		}
		return l.hex()
	case '[':
		l.i++
		var a []any
		for {
			l.skip()
			if l.i < len(l.b) && l.b[l.i] == ']' {
				l.i++
				return a, nil
			}
			v, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case ']', '>', ')', '{', '}':
		l.i++
		return nil, errPDFSyntax
	}
	k := l.keyword()
	if len(k) == 0 {
		l.i++
		return nil, errPDFSyntax
	}
	switch string(k) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if n, err := strconv.ParseInt(string(k), 10, 64); err == nil {
		// "N G R" is a reference.
		save := l.i
		l.skip()
		g := l.keyword()
		if gen, err := strconv.Atoi(string(g)); err == nil && len(g) > 0 {
			l.skip()
			if r := l.keyword(); string(r) == "R" {
				return pdfRef{int(n), gen}, nil
			}
		}
		l.i = save
		return n, nil
	}
	if f, err := strconv.ParseFloat(string(k), 64); err == nil {
		return f, nil
	}
	return pdfKeyword(k), nil
}

func decodeName(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) && unhex(b[i+1]) >= 0 && unhex(b[i+2]) >= 0 {
			out = append(out, byte(unhex(b[i+1])<<4|unhex(b[i+2])))
			i += 2
			continue
		}
		out = append(out, b[i])
	}
	return string(out)
}

// literal reads a (string) with its escapes and balanced parentheses.
func (l *pdfLexer) literal() (any, error) {
	l.i++
	var out []byte
	for depth := 1; l.i < len(l.b); {
		c := l.b[l.i]
		l.i++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return string(out), nil
			}
		case '\\':
			if l.i >= len(l.b) {
				return string(out), nil
			}
			e := l.b[l.i]
			l.i++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.i < len(l.b) && l.b[l.i] == '\n' {
					l.i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '7'; k++ {
						v = v*8 + int(l.b[l.i]-'0')
						l.i++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return string(out), nil
}

// hex reads a <hex string>.
func (l *pdfLexer) hex() (any, error) {
	l.i++
	var out []byte
	hi := -1
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		if c == '>' {
			break
		}
		v := unhex(c)
		if v < 0 {
			continue
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	return string(out), nil
}

// pdfDoc is a PDF's objects.
type pdfDoc struct {
	b     []byte
	objs  map[int]any
	crypt *pdfCrypt // set for an encrypted file opened without a password
}

// loadPDF finds every object of the file, and those of its object
// streams; an encrypted file is decrypted when its user password is
// empty or one of passwords, and ErrEncrypted otherwise.
func loadPDF(b []byte, passwords []string) (*pdfDoc, error) {
	d := &pdfDoc{b: b, objs: map[int]any{}}
	var packed []*pdfStream
	for at := 0; ; {
		k := bytes.Index(b[at:], []byte("obj"))
		if k < 0 {
			break
		}
		k += at
		at = k + 3
		num, gen, ok := objHeader(b, k)
		if !ok || (at < len(b) && !isPDFSpace(b[at]) && !isPDFDelim(b[at])) {
			continue
		}
		l := &pdfLexer{b: b, i: at}
		v, err := l.object(0)
		if err != nil {
			continue
		}
		if dict, ok := v.(pdfDict); ok {
			if s, ok := d.streamAfter(l, dict); ok {
				s.num, s.gen = num, gen
				v = s
				if t, _ := dict["Type"].(pdfName); t == "ObjStm" {
					packed = append(packed, s)
				}
			}
		}
		d.objs[num] = v
		at = l.i // not inside its data: compressed bytes may look like a header
	}
	if enc, id := d.encryption(); enc != nil {
		c, err := d.openCrypt(enc, id, nil)
		for _, pw := range passwords {
			if err == nil {
				break
			}
			c, err = d.openCrypt(enc, id, []byte(pw))
		}
		if err != nil {
			return d, errors.New(lockedText("a PDF", passwords))
		}
		d.crypt = c
	}
	for _, s := range packed {
		d.unpack(s)
	}
	return d, nil
}

// trailers returns the last trailer dictionary, then those of the
// cross-reference streams, the last first.
func (d *pdfDoc) trailers() []pdfDict {
	var out []pdfDict
	if k := bytes.LastIndex(d.b, []byte("trailer")); k >= 0 {
		if v, err := (&pdfLexer{b: d.b, i: k + len("trailer")}).object(0); err == nil {
			if t, ok := v.(pdfDict); ok {
				out = append(out, t)
			}
		}
	}
	var xrefs []int
	for n, v := range d.objs {
		if s, ok := v.(*pdfStream); ok && s.dict["Type"] == pdfName("XRef") {
			xrefs = append(xrefs, n)
		}
	}
	sort.Ints(xrefs)
	for i := len(xrefs) - 1; i >= 0; i-- {
		out = append(out, d.objs[xrefs[i]].(*pdfStream).dict)
	}
	return out
}

// encryption returns the Encrypt dictionary and the first identifier
// of the file's trailer (or cross-reference stream), if it has one.
func (d *pdfDoc) encryption() (pdfDict, []byte) {
	for _, t := range d.trailers() {
		if t["Encrypt"] == nil {
			continue
		}
		var id []byte
		if ids, ok := d.resolve(t["ID"]).([]any); ok && len(ids) > 0 {
			s, _ := d.resolve(ids[0]).(string)
			id = []byte(s)
		}
		return d.dict(t["Encrypt"]), id
	}
	return nil, nil
}

// objHeader reads the "N G" before "obj" at k: the object's number and
// generation.
func objHeader(b []byte, k int) (int, int, bool) {
	i := k
	back := func() ([]byte, bool) {
		for i > 0 && isPDFSpace(b[i-1]) {
			i--
		}
		e := i
		for i > 0 && b[i-1] >= '0' && b[i-1] <= '9' {
			i--
		}
		return b[i:e], i < e && e-i <= 10
	}
	gen, ok := back()
	if !ok {
		return 0, 0, false
	}
	num, ok := back()
	if !ok {
		return 0, 0, false
	}
	n, err := strconv.Atoi(string(num))
	g, err2 := strconv.Atoi(string(gen))
	return n, g, err == nil && err2 == nil
}

// streamAfter reads the data of a stream whose dictionary was just read.
func (d *pdfDoc) streamAfter(l *pdfLexer, dict pdfDict) (*pdfStream, bool) {
	l.skip()
	if !bytes.HasPrefix(l.b[l.i:], []byte("stream")) {
		return nil, false
	}
	i := l.i + len("stream")
	if i < len(l.b) && l.b[i] == '\r' {
		i++
	}
	if i < len(l.b) && l.b[i] == '\n' {
		i++
	}
	end := -1
	if n, ok := dict["Length"].(int64); ok && n >= 0 && i+int(n) <= len(l.b) {
		rest := l.b[i+int(n):]
		if p := bytes.Index(rest[:min(len(rest), 32)], []byte("endstream")); p >= 0 {
			end = i + int(n)
		}
	}
	if end < 0 { // an indirect or wrong length: up to endstream
		p := bytes.Index(l.b[i:], []byte("endstream"))
		if p < 0 {
			return nil, false
		}
		end = i + p
		for end > i && (l.b[end-1] == '\n' || l.b[end-1] == '\r') {
			end--
		}
	}
	l.i = end
	return &pdfStream{dict: dict, data: l.b[i:end]}, true
}

// unpack adds the objects of an object stream that the file does not
// define itself.
func (d *pdfDoc) unpack(s *pdfStream) {
	data, err := d.decode(s)
	if err != nil {
		return
	}
	n, _ := d.resolve(s.dict["N"]).(int64)
	first, _ := d.resolve(s.dict["First"]).(int64)
	if n <= 0 || first <= 0 || int(first) > len(data) || n > int64(len(data)) {
		return
	}
	head := &pdfLexer{b: data[:first]}
	for k := int64(0); k < n; k++ {
		num, err1 := head.object(0)
		off, err2 := head.object(0)
		nn, ok1 := num.(int64)
		oo, ok2 := off.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 || int(first+oo) >= len(data) || oo < 0 {
			return
		}
		if _, defined := d.objs[int(nn)]; defined {
			continue
		}
		l := &pdfLexer{b: data, i: int(first + oo)}
		if v, err := l.object(0); err == nil {
			d.objs[int(nn)] = v
		}
	}
}

// resolve follows references (a few, against loops).
func (d *pdfDoc) resolve(v any) any {
	for k := 0; k < 16; k++ {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = d.objs[r.num]
	}
	return nil
}

func (d *pdfDoc) dict(v any) pdfDict {
	switch x := d.resolve(v).(type) {
	case pdfDict:
		return x
	case *pdfStream:
		return x.dict
	}
	return nil
}

// maxPDFStream bounds a decoded stream.
const maxPDFStream = 64 << 20

// decode applies a stream's filters: Flate (without predictor) and the
// ASCII ones; others cannot be read.
func (d *pdfDoc) decode(s *pdfStream) ([]byte, error) {
	var filters []any
	switch f := d.resolve(s.dict["Filter"]).(type) {
	case pdfName:
		filters = []any{f}
	case []any:
		filters = f
	}
	data := s.data
	if d.crypt != nil && s.dict["Type"] != pdfName("XRef") {
		var err error
		if data, err = d.crypt.stream(data, s.num, s.gen); err != nil {
			return nil, err
		}
	}
	for _, f := range filters {
		switch d.resolve(f) {
		case pdfName("FlateDecode"), pdfName("Fl"):
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("flate: %w", err)
			}
			out, err := io.ReadAll(io.LimitReader(zr, maxPDFStream))
			if err != nil && len(out) == 0 {
				return nil, fmt.Errorf("flate: %w", err)
			}
			data = out // what a cut stream held up to its cut
		case pdfName("ASCIIHexDecode"), pdfName("AHx"):
			v, _ := (&pdfLexer{b: append([]byte{'<'}, data...)}).hex()
			data = []byte(v.(string))
		default:
			return nil, fmt.Errorf("filter %v", f)
		}
	}
	return data, nil
}
