// Package corpus generates synthetic French identities and decoys, rendered
// as free text, log lines, JSON, SQL and CSV, with the exact byte spans of
// every planted value (ground truth). It is deterministic for a seed and
// meant for tests and benchmarks: every value is fabricated.
package corpus

import (
	_ "embed"
	"fmt"
	"math/rand"
	"strings"
	"unicode"

	"tocsin/internal/breach/pii"
)

//go:embed noms.txt
var surnamesFile string

// Identity is one synthetic person. Values are canonical; Render* give
// the written forms.
type Identity struct {
	Given, Surname         string
	Female                 bool
	BirthY, BirthM, BirthD int
	NIR                    string // 15 characters, valid key
	IBAN                   string // French, valid check digits and RIB key
	Card                   string // digits, Luhn and issuer range
	Phone                  string // national, 10 digits
	Email                  string
	Street                 string // "12 rue de la Paix"
	Postcode               string
	Commune                string
	FranceTravail          string
	IDDoc                  string // passport, CNI or residence-permit number
	IDKind                 string // "passeport", "cni", "cni2021", "titre de séjour"
	IP                     string
}

// lists are the name lists, loaded once per generator.
type lists struct {
	given, surnames, streets, domains []string
	communes                          [][2]string
}

func loadLists() lists {
	l := lists{streets: streetNames(), communes: communeList(), domains: mailDomains()}
	l.given = pii.GivenNames()
	for _, line := range strings.Split(surnamesFile, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line[0] != '#' {
			l.surnames = append(l.surnames, line)
		}
	}
	return l
}

// streetNames lists street names, with their type.
func streetNames() []string {
	return []string{
		"rue de la Paix", "avenue Victor Hugo", "boulevard Jean Jaurès", "place de la République", "allée des Lilas",
		"avenue du Général de Gaulle", "rue Pasteur", "rue de la Gare", "impasse des Écoles", "cours Gambetta",
		"chemin du Moulin", "rue de l'Église", "quai Voltaire", "boulevard Émile Zola", "allée des Tilleuls",
		"route du Stade", "avenue de Verdun", "place Carnot", "rue de Paris", "rue du Château", "impasse des Roses",
		"chemin des Vignes", "rue Nationale", "avenue Foch", "rue des Jardins", "square Louise Michel", "bd de la Liberté",
	}
}

// communeList lists postcodes and their communes.
func communeList() [][2]string {
	return [][2]string{
		{"75002", "Paris"}, {"69003", "Lyon"}, {"13001", "Marseille"}, {"31000", "Toulouse"}, {"06000", "Nice"},
		{"44000", "Nantes"}, {"67000", "Strasbourg"}, {"34000", "Montpellier"}, {"33000", "Bordeaux"}, {"59000", "Lille"},
		{"35000", "Rennes"}, {"51100", "Reims"}, {"20000", "Ajaccio"}, {"20200", "Bastia"}, {"97400", "Saint-Denis"},
		{"38000", "Grenoble"}, {"21000", "Dijon"}, {"49000", "Angers"}, {"37000", "Tours"}, {"63000", "Clermont-Ferrand"},
		{"87000", "Limoges"}, {"29200", "Brest"}, {"80000", "Amiens"}, {"66000", "Perpignan"}, {"57000", "Metz"},
		{"25000", "Besançon"}, {"45000", "Orléans"}, {"76000", "Rouen"}, {"14000", "Caen"}, {"54000", "Nancy"},
		{"92100", "Boulogne-Billancourt"}, {"84000", "Avignon"}, {"17000", "La Rochelle"}, {"72000", "Le Mans"}, {"30000", "Nîmes"},
	}
}

// mailDomains lists e-mail domains.
func mailDomains() []string {
	return []string{"gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "wanadoo.fr", "hotmail.fr", "yahoo.fr", "outlook.fr", "ville-exemple.fr"}
}

// newIdentity draws one identity.
func newIdentity(r *rand.Rand, l *lists) Identity {
	var id Identity
	id.Female = r.Intn(2) == 0
	id.Given = l.given[r.Intn(len(l.given))]
	id.Surname = l.surnames[r.Intn(len(l.surnames))]
	id.BirthY = 1930 + r.Intn(90)
	id.BirthM = 1 + r.Intn(12)
	id.BirthD = 1 + r.Intn(28)
	id.NIR = makeNIR(r, id.Female, id.BirthY, id.BirthM)
	id.IBAN = makeIBAN(r)
	id.Card = makeCard(r)
	id.Phone = makePhone(r)
	id.Email = makeEmail(r, id.Given, id.Surname, l.domains)
	n := 1 + r.Intn(180)
	id.Street = fmt.Sprintf("%d %s", n, l.streets[r.Intn(len(l.streets))])
	c := l.communes[r.Intn(len(l.communes))]
	id.Postcode, id.Commune = c[0], c[1]
	if r.Intn(2) == 0 {
		id.FranceTravail = fmt.Sprintf("%07d%c", r.Intn(10000000), 'A'+rune(r.Intn(26)))
	} else {
		id.FranceTravail = fmt.Sprintf("0%09d%c", r.Intn(1000000000), 'A'+rune(r.Intn(26)))
	}
	switch r.Intn(4) {
	case 0:
		id.IDKind = "passeport"
		id.IDDoc = fmt.Sprintf("%02d%c%c%05d", r.Intn(100), 'A'+rune(r.Intn(26)), 'A'+rune(r.Intn(26)), r.Intn(100000))
	case 1:
		id.IDKind = "cni"
		id.IDDoc = fmt.Sprintf("%012d", r.Int63n(1e12))
	case 2:
		id.IDKind = "cni2021"
		const alnum = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
		b := make([]byte, 9)
		for i := range b {
			b[i] = alnum[r.Intn(len(alnum))]
		}
		b[1] = '0' + byte(r.Intn(10))
		b[8] = '0' + byte(r.Intn(10))
		id.IDDoc = string(b)
	default:
		id.IDKind = "titre de séjour"
		id.IDDoc = fmt.Sprintf("%010d", r.Int63n(1e10))
	}
	if r.Intn(4) == 0 {
		id.IP = fmt.Sprintf("2001:db8:%x:%x::%x", r.Intn(0xffff), r.Intn(0xffff), 1+r.Intn(0xfff))
	} else {
		id.IP = fmt.Sprintf("%d.%d.%d.%d", 1+r.Intn(223), r.Intn(256), r.Intn(256), 1+r.Intn(254))
		if strings.HasPrefix(id.IP, "127.") {
			id.IP = "8" + id.IP[3:]
		}
	}
	return id
}

// makeNIR draws a NIR with a valid key: mainland départements, Corsica
// (2A/2B), overseas (97x) and born abroad (99).
func makeNIR(r *rand.Rand, female bool, y, m int) string {
	sex := "1"
	if female {
		sex = "2"
	}
	var place string
	switch k := r.Intn(10); {
	case k == 0:
		place = []string{"2A", "2B"}[r.Intn(2)] + fmt.Sprintf("%03d", 1+r.Intn(366))
	case k == 1:
		place = fmt.Sprintf("97%d%02d", 1+r.Intn(4), 1+r.Intn(34))
	case k == 2:
		place = fmt.Sprintf("99%03d", 100+r.Intn(400))
	default:
		d := 1 + r.Intn(95)
		if d == 20 {
			d = 21
		}
		place = fmt.Sprintf("%02d%03d", d, 1+r.Intn(900))
	}
	body := fmt.Sprintf("%s%02d%02d%s%03d", sex, y%100, m, place, 1+r.Intn(999))
	return body + fmt.Sprintf("%02d", NIRKey(body))
}

// NIRKey computes the key of a 13-character NIR body (2A → 19, 2B → 18).
func NIRKey(body string) int {
	var v uint64
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == 'A':
			v -= 1 // "2" already added: 20 → 19
			v = v*10 + 9
		case c == 'B':
			v -= 1
			v = v*10 + 8
		default:
			v = v*10 + uint64(c-'0')
		}
	}
	return int(97 - v%97)
}

// makeIBAN draws a French IBAN with a valid RIB key and check digits.
func makeIBAN(r *rand.Rand) string {
	bank := fmt.Sprintf("%05d", 10000+r.Intn(90000))
	branch := fmt.Sprintf("%05d", r.Intn(100000))
	acct := []byte(fmt.Sprintf("%011d", r.Int63n(1e11)))
	if r.Intn(5) == 0 {
		acct[r.Intn(11)] = 'A' + byte(r.Intn(26))
	}
	rib := func(s string) uint64 {
		var v uint64
		for i := 0; i < len(s); i++ {
			c := s[i]
			var d uint64
			switch {
			case c >= '0' && c <= '9':
				d = uint64(c - '0')
			case c >= 'A' && c <= 'I':
				d = uint64(c-'A') + 1
			case c >= 'J' && c <= 'R':
				d = uint64(c-'J') + 1
			default:
				d = uint64(c-'S') + 2
			}
			v = v*10 + d
		}
		return v
	}
	key := 97 - (89*rib(bank)+15*rib(branch)+3*rib(string(acct)))%97
	bban := fmt.Sprintf("%s%s%s%02d", bank, branch, acct, key)
	return "FR" + fmt.Sprintf("%02d", ibanCheck("FR", bban)) + bban
}

// ibanCheck computes the ISO 7064 MOD 97-10 check digits.
func ibanCheck(cc, bban string) int {
	s := bban + cc + "00"
	var rem int
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	return 98 - rem
}

// makeCard draws a Visa, Mastercard or Amex number with a Luhn digit.
func makeCard(r *rand.Rand) string {
	var prefix string
	n := 16
	switch r.Intn(4) {
	case 0, 1:
		prefix = "4" + fmt.Sprintf("%05d", r.Intn(100000))
	case 2:
		if r.Intn(2) == 0 {
			prefix = fmt.Sprintf("5%d", 1+r.Intn(5))
		} else {
			prefix = fmt.Sprintf("%d", 2221+r.Intn(500))
		}
	default:
		prefix = []string{"34", "37"}[r.Intn(2)]
		n = 15
	}
	b := []byte(prefix)
	for len(b) < n-1 {
		b = append(b, '0'+byte(r.Intn(10)))
	}
	return string(b) + string('0'+byte(luhnDigit(string(b))))
}

func luhnDigit(body string) int {
	sum := 0
	double := true
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

// makePhone draws a national number: mostly mobiles, some fixed and VoIP.
func makePhone(r *rand.Rand) string {
	var head string
	switch k := r.Intn(10); {
	case k < 5:
		head = "06"
	case k < 7:
		head = fmt.Sprintf("07%d", 3+r.Intn(7))
	case k < 9:
		head = fmt.Sprintf("0%d", 1+r.Intn(5))
	default:
		head = "09"
	}
	b := []byte(head)
	for len(b) < 10 {
		b = append(b, '0'+byte(r.Intn(10)))
	}
	return string(b)
}

func makeEmail(r *rand.Rand, given, surname string, domains []string) string {
	local := asciiFold(given) + []string{".", "_", "", "-"}[r.Intn(4)] + asciiFold(surname)
	if r.Intn(3) == 0 {
		local += fmt.Sprintf("%d", r.Intn(100))
	}
	return local + "@" + domains[r.Intn(len(domains))]
}

// asciiFold lower-cases and strips accents, spaces and apostrophes.
func asciiFold(s string) string {
	const from, to = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝ", "aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuy"
	fromR, toR := []rune(from), []rune(to)
	var b strings.Builder
	for _, c := range s {
		for i, f := range fromR {
			if c == f {
				c = toR[i]
				break
			}
		}
		switch {
		case c == ' ', c == '\'', c == '’':
		case c < 0x80:
			b.WriteRune(unicode.ToLower(c))
		}
	}
	return b.String()
}
