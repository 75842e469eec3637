package detect

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sort"
	"testing"
	"time"

	"tocsin/internal/event"
	"tocsin/internal/parse/jsonlog"
	"tocsin/internal/sigma"
	"tocsin/internal/winlog"
	"tocsin/internal/winmix"
)

// The diagnostics below show where matching time goes; they run only with
// DIAG set (DIAG=pc for process creation, KIND=ImageLoad for one kind):
//
//	DIAG=1 go test -run TestDiagTime -v ./internal/detect

// diagEngine compiles the SigmaHQ corpus as hunt does.
func diagEngine(tb testing.TB) *Engine {
	var paths []string
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting"} {
		paths = append(paths, "../../../shared/sigma/"+d)
	}
	set := sigma.LoadPaths(paths...)
	eng, _ := Compile(set.Rules, Options{CategoryParents: winlog.Default().CategoryParents})
	return eng
}

func TestDiagTime(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	eng := diagEngine(t)
	var buf bytes.Buffer
	if k := os.Getenv("KIND"); k != "" {
		for _, kk := range winmix.Kinds() {
			if kk.String() == k {
				winmix.New(1).WriteKind(&buf, kk, 5000)
			}
		}
	} else if os.Getenv("DIAG") == "pc" {
		winmix.New(1).WriteKind(&buf, winmix.ProcessCreation, 5000)
	} else {
		winmix.New(1).WriteMix(&buf, 5000)
	}
	m := eng.NewMatcher()
	dec := jsonlog.NewDecoder()
	win := winlog.Default()
	spent := map[string]time.Duration{}
	var scan, total time.Duration
	ncand := 0
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		ev := event.New()
		dec.Decode(line, ev)
		win.Apply(ev)
		b := eng.bucketFor(ev.Logsource)
		t0 := time.Now()
		set := m.candidates(b, ev)
		scan += time.Since(t0)
		cand := map[int]bool{}
		for w, x := range set {
			for k := 0; k < 64; k++ {
				if x&(1<<k) != 0 {
					cand[w*64+k] = true
				}
			}
			set[w] = 0
		}
		ncand += len(cand)
		for ri := range cand {
			r := b.rules[ri]
			t1 := time.Now()
			var c evalCtx
			c.reset(ev, eng.items, nil)
			r.cond.eval(&c)
			spent[r.rule.Title] += time.Since(t1)
		}
		total += time.Since(t0)
	}
	fmt.Printf("candidates %v total %v per event %v; %.1f candidates/event\n", scan, total, total/5000, float64(ncand)/5000)
	type kv struct {
		k string
		v time.Duration
	}
	var l []kv
	for k, v := range spent {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
	for _, x := range l[:min(25, len(l))] {
		fmt.Printf("%10v %s\n", x.v, x.k)
	}
}

func TestDiagBucket(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	eng := diagEngine(t)
	b := eng.bucketFor(event.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"})
	for _, fs := range b.subs {
		if fs.ac != nil {
			fmt.Printf("%-30q states %6d classes %3d table %6d KB\n", fs.field, fs.ac.states(), fs.ac.ncls, len(fs.ac.delta)*4/1024)
		}
	}
	fmt.Println("eq fields", b.eqFields, "rules", len(b.rules), "always", len(b.always))
}

func BenchmarkDiagScan(b *testing.B) {
	eng := diagEngine(b)
	bk := eng.bucketFor(event.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"})
	var buf bytes.Buffer
	winmix.New(1).WriteKind(&buf, winmix.ProcessCreation, 2000)
	dec := jsonlog.NewDecoder()
	var evs []*event.Event
	total := 0
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		ev := event.New()
		dec.Decode(line, ev)
		winlog.Default().Apply(ev)
		evs = append(evs, ev.Clone())
	}
	for _, fs := range bk.subs {
		fs := fs
		if fs.ac == nil {
			continue
		}
		b.Run(fs.field, func(b *testing.B) {
			var h hits
			h.reset(len(bk.litRules))
			n := 0
			for i := 0; b.Loop(); i++ {
				ev := evs[i%len(evs)]
				if fs.field == "" {
					for j := 0; j < ev.Len(); j++ {
						fs.ac.scan(ev.At(j).Value, &h)
						n += len(ev.At(j).Value)
					}
				} else if j := ev.Lookup(fs.field); j >= 0 {
					fs.ac.scan(ev.At(j).Value, &h)
					n += len(ev.At(j).Value)
				}
				h.reset(len(bk.litRules))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(n, 1)), "ns/byte")
			b.ReportMetric(float64(n)/float64(b.N), "bytes/op")
		})
	}
	_ = total
}

func BenchmarkDiagScanRaw(b *testing.B) {
	eng := diagEngine(b)
	bk := eng.bucketFor(event.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"})
	texts := map[string]string{
		"CommandLine": `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --display-capture-permissions-policy-allowed --lang=en-US --device-scale-factor=1 --num-raster-threads=2 --enable-main-frame-before-activation --renderer-client-id=7`,
		"Image":       `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		"":            `SHA1=5E4F2C531C549BB72A658ED9DD16D491EDDBB286,MD5=FAB4B30C1C4F0A9202A7B42DCF1729DC`,
	}
	for _, fs := range bk.subs {
		text, ok := texts[fs.field]
		if !ok || fs.ac == nil {
			continue
		}
		b.Run(fs.field, func(b *testing.B) {
			var h hits
			h.reset(len(bk.litRules))
			for b.Loop() {
				fs.ac.scan(text, &h)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(text)), "ns/byte")
		})
	}
}

func TestDiagKeywordRules(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	eng := diagEngine(t)
	for _, ls := range []event.Logsource{{Product: "windows", Category: "process_creation", Service: "sysmon"}, {Product: "windows", Service: "security"}, {Product: "windows", Category: "ps_script", Service: "powershell"}} {
		b := eng.bucketFor(ls)
		for _, r := range b.rules {
			for _, w := range r.ws {
				if w.field == "" && !w.exact {
					fmt.Println(ls, r.rule.Title, w.text)
				}
			}
		}
	}
}

// TestDiagCachePaired compares matching with and without the value cache
// on the same events, alternating blocks of 1,000 events so that both
// see the same load on a shared machine; it prints the median ratio of
// thread CPU time.
//
//	DIAG=1 go test -run TestDiagCachePaired -v ./internal/detect
func TestDiagCachePaired(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	eng := corpusEngine(t)
	var buf bytes.Buffer
	winmix.New(1).WriteMix(&buf, 20000)
	dec := jsonlog.NewDecoder()
	win := winlog.Default()
	var evs []*event.Event
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		ev := event.New()
		dec.Decode(line, ev)
		win.Apply(ev)
		evs = append(evs, ev.Clone())
	}
	cached, plain := eng.NewMatcher(), eng.NewMatcher()
	plain.untilCache = 1 << 62
	for _, ev := range evs {
		cached.Match(ev)
		plain.Match(ev)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const block = 1000
	run := func(m *Matcher, from int) time.Duration {
		t0 := ThreadCPU()
		for _, ev := range evs[from : from+block] {
			ev.ForgetLower()
			m.Match(ev)
		}
		return ThreadCPU() - t0
	}
	var ratios []float64
	var tc, tp time.Duration
	h0, m0 := cached.cache.hits, cached.cache.misses
	for r := 0; r < 40; r++ {
		from := (r * block) % len(evs)
		c, p := run(cached, from), run(plain, from)
		tc += c
		tp += p
		ratios = append(ratios, float64(p)/float64(c))
	}
	sort.Float64s(ratios)
	h, m := cached.cache.hits-h0, cached.cache.misses-m0
	fmt.Printf("with cache %.0f events/cpu-s, without %.0f; median speed-up %.3f (%.3f-%.3f); lookups hit %.1f%%\n",
		40*block/tc.Seconds(), 40*block/tp.Seconds(), ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1], 100*float64(h)/float64(h+m))
}

// TestDiagRepeat shows how repetitive the Windows mix is, per field the
// prefilter reads with an index or its own automaton, and how often the
// value cache hits on a stream it has not seen:
//
//	DIAG=1 go test -run TestDiagRepeat -v ./internal/detect
func TestDiagRepeat(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	eng := corpusEngine(t)
	evs := mixEvents(t, 3, 40000)
	type count struct{ values, bytes, distinct, distinctBytes int }
	counts := map[string]*count{}
	seen := map[[2]string]bool{}
	m := eng.NewMatcher()
	m.cache = newValueCache(cacheSlots, cacheRing)
	for _, ev := range evs {
		m.Match(ev)
		b := eng.bucketFor(ev.Logsource)
		for i := 0; i < ev.Len(); i++ {
			f := ev.At(i)
			if b.names.find(f.Name, b.plans) < 0 {
				continue
			}
			c := counts[f.Name]
			if c == nil {
				c = &count{}
				counts[f.Name] = c
			}
			c.values++
			c.bytes += len(f.Value)
			if k := [2]string{f.Name, f.Value}; !seen[k] {
				seen[k] = true
				c.distinct++
				c.distinctBytes += len(f.Value)
			}
		}
	}
	var names []string
	total := 0
	for n, c := range counts {
		names = append(names, n)
		total += c.bytes
	}
	sort.Slice(names, func(i, j int) bool { return counts[names[i]].bytes > counts[names[j]].bytes })
	fmt.Printf("%d events, %d bytes/event in fields read by plans; value cache: %.1f%% of lookups hit\n",
		len(evs), total/len(evs), 100*float64(m.cache.hits)/float64(m.cache.hits+m.cache.misses))
	for _, n := range names[:min(15, len(names))] {
		c := counts[n]
		fmt.Printf("%-20s %6d values %4.1f%% of bytes, distinct: %5.1f%% of values, %5.1f%% of bytes\n",
			n, c.values, 100*float64(c.bytes)/float64(total), 100*float64(c.distinct)/float64(c.values), 100*float64(c.distinctBytes)/float64(max(c.bytes, 1)))
	}
}
