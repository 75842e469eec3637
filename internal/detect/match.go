package detect

import (
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tocsin/internal/event"
)

// val is one value under test: a field value of an event (i >= 0) or its
// message (i < 0). Lower-casing is done once per event and only on demand.
type val struct {
	ev    *event.Event
	i     int
	s     string
	kind  event.Kind
	cache *valueCache // remembers regular expressions' results; may be nil
}

func (v val) lower() string {
	if v.i < 0 {
		return v.ev.LowerMessage()
	}
	return v.ev.Lower(v.i)
}

// valueMatcher tests one value. Matchers are immutable after compilation and
// safe for concurrent use.
type valueMatcher interface {
	match(v val) bool
}

// strKind is the shape of a wildcard pattern, so that the common shapes use
// a direct string operation instead of the general glob matcher.
type strKind uint8

const (
	strExact strKind = iota
	strPrefix
	strSuffix
	strContains
	strGlob
)

// strMatcher compares text, case-insensitively unless cased.
type strMatcher struct {
	kind  strKind
	lit   string  // lowered unless cased, for the fast shapes
	glob  pattern // strGlob: parts, literals lowered unless cased
	cased bool
}

func newStrMatcher(p pattern, cased bool) *strMatcher {
	if !cased {
		p = p.mapLiterals(event.ToLower)
	}
	m := &strMatcher{cased: cased}
	n := len(p)
	switch {
	case n == 0:
		m.kind = strExact
	case !p.hasWildcard():
		m.kind, m.lit = strExact, p.literal()
	case n == 1 && p[0].wild == '*':
		m.kind = strContains // matches everything
	case n == 2 && p[0].wild == 0 && p[1].wild == '*':
		m.kind, m.lit = strPrefix, p[0].lit
	case n == 2 && p[0].wild == '*' && p[1].wild == 0:
		m.kind, m.lit = strSuffix, p[1].lit
	case n == 3 && p[0].wild == '*' && p[1].wild == 0 && p[2].wild == '*':
		m.kind, m.lit = strContains, p[1].lit
	default:
		m.kind, m.glob = strGlob, p
	}
	return m
}

func (m *strMatcher) match(v val) bool {
	if v.kind == event.Null {
		return false
	}
	s := v.s
	if !m.cased {
		s = v.lower()
	}
	return m.test(s)
}

func (m *strMatcher) test(s string) bool {
	switch m.kind {
	case strExact:
		return s == m.lit
	case strPrefix:
		return strings.HasPrefix(s, m.lit)
	case strSuffix:
		return strings.HasSuffix(s, m.lit)
	case strContains:
		return strings.Contains(s, m.lit)
	}
	return globMatch(m.glob, s)
}

// globMatch matches s against parts with '*' (any run) and '?' (one
// character). It backtracks only to the last '*', which keeps it
// O(len(p)*len(s)) in the worst case.
func globMatch(p pattern, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for {
		if pi < len(p) {
			x := p[pi]
			switch {
			case x.wild == '*':
				// A literal after the star can only start where it
				// occurs: jump there instead of trying each position.
				if jumpable(p, pi+1) {
					k := strings.Index(s[si:], p[pi+1].lit)
					if k < 0 {
						return false
					}
					si += k
				}
				starP, starS = pi, si
				pi++
				continue
			case x.wild == '?':
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					pi++
					continue
				}
			case x.wild == 0 && strings.HasPrefix(s[si:], x.lit):
				si += len(x.lit)
				pi++
				continue
			}
		} else if si == len(s) {
			return true
		}
		if starP < 0 || starS >= len(s) {
			return false
		}
		// Let the last '*' absorb one more character and retry, from
		// the next place the literal after it occurs.
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		if jumpable(p, starP+1) {
			k := strings.Index(s[starS:], p[starP+1].lit)
			if k < 0 {
				return false
			}
			starS += k
		}
		pi, si = starP+1, starS
	}
}

// jumpable: part i is a literal that starts a character, so the places
// where it occurs are places the rune-by-rune retry of globMatch would
// reach, and it may jump from one to the next.
func jumpable(p pattern, i int) bool {
	return i < len(p) && p[i].wild == 0 && p[i].lit != "" && utf8.RuneStart(p[i].lit[0])
}

// reMatcher is a regular expression (RE2: linear time whatever the rule).
// Go's regexp is slow next to a substring search, so when the expression
// needs one of a few literals, their absence answers first.
type reMatcher struct {
	re  *regexp.Regexp
	key uint64 // in the value cache: regexKey | a number unique in the engine
	// guards: sets of lower-case literals; one of each set must occur.
	guards [][]string
	minLen int // shortest text the expression can match
	// run: the expression needs runLen consecutive bytes of this ASCII
	// class (like [a-f0-9]{64}); 0 when it does not.
	run    [256]bool
	runLen int
	// maxText bounds the text handed to the expression (see regexBudget).
	maxText int
}

// regexBudget bounds the work of one regular-expression test: RE2 is
// linear, but in text length times program size, so a{1000} over a 1 MB
// value would take seconds. An expression looks at most at the first
// regexBudget/instructions bytes of a value: 640 KB for a typical rule of
// 100 instructions, 64 KB for SigmaHQ's largest (1,003).
const regexBudget = 64 << 20

// maxRegexInst refuses programs beyond any real rule (SigmaHQ: 1,003).
const maxRegexInst = 4096

func newReMatcher(re *regexp.Regexp) *reMatcher {
	m := &reMatcher{re: re, guards: regexGuards(re.String())}
	m.maxText = regexBudget
	if p, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		m.findRun(p) // before Simplify, which spells x{64} as 64 x's
		m.minLen = minMatchLen(p.Simplify())
		if prog, err := syntax.Compile(p.Simplify()); err == nil {
			m.maxText = regexBudget / max(len(prog.Inst), 1)
		}
	}
	return m
}

// regexSize is the number of instructions expr compiles to.
func regexSize(expr string) int {
	p, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return 0
	}
	prog, err := syntax.Compile(p.Simplify())
	if err != nil {
		return 0
	}
	return len(prog.Inst)
}

// findRun looks, among the parts of a top-level concatenation, for the
// longest required repetition of an ASCII character class.
func (m *reMatcher) findRun(re *syntax.Regexp) {
	parts := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		parts = re.Sub
	}
	for _, p := range parts {
		if p.Op == syntax.OpCapture {
			p = p.Sub[0]
		}
		n := 0
		switch {
		case p.Op == syntax.OpRepeat && p.Min >= 8:
			n = p.Min
		default:
			continue
		}
		c := p.Sub[0]
		if c.Op != syntax.OpCharClass || n <= m.runLen {
			continue
		}
		var set [256]bool
		ascii := true
		for i := 0; i+1 < len(c.Rune); i += 2 {
			if c.Rune[i+1] >= utf8.RuneSelf {
				ascii = false
				break
			}
			for r := c.Rune[i]; r <= c.Rune[i+1]; r++ {
				set[r] = true
			}
		}
		if ascii {
			m.run, m.runLen = set, n
		}
	}
}

// hasRun reports whether s holds runLen consecutive bytes of the class.
func (m *reMatcher) hasRun(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if m.run[s[i]] {
			n++
			if n >= m.runLen {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

func (m *reMatcher) match(v val) bool {
	if v.kind == event.Null || len(v.s) < m.minLen || m.runLen > 0 && !m.hasRun(v.s) {
		return false
	}
	if m.guards != nil {
		low := v.lower()
		for _, set := range m.guards {
			found := false
			for _, g := range set {
				if strings.Contains(low, g) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	// RE2 in Go costs thousands of instructions even on a short value,
	// and the values regular expressions read (command lines of svchost,
	// rundll32…) repeat: their results are remembered.
	if v.cache != nil && len(v.s) >= minCachedValue && len(v.s) <= maxCachedValue {
		sl, h, ok := v.cache.lookup(m.key, v.s)
		if ok {
			return sl.result
		}
		r := m.test(v.s)
		v.cache.storeResult(sl, h, m.key, v.s, r)
		return r
	}
	return m.test(v.s)
}

func (m *reMatcher) test(s string) bool {
	if len(s) > m.maxText {
		s = s[:m.maxText]
	}
	return m.re.MatchString(s)
}

// minMatchLen is a lower bound, in bytes, of what re can match.
func minMatchLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		if re.Flags&syntax.FoldCase != 0 {
			n = len(re.Rune) // folding may change byte lengths
		}
		return n
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minMatchLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minMatchLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n += minMatchLen(s)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if l := minMatchLen(s); n < 0 || l < n {
				n = l
			}
		}
		return max(n, 0)
	}
	return 0
}

// tailSet is many `endswith: '\name'` values of one item: the value's part
// from its last separator is looked up.
type tailSet struct{ set map[string]bool }

func (m *tailSet) match(v val) bool {
	if v.kind == event.Null {
		return false
	}
	low := v.lower()
	if k := strings.LastIndexByte(low, '\\'); k >= 0 && m.set[low[k:]] {
		return true
	}
	if k := strings.LastIndexByte(low, '/'); k >= 0 && m.set[low[k:]] {
		return true
	}
	return false
}

// multiContains is many `contains` values of one item in one automaton,
// dense when small, sparse when large.
type multiContains struct {
	dense  *automaton
	sparse *sparseAC
}

func (m *multiContains) match(v val) bool {
	if v.kind == event.Null {
		return false
	}
	if m.dense != nil {
		return m.dense.contains(v.lower())
	}
	return m.sparse.contains(v.lower())
}

// cidrMatcher tests whether an IP address lies in a network.
type cidrMatcher struct{ prefix netip.Prefix }

func (m *cidrMatcher) match(v val) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(v.s))
	if err != nil {
		return false
	}
	return m.prefix.Contains(a.Unmap())
}

// cmpMatcher compares numerically (gt, gte, lt, lte), optionally on a part
// of a timestamp (minute, hour, day, week, month, year).
type cmpMatcher struct {
	op   string // gt gte lt lte eq
	n    float64
	part string
}

func (m *cmpMatcher) match(v val) bool {
	var x float64
	if m.part != "" {
		t, ok := parseTime(v.s)
		if !ok {
			return false
		}
		x = float64(timePart(t, m.part))
	} else {
		f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
		if err != nil {
			return false
		}
		x = f
	}
	switch m.op {
	case "gt":
		return x > m.n
	case "gte":
		return x >= m.n
	case "lt":
		return x < m.n
	case "lte":
		return x <= m.n
	}
	return x == m.n
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func timePart(t time.Time, part string) int {
	switch part {
	case "minute":
		return t.Minute()
	case "hour":
		return t.Hour()
	case "day":
		return t.Day()
	case "week":
		_, w := t.ISOWeek()
		return w
	case "month":
		return int(t.Month())
	}
	return t.Year()
}

// numMatcher is a plain number in a rule: it matches the same number
// written as a string or a JSON number ("4624", 4624, 4624.0).
type numMatcher struct {
	text string
	n    float64
}

func (m *numMatcher) match(v val) bool {
	if v.kind == event.Null {
		return false
	}
	if v.s == m.text {
		return true
	}
	f, ok := parseNumber(strings.TrimSpace(v.s))
	return ok && f == m.n
}

// fieldrefMatcher compares with another field of the same event.
type fieldrefMatcher struct {
	other string
	kind  strKind // exact, prefix, suffix or contains
	cased bool
}

func (m *fieldrefMatcher) match(v val) bool {
	for j := v.ev.Lookup(m.other); j >= 0; j = v.ev.Next(j) {
		s, o := v.s, v.ev.At(j).Value
		if !m.cased {
			s, o = v.lower(), v.ev.Lower(j)
		}
		sm := strMatcher{kind: m.kind, lit: o}
		if sm.test(s) {
			return true
		}
	}
	return false
}
