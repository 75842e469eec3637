package detect

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// scanBoth scans text with the pair test and with the plain DFA (the same
// automaton without its pair bitmap) and returns both hit lists, sorted.
func scanBoth(a *automaton, text string) (pairs, dense []int32, pairsNonASCII, denseNonASCII bool) {
	var hp, hd hits
	hp.reset(1 << 10)
	hd.reset(1 << 10)
	pairsNonASCII = a.scan(text, &hp)
	plain := *a
	plain.pairs = nil
	denseNonASCII = plain.scan(text, &hd)
	slices.Sort(hp.ids)
	slices.Sort(hd.ids)
	return hp.ids, hd.ids, pairsNonASCII, denseNonASCII
}

// asciiLower lowers ASCII letters only, as literals reach the automaton
// (non-ASCII ones are lowered before, and the scan folds ASCII case).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// TestPairScanAgrees: the pair test finds exactly the literals the DFA
// finds, and contains agrees with both.
func TestPairScanAgrees(t *testing.T) {
	cases := []struct {
		name     string
		alphabet string
		minLit   int
		maxLit   int
		nlits    int
	}{
		{"small alphabet, overlapping literals", "ab:", 2, 5, 12},
		{"case folded letters", "aAbBcC.", 3, 8, 20},
		{"separators and digits", `c:\.0129 `, 3, 8, 30},
		{"non-ASCII bytes", "a\xc3\xa9\xe2\x84\xaak", 2, 6, 10},
		{"one literal", "xyz", 3, 3, 1},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(alpha string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(alpha[rng.IntN(len(alpha))])
		}
		return b.String()
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for round := 0; round < 200; round++ {
				var lits []string
				var ids []int32
				for i := range tc.nlits {
					l := asciiLower(word(tc.alphabet, tc.minLit+rng.IntN(tc.maxLit-tc.minLit+1)))
					lits = append(lits, l)
					ids = append(ids, int32(i))
				}
				a := buildAutomaton(lits, ids)
				if a.pairs == nil {
					t.Fatalf("literals %q: no pair bitmap, the test checks nothing", lits)
				}
				for range 20 {
					text := word(tc.alphabet, rng.IntN(40))
					p, d, pn, dn := scanBoth(a, text)
					if !slices.Equal(p, d) || pn != dn {
						t.Fatalf("literals %q, text %q: pair scan %v (non-ASCII %v), DFA %v (%v)", lits, text, p, pn, d, dn)
					}
					if got := a.contains(text); got != (len(d) > 0) {
						t.Fatalf("literals %q, text %q: contains %v, DFA found %v", lits, text, got, d)
					}
				}
			}
		})
	}
}

// TestPairBitmapOnlyWhenItPays: literal sets with many first pairs, or a
// literal too short to have one, scan with the DFA alone.
func TestPairBitmapOnlyWhenItPays(t *testing.T) {
	var many []string
	var ids []int32
	for i := range maxPairs + 1 {
		many = append(many, string([]byte{'a' + byte(i%26), 'a' + byte(i/26), 'z'}))
		ids = append(ids, int32(i))
	}
	tests := []struct {
		name string
		lits []string
		want bool
	}{
		{"few pairs", []string{"mimikatz", "sekurlsa::", "kiwi"}, true},
		{"more pairs than maxPairs", many, false},
		{"a one-byte literal", []string{"abc", "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := buildAutomaton(tt.lits, ids[:len(tt.lits)])
			if got := a.pairs != nil; got != tt.want {
				t.Errorf("pair bitmap %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzPairScan: for any literals (one per line) and text, the pair test
// and the DFA agree.
func FuzzPairScan(f *testing.F) {
	f.Add("mimikatz\nkiwi\nsekurlsa::", "C:\\Tools\\MimiKatz.exe sekurlsa::logonpasswords")
	f.Add("aa\naaa\nab", "aaaabab")
	f.Add("\xe2\x84\xaa\nk\xc3\xa9", "\xe2\x84\xaa\xc3\xa9K")
	f.Fuzz(func(t *testing.T, lits, text string) {
		var ls []string
		var ids []int32
		for _, l := range strings.Split(lits, "\n") {
			if l != "" && len(ls) < 64 {
				ls = append(ls, asciiLower(l))
				ids = append(ids, int32(len(ids)))
			}
		}
		if len(ls) == 0 {
			return
		}
		a := buildAutomaton(ls, ids)
		p, d, pn, dn := scanBoth(a, text)
		if !slices.Equal(p, d) || pn != dn {
			t.Fatalf("literals %q, text %q: pair scan %v (non-ASCII %v), DFA %v (%v)", ls, text, p, pn, d, dn)
		}
		if got := a.contains(text); got != (len(d) > 0) {
			t.Fatalf("literals %q, text %q: contains %v, DFA found %v", ls, text, got, d)
		}
	})
}
