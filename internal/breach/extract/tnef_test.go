package extract

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var updateTNEF = flag.Bool("update-tnef", false, "rewrite testdata/tnef/winmail.dat from winmail()")

// A TNEF stream as Outlook writes it ([MS-OXTNEF]): the signature, a key,
// then attributes with their checksums.
func tnefStream(attrs ...[]byte) []byte {
	out := binary.LittleEndian.AppendUint32(nil, tnefSignature)
	out = binary.LittleEndian.AppendUint16(out, 0x0001)
	for _, a := range attrs {
		out = append(out, a...)
	}
	return out
}

// tnefAttr writes an attribute: level 1 for the message, 2 for an
// attachment; the checksum is the sum of the data's bytes.
func tnefAttr(level byte, id uint32, data []byte) []byte {
	out := append([]byte{level}, u32(int(id))...)
	out = append(out, u32(len(data))...)
	out = append(out, data...)
	var sum uint16
	for _, c := range data {
		sum += uint16(c)
	}
	return binary.LittleEndian.AppendUint16(out, sum)
}

// mapiList writes a list of MAPI properties: their count, then each.
func mapiList(props ...[]byte) []byte {
	return append(u32(len(props)), bytes.Join(props, nil)...)
}

// mapiValue writes a property of a variable-size type: its type, id,
// the count of its values (1), the value's size and the value padded.
func mapiValue(typ, id int, v []byte) []byte {
	out := append(u16(typ), u16(id)...)
	out = append(append(out, u32(1)...), u32(len(v))...)
	out = append(out, v...)
	return append(out, make([]byte, (4-len(v)%4)%4)...)
}

func mapiUnicode(id int, s string) []byte { return mapiValue(0x001F, id, append(utf16le(s), 0, 0)) }

// rtfLiterals compresses rtf as [MS-OXRTFCP] allows without looking for
// runs: literals, 8 after each control byte, then the run that ends the
// data (at the write position); the header's CRC is that of the bytes
// after it.
func rtfLiterals(rtf string) []byte {
	var body []byte
	w := len(rtfDictionary)
	for i := 0; i < len(rtf); i += 8 {
		chunk := rtf[i:min(i+8, len(rtf))]
		control := byte(0)
		if len(chunk) < 8 {
			control = 1 << len(chunk)
		}
		body = append(append(body, control), chunk...)
		w += len(chunk)
	}
	if len(rtf)%8 == 0 {
		body = append(body, 1)
	}
	body = append(body, byte((w&4095)>>4), byte((w&15)<<4))
	return rtfHeader(body, len(rtf), 0x75465A4C)
}

func rtfHeader(body []byte, raw int, kind uint32) []byte {
	out := u32(len(body) + 12)
	out = append(out, u32(raw)...)
	out = binary.LittleEndian.AppendUint32(out, kind)
	out = binary.LittleEndian.AppendUint32(out, ^crc32.Update(0xFFFFFFFF, crc32.IEEETable, body)) // no pre- or post-inversion
	return append(out, body...)
}

// The compressed RTF of [MS-OXRTFCP] 3.1.1: runs that reach back into the
// initial dictionary and overlap what they write; its CRC, as the
// writer above computes it; the uncompressed form; what is refused.
func TestDecompressRTF(t *testing.T) {
	spec := []byte("\x1a\x00\x00\x00\x1c\x00\x00\x00LZFu\xe2\xd4KQA\x00\x04 WXYZ\rn}\x01\x0e\xb0")
	if got, err := decompressRTF(spec, 1<<20); err != nil || string(got) != `{\rtf1 WXYZWXYZWXYZWXYZWXYZ}` {
		t.Errorf("the example: %q, %v", got, err)
	}
	if h := rtfHeader(spec[16:], 28, 0x75465A4C); !bytes.Equal(h, spec) {
		t.Errorf("the example's header written again: % x, want % x", h[:16], spec[:16])
	}
	text := `{\rtf1\ansi Renée Faure, NIR 1 85 05 78 006 084 91\par}`
	if got, err := decompressRTF(rtfLiterals(text), 1<<20); err != nil || string(got) != text {
		t.Errorf("literals: %q, %v", got, err)
	}
	if got, err := decompressRTF(rtfHeader([]byte(text), len(text), 0x414C454D), 1<<20); err != nil || string(got) != text {
		t.Errorf("MELA: %q, %v", got, err)
	}
	for name, c := range map[string]struct {
		data []byte
		err  string
	}{
		"short":  {spec[:10], "its header is cut short"},
		"kind":   {rtfHeader(nil, 0, 0x12345678), "a compression of kind 0x12345678"},
		"bigger": {spec, "more than 10 bytes once decompressed"},
	} {
		limit := 1 << 20
		if name == "bigger" {
			limit = 10
		}
		if _, err := decompressRTF(c.data, limit); err == nil || err.Error() != c.err {
			t.Errorf("%s: %v, want %q", name, err, c.err)
		}
	}
}

// winmail writes the winmail.dat of a message with an RTF body (no plain
// text, as Outlook sends it), two recipients, a table attached, and a
// message attached to it whose body is plain text.
func winmail() []byte {
	inner := tnefStream(
		tnefAttr(1, attSubject, []byte("Relevé\x00")),
		tnefAttr(1, attMsgProps, mapiList(mapiUnicode(propBody, "RIB FR76 3000 6000 0112 3456 7890 189\r\nMerci"))),
	)
	named := append(u16(0x0003), u16(0x8005)...) // a named property, by name, then its value
	named = append(append(named, make([]byte, 16)...), u32(1)...)
	named = append(append(named, u32(8)...), utf16le("Nom\x00")...)
	named = append(named, u32(7)...)
	multi := append(u16(0x1003), u16(0x0E08)...) // several 32-bit integers
	multi = append(append(multi, u32(3)...), make([]byte, 12)...)
	return tnefStream(
		tnefAttr(1, 0x00089006, u32(0x00010000)), // attTnefVersion
		tnefAttr(1, 0x00078008, []byte("IPM.Microsoft Mail.Note\x00")),
		tnefAttr(1, attSubject, []byte("Dossier de Ren\xe9e Faure\x00")), // Windows-1252
		tnefAttr(1, attMsgProps, mapiList(
			named, multi,
			mapiUnicode(propSenderName, "Accueil mairie"),
			mapiUnicode(propSenderSMTP, "accueil@mairie.fr"),
			mapiValue(0x0102, propRTFCompressed, rtfLiterals(`{\rtf1\ansi\ansicpg1252 Renée Faure, NIR 1 85 05 78 006 084 91\par t\'e9l. 06 98 76 54 32\par}`)),
		)),
		tnefAttr(1, attRecipTable, append(u32(2), append(
			mapiList(mapiUnicode(propRecipName, "Jean Dupont"), mapiUnicode(propRecipSMTP, "jean.dupont@exemple.fr")),
			mapiList(mapiValue(0x001E, propRecipEmail, []byte("marie@exemple.fr\x00")))...)...)),
		tnefAttr(2, attAttachRenddat, make([]byte, 14)),
		tnefAttr(2, attAttachTitle, []byte("USAGERS.CSV\x00")),
		tnefAttr(2, attAttachData, []byte("nom;courriel\nFaure;renee.faure@exemple.fr\n")),
		tnefAttr(2, attAttachment, mapiList(mapiUnicode(propAttachLong, "usagers.csv"))),
		tnefAttr(2, attAttachRenddat, make([]byte, 14)),
		tnefAttr(2, attAttachment, mapiList(mapiUnicode(propAttachLong, "relevé.msg"),
			mapiValue(0x000D, propAttachData, append(make([]byte, 16), inner...)))),
	)
}

// A winmail.dat read as Outlook shows it: the message's lines, its RTF
// body, the table attached and the message attached, each a document.
func TestTNEF(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "winmail.dat")
	if err := os.WriteFile(p, winmail(), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	if len(rec.problems) > 0 {
		t.Fatalf("problems: %v", rec.problemText())
	}
	want := map[string]string{
		p + " (tnef)":             "1:0:Subject: Dossier de Renée Faure\n2:0:From: Accueil mairie <accueil@mairie.fr>\n3:0:To: Jean Dupont <jean.dupont@exemple.fr>\n4:0:To: marie@exemple.fr",
		p + "!/usagers.csv (csv)": "", // the long name, which comes after the content
		p + "!/relevé.msg (tnef)": "1:0:Subject: Relevé\n2:0:RIB FR76 3000 6000 0112 3456 7890 189\n3:0:Merci",
		p + "!/body.rtf (rtf)":    "1:0:Renée Faure, NIR 1 85 05 78 006 084 91\n2:0:tél. 06 98 76 54 32",
	}
	got := map[string]string{}
	for _, d := range rec.docs {
		got[d.path+" ("+string(d.format)+")"] = strings.Join(d.lines, "\n")
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: %q, want %q", k, g, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("documents %v", rec.paths())
	}
	o := testOptions()
	o.MaxDepth = 1
	if deep := extractFile(t, p, o); deep.doc(p+"!/relevé.msg") == nil || len(deep.doc(p+"!/relevé.msg").lines) > 0 || !strings.Contains(strings.Join(deep.problemText(), "\n"), "relevé.msg: archive nesting too deep: more than 1 levels; not opened") {
		t.Errorf("an attached message past MaxDepth: %v", deep.problemText())
	}
	if cells := rec.doc(p + "!/usagers.csv").tables; len(cells) != 1 || len(cells[0].cells) != 2 {
		t.Errorf("the table attached: %+v", cells)
	}

	// Verner's tnef reads the same stream: every checksum right, the same
	// attachment, the same RTF once decompressed.
	tool, err := exec.LookPath("tnef")
	if err != nil {
		if os.Getenv("TOCSIN_REQUIRE_SERVICES") == "1" {
			t.Fatal("TOCSIN_REQUIRE_SERVICES=1 but the tnef tool is missing: apt-get install tnef")
		}
		t.Skip("the tnef tool is not installed: the stream is not checked against it")
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(tool, "-f", p, "-C", out, "--save-body=corps", "--body-pref=r").CombinedOutput(); err != nil {
		t.Fatalf("tnef: %v\n%s", err, b)
	}
	csv, err := os.ReadFile(filepath.Join(out, "usagers.csv"))
	if err != nil || string(csv) != "nom;courriel\nFaure;renee.faure@exemple.fr\n" {
		t.Errorf("tnef's usagers.csv: %q, %v", csv, err)
	}
	rtf, err := os.ReadFile(filepath.Join(out, "corps.rtf"))
	if err != nil || !bytes.HasPrefix(rtf, []byte(`{\rtf1\ansi\ansicpg1252 Ren`)) {
		t.Errorf("tnef's body: %q, %v", rtf, err)
	}
}

// testdata/tnef/winmail.dat is what winmail() writes (go test -run
// TestTNEFFixture -args -update-tnef): the breach scan's tests read it.
func TestTNEFFixture(t *testing.T) {
	p := filepath.Join("testdata", "tnef", "winmail.dat")
	if *updateTNEF {
		if err := os.WriteFile(p, winmail(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, winmail()) {
		t.Fatalf("%s is not what winmail() writes (%v): go test -run TestTNEFFixture -args -update-tnef", p, err)
	}
}

// A winmail.dat attached to an e-mail (application/ms-tnef, base64), as
// Exchange sends it: read through the message.
func TestTNEFInMail(t *testing.T) {
	eml := "From: a@b.fr\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nvoir\n--B\n" +
		"Content-Type: application/ms-tnef; name=\"winmail.dat\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"winmail.dat\"\n\n" +
		base64.StdEncoding.EncodeToString(winmail()) + "\n--B--\n"
	p := filepath.Join(t.TempDir(), "m.eml")
	if err := os.WriteFile(p, []byte(eml), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	at := p + "!/2 winmail.dat" // the message's second part
	for _, want := range []string{at, at + "!/body.rtf", at + "!/usagers.csv", at + "!/relevé.msg"} {
		if rec.doc(want) == nil {
			t.Errorf("no document %s in %v", want, rec.paths())
		}
	}
}

// Broken streams: each problem names the byte where the stream or the
// attribute breaks and quotes nothing of it; what came before is read,
// and after an attribute whose content is broken, the stream goes on.
func TestTNEFBroken(t *testing.T) {
	full := winmail()
	subject := tnefAttr(1, attSubject, []byte("Dossier 06 12 34 56 78\x00"))
	props := tnefAttr(1, attMsgProps, mapiList(mapiUnicode(propBody, "a"), []byte{0x34, 0x12, 0x00, 0x10}))
	cases := []struct {
		name, lines, problem string
		data                 []byte
	}{
		{"key", "", "syntax error: the TNEF header is cut short", full[:5]},
		{"cut", "1:0:Subject: Dossier 06 12 34 56 78", "syntax error: the attribute at byte 40 runs past the end of the stream",
			tnefStream(subject, tnefAttr(1, attBody, []byte("NIR 1 85 05 78 006 084 91"))[:20])},
		{"header", "1:0:Subject: Dossier 06 12 34 56 78", "syntax error: attribute header cut short at byte 40", append(tnefStream(subject), 1, 2, 3)},
		{"type", "1:0:Subject: Dossier 06 12 34 56 78\n2:0:a\n3:0:Subject: Dossier 06 12 34 56 78", "syntax error: the message's properties at byte 40: a property of type 0x1234", tnefStream(subject, props, subject)},
		{"recipients", "", "syntax error: recipient 1 of the table at byte 6: cut short", tnefStream(tnefAttr(1, attRecipTable, append(u32(1), u32(3)...)))},
		{"rtf", "", "syntax error: the RTF body: a compression of kind 0x00000000", tnefStream(tnefAttr(1, attMsgProps, mapiList(mapiValue(0x0102, propRTFCompressed, make([]byte, 20)))))},
	}
	dir := t.TempDir()
	for _, c := range cases {
		p := filepath.Join(dir, c.name+".dat")
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		if d := rec.doc(p); d == nil || strings.Join(d.lines, "\n") != c.lines {
			t.Errorf("%s: documents %v, lines %v", c.name, rec.paths(), d)
		}
		probs := strings.Join(rec.problemText(), "\n")
		if !strings.Contains(probs, c.problem) || strings.Contains(probs, "06 12") || strings.Contains(probs, "1 85 05") {
			t.Errorf("%s: problems %q, want %q", c.name, probs, c.problem)
		}
	}
}

// FuzzTNEF reads TNEF streams whatever their bytes: no panic, every line
// UTF-8, every document ended.
func FuzzTNEF(f *testing.F) {
	f.Add(winmail())
	f.Add(tnefStream(tnefAttr(1, attMsgProps, mapiList(mapiValue(0x0102, propRTFCompressed, []byte("\x1a\x00\x00\x00\x1c\x00\x00\x00LZFu\xe2\xd4KQA\x00\x04 WXYZ\rn}\x01\x0e\xb0"))))))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "winmail.dat")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		validLines(t, rec, -1, false)
	})
}
