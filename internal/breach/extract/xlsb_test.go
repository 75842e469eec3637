package extract

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tocsin/internal/breach/extract/xlswrite"
)

// The fixtures were written by SheetJS from people-lo.xls, with the text
// in the shared strings and in the cells; LibreOffice reads in each the
// very cells xlrd reads in people-lo.xls (testdata/xlsb/make.mjs). The
// reader reads the same, and no other.
func TestXLSBMatchesXlrd(t *testing.T) {
	want := readGolden(t, filepath.Join("testdata", "xls", "people-lo.golden"))
	for _, name := range []string{"people-sst", "people-inline"} {
		t.Run(name, func(t *testing.T) {
			got, rec := readXLSCells(t, filepath.Join("testdata", "xlsb", name+".xlsb"))
			if len(rec.problems) > 0 {
				t.Fatalf("problems: %v", rec.problemText())
			}
			if d := rec.docs[0]; d.format != FormatXLSB {
				t.Fatalf("format %q", d.format)
			}
			matchGolden(t, want, got)
		})
	}
}

var (
	xlsbRecord = xlswrite.XLSBRecord
	wide       = xlswrite.WideString
)

// xlsbBook writes a binary workbook of one sheet "Feuille" whose part
// holds sheet, and the shared strings strs.
func xlsbBook(t testing.TB, sheet []byte, strs ...string) []byte {
	var sst []byte
	for _, s := range strs {
		sst = append(sst, xlsbRecord(brtSSTItem, []byte{0}, wide(s))...)
	}
	return xlswrite.Package([]string{"Feuille"}, [][]byte{sheet}, sst, nil)
}

// cell writes a cell's column and cell format; short cells have only the
// format.
func xlsbCell(col int) []byte { return append(u32(col), u32(0)...) }

func TestXLSBRecords(t *testing.T) {
	style := u32(0)
	sheet := bytes.Join([][]byte{
		xlsbRecord(129), // BrtBeginSheet, passed over
		xlsbRecord(brtRowHdr, u32(0), make([]byte, 13)),
		xlsbRecord(brtCellIsst, xlsbCell(1), u32(0)),
		xlsbRecord(brtShortIsst, style, u32(1)), // column 2
		xlsbRecord(brtShortBlank, style),        // 3
		xlsbRecord(brtShortRk, style, u32(61234567<<2|2)),
		xlsbRecord(brtShortError, style, []byte{0x07}), // 5
		xlsbRecord(brtShortReal, style, binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.25))),
		xlsbRecord(brtShortBool, style, []byte{1}),
		xlsbRecord(0x0400, []byte("ignored data")), // a type of two bytes
		xlsbRecord(brtRowHdr, u32(4)),
		xlsbRecord(brtCellSt, xlsbCell(0), wide("Zoé Lefèvre")),
		xlsbRecord(brtFmlaString, xlsbCell(3), wide("jean@exemple.fr"), u16(0), u32(0)),
		xlsbRecord(brtShortSt, style, wide("Œuvray")), // 4
		xlsbRecord(brtCellRString, xlsbCell(6), []byte{1}, wide("06 12 34 56 78"), u32(0)),
		xlsbRecord(brtFmlaNum, xlsbCell(8), binary.LittleEndian.AppendUint64(nil, math.Float64bits(185057800608436)), u16(0)),
		xlsbRecord(brtFmlaBool, xlsbCell(9), []byte{0}),
		xlsbRecord(brtCellBlank, xlsbCell(10)),
		xlsbRecord(brtShortRk, style, u32(12345<<2|3)), // 11: 123.45
		xlsbRecord(130),
	}, nil)
	p := filepath.Join(t.TempDir(), "book.xlsb")
	if err := os.WriteFile(p, xlsbBook(t, sheet, "NIR", "1 85 05 78 006 084 36"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, rec := readXLSCells(t, p)
	if len(rec.problems) > 0 {
		t.Fatalf("problems: %v", rec.problemText())
	}
	want := map[string]string{
		"Feuille\t1\t1": "NIR", "Feuille\t1\t2": "1 85 05 78 006 084 36", "Feuille\t1\t4": "61234567",
		"Feuille\t1\t6": "0.25", "Feuille\t1\t7": "TRUE",
		"Feuille\t5\t0": "Zoé Lefèvre", "Feuille\t5\t3": "jean@exemple.fr", "Feuille\t5\t4": "Œuvray",
		"Feuille\t5\t6": "06 12 34 56 78", "Feuille\t5\t8": "185057800608436", "Feuille\t5\t9": "FALSE",
		"Feuille\t5\t11": "123.45",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", strings.ReplaceAll(k, "\t", " "), got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %q, not wanted", strings.ReplaceAll(k, "\t", " "), v)
		}
	}
}

// A broken sheet is reported with the record and the byte where it
// breaks, never a value; the rows before it count. A truncated or
// corrupted package never panics.
func TestXLSBBroken(t *testing.T) {
	row := xlsbRecord(brtRowHdr, u32(0))
	good := xlsbRecord(brtCellSt, xlsbCell(0), wide("Marie Curie"))
	for _, c := range []struct {
		name  string
		sheet []byte
		err   string
	}{
		{"string past its record", append(append(row, good...), xlsbRecord(brtCellSt, xlsbCell(1), u32(400), utf16le("jean"))...), "record 6 at byte 42: a string of 400 characters in 8 bytes"},
		{"cell too short", append(append(row, good...), xlsbRecord(brtCellIsst, u32(1))...), "record 7 at byte 42: a record shorter than its fields"},
		{"record too large", append(append(row, good...), 0x06, 0xFF, 0xFF, 0xFF, 0x7F), "record 6 at byte 42: 268435455 bytes"},
		{"cut in a record", append(append(row, good...), xlsbRecord(brtCellSt, xlsbCell(1), wide("Pierre Dupont"))[:12]...), "the part ends inside a record at byte 42"},
		{"header too long", append(append(row, good...), 0x86, 0x81, 0x01), "a record header at byte 42 runs past 2 bytes"},
		{"unknown shared string", append(append(row, good...), xlsbRecord(brtCellIsst, xlsbCell(1), u32(9))...), "shared string 9 of 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "book.xlsb")
			if err := os.WriteFile(p, xlsbBook(t, c.sheet), 0o644); err != nil {
				t.Fatal(err)
			}
			got, rec := readXLSCells(t, p)
			if got["Feuille\t1\t0"] != "Marie Curie" {
				t.Errorf("the row before the break: %q", got)
			}
			text := strings.Join(rec.problemText(), "\n")
			if !strings.Contains(text, c.err) || !strings.Contains(text, "sheet 1") {
				t.Errorf("problems %q, want %q", text, c.err)
			}
			for _, v := range []string{"Pierre", "Dupont", "jean", "Feuille"} {
				if strings.Contains(text, v) {
					t.Errorf("%q quoted in %q", v, text)
				}
			}
		})
	}
	data, err := os.ReadFile(filepath.Join("testdata", "xlsb", "people-sst.xlsb"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for cut := 0; cut < len(data); cut += 997 {
		p := filepath.Join(dir, "cut.xlsb")
		if err := os.WriteFile(p, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		validLines(t, rec, -1, false)
	}
}

// FuzzXLSB reads any sheet part: no panic, every cell UTF-8.
func FuzzXLSB(f *testing.F) {
	f.Add(bytes.Join([][]byte{
		xlsbRecord(brtRowHdr, u32(0)), xlsbRecord(brtCellIsst, xlsbCell(0), u32(0)),
		xlsbRecord(brtShortSt, u32(0), wide("Zoé")), xlsbRecord(brtShortRk, u32(0), u32(31179<<2|2)),
	}, nil))
	zf, err := zip.OpenReader(filepath.Join("testdata", "xlsb", "people-sst.xlsb"))
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range zf.File {
		if m.Name == "xl/worksheets/sheet2.bin" {
			rc, _ := m.Open()
			b, _ := io.ReadAll(io.LimitReader(rc, 2048))
			rc.Close()
			f.Add(b)
		}
	}
	zf.Close()
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, sheet []byte) {
		p := filepath.Join(dir, "f.xlsb")
		if err := os.WriteFile(p, xlsbBook(t, sheet, "Jean", "Œuf"), 0o644); err != nil {
			t.Fatal(err)
		}
		validCells(t, p)
	})
}

// A binary workbook is told by its parts, whatever its name.
func TestXLSBByContent(t *testing.T) {
	sheet := append(xlsbRecord(brtRowHdr, u32(0)), xlsbRecord(brtCellIsst, xlsbCell(0), u32(0))...)
	for _, name := range []string{"classeur.xlsb", "classeur.zip", "classeur"} {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, xlsbBook(t, sheet, "Jean Dupont"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, rec := readXLSCells(t, p)
		if len(rec.docs) != 1 || rec.docs[0].format != FormatXLSB || got["Feuille\t1\t0"] != "Jean Dupont" {
			t.Errorf("%s: documents %v, cells %q", name, rec.paths(), got)
		}
	}
}
