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
	"strings"
	"sync"
	"testing"
	"time"

	"tocsin/internal/demo"
	"tocsin/internal/ingest"
)

// TestLevelChangesReachWebhook: the demo's attack through the real server,
// with a webhook receiver: each tenant's climb and the platform's rouge
// arrive as generic webhook payloads, the bearer token in the header and
// nowhere else.
func TestLevelChangesReachWebhook(t *testing.T) {
	type got struct {
		at   time.Time
		body map[string]any
	}
	var mu sync.Mutex
	var posts []got
	const secret = "webhook-bearer-secret-42"
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+secret {
			w.WriteHeader(401)
			return
		}
		data, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Errorf("payload: %v", err)
		}
		if strings.Contains(string(data), secret) {
			t.Errorf("the token is in the payload")
		}
		mu.Lock()
		posts = append(posts, got{time.Now(), m})
		mu.Unlock()
	}))
	defer hook.Close()

	dir := t.TempDir()
	var conf strings.Builder
	fmt.Fprintf(&conf, "data: %s\nhttp: {addr: 127.0.0.1:0}\ntenants:\n", filepath.Join(dir, "data"))
	for _, tn := range demo.Tenants() {
		fmt.Fprintf(&conf, "  - {id: %s, name: %q}\n", tn.ID, tn.Name)
	}
	fmt.Fprintf(&conf, `notify:
  receivers:
    - name: soc
      webhook: {url: %q, bearer_token: %q}
  route:
    receivers: [soc]
    group_by: [tenant]
    group_wait: 0s
`, hook.URL, secret)
	cfg := filepath.Join(dir, "tocsin.yml")
	if err := os.WriteFile(cfg, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startWith(t, cfg)
	var sent time.Time
	for _, step := range demo.Script(time.Now()) {
		done := make(chan error, 1)
		sent = time.Now()
		if err := s.app.pipe.Submit(context.Background(), &ingest.Batch{Msgs: step.Msgs, Done: func(err error) { done <- err }}); err != nil {
			t.Fatal(err)
		}
		<-done
	}
	// Wait for the platform's rouge.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		var platform *got
		for i := range posts {
			for _, n := range posts[i].body["notifications"].([]any) {
				n := n.(map[string]any)
				if n["kind"] == "level" && n["tenant"] == "" && n["level"] == "rouge" {
					platform = &posts[i]
				}
			}
		}
		count := len(posts)
		mu.Unlock()
		if platform != nil {
			t.Logf("%d webhook posts; platform rouge received %v after the last batch was stored", count, platform.at.Sub(sent).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no platform rouge on the webhook; %d posts", count)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Prometheus sees the levels too.
	if m := s.raw("GET", "/metrics", adminToken, nil); !strings.Contains(m, `tocsin_level{tenant=\"\"} 3`) {
		t.Errorf("no platform level in /metrics")
	}
	// The server's log never shows the token.
	if strings.Contains(s.log.String(), secret) {
		t.Error("the token is in the server log")
	}
	// Every delivery is in the audit trail, without the token.
	trail, err := os.ReadFile(filepath.Join(dir, "data", "notifications.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(trail), `"Outcome":"sent"`); n < 1 || strings.Contains(string(trail), secret) {
		t.Errorf("audit trail: %d sent entries, token present: %v", n, strings.Contains(string(trail), secret))
	}
	t.Logf("audit trail: %d lines", strings.Count(string(trail), "\n"))
}
