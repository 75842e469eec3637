package correlate

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"tocsin/internal/sigma"
)

const fuzzMaxGroups, fuzzMaxRefs = 3, 8

// fuzzRules covers every type, both window kinds, aliases and chaining.
func fuzzRules() (dets, all []*sigma.Rule) {
	dets = []*sigma.Rule{det("a"), det("b"), det("c"), det("d")}
	k := []string{"k"}
	p75 := cond("n", "gte", 6)
	p75.Percentile = 75
	alias := corrRule("alias", sigma.Temporal, []string{"a", "d"}, []string{"kk"}, 30*time.Second, nil)
	alias.Correlation.Aliases = map[string]map[string]string{"kk": {"a": "k", "d": "n"}}
	fs := corrRule("fs", sigma.FirstSeen, []string{"b", "c"}, k, mn, &sigma.CorrCondition{Field: "n"})
	fs.Correlation.Learning = 10 * time.Second
	all = append(slices.Clone(dets),
		corrRule("ec", sigma.EventCount, []string{"a", "b"}, k, mn, cond("", "gte", 2)),
		corrRule("ecl", sigma.EventCount, []string{"a"}, k, mn, cond("", "lt", 2)),
		corrRule("vc", sigma.ValueCount, []string{"a", "c"}, k, mn, cond("n", "gte", 3)),
		corrRule("tmp", sigma.Temporal, []string{"a", "b", "c"}, k, mn, nil),
		corrRule("ord", sigma.TemporalOrdered, []string{"a", "b", "a", "c"}, k, 2*mn, nil),
		corrRule("sum", sigma.ValueSum, []string{"b", "d"}, k, mn, cond("n", "gt", 10)),
		corrRule("avg", sigma.ValueAvg, []string{"c"}, k, mn, cond("n", "gte", 5, "lte", 6)),
		corrRule("pct", sigma.ValuePercentile, []string{"d"}, nil, 3*mn, p75),
		alias,
		fs,
		corrRule("chain", sigma.TemporalOrdered, []string{"ec", "tmp"}, k, 2*mn, nil),
		corrRule("chain2", sigma.EventCount, []string{"ord", "ecl"}, nil, 5*mn, cond("", "gte", 2)),
	)
	return dets, all
}

// play decodes data as 3-byte operations (what, time step, values), feeds
// them to a new engine and checks every Result; it returns the results as
// text, for the determinism check.
// With carry, the engine is rebuilt from fresh rules every few operations
// and takes the old one's state (a reload): the results must not change.
func play(t *testing.T, data []byte, carry bool) []string {
	dets, rules := fuzzRules()
	e, errs := New(rules, Options{MaxGroups: fuzzMaxGroups, MaxRefs: fuzzMaxRefs})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	when := map[Ref]time.Time{}
	now := t0
	var out []string
	for i := 0; i+3 <= len(data); i += 3 {
		if carry && i%15 == 12 {
			var next *Engine
			dets, rules = fuzzRules()
			next, _ = New(rules, Options{MaxGroups: fuzzMaxGroups, MaxRefs: fuzzMaxRefs})
			next.Carry(e)
			e = next
		}
		op, step, v := data[i], int8(data[i+1]), data[i+2]
		now = now.Add(time.Duration(step) * 7 * time.Second) // may go back: out-of-order input
		var rs []Result
		switch op % 6 {
		case 4:
			rs = e.Advance(now)
		case 5:
			rs = e.Flush()
		default:
			ref := Ref{File: "fuzz", Line: i/3 + 1}
			when[ref] = now
			f := fields{"n": fmt.Sprint(v >> 3 % 8)}
			if v&3 != 3 {
				f["k"] = fmt.Sprint(v & 3) // else missing
			}
			if v&4 != 0 {
				f["n"] = "x" // not a number
			}
			rs = e.Observe(Hit{Rule: dets[op%6], Time: now, Fields: f, Events: []Ref{ref}})
		}
		for _, r := range rs {
			checkResult(t, r, when)
			out = append(out, fmt.Sprintf("@%d %s", i/3+1, show(r)))
		}
		for _, c := range e.corrs {
			inHeap := len(c.heap)
			if c.typ == sigma.FirstSeen {
				inHeap = len(c.groups) // kept without a deadline
			}
			if n := len(c.groups); n > fuzzMaxGroups || n != inHeap {
				t.Fatalf("%s: %d groups open (%d in the heap), MaxGroups is %d", c.rule.Name, n, len(c.heap), fuzzMaxGroups)
			}
		}
	}
	if s := e.Stats()[TotalKey]; s.Groups > fuzzMaxGroups*len(e.corrs) {
		t.Fatalf("Stats: %d groups open", s.Groups)
	}
	return out
}

func checkResult(t *testing.T, r Result, when map[Ref]time.Time) {
	t.Helper()
	c := r.Rule.Correlation
	if r.Last.Before(r.First) || r.Last.Sub(r.First) > c.Timespan {
		t.Fatalf("%s: window %v..%v exceeds %v", show(r), r.First, r.Last, c.Timespan)
	}
	want := len(c.GroupBy)
	if c.Type == sigma.FirstSeen {
		want++ // the new value
	}
	if len(r.Group) != want {
		t.Fatalf("%s: group %v for group-by %v", show(r), r.Group, c.GroupBy)
	}
	if len(r.Events) == 0 || len(r.Events) > fuzzMaxRefs {
		t.Fatalf("%s: %d events", show(r), len(r.Events))
	}
	if c.Condition != nil && !c.Condition.Holds(r.Value) {
		t.Fatalf("%s: value %v does not meet the condition", show(r), r.Value)
	}
	chained := r.Rule.Name == "chain" || r.Rule.Name == "chain2"
	for _, ref := range r.Events {
		at, ok := when[ref]
		if !ok {
			t.Fatalf("%s: unknown event %v", show(r), ref)
		}
		// A chained hit's time is its inner Result's Last: its events may
		// come earlier than the outer window.
		if !chained && (at.Before(r.First) || at.After(r.Last)) {
			t.Fatalf("%s: event %v at %v outside %v..%v", show(r), ref, at.Sub(t0), r.First.Sub(t0), r.Last.Sub(t0))
		}
	}
}

func FuzzObserve(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 1, 0, 2, 1, 8, 0, 1, 16, 4, 20, 0})
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 1, 2, 0, 2, 1, 0, 5, 0, 0})
	f.Add([]byte{3, 1, 40, 3, 1, 48, 3, 1, 56, 3, 1, 56, 0, 250, 1, 0, 240, 2, 4, 100, 0})
	f.Add([]byte{0, 1, 1, 0, 1, 2, 0, 1, 0, 0, 1, 3, 0, 1, 1, 4, 30, 0, 5, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		first := play(t, data, false)
		if again := play(t, data, false); strings.Join(first, "\n") != strings.Join(again, "\n") {
			t.Fatalf("replay differs:\n%s\nthen:\n%s", strings.Join(first, "\n"), strings.Join(again, "\n"))
		}
		if carried := play(t, data, true); strings.Join(first, "\n") != strings.Join(carried, "\n") {
			t.Fatalf("carrying the state over changes the results:\n%s\nwith carry:\n%s", strings.Join(first, "\n"), strings.Join(carried, "\n"))
		}
	})
}
