package extract

import (
	"bytes"
	"compress/zlib"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"tocsin/internal/breach/extract/xlswrite"
)

// The slides LibreOffice Impress saves as PowerPoint 97
// (testdata/document): the masters' placeholder text first, then each
// slide's text, then the speaker's notes, as in the stream; the tags
// Impress names with a CString (___PPT10) are text too.
func TestPPTFixture(t *testing.T) {
	lines := docLines(t, filepath.Join("testdata", "document", "diaporama.ppt"), FormatPPT)
	sameLines(t, "diaporama.ppt", lines,
		"1:0:Click to edit the title text format",
		"2:0:Click to edit the outline text format",
		"3:0:Second Outline Level",
		"4:0:Third Outline Level",
		"5:0:Fourth Outline Level",
		"6:0:Fifth Outline Level",
		"7:0:Sixth Outline Level",
		"8:0:Seventh Outline Level",
		"9:0:*", "10:0:*", "11:0:*", "12:0:*", "13:0:*", "14:0:*", "15:0:*",
		"16:0:Bilan de l'accueil",
		"17:0:Dossier de Renée Faure, NIR 1 85 05 78 006 084 91",
		"18:0:Contact : renee.faure@exemple.fr",
		"19:0:___PPT10",
		"20:0:Paiement",
		"21:0:RIB FR76 3000 6000 0112 3456 7890 189",
		"22:0:___PPT10",
		"23:0:Rappeler au 06 98 76 54 32",
	)
}

// pptRecord writes a record header and its data; a container's data is
// its children.
func pptRecord(ver, instance, typ int, data ...[]byte) []byte {
	body := bytes.Join(data, nil)
	out := append(u16(instance<<4|ver), u16(typ)...)
	return append(append(out, u32(len(body))...), body...)
}

// testPPT is a presentation whose PowerPoint Document stream is stream.
func testPPT(stream []byte) []byte {
	return xlswrite.Compound(xlswrite.Stream{Name: "Current User", Data: make([]byte, 20)}, xlswrite.Stream{Name: pptStreamName, Data: stream})
}

// Presentations built by hand: the three text atoms anywhere in the tree,
// paragraphs and line breaks cut lines, other records skipped whole; an
// encrypted one and broken ones reported, with what came before the
// break read and nothing of the text quoted.
func TestPPTBuilt(t *testing.T) {
	slide := pptRecord(0xF, 0, 0x03EE, // SlideContainer
		pptRecord(0, 0, 0x03EF, make([]byte, 24)), // SlideAtom
		pptRecord(0xF, 0, 0xF002, // a drawing
			pptRecord(0xF, 0, 0xF00D, pptRecord(0, 0, pptTextChars, utf16le("Tél. 06 12 34 56 78\rNIR 1 85 05 78 006 084 91\vfin")))),
		pptRecord(0, 0, pptTextBytes, latin1("Zoé Martin")))
	comment := pptRecord(0xF, 0, 0x2EE0, pptRecord(0, 0, pptCString, utf16le("Renée Faure")), pptRecord(0, 1, pptCString, utf16le("voir renee.faure@exemple.fr")))
	doc := pptRecord(0xF, 0, 0x03E8, slide, comment)
	cases := []struct {
		name    string
		stream  []byte
		lines   string
		problem string
	}{
		{"diapos.ppt", doc, "1:0:Tél. 06 12 34 56 78\n2:0:NIR 1 85 05 78 006 084 91\n3:0:fin\n4:0:Zoé Martin\n5:0:Renée Faure\n6:0:voir renee.faure@exemple.fr", ""},
		{"secret.ppt", append(bytes.Clone(doc), pptRecord(0xF, 0, pptCryptSession)...), "1:0:Tél. 06 12 34 56 78\n2:0:NIR 1 85 05 78 006 084 91\n3:0:fin\n4:0:Zoé Martin\n5:0:Renée Faure\n6:0:voir renee.faure@exemple.fr",
			"encrypted: a password-protected PowerPoint presentation; not scanned"},
		{"coupe.ppt", doc[:len(doc)-10], "1:0:Tél. 06 12 34 56 78\n2:0:NIR 1 85 05 78 006 084 91\n3:0:fin\n4:0:Zoé Martin\n5:0:Renée Faure",
			"syntax error: the text record at byte " + strconv.Itoa(len(doc)-len(comment)+8+len(utf16le("Renée Faure"))+8) + " runs past the end of the PowerPoint Document stream"},
		{"entete.ppt", append(bytes.Clone(doc), 1, 2, 3), "1:0:Tél. 06 12 34 56 78\n2:0:NIR 1 85 05 78 006 084 91\n3:0:fin\n4:0:Zoé Martin\n5:0:Renée Faure\n6:0:voir renee.faure@exemple.fr",
			"syntax error: record header cut short at byte " + strconv.Itoa(len(doc)) + " of the PowerPoint Document stream"},
		{"image.ppt", pptRecord(0, 0, 0x1234, make([]byte, 10)), "",
			""},
		{"loin.ppt", append(pptRecord(0, 0, pptTextChars, utf16le("a")), pptRecord(0, 0, 0x1234, make([]byte, 4))[:8]...), "1:0:a",
			"syntax error: the record of type 0x1234 at byte 10 runs past the end of the PowerPoint Document stream"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, testPPT(c.stream), 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		if d := rec.doc(p); d.format != FormatPPT {
			t.Errorf("%s: format %q, want %q", c.name, d.format, FormatPPT)
		}
		if got := strings.Join(rec.doc(p).lines, "\n"); got != c.lines {
			t.Errorf("%s: lines %q, want %q", c.name, got, c.lines)
		}
		probs := strings.Join(rec.problemText(), "\n")
		if !strings.Contains(probs, c.problem) || (c.problem == "") != (probs == "") || strings.Contains(probs, "06 12") || strings.Contains(probs, "Faure") {
			t.Errorf("%s: problems %q, want %q", c.name, probs, c.problem)
		}
	}
}

// FuzzPPT reads presentations whatever the bytes of their stream: no
// panic, every line UTF-8.
func FuzzPPT(f *testing.F) {
	f.Add(pptRecord(0xF, 0, 0x03E8, pptRecord(0, 0, pptTextChars, utf16le("Tél\r06")), pptRecord(0, 0, pptTextBytes, latin1("Zoé"))))
	f.Add(pptRecord(0, 0, pptCString, []byte{0x00, 0xD8, 0x41, 0x00}))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("Renée Faure, 06 12 34 56 78\n"))
	zw.Close()
	f.Add(pptRecord(0, 1, pptExOleObjStg, u32(28), z.Bytes()))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, stream []byte) {
		p := filepath.Join(dir, "f.ppt")
		if err := os.WriteFile(p, testPPT(stream), 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		validLines(t, rec, -1, false)
	})
}

// Embedded objects built by hand: one stored as it is, one deflated,
// each read by its format; a deflated one that is not zlib is reported
// (no document), and the slides after it are read.
func TestPPTObjects(t *testing.T) {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("Renée Faure, renee.faure@exemple.fr\n"))
	zw.Close()
	stream := pptRecord(0xF, 0, 0x03E8,
		pptRecord(0, 0, pptExOleObjStg, []byte("rappeler au 06 12 34 56 78\n")),
		pptRecord(0, 1, pptExOleObjStg, u32(42), z.Bytes()),
		pptRecord(0, 1, pptExOleObjStg, u32(42), []byte("pas du zlib")),
		pptRecord(0, 0, pptTextChars, utf16le("fin")))
	p := filepath.Join(t.TempDir(), "objets.ppt")
	if err := os.WriteFile(p, testPPT(stream), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	if got, want := strings.Join(rec.paths(), ", "), p+" (ppt), "+p+"!/object 1 (text), "+p+"!/object 2 (text)"; got != want {
		t.Fatalf("documents %s, want %s", got, want)
	}
	if lines := strings.Join(rec.doc(p).lines, "\n"); lines != "1:0:fin" {
		t.Errorf("lines %q", lines)
	}
	if lines := strings.Join(rec.doc(p+"!/object 2").lines, "\n"); lines != "1:0:Renée Faure, renee.faure@exemple.fr" {
		t.Errorf("the deflated object: %q", lines)
	}
	if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, "objets.ppt!/object 3: syntax error: the object: zlib: invalid header") {
		t.Errorf("problems %q", probs)
	}
}
