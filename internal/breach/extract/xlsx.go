package extract

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// XLSX (Office Open XML, ISO/IEC 29500): a zip whose workbook part lists
// the sheets; each sheet's cells refer to a table of shared strings and
// a table of cell formats. The workbook, its relationships, the formats
// and the shared strings are read first; each sheet is then read as it
// is inflated, never whole.

// workbook is what the sheets need from the rest of the package.
type workbook struct {
	zr       *zip.Reader
	parts    map[string]*zip.File // by lower-cased name (part names ignore case)
	sheets   []wbSheet
	date1904 bool
	formats  []*cellFormat // by cell format (xf) index; nil: General
	strs     sharedStrings
	b        *budget
	maxValue int
	sc       *xmlScanner
}

type wbSheet struct{ name, part string }

// sharedStrings holds the shared table's strings end to end. Past
// memLimit bytes it moves to two temporary files, the strings and where
// each ends, read back one string at a time: a workbook's memory stays
// bounded however large its table.
type sharedStrings struct {
	arena    []byte
	ends     []uint32 // the arena never passes memLimit
	memLimit int
	tempDir  string

	data, index *os.File // when spilled
	dw, iw      *bufio.Writer
	size        int64 // bytes in data
	n           int   // strings in the files
	buf         []byte
}

// sharedMemory is what the shared strings may take in memory (less than
// 4 GiB: their ends are 32-bit).
const sharedMemory = 64 << 20

func (s *sharedStrings) add(v []byte) error {
	if s.data == nil {
		// Each string in memory costs its bytes and 4 more: both count.
		if len(s.arena)+len(v)+4*(len(s.ends)+1) <= s.memLimit {
			s.arena = append(s.arena, v...)
			s.ends = append(s.ends, uint32(len(s.arena)))
			return nil
		}
		if err := s.spill(); err != nil {
			return err
		}
	}
	if _, err := s.dw.Write(v); err != nil {
		return err
	}
	s.size += int64(len(v))
	s.n++
	var e [8]byte
	binary.LittleEndian.PutUint64(e[:], uint64(s.size))
	_, err := s.iw.Write(e[:])
	return err
}

// spill moves the strings read so far to the files.
func (s *sharedStrings) spill() error {
	var err error
	if s.data, err = os.CreateTemp(s.tempDir, "tocsin-sst-*"); err != nil {
		return err
	}
	if s.index, err = os.CreateTemp(s.tempDir, "tocsin-sst-*"); err != nil {
		return err
	}
	s.dw, s.iw = bufio.NewWriterSize(s.data, 1<<16), bufio.NewWriterSize(s.index, 1<<16)
	arena, ends := s.arena, s.ends
	s.arena, s.ends = nil, nil
	start := uint32(0)
	for _, end := range ends {
		if err := s.add(arena[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// done ends the reading of the table.
func (s *sharedStrings) done() error {
	if s.data == nil {
		return nil
	}
	if err := s.dw.Flush(); err != nil {
		return err
	}
	return s.iw.Flush()
}

func (s *sharedStrings) close() {
	for _, f := range []*os.File{s.data, s.index} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}

// count is the number of strings added.
func (s *sharedStrings) count() int {
	if s.data != nil {
		return s.n
	}
	return len(s.ends)
}

func (s *sharedStrings) get(i int) ([]byte, bool) {
	if s.data != nil {
		return s.getSpilled(i)
	}
	if i < 0 || i >= len(s.ends) {
		return nil, false
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.arena[start:s.ends[i]], true
}

func (s *sharedStrings) getSpilled(i int) ([]byte, bool) {
	if i < 0 || i >= s.n {
		return nil, false
	}
	var e [16]byte
	at, span := int64(i-1)*8, e[:]
	if i == 0 {
		at, span = 0, e[8:]
	}
	if _, err := s.index.ReadAt(span, at); err != nil {
		return nil, false
	}
	start, end := int64(binary.LittleEndian.Uint64(e[:8])), int64(binary.LittleEndian.Uint64(e[8:]))
	if start > end || end > s.size {
		return nil, false
	}
	s.buf = slices.Grow(s.buf[:0], int(end-start))[:end-start]
	if _, err := s.data.ReadAt(s.buf, start); err != nil {
		return nil, false
	}
	return s.buf, true
}

// readXLSX reads every worksheet of a workbook, XLSX or, binary, XLSB:
// the same package, the same shared strings, formats and rows.
func (e *Extractor) readXLSX(ctx context.Context, f io.ReaderAt, size int64, d Doc, src *source, binary bool) error {
	zr, err := openZip(f, size)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	wb := &workbook{zr: zr, parts: map[string]*zip.File{}, b: src.b, maxValue: e.o.MaxValue,
		strs: sharedStrings{memLimit: sharedMemory, tempDir: e.o.TempDir}}
	defer wb.strs.close()
	for _, zf := range zr.File {
		wb.parts[strings.ToLower(path.Clean("/" + zf.Name))[1:]] = zf
	}
	load := wb.load
	if binary {
		load = wb.loadBinary
	}
	if err := load(); err != nil {
		return err
	}
	r := sheetReader{wb: wb, o: e.o}
	for i, sh := range wb.sheets {
		if err := ctx.Err(); err != nil {
			return err
		}
		zf := wb.parts[sh.part]
		if zf == nil {
			d.Problem(Problem{Path: src.display, Offset: -1, Err: fmt.Errorf("%w: sheet %d has no part in the workbook", ErrSyntax, i+1)})
			continue
		}
		s := &sheet{t: d.Table(sh.name), o: e.o}
		var err error
		if binary {
			err = wb.records(zf, func(rs *xlsbRecords) error { return r.readBinary(ctx, rs, s) })
		} else {
			err = wb.read(zf, func(sc *xmlScanner) error { return r.read(ctx, sc, s) })
		}
		s.end()
		switch {
		case errors.Is(err, ErrLimit), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return err
		case err != nil:
			// The readers' errors never quote the document.
			d.Problem(Problem{Path: src.display, Line: r.rowN, Offset: -1, Err: fmt.Errorf("%w: sheet %d: %v after row %d", ErrSyntax, i+1, err, r.rowN)})
		}
	}
	return ctx.Err()
}

// read opens a part and hands its XML to fn, counting its inflated bytes
// against the budget.
func (wb *workbook) read(zf *zip.File, fn func(*xmlScanner) error) error {
	return wb.open(zf, func(r io.Reader) error {
		// One scanner reads every part, one after the other.
		if wb.sc == nil {
			wb.sc = newXMLScanner(nil)
		}
		wb.sc.reset(r)
		return fn(wb.sc)
	})
}

// open opens a part and hands it to fn, counting its inflated bytes
// against the budget.
func (wb *workbook) open(zf *zip.File, fn func(io.Reader) error) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	err = fn(&limited{r: rc, b: wb.b})
	if wb.b.hit {
		return ErrLimit
	}
	return err
}

// readPart reads a part if the package has it; what names it in errors
// is what it is for, not its name, which the package chose.
func (wb *workbook) readPart(name, what string, fn func(*xmlScanner) error) error {
	return wb.part(name, what, func(zf *zip.File) error { return wb.read(zf, fn) })
}

// part calls fn with a part if the package has it, naming the part by
// what in fn's errors.
func (wb *workbook) part(name, what string, fn func(*zip.File) error) error {
	zf := wb.parts[strings.ToLower(name)]
	if zf == nil {
		return nil
	}
	if err := fn(zf); err != nil {
		if errors.Is(err, ErrLimit) {
			return err
		}
		return fmt.Errorf("%w: %s: %v", ErrSyntax, what, err)
	}
	return nil
}

// mainPart is the workbook part the package's relationships name (def
// when they do not).
func (wb *workbook) mainPart(def string) (string, error) {
	main := def
	err := wb.readPart("_rels/.rels", "the package's relationships", func(sc *xmlScanner) error {
		return eachRelationship(sc, "", func(_, typ, target string) {
			if strings.HasSuffix(typ, "/officeDocument") {
				main = target
			}
		})
	})
	return main, err
}

// load reads the workbook part, its relationships, the cell formats and
// the shared strings.
func (wb *workbook) load() error {
	main, err := wb.mainPart("xl/workbook.xml")
	if err != nil {
		return err
	}
	var ids []string
	if err := wb.readPart(main, "the workbook part", func(sc *xmlScanner) error {
		for {
			k, err := sc.next()
			if k == xmlEOF || err != nil {
				return err
			}
			if k != xmlStart {
				continue
			}
			switch string(sc.name) {
			case "sheet":
				name, _ := sc.attr("name")
				wb.sheets = append(wb.sheets, wbSheet{name: string(name)})
				id, _ := sc.attr("id")
				ids = append(ids, string(id))
			case "workbookPr":
				v, _ := sc.attr("date1904")
				wb.date1904 = string(v) == "1" || string(v) == "true"
			}
		}
	}); err != nil {
		return err
	}
	if wb.parts[strings.ToLower(main)] == nil {
		return fmt.Errorf("%w: no workbook part", ErrSyntax)
	}
	styles, strs, err := wb.sheetParts(main, ids, ".xml")
	if err != nil {
		return err
	}
	if err := wb.readPart(styles, "the styles", wb.readStyles); err != nil {
		return err
	}
	return wb.readPart(strs, "the shared strings", wb.readStrings)
}

// sheetParts reads the workbook part's relationships: it gives each of
// wb.sheets (whose relationship ids are ids) its part, drops the sheets
// without cells, and returns the styles and shared strings parts (by
// default styles and sharedStrings with the extension ext).
func (wb *workbook) sheetParts(main string, ids []string, ext string) (styles, strs string, err error) {
	dir := path.Dir(main)
	targets := map[string]string{}
	styles, strs = path.Join(dir, "styles"+ext), path.Join(dir, "sharedStrings"+ext)
	if err := wb.readPart(path.Join(dir, "_rels", path.Base(main)+".rels"), "the workbook's relationships", func(sc *xmlScanner) error {
		return eachRelationship(sc, dir, func(id, typ, target string) {
			switch {
			case strings.HasSuffix(typ, "/worksheet"):
				targets[id] = target
			case strings.HasSuffix(typ, "/styles"):
				styles = target
			case strings.HasSuffix(typ, "/sharedStrings"):
				strs = target
			}
		})
	}); err != nil {
		return "", "", err
	}
	kept := wb.sheets[:0]
	for i, sh := range wb.sheets {
		part, ok := targets[ids[i]]
		if !ok {
			// Chart sheets and dialog sheets hold no cells.
			continue
		}
		sh.part = strings.ToLower(part)
		kept = append(kept, sh)
	}
	wb.sheets = kept
	return styles, strs, nil
}

// eachRelationship calls fn with each relationship's id, type and
// target, resolved against dir.
func eachRelationship(sc *xmlScanner, dir string, fn func(id, typ, target string)) error {
	for {
		k, err := sc.next()
		if k == xmlEOF || err != nil {
			return err
		}
		if k != xmlStart || string(sc.name) != "Relationship" {
			continue
		}
		if mode, _ := sc.attr("TargetMode"); string(mode) == "External" {
			continue
		}
		t, _ := sc.attr("Target")
		target := string(t)
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target)[1:]
		} else {
			target = path.Join(dir, target)
		}
		typ, _ := sc.attr("Type")
		kind := string(typ)
		id, _ := sc.attr("Id")
		fn(string(id), kind, target)
	}
}

// readStyles keeps the number format of each cell format.
func (wb *workbook) readStyles(sc *xmlScanner) error {
	custom := map[int]string{}
	var xfs []int
	inXfs := false
	for {
		k, err := sc.next()
		if k == xmlEOF || err != nil {
			if err != nil {
				return err
			}
			break
		}
		switch {
		case k == xmlStart && string(sc.name) == "numFmt":
			id, _ := sc.attr("numFmtId")
			n, err := strconv.Atoi(string(id))
			if err != nil {
				continue
			}
			code, _ := sc.attr("formatCode")
			custom[n] = string(code)
		case k == xmlStart && string(sc.name) == "cellXfs":
			inXfs = true
		case k == xmlEnd && string(sc.name) == "cellXfs":
			inXfs = false
		case k == xmlStart && inXfs && string(sc.name) == "xf":
			v, _ := sc.attr("numFmtId")
			n, _ := strconv.Atoi(string(v))
			xfs = append(xfs, n)
		}
	}
	wb.formats = cellFormats(custom, xfs)
	return nil
}

// cellFormats gives each cell format (xf) its number format, from the
// workbook's own codes or the built-in ones; nil for General.
func cellFormats(custom map[int]string, xfs []int) []*cellFormat {
	parsed := map[int]*cellFormat{}
	formats := make([]*cellFormat, len(xfs))
	for i, id := range xfs {
		f, ok := parsed[id]
		if !ok {
			code, isCustom := custom[id]
			if !isCustom {
				code, _ = builtinFormat(id)
			}
			if cf := parseFormat(code); cf.kind != fmtGeneral {
				f = &cf
			}
			parsed[id] = f
		}
		formats[i] = f
	}
	return formats
}

// readStrings reads the shared strings: the text of each <si>, its runs
// of rich text joined, its phonetic guides (<rPh>) left out.
func (wb *workbook) readStrings(sc *xmlScanner) error {
	var (
		inSI, inT bool
		rph       int
		raw, val  []byte
	)
	for {
		k, err := sc.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlEOF:
			return wb.strs.done()
		case xmlStart:
			switch string(sc.name) {
			case "si":
				inSI, raw = true, raw[:0]
			case "t":
				inT = inSI && rph == 0
			case "rPh":
				rph++
			}
		case xmlText:
			if inT && len(raw) < wb.maxValue {
				raw = append(raw, sc.text[:min(len(sc.text), wb.maxValue-len(raw))]...)
			}
		case xmlEnd:
			switch string(sc.name) {
			case "t":
				inT = false
			case "rPh":
				rph = max(0, rph-1)
			case "si":
				if inSI {
					val = appendUnescaped(val[:0], raw)
					if err := wb.strs.add(val[:utf8Cut(val, wb.maxValue)]); err != nil {
						return err
					}
				}
				inSI = false
			}
		}
	}
}

// appendUnescaped expands the _xHHHH_ escapes with which OOXML writes
// characters XML cannot hold (_x000D_ is a carriage return); _x005F_ is
// an underscore.
func appendUnescaped(dst, v []byte) []byte {
	for {
		i := strings.Index(string(v), "_x")
		if i < 0 || len(v)-i < 7 {
			return append(dst, v...)
		}
		dst = append(dst, v[:i]...)
		r, ok := hex4(v[i+2 : i+6])
		if !ok || v[i+6] != '_' {
			dst = append(dst, '_')
			v = v[i+1:]
			continue
		}
		if r >= 0xD800 && r <= 0xDFFF {
			r = utf8.RuneError
		}
		dst = utf8.AppendRune(dst, r)
		v = v[i+7:]
	}
}

// sheetReader turns a sheet's XML into rows. Its buffers serve every
// sheet of the workbook.
type sheetReader struct {
	wb    *workbook
	o     Options
	rowN  int    // the row being read, for errors
	arena []byte // the values of the row
	ends  []int
	cells []Cell
	raw   []byte // the text of <v> or of an inline string
	// slowOnly (tests) reads every cell token by token.
	slowOnly bool
}

// cell kinds, from the t attribute
const (
	cellNumber = iota
	cellShared
	cellInline
	cellBool
	cellText // str (a formula's text), e (an error), d (an ISO date)
)

func (r *sheetReader) read(ctx context.Context, sc *xmlScanner, s *sheet) error {
	var (
		inData, inRow, inCell, inIs, collect bool
		rph                                  int
		col, nextCol, kind, style            int
		rows                                 int
	)
	r.rowN = 0
	for {
		if inRow && !inCell && !r.slowOnly {
			if col, ok := r.cell(sc, nextCol); ok {
				nextCol = col + 1
				continue
			}
		}
		k, err := sc.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlEOF:
			return nil
		case xmlText:
			if collect && len(r.raw) < r.o.MaxValue {
				r.raw = append(r.raw, sc.text[:min(len(sc.text), r.o.MaxValue-len(r.raw))]...)
			}
		case xmlStart:
			switch string(sc.name) {
			case "sheetData":
				inData = true
			case "row":
				if !inData {
					continue
				}
				if inRow {
					r.flush(s) // the previous row was never closed
				}
				inRow = true
				n := r.rowN + 1
				if v, ok := sc.attr("r"); ok {
					if m, err := strconv.Atoi(string(v)); err == nil && m > 0 {
						n = m
					}
				}
				r.rowN, nextCol = n, 0
				r.arena, r.ends, r.cells = r.arena[:0], r.ends[:0], r.cells[:0]
				if rows++; rows&1023 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
			case "c":
				if !inRow {
					continue
				}
				inCell, inIs, rph = true, false, 0
				col, kind, style = nextCol, cellNumber, 0
				// One pass over the attributes: r, s and t are on every cell.
				for i := 0; ; {
					name, v, next, ok := nextAttr(sc.attrs, i)
					if !ok {
						break
					}
					i = next
					if len(name) == 1 {
						cellAttr(name[0], v, &col, &kind, &style)
					}
				}
				r.raw = r.raw[:0]
				if v, ok := r.plainCell(sc, kind); ok {
					r.raw = append(r.raw, v...)
					r.value(col, kind, style)
					nextCol = col + 1
					inCell = false
				}
			case "v":
				collect = inCell && !inIs
			case "is":
				inIs = inCell
			case "t":
				collect = inIs && rph == 0
			case "rPh":
				rph++
			}
		case xmlEnd:
			switch string(sc.name) {
			case "v", "t":
				collect = false
			case "rPh":
				rph = max(0, rph-1)
			case "is":
				inIs = false
			case "c":
				if inCell {
					r.value(col, kind, style)
					nextCol = col + 1
				}
				inCell, collect = false, false
			case "row":
				if inRow {
					r.flush(s)
				}
				inRow = false
			case "sheetData":
				// What follows (merged cells, notes' anchors) holds no value.
				return nil
			}
		}
	}
}

// cell reads a whole cell at the scanner's position when the buffer
// holds it and it is written as most are: <c r="B2" s="1" t="s"><v>12</v></c>
// (the attributes r, s and t only, in any order, in double quotes; a
// value with no entity or carriage return) or empty, <c r="B2" s="1"/>.
// It files the value as read does and returns its column; or reports
// false and moves nothing, for read to take the cell token by token.
func (r *sheetReader) cell(sc *xmlScanner, nextCol int) (int, bool) {
	if sc.pendEnd {
		return 0, false
	}
	b := sc.buf[sc.pos:sc.end]
	if len(b) < 4 || b[0] != '<' || b[1] != 'c' || b[2] != ' ' {
		return 0, false
	}
	col, kind, style := nextCol, cellNumber, 0
	i := 3
	for {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i+4 > len(b) {
			return 0, false
		}
		if b[i] == '>' || b[i] == '/' {
			break
		}
		// One letter, '=', a value in double quotes.
		if b[i+1] != '=' || b[i+2] != '"' {
			return 0, false
		}
		name := b[i]
		v := b[i+3 : min(len(b), i+3+32)]
		e := 0
		for e < len(v) && v[e] != '"' && v[e] != '&' {
			e++
		}
		if e == len(v) || v[e] != '"' {
			return 0, false
		}
		// Another attribute, or an inline string (<is><t>…</t></is>):
		// token by token.
		if !cellAttr(name, v[:e], &col, &kind, &style) || kind == cellInline {
			return 0, false
		}
		i += 3 + e + 1
	}
	r.raw = r.raw[:0]
	if b[i] == '/' {
		if b[i+1] != '>' {
			return 0, false
		}
		sc.pos += i + 2 // an empty cell: filed as read files one
	} else {
		const open, close = "><v>", "</v></c>"
		rest := b[i:]
		if len(rest) < len(open) || string(rest[:len(open)]) != open {
			return 0, false
		}
		rest = rest[len(open):]
		// Most values are a few bytes: a loop costs less than the calls
		// that search long ones.
		e, lim := 0, min(len(rest), r.o.MaxValue)
		for e < lim && rest[e] != '<' && rest[e] != '&' && rest[e] != '\r' {
			e++
		}
		if e == lim || rest[e] != '<' || len(rest)-e < len(close) || string(rest[e:e+len(close)]) != close {
			return 0, false
		}
		r.raw = append(r.raw, rest[:e]...)
		sc.pos += i + len(open) + e + len(close)
	}
	r.value(col, kind, style)
	return col, true
}

// cellAttr files the value v of a cell's attribute name (r, s or t) and
// reports whether it is one of those.
func cellAttr(name byte, v []byte, col, kind, style *int) bool {
	switch name {
	case 'r':
		if c, ok := columnOf(v); ok {
			*col = c
		}
	case 's':
		*style = atoiOr0(v)
	case 't':
		*kind = cellKind(v)
	default:
		return false
	}
	return true
}

// cellKind is the kind of a cell whose t attribute is v.
func cellKind(v []byte) int {
	switch string(v) {
	case "s":
		return cellShared
	case "inlineStr":
		return cellInline
	case "b":
		return cellBool
	case "n":
		return cellNumber
	}
	return cellText
}

// digitsInt reads v when it is one to nine ASCII digits, as strconv.Atoi
// would, without making it a string.
func digitsInt(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// atoiOr0 is strconv.Atoi's value of v, 0 when it is not a number.
func atoiOr0(v []byte) int {
	if n, ok := digitsInt(v); ok {
		return n
	}
	n, _ := strconv.Atoi(string(v))
	return n
}

// plainCell reads the rest of a cell at once when it is as most are,
// <v>…</v></c> or <is><t>…</t></is></c>, and the buffer holds it.
func (r *sheetReader) plainCell(sc *xmlScanner, kind int) ([]byte, bool) {
	switch {
	case r.slowOnly:
		return nil, false
	case kind == cellInline:
		return sc.child("<is><t>", "</t></is></c>")
	}
	return sc.child("<v>", "</v></c>")
}

// value appends the cell just read to the row.
func (r *sheetReader) value(col, kind, style int) {
	if col >= maxCells {
		return
	}
	start := len(r.arena)
	switch kind {
	case cellShared:
		i, ok := digitsInt(r.raw)
		if !ok {
			var err error
			if i, err = strconv.Atoi(string(bytes.TrimSpace(r.raw))); err != nil {
				return
			}
		}
		v, ok := r.wb.strs.get(i)
		if !ok {
			return
		}
		r.arena = append(r.arena, v...)
	case cellInline:
		r.arena = appendUnescaped(r.arena, r.raw)
	case cellBool:
		switch string(r.raw) {
		case "1":
			r.arena = append(r.arena, "TRUE"...)
		case "0":
			r.arena = append(r.arena, "FALSE"...)
		default:
			r.arena = append(r.arena, r.raw...)
		}
	case cellText:
		r.arena = append(r.arena, r.raw...)
	default:
		if len(r.raw) == 0 {
			return
		}
		if style > 0 && style < len(r.wb.formats) && r.wb.formats[style] != nil {
			r.arena = r.wb.formats[style].appendNumber(r.arena, r.raw, r.wb.date1904)
		} else {
			r.arena = appendGeneral(r.arena, r.raw)
		}
	}
	r.push(col, start)
}

// push ends the cell of column col whose value the arena holds from
// start (none when empty), cut to MaxValue.
func (r *sheetReader) push(col, start int) {
	if len(r.arena) == start {
		return
	}
	if len(r.arena)-start > r.o.MaxValue {
		r.arena = r.arena[:start+utf8Cut(r.arena[start:], r.o.MaxValue)]
	}
	r.ends = append(r.ends, len(r.arena))
	r.cells = append(r.cells, Cell{Col: col, Off: -1})
}

// flush hands the row over.
func (r *sheetReader) flush(s *sheet) {
	if len(r.cells) == 0 {
		return
	}
	start := 0
	for i := range r.cells {
		r.cells[i].Value = r.arena[start:r.ends[i]]
		start = r.ends[i]
	}
	s.add(r.rowN, r.cells)
}

// columnOf reads the column of a cell reference such as "AB12" (0-based).
func columnOf(ref []byte) (int, bool) {
	col, n := 0, 0
	for _, c := range ref {
		c = lowerASCII(c)
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
		if n++; n > 3 {
			return 0, false
		}
	}
	if n == 0 {
		return 0, false
	}
	return col - 1, true
}
