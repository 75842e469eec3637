package extract

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"tocsin/internal/breach/extract/xlswrite"
)

// The message oxmsg wrote (testdata/msg/make.mjs) reads as Outlook shows
// it: subject, sender, recipients, then the body's lines; its
// attachments are read by their format.
func TestMsgFixture(t *testing.T) {
	p := filepath.Join("testdata", "msg", "demande.msg")
	rec := &recorder{}
	if err := New(testOptions()).File(context.Background(), p, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.problems) > 0 {
		t.Fatalf("problems %v", rec.problemText())
	}
	if got, want := strings.Join(rec.paths(), ", "), p+" (msg), "+p+"!/ancien.xls (xls), "+p+"!/export.csv (csv)"; got != want {
		t.Fatalf("documents %s, want %s", got, want)
	}
	lines := rec.doc(p).lines
	want := []string{
		"1:0:Subject: Demande d'acte de naissance",
		"2:0:From: Jérôme Dupont <jerome.dupont@exemple.fr>",
		"3:0:To: État civil <etat-civil@mairie-exemple.fr>",
		"4:0:To: Renée Faure <renee.faure@exemple.fr>",
		"5:0:Bonjour,",
	}
	if len(lines) < 12 || strings.Join(lines[:5], "\n") != strings.Join(want, "\n") || !strings.HasPrefix(lines[6], "7:0:Mon numéro de sécurité sociale est 1") {
		t.Fatalf("lines\n%s", strings.Join(lines, "\n"))
	}
}

func utf16z(s string) []byte {
	var out []byte
	for _, c := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out
}

// A message built by hand: an 8-bit sender name, no plain text but HTML,
// an attachment, an attached message (read in its place, its own
// attachment named after it), and attached messages nested past the
// limit.
func TestMsgBuilt(t *testing.T) {
	props := func(dir string, kv ...string) []xlswrite.Stream {
		var out []xlswrite.Stream
		for i := 0; i+1 < len(kv); i += 2 {
			name := kv[i]
			data := utf16z(kv[i+1])
			if strings.HasSuffix(name, "001E") || strings.HasSuffix(name, "0102") {
				data = []byte(kv[i+1])
			}
			out = append(out, xlswrite.Stream{Name: dir + "__substg1.0_" + name, Data: data})
		}
		return out
	}
	streams := []xlswrite.Stream{{Name: "__properties_version1.0", Data: make([]byte, 32)}}
	streams = append(streams, props("", "0037001F", "Relance", "0C1A001E", "Ren\xe9e Faure", "5D01001F", "renee.faure@exemple.fr",
		"10130102", "<p>NIR 185057800608491</p>")...)
	streams = append(streams, props("__attach_version1.0_#00000000/", "3707001F", "fiche.csv", "37010102", "num_secu\n185057800608491\n")...)
	inner := "__attach_version1.0_#00000001/__substg1.0_3701000D/"
	streams = append(streams, props(inner, "0037001F", "TR: dossier", "1000001F", "Téléphone : 06 12 34 56 78")...)
	streams = append(streams, props(inner+"__attach_version1.0_#00000000/", "3704001F", "rib.txt", "37010102", "FR7630006000011234567890189")...)
	deep := "__attach_version1.0_#00000002/"
	for i := 0; i < 8; i++ {
		deep += "__substg1.0_3701000D/"
		streams = append(streams, props(deep, "0037001F", "niveau")...)
		deep += "__attach_version1.0_#00000000/"
	}
	p := filepath.Join(t.TempDir(), "relance.msg")
	if err := os.WriteFile(p, xlswrite.Compound(streams...), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := New(testOptions()).File(context.Background(), p, rec); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rec.paths(), ", "), p+" (msg), "+p+"!/2/rib.txt (text), "+p+"!/body.html (html), "+p+"!/fiche.csv (csv)"; got != want {
		t.Fatalf("documents %s, want %s", got, want)
	}
	lines := strings.Join(rec.doc(p).lines, "\n")
	for _, want := range []string{"1:0:Subject: Relance", "2:0:From: Renée Faure <renee.faure@exemple.fr>", "3:0:Subject: TR: dossier", "4:0:Téléphone : 06 12 34 56 78", "5:0:Subject: niveau"} {
		if !strings.Contains(lines, want) {
			t.Fatalf("no line %q in\n%s", want, lines)
		}
	}
	if probs := rec.problemText(); len(probs) != 1 || !strings.Contains(probs[0], "messages attached to messages, more than 6 levels; not opened") {
		t.Fatalf("problems %v", probs)
	}
}

// A message whose only body is compressed RTF (Outlook's rich text): the
// RTF is read as a document of its own; a broken one is reported.
func TestMsgRTFBody(t *testing.T) {
	dir := t.TempDir()
	for name, rtf := range map[string][]byte{"riche.msg": rtfLiterals(`{\rtf1\ansi NIR 1 85 05 78 006 084 91\par}`), "casse.msg": make([]byte, 20)} {
		p := filepath.Join(dir, name)
		data := xlswrite.Compound(xlswrite.Stream{Name: "__properties_version1.0", Data: make([]byte, 32)},
			xlswrite.Stream{Name: "__substg1.0_0037001F", Data: utf16z("Riche")}, xlswrite.Stream{Name: "__substg1.0_10090102", Data: rtf})
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		if name == "casse.msg" {
			if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, "casse.msg:1: syntax error: the RTF body: a compression of kind 0x00000000") {
				t.Errorf("%s: problems %q", name, probs)
			}
			continue
		}
		if d := rec.doc(p + "!/body.rtf"); d == nil || strings.Join(d.lines, "\n") != "1:0:NIR 1 85 05 78 006 084 91" {
			t.Errorf("%s: documents %v", name, rec.paths())
		}
	}
}

// A body line longer than MaxLine is handed over in pieces, each within
// the cap at a letter's boundary, their offsets counting the line's
// bytes as handed over (the property, recoded from Windows-1252).
func TestMsgLongLine(t *testing.T) {
	body := strings.Repeat("\xe9", 2500) + " 06 12 34 56 78" // é in Windows-1252
	streams := []xlswrite.Stream{
		{Name: "__properties_version1.0", Data: make([]byte, 32)},
		{Name: "__substg1.0_1000001E", Data: []byte(body)},
	}
	p := filepath.Join(t.TempDir(), "long.msg")
	if err := os.WriteFile(p, xlswrite.Compound(streams...), 0o644); err != nil {
		t.Fatal(err)
	}
	o := testOptions()
	o.MaxLine = 1000
	rec := &recorder{}
	if err := New(o).File(context.Background(), p, rec); err != nil {
		t.Fatal(err)
	}
	want := []string{"1:0:" + strings.Repeat("é", 500), "1:1000:" + strings.Repeat("é", 500), "1:2000:" + strings.Repeat("é", 500),
		"1:3000:" + strings.Repeat("é", 500), "1:4000:" + strings.Repeat("é", 500), "1:5000: 06 12 34 56 78"}
	if got := rec.doc(p).lines; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines\n%q\nwant\n%q", got, want)
	}
}
