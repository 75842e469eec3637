package extract

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// mysqldump --tab (and mariadb-dump --tab) write each table as two files
// in one folder: NAME.sql, its CREATE TABLE, and NAME.txt, its rows as
// SELECT … INTO OUTFILE writes them by default: tab-separated, a line a
// row, \N for NULL, and a backslash before a backslash, a tab or a line
// break that is data (so that a row may span lines), \0 for NUL. Alone,
// NAME.txt is delimited text without a header, its rows cut at their
// line breaks; beside the NAME.sql that creates NAME (on disk, in the
// same zip, or in the same tar, before or after it: a data file with
// tabs waits there, spooled, for its script), it is read as that table,
// its columns named.

// mysqlTabMaxDefinition bounds the NAME.sql read for its columns.
const mysqlTabMaxDefinition = 1 << 20

// mysqlTabColumns returns the columns of the table whose rows a data
// file of mysqldump --tab holds, as the NAME.sql beside it (on disk, or
// in the same zip) creates it, and the table's name.
func (e *Extractor) mysqlTabColumns(ctx context.Context, src *source) (table string, cols []string, ok bool) {
	if !strings.EqualFold(path.Ext(src.name), ".txt") || src.file == nil && src.zip == nil {
		return "", nil, false
	}
	def := mysqlTabDefinition(src)
	table = strings.TrimSuffix(path.Base(filepath.ToSlash(src.name)), path.Ext(src.name))
	if def == nil || !bytes.Contains(def, []byte("CREATE TABLE `"+table+"`")) {
		return "", nil, false
	}
	cols = e.sqlCreateColumns(ctx, def)[table]
	return table, cols, len(cols) > 0
}

// sqlCreateColumns returns the columns each CREATE TABLE of a script
// names, by table.
func (e *Extractor) sqlCreateColumns(ctx context.Context, script []byte) map[string][]string {
	q := &sqlReader{ctx: ctx, s: newStream(bytes.NewReader(script), blockSize), o: e.o, doc: nopDoc{}, backslash: true, tables: map[string]*sqlTable{}}
	q.run()
	out := map[string][]string{}
	for name, t := range q.tables {
		if len(t.defined) > 0 {
			out[name] = t.defined
		}
	}
	return out
}

// mysqlTabDefinition reads the NAME.sql beside a NAME.txt, nil if there
// is none (or it is larger than a definition).
func mysqlTabDefinition(src *source) []byte {
	var r io.Reader
	if src.file != nil {
		p := src.file.Name()
		f, err := os.Open(strings.TrimSuffix(p, filepath.Ext(p)) + ".sql")
		if err != nil {
			return nil
		}
		defer f.Close()
		r = f
	} else {
		want := strings.TrimSuffix(src.name, path.Ext(src.name)) + ".sql"
		for _, zf := range src.zip.File {
			if zf.Name == want && zf.Flags&1 == 0 && zf.UncompressedSize64 <= mysqlTabMaxDefinition {
				rc, err := zf.Open()
				if err != nil {
					return nil
				}
				defer rc.Close()
				r = rc
				break
			}
		}
		if r == nil {
			return nil
		}
	}
	def, err := io.ReadAll(io.LimitReader(r, mysqlTabMaxDefinition+1))
	if err != nil || len(def) > mysqlTabMaxDefinition {
		return nil
	}
	return def
}

// nopDoc receives nothing: a script read for its definitions only.
type nopDoc struct{}

func (nopDoc) Line(*Line)                 {}
func (nopDoc) Table(string) Table         { return nopTable{} }
func (nopDoc) Problem(Problem)            {}
func (nopDoc) End(int64)                  {}
func (nopTable) Column(int, string, bool) {}
func (nopTable) Row(*Row)                 {}
func (nopTable) End()                     {}

type nopTable struct{}

// mysqlTabData reads a data file of mysqldump --tab as its table.
func (e *Extractor) mysqlTabData(ctx context.Context, src *source, br *bufio.Reader, h Handler, table string, cols []string) error {
	d := h.Begin(src.display, FormatSQL)
	cr := &countReader{r: br}
	err := readOutfile(ctx, bufio.NewReaderSize(cr, 64<<10), d, e.o, src.display, table, cols)
	return e.endDoc(d, src, cr.n, err)
}

// readOutfile reads rows in the default format of SELECT … INTO OUTFILE,
// a row at a time: its lines (a line break after an odd number of
// backslashes is data), then its fields. A cell's offset is where its
// value starts from the row's first line; a value with escapes or not in
// UTF-8 (recoded from Windows-1252) is marked recoded.
func readOutfile(ctx context.Context, r *bufio.Reader, d Doc, o Options, display, table string, cols []string) error {
	t := d.Table(table)
	for i, c := range cols {
		t.Column(i, c, true)
	}
	defer t.End()
	w := outfileRows{t: t, d: d, o: o, path: display, named: len(cols)}
	line := 1
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		w.raw = w.raw[:0]
		first, lines, long := line, 0, false
		for {
			b, err := r.ReadSlice('\n')
			if room := o.MaxLine - len(w.raw); len(b) <= room {
				w.raw = append(w.raw, b...)
			} else if !long {
				w.raw = append(w.raw, b[:room]...)
				long = true
				d.Problem(Problem{Path: display, Line: first, Offset: -1, Err: fmt.Errorf("%w: a row is longer than %d bytes; the rest is not scanned", ErrTooLong, o.MaxLine)})
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return err
			}
			if err == io.EOF {
				if len(w.raw) > 0 {
					w.emit(first)
				}
				return nil
			}
			lines++
			// A line break after an odd number of backslashes is data.
			k := len(b) - 1
			for k > 0 && b[k-1] == '\\' {
				k--
			}
			if (len(b)-1-k)%2 == 0 {
				break
			}
		}
		line += lines
		if k := len(w.raw); k > 0 && w.raw[k-1] == '\n' {
			w.raw = w.raw[:k-1] // the row's line break (not kept if the row was cut)
		}
		w.emit(first)
	}
}

// outfileRows splits the rows of an OUTFILE into cells.
type outfileRows struct {
	t       Table
	d       Doc
	o       Options
	path    string
	named   int
	raw     []byte // the row as read
	buf     []byte // values unescaped
	scratch []byte // values recoded
	row     Row
	cut     bool
}

func (w *outfileRows) emit(n int) {
	w.row.N, w.row.Cells = n, w.row.Cells[:0]
	raw := w.raw
	if bytes.IndexByte(raw, '\\') < 0 {
		// No escape: each field is its bytes.
		for col, start := 0, 0; ; col++ {
			end := bytes.IndexByte(raw[start:], '\t')
			if end < 0 {
				end = len(raw)
			} else {
				end += start
			}
			w.cell(col, raw[start:end], start, false)
			if end == len(raw) {
				break
			}
			start = end + 1
		}
	} else {
		// Unescaped into buf, a field after the other.
		w.buf = w.buf[:0]
		col, start, vstart, escaped, null := 0, 0, 0, false, false
		for i := 0; i <= len(raw); i++ {
			if i == len(raw) || raw[i] == '\t' {
				if !null {
					w.cell(col, w.buf[vstart:], start, escaped)
				}
				col, start, vstart, escaped, null = col+1, i+1, len(w.buf), false, false
				continue
			}
			c := raw[i]
			if c == '\\' && i+1 < len(raw) {
				i++
				escaped = true
				switch c = raw[i]; c {
				case 'N':
					if len(w.buf) == vstart && (i+1 == len(raw) || raw[i+1] == '\t') {
						null = true // \N alone: NULL
						continue
					}
				case '0':
					c = 0
				case 'b':
					c = '\b'
				case 'n':
					c = '\n'
				case 'r':
					c = '\r'
				case 't':
					c = '\t'
				case 'Z':
					c = 0x1A
				}
			}
			w.buf = append(w.buf, c)
		}
	}
	for ; w.named <= maxCol(w.row.Cells); w.named++ {
		w.t.Column(w.named, "#"+strconv.Itoa(w.named+1), false)
	}
	if !validUTF8(raw) {
		w.scratch = w.scratch[:0]
		for k := range w.row.Cells {
			c := &w.row.Cells[k]
			if !validUTF8(c.Value) {
				from := len(w.scratch)
				w.scratch = recode(w.scratch, c.Value)
				v := w.scratch[from:len(w.scratch):len(w.scratch)]
				if len(v) > w.o.MaxValue { // a byte of Windows-1252 may take three in UTF-8
					v = v[:utf8Cut(v, w.o.MaxValue)]
					w.tooLong()
				}
				c.Value, c.Recoded = v, true
			}
		}
	}
	w.t.Row(&w.row)
}

// maxCol is the highest column of cells, -1 for none.
func maxCol(cells []Cell) int {
	if len(cells) == 0 {
		return -1
	}
	return cells[len(cells)-1].Col
}

// cell adds a field's value, cut at MaxValue; an empty value or NULL is
// no cell.
func (w *outfileRows) cell(col int, v []byte, off int, recoded bool) {
	if len(v) == 0 {
		return
	}
	if len(v) > w.o.MaxValue {
		v = v[:utf8Cut(v, w.o.MaxValue)] // not inside a character
		w.tooLong()
	}
	w.row.Cells = append(w.row.Cells, Cell{Col: col, Value: v, Off: off, Recoded: recoded})
}

// tooLong reports, once per file, a field cut at MaxValue.
func (w *outfileRows) tooLong() {
	if !w.cut {
		w.cut = true
		w.d.Problem(Problem{Path: w.path, Line: w.row.N, Offset: -1, Err: fmt.Errorf("%w: a field is longer than %d bytes; the rest is not scanned", ErrTooLong, w.o.MaxValue)})
	}
}
