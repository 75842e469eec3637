package breach

import "hash/maphash"

// Most columns that hold no personal data repeat a few values: statuses,
// carriers, categories, payment methods, stock comments. Whether a cell
// holds personal data depends on its bytes alone, so a value that yielded
// nothing once yields nothing again: a small cache per column remembers
// such values, by two keyed hashes (128 bits, so that no value is ever
// taken for another) and never the values themselves, and spares them the
// detectors.

// quietMaxLen is the longest value remembered: longer ones rarely repeat.
const quietMaxLen = 64

// quietSlots is the number of values a column remembers (a power of two).
const quietSlots = 256

// quietSet is a direct-mapped set of the values of one column that yielded
// nothing.
type quietSet struct {
	slots [quietSlots][2]uint64
}

// quietKey is the two keyed hashes of a value; the first is never 0, so
// that an empty slot matches nothing.
type quietKey [2]uint64

func newQuietKey(seeds *[2]maphash.Seed, v []byte) quietKey {
	return quietKey{maphash.Bytes(seeds[0], v) | 1, maphash.Bytes(seeds[1], v)}
}

// quietCache is the quietSet of a column, made on first use, and given up
// when the column's values do not repeat (order numbers, amounts): after
// quietTrial lookups with fewer than a quarter found, hashing each value
// costs more than it spares.
type quietCache struct {
	set            *quietSet
	lookups, found int
	off            bool
}

const quietTrial = 1024

// wanted tells whether the cache is in use, and makes it on first use.
func (q *quietCache) wanted() bool {
	if q.off {
		return false
	}
	if q.set == nil {
		q.set = new(quietSet)
	}
	if q.lookups == quietTrial && q.found < quietTrial/4 {
		q.off, q.set = true, nil
		return false
	}
	return true
}

func (q *quietCache) has(k quietKey) bool {
	if q.lookups < quietTrial {
		q.lookups++
	}
	if q.set.slots[k[0]>>1&(quietSlots-1)] != k {
		return false
	}
	if q.found < quietTrial {
		q.found++
	}
	return true
}

func (q *quietCache) add(k quietKey) {
	q.set.slots[k[0]>>1&(quietSlots-1)] = k
}
