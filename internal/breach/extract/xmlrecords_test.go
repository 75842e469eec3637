package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Which XML is a data export, and where its records lie.
func TestXMLRecordDepth(t *testing.T) {
	for _, c := range []struct {
		name, xml string
		want      int
	}{
		{"records", `<usagers><usager><nom>A</nom></usager><usager><nom>B</nom></usager></usagers>`, 1},
		{"table_to_xml", `<?xml version="1.0"?><usagers xmlns:xsi="x"><row><nom>A</nom></row><row><nom>B</nom></row></usagers>`, 1},
		{"wrapped", `<export date="1"><usagers><usager><nom>A</nom></usager><usager><nom>B</nom></usager></usagers></export>`, 2},
		{"one record", `<usagers><usager><nom>A</nom></usager></usagers>`, 0},
		{"mixed content", `<html><body><p>Jean <b>Dupont</b></p><p>x</p></body></html>`, 0},
		{"mixed in a record", `<l><r>texte <b>gras</b></r><r>y</r></l>`, 0},
		{"various children", `<config><a>1</a><b>2</b><c>3</c><d>4</d><item>5</item><item>6</item></config>`, 0},
		{"not XML", `nom;prenom`, 0},
	} {
		if got := xmlRecordDepth([]byte(c.xml)); got != c.want {
			t.Errorf("%s: depth %d, want %d", c.name, got, c.want)
		}
	}
}

// What Python's ElementTree and `mariadb --xml` write (testdata/xml): a
// table whose columns are the fields' paths, attributes included, or the
// names the fields carry, each row numbered by the line its record starts
// on; the attributes around the records as lines, numbered alike.
func TestXMLRecords(t *testing.T) {
	for name, want := range map[string]struct{ table, rows, lines string }{
		"usagers-etree.xml": {"usager",
			"3|@id=1|nom=Faure|prenom=Renée|courriel=renee.faure@exemple.fr|telephone=06 98 76 54 32|nir=1 85 05 78 006 084 91|adresse.rue=12 rue de la Paix|adresse.cp=75002|adresse.ville=Paris\n" +
				"15|@id=2|nom=Martin|prenom=Jean|courriel=jean.martin@exemple.fr|telephone=0612345678|nir=2 92 05 70 858 151 89|adresse.rue=3 avenue Foch|adresse.cp=69003|adresse.ville=Lyon",
			"2:0:usagers@export: 2026-11-27"},
		"usagers-mariadb.xml": {"row",
			"5|nom=Faure|prenom=Renée|courriel=renee.faure@exemple.fr|telephone=06 98 76 54 32|nir=1 85 05 78 006 084 91\n" +
				"13|nom=Martin|prenom=Jean|courriel=jean.martin@exemple.fr|telephone=0612345678|nir=2 92 05 70 858 151 89",
			"3:0:resultset@statement: SELECT * FROM usagers"},
	} {
		p := filepath.Join("testdata", "xml", name)
		rec := extractFile(t, p, testOptions())
		if len(rec.problems) > 0 || len(rec.docs) != 1 || rec.docs[0].format != FormatXML || len(rec.docs[0].tables) != 1 {
			t.Errorf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
			continue
		}
		tb := rec.docs[0].tables[0]
		if got := strings.Join(tb.rows, "\n"); tb.name != want.table || got != want.rows {
			t.Errorf("%s: table %q, rows\n%s\nwant %q\n%s", name, tb.name, got, want.table, want.rows)
		}
		if got := strings.Join(rec.docs[0].lines, "\n"); got != want.lines {
			t.Errorf("%s: lines %q, want %q", name, got, want.lines)
		}
	}
}

// Records that are text themselves (<nom>Jean Dupont</nom>): the column
// is the record's name.
func TestXMLRecordsText(t *testing.T) {
	p := filepath.Join(t.TempDir(), "noms.xml")
	if err := os.WriteFile(p, []byte("<noms>\n <nom>Jean Dupont</nom>\n <nom sexe=\"F\">Marie Curie</nom>\n</noms>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	d := rec.doc(p)
	if d == nil || len(d.tables) != 1 {
		t.Fatalf("documents %v", rec.paths())
	}
	if got, want := strings.Join(d.tables[0].rows, "\n"), "2|nom=Jean Dupont\n3|@sexe=F|nom=Marie Curie"; got != want {
		t.Errorf("rows %q, want %q", got, want)
	}
}

// An export cut in a record: the records before it and what the cut one
// holds are read, the break is reported without quoting the export.
func TestXMLRecordsBroken(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "xml", "usagers-etree.xml"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "coupe.xml")
	if err := os.WriteFile(p, data[:bytes.Index(data, []byte("<telephone>0612"))+len("<telephone>06")], 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	d := rec.doc(p)
	if d == nil || d.format != FormatXML || len(d.tables) != 1 || len(d.tables[0].rows) != 2 || !strings.HasPrefix(d.tables[0].rows[1], "15|@id=2|nom=Martin") {
		t.Fatalf("documents %v, tables %+v", rec.paths(), d)
	}
	probs := strings.Join(rec.problemText(), "\n")
	if !strings.Contains(probs, "syntax error: the export ends inside record 2, begun on line 15") || strings.Contains(probs, "Martin") {
		t.Errorf("problems %q", probs)
	}
}

// FuzzXMLRecords reads XML exports and XML spreadsheets (the content
// tells which) whatever their bytes: no panic, every cell and line UTF-8.
func FuzzXMLRecords(f *testing.F) {
	for _, name := range []string{"xml/usagers-etree.xml", "xml/usagers-mariadb.xml", "xls/small-lo.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.xml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		validCells(t, p)
		validLines(t, extractFile(t, p, testOptions()), -1, false)
	})
}
