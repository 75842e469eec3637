package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func tenantIDs(t *testing.T, s *server) []string {
	t.Helper()
	code, m := s.do("GET", "/api/v1/tenants", adminToken, nil)
	if code != 200 {
		t.Fatalf("tenants: %d %v", code, m)
	}
	var ids []string
	for _, it := range m["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}

// TestReload: a valid new configuration is swapped in; an invalid one is
// refused with its problems and the running one stays.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tocsin.yml")
	base := "data: " + filepath.Join(dir, "data") + "\nhttp: {addr: 127.0.0.1:0}\ntenants:\n  - id: ville-a\n"
	if err := os.WriteFile(cfg, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startWith(t, cfg)
	if got := strings.Join(tenantIDs(t, s), ","); got != "quarantine,ville-a" {
		t.Fatalf("tenants %s", got)
	}
	// A new tenant with its token.
	next := base + "  - id: ville-c\n    tokens: [{role: read, secret: read-token-ville-c-00001}]\n"
	if err := os.WriteFile(cfg, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, m := s.do("POST", "/api/v1/reload", adminToken, nil); code != 200 {
		t.Fatalf("reload: %d %v", code, m)
	}
	if got := strings.Join(tenantIDs(t, s), ","); got != "quarantine,ville-a,ville-c" {
		t.Errorf("after reload: %s", got)
	}
	if code, _ := s.do("GET", "/api/v1/events", "read-token-ville-c-00001", nil); code != 200 {
		t.Errorf("the new token: %d", code)
	}
	// A broken file: refused, file:line named, nothing changes.
	if err := os.WriteFile(cfg, []byte(base+"  - id: ville-d\n    colour: red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, m := s.do("POST", "/api/v1/reload", adminToken, nil)
	if code != 422 || !strings.Contains(strings.Join(toStrings(m["problems"]), "\n"), "tocsin.yml:6:5: field colour is not a setting") {
		t.Errorf("broken reload: %d %v", code, m)
	}
	if got := strings.Join(tenantIDs(t, s), ","); got != "quarantine,ville-a,ville-c" {
		t.Errorf("after a refused reload: %s", got)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestSIGHUP reloads a running process.
func TestSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	p := newProcess(t, "")
	p.start()
	data, _ := os.ReadFile(p.cfg)
	if err := os.WriteFile(p.cfg, append(data, "  - id: ville-h\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if strings.Contains(p.get("/api/v1/tenants"), `"ville-h"`) {
			return
		}
		if i > 200 {
			t.Fatalf("no reload after SIGHUP:\n%s", p.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReloadNotifications: a reload that adds a receiver and changes the
// alerting policy keeps the levels, tells the new receiver what fires,
// does not tell the old one again, and both hear the end.
func TestReloadNotifications(t *testing.T) {
	type post struct{ tenant, level, status string }
	hooks := map[string]*struct {
		mu    sync.Mutex
		posts []post
	}{"a": {}, "b": {}}
	urls := map[string]string{}
	for name, h := range hooks {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var m struct {
				Status        string `json:"status"`
				Notifications []struct{ Tenant, Level string }
			}
			if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
				t.Errorf("webhook %s: %v", name, err)
			}
			h.mu.Lock()
			for _, n := range m.Notifications {
				h.posts = append(h.posts, post{n.Tenant, n.Level, m.Status})
			}
			h.mu.Unlock()
		}))
		defer srv.Close()
		urls[name] = srv.URL
	}
	received := func(name string) []post {
		h := hooks[name]
		h.mu.Lock()
		defer h.mu.Unlock()
		return append([]post(nil), h.posts...)
	}
	waitFor := func(name string, want post) {
		t.Helper()
		for i := 0; ; i++ {
			if slices.Contains(received(name), want) {
				return
			}
			if i > 500 {
				t.Fatalf("webhook %s: no %+v; got %+v", name, want, received(name))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	dir := t.TempDir()
	cfg := filepath.Join(dir, "tocsin.yml")
	conf := func(lang string, receivers ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "data: %s\nhttp: {addr: 127.0.0.1:0}\ntenants:\n  - id: ville-a\nalerting: {lang: %s}\nnotify:\n  receivers:\n", filepath.Join(dir, "data"), lang)
		for _, r := range receivers {
			fmt.Fprintf(&b, "    - {name: %s, webhook: {url: %q}}\n", r, urls[r])
		}
		fmt.Fprintf(&b, "  route: {receivers: [%s], group_by: [tenant], group_wait: 0s, group_interval: 1s}\n", strings.Join(receivers, ", "))
		return b.String()
	}
	if err := os.WriteFile(cfg, []byte(conf("fr", "a")), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startWith(t, cfg)
	override := func(level string) {
		t.Helper()
		body := []byte(`{"tenant":"ville-a","level":"` + level + `","reason":"exercice"}`)
		if code, m := s.do("POST", "/api/v1/levels/override", adminToken, body); code != 200 {
			t.Fatalf("override: %d %v", code, m)
		}
	}
	override("orange")
	waitFor("a", post{"ville-a", "orange", "firing"})

	if err := os.WriteFile(cfg, []byte(conf("en", "a", "b")), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, m := s.do("POST", "/api/v1/reload", adminToken, nil); code != 200 {
		t.Fatalf("reload: %d %v", code, m)
	}
	waitFor("b", post{"ville-a", "orange", "firing"})
	if lang := s.app.Levels(); len(lang.Tenants) == 0 || lang.Tenants[len(lang.Tenants)-1].Level.String() != "orange" {
		t.Errorf("levels after the reload: %+v", lang.Tenants)
	}
	s.app.vigil.mu.Lock()
	lang := s.app.vigil.eng.Policy().Lang
	s.app.vigil.mu.Unlock()
	if lang != "en" {
		t.Errorf("policy language %q after the reload, want en", lang)
	}
	time.Sleep(1500 * time.Millisecond) // past group_interval: a repeat would show
	seen := map[post]int{}
	for _, p := range received("a") {
		if seen[p]++; seen[p] > 1 {
			t.Errorf("receiver a told %+v again after the reload", p)
		}
	}
	override("vert")
	waitFor("a", post{"ville-a", "vert", "resolved"})
	waitFor("b", post{"ville-a", "vert", "resolved"})
}
