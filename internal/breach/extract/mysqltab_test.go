package extract

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// What mariadb-dump --tab writes (testdata/mysqltab/make.sh): the data
// file beside its CREATE TABLE, on disk, in a zip or in a tar either way,
// is read as the table, its columns named, the escaped tab, line break
// and backslash undone, NULL no value, each row numbered by its first
// line; alone, it is delimited text.
func TestMySQLTab(t *testing.T) {
	p := filepath.Join("testdata", "mysqltab", "usagers.txt")
	rec := extractFile(t, p, testOptions())
	if len(rec.problems) > 0 {
		t.Fatalf("problems %v", rec.problemText())
	}
	want := []string{
		p + "#usagers:1|id=1|nom=Faure|prenom=Renée|courriel=renee.faure@exemple.fr|telephone=06 98 76 54 32|nir=1 85 05 78 006 084 91|naissance=1985-05-12|note=Rappeler Mme Faure au 06 98 76 54 32",
		p + "#usagers:2|id=2|nom=Martin|prenom=Jean|courriel=jean.martin@exemple.fr|telephone=0612345678|nir=2 92 05 70 858 151 89|naissance=1992-05-03|note=un\ttab, une\nligne, un \\ et rien après",
		p + "#usagers:4|id=3|nom=Durand|prenom=Luc",
	}
	if got := rec.allRows(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
	if d := rec.doc(p); d == nil || d.format != FormatSQL {
		t.Errorf("documents %v", rec.paths())
	}
	// The same folder in an archive: the same rows, under the member's path.
	archived := func(what, archive string) {
		t.Helper()
		rec := extractFile(t, archive, testOptions())
		var rows []string
		for _, r := range rec.allRows() {
			rows = append(rows, strings.Replace(r, archive+"!/dump/usagers.txt", p, 1))
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") || len(rec.problems) > 0 {
			t.Errorf("%s: rows\n%q\nproblems %v", what, rec.allRows(), rec.problemText())
		}
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, name := range []string{"dump/usagers.txt", "dump/usagers.sql"} {
		w, _ := zw.Create(name)
		w.Write(mustRead(t, filepath.Join("testdata", "mysqltab", path.Base(name))))
	}
	zw.Close()
	archived("zipped", writeFile(t, t.TempDir(), "dump.zip", zb.Bytes()))
	// Tarred, the script first or last (tar writes a folder in the order
	// the file system lists it).
	for _, order := range [][]string{{"dump/usagers.sql", "dump/usagers.txt"}, {"dump/usagers.txt", "dump/usagers.sql"}} {
		var tb bytes.Buffer
		tw := tar.NewWriter(&tb)
		for _, name := range order {
			data := mustRead(t, filepath.Join("testdata", "mysqltab", path.Base(name)))
			tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
			tw.Write(data)
		}
		tw.Close()
		archived(fmt.Sprintf("tarred %v", order), writeFile(t, t.TempDir(), "dump.tar", tb.Bytes()))
	}
	alone := writeFile(t, t.TempDir(), "usagers.txt", mustRead(t, p))
	if rec := extractFile(t, alone, testOptions()); rec.docs[0].format == FormatSQL {
		t.Error("a data file without its definition read as a dump")
	}
	// Beside a script that creates another table: not paired either.
	dir := t.TempDir()
	writeFile(t, dir, "usagers.sql", []byte("CREATE TABLE `autre` (`a` int);\n"))
	if rec := extractFile(t, writeFile(t, dir, "usagers.txt", mustRead(t, p)), testOptions()); rec.docs[0].format == FormatSQL {
		t.Error("paired with a script that does not create its table")
	}
}

// TestMySQLTabTarHeld: in a tar, a tab-separated .txt without its script
// waits, and is read as it would have been at the end; past the bound of
// what waits (a quarter of --max-archive-bytes, 256 MiB at most), it is
// read where it comes.
func TestMySQLTabTarHeld(t *testing.T) {
	tsv := strings.Repeat("Faure\t06 98 76 54 32\n", 50)
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, m := range []struct{ name, data string }{{"export/contacts.txt", tsv}, {"notes.txt", "Rappeler Mme Faure.\n"}} {
		tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg})
		tw.Write([]byte(m.data))
	}
	tw.Close()
	tp := writeFile(t, t.TempDir(), "export.tar", tb.Bytes())
	for _, tc := range []struct {
		name  string
		limit int64
		order []string
	}{
		{"held", 0, []string{"", "notes.txt", "export/contacts.txt"}},
		{"past the bound", 4 * int64(len(tsv)-1), []string{"", "export/contacts.txt", "notes.txt"}},
	} {
		o := testOptions()
		if tc.limit > 0 {
			o.MaxArchiveBytes = tc.limit
		}
		rec := extractFile(t, tp, o)
		if len(rec.problems) > 0 || len(rec.docs) != 3 {
			t.Fatalf("%s: documents %v, problems %v", tc.name, rec.paths(), rec.problemText())
		}
		for i, name := range tc.order[1:] {
			if d := rec.docs[i+1]; d.path != tp+"!/"+name || d.format == FormatSQL {
				t.Errorf("%s: document %d is %s (%s), want %s", tc.name, i+1, d.path, d.format, name)
			}
		}
		if d := rec.doc(tp + "!/export/contacts.txt"); d == nil || len(d.lines)+len(rec.allRows()) < 50 {
			t.Errorf("%s: the held file's lines %d, rows %d", tc.name, len(d.lines), len(rec.allRows()))
		}
	}
}

// The escapes OUTFILE writes and what is not UTF-8, each value where it
// starts; a value past MaxValue cut and reported once.
func TestMySQLTabEscapes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "t.sql", []byte("CREATE TABLE `t` (\n  `a` text,\n  `b` text,\n  `c` text\n);\n"))
	data := "x\\0y\t\\Nz\t\\Z\n" + // NUL, a value starting with N, Ctrl-Z
		"caf\xe9\t\\N\t\\\\N\n" + // Windows-1252, NULL, a backslash then N
		"a\tb\tc\td\n" + // a fourth field: a column of its own
		strings.Repeat("n", 300) + "\n" +
		"fin" // no last line break
	p := writeFile(t, dir, "t.txt", []byte(data))
	o := testOptions()
	o.MaxValue = 256
	rec := extractFile(t, p, o)
	want := []string{
		p + "#t:1|a=x\x00y|b=Nz|c=\x1a",
		p + "#t:2|a=café|c=\\N",
		p + "#t:3|a=a|b=b|c=c|#4=d",
		p + "#t:4|a=" + strings.Repeat("n", 256),
		p + "#t:5|a=fin",
	}
	if got := rec.allRows(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
	if probs := rec.problemText(); len(probs) != 1 || !strings.Contains(probs[0], "a field is longer than 256 bytes") {
		t.Errorf("problems %q", probs)
	}
	tb := rec.docs[0].tables[0]
	for i, c := range tb.cells {
		if tb.cellN[i] == 3 && string(c.Value) == "c" && c.Off != 4 {
			t.Errorf("offset of c: %d", c.Off)
		}
	}
	// A row past MaxLine is cut there, the rows after it read.
	writeFile(t, dir, "long.sql", []byte("CREATE TABLE `long` (`a` text, `b` text);\n"))
	lp := writeFile(t, dir, "long.txt", []byte(strings.Repeat("x", 150)+"\tb\nsuite\n"))
	o.MaxLine = 100
	rec = extractFile(t, lp, o)
	want = []string{lp + "#long:1|a=" + strings.Repeat("x", 100), lp + "#long:2|a=suite"}
	if got := rec.allRows(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
	if probs := rec.problemText(); len(probs) != 1 || !strings.Contains(probs[0], "a row is longer than 100 bytes") {
		t.Errorf("problems %q", probs)
	}
}

// TestMySQLTabLive: what the server's own mysqldump --tab writes now reads
// as its table. Required where TOCSIN_REQUIRE_SERVICES=1 (the server is
// local: it writes the data file itself).
func TestMySQLTabLive(t *testing.T) {
	dsn, db := mysqlTestDB(t)
	dump, err := exec.LookPath("mariadb-dump")
	if err != nil {
		if dump, err = exec.LookPath("mysqldump"); err != nil {
			t.Fatal("neither mariadb-dump nor mysqldump beside the server (apt-get install mariadb-server)")
		}
	}
	table := fmt.Sprintf("tocsin_tab_%d", time.Now().UnixNano())
	if _, err := db.Exec("CREATE TABLE " + table + " (nom VARCHAR(64), courriel VARCHAR(128), note TEXT)"); err != nil {
		t.Fatal(err)
	}
	defer db.Exec("DROP TABLE " + table)
	for i := range 2000 {
		if _, err := db.Exec("INSERT INTO "+table+" VALUES (?, ?, ?)", fmt.Sprintf("Nom%d", i), fmt.Sprintf("usager%d@exemple.fr", i), "ligne\tun\nligne deux\\"); err != nil {
			t.Fatal(err)
		}
	}
	// The server writes the data file, as its own user: into a folder it
	// can reach (t.TempDir's parent is closed to others).
	out, err := os.MkdirTemp("", "tocsin-tab-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(out) })
	if err := os.Chmod(out, 0o777); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := u.User.Password()
	var stderr bytes.Buffer
	cmd := exec.Command(dump, "--tab="+out, "-h", u.Hostname(), "-P", u.Port(), "-u", u.User.Username(), "-p"+pass, strings.TrimPrefix(u.Path, "/"), table)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", dump, err, stderr.String())
	}
	p := filepath.Join(out, table+".txt")
	rec := extractFile(t, p, testOptions())
	rows := rec.allRows()
	if len(rows) != 2000 || len(rec.problems) > 0 || rows[1999] != fmt.Sprintf("%s#%s:3999|nom=Nom1999|courriel=usager1999@exemple.fr|note=ligne\tun\nligne deux\\", p, table) {
		t.Fatalf("%d rows (last %q), problems %v", len(rows), rows[len(rows)-1], rec.problemText())
	}
	// The folder as GNU tar writes it, in the order the file system lists
	// it, the data file first or not.
	tgz := filepath.Join(t.TempDir(), "dump.tar.gz")
	if out, err := exec.Command("tar", "czf", tgz, "-C", out, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	rec = extractFile(t, tgz, testOptions())
	rows = rec.allRows()
	if len(rows) != 2000 || len(rec.problems) > 0 || !strings.HasSuffix(rows[1999], fmt.Sprintf("#%s:3999|nom=Nom1999|courriel=usager1999@exemple.fr|note=ligne\tun\nligne deux\\", table)) {
		t.Fatalf("tarred: %d rows, problems %v", len(rows), rec.problemText())
	}
}

// FuzzOutfile reads OUTFILE rows whatever their bytes: no panic, values
// within their cap, offsets within their row.
func FuzzOutfile(f *testing.F) {
	f.Add(mustRead(f, filepath.Join("testdata", "mysqltab", "usagers.txt")))
	f.Add([]byte("x\\0y\t\\Nz\t\\Z\ncaf\xe9\t\\N\t\\\\N\na\\\nb\tc\\"))
	f.Add(bytes.Repeat([]byte("\xe9"), 300)) // recoded past the cap
	f.Add(bytes.Repeat([]byte("€"), 100))    // cut inside a character
	f.Fuzz(func(t *testing.T, b []byte) {
		o := fuzzOptions(t)
		rec := &recorder{}
		d := rec.Begin("t.txt", FormatSQL)
		if err := readOutfile(context.Background(), bufio.NewReader(bytes.NewReader(b)), d, o, "t.txt", "t", []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		d.End(int64(len(b)))
		checkCellText(t, rec, o.MaxValue)
		for _, tb := range rec.docs[0].tables {
			for _, c := range tb.cells {
				if c.Off < 0 || c.Off > len(b) {
					t.Fatalf("offset %d out of %d bytes", c.Off, len(b))
				}
			}
		}
	})
}
