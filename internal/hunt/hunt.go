// Package hunt runs rules over log files offline: read, decode, match and
// correlate on every core, with output in input order.
package hunt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"tocsin/internal/correlate"
	"tocsin/internal/decode"
	"tocsin/internal/detect"
	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/sigma"
	"tocsin/internal/winlog"
)

// Options configure a hunt.
type Options struct {
	Detect    *detect.Engine
	Correlate *correlate.Engine // may be nil
	// Mapper maps Windows events to Sigma's fields and logsources
	// (nil: the built-in mapping).
	Mapper *winlog.Mapper
	// Format forces the input format ("auto" or "" sniffs each file).
	Format string
	// Output is "text" or "jsonl".
	Output   string
	MinLevel string // leave out detections below this level
	Workers  int    // 0: one per core
	Out      io.Writer
	Err      io.Writer
	// Progress, when set, is called about once a second with the
	// running totals (the CLI prints a progress line from it).
	Progress func(Progress)
	Stdin    io.Reader
	// HitMemory bounds the correlation hits held in memory, in bytes
	// (0: 64 MiB); beyond it they go to temporary files in TempDir
	// ("": the system's, $TMPDIR).
	HitMemory int64
	TempDir   string
}

// Progress is a snapshot of a running hunt.
type Progress struct {
	Events  int64
	Bytes   int64
	Elapsed time.Duration
}

// Summary is what a finished hunt counted.
type Summary struct {
	Files        int
	Events       int64
	Bytes        int64
	BadRecords   int64
	Detections   int64
	Correlations int64
	ByRule       map[*sigma.Rule]int64
	ByLevel      map[string]int64
	Elapsed      time.Duration
	InputErrors  int
	Evicted      uint64
	// HitRuns counts the temporary files the correlation hits went to
	// (beyond Options.HitMemory).
	HitRuns int
	// Untimed counts events that a correlation would have used but that
	// have no time: a window cannot place them, so they are left out.
	Untimed int64
	// BySource: per source address named by a detection or correlation of
	// level medium or above, what it did: the attackers of the run.
	BySource map[string]*SourceStat
}

// SourceStat is what one source address set off.
type SourceStat struct {
	Alerts      int64
	First, Last time.Time
	Rules       map[string]bool // titles
	// Hosts it went for (a host name, else a web site), at most
	// maxHosts of them; MoreHosts: others were left out.
	Hosts     map[string]bool
	MoreHosts bool
}

const maxHosts = 8

func (s *Summary) addSource(ip string, t time.Time, title string, hosts ...string) {
	if ip == "" {
		return
	}
	if s.BySource == nil {
		s.BySource = map[string]*SourceStat{}
	}
	st := s.BySource[ip]
	if st == nil {
		st = &SourceStat{Rules: map[string]bool{}, Hosts: map[string]bool{}, First: t, Last: t}
		s.BySource[ip] = st
	}
	st.Alerts++
	st.Rules[title] = true
	for _, h := range hosts {
		switch {
		case h == "" || st.Hosts[h]:
		case len(st.Hosts) < maxHosts:
			st.Hosts[h] = true
		default:
			st.MoreHosts = true
		}
	}
	if !t.IsZero() && (st.First.IsZero() || t.Before(st.First)) {
		st.First = t
	}
	if t.After(st.Last) {
		st.Last = t
	}
}

// SourceCount is one line of the per-source summary.
type SourceCount struct {
	IP string
	*SourceStat
}

// Sources returns the sources, most alerts first.
func (s *Summary) Sources() []SourceCount {
	out := make([]SourceCount, 0, len(s.BySource))
	for ip, st := range s.BySource {
		out = append(out, SourceCount{ip, st})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Alerts != out[j].Alerts {
			return out[i].Alerts > out[j].Alerts
		}
		return out[i].IP < out[j].IP
	})
	return out
}

// result is what a worker made of one batch.
type result struct {
	seq     uint64
	out     []byte
	hits    []correlate.Hit
	matched []*sigma.Rule
	sources []source // per matched rule: the source address, if medium+
	targets targets  // sources of correlation hits and the hosts they went for
	events  int64
	bytes   int64
	bad     []string
	untimed int64
	latest  time.Time
	err     error
	file    string
}

// source is the address a detection names, and when.
type source struct {
	ip   string
	t    time.Time
	host string // the host attacked: the event's host, else its vhost
}

// target names the host an event is about: the machine that logged it,
// else the web site.
func target(ents map[string]string) string {
	if h := ents["host"]; h != "" {
		return h
	}
	return ents["vhost"]
}

// Run hunts through paths. It returns an error only when it could not run
// at all; problems with single inputs or records are reported on Err and
// counted in the Summary.
func Run(ctx context.Context, paths []string, o Options) (*Summary, error) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Output == "" {
		o.Output = "text"
	}
	if o.Mapper == nil {
		o.Mapper = winlog.Default()
	}
	minRank, ok := sigma.LevelRank(o.MinLevel)
	if !ok && o.MinLevel != "" {
		return nil, fmt.Errorf("unknown level %q (informational, low, medium, high, critical)", o.MinLevel)
	}
	format := input.Format(o.Format)
	if o.Format == "auto" {
		format = ""
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	start := time.Now()
	reader := input.NewReader(input.Options{}, o.Stdin)
	read := make(chan *input.Batch, o.Workers)
	batches := make(chan *input.Batch, o.Workers)
	results := make(chan *result, 2*o.Workers)
	// Tokens bound the batches in flight, so that one slow batch cannot
	// make the reorder buffer below grow without limit.
	tokens := make(chan struct{}, 4*o.Workers)
	var readErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		readErr = reader.Run(ctx, paths, read)
	}()
	go func() {
		defer wg.Done()
		defer close(batches)
		for b := range read {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				reader.Release(b)
				continue
			}
			batches <- b
		}
	}()
	var workers sync.WaitGroup
	for i := 0; i < o.Workers; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			w := newWorker(o, format, minRank)
			for b := range batches {
				if ctx.Err() != nil {
					// Stopping: drain without the work.
					reader.Release(b)
					continue
				}
				r := w.process(b)
				reader.Release(b)
				select {
				case results <- r:
				case <-ctx.Done():
					// Drain so the reader can finish.
				}
			}
		}()
	}
	go func() {
		workers.Wait()
		close(results)
	}()

	sum := &Summary{ByRule: map[*sigma.Rule]int64{}, ByLevel: map[string]int64{}}
	out := newOrderedOutput(o, sum)
	defer out.hits.close()
	pending := map[uint64]*result{}
	next := uint64(0)
	lastProgress := time.Now()
	files := map[string]bool{}
	for r := range results {
		pending[r.seq] = r
		for {
			p, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-tokens
			if p.file != "" {
				files[p.file] = true
			}
			if err := out.write(p); err != nil {
				cancel()
				for range results { // wait for the workers
				}
				wg.Wait()
				return sum, err
			}
		}
		if o.Progress != nil && time.Since(lastProgress) >= time.Second {
			lastProgress = time.Now()
			o.Progress(Progress{Events: sum.Events, Bytes: sum.Bytes, Elapsed: time.Since(start)})
		}
	}
	wg.Wait()
	sum.HitRuns = len(out.hits.runs)
	if err := out.finish(); err != nil {
		return sum, err
	}
	sum.Files = len(files)
	sum.Elapsed = time.Since(start)
	if o.Correlate != nil {
		for _, st := range o.Correlate.Stats() {
			sum.Evicted += st.Evicted
		}
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		return sum, readErr
	}
	return sum, ctx.Err()
}

// rank orders rule levels; an unknown one ranks lowest.
func rank(level string) int {
	r, _ := sigma.LevelRank(level)
	return r
}

// worker decodes and matches batches; it owns reusable scratch memory.
type worker struct {
	o       Options
	format  input.Format
	minRank int
	m       *detect.Matcher
	dec     *decode.Decoder
	ev      *event.Event
	fmt     *formatter
	// corrFields caches, per rule, the fields its correlations read.
	corrFields map[*sigma.Rule][]string
}

func newWorker(o Options, format input.Format, minRank int) *worker {
	return &worker{o: o, format: format, minRank: minRank, m: o.Detect.NewMatcher(), dec: decode.New(o.Mapper), ev: event.New(), fmt: newFormatter(o.Output), corrFields: map[*sigma.Rule][]string{}}
}

// slim copies the fields of ev that the correlations consuming rule read.
func (w *worker) slim(rule *sigma.Rule, ev *event.Event) correlate.KVs {
	names, ok := w.corrFields[rule]
	if !ok {
		names = w.o.Correlate.Fields(rule)
		w.corrFields[rule] = names
	}
	return correlate.Slim(ev, names)
}

func (w *worker) process(b *input.Batch) *result {
	r := &result{seq: b.Seq, err: b.Err, file: b.File}
	format := w.format
	if format == "" {
		format = b.Format
	}
	for _, rec := range b.Records {
		r.events++
		r.bytes += int64(len(rec.Data)) + 1
		ev := w.ev
		ev.Reset()
		times, err := w.dec.Decode(rec.Data, format, ev)
		if err != nil {
			r.bad = append(r.bad, fmt.Sprintf("%s:%d: %v", rec.File, rec.Line, err))
			continue
		}
		ev.Source = event.Source{File: rec.File, Line: rec.Line}
		if ev.Time.After(r.latest) {
			r.latest = ev.Time
		}
		matched := w.m.Match(ev)
		if len(matched) == 0 {
			continue
		}
		untimed := false
		for _, rule := range matched {
			if c := w.o.Correlate; c != nil && c.Referenced(rule) {
				switch {
				case ev.Time.IsZero():
					// Without a time, every such event would fall in
					// one window: "5 in 10 minutes" would count a
					// whole file.
					untimed = true
				default:
					// "message repeated N times" is N hits.
					h := correlate.Hit{Rule: rule, Time: ev.Time, Fields: w.slim(rule, ev), Events: []correlate.Ref{{File: rec.File, Line: rec.Line}}}
					for range times {
						r.hits = append(r.hits, h)
					}
					r.targets.addEvent(ev)
				}
				if c.Suppressed(rule) {
					continue
				}
			}
			if rank(rule.Level) < w.minRank {
				continue
			}
			r.matched = append(r.matched, rule)
			src := source{}
			if rank(rule.Level) >= rank("medium") {
				ents := decode.Entities(ev)
				src = source{ip: strings.Clone(ents["src_ip"]), t: ev.Time, host: strings.Clone(target(ents))}
			}
			r.sources = append(r.sources, src)
			r.out = w.fmt.detection(r.out, rule, ev, rec.Data, format)
		}
		if untimed {
			r.untimed++
		}
	}
	return r
}

// orderedOutput writes results in input order and runs correlation, which
// needs that order.
type orderedOutput struct {
	o       Options
	sum     *Summary
	fmt     *formatter
	buf     []byte
	hits    *hitStore // for the correlations, at the end
	targets targets
	// binary counts the binary files skipped; only the first few are named.
	binary int
}

func newOrderedOutput(o Options, sum *Summary) *orderedOutput {
	return &orderedOutput{o: o, sum: sum, fmt: newFormatter(o.Output), hits: newHitStore(o.TempDir, o.HitMemory)}
}

func (w *orderedOutput) write(r *result) error {
	w.sum.Events += r.events
	w.sum.Bytes += r.bytes
	w.sum.BadRecords += int64(len(r.bad))
	w.sum.Untimed += r.untimed
	for _, b := range r.bad {
		fmt.Fprintf(w.o.Err, "tocsin hunt: skipped %s\n", b)
	}
	if r.err != nil {
		w.sum.InputErrors++
		// A folder of evtx_dump exports often holds the .evtx files too:
		// name a few, count the rest.
		if errors.Is(r.err, input.ErrBinary) {
			w.binary++
			if w.binary <= 3 {
				fmt.Fprintf(w.o.Err, "tocsin hunt: %v\n", r.err)
			}
		} else {
			fmt.Fprintf(w.o.Err, "tocsin hunt: %v\n", r.err)
		}
	}
	for k, rule := range r.matched {
		w.sum.Detections++
		w.sum.ByRule[rule]++
		w.sum.ByLevel[rule.Level]++
		if src := r.sources[k]; src.ip != "" {
			w.sum.addSource(src.ip, src.t, rule.Title, src.host)
		}
	}
	w.buf = append(w.buf[:0], r.out...)
	w.targets.merge(r.targets)
	if err := w.hits.add(r.hits); err != nil {
		return err
	}
	_, err := w.o.Out.Write(w.buf)
	return err
}

func (w *orderedOutput) correlations(res []correlate.Result) {
	for i := range res {
		c := &res[i]
		// A correlation consumed by another one (chaining) is not
		// reported unless a consumer has generate: true.
		if w.o.Correlate.Suppressed(c.Rule) {
			continue
		}
		if rank(c.Rule.Level) < rank(w.o.MinLevel) {
			continue
		}
		w.sum.Correlations++
		w.sum.ByRule[c.Rule]++
		w.sum.ByLevel[c.Rule.Level]++
		if rank(c.Rule.Level) >= rank("medium") {
			for _, kv := range c.Group {
				if kv.Field == "src_ip" {
					w.sum.addSource(kv.Value, c.Last, c.Rule.Title, w.targets.of(kv.Value)...)
				}
			}
		}
		w.buf = w.fmt.correlation(w.buf, c)
	}
}

// finish runs the correlations. They need event time order, which the
// input order is not when files overlap in time (two domain controllers'
// logs of the same night): the hits, slimmed to the fields correlations
// read, are kept and sorted first (in temporary files beyond HitMemory).
func (w *orderedOutput) finish() error {
	if w.binary > 3 {
		fmt.Fprintf(w.o.Err, "tocsin hunt: %d more binary files skipped\n", w.binary-3)
	}
	w.buf = w.buf[:0]
	if c := w.o.Correlate; c != nil {
		var werr error
		err := w.hits.each(func(h correlate.Hit) {
			w.correlations(c.Advance(h.Time))
			w.correlations(c.Observe(h))
			if len(w.buf) > 64<<10 && werr == nil {
				_, werr = w.o.Out.Write(w.buf)
				w.buf = w.buf[:0]
			}
		})
		if err = cmp.Or(err, werr); err != nil {
			return err
		}
		w.correlations(c.Flush())
	}
	_, err := w.o.Out.Write(w.buf)
	return err
}

// targets remembers, per source address of the correlation hits, the
// hosts its events were about, so that a correlation naming the source
// can say which hosts it went for. Bounded: maxHosts per source, and
// maxTargets sources (later ones are not remembered).
type targets map[string][]string

const maxTargets = 1 << 18

// addEvent notes the source and host of an event (the event's buffers are
// reused: what is kept is copied).
func (t *targets) addEvent(ev *event.Event) {
	h := ev.Host
	if h == "" {
		h = decode.Entity(ev, "vhost")
	}
	if h != "" {
		t.add(decode.Entity(ev, "src_ip"), h)
	}
}

func (t *targets) add(ip, h string) {
	if ip == "" || h == "" {
		return
	}
	if *t == nil {
		*t = targets{}
	}
	hs, ok := (*t)[ip]
	if !ok && len(*t) >= maxTargets || slices.Contains(hs, h) || len(hs) >= maxHosts {
		return
	}
	if !ok {
		ip = strings.Clone(ip)
	}
	(*t)[ip] = append(hs, strings.Clone(h))
}

// merge adds what a batch saw.
func (t *targets) merge(o targets) {
	for ip, hs := range o {
		for _, h := range hs {
			t.add(ip, h)
		}
	}
}

func (t targets) of(ip string) []string { return t[ip] }

// RuleCount is one line of the per-rule summary.
type RuleCount struct {
	Rule  *sigma.Rule
	Count int64
}

// Rules returns the per-rule counts, most severe first, then most frequent.
func (s *Summary) Rules() []RuleCount {
	out := make([]RuleCount, 0, len(s.ByRule))
	for r, n := range s.ByRule {
		out = append(out, RuleCount{r, n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := rank(a.Rule.Level), rank(b.Rule.Level); ra != rb {
			return ra > rb
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Rule.Title < b.Rule.Title
	})
	return out
}
