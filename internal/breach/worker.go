package breach

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/pii"
	"tocsin/internal/swar"
)

// numCats is the number of categories (pii.Categories order).
const numCats = 12

// catIdx is the index of a category in pii.Categories. Every finding
// asks: the names' lengths and the bits 1 to 3 of their first letters
// tell the categories apart without comparing strings, through a table
// (a test checks every category). A switch on the length, compiled to a
// jump table, jumped elsewhere from one cell to the next (an e-mail
// address, a phone number, a name), and the processor mispredicted it
// about twice a row of the order table.
func catIdx(c pii.Category) int { return int(catTable[catKey(c)]) }

func catKey(c pii.Category) int { return len(c)&31<<3 | int(c[0]>>1&7) }

var catTable = func() (t [256]int8) {
	for i, c := range pii.Categories() {
		t[catKey(c)] = int8(i)
	}
	return t
}()

type catStats struct{ values, records int64 }

type locKey struct{ path, table string }

// locStats counts what one document or table holds.
type locStats struct {
	path, table, format string
	records, affected   int64
	values              [numCats]int64
	cols                []*colStats
	colSlab             []colStats // where cols are allocated, several at once
}

type colStats struct {
	name    string
	class   pii.Column
	values  [numCats]int64
	special string
}

func (l *locStats) merge(o *locStats) {
	l.records += o.records
	l.affected += o.affected
	for i := range l.values {
		l.values[i] += o.values[i]
	}
	for i, c := range o.cols {
		if c == nil {
			continue
		}
		for len(l.cols) <= i {
			l.cols = append(l.cols, nil)
		}
		if l.cols[i] == nil {
			l.cols[i] = c
			continue
		}
		for k := range c.values {
			l.cols[i].values[k] += c.values[k]
		}
	}
}

// location turns the counts into the report's form; false when nothing
// was found there.
func (l *locStats) location() (Location, bool) {
	loc := Location{Path: l.path, Table: l.table, Format: l.format, Records: l.records, Affected: l.affected, Values: valuesMap(&l.values)}
	if len(loc.Values) == 0 {
		return loc, false
	}
	for _, c := range l.cols {
		if c == nil {
			continue
		}
		v := valuesMap(&c.values)
		if len(v) == 0 {
			continue
		}
		cs := ColumnStat{Name: c.name, Class: string(c.class.Category), Values: v}
		if c.class.Category != "" {
			cs.Confidence = float64(int(c.class.Confidence*100+0.5)) / 100
		}
		loc.Columns = append(loc.Columns, cs)
	}
	return loc, true
}

// newIn returns a new zero T from *slab, grown eight at a time or more:
// the columns of a table are allocated together, not one by one. The
// elements stay where they are when the slab is replaced.
func newIn[T any](slab *[]T) *T {
	if len(*slab) == cap(*slab) {
		*slab = make([]T, 0, max(8, 2*cap(*slab)))
	}
	*slab = append(*slab, *new(T))
	return &(*slab)[len(*slab)-1]
}

// valuesMap returns the counts of v by category name, nil when all are
// zero (most columns of a folder of tables).
func valuesMap(v *[numCats]int64) map[string]int64 {
	var m map[string]int64
	for i, c := range pii.Categories() {
		if v[i] > 0 {
			if m == nil {
				m = map[string]int64{}
			}
			m[string(c)] = v[i]
		}
	}
	return m
}

// worker scans documents; everything it counts is its own until the scan
// merges it, except the masked samples it hands to the tally.
type worker struct {
	s   *scan
	k   *keyed
	red *redactor
	b   batch
	fs  pii.Findings // this record's findings and their normalised values
	out []byte
	rec record

	cats          [numCats]catStats
	credKinds     [3]int64 // credentials: plain text, weak and strong hashes (credentialKinds)
	locs          map[locKey]*locStats
	locOrder      []locKey
	docs          int
	tables        int
	bytes         int64
	records       int64
	affected      int64
	peopleRecords int64
	byFormat      map[string]int
	masksWanted   [numCats]int
	dist          [numCats]distinct // distinct values but identifiers', merged at the end
	pend          [numCats][]uint64 // hashes not yet filed in dist
	order         []uint64          // pend in the order of filing
	buckets       *[1 << bucketBits]int32
	distBudget    budget
	people        people // this worker's people, merged at the end
	peopleBudget  budget
	groups        []uint64 // identifiers of records not yet filed in people, main first, each record's ended by 0
	pb            peopleBatch
	shapeSecret   shapeSecret
	shapes        shapeSets          // the shape tables of the open tables' columns, and spares
	memoSeed      maphash.Seed       // keys the memos' hashes of values (cellmemo.go)
	memos         int                // the memo tables of the open tables' columns
	lastHash      uint64             // the tally's hash of the last finding
	held          heldRows           // buffers for a table's rows held back, when no table has them
	marks         []cellMarks        // a batch's rows' (tableScan.Rows)
	colFinds      []colFinds         // what a batch's columns scanned a column at a time found for the records (bycolumn.go)
	colCats       []uint16           // by row of a batch, the category indexes found a column at a time
	colNorm       []byte             // the normalised value of a cell scanned a column at a time
	cells         []extract.Cell     // a batch's row made cells, for a table not yet classified
	headerCats    memo[pii.Category] // what each column header names
	specials      memo[string]       // the special category each column header names
	words         [][]byte
	person        []byte       // a person's key: the words of the names, '|', date of birth
	norms         []byte       // the names of rawNames normalised, for the person's key
	tails         [16]tailText // category and confidence as written, round robin
	nextTail      int
	head          []byte // the findings' common start for headLine in headPath
	headLine      int
	headPath      *byte
}

func (s *scan) newWorker() *worker {
	w := &worker{s: s, k: newKeyed(s.key, s.seeds), shapeSecret: newShapeSecret(), red: newRedactor(s.pii), locs: map[locKey]*locStats{}, byFormat: map[string]int{},
		distBudget: budget{max: s.o.MaxHashes / 2 / s.o.Workers}, peopleBudget: budget{max: s.o.MaxHashes / 2 / s.o.Workers}}
	for i := range w.masksWanted {
		w.masksWanted[i] = maxSamples
	}
	w.memoSeed = maphash.MakeSeed()
	return w
}

func (w *worker) run(ctx context.Context, jobs <-chan job) {
	for j := range jobs {
		if ctx.Err() != nil {
			continue // drain: the dispatcher stops sending
		}
		switch {
		case j.chunk != nil:
			w.chunk(ctx, j.chunk)
		case j.db != nil:
			w.s.ex.Database(ctx, *j.db, w)
		default:
			if err := w.s.ex.File(ctx, j.path, w); err != nil && ctx.Err() == nil {
				w.s.problem(ProblemEntry{Path: w.red.path(j.path), Message: errText(err)})
			}
			w.s.fileDone()
		}
		w.flushMasks()
	}
}

// peopleBatchLen is how many identifiers wait before they are filed in
// the worker's people, in order of their top bits (see fileDistinct).
const peopleBatchLen = 1 << 13

func (w *worker) fileGroups() {
	p := &w.people
	p.expect = shareOf(w.s.projected(p.offered+len(w.groups)), p.node.len(), p.offered)
	p.addBatch(w.groups, &w.peopleBudget, &w.pb)
	w.groups = w.groups[:0]
}

// flushMasks hands the masked samples over, and stops asking for those
// of categories the scan already has enough of.
func (w *worker) flushMasks() {
	if len(w.b.masks) == 0 {
		return
	}
	w.s.tally.flush(&w.b)
	w.s.tally.mu.Lock()
	for i, c := range pii.Categories() {
		w.masksWanted[i] = min(w.masksWanted[i], maxSamples-len(w.s.tally.samples[c]))
	}
	w.s.tally.mu.Unlock()
}

// finish hands over what is still buffered.
func (w *worker) finish() {
	for ci := range w.pend {
		w.fileDistinct(ci)
	}
	w.fileGroups()
	w.flushMasks()
	w.s.writeFindings(w.out)
	w.out = w.out[:0]
}

// chunk scans a piece of a big file.
func (w *worker) chunk(ctx context.Context, cj *chunkJob) {
	sf := cj.file
	d := w.Begin(sf.path, sf.format).(*docScan)
	d.chunk = !cj.c.First
	r := bytes.NewReader(cj.c.Data)
	if cj.c.Forced {
		what := "a quoted field"
		if sf.format == extract.FormatMbox {
			what = "a message"
		}
		d.Problem(extract.Problem{Path: sf.path, Line: cj.c.Line, Offset: -1,
			Err: fmt.Errorf("%w: no record boundary within %d bytes; %s may be split here", extract.ErrSyntax, len(cj.c.Data), what)})
	}
	switch sf.format {
	case extract.FormatCSV:
		t := d.Table("").(*tableScan)
		t.fix(sf.cols)
		extract.ReadCSV(ctx, r, sf.dialect, cj.c.Line, cj.c.First && sf.dialect.Header, t, d.Problem, sf.path, w.s.ex.Options())
		t.End()
	case extract.FormatJSON:
		if err := extract.ReadJSON(ctx, r, cj.c.Line, d, sf.path, w.s.ex.Options()); err != nil && ctx.Err() == nil {
			d.Problem(extract.Problem{Path: sf.path, Line: cj.c.Line, Offset: -1, Err: err})
		}
	case extract.FormatMbox:
		if err := w.s.ex.ReadMboxChunk(ctx, r, cj.c.Line, cj.c.Message, sf.path, d, w); err != nil && ctx.Err() == nil {
			d.Problem(extract.Problem{Path: sf.path, Line: cj.c.Line, Offset: -1, Err: err})
		}
	default:
		extract.ReadText(ctx, r, cj.c.Line, d, w.s.ex.Options())
	}
	d.End(int64(len(cj.c.Data)))
	w.s.chunks <- cj.c.Data[:0]
	if sf.left.Add(-1) == 0 {
		w.s.fileDone()
	}
}

// Begin implements extract.Handler.
func (w *worker) Begin(path string, f extract.Format) extract.Doc {
	d := &docScan{w: w, path: w.red.path(path), format: string(f)}
	d.pathJSON = appendJSONString(nil, d.path)
	return d
}

// loc returns the counts of a document or table.
func (w *worker) loc(path, table, format string) *locStats {
	k := locKey{path, table}
	l, ok := w.locs[k]
	if !ok {
		l = &locStats{path: path, table: table, format: format}
		w.locs[k] = l
		w.locOrder = append(w.locOrder, k)
	}
	return l
}

// docScan receives one document.
type docScan struct {
	w        *worker
	path     string
	pathJSON []byte
	format   string
	text     *locStats
	tables   int
	chunk    bool // a chunk after the first of a split file
}

func (d *docScan) Line(l *extract.Line) {
	w := d.w
	if d.text == nil {
		d.text = w.loc(d.path, "", d.format)
	}
	if l.Off == 0 {
		d.text.records++
		w.records++
	}
	w.fs.Reset()
	finds := w.s.pii.Text(l.Text, &w.fs)
	for i := range finds {
		f := &finds[i]
		ci := w.finding(d.text, nil, f)
		if w.s.out != nil {
			w.writeFinding(nil, ci, f, d.pathJSON, l.N, l.Orig(f.Start), l.Orig(f.End))
		}
	}
	w.endRecord(d.text)
}

func (d *docScan) Table(name string) extract.Table {
	d.tables++
	safe := d.w.red.name(name)
	t := &tableScan{d: d, loc: d.w.loc(d.path, safe, d.format), name: safe, shapes: &d.w.shapes}
	switch {
	case d.w.s.out == nil: // no findings file: no JSON to end them with
	case safe != "":
		t.tableJSON = append(appendJSONString([]byte(`,"table":`), safe), ',')
	default:
		t.tableJSON = []byte{','}
	}
	if d.w.s.o.rowByRow {
		return struct{ extract.Table }{t} // without Rows
	}
	return t
}

func (d *docScan) Problem(p extract.Problem) {
	e := ProblemEntry{Path: d.w.red.path(p.Path), Line: p.Line, Skipped: p.Skipped, Message: problemText(p.Err)}
	if p.Line == 0 && p.Offset > 0 {
		e.Offset = p.Offset
	}
	d.w.s.problem(e)
}

// problemText is a problem's message without the path extract may repeat.
func problemText(err error) string {
	if err == nil {
		return "unreadable"
	}
	return errText(err)
}

func (d *docScan) End(n int64) {
	w := d.w
	w.bytes += n
	if d.chunk {
		return
	}
	w.tables += d.tables
	w.docs++
	w.byFormat[d.format]++
	w.s.docs.Add(1)
}

// tableScan receives the rows of one table. It holds back the first rows
// to classify each column from its header and a sample of its values,
// then scans each cell knowing its column.
type tableScan struct {
	d          *docScan
	loc        *locStats
	name       string
	tableJSON  []byte // `,"table":"…",` for the findings file
	cols       []*colState
	colSlab    []colState // where cols are allocated, several at once
	classified bool
	held       heldRows   // rows held back until classify
	shapes     *shapeSets // the worker's
}

type colState struct {
	name       string // as in the data
	header     bool
	stats      *colStats
	class      pii.Column
	classified bool
	end        []byte     // what ends the findings of the column: table, column, "}\n"; only with a findings file
	shapes     shapeCache // what the shapes of a column of no category gave
	memo       cellMemo   // what the values of a column of a category gave
	// notInert counts the column's values in a row that were not inert
	// (codes, labels, dates with a time): past inertGiveUp, its values
	// go to the shapes without being asked.
	notInert int
}

// inertGiveUp is how many values in a row a column must have that are
// not inert for the next ones not to be asked. Asking is only a shortcut:
// a value not asked is looked at through its shape, as those that are
// not inert are, and gives the same findings.
const inertGiveUp = 64

// fix sets the classes decided beforehand (chunks of a big file).
func (t *tableScan) fix(cols []fixedColumn) {
	for i, c := range cols {
		t.Column(i, c.name, c.header)
		t.cols[i].class, t.cols[i].classified = c.class, true
		t.cols[i].stats.class = c.class
		t.cols[i].memo.classified(c.class.Category)
	}
	t.classified = true
}

func (t *tableScan) Column(i int, name string, header bool) {
	for len(t.cols) <= i {
		t.cols = append(t.cols, nil)
	}
	if t.cols[i] != nil {
		return
	}
	display := name
	if header {
		display = t.d.w.red.name(name)
	}
	c := newIn(&t.colSlab)
	c.name, c.header, c.memo.off = name, header, t.d.w.s.o.noMemo
	for len(t.loc.cols) <= i {
		t.loc.cols = append(t.loc.cols, nil)
	}
	if t.loc.cols[i] == nil {
		t.loc.cols[i] = newIn(&t.loc.colSlab)
		t.loc.cols[i].name = display
		if header {
			t.loc.cols[i].special = t.d.w.specials.get(name, specialKind)
		}
	}
	c.stats = t.loc.cols[i]
	if t.d.w.s.out != nil {
		end := append(append([]byte(nil), t.tableJSON...), `"column":`...)
		c.end = append(appendJSONString(end, display), "}\n"...)
	}
	t.cols[i] = c
}

func (t *tableScan) Row(r *extract.Row) {
	if t.classified {
		t.scan(r)
		return
	}
	// Hold a copy back; values live in the arena until classify.
	h := &t.held
	if h.rows == nil {
		*h, t.d.w.held = t.d.w.held, heldRows{} // the worker's, if no other table has them
	}
	p := pendingRow{n: r.N, start: len(h.arena), from: len(h.cells)}
	for _, c := range r.Cells {
		h.arena = append(h.arena, c.Value...)
		h.cells = append(h.cells, pendingCell{col: c.Col, off: c.Off, n: len(c.Value), recoded: c.Recoded})
	}
	p.to = len(h.cells)
	h.rows = append(h.rows, p)
	if len(h.rows) >= sampleRows || len(h.arena) >= 1<<20 {
		t.classify()
	}
}

// heldRows are the rows of a table held back until its columns are
// classified: their values end to end in arena, their cells in cells.
// A worker lends its own to one table at a time, from its first row to
// its classification: most files of a breach folder are small tables,
// all held back.
type heldRows struct {
	rows  []pendingRow
	cells []pendingCell
	arena []byte
}

type pendingRow struct {
	n, start int // line, and where the values start in the arena
	from, to int // the row's cells
}

type pendingCell struct {
	col, off, n int
	recoded     bool
}

// classify decides every column's class from the rows held back, then
// scans them.
func (t *tableScan) classify() {
	t.classified = true
	h := &t.held
	// Each column's sample is a part of one array, as long as the column
	// has cells: growing a slice a column costs a small table most of its
	// allocations.
	samples := make([][][]byte, len(t.cols))
	counts := make([]int, len(t.cols))
	for _, c := range h.cells {
		if c.col < len(counts) {
			counts[c.col]++
		}
	}
	all := make([][]byte, len(h.cells))
	for i, n := range counts {
		samples[i], all = all[:0:n], all[n:]
	}
	for _, p := range h.rows {
		pos := p.start
		for _, c := range h.cells[p.from:p.to] {
			v := h.arena[pos : pos+c.n]
			pos += c.n
			if c.col < len(samples) && len(bytes.TrimSpace(v)) > 0 {
				samples[c.col] = append(samples[c.col], v)
			}
		}
	}
	for i, c := range t.cols {
		if c != nil && !c.classified {
			t.setClass(c, samples[i])
		}
	}
	var row extract.Row
	for _, p := range h.rows {
		row.N, row.Cells = p.n, row.Cells[:0]
		pos := p.start
		for _, c := range h.cells[p.from:p.to] {
			row.Cells = append(row.Cells, extract.Cell{Col: c.col, Value: h.arena[pos : pos+c.n], Off: c.off, Recoded: c.recoded})
			pos += c.n
		}
		t.scan(&row)
	}
	// Give the buffers back to the worker, emptied, unless they grew
	// past what a small table needs.
	if cap(h.arena) <= 1<<20+1<<16 {
		t.d.w.held = heldRows{h.rows[:0], h.cells[:0], h.arena[:0]}
	}
	t.held = heldRows{}
}

func (t *tableScan) setClass(c *colState, sample [][]byte) {
	hdr := ""
	if c.header {
		hdr = c.name
		// A JSON key path: the last key names the value.
		if i := strings.LastIndexByte(hdr, '.'); i >= 0 && i+1 < len(hdr) {
			hdr = hdr[i+1:]
		}
	}
	w := t.d.w
	c.class = w.s.pii.ClassifyValues(w.headerCats.get(hdr, w.s.pii.HeaderCategory), sample)
	c.classified = true
	c.stats.class = c.class
	c.memo.classified(c.class.Category)
}

// cellMarks tells of a row's first 64 fields which Rows already asked:
// bit c of skip, that field c is done (inert, of a trusted shape, or
// scanned a column at a time); of asked, that it was asked whether it is
// inert.
type cellMarks struct{ skip, asked uint64 }

// Rows scans a batch of rows. Before going row by row, it asks the
// columns of codes about their fields a column at a time: whether each
// value is inert (amounts, quantities) and, in a column whose shapes
// have settled, whether its shape is trusted. Column by column, the
// column's state stays in registers, where row by row each cell reloaded
// it after the previous cell's calls; the rows' pass then looks only at
// the fields left, and makes a Cell of those alone. The findings, their
// order and each column's state are those of scanning row by row: asking
// whether a value is inert changes its column alone, and a settled
// column's lookups change nothing that decides what is scanned
// (shapeCache.settled). Columns of a category may be scanned a column at
// a time too (bycolumn.go), which counts alike.
func (t *tableScan) Rows(rows []extract.LineRow) {
	w := t.d.w
	if !t.classified {
		var row extract.Row
		for i := range rows {
			row.N, row.Cells = rows[i].N, w.cells[:0]
			for k := range rows[i].Fields() {
				row.Cells = append(row.Cells, rows[i].Cell(k))
			}
			w.cells = row.Cells
			t.Row(&row)
		}
		return
	}
	if cap(w.marks) < len(rows) {
		w.marks = make([]cellMarks, len(rows))
	}
	marks := w.marks[:len(rows)]
	clear(marks)
	w.colFinds = w.colFinds[:0]
	if cap(w.colCats) < len(rows) {
		w.colCats = make([]uint16, len(rows))
	}
	w.colCats = w.colCats[:len(rows)]
	clear(w.colCats)
	for ci, col := range t.cols[:min(len(t.cols), 64)] {
		switch {
		case col == nil || !col.classified:
		case col.class.Category == "":
			t.askColumn(ci, col, rows, marks)
		case t.byColumn(col):
			t.scanColumn(ci, col, rows, marks)
		}
	}
	for r := range rows {
		t.scanLine(&rows[r], r, marks[r])
	}
}

// askColumn asks the cells of column ci of rows, a column of no category,
// what Rows asks them, marking in marks those done.
func (t *tableScan) askColumn(ci int, col *colState, rows []extract.LineRow, marks []cellMarks) {
	w := t.d.w
	settled := col.shapes.settled()
	bit := uint64(1) << ci
	r := 0
	// While the column is asked whether its values are inert.
	for ; r < len(rows) && col.notInert < inertGiveUp; r++ {
		b := rows[r].Bounds
		if ci+1 >= len(b) {
			continue // a short row
		}
		v := rows[r].Line[b[ci]+1 : b[ci+1]]
		// Short values answered here, with no call: amounts and rates.
		inert, sure := false, false
		if len(v) <= 8 {
			inert, sure = pii.InertWord(swar.Load(v))
		}
		if !sure {
			inert = w.s.pii.Inert(v)
		}
		if inert {
			col.notInert = 0
			marks[r].skip |= bit
			continue
		}
		col.notInert++
		marks[r].asked |= bit
		if settled && len(v) <= shapeMaxLen {
			if _, trusted := col.shapes.lookup(newShapeKey(&w.shapeSecret, v, col.shapes.coarse)); trusted {
				marks[r].skip |= bit
			}
		}
	}
	if !settled {
		return
	}
	// Then, once no longer asked, by shape alone.
	col.shapes.markTrusted(&w.shapeSecret, rows[r:], ci, marks[r:])
}

// scan scans a row's cells.
func (t *tableScan) scan(r *extract.Row) {
	w := t.d.w
	t.loc.records++
	w.records++
	w.fs.Reset()
	for i := range r.Cells {
		t.cell(r.N, &r.Cells[i], 0)
	}
	w.endRecord(t.loc)
}

// scanLine scans row ri of a batch but the fields m marks as done. The
// first 64 are taken from the bits left: a row whose codes were all asked
// costs nothing for them. The identifiers its columns scanned a column at
// a time found join the record in the order of its columns.
func (t *tableScan) scanLine(r *extract.LineRow, ri int, m cellMarks) {
	w := t.d.w
	t.loc.records++
	w.records++
	w.fs.Reset()
	w.rec.cats |= w.colCats[ri]
	n := r.Fields()
	left := ^m.skip
	if n < 64 {
		left &= 1<<n - 1
	}
	found, k := w.colFinds, 0
	var c extract.Cell
	for ; left != 0; left &= left - 1 {
		ci := bits.TrailingZeros64(left)
		for ; k < len(found) && found[k].ci < ci; k++ {
			w.rec.add(&found[k], ri)
		}
		r.SetCell(&c, ci)
		t.cell(r.N, &c, m.asked)
	}
	for ; k < len(found); k++ {
		w.rec.add(&found[k], ri)
	}
	for k := 64; k < n; k++ {
		r.SetCell(&c, k)
		t.cell(r.N, &c, m.asked)
	}
	w.endRecord(t.loc)
}

// cell scans one cell of the row at line n; asked marks the columns
// whose value was asked whether it is inert.
func (t *tableScan) cell(n int, cell *extract.Cell, asked uint64) {
	w := t.d.w
	c := cell.Col
	var col *colState
	if c < len(t.cols) {
		col = t.cols[c]
	}
	if col == nil || !col.classified {
		col = t.lateColumn(cell)
	}
	var finds []pii.Finding
	if col.class.Category == "" && col.notInert < inertGiveUp && asked>>uint(c)&1 == 0 {
		// A column of no category scans its cells as text (as Cell
		// does); amounts, quantities and rates cannot hold anything,
		// which costs less to tell than their shape.
		if w.s.pii.Inert(cell.Value) {
			col.notInert = 0
			return
		}
		col.notInert++
	}
	switch {
	case col.class.Category != "":
		if m := &col.memo; !m.off && w.masksWanted[m.ci] == 0 && m.wanted(&w.memos) {
			t.memoCell(n, cell, col, m.ci)
			return
		}
		finds = w.s.pii.Cell(col.class, cell.Value, &w.fs)
	case len(cell.Value) <= shapeMaxLen && col.shapes.wanted(t.shapes):
		// Values of a shape that gave nothing often enough are codes
		// (shape.go).
		key := newShapeKey(&w.shapeSecret, cell.Value, col.shapes.coarse)
		slot, trusted := col.shapes.lookup(key)
		if trusted {
			return
		}
		finds = w.s.pii.Text(cell.Value, &w.fs)
		col.shapes.record(slot, key, len(finds) == 0)
	default:
		finds = w.s.pii.Text(cell.Value, &w.fs)
	}
	for k := range finds {
		f := &finds[k]
		ci := w.finding(t.loc, col, f)
		if w.s.out != nil {
			w.writeFinding(col, ci, f, t.d.pathJSON, n, cell.Orig(f.Start), cell.Orig(f.End))
		}
	}
}

// memoCell scans a cell of a column whose memo is in use (cellmemo.go)
// and whose category has index ci.
func (t *tableScan) memoCell(n int, cell *extract.Cell, col *colState, ci int) {
	w := t.d.w
	m := &col.memo
	key := maphash.Bytes(w.memoSeed, cell.Value) | 1
	slot, h, found := m.lookup(key)
	m.count(found)
	if found {
		if h != 0 {
			t.replay(n, cell, col, ci, h)
		}
		return
	}
	finds, fits := w.s.pii.CellFits(col.class, cell.Value, &w.fs)
	// Counted as cell counts them: through a method of both, cell's
	// own loop cost 10 M instructions more on the order table.
	for k := range finds {
		f := &finds[k]
		fci := w.finding(t.loc, col, f)
		if w.s.out != nil {
			w.writeFinding(col, fci, f, t.d.pathJSON, n, cell.Orig(f.Start), cell.Orig(f.End))
		}
	}
	switch {
	case !fits:
	case len(finds) == 0:
		m.record(slot, key, 0)
	case m.conf == 0 || m.conf == finds[0].Confidence:
		m.conf = finds[0].Confidence
		m.record(slot, key, w.lastHash)
	}
}

// replay counts what a memo kept of a value met before: its whole trimmed
// value, of its column's category (index ci), whose tally hash is h. It
// is what finding does, but for the hash, which was filed the first time.
func (t *tableScan) replay(n int, cell *extract.Cell, col *colState, ci int, h uint64) {
	w := t.d.w
	v := cell.Value
	start, end := 0, len(v)
	if v[0] <= pii.TrimMax || v[end-1] <= pii.TrimMax {
		start, end = pii.TrimCell(v)
	}
	w.cats[ci].values++
	t.loc.values[ci]++
	col.stats.values[ci]++
	w.rec.cats |= 1 << ci
	switch ci {
	case domEmail:
		w.rec.email = append(w.rec.email, h)
	case domPhone:
		w.rec.phone = append(w.rec.phone, h)
	case domName:
		w.rec.rawNames = append(w.rec.rawNames, v[start:end])
	}
	if w.s.out != nil {
		f := pii.Finding{Category: col.class.Category, Start: start, End: end, Confidence: col.memo.conf}
		w.writeFinding(col, ci, &f, t.d.pathJSON, n, cell.Orig(start), cell.Orig(end))
	}
}

// memo remembers what a function of a column header gave: the headers of
// a folder's files repeat, and reading one costs microseconds. It keeps
// at most memoMax headers (a JSON document may have as many keys), by a
// hash of each under a seed of its own: what the sniffer asks about may
// be the first record of a file without a header, personal data that is
// not to stay in memory for the whole scan.
type memo[V any] struct {
	seed maphash.Seed
	m    map[uint64]V
}

const memoMax = 4096

func (m *memo[V]) get(k string, f func(string) V) V {
	if m.m == nil {
		m.seed, m.m = maphash.MakeSeed(), map[uint64]V{}
	}
	h := maphash.String(m.seed, k)
	if v, ok := m.m[h]; ok {
		return v
	}
	v := f(k)
	if len(m.m) < memoMax {
		m.m[h] = v
	}
	return v
}

// lateColumn returns the column of a cell met after the others were
// classified (a JSON key that appears late), classified from its header
// and this value.
func (t *tableScan) lateColumn(cell *extract.Cell) *colState {
	if cell.Col >= len(t.cols) || t.cols[cell.Col] == nil {
		t.Column(cell.Col, "#"+strconv.Itoa(cell.Col+1), false)
	}
	col := t.cols[cell.Col]
	if !col.classified {
		t.setClass(col, [][]byte{cell.Value})
	}
	return col
}

func (t *tableScan) End() {
	if !t.classified {
		t.classify()
	}
	for _, c := range t.cols {
		if c != nil {
			c.shapes.release(t.shapes)
			if f := t.d.w.s.o.memoFound; f != nil {
				f.Add(int64(c.memo.found))
			}
			c.memo.release(&t.d.w.memos)
		}
	}
}

// record gathers what one record holds, to count records and people.
// Names and date of birth point into the worker's findings buffer, valid
// until the next record.
type record struct {
	cats  uint16 // a bit for each category index found
	nir   []uint64
	email []uint64
	phone []uint64
	names [][]byte
	dob   []byte
	// rawNames are names a memo answered for, as in their cells: they
	// are normalised only if the person's key needs them.
	rawNames [][]byte
}

// finding counts one finding and feeds the tally; it returns the index
// of the finding's category.
func (w *worker) finding(l *locStats, col *colState, f *pii.Finding) int {
	ci := catIdx(f.Category)
	w.cats[ci].values++
	l.values[ci]++
	if col != nil {
		col.stats.values[ci]++
	}
	w.rec.cats |= 1 << ci
	if ci == domCredential {
		w.credKinds[max(slices.Index(credentialKinds[:], pii.CredentialKind(f.Norm)), 0)]++ // plain text unless known
	}
	h, seen := w.k.hash(ci, f.Norm)
	w.lastHash = h
	// The distinct identifiers are counted by the people they join
	// (endRecord); the other categories by a set each.
	if !seen && !identifies(ci) {
		w.pend[ci] = append(w.pend[ci], h)
		if len(w.pend[ci]) >= distinctBatch {
			w.fileDistinct(ci)
		}
	}
	switch ci {
	case domNIR:
		w.rec.nir = append(w.rec.nir, h)
	case domEmail:
		w.rec.email = append(w.rec.email, h)
	case domPhone:
		w.rec.phone = append(w.rec.phone, h)
	case domName:
		w.rec.names = append(w.rec.names, f.Norm)
	case domDOB:
		if w.rec.dob == nil {
			w.rec.dob = f.Norm
		}
	}
	if w.masksWanted[ci] > 0 {
		w.masksWanted[ci]--
		if m := pii.Mask(f.Category, string(f.Norm)); m != "" {
			w.b.masks = append(w.b.masks, catMask{f.Category, m})
		}
	}
	return ci
}

// writeFinding writes the findings line of a finding of category index
// ci, only called when the scan has a findings writer.
func (w *worker) writeFinding(col *colState, ci int, f *pii.Finding, pathJSON []byte, line, start, end int) {
	// The findings of a record share their start, and most of the rest
	// repeats: only the offsets are formatted for each.
	if line != w.headLine || &pathJSON[0] != w.headPath {
		w.head = append(append(append(w.head[:0], `{"path":`...), pathJSON...), `,"line":`...)
		w.head = append(strconv.AppendInt(w.head, int64(line), 10), `,"start":`...)
		w.headLine, w.headPath = line, &pathJSON[0]
	}
	w.out = append(w.out, w.head...)
	w.out = appendInt(w.out, start)
	w.out = append(w.out, `,"end":`...)
	w.out = appendInt(w.out, end)
	w.out = append(w.out, w.tail(ci, f)...)
	if col != nil {
		w.out = append(w.out, col.end...)
	} else {
		w.out = append(w.out, "}\n"...)
	}
	if len(w.out) >= 64<<10 {
		w.s.writeFindings(w.out)
		w.out = w.out[:0]
	}
}

// distinctBatch is how many hashes of a category wait before they are
// filed; bucketBits, how many of their top bits order them.
const (
	distinctBatch = 1 << 13
	bucketBits    = 10
)

// fileDistinct files the waiting hashes of a category. Each one filed
// alone would land on a random slot of a table that outgrows the caches:
// filed by their top bits, which choose their slot, they walk the table
// from start to end.
func (w *worker) fileDistinct(ci int) {
	p := w.pend[ci]
	if len(p) == 0 {
		return
	}
	if w.buckets == nil {
		w.buckets = new([1 << bucketBits]int32)
	}
	w.order = byTopBits(w.order, p, w.buckets)
	d := &w.dist[ci]
	d.addAll(w.order, &w.distBudget, d.expect(w.s.projected(d.offered+len(p))))
	w.pend[ci] = p[:0]
}

// byTopBits returns src ordered by its top bucketBits bits (a counting
// sort), in dst's storage.
func byTopBits(dst, src []uint64, count *[1 << bucketBits]int32) []uint64 {
	*count = [1 << bucketBits]int32{}
	for _, x := range src {
		count[x>>(64-bucketBits)]++
	}
	var sum int32
	for i, c := range count {
		count[i] = sum
		sum += c
	}
	if cap(dst) < len(src) {
		dst = make([]uint64, len(src))
	}
	dst = dst[:len(src)]
	for _, x := range src {
		k := x >> (64 - bucketBits)
		dst[count[k]] = x
		count[k]++
	}
	return dst
}

// tailText is a category and confidence and their text in the findings.
type tailText struct {
	ci   int
	c    float64
	text []byte
}

// tail returns `,"category":"…","confidence":…` for a finding. A scan
// meets a handful of pairs, one per category and way of recognising a
// value, interleaved: each is formatted once.
func (w *worker) tail(ci int, f *pii.Finding) []byte {
	for i := range w.tails {
		if t := &w.tails[i]; t.text != nil && t.ci == ci && t.c == f.Confidence {
			return t.text
		}
	}
	e := &w.tails[w.nextTail]
	w.nextTail = (w.nextTail + 1) % len(w.tails)
	e.ci, e.c = ci, f.Confidence
	e.text = append(append(e.text[:0], `,"category":"`...), f.Category...)
	e.text = append(e.text, `","confidence":`...)
	e.text = strconv.AppendFloat(e.text, float64(int(f.Confidence*1000+0.5))/1000, 'f', -1, 64)
	return e.text
}

// endRecord closes a record: it counts it and files its identifiers.
func (w *worker) endRecord(l *locStats) {
	r := &w.rec
	if r.cats == 0 {
		return
	}
	l.affected++
	w.affected++
	for c := r.cats; c != 0; c &= c - 1 {
		w.cats[bits.TrailingZeros16(c)].records++
	}
	n := len(w.groups)
	ids := append(w.groups, r.nir...)
	ids = append(ids, r.email...)
	ids = append(ids, r.phone...)
	// Name with date of birth identifies a person only where nothing
	// stronger does: homonyms born the same day are rare, but records
	// that carry distinct NIRs must never be joined through them.
	if len(ids) == n && len(r.names)+len(r.rawNames) > 0 && r.dob != nil {
		w.words = w.words[:0]
		for _, n := range r.names {
			w.words = appendWords(w.words, n)
		}
		if len(r.rawNames) > 0 {
			// Into one buffer first: its growth would move the words.
			w.norms = w.norms[:0]
			for _, n := range r.rawNames {
				w.norms = append(pii.AppendNormName(w.norms, n), ' ')
			}
			w.words = appendWords(w.words, w.norms)
		}
		slices.SortFunc(w.words, bytes.Compare)
		w.person = w.person[:0]
		for i, word := range w.words {
			if i > 0 {
				w.person = append(w.person, ' ')
			}
			w.person = append(w.person, word...)
		}
		w.person = append(append(w.person, '|'), r.dob...)
		h, _ := w.k.hash(domPerson, w.person)
		ids = append(ids, h)
	}
	if len(ids) > n {
		ids = append(ids, 0)
		w.peopleRecords++
	}
	w.groups = ids
	if len(w.groups) >= peopleBatchLen {
		w.fileGroups()
	}
	// Field by field: a composite literal is built on the stack and
	// copied in 16-byte moves, which wait for its 8-byte stores.
	r.cats, r.nir, r.email, r.phone, r.names, r.dob = 0, r.nir[:0], r.email[:0], r.phone[:0], r.names[:0], nil
	r.rawNames = r.rawNames[:0]
}

// appendWords appends the space-separated words of a normalised name. A
// person's key joins the words of all names of the record in a stable
// order, so that "Dupont" and "Jean" in two columns equal "jean dupont"
// in one.
func appendWords(words [][]byte, n []byte) [][]byte {
	for len(n) > 0 {
		i := bytes.IndexByte(n, ' ')
		if i < 0 {
			return append(words, n)
		}
		if i > 0 {
			words = append(words, n[:i])
		}
		n = n[i+1:]
	}
	return words
}

// appendInt appends a non-negative int; most are short, and writing
// their digits in place beats strconv's copy.
func appendInt(b []byte, n int) []byte {
	switch {
	case n < 0:
		return strconv.AppendInt(b, int64(n), 10)
	case n < 10:
		return append(b, byte('0'+n))
	case n < 100:
		return append(b, byte('0'+n/10), byte('0'+n%10))
	case n < 1000:
		return append(b, byte('0'+n/100), byte('0'+n/10%10), byte('0'+n%10))
	case n < 10000:
		return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
