package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tocsin/internal/ingest/ingesttest"
)

// process is tocsin serve as a separate process, so that it can be
// killed with SIGKILL.
type process struct {
	t    *testing.T
	bin  string
	cfg  string
	base string
	cmd  *exec.Cmd
	out  ingesttest.LockedBuffer
}

var buildOnce struct {
	sync.Once
	bin string
	err error
}

// tocsinBinary builds cmd/tocsin once per test run.
func tocsinBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tocsin-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.bin = filepath.Join(dir, "tocsin")
		out, err := exec.Command("go", "build", "-o", buildOnce.bin, "../../cmd/tocsin").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.bin
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (p *process) start() {
	p.t.Helper()
	p.out.Reset()
	p.cmd = exec.Command(p.bin, "serve", "--config", p.cfg)
	p.cmd.Env = append(os.Environ(), "TOCSIN_ADMIN_TOKEN="+adminToken)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	waitReady(p.t, p.base, p.out.String)
}

func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

func (p *process) stop() {
	if p.cmd == nil || p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
}

func newProcess(t *testing.T, extra string) *process {
	dir := t.TempDir()
	httpAddr := freePort(t)
	cfg := filepath.Join(dir, "tocsin.yml")
	conf := fmt.Sprintf("data: %s\nhttp: {addr: %s}\n%s\ntenants:\n  - id: ville-a\n    tokens: [{role: ingest, secret: %s}]\n", filepath.Join(dir, "data"), httpAddr, extra, ingestA)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &process{t: t, bin: tocsinBinary(t), cfg: cfg, base: "http://" + httpAddr}
	t.Cleanup(p.stop)
	return p
}

// allMessages reads every stored event's raw record, counting each.
func (p *process) allMessages() map[string]int {
	p.t.Helper()
	out := map[string]int{}
	// Keyset pagination in ID order (IDs start well above 1).
	for after := int64(1); ; {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/events?limit=1000&after_id=%d", p.base, after), nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			p.t.Fatal(err)
		}
		var page struct {
			Items []struct {
				ID      int64          `json:"id"`
				Message string         `json:"message"`
				Fields  map[string]any `json:"fields"`
			} `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			p.t.Fatal(err)
		}
		if len(page.Items) == 0 {
			return out
		}
		for _, it := range page.Items {
			after = max(after, it.ID)
			// An Event JSON record's message is its field.
			if m, ok := it.Fields["message"].(string); ok && strings.HasPrefix(it.Message, "{") {
				out[m]++
			} else {
				out[it.Message]++
			}
		}
	}
}

// TestKillDuringRELP kills tocsin serve with SIGKILL in the middle of a
// RELP stream from rsyslog (omrelp with a disk-assisted queue), restarts
// it, and counts: every line is stored exactly once.
func TestKillDuringRELP(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	ingesttest.Require(t, "rsyslogd")
	relpAddr := freePort(t)
	p := newProcess(t, fmt.Sprintf("relp: {addr: %s}", relpAddr))
	p.start()
	r := ingesttest.NewRsyslog(t)
	src := filepath.Join(r.Dir, "app.log")
	host, port, _ := strings.Cut(relpAddr, ":")
	r.Start(fmt.Sprintf(`
global(workDirectory="%s")
module(load="imfile" mode="polling" PollingInterval="1")
module(load="omrelp")
input(type="imfile" File="%s" Tag="app:" ruleset="fwd")
ruleset(name="fwd") {
  action(type="omrelp" target="%s" port="%s" windowSize="1024" template="RSYSLOG_SyslogProtocol23Format"
         queue.type="LinkedList" queue.filename="relp_q" queue.size="200000" queue.saveOnShutdown="on"
         action.resumeRetryCount="-1" action.resumeInterval="1")
}
`, r.WorkDir, src, host, port))
	const n = 60000
	lines := ingesttest.AppendLines(t, src, "relp", 0, n)
	// Kill three times while the stream flows.
	for _, at := range []int{5000, 20000, 35000} {
		waitStored(t, p, at)
		p.kill()
		time.Sleep(300 * time.Millisecond)
		p.start()
	}
	got := waitStoredStable(t, p, n)
	counts := p.allMessages()
	missing, twice := 0, 0
	index := map[string]int{}
	for msg, c := range counts {
		// The stored record is rsyslog's RFC 5424 line; the file's line
		// is its message.
		if i := strings.Index(msg, "relp "); i >= 0 {
			index[msg[i:]] += c
		}
	}
	for _, l := range lines {
		switch c := index[l]; {
		case c == 0:
			missing++
		case c > 1:
			twice++
		}
	}
	t.Logf("RELP: %d lines, stored %d, missing %d, stored twice %d; resent and recognised after the restart: %s", n, got, missing, twice, p.metric("tocsin_events_duplicate_total"))
	if missing > 0 || twice > 0 || got != n {
		t.Errorf("RELP across kill -9: %d lines, stored %d, missing %d, twice %d", n, got, missing, twice)
	}
}

// TestKillDuringHTTP kills tocsin serve with SIGKILL while a client posts
// batches; the client retries what was not acknowledged, as a client must.
// Every acknowledged event is stored, and none twice.
func TestKillDuringHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test")
	}
	p := newProcess(t, "")
	p.start()
	const batches, per = 200, 500
	acked := make([]bool, batches)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := &http.Client{Timeout: 10 * time.Second}
		for b := 0; b < batches && ctx.Err() == nil; b++ {
			var body bytes.Buffer
			for i := range per {
				fmt.Fprintf(&body, `{"timestamp":"2026-11-26T10:00:00Z","message":"http %06d"}`+"\n", b*per+i)
			}
			for ctx.Err() == nil {
				req, _ := http.NewRequest("POST", p.base+"/api/v1/events", bytes.NewReader(body.Bytes()))
				req.Header.Set("Authorization", "Bearer "+ingestA)
				req.Header.Set("Idempotency-Key", fmt.Sprintf("batch-%d", b))
				resp, err := client.Do(req)
				if err != nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					acked[b] = true
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	t0 := time.Now()
	waitStored(t, p, 20000)
	t.Logf("killing after %v", time.Since(t0))
	p.kill()
	time.Sleep(300 * time.Millisecond)
	p.start()
	t.Logf("restarted after %v", time.Since(t0))
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("client never finished")
	}
	t.Logf("client done after %v", time.Since(t0))
	// A client that lost the answers to its first ten batches (sent
	// before the kill) sends them again: the restarted server recognises
	// them from the ids it reloaded from the store.
	for b := range 10 {
		var body bytes.Buffer
		for i := range per {
			fmt.Fprintf(&body, `{"timestamp":"2026-11-26T10:00:00Z","message":"http %06d"}`+"\n", b*per+i)
		}
		req, _ := http.NewRequest("POST", p.base+"/api/v1/events", bytes.NewReader(body.Bytes()))
		req.Header.Set("Authorization", "Bearer "+ingestA)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("batch-%d", b))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("resend: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	counts := p.allMessages()
	t.Logf("read back after %v", time.Since(t0))
	missing, twice, total := 0, 0, 0
	for b := range batches {
		if !acked[b] {
			t.Fatalf("batch %d never acknowledged", b)
		}
		for i := range per {
			switch c := counts[fmt.Sprintf("http %06d", b*per+i)]; {
			case c == 0:
				missing++
			case c > 1:
				twice++
			}
		}
	}
	for _, c := range counts {
		total += c
	}
	t.Logf("HTTP: %d events acknowledged, stored %d, missing %d, twice %d; retried batches recognised: %s", batches*per, total, missing, twice, p.metric("tocsin_events_duplicate_total"))
	if missing > 0 || twice > 0 || total != batches*per {
		t.Errorf("HTTP across kill -9: %d acknowledged, stored %d, missing %d, twice %d", batches*per, total, missing, twice)
	}
}

// get reads an endpoint with the admin token.
func (p *process) get(path string) string {
	req, _ := http.NewRequest("GET", p.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

// metric reads one sample line of /metrics.
func (p *process) metric(prefix string) string {
	for _, l := range strings.Split(p.get("/metrics"), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return "none"
}

func storedTotal(t *testing.T, p *process) int {
	var m struct{ Total int }
	if json.Unmarshal([]byte(p.get("/api/v1/events?limit=1")), &m) != nil {
		return -1
	}
	return m.Total
}

func waitStored(t *testing.T, p *process, n int) {
	t.Helper()
	for i := 0; i < 3000; i++ {
		if storedTotal(t, p) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("fewer than %d events stored after 30 s:\n%s", n, p.out.String())
}

// waitStoredStable waits for want events, or for the count to stop moving.
func waitStoredStable(t *testing.T, p *process, want int) int {
	t.Helper()
	last, since := -1, time.Now()
	for time.Since(since) < 15*time.Second {
		n := storedTotal(t, p)
		if n >= want {
			// Give late duplicates a chance to show.
			time.Sleep(2 * time.Second)
			return storedTotal(t, p)
		}
		if n != last {
			last, since = n, time.Now()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return last
}
