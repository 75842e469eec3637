package extract

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// cellMap records every non-blank cell an extraction hands over, header
// names included (as row 1), keyed "sheet!row:col".
type cellMap struct {
	cells    map[string]string
	problems []string
}

type cellDoc struct{ m *cellMap }
type cellTable struct {
	m    *cellMap
	name string
}

func (m *cellMap) Begin(string, Format) Doc { return cellDoc{m} }
func (d cellDoc) Line(*Line)                {}
func (d cellDoc) Table(name string) Table   { return &cellTable{d.m, name} }
func (d cellDoc) Problem(p Problem)         { d.m.problems = append(d.m.problems, p.Error()) }
func (d cellDoc) End(int64)                 {}
func (t *cellTable) End()                   {}
func (t *cellTable) Column(i int, name string, header bool) {
	if header && name != "" {
		t.m.cells[fmt.Sprintf("%s!1:%d", t.name, i)] = name
	}
}
func (t *cellTable) Row(r *Row) {
	for _, c := range r.Cells {
		t.m.cells[fmt.Sprintf("%s!%d:%d", t.name, r.N, c.Col)] = string(c.Value)
	}
}

func readCells(t *testing.T, p string) *cellMap {
	t.Helper()
	m := &cellMap{cells: map[string]string{}}
	if err := New(testOptions()).File(context.Background(), p, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// excelizeCells is what excelize reads from the same workbook, the
// built-in short dates as ISO dates.
func excelizeCells(t *testing.T, p string) map[string]string {
	t.Helper()
	f, err := excelize.OpenFile(p, excelize.Options{ShortDatePattern: "yyyy-mm-dd"})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.Rows(name)
		if err != nil {
			t.Fatal(err)
		}
		for n := 1; rows.Next(); n++ {
			cols, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range cols {
				if strings.TrimSpace(v) != "" {
					if n == 1 {
						v = strings.TrimSpace(v)
					}
					out[fmt.Sprintf("%s!%d:%d", name, n, i)] = v
				}
			}
		}
		rows.Close()
	}
	return out
}

func diffCells(t *testing.T, got, want map[string]string) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: got %q, want %q", k, got[k], want[k])
		}
	}
}

// TestXLSXMatchesExcelize writes workbooks with excelize, shared strings
// and inline strings, rich text, numbers, booleans and number formats,
// and checks that every cell reads as excelize reads it.
func TestXLSXMatchesExcelize(t *testing.T) {
	x := excelize.NewFile()
	header := []any{"nom", "email", "naissance", "tel", "montant", "divers"}
	x.SetSheetRow("Sheet1", "A1", &header)
	texts := []string{"Dupont & fils", "<b>gras</b>", `"entre guillemets"`, "l'été", "Zoë 😀", "ligne1\nligne2",
		"  espaces  ", "a_x000D_b", "tab\there", "ﬁn", "crlf\r\nfin"}
	numbers := []any{0, 7, 612345678, int64(123456789012345678), 0.1, -3.5, 1e-7, 1e21, 31179.3541666667, true, false}
	row := 2
	for i := 0; i < len(texts) || i < len(numbers); i++ {
		if i < len(texts) {
			x.SetCellValue("Sheet1", fmt.Sprintf("A%d", row), texts[i])
		}
		if i < len(numbers) {
			// Sparse: column B is left empty, D holds the number.
			x.SetCellValue("Sheet1", fmt.Sprintf("D%d", row), numbers[i])
		}
		row += 1 + i%2 // and some rows are left out
	}
	// Number formats, built-in and the workbook's own, on dates, times
	// and integers (phone numbers and postcodes kept as numbers).
	// A full date with names or a two-digit year reads as an ISO date
	// (iso), where excelize shows it as the format says.
	formats := []struct {
		id     int
		custom string
		value  any
		iso    string
	}{
		{14, "", 31179.3541666667, ""}, {22, "", 31179.3541666667, ""}, {20, "", 0.75, ""}, {21, "", 0.5003, ""}, {1, "", 612345678.4, ""},
		{0, "dd/mm/yyyy", 31179.3541666667, ""}, {0, "d mmmm yyyy", 31179.0, "1985-05-12"}, {0, "dd.mm.yyyy", 45000, ""},
		{0, "yyyy-mm-dd hh:mm:ss", 31179.3541666667, ""}, {0, "mmm-yy", 31179, ""}, {0, "dddd d mmmm yyyy", 31179, "1985-05-12"},
		{0, "h:mm AM/PM", 0.8, ""}, {0, "00000", 1000, ""}, {0, "0#########", 612345678, ""},
		{0, `00" "00" "00" "00" "00`, 612345678, ""}, {0, `0\ 00\ 00\ 00\ 00`, 145678901, ""}, {0, "00000", 75001, ""},
		{0, "d/m/yy", 2, "1900-01-02"}, {0, "yyyy-mm-dd", 60, ""}, {0, "yyyy-mm-dd", 61, ""},
		{0, "d mmm yy h:mm", 31179.3541666667, "1985-05-12 08:30"},
	}
	iso := map[string]string{}
	for i, f := range formats {
		cell := fmt.Sprintf("C%d", row+i)
		if f.iso != "" {
			iso[fmt.Sprintf("Sheet1!%d:2", row+i)] = f.iso
		}
		setFormatted(t, x, cell, f.value, f.id, f.custom)
	}
	// Rich text: runs joined.
	x.SetCellRichText("Sheet1", "F2", []excelize.RichTextRun{{Text: "Jean "}, {Text: "Dupont", Font: &excelize.Font{Bold: true}}})

	// A second sheet written as a stream: inline strings.
	x.NewSheet("R&D é")
	sw, err := x.NewStreamWriter("R&D é")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"nom", "prénom", "courriel"})
	for r := 2; r < 40; r++ {
		sw.SetRow(fmt.Sprintf("A%d", r), []any{fmt.Sprintf("Nom%d <&>", r), "Élodie", fmt.Sprintf("e%d@exemple.fr", r), r * 1000, float64(r) / 3})
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	// An empty sheet.
	x.NewSheet("Vide")
	p := filepath.Join(t.TempDir(), "book.xlsx")
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	got := readCells(t, p)
	if len(got.problems) > 0 {
		t.Errorf("problems: %v", got.problems)
	}
	want := excelizeCells(t, p)
	if len(want) < 100 {
		t.Fatalf("only %d cells from excelize", len(want))
	}
	for k, v := range iso {
		want[k] = v
	}
	diffCells(t, got.cells, want)
}

// xlsxParts builds a workbook from its parts.
func xlsxParts(t testing.TB, sheet string, extra ...entry) []byte {
	t.Helper()
	parts := []entry{
		{"[Content_Types].xml", []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)},
		{"_rels/.rels", []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{"xl/workbook.xml", []byte(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Graphique" sheetId="2" r:id="rId9"/><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{"xl/_rels/workbook.xml.rels", []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`)},
		{"xl/worksheets/sheet1.xml", []byte(sheet)},
	}
	return zipBytes(t, append(parts, extra...)...)
}

// TestXLSXParts reads what other writers than excelize put in a workbook:
// prefixed elements, rows and cells without references, formulas with
// their cached values, errors, ISO dates, phonetic guides, CDATA,
// comments, character references, line ends, a 1904 date system, a
// chart sheet, an absolute part name, a shared string out of range.
func TestXLSXParts(t *testing.T) {
	sheet := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- written by hand -->
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
<x:row r="1"><x:c r="A1" t="s"><x:v> 0 </x:v></x:c><x:c r="C1" t="s"><x:v>1</x:v></x:c></x:row>
<x:row><x:c t="s"><x:v>2</x:v></x:c><x:c t="inlineStr"><x:is><x:t>Caf&#233; &#xE9;t&lt;&gt;&amp;&quot;&apos;</x:t></x:is></x:c><x:c t="str"><x:f>CONCAT("a","b")</x:f><x:v>ab</x:v></x:c></x:row>
<x:row r="5" spans="1:4"><x:c r="B5" t="e"><x:v>#N/A</x:v></x:c><x:c r="C5" t="d"><x:v>1985-05-12T00:00:00</x:v></x:c><x:c r="D5" s="1"><x:v>29717</x:v></x:c><x:c r="E5" t="s"><x:v>99</x:v></x:c><x:c r="F5"/></x:row>
<x:row r="6"><x:c r="A6" t="inlineStr"><x:is><x:t><![CDATA[<pas une balise> & ]]></x:t><x:t xml:space="preserve">a&#13;&#10;b
c</x:t></x:is></x:c><x:c r="XFD6" t="b"><x:v>1</x:v></x:c></x:row>
<x:row r="7"><x:c r="A7" t="inlineStr"><x:is><x:t>jamais fermée</x:t></x:is></x:c>
<x:row r="8"><x:c r="A8"><x:v>8</x:v></x:c></x:row>
</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>`
	strs := `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>nom</t></si><si><r><t>cou</t></r><r><rPr><b/></rPr><t>rriel</t></r></si><si><t>Tanaka</t><rPh sb="0" eb="2"><t>タナカ</t></rPh></si></sst>`
	styles := `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellStyleXfs count="1"><xf numFmtId="164"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>`
	wb1904 := `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="Graphique" sheetId="2" r:id="rId9"/><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	data := xlsxParts(t, sheet, entry{"xl/sharedStrings.xml", []byte(strs)}, entry{"xl/styles.xml", []byte(styles)}, entry{"xl/chartsheets/sheet1.xml", []byte("<chartsheet/>")})
	dir := t.TempDir()
	p := writeFile(t, dir, "parts.xlsx", data)
	got := readCells(t, p)
	want := map[string]string{
		"Feuil1!1:0": "nom", "Feuil1!1:2": "courriel",
		"Feuil1!2:0": "Tanaka", "Feuil1!2:1": `Café ét<>&"'`, "Feuil1!2:2": "ab",
		"Feuil1!5:1": "#N/A", "Feuil1!5:2": "1985-05-12T00:00:00", "Feuil1!5:3": "11/05/1981",
		"Feuil1!6:0": "<pas une balise> & a\r\nb\nc", "Feuil1!6:16383": "TRUE",
		"Feuil1!7:0": "jamais fermée", "Feuil1!8:0": "8",
	}
	diffCells(t, got.cells, want)
	if len(got.problems) > 0 {
		t.Errorf("problems: %v", got.problems)
	}
	// The same with the 1904 date system: four years and a day later.
	zr := rebuildZip(t, data, "xl/workbook.xml", []byte(wb1904))
	got = readCells(t, writeFile(t, dir, "1904.xlsx", zr))
	want["Feuil1!5:3"] = "12/05/1985"
	diffCells(t, got.cells, want)
}

// rebuildZip replaces one member of a zip.
func rebuildZip(t testing.TB, data []byte, name string, with []byte) []byte {
	t.Helper()
	zr, err := openZip(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var entries []entry
	for _, f := range zr.File {
		b := with
		if f.Name != name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(rc)
			rc.Close()
		}
		entries = append(entries, entry{f.Name, b})
	}
	return zipBytes(t, entries...)
}

// TestXLSXBroken: a malformed sheet is reported with its place, never
// its content, and the other sheets are still read.
func TestXLSXBroken(t *testing.T) {
	dir := t.TempDir()
	two := `<workbook xmlns:r="r"><sheets><sheet name="A" r:id="rId1"/><sheet name="B" r:id="rId2"/></sheets></workbook>`
	rels := `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/worksheet" Target="worksheets/sheet2.xml"/></Relationships>`
	bad := `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>secret@exemple.fr</t></is></c></row><row r="2"><c t="inlineStr"><is><t>secret2@exemple.fr</t></is></c></row><row r="3"><c t="inlineStr"><is><t>secret3@exemple.fr</t></is></c><c t="inlineStr" r="B3`
	good := `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>0612345678</t></is></c></row></sheetData></worksheet>`
	data := zipBytes(t, entry{"xl/workbook.xml", []byte(two)}, entry{"xl/_rels/workbook.xml.rels", []byte(rels)},
		entry{"xl/worksheets/sheet1.xml", []byte(bad)}, entry{"xl/worksheets/sheet2.xml", []byte(good)})
	got := readCells(t, writeFile(t, dir, "broken.xlsx", data))
	if got.cells["B!1:0"] != "0612345678" || got.cells["A!2:0"] != "secret2@exemple.fr" {
		t.Errorf("cells %v", got.cells)
	}
	if len(got.problems) != 1 || !strings.Contains(got.problems[0], "sheet 1: malformed XML after row 3") {
		t.Errorf("problems %q", got.problems)
	}
	for _, p := range got.problems {
		if strings.Contains(p, "secret") {
			t.Errorf("a problem quotes the sheet: %q", p)
		}
	}
	// No workbook part at all.
	got = readCells(t, writeFile(t, dir, "empty.xlsx", zipBytes(t, entry{"docProps/app.xml", []byte("<x/>")})))
	if len(got.problems) != 1 || !strings.Contains(got.problems[0], "no workbook part") {
		t.Errorf("problems %q", got.problems)
	}
}

// TestXLSXBudget: a sheet that inflates past the archive limit stops
// there and is reported as skipped.
func TestXLSXBudget(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`<worksheet><sheetData>`)
	for r := 1; r <= 20000; r++ {
		fmt.Fprintf(&sb, `<row r="%d"><c t="inlineStr"><is><t>valeur %d</t></is></c></row>`, r, r)
	}
	sb.WriteString(`</sheetData></worksheet>`)
	wb := `<workbook xmlns:r="r"><sheets><sheet name="A" r:id="rId1"/></sheets></workbook>`
	rels := `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	data := zipBytes(t, entry{"xl/workbook.xml", []byte(wb)}, entry{"xl/_rels/workbook.xml.rels", []byte(rels)}, entry{"xl/worksheets/sheet1.xml", []byte(sb.String())})
	o := testOptions()
	o.MaxArchiveBytes = 200 << 10
	m := &cellMap{cells: map[string]string{}}
	if err := New(o).File(context.Background(), writeFile(t, t.TempDir(), "big.xlsx", data), m); err != nil {
		t.Fatal(err)
	}
	if len(m.problems) != 1 || !strings.Contains(m.problems[0], "limit") {
		t.Errorf("problems %q", m.problems)
	}
	if n := len(m.cells); n == 0 || n >= 20000 {
		t.Errorf("%d cells read before the limit", n)
	}
}

// xmlTokens lists a document's elements and text as encoding/xml sees
// them: "<name", ">name" and "text", adjacent text joined.
func xmlTokens(data []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			out = append(out, "<"+t.Name.Local)
		case xml.EndElement:
			out = append(out, ">"+t.Name.Local)
		case xml.CharData:
			out = appendTextToken(out, string(t))
		}
	}
}

func appendTextToken(out []string, text string) []string {
	if text == "" {
		return out
	}
	if n := len(out); n > 0 && strings.HasPrefix(out[n-1], "=") {
		out[n-1] += text
		return out
	}
	return append(out, "="+text)
}

func scanTokens(data []byte) ([]string, error) {
	s := newXMLScanner(bytes.NewReader(data))
	var out []string
	for {
		k, err := s.next()
		if err != nil {
			return out, err
		}
		switch k {
		case xmlEOF:
			return out, nil
		case xmlStart:
			out = append(out, "<"+string(s.name))
		case xmlEnd:
			out = append(out, ">"+string(s.name))
		case xmlText:
			out = appendTextToken(out, string(s.text))
		}
	}
}

// TestXMLScannerPieces: text longer than a piece, tags across the
// buffer's refills, a comment and a DOCTYPE longer than the buffer may
// grow, read as encoding/xml reads them.
func TestXMLScannerPieces(t *testing.T) {
	long := strings.Repeat("é&amp;\r\n", xmlTextPiece/3)
	attrs := strings.Repeat(` a="x>y"`, xmlBufStart/8)
	single := strings.Repeat(` a='x>"y'`, xmlBufStart/8)
	comment := "<!--" + strings.Repeat("- -> ", xmlMaxToken/4) + "-->"
	doctype := "<!DOCTYPE r [" + strings.Repeat("<!ENTITY e '>'>", xmlMaxToken/12) + "]>"
	doc := doctype + "<r><t>" + long + "</t>" + comment + "<c" + attrs + "/><e" + single + `/><d b='"&gt;'>x</d></r>`
	want, err := xmlTokens([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got, err := scanTokens([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("tokens differ: %d and %d", len(got), len(want))
	}
	if v, ok := rawAttr([]byte(` x:a='1' b="2"`), "a"); !ok || string(v) != "1" {
		t.Errorf("attribute a: %q %v", v, ok)
	}
}

func TestColumnOf(t *testing.T) {
	for ref, want := range map[string]int{"A1": 0, "Z9": 25, "AA10": 26, "XFD1048576": 16383, "b2": 1} {
		if got, ok := columnOf([]byte(ref)); !ok || got != want {
			t.Errorf("%s: %d %v, want %d", ref, got, ok, want)
		}
	}
	for _, ref := range []string{"", "1", "ABCD1"} {
		if _, ok := columnOf([]byte(ref)); ok {
			t.Errorf("%q read as a column", ref)
		}
	}
}

// TestNumberFormats: formats excelize does not show as Excel does, and
// those whose output only the detectors need.
func TestNumberFormats(t *testing.T) {
	tests := []struct {
		code, value, want string
	}{
		{"[$-40C]mmmm yyyy", "31179", "mai 1985"},
		{"[$-40C]ddd mmm", "31179", "dim. mai"},
		{"dddd mmmm", "31179", "Sunday May"},
		{"[$-40C]d mmmm yyyy", "31179", "1985-05-12"},
		{"dddd, mmmm d, yyyy h:mm:ss", "31179.5", "1985-05-12 12:00:00"},
		{"dd/mm/yy", "31179", "1985-05-12"},
		{"dd/mm/yyyy", "31179", "12/05/1985"},
		{"[Red]dd/mm/yyyy;@", "31179", "12/05/1985"},
		{"hh:mm:ss.000", "0.5", "12:00:00"},
		{"yyyy-mm-dd", "60", "1900-02-29"},
		{"yyyy-mm-dd", "-1", "-1"},
		{"###", "0", ""},
		{"0#########", "612345678", "0612345678"},
		{"00000", "1000.4", "01000"},
		{"00000", "-75", "-00075"},
		{"00 00", "1234567", "12345 67"},
		{"?? ??", "5", "    5"},
		{"0.00", "12.5", "12.5"},
		{"#,##0", "1234567", "1234567"},
		{"0%", "0.25", "0.25"},
		{"[h]:mm", "1.5", "1.5"},
		{"0.00E+00", "12345", "12345"},
		{"@", "12", "12"},
		{"General", "1E+21", "1E+21"},
		{"General", "123456789012345678", "1.23456789012346E+17"},
		{"General", "0612", "612"},
		{`"n° "0`, "12", "n° 12"},
	}
	for _, tc := range tests {
		f := parseFormat(tc.code)
		if got := string(f.appendNumber(nil, []byte(tc.value), false)); got != tc.want {
			t.Errorf("%q on %s: %q, want %q", tc.code, tc.value, got, tc.want)
		}
	}
}

// FuzzXMLScanner checks the scanner against encoding/xml on every
// document encoding/xml accepts: the same elements and the same text.
func FuzzXMLScanner(f *testing.F) {
	for _, s := range []string{
		`<a b="1"><c/>text &amp; &#233;<![CDATA[<x>]]><!-- c --><?pi x?></a>`,
		"<r>\r\nline\rend</r>",
		`<x:row r="1"><x:c t='s'>&lt;v&gt;</x:c></x:row>`,
		`<!DOCTYPE r [<!ENTITY e "x">]><r a='">'>&quot;</r>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if hasDirective(data) {
			// Where a DOCTYPE ends is a matter of quirks no workbook
			// depends on.
			return
		}
		want, err := xmlTokens(data)
		got, gerr := scanTokens(data)
		if err != nil {
			return
		}
		if gerr != nil {
			t.Fatalf("scanner: %v on a document encoding/xml reads", gerr)
		}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("tokens\n got %q\nwant %q", got, want)
		}
	})
}

func hasDirective(data []byte) bool {
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("<!"))
		if j < 0 {
			return false
		}
		rest := data[i+j:]
		if !bytes.HasPrefix(rest, []byte("<!--")) && !bytes.HasPrefix(rest, []byte("<![CDATA[")) {
			return true
		}
		i += j + 2
	}
}

// FuzzXLSX reads workbooks whose sheet, shared strings and styles are
// arbitrary: problems, never a panic, and no cell past the caps.
func FuzzXLSX(f *testing.F) {
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>31179.5</v></c><c r="C1" t="inlineStr"><is><t>x_x000D_</t></is></c></row></sheetData></worksheet>`),
		[]byte(`<sst><si><t>nom</t></si><si><r><t>a</t></r><rPh><t>b</t></rPh></si></sst>`),
		[]byte(`<styleSheet><numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs><xf/><xf numFmtId="164"/></cellXfs></styleSheet>`))
	f.Add([]byte(`<worksheet><sheetData><row><c t="n" s="2"><v>612345678</v></c></row></sheetData>`), []byte(`<sst>`), []byte(`<cellXfs><xf numFmtId="1"/><xf numFmtId="22"/><xf numFmtId="165"/></cellXfs><numFmt numFmtId="165" formatCode="00&quot; &quot;00"/>`))
	// Cells the fast path reads whole, and cells next to them it leaves
	// to the tokens.
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" s="1"/><c t="s" r="B1"><v>1</v></c><c s="2" ><v>45440.5</v></c>`+
		`<c r="E1" t="b"><v>1</v></c><c r="F1" t="str"><v>a&amp;b</v></c><c r="G1" cm="1"><v>3</v></c><c r='H1'><v>4</v></c>`+
		`<c r="I1" t="e"><v>#N/A</v></c><c r="J1"><v>5</v><f>1+4</f></c><c r="K1" t="inlineStr"><is><t>x</t></is></c><c r="L1"><v>6\r</v></c></row>`+
		`<row><c r="A2" t="s"><v>0</v></c><c><v>7</v></c><c r="D2" s="1"/><c><v>8</v></c></row></sheetData></worksheet>`),
		[]byte(`<sst><si><t>nom</t></si><si><t>Léa</t></si></sst>`),
		[]byte(`<styleSheet><cellXfs><xf/><xf numFmtId="14"/><xf numFmtId="22"/></cellXfs></styleSheet>`))
	f.Fuzz(func(t *testing.T, sheetXML, strs, styles []byte) {
		// The parts are read straight from memory: FuzzArchive covers
		// the zip around them.
		o := Options{MaxValue: 256, IsHeaderWord: headerWords}.withDefaults()
		// A small memory limit: the strings go to files, read back.
		wb := &workbook{b: &budget{left: 1 << 20, limit: 1 << 20}, maxValue: o.MaxValue,
			strs: sharedStrings{memLimit: 64}}
		defer wb.strs.close()
		wb.readStyles(newXMLScanner(bytes.NewReader(styles)))
		wb.readStrings(newXMLScanner(bytes.NewReader(strs)))
		// Cells read whole from the buffer, and token by token: the same.
		var rows [2][]string
		for k, slow := range []bool{false, true} {
			rec := &recorder{}
			d := rec.Begin("x.xlsx", FormatXLSX)
			s := &sheet{t: d.Table("A"), o: o}
			r := sheetReader{wb: wb, o: o, slowOnly: slow}
			err := r.read(context.Background(), newXMLScanner(bytes.NewReader(sheetXML)), s)
			s.end()
			d.End(int64(len(sheetXML)))
			checkRecorder(t, rec, len(sheetXML))
			rows[k] = append(rec.allRows(), fmt.Sprint(err, r.rowN))
		}
		if strings.Join(rows[0], "\n") != strings.Join(rows[1], "\n") {
			t.Fatalf("plain cells\n%q\ntoken by token\n%q", rows[0], rows[1])
		}
	})
}

// FuzzNumberFormat shows arbitrary numbers in arbitrary formats.
func FuzzNumberFormat(f *testing.F) {
	f.Add("dd/mm/yyyy hh:mm:ss AM/PM", "31179.354")
	f.Add(`0\ 00" "##?`, "-612345678.5")
	f.Add("[$-40C]dddd mmmmm", "1e5")
	f.Fuzz(func(t *testing.T, code, value string) {
		fm := parseFormat(code)
		out := fm.appendNumber(nil, []byte(value), len(code)%2 == 0)
		if len(out) > 4*len(code)+64+len(value) {
			t.Fatalf("%d bytes from a %d-byte format", len(out), len(code))
		}
		// An .xls cell's number shows as the same number written in an
		// XLSX cell, as Excel writes it there (the shortest text).
		if x, err := strconv.ParseFloat(value, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
			var g *cellFormat
			if fm.kind != fmtGeneral {
				g = &fm
			}
			text := strconv.FormatFloat(x, 'g', -1, 64)
			want := fm.appendNumber(nil, []byte(text), len(code)%2 == 0)
			if got := g.appendFloat(nil, x, len(code)%2 == 0); string(got) != string(want) {
				t.Fatalf("%q as %q: %q from the float, %q from %q", value, code, got, want, text)
			}
		}
	})
}

// FuzzODS reads arbitrary bytes as an ODS content.xml.
func FuzzODS(f *testing.F) {
	f.Add([]byte(`<office:document-content><table:table table:name="A"><table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="2" office:value="12"><text:p>x<text:s text:c="3"/>y</text:p><text:p>z</text:p></table:table-cell><table:table-cell/><table:table-cell office:date-value="1985-05-12"/></table:table-row></table:table></office:document-content>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Options{MaxValue: 256, IsHeaderWord: headerWords}.withDefaults()
		rec := &recorder{}
		d := rec.Begin("x.ods", FormatODS)
		readODSContent(context.Background(), bytes.NewReader(data), d, o, "x.ods")
		d.End(int64(len(data)))
		checkRecorder(t, rec, len(data))
	})
}

// TestSharedStringsSpill: past its memory limit the shared table moves to
// files and reads back the same, and the files go with the workbook.
func TestSharedStringsSpill(t *testing.T) {
	var x strings.Builder
	x.WriteString("<sst>")
	var want []string
	for i := range 3000 {
		v := fmt.Sprintf("valeur %d %s", i, strings.Repeat("é", i%97))
		if i%500 == 0 {
			v = ""
		}
		want = append(want, v)
		fmt.Fprintf(&x, "<si><t>%s</t></si>", v)
	}
	x.WriteString("</sst>")
	dir := t.TempDir()
	for _, limit := range []int{sharedMemory, 1000, 0} {
		wb := &workbook{maxValue: 1 << 20, strs: sharedStrings{memLimit: limit, tempDir: dir}}
		if err := wb.readStrings(newXMLScanner(strings.NewReader(x.String()))); err != nil {
			t.Fatal(err)
		}
		if spilled := wb.strs.data != nil; spilled != (limit < sharedMemory) {
			t.Errorf("limit %d: spilled %v", limit, spilled)
		}
		for i, w := range want {
			if got, ok := wb.strs.get(i); !ok || string(got) != w {
				t.Fatalf("limit %d: string %d is %q %v, want %q", limit, i, got, ok, w)
			}
		}
		for _, i := range []int{-1, len(want)} {
			if _, ok := wb.strs.get(i); ok {
				t.Errorf("limit %d: string %d found", limit, i)
			}
		}
		wb.strs.close()
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("limit %d: %d files left", limit, len(left))
		}
	}
	// Empty strings too: each costs the 4 bytes of its end.
	wb := &workbook{maxValue: 1 << 20, strs: sharedStrings{memLimit: 2000, tempDir: dir}}
	defer wb.strs.close()
	if err := wb.readStrings(newXMLScanner(strings.NewReader("<sst>" + strings.Repeat("<si><t/></si>", 1000) + "</sst>"))); err != nil {
		t.Fatal(err)
	}
	if v, ok := wb.strs.get(999); wb.strs.data == nil || !ok || len(v) != 0 {
		t.Errorf("1,000 empty strings: spilled %v, last %q %v", wb.strs.data != nil, v, ok)
	}
}

// TestXLSXBrokenParts: a broken shared strings part is named by what it
// is for, never by the name the package gives it.
func TestXLSXBrokenParts(t *testing.T) {
	wb := `<workbook xmlns:r="r"><sheets><sheet name="A" r:id="rId1"/></sheets></workbook>`
	rels := `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="jean.dupont@exemple.fr.xml"/></Relationships>`
	data := zipBytes(t, entry{"xl/workbook.xml", []byte(wb)}, entry{"xl/_rels/workbook.xml.rels", []byte(rels)},
		entry{"xl/worksheets/sheet1.xml", []byte(`<worksheet/>`)}, entry{"xl/jean.dupont@exemple.fr.xml", []byte(`<sst><si><t>x</t></si><`)})
	got := readCells(t, writeFile(t, t.TempDir(), "parts.xlsx", data))
	if len(got.problems) != 1 || !strings.Contains(got.problems[0], "the shared strings: malformed XML") || strings.Contains(got.problems[0], "dupont") {
		t.Errorf("problems %q", got.problems)
	}
}

// TestWorkbookByContent: a workbook is read as one whatever its name (a
// download without extension, a renamed attachment), and a word
// document is not taken for one.
func TestWorkbookByContent(t *testing.T) {
	dir := t.TempDir()
	sheet := `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>courriel</t></is></c></row><row r="2"><c t="inlineStr"><is><t>jean@exemple.fr</t></is></c></row></sheetData></worksheet>`
	xlsx := xlsxParts(t, sheet)
	ods := zipBytes(t, entry{"mimetype", []byte("application/vnd.oasis.opendocument.spreadsheet")},
		entry{"content.xml", []byte(`<document-content><table:table table:name="Feuille1"><table:table-row><table:table-cell><text:p>jean@exemple.fr</text:p></table:table-cell></table:table-row></table:table></document-content>`)})
	docx := zipBytes(t, entry{"[Content_Types].xml", []byte("<Types/>")}, entry{"word/document.xml", []byte("<w:document>jean@exemple.fr</w:document>")})
	for _, tc := range []struct {
		name   string
		data   []byte
		format Format
		row    string
	}{
		{"export", xlsx, FormatXLSX, "#Feuil1:2|courriel=jean@exemple.fr"},
		{"export.zip", xlsx, FormatXLSX, "#Feuil1:2|courriel=jean@exemple.fr"},
		{"piece-jointe.bin", ods, FormatODS, "#Feuille1:1|#1=jean@exemple.fr"},
		{"lettre.docx", docx, FormatDOCX, ""}, // read as a document (document_test.go)
	} {
		p := writeFile(t, dir, tc.name, tc.data)
		rec := extractFile(t, p, testOptions())
		if d := rec.doc(p); d == nil || d.format != tc.format {
			t.Errorf("%s: documents %v", tc.name, rec.paths())
			continue
		}
		if rows := rec.allRows(); tc.row != "" && (len(rows) != 1 || rows[0] != p+tc.row) {
			t.Errorf("%s: rows %q", tc.name, rows)
		}
		if len(rec.problems) > 0 {
			t.Errorf("%s: problems %v", tc.name, rec.problemText())
		}
	}
}

// TestODSDates: a date cell reads as its ISO value, not as the text its
// format shows.
func TestODSDates(t *testing.T) {
	content := `<office:document-content><office:body><office:spreadsheet><table:table table:name="Usagers">
<table:table-row><table:table-cell><text:p>nom</text:p></table:table-cell><table:table-cell><text:p>naissance</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Dupont</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="1985-05-12"><text:p>12/05/85</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Martin</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="1990-01-03T08:30:00"><text:p>mercredi 3 janvier 1990</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Petit</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="612345678"><text:p>06 12 34 56 78</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>`
	p := writeFile(t, t.TempDir(), "u.ods", zipBytes(t, entry{"mimetype", []byte("application/vnd.oasis.opendocument.spreadsheet")}, entry{"content.xml", []byte(content)}))
	got := readCells(t, p)
	want := map[string]string{
		"Usagers!1:0": "nom", "Usagers!1:1": "naissance",
		"Usagers!2:0": "Dupont", "Usagers!2:1": "1985-05-12",
		"Usagers!3:0": "Martin", "Usagers!3:1": "1990-01-03 08:30:00",
		"Usagers!4:0": "Petit", "Usagers!4:1": "06 12 34 56 78",
	}
	diffCells(t, got.cells, want)
}

// TestCellAttrs: a table cell's attributes read in one pass give what
// looking each up gives (repeat, attr), duplicates, prefixes and
// entities among them.
func TestCellAttrs(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	names := []string{"office:value", "calcext:value", "office:date-value", "table:number-columns-repeated", "office:value-type", "value", "x:date-value"}
	values := []string{"2", "0", "-3", "12.5", "1985-05-12", "1985-05-12T00:00:00", "1&amp;2", "&#x31;9850512345", "", "abc"}
	for k := 0; k < 20000; k++ {
		var b strings.Builder
		b.WriteString("table:table-cell")
		for n := r.Intn(5); n > 0; n-- {
			q := `"`
			if r.Intn(5) == 0 {
				q = "'"
			}
			fmt.Fprintf(&b, " %s=%s%s%s", names[r.Intn(len(names))], q, values[r.Intn(len(values))], q)
		}
		tag := []byte("<" + b.String() + ">")
		sc := newXMLScanner(bytes.NewReader(tag))
		if kind, err := sc.next(); err != nil || kind != xmlStart {
			t.Fatalf("%s: %v %v", tag, kind, err)
		}
		rep, v, d := cellAttrs(sc)
		gotV := string(appendAttr(nil, v))
		gotD := string(appendAttr(nil, d))
		// Each looked up alone, copied before the next (attr decodes
		// into one buffer).
		wantRep := repeat(sc, "number-columns-repeated")
		wv, _ := sc.attr("value")
		wantV := string(wv)
		wd, _ := sc.attr("date-value")
		wantD := string(wd)
		if rep != wantRep || gotV != wantV || gotD != wantD {
			t.Fatalf("%s: %d %q %q, want %d %q %q", tag, rep, gotV, gotD, wantRep, wantV, wantD)
		}
	}
}
