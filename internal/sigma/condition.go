package sigma

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Condition grammar (loosest to tightest):
//
//	or_expr  := and_expr ("or" and_expr)*
//	and_expr := not_expr ("and" not_expr)*
//	not_expr := "not" not_expr | primary
//	primary  := "(" or_expr ")" | ("1"|"any"|"all") "of" (PATTERN|"them") | IDENT

type token struct {
	text string
	col  int // 0-based offset in the condition text
}

type condParser struct {
	p    *problems
	d    *Detection
	toks []token
	i    int
	base Pos
	text string
	bad  bool
}

func parseCondition(p *problems, n *yaml.Node, d *Detection) Expr {
	base := pos(n)
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
		base.Column++
	}
	cp := &condParser{p: p, d: d, base: base, text: n.Value}
	if i := strings.Index(n.Value, "|"); i >= 0 {
		cp.errAt(i, "`|` starts a Sigma 1 aggregation (count() by ...), which Sigma 2 replaced: write a correlation rule")
		return nil
	}
	cp.toks = tokenize(n.Value)
	if len(cp.toks) == 0 {
		cp.errAt(0, "condition is empty")
		return nil
	}
	e := cp.or()
	if !cp.bad && cp.i < len(cp.toks) {
		t := cp.toks[cp.i]
		if t.text == ")" {
			cp.errAt(t.col, "unbalanced ')' in condition")
		} else {
			cp.errAt(t.col, "expected 'and' or 'or' before %q", t.text)
		}
	}
	if cp.bad {
		return nil
	}
	return e
}

func tokenize(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			out = append(out, token{string(c), i})
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()", rune(s[j])) {
				j++
			}
			out = append(out, token{s[i:j], i})
			i = j
		}
	}
	return out
}

func (c *condParser) errAt(off int, format string, args ...any) {
	if c.bad {
		return
	}
	c.bad = true
	at := c.base
	if !strings.Contains(c.text[:min(off, len(c.text))], "\n") {
		at.Column += off
	}
	c.p.at(at, "condition: %s", fmt.Sprintf(format, args...))
}

func (c *condParser) peek() string {
	if c.i < len(c.toks) {
		return strings.ToLower(c.toks[c.i].text)
	}
	return ""
}

func (c *condParser) or() Expr {
	x := []Expr{c.and()}
	for !c.bad && c.peek() == "or" {
		c.i++
		x = append(x, c.and())
	}
	if len(x) == 1 {
		return x[0]
	}
	return Or{X: x}
}

func (c *condParser) and() Expr {
	x := []Expr{c.not()}
	for !c.bad && c.peek() == "and" {
		c.i++
		x = append(x, c.not())
	}
	if len(x) == 1 {
		return x[0]
	}
	return And{X: x}
}

func (c *condParser) not() Expr {
	if c.peek() == "not" {
		c.i++
		return Not{X: c.not()}
	}
	return c.primary()
}

var patternRe = regexp.MustCompile(`^[A-Za-z0-9_.*-]+$`)

func (c *condParser) primary() Expr {
	if c.bad {
		return nil
	}
	if c.i >= len(c.toks) {
		end := len(c.text)
		c.errAt(end, "ends too early: expected a search identifier, '(' or 'not'")
		return nil
	}
	t := c.toks[c.i]
	low := strings.ToLower(t.text)
	switch {
	case low == "(":
		c.i++
		e := c.or()
		if c.bad {
			return nil
		}
		if c.peek() != ")" {
			c.errAt(t.col, "'(' is never closed")
			return nil
		}
		c.i++
		return e
	case low == ")":
		c.errAt(t.col, "unexpected ')'")
		return nil
	case low == "and" || low == "or":
		c.errAt(t.col, "%q needs something on its left", t.text)
		return nil
	case (low == "1" || low == "any" || low == "all") && c.i+1 < len(c.toks) && strings.ToLower(c.toks[c.i+1].text) == "of":
		if c.i+2 >= len(c.toks) {
			c.errAt(c.toks[c.i+1].col, "'%s of' needs a pattern or 'them'", t.text)
			return nil
		}
		pt := c.toks[c.i+2]
		c.i += 3
		return c.of(low == "all", pt)
	case low != "1" && low != "any" && low != "all" && c.i+1 < len(c.toks) && strings.ToLower(c.toks[c.i+1].text) == "of":
		c.errAt(t.col, "%q of: only '1 of', 'any of' and 'all of' exist in Sigma", t.text)
		return nil
	}
	c.i++
	if c.d.Search(t.text) == nil {
		c.errAt(t.col, "%q is not a search identifier of this rule%s", t.text, c.known())
		return nil
	}
	return Ident{Name: t.text}
}

func (c *condParser) known() string {
	var names []string
	for _, s := range c.d.Searches {
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		return ""
	}
	return " (defined: " + strings.Join(names, ", ") + ")"
}

func (c *condParser) of(all bool, pt token) Expr {
	o := Of{All: all, Pattern: pt.text}
	if pt.text == "them" {
		for _, s := range c.d.Searches {
			if !strings.HasPrefix(s.Name, "_") {
				o.Names = append(o.Names, s.Name)
			}
		}
	} else {
		if !patternRe.MatchString(pt.text) {
			c.errAt(pt.col, "%q is not a valid identifier pattern", pt.text)
			return nil
		}
		re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(pt.text), `\*`, ".*") + "$")
		for _, s := range c.d.Searches {
			// A pattern not starting with '_' leaves out '_' identifiers,
			// as `them` does.
			if strings.HasPrefix(s.Name, "_") && !strings.HasPrefix(pt.text, "_") {
				continue
			}
			if re.MatchString(s.Name) {
				o.Names = append(o.Names, s.Name)
			}
		}
	}
	if len(o.Names) == 0 {
		c.errAt(pt.col, "%q matches no search identifier%s", pt.text, c.known())
		return nil
	}
	return o
}
