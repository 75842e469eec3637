package correlate

import (
	"testing"
	"time"

	"tocsin/internal/sigma"
)

func firstSeenRule(span, learning time.Duration, groupBy ...string) *sigma.Rule {
	r := corrRule("new_src", sigma.FirstSeen, []string{"logon"}, groupBy, span, &sigma.CorrCondition{Field: "src_ip"})
	r.Correlation.Learning = learning
	return r
}

func TestFirstSeen(t *testing.T) {
	const day = 24 * time.Hour
	rules := []*sigma.Rule{det("logon"), firstSeenRule(30*day, time.Hour, "user")}
	noLearning := []*sigma.Rule{det("logon"), firstSeenRule(30*day, 0, "user")}
	ipInGroup := []*sigma.Rule{det("logon"), firstSeenRule(30*day, 0, "user", "src_ip")}
	u := func(at time.Duration, user, ip string) step { return hit("logon", at, "user", user, "src_ip", ip) }
	runScenarios(t, rules, []scenario{
		{name: "sources seen during learning are usual; a new one after it fires",
			steps: []step{u(0, "root", "a"), u(30*mn, "root", "b"), u(2*time.Hour, "root", "a"), u(3*time.Hour, "root", "b"), u(4*time.Hour, "root", "c")},
			want:  []string{"@5 new_src{user=root,src_ip=c}=3 4h0m0s..4h0m0s [5]"}},
		{name: "a hit at first+learning is still learning; one ns later is not",
			steps: []step{u(0, "root", "a"), u(time.Hour, "root", "b"), u(time.Hour+ns, "root", "c")},
			want:  []string{"@3 new_src{user=root,src_ip=c}=3 1h0m0.000000001s..1h0m0.000000001s [3]"}},
		{name: "a value seen exactly timespan ago is known; one ns more and it is new again",
			steps: []step{u(0, "root", "a"), u(2*time.Hour, "root", "b"), u(2*time.Hour+30*day, "root", "b"), u(2*time.Hour+60*day+ns, "root", "b")},
			want: []string{"@2 new_src{user=root,src_ip=b}=2 2h0m0s..2h0m0s [2]",
				"@4 new_src{user=root,src_ip=b}=2 1442h0m0.000000001s..1442h0m0.000000001s [4]"}},
		{name: "each new value fires once",
			steps: []step{u(0, "root", "a"), u(2*time.Hour, "root", "b"), u(3*time.Hour, "root", "b"), u(4*time.Hour, "root", "b")},
			want:  []string{"@2 new_src{user=root,src_ip=b}=2 2h0m0s..2h0m0s [2]"}},
		{name: "groups learn apart",
			steps: []step{u(0, "root", "a"), u(2*time.Hour, "admin", "b"), u(3*time.Hour+mn, "admin", "c"), u(4*time.Hour, "root", "b")},
			want: []string{"@3 new_src{user=admin,src_ip=c}=2 3h1m0s..3h1m0s [3]",
				"@4 new_src{user=root,src_ip=b}=2 4h0m0s..4h0m0s [4]"}},
		{name: "a hit without the field is ignored",
			steps: []step{u(0, "root", "a"), hit("logon", 2*time.Hour, "user", "root"), u(3*time.Hour, "root", "")}},
		{name: "advance and flush decide nothing and forget nothing",
			steps: []step{u(0, "root", "a"), adv(90 * day), flush(), u(91*day, "root", "a")},
			want:  []string{"@4 new_src{user=root,src_ip=a}=1 2184h0m0s..2184h0m0s [4]"}},
		{name: "without learning only the first instant is learnt", rules: noLearning,
			steps: []step{u(0, "root", "a"), u(0, "root", "b"), u(mn, "root", "c"), u(2*mn, "root", "a")},
			want:  []string{"@3 new_src{user=root,src_ip=c}=3 1m0s..1m0s [3]"}},
		{name: "the field in group-by is not repeated", rules: ipInGroup,
			steps: []step{u(0, "root", "a"), u(mn, "root", "a")}},
		{name: "a full group forgets its least recently seen value", opts: Options{MaxValues: 2},
			steps: []step{u(0, "root", "a"), u(2*time.Hour, "root", "b"), u(3*time.Hour, "root", "a"), u(4*time.Hour, "root", "c"), u(5*time.Hour, "root", "a"), u(6*time.Hour, "root", "b")},
			want: []string{"@2 new_src{user=root,src_ip=b}=2 2h0m0s..2h0m0s [2]",
				"@4 new_src{user=root,src_ip=c}=2 4h0m0s..4h0m0s [4]",
				"@6 new_src{user=root,src_ip=b}=2 6h0m0s..6h0m0s [6]"}},
	})
}

// A flood of distinct groups stays within MaxGroups.
func TestFirstSeenBounded(t *testing.T) {
	rules := []*sigma.Rule{det("logon"), firstSeenRule(time.Hour, 0, "user")}
	e, errs := New(rules, Options{MaxGroups: 10, MaxValues: 4})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for i := range 1000 {
		e.Observe(Hit{Rule: rules[0], Time: t0.Add(time.Duration(i) * time.Second),
			Fields: fields{"user": string(rune('a' + i%50)), "src_ip": string(rune('A' + i%7))}})
	}
	s := e.Stats()["new_src"]
	if s.Groups > 10 || s.Evicted == 0 {
		t.Errorf("groups %d evicted %d: want at most 10 groups and evictions counted", s.Groups, s.Evicted)
	}
	for _, c := range e.corrs {
		for _, g := range c.groups {
			if len(g.seen) > 4 {
				t.Errorf("group %q holds %d values, more than MaxValues", g.key, len(g.seen))
			}
		}
	}
}

// An outer correlation can count the new sources an inner first_seen reports.
func TestFirstSeenChained(t *testing.T) {
	inner := firstSeenRule(time.Hour, 0, "user")
	outer := corrRule("many_new", sigma.EventCount, []string{"new_src"}, []string{"user"}, 10*mn, cond("", "gte", 2))
	got, _ := run(t, []*sigma.Rule{det("logon"), inner, outer}, Options{}, []step{
		hit("logon", 0, "user", "root", "src_ip", "a"),
		hit("logon", mn, "user", "root", "src_ip", "b"),
		hit("logon", 2*mn, "user", "root", "src_ip", "c"),
	})
	want := "@3 many_new{user=root}=2 1m0s..2m0s [2 3]"
	if len(got) == 0 || got[len(got)-1] != want {
		t.Errorf("got %q, want last %q", got, want)
	}
}
