package breach

import (
	"hash/maphash"
	"slices"

	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/pii"
)

// A column of a category is scanned a column at a time, for a batch of
// rows, once the scan has the masked samples of its category and when no
// findings file is written (its lines follow the rows): a value that
// fits its column then leaves its tally hash alone, and for the person's
// key an identifier, a name or a date of birth. Row by row, each such
// cell went through the row's loop, the column's state, Cell's list of
// findings and finding's counts, some 200 instructions about a validator
// of a few dozen. A column at a time, the column's state stays in
// registers and its counts are added once a batch; on the corpus table,
// where every column is personal, the scan runs a ninth fewer
// instructions (docs/PERFORMANCE.md).
//
// A record's identifiers keep the order of its columns (scanLine): the
// first one is the one a sketch keeps past the budget, and which one
// counts a link depends on it (people.joinNodes); the first date of birth
// is the record's.

// colFinds is what a column scanned a column at a time found in a batch's
// rows that the record keeps, by row: the hashes of identifiers (0 for
// none), or the values of names and dates of birth (nil for none).
type colFinds struct {
	ci, dom int
	keeps   int // what of a value: keepHash, keepValue or keepDate
	h       []uint64
	v       [][]byte
	buf     []byte // the dates of birth the values point into
}

// byColumn tells whether column col is scanned a column at a time.
func (t *tableScan) byColumn(col *colState) bool {
	return col.class.Category != "" && t.d.w.masksWanted[col.memo.ci] == 0 && t.d.w.s.out == nil
}

// scanColumn scans the fields of column ci of rows whose value fits the
// column's category, or is empty, marking them done in marks; the others
// are left to the rows' pass, which scans them as Cell does, as text.
func (t *tableScan) scanColumn(ci int, col *colState, rows []extract.LineRow, marks []cellMarks) {
	w := t.d.w
	if !col.memo.off {
		t.memoColumn(ci, col, rows, marks)
		return
	}
	dom := col.memo.ci
	bit, catBit, cats := uint64(1)<<ci, uint16(1)<<dom, w.colCats[:len(rows)]
	c := w.newColFinds(ci, dom, len(rows))
	n := 0
	for r := range rows {
		b := rows[r].Bounds
		if ci+1 >= len(b) {
			continue // a short row
		}
		v := rows[r].Line[b[ci]+1 : b[ci+1]]
		if len(v) == 0 || v[0] <= pii.TrimMax || v[len(v)-1] <= pii.TrimMax {
			if v = trimmed(v); len(v) == 0 {
				marks[r].skip |= bit // an empty cell holds nothing
				continue
			}
		}
		var norm []byte
		var ok bool
		if dom == domCredential {
			// Its kind known from its test: as stored, its own form.
			var kind string
			if kind, ok = w.s.pii.CredentialValue(v); ok {
				w.credKinds[max(slices.Index(credentialKinds[:], kind), 0)]++
				norm = v
			}
		} else {
			norm, ok = w.s.pii.CellValue(w.colNorm[:0], dom, v)
			w.colNorm = norm
		}
		if !ok {
			continue
		}
		marks[r].skip |= bit
		cats[r] |= catBit
		n++
		h := w.colValue(dom, norm)
		if c != nil {
			if c.keeps == keepDate {
				v = norm
			}
			c.keep(r, h, v)
		}
	}
	t.colCounts(col, dom, n)
}

// memoColumn is scanColumn for a column whose memo is on: it asks the
// memo as memoCell does. Never a credential's nor a date of birth's,
// whose kind or normalised value it would not keep (memoCats). The two loops
// repeat their last lines on purpose: one loop for both kept the memo's
// state through every call and ran 41 M more instructions on the corpus
// table, and those lines through a call of their own 20 M more.
func (t *tableScan) memoColumn(ci int, col *colState, rows []extract.LineRow, marks []cellMarks) {
	w := t.d.w
	dom, m := col.memo.ci, &col.memo
	bit, catBit, cats := uint64(1)<<ci, uint16(1)<<dom, w.colCats[:len(rows)]
	c := w.newColFinds(ci, dom, len(rows))
	n := 0
	for r := range rows {
		b := rows[r].Bounds
		if ci+1 >= len(b) {
			continue // a short row
		}
		v := rows[r].Line[b[ci]+1 : b[ci+1]]
		memo := m.wanted(&w.memos)
		var key uint64
		slot := -1
		if memo {
			key = maphash.Bytes(w.memoSeed, v) | 1
			var h uint64
			var found bool
			slot, h, found = m.lookup(key)
			m.count(found)
			if found {
				marks[r].skip |= bit
				if h != 0 {
					n++
					cats[r] |= catBit
					if c != nil {
						c.keep(r, h, trimmed(v))
					}
				}
				continue
			}
		}
		if v = trimmed(v); len(v) == 0 {
			marks[r].skip |= bit // an empty cell holds nothing
			if memo {
				m.record(slot, key, 0)
			}
			continue
		}
		norm, ok := w.s.pii.CellValue(w.colNorm[:0], dom, v)
		w.colNorm = norm
		if !ok {
			continue
		}
		marks[r].skip |= bit
		cats[r] |= catBit
		n++
		h := w.colValue(dom, norm)
		if c != nil {
			if c.keeps == keepDate {
				v = norm
			}
			c.keep(r, h, v)
		}
		if memo {
			m.record(slot, key, h)
		}
	}
	t.colCounts(col, dom, n)
}

// colValue files the normalised value of a cell scanned a column at a
// time, of category index dom, and returns its tally hash. A
// credential's kind is counted by the caller.
func (w *worker) colValue(dom int, norm []byte) uint64 {
	h, seen := w.k.hash(dom, norm)
	if !seen && !identifies(dom) {
		w.pend[dom] = append(w.pend[dom], h)
		if len(w.pend[dom]) >= distinctBatch {
			w.fileDistinct(dom)
		}
	}
	return h
}

// colCounts counts n values of category index dom found in column col.
func (t *tableScan) colCounts(col *colState, dom, n int) {
	w := t.d.w
	w.cats[dom].values += int64(n)
	t.loc.values[dom] += int64(n)
	col.stats.values[dom] += int64(n)
	if f := w.s.o.byColumn; f != nil {
		f.Add(int64(n))
	}
}

// trimmed returns v without the white space and quotes around it.
func trimmed(v []byte) []byte {
	start, end := pii.TrimCell(v)
	return v[start:end]
}

// newColFinds returns the worker's next colFinds, for column ci of
// category index dom and a batch of n rows, emptied; nil when the
// record keeps nothing of the category but its bit.
func (w *worker) newColFinds(ci, dom, n int) *colFinds {
	keeps := keepValue
	switch {
	case identifies(dom):
		keeps = keepHash
	case dom == domDOB:
		keeps = keepDate
	case dom != domName:
		return nil
	}
	w.colFinds = slices.Grow(w.colFinds, 1)[:len(w.colFinds)+1]
	c := &w.colFinds[len(w.colFinds)-1]
	c.ci, c.dom, c.keeps = ci, dom, keeps
	if keeps == keepHash {
		c.h = slices.Grow(c.h[:0], n)[:n]
		clear(c.h)
		return c
	}
	c.v = slices.Grow(c.v[:0], n)[:n]
	clear(c.v)
	if keeps == keepDate {
		c.buf = slices.Grow(c.buf[:0], n*dateLen)[:n*dateLen]
	}
	return c
}

// dateLen is the length of a normalised date (yyyy-mm-dd).
const dateLen = 10

// What a colFinds keeps of each row's value.
const (
	keepHash  = iota // an identifier's hash
	keepValue        // a name's value as in its cell
	keepDate         // a date of birth, normalised
)

// keep keeps for row r what c keeps of a value: its hash h, or v.
func (c *colFinds) keep(r int, h uint64, v []byte) {
	switch c.keeps {
	case keepHash:
		c.h[r] = h
	case keepValue:
		c.v[r] = v
	case keepDate:
		c.date(r, v)
	}
}

// date keeps for row r the normalised date of birth v, copied: it must
// outlive the next cell's.
func (c *colFinds) date(r int, v []byte) {
	if len(v) != dateLen {
		c.v[r] = slices.Clone(v)
		return
	}
	c.v[r] = c.buf[r*dateLen : (r+1)*dateLen : (r+1)*dateLen]
	copy(c.v[r], v)
}

// add adds to r what column c found in row ri.
func (r *record) add(c *colFinds, ri int) {
	switch c.keeps {
	case keepHash:
		if h := c.h[ri]; h != 0 {
			r.addID(c.dom, h)
		}
	case keepValue:
		if v := c.v[ri]; v != nil {
			r.rawNames = append(r.rawNames, v)
		}
	case keepDate:
		if v := c.v[ri]; v != nil && r.dob == nil {
			r.dob = v
		}
	}
}

// addID adds an identifier of domain dom to the record.
func (r *record) addID(dom int, h uint64) {
	switch dom {
	case domNIR:
		r.nir = append(r.nir, h)
	case domEmail:
		r.email = append(r.email, h)
	case domPhone:
		r.phone = append(r.phone, h)
	}
}
