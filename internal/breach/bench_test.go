package breach

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/pii"
)

// benchCSV writes a delimited export of at least size bytes: the corpus
// table (a column per category and decoy columns: order numbers, creation
// dates, product codes, amounts, statuses), French headers, ';'.
func benchCSV(tb testing.TB, dir string, size int) string {
	p := filepath.Join(dir, "export.csv")
	if st, err := os.Stat(p); err == nil && st.Size() >= int64(size) {
		return p
	}
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	// Every row is a different person: repeated rows would flatter the
	// hash cache.
	written := 0
	for seed := int64(2); written < size; seed += 2 {
		header, cells, _ := corpus.Table(seed, 2000)
		var block strings.Builder
		if written == 0 {
			block.WriteString(strings.Join(header, ";") + "\n")
		}
		for _, row := range cells {
			block.WriteString(strings.Join(row, ";"))
			block.WriteByte('\n')
		}
		n, err := io.WriteString(f, block.String())
		if err != nil {
			tb.Fatal(err)
		}
		written += n
	}
	return p
}

// benchText writes free text of at least size bytes: support tickets and
// application logs from the corpus, with their decoys.
func benchText(tb testing.TB, dir string, size int) string {
	p := filepath.Join(dir, "tickets.log")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	for written, seed := 0, int64(5); written < size; seed++ {
		var block strings.Builder
		for _, d := range corpus.Generate(seed, 2000) {
			if d.Shape == "ticket" || d.Shape == "log" {
				block.WriteString(d.Text)
				block.WriteByte('\n')
			}
		}
		n, err := io.WriteString(f, block.String())
		if err != nil {
			tb.Fatal(err)
		}
		written += n
	}
	return p
}

// cpuClock reports throughput per second of CPU time (user and system)
// besides the wall-clock MB/s: on a shared machine the wall clock counts
// the time other processes took, the CPU time only this one's.
type cpuClock struct {
	start float64
	bytes int64
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func startCPU(b *testing.B, bytes int64) *cpuClock {
	b.SetBytes(bytes)
	b.ReportAllocs()
	b.ResetTimer()
	return &cpuClock{start: cpuSeconds(), bytes: bytes}
}

func (c *cpuClock) stop(b *testing.B) {
	b.StopTimer()
	if s := cpuSeconds() - c.start; s > 0 {
		b.ReportMetric(float64(c.bytes)*float64(b.N)/1e6/s, "MB/cpu-s")
	}
}

func benchScan(b *testing.B, p string, workers int) {
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	clock := startCPU(b, st.Size())
	defer clock.stop(b)
	for i := 0; i < b.N; i++ {
		rep, err := Scan(context.Background(), Options{Paths: []string{p}, Workers: workers, Findings: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		if rep.RecordsAffected == 0 {
			b.Fatal("nothing found")
		}
	}
}

// BenchmarkScanCSV: one core, one CSV file, findings written.
func BenchmarkScanCSV(b *testing.B) {
	benchScan(b, benchCSV(b, b.TempDir(), 32<<20), 1)
}

// BenchmarkScanText: one core, free text (tickets and logs).
func BenchmarkScanText(b *testing.B) {
	benchScan(b, benchText(b, b.TempDir(), 16<<20), 1)
}

// BenchmarkScanCSVAllCores: the same CSV cut into chunks for every core.
func BenchmarkScanCSVAllCores(b *testing.B) {
	p := benchCSV(b, b.TempDir(), 128<<20)
	st, _ := os.Stat(p)
	clock := startCPU(b, st.Size())
	defer clock.stop(b)
	for i := 0; i < b.N; i++ {
		if _, err := Scan(context.Background(), Options{Paths: []string{p}, Workers: runtime.GOMAXPROCS(0), SplitSize: 16 << 20, Findings: io.Discard}); err != nil {
			b.Fatal(err)
		}
	}
}

// detectOnly reads a delimited file and runs the detectors on every cell,
// without counting, hashing or writing anything: the ceiling of
// BenchmarkScanCSV, measured in the same run.
type detectOnly struct {
	s     *pii.Scanner
	cols  map[int]pii.Column
	buf   []pii.Finding
	found int
}

func (d *detectOnly) Column(i int, name string, header bool) {
	d.cols[i] = d.s.ClassifyColumn(name, nil)
}

func (d *detectOnly) Row(r *extract.Row) {
	for _, c := range r.Cells {
		d.buf = d.s.Cell(d.cols[c.Col], c.Value, d.buf[:0])
		d.found += len(d.buf)
	}
}

func (d *detectOnly) End() {}

// BenchmarkDetectCSV: the CSV reader and the detectors alone, one core.
func BenchmarkDetectCSV(b *testing.B) {
	p := benchCSV(b, b.TempDir(), 32<<20)
	st, _ := os.Stat(p)
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	s := pii.New()
	dialect, _ := extract.SniffCSV(data[:64<<10], false, extract.Options{IsHeaderWord: func(f []byte) bool { return s.ClassifyColumn(string(f), nil).Category != "" }})
	clock := startCPU(b, st.Size())
	defer clock.stop(b)
	for i := 0; i < b.N; i++ {
		d := &detectOnly{s: s, cols: map[int]pii.Column{}}
		if err := extract.ReadCSV(context.Background(), bytes.NewReader(data), dialect, 1, dialect.Header, d, func(extract.Problem) {}, "", extract.Options{}); err != nil {
			b.Fatal(err)
		}
		if d.found == 0 {
			b.Fatal("nothing found")
		}
	}
}

// BenchmarkDetectText: the detectors alone on the text of BenchmarkScanText.
func BenchmarkDetectText(b *testing.B) {
	p := benchText(b, b.TempDir(), 16<<20)
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	s := pii.New()
	clock := startCPU(b, int64(len(data)))
	defer clock.stop(b)
	var buf []pii.Finding
	for i := 0; i < b.N; i++ {
		for rest := data; len(rest) > 0; {
			line := rest
			if j := bytes.IndexByte(rest, '\n'); j >= 0 {
				line, rest = rest[:j], rest[j+1:]
			} else {
				rest = nil
			}
			buf = s.Text(line, buf[:0])
		}
	}
}
