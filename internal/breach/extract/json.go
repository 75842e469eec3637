package extract

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON is read as a stream of tokens, so a file of any size costs only the
// record being read. A record is an object whose parent is an array or the
// top level: one line of NDJSON, one element of an exported array, one
// object of a stream of concatenated objects. Its string and number values
// are the row's cells, named by their key path inside the record
// ("adresse.ville"); records of the array under key "users" make table
// "users". Values outside any record are handed over as text.
//
// A syntax error is reported with its line and column; reading goes on at
// the next line that opens an object or an array, and the lines between
// are read as text, so a broken export still gets scanned.

const (
	maxJSONDepth   = 512
	maxKey         = 256
	maxRecordBytes = 4 << 20
	maxProblems    = 20
)

var errJSONEnd = errors.New("unexpected end of input")

// IsNDJSON tells whether the start of a file holds one JSON object per
// line (its first two lines are whole objects), so that it can be cut at
// any line end.
func IsNDJSON(head []byte) bool {
	head = bytes.TrimPrefix(head, bomUTF8)
	for i := 0; i < 2; i++ {
		nl := bytes.IndexByte(head, '\n')
		if nl < 0 {
			return false
		}
		line := bytes.TrimSpace(head[:nl])
		if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
			return false
		}
		head = head[nl+1:]
	}
	return true
}

type jsonReader struct {
	ctx    context.Context
	s      *stream
	o      Options
	doc    Doc
	path   string
	line   int
	lineAt int64 // input offset where the current line starts
	frames []jframe
	recs   []*jrecord
	free   []*jrecord
	tables map[string]*jtable
	order  []*jtable
	name   []byte
	val    []byte
	date   []byte // a value decoded from Extended JSON (extendedValue)
	row    Row
	cut    bool
	probs  int
	// scratch holds the recoded values of the record being handed over.
	scratch []byte
}

type jframe struct {
	arr   bool
	state int
	key   []byte
	col   int // column of scalars in this frame for the current key; -1 unknown
	rec   bool
}

const (
	jsExpectKey = iota
	jsExpectColon
	jsExpectValue
	jsAfterValue
	jsExpectElem
	jsAfterElem
)

type jrecord struct {
	table  *jtable
	named  int // how many of its values were named (an index of table.last)
	depth  int // index of the record's object frame
	line   int
	lineAt int64
	arena  []byte
	cells  []jcell
}

// jcell is a value of a record (JSON) or tuple (SQL): its column, where
// it lies in the row's buffer, and its offset in its line.
type jcell struct{ col, start, end, off int }

type jtable struct {
	t     Table
	cols  map[string]int
	names []string // of each column, for last
	// last holds the column names of the last record's values in order,
	// and their columns: the records of a file repeat their keys in the
	// same order, and comparing a name costs less than hashing it.
	last []jname
}

type jname struct {
	name string
	col  int
}

// lastMax bounds jtable.last: past it, a record's names are looked up.
const lastMax = 256

// readJSON reads JSON, NDJSON or concatenated JSON values from r.
func readJSON(ctx context.Context, r io.Reader, d Doc, o Options, path string) error {
	return ReadJSON(ctx, r, 1, d, path, o)
}

// ReadJSON reads JSON values from r into d, numbering lines from
// firstLine (a chunk of NDJSON cut by Splitter starts past line 1).
func ReadJSON(ctx context.Context, r io.Reader, firstLine int, d Doc, path string, o Options) error {
	o = o.withDefaults()
	j := &jsonReader{ctx: ctx, s: newStream(r, blockSize), o: o, doc: d, path: path, line: firstLine, tables: map[string]*jtable{}}
	err := j.run()
	j.flushAll()
	for _, t := range j.order {
		t.t.End()
	}
	if j.probs > maxProblems {
		d.Problem(Problem{Path: path, Offset: -1, Err: fmt.Errorf("%w: %d more JSON syntax errors", ErrSyntax, j.probs-maxProblems)})
	}
	if err == nil {
		err = j.s.err
	}
	return err
}

func (j *jsonReader) run() error {
	for n := 0; ; n++ {
		if n&4095 == 0 && j.ctx.Err() != nil {
			return j.ctx.Err()
		}
		c, ok := j.skipWS()
		if !ok {
			if len(j.frames) > 0 {
				j.syntax(errJSONEnd)
			}
			return nil
		}
		if err := j.step(c); err != nil {
			if j.s.err != nil {
				return j.s.err
			}
			j.syntax(err)
			if !j.recover() {
				return nil
			}
		}
	}
}

// step consumes one token, c being its first byte.
func (j *jsonReader) step(c byte) error {
	if len(j.frames) == 0 {
		return j.value(c)
	}
	f := &j.frames[len(j.frames)-1]
	switch f.state {
	case jsExpectElem:
		if c == ']' {
			j.s.pos++
			j.pop()
			return nil
		}
		f.state = jsAfterElem
		return j.value(c)
	case jsAfterElem:
		switch c {
		case ',':
			j.s.pos++
			f.state = jsExpectElem
			return nil
		case ']':
			j.s.pos++
			j.pop()
			return nil
		}
		return fmt.Errorf("expected ',' or ']'")
	case jsExpectKey:
		switch c {
		case '"':
			var err error
			f.key, _, err = j.str(f.key[:0], maxKey)
			if err != nil {
				return err
			}
			f.col = -1
			f.state = jsExpectColon
			return nil
		case '}':
			j.s.pos++
			j.pop()
			return nil
		}
		return fmt.Errorf("expected a key or '}'")
	case jsExpectColon:
		if c != ':' {
			return fmt.Errorf("expected ':'")
		}
		j.s.pos++
		f.state = jsExpectValue
		return nil
	case jsExpectValue:
		f.state = jsAfterValue
		return j.value(c)
	case jsAfterValue:
		switch c {
		case ',':
			j.s.pos++
			f.state = jsExpectKey
			return nil
		case '}':
			j.s.pos++
			j.pop()
			return nil
		}
		return fmt.Errorf("expected ',' or '}'")
	}
	return fmt.Errorf("bad state")
}

// value reads a value starting with c.
func (j *jsonReader) value(c byte) error {
	s := j.s
	switch {
	case c == '{' || c == '[':
		if len(j.frames) >= maxJSONDepth {
			return fmt.Errorf("nesting deeper than %d", maxJSONDepth)
		}
		s.pos++
		isRec := c == '{' && (len(j.frames) == 0 || j.frames[len(j.frames)-1].arr)
		st := jsExpectKey
		if c == '[' {
			st = jsExpectElem
		}
		j.frames = append(j.frames, jframe{arr: c == '[', state: st, col: -1, rec: isRec, key: j.keyBuf()})
		if isRec {
			j.openRecord()
		}
		return nil
	case c == '"':
		at := s.abs(s.pos)
		line, lineAt := j.line, j.lineAt
		v, cut, err := j.str(j.val[:0], j.o.MaxValue)
		j.val = v
		if err != nil {
			return err
		}
		if cut && !j.cut {
			j.cut = true
			j.doc.Problem(Problem{Path: j.path, Line: line, Offset: -1, Err: fmt.Errorf("%w: a string is longer than %d bytes; the rest is not scanned", ErrTooLong, j.o.MaxValue)})
		}
		j.scalar(v, at+1, line, lineAt)
		return nil
	case c == '-' || c >= '0' && c <= '9':
		at := s.abs(s.pos)
		v, err := j.token(j.val[:0], isNumberByte)
		j.val = v
		if err != nil {
			return err
		}
		j.scalar(v, at, j.line, j.lineAt)
		return nil
	case c == 't' || c == 'f' || c == 'n':
		v, err := j.token(j.val[:0], isLetter)
		j.val = v
		if err != nil {
			return err
		}
		if s := string(v); s != "true" && s != "false" && s != "null" {
			return fmt.Errorf("unknown literal")
		}
		return nil
	}
	return fmt.Errorf("unexpected character")
}

// keyBuf reuses the key storage of a frame popped earlier.
func (j *jsonReader) keyBuf() []byte {
	if n := len(j.frames); n < cap(j.frames) {
		return j.frames[:n+1][n].key[:0]
	}
	return nil
}

func (j *jsonReader) pop() {
	n := len(j.frames) - 1
	if j.frames[n].rec {
		j.closeRecord()
	}
	j.frames = j.frames[:n]
}

func (j *jsonReader) openRecord() {
	j.name = j.name[:0]
	for i := 0; i < len(j.frames)-1; i++ {
		if f := &j.frames[i]; !f.arr {
			if len(j.name) > 0 {
				j.name = append(j.name, '.')
			}
			j.name = append(j.name, f.key...)
		}
	}
	t, ok := j.tables[string(j.name)]
	if !ok {
		name, _ := ensureUTF8(j.name, new([]byte))
		t = &jtable{t: j.doc.Table(string(name)), cols: map[string]int{}}
		j.tables[string(j.name)] = t
		j.order = append(j.order, t)
	}
	var r *jrecord
	if k := len(j.free); k > 0 {
		r, j.free = j.free[k-1], j.free[:k-1]
	} else {
		r = &jrecord{}
	}
	*r = jrecord{table: t, depth: len(j.frames) - 1, line: j.line, lineAt: j.lineAt, arena: r.arena[:0], cells: r.cells[:0]}
	j.recs = append(j.recs, r)
}

func (j *jsonReader) closeRecord() {
	n := len(j.recs) - 1
	r := j.recs[n]
	j.recs = j.recs[:n]
	j.emitRecord(r)
	j.free = append(j.free, r)
}

func (j *jsonReader) emitRecord(r *jrecord) {
	if len(r.cells) == 0 {
		return
	}
	cells := spanCells(j.row.Cells[:0], r.cells, r.arena, &j.scratch, j.o.MaxValue)
	j.row = Row{N: r.line, Cells: cells}
	r.table.t.Row(&j.row)
	r.arena, r.cells = r.arena[:0], r.cells[:0]
}

// flushAll hands over the records left open by an error or the end.
func (j *jsonReader) flushAll() {
	for len(j.recs) > 0 {
		j.closeRecord()
	}
	j.frames = j.frames[:0]
}

// scalar files a string or number value that starts at input offset at.
func (j *jsonReader) scalar(v []byte, at int64, line int, lineAt int64) {
	if len(j.recs) == 0 {
		out, rec := ensureUTF8(v, new([]byte))
		j.doc.Line(&Line{N: line, Off: int(at - lineAt), Text: out, Recoded: rec})
		return
	}
	r := j.recs[len(j.recs)-1]
	f := &j.frames[len(j.frames)-1]
	if d, keep := j.extendedValue(v); !keep {
		return
	} else if d != nil {
		v = d // its place in the line is the wrapped value's, its text the decoded one
	}
	if f.col < 0 {
		j.name = j.name[:0]
		for i := r.depth; i < len(j.frames); i++ {
			if g := &j.frames[i]; !g.arr && !extendedKey(g.key) && !(i > 0 && string(j.frames[i-1].key) == "$binary") {
				if len(j.name) > 0 {
					j.name = append(j.name, '.')
				}
				j.name = append(j.name, g.key...)
			}
		}
		f.col = j.column(r)
	}
	if len(r.arena)+len(v) > maxRecordBytes || len(r.cells) >= maxCells {
		j.emitRecord(r)
	}
	// Checked as UTF-8 when the record is handed over, all at once.
	start := len(r.arena)
	r.arena = append(r.arena, v...)
	r.cells = append(r.cells, jcell{col: f.col, start: start, end: len(r.arena), off: int(at - r.lineAt)})
}

// column returns the column of the value named j.name in record r: the
// one the last record had at the same rank, if its name is the same.
func (j *jsonReader) column(r *jrecord) int {
	t, k := r.table, r.named
	r.named++
	if k < len(t.last) && t.last[k].name == string(j.name) {
		return t.last[k].col
	}
	col, ok := t.cols[string(j.name)]
	if !ok {
		col = len(t.cols)
		t.names = append(t.names, string(j.name))
		t.cols[t.names[col]] = col
		name, _ := ensureUTF8(j.name, new([]byte))
		t.t.Column(col, string(name), true)
	}
	// The column's own string: records whose keys come in another
	// order each time make no garbage.
	switch {
	case k < len(t.last):
		t.last[k] = jname{t.names[col], col}
	case k == len(t.last) && k < lastMax:
		t.last = append(t.last, jname{t.names[col], col})
	}
	return col
}

// MongoDB's Extended JSON (what mongoexport writes) wraps typed values in
// an object of one key: {"$date": "1985-05-11T22:00:00Z"},
// {"$numberLong": "612345678"}, {"$oid": "…"}. Those keys are left out of
// column names, so that the value is the field's own ("dateNaissance",
// not "dateNaissance.$date"); a date given as milliseconds
// ({"$date": {"$numberLong": "-262396800000"}}, as dates before 1970 are
// written) is read as a date, and binary data that is text (a note) is
// decoded from its base64, other binary data left out.
func extendedKey(k []byte) bool {
	if len(k) < 4 || k[0] != '$' {
		return false
	}
	switch string(k) {
	case "$date", "$numberLong", "$numberInt", "$numberDouble", "$numberDecimal", "$oid", "$symbol", "$binary":
		return true
	}
	return false
}

// extendedNoData tells the Extended JSON types that hold no personal
// data (code, regular expressions, a replica set's timestamps), left out
// as they are from BSON dumps.
func extendedNoData(k string) bool {
	switch k {
	case "$code", "$scope", "$regularExpression", "$regex", "$options", "$timestamp", "$minKey", "$maxKey", "$undefined", "$dbPointer":
		return true
	}
	return false
}

// extendedValue returns what an Extended JSON value stands for (nil: the
// value itself), and false for a value to leave out (binary data, a
// binary's subtype).
func (j *jsonReader) extendedValue(v []byte) ([]byte, bool) {
	n := len(j.frames)
	if n < 1 {
		return nil, true
	}
	key := string(j.frames[n-1].key)
	parent := ""
	if n >= 2 {
		parent = string(j.frames[n-2].key)
	}
	switch {
	case key == "$numberLong" && parent == "$date":
		ms, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || ms < -62135596800000 || ms > 253402300799999 { // years 1 to 9999
			return nil, true
		}
		j.date = bsonTime(j.date[:0], ms)
		return j.date, true
	case key == "$binary" || key == "base64" && parent == "$binary":
		// {"$binary": {"base64": "…", "subType": "00"}}, or version 1's
		// {"$binary": "…", "$type": "00"}.
		j.date = append(j.date[:0], make([]byte, base64.StdEncoding.DecodedLen(len(v)))...)
		n, err := base64.StdEncoding.Decode(j.date, v)
		if err != nil || !utf8.Valid(j.date[:n]) || !isPrintable(j.date[:n]) {
			return nil, false
		}
		return j.date[:n], true
	case key == "subType" && parent == "$binary" || key == "$type" || extendedNoData(key) || extendedNoData(parent):
		return nil, false
	}
	return nil, true
}

// skipWS skips whitespace, counting lines, and returns the next byte.
func (j *jsonReader) skipWS() (byte, bool) {
	s := j.s
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			switch c {
			case '\n':
				j.line++
				j.lineAt = s.abs(s.pos + 1)
			case ' ', '\t', '\r':
			default:
				if c == 0xEF && j.line == 1 && s.abs(s.pos) == 0 {
					// A byte-order mark.
					if s.end-s.pos >= 3 && bytes.HasPrefix(s.buf[s.pos:], bomUTF8) {
						s.pos += 3
						continue
					}
				}
				return c, true
			}
			s.pos++
		}
		if !s.fill() && s.pos >= s.end {
			return 0, false
		}
	}
}

// str reads a string token into dst (at most limit bytes kept).
func (j *jsonReader) str(dst []byte, limit int) ([]byte, bool, error) {
	s := j.s
	s.pos++ // the opening quote
	cut := false
	add := func(b []byte) {
		if room := limit - len(dst); room < len(b) {
			cut = true
			if room < 0 {
				room = 0
			}
			b = b[:room]
		}
		dst = append(dst, b...)
	}
	for {
		if s.pos >= s.end {
			if !s.fill() && s.pos >= s.end {
				return dst, cut, errJSONEnd
			}
			continue
		}
		data := s.buf[s.pos:s.end]
		q := bytes.IndexByte(data, '"')
		seg := data
		if q >= 0 {
			seg = data[:q]
		}
		esc := bytes.IndexByte(seg, '\\')
		if esc >= 0 {
			seg = seg[:esc]
		}
		if nl := bytes.IndexByte(seg, '\n'); nl >= 0 {
			// Not valid JSON, but keep the line count right.
			for i, c := range seg {
				if c == '\n' {
					j.line++
					j.lineAt = s.abs(s.pos + i + 1)
				}
			}
		}
		add(seg)
		s.pos += len(seg)
		switch {
		case esc >= 0:
			if s.end-s.pos < 12 && !s.eof {
				s.fill()
			}
			var r [utf8.UTFMax * 2]byte
			n, w := j.escape(s.buf[s.pos:s.end], r[:0])
			if w == 0 {
				return dst, cut, errJSONEnd
			}
			add(n)
			s.pos += w
		case q >= 0:
			s.pos++
			return dst, cut, nil
		}
	}
}

// escape decodes the escape sequence at the start of b (which starts with
// a backslash) into dst; w is the number of bytes it took, 0 if b is cut.
func (j *jsonReader) escape(b []byte, dst []byte) (out []byte, w int) {
	if len(b) < 2 {
		return dst, 0
	}
	switch b[1] {
	case 'n':
		return append(dst, '\n'), 2
	case 't':
		return append(dst, '\t'), 2
	case 'r':
		return append(dst, '\r'), 2
	case 'b':
		return append(dst, '\b'), 2
	case 'f':
		return append(dst, '\f'), 2
	case 'u':
		if len(b) < 6 {
			return dst, 0
		}
		r1, ok := hex4(b[2:6])
		if !ok {
			return append(dst, b[1]), 2
		}
		if utf16.IsSurrogate(r1) {
			if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
				if r2, ok := hex4(b[8:12]); ok {
					if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
						return utf8.AppendRune(dst, r), 12
					}
				}
			}
			return utf8.AppendRune(dst, utf8.RuneError), 6
		}
		return utf8.AppendRune(dst, r1), 6
	}
	// \" \\ \/ and anything else: the character itself.
	return append(dst, b[1]), 2
}

func hex4(b []byte) (rune, bool) {
	v, err := strconv.ParseUint(string(b), 16, 32)
	return rune(v), err == nil
}

// token reads bytes while ok accepts them (numbers, literals).
func (j *jsonReader) token(dst []byte, ok func(byte) bool) ([]byte, error) {
	s := j.s
	for {
		for s.pos < s.end && ok(s.buf[s.pos]) {
			if len(dst) < 64 {
				dst = append(dst, s.buf[s.pos])
			}
			s.pos++
		}
		if s.pos < s.end {
			return dst, nil
		}
		if !s.fill() && s.pos >= s.end {
			return dst, nil
		}
	}
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (j *jsonReader) syntax(err error) {
	j.probs++
	if j.probs > maxProblems {
		return
	}
	col := j.s.abs(j.s.pos) - j.lineAt + 1
	j.doc.Problem(Problem{Path: j.path, Line: j.line, Offset: -1, Err: fmt.Errorf("%w: column %d: %v", ErrSyntax, col, err)})
}

// recover hands over what the open records hold, then skips to the next
// line that opens an object or an array, reading the lines before it as
// text. It returns false at the end of input.
func (j *jsonReader) recover() bool {
	j.flushAll()
	s := j.s
	skipRest := true
	for {
		// Find the end of the current line.
		if skipRest {
			for {
				data := s.buf[s.pos:s.end]
				if i := bytes.IndexByte(data, '\n'); i >= 0 {
					s.pos += i + 1
					j.line++
					j.lineAt = s.abs(s.pos)
					break
				}
				s.pos = s.end
				if !s.fill() && s.pos >= s.end {
					return false
				}
			}
		}
		skipRest = true
		// Look at the next line's first non-blank byte.
		for {
			for s.pos < s.end && (s.buf[s.pos] == ' ' || s.buf[s.pos] == '\t' || s.buf[s.pos] == '\r') {
				s.pos++
			}
			if s.pos < s.end {
				break
			}
			if !s.fill() && s.pos >= s.end {
				return false
			}
		}
		switch s.buf[s.pos] {
		case '{', '[':
			return true
		case '\n':
			skipRest = false
			s.pos++
			j.line++
			j.lineAt = s.abs(s.pos)
			continue
		}
		// A line of text: hand it over (up to MaxLine bytes).
		start := s.pos
		for {
			data := s.buf[start:s.end]
			i := bytes.IndexByte(data, '\n')
			if i < 0 && !s.eof && s.end-start < j.o.MaxLine {
				s.pos = start
				s.fill()
				start = s.pos
				continue
			}
			if i < 0 {
				i = min(len(data), j.o.MaxLine)
			}
			text := bytes.TrimRight(data[:i], "\r")
			out, rec := ensureUTF8(text, new([]byte))
			j.doc.Line(&Line{N: j.line, Off: int(s.abs(start) - j.lineAt), Text: out, Recoded: rec})
			s.pos = start + i
			break
		}
	}
}
