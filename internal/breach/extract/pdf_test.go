package extract

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The PDFs LibreOffice, qpdf (object streams, encryption with an empty
// user password) and Cairo (a Type0 font) write (testdata/pdf/make.sh):
// the reader finds the words pdftotext finds, every one and no other.
func TestPDFMatchesPdftotext(t *testing.T) {
	for _, name := range []string{"lettre", "lettre-os", "courrier", "paragraphe", "chiffre-rc4-40", "chiffre-rc4-128", "chiffre-aes-128", "chiffre-aes-256"} {
		golden := name
		if strings.HasPrefix(name, "chiffre-") {
			golden = "courrier"
		}
		want, err := os.ReadFile(filepath.Join("testdata", "pdf", golden+".pdftotext"))
		if err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, filepath.Join("testdata", "pdf", name+".pdf"), testOptions())
		if len(rec.problems) > 0 || len(rec.docs) != 1 || rec.docs[0].format != FormatPDF {
			t.Fatalf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
		}
		var text []string
		for _, l := range rec.docs[0].lines {
			_, l, _ = strings.Cut(l, ":")
			_, l, _ = strings.Cut(l, ":")
			text = append(text, l)
		}
		got, exp := strings.Fields(strings.Join(text, "\n")), strings.Fields(string(want))
		sort.Strings(got)
		sort.Strings(exp)
		if strings.Join(got, " ") != strings.Join(exp, " ") {
			t.Errorf("%s: words\n%q\npdftotext\n%q", name, got, exp)
		}
	}
}

// Lines as a reader sees them: a run in bold and a note's number stay in
// their line, a table's row is one line.
func TestPDFLines(t *testing.T) {
	lines := docLines(t, filepath.Join("testdata", "pdf", "lettre.pdf"), FormatPDF)
	sameLines(t, "lettre.pdf", lines,
		"1:0:Mairie de Saint-Exemple, accueil : 01 23 45 67 89",
		"2:0:Attestation de domicile",
		"3:0:Je soussignée Renée Faure1, numéro de sécurité sociale 1 85 05 78 006 084 91, atteste sur l'honneur.",
		"4:0:Ancien NIR : 2 92 05 70 858 151 89Fait pour servir et valoir ce que de droit.",
		"5:0:Le 27 novembre 2026.",
		"6:0:IBAN FR76 3000 6000 0112 3456 7890 189",
		"7:0:1 Courriel : renee.faure@exemple.fr",
	)
}

// A paragraph the page wraps in eight rows is one line again: the NIR and
// the IBAN cut by the wraps are whole, a word cut at its hyphen too.
func TestPDFWrappedParagraph(t *testing.T) {
	lines := docLines(t, filepath.Join("testdata", "pdf", "paragraphe.pdf"), FormatPDF)
	sameLines(t, "paragraphe.pdf", lines, "1:0:Madame Renée Faure, demeurant à Saint-Exemple, a communiqué son numéro de sécurité sociale 1 85 05 78 006 084 91 "+
		"ainsi que son RIB FR76 3000 6000 0112 3456 7890 189 et son adresse jean-pierre.faure@exemple.fr pour être rappelée au 06 12 34 56 78 dans la journée")
}

// PDFs that cannot be read say why, and quote nothing of their text.
func TestPDFBroken(t *testing.T) {
	lettre, err := os.ReadFile(filepath.Join("testdata", "pdf", "lettre.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	blank := "%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n" +
		"3 0 obj <</Type/Page/Parent 2 0 R/Contents 4 0 R>> endobj\n4 0 obj <</Length 19>> stream\nq 100 0 0 100 0 0 cm\nendstream endobj\n"
	cases := []struct {
		name, data, problem string
		skipped             bool
	}{
		{"motdepasse.pdf", "", "encrypted: a PDF protected by a password; not scanned (give it with --password)", true},
		{"coupe.pdf", string(lettre[:len(lettre)/2]), "syntax error: no page of this PDF can be found (a file cut short?)", false},
		{"scan.pdf", blank, "unsupported content: 1 of 1 PDF pages draw no text (scanned images?); reading them needs OCR", true},
	}
	dir := t.TempDir()
	for _, c := range cases {
		p := filepath.Join("testdata", "pdf", c.name)
		if c.data != "" {
			p = filepath.Join(dir, c.name)
			if err := os.WriteFile(p, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		rec := extractFile(t, p, testOptions())
		if len(rec.problems) != 1 || !strings.HasSuffix(rec.problems[0].Error(), c.problem) || rec.problems[0].Skipped != c.skipped {
			t.Errorf("%s: problems %v", c.name, rec.problemText())
		}
		if strings.Contains(strings.Join(rec.problemText(), ""), "Faure") {
			t.Errorf("%s: a problem quotes the file", c.name)
		}
	}
}

// FuzzPDF reads arbitrary bytes as a PDF: no panic, no loop, every line
// UTF-8 and within the cap.
func FuzzPDF(f *testing.F) {
	for _, name := range []string{"courrier.pdf", "chiffre-aes-128.pdf"} {
		data, err := os.ReadFile(filepath.Join("testdata", "pdf", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("%PDF-1.4\n1 0 obj <</Type/Page/Contents 2 0 R/Resources<</Font<</F1 3 0 R>>>>>> endobj\n" +
		"2 0 obj <</Length 60>> stream\nBT /F1 12 Tf 72 700 Td (R\\351n\\351e) Tj 0 -14 Td [(06 1)-50(2 34)] TJ ET\nendstream endobj\n" +
		"3 0 obj <</Type/Font/Subtype/Type1/Encoding<</Differences[65/eacute/uni0152]>>/Widths[500]/FirstChar 32>> endobj\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := &recorder{}
		d := rec.Begin("f.pdf", FormatPDF)
		readPDF(context.Background(), data, d, "f.pdf", Options{MaxLine: 256})
		validLines(t, rec, 256+16, true)
	})
}

// A PDF whose user password is given (the first that opens it) reads as
// the same letter unprotected, whatever the cipher; a wrong password is
// reported, and never quoted.
func TestPDFPassword(t *testing.T) {
	want := extractFile(t, filepath.Join("testdata", "pdf", "courrier.pdf"), testOptions()).doc(filepath.Join("testdata", "pdf", "courrier.pdf"))
	for _, name := range []string{"motdepasse.pdf", "motdepasse-rc4.pdf", "motdepasse-aes128.pdf"} {
		p := filepath.Join("testdata", "pdf", name)
		o := testOptions()
		o.Passwords = []string{"faux", "secret"}
		rec := extractFile(t, p, o)
		if d := rec.doc(p); len(rec.problems) > 0 || d == nil || strings.Join(d.lines, "\n") != strings.Join(want.lines, "\n") {
			t.Errorf("%s: problems %v", name, rec.problemText())
		}
		o.Passwords = []string{"faux"}
		rec = extractFile(t, p, o)
		if probs := strings.Join(rec.problemText(), "\n"); !strings.HasSuffix(probs, "encrypted: a PDF protected by a password that none of those given opens; not scanned") || strings.Contains(probs, "faux") {
			t.Errorf("%s, a wrong password: problems %q", name, probs)
		}
	}
}
