package pii

import (
	"encoding/binary"

	"tocsin/internal/swar"
)

// NIRKind tells a NIR apart from the numbers that share its layout.
type NIRKind uint8

// Kinds of numbers with the NIR layout.
const (
	// NotNIR: the value has neither the structure nor the key of a NIR.
	NotNIR NIRKind = iota
	// NIRPermanent is the numéro d'inscription au répertoire (sex 1 or 2),
	// with a valid key: the social-security number of the carte Vitale.
	NIRPermanent
	// NIRTemporary is a numéro d'identification d'attente (NIA), the
	// temporary number given while a person born abroad is being registered:
	// NIR layout and key, first digit 7 or 8. Still a personal identifier, it
	// is reported as nir with a lower confidence.
	NIRTemporary
	// NIRNoKey is a 13-character NIR body without its key. Alone it is not
	// told from any 13-digit number, so it counts only in a NIR column.
	NIRNoKey
)

func (k NIRKind) String() string {
	switch k {
	case NIRPermanent:
		return "nir"
	case NIRTemporary:
		return "nia"
	case NIRNoKey:
		return "nir-without-key"
	}
	return "not-nir"
}

// ValidNIR checks s as a NIR: 13 characters and a 2-digit key, spaces and
// dots tolerated between characters, Corsica's 2A/2B counted as 19/18 in the
// key. It returns the canonical form (no separators, upper case). A 13-
// character body is returned as NIRNoKey when its structure holds; NNP and
// MIG numbers (first digit 5 to 8 without a key) are never NIRs.
func ValidNIR(s string) (norm string, ok bool, kind NIRKind) { return validNIR(s) }

// text is what the validators read: a string or a byte slice, so that
// cells are checked without a copy.
type text interface{ ~string | ~[]byte }

func validNIR[T text](s T) (norm string, ok bool, kind NIRKind) {
	buf, n, kind := nirBody(s)
	if kind == NotNIR {
		return "", false, NotNIR
	}
	return string(buf[:n]), true, kind
}

// nirBody reads s as a NIR: its canonical characters and their number,
// or NotNIR.
//
// A byte that can be in no NIR ends the reading; the others are read
// with no branch on where the separators fall (2 85 05 78…, 2.85.05.78…,
// 2850578…), which the processor could not foresee: each byte is
// written, upper-cased, where the next kept one goes, and kept unless a
// separator.
//
// The two commonest forms are read at once: 15 characters, and 21 with
// the same separator between each group (1 85 05 78 006 084 36).
func nirBody[T text](s T) (buf [15]byte, n int, kind NIRKind) {
	if len(s) == 0 || nirChar[s[0]] != nirKeep || nirChar[s[len(s)-1]] != nirKeep {
		return buf, 0, NotNIR // empty, or a separator first or last
	}
	switch len(s) {
	case 15:
		copy(buf[:], s)
		if nirKeeps(&buf) {
			return buf, 15, nirKind(buf[:])
		}
	case 21:
		if c := s[1]; nirChar[c] == nirSeparator && s[4] == c && s[7] == c && s[10] == c && s[14] == c && s[18] == c {
			buf = [15]byte{s[0], s[2], s[3], s[5], s[6], s[8], s[9], s[11], s[12], s[13], s[15], s[16], s[17], s[19], s[20]}
			if nirKeeps(&buf) {
				return buf, 15, nirKind(buf[:])
			}
		}
	}
	return nirBodyBytes(s)
}

// nirKeeps tells whether every byte of buf is one a NIR keeps (a digit,
// A or B in either case), upper-casing a and b.
func nirKeeps(buf *[15]byte) bool {
	lo, hi := binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[7:])
	keep := func(w uint64) uint64 {
		folded := w | 0x20*swar.Ones // A and B to a and b; digits stay
		return swar.Digits(w) | swar.Equal(folded, 'a') | swar.Equal(folded, 'b')
	}
	if keep(lo)&keep(hi) != swar.High {
		return false
	}
	small := func(w uint64) uint64 { return (swar.Equal(w, 'a') | swar.Equal(w, 'b')) >> 2 } // 0x20 in each
	binary.LittleEndian.PutUint64(buf[:8], lo&^small(lo))
	binary.LittleEndian.PutUint64(buf[7:], hi&^small(hi))
	return true
}

// nirBodyBytes is nirBody a byte at a time, for any form.
func nirBodyBytes[T text](s T) (buf [15]byte, n int, kind NIRKind) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		k := nirChar[c]
		if k == nirOther {
			return buf, 0, NotNIR
		}
		keep := int(k) - 1 // nirKeep 2, nirSeparator 1
		if n == 15 {
			if keep != 0 {
				return buf, 0, NotNIR
			}
			continue
		}
		buf[n] = c &^ nirCase[c]
		n += keep
	}
	if n != 15 && n != 13 {
		return buf, 0, NotNIR
	}
	return buf, n, nirKind(buf[:n])
}

// The classes of bytes of nirBody: what a NIR cannot hold, its
// separators, and the characters it keeps (digits, A and B in either
// case); nirCase holds the bit that upper-cases a and b.
const (
	nirOther uint8 = iota
	nirSeparator
	nirKeep
)

var nirChar, nirCase = func() (class, lower [256]byte) {
	for c := '0'; c <= '9'; c++ {
		class[c] = nirKeep
	}
	for _, c := range "ABab" {
		class[c] = nirKeep
	}
	lower['a'], lower['b'] = 0x20, 0x20
	class[' '], class['.'], class['-'] = nirSeparator, nirSeparator, nirSeparator
	return class, lower
}()

// nirKind checks the structure and key of an upper-cased, separator-free
// NIR of 13 or 15 characters.
func nirKind(b []byte) NIRKind {
	if len(b) != 13 && len(b) != 15 {
		return NotNIR
	}
	var sexTemp bool
	switch b[0] {
	case '1', '2':
	case '7', '8':
		sexTemp = true
	default:
		return NotNIR
	}
	// All digits but Corsica's letter (6), eight bytes at a time: the
	// first eight and the last eight.
	head := binary.LittleEndian.Uint64(b[:8])
	tail := binary.LittleEndian.Uint64(b[len(b)-8:])
	var letter uint64 // byte 6 among the last eight, if there
	if len(b) == 13 {
		letter = 0x80 << 8
	}
	if swar.Digits(head)|0x80<<48 != swar.High || swar.Digits(tail)|letter != swar.High {
		return NotNIR
	}
	// Month: 01–12, or 20–99 when unknown or incomplete (INSEE), 13–19 never.
	m := int(b[3]-'0')*10 + int(b[4]-'0')
	if m == 0 || (m > 12 && m < 20) {
		return NotNIR
	}
	// Département: 2A/2B for Corsica, else two digits (00 never).
	corsica := 0
	switch {
	case b[5] == '2' && b[6] == 'A':
		corsica = 1
	case b[5] == '2' && b[6] == 'B':
		corsica = 2
	case isDigit(b[6]):
		if b[5] == '0' && b[6] == '0' {
			return NotNIR
		}
	default:
		return NotNIR
	}
	if len(b) == 13 {
		if sexTemp {
			return NotNIR
		}
		return NIRNoKey
	}
	// Key = 97 − (body mod 97), with 2A → 19 and 2B → 18 in the body:
	// the letter read as 0, then 20 → 19 or 18 at positions 6-7. The
	// body is its first eight digits, then the last five of bytes 5 to
	// 12 (those before weigh a multiple of 10^5, whatever the letter).
	if corsica != 0 {
		head = head&^(0xFF<<48) | '0'<<48
	}
	r := parse8(head)*100000 + parse8(binary.LittleEndian.Uint64(b[5:13]))%100000
	switch corsica {
	case 1:
		r -= 1000000 // "2A…" reads as "19…"
	case 2:
		r -= 2000000 // "2B…" reads as "18…"
	}
	key := int(b[13]-'0')*10 + int(b[14]-'0')
	if key < 1 || key > 97 || uint64(97-key) != r%97 {
		return NotNIR
	}
	if sexTemp {
		return NIRTemporary
	}
	return NIRPermanent
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
