package pii

import "testing"

func TestAppendFold(t *testing.T) {
	tests := []struct {
		name, pre, src, want string
	}{
		{"ascii", "", "DUPONT", "dupont"},
		{"accents and spaces", "", "  Élodie \t DUPONT  ", "elodie dupont"},
		{"ligature", "", "Œuvre cœur", "oeuvre coeur"},
		{"latin-1 letters", "", "Straße Ñoño", "strase nono"},
		{"other runes kept", "", "Ωmega Čapek", "Ωmega Čapek"},
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
		{"runes and NUL kept", "", "Čapek\x00,Ω", "Čapek\x00 Ω"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendNormText([]byte(tc.pre), []byte(tc.src))); got != tc.want {
				t.Fatalf("appendNormText(%q, %q) = %q, want %q", tc.pre, tc.src, got, tc.want)
			}
		})
	}
}
