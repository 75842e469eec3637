package detect_test

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"tocsin/internal/detect"
	"tocsin/internal/event"
	"tocsin/internal/parse/jsonlog"
	"tocsin/internal/sigma"
	"tocsin/internal/winlog"
	"tocsin/internal/winmix"
)

func compileCorpus(b testing.TB, opts detect.Options) *detect.Engine {
	rules := loadCorpus(b)
	opts.CategoryParents = winlog.Default().CategoryParents
	eng, _ := detect.Compile(rules, opts)
	return eng
}

// decodeEvents turns generated JSON lines into events, as hunt does.
func decodeEvents(b testing.TB, data []byte) []*event.Event {
	dec := jsonlog.NewDecoder()
	win := winlog.Default()
	var out []*event.Event
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		ev := event.New()
		if err := dec.Decode(line, ev); err != nil {
			b.Fatal(err)
		}
		win.Apply(ev)
		out = append(out, ev.Clone())
	}
	return out
}

func benchEvents(b testing.TB, kind winmix.Kind, n int) []*event.Event {
	g := winmix.New(1)
	var buf bytes.Buffer
	var err error
	if kind == 0 {
		err = g.WriteMix(&buf, n)
	} else {
		err = g.WriteKind(&buf, kind, n)
	}
	if err != nil {
		b.Fatal(err)
	}
	return decodeEvents(b, buf.Bytes())
}

func benchMatch(b *testing.B, opts detect.Options, kind winmix.Kind) {
	eng := compileCorpus(b, opts)
	evs := benchEvents(b, kind, 20000)
	m := eng.NewMatcher()
	// Warm the logsource buckets and the events' lower-case buffers.
	for _, ev := range evs {
		m.Match(ev)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	matched := 0
	i := 0
	cpu := detect.ThreadCPU()
	for b.Loop() {
		ev := evs[i]
		ev.ForgetLower() // as for a fresh event: lower-case again
		matched += len(m.Match(ev))
		i++
		if i == len(evs) {
			i = 0
		}
	}
	cpu = detect.ThreadCPU() - cpu
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/cpu-s")
	}
	b.ReportMetric(float64(matched)/float64(b.N), "matches/event")
}

// BenchmarkCorpusMix: every SigmaHQ rule, routed by logsource, over a
// realistic Windows mix (Sysmon, PowerShell, Security), one core.
func BenchmarkCorpusMix(b *testing.B) { benchMatch(b, detect.Options{}, 0) }

// BenchmarkCorpusProcessCreation: Sysmon process creation only, the
// logsource with the most rules (about 1,400).
func BenchmarkCorpusProcessCreation(b *testing.B) {
	benchMatch(b, detect.Options{}, winmix.ProcessCreation)
}

// BenchmarkCorpusMixDecode: decoding the JSON line, Windows mapping and
// matching, per core: the per-event cost of a hunt.
func BenchmarkCorpusMixDecode(b *testing.B) {
	eng := compileCorpus(b, detect.Options{})
	var buf bytes.Buffer
	if err := winmix.New(1).WriteMix(&buf, 20000); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	dec := jsonlog.NewDecoder()
	win := winlog.Default()
	ev := event.New()
	m := eng.NewMatcher()
	run := func(line []byte) int {
		ev.Reset()
		if err := dec.Decode(line, ev); err != nil {
			b.Fatal(err)
		}
		win.Apply(ev)
		return len(m.Match(ev))
	}
	for _, l := range lines {
		run(l)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.SetBytes(int64(buf.Len() / len(lines)))
	b.ResetTimer()
	i := 0
	cpu := detect.ThreadCPU()
	for b.Loop() {
		run(lines[i])
		i++
		if i == len(lines) {
			i = 0
		}
	}
	cpu = detect.ThreadCPU() - cpu
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "events/cpu-s")
	}
}

// BenchmarkCorpusMixNoPrefilter measures what the prefilter saves.
func BenchmarkCorpusMixNoPrefilter(b *testing.B) {
	benchMatch(b, detect.Options{NoPrefilter: true}, 0)
}

// TestNoAllocWithoutMatch: an event no rule matches costs no allocation.
func TestNoAllocWithoutMatch(t *testing.T) {
	eng := compileCorpus(t, detect.Options{})
	evs := benchEvents(t, 0, 2000)
	m := eng.NewMatcher()
	var quiet []*event.Event
	for _, ev := range evs {
		if len(m.Match(ev)) == 0 {
			quiet = append(quiet, ev)
		}
	}
	if len(quiet) < len(evs)/2 {
		t.Fatalf("only %d of %d events match nothing: the mix is not realistic", len(quiet), len(evs))
	}
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		m.Match(quiet[i%len(quiet)])
		i++
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per non-matching event, want 0", allocs)
	}
}

// TestPrefilterAgreesOnCorpus: with the whole corpus and realistic events,
// the prefilter never changes what matches.
func TestPrefilterAgreesOnCorpus(t *testing.T) {
	fast := compileCorpus(t, detect.Options{})
	slow := compileCorpus(t, detect.Options{NoPrefilter: true})
	g := winmix.New(7)
	g.SetMaliciousRate(0.05)
	var buf bytes.Buffer
	if err := g.WriteMix(&buf, 5000); err != nil {
		t.Fatal(err)
	}
	mf, ms := fast.NewMatcher(), slow.NewMatcher()
	total := 0
	for i, ev := range decodeEvents(t, buf.Bytes()) {
		a := titles(mf.Match(ev))
		b := titles(ms.Match(ev))
		total += len(b)
		if a != b {
			t.Errorf("event %d: with prefilter %q, without %q", i, a, b)
		}
	}
	if total == 0 {
		t.Error("no rule matched 5000 events with 5% malicious ones")
	}
	t.Logf("%d matches", total)
}

func titles(rs []*sigma.Rule) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Title)
	}
	return strings.Join(s, " | ")
}

// TestConcurrentMatchers: matchers on several goroutines share one engine
// and its lazily built buckets (run under -race by test.sh).
func TestConcurrentMatchers(t *testing.T) {
	eng := compileCorpus(t, detect.Options{})
	evs := benchEvents(t, 0, 400)
	want := make([]string, len(evs))
	m := eng.NewMatcher()
	for i, ev := range evs {
		want[i] = titles(m.Match(ev))
	}
	// Fresh engine: the buckets are built while the goroutines race.
	eng = compileCorpus(t, detect.Options{})
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			m := eng.NewMatcher()
			for i := range evs {
				k := (i + g*97) % len(evs)
				ev := evs[k].Clone() // events are not shared: each goroutine lowers its own
				if got := titles(m.Match(ev)); got != want[k] {
					errs <- got + " != " + want[k]
					return
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// BenchmarkCorpusKind: per event kind of the mix, to see where time goes.
func BenchmarkCorpusKind(b *testing.B) {
	for _, k := range winmix.Kinds() {
		b.Run(k.String(), func(b *testing.B) { benchMatch(b, detect.Options{}, k) })
	}
}

// BenchmarkCompileCorpus: compiling the whole corpus, the largest part of
// `tocsin hunt`'s start.
func BenchmarkCompileCorpus(b *testing.B) {
	rules := loadCorpus(b)
	opts := detect.Options{CategoryParents: winlog.Default().CategoryParents}
	b.ReportAllocs()
	for b.Loop() {
		detect.Compile(rules, opts)
	}
	b.ReportMetric(float64(len(rules)), "rules")
}
