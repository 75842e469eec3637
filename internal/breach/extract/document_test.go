package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LibreOffice Writer's DOCX and ODT of one letter (testdata/document):
// each paragraph a line, its runs joined; a line break cuts a line; the
// header, the footnote, the comment and the table's cells are read, the
// deleted text too, on a line of its own; a comment's author and a note's
// number are not.
func TestDocumentFixtures(t *testing.T) {
	want := map[string][]string{
		"lettre.docx": {
			"1:0:Attestation de domicile",
			"2:0:Je soussignée Renée Faure, numéro de sécurité sociale 1 85 05 78 006 084 91, atteste sur l'honneur.",
			"3:0:Fait pour servir et valoir ce que de droit.",
			"3:0:Le 27 novembre 2026.",
			"3:0:Ancien NIR : 2 92 05 70 858 151 89",
			"4:0:IBAN",
			"5:0:FR76 3000 6000 0112 3456 7890 189",
			"7:0:Rappeler au 06 98 76 54 32",
			"10:0:\tCourriel : renee.faure@exemple.fr",
			"11:0:Mairie de Saint-Exemple, accueil : 01 23 45 67 89",
		},
		"lettre.odt": {
			"1:0:Ancien NIR : 2 92 05 70 858 151 89",
			"2:0:Attestation de domicile",
			"4:0:Courriel : renee.faure@exemple.fr",
			"3:0:Je soussignée Renée Faure, numéro de sécurité sociale 1 85 05 78 006 084 91, atteste sur l'honneur.",
			"5:0:Fait pour servir et valoir ce que de droit.",
			"6:0:Rappeler au 06 98 76 54 32",
			"5:0:Le 27 novembre 2026.",
			"7:0:IBAN",
			"8:0:FR76 3000 6000 0112 3456 7890 189",
			"10:0:Mairie de Saint-Exemple, accueil : 01 23 45 67 89",
		},
	}
	// Impress's PPTX of two slides: the slides in their order, then the
	// speaker's notes.
	want["diaporama.pptx"] = []string{
		"1:0:Bilan de l'accueil",
		"2:0:Dossier de Renée Faure, NIR 1 85 05 78 006 084 91",
		"3:0:Contact : renee.faure@exemple.fr",
		"4:0:Paiement",
		"5:0:RIB FR76 3000 6000 0112 3456 7890 189",
		"6:0:Rappeler au 06 98 76 54 32",
	}
	for name, lines := range want {
		p := filepath.Join("testdata", "document", name)
		rec := extractFile(t, p, testOptions())
		if len(rec.problems) > 0 || len(rec.docs) != 1 {
			t.Fatalf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
		}
		if got := strings.Join(rec.docs[0].lines, "\n"); got != strings.Join(lines, "\n") {
			t.Errorf("%s: lines\n%s\nwant\n%s", name, got, strings.Join(lines, "\n"))
		}
	}
}

// Documents told by their parts whatever their name; a presentation's
// slides in their order (2 before 10), then their notes.
func TestDocumentKinds(t *testing.T) {
	dir := t.TempDir()
	para := func(s string) string { return `<a:p><a:r><a:t>` + s + `</a:t></a:r></a:p>` }
	pptx := zipBytes(t, entry{"[Content_Types].xml", []byte("<Types/>")}, entry{"ppt/presentation.xml", []byte("<p:presentation/>")},
		entry{"ppt/slides/slide10.xml", []byte(`<p:sld><p:txBody>` + para("dix") + `</p:txBody></p:sld>`)},
		entry{"ppt/slides/slide2.xml", []byte(`<p:sld><p:txBody>` + para("deux") + para("jean@exemple.fr") + `</p:txBody></p:sld>`)},
		entry{"ppt/notesSlides/notesSlide1.xml", []byte(`<p:notes>` + para("note") + `</p:notes>`)},
		entry{"ppt/slides/slide1.xml", []byte(`<p:sld>` + para("un") + `</p:sld>`)})
	odp := zipBytes(t, entry{"mimetype", []byte("application/vnd.oasis.opendocument.presentation")},
		entry{"content.xml", []byte(`<office:document-content><draw:page><draw:frame><draw:text-box><text:p>Tél.<text:s text:c="2"/>06 12 34 56 78</text:p></draw:text-box></draw:frame></draw:page></office:document-content>`)})
	docx := zipBytes(t, entry{"[Content_Types].xml", []byte("<Types/>")},
		entry{"word/document.xml", []byte(`<w:document><w:body><w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t></w:r><w:r><w:instrText>HYPERLINK "mailto:x@y.fr"</w:instrText></w:r></w:p></w:body></w:document>`)})
	for _, tc := range []struct {
		name   string
		data   []byte
		format Format
		lines  string
	}{
		{"diaporama.bin", pptx, FormatPPTX, "1:0:un\n2:0:deux\n3:0:jean@exemple.fr\n4:0:dix\n5:0:note"},
		{"presentation", odp, FormatODP, "1:0:Tél.  06 12 34 56 78"},
		{"lettre.zip", docx, FormatDOCX, "1:0:a\tb"},
	} {
		p := writeFile(t, dir, tc.name, tc.data)
		rec := extractFile(t, p, testOptions())
		if d := rec.doc(p); d == nil || d.format != tc.format || len(rec.problems) > 0 {
			t.Errorf("%s: documents %v, problems %v", tc.name, rec.paths(), rec.problemText())
			continue
		}
		if got := strings.Join(rec.doc(p).lines, "\n"); got != tc.lines {
			t.Errorf("%s: lines %q, want %q", tc.name, got, tc.lines)
		}
	}
}

// A broken part is reported by its name and the paragraph reached,
// without the document's text; what came before counts.
func TestDocumentBroken(t *testing.T) {
	dir := t.TempDir()
	bad := zipBytes(t, entry{"[Content_Types].xml", []byte("<Types/>")},
		entry{"word/document.xml", []byte(`<w:document><w:body><w:p><w:r><w:t>jean@exemple.fr</w:t></w:r></w:p><w:p><w:r><w:t>secret 185057800608491</w:t></w:r></w:p><`)})
	empty := zipBytes(t, entry{"mimetype", []byte("x")})
	for _, tc := range []struct{ name, problem, lines string }{
		{"coupe.docx", "syntax error: word/document.xml: malformed XML after paragraph 2", "1:0:jean@exemple.fr\n2:0:secret 185057800608491"},
		{"vide.odt", "syntax error: no part holds the document's text", ""},
	} {
		data := bad
		if tc.name == "vide.odt" {
			data = empty
		}
		p := writeFile(t, dir, tc.name, data)
		rec := extractFile(t, p, testOptions())
		probs := strings.Join(rec.problemText(), "\n")
		if !strings.HasPrefix(probs, p+": byte ") || !strings.HasSuffix(probs, tc.problem) || strings.Count(probs, "\n") > 0 || strings.Contains(probs, "secret") {
			t.Errorf("%s: problems %q, want %q", tc.name, probs, tc.problem)
		}
		if got := strings.Join(rec.doc(p).lines, "\n"); got != tc.lines {
			t.Errorf("%s: lines %q", tc.name, got)
		}
	}
}

// FuzzDocument reads arbitrary XML as a document's part, both kinds: no
// panic, every line UTF-8 and no longer than the cap.
func FuzzDocument(f *testing.F) {
	f.Add([]byte(`<w:p><w:r><w:t>1 85</w:t></w:r><w:del><w:r><w:delText>x</w:delText></w:r></w:del><w:r><w:t> 05</w:t><w:br/><w:tab/></w:r></w:p>`))
	f.Add([]byte(`<text:p>a<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>b<text:s text:c="5"/></text:p></text:note-body></text:note><text:line-break/>c</text:p>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ooxml := range []bool{true, false} {
			rec := &recorder{}
			d := rec.Begin("f", FormatDOCX)
			p := paragraphs{d: d, max: 256, ooxml: ooxml}
			p.read(context.Background(), newXMLScanner(bytes.NewReader(data)))
			validLines(t, rec, 256+32, false)
		}
	})
}

// A workbook embedded in a Word document (an object pasted in the letter)
// is read as a document of its own, by its format.
func TestDocumentEmbeddings(t *testing.T) {
	docx, err := os.ReadFile(filepath.Join("testdata", "document", "lettre.docx"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	var entries []entry
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		entries = append(entries, entry{zf.Name, b})
	}
	sheet := `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>num_secu</t></is></c></row><row r="2"><c t="inlineStr"><is><t>185057800608491</t></is></c></row></sheetData></worksheet>`
	entries = append(entries, entry{"word/embeddings/Microsoft_Excel_Worksheet.xlsx", xlsxParts(t, sheet)})
	p := writeFile(t, t.TempDir(), "lettre.docx", zipBytes(t, entries...))
	rec := extractFile(t, p, testOptions())
	want := p + " (docx), " + p + "!/word/embeddings/Microsoft_Excel_Worksheet.xlsx (xlsx)"
	if got := strings.Join(rec.paths(), ", "); got != want || len(rec.problems) > 0 {
		t.Fatalf("documents %s (problems %v), want %s", got, rec.problemText(), want)
	}
	if rows := rec.allRows(); len(rows) != 2 || !strings.HasSuffix(rows[1], "#Feuil1:2|#1=185057800608491") {
		t.Fatalf("rows %q", rows)
	}
}

// Objects embedded in a letter and in a slide (testdata/document/
// lettre-tableau.fodt and diapo-tableau.fodp as LibreOffice saves them):
// the document's paragraphs, then the spreadsheet embedded in it as a
// table of its own, whether it lies in an ODF's "Object 1/", in a Word 97
// document's ObjectPool (an Excel workbook), in a PowerPoint 97
// presentation's ExOleObjStg (a deflated compound file) or in an Office
// Open XML package's embeddings (an XLSX).
func TestEmbeddedObjects(t *testing.T) {
	const row = "2|Nom=Renée Faure|NIR=1 85 05 78 006 084 91|Courriel=renee.faure@exemple.fr" // the header names the columns
	for name, object := range map[string]string{"lettre-tableau.odt": "Object 1", "lettre-tableau.doc": "object 1", "lettre-tableau.docx": "word/embeddings/oleObject1.xlsx",
		"diapo-tableau.ppt": "object 1", "diapo-tableau.odp": "Object 1", "diapo-tableau.pptx": "ppt/embeddings/oleObject1.xlsx"} {
		p := filepath.Join("testdata", "document", name)
		rec := extractFile(t, p, testOptions())
		if len(rec.problems) > 0 || len(rec.docs) != 2 {
			t.Errorf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
			continue
		}
		if lines := strings.Join(rec.doc(p).lines, "\n"); !strings.Contains(lines, "Liste des usagers jointe :") && !strings.Contains(lines, "Usagers à rappeler") {
			t.Errorf("%s: lines %q", name, lines)
		}
		obj := rec.doc(p + "!/" + object)
		if obj == nil || len(obj.tables) != 1 || obj.tables[0].name != "Usagers" {
			t.Errorf("%s: documents %v", name, rec.paths())
			continue
		}
		if got := strings.Join(obj.tables[0].rows, "\n"); got != row {
			t.Errorf("%s: rows %q, want %q", name, got, row)
		}
	}
}
