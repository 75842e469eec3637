package pii

import (
	"math/rand"
	"testing"
	"unicode/utf8"
)

func TestAppendFold(t *testing.T) {
	tests := []struct {
		name, pre, src, want string
	}{
		{"ascii", "", "DUPONT", "dupont"},
		{"accents and spaces", "", "  Élodie \t DUPONT  ", "elodie dupont"},
		{"ligature", "", "Œuvre cœur", "oeuvre coeur"},
		{"latin-1 letters", "", "Straße Ñoño", "strase nono"},
		{"lower case folded on", "", "STRAẞE Ångström", "strase angstrom"}, // ẞ → ß → s, Å (sign) → å → a
		{"latin extended letters", "", "Čapek ŁUKASZ Şahin Ștefan", "capek lukasz sahin stefan"},
		{"vietnamese", "", "NGUYỄN Thị Thảo, Trương Đặng", "nguyen thi thao, truong dang"},
		{"combining accents", "", "Ele\u0301onore Zoe\u0308", "eleonore zoe"},
		{"other letters lower-cased", "", "Ωmega Ĳssel", "ωmega ĳssel"},
		{"kept when lower case is longer", "", "Ⱥb", "Ⱥb"},
		{"invalid UTF-8 kept", "", "a\xffB\xc3", "a\xffb\xc3"},
		{"NUL kept", "", "a\x00B \x00", "a\x00b \x00"},
		{"after a prefix", "x|", "Jean  Émile", "x|jean emile"},
		{"empty after a space", "x ", "", "x "},
		{"spaces only", "x", "   ", "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendFold([]byte(tc.pre), []byte(tc.src))); got != tc.want {
				t.Fatalf("appendFold(%q, %q) = %q, want %q", tc.pre, tc.src, got, tc.want)
			}
		})
	}
}

func TestAppendNormText(t *testing.T) {
	tests := []struct {
		name, pre, src, want string
	}{
		{"name", "", "DUPONT, Jean", "dupont jean"},
		{"address with quotes", "", ` "12, Rue de l'Église" ; 75001 `, "12 rue de l'eglise 75001"},
		{"separators only", "x", ",; \t\"", "x"},
		{"after a prefix", "x|", "Œuvre;;Cœur", "x|oeuvre coeur"},
		{"runes and NUL kept", "", "Čapek\x00,Ω", "capek\x00 ω"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendNormText([]byte(tc.pre), []byte(tc.src))); got != tc.want {
				t.Fatalf("appendNormText(%q, %q) = %q, want %q", tc.pre, tc.src, got, tc.want)
			}
		})
	}
}

// FuzzAppendFold: folding never lengthens the text (foldInto stores in
// place), and folding valid UTF-8 (what the readers hand over) twice gives
// what folding it once gave. Dropping an accent between two stray bytes
// of invalid input may join them into a rune.
func FuzzAppendFold(f *testing.F) {
	for _, seed := range []string{"  Élodie \t DUPONT  ", "NGUYỄN Thị Thảo", "Ele\u0301onore", "Ⱥb Ĳssel Œuvre", "a\xffB\xc3"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		once := appendFold(nil, in)
		if len(once) > len(in) {
			t.Fatalf("appendFold(%q) = %q, longer than its input", in, once)
		}
		if twice := appendFold(nil, once); utf8.Valid(in) && string(twice) != string(once) {
			t.Fatalf("appendFold(%q) = %q, folded again %q", in, once, twice)
		}
	})
}

// TestNameWordEnd: the end of a word, found eight ASCII letters at a
// time, is where a loop over its letters one by one stops, on random
// words made of letters, the bytes beside their ranges, hyphens,
// apostrophes and bytes past ASCII.
func TestNameWordEnd(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	const alphabet = "azAZ09@[`{/: -'\x80\xc3\xa9mQ5\xc1\xda\xe1\xfa\xc3\x89"
	b := make([]byte, 60)
	for range 200000 {
		n := r.Intn(len(b) + 1)
		for i := range n {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		i := r.Intn(n + 1)
		want, lim := i, min(i+40, n)
		for want < lim {
			if ok, size := letterAt(b[:n], want); ok {
				want += size
			} else if want > i && want+1 < n && (b[want] == '-' || b[want] == '\'' && want-i == 1) && isLetterAt(b[:n], want+1) {
				want++
			} else {
				break
			}
		}
		if got := nameWordEnd(b[:n], i); got != want {
			t.Fatalf("nameWordEnd(%q, %d) = %d, want %d", b[:n], i, got, want)
		}
	}
}

func isLetterAt(b []byte, i int) bool { ok, _ := letterAt(b, i); return ok }
