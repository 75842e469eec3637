package cli

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"tocsin/internal/ingest/ingesttest"
)

// TestDemoReachesRouge runs `tocsin demo` as a newcomer would and watches
// GET /api/v1/levels: the platform is rouge within 60 seconds of start.
func TestDemoReachesRouge(t *testing.T) {
	if testing.Short() {
		t.Skip("replays a 20-second attack")
	}
	t.Setenv("TOCSIN_ADMIN_TOKEN", "demo-admin-token-0123456789")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errs ingesttest.LockedBuffer
	code := make(chan int, 1)
	start := time.Now()
	go func() {
		code <- Run(ctx, []string{"demo", "--http", addr, "--syslog", "", "--data", t.TempDir()}, Streams{Out: &out, Err: &errs})
	}()
	defer func() {
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("exit %d: %s", c, errs.String())
		}
	}()
	for {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("no rouge within 60 s:\n%s\n%s", out.String(), errs.String())
		}
		time.Sleep(100 * time.Millisecond)
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/levels", nil)
		req.Header.Set("Authorization", "Bearer demo-admin-token-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		var lv struct {
			Platform struct {
				Level   string
				Reasons []struct{ Kind, Text string }
			}
			Tenants []struct{ Tenant, Level string }
		}
		err = json.NewDecoder(resp.Body).Decode(&lv)
		resp.Body.Close()
		if err != nil || lv.Platform.Level != "rouge" {
			continue
		}
		t.Logf("platform rouge %.1f s after start: %s", time.Since(start).Seconds(), lv.Platform.Reasons[0].Text)
		if len(lv.Tenants) != 3 {
			t.Errorf("tenants %v", lv.Tenants)
		}
		break
	}
	// The screen tells the story.
	deadline := time.Now().Add(40 * time.Second)
	for !strings.Contains(out.String(), "rançongiciel") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"PLATEFORME     ROUGE", "force brute SSH", "rançongiciel"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
}
