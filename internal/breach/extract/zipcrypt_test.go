package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Zip members encrypted by Info-ZIP and 7-Zip (testdata/zipcrypt/make.sh)
// read as the files they were made from with the password, the first
// given that opens them; without it, or with a wrong one, they are
// reported, and the password is never.
func TestZipEncrypted(t *testing.T) {
	dir := filepath.Join("testdata", "zipcrypt")
	orig := map[string]string{"contacts.vcf": filepath.Join("testdata", "vcard", "contacts.vcf"), "annuaire.ldif": filepath.Join("testdata", "ldif", "annuaire.ldif")}
	for _, name := range []string{"infozip.zip", "zipcrypto.zip", "aes128.zip", "aes256.zip"} {
		p := filepath.Join(dir, name)
		o := testOptions()
		o.Passwords = []string{"faux", "Secret"}
		rec := extractFile(t, p, o)
		if len(rec.problems) > 0 {
			t.Errorf("%s: problems %v", name, rec.problemText())
		}
		for member, op := range orig {
			got, want := rec.doc(p+"!/"+member), extractFile(t, op, testOptions()).doc(op)
			if got == nil || got.whole() != want.whole() {
				t.Errorf("%s!/%s: documents %v", name, member, rec.paths())
			}
		}
		checkLocked(t, p, "a zip member", 2)
	}
}

// An encrypted member altered after it was written is reported: by the
// authentication code under AES (here its last byte), by the CRC under
// ZipCrypto (here the CRC's low byte, wherever it is written: the check
// byte of the header is its high one).
func TestZipEncryptedDamaged(t *testing.T) {
	for name, want := range map[string]string{
		"aes256.zip":    "AES zip member damaged (authentication code)",
		"zipcrypto.zip": "encrypted zip member does not match its CRC (a wrong password, or damaged)",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "zipcrypt", name))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		zf := zr.File[0]
		if name == "aes256.zip" {
			off, err := zf.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			data[off+int64(zf.CompressedSize64)-1] ^= 0x55
		} else {
			crc := binary.LittleEndian.AppendUint32(nil, zf.CRC32)
			for i := bytes.Index(data, crc); i >= 0; i = bytes.Index(data, crc) {
				data[i] ^= 0x55
			}
		}
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		o := testOptions()
		o.Passwords = []string{"Secret"}
		rec := extractFile(t, p, o)
		if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, zf.Name+": ") || !strings.Contains(probs, want) {
			t.Errorf("%s: problems %q, want %q", name, probs, want)
		}
	}
}

// FuzzZipEncrypted reads encrypted zips whatever their bytes, with the
// password: no panic, values within their caps.
func FuzzZipEncrypted(f *testing.F) {
	fuzzWithPassword(f, "zipcrypt", "x.zip", "infozip.zip", "zipcrypto.zip", "aes128.zip", "aes256.zip")
}

// fuzzWithPassword reads mutations of the fixtures of testdata/dir,
// named name, with their password "Secret": problems, never a panic or a
// cell past its bounds.
func fuzzWithPassword(f *testing.F, dir, name string, fixtures ...string) {
	for _, fx := range fixtures {
		data, err := os.ReadFile(filepath.Join("testdata", dir, fx))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o := fuzzOptions(t)
		o.Passwords = []string{"Secret"}
		rec := &recorder{}
		if err := New(o).Reader(context.Background(), name, bytes.NewReader(b), rec); err != nil {
			t.Fatal(err)
		}
		checkCellText(t, rec, o.MaxValue)
	})
}
