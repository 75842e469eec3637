package detect

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"tocsin/internal/event"
	"tocsin/internal/parse/jsonlog"
	"tocsin/internal/sigma"
	"tocsin/internal/winlog"
	"tocsin/internal/winmix"
)

// corpusEngine compiles the SigmaHQ corpus beside the project, or skips.
func corpusEngine(t *testing.T) *Engine {
	t.Helper()
	const shared = "../../../shared/sigma/"
	if _, err := os.Stat(shared + "rules"); err != nil {
		t.Skip("SigmaHQ corpus not found beside the project")
	}
	var paths []string
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance"} {
		paths = append(paths, shared+d)
	}
	eng, _ := Compile(sigma.LoadPaths(paths...).Rules, Options{CategoryParents: winlog.Default().CategoryParents})
	return eng
}

// mixEvents decodes n generated Windows events, 5 % of them malicious so
// that rules fire.
func mixEvents(t *testing.T, seed int64, n int) []*event.Event {
	t.Helper()
	g := winmix.New(seed)
	g.SetMaliciousRate(0.05)
	var buf bytes.Buffer
	if err := g.WriteMix(&buf, n); err != nil {
		t.Fatal(err)
	}
	dec := jsonlog.NewDecoder()
	win := winlog.Default()
	var out []*event.Event
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		ev := event.New()
		if err := dec.Decode(line, ev); err != nil {
			t.Fatal(err)
		}
		win.Apply(ev)
		out = append(out, ev.Clone())
	}
	return out
}

// TestValueCacheHitEqualsMiss: on the Windows mix, a matcher whose
// prefilter results come from the cache (hits, misses, collisions, values overwritten in
// the ring) selects exactly the candidates, and returns exactly the
// detections, of a matcher that scans every value.
func TestValueCacheHitEqualsMiss(t *testing.T) {
	eng := corpusEngine(t)
	evs := mixEvents(t, 11, 3000)
	tests := []struct {
		name        string
		slots, ring int
	}{
		{"default size", cacheSlots, cacheRing},
		{"one slot: every value collides", 1, 4096},
		{"small ring: values overwritten", 256, 2 * maxCachedValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := eng.NewMatcher()
			plain.untilCache = 1 << 62
			cached := eng.NewMatcher()
			cached.cache = newValueCache(tt.slots, tt.ring)
			matched := 0
			for pass := 0; pass < 2; pass++ { // the second pass mostly hits
				for i, ev := range evs {
					b := eng.bucketFor(ev.Logsource)
					want := slices.Clone(plain.candidates(b, ev))
					got := cached.candidates(b, ev)
					if !slices.Equal(got, want) {
						t.Fatalf("pass %d, event %d: candidates %x with the cache, %x without", pass, i, got, want)
					}
					clear(got)
					clear(want)
					w := ruleTitles(plain.Match(ev))
					if g := ruleTitles(cached.Match(ev)); g != w {
						t.Fatalf("pass %d, event %d: %q with the cache, %q without", pass, i, g, w)
					}
					if w != "" {
						matched++
					}
				}
			}
			c := cached.cache
			t.Logf("%d hits, %d misses, %d events matched", c.hits, c.misses, matched)
			if c.hits == 0 || c.misses == 0 || matched == 0 {
				t.Errorf("%d hits, %d misses, %d matches: the test compared nothing", c.hits, c.misses, matched)
			}
			if plain.cache != nil {
				t.Error("the matcher without a cache made one")
			}
		})
	}
}

func ruleTitles(rs []*sigma.Rule) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Title)
	}
	return strings.Join(s, " | ")
}

// TestValueCacheSlots: what a slot gives back, and when it refuses.
func TestValueCacheSlots(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name  string
		setup func(c *valueCache)
		plan  uint64
		value string
		want  []int32 // nil: a miss
	}{
		{"stored value", func(c *valueCache) { c.put(1, "C:\\Windows\\System32\\svchost.exe", []int32{3, 9}) }, 1, "C:\\Windows\\System32\\svchost.exe", []int32{3, 9}},
		{"stored value without literals", func(c *valueCache) { c.put(1, long, nil) }, 1, long, []int32{}},
		{"other automaton", func(c *valueCache) { c.put(1, long, []int32{1}) }, 2, long, nil},
		{"other value in the only slot", func(c *valueCache) { c.put(1, long, []int32{1}) }, 1, long + "y", nil},
		{"same length, other bytes", func(c *valueCache) { c.put(1, long, []int32{1}) }, 1, strings.Repeat("y", 40), nil},
		{"too many literals to keep", func(c *valueCache) { c.put(1, long, []int32{1, 2, 3, 4, 5}) }, 1, long, nil},
		{"overwritten in the ring", func(c *valueCache) {
			c.put(1, long, []int32{1})
			c.pos += uint64(len(c.ring)) // as if the ring went round
		}, 1, long, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newValueCache(1, 256)
			tt.setup(c)
			sl, _, ok := c.lookup(tt.plan, tt.value)
			switch {
			case tt.want == nil && ok:
				t.Errorf("hit with %v, want a miss", sl.ids[:sl.nids])
			case tt.want != nil && !ok:
				t.Errorf("miss, want %v", tt.want)
			case ok && !slices.Equal(sl.ids[:sl.nids], tt.want):
				t.Errorf("hit with %v, want %v", sl.ids[:sl.nids], tt.want)
			case ok && !slices.Equal(sl.lists[:sl.nlists], []int32{7}):
				t.Errorf("hit with rule lists %v, want [7]", sl.lists[:sl.nlists])
			}
		})
	}
}

// put stores a value as prefilterValue does after a miss, with one rule
// list (7).
func (c *valueCache) put(plan uint64, s string, ids []int32) {
	sl, h, _ := c.lookup(plan, s)
	c.store(sl, h, plan, s, []int32{7}, ids)
}

// TestValueCacheRegexResults: two regular expressions read the same value;
// remembered results must stay apart per expression, and a changed value
// must not reuse them.
func TestValueCacheRegexResults(t *testing.T) {
	text := "title: yes\nid: 11111111-2222-4333-8444-555555555551\nlogsource:\n    product: test\ndetection:\n    sel:\n        CommandLine|re: '-k\\s\\w{1,64}'\n    condition: sel\n" +
		"---\ntitle: no\nid: 11111111-2222-4333-8444-555555555552\nlogsource:\n    product: test\ndetection:\n    sel:\n        CommandLine|re: 'net\\s+user\\s+'\n    condition: sel\n"
	rules, errs := sigma.Parse("r.yml", []byte(text))
	if len(errs) > 0 || len(rules) != 2 {
		t.Fatalf("parse: %v (%d rules)", errs, len(rules))
	}
	eng, cerrs := Compile(rules, Options{NoPrefilter: true})
	if len(cerrs) > 0 {
		t.Fatal(cerrs)
	}
	m := eng.NewMatcher()
	m.cache = newValueCache(cacheSlots, cacheRing)
	values := []struct{ cmd, want string }{
		{`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, "yes"},
		{`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, "yes"},
		{`cmd.exe /c net user  admin P4ss /add`, "no"},
		{`cmd.exe /c net user  admin P4ss /add`, "no"},
		{`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, "yes"},
		{`C:\Windows\system32\svchost.exe -x netsvcs -p -s Schedule`, ""},
		// Values with the literals of both expressions, matched by one.
		{`svchost.exe -k netsvcs user x`, "yes"},
		{`svchost.exe -k netsvcs user x`, "yes"},
		{`cmd /c net user admin -k`, "no"},
		{`cmd /c net user admin -k`, "no"},
	}
	for i, v := range values {
		e := event.New()
		e.Logsource.Product = "test"
		e.Add("CommandLine", v.cmd, event.String)
		if got := ruleTitles(m.Match(e)); got != v.want {
			t.Errorf("value %d (%s): matched %q, want %q", i, v.cmd, got, v.want)
		}
	}
	if m.cache.hits < 3 {
		t.Errorf("%d cache hits: the results were not remembered", m.cache.hits)
	}
}
