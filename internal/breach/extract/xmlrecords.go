package extract

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// XML data exports (`<usagers><usager><nom>Dupont</nom>…</usager>…`,
// PostgreSQL's table_to_xml, what Python's ElementTree writes) are read
// as tables: each of the elements that repeat under the root (or under
// its only child) is a record, and the text of each element inside it a
// column named by its path from the record ("adresse.ville"), its
// attributes too ("@id"). Read as text, "Dupont" would stand alone,
// without the header that says it is a name. An XML document is taken
// for an export only when its first 64 KiB say so: records that repeat,
// and no element holding both text and elements (which documents do:
// XHTML, DocBook). Anything else stays text. A record's line is its
// number.

// xmlRecordDepth tells an XML data export from its head, and at which
// depth its records lie (1: the root's children, 2: its only child's);
// 0 when it is not one.
func xmlRecordDepth(head []byte) int {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")
	if !bytes.HasPrefix(t, []byte("<")) {
		return 0
	}
	sc := newXMLScanner(bytes.NewReader(head))
	type open struct {
		name           string
		text, children bool
		childNames     map[string]int
		childrenTotal  int
	}
	var stack []*open
	var levels [3]*open // the root, and its first child
	roots := 0
	for {
		k, err := sc.next()
		if err != nil || k == xmlEOF {
			break
		}
		switch k {
		case xmlStart:
			if len(stack) == 0 {
				if roots++; roots > 1 {
					return 0
				}
			} else {
				p := stack[len(stack)-1]
				p.children = true
				if p.text {
					return 0 // mixed content: a document
				}
				if len(stack) <= 2 {
					p.childNames[string(sc.name)]++
					p.childrenTotal++
				}
			}
			o := &open{name: string(sc.name), childNames: map[string]int{}}
			if len(stack) < 2 {
				levels[len(stack)] = o
			}
			stack = append(stack, o)
		case xmlEnd:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xmlText:
			if len(stack) > 0 && len(bytes.TrimSpace(sc.text)) > 0 {
				p := stack[len(stack)-1]
				if p.children {
					return 0
				}
				p.text = true
			}
		}
	}
	repeats := func(o *open) bool {
		if o == nil {
			return false
		}
		for _, n := range o.childNames {
			if n >= 2 && n*5 >= o.childrenTotal*4 {
				return true
			}
		}
		return false
	}
	switch {
	case repeats(levels[0]):
		return 1
	case levels[0] != nil && levels[0].childrenTotal == 1 && repeats(levels[1]):
		return 2
	}
	return 0
}

// xmlRecordsSource reads an XML data export as a table.
func (e *Extractor) xmlRecordsSource(ctx context.Context, src *source, br *bufio.Reader, h Handler, depth int) error {
	d := h.Begin(src.display, FormatXML)
	cr := &countReader{r: br}
	r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
	err := readXMLRecords(ctx, newXMLScanner(r), d, depth, e.o)
	return e.endDoc(d, src, cr.n, err)
}

func readXMLRecords(ctx context.Context, sc *xmlScanner, d Doc, depth int, o Options) error {
	sc.countLines = true
	var (
		path    []string // the open elements' names
		t       Table
		cols    = map[string]int{}
		row     = Row{}
		values  [][]byte // by column, of the record being read
		used    []int    // the columns the record has values for
		n       int      // records
		recLine int      // the line the record being read starts on
		outside []byte   // text outside the records
		scratch []byte
		line    Line
		inRec   bool
	)
	column := func(name string) int {
		c, ok := cols[name]
		if !ok {
			c = len(cols)
			cols[name] = c
			t.Column(c, name, true)
			values = append(values, nil)
		}
		return c
	}
	add := func(name string, v []byte) {
		c := column(name)
		if len(values[c]) == 0 {
			used = append(used, c)
		} else {
			values[c] = append(values[c], ' ') // a repeated element: its values one after another
		}
		if len(values[c])+len(v) <= o.MaxValue {
			if utf8.Valid(v) {
				values[c] = append(values[c], v...)
			} else {
				values[c] = recode(values[c], v) // Latin-1 or Windows-1252 exports
			}
		}
	}
	// emitLine hands over text around the records, numbered by the line
	// it is on.
	emitLine := func(b []byte, at int) {
		text, rec := ensureUTF8(b, &scratch)
		line = Line{N: at, Text: text, Recoded: rec}
		d.Line(&line)
	}
	emit := func() {
		inRec = false
		n++
		row.N, row.Cells = recLine, row.Cells[:0]
		for _, c := range used {
			row.Cells = append(row.Cells, Cell{Col: c, Value: values[c], Off: -1})
		}
		t.Row(&row)
		for _, c := range used {
			values[c] = values[c][:0]
		}
	}
	for tokens := 0; ; tokens++ {
		if tokens&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		k, err := sc.next()
		if err != nil {
			if t != nil {
				t.End()
			}
			return fmt.Errorf("%w: line %d: %v, after record %d", ErrSyntax, sc.line, err, n)
		}
		switch k {
		case xmlEOF:
			if inRec {
				// Cut short: what the last record holds is read, and said.
				emit()
				t.End()
				return fmt.Errorf("%w: the export ends inside record %d, begun on line %d", ErrSyntax, n, recLine)
			}
			if t != nil {
				t.End()
			}
			return nil
		case xmlStart:
			// <field name="nom">Dupont</field> (mysql --xml): the column
			// is the one the attribute names.
			name := string(sc.name)
			if v, ok := sc.attr("name"); ok && inRec && len(path) > depth && len(v) > 0 && len(v) <= 64 {
				name = string(v)
			}
			path = append(path, name)
			if len(path) == depth+1 && !inRec {
				inRec, recLine = true, sc.line
				if t == nil {
					t = d.Table(path[len(path)-1])
				}
				used = used[:0]
			}
			// Attributes: columns in a record (but the name a field
			// carries), lines around the records (an export's date).
			prefix := strings.Join(path[min(depth+1, len(path)):], ".")
			eachAttr(sc.attrs, func(name string, v []byte) {
				switch {
				case inRec && !(name == "name" && len(path) > depth+1):
					add(prefix+"@"+name, v)
				case !inRec:
					outside = append(append(append(append(outside[:0], strings.Join(path, ".")...), '@'), name...), ": "...)
					outside = append(outside, v...)
					emitLine(outside, sc.line)
				}
			})
		case xmlText:
			lead := len(sc.text) - len(bytes.TrimLeft(sc.text, " \t\r\n"))
			v := bytes.TrimSpace(sc.text[lead:])
			if len(v) == 0 {
				continue
			}
			switch {
			case inRec && len(path) > depth+1:
				add(strings.Join(path[depth+1:], "."), v)
			case inRec:
				add(path[depth], v) // the record's own text: <nom>Jean Dupont</nom>
			default:
				outside = append(append(outside[:0], strings.Join(path, ".")...), ": "...)
				outside = append(outside, v...)
				emitLine(outside, sc.line+bytes.Count(sc.text[:lead], []byte{'\n'}))
			}
		case xmlEnd:
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
			if inRec && len(path) == depth {
				emit()
			}
		}
	}
}

// eachAttr calls f with the local name and decoded, trimmed value of each
// attribute of a start tag that has one, but the namespace declarations.
func eachAttr(a []byte, f func(name string, v []byte)) {
	for i := 0; ; {
		name, v, next, ok := nextAttr(a, i)
		if !ok {
			return
		}
		i = next
		if bytes.HasPrefix(name, []byte("xmlns")) {
			continue
		}
		if v = bytes.TrimSpace(appendXMLText(nil, v)); len(v) > 0 {
			f(string(localName(name)), v)
		}
	}
}
