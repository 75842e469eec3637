package correlate

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"tocsin/internal/sigma"
)

// feed plays hits of rule name at t0+at with fields kv into e and returns
// the results as show prints them.
func feed(e *Engine, rules []*sigma.Rule, name string, at time.Duration, line int, kv ...string) []string {
	f := fields{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	var r *sigma.Rule
	for _, x := range rules {
		if x.Name == name {
			r = x
		}
	}
	var out []string
	for _, res := range e.Observe(Hit{Rule: r, Time: t0.Add(at), Fields: f, Events: []Ref{{File: "in.log", Line: line}}}) {
		out = append(out, show(res))
	}
	return out
}

func mustNew(t *testing.T, rules []*sigma.Rule, opts Options) *Engine {
	t.Helper()
	e, errs := New(rules, opts)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return e
}

func TestCarry(t *testing.T) {
	count := func(gte int) []*sigma.Rule {
		return []*sigma.Rule{det("failed"),
			corrRule("many", sigma.EventCount, []string{"failed"}, []string{"User"}, 10*mn, cond("", "gte", gte))}
	}
	t.Run("an unchanged correlation keeps its window", func(t *testing.T) {
		r1, r2 := count(3), count(3)
		old := mustNew(t, r1, Options{})
		feed(old, r1, "failed", 0, 1, "User", "alice")
		feed(old, r1, "failed", mn, 2, "User", "alice")
		e := mustNew(t, r2, Options{})
		e.Carry(old)
		got := feed(e, r2, "failed", 2*mn, 3, "User", "alice")
		if want := "many{User=alice}=3 0s..2m0s [1 2 3]"; fmt.Sprint(got) != "["+want+"]" {
			t.Errorf("after carry: %q, want %q", got, want)
		}
		if s := e.Stats()["many"]; s.Hits != 3 || s.Groups != 0 {
			t.Errorf("stats %+v", s)
		}
	})
	t.Run("a changed one starts over", func(t *testing.T) {
		r1, r2 := count(3), count(2)
		old := mustNew(t, r1, Options{})
		feed(old, r1, "failed", 0, 1, "User", "alice")
		e := mustNew(t, r2, Options{})
		e.Carry(old)
		if got := feed(e, r2, "failed", mn, 2, "User", "alice"); len(got) != 0 {
			t.Errorf("fired on state it should not have: %q", got)
		}
	})
	t.Run("fewer groups allowed: the least recent go", func(t *testing.T) {
		r1, r2 := count(3), count(3)
		old := mustNew(t, r1, Options{})
		for i, u := range []string{"a", "b", "c"} {
			feed(old, r1, "failed", time.Duration(i)*time.Second, i+1, "User", u)
		}
		e := mustNew(t, r2, Options{MaxGroups: 2})
		e.Carry(old)
		if s := e.Stats()["many"]; s.Groups != 2 || s.Evicted != 1 {
			t.Errorf("stats %+v", s)
		}
		feed(e, r2, "failed", 4*time.Second, 4, "User", "c")
		if got := feed(e, r2, "failed", 5*time.Second, 5, "User", "c"); len(got) != 1 {
			t.Errorf("the most recent group was not kept: %q", got)
		}
	})
}

func TestFirstSeenStateRestore(t *testing.T) {
	rules := func() []*sigma.Rule {
		return []*sigma.Rule{det("logon"), firstSeenRule(30*24*time.Hour, time.Hour, "user")}
	}
	r1 := rules()
	old := mustNew(t, r1, Options{})
	feed(old, r1, "logon", 0, 1, "user", "root", "src_ip", "10.0.0.1")
	feed(old, r1, "logon", 30*mn, 2, "user", "root", "src_ip", "10.0.0.2")
	feed(old, r1, "logon", 0, 3, "user", "admin", "src_ip", "10.0.0.9")
	data, err := old.FirstSeenState()
	if err != nil || data == nil {
		t.Fatalf("state %q, %v", data, err)
	}

	r2 := rules()
	e := mustNew(t, r2, Options{})
	if err := e.RestoreFirstSeen(data); err != nil {
		t.Fatal(err)
	}
	if got := feed(e, r2, "logon", 3*time.Hour, 4, "user", "root", "src_ip", "10.0.0.2"); len(got) != 0 {
		t.Errorf("a learnt source fired after the restore: %q", got)
	}
	// Learning ended an hour after the first hit, before the restart.
	got := feed(e, r2, "logon", 3*time.Hour, 5, "user", "root", "src_ip", "203.0.113.5")
	if want := "new_src{user=root,src_ip=203.0.113.5}=3 3h0m0s..3h0m0s [5]"; fmt.Sprint(got) != "["+want+"]" {
		t.Errorf("new source after the restore: %q, want %q", got, want)
	}
	if s := e.Stats()["new_src"]; s.Groups != 2 {
		t.Errorf("groups %d after restore, want 2", s.Groups)
	}
	again, _ := e.FirstSeenState()
	if len(again) <= len(data) {
		t.Errorf("state did not grow with the new source: %d then %d bytes", len(data), len(again))
	}

	if err := e.RestoreFirstSeen([]byte(`{"version":99}`)); !errors.Is(err, ErrState) {
		t.Errorf("unknown version: %v", err)
	}
	if err := e.RestoreFirstSeen([]byte(`{`)); !errors.Is(err, ErrState) {
		t.Errorf("broken state: %v", err)
	}
	if data, err := mustNew(t, rules(), Options{}).FirstSeenState(); data != nil || err != nil {
		t.Errorf("empty engine state %q, %v", data, err)
	}
}
