package pipeline

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	stored       *prometheus.CounterVec
	duplicates   *prometheus.CounterVec
	alerts       *prometheus.CounterVec
	decodeErrors prometheus.Counter
	storeErrors  prometheus.Counter
	storeLatency prometheus.Histogram
	latency      prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer, depth func() float64) (*metrics, error) {
	m := &metrics{
		stored:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_events_stored_total", Help: "Events decoded, detected and written to the store, per tenant and transport."}, []string{"tenant", "transport"}),
		duplicates:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_events_duplicate_total", Help: "Retried deliveries recognised by their dedup id and stored once, per tenant and transport."}, []string{"tenant", "transport"}),
		alerts:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tocsin_alerts_total", Help: "Alerts stored (detections and correlations), per tenant and level."}, []string{"tenant", "level"}),
		decodeErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "tocsin_events_undecoded_total", Help: "Records no parser could read (stored raw, as messages)."}),
		storeErrors:  prometheus.NewCounter(prometheus.CounterOpts{Name: "tocsin_store_errors_total", Help: "Failed store writes (their senders were not acknowledged)."}),
		storeLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tocsin_store_write_seconds", Help: "Time to write one batch durably.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		latency:      prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tocsin_event_store_delay_seconds", Help: "From receipt of a record to its durable storage (and its alerts').", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
	}
	if reg == nil {
		return m, nil
	}
	depthGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tocsin_pipeline_queue_depth", Help: "Batches waiting for a worker."}, depth)
	var errs []error
	for _, c := range []prometheus.Collector{m.stored, m.duplicates, m.alerts, m.decodeErrors, m.storeErrors, m.storeLatency, m.latency, depthGauge} {
		errs = append(errs, reg.Register(c))
	}
	return m, errors.Join(errs...)
}
