package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Streams xz, bzip2, zstd, lz4, lzma, lzip and tar wrote (testdata/compressed/make.sh)
// read as the files they were made from, under the stream's path; a tar
// inside one is read member by member.
func TestCompressed(t *testing.T) {
	dir := filepath.Join("testdata", "compressed")
	ldif, vcf := filepath.Join("testdata", "ldif", "annuaire.ldif"), filepath.Join("testdata", "vcard", "contacts.vcf")
	for name, orig := range map[string]string{
		"annuaire.ldif.xz": ldif, "annuaire-blocs.ldif.xz": ldif, "annuaire-deux.ldif.xz": ldif,
		"contacts-crc32.vcf.xz": vcf, "contacts-sha256.vcf.xz": vcf, "contacts-none.vcf.xz": vcf,
		"annuaire.ldif.bz2": ldif, "annuaire.ldif.zst": ldif,
		"annuaire.ldif.lz4": ldif, "contacts-blocs.vcf.lz4": vcf, "annuaire-legacy.ldif.lz4": ldif, "annuaire-deux.ldif.lz4": ldif,
		"annuaire.ldif.lzma": ldif, "annuaire.ldif.lz": ldif, "contacts-membres.vcf.lz": vcf,
	} {
		p := filepath.Join(dir, name)
		rec := extractFile(t, p, testOptions())
		got, want := rec.doc(p), extractFile(t, orig, testOptions()).doc(orig)
		if len(rec.problems) > 0 || got == nil || rowsOnly(got) != rowsOnly(want) {
			t.Errorf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
		}
	}
	for _, name := range []string{"fuite.txz", "fuite.tbz2", "fuite.tzst", "fuite.tar.lz4", "fuite.tlz", "fuite.tar.lz"} {
		p := filepath.Join(dir, name)
		rec := extractFile(t, p, testOptions())
		for member, orig := range map[string]string{"annuaire.ldif": ldif, "contacts.vcf": vcf} {
			got, want := rec.doc(p+"!/"+member), extractFile(t, orig, testOptions()).doc(orig)
			if len(rec.problems) > 0 || got == nil || got.whole() != want.whole() {
				t.Errorf("%s!/%s: documents %v, problems %v", name, member, rec.paths(), rec.problemText())
			}
		}
	}
}

// rowsOnly is what a document gave, but the names of its tables, which
// come from the file's name.
func rowsOnly(d *recDoc) string {
	var b strings.Builder
	b.WriteString(string(d.format))
	for _, l := range d.lines {
		b.WriteString("\n" + l)
	}
	for _, tb := range d.tables {
		b.WriteString("\n" + strings.Join(tb.rows, "\n"))
	}
	return b.String()
}

// An xz block whose check does not match is reported; one that declares
// a dictionary past the bound is left out, not allocated.
func TestCompressedXZBroken(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "compressed", "contacts-crc32.vcf.xz"))
	if err != nil {
		t.Fatal(err)
	}
	// The check ends where the index starts: before the footer (12
	// bytes) and the index, whose size the footer gives.
	index := int(binary.LittleEndian.Uint32(data[len(data)-8:])+1) * 4
	bad := append([]byte(nil), data...)
	bad[len(bad)-12-index-1] ^= 0x55
	// The dictionary: the block header's LZMA2 property (after the
	// filter id 0x21 and its size 1), then the header's CRC32 again.
	huge := append([]byte(nil), data...)
	hs := (int(huge[12]) + 1) * 4
	i := strings.Index(string(huge[12:12+hs]), "\x21\x01") + 12
	huge[i+2] = 40
	binary.LittleEndian.PutUint32(huge[12+hs-4:], crc32.ChecksumIEEE(huge[12:12+hs-4]))
	for name, c := range map[string]struct {
		data    []byte
		want    string
		skipped bool
	}{
		"abime.vcf.xz":  {bad, "syntax error: xz: block damaged (check)", false},
		"enorme.vcf.xz": {huge, "archive limit reached: the xz dictionary needs 4096 MiB, more than the 256 MiB bound; not read", true},
	} {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec := extractFile(t, p, testOptions())
		probs := rec.problemText()
		if len(probs) != 1 || !strings.HasSuffix(probs[0], c.want) || rec.problems[0].Skipped != c.skipped {
			t.Errorf("%s: problems %q, want %q", name, probs, c.want)
		}
	}
}

// TestCompressedLZ4Broken: a damaged or cut LZ4 stream is named for what
// is wrong with it, the content read before the damage kept.
func TestCompressedLZ4Broken(t *testing.T) {
	dir := filepath.Join("testdata", "compressed")
	blocks := mustRead(t, filepath.Join(dir, "contacts-blocs.vcf.lz4")) // block checksums
	whole := mustRead(t, filepath.Join(dir, "annuaire.ldif.lz4"))       // a content checksum
	flip := func(b []byte, i int) []byte {
		b = append([]byte(nil), b...)
		b[(i+len(b))%len(b)] ^= 0x55
		return b
	}
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"bloc.vcf.lz4":   {flip(blocks, 200), "syntax error: lz4: a block damaged (checksum)"},
		"contenu.lz4":    {flip(whole, 300), "syntax error: lz4: the content damaged (checksum or size)"},
		"somme.lz4":      {flip(whole, -1), "syntax error: lz4: the content damaged (checksum or size)"},
		"entete.lz4":     {flip(whole, 5), "syntax error: lz4: a frame header damaged"},
		"coupe.ldif.lz4": {whole[:400], "syntax error: lz4: cut short"},
		"suite.ldif.lz4": {append(append([]byte(nil), whole...), "PK\x03\x04"...), "syntax error: lz4: no frame where one should start"},
	} {
		p := writeFile(t, t.TempDir(), name, c.data)
		rec := extractFile(t, p, testOptions())
		if probs := rec.problemText(); len(probs) != 1 || !strings.HasSuffix(probs[0], c.want) {
			t.Errorf("%s: problems %q, want %q", name, probs, c.want)
		}
	}
}

// The .lzma format has no magic number: a file of that name whose header
// can be one is read; a dictionary past the bound is not, a stream cut
// short is named, and a text of that name is read as text.
func TestCompressedLZMAAlone(t *testing.T) {
	data := mustRead(t, filepath.Join("testdata", "compressed", "annuaire.ldif.lzma"))
	huge := append([]byte(nil), data...)
	binary.LittleEndian.PutUint32(huge[1:], 1<<31)
	dir := t.TempDir()
	for name, c := range map[string]struct {
		data    []byte
		want    string
		skipped bool
	}{
		"enorme.lzma": {huge, "archive limit reached: the lzma dictionary needs 2048 MiB, more than the 256 MiB bound; not read", true},
		"coupe.lzma":  {data[:len(data)/2], "syntax error: lzma: unexpected EOF", false},
	} {
		rec := extractFile(t, writeFile(t, dir, name, c.data), testOptions())
		if probs := rec.problemText(); len(probs) != 1 || !strings.HasSuffix(probs[0], c.want) || rec.problems[0].Skipped != c.skipped {
			t.Errorf("%s: problems %q, want %q", name, probs, c.want)
		}
	}
	p := writeFile(t, dir, "notes.lzma", []byte("Rappeler Mme Faure au 06 98 76 54 32.\n"))
	if rec := extractFile(t, p, testOptions()); len(rec.problems) > 0 || rec.docs[0].format != FormatText {
		t.Errorf("a text named .lzma: %v, problems %q", rec.paths(), rec.problemText())
	}
}

// An lzip member's trailer checks its data: a damaged one is named, a
// cut one too, and what follows the last member is not read as data.
func TestCompressedLzipBroken(t *testing.T) {
	data := mustRead(t, filepath.Join("testdata", "compressed", "contacts-membres.vcf.lz"))
	crc := append([]byte(nil), data...)
	crc[len(crc)-20] ^= 1 // the second member's CRC32
	dir := t.TempDir()
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"crc.vcf.lz":   {crc, "syntax error: lzip: a member damaged (CRC32 or size)"},
		"coupe.vcf.lz": {data[:len(data)-10], "syntax error: lzip: a member's trailer cut short"},
		"suite.vcf.lz": {append(append([]byte(nil), data...), "PK\x03\x04"...), "syntax error: lzip: data after the last member"},
	} {
		rec := extractFile(t, writeFile(t, dir, name, c.data), testOptions())
		if probs := rec.problemText(); len(probs) != 1 || !strings.HasSuffix(probs[0], c.want) {
			t.Errorf("%s: problems %q, want %q", name, probs, c.want)
		}
	}
}

// FuzzCompressed reads compressed streams whatever their bytes: no
// panic, values within their caps, memory within its bounds.
func FuzzCompressed(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "compressed", "*.*z*"))
	more, _ := filepath.Glob(filepath.Join("testdata", "compressed", "*.t*"))
	for _, name := range append(names, more...) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o := fuzzOptions(t)
		rec := &recorder{}
		if err := New(o).Reader(context.Background(), "x.xz", bytes.NewReader(b), rec); err != nil {
			t.Fatal(err)
		}
		checkCellText(t, rec, o.MaxValue)
	})
}
