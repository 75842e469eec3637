package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Office documents encrypted by officecrypto-tool (testdata/officecrypt/
// make.sh) read as the documents they were made from with the password,
// the first given that opens them; without it, or with a wrong one, they
// are reported, and the password is never.
func TestOfficeEncrypted(t *testing.T) {
	dir := filepath.Join("testdata", "officecrypt")
	for name, orig := range map[string]string{
		"people-agile.xlsx":    filepath.Join(dir, "people-lo.xlsx"),
		"people-standard.xlsx": filepath.Join(dir, "people-lo.xlsx"),
		"lettre-agile.docx":    filepath.Join("testdata", "document", "lettre.docx"),
		"diaporama-agile.pptx": filepath.Join("testdata", "document", "diaporama.pptx"),
	} {
		p := filepath.Join(dir, name)
		o := testOptions()
		o.Passwords = []string{"faux", "Secret"}
		rec := extractFile(t, p, o)
		want := extractFile(t, orig, testOptions()).doc(orig)
		if got := rec.doc(p); len(rec.problems) > 0 || got == nil || want == nil || got.whole() != want.whole() {
			t.Errorf("%s: problems %v, documents %v", name, rec.problemText(), rec.paths())
		}
		checkLocked(t, p, "an Office document", 1)
	}
}

// checkLocked checks the problems of p, a file holding n things (what)
// protected by a password, scanned without a password and with a wrong
// one: each skipped, said so, and the wrong password never shown.
func checkLocked(t *testing.T, p, what string, n int) {
	t.Helper()
	for pw, want := range map[string]string{
		"":     "encrypted: " + what + " protected by a password; not scanned (give it with --password)",
		"faux": "encrypted: " + what + " protected by a password that none of those given opens; not scanned",
	} {
		o := testOptions()
		if pw != "" {
			o.Passwords = []string{pw}
		}
		rec := extractFile(t, p, o)
		probs := rec.problemText()
		if len(probs) != n || !rec.problems[0].Skipped || !strings.HasSuffix(probs[0], want) || strings.Contains(strings.Join(probs, " "), "faux") {
			t.Errorf("%s, password %q: problems %q, want %d of %q", filepath.Base(p), pw, probs, n, want)
		}
	}
}

// A byte of the encrypted package changed: agile encryption's integrity
// code tells; under standard encryption, which has none, the zip inside
// does. Either way a problem, and no document read as if whole.
func TestOfficeEncryptedDamaged(t *testing.T) {
	for name, want := range map[string]string{
		"people-agile.xlsx":    "syntax error: an encrypted Office document damaged (integrity code)",
		"people-standard.xlsx": "",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", "officecrypt", name))
		if err != nil {
			t.Fatal(err)
		}
		// The package is most of the file: its middle is in it.
		data = bytes.Clone(data)
		data[len(data)/2] ^= 0x40
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		o := testOptions()
		o.Passwords = []string{"Secret"}
		rec := extractFile(t, p, o)
		probs := rec.problemText()
		if len(probs) == 0 || want != "" && !strings.HasSuffix(probs[0], want) {
			t.Errorf("%s: problems %q, want %q", name, probs, want)
		}
	}
}

// FuzzOfficeKey feeds EncryptionInfo streams to the parser and the key
// derivation: errors, never a panic. Spin counts past a thousand are
// parsed but not spun, to keep each input fast.
func FuzzOfficeKey(f *testing.F) {
	for _, name := range []string{"people-agile.xlsx", "people-standard.xlsx"} {
		f.Add(fixtureStream(f, filepath.Join("testdata", "officecrypt", name), 1<<20, "EncryptionInfo"))
	}
	f.Fuzz(func(t *testing.T, info []byte) {
		if len(info) >= 8 && info[0] == 4 && info[2] == 4 {
			if a, err := parseAgileInfo(info[8:]); err != nil || a.password.SpinCount > 1000 {
				return
			}
		}
		k, err := officeKeyFor(info, []string{"Secret", ""})
		if err != nil {
			return
		}
		r, check, err := k.decrypt(bytes.NewReader(make([]byte, 8200)), 8200)
		if err == nil {
			var out bytes.Buffer
			out.ReadFrom(r)
			check()
		}
	})
}

// FuzzOfficeEncrypted reads mutated encrypted documents with their
// password: problems, never a panic or a cell past its bounds.
func FuzzOfficeEncrypted(f *testing.F) {
	fuzzWithPassword(f, "officecrypt", "x.xlsx", "people-standard.xlsx", "lettre-agile.docx")
}
