package breach

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/extract/xlswrite"
)

// The order table as spreadsheets, the way office suites write them:
// text in shared strings (XLSX) or paragraphs (ODS), quantities and
// amounts as numbers, the order and delivery dates as dates. The
// benchmarks count the bytes of the same rows as CSV, so that their
// MB/cpu-s compare with ScanOrdersCSV.

// orderCell is one value of the order table and how a sheet keeps it.
type orderCell struct {
	text   string
	number float64 // when isNum
	isNum  bool
	style  int // 0 none, 1 a date (built-in 14), 2 a date and time (22)
}

// orderRows parses n rows of the order table (its CSV form) into typed
// cells; it also returns that CSV.
func orderRows(n int) ([]string, [][]orderCell, []byte) {
	o := newOrders(5)
	var block bytes.Buffer
	block.WriteString(ordersHeader)
	for k := 0; k*2000 < n; k++ {
		o.write(&block, corpus.Identities(int64(31+k), min(2000, n-k*2000)))
	}
	lines := strings.Split(strings.TrimSuffix(block.String(), "\n"), "\n")
	header := strings.Split(lines[0], ";")
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	rows := make([][]orderCell, 0, n)
	for _, l := range lines[1:] {
		fields := strings.Split(l, ";")
		row := make([]orderCell, len(fields))
		for i, f := range fields {
			c := orderCell{text: f}
			switch header[i] {
			case "quantité", "prix_unitaire", "montant_ht", "taux_tva", "montant_ttc":
				if v, err := strconv.ParseFloat(strings.Replace(f, ",", ".", 1), 64); err == nil {
					c.number, c.isNum = v, true
				}
			case "date_commande":
				if t, err := time.Parse("2006-01-02 15:04:05", f); err == nil {
					c.number, c.isNum, c.style = t.Sub(epoch).Hours()/24, true, 2
				}
			case "date_livraison":
				if t, err := time.Parse("02/01/2006", f); err == nil {
					c.number, c.isNum, c.style = t.Sub(epoch).Hours()/24, true, 1
				}
			}
			row[i] = c
		}
		rows = append(rows, row)
	}
	return header, rows, block.Bytes()
}

func zipParts(tb testing.TB, p string, parts [][2]string) {
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := zip.NewWriter(f)
	for _, part := range parts {
		pw, err := w.Create(part[0])
		if err != nil {
			tb.Fatal(err)
		}
		pw.Write([]byte(part[1]))
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

// writeOrdersXLSX writes the rows as Excel does: shared strings, numbers,
// dates as serial numbers with the built-in date formats.
func writeOrdersXLSX(tb testing.TB, p string, header []string, rows [][]orderCell) {
	var sheet, sst strings.Builder
	index := map[string]int{}
	shared := func(s string) int {
		i, ok := index[s]
		if !ok {
			i = len(index)
			index[s] = i
			fmt.Fprintf(&sst, "<si><t>%s</t></si>", html.EscapeString(s))
		}
		return i
	}
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	writeRow := func(n int, cells []orderCell) {
		fmt.Fprintf(&sheet, `<row r="%d">`, n)
		for i, c := range cells {
			ref := fmt.Sprintf("%c%d", 'A'+i, n)
			switch {
			case c.isNum && c.style > 0:
				fmt.Fprintf(&sheet, `<c r="%s" s="%d"><v>%s</v></c>`, ref, c.style, strconv.FormatFloat(c.number, 'g', -1, 64))
			case c.isNum:
				fmt.Fprintf(&sheet, `<c r="%s"><v>%s</v></c>`, ref, strconv.FormatFloat(c.number, 'g', -1, 64))
			case c.text != "":
				fmt.Fprintf(&sheet, `<c r="%s" t="s"><v>%d</v></c>`, ref, shared(c.text))
			}
		}
		sheet.WriteString("</row>")
	}
	head := make([]orderCell, len(header))
	for i, h := range header {
		head[i] = orderCell{text: h}
	}
	writeRow(1, head)
	for i, r := range rows {
		writeRow(i+2, r)
	}
	sheet.WriteString("</sheetData></worksheet>")
	ns := `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
	rel := "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	zipParts(tb, p, [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`},
		{"_rels/.rels", `<Relationships ` + ns + `><Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="` + rel + `"><sheets><sheet name="Commandes" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships ` + ns + `><Relationship Id="rId1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + rel + `/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="` + rel + `/styles" Target="styles.xml"/></Relationships>`},
		{"xl/styles.xml", `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="22" applyNumberFormat="1"/></cellXfs></styleSheet>`},
		{"xl/sharedStrings.xml", fmt.Sprintf(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="%d">%s</sst>`, len(index), sst.String())},
		{"xl/worksheets/sheet1.xml", sheet.String()},
	})
}

// writeOrdersODS writes the rows as LibreOffice does: paragraphs of
// text, floats and dates with their value in an attribute.
func writeOrdersODS(tb testing.TB, p string, header []string, rows [][]orderCell) {
	var c strings.Builder
	c.WriteString(`<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="Commandes">`)
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	writeRow := func(cells []orderCell) {
		c.WriteString("<table:table-row>")
		for _, v := range cells {
			text := html.EscapeString(v.text)
			switch {
			case v.text == "":
				c.WriteString("<table:table-cell/>")
			case v.isNum && v.style > 0:
				iso := epoch.Add(time.Duration(v.number * 24 * float64(time.Hour))).Round(time.Second).Format("2006-01-02T15:04:05")
				fmt.Fprintf(&c, `<table:table-cell office:value-type="date" office:date-value="%s"><text:p>%s</text:p></table:table-cell>`, iso, text)
			case v.isNum:
				fmt.Fprintf(&c, `<table:table-cell office:value-type="float" office:value="%s"><text:p>%s</text:p></table:table-cell>`, strconv.FormatFloat(v.number, 'g', -1, 64), text)
			default:
				fmt.Fprintf(&c, `<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>`, text)
			}
		}
		c.WriteString("</table:table-row>")
	}
	head := make([]orderCell, len(header))
	for i, h := range header {
		head[i] = orderCell{text: h}
	}
	writeRow(head)
	for _, r := range rows {
		writeRow(r)
	}
	c.WriteString("</table:table></office:spreadsheet></office:body></office:document-content>")
	zipParts(tb, p, [][2]string{{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}, {"content.xml", c.String()}})
}

// writeOrdersXLS writes the rows as an Excel 97-2003 workbook: shared
// strings, numbers (RK when they fit), dates by their number format.
func writeOrdersXLS(tb testing.TB, p string, header []string, rows [][]orderCell) {
	data := xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: xlswrite.Workbook([]xlswrite.Sheet{ordersSheet(header, rows)})})
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// ordersSheet is the rows as a sheet of xlswrite.
func ordersSheet(header []string, rows [][]orderCell) xlswrite.Sheet {
	sheet := xlswrite.Sheet{Name: "Commandes"}
	var h []xlswrite.Cell
	for _, name := range header {
		h = append(h, xlswrite.Cell{Text: name})
	}
	sheet.Rows = append(sheet.Rows, h)
	formats := []string{"", "yyyy-mm-dd", "yyyy-mm-dd hh:mm"}
	for _, r := range rows {
		row := make([]xlswrite.Cell, len(r))
		for i, c := range r {
			row[i] = xlswrite.Cell{Text: c.text, Number: c.number, IsNum: c.isNum, Format: formats[c.style]}
		}
		sheet.Rows = append(sheet.Rows, row)
	}
	return sheet
}

// writeOrdersXLSB writes the rows as an Excel binary workbook, as
// writeOrdersXLS does.
func writeOrdersXLSB(tb testing.TB, p string, header []string, rows [][]orderCell) {
	if err := os.WriteFile(p, xlswrite.XLSB([]xlswrite.Sheet{ordersSheet(header, rows)}), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// benchWorkbook writes the first rows of the order table as a workbook
// and scans it; the throughput counts the bytes of the same rows as CSV.
func benchWorkbook(b *testing.B, ext string, n int) {
	header, rows, csv := orderRows(n)
	p := filepath.Join(b.TempDir(), "commandes."+ext)
	switch ext {
	case "xlsx":
		writeOrdersXLSX(b, p, header, rows)
	case "xls":
		writeOrdersXLS(b, p, header, rows)
	case "xlsb":
		writeOrdersXLSB(b, p, header, rows)
	default:
		writeOrdersODS(b, p, header, rows)
	}
	o := Options{Paths: []string{p}, Workers: 1}
	header, rows = nil, nil
	runtime.GC() // the rows and the XML written are not the scan's garbage
	clock := startCPU(b, int64(len(csv)))
	defer clock.stop(b)
	for i := 0; i < b.N; i++ {
		rep, err := Scan(b.Context(), o)
		if err != nil {
			b.Fatal(err)
		}
		if rep.RecordsAffected != int64(n) {
			b.Fatalf("%d records with personal data, want %d", rep.RecordsAffected, n)
		}
	}
}

// BenchmarkScanXLSX, BenchmarkScanODS, BenchmarkScanXLS, BenchmarkScanXLSB:
// 50,000 orders as a workbook, one worker, no findings file. MB/cpu-s
// counts the rows' size as CSV.
func BenchmarkScanXLSX(b *testing.B) { benchWorkbook(b, "xlsx", 50000) }
func BenchmarkScanODS(b *testing.B)  { benchWorkbook(b, "ods", 50000) }
func BenchmarkScanXLS(b *testing.B)  { benchWorkbook(b, "xls", 50000) }
func BenchmarkScanXLSB(b *testing.B) { benchWorkbook(b, "xlsb", 50000) }

// TestOrdersWorkbook checks the benchmarks' workbook against excelize:
// the same cells, dates included; and that the scan finds the same as
// in the rows as CSV.
func TestOrdersWorkbook(t *testing.T) {
	header, rows, csv := orderRows(300)
	dir := t.TempDir()
	p := filepath.Join(dir, "commandes.xlsx")
	writeOrdersXLSX(t, p, header, rows)
	f, err := excelize.OpenFile(p, excelize.Options{ShortDatePattern: "yyyy-mm-dd"})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := f.GetRows("Commandes")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 301 || all[5][2] != rows[4][2].text || !strings.HasPrefix(all[5][1], rows[4][1].text[:10]) {
		t.Fatalf("excelize reads %d rows; row 6: %q", len(all), all[5])
	}
	ods := filepath.Join(dir, "commandes.ods")
	writeOrdersODS(t, ods, header, rows)
	cp := filepath.Join(dir, "commandes.csv")
	if err := os.WriteFile(cp, csv, 0o644); err != nil {
		t.Fatal(err)
	}
	var want map[string]int64
	xls := filepath.Join(dir, "commandes.xls")
	writeOrdersXLS(t, xls, header, rows)
	xlsb := filepath.Join(dir, "commandes.xlsb")
	writeOrdersXLSB(t, xlsb, header, rows)
	for _, path := range []string{cp, p, ods, xls, xlsb} {
		rep, err := Scan(t.Context(), Options{Paths: []string{path}, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, c := range rep.Categories {
			got[c.Category] = c.Values
		}
		if rep.RecordsAffected != 300 || got["email"] != 300 || got["phone"] != 300 {
			t.Errorf("%s: %d records, %v", filepath.Base(path), rep.RecordsAffected, got)
		}
		if want == nil {
			want = got
		} else if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, the CSV %v", filepath.Base(path), got, want)
		}
	}
}
