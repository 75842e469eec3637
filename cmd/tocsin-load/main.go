// Command tocsin-load measures a running tocsin serve end to end: it sends
// realistic sshd syslog traffic over TCP, RELP or HTTP and reads the
// server's /metrics until everything sent is stored.
//
//	tocsin-load --transport tcp --addr 127.0.0.1:5514 --api http://127.0.0.1:8080 \
//	    --token $TOCSIN_ADMIN_TOKEN --events 3000000 --conns 4
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"tocsin/internal/loadgen"
)

func main() {
	transport := flag.String("transport", "tcp", "tcp (octet counting), relp or http")
	addr := flag.String("addr", "127.0.0.1:5514", "syslog or RELP host:port")
	api := flag.String("api", "http://127.0.0.1:8080", "the server's base URL (metrics; HTTP ingestion)")
	token := flag.String("token", os.Getenv("TOCSIN_ADMIN_TOKEN"), "admin token (metrics, and HTTP ingestion)")
	events := flag.Int("events", 1_000_000, "events to send")
	distinct := flag.Int("distinct", 200_000, "distinct lines generated, repeated to reach --events (RELP recognises a resent message by its content: keep it at --events there)")
	conns := flag.Int("conns", 4, "parallel connections")
	rate := flag.Int("rate", 0, "events per second in all (0: as fast as possible)")
	batch := flag.Int("batch", 2000, "events per HTTP request")
	every := flag.Duration("report", 10*time.Second, "progress report interval (long runs)")
	cpuProfile := flag.String("cpuprofile", "", "write the sender's CPU profile to `FILE`")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *transport, *addr, *api, *token, *events, *distinct, *conns, *rate, *batch, *every); err != nil {
		fmt.Fprintln(os.Stderr, "tocsin-load:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(ctx context.Context, transport, addr, api, token string, events, distinct, conns, rate, batch int, every time.Duration) error {
	lines := loadgen.Lines(min(distinct, events), 1, time.Now().Add(-time.Hour))
	if transport == "http" {
		lines = loadgen.AsJSON(lines)
		addr = api
	}
	repeat := (events + len(lines) - 1) / len(lines)
	before, err := loadgen.ReadMetrics(ctx, api, token)
	if err != nil {
		return err
	}
	start := time.Now()
	// Progress, and RSS over time for long runs.
	progress := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-progress:
				return
			case <-t.C:
				if m, err := loadgen.ReadMetrics(ctx, api, token); err == nil {
					fmt.Printf("%6.0fs stored %.0f  rate %.0f/s  RSS %.0f MiB\n", time.Since(start).Seconds(), m.Stored-before.Stored, (m.Stored-before.Stored)/time.Since(start).Seconds(), m.RSS/(1<<20))
				}
			}
		}
	}()
	res, err := loadgen.Send(ctx, loadgen.Options{Transport: transport, Addr: addr, Token: token, Conns: conns, Rate: rate, Lines: lines, Repeat: repeat, Batch: batch})
	if err != nil {
		close(progress)
		return err
	}
	after, end, err := loadgen.WaitStored(ctx, api, token, before, float64(res.Sent), 10*time.Second)
	close(progress)
	elapsed := end.Sub(start)
	d := after.Since(before)
	fmt.Printf("transport %s, %d connections: sent %d in %.2fs (%.0f/s); stored %.0f (duplicates %.0f, dropped %.0f) in %.2fs: %.0f events/s end to end\n",
		transport, conns, res.Sent, res.Elapsed.Seconds(), float64(res.Sent)/res.Elapsed.Seconds(),
		after.Stored-before.Stored, after.Duplicates-before.Duplicates, after.Dropped-before.Dropped, elapsed.Seconds(), (after.Stored-before.Stored)/elapsed.Seconds())
	fmt.Printf("receipt to stored (alerts included): p50 <= %gs, p99 <= %gs; server RSS %.0f MiB\n", d.Quantile(0.5), d.Quantile(0.99), after.RSS/(1<<20))
	return err
}
