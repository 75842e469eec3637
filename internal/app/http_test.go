package app

import (
	"fmt"
	"strings"
	"testing"
)

const (
	ingestA = "ingest-token-ville-a-0001"
	readA   = "read-token-ville-a-00001"
	ingestB = "ingest-token-ville-b-0001"
	readB   = "read-token-ville-b-00001"
)

func sshEvent(i int, ip string) string {
	return fmt.Sprintf(`{"timestamp":"2026-11-26T10:%02d:%02dZ","host":"web01","logsource":{"product":"linux","service":"sshd"},"action":"auth","outcome":"failure","user":"admin","src_ip":"%s","message":"Failed password for admin from %s"}`, i/60, i%60, ip, ip)
}

func TestHTTPIngestion(t *testing.T) {
	s := startServer(t, "", "")
	var lines []string
	for i := range 12 {
		lines = append(lines, sshEvent(i, "203.0.113.9"))
	}
	code, m := s.do("POST", "/api/v1/events", ingestA, ndjson(lines...))
	if code != 200 || m["accepted"] != float64(12) {
		t.Fatalf("POST: %d %v", code, m)
	}
	// Acknowledged means stored: no waiting.
	code, m = s.do("GET", "/api/v1/events?tenant=ville-a", readA, nil)
	if code != 200 || total(t, m) != 12 {
		t.Fatalf("GET events: %d %v", code, m["total"])
	}
	item := m["items"].([]any)[0].(map[string]any)
	if item["tenant"] != "ville-a" || item["src_ip"] != "203.0.113.9" || item["fields"].(map[string]any)["user"] != "admin" {
		t.Errorf("event %v", item)
	}
	// The brute force became a correlation alert of ville-a.
	code, m = s.do("GET", "/api/v1/alerts?level=high", readA, nil)
	if code != 200 || total(t, m) != 1 {
		t.Fatalf("alerts: %d %v", code, m)
	}
	a := m["items"].([]any)[0].(map[string]any)
	if a["kind"] != "correlation" || a["src_ip"] != "203.0.113.9" || a["rule"].(map[string]any)["title"] != "SSH Brute Force" || a["rule"].(map[string]any)["author"] == "" {
		t.Errorf("alert %v", a)
	}

	// The same batch again (a client retry after a lost answer) is
	// acknowledged and stored once.
	code, m = s.do("POST", "/api/v1/events", ingestA, ndjson(lines...))
	if code != 200 || m["accepted"] != float64(12) {
		t.Fatalf("retry: %d %v", code, m)
	}
	if _, m = s.do("GET", "/api/v1/events", readA, nil); total(t, m) != 12 {
		t.Errorf("retry stored twice: %v", m["total"])
	}
	// An explicit Idempotency-Key also works, with a JSON array.
	arr := []byte("[" + sshEvent(1, "198.51.100.1") + "," + sshEvent(2, "198.51.100.1") + "]")
	for range 2 {
		if code, m = s.do("POST", "/api/v1/events", ingestA, arr, "Idempotency-Key", "batch-42"); code != 200 || m["accepted"] != float64(2) {
			t.Fatalf("array: %d %v", code, m)
		}
	}
	if _, m = s.do("GET", "/api/v1/events?src_ip=198.51.100.1", readA, nil); total(t, m) != 2 {
		t.Errorf("array batch: %v", m["total"])
	}
}

func TestHTTPBadBatchStoresNothing(t *testing.T) {
	s := startServer(t, "", "")
	body := ndjson(sshEvent(1, "192.0.2.1"), `{"timestamp": "yesterday"}`, `not json`, `[1,2]`, sshEvent(2, "192.0.2.1"))
	code, m := s.do("POST", "/api/v1/events", ingestA, body)
	if code != 400 {
		t.Fatalf("got %d %v", code, m)
	}
	lines := m["lines"].([]any)
	var got []string
	for _, l := range lines {
		l := l.(map[string]any)
		got = append(got, fmt.Sprintf("%v: %v", l["line"], l["error"]))
	}
	want := []string{"2: timestamp is not an RFC 3339 time", "3: not JSON", "4: an event is a JSON object"}
	for i, w := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], w) {
			t.Errorf("bad lines %q, want %q", got, want)
			break
		}
	}
	if _, m = s.do("GET", "/api/v1/events", adminToken, nil); total(t, m) != 0 {
		t.Errorf("a refused batch stored %v events", m["total"])
	}
}

func TestHTTPLimits(t *testing.T) {
	s := startServer(t, "", "")
	big := []byte(strings.Repeat(sshEvent(1, "192.0.2.1")+"\n", 20000)) // over 1 MiB
	s2 := startServer(t, ", max_body: 1MiB", "")
	_ = s
	if code, m := s2.do("POST", "/api/v1/events", ingestA, big); code != 413 {
		t.Errorf("oversize: %d %v", code, m)
	}
	if code, _ := s.do("POST", "/api/v1/events", "", ndjson(sshEvent(1, "192.0.2.1"))); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, _ := s.do("POST", "/api/v1/events", "not-a-token", ndjson(sshEvent(1, "192.0.2.1"))); code != 401 {
		t.Errorf("bad token: %d", code)
	}
}
