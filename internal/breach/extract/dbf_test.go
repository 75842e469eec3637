package extract

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// dbfCells reads a table and returns its cells by "record<TAB>column".
func dbfCells(t *testing.T, p string) (map[string]string, *recorder) {
	t.Helper()
	rec := extractFile(t, p, testOptions())
	cells := map[string]string{}
	for _, d := range rec.docs {
		for _, tb := range d.tables {
			for i, c := range tb.cells {
				cells[strconv.Itoa(tb.cellN[i])+"\t"+tb.cols[c.Col]] = string(c.Value)
			}
		}
	}
	return cells, rec
}

// LibreOffice Calc saved the first sheet of people-lo.xls as a dBASE III
// table, in UTF-8 with no language driver; python3-dbf copied it in the
// DOS code page 850 and in Windows-1252, with theirs (testdata/dbf/
// make.sh). Each holds the text cells xlrd reads in the workbook, but for
// the letters a code page lacks (Nguyễn, Łukasz), written '?'.
func TestDBFFixtures(t *testing.T) {
	want := map[string]string{}
	golden := readGolden(t, filepath.Join("testdata", "xls", "people-lo.golden"))
	names := map[string]string{"0": "NOM", "1": "PR_NOM", "2": "COURRIEL", "3": "T_L_PHONE", "4": "NIR", "5": "DATE_DE_NA"}
	for _, g := range golden {
		f := strings.Split(g.key, "\t")
		if f[0] != "Usagers" || f[1] == "1" || names[f[2]] == "" {
			continue
		}
		v := g.value
		if g.kind == "d" {
			v = strings.ReplaceAll(v, "-", "") // a date field: YYYYMMDD
		}
		row, _ := strconv.Atoi(f[1])
		want[strconv.Itoa(row-1)+"\t"+names[f[2]]] = v // the header row is no record
	}
	for _, c := range []struct {
		name string
		cm   *charmap.Charmap
	}{{"people-utf8.dbf", nil}, {"people-850.dbf", charmap.CodePage850}, {"people-1252.dbf", charmap.Windows1252}} {
		t.Run(c.name, func(t *testing.T) {
			got, rec := dbfCells(t, filepath.Join("testdata", "dbf", c.name))
			if len(rec.problems) > 0 || len(rec.docs) != 1 || rec.docs[0].format != FormatDBF {
				t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
			}
			if n := len(rec.docs[0].tables[0].rows); n != 250 {
				t.Fatalf("%d records, want 250", n)
			}
			bad := 0
			for k, v := range want {
				if c.cm != nil {
					v = strings.Map(func(r rune) rune {
						if _, ok := c.cm.EncodeRune(r); !ok {
							return '?'
						}
						return r
					}, v)
				}
				if got[k] != v {
					if bad++; bad < 5 {
						t.Errorf("%s: %q, want %q", k, got[k], v)
					}
				}
			}
			if bad > 0 {
				t.Fatalf("%d cells of %d differ", bad, len(want))
			}
		})
	}
}

// dbfTable writes a dBASE table: the header (version, date, counts,
// sizes, language driver), the field descriptors, their terminator
// (Visual FoxPro's 263-byte backlink after it), the records and the
// end-of-file mark.
func dbfTable(version, ldid byte, fields []dbfField, records ...[]byte) []byte {
	size := 1
	for _, f := range fields {
		size += f.width
	}
	header := 32 + 32*len(fields) + 1
	if version == 0x30 {
		header += 263
	}
	out := []byte{version, 126, 11, 27}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(records)))
	out = binary.LittleEndian.AppendUint16(out, uint16(header))
	out = binary.LittleEndian.AppendUint16(out, uint16(size))
	out = append(out, make([]byte, 17)...)
	out = append(out, ldid, 0, 0)
	for _, f := range fields {
		d := make([]byte, 32)
		copy(d, f.name)
		d[11], d[16], d[17] = f.typ, byte(f.width), byte(f.dec)
		out = append(out, d...)
	}
	out = append(out, 0x0D)
	out = append(out, make([]byte, header-len(out))...)
	for _, r := range records {
		out = append(out, r...)
	}
	return append(out, 0x1A)
}

// dbfRecord writes a record: its deletion flag, then its fields' bytes.
func dbfRecord(deleted bool, parts ...[]byte) []byte {
	flag := byte(' ')
	if deleted {
		flag = '*'
	}
	return append([]byte{flag}, bytes.Join(parts, nil)...)
}

func pad(s string, n int) []byte { return append([]byte(s), bytes.Repeat([]byte(" "), n-len(s))...) }

// Tables built by hand: every field type read as text, a deleted record
// read as the others, the language driver's code page, memo fields
// reported; a table cut in a record read up to it, with the record and
// the byte named; a table told by its content whatever its name.
func TestDBFBuilt(t *testing.T) {
	le := binary.LittleEndian
	vfp := []dbfField{{name: "NOM", typ: 'C', width: 20}, {name: "AGE", typ: 'I', width: 4}, {name: "SOLDE", typ: 'B', width: 8},
		{name: "COTIS", typ: 'Y', width: 8}, {name: "NAISS", typ: 'T', width: 8}, {name: "ACTIF", typ: 'L', width: 1}, {name: "NOTE", typ: 'M', width: 4}}
	jd := le.AppendUint32(nil, 2446502) // 1986-03-12
	vfpRecord := func(deleted bool, name string) []byte {
		return dbfRecord(deleted, pad(name, 20), le.AppendUint32(nil, 42), le.AppendUint64(nil, math.Float64bits(12.5)),
			le.AppendUint64(nil, 32500), append(jd, 0, 0, 0, 0), []byte("T"), le.AppendUint32(nil, 7))
	}
	dbase := []dbfField{{name: "NOM", typ: 'C', width: 12}, {name: "TEL", typ: 'C', width: 10}, {name: "NE_LE", typ: 'D', width: 8}, {name: "SOLDE", typ: 'N', width: 8, dec: 2}}
	dbaseRecord := func(name, tel string) []byte {
		return dbfRecord(false, pad(name, 12), pad(tel, 10), []byte("19850312"), pad("  -12.50", 8))
	}
	cut := dbfTable(0x03, 0x57, dbase, dbaseRecord("Faure", "0698765432"), dbaseRecord("Martin", "0612345678"))
	cases := []struct {
		name, rows, problem string
		data                []byte
	}{
		{"vfp.dbf", "1|NOM=Zoé Faure|AGE=42|SOLDE=12.5|COTIS=3.25|NAISS=1986-03-12|ACTIF=T\n2|NOM=Élise|AGE=42|SOLDE=12.5|COTIS=3.25|NAISS=1986-03-12|ACTIF=T",
			"unsupported content: the memo fields are in a file beside the table (.dbt, .fpt), not found; not read",
			dbfTable(0x30, 0x03, vfp, vfpRecord(false, "Zo\xe9 Faure"), vfpRecord(true, "\xc9lise"))},
		{"dos.dbf", "1|NOM=Hélène|TEL=0698765432|NE_LE=19850312|SOLDE=-12.50", "", dbfTable(0x03, 0x01, dbase, dbaseRecord("H\x82l\x8ane", "0698765432"))},
		{"devine.dbf", "1|NOM=Hélène|TEL=0698765432|NE_LE=19850312|SOLDE=-12.50\n2|NOM=Gaëlle|TEL=0612345678|NE_LE=19850312|SOLDE=-12.50", "",
			dbfTable(0x03, 0, dbase, dbaseRecord("H\x82l\x8ane", "0698765432"), dbaseRecord("Ga\x89lle", "0612345678"))},
		{"coupe.dbf", "1|NOM=Faure|TEL=0698765432|NE_LE=19850312|SOLDE=-12.50", "syntax error: record 2 is cut short, at byte 200", cut[:len(cut)-20]},
		{"table.bin", "1|NOM=Faure|TEL=0698765432|NE_LE=19850312|SOLDE=-12.50", "", dbfTable(0x03, 0x57, dbase, dbaseRecord("Faure", "0698765432"))},
	}
	dir := t.TempDir()
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		d := rec.doc(p)
		if d == nil || d.format != FormatDBF || len(d.tables) != 1 {
			t.Errorf("%s: documents %v", c.name, rec.paths())
			continue
		}
		if got := strings.Join(d.tables[0].rows, "\n"); got != c.rows {
			t.Errorf("%s: rows\n%s\nwant\n%s", c.name, got, c.rows)
		}
		probs := strings.Join(rec.problemText(), "\n")
		if !strings.Contains(probs, c.problem) || (c.problem == "") != (probs == "") || strings.Contains(probs, "0612345678") {
			t.Errorf("%s: problems %q, want %q", c.name, probs, c.problem)
		}
	}
	// Binary data that starts as a table would, but whose descriptors
	// are not a table's, is not one.
	bad := dbfTable(0x03, 0, dbase, dbaseRecord("Faure", "0698765432"))
	bad[32+11] = 'Z'
	if isDBF(bad) {
		t.Error("a field of type Z taken for a table")
	}
}

// FuzzDBF reads tables, and the memo file beside them, whatever their
// bytes: no panic, every cell UTF-8.
func FuzzDBF(f *testing.F) {
	f.Add(dbfTable(0x03, 0, []dbfField{{name: "NOM", typ: 'C', width: 8}, {name: "N", typ: 'N', width: 4}}, dbfRecord(false, pad("Ga\x89lle", 8), pad("12", 4))), []byte(nil), false)
	f.Add(dbfTable(0x30, 0x03, []dbfField{{name: "T", typ: 'T', width: 8}, {name: "B", typ: 'B', width: 8}, {name: "Y", typ: 'Y', width: 8}}, dbfRecord(true, make([]byte, 24))), []byte(nil), false)
	for _, name := range []string{"notes3.dbf", "notesvfp.dbf"} {
		table, err := os.ReadFile(filepath.Join("testdata", "dbf", name))
		if err != nil {
			f.Fatal(err)
		}
		ext, fpt := ".dbt", false
		if name == "notesvfp.dbf" {
			ext, fpt = ".fpt", true
		}
		memo, err := os.ReadFile(filepath.Join("testdata", "dbf", strings.TrimSuffix(name, ".dbf")+ext))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(table, memo, fpt)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, table, memo []byte, fpt bool) {
		p := filepath.Join(dir, "t.dbf")
		os.Remove(filepath.Join(dir, "t.dbt"))
		os.Remove(filepath.Join(dir, "t.fpt"))
		if err := os.WriteFile(p, table, 0o644); err != nil {
			t.Fatal(err)
		}
		if len(memo) > 0 {
			ext := ".dbt"
			if fpt {
				ext = ".fpt"
			}
			if err := os.WriteFile(filepath.Join(dir, "t"+ext), memo, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		validCells(t, p)
	})
}

// python3-dbf wrote three tables with a memo field (testdata/dbf/make.sh):
// dBASE III's .dbt, FoxPro's and Visual FoxPro's .fpt. The notes are read
// as the field's value, decoded as the table's text; an empty memo is no
// cell. Without its memo file the table is read and the memo reported;
// with a memo file cut short, the memos it still holds are read and the
// break reported once.
func TestDBFMemo(t *testing.T) {
	want := "1|NOM=Renée Faure|NOTE=Dossier suivi par Mme Faure.\r\nNIR 1 85 05 78 006 084 91, rappeler au 06 98 76 54 32.|TEL=0698765432\n" +
		"2|NOM=Jean Martin|TEL=0612345678\n3|NOM=Zoé Dupont|NOTE=IBAN FR76 3000 6000 0112 3456 7890 189|TEL=0145678912"
	for _, name := range []string{"notes3", "notesfp", "notesvfp"} {
		t.Run(name, func(t *testing.T) {
			ext := ".fpt"
			if name == "notes3" {
				ext = ".dbt"
			}
			// The memo file on its own is said to be read with its table.
			alone := extractFile(t, filepath.Join("testdata", "dbf", name+ext), testOptions())
			if probs := strings.Join(alone.problemText(), "\n"); !strings.HasSuffix(probs, "unsupported content: a memo file, read with its table "+name+".dbf") {
				t.Errorf("the memo file: %q", probs)
			}
			p := filepath.Join("testdata", "dbf", name+".dbf")
			rec := extractFile(t, p, testOptions())
			if len(rec.problems) > 0 || len(rec.docs) != 1 {
				t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
			}
			if got := strings.Join(rec.docs[0].tables[0].rows, "\n"); got != want {
				t.Errorf("rows\n%s\nwant\n%s", got, want)
			}
		})
	}
	dir := t.TempDir()
	table, err := os.ReadFile(filepath.Join("testdata", "dbf", "notesvfp.dbf"))
	if err != nil {
		t.Fatal(err)
	}
	memo, err := os.ReadFile(filepath.Join("testdata", "dbf", "notesvfp.fpt"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		memo           []byte
		notes, problem string
	}{
		"seule": {nil, "", "unsupported content: the memo fields are in a file beside the table (.dbt, .fpt), not found; not read"},
		"coupee": {memo[:len(memo)-60], "Dossier suivi par Mme Faure.\r\nNIR 1 85 05 78 006 084 91, rappeler au 06 98 76 54 32.",
			"syntax error: the memo of record 3 (coupee.FPT): block 6 lies past the end of the file"},
		"entamee": {memo[:len(memo)-20], "Dossier suivi par Mme Faure.\r\nNIR 1 85 05 78 006 084 91, rappeler au 06 98 76 54 32.",
			"syntax error: the memo of record 3 (entamee.FPT): the memo at block 6 is cut short"},
	} {
		p := filepath.Join(dir, name+".dbf")
		if err := os.WriteFile(p, table, 0o644); err != nil {
			t.Fatal(err)
		}
		if c.memo != nil {
			if err := os.WriteFile(filepath.Join(dir, name+".FPT"), c.memo, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, rec := dbfCells(t, p)
		if got["1\tNOTE"] != c.notes || got["3\tTEL"] != "0145678912" {
			t.Errorf("%s: cells %q", name, got)
		}
		if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, c.problem) || strings.Contains(probs, "1 85 05") {
			t.Errorf("%s: problems %q, want %q", name, probs, c.problem)
		}
	}
}

// A table and its memo file zipped or tarred together, as a breach is
// often sent: the memo file is found beside its table in the archive
// (same folder, any case; before or after it in a tar) and spooled for
// reading; a memo file in another folder is not the table's.
func TestDBFMemoInArchive(t *testing.T) {
	want := "1|NOM=Renée Faure|NOTE=Dossier suivi par Mme Faure.\r\nNIR 1 85 05 78 006 084 91, rappeler au 06 98 76 54 32.|TEL=0698765432\n" +
		"2|NOM=Jean Martin|TEL=0612345678\n3|NOM=Zoé Dupont|NOTE=IBAN FR76 3000 6000 0112 3456 7890 189|TEL=0145678912"
	members := []struct{ from, to string }{
		{"notes3.dbf", "export/notes3.dbf"},
		{"notes3.dbt", "export/NOTES3.DBT"},
		{"notesfp.fpt", "export/notesfp.fpt"}, // the memo before its table
		{"notesfp.dbf", "export/notesfp.dbf"},
		{"notesvfp.dbf", "autre/notesvfp.dbf"},
		{"notesvfp.fpt", "export/notesvfp.fpt"},
	}
	for _, kind := range []string{"zip", "tar", "tar.gz"} {
		var buf bytes.Buffer
		var zw *zip.Writer
		var tw *tar.Writer
		var gw *gzip.Writer
		switch kind {
		case "zip":
			zw = zip.NewWriter(&buf)
		case "tar":
			tw = tar.NewWriter(&buf)
		default:
			gw = gzip.NewWriter(&buf)
			tw = tar.NewWriter(gw)
		}
		for _, m := range members {
			data, err := os.ReadFile(filepath.Join("testdata", "dbf", m.from))
			if err != nil {
				t.Fatal(err)
			}
			if zw != nil {
				w, err := zw.Create(m.to)
				if err != nil {
					t.Fatal(err)
				}
				w.Write(data)
				continue
			}
			if err := tw.WriteHeader(&tar.Header{Name: m.to, Mode: 0o644, Size: int64(len(data))}); err != nil {
				t.Fatal(err)
			}
			tw.Write(data)
		}
		var err error
		if zw != nil {
			err = zw.Close()
		} else if err = tw.Close(); gw != nil && err == nil {
			err = gw.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		name := "export." + kind
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		o := testOptions()
		o.TempDir = t.TempDir()
		rec := extractFile(t, p, o)
		for _, table := range []string{"export/notes3.dbf", "export/notesfp.dbf"} {
			d := rec.doc(p + "!/" + table)
			if d == nil || len(d.tables) != 1 {
				t.Fatalf("%s %s: documents %v", kind, table, rec.paths())
			}
			if got := strings.Join(d.tables[0].rows, "\n"); got != want {
				t.Errorf("%s %s: rows\n%s\nwant\n%s", kind, table, got, want)
			}
		}
		probs := strings.Join(rec.problemText(), "\n")
		for _, w := range []string{
			name + "!/export/NOTES3.DBT: unsupported content: a memo file, read with its table notes3.dbf",
			name + "!/export/notesfp.fpt: unsupported content: a memo file, read with its table notesfp.dbf",
			name + "!/autre/notesvfp.dbf: unsupported content: the memo fields are in a file beside the table (.dbt, .fpt), not found; not read",
		} {
			if !strings.Contains(probs, w) {
				t.Errorf("%s: problems\n%s\nwant %q", kind, probs, w)
			}
		}
		if strings.Contains(probs, "export/notes3.dbf:") || strings.Contains(probs, "export/notesfp.dbf:") || strings.Contains(probs, "1 85 05") {
			t.Errorf("%s: problems\n%s", kind, probs)
		}
		if left, _ := os.ReadDir(o.TempDir); len(left) > 0 {
			t.Errorf("%s: spooled files left: %v", kind, left)
		}
	}
}

// BenchmarkReadDBF: the reader alone (no detectors) on the records of
// people-850.dbf repeated to 400,000 (46.8 MB), decoded from code page 850.
func BenchmarkReadDBF(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "dbf", "people-850.dbf"))
	if err != nil {
		b.Fatal(err)
	}
	h, _ := parseDBFHeader(data)
	recs := data[h.headerSize : h.headerSize+int(h.records)*h.recordSize]
	big := append([]byte(nil), data[:h.headerSize]...)
	binary.LittleEndian.PutUint32(big[4:], h.records*1600)
	big = append(append(big, bytes.Repeat(recs, 1600)...), 0x1A)
	p := filepath.Join(b.TempDir(), "big.dbf")
	if err := os.WriteFile(p, big, 0o644); err != nil {
		b.Fatal(err)
	}
	e := New(testOptions())
	b.SetBytes(int64(len(big)))
	for b.Loop() {
		if err := e.File(context.Background(), p, &discard{}); err != nil {
			b.Fatal(err)
		}
	}
}
