package breach

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/xuri/excelize/v2"

	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/pii"
)

// TestFindingsOffsets: each finding's line and byte offsets point at the
// value in the file as stored (UTF-8 or Windows-1252, quoted or not).
func TestFindingsOffsets(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.csv":  "nom;courriel;tel\n\"Du;pont\";\"jean.dupont@example.fr\";06 12 34 56 78\nL\xe9a;lea@example.fr;+33 7 12 34 56 78\n",
		"b.log":  "2024-01-01 login user=jean.dupont@example.fr from 192.0.2.10\nL\xe9a appelle le 06 12 34 56 78\n",
		"c.json": "[\n {\"courriel\": \"lea@example.fr\",\n  \"tel\": \"0612345678\"},\n {\"note\": \"L\xe9a \xe0 rappeler au 06 12 34 56 78\", \"nom\": \"L\xe9a\"}\n]\n",
		"d.sql":  "INSERT INTO t (courriel, tel) VALUES\n('jean.dupont@example.fr', '0612345678'),\n('lea@example.fr', '0712345678'),\n('L\xe9a \xe0 rappeler', 'L\xe9a : 06 12 34 56 78');\n",
	}
	for name, content := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600)
	}
	var out bytes.Buffer
	if _, err := Scan(context.Background(), Options{Paths: []string{dir}, Findings: &out}); err != nil {
		t.Fatal(err)
	}
	checked := 0
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var f struct {
			Path     string `json:"path"`
			Line     int    `json:"line"`
			Start    int    `json:"start"`
			End      int    `json:"end"`
			Category string `json:"category"`
		}
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		if f.Category != "email" && f.Category != "phone" {
			continue
		}
		content := files[filepath.Base(f.Path)]
		lines := strings.Split(content, "\n")
		// A row spanning lines counts from its first line.
		rest := strings.Join(lines[f.Line-1:], "\n")
		if f.End > len(rest) || f.Start >= f.End {
			t.Fatalf("%s: offsets %d..%d out of line %d", f.Path, f.Start, f.End, f.Line)
		}
		v := rest[f.Start:f.End]
		ok := strings.Contains(v, "@")
		if f.Category == "phone" {
			ok = strings.HasPrefix(v, "0") || strings.HasPrefix(v, "+33")
		}
		if !ok {
			t.Errorf("%s:%d %d..%d points at %q for %s", f.Path, f.Line, f.Start, f.End, v, f.Category)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d findings checked", checked)
	}
}

func TestScanDatabaseAndProblems(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "app.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`CREATE TABLE contacts (courriel TEXT, telephone TEXT)`)
	db.Exec(`INSERT INTO contacts VALUES ('jean.dupont@example.fr', '0612345678')`)
	db.Close()
	var problems []ProblemEntry
	var progress atomic.Int32
	rep, err := Scan(context.Background(), Options{
		Paths:    []string{filepath.Join(dir, "missing.csv")},
		DSNs:     []string{"sqlite://" + dbPath, "oracle://nope"},
		Problem:  func(p ProblemEntry) { problems = append(problems, p) },
		Progress: func(p Progress) { progress.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Category("email").Values != 1 || rep.Category("phone").Values != 1 {
		t.Errorf("categories %+v", rep.Categories)
	}
	if len(rep.Locations) != 1 || rep.Locations[0].Table != "contacts" || rep.Locations[0].Format != "database" {
		t.Errorf("locations %+v", rep.Locations)
	}
	if len(problems) != 2 || len(rep.Problems) != 2 || rep.Scanned.Errors != 2 {
		t.Fatalf("problems %+v", problems)
	}
	if progress.Load() == 0 {
		t.Error("no progress reported")
	}
}

// TestScanCancel: a cancelled scan stops and says so.
func TestScanCancel(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 200000; i++ {
		b.WriteString("jean.dupont@example.fr 06 12 34 56 78\n")
	}
	for i := 0; i < 4; i++ {
		os.WriteFile(filepath.Join(dir, "f"+string(rune('a'+i))+".log"), []byte(b.String()), 0o600)
	}
	for _, when := range []string{"before", "during"} {
		t.Run(when, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			o := Options{Paths: []string{dir}, SplitSize: 1 << 20, ChunkSize: 1 << 18}
			if when == "before" {
				cancel()
			} else {
				// The first progress report cancels: the scan is well
				// under way, far from done.
				o.ProgressEvery = time.Millisecond
				o.Progress = func(Progress) { cancel() }
			}
			if _, err := Scan(ctx, o); !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestScanNoInput(t *testing.T) {
	if _, err := Scan(context.Background(), Options{}); !errors.Is(err, ErrNoInput) {
		t.Fatalf("err %v", err)
	}
}

// TestFindingsLines: every finding line is exactly the documented JSON
// object, with the path, line, table and column of its own record, also
// where two files have findings on the same line number.
func TestFindingsLines(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("courriel;tel\nlea@example.fr;0612345678\njean@example.fr;0712345678\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "b.log"), []byte("ok\nok\nmail lea@example.fr\n"), 0o600)
	var out bytes.Buffer
	if _, err := Scan(context.Background(), Options{Paths: []string{dir}, Findings: &out, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	type line struct {
		Path       string  `json:"path"`
		Line       int     `json:"line"`
		Start      int     `json:"start"`
		End        int     `json:"end"`
		Category   string  `json:"category"`
		Confidence float64 `json:"confidence"`
		Column     string  `json:"column"`
	}
	got := map[string]line{}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var f line
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		f.Path = filepath.Base(f.Path)
		got[fmt.Sprintf("%s:%d:%d", f.Path, f.Line, f.Start)] = f
	}
	want := []line{
		{"a.csv", 2, 0, 14, "email", 0.99, "courriel"},
		{"a.csv", 2, 15, 25, "phone", 0.99, "tel"},
		{"a.csv", 3, 0, 15, "email", 0.99, "courriel"},
		{"a.csv", 3, 16, 26, "phone", 0.99, "tel"},
		{"b.log", 3, 5, 19, "email", 0.97, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d findings, want %d:\n%s", len(got), len(want), out.String())
	}
	for _, w := range want {
		k := fmt.Sprintf("%s:%d:%d", w.Path, w.Line, w.Start)
		if got[k] != w {
			t.Errorf("%s: got %+v, want %+v", k, got[k], w)
		}
	}
}

// TestRepeatedValues: in a column of no category, a value repeated on
// every row is reported on every row when it holds personal data, and
// repeated empty values hide nothing that follows them.
func TestRepeatedValues(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("statut;note\n")
	for i := 0; i < 500; i++ {
		note := "rappeler le 06 12 34 56 78"
		if i%2 == 1 {
			note = "Colissimo"
		}
		status := "livrée"
		if i == 499 {
			status = "jean.dupont@example.fr"
		}
		fmt.Fprintf(&b, "%s;%s\n", status, note)
	}
	os.WriteFile(filepath.Join(dir, "t.csv"), []byte(b.String()), 0o600)
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range rep.Categories {
		got[c.Category] = c.Values
	}
	if got["phone"] != 250 || got["email"] != 1 {
		t.Fatalf("phones %d (want 250), e-mails %d (want 1)", got["phone"], got["email"])
	}
}

// TestSplitMatchesWhole: a file cut into chunks scanned by several
// workers yields the same findings, line numbers and offsets included,
// and the same counts as the file scanned whole by one worker.
func TestSplitMatchesWhole(t *testing.T) {
	dir := t.TempDir()
	orders, text := benchOrdersCSV(t, dir, 256<<10), benchText(t, dir, 256<<10)
	mbox := filepath.Join(dir, "boite.mbox")
	writeMbox(t, mbox, 1500)
	tests := []struct {
		name string
		path string
	}{
		{"orders csv", orders},
		{"text", text},
		{"orders csv, gzip", compressTo(t, orders, ".gz")},
		{"text, xz", compressTo(t, text, ".xz")},
		{"orders csv, zstd", compressTo(t, orders, ".zst")},
		{"mbox", mbox},
		{"mbox, gzip", compressTo(t, mbox, ".gz")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scan := func(o Options) (*Report, []string) {
				var out bytes.Buffer
				o.Paths, o.Findings = []string{tc.path}, &out
				rep, err := Scan(context.Background(), o)
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
				sort.Strings(lines)
				return rep, lines
			}
			whole, wantLines := scan(Options{Workers: 1})
			split, gotLines := scan(Options{Workers: 2, SplitSize: 1, ChunkSize: 32 << 10})
			if split.Scanned.Documents != whole.Scanned.Documents || whole.Scanned.Records != split.Scanned.Records {
				t.Fatalf("%d documents, %d records; whole: %d, %d", split.Scanned.Documents, split.Scanned.Records, whole.Scanned.Documents, whole.Scanned.Records)
			}
			if len(gotLines) != len(wantLines) || len(wantLines) < 1000 {
				t.Fatalf("%d findings split, %d whole", len(gotLines), len(wantLines))
			}
			for i := range wantLines {
				if gotLines[i] != wantLines[i] {
					t.Fatalf("finding %d: split %s, whole %s", i, gotLines[i], wantLines[i])
				}
			}
			for _, c := range whole.Categories {
				if s := split.Category(c.Category); s.Values != c.Values || s.Distinct != c.Distinct || s.Records != c.Records {
					t.Errorf("%s: split %+v, whole %+v", c.Category, s, c)
				}
			}
			if !reflect.DeepEqual(split.People, whole.People) {
				t.Errorf("people: split %+v, whole %+v", split.People, whole.People)
			}
		})
	}
}

// compressTo writes a copy of the file at path compressed by the format
// of suffix (.gz, .xz, .zst), and returns its path.
func compressTo(t *testing.T, path, suffix string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	var w io.WriteCloser
	switch suffix {
	case ".gz":
		w = gzip.NewWriter(&b)
	case ".xz":
		if w, err = xz.NewWriter(&b); err != nil {
			t.Fatal(err)
		}
	case ".zst":
		if w, err = zstd.NewWriter(&b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Write(data); err != nil || w.Close() != nil {
		t.Fatal(err)
	}
	out := path + suffix
	if err := os.WriteFile(out, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSplitCompressed: a big compressed table or log is decompressed as
// its chunks are scanned by the workers, in as many chunks as the same
// file uncompressed; a tarball is left to the whole-file path. An mbox is
// cut too (between messages).
func TestSplitCompressed(t *testing.T) {
	dir := t.TempDir()
	orders := benchOrdersCSV(t, dir, 256<<10)
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	data, _ := os.ReadFile(orders)
	tw.WriteHeader(&tar.Header{Name: "orders.csv", Mode: 0o600, Size: int64(len(data))})
	tw.Write(data)
	tw.Close()
	tgz := filepath.Join(dir, "export.tar")
	if err := os.WriteFile(tgz, tarball.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	tgz = compressTo(t, tgz, ".gz")
	chunks := func(path string) (int, bool) {
		o := Options{Workers: 2, SplitSize: 1, ChunkSize: 32 << 10}
		s := &scan{o: o, pii: pii.New(), ex: extract.New(extract.Options{}), chunks: make(chan []byte, 1)}
		s.chunks <- nil
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		split, err := s.trySplit(context.Background(), inputFile{path, st.Size()}, func(j job) error {
			n++
			s.chunks <- j.chunk.c.Data[:0]
			return nil
		}, newRedactor(s.pii))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.read.Load(); split && got != st.Size() {
			t.Errorf("%s: progress counted %d bytes of %d", path, got, st.Size())
		}
		return n, split
	}
	want, _ := chunks(orders)
	mbox := filepath.Join(dir, "boite.mbox")
	writeMbox(t, mbox, 500)
	if n, split := chunks(mbox); !split || n < 4 {
		t.Errorf("an mbox: split %v in %d chunks", split, n)
	}
	for _, suffix := range []string{".gz", ".xz", ".zst"} {
		p := compressTo(t, orders, suffix)
		if n, split := chunks(p); !split || n != want || n < 4 {
			t.Errorf("%s: split %v in %d chunks, want %d", p, split, n, want)
		}
	}
	if n, split := chunks(tgz); split || n != 0 {
		t.Errorf("a tarball: split %v in %d chunks", split, n)
	}
	// Left to the whole-file path, which reports them: a stream that
	// holds nothing, and one broken from its first block.
	empty := filepath.Join(dir, "vide.csv")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	gz, _ := os.ReadFile(compressTo(t, orders, ".gz"))
	broken := filepath.Join(dir, "casse.csv.gz")
	if err := os.WriteFile(broken, append(gz[:10:10], bytes.Repeat([]byte{0xFF}, 4096)...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{compressTo(t, empty, ".gz"), broken} {
		if n, split := chunks(p); split || n != 0 {
			t.Errorf("%s: split %v in %d chunks", p, split, n)
		}
	}
}

// TestSplitCompressedProblems: a compressed stream cut short, or that
// expands past the bound, is reported as a reader of the whole file
// reports it, with what came before it scanned.
func TestSplitCompressedProblems(t *testing.T) {
	dir := t.TempDir()
	gz := compressTo(t, benchOrdersCSV(t, dir, 512<<10), ".gz")
	data, _ := os.ReadFile(gz)
	cut := filepath.Join(dir, "coupe.csv.gz")
	if err := os.WriteFile(cut, data[:len(data)*2/3], 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		limit      int64
	}{
		{"cut short", cut, 0},
		{"past the bound", gz, 300 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scan := func(o Options) *Report {
				o.Paths, o.Extract.MaxArchiveBytes = []string{tc.path}, tc.limit
				rep, err := Scan(context.Background(), o)
				if err != nil {
					t.Fatal(err)
				}
				return rep
			}
			whole, split := scan(Options{Workers: 1}), scan(Options{Workers: 2, SplitSize: 1, ChunkSize: 32 << 10})
			if len(whole.Problems) != 1 || !reflect.DeepEqual(split.Problems, whole.Problems) {
				t.Fatalf("problems: split %+v, whole %+v", split.Problems, whole.Problems)
			}
			if split.Scanned.Records != whole.Scanned.Records || split.Scanned.Bytes != whole.Scanned.Bytes ||
				split.Scanned.Skipped != whole.Scanned.Skipped || split.Scanned.Errors != whole.Scanned.Errors || whole.Scanned.Records < 1000 {
				t.Errorf("scanned: split %+v, whole %+v", split.Scanned, whole.Scanned)
			}
		})
	}
}

func TestChunkSize(t *testing.T) {
	tests := []struct {
		name    string
		size    int64
		workers int
		max     int
		want    int
	}{
		{"32 MB on 2 cores: 4 chunks", 32 << 20, 2, 8 << 20, 8 << 20},
		{"16 MB on 2 cores: 4 chunks", 16 << 20, 2, 8 << 20, 4 << 20},
		{"1 GB: the bound", 1 << 30, 4, 8 << 20, 8 << 20},
		{"small file: 1 MiB", 3 << 20, 8, 8 << 20, 1 << 20},
		{"bound below 1 MiB", 3 << 20, 8, 4096, 4096},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := chunkSize(tc.size, tc.workers, tc.max); got != tc.want {
				t.Fatalf("chunkSize(%d, %d, %d) = %d, want %d", tc.size, tc.workers, tc.max, got, tc.want)
			}
		})
	}
}

// TestFolderMatchesFiles: a worker scanning a folder of small tables one
// after another (their held rows and shape tables in buffers passed on
// from table to table) finds in each what a scan of that file alone
// finds.
func TestFolderMatchesFiles(t *testing.T) {
	dir := benchSmallFiles(t, t.TempDir(), 40, 15)
	// Tables of another shape between them, one long enough to be
	// classified before its end.
	var b strings.Builder
	b.WriteString("iban;note;ville\n")
	for i := range 100 {
		fmt.Fprintf(&b, "FR76 3000 6000 0112 3456 7890 189;rappeler au 06 12 34 56 %02d;Lyon\n", i)
	}
	os.WriteFile(filepath.Join(dir, "commandes-0005b.csv"), []byte(b.String()), 0o600)
	os.WriteFile(filepath.Join(dir, "commandes-0020b.csv"), []byte("nom;courriel\nDupont;jean.dupont@example.fr\n"), 0o600)
	// Codes whose shape a first table trusts, then a table where a phone
	// number has that shape among too few codes to trust it.
	b.Reset()
	b.WriteString("ref\n")
	for i := range 100 {
		fmt.Fprintf(&b, "00000%05d\n", i*7)
	}
	os.WriteFile(filepath.Join(dir, "0-codes.csv"), []byte(b.String()), 0o600)
	os.WriteFile(filepath.Join(dir, "1-codes.csv"), []byte("ref\n0000000001\n0000000002\n0000000003\n0000000004\n0612345678\n0000000005\n"), 0o600)
	findings := func(paths ...string) []string {
		var out bytes.Buffer
		if _, err := Scan(context.Background(), Options{Paths: paths, Workers: 1, Findings: &out}); err != nil {
			t.Fatal(err)
		}
		return strings.FieldsFunc(out.String(), func(r rune) bool { return r == '\n' })
	}
	entries, _ := os.ReadDir(dir)
	var want []string
	for _, e := range entries {
		want = append(want, findings(filepath.Join(dir, e.Name()))...)
	}
	got := findings(dir)
	sort.Strings(want)
	sort.Strings(got)
	if len(got) != len(want) || len(want) < 40*15*4 {
		t.Fatalf("%d findings in the folder, %d file by file", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("finding %d: folder %s, file alone %s", i, got[i], want[i])
		}
	}
}

// TestXLSXDateCells: dates of birth kept by a workbook as dates (serial
// numbers with the built-in short date format, as Excel writes a typed
// date) are found, whatever the locale the format would show them in;
// and phone numbers kept as numbers, whose leading zero only the cell's
// format shows.
func TestXLSXDateCells(t *testing.T) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"nom", "date_naissance", "portable", "date_de_naissance"})
	style, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	code := "0#########"
	phone, err := x.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		t.Fatal(err)
	}
	// And dates shown with month names, which no date reader of every
	// language knows.
	named := "d mmmm yyyy"
	long, err := x.NewStyle(&excelize.Style{CustomNumFmt: &named})
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 11; i++ {
		x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i), &[]any{"Dupont", 25000 + 97*i, 612345600 + i, 26000 + 97*i}) // 1968 to 1974
		x.SetCellStyle("Sheet1", fmt.Sprintf("B%d", i), fmt.Sprintf("B%d", i), style)
		x.SetCellStyle("Sheet1", fmt.Sprintf("C%d", i), fmt.Sprintf("C%d", i), phone)
		x.SetCellStyle("Sheet1", fmt.Sprintf("D%d", i), fmt.Sprintf("D%d", i), long)
	}
	p := filepath.Join(t.TempDir(), "usagers.xlsx")
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), Options{Paths: []string{p}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Category(string(pii.DateOfBirth)).Values; got != 20 {
		t.Errorf("%d dates of birth, want 20", got)
	}
	if got := rep.Category(string(pii.Phone)).Values; got != 10 {
		t.Errorf("%d phone numbers, want 10", got)
	}
}

// TestSharedIdentifier: a town hall's switchboard in the signature of a
// thousand residents' e-mails does not make them one person, whether one
// worker reads the file or two read it in chunks.
func TestSharedIdentifier(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "De : resident%d@example.fr. Objet : demande d'acte. Mairie de Trifouilly, standard 01 23 45 67 89.\n", i)
	}
	path := filepath.Join(t.TempDir(), "courriels.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{Workers: 1}, {Workers: 2, SplitSize: 1, ChunkSize: 16 << 10}} {
		o.Paths = []string{path}
		rep, err := Scan(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if p := rep.People; p.Count < 1000-int64(o.Workers)*hubLinks || p.Count > 1001 || p.SharedIdentifiers != 1 || p.Records != 1000 {
			t.Errorf("%d workers: people %+v, want about 1000 and 1 shared identifier", o.Workers, p)
		}
		if k := rep.People.SharedByKind; len(k) != 1 || k["phone"] != 1 {
			t.Errorf("%d workers: shared by kind %v, want phone 1", o.Workers, k)
		}
		if c := rep.Category("phone"); c.Values != 1000 || c.Distinct != 1 {
			t.Errorf("phones %+v", c)
		}
	}
}

// TestOrganisationValues: an IBAN and an address repeated in every
// message, with a different person in each (a municipal office's
// signature), rate the scan as IBANs would, with a caveat that says what
// the rating would be without them; the same IBAN in one person's
// records, or an IBAN per person, gets none.
func TestOrganisationValues(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines func(i int) string) string {
		var b strings.Builder
		for i := range 300 {
			b.WriteString(lines(i))
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	signature := "Régie de Trifouilly, 1 place de la Mairie, 75001 Paris. IBAN de la régie : FR76 3000 6000 0112 3456 7890 189.\n"
	given := []string{"Jean", "Marie", "Luc", "Sophie", "Paul", "Claire", "Louis", "Emma", "Hugo", "Léa"}
	family := []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
		"Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
		"Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand"}
	shared := write("regie.log", func(i int) string {
		return fmt.Sprintf("De : %s %s, resident%d@example.fr.\n%s", given[i%10], family[i/10], i, signature)
	})
	mine := write("moi.log", func(i int) string {
		return "De : Jean Martin, jean.martin@example.fr.\n" + signature
	})
	rep, err := Scan(context.Background(), Options{Paths: []string{shared}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var caveat *Reason
	for i, r := range rep.Risk.Reasons {
		if r.Code == "repeated_values" {
			caveat = &rep.Risk.Reasons[i]
		}
	}
	if rep.Risk.Level != LevelHigh || caveat == nil {
		t.Fatalf("risk %+v", rep.Risk)
	}
	for _, want := range []string{"IBAN : 1 valeur dans 300 enregistrements", "Adresse postale : 1 valeur dans 300 enregistrements", "sans elles, la gravité serait de 1,5 (faible) et le niveau de risque faible"} {
		if !strings.Contains(caveat.FR, want) {
			t.Errorf("caveat %q lacks %q", caveat.FR, want)
		}
	}
	if !strings.Contains(caveat.EN, "IBAN: 1 value in 300 records") {
		t.Errorf("caveat %q", caveat.EN)
	}
	rep, err = Scan(context.Background(), Options{Paths: []string{mine}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Risk.Reasons {
		if r.Code == "repeated_values" {
			t.Errorf("one person's IBAN: %s", r.EN)
		}
	}
}
