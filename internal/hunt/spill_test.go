package hunt

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"tocsin/internal/correlate"
	"tocsin/internal/sigma"
)

// The store gives back what a stable sort of all the hits gives, whether
// they stayed in memory or went through runs.
func TestHitStoreOrder(t *testing.T) {
	rules := []*sigma.Rule{{Title: "a"}, {Title: "b"}, {Title: "c"}}
	rnd := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	var all []correlate.Hit
	for i := range 5000 {
		h := correlate.Hit{Rule: rules[rnd.IntN(3)],
			// Few distinct times: many ties, which must keep arrival order.
			Time:   t0.Add(time.Duration(rnd.IntN(200)) * 1500 * time.Millisecond).Add(time.Duration(rnd.IntN(3))),
			Fields: correlate.KVs{{Field: "src_ip", Value: fmt.Sprintf("10.0.0.%d", i%50)}, {Field: "user", Value: strings.Repeat("u", rnd.IntN(40))}},
			Events: []correlate.Ref{{File: fmt.Sprintf("f%d.log", i%4), Line: i + 1}}}
		if i%97 == 0 {
			h.Fields = correlate.KVs{}
			h.Events = append(h.Events, correlate.Ref{File: "other.log", Line: 1 << 40})
		}
		if i == 10 {
			h.Time = time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC) // beyond UnixNano's range
		}
		if i == 11 {
			h.Time = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
		}
		all = append(all, h)
	}
	want := append([]correlate.Hit(nil), all...)
	sortHits(want)
	for _, max := range []int64{0, 1, 10 << 10} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			s := newHitStore(t.TempDir(), max)
			if max == 0 {
				s.max = 1 << 40
			}
			for i := 0; i < len(all); i += 37 {
				if err := s.add(all[i:min(i+37, len(all))]); err != nil {
					t.Fatal(err)
				}
			}
			runs := len(s.runs)
			if (max == 0) != (runs == 0) {
				t.Fatalf("max %d: %d runs", max, runs)
			}
			var got []correlate.Hit
			if err := s.each(func(h correlate.Hit) { got = append(got, h) }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d hits back, want %d", len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.Rule != w.Rule || !g.Time.Equal(w.Time) || !reflect.DeepEqual(g.Fields, w.Fields) || !reflect.DeepEqual(g.Events, w.Events) {
					t.Fatalf("hit %d (of %d runs): %+v, want %+v", i, runs, g, w)
				}
			}
			if s.runs != nil || s.mem != nil {
				t.Error("each leaves the store open")
			}
		})
	}
}

// A hunt whose hits go through temporary files writes exactly what one that
// keeps them in memory writes.
func TestRunSpilledHitsSameOutput(t *testing.T) {
	dir := t.TempDir()
	writeAuthLog(t, filepath.Join(dir, "b.jsonl"), 4000)
	writeAuthLog(t, filepath.Join(dir, "c.jsonl"), 3000) // overlaps b in time
	rs := loadRules(t, authRules)
	run := func(mem int64) (string, *Summary) {
		var out, errb bytes.Buffer
		sum, err := Run(context.Background(), []string{dir}, Options{
			Detect: rs.Detect, Correlate: rs.Correlate, Format: "auto", Output: "jsonl",
			MinLevel: "informational", Workers: 2, Out: &out, Err: &errb, Stdin: strings.NewReader(""),
			HitMemory: mem, TempDir: t.TempDir(),
		})
		if err != nil {
			t.Fatalf("Run: %v\n%s", err, errb.String())
		}
		return out.String(), sum
	}
	want, wantSum := run(0)
	got, sum := run(16 << 10)
	if wantSum.HitRuns != 0 || sum.HitRuns < 2 || wantSum.Correlations == 0 {
		t.Fatalf("runs %d and %d, correlations %d: the test needs spilling in one run only", wantSum.HitRuns, sum.HitRuns, wantSum.Correlations)
	}
	if got != want || sum.Correlations != wantSum.Correlations {
		t.Errorf("output through %d runs differs (%d and %d bytes, %d and %d correlations)", sum.HitRuns, len(got), len(want), sum.Correlations, wantSum.Correlations)
	}
}
