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
	v, ok := sc.attr(local)
	if !ok {
		return 1 // most cells: no error made and dropped
	}
	return repeatCount(v)
}

// repeatCount reads a count of repetitions: 1 when it is not one.
func repeatCount(v []byte) int {
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// cellAttrs reads a table cell's repetitions and its raw value and date
// value in one pass over its attributes, the first of a name counting
// as for the scanner's attr: a cell has a few, and looking each up went
// over them again.
func cellAttrs(sc *xmlScanner) (rep int, value, date []byte) {
	rep = 1 // most cells: no error made and dropped
	var seen uint8
	for i := 0; ; {
		name, v, next, ok := nextAttr(sc.attrs, i)
		if !ok {
			return rep, value, date
		}
		i = next
		switch string(localName(name)) {
		case "number-columns-repeated":
			if seen&1 == 0 {
				rep = repeatCount(appendAttr(sc.adec[:0], v))
			}
			seen |= 1
		case "value":
			if seen&2 == 0 {
				value = v
			}
			seen |= 2
		case "date-value":
			if seen&4 == 0 {
				date = v
			}
			seen |= 4
		}
	}
}

// appendAttr appends a raw attribute value to dst, its entities decoded
// when it has any, as the scanner's attr returns it.
func appendAttr(dst, v []byte) []byte {
	if bytes.IndexByte(v, '&') < 0 {
		return append(dst, v...)
	}
	return appendXMLText(dst, v)
}

// odsRow gathers one row's values end to end; a repeated cell's copies
// share its bytes.
type odsRow struct {
	arena  []byte
	spans  [][2]int // a cell's value in arena, by column (empty: none)
	start  int      // where the cell being read starts in arena
	attr   []byte   // the cell's value attribute, for a cell without text
	date   bool     // attr is the cell's date-value
	hasPar bool
}

// readODSContent streams an ODS content.xml.
func readODSContent(ctx context.Context, r io.Reader, d Doc, o Options, display string) error {
	sc := newXMLScanner(r)
	var (
		s       *sheet
		row     odsRow
		cells   []Cell
		rowN    int
		rowRep  int
		inCell  bool
		cellRep int
		tokens  int
	)
	inPar := 0 // a cell's text is in its paragraphs: what is between them (a flat file's indentation) is not
	room := func() bool { return inCell && len(row.arena)-row.start < o.MaxValue }
	inText := func() bool { return inPar > 0 && room() }
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
				row.arena, row.spans = row.arena[:0], row.spans[:0]
				rowRep = repeat(sc, "number-rows-repeated")
			case "table-cell", "covered-table-cell":
				inCell = true
				// A date's value is ISO 8601 whatever the text shows
				// (12/05/85, 12 mai 1985): the date readers take it for
				// a date of birth; it wins over the text.
				var v, d []byte
				cellRep, v, d = cellAttrs(sc)
				row.attr = appendAttr(row.attr[:0], d)
				if row.date = len(row.attr) >= 10; !row.date {
					row.attr = appendAttr(row.attr[:0], v)
				}
				if row.date && len(row.attr) > 10 && row.attr[10] == 'T' {
					row.attr[10] = ' '
				}
				row.start, row.hasPar, inPar = len(row.arena), false, 0
			case "p", "h":
				if room() {
					if row.hasPar {
						row.arena = append(row.arena, '\n')
					}
					row.hasPar = true
				}
				inPar++
			case "s":
				if inText() {
					for range min(repeat(sc, "c"), 64) {
						row.arena = append(row.arena, ' ')
					}
				}
			case "tab":
				if inText() {
					row.arena = append(row.arena, '\t')
				}
			case "line-break":
				if inText() {
					row.arena = append(row.arena, '\n')
				}
			}
		case xmlText:
			if inText() {
				t := sc.text
				row.arena = append(row.arena, t[:min(len(t), o.MaxValue-(len(row.arena)-row.start))]...)
			}
		case xmlEnd:
			switch string(sc.name) {
			case "p", "h":
				inPar = max(inPar-1, 0)
			case "table-cell", "covered-table-cell":
				inCell, inPar = false, 0
				if row.date || len(bytes.TrimSpace(row.arena[row.start:])) == 0 {
					row.arena = append(row.arena[:row.start], row.attr...)
				}
				span := [2]int{row.start, len(row.arena)}
				n := min(cellRep, maxRepeat)
				if span[0] == span[1] {
					// Empty cells only move the column on.
					n = min(cellRep, 1026)
				}
				for i := 0; i < n && len(row.spans) < maxCells; i++ {
					row.spans = append(row.spans, span)
				}
			case "table-row":
				if s == nil {
					continue
				}
				cells = cells[:0]
				for i, sp := range row.spans {
					if sp[0] < sp[1] {
						cells = append(cells, Cell{Col: i, Value: row.arena[sp[0]:sp[1]], Off: -1})
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
