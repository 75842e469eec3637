package ingesttest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv names the variable CI sets so that a missing client fails a
// test instead of skipping it.
const RequireEnv = "TOCSIN_REQUIRE_SERVICES"

// Require skips the test when a program is not installed, or fails it when
// RequireEnv is "1".
func Require(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			missing(t, "%s is not installed: %v", p, err)
		}
	}
}

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf(format+" ("+RequireEnv+"=1)", args...)
	}
	t.Skipf(format, args...)
}

// Rsyslog runs a real rsyslogd in the foreground with a configuration of
// the test's own, in a temporary folder: nothing under /etc, /var or /dev
// is read or written as long as the configuration loads no imuxsock or
// imklog and keeps its paths under Dir.
type Rsyslog struct {
	// Dir is the test's folder; WorkDir (inside it) is rsyslog's
	// workDirectory.
	Dir, WorkDir string

	t      testing.TB
	cmd    *exec.Cmd
	exited chan struct{}
	out    LockedBuffer
}

// NewRsyslog prepares a folder; Start runs the daemon. It skips (or fails,
// see Require) when rsyslogd is not installed.
func NewRsyslog(t testing.TB) *Rsyslog {
	t.Helper()
	Require(t, "rsyslogd")
	dir := t.TempDir()
	r := &Rsyslog{Dir: dir, WorkDir: filepath.Join(dir, "work"), t: t}
	if err := os.Mkdir(r.WorkDir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

// Start checks conf with rsyslogd -N1 (a module that is not installed,
// such as omrelp without rsyslog-relp, skips the test as Require does)
// then runs rsyslogd -n with it. rsyslog's own messages (errors of its
// actions included) go to a file of Dir, shown when the test fails; conf
// should therefore bind its inputs to rulesets of its own.
func (r *Rsyslog) Start(conf string) {
	r.t.Helper()
	conf += fmt.Sprintf("\n# rsyslog's own messages\naction(type=\"omfile\" file=%q)\n", r.internalLog())
	path := filepath.Join(r.Dir, "rsyslog.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		r.t.Fatal(err)
	}
	check, err := exec.Command("rsyslogd", "-N1", "-f", path).CombinedOutput()
	if err != nil {
		if bytes.Contains(check, []byte("could not load module")) {
			missing(r.t, "rsyslogd cannot load a module of the configuration: %s", check)
		}
		r.t.Fatalf("rsyslogd -N1 -f %s: %v\n%s\nconfiguration:\n%s", path, err, check, conf)
	}
	cmd := exec.Command("rsyslogd", "-n", "-f", path, "-i", filepath.Join(r.Dir, "rsyslogd.pid"))
	cmd.Stdout = &r.out
	cmd.Stderr = &r.out
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("starting rsyslogd: %v", err)
	}
	exited := make(chan struct{})
	r.cmd, r.exited = cmd, exited
	go func() {
		// Owned by Stop, which waits for exited.
		_ = cmd.Wait()
		close(exited)
	}()
}

// Stop sends SIGTERM and waits for the daemon (SIGKILL after 20 s). It
// logs what rsyslogd printed when the test failed.
func (r *Rsyslog) Stop() {
	if r.cmd == nil {
		return
	}
	cmd := r.cmd
	r.cmd = nil
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-r.exited
	}
	if r.t.Failed() {
		own, _ := os.ReadFile(r.internalLog())
		r.t.Logf("rsyslogd output:\n%s\nrsyslogd messages:\n%s", r.out.String(), own)
	}
}

func (r *Rsyslog) internalLog() string { return filepath.Join(r.Dir, "rsyslogd.log") }

// Output is what rsyslogd printed so far.
func (r *Rsyslog) Output() string { return r.out.String() }

// AppendLines appends lines "<prefix> NNNNNN <pad>" numbered from..to-1
// to a file, in one write per chunk, and returns the texts written.
func AppendLines(t testing.TB, path, prefix string, from, to int) []string {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	lines := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		line := fmt.Sprintf("%s %06d sshd[811]: Failed password for invalid user admin from 192.0.2.%d port %d ssh2", prefix, i, i%250+1, 40000+i%20000)
		lines = append(lines, line)
		buf.WriteString(line)
		buf.WriteByte('\n')
		if buf.Len() > 32<<10 {
			if _, err := f.Write(buf.Bytes()); err != nil {
				t.Fatal(err)
			}
			buf.Reset()
		}
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	return lines
}

// ErrExited is reported by Alive when the daemon is gone.
var ErrExited = errors.New("rsyslogd exited")

// Alive returns ErrExited when the daemon stopped on its own.
func (r *Rsyslog) Alive() error {
	if r.exited == nil {
		return nil
	}
	select {
	case <-r.exited:
		return fmt.Errorf("%w: %s", ErrExited, r.out.String())
	default:
		return nil
	}
}

// LockedBuffer is a buffer one goroutine writes (a child process's output
// copier) while another reads it.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Reset empties the buffer.
func (l *LockedBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

// String returns what was written.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
