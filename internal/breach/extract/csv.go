package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"

	"tocsin/internal/swar"
)

// Dialect describes a delimited text file.
type Dialect struct {
	Comma  byte     // field delimiter: ';', ',', '\t' or '|'
	Quote  byte     // '"', or 0 for a file read without quoting
	Header bool     // the first record names the columns
	Names  []string // the header's names, when Header
}

// delimiters are tried in this order; ';' first because French exports
// (Excel with a French locale) use it and their values often hold commas.
var delimiters = [...]byte{';', ',', '\t', '|'}

// sniffRecords is how many records of the sample SniffCSV weighs.
const sniffRecords = 200

// SniffCSV tells whether sample, the start of a file, is delimited text,
// and how: the delimiter that splits its records into the same number of
// fields most consistently, and whether its first record is a header.
// complete says the sample is the whole file (its last line is whole).
// A file whose records all have one field is not told apart from text: ok
// is false and the Dialect is the one to use if the caller knows better
// (a .csv name).
func SniffCSV(sample []byte, complete bool, o Options) (d Dialect, ok bool) {
	sample = bytes.TrimPrefix(sample, bomUTF8)
	if !complete {
		if i := bytes.LastIndexByte(sample, '\n'); i >= 0 {
			sample = sample[:i+1]
		}
	}
	d = Dialect{Comma: ',', Quote: '"'}
	bestScore, bestFields := 0.0, 1
	var bestRecs [][][]byte
	for _, comma := range delimiters {
		recs := sampleRecords(sample, comma, '"', sniffRecords)
		if len(recs) == 0 {
			continue
		}
		counts := map[int]int{}
		for _, r := range recs {
			counts[len(r)]++
		}
		mode, freq := 0, 0
		for n, c := range counts {
			if c > freq || (c == freq && n > mode) {
				mode, freq = n, c
			}
		}
		if mode < 2 {
			continue
		}
		score := float64(freq) / float64(len(recs))
		if w, fit := raggedFit(recs, mode); fit > score {
			mode, score = w, fit
		}
		if score > bestScore+1e-9 || (score > bestScore-1e-9 && mode > bestFields) {
			bestScore, bestFields, bestRecs = score, mode, recs
			d.Comma = comma
		}
	}
	if bestRecs == nil {
		recs := sampleRecords(sample, 0, '"', sniffRecords)
		d.Header = looksLikeHeader(recs, o)
		if d.Header {
			d.Names = names(recs[0])
		}
		return d, false
	}
	d.Header = looksLikeHeader(bestRecs, o)
	if d.Header {
		d.Names = names(bestRecs[0])
	}
	// A few records of another width are tolerated (a trailing comment,
	// a truncated last line); most must agree.
	return d, bestScore >= 0.8 && (len(bestRecs) >= 2 || bestFields >= 3)
}

// raggedFit weighs a table whose records leave out their last empty
// fields, as many exporters write them: the width is that of the first
// record (a header names every column) or the most common one, and a
// record may fall short of it by a quarter. It returns the width and the
// share of records that fit.
func raggedFit(recs [][][]byte, mode int) (width int, fit float64) {
	width = max(mode, len(recs[0]))
	if width < 4 {
		return width, 0
	}
	n := 0
	for _, r := range recs {
		if len(r) <= width && len(r) >= width-width/4 {
			n++
		}
	}
	return width, float64(n) / float64(len(recs))
}

func names(rec [][]byte) []string {
	out := make([]string, len(rec))
	var scratch []byte // what a name not in UTF-8 is recoded into, copied out at once
	for i, f := range rec {
		f, _ = ensureUTF8(bytes.TrimSpace(f), &scratch)
		out[i] = string(f)
	}
	return out
}

// sampleRecords splits sample into at most max records of unquoted
// fields; empty lines are left out. comma 0 means one field per record.
func sampleRecords(sample []byte, comma, quote byte, max int) [][][]byte {
	if bytes.IndexByte(sample, quote) < 0 {
		return plainRecords(sample, comma, max)
	}
	return quotedRecords(sample, comma, quote, max)
}

// quotedRecords is sampleRecords for a sample with quotes, byte by byte.
func quotedRecords(sample []byte, comma, quote byte, max int) [][][]byte {
	var recs [][][]byte
	var rec [][]byte
	var field []byte
	inQuotes, started, fieldQuoted := false, false, false
	flush := func() {
		if !fieldQuoted {
			field = bytes.TrimSuffix(field, []byte{'\r'})
		}
		rec = append(rec, field)
		field, fieldQuoted = nil, false
	}
	for i := 0; i < len(sample) && len(recs) < max; i++ {
		b := sample[i]
		switch {
		case inQuotes:
			if b == quote {
				if i+1 < len(sample) && sample[i+1] == quote {
					field = append(field, quote)
					i++
				} else {
					inQuotes = false
				}
			} else {
				field = append(field, b)
			}
		case b == quote && !started:
			inQuotes, started, fieldQuoted = true, true, true
		case b == comma && comma != 0:
			flush()
			started = false
		case b == '\n':
			flush()
			if !(len(rec) == 1 && len(rec[0]) == 0) {
				recs = append(recs, rec)
			}
			rec, started = nil, false
		default:
			field = append(field, b)
			started = true
		}
	}
	if (len(field) > 0 || len(rec) > 0) && len(recs) < max {
		flush()
		recs = append(recs, rec)
	}
	return recs
}

// plainRecords is sampleRecords for a sample without quotes: its fields
// are slices of sample, not copies made a byte at a time. Sniffing tries
// every delimiter on the first 64 KiB of each file, which cost a millisecond
// a file that way.
func plainRecords(sample []byte, comma byte, max int) [][][]byte {
	// The fields of all the lines read are parts of one array: a slice a
	// line cost a small file most of its sniffing's allocations.
	end := 0
	for lines := 0; end < len(sample) && lines < max; lines++ {
		i := bytes.IndexByte(sample[end:], '\n')
		if i < 0 {
			end = len(sample)
			break
		}
		end += i + 1
	}
	n := bytes.Count(sample[:end], []byte{'\n'}) + 1
	if comma != 0 {
		n += bytes.Count(sample[:end], []byte{comma})
	}
	fields := make([][]byte, 0, n)
	var recs [][][]byte
	for len(sample) > 0 && len(recs) < max {
		line, last := sample, true
		if i := bytes.IndexByte(sample, '\n'); i >= 0 {
			line, sample, last = sample[:i], sample[i+1:], false
		} else {
			sample = nil
		}
		if len(line) == 0 {
			continue
		}
		from := len(fields)
		for comma != 0 {
			i := bytes.IndexByte(line, comma)
			if i < 0 {
				break
			}
			fields, line = append(fields, line[:i]), line[i+1:]
		}
		fields = append(fields, line)
		rec := fields[from:len(fields):len(fields)]
		for k, f := range rec {
			rec[k] = bytes.TrimSuffix(f, []byte{'\r'})
		}
		if len(rec) == 1 && len(rec[0]) == 0 && !last {
			continue // a line of a lone "\r" (kept at the end, as quotedRecords does)
		}
		recs = append(recs, rec)
	}
	return recs
}

// looksLikeHeader decides whether the first record names the columns:
// every field a short name with letters and no '@', none a detected
// value, and either one of them a known column name, or a column whose
// values carry digits where its first field has none.
func looksLikeHeader(recs [][][]byte, o Options) bool {
	if len(recs) == 0 {
		return false
	}
	first := recs[0]
	words := 0
	for _, f := range first {
		f = bytes.TrimSpace(f)
		if len(f) == 0 || len(f) > 64 || bytes.IndexByte(f, '@') >= 0 || !hasLetter(f) {
			return false
		}
		if digits(f)*2 > len(f) {
			return false
		}
		if o.IsData != nil && o.IsData(f) {
			return false
		}
		if o.IsHeaderWord != nil && o.IsHeaderWord(f) {
			words++
		}
	}
	if words > 0 {
		return true
	}
	for c := range first {
		if digits(first[c]) > 0 {
			continue
		}
		with, n := 0, 0
		for _, r := range recs[1:] {
			if c < len(r) && len(bytes.TrimSpace(r[c])) > 0 {
				n++
				if digits(r[c]) > 0 {
					with++
				}
			}
		}
		if n >= 2 && with*10 >= n*8 {
			return true
		}
	}
	return false
}

func digits(b []byte) int {
	n := 0
	for _, c := range b {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

func hasLetter(b []byte) bool {
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}

// maxCells caps the fields of one record.
const maxCells = 1 << 16

// csvReader reads records from a stream.
type csvReader struct {
	s      *stream
	d      Dialect
	o      Options
	line   int  // line of the next record
	header bool // the next record is the header
	named  int  // columns announced
	t      Table
	report func(Problem)
	path   string

	row     Row
	batch   rowBatch
	masks   lineMasks
	comma   byte // the delimiter the masks look for: a newline for none
	bounds  []fieldBounds
	rec     []byte
	scratch []byte
	cut     bool // a value was cut at MaxValue (reported once)
	// unbalanced: a quoted field ran past MaxValue and was closed there
	// (reported once).
	unbalanced bool
}

type fieldBounds struct{ start, end, off int }

// ReadCSV reads delimited text from r into t. firstLine is the number of
// the first line of r (1 for a whole file, more for a chunk cut by Split);
// header says whether its first record is the header to skip. Column names
// come from d.Names (when d.Header) or are positions ("#3").
func ReadCSV(ctx context.Context, r io.Reader, d Dialect, firstLine int, header bool, t Table, report func(Problem), path string, o Options) error {
	o = o.withDefaults()
	size := blockSize
	if o.MaxLine+1 > size {
		size = o.MaxLine + 1
	}
	c := &csvReader{s: newStream(r, size), d: d, o: o, line: firstLine, header: header, t: t, report: report, path: path, comma: d.Comma}
	if d.Comma == 0 {
		c.comma = '\n' // no field is cut: the line ends at the first one
	}
	c.batch.to, _ = t.(RowBatcher)
	if d.Header {
		for i, n := range d.Names {
			t.Column(i, n, true)
		}
		c.named = len(d.Names)
	}
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			c.batch.flush()
			return ctx.Err()
		}
		if !c.next() {
			break
		}
	}
	c.batch.flush()
	return c.s.err
}

// rowBatch gathers rows cut in place in the reader's buffer, for a
// RowBatcher: they go before the buffer moves or another row does.
type rowBatch struct {
	to     RowBatcher // nil: rows go one at a time
	rows   []LineRow
	from   []int   // where each row's bounds start in bounds
	bounds []int32 // the rows' Bounds, end to end
}

// batchRows is how many rows a batch holds: a table goes through a
// batch's fields once for some columns, then again row by row, and 32
// lines of a few hundred bytes stay in the first-level cache.
const batchRows = 32

// flush hands the rows gathered over.
func (b *rowBatch) flush() {
	if len(b.rows) == 0 {
		return
	}
	for i := range b.rows {
		end := len(b.bounds)
		if i+1 < len(b.rows) {
			end = b.from[i+1]
		}
		b.rows[i].Bounds = b.bounds[b.from[i]:end:end]
	}
	b.to.Rows(b.rows)
	b.rows, b.from, b.bounds = b.rows[:0], b.from[:0], b.bounds[:0]
}

// next reads one record and hands it over; false at the end of input.
func (c *csvReader) next() bool {
	s := c.s
	for {
		data := s.buf[s.pos:s.end]
		i := c.masks.scan(data, c.comma, c.d.Quote)
		if i < 0 {
			// The rows gathered are in the buffer, which fill moves.
			c.batch.flush()
			if !s.eof && !s.full() {
				s.fill()
				continue
			}
			if len(data) == 0 {
				return false
			}
			if !s.eof {
				// A line longer than the buffer: the slow path streams it.
				return c.slow()
			}
			i = len(data)
		}
		line := data[:i]
		valid, quoted := c.masks.special(line, c.d.Quote)
		if quoted {
			c.batch.flush()
			return c.slow()
		}
		s.pos += i
		if s.pos < s.end {
			s.pos++ // the newline
		}
		n := c.line
		c.line++
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			continue
		}
		c.fast(n, line, valid)
		return true
	}
}

// fast splits a line without quotes in place, from its masks; valid
// tells whether it is UTF-8.
func (c *csvReader) fast(n int, line []byte, valid bool) {
	if c.batch.to != nil {
		if valid && !c.header && c.gather(n, line) {
			return
		}
		c.batch.flush()
	}
	cells, ok := splitMasks(c.row.Cells[:0], line, c.masks.cm, maxCells)
	if !ok {
		need := min(maxCells, bytes.Count(line, []byte{c.comma})+1)
		cells, _ = splitMasks(slices.Grow(c.row.Cells[:0], need), line, c.masks.cm, maxCells)
	}
	for k := 0; len(line) > c.o.MaxValue && k < len(cells); k++ {
		if len(cells[k].Value) > c.o.MaxValue {
			v := cells[k].Value
			cells[k].Value = v[:utf8Cut(v, c.o.MaxValue)]
			c.tooLong(n)
		}
	}
	if !valid {
		// Recode the values that are not UTF-8. Appends may move the
		// scratch buffer: the values are sliced once it stops growing.
		c.scratch = c.scratch[:0]
		for k := range cells {
			if v := cells[k].Value; !utf8.Valid(v) {
				from := len(c.scratch)
				c.scratch = recode(c.scratch, v)
				cells[k].Value, cells[k].Recoded = c.scratch[from:], true
			}
		}
		pos := 0
		for k := range cells {
			if cells[k].Recoded {
				l := len(cells[k].Value)
				cells[k].Value = c.cutRecoded(n, c.scratch[pos:pos+l])
				pos += l
			}
		}
	}
	c.emit(n, cells)
}

// gather adds a line to the batch, unless it has fields to cut at
// MaxValue or names new columns: those are named once the rows before
// them are handed over.
func (c *csvReader) gather(n int, line []byte) bool {
	if len(line) > c.o.MaxValue {
		return false
	}
	b := &c.batch
	from := len(b.bounds)
	b.bounds = slices.Grow(b.bounds, min(len(line)+1, maxCells)+1)
	k := cutBounds(b.bounds[from:cap(b.bounds)], line, c.masks.cm)
	if k < 0 || k-1 > c.named {
		return false // more fields than room (maxCells), or new columns
	}
	b.bounds = b.bounds[:from+k]
	b.rows = append(b.rows, LineRow{N: n, Line: line})
	b.from = append(b.from, from)
	if len(b.rows) == batchRows {
		b.flush()
	}
	return true
}

// splitFields appends to cells the first max fields of line cut at each
// comma (none when comma is 0), in place. It looks at 8 bytes at a time:
// fields of exports are short, and a call to bytes.IndexByte for each
// cost more than the field itself. The fields go in the room cells have
// (a reader's cells keep theirs from line to line); a line of more
// fields is split again once they are counted.
func splitFields(cells []Cell, line []byte, comma byte, max int) []Cell {
	if comma == 0 {
		return append(cells, Cell{Value: line})
	}
	if out, ok := splitInto(cells, line, comma, max); ok {
		return out
	}
	need := min(max, bytes.Count(line, []byte{comma})+1)
	out, _ := splitInto(slices.Grow(cells, need), line, comma, max)
	return out
}

// splitInto is splitFields in the room cells have: ok is false when the
// line has more fields. It is not inlined: in its caller, the loops'
// values would not all fit in registers, and moving them to the stack
// and back on every word cost more than the call.
//
// The delimiters of 64 bytes are gathered into one mask before any field
// is cut: a loop over each word's delimiters would end at a branch the
// processor cannot foresee (a word holds none, one or two), once a word;
// over a block's, once in 64 bytes.
//
//go:noinline
func splitInto(cells []Cell, line []byte, comma byte, max int) (_ []Cell, ok bool) {
	// The loops call nothing and keep their few values in registers,
	// with k == len(out) the one check of room and of max. A line of n
	// bytes has at most n+1 fields.
	n0 := len(cells)
	want := min(max, len(line)+1)
	out := cells[n0:min(cap(cells), n0+want)]
	room := len(out) == want // its end is max, or past the line's last field
	pat := swar.Ones * uint64(comma)
	k, start := 0, 0
	for i := 0; i < len(line); i += 64 {
		var mask uint64 // bit b: line[i+b] is comma
		if i+64 <= cap(line) {
			// The bytes past the line, up to its capacity, are read
			// and their bits dropped: a reader's line is a slice of
			// its buffer, whose next line follows.
			blk := line[i : i+64 : i+64]
			mask = equalBits8(binary.LittleEndian.Uint64(blk[0:8]), pat) |
				equalBits8(binary.LittleEndian.Uint64(blk[8:16]), pat)<<8 |
				equalBits8(binary.LittleEndian.Uint64(blk[16:24]), pat)<<16 |
				equalBits8(binary.LittleEndian.Uint64(blk[24:32]), pat)<<24 |
				equalBits8(binary.LittleEndian.Uint64(blk[32:40]), pat)<<32 |
				equalBits8(binary.LittleEndian.Uint64(blk[40:48]), pat)<<40 |
				equalBits8(binary.LittleEndian.Uint64(blk[48:56]), pat)<<48 |
				equalBits8(binary.LittleEndian.Uint64(blk[56:64]), pat)<<56
			if r := len(line) - i; r < 64 {
				mask &= 1<<r - 1
			}
		} else {
			blk := line[i:]
			w := 0
			for ; w+8 <= len(blk); w += 8 {
				mask |= equalBits8(binary.LittleEndian.Uint64(blk[w:w+8]), pat) << w
			}
			for ; w < len(blk); w++ {
				if blk[w] == comma {
					mask |= 1 << w
				}
			}
		}
		for ; mask != 0; mask &= mask - 1 {
			if k == len(out) {
				return cells[:n0+k], room
			}
			j := i + bits.TrailingZeros64(mask)
			// Field by field: a composite literal is built on the
			// stack and copied.
			c := &out[k]
			c.Col, c.Value, c.Off, c.Recoded = k, line[start:j:j], start, false
			k, start = k+1, j+1
		}
	}
	if k == len(out) {
		return cells[:n0+k], room
	}
	c := &out[k]
	c.Col, c.Value, c.Off, c.Recoded = k, line[start:], start, false
	return cells[:n0+k+1], true
}

// equalBits8 returns a bit for each byte of v (little-endian) equal to
// the byte that pat repeats: bit b for byte b.
func equalBits8(v, pat uint64) uint64 { return swar.Bits(swar.Zero(v ^ pat)) }

// tooLong reports, once per file, a field cut at MaxValue.
func (c *csvReader) tooLong(line int) {
	if !c.cut {
		c.cut = true
		c.report(Problem{Path: c.path, Line: line, Offset: -1, Err: fmt.Errorf("%w: a field is longer than %d bytes; the rest is not scanned", ErrTooLong, c.o.MaxValue)})
	}
}

// emit names new columns, or takes the header, then hands the row over.
func (c *csvReader) emit(n int, cells []Cell) {
	c.row.Cells = cells
	if c.header {
		c.header = false
		return
	}
	for ; c.named < len(cells); c.named++ {
		c.t.Column(c.named, "#"+strconv.Itoa(c.named+1), false)
	}
	c.row.N = n
	c.t.Row(&c.row)
}

const (
	stFieldStart = iota
	stUnquoted
	stQuoted
	stQuoteInQuoted
)

// slow reads one record that has quotes or outgrows the buffer, copying
// its fields.
func (c *csvReader) slow() bool {
	s := c.s
	c.rec = c.rec[:0]
	c.bounds = c.bounds[:0]
	n := c.line
	startLine := c.line
	off := 0 // bytes consumed since the record's start
	fieldStart, fieldOff := 0, 0
	state := stFieldStart
	quote, comma := c.d.Quote, c.d.Comma
	endField := func(trimCR bool) {
		end := len(c.rec)
		if trimCR && end > fieldStart && c.rec[end-1] == '\r' {
			end--
		}
		if len(c.bounds) < maxCells {
			c.bounds = append(c.bounds, fieldBounds{fieldStart, end, fieldOff})
		}
		fieldStart = len(c.rec)
	}
	add := func(b []byte) {
		if room := c.o.MaxValue - (len(c.rec) - fieldStart); room < len(b) {
			if room < 0 {
				room = 0
			}
			b = b[:room]
			c.tooLong(startLine)
		}
		c.rec = append(c.rec, b...)
	}
	for {
		if s.pos == s.end {
			if !s.fill() && s.pos == s.end {
				// End of input.
				if state == stQuoted {
					c.report(Problem{Path: c.path, Line: startLine, Offset: -1, Err: fmt.Errorf("%w: quoted field not closed before the end of the file", ErrSyntax)})
				}
				if off == 0 {
					return false
				}
				endField(state != stQuoted && state != stQuoteInQuoted)
				c.line++
				c.finishSlow(n)
				return true
			}
			continue
		}
		switch state {
		case stFieldStart:
			b := s.buf[s.pos]
			if b == quote && quote != 0 {
				s.pos++
				off++
				state = stQuoted
				fieldOff = off
				continue
			}
			state = stUnquoted
			fieldOff = off
		case stUnquoted:
			data := s.buf[s.pos:s.end]
			j := 0
			for j < len(data) && data[j] != comma && data[j] != '\n' {
				j++
			}
			add(data[:j])
			s.pos += j
			off += j
			if j == len(data) {
				continue
			}
			b := data[j]
			s.pos++
			off++
			if b == '\n' {
				endField(true)
				c.line++
				c.finishSlow(n)
				return true
			}
			endField(false)
			state = stFieldStart
		case stQuoted:
			data := s.buf[s.pos:s.end]
			j := bytes.IndexByte(data, quote)
			if j < 0 {
				j = len(data)
			}
			if room := c.o.MaxValue - (len(c.rec) - fieldStart); j > room {
				// A quoted field this long is most likely an unbalanced
				// quote that would swallow the rest of the file: the
				// record ends here and reading goes on from this point as
				// new records, so that nothing after it escapes the scan.
				j = max(room, 0)
				c.line += bytes.Count(data[:j], []byte{'\n'})
				add(data[:j])
				s.pos += j
				if !c.unbalanced {
					c.unbalanced = true
					c.report(Problem{Path: c.path, Line: startLine, Offset: -1, Err: fmt.Errorf("%w: a quoted field runs past %d bytes (an unbalanced quote?); what follows is read as new records", ErrSyntax, c.o.MaxValue)})
				}
				endField(false)
				c.finishSlow(n)
				return true
			}
			c.line += bytes.Count(data[:j], []byte{'\n'})
			add(data[:j])
			s.pos += j
			off += j
			if j < len(data) {
				s.pos++
				off++
				state = stQuoteInQuoted
			}
		case stQuoteInQuoted:
			b := s.buf[s.pos]
			s.pos++
			off++
			switch {
			case b == quote:
				add([]byte{quote})
				state = stQuoted
			case b == comma:
				endField(false)
				state = stFieldStart
			case b == '\n':
				endField(false)
				c.line++
				c.finishSlow(n)
				return true
			case b == '\r':
			default:
				// Lenient: text after a closing quote joins the field.
				add([]byte{b})
				state = stUnquoted
			}
		}
	}
}

func (c *csvReader) finishSlow(n int) {
	cells := c.row.Cells[:0]
	for col, fb := range c.bounds {
		v := c.rec[fb.start:fb.end]
		cells = append(cells, Cell{Col: col, Value: v, Off: fb.off})
	}
	// Recode after the copy is complete, so slices stay put.
	c.scratch = c.scratch[:0]
	var spans [][2]int
	for k := range cells {
		if !utf8.Valid(cells[k].Value) {
			from := len(c.scratch)
			c.scratch = recode(c.scratch, cells[k].Value)
			spans = append(spans, [2]int{k, from})
			cells[k].Recoded = true
		}
	}
	for i, sp := range spans {
		end := len(c.scratch)
		if i+1 < len(spans) {
			end = spans[i+1][1]
		}
		cells[sp[0]].Value = c.cutRecoded(n, c.scratch[sp[1]:end])
	}
	c.emit(n, cells)
}

// cutRecoded cuts at MaxValue a value that recoding made longer: a byte
// of Windows-1252 may take three in UTF-8 (“ is 0x93).
func (c *csvReader) cutRecoded(n int, v []byte) []byte {
	if len(v) <= c.o.MaxValue {
		return v
	}
	c.tooLong(n)
	return v[:utf8Cut(v, c.o.MaxValue)]
}
