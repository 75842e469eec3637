package corpus

import (
	"encoding/base64"
	"fmt"
	"math/rand"
	"strings"

	"tocsin/internal/breach/pii"
)

// Planted is one value written into a document: its category and exact
// byte span in Doc.Text. Value is the text as written (never log it
// outside tests: it is fabricated, but the scanner must not leak it).
type Planted struct {
	Category   pii.Category
	Start, End int
	Value      string
}

// Doc is one rendered record.
type Doc struct {
	// Shape is "ticket" (support ticket in French), "log" (key=value log
	// line), "json" (one object), "sql" (an INSERT statement) or "csv"
	// (a header line and one row).
	Shape string
	Text  string
	// Planted lists every personal value, in order. In "sql" and "csv"
	// shapes some (names, dates of birth) are recognisable only through
	// their column.
	Planted []Planted
	// Decoys look like personal data but are not: 15-digit order numbers,
	// NIRs and IBANs with a wrong key, foreign phones, order dates,
	// numbers failing Luhn, product codes. Category is what they imitate.
	Decoys []Planted
}

// Shapes lists the document shapes Generate produces, in order.
func Shapes() []string { return []string{"ticket", "log", "json", "sql", "csv"} }

// Generate returns n documents for seed, the shapes in turn.
func Generate(seed int64, n int) []Doc {
	g := newGen(seed)
	docs := make([]Doc, 0, n)
	shapes := Shapes()
	for i := 0; i < n; i++ {
		id := newIdentity(g.r, &g.l)
		var d Doc
		switch shapes[i%len(shapes)] {
		case "ticket":
			d = g.ticket(id)
		case "log":
			d = g.log(id)
		case "json":
			d = g.json(id)
		case "sql":
			d = g.sql(id)
		default:
			d = g.csv(id)
		}
		docs = append(docs, d)
	}
	return docs
}

// Identities returns n identities for seed (the same people Generate draws
// from, in another order of calls).
func Identities(seed int64, n int) []Identity {
	g := newGen(seed)
	out := make([]Identity, n)
	for i := range out {
		out[i] = newIdentity(g.r, &g.l)
	}
	return out
}

type gen struct {
	r *rand.Rand
	// p draws the credentials, so that the other values of a seed stay
	// what they were before credentials were planted.
	p *rand.Rand
	// e draws the decoys added since (places named after people,
	// services' addresses, SIRETs), for the same reason.
	e *rand.Rand
	l lists
}

func newGen(seed int64) *gen {
	return &gen{r: rand.New(rand.NewSource(seed)), p: rand.New(rand.NewSource(^seed)), e: rand.New(rand.NewSource(seed ^ 0x5eed)), l: loadLists()}
}

// builder writes a document and records spans.
type builder struct {
	sb      strings.Builder
	planted []Planted
	decoys  []Planted
}

func (b *builder) s(parts ...string) {
	for _, p := range parts {
		b.sb.WriteString(p)
	}
}

func (b *builder) plant(c pii.Category, v string) {
	start := b.sb.Len()
	b.sb.WriteString(v)
	b.planted = append(b.planted, Planted{c, start, b.sb.Len(), v})
}

func (b *builder) decoy(c pii.Category, v string) {
	start := b.sb.Len()
	b.sb.WriteString(v)
	b.decoys = append(b.decoys, Planted{c, start, b.sb.Len(), v})
}

func (b *builder) doc(shape string) Doc {
	return Doc{Shape: shape, Text: b.sb.String(), Planted: b.planted, Decoys: b.decoys}
}

func (g *gen) pick(list ...string) string { return list[g.r.Intn(len(list))] }

// pickP picks with the credentials' source.
func (g *gen) pickP(list ...string) string { return list[g.p.Intn(len(list))] }

// --- written forms ---

func (g *gen) nirForm(n string) string {
	switch g.r.Intn(3) {
	case 0:
		return n
	case 1:
		return n[:1] + " " + n[1:3] + " " + n[3:5] + " " + n[5:7] + " " + n[7:10] + " " + n[10:13] + " " + n[13:]
	}
	return n[:1] + "." + n[1:3] + "." + n[3:5] + "." + n[5:7] + "." + n[7:10] + "." + n[10:13] + "." + n[13:]
}

func (g *gen) ibanForm(s string) string {
	if g.r.Intn(2) == 0 {
		return s
	}
	return group(s, 4, " ")
}

func group(s string, n int, sep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += n {
		if i > 0 {
			b.WriteString(sep)
		}
		e := i + n
		if e > len(s) {
			e = len(s)
		}
		b.WriteString(s[i:e])
	}
	return b.String()
}

func (g *gen) cardForm(c string) string {
	if len(c) == 15 {
		if g.r.Intn(2) == 0 {
			return c
		}
		return c[:4] + " " + c[4:10] + " " + c[10:]
	}
	switch g.r.Intn(3) {
	case 0:
		return c
	case 1:
		return group(c, 4, " ")
	}
	return group(c, 4, "-")
}

// phoneForm writes a national number in one of the supported notations.
func (g *gen) phoneForm(p string) string {
	pairs := group(p, 2, " ")
	intl := p[1:]
	switch g.r.Intn(9) {
	case 0:
		return pairs
	case 1:
		return group(p, 2, ".")
	case 2:
		return group(p, 2, "-")
	case 3:
		return p
	case 4:
		return "+33 " + intl[:1] + " " + group(intl[1:], 2, " ")
	case 5:
		return "+33" + intl
	case 6:
		return "+33 (0)" + intl[:1] + " " + group(intl[1:], 2, " ")
	case 7:
		return "0033 " + intl[:1] + " " + group(intl[1:], 2, " ")
	}
	return "0033" + intl
}

// monthNames are the French month names, January first.
const monthNames = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"

func (g *gen) dateForm(y, m, d int) string {
	months := strings.Fields(monthNames)
	switch g.r.Intn(5) {
	case 0:
		return fmt.Sprintf("%02d/%02d/%04d", d, m, y)
	case 1:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case 2:
		return fmt.Sprintf("%02d.%02d.%04d", d, m, y)
	case 3:
		if d == 1 {
			return fmt.Sprintf("1er %s %d", months[m-1], y)
		}
		return fmt.Sprintf("%d %s %d", d, months[m-1], y)
	}
	return fmt.Sprintf("%02d-%02d-%04d", d, m, y)
}

// fullName writes "Jean Dupont", "DUPONT Jean" or "Jean DUPONT".
func (g *gen) fullName(id Identity) string {
	switch g.r.Intn(4) {
	case 0:
		return strings.ToUpper(id.Surname) + " " + id.Given
	case 1:
		return id.Given + " " + strings.ToUpper(id.Surname)
	}
	return id.Given + " " + id.Surname
}

func (id Identity) address() string { return id.Street + ", " + id.Postcode + " " + id.Commune }

// --- decoys ---

// eponym names a street, a school or a hall after someone, as French
// towns do (collège Jules Ferry, avenue du Docteur Roux): a name that is
// no one's personal data. It returns the words before the name and the
// name.
func (g *gen) eponym() (place, name string) {
	l := &g.l
	given, surname := l.given[g.e.Intn(len(l.given))], l.surnames[g.e.Intn(len(l.surnames))]
	place = g.pickE("l'école ", "le collège ", "le lycée ", "le groupe scolaire ", "le gymnase ", "le stade ", "la salle ",
		"le centre culturel ", "la médiathèque ", "l'hôpital ", "la rue ", "l'avenue ", "la place ", "le boulevard ",
		"la résidence ", "le quai ", "la piscine ", "l'école maternelle ", "le Collège ")
	if g.e.Intn(5) == 0 {
		return strings.TrimSuffix(place, " ") + " du ", g.pickE("Docteur ", "Général ", "Président ") + surname
	}
	return place, given + " " + surname
}

func (g *gen) pickE(list ...string) string { return list[g.e.Intn(len(list))] }

// siret is a company's SIRET: 14 digits that pass Luhn, here starting
// as a Diners Club card does (30, 36, 38), written whole or as INSEE
// groups it (362 521 879 00034).
func (g *gen) siret() string {
	b := []byte(g.pickE("30", "36", "38"))
	for len(b) < 13 {
		b = append(b, '0'+byte(g.e.Intn(10)))
	}
	s := string(b) + string('0'+byte(luhnDigit(string(b))))
	if g.e.Intn(2) == 0 {
		return s[:3] + " " + s[3:6] + " " + s[6:9] + " " + s[9:]
	}
	return s
}

// orderNumber is a 15-digit number that is neither a NIR nor a card.
func (g *gen) orderNumber() string {
	for {
		b := make([]byte, 15)
		for i := range b {
			b[i] = '0' + byte(g.r.Intn(10))
		}
		s := string(b)
		if _, ok, _ := pii.ValidNIR(s); ok {
			continue
		}
		if _, ok := pii.ValidCard(s); ok {
			continue
		}
		return s
	}
}

// wrongNIR is a NIR whose key is off.
func (g *gen) wrongNIR(n string) string {
	k := (int(n[13]-'0')*10+int(n[14]-'0'))%97 + 1
	return n[:13] + fmt.Sprintf("%02d", k)
}

// wrongIBAN is an IBAN with its last digit changed.
func (g *gen) wrongIBAN(s string) string {
	last := s[len(s)-1]
	return s[:len(s)-1] + string('0'+(last-'0'+1+byte(g.r.Intn(8)))%10)
}

// notLuhn is a 16-digit number starting like a Visa that fails Luhn.
func (g *gen) notLuhn() string {
	for {
		b := []byte("4")
		for len(b) < 16 {
			b = append(b, '0'+byte(g.r.Intn(10)))
		}
		if !pii.Luhn(string(b)) {
			return string(b)
		}
	}
}

func (g *gen) foreignPhone() string {
	return g.pick("+44 20 7946 0958", "+1 212 555 0143", "+49 30 12345678", "+32 2 123 45 67", "+41 22 345 67 89", "+44 7700 900123")
}

func (g *gen) otherDate() string {
	y := 2020 + g.r.Intn(6)
	return g.dateForm(y, 1+g.r.Intn(12), 1+g.r.Intn(28))
}

func (g *gen) productCode() string {
	return fmt.Sprintf("%c%c-%04d-%c%c", 'A'+rune(g.r.Intn(26)), 'A'+rune(g.r.Intn(26)), g.r.Intn(10000), 'A'+rune(g.r.Intn(26)), 'A'+rune(g.r.Intn(26)))
}

// password returns a password as people choose them: a word or a given
// name with digits and a symbol, or letters and digits drawn at random.
func (g *gen) password(id Identity) string {
	switch g.p.Intn(4) {
	case 0:
		return fmt.Sprintf("%s%d%s", asciiFold(id.Given), id.BirthY, g.pickP("", "!", "*", "#"))
	case 1:
		return g.pickP("Soleil", "Printemps", "Chaton", "Marseille", "azerty", "motdepasse") + fmt.Sprint(g.p.Intn(10000)) + g.pickP("", "!", "?")
	case 2:
		return g.pickP("P@ss", "Mon$Chat", "Bien-venue", "Loulou_") + fmt.Sprint(g.p.Intn(100))
	}
	return g.cryptText(4) + fmt.Sprint(g.p.Intn(10)) + g.cryptText(5)
}

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// cryptText returns n characters of the crypt alphabet.
func (g *gen) cryptText(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = cryptAlphabet[g.p.Intn(len(cryptAlphabet))]
	}
	return string(b)
}

// passwordHash returns a stored password hash in one of the formats
// applications write (bcrypt, SHA-512 crypt, LDAP's salted SHA-1,
// Argon2id, Django's PBKDF2, phpass): the right scheme, lengths and
// alphabet, random content.
func (g *gen) passwordHash() string {
	b64 := func(n int) string {
		b := make([]byte, n)
		g.p.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	switch g.p.Intn(6) {
	case 0:
		return fmt.Sprintf("$2y$%02d$%s", 10+g.p.Intn(3), g.cryptText(53))
	case 1:
		return "$6$" + g.cryptText(16) + "$" + g.cryptText(86)
	case 2:
		return "{SSHA}" + b64(24)
	case 3:
		return "$argon2id$v=19$m=65536,t=3,p=4$" + strings.TrimRight(b64(16), "=") + "$" + strings.TrimRight(b64(32), "=")
	case 4:
		return fmt.Sprintf("pbkdf2_sha256$%d$%s$%s", 260000+g.p.Intn(600000), g.cryptText(12), b64(32))
	}
	return "$P$B" + g.cryptText(30)
}
