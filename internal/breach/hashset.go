package breach

import (
	"math/bits"
	"unsafe"
)

// The keys of the tally are keyed hashes, already uniform: open-addressing
// tables indexed by the key's own bits beat the general-purpose map on the
// one operation the scan repeats for every value. Key 0 marks an empty
// slot (keyed hashes are never 0). A key's first slot comes from its top
// bits, so keys inserted in increasing order sweep the table from start
// to end instead of jumping across it (see insertBatch).

// hashSet is a set of non-zero uint64 hashes.
type hashSet struct {
	slots []uint64
	n     int
	shift uint8 // 64 - log2(len(slots))
}

func (s *hashSet) len() int { return s.n }

// add inserts x and reports whether it was new.
func (s *hashSet) add(x uint64) bool {
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := x >> s.shift; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case x:
			return false
		case 0:
			s.slots[i] = x
			s.n++
			return true
		}
	}
}

// reserve grows the table to hold n more hashes without growing again.
// Hashes filed in order of their top bits must find the table at its
// final size: a smaller table would take a batch that spans the whole
// key range into its first slots, one long cluster.
func (s *hashSet) reserve(n int) {
	if size := sizeFor(s.n+n, len(s.slots)); size > len(s.slots) {
		s.growTo(size)
	}
}

func (s *hashSet) has(x uint64) bool {
	if s.n == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := x >> s.shift; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case x:
			return true
		case 0:
			return false
		}
	}
}

// insert inserts xs, skipping zeros, into a table with room for them
// all.
func (s *hashSet) insert(xs []uint64) int {
	mask := uint64(len(s.slots) - 1)
	added := 0
	for _, x := range xs {
		if x == 0 {
			continue
		}
		for i := x >> s.shift; ; i = (i + 1) & mask {
			if y := s.slots[i]; y == x {
				break
			} else if y == 0 {
				s.slots[i] = x
				added++
				break
			}
		}
	}
	s.n += added
	return added
}

func (s *hashSet) grow() { s.growTo(max(2*len(s.slots), 64)) }

// growTo moves the hashes into a table of size slots (a power of two).
func (s *hashSet) growTo(size int) {
	old := s.slots
	s.slots, s.n, s.shift = make([]uint64, size), 0, uint8(64-bits.TrailingZeros(uint(size)))
	writePages(s.slots)
	s.insert(old)
}

// each calls f for every hash.
func (s *hashSet) each(f func(uint64)) {
	for _, x := range s.slots {
		if x != 0 {
			f(x)
		}
	}
}

// hashIndex maps non-zero uint64 hashes to int32 indexes.
type hashIndex struct {
	keys  []uint64
	vals  []int32
	n     int
	shift uint8
}

func (m *hashIndex) len() int { return m.n }

// get returns the index of x, or ok false.
func (m *hashIndex) get(x uint64) (int32, bool) {
	if m.n == 0 {
		return 0, false
	}
	mask := uint64(len(m.keys) - 1)
	for i := x >> m.shift; ; i = (i + 1) & mask {
		switch m.keys[i] {
		case x:
			return m.vals[i], true
		case 0:
			return 0, false
		}
	}
}

// touch reads the first slots of xs, key and index, and returns their
// sum. The reads do not depend on one another, so the processor makes
// them all at once; the lookups that follow, whose branches do, find the
// slots in the cache instead of waiting for memory one after the other.
func (m *hashIndex) touch(xs []uint64) uint64 {
	var sum uint64
	for _, x := range xs {
		i := x >> m.shift
		sum += m.keys[i] + uint64(m.vals[i])
	}
	return sum
}

// touchRun is how many keys are touched ahead of their lookups: enough
// reads at once to keep the memory busy, few enough that their cache
// lines are still there when the lookups come.
const touchRun = 32

// reserve grows the table to hold n more keys without growing again (see
// hashSet.reserve), at once however many times it doubles.
func (m *hashIndex) reserve(n int) {
	if size := sizeFor(m.n+n, len(m.keys)); size > len(m.keys) {
		m.growTo(size)
	}
}

// capacity is how many keys the table holds before it grows.
func (m *hashIndex) capacity() int { return len(m.keys) * 3 / 4 }

// getOrPut returns the index of x; when x is new it is given index next,
// and added is true. One probe where get and put would take two.
func (m *hashIndex) getOrPut(x uint64, next int32) (i int32, added bool) {
	if (m.n+1)*4 > len(m.keys)*3 {
		m.grow()
	}
	mask := uint64(len(m.keys) - 1)
	for k := x >> m.shift; ; k = (k + 1) & mask {
		switch m.keys[k] {
		case x:
			return m.vals[k], false
		case 0:
			m.keys[k], m.vals[k] = x, next
			m.n++
			return next, true
		}
	}
}

// put sets the index of x (x not yet present).
func (m *hashIndex) put(x uint64, v int32) {
	if (m.n+1)*4 > len(m.keys)*3 {
		m.grow()
	}
	mask := uint64(len(m.keys) - 1)
	for i := x >> m.shift; ; i = (i + 1) & mask {
		if m.keys[i] == 0 || m.keys[i] == x {
			if m.keys[i] == 0 {
				m.n++
			}
			m.keys[i], m.vals[i] = x, v
			return
		}
	}
}

func (m *hashIndex) grow() { m.growTo(max(2*len(m.keys), 64)) }

// growTo moves the keys into a table of size slots (a power of two).
func (m *hashIndex) growTo(size int) {
	oldK, oldV := m.keys, m.vals
	m.keys, m.vals, m.n, m.shift = make([]uint64, size), make([]int32, size), 0, uint8(64-bits.TrailingZeros(uint(size)))
	writePages(m.keys)
	writePages(m.vals)
	for i, k := range oldK {
		if k != 0 {
			m.put(k, oldV[i])
		}
	}
}

func (m *hashIndex) each(f func(uint64, int32)) {
	for i, k := range m.keys {
		if k != 0 {
			f(k, m.vals[i])
		}
	}
}

// sizeFor returns the slots a table of size slots (a power of two, or 0)
// needs to hold n keys at most three quarters full, doubling it.
func sizeFor(n, size int) int {
	for n*4 > size*3 {
		size = max(2*size, 64)
	}
	return size
}

// writePages writes a zero in each page of a table just made. A table
// too big for the allocator's spans comes fresh from the system, its
// pages not yet mapped; the first access of each, a read of the slot that
// probing does, would map a shared page of zeros, and the write that
// follows would fault a second time for the page of its own.
func writePages[T uint64 | int32](s []T) {
	step := pageSize / int(unsafe.Sizeof(s[0]))
	for i := 0; i < len(s); i += step {
		s[i] = 0
	}
}

// pageSize is the system's smallest page on the platforms the scan runs
// on; a larger one only makes writePages write more than it needs.
const pageSize = 4096
