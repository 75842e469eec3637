package correlate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"tocsin/internal/event"
	"tocsin/internal/sigma"
)

func TestEventCount(t *testing.T) {
	rules := []*sigma.Rule{det("failed"),
		corrRule("many", sigma.EventCount, []string{"failed"}, []string{"User"}, 10*mn, cond("", "gte", 3))}
	all := []*sigma.Rule{det("failed"),
		corrRule("many", sigma.EventCount, []string{"failed"}, nil, 10*mn, cond("", "gte", 3))}
	strict := []*sigma.Rule{det("failed"),
		corrRule("many", sigma.EventCount, []string{"failed"}, []string{"User"}, 10*mn, cond("", "gt", 3))}
	u := func(at time.Duration) step { return hit("failed", at, "User", "alice") }
	runScenarios(t, rules, []scenario{
		{name: "fires on the hit that meets the condition",
			steps: []step{u(0), u(5 * mn), u(9 * mn)},
			want:  []string{"@3 many{User=alice}=3 0s..9m0s [1 2 3]"}},
		{name: "hit at first+timespan is inside the window",
			steps: []step{u(0), u(5 * mn), u(10 * mn)},
			want:  []string{"@3 many{User=alice}=3 0s..10m0s [1 2 3]"}},
		{name: "hit one ns after first+timespan: the first slid out",
			steps: []step{u(0), u(5 * mn), u(10*mn + ns), u(11 * mn)},
			want:  []string{"@4 many{User=alice}=3 5m0s..11m0s [2 3 4]"}},
		{name: "sliding window, not fixed buckets",
			steps: []step{u(8 * mn), u(12 * mn), u(17 * mn)},
			want:  []string{"@3 many{User=alice}=3 8m0s..17m0s [1 2 3]"}},
		{name: "state resets after firing",
			steps: []step{u(0), u(1 * mn), u(2 * mn), u(3 * mn), u(4 * mn), u(5 * mn)},
			want: []string{"@3 many{User=alice}=3 0s..2m0s [1 2 3]",
				"@6 many{User=alice}=3 3m0s..5m0s [4 5 6]"}},
		{name: "groups count apart",
			steps: []step{u(0), hit("failed", mn, "User", "bob"), u(2 * mn), hit("failed", 3*mn, "User", "bob")}},
		{name: "missing group field groups with the empty value",
			steps: []step{hit("failed", 0), hit("failed", mn, "User", ""), hit("failed", 2*mn)},
			want:  []string{"@3 many{User=}=3 0s..2m0s [1 2 3]"}},
		{name: "no group-by is one group", rules: all,
			steps: []step{u(0), hit("failed", mn, "User", "bob"), hit("failed", 2*mn)},
			want:  []string{"@3 many{}=3 0s..2m0s [1 2 3]"}},
		{name: "gt is strict", rules: strict,
			steps: []step{u(0), u(1 * mn), u(2 * mn), u(3 * mn)},
			want:  []string{"@4 many{User=alice}=4 0s..3m0s [1 2 3 4]"}},
	})
}

func TestValueCount(t *testing.T) {
	rules := []*sigma.Rule{det("sshd_failed"),
		corrRule("spray", sigma.ValueCount, []string{"sshd_failed"}, []string{"SourceIp"}, 10*mn, cond("TargetUser", "gte", 3))}
	u := func(at time.Duration, user string) step {
		return hit("sshd_failed", at, "SourceIp", "192.0.2.7", "TargetUser", user)
	}
	runScenarios(t, rules, []scenario{
		{name: "counts distinct values",
			steps: []step{u(0, "a"), u(mn, "a"), u(2*mn, "b"), u(3*mn, "c")},
			want:  []string{"@4 spray{SourceIp=192.0.2.7}=3 1m0s..3m0s [2 3 4]"}},
		{name: "repeated values count once",
			steps: []step{u(0, "a"), u(mn, "a"), u(2*mn, "a"), u(3*mn, "b")}},
		{name: "value at first+timespan is inside the window",
			steps: []step{u(0, "a"), u(5*mn, "b"), u(10*mn, "c")},
			want:  []string{"@3 spray{SourceIp=192.0.2.7}=3 0s..10m0s [1 2 3]"}},
		{name: "never counts a value outside the window",
			steps: []step{u(0, "a"), u(5*mn, "b"), u(10*mn+ns, "c")}},
		{name: "a repeated value stays from its latest hit",
			steps: []step{u(0, "a"), u(5*mn, "b"), u(9*mn, "a"), u(12*mn, "c")},
			want:  []string{"@4 spray{SourceIp=192.0.2.7}=3 5m0s..12m0s [2 3 4]"}},
		{name: "a late duplicate changes nothing",
			steps: []step{u(0, "a"), u(5*mn, "b"), u(4*mn, "b"), u(12*mn, "c"), u(12*mn, "d")},
			want:  []string{"@5 spray{SourceIp=192.0.2.7}=3 5m0s..12m0s [2 4 5]"}},
		{name: "missing field is ignored",
			steps: []step{u(0, "a"), hit("sshd_failed", mn, "SourceIp", "192.0.2.7"), u(2*mn, "b"), u(3*mn, "c")},
			want:  []string{"@4 spray{SourceIp=192.0.2.7}=3 0s..3m0s [1 3 4]"}},
		{name: "empty value is a value",
			steps: []step{u(0, "a"), u(mn, ""), u(2*mn, "b")},
			want:  []string{"@3 spray{SourceIp=192.0.2.7}=3 0s..2m0s [1 2 3]"}},
	})
}

func TestTemporal(t *testing.T) {
	rules := []*sigma.Rule{det("a"), det("b"), det("c"),
		corrRule("recon", sigma.Temporal, []string{"a", "b", "c"}, []string{"Host"}, 5*mn, nil)}
	twoOf := []*sigma.Rule{det("a"), det("b"), det("c"),
		corrRule("recon", sigma.Temporal, []string{"a", "b", "c"}, []string{"Host"}, 5*mn, cond("", "gte", 2))}
	h := func(rule string, at time.Duration) step { return hit(rule, at, "Host", "h1") }
	runScenarios(t, rules, []scenario{
		{name: "all rules in any order",
			steps: []step{h("c", 0), h("a", mn), h("b", 2*mn)},
			want:  []string{"@3 recon{Host=h1}=3 0s..2m0s [1 2 3]"}},
		{name: "last at first+timespan is inside the window",
			steps: []step{h("a", 0), h("b", mn), h("c", 5*mn)},
			want:  []string{"@3 recon{Host=h1}=3 0s..5m0s [1 2 3]"}},
		{name: "last one ns beyond: the first has left",
			steps: []step{h("a", 0), h("b", mn), h("c", 5*mn+ns), h("a", 6*mn)},
			want:  []string{"@4 recon{Host=h1}=3 1m0s..6m0s [2 3 4]"}},
		{name: "group-by values must be equal across rules",
			steps: []step{h("a", 0), hit("b", mn, "Host", "h2"), h("c", 2*mn)}},
		{name: "a rule firing twice counts once",
			steps: []step{h("a", 0), h("a", mn), h("b", 2*mn)}},
		{name: "condition counts distinct rules", rules: twoOf,
			steps: []step{h("a", 0), h("a", mn), h("b", 2*mn)},
			want:  []string{"@3 recon{Host=h1}=2 1m0s..2m0s [2 3]"}},
		{name: "after firing, fresh hits are needed",
			steps: []step{h("a", 0), h("b", mn), h("c", 2*mn), h("c", 3*mn)},
			want:  []string{"@3 recon{Host=h1}=3 0s..2m0s [1 2 3]"}},
	})
}

func TestTemporalOrdered(t *testing.T) {
	rules := []*sigma.Rule{det("a"), det("b"), det("c"),
		corrRule("seq", sigma.TemporalOrdered, []string{"a", "b", "c"}, []string{"Host"}, 5*mn, nil)}
	aba := []*sigma.Rule{det("a"), det("b"),
		corrRule("seq", sigma.TemporalOrdered, []string{"a", "b", "a"}, []string{"Host"}, 5*mn, nil)}
	prefix := []*sigma.Rule{det("a"), det("b"), det("c"),
		corrRule("seq", sigma.TemporalOrdered, []string{"a", "b", "c"}, []string{"Host"}, 5*mn, cond("", "gte", 2))}
	h := func(rule string, at time.Duration) step { return hit(rule, at, "Host", "h1") }
	runScenarios(t, rules, []scenario{
		{name: "in order",
			steps: []step{h("a", 0), h("b", mn), h("c", 2*mn)},
			want:  []string{"@3 seq{Host=h1}=3 0s..2m0s [1 2 3]"}},
		{name: "reverse order",
			steps: []step{h("c", 0), h("b", mn), h("a", 2*mn)}},
		{name: "the whole order is enforced, not just the first rule",
			steps: []step{h("a", 0), h("c", mn), h("b", 2*mn), h("c", 3*mn)},
			want:  []string{"@4 seq{Host=h1}=3 0s..3m0s [1 3 4]"}},
		{name: "a later start completes",
			steps: []step{h("b", 0), h("a", mn), h("c", 2*mn), h("b", 3*mn), h("c", 4*mn)},
			want:  []string{"@5 seq{Host=h1}=3 1m0s..4m0s [2 4 5]"}},
		{name: "last at first+timespan is inside the window",
			steps: []step{h("a", 0), h("b", mn), h("c", 5*mn)},
			want:  []string{"@3 seq{Host=h1}=3 0s..5m0s [1 2 3]"}},
		{name: "last one ns beyond",
			steps: []step{h("a", 0), h("b", mn), h("c", 5*mn+ns)}},
		{name: "the chain starting last is kept",
			steps: []step{h("a", 0), h("a", 4*mn), h("b", 5*mn+30*time.Second), h("c", 6*mn)},
			want:  []string{"@4 seq{Host=h1}=3 4m0s..6m0s [2 3 4]"}},
		{name: "equal times follow arrival order",
			steps: []step{h("a", mn), h("b", mn), h("c", mn)},
			want:  []string{"@3 seq{Host=h1}=3 1m0s..1m0s [1 2 3]"}},
		{name: "equal times out of arrival order",
			steps: []step{h("b", mn), h("a", mn), h("c", mn)}},
		{name: "a late hit joins chains that arrived before it",
			steps: []step{h("a", 0), h("c", 2*mn), h("b", mn), h("c", 3*mn)},
			want:  []string{"@4 seq{Host=h1}=3 0s..3m0s [1 3 4]"}},
		{name: "group-by values must be equal across rules",
			steps: []step{h("a", 0), hit("b", mn, "Host", "h2"), h("c", 2*mn)}},
		{name: "a rule listed twice must occur twice", rules: aba,
			steps: []step{h("a", 0), h("a", 30*time.Second), h("b", mn), h("a", 2*mn)},
			want:  []string{"@4 seq{Host=h1}=3 30s..2m0s [2 3 4]"}},
		{name: "a rule listed twice, second occurrence missing", rules: aba,
			steps: []step{h("a", 0), h("a", mn), h("b", 2*mn)}},
		{name: "condition counts the in-order prefix", rules: prefix,
			steps: []step{h("b", 0), h("c", mn), h("a", 2*mn), h("b", 3*mn)},
			want:  []string{"@4 seq{Host=h1}=2 2m0s..3m0s [3 4]"}},
	})
}

func TestValueAggregates(t *testing.T) {
	web := det("web")
	mk := func(typ string, c *sigma.CorrCondition) []*sigma.Rule {
		return []*sigma.Rule{web, corrRule("agg", typ, []string{"web"}, []string{"User"}, time.Hour, c)}
	}
	p90 := cond("bytes", "gt", 100)
	p90.Percentile = 90
	median := cond("bytes", "lte", 20)
	median.Percentile = 50
	b := func(at time.Duration, v string) step { return hit("web", at, "User", "u", "bytes", v) }
	var pct []step
	var lines []string
	for i, v := range []string{"10", "20", "30", "40", "50", "60", "70", "80", "90", "100", "500", "600"} {
		pct = append(pct, b(time.Duration(i)*mn, v))
		lines = append(lines, fmt.Sprint(i+1))
	}
	runScenarios(t, nil, []scenario{
		{name: "sum ignores non-numeric values", rules: mk(sigma.ValueSum, cond("bytes", "gt", 100)),
			steps: []step{b(0, "60"), b(mn, "abc"), hit("web", 90*time.Second, "User", "u"), b(2*mn, " 50 ")},
			want:  []string{"@4 agg{User=u}=110 0s..2m0s [1 4]"}},
		{name: "sum at first+timespan is inside", rules: mk(sigma.ValueSum, cond("bytes", "gt", 100)),
			steps: []step{b(0, "60"), b(time.Hour, "50")},
			want:  []string{"@2 agg{User=u}=110 0s..1h0m0s [1 2]"}},
		{name: "sum slides", rules: mk(sigma.ValueSum, cond("bytes", "gt", 100)),
			steps: []step{b(0, "60"), b(time.Hour+ns, "50")}},
		{name: "average", rules: mk(sigma.ValueAvg, cond("bytes", "gt", 500)),
			steps: []step{b(0, "400"), b(mn, "700")},
			want:  []string{"@2 agg{User=u}=550 0s..1m0s [1 2]"}},
		{name: "average fires as soon as the window's average holds", rules: mk(sigma.ValueAvg, cond("bytes", "gt", 500)),
			steps: []step{b(0, "600"), b(mn, "100")},
			want:  []string{"@1 agg{User=u}=600 0s..0s [1]"}},
		{name: "average with an upper bound waits for the window", rules: mk(sigma.ValueAvg, cond("bytes", "lt", 500)),
			steps: []step{b(0, "600"), b(mn, "100"), adv(time.Hour), adv(time.Hour + ns)},
			want:  []string{"@4 agg{User=u}=350 0s..1m0s [1 2]"}},
		{name: "nearest-rank percentile", rules: mk(sigma.ValuePercentile, p90),
			steps: pct,
			want:  []string{"@12 agg{User=u}=500 0s..11m0s [" + strings.Join(lines, " ") + "]"}},
		{name: "median decided at flush", rules: mk(sigma.ValuePercentile, median),
			steps: []step{b(0, "10"), b(mn, "30"), b(2*mn, "20"), flush()},
			want:  []string{"@4 agg{User=u}=20 0s..2m0s [1 2 3]"}},
	})
}

func TestNearestRank(t *testing.T) {
	vals := []float64{15, 20, 35, 40, 50}
	for _, tc := range []struct{ p, want float64 }{
		{0, 15}, {5, 15}, {30, 20}, {40, 20}, {50, 35}, {90, 50}, {100, 50},
	} {
		t.Run(fmt.Sprint(tc.p), func(t *testing.T) {
			if got := nearestRank(vals, tc.p); got != tc.want {
				t.Errorf("nearestRank(%v, %v) = %v, want %v", vals, tc.p, got, tc.want)
			}
		})
	}
}

// Conditions with an upper bound or an equality are decided when the
// window [first, first+timespan] closes.
func TestDecidedAtWindowEnd(t *testing.T) {
	mk := func(c *sigma.CorrCondition) []*sigma.Rule {
		return []*sigma.Rule{det("login"),
			corrRule("few", sigma.EventCount, []string{"login"}, []string{"User"}, 10*mn, c)}
	}
	lt3 := mk(cond("", "lt", 3))
	lt5 := mk(cond("", "lt", 5))
	u := func(at time.Duration) step { return hit("login", at, "User", "u") }
	runScenarios(t, lt3, []scenario{
		{name: "Advance to first+timespan keeps the window open; one ns later decides it",
			steps: []step{u(0), u(5 * mn), adv(10 * mn), adv(10*mn + ns)},
			want:  []string{"@4 few{User=u}=2 0s..5m0s [1 2]"}},
		{name: "hit at first+timespan is inside the window",
			steps: []step{u(0), u(5 * mn), u(10 * mn), adv(time.Hour)}},
		{name: "a hit after the window closes it and opens the next",
			steps: []step{u(0), u(5 * mn), u(10*mn + ns), flush()},
			want: []string{"@3 few{User=u}=2 0s..5m0s [1 2]",
				"@4 few{User=u}=1 10m0.000000001s..10m0.000000001s [3]"}},
		{name: "eq", rules: mk(cond("", "eq", 2)),
			steps: []step{u(0), u(mn), flush()},
			want:  []string{"@3 few{User=u}=2 0s..1m0s [1 2]"}},
		{name: "neq", rules: mk(cond("", "neq", 1)),
			steps: []step{u(0), adv(11 * mn), u(20 * mn), u(21 * mn), flush()},
			want:  []string{"@5 few{User=u}=2 20m0s..21m0s [3 4]"}},
		{name: "range with an upper bound waits", rules: mk(cond("", "gt", 1, "lte", 3)),
			steps: []step{u(0), u(mn), u(2 * mn), adv(10*mn + ns), u(20 * mn), u(21 * mn), u(22 * mn), u(23 * mn), flush()},
			want:  []string{"@4 few{User=u}=3 0s..2m0s [1 2 3]"}},
		{name: "a late hit moves the window back when everything fits", rules: lt5,
			steps: []step{u(5 * mn), u(10 * mn), u(mn), adv(11 * mn), adv(11*mn + ns)},
			want:  []string{"@5 few{User=u}=3 1m0s..10m0s [3 1 2]"}},
		{name: "a late hit that does not fit is dropped", rules: lt5,
			steps: []step{u(5 * mn), u(14 * mn), u(3 * mn), flush()},
			want:  []string{"@4 few{User=u}=2 5m0s..14m0s [1 2]"}},
		{name: "windows closing together come out sorted by group",
			steps: []step{hit("login", mn, "User", "bob"), hit("login", 0, "User", "alice"), adv(time.Hour)},
			want: []string{"@3 few{User=alice}=1 0s..0s [2]",
				"@3 few{User=bob}=1 1m0s..1m0s [1]"}},
	})
}

func TestGroupBy(t *testing.T) {
	ip := corrRule("ip", sigma.Temporal, []string{"internal_error", "new_network_connection"}, []string{"internal_ip"}, 10*time.Second, nil)
	ip.Correlation.Aliases = map[string]map[string]string{
		"internal_ip": {"internal_error": "destination.ip", "new_network_connection": "source.ip"},
	}
	aliased := []*sigma.Rule{det("internal_error"), det("new_network_connection"), ip}
	pair := []*sigma.Rule{det("x"),
		corrRule("pair", sigma.EventCount, []string{"x"}, []string{"ComputerName", "User"}, time.Hour, cond("", "gte", 2))}
	runScenarios(t, nil, []scenario{
		{name: "aliases read a different field per rule", rules: aliased,
			steps: []step{hit("internal_error", 0, "destination.ip", "10.0.0.1", "source.ip", "10.9.9.9"),
				hit("new_network_connection", time.Second, "source.ip", "10.0.0.1", "destination.ip", "10.8.8.8")},
			want: []string{"@2 ip{internal_ip=10.0.0.1}=2 0s..1s [1 2]"}},
		{name: "aliased values must match", rules: aliased,
			steps: []step{hit("internal_error", 0, "destination.ip", "10.0.0.1"),
				hit("new_network_connection", time.Second, "destination.ip", "10.0.0.1")}},
		{name: "several fields form a tuple in rule order", rules: pair,
			steps: []step{hit("x", 0, "User", "alice", "ComputerName", "pc1"), hit("x", mn, "User", "bob", "ComputerName", "pc1"),
				hit("x", 2*mn, "ComputerName", "pc1", "User", "alice")},
			want: []string{"@3 pair{ComputerName=pc1,User=alice}=2 0s..2m0s [1 3]"}},
		{name: "tuples do not run together", rules: pair,
			steps: []step{hit("x", 0, "ComputerName", "ab", "User", "c"), hit("x", mn, "ComputerName", "a", "User", "bc")}},
	})
}

func TestChaining(t *testing.T) {
	failed, success := det("failed_login"), det("successful_login")
	inner := corrRule("multiple_failed_login", sigma.EventCount, []string{"failed_login"}, []string{"User"}, 10*mn, cond("", "gte", 3))
	outer := corrRule("brute", sigma.TemporalOrdered, []string{"multiple_failed_login", "successful_login"}, []string{"User"}, 10*mn, nil)
	quiet := corrRule("quiet", sigma.EventCount, []string{"failed_login"}, []string{"User"}, 10*mn, cond("", "lt", 2))
	manyQuiet := corrRule("many_quiet", sigma.EventCount, []string{"quiet"}, nil, time.Hour, cond("", "gte", 2))
	f := func(at time.Duration) step { return hit("failed_login", at, "User", "bob") }
	runScenarios(t, nil, []scenario{
		{name: "event_count then a success (spec example)", rules: []*sigma.Rule{outer, inner, failed, success},
			steps: []step{f(0), f(mn), f(2 * mn), hit("successful_login", 3*mn, "User", "bob")},
			want: []string{"@3 multiple_failed_login{User=bob}=3 0s..2m0s [1 2 3]",
				"@4 brute{User=bob}=2 2m0s..3m0s [1 2 3 4]"}},
		{name: "success first does not count", rules: []*sigma.Rule{outer, inner, failed, success},
			steps: []step{hit("successful_login", 0, "User", "bob"), f(mn), f(2 * mn), f(3 * mn)},
			want:  []string{"@4 multiple_failed_login{User=bob}=3 1m0s..3m0s [2 3 4]"}},
		{name: "results decided by Advance feed the outer correlation", rules: []*sigma.Rule{failed, quiet, manyQuiet},
			steps: []step{hit("failed_login", 0, "User", "alice"), hit("failed_login", mn, "User", "bob"), adv(11*mn + ns)},
			want: []string{"@3 quiet{User=alice}=1 0s..0s [1]",
				"@3 quiet{User=bob}=1 1m0s..1m0s [2]",
				"@3 many_quiet{}=2 0s..1m0s [1 2]"}},
		{name: "results sort by rule order, then group", rules: []*sigma.Rule{manyQuiet, quiet, failed},
			steps: []step{hit("failed_login", 0, "User", "bob"), hit("failed_login", 0, "User", "alice"), flush()},
			want: []string{"@3 many_quiet{}=2 0s..0s [1 2]",
				"@3 quiet{User=alice}=1 0s..0s [2]",
				"@3 quiet{User=bob}=1 0s..0s [1]"}},
	})
}

func TestSuppressedAndReferenced(t *testing.T) {
	failed, success, lone := det("failed_login"), det("successful_login"), det("lone")
	inner := corrRule("multiple_failed_login", sigma.EventCount, []string{"failed_login"}, []string{"User"}, 10*mn, cond("", "gte", 3))
	outer := corrRule("brute", sigma.TemporalOrdered, []string{"multiple_failed_login", "successful_login"}, []string{"User"}, 10*mn, nil)
	loud := corrRule("loud", sigma.EventCount, []string{"successful_login"}, nil, mn, cond("", "gte", 100))
	loud.Generate = true
	e, errs := New([]*sigma.Rule{failed, success, lone, inner, outer, loud}, Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct {
		r                      *sigma.Rule
		suppressed, referenced bool
	}{
		{failed, true, true},
		{success, false, true}, // loud generates
		{inner, true, true},
		{outer, false, false},
		{lone, false, false},
	} {
		t.Run(tc.r.Name, func(t *testing.T) {
			if got := e.Suppressed(tc.r); got != tc.suppressed {
				t.Errorf("Suppressed = %v, want %v", got, tc.suppressed)
			}
			if got := e.Referenced(tc.r); got != tc.referenced {
				t.Errorf("Referenced = %v, want %v", got, tc.referenced)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	a := det("a")
	ok := corrRule("ok", sigma.EventCount, []string{"a"}, nil, mn, cond("", "gte", 1))
	missing := corrRule("missing", sigma.EventCount, []string{"a", "nope"}, nil, mn, cond("", "gte", 1))
	c1 := corrRule("c1", sigma.EventCount, []string{"c2"}, nil, mn, cond("", "gte", 1))
	c2 := corrRule("c2", sigma.EventCount, []string{"c1"}, nil, mn, cond("", "gte", 1))
	self := corrRule("self", sigma.EventCount, []string{"self"}, nil, mn, cond("", "gte", 1))
	dep := corrRule("dep", sigma.Temporal, []string{"a", "c1"}, nil, mn, nil)
	dup1, dup2 := det("twin"), det("twin")
	dup2.Pos.Line = 9
	amb := corrRule("amb", sigma.EventCount, []string{"twin"}, nil, mn, cond("", "gte", 1))
	noSpan := corrRule("nospan", sigma.EventCount, []string{"a"}, nil, 0, cond("", "gte", 1))
	noCond := corrRule("nocond", sigma.ValueSum, []string{"a"}, nil, mn, nil)
	noField := corrRule("nofield", sigma.ValueSum, []string{"a"}, nil, mn, cond("", "gt", 1))
	byID := corrRule("byid", sigma.EventCount, []string{"0e95725d-7320-415d-80f7-004da920fc11"}, nil, mn, cond("", "gte", 1))
	withID := &sigma.Rule{Kind: sigma.KindDetection, ID: "0e95725d-7320-415d-80f7-004da920fc11", File: "x.yml"}

	e, errs := New([]*sigma.Rule{a, ok, missing, c1, c2, self, dep, dup1, dup2, amb, noSpan, noCond, noField, byID, withID}, Options{})
	want := []string{
		`corr.yml:3:1: correlation "missing": references "nope", but no rule has that name or id`,
		`corr.yml:3:1: correlation "amb": reference "twin" is ambiguous: rules.yml:1:1 and rules.yml:9:1 both use it`,
		`corr.yml:3:1: correlation "nospan": timespan must be positive`,
		`corr.yml:3:1: correlation "nocond": a value_sum correlation needs a condition`,
		`corr.yml:3:1: correlation "nofield": a value_sum correlation needs condition.field`,
		`corr.yml:3:1: correlation "c1": reference cycle ["c1" "c2" "c1"]`,
		`corr.yml:3:1: correlation "c2": reference cycle ["c1" "c2" "c1"]`,
		`corr.yml:3:1: correlation "self": reference cycle ["self" "self"]`,
		`corr.yml:3:1: correlation "dep": references "c1", which has errors`,
	}
	var got []string
	for _, err := range errs {
		got = append(got, err.Error())
		if !errors.Is(err, sigma.ErrInvalid) {
			t.Errorf("%v does not wrap sigma.ErrInvalid", err)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	t.Run("the valid correlations still run", func(t *testing.T) {
		rs := e.Observe(Hit{Rule: a, Time: t0})
		if len(rs) != 1 || rs[0].Rule != ok {
			t.Errorf("Observe(a) = %v, want one result of ok", rs)
		}
		if rs := e.Observe(Hit{Rule: withID, Time: t0}); len(rs) != 1 || rs[0].Rule != byID {
			t.Errorf("Observe(withID) = %v, want one result of byid", rs)
		}
		if e.Referenced(dup1) {
			t.Error("a rule referenced only by a broken correlation counts as referenced")
		}
	})
}

func TestEviction(t *testing.T) {
	rules := []*sigma.Rule{det("x"),
		corrRule("c", sigma.EventCount, []string{"x"}, []string{"k"}, time.Hour, cond("", "gte", 2))}
	k := func(at time.Duration, v string) step { return hit("x", at, "k", v) }
	runScenarios(t, rules, []scenario{
		{name: "least recently updated group goes first", opts: Options{MaxGroups: 2},
			steps: []step{k(0, "g1"), k(mn, "g2"), k(2*mn, "g3"), k(3*mn, "g2"), k(4*mn, "g1")},
			want:  []string{"@4 c{k=g2}=2 1m0s..3m0s [2 4]"}},
		{name: "an update makes a group recent", opts: Options{MaxGroups: 2}, rules: []*sigma.Rule{rules[0],
			corrRule("c", sigma.EventCount, []string{"x"}, []string{"k"}, time.Hour, cond("", "gte", 3))},
			steps: []step{k(0, "g1"), k(mn, "g2"), k(2*mn, "g1"), k(3*mn, "g3"), k(4*mn, "g1"), k(5*mn, "g2"), k(6*mn, "g2")},
			want:  []string{"@5 c{k=g1}=3 0s..4m0s [1 3 5]"}},
	})
	t.Run("stats", func(t *testing.T) {
		_, e := run(t, rules, Options{MaxGroups: 2},
			[]step{k(0, "g1"), k(mn, "g2"), k(2*mn, "g3"), k(3*mn, "g4")})
		s := e.Stats()["c"]
		if s.Groups != 2 || s.Evicted != 2 || s.Hits != 4 {
			t.Errorf("stats = %+v, want 2 groups, 2 evicted, 4 hits", s)
		}
	})
}

func TestOutOfOrder(t *testing.T) {
	rules := []*sigma.Rule{det("x"),
		corrRule("c", sigma.EventCount, []string{"x"}, nil, 10*mn, cond("", "gte", 3))}
	steps := []step{hit("x", 10*mn), hit("x", 20*mn), hit("x", 10*mn-ns), hit("x", 12*mn)}
	got, e := run(t, rules, Options{}, steps)
	want := "@4 c{}=3 10m0s..20m0s [1 4 2]"
	if strings.Join(got, "\n") != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if s := e.Stats()["c"]; s.Late != 1 {
		t.Errorf("Late = %d, want 1", s.Late)
	}
}

func TestWindowsStaySmall(t *testing.T) {
	for _, typ := range []string{sigma.EventCount, sigma.ValueCount, sigma.ValueSum, sigma.ValuePercentile} {
		t.Run(typ, func(t *testing.T) {
			x := det("x")
			c := cond("v", "gte", 1000000)
			c.Percentile = 50
			e, errs := New([]*sigma.Rule{x, corrRule("c", typ, []string{"x"}, nil, mn, c)}, Options{})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			for i := range 10000 {
				e.Observe(Hit{Rule: x, Time: t0.Add(time.Duration(i) * 10 * time.Second), Fields: fields{"v": fmt.Sprint(i % 5)}})
			}
			g := e.corrs[0].groups[""]
			if n := len(g.entries); n > 7 {
				t.Errorf("window holds %d entries, want at most 7 (one per 10 s in 1 min)", n)
			}
			if n := len(g.nums); n > 7 {
				t.Errorf("percentile holds %d values, want at most 7", n)
			}
			if rs := e.Advance(t0.Add(48 * time.Hour)); len(rs) != 0 || e.Stats()[TotalKey].Groups != 0 {
				t.Errorf("Advance past the window: %v results, %d groups left", rs, e.Stats()[TotalKey].Groups)
			}
		})
	}
}

func TestStats(t *testing.T) {
	x := det("x")
	sum := corrRule("sum", sigma.ValueSum, []string{"x"}, nil, mn, cond("v", "gt", 5))
	cnt := &sigma.Rule{Kind: sigma.KindCorrelation, File: "anon.yml", Pos: sigma.Pos{Line: 2, Column: 1},
		Correlation: &sigma.Correlation{Type: sigma.EventCount, Rules: []string{"x"}, Timespan: mn, Condition: cond("", "gte", 2)}}
	e, errs := New([]*sigma.Rule{x, sum, cnt}, Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for i, v := range []string{"3", "oops", "4"} {
		e.Observe(Hit{Rule: x, Time: t0.Add(time.Duration(i) * time.Second), Fields: fields{"v": v}})
	}
	got := e.Stats()
	want := map[string]Stats{
		"sum":          {Hits: 3, Fired: 1, Ignored: 1},
		"anon.yml:2:1": {Hits: 3, Fired: 1, Groups: 1},
		TotalKey:       {Hits: 6, Fired: 2, Ignored: 1, Groups: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Stats() = %+v\nwant %+v", got, want)
	}
}

func TestResultGet(t *testing.T) {
	r := Result{Group: []KV{{"User", "bob"}, {"Host", ""}}}
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{{"User", "bob", true}, {"Host", "", true}, {"Other", "", false}} {
		t.Run(tc.name, func(t *testing.T) {
			if v, ok := r.Get(tc.name); v != tc.want || ok != tc.ok {
				t.Errorf("Get(%q) = %q, %v", tc.name, v, ok)
			}
		})
	}
}

// *event.Event is the Getter the detection stage passes.
var _ Getter = (*event.Event)(nil)

func TestFlushAndIdle(t *testing.T) {
	x, other := det("x"), det("other")
	rules := []*sigma.Rule{x, other,
		corrRule("c", sigma.EventCount, []string{"x"}, []string{"User"}, mn, cond("", "gte", 5))}
	e, errs := New(rules, Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ev := event.New()
	ev.Add("User", "alice", event.String)
	t.Run("unreferenced rule", func(t *testing.T) {
		if rs := e.Observe(Hit{Rule: other, Time: t0, Fields: ev}); rs != nil {
			t.Errorf("Observe(other) = %v", rs)
		}
	})
	t.Run("flush does not fire lower-bound conditions", func(t *testing.T) {
		e.Observe(Hit{Rule: x, Time: t0, Fields: ev})
		if rs := e.Flush(); len(rs) != 0 {
			t.Errorf("Flush() = %v", rs)
		}
		if n := e.Stats()[TotalKey].Groups; n != 0 {
			t.Errorf("%d groups left after Flush", n)
		}
	})
	t.Run("idle groups are freed by Advance", func(t *testing.T) {
		e.Observe(Hit{Rule: x, Time: t0, Fields: ev})
		e.Advance(t0.Add(mn))
		if n := e.Stats()[TotalKey].Groups; n != 1 {
			t.Errorf("Advance(first+timespan): %d groups, want 1", n)
		}
		e.Advance(t0.Add(mn + ns))
		if n := e.Stats()[TotalKey].Groups; n != 0 {
			t.Errorf("Advance(first+timespan+1ns): %d groups, want 0", n)
		}
	})
}
