package extract

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// An OpenDocument saved as one XML file reads as the zipped one: the same
// paragraphs (the styles' headers and footers come first in it), the
// same cells. LibreOffice's flat files are indented: white space between
// a paragraph's elements is one space, as ODF says.
func TestFlatODF(t *testing.T) {
	for _, c := range []struct {
		flat, zipped string
		f            Format
	}{
		{"lettre.fodt", "document/lettre.odt", FormatODT},
		{"diaporama.fodp", "document/diaporama.odp", FormatODP},
	} {
		got := paragraphSet(docLines(t, filepath.Join("testdata", "flat", c.flat), c.f))
		want := paragraphSet(docLines(t, filepath.Join("testdata", filepath.FromSlash(c.zipped)), c.f))
		sameLines(t, c.flat, got, want...)
	}

	want := readGolden(t, filepath.Join("testdata", "xls", "small-xlwt.golden"))
	got, rec := readXLSCells(t, filepath.Join("testdata", "flat", "small-xlwt.fods"))
	if len(rec.problems) > 0 || rec.docs[0].format != FormatODS {
		t.Fatalf("format %q, problems %v", rec.docs[0].format, rec.problemText())
	}
	for _, g := range want {
		if v := got[g.key]; !sameCell(g, v) {
			t.Errorf("%s: %q, xlrd %s %q", strings.ReplaceAll(g.key, "\t", " "), v, g.kind, g.value)
		}
	}
	// Beyond them, only the results of column I's formula: xlwt stores
	// none, Calc computes them.
	seen := map[string]bool{}
	for _, g := range want {
		seen[g.key] = true
	}
	for k, v := range got {
		if !seen[k] && !strings.HasSuffix(k, "\t8") {
			t.Errorf("%s: %q, which xlrd does not read", strings.ReplaceAll(k, "\t", " "), v)
		}
	}
}

// paragraphSet is the text of the lines, sorted, without the paragraph
// numbers (the order of the parts differs) or trailing spaces.
func paragraphSet(lines []string) []string {
	var out []string
	for _, l := range lines {
		if i := strings.Index(l, ":"); i >= 0 {
			if j := strings.Index(l[i+1:], ":"); j >= 0 {
				l = l[i+1+j+1:]
			}
		}
		out = append(out, strings.TrimRight(l, " "))
	}
	slices.Sort(out)
	return out
}

// Flat documents are told by their root element, whatever their names;
// other XML is text.
func TestFlatODFSniff(t *testing.T) {
	for name, want := range map[string]Format{"lettre.fodt": FormatODT, "diaporama.fodp": FormatODP, "small-xlwt.fods": FormatODS} {
		data, err := os.ReadFile(filepath.Join("testdata", "flat", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, as := range []string{name, "export.xml", "notes.txt"} {
			if f := Sniff(as, data[:min(len(data), sniffSize)]); f != want {
				t.Errorf("%s as %s: %q, want %q", name, as, f, want)
			}
		}
	}
	if f := Sniff("plan.xml", []byte(`<?xml version="1.0"?><office:document-meta xmlns:office="x"/>`)); f != FormatText {
		t.Errorf("other XML: %q", f)
	}
}

// The white space of an ODF paragraph: one space for a run, none for the
// indentation between a note's or a comment's parts, a space kept after a
// note and between spans.
func TestODFWhiteSpace(t *testing.T) {
	doc := `<?xml version="1.0"?>
<office:document xmlns:office="o" xmlns:text="t" xmlns:dc="d" office:mimetype="application/vnd.oasis.opendocument.text"><office:body><office:text>
 <text:p>Jean<text:note><text:note-citation>1</text:note-citation><text:note-body>
   <text:p>Note   de   bas</text:p>
  </text:note-body></text:note> <text:span>Dupont</text:span>
  au <text:span>06 12</text:span> <text:span>34 56 78</text:span><office:annotation>
   <dc:creator>Agent</dc:creator>
   <text:p>vu</text:p>
  </office:annotation></text:p>
</office:text></office:body></office:document>`
	p := filepath.Join(t.TempDir(), "note.fodt")
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	got := docLines(t, p, FormatODT)
	sameLines(t, "note.fodt", paragraphSet(got), "Jean Dupont au 06 12 34 56 78", "Note de bas", "vu")
}
