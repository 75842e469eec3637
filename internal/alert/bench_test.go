package alert

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// stream makes n detections over 100 tenants: six rules (low to critical,
// correlations and single events), 2,000 attacker addresses of which a
// few are shared by many tenants, users and hosts.
func stream(n int) []Detection {
	r := rand.New(rand.NewPCG(1, 2))
	rules := []Rule{
		{ID: "ssh-bf", Title: "SSH Brute Force", Level: "high", Author: "Tocsin", Tags: []string{"attack.credential-access", "attack.t1110.001"}},
		{ID: "probe", Title: "Web Probing", Level: "medium", Author: "Tocsin", Tags: []string{"attack.reconnaissance", "attack.t1595.003"}},
		{ID: "sqli", Title: "SQL Injection Attempt", Level: "high", Author: "Tocsin", Tags: []string{"attack.initial-access", "attack.t1190"}},
		{ID: "wp", Title: "WordPress Login Attempt", Level: "low", Author: "Tocsin", Tags: []string{"attack.t1110"}},
		{ID: "enum", Title: "SSH User Enumeration", Level: "medium", Author: "Tocsin", Tags: []string{"attack.discovery", "attack.t1087.001"}},
		{ID: "vss", Title: "Shadow Copies or Backups Deleted", Level: "critical", Author: "Tocsin", Tags: []string{"attack.impact", "attack.t1490"}},
	}
	tenants := make([]string, 100)
	for i := range tenants {
		tenants[i] = fmt.Sprintf("commune-%03d", i)
	}
	ips := make([]string, 2000)
	for i := range ips {
		ips[i] = fmt.Sprintf("%d.%d.%d.%d", 1+i%200, (i*7)%256, (i*13)%256, 1+i%250)
	}
	out := make([]Detection, n)
	for i := range out {
		rule := rules[r.IntN(5)]
		if r.IntN(1000) == 0 {
			rule = rules[5]
		}
		d := Detection{ID: int64(i + 1), Tenant: tenants[r.IntN(len(tenants))], Rule: rule, Count: 1}
		switch {
		case rule.ID == "vss":
			d.Host = fmt.Sprintf("srv-%d", r.IntN(20))
			d.Entities = map[string]string{"user": "adm", "host": d.Host}
		case r.IntN(10) == 0:
			d.SrcIP = ips[r.IntN(10)] // a few addresses hit everyone
		default:
			d.SrcIP = ips[r.IntN(len(ips))]
		}
		if rule.ID == "ssh-bf" {
			d.Kind, d.Count = "correlation", 10
		}
		out[i] = d
	}
	return out
}

// BenchmarkObserve measures Observe over a stream of detections from 100
// tenants, spaced by gap in event time: 20µs is 50,000 detections per
// second of event time (windows stay full), 1s lets windows, campaigns and
// quiet periods expire as the stream goes.
func BenchmarkObserve(b *testing.B) {
	for _, gap := range []time.Duration{20 * time.Microsecond, time.Second} {
		b.Run("gap="+gap.String(), func(b *testing.B) {
			ds := stream(1 << 16)
			e := newEngine(b, nil)
			base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d := ds[i%len(ds)]
				d.Time = base.Add(time.Duration(i) * gap)
				if _, err := e.Observe(d); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "detections/s")
			b.ReportMetric(float64(len(e.alerts)), "alerts")
			b.ReportMetric(float64(len(e.campaigns)), "campaigns")
		})
	}
}

// BenchmarkLevels measures the API's answer with 100 tenants, most of them
// above vert.
func BenchmarkLevels(b *testing.B) {
	ds := stream(20000)
	e := newEngine(b, nil)
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i, d := range ds {
		d.Time = base.Add(time.Duration(i) * 100 * time.Millisecond)
		if _, err := e.Observe(d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Levels()
	}
}
