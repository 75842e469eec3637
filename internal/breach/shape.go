package breach

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"

	"tocsin/internal/breach/extract"
	"tocsin/internal/swar"
)

// Most columns of no category hold codes: order, tracking and invoice
// numbers, timestamps, product references, amounts, statuses. Scanned
// as free text one cell at a time they cost more than the personal
// columns. The scan decides per column (issue 6: "a column of names is
// names even where one value alone is ambiguous"), so a small cache per
// column remembers the shapes of its values and what scanning them gave:
//
//   - A value's shape keeps every byte and the length, except that its
//     ASCII digits become shapeMark (written # here), all but a digit
//     that starts the value: "CMD-20230452779" is "CMD-###########",
//     "2023-07-22 12:57:24" is "2###-##-## ##:##:##", "Article 981" is
//     "Article ###", "0612345678" is "0#########" and a tracking number
//     "6861129074" is "6#########", so a phone number does not share the
//     shape of a tracking number, nor a NIR (1 or 2) that of most codes.
//     The first digit of each run was kept once: timestamps then had
//     hundreds of shapes (one per first digit of month, day, hour…), too
//     many to be learnt, and were all scanned as text.
//   - A shape is trusted, and its values spared the detectors, when its
//     value has no digit or when shapeTrust values of it were scanned and
//     gave nothing, none giving a finding. The shape of a digit-free
//     value is the value itself, and a cell's result depends on its bytes
//     alone: one clean scan is exact, as for a status or a carrier. A
//     shape of values with digits that yielded nothing shapeTrust times
//     belongs to a column of codes;
//     a rare value of that shape that passes a checksum (a 15-digit order
//     number with a valid NIR key, one in 97) is a decoy, not personal
//     data.
//   - A shape that gave a finding even once is banned for the rest of the
//     column: a column that does hold personal data in some values keeps
//     being scanned.
//   - A column whose values do not repeat in shape (shapeTrial) tries
//     coarse shapes, where the ASCII letters of a code (a value with
//     digits and no space) are taken for their case alone: product
//     references "ZM-4510" and "AB-1234" have 676 shapes of two capitals,
//     too many to be learnt, and one coarse shape, "AA-####". A
//     digit-free value stays its own shape, so a name is never taken for
//     another, and so do words ("Nee le 12/03/1985" is not "Vue le
//     12/03/2024"). A column that gave a finding does not try: its bans
//     would be forgotten.
//
// The price: a value of a trusted shape is not looked at. Once ten-digit
// codes padded with zeros (0000012345) are trusted, a phone number of
// their shape (0612345678) further down the same column is not found;
// coarsely, once references such as 34XY56789 are trusted, a passport
// number of their coarse shape (12AB34567) is not either; and the chunks
// of a file split across workers each learn their own shapes, so on such
// a value they may differ from the whole file.
//
// Shapes are remembered by a 64-bit hash keyed by a random secret of the
// worker, never the shapes or values themselves. With at most shapeFull
// shapes in a column, a value's shape is taken for another with a chance
// below 2^-54, and the secret keeps anyone from making it so. The hash is
// taken as the shape is made, 8 bytes at a time in registers, with one
// multiply-and-fold per word as wyhash does: the shape is never written
// out. On the order table a key costs about 112 instructions this way,
// 141 with a second hash of 64 bits, and about 230 when the shape was
// written to a buffer and hashed twice with maphash.

// shapeMaxLen is the longest value looked up: longer ones are free text.
const shapeMaxLen = 64

// shapeMark stands for the digits but a leading one. No UTF-8 text holds
// the byte 0xFF; a value that does (undecoded binary) at worst shares its
// shape with values that have digits, never with a digit-free value (the
// key tells those apart), so the exact rule for digit-free values holds.
const shapeMark = 0xFF

// shapeTrust is how many clean scans of a shape with digits make it
// trusted. A shape whose values are personal data one time in ten is
// banned before it is trusted with a probability of 1-0.9^32 = 97 %,
// one time in four 99.99 %; and a column of codes pays 32 scans a shape,
// nothing over thousands of rows. It must also leave the give-up trial
// room to see a column of a few shapes repay its lookups: 23 shapes of
// equal frequency take 736 of its 1024 lookups to be trusted.
const shapeTrust = 32

// shapeBanned is the state of a shape that gave a finding.
const shapeBanned = 0xFF

// shapeSlots is the size of a column's table of shapes (a power of two),
// of which it fills at most shapeFull: 2.25 KiB a column.
const (
	shapeSlots = 256
	shapeFull  = shapeSlots * 3 / 4
)

// shapeTrial is how many lookups a column is given to show that its
// values repeat in shape: with fewer than a quarter trusted by then
// (free-text comments, amounts of many magnitudes), shaping and hashing
// each value costs more than it spares, and the cache is dropped.
const shapeTrial = 1024

// shapeKey is the keyed hash of a value's shape: its low bit tells a
// value without digits, and its second bit is always set, so that an
// empty slot (0) matches nothing.
type shapeKey uint64

// exact tells whether the value has no digit: its shape is the value.
func (k shapeKey) exact() bool { return k&1 != 0 }

// shapeSecret keys the shapes' hash by a starting state and an odd
// multiplier, drawn from the process's random source (seeded by the
// system).
type shapeSecret [2]uint64

func newShapeSecret() shapeSecret {
	return shapeSecret{rand.Uint64(), rand.Uint64() | 1}
}

// newShapeKey shapes v (at most shapeMaxLen bytes) and hashes the shape,
// 8 bytes at a time in registers: the shape is never written anywhere.
// A coarse shape also takes the ASCII letters of a value with digits and
// no space for their case alone (coarseWord); a digit-free value is its
// own shape either way, and so are words: "Vue le 12/03/2024" and "Nee le
// 12/03/1985" would be one coarse shape.
//
// Most columns shape exactly: their loop is apart from the coarse one,
// whose second hash and spaces left too few registers for the first,
// spilled to the stack on every word. Neither is inlined: inlined into
// the loops that ask a column's values, their registers and the hash's
// did not fit together (15 M more instructions on the order table).
func newShapeKey(k *shapeSecret, v []byte, coarse bool) shapeKey {
	if coarse {
		return coarseShapeKey(k, v)
	}
	return exactShapeKey(k, v)
}

// exactShapeKey is newShapeKey of an exact shape.
//
//go:noinline
func exactShapeKey(k *shapeSecret, v []byte) shapeKey {
	n := len(v)
	a, ka := k[0]^uint64(n), k[1]
	var digits uint64
	keep := uint64(0x80) // the value's first byte, if a digit, stays
	p := v
	for len(p) >= 8 {
		w, d := shapeWord(binary.LittleEndian.Uint64(p), keep)
		a, keep, digits = mum(a^w, ka), 0, digits|d
		p = p[8:]
	}
	if len(p) > 0 {
		// The last bytes, in the low bytes of a word.
		var w uint64
		if n >= 8 {
			w = binary.LittleEndian.Uint64(v[n-8:]) >> (64 - 8*len(p))
		} else {
			w = swar.Load(p)
		}
		w, d := shapeWord(w, keep)
		a, digits = mum(a^w, ka), digits|d
	}
	return keyOf(a, digits)
}

// keyOf makes a shape's key of its hash: the low bit tells a digit-free
// value, so that "a\xff" (undecoded binary) and "a1" share a shape, not
// a key.
func keyOf(a, digits uint64) shapeKey {
	a = a&^1 | 2
	if digits == 0 {
		a |= 1
	}
	return shapeKey(a)
}

// coarseShapeKey is newShapeKey of a coarse shape: both hashes are taken
// as the bytes come, the digits and spaces choosing at the end.
//
//go:noinline
func coarseShapeKey(k *shapeSecret, v []byte) shapeKey {
	n := len(v)
	a, ka := k[0]^uint64(n), k[1]
	b := a ^ coarseTweak
	var digits, spaces uint64
	keep := uint64(0x80)
	p := v
	for len(p) >= 8 {
		w, d := shapeWord(binary.LittleEndian.Uint64(p), keep)
		a, keep, digits = mum(a^w, ka), 0, digits|d
		b, spaces = mum(b^coarseWord(w), ka), spaces|swar.Equal(w, ' ')
		p = p[8:]
	}
	if len(p) > 0 {
		var w uint64
		if n >= 8 {
			w = binary.LittleEndian.Uint64(v[n-8:]) >> (64 - 8*len(p))
		} else {
			w = swar.Load(p)
		}
		w, d := shapeWord(w, keep)
		a, digits = mum(a^w, ka), digits|d
		b, spaces = mum(b^coarseWord(w), ka), spaces|swar.Equal(w, ' ')
	}
	if digits != 0 && spaces == 0 {
		a = b
	}
	return keyOf(a, digits)
}

// shapeWord shapes 8 bytes: their digits become shapeMark, but those
// that keep marks (0x80 in the byte: the value's first). It returns the
// shaped word and its digits (0x80 in each byte that is one).
func shapeWord(w, keep uint64) (shaped, digits uint64) {
	d := swar.Digits(w)
	return w | (d&^keep>>7)*0xFF, d
}

// coarseWord takes the ASCII letters of a shaped word for their case:
// capitals become 'A', small letters 'a'. Both ranges are tested as
// swar.Range does, written out: through two calls of it, the function
// would be too costly for the compiler to inline into newShapeKey.
func coarseWord(w uint64) uint64 {
	const lo, hi = swar.Ones, swar.High
	low := w &^ hi
	up := (low + (0x80-'A')*lo) &^ (low + (0x80-'Z'-1)*lo) &^ w & hi
	small := (low + (0x80-'a')*lo) &^ (low + (0x80-'z'-1)*lo) &^ w & hi
	up, small = up>>7, small>>7
	return w&^((up|small)*0xFF) | up*'A' | small*'a'
}

// coarseTweak starts a coarse shape's hash apart from an exact one's.
const coarseTweak = 0x9E3779B97F4A7C15

// mum mixes x by a multiplication by the odd key k, folding the high
// half of the product into the low.
func mum(x, k uint64) uint64 {
	hi, lo := bits.Mul64(x, k)
	return hi ^ lo
}

// shapeSet is an open-addressing table of the shapes of one column. A
// shape once in stays: none is evicted, so a banned shape stays banned
// and a column's few shapes never push one another out; past shapeFull
// shapes, new ones are scanned and not remembered.
type shapeSet struct {
	keys  [shapeSlots]shapeKey
	state [shapeSlots]uint8 // clean scans, up to shapeTrust; or shapeBanned
	n     int
}

// shapeCache is the shapeSet of a column, made on first use, and given up
// after shapeTrial lookups with fewer than a quarter trusted.
type shapeCache struct {
	set            *shapeSet
	lookups, found int
	coarse         bool // shaping coarsely, exact shapes having failed their trial
	banned         bool // a shape gave a finding
	off            bool
}

// shapeSetsMax is how many columns of a worker's open tables may hold a
// shapeSet at once: a table of thousands of columns (a JSON document with
// as many keys) would otherwise take 2.3 KiB for each. Columns past it are
// scanned without the cache.
const shapeSetsMax = 1024

// shapeSets are the shapeSets of a worker: how many its open tables
// hold, and the ones of finished tables, cleared for the next. Most files of a
// breach folder are small tables, each of a dozen columns of codes:
// 2.3 KiB made for each column of each would be garbage a few rows later.
type shapeSets struct {
	live int
	free []*shapeSet
}

// shapeFreeMax bounds the sets a worker keeps for the next tables.
const shapeFreeMax = 64

// take returns a cleared set.
func (p *shapeSets) take() *shapeSet {
	n := len(p.free)
	if n == 0 {
		return new(shapeSet)
	}
	s := p.free[n-1]
	p.free = p.free[:n-1]
	return s
}

// put clears s and keeps it for another column, if there is room.
func (p *shapeSets) put(s *shapeSet) {
	if len(p.free) < shapeFreeMax {
		*s = shapeSet{}
		p.free = append(p.free, s)
	}
}

// wanted tells whether the cache is in use, and takes a set on first
// use; p.live counts the sets of the worker's open tables.
func (c *shapeCache) wanted(p *shapeSets) bool {
	if c.off {
		return false
	}
	if c.set == nil {
		if p.live >= shapeSetsMax {
			c.off = true
			return false
		}
		c.set = p.take()
		p.live++
	}
	if c.lookups == shapeTrial && c.found < shapeTrial/4 {
		if !c.coarse && !c.banned {
			// References whose letters vary (AB-1234, ZM-4510) have too
			// many exact shapes: the column tries again, coarsely. Not
			// one that gave a finding: its bans would be forgotten.
			*c.set = shapeSet{}
			c.lookups, c.found, c.coarse = 0, 0, true
			return true
		}
		c.release(p)
		c.off = true
		return false
	}
	return true
}

// settled tells whether the column's trial is over and kept the cache.
// From then on wanted always says yes, whatever lookups find, and a shape
// once trusted stays so: lookups may run ahead of the outcomes of earlier
// values, as long as a value found untrusted is looked up again once
// those are recorded.
func (c *shapeCache) settled() bool {
	return c.set != nil && !c.off && c.lookups == shapeTrial && c.found >= shapeTrial/4
}

// release gives the column's set back, at the end of its table or when
// the column gives up.
func (c *shapeCache) release(p *shapeSets) {
	if c.set != nil {
		p.put(c.set)
		c.set = nil
		p.live--
	}
}

// lookup tells whether k's shape is trusted; if not, it returns the slot
// where the outcome of scanning the value is to be recorded, -1 for none
// (a new shape in a full table).
func (c *shapeCache) lookup(k shapeKey) (slot int, trusted bool) {
	if c.lookups < shapeTrial {
		c.lookups++
	}
	s := c.set
	for i := int(k>>2) & (shapeSlots - 1); ; i = (i + 1) & (shapeSlots - 1) {
		switch s.keys[i] {
		case k:
			if s.state[i] != shapeTrust {
				return i, false
			}
			if c.found < shapeTrial {
				c.found++
			}
			return i, true
		case 0:
			if s.n == shapeFull {
				return -1, false
			}
			return i, false
		}
	}
}

// record files the outcome of scanning a value of k's shape in the slot
// lookup returned.
func (c *shapeCache) record(slot int, k shapeKey, clean bool) {
	if slot < 0 {
		return
	}
	s := c.set
	if s.keys[slot] == 0 {
		s.keys[slot] = k
		s.n++
	}
	switch {
	case s.state[slot] == shapeBanned:
	case !clean:
		s.state[slot] = shapeBanned
		c.banned = true
	case k.exact():
		s.state[slot] = shapeTrust
	default:
		s.state[slot]++
	}
}

// markTrusted marks in marks the rows whose value in column ci has a
// trusted shape, once the column has settled. Its loops call nothing but
// the hash, and hold few values: in askColumn, whose first loop also
// calls the detectors, more of them were saved to the stack and reloaded
// around every call. The exact shapes of values up to 24 bytes, most of
// a table's codes, are hashed in the loop itself, as exactShapeKey hashes
// them (TestMarkTrusted holds the two together): called, the hash made
// the loop save and reload its values for every value, a quarter of the
// instructions of the loop and the hash together. On amd64 that loop is
// in assembly (markExact, shape_amd64.s); markExactGo is the loop in Go.
func (c *shapeCache) markTrusted(k *shapeSecret, rows []extract.LineRow, ci int, marks []cellMarks) {
	bit := uint64(1) << ci
	marks = marks[:len(rows)]
	s := c.set
	if c.coarse {
		for r := range rows {
			b := rows[r].Bounds
			if ci+1 >= len(b) {
				continue
			}
			v := rows[r].Line[b[ci]+1 : b[ci+1]]
			if len(v) <= shapeMaxLen && s.trusted(coarseShapeKey(k, v)) {
				marks[r].skip |= bit
			}
		}
		return
	}
	markExact(k, s, rows, ci, marks)
}

// markExactGo is markTrusted's loop for a column that shapes exactly.
func markExactGo(k *shapeSecret, s *shapeSet, rows []extract.LineRow, ci int, marks []cellMarks) {
	bit := uint64(1) << ci
	k0, k1 := k[0], k[1]
	for r := range rows {
		b := rows[r].Bounds
		if ci+1 >= len(b) {
			continue
		}
		v := rows[r].Line[b[ci]+1 : b[ci+1]]
		var key shapeKey
		switch n := len(v); {
		case n > shapeMaxLen:
			continue
		case n > 24:
			key = exactShapeKey(k, v)
		case n > 16:
			w0, d0 := shapeWord(binary.LittleEndian.Uint64(v), 0x80)
			w1, d1 := shapeWord(binary.LittleEndian.Uint64(v[8:]), 0)
			w2, d2 := shapeWord(binary.LittleEndian.Uint64(v[n-8:])>>(192-8*n), 0)
			key = keyOf(mum(mum(mum(k0^uint64(n)^w0, k1)^w1, k1)^w2, k1), d0|d1|d2)
		case n > 8:
			w0, d0 := shapeWord(binary.LittleEndian.Uint64(v), 0x80)
			w1, d1 := shapeWord(binary.LittleEndian.Uint64(v[n-8:])>>(128-8*n), 0)
			key = keyOf(mum(mum(k0^uint64(n)^w0, k1)^w1, k1), d0|d1)
		case n > 0:
			w, d := shapeWord(swar.Load(v), 0x80)
			key = keyOf(mum(k0^uint64(n)^w, k1), d)
		default:
			key = keyOf(k0, 0)
		}
		if s.trusted(key) {
			marks[r].skip |= bit
		}
	}
}

// trusted tells whether the shape of key is trusted.
func (s *shapeSet) trusted(key shapeKey) bool {
	for i := int(key>>2) & (shapeSlots - 1); ; i = (i + 1) & (shapeSlots - 1) {
		switch s.keys[i] {
		case key:
			return s.state[i] == shapeTrust
		case 0:
			return false
		}
	}
}
