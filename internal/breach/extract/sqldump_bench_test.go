package extract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"
)

// benchOrdersDump writes an order table of size bytes or more as
// mysqldump writes it: extended inserts of 100 rows, every text quoted,
// numbers bare, the comments' accents and a NULL, apostrophes escaped.
func benchOrdersDump(size int) []byte {
	var b bytes.Buffer
	b.WriteString("CREATE TABLE `commandes` (`num_commande` varchar(20), `date_commande` datetime, `nom` varchar(40), `prénom` varchar(40), " +
		"`courriel` varchar(80), `téléphone` varchar(20), `code_produit` varchar(10), `libellé` varchar(40), `quantité` int, " +
		"`montant_ttc` decimal(10,2), `statut` varchar(20), `num_suivi` varchar(20), `commentaire` text);\n")
	names := []string{"Bonnet", "Pierre", "Lefèvre", "N\\'Diaye", "Martin", "Da Silva"}
	given := []string{"Laverne", "Séléna", "Jean", "Zoé", "Côme", "Anaïs"}
	statuts := []string{"livrée", "en attente", "remboursée", "expédiée"}
	comments := []string{"", "retour sous 30 jours", "colis déposé chez le voisin", "client joignable l\\'après-midi"}
	for n := 0; b.Len() < size; n++ {
		if n%100 == 0 {
			if n > 0 {
				b.WriteString(";\n")
			}
			b.WriteString("INSERT INTO `commandes` VALUES ")
		} else {
			b.WriteByte(',')
		}
		nom, prenom := names[n%len(names)], given[n*7%len(given)]
		comment := "NULL"
		if c := comments[n%len(comments)]; c != "" {
			comment = "'" + c + "'"
		}
		fmt.Fprintf(&b, "('CMD-%011d','2024-%02d-%02d %02d:%02d:%02d','%s','%s','%s.%s%d@exemple.fr','06%08d','ZM-%04d','Article %d',%d,%d.%02d,'%s','%010d',%s)",
			20230000000+n*7919%100000000, 1+n%12, 1+n%28, n%24, n%60, n*7%60, nom, prenom, "client", "n", n%1000, n*7919%100000000,
			n%10000, n%2000, 1+n%5, n%900, n%100, statuts[n%len(statuts)], int64(n)*104729%10000000000, comment)
	}
	b.WriteString(";\n")
	return b.Bytes()
}

// BenchmarkReadSQLDump: the dump reader alone, no detectors, on 16 MB of
// a mysqldump's extended inserts.
func BenchmarkReadSQLDump(b *testing.B) {
	benchReader(b, benchOrdersDump(16<<20), func(r io.Reader, d Doc, o Options) error {
		return readSQL(context.Background(), r, d, o, "x.sql", true)
	})
}

// TestSQLFastPathEscapes: strings with escapes, doubled quotes and line
// breaks, at every length around the eight bytes the fast path reads at
// a time, give what the general loop gives, in both dialects.
func TestSQLFastPathEscapes(t *testing.T) {
	parts := []string{"a", "é", "\\'", "''", "\\\\", "\\n", "\\0", "\\Z", "\n", "x\\", " ", "\\\"", "L'", "0123456"}
	r := rand.New(rand.NewSource(9))
	o := testOptions()
	for k := 0; k < 3000; k++ {
		var b strings.Builder
		b.WriteString("INSERT INTO t VALUES ")
		for row := 0; row < 4; row++ {
			if row > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for col := 0; col < 3; col++ {
				if col > 0 {
					b.WriteByte(',')
				}
				if r.Intn(4) == 0 {
					fmt.Fprintf(&b, "%d", r.Intn(1000))
					continue
				}
				b.WriteByte('\'')
				for n := r.Intn(6); n > 0; n-- {
					b.WriteString(parts[r.Intn(len(parts))])
				}
				b.WriteByte('\'')
			}
			b.WriteByte(')')
		}
		b.WriteString(";\n" + strings.Repeat("-- padding\n", r.Intn(3)))
		checkSQLFastPaths(t, []byte(b.String()), r.Intn(2) == 0, o)
	}
	// The benchmark's dump, its escapes among plain rows.
	checkSQLFastPaths(t, benchOrdersDump(1<<20), true, o)
}
