package extract

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// LibreOffice Writer's RTF of the letter (testdata/document): a line for
// each paragraph, the header, the footnote and the comment read apart
// from the text they are in, the deleted NIR on a line of its own, the
// tables of fonts, colors and styles left out.
func TestRTFFixture(t *testing.T) {
	lines := docLines(t, filepath.Join("testdata", "document", "lettre.rtf"), FormatRTF)
	sameLines(t, "lettre.rtf", lines,
		"2:0:Mairie de Saint-Exemple, accueil : 01 23 45 67 89",
		"3:0:\tAttestation de domicile",
		"4:0:Je soussignée Renée Faure\t\tCourriel : renee.faure@exemple.fr, numéro de sécurité sociale 1 85 05 78 006 084 91, atteste sur l'honneur.",
		"5:0:Fait pour servir et valoir ce que de droit.",
		"5:0:Ancien NIR : 2 92 05 70 858 151 89",
		"6:0:Le 27 novembre 2026.\tRappeler au 06 98 76 54 32",
		"7:0:IBAN\tFR76 3000 6000 0112 3456 7890 189\t",
	)
}

// What RTF writers do: accents in the code page and in Unicode with
// their stand-ins, a picture's hex data and a binary run (which would
// read as numbers), properties and field codes; braces that do not
// balance.
func TestRTFPieces(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"accents", `{\rtf1\ansi Ren\'e9e \u8364?10 \uc2\u233\'e9\'e9s}`, "1:0:Renée €10 és"},
		{"picture", `{\rtf1 avant{\pict\pngblip 4970101234567890123456789012}apr\'e8s}`, "1:0:avantaprès"},
		{"binary", `{\rtf1 a{\*\blipuid x}\bin4 1234b\par c}`, "1:0:ab\n2:0:c"},
		{"properties", `{\rtf1{\info{\author Jean Dupont}{\*\company Mairie}}{\field{\*\fldinst HYPERLINK "mailto:x@y.fr"}{\fldrslt ecrire}} ici}`, "1:0:ecrire ici"},
		{"unbalanced", `{\rtf1 {{{a}}}}}}} b\line c{`, "1:0:a b\n2:0:c"},
		{"symbols", `{\rtf1 a\~b\_c\\d\{e\}\emdash\ldblquote f\rdblquote}`, `1:0:a b-c\d{e}—"f"`},
	}
	for _, c := range cases {
		rec := &recorder{}
		if err := New(testOptions()).Reader(context.Background(), c.name+".rtf", strings.NewReader(c.in), rec); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rec.docs[0].lines, "\n"); got != c.want || len(rec.problems) > 0 {
			t.Errorf("%s: lines %q (problems %v), want %q", c.name, got, rec.problemText(), c.want)
		}
	}
}

// FuzzRTF reads arbitrary bytes as RTF: no panic, every line UTF-8 and
// within the cap.
func FuzzRTF(f *testing.F) {
	f.Add([]byte(`{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Ren\'e9e\u8364?{\*\x y}\bin2 ab{\pict 00}\par}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := &recorder{}
		d := rec.Begin("f.rtf", FormatRTF)
		readRTF(context.Background(), strings.NewReader(string(data)), d, Options{MaxLine: 256})
		validLines(t, rec, 256+16, true)
	})
}
