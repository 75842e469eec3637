package event

import "hash/maphash"

// index maps a field name to the first field with that name: an
// open-addressing table over the event's own fields, cleared between
// events without freeing it. A Go map costs a quarter of decoding a
// Windows event; this costs a hash, a probe and a compare.
type index struct {
	seed  maphash.Seed
	slots []slot // a power of two, at most half full
	n     int
}

// slot is empty when at is 0; else field at-1 holds the name, whose hash
// is h.
type slot struct {
	h  uint32
	at int32
}

func (x *index) reset() {
	clear(x.slots)
	x.n = 0
}

// find returns the first field named name, or -1, and the slot where it
// is or would go.
// It only reads: events are read from several goroutines.
func (x *index) find(fields []Field, name string) (int32, int, uint32) {
	if len(x.slots) == 0 {
		return -1, -1, 0
	}
	h := uint32(maphash.String(x.seed, name))
	mask := len(x.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.at == 0 {
			return -1, i, h
		}
		if s.h == h && fields[s.at-1].Name == name {
			return s.at - 1, i, h
		}
	}
}

// insert records field at under name, found missing at slot i (-1: the
// table is not made yet).
func (x *index) insert(fields []Field, i int, h uint32, at int32) {
	if i < 0 {
		x.seed = maphash.MakeSeed()
		x.slots = make([]slot, 64)
		_, i, h = x.find(fields, fields[at].Name)
	}
	x.slots[i] = slot{h: h, at: at + 1}
	x.n++
	if 2*x.n > len(x.slots) {
		x.grow(fields)
	}
}

func (x *index) grow(fields []Field) {
	old := x.slots
	x.slots = make([]slot, 2*len(old))
	mask := len(x.slots) - 1
	for _, s := range old {
		if s.at == 0 {
			continue
		}
		i := int(s.h) & mask
		for x.slots[i].at != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// rebuild indexes fields anew (after Truncate).
func (x *index) rebuild(fields []Field) {
	x.reset()
	for i := range fields {
		if at, s, h := x.find(fields, fields[i].Name); at < 0 {
			x.insert(fields, s, h, int32(i))
		}
	}
}
