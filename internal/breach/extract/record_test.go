package extract

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
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

// docLines reads a file that must hold one document of format f, read
// without a problem, and returns its lines ("N:off:text").
func docLines(t *testing.T, p string, f Format) []string {
	t.Helper()
	rec := extractFile(t, p, testOptions())
	if len(rec.problems) > 0 || len(rec.docs) != 1 || rec.docs[0].format != f {
		t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
	}
	return rec.docs[0].lines
}

// sameLines fails the test when the lines are not those wanted.
func sameLines(t *testing.T, name string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: lines\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// validLines fails on a line of any document that is not UTF-8 or is
// longer than limit, in runes when runes is set (a cap counts the bytes
// read, and a byte of Windows-1252 may take two in UTF-8), in bytes
// otherwise; limit < 0 checks UTF-8 only.
func validLines(t *testing.T, rec *recorder, limit int, runes bool) {
	t.Helper()
	for _, d := range rec.docs {
		for _, l := range d.lines {
			n := len(l)
			if runes {
				n = utf8.RuneCountInString(l)
			}
			if !utf8.ValidString(l) || limit >= 0 && n > limit {
				t.Fatalf("line %q", l)
			}
		}
	}
}

// checkCellText fails t when a cell the recorder holds is not UTF-8 or is
// longer than max bytes (max <= 0: any length).
func checkCellText(t *testing.T, rec *recorder, max int) {
	t.Helper()
	for _, d := range rec.docs {
		for _, tb := range d.tables {
			for _, c := range tb.cells {
				if !utf8.Valid(c.Value) || max > 0 && len(c.Value) > max {
					t.Fatalf("cell %q", c.Value)
				}
			}
		}
	}
}

// readOneTable writes data as a file named name, reads it, and returns
// the rows of the one table it must give as format f, a line each, with
// the problems reported.
func readOneTable(t *testing.T, name string, data []byte, f Format) (rows, problems string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	d := rec.doc(p)
	if d == nil || d.format != f || len(d.tables) != 1 {
		t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
	}
	return strings.Join(d.tables[0].rows, "\n"), strings.Join(rec.problemText(), "\n")
}

// benchFixture runs read on a fixture of testdata repeated to about size
// bytes: a reader alone, without the detectors.
func benchFixture(b *testing.B, fixture string, size int, read func(io.Reader) error) {
	one, err := os.ReadFile(filepath.Join("testdata", fixture))
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat(one, size/len(one))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
