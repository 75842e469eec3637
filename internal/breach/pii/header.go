package pii

import "strings"

// headerCategory reads a column header (French or English, any case,
// accents, snake_case, camelCase or spaces) and returns the category it
// names, "" when none.
func headerCategory(header string) Category {
	toks := headerTokens(header)
	if len(toks) == 0 {
		return ""
	}
	joined := strings.Join(toks, "")
	has := func(words ...string) bool {
		for _, t := range toks {
			for _, w := range words {
				if t == w {
					return true
				}
			}
		}
		return false
	}
	contains := func(parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(joined, p) {
				return true
			}
		}
		return false
	}
	switch {
	case credentialHeader(has, contains):
		return Credential
	case has("email", "mail", "courriel", "mel", "emails") || contains("email", "courriel", "adressemail"):
		return Email
	case has("ip", "ipv4", "ipv6", "ipaddr", "ipaddress") || joined == "remoteaddr" || joined == "clientaddr" || contains("adresseip", "ipaddress", "srcip", "clientip", "remoteip"):
		return IP
	case has("nir", "nss", "ssn", "secu", "vitale") || contains("securitesociale", "numsecu", "numerosecu", "nosecu", "numss", "cartevitale", "socialsecurity"):
		return NIR
	case has("iban", "rib", "bban") || contains("comptebancaire", "bankaccount", "numerocompte", "accountnumber"):
		return IBAN
	case contains("poleemploi", "francetravail", "identifiantft", "identifiantpe", "demandeuremploi") || (has("ft", "pe") && has("id", "identifiant", "num", "numero", "no", "ident")):
		return FranceTravail
	case contains("passeport", "passport", "pieceidentite", "carteidentite", "titresejour", "cartesejour", "permisconduire", "idcard", "identitycard", "documentnumber", "numpiece", "documentidentite", "drivinglicen", "driverlicen") || has("cni"):
		return IDDocument
	case has("cb", "pan", "card", "cc") && !has("code", "postal") || contains("cartebancaire", "creditcard", "cardnumber", "numerocarte", "numcarte", "ccnumber"):
		return Card
	case has("tel", "telephone", "phone", "portable", "mobile", "gsm", "fixe", "fax", "cell", "cellphone", "msisdn", "tel1", "tel2", "telephones", "phones") || contains("telephone", "phonenumber", "numtel", "notel"):
		return Phone
	case has("dob", "ddn", "birthday", "bday", "anniversaire") || contains("naiss", "birth", "nele", "neele"):
		return DateOfBirth
	case has("adresse", "address", "addr", "adr", "rue", "voie", "street", "cp", "postcode", "zip", "zipcode", "postal", "ville", "commune", "city", "localite", "town", "domicile", "residence", "adresse1", "adresse2", "address1", "address2") || contains("codepostal", "adressepostale", "postaladdress", "complementadresse", "lieudit", "numerovoie", "libellevoie"):
		if has("code") && has("insee") {
			return ""
		}
		return Address
	}
	// Names last: "nom" and "name" qualify many things that are not people.
	if has("produit", "product", "fichier", "file", "service", "societe", "entreprise", "company", "organisme", "organisation",
		"organization", "etablissement", "structure", "host", "hostname", "machine", "serveur", "server", "domaine", "domain",
		"table", "colonne", "column", "projet", "project", "app", "application", "logiciel", "article", "categorie", "category",
		"type", "marque", "brand", "modele", "model", "groupe", "group", "equipe", "team", "dossier", "folder", "campagne",
		"event", "evenement", "lieu", "pays", "country", "region", "departement", "banque", "bank", "agence", "user", "utilisateur",
		"login", "compte", "account", "site", "rue", "voie", "ville", "commune", "city", "street", "role", "tag", "label") {
		return ""
	}
	switch {
	case has("nom", "prenom", "prenoms", "patronyme", "sn", "fn", "surname", "lastname", "firstname", "givenname", "familyname", "fullname",
		"forename", "forenames", "titulaire", "beneficiaire", "nomprenom", "prenomnom", "nomcomplet", "nomusage", "nomnaissance"):
		return Name
	case has("name") && (len(toks) == 1 || has("first", "last", "given", "family", "full", "middle", "maiden", "birth", "person", "contact", "customer", "client", "patient")):
		return Name
	}
	return ""
}

// headerTokens folds a header and splits it into words: "DateNaissance",
// "date_de_naissance", "Date de naissance" → date, de, naissance.
func headerTokens(header string) []string {
	var b []byte
	for i := 0; i < len(header); i++ {
		c := header[i]
		if isUpper(c) && i > 0 && isLower(header[i-1]) {
			b = append(b, ' ')
		}
		b = append(b, c)
	}
	f := appendFold(nil, b)
	var toks []string
	start := -1
	for i := 0; i <= len(f); i++ {
		if i < len(f) && (isLower(f[i]) || isDigit(f[i])) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			t := string(f[start:i])
			switch t {
			case "de", "du", "des", "d", "la", "le", "of", "the", "l", "n", "no":
				if t == "no" {
					toks = append(toks, t)
				}
			default:
				toks = append(toks, t)
			}
			start = -1
		}
	}
	return toks
}
