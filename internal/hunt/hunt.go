// Package hunt runs rules over log files offline: read, decode, match and
// correlate on every core, with output in input order.
package hunt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"

	"tocsin/internal/correlate"
	"tocsin/internal/detect"
	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/sigma"
)

// Options configure a hunt.
type Options struct {
	Detect    *detect.Engine
	Correlate *correlate.Engine // may be nil
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
	// Untimed counts events that a correlation would have used but that
	// have no time: a window cannot place them, so they are left out.
	Untimed int64
}

// result is what a worker made of one batch.
type result struct {
	seq     uint64
	out     []byte
	hits    []correlate.Hit
	matched []*sigma.Rule
	events  int64
	bytes   int64
	bad     []string
	untimed int64
	latest  time.Time
	err     error
	file    string
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
	minRank, ok := levelRank[o.MinLevel]
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

var levelRank = map[string]int{"": 0, "informational": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

// LevelRank orders Sigma levels from informational (0) to critical (4).
func LevelRank(level string) int { return levelRank[level] }

// worker decodes and matches batches; it owns reusable scratch memory.
type worker struct {
	o       Options
	format  input.Format
	minRank int
	m       *detect.Matcher
	dec     *decoder
	ev      *event.Event
	fmt     *formatter
}

func newWorker(o Options, format input.Format, minRank int) *worker {
	return &worker{o: o, format: format, minRank: minRank, m: o.Detect.NewMatcher(), dec: newDecoder(), ev: event.New(), fmt: newFormatter(o.Output)}
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
		if err := w.dec.decode(rec.Data, format, ev); err != nil {
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
		var clone *event.Event
		untimed := false
		for _, rule := range matched {
			if c := w.o.Correlate; c != nil && c.Referenced(rule) {
				switch {
				case ev.Time.IsZero():
					// Without a time, every such event would fall in
					// one window: "5 in 10 minutes" would count a
					// whole file.
					untimed = true
				case clone == nil:
					clone = ev.Clone()
					fallthrough
				default:
					r.hits = append(r.hits, correlate.Hit{Rule: rule, Time: ev.Time, Fields: clone, Events: []correlate.Ref{{File: rec.File, Line: rec.Line}}})
				}
				if c.Suppressed(rule) {
					continue
				}
			}
			if levelRank[rule.Level] < w.minRank {
				continue
			}
			r.matched = append(r.matched, rule)
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
	o   Options
	sum *Summary
	fmt *formatter
	buf []byte
}

func newOrderedOutput(o Options, sum *Summary) *orderedOutput {
	return &orderedOutput{o: o, sum: sum, fmt: newFormatter(o.Output)}
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
		fmt.Fprintf(w.o.Err, "tocsin hunt: %v\n", r.err)
	}
	for _, rule := range r.matched {
		w.sum.Detections++
		w.sum.ByRule[rule]++
		w.sum.ByLevel[rule.Level]++
	}
	w.buf = append(w.buf[:0], r.out...)
	if c := w.o.Correlate; c != nil {
		for _, h := range r.hits {
			w.correlations(c.Observe(h))
		}
		if !r.latest.IsZero() {
			w.correlations(c.Advance(r.latest))
		}
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
		if levelRank[c.Rule.Level] < levelRank[w.o.MinLevel] {
			continue
		}
		w.sum.Correlations++
		w.sum.ByRule[c.Rule]++
		w.sum.ByLevel[c.Rule.Level]++
		w.buf = w.fmt.correlation(w.buf, c)
	}
}

func (w *orderedOutput) finish() error {
	w.buf = w.buf[:0]
	if c := w.o.Correlate; c != nil {
		w.correlations(c.Flush())
	}
	_, err := w.o.Out.Write(w.buf)
	return err
}

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
		if ra, rb := levelRank[a.Rule.Level], levelRank[b.Rule.Level]; ra != rb {
			return ra > rb
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Rule.Title < b.Rule.Title
	})
	return out
}
