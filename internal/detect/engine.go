// Package detect compiles Sigma detection rules once into matchers and runs
// them over events. Rules are routed by logsource, and a multi-pattern
// literal prefilter (Aho-Corasick over the literals each rule needs) skips
// most rules for most events.
package detect

import (
	"errors"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"tocsin/internal/event"
	"tocsin/internal/sigma"
)

// Options change how rules compile.
type Options struct {
	// Placeholders gives the values of `expand` placeholders, by name
	// without the percent signs. A rule using a placeholder missing here
	// is left out, with a warning.
	Placeholders map[string][]string
	// NoPrefilter evaluates every routed rule on every event (for tests
	// and measurement).
	NoPrefilter bool
	// CategoryParents names the broader categories an event of a
	// category also belongs to (a Sysmon registry_set event is a
	// registry_event too), so rules on those apply. Nil: none.
	CategoryParents func(category string) []string
}

// Engine holds compiled rules. It is safe for concurrent use through one
// Matcher per goroutine.
type Engine struct {
	rules []*crule
	items int // distinct compiled items, for evalCtx
	opts  Options

	mu      sync.Mutex
	buckets sync.Map // event.Logsource -> *bucket
	nbucket int
	nplans  uint64 // field plans made so far: their ids, the value cache keys
}

// crule is a compiled detection rule.
type crule struct {
	rule *sigma.Rule
	cond node
	ws   []witness // prefilter: one must hold; nil = always evaluate
	// more holds other sets that must hold too (other operands of an
	// AND): the rule is evaluated only when every set has a witness.
	more [][]witness
}

// maxSets is how many witness sets a rule needs at most. Each more set
// puts more literals in the automata and more bits to mark; measured on
// the Windows mix, two beat three and four.
const maxSets = 2

// Compile compiles the detection rules of rules (correlation rules are left
// to package correlate; filters are applied to the rules they name).
// A rule that cannot compile is reported and left out.
func Compile(rules []*sigma.Rule, opts Options) (*Engine, []*sigma.Error) {
	c := &compiler{placeholders: opts.Placeholders, stats: newScorer(), items: map[string]*item{}}
	e := &Engine{opts: opts}
	var problems []*sigma.Error
	report := func(r *sigma.Rule, err error, warning bool) {
		se := &sigma.Error{File: r.File, Line: r.Pos.Line, Column: r.Pos.Column, Msg: err.Error(), Warning: warning}
		var ie *itemError
		if errors.As(err, &ie) {
			se.Line, se.Column = ie.pos.Line, ie.pos.Column
		}
		if warning {
			se.Msg = "rule left out: " + se.Msg
		}
		problems = append(problems, se)
	}
	type filt struct {
		r    *sigma.Rule
		cond node
	}
	var filters []filt
	c.precompile(rules)
	for _, r := range rules {
		if r.Kind != sigma.KindFilter || r.Detection == nil {
			continue
		}
		n, err := c.compileDetection(r.Detection)
		if err != nil {
			report(r, err, false)
			continue
		}
		filters = append(filters, filt{r, n})
	}
	for _, r := range rules {
		if r.Kind != sigma.KindDetection || r.Detection == nil {
			continue
		}
		n, err := c.compileDetection(r.Detection)
		if err != nil {
			report(r, err, errors.Is(err, ErrPlaceholder))
			continue
		}
		for _, f := range filters {
			if filterApplies(f.r, r) {
				n = andNode{n, f.cond}
			}
		}
		e.rules = append(e.rules, &crule{rule: r, cond: n})
	}
	e.items = len(c.items)
	// Witnesses are chosen once every rule is compiled: how rare a piece
	// of text is is estimated from all of them.
	if !opts.NoPrefilter {
		for _, cr := range e.rules {
			ws, ok := cr.cond.need(c.stats)
			if !ok {
				continue
			}
			cr.ws = dedup(ws)
			// The rarest other sets that must also hold: a rule is a
			// candidate only when each has a witness, which spares most
			// evaluations of rules whose best witness is common in
			// benign events ("NT AUTHORITY" with "IntegrityLevel: System").
			var others [][]witness
			for _, set := range cr.cond.needAll(c.stats) {
				if set = dedup(set); !slices.Equal(set, cr.ws) {
					others = append(others, set)
				}
			}
			sort.SliceStable(others, func(i, j int) bool { return c.stats.better(others[i], others[j]) })
			cr.more = others[:min(len(others), maxSets-1)]
		}
	}
	return e, problems
}

// filterApplies follows pySigma: the filter names the rule (by id, name or
// `any`) and every logsource key the filter sets equals the rule's.
func filterApplies(f, r *sigma.Rule) bool {
	fl, rl := f.Logsource, r.Logsource
	if fl.Product != "" && fl.Product != rl.Product || fl.Category != "" && fl.Category != rl.Category || fl.Service != "" && fl.Service != rl.Service {
		return false
	}
	if f.Filter.Any {
		return true
	}
	for _, ref := range f.Filter.Rules {
		if ref == r.ID || ref == r.Name && r.Name != "" {
			return true
		}
	}
	return false
}

// Rules returns the number of compiled detection rules.
func (e *Engine) Rules() int { return len(e.rules) }

// bucket holds the rules that apply to one event logsource.
type bucket struct {
	rules  []*crule
	always []int32 // rules without a prefilter
	// start is where each event's candidate bits begin (see candidates):
	// every slot of the rules without a prefilter, and the slots a rule
	// has no witness set for.
	start    []uint64
	litRules [][]int32   // literal id -> rules needing it, as rule<<2 | set slot
	subs     []fieldScan // the keyword scan (field "") last
	// eq: field -> exact value (lower case, numbers canonical) -> rules
	// (rule<<1 | set, as litRules); with tails, what makePlans reads.
	eq       map[string]map[string][]int32
	eqFields []string
	// tails: field -> `\name` or `/name` (lower case) -> rules.
	tails      map[string]map[string][]int32
	tailFields []string
	// plans says, per field the prefilter reads, what it does with the
	// field's values; lists holds the rule lists the plans' indexes give.
	plans []fieldPlan
	lists [][]int32
	// keyword is the keyword scan (b.subs' last), or nil.
	keyword *fieldScan
	// names finds the plan of an event field by its name.
	names nameTable
}

// fieldPlan is what the prefilter does with each value of one field: look
// its lower case up in the equality index and its path tail in the tail
// index, and scan it. All of it depends on the value alone, so the scan
// cache can remember it.
type fieldPlan struct {
	id    uint64 // unique in the engine, never 0: the value cache's key
	field string
	eq    map[string]int32 // exact value -> index in bucket.lists
	tails map[string]int32 // `\name` or `/name` -> index in bucket.lists
	scan  *fieldScan
	// cheap: only a scan that costs less than a cache lookup on values
	// shorter than minCheapCached (a pair test, no non-ASCII automaton),
	// so those values are not cached.
	cheap bool
}

// fieldScan holds the automata for the substring witnesses of one field
// (field "": every value, for keywords). Witnesses with non-ASCII bytes
// live in a second automaton, scanned only over values that have such
// bytes: they would otherwise double the byte classes, and the table size,
// of the automaton every value goes through.
type fieldScan struct {
	field    string
	ac       *automaton // nil if every witness is non-ASCII
	nonASCII *automaton // nil if none is
}

// scan scans field i (or the message, i < 0).
func (fs *fieldScan) scan(ev *event.Event, i int, h *hits) {
	var s string
	if i < 0 {
		s = ev.Message
	} else {
		s = ev.At(i).Value
	}
	wide := true
	if fs.ac != nil {
		wide = fs.ac.scan(s, h)
	}
	if !wide {
		return
	}
	// Non-ASCII text: its lower case may be ASCII (the Kelvin sign is k),
	// and it may hold the non-ASCII witnesses.
	low := ev.LowerMessage
	if i >= 0 {
		low = func() string { return ev.Lower(i) }
	}
	if fs.ac != nil {
		fs.ac.scan(low(), h)
	}
	if fs.nonASCII != nil {
		fs.nonASCII.scan(s, h)
		fs.nonASCII.scan(low(), h)
	}
}

// maxBuckets bounds the cache of logsource buckets; events with unusual
// logsources beyond it are routed without caching.
const maxBuckets = 4096

func (e *Engine) bucketFor(ls event.Logsource) *bucket {
	if b, ok := e.buckets.Load(ls); ok {
		return b.(*bucket)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if b, ok := e.buckets.Load(ls); ok {
		return b.(*bucket)
	}
	b := e.build(ls)
	if e.nbucket < maxBuckets {
		e.buckets.Store(ls, b)
		e.nbucket++
	}
	return b
}

// applies: every logsource key the rule names equals the event's (for the
// category, or one of its parents).
func (e *Engine) applies(r sigma.Logsource, ls event.Logsource) bool {
	if r.Product != "" && r.Product != ls.Product || r.Service != "" && r.Service != ls.Service {
		return false
	}
	if r.Category == "" || r.Category == ls.Category {
		return true
	}
	if e.opts.CategoryParents != nil && ls.Category != "" {
		for _, p := range e.opts.CategoryParents(ls.Category) {
			if p == r.Category {
				return true
			}
		}
	}
	return false
}

func (e *Engine) build(ls event.Logsource) *bucket {
	b := &bucket{}
	ids := map[witness]int32{}
	perField := map[string][]witness{}
	var fields []string
	for _, r := range e.rules {
		if !e.applies(r.rule.Logsource, ls) {
			continue
		}
		ri := int32(len(b.rules))
		b.rules = append(b.rules, r)
		if len(b.rules) > len(b.start)/maxSets*64 {
			b.start = append(b.start, make([]uint64, maxSets)...)
		}
		first := len(r.more) + 1 // the first slot without a set
		if r.ws == nil {
			b.always = append(b.always, ri)
			first = 0
		}
		for slot := first; slot < maxSets; slot++ {
			b.start[ri>>6*maxSets+int32(slot)] |= 1 << (ri & 63)
		}
		if r.ws == nil {
			continue
		}
		for slot, set := range append([][]witness{r.ws}, r.more...) {
			for _, w := range set {
				b.index(w, ri<<2|int32(slot), ids, perField, &fields)
			}
		}
	}
	b.buildScans(fields, perField, ids)
	b.makePlans(func() uint64 { e.nplans++; return e.nplans })
	return b
}

// makePlans gathers the indexes and scans of each field into b.plans, in
// the order fields were first indexed.
func (b *bucket) makePlans(newID func() uint64) {
	at := map[string]int{}
	plan := func(f string) *fieldPlan {
		k, ok := at[f]
		if !ok {
			k = len(b.plans)
			at[f] = k
			b.plans = append(b.plans, fieldPlan{id: newID(), field: f})
		}
		return &b.plans[k]
	}
	lists := func(m map[string][]int32) map[string]int32 {
		out := make(map[string]int32, len(m))
		for v, rules := range m {
			out[v] = int32(len(b.lists))
			b.lists = append(b.lists, rules)
		}
		return out
	}
	for _, f := range b.tailFields {
		plan(f).tails = lists(b.tails[f])
	}
	for _, f := range b.eqFields {
		plan(f).eq = lists(b.eq[f])
	}
	for k := range b.subs {
		fs := &b.subs[k]
		if fs.field == "" {
			b.keyword = fs
			continue
		}
		plan(fs.field).scan = fs
	}
	for k := range b.plans {
		p := &b.plans[k]
		p.cheap = p.eq == nil && p.tails == nil && p.scan.nonASCII == nil && p.scan.ac != nil && p.scan.ac.pairs != nil
	}
	b.names = newNameTable(b.plans)
}

// index enters one witness of a rule's set in the bucket's indexes:
// exact values and path tails in hash maps, substrings in per-field lists
// (fields in first-seen order) for buildScans.
func (b *bucket) index(w witness, entry int32, ids map[witness]int32, perField map[string][]witness, fields *[]string) {
	if w.exact {
		index, names := &b.eq, &b.eqFields
		if w.tail {
			index, names = &b.tails, &b.tailFields
		}
		if *index == nil {
			*index = map[string]map[string][]int32{}
		}
		m := (*index)[w.field]
		if m == nil {
			m = map[string][]int32{}
			(*index)[w.field] = m
			*names = append(*names, w.field)
		}
		m[w.text] = append(m[w.text], entry)
		return
	}
	id, ok := ids[w]
	if !ok {
		id = int32(len(b.litRules))
		ids[w] = id
		b.litRules = append(b.litRules, nil)
		if _, seen := perField[w.field]; !seen {
			*fields = append(*fields, w.field)
		}
		perField[w.field] = append(perField[w.field], w)
	}
	b.litRules[id] = append(b.litRules[id], entry)
}

// buildScans builds the automata of the substring witnesses, per field.
func (b *bucket) buildScans(fields []string, perField map[string][]witness, ids map[witness]int32) {
	// Keyword witnesses go into every field's automaton too, so that the
	// keyword scan, done last, can skip the fields scanned already.
	if kw := perField[""]; len(kw) > 0 {
		rest := fields[:0:0]
		for _, f := range fields {
			if f != "" {
				perField[f] = append(perField[f], kw...)
				rest = append(rest, f)
			}
		}
		fields = append(rest, "")
	}
	for _, f := range fields {
		var ascii, wide []string
		var aids, wids []int32
		for _, w := range perField[f] {
			if isASCII(w.text) {
				ascii, aids = append(ascii, w.text), append(aids, ids[w])
			} else {
				wide, wids = append(wide, w.text), append(wids, ids[w])
			}
		}
		fs := fieldScan{field: f}
		if len(ascii) > 0 {
			fs.ac = buildAutomaton(ascii, aids)
		}
		if len(wide) > 0 {
			fs.nonASCII = buildAutomaton(wide, wids)
		}
		b.subs = append(b.subs, fs)
	}
}

// Matcher evaluates rules for one goroutine, reusing its scratch memory so
// that an event no rule matches costs no allocation.
type Matcher struct {
	e     *Engine
	hits  hits
	vhits hits        // the literals of one value, for the cache
	cache *valueCache // nil: every value is scanned
	// untilCache counts down the events matched before the cache is
	// made: short-lived matchers (a test, a one-off check) never pay for
	// its memory.
	untilCache int
	cand       []uint64
	sets       []uint64 // per rule word, the bits of each set slot, interleaved
	ctx        evalCtx
	out        []*sigma.Rule
	num        [32]byte
	done       []bool // per event field: scanned with its own automaton
	// last is the bucket of the previous event's logsource.
	last   *bucket
	lastLS event.Logsource
}

// isCanonicalInt: digits without a leading zero, or "0", maybe negative.
func isCanonicalInt(s string) bool {
	if s[0] == '-' {
		s = s[1:]
	}
	if s == "" || s[0] == '0' && len(s) > 1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// looksNumeric is a cheap syntax check that spares strconv's allocated
// errors on values like "-" or "10.0.19041" (no allocation on the path
// where no rule matches).
func looksNumeric(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'o' || s[1] == 'b') {
		for i := 2; i < len(s); i++ {
			c := s[i] | 0x20
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '_') {
				return false
			}
		}
		return true
	}
	digits, dots, exp := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !exp:
			dots++
		case (c == 'e' || c == 'E') && digits > 0 && !exp:
			exp = true
			if i+1 < len(s) && (s[i+1] == '-' || s[i+1] == '+') {
				i++
			}
			if i+1 >= len(s) {
				return false
			}
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// mark sets the bits of entries rule<<2 | slot in the interleaved sets.
func mark(cand []uint64, entries []int32) {
	for _, e := range entries {
		ri := e >> 2
		cand[ri>>6*maxSets+e&3] |= 1 << (ri & 63)
	}
}

// numberText writes a value that is a number not already in canonical form
// (4624.0, 0x1210, " 4624") canonically, for the equality index; ok is false
// for other values, canonical integers included: they were looked up as
// they are.
func numberText(s string, buf []byte) ([]byte, bool) {
	if s == "" || isCanonicalInt(s) || s[0] > '9' {
		return nil, false
	}
	s = strings.TrimSpace(s)
	if !looksNumeric(s) {
		return nil, false
	}
	f, ok := parseNumber(s)
	if !ok {
		return nil, false
	}
	return strconv.AppendFloat(buf, f, 'f', -1, 64), true
}

// NewMatcher returns a Matcher; use one per goroutine.
func (e *Engine) NewMatcher() *Matcher {
	return &Matcher{e: e, untilCache: cacheAfter}
}

// Match returns the rules that match ev, in rule order. The slice is reused
// by the next call.
func (m *Matcher) Match(ev *event.Event) []*sigma.Rule {
	// Consecutive events mostly share a logsource: skip the map.
	b := m.last
	if b == nil || ev.Logsource != m.lastLS {
		b = m.e.bucketFor(ev.Logsource)
		m.last, m.lastLS = b, ev.Logsource
	}
	if m.cache == nil {
		if m.untilCache--; m.untilCache < 0 {
			m.cache = newValueCache(cacheSlots, cacheRing)
		}
	}
	m.out = m.out[:0]
	if len(b.rules) == 0 {
		return m.out
	}
	cand := m.candidates(b, ev)
	m.ctx.reset(ev, m.e.items, m.cache)
	for w, set := range cand {
		for word := set; word != 0; {
			t := word & -word
			ri := w*64 + bits.TrailingZeros64(word)
			word ^= t
			if r := b.rules[ri]; r.cond.eval(&m.ctx) {
				m.out = append(m.out, r.rule)
			}
		}
		cand[w] = 0
	}
	return m.out
}

// candidates marks, in a bitset over b.rules, the rules worth evaluating
// for ev: the rules without witnesses and those with a witness present.
func (m *Matcher) candidates(b *bucket, ev *event.Event) []uint64 {
	n := (len(b.rules) + 63) / 64
	if len(m.sets) < maxSets*n {
		m.sets = make([]uint64, maxSets*n)
	}
	// cand[maxSets*w+slot]: the rules of word w whose set in that slot
	// has a witness, interleaved so that mark needs no branch. Slots a
	// rule does not use, and every slot of rules without witnesses, are
	// set from the start.
	cand := m.sets[:maxSets*n]
	copy(cand, b.start)
	if cap(m.done) < ev.Len() {
		m.done = make([]bool, ev.Len())
	}
	done := m.done[:ev.Len()]
	clear(done)
	m.hits.reset(len(b.litRules))
	for i := 0; i < ev.Len(); i++ {
		if k := b.names.find(ev.At(i).Name, b.plans); k >= 0 {
			p := &b.plans[k]
			m.prefilterValue(b, p, ev, i, cand)
			if p.scan != nil {
				done[i] = true
				// The original holds the same value: its keyword
				// literals are found.
				if o := ev.CopyOf(i); o >= 0 {
					done[o] = true
				}
			}
		}
	}
	if fs := b.keyword; fs != nil {
		// A keyword matches a value whatever the field's name, so a
		// copy (a mapped name next to the original) is scanned through
		// its original: scanned here, before it, unless done.
		for i := 0; i < ev.Len(); i++ {
			if !done[i] && ev.At(i).Kind == event.String && ev.CopyOf(i) < 0 {
				fs.scan(ev, i, &m.hits)
			}
		}
		if ev.HasMessage {
			fs.scan(ev, -1, &m.hits)
		}
	}
	for _, id := range m.hits.ids {
		mark(cand, b.litRules[id])
	}
	out := m.cand[:0]
	for w := 0; w < n; w++ {
		c := cand[maxSets*w : maxSets*w+maxSets : maxSets*w+maxSets]
		x := c[0]
		for k := 1; k < maxSets; k++ {
			x &= c[k]
		}
		out = append(out, x)
	}
	m.cand = out
	return out
}

// Stats describes the compiled engine, for lint output and tuning.
type Stats struct {
	Rules       int
	Prefiltered int // rules with a literal prefilter
	Buckets     int
}

// Stats counts rules and cached logsource buckets.
func (e *Engine) Stats() Stats {
	s := Stats{Rules: len(e.rules)}
	for _, r := range e.rules {
		if r.ws != nil {
			s.Prefiltered++
		}
	}
	e.mu.Lock()
	s.Buckets = e.nbucket
	e.mu.Unlock()
	return s
}
