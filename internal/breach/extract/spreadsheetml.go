package extract

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Excel's XML Spreadsheet 2003 (SpreadsheetML): one XML file, a
// <Worksheet ss:Name> for each sheet, its <Row>s of <Cell>s, each value
// in a <Data> (a number, a date in ISO 8601, text). Web applications
// export it as ".xls"; Calc writes it too. A cell or a row may give its
// position (ss:Index, from 1) and a cell its width (ss:MergeAcross).
// Sheets are read as the other workbooks' are: their first row taken for
// a header when it looks like one.

// isSpreadsheetML tells the format by its namespace or processing
// instruction in the first bytes.
func isSpreadsheetML(head []byte) bool {
	h := head[:min(len(head), 4096)]
	return bytes.Contains(h, []byte(`progid="Excel.Sheet"`)) ||
		bytes.Contains(h, []byte("<Workbook")) && bytes.Contains(h, []byte(`"urn:schemas-microsoft-com:office:spreadsheet"`))
}

func (e *Extractor) spreadsheetMLSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatSpreadsheetML)
	cr := &countReader{r: br}
	r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
	return e.endDoc(d, src, cr.n, readSpreadsheetML(ctx, newXMLScanner(r), d, e.o))
}

func readSpreadsheetML(ctx context.Context, sc *xmlScanner, d Doc, o Options) error {
	var (
		s      *sheet
		cells  []Cell
		arena  []byte
		spans  [][3]int // column, start, end in arena
		rowN   int
		col    int // the next cell's column
		width  int // the current cell's, in columns
		start  int // where the current cell's data starts in arena
		inData int
		inCell bool
	)
	index := func(def int) int {
		if v, ok := sc.attr("Index"); ok {
			if n, err := strconv.Atoi(string(v)); err == nil && n >= 1 && n <= maxCells {
				return n - 1
			}
		}
		return def
	}
	for tokens := 0; ; tokens++ {
		if tokens&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		k, err := sc.next()
		if err != nil {
			if s != nil {
				s.end()
			}
			if errors.Is(err, ErrLimit) {
				return err
			}
			return fmt.Errorf("%w: %v after row %d", ErrSyntax, err, rowN)
		}
		switch k {
		case xmlEOF:
			if s != nil {
				s.end()
			}
			return nil
		case xmlStart:
			switch string(sc.name) {
			case "Worksheet":
				if s != nil {
					s.end()
				}
				name, _ := sc.attr("Name")
				s, rowN = &sheet{t: d.Table(string(name)), o: o}, 0
			case "Row":
				rowN = index(rowN) + 1
				col, arena, spans = 0, arena[:0], spans[:0]
			case "Cell":
				col = index(col)
				inCell, start, width = true, len(arena), 1
				if v, ok := sc.attr("MergeAcross"); ok {
					if n, err := strconv.Atoi(string(v)); err == nil && n > 0 && n < maxCells {
						width += n
					}
				}
			case "Data":
				if inCell {
					inData++
				}
			}
		case xmlText:
			if inData > 0 && len(arena)-start < o.MaxValue {
				arena = append(arena, sc.text[:min(len(sc.text), o.MaxValue-(len(arena)-start))]...)
			}
		case xmlEnd:
			switch string(sc.name) {
			case "Data":
				inData = max(inData-1, 0)
			case "Cell":
				if len(arena) > start && col < maxCells {
					spans = append(spans, [3]int{col, start, len(arena)})
				}
				col += width
				inCell, inData = false, 0
			case "Row":
				if s == nil {
					continue
				}
				cells = cells[:0]
				for _, sp := range spans {
					cells = append(cells, Cell{Col: sp[0], Value: arena[sp[1]:sp[2]], Off: -1})
				}
				if len(cells) > 0 {
					s.add(rowN, cells)
				}
			case "Worksheet":
				if s != nil {
					s.end()
					s = nil
				}
			}
		}
	}
}
