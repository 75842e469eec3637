// Package correlate runs Sigma correlation rules (specification 2.1) over the
// detections of other rules, on event time: the clock is the time of the hits
// and of Advance, never the wall clock, so a replay gives the same results as
// live traffic.
//
// # Windows
//
// A window of timespan T is closed at both ends: hits at f and f+T are in the
// same window. Two kinds of window are used, depending on the condition:
//
//   - A condition with only lower bounds (gt, gte; temporal types without a
//     condition, which mean "all rules") is decided as soon as it holds, on a
//     sliding window: after each hit at time t the window is [t-T, t], where t
//     is the latest time the group has seen. When it fires, the group's state
//     is dropped, so the next Result needs fresh hits. For value_avg and
//     value_percentile this means "the average (percentile) of the last T
//     exceeded the threshold at some point".
//   - A condition with an upper bound or an equality (lt, lte, eq, neq, or a
//     range) can only be decided once no more hits can enter the window. Such a
//     window is anchored on the group's first hit f, covers [f, f+T] and is
//     decided when event time passes f+T (Advance(t) with t > f+T, or a hit of
//     the same group after f+T), or at Flush. Either way the group then starts
//     over. A group that never received a hit has no window: "fewer than N"
//     cannot fire for silence.
//
// # Groups
//
// Hits are grouped by the values of the group-by fields, read with
// Fields.Get. An alias in group-by names, per referenced rule, the field to
// read (aliases also apply to condition.field). A missing field groups on the
// empty value, so such hits still count, together with hits where the field is
// empty. Without group-by there is one group per correlation.
//
// # Order
//
// Hits may arrive out of order. A hit earlier than its group's window (before
// t-T for a sliding window, or too early to fit in T with the hits already
// there for an anchored one) is dropped and counted in Stats.Late; it never
// counts. Hits with equal times are ordered by arrival, which matters for
// temporal_ordered. temporal_ordered keeps, per rule position, only the
// in-order chain that started last (constant memory per group): a late hit
// extends chains built from hits that arrived before it, but is not slotted
// in front of a later position's hit that is already in. Disorder can thus
// miss a sequence, never invent one.
//
// # first_seen
//
// first_seen is an extension of Tocsin, not of the specification. Per group
// it remembers the values of condition.field with the time each was last
// seen, and fires on a hit whose value the group has not seen within the
// timespan, unless the hit falls within Learning of the group's first hit
// (the first value is always learnt). It decides at once, keeps its groups
// until MaxGroups pushes them out (forgetting a group would restart its
// learning), and holds at most MaxValues values per group, forgetting
// expired values first and then the least recently seen (counted in
// Stats.Evicted). The Result's Group adds the field and its new value to the
// group-by values.
//
// # Chaining
//
// A correlation may reference another: the inner Result becomes a hit at its
// Last time, whose Fields are its group-by values and whose Events its
// events. Observe, Advance and Flush return inner and outer Results alike;
// the caller leaves out those of rules for which Suppressed is true.
//
// An Engine is synchronous and not safe for concurrent use.
package correlate

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"tocsin/internal/sigma"
)

// Getter reads a field value; *event.Event satisfies it.
type Getter interface {
	Get(name string) (string, bool)
}

// Ref points at an input event: 1-based line in its file.
type Ref struct {
	File string
	Line int
}

// Hit is one input: a detection of a referenced rule, or the Result of a
// correlation (chaining). The engine reads Fields during Observe only (it
// copies the values it keeps) but keeps Events: do not modify it afterwards.
type Hit struct {
	Rule   *sigma.Rule
	Time   time.Time
	Fields Getter
	Events []Ref
}

// KV is one group-by field with its value.
type KV struct{ Field, Value string }

// Result is a correlation that fired.
type Result struct {
	Rule *sigma.Rule
	// Group holds the group-by fields in the rule's order, with their
	// values; fields are named as written in group-by (aliases included).
	Group []KV
	// Value is the count, distinct count, sum, average or percentile that
	// met the condition; for temporal types the number of referenced rules
	// seen (temporal_ordered: the length of the in-order prefix); for
	// first_seen the number of values the group remembers, the new one
	// included.
	Value float64
	// First and Last are the times of the earliest and latest hit that
	// contributed; Last-First never exceeds the timespan. A chained hit's
	// time is the inner Result's Last, so its events may predate First.
	First, Last time.Time
	// Events are the input events behind the hits, oldest first, without
	// duplicates, at most Options.MaxRefs.
	Events []Ref
}

// Get returns a group-by value, so a Result can feed an outer correlation.
func (r Result) Get(name string) (string, bool) {
	for _, kv := range r.Group {
		if kv.Field == name {
			return kv.Value, true
		}
	}
	return "", false
}

// Options bound the engine's memory.
type Options struct {
	// MaxGroups is the most open groups per correlation (default 10000);
	// beyond it the least recently updated group is dropped undecided.
	MaxGroups int
	// MaxRefs caps Result.Events (default 100).
	MaxRefs int
	// MaxValues is the most values a first_seen group remembers
	// (default 1000).
	MaxValues int
}

// Stats describes one correlation, or all of them under TotalKey.
type Stats struct {
	Groups  int    // groups open now
	Hits    uint64 // hits received
	Fired   uint64 // results produced
	Evicted uint64 // groups dropped undecided because MaxGroups was reached; first_seen: also values forgotten because MaxValues was reached
	Late    uint64 // out-of-order hits dropped: earlier than their group's window
	Ignored uint64 // hits without a usable value: value_count field missing, value_sum/avg/percentile field not a number
}

func (s *Stats) add(o Stats) {
	s.Groups += o.Groups
	s.Hits += o.Hits
	s.Fired += o.Fired
	s.Evicted += o.Evicted
	s.Late += o.Late
	s.Ignored += o.Ignored
}

// TotalKey is the Stats entry summing every correlation. No rule uses it:
// rules are keyed by name, id, or else position.
const TotalKey = ""

// Engine evaluates a set of correlation rules.
type Engine struct {
	opts      Options
	corrs     []*corr // valid correlations, each after those it consumes
	consumers map[*sigma.Rule][]*input
	rank      map[*sigma.Rule]int  // position in New's rules: results sort by it
	generate  map[*sigma.Rule]bool // referenced by a correlation with generate: true
	seq       uint64               // arrival counter, orders hits with equal times
	key       []byte               // scratch for group keys
}

// input is one referenced rule as a correlation reads it.
type input struct {
	c      *corr
	pos    []int    // temporal types: positions the rule fills in rules:, descending
	fields []string // field read for each group-by entry (aliases resolved)
	value  string   // value_* types: the field aggregated
}

// New builds an engine for the correlation rules among rules; the others are
// the rules they may reference. A correlation with an unresolved or ambiguous
// reference, in a reference cycle, or referencing such a correlation is left
// out and reported as a *sigma.Error at the rule; the others still run.
func New(rules []*sigma.Rule, opts Options) (*Engine, []error) {
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = 10000
	}
	if opts.MaxRefs <= 0 {
		opts.MaxRefs = 100
	}
	if opts.MaxValues <= 0 {
		opts.MaxValues = 1000
	}
	e := &Engine{
		opts:      opts,
		consumers: map[*sigma.Rule][]*input{},
		rank:      map[*sigma.Rule]int{},
		generate:  map[*sigma.Rule]bool{},
	}
	byName, byID := map[string][]*sigma.Rule{}, map[string][]*sigma.Rule{}
	for i, r := range rules {
		if r == nil {
			continue
		}
		e.rank[r] = i
		if r.Name != "" {
			byName[r.Name] = append(byName[r.Name], r)
		}
		if r.ID != "" {
			byID[r.ID] = append(byID[r.ID], r)
		}
	}

	b := builder{nodes: map[*sigma.Rule]*node{}, state: map[*node]int{}}
	var list []*node
	for _, r := range rules {
		if r == nil || r.Kind != sigma.KindCorrelation {
			continue
		}
		n := &node{rule: r}
		b.nodes[r] = n
		list = append(list, n)
		if msg := check(r); msg != "" {
			b.fail(n, "%s", msg)
			continue
		}
		for _, ref := range r.Correlation.Rules {
			t, msg := resolve(ref, byName, byID)
			if msg != "" {
				b.fail(n, "%s", msg)
			}
			n.refs = append(n.refs, t)
		}
	}
	for _, n := range list {
		b.visit(n)
	}
	for _, n := range b.order {
		e.add(n.rule, n.refs)
	}
	return e, b.errs
}

// Observe feeds one hit and returns the correlations that fired, including
// chained ones, sorted by rule order then group.
func (e *Engine) Observe(h Hit) []Result {
	var out []Result
	e.feed(h, &out)
	e.sort(out)
	return out
}

// Advance tells the engine event time has reached t: windows that ended
// before t are decided and groups whose hits all left their window are
// freed. Results are sorted like Observe's.
func (e *Engine) Advance(t time.Time) []Result { return e.advance(t, false) }

// Flush decides every open window at the end of input and empties the engine.
func (e *Engine) Flush() []Result { return e.advance(time.Time{}, true) }

// Suppressed reports whether r's own results should not be reported: every
// correlation consuming r has generate: false. It applies to correlation rules
// too: a chained inner correlation is usually suppressed.
func (e *Engine) Suppressed(r *sigma.Rule) bool {
	return e.Referenced(r) && !e.generate[r]
}

// Referenced reports whether any correlation consumes r's hits; the others
// need not be passed to Observe.
func (e *Engine) Referenced(r *sigma.Rule) bool { return len(e.consumers[r]) > 0 }

// Stats returns the statistics of each correlation, keyed by its name, else
// its id, else its position (file:line:col), plus the sum under TotalKey.
func (e *Engine) Stats() map[string]Stats {
	m := map[string]Stats{}
	var total Stats
	for _, c := range e.corrs {
		s := c.stats
		s.Groups = len(c.groups)
		k := c.rule.Ref()
		if k == "" {
			k = c.rule.Where()
		}
		sum := m[k] // rules sharing a name add up
		sum.add(s)
		m[k] = sum
		total.add(s)
	}
	m[TotalKey] = total
	return m
}

func (e *Engine) add(r *sigma.Rule, refs []*sigma.Rule) {
	cr := r.Correlation
	c := &corr{
		rule:      r,
		typ:       cr.Type,
		cond:      cr.Condition,
		span:      cr.Timespan,
		groups:    map[string]*group{},
		maxGroups: e.opts.MaxGroups,
		maxRefs:   e.opts.MaxRefs,
		maxValues: e.opts.MaxValues,
		learning:  cr.Learning,
	}
	c.lru.prev, c.lru.next = &c.lru, &c.lru
	ins := map[*sigma.Rule]*input{}
	for i, t := range refs {
		in := ins[t]
		if in == nil {
			in = &input{c: c, fields: make([]string, len(cr.GroupBy))}
			for j, f := range cr.GroupBy {
				in.fields[j] = alias(cr, f, cr.Rules[i], t)
			}
			if c.cond != nil {
				in.value = alias(cr, c.cond.Field, cr.Rules[i], t)
			}
			ins[t] = in
			e.consumers[t] = append(e.consumers[t], in)
			e.generate[t] = e.generate[t] || r.Generate
			if c.typ == sigma.Temporal {
				in.pos = []int{c.npos} // temporal counts distinct rules
				c.npos++
			}
		}
		if c.typ == sigma.TemporalOrdered {
			in.pos = append([]int{i}, in.pos...) // descending, so a hit never follows itself
			c.npos++
		}
	}
	if c.cond == nil { // temporal types: every rule must occur
		c.cond = &sigma.CorrCondition{Cmp: []sigma.Comparison{{Op: "gte", Value: float64(c.npos)}}}
	}
	for _, x := range c.cond.Cmp {
		if x.Op != "gt" && x.Op != "gte" {
			c.atClose = true
		}
	}
	e.corrs = append(e.corrs, c)
}

// alias returns the field to read for group-by (or condition) field f in the
// hits of rule t, referenced as ref.
func alias(cr *sigma.Correlation, f, ref string, t *sigma.Rule) string {
	m, ok := cr.Aliases[f]
	if !ok {
		return f
	}
	for _, k := range []string{ref, t.Name, t.ID} {
		if v, ok := m[k]; ok && k != "" {
			return v
		}
	}
	return f
}

// feed delivers a hit to its consumers and the Results it causes to theirs.
func (e *Engine) feed(h Hit, out *[]Result) {
	for _, in := range e.consumers[h.Rule] {
		start := len(*out)
		e.observe(in, h, out)
		e.chain(start, out)
	}
}

// chain feeds the Results appended since start to the correlations that
// consume them. Consumers come later in e.corrs, and cycles were refused.
func (e *Engine) chain(start int, out *[]Result) {
	end := len(*out)
	for i := start; i < end; i++ {
		r := (*out)[i]
		e.feed(Hit{Rule: r.Rule, Time: r.Last, Fields: r, Events: r.Events}, out)
	}
}

func (e *Engine) advance(t time.Time, all bool) []Result {
	var out []Result
	for _, c := range e.corrs {
		for len(c.heap) > 0 && (all || c.heap[0].deadline.Before(t)) {
			g := c.heap[0]
			start := len(out)
			if c.atClose {
				c.decide(g, &out)
			}
			c.remove(g)
			e.chain(start, &out)
		}
	}
	e.sort(out)
	return out
}

func (e *Engine) sort(out []Result) {
	slices.SortStableFunc(out, func(a, b Result) int {
		if c := cmp.Compare(e.rank[a.Rule], e.rank[b.Rule]); c != 0 {
			return c
		}
		for i := 0; i < len(a.Group) && i < len(b.Group); i++ {
			if c := cmp.Compare(a.Group[i].Value, b.Group[i].Value); c != 0 {
				return c
			}
		}
		if c := a.First.Compare(b.First); c != 0 {
			return c
		}
		return a.Last.Compare(b.Last)
	})
}

// groupKey encodes the group-by values of a hit, each prefixed by its length
// so that no two tuples share a key. It reuses e.key.
func (e *Engine) groupKey(in *input, f Getter) []byte {
	b := e.key[:0]
	for _, name := range in.fields {
		var v string
		if f != nil {
			v, _ = f.Get(name) // missing: the empty value
		}
		b = appendKey(b, v)
	}
	e.key = b
	return b
}

// appendKey appends one group-by value to a key.
func appendKey(b []byte, v string) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// splitKey returns the values encoded in a key, sharing its memory.
func splitKey(key string, n int) []string {
	vals := make([]string, n)
	for i := range vals {
		l, w := binary.Uvarint([]byte(key[:min(len(key), binary.MaxVarintLen64)]))
		key = key[w:]
		vals[i], key = key[:l], key[l:]
	}
	return vals
}

// builder resolves references, refuses cycles and orders correlations so
// that each comes after those it consumes (depth-first post-order).
type builder struct {
	nodes map[*sigma.Rule]*node
	state map[*node]int // 0 unseen, 1 on the stack, 2 done
	stack []*node
	order []*node
	errs  []error
}

type node struct {
	rule *sigma.Rule
	refs []*sigma.Rule // per entry of rules:, nil when unresolved
	bad  bool
}

func (b *builder) fail(n *node, format string, args ...any) {
	n.bad = true
	r := n.rule
	name := r.Ref()
	if name == "" {
		name = r.Title
	}
	b.errs = append(b.errs, &sigma.Error{File: r.File, Line: r.Pos.Line, Column: r.Pos.Column,
		Msg: fmt.Sprintf("correlation %q: ", name) + fmt.Sprintf(format, args...)})
}

func (b *builder) visit(n *node) {
	if b.state[n] != 0 {
		return
	}
	b.state[n] = 1
	b.stack = append(b.stack, n)
	for _, t := range n.refs {
		m := b.nodes[t]
		if m == nil {
			continue // a detection rule, or unresolved
		}
		switch b.state[m] {
		case 0:
			b.visit(m)
		case 1:
			i := slices.Index(b.stack, m)
			cycle := b.stack[i:]
			names := make([]string, 0, len(cycle)+1)
			for _, x := range cycle {
				names = append(names, x.rule.Ref())
			}
			names = append(names, m.rule.Ref())
			for _, x := range cycle {
				if !x.bad {
					b.fail(x, "reference cycle %q", names)
				}
			}
		}
		if m.bad && !n.bad {
			b.fail(n, "references %q, which has errors", m.rule.Ref())
		}
	}
	b.stack = b.stack[:len(b.stack)-1]
	b.state[n] = 2
	if !n.bad {
		b.order = append(b.order, n)
	}
}

// check validates what the engine relies on; the parser reports the same
// problems with finer positions, but rules may also be built in code.
func check(r *sigma.Rule) string {
	c := r.Correlation
	if c == nil {
		return "no correlation section"
	}
	temporal := c.Type == sigma.Temporal || c.Type == sigma.TemporalOrdered
	switch c.Type {
	case sigma.EventCount, sigma.ValueCount, sigma.Temporal, sigma.TemporalOrdered,
		sigma.ValueSum, sigma.ValueAvg, sigma.ValuePercentile, sigma.FirstSeen:
	default:
		return fmt.Sprintf("unknown correlation type %q", c.Type)
	}
	if len(c.Rules) == 0 {
		return "no rules to correlate"
	}
	if c.Timespan <= 0 {
		return "timespan must be positive"
	}
	if c.Condition == nil {
		if !temporal {
			return fmt.Sprintf("a %s correlation needs a condition", c.Type)
		}
		return ""
	}
	if c.Type == sigma.FirstSeen {
		if c.Condition.Field == "" || len(c.Condition.Cmp) > 0 {
			return "a first_seen condition takes condition.field and no comparison"
		}
		return ""
	}
	if len(c.Condition.Cmp) == 0 {
		return "condition has no comparison"
	}
	for _, x := range c.Condition.Cmp {
		switch x.Op {
		case "gt", "gte", "lt", "lte", "eq", "neq":
		default:
			return fmt.Sprintf("unknown condition operator %q", x.Op)
		}
	}
	if c.Type != sigma.EventCount && !temporal && c.Condition.Field == "" {
		return fmt.Sprintf("a %s correlation needs condition.field", c.Type)
	}
	return ""
}

// resolve finds the rule a reference names: by name first, then by id.
func resolve(ref string, byName, byID map[string][]*sigma.Rule) (*sigma.Rule, string) {
	for _, m := range []map[string][]*sigma.Rule{byName, byID} {
		switch rs := m[ref]; len(rs) {
		case 0:
		case 1:
			return rs[0], ""
		default:
			return nil, fmt.Sprintf("reference %q is ambiguous: %s and %s both use it", ref, rs[0].Where(), rs[1].Where())
		}
	}
	return nil, fmt.Sprintf("references %q, but no rule has that name or id", ref)
}

// Fields returns the fields the correlations read from r's hits (group-by
// fields with aliases resolved, aggregated values): a caller that keeps
// hits for later need keep only these.
func (e *Engine) Fields(r *sigma.Rule) []string {
	seen := map[string]bool{}
	var out []string
	for _, in := range e.consumers[r] {
		for _, f := range append(append([]string(nil), in.fields...), in.value) {
			if f != "" && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}
