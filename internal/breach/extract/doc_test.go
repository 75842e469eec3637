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

	"tocsin/internal/breach/extract/rc4write"
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

// cfbStreams returns every stream of a compound file, by its path.
func cfbStreams(t testing.TB, data []byte) []xlswrite.Stream {
	t.Helper()
	c, err := openCFB(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []xlswrite.Stream
	var walk func(i uint32, prefix string)
	walk = func(i uint32, prefix string) {
		for _, k := range c.children(i) {
			e := c.dir[k]
			switch e.kind {
			case 1:
				walk(k, prefix+e.name+"/")
			case 2:
				r, err := c.open(e)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, xlswrite.Stream{Name: prefix + e.name, Data: b})
			}
		}
	}
	walk(0, "")
	return out
}

// encryptDoc encrypts a Word document's streams under password; fix
// changes its WordDocument stream after.
func encryptDoc(t testing.TB, doc []byte, m rc4write.Method, password string, fix func(word []byte)) []byte {
	t.Helper()
	streams := cfbStreams(t, doc)
	var word, table *xlswrite.Stream
	for i := range streams {
		switch streams[i].Name {
		case "WordDocument":
			word = &streams[i]
		case "0Table", "1Table":
			table = &streams[i]
		}
	}
	if word == nil || table == nil {
		t.Fatal("no WordDocument or Table stream")
	}
	salt, verifier := []byte("0123456789abcdef"), []byte("fedcba9876543210")
	word.Data, table.Data = rc4write.Doc(word.Data, table.Data, m, password, salt, verifier)
	if fix != nil {
		fix(word.Data)
	}
	return xlswrite.Compound(streams...)
}

// Word documents encrypted under a password, as Word 97-2000 (RC4) and
// Word 2002-2003 (RC4 CryptoAPI, 128 and 40 bits) do: read as the same
// letter with the password given; named as locked without it or with a
// wrong one, or when the header is broken, and nothing of the text read.
func TestDocEncrypted(t *testing.T) {
	plain := mustRead(t, filepath.Join("testdata", "document", "lettre.doc"))
	want := docLines(t, filepath.Join("testdata", "document", "lettre.doc"), FormatDOC)
	dir := t.TempDir()
	for name, m := range map[string]rc4write.Method{"rc4.doc": {}, "cryptoapi.doc": {CryptoAPI: true}, "cryptoapi-40.doc": {CryptoAPI: true, KeyBits: 40}} {
		p := writeFile(t, dir, name, encryptDoc(t, plain, m, "Secret", nil))
		o := testOptions()
		o.Passwords = []string{"faux", "Secret"}
		rec := extractFile(t, p, o)
		if len(rec.problems) > 0 {
			t.Fatalf("%s: problems %q", name, rec.problemText())
		}
		if got := rec.doc(p).lines; strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: lines\n%q\nwant\n%q", name, got, want)
		}
		for pws, problem := range map[string]string{
			"":     "encrypted: a Word document protected by a password; not scanned (give it with --password)",
			"faux": "encrypted: a Word document protected by a password that none of those given opens; not scanned",
		} {
			o := testOptions()
			if pws != "" {
				o.Passwords = []string{pws}
			}
			rec := extractFile(t, p, o)
			if probs := strings.Join(rec.problemText(), "\n"); !strings.HasSuffix(probs, problem) || len(rec.doc(p).lines) > 0 || !rec.problems[0].Skipped {
				t.Errorf("%s, passwords %q: problems %q, lines %q", name, pws, probs, rec.doc(p).lines)
			}
		}
	}
	// A header cut short, of an unknown version, and XOR obfuscation.
	short := encryptDoc(t, testWordDoc("NIR 185057800608491\r", nil), rc4write.Method{}, "Secret", func(w []byte) { binary.LittleEndian.PutUint32(w[14:], 40) })
	obfuscated := testWordDoc("NIR 185057800608491\r", func(w []byte) { binary.LittleEndian.PutUint16(w[10:], 0x8300) })
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"court.doc": {short, "syntax error: an encryption header cut short"},
		"xor.doc":   {obfuscated, "encrypted: a Word document under XOR obfuscation; not scanned"},
		"version.doc": {testWordDoc("x\r", func(w []byte) {
			binary.LittleEndian.PutUint16(w[10:], 0x0300)
			binary.LittleEndian.PutUint32(w[14:], 16)
		}), "encryption version 0.0, not read"},
	} {
		p := writeFile(t, dir, name, c.data)
		rec := extractFile(t, p, testOptions())
		if probs := strings.Join(rec.problemText(), "\n"); !strings.HasSuffix(probs, c.want) || strings.Contains(probs, "1850578") {
			t.Errorf("%s: problems %q, want %q", name, probs, c.want)
		}
	}
}

// FuzzRC4Header reads encryption headers whatever their bytes: no panic,
// and a key only for the password that opens the header.
func FuzzRC4Header(f *testing.F) {
	for _, m := range []rc4write.Method{{}, {CryptoAPI: true}, {CryptoAPI: true, KeyBits: 40}} {
		h, _ := rc4write.Header(m, "Secret", []byte("0123456789abcdef"), []byte("fedcba9876543210"))
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if k, err := rc4Header(b, []string{"Secret"}); (k == nil) == (err == nil) {
			t.Fatalf("key %v and error %v", k, err)
		}
	})
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
