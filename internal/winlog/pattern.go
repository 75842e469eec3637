package winlog

import (
	"fmt"
	"strconv"
	"strings"
)

// maxCaptures bounds the wildcards of one pattern, so that matching keeps
// its captures in a fixed array and does not allocate.
const maxCaptures = 4

// node is a segment trie of the patterns of one shape. Matching walks a
// flattened name segment by segment: a literal child is tried first, then
// the "*" child, then a "**" that takes the rest.
type node struct {
	lits   []litChild
	star   *node
	rest   *template // "**" as the last segment
	target *template // a pattern ends here
}

type litChild struct {
	seg  string
	next *node
}

// template is a pattern's target, compiled.
type template struct {
	unmapped bool   // empty target: matched, but not to be mapped
	single   int    // >= 0: the target is exactly that capture ($1 → 0)
	literal  string // the target when it has no capture
	parts    []part // otherwise
}

type part struct {
	lit string
	cap int // -1 for a literal part
}

type span struct{ lo, hi int }

// add inserts pattern → target.
func (n *node) add(pattern, target string) error {
	segs := strings.Split(pattern, ".")
	wild := 0
	for i, s := range segs {
		switch {
		case s == "**" && i != len(segs)-1:
			return fmt.Errorf("pattern %q: ** must be the last segment", pattern)
		case s == "*" || s == "**":
			wild++
		case strings.Contains(s, "*"):
			return fmt.Errorf("pattern %q: * stands for a whole segment", pattern)
		}
	}
	if wild > maxCaptures {
		return fmt.Errorf("pattern %q: more than %d wildcards", pattern, maxCaptures)
	}
	t, err := compileTemplate(target, wild)
	if err != nil {
		return fmt.Errorf("pattern %q: %w", pattern, err)
	}
	cur := n
	for i, s := range segs {
		switch s {
		case "**":
			if cur.rest != nil {
				return fmt.Errorf("pattern %q given twice", pattern)
			}
			cur.rest = t
			return nil
		case "*":
			if cur.star == nil {
				cur.star = &node{}
			}
			cur = cur.star
		default:
			var next *node
			for _, c := range cur.lits {
				if c.seg == s {
					next = c.next
				}
			}
			if next == nil {
				next = &node{}
				cur.lits = append(cur.lits, litChild{s, next})
			}
			cur = next
		}
		if i == len(segs)-1 {
			if cur.target != nil {
				return fmt.Errorf("pattern %q given twice", pattern)
			}
			cur.target = t
		}
	}
	return nil
}

// compileTemplate parses a target such as "$1_$2" for a pattern with
// wild wildcards.
func compileTemplate(target string, wild int) (*template, error) {
	t := &template{single: -1}
	if target == "" {
		t.unmapped = true
		return t, nil
	}
	for s := target; s != ""; {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			t.parts = append(t.parts, part{lit: s, cap: -1})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, part{lit: s[:i], cap: -1})
		}
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		k, err := strconv.Atoi(s[i+1 : j])
		if err != nil || k < 1 || k > wild {
			return nil, fmt.Errorf("target %q: $%s does not name one of the %d wildcards", target, s[i+1:j], wild)
		}
		t.parts = append(t.parts, part{cap: k - 1})
		s = s[j:]
	}
	switch {
	case len(t.parts) == 1 && t.parts[0].cap >= 0:
		t.single = t.parts[0].cap
	case len(t.parts) == 1:
		t.literal = t.parts[0].lit
	}
	return t, nil
}

// matcher holds the captures of one match attempt.
type matcher struct {
	name string
	caps [maxCaptures]span
	n    int
}

// match finds the template for name, or nil.
func (n *node) match(m *matcher) *template {
	return n.walk(m, 0)
}

// walk matches the segments of m.name from offset at (just past a dot).
func (n *node) walk(m *matcher, at int) *template {
	if at > len(m.name) {
		return n.target
	}
	end := strings.IndexByte(m.name[at:], '.')
	if end < 0 {
		end = len(m.name)
	} else {
		end += at
	}
	seg := m.name[at:end]
	for _, c := range n.lits {
		if c.seg == seg {
			if t := c.next.walk(m, end+1); t != nil {
				return t
			}
			break
		}
	}
	if n.star != nil && m.n < maxCaptures {
		m.caps[m.n] = span{at, end}
		m.n++
		if t := n.star.walk(m, end+1); t != nil {
			return t
		}
		m.n--
	}
	if n.rest != nil && m.n < maxCaptures {
		m.caps[m.n] = span{at, len(m.name)}
		m.n++
		return n.rest
	}
	return nil
}

// render builds the target name: a substring of the matched name or a
// constant when it can, a new string only for mixed templates.
func (t *template) render(m *matcher) string {
	switch {
	case t.single >= 0:
		c := m.caps[t.single]
		// Defender names its data "Threat Name", "Source Name": Sigma
		// rules (after SigmaHQ's own tooling) write them without spaces.
		if name := m.name[c.lo:c.hi]; strings.IndexByte(name, ' ') >= 0 {
			return strings.ReplaceAll(name, " ", "")
		}
		return m.name[c.lo:c.hi]
	case t.literal != "":
		return t.literal
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.cap < 0 {
			b.WriteString(p.lit)
		} else {
			c := m.caps[p.cap]
			b.WriteString(m.name[c.lo:c.hi])
		}
	}
	return b.String()
}
