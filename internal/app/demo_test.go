package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"tocsin/internal/demo"
	"tocsin/internal/ingest"
)

// TestDemoScript replays the demo's attack through the real pipeline and
// store: each tenant gets the scanning, brute-force and (for the
// agglomeration) ransomware alerts, and nothing else leaks across.
func TestDemoScript(t *testing.T) {
	dir := t.TempDir()
	var conf strings.Builder
	fmt.Fprintf(&conf, "data: %s\nhttp: {addr: 127.0.0.1:0}\ntenants:\n", filepath.Join(dir, "data"))
	for _, tn := range demo.Tenants() {
		fmt.Fprintf(&conf, "  - {id: %s, name: %q}\n", tn.ID, tn.Name)
	}
	cfg := filepath.Join(dir, "tocsin.yml")
	if err := os.WriteFile(cfg, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startWith(t, cfg)
	for _, step := range demo.Script(time.Now()) {
		done := make(chan error, 1)
		if err := s.app.pipe.Submit(context.Background(), &ingest.Batch{Msgs: step.Msgs, Done: func(err error) { done <- err }}); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for _, tn := range demo.Tenants() {
		_, m := s.do("GET", "/api/v1/alerts?level=medium&limit=1000&tenant="+tn.ID, adminToken, nil)
		titles := map[string]bool{}
		for _, it := range m["items"].([]any) {
			titles[it.(map[string]any)["rule"].(map[string]any)["title"].(string)] = true
		}
		want := []string{"Sensitive File Probe", "SSH Brute Force", "WordPress Login Brute Force"}
		if tn.ID == "agglo-tocsin" {
			want = append(want, "Shadow Copies or Backups Deleted")
		}
		for _, w := range want {
			if !titles[w] {
				t.Errorf("%s: no %q alert; got %v", tn.ID, w, keys(titles))
			}
		}
		if tn.ID != "agglo-tocsin" && titles["Shadow Copies or Backups Deleted"] {
			t.Errorf("%s: the ransomware alert leaked", tn.ID)
		}
	}
	// The levels: the agglomeration (ransomware preparation) and the
	// platform (a campaign across the three) are rouge.
	var levels map[string]any
	for i := 0; ; i++ {
		_, levels = s.do("GET", "/api/v1/levels", adminToken, nil)
		if levels["platform"].(map[string]any)["level"] == "rouge" {
			break
		}
		if i > 300 {
			t.Fatalf("platform never rouge: %v", levels)
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := map[string]string{}
	for _, tl := range levels["tenants"].([]any) {
		tl := tl.(map[string]any)
		got[tl["tenant"].(string)] = tl["level"].(string)
	}
	if got["agglo-tocsin"] != "rouge" || got["mairie-arles"] == "vert" || got["mairie-belval"] == "vert" {
		t.Errorf("tenant levels %v", got)
	}
	t.Logf("levels: platform rouge, tenants %v; reasons %v", got, levels["platform"].(map[string]any)["reasons"])
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
