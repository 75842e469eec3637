// Package detect compiles Sigma detection rules once into matchers and runs
// them over events. Rules are routed by logsource, and a multi-pattern
// literal prefilter (Aho-Corasick over the literals each rule needs) skips
// most rules for most events.
package detect

import (
	"errors"
	"math/bits"
	"sort"
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
}

// Engine holds compiled rules. It is safe for concurrent use through one
// Matcher per goroutine.
type Engine struct {
	rules []*crule
	opts  Options

	mu      sync.Mutex
	buckets sync.Map // event.Logsource -> *bucket
	nbucket int
}

// crule is a compiled detection rule.
type crule struct {
	rule *sigma.Rule
	cond node
	lits []string // prefilter windows: one must occur; nil = always evaluate
}

// maxWindow is the length of the slice of a literal the prefilter looks
// for: any slice of a needed literal is needed too, and short slices keep
// the automaton small.
const maxWindow = 8

// Compile compiles the detection rules of rules (correlation rules are left
// to package correlate; filters are applied to the rules they name).
// A rule that cannot compile is reported and left out.
func Compile(rules []*sigma.Rule, opts Options) (*Engine, []*sigma.Error) {
	c := &compiler{placeholders: opts.Placeholders}
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
		cr := &crule{rule: r, cond: n}
		if lits, ok := n.need(); ok && !opts.NoPrefilter {
			cr.lits = windows(lits)
		}
		e.rules = append(e.rules, cr)
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

// windows maps needed literals to prefilter windows; nil when one literal
// has no usable window (then the rule is always evaluated).
func windows(lits []string) []string {
	out := make([]string, 0, len(lits))
	seen := map[string]bool{}
	for _, l := range lits {
		w := window(l)
		if w == "" {
			return nil
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// window picks at most maxWindow bytes of ASCII from a literal (the scan
// folds only ASCII case), preferring slices with more distinct bytes, and
// the later one on a tie: file names and arguments, at the end, are rarer
// than the drive and folder they start with.
func window(l string) string {
	best, bestScore := "", -1
	for i := 0; i < len(l); {
		if l[i] >= 0x80 {
			i++
			continue
		}
		j := i
		for j < len(l) && l[j] < 0x80 {
			j++
		}
		run := l[i:j]
		for k := 0; k+min(maxWindow, len(run)) <= len(run); k++ {
			w := run[k : k+min(maxWindow, len(run))]
			if s := distinct(w); s >= bestScore {
				best, bestScore = w, s
			}
		}
		i = j
	}
	return best
}

func distinct(s string) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
		}
	}
	return n
}

// Rules returns the number of compiled detection rules.
func (e *Engine) Rules() int { return len(e.rules) }

// bucket holds the rules that apply to one event logsource.
type bucket struct {
	rules    []*crule
	always   []int32   // rules without a prefilter
	litRules [][]int32 // literal id -> rules needing it
	ac       *automaton
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

// applies: every logsource key the rule names equals the event's.
func applies(r sigma.Logsource, ls event.Logsource) bool {
	return (r.Product == "" || r.Product == ls.Product) &&
		(r.Category == "" || r.Category == ls.Category) &&
		(r.Service == "" || r.Service == ls.Service)
}

func (e *Engine) build(ls event.Logsource) *bucket {
	b := &bucket{}
	ids := map[string]int32{}
	var lits []string
	for _, r := range e.rules {
		if !applies(r.rule.Logsource, ls) {
			continue
		}
		ri := int32(len(b.rules))
		b.rules = append(b.rules, r)
		if r.lits == nil {
			b.always = append(b.always, ri)
			continue
		}
		for _, l := range r.lits {
			id, ok := ids[l]
			if !ok {
				id = int32(len(lits))
				ids[l] = id
				lits = append(lits, l)
				b.litRules = append(b.litRules, nil)
			}
			b.litRules[id] = append(b.litRules[id], ri)
		}
	}
	if len(lits) > 0 {
		b.ac = buildAutomaton(lits)
	}
	return b
}

// Matcher evaluates rules for one goroutine, reusing its scratch memory so
// that an event no rule matches costs no allocation.
type Matcher struct {
	e    *Engine
	hits hits
	cand []uint64
	out  []*sigma.Rule
}

// NewMatcher returns a Matcher; use one per goroutine.
func (e *Engine) NewMatcher() *Matcher { return &Matcher{e: e} }

// Match returns the rules that match ev, in rule order. The slice is reused
// by the next call.
func (m *Matcher) Match(ev *event.Event) []*sigma.Rule {
	b := m.e.bucketFor(ev.Logsource)
	m.out = m.out[:0]
	if len(b.rules) == 0 {
		return m.out
	}
	if w := (len(b.rules) + 63) / 64; len(m.cand) < w {
		m.cand = make([]uint64, w)
	}
	cand := m.cand[:(len(b.rules)+63)/64]
	for _, ri := range b.always {
		cand[ri>>6] |= 1 << (ri & 63)
	}
	if b.ac != nil {
		m.hits.reset(len(b.litRules))
		for i := 0; i < ev.Len(); i++ {
			if b.ac.scan(ev.At(i).Value, &m.hits) {
				b.ac.scan(ev.Lower(i), &m.hits)
			}
		}
		if ev.HasMessage && b.ac.scan(ev.Message, &m.hits) {
			b.ac.scan(ev.LowerMessage(), &m.hits)
		}
		for _, id := range m.hits.ids {
			for _, ri := range b.litRules[id] {
				cand[ri>>6] |= 1 << (ri & 63)
			}
		}
	}
	for w, set := range cand {
		for word := set; word != 0; {
			t := word & -word
			ri := w*64 + bits.TrailingZeros64(word)
			word ^= t
			if r := b.rules[ri]; r.cond.eval(ev) {
				m.out = append(m.out, r.rule)
			}
		}
		cand[w] = 0
	}
	return m.out
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
		if r.lits != nil {
			s.Prefiltered++
		}
	}
	e.mu.Lock()
	s.Buckets = e.nbucket
	e.mu.Unlock()
	return s
}

// Unfiltered lists the rules the prefilter cannot skip, by title, to show
// where evaluation time goes.
func (e *Engine) Unfiltered() []string {
	var out []string
	for _, r := range e.rules {
		if r.lits == nil {
			out = append(out, r.rule.Title)
		}
	}
	sort.Strings(out)
	return out
}
