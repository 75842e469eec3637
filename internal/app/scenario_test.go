package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tocsin/internal/alert"
	"tocsin/internal/config"
	"tocsin/internal/golden"
	"tocsin/internal/notify"
	"tocsin/internal/store"
	"tocsin/internal/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestScenarios")

// recorder keeps the notifications the vigil decides to send.
type recorder struct {
	mu  sync.Mutex
	out []notify.Notification
}

func (r *recorder) Notify(_ context.Context, n notify.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out = append(r.out, n)
	return nil
}

// TestScenarios replays the folders of testdata/scenarios through the
// server's alerting (detections in, on event time) and compares the
// notifications it sends and the final levels with expected.golden
// (go test ./internal/app -run TestScenarios -update rewrites them). The
// delivery of notifications (grouping, retries, receivers) is tested in
// internal/notify; the engine's own scenarios are in internal/alert.
func TestScenarios(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/scenarios/*")
	if len(dirs) < 3 {
		t.Fatalf("found %d scenarios", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rec := &recorder{}
			v, err := newVigil(ctx, st, alert.DefaultPolicy(), rec, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if err := v.setTenants(&config.Config{Tenants: []config.Tenant{{ID: "ville-a", Name: "Ville A"}, {ID: "ville-b", Name: "Ville B"}, {ID: "ville-c", Name: "Ville C"}}}); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			f, err := os.Open(filepath.Join(dir, "input.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			for n := 1; sc.Scan(); n++ {
				line := strings.TrimSpace(sc.Text())
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				var op struct {
					Op, Tenant, Level, Reason string
					Time                      time.Time
				}
				if err := json.Unmarshal([]byte(line), &op); err != nil {
					t.Fatalf("%s:%d: %v", dir, n, err)
				}
				switch op.Op {
				case "":
					var d alert.Detection
					if err := json.Unmarshal([]byte(line), &d); err != nil {
						t.Fatalf("%s:%d: %v", dir, n, err)
					}
					v.observe(ctx, []store.Alert{{Kind: d.Kind, Tenant: d.Tenant, Time: d.Time, First: d.First, RuleID: d.Rule.ID, Title: d.Rule.Title,
						Level: d.Rule.Level, Author: d.Rule.Author, Tags: d.Rule.Tags, SrcIP: d.SrcIP, Group: d.Group, Count: d.Count}})
				case "advance":
					v.advance(ctx, op.Time)
				case "override":
					err := v.override(ctx, op.Tenant, op.Level, op.Reason, "rssi", op.Time)
					fmt.Fprintf(&out, "override %s %s: %v\n", op.Tenant, op.Level, errText(err))
				default:
					t.Fatalf("%s:%d: unknown op %q", dir, n, op.Op)
				}
			}
			for _, n := range rec.out {
				var reasons []string
				for _, r := range n.Reasons {
					reasons = append(reasons, r.Kind+": "+r.Text)
				}
				b, _ := json.Marshal(map[string]any{"notify": n.Kind, "tenant": n.Tenant, "name": n.TenantName, "level": n.Level.String(),
					"previous": n.Previous.String(), "summary": n.Summary, "reasons": reasons})
				out.Write(b)
				out.WriteByte('\n')
			}
			l := v.levels("").(alert.Levels)
			fmt.Fprintf(&out, "final platform %s\n", l.Platform.Level)
			for _, tl := range l.Tenants {
				fmt.Fprintf(&out, "final %s %s\n", tl.Tenant, tl.Level)
			}
			golden.Check(t, filepath.Join(dir, "expected.golden"), out.Bytes(), *update)
		})
	}
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
