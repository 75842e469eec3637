package extract

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/xuri/excelize/v2"
)

type entry struct {
	name string
	data []byte
}

func zipBytes(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		f, err := w.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(e.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tarGzBytes(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o600, Size: int64(len(e.data)), Typeflag: tar.TypeReg})
		tw.Write(e.data)
	}
	tw.Close()
	gz.Close()
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func extractFile(t testing.TB, p string, o Options) *recorder {
	t.Helper()
	rec := &recorder{}
	if err := New(o).File(context.Background(), p, rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestArchivesNested(t *testing.T) {
	dir := t.TempDir()
	inner := zipBytes(t, entry{"a.txt", []byte("bonjour\n")})
	tgz := tarGzBytes(t, entry{"./data/b.ndjson", []byte("{\"email\":\"a@b.fr\"}\n")}, entry{"c.csv", []byte("nom;tel\nDupont;0612345678\n")})
	p := writeFile(t, dir, "dump.zip", zipBytes(t,
		entry{"export/users.csv", []byte("nom;email\nDupont;d@x.fr\n")},
		entry{"inner.zip", inner},
		entry{"logs.tar.gz", tgz},
		entry{"app.log.gz", gzBytes(t, []byte("line one\n"))},
	))
	rec := extractFile(t, p, testOptions())
	want := []string{
		p + " (zip)",
		p + "!/app.log.gz (text)",
		p + "!/export/users.csv (csv)",
		p + "!/inner.zip (zip)",
		p + "!/inner.zip!/a.txt (text)",
		p + "!/logs.tar.gz (tar)",
		p + "!/logs.tar.gz!/c.csv (csv)",
		p + "!/logs.tar.gz!/data/b.ndjson (json)",
	}
	if got := rec.paths(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("documents\n got %q\nwant %q", got, want)
	}
	rows := strings.Join(rec.allRows(), "\n")
	for _, w := range []string{"users.csv#:2|nom=Dupont|email=d@x.fr", "b.ndjson#:1|email=a@b.fr", "c.csv#:2|nom=Dupont|tel=0612345678"} {
		if !strings.Contains(rows, w) {
			t.Errorf("missing row %q in\n%s", w, rows)
		}
	}
	if got := rec.doc(p + "!/inner.zip!/a.txt").lines; len(got) != 1 || got[0] != "1:0:bonjour" {
		t.Errorf("lines %q", got)
	}
	if len(rec.problems) > 0 {
		t.Errorf("problems %v", rec.problemText())
	}
}

func gzBytes(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func TestArchiveLimits(t *testing.T) {
	dir := t.TempDir()
	zeros := bytes.Repeat([]byte("0"), 4<<20)
	bomb := writeFile(t, dir, "bomb.zip", zipBytes(t, entry{"a.txt", zeros}, entry{"b.txt", zeros}, entry{"c.txt", []byte("c\n")}))
	nested := []byte("deep\n")
	name := "l0.txt"
	for i := 0; i < 6; i++ {
		nested = zipBytes(t, entry{name, nested})
		name = "l" + string(rune('1'+i)) + ".zip"
	}
	deep := writeFile(t, dir, "deep.zip", nested)
	gzBomb := writeFile(t, dir, "big.log.gz", gzBytes(t, zeros))
	tests := []struct {
		name string
		path string
		o    Options
		want string
	}{
		{"bytes", bomb, Options{MaxArchiveBytes: 5 << 20}, "archive limit reached"},
		{"depth", deep, Options{MaxDepth: 3}, "archive nesting too deep: more than 3 levels"},
		{"gzip bytes", gzBomb, Options{MaxArchiveBytes: 1 << 20}, "archive limit reached"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := extractFile(t, tc.path, tc.o)
			found := false
			for _, p := range rec.problems {
				if strings.Contains(p.Error(), tc.want) {
					found = true
					if !p.Skipped {
						t.Errorf("%v not marked skipped", p)
					}
				}
			}
			if !found {
				t.Fatalf("no problem %q in %q", tc.want, rec.problemText())
			}
		})
	}
}

func TestTextLines(t *testing.T) {
	long := strings.Repeat("é", 700) // 1400 bytes
	utf16le := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune("nom Léa\r\nsuite\r\n")) {
		utf16le = append(utf16le, byte(u), byte(u>>8))
	}
	tests := []struct {
		name  string
		in    []byte
		o     Options
		lines []string
	}{
		{"plain", []byte("a\nb\r\n\nc"), Options{}, []string{"1:0:a", "2:0:b", "3:0:", "4:0:c"}},
		{"latin-1", []byte("L\xe9a\n"), Options{}, []string{"1:0:Léa"}},
		{"long line in pieces", []byte(long + "\nz\n"), Options{MaxLine: 1000}, []string{"1:0:" + strings.Repeat("é", 500), "1:1000:" + strings.Repeat("é", 200), "2:0:z"}},
		{"utf-16", utf16le, Options{}, []string{"1:0:nom Léa", "2:0:suite"}},
		{"bom", []byte("\xef\xbb\xbfa\n"), Options{}, []string{"1:3:a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			if err := New(tc.o).Reader(context.Background(), "x.log", bytes.NewReader(tc.in), rec); err != nil {
				t.Fatal(err)
			}
			if got := rec.docs[0].lines; strings.Join(got, "\n") != strings.Join(tc.lines, "\n") {
				t.Errorf("lines\n got %q\nwant %q", got, tc.lines)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	tsv := "nom\tprenom\ttel\n" + strings.Repeat("Dupont\tJean\t0612345678\n", 6)
	tests := []struct {
		name string
		head string
		want Format
	}{
		{"export.txt", tsv, FormatCSV},
		{"notes.txt", "Bonjour,\nje suis Jean.\n", FormatText},
		{"app.log", tsv, FormatText},
		{"data", `[{"a":1}]`, FormatJSON},
		{"dump", "-- MySQL dump\nINSERT INTO t VALUES (1);\n", FormatSQL},
		{"x.csv", "a\n", FormatCSV},
		{"x.bin", "\x00\x01\x02", FormatBinary},
		{"x.pdf", "%PDF-1.7\n", FormatPDF},
		{"book.xlsx", "PK\x03\x04rest", FormatXLSX},
		{"modèle.XLTX", "PK\x03\x04rest", FormatXLSX},
		{"modele.ots", "PK\x03\x04rest", FormatODS},
		{"any.name", "PK\x03\x04rest", FormatZip},
		{"any.name", "\x1f\x8brest", FormatGzip},
		{"any.name", "SQLite format 3\x00rest", FormatSQLite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sniff(tc.name, []byte(tc.head)); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
		})
	}
}

func TestSpreadsheets(t *testing.T) {
	dir := t.TempDir()
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"nom", "email", "naissance"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"Dupont", "d@x.fr", "12/05/1985"})
	x.SetSheetRow("Sheet1", "A4", &[]any{"Durand", "", "01/01/1990"})
	// Dates as Excel keeps them, serial numbers with a date format: the
	// built-in short date (14) and date and time (22) read as ISO dates,
	// not as the m-d-yy they would show in the United States; a format
	// of the workbook's own as it says.
	for i, f := range []struct {
		numFmt int
		custom string
	}{{14, ""}, {22, ""}, {0, "dd/mm/yyyy"}} {
		cell := fmt.Sprintf("C%d", 5+i)
		x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", 5+i), &[]any{"Petit"})
		setFormatted(t, x, cell, 31179.3541666667, f.numFmt, f.custom) // 12 May 1985, 08:30
	}
	x.NewSheet("Données")
	x.SetSheetRow("Données", "A1", &[]any{"Martin", "0612345678"})
	xlsx := filepath.Join(dir, "a.xlsx")
	if err := x.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	content := `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>
<table:table table:name="Usagers">
<table:table-row><table:table-cell office:value-type="string"><text:p>nom</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>tel</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Du<text:s text:c="2"/>pont</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="612345678"/></table:table-row>
<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="1"/><table:table-cell office:value-type="string"><text:p>a</text:p><text:p>b</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>`
	ods := writeFile(t, dir, "b.ods", zipBytes(t, entry{"mimetype", []byte("application/vnd.oasis.opendocument.spreadsheet")}, entry{"content.xml", []byte(content)}))
	nested := writeFile(t, dir, "c.zip", zipBytes(t, entry{"in/b.ods", mustRead(t, ods)}))

	rec := extractFile(t, xlsx, testOptions())
	want := []string{
		xlsx + "#Sheet1:2|nom=Dupont|email=d@x.fr|naissance=12/05/1985",
		xlsx + "#Sheet1:4|nom=Durand|naissance=01/01/1990",
		xlsx + "#Sheet1:5|nom=Petit|naissance=1985-05-12",
		xlsx + "#Sheet1:6|nom=Petit|naissance=1985-05-12 08:30",
		xlsx + "#Sheet1:7|nom=Petit|naissance=12/05/1985",
		xlsx + "#Données:1|#1=Martin|#2=0612345678",
	}
	if got := rec.allRows(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("xlsx rows\n got %q\nwant %q", got, want)
	}
	rec = extractFile(t, nested, testOptions())
	want = []string{
		nested + "!/in/b.ods#Usagers:2|nom=Du  pont|tel=612345678",
		nested + "!/in/b.ods#Usagers:1048003|tel=a\nb",
	}
	if got := rec.allRows(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ods rows\n got %q\nwant %q", got, want)
	}
	if len(rec.problems) > 0 {
		t.Errorf("problems %v", rec.problemText())
	}
}

// setFormatted sets a number in a Sheet1 cell with a built-in number
// format, or the workbook's own code when custom is set.
func setFormatted(t testing.TB, x *excelize.File, cell string, value any, builtin int, custom string) {
	t.Helper()
	x.SetCellValue("Sheet1", cell, value)
	style := &excelize.Style{NumFmt: builtin}
	if custom != "" {
		style.CustomNumFmt = &custom
	}
	id, err := x.NewStyle(style)
	if err != nil {
		t.Fatal(err)
	}
	x.SetCellStyle("Sheet1", cell, cell, id)
}

func mustRead(t testing.TB, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSQLite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "app.data")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE usagers (id INTEGER PRIMARY KEY, nom TEXT, nir TEXT, naissance DATE, photo BLOB)`,
		`INSERT INTO usagers VALUES (1, 'Dupont', '185057512345678', '1985-05-12', x'00ff')`,
		`INSERT INTO usagers VALUES (2, NULL, NULL, NULL, NULL)`,
		`CREATE TABLE "odd ""name""" (x TEXT)`,
		`INSERT INTO "odd ""name""" VALUES ('a@b.fr')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	rec := extractFile(t, p, testOptions())
	want := []string{
		p + `#odd "name":1|x=a@b.fr`,
		p + "#usagers:1|id=1|nom=Dupont|nir=185057512345678|naissance=1985-05-12",
		p + "#usagers:2|id=2",
	}
	got := rec.allRows()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
	// The same file given as a DSN.
	for _, dsn := range []string{p, "sqlite://" + p, "sqlite:" + p} {
		d, err := ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		if err := New(testOptions()).Database(context.Background(), d, rec); err != nil {
			t.Fatal(err)
		}
		if n := len(rec.allRows()); n != 3 {
			t.Errorf("%s: %d rows", dsn, n)
		}
	}
}

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn, driver, display string
		err                  bool
	}{
		{"postgres://u:secret@h:5432/db?sslmode=disable", "pgx", "postgres://u:xxxxx@h:5432/db?sslmode=disable", false},
		{"mysql://u:secret@h/db", "mysql", "mysql://u:xxxxx@h/db", false},
		{"mysql://u@h", "", "", true},
		{"oracle://x", "", "", true},
		{"/var/db/app.sqlite", "sqlite", "/var/db/app.sqlite", false},
	}
	for _, tc := range tests {
		t.Run(tc.dsn, func(t *testing.T) {
			d, err := ParseDSN(tc.dsn)
			if (err != nil) != tc.err {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				if strings.Contains(err.Error(), "secret") {
					t.Fatal("error shows the password")
				}
				return
			}
			if d.Driver != tc.driver || d.Display != tc.display {
				t.Errorf("got %+v", d)
			}
			if tc.driver == "mysql" && !strings.Contains(d.DSN, "tcp(h:3306)/db") {
				t.Errorf("mysql DSN %q", d.DSN)
			}
		})
	}
}

// TestOpenZipInflaters: members read one after the other share an
// inflater; members open at once each have their own.
func TestOpenZipInflaters(t *testing.T) {
	data := zipBytes(t, entry{"a", bytes.Repeat([]byte("alpha "), 5000)}, entry{"b", bytes.Repeat([]byte("bravo "), 7000)}, entry{"c", []byte("charlie")})
	zr, err := openZip(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(rc io.ReadCloser) string {
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := []string{strings.Repeat("alpha ", 5000), strings.Repeat("bravo ", 7000), "charlie"}
	for round := 0; round < 2; round++ {
		for i, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			if got := read(rc); got != want[i] {
				t.Fatalf("member %d: %d bytes", i, len(got))
			}
			rc.Close()
		}
	}
	// Two open at once, read interleaved.
	ra, _ := zr.File[0].Open()
	rb, _ := zr.File[1].Open()
	head := make([]byte, 6)
	io.ReadFull(ra, head)
	if got := read(rb); got != want[1] {
		t.Fatalf("b read while a is open: %d bytes", len(got))
	}
	if got := string(head) + read(ra); got != want[0] {
		t.Fatalf("a: %d bytes", len(got))
	}
	ra.Close()
	rb.Close()
}

// lazyXZ starts its xz stream at its first write: zip.Writer makes a
// member's compressor before it writes the member's header, and
// ulikunitz/xz's writer writes its stream header at once.
type lazyXZ struct {
	w  io.Writer
	xw *xz.Writer
}

func (l *lazyXZ) Write(b []byte) (int, error) {
	if l.xw == nil {
		xw, err := xz.NewWriter(l.w)
		if err != nil {
			return 0, err
		}
		l.xw = xw
	}
	return l.xw.Write(b)
}

func (l *lazyXZ) Close() error {
	if l.xw == nil {
		l.Write(nil)
	}
	return l.xw.Close()
}

// Zips written by 7-Zip with its other methods: bzip2, LZMA and
// Deflate64 read as the files they were made from, PPMd reported by
// name; and members packed with xz and Zstandard (zip methods 95 and 93,
// which WinZip writes) by their reference encoders' libraries.
func TestZipMethods(t *testing.T) {
	dir := filepath.Join("testdata", "zipmethods")
	orig := map[string]string{"contacts.vcf": filepath.Join("testdata", "vcard", "contacts.vcf"), "annuaire.ldif": filepath.Join("testdata", "ldif", "annuaire.ldif")}
	tmp := t.TempDir()
	for _, m := range []uint16{zipXZ, zipZstd} {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		zw.RegisterCompressor(zipXZ, func(w io.Writer) (io.WriteCloser, error) { return &lazyXZ{w: w}, nil })
		zw.RegisterCompressor(zipZstd, func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) })
		for member, op := range orig {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: member, Method: m})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(mustRead(t, op))
		}
		zw.Close()
		writeFile(t, tmp, fmt.Sprintf("method-%d.zip", m), b.Bytes())
	}
	for _, p := range []string{filepath.Join(dir, "BZip2.zip"), filepath.Join(dir, "LZMA.zip"), filepath.Join(dir, "Deflate64.zip"), filepath.Join(tmp, "method-95.zip"), filepath.Join(tmp, "method-93.zip")} {
		name := filepath.Base(p)
		rec := extractFile(t, p, testOptions())
		if len(rec.problems) > 0 {
			t.Errorf("%s: problems %v", name, rec.problemText())
		}
		for member, op := range orig {
			if got, want := rec.doc(p+"!/"+member), extractFile(t, op, testOptions()).doc(op); got == nil || got.whole() != want.whole() {
				t.Errorf("%s!/%s: documents %v", name, member, rec.paths())
			}
		}
	}
	for name, method := range map[string]string{"PPMd.zip": "PPMd"} {
		rec := extractFile(t, filepath.Join(dir, name), testOptions())
		probs := rec.problemText()
		if len(probs) != 2 || !rec.problems[0].Skipped || !strings.HasSuffix(probs[0], "unsupported: a zip member compressed with "+method+"; not read") {
			t.Errorf("%s: problems %q", name, probs)
		}
	}
}
