package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"

	"tocsin/internal/swar"
)

// A SQL dump is read statement by statement, streaming:
//   - INSERT INTO t [(cols)] VALUES (...), (...); and REPLACE INTO (MySQL):
//     each tuple is a row of table t, on the line where it opens;
//   - COPY t (cols) FROM stdin; then tab-separated lines up to \. (pg_dump);
//   - CREATE TABLE t (...): its column names, for INSERTs without a list
//     (mysqldump writes none);
//   - anything else is skipped up to its ';' (strings, comments and
//     PostgreSQL dollar quoting respected).
// MySQL dumps escape with backslashes inside strings; PostgreSQL dumps do
// not (standard_conforming_strings) except in E'...' strings. The dialect
// is told from the dump's first bytes.

const (
	maxRaw       = 256 // bytes kept of a value that is not a string
	maxTuplePart = 64  // expression depth inside a tuple
)

var errSQLEnd = errors.New("unexpected end of input")

type sqlReader struct {
	ctx       context.Context
	s         *stream
	o         Options
	doc       Doc
	path      string
	line      int
	lineAt    int64
	backslash bool
	tables    map[string]*sqlTable
	order     []*sqlTable
	word      []byte
	rec       []byte
	cells     []jcell
	row       Row
	scratch   []byte
	probs     int
	cut       bool
	slowOnly  bool  // tests: every tuple through tuple's general loop
	colMap    []int // the statement's column list mapped to the table's (-1: not yet)
}

type sqlTable struct {
	name    string
	t       Table
	defined []string // columns from CREATE TABLE
	named   int
	names   []string // names announced, by column index
}

// sqlDialectMySQL tells a MySQL dump from its first bytes.
func sqlDialectMySQL(head []byte) bool {
	if bytes.Contains(head, []byte("PostgreSQL database dump")) || bytes.Contains(head, []byte("standard_conforming_strings")) {
		return false
	}
	return true
}

// readSQL reads a SQL dump.
func readSQL(ctx context.Context, r io.Reader, d Doc, o Options, path string, mysql bool) error {
	return readSQLTuples(ctx, r, d, o, path, mysql, false, 1)
}

// readSQLTuples is readSQL, with every tuple read by the general loop
// when slowOnly is set (tests check the fast path against it), and the
// first line numbered line.
func readSQLTuples(ctx context.Context, r io.Reader, d Doc, o Options, path string, mysql, slowOnly bool, line int) error {
	q := &sqlReader{ctx: ctx, s: newStream(r, blockSize), o: o, doc: d, path: path, line: line, backslash: mysql, tables: map[string]*sqlTable{},
		slowOnly: slowOnly}
	err := q.run()
	for _, t := range q.order {
		if t.t != nil {
			t.t.End()
		}
	}
	if q.probs > maxProblems {
		d.Problem(Problem{Path: path, Offset: -1, Err: fmt.Errorf("%w: %d more SQL syntax errors", ErrSyntax, q.probs-maxProblems)})
	}
	if err == nil {
		err = q.s.err
	}
	return err
}

func (q *sqlReader) run() error {
	for n := 0; ; n++ {
		if n&255 == 0 && q.ctx.Err() != nil {
			return q.ctx.Err()
		}
		if !q.skipSpace() {
			return nil
		}
		c := q.s.buf[q.s.pos]
		if c == '\\' {
			// A psql meta-command (\connect, \restrict): one line.
			q.skipLine()
			continue
		}
		if c == ';' {
			q.s.pos++
			continue
		}
		if !isWordByte(c) {
			q.skipStatement()
			continue
		}
		line := q.line
		w := upper(q.readWord())
		var err error
		switch w {
		case "INSERT", "REPLACE":
			err = q.insert()
		case "COPY":
			err = q.copyStmt()
		case "CREATE":
			err = q.create()
		default:
			q.skipStatement()
		}
		if err != nil {
			if q.s.err != nil {
				return q.s.err
			}
			if errors.Is(err, errSQLEnd) {
				q.problem(line, err)
				return nil
			}
			q.problem(q.line, err)
			q.skipStatement()
		}
	}
}

func (q *sqlReader) problem(line int, err error) {
	q.probs++
	if q.probs <= maxProblems {
		q.doc.Problem(Problem{Path: q.path, Line: line, Offset: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, err)})
	}
}

// ensure makes at least n bytes available at pos, if the input has them.
func (q *sqlReader) ensure(n int) bool {
	for q.s.end-q.s.pos < n {
		if !q.s.fill() {
			return q.s.end-q.s.pos >= n
		}
	}
	return true
}

// advance consumes n bytes, counting lines.
func (q *sqlReader) advance(n int) {
	s := q.s
	for i, c := range s.buf[s.pos : s.pos+n] {
		if c == '\n' {
			q.line++
			q.lineAt = s.abs(s.pos + i + 1)
		}
	}
	s.pos += n
}

// skipSpace skips whitespace and comments; false at the end of input.
func (q *sqlReader) skipSpace() bool {
	s := q.s
	for {
		if !q.ensure(1) {
			return false
		}
		c := s.buf[s.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			q.advance(1)
		case c == '#':
			q.skipLine()
		case c == '-' && q.ensure(2) && s.buf[s.pos+1] == '-':
			q.skipLine()
		case c == '/' && q.ensure(2) && s.buf[s.pos+1] == '*':
			q.advance(2)
			if !q.skipUntil("*/") {
				return false
			}
		default:
			return true
		}
	}
}

// skipLine consumes up to and including the next newline.
func (q *sqlReader) skipLine() {
	s := q.s
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
			s.pos += i + 1
			q.line++
			q.lineAt = s.abs(s.pos)
			return
		}
		s.pos = s.end
		if !s.fill() {
			return
		}
	}
}

// skipUntil consumes up to and including the marker; false at the end.
func (q *sqlReader) skipUntil(marker string) bool {
	s := q.s
	m := []byte(marker)
	for {
		data := s.buf[s.pos:s.end]
		if i := bytes.Index(data, m); i >= 0 {
			q.advance(i + len(m))
			return true
		}
		keep := len(m) - 1
		if len(data) > keep {
			q.advance(len(data) - keep)
		}
		if !s.fill() {
			q.advance(s.end - s.pos)
			return false
		}
	}
}

// skipStatement consumes up to and including the next ';' outside strings,
// identifiers, comments and dollar quotes.
func (q *sqlReader) skipStatement() {
	s := q.s
	for {
		if !q.ensure(1) {
			return
		}
		c := s.buf[s.pos]
		switch c {
		case ';':
			q.advance(1)
			return
		case '\'', '"', '`':
			q.advance(1)
			q.skipQuoted(c)
		case '-', '/', '#':
			before := s.abs(s.pos)
			if !q.skipSpace() {
				return
			}
			if s.abs(s.pos) == before {
				q.advance(1) // a minus or a division, not a comment
			}
		case '$':
			q.skipDollar()
		default:
			// Run to the next interesting byte.
			data := s.buf[s.pos:s.end]
			i := bytes.IndexAny(data, ";'\"`-/#$")
			if i < 0 {
				i = len(data)
			}
			if i == 0 {
				i = 1
			}
			q.advance(i)
		}
	}
}

// skipQuoted consumes a quoted token after its opening quote.
func (q *sqlReader) skipQuoted(quote byte) {
	_, _ = q.quoted(nil, quote, quote == '\'' && q.backslash, 0)
}

// skipDollar consumes a PostgreSQL dollar-quoted body ($tag$ … $tag$), or
// a lone '$'.
func (q *sqlReader) skipDollar() {
	s := q.s
	q.ensure(64)
	data := s.buf[s.pos:s.end]
	end := 1
	for end < len(data) && end < 64 && (isWordByte(data[end])) {
		end++
	}
	if end >= len(data) || data[end] != '$' || (end > 1 && data[1] >= '0' && data[1] <= '9') {
		q.advance(1) // $1 parameters and the like
		return
	}
	tag := string(data[:end+1])
	q.advance(end + 1)
	q.skipUntil(tag)
}

// quoted reads a quoted token after its opening quote into dst (at most
// limit bytes kept; limit 0 keeps nothing). A doubled quote is a quote;
// with backslash, \x escapes are decoded the MySQL way.
func (q *sqlReader) quoted(dst []byte, quote byte, backslash bool, limit int) ([]byte, error) {
	s := q.s
	add := func(b []byte) {
		if room := limit - len(dst); room < len(b) {
			if room < 0 {
				room = 0
			}
			b = b[:room]
		}
		dst = append(dst, b...)
	}
	for {
		if !q.ensure(2) && s.pos >= s.end {
			return dst, errSQLEnd
		}
		data := s.buf[s.pos:s.end]
		i := bytes.IndexByte(data, quote)
		seg := data
		if i >= 0 {
			seg = data[:i]
		}
		if backslash {
			if j := bytes.IndexByte(seg, '\\'); j >= 0 {
				seg = seg[:j]
				add(seg)
				q.advance(len(seg))
				if !q.ensure(2) {
					return dst, errSQLEnd
				}
				add([]byte{unescapeMySQL(s.buf[s.pos+1])})
				q.advance(2)
				continue
			}
		}
		add(seg)
		q.advance(len(seg))
		if i < 0 {
			if s.eof && s.pos >= s.end {
				return dst, errSQLEnd
			}
			continue
		}
		// At the quote: doubled or closing?
		if !q.ensure(2) || s.buf[s.pos+1] != quote {
			q.advance(1)
			return dst, nil
		}
		add([]byte{quote})
		q.advance(2)
	}
}

func unescapeMySQL(c byte) byte {
	switch c {
	case '0':
		return 0
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'Z':
		return 26
	}
	return c
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

func upper(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 32
		}
		out[i] = c
	}
	return string(out)
}

// readWord reads a bare word.
func (q *sqlReader) readWord() []byte {
	s := q.s
	q.word = q.word[:0]
	for {
		for s.pos < s.end && isWordByte(s.buf[s.pos]) {
			if len(q.word) < maxKey {
				q.word = append(q.word, s.buf[s.pos])
			}
			s.pos++
		}
		if s.pos < s.end || !s.fill() {
			return q.word
		}
	}
}

// keyword reads the next word if it is one of want (upper case); it
// consumes nothing otherwise.
func (q *sqlReader) keyword(want ...string) string {
	if !q.skipSpace() {
		return ""
	}
	q.ensure(32)
	s := q.s
	end := s.pos
	for end < s.end && isWordByte(s.buf[end]) {
		end++
	}
	w := upper(s.buf[s.pos:end])
	for _, k := range want {
		if w == k {
			q.advance(end - s.pos)
			return k
		}
	}
	return ""
}

// name reads a possibly quoted, possibly dotted identifier.
func (q *sqlReader) name() (string, error) {
	var out []byte
	for {
		if !q.skipSpace() {
			return "", errSQLEnd
		}
		c := q.s.buf[q.s.pos]
		switch {
		case c == '`' || c == '"' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			q.advance(1)
			part, err := q.quoted(nil, closer, false, maxKey)
			if err != nil {
				return "", err
			}
			out = append(out, part...)
		case isWordByte(c):
			out = append(out, q.readWord()...)
		default:
			return "", fmt.Errorf("expected a name")
		}
		if !q.ensure(1) || q.s.buf[q.s.pos] != '.' {
			break
		}
		q.advance(1)
		out = append(out, '.')
	}
	if len(out) == 0 {
		return "", fmt.Errorf("expected a name")
	}
	o, _ := ensureUTF8(out, new([]byte))
	return string(o), nil
}

// nameList reads "(a, b, c)".
func (q *sqlReader) nameList() ([]string, error) {
	if !q.skipSpace() || q.s.buf[q.s.pos] != '(' {
		return nil, fmt.Errorf("expected '('")
	}
	q.advance(1)
	var names []string
	for {
		n, err := q.name()
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		if !q.skipSpace() {
			return nil, errSQLEnd
		}
		switch q.s.buf[q.s.pos] {
		case ',':
			q.advance(1)
		case ')':
			q.advance(1)
			return names, nil
		default:
			return nil, fmt.Errorf("expected ',' or ')' in a column list")
		}
	}
}

func (q *sqlReader) table(name string) *sqlTable {
	t, ok := q.tables[name]
	if !ok {
		t = &sqlTable{name: name}
		q.tables[name] = t
		q.order = append(q.order, t)
	}
	return t
}

// open starts the table's Table on first use, naming its columns.
func (q *sqlReader) open(t *sqlTable, cols []string) {
	if t.t == nil {
		t.t = q.doc.Table(t.name)
	}
	if cols == nil {
		cols = t.defined
	}
	for i, c := range cols {
		if i < len(t.names) {
			continue
		}
		t.names = append(t.names, c)
		t.t.Column(i, c, true)
	}
	if len(cols) > t.named {
		t.named = len(cols)
	}
}

// colIndex maps a position in a statement's column list to the table's
// column index, naming new ones.
func (q *sqlReader) colIndex(t *sqlTable, cols []string, i int) int {
	if cols != nil && i < len(cols) {
		// A statement's list is looked up once, not on every row.
		if i < len(q.colMap) && q.colMap[i] >= 0 {
			return q.colMap[i]
		}
		k := slices.Index(t.names, cols[i])
		if k < 0 {
			t.names = append(t.names, cols[i])
			t.t.Column(len(t.names)-1, cols[i], true)
			k = len(t.names) - 1
		}
		for len(q.colMap) <= i {
			q.colMap = append(q.colMap, -1)
		}
		q.colMap[i] = k
		return k
	}
	if cols == nil && i < len(t.names) {
		return i
	}
	for len(t.names) <= i {
		t.names = append(t.names, "#"+strconv.Itoa(len(t.names)+1))
		t.t.Column(len(t.names)-1, t.names[len(t.names)-1], false)
	}
	return i
}

// insert reads INSERT [IGNORE] [INTO] t [(cols)] VALUES tuples.
func (q *sqlReader) insert() error {
	q.keyword("IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY")
	q.keyword("INTO")
	name, err := q.name()
	if err != nil {
		return err
	}
	t := q.table(name)
	var cols []string
	q.colMap = q.colMap[:0]
	if q.skipSpace() && q.s.buf[q.s.pos] == '(' {
		// A column list, unless it is a parenthesised SELECT.
		if cols, err = q.nameList(); err != nil {
			return err
		}
	}
	if q.keyword("VALUES", "VALUE") == "" {
		q.skipStatement() // INSERT ... SELECT, DEFAULT VALUES
		return nil
	}
	q.open(t, cols)
	for {
		if !q.skipSpace() {
			return errSQLEnd
		}
		if q.s.buf[q.s.pos] != '(' {
			return fmt.Errorf("expected '(' to open a row")
		}
		if err := q.tuple(t, cols); err != nil {
			return err
		}
		if !q.skipSpace() {
			return nil
		}
		switch q.s.buf[q.s.pos] {
		case ',':
			q.advance(1)
			continue
		case ';':
			q.advance(1)
			return nil
		}
		q.skipStatement() // ON DUPLICATE KEY UPDATE, ON CONFLICT, RETURNING
		return nil
	}
}

// tuple reads one "(v, v, …)" row.
func (q *sqlReader) tuple(t *sqlTable, cols []string) error {
	if !q.slowOnly && q.tupleFast(t, cols) {
		return nil
	}
	s := q.s
	line, lineAt := q.line, q.lineAt
	q.advance(1)
	q.rec = q.rec[:0]
	q.cells = q.cells[:0]
	col := 0
	for {
		// One value: strings, raw tokens and parentheses up to a ',' or
		// ')' at depth 0.
		depth := 0
		start := len(q.rec)
		off := -1
		isString, null := false, false
		raw := 0
		for {
			if !q.skipSpace() {
				return errSQLEnd
			}
			c := s.buf[s.pos]
			if depth == 0 && (c == ',' || c == ')') {
				break
			}
			switch {
			case c == '\'':
				if !isString {
					q.rec = q.rec[:start]
					isString = true
				}
				at := s.abs(s.pos + 1)
				if off < 0 {
					off = int(at - lineAt)
				}
				q.advance(1)
				var err error
				q.rec, err = q.quoted(q.rec, '\'', q.backslash, start+q.o.MaxValue)
				if err != nil {
					return err
				}
				if len(q.rec)-start >= q.o.MaxValue && !q.cut {
					q.cut = true
					q.doc.Problem(Problem{Path: q.path, Line: line, Offset: -1, Err: fmt.Errorf("%w: a value is longer than %d bytes; the rest is not scanned", ErrTooLong, q.o.MaxValue)})
				}
			case c == '(':
				depth++
				if depth > maxTuplePart {
					return fmt.Errorf("expression nested too deep")
				}
				q.advance(1)
			case c == ')':
				depth--
				q.advance(1)
			case c == '"' || c == '`':
				q.advance(1)
				q.skipQuoted(c)
			case (c == 'E' || c == 'e') && q.ensure(2) && s.buf[s.pos+1] == '\'':
				// PostgreSQL escape string: backslashes escape.
				q.advance(1)
				if !isString {
					q.rec = q.rec[:start]
					isString = true
				}
				if off < 0 {
					off = int(s.abs(s.pos+1) - lineAt)
				}
				q.advance(1)
				var err error
				q.rec, err = q.quoted(q.rec, '\'', true, start+q.o.MaxValue)
				if err != nil {
					return err
				}
			default:
				// A number, NULL, a function name, a cast, an introducer.
				at := s.abs(s.pos)
				w := q.rawToken()
				if isString {
					continue
				}
				if off < 0 {
					off = int(at - lineAt)
				}
				null = raw == 0 && bytes.EqualFold(w, []byte("NULL"))
				if raw < maxRaw {
					w = w[:min(len(w), maxRaw-raw)]
					q.rec = append(q.rec, w...)
					raw += len(w)
				}
			}
		}
		if !null && len(q.rec) > start {
			q.cells = append(q.cells, jcell{col: q.colIndex(t, cols, col), start: start, end: len(q.rec), off: off})
		} else {
			q.rec = q.rec[:start]
		}
		c := s.buf[s.pos]
		q.advance(1)
		col++
		if c == ')' {
			break
		}
	}
	q.emitTuple(t, line)
	return nil
}

// emitTuple hands over the row gathered in q.rec and q.cells.
func (q *sqlReader) emitTuple(t *sqlTable, line int) {
	cells := spanCells(q.row.Cells[:0], q.cells, q.rec, &q.scratch, q.o.MaxValue)
	q.row = Row{N: line, Cells: cells}
	if len(cells) > 0 {
		t.t.Row(&q.row)
	}
}

// tupleFast reads a tuple as dump tools write most of them, quoted
// strings and bare numbers or NULL between commas, when the buffer holds
// it whole: no escape, doubled quote, line break, space, parenthesis or
// value past the caps. It hands over the row and reports true, or leaves
// everything as it was for tuple to read.
func (q *sqlReader) tupleFast(t *sqlTable, cols []string) bool {
	s := q.s
	b := s.buf[s.pos:s.end]
	rec, cells := q.rec[:0], q.cells[:0]
	base := int(s.abs(s.pos) - q.lineAt) // b's offset in the line
	col := 0
	i := 1 // past '('
	// What stops a string's run: a quote, a line break (which tuple
	// counts), a backslash if it escapes (else a quote again).
	quotes, lineEnds, escapes := uint64('\'')*swar.Ones, uint64('\n')*swar.Ones, uint64('\'')*swar.Ones
	if q.backslash {
		escapes = '\\' * swar.Ones
	}
	for {
		if i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '\'':
			// The string's runs between escapes (a doubled quote, and
			// with backslash \x as quoted decodes them) are copied.
			start, from := len(rec), i+1
			k := from
			for {
				// The run's end, eight bytes at a time (a tuple that ends
				// within eight bytes of the buffer's is left to tuple).
				e := k
				var m uint64
				for {
					if e+8 > len(b) {
						return false
					}
					w := binary.LittleEndian.Uint64(b[e : e+8])
					if m = swar.Zero(w^quotes) | swar.Zero(w^lineEnds) | swar.Zero(w^escapes); m != 0 {
						break
					}
					e += 8
				}
				e += bits.TrailingZeros64(m) >> 3
				if e >= len(b)-1 || e-from >= q.o.MaxValue || b[e] == '\n' {
					return false // not whole in the buffer, too long, or a line break tuple counts
				}
				rec = append(rec, b[k:e]...)
				if b[e] == '\\' {
					if b[e+1] == '\n' {
						return false // an escaped line break: tuple counts it too
					}
					rec = append(rec, unescapeMySQL(b[e+1]))
					k = e + 2
					continue
				}
				if b[e+1] == '\'' {
					rec = append(rec, '\'')
					k = e + 2
					continue
				}
				i = e + 1 // past the closing quote
				break
			}
			if len(rec) > start {
				cells = append(cells, jcell{col: col, start: start, end: len(rec), off: base + from})
			}
		case isWordByte(c) || c == '-' || c == '.' || c == '+':
			j := i + 1
			for j < len(b) && (isWordByte(b[j]) || b[j] == '.') {
				j++
			}
			w := b[i:j]
			if len(w) > maxRaw {
				return false
			}
			if !bytes.EqualFold(w, []byte("NULL")) {
				start := len(rec)
				rec = append(rec, w...)
				cells = append(cells, jcell{col: col, start: start, end: len(rec), off: base + i})
			}
			i = j
		default:
			return false
		}
		if i >= len(b) {
			return false
		}
		if b[i] == ')' {
			i++
			break
		}
		if b[i] != ',' {
			return false
		}
		i++
		col++
	}
	// The row is whole: name its columns, then hand it over. Without a
	// column list, those the table has are named already.
	if cols != nil || len(cells) > 0 && cells[len(cells)-1].col >= len(t.names) {
		for k := range cells {
			cells[k].col = q.colIndex(t, cols, cells[k].col)
		}
	}
	s.pos += i
	q.rec, q.cells = rec, cells
	q.emitTuple(t, q.line)
	return true
}

// rawToken consumes one token that is not a string: a run of word bytes,
// or one punctuation byte.
func (q *sqlReader) rawToken() []byte {
	s := q.s
	if isWordByte(s.buf[s.pos]) || s.buf[s.pos] == '-' || s.buf[s.pos] == '.' || s.buf[s.pos] == '+' {
		q.word = q.word[:0]
		for {
			for s.pos < s.end {
				c := s.buf[s.pos]
				if !(isWordByte(c) || c == '.' || c == '-' && len(q.word) == 0 || c == '+' && len(q.word) == 0) {
					return q.word
				}
				if len(q.word) < maxRaw {
					q.word = append(q.word, c)
				}
				s.pos++
			}
			if !s.fill() {
				return q.word
			}
		}
	}
	q.word = append(q.word[:0], s.buf[s.pos])
	q.advance(1)
	return q.word
}

// copyStmt reads COPY t [(cols)] FROM stdin; and its data lines.
func (q *sqlReader) copyStmt() error {
	name, err := q.name()
	if err != nil {
		return err
	}
	var cols []string
	q.colMap = q.colMap[:0]
	if q.skipSpace() && q.s.buf[q.s.pos] == '(' {
		if cols, err = q.nameList(); err != nil {
			return err
		}
	}
	if q.keyword("FROM") == "" || q.keyword("STDIN") == "" {
		q.skipStatement() // COPY ... TO, COPY FROM a file
		return nil
	}
	q.skipStatement()
	q.skipLine() // the rest of the COPY line
	t := q.table(name)
	q.open(t, cols)
	s := q.s
	for {
		if q.ctx.Err() != nil {
			return q.ctx.Err()
		}
		// One data line.
		var data []byte
		for {
			data = s.buf[s.pos:s.end]
			i := bytes.IndexByte(data, '\n')
			if i >= 0 {
				data = data[:i]
				break
			}
			if s.eof || s.full() {
				break // last line, or longer than the buffer
			}
			s.fill()
		}
		if len(data) == 0 && s.eof && s.pos >= s.end {
			return errSQLEnd
		}
		line := q.line
		text := bytes.TrimSuffix(data, []byte{'\r'})
		if bytes.Equal(text, []byte(`\.`)) {
			q.skipLine()
			return nil
		}
		q.copyRow(t, cols, line, text)
		s.pos += len(data) // no line break in it: nothing for advance to count
		if s.pos < s.end && s.buf[s.pos] == '\n' {
			q.advance(1)
		}
	}
}

// copyRow splits one COPY text-format line into cells.
func (q *sqlReader) copyRow(t *sqlTable, cols []string, line int, text []byte) {
	if !q.slowOnly && q.copyPlain(t, cols, line, text) {
		return
	}
	q.rec = q.rec[:0]
	q.cells = q.cells[:0]
	col, pos := 0, 0
	for {
		j := bytes.IndexByte(text[pos:], '\t')
		end := len(text)
		if j >= 0 {
			end = pos + j
		}
		f := text[pos:end]
		if !bytes.Equal(f, []byte(`\N`)) && len(f) > 0 {
			start := len(q.rec)
			q.rec = unescapeCopy(q.rec, f)
			q.cells = append(q.cells, jcell{col: q.colIndex(t, cols, col), start: start, end: len(q.rec), off: pos})
		}
		col++
		if j < 0 || col >= maxCells {
			break
		}
		pos = end + 1
	}
	cells := spanCells(q.row.Cells[:0], q.cells, q.rec, &q.scratch, q.o.MaxValue)
	q.row = Row{N: line, Cells: cells}
	if len(cells) > 0 {
		t.t.Row(&q.row)
	}
}

// copyPlain hands over a line without escapes but NULLs (\N), in valid
// UTF-8, as most lines are: its values are slices of it, split 8 bytes at
// a time. It reports false, having done nothing, for any other line.
func (q *sqlReader) copyPlain(t *sqlTable, cols []string, line int, text []byte) bool {
	escapes := bytes.IndexByte(text, '\\') >= 0
	if !validUTF8(text) {
		return false
	}
	cells := splitFields(q.row.Cells[:0], text, '\t', maxCells)
	kept := cells[:0]
	for _, c := range cells {
		if len(c.Value) == 0 {
			continue
		}
		if escapes && bytes.IndexByte(c.Value, '\\') >= 0 {
			if string(c.Value) != `\N` {
				q.row.Cells = cells[:0] // keep the grown slice
				return false
			}
			continue
		}
		kept = append(kept, c)
	}
	for i := range kept {
		kept[i].Col = q.colIndex(t, cols, kept[i].Col)
	}
	q.row = Row{N: line, Cells: kept}
	if len(kept) > 0 {
		t.t.Row(&q.row)
	}
	return true
}

// unescapeCopy decodes COPY's text-format backslash escapes.
func unescapeCopy(dst, f []byte) []byte {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' || i+1 >= len(f) {
			dst = append(dst, c)
			continue
		}
		i++
		switch e := f[i]; e {
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'v':
			dst = append(dst, '\v')
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(f) && isHex(f[i+1]) {
				v = v*16 + hexVal(f[i+1])
				i++
				n++
			}
			dst = append(dst, byte(v))
		default:
			if e >= '0' && e <= '7' {
				v, n := int(e-'0'), 1
				for n < 3 && i+1 < len(f) && f[i+1] >= '0' && f[i+1] <= '7' {
					v = v*8 + int(f[i+1]-'0')
					i++
					n++
				}
				dst = append(dst, byte(v))
			} else {
				dst = append(dst, e)
			}
		}
	}
	return dst
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// create reads CREATE [TEMPORARY] TABLE [IF NOT EXISTS] t (defs) for its
// column names; other CREATE statements are skipped.
func (q *sqlReader) create() error {
	q.keyword("TEMPORARY", "TEMP", "UNLOGGED")
	if q.keyword("TABLE") == "" {
		q.skipStatement()
		return nil
	}
	if q.keyword("IF") != "" {
		q.keyword("NOT")
		q.keyword("EXISTS")
	}
	name, err := q.name()
	if err != nil {
		return err
	}
	if !q.skipSpace() || q.s.buf[q.s.pos] != '(' {
		q.skipStatement() // CREATE TABLE … AS SELECT, PARTITION OF
		return nil
	}
	q.advance(1)
	var cols []string
	for {
		if !q.skipSpace() {
			return errSQLEnd
		}
		c := q.s.buf[q.s.pos]
		if c == ')' {
			q.advance(1)
			break
		}
		if c == ',' {
			q.advance(1)
			continue
		}
		if q.keyword("PRIMARY", "KEY", "UNIQUE", "CONSTRAINT", "INDEX", "FOREIGN", "CHECK", "FULLTEXT", "SPATIAL", "EXCLUDE", "LIKE") == "" {
			n, err := q.name()
			if err != nil {
				return err
			}
			cols = append(cols, n)
		}
		// The rest of the definition, up to ',' or ')' at depth 0.
		if err := q.skipDefinition(); err != nil {
			return err
		}
	}
	q.table(name).defined = cols
	q.skipStatement()
	return nil
}

// skipDefinition consumes up to (not including) the ',' or ')' that ends a
// column definition.
func (q *sqlReader) skipDefinition() error {
	depth := 0
	s := q.s
	for {
		if !q.skipSpace() {
			return errSQLEnd
		}
		c := s.buf[s.pos]
		switch {
		case depth == 0 && (c == ',' || c == ')'):
			return nil
		case c == '(':
			depth++
			q.advance(1)
		case c == ')':
			depth--
			q.advance(1)
		case c == '\'' || c == '"' || c == '`':
			q.advance(1)
			q.skipQuoted(c)
		case c == ';':
			return fmt.Errorf("statement ends inside a table definition")
		default:
			q.rawToken()
		}
	}
}
