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
	for _, file := range []string{"mail/plain.eml", "mail/mixed.eml", "mail/boite.mbox", "msg/demande.msg", "document/lettre.docx", "document/lettre.odt", "document/lettre.rtf", "document/lettre.doc", "document/diaporama.pptx", "document/diaporama.odp", "document/diaporama.ppt", "document/lettre-tableau.odt", "document/lettre-tableau.doc", "document/lettre-tableau.docx", "document/diapo-tableau.ppt", "document/diapo-tableau.odp", "document/diapo-tableau.pptx",
		"tnef/winmail.dat", "xml/usagers-etree.xml", "xls/small-lo.xml", "xml/usagers-mariadb.xml", "bson/usagers.bson", "bson/usagers.bson.gz", "bson/usagers.archive", "bson/usagers.archive.gz", "pgdump/usagers.dump", "pgdump/usagers-z0.dump", "bson/usagers-relaxed.json", "bson/usagers-canonical.json", "ldif/annuaire.ldif", "vcard/contacts.vcf", "ical/rendez-vous.ics", "dbf/people-utf8.dbf", "dbf/people-850.dbf", "dbf/people-1252.dbf", "dbf/notes3.dbf", "pdf/lettre.pdf", "pdf/courrier.pdf", "pdf/paragraphe.pdf", "html/lettre.html", "html/tableau.xls", "7z/fuite.7z", "compressed/fuite.txz", "compressed/fuite.tar.lz4", "compressed/annuaire-blocs.ldif.xz"} {
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

// The same support tickets as LibreOffice Writer saves them as DOCX, Word
// 97, RTF, HTML and PDF (testdata/tickets/make.sh) hold what the text
// holds: the same values and distinct values in every category; the PDF,
// whose page wraps long lines, no more and at most 3 % fewer.
func TestFormatsAgree(t *testing.T) {
	dir := filepath.Join("extract", "testdata", "tickets")
	counts := func(name string) map[string][2]int64 {
		rep, err := Scan(context.Background(), Options{Paths: []string{filepath.Join(dir, name)}, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Problems) > 0 {
			t.Fatalf("%s: problems %+v", name, rep.Problems)
		}
		out := map[string][2]int64{}
		for _, c := range rep.Categories {
			out[c.Category] = [2]int64{c.Values, c.Distinct}
		}
		return out
	}
	text := counts("tickets.txt")
	if text["nir"][0] < 50 || text["iban"][0] < 20 {
		t.Fatalf("too few values in the text to compare: %v", text)
	}
	for _, name := range []string{"tickets.docx", "tickets.doc", "tickets.rtf", "tickets.html", "tickets.pdf"} {
		got := counts(name)
		for c, want := range text {
			g := got[c]
			ok := g == want
			if name == "tickets.pdf" {
				ok = g[0] <= want[0] && g[0]*100 >= want[0]*97 && g[1] <= want[1] && g[1]*100 >= want[1]*97
			}
			if !ok {
				t.Errorf("%s: %s %d values (%d distinct), the text %d (%d)", name, c, g[0], g[1], want[0], want[1])
			}
		}
	}
}

// TestWorkbookNameColumns: every value of the name columns of the
// workbooks real writers saved counts, Vietnamese names (Nguyễn, Thảo)
// among them, as the ones of Latin-1 do.
func TestWorkbookNameColumns(t *testing.T) {
	for _, file := range []string{"xls/people-lo.xls", "xls/people-xlwt.xls", "xls/people-gnumeric.xls", "xls/people-biff5.xls", "xls/people-velvet.xls", "xlsb/people-sst.xlsb"} {
		t.Run(file, func(t *testing.T) {
			rep, err := Scan(context.Background(), Options{Paths: []string{filepath.Join("extract", "testdata", filepath.FromSlash(file))}, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, l := range rep.Locations {
				for _, c := range l.Columns {
					got[l.Table+"/"+c.Name] += c.Values["person_name"]
				}
			}
			for _, col := range []string{"Usagers/Nom", "Usagers/Prénom"} {
				if got[col] != 250 {
					t.Errorf("%s: %d names, want 250 (one a row)", col, got[col])
				}
			}
		})
	}
}
