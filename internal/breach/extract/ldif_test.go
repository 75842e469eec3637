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

// An agents' directory as python-ldap's LDIFWriter writes it
// (testdata/ldif/make.py): base64 values decoded (names with accents, a
// note holding a NIR, an address with a leading space), folded lines
// joined, the photo left out, postal address lines joined by commas.
func TestLDIF(t *testing.T) {
	p := filepath.Join("testdata", "ldif", "annuaire.ldif")
	rec := extractFile(t, p, testOptions())
	d := rec.doc(p)
	if len(rec.problems) > 0 || d == nil || d.format != FormatLDIF || len(d.tables) != 1 || d.tables[0].name != "annuaire" || len(d.lines) > 0 {
		t.Fatalf("documents %v, problems %v", rec.paths(), rec.problemText())
	}
	want := "3|dn=ou=Agents,dc=mairie-exemple,dc=fr|objectClass=organizationalUnit|ou=Agents\n" +
		"7|dn=cn=Service État civil,ou=Groupes,dc=mairie-exemple,dc=fr|cn=Service État civil|member=uid=rfaure,ou=Agents,dc=mairie-exemple,dc=fr|objectClass=groupOfNames\n" +
		"13|dn=uid=rfaure,ou=Agents,dc=mairie-exemple,dc=fr|cn=Renée Faure|description=Agent d'accueil depuis 2019, NIR 1 85 05 78 006 084 91 à vérifier avec le service des ressources humaines|" +
		"employeeNumber=A1234|givenName=Renée|mail=renee.faure@mairie-exemple.fr|mobile=06 98 76 54 32|objectClass=inetOrgPerson|postalAddress=12 rue de la Paix, 75002 Paris|sn=Faure|telephoneNumber=+33 1 23 45 67 89|uid=rfaure\n" +
		"29|dn=uid=jmartin,ou=Agents,dc=mairie-exemple,dc=fr|cn=Jean Martin|givenName=Jean|mail=jean.martin@mairie-exemple.fr|mobile=0612345678|objectClass=inetOrgPerson|postalAddress= 3 avenue Foch, 69003 Lyon|sn=Martin|uid=jmartin"
	if got := strings.Join(d.tables[0].rows, "\n"); got != want {
		t.Errorf("rows\n%s\nwant\n%s", got, want)
	}
}

// Entries written by hand: what other writers do (CRLF, no blank line
// after the version, options, a folded comment, a URL, an escaped '$'),
// and a broken line reported by its number without its text.
func TestLDIFBuilt(t *testing.T) {
	for _, c := range []struct {
		name, in, rows, problems string
	}{
		{"crlf and options", "version: 1\r\ndn: uid=a\r\nsn;lang-fr: Dupont\r\nSN: Durand\r\n\r\n", "2|dn=uid=a|sn=Dupont|sn=Durand", ""},
		{"folded", "dn: uid=a\ndescription: rappeler au 06 12\n  34 56 78 demain\ncn: Jean\n", "1|dn=uid=a|description=rappeler au 06 12 34 56 78 demain|cn=Jean", ""},
		{"comment", "# dn: uid=faux\n#  suite du commentaire\ndn: uid=a\n# entre deux\ncn: Jean\n", "3|dn=uid=a|cn=Jean", ""},
		{"url and binary", "dn: uid=a\njpegPhoto:< file:///tmp/photo.jpg\nobjectSid:: AQUAAAAAAAUVAAAA\ncn: Jean\n", "1|dn=uid=a|cn=Jean", ""},
		{"escaped dollar", "dn: uid=a\nhomePostalAddress: 3 rue du Prix \\24 Fixe$69003 Lyon\n", "1|dn=uid=a|homePostalAddress=3 rue du Prix $ Fixe, 69003 Lyon", ""},
		{"bad base64", "dn: uid=a\ncn:: ???\nsn: Dupont\n", "1|dn=uid=a|sn=Dupont", ""},
		{"broken line", "dn: uid=a\nJean Dupont sans deux-points\nsn: Dupont\n\ndn: uid=b\nsn: Durand\n", "1|dn=uid=a|sn=Dupont\n5|dn=uid=b|sn=Durand",
			"annuaire.ldif:2: syntax error: a line of the entry that is not \"attribute: value\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, probs := readOneTable(t, "annuaire.ldif", []byte(c.in), FormatLDIF)
			if got != c.rows {
				t.Errorf("rows\n%s\nwant\n%s", got, c.rows)
			}
			if c.problems == "" && probs != "" || !strings.Contains(probs, c.problems) || strings.Contains(probs, "Jean") {
				t.Errorf("problems %q, want %q", probs, c.problems)
			}
		})
	}
}

// An export is told by its first line that is not a comment, whatever
// its name.
func TestSniffLDIF(t *testing.T) {
	for head, want := range map[string]bool{
		"version: 1\ndn: uid=a\n":        true,
		"# annuaire\n\nDN: uid=a\ncn: x": true,
		"dn: uid=a\r\n":                  true,
		"version: 2\ndn: uid=a\n":        false,
		"dnsmasq: started\n":             false,
		"nom;prenom\nDupont;Jean\n":      false,
	} {
		if got := Sniff("export.txt", []byte(head)) == FormatLDIF; got != want {
			t.Errorf("Sniff(%q) ldif = %v, want %v", head, got, want)
		}
	}
}

// FuzzLDIF reads exports whatever their bytes: no panic, every cell
// UTF-8, no cell longer than MaxValue.
func FuzzLDIF(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "ldif", "annuaire.ldif"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("dn: uid=a\ncn:: UmVuw6ll\n description\n#x\n y\n\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		o := fuzzOptions(t)
		rec := &recorder{}
		d := rec.Begin("x.ldif", FormatLDIF)
		readLDIF(context.Background(), bytes.NewReader(b), d, "x.ldif", "x.ldif", o)
		checkCellText(t, rec, o.MaxValue)
	})
}

// BenchmarkReadLDIF: the reader alone on the fixture's entries repeated
// to about 16 MB.
func BenchmarkReadLDIF(b *testing.B) {
	o := testOptions()
	benchFixture(b, filepath.Join("ldif", "annuaire.ldif"), 16<<20, func(r io.Reader) error {
		return readLDIF(context.Background(), r, &discard{}, "x", "x.ldif", o)
	})
}
