package corpus

import (
	"fmt"
	"strings"

	"tocsin/internal/breach/pii"
)

// ticket writes a support ticket in French prose, the fields in a random
// order, with context words where the category needs them.
func (g *gen) ticket(id Identity) Doc {
	var b builder
	greet := g.pick("Bonjour,", "Madame, Monsieur,", "Bonjour à l'équipe,", "Objet : mise à jour de mon dossier.")
	b.s(greet, " ")
	switch g.r.Intn(4) {
	case 0:
		b.s("je suis ")
		b.plant(pii.Name, g.fullName(id))
	case 1:
		b.s(g.pick("M. ", "Monsieur "))
		b.plant(pii.Name, id.Surname)
		b.s(" ", g.pick("a appelé", "demande un rappel"))
	case 2:
		b.s(g.pick("Mme ", "Madame "))
		b.plant(pii.Name, id.Given+" "+id.Surname)
		b.s(" nous écrit")
	default:
		b.s("je m'appelle ")
		b.plant(pii.Name, id.Given+" "+id.Surname)
	}
	b.s(". ")
	parts := []func(){
		func() {
			b.s(g.pick("Je suis né le ", "Née le ", "Ma date de naissance est le ", "date de naissance : ", "né(e) le "))
			b.plant(pii.DateOfBirth, g.dateForm(id.BirthY, id.BirthM, id.BirthD))
			b.s(". ")
		},
		func() {
			b.s(g.pick("Mon numéro de sécurité sociale est ", "NIR : ", "Carte Vitale n° "))
			b.plant(pii.NIR, g.nirForm(id.NIR))
			b.s(". ")
		},
		func() {
			b.s(g.pick("Vous pouvez me joindre au ", "Tél. ", "mon portable : "))
			b.plant(pii.Phone, g.phoneForm(id.Phone))
			b.s(g.pick(". ", " après 18h. "))
		},
		func() {
			b.s(g.pick("Mon courriel : ", "Écrivez-moi à ", "e-mail "))
			b.plant(pii.Email, id.Email)
			b.s(". ")
		},
		func() {
			b.s(g.pick("J'habite au ", "Adresse : ", "Nouvelle adresse : ", "Je demeure "))
			b.plant(pii.Address, id.address())
			b.s(". ")
		},
		func() {
			b.s(g.pick("Merci de verser le remboursement sur l'IBAN ", "RIB : ", "Mon IBAN est "))
			b.plant(pii.IBAN, g.ibanForm(id.IBAN))
			b.s(". ")
		},
		func() {
			b.s(g.pick("J'ai payé avec la carte ", "Carte bancaire ", "CB n° "))
			b.plant(pii.Card, g.cardForm(id.Card))
			b.s(". ")
		},
		func() {
			b.s(g.pick("Mon identifiant France Travail : ", "Identifiant Pôle emploi ", "Je suis inscrit à France Travail sous le numéro "))
			b.plant(pii.FranceTravail, id.FranceTravail)
			b.s(". ")
		},
		func() {
			switch id.IDKind {
			case "passeport":
				b.s(g.pick("Passeport n° ", "Mon passeport : "))
			case "titre de séjour":
				b.s("Titre de séjour n° ")
			default:
				b.s(g.pick("Carte d'identité n° ", "CNI ", "Pièce d'identité : "))
			}
			b.plant(pii.IDDocument, id.IDDoc)
			b.s(". ")
		},
		func() {
			b.s("Connexion depuis l'adresse IP ")
			b.plant(pii.IP, id.IP)
			b.s(". ")
		},

		// Decoys.
		func() {
			b.s(g.pick("Ma commande du ", "Facture émise le ", "Date de création : "))
			b.decoy(pii.DateOfBirth, g.otherDate())
			b.s(", n° ")
			b.decoy(pii.NIR, g.orderNumber())
			b.s(". ")
		},
		func() {
			b.s("Ancien numéro (erroné) : ")
			b.decoy(pii.NIR, g.nirForm(g.wrongNIR(id.NIR)))
			b.s(", ancien RIB ")
			b.decoy(pii.IBAN, g.ibanForm(g.wrongIBAN(id.IBAN)))
			b.s(". ")
		},
		func() {
			b.s("Mon frère à Londres : ")
			b.decoy(pii.Phone, g.foreignPhone())
			b.s(". Référence ")
			b.decoy(pii.Card, g.notLuhn())
			b.s(", article ")
			b.decoy(pii.IDDocument, g.productCode())
			b.s(". ")
		},
	}
	g.r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
	for _, p := range parts[:6+g.r.Intn(len(parts)-5)] {
		p()
	}
	// Credentials, drawn apart (gen.p).
	if g.p.Intn(2) == 0 {
		b.s(g.pickP("Mon mot de passe : ", "mot de passe: ", "Identifiant : "+asciiFold(id.Given)+", mdp : ", "Mot de passe = "))
		b.plant(pii.Credential, g.password(id))
		b.s(g.pickP(" ", " merci. ", ". "))
	}
	if g.p.Intn(3) == 0 {
		b.s(g.pickP("Mot de passe : ", "mot de passe : ", "Mdp: "))
		b.decoy(pii.Credential, g.pickP("réinitialisé", "oublié", "Expiré", "********", "non reçu", "<masqué>"))
		b.s(", montant ")
		b.decoy(pii.Credential, fmt.Sprintf("$%d.%02d", g.p.Intn(500), g.p.Intn(100)))
		b.s(". ")
	}
	// The name again under its labels, as a form sends it (gen.e).
	if g.e.Intn(4) == 0 {
		b.s(g.pickE("Formulaire reçu. Nom : ", "NOM: ", "Nom de naissance : "))
		b.plant(pii.Name, strings.ToUpper(id.Surname))
		b.s(g.pickE(" ; Prénom : ", " PRENOM: ", ", prénom : "))
		b.plant(pii.Name, id.Given)
		b.s(". ")
	}
	// Places named after people, drawn apart (gen.e).
	if g.e.Intn(3) == 0 {
		place, name := g.eponym()
		b.s(g.pickE("Rendez-vous pris pour ", "Je travaille pour ", "Permanence assurée dans ", "Voir avec "), place)
		b.decoy(pii.Name, name)
		b.s(". ")
	}
	if g.e.Intn(4) == 0 {
		b.s(g.pickE("Pour toute question : ", "Service joignable à ", "Copie à "))
		b.decoy(pii.Email, g.pickE("contact", "accueil", "noreply", "dpo", "mairie", "support")+"@"+g.l.domains[g.e.Intn(len(g.l.domains))])
		b.s(". ")
	}
	if g.e.Intn(4) == 0 {
		b.s(g.pickE("Facture du prestataire, SIRET ", "Entreprise titulaire : SIRET n° ", "SIRET : "))
		b.decoy(pii.Card, g.siret())
		b.s(". ")
	}
	b.s(g.pick("Cordialement.", "Merci d'avance.", "Bien à vous."))
	return b.doc("ticket")
}

// log writes a key=value application log line.
func (g *gen) log(id Identity) Doc {
	var b builder
	b.s(fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02dZ portail-usagers level=info ", 1+g.r.Intn(12), 1+g.r.Intn(28), g.r.Intn(24), g.r.Intn(60), g.r.Intn(60)))
	b.s("src_ip=")
	b.plant(pii.IP, id.IP)
	b.s(" action=", g.pick("update_profile", "login", "export", "create_account"), " user_email=")
	b.plant(pii.Email, id.Email)
	b.s(" nir=")
	b.plant(pii.NIR, id.NIR)
	b.s(" tel=")
	b.plant(pii.Phone, strings.ReplaceAll(g.phoneForm(id.Phone), " ", ""))
	b.s(" birth_date=")
	b.plant(pii.DateOfBirth, fmt.Sprintf("%04d-%02d-%02d", id.BirthY, id.BirthM, id.BirthD))
	b.s(" id_ft=")
	b.plant(pii.FranceTravail, id.FranceTravail)
	b.s(" password=")
	b.plant(pii.Credential, g.password(id))
	b.s(" password_changed=")
	b.decoy(pii.Credential, fmt.Sprintf("%04d-%02d-%02d", 2020+g.p.Intn(5), 1+g.p.Intn(12), 1+g.p.Intn(28)))
	b.s(" PWD=")
	b.decoy(pii.Credential, "/home/"+strings.ToLower(asciiFold(id.Surname)))
	b.s(" order_id=")
	b.decoy(pii.NIR, g.orderNumber())
	b.s(" created=")
	b.decoy(pii.DateOfBirth, fmt.Sprintf("%04d-%02d-%02d", 2020+g.r.Intn(5), 1+g.r.Intn(12), 1+g.r.Intn(28)))
	b.s(fmt.Sprintf(" duration_ms=%d pid=%d", g.r.Intn(5000), 1000+g.r.Intn(30000)))
	// A name under its label, drawn apart (gen.e), as applications log
	// their forms.
	if g.e.Intn(3) == 0 && !strings.ContainsAny(id.Surname, " '") {
		b.s(g.pickE(" nom=", " lastname=", " client_nom="))
		b.plant(pii.Name, strings.ToLower(id.Surname))
	}
	return b.doc("log")
}

// json writes one JSON object with French keys.
func (g *gen) json(id Identity) Doc {
	var b builder
	b.s(fmt.Sprintf(`{"id": %d, "nom_complet": "`, g.r.Intn(1000000)))
	b.plant(pii.Name, id.Given+" "+id.Surname)
	b.s(`", "date_naissance": "`)
	b.plant(pii.DateOfBirth, fmt.Sprintf("%04d-%02d-%02d", id.BirthY, id.BirthM, id.BirthD))
	b.s(`", "nir": "`)
	b.plant(pii.NIR, g.nirForm(id.NIR))
	b.s(`", "email": "`)
	b.plant(pii.Email, id.Email)
	b.s(`", "telephone": "`)
	b.plant(pii.Phone, g.phoneForm(id.Phone))
	b.s(`", "adresse": "`)
	b.plant(pii.Address, id.address())
	b.s(`", "iban": "`)
	b.plant(pii.IBAN, g.ibanForm(id.IBAN))
	b.s(`", "identifiant_ft": "`)
	b.plant(pii.FranceTravail, id.FranceTravail)
	b.s(`", "derniere_ip": "`)
	b.plant(pii.IP, id.IP)
	b.s(`", "mot_de_passe": "`)
	b.plant(pii.Credential, g.passwordHash())
	b.s(`", "mdp_modifie_le": "`)
	b.decoy(pii.Credential, fmt.Sprintf("%04d-%02d-%02d", 2020+g.p.Intn(5), 1+g.p.Intn(12), 1+g.p.Intn(28)))
	b.s(`", "commande": "`)
	b.decoy(pii.NIR, g.orderNumber())
	b.s(`", "date_creation": "`)
	b.decoy(pii.DateOfBirth, fmt.Sprintf("%04d-%02d-%02d", 2020+g.r.Intn(5), 1+g.r.Intn(12), 1+g.r.Intn(28)))
	b.s(`", "produit": "`)
	b.decoy(pii.IDDocument, g.productCode())
	b.s(`"}`)
	return b.doc("json")
}

// sql writes a MySQL-style INSERT.
func (g *gen) sql(id Identity) Doc {
	var b builder
	b.s("INSERT INTO `usagers` (`id`, `nom`, `prenom`, `date_naissance`, `nir`, `email`, `tel`, `iban`, `mdp`, `num_commande`) VALUES (")
	b.s(fmt.Sprintf("%d, '", g.r.Intn(1000000)))
	b.plant(pii.Name, strings.ReplaceAll(id.Surname, "'", "''"))
	b.s("', '")
	b.plant(pii.Name, id.Given)
	b.s("', '")
	b.plant(pii.DateOfBirth, fmt.Sprintf("%04d-%02d-%02d", id.BirthY, id.BirthM, id.BirthD))
	b.s("', '")
	b.plant(pii.NIR, id.NIR)
	b.s("', '")
	b.plant(pii.Email, id.Email)
	b.s("', '")
	b.plant(pii.Phone, id.Phone)
	b.s("', '")
	b.plant(pii.IBAN, id.IBAN)
	b.s("', '")
	b.plant(pii.Credential, g.passwordHash())
	b.s("', '")
	b.decoy(pii.NIR, g.orderNumber())
	b.s("');")
	return b.doc("sql")
}

// csv writes a header line and one row (semicolon-separated, French).
func (g *gen) csv(id Identity) Doc {
	var b builder
	b.s("nom;prenom;date_naissance;num_secu;telephone;courriel;code_postal;ville;commande\n")
	b.plant(pii.Name, id.Surname)
	b.s(";")
	b.plant(pii.Name, id.Given)
	b.s(";")
	b.plant(pii.DateOfBirth, fmt.Sprintf("%02d/%02d/%04d", id.BirthD, id.BirthM, id.BirthY))
	b.s(";")
	b.plant(pii.NIR, id.NIR)
	b.s(";")
	b.plant(pii.Phone, g.phoneForm(id.Phone))
	b.s(";")
	b.plant(pii.Email, id.Email)
	b.s(";")
	b.plant(pii.Address, id.Postcode)
	b.s(";")
	b.plant(pii.Address, id.Commune)
	b.s(";")
	b.decoy(pii.NIR, g.orderNumber())
	return b.doc("csv")
}

// Table returns a table of rows synthetic people with French or English
// headers (by seed), one column per category and decoy columns (order
// numbers, creation dates, product codes, amounts). truth[j] is the
// category of column j, "" for the columns that hold no personal data.
func Table(seed int64, rows int) (header []string, cells [][]string, truth []pii.Category) {
	g := newGen(seed)
	english := seed%2 != 0
	type col struct {
		fr, en string
		cat    pii.Category
		value  func(Identity) string
	}
	cols := []col{
		{"nom", "last_name", pii.Name, func(id Identity) string { return id.Surname }},
		{"prénom", "first_name", pii.Name, func(id Identity) string { return id.Given }},
		{"date_naissance", "birth_date", pii.DateOfBirth, func(id Identity) string {
			return g.pick(fmt.Sprintf("%02d/%02d/%04d", id.BirthD, id.BirthM, id.BirthY), fmt.Sprintf("%04d-%02d-%02d", id.BirthY, id.BirthM, id.BirthD))
		}},
		{"num_secu", "ssn", pii.NIR, func(id Identity) string { return g.nirForm(id.NIR) }},
		{"identifiant_ft", "pole_emploi_id", pii.FranceTravail, func(id Identity) string { return id.FranceTravail }},
		{"iban", "iban", pii.IBAN, func(id Identity) string { return g.ibanForm(id.IBAN) }},
		{"carte_bancaire", "card_number", pii.Card, func(id Identity) string { return g.cardForm(id.Card) }},
		{"téléphone", "phone", pii.Phone, func(id Identity) string { return g.phoneForm(id.Phone) }},
		{"courriel", "email", pii.Email, func(id Identity) string { return id.Email }},
		{"adresse", "address", pii.Address, func(id Identity) string { return id.Street }},
		{"code_postal", "zip", pii.Address, func(id Identity) string { return id.Postcode }},
		{"ville", "city", pii.Address, func(id Identity) string { return id.Commune }},
		{"num_piece_identite", "passport_number", pii.IDDocument, func(id Identity) string { return id.IDDoc }},
		{"adresse_ip", "ip_address", pii.IP, func(id Identity) string { return id.IP }},
		{"mot_de_passe", "password", pii.Credential, func(id Identity) string {
			if g.p.Intn(2) == 0 {
				return g.password(id)
			}
			return g.passwordHash()
		}},
		{"date_changement_mdp", "password_changed_at", "", func(Identity) string {
			return fmt.Sprintf("%04d-%02d-%02d %02d:%02d", 2020+g.p.Intn(6), 1+g.p.Intn(12), 1+g.p.Intn(28), g.p.Intn(24), g.p.Intn(60))
		}},
		{"num_commande", "order_number", "", func(Identity) string { return g.orderNumber() }},
		{"date_creation", "created_at", "", func(Identity) string { return g.otherDate() }},
		{"code_produit", "product_code", "", func(Identity) string { return g.productCode() }},
		{"montant", "amount", "", func(Identity) string { return fmt.Sprintf("%d,%02d", g.r.Intn(10000), g.r.Intn(100)) }},
		{"statut", "status", "", func(Identity) string { return g.pick("actif", "clos", "en attente", "Rose", "Martin") }},
	}
	for _, c := range cols {
		if english {
			header = append(header, c.en)
		} else {
			header = append(header, c.fr)
		}
		truth = append(truth, c.cat)
	}
	for i := 0; i < rows; i++ {
		id := newIdentity(g.r, &g.l)
		row := make([]string, len(cols))
		for j, c := range cols {
			row[j] = c.value(id)
		}
		cells = append(cells, row)
	}
	return header, cells, truth
}
