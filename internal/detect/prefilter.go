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
//   - a substring witness (field == ""): text occurs in some value of the
//     event, compared with ASCII case folded; found by one Aho-Corasick scan
//     over all values;
//   - an equality witness: the field has exactly this value (lower case,
//     numbers in canonical form); found by a hash lookup.
//
// A witness is a necessary condition only: a rule it selects is then
// evaluated in full. Rules without witnesses are always evaluated.
type witness struct {
	field string
	text  string
}

// score estimates how rare a witness is: a whole field value is rarer than
// a substring, and a long substring rarer than a short one.
func (w witness) score() int {
	if w.field != "" {
		return 8 + len(w.text)
	}
	return min(len(w.text), maxWindow)
}

// better prefers the set whose weakest witness is rarer, then the smaller set.
func better(a, b []witness) bool {
	ma, mb := minScore(a), minScore(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func minScore(ws []witness) int {
	m := 1 << 30
	for _, w := range ws {
		m = min(m, w.score())
	}
	return m
}

// maxWindow is the length of the slice of a literal the prefilter looks
// for: any slice of a needed literal is needed too, and short slices keep
// the automaton small.
const maxWindow = 8

// finalize cuts substring witnesses to windows and removes duplicates. It
// returns nil when a witness has no usable window: the rule is then always
// evaluated.
func finalize(ws []witness) []witness {
	out := make([]witness, 0, len(ws))
	seen := map[witness]bool{}
	for _, w := range ws {
		if w.field == "" {
			w.text = window(w.text)
			if w.text == "" {
				return nil
			}
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// window picks at most maxWindow bytes from a literal, preferring slices
// with more distinct bytes, and the later one on a tie: file names and
// arguments, at the end, are rarer than the drive and folder they start
// with. The scan folds only ASCII case, so the slice may hold only ASCII
// and characters that have no other case.
func window(l string) string {
	best, bestScore := "", -1
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
			if s := distinct(run[k : k+w]); s >= bestScore {
				best, bestScore = run[k:k+w], s
			}
		}
		i = j
	}
	return best
}

// caseless reports whether the character at l[i] compares the same in the
// raw text and in the automaton's ASCII folding: ASCII, or a character
// without other case forms.
func caseless(l string, i int) bool {
	if l[i] < utf8.RuneSelf {
		return true
	}
	r, n := utf8.DecodeRuneInString(l[i:])
	if r == utf8.RuneError && n <= 1 {
		return false
	}
	return unicode.SimpleFold(r) == r
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

// canonicalNumber writes a number the one way the equality index uses.
func canonicalNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// regexWitnesses returns literals of which one must occur in any text the
// regular expression matches, or nil if it needs none.
func regexWitnesses(expr string) []witness {
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
		out[i] = witness{text: event.ToLower(l)}
	}
	return out
}

// reNeed walks a regexp: a concatenation needs its best part (runs of
// literal parts joined), an alternation the union of its branches.
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
		var run strings.Builder
		consider := func(l []string) {
			if l != nil && (best == nil || minStrLen(l) > minStrLen(best)) {
				best = l
			}
		}
		flush := func() {
			if run.Len() > 0 {
				consider([]string{run.String()})
				run.Reset()
			}
		}
		for _, s := range re.Sub {
			if s.Op == syntax.OpLiteral {
				run.WriteString(string(s.Rune))
				continue
			}
			if l, ok := caseClass(s); ok && s.Op == syntax.OpCharClass {
				run.WriteString(l)
				continue
			}
			flush()
			consider(reNeed(s))
		}
		flush()
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
