package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"tocsin/internal/sigma"
)

// t0 is the origin of every scenario; steps give offsets from it.
var t0 = time.Date(2024, 7, 26, 19, 0, 0, 0, time.UTC)

// fields is a Getter over a map.
type fields map[string]string

func (f fields) Get(name string) (string, bool) { v, ok := f[name]; return v, ok }

func det(name string) *sigma.Rule {
	return &sigma.Rule{Kind: sigma.KindDetection, Name: name, Title: name, File: "rules.yml", Pos: sigma.Pos{Line: 1, Column: 1}}
}

// corrRule builds a correlation named name.
func corrRule(name, typ string, rules, groupBy []string, span time.Duration, cond *sigma.CorrCondition) *sigma.Rule {
	return &sigma.Rule{
		Kind: sigma.KindCorrelation, Name: name, Title: name, File: "corr.yml", Pos: sigma.Pos{Line: 3, Column: 1},
		Correlation: &sigma.Correlation{Type: typ, Rules: rules, GroupBy: groupBy, Timespan: span, Condition: cond},
	}
}

// cond builds a condition from operator/value pairs: cond("", "gte", 3).
func cond(field string, opv ...any) *sigma.CorrCondition {
	c := &sigma.CorrCondition{Field: field}
	for i := 0; i+1 < len(opv); i += 2 {
		c.Cmp = append(c.Cmp, sigma.Comparison{Op: opv[i].(string), Value: float64(opv[i+1].(int))})
	}
	return c
}

// step is a hit of rule at t0+at with fields, or an Advance (rule "") or
// a Flush (rule "flush").
type step struct {
	rule string
	at   time.Duration
	f    fields
}

func hit(rule string, at time.Duration, kv ...string) step {
	f := fields{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	return step{rule: rule, at: at, f: f}
}

func adv(at time.Duration) step { return step{at: at} }

func flush() step { return step{rule: "flush"} }

// run plays steps and returns each Result as a line: the hit of step i has
// line i+1 in file "in.log".
func run(t *testing.T, rules []*sigma.Rule, opts Options, steps []step) ([]string, *Engine) {
	t.Helper()
	e, errs := New(rules, opts)
	for _, err := range errs {
		t.Fatalf("New: %v", err)
	}
	byName := map[string]*sigma.Rule{}
	for _, r := range rules {
		byName[r.Name] = r
	}
	var got []string
	for i, s := range steps {
		var rs []Result
		switch s.rule {
		case "":
			rs = e.Advance(t0.Add(s.at))
		case "flush":
			rs = e.Flush()
		default:
			r := byName[s.rule]
			if r == nil {
				t.Fatalf("step %d: no rule %q", i, s.rule)
			}
			rs = e.Observe(Hit{Rule: r, Time: t0.Add(s.at), Fields: s.f, Events: []Ref{{File: "in.log", Line: i + 1}}})
		}
		for _, r := range rs {
			got = append(got, fmt.Sprintf("@%d %s", i+1, show(r)))
		}
	}
	return got, e
}

// show formats a Result: name{group}=value first..last lines.
func show(r Result) string {
	var g []string
	for _, kv := range r.Group {
		g = append(g, kv.Field+"="+kv.Value)
	}
	var lines []string
	for _, ref := range r.Events {
		lines = append(lines, fmt.Sprint(ref.Line))
	}
	return fmt.Sprintf("%s{%s}=%g %v..%v [%s]", r.Rule.Name, strings.Join(g, ","), r.Value,
		r.First.Sub(t0), r.Last.Sub(t0), strings.Join(lines, " "))
}

type scenario struct {
	name  string
	rules []*sigma.Rule // nil: the test's default rules
	opts  Options
	steps []step
	want  []string
}

func runScenarios(t *testing.T, rules []*sigma.Rule, cases []scenario) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := tc.rules
			if rs == nil {
				rs = rules
			}
			got, _ := run(t, rs, tc.opts, tc.steps)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

const (
	ns = time.Nanosecond
	mn = time.Minute
)
