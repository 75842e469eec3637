package extract

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// What pg_dump -Fc writes (testdata/pgdump/make.sh: PostgreSQL 15's
// pg_dump, zlib, and -Z0): each table a table of its rows, COPY's escapes
// undone, a large object a document of its own.
func TestPGDump(t *testing.T) {
	for _, name := range []string{"usagers.dump", "usagers-z0.dump"} {
		p := filepath.Join("testdata", "pgdump", name)
		rec := extractFile(t, p, testOptions())
		if len(rec.problems) > 0 {
			t.Fatalf("%s: problems %v", name, rec.problemText())
		}
		var want []string
		for _, r := range pgDumpRows {
			want = append(want, p+r)
		}
		if got := sortRows(rec.allRows()); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: rows\n%q\nwant\n%q", name, got, want)
		}
		lo := rec.doc(p + "!/large object 16400")
		if d := rec.doc(p); d == nil || d.format != FormatPGDump || lo == nil || len(lo.lines) != 1 || !strings.Contains(lo.lines[0], "06 98 76 54 32") {
			t.Errorf("%s: documents %v", name, rec.paths())
		}
	}
}

// TestPGDumpDirectory: pg_dump -Fd's data files, beside their toc.dat,
// read as the tables they hold; toc.dat itself holds no data and is no
// problem; a data file alone is text.
func TestPGDumpDirectory(t *testing.T) {
	dir := filepath.Join("testdata", "pgdump", "usagers-dir")
	files, err := filepath.Glob(filepath.Join(dir, "[0-9]*.dat.gz"))
	if err != nil || len(files) != 2 {
		t.Fatalf("data files %v (%v)", files, err)
	}
	var rows []string
	for _, p := range append(files, filepath.Join(dir, "toc.dat")) {
		rec := extractFile(t, p, testOptions())
		if len(rec.problems) > 0 {
			t.Fatalf("%s: problems %v", p, rec.problemText())
		}
		for _, r := range rec.allRows() {
			rows = append(rows, r[strings.Index(r, "#"):])
		}
	}
	if got := sortRows(rows); strings.Join(got, "\n") != strings.Join(pgDumpRows, "\n") {
		t.Errorf("rows\n%q\nwant\n%q", got, pgDumpRows)
	}
	// Without its toc.dat, a data file is what it looks like.
	alone := writeFile(t, t.TempDir(), filepath.Base(files[0]), mustRead(t, files[0]))
	if rec := extractFile(t, alone, testOptions()); rec.docs[0].format == FormatPGDump {
		t.Errorf("a data file without its TOC read as a dump")
	}
}

// pgDumpRows are the fixtures' rows, after their document's path.
var pgDumpRows = []string{
	"#public.agents:1|nom=Petit|courriel=claire.petit@mairie-exemple.fr",
	"#public.usagers:1|id=1|nom=Faure|prenom=Renée|courriel=renee.faure@exemple.fr|telephone=06 98 76 54 32|nir=1 85 05 78 006 084 91|naissance=1985-05-12|note=Rappeler Mme Faure au 06 98 76 54 32",
	"#public.usagers:2|id=2|nom=Martin|prenom=Jean|courriel=jean.martin@exemple.fr|telephone=0612345678|nir=2 92 05 70 858 151 89|naissance=1992-05-03|note=un\ttab, une\nligne, un \\ et rien après",
	"#public.usagers:3|id=3|nom=Durand|prenom=Luc",
}

// TestPGDumpTar: pg_dump -Ft's members read as the tables the toc.dat
// before them names, the large object as text.
func TestPGDumpTar(t *testing.T) {
	p := filepath.Join("testdata", "pgdump", "usagers.tar")
	rec := extractFile(t, p, testOptions())
	if len(rec.problems) > 0 {
		t.Fatalf("problems %v", rec.problemText())
	}
	var rows []string
	for _, r := range rec.allRows() {
		rows = append(rows, r[strings.Index(r, "#"):])
	}
	if got := sortRows(rows); strings.Join(got, "\n") != strings.Join(pgDumpRows, "\n") {
		t.Errorf("rows\n%q\nwant\n%q", got, pgDumpRows)
	}
	if d := rec.doc(p + "!/blob_16400.dat"); d == nil || len(d.lines) != 1 {
		t.Errorf("documents %v", rec.paths())
	}
}

// TestPGDumpDamage: a cut archive ends in a problem, the tables before
// the cut read; a header that cannot be one is named.
func TestPGDumpDamage(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "pgdump", "usagers-z0.dump"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Cut inside the second table's data (usagers follows agents).
	i := bytes.Index(data, []byte("Durand\t"))
	cut := data[:i+3]
	p := writeFile(t, dir, "cut.dump", cut)
	rec := extractFile(t, p, testOptions())
	if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, "syntax error: pg_dump archive: it ends inside a chunk") || !strings.Contains(strings.Join(rec.allRows(), "\n"), "agents:1|nom=Petit|courriel=claire.petit@mairie-exemple.fr") {
		t.Errorf("problems %q, rows %q", probs, rec.allRows())
	}
	// Not an archive past its magic.
	p = writeFile(t, dir, "faux.dump", []byte("PGDMP\x01\x0e\x00\x09"))
	rec = extractFile(t, p, testOptions())
	if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, "integers of 9 bytes") {
		t.Errorf("problems %q", probs)
	}
}

// TestPGDumpLive: an archive pg_dump writes now, from a server of the
// machine's, reads as its tables. Required where TOCSIN_REQUIRE_SERVICES=1.
func TestPGDumpLive(t *testing.T) {
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		if os.Getenv("TOCSIN_REQUIRE_SERVICES") == "1" {
			t.Fatal("TOCSIN_REQUIRE_SERVICES=1 but pg_dump is missing (apt-get install postgresql)")
		}
		t.Skip("pg_dump missing")
	}
	dsn := postgresWith(t,
		`CREATE TABLE beneficiaires (nom text, nir char(15), iban text)`,
		`INSERT INTO beneficiaires SELECT 'Nom' || i, '295109912611193', 'FR7630006000011234567890189' FROM generate_series(1, 5000) i`,
	)
	var out, stderr bytes.Buffer
	cmd := exec.Command(pgDump, "-Fc", dsn)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
	}
	rec := &recorder{}
	d := rec.Begin("live.dump", FormatPGDump)
	if err := readPGDump(context.Background(), bufio.NewReader(&out), d, testOptions(), "live.dump", nil); err != nil {
		t.Fatal(err)
	}
	rows := rec.allRows()
	if len(rows) != 5000 || len(rec.problems) > 0 || rows[4999] != "live.dump#public.beneficiaires:5000|nom=Nom5000|nir=295109912611193|iban=FR7630006000011234567890189" {
		t.Fatalf("%d rows (last %q), problems %v", len(rows), rows[len(rows)-1], rec.problemText())
	}
}

// FuzzPGDump reads archives whatever their bytes after the magic.
func FuzzPGDump(f *testing.F) {
	for _, name := range []string{"usagers.dump", "usagers-z0.dump"} {
		b, err := os.ReadFile(filepath.Join("testdata", "pgdump", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = append(append([]byte(nil), pgDumpMagic...), bytes.TrimPrefix(b, pgDumpMagic)...)
		o := fuzzOptions(t)
		rec := &recorder{}
		if err := New(o).Reader(context.Background(), "x.dump", bytes.NewReader(b), rec); err != nil {
			t.Fatal(err)
		}
		checkCellText(t, rec, o.MaxValue)
	})
}
