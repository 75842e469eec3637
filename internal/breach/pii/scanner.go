package pii

import (
	"bytes"
	_ "embed"
	"strings"
)

//go:embed prenoms.txt
var givenNamesFile string

// Confidences of the findings, by how they were recognised.
const (
	confChecksum  = 0.99 // structure and check digits (NIR, IBAN, card)
	confStructure = 0.97 // structure only (phone, e-mail)
	confTemporary = 0.6  // a temporary NIR (NIA)
	confIP        = 0.9
	confContext   = 0.85 // shape plus a context word
	confName      = 0.85 // given name from the list plus a capitalised surname
	confCivility  = 0.9  // M., Mme, Madame… plus a capitalised name
	confColumn    = 0.95 // a value that fits a classified column
	confWeak      = 0.7
)

// The classes of bytes where a value may start.
const (
	trigNone uint8 = iota
	trigDigit
	trigAt
	trigPlus
	trigColon
	trigUpper
	trigLatin  // the lead byte of a Latin letter beyond ASCII: maybe a capital
	trigDollar // a password hash ($2y$…, pbkdf2_sha256$…)
	trigEquals // a password after its key (password=…)
)

// The classes of bytes for Scanner.inert.
const (
	cellOther uint8 = iota // ends a run of digits
	cellDigit
	cellJoin  // space . - ( ): may join the digits of one number
	cellColon // ':' (IPv6, times)
	cellLive  // a letter, any non-ASCII byte, '@', '+': Text must look
)

// Scanner finds personal data. It is immutable after New and safe for
// concurrent use: each call keeps its scratch state on its own stack or
// in the Findings it fills.
type Scanner struct {
	lex       *lexicon       // given names, street types, civilities, particles, words that are no surname
	months    map[string]int // folded French month names and abbreviations
	ctx       contexts
	trig      [256]uint8
	cellClass [256]uint8
	particle  [256]bool // the first letters of particles (de, le, van…)
}

// New returns a Scanner with the embedded given-name list loaded.
func New() *Scanner {
	words := map[string]uint8{}
	add := func(set uint8, list ...string) {
		for _, w := range list {
			words[w] |= set
		}
	}
	add(lexStreet, "rue", "avenue", "av", "bd", "bld", "boulevard", "allee", "all", "chemin", "ch", "chem", "impasse", "imp", "place", "pl", "route", "rte", "quai", "cours", "square", "sq", "passage", "voie", "sentier", "rond-point", "residence", "res", "lotissement", "lot", "lieu-dit", "hameau", "faubourg", "fbg", "chaussee", "esplanade", "promenade", "parvis", "mail", "cite", "villa", "montee", "traverse", "ruelle", "venelle", "clos", "domaine", "parc", "quartier", "sente", "cour", "galerie", "carrefour", "vc", "zone", "za", "zi", "zac")
	add(lexCivility, "m", "mr", "mme", "mlle", "madame", "monsieur", "mademoiselle", "dr", "docteur", "mrs", "ms", "miss", "mister", "pr")
	add(lexParticle, "de", "du", "des", "le", "la", "les", "da", "di", "del", "della", "dos", "das", "van", "von", "der", "den", "ben", "el", "al", "mac", "saint", "sainte", "st", "ste")
	add(lexNotSurname, "travail", "emploi", "services", "service", "nationale", "national", "mobile", "telecom", "info", "infos",
		"et", "ou", "un", "une", "mais", "pour", "par", "avec", "dans", "sur", "sous", "chez", "vers", "entre",
		"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
		"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
		"rue", "avenue", "boulevard", "place", "bonjour", "merci", "cordialement", "objet", "tel", "mail", "email", "nir", "iban",
		// the words of column headers ("PR_NOM" is Prénom cut to ASCII, not Pr Nom)
		"nom", "noms", "prenom", "prenoms", "name", "adresse", "naissance",
		// the labels that follow a name in forms ("Nom : Dupont Date de naissance : …")
		"date", "courriel", "telephone", "portable", "numero", "lieu", "sexe", "ville", "age", "genre", "civilite")
	// French streets, schools and halls bear the names of people (rue
	// Victor Hugo, collège Jules Ferry, centre culturel Jacques Prévert):
	// a name right after one of these words, or after one and "du"
	// (avenue du Docteur Roux), is a place's. Not the ambiguous ones:
	// "par mail Jean Dupont", "le conseiller municipal Jean Dupont".
	add(lexEponym, "rue", "avenue", "av", "boulevard", "bd", "place", "allee", "impasse", "quai", "square", "esplanade",
		"promenade", "parvis", "chemin", "route", "residence", "cite", "rond-point", "pont", "parc", "jardin", "jardins",
		"ecole", "college", "lycee", "gymnase", "stade", "salle", "centre", "espace", "mediatheque", "bibliotheque",
		"hopital", "clinique", "ehpad", "creche", "piscine", "halle", "musee", "theatre", "cinema", "institut",
		"universite", "campus", "fondation", "auditorium", "amphitheatre", "amphi", "foyer", "complexe", "gare", "aeroport",
		"arret", "station", "prix", "trophee",
		"culturel", "culturelle", "scolaire", "polyvalent", "polyvalente", "maternelle", "elementaire", "primaire",
		"omnisports", "nautique", "aquatique", "sportif", "sportive")
	// What a form's "Nom :" may name besides a person.
	add(lexOrganisation, "mairie", "commune", "societe", "association", "entreprise", "sarl", "sas", "sasu", "eurl", "sci",
		"departement", "region", "conseil", "syndicat", "communaute", "agglomeration", "prefecture", "ministere",
		"direction", "cabinet", "etablissement", "groupe", "agence", "banque", "caisse", "mutuelle", "office", "ccas")
	var buf []byte
	for _, line := range strings.Split(givenNamesFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		buf = appendFold(buf[:0], []byte(line))
		add(lexGiven, string(buf))
	}
	s := &Scanner{
		lex: newLexicon(words),
		months: map[string]int{
			"janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
			"mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "sep": 9,
			"octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
		},
		ctx: newContexts(),
	}
	for w, sets := range words {
		if sets&lexParticle != 0 {
			s.particle[w[0]] = true
		}
	}
	for c := '0'; c <= '9'; c++ {
		s.trig[c] = trigDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		s.trig[c] = trigUpper
	}
	s.trig['@'] = trigAt
	s.trig['+'] = trigPlus
	s.trig[':'] = trigColon
	s.trig['$'] = trigDollar
	s.trig['='] = trigEquals
	for _, c := range []byte{0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xE1} {
		s.trig[c] = trigLatin
	}
	for c := 0; c < 256; c++ {
		switch {
		case isDigit(byte(c)):
			s.cellClass[c] = cellDigit
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')':
			s.cellClass[c] = cellJoin
		case c == ':':
			s.cellClass[c] = cellColon
		case isAlpha(byte(c)) || c >= 0x80 || c == '@' || c == '+':
			s.cellClass[c] = cellLive
		}
	}
	return s
}

// isGiven reports whether the word b[i:j] (any case, accents or not) is a
// given name of the list; of a hyphenated name (Marie-Ange) the first part
// must be, the others need only be words.
func (s *Scanner) isGiven(b []byte, i, j int) bool {
	w := b[i:j]
	if len(w) > lexWordMax {
		return false
	}
	end := j
	if k := bytes.IndexByte(w, '-'); k >= 0 {
		end = i + k
		for rest := w[k+1:]; ; {
			k := bytes.IndexByte(rest, '-')
			if k == 0 || len(rest) == 0 {
				return false // an empty part
			}
			if k < 0 {
				break
			}
			rest = rest[k+1:]
		}
	}
	return s.lex.setsIn(b, i, end)&lexGiven != 0
}

// inSet reports whether the word b[i:j] (any case, accents or not) is in
// one of the sets.
func (s *Scanner) inSet(sets uint8, b []byte, i, j int) bool {
	return s.lex.setsIn(b, i, j)&sets != 0
}

// GivenNames returns the embedded list of given names, as written (with
// accents). Generators of synthetic identities use it.
func GivenNames() []string {
	var out []string
	for _, line := range strings.Split(givenNamesFile, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line[0] != '#' {
			out = append(out, line)
		}
	}
	return out
}
