package breach

import (
	"fmt"
	"strings"

	"tocsin/internal/breach/pii"
)

// The rating follows ENISA's method for the severity of personal data
// breaches (2013), which the EDPB guidelines 9/2022 on breach notification
// point to for assessing risk:
//
//	SE = DPC × EI + CB
//
// DPC, the data processing context, scores the kind of data (simple 1,
// behavioural 2, financial 3, sensitive 4), raised by one for large
// volumes; EI, the ease of identification, goes from 0.25 (negligible) to
// 1 (maximum: a full name or a national identifier); CB adds the
// circumstances: a loss of confidentiality towards unknown recipients, the
// case of an attack, adds 0.5. ENISA reads SE < 2 as low, < 3 as medium,
// < 4 as high and above as very high. The report's level keeps the three
// steps that matter for articles 33 and 34: low (ENISA low or medium: tell
// the CNIL unless the breach is unlikely to result in a risk), high (tell
// the people too), very high (special-category data, or high severity at
// scale).

// LargeVolume is the number of people from which the volume raises DPC.
const LargeVolume = 10000

// Levels of Risk.Level.
const (
	LevelLow      = "low"
	LevelHigh     = "high"
	LevelVeryHigh = "very_high"
)

// dpcOf is the base data-processing-context score of a category.
func dpcOf(c pii.Category) float64 {
	switch c {
	case pii.IBAN, pii.Card, pii.NIR, pii.IDDocument:
		return 3
	case pii.FranceTravail:
		return 2
	}
	return 1
}

// eiOf is how easily a category identifies a person.
func eiOf(c pii.Category) float64 {
	switch c {
	case pii.Name, pii.NIR, pii.IDDocument:
		return 1
	case pii.Email, pii.Phone, pii.IBAN, pii.Card, pii.FranceTravail:
		return 0.75
	case pii.Address, pii.IP:
		return 0.5
	}
	return 0.25
}

// circumstancesCB is the CB term for a loss of confidentiality towards
// unknown recipients (an attacker copied the data).
const circumstancesCB = 0.5

// rate computes the risk from what a scan found.
func rate(r *Report) Risk {
	present := map[pii.Category]int64{}
	for _, c := range r.Categories {
		if c.Values > 0 {
			present[pii.Category(c.Category)] = c.Values
		}
	}
	risk := rateWith(r, present)
	if reason, ok := repeatedCaveat(r, present, risk); ok {
		risk.Reasons = append(risk.Reasons, reason)
	}
	return risk
}

// A category whose values come down to a few, each repeated in many
// records of many people, is most often the organisation's own: its IBAN
// on every invoice, its address in every letterhead, its switchboard in
// every signature. That is no one's personal data, yet it weighs on the
// rating as if it were. The rating stays what the values say (they may be
// a person's); the caveat says what it would be without them.
const (
	repeatedMaxDistinct = 3  // values at most
	repeatedMinRecords  = 20 // records at least, and ten a value
	repeatedPeopleRatio = 10 // people at least this many times the values
)

// repeatedCaveat returns a reason naming the categories whose values look
// like the organisation's own, with the rating without them, when that
// rating differs.
func repeatedCaveat(r *Report, present map[pii.Category]int64, risk Risk) (Reason, bool) {
	without := map[pii.Category]int64{}
	for c, n := range present {
		without[c] = n
	}
	var fr, en []string
	for _, c := range r.Categories {
		if c.Values == 0 || c.Distinct == 0 || c.Distinct > repeatedMaxDistinct || c.Records < repeatedMinRecords ||
			c.Records < 10*c.Distinct || r.People.Count < repeatedPeopleRatio*c.Distinct {
			continue
		}
		delete(without, pii.Category(c.Category))
		fr = append(fr, fmt.Sprintf("%s : %s dans %s enregistrements", reportLabels["fr"].CategoryNames[c.Category], plural(c.Distinct, "valeur", "valeurs", frInt), frInt(c.Records)))
		en = append(en, fmt.Sprintf("%s: %s in %s records", reportLabels["en"].CategoryNames[c.Category], plural(c.Distinct, "value", "values", enInt), enInt(c.Records)))
	}
	if len(fr) == 0 {
		return Reason{}, false
	}
	alt := rateWith(r, without)
	if alt.Level == risk.Level && alt.Severity.Level == risk.Severity.Level {
		return Reason{}, false
	}
	levelFR := map[string]string{LevelLow: "faible", LevelHigh: "élevé", LevelVeryHigh: "très élevé"}
	levelEN := map[string]string{LevelLow: "low", LevelHigh: "high", LevelVeryHigh: "very high"}
	return Reason{"repeated_values",
		fmt.Sprintf("Certaines catégories se réduisent à quelques valeurs répétées chez de nombreuses personnes (%s) : si ce sont celles de l'organisme (en-tête, signature, coordonnées bancaires de la régie), ce ne sont pas des données de personnes ; sans elles, la gravité serait de %s (%s) et le niveau de risque %s. À vérifier avant de notifier.",
			strings.Join(fr, " ; "), frNum(alt.Severity.Score), enisaFR(alt.Severity.Level), levelFR[alt.Level]),
		fmt.Sprintf("Some categories come down to a few values repeated across many people (%s): if they are the organisation's own (a letterhead, a signature, its bank details), they are no one's personal data; without them, the severity would be %g (%s) and the risk level %s. To be checked before notifying.",
			strings.Join(en, "; "), alt.Severity.Score, alt.Severity.Level, levelEN[alt.Level])}, true
}

// plural writes n and the noun that agrees with it.
func plural(n int64, one, many string, num func(int64) string) string {
	if n == 1 {
		return num(n) + " " + one
	}
	return num(n) + " " + many
}

// rateWith computes the risk from the categories present.
func rateWith(r *Report, present map[pii.Category]int64) Risk {
	var risk Risk
	add := func(code, fr, en string) { risk.Reasons = append(risk.Reasons, Reason{code, fr, en}) }
	if len(present) == 0 && len(r.Special) == 0 {
		risk.Level = LevelLow
		risk.Severity = Severity{Level: "low"}
		add("none", "Aucune donnée personnelle n'a été trouvée dans les données examinées.",
			"No personal data was found in the data examined.")
		return risk
	}
	dpc, ei := 0.0, 0.0
	for c := range present {
		dpc = max(dpc, dpcOf(c))
		ei = max(ei, eiOf(c))
	}
	// Passwords in clear or behind a weak hash open the people's accounts,
	// as financial data opens their money; strong hashes keep them
	// unintelligible (EDPB guidelines 01/2021, case 6 on hashed passwords,
	// case 7 on credential stuffing).
	exposed, hashed := credentialsExposed(r)
	if exposed {
		dpc = max(dpc, 3)
	}
	if len(r.Special) > 0 {
		dpc = 4
		ei = max(ei, 0.5)
		kinds := map[string]bool{}
		var list []string
		for _, s := range r.Special {
			if !kinds[s.Kind] {
				kinds[s.Kind] = true
				list = append(list, s.Kind)
			}
		}
		add("special_categories",
			fmt.Sprintf("Des colonnes désignent des données sensibles (article 9 ou 10 du RGPD : %s) : le dommage doit être considéré comme probable.", kindsFR(list)),
			fmt.Sprintf("Columns name special-category data (GDPR article 9 or 10: %s): damage should be considered likely.", strings.Join(list, ", ")))
	}
	has := func(cs ...pii.Category) bool {
		for _, c := range cs {
			if present[c] > 0 {
				return true
			}
		}
		return false
	}
	identity := has(pii.Name, pii.NIR, pii.IDDocument)
	contact := has(pii.Email, pii.Phone, pii.Address)
	if has(pii.NIR) {
		add("nir", "Des numéros de sécurité sociale (NIR) sont exposés : un identifiant national unique et permanent, qui facilite l'usurpation d'identité auprès des organismes sociaux.",
			"Social-security numbers (NIR) are exposed: a unique, lifelong national identifier that makes identity theft with social bodies easier.")
	}
	if has(pii.IBAN, pii.Card) {
		add("financial", "Des données bancaires (IBAN, numéros de carte) sont exposées : risque de fraude, de prélèvements frauduleux et de perte financière.",
			"Financial data (IBANs, card numbers) is exposed: risk of fraud, fraudulent direct debits and financial loss.")
	}
	if has(pii.IDDocument) {
		add("id_document", "Des numéros de pièces d'identité sont exposés : ils servent à ouvrir des comptes ou des contrats au nom des personnes.",
			"Identity-document numbers are exposed: they are used to open accounts or contracts in the people's names.")
	}
	if has(pii.FranceTravail) {
		add("france_travail", "Des identifiants France Travail révèlent la situation de demandeur d'emploi des personnes.",
			"France Travail identifiers reveal that the people are job seekers.")
	}
	if exposed {
		add("credentials", "Des mots de passe sont exposés en clair ou derrière des empreintes faibles (rapides ou sans sel) : les comptes des personnes peuvent être pris, ici et partout où elles ont réutilisé le même mot de passe.",
			"Passwords are exposed in plain text or behind weak hashes (fast or unsalted): the people's accounts can be taken over, here and wherever they reused the same password.")
	} else if hashed {
		add("credentials_hashed", "Des empreintes robustes de mots de passe (bcrypt, Argon2, scrypt, PBKDF2, SHA-crypt) sont exposées : difficiles à inverser, elles ne protègent pas les mots de passe faibles ; les faire changer reste prudent.",
			"Strong password hashes (bcrypt, Argon2, scrypt, PBKDF2, SHA-crypt) are exposed: hard to reverse, they do not protect weak passwords; having them changed remains prudent.")
	}
	if identity && contact {
		add("identity_contact", "Les personnes sont directement identifiables et joignables (identité et coordonnées) : hameçonnage ciblé et usurpation d'identité facilités.",
			"The people are directly identifiable and reachable (identity and contact details): targeted phishing and identity theft are easier.")
	} else if contact {
		add("contact", "Des coordonnées (courriel, téléphone, adresse) permettent de contacter les personnes : risque d'hameçonnage.",
			"Contact details (e-mail, phone, address) make the people reachable: risk of phishing.")
	}
	volume := r.People.Count
	if volume == 0 {
		volume = r.RecordsAffected
	}
	if volume >= LargeVolume {
		dpc = min(dpc+1, 4)
		add("volume", fmt.Sprintf("Volume important : environ %s personnes concernées (%s ou plus relève le contexte de traitement d'un point).", frInt(volume), frInt(LargeVolume)),
			fmt.Sprintf("Large volume: about %s people concerned (%s or more raises the processing context by one).", enInt(volume), enInt(LargeVolume)))
	}
	cb := circumstancesCB
	se := dpc*ei + cb
	risk.Severity = Severity{Score: round2(se), DPC: dpc, EI: ei, CB: cb, Level: enisaLevel(se)}
	add("enisa", fmt.Sprintf("Gravité selon la méthode ENISA : SE = DPC × EI + CB = %s × %s + %s = %s (%s). CB compte une perte de confidentialité au profit de destinataires inconnus, cas d'une attaque.",
		frNum(dpc), frNum(ei), frNum(cb), frNum(round2(se)), enisaFR(risk.Severity.Level)),
		fmt.Sprintf("Severity by ENISA's method: SE = DPC × EI + CB = %g × %g + %g = %g (%s). CB counts a loss of confidentiality to unknown recipients, the case of an attack.",
			dpc, ei, cb, round2(se), risk.Severity.Level))
	switch {
	case len(r.Special) > 0 || se >= 4:
		risk.Level = LevelVeryHigh
	case se >= 3:
		risk.Level = LevelHigh
	case exposed && (has(pii.Email) || identity):
		// Passwords with what logs in to an account: the EDPB rates this
		// a high risk whatever ENISA's score (credential stuffing).
		risk.Level = LevelHigh
		add("credentials_takeover", "Les mots de passe sont exposés avec les identifiants de connexion (courriel, identité) : le risque est élevé, quel que soit le score ENISA, car les comptes peuvent être pris directement (lignes directrices 01/2021 du CEPD).",
			"The passwords are exposed with what logs in (e-mail, identity): the risk is high whatever the ENISA score, as the accounts can be taken over directly (EDPB guidelines 01/2021).")
	default:
		risk.Level = LevelLow
	}
	risk.Article34 = risk.Level != LevelLow
	return risk
}

// credentialsExposed tells whether the report found passwords in plain
// text or behind weak hashes (exposed), or strong hashes only (hashed).
// A report without the split (written before it) counts as exposed.
func credentialsExposed(r *Report) (exposed, hashed bool) {
	for _, c := range r.Categories {
		if c.Category != string(pii.Credential) || c.Values == 0 {
			continue
		}
		if c.Kinds == nil || c.Kinds[pii.CredentialPlain]+c.Kinds[pii.CredentialWeak] > 0 {
			return true, false
		}
		return false, true
	}
	return false, false
}

func enisaLevel(se float64) string {
	switch {
	case se < 2:
		return "low"
	case se < 3:
		return "medium"
	case se < 4:
		return "high"
	}
	return "very high"
}

func enisaFR(l string) string {
	switch l {
	case "low":
		return "faible"
	case "medium":
		return "moyenne"
	case "high":
		return "élevée"
	}
	return "très élevée"
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// frNum writes a number the French way (decimal comma).
func frNum(x float64) string { return strings.ReplaceAll(fmt.Sprintf("%g", x), ".", ",") }

// frInt groups thousands with a narrow no-break space.
func frInt(n int64) string { return groupThousands(n, "\u202f") }

func enInt(n int64) string { return groupThousands(n, ",") }

func groupThousands(n int64, sep string) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Special categories of data (GDPR art. 9) and offences (art. 10) are
// recognised from column headers: values alone do not tell a diagnosis
// from any other text.
var specialHeaders = []struct {
	kind  string
	words []string
}{
	{"health", []string{"sante", "health", "medical", "medicale", "diagnostic", "diagnosis", "pathologie", "maladie", "disease", "traitement_medical", "handicap", "disability", "invalidite", "mdph", "rqth", "ald", "allergie", "allergies", "grossesse", "pregnancy", "vaccin", "vaccination", "groupe_sanguin", "blood_type", "antecedents"}},
	{"religion", []string{"religion", "confession", "culte"}},
	{"political_opinion", []string{"opinion_politique", "parti_politique", "political_opinion", "political_party"}},
	{"trade_union", []string{"syndicat", "syndical", "union_membership", "trade_union"}},
	{"ethnic_origin", []string{"origine_ethnique", "ethnie", "ethnicity", "race"}},
	{"sexual_orientation", []string{"orientation_sexuelle", "sexual_orientation", "vie_sexuelle"}},
	{"biometric", []string{"biometrie", "biometric", "empreinte_digitale", "fingerprint"}},
	{"genetic", []string{"genetique", "genetic", "adn", "dna"}},
	{"offences", []string{"casier", "casier_judiciaire", "condamnation", "conviction", "infraction", "criminal_record"}},
}

// specialKind returns the special category a column header names, or "".
func specialKind(header string) string {
	h := foldHeader(header)
	if h == "" {
		return ""
	}
	toks := strings.FieldsFunc(h, func(r rune) bool { return r == '_' })
	for _, s := range specialHeaders {
		for _, w := range s.words {
			if strings.Contains(w, "_") {
				if strings.Contains(h, w) {
					return s.kind
				}
				continue
			}
			for _, t := range toks {
				if t == w {
					return s.kind
				}
			}
		}
	}
	return ""
}

// foldHeader lowers a header, drops accents and turns separators into '_'.
func foldHeader(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch r {
		case 'à', 'â', 'ä':
			r = 'a'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'î', 'ï':
			r = 'i'
		case 'ô', 'ö':
			r = 'o'
		case 'ù', 'û', 'ü':
			r = 'u'
		case 'ç':
			r = 'c'
		case ' ', '-', '.', '/':
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func kindsFR(kinds []string) string {
	fr := map[string]string{
		"health": "santé", "religion": "religion", "political_opinion": "opinions politiques", "trade_union": "appartenance syndicale",
		"ethnic_origin": "origine ethnique", "sexual_orientation": "orientation sexuelle", "biometric": "biométrie", "genetic": "génétique",
		"offences": "infractions et condamnations",
	}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = fr[k]
	}
	return strings.Join(out, ", ")
}
