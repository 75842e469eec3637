package pii

import (
	"bytes"
	"math/bits"
)

// A keyword is a context word looked for, folded, in the few bytes before
// a value. word: it must start at a word boundary (and end at one when it
// is three letters or fewer).
type keyword struct {
	text []byte
	word bool
}

// contexts holds the context words of each contextual category.
type contexts struct {
	birth, franceTravail, idDocument, address, card keywords
}

// keywords is a list of context words (32 at most) and, for each value of
// pairIndex, the set of those that start with such two bytes: a window is
// read once, and a word is compared only where its first two bytes are.
type keywords struct {
	list  []keyword
	pairs [1024]uint32
}

// newContexts returns the context words, folded (lower case, accents
// removed).
func newContexts() contexts {
	kw := func(list ...any) keywords {
		var out keywords
		for i := 0; i < len(list); i += 2 {
			k := keyword{[]byte(list[i].(string)), list[i+1].(bool)}
			if len(out.list) == 32 {
				panic("pii: more than 32 context words in a family")
			}
			out.pairs[pairIndex(k.text[:2])] |= 1 << len(out.list) // every context word has two bytes or more
			out.list = append(out.list, k)
		}
		return out
	}
	return contexts{
		birth: kw(
			"naiss", false, "ne le", true, "nee le", true, "(e) le", false, "ne(e)", true,
			"birth", false, "born", true, "dob", true, "ddn", true, "date_nais", false, "anniversaire", true,
		),
		franceTravail: kw(
			"france travail", false, "francetravail", false, "france_travail", false,
			"pole emploi", false, "pole-emploi", false, "pole_emploi", false, "poleemploi", false,
			"identifiant ft", true, "id ft", true, "id_ft", true, "identifiant_ft", true, "ident ft", true,
			"demandeur d'emploi", false, "demandeur d’emploi", false, "identifiant pe", true, "id_pe", true,
		),
		idDocument: kw(
			"passeport", false, "passport", false, "carte d'identite", false, "carte d’identite", false,
			"carte nationale", false, "cni", true, "piece d'identite", false, "piece d’identite", false,
			"piece_identite", false, "piece identite", false, "titre de sejour", false, "carte de sejour", false,
			"titre_sejour", false, "residence permit", false, "identity card", false, "id card", true,
			"permis de conduire", false, "permis_conduire", false, "driving licen", false, "driver licen", false,
			"document d'identite", false, "document d’identite", false, "id_document", false, "num_cni", false,
		),
		card: kw(
			"carte", true, "card", true, "cb", true, "diners", true, "paiement", true, "payment", true,
		),
		address: kw(
			"adresse", true, "address", true, "domicil", true, "demeurant", true, "habit", true,
			"reside", true, "code postal", true, "code_postal", true, "cp", true, "postcode", true,
			"zip", true, "residence", true,
		),
	}
}

// pairIndex is the index of a folded word's first two bytes, 5 bits of
// each (the second 0 for a one-letter word): ASCII letters of either case
// share theirs.
func pairIndex(f []byte) uint {
	var c1 byte
	if len(f) > 1 {
		c1 = f[1]
	}
	return uint(f[0]&31)<<5 | uint(c1&31)
}

// contextWindow is how many bytes before a value are searched for context.
const contextWindow = 64

// endsWithKeyword tells whether a folded window ends with one of kws, but
// for the separators and the abbreviations of "number" that come between
// a document's name and its number (n°, no, num, numéro, ':', '=').
func endsWithKeyword(window []byte, kws *keywords) bool {
	e := len(window)
	for {
		for e > 0 && !isAlpha(window[e-1]) {
			e--
		}
		s := e
		for s > 0 && isAlpha(window[s-1]) {
			s--
		}
		switch string(window[s:e]) {
		case "n", "no", "nr", "num", "numero":
			e = s
			continue
		}
		break
	}
	w := window[:e]
	for i := range kws.list {
		k := kws.list[i].text
		if bytes.HasSuffix(w, k) && (len(w) == len(k) || !isAlpha(w[len(w)-len(k)-1])) {
			return true
		}
	}
	return false
}

// hasContext reports whether the folded window holds one of kws.
func hasContext(window []byte, kws *keywords) bool {
	if len(window) < 2 {
		return false
	}
	// Each byte's 5 bits are read once, kept for the next pair.
	prev := uint(window[0] & 31)
	for e := 1; e < len(window); e++ {
		cur := uint(window[e] & 31)
		m := kws.pairs[(prev<<5|cur)&1023] // pairIndex of window[e-1:]
		prev = cur
		for ; m != 0; m &= m - 1 {
			j := e - 1
			k := &kws.list[bits.TrailingZeros32(m)]
			end := j + len(k.text)
			if end > len(window) || string(window[j:end]) != string(k.text) {
				continue
			}
			// Short words (cp, dob, cni) must also end at a boundary.
			if !k.word || (j == 0 || !isAlpha(window[j-1])) && (len(k.text) > 3 || end == len(window) || !isAlpha(window[end])) {
				return true
			}
		}
	}
	return false
}
