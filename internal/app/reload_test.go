package app

import (
	"os"
	"path/filepath"
	"strings"
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
