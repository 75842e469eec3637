package detect

import (
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"tocsin/internal/event"
	"tocsin/internal/sigma"
)

// node is a compiled condition.
type node interface {
	eval(c *evalCtx) bool
	// need returns witnesses of which at least one must hold in an
	// event for the node to be true; ok is false when there is no such
	// set (a negation, a numeric comparison...). See prefilter.go.
	need(sc *scorer) (ws []witness, ok bool)
	// needAll returns several witness sets that must all hold (one
	// witness of each): the operands of an AND, each by itself.
	needAll(sc *scorer) [][]witness
}

// single wraps a node's one witness set for needAll.
func single(ws []witness, ok bool) [][]witness {
	if !ok {
		return nil
	}
	return [][]witness{ws}
}

func (n andNode) needAll(sc *scorer) [][]witness {
	var out [][]witness
	for _, x := range n {
		out = append(out, x.needAll(sc)...)
	}
	return out
}

func (n orNode) needAll(sc *scorer) [][]witness { return single(n.need(sc)) }
func (notNode) needAll(*scorer) [][]witness     { return nil }
func (it *item) needAll(sc *scorer) [][]witness { return single(it.need(sc)) }

func (s *search) needAll(sc *scorer) [][]witness {
	if len(s.groups) != 1 {
		return single(s.need(sc))
	}
	and := make(andNode, len(s.groups[0]))
	for i, it := range s.groups[0] {
		and[i] = it
	}
	return and.needAll(sc)
}

type andNode []node
type orNode []node
type notNode struct{ x node }

func (n andNode) eval(c *evalCtx) bool {
	for _, x := range n {
		if !x.eval(c) {
			return false
		}
	}
	return true
}

func (n orNode) eval(c *evalCtx) bool {
	for _, x := range n {
		if x.eval(c) {
			return true
		}
	}
	return false
}

func (n notNode) eval(c *evalCtx) bool { return !n.x.eval(c) }

// evalCtx is one event's evaluation: the event, and the results of the
// items evaluated so far. Rules share items (SigmaHQ repeats
// "Image|endswith: '\powershell.exe'" in dozens of rules): each is
// evaluated once per event.
type evalCtx struct {
	ev      *event.Event
	memo    []uint8 // per item id: 0 not yet, 1 false, 2 true
	touched []int32
	cache   *valueCache // the Matcher's, or nil
}

// reset forgets the results, keeping the memory.
func (c *evalCtx) reset(ev *event.Event, items int, cache *valueCache) {
	for _, id := range c.touched {
		c.memo[id] = 0
	}
	c.touched = c.touched[:0]
	if len(c.memo) < items {
		c.memo = make([]uint8, items)
	}
	c.ev = ev
	c.cache = cache
}

// An AND needs what its most selective operand needs.
func (n andNode) need(sc *scorer) ([]witness, bool) {
	var best []witness
	found := false
	for _, x := range n {
		if l, ok := x.need(sc); ok && (!found || sc.better(l, best)) {
			best, found = l, true
		}
	}
	return best, found
}

// An OR needs one of what any operand needs, and nothing if one needs nothing.
func (n orNode) need(sc *scorer) ([]witness, bool) {
	var all []witness
	for _, x := range n {
		l, ok := x.need(sc)
		if !ok {
			return nil, false
		}
		all = append(all, l...)
	}
	return all, true
}

func (notNode) need(*scorer) ([]witness, bool) { return nil, false }

type itemMode uint8

const (
	modeValues itemMode = iota
	modeNull
	modeExists
)

// item is one compiled `field|modifiers: values`.
type item struct {
	id      int32  // index of the item's result in an evalCtx
	field   string // "" for a keyword search
	mode    itemMode
	exists  bool // modeExists: the expected presence
	neq     bool // negate the result (the neq modifier)
	all     bool // every matcher must match (the all modifier)
	vals    []valueMatcher
	lits    [][]witness // per matcher, witnesses one of which it needs (nil if none)
	litsAll bool        // every matcher has literals
	// alts: for a matcher (by index in lits) that needs several sets at
	// once (the parts of a regular expression), the other sets; need
	// picks the rarest.
	alts map[int][][]witness
}

func (it *item) eval(c *evalCtx) bool {
	if m := c.memo[it.id]; m != 0 {
		return m == 2
	}
	r := it.test(c.ev, c.cache)
	if it.neq {
		r = !r
	}
	c.memo[it.id] = 1
	if r {
		c.memo[it.id] = 2
	}
	c.touched = append(c.touched, it.id)
	return r
}

// test tests the item on ev; cache, if not nil, remembers the results of
// regular expressions.
func (it *item) test(ev *event.Event, cache *valueCache) bool {
	switch it.mode {
	case modeExists:
		return (ev.Lookup(it.field) >= 0) == it.exists
	case modeNull:
		i := ev.Lookup(it.field)
		return i < 0 || ev.At(i).Kind == event.Null
	}
	if it.field == "" {
		return it.keywords(ev, cache)
	}
	first := ev.Lookup(it.field)
	if first < 0 {
		return false
	}
	if it.all {
		for _, m := range it.vals {
			if !anyValue(ev, first, m, cache) {
				return false
			}
		}
		return true
	}
	for i := first; i >= 0; i = ev.Next(i) {
		f := ev.At(i)
		v := val{ev: ev, i: i, s: f.Value, kind: f.Kind, cache: cache}
		for _, m := range it.vals {
			if m.match(v) {
				return true
			}
		}
	}
	return false
}

func anyValue(ev *event.Event, first int, m valueMatcher, cache *valueCache) bool {
	for i := first; i >= 0; i = ev.Next(i) {
		f := ev.At(i)
		v := val{ev: ev, i: i, s: f.Value, kind: f.Kind, cache: cache}
		if m.match(v) {
			return true
		}
	}
	return false
}

// keywords searches the event's message, or every string value when the
// event has no message.
func (it *item) keywords(ev *event.Event, cache *valueCache) bool {
	one := func(m valueMatcher) bool {
		if ev.HasMessage {
			v := val{ev: ev, i: -1, s: ev.Message, kind: event.String, cache: cache}
			return m.match(v)
		}
		for i := 0; i < ev.Len(); i++ {
			f := ev.At(i)
			if f.Kind != event.String {
				continue
			}
			v := val{ev: ev, i: i, s: f.Value, kind: f.Kind, cache: cache}
			if m.match(v) {
				return true
			}
		}
		return false
	}
	if it.all {
		for _, m := range it.vals {
			if !one(m) {
				return false
			}
		}
		return true
	}
	for _, m := range it.vals {
		if one(m) {
			return true
		}
	}
	return false
}

func (it *item) need(sc *scorer) ([]witness, bool) {
	if it.neq || it.mode != modeValues || len(it.vals) == 0 {
		return nil, false
	}
	if it.all {
		// Every value must occur: the most selective one is enough.
		var best []witness
		for i := range it.lits {
			if w, ok := it.rarest(sc, i); ok && (best == nil || sc.better(w, best)) {
				best = w
			}
		}
		return best, best != nil
	}
	if !it.litsAll {
		return nil, false
	}
	var all []witness
	for i := range it.lits {
		w, ok := it.rarest(sc, i)
		if !ok {
			return nil, false
		}
		all = append(all, w...)
	}
	return all, true
}

// rarest returns matcher i's rarest witness set, windows cut.
func (it *item) rarest(sc *scorer, i int) ([]witness, bool) {
	var best []witness
	for _, set := range append([][]witness{it.lits[i]}, it.alts[i]...) {
		if set == nil {
			continue
		}
		if w, ok := sc.windows(set); ok && (best == nil || sc.better(w, best)) {
			best = w
		}
	}
	return best, best != nil
}

// anyMatcher holds the variants one value expands to (windash,
// base64offset, placeholders): any of them will do, also under `all`.
type anyMatcher []valueMatcher

func (m anyMatcher) match(v val) bool {
	for _, x := range m {
		if x.match(v) {
			return true
		}
	}
	return false
}

// search is a compiled search identifier: an OR of AND groups of items.
type search struct {
	name   string
	groups [][]*item
}

func (s *search) eval(c *evalCtx) bool {
	for _, g := range s.groups {
		ok := true
		for _, it := range g {
			if !it.eval(c) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (s *search) need(sc *scorer) ([]witness, bool) {
	alts := make(orNode, 0, len(s.groups))
	for _, g := range s.groups {
		and := make(andNode, len(g))
		for i, it := range g {
			and[i] = it
		}
		alts = append(alts, and)
	}
	return alts.need(sc)
}

// compiler turns rules into nodes, with the options that affect values.
type compiler struct {
	placeholders map[string][]string
	stats        *scorer
	// items holds every distinct item compiled, by its text: rules that
	// repeat an item share it.
	items map[string]*item
	// regexes counts the regular expressions compiled: their keys in
	// the value cache.
	regexes uint64
	// ready holds the items precompile compiled, by their text.
	ready map[string]compiledItem
}

type compiledItem struct {
	item *item
	err  error
}

// precompile compiles the distinct items of rules on every core (the
// corpus has some 20,000 items: regular expressions, automata of long
// lists), so that compileSearch finds them ready. compileItem touches no
// shared state; ids, regular expressions' keys and rarity counts are
// still given by compileSearch, in rule order.
func (c *compiler) precompile(rules []*sigma.Rule) {
	type job struct {
		key string
		it  *sigma.Item
	}
	var jobs []job
	seen := map[string]bool{}
	for _, r := range rules {
		if r.Detection == nil || r.Kind != sigma.KindDetection && r.Kind != sigma.KindFilter {
			continue
		}
		for _, s := range r.Detection.Searches {
			for _, g := range s.Maps {
				for _, it := range g {
					if key := itemKey(it); !seen[key] {
						seen[key] = true
						jobs = append(jobs, job{key, it})
					}
				}
			}
		}
	}
	done := make([]compiledItem, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				ci, err := c.compileItem(jobs[i].it)
				done[i] = compiledItem{ci, err}
			}
		})
	}
	wg.Wait()
	c.ready = make(map[string]compiledItem, len(jobs))
	for i, j := range jobs {
		c.ready[j.key] = done[i]
	}
}

// itemKey is an item's text: field, modifiers and values as written.
func itemKey(it *sigma.Item) string {
	var b strings.Builder
	b.WriteString(it.Field)
	for _, m := range it.Modifiers {
		b.WriteByte('|')
		b.WriteString(m)
	}
	for _, v := range it.Values {
		b.WriteByte(0)
		b.WriteByte(byte('0' + v.Kind))
		b.WriteString(v.S)
	}
	return b.String()
}

// compileDetection compiles a detection section's condition.
func (c *compiler) compileDetection(d *sigma.Detection) (node, error) {
	searches := map[string]*search{}
	for _, s := range d.Searches {
		cs, err := c.compileSearch(s)
		if err != nil {
			return nil, err
		}
		searches[s.Name] = cs
	}
	if d.Condition == nil {
		return nil, fmt.Errorf("no condition")
	}
	return c.compileExpr(d.Condition, searches), nil
}

func (c *compiler) compileExpr(e sigma.Expr, s map[string]*search) node {
	switch x := e.(type) {
	case sigma.And:
		n := make(andNode, len(x.X))
		for i, y := range x.X {
			n[i] = c.compileExpr(y, s)
		}
		return n
	case sigma.Or:
		n := make(orNode, len(x.X))
		for i, y := range x.X {
			n[i] = c.compileExpr(y, s)
		}
		return n
	case sigma.Not:
		return notNode{c.compileExpr(x.X, s)}
	case sigma.Ident:
		return s[x.Name]
	case sigma.Of:
		list := make([]node, len(x.Names))
		for i, name := range x.Names {
			list[i] = s[name]
		}
		if len(list) == 1 {
			return list[0]
		}
		if x.All {
			return andNode(list)
		}
		return orNode(list)
	}
	panic(fmt.Sprintf("detect: unknown condition node %T", e))
}

func (c *compiler) compileSearch(s *sigma.Search) (*search, error) {
	cs := &search{name: s.Name}
	for _, g := range s.Maps {
		var group []*item
		for _, it := range g {
			key := itemKey(it)
			ci, ok := c.items[key]
			if !ok {
				var err error
				if r, found := c.ready[key]; found {
					ci, err = r.item, r.err
				} else {
					ci, err = c.compileItem(it)
				}
				if err != nil {
					return nil, &itemError{pos: it.Pos, err: err}
				}
				ci.id = int32(len(c.items))
				c.items[key] = ci
				for _, m := range ci.vals {
					if rm, ok := m.(*reMatcher); ok {
						c.regexes++
						rm.key = regexKey | c.regexes
					}
				}
			}
			if c.stats != nil {
				// Costs count how many rules name a value.
				for _, l := range ci.lits {
					c.stats.count(l)
				}
			}
			group = append(group, ci)
		}
		cs.groups = append(cs.groups, group)
	}
	return cs, nil
}

// itemError places a compile error at its item.
type itemError struct {
	pos sigma.Pos
	err error
}

func (e *itemError) Error() string { return e.err.Error() }
func (e *itemError) Unwrap() error { return e.err }

var timeParts = map[string]bool{"minute": true, "hour": true, "day": true, "week": true, "month": true, "year": true}

func (c *compiler) compileItem(it *sigma.Item) (*item, error) {
	ci := &item{field: it.Field, all: it.All}
	var typ, cmp, part string
	var cased, expand bool
	for _, m := range it.Modifiers {
		switch {
		case m == "re" || m == "cidr" || m == "fieldref":
			typ = m
		case m == "gt" || m == "gte" || m == "lt" || m == "lte":
			cmp = m
		case timeParts[m]:
			part = m
		case m == "cased":
			cased = true
		case m == "expand":
			expand = true
		case m == "neq":
			ci.neq = true
		case m == "exists":
			ci.mode = modeExists
			ci.exists = len(it.Values) == 1 && it.Values[0].S == "true"
			return ci, nil
		}
	}
	if len(it.Values) == 1 && it.Values[0].Kind == sigma.VNull {
		ci.mode = modeNull
		return ci, nil
	}
	ci.litsAll = true
	add := func(m valueMatcher, lits []witness) {
		ci.vals = append(ci.vals, m)
		ci.lits = append(ci.lits, lits)
		if lits == nil {
			ci.litsAll = false
		}
	}
	for _, v := range it.Values {
		switch {
		case typ == "re":
			re, err := regexp.Compile(sigma.RegexFlags(it.Modifiers) + v.S)
			if err != nil {
				return nil, fmt.Errorf("regular expression %q: %v", v.S, err)
			}
			if n := regexSize(re.String()); n > maxRegexInst {
				return nil, fmt.Errorf("regular expression %q compiles to %d instructions, more than %d: split it or use contains", v.S, n, maxRegexInst)
			}
			rm := newReMatcher(re)
			add(rm, regexWitnesses(it.Field, sigma.RegexFlags(it.Modifiers)+v.S))
			for _, g := range rm.guards {
				set := make([]witness, len(g))
				for j, l := range g {
					set[j] = witness{field: it.Field, text: l}
				}
				if ci.alts == nil {
					ci.alts = map[int][][]witness{}
				}
				ci.alts[len(ci.lits)-1] = append(ci.alts[len(ci.lits)-1], set)
			}
		case typ == "cidr":
			p, err := sigma.ParseCIDR(v.S)
			if err != nil {
				return nil, fmt.Errorf("network %q: %v", v.S, err)
			}
			add(&cidrMatcher{prefix: p}, nil)
		case typ == "fieldref":
			add(&fieldrefMatcher{other: v.S, kind: posKind(it.Modifiers), cased: cased}, nil)
		case cmp != "" || part != "":
			n, ok := parseNumber(v.S)
			if !ok {
				return nil, fmt.Errorf("%q is not a number", v.S)
			}
			op := cmp
			if op == "" {
				op = "eq"
			}
			add(&cmpMatcher{op: op, n: n, part: part}, nil)
		case v.Kind == sigma.VNumber && onlyGeneric(it.Modifiers) && it.Field != "":
			n, ok := parseNumber(v.S)
			if !ok {
				return nil, fmt.Errorf("%q is not a number", v.S)
			}
			// The prefilter looks the number up in canonical form, as
			// 4624, "4624", 4624.0 and 0x1210 all match it.
			add(&numMatcher{text: v.S, n: n}, []witness{{field: it.Field, text: canonicalNumber(n), exact: true}})
		default:
			pats, err := c.patterns(v, it.Modifiers, expand)
			if err != nil {
				return nil, err
			}
			if it.Field == "" {
				// A keyword is searched anywhere in the text.
				for i, p := range pats {
					pats[i] = p.withStar(true, true)
				}
			}
			var ms anyMatcher
			var lits []witness
			for _, p := range pats {
				sm := newStrMatcher(p, cased)
				ms = append(ms, sm)
				switch {
				case sm.kind == strExact && it.Field != "":
					// A whole value: looked up in a hash index.
					lits = append(lits, witness{field: it.Field, text: event.ToLower(sm.lit), exact: true})
				case sm.kind == strSuffix && it.Field != "" && isPathTail(sm.lit):
					// `\whoami.exe` at the end: the value's last path
					// element, looked up in a hash index too.
					lits = append(lits, witness{field: it.Field, text: event.ToLower(sm.lit), exact: true, tail: true})
				default:
					lits = append(lits, witness{field: it.Field, text: bestLiteral(p)})
				}
			}
			for _, l := range lits {
				if !l.exact && l.text == "" {
					lits = nil
					break
				}
			}
			if len(ms) == 1 {
				add(ms[0], lits)
			} else {
				add(ms, lits)
			}
		}
	}
	if !ci.all {
		ci.vals = mergeContains(ci.vals)
	}
	sortByCost(ci.vals)
	return ci, nil
}

// mergeContains replaces many case-insensitive `contains` values of one
// item (SigmaHQ has lists of hundreds of cmdlet names) by one automaton:
// one pass over the value instead of one search per value. Only for OR.
func mergeContains(vals []valueMatcher) []valueMatcher {
	var lits []string
	tails := map[string]bool{}
	var rest []valueMatcher
	for _, v := range vals {
		if sm, ok := v.(*strMatcher); ok && !sm.cased {
			switch {
			case sm.kind == strContains && sm.lit != "":
				lits = append(lits, sm.lit)
				continue
			case sm.kind == strSuffix && isPathTail(sm.lit):
				tails[sm.lit] = true
				continue
			}
		}
		rest = append(rest, v)
	}
	if len(tails) >= mergeMin {
		// Hundreds of `endswith: '\name.dll'`: one hash lookup of the
		// value's last path element.
		rest = append(rest, &tailSet{set: tails})
	} else {
		for t := range tails {
			rest = append(rest, &strMatcher{kind: strSuffix, lit: t})
		}
	}
	// Short lists are cheap as they are (strings.Contains is vectorised).
	if len(lits) < mergeMin {
		for _, l := range lits {
			rest = append(rest, &strMatcher{kind: strContains, lit: l})
		}
		return rest
	}
	// A small list gets the dense automaton (one table step per byte), a
	// long one the sparse trie (memory in proportion to its literals).
	ids := make([]int32, len(lits))
	for i := range ids {
		ids[i] = int32(i)
	}
	if dense := buildAutomaton(lits, ids); dense.states()*dense.ncls <= maxDenseCells {
		return append(rest, &multiContains{dense: dense})
	}
	return append(rest, &multiContains{sparse: buildSparse(lits)})
}

// maxDenseCells bounds the table of a merged list's dense automaton (32 KB).
const maxDenseCells = 8192

// mergeMin is the shortest contains list worth an automaton of its own.
const mergeMin = 8

// sortByCost puts cheap comparisons first: an OR stops at the first match.
func sortByCost(vals []valueMatcher) {
	sort.SliceStable(vals, func(i, j int) bool { return matcherCost(vals[i]) < matcherCost(vals[j]) })
}

func matcherCost(m valueMatcher) int {
	switch x := m.(type) {
	case *strMatcher:
		if x.kind == strGlob {
			return 3
		}
		return 1
	case *numMatcher, *cidrMatcher:
		return 1
	case *multiContains:
		return 2
	case *tailSet:
		return 1
	case *reMatcher:
		return 5
	}
	return 3
}

var decimalInt = regexp.MustCompile(`^-?[1-9][0-9]*$|^0$`)

// parseNumber reads a rule number as YAML writes it: decimal, float, or
// 0x/0o/0b integers.
func parseNumber(s string) (float64, bool) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, true
	}
	if i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err == nil {
		return float64(i), true
	}
	return 0, false
}

// isPathTail: a separator followed by a name without separators.
func isPathTail(s string) bool {
	if len(s) < 2 || s[0] != '\\' && s[0] != '/' {
		return false
	}
	return !strings.ContainsAny(s[1:], "\\/")
}

// onlyGeneric reports whether mods leave a value's text untouched.
func onlyGeneric(mods []string) bool {
	for _, m := range mods {
		if m != "neq" && m != "cased" && m != "all" {
			return false
		}
	}
	return true
}

func posKind(mods []string) strKind {
	for _, m := range mods {
		switch m {
		case "contains":
			return strContains
		case "startswith":
			return strPrefix
		case "endswith":
			return strSuffix
		}
	}
	return strExact
}

// patterns applies a value's transformation modifiers in the order written.
func (c *compiler) patterns(v sigma.Value, mods []string, expand bool) ([]pattern, error) {
	texts := []string{v.S}
	if expand {
		var err error
		if texts, err = c.expand(v.S); err != nil {
			return nil, err
		}
	}
	var pats []pattern
	for _, t := range texts {
		pats = append(pats, parsePattern(t, true))
	}
	for _, m := range mods {
		var next []pattern
		for _, p := range pats {
			switch m {
			case "contains":
				next = append(next, p.withStar(true, true))
			case "startswith":
				next = append(next, p.withStar(false, true))
			case "endswith":
				next = append(next, p.withStar(true, false))
			case "windash":
				w, err := windash(p)
				if err != nil {
					return nil, err
				}
				next = append(next, w...)
			case "wide", "utf16le":
				next = append(next, p.mapLiterals(utf16LE))
			case "utf16be":
				next = append(next, p.mapLiterals(utf16BE))
			case "utf16":
				next = append(next, pattern{{lit: utf16BOM(p.literal())}})
			case "base64":
				next = append(next, pattern{{lit: b64(p.literal())}})
			case "base64offset":
				for _, s := range base64Offset(p.literal()) {
					next = append(next, pattern{{lit: s}})
				}
			default:
				next = append(next, p)
			}
		}
		pats = next
	}
	return pats, nil
}

// ErrPlaceholder is wrapped when an `expand` placeholder has no value.
var ErrPlaceholder = fmt.Errorf("placeholder has no configured value")

var placeholderRe = regexp.MustCompile(`%[A-Za-z0-9_.-]+%`)

// expand replaces %placeholders% with their configured values, one text per
// combination. `\%` stays a literal percent sign.
func (c *compiler) expand(s string) ([]string, error) {
	const esc = "\x00pct\x00"
	// `\\` is an escaped backslash (left for the wildcard layer), `\%` a
	// literal percent sign.
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '\\':
				b.WriteString(`\\`)
				i++
				continue
			case '%':
				b.WriteString(esc)
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	s = b.String()
	out := []string{s}
	for _, ph := range placeholderRe.FindAllString(s, -1) {
		vals, ok := c.placeholders[strings.Trim(ph, "%")]
		if !ok {
			return nil, fmt.Errorf("%w: %s (set it with --placeholder %s=VALUE)", ErrPlaceholder, ph, strings.Trim(ph, "%"))
		}
		var next []string
		for _, o := range out {
			for _, v := range vals {
				next = append(next, strings.Replace(o, ph, v, 1))
			}
		}
		if len(next) > 4096 {
			return nil, fmt.Errorf("placeholder expansion gives more than 4096 values")
		}
		out = next
	}
	for i := range out {
		out[i] = strings.ReplaceAll(out[i], esc, `%`)
	}
	return out, nil
}

// bestLiteral returns the longest literal run of p, lowered: the prefilter
// looks for it in the event's text.
func bestLiteral(p pattern) string {
	best := ""
	for _, x := range p {
		if x.wild == 0 && len(x.lit) > len(best) {
			best = x.lit
		}
	}
	return event.ToLower(best)
}
