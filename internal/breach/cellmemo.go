package breach

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

// memoSlots is the size of a column's table (a power of two), of which
// it fills at most memoFull: 64 KiB a column, in two arrays so that a
// probe reads the keys alone.
const (
	memoSlots = 4096
	memoFull  = memoSlots * 3 / 4
)

// memoTrial is how many lookups a column's memo has to hit a quarter of
// the time: a column of e-mail addresses, one a person, gives up its
// table after them; one of 3,600 first names drawn evenly hits 40 % of
// them, 90 % once its table is full.
const memoTrial = 4096

// memoAfter is how many values a column looks at before it makes its
// table: the small tables of a folder never pay for one.
const memoAfter = 256

// memoSetsMax bounds the tables a worker's open tables hold at once (4
// MiB), memoFreeMax the spares it keeps for the next tables.
const (
	memoSetsMax = 64
	memoFreeMax = 4
)

// memoCats are the category indexes a memo may answer for.
const memoCats = (1<<numCats - 1) &^ (1<<domNIR | 1<<domDOB | 1<<domCredential)

// memoSet maps keys (never 0) to the tally's hash of the value's
// normalised form, or 0 for a value that gave nothing (an empty cell).
type memoSet struct {
	keys [memoSlots]uint64
	hs   [memoSlots]uint64
	n    int
}

// cellMemo is a column's memo.
type cellMemo struct {
	set                  *memoSet
	seen, lookups, found int
	conf                 float64 // the confidence of the column's findings
	off                  bool
}

// wanted tells whether the memo is in use, making its table once the
// column has looked at memoAfter values, and giving it up when the trial
// fails.
func (c *cellMemo) wanted(p *tablePool[memoSet]) bool {
	if c.off {
		return false
	}
	if c.set == nil {
		if c.seen++; c.seen < memoAfter {
			return false
		}
		if p.live >= memoSetsMax {
			c.off = true
			return false
		}
		c.set = p.take()
		p.live++
	}
	if c.lookups == memoTrial && c.found < memoTrial/4 {
		c.release(p)
		c.off = true
		return false
	}
	return true
}

// release gives the column's table back, at the end of its table or when
// the column gives up.
func (c *cellMemo) release(p *tablePool[memoSet]) {
	if c.set != nil {
		p.put(c.set)
		c.set = nil
		p.live--
	}
}

// lookup returns the hash kept for key, or the slot where to keep it (-1
// for none: the table is full).
func (c *cellMemo) lookup(key uint64) (slot int, h uint64, found bool) {
	trial := c.lookups < memoTrial
	if trial {
		c.lookups++
	}
	s := c.set
	for i := int(key>>1) & (memoSlots - 1); ; i = (i + 1) & (memoSlots - 1) {
		switch s.keys[i] {
		case key:
			if trial {
				c.found++
			}
			return i, s.hs[i], true
		case 0:
			if s.n == memoFull {
				return -1, 0, false
			}
			return i, 0, false
		}
	}
}

// record keeps h for key in the slot lookup returned.
func (c *cellMemo) record(slot int, key, h uint64) {
	if slot >= 0 {
		c.set.keys[slot], c.set.hs[slot] = key, h
		c.set.n++
	}
}
