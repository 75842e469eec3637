package breach

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

// TestPeakRSS scans a generated CSV of TOCSIN_BREACH_RSS_BYTES bytes (for
// instance 1073741824) on every core and reports the peak resident size
// of the scan, which must stay bounded whatever the file size: readers
// stream, chunks are recycled, and past the hash budget the distinct
// counts turn into fixed-size sketches. Skipped unless the variable is set:
//
//	TOCSIN_BREACH_RSS_BYTES=1073741824 go test -count=1 -run PeakRSS -v ./internal/breach/
func TestPeakRSS(t *testing.T) {
	size, _ := strconv.ParseInt(os.Getenv("TOCSIN_BREACH_RSS_BYTES"), 10, 64)
	if size <= 0 {
		t.Skip("set TOCSIN_BREACH_RSS_BYTES to run")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/status")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "usagers.csv")
	rows := writeUniqueCSV(t, p, size)
	runtime.GC()
	// Reset the peak so that it measures the scan, not the generation.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak RSS (%v): it includes the generation", err)
	}
	before := procStatus(t, "VmHWM")
	start := time.Now()
	rep, err := Scan(context.Background(), Options{Paths: []string{p}, Findings: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	peak := procStatus(t, "VmHWM")
	t.Logf("%d bytes, %d rows in %v (%.0f MB/s on %d cores); peak RSS %d MiB (before the scan: %d MiB)",
		size, rows, elapsed.Round(time.Millisecond), float64(size)/1e6/elapsed.Seconds(), runtime.GOMAXPROCS(0), peak>>20, before>>20)
	t.Logf("people %d (exact %v), nir distinct %d (exact %v)", rep.People.Count, rep.People.Exact, rep.Category("nir").Distinct, rep.Category("nir").DistinctExact)
	if rep.Category("nir").Values != int64(rows) {
		t.Errorf("%d NIRs found, want %d", rep.Category("nir").Values, rows)
	}
	if d := float64(rep.People.Count-int64(rows)) / float64(rows); d > 0.03 || d < -0.03 {
		t.Errorf("%d people, want about %d", rep.People.Count, rows)
	}
	if limit := int64(512 << 20); peak > limit {
		t.Errorf("peak RSS %d MiB over %d MiB", peak>>20, limit>>20)
	}
}

// writeUniqueCSV writes rows of distinct people (NIR, e-mail and phone
// made from the row number) until the file reaches size bytes.
func writeUniqueCSV(t *testing.T, p string, size int64) int {
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	ids := corpus.Identities(1, 512)
	given := pii.GivenNames()
	w.WriteString("nom;prenom;date_naissance;num_secu;telephone;courriel;ville\n")
	var line []byte
	var written int64
	n := 0
	for ; written < size; n++ {
		// Names and dates of birth vary with n too: rows that shared both
		// would rightly count as one person.
		id := ids[n%len(ids)]
		id.Given = given[(n/len(ids))%len(given)]
		id.BirthD, id.BirthM, id.BirthY = 1+n%28, 1+(n/28)%12, 1930+(n/336)%90
		// NIR: sex, year, month, département 75, commune and order from n.
		body := fmt.Sprintf("%d%02d%02d75%06d", 1+n%2, id.BirthY%100, id.BirthM, n%1000000)
		body = body[:13]
		if n >= 1000000 {
			body = body[:7] + fmt.Sprintf("%06d", n%1000000)
			body = fmt.Sprintf("%d%02d%02d%02d", 1+n%2, (id.BirthY+n/1000000)%100, id.BirthM, 1+(n/1000000)%95) + body[7:]
		}
		line = line[:0]
		line = append(line, id.Surname...)
		line = append(line, ';')
		line = append(line, id.Given...)
		line = fmt.Appendf(line, ";%02d/%02d/%04d;%s%02d;06%08d;", id.BirthD, id.BirthM, id.BirthY, body, corpus.NIRKey(body), n%100000000)
		line = append(line, bytes.ToLower([]byte(id.Given))...)
		line = fmt.Appendf(line, ".%d@example.fr;%s\n", n, id.Commune)
		w.Write(line)
		written += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return n
}

func procStatus(t *testing.T, key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte(key+":")) {
			f := bytes.Fields(line[len(key)+1:])
			v, _ := strconv.ParseInt(string(f[0]), 10, 64)
			return v << 10 // kB
		}
	}
	t.Fatalf("no %s in /proc/self/status", key)
	return 0
}
