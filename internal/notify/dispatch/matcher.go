package dispatch

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"tocsin/internal/notify"
)

// ErrMatcher reports a matcher that does not parse.
var ErrMatcher = errors.New("bad matcher")

// Op is a matcher's comparison.
type Op string

// The operators: Alertmanager's four, and level ordering.
const (
	OpEqual     Op = "="
	OpNotEqual  Op = "!="
	OpRegexp    Op = "=~"
	OpNotRegexp Op = "!~"
	OpAtLeast   Op = ">="
	OpAbove     Op = ">"
	OpAtMost    Op = "<="
	OpBelow     Op = "<"
)

// Matcher tests one label, written `name op value` as in Alertmanager
// (`tenant = ville-a`, `tags =~ "attack\\.t1.*"`, `level >= orange`).
//
// An absent label matches the empty value. Regular expressions are
// anchored (RE2: linear time). The ordering operators apply to the level
// label only, in the order vert < jaune < orange < rouge. On the tags
// label (rule tags, comma-separated) = and != test whether one tag is
// present, =~ and !~ whether any tag matches.
type Matcher struct {
	Name  string
	Op    Op
	Value string
	re    *regexp.Regexp
	level notify.Level
}

// ParseMatcher reads one matcher.
func ParseMatcher(s string) (Matcher, error) {
	in := strings.TrimSpace(s)
	i := 0
	for i < len(in) && isNameByte(in[i], i == 0) {
		i++
	}
	m := Matcher{Name: in[:i]}
	if m.Name == "" {
		return Matcher{}, fmt.Errorf("%w %q: want a label name first (letters, digits, _)", ErrMatcher, s)
	}
	rest := strings.TrimLeft(in[i:], " \t")
	for _, op := range []Op{OpRegexp, OpNotRegexp, OpNotEqual, OpAtLeast, OpAtMost, OpEqual, OpAbove, OpBelow} {
		if strings.HasPrefix(rest, string(op)) {
			m.Op = op
			rest = rest[len(op):]
			break
		}
	}
	if m.Op == "" {
		return Matcher{}, fmt.Errorf("%w %q: want an operator after %q (=, !=, =~, !~, >=, >, <=, <)", ErrMatcher, s, m.Name)
	}
	value := strings.TrimSpace(rest)
	if strings.HasPrefix(value, `"`) {
		v, err := strconv.Unquote(value)
		if err != nil {
			return Matcher{}, fmt.Errorf("%w %q: bad quoted value: %w", ErrMatcher, s, err)
		}
		value = v
	} else if strings.ContainsAny(value, "\"\n") {
		return Matcher{}, fmt.Errorf("%w %q: quote a value that holds quotes or newlines", ErrMatcher, s)
	}
	m.Value = value
	return m, m.compile(s)
}

// MustMatcher is ParseMatcher for literals in code and tests.
func MustMatcher(s string) Matcher {
	m, err := ParseMatcher(s)
	if err != nil {
		panic(err)
	}
	return m
}

func (m *Matcher) compile(src string) error {
	switch m.Op {
	case OpRegexp, OpNotRegexp:
		re, err := regexp.Compile("^(?:" + m.Value + ")$")
		if err != nil {
			return fmt.Errorf("%w %q: %w", ErrMatcher, src, err)
		}
		m.re = re
	case OpAtLeast, OpAbove, OpAtMost, OpBelow:
		if m.Name != notify.LabelLevel {
			return fmt.Errorf("%w %q: %s compares levels and applies to the level label only", ErrMatcher, src, m.Op)
		}
		l, err := notify.ParseLevel(m.Value)
		if err != nil {
			return fmt.Errorf("%w %q: %w", ErrMatcher, src, err)
		}
		m.level = l
	}
	return nil
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9')
}

// String writes the matcher back in a form ParseMatcher reads.
func (m Matcher) String() string { return m.Name + string(m.Op) + strconv.Quote(m.Value) }

// Matches reports whether the labels satisfy the matcher.
func (m *Matcher) Matches(labels map[string]string) bool {
	v := labels[m.Name]
	if m.Name == notify.LabelTags {
		return m.matchTags(v)
	}
	switch m.Op {
	case OpEqual:
		return v == m.Value
	case OpNotEqual:
		return v != m.Value
	case OpRegexp:
		return m.re.MatchString(v)
	case OpNotRegexp:
		return !m.re.MatchString(v)
	}
	l, err := notify.ParseLevel(v)
	if err != nil {
		return false
	}
	switch m.Op {
	case OpAtLeast:
		return l >= m.level
	case OpAbove:
		return l > m.level
	case OpAtMost:
		return l <= m.level
	case OpBelow:
		return l < m.level
	}
	return false
}

func (m *Matcher) matchTags(v string) bool {
	hit := false
	for tag := range strings.SplitSeq(v, ",") {
		if tag == "" {
			continue
		}
		switch m.Op {
		case OpEqual, OpNotEqual:
			hit = hit || tag == m.Value
		default:
			hit = hit || m.re.MatchString(tag)
		}
	}
	switch m.Op {
	case OpEqual, OpRegexp:
		return hit || (v == "" && m.matchesEmpty())
	}
	return !hit && !(v == "" && m.matchesEmpty())
}

// matchesEmpty: with no tags, tags="" and tags=~"" still match, as an
// absent label does.
func (m *Matcher) matchesEmpty() bool {
	if m.re != nil {
		return m.re.MatchString("")
	}
	return m.Value == ""
}

// Matchers is a conjunction.
type Matchers []Matcher

// ParseMatchers reads each string, naming the one at fault by index.
func ParseMatchers(ss []string) (Matchers, error) {
	out := make(Matchers, 0, len(ss))
	var errs []error
	for i, s := range ss {
		m, err := ParseMatcher(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("[%d]: %w", i, err))
			continue
		}
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}

// Matches reports whether every matcher holds.
func (ms Matchers) Matches(labels map[string]string) bool {
	for i := range ms {
		if !ms[i].Matches(labels) {
			return false
		}
	}
	return true
}

// String joins the matchers as Alertmanager writes a route: {a="b",c=~"d"}.
func (ms Matchers) String() string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return "{" + strings.Join(parts, ",") + "}"
}
