package breach

import "tocsin/internal/breach/pii"

// The values of a personal column repeat: a customer table has a few
// hundred surnames and a few thousand first names for a hundred thousand
// rows, a log table the same user's address on every line. Each value
// was validated, normalised and hashed again, some 400 instructions for
// a first name. A column of a category remembers what its values gave by
// a keyed hash of their bytes (maphash, under a seed of the worker): a
// value met again is counted from the tally's hash kept for it, the
// finding being its whole trimmed value, which is all a value that fits
// its column's category yields (pii.CellFits). Only hashes are kept,
// never values, as for the shapes.
//
// Not for every category: a NIR's confidence depends on its kind, a date
// of birth's and a credential's normalised values are read again after
// the finding (the person's key, the kind of password).

// memoSlots is the most slots a column's table has (a power of two), of
// which it fills at most memoFull: 128 KiB. A table starts at memoStart
// slots and doubles when three quarters full: a column of 240 surnames
// keeps to 8 KiB, where its lookups do not push the rest of the scan out
// of the processor's first cache, as 64 KiB did. A key and its hash are
// side by side: a value met again reads one cache line. A table of 4,096
// slots held 3,072 of the order table's 3,578 first names, and probed
// eight slots on average for each of the others (a table three quarters
// full): at 8,192 the first names are all kept, at under half full.
const (
	memoSlots = 8192
	memoFull  = memoSlots * 3 / 4
	memoStart = 256
)

// memoTrial is how many lookups a column's memo has to hit a quarter of
// the time: a column of e-mail addresses, one a person, gives up its
// table after them; one of 3,600 first names drawn evenly hits 40 % of
// them, all but the first sight of each once it has met them.
const memoTrial = 4096

// memoAfter is how many values a column looks at before it makes its
// table: the small tables of a folder never pay for one.
const memoAfter = 256

// memoSetsMax bounds the tables a worker's open tables hold at once (8
// MiB).
const memoSetsMax = 64

// memoCats are the category indexes a memo may answer for.
const memoCats = (1<<numCats - 1) &^ (1<<domNIR | 1<<domDOB | 1<<domCredential)

// memoSet maps keys (never 0) to the tally's hash of the value's
// normalised form, or 0 for a value that gave nothing (an empty cell).
type memoSet struct {
	slots []memoSlot // a power of two of them
	n     int
}

type memoSlot struct{ key, h uint64 }

// cellMemo is a column's memo.
type cellMemo struct {
	set  *memoSet
	seen int // values looked at before the table was made
	// lookups counts the table's lookups, found those of the first
	// memoTrial that found their value.
	lookups, found int
	ci             int     // the index of the column's category
	conf           float64 // the confidence of the column's findings
	off            bool
}

// classified readies the memo of a column found to be of category cat:
// it stays off for a category it does not answer for, or none.
func (c *cellMemo) classified(cat pii.Category) {
	if cat == "" {
		c.off = true
		return
	}
	c.ci = catIdx(cat)
	c.off = c.off || memoCats>>c.ci&1 == 0
}

// wanted tells whether the memo is in use, making its table once the
// column has looked at memoAfter values, and giving it up when the trial
// fails; live counts the tables of the worker's open tables.
func (c *cellMemo) wanted(live *int) bool {
	if c.off {
		return false
	}
	if c.set == nil {
		if c.seen++; c.seen < memoAfter {
			return false
		}
		if *live >= memoSetsMax {
			c.off = true
			return false
		}
		c.set = &memoSet{slots: make([]memoSlot, memoStart)}
		*live++
	}
	if c.lookups == memoTrial && c.found < memoTrial/4 {
		c.release(live)
		c.off = true
		return false
	}
	return true
}

// release drops the column's table, at the end of its table or when the
// column gives up.
func (c *cellMemo) release(live *int) {
	if c.set != nil {
		c.set = nil
		*live--
	}
}

// lookup returns the hash kept for key, or the slot where to keep it (-1
// for none: the table is full). Small enough to be inlined; count
// counts it.
func (c *cellMemo) lookup(key uint64) (slot int, h uint64, found bool) {
	s := c.set
	i := int(key >> 1)
	for {
		i &= len(s.slots) - 1
		if e := s.slots[i]; e.key == key {
			return i, e.h, true
		} else if e.key == 0 {
			if s.n == memoFull {
				i = -1
			}
			return i, 0, false
		}
		i++
	}
}

// count counts a lookup and, among the first memoTrial, one that found
// its value.
func (c *cellMemo) count(found bool) {
	if c.lookups++; found && c.lookups <= memoTrial {
		c.found++
	}
}

// record keeps h for key in the slot lookup returned, and doubles the
// table when it is three quarters full.
func (c *cellMemo) record(slot int, key, h uint64) {
	if slot < 0 {
		return
	}
	s := c.set
	s.slots[slot] = memoSlot{key, h}
	if s.n++; s.n*4 > len(s.slots)*3 && len(s.slots) < memoSlots {
		old := s.slots
		s.slots = make([]memoSlot, 2*len(old))
		mask := len(s.slots) - 1
		for _, e := range old {
			if e.key != 0 {
				i := int(e.key>>1) & mask
				for s.slots[i].key != 0 {
					i = (i + 1) & mask
				}
				s.slots[i] = e
			}
		}
	}
}
