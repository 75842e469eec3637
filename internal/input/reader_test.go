package input

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// collect runs a Reader and describes every batch as "file:line data" or
// "file: error", in Seq order.
func collect(t *testing.T, paths []string, stdin string, opt Options) []string {
	t.Helper()
	r := NewReader(opt, strings.NewReader(stdin))
	out := make(chan *Batch, 4)
	errc := make(chan error, 1)
	go func() { errc <- r.Run(context.Background(), paths, out) }()
	var got []string
	var seq uint64
	for b := range out {
		if b.Seq != seq {
			t.Errorf("batch Seq %d, want %d", b.Seq, seq)
		}
		seq++
		for _, rec := range b.Records {
			got = append(got, fmt.Sprintf("%s:%d %s %s", rel(rec.File), rec.Line, b.Format, rec.Data))
		}
		if b.Err != nil {
			got = append(got, "ERR "+rel(b.Err.Error()))
		}
		r.Release(b)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	return got
}

func zst(t testing.TB, s string) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll([]byte(s), nil)
}

func lz4ed(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := lz4.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil || w.Close() != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func xzed(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bz2 is "bz line one\nbz line two\n" as bzip2 -c wrote it (the standard
// library reads bzip2 but cannot write it).
func bz2(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/two-lines.bz2")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var tmpRoot string

func rel(s string) string { return strings.ReplaceAll(s, tmpRoot+"/", "") }

func TestReaderRun(t *testing.T) {
	dir := t.TempDir()
	tmpRoot = dir
	writeFiles(t, dir, map[string][]byte{
		"logs/b.log":            []byte("line one\r\nline two\n"),
		"logs/a.jsonl":          []byte(`{"a":1}` + "\n\n" + `{"a":2}`),
		"logs/sub/c.json.gz":    gz(t, "{\n  \"Event\": {\n    \"System\": {}\n  }\n}\n{\n  \"Event\": {\"System\": {}}\n}\n"),
		"logs/sub/d.gz":         append(gz(t, "ok\n"), []byte("\x1f\x8bnot gzip")...),
		"logs/sub/e.evtx":       []byte("ElfFile\x00\x00\x00\x01\nmore\n"),
		"logs/sub/i.log.zst":    zst(t, "zstd one\nzstd two\n"),
		"logs/sub/j.log.xz":     xzed(t, "xz one\n"),
		"logs/sub/k.log.bz2":    bz2(t),
		"logs/sub/l.log.xz":     []byte("\xfd7zXZ\x00broken"),
		"logs/sub/m.log.lz4":    lz4ed(t, "lz4 one\nlz4 two\n"),
		"logs/sub/empty.log":    nil,
		"logs/z/zz.log":         []byte("last\n"),
		"single.log":            []byte("x\n"),
		"logs/sub/f.gz":         []byte("\x1f\x8b\x08garbage"),
		"logs/sub/g-utf16.log":  []byte("\xff\xfeh\x00i\x00"),
		"logs/sub/h-nonl.jsonl": []byte(`{"last":true}`),
	})
	if err := os.Symlink("missing", filepath.Join(dir, "logs", "sub", "dangling")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "logs", "z"), filepath.Join(dir, "logs", "sub", "loop")); err != nil {
		t.Fatal(err)
	}
	got := collect(t, []string{
		filepath.Join(dir, "logs"), "-", filepath.Join(dir, "nope.log"), filepath.Join(dir, "single.log"),
	}, "from stdin\n", Options{})
	want := []string{
		"logs/a.jsonl:1 jsonl {\"a\":1}",
		"logs/a.jsonl:3 jsonl {\"a\":2}",
		"logs/b.log:1 lines line one",
		"logs/b.log:2 lines line two",
		"logs/sub/c.json.gz:1 evtx-json {\n  \"Event\": {\n    \"System\": {}\n  }\n}",
		"logs/sub/c.json.gz:6 evtx-json {\n  \"Event\": {\"System\": {}}\n}",
		"logs/sub/d.gz:1 lines ok",
		"ERR logs/sub/d.gz: gzip: invalid header",
		"ERR logs/sub/dangling: no such file or directory",
		"ERR logs/sub/e.evtx: binary data, not a text log: skipped (a Windows .evtx file: convert it first with evtx_dump -o jsonl FILE)",
		"ERR logs/sub/f.gz: unexpected EOF",
		"ERR logs/sub/g-utf16.log: UTF-16 text is not supported: convert it to UTF-8",
		"logs/sub/h-nonl.jsonl:1 jsonl {\"last\":true}",
		"logs/sub/i.log.zst:1 lines zstd one",
		"logs/sub/i.log.zst:2 lines zstd two",
		"logs/sub/j.log.xz:1 lines xz one",
		"logs/sub/k.log.bz2:1 lines bz line one",
		"logs/sub/k.log.bz2:2 lines bz line two",
		"ERR logs/sub/l.log.xz: xz: stream flags damaged",
		"ERR logs/sub/loop: symbolic link to a folder: not followed",
		"logs/sub/m.log.lz4:1 lines lz4 one",
		"logs/sub/m.log.lz4:2 lines lz4 two",
		"logs/z/zz.log:1 lines last",
		"-:1 lines from stdin",
		"ERR nope.log: no such file or directory",
		"single.log:1 lines x",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReaderParallel has workers take batches in any order; putting
// results back by Seq gives the input order.
func TestReaderParallel(t *testing.T) {
	dir := t.TempDir()
	var sb strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&sb, "{\"n\":%d}\n", i)
	}
	writeFiles(t, dir, map[string][]byte{"a.jsonl": []byte(sb.String()), "b.jsonl.gz": gz(t, sb.String())})

	r := NewReader(Options{BufferSize: 4096}, nil)
	ctx := context.Background()
	batches := make(chan *Batch, 8)
	type result struct {
		seq   uint64
		lines []int
	}
	results := make(chan result, 8)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for b := range batches {
				res := result{seq: b.Seq}
				for _, rec := range b.Records {
					var n int
					fmt.Sscanf(string(rec.Data), `{"n":%d}`, &n)
					if n != rec.Line-1 {
						t.Errorf("%s:%d holds %d", rec.File, rec.Line, n)
					}
					res.lines = append(res.lines, rec.Line)
				}
				r.Release(b)
				results <- res
			}
		})
	}
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx, []string{dir}, batches) }()
	go func() { wg.Wait(); close(results) }()

	pending := map[uint64][]int{}
	var next uint64
	var order []int
	for res := range results {
		pending[res.seq] = res.lines
		for l, ok := pending[next]; ok; l, ok = pending[next] {
			order = append(order, l...)
			delete(pending, next)
			next++
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if len(order) != 40000 {
		t.Fatalf("%d records, want 40000", len(order))
	}
	for i, l := range order {
		if l != i%20000+1 {
			t.Fatalf("record %d has line %d, want %d", i, l, i%20000+1)
		}
	}
}

// TestReaderCancel: Run stops when ctx is done even if nobody reads.
func TestReaderCancel(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"a.log": []byte(strings.Repeat("line\n", 100000))})
	r := NewReader(Options{BufferSize: 1024}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan *Batch)
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx, []string{dir}, out) }()
	<-out
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
	for range out { // Run closed it
	}
}

func TestReaderUnreadableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any folder")
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"locked/a.log": []byte("a\n")})
	if err := os.Chmod(filepath.Join(dir, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(filepath.Join(dir, "locked"), 0o755)
	tmpRoot = dir
	got := collect(t, []string{dir}, "", Options{})
	if len(got) != 1 || !strings.Contains(got[0], "locked") || !strings.HasPrefix(got[0], "ERR") {
		t.Errorf("got %q, want one error naming the folder", got)
	}
	_ = fs.ErrPermission
}

func benchLines(n int) []byte {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, `{"@timestamp":"2024-05-01T10:00:%02dZ","host":"web-%d","message":"GET /index.php?id=%d HTTP/1.1 200 512 \"Mozilla/5.0 (X11; Linux x86_64)\"","tenant":"ville-a"}`+"\n", i%60, i%7, i)
	}
	return []byte(sb.String())
}

func BenchmarkSplitLines(b *testing.B) {
	data := benchLines(100000)
	benchSplit(b, data)
}

// BenchmarkSplitObjects splits evtx_dump's pretty-printed objects.
func BenchmarkSplitObjects(b *testing.B) {
	obj := `{
  "Event": {
    "#attributes": {
      "xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"
    },
    "System": {
      "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
      "EventID": 1,
      "Channel": "Microsoft-Windows-Sysmon/Operational",
      "Computer": "ws01"
    },
    "EventData": {
      "Image": "C:\\Windows\\System32\\cmd.exe",
      "CommandLine": "cmd.exe /c \"echo {hello}\"",
      "ParentImage": "C:\\Windows\\explorer.exe"
    }
  }
}
`
	benchSplit(b, []byte(strings.Repeat(obj, 20000)))
}

func benchSplit(b *testing.B, data []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	n := 0
	bt := &Batch{}
	s := &Splitter{}
	for b.Loop() {
		s.reset(bytes.NewReader(data), "bench", Options{})
		for s.NextBatch(bt) == nil {
			n += len(bt.Records)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReaderRun reads a JSONL file, plain and gzipped, through Run:
// file I/O, gzip, splitting and the batch channel.
func BenchmarkReaderRun(b *testing.B) {
	data := benchLines(200000)
	dir := b.TempDir()
	plain, zipped := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "a.jsonl.gz")
	if err := os.WriteFile(plain, data, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(zipped, gz(b, string(data)), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, p := range []string{plain, zipped} {
		b.Run(filepath.Ext(p), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			r := NewReader(Options{}, nil)
			n := 0
			for b.Loop() {
				out := make(chan *Batch, 4)
				errc := make(chan error, 1)
				go func() { errc <- r.Run(context.Background(), []string{p}, out) }()
				for bt := range out {
					n += len(bt.Records)
					r.Release(bt)
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// FuzzReadStream: whatever comes in on stdin — compressed or not, broken or
// not — Run ends, with records or an error, and never panics.
//
//	go test -run XXX -fuzz FuzzReadStream -fuzztime 60s ./internal/input/
func FuzzReadStream(f *testing.F) {
	f.Add([]byte("plain line\n"))
	f.Add(gz(f, "gz line\n"))
	f.Add(zst(f, "zstd line\n"))
	f.Add(xzed(f, "xz line\n"))
	f.Add([]byte("BZh91AY&SY garbage"))
	f.Add([]byte("\x28\xb5\x2f\xfd garbage"))
	f.Add([]byte("\xfd7zXZ\x00garbage"))
	f.Add([]byte("ElfFile\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(Options{BufferSize: 4096, MaxRecord: 1 << 16}, bytes.NewReader(data))
		out := make(chan *Batch, 4)
		errc := make(chan error, 1)
		go func() { errc <- r.Run(context.Background(), []string{StdinName}, out) }()
		for b := range out {
			for _, rec := range b.Records {
				if rec.Line < 1 {
					t.Fatalf("record at line %d", rec.Line)
				}
			}
			r.Release(b)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}
