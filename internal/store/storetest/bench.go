package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"tocsin/internal/store"
)

// SyslogEvents returns n realistic events: RFC 3164 sshd and nginx lines
// of about 200 bytes from a pool of 500 addresses, tenants interleaved at
// random, event times 1 ms apart from start. The same seed gives the same
// events.
func SyslogEvents(n, tenants int, start time.Time, seed uint64) []store.Event {
	rng := rand.New(rand.NewPCG(seed, 7))
	users := []string{"root", "admin", "oracle", "postgres", "ubuntu", "test", "user", "git", "deploy", "www-data"}
	paths := []string{"/wp-login.php", "/index.php?page=actualites", "/.env", "/api/v1/agenda?from=2026-11-01", "/static/css/site.min.css", "/cgi-bin/luci"}
	out := make([]store.Event, n)
	for i := range out {
		tenant := fmt.Sprintf("commune-%02d", rng.IntN(tenants))
		ts := start.Add(time.Duration(i)*time.Millisecond + time.Duration(rng.IntN(1000))*time.Microsecond)
		ip := fmt.Sprintf("203.0.%d.%d", rng.IntN(2)+113, rng.IntN(250)+1)
		stamp := ts.Format(time.Stamp)
		e := store.Event{
			Tenant: tenant, Time: ts, Received: ts.Add(time.Duration(rng.IntN(500)) * time.Millisecond),
			Transport: "tcp", Format: "lines", Product: "linux", SrcIP: ip, Dedup: rng.Uint64(),
		}
		if rng.IntN(2) == 0 {
			e.Host, e.Service = fmt.Sprintf("srv-%s-%d", tenant, rng.IntN(4)), "sshd"
			e.Raw = fmt.Sprintf("<38>%s %s sshd[%d]: Failed password for invalid user %s from %s port %d ssh2 [preauth]",
				stamp, e.Host, 1000+rng.IntN(60000), users[rng.IntN(len(users))], ip, 1024+rng.IntN(64000))
		} else {
			e.Host, e.Category = fmt.Sprintf("web-%s", tenant), "webserver"
			e.Raw = fmt.Sprintf(`<190>%s %s nginx: %s - - [%s] "GET %s HTTP/1.1" %d %d "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"`,
				stamp, e.Host, ip, ts.Format("02/Jan/2006:15:04:05 -0700"), paths[rng.IntN(len(paths))], []int{200, 404, 301, 403}[rng.IntN(4)], 100+rng.IntN(40000))
		}
		out[i] = e
	}
	return out
}

// BenchWriteSizes runs BenchWrite with batches of 10, 1,000 and 5,000
// events, each on a store open makes.
func BenchWriteSizes(b *testing.B, open func(*testing.B) store.Store) {
	for _, size := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprintf("batch-%d", size), func(b *testing.B) { BenchWrite(b, open(b), size) })
	}
}

// BenchWrite measures Write with batches of size events over 20 tenants,
// and reports events/s. Each iteration writes one batch.
func BenchWrite(b *testing.B, s store.Store, size int) {
	const pool = 16 // distinct batches, written in turn
	all := SyslogEvents(pool*size, 20, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), 1)
	batches := make([]*store.Batch, pool)
	for i := range batches {
		batches[i] = &store.Batch{Events: all[i*size : (i+1)*size]}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(all[0].Raw)) * int64(size))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := s.Write(ctx, batches[i%pool]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
}

// queryStart is when the events of FillEvents begin.
var queryStart = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// FillEvents writes n events to s in 5,000-event Writes: 20 tenants, one
// event per millisecond from 2026-11-26 00:00 UTC.
func FillEvents(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	const batch = 5000
	for i := 0; i < n; i += batch {
		ev := SyslogEvents(min(batch, n-i), 20, queryStart.Add(time.Duration(i)*time.Millisecond), uint64(i))
		if err := s.Write(ctx, &store.Batch{Events: ev}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchQuery measures the queries the API makes on the n events that
// FillEvents wrote.
func BenchQuery(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	start := queryStart
	span := time.Duration(n) * time.Millisecond
	mid := start.Add(span / 2)
	queries := []struct {
		name string
		q    store.Query
	}{
		{"tenant/newest", store.Query{Tenants: []string{"commune-03"}}},
		{"tenant/range-10pct", store.Query{Tenants: []string{"commune-03"}, From: mid, To: mid.Add(span / 10)}},
		{"tenant/range-10pct/offset-900", store.Query{Tenants: []string{"commune-03"}, From: mid, To: mid.Add(span / 10), Offset: 900}},
		{"tenant/src-ip", store.Query{Tenants: []string{"commune-03"}, SrcIP: "203.0.113.7"}},
		{"tenant/after-id", store.Query{Tenants: []string{"commune-03"}, AfterID: 1}},
		{"all/newest", store.Query{}},
		{"all/range-1pct", store.Query{From: mid, To: mid.Add(span / 100)}},
	}
	for _, tc := range queries {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var total int
			for b.Loop() {
				n, items, err := s.Events(ctx, tc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(items) == 0 {
					b.Fatal("no events")
				}
				total = n
			}
			b.ReportMetric(float64(total), "total")
		})
	}
}
