package pii

import (
	"slices"
	"unicode/utf8"
)

// foldLatin1 maps the second byte of a two-byte UTF-8 sequence led by 0xC3
// (U+00C0–U+00FF) to its lower-case ASCII base letter, 0 when there is none.
const foldC3 = "aaaaaaeceeeeiiii" + "dnooooo\x00ouuuuyts" + "aaaaaaeceeeeiiii" + "dnooooo\x00ouuuuyty"

// foldASCII maps a byte to its lower case, and white space and non-ASCII
// bytes (and NUL) to 0: those leave appendFold's fast path.
var foldASCII = foldTable(" \t\n\r")

// foldNormASCII is foldASCII with the punctuation appendNormText drops
// between words.
var foldNormASCII = foldTable(" \t\n\r,;\"")

// foldTable maps ASCII bytes to their lower case, and the separators,
// NUL and non-ASCII bytes to 0.
func foldTable(seps string) *[256]byte {
	var t [256]byte
	for c := 1; c < 0x80; c++ {
		t[c] = byte(c)
		if isUpper(byte(c)) {
			t[c] += 0x20
		}
	}
	for i := 0; i < len(seps); i++ {
		t[seps[i]] = 0
	}
	return &t
}

// appendFold appends src lower-cased with French accents folded (é → e,
// œ → oe) and runs of white space collapsed into one space (none at
// either end). Other non-ASCII runes are kept.
func appendFold(dst, src []byte) []byte { return foldInto(dst, src, foldASCII) }

// foldInto appends src folded as appendFold says, the separators being
// the ASCII bytes but NUL that table maps to 0. The folded text is never
// longer than src: dst grows once and the bytes are stored in place, not
// appended one by one.
func foldInto(dst, src []byte, table *[256]byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(src))
	out := dst[n : n+len(src)]
	// Most words are plain ASCII: fold them byte by byte until the first
	// separator or non-ASCII byte.
	i := 0
	for ; i < len(src); i++ {
		f := table[src[i]]
		if f == 0 {
			break
		}
		out[i] = f
	}
	k := i
	space := i == 0 // drop leading separators
	for ; i < len(src); i++ {
		c := src[i]
		if f := table[c]; f != 0 {
			out[k] = f
			k++
			space = false
			continue
		}
		switch {
		case c == 0: // NUL, the one ASCII byte kept that table maps to 0
			out[k] = 0
			k++
		case c < 0x80: // a separator
			if !space {
				out[k] = ' '
				k++
				space = true
			}
			continue
		case c == 0xC3 && i+1 < len(src) && src[i+1] >= 0x80 && src[i+1] <= 0xBF && foldC3[src[i+1]-0x80] != 0:
			out[k] = foldC3[src[i+1]-0x80]
			k++
			i++
		case c == 0xC5 && i+1 < len(src) && (src[i+1] == 0x92 || src[i+1] == 0x93):
			out[k], out[k+1] = 'o', 'e'
			k += 2
			i++
		default:
			_, size := utf8.DecodeRune(src[i:])
			k += copy(out[k:], src[i:i+size])
			i += size - 1
		}
		space = false
	}
	if k > 0 && out[k-1] == ' ' && space {
		k--
	}
	return dst[:n+k]
}

// isUpperAt reports whether b[i:] starts with an upper-case letter (ASCII
// or Latin-1 À–Þ), and its byte length.
func isUpperAt(b []byte, i int) (bool, int) {
	if i >= len(b) {
		return false, 0
	}
	c := b[i]
	if isUpper(c) {
		return true, 1
	}
	if c == 0xC3 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9E && b[i+1] != 0x97 {
		return true, 2
	}
	if c == 0xC5 && i+1 < len(b) && b[i+1] == 0x92 {
		return true, 2
	}
	return false, 0
}

// letterAt reports whether b[i:] starts with a letter, and its byte length.
// Non-ASCII letters are those of Latin-1 and Latin Extended-A, enough for
// French names.
func letterAt(b []byte, i int) (bool, int) {
	if i >= len(b) {
		return false, 0
	}
	c := b[i]
	if c < 0x80 {
		return isAlpha(c), 1
	}
	if (c == 0xC3 || c == 0xC4 || c == 0xC5) && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0xBF {
		if c == 0xC3 && (b[i+1] == 0x97 || b[i+1] == 0xB7) {
			return false, 0 // × and ÷
		}
		return true, 2
	}
	return false, 0
}
