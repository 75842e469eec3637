package breach

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Files real programs wrote (each fixture folder says which, and how):
// messages of Python's email and mailbox packages, an Outlook message of
// oxmsg, a letter LibreOffice Writer saves as DOCX, ODT, RTF, Word 97,
// PDF and HTML, a letter Cairo writes as PDF, a table Calc exports as
// HTML, slides Impress saves as PPTX and ODP. What each document of them
// holds is counted exactly for the validated categories, each in the
// right document: a message's header and its text, attachments read by
// their format, the messages of an mbox, the paragraphs of a letter.
func TestFixtureCounts(t *testing.T) {
	exact := []string{"nir", "email", "phone", "iban"}
	for _, file := range []string{"mail/plain.eml", "mail/mixed.eml", "mail/boite.mbox", "msg/demande.msg", "document/lettre.docx", "document/lettre.odt", "document/lettre.rtf", "document/lettre.doc", "document/diaporama.pptx", "document/diaporama.odp",
		"pdf/lettre.pdf", "pdf/courrier.pdf", "pdf/paragraphe.pdf", "html/lettre.html", "html/tableau.xls"} {
		dir, name := filepath.Split(filepath.Join("extract", "testdata", filepath.FromSlash(file)))
		dir = filepath.Clean(dir)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name+".expected"))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{} // "path category"
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				f := strings.Split(line, "\t")
				n, _ := strconv.ParseInt(f[2], 10, 64)
				want[f[0]+" "+f[1]] = n
			}
			rep, err := Scan(context.Background(), Options{Paths: []string{filepath.Join(dir, name)}, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range rep.Problems {
				t.Errorf("problem: %+v", p)
			}
			got := map[string]int64{}
			for _, l := range rep.Locations {
				rel := strings.TrimPrefix(l.Path, dir+string(filepath.Separator))
				for _, c := range exact {
					if l.Values[c] > 0 {
						got[rel+" "+c] += l.Values[c]
					}
				}
			}
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%s: %d values, want %d", k, got[k], n)
				}
			}
			for k, n := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s: %d values, want none", k, n)
				}
			}
			if t.Failed() {
				for _, l := range rep.Locations {
					t.Logf("location %s (%s): %v", l.Path, l.Format, l.Values)
				}
			}
		})
	}
}
