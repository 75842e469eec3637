// Package filesrc tails log files named by glob patterns, line by line.
//
// Each file is known by its path and its device/inode identity, which
// together make the offset key: a file rotated by rename is read to its
// end while the new file at the same path starts at 0; a file truncated
// in place (copytruncate) starts again at 0. Every line carries the key
// and the offset just past it, which the pipeline saves with the event;
// at start the tail asks an OffsetStore where to resume. A line read
// again after a crash has the same Dedup key (a hash of key and offset),
// so it is stored once.
//
// Polling, not inotify: each PollInterval the globs are expanded and the
// files read to their end.
package filesrc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"tocsin/internal/ingest"
)

// ErrNoOffset is what an OffsetStore returns for a key it has never
// saved (the caller maps its own "not found" to it).
var ErrNoOffset = errors.New("no saved offset")

// ErrConfig reports an unusable configuration.
var ErrConfig = errors.New("file source configuration")

// OffsetStore gives the saved position of a file: the offset just past
// the last line whose event was stored.
type OffsetStore interface {
	Offset(ctx context.Context, key string) (int64, error)
}

// TailConfig configures a tail.
type TailConfig struct {
	// Name is the source's name in logs and metrics (default "files").
	Name string
	// Paths are glob patterns (filepath.Match syntax).
	Paths []string
	// Tenant is set on every message.
	Tenant string
	// Listener is set on every message (default Name).
	Listener string
	// Format is "lines" (default) or "jsonl".
	Format string
	// PollInterval is the time between two looks at the files
	// (default 250 ms).
	PollInterval time.Duration
	// PartialTimeout is how long an unterminated last line waits for its
	// LF while the file does not grow, before it is taken as it is
	// (default 2 s).
	PartialTimeout time.Duration
	// RotateWait is how long a file that no pattern names any more
	// (rotated away, deleted) is still read after it stopped growing,
	// for writers that have not reopened yet (default 5 s).
	RotateWait time.Duration
	// MaxLineSize cuts longer lines, counted in Stats.Errors (default 64 KiB).
	MaxLineSize int
	// BatchSize caps the lines of one Submit (default 512).
	BatchSize int
	// FromEnd starts the files found at the first look with no saved
	// offset at their end instead of their beginning. Files that appear
	// later always start at 0.
	FromEnd bool
	// Offsets gives the saved positions; nil starts every file as if
	// none were saved.
	Offsets OffsetStore
	// Logger receives problems (default slog.Default()).
	Logger *slog.Logger
}

// Tail follows files. It is a Source: Stats().Connections counts the
// files it holds open.
type Tail struct {
	cfg   TailConfig
	log   *slog.Logger
	stats struct {
		received, errors atomic.Uint64
		open             atomic.Int64
	}
}

// NewTail checks cfg.
func NewTail(cfg TailConfig) (*Tail, error) {
	c := &cfg
	if c.Name == "" {
		c.Name = "files"
	}
	if c.Listener == "" {
		c.Listener = c.Name
	}
	if c.Format == "" {
		c.Format = "lines"
	}
	if c.PollInterval == 0 {
		c.PollInterval = 250 * time.Millisecond
	}
	if c.PartialTimeout == 0 {
		c.PartialTimeout = 2 * time.Second
	}
	if c.RotateWait == 0 {
		c.RotateWait = 5 * time.Second
	}
	if c.MaxLineSize == 0 {
		c.MaxLineSize = 64 << 10
	}
	if c.BatchSize == 0 {
		c.BatchSize = 512
	}
	switch {
	case len(c.Paths) == 0:
		return nil, fmt.Errorf("%w: %s: no paths", ErrConfig, c.Name)
	case c.Format != "lines" && c.Format != "jsonl":
		return nil, fmt.Errorf("%w: %s: format %q is not lines or jsonl", ErrConfig, c.Name, c.Format)
	case c.PollInterval < 0 || c.PartialTimeout < 0 || c.RotateWait < 0:
		return nil, fmt.Errorf("%w: %s: negative interval", ErrConfig, c.Name)
	case c.MaxLineSize < 0 || c.BatchSize < 0:
		return nil, fmt.Errorf("%w: %s: negative size", ErrConfig, c.Name)
	}
	for i, p := range c.Paths {
		if _, err := filepath.Match(p, ""); err != nil {
			return nil, fmt.Errorf("%w: %s: paths[%d] %q: %w", ErrConfig, c.Name, i, p, err)
		}
	}
	t := &Tail{cfg: cfg}
	t.log = c.Logger
	if t.log == nil {
		t.log = slog.Default()
	}
	t.log = t.log.With("source", c.Name, "tenant", c.Tenant)
	return t, nil
}

// Name is the source's name.
func (t *Tail) Name() string { return t.cfg.Name }

// Stats returns the counters.
func (t *Tail) Stats() ingest.Stats {
	return ingest.Stats{
		Received:    t.stats.received.Load(),
		Errors:      t.stats.errors.Load(),
		Connections: t.stats.open.Load(),
	}
}

// tailed is one open file.
type tailed struct {
	path string // where it was found first
	key  string
	id   fileID
	f    *os.File
	buf  []byte // buf[:n] are read bytes not yet handed out: a partial line
	n    int
	base int64 // file offset of buf[0]
	cut  cutter
	// grew is when the file last gave bytes; orphan when no pattern
	// named it any more (zero while named).
	grew, orphan time.Time
}

// Run follows the files until ctx ends.
func (t *Tail) Run(ctx context.Context, sink ingest.Sink) error {
	files := make(map[fileID]*tailed)
	defer func() {
		for _, tf := range files {
			tf.f.Close()
			t.stats.open.Add(-1)
		}
	}()
	first := true
	for {
		t.scan(ctx, files, first)
		first = false
		more := false
		for id, tf := range files {
			busy, err := t.pump(ctx, sink, tf)
			if err != nil {
				return nil // ctx ended during a Submit
			}
			more = more || busy
			if !tf.orphan.IsZero() && !busy && time.Since(tf.grew) >= t.cfg.RotateWait && time.Since(tf.orphan) >= t.cfg.RotateWait {
				if err := t.flushPartial(ctx, sink, tf); err != nil {
					return nil
				}
				tf.f.Close()
				t.stats.open.Add(-1)
				delete(files, id)
			}
		}
		if more {
			// A file had more than one round's share: go on at once.
			if ctx.Err() != nil {
				return nil
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(t.cfg.PollInterval):
		}
	}
}

// scan expands the patterns, opens new files and marks the ones no
// pattern names any more.
func (t *Tail) scan(ctx context.Context, files map[fileID]*tailed, first bool) {
	named := make(map[fileID]bool, len(files))
	for _, pattern := range t.cfg.Paths {
		matches, _ := filepath.Glob(pattern) // the pattern was checked in NewTail
		for _, path := range matches {
			fi, err := os.Stat(path)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			id := identity(fi, path)
			if named[id] {
				continue
			}
			if tf, ok := files[id]; ok {
				named[id] = true
				tf.orphan = time.Time{}
				continue
			}
			tf, err := t.open(ctx, path, first)
			if err != nil {
				t.stats.errors.Add(1)
				t.log.Warn("cannot follow a file", "path", path, "err", err)
				continue
			}
			if tf == nil {
				continue
			}
			files[tf.id] = tf
			named[tf.id] = true
		}
	}
	now := time.Now()
	for id, tf := range files {
		if !named[id] && tf.orphan.IsZero() {
			tf.orphan = now
		}
	}
}

// open opens a file and places it at its saved offset.
func (t *Tail) open(ctx context.Context, path string, first bool) (*tailed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	id := identity(fi, path)
	tf := &tailed{path: path, id: id, f: f, key: offsetKey(path, id), cut: cutter{max: t.cfg.MaxLineSize}, grew: time.Now()}
	var off int64
	saved := false
	if t.cfg.Offsets != nil {
		off, err = t.cfg.Offsets.Offset(ctx, tf.key)
		switch {
		case errors.Is(err, ErrNoOffset):
			off = 0
		case err != nil:
			// Retried at the next scan: starting at 0 would repeat
			// what was stored.
			f.Close()
			return nil, fmt.Errorf("offset of %s: %w", tf.key, err)
		default:
			saved = true
		}
	}
	if !saved && first && t.cfg.FromEnd {
		off = fi.Size()
	}
	if off > fi.Size() || off < 0 {
		t.log.Info("file shorter than its saved offset: truncated, reading from the start", "path", path, "offset", off, "size", fi.Size())
		off = 0
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	tf.base = off
	t.stats.open.Add(1)
	return tf, nil
}

// roundBytes caps what one file gives per round, so one busy file does
// not starve the others.
const roundBytes = 4 << 20

// pump reads a file to its end (or its round's share) and submits its
// lines. busy reports that the share ran out before the end.
func (t *Tail) pump(ctx context.Context, sink ingest.Sink, tf *tailed) (busy bool, err error) {
	if fi, err := tf.f.Stat(); err == nil && fi.Size() < tf.base+int64(tf.n) {
		t.log.Info("file truncated, reading from the start", "path", tf.path, "offset", tf.base+int64(tf.n), "size", fi.Size())
		if _, err := tf.f.Seek(0, io.SeekStart); err == nil {
			tf.base, tf.n, tf.cut.discard = 0, 0, false
		}
	}
	var msgs []ingest.Message
	var lines []line
	read := 0
	for read < roundBytes {
		t.makeRoom(tf)
		m, rerr := tf.f.Read(tf.buf[tf.n:])
		if m == 0 {
			if rerr != nil && !errors.Is(rerr, io.EOF) {
				t.stats.errors.Add(1)
				t.log.Warn("read failed", "path", tf.path, "err", rerr)
			}
			break
		}
		read += m
		tf.n += m
		tf.grew = time.Now()
		var used int
		lines, used = tf.cut.lines(tf.buf[:tf.n], false, lines[:0])
		msgs = t.appendLines(msgs, tf, lines)
		t.consume(tf, used, len(lines) > 0, m)
		if len(msgs) >= t.cfg.BatchSize {
			if err := t.submit(ctx, sink, msgs); err != nil {
				return false, err
			}
			msgs = nil
		}
	}
	if len(msgs) > 0 {
		if err := t.submit(ctx, sink, msgs); err != nil {
			return false, err
		}
	}
	if read >= roundBytes {
		return true, nil
	}
	if tf.n > 0 && time.Since(tf.grew) >= t.cfg.PartialTimeout {
		if err := t.flushPartial(ctx, sink, tf); err != nil {
			return false, err
		}
	}
	return false, nil
}

// flushPartial hands out an unterminated last line.
func (t *Tail) flushPartial(ctx context.Context, sink ingest.Sink, tf *tailed) error {
	if tf.n == 0 {
		return nil
	}
	lines, used := tf.cut.lines(tf.buf[:tf.n], true, nil)
	msgs := t.appendLines(nil, tf, lines)
	t.consume(tf, used, len(lines) > 0, 0)
	if len(msgs) == 0 {
		return nil
	}
	return t.submit(ctx, sink, msgs)
}

// appendLines turns lines of tf.buf into messages.
func (t *Tail) appendLines(msgs []ingest.Message, tf *tailed, lines []line) []ingest.Message {
	for _, l := range lines {
		if l.cut {
			t.stats.errors.Add(1)
			t.log.Warn("line longer than the maximum cut", "path", tf.path, "offset", tf.base+int64(l.start), "max", t.cfg.MaxLineSize)
		}
		off := tf.base + int64(l.next)
		msgs = append(msgs, ingest.Message{
			Data:      tf.buf[l.start:l.end:l.end],
			Format:    t.cfg.Format,
			Transport: "file",
			Listener:  t.cfg.Listener,
			Tenant:    t.cfg.Tenant,
			Dedup:     dedupKey(tf.key, off),
			Retry:     true, // the id is exact: a file and an offset
			Exact:     true,
			OffsetKey: tf.key,
			Offset:    off,
		})
	}
	t.stats.received.Add(uint64(len(lines)))
	return msgs
}

// Read buffers start small, so a quiet file pins little memory in the
// messages it hands out, and grow to hold the longest line plus a read.
const minBuf, readRoom = 16 << 10, 32 << 10

// makeRoom makes sure tf.buf has room for a useful read.
func (t *Tail) makeRoom(tf *tailed) {
	if tf.buf == nil {
		tf.buf = make([]byte, minBuf)
	}
	if len(tf.buf)-tf.n >= minBuf/4 {
		return
	}
	// The cutter keeps at most MaxLineSize+1 bytes unread, so at full
	// size there is always readRoom left.
	if size := min(2*len(tf.buf), t.cfg.MaxLineSize+readRoom); size > len(tf.buf) {
		bigger := make([]byte, size)
		copy(bigger, tf.buf[:tf.n])
		tf.buf = bigger
	}
}

// consume drops the first used bytes of tf.buf. When messages point into
// the buffer it is handed over to them and the rest moves to a new one,
// sized after the last read (lastRead).
func (t *Tail) consume(tf *tailed, used int, handedOut bool, lastRead int) {
	if used == 0 {
		return
	}
	rest := tf.buf[used:tf.n]
	if handedOut {
		size := min(max(minBuf, 2*lastRead, len(rest)+minBuf), t.cfg.MaxLineSize+readRoom)
		tf.buf = make([]byte, size)
	}
	tf.n = copy(tf.buf, rest)
	tf.base += int64(used)
}

func (t *Tail) submit(ctx context.Context, sink ingest.Sink, msgs []ingest.Message) error {
	for len(msgs) > 0 {
		part := msgs[:min(len(msgs), t.cfg.BatchSize)]
		msgs = msgs[len(part):]
		if err := sink.Submit(ctx, &ingest.Batch{Msgs: part}); err != nil {
			return err
		}
	}
	return nil
}

// offsetKey names a file for the offset store: its path and identity.
func offsetKey(path string, id fileID) string {
	return fmt.Sprintf("%s@%d:%d", path, id.dev, id.ino)
}

// dedupKey is the FNV-1a 64 hash of the offset key and the offset: a line
// read again after a restart gets the same one. Never 0 ("no key").
func dedupKey(key string, off int64) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * prime
	}
	for i := range 8 {
		h = (h ^ uint64(byte(off>>(8*i)))) * prime
	}
	if h == 0 {
		h = 1
	}
	return h
}
