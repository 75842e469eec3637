package extract

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A message is told by its content whatever its name (a Maildir file),
// an mbox by its "From " line; a log or a table whose first line looks
// like a header field is not taken for one.
func TestSniffMail(t *testing.T) {
	msg := "Return-Path: <a@b.fr>\r\nFrom: Jean <jean@exemple.fr>\r\nTo: x@y.fr\r\nSubject: test\r\n\r\nbody\r\n"
	cases := []struct {
		name, head string
		want       Format
	}{
		{"1700000000.M1P2.host:2,S", msg, FormatEmail},
		{"inbox", "From jean@exemple.fr Fri Nov 27 08:00:00 2026\n" + msg, FormatMbox},
		{"x.eml", "anything", FormatEmail},
		{"Sent.mbox", "", FormatMbox},
		{"notes.txt", "From: Jean\nTo: Marie\nle rendez-vous est à 10h\n", FormatText},
		{"app.log", "Date: 2026-11-27\nFrom: scheduler\nMessage-ID: 12\nno blank line\n", FormatText},
	}
	for _, c := range cases {
		if got := Sniff(c.name, []byte(c.head)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// The header's fields are lines numbered as in the file (a folded one by
// its first line), their encoded words decoded; a plain body goes on in
// the file's own lines; the Message-ID is not read.
func TestMailLines(t *testing.T) {
	msg := "From: =?iso-8859-1?q?J=E9r=F4me?= <jerome@exemple.fr>\n" +
		"To: a@exemple.fr,\n b@exemple.fr\n" +
		"Subject: =?utf-8?b?RG9zc2llciBkZSBab8Op?=\n" +
		"Message-ID: <1@mail.exemple.fr>\n" +
		"Date: Fri, 27 Nov 2026 08:00:00 +0100\n" +
		"\n" +
		"ligne 7\n" +
		"ligne 8 : 06 12 34 56 78\n"
	rec := &recorder{}
	if err := New(testOptions()).Reader(context.Background(), "m.eml", strings.NewReader(msg), rec); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1:0:From: Jérôme <jerome@exemple.fr>",
		"2:0:To: a@exemple.fr, b@exemple.fr",
		"4:0:Subject: Dossier de Zoé",
		"6:0:Date: Fri, 27 Nov 2026 08:00:00 +0100",
		"8:0:ligne 7",
		"9:0:ligne 8 : 06 12 34 56 78",
	}
	d := rec.doc("m.eml")
	if d == nil || d.format != FormatEmail {
		t.Fatalf("documents %v", rec.paths())
	}
	if got := strings.Join(d.lines, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

// Broken messages: each part that can be read is, and what cannot says
// where; no value of the message appears in a problem.
func TestMailBroken(t *testing.T) {
	csv := base64.StdEncoding.EncodeToString([]byte("nir\n185057800608436\n"))
	cases := []struct {
		name, msg string
		paths     []string // documents read
		problem   string
	}{
		{"cut.eml", "From: a@b.fr\nDate: x\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nbonjour 185057800608436\n--B\nContent-Type: text/csv; name=a.csv\nContent-Transfer-Encoding: base64\n\n" + csv[:10],
			[]string{"cut.eml (email)", "cut.eml!/2 a.csv (csv)"}, "cut.eml:13: syntax error: the message ends in its MIME part 2, before the boundary that closes it"},
		{"garbage64.eml", "From: a@b.fr\nDate: x\nContent-Transfer-Encoding: base64\nContent-Type: text/csv; name=a.csv\n\n" + csv[:8] + "\n!!%%\n" + csv[8:] + "\n",
			[]string{"garbage64.eml (email)", "garbage64.eml!/a.csv (csv)"}, ""},
		{"noblank.eml", "From: a@b.fr\nDate: x\nbonjour 185057800608436\n", []string{"noblank.eml (email)"}, ""},
		{"separator.eml", "From a@b.fr Fri Nov 27 08:00:00 2026\nFrom: a@b.fr\nContent-Transfer-Encoding: quoted-printable\n\nbonjour 18505780060=\n8436\n",
			[]string{"separator.eml (email)"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			if err := New(testOptions()).Reader(context.Background(), c.name, strings.NewReader(c.msg), rec); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(rec.paths(), ", "); got != strings.Join(c.paths, ", ") {
				t.Errorf("documents %s, want %s", got, strings.Join(c.paths, ", "))
			}
			probs := strings.Join(rec.problemText(), "\n")
			if (c.problem == "") != (probs == "") || !strings.Contains(probs, c.problem) {
				t.Errorf("problems %q, want %q", probs, c.problem)
			}
			if strings.Contains(probs, "185057800608436") {
				t.Errorf("a problem quotes the message: %s", probs)
			}
			all := strings.Join(rec.allRows(), "\n")
			for _, d := range rec.docs {
				all += strings.Join(d.lines, "\n")
			}
			if c.name != "cut.eml" && !strings.Contains(all, "185057800608436") {
				t.Errorf("the NIR was not read: %s", all)
			}
		})
	}
}

// Messages forwarded inside messages, deeper than the nesting allowed:
// read down to the limit, then one problem at the line where it stops.
func TestMailDepth(t *testing.T) {
	msg := "From: a@b.fr\nDate: x\n\nfond 185057800608436\n"
	for i := 0; i < 20; i++ {
		msg = "From: a@b.fr\nDate: x\nContent-Type: message/rfc822\n\n" + msg
	}
	rec := &recorder{}
	o := testOptions()
	if err := New(o).Reader(context.Background(), "m.eml", strings.NewReader(msg), rec); err != nil {
		t.Fatal(err)
	}
	probs := rec.problemText()
	if len(probs) != 1 || !strings.Contains(probs[0], "m.eml:28: archive nesting too deep: messages inside messages, more than 6 levels; not opened") {
		t.Fatalf("problems %v", probs)
	}
	// Forwarded messages are lines of the message: their headers, down to
	// the limit.
	if d := rec.docs[0]; len(rec.docs) != 1 || len(d.lines) != 2*7 {
		t.Fatalf("%d documents, lines %q", len(rec.docs), d.lines)
	}
}

// FuzzMail reads arbitrary bytes as a message and as an mbox: no panic,
// no loop, every line UTF-8.
func FuzzMail(f *testing.F) {
	for _, name := range []string{"plain.eml", "boite.mbox"} {
		data, err := os.ReadFile(filepath.Join("testdata", "mail", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("From: a@b.fr\nDate: x\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: quoted-printable\n\nR=E9n=\nee\n--B\nContent-Type: message/rfc822\n\nFrom: c@d.fr\n\n--B--\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.eml", "f.mbox"} {
			rec := &recorder{}
			if err := New(testOptions()).Reader(context.Background(), name, bytes.NewReader(data), rec); err != nil {
				t.Fatal(err)
			}
			checkRecorder(t, rec, len(data)*2+1024)
			validLines(t, rec, -1, false)
		}
	})
}

// TestMboxChunks: an mbox cut between messages and read chunk by chunk
// gives the lines, the attachments and their names of the file read
// whole: a "From " line starts a message only after a blank line (not
// the ">From " a body quotes, nor one right after a text line), with
// CRLF line ends too, and a file may start with a blank line.
func TestMboxChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("\n")
	for i := range 40 {
		nl := "\n"
		if i%3 == 0 {
			nl = "\r\n"
		}
		fmt.Fprintf(&b, "From agent%d@mairie.fr Fri Nov 27 08:00:00 2026%sFrom: Agent %d <agent%d@mairie.fr>%sSubject: Demande %d%s", i, nl, i, i, nl, i, nl)
		if i%4 == 0 {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"%s%s--b%d%sContent-Type: text/plain%s%sRappeler au 06 12 34 56 %02d.%s>From the archive%s--b%d%sContent-Type: text/csv%sContent-Disposition: attachment; filename=\"liste.csv\"%s%snom;tel%sDupont;06123456%02d%s--b%d--%s%s",
				i, nl, nl, i, nl, nl, nl, i, nl, nl, i, nl, nl, nl, nl, nl, i, nl, i, nl, nl)
			continue
		}
		fmt.Fprintf(&b, "%sBonjour, je suis joignable au 07 11 22 33 %02d.%sFrom now on, merci.%s%s", nl, i, nl, nl, nl)
	}
	p := writeFile(t, t.TempDir(), "boite.mbox", []byte(b.String()))
	whole := extractFile(t, p, testOptions())
	for _, size := range []int{64, 300, 1 << 20} {
		rec, chunks, forced := readMboxChunked(t, []byte(b.String()), p, size, testOptions())
		if forced || size < 1<<20 && chunks < 10 {
			t.Errorf("size %d: %d chunks, forced %v", size, chunks, forced)
		}
		sameMbox(t, rec, whole, fmt.Sprintf("size %d", size))
		if got, want := strings.Join(rec.allRows(), "\n"), strings.Join(whole.allRows(), "\n"); got != want || len(want) == 0 {
			t.Errorf("size %d: rows\n%s\nwant\n%s", size, got, want)
		}
	}
}

// readMboxChunked cuts data into chunks of about size bytes and reads
// them one by one, as the scan's workers do; forced tells that one was
// cut inside a message.
func readMboxChunked(t *testing.T, data []byte, path string, size int, o Options) (rec *recorder, chunks int, forced bool) {
	t.Helper()
	rec = &recorder{}
	d := rec.Begin(path, FormatMbox)
	for _, c := range splitAll(t, NewMboxSplitter(bytes.NewReader(data), size, o.MaxLine)) {
		if !c.First && !forced && !bytes.HasPrefix(c.Data, []byte("From ")) {
			t.Fatalf("size %d: chunk %d starts with %q", size, chunks+1, c.Data[:min(20, len(c.Data))])
		}
		chunks, forced = chunks+1, forced || c.Forced
		if err := New(o).ReadMboxChunk(context.Background(), bytes.NewReader(c.Data), c.Line, c.Message, path, d, rec); err != nil {
			t.Fatal(err)
		}
	}
	d.End(int64(len(data)))
	return rec, chunks, forced
}

// sameMbox compares the documents and lines of an mbox read in chunks
// with those of the file read whole.
func sameMbox(t *testing.T, rec, whole *recorder, what string) {
	t.Helper()
	if got, want := strings.Join(rec.paths(), "\n"), strings.Join(whole.paths(), "\n"); got != want {
		t.Fatalf("%s: documents\n%s\nwant\n%s", what, got, want)
	}
	for _, wd := range whole.docs {
		if gd := rec.doc(wd.path); gd == nil || strings.Join(gd.lines, "\n") != strings.Join(wd.lines, "\n") {
			t.Fatalf("%s: %s: lines differ", what, wd.path)
		}
	}
}

// FuzzMboxChunks: whatever the messages, an mbox cut into chunks and read
// chunk by chunk gives the documents and lines of the file read whole.
func FuzzMboxChunks(f *testing.F) {
	f.Add([]byte("From: a@b.fr\n\nSalut\nFrom x\n\nFrom b@c Fri\nSubject: 06 12 34 56 78\n\n>From y\n"))
	f.Add([]byte("From: a@b.fr\r\n\r\nFrom c\r\n\r\n\r\nFrom d\n"))
	f.Add([]byte("From: a@b.fr\n\ntexte\n\nFrom " + strings.Repeat("x", 700) + "\nSubject: 06 12 34 56 78\n\nFrom z\n"))
	// A "From " line the reader reads in pieces is no message's start; a
	// line of carriage returns is blank.
	attached := "From z\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/csv\nContent-Disposition: attachment; filename=\"l.csv\"\n\nnom;tel\nDupont;0612345678\n--b--\n\n"
	f.Add([]byte("From: a@b.fr\n\ntexte\n\nFrom " + strings.Repeat("x", 17000) + "\nSubject: a\n\n" + attached + attached))
	f.Add([]byte("From: a@b.fr\n\ntexte\n\r\r\n" + attached + attached))
	f.Fuzz(func(t *testing.T, body []byte) {
		data := append([]byte("From a@b.fr Fri Nov 27 08:00:00 2026\n"), body...)
		o := fuzzOptions(t)
		whole := &recorder{}
		if err := New(o).Reader(context.Background(), "x.mbox", bytes.NewReader(data), whole); err != nil {
			t.Fatal(err)
		}
		if len(whole.docs) == 0 || whole.docs[0].format != FormatMbox {
			return
		}
		for _, size := range []int{16, 64, 4096, 64 << 10} {
			// A message past the growth bound is cut inside, and reported:
			// what follows may differ.
			if rec, _, forced := readMboxChunked(t, data, "x.mbox", size, o); !forced {
				sameMbox(t, rec, whole, fmt.Sprintf("size %d", size))
			}
		}
	})
}
