package extract

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tocsin/internal/breach/extract/xlswrite"
)

// The letter LibreOffice Writer saves as Word 97 (testdata/document): a
// line for each paragraph of the body, then the footnote, the header and
// the comment; the deleted NIR on a line of its own.
func TestDocFixture(t *testing.T) {
	lines := docLines(t, filepath.Join("testdata", "document", "lettre.doc"), FormatDOC)
	sameLines(t, "lettre.doc", lines,
		"1:0:Attestation de domicile",
		"2:0:Je soussignée Renée Faure, numéro de sécurité sociale 1 85 05 78 006 084 91, atteste sur l'honneur.",
		"3:0:Fait pour servir et valoir ce que de droit.",
		"3:0:Ancien NIR : 2 92 05 70 858 151 89",
		"4:0:Le 27 novembre 2026.",
		"5:0:IBAN\tFR76 3000 6000 0112 3456 7890 189\t\t",
		"6:0:\tCourriel : renee.faure@exemple.fr",
		"8:0:Mairie de Saint-Exemple, accueil : 01 23 45 67 89",
		"13:0:Rappeler au 06 98 76 54 32",
	)
}

// testWordDoc writes a Word 97 document holding text: one piece, one byte
// a character, a field whose instructions are left out; fib changes its
// FIB first; more streams (an ObjectPool) may follow.
func testWordDoc(text string, fib func([]byte), more ...xlswrite.Stream) []byte {
	le := binary.LittleEndian
	word := make([]byte, 1024)
	le.PutUint16(word, 0xA5EC)
	le.PutUint16(word[2:], 193)
	le.PutUint16(word[10:], 0x0200) // the 1Table stream
	at := 32
	le.PutUint16(word[at:], 14) // csw
	at += 2 + 28
	le.PutUint16(word[at:], 22) // cslw
	at += 2 + 88
	le.PutUint16(word[at:], 93) // cbRgFcLcb
	at += 2
	textAt := 800
	copy(word[textAt:], text)
	var plc []byte
	plc = le.AppendUint32(plc, 0)
	plc = le.AppendUint32(plc, uint32(len(text)))
	plc = append(plc, 0, 0)
	plc = le.AppendUint32(plc, uint32(textAt*2)|0x40000000)
	plc = append(plc, 0, 0)
	clx := append([]byte{0x01, 2, 0, 0xAA, 0xBB, 0x02}, le.AppendUint32(nil, uint32(len(plc)))...)
	clx = append(clx, plc...)
	table := append(make([]byte, 16), clx...)
	le.PutUint32(word[at+33*8:], 16)
	le.PutUint32(word[at+33*8+4:], uint32(len(clx)))
	if fib != nil {
		fib(word)
	}
	return xlswrite.Compound(append([]xlswrite.Stream{{Name: "WordDocument", Data: word}, {Name: "1Table", Data: table}}, more...)...)
}

// Word documents built by hand: a field's instructions left out and its
// result read, Windows-1252 text; and broken or unread ones, each with a
// problem that quotes nothing of the text.
func TestDocBuilt(t *testing.T) {
	dir := t.TempDir()
	text := "Tel\x13 HYPERLINK \"mailto:x@y.fr\" \x1406 12 34 56 78\x15 \x93ok\x94\rNIR 185057800608491\r"
	cases := []struct {
		name    string
		data    []byte
		lines   string
		problem string
	}{
		{"champ.doc", testWordDoc(text, nil), "1:0:Tel06 12 34 56 78 “ok”\n2:0:NIR 185057800608491", ""},
		{"ancien.doc", testWordDoc(text, func(w []byte) { binary.LittleEndian.PutUint16(w[2:], 104) }), "",
			"unsupported content: a Word document older than Word 97 (FIB version 104) is not read"},
		{"secret.doc", testWordDoc(text, func(w []byte) { binary.LittleEndian.PutUint16(w[10:], 0x0300) }), "",
			"encrypted: a password-protected Word document; not scanned"},
		{"table.doc", testWordDoc(text, func(w []byte) { binary.LittleEndian.PutUint16(w[10:], 0) }), "",
			"syntax error: a Word document without its 0Table stream"},
		{"loin.doc", testWordDoc(text, func(w []byte) { binary.LittleEndian.PutUint32(w[32+30+90+2+33*8+4:], 5000) }), "",
			"syntax error: the piece table lies past the end of 1Table"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		if got := strings.Join(rec.doc(p).lines, "\n"); got != c.lines {
			t.Errorf("%s: lines %q, want %q", c.name, got, c.lines)
		}
		probs := strings.Join(rec.problemText(), "\n")
		if !strings.Contains(probs, c.problem) || (c.problem == "") != (probs == "") || strings.Contains(probs, "1850578") {
			t.Errorf("%s: problems %q, want %q", c.name, probs, c.problem)
		}
	}
}

// The piece table and the character properties, whatever their bytes:
// no panic.
func FuzzDocTables(f *testing.F) {
	f.Add([]byte{0x01, 2, 0, 1, 2, 0x02, 16, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 8, 0, 0x40, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		pieces, err := pieceTable(data)
		if err == nil && len(pieces) > len(data) {
			t.Fatalf("%d pieces from %d bytes", len(pieces), len(data))
		}
		word := bytes.Repeat(data, 1+1024/(len(data)+1))
		deletedRuns(word, data)
	})
}

// Binary files say what they are: an archive of a kind not opened, an
// image (a scan), or noise.
func TestBinaryKinds(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, head, want string }{
		{"scan.jpg", "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", "an image is not scanned (a scanned document would need OCR)"},
		{"scan.tif", "II*\x00\x08\x00\x00\x00", "an image is not scanned (a scanned document would need OCR)"},
		{"x.bin", "\x00\x01\x02\x03", "binary data is not scanned"},
	} {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, []byte(c.head+"\x00rest"), 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		if len(rec.problems) != 1 || !rec.problems[0].Skipped || !strings.HasSuffix(rec.problems[0].Error(), "unsupported content: "+c.want) {
			t.Errorf("%s: problems %v", c.name, rec.problemText())
		}
	}
}

// The ObjectPool's other objects: an Office Open XML package (here the
// XLSX LibreOffice embeds in the DOCX of lettre-tableau) and raw
// contents, each read by its format as a document of its own; a storage
// holding neither is passed over.
func TestDocObjectPool(t *testing.T) {
	docx, err := os.ReadFile(filepath.Join("testdata", "document", "lettre-tableau.docx"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("word/embeddings/oleObject1.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	xlsx, _ := io.ReadAll(rc)
	rc.Close()
	p := filepath.Join(t.TempDir(), "objets.doc")
	data := testWordDoc("Voir les tableaux\r", nil,
		xlswrite.Stream{Name: "ObjectPool/_1/Package", Data: xlsx},
		xlswrite.Stream{Name: "ObjectPool/_2/CONTENTS", Data: []byte("rappeler au 06 12 34 56 78\n")},
		xlswrite.Stream{Name: "ObjectPool/_3/Ole", Data: make([]byte, 20)})
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	if len(rec.problems) > 0 {
		t.Fatalf("problems %v", rec.problemText())
	}
	if got, want := strings.Join(rec.paths(), ", "), p+" (doc), "+p+"!/object 1 (xlsx), "+p+"!/object 2 (text)"; got != want {
		t.Fatalf("documents %s, want %s", got, want)
	}
	if rows := strings.Join(rec.doc(p + "!/object 1").tables[0].rows, "\n"); !strings.Contains(rows, "Renée Faure") {
		t.Errorf("the package's rows %q", rows)
	}
	if lines := strings.Join(rec.doc(p+"!/object 2").lines, "\n"); lines != "1:0:rappeler au 06 12 34 56 78" {
		t.Errorf("the contents' lines %q", lines)
	}
}
