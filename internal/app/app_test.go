package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tocsin/internal/ingest/ingesttest"
)

const adminToken = "admin-token-for-the-tests-0123456789"

// server is a running tocsin serve on random loopback ports.
type server struct {
	t     *testing.T
	app   *App
	base  string
	stop  context.CancelFunc
	done  chan error
	addrs map[string]string
	log   *ingesttest.LockedBuffer // what the server logged
}

const testConfig = `
data: %s
http: {addr: 127.0.0.1:0%s}
syslog: {udp: 127.0.0.1:0, tcp: 127.0.0.1:0}
pipeline: {flush: 20ms}
tenants:
  - id: ville-a
    name: Ville A
    contacts: [{name: RSSI A, email: rssi@ville-a.example}]
    match: {networks: [127.0.0.2/32], fields: {host: [web-a01]}}
    tokens:
      - {name: fwd, role: ingest, secret: ingest-token-ville-a-0001}
      - {name: soc, role: read, secret: read-token-ville-a-00001}
  - id: ville-b
    name: Ville B
    match: {networks: [127.0.0.3/32], listeners: [syslog-udp], fields: {vhost: [www.ville-b.example]}}
    tokens:
      - {name: fwd, role: ingest, secret: ingest-token-ville-b-0001}
      - {name: soc, role: read, secret: read-token-ville-b-00001}
`

// startServer runs serve on testConfig; httpExtra adds settings to the
// http block (", max_body: 1MiB"), extra appends to the file.
func startServer(t *testing.T, httpExtra, extra string) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tocsin.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(testConfig, filepath.Join(dir, "data"), httpExtra)+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	return startWith(t, cfg)
}

// startServerReplacing is startServer with one line of testConfig
// replaced (old by new) and extra appended to the tenants.
func startServerReplacing(t *testing.T, old, new, extra string) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tocsin.yml")
	text := strings.Replace(fmt.Sprintf(testConfig, filepath.Join(dir, "data"), ""), old, new, 1) + extra
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return startWith(t, cfg)
}

func startWith(t *testing.T, cfg string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var log ingesttest.LockedBuffer
	a, err := New(ctx, Options{ConfigFile: cfg, Out: io.Discard, Log: &log,
		Getenv: func(k string) (string, bool) {
			if k == "TOCSIN_ADMIN_TOKEN" {
				return adminToken, true
			}
			return "", false
		}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &server{t: t, app: a, stop: cancel, done: make(chan error, 1), addrs: a.Addrs(), log: &log}
	s.base = "http://" + s.addrs["http"]
	go func() { s.done <- a.Run(ctx) }()
	t.Cleanup(s.close)
	waitReady(t, s.base, log.String)
	return s
}

// waitReady polls /readyz (ready once the duplicate filter is loaded);
// output tells what the server said when it never gets there.
func waitReady(t *testing.T, base string, output func() string) {
	t.Helper()
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if i > 1000 {
			t.Fatalf("serve never ready:\n%s", output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) close() {
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	if err := <-s.done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
}

// do sends a request and decodes the JSON answer.
func (s *server) do(method, path, token string, body []byte, hdr ...string) (int, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &out); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	} else {
		out = map[string]any{"body": string(data)}
	}
	return resp.StatusCode, out
}

func total(t *testing.T, m map[string]any) int {
	t.Helper()
	n, ok := m["total"].(float64)
	if !ok {
		t.Fatalf("no total in %v", m)
	}
	return int(n)
}

// waitTotal polls a listing until it has want items (ingestion over
// syslog is not acknowledged, so the test waits for the store).
func (s *server) waitTotal(path, token string, want int) map[string]any {
	s.t.Helper()
	var last map[string]any
	for i := 0; i < 1000; i++ {
		code, m := s.do("GET", path, token, nil)
		if code != 200 {
			s.t.Fatalf("GET %s: %d %v", path, code, m)
		}
		last = m
		if total(s.t, m) >= want {
			if total(s.t, m) > want {
				s.t.Fatalf("GET %s: %d items, want %d", path, total(s.t, m), want)
			}
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("GET %s: %v items after 10 s, want %d", path, last["total"], want)
	return nil
}

func ndjson(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

// raw is a GET's answer as text.
func (s *server) raw(method, path, token string, body []byte) string {
	_, m := s.do(method, path, token, body)
	return jsonText(m)
}

func jsonText(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}
