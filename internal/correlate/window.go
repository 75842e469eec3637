package correlate

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"tocsin/internal/sigma"
)

// corr is the state of one correlation rule.
type corr struct {
	rule *sigma.Rule
	typ  string
	cond *sigma.CorrCondition // never nil: temporal types get "gte: all"
	span time.Duration
	// atClose: the condition has an upper bound or an equality, so it is
	// decided when an anchored window ends; else as soon as it holds, on a
	// sliding window.
	atClose bool
	npos    int // temporal types: positions to fill (distinct rules, or entries of rules: when ordered)

	groups    map[string]*group
	lru       group     // sentinel of the recency list: lru.next is the most recently updated
	heap      groupHeap // by deadline, for Advance
	maxGroups int
	maxRefs   int
	maxValues int           // first_seen
	learning  time.Duration // first_seen
	stats     Stats
}

// group is the window of one group-by tuple.
type group struct {
	key      string
	vals     []string  // group-by values, slices of key
	anchor   time.Time // earliest hit: an anchored window is [anchor, anchor+T]
	newest   time.Time // latest hit: a sliding window is [newest-T, newest]
	deadline time.Time // after it nothing is left to decide: anchor+T or newest+T
	born     uint64    // creation order, breaks deadline ties
	hidx     int       // index in corr.heap
	prev     *group    // recency list
	next     *group

	// event_count and value_* types.
	entries  []entry         // sliding: the window's hits by (t, seq); anchored: the first few, for Result.Events only
	kept     int             // anchored: refs held in entries
	n        int             // hits in the window
	distinct map[string]mark // value_count: the latest hit of each value
	sum      float64         // value_sum, value_avg
	nums     []float64       // value_percentile: the window's values, sorted

	// first_seen: each value with the time it was last seen.
	seen map[string]time.Time

	// temporal types.
	latest []*tnode // latest hit per position
	best   []*tnode // temporal_ordered: per position, the in-order chain ending there that started last
}

type entry struct {
	t    time.Time
	seq  uint64
	val  string  // value_count
	num  float64 // value_sum, value_avg, value_percentile
	refs []Ref
}

// mark identifies an entry; value_count keeps the latest one per value.
type mark struct {
	t   time.Time
	seq uint64
}

// tnode is a temporal hit; for temporal_ordered also the end of a chain of
// hits in rule order, linked through prev, starting at start.
type tnode struct {
	t     time.Time
	seq   uint64
	refs  []Ref
	start time.Time
	prev  *tnode
}

func compareEntry(a entry, m mark) int {
	if c := a.t.Compare(m.t); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, m.seq)
}

// observe applies one hit to one correlation.
func (e *Engine) observe(in *input, h Hit, out *[]Result) {
	c := in.c
	c.stats.Hits++
	x := entry{t: h.Time, refs: h.Events}
	switch c.typ {
	case sigma.ValueCount:
		v, ok := get(h.Fields, in.value)
		if !ok {
			c.stats.Ignored++
			return
		}
		x.val = v
	case sigma.ValueSum, sigma.ValueAvg, sigma.ValuePercentile:
		v, _ := get(h.Fields, in.value)
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			c.stats.Ignored++
			return
		}
		x.num = f
	case sigma.FirstSeen:
		e.firstSeen(in, h, out)
		return
	}
	key := e.groupKey(in, h.Fields)
	g := c.groups[string(key)]
	if g != nil && c.atClose && h.Time.After(g.anchor.Add(c.span)) {
		// The hit proves event time has left the window: decide it.
		c.decide(g, out)
		c.remove(g)
		g = nil
	}
	e.seq++
	x.seq = e.seq
	if g == nil {
		g = c.create(string(key), len(in.fields), h.Time, e.seq)
	} else if c.late(g, h.Time) {
		c.stats.Late++
		return
	}
	g.add(c, x, in.pos)
	c.touch(g)
	if !c.atClose {
		if v, ok := g.value(c); ok && c.cond.Holds(v) {
			c.fire(g, v, out)
			c.remove(g) // the next Result needs fresh hits
		}
	}
}

func get(f Getter, name string) (string, bool) {
	if f == nil {
		return "", false
	}
	return f.Get(name)
}

// late reports whether a hit at t falls before g's window.
func (c *corr) late(g *group, t time.Time) bool {
	if c.atClose {
		// Hits after the window closed it already; an earlier hit may
		// move the anchor back if everything still fits in T.
		return g.newest.Sub(t) > c.span
	}
	return t.Before(g.newest.Add(-c.span))
}

// lo is the start of g's window.
func (c *corr) lo(g *group) time.Time {
	if c.atClose {
		return g.anchor
	}
	return g.newest.Add(-c.span)
}

func (c *corr) create(key string, nfields int, t time.Time, seq uint64) *group {
	if len(c.groups) >= c.maxGroups {
		c.stats.Evicted++
		c.remove(c.lru.prev)
	}
	g := &group{key: key, vals: splitKey(key, nfields), anchor: t, newest: t, born: seq}
	switch c.typ {
	case sigma.ValueCount:
		g.distinct = map[string]mark{}
	case sigma.Temporal:
		g.latest = make([]*tnode, c.npos)
	case sigma.TemporalOrdered:
		g.latest = make([]*tnode, c.npos)
		g.best = make([]*tnode, c.npos)
	}
	c.groups[key] = g
	g.prev, g.next = &c.lru, c.lru.next
	g.prev.next, g.next.prev = g, g
	g.hidx = -1
	if c.typ == sigma.FirstSeen {
		g.seen = map[string]time.Time{}
		return g // decided per hit, kept until evicted: no deadline
	}
	g.deadline = t.Add(c.span)
	heap.Push(&c.heap, g)
	return g
}

// touch marks g as the most recently updated and refreshes its deadline.
func (c *corr) touch(g *group) {
	g.prev.next, g.next.prev = g.next, g.prev
	g.prev, g.next = &c.lru, c.lru.next
	g.prev.next, g.next.prev = g, g
	if g.hidx < 0 {
		return
	}
	d := g.newest.Add(c.span)
	if c.atClose {
		d = g.anchor.Add(c.span)
	}
	if !d.Equal(g.deadline) {
		g.deadline = d
		heap.Fix(&c.heap, g.hidx)
	}
}

func (c *corr) remove(g *group) {
	delete(c.groups, g.key)
	if g.hidx >= 0 {
		heap.Remove(&c.heap, g.hidx)
	}
	g.prev.next, g.next.prev = g.next, g.prev
	g.prev, g.next = nil, nil
}

// decide fires g if its closed window meets the condition.
func (c *corr) decide(g *group, out *[]Result) {
	if v, ok := g.value(c); ok && c.cond.Holds(v) {
		c.fire(g, v, out)
	}
}

func (g *group) add(c *corr, x entry, pos []int) {
	if x.t.After(g.newest) {
		g.newest = x.t
	}
	if x.t.Before(g.anchor) {
		g.anchor = x.t
	}
	switch c.typ {
	case sigma.Temporal, sigma.TemporalOrdered:
		g.addTemporal(c, x, pos)
		return
	case sigma.ValueCount:
		old, seen := g.distinct[x.val]
		switch {
		case !seen:
			x.val = strings.Clone(x.val) // the caller may reuse its buffer
			g.distinct[x.val] = mark{x.t, x.seq}
		case c.atClose:
			x.val = ""
		case compareEntry(x, old) < 0:
			return // a later hit of this value already counts longer
		default:
			// Keep one entry per value, the latest: it stays in the
			// window longest, and the window stays as small as its
			// distinct values.
			i, _ := slices.BinarySearchFunc(g.entries, old, compareEntry)
			x.val = g.entries[i].val
			g.entries = slices.Delete(g.entries, i, i+1)
			g.n--
			g.distinct[x.val] = mark{x.t, x.seq}
		}
	case sigma.ValueSum, sigma.ValueAvg:
		g.sum += x.num
	case sigma.ValuePercentile:
		i, _ := slices.BinarySearch(g.nums, x.num)
		g.nums = slices.Insert(g.nums, i, x.num)
	}
	g.n++
	if c.atClose {
		// Nothing leaves an anchored window: aggregates suffice, and
		// entries are kept only to name the first events.
		if len(g.entries) < c.maxRefs && g.kept < c.maxRefs {
			g.entries = append(g.entries, x)
			g.kept += len(x.refs)
		}
		return
	}
	if n := len(g.entries); n == 0 || !x.t.Before(g.entries[n-1].t) {
		g.entries = append(g.entries, x)
	} else {
		i, _ := slices.BinarySearchFunc(g.entries, mark{x.t, x.seq}, compareEntry)
		g.entries = slices.Insert(g.entries, i, x)
	}
	g.prune(c, c.lo(g))
}

// prune drops the hits that slid out of a sliding window.
func (g *group) prune(c *corr, lo time.Time) {
	i := 0
	for i < len(g.entries) && g.entries[i].t.Before(lo) {
		x := &g.entries[i]
		switch c.typ {
		case sigma.ValueCount:
			delete(g.distinct, x.val)
		case sigma.ValueSum, sigma.ValueAvg:
			g.sum -= x.num
		case sigma.ValuePercentile:
			j, _ := slices.BinarySearch(g.nums, x.num)
			g.nums = slices.Delete(g.nums, j, j+1)
		}
		i++
	}
	if i == 0 {
		return
	}
	clear(g.entries[:i]) // release their refs
	g.entries = g.entries[i:]
	g.n -= i
	if len(g.entries) == 1 {
		g.sum = g.entries[0].num // shed the rounding of the subtractions
	}
}

func (g *group) addTemporal(c *corr, x entry, pos []int) {
	nd := &tnode{t: x.t, seq: x.seq, refs: x.refs, start: x.t}
	for _, p := range pos {
		if l := g.latest[p]; l == nil || !x.t.Before(l.t) {
			g.latest[p] = nd
		}
	}
	if c.typ != sigma.TemporalOrdered {
		return
	}
	// For each position keep the chain with the latest start: it is the
	// one most likely to be completed within T. pos is descending so a
	// hit filling two positions never follows itself.
	lo := c.lo(g)
	for _, p := range pos {
		cand := nd
		if p > 0 {
			prev := g.best[p-1]
			if prev == nil || prev.start.Before(lo) || prev.t.After(x.t) {
				continue
			}
			cand = &tnode{t: x.t, seq: x.seq, refs: x.refs, start: prev.start, prev: prev}
		}
		b := g.best[p]
		if b == nil || b.start.Before(lo) || cand.start.After(b.start) ||
			cand.start.Equal(b.start) && cand.t.Before(b.t) {
			g.best[p] = cand
		}
	}
}

// value is the aggregate the condition tests; false when there is none
// (no numeric value to average).
func (g *group) value(c *corr) (float64, bool) {
	switch c.typ {
	case sigma.EventCount:
		return float64(g.n), true
	case sigma.ValueCount:
		return float64(len(g.distinct)), true
	case sigma.ValueSum:
		return g.sum, true
	case sigma.ValueAvg:
		if g.n == 0 {
			return 0, false
		}
		return g.sum / float64(g.n), true
	case sigma.ValuePercentile:
		if len(g.nums) == 0 {
			return 0, false
		}
		return nearestRank(g.nums, c.cond.Percentile), true
	}
	lo, v := c.lo(g), 0
	if c.typ == sigma.Temporal {
		for _, l := range g.latest {
			if l != nil && !l.t.Before(lo) {
				v++
			}
		}
		return float64(v), true
	}
	for p, b := range g.best {
		if b != nil && !b.start.Before(lo) {
			v = p + 1
		}
	}
	return float64(v), true
}

// nearestRank returns the p-th percentile of sorted values: the smallest
// value with at least p% of the values at or below it.
func nearestRank(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func (c *corr) fire(g *group, v float64, out *[]Result) {
	c.stats.Fired++
	r := Result{Rule: c.rule, Value: v, Group: make([]KV, len(g.vals))}
	for i, f := range c.rule.Correlation.GroupBy {
		r.Group[i] = KV{f, g.vals[i]}
	}
	refs := refList{max: c.maxRefs}
	switch c.typ {
	case sigma.Temporal, sigma.TemporalOrdered:
		nodes := g.evidence(c, int(v))
		r.First, r.Last = nodes[0].t, nodes[len(nodes)-1].t
		for _, n := range nodes {
			refs.add(n.refs)
		}
	default:
		if c.atClose {
			slices.SortFunc(g.entries, func(a, b entry) int { return compareEntry(a, mark{b.t, b.seq}) })
			r.First, r.Last = g.anchor, g.newest
		} else {
			r.First, r.Last = g.entries[0].t, g.entries[len(g.entries)-1].t
		}
		for _, x := range g.entries {
			refs.add(x.refs)
		}
	}
	r.Events = refs.list
	*out = append(*out, r)
}

// evidence returns the temporal hits behind value v, oldest first: the
// in-order chain for temporal_ordered, else the latest hit of each rule.
func (g *group) evidence(c *corr, v int) []*tnode {
	var nodes []*tnode
	if c.typ == sigma.TemporalOrdered && v > 0 {
		for n := g.best[v-1]; n != nil; n = n.prev {
			nodes = append(nodes, n)
		}
		slices.Reverse(nodes)
		return nodes
	}
	lo := c.lo(g)
	for _, l := range g.latest {
		if l != nil && !l.t.Before(lo) && !slices.Contains(nodes, l) {
			nodes = append(nodes, l)
		}
	}
	slices.SortFunc(nodes, func(a, b *tnode) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return nodes
}

// firstSeen applies a hit to a first_seen correlation.
func (e *Engine) firstSeen(in *input, h Hit, out *[]Result) {
	c := in.c
	v, ok := get(h.Fields, in.value)
	if !ok || v == "" {
		c.stats.Ignored++
		return
	}
	key := e.groupKey(in, h.Fields)
	e.seq++
	g := c.groups[string(key)]
	if g == nil {
		g = c.create(string(key), len(in.fields), h.Time, e.seq)
	}
	if h.Time.After(g.newest) {
		g.newest = h.Time
	}
	if h.Time.Before(g.anchor) {
		g.anchor = h.Time
	}
	c.touch(g)
	last, known := g.seen[v]
	if known && h.Time.Sub(last) <= c.span {
		if h.Time.After(last) {
			g.seen[v] = h.Time
		}
		g.n++
		return
	}
	if !known {
		if len(g.seen) >= c.maxValues {
			c.forget(g, h.Time)
		}
		v = strings.Clone(v) // the caller may reuse its buffer
	}
	g.seen[v] = h.Time
	g.n++
	if g.n == 1 || !h.Time.After(g.anchor.Add(c.learning)) {
		return // still learning what is usual for the group
	}
	c.stats.Fired++
	r := Result{Rule: c.rule, Value: float64(len(g.seen)), First: h.Time, Last: h.Time,
		Group: make([]KV, 0, len(g.vals)+1)}
	field := c.rule.Correlation.Condition.Field
	dup := false
	for i, f := range c.rule.Correlation.GroupBy {
		r.Group = append(r.Group, KV{f, g.vals[i]})
		dup = dup || f == field
	}
	if !dup {
		r.Group = append(r.Group, KV{field, v})
	}
	refs := refList{max: c.maxRefs}
	refs.add(h.Events)
	r.Events = refs.list
	*out = append(*out, r)
}

// forget makes room in a first_seen group: values not seen within the
// timespan before t go first, else the least recently seen one.
func (c *corr) forget(g *group, t time.Time) {
	var oldest string
	var ot time.Time
	for v, last := range g.seen {
		if t.Sub(last) > c.span {
			delete(g.seen, v)
			continue
		}
		// Equal times go by value, so that replays agree.
		if oldest == "" || last.Before(ot) || last.Equal(ot) && v < oldest {
			oldest, ot = v, last
		}
	}
	if len(g.seen) >= c.maxValues {
		delete(g.seen, oldest)
		c.stats.Evicted++
	}
}

// refList collects refs without duplicates, up to max.
type refList struct {
	max  int
	list []Ref
	seen map[Ref]struct{}
}

func (l *refList) add(refs []Ref) {
	for _, r := range refs {
		if len(l.list) >= l.max {
			return
		}
		if l.seen == nil {
			l.seen = map[Ref]struct{}{}
		}
		if _, dup := l.seen[r]; !dup {
			l.seen[r] = struct{}{}
			l.list = append(l.list, r)
		}
	}
}

// groupHeap orders groups by deadline, then creation.
type groupHeap []*group

func (h groupHeap) Len() int { return len(h) }
func (h groupHeap) Less(i, j int) bool {
	if c := h[i].deadline.Compare(h[j].deadline); c != 0 {
		return c < 0
	}
	return h[i].born < h[j].born
}
func (h groupHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = i, j
}
func (h *groupHeap) Push(x any) {
	g := x.(*group)
	g.hidx = len(*h)
	*h = append(*h, g)
}
func (h *groupHeap) Pop() any {
	old := *h
	g := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return g
}
