package detect

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A pattern is a Sigma string value after escape processing: literal text
// and wildcards. Modifiers transform patterns before they become matchers.
type pattern []part

type part struct {
	lit  string
	wild byte // 0 for a literal part, '*' or '?'
}

// parsePattern applies Sigma's escaping: `\*` and `\?` are literal, `\\` is
// one backslash, and any other backslash is literal. With wildcards false
// (re, cidr, fieldref and numbers) the text is taken as it is.
func parsePattern(s string, wildcards bool) pattern {
	if !wildcards {
		return pattern{{lit: s}}
	}
	var p pattern
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			p = append(p, part{lit: b.String()})
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				b.WriteByte(s[i+1])
				i++
			} else {
				b.WriteByte('\\')
			}
		case '*', '?':
			flush()
			if c == '*' && len(p) > 0 && p[len(p)-1].wild == '*' {
				continue // ** is *
			}
			p = append(p, part{wild: c})
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return p
}

func (p pattern) hasWildcard() bool {
	for _, x := range p {
		if x.wild != 0 {
			return true
		}
	}
	return false
}

// literal joins a wildcard-free pattern.
func (p pattern) literal() string {
	var b strings.Builder
	for _, x := range p {
		b.WriteString(x.lit)
	}
	return b.String()
}

// mapLiterals transforms each literal part, keeping wildcards in place.
func (p pattern) mapLiterals(f func(string) string) pattern {
	out := make(pattern, len(p))
	for i, x := range p {
		if x.wild == 0 {
			x.lit = f(x.lit)
		}
		out[i] = x
	}
	return out
}

func (p pattern) withStar(front, back bool) pattern {
	out := make(pattern, 0, len(p)+2)
	if front && (len(p) == 0 || p[0].wild != '*') {
		out = append(out, part{wild: '*'})
	}
	out = append(out, p...)
	if back && (len(out) == 0 || out[len(out)-1].wild != '*') {
		out = append(out, part{wild: '*'})
	}
	return out
}

// maxWindashVariants bounds windash expansion: every dash multiplies the
// variants by five, so a hostile rule could otherwise explode.
const maxWindashVariants = 625

// windashChars are the characters a Windows command line accepts for a flag.
var windashChars = [...]string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash expands every '-' or '/' that starts a flag (pySigma: `\B[-/]\b`,
// a dash after a non-word character and before a word character) into the
// five flag characters, one variant per combination.
func windash(p pattern) ([]pattern, error) {
	type spot struct{ part, off int }
	var spots []spot
	// Word-ness of the characters around a dash may lie in a
	// neighbouring part; a wildcard counts as a non-word character.
	flat := []byte{}
	owner := []spot{}
	for i, x := range p {
		if x.wild != 0 {
			flat = append(flat, ' ')
			owner = append(owner, spot{-1, -1})
			continue
		}
		for j := 0; j < len(x.lit); j++ {
			flat = append(flat, x.lit[j])
			owner = append(owner, spot{i, j})
		}
	}
	for k, c := range flat {
		if c != '-' && c != '/' || owner[k].part < 0 {
			continue
		}
		before := k > 0 && isWord(flat[k-1])
		after := k+1 < len(flat) && isWord(flat[k+1])
		if !before && after {
			spots = append(spots, owner[k])
		}
	}
	n := 1
	for range spots {
		n *= len(windashChars)
		if n > maxWindashVariants {
			return nil, fmt.Errorf("windash: %d flag dashes give more than %d variants", len(spots), maxWindashVariants)
		}
	}
	out := make([]pattern, 0, n)
	for v := 0; v < n; v++ {
		q := make(pattern, len(p))
		copy(q, p)
		// Replace from the last spot so earlier offsets stay valid.
		code := v
		choice := make([]int, len(spots))
		for s := range spots {
			choice[s] = code % len(windashChars)
			code /= len(windashChars)
		}
		for s := len(spots) - 1; s >= 0; s-- {
			sp := spots[s]
			l := q[sp.part].lit
			q[sp.part].lit = l[:sp.off] + windashChars[choice[s]] + l[sp.off+1:]
		}
		out = append(out, q)
	}
	return out, nil
}

func isWord(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf
}

// Encodings of the specification's encoding modifiers, applied to literal text.

func utf16LE(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return string(b)
}

func utf16BE(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return string(b)
}

func utf16BOM(s string) string { return "\xff\xfe" + utf16LE(s) }

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// base64Offset returns the three encodings of s at byte offsets 0, 1 and 2
// of a larger Base64 text, trimmed to the characters that do not depend on
// the neighbouring bytes (pySigma's SigmaBase64OffsetModifier).
func base64Offset(s string) []string {
	start := [3]int{0, 2, 3}
	end := [3]int{0, -3, -2}
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := b64(strings.Repeat(" ", i) + s)
		e := end[(len(s)+i)%3]
		hi := len(enc)
		if e < 0 {
			hi += e
		}
		lo := start[i]
		if lo > hi {
			lo = hi
		}
		out = append(out, enc[lo:hi])
	}
	return out
}
