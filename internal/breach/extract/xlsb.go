package extract

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Excel binary workbooks (.xlsb, [MS-XLSB]): the package of an XLSX, its
// relationships in XML, whose workbook, styles, shared strings and
// sheets are parts of binary records instead of XML. Each record is its
// type and its size, both written 7 bits a byte, then its data. The
// workbook, its formats and its shared strings are read first, then
// each sheet as it is inflated, a record at a time.

// The records read; the others are passed over.
const (
	brtRowHdr      = 0
	brtCellBlank   = 1
	brtCellRk      = 2
	brtCellError   = 3
	brtCellBool    = 4
	brtCellReal    = 5
	brtCellSt      = 6
	brtCellIsst    = 7
	brtFmlaString  = 8
	brtFmlaNum     = 9
	brtFmlaBool    = 10
	brtFmlaError   = 11
	brtShortBlank  = 12 // the short cells, 12 to 18, are in the column after the cell before
	brtShortRk     = 13
	brtShortError  = 14
	brtShortBool   = 15
	brtShortReal   = 16
	brtShortSt     = 17
	brtShortIsst   = 18
	brtSSTItem     = 19
	brtFmt         = 44
	brtXF          = 47
	brtCellRString = 62
	brtWbProp      = 153
	brtBundleSh    = 156
	brtBeginCellXF = 617
	brtEndCellXF   = 618
)

// maxRecord bounds the data of one record kept in memory: the longest a
// string record holds is 32,767 characters (64 KiB).
const maxRecord = 1 << 20

// xlsbRecords reads the records of a part.
type xlsbRecords struct {
	r    *bufio.Reader
	typ  int
	data []byte
	at   int64 // where the record starts in the part, for errors
	off  int64
}

// next reads the next record that keep wants; the others are skipped,
// their data not read. It returns false at the end of the part.
func (s *xlsbRecords) next(keep func(typ int) bool) (bool, error) {
	for {
		s.at = s.off
		typ, n, err := s.varint(2)
		if err == io.EOF && n == 0 {
			return false, nil
		}
		if err != nil {
			return false, s.cut(err)
		}
		size, _, err := s.varint(4)
		if err != nil {
			return false, s.cut(err)
		}
		s.typ = typ
		if keep(typ) {
			return true, s.read(size)
		}
		d, err := s.r.Discard(size)
		s.off += int64(d)
		if err != nil {
			return false, s.cut(err)
		}
	}
}

// read reads the data of the record.
func (s *xlsbRecords) read(size int) error {
	if size > maxRecord {
		return fmt.Errorf("record %d at byte %d: %d bytes", s.typ, s.at, size)
	}
	if cap(s.data) < size {
		s.data = make([]byte, size)
	}
	s.data = s.data[:size]
	d, err := io.ReadFull(s.r, s.data)
	s.off += int64(d)
	if err != nil {
		return s.cut(err)
	}
	return nil
}

// varint reads a record's type (at most 2 bytes) or size (at most 4):
// 7 bits a byte, the low ones first, the high bit set on all bytes but
// the last. It returns how many bytes it read.
func (s *xlsbRecords) varint(max int) (v, n int, err error) {
	for n < max {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, n, err
		}
		s.off++
		v |= int(c&0x7F) << (7 * n)
		n++
		if c&0x80 == 0 {
			return v, n, nil
		}
	}
	return 0, n, fmt.Errorf("a record header at byte %d runs past %d bytes", s.at, max)
}

// cut names an end of data inside a record.
func (s *xlsbRecords) cut(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("the part ends inside a record at byte %d", s.at)
	}
	return err
}

var errXLSBShort = errors.New("a record shorter than its fields")

// xlWideString reads an XLWideString at b: a count of UTF-16 characters
// (32 bits) then the characters. It appends them to dst as UTF-8 and
// returns the rest of b.
func xlWideString(dst, b []byte) ([]byte, []byte, error) {
	if len(b) < 4 {
		return dst, nil, errXLSBShort
	}
	n := binary.LittleEndian.Uint32(b)
	if n == math.MaxUint32 { // XLNullableWideString's null
		return dst, b[4:], nil
	}
	if uint64(n)*2 > uint64(len(b)-4) {
		return dst, nil, fmt.Errorf("a string of %d characters in %d bytes", n, len(b)-4)
	}
	end := 4 + 2*int(n)
	return appendUTF16LE(dst, b[4:end]), b[end:], nil
}

// records opens a part and hands its records to fn, counting its
// inflated bytes against the budget.
func (wb *workbook) records(zf *zip.File, fn func(*xlsbRecords) error) error {
	return wb.open(zf, func(r io.Reader) error {
		return fn(&xlsbRecords{r: bufio.NewReaderSize(r, 64<<10)})
	})
}

// binaryPart reads a part of records if the package has it; errors name
// what the part is for.
func (wb *workbook) binaryPart(name, what string, fn func(*xlsbRecords) error) error {
	return wb.part(name, what, func(zf *zip.File) error { return wb.records(zf, fn) })
}

// loadBinary reads the workbook part, its relationships, the cell
// formats and the shared strings of a binary workbook.
func (wb *workbook) loadBinary() error {
	main, err := wb.mainPart("xl/workbook.bin")
	if err != nil {
		return err
	}
	if wb.parts[strings.ToLower(main)] == nil {
		return fmt.Errorf("%w: no workbook part", ErrSyntax)
	}
	var ids []string
	if err := wb.binaryPart(main, "the workbook part", func(rs *xlsbRecords) error {
		for {
			ok, err := rs.next(func(t int) bool { return t == brtBundleSh || t == brtWbProp })
			if !ok || err != nil {
				return err
			}
			b := rs.data
			switch rs.typ {
			case brtWbProp:
				wb.date1904 = len(b) >= 4 && b[0]&1 != 0
			case brtBundleSh:
				if len(b) < 8 {
					return errXLSBShort
				}
				id, rest, err := xlWideString(nil, b[8:])
				if err != nil {
					return fmt.Errorf("sheet %d: %v", len(ids)+1, err)
				}
				name, _, err := xlWideString(nil, rest)
				if err != nil {
					return fmt.Errorf("sheet %d: %v", len(ids)+1, err)
				}
				wb.sheets = append(wb.sheets, wbSheet{name: string(name)})
				ids = append(ids, string(id))
			}
		}
	}); err != nil {
		return err
	}
	styles, strs, err := wb.sheetParts(main, ids, ".bin")
	if err != nil {
		return err
	}
	if err := wb.binaryPart(styles, "the styles", wb.readBinaryStyles); err != nil {
		return err
	}
	return wb.binaryPart(strs, "the shared strings", wb.readBinaryStrings)
}

// readBinaryStyles keeps the number format of each cell format.
func (wb *workbook) readBinaryStyles(rs *xlsbRecords) error {
	custom := map[int]string{}
	var xfs []int
	inXFs := false
	for {
		ok, err := rs.next(func(t int) bool {
			return t == brtFmt || t == brtXF || t == brtBeginCellXF || t == brtEndCellXF
		})
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		b := rs.data
		switch rs.typ {
		case brtBeginCellXF:
			inXFs = true
		case brtEndCellXF:
			inXFs = false
		case brtFmt:
			if len(b) < 2 {
				return fmt.Errorf("record %d at byte %d: %v", rs.typ, rs.at, errXLSBShort)
			}
			code, _, err := xlWideString(nil, b[2:])
			if err != nil {
				return fmt.Errorf("record %d at byte %d: %v", rs.typ, rs.at, err)
			}
			custom[int(binary.LittleEndian.Uint16(b))] = string(code)
		case brtXF:
			if inXFs {
				if len(b) < 4 {
					return fmt.Errorf("record %d at byte %d: %v", rs.typ, rs.at, errXLSBShort)
				}
				xfs = append(xfs, int(binary.LittleEndian.Uint16(b[2:])))
			}
		}
	}
	wb.formats = cellFormats(custom, xfs)
	return nil
}

// readBinaryStrings reads the shared strings: each item's text, its
// runs of formatting and phonetic guides left out.
func (wb *workbook) readBinaryStrings(rs *xlsbRecords) error {
	var v []byte
	for {
		ok, err := rs.next(func(t int) bool { return t == brtSSTItem })
		if err != nil {
			return err
		}
		if !ok {
			return wb.strs.done()
		}
		if len(rs.data) < 1 {
			return fmt.Errorf("shared string %d: %v", wb.strs.count(), errXLSBShort)
		}
		v, _, err = xlWideString(v[:0], rs.data[1:])
		if err != nil {
			return fmt.Errorf("shared string %d: %v", wb.strs.count(), err)
		}
		if err := wb.strs.add(v[:utf8Cut(v, wb.maxValue)]); err != nil {
			return err
		}
	}
}

// readBinary reads a binary sheet's cells, a row at a time.
func (r *sheetReader) readBinary(ctx context.Context, rs *xlsbRecords, s *sheet) error {
	le := binary.LittleEndian
	r.rowN = 0
	r.arena, r.ends, r.cells = r.arena[:0], r.ends[:0], r.cells[:0]
	defer r.flush(s)
	col := -1
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		ok, err := rs.next(isBinaryCell)
		if err != nil || !ok {
			return err
		}
		b := rs.data
		if rs.typ == brtRowHdr {
			if len(b) < 4 {
				return fmt.Errorf("record %d at byte %d: %v", rs.typ, rs.at, errXLSBShort)
			}
			r.flush(s)
			r.rowN, col = int(le.Uint32(b))+1, -1
			r.arena, r.ends, r.cells = r.arena[:0], r.ends[:0], r.cells[:0]
			continue
		}
		if col, err = r.binaryCell(rs.typ, b, col); err != nil {
			return fmt.Errorf("record %d at byte %d: %v", rs.typ, rs.at, err)
		}
	}
}

// isBinaryCell tells the records of a row and its cells, blanks and
// errors included: a short cell's column is the one after theirs.
func isBinaryCell(t int) bool {
	return t <= brtShortIsst || t == brtCellRString
}

// binaryCell appends the value of a cell record to the row and returns
// its column: a cell is its column (but a short one), its cell format
// (24 bits, then 8 of flags), then its value.
func (r *sheetReader) binaryCell(typ int, b []byte, prev int) (int, error) {
	le := binary.LittleEndian
	col := prev + 1
	if typ < brtShortBlank || typ == brtCellRString {
		if len(b) < 4 {
			return prev, errXLSBShort
		}
		col, b = int(le.Uint32(b)), b[4:]
	}
	if len(b) < 4 {
		return prev, errXLSBShort
	}
	style, v := int(le.Uint32(b)&0xFFFFFF), b[4:]
	if col < 0 || col >= maxCells {
		return col, nil
	}
	start := len(r.arena)
	var err error
	switch typ {
	case brtCellIsst, brtShortIsst:
		if len(v) < 4 {
			return col, errXLSBShort
		}
		s, ok := r.wb.strs.get(int(le.Uint32(v)))
		if !ok {
			return col, fmt.Errorf("shared string %d of %d", le.Uint32(v), r.wb.strs.count())
		}
		r.arena = append(r.arena, s...)
	case brtCellSt, brtShortSt, brtFmlaString:
		r.arena, _, err = xlWideString(r.arena, v)
	case brtCellRString:
		if len(v) < 1 {
			return col, errXLSBShort
		}
		r.arena, _, err = xlWideString(r.arena, v[1:])
	case brtCellRk, brtShortRk:
		if len(v) < 4 {
			return col, errXLSBShort
		}
		r.number(style, rk(le.Uint32(v)))
	case brtCellReal, brtShortReal, brtFmlaNum:
		if len(v) < 8 {
			return col, errXLSBShort
		}
		r.number(style, math.Float64frombits(le.Uint64(v)))
	case brtCellBool, brtShortBool, brtFmlaBool:
		if len(v) < 1 {
			return col, errXLSBShort
		}
		if v[0] != 0 {
			r.arena = append(r.arena, "TRUE"...)
		} else {
			r.arena = append(r.arena, "FALSE"...)
		}
	}
	if err != nil {
		return col, err
	}
	r.push(col, start)
	return col, nil
}

// number appends a number as its cell format shows it.
func (r *sheetReader) number(style int, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	var f *cellFormat
	if style < len(r.wb.formats) {
		f = r.wb.formats[style]
	}
	r.arena = f.appendFloat(r.arena, v, r.wb.date1904)
}
