package pii

// The fast paths below are checked against plain code that does the same
// thing the obvious way.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FuzzAppendLower checks the 8-bytes-at-a-time lower-casing against a
// byte loop: ASCII capitals lowered, every other byte kept.
func FuzzAppendLower(f *testing.F) {
	for _, s := range []string{"", "Jean.DUPONT@Example.FR", "@[\\]^_`{AZaz", "Élodie.Müller@exemple.fr", "\x80\xc1\xda\xff"} {
		f.Add([]byte("pre"), []byte(s))
	}
	f.Fuzz(func(t *testing.T, dst, b []byte) {
		want := append([]byte(nil), dst...)
		for _, c := range b {
			if c >= 'A' && c <= 'Z' {
				c += 0x20
			}
			want = append(want, c)
		}
		if got := appendLower(append([]byte(nil), dst...), b); !bytes.Equal(got, want) {
			t.Fatalf("appendLower(%q, %q) = %q, want %q", dst, b, got, want)
		}
	})
}

// refEmail is emailOK written plainly, rule by rule, as the oracle of
// FuzzEmailOK.
func refEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") || len(local) < 1 || len(local) > 64 || len(s) > 254 {
		return false
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, c := range []byte(local) {
		if !isAlnum(c) && !strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", rune(c)) {
			return false
		}
	}
	if len(domain) < 4 || len(domain) > 253 {
		return false
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			if !isAlnum(c) && c != '-' {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	for _, c := range []byte(last) {
		if !isAlpha(c) {
			return false
		}
	}
	return len(labels) >= 2 && len(last) >= 2
}

// FuzzEmailOK checks the table-driven e-mail validator against refEmail.
func FuzzEmailOK(f *testing.F) {
	for _, s := range []string{"a@b.fr", "jean..dupont@x.fr", "a@-x.fr", "a@x-.fr", "a@x.f", "a@x.f1", "a@x..fr", "é@x.fr", "a@1.22", "a{b}@x.y.zz", "@x.fr", "a@b@c.fr",
		"a@x.-fr", "a@x.fr-", "a@x.fr.", "a@.x.fr", "a@x.Fr", ".a@x.fr", "a.@x.fr", "a@" + strings.Repeat("b", 63) + ".fr", "a@" + strings.Repeat("b", 64) + ".fr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := emailOK([]byte(s)), refEmail(s); got != want {
			t.Fatalf("emailOK(%q) = %v, want %v", s, got, want)
		}
		if at := emailAt([]byte(s)); at > 0 && at != strings.IndexByte(s, '@') {
			t.Fatalf("emailAt(%q) = %d, not its '@'", s, at)
		}
		checkEmailAtCell(t, []byte(s))
	})
}

// checkEmailAtCell holds emailAtCell to emailAt and appendLower on v,
// and returns where v's '@' is, or -1 when v is no address.
func checkEmailAtCell(t *testing.T, v []byte) int {
	t.Helper()
	lower := bytes.Repeat([]byte{'#'}, max(len(v), 64))
	got, want := emailAtCell(v, lower), emailAt(v)
	if got != want {
		t.Fatalf("emailAtCell(%q) = %d, emailAt %d", v, got, want)
	}
	if l := appendLower(nil, v); !bytes.Equal(lower[:len(v)], l) {
		t.Fatalf("emailAtCell(%q) lower-cased it to %q, want %q", v, lower[:len(v)], l)
	}
	return got
}

// TestEmailAtCell holds the masks' reading of an address to the byte
// loops, on addresses of every length up to and past the masks' 64
// bytes, a byte or two of which are changed for one that decides.
func TestEmailAtCell(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	const alphabet = "aZz09.@-_+!~{`\x00\xc3\xa9 A."
	word := func(chars string, n int) []byte {
		w := make([]byte, n)
		for i := range w {
			w[i] = chars[r.Intn(len(chars))]
		}
		return w
	}
	valid := 0
	for iter := 0; iter < 300000; iter++ {
		b := word("abz09._+-!~", 1+r.Intn(30))
		b = append(b, '@')
		for l := 1 + r.Intn(4); l > 0; l-- {
			b = append(append(b, word("abzAZ09-", 1+r.Intn(12))...), '.')
		}
		b = append(b, word("frcomZ", 1+r.Intn(4))...)
		for k := r.Intn(3); k > 0; k-- {
			b[r.Intn(len(b))] = alphabet[r.Intn(len(alphabet))]
		}
		if checkEmailAtCell(t, b) > 0 {
			valid++
		}
	}
	if valid < 20000 {
		t.Fatalf("only %d valid addresses drawn", valid)
	}
}

// FuzzPlausibleName checks the ASCII fast path of plausibleName against
// the rune by rune reading it falls back to.
func FuzzPlausibleName(f *testing.F) {
	for _, s := range []string{"Jean Dupont", "Marie-Ange d'Arc", "O’Neil", "Мария", "J. R. R. Tolkien", "a b c d e f g", "Dupont3", "", " ", "-", "Zoë"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := []byte(s)
		if got, want := plausibleName(v), len(v) > 0 && len(v) <= 80 && plausibleNameRunes(v); got != want {
			t.Fatalf("plausibleName(%q) = %v, want %v", s, got, want)
		}
	})
}

// FuzzListedNameWords checks that looksLikeListedName cuts words as
// bytes.Fields does: a given name among them, the first not a place
// (Collège Jules Ferry).
func FuzzListedNameWords(f *testing.F) {
	s := New()
	for _, v := range []string{"Jean", "DUPONT Jean", "Jean\u00a0Dupont", " \tMarie-Claire  x", "Zoé\u2003Martin", "\xff Jean", " Collège Jules Ferry", "Jean École"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		want := false
		for i, w := range bytes.Fields([]byte(v)) {
			if i == 0 && s.inSet(lexEponym, w, 0, len(w)) {
				break
			}
			want = want || s.isGiven(w, 0, len(w))
		}
		if got := s.looksLikeListedName([]byte(v)); got != want {
			t.Fatalf("looksLikeListedName(%q) = %v, want %v", v, got, want)
		}
	})
}

// refNIRBody is nirBody a branch a byte, as it was written first.
func refNIRBody(s string) (string, NIRKind) {
	var buf []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '.' || c == '-':
			if i == 0 || i == len(s)-1 {
				return "", NotNIR
			}
			continue
		case len(buf) == 15:
			return "", NotNIR
		case c >= '0' && c <= '9':
		case c == 'A' || c == 'B' || c == 'a' || c == 'b':
			c &^= 0x20
		default:
			return "", NotNIR
		}
		buf = append(buf, c)
	}
	if len(buf) != 15 && len(buf) != 13 {
		return "", NotNIR
	}
	return string(buf), nirKind(buf)
}

// nirBodyOf is nirBody's results as one value.
func nirBodyOf[T text](s T) (r struct {
	buf  [15]byte
	n    int
	kind NIRKind
}) {
	r.buf, r.n, r.kind = nirBody(s)
	return r
}

// FuzzNIRBody checks nirBody, of a string and of bytes, against
// refNIRBody.
func FuzzNIRBody(f *testing.F) {
	// Valid ones (keys 91, 54, 81) and spellings a byte away.
	for _, s := range []string{"1 85 05 78 006 084 91", "1 85 05 78 006 084 91 ", " 1 85 05 78 006 084 91", "2.80.09.2A.056.958.54", "280092a05695854", "1850578006084", "18505780060849-", "1 85 05 78 006 084 91 7", "1850578006084 91.", "2-80-09-2b-056-958-81", "2_80_09_2B_056_958_81",
		// The forms read at once (15 characters, 21 with one separator
		// between groups), and near misses that go byte by byte.
		"2a5057800608436", "1 85 05 78 006 084 9  ", "1 85 05.78 006 084 91", "1  85 05 78 006 084 9", "1 85 05 78 006 0849 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantKind := refNIRBody(s)
		for _, got := range [2]struct {
			buf  [15]byte
			n    int
			kind NIRKind
		}{nirBodyOf(s), nirBodyOf([]byte(s))} {
			if got.kind != wantKind || got.kind != NotNIR && string(got.buf[:got.n]) != want {
				t.Fatalf("nirBody(%q) = %q, %v; want %q, %v", s, got.buf[:got.n], got.kind, want, wantKind)
			}
		}
	})
}

// refIBANBody is ibanBody without its early refusals: every byte read,
// then ibanOK.
func refIBANBody(s string) (string, bool) {
	var buf []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '-' {
			continue
		}
		if len(buf) == 34 {
			return "", false
		}
		if c >= 'a' && c <= 'z' {
			c -= 0x20
		}
		buf = append(buf, c)
	}
	if !ibanOK(buf) {
		return "", false
	}
	return string(buf), true
}

// FuzzIBANBody checks ibanBody against refIBANBody.
func FuzzIBANBody(f *testing.F) {
	for _, s := range []string{"FR76 3000 6000 0112 3456 7890 189", "fr7630006000011234567890189", "F176", "FR7a", "DE89 3704 0044 0532 0130 00", "FR76-3000.6000",
		"FR76-3000-6000-0112-3456-7890-189", "FR76 3000-6000 0112 3456 7890 189", "FR76 3000 6000 0112 3456 7890 189 ", "fr76 3000 6000 0112 3456 7890 189",
		"FR76 3000 6000 01123 456 7890 189", "MT84 MALT 0110 0001 2345 MTLC AST0 01S", "FR76 3000 6000 0112 3456 7890 1891 2345 6789"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantOK := refIBANBody(s)
		for _, got := range [2]bodyOf[[34]byte]{ibanBodyOf(s), ibanBodyOf([]byte(s))} {
			if got.ok != wantOK || got.ok && string(got.buf[:got.n]) != want {
				t.Fatalf("ibanBody(%q) = %q, %v; want %q, %v", s, got.buf[:got.n], got.ok, want, wantOK)
			}
		}
	})
}

// bodyOf is what ibanBody or cardBody returns, as one value.
type bodyOf[B any] struct {
	buf B
	n   int
	ok  bool
}

func ibanBodyOf[T text](s T) (r bodyOf[[34]byte]) {
	r.buf, r.n, r.ok = ibanBody(s)
	return r
}

func cardBodyOf[T text](s T) (r bodyOf[[19]byte]) {
	r.buf, r.n, r.ok = cardBody(s)
	return r
}

// refValueKinds is valueKinds without its gates: every validator tried.
func refValueKinds(s *Scanner, v []byte) map[Category]bool {
	out := map[Category]bool{}
	if _, _, k := nirBody(v); k != NotNIR {
		out[NIR] = true
	}
	if _, _, ok := ibanBody(v); ok {
		out[IBAN] = true
	}
	if _, _, ok := cardBody(v); ok {
		out[Card] = true
	}
	if emailOK(v) {
		out[Email] = true
	}
	if _, k, ok := parsePhoneFR(v); ok && k != PhoneSpecial {
		out[Phone] = true
	} else if _, ok := parseBarePhone(v); ok {
		out[phoneBare] = true
	}
	if _, ok := parseAddr(v); ok {
		out[IP] = true
	}
	if _, ok := s.cellDate(v); ok {
		out[DateOfBirth], out[dateAny] = true, true
	}
	if plausibleName(v) {
		out[Name] = true
		if s.looksLikeListedName(v) {
			out[nameByList] = true
		}
		if s.casedName(v) {
			out[nameCased] = true
		}
	}
	if plausibleAddress(v) {
		out[Address] = true
		if end, _, _, ok := s.parseAddress(v, 0); ok && end >= len(v)*2/3 {
			out[addressFull] = true
		}
	}
	if idShape(v, 8, 11, 7) {
		out[FranceTravail] = true
	}
	if idShape(v, 8, 12, 2) {
		out[IDDocument] = true
	}
	if s.secretValue(v) {
		out[Credential] = true
		if CredentialKind(v) != CredentialPlain && !isHexDigest(v) {
			out[credentialHash] = true
		}
	}
	return out
}

// FuzzValueKinds checks the gated valueKinds against refValueKinds.
func FuzzValueKinds(f *testing.F) {
	s := New()
	for _, v := range []string{"Jean Dupont", "cafe::beef", "fe80::1", "2 85 05 2A 123 456 42", "FR76 3000 6000 0112 3456 7890 189",
		"4970 1000 0000 0063", "jean@x.fr", "+33 6 12 34 56 78", "12 mars 1985", "12 rue de la Paix 75002 Paris", "0166251628S", "C43H30WB7", "Lyon", "612345678", "Rendez-vous titre d'identité - Jean Martin", "Jean de la Fontaine",
		"$2y$10$abcdefghijklmnopqrstuuJ4nZ3lT0W5F0dI7h6Hk2m8rC1xQeV3y", "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "true", "********"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		want := refValueKinds(s, []byte(v))
		got := map[Category]bool{}
		for _, c := range s.valueKinds([]byte(v), nil) {
			got[c] = true
		}
		if len(got) != len(want) {
			t.Fatalf("valueKinds(%q) = %v, want %v", v, got, want)
		}
		for c := range want {
			if !got[c] {
				t.Fatalf("valueKinds(%q) = %v, want %v", v, got, want)
			}
		}
	})
}

// urlUserinfoSlow is the search urlUserinfo replaces: the last '/' within
// 256 bytes before the '@', then every byte up to it checked.
func urlUserinfoSlow(b []byte, i, from int) (int, bool) {
	lo := max(from, i-256)
	k := bytes.LastIndexByte(b[lo:i], '/') + lo + 1
	if k == lo || k-3 <= from || b[k-2] != '/' || b[k-3] != ':' || !isAlpha(b[k-4]) {
		return 0, false
	}
	for _, c := range b[k:i] {
		if !isUserinfoSlow(c) {
			return 0, false
		}
	}
	return k, true
}

// isUserinfoSlow is RFC 3986's list of the bytes of user information:
// unreserved, '%' (of percent-encoding), sub-delims and ':'.
func isUserinfoSlow(c byte) bool {
	if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return true
	}
	switch c {
	case '-', '.', '_', '~', '%', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':':
		return true
	}
	return false
}

// FuzzURLUserinfo: the walk back from the '@' answers as the search for
// the last '/' does, at every '@' of any text and from any start; every
// byte's class is checked too.
func FuzzURLUserinfo(f *testing.F) {
	for _, s := range []string{"ftp://user:secret@host", "voir https://jean:pw@x.fr/a et jean@x.fr", "a://b/c:d@e", "mailto:x@y.fr", "http://" + strings.Repeat("a", 300) + "@h", "://u@h", "x://@h"} {
		f.Add(s, 0)
	}
	for c := 0; c < 256; c++ {
		if isUserinfo(byte(c)) != isUserinfoSlow(byte(c)) {
			f.Fatalf("isUserinfo(%#x) = %v", c, isUserinfo(byte(c)))
		}
	}
	f.Fuzz(func(t *testing.T, s string, from int) {
		b := []byte(s)
		from = max(0, min(from, len(b)))
		for i := from; i < len(b); i++ {
			if b[i] != '@' {
				continue
			}
			k, ok := urlUserinfo(b, i, from)
			wk, wok := urlUserinfoSlow(b, i, from)
			if k != wk || ok != wok {
				t.Fatalf("urlUserinfo(%q, %d, %d) = %d, %v; want %d, %v", s, i, from, k, ok, wk, wok)
			}
		}
	})
}

// keyBeforeSlow is the switch keyBefore's table replaces.
func keyBeforeSlow(b []byte, i int) keyKind {
	k := 0
	if i >= 3 {
		k = keyEnd(b, i)
	}
	if k >= 3 {
		return keyOfSlow(b, i, k)
	}
	return keyNone
}

// keyOfSlow tells what the key ending at k names, by a switch on its
// last three letters.
func keyOfSlow(b []byte, i, k int) keyKind {
	ok := false
	switch string([]byte{b[k-3] | 0x20, b[k-2] | 0x20, b[k-1] | 0x20}) {
	case "ord":
		ok = keyAt(b, k, "password")
	case "swd":
		ok = keyAt(b, k, "passwd")
	case "pwd":
		ok = keyAt(b, k, "pwd")
	case "mdp":
		ok = keyAt(b, k, "mdp")
	case "sse":
		ok = keyAt(b, k, "mot de passe") || keyAt(b, k, "mot_de_passe") || keyAt(b, k, "mot-de-passe") || keyAt(b, k, "motdepasse")
	case "ase":
		ok = keyAt(b, k, "passphrase")
	case "ass":
		ok = b[i] == '=' && keyAt(b, k, "pass")
	case "ort":
		ok = keyAt(b, k, "passwort")
	case "nom", "oms", "nce", "age", "lle", "ame", "let":
		return keyName
	}
	if ok {
		return keyPassword
	}
	return keyNone
}

// FuzzKeyBefore: the table of key tails answers as the switch, at every
// ':' and '=' of any text.
func FuzzKeyBefore(f *testing.F) {
	for _, s := range []string{"password=x", "Mot de passe : x", "db.PASSWD: y", "pass=z pass: z", "nom=Dupont", "prénoms: Jean", "NOM_COMPLET=x", "id=3 level=info", "mdp=1 pwd:2", "PassPhrase=a", "Passwort: b", "xpassword=c", "\xff\xff\xff=", "ass=", "  =", "'pwd' : q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		for i := range b {
			if b[i] != ':' && b[i] != '=' {
				continue
			}
			if got, want := keyBefore(b, i), keyBeforeSlow(b, i); got != want {
				t.Fatalf("keyBefore(%q, %d) = %d, want %d", s, i, got, want)
			}
		}
	})
}

// foldIntoSlow is foldInto as a byte loop, with a branch at each
// separator: foldRest from the first byte, the fold the branch-free ASCII
// loop replaces.
func foldIntoSlow(dst, src []byte, t *foldTables) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(src))
	return foldRest(dst, src, dst[n:n+len(src)], n, 0, 0, true, &t.fold)
}

// FuzzFoldInto: foldInto folds as the byte loop does, with either set of
// separators, appended to anything.
func FuzzFoldInto(f *testing.F) {
	for _, seed := range []string{"  Élodie \t DUPONT  ", "a,b;;c\"d", "né  le\x00 12", "NGUYỄN Thị Thảo", " , ", "", "x ", "a\xffB\xc3", "Œuvre  "} {
		f.Add([]byte("pre"), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, dst, in []byte) {
		for _, tb := range []*foldTables{foldASCII, foldNormASCII} {
			want := foldIntoSlow(append([]byte(nil), dst...), in, tb)
			if got := foldInto(append([]byte(nil), dst...), in, tb); string(got) != string(want) {
				t.Fatalf("foldInto(%q, %q) = %q, want %q", dst, in, got, want)
			}
		}
	})
}

// FuzzLongRun holds longRun, eight bytes at a time, to its byte loop at
// every position of the input.
func FuzzLongRun(f *testing.F) {
	for _, seed := range []string{
		"2 84 05 2A 321 025 52", "4970-1012-3456-7899 x", "2021-06-02 12:00", "1 85 05 78 006 084 36.",
		"12  34 56 78 90 12 34 56", "1234567890123", "123456789012-", "12-AB-34 56.78.90.12.34", " 1234567890123456",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i := 0; i <= len(b); i++ {
			if got, want := longRun(b, i), longRunFrom(b, i, 0); got != want {
				t.Fatalf("longRun(%q, %d) = %v, want %v", b, i, got, want)
			}
		}
	})
}

// TestLongRunWords: longRun against its byte loop on random runs of the
// bytes that matter, long enough to take several words.
func TestLongRunWords(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	const alphabet = "0123456789012345678901234567890123456789AB .-x"
	for k := 0; k < 100000; k++ {
		b := randomText(r, alphabet, r.Intn(40))
		for i := 0; i <= len(b); i++ {
			if got, want := longRun(b, i), longRunFrom(b, i, 0); got != want {
				t.Fatalf("longRun(%q, %d) = %v, want %v", b, i, got, want)
			}
		}
	}
}

// FuzzDottedQuad holds dottedQuad, which reads 16 bytes with no branch,
// to its byte loop at every position of the input.
func FuzzDottedQuad(f *testing.F) {
	for _, seed := range []string{
		"173.208.168.128 ", "1.2.3.4", "01.2.3.4.5.6.7.8.9.0.1", "255.255.255.255x", "256.1.1.1        ",
		"1234.1.1.1       ", "$228.40 et 12.3.45.6 x", "192.168.001.1    ", "9.99.999.0.........",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i := 0; i < len(b); i++ {
			checkDottedQuad(t, b, i)
		}
	})
}

// TestDottedQuadWords: dottedQuad against its byte loop on random runs of
// digits and dots, with room for the 16 bytes.
func TestDottedQuadWords(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	const alphabet = "0123456789012345678901234567890123456789...x "
	for k := 0; k < 200000; k++ {
		b := randomText(r, alphabet, 16+r.Intn(8))
		for i := 0; i < len(b); i++ {
			checkDottedQuad(t, b, i)
		}
	}
}

func checkDottedQuad(t *testing.T, b []byte, at int) {
	oct, i, ok := dottedQuad(b, at)
	wantOct, wantI, wantOK := dottedQuadBytes(b, at)
	if ok != wantOK || ok && (oct != wantOct || i != wantI) {
		t.Fatalf("dottedQuad(%q, %d) = %v, %d, %v; want %v, %d, %v", b, at, oct, i, ok, wantOct, wantI, wantOK)
	}
}

// TestFoldIntoWords: foldInto against the byte loop on random text of
// the bytes that matter to it, long enough to take several words.
func TestFoldIntoWords(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	alphabet := []string{"a", "Z", "e", "M", " ", " ", "\t", "\n", "\r", ",", ";", "\"", "\x00", "-", "é", "É", "œ", "\xff"}
	for k := 0; k < 100000; k++ {
		var in []byte
		for n := r.Intn(40); len(in) < n; {
			in = append(in, alphabet[r.Intn(len(alphabet))]...)
		}
		for _, tb := range []*foldTables{foldASCII, foldNormASCII} {
			want := foldIntoSlow([]byte("pre"), in, tb)
			if got := foldInto([]byte("pre"), in, tb); string(got) != string(want) {
				t.Fatalf("foldInto(%q) = %q, want %q", in, got, want)
			}
		}
	}
}

// nirPattern is the layout of a NIR without separators, written as the
// INSEE describes it: sex (1, 2; 7, 8 for a temporary number), year,
// month (01–12, or 20–99 when unknown), département (2A, 2B, or two
// digits but 00), commune and order, then the key if any.
var nirPattern = regexp.MustCompile(`^[1278][0-9]{2}(0[1-9]|1[0-2]|[2-9][0-9])(2[AB]|0[1-9]|[1-9][0-9])[0-9]{6}([0-9]{2})?$`)

// nirKindOracle is nirKind written another way, for FuzzNIRKind: the
// layout by a regular expression, the key by big-number arithmetic.
func nirKindOracle(b []byte) NIRKind {
	if !nirPattern.Match(b) {
		return NotNIR
	}
	temporary := b[0] == '7' || b[0] == '8'
	if len(b) == 13 {
		if temporary {
			return NotNIR
		}
		return NIRNoKey
	}
	if key, ok := nirKey(b[:13]); !ok || string(b[13:]) != key {
		return NotNIR
	}
	if temporary {
		return NIRTemporary
	}
	return NIRPermanent
}

// nirKey is the key of a NIR's 13-character body (2A read as 19, 2B as
// 18), two digits; false when the body has another character.
func nirKey(body []byte) (string, bool) {
	d := string(body)
	switch d[5:7] {
	case "2A":
		d = d[:5] + "19" + d[7:]
	case "2B":
		d = d[:5] + "18" + d[7:]
	}
	n, ok := new(big.Int).SetString(d, 10)
	if !ok || n.Sign() < 0 || strings.ContainsAny(d, "+-") {
		return "", false
	}
	return fmt.Sprintf("%02d", 97-new(big.Int).Mod(n, big.NewInt(97)).Int64()), true
}

// withNIRKey gives b (15 bytes) the right key when its body allows one.
func withNIRKey(b []byte) {
	if key, ok := nirKey(b[:13]); ok {
		copy(b[13:], key)
	}
}

// FuzzNIRKind holds nirKind to its byte loop.
func FuzzNIRKind(f *testing.F) {
	for _, seed := range []string{"185057800608436", "2842A32102552", "284052A32102552", "284052B32102552", "7850578006084", "1850078006084", "185137800608436", "18505780060843"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := nirKind(b), nirKindOracle(b); got != want {
			t.Fatalf("nirKind(%q) = %v, want %v", b, got, want)
		}
	})
}

// TestNIRKindWords: nirKind against its byte loop on random NIR-shaped
// values, valid keys among them.
func TestNIRKindWords(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	const alphabet = "01234567890123456789012345678901234567892AB x"
	valid := 0
	for k := 0; k < 300000; k++ {
		b := randomText(r, alphabet, 13+2*r.Intn(2))
		b[0] = "12780"[r.Intn(5)]
		if r.Intn(3) == 0 {
			b[5], b[6] = '2', "AB"[r.Intn(2)]
		}
		if len(b) == 15 && r.Intn(2) == 0 {
			withNIRKey(b)
		}
		got, want := nirKind(b), nirKindOracle(b)
		if got != want {
			t.Fatalf("nirKind(%q) = %v, want %v", b, got, want)
		}
		if got == NIRPermanent || got == NIRTemporary {
			valid++
		}
	}
	if valid < 1000 {
		t.Fatalf("only %d valid", valid)
	}
}

// TestNIRRun: nir, which takes fifteen characters in a row at once,
// against the loop that gathers them one by one.
func TestNIRRun(t *testing.T) {
	s := New()
	r := rand.New(rand.NewSource(7))
	const alphabet = "01234567890123456789012345678901234567892AB ..x"
	for k := 0; k < 300000; k++ {
		b := randomText(r, alphabet, 14+r.Intn(6))
		b[0] = "12789"[r.Intn(5)]
		if r.Intn(2) == 0 && len(b) >= 15 {
			withNIRKey(b) // a valid key half the time the body allows one
		}
		fast, slow := &Findings{}, &Findings{}
		a := scan{s: s, b: b, fs: fast}
		c := scan{s: s, b: b, fs: slow}
		end, ok := a.nir(0)
		wantEnd, wantOK := 0, false
		if b[0] != '9' {
			wantEnd, wantOK = c.nirGroups(0)
		}
		if end != wantEnd || ok != wantOK || a.ctxFrom != c.ctxFrom || len(fast.List) != len(slow.List) || string(fast.norms) != string(slow.norms) {
			t.Fatalf("nir(%q) = %d, %v, %v; want %d, %v, %v", b, end, ok, fast.List, wantEnd, wantOK, slow.List)
		}
	}
}

// TestParseDateISO: parseDate, which reads yyyy-mm-dd at once, against
// the reading of its numbers one by one.
func TestParseDateISO(t *testing.T) {
	s := New()
	r := rand.New(rand.NewSource(8))
	const alphabet = "0123456789012345678901234567890123456789--//. x"
	for k := 0; k < 300000; k++ {
		b := []byte(fmt.Sprintf("%04d-%02d-%02d", r.Intn(3000), r.Intn(14), r.Intn(33)))
		if r.Intn(2) == 0 {
			b[4], b[7] = '/', '/'
		}
		for n := r.Intn(3); n > 0; n-- {
			b[r.Intn(len(b))] = alphabet[r.Intn(len(alphabet))]
		}
		for n := r.Intn(3); n > 0; n-- {
			b = append(b, alphabet[r.Intn(len(alphabet))])
		}
		y, m, d, end, ok := s.parseDate(b, 0)
		wy, wm, wd, wend, wok := s.parseDateNums(b, 0)
		if y != wy || m != wm || d != wd || end != wend || ok != wok {
			t.Fatalf("parseDate(%q) = %d %d %d %d %v, want %d %d %d %d %v", b, y, m, d, end, ok, wy, wm, wd, wend, wok)
		}
	}
}

// randomText is n bytes drawn from alphabet (a byte more often the more
// times it holds it).
func randomText(r *rand.Rand, alphabet string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return b
}

// FuzzDate10 holds the ten-byte dates read at once to what cellDateAny
// reads of them, and TestDate10 makes sure it reads the forms it is for.
func FuzzDate10(f *testing.F) {
	for _, in := range []string{"15/09/1980", "29.02.2000", "29-02-1900", "1985-03-12", "1985/03/12", "1985-03/12",
		"15/09-1980", "31/04/1980", "12/13/1980", "15/09/1880", "00/01/1980", "2a/01/1980", "1985-03-1a", "15 09 1980"} {
		f.Add(in)
	}
	s := New()
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) != 10 {
			return
		}
		iso, ok := s.cellDate([]byte(in))
		want, wantOK := s.cellDateAny([]byte(in))
		if ok != wantOK || ok && iso != want {
			t.Fatalf("cellDate(%q) = %q %v, cellDateAny %q %v", in, iso[:], ok, want[:], wantOK)
		}
	})
}

func TestDate10(t *testing.T) {
	for in, want := range map[string]string{
		"15/09/1980": "1980-09-15", "29.02.2000": "2000-02-29", "01-12-1931": "1931-12-01",
		"1985-03-12": "1985-03-12", "1985/03/12": "1985-03-12",
		"29/02/1900": "", "31/04/1980": "", "12/13/1980": "", "15/09/1880": "",
	} {
		iso, ok, decided := date10([]byte(in))
		if !decided || ok != (want != "") || ok && string(iso[:]) != want {
			t.Errorf("date10(%q) = %q %v %v, want %q", in, iso[:], ok, decided, want)
		}
	}
	for _, in := range []string{"15/09-1980", "1985-03/12", "15 09 1980", "1985-03-1a"} {
		if _, _, decided := date10([]byte(in)); decided {
			t.Errorf("date10(%q) decided", in)
		}
	}
}

// FuzzCardBody checks cardBody, of a string and of bytes, against its
// loop over bytes, and luhn16 against luhnBytes.
func FuzzCardBody(f *testing.F) {
	for _, s := range []string{"4970101234567890", "4970 1012 3456 7890", "4970-1012-3456-7890", "4970 1012-3456 7890", "4970 10123 456 7890",
		"5555555555554444", "4111111111111112", "4111 1111 1111 1111", "378282246310005", "6011 0009 9013 9424 111", "497O101234567890"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantN, wantOK := cardBodyBytes(s)
		for _, got := range [2]bodyOf[[19]byte]{cardBodyOf(s), cardBodyOf([]byte(s))} {
			if got.ok != wantOK || got.ok && (got.n != wantN || string(got.buf[:got.n]) != string(want[:wantN])) {
				t.Fatalf("cardBody(%q) = %q, %v; a byte at a time %q, %v", s, got.buf[:got.n], got.ok, want[:wantN], wantOK)
			}
		}
		if len(s) >= 16 {
			d := []byte(s[:16])
			for i := range d {
				d[i] = '0' + d[i]%10
			}
			if got := luhn16(binary.LittleEndian.Uint64(d), binary.LittleEndian.Uint64(d[8:])); got != luhnBytes(d) {
				t.Fatalf("luhn16(%s) = %v", d, got)
			}
		}
	})
}
