package detect

import (
	"hash/maphash"
	"strings"

	"tocsin/internal/event"
)

// valueCache remembers, per Matcher, what the prefilter found in a value
// of a field: which rule lists its equality and path-tail lookups gave and
// which literals its scan found. Windows telemetry repeats itself: the
// same images, parent command lines, hashes and loaded DLLs come back
// thousands of times, and remembering costs a hash and a compare where the
// prefilter lowers the value, looks it up two or three times and scans it
// a DFA step per byte.
//
// Memory is fixed: a direct-mapped table of slots and a ring of value
// bytes. A slot is trusted only if its field plan, its hash and the value
// bytes (still in the ring) all equal the value looked up, so a collision
// or an overwritten value can only cause a miss, never a wrong result.
type valueCache struct {
	seed  maphash.Seed
	slots []cacheSlot // len is a power of two
	ring  []byte
	pos   uint64 // bytes written to the ring, ever
	// hits and misses count lookups, for tests and tuning.
	hits, misses uint64
}

// cacheSlot is one remembered value ring[at % len(ring):][:n] of the field
// plan with that id: rule lists lists[:nlists] and literals ids[:nids].
type cacheSlot struct {
	hash   uint64
	plan   uint64
	at     uint64
	n      uint32
	nids   uint8
	nlists uint8
	result bool // for a regular expression's key: whether it matched
	ids    [maxCachedIDs]int32
	lists  [maxLists]int32
}

const (
	// maxCachedIDs: a value holding more literals is not remembered
	// (rare: most values hold none).
	maxCachedIDs = 4
	// maxLists: a value gives at most one list from the equality index,
	// one more as a canonical number, and two path tails (\ and /).
	maxLists = 4
	// Values shorter than minCachedValue are faster to look up again
	// than a cache lookup that misses the processor cache; longer than
	// maxCachedValue (script blocks) they are mostly unique and would
	// flush the ring.
	minCachedValue = 16
	maxCachedValue = 2048
	// minCheapCached: a pair test costs about 16 instructions a byte,
	// a lookup about a hundred and two cache misses; hashes (150 bytes)
	// come back nearly always.
	minCheapCached = 64
	// cacheSlots and cacheRing size the cache: 256 KB + 256 KB per
	// Matcher.
	cacheSlots = 4096
	cacheRing  = 256 << 10
	// cacheAfter is how many events a Matcher matches before it makes
	// its cache.
	cacheAfter = 1000
)

func newValueCache(slots, ring int) *valueCache {
	return &valueCache{seed: maphash.MakeSeed(), slots: make([]cacheSlot, slots), ring: make([]byte, ring)}
}

// lookup returns the slot for value s of field plan id, and whether it
// holds that value.
func (c *valueCache) lookup(plan uint64, s string) (*cacheSlot, uint64, bool) {
	h := maphash.String(c.seed, s) ^ plan*0x9e3779b97f4a7c15
	sl := &c.slots[h&uint64(len(c.slots)-1)]
	if sl.hash == h && sl.plan == plan && int(sl.n) == len(s) && c.pos-sl.at <= uint64(len(c.ring)) {
		at := sl.at % uint64(len(c.ring))
		if string(c.ring[at:at+uint64(len(s))]) == s {
			c.hits++
			return sl, h, true
		}
	}
	c.misses++
	return sl, h, false
}

// store fills sl with value s of field plan id and what was found in it,
// unless it holds too many literals to keep.
func (c *valueCache) store(sl *cacheSlot, h, plan uint64, s string, lists, ids []int32) {
	if len(ids) > maxCachedIDs {
		sl.plan = 0
		return
	}
	size := uint64(len(c.ring))
	if at := c.pos % size; at+uint64(len(s)) > size {
		c.pos += size - at // wrap: a value is kept in one piece
	}
	at := c.pos % size
	copy(c.ring[at:], s)
	sl.hash, sl.plan, sl.at, sl.n = h, plan, c.pos, uint32(len(s))
	sl.nids = uint8(copy(sl.ids[:], ids))
	sl.nlists = uint8(copy(sl.lists[:], lists))
	c.pos += uint64(len(s))
}

// regexKey marks the keys of regular expressions' results, apart from the
// field plans' ids (counted from 1).
const regexKey = 1 << 63

// storeResult fills sl with value s and whether the regular expression of
// that key matched it.
func (c *valueCache) storeResult(sl *cacheSlot, h, key uint64, s string, r bool) {
	c.store(sl, h, key, s, nil, nil)
	sl.result = r
}

// prefilterValue marks in cand the rules that field i of ev (of plan p)
// makes candidates through the indexes, and records in m.hits the
// literals found in it; from the cache when the value was seen before.
func (m *Matcher) prefilterValue(b *bucket, p *fieldPlan, ev *event.Event, i int, cand []uint64) {
	v := ev.At(i).Value
	if m.cache == nil || p.cheap && len(v) < minCheapCached || len(v) < minCachedValue || len(v) > maxCachedValue {
		var lists [maxLists]int32
		for _, l := range p.lookups(ev, i, m.num[:0], lists[:0]) {
			mark(cand, b.lists[l])
		}
		if p.scan != nil {
			p.scan.scan(ev, i, &m.hits)
		}
		return
	}
	sl, h, ok := m.cache.lookup(p.id, v)
	if !ok {
		var lists [maxLists]int32
		found := p.lookups(ev, i, m.num[:0], lists[:0])
		// The value's own literals, apart from those other values of
		// the event added already.
		m.vhits.reset(len(m.hits.seen) * 64)
		if p.scan != nil {
			p.scan.scan(ev, i, &m.vhits)
		}
		m.cache.store(sl, h, p.id, v, found, m.vhits.ids)
		for _, l := range found {
			mark(cand, b.lists[l])
		}
		m.hits.add(m.vhits.ids)
		return
	}
	for _, l := range sl.lists[:sl.nlists] {
		mark(cand, b.lists[l])
	}
	m.hits.add(sl.ids[:sl.nids])
}

// lookups appends to lists the rule lists that field i of ev gives
// through p's equality and path-tail indexes.
func (p *fieldPlan) lookups(ev *event.Event, i int, num []byte, lists []int32) []int32 {
	if p.eq == nil && p.tails == nil {
		return lists
	}
	low := ev.Lower(i)
	if p.tails != nil {
		if k := strings.LastIndexByte(low, '\\'); k >= 0 {
			if l, ok := p.tails[low[k:]]; ok {
				lists = append(lists, l)
			}
		}
		if k := strings.LastIndexByte(low, '/'); k >= 0 {
			if l, ok := p.tails[low[k:]]; ok {
				lists = append(lists, l)
			}
		}
	}
	if p.eq != nil {
		if l, ok := p.eq[low]; ok {
			lists = append(lists, l)
		}
		if n, ok := numberText(ev.At(i).Value, num); ok {
			if l, ok := p.eq[string(n)]; ok {
				lists = append(lists, l)
			}
		}
	}
	return lists
}
