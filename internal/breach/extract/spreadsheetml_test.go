package extract

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// LibreOffice Calc saved small-xlwt.xls as an XML Spreadsheet 2003
// (testdata/xls/small-lo.xml): the cells xlrd reads in the workbook, the
// header row as the columns' names, dates in ISO 8601 with their time,
// numbers as written. Calc computes the formula column that xlwt left at
// 0: it is left out of the comparison.
func TestSpreadsheetML(t *testing.T) {
	got, rec := readXLSCells(t, filepath.Join("testdata", "xls", "small-lo.xml"))
	if len(rec.problems) > 0 || len(rec.docs) != 1 || rec.docs[0].format != FormatSpreadsheetML {
		t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
	}
	n := 0
	for _, g := range readGolden(t, filepath.Join("testdata", "xls", "small-xlwt.golden")) {
		if strings.HasSuffix(g.key, "\t8") {
			continue
		}
		v, ok := got[g.key]
		switch g.kind {
		case "d":
			ok = ok && strings.HasPrefix(v, g.value+"T00:00:00")
		case "n":
			a, err1 := strconv.ParseFloat(v, 64)
			b, err2 := strconv.ParseFloat(g.value, 64)
			ok = ok && err1 == nil && err2 == nil && a == b
		default:
			ok = ok && v == g.value
		}
		if !ok {
			t.Errorf("%s: %q, xlrd %s %q", strings.ReplaceAll(g.key, "\t", " "), v, g.kind, g.value)
		}
		n++
	}
	if len(got) != n+6 { // and the formula column: its header, its 5 names
		t.Errorf("%d cells, want %d", len(got), n+6)
	}
}

// Positions given by ss:Index, cells merged across columns, rich text in
// a cell's Data, two sheets, the format told whatever the file's name;
// a file cut short keeps its first rows.
func TestSpreadsheetMLBuilt(t *testing.T) {
	doc := `<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">
 <Styles><Style ss:ID="s1"/></Styles>
 <Worksheet ss:Name="Agents">
  <Table>
   <Row><Cell><Data ss:Type="String">nom</Data></Cell><Cell><Data ss:Type="String">courriel</Data></Cell><Cell><Data ss:Type="String">téléphone</Data></Cell></Row>
   <Row ss:Index="3"><Cell ss:MergeAcross="1"><ss:Data ss:Type="String"><B>Faure</B> Renée</ss:Data></Cell><Cell><Data ss:Type="String">06 98 76 54 32</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">Martin Jean</Data></Cell><Cell ss:Index="3"><Data ss:Type="String">0612345678</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">Curie Marie</Data></Cell><Cell><Data ss:Type="String">marie.curie@exemple.fr</Data></Cell><Cell><Data ss:Type="String">0145678912</Data></Cell></Row>
  </Table>
 </Worksheet>
 <Worksheet ss:Name="Notes"><Table><Row><Cell><Data ss:Type="String">vide</Data></Cell></Row></Table></Worksheet>
</Workbook>
`
	dir := t.TempDir()
	p := filepath.Join(dir, "export.xls")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	d := rec.doc(p)
	if d == nil || d.format != FormatSpreadsheetML || len(d.tables) != 2 || len(rec.problems) > 0 {
		t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
	}
	want := "3|nom=Faure Renée|téléphone=06 98 76 54 32\n4|nom=Martin Jean|téléphone=0612345678\n5|nom=Curie Marie|courriel=marie.curie@exemple.fr|téléphone=0145678912"
	if got := strings.Join(d.tables[0].rows, "\n"); d.tables[0].name != "Agents" || got != want {
		t.Errorf("sheet %q rows %q, want %q", d.tables[0].name, got, want)
	}
	cut := filepath.Join(dir, "coupe.xml")
	if err := os.WriteFile(cut, []byte(doc[:strings.Index(doc, "</Table>")]+"<Row><Cell"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec = extractFile(t, cut, testOptions())
	if d := rec.doc(cut); d == nil || len(d.tables) != 1 || len(d.tables[0].rows) != 3 || !strings.Contains(strings.Join(rec.problemText(), "\n"), "syntax error: malformed XML after row 6") {
		t.Errorf("cut: documents %v, problems %v", rec.paths(), rec.problemText())
	}
}
