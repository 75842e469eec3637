package extract

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// validUTF8Cases are text the fast path must judge as utf8.Valid does:
// characters past ASCII at every position of an 8-byte word, and the
// encodings UTF-8 forbids (overlong, surrogates, past U+10FFFF, cut).
var validUTF8Cases = []string{
	"", "a", "abcdefgh", "abcdefghi", "é", "aé", "abcdefgé", "abcdefghé",
	"Hélène Lefèvre, 12 rue de l'Église, 75001 Paris",
	"\u20ac\U0001F600 fin", "\uFFFD\uFFFD12345678", "12345678\uFFFD",
	"abcdefg\xc3", "abcdefgh\xc3", "abcdefg\xc3\xa9", "abc\xe9def ghijklmn", // Latin-1
	"abcdefgh\xc0\x80", "abcdefgh\xed\xa0\x80", "abcdefgh\xf4\x90\x80\x80", "abcdefgh\xf4\x8f\xbf\xbf",
	"abcdefgh\xe2\x82", "abcdefgh\xe2\x82\xac", "abcdefgh\xff", "abcdefgh\x80abcdefgh",
	"\xef\xbb\xbfabcdefgh", "abcdefghijklmnopqrstuvwxyz\xc3\xa9abcdefghijklmnopqrstu\xc3",
}

// TestValidUTF8: the fast path agrees with utf8.Valid on each case, and on
// each cut of each case at every length.
func TestValidUTF8(t *testing.T) {
	for _, c := range validUTF8Cases {
		for _, s := range []string{c, strings.Repeat(c, 3), "x" + c, "xxxxx" + c} {
			for n := 0; n <= len(s); n++ {
				if got, want := validUTF8([]byte(s[:n])), utf8.ValidString(s[:n]); got != want {
					t.Fatalf("validUTF8(%q) = %v, want %v", s[:n], got, want)
				}
			}
		}
	}
}

func FuzzValidUTF8(f *testing.F) {
	for _, c := range validUTF8Cases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validUTF8(b), utf8.Valid(b); got != want {
			t.Fatalf("validUTF8(%q) = %v, want %v", b, got, want)
		}
	})
}
