package filesrc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tocsin/internal/ingest"
	"tocsin/internal/ingest/ingesttest"
)

// offsets is an OffsetStore over a map, filled the way the pipeline
// would: the offset of the last stored line of each key.
type offsets struct {
	mu  sync.Mutex
	m   map[string]int64
	err error
}

func (o *offsets) Offset(_ context.Context, key string) (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	off, ok := o.m[key]
	if !ok {
		return 0, ErrNoOffset
	}
	return off, nil
}

func savedFrom(msgs []ingest.Message) *offsets {
	o := &offsets{m: make(map[string]int64)}
	for _, m := range msgs {
		o.m[m.OffsetKey] = max(o.m[m.OffsetKey], m.Offset)
	}
	return o
}

func newTail(t *testing.T, cfg TailConfig) *Tail {
	t.Helper()
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	if cfg.PartialTimeout == 0 {
		cfg.PartialTimeout = time.Hour
	}
	if cfg.RotateWait == 0 {
		cfg.RotateWait = 50 * time.Millisecond
	}
	cfg.Logger = ingesttest.Logger(t)
	tl, err := NewTail(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// start runs the source until the returned stop (or the test's end).
func start(t *testing.T, tl *Tail, sink ingest.Sink) (stop func()) {
	t.Helper()
	return ingesttest.Run(t, tl, sink)
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func texts(msgs []ingest.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Data)
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ingesttest.WaitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTailAppend(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.log")
	appendTo(t, path, "one\r\ntwo\n\nthree")
	var sink ingesttest.Sink
	tl := newTail(t, TailConfig{Paths: []string{filepath.Join(dir, "*.log")}, Tenant: "ville-a", Listener: "auth"})
	start(t, tl, &sink)
	sink.WaitMessages(t, 2)
	appendTo(t, path, " and more\nfour\n")
	msgs := sink.WaitMessages(t, 4)
	if got, want := texts(msgs), []string{"one", "two", "three and more", "four"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	wantOff := []int64{5, 9, 25, 30}
	fi, _ := os.Stat(path)
	key := offsetKey(path, identity(fi, path))
	for i, m := range msgs {
		if m.Offset != wantOff[i] || m.OffsetKey != key || m.Transport != "file" || m.Tenant != "ville-a" ||
			m.Listener != "auth" || m.Format != "lines" || m.Dedup != dedupKey(key, wantOff[i]) || m.Peer.IsValid() {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	if st := tl.Stats(); st.Received != 4 || st.Connections != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestTailPartialLineFlushedWhenIdle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	appendTo(t, path, "abc")
	var sink ingesttest.Sink
	start(t, newTail(t, TailConfig{Paths: []string{path}, PartialTimeout: 50 * time.Millisecond}), &sink)
	if m := sink.WaitMessages(t, 1)[0]; string(m.Data) != "abc" || m.Offset != 3 {
		t.Fatalf("got %q at %d", m.Data, m.Offset)
	}
	appendTo(t, path, "def\n")
	if m := sink.WaitMessages(t, 2)[1]; string(m.Data) != "def" || m.Offset != 7 {
		t.Fatalf("got %q at %d", m.Data, m.Offset)
	}
}

// TestTailRotateByRename: the old file, renamed, is read to its end
// (its writer may still append before reopening); the new file at the
// path starts at 0 under a new key.
func TestTailRotateByRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.log")
	appendTo(t, path, "old 1\nold 2\n")
	var sink ingesttest.Sink
	tl := newTail(t, TailConfig{Paths: []string{path}, RotateWait: time.Hour})
	start(t, tl, &sink)
	sink.WaitMessages(t, 2)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path+".1", "old 3\n") // the writer has not reopened yet
	appendTo(t, path, "new 1\n")
	msgs := sink.WaitMessages(t, 4)
	appendTo(t, path, "new 2\n")
	msgs = sink.WaitMessages(t, 5)
	byKey := map[string][]string{}
	for _, m := range msgs {
		byKey[m.OffsetKey] = append(byKey[m.OffsetKey], string(m.Data))
	}
	if len(byKey) != 2 {
		t.Fatalf("keys %v", byKey)
	}
	for key, lines := range byKey {
		want := []string{"old 1", "old 2", "old 3"}
		if strings.HasPrefix(lines[0], "new") {
			want = []string{"new 1", "new 2"}
		}
		if !slices.Equal(lines, want) {
			t.Errorf("%s: %q, want %q", key, lines, want)
		}
		if !strings.HasPrefix(key, path+"@") {
			t.Errorf("key %q does not start with the path", key)
		}
	}
	if st := tl.Stats(); st.Connections != 2 {
		t.Errorf("%d files open, want 2 (old one kept for RotateWait)", st.Connections)
	}
}

// TestTailRotatedFileClosed: a file no pattern names any more is closed
// once it has stopped growing for RotateWait.
func TestTailRotatedFileClosed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.log")
	appendTo(t, path, "old\n")
	var sink ingesttest.Sink
	tl := newTail(t, TailConfig{Paths: []string{path}, RotateWait: 20 * time.Millisecond})
	start(t, tl, &sink)
	sink.WaitMessages(t, 1)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, "new\n")
	sink.WaitMessages(t, 2)
	waitFor(t, "the rotated file to be closed", func() bool { return tl.Stats().Connections == 1 })
}

// TestTailCopyTruncate: a file truncated in place starts again at 0.
func TestTailCopyTruncate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	appendTo(t, path, "a long first line before rotation\nanother long line\n")
	var sink ingesttest.Sink
	start(t, newTail(t, TailConfig{Paths: []string{path}}), &sink)
	sink.WaitMessages(t, 2)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, "after\n")
	msgs := sink.WaitMessages(t, 3)
	if got := msgs[2]; string(got.Data) != "after" || got.Offset != 6 || got.OffsetKey != msgs[0].OffsetKey {
		t.Fatalf("got %+v", got)
	}
}

// TestTailResumeExactlyOnce: a restart resumes at the saved offsets; with
// an older saved offset (events lost in a crash) the lines read again
// carry the Dedup keys they had, so they are stored once.
func TestTailResumeExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.log")
	var want []string
	add := func(from, to int) {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "line %03d\n", i)
			want = append(want, fmt.Sprintf("line %03d", i))
		}
		appendTo(t, path, b.String())
	}
	add(0, 100)
	var first ingesttest.Sink
	stop := start(t, newTail(t, TailConfig{Paths: []string{path}}), &first)
	run1 := first.WaitMessages(t, 100)
	stop()

	t.Run("from the last stored line", func(t *testing.T) {
		add(100, 150)
		var again ingesttest.Sink
		stop := start(t, newTail(t, TailConfig{Paths: []string{path}, Offsets: savedFrom(run1)}), &again)
		msgs := again.WaitMessages(t, 50)
		stop()
		if got := append(texts(run1), texts(msgs)...); !slices.Equal(got, want) {
			t.Fatalf("%d lines over two runs, want %d exactly once", len(got), len(want))
		}
	})
	t.Run("from an older offset, deduplicated", func(t *testing.T) {
		// The store lost the last 20 events of run 1.
		var again ingesttest.Sink
		stop := start(t, newTail(t, TailConfig{Paths: []string{path}, Offsets: savedFrom(run1[:80])}), &again)
		msgs := again.WaitMessages(t, 70)
		stop()
		seen := map[uint64]string{}
		for _, m := range append(slices.Clone(run1), msgs...) {
			if prev, ok := seen[m.Dedup]; ok && prev != string(m.Data) {
				t.Fatalf("dedup key shared by %q and %q", prev, m.Data)
			}
			seen[m.Dedup] = string(m.Data)
		}
		if len(seen) != 150 {
			t.Fatalf("%d distinct lines after dedup, want 150", len(seen))
		}
	})
}

func TestTailSavedOffsetPastEnd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	appendTo(t, path, "short\n")
	fi, _ := os.Stat(path)
	store := &offsets{m: map[string]int64{offsetKey(path, identity(fi, path)): 1000}}
	var sink ingesttest.Sink
	start(t, newTail(t, TailConfig{Paths: []string{path}, Offsets: store}), &sink)
	if m := sink.WaitMessages(t, 1)[0]; string(m.Data) != "short" {
		t.Fatalf("got %q", m.Data)
	}
}

func TestTailStoreErrorRetried(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	appendTo(t, path, "x\n")
	store := &offsets{m: map[string]int64{}, err: errors.New("database is locked")}
	var sink ingesttest.Sink
	tl := newTail(t, TailConfig{Paths: []string{path}, Offsets: store})
	start(t, tl, &sink)
	waitFor(t, "the store error to be counted", func() bool { return tl.Stats().Errors > 0 })
	if sink.Len() != 0 {
		t.Fatal("file read without knowing its offset")
	}
	store.mu.Lock()
	store.err = nil
	store.mu.Unlock()
	sink.WaitMessages(t, 1)
}

func TestTailNewFileAndFromEnd(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.log")
	appendTo(t, old, "history\n")
	var sink ingesttest.Sink
	tl := newTail(t, TailConfig{Paths: []string{filepath.Join(dir, "*.log")}, FromEnd: true})
	start(t, tl, &sink)
	waitFor(t, "the first look at the files", func() bool { return tl.Stats().Connections == 1 })
	appendTo(t, filepath.Join(dir, "new.log"), "fresh file from its start\n")
	sink.WaitMessages(t, 1)
	appendTo(t, old, "appended\n")
	msgs := sink.WaitMessages(t, 2)
	got := texts(msgs)
	slices.Sort(got)
	if want := []string{"appended", "fresh file from its start"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestTailLongLineCut(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	appendTo(t, path, strings.Repeat("x", 100)+"\nnext\n")
	var sink ingesttest.Sink
	tl := newTail(t, TailConfig{Paths: []string{path}, MaxLineSize: 10})
	start(t, tl, &sink)
	msgs := sink.WaitMessages(t, 2)
	if got := texts(msgs); !slices.Equal(got, []string{strings.Repeat("x", 10), "next"}) || msgs[1].Offset != 106 {
		t.Fatalf("got %q, offset %d", got, msgs[1].Offset)
	}
	if tl.Stats().Errors != 1 {
		t.Fatalf("stats %+v", tl.Stats())
	}
}

// TestTailLargeFile reads a file far bigger than a buffer or a round.
func TestTailLargeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.log")
	const n = 100000
	lines := ingesttest.AppendLines(t, path, "Nov 26 10:00:01 web01", 0, n)
	var sink ingesttest.Sink
	start(t, newTail(t, TailConfig{Paths: []string{path}}), &sink)
	msgs := sink.WaitMessages(t, n)
	var off int64
	for i, m := range msgs {
		off += int64(len(lines[i]) + 1)
		if string(m.Data) != lines[i] || m.Offset != off {
			t.Fatalf("line %d: %q at %d, want %q at %d", i, m.Data, m.Offset, lines[i], off)
		}
	}
}

func TestNewTailErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  TailConfig
		want string
	}{
		{name: "no paths", cfg: TailConfig{}, want: "no paths"},
		{name: "bad pattern", cfg: TailConfig{Paths: []string{"/var/log/*.log", "/var/log/[a"}}, want: `paths[1] "/var/log/[a"`},
		{name: "bad format", cfg: TailConfig{Paths: []string{"x"}, Format: "csv"}, want: "format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewTail(tc.cfg)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want ErrConfig with %q", err, tc.want)
			}
		})
	}
}
