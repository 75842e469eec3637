package xlswrite

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf16"
)

// Excel binary workbooks (.xlsb): the same sheets as records in the parts
// of a zip package, laid out as Excel and SheetJS write them: text in the
// shared strings, the first cell of a row with its column and the next
// ones "short" (their column the one after), integers as RK numbers.
// LibreOffice reads the cells it writes (not their number formats, which
// it wants with fonts, fills and borders beside them).

// XLSB record types.
const (
	brtRowHdr       = 0
	brtCellIsst     = 7
	brtCellReal     = 5
	brtCellRk       = 2
	brtShortRk      = 13
	brtShortReal    = 16
	brtShortIsst    = 18
	brtSSTItem      = 19
	brtFmt          = 44
	brtXF           = 47
	brtBundleSh     = 156
	brtBeginCellXFs = 617
	brtEndCellXFs   = 618

	// The records that open and close a part or a list.
	brtBeginSheet     = 129
	brtEndSheet       = 130
	brtBeginBook      = 131
	brtEndBook        = 132
	brtBeginBundleShs = 143
	brtEndBundleShs   = 144
	brtBeginSheetData = 145
	brtEndSheetData   = 146
	brtBeginSst       = 159
	brtEndSst         = 160
	brtBeginStyles    = 278
	brtEndStyles      = 279
	brtBeginFmts      = 615
	brtEndFmts        = 616
)

// XLSBRecord writes one record: its type and its size, 7 bits a byte,
// then its data.
func XLSBRecord(typ int, parts ...[]byte) []byte {
	var data []byte
	for _, p := range parts {
		data = append(data, p...)
	}
	out := varint(nil, typ)
	out = varint(out, len(data))
	return append(out, data...)
}

func varint(dst []byte, v int) []byte {
	for {
		c := byte(v & 0x7F)
		if v >>= 7; v == 0 {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}

// WideString writes an XLWideString: a count of UTF-16 characters, then
// the characters.
func WideString(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(u)))
	for _, c := range u {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out
}

// XLSB writes the sheets as a binary workbook.
func XLSB(sheets []Sheet) []byte {
	le := binary.LittleEndian
	u32 := func(v int) []byte { return le.AppendUint32(nil, uint32(v)) }
	strs, index := []string{}, map[string]int{}
	formats, xfOf := []string{}, map[string]int{"": 0}
	var parts [][]byte
	total := 0
	for _, sh := range sheets {
		b := append(XLSBRecord(brtBeginSheet), XLSBRecord(brtBeginSheetData)...)
		for r, row := range sh.Rows {
			b = append(b, XLSBRecord(brtRowHdr, u32(r), make([]byte, 13))...)
			prev := -2
			for c, cell := range row {
				if !cell.IsNum && cell.Text == "" {
					continue
				}
				short := c == prev+1
				prev = c
				head := u32(c)
				if short {
					head = nil
				}
				var xf int
				if cell.IsNum {
					if _, ok := xfOf[cell.Format]; !ok {
						formats = append(formats, cell.Format)
						xfOf[cell.Format] = len(formats)
					}
					xf = xfOf[cell.Format]
				}
				head = append(head, u32(xf)...)
				switch {
				case cell.IsNum && cell.Number == math.Trunc(cell.Number) && math.Abs(cell.Number) < 1<<29:
					typ := brtCellRk
					if short {
						typ = brtShortRk
					}
					b = append(b, XLSBRecord(typ, head, u32(int(cell.Number)<<2|2))...)
				case cell.IsNum:
					typ := brtCellReal
					if short {
						typ = brtShortReal
					}
					b = append(b, XLSBRecord(typ, head, le.AppendUint64(nil, math.Float64bits(cell.Number)))...)
				default:
					total++
					i, ok := index[cell.Text]
					if !ok {
						i = len(strs)
						index[cell.Text] = i
						strs = append(strs, cell.Text)
					}
					typ := brtCellIsst
					if short {
						typ = brtShortIsst
					}
					b = append(b, XLSBRecord(typ, head, u32(i))...)
				}
			}
		}
		parts = append(parts, append(append(b, XLSBRecord(brtEndSheetData)...), XLSBRecord(brtEndSheet)...))
	}
	sst := XLSBRecord(brtBeginSst, u32(total), u32(len(strs)))
	for _, s := range strs {
		sst = append(sst, XLSBRecord(brtSSTItem, []byte{0}, WideString(s))...)
	}
	sst = append(sst, XLSBRecord(brtEndSst)...)
	styles := append(XLSBRecord(brtBeginStyles), XLSBRecord(brtBeginFmts, u32(len(formats)))...)
	for i, f := range formats {
		styles = append(styles, XLSBRecord(brtFmt, le.AppendUint16(nil, uint16(164+i)), WideString(f))...)
	}
	styles = append(styles, XLSBRecord(brtEndFmts)...)
	styles = append(styles, XLSBRecord(brtBeginCellXFs, u32(len(formats)+1))...)
	styles = append(styles, XLSBRecord(brtXF, []byte{0xFF, 0xFF, 0, 0}, make([]byte, 12))...)
	for i := range formats {
		styles = append(styles, XLSBRecord(brtXF, []byte{0, 0}, le.AppendUint16(nil, uint16(164+i)), make([]byte, 12))...)
	}
	styles = append(styles, XLSBRecord(brtEndCellXFs)...)
	styles = append(styles, XLSBRecord(brtEndStyles)...)
	names := make([]string, len(sheets))
	for i, sh := range sheets {
		names[i] = sh.Name
	}
	return Package(names, parts, sst, styles)
}

// Package writes the zip package of a binary workbook: its sheets'
// names and parts, its shared strings and styles parts.
func Package(names []string, sheets [][]byte, sst, styles []byte) []byte {
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	book := append(XLSBRecord(brtBeginBook), XLSBRecord(brtBeginBundleShs)...)
	types := ""
	rels := `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	for i, name := range names {
		id := fmt.Sprintf("rId%d", i+1)
		tab := binary.LittleEndian.AppendUint32(make([]byte, 4), uint32(i+1)) // visible, tab i+1
		book = append(book, XLSBRecord(brtBundleSh, tab, WideString(id), WideString(name))...)
		rels += fmt.Sprintf(`<Relationship Id="%s" Type="%sworksheet" Target="worksheets/sheet%d.bin"/>`, id, rel, i+1)
		types += fmt.Sprintf(`<Override PartName="/xl/worksheets/sheet%d.bin" ContentType="application/vnd.ms-excel.worksheet"/>`, i+1)
	}
	book = append(append(book, XLSBRecord(brtEndBundleShs)...), XLSBRecord(brtEndBook)...)
	rels += `<Relationship Id="rIdS" Type="` + rel + `sharedStrings" Target="sharedStrings.bin"/>`
	rels += `<Relationship Id="rIdT" Type="` + rel + `styles" Target="styles.bin"/></Relationships>`
	parts := []struct {
		name string
		body []byte
	}{
		{"[Content_Types].xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>` + types +
			`<Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/>` +
			`<Override PartName="/xl/styles.bin" ContentType="application/vnd.ms-excel.styles"/></Types>`)},
		{"_rels/.rels", []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `officeDocument" Target="xl/workbook.bin"/></Relationships>`)},
		{"xl/workbook.bin", book},
		{"xl/_rels/workbook.bin.rels", []byte(rels)},
		{"xl/sharedStrings.bin", sst},
		{"xl/styles.bin", styles},
	}
	for i, s := range sheets {
		parts = append(parts, struct {
			name string
			body []byte
		}{fmt.Sprintf("xl/worksheets/sheet%d.bin", i+1), s})
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			panic(err) // writing to memory does not fail
		}
		w.Write(p.body)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
