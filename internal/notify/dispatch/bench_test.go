package dispatch_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"tocsin/internal/notify"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/notify/webhook"
)

// BenchmarkNotifyToWebhook measures the path from Notify to the HTTP
// POST arriving at a real endpoint for a level change to rouge, on the
// wall clock with the default timings (urgent_wait 0s): ns/op is the
// latency of one delivery.
func BenchmarkNotifyToWebhook(b *testing.B) {
	for _, format := range []webhook.Format{webhook.Generic, webhook.Alertmanager} {
		b.Run(string(format), func(b *testing.B) {
			got := make(chan struct{}, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				got <- struct{}{}
			}))
			defer srv.Close()
			cfg := dispatch.Config{
				Timezone:  "UTC",
				Receivers: []dispatch.ReceiverConfig{{Name: "soc", Webhook: &webhook.Config{URL: notify.SecretURL(srv.URL), Format: format}}},
				Route:     dispatch.RouteConfig{Receivers: []string{"soc"}},
			}
			d, err := dispatch.New(cfg, dispatch.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Stop()
			n := level("ville-a", notify.Rouge, notify.Orange)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				n.Summary = "attaque " + strconv.Itoa(i) // new information each time
				if err := d.Notify(ctx, n); err != nil {
					b.Fatal(err)
				}
				<-got
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkNotify measures Notify alone: routing and grouping into 1,000
// tenants' groups that wait (group_wait 1h), so nothing is delivered.
func BenchmarkNotify(b *testing.B) {
	rec := &discard{}
	cfg := dispatch.Config{Timezone: "UTC", Route: dispatch.RouteConfig{
		Receivers: []string{"soc"}, GroupWait: dur(time.Hour),
		Routes: []dispatch.RouteConfig{{Matchers: []string{"level >= orange"}, Continue: true}, {Matchers: []string{`tags =~ "attack\\..*"`}}},
	}}
	d, err := dispatch.New(cfg, dispatch.Options{Receivers: map[string]notify.Receiver{"soc": rec}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Stop()
	ns := make([]notify.Notification, 1000)
	for i := range ns {
		ns[i] = alert("t"+strconv.Itoa(i), strconv.Itoa(i), notify.Jaune)
		ns[i].Tags = []string{"attack.t1110"}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		if err := d.Notify(ctx, ns[i%len(ns)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "notifications/s")
}

func BenchmarkRender(b *testing.B) {
	r, err := notify.NewRenderer(time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	n := level("ville-a", notify.Rouge, notify.Orange)
	n.Reasons = []notify.Reason{{Kind: "alert", ID: "a-1", Text: "vssadmin delete shadows sur SRV-FILES"}}
	b.ReportAllocs()
	for b.Loop() {
		m := notify.Message{Items: []notify.Item{{Notification: n, Status: notify.Firing, StartsAt: t0}}, Time: t0}
		if err := r.Render(&m); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Name() string                               { return "soc" }
func (discard) Send(context.Context, notify.Message) error { return nil }
