package pii

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"tocsin/internal/swar"
)

// atUpper handles a capital letter at i. At the start of a word it may
// begin a person's name: a civility (M., Mme, Madame…) then capitalised
// words; a given name of the list then a capitalised surname ("Jean
// Dupont", "Marie-Claire de la Fontaine"); or a surname in capitals then a
// given name ("DUPONT Jean").
func (st *scan) atUpper(i int) int {
	b := st.b
	if i > st.lastEnd && b[i-1] == '{' {
		// An LDAP password hash: {SSHA}…, {CRYPT}$6$….
		if end, _, ok := ldapHash(b, i-1); ok {
			st.add(Credential, i-1, end, confStructure, b[i-1:end])
			return end
		}
	}
	if i > 0 && (isAlnum(b[i-1]) || b[i-1] >= 0x80) {
		return skipLetters(b, i)
	}
	we := nameWordEnd(b, i)
	if we < len(b) && isDigit(b[we]) {
		return we // an alphanumeric token: the digit handler reads it
	}
	if we == i {
		return i + 1
	}
	if i < st.lastEnd {
		return we
	}
	if we == i+3 && i+15 <= len(b) && b[i+9] == ':' {
		if end := syslogEnd(b, i); end > i {
			st.ctxFrom = end
			return end
		}
	}
	// Every name this handler reads goes on after the word with a space
	// (Jean Dupont, DUPONT Jean, Mme Dupont) or a civility's dot (M.):
	// other words (Mozilla/5.0, Gecko), it spares the lookup.
	if we == len(b) || b[we] != ' ' && b[we] != '.' {
		return we
	}
	// And every name goes on with a capital or a particle after that
	// space or dot: "Mme Dupont", "Jean de la Fontaine", "DUPONT Jean".
	// Most capitalised words (the first of a sentence) are followed by a
	// word in lower case: they are spared the lexicon.
	if !st.mayGoOn(we) {
		return we
	}
	s := st.s
	w := b[i:we]
	// One lookup answers for the sets of a word without a hyphen.
	sets := s.lex.setsIn(b, i, we)
	// Civility, then one to three capitalised words. Not inside a code
	// ("LP-4750-DR.").
	if civEnd, ok := civility(b, i, we, sets); ok && (i == 0 || b[i-1] != '-' && b[i-1] != '_' && b[i-1] != '/' && b[i-1] != '.') {
		p := civEnd
		if p < len(b) && b[p] == ' ' {
			p++
		}
		if start, end, ok := st.nameWords(p, 3); ok {
			if !st.eponym(i) {
				st.addFrom(Name, start, end, confCivility, st.appendNorm(b[start:end]))
			}
			return end
		}
		return civEnd
	}
	if sets&lexGiven != 0 || bytes.IndexByte(w, '-') > 0 && s.isGiven(b, i, we) {
		// More given names may follow (Jean Pierre Dupont) before the surname.
		end := we
		for k := 0; k < 2; k++ {
			ns, ne, ok := st.nextWord(end)
			if !ok || !s.isGiven(b, ns, ne) {
				break
			}
			if _, _, ok := st.nextWord(ne); !ok {
				break
			}
			end = ne
		}
		if _, se, ok := st.surname(end); ok {
			if !st.eponym(i) {
				st.addFrom(Name, i, se, confName, st.appendNorm(b[i:se]))
			}
			return se
		}
		return we
	}
	// DUPONT Jean: a surname in capitals, then a given name.
	if we-i >= 2 && sets&lexNotSurname == 0 && allUpper(w) {
		if ns, ne, ok := st.nextWord(we); ok && !allUpper(b[ns:ne]) && s.isGiven(b, ns, ne) {
			if !st.eponym(i) {
				st.addFrom(Name, i, ne, confName, st.appendNorm(b[i:ne]))
			}
			return ne
		}
	}
	return we
}

// eponym reports whether the name starting at i names a place: the word
// before it, after one space, is a street or an institution (lexEponym),
// itself or through a title and "du" (rue du Général Leclerc, avenue du
// Docteur Roux). The words are read back over letters, accents and
// hyphens, so "l'école Jules Ferry" is read.
func (st *scan) eponym(i int) bool {
	b := st.b
	for step := 0; step < 3; step++ {
		if i < 2 || b[i-1] != ' ' {
			return false
		}
		e := i - 1
		k := e
		for k > 0 && e-k < lexWordMax && (isAlpha(b[k-1]) || b[k-1] >= 0x80 || b[k-1] == '-') {
			k--
		}
		w := b[k:e]
		if len(w) == 2 && w[0]|0x20 == 'd' && w[1]|0x20 == 'u' || step == 0 && isTitle(w) {
			i = k
			continue
		}
		return len(w) > 1 && st.s.inSet(lexEponym, b, k, e)
	}
	return false
}

// isTitle reports whether w is a title that streets put before a name
// (avenue du Général Leclerc, place du Maréchal Foch).
func isTitle(w []byte) bool {
	var buf [24]byte
	switch string(foldWord(&buf, w)) {
	case "general", "marechal", "president", "colonel", "capitaine", "commandant", "lieutenant", "amiral",
		"docteur", "professeur", "abbe", "pere", "cardinal", "chanoine":
		return true
	}
	return false
}

// mayGoOn reports whether a name may go on after a word ending at we:
// after a civility's dot, a space, then a capital, a particle's first
// letter, or a letter and an apostrophe (d'Ormesson).
func (st *scan) mayGoOn(we int) bool {
	b := st.b
	p := we
	if b[p] == '.' {
		p++
	}
	if p < len(b) && b[p] == ' ' {
		p++
	}
	if p >= len(b) {
		return false
	}
	if up, _ := isUpperAt(b, p); up {
		return true
	}
	return st.s.particle[b[p]] || p+1 < len(b) && b[p+1] == '\''
}

// nextWord returns the capitalised word after one space at p.
func (st *scan) nextWord(p int) (int, int, bool) {
	b := st.b
	if p+1 >= len(b) || b[p] != ' ' {
		return 0, 0, false
	}
	if up, _ := isUpperAt(b, p+1); !up {
		return 0, 0, false
	}
	e := nameWordEnd(b, p+1)
	if e-(p+1) < 2 || e < len(b) && isDigit(b[e]) {
		return 0, 0, false
	}
	if st.s.inSet(lexNotSurname|lexCivility, b, p+1, e) {
		return 0, 0, false
	}
	return p + 1, e, true
}

// surname reads the surname after a given name ending at p: a capitalised
// word, possibly after particles (de, de la, Le, Da, Van…).
func (st *scan) surname(p int) (int, int, bool) {
	b := st.b
	s := st.s
	start := p + 1
	for k := 0; k < 3; k++ {
		if p+1 >= len(b) || b[p] != ' ' {
			return 0, 0, false
		}
		ws := p + 1
		we := nameWordEnd(b, ws)
		if we == ws || we < len(b) && isDigit(b[we]) {
			return 0, 0, false
		}
		w := b[ws:we]
		isParticle := s.inSet(lexParticle, b, ws, we) || len(w) == 2 && (w[1] == '\'')
		up, _ := isUpperAt(b, ws)
		if !up && len(w) > 2 && w[1] == '\'' {
			up, _ = isUpperAt(b, ws+2) // d'Aubigné: the particle is part of the word
		}
		if isParticle {
			// "Le Gall", "de la Fontaine": a particle needs a word after it.
			if _, _, ok := st.nextWordAny(we); !ok {
				if !up {
					return 0, 0, false
				}
			} else {
				p = we
				continue
			}
		}
		if !up || we-ws < 2 || s.inSet(lexNotSurname|lexCivility, b, ws, we) {
			return 0, 0, false
		}
		return start, we, true
	}
	return 0, 0, false
}

// nextWordAny returns the word after one space at p, any case.
func (st *scan) nextWordAny(p int) (int, int, bool) {
	b := st.b
	if p+1 >= len(b) || b[p] != ' ' {
		return 0, 0, false
	}
	e := nameWordEnd(b, p+1)
	if e == p+1 {
		return 0, 0, false
	}
	return p + 1, e, true
}

// nameWords reads up to max capitalised words (a name after a civility).
func (st *scan) nameWords(p, max int) (int, int, bool) {
	b := st.b
	s := st.s
	if p >= len(b) {
		return 0, 0, false
	}
	if up, _ := isUpperAt(b, p); !up {
		return 0, 0, false
	}
	we := nameWordEnd(b, p)
	if we-p < 2 || we < len(b) && isDigit(b[we]) || s.inSet(lexNotSurname|lexCivility, b, p, we) {
		return 0, 0, false
	}
	end := we
	for k := 1; k < max; k++ {
		if _, se, ok := st.surname(end); ok {
			end = se
			continue
		}
		break
	}
	return p, end, true
}

// civility reports whether b[i:we], in the lexicon's sets, is a civility
// (M., Mme, Madame…) and where it ends (after its dot).
func civility(b []byte, i, we int, sets uint8) (int, bool) {
	w := b[i:we]
	if sets&lexCivility == 0 {
		return 0, false
	}
	dot := we < len(b) && b[we] == '.'
	if len(w) == 1 && !dot { // "M" alone is no civility
		return 0, false
	}
	if dot {
		we++
	}
	return we, true
}

// nameWordEnd returns the end of the word at i: letters, with inner
// hyphens (Jean-Pierre) and an apostrophe after one letter (N'Diaye).
func nameWordEnd(b []byte, i int) int {
	j, lim := i, min(i+40, len(b))
	for j < lim {
		// The ASCII letters, eight at a time: most words end within the
		// first eight (written here, not called: a call costs as much).
		for {
			if j+8 > lim {
				for j < lim && isAlpha(b[j]) {
					j++
				}
				break
			}
			if other := ^swar.Letters(binary.LittleEndian.Uint64(b[j:j+8])) & swar.High; other != 0 {
				j += bits.TrailingZeros64(other) >> 3
				break
			}
			j += 8
		}
		if j == lim {
			break
		}
		if ok, n := letterAt(b, j); ok {
			j += n
			continue
		}
		if j > i && j+1 < len(b) && (b[j] == '-' || b[j] == '\'' && j-i == 1) {
			if ok, _ := letterAt(b, j+1); ok {
				j++
				continue
			}
		}
		break
	}
	return j
}

// skipLetters returns the end of the run of letters at i.
func skipLetters(b []byte, i int) int {
	for i < len(b) {
		if ok, n := letterAt(b, i); ok {
			i += n
			continue
		}
		break
	}
	return i
}

func allUpper(w []byte) bool {
	for i := 0; i < len(w); {
		if w[i] == '-' || w[i] == '\'' {
			i++
			continue
		}
		up, n := isUpperAt(w, i)
		if !up {
			return false
		}
		i += n
	}
	return true
}

// nameKeys are the labels of a name in forms, exports and logs ("Nom :
// Dupont", "PRENOM: Sophie", "nom=lefebvre"), folded as appendFold folds
// them (lower case, no accents). A label must start a word, or follow
// '_' or '.' (client_nom=): "mon nom" is one, "renom" is not.
var nameKeys = []string{
	"nom", "prenom", "prenoms", "nom de naissance", "nom_naissance", "nom_de_naissance", "nom d'usage", "nom d’usage",
	"nom_usage", "nom de famille", "nom_famille", "nom complet", "nom_complet", "nom prenom", "nom_prenom",
	"lastname", "last_name", "firstname", "first_name", "surname", "given_name", "givenname",
	"family_name", "fullname", "full_name",
}

// nameKeyBefore reports whether a name label ends the text before the ':'
// or '=' at i (spaces or a closing quote between). Its callers have
// looked at its last three letters (keyBefore).
func nameKeyBefore(b []byte, i int, buf *[]byte) bool {
	k := keyEnd(b, i)
	*buf = appendFold((*buf)[:0], b[max(0, k-20):k])
	f := *buf
	for _, key := range nameKeys {
		if len(f) >= len(key) && string(f[len(f)-len(key):]) == key &&
			(len(f) == len(key) || !isAlnum(f[len(f)-len(key)-1]) && f[len(f)-len(key)-1] < 0x80) {
			return true
		}
	}
	return false
}

// labelledName reads the name after the ':' or '=' at i that follows a
// name label (keyBefore first): one to four words of letters, the first a capital after
// ':' (any case after '=', as logs write values), up to the next label
// ("MARTIN PRENOM: Sophie") or a word that is no name.
func (st *scan) labelledName(i int) (int, bool) {
	b := st.b
	if i < st.lastEnd || !nameKeyBefore(b, i, &st.fs.window) {
		return 0, false
	}
	p := i + 1
	for p < len(b) && p-i < 4 && (b[p] == ' ' || b[p] == '"' || b[p] == '\'') {
		p++
	}
	if p >= len(b) {
		return 0, false
	}
	if up, _ := isUpperAt(b, p); !up {
		if letter, _ := letterAt(b, p); b[i] == ':' || !letter {
			return 0, false
		}
	}
	// A civility first ("Nom : M. Dupont") is not part of the name.
	if we := nameWordEnd(b, p); we > p && st.s.inSet(lexCivility, b, p, we) {
		if we < len(b) && b[we] == '.' {
			we++
		}
		if we+1 < len(b) && b[we] == ' ' {
			p = we + 1
		}
	}
	start, end := p, p
	for words := 0; words < 4; words++ {
		we := nameWordEnd(b, p)
		if we-p < 2 || !nameValueEnd(b, we) {
			// A token that goes on with digits, '_', '/', '@' or a dot
			// (rapport_2024, fichier.txt, jdupont@…) is no name.
			if words == 0 {
				return 0, false
			}
			break
		}
		if words == 0 && st.s.inSet(lexNotSurname|lexEponym|lexOrganisation, b, p, we) {
			return 0, false // "Nom : Service informatique", "Nom : Mairie de Lyon"
		}
		// The next label ("PRENOM:"), or a word of a sentence.
		if words > 0 && (we < len(b) && (b[we] == ':' || b[we] == '=' || we+1 < len(b) && b[we] == ' ' && (b[we+1] == ':' || b[we+1] == '=')) ||
			st.s.inSet(lexNotSurname|lexCivility, b, p, we) || !st.capitalised(p)) {
			break
		}
		end = we
		if we+1 >= len(b) || b[we] != ' ' {
			break
		}
		p = we + 1
	}
	if end-start < 2 || placeholderName(b[start:end]) {
		return 0, false
	}
	st.addFrom(Name, start, end, confContext, st.appendNorm(b[start:end]))
	return end, true
}

// nameValueEnd reports whether a name's word may end at e: at the end,
// a space, punctuation or a quote, or the ':' or '=' of the next label;
// not a token that goes on (digits, '_', '/', '@', a dot before more).
func nameValueEnd(b []byte, e int) bool {
	if e >= len(b) {
		return true
	}
	switch c := b[e]; c {
	case ' ', '\t', '\r', '\n', ',', ';', '"', '\'', '&', ')', ']', '}', '|', '<', ':', '=', '!', '?':
		return true
	case '.':
		return e+1 == len(b) || !isAlnum(b[e+1])
	}
	return false
}

// capitalised reports whether the word at p starts with a capital.
func (st *scan) capitalised(p int) bool {
	up, _ := isUpperAt(st.b, p)
	return up
}

// foldWord folds w (appendFold) into buf, which it never outgrows: nil
// when w is longer, as no word compared to it is.
func foldWord(buf *[24]byte, w []byte) []byte {
	if len(w) > len(buf) {
		return nil
	}
	return appendFold(buf[:0], w)
}

// placeholderName reports whether a labelled value holds no one's name
// ("Nom : Inconnu", "nom=null", "Prénom : Non renseigné").
func placeholderName(v []byte) bool {
	var buf [24]byte
	switch string(foldWord(&buf, v)) {
	case "inconnu", "inconnue", "non renseigne", "non renseignee", "nc", "na", "nd", "null", "nil", "none", "aucun",
		"neant", "xxx", "xx", "anonyme", "test", "unknown", "vide", "sans", "non", "oui", "true", "false":
		return true
	}
	return false
}
