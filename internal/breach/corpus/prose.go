package corpus

import "math/rand"

// prose is ordinary French administrative text: capitals, accents,
// numbers, times and dates that are not personal data.
var prose = []string{
	"Le conseil municipal s'est réuni le 14 mars à 18h30 dans la salle des fêtes de la mairie.",
	"La séance a été ouverte par le Maire, qui a rappelé l'ordre du jour et les 12 points à examiner.",
	"Les travaux de voirie reprendront lundi prochain ; la circulation sera alternée pendant 3 semaines.",
	"Suite à l'incident du 2 février, le service informatique a restauré les sauvegardes de la nuit.",
	"Le budget primitif 2024 s'élève à 4 250 000 euros, dont 1,2 million pour l'investissement.",
	"Les usagers peuvent consulter le compte rendu à l'accueil ou sur le site de la Communauté d'agglomération.",
	"Une réunion publique est prévue jeudi à 20 heures au centre culturel Jacques Prévert.",
	"Le Syndicat intercommunal a validé la convention de mutualisation des serveurs pour les 7 communes.",
	"Après vérification, aucune anomalie n'a été détectée sur les journaux du pare-feu entre 02:00 et 04:15.",
	"La médiathèque sera fermée du 24 décembre au 2 janvier inclus ; les retours restent possibles.",
	"Il est rappelé que le stationnement est interdit sur la place du marché le mercredi matin.",
	"Le rapport annuel sur le prix et la qualité du service public de l'eau est adopté à l'unanimité.",
	"Version 2.4.1 du logiciel de gestion déployée sur 35 postes ; ticket INC-20240312 clos.",
	"Les élus ont remercié les agents pour leur mobilisation pendant la crise de la semaine dernière.",
}

// Prose returns about size bytes of lines of French prose (minutes,
// notices, internal mail) in which about one byte in a hundred is
// personal data: a support ticket of Generate now and then among
// sentences that hold none, as in the documents of a typical breach.
func Prose(seed int64, size int) []string {
	r := rand.New(rand.NewSource(seed))
	docs := Generate(seed+6, 2000)
	var lines []string
	total, personal := 0, 0
	for total < size {
		var line string
		if personal*100 < total {
			d := docs[r.Intn(len(docs))]
			if d.Shape != "ticket" {
				continue
			}
			line = d.Text
			for _, p := range d.Planted {
				personal += p.End - p.Start
			}
		} else {
			line = prose[r.Intn(len(prose))] + " " + prose[r.Intn(len(prose))]
		}
		lines = append(lines, line)
		total += len(line) + 1
	}
	return lines
}

// ProseSentences returns the sentences of Prose, which hold no personal
// data.
func ProseSentences() []string { return append([]string(nil), prose...) }
