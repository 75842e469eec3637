package extract

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// What pg_dump -Fc writes (testdata/pgdump/make.sh: PostgreSQL 15's
// pg_dump, zlib, and -Z0): each table a table of its rows, COPY's escapes
// undone, a large object a document of its own.
func TestPGDump(t *testing.T) {
	for _, name := range []string{"usagers.dump", "usagers-z0.dump"} {
		p := filepath.Join("testdata", "pgdump", name)
		rec := checkPGDumpRows(t, p)
		lo := rec.doc(p + "!/large object 16400")
		if d := rec.doc(p); d == nil || d.format != FormatPGDump || lo == nil || len(lo.lines) != 1 || !strings.Contains(lo.lines[0], "06 98 76 54 32") {
			t.Errorf("%s: documents %v", name, rec.paths())
		}
	}
}

// TestPGDumpDirectory: pg_dump -Fd's data files, beside their toc.dat,
// read as the tables they hold, gzipped or compressed with LZ4 or zstd;
// toc.dat itself holds no data and is no problem; a data file alone is
// text.
func TestPGDumpDirectory(t *testing.T) {
	dir := filepath.Join("testdata", "pgdump", "usagers-dir")
	files, err := filepath.Glob(filepath.Join(dir, "[0-9]*.dat.gz"))
	if err != nil || len(files) != 2 {
		t.Fatalf("data files %v (%v)", files, err)
	}
	var rows []string
	for _, p := range append(files, filepath.Join(dir, "toc.dat")) {
		rows = append(rows, tableRows(t, p)...)
	}
	if got := sortRows(rows); strings.Join(got, "\n") != strings.Join(pgDumpRows, "\n") {
		t.Errorf("rows\n%q\nwant\n%q", got, pgDumpRows)
	}
	// pg_dump -Fd --compress=lz4 or zstd (PostgreSQL 16) names its data
	// files NNNN.dat.lz4 or NNNN.dat.zst: the same files compressed so.
	for suffix, compress := range map[string]func(testing.TB, []byte) []byte{".lz4": lz4Frame, ".zst": zstdStream} {
		other := t.TempDir()
		writeFile(t, other, "toc.dat", mustRead(t, filepath.Join(dir, "toc.dat")))
		var rows []string
		for _, f := range files {
			z, err := gzip.NewReader(bytes.NewReader(mustRead(t, f)))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(z)
			if err != nil {
				t.Fatal(err)
			}
			p := writeFile(t, other, strings.TrimSuffix(filepath.Base(f), ".gz")+suffix, compress(t, raw))
			rows = append(rows, tableRows(t, p)...)
		}
		if got := sortRows(rows); strings.Join(got, "\n") != strings.Join(pgDumpRows, "\n") {
			t.Errorf("%s: rows\n%q\nwant\n%q", suffix, got, pgDumpRows)
		}
	}
	// Without its toc.dat, a data file is what it looks like.
	alone := writeFile(t, t.TempDir(), filepath.Base(files[0]), mustRead(t, files[0]))
	if rec := extractFile(t, alone, testOptions()); rec.docs[0].format == FormatPGDump {
		t.Errorf("a data file without its TOC read as a dump")
	}
}

// TestPGDumpCompressed: PostgreSQL 16's pg_dump compresses a custom
// archive's data with LZ4 or zstd too (--compress=lz4, zstd), one frame
// or stream over each table's chunks. No pg_dump of this machine writes
// them: the fixture's uncompressed archive is written again as archive
// version 1.15 (the compression's algorithm in the header), each data
// block compressed by the LZ4 and zstd libraries. The data offsets of
// its TOC, which a sequential reading does not use, are left stale.
func TestPGDumpCompressed(t *testing.T) {
	z0 := mustRead(t, filepath.Join("testdata", "pgdump", "usagers-z0.dump"))
	dir := t.TempDir()
	for name, c := range map[string]struct {
		algo     byte
		compress func(testing.TB, []byte) []byte
	}{"usagers-lz4.dump": {pgCompressLZ4, lz4Frame}, "usagers-zstd.dump": {pgCompressZstd, zstdStream}} {
		p := writeFile(t, dir, name, recompressPGDump(t, z0, c.algo, func(b []byte) []byte { return c.compress(t, b) }))
		rec := checkPGDumpRows(t, p)
		if lo := rec.doc(p + "!/large object 16400"); lo == nil || len(lo.lines) != 1 || !strings.Contains(lo.lines[0], "06 98 76 54 32") {
			t.Errorf("%s: documents %v", name, rec.paths())
		}
	}
	// A damaged frame is named, the table before it read.
	bad := recompressPGDump(t, z0, pgCompressLZ4, func(b []byte) []byte {
		f := lz4Frame(t, b)
		if bytes.Contains(b, []byte("Durand")) {
			f[len(f)/2] ^= 0x55
		}
		return f
	})
	p := writeFile(t, dir, "abime.dump", bad)
	rec := extractFile(t, p, testOptions())
	if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, "syntax error: lz4: ") || !strings.Contains(strings.Join(rec.allRows(), "\n"), "agents:1|nom=Petit") {
		t.Errorf("problems %q, rows %q", probs, rec.allRows())
	}
}

// lz4Frame is b in one LZ4 frame; zstdStream, in one zstd stream.
func lz4Frame(t testing.TB, b []byte) []byte {
	var out bytes.Buffer
	w := lz4.NewWriter(&out)
	if _, err := w.Write(b); err != nil || w.Close() != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func zstdStream(t testing.TB, b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll(b, nil)
}

// recompressPGDump writes an uncompressed custom archive of version 1.14
// again as version 1.15 with algorithm algo, each data block's chunks
// (a table's, a large object's) compressed by compress and cut in two
// chunks, as pg_dump writes a compressor's output as it comes.
func recompressPGDump(t testing.TB, z0 []byte, algo byte, compress func([]byte) []byte) []byte {
	t.Helper()
	src := bytes.NewReader(z0)
	a := &pgArchive{r: bufio.NewReader(src), copyStmt: map[int64]string{}}
	if a.header() != nil || a.toc() != nil || a.version != pgVersion(1, 14, 0) || a.compress != pgCompressNone {
		t.Fatalf("fixture: version %x, compression %d, %v", a.version, a.compress, a.err)
	}
	tocEnd := len(z0) - src.Len() - a.r.Buffered()
	isz := a.intSize
	pgInt := func(out []byte, v int64) []byte {
		sign := byte(0)
		if v < 0 {
			sign, v = 1, -v
		}
		out = append(out, sign)
		for range isz {
			out = append(out, byte(v))
			v >>= 8
		}
		return out
	}
	// The header: magic, version, sizes, format, then the level (an
	// integer) that 1.15 replaces by the algorithm (a byte).
	out := append([]byte(nil), z0[:5]...)
	out = append(out, 1, 15, 0)
	out = append(out, z0[8:11]...)
	out = append(out, algo)
	out = append(out, z0[11+1+isz:tocEnd]...)
	a.r = bufio.NewReader(bytes.NewReader(z0[tocEnd:]))
	chunks := func() []byte {
		raw, err := io.ReadAll(&pgChunks{a: a})
		if err != nil {
			t.Fatal(err)
		}
		c := compress(raw)
		half := len(c) / 2
		out := pgInt(nil, int64(half))
		out = append(out, c[:half]...)
		out = pgInt(out, int64(len(c)-half))
		out = append(out, c[half:]...)
		return pgInt(out, 0)
	}
	for {
		typ, err := a.r.ReadByte()
		if err == io.EOF {
			return out
		}
		out = pgInt(append(out, typ), a.int())
		switch typ {
		case pgBlockData:
			out = append(out, chunks()...)
		case pgBlockBlobs:
			for {
				oid := a.int()
				out = pgInt(out, oid)
				if oid == 0 {
					break
				}
				out = append(out, chunks()...)
			}
		default:
			t.Fatalf("fixture: a block of type %d", typ)
		}
		if a.err != nil {
			t.Fatal(a.err)
		}
	}
}

// tableRows reads a file that must have no problem and returns its rows
// without their document's path.
func tableRows(t *testing.T, p string) []string {
	t.Helper()
	rec := extractFile(t, p, testOptions())
	if len(rec.problems) > 0 {
		t.Fatalf("%s: problems %v", p, rec.problemText())
	}
	var rows []string
	for _, r := range rec.allRows() {
		rows = append(rows, r[strings.Index(r, "#"):])
	}
	return rows
}

// checkPGDumpRows reads a custom archive of the fixtures and checks its
// rows.
func checkPGDumpRows(t *testing.T, p string) *recorder {
	t.Helper()
	rec := extractFile(t, p, testOptions())
	if len(rec.problems) > 0 {
		t.Fatalf("%s: problems %v", p, rec.problemText())
	}
	var want []string
	for _, r := range pgDumpRows {
		want = append(want, p+r)
	}
	if got := sortRows(rec.allRows()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: rows\n%q\nwant\n%q", p, got, want)
	}
	return rec
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
		if name == "usagers-z0.dump" {
			f.Add(recompressPGDump(f, b, pgCompressLZ4, func(b []byte) []byte { return lz4Frame(f, b) }))
			f.Add(recompressPGDump(f, b, pgCompressZstd, func(b []byte) []byte { return zstdStream(f, b) }))
		}
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
