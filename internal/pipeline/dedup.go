package pipeline

// dedupSet remembers the last n delivery ids in fixed memory: a ring gives
// the eviction order, an open-addressing table (linear probing, at most
// half full) the lookup. About 24 bytes per remembered id, allocated once,
// so memory stays flat whatever the traffic. Id 0 means "none" and is
// never stored.
type dedupSet struct {
	ring  []uint64
	next  int
	table []uint64
	mask  uint64
}

func newDedupSet(n int) *dedupSet {
	if n < 1 {
		n = 1
	}
	size := 2
	for size < 2*n {
		size <<= 1
	}
	return &dedupSet{ring: make([]uint64, n), table: make([]uint64, size), mask: uint64(size - 1)}
}

func (d *dedupSet) slot(id uint64) uint64 {
	// Ids are hashes already; mix anyway in case one is not.
	id ^= id >> 33
	id *= 0xff51afd7ed558ccd
	id ^= id >> 33
	return id & d.mask
}

// Has reports whether id is remembered.
func (d *dedupSet) Has(id uint64) bool {
	if id == 0 {
		return false
	}
	for i := d.slot(id); ; i = (i + 1) & d.mask {
		switch d.table[i] {
		case id:
			return true
		case 0:
			return false
		}
	}
}

// Add remembers id, forgetting the oldest one when full.
func (d *dedupSet) Add(id uint64) {
	if id == 0 || d.Has(id) {
		return
	}
	if old := d.ring[d.next]; old != 0 {
		d.remove(old)
	}
	d.ring[d.next] = id
	d.next = (d.next + 1) % len(d.ring)
	i := d.slot(id)
	for d.table[i] != 0 {
		i = (i + 1) & d.mask
	}
	d.table[i] = id
}

// remove deletes id with backward-shift deletion, which keeps every probe
// sequence unbroken without tombstones.
func (d *dedupSet) remove(id uint64) {
	i := d.slot(id)
	for d.table[i] != id {
		if d.table[i] == 0 {
			return
		}
		i = (i + 1) & d.mask
	}
	for {
		d.table[i] = 0
		j := i
		for {
			j = (j + 1) & d.mask
			if d.table[j] == 0 {
				return
			}
			// Move table[j] back to i unless its home lies cyclically
			// in (i, j].
			h := d.slot(d.table[j])
			if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
				d.table[i] = d.table[j]
				i = j
				break
			}
		}
	}
}
