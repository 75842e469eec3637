// Package xlswrite writes Excel 97-2003 workbooks: BIFF8 records in the
// "Workbook" stream of a compound file. It writes what the tests and
// benchmarks of the .xls reader need, as Excel lays it out (text in the
// shared strings, split over CONTINUE records; numbers; dates by their
// number format), not formatting, formulas or charts.
package xlswrite

import (
	"encoding/binary"
	"math"
	"unicode/utf16"
)

// Cell is a cell: text, or a number shown by a number format.
type Cell struct {
	Text   string
	Number float64
	IsNum  bool
	Format string // a number format code ("dd/mm/yyyy"); "" for General
}

// Sheet is a worksheet's name and rows, from row 1 and column A.
type Sheet struct {
	Name string
	Rows [][]Cell
}

// Record types.
const (
	recBOF        = 0x0809
	recEOF        = 0x000A
	recCodePage   = 0x0042
	recFormat     = 0x041E
	recXF         = 0x00E0
	recSST        = 0x00FC
	recContinue   = 0x003C
	recBoundSheet = 0x0085
	recLabelSST   = 0x00FD
	recNumber     = 0x0203
	recRK         = 0x027E

	maxData = 8224
)

// Record writes one record (data up to 8224 bytes).
func Record(typ uint16, parts ...[]byte) []byte {
	var data []byte
	for _, p := range parts {
		data = append(data, p...)
	}
	out := binary.LittleEndian.AppendUint16(nil, typ)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(data)))
	return append(out, data...)
}

// Workbook writes the Workbook stream of the sheets.
func Workbook(sheets []Sheet) []byte {
	le := binary.LittleEndian
	u16 := func(v int) []byte { return le.AppendUint16(nil, uint16(v)) }
	u32 := func(v int) []byte { return le.AppendUint32(nil, uint32(v)) }
	bof := func(kind int) []byte { return Record(recBOF, u16(0x0600), u16(kind), u32(0), u32(0), u32(0)) }

	// Shared strings and number formats, in the order first met.
	strs, index := []string{}, map[string]int{}
	formats, xfOf := []string{}, map[string]int{"": 0}
	total := 0
	for _, sh := range sheets {
		for _, row := range sh.Rows {
			for _, c := range row {
				if c.IsNum {
					if _, ok := xfOf[c.Format]; !ok {
						formats = append(formats, c.Format)
						xfOf[c.Format] = len(formats)
					}
					continue
				}
				if c.Text == "" {
					continue
				}
				total++
				if _, ok := index[c.Text]; !ok {
					index[c.Text] = len(strs)
					strs = append(strs, c.Text)
				}
			}
		}
	}
	globals := append(bof(5), Record(recCodePage, u16(1200))...)
	for i, f := range formats {
		globals = append(globals, Record(recFormat, u16(164+i), xlString(f))...)
	}
	globals = append(globals, Record(recXF, u16(0), u16(0), make([]byte, 16))...)
	for i := range formats {
		globals = append(globals, Record(recXF, u16(0), u16(164+i), make([]byte, 16))...)
	}
	globals = append(globals, sst(strs, total)...)

	// Where each sheet starts: after the globals, their BOUNDSHEETs and EOF.
	bound := make([][]byte, len(sheets))
	body := make([][]byte, len(sheets))
	size := len(globals) + 4
	for i, sh := range sheets {
		name := xlString(sh.Name)
		bound[i] = append([]byte{byte(len([]rune(sh.Name)))}, name[2:]...) // a one-byte length
		size += 4 + 6 + len(bound[i])
		b := bof(0x10)
		for r, row := range sh.Rows {
			for c, cell := range row {
				switch {
				case cell.IsNum:
					b = append(b, number(r, c, xfOf[cell.Format], cell.Number)...)
				case cell.Text != "":
					b = append(b, Record(recLabelSST, u16(r), u16(c), u16(0), u32(index[cell.Text]))...)
				}
			}
		}
		body[i] = append(b, Record(recEOF)...)
	}
	out := globals
	pos := size
	for i := range sheets {
		out = append(out, Record(recBoundSheet, u32(pos), []byte{0, 0}, bound[i])...)
		pos += len(body[i])
	}
	out = append(out, Record(recEOF)...)
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

// number writes a number as an RK record when it fits one (integers of
// 30 bits, as Excel does), as a NUMBER record otherwise.
func number(r, c, xf int, v float64) []byte {
	le := binary.LittleEndian
	head := le.AppendUint16(le.AppendUint16(le.AppendUint16(nil, uint16(r)), uint16(c)), uint16(xf))
	if v == math.Trunc(v) && v >= -(1<<29) && v < 1<<29 {
		return Record(recRK, head, le.AppendUint32(nil, uint32(int32(v))<<2|2))
	}
	return Record(recNumber, head, le.AppendUint64(nil, math.Float64bits(v)))
}

// xlString writes a string's length, flags and characters: one byte a
// character when all fit, UTF-16 otherwise.
func xlString(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := binary.LittleEndian.AppendUint16(nil, uint16(len(u)))
	if wide(u) {
		out = append(out, 1)
		for _, c := range u {
			out = binary.LittleEndian.AppendUint16(out, c)
		}
		return out
	}
	out = append(out, 0)
	for _, c := range u {
		out = append(out, byte(c))
	}
	return out
}

func wide(u []uint16) bool {
	for _, c := range u {
		if c > 0xFF {
			return true
		}
	}
	return false
}

// sst writes the shared strings: an SST record and as many CONTINUE
// records as they need. A string cut at a record's end goes on in the
// next one after a new flags byte, as Excel writes them.
func sst(strs []string, total int) []byte {
	le := binary.LittleEndian
	var out []byte
	data := le.AppendUint32(le.AppendUint32(nil, uint32(total)), uint32(len(strs)))
	typ := uint16(recSST)
	flush := func() {
		out = append(out, Record(typ, data)...)
		typ, data = recContinue, nil
	}
	for _, s := range strs {
		u := utf16.Encode([]rune(s))
		width := 1
		if wide(u) {
			width = 2
		}
		if len(data)+3+width > maxData { // the length and flags, and a character, stay together
			flush()
		}
		data = le.AppendUint16(data, uint16(len(u)))
		data = append(data, byte(width-1))
		for len(u) > 0 {
			n := min(len(u), (maxData-len(data))/width)
			for _, c := range u[:n] {
				if width == 2 {
					data = le.AppendUint16(data, c)
				} else {
					data = append(data, byte(c))
				}
			}
			if u = u[n:]; len(u) > 0 {
				flush()
				data = append(data, byte(width-1))
			}
		}
	}
	flush()
	return out
}
