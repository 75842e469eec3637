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
)

// readXLSCells reads a workbook into "sheet<TAB>row<TAB>col" → value,
// header cells included.
func readXLSCells(t *testing.T, path string) (map[string]string, *recorder) {
	t.Helper()
	rec := &recorder{}
	if err := New(testOptions()).File(context.Background(), path, rec); err != nil {
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
		})
	}
}

// testStream is a stream of a compound file that buildCFB writes.
type testStream struct {
	name string
	data []byte
}

// buildCFB writes a version 3 compound file (512-byte sectors) holding
// streams at its root: those under 4096 bytes in the mini stream, as
// writers do.
func buildCFB(streams ...testStream) []byte {
	const sec = 512
	le := binary.LittleEndian
	var sectors [][]byte
	var fat []uint32
	chain := func(data []byte) uint32 {
		n := (len(data) + sec - 1) / sec
		if n == 0 {
			return cfbEndOfChain
		}
		start := uint32(len(sectors))
		for i := 0; i < n; i++ {
			s := make([]byte, sec)
			copy(s, data[i*sec:])
			sectors = append(sectors, s)
			next := uint32(len(sectors))
			if i == n-1 {
				next = cfbEndOfChain
			}
			fat = append(fat, next)
		}
		return start
	}
	var mini, miniFAT []byte
	starts := make([]uint32, len(streams))
	for i, s := range streams {
		if len(s.data) >= 4096 {
			starts[i] = chain(s.data)
			continue
		}
		n := (len(s.data) + 63) / 64
		starts[i] = uint32(len(mini) / 64)
		if n == 0 {
			starts[i] = cfbEndOfChain
		}
		for k := 0; k < n; k++ {
			next := uint32(len(mini)/64 + 1)
			if k == n-1 {
				next = cfbEndOfChain
			}
			miniFAT = le.AppendUint32(miniFAT, next)
			block := make([]byte, 64)
			copy(block, s.data[k*64:])
			mini = append(mini, block...)
		}
	}
	miniStart := chain(mini)
	miniFATStart := chain(miniFAT)
	entry := func(name string, kind byte, child, right, start uint32, size int) []byte {
		e := make([]byte, cfbDirEntry)
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			le.PutUint16(e[2*i:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = kind, 1
		le.PutUint32(e[68:], cfbFree)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], uint64(size))
		return e
	}
	child := uint32(cfbFree)
	if len(streams) > 0 {
		child = 1
	}
	dir := entry("Root Entry", 5, child, cfbFree, miniStart, len(mini))
	for i, s := range streams {
		right := uint32(i + 2)
		if i == len(streams)-1 {
			right = cfbFree
		}
		dir = append(dir, entry(s.name, 2, cfbFree, right, starts[i], len(s.data))...)
	}
	for len(dir)%sec != 0 {
		dir = append(dir, entry("", 0, cfbFree, cfbFree, cfbFree, 0)...)
	}
	dirStart := chain(dir)
	nFAT := 1
	for (len(sectors)+nFAT)*4 > nFAT*sec {
		nFAT++
	}
	var fatSectors []uint32
	for i := 0; i < nFAT; i++ {
		fatSectors = append(fatSectors, uint32(len(sectors)))
		fat = append(fat, 0xFFFFFFFD)
		sectors = append(sectors, nil)
	}
	for len(fat)%(sec/4) != 0 {
		fat = append(fat, cfbFree)
	}
	for i, s := range fatSectors {
		b := make([]byte, sec)
		for k := 0; k < sec/4; k++ {
			le.PutUint32(b[4*k:], fat[i*sec/4+k])
		}
		sectors[s] = b
	}
	h := make([]byte, sec)
	copy(h, cfbMagic)
	le.PutUint16(h[24:], 0x3E)
	le.PutUint16(h[26:], 3)
	le.PutUint16(h[28:], 0xFFFE)
	le.PutUint16(h[30:], 9)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], uint32(nFAT))
	le.PutUint32(h[48:], dirStart)
	le.PutUint32(h[56:], 4096)
	le.PutUint32(h[60:], miniFATStart)
	le.PutUint32(h[64:], uint32((len(miniFAT)+sec-1)/sec))
	le.PutUint32(h[68:], cfbEndOfChain)
	for i := 0; i < 109; i++ {
		v := uint32(cfbFree)
		if i < len(fatSectors) {
			v = fatSectors[i]
		}
		le.PutUint32(h[76+4*i:], v)
	}
	out := h
	for _, s := range sectors {
		out = append(out, s...)
	}
	return out
}

// biffRec writes a record; data longer than 8224 bytes is not split.
func biffRec(typ uint16, parts ...[]byte) []byte {
	var data []byte
	for _, p := range parts {
		data = append(data, p...)
	}
	out := binary.LittleEndian.AppendUint16(nil, typ)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(data)))
	return append(out, data...)
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
	bof := func(kind int) []byte { return biffRec(recBOF, u16(0x0600), u16(kind), u32(0), u32(0), u32(0)) }
	globals := append(bof(5), biffRec(recCodePage, u16(1200))...)
	globals = append(globals, biffRec(recXF, u16(0), u16(0), make([]byte, 16))...)
	globals = append(globals, biffRec(recFormat, u16(164), u16(10), []byte{0}, []byte("dd/mm/yyyy"))...)
	globals = append(globals, biffRec(recXF, u16(0), u16(164), make([]byte, 16))...)
	globals = append(globals, sst...)
	sheetName := []byte{6, 0, 'A', 'g', 'e', 'n', 't', 's'}
	boundLen := len(biffRec(recBoundSheet, u32(0), []byte{0, 0}, sheetName))
	eof := biffRec(recEOF)
	pos := len(globals) + boundLen + len(eof)
	globals = append(globals, biffRec(recBoundSheet, u32(pos), []byte{0, 0}, sheetName)...)
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
	sst := biffRec(recSST, u32(3), u32(3),
		u16(5), []byte{0}, latin1("Zoé D"), // one byte a character
		u16(12), []byte{0}, latin1("Jérô"), // cut: the rest in CONTINUE, in UTF-16
	)
	sst = append(sst, biffRec(recContinue, []byte{1}, utf16le("me Œuvré"),
		u16(3), []byte{8}, u16(1), latin1("abc"), u32(0))...) // rich text: one run passed
	rkInt := func(v int) []byte { return u32(v<<2 | 2) }
	cells := [][]byte{
		biffRec(recLabelSST, u16(0), u16(0), u16(0), u32(0)),
		biffRec(recLabelSST, u16(0), u16(1), u16(0), u32(1)),
		biffRec(recLabelSST, u16(1), u16(0), u16(0), u32(2)),
		biffRec(recRK, u16(1), u16(1), u16(1), rkInt(31179)), // 12/05/1985 by format 164
		biffRec(recMulRK, u16(2), u16(0), u16(0), rkInt(7), u16(0), u32(61234567<<2|2|1), u16(1)),
		biffRec(recNumber, u16(3), u16(2), u16(0), binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.1))),
		biffRec(recBoolErr, u16(3), u16(0), u16(0), []byte{1, 0}),
		biffRec(recBoolErr, u16(3), u16(1), u16(0), []byte{7, 1}), // #DIV/0!: nothing
	}
	book := testBook(sst, cells...)
	if len(book) >= 4096 {
		t.Fatalf("the stream is %d bytes: not in the mini stream", len(book))
	}
	p := filepath.Join(t.TempDir(), "agents.xls")
	if err := os.WriteFile(p, buildCFB(testStream{"\x05SummaryInformation", make([]byte, 200)}, testStream{"Workbook", book}), 0o644); err != nil {
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
	book := testBook(biffRec(recSST, u32(1), u32(1), u16(5), []byte{0}, latin1("Jules")),
		biffRec(recLabelSST, u16(0), u16(0), u16(0), u32(0)))
	loop := buildCFB(testStream{"Workbook", append(book, make([]byte, 5000)...)})
	// The directory's sector points at itself in the FAT.
	dirSector := binary.LittleEndian.Uint32(loop[48:])
	binary.LittleEndian.PutUint32(loop[512+512*firstFATSector(loop)+4*int(dirSector):], dirSector)
	badVersion := buildCFB(testStream{"Workbook", book})
	binary.LittleEndian.PutUint16(badVersion[26:], 5)
	withPass := testBook(nil)
	withPass = append(withPass[:20:20], append(biffRec(recFilePass, u16(1), make([]byte, 52)), withPass[20:]...)...)
	biff2 := append(biffRec(recBOF, u16(0x0200), u16(0x10)), biffRec(recEOF)...)
	cutSST := testBook(biffRec(recSST, u32(2), u32(2), u16(40), []byte{0}, latin1("Jul")))
	cases := []struct {
		name, data, want string
		skipped          bool
	}{
		{"secret.xlsx", string(buildCFB(testStream{"EncryptionInfo", make([]byte, 300)}, testStream{"EncryptedPackage", make([]byte, 5000)})),
			"encrypted: a password-protected Office document; not scanned", true},
		{"lettre.doc", string(buildCFB(testStream{"WordDocument", make([]byte, 5000)}, testStream{"1Table", make([]byte, 100)})),
			"unsupported content: a Word 97-2003 document is not scanned", true},
		{"autre.xls", string(buildCFB(testStream{"Contents", []byte("x")})),
			"unsupported content: a compound file with no workbook is not scanned", true},
		{"cut.xls", string(good[:len(good)/2]), "syntax error: compound file", false},
		{"loop.xls", string(loop), "syntax error: compound file directory: a sector chain loops", false},
		{"version.xls", string(badVersion), "syntax error: compound file header: version 5 with sectors of 2^9 bytes", false},
		{"pass.xls", string(buildCFB(testStream{"Workbook", withPass})), "encrypted: a password-protected workbook; not scanned", false},
		{"biff2.xls", string(buildCFB(testStream{"Workbook", biff2})), "unsupported content: BIFF version 0x0200 (only Excel 5 to 2003 workbooks are read)", false},
		{"sst.xls", string(buildCFB(testStream{"Workbook", cutSST})), "syntax error: record 0x00FC at byte", false},
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
	for _, name := range []string{"small-xlwt.xls", "people-biff5.xls"} {
		data, err := os.ReadFile(filepath.Join("testdata", "xls", name))
		if err != nil {
			f.Fatal(err)
		}
		c, err := openCFB(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			f.Fatal(err)
		}
		e, _ := c.find("Workbook")
		if e.name == "" {
			e, _ = c.find("Book")
		}
		r, _ := c.open(e)
		stream, _ := io.ReadAll(io.LimitReader(r, 2048))
		f.Add(stream)
	}
	f.Add(testBook(biffRec(recSST, u32(2), u32(2), u16(3), []byte{0}, latin1("Zoé"), u16(4), []byte{1}, utf16le("Œuf")),
		biffRec(recLabelSST, u16(0), u16(0), u16(0), u32(1)), biffRec(recRK, u16(0), u16(1), u16(1), u32(31179<<2|2))))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, stream []byte) {
		p := filepath.Join(dir, "f.xls")
		if err := os.WriteFile(p, buildCFB(testStream{"Workbook", stream}), 0o644); err != nil {
			t.Fatal(err)
		}
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
	})
}

// FuzzCFB reads compound files whatever their bytes: no panic, no loop.
func FuzzCFB(f *testing.F) {
	small, err := os.ReadFile(filepath.Join("testdata", "xls", "small-xlwt.xls"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add(buildCFB(testStream{"Workbook", testBook(nil)}, testStream{"EncryptionInfo", []byte("x")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := openCFB(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, e := range c.dir {
			if e.kind != 2 {
				continue
			}
			if r, err := c.open(e); err == nil {
				io.Copy(io.Discard, r)
			}
		}
	})
}
