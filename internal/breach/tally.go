package breach

import (
	"crypto/rand"
	"hash/maphash"
	"math"
	"math/bits"
	"sort"
	"sync"

	"tocsin/internal/breach/pii"
)

// Values are counted without being kept. The identifiers that count
// people (NIR, e-mail, phone, name with date of birth) are hashed with
// SipHash-2-4 under a 128-bit key drawn at random for the run and held
// only in memory: a keyed pseudorandom function, so that without the key
// no hash can be tested against guessed identifiers (see sipKey). The
// values of the other categories, which only need a distinct count, are
// hashed with hash/maphash under a seed also drawn for the run. Hashes
// are 64 bits (61 for identifiers, whose low bits tell their kind): the
// exact sets hold at most MaxHashes of them (3 Mi by default), among which
// a collision has a chance of n²/2⁶², about 2·10⁻⁶, far below the
// HyperLogLog's own error past the budget. The sets stay
// exact up to a budget of hashes for the whole run and then turn into
// HyperLogLog sketches (about 0.4 % error), so memory is bounded whatever
// the size of the data; each worker counts within its share of the budget
// and the sets are merged at the end. No set, sketch or key is ever
// written anywhere.

// keyed hashes normalised values for one goroutine. A small
// direct-mapped cache remembers the values hashed last (by their seeded
// hash), so that values that repeat — postcodes, communes, given names,
// dates — are filed once and an identifier's SipHash is computed once.
// The cache holds hashes only.
type keyed struct {
	sip   [numCats + 1]sipKey // by domain, drawn from the run's key
	seeds hashSeeds
	use   [numCats + 1]cacheUse // by domain
	cache [keyedCache]struct{ fast, h uint64 }
}

// keyedCache is the number of cache slots (a power of two).
const keyedCache = 1 << 12

// cacheUse tells whether the cache pays for a domain. Its 64 KiB do not
// stay in the first-level cache, so a lookup that misses costs a memory
// access for nothing: e-mail addresses, phone numbers and NIRs seldom
// repeat within a few thousand values, names and communes of a table
// often do. Each domain is looked up cacheProbe times; if fewer than one
// in cacheWorth hit, its next cacheRest values skip the cache, and it is
// probed again.
type cacheUse struct{ lookups, hits, skip int32 }

const (
	cacheProbe = 1024
	cacheWorth = 16
	cacheRest  = cacheWorth * cacheProbe
)

// The domains of keyed hashes: a category's index (catIdx), or a person
// by name and date of birth.
const (
	domNIR        = 0
	domEmail      = 4
	domPhone      = 5
	domDOB        = 6
	domName       = 8
	domCredential = 11
	domPerson     = numCats
)

// credentialKinds are the kinds of credential the report counts apart, in
// the order of worker.credKinds.
var credentialKinds = [3]string{pii.CredentialPlain, pii.CredentialWeak, pii.CredentialStrong}

// hashSeeds are the run's maphash seeds, one per domain: equal text in
// two categories hashes apart without the category being copied in
// front of each value.
type hashSeeds [numCats + 1]maphash.Seed

func newHashSeeds() *hashSeeds {
	var s hashSeeds
	for i := range s {
		s[i] = maphash.MakeSeed()
	}
	return &s
}

func newKeyed(key []byte, seeds *hashSeeds) *keyed {
	k := &keyed{seeds: *seeds}
	// A key of each domain, two outputs of the run's PRF: a NIR and a
	// phone number of the same digits must not meet in the union-find,
	// and the domain need not be copied in front of each value.
	run := newSipKey(key)
	for d := range k.sip {
		k.sip[d] = sipKey{run.sum64([]byte{byte(d), 0}), run.sum64([]byte{byte(d), 1})}
	}
	return k
}

// identifies tells the domains whose hashes identify a person.
func identifies(dom int) bool {
	return 1<<dom&(1<<domNIR|1<<domEmail|1<<domPhone|1<<domPerson) != 0
}

// tagKind names the kind of identifier a tag stands for in a report.
func tagKind(tag uint64) string {
	switch tag {
	case idTag(domNIR):
		return string(pii.NIR)
	case idTag(domEmail):
		return string(pii.Email)
	case idTag(domPhone):
		return string(pii.Phone)
	}
	return "name_and_birth_date"
}

// The hash of an identifier carries its domain in its low bits, so that
// the people's union-find, which files every identifier anyway, also
// counts the distinct NIRs, e-mail addresses and phone numbers: a second
// table of the same hashes would cost a cache miss per value for nothing.
const (
	tagBits = 3
	tagMask = 1<<tagBits - 1
)

// idTag is the tag of an identifying domain (never 0: a hash is never 0).
func idTag(dom int) uint64 {
	switch dom {
	case domNIR:
		return 1
	case domEmail:
		return 2
	case domPhone:
		return 3
	}
	return 4 // domPerson
}

// hash returns the keyed hash of v, a normalised value of domain dom (a
// category index, or domPerson), with SipHash for the domains that
// identify a person, else with the domain's seeded hash. seen tells that
// this goroutine hashed the same value recently. A hash is never 0 (0
// ends a group of identifiers).
func (k *keyed) hash(dom int, v []byte) (h uint64, seen bool) {
	u := &k.use[dom]
	if u.skip > 0 {
		u.skip--
		if identifies(dom) {
			return k.sum(dom, v), false
		}
		return maphash.Bytes(k.seeds[dom], v) | 1, false
	}
	fast := maphash.Bytes(k.seeds[dom], v) | 1 // 0 marks an empty slot
	slot := &k.cache[(fast>>1)&(keyedCache-1)] // bit 0 is always 1
	if u.lookups++; u.lookups == cacheProbe {
		if u.hits*cacheWorth < cacheProbe {
			u.skip = cacheRest
		}
		u.lookups, u.hits = 0, 0
	}
	if slot.fast == fast {
		u.hits++
		return slot.h, true
	}
	h = fast
	if identifies(dom) {
		h = k.sum(dom, v)
	}
	slot.fast, slot.h = fast, h
	return h, false
}

// sum is the SipHash of an identifying value under its domain's key,
// tagged with its domain.
func (k *keyed) sum(dom int, v []byte) uint64 {
	return k.sip[dom].sum64(v)&^tagMask | idTag(dom)
}

// newRunKey draws the run's 128-bit key.
func newRunKey() []byte {
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the runtime's source does not fail
	}
	return key
}

// hll is a HyperLogLog sketch with 2^16 registers (64 KiB, 0.4 % error).
type hll struct {
	reg [1 << hllP]uint8
}

const hllP = 16

func (h *hll) add(x uint64) {
	x = mix(x)
	i := x >> (64 - hllP)
	w := x<<hllP | 1<<(hllP-1)
	r := uint8(bits.LeadingZeros64(w)) + 1
	if r > h.reg[i] {
		h.reg[i] = r
	}
}

// mix spreads the bits of an already uniform hash once more, so that the
// bits exact sets index by and those used here stay unrelated.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return x
}

func (h *hll) merge(o *hll) {
	for i, r := range o.reg {
		if r > h.reg[i] {
			h.reg[i] = r
		}
	}
}

func (h *hll) estimate() int64 {
	const m = float64(1 << hllP)
	sum, zeros := 0.0, 0
	for _, r := range h.reg {
		sum += 1 / float64(uint64(1)<<r)
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros)) // linear counting for small sets
	}
	return int64(e + 0.5)
}

// distinct counts distinct hashes: exactly while it may, then by sketch.
type distinct struct {
	exact   hashSet
	sketch  *hll
	offered int // the hashes addAll took into the exact set
}

func (d *distinct) add(x uint64, b *budget) {
	if d.sketch != nil {
		d.sketch.add(x)
		return
	}
	if b.used < b.max {
		if d.exact.add(x) {
			b.used++
		}
		return
	}
	if !d.exact.has(x) {
		d.toSketch(b)
		d.sketch.add(x)
	}
}

// addAll adds xs, ordered by their top bits (see hashSet.reserve): in
// one pass when the budget holds them all. expect is how many distinct
// hashes the input projects (distinct.expect), 0 when unknown.
func (d *distinct) addAll(xs []uint64, b *budget, expect int) {
	if d.sketch == nil && len(xs) <= b.max-b.used {
		s := &d.exact
		s.reserve(presized(len(xs), s.n, len(s.slots), expect, b.max-b.used))
		b.used += s.insert(xs)
		d.offered += len(xs)
		return
	}
	d.reserve(len(xs), b)
	for _, x := range xs {
		d.add(x, b)
	}
}

// reserve makes room for n more hashes in the exact set, as far as the
// budget allows.
func (d *distinct) reserve(n int, b *budget) {
	if d.sketch == nil {
		d.exact.reserve(min(n, b.max-b.used))
	}
}

// expect returns how many distinct hashes the input holds if it holds
// values hashes in all (shareOf).
func (d *distinct) expect(values int) int { return shareOf(values, d.exact.n, d.offered) }

// shareOf returns how many distinct keys values keys hold when offered
// ones held distinct of them: as many as that share makes, 0 when
// unknown. Distinct IBANs grow with the rows, surnames soon stop.
func shareOf(values, distinct, offered int) int {
	if offered == 0 || values <= 0 {
		return 0
	}
	return int(float64(values) * float64(distinct) / float64(offered))
}

func (d *distinct) toSketch(b *budget) {
	d.sketch = &hll{}
	d.exact.each(d.sketch.add)
	b.used -= d.exact.len()
	d.exact = hashSet{}
}

func (d *distinct) count() (n int64, exact bool) {
	if d.sketch != nil {
		return d.sketch.estimate(), false
	}
	return int64(d.exact.len()), true
}

// budget is the number of hashes the exact sets may hold together.
type budget struct{ used, max int }

// people estimates the distinct people: the identifiers a record carries
// together (NIR, e-mail, phone; name with date of birth when it has none
// of those) are joined in a union-find, so one person seen in a users
// table (NIR and e-mail) and in a log (e-mail only) counts once. Past the
// budget it falls back to a sketch of each record's main identifier (NIR,
// else e-mail, else phone, else name with date of birth), which counts
// such a person twice. It also counts the distinct identifiers of each
// kind (idTag): exactly by its nodes, past the budget by a sketch each.
type people struct {
	node    hashIndex
	parent  []int32
	links   []uint8 // by node: the records in which it joined people apart, up to hubLinks
	roots   int
	sketch  *hll
	nodes   []int32            // add's scratch
	shared  [tagMask + 1]int64 // hubs by tag, met before the sketch took over
	tags    [tagMask + 1]int   // distinct identifiers by tag, while exact
	tagHLL  [tagMask + 1]*hll  // the same past the budget
	touched uint64             // what hashIndex.touch read, kept so that it is read
	expect  int                // the distinct identifiers the worker's input projects (presized), 0 when unknown
	offered int                // the groups' entries, identifiers and ends, addBatch took
}

// presized returns how many more keys a table of slots slots holding n
// is to make room for when add more come: add, or, when it must grow,
// as many as the input projects (expect, 0 when unknown), within room,
// what the budget has left. Doubling, a table that grows to two million
// slots is made and filled eleven times, each time in pages the system
// zeroes; the order table of 630,000 customers spent a twelfth of its
// time in that.
func presized(add, n, slots, expect, room int) int {
	if expect <= 0 || (n+add)*4 <= slots*3 {
		return add
	}
	return max(add, min(expect, room+n)-n)
}

// hubLinks is how many records an identifier may join to people it was
// not with before; past it, the identifier is a hub and joins no more.
// One person's identifiers meet few others (an e-mail address with a
// phone, a NIR, a later number); a town hall's switchboard in every
// signature, a family's shared line for the first few, or a placeholder
// (0000000000) would otherwise make thousands of people one.
const hubLinks = 8

// nodeOf returns the node of identifier x, made a person of its own if
// it is new.
func (p *people) nodeOf(x uint64, b *budget) int32 {
	i, added := p.node.getOrPut(x, int32(len(p.parent)))
	if added {
		if len(p.parent) == cap(p.parent) {
			p.growNodes()
		}
		p.parent = append(p.parent, i)
		p.links = append(p.links, 0)
		p.roots++
		p.tags[x&tagMask]++
		b.used++
	}
	return i
}

// growNodes gives the nodes' arrays the capacity of the index, which
// doubles: grown by append, 1.25 times at a time past a few hundred
// kilobytes, they were copied into fresh memory five times their size
// over a scan, and the page faults of that memory cost more than the
// copies.
func (p *people) growNodes() {
	c := max(p.node.capacity(), len(p.parent)+1)
	parent, links := make([]int32, len(p.parent), c), make([]uint8, len(p.links), c)
	copy(parent, p.parent)
	copy(links, p.links)
	p.parent, p.links = parent, links
}

// sketchTag files identifier x in the sketch of its tag.
func (p *people) sketchTag(x uint64) {
	t := x & tagMask
	if p.tagHLL[t] == nil {
		p.tagHLL[t] = &hll{}
	}
	p.tagHLL[t].add(x)
}

// distinct counts the distinct identifiers of tag t.
func (p *people) distinct(t uint64) (int64, bool) {
	switch {
	case p.sketch == nil:
		return int64(p.tags[t]), true
	case p.tagHLL[t] == nil:
		return 0, true // none met
	}
	return p.tagHLL[t].estimate(), false
}

// joinNodes joins the people of one record's identifiers, hubs left
// out. With link, an identifier that joins people apart counts a link,
// and so does the record's first, which they joined (not when workers'
// groups are merged: their joins were counted).
func (p *people) joinNodes(nodes []int32, link bool) {
	var root, first int32 = -1, -1
	for _, n := range nodes {
		if p.links[n] >= hubLinks {
			continue
		}
		switch r := p.find(n); {
		case root < 0:
			root, first = r, n
		case r != root:
			p.parent[r] = root
			p.roots--
			if link {
				// Both were below hubLinks, and first counts once.
				p.links[n]++
				if first >= 0 {
					p.links[first]++
					first = -1
				}
			}
		}
	}
}

// addHub files x, a hub of another worker's, as a hub.
func (p *people) addHub(x uint64, b *budget) {
	p.add([]uint64{x}, b, false)
	if p.sketch == nil {
		i, _ := p.node.get(x)
		p.links[i] = hubLinks
	}
}

// sharedCount counts the hubs by tag, with those met before the sketch
// took over.
func (p *people) sharedCount() [tagMask + 1]int64 {
	n := p.hubs()
	for t := range n {
		n[t] += p.shared[t]
	}
	return n
}

// hubs counts by tag the identifiers that stopped joining people.
func (p *people) hubs() [tagMask + 1]int64 {
	var n [tagMask + 1]int64
	p.node.each(func(x uint64, i int32) {
		if p.links[i] >= hubLinks {
			n[x&tagMask]++
		}
	})
	return n
}

func (p *people) find(i int32) int32 {
	for p.parent[i] != i {
		p.parent[i] = p.parent[p.parent[i]]
		i = p.parent[i]
	}
	return i
}

// add files one record's identifiers, main first; link as for joinNodes.
func (p *people) add(ids []uint64, b *budget, link bool) {
	if len(ids) == 0 {
		return
	}
	if p.sketch == nil && b.used+len(ids) > b.max {
		p.toSketch(b)
	}
	if p.sketch != nil {
		p.sketch.add(ids[0])
		for _, x := range ids {
			p.sketchTag(x)
		}
		return
	}
	nodes := p.nodes[:0]
	for _, x := range ids {
		nodes = append(nodes, p.nodeOf(x, b))
	}
	p.joinNodes(nodes, link)
	p.nodes = nodes
}

// peopleBatch is the scratch space of people.addBatch.
type peopleBatch struct {
	keys    []uint64 // the batch's identifiers, ordered by top bits
	at      []int32  // where each one is in the groups
	idx     []int32  // the node of each identifier, by position in the groups
	buckets [1 << bucketBits]int32
}

// addBatch files groups of identifiers, each ended by a 0, as add would
// one by one. The nodes of all identifiers are looked up first, in order
// of their top bits, which choose their slot, so the lookups walk the
// index instead of missing the cache on each; the groups are then joined
// on the nodes. Near the budget it falls back to add.
func (p *people) addBatch(groups []uint64, b *budget, s *peopleBatch) {
	p.offered += len(groups)
	if p.sketch != nil || b.used+len(groups) > b.max {
		start := 0
		for i, x := range groups {
			if x == 0 {
				p.add(groups[start:i], b, true)
				start = i + 1
			}
		}
		return
	}
	// Order the positions of the identifiers by their top bits.
	s.buckets = [1 << bucketBits]int32{}
	for _, x := range groups {
		if x != 0 {
			s.buckets[x>>(64-bucketBits)]++
		}
	}
	var sum int32
	for i, c := range s.buckets {
		s.buckets[i] = sum
		sum += c
	}
	if cap(s.keys) < int(sum) {
		s.keys, s.at = make([]uint64, sum), make([]int32, sum)
	}
	s.keys, s.at = s.keys[:sum], s.at[:sum]
	for i, x := range groups {
		if x != 0 {
			k := x >> (64 - bucketBits)
			s.keys[s.buckets[k]], s.at[s.buckets[k]] = x, int32(i)
			s.buckets[k]++
		}
	}
	if cap(s.idx) < len(groups) {
		s.idx = make([]int32, len(groups))
	}
	s.idx = s.idx[:len(groups)]
	p.node.reserve(presized(len(s.keys), p.node.n, len(p.node.keys), p.expect, b.max-b.used))
	for c := 0; c < len(s.keys); c += touchRun {
		e := min(c+touchRun, len(s.keys))
		p.touched ^= p.node.touch(s.keys[c:e])
		for k := c; k < e; k++ {
			s.idx[s.at[k]] = p.nodeOf(s.keys[k], b)
		}
	}
	start := 0
	for i, x := range groups {
		if x == 0 {
			p.joinNodes(s.idx[start:i], true)
			start = i + 1
		}
	}
}

// toSketch keeps one hash per person found so far.
func (p *people) toSketch(b *budget) {
	p.sketch = &hll{}
	seen := make([]bool, len(p.parent))
	p.node.each(func(x uint64, i int32) {
		if r := p.find(i); !seen[r] {
			seen[r] = true
			p.sketch.add(x)
		}
		p.sketchTag(x)
	})
	b.used -= p.node.len()
	for t, n := range p.hubs() {
		p.shared[t] += n
	}
	p.node, p.parent, p.links, p.tags = hashIndex{}, nil, nil, [tagMask + 1]int{}
}

func (p *people) count() (int64, bool) {
	if p.sketch != nil {
		return p.sketch.estimate(), false
	}
	return int64(p.roots), true
}

// maxSamples is how many masked samples a category keeps.
const maxSamples = 3

// tally is the run's shared state: the masked samples, which workers hand
// over under its lock. Each worker counts distinct values and people on
// its own (worker.dist, worker.people), merged once at the end.
type tally struct {
	mu      sync.Mutex
	samples map[pii.Category][]string
}

func newTally() *tally {
	return &tally{samples: map[pii.Category][]string{}}
}

// batch is what a worker gathers before it takes the tally's lock.
type batch struct {
	masks []catMask
}

type catMask struct {
	c    pii.Category
	mask string
}

func (t *tally) flush(b *batch) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range b.masks {
		s := t.samples[m.c]
		if len(s) < maxSamples && !contains(s, m.mask) {
			t.samples[m.c] = append(s, m.mask)
		}
	}
	b.masks = b.masks[:0]
}

// mergePeople joins every worker's union-find into one, within a budget
// of max hashes, and returns it; the others are emptied. Each identifier
// of a worker joins its person's first identifier in the first worker's
// union-find, which rebuilds the same groups there: a person seen by two
// workers counts once.
func mergePeople(ps []*people, max int) *people {
	if len(ps) == 0 {
		return &people{}
	}
	// The biggest takes the others in, so the fewest move.
	for i, p := range ps {
		if p.node.len() > ps[0].node.len() {
			ps[0], ps[i] = p, ps[0]
		}
	}
	into := ps[0]
	b := &budget{max: max, used: into.node.len()}
	var pair [2]uint64
	for _, p := range ps[1:] {
		if p.sketch == nil && into.sketch == nil {
			// p's identifiers come in slot order, which is the order of
			// their top bits: the index must be at its final size first
			// (see hashSet.reserve), or they pile up at its start.
			into.node.reserve(min(p.node.len(), b.max-b.used))
			key := make([]uint64, len(p.parent))
			p.node.each(func(x uint64, i int32) { key[i] = x })
			// A group joins through one of its identifiers that is no
			// hub, if it has one; hubs stay hubs.
			rep := make([]int32, len(p.parent))
			for i := range rep {
				rep[i] = -1
			}
			for i := range p.parent {
				if r := p.find(int32(i)); rep[r] < 0 || p.links[rep[r]] >= hubLinks && p.links[i] < hubLinks {
					rep[r] = int32(i)
				}
			}
			p.node.each(func(x uint64, i int32) {
				if p.links[i] >= hubLinks {
					into.addHub(x, b)
					return
				}
				pair[0], pair[1] = key[rep[p.find(i)]], x
				into.add(pair[:], b, false)
			})
		} else {
			if into.sketch == nil {
				into.toSketch(b)
			}
			if p.sketch == nil {
				p.toSketch(&budget{})
			}
			for t, n := range p.shared {
				into.shared[t] += n
			}
			into.sketch.merge(p.sketch)
			for t, h := range p.tagHLL {
				if h != nil {
					if into.tagHLL[t] == nil {
						into.tagHLL[t] = &hll{}
					}
					into.tagHLL[t].merge(h)
				}
			}
		}
		*p = people{}
	}
	return into
}

// mergeDistinct counts the distinct values of one category over every
// worker's set, within a budget of max hashes; the sets are emptied.
func mergeDistinct(sets []*distinct, max int) (int64, bool) {
	if len(sets) == 0 {
		return 0, true
	}
	// The biggest takes the others in, so the fewest move.
	for i, d := range sets {
		if d.exact.len() > sets[0].exact.len() {
			sets[0], sets[i] = d, sets[0]
		}
	}
	into := sets[0]
	b := &budget{max: max, used: into.exact.len()}
	for _, d := range sets[1:] {
		switch {
		case d.sketch != nil:
			if into.sketch == nil {
				into.toSketch(b)
			}
			into.sketch.merge(d.sketch)
		default:
			// d's hashes come in slot order, the order of their top
			// bits: the set grows to its final size first (see
			// hashSet.reserve), or they pile up at its start.
			into.reserve(d.exact.len(), b)
			d.exact.each(func(x uint64) { into.add(x, b) })
		}
		*d = distinct{}
	}
	return into.count()
}

// wantsSample tells whether a category still lacks samples (read without
// the lock: a stale answer only costs a mask).
func (t *tally) sampleCount(c pii.Category) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.samples[c])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedSamples(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
