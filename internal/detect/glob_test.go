package detect

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// globRef is globMatch's meaning as a regular expression over bytes of
// valid UTF-8: '*' any run, '?' one character.
func globRef(p pattern) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, x := range p {
		switch x.wild {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(x.lit))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// TestGlobMatchAgrees: globMatch, which jumps from one occurrence of the
// literal after a star to the next, means what the pattern says.
func TestGlobMatchAgrees(t *testing.T) {
	tests := []struct {
		name  string
		alpha []string // pieces of literals and of texts
	}{
		{"ASCII", []string{"a", "b", " -e", "jab", "ab"}},
		{"non-ASCII", []string{"é", "e", "€", "a", "°"}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 20000 {
				var p pattern
				for range 1 + rng.IntN(5) {
					switch rng.IntN(4) {
					case 0:
						if len(p) == 0 || p[len(p)-1].wild != '*' {
							p = append(p, part{wild: '*'})
						}
					case 1:
						p = append(p, part{wild: '?'})
					default:
						lit := tt.alpha[rng.IntN(len(tt.alpha))]
						if len(p) > 0 && p[len(p)-1].wild == 0 {
							p[len(p)-1].lit += lit
						} else {
							p = append(p, part{lit: lit})
						}
					}
				}
				var s strings.Builder
				for range rng.IntN(8) {
					s.WriteString(tt.alpha[rng.IntN(len(tt.alpha))])
				}
				if got, want := globMatch(p, s.String()), globRef(p).MatchString(s.String()); got != want {
					t.Fatalf("pattern %+v, text %q: globMatch %v, want %v", p, s.String(), got, want)
				}
			}
		})
	}
}
