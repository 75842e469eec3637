package correlate

import (
	"fmt"
	"testing"
	"time"

	"tocsin/internal/sigma"
)

// one is a Getter with a single field, so the benchmarks measure the
// engine rather than a map.
type one struct{ name, value string }

func (o *one) Get(name string) (string, bool) {
	if name == o.name {
		return o.value, true
	}
	return "", false
}

func BenchmarkObserve(b *testing.B) {
	b.Run("event_count/50k_keys", func(b *testing.B) { benchEventCount(b, 1<<16) })
	b.Run("event_count/50k_keys_evicting", func(b *testing.B) { benchEventCount(b, 0) })
	b.Run("temporal_ordered/1k_keys", benchTemporalOrdered)
}

// benchEventCount: failed logins from 50,000 users, one hit every 10 ms, so
// each user has about 7 hits in its 1 h window and none reaches 100. With
// the default MaxGroups (10,000) every hit evicts a group.
func benchEventCount(b *testing.B, maxGroups int) {
	const keys = 50000
	failed := det("failed")
	e, errs := New([]*sigma.Rule{failed,
		corrRule("many", sigma.EventCount, []string{"failed"}, []string{"User"}, time.Hour, cond("", "gte", 100))},
		Options{MaxGroups: maxGroups})
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	getters := make([]one, keys)
	refs := make([]Ref, keys)
	for i := range getters {
		getters[i] = one{"User", fmt.Sprintf("user%05d", i)}
		refs[i] = Ref{File: "auth.log", Line: i + 1}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := i % keys
		e.Observe(Hit{Rule: failed, Time: t0.Add(time.Duration(i) * 10 * time.Millisecond), Fields: &getters[k], Events: refs[k : k+1]})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hits/s")
}

// benchTemporalOrdered: 1,000 hosts each see a, b, c in turn (one hit every
// ms), so every host completes the sequence once per 3,000 hits.
func benchTemporalOrdered(b *testing.B) {
	const keys = 1000
	dets := []*sigma.Rule{det("a"), det("b"), det("c")}
	e, errs := New(append(dets,
		corrRule("seq", sigma.TemporalOrdered, []string{"a", "b", "c"}, []string{"Host"}, 5*mn, nil)), Options{})
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	getters := make([]one, keys)
	refs := make([]Ref, keys)
	for i := range getters {
		getters[i] = one{"Host", fmt.Sprintf("host%04d", i)}
		refs[i] = Ref{File: "sysmon.log", Line: i + 1}
	}
	fired := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := i % keys
		fired += len(e.Observe(Hit{Rule: dets[i/keys%3], Time: t0.Add(time.Duration(i) * time.Millisecond), Fields: &getters[k], Events: refs[k : k+1]}))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hits/s")
	if b.N >= 3*keys && fired == 0 {
		b.Fatal("the sequence never fired")
	}
}
