package extract

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An address book as vobject writes it (testdata/vcard/make.py, vCard
// 3.0): a card a row, the structured name given name first, the address
// as on a letter, escapes undone, folded lines joined, the photo left out.
func TestVCard(t *testing.T) {
	p := filepath.Join("testdata", "vcard", "contacts.vcf")
	rec := extractFile(t, p, testOptions())
	d := rec.doc(p)
	if len(rec.problems) > 0 || d == nil || d.format != FormatVCard || len(d.tables) != 1 || d.tables[0].name != "contacts" || len(d.lines) > 0 {
		t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
	}
	want := "1|ADR=12 rue de la Paix, 75002 Paris, France|BDAY=1985-05-12|EMAIL=renee.faure@exemple.fr|FN=Renée Faure|N=Renée Faure|" +
		"NOTE=Carte Vitale 1 85 05 78 006 084 91; rappeler le matin, pas le mercredi|ORG=Mairie d'Exemple, État civil|TEL=06 98 76 54 32\n" +
		"14|BDAY=19920503|EMAIL=jean.martin@exemple.fr|FN=Jean Martin|N=Jean Martin|TEL=+33 6 12 34 56 78"
	if got := strings.Join(d.tables[0].rows, "\n"); got != want {
		t.Errorf("rows\n%s\nwant\n%s", got, want)
	}
}

// What other writers do: vCard 2.1 in quoted-printable (UTF-8 and
// Latin-1, soft line breaks), base64 text, groups, 4.0's URIs and quoted
// parameters, a card cut before its END.
func TestVCardBuilt(t *testing.T) {
	for _, c := range []struct{ name, in, rows string }{
		{"qp utf-8", "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Lef=C3=A8vre;H=C3=A9l=C3=A8ne;;;\r\nTEL;CELL;PREF:0612345678\r\nEND:VCARD\r\n",
			"1|N=Hélène Lefèvre|TEL=0612345678"},
		{"qp soft break", "BEGIN:VCARD\r\nNOTE;ENCODING=QUOTED-PRINTABLE:rappeler H=C3=A9l=\r\n=C3=A8ne au 06 12 34 56 78=0D=0Ademain\r\nEND:VCARD\r\n",
			"1|NOTE=rappeler Hélène au 06 12 34 56 78\r\ndemain"},
		{"qp latin-1", "BEGIN:VCARD\nFN;CHARSET=ISO-8859-1;QUOTED-PRINTABLE:Ren=E9e Faure\nEND:VCARD\n", "1|FN=Renée Faure"},
		{"base64 text", "BEGIN:VCARD\nNOTE;ENCODING=b:UmVuw6llIEZhdXJl\nKEY;ENCODING=b:AAECAw==\nEND:VCARD\n", "1|NOTE=Renée Faure"},
		{"groups and uris", "BEGIN:VCARD\nVERSION:4.0\nitem1.TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+33-6-12-34-56-78\nitem2.EMAIL:mailto:jean@exemple.fr\nEND:VCARD\n",
			"1|TEL=+33-6-12-34-56-78|EMAIL=jean@exemple.fr"},
		{"escapes", "BEGIN:VCARD\nNOTE:un\\, deux\\; trois\\nquatre \\\\ cinq\nADR:;;;Lyon;;;\nEND:VCARD\n", "1|NOTE=un, deux; trois quatre \\ cinq|ADR=Lyon"},
		{"no end", "BEGIN:VCARD\nFN:Jean Martin\nBEGIN:VCARD\nFN:Marie Curie\n", "1|FN=Jean Martin\n3|FN=Marie Curie"},
		// Empty components and groups leave no separator; spaces around
		// a component go, escaped ones inside stay.
		{"sparse structures", "BEGIN:VCARD\nN: ;;;Mme;\nADR:BP 12;;  ;Paris;;75002;\nORG:;Mairie\\, annexe; ;État civil\nEND:VCARD\n" +
			"BEGIN:VCARD\nN:;;;;\nADR:;;;;;;\nORG:;\nN:Faure;Renée\nEND:VCARD\n",
			"1|ADR=75002 Paris, BP 12|ORG=Mairie, annexe, État civil\n6|N=Renée Faure"},
		{"between cards", "BEGIN:VCARD\nFN:Jean Martin\nEND:VCARD\nFN:Personne\n\nBEGIN:VCARD\nFN:Marie Curie\nEND:VCARD\n", "1|FN=Jean Martin\n6|FN=Marie Curie"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, probs := readOneTable(t, "contacts.vcf", []byte(c.in), FormatVCard)
			if got != c.rows || probs != "" {
				t.Errorf("rows\n%q\nwant\n%q\nproblems %q", got, c.rows, probs)
			}
		})
	}
}

// A town hall's appointment book as the icalendar package writes it
// (testdata/ical/make.py): an event a row, an attendee's address and name
// apart, folded lines joined (they cut an address and a date), the time
// zone and the calendar's name no one's, the organiser left out.
func TestICalendar(t *testing.T) {
	p := filepath.Join("testdata", "ical", "rendez-vous.ics")
	rec := extractFile(t, p, testOptions())
	d := rec.doc(p)
	if len(rec.problems) > 0 || d == nil || d.format != FormatICalendar || len(d.tables) != 1 || d.tables[0].name != "rendez-vous" || len(d.lines) > 0 {
		t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
	}
	want := "14|SUMMARY=Rendez-vous titre d'identité - Renée Faure|ATTENDEE=renee.faure@exemple.fr|ATTENDEE;CN=Renée Faure|" +
		"DESCRIPTION=Demande de passeport. Téléphone : 06 98 76 54 32. Née le 12/05/1985 à Lyon, pièce d'identité actuelle n° 19AB12345.|" +
		"LOCATION=Mairie d'Exemple, guichet 2, 1 place de la Mairie, 69003 Lyon|DESCRIPTION=Rappel\n" +
		"31|SUMMARY=Rendez-vous titre d'identité - Jean Martin|ATTENDEE=jean.martin@exemple.fr|ATTENDEE;CN=Jean Martin|" +
		"DESCRIPTION=Carte nationale d'identité, rappeler au 0612345678|LOCATION=Mairie d'Exemple, guichet 2, 1 place de la Mairie, 69003 Lyon|DESCRIPTION=Rappel"
	if got := strings.Join(d.tables[0].rows, "\n"); got != want {
		t.Errorf("rows\n%s\nwant\n%s", got, want)
	}
}

func TestSniffContentLines(t *testing.T) {
	for head, want := range map[string]Format{
		"BEGIN:VCARD\r\nVERSION:3.0\r\n":     FormatVCard,
		"\ufeff\r\nbegin:vcard\nFN:Jean\n":   FormatVCard,
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n": FormatICalendar,
		"nom;prenom\nBEGIN:VCARD;Jean\n":     FormatText,
	} {
		if got := Sniff("export.txt", []byte(head)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", head, got, want)
		}
	}
}

// FuzzVCard reads address books whatever their bytes: no panic, every
// cell UTF-8 and at most MaxValue bytes.
func FuzzVCard(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "vcard", "contacts.vcf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("BEGIN:VCARD\nN;ENCODING=QUOTED-PRINTABLE:a=\n=C3=A9;b\nADR:;;x\\;y;z\nNOTE;ENCODING=b:eA==\n"))
	if ics, err := os.ReadFile(filepath.Join("testdata", "ical", "rendez-vous.ics")); err == nil {
		f.Add(ics)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o := fuzzOptions(t)
		rec := &recorder{}
		d := rec.Begin("x.vcf", FormatVCard)
		readVCard(context.Background(), bytes.NewReader(b), d, "x.vcf", o)
		checkCellText(t, rec, o.MaxValue)
	})
}

// BenchmarkReadVCard: the reader alone on the fixture's cards repeated to
// about 16 MB.
func BenchmarkReadVCard(b *testing.B) {
	o := testOptions()
	benchFixture(b, filepath.Join("vcard", "contacts.vcf"), 16<<20, func(r io.Reader) error {
		return readVCard(context.Background(), r, &discard{}, "x.vcf", o)
	})
}
