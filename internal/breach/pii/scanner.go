package pii

import (
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
	trigLatin // 0xC3, 0xC5: maybe an accented capital
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
	given       wordSet        // folded given names
	streetTypes wordSet        // folded street types (rue, avenue, bd…)
	civilities  wordSet        // folded, without the final dot
	particles   wordSet        // surname particles (de, le, da, van…)
	notSurname  wordSet        // capitalised words that follow a given name but are no surname
	months      map[string]int // folded French month names and abbreviations
	ctx         contexts
	trig        [256]uint8
	cellClass   [256]uint8
}

// New returns a Scanner with the embedded given-name list loaded.
func New() *Scanner {
	s := &Scanner{
		given:       wordSet{m: make(map[string]struct{}, 4096)},
		streetTypes: set("rue", "avenue", "av", "bd", "bld", "boulevard", "allee", "all", "chemin", "ch", "chem", "impasse", "imp", "place", "pl", "route", "rte", "quai", "cours", "square", "sq", "passage", "voie", "sentier", "rond-point", "residence", "res", "lotissement", "lot", "lieu-dit", "hameau", "faubourg", "fbg", "chaussee", "esplanade", "promenade", "parvis", "mail", "cite", "villa", "montee", "traverse", "ruelle", "venelle", "clos", "domaine", "parc", "quartier", "sente", "cour", "galerie", "carrefour", "vc", "zone", "za", "zi", "zac"),
		civilities:  set("m", "mr", "mme", "mlle", "madame", "monsieur", "mademoiselle", "dr", "docteur", "mrs", "ms", "miss", "mister", "pr"),
		particles:   set("de", "du", "des", "le", "la", "les", "da", "di", "del", "della", "dos", "das", "van", "von", "der", "den", "ben", "el", "al", "mac", "saint", "sainte", "st", "ste"),
		notSurname: set("travail", "emploi", "services", "service", "nationale", "national", "mobile", "telecom", "info", "infos",
			"et", "ou", "un", "une", "mais", "pour", "par", "avec", "dans", "sur", "sous", "chez", "vers", "entre",
			"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
			"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre", "decembre",
			"rue", "avenue", "boulevard", "place", "bonjour", "merci", "cordialement", "objet", "tel", "mail", "email", "nir", "iban"),
		months: map[string]int{
			"janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
			"mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "sep": 9,
			"octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
		},
		ctx: newContexts(),
	}
	var buf []byte
	for _, line := range strings.Split(givenNamesFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		buf = appendFold(buf[:0], []byte(line))
		s.given.add(string(buf))
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
	s.trig[0xC3] = trigLatin
	s.trig[0xC5] = trigLatin
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

func set(words ...string) wordSet {
	ws := wordSet{m: make(map[string]struct{}, len(words))}
	for _, w := range words {
		ws.add(w)
	}
	return ws
}

// wordSet is a set of folded words. Most capitalised words of a text are
// in none of the sets: a bitmap of the first two letters of the members
// turns them away before the map hashes them.
type wordSet struct {
	m     map[string]struct{}
	pairs [1024 / 64]uint64
}

// pairBit is the bit of a folded word's first two bytes (the second 0
// for a one-letter word).
func pairBit(f []byte) uint {
	var c1 byte
	if len(f) > 1 {
		c1 = f[1]
	}
	return uint(f[0]&31)<<5 | uint(c1&31)
}

func (ws *wordSet) add(folded string) {
	ws.m[folded] = struct{}{}
	if folded != "" {
		k := pairBit([]byte(folded))
		ws.pairs[k/64] |= 1 << (k % 64)
	}
}

// mayHave reports whether the word w, not yet folded, may be in the set.
// Folding ASCII only changes the 0x20 bit of letters, which pairBit
// ignores: the bitmap answers for w as for its folded form.
func (ws *wordSet) mayHave(w []byte) bool {
	// Undecided: non-ASCII or white space (folding changes them) and a
	// hyphen second (isGiven looks up the part before it).
	if len(w) == 0 || w[0] >= 0x80 || w[0] <= ' ' || len(w) > 1 && (w[1] >= 0x80 || w[1] <= ' ' || w[1] == '-') {
		return true
	}
	k := pairBit(w)
	return ws.pairs[k/64]&(1<<(k%64)) != 0
}

// has reports whether the folded word f is in the set.
func (ws *wordSet) has(f []byte) bool {
	if len(f) > 0 {
		if k := pairBit(f); ws.pairs[k/64]&(1<<(k%64)) == 0 {
			return false
		}
	}
	_, ok := ws.m[string(f)]
	return ok
}

// isGiven reports whether the word w (any case, accents or not) is a given
// name of the list; of a hyphenated name (Marie-Ange) the first part must
// be, the others need only be words.
func (s *Scanner) isGiven(w []byte) bool {
	var buf [48]byte
	if len(w) == 0 || len(w) > len(buf) || !s.given.mayHave(w) {
		return false
	}
	f := appendFold(buf[:0], w)
	start := 0
	for i := 0; i <= len(f); i++ {
		if i < len(f) && f[i] != '-' {
			continue
		}
		if i == start {
			return false
		}
		if start == 0 {
			if !s.given.has(f[start:i]) {
				return false
			}
		}
		start = i + 1
	}
	return true
}

func (s *Scanner) inSet(ws *wordSet, w []byte) bool {
	var buf [48]byte
	if len(w) > len(buf) || !ws.mayHave(w) {
		return false
	}
	return ws.has(appendFold(buf[:0], w))
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
