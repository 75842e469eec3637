package extract

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// recorder keeps what an extraction hands over, as text, for tests.
type recorder struct {
	mu       sync.Mutex
	docs     []*recDoc
	problems []Problem
}

type recDoc struct {
	r      *recorder
	path   string
	format Format
	lines  []string // "N:off:text"
	tables []*recTable
	bytes  int64
	ended  bool
}

type recTable struct {
	name   string
	cols   map[int]string
	header map[int]bool
	rows   []string // "N|col=value|…"
	cells  []Cell
	cellN  []int // the row of each of cells
	ended  bool
}

func (r *recorder) Begin(path string, f Format) Doc {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := &recDoc{r: r, path: path, format: f}
	r.docs = append(r.docs, d)
	return d
}

func (d *recDoc) Line(l *Line) {
	d.lines = append(d.lines, fmt.Sprintf("%d:%d:%s", l.N, l.Off, l.Text))
}

func (d *recDoc) Table(name string) Table {
	t := &recTable{name: name, cols: map[int]string{}, header: map[int]bool{}}
	d.tables = append(d.tables, t)
	return t
}

func (d *recDoc) Problem(p Problem) {
	d.r.mu.Lock()
	defer d.r.mu.Unlock()
	d.r.problems = append(d.r.problems, p)
}

func (d *recDoc) End(n int64) { d.bytes, d.ended = n, true }

func (t *recTable) Column(i int, name string, header bool) {
	if _, ok := t.cols[i]; ok {
		panic(fmt.Sprintf("column %d named twice", i))
	}
	t.cols[i] = name
	t.header[i] = header
}

func (t *recTable) Row(r *Row) {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", r.N)
	for _, c := range r.Cells {
		name, ok := t.cols[c.Col]
		if !ok {
			panic(fmt.Sprintf("column %d used before it was named", c.Col))
		}
		fmt.Fprintf(&b, "|%s=%s", name, c.Value)
		cc := c
		cc.Value = append([]byte(nil), c.Value...)
		t.cells = append(t.cells, cc)
		t.cellN = append(t.cellN, r.N)
	}
	t.rows = append(t.rows, b.String())
}

func (t *recTable) End() { t.ended = true }

// doc returns the document with that path.
func (r *recorder) doc(path string) *recDoc {
	for _, d := range r.docs {
		if d.path == path {
			return d
		}
	}
	return nil
}

func (r *recorder) paths() []string {
	var out []string
	for _, d := range r.docs {
		out = append(out, d.path+" ("+string(d.format)+")")
	}
	sort.Strings(out)
	return out
}

func (r *recorder) problemText() []string {
	var out []string
	for _, p := range r.problems {
		out = append(out, p.Error())
	}
	return out
}

// allRows lists every table row of every document as "path#table:row".
func (r *recorder) allRows() []string {
	var out []string
	for _, d := range r.docs {
		for _, t := range d.tables {
			for _, row := range t.rows {
				out = append(out, d.path+"#"+t.name+":"+row)
			}
		}
	}
	return out
}
