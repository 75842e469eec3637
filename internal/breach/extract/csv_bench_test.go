package extract

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// benchOrdersCSV writes an order table of size bytes or more as an
// export writes it: 20 fields separated by semicolons, names and
// statuses with accents, no quotes.
func benchOrdersCSV(size int) []byte {
	var b bytes.Buffer
	b.WriteString("num_commande;date_commande;nom;prénom;courriel;téléphone;code_produit;libellé;catégorie;quantité;prix_unitaire;montant_ht;taux_tva;montant_ttc;moyen_paiement;statut;transporteur;num_suivi;date_livraison;commentaire\n")
	names := []string{"Bonnet", "Pierre", "Lefèvre", "Martin", "Da Silva"}
	given := []string{"Laverne", "Séléna", "Jean", "Zoé", "Côme", "Anaïs"}
	statuts := []string{"livrée", "en attente", "remboursée", "expédiée"}
	for n := 0; b.Len() < size; n++ {
		fmt.Fprintf(&b, "CMD-%011d;2024-%02d-%02d %02d:%02d:%02d;%s;%s;client.n%d@exemple.fr;06%08d;ZM-%04d;Article %d;Cuisine;%d;%d,%02d;%d,%02d;20,0;%d,%02d;CB;%s;Colissimo;%010d;%02d/%02d/2024;%s\n",
			20230000000+n*7919%100000000, 1+n%12, 1+n%28, n%24, n%60, n*7%60, names[n%len(names)], given[n*7%len(given)], n%1000, n*7919%100000000,
			n%10000, n%2000, 1+n%5, n%900, n%100, n%900, n%100, n%900, n%100, statuts[n%len(statuts)], int64(n)*104729%10000000000, 1+n%28, 1+n%12,
			[]string{"", "", "retour sous 30 jours"}[n%3])
	}
	return b.Bytes()
}

// countRows counts the fields it is handed, one row at a time.
type countRows struct{ fields int }

func (c *countRows) Column(int, string, bool) {}
func (c *countRows) Row(r *Row)               { c.fields += len(r.Cells) }
func (c *countRows) End()                     {}

// countBatches counts them a batch at a time.
type countBatches struct{ countRows }

func (c *countBatches) Rows(rows []LineRow) {
	for i := range rows {
		c.fields += rows[i].Fields()
	}
}

// BenchmarkReadCSV: the CSV reader alone, no detectors, on 16 MB of an
// order table, handing its rows over one at a time (as Cells) and in
// batches (as lines and the bounds of their fields).
func BenchmarkReadCSV(b *testing.B) {
	data := benchOrdersCSV(16 << 20)
	d, _ := SniffCSV(data[:64<<10], false, Options{})
	for _, tc := range []struct {
		name  string
		table func() (Table, *int)
	}{
		{"rows", func() (Table, *int) { t := &countRows{}; return t, &t.fields }},
		{"batches", func() (Table, *int) { t := &countBatches{}; return t, &t.fields }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				t, fields := tc.table()
				if err := ReadCSV(context.Background(), bytes.NewReader(data), d, 1, d.Header, t, func(Problem) {}, "x.csv", Options{}); err != nil || *fields == 0 {
					b.Fatal(err, *fields)
				}
			}
		})
	}
}
