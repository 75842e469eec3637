package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"tocsin/internal/ingest"
	"tocsin/internal/loadgen"
	"tocsin/internal/store"
)

// BenchmarkLevelChangeUnderLoad measures how long a level change takes to
// reach a webhook after the event that causes it, while background syslog
// traffic flows over TCP at 50,000 events/s (the sender runs in the same
// process, on the same cores). Each iteration escalates a fresh tenant
// from vert to rouge with one shadow-copy deletion.
//
//	go test -run XXX -bench LevelChangeUnderLoad -benchtime 10x ./internal/app
func BenchmarkLevelChangeUnderLoad(b *testing.B) {
	received := make(chan string, 1024)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var m struct {
			Notifications []struct{ Kind, Tenant, Level string }
		}
		if json.Unmarshal(data, &m) == nil {
			for _, n := range m.Notifications {
				if n.Kind == "level" && n.Level == "rouge" && n.Tenant != "" {
					received <- n.Tenant
				}
			}
		}
	}))
	defer hook.Close()
	dir := b.TempDir()
	var conf strings.Builder
	fmt.Fprintf(&conf, "data: %s\nhttp: {addr: 127.0.0.1:0}\nsyslog: {tcp: 127.0.0.1:0}\ntenants:\n  - {id: background, match: {networks: [127.0.0.0/8]}}\n", filepath.Join(dir, "data"))
	for i := range b.N {
		fmt.Fprintf(&conf, "  - {id: t%d}\n", i)
	}
	fmt.Fprintf(&conf, "notify:\n  receivers: [{name: soc, webhook: {url: %q}}]\n  route: {receivers: [soc], group_by: [tenant], group_wait: 0s}\n", hook.URL)
	cfg := filepath.Join(dir, "tocsin.yml")
	if err := os.WriteFile(cfg, []byte(conf.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := New(ctx, Options{ConfigFile: cfg, Out: io.Discard, Log: io.Discard, Getenv: func(string) (string, bool) { return adminToken, true }})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	<-a.started
	// Background traffic until the end.
	loadCtx, stopLoad := context.WithCancel(ctx)
	lines := loadgen.Lines(200_000, 3, time.Now())
	go loadgen.Send(loadCtx, loadgen.Options{Transport: "tcp", Addr: a.Addrs()["syslog-tcp"], Conns: 2, Rate: 50_000, Lines: lines, Repeat: 1000})
	time.Sleep(2 * time.Second) // let the load settle
	var lat []time.Duration
	before, _, _ := a.store.Events(ctx, store.Query{Limit: 1})
	began := time.Now()
	b.ResetTimer()
	for i := range b.N {
		tenant := fmt.Sprintf("t%d", i)
		ev := fmt.Sprintf(`{"timestamp":%q,"host":"SRV-%d","logsource":{"product":"windows","category":"process_creation"},"Image":"C:\\Windows\\System32\\vssadmin.exe","CommandLine":"vssadmin.exe Delete Shadows /All /Quiet"}`, time.Now().UTC().Format(time.RFC3339Nano), i)
		start := time.Now()
		if err := a.pipe.Submit(ctx, &ingest.Batch{Msgs: []ingest.Message{{Data: []byte(ev), Format: "jsonl", Transport: "bench", Tenant: tenant}}}); err != nil {
			b.Fatal(err)
		}
		for got := ""; got != tenant; {
			select {
			case got = <-received:
			case <-time.After(30 * time.Second):
				b.Fatalf("no rouge for %s on the webhook", tenant)
			}
		}
		lat = append(lat, time.Since(start))
		time.Sleep(200 * time.Millisecond)
	}
	b.StopTimer()
	after, _, _ := a.store.Events(ctx, store.Query{Limit: 1})
	b.ReportMetric(float64(after-before)/time.Since(began).Seconds(), "background-events/s")
	stopLoad()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "ms-median")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "ms-max")
	cancel()
	<-done
}
