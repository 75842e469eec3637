package extract

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The letter LibreOffice Writer exports as HTML: a line for each block,
// the source's line breaks inside a NIR gone, the meta data (where the
// generator's version read as an IP address) left out.
func TestHTMLFixture(t *testing.T) {
	lines := docLines(t, filepath.Join("testdata", "html", "lettre.html"), FormatHTML)
	sameLines(t, "lettre.html", lines,
		"1:0:Mairie de Saint-Exemple, accueil : 01 23 45 67 89",
		"2:0:Attestation de domicile",
		"3:0:Je soussignée Renée Faure1, numéro de sécurité sociale 1 85 05 78 006 084 91, atteste sur l'honneur.",
		"4:0:Ancien NIR : 2 92 05 70 858 151 89Fait pour servir et valoir ce que de droit.",
		"5:0:Le 27 novembre 2026.",
		"6:0:IBAN",
		"7:0:FR76 3000 6000 0112 3456 7890 189",
		"8:0:1Courriel : renee.faure@exemple.fr",
	)
}

// What pages hold: scripts, styles and comments left out, references
// decoded, a table's cells apart, <pre> lines kept, a form's values read,
// markup in any case, '>' inside a quoted attribute.
func TestHTMLPieces(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"script", `<html><head><script>var nir = "185057800608491";</script><style>p{}</style></head><body><p>a</p></body>`, "1:0:a"},
		{"references", `<p>Ren&eacute;e&nbsp;Faure, t&#233;l.&nbsp;06&nbsp;12 &#x33;4 56 78 &amp; co</p>`, "1:0:Renée Faure, tél. 06 12 34 56 78 & co"},
		{"table", `<TABLE><TR><TD>Nom</TD><TD>Dupont</TD></TR><tr><td>NIR</td><td>1 85 05<br>78</td></tr></TABLE>`, "1:0:Nom\tDupont\n2:0:NIR\t1 85 05\n3:0:78"},
		{"pre", "<pre>ligne 1\nligne   2</pre>après", "1:0:ligne 1\n2:0:ligne 2\n3:0:après"},
		{"form", `<form><input type="text" name="nir" value="1 85 05 78 006 084 91"><input value='x'/></form>`, "1:0:1 85 05 78 006 084 91 x"},
		{"comment", `<p>a<!-- <p>185057800608491</p> -->b</p>`, "1:0:ab"},
		{"comment dashes", `<p>a<!-- x --->b<script>if (a<b) {}</SCRIPT >c</p>`, "1:0:abc"},
		{"quoted", `<a title="a > b" href="x">lien</a>`, "1:0:lien"},
		{"wrapped", "<p>numéro 1 85 05\n   78 006 084 91</p>", "1:0:numéro 1 85 05 78 006 084 91"},
	}
	for _, c := range cases {
		rec := &recorder{}
		if err := New(testOptions()).Reader(context.Background(), c.name+".html", strings.NewReader(c.in), rec); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rec.docs[0].lines, "\n"); got != c.want || len(rec.problems) > 0 {
			t.Errorf("%s: lines %q (problems %v), want %q", c.name, got, rec.problemText(), c.want)
		}
	}
}

// An "Excel" export that is an HTML table is read as HTML whatever its
// name.
func TestHTMLByContent(t *testing.T) {
	for _, head := range []string{"<!DOCTYPE html>", "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\">", "<TABLE border=1>"} {
		if f := Sniff("export.xls", []byte("\r\n"+head+"<tr><td>x</td></tr>")); f != FormatHTML {
			t.Errorf("%q: %s", head, f)
		}
	}
}

// FuzzHTML reads arbitrary bytes as HTML: no panic, every line UTF-8
// and within the cap.
func FuzzHTML(f *testing.F) {
	f.Add([]byte(`<html><script>x</script><p>Ren&eacute;e<table><tr><td>a<td>b</table><pre>1
2</pre><input value="v"><!-- c -->`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := &recorder{}
		d := rec.Begin("f.html", FormatHTML)
		readHTML(context.Background(), strings.NewReader(string(data)), d, Options{MaxLine: 256})
		validLines(t, rec, 256+16, true)
	})
}
