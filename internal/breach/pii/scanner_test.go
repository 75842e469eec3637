package pii

import (
	"strings"
	"testing"
)

type want struct {
	c    Category
	text string // the span, as written
}

func TestText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []want
	}{
		{"nir spaced and corsica", "Mon NIR : 2 84 05 2A 321 025 52.", []want{{NIR, "2 84 05 2A 321 025 52"}}},
		{"nir dotted", "nir=2.84.05.88.321.025.32;", []want{{NIR, "2.84.05.88.321.025.32"}}},
		{"nir wrong key", "NIR 2 84 05 88 321 025 33 erroné", nil},
		{"order number", "commande n° 185057800608437 expédiée", nil},
		{"decimals", "solde=1.85057800608491 taux=0.0612345678 prix=12.4111111111111111 x=523.185057800608491", nil},
		{"nir half dotted", "NIR 1.85.0578006084 91", nil},
		{"phone after a number", "v1.2, appeler le 0612345678.", []want{{Phone, "0612345678"}}},
		{"phone after an id document", "Carte nationale d'identité, rappeler au 0612345678", []want{{Phone, "0612345678"}}},
		{"residence permit of the Ain", "Titre de séjour n° 0112345678, tél. 0612345678", []want{{IDDocument, "0112345678"}, {Phone, "0612345678"}}},
		{"residence permit numbered", "titre de sejour numéro : 0512345678; titre_sejour=0412345678",
			[]want{{IDDocument, "0512345678"}, {IDDocument, "0412345678"}}},
		{"phone after a permit's name", "Mon titre de séjour expire, appelez le 0612345678", []want{{Phone, "0612345678"}}},
		{"iban grouped", "IBAN FR76 3000 6000 0112 3456 7890 189.", []want{{IBAN, "FR76 3000 6000 0112 3456 7890 189"}}},
		{"iban wrong key", "RIB FR76 3000 6000 0112 3456 7890 188.", nil},
		{"card and expiry", "carte 4111 1111 1111 1111 12/27", []want{{Card, "4111 1111 1111 1111"}}},
		{"not luhn", "référence 4111111111111112", nil},
		{"phones", "tél 06 12 34 56 78 ou +33 (0)1 23 45 67 89 ou 0033745678912",
			[]want{{Phone, "06 12 34 56 78"}, {Phone, "+33 (0)1 23 45 67 89"}, {Phone, "0033745678912"}}},
		{"foreign phones", "Londres +44 20 7946 0958, New York +1 212 555 0143", nil},
		{"email", "écrire à Jean.Dupont@example.fr.", []want{{Email, "Jean.Dupont@example.fr"}}},
		{"birth by context", "Jean Dupont, né le 12/03/1985 à Lyon",
			[]want{{Name, "Jean Dupont"}, {DateOfBirth, "12/03/1985"}}},
		{"birth in words", "date de naissance : 1er mai 1990", []want{{DateOfBirth, "1er mai 1990"}}},
		{"order date", "commande du 12/03/2024, date de création 2023-01-15", nil},
		{"birth then order date", "né le 12/03/1985, commande du 12/03/2024",
			[]want{{DateOfBirth, "12/03/1985"}}},
		{"times after dates", "birth_date=1963-12-16T00:00:00Z tel=0612345678 né le 1985-03-12 14:30:05.123+01:00, appeler le 2024-10-17 0612345678",
			[]want{{DateOfBirth, "1963-12-16"}, {Phone, "0612345678"}, {DateOfBirth, "1985-03-12"}, {Phone, "0612345678"}}},
		{"a zone that is a phone", "créé le 2024-10-17T10:00+33612345678", []want{{Phone, "+33612345678"}}},
		{"accented capitals among small accents", "déjà reçu, Mme Élodie Dupré a été prévenue ; à Ève Martin, née Éléonore Bérénice, écrire",
			[]want{{Name, "Élodie Dupré"}, {Name, "Ève Martin"}, {Name, "Éléonore Bérénice"}}},
		{"syslog dates", "Mar  3 00:00:07 gov-srv01 sshd[162149]: Accepted password for ivan from 10.205.90.199 port 46206\nNov 28 10:22:01 srv mail: to jean.dupont@ville.fr, Mar Dupont tel 0612345678",
			[]want{{IP, "10.205.90.199"}, {Email, "jean.dupont@ville.fr"}, {Phone, "0612345678"}}},
		{"web server dates", `[13/Nov/2025:16:36:08 +0100] "GET /?tel=0612345678" 13/Nov/2025 0698765432, 01/Jan/1999:00:00:00 +01006 12 34 56 78`,
			[]want{{Phone, "0612345678"}, {Phone, "0698765432"}}},
		{"address", "J'habite au 12 bis rue de la Paix, 75002 Paris depuis 2010.",
			[]want{{Address, "12 bis rue de la Paix, 75002 Paris"}}},
		{"address without postcode", "au 3 avenue Victor Hugo depuis", []want{{Address, "3 avenue Victor Hugo"}}},
		{"not an address", "2 cours de maths par semaine", nil},
		{"postcode by context", "Code postal : 69003 Lyon", []want{{Address, "69003 Lyon"}}},
		{"civility", "Mme Martin a rappelé, M. Jean-Pierre Le Gall aussi",
			[]want{{Name, "Martin"}, {Name, "Jean-Pierre Le Gall"}}},
		{"surname first", "DUPONT Jean, dossier clos", []want{{Name, "DUPONT Jean"}}},
		{"particles", "Jean de la Fontaine et Louis van Beethoven, Mme. Durand", []want{{Name, "Jean de la Fontaine"}, {Name, "Louis van Beethoven"}, {Name, "Durand"}}},
		{"apostrophe", "Marie d'Aubigné écrit", []want{{Name, "Marie d'Aubigné"}}},
		{"beyond Latin-1", "Mme Nguyễn Thị Thảo et M. Đặng ont écrit, Jean Şahin aussi", []want{{Name, "Nguyễn Thị Thảo"}, {Name, "Đặng"}, {Name, "Jean Şahin"}}},
		{"no name", "Madame, Monsieur, France Travail vous informe. Bonjour Paris.", nil},
		{"labelled names", "Nom : Dupont ; Prénom : Jean. NOM: MARTIN PRENOM: Sophie. nom d'usage : Roux, Nom : M. Petit. nom=lefebvre&client_nom=durand lastname=évrard",
			[]want{{Name, "Dupont"}, {Name, "Jean"}, {Name, "MARTIN"}, {Name, "Sophie"}, {Name, "Roux"}, {Name, "Petit"}, {Name, "lefebvre"}, {Name, "durand"}, {Name, "évrard"}}},
		{"labelled name ending the text", "Nom : Jean Dupont", []want{{Name, "Jean Dupont"}}},
		{"labels of no one", "Nom : Service informatique. Nom : Mairie de Lyon. Nom : Inconnu. nom=rapport_2024 nom=fichier.txt renom : Bravo. Au nom : de la loi.", nil},
		{"role addresses", "Écrivez à Contact@ville-exemple.fr ou noreply@agglo.fr, pas à jean.dupont@ville.fr.",
			[]want{{Email, "jean.dupont@ville.fr"}}},
		{"siret", "Fournisseur SIRET 36398259791909, puis SIRET 387 483 378 87624 et 30328601290405.", nil},
		{"diners", "Carte Diners 36398259791909 ; payé avec 3639 825979 1909.",
			[]want{{Card, "36398259791909"}, {Card, "3639 825979 1909"}}},
		{"places named after people", "Réunion au centre culturel Jacques Prévert, puis au collège Jules Ferry, rue Jean Jaurès, " +
			"avenue du Docteur Roux, à l'école Marie Curie et au Lycée Louis Pasteur. Arrêt Louis Blanc, prix Albert Londres, salle du Général Ben Ali.", nil},
		{"people beside places", "Jean Dupont habite rue de la Paix. Mme Martin est au stade, Louis Martin aussi. " +
			"Le conseiller municipal Paul Durand et le Dr Roux. Le président Jean Moreau.",
			[]want{{Name, "Jean Dupont"}, {Name, "Martin"}, {Name, "Louis Martin"}, {Name, "Paul Durand"}, {Name, "Roux"}, {Name, "Jean Moreau"}}},
		{"france travail", "Identifiant France Travail : 1234567A", []want{{FranceTravail, "1234567A"}}},
		{"no context", "code 1234567A", nil},
		{"passport", "passeport n° 12AB34567", []want{{IDDocument, "12AB34567"}}},
		{"cni 2021", "CNI X4RTBPFW4", []want{{IDDocument, "X4RTBPFW4"}}},
		{"product code", "article 12AB34567", nil},
		{"ips", "depuis 192.168.1.10 et 2001:db8::1, puis fe80::1", []want{{IP, "192.168.1.10"}, {IP, "2001:db8::1"}, {IP, "fe80::1"}}},
		{"access log", `89.191.68.217 - - [13/Nov/2025:16:36:08 +0100] "GET /api/v1/compte?email=megan.roux@yahoo.fr HTTP/1.1" 200 26930 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"`,
			[]want{{IP, "89.191.68.217"}, {Email, "megan.roux@yahoo.fr"}}}, // 122.0.0.0 is a version
		{"network address", "réseau 10.0.0.0 et hôte 10.0.0.1", []want{{IP, "10.0.0.1"}}},
		{"versions of products", `"Mozilla/5.0 (X11) OPR/106.0.5.12" LibreOffice/7.4.7.2$Linux_X86_64 http://10.1.2.3/ GET /10.1.2.4`,
			[]want{{IP, "10.1.2.3"}, {IP, "10.1.2.4"}}},
		{"ipv6 of a French operator", "connexion depuis 2a01:cb00:1234:5678::1 et 2a02:8420:6c55:6500::2", []want{{IP, "2a01:cb00:1234:5678::1"}, {IP, "2a02:8420:6c55:6500::2"}}},
		{"0033 and a trunk prefix", "appeler le 0033 (0)6 12 34 56 78 ou le 0033(0)1 23 45 67 89", []want{{Phone, "0033 (0)6 12 34 56 78"}, {Phone, "0033(0)1 23 45 67 89"}}},
		{"e-mail in a query string", "GET /rappel?tel=0612345678&mail=jean.dupont+mairie@ville.fr&id=4", []want{{Phone, "0612345678"}, {Email, "jean.dupont+mairie@ville.fr"}}},
		{"not ips", "version 1.2.3, heure 12:34:56, 127.0.0.1, mac 00:1a:2b:3c:4d:5e, 1.2.3.4.5", nil},
		{"email with digits", "0612345678@sms.example.fr", []want{{Email, "0612345678@sms.example.fr"}}},
	}
	s := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := s.Text([]byte(tt.in), &Findings{})
			var got []want
			for _, f := range fs {
				got = append(got, want{f.Category, tt.in[f.Start:f.End]})
				if len(f.Norm) == 0 {
					t.Errorf("%s finding without a norm", f.Category)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Text(%q) = %v, want %v", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("Text(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestClassifyColumn(t *testing.T) {
	col := func(vals ...string) [][]byte {
		out := make([][]byte, len(vals))
		for i, v := range vals {
			out[i] = []byte(v)
		}
		return out
	}
	tests := []struct {
		header string
		sample [][]byte
		want   Category
	}{
		{"nom", col("Martin", "Rose", "Dupont"), Name},
		{"Prénom", col("Rose", "Jean", "Marie-Claire"), Name},
		{"lastName", col("Martin", "Rose"), Name},
		{"sn", col("Faure", "Martin"), Name}, // LDAP's surname
		{"givenName", col("Renée", "Jean"), Name},
		{"telephoneNumber", col("+33 1 23 45 67 89"), Phone},
		{"BDAY", col("19850512", "1992-05-03"), DateOfBirth}, // vCard
		{"ADR", col("12 rue de la Paix, 75002 Paris, France"), Address},
		{"FN", col("Renée Faure", "Jean Martin"), Name},
		{"nom_produit", col("Chaise", "Table"), ""},
		{"etablissement", col("Collège Jules Ferry", "École Marie Curie", "Lycée Victor Hugo", "Gymnase Jean Moulin"), ""},
		{"", col("Jean Dupont", "Marie Curie", "Paul Martin"), Name},
		{"file_name", col("a.txt"), ""},
		{"DateNaissance", col("12/03/1985", "1990-05-01"), DateOfBirth},
		{"date_creation", col("12/03/2024", "2023-01-15"), ""},
		{"dob", col("19850312"), DateOfBirth},
		{"num_secu", col("2 84 05 88 321 025 32", "2840588321025"), NIR},
		{"colonne3", col("284058832102532", "255081416802538", "295109912611193"), NIR},
		{"telephone", col("06 12 34 56 78", "0145678912"), Phone},
		{"telephone", col("612345678", "145678912", "33698765432"), Phone}, // lost their 0 or '+'
		{"siren", col("552100554", "732829320", "542051180"), ""},
		{"x", col("612345678", "145678912", "698765432"), ""},
		{"courriel", col("a@b.fr"), Email},
		{"adresse_mail", col("a@b.fr"), Email},
		{"adresse", col("12 rue de la Paix"), Address},
		{"code_postal", col("75002"), Address},
		{"code_insee", col("75102"), ""},
		{"identifiant_ft", col("1234567A"), FranceTravail},
		{"num_piece_identite", col("12AB34567"), IDDocument},
		{"ip", col("10.0.0.1"), IP},
		{"x", col("Jean Dupont", "Marie Martin", "Paul Durand"), Name},
		{"x", col("Jean de la Fontaine", "Marie d'Aubigné", "DUPONT Jean"), Name},
		{"SUMMARY", col("Rendez-vous titre d'identité - Jean Martin", "Rendez-vous passeport Marie Curie", "Rappeler Paul Durand"), ""},
		{"x", col("12 rue de la Paix", "3 avenue Foch", "4 impasse des Lilas"), Address},
		{"montant", col("12,50", "3,00"), ""},
		{"tel", nil, Phone},
	}
	s := New()
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			if got := s.ClassifyColumn(tt.header, tt.sample); got.Category != tt.want {
				t.Errorf("ClassifyColumn(%q) = %q (%.2f), want %q", tt.header, got.Category, got.Confidence, tt.want)
			}
		})
	}
}

func TestCell(t *testing.T) {
	s := New()
	tests := []struct {
		col  Column
		in   string
		want []want
	}{
		{Column{Name, 0.95}, " Rose ", []want{{Name, "Rose"}}},
		{Column{Name, 0.95}, "Nguyễn", []want{{Name, "Nguyễn"}}},
		{Column{Name, 0.95}, "Trương Thị Thảo", []want{{Name, "Trương Thị Thảo"}}},
		{Column{Name, 0.95}, "Łukasz Wąsowski", []want{{Name, "Łukasz Wąsowski"}}},
		{Column{Name, 0.95}, "Ele\u0301onore", []want{{Name, "Ele\u0301onore"}}},
		{Column{Name, 0.95}, "Мария Иванова", []want{{Name, "Мария Иванова"}}},
		{Column{Name, 0.95}, "محمد علي", []want{{Name, "محمد علي"}}},
		{Column{Name, 0.95}, "Мария ☎", nil},
		{Column{DateOfBirth, 0.95}, "1985-03-12T00:00:00", []want{{DateOfBirth, "1985-03-12T00:00:00"}}},
		{Column{NIR, 0.99}, "2840588321025", []want{{NIR, "2840588321025"}}},
		{Column{NIR, 0.99}, "2840588321026x", nil},
		{Column{Phone, 0.99}, "+44 20 7946 0958", nil},
		{Column{Phone, 0.99}, "612345678", []want{{Phone, "612345678"}}},
		{Column{Phone, 0.99}, "33612345678", []want{{Phone, "33612345678"}}},
		{Column{Phone, 0.99}, "800123456", nil}, // 0800: a service, not a person's
		{Column{"", 0}, "612345678", nil},
		{Column{"", 0}, "rappeler Jean Dupont au 06 12 34 56 78", []want{{Name, "Jean Dupont"}, {Phone, "06 12 34 56 78"}}},
		{Column{Address, 0.9}, "Paris", []want{{Address, "Paris"}}},
		{Column{Address, 0.9}, "\u2000", nil}, // a space of another kind: nothing to mask (FuzzCell)
		{Column{Address, 0.9}, "12\u202frue de la Paix", []want{{Address, "12\u202frue de la Paix"}}},
		{Column{Name, 0.95}, "voir jean@example.fr", []want{{Email, "jean@example.fr"}}},
		{Column{Email, 0.99}, "Accueil@mairie-val.fr", nil}, // a service's, not a person's
		{Column{Email, 0.99}, "accueillant@mairie-val.fr", []want{{Email, "accueillant@mairie-val.fr"}}},
	}
	for _, tt := range tests {
		t.Run(string(tt.col.Category)+"/"+tt.in, func(t *testing.T) {
			var got []want
			for _, f := range s.Cell(tt.col, []byte(tt.in), &Findings{}) {
				got = append(got, want{f.Category, tt.in[f.Start:f.End]})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Cell(%q) = %v, want %v", tt.in, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("Cell(%q)[%d] = %v, want %v", tt.in, i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestCategories(t *testing.T) {
	cs := Categories()
	if len(cs) != 12 {
		t.Fatalf("%d categories, want 12", len(cs))
	}
	n := 0
	for _, c := range cs {
		if Validated(c) {
			n++
		}
		if strings.ToLower(string(c)) != string(c) {
			t.Errorf("category %q not lower case", c)
		}
	}
	if n != 5 {
		t.Errorf("%d validated categories, want 5", n)
	}
}

// TestNorms: the normalised values written into the findings' buffer,
// for text and for cells, stay intact while later findings grow the
// buffer, until Reset.
func TestNorms(t *testing.T) {
	s := New()
	var fs Findings
	type norm struct {
		c    Category
		norm string
	}
	var want []norm
	text := []struct {
		in   string
		want []norm
	}{
		{"NIR 2 84 05 2A 321 025 52, tél +33 (0)6 12 34 56 78, Jean.Dupont@Example.FR",
			[]norm{{NIR, "284052A32102552"}, {Phone, "+33612345678"}, {Email, "jean.dupont@example.fr"}}},
		{"née le 12 mars 1985, IBAN fr76 3000 6000 0112 3456 7890 189 depuis 192.168.1.10",
			[]norm{{DateOfBirth, "1985-03-12"}, {IBAN, "FR7630006000011234567890189"}, {IP, "192.168.1.10"}}},
	}
	for _, tt := range text {
		for i, f := range s.Text([]byte(tt.in), &fs) {
			if i >= len(tt.want) || f.Category != tt.want[i].c || string(f.Norm) != tt.want[i].norm {
				t.Fatalf("Text(%q)[%d] = %s %q", tt.in, i, f.Category, f.Norm)
			}
		}
		want = append(want, tt.want...)
	}
	cells := []struct {
		col  Category
		in   string
		want string
	}{
		{Name, " Élodie  LE GOFF ", "elodie le goff"},
		{Address, "12, rue de l'Église;75001 Paris", "12 rue de l'eglise 75001 paris"},
		{FranceTravail, "1234567X", "1234567X"},
		{Email, "A.B@C.FR", "a.b@c.fr"},
		{Phone, "06.12.34.56.78", "+33612345678"},
		{DateOfBirth, "19850312", "1985-03-12"},
		{DateOfBirth, "1985-05-11T22:00:00.000Z", "1985-05-12"}, // midnight in Paris, summer
		{DateOfBirth, "1985-12-31T23:00:00Z", "1986-01-01"},     // and winter
		{DateOfBirth, "1984-02-28T23:00:00.000Z", "1984-02-29"},
		{DateOfBirth, "1985-05-11T21:00:00.000Z", "1985-05-11"},
		{DateOfBirth, "1985-05-11T22:00:00+02:00", "1985-05-11"},
		{Phone, "612345678", "+33612345678"},
		{IP, "2001:DB8::1", "2001:db8::1"},
	}
	for _, tt := range cells {
		got := s.Cell(Column{tt.col, 0.9}, []byte(tt.in), &fs)
		if len(got) != 1 || got[0].Category != tt.col || string(got[0].Norm) != tt.want {
			t.Fatalf("Cell(%s, %q) = %v", tt.col, tt.in, got)
		}
		want = append(want, norm{tt.col, tt.want})
	}
	if len(fs.List) != len(want) {
		t.Fatalf("%d findings, want %d", len(fs.List), len(want))
	}
	for i, f := range fs.List {
		if string(f.Norm) != want[i].norm {
			t.Errorf("finding %d: norm %q after later findings, want %q", i, f.Norm, want[i].norm)
		}
	}
	fs.Reset()
	if len(fs.List) != 0 || len(fs.norms) != 0 {
		t.Fatal("Reset left findings")
	}
}

// TestClassifyValuesFifth: without a header's word, a column is of a
// category when 80 % of its non-empty values are; the values that decide
// nothing, met first, end the reading once they are more than a fifth.
// Each way a column may be decided is tried, so that one added to
// ClassifyValues without its witness in decides fails here.
func TestClassifyValuesFifth(t *testing.T) {
	s := New()
	for _, tc := range []struct {
		value string
		want  Category
	}{
		{"jean.dupont@exemple.fr", Email},
		{"0612345678", Phone},
		{"Jean Dupont", Name},
		{"$2y$10$0mah8rR8XZSENTsEvksBBo5FaFQK1r6Yr20k3aUQQ/HbOa5BN1BTE", Credential},
		{"12 rue de la Paix", Address},
	} {
		for _, n := range []int{1, 4, 5, 9, 10, 15, 16, 64} {
			for k := 0; k <= n; k++ {
				var sample [][]byte
				for i := range n {
					if i < k {
						sample = append(sample, []byte("CMD-2023045"), []byte(" ")) // decides nothing, and an empty value
					} else {
						sample = append(sample, []byte(tc.value))
					}
				}
				got := s.ClassifyValues("", sample).Category
				want := Category("")
				if 5*(n-k) >= 4*n { // 80 %
					want = tc.want
				}
				if got != want {
					t.Fatalf("%q: %d values, %d that decide nothing first: %q, want %q", tc.value, n, k, got, want)
				}
			}
		}
	}
}
