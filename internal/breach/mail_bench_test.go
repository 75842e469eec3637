package breach

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"tocsin/internal/breach/corpus"
)

// writeMbox writes n messages as a mail client sends them: a header with
// the sender's name and address, a quoted-printable body in Latin-1 with
// a phone number, and on one message in ten a CSV of ten rows in base64.
// It returns the number of messages with an attachment.
func writeMbox(tb testing.TB, p string, n int) int {
	ids := corpus.Identities(77, n)
	var b bytes.Buffer
	attached := 0
	for i, id := range ids {
		fmt.Fprintf(&b, "From %s Fri Nov 27 08:%02d:00 2026\n", id.Email, i%60)
		fmt.Fprintf(&b, "From: %s %s <%s>\nTo: accueil@mairie-exemple.fr\nSubject: Demande %d\nDate: Fri, 27 Nov 2026 08:%02d:00 +0100\nMessage-ID: <%d@mail.exemple.fr>\nMIME-Version: 1.0\n",
			id.Given, id.Surname, id.Email, i, i%60, i)
		var body bytes.Buffer
		qp := quotedprintable.NewWriter(&body)
		fmt.Fprintf(qp, "Bonjour,\n\nJe souhaite obtenir une copie de mon acte de naissance. Vous pouvez me rappeler au %s, "+
			"de pr\xe9f\xe9rence le matin. Je vous remercie par avance de votre r\xe9ponse.\n\nCordialement,\n%s %s\n", id.Phone, id.Given, id.Surname)
		qp.Close()
		if i%10 != 0 {
			fmt.Fprintf(&b, "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n%s\n", body.Bytes())
			continue
		}
		attached++
		var csv bytes.Buffer
		csv.WriteString("nom;prenom;num_secu;telephone\n")
		for _, o := range ids[max(0, i-10):max(i, 10)] {
			fmt.Fprintf(&csv, "%s;%s;%s;%s\n", o.Surname, o.Given, o.NIR, o.Phone)
		}
		enc := base64.StdEncoding.EncodeToString(csv.Bytes())
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"=_%d\"\n\n--=_%d\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n%s\n--=_%d\nContent-Type: text/csv\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"liste.csv\"\n\n",
			i, i, body.Bytes(), i)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		fmt.Fprintf(&b, "%s\n--=_%d--\n\n", enc, i)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return attached
}

// BenchmarkScanMbox: 20,000 messages in an mbox (about 13 MB), one
// worker, no findings file.
func BenchmarkScanMbox(b *testing.B) {
	p := filepath.Join(b.TempDir(), "boite.mbox")
	writeMbox(b, p, 20000)
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	o := Options{Paths: []string{p}, Workers: 1}
	runtime.GC()
	clock := startCPU(b, st.Size())
	defer clock.stop(b)
	for i := 0; i < b.N; i++ {
		rep, err := Scan(b.Context(), o)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Category("phone").Values < 20000 {
			b.Fatalf("%d phone numbers", rep.Category("phone").Values)
		}
	}
}

// TestMbox checks the benchmark's mbox: every message read, its sender's
// address and phone number found (in a quoted-printable Latin-1 body),
// every attachment read as a table.
func TestMbox(t *testing.T) {
	p := filepath.Join(t.TempDir(), "boite.mbox")
	attached := writeMbox(t, p, 200)
	rep, err := Scan(t.Context(), Options{Paths: []string{p}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("problems %+v", rep.Problems)
	}
	// One document and its attachments: the report lists the mbox once,
	// not each of its messages.
	if rep.Scanned.ByFormat["mbox"] != 1 || rep.Scanned.Documents != 1+attached {
		t.Fatalf("%d documents (%v)", rep.Scanned.Documents, rep.Scanned.ByFormat)
	}
	if rep.Scanned.ByFormat["csv"] != attached || rep.Category("nir").Values != int64(10*attached) {
		t.Fatalf("%d attachments read, %d NIRs; want %d, %d", rep.Scanned.ByFormat["csv"], rep.Category("nir").Values, attached, 10*attached)
	}
	// The sender's address (not the mbox's From line, nor the Message-ID,
	// nor the recipient's, accueil@, a service's), and a phone in each
	// body and each row.
	if e := rep.Category("email").Values; e != 200 {
		t.Fatalf("%d e-mail addresses, want 200", e)
	}
	if ph := rep.Category("phone").Values; ph != int64(200+10*attached) {
		t.Fatalf("%d phone numbers, want %d", ph, 200+10*attached)
	}
}
