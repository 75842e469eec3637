package pii

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// foldLatin1 maps the second byte of a two-byte UTF-8 sequence led by 0xC3
// (U+00C0–U+00FF) to its lower-case ASCII base letter, 0 when there is none.
const foldC3 = "aaaaaaeceeeeiiii" + "dnooooo\x00ouuuuyts" + "aaaaaaeceeeeiiii" + "dnooooo\x00ouuuuyty"

// foldASCII folds the ASCII bytes of a text: letters to lower case,
// white space to one space between words.
var foldASCII = newFoldTables(" \t\n\r")

// foldNormASCII is foldASCII with the punctuation appendNormText drops
// between words.
var foldNormASCII = newFoldTables(" \t\n\r,;\"")

// foldTables tell what foldInto makes of each ASCII byte.
type foldTables struct {
	// fold maps ASCII bytes to their lower case, and the separators, NUL
	// and non-ASCII bytes to 0.
	fold [256]byte
	// emit is what an ASCII byte writes: its fold, a space for a
	// separator, 0 for NUL.
	emit [256]byte
	// sep is 1 for a separator.
	sep [256]byte
}

func newFoldTables(seps string) *foldTables {
	var t foldTables
	for c := 1; c < 0x80; c++ {
		t.fold[c] = byte(c)
		if isUpper(byte(c)) {
			t.fold[c] += 0x20
		}
	}
	for i := 0; i < len(seps); i++ {
		t.fold[seps[i]] = 0
		t.sep[seps[i]] = 1
	}
	for c := 0; c < 0x80; c++ {
		t.emit[c] = t.fold[c]
		if t.sep[c] == 1 {
			t.emit[c] = ' '
		}
	}
	return &t
}

// appendFold appends src lower-cased with the accents of Latin letters
// folded (é → e, œ → oe, ł → l, ễ → e), combining accents dropped, and
// runs of white space collapsed into one space (none at either end).
// Other non-ASCII letters are lower-cased, other runes kept.
func appendFold(dst, src []byte) []byte { return foldInto(dst, src, foldASCII) }

// foldInto appends src folded as appendFold says, the separators being
// those of t. The folded text is never longer than src: dst grows once
// and the bytes are stored in place, not appended one by one.
func foldInto(dst, src []byte, t *foldTables) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(src))
	out := dst[n : n+len(src)]
	table := &t.fold
	// ASCII, the most of a context window or a name, goes with no branch
	// but the one for the end of it: each byte writes what it folds to
	// (a separator a space), and the output moves on but for a separator
	// after a separator (or at the start), whose space the next byte
	// overwrites.
	i, k := 0, 0
	space := 1 // drop leading separators
	for ; uint(i) < uint(len(src)); i++ {
		c := src[i]
		if c >= 0x80 {
			break
		}
		sep := int(t.sep[c])
		out[k] = t.emit[c]
		k += 1 - sep&space
		space = sep
	}
	if i == len(src) {
		if k > 0 && space == 1 {
			k-- // a trailing separator's space
		}
		return dst[:n+k]
	}
	return foldRest(dst, src, out, n, i, k, space == 1, table)
}

// foldRest folds src from i, past ASCII, into out at k; space tells that
// the last byte written is a separator's space (or that none was written).
func foldRest(dst, src, out []byte, n, i, k int, space bool, table *[256]byte) []byte {
	// Compared unsigned, i needs no bounds check on src[i].
	for ; uint(i) < uint(len(src)); i++ {
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
			r, size := utf8.DecodeRune(src[i:])
			i += size - 1
			if r >= 0x300 && r <= 0x36F {
				continue // a combining accent (é written e + U+0301): dropped as é's is
			}
			if base := latinBase(r); base != 0 {
				out[k] = base
				k++
				break
			}
			// Other letters in lower case, when that takes no more bytes,
			// folded on if that gives a letter folded above (ẞ → ß → s,
			// the Ångström sign → å → a), so that folding twice changes
			// nothing.
			if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) <= size {
				switch {
				case l >= 0xC0 && l <= 0xFF && foldC3[l-0xC0] != 0:
					out[k] = foldC3[l-0xC0]
					k++
				case latinBase(l) != 0:
					out[k] = latinBase(l)
					k++
				default:
					k += utf8.EncodeRune(out[k:], l)
				}
				break
			}
			k += copy(out[k:], src[i+1-size:i+1])
		}
		space = false
	}
	if k > 0 && out[k-1] == ' ' && space {
		k--
	}
	return dst[:n+k]
}

// isUpperAt reports whether b[i:] starts with an upper-case letter (ASCII
// or a Latin letter of letterAt), and its byte length.
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
	if c < 0xC4 {
		return false, 0
	}
	// Latin Extended (Đặng, Łukasz, Şahin, Ngô): rarer, decoded.
	if ok, n := letterAt(b, i); ok {
		r, _ := utf8.DecodeRune(b[i:])
		return unicode.IsUpper(r), n
	}
	return false, 0
}

// letterAt reports whether b[i:] starts with a letter, and its byte length.
// Non-ASCII letters are those of the Latin blocks (Latin-1, Extended-A and
// B, Extended Additional) and the combining accents: the names of French
// registers, Vietnamese, Polish, Turkish or Romanian ones among them.
func letterAt(b []byte, i int) (bool, int) {
	if i >= len(b) {
		return false, 0
	}
	c := b[i]
	if c < 0x80 {
		return isAlpha(c), 1
	}
	if i+1 >= len(b) || b[i+1] < 0x80 || b[i+1] > 0xBF {
		return false, 0
	}
	switch {
	case c >= 0xC3 && c <= 0xC9: // U+00C0–U+024F: Latin-1, Latin Extended-A and B
		if c == 0xC3 && (b[i+1] == 0x97 || b[i+1] == 0xB7) {
			return false, 0 // × and ÷
		}
		return true, 2
	case c == 0xCC || c == 0xCD && b[i+1] <= 0xAF: // U+0300–U+036F: combining accents
		return true, 2
	case c == 0xE1 && b[i+1] >= 0xB8 && b[i+1] <= 0xBB && i+2 < len(b) && b[i+2] >= 0x80 && b[i+2] <= 0xBF:
		return true, 3 // U+1E00–U+1EFF: Latin Extended Additional (Vietnamese: Nguyễn)
	}
	return false, 0
}

// latinExtA maps U+0100–U+017F (Latin Extended-A) to the lower-case ASCII
// base letter, 0 for the ligatures (Ĳ, Œ), kept.
const latinExtA = "aaaaaacccccccc" + "dddd" + "eeeeeeeeee" + "gggggggg" + "hhhh" + "iiiiiiiiii" + "\x00\x00" + "jj" + "kkk" +
	"llllllllll" + "nnnnnnnnn" + "oooooo" + "\x00\x00" + "rrrrrr" + "ssssssss" + "tttttt" + "uuuuuuuuuuuu" + "ww" + "yyy" + "zzzzzz" + "s"

// latinBase returns the lower-case ASCII base letter of a Latin letter
// outside Latin-1 (ł → l, ș → s, ễ → e, ư → u), 0 for any other rune.
func latinBase(r rune) byte {
	switch {
	case r >= 0x100 && r <= 0x17F:
		return latinExtA[r-0x100]
	case r == 0x1A0 || r == 0x1A1: // Ơ ơ
		return 'o'
	case r == 0x1AF || r == 0x1B0: // Ư ư
		return 'u'
	case r >= 0x1CD && r <= 0x1DC: // Ǎ ǎ Ǐ ǐ Ǒ ǒ Ǔ ǔ Ǖ…ǜ (pinyin)
		return "aaiioouuuuuuuuuu"[r-0x1CD]
	case r >= 0x218 && r <= 0x21B: // Ș ș Ț ț (Romanian)
		return "sstt"[r-0x218]
	case r >= 0x1EA0 && r <= 0x1EF9: // Vietnamese: Ạ…ặ, Ẹ…ệ, Ỉ…ị, Ọ…ợ, Ụ…ự, Ỳ…ỹ
		switch {
		case r <= 0x1EB7:
			return 'a'
		case r <= 0x1EC7:
			return 'e'
		case r <= 0x1ECB:
			return 'i'
		case r <= 0x1EE3:
			return 'o'
		case r <= 0x1EF1:
			return 'u'
		}
		return 'y'
	}
	return 0
}
