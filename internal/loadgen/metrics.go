package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"tocsin/internal/decode"
	"tocsin/internal/event"
	"tocsin/internal/input"
)

// Metrics is what the load run reads back from /metrics.
type Metrics struct {
	Stored     float64 // tocsin_events_stored_total, all tenants
	Duplicates float64
	Dropped    float64 // tocsin_source_dropped_total + kernel drops
	RSS        float64 // process_resident_memory_bytes
	// Delay buckets of tocsin_event_store_delay_seconds: le -> count.
	delay map[float64]float64
}

// Quantile estimates a quantile of the receipt-to-store delay from the
// histogram (the upper bound of the bucket that holds it).
func (m Metrics) Quantile(q float64) float64 {
	var les []float64
	for le := range m.delay {
		les = append(les, le)
	}
	sort.Float64s(les)
	if len(les) == 0 {
		return math.NaN()
	}
	total := m.delay[les[len(les)-1]]
	for _, le := range les {
		if m.delay[le] >= q*total {
			return le
		}
	}
	return math.Inf(1)
}

// Since gives the delay histogram of the interval between two readings.
func (m Metrics) Since(old Metrics) Metrics {
	out := m
	out.delay = map[float64]float64{}
	for le, v := range m.delay {
		out.delay[le] = v - old.delay[le]
	}
	return out
}

// ReadMetrics scrapes a server's /metrics with the admin token.
func ReadMetrics(ctx context.Context, base, token string) (Metrics, error) {
	m := Metrics{delay: map[float64]float64{}}
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return m, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return m, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		name := line[:i]
		switch {
		case strings.HasPrefix(name, "tocsin_events_stored_total"):
			m.Stored += v
		case strings.HasPrefix(name, "tocsin_events_duplicate_total"):
			m.Duplicates += v
		case strings.HasPrefix(name, "tocsin_source_dropped_total"), strings.HasPrefix(name, "tocsin_source_kernel_drops_total"):
			m.Dropped += v
		case name == "process_resident_memory_bytes":
			m.RSS = v
		case strings.HasPrefix(name, "tocsin_event_store_delay_seconds_bucket{"):
			le := name[strings.Index(name, `le="`)+4 : strings.LastIndexByte(name, '"')]
			f, err := strconv.ParseFloat(le, 64)
			if le == "+Inf" {
				f, err = math.Inf(1), nil
			}
			if err == nil {
				m.delay[f] = v
			}
		}
	}
	return m, sc.Err()
}

// WaitStored polls until the server stored want events more than at base,
// or no progress for idle.
func WaitStored(ctx context.Context, url, token string, base Metrics, want float64, idle time.Duration) (Metrics, time.Time, error) {
	last := base.Stored
	lastChange := time.Now()
	for {
		m, err := ReadMetrics(ctx, url, token)
		if err != nil {
			return m, time.Now(), err
		}
		if m.Stored-base.Stored >= want {
			return m, time.Now(), nil
		}
		if m.Stored != last {
			last, lastChange = m.Stored, time.Now()
		} else if time.Since(lastChange) > idle {
			return m, lastChange, fmt.Errorf("stored %.0f of %.0f, no progress for %s", m.Stored-base.Stored, want, idle)
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return m, time.Now(), ctx.Err()
		}
	}
}

// AsJSON renders syslog lines as the Event JSON HTTP ingestion takes,
// with the fields the parsers would have found, so the server's detection
// does the same work as for syslog.
func AsJSON(lines [][]byte) [][]byte {
	d := decode.New(nil)
	ev := event.New()
	out := make([][]byte, 0, len(lines))
	for _, l := range lines {
		ev.Reset()
		if _, err := d.Decode(l, input.FormatLines, ev); err != nil {
			continue
		}
		obj := map[string]any{"message": ev.Message, "host": ev.Host,
			"logsource": map[string]string{"product": ev.Logsource.Product, "service": ev.Logsource.Service}}
		if !ev.Time.IsZero() {
			obj["timestamp"] = ev.Time.UTC().Format(time.RFC3339Nano)
		}
		for i := 0; i < ev.Len(); i++ {
			f := ev.At(i)
			if f.Name != "message" && f.Name != "host" {
				obj[f.Name] = f.Value
			}
		}
		b, _ := json.Marshal(obj)
		out = append(out, b)
	}
	return out
}
