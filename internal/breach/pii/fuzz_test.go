package pii

import (
	"fmt"
	"testing"
	"unicode/utf8"
)

// checkFindings holds for any input: spans inside the input, in order and
// not overlapping, a known category, a non-empty norm, a mask.
func checkFindings(t *testing.T, in []byte, fs []Finding) {
	t.Helper()
	known := map[Category]bool{}
	for _, c := range Categories() {
		known[c] = true
	}
	prev := 0
	for _, f := range fs {
		if f.Start < prev || f.Start >= f.End || f.End > len(in) {
			t.Fatalf("finding %s span [%d,%d) out of order or outside input of %d bytes", f.Category, f.Start, f.End, len(in))
		}
		prev = f.End
		if !known[f.Category] || len(f.Norm) == 0 || f.Confidence <= 0 || f.Confidence > 1 {
			t.Fatalf("finding %s: bad category, norm or confidence %v", f.Category, f.Confidence)
		}
		if m := Mask(f.Category, string(f.Norm)); m == "" || !utf8.ValidString(m) && utf8.Valid(f.Norm) {
			t.Fatalf("finding %s: bad mask", f.Category)
		}
	}
}

func FuzzText(f *testing.F) {
	f.Add([]byte("Jean Dupont, né le 12/03/1985, NIR 2 84 05 2A 321 025 52, tél +33 (0)6 12 34 56 78"))
	f.Add([]byte("Nom : M. Jean Dupont ; PRENOM: Sophie nom=lefebvre mot de passe : S3cret! contact@ville.fr SIRET 36398259791909 rue du Général Ben Ali. Nom : Jean Dupont"))
	f.Add([]byte("2024-10-17T01:26:35Z portail level=info src_ip=59.89.185.165 birth_date=1963-12-16 12:30:00.5+01:00 tel=05-18-20-49-72"))
	s := New()
	f.Fuzz(func(t *testing.T, in []byte) {
		checkFindings(t, in, s.Text(in, &Findings{}))
	})
}

func FuzzCell(f *testing.F) {
	f.Add("date_naissance", []byte("1985-03-12"))
	f.Add("nom", []byte("Rose"))
	s := New()
	f.Fuzz(func(t *testing.T, header string, in []byte) {
		col := s.ClassifyColumn(header, [][]byte{in, in})
		checkFindings(t, in, s.Cell(col, in, &Findings{}))
		for _, c := range Categories() {
			checkFindings(t, in, s.Cell(Column{c, 0.9}, in, &Findings{}))
		}
	})
}

func FuzzValidNIR(f *testing.F) {
	f.Add("2 84 05 2A 321 025 52")
	f.Fuzz(func(t *testing.T, in string) {
		norm, ok, kind := ValidNIR(in)
		if !ok {
			return
		}
		n2, ok2, k2 := ValidNIR(norm)
		if !ok2 || n2 != norm || k2 != kind {
			t.Fatalf("ValidNIR not idempotent: kind %v then %v", kind, k2)
		}
	})
}

func FuzzValidIBAN(f *testing.F) {
	f.Add("FR76 3000 6000 0112 3456 7890 189")
	f.Fuzz(func(t *testing.T, in string) {
		norm, ok := ValidIBAN(in)
		if !ok {
			return
		}
		if n2, ok2 := ValidIBAN(norm); !ok2 || n2 != norm {
			t.Fatalf("ValidIBAN not idempotent")
		}
	})
}

func FuzzParsePhoneFR(f *testing.F) {
	f.Add("+33 (0)6 12 34 56 78")
	f.Add("0612345678")
	f.Add("0812345678")
	f.Add("0012345678")
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := phoneOf(parsePhoneFR([]byte(in))), phoneOf(parsePhoneSlow([]byte(in))); got != want {
			t.Fatalf("parsePhoneFR(%q) = %s, parsePhone reads %s", in, got, want)
		}
		e, kind, ok := ParsePhoneFR(in)
		if !ok {
			return
		}
		if len(e) != 12 || e[:3] != "+33" || kind == NotPhone {
			t.Fatalf("ParsePhoneFR: malformed E.164 of length %d", len(e))
		}
	})
}

// parsePhoneSlow is parsePhoneFR without its path for ten digits.
func parsePhoneSlow(s []byte) (e164 [12]byte, kind PhoneKind, ok bool) {
	n, kind, end := parsePhone(s, 0)
	if end != len(s) || kind == NotPhone {
		return n, NotPhone, false
	}
	return n, kind, true
}

func phoneOf(e164 [12]byte, kind PhoneKind, ok bool) string {
	return fmt.Sprintf("%q %d %v", e164[:], kind, ok)
}

// TestParsePhoneTenDigits: the path for ten digits reads as parsePhone
// does, whatever byte stands at whatever place.
func TestParsePhoneTenDigits(t *testing.T) {
	for _, base := range []string{"0612345678", "0123456789", "0912345678", "0812345678"} {
		for pos := range 10 {
			for c := range 256 {
				v := []byte(base)
				v[pos] = byte(c)
				if got, want := phoneOf(parsePhoneFR(v)), phoneOf(parsePhoneSlow(v)); got != want {
					t.Fatalf("parsePhoneFR(%q) = %s, parsePhone reads %s", v, got, want)
				}
			}
		}
	}
}
