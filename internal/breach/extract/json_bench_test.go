package extract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
)

// benchOrdersNDJSON writes an order table of size bytes or more as
// NDJSON, one object a line with the same keys in the same order, as
// mongoexport and most APIs write them: accents in keys and values, an
// escaped quote now and then, numbers bare, a null.
func benchOrdersNDJSON(size int) []byte {
	var b bytes.Buffer
	names := []string{"Bonnet", "Pierre", "Lefèvre", "N'Diaye", "Martin", "Da Silva"}
	given := []string{"Laverne", "Séléna", "Jean", "Zoé", "Côme", "Anaïs"}
	statuts := []string{"livrée", "en attente", "remboursée", "expédiée"}
	comments := []string{`null`, `"retour sous 30 jours"`, `"colis déposé chez le voisin"`, `"client \"VIP\", joignable l'après-midi"`}
	for n := 0; b.Len() < size; n++ {
		fmt.Fprintf(&b, `{"num_commande":"CMD-%011d","date_commande":"2024-%02d-%02d %02d:%02d:%02d","nom":"%s","prénom":"%s",`+
			`"courriel":"client.n%d@exemple.fr","téléphone":"06%08d","code_produit":"ZM-%04d","libellé":"Article %d","quantité":%d,`+
			`"montant_ttc":%d.%02d,"statut":"%s","num_suivi":"%010d","commentaire":%s}`+"\n",
			20230000000+n*7919%100000000, 1+n%12, 1+n%28, n%24, n%60, n*7%60, names[n%len(names)], given[n*7%len(given)],
			n%1000, n*7919%100000000, n%10000, n%2000, 1+n%5, n%900, n%100, statuts[n%len(statuts)], int64(n)*104729%10000000000,
			comments[n%len(comments)])
	}
	return b.Bytes()
}

// BenchmarkReadNDJSON: the JSON reader alone, no detectors, on 16 MB of
// NDJSON records.
func BenchmarkReadNDJSON(b *testing.B) {
	benchReader(b, benchOrdersNDJSON(16<<20), func(r io.Reader, d Doc, o Options) error {
		return readJSON(context.Background(), r, d, o, "x.ndjson")
	})
}

// benchReader runs read over data, handing what it reads to a Doc that
// keeps nothing, and fails if no cell came out.
func benchReader(b *testing.B, data []byte, read func(io.Reader, Doc, Options) error) {
	o := testOptions()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		h := &discard{}
		if err := read(bytes.NewReader(data), h, o); err != nil {
			b.Fatal(err)
		}
		if h.bytes == 0 {
			b.Fatal("no cells read")
		}
	}
}
