package extract

import (
	"path"
	"strings"
)

// tableName names the table of a file that holds one: its name without
// folder or extension ("usagers.bson" → "usagers").
func tableName(name string) string {
	t := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if ext := path.Ext(t); ext != "" && ext != t {
		t = t[:len(t)-len(ext)]
	}
	return t
}

// rowBuffer gathers the values of one record of a table whose cells have
// no place in a text file (a document of a MongoDB dump, an entry of a
// directory, a card of an address book): the values end to end in one
// buffer, handed over as a row.
type rowBuffer struct {
	t       Table
	cols    map[string]int // column by key
	row     Row
	arena   []byte
	cells   []jcell
	scratch []byte
	max     int // MaxValue
}

// newRowBuffer fills the rows of t, values recoded cut at max bytes.
func newRowBuffer(t Table, max int) rowBuffer {
	return rowBuffer{t: t, cols: map[string]int{}, max: max}
}

// column returns the column of key, announced under name (recoded to
// UTF-8 if it is not) the first time.
func (r *rowBuffer) column(key, name []byte) int {
	col, ok := r.cols[string(key)]
	if !ok {
		col = len(r.cols)
		r.cols[string(key)] = col
		n, _ := ensureUTF8(name, new([]byte))
		r.t.Column(col, string(n), true)
	}
	return col
}

// add files arena[start:] as a value of column col.
func (r *rowBuffer) add(col, start int) {
	r.cells = append(r.cells, jcell{col: col, start: start, end: len(r.arena), off: -1})
}

// emit hands over the values gathered as row n, those that are not UTF-8
// recoded, and empties the buffer.
func (r *rowBuffer) emit(n int) {
	if len(r.cells) > 0 {
		r.row.N, r.row.Cells = n, spanCells(r.row.Cells[:0], r.cells, r.arena, &r.scratch, r.max)
		r.t.Row(&r.row)
	}
	r.arena, r.cells = r.arena[:0], r.cells[:0]
}
