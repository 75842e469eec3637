package extract

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Word 97-2003 documents (.doc, [MS-DOC]): a compound file whose
// "WordDocument" stream starts with the File Information Block (FIB);
// the piece table, in the "0Table" or "1Table" stream, says where each
// run of the text lies in the WordDocument stream and whether it is one
// byte a character (Windows-1252) or two (UTF-16). The text is the body,
// then the footnotes, headers, comments, endnotes and text boxes, in
// that order: a line for each paragraph, counted from the first; text
// deleted with changes tracked on a line of its own. Field instructions
// (between the field's begin and separator marks) are left out, their
// results read.

// maxDocStream bounds what the text streams may take in memory.
const maxDocStream = 256 << 20

// readDoc reads the text of a Word 97-2003 document into d.
func (e *Extractor) readDoc(ctx context.Context, c *cfb, d Doc) error {
	word, err := docStream(c, "WordDocument")
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	if len(word) < 34 || le.Uint16(word) != 0xA5EC {
		return fmt.Errorf("%w: the WordDocument stream does not start with a FIB", ErrSyntax)
	}
	if nFib := le.Uint16(word[2:]); nFib < 193 {
		return fmt.Errorf("%w: a Word document older than Word 97 (FIB version %d) is not read", ErrUnsupported, nFib)
	}
	flags := le.Uint16(word[10:])
	tableName := "0Table"
	if flags&0x0200 != 0 {
		tableName = "1Table"
	}
	table, err := docStream(c, tableName)
	if err != nil {
		return err
	}
	if flags&0x0100 != 0 { // fEncrypted
		if err := e.decryptDoc(word, table, flags); err != nil {
			return err
		}
	}
	// FibBase (32 bytes), csw and FibRgW, cslw and FibRgLw, cbRgFcLcb and
	// FibRgFcLcb: fcClx and lcbClx are its 34th pair.
	at := 32
	field := func(n int) (int, bool) {
		if at+n > len(word) {
			return 0, false
		}
		v := 0
		switch n {
		case 2:
			v = int(le.Uint16(word[at:]))
		case 4:
			v = int(le.Uint32(word[at:]))
		}
		at += n
		return v, true
	}
	csw, ok := field(2)
	at += 2 * csw
	cslw, ok2 := field(2)
	at += 4 * cslw
	cbRgFcLcb, ok3 := field(2)
	if !ok || !ok2 || !ok3 || cbRgFcLcb < 34 || at+34*8 > len(word) {
		return fmt.Errorf("%w: the FIB is cut short", ErrSyntax)
	}
	fcClx, lcbClx := int(le.Uint32(word[at+33*8:])), int(le.Uint32(word[at+33*8+4:]))
	fcChpx, lcbChpx := int(le.Uint32(word[at+12*8:])), int(le.Uint32(word[at+12*8+4:]))
	if fcClx < 0 || lcbClx < 0 || fcClx+lcbClx > len(table) {
		return fmt.Errorf("%w: the piece table lies past the end of %s", ErrSyntax, tableName)
	}
	pieces, err := pieceTable(table[fcClx : fcClx+lcbClx])
	if err != nil {
		return err
	}
	var deleted []fcRange
	if fcChpx >= 0 && lcbChpx > 0 && fcChpx+lcbChpx <= len(table) {
		deleted = deletedRuns(word, table[fcChpx:fcChpx+lcbChpx])
	}
	t := docText{d: d, max: e.o.MaxLine, n: 1, deleted: deleted}
	for i, p := range pieces {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if p.compressed {
			end := p.fc + p.chars
			if end > len(word) || p.fc < 0 {
				return fmt.Errorf("%w: piece %d of the text lies past the end of the WordDocument stream", ErrSyntax, i+1)
			}
			for k, b := range word[p.fc:end] {
				t.char(rune(b), p.fc+k, true)
			}
			continue
		}
		end := p.fc + 2*p.chars
		if end > len(word) || p.fc < 0 {
			return fmt.Errorf("%w: piece %d of the text lies past the end of the WordDocument stream", ErrSyntax, i+1)
		}
		for k := p.fc; k+1 < end; k += 2 {
			t.char(rune(le.Uint16(word[k:])), k, false)
		}
	}
	t.flush()
	return nil
}

// decryptDoc decrypts in place the WordDocument and Table streams of a
// document encrypted under one of the passwords given ([MS-DOC] 2.2.6.2):
// the encryption header starts the Table stream, lKey of the FIB its
// size; both streams are encrypted in 512-byte blocks from their start,
// but for the FIB's first 68 bytes (the FibBase and the counts after
// it) and that header, left in clear.
func (e *Extractor) decryptDoc(word, table []byte, flags uint16) error {
	if flags&0x8000 != 0 { // fObfuscation
		return fmt.Errorf("%w: a Word document under XOR obfuscation; not scanned", ErrEncrypted)
	}
	lKey := int(binary.LittleEndian.Uint32(word[14:]))
	if lKey < 4 || lKey > len(table) {
		return fmt.Errorf("%w: a Word encryption header of %d bytes in a Table stream of %d", ErrSyntax, lKey, len(table))
	}
	key, err := rc4Header(table[:lKey], e.o.Passwords)
	switch {
	case errors.Is(err, errRC4Password):
		return fmt.Errorf("%w: %s", ErrEncrypted, lockedText("a Word document", e.o.Passwords))
	case errors.Is(err, errRC4Short):
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	case err != nil:
		return fmt.Errorf("%w: a password-protected Word document: %v", ErrEncrypted, err)
	}
	const clear = 68
	decryptRC4(word, key, 512, clear)
	decryptRC4(table, key, 512, lKey)
	return nil
}

// docObjects reads the objects embedded in a Word document (a table
// pasted in a letter): each a storage of the ObjectPool, read by what it
// holds: an Excel workbook stream, or a whole file (an Office Open XML
// package, in "Package"; other contents, in "CONTENTS"), as a document
// of its own named after its place.
func (e *Extractor) docObjects(ctx context.Context, c *cfb, d Doc, src *source, h Handler) error {
	pool, ok := c.lookup(0, "ObjectPool", 1)
	if !ok {
		return nil
	}
	for n, k := range c.children(pool) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if c.dir[k].kind != 1 {
			continue
		}
		name := "object " + strconv.Itoa(n+1)
		if src.depth >= e.o.MaxDepth {
			d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: more than %d levels; not opened", ErrDepth, e.o.MaxDepth)})
			continue
		}
		m := member(src, name, nil, -1, true)
		if book, ok := c.child(k, "Workbook", 2); ok {
			od := h.Begin(m.display, FormatXLS)
			if err := e.endDoc(od, m, int64(book.size), e.readWorkbook(ctx, c, book, od, m.display)); err != nil {
				return err
			}
			continue
		}
		for _, stream := range []string{"Package", "CONTENTS"} {
			if st, ok := c.child(k, stream, 2); ok {
				r, err := c.open(st)
				if err != nil {
					d.Problem(Problem{Path: m.display, Offset: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, err)})
					break
				}
				if err := e.read(ctx, member(src, name, r, int64(st.size), false), h); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// docStream reads a stream of the document whole.
func docStream(c *cfb, name string) ([]byte, error) {
	e, ok := c.find(name)
	if !ok {
		return nil, fmt.Errorf("%w: a Word document without its %s stream", ErrSyntax, name)
	}
	if e.size > maxDocStream {
		return nil, fmt.Errorf("%w: a %s stream of %d bytes", ErrLimit, name, e.size)
	}
	r, err := c.open(e)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	return b, nil
}

// docPiece is a run of the text: where it starts in the WordDocument
// stream, how many characters it holds and their width.
type docPiece struct {
	fc, chars  int
	compressed bool
}

// pieceTable reads the Clx: property runs (skipped), then the PlcPcd,
// n+1 character positions and n piece descriptors.
func pieceTable(clx []byte) ([]docPiece, error) {
	le := binary.LittleEndian
	for len(clx) > 0 {
		switch clx[0] {
		case 0x01: // a Prc: its size, then its properties
			if len(clx) < 3 {
				return nil, errors.New("a property run is cut short")
			}
			n := int(int16(le.Uint16(clx[1:])))
			if n < 0 || 3+n > len(clx) {
				return nil, fmt.Errorf("%w: a property run of %d bytes in the piece table", ErrSyntax, n)
			}
			clx = clx[3+n:]
		case 0x02:
			if len(clx) < 5 {
				return nil, fmt.Errorf("%w: the piece table is cut short", ErrSyntax)
			}
			lcb := int(le.Uint32(clx[1:]))
			plc := clx[5:]
			if lcb < 4 || lcb > len(plc) || (lcb-4)%12 != 0 {
				return nil, fmt.Errorf("%w: a piece table of %d bytes", ErrSyntax, lcb)
			}
			n := (lcb - 4) / 12
			out := make([]docPiece, 0, n)
			for i := 0; i < n; i++ {
				cp0, cp1 := int(le.Uint32(plc[4*i:])), int(le.Uint32(plc[4*i+4:]))
				pcd := plc[4*(n+1)+8*i:]
				fc := le.Uint32(pcd[2:])
				if cp1 < cp0 || cp1-cp0 > maxDocStream {
					return nil, fmt.Errorf("%w: piece %d runs from character %d to %d", ErrSyntax, i+1, cp0, cp1)
				}
				p := docPiece{fc: int(fc & 0x3FFFFFFF), chars: cp1 - cp0, compressed: fc&0x40000000 != 0}
				if p.compressed {
					p.fc /= 2
				}
				out = append(out, p)
			}
			return out, nil
		default:
			return nil, fmt.Errorf("%w: the piece table holds a block of type %d", ErrSyntax, clx[0])
		}
	}
	return nil, fmt.Errorf("%w: no piece table", ErrSyntax)
}

// fcRange is a run of bytes of the WordDocument stream.
type fcRange struct{ start, end int }

// deletedRuns reads the character properties (the PlcBteChpx and its
// 512-byte pages) for the runs of text deleted with changes tracked
// (sprmCFRMarkDel): such text stays in the stream, between the text
// that stayed.
func deletedRuns(word, plc []byte) []fcRange {
	le := binary.LittleEndian
	if len(plc) < 8 || (len(plc)-4)%8 != 0 {
		return nil
	}
	n := (len(plc) - 4) / 8
	var out []fcRange
	for i := 0; i < n; i++ {
		pn := int(le.Uint32(plc[4*(n+1)+4*i:]) & 0x3FFFFF)
		if (pn+1)*512 > len(word) {
			continue
		}
		fkp := word[pn*512 : (pn+1)*512]
		crun := int(fkp[511])
		if 4*(crun+1)+crun > 511 {
			continue
		}
		for k := 0; k < crun; k++ {
			off := 2 * int(fkp[4*(crun+1)+k])
			if off == 0 || off >= 511 {
				continue
			}
			cb := int(fkp[off])
			if off+1+cb > 511 {
				continue
			}
			if markedDeleted(fkp[off+1 : off+1+cb]) {
				out = append(out, fcRange{int(le.Uint32(fkp[4*k:])), int(le.Uint32(fkp[4*k+4:]))})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// markedDeleted tells whether a run's properties mark it deleted.
func markedDeleted(grpprl []byte) bool {
	for len(grpprl) >= 2 {
		sprm := binary.LittleEndian.Uint16(grpprl)
		grpprl = grpprl[2:]
		var size int
		switch sprm >> 13 {
		case 0, 1:
			size = 1
		case 2, 4, 5:
			size = 2
		case 3:
			size = 4
		case 7:
			size = 3
		case 6:
			if len(grpprl) == 0 {
				return false
			}
			size = 1 + int(grpprl[0])
		}
		if size > len(grpprl) {
			return false
		}
		if sprm == 0x0800 && grpprl[0]&1 != 0 {
			return true
		}
		grpprl = grpprl[size:]
	}
	return false
}

// docText turns the characters into lines.
type docText struct {
	d       Doc
	max     int
	n       int // the paragraph's number
	line    []byte
	del     []byte    // the paragraph's deleted text, a line of its own
	deleted []fcRange // where deleted text lies in the stream
	inDel   bool
	scratch []byte
	l       Line
	fields  []bool // open fields: true while in their instructions
	high    rune   // a UTF-16 high surrogate waiting for its low half
}

func (t *docText) char(r rune, fc int, compressed bool) {
	i := sort.Search(len(t.deleted), func(i int) bool { return t.deleted[i].end > fc })
	t.inDel = i < len(t.deleted) && t.deleted[i].start <= fc
	if !compressed && utf16.IsSurrogate(r) {
		if r < 0xDC00 {
			t.high = r
			return
		}
		r, t.high = utf16.DecodeRune(t.high, r), 0
	}
	switch r {
	case 0x0D, 0x0B, 0x0C: // paragraph end, line break, page or section break
		t.flush()
		return
	case 0x07: // a table cell's or row's end
		t.add('\t')
		return
	case 0x13: // a field begins: its instructions first
		if len(t.fields) < 64 {
			t.fields = append(t.fields, true)
		}
		return
	case 0x14: // its result follows
		if n := len(t.fields); n > 0 {
			t.fields[n-1] = false
		}
		return
	case 0x15:
		if n := len(t.fields); n > 0 {
			t.fields = t.fields[:n-1]
		}
		return
	case 0x1E: // a non-breaking hyphen
		r = '-'
	case 0xA0:
		r = ' '
	}
	if r < 0x20 && r != '\t' {
		return // anchors of pictures, notes and comments
	}
	for _, instr := range t.fields {
		if instr {
			return
		}
	}
	if compressed && r >= 0x80 && r < 0xA0 {
		r = cp1252High[r-0x80]
	}
	t.add(r)
}

func (t *docText) add(r rune) {
	dst := &t.line
	if t.inDel {
		dst = &t.del
	}
	if len(*dst)+4 <= t.max {
		*dst = utf8.AppendRune(*dst, r)
	}
}

func (t *docText) flush() {
	for _, b := range [][]byte{t.line, t.del} {
		if len(b) > 0 {
			out, rec := ensureUTF8(b, &t.scratch)
			t.l = Line{N: t.n, Text: out, Recoded: rec}
			t.d.Line(&t.l)
		}
	}
	t.line, t.del = t.line[:0], t.del[:0]
	t.n++
}
