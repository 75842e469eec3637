package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"tocsin/internal/breach/extract/rc4write"
	"tocsin/internal/breach/extract/xlswrite"
)

// readXLSCells reads a workbook into "sheet<TAB>row<TAB>col" → value,
// header cells included.
func readXLSCells(t *testing.T, path string) (map[string]string, *recorder) {
	t.Helper()
	return readXLSCellsWith(t, path, testOptions())
}

func readXLSCellsWith(t *testing.T, path string, o Options) (map[string]string, *recorder) {
	t.Helper()
	rec := &recorder{}
	if err := New(o).File(context.Background(), path, rec); err != nil {
		t.Fatal(err)
	}
	cells := map[string]string{}
	for _, d := range rec.docs {
		for _, tb := range d.tables {
			for i, name := range tb.cols {
				if tb.header[i] {
					cells[fmt.Sprintf("%s\t1\t%d", tb.name, i)] = name
				}
			}
			for i, c := range tb.cells {
				cells[fmt.Sprintf("%s\t%d\t%d", tb.name, tb.cellN[i], c.Col)] = string(c.Value)
			}
		}
	}
	return cells, rec
}

// goldenCell is what xlrd read in a fixture (testdata/xls/make.py).
type goldenCell struct{ key, kind, value string }

func readGolden(t *testing.T, path string) []goldenCell {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []goldenCell
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "\t", 5)
		if len(p) != 5 {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		out = append(out, goldenCell{key: p[0] + "\t" + p[1] + "\t" + p[2], kind: p[3], value: p[4]})
	}
	return out
}

// sameCell tells whether the reader's value shows what xlrd read: the
// same text; the same number (padded with zeros or not); the same date
// (ISO, or as its format dd/mm/yyyy shows it); TRUE or FALSE.
func sameCell(g goldenCell, got string) bool {
	switch g.kind {
	case "s":
		return got == g.value
	case "n":
		want, _ := strconv.ParseFloat(g.value, 64)
		x, err := strconv.ParseFloat(got, 64)
		return err == nil && math.Abs(x-want) <= 1e-12*math.Max(1, math.Abs(want))
	case "d":
		d, err := time.Parse("2006-01-02", g.value)
		return err == nil && (strings.HasPrefix(got, g.value) || got == d.Format("02/01/2006"))
	case "b":
		return got == map[string]string{"1": "TRUE", "0": "FALSE"}[g.value]
	}
	return false
}

// matchGolden fails the test unless the cells read are those of the
// golden file: each with the same value, and no other.
func matchGolden(t *testing.T, want []goldenCell, got map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	bad := 0
	for _, g := range want {
		seen[g.key] = true
		if v, ok := got[g.key]; !ok || !sameCell(g, v) {
			if bad++; bad <= 10 {
				t.Errorf("%s: got %q (%v), xlrd %s %q", strings.ReplaceAll(g.key, "\t", " "), v, ok, g.kind, g.value)
			}
		}
	}
	for k, v := range got {
		if !seen[k] {
			if bad++; bad <= 10 {
				t.Errorf("%s: %q, which xlrd does not read", strings.ReplaceAll(k, "\t", " "), v)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d cells of %d differ", bad, len(want))
	}
	t.Logf("%d cells", len(want))
}

// The fixtures were written by xlwt, LibreOffice Calc and Gnumeric; xlrd
// read each. Every cell xlrd reads, the reader reads the same, and no
// other.
func TestXLSMatchesXlrd(t *testing.T) {
	for _, name := range []string{"people-xlwt", "people-lo", "people-gnumeric", "small-xlwt", "people-biff5"} {
		t.Run(name, func(t *testing.T) {
			golden := "people-gnumeric" // xlrd cannot read Gnumeric's BIFF5: the same cells as its BIFF8
			if name != "people-biff5" {
				golden = name
			}
			want := readGolden(t, filepath.Join("testdata", "xls", golden+".golden"))
			got, rec := readXLSCells(t, filepath.Join("testdata", "xls", name+".xls"))
			if len(rec.problems) > 0 {
				t.Fatalf("problems: %v", rec.problemText())
			}
			if d := rec.docs[0]; d.format != FormatXLS {
				t.Fatalf("format %q", d.format)
			}
			matchGolden(t, want, got)
		})
	}
}

func u16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func u32(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }

// latin1 and utf16le write a BIFF8 string's characters.
func latin1(s string) []byte {
	var out []byte
	for _, r := range s {
		out = append(out, byte(r))
	}
	return out
}

func utf16le(s string) []byte {
	var out []byte
	for _, c := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out
}

// testBook writes a BIFF8 workbook stream: one sheet "Agents" whose
// cells come from cells (records of the sheet), the shared strings from
// sst (the SST record and its CONTINUE records, written whole).
func testBook(sst []byte, cells ...[]byte) []byte {
	bof := func(kind int) []byte { return xlswrite.Record(recBOF, u16(0x0600), u16(kind), u32(0), u32(0), u32(0)) }
	globals := append(bof(5), xlswrite.Record(recCodePage, u16(1200))...)
	globals = append(globals, xlswrite.Record(recXF, u16(0), u16(0), make([]byte, 16))...)
	globals = append(globals, xlswrite.Record(recFormat, u16(164), u16(10), []byte{0}, []byte("dd/mm/yyyy"))...)
	globals = append(globals, xlswrite.Record(recXF, u16(0), u16(164), make([]byte, 16))...)
	globals = append(globals, sst...)
	sheetName := []byte{6, 0, 'A', 'g', 'e', 'n', 't', 's'}
	boundLen := len(xlswrite.Record(recBoundSheet, u32(0), []byte{0, 0}, sheetName))
	eof := xlswrite.Record(recEOF)
	pos := len(globals) + boundLen + len(eof)
	globals = append(globals, xlswrite.Record(recBoundSheet, u32(pos), []byte{0, 0}, sheetName)...)
	globals = append(globals, eof...)
	out := append(globals, bof(0x10)...)
	for _, c := range cells {
		out = append(out, c...)
	}
	return append(out, eof...)
}

// A workbook small enough for the mini stream, whose shared strings go
// on in a CONTINUE record in the middle of a string, from one byte a
// character to two; numbers as RK, MULRK and a date.
func TestXLSRecords(t *testing.T) {
	sst := xlswrite.Record(recSST, u32(3), u32(3),
		u16(5), []byte{0}, latin1("Zoé D"), // one byte a character
		u16(12), []byte{0}, latin1("Jérô"), // cut: the rest in CONTINUE, in UTF-16
	)
	sst = append(sst, xlswrite.Record(recContinue, []byte{1}, utf16le("me Œuvré"),
		u16(3), []byte{8}, u16(1), latin1("abc"), u32(0))...) // rich text: one run passed
	rkInt := func(v int) []byte { return u32(v<<2 | 2) }
	cells := [][]byte{
		xlswrite.Record(recLabelSST, u16(0), u16(0), u16(0), u32(0)),
		xlswrite.Record(recLabelSST, u16(0), u16(1), u16(0), u32(1)),
		xlswrite.Record(recLabelSST, u16(1), u16(0), u16(0), u32(2)),
		xlswrite.Record(recRK, u16(1), u16(1), u16(1), rkInt(31179)), // 12/05/1985 by format 164
		xlswrite.Record(recMulRK, u16(2), u16(0), u16(0), rkInt(7), u16(0), u32(61234567<<2|2|1), u16(1)),
		xlswrite.Record(recNumber, u16(3), u16(2), u16(0), binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.1))),
		xlswrite.Record(recBoolErr, u16(3), u16(0), u16(0), []byte{1, 0}),
		xlswrite.Record(recBoolErr, u16(3), u16(1), u16(0), []byte{7, 1}), // #DIV/0!: nothing
	}
	book := testBook(sst, cells...)
	if len(book) >= 4096 {
		t.Fatalf("the stream is %d bytes: not in the mini stream", len(book))
	}
	p := filepath.Join(t.TempDir(), "agents.xls")
	if err := os.WriteFile(p, xlswrite.Compound(xlswrite.Stream{Name: "\x05SummaryInformation", Data: make([]byte, 200)}, xlswrite.Stream{Name: "Workbook", Data: book}), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := New(testOptions()).File(context.Background(), p, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.problems) > 0 {
		t.Fatalf("problems: %v", rec.problemText())
	}
	got := strings.Join(rec.allRows(), "\n")
	want := strings.Join([]string{
		p + "#Agents:2|Zoé D=abc|Jérôme Œuvré=12/05/1985", // the first row names the columns
		p + "#Agents:3|Zoé D=7|Jérôme Œuvré=612345.67",
		p + "#Agents:4|Zoé D=TRUE|#3=0.1",
	}, "\n")
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// Compound files that are not workbooks, and workbooks that are broken,
// each give one problem that says what is wrong, where, without a value
// of the file; the folder's other files are read.
func TestXLSBroken(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "xls", "people-lo.xls"))
	if err != nil {
		t.Fatal(err)
	}
	book := testBook(xlswrite.Record(recSST, u32(1), u32(1), u16(5), []byte{0}, latin1("Jules")),
		xlswrite.Record(recLabelSST, u16(0), u16(0), u16(0), u32(0)))
	loop := xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: append(book, make([]byte, 5000)...)})
	// The directory's sector points at itself in the FAT.
	dirSector := binary.LittleEndian.Uint32(loop[48:])
	binary.LittleEndian.PutUint32(loop[512+512*firstFATSector(loop)+4*int(dirSector):], dirSector)
	badVersion := xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: book})
	binary.LittleEndian.PutUint16(badVersion[26:], 5)
	withPass := testBook(nil)
	withPass = append(withPass[:20:20], append(xlswrite.Record(recFilePass, u16(1), make([]byte, 52)), withPass[20:]...)...)
	biff2 := append(xlswrite.Record(recBOF, u16(0x0200), u16(0x10)), xlswrite.Record(recEOF)...)
	cutSST := testBook(xlswrite.Record(recSST, u32(2), u32(2), u16(40), []byte{0}, latin1("Jul")))
	cases := []struct {
		name, data, want string
		skipped          bool
	}{
		{"secret.xlsx", string(xlswrite.Compound(xlswrite.Stream{Name: "EncryptionInfo", Data: make([]byte, 300)}, xlswrite.Stream{Name: "EncryptedPackage", Data: make([]byte, 5000)})),
			"unsupported content: Office encryption version 0.0 (extensible or unknown); not scanned", true},
		{"lettre.doc", string(xlswrite.Compound(xlswrite.Stream{Name: "WordDocument", Data: make([]byte, 5000)}, xlswrite.Stream{Name: "1Table", Data: make([]byte, 100)})),
			"syntax error: the WordDocument stream does not start with a FIB", false},
		{"autre.xls", string(xlswrite.Compound(xlswrite.Stream{Name: "Contents", Data: []byte("x")})),
			"unsupported content: a compound file with no workbook is not scanned", true},
		{"cut.xls", string(good[:len(good)/2]), "syntax error: compound file", false},
		{"loop.xls", string(loop), "syntax error: compound file directory: a sector chain loops", false},
		{"version.xls", string(badVersion), "syntax error: compound file header: version 5 with sectors of 2^9 bytes", false},
		{"pass.xls", string(xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: withPass})), "encrypted: a password-protected workbook; not scanned", true},
		{"biff2.xls", string(xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: biff2})), "unsupported content: BIFF version 0x0200 (only Excel 5 to 2003 workbooks are read)", false},
		{"sst.xls", string(xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: cutSST})), "syntax error: record 0x00FC at byte", false},
	}
	dir := t.TempDir()
	for _, c := range cases {
		if err := os.WriteFile(filepath.Join(dir, c.name), []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			p := filepath.Join(dir, c.name)
			if err := New(testOptions()).File(context.Background(), p, rec); err != nil {
				t.Fatal(err)
			}
			if len(rec.problems) != 1 {
				t.Fatalf("problems %v", rec.problemText())
			}
			pr := rec.problems[0]
			if !strings.Contains(pr.Error(), c.want) || pr.Skipped != c.skipped || pr.Path != p {
				t.Fatalf("problem %q (skipped %v), want %q (skipped %v)", pr.Error(), pr.Skipped, c.want, c.skipped)
			}
			for _, v := range []string{"Jules", "Jul", "exemple.fr"} {
				if strings.Contains(pr.Error(), v) {
					t.Fatalf("the problem quotes the file: %q", pr.Error())
				}
			}
		})
	}
}

// firstFATSector is the sector of a compound file's first FAT sector.
func firstFATSector(b []byte) int { return int(binary.LittleEndian.Uint32(b[76:])) }

// FuzzXLS reads workbook streams in a compound file: no panic, no loop,
// and the cells of a stream that reads are valid UTF-8.
func FuzzXLS(f *testing.F) {
	for _, name := range []string{"small-xlwt.xls", "people-biff5.xls", "people-velvet.xls"} {
		f.Add(fixtureStream(f, filepath.Join("testdata", "xls", name), 2048, "Workbook", "Book"))
	}
	f.Add(testBook(xlswrite.Record(recSST, u32(2), u32(2), u16(3), []byte{0}, latin1("Zoé"), u16(4), []byte{1}, utf16le("Œuf")),
		xlswrite.Record(recLabelSST, u16(0), u16(0), u16(0), u32(1)), xlswrite.Record(recRK, u16(0), u16(1), u16(1), u32(31179<<2|2))))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, stream []byte) {
		p := filepath.Join(dir, "f.xls")
		if err := os.WriteFile(p, xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: stream}), 0o644); err != nil {
			t.Fatal(err)
		}
		validCells(t, p)
	})
}

// fixtureStream returns the first max bytes of the first of names found in
// the compound file at path (a fixture's stream, to seed a fuzz target).
func fixtureStream(tb testing.TB, path string, max int64, names ...string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := openCFB(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	for _, name := range names {
		if e, _ := c.find(name); e.name != "" {
			r, err := c.open(e)
			if err != nil {
				tb.Fatal(err)
			}
			stream, err := io.ReadAll(io.LimitReader(r, max))
			if err != nil {
				tb.Fatal(err)
			}
			return stream
		}
	}
	tb.Fatalf("%s holds none of %q", path, names)
	return nil
}

// validCells reads a workbook and fails on a cell that is not UTF-8.
func validCells(t *testing.T, p string) {
	rec := &recorder{}
	if err := New(testOptions()).File(context.Background(), p, rec); err != nil {
		t.Fatal(err)
	}
	for _, d := range rec.docs {
		for _, tb := range d.tables {
			for _, c := range tb.cells {
				if !utf8.Valid(c.Value) {
					t.Fatalf("cell %q is not UTF-8", c.Value)
				}
			}
		}
	}
}

// FuzzCFB reads compound files whatever their bytes, as containers and
// as the documents they hold (workbooks, Word documents, Outlook
// messages): no panic, no
// loop, every document ended.
func FuzzCFB(f *testing.F) {
	for _, p := range []string{"xls/small-xlwt.xls", "msg/demande.msg", "document/lettre.doc", "document/diaporama.ppt", "document/lettre-tableau.doc", "document/diapo-tableau.ppt"} {
		data, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: testBook(nil)}, xlswrite.Stream{Name: "EncryptionInfo", Data: []byte("x")}))
	f.Add(xlswrite.Compound(xlswrite.Stream{Name: "__properties_version1.0", Data: make([]byte, 32)},
		xlswrite.Stream{Name: "__substg1.0_0037001F", Data: utf16le("Objet")},
		xlswrite.Stream{Name: "__attach_version1.0_#00000000/__substg1.0_3701000D/__substg1.0_1000001E", Data: []byte("corps")}))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := openCFB(bytes.NewReader(data), int64(len(data))); err == nil {
			for _, e := range c.dir {
				if e.kind != 2 {
					continue
				}
				if r, err := c.open(e); err == nil {
					io.Copy(io.Discard, r)
				}
			}
		}
		p := filepath.Join(dir, "f.bin")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		if err := New(testOptions()).File(context.Background(), p, rec); err != nil {
			t.Fatal(err)
		}
		checkRecorder(t, rec, len(data))
	})
}

// The benchmarks' writer and the reader agree on many strings, cut
// across CONTINUE records one byte or two a character, numbers and dates.
func TestXLSWriterRoundTrip(t *testing.T) {
	var rows [][]xlswrite.Cell
	want := map[string]string{}
	words := []string{"Zoé", "Œuvray", "Nguyễn Thị", "rue de la Paix", "jean.dupont@exemple.fr", "x"}
	for r := 0; r < 3000; r++ {
		text := strings.Repeat(words[r%len(words)], 1+r%7) + strconv.Itoa(r)
		rows = append(rows, []xlswrite.Cell{
			{Text: text},
			{Number: float64(r) * 1.25, IsNum: true},
			{Number: float64(30000 + r), IsNum: true, Format: "dd/mm/yyyy"},
			{Number: float64(600000000 + r), IsNum: true, Format: "0#########"},
		})
		d := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 30000+r)
		for c, v := range []string{text, strconv.FormatFloat(float64(r)*1.25, 'f', -1, 64), d.Format("02/01/2006"), "0" + strconv.Itoa(600000000+r)} {
			want[fmt.Sprintf("Feuille 1\t%d\t%d", r+1, c)] = v
		}
	}
	p := filepath.Join(t.TempDir(), "w.xls")
	if err := os.WriteFile(p, xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: xlswrite.Workbook([]xlswrite.Sheet{{Name: "Feuille 1", Rows: rows}})}), 0o644); err != nil {
		t.Fatal(err)
	}
	got, rec := readXLSCells(t, p)
	if len(rec.problems) > 0 {
		t.Fatalf("problems: %v", rec.problemText())
	}
	if len(got) != len(want) {
		t.Fatalf("%d cells, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%q: %q, want %q", k, got[k], v)
		}
	}
}

// A compound file past 7 MiB lists its FAT sectors in DIFAT sectors
// too: its streams read back whole, from any sector.
func TestCFBDIFAT(t *testing.T) {
	big := make([]byte, 9<<20)
	for i := range big {
		big[i] = byte(i / 512)
	}
	small := []byte("sous le seuil du mini stream")
	data := xlswrite.Compound(xlswrite.Stream{Name: "Gros", Data: big}, xlswrite.Stream{Name: "Petit", Data: small})
	if n := binary.LittleEndian.Uint32(data[72:]); n == 0 {
		t.Fatal("no DIFAT sector: the file is too small for the test")
	}
	c, err := openCFB(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		want []byte
	}{{"gros", big}, {"PETIT", small}} {
		e, ok := c.find(s.name)
		if !ok {
			t.Fatalf("no stream %q", s.name)
		}
		r, err := c.open(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(bufio.NewReaderSize(r, 1000)) // reads that start inside sectors
		if err != nil || !bytes.Equal(got, s.want) {
			t.Fatalf("%s: %d bytes (%v), want %d", s.name, len(got), err, len(s.want))
		}
	}
}

// LibreOffice Calc saved people-lo.xls again with an open password
// (testdata/xls/encrypt.py): under Excel's default password the workbook
// is read, every cell as xlrd reads the unencrypted one, and under a
// password of its own when it is given; otherwise it is reported, and
// none of it read.
func TestXLSEncrypted(t *testing.T) {
	got, rec := readXLSCells(t, filepath.Join("testdata", "xls", "people-velvet.xls"))
	if len(rec.problems) > 0 {
		t.Fatalf("problems: %v", rec.problemText())
	}
	matchGolden(t, readGolden(t, filepath.Join("testdata", "xls", "people-lo.golden")), got)

	got, rec = readXLSCells(t, filepath.Join("testdata", "xls", "people-secret.xls"))
	if probs := strings.Join(rec.problemText(), "\n"); len(got) > 0 || !strings.Contains(probs, "encrypted: a password-protected workbook; not scanned (give its password with --password)") {
		t.Fatalf("%d cells, problems %q", len(got), probs)
	}

	for pws, want := range map[string]string{"faux secret": "", "faux": "encrypted: a password-protected workbook; not scanned (none of the passwords given opens it)"} {
		o := testOptions()
		o.Passwords = strings.Fields(pws)
		rec := &recorder{}
		p := filepath.Join("testdata", "xls", "people-secret.xls")
		if err := New(o).File(context.Background(), p, rec); err != nil {
			t.Fatal(err)
		}
		probs := strings.Join(rec.problemText(), "\n")
		if want == "" {
			velvet := &recorder{}
			New(testOptions()).File(context.Background(), filepath.Join("testdata", "xls", "people-velvet.xls"), velvet)
			if probs != "" || len(rec.docs) != 1 || len(velvet.docs) != 1 || rec.docs[0].whole() != velvet.docs[0].whole() {
				t.Errorf("passwords %q: problems %q, documents %v", pws, probs, rec.paths())
			}
		} else if !strings.Contains(probs, want) || strings.Contains(probs, "faux") {
			t.Errorf("passwords %q: problems %q", pws, probs)
		}
	}
}

// Workbooks encrypted as Excel 2002-2003 does (RC4 CryptoAPI, 128 and 40
// bits) and as Excel 97-2000 did (RC4), from people-lo.xls: read as the
// unencrypted one with the password given, reported without it.
func TestXLSEncryptedMethods(t *testing.T) {
	var stream []byte
	for _, st := range cfbStreams(t, mustRead(t, filepath.Join("testdata", "xls", "people-lo.xls"))) {
		if st.Name == "Workbook" {
			stream = st.Data
		}
	}
	want := readGolden(t, filepath.Join("testdata", "xls", "people-lo.golden"))
	dir := t.TempDir()
	for name, m := range map[string]rc4write.Method{"rc4.xls": {}, "cryptoapi.xls": {CryptoAPI: true}, "cryptoapi-40.xls": {CryptoAPI: true, KeyBits: 40}} {
		enc := rc4write.Workbook(stream, m, "Secret", []byte("0123456789abcdef"), []byte("fedcba9876543210"))
		p := writeFile(t, dir, name, xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: enc}))
		if got, _ := readXLSCells(t, p); len(got) > 0 {
			t.Errorf("%s: %d cells read without the password", name, len(got))
		}
		o := testOptions()
		o.Passwords = []string{"Secret"}
		cells, rec := readXLSCellsWith(t, p, o)
		if len(rec.problems) > 0 {
			t.Fatalf("%s: problems %v", name, rec.problemText())
		}
		matchGolden(t, want, cells)
	}
}

// The FILEPASS records of the encryptions not read, and broken ones: each
// reported with what it is, nothing of the workbook read.
func TestXLSFilePass(t *testing.T) {
	velvet, err := os.ReadFile(filepath.Join("testdata", "xls", "people-velvet.xls"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := openCFB(bytes.NewReader(velvet), int64(len(velvet)))
	if err != nil {
		t.Fatal(err)
	}
	e, _ := c.find("Workbook")
	r, _ := c.open(e)
	stream, _ := io.ReadAll(r)
	bofEnd := 4 + int(binary.LittleEndian.Uint16(stream[2:]))
	if binary.LittleEndian.Uint16(stream[bofEnd:]) != recFilePass {
		t.Fatal("no FILEPASS after the BOF")
	}
	filePass := stream[bofEnd+4 : bofEnd+4+54]
	with := func(record []byte) []byte {
		out := append([]byte(nil), stream[:bofEnd]...)
		out = append(out, xlswrite.Record(recFilePass, record)...)
		return append(out, stream[bofEnd+4+54:]...)
	}
	flipped := append([]byte(nil), filePass...)
	flipped[30] ^= 1 // the verifier
	dir := t.TempDir()
	for name, c := range map[string]struct {
		stream []byte
		want   string
	}{
		"xor.xls":       {with(append(u16(0), u32(0x1234)...)), "encrypted: a password-protected workbook; not scanned (XOR obfuscation, not read)"},
		"cryptoapi.xls": {with(append(u16(1), append(u16(4), u16(2)...)...)), "syntax error: record 0x002F at byte 20: a record ends before its fields"},
		"version.xls":   {with(append(u16(1), append(u16(9), u16(9)...)...)), "encrypted: a password-protected workbook; not scanned (encryption version 9.9, not read)"},
		"verifier.xls":  {with(flipped), "encrypted: a password-protected workbook; not scanned"},
		"court.xls":     {with(filePass[:20]), "syntax error: record 0x002F at byte 20: a record ends before its fields"},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: c.stream}), 0o644); err != nil {
			t.Fatal(err)
		}
		got, rec := readXLSCells(t, p)
		if probs := strings.Join(rec.problemText(), "\n"); len(got) > 0 || !strings.Contains(probs, c.want) {
			t.Errorf("%s: %d cells, problems %q, want %q", name, len(got), probs, c.want)
		}
	}
}
