package detect

import (
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"tocsin/internal/event"
)

// The prefilter decides, per event, which rules are worth evaluating. For
// each rule, compilation derives a set of witnesses of which at least one
// must hold for the rule to match:
//
//   - a substring witness: text occurs in a value of the field (of any
//     field for keywords, field ""), compared with ASCII case folded;
//     found by one Aho-Corasick scan per field;
//   - an equality witness (exact): the field has exactly this value (lower
//     case, numbers in canonical form); found by a hash lookup;
//   - a path-tail witness (exact and tail): the field's value ends with
//     this separator and name (`\whoami.exe`); the value's part from its
//     last separator is looked up in a hash index.
//
// A witness is a necessary condition only: a rule it selects is then
// evaluated in full. Rules without witnesses are always evaluated.
type witness struct {
	field string
	text  string
	exact bool
	tail  bool
}

// scorer estimates how common a witness is from the rules themselves: a
// value or a piece of text that many rules look for (c:\windows\, .exe,
// IntegrityLevel: System) is common in events too, while one that few rules
// name is rare. Costs are relative; lower is rarer.
type scorer struct {
	grams map[uint32]int  // substring literals containing each 3-gram (see gram)
	eqs   map[witness]int // items testing each exact field value
}

func newScorer() *scorer {
	sc := &scorer{grams: map[uint32]int{}, eqs: map[witness]int{}}
	// What rules rarely name but events often hold: counted as if many
	// rules looked for it.
	for _, t := range commonText {
		for i := 0; i+3 <= len(t); i++ {
			sc.grams[gram(t, i)] += commonWeight
		}
	}
	return sc
}

// commonText is text found in most Windows and Linux events, which the
// rule corpus alone would rate rare: "NT AUTHORITY" is in a handful of
// rules and in every SYSTEM process event.
var commonText = []string{
	"nt authority", "autorite nt", "system32", "syswow64", "\\windows\\", "program files",
	"microsoft", "\\users\\", "appdata", "programdata", "svchost", "conhost", ".exe", ".dll",
	"c:\\", "localsystem", "local service", "network service",
}

// commonWeight is how many rules a common 3-gram counts as.
const commonWeight = 50

// count records the witnesses of one item value.
func (sc *scorer) count(ws []witness) {
	for _, w := range ws {
		if w.exact {
			sc.eqs[w]++
			continue
		}
		seen := map[uint32]bool{}
		for i := 0; i+3 <= len(w.text); i++ {
			g := gram(w.text, i)
			if !seen[g] {
				seen[g] = true
				sc.grams[g]++
			}
		}
	}
}

// gram is the 3-gram of s at i as a map key (a uint32 key takes the map's
// fast path: compiling the corpus rates millions of them).
func gram(s string, i int) uint32 {
	return uint32(s[i])<<16 | uint32(s[i+1])<<8 | uint32(s[i+2])
}

// shortCost is the cost of a substring shorter than a 3-gram: found in
// most events.
const shortCost = 1 << 20

// cost of one finalized witness. A window is as rare as its rarest
// 3-gram; an exact value is rarer than text, unless many rules test it.
//
// For text the cost grows with the square of the count: text that many
// rules name is not just a little more common in events but far more (it
// is what benign telemetry is made of), so a set of fifty rare witnesses is
// still cheaper than one common one. An exact value that many rules test
// is mostly a rare program many rules care about (mshta.exe): it grows
// linearly.
func (sc *scorer) cost(w witness) int {
	var n int
	switch {
	case w.exact:
		return 2 + 4*sc.eqs[w]
	case len(w.text) < 3:
		return shortCost >> (2 * len(w.text))
	default:
		best := 1 << 30
		for i := 0; i+3 <= len(w.text); i++ {
			best = min(best, sc.grams[gram(w.text, i)])
		}
		n = 1 + best
	}
	return n * n
}

// setCost: any witness of an OR set selects the rule, so costs add up.
func (sc *scorer) setCost(ws []witness) int {
	n := 0
	for _, w := range ws {
		n += sc.cost(w)
	}
	return n
}

func (sc *scorer) better(a, b []witness) bool { return sc.setCost(a) < sc.setCost(b) }

// windows finalizes the witnesses of one value: substrings are cut to
// their rarest window. ok is false when one has no usable window.
func (sc *scorer) windows(ws []witness) ([]witness, bool) {
	out := make([]witness, 0, len(ws))
	for _, w := range ws {
		if !w.exact {
			w.text = sc.window(w.text)
			// One or two bytes occur in most values: such a witness
			// would cost a scan hit nearly every time and select the
			// rule anyway. Better to evaluate the rule. Not so for one
			// non-ASCII character (a Cyrillic homoglyph, a Unicode
			// dash): its automaton only scans the values that have
			// non-ASCII bytes, which are few.
			if len(w.text) < minWindow && (isASCII(w.text) || len(w.text) < 2) {
				return nil, false
			}
		}
		out = append(out, w)
	}
	return out, true
}

// maxWindow is the length of the slice of a literal the prefilter looks
// for: any slice of a needed literal is needed too, and short slices keep
// the automaton small.
const maxWindow = 8

// minWindow is the shortest substring worth a witness.
const minWindow = 3

// dedup removes repeated witnesses.
func dedup(ws []witness) []witness {
	out := make([]witness, 0, len(ws))
	seen := map[witness]bool{}
	for _, w := range ws {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// window picks at most maxWindow bytes from a literal: the rarest slice,
// and on a tie the later one (file names and arguments, at the end, are
// rarer than the drive and folder they start with).
func (sc *scorer) window(l string) string {
	best, bestCost := "", 1<<31-1
	for i := 0; i < len(l); {
		if !caseless(l, i) {
			_, n := utf8.DecodeRuneInString(l[i:])
			i += n
			continue
		}
		j := i
		for j < len(l) && caseless(l, j) {
			_, n := utf8.DecodeRuneInString(l[j:])
			j += n
		}
		run := l[i:j]
		w := min(maxWindow, len(run))
		for k := 0; k+w <= len(run); k++ {
			if c := sc.cost(witness{text: run[k : k+w]}); c <= bestCost {
				best, bestCost = run[k:k+w], c
			}
		}
		i = j
	}
	return best
}

// caseless reports whether the character at l[i] can be part of a
// window. ASCII is scanned with case folded; other characters go to the
// automaton that also scans lower-cased values, and literals are lower
// case, so any valid character will do.
func caseless(l string, i int) bool {
	if l[i] < utf8.RuneSelf {
		return true
	}
	r, n := utf8.DecodeRuneInString(l[i:])
	return !(r == utf8.RuneError && n <= 1)
}

// canonicalNumber writes a number the one way the equality index uses.
func canonicalNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// regexWitnesses returns literals of which one must occur in any text the
// regular expression matches, or nil if it needs none.
func regexWitnesses(field, expr string) []witness {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	lits := reNeed(re.Simplify())
	if lits == nil {
		return nil
	}
	out := make([]witness, len(lits))
	for i, l := range lits {
		out[i] = witness{field: field, text: event.ToLower(l)}
	}
	return out
}

// regexGuards returns sets of lower-case literals the expression needs all
// of (one literal of each set): the parts of its top-level concatenation.
// Each set alone is a witness; all together make a cheap guard before the
// expression runs.
func regexGuards(expr string) [][]string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	var sets [][]string
	parts := [][]string{reNeed(re)}
	if re.Op == syntax.OpConcat {
		parts = concatParts(re.Sub)
	}
	for _, l := range parts {
		if l == nil {
			continue
		}
		low := make([]string, len(l))
		for i, x := range l {
			low[i] = event.ToLower(x)
		}
		sets = append(sets, low)
	}
	return sets
}

// concatParts returns, for the parts of a concatenation, the literal sets
// each needs (nil for a part that needs none): consecutive literals are
// joined into one run, and a run followed by a small class becomes a set
// (`\.[ "']`: one of ". ", ".\"", ".'" is rarer than ".").
func concatParts(sub []*syntax.Regexp) [][]string {
	var parts [][]string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			parts = append(parts, []string{run.String()})
			run.Reset()
		}
	}
	for _, s := range sub {
		if s.Op == syntax.OpLiteral {
			run.WriteString(string(s.Rune))
			continue
		}
		if l, ok := caseClass(s); ok {
			run.WriteString(l)
			continue
		}
		if cs := smallClass(s); cs != nil && run.Len() > 0 {
			set := make([]string, len(cs))
			for i, c := range cs {
				set[i] = run.String() + c
			}
			parts = append(parts, set)
			run.Reset()
			continue
		}
		flush()
		parts = append(parts, reNeed(s))
	}
	flush()
	return parts
}

// smallClass returns the characters of a class of at most four ASCII
// characters, else nil.
func smallClass(re *syntax.Regexp) []string {
	if re.Op != syntax.OpCharClass {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(re.Rune); i += 2 {
		for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
			if r >= utf8.RuneSelf || len(out) == 4 {
				return nil
			}
			out = append(out, string(r))
		}
	}
	return out
}

// reNeed walks a regexp: a concatenation needs its best part, an
// alternation the union of its branches.
func reNeed(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		if l, ok := caseClass(re); ok {
			return []string{l}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return reNeed(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reNeed(re.Sub[0])
		}
	case syntax.OpAlternate:
		var all []string
		for _, s := range re.Sub {
			l := reNeed(s)
			if l == nil {
				return nil
			}
			all = append(all, l...)
		}
		return all
	case syntax.OpConcat:
		var best []string
		for _, l := range concatParts(re.Sub) {
			if l != nil && (best == nil || minStrLen(l) > minStrLen(best)) {
				best = l
			}
		}
		return best
	}
	return nil
}

// caseClass reads [eE] as the letter e: the automaton folds ASCII case.
func caseClass(re *syntax.Regexp) (string, bool) {
	if re.Op != syntax.OpCharClass {
		return "", false
	}
	r := re.Rune
	if len(r) == 4 && r[0] == r[1] && r[2] == r[3] && r[0] < 128 && r[2] < 128 && unicode.ToLower(r[0]) == unicode.ToLower(r[2]) && r[0] != r[2] {
		return string(unicode.ToLower(r[0])), true
	}
	if len(r) == 2 && r[0] == r[1] {
		return string(r[0]), true
	}
	return "", false
}

func minStrLen(l []string) int {
	m := 1 << 30
	for _, s := range l {
		m = min(m, len(s))
	}
	return m
}
