package breach

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

// batchTable writes a table whose columns of codes change state in the
// middle of batches: codes of one shape now and then holding a phone
// number or a NIR (their shape is banned), amounts that are inert but for
// a phone number now and then, labels without digits, free text, short
// rows, a quoted line and a line in Windows-1252 (both read alone,
// between batches), and width past 64 columns when wide.
func batchTable(t *testing.T, path string, rows int, wide bool) {
	t.Helper()
	r := rand.New(rand.NewPCG(11, uint64(rows)))
	ids := corpus.Identities(7, rows)
	var b bytes.Buffer
	cols := []string{"ref", "montant", "statut", "nom", "courriel", "suivi", "note", "code"}
	extra := 0
	if wide {
		extra = 70
	}
	b.WriteString(strings.Join(cols, ";"))
	for i := range extra {
		fmt.Fprintf(&b, ";c%d", i)
	}
	b.WriteByte('\n')
	statuts := []string{"livrée", "en attente", "annulée", "remboursée"}
	for i := range rows {
		id := ids[i]
		ref := fmt.Sprintf("CMD-%011d", r.Int64N(1e11))
		switch r.IntN(60) {
		case 0:
			ref = id.Phone // a value of another shape that is personal data
		case 1:
			ref = strings.ReplaceAll(id.NIR, " ", "") // a NIR in a column of codes
		}
		amount := fmt.Sprintf("%d,%02d", r.IntN(900), r.IntN(100))
		if r.IntN(40) == 0 {
			amount = id.Phone
		}
		suivi := fmt.Sprintf("%010d", r.Int64N(1e10))
		note := ""
		switch r.IntN(8) {
		case 0:
			note = "rappeler " + id.Given + " au " + id.Phone
		case 1:
			note = "retour sous 30 jours"
		}
		code := fmt.Sprintf("%c%c-%04d", 'A'+r.IntN(26), 'A'+r.IntN(26), r.IntN(10000))
		fields := []string{ref, amount, statuts[r.IntN(len(statuts))], id.Surname, id.Email, suivi, note, code}
		for k := range extra {
			if k%7 == 3 && r.IntN(50) == 0 {
				fields = append(fields, id.Phone)
			} else {
				fields = append(fields, fmt.Sprintf("X%d-%03d", k, r.IntN(1000)))
			}
		}
		switch {
		case i%997 == 500:
			fields = fields[:3] // a short row
		case i%1499 == 700:
			fields[6] = `"dit ""non""; rappeler"` // quoted: read alone
		case i%1999 == 900:
			fields[6] = "r\xe9clamation" // Windows-1252: recoded, read alone
		}
		b.WriteString(strings.Join(fields, ";"))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// scanBothWays scans path row by row and in batches and fails unless the
// findings, line by line, and the reports are the same.
func scanBothWays(t *testing.T, path string, scanner *pii.Scanner) (findings int) {
	t.Helper()
	scan := func(rowByRow bool) (*Report, string) {
		var out bytes.Buffer
		rep, err := Scan(context.Background(), Options{Paths: []string{path}, Workers: 1, Findings: &out, rowByRow: rowByRow, Scanner: scanner, Now: func() time.Time { return time.Unix(0, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		rep.Scanned.Seconds = 0
		return rep, out.String()
	}
	rowsRep, rowsOut := scan(true)
	batchRep, batchOut := scan(false)
	sameScans(t, "in batches", batchRep, batchOut, "row by row", rowsRep, rowsOut)
	return strings.Count(rowsOut, "\n")
}

// sameScans fails unless two scans, a and b, wrote the same findings,
// line by line, and the same report.
func sameScans(t *testing.T, a string, aRep *Report, aOut string, b string, bRep *Report, bOut string) {
	t.Helper()
	if aOut != bOut {
		al, bl := strings.Split(aOut, "\n"), strings.Split(bOut, "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("finding %d %s %s, %s %s", i, a, al[i], b, bl[i])
			}
		}
		t.Fatalf("%d findings %s, %d %s", len(al), a, len(bl), b)
	}
	if !reflect.DeepEqual(aRep, bRep) {
		t.Fatalf("reports differ:\n%s %+v\n%s %+v", a, aRep, b, bRep)
	}
}

// FuzzBatchesScanAsRows: a table of any lines, repeated until its columns
// have settled (each '#' of a line becomes the row's number, so that codes
// vary), scans in batches as it does row by row, and its columns of a
// category a column at a time as row by row.
func FuzzBatchesScanAsRows(f *testing.F) {
	for _, seed := range []string{
		"ref;nom;montant;tel\nCMD-#;Dupont;12,50;06 12 34 56 78\nCMD-#;Martin;3,00;\nCMD-#;Léa;#;+33 6 12 34 56 78",
		"a,b,c\n#,x,1\n1 85 05 78 006 084 36,y,2\nFR76 3000 6000 0112 3456 7890 189,#,z",
		"code\tstatut\nAB-#\tlivrée\n06#\tannulée\n\"q;#\"\tx",
		// A column of codes, settled, where one row in 31 is a phone
		// number: its shape is banned, and its values are scanned.
		"ref;etat\n" + strings.Repeat("CMD-#;ok\n", 17) + "06 12 34 56 78;ok\n" + strings.Repeat("CMD-#;ok\n", 13),
	} {
		f.Add([]byte(seed), uint16(2500))
	}
	scanner := pii.New()
	f.Fuzz(func(t *testing.T, seed []byte, n uint16) {
		lines := bytes.Split(bytes.TrimSuffix(seed, []byte("\n")), []byte("\n"))
		if len(lines) < 2 || len(seed) > 4096 {
			return
		}
		var b bytes.Buffer
		b.Write(lines[0])
		b.WriteByte('\n')
		for r := 0; r < int(n%4000)+1; r++ {
			b.Write(bytes.ReplaceAll(lines[1+r%(len(lines)-1)], []byte("#"), []byte(fmt.Sprint(r))))
			b.WriteByte('\n')
		}
		path := filepath.Join(t.TempDir(), "table.csv")
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		scanBothWays(t, path, scanner)
		scanByColumn(t, path, Options{Scanner: scanner})
	})
}

// TestBatchesScanAsRows: a table read in batches, its columns of codes
// asked a column at a time (tableScan.Rows), gives the findings, in the
// same order, and the report of the same table read row by row.
func TestBatchesScanAsRows(t *testing.T) {
	dir := t.TempDir()
	scanner := pii.New()
	for _, wide := range []bool{false, true} {
		path := filepath.Join(dir, fmt.Sprintf("table-%v.csv", wide))
		batchTable(t, path, 12000, wide)
		if n := scanBothWays(t, path, scanner); n < 15000 {
			t.Fatalf("wide %v: %d findings: the table tests little", wide, n)
		}
	}
}
