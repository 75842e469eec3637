package app

import (
	"testing"
)

// TestTenantIsolation checks every endpoint: a token of tenant A never
// reads, writes or counts tenant B's data.
func TestTenantIsolation(t *testing.T) {
	s := startServer(t, "", "")
	var a, b []string
	for i := range 12 {
		a = append(a, sshEvent(i, "203.0.113.1"))
		b = append(b, sshEvent(i, "203.0.113.2"))
	}
	b = append(b, sshEvent(30, "203.0.113.2"))
	if code, m := s.do("POST", "/api/v1/events", ingestA, ndjson(a...)); code != 200 {
		t.Fatalf("A: %d %v", code, m)
	}
	if code, m := s.do("POST", "/api/v1/events", ingestB, ndjson(b...)); code != 200 {
		t.Fatalf("B: %d %v", code, m)
	}
	type call struct {
		name, method, path, token string
		body                      []byte
		want                      int
		total                     int // -1: not checked
	}
	calls := []call{
		// Writing.
		{"A ingests into B by parameter", "POST", "/api/v1/events?tenant=ville-b", ingestA, ndjson(sshEvent(1, "192.0.2.9")), 403, -1},
		{"A ingests into B by field", "POST", "/api/v1/events", ingestA, ndjson(`{"tenant":"ville-b","message":"x"}`), 403, -1},
		{"A ingests into the quarantine", "POST", "/api/v1/events", ingestA, ndjson(`{"tenant":"quarantine","message":"x"}`), 403, -1},
		{"A's read token cannot write", "POST", "/api/v1/events", readA, ndjson(sshEvent(1, "192.0.2.9")), 403, -1},
		// Reading events.
		{"A reads its events", "GET", "/api/v1/events", readA, nil, 200, 12},
		{"A reads B's events", "GET", "/api/v1/events?tenant=ville-b", readA, nil, 403, -1},
		{"A reads both", "GET", "/api/v1/events?tenant=ville-a,ville-b", readA, nil, 403, -1},
		{"A searches B's attacker", "GET", "/api/v1/events?src_ip=203.0.113.2", readA, nil, 200, 0},
		{"A's ingest token cannot read", "GET", "/api/v1/events", ingestA, nil, 403, -1},
		{"B reads its events", "GET", "/api/v1/events", readB, nil, 200, 13},
		{"admin reads all", "GET", "/api/v1/events", adminToken, nil, 200, 25},
		{"admin reads B", "GET", "/api/v1/events?tenant=ville-b", adminToken, nil, 200, 13},
		// Reading alerts.
		{"A reads its alerts", "GET", "/api/v1/alerts?level=high", readA, nil, 200, 1},
		{"A reads B's alerts", "GET", "/api/v1/alerts?tenant=ville-b", readA, nil, 403, -1},
		{"A searches B's attacker in alerts", "GET", "/api/v1/alerts?src_ip=203.0.113.2", readA, nil, 200, 0},
		{"admin reads every alert", "GET", "/api/v1/alerts?level=high", adminToken, nil, 200, 2},
		// Reading detections.
		{"A reads its detections", "GET", "/api/v1/detections?level=high", readA, nil, 200, 1},
		{"A reads B's detections", "GET", "/api/v1/detections?tenant=ville-b", readA, nil, 403, -1},
		{"A searches B's attacker in detections", "GET", "/api/v1/detections?src_ip=203.0.113.2", readA, nil, 200, 0},
		{"admin reads every detection", "GET", "/api/v1/detections?level=high", adminToken, nil, 200, 2},
		{"anonymous detections", "GET", "/api/v1/detections", "", nil, 401, -1},
		// Levels and campaigns (alert actions: TestAlertsThroughTheAPI).
		{"A reads levels", "GET", "/api/v1/levels", readA, nil, 200, -1},
		{"A's ingest token cannot read levels", "GET", "/api/v1/levels", ingestA, nil, 403, -1},
		{"anonymous levels", "GET", "/api/v1/levels", "", nil, 401, -1},
		{"A overrides", "POST", "/api/v1/levels/override", readA, []byte(`{"level":"vert","reason":"x"}`), 403, -1},
		{"anonymous campaigns", "GET", "/api/v1/campaigns", "", nil, 401, -1},
		// Tenants, reload, metrics.
		{"A lists tenants", "GET", "/api/v1/tenants", readA, nil, 200, 1},
		{"admin lists tenants", "GET", "/api/v1/tenants", adminToken, nil, 200, 3},
		{"A reloads", "POST", "/api/v1/reload", readA, nil, 403, -1},
		{"A reads metrics", "GET", "/metrics", readA, nil, 403, -1},
		{"anonymous metrics", "GET", "/metrics", "", nil, 401, -1},
		{"admin metrics", "GET", "/metrics", adminToken, nil, 200, -1},
		{"anonymous events", "GET", "/api/v1/events", "", nil, 401, -1},
		{"anonymous alerts", "GET", "/api/v1/alerts", "", nil, 401, -1},
		{"anonymous tenants", "GET", "/api/v1/tenants", "", nil, 401, -1},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			code, m := s.do(c.method, c.path, c.token, c.body)
			if code != c.want {
				t.Fatalf("%s %s: %d, want %d (%v)", c.method, c.path, code, c.want, m)
			}
			if c.total >= 0 && total(t, m) != c.total {
				t.Errorf("total %d, want %d", total(t, m), c.total)
			}
			if code == 200 && c.total > 0 && c.token != adminToken {
				for _, it := range m["items"].([]any) {
					it := it.(map[string]any)
					id, _ := it["tenant"].(string)
					if id == "" {
						id, _ = it["id"].(string)
					}
					if id != "ville-a" && id != "ville-b" || (c.token == readA && id != "ville-a") {
						t.Errorf("item of %q: %v", id, it)
					}
				}
			}
		})
	}
	// The refused writes stored nothing anywhere.
	if _, m := s.do("GET", "/api/v1/events", adminToken, nil); total(t, m) != 25 {
		t.Errorf("after refused writes: %v", m["total"])
	}
}
