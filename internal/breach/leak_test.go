package breach_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"tocsin/internal/breach"
	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/notification"
)

// TestNoRawValueInAnyOutput scans the corpus in every format, plus free
// text, broken files, a zip bomb, files and sheets named after people and
// JSON keyed by e-mail, then searches every byte of every output — the
// reports in every format and language, the findings, the problems as
// printed, the notification drafts — for every planted value and its
// common re-formattings. It must find none.
func TestNoRawValueInAnyOutput(t *testing.T) {
	dir := t.TempDir()
	raw := breach.BuildCorpus(t, dir, 11)

	// Free text: support tickets and key=value logs with decoys.
	docs := corpus.Generate(21, 200)
	var tickets, logs strings.Builder
	for _, d := range docs {
		w := &tickets
		if d.Shape == "log" {
			w = &logs
		}
		w.WriteString(d.Text)
		w.WriteString("\n")
		for _, p := range d.Planted {
			raw = append(raw, p.Value)
		}
	}
	write(t, dir, "texte/tickets.txt", []byte(tickets.String()))
	write(t, dir, "texte/app.log", []byte(logs.String()))

	// A table from the corpus with its decoy columns.
	header, cells, truth := corpus.Table(3, 60)
	var tb strings.Builder
	tb.WriteString(strings.Join(header, ";") + "\n")
	for _, row := range cells {
		tb.WriteString(strings.Join(row, ";") + "\n")
		for j, c := range row {
			if truth[j] != "" {
				raw = append(raw, c)
			}
		}
	}
	write(t, dir, "tables/export.csv", []byte(tb.String()))

	// Names that are data: a file named after a person's e-mail and NIR,
	// a sheet named after a person, JSON keyed by e-mail, a headerless CSV.
	ids := corpus.Identities(99, 6)
	for _, id := range ids {
		raw = append(raw, id.Email, id.NIR, id.Given+" "+id.Surname, id.Phone, id.Surname)
	}
	write(t, dir, "noms/"+ids[0].Email+"_"+ids[0].NIR+".csv", []byte("courriel\n"+ids[0].Email+"\n"))
	x := excelize.NewFile()
	sheet := ids[1].Given + " " + strings.ToUpper(ids[1].Surname)
	x.SetSheetName("Sheet1", sheet[:min(len(sheet), 31)])
	x.SetSheetRow(x.GetSheetName(0), "A1", &[]any{"num_secu", "telephone"})
	x.SetSheetRow(x.GetSheetName(0), "A2", &[]any{ids[1].NIR, ids[1].Phone})
	var xb bytes.Buffer
	x.Write(&xb)
	write(t, dir, "noms/fiche.xlsx", xb.Bytes())
	write(t, dir, "noms/par_email.json", []byte(fmt.Sprintf(`{%q: {"nir": %q, "tel": %q}, %q: {"nir": %q}}`, ids[2].Email, ids[2].NIR, ids[2].Phone, ids[3].Email, ids[3].NIR)))
	write(t, dir, "noms/sans_entete.csv", []byte(fmt.Sprintf("%s;%s;%s\n%s;%s;%s\n", ids[4].Surname, ids[4].Given, ids[4].Phone, ids[5].Surname, ids[5].Given, ids[5].Phone)))

	// Broken files whose broken part holds a value.
	write(t, dir, "casse/guillemet.csv", []byte("nom;num_secu\nDupont;\""+ids[0].NIR+"\n"))
	write(t, dir, "casse/objet.json", []byte(fmt.Sprintf("{\"email\": %q, oops %s}\n{\"tel\": %q}\n", ids[1].Email, ids[1].NIR, ids[1].Phone)))
	write(t, dir, "casse/chaine.sql", []byte(fmt.Sprintf("INSERT INTO t (nir) VALUES ('%s\n", ids[2].NIR)))
	z := zipBytes(t, "x.csv", []byte("nir\n"+ids[3].NIR+"\n"))
	write(t, dir, "casse/coupe.zip", z[:len(z)/2])
	write(t, dir, "casse/faux.xlsx", append([]byte("PK\x03\x04"), []byte(ids[4].Email+ids[4].NIR)...))
	write(t, dir, "casse/bombe.zip", zipBytes(t, "zeros.txt", bytes.Repeat([]byte("0"), 3<<20), "apres.csv", []byte("nir\n"+ids[5].NIR+"\n")))
	write(t, dir, "casse/binaire.bin", append([]byte{0, 1, 2, 0}, []byte(ids[5].Email)...))

	// Mail: addresses in the header, a NIR in the body, an attachment
	// named after a person holding a phone number, and a message cut in
	// its base64 attachment.
	mids := corpus.Identities(123, 3)
	attach := base64.StdEncoding.EncodeToString([]byte("telephone\n" + mids[1].Phone + "\n"))
	mail := fmt.Sprintf("From: %s %s <%s>\nTo: %s\nDate: Fri, 27 Nov 2026 08:00:00 +0100\nContent-Type: multipart/mixed; boundary=B\n\n"+
		"--B\nContent-Type: text/plain; charset=utf-8\n\nMon NIR : %s\n--B\nContent-Type: text/csv\nContent-Transfer-Encoding: base64\n"+
		"Content-Disposition: attachment; filename=\"fiche %s %s.csv\"\n\n%s\n--B--\n",
		mids[0].Given, mids[0].Surname, mids[0].Email, mids[2].Email, mids[0].NIR, mids[1].Given, mids[1].Surname, attach)
	write(t, dir, "courrier/message.eml", []byte(mail))
	write(t, dir, "casse/courrier.eml", []byte(mail[:len(mail)-20]))
	raw = append(raw, mids[0].Email, mids[0].NIR, mids[2].Email, mids[1].Phone, mids[1].Given+" "+mids[1].Surname, mids[0].Given+" "+mids[0].Surname)

	// Office documents and messages written by real writers (the
	// fixtures of the extract package), whole and cut.
	fixture := func(parts ...string) []byte {
		b, err := os.ReadFile(filepath.Join(append([]string{"extract", "testdata"}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, f := range []struct {
		dir, name string
		cut       int // the part kept of the cut copy, in thirds; 0: none
	}{
		{"msg", "demande.msg", 1}, {"document", "lettre.docx", 1}, {"document", "lettre.rtf", 0},
		{"document", "lettre.doc", 2}, {"pdf", "lettre.pdf", 1}, {"xls", "people-lo.xls", 1}, {"html", "lettre.html", 1},
		{"xlsb", "people-sst.xlsb", 1}, {"flat", "lettre.fodt", 2}, {"document", "diaporama.ppt", 1}, {"tnef", "winmail.dat", 2}, {"xls", "people-velvet.xls", 0}, {"dbf", "people-850.dbf", 1}, {"xml", "usagers-etree.xml", 0}, {"xml", "usagers-mariadb.xml", 0},
		{"bson", "usagers.bson", 2}, {"bson", "usagers-canonical.json", 1}, {"ldif", "annuaire.ldif", 2}, {"vcard", "contacts.vcf", 2}, {"ical", "rendez-vous.ics", 1}, {"7z", "fuite.7z", 2}, {"7z", "noms-chiffres.7z", 0}, {"7z", "chiffre-copie.7z", 1}, {"zipcrypt", "aes256.zip", 2}, {"zipcrypt", "infozip.zip", 0}, {"pdf", "motdepasse-rc4.pdf", 0}, {"xls", "people-secret.xls", 0}, {"compressed", "fuite.tzst", 2}, {"compressed", "annuaire.ldif.xz", 2},
		{"officecrypt", "people-agile.xlsx", 2}, {"officecrypt", "lettre-agile.docx", 0}, {"officecrypt", "people-standard.xlsx", 1},
	} {
		b := fixture(f.dir, f.name)
		write(t, dir, "courrier/"+f.name, b)
		if f.cut > 0 {
			write(t, dir, "casse/"+f.name, b[:len(b)*f.cut/3])
		}
	}
	// The values planted in them: the message's, the letter's, and the
	// workbooks' text cells as xlrd read them (the .xlsb holds the same).
	raw = append(raw, strings.Split(strings.TrimSpace(string(fixture("msg", "demande.msg.values"))), "\n")...)
	raw = append(raw, "accueil@mairie.fr", "jean.dupont@exemple.fr", "marie@exemple.fr", "Renée Faure", "Jean Dupont", "jean.martin@exemple.fr", "12 rue de la Paix")
	raw = append(raw, "renee.faure@exemple.fr", "1 85 05 78 006 084 91", "2 92 05 70 858 151 89", "06 98 76 54 32", "01 23 45 67 89", "FR76 3000 6000 0112 3456 7890 189", "612345678",
		"renee.faure@mairie-exemple.fr", "jean.martin@mairie-exemple.fr", "+33 1 23 45 67 89", "Renée Faure", "Jean Martin", "+33 6 12 34 56 78")
	for _, line := range strings.Split(string(fixture("xls", "people-lo.golden")), "\n") {
		if f := strings.Split(line, "\t"); len(f) == 5 && f[3] == "s" && f[1] != "1" {
			raw = append(raw, f[4])
		}
	}

	var outputs [][]byte
	var problems bytes.Buffer
	var findings bytes.Buffer
	rep, err := breach.Scan(context.Background(), breach.Options{
		Paths:    []string{dir},
		Findings: &findings,
		// The archives, PDFs and Office documents published with their
		// password are opened.
		Extract: extract.Options{MaxArchiveBytes: 1 << 20, Passwords: []string{"Secret", "secret"}},
		Problem: func(p breach.ProblemEntry) {
			fmt.Fprintf(&problems, "%s:%d (byte %d): %v %s\n", p.Path, p.Line, p.Offset, p.Skipped, p.Message)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, findings.Bytes(), problems.Bytes())
	for _, format := range []string{"json", "text", "markdown", "html"} {
		for _, lang := range []string{"fr", "en"} {
			var b bytes.Buffer
			if err := breach.Render(&b, rep, format, lang); err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, b.Bytes())
		}
	}
	for _, format := range []string{"markdown", "html", "pdf"} {
		for _, lang := range []string{"fr", "en"} {
			var b bytes.Buffer
			if err := notification.Render(&b, rep, &notification.Config{}, notification.Options{Format: format, Lang: lang, Now: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if format == "pdf" {
				// Its text, which the PDF holds compressed.
				h := &pdfText{}
				if err := extract.New(extract.Options{}).Reader(context.Background(), "draft.pdf", &b, h); err != nil || h.lines == 0 {
					t.Fatalf("the PDF draft reads as %d lines: %v", h.lines, err)
				}
				outputs = append(outputs, h.text.Bytes())
				continue
			}
			outputs = append(outputs, b.Bytes())
		}
	}

	// The scan did see the traps.
	if rep.Category("nir").Values < 300 || rep.Category("email").Values < 300 {
		t.Fatalf("too little found to make the search meaningful: %+v", rep.Categories)
	}
	for _, want := range []string{"guillemet.csv:2", "objet.json:1", "chaine.sql:1", "coupe.zip", "faux.xlsx", "bombe.zip", "binaire.bin", "casse/people-lo.xls", "casse/people-sst.xlsb", "courrier.eml", "casse/demande.msg", "casse/lettre.docx", "casse/lettre.doc", "casse/lettre.pdf", "casse/diaporama.ppt", "casse/winmail.dat", "casse/people-850.dbf", "casse/fuite.7z"} {
		if !strings.Contains(problems.String(), want) {
			t.Errorf("no problem reported for %s:\n%s", want, problems.String())
		}
	}

	all := bytes.Join(outputs, []byte("\n\x00\n"))
	lower := bytes.ToLower(all)
	leaks := 0
	for _, v := range raw {
		for _, form := range variants(v) {
			if at := find(all, lower, form); at >= 0 {
				leaks++
				if leaks <= 10 {
					t.Errorf("raw value %q (as %q) found in the outputs: …%s…", v, form, around(all, at, len(form)))
				}
				break
			}
		}
	}
	if leaks > 0 {
		t.Fatalf("%d raw values leaked", leaks)
	}
	t.Logf("searched %d bytes of output for %d planted values", len(all), len(raw))
}

// variants are the re-formattings of a value searched for.
func variants(v string) []string {
	v = strings.TrimSpace(v)
	out := []string{v, strings.ToLower(v), strings.ToUpper(v)}
	squeezed := strings.NewReplacer(" ", "", ".", "", "-", "", "\u00a0", "").Replace(v)
	if squeezed != v && !strings.Contains(v, "@") {
		out = append(out, squeezed, strings.ToLower(squeezed), strings.ToUpper(squeezed))
	}
	return out
}

// find looks for a value; short ones must stand alone (not inside a
// longer number or word), as they would where a value leaked.
func find(all, lower []byte, v string) int {
	if len(v) < 3 {
		return -1
	}
	if len(v) >= 9 {
		return bytes.Index(all, []byte(v))
	}
	lv := []byte(strings.ToLower(v))
	for off := 0; ; {
		i := bytes.Index(lower[off:], lv)
		if i < 0 {
			return -1
		}
		i += off
		before, _ := utf8.DecodeLastRune(lower[:i])
		after, _ := utf8.DecodeRune(lower[i+len(lv):])
		if !isWordRune(before) && !isWordRune(after) {
			return i
		}
		off = i + 1
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func around(all []byte, at, n int) string {
	from, to := max(at-40, 0), min(at+n+40, len(all))
	return string(all[from:to])
}

func write(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func zipBytes(t *testing.T, kv ...any) []byte {
	var files = map[string][]byte{}
	for i := 0; i+1 < len(kv); i += 2 {
		files[kv[i].(string)] = kv[i+1].([]byte)
	}
	return breach.ZipOf(t, files)
}

// pdfText gathers the text of a PDF read by extract.
type pdfText struct {
	text  bytes.Buffer
	lines int
}

func (h *pdfText) Begin(string, extract.Format) extract.Doc { return h }
func (h *pdfText) Line(l *extract.Line) {
	h.text.Write(l.Text)
	h.text.WriteByte('\n')
	h.lines++
}
func (h *pdfText) Table(string) extract.Table { return nil }
func (h *pdfText) Problem(extract.Problem)    {}
func (h *pdfText) End(int64)                  {}
