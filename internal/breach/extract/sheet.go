package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sheetSample is how many rows of a sheet are held back to decide whether
// the first one is a header.
const sheetSample = 50

// sheet buffers the first rows of a spreadsheet sheet, decides whether
// its first row is a header, then streams.
type sheet struct {
	t       Table
	o       Options
	pending []Row // copies of the first rows
	decided bool
	named   int
	row     Row
}

// add takes a row's cells (in column order, with Col set); they are
// valid only during the call.
func (s *sheet) add(line int, cells []Cell) {
	if !s.decided {
		held := make([]Cell, len(cells))
		for i, c := range cells {
			c.Value = append([]byte(nil), c.Value...)
			held[i] = c
		}
		s.pending = append(s.pending, Row{N: line, Cells: held})
		if len(s.pending) >= sheetSample {
			s.decide()
		}
		return
	}
	s.emit(line, cells)
}

func (s *sheet) decide() {
	s.decided = true
	if len(s.pending) == 0 {
		return
	}
	// The header test reads records by position.
	recs := make([][][]byte, len(s.pending))
	for i, r := range s.pending {
		width := 0
		for _, c := range r.Cells {
			width = max(width, c.Col+1)
		}
		recs[i] = make([][]byte, width)
		for _, c := range r.Cells {
			recs[i][c.Col] = c.Value
		}
	}
	first := recs[0]
	start := 0
	if looksLikeHeader(trimEmptyTail(recs), s.o) {
		for i, n := range first {
			s.t.Column(i, strings.TrimSpace(string(n)), true)
		}
		s.named = len(first)
		start = 1
	}
	for _, r := range s.pending[start:] {
		s.emit(r.N, r.Cells)
	}
	s.pending = nil
}

// trimEmptyTail drops trailing empty cells of the first record (sheets
// often carry them).
func trimEmptyTail(recs [][][]byte) [][][]byte {
	if len(recs) == 0 {
		return recs
	}
	first := recs[0]
	for len(first) > 0 && len(bytes.TrimSpace(first[len(first)-1])) == 0 {
		first = first[:len(first)-1]
	}
	recs[0] = first
	return recs
}

func (s *sheet) emit(line int, cells []Cell) {
	out := s.row.Cells[:0]
	for _, c := range cells {
		if len(bytes.TrimSpace(c.Value)) == 0 {
			continue
		}
		for ; s.named <= c.Col; s.named++ {
			s.t.Column(s.named, "#"+strconv.Itoa(s.named+1), false)
		}
		v := c.Value
		rec := false
		if !utf8.Valid(v) {
			v, rec = recode(nil, v), true
		}
		if len(v) > s.o.MaxValue {
			v = v[:utf8Cut(v, s.o.MaxValue)]
		}
		out = append(out, Cell{Col: c.Col, Value: v, Off: -1, Recoded: rec})
	}
	if len(out) == 0 {
		return
	}
	s.row = Row{N: line, Cells: out}
	s.t.Row(&s.row)
}

func (s *sheet) end() {
	if !s.decided {
		s.decide()
	}
	s.t.End()
}

// ODS: the workbook is a zip whose content.xml holds every sheet; it is
// read as a stream of XML tokens. Repeated rows and cells (how ODS writes
// runs of identical or empty cells) are expanded up to a cap, empty ones
// only counted.

const maxRepeat = 1000

func (e *Extractor) readODS(ctx context.Context, f *os.File, size int64, d Doc, src *source) error {
	zr, err := openZip(f, size)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	var content *zip.File
	for _, zf := range zr.File {
		if zf.Name == "content.xml" {
			content = zf
		}
	}
	if content == nil {
		return fmt.Errorf("%w: no content.xml", ErrSyntax)
	}
	if content.UncompressedSize64 > uint64(src.b.left) {
		src.b.hit = true
		return ErrLimit
	}
	rc, err := content.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return readODSContent(ctx, &limited{r: rc, b: src.b}, d, e.o, src.display)
}

// repeat reads a repetition count: 1 when absent or invalid.
func repeat(sc *xmlScanner, local string) int {
	v, _ := sc.attr(local)
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// readODSContent streams an ODS content.xml.
func readODSContent(ctx context.Context, r io.Reader, d Doc, o Options, display string) error {
	sc := newXMLScanner(r)
	var (
		s        *sheet
		row      []string
		cells    []Cell
		rowN     int
		rowRep   int
		inCell   bool
		cellRep  int
		cellAttr string
		text     strings.Builder
		paras    int
		tokens   int
	)
	for {
		tokens++
		if tokens&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		k, err := sc.next()
		if k == xmlEOF && err == nil {
			break
		}
		if err != nil {
			if s != nil {
				s.end()
			}
			if errors.Is(err, ErrLimit) {
				return err
			}
			// The scanner's errors never quote the document.
			return fmt.Errorf("%w: content.xml: %v after row %d", ErrSyntax, err, rowN)
		}
		switch k {
		case xmlStart:
			switch string(sc.name) {
			case "table":
				if s != nil {
					s.end()
				}
				name, _ := sc.attr("name")
				s = &sheet{t: d.Table(string(name)), o: o}
				rowN = 0
			case "table-row":
				row = row[:0]
				rowRep = repeat(sc, "number-rows-repeated")
			case "table-cell", "covered-table-cell":
				inCell = true
				cellRep = repeat(sc, "number-columns-repeated")
				v, _ := sc.attr("value")
				if len(v) == 0 {
					v, _ = sc.attr("date-value")
				}
				cellAttr = string(v)
				text.Reset()
				paras = 0
			case "p", "h":
				if inCell {
					if paras > 0 {
						text.WriteByte('\n')
					}
					paras++
				}
			case "s":
				if inCell {
					text.WriteString(strings.Repeat(" ", min(repeat(sc, "c"), 64)))
				}
			case "tab":
				if inCell {
					text.WriteByte('\t')
				}
			case "line-break":
				if inCell {
					text.WriteByte('\n')
				}
			}
		case xmlText:
			if inCell && text.Len() < o.MaxValue {
				t := sc.text
				text.Write(t[:min(len(t), o.MaxValue-text.Len())])
			}
		case xmlEnd:
			switch string(sc.name) {
			case "table-cell", "covered-table-cell":
				inCell = false
				v := text.String()
				if strings.TrimSpace(v) == "" {
					v = cellAttr
				}
				if v == "" {
					// Empty cells only move the column on.
					for i := 0; i < cellRep && len(row) < maxCells; i++ {
						row = append(row, "")
						if i > 1024 {
							break
						}
					}
					continue
				}
				for i := 0; i < min(cellRep, maxRepeat) && len(row) < maxCells; i++ {
					row = append(row, v)
				}
			case "table-row":
				if s == nil {
					continue
				}
				cells = cells[:0]
				for i, v := range row {
					if v != "" {
						cells = append(cells, Cell{Col: i, Value: []byte(v), Off: -1})
					}
				}
				if len(cells) == 0 {
					rowN += rowRep
					continue
				}
				for i := 0; i < min(rowRep, maxRepeat); i++ {
					rowN++
					s.add(rowN, cells)
				}
				if rowRep > maxRepeat {
					rowN += rowRep - maxRepeat
				}
			case "table":
				if s != nil {
					s.end()
					s = nil
				}
			}
		}
	}
	if s != nil {
		s.end()
	}
	return nil
}
