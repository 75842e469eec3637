package breach

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/extract/rarwrite"
	"tocsin/internal/breach/extract/xlswrite"
	"tocsin/internal/breach/pii"
)

// A test corpus: synthetic identities from package corpus rendered into a
// file of every supported format, with the ground truth of what each file
// holds (category counts, distinct values, people).

type groundTruth struct {
	values   map[pii.Category]int64
	distinct map[pii.Category]map[string]bool
	people   map[int]bool
	// raw lists every value written, as written, for the leak search.
	raw []string
}

func newTruth() *groundTruth {
	return &groundTruth{values: map[pii.Category]int64{}, distinct: map[pii.Category]map[string]bool{}, people: map[int]bool{}}
}

// plant records one value of identity i written in a file; key is its
// canonical form (for distinct counts), written what the file holds.
func (g *groundTruth) plant(i int, c pii.Category, key, written string) string {
	g.values[c]++
	if g.distinct[c] == nil {
		g.distinct[c] = map[string]bool{}
	}
	g.distinct[c][key] = true
	g.people[i] = true
	g.raw = append(g.raw, written)
	return written
}

// corpusFixture writes the corpus into dir.
type corpusFixture struct {
	t   testing.TB
	dir string
	ids []corpus.Identity
	g   *groundTruth
	r   *rand.Rand
}

func dob(id corpus.Identity) string {
	return fmt.Sprintf("%04d-%02d-%02d", id.BirthY, id.BirthM, id.BirthD)
}

func (f *corpusFixture) write(name string, data []byte) {
	f.t.Helper()
	p := filepath.Join(f.dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// orderNumber is a 15-digit decoy that is neither a NIR nor a card.
func (f *corpusFixture) orderNumber() string {
	for {
		b := make([]byte, 15)
		for i := range b {
			b[i] = '0' + byte(f.r.Intn(10))
		}
		s := string(b)
		if _, ok, _ := pii.ValidNIR(s); ok {
			continue
		}
		if _, ok := pii.ValidCard(s); ok {
			continue
		}
		return s
	}
}

func spacedNIR(n string) string {
	return n[:1] + " " + n[1:3] + " " + n[3:5] + " " + n[5:7] + " " + n[7:10] + " " + n[10:13] + " " + n[13:]
}

func group4(s, sep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

func pairs(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p[i:min(i+2, len(p))])
	}
	return b.String()
}

func intlPhone(p string) string { return "+33 " + p[1:2] + " " + pairs(p[2:]) }

func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func sqlQuoteMySQL(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// to1252 encodes text in Windows-1252; ok is false if it cannot.
func to1252(s string) ([]byte, bool) {
	var out []byte
	for _, r := range s {
		switch {
		case r < 0x80 || r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
		default:
			found := false
			for i, c := range [...]rune{0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
				0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178} {
				if c == r {
					out, found = append(out, byte(0x80+i)), true
					break
				}
			}
			if !found {
				return nil, false
			}
		}
	}
	return out, true
}

// buildCorpus writes the corpus: 270 identities spread over every format.
// Identities 0–9 appear twice (a CSV with their NIR, a log with their
// e-mail only), to be counted once.
func buildCorpus(t testing.TB, dir string, seed int64) *groundTruth {
	ids := corpus.Identities(seed, 270)
	f := &corpusFixture{t: t, dir: dir, ids: ids, g: newTruth(), r: rand.New(rand.NewSource(seed))}
	g := f.g
	P := func(i int, c pii.Category, key, written string) string { return g.plant(i, c, key, written) }
	name := func(i int) (string, string) {
		id := ids[i]
		return P(i, pii.Name, "s:"+id.Surname, id.Surname), P(i, pii.Name, "g:"+id.Given, id.Given)
	}

	// French CSV: ';', accents in headers, a quoted comment over two lines.
	var b strings.Builder
	b.WriteString("nom;prénom;date_naissance;num_secu;téléphone;courriel;iban;adresse;code_postal;ville;num_commande;commentaire\n")
	for i := 0; i < 40; i++ {
		id := ids[i]
		s, gv := name(i)
		nir := id.NIR
		if i%2 == 0 {
			nir = spacedNIR(id.NIR)
		}
		iban := id.IBAN
		if i%3 == 0 {
			iban = group4(id.IBAN, " ")
		}
		comment := "ok"
		if i%5 == 0 {
			comment = csvQuote("dossier complet;\nà relancer")
		}
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s\n", s, gv,
			P(i, pii.DateOfBirth, dob(id), fmt.Sprintf("%02d/%02d/%04d", id.BirthD, id.BirthM, id.BirthY)),
			P(i, pii.NIR, id.NIR, nir), P(i, pii.Phone, id.Phone, pairs(id.Phone)), P(i, pii.Email, id.Email, id.Email),
			P(i, pii.IBAN, id.IBAN, iban), P(i, pii.Address, "", id.Street), P(i, pii.Address, "", id.Postcode), P(i, pii.Address, "", id.Commune),
			f.orderNumber(), comment)
	}
	f.write("exports/fr.csv", []byte(b.String()))

	// English CSV: ',', everything quoted, CRLF.
	b.Reset()
	b.WriteString(`"last_name","first_name","birth_date","ssn","phone","email","card_number","city","order_number"` + "\r\n")
	for i := 40; i < 80; i++ {
		id := ids[i]
		s, gv := name(i)
		cols := []string{s, gv, P(i, pii.DateOfBirth, dob(id), dob(id)), P(i, pii.NIR, id.NIR, id.NIR), P(i, pii.Phone, id.Phone, intlPhone(id.Phone)),
			P(i, pii.Email, id.Email, id.Email), P(i, pii.Card, id.Card, group4(id.Card, " ")), P(i, pii.Address, "", id.Commune), f.orderNumber()}
		for k, c := range cols {
			if k > 0 {
				b.WriteByte(',')
			}
			b.WriteString(csvQuote(c))
		}
		b.WriteString("\r\n")
	}
	f.write("exports/en.csv", []byte(b.String()))

	// Windows-1252 TSV.
	var raw []byte
	head, _ := to1252("nom\tprénom\ttéléphone\tcourriel\n")
	raw = append(raw, head...)
	for i := 80; i < 100; i++ {
		id := ids[i]
		line, ok := to1252(fmt.Sprintf("%s\t%s\t%s\t%s\n", id.Surname, id.Given, id.Phone, id.Email))
		if !ok {
			continue
		}
		name(i)
		P(i, pii.Phone, id.Phone, id.Phone)
		P(i, pii.Email, id.Email, id.Email)
		raw = append(raw, line...)
	}
	f.write("exports/ancien.tsv", raw)

	// JSON array, pretty-printed, nested objects; passwords, half in
	// plain text, half as bcrypt hashes (drawn apart from f.r).
	var users []map[string]any
	pr := rand.New(rand.NewSource(^seed))
	for i := 100; i < 120; i++ {
		id := ids[i]
		s, gv := name(i)
		pw := fmt.Sprintf("Soleil%d!", pr.Intn(1000000))
		if i%2 != 0 {
			const alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			h := []byte("$2y$10$")
			for range 53 {
				h = append(h, alphabet[pr.Intn(len(alphabet))])
			}
			pw = string(h)
		}
		users = append(users, map[string]any{
			"mot_de_passe": P(i, pii.Credential, pw, pw),
			"id":           i, "nom": s, "prenom": gv, "naissance": P(i, pii.DateOfBirth, dob(id), dob(id)),
			"contact":        map[string]any{"email": P(i, pii.Email, id.Email, id.Email), "telephone": P(i, pii.Phone, id.Phone, id.Phone)},
			"identifiant_ft": P(i, pii.FranceTravail, id.FranceTravail, id.FranceTravail),
			"adresse":        map[string]any{"rue": P(i, pii.Address, "", id.Street), "code_postal": P(i, pii.Address, "", id.Postcode), "ville": P(i, pii.Address, "", id.Commune)},
		})
	}
	js, _ := json.MarshalIndent(users, "", "  ")
	f.write("api/users.json", js)

	// NDJSON events; identities 0–9 again, e-mail only.
	b.Reset()
	for _, i := range append(seq(120, 140), seq(0, 10)...) {
		id := ids[i]
		line, _ := json.Marshal(map[string]string{"ts": "2024-03-01T10:00:00Z", "user_email": P(i, pii.Email, id.Email, id.Email), "src_ip": P(i, pii.IP, id.IP, id.IP), "action": "login"})
		b.Write(line)
		b.WriteByte('\n')
	}
	f.write("logs/events.ndjson", []byte(b.String()))

	// MySQL dump: no column list, backslash escapes.
	b.Reset()
	b.WriteString("-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `usagers` (\n  `id` int NOT NULL,\n  `nom` varchar(64),\n  `prenom` varchar(64),\n  `date_naissance` date,\n  `nir` char(15),\n  `email` varchar(128),\n  `tel` varchar(20),\n  `iban` varchar(34),\n  `num_commande` varchar(15),\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\nINSERT INTO `usagers` VALUES ")
	for i := 140; i < 160; i++ {
		id := ids[i]
		s, gv := name(i)
		if i > 140 {
			b.WriteString(",")
			if i%5 == 0 {
				b.WriteString("\n")
			}
		}
		fmt.Fprintf(&b, "(%d,%s,%s,'%s','%s','%s','%s','%s','%s')", i, sqlQuoteMySQL(s), sqlQuoteMySQL(gv), P(i, pii.DateOfBirth, dob(id), dob(id)),
			P(i, pii.NIR, id.NIR, id.NIR), P(i, pii.Email, id.Email, id.Email), P(i, pii.Phone, id.Phone, id.Phone), P(i, pii.IBAN, id.IBAN, id.IBAN), f.orderNumber())
	}
	b.WriteString(";\n")
	f.write("dumps/mysql.sql", []byte(b.String()))

	// PostgreSQL dump with COPY.
	b.Reset()
	b.WriteString("--\n-- PostgreSQL database dump\n--\nSET standard_conforming_strings = on;\nCREATE TABLE public.beneficiaires (\n    id integer NOT NULL,\n    nom text,\n    prenom text,\n    nir character(15),\n    telephone text,\n    courriel text,\n    num_piece_identite text\n);\nCOPY public.beneficiaires (id, nom, prenom, nir, telephone, courriel, num_piece_identite) FROM stdin;\n")
	for i := 160; i < 180; i++ {
		id := ids[i]
		s, gv := name(i)
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i, s, gv, P(i, pii.NIR, id.NIR, id.NIR), P(i, pii.Phone, id.Phone, id.Phone),
			P(i, pii.Email, id.Email, id.Email), P(i, pii.IDDocument, id.IDDoc, id.IDDoc))
	}
	b.WriteString("\\.\n\n-- PostgreSQL database dump complete\n")
	f.write("dumps/pg.sql", []byte(b.String()))

	// XLSX.
	x := excelize.NewFile()
	x.SetSheetName("Sheet1", "Usagers")
	x.SetSheetRow("Usagers", "A1", &[]any{"nom", "prénom", "date_naissance", "courriel", "iban"})
	for i := 180; i < 200; i++ {
		id := ids[i]
		s, gv := name(i)
		x.SetSheetRow("Usagers", fmt.Sprintf("A%d", i-178), &[]any{s, gv,
			P(i, pii.DateOfBirth, dob(id), fmt.Sprintf("%02d/%02d/%04d", id.BirthD, id.BirthM, id.BirthY)), P(i, pii.Email, id.Email, id.Email), P(i, pii.IBAN, id.IBAN, id.IBAN)})
	}
	var xb bytes.Buffer
	if err := x.Write(&xb); err != nil {
		t.Fatal(err)
	}
	f.write("bureautique/usagers.xlsx", xb.Bytes())

	// ODS.
	var ods strings.Builder
	ods.WriteString(`<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Contacts">`)
	odsRow := func(cells ...string) {
		ods.WriteString("<table:table-row>")
		for _, c := range cells {
			var e bytes.Buffer
			xmlEscape(&e, c)
			ods.WriteString(`<table:table-cell office:value-type="string"><text:p>` + e.String() + `</text:p></table:table-cell>`)
		}
		ods.WriteString("</table:table-row>")
	}
	odsRow("nom", "prénom", "téléphone", "courriel")
	for i := 200; i < 215; i++ {
		id := ids[i]
		s, gv := name(i)
		odsRow(s, gv, P(i, pii.Phone, id.Phone, pairs(id.Phone)), P(i, pii.Email, id.Email, id.Email))
	}
	ods.WriteString(`<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`)
	f.write("bureautique/contacts.ods", zipOf(t, map[string][]byte{"mimetype": []byte("application/vnd.oasis.opendocument.spreadsheet"), "content.xml": []byte(ods.String())}))

	// A zip holding a CSV and a tar.gz holding NDJSON.
	b.Reset()
	b.WriteString("nom;prenom;courriel;telephone\n")
	for i := 215; i < 225; i++ {
		id := ids[i]
		s, gv := name(i)
		fmt.Fprintf(&b, "%s;%s;%s;%s\n", s, gv, P(i, pii.Email, id.Email, id.Email), P(i, pii.Phone, id.Phone, id.Phone))
	}
	agents := []byte(b.String())
	b.Reset()
	for i := 225; i < 230; i++ {
		id := ids[i]
		line, _ := json.Marshal(map[string]string{"email": P(i, pii.Email, id.Email, id.Email), "ip": P(i, pii.IP, id.IP, id.IP)})
		b.Write(line)
		b.WriteByte('\n')
	}
	f.write("archives/dump.zip", zipOf(t, map[string][]byte{"export/agents.csv": agents, "logs.tar.gz": tarGzOf(t, map[string][]byte{"app/app.ndjson": []byte(b.String())})}))

	// SQLite database.
	dbPath := filepath.Join(dir, "bases", "app.sqlite")
	os.MkdirAll(filepath.Dir(dbPath), 0o755)
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE citoyens (nom TEXT, prenom TEXT, nir TEXT, email TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := 230; i < 240; i++ {
		id := ids[i]
		s, gv := name(i)
		if _, err := db.Exec(`INSERT INTO citoyens VALUES (?, ?, ?, ?)`, s, gv, P(i, pii.NIR, id.NIR, id.NIR), P(i, pii.Email, id.Email, id.Email)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	// Excel 97-2003: a date of birth kept as a date, a phone number as a
	// number shown with its leading zero.
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	sheet := xlswrite.Sheet{Name: "Bénéficiaires", Rows: [][]xlswrite.Cell{
		{{Text: "Nom"}, {Text: "Prénom"}, {Text: "Date de naissance"}, {Text: "NIR"}, {Text: "Portable"}, {Text: "Courriel"}}}}
	for i := 240; i < 260; i++ {
		id := ids[i]
		s, gv := name(i)
		born := time.Date(id.BirthY, time.Month(id.BirthM), id.BirthD, 0, 0, 0, 0, time.UTC)
		P(i, pii.DateOfBirth, dob(id), born.Format("02/01/2006"))
		phone := xlswrite.Cell{Text: id.Phone}
		if n, err := strconv.Atoi(id.Phone); err == nil && len(id.Phone) == 10 && id.Phone[0] == '0' {
			phone = xlswrite.Cell{Number: float64(n), IsNum: true, Format: "0#########"}
		}
		P(i, pii.Phone, id.Phone, id.Phone)
		sheet.Rows = append(sheet.Rows, []xlswrite.Cell{{Text: s}, {Text: gv},
			{Number: born.Sub(epoch).Hours() / 24, IsNum: true, Format: "dd/mm/yyyy"},
			{Text: P(i, pii.NIR, id.NIR, id.NIR)}, phone, {Text: P(i, pii.Email, id.Email, id.Email)}})
	}
	f.write("bureautique/ancien.xls", xlswrite.Compound(xlswrite.Stream{Name: "Workbook", Data: xlswrite.Workbook([]xlswrite.Sheet{sheet})}))

	// RAR, as leaks are published: a RAR 5 archive holding a CSV and a
	// RAR 4 one holding a log.
	b.Reset()
	b.WriteString("nom;prénom;courriel;nir\n")
	for i := 260; i < 265; i++ {
		id := ids[i]
		s, gv := name(i)
		fmt.Fprintf(&b, "%s;%s;%s;%s\n", s, gv, P(i, pii.Email, id.Email, id.Email), P(i, pii.NIR, id.NIR, id.NIR))
	}
	clients := []byte(b.String())
	b.Reset()
	for i := 265; i < 270; i++ {
		id := ids[i]
		fmt.Fprintf(&b, "2025-11-26T08:00:0%dZ login ok user=%s from %s\n", i-265, P(i, pii.Email, id.Email, id.Email), P(i, pii.IP, id.IP, id.IP))
	}
	journal := rarwrite.RAR4(rarwrite.File{Name: "var/log/journal.log", Data: []byte(b.String())})
	f.write("archives/fuite.rar", rarwrite.RAR5(rarwrite.File{Name: "export/clients.csv", Data: clients}, rarwrite.File{Name: "ancien.rar", Data: journal}))
	return g
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func xmlEscape(b *bytes.Buffer, s string) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	b.WriteString(r.Replace(s))
}

func zipOf(t testing.TB, files map[string][]byte) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, name := range sortedKeys(files) {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(files[name])
	}
	w.Close()
	return b.Bytes()
}

func tarGzOf(t testing.TB, files map[string][]byte) []byte {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, name := range sortedKeys(files) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(files[name])), Typeflag: tar.TypeReg})
		tw.Write(files[name])
	}
	tw.Close()
	gz.Close()
	return b.Bytes()
}

func sortedKeys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
