package pii_test

import (
	"bytes"
	"math/rand"
	"testing"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

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

// textCorpus builds about size bytes of lines of French prose where about
// 1 % of the bytes are personal data.
func textCorpus(size int) [][]byte {
	r := rand.New(rand.NewSource(1))
	docs := corpus.Generate(7, 2000)
	var lines [][]byte
	total, pii := 0, 0
	for total < size {
		var line []byte
		if pii*100 < total {
			d := docs[r.Intn(len(docs))]
			if d.Shape != "ticket" {
				continue
			}
			line = []byte(d.Text)
			for _, p := range d.Planted {
				pii += p.End - p.Start
			}
		} else {
			line = []byte(prose[r.Intn(len(prose))] + " " + prose[r.Intn(len(prose))])
		}
		lines = append(lines, line)
		total += len(line) + 1
	}
	return lines
}

// BenchmarkText scans realistic French free text, one call per line, with
// about 1 % personal data.
func BenchmarkText(b *testing.B) {
	lines := textCorpus(4 << 20)
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	s := pii.New()
	var fs pii.Findings
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			fs.Reset()
			s.Text(l, &fs)
		}
	}
}

// BenchmarkTextProse scans prose without personal data in one call.
func BenchmarkTextProse(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 1<<20; i++ {
		buf.WriteString(prose[i%len(prose)])
		buf.WriteByte('\n')
	}
	s := pii.New()
	var fs pii.Findings
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs.Reset()
		s.Text(buf.Bytes(), &fs)
	}
}

// BenchmarkCell scans every cell of a generated table (19 columns, half of
// them personal data), columns classified from a sample or not at all.
func BenchmarkCell(b *testing.B) {
	header, rows, _ := corpus.Table(2, 5000)
	s := pii.New()
	cols := make([]pii.Column, len(header))
	for j, h := range header {
		var sample [][]byte
		for _, r := range rows[:50] {
			sample = append(sample, []byte(r[j]))
		}
		cols[j] = s.ClassifyColumn(h, sample)
	}
	cells := make([][][]byte, len(rows))
	size := 0
	for i, r := range rows {
		cells[i] = make([][]byte, len(r))
		for j, v := range r {
			cells[i][j] = []byte(v)
			size += len(v) + 1
		}
	}
	for _, mode := range []string{"classified", "unclassified"} {
		b.Run(mode, func(b *testing.B) {
			none := make([]pii.Column, len(cols))
			use := cols
			if mode == "unclassified" {
				use = none
			}
			var fs pii.Findings
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, r := range cells {
					for j, v := range r {
						fs.Reset()
						s.Cell(use[j], v, &fs)
					}
				}
			}
		})
	}
}
