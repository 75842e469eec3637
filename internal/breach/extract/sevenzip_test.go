package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// whole is what a document gave, its lines and tables' rows, to compare a
// member of an archive with the file it was made from.
func (d *recDoc) whole() string {
	var b strings.Builder
	b.WriteString(string(d.format))
	for _, l := range d.lines {
		b.WriteString("\n" + l)
	}
	for _, tb := range d.tables {
		b.WriteString("\n[" + tb.name + "]\n" + strings.Join(tb.rows, "\n"))
	}
	return b.String()
}

// Archives Debian's 7zip wrote (testdata/7z/make.sh): each member reads
// exactly as the file it was made from (LZMA2, solid); a password, on the
// contents or on the names too, is reported, as is a method not read
// (PPMd).
func TestSevenZip(t *testing.T) {
	dir := filepath.Join("testdata", "7z")
	same := func(archive, member, orig string) {
		t.Helper()
		rec := extractFile(t, filepath.Join(dir, archive), testOptions())
		got := rec.doc(filepath.Join(dir, archive) + "!/" + member)
		want := extractFile(t, orig, testOptions()).doc(orig)
		if got == nil || want == nil {
			t.Fatalf("%s: documents %v", archive, rec.paths())
		}
		if got.whole() != want.whole() {
			t.Errorf("%s!/%s:\n%s\nwant\n%s", archive, member, got.whole(), want.whole())
		}
	}
	same("fuite.7z", "usagers.bson", filepath.Join("testdata", "bson", "usagers.bson"))
	same("fuite.7z", "contacts.vcf", filepath.Join("testdata", "vcard", "contacts.vcf"))
	same("fuite.7z", "annuaire.ldif", filepath.Join("testdata", "ldif", "annuaire.ldif"))
	same("fuite.7z", "courrier/plain.eml", filepath.Join("testdata", "mail", "plain.eml"))
	// A crafted block that asks for a 4 GiB dictionary needs only its
	// size (10 KiB).
	same("dictionnaire-4gio.7z", "contacts.vcf", filepath.Join("testdata", "vcard", "contacts.vcf"))
	if rec := extractFile(t, filepath.Join(dir, "fuite.7z"), testOptions()); len(rec.problems) > 0 || rec.doc(filepath.Join(dir, "fuite.7z")).format != Format7z {
		t.Errorf("fuite.7z: problems %v", rec.problemText())
	}
	// Each block apart, by each method read; an empty file is a document,
	// an empty folder is not.
	for _, m := range []string{"Copy", "LZMA", "Deflate", "BZip2"} {
		name := "methode-" + m + ".7z"
		same(name, "contacts.vcf", filepath.Join("testdata", "vcard", "contacts.vcf"))
		same(name, "annuaire.ldif", filepath.Join("testdata", "ldif", "annuaire.ldif"))
		rec := extractFile(t, filepath.Join(dir, name), testOptions())
		if len(rec.problems) > 0 || rec.doc(filepath.Join(dir, name)+"!/vide.txt") == nil || rec.doc(filepath.Join(dir, name)+"!/vide") != nil || len(rec.docs) != 4 {
			t.Errorf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
		}
	}
	for name, want := range map[string]string{
		"chiffre.7z":       "chiffre.7z!/contacts.vcf: encrypted: a 7-Zip member protected by a password; not scanned (give it with --password)",
		"noms-chiffres.7z": "noms-chiffres.7z: encrypted: a 7-Zip archive whose names are protected by a password; not scanned (give it with --password)",
		"ppmd.7z":          "ppmd.7z!/contacts.vcf: unsupported: a 7-Zip member compressed with PPMd; not read",
	} {
		rec := extractFile(t, filepath.Join(dir, name), testOptions())
		if probs := strings.Join(rec.problemText(), "\n"); len(rec.problems) != 1 || !rec.problems[0].Skipped || !strings.HasSuffix(probs, want) {
			t.Errorf("%s: problems %q, want %q", name, probs, want)
		}
		for _, d := range rec.docs {
			if len(d.tables) > 0 || len(d.lines) > 0 {
				t.Errorf("%s: %s read", name, d.path)
			}
		}
	}
}

// Archives protected by a password are read with the first password given
// that opens them; a password that opens nothing is reported.
func TestSevenZipPassword(t *testing.T) {
	dir := filepath.Join("testdata", "7z")
	o := testOptions()
	o.Passwords = []string{"faux", "Secret"}
	for _, c := range []struct{ archive, member, orig string }{
		{"chiffre.7z", "contacts.vcf", filepath.Join("testdata", "vcard", "contacts.vcf")},
		{"noms-chiffres.7z", "contacts.vcf", filepath.Join("testdata", "vcard", "contacts.vcf")},
		{"chiffre-copie.7z", "contacts.vcf", filepath.Join("testdata", "vcard", "contacts.vcf")},
		{"chiffre-copie.7z", "annuaire.ldif", filepath.Join("testdata", "ldif", "annuaire.ldif")},
	} {
		rec := extractFile(t, filepath.Join(dir, c.archive), o)
		got := rec.doc(filepath.Join(dir, c.archive) + "!/" + c.member)
		want := extractFile(t, c.orig, testOptions()).doc(c.orig)
		if got == nil || got.whole() != want.whole() || len(rec.problems) > 0 {
			t.Errorf("%s!/%s: documents %v, problems %v", c.archive, c.member, rec.paths(), rec.problemText())
		}
	}
	o.Passwords = []string{"faux"}
	for name, want := range map[string]string{
		"chiffre.7z":       "chiffre.7z!/contacts.vcf: encrypted: a 7-Zip member protected by a password that none of those given opens; not scanned",
		"noms-chiffres.7z": "noms-chiffres.7z: encrypted: a 7-Zip archive whose names are protected by a password that none of those given opens; not scanned",
		// Stored, a wrong key gives noise the CRC tells.
		"chiffre-copie.7z": "chiffre-copie.7z!/annuaire.ldif: encrypted: a 7-Zip member protected by a password that none of those given opens; not scanned",
	} {
		rec := extractFile(t, filepath.Join(dir, name), o)
		if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, want) || strings.Contains(probs, "faux") {
			t.Errorf("%s: problems %q, want %q", name, probs, want)
		}
	}
}

// A member whose bytes were altered is reported by its CRC, and the
// next one is still read.
func TestSevenZipDamaged(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "7z", "methode-Copy.7z"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("BEGIN:VCARD"))
	if i < 0 {
		t.Fatal("no card in the archive")
	}
	data[i] = 'X'
	p := filepath.Join(t.TempDir(), "abime.7z")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	if probs := rec.problemText(); len(probs) != 1 || !strings.HasSuffix(probs[0], "abime.7z!/contacts.vcf: syntax error: 7-Zip member damaged (CRC)") {
		t.Errorf("problems %q", probs)
	}
	if d := rec.doc(p + "!/annuaire.ldif"); d == nil || len(d.tables) == 0 {
		t.Errorf("annuaire.ldif not read after the damaged member: %v", rec.paths())
	}
}

// A cut archive is reported, nothing taken down.
func TestSevenZipCut(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "7z", "fuite.7z"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "coupe.7z")
	if err := os.WriteFile(p, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	rec := extractFile(t, p, testOptions())
	if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, "coupe.7z: syntax error") || strings.Contains(probs, "Faure") {
		t.Errorf("problems %q", probs)
	}
}

// Fuzz7z reads archives whatever their bytes (after the magic): no panic
// from the reader or the library under it.
func Fuzz7z(f *testing.F) {
	for _, name := range []string{"fuite.7z", "ppmd.7z", "chiffre.7z", "noms-chiffres.7z", "methode-Copy.7z", "methode-LZMA.7z", "methode-Deflate.7z", "methode-BZip2.7z", "chiffre-copie.7z"} {
		data, err := os.ReadFile(filepath.Join("testdata", "7z", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !bytes.HasPrefix(b, sevenZipMagic) {
			b = append(append([]byte(nil), sevenZipMagic...), b...)
		}
		o := fuzzOptions(t)
		rec := &recorder{}
		if err := New(o).Reader(context.Background(), "x.7z", bytes.NewReader(b), rec); err != nil {
			t.Fatal(err)
		}
		checkCellText(t, rec, o.MaxValue)
	})
}

// A block's decompressor is built only within the bounds: a dictionary
// past sevenZipMaxDict for the block's size is left out, and so are
// encryption, PPMd and filters; a dictionary larger than the block needs
// only the block's size.
func TestSevenZipBounds(t *testing.T) {
	a := &szArchive{f: bytes.NewReader(make([]byte, 64)), size: 64, packSizes: []uint64{16}}
	block := func(size uint64, coders ...szCoder) *szBlock {
		return &szBlock{coders: coders, npacked: 1, nout: 1, sizes: []uint64{size}}
	}
	lzmaProps := func(dict uint32) []byte { return binary.LittleEndian.AppendUint32([]byte{0x5D}, dict) }
	for _, c := range []struct {
		name string
		b    *szBlock
		err  error
	}{
		{"lzma2 4 GiB for 8 GiB", block(8<<30, szCoder{id: szLZMA2, props: []byte{40}}), ErrLimit},
		{"lzma2 4 GiB for 1 KiB", block(1<<10, szCoder{id: szLZMA2, props: []byte{40}}), nil},
		{"lzma2 bad", block(1<<10, szCoder{id: szLZMA2, props: []byte{41}}), ErrSyntax},
		{"lzma 1 GiB for 2 GiB", block(2<<30, szCoder{id: szLZMA, props: lzmaProps(1 << 30)}), ErrLimit},
		{"lzma short", block(10, szCoder{id: szLZMA, props: []byte{0x5D, 0, 0}}), ErrSyntax},
		{"ppmd", block(10, szCoder{id: szPPMd, props: lzmaProps(1 << 20)}), errMethod},
		{"aes then lzma2", block(10, szCoder{id: szAES}, szCoder{id: szLZMA2, props: []byte{12}}), ErrEncrypted},
		{"bcj then lzma", block(10, szCoder{id: 0x03030103}, szCoder{id: szLZMA, props: lzmaProps(1 << 16)}), errMethod},
		{"unknown method", block(10, szCoder{id: 0x040109}), errMethod},
	} {
		_, err := a.folderReader(c.b, 16<<30)
		if c.err == nil && err != nil || c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
	}
	// Of a block of 2 GiB, 1 MiB will be read: 1 MiB of dictionary holds
	// every match read.
	if _, err := a.folderReader(block(2<<30, szCoder{id: szLZMA, props: lzmaProps(1 << 30)}), 1<<20); err != nil {
		t.Errorf("lzma 1 GiB for 2 GiB, 1 MiB read: %v", err)
	}
}
