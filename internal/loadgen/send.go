package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options say what to send where.
type Options struct {
	Transport string // tcp, relp or http
	Addr      string // host:port (tcp, relp) or base URL (http)
	Token     string // http: an ingest token
	Conns     int    // parallel connections
	Rate      int    // events per second in all (0: as fast as possible)
	Lines     [][]byte
	// Repeat sends Lines this many times (at least once).
	Repeat int
	// Batch is the events per HTTP request.
	Batch int
	run   int64 // tells this run's HTTP batches from an earlier run's
}

// Result is what was sent.
type Result struct {
	Sent    int64
	Elapsed time.Duration
}

// Send sends every line Repeat times, split over Conns connections.
func Send(ctx context.Context, o Options) (Result, error) {
	if o.Conns <= 0 {
		o.Conns = 1
	}
	if o.Repeat <= 0 {
		o.Repeat = 1
	}
	if o.Batch <= 0 {
		o.Batch = 1000
	}
	o.run = time.Now().UnixNano()
	var sent atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, o.Conns)
	total := len(o.Lines) * o.Repeat
	for c := range o.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Connection c sends every Conns-th line.
			mine := stride{lines: o.Lines, first: c, step: o.Conns, n: (total - c + o.Conns - 1) / o.Conns}
			rate := 0
			if o.Rate > 0 {
				rate = max(1, o.Rate/o.Conns)
			}
			var err error
			switch o.Transport {
			case "tcp":
				err = sendStream(ctx, o.Addr, mine, rate, &sent, frameOctet)
			case "relp":
				err = sendRELP(ctx, o.Addr, mine, rate, &sent)
			case "http":
				err = sendHTTP(ctx, o, mine, rate, &sent)
			default:
				err = fmt.Errorf("unknown transport %q (tcp, relp, http)", o.Transport)
			}
			errs[c] = err
		}()
	}
	wg.Wait()
	return Result{Sent: sent.Load(), Elapsed: time.Since(start)}, errors.Join(errs...)
}

// stride is every step-th line from first, n of them, cycling through
// lines: the repeated input is never materialised.
type stride struct {
	lines       [][]byte
	first, step int
	n           int
}

func (s stride) at(i int) []byte { return s.lines[(s.first+i*s.step)%len(s.lines)] }

// pacer spreads sends over time: wait(n) returns once n more events may go.
type pacer struct {
	rate  int
	start time.Time
	done  int64
}

func (p *pacer) wait(ctx context.Context, n int) error {
	p.done += int64(n)
	if p.rate <= 0 {
		return ctx.Err()
	}
	due := p.start.Add(time.Duration(p.done) * time.Second / time.Duration(p.rate))
	if d := time.Until(due); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func frameOctet(w *bufio.Writer, line []byte) {
	w.WriteString(strconv.Itoa(len(line)))
	w.WriteByte(' ')
	w.Write(line)
}

func sendStream(ctx context.Context, addr string, lines stride, rate int, sent *atomic.Int64, frame func(*bufio.Writer, []byte)) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	w := bufio.NewWriterSize(c, 256<<10)
	p := &pacer{rate: rate, start: time.Now()}
	const chunk = 256
	for i := 0; i < lines.n; i += chunk {
		end := min(i+chunk, lines.n)
		for k := i; k < end; k++ {
			frame(w, lines.at(k))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		sent.Add(int64(end - i))
		if err := p.wait(ctx, end-i); err != nil {
			return err
		}
	}
	return nil
}

func sendHTTP(ctx context.Context, o Options, lines stride, rate int, sent *atomic.Int64) error {
	p := &pacer{rate: rate, start: time.Now()}
	client := &http.Client{Timeout: time.Minute}
	var body bytes.Buffer
	for i := 0; i < lines.n; i += o.Batch {
		end := min(i+o.Batch, lines.n)
		body.Reset()
		for k := i; k < end; k++ {
			body.Write(lines.at(k)) // already Event JSON (AsJSON)
			body.WriteByte('\n')
		}
		for {
			req, err := http.NewRequestWithContext(ctx, "POST", o.Addr+"/api/v1/events", bytes.NewReader(body.Bytes()))
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+o.Token)
			req.Header.Set("Content-Type", "application/x-ndjson")
			// Each request is a new batch, even when its lines repeat.
			req.Header.Set("Idempotency-Key", fmt.Sprintf("load-%d-%d-%d", o.run, lines.first, i))
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
				// Back off as asked, then send the same batch again.
				select {
				case <-time.After(50 * time.Millisecond):
				case <-ctx.Done():
					return ctx.Err()
				}
				continue
			}
			if resp.StatusCode != 200 {
				return fmt.Errorf("POST: %s", resp.Status)
			}
			break
		}
		sent.Add(int64(end - i))
		if err := p.wait(ctx, end-i); err != nil {
			return err
		}
	}
	return nil
}
