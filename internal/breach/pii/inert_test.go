package pii

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

// TestInert: the cells skipped as inert are the ones Text finds nothing
// in, and every value that holds personal data is scanned.
func TestInert(t *testing.T) {
	s := New()
	tests := []struct {
		in    string
		inert bool
	}{
		{"", true},
		{"1234,56", true},
		{"20,0", true},
		{"12/03/2024", true},
		{"3", true},
		{"1 234 567,89", true},
		{"14:22:01", true},
		{"0612345678", false},     // phone
		{"06 12 34 56 78", false}, // phone with spaces
		{"06.12.34.56.78", false}, // phone with dots
		{"0033 (0)1 23 45 67 89", false},
		{"+33 6 12 34 56 78", false},
		{"1 85 05 78 006 084 36", false}, // NIR
		{"4970 1012 3456 7890", false},   // card
		{"192.168.10.20", false},         // IPv4
		{"2001:0:0:1::5", false},         // IPv6 with "::"
		{"2001:0:0:1:0:0:0:5", false},    // IPv6 in full
		{"jean@exemple.fr", false},
		{"né le 12/03/1980", false},
		{"Dupont", false},
		{"payée", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := s.Inert([]byte(tc.in)); got != tc.inert {
				t.Fatalf("inert = %v, want %v", got, tc.inert)
			}
			if tc.inert {
				if fs := s.Text([]byte(tc.in), &Findings{}); len(fs) > 0 {
					t.Fatalf("inert, but Text finds %d values", len(fs))
				}
			}
		})
	}
}

// inertBytes is inert's byte loop alone, which its words must agree with.
func inertBytes(s *Scanner, v []byte) bool {
	run, dots, colons := 0, 0, 0
	prev := byte(0)
	for _, c := range v {
		switch s.cellClass[c] {
		case cellDigit:
			if run++; run >= 10 {
				return false
			}
		case cellJoin:
			if c == '.' {
				dots++
			}
		case cellColon:
			if colons++; prev == ':' {
				return false
			}
			run = 0
		case cellLive:
			return false
		default:
			run = 0
		}
		prev = c
	}
	return dots < 3 && colons < 7
}

// TestInertWords: values of up to 20 bytes drawn from the bytes that
// decide, answered from their words as by the byte loop.
func TestInertWords(t *testing.T) {
	s := New()
	alphabet := []byte("0123456789012345678901234567890123456789.,:- /()aZ@+\x00\xc3\xa9")
	rng := rand.New(rand.NewSource(6))
	for range 200000 {
		v := make([]byte, rng.Intn(21))
		for i := range v {
			v[i] = alphabet[rng.Intn(len(alphabet))]
		}
		if got, want := s.Inert(v), inertBytes(s, v); got != want {
			t.Fatalf("inert(%q) = %v, the byte loop says %v", v, got, want)
		}
	}
}

// FuzzInert: whatever the input, an inert value yields no finding.
func FuzzInert(f *testing.F) {
	for _, seed := range []string{"1234,56", "06 12 34 56 78", "2001:0:0:1::5", "192.168.1.1", "0033 (0)1 23 45 67 89", "12/03/2024 14:22:01"} {
		f.Add([]byte(seed))
	}
	s := New()
	f.Fuzz(func(t *testing.T, in []byte) {
		if got, want := s.Inert(in), inertBytes(s, in); got != want {
			t.Fatalf("inert(%q) = %v, the byte loop says %v", in, got, want)
		}
		if s.Inert(in) {
			if fs := s.Text(in, &Findings{}); len(fs) > 0 {
				t.Fatalf("inert, but Text finds a %s value at [%d,%d)", fs[0].Category, fs[0].Start, fs[0].End)
			}
		}
	})
}

// mayTriggerWant is the set mayTrigger8 marks: ASCII from '0' to 'Z',
// '+', '$' and every byte past ASCII.
func mayTriggerWant(c byte) bool { return c >= '0' && c <= 'Z' || c == '+' || c == '$' || c >= 0x80 }

// TestMayTrigger8: the 8-byte search marks exactly its set, at every
// position, and that set holds every byte that starts a value.
func TestMayTrigger8(t *testing.T) {
	s := New()
	for c := 0; c < 256; c++ {
		if s.trig[c] != trigNone && !mayTriggerWant(byte(c)) {
			t.Fatalf("byte %#x starts a value but is not searched for", c)
		}
		for pos := 0; pos < 8; pos++ {
			v := uint64(0x6565656565656565) // "eeeeeeee"
			v = v&^(0xFF<<(8*pos)) | uint64(c)<<(8*pos)
			var want uint64
			if mayTriggerWant(byte(c)) {
				want = 0x80 << (8 * pos)
			}
			if got := mayTrigger8(v); got != want {
				t.Fatalf("byte %#x at %d: mayTrigger8 = %#x, want %#x", c, pos, got, want)
			}
		}
	}
}

// TestMayTrigger8Mixed: in chunks mixing bytes of and around the set
// (neighbours whose carries or borrows could spill into the next byte),
// every byte of the set is marked and the lowest mark is the first of
// them: a byte past it may be marked too.
func TestMayTrigger8Mixed(t *testing.T) {
	alphabet := []byte{' ', '!', 'a', 'z', '[', 0x7F, 'Z', 'A', '0', '9', '@', '+', '*', ',', '$', '#', '/', 0xC3, 0x80, 0xFF, 0x00, 0x2F, ';', 0x5B, 0x01, 0xAB, '%', '?', ':', '=', 'e', '.'}
	for n := 0; n < 1<<18; n++ {
		x := uint64(n) * 0x9E3779B97F4A7C15
		x ^= x >> 29
		var v, want uint64
		for k := 0; k < 8; k++ {
			c := alphabet[(x>>(5*k))%uint64(len(alphabet))]
			v |= uint64(c) << (8 * k)
			if mayTriggerWant(c) {
				want |= 0x80 << (8 * k)
			}
		}
		got := mayTrigger8(v)
		if got&want != want || got&-got != want&-want {
			t.Fatalf("chunk %#016x: mayTrigger8 = %#x, want %#x and its lowest mark", v, got, want)
		}
	}
}

// TestLexicon: every word of every set is found whatever its case and
// accents, with exactly its sets; other words are not, and the Bloom
// filter turns most of them away before the table.
func TestLexicon(t *testing.T) {
	s := New()
	tests := []struct {
		word string
		want uint8
	}{
		{"Jean", lexGiven}, {"JEAN", lexGiven}, {"jean", lexGiven}, {"Hélène", lexGiven}, {"HÉLÈNE", lexGiven}, {"Helene", lexGiven},
		{"rue", lexStreet | lexNotSurname | lexEponym}, {"Rond-Point", lexStreet | lexEponym}, {"Bd", lexStreet | lexEponym},
		{"Mail", lexStreet | lexNotSurname}, {"Collège", lexEponym}, {"ÉCOLE", lexEponym}, {"culturel", lexEponym},
		{"Mme", lexCivility}, {"M", lexCivility}, {"Madame", lexCivility},
		{"de", lexParticle}, {"Von", lexParticle},
		{"Travail", lexNotSurname}, {"Mars", lexNotSurname}, {"Décembre", lexNotSurname},
		{"Mozilla", 0}, {"Windows", 0}, {"Dupont", 0}, {"", 0}, {"Jea", 0}, {"Jeanne-", 0}, {"x\x00y", 0},
		{strings.Repeat("a", lexWordMax+1), 0},
	}
	for _, tc := range tests {
		if got := s.lex.sets([]byte(tc.word)); got != tc.want {
			t.Errorf("sets(%q) = %06b, want %06b", tc.word, got, tc.want)
		}
	}
	for _, e := range s.lex.slots {
		if e.word == "" {
			continue
		}
		for _, form := range []string{e.word, asciiUpper(e.word), asciiUpper(e.word[:1]) + e.word[1:]} {
			if got := s.lex.sets([]byte(form)); got != e.sets {
				t.Fatalf("sets(%q) = %06b, want %06b", form, got, e.sets)
			}
		}
	}
	given := func(w string) bool { return s.isGiven([]byte(w), 0, len(w)) }
	if !given("Marie-Ange") || !given("JEAN-PIERRE") || given("Jean-") || given("Jean--Pierre") || given("-Jean") {
		t.Error("hyphenated given names")
	}
	// Capitalised words of a web server's log: the filter stops most.
	passed := 0
	words := strings.Fields("Mozilla Windows Win64 AppleWebKit KHTML Gecko Chrome Safari Macintosh Intel Mac OS Version Mobile Linux Android Firefox GET POST HTTP Uptime Kuma Facture Connexion Objet Commande Livraison Article Paris Lyon Bordeaux Toulouse")
	for _, w := range words {
		f := appendFold(nil, []byte(w))
		if h := lexHash(f); s.lex.bloom[h>>54]&(1<<(h>>48&63)) != 0 && s.lex.sets([]byte(w)) == 0 {
			passed++
		}
	}
	if passed > len(words)/4 {
		t.Errorf("the filter let %d of %d words that are in no set through", passed, len(words))
	}
}

// TestLexiconSetsIn: a word looked up where it lies in a text, eight
// bytes at a time, has the sets of the same word looked up alone, for
// every entry in every case, after a text of any length and before any.
func TestLexiconSetsIn(t *testing.T) {
	s := New()
	words := []string{"Jean", "MME", "d'Arc", "l'", "Rond-Point", "Hélène", "Mozilla", "x\x00y", "Zoé", "ab-cd-ef", "Le-", "Jean-Pierre", "Marie-Ange", "MARTINEZ"}
	for _, e := range s.lex.slots {
		if e.word != "" {
			words = append(words, e.word, asciiUpper(e.word))
		}
	}
	for _, w := range words {
		for _, before := range []string{"", "A", "Madame ", "0123456789 "} {
			for _, after := range []string{"", " Dupont", "é"} {
				b := []byte(before + w + after)
				i, j := len(before), len(before)+len(w)
				if got, want := s.lex.setsIn(b, i, j), s.lex.sets(b[i:j]); got != want {
					t.Fatalf("setsIn(%q, %d, %d) = %06b, sets(%q) = %06b", b, i, j, got, w, want)
				}
			}
		}
	}
}

// FuzzLexiconSetsIn: setsIn and sets agree on any word of any text.
func FuzzLexiconSetsIn(f *testing.F) {
	f.Add([]byte("Bonjour Madame Dupont"), 8, 14)
	f.Add([]byte("12345678Jean-Luc"), 8, 16)
	f.Add([]byte("xxxxxxxd'Arc"), 7, 12)
	s := New()
	f.Fuzz(func(t *testing.T, b []byte, i, j int) {
		if i < 0 || j < i || j > len(b) {
			return
		}
		if got, want := s.lex.setsIn(b, i, j), s.lex.sets(b[i:j]); got != want {
			t.Fatalf("setsIn(%q, %d, %d) = %06b, sets = %06b", b, i, j, got, want)
		}
	})
}

// TestIPv6Shape: the colon count that turns times away keeps every form
// of address.
func TestIPv6Shape(t *testing.T) {
	s := New()
	tests := []struct {
		in   string
		want bool
	}{
		{"client 2001:db8:85a3:0:0:8a2e:370:7334 connecté", true},
		{"client 2001:db8::8a2e:370:7334 connecté", true},
		{"client fe80::1 connecté", true},
		{"client 2001:db8:1:2:3:4:192.0.2.33 connecté", true},
		{"client ::ffff:192.0.2.128 connecté", true},
		{"à 14:22:01 le serveur", false},
		{"à 2024-03-12 14:22:01.123 le serveur", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got := false
			for _, f := range s.Text([]byte(tc.in), &Findings{}) {
				got = got || f.Category == IP
			}
			if got != tc.want {
				t.Fatalf("IP found = %v, want %v", got, tc.want)
			}
		})
	}
}

// hasContextSlow is the plain search hasContext replaces.
func hasContextSlow(window []byte, kws *keywords) bool {
	for _, k := range kws.list {
		for j := 0; j+len(k.text) <= len(window); j++ {
			end := j + len(k.text)
			if string(window[j:end]) == string(k.text) && (!k.word || (j == 0 || !isAlpha(window[j-1])) && (len(k.text) > 3 || end == len(window) || !isAlpha(window[end]))) {
				return true
			}
		}
	}
	return false
}

// TestHasContext: the bitmap search answers as the plain one.
func TestHasContext(t *testing.T) {
	s := New()
	lists := map[string]*keywords{"birth": &s.ctx.birth, "franceTravail": &s.ctx.franceTravail, "idDocument": &s.ctx.idDocument, "address": &s.ctx.address}
	windows := []string{"", "n", "ne le", "date de naissance", "xdob", "dob:", "cp 75001", "acp", "identifiant ft", "numero de passeport",
		"titre de sejour", "demandeur d’emploi", "nee le 3", "(e) le", "ne(e) le", "code_postal", "adresse:", "habitant", "zip", "anniversaire"}
	for name, kws := range lists {
		for _, k := range kws.list {
			if len(k.text) < 2 {
				t.Fatalf("%s: context word %q shorter than two bytes", name, k.text)
			}
			windows = append(windows, string(k.text), "x"+string(k.text), string(k.text)+"x", "le "+string(k.text)+" ")
		}
	}
	for name, kws := range lists {
		for _, w := range windows {
			if got, want := hasContext([]byte(w), kws), hasContextSlow([]byte(w), kws); got != want {
				t.Errorf("%s in %q: %v, want %v", name, w, got, want)
			}
		}
	}
}

// TestLongRun: where longRun turns a number away, neither the NIR nor
// the card reader would have taken it (nor skipped it as NIR-shaped).
func TestLongRun(t *testing.T) {
	s := New()
	r := rand.New(rand.NewSource(1))
	const alphabet = "0123456789012345678901234567890123456789AB .-x"
	for _, seed := range []string{"2 84 05 2A 321 025 52", "4970 1012 3456 7899", "1840575123456 71", "4970-1012-3456-7899"} {
		b := []byte(seed)
		if !longRun(b, 0) {
			t.Fatalf("%q turned away", seed)
		}
	}
	// Card numbers the reader takes, written with separators.
	for k := 0; k < 2000; k++ {
		d := []byte{'4'}
		for len(d) < 15 {
			d = append(d, byte('0'+r.Intn(10)))
		}
		for c := byte('0'); c <= '9'; c++ {
			if luhnBytes(append(d, c)) {
				d = append(d, c)
				break
			}
		}
		var b []byte
		for i, c := range d {
			if i > 0 && r.Intn(4) == 0 {
				b = append(b, " -"[r.Intn(2)])
			}
			b = append(b, c)
		}
		st := scan{s: s, b: b, fs: &Findings{}}
		if _, ok := st.card(0); ok && !longRun(b, 0) {
			t.Fatalf("%q: a card turned away", b)
		}
	}
	checked := 0
	for k := 0; k < 200000; k++ {
		b := make([]byte, 5+r.Intn(25))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		b[0] = '1' + byte(r.Intn(9))
		if longRun(b, 0) {
			continue
		}
		checked++
		st := scan{s: s, b: b, fs: &Findings{}}
		if end, ok := st.nir(0); ok || end > 0 {
			t.Fatalf("%q: turned away, but the NIR reader takes it", b)
		}
		if _, ok := st.card(0); ok {
			t.Fatalf("%q: turned away, but the card reader takes it", b)
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d checked", checked)
	}
}

// TestIsGroupEnd: a separator may follow the sex, year, month,
// département, commune and order of a NIR, and nothing else.
func TestIsGroupEnd(t *testing.T) {
	for n := -1; n < 70; n++ {
		want := n == 1 || n == 3 || n == 5 || n == 7 || n == 10 || n == 13
		if got := isGroupEnd(n); got != want {
			t.Errorf("isGroupEnd(%d) = %v", n, got)
		}
	}
}

// TestTrimMax: every byte TrimCell trims is at most TrimMax, which
// callers test a value's ends against before calling it.
func TestTrimMax(t *testing.T) {
	for c := 0; c < 256; c++ {
		if isSpace(byte(c)) && c > TrimMax {
			t.Errorf("%#x is trimmed, past TrimMax", c)
		}
	}
	for _, v := range []string{" Dupont", "Dupont\t", "\"Dupont\"", "'a'", "a"} {
		s, e := TrimCell([]byte(v))
		if got := v[s:e]; got != strings.Trim(v, " \t\"'") {
			t.Errorf("TrimCell(%q) = %q", v, got)
		}
	}
}

// triggerSet tells the bytes the trigger masks mark: mayTrigger8's set.
func triggerSet(c byte) bool {
	return '0' <= c && c <= 'Z' || c == '+' || c == '$' || c >= 0x80
}

// TestTriggerMasks: Findings.triggers marks exactly the bytes of
// triggerSet (triggerBlocksGo may mark a byte more above a '+' or a '$'),
// none past the text, and every byte the scanner's table starts a value
// with is one of them.
func TestTriggerMasks(t *testing.T) {
	s := New()
	for c := 0; c < 256; c++ {
		if s.trig[c] != trigNone && !triggerSet(byte(c)) {
			t.Fatalf("byte %#x starts a value but is not in the masks' set", c)
		}
	}
	r := rand.New(rand.NewSource(4))
	var fs Findings
	for iter := 0; iter < 20000; iter++ {
		b := make([]byte, r.Intn(300))
		for i := range b {
			if r.Intn(3) == 0 {
				b[i] = byte(r.Intn(256))
			} else {
				b[i] = "aZ09+$*,/:@[`\xc3\xa9 "[r.Intn(16)]
			}
		}
		masks := fs.triggers(b)
		if len(masks) != (len(b)+63)/64 {
			t.Fatalf("%d masks for %d bytes", len(masks), len(b))
		}
		for i := 0; i < 64*len(masks); i++ {
			got := masks[i>>6]>>(i&63)&1 == 1
			if want := i < len(b) && triggerSet(b[i]); got != want {
				t.Fatalf("triggers(%q): byte %d marked %v", b, i, got)
			}
		}
		// The portable version: the same set, and perhaps bytes more
		// above a '+' or a '$' of their word (mayTrigger8's borrow).
		if full := len(b) / 64; full > 0 {
			out := make([]uint64, full)
			triggerBlocksGo(b, out)
			for i := 0; i < 64*full; i++ {
				got, want := out[i>>6]>>(i&63)&1 == 1, triggerSet(b[i])
				word := b[i&^7 : i]
				if want && !got || got && !want && !bytes.ContainsAny(word, "+$") {
					t.Fatalf("triggerBlocksGo(%q): byte %d marked %v", b, i, got)
				}
			}
		}
	}
}

// asciiUpper upper-cases the ASCII letters of w alone.
func asciiUpper(w string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 0x20
		}
		return r
	}, w)
}
