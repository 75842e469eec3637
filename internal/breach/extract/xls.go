package extract

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Excel 97-2003 workbooks (.xls): the "Workbook" stream of a compound
// file holds the workbook's globals (the shared strings, the number
// formats, where each sheet starts), then each sheet's cells, in one
// pass from start to end. Excel 5 and 95 files ("Book" stream, BIFF5)
// are read too: their strings are bytes in the workbook's code page.

// compound reads a compound file met among the inputs (an archive's
// member is written to a temporary file first).
func (e *Extractor) compound(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	file, done, err := e.onDisk(src, br)
	if err != nil {
		return e.endDoc(h.Begin(src.display, FormatXLS), src, 0, err)
	}
	defer done()
	st, err := file.Stat()
	if err != nil {
		return e.endDoc(h.Begin(src.display, FormatXLS), src, 0, err)
	}
	return e.readCompound(ctx, file, st.Size(), h, src)
}

// readCompound reads a compound file: an .xls workbook, a Word
// document, an Outlook message, or a problem that says what else it is.
func (e *Extractor) readCompound(ctx context.Context, f *os.File, size int64, h Handler, src *source) error {
	c, err := openCFB(f, size)
	if err != nil {
		d := h.Begin(src.display, FormatBinary)
		return e.endDoc(d, src, size, fmt.Errorf("%w: %v", ErrSyntax, err))
	}
	book, ok := c.find("Workbook")
	biff5 := false
	if !ok {
		book, biff5 = c.find("Book")
	}
	if _, word := c.find("WordDocument"); !ok && !biff5 && word {
		d := h.Begin(src.display, FormatDOC)
		err := e.readDoc(ctx, c, d)
		if err == nil {
			err = e.docObjects(ctx, c, d, src, h)
		}
		return e.endDoc(d, src, size, err)
	}
	if _, ppt := c.find(pptStreamName); !ok && !biff5 && ppt {
		d := h.Begin(src.display, FormatPPT)
		return e.endDoc(d, src, size, e.readPPT(ctx, c, d, src, h))
	}
	if !ok && !biff5 && isOutlookMessage(c) {
		d := h.Begin(src.display, FormatMsg)
		return e.endDoc(d, src, size, e.readMsg(ctx, c, d, src, h))
	}
	if info, found := c.find("EncryptionInfo"); !ok && !biff5 && found {
		if pkg, found := c.find("EncryptedPackage"); found {
			return e.encryptedOffice(ctx, c, info, pkg, src, size, h)
		}
	}
	if !ok && !biff5 {
		d := h.Begin(src.display, FormatBinary)
		d.Problem(Problem{Path: src.display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: a compound file with no workbook is not scanned", ErrUnsupported)})
		d.End(size)
		return nil
	}
	d := h.Begin(src.display, FormatXLS)
	return e.endDoc(d, src, size, e.readWorkbook(ctx, c, book, d, src.display))
}

// readWorkbook reads the workbook stream book of a compound file into d.
func (e *Extractor) readWorkbook(ctx context.Context, c *cfb, book cfbEntry, d Doc, display string) error {
	r, err := c.open(book)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	x := &xlsReader{s: biffStream{r: bufio.NewReaderSize(r, 64<<10)}, o: e.o, d: d, display: display,
		strs: sharedStrings{memLimit: sharedMemory, tempDir: e.o.TempDir}, reopen: func() (io.Reader, error) { return c.open(book) }}
	defer x.strs.close()
	return x.read(ctx)
}

// xlsReader reads one workbook stream.
type xlsReader struct {
	s        biffStream
	o        Options
	d        Doc
	display  string
	biff5    bool
	codePage int
	date1904 bool
	formats  []*cellFormat // by XF index
	strs     sharedStrings
	sheets   map[int64]xlsSheet // by the stream offset of their BOF
	order    []xlsSheet
	reopen   func() (io.Reader, error) // the workbook stream from its start

	// the sheet being read
	sh      *sheet
	row     int // the row of cells (0-based), -1 before the first
	cells   []Cell
	arena   []byte
	spans   [][2]int
	pending struct { // a formula whose string result follows in a STRING record
		set      bool
		row, col int
	}
}

// decrypt reads the FILEPASS record and, when the workbook is encrypted
// under the default password, reads the stream again from its start
// through the decrypter, up to where the record ends.
func (x *xlsReader) decrypt() error {
	b, err := x.s.data()
	if err != nil {
		return err
	}
	key, err := filePassKey(b, x.o.Passwords)
	if err != nil {
		return err
	}
	r, err := x.reopen()
	if err != nil {
		return err
	}
	pos := x.s.pos
	x.s = biffStream{r: bufio.NewReaderSize(newBIFFDecrypter(r, key), 64<<10)}
	return x.s.discard(int(pos))
}

type xlsSheet struct {
	name      string
	worksheet bool
}

// read reads the globals, then each sheet in stream order.
func (x *xlsReader) read(ctx context.Context) error {
	if err := x.globals(); err != nil {
		return err
	}
	for n := 0; ; {
		if err := ctx.Err(); err != nil {
			return err
		}
		ok, err := x.s.next()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSyntax, err)
		}
		if !ok {
			return nil
		}
		if x.s.typ != recBOF {
			continue // padding or stray records between sheets
		}
		sh, known := x.sheets[x.s.start]
		if !known && n < len(x.order) {
			sh = x.order[n] // offsets a writer got wrong: the sheets' order
		}
		n++
		b, err := x.s.data()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSyntax, err)
		}
		kind := 0
		if len(b) >= 4 {
			kind = int(binary.LittleEndian.Uint16(b[2:]))
		}
		if kind != 0x0010 || (known && !sh.worksheet) {
			if err := x.skipSubstream(); err != nil {
				return fmt.Errorf("%w: %v", ErrSyntax, err)
			}
			continue // a chart, a macro sheet, a module
		}
		if sh.name == "" {
			sh.name = "Sheet" + strconv.Itoa(n)
		}
		if err := x.sheet(ctx, sh.name); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			// By its number: the errors of this package never quote a
			// document, and a sheet's name is the document's.
			return fmt.Errorf("%w: sheet %d: %v", ErrSyntax, n, err)
		}
	}
}

// globals reads the workbook's first substream, up to its EOF.
func (x *xlsReader) globals() error {
	ok, err := x.s.next()
	if err == nil && (!ok || x.s.typ != recBOF) {
		err = errors.New("the workbook stream does not start with a BOF record")
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	b, err := x.s.data()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if len(b) < 4 {
		return fmt.Errorf("%w: a BOF record of %d bytes", ErrSyntax, len(b))
	}
	switch v := binary.LittleEndian.Uint16(b); v {
	case 0x0600:
	case 0x0500:
		x.biff5 = true
	default:
		return fmt.Errorf("%w: BIFF version 0x%04X (only Excel 5 to 2003 workbooks are read)", ErrUnsupported, v)
	}
	custom := map[int]string{}
	var xfs []int
	x.sheets = map[int64]xlsSheet{}
	for {
		ok, err := x.s.next()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSyntax, err)
		}
		if !ok {
			return fmt.Errorf("%w: the workbook's globals have no EOF record", ErrSyntax)
		}
		at := x.s.start
		fail := func(err error) error {
			return fmt.Errorf("%w: record 0x%04X at byte %d: %v", ErrSyntax, x.s.typ, at, err)
		}
		switch x.s.typ {
		case recEOF:
			x.formats = cellFormats(custom, xfs)
			return x.strs.done()
		case recFilePass:
			if err := x.decrypt(); err != nil {
				if errors.Is(err, errXLSPassword) {
					return fmt.Errorf("%w: %v", ErrEncrypted, err)
				}
				return fail(err)
			}
		case recCodePage:
			b, err := x.s.data()
			if err != nil || len(b) < 2 {
				return fail(errBIFFShort)
			}
			x.codePage = int(binary.LittleEndian.Uint16(b))
		case recDateMode:
			b, err := x.s.data()
			if err != nil || len(b) < 2 {
				return fail(errBIFFShort)
			}
			x.date1904 = binary.LittleEndian.Uint16(b) == 1
		case recXF:
			b, err := x.s.data()
			if err != nil || len(b) < 4 {
				return fail(errBIFFShort)
			}
			xfs = append(xfs, int(binary.LittleEndian.Uint16(b[2:])))
		case recFormat:
			id, err := x.s.u16()
			if err != nil {
				return fail(err)
			}
			var code []byte
			if x.biff5 {
				code, err = x.byteLenString(x.arena[:0])
			} else {
				code, err = x.shortString(x.arena[:0])
			}
			if err != nil {
				return fail(err)
			}
			custom[id] = string(code)
		case recBoundSheet:
			b, err := x.s.read(6)
			if err != nil {
				return fail(err)
			}
			pos, kind := int64(binary.LittleEndian.Uint32(b)), b[5]
			name, err := x.byteLenString(x.arena[:0])
			if err != nil {
				return fail(err)
			}
			sh := xlsSheet{name: string(name), worksheet: kind == 0}
			x.sheets[pos] = sh
			x.order = append(x.order, sh)
		case recSST:
			if err := x.readSST(); err != nil {
				if errors.Is(err, ErrLimit) {
					return err
				}
				return fail(err)
			}
		}
	}
}

// shortString reads a string whose length is 16 bits (BIFF8's FORMAT
// record).
func (x *xlsReader) shortString(dst []byte) ([]byte, error) {
	n, err := x.s.u16()
	if err != nil {
		return dst, err
	}
	return x.chars(dst, n, true)
}

// byteLenString reads a string whose length is one byte (a sheet's name).
func (x *xlsReader) byteLenString(dst []byte) ([]byte, error) {
	n, err := x.s.u8()
	if err != nil {
		return dst, err
	}
	return x.chars(dst, int(n), !x.biff5)
}

func (x *xlsReader) chars(dst []byte, n int, biff8 bool) ([]byte, error) {
	if biff8 {
		return x.s.appendString(dst, n)
	}
	b, err := x.s.read(n)
	if err != nil {
		return dst, err
	}
	return x.appendCodePage(dst, b), nil
}

// appendCodePage decodes a BIFF5 string: Windows-1252, what nearly every
// such file is in. Gnumeric declares code page 1200 (UTF-16) and writes
// text that is not ASCII as UTF-16, its length in bytes: the zero high
// bytes of Latin text tell it, as ASCII text holds no zero byte.
func (x *xlsReader) appendCodePage(dst, b []byte) []byte {
	switch x.codePage {
	case 65001:
		if utf8.Valid(b) {
			return append(dst, b...)
		}
	case 1200:
		if len(b)%2 == 0 {
			for i := 1; i < len(b); i += 2 {
				if b[i] == 0 {
					return appendUTF16LE(dst, b)
				}
			}
		}
	}
	return recode(dst, b)
}

// readSST reads the shared strings; their CONTINUE records follow.
func (x *xlsReader) readSST() error {
	b, err := x.s.read(8)
	if err != nil {
		return err
	}
	total := int(binary.LittleEndian.Uint32(b[4:]))
	for i := 0; i < total; i++ {
		if x.s.left == 0 && !x.s.cont() {
			break // fewer strings than announced: Excel reads what there is
		}
		n, err := x.s.u16()
		if err != nil {
			return fmt.Errorf("shared string %d: %v", i, err)
		}
		v, err := x.s.appendString(x.arena[:0], n)
		if err != nil {
			return fmt.Errorf("shared string %d: %v", i, err)
		}
		x.arena = v
		if len(v) > x.o.MaxValue {
			v = v[:utf8Cut(v, x.o.MaxValue)]
		}
		if err := x.strs.add(v); err != nil {
			return err
		}
	}
	return nil
}

// skipSubstream passes a substream up to its EOF, nested ones included
// (a chart inside a sheet).
func (x *xlsReader) skipSubstream() error {
	for depth := 1; depth > 0; {
		ok, err := x.s.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		switch x.s.typ {
		case recBOF:
			depth++
		case recEOF:
			depth--
		}
	}
	return nil
}

// sheet reads a worksheet's cells up to its EOF, a row at a time.
func (x *xlsReader) sheet(ctx context.Context, name string) error {
	x.sh = &sheet{t: x.d.Table(name), o: x.o}
	x.row = -1
	x.pending.set = false
	defer func() {
		x.flush()
		x.sh.end()
	}()
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		ok, err := x.s.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil // a sheet cut short: what was read counts
		}
		at := x.s.start
		typ := x.s.typ
		switch typ {
		case recEOF:
			return nil
		case recBOF:
			if err := x.skipSubstream(); err != nil {
				return err
			}
		case recLabelSST, recNumber, recRK, recMulRK, recLabel, recRString, recFormula, recString, recBoolErr:
			if err := x.cell(typ); err != nil {
				return fmt.Errorf("record 0x%04X at byte %d, row %d: %v", typ, at, x.row+1, err)
			}
		}
	}
}

// cell reads a cell record.
func (x *xlsReader) cell(typ uint16) error {
	le := binary.LittleEndian
	if typ == recString {
		if !x.pending.set {
			return nil
		}
		x.pending.set = false
		n, err := x.s.u16()
		if err != nil {
			return err
		}
		x.at(x.pending.row, x.pending.col)
		v, err := x.chars(x.arena, n, !x.biff5)
		x.arena = v
		return err
	}
	if typ == recLabel || typ == recRString {
		b, err := x.s.read(6)
		if err != nil {
			return err
		}
		x.at(int(le.Uint16(b)), int(le.Uint16(b[2:])))
		n, err := x.s.u16()
		if err != nil {
			return err
		}
		v, err := x.chars(x.arena, n, !x.biff5)
		x.arena = v
		return err
	}
	b, err := x.s.data()
	if err != nil {
		return err
	}
	if len(b) < 6 {
		return errBIFFShort
	}
	row, col := int(le.Uint16(b)), int(le.Uint16(b[2:]))
	switch typ {
	case recLabelSST:
		if len(b) < 10 {
			return errBIFFShort
		}
		v, ok := x.strs.get(int(le.Uint32(b[6:])))
		if !ok {
			return fmt.Errorf("shared string %d of %d", le.Uint32(b[6:]), x.strs.count())
		}
		x.at(row, col)
		x.arena = append(x.arena, v...)
	case recNumber:
		if len(b) < 14 {
			return errBIFFShort
		}
		x.number(row, col, int(le.Uint16(b[4:])), math.Float64frombits(le.Uint64(b[6:])))
	case recRK:
		if len(b) < 10 {
			return errBIFFShort
		}
		x.number(row, col, int(le.Uint16(b[4:])), rk(le.Uint32(b[6:])))
	case recMulRK:
		if len(b) < 6+6+2 {
			return errBIFFShort
		}
		for i, p := 0, b[4:len(b)-2]; len(p) >= 6; i, p = i+1, p[6:] {
			x.number(row, col+i, int(le.Uint16(p)), rk(le.Uint32(p[2:])))
		}
	case recBoolErr:
		if len(b) >= 8 && b[7] == 0 { // an error value holds nothing
			x.boolean(row, col, b[6] != 0)
		}
	case recFormula:
		if len(b) < 14 {
			return errBIFFShort
		}
		v := b[6:14]
		if v[6] == 0xFF && v[7] == 0xFF {
			// Not a number: a string (in the STRING record that follows),
			// a boolean, an error or an empty string.
			x.pending.set, x.pending.row, x.pending.col = v[0] == 0, row, col
			if v[0] == 1 {
				x.boolean(row, col, v[2] != 0)
			}
			return nil
		}
		x.number(row, col, int(le.Uint16(b[4:])), math.Float64frombits(le.Uint64(v)))
	}
	return nil
}

// rk decodes an RK number: a 30-bit integer or the high bits of a
// double, divided by 100 when its low bit says so.
func rk(v uint32) float64 {
	var x float64
	if v&2 != 0 {
		x = float64(int32(v) >> 2)
	} else {
		x = math.Float64frombits(uint64(v&^3) << 32)
	}
	if v&1 != 0 {
		x /= 100
	}
	return x
}

// number adds a number shown as its cell format shows it (a date of
// birth kept as a date).
func (x *xlsReader) number(row, col, xf int, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	var f *cellFormat
	if xf < len(x.formats) {
		f = x.formats[xf]
	}
	x.at(row, col)
	x.arena = f.appendFloat(x.arena, v, x.date1904)
}

// boolean adds TRUE or FALSE, as the XLSX reader shows them.
func (x *xlsReader) boolean(row, col int, v bool) {
	x.at(row, col)
	if v {
		x.arena = append(x.arena, "TRUE"...)
	} else {
		x.arena = append(x.arena, "FALSE"...)
	}
}

// at starts a cell at row, col: a new row flushes the one before.
func (x *xlsReader) at(row, col int) {
	if row != x.row {
		x.flush()
		x.row = row
	}
	x.spans = append(x.spans, [2]int{col, len(x.arena)})
}

// flush hands the row's cells to the sheet, in column order; a column
// given twice keeps its first value.
func (x *xlsReader) flush() {
	if x.row < 0 || len(x.spans) == 0 {
		x.spans, x.arena = x.spans[:0], x.arena[:0]
		return
	}
	x.cells = x.cells[:0]
	for i, sp := range x.spans {
		end := len(x.arena)
		if i+1 < len(x.spans) {
			end = x.spans[i+1][1]
		}
		x.cells = append(x.cells, Cell{Col: sp[0], Value: x.arena[sp[1]:end], Off: -1})
	}
	if !slices.IsSortedFunc(x.cells, func(a, b Cell) int { return a.Col - b.Col }) {
		slices.SortStableFunc(x.cells, func(a, b Cell) int { return a.Col - b.Col })
	}
	x.cells = slices.CompactFunc(x.cells, func(a, b Cell) bool { return a.Col == b.Col })
	x.sh.add(x.row+1, x.cells)
	x.spans, x.arena = x.spans[:0], x.arena[:0]
}
