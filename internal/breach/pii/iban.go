package pii

import (
	"encoding/binary"
	"strings"

	"tocsin/internal/swar"
)

// ibanLength is the length of an IBAN for a country code (ISO 13616
// registry), 0 for a country without IBAN. The French overseas territories
// use France's format.
func ibanLength(cc string) int {
	switch cc {
	case "NO":
		return 15
	case "BE":
		return 16
	case "DK", "FI", "FK", "FO", "GL", "NL", "SD":
		return 18
	case "MK", "SI":
		return 19
	case "AT", "BA", "EE", "KZ", "LT", "LU", "MN", "XK":
		return 20
	case "CH", "HR", "LI", "LV":
		return 21
	case "BG", "BH", "CR", "DE", "GB", "GE", "IE", "ME", "RS", "VA":
		return 22
	case "AE", "GI", "IL", "IQ", "OM", "SO", "TL":
		return 23
	case "AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG":
		return 24
	case "LY", "PT", "ST":
		return 25
	case "IS", "TR":
		return 26
	case "BI", "DJ", "FR", "GR", "IT", "MC", "MR", "SM",
		"GF", "GP", "MQ", "RE", "PF", "TF", "YT", "NC", "BL", "MF", "PM", "WF":
		return 27
	case "AL", "AZ", "BY", "CY", "DO", "GT", "HU", "LB", "NI", "PL", "SV":
		return 28
	case "BR", "EG", "PS", "QA", "UA":
		return 29
	case "JO", "KW", "MU", "YE":
		return 30
	case "MT", "SC":
		return 31
	case "LC":
		return 32
	case "RU":
		return 33
	}
	return 0
}

// ValidIBAN checks s as an IBAN: country code, its registered length and
// the ISO 7064 MOD 97-10 check digits; spaces are tolerated and case is
// ignored. French-format IBANs (FR and the overseas territories) must also
// carry a valid RIB key: every real one does, and it halves the chance that
// a corrupted number passes.
func ValidIBAN(s string) (norm string, ok bool) { return validIBAN(s) }

func validIBAN[T text](s T) (norm string, ok bool) {
	buf, n, ok := ibanBody(s)
	if !ok {
		return "", false
	}
	return string(buf[:n]), true
}

// ibanBody reads s as an IBAN: its characters upper-cased without
// separators, and their number.
func ibanBody[T text](s T) (buf [34]byte, n int, ok bool) {
	// A column's IBANs are most often written whole, in capitals: read 8
	// bytes at a time, they are copied as they are.
	if len(s) <= len(buf) && (len(s) < 5 || s[4] != ' ' && s[4] != '-') {
		copy(buf[:], s)
		var other uint64
		for i := 0; i < 32; i += 8 {
			other |= ibanCopied(binary.LittleEndian.Uint64(buf[i:]))
		}
		if other|ibanCopied(uint64(buf[32])|uint64(buf[33])<<8) == 0 {
			if !ibanOK(buf[:len(s)]) {
				return buf, 0, false
			}
			return buf, len(s), true
		}
		buf = [34]byte{}
	}
	// Or in groups of four, in capitals, with one separator between
	// them (FR76 3000 6000 0112 3456 7890 189): the groups are copied.
	if n, grouped := ibanGroups(s, &buf); grouped {
		if !ibanOK(buf[:n]) {
			return buf, 0, false
		}
		return buf, n, true
	}
	buf = [34]byte{}
	// Else a byte at a time, with no branch on the byte: each is written,
	// upper-cased, where the next one kept goes, and kept unless it is a
	// separator; where the separators fall, the processor cannot tell.
	for i := 0; i < len(s); i++ {
		c := s[i]
		keep := ibanKept[c]
		if n == len(buf) {
			if keep != 0 {
				return buf, 0, false
			}
			continue
		}
		buf[n] = ibanUpper[c]
		n += int(keep)
		// What ibanOK would refuse, refused once read: a country code
		// not of letters, check digits not digits.
		if n == 4 && keep != 0 && !(isUpper(buf[0]) && isUpper(buf[1]) && isDigit(buf[2]) && isDigit(buf[3])) {
			return buf, 0, false
		}
	}
	if !ibanOK(buf[:n]) {
		return buf, 0, false
	}
	return buf, n, true
}

// ibanGroups copies into buf, zeroed, the groups of s when s is groups
// of four characters ibanBody keeps as they are, the last of one to four,
// with the same separator (' ' or '-') between each; it returns their
// length.
func ibanGroups[T text](s T, buf *[34]byte) (n int, ok bool) {
	if len(s) < 6 || s[4] != ' ' && s[4] != '-' {
		return 0, false
	}
	sep, i := s[4], 0
	for ; i+4 < len(s); i += 5 {
		if s[i+4] != sep || n+4 > len(buf) {
			return 0, false
		}
		copy(buf[n:n+4], s[i:i+4])
		n += 4
	}
	if n+len(s)-i > len(buf) {
		return 0, false
	}
	n += copy(buf[n:], s[i:])
	var other uint64
	for k := 0; k < 32; k += 8 {
		other |= ibanCopied(binary.LittleEndian.Uint64(buf[k:]))
	}
	return n, other|ibanCopied(uint64(buf[32])|uint64(buf[33])<<8) == 0
}

// ibanKept is 1 for the bytes ibanBody keeps, 0 for the separators;
// ibanUpper upper-cases the small letters and leaves the other bytes.
var ibanKept, ibanUpper = func() (kept, upper [256]byte) {
	for c := range 256 {
		kept[c], upper[c] = 1, byte(c)
	}
	kept[' '], kept['-'] = 0, 0
	for c := 'a'; c <= 'z'; c++ {
		upper[c] = byte(c) - 0x20
	}
	return kept, upper
}()

// ibanCopied marks the bytes of w that ibanBody would not copy as they
// are: separators (' ', '-') and small letters. The bytes past a value
// are zero, which are copied.
func ibanCopied(w uint64) uint64 {
	return swar.Equal(w, ' ') | swar.Equal(w, '-') | swar.Range(w, 'a', 'z')
}

// ibanOK checks an upper-case IBAN without separators.
func ibanOK(b []byte) bool {
	if len(b) < 15 || !isUpper(b[0]) || !isUpper(b[1]) || !isDigit(b[2]) || !isDigit(b[3]) {
		return false
	}
	if ibanLength(string(b[:2])) != len(b) {
		return false
	}
	if b[2] == '0' && (b[3] == '0' || b[3] == '1') || b[2] == '9' && b[3] == '9' {
		return false // check digits run 02..98
	}
	// The BBAN, then country code and check digits.
	bban, ok := ibanMod97(0, b[4:])
	if !ok {
		return false
	}
	if r, _ := ibanMod97(bban, b[:4]); r%97 != 1 {
		return false
	}
	if ibanLength(string(b[:2])) == 27 && isFrenchFormat(b[:2]) {
		return ribKeyOK(b[4:], bban)
	}
	return true
}

// ibanMod97 continues the ISO 7064 remainder r over the characters of p
// (letters count as 10 to 35); false on any other byte. The remainder is
// taken only when the next step could overflow, not at each character:
// r stays below 2^57, so r*100+35 stays below 2^64.
func ibanMod97(r uint64, p []byte) (uint64, bool) {
	// Eight digits at a time while they are all digits: their number, of
	// at most 8 digits, read in three steps that join neighbours (two
	// digits, four, eight).
	for ; len(p) >= 8; p = p[8:] {
		w := binary.LittleEndian.Uint64(p)
		if swar.Digits(w) != swar.High {
			break
		}
		w -= 0x3030303030303030
		w = (w*10 + w>>8) & 0x00FF00FF00FF00FF
		w = (w*100 + w>>16) & 0x0000FFFF0000FFFF
		w = (w*10000 + w>>32) & 0xFFFFFFFF
		r = (r%97*100000000 + w) % 97
	}
	for _, c := range p {
		switch {
		case isDigit(c):
			r = r*10 + uint64(c-'0')
		case isUpper(c):
			r = r*100 + uint64(c-'A') + 10
		default:
			return 0, false
		}
		if r >= 1<<57 {
			r %= 97
		}
	}
	return r % 97, true
}

func isFrenchFormat(cc []byte) bool {
	switch string(cc) {
	case "FR", "GF", "GP", "MQ", "RE", "PF", "TF", "YT", "NC", "BL", "MF", "PM", "WF":
		return true
	}
	return false
}

// ribKeyOK checks a French BBAN (bank 5n, branch 5n, account 11c, key 2n):
// key = 97 − ((89·bank + 15·branch + 3·account) mod 97), letters of the
// account read as A/J=1, B/K/S=2, … I/R/Z=9. r is the BBAN's remainder
// modulo 97 as ibanMod97 reads it, which ibanOK has taken already.
func ribKeyOK(bban []byte, r uint64) bool {
	if len(bban) != 23 {
		return false
	}
	// All digits, as most are: 89, 15 and 3 are 10^18, 10^13 and 10^2
	// modulo 97, so the key makes the 23 digits read as one number, r
	// modulo 97, a multiple of 97.
	le := binary.LittleEndian
	if swar.Digits(le.Uint64(bban))&swar.Digits(le.Uint64(bban[8:]))&swar.Digits(le.Uint64(bban[15:])) == swar.High {
		return r == 0
	}
	num := func(p []byte) (uint64, bool) {
		var v uint64
		for _, c := range p {
			var d byte
			switch {
			case isDigit(c):
				d = c - '0'
			case c >= 'A' && c <= 'I':
				d = c - 'A' + 1
			case c >= 'J' && c <= 'R':
				d = c - 'J' + 1
			case c >= 'S' && c <= 'Z':
				d = c - 'S' + 2
			default:
				return 0, false
			}
			v = v*10 + uint64(d)
		}
		return v, true
	}
	for _, c := range bban[:10] {
		if !isDigit(c) {
			return false
		}
	}
	bank, _ := num(bban[:5])
	branch, _ := num(bban[5:10])
	account, ok := num(bban[10:21])
	if !ok || !isDigit(bban[21]) || !isDigit(bban[22]) {
		return false
	}
	key := uint64(bban[21]-'0')*10 + uint64(bban[22]-'0')
	return (89*bank+15*branch+3*account+key)%97 == 0
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlpha(c byte) bool { return isUpper(c) || isLower(c) }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// Classes of ASCII bytes, for the loops that test several per byte.
const (
	clsAlnum     uint8 = 1 << iota // digits and ASCII letters
	clsTextLocal                   // an e-mail's local part in running text (see atAt)
	clsAlpha                       // ASCII letters
	clsLocal                       // an e-mail's local part (RFC 5322 atext, and '.')
	clsDomain                      // a domain's label: digits, ASCII letters, '-'
	clsCrypt                       // a password hash's alphabet (isCryptChar)
	clsCryptCore                   // crypt's own alphabet: digits, ASCII letters, '.', '/'
	clsUserinfo                    // a URL's user information (isUserinfo)
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if isAlnum(byte(c)) {
			t[c] |= clsAlnum
		}
		if isAlpha(byte(c)) {
			t[c] |= clsAlpha
		}
		if isAlnum(byte(c)) || strings.IndexByte("._-+'", byte(c)) >= 0 {
			t[c] |= clsTextLocal
		}
		if isAlnum(byte(c)) || strings.IndexByte(".!#$%&'*+-/=?^_`{|}~", byte(c)) >= 0 {
			t[c] |= clsLocal
		}
		if isAlnum(byte(c)) || c == '-' {
			t[c] |= clsDomain
		}
		if isAlnum(byte(c)) || strings.IndexByte("./+=,-", byte(c)) >= 0 {
			t[c] |= clsCrypt
		}
		if isAlnum(byte(c)) || c == '.' || c == '/' {
			t[c] |= clsCryptCore
		}
		if isAlnum(byte(c)) || strings.IndexByte("-._~%!$&'()*+,;=:", byte(c)) >= 0 {
			t[c] |= clsUserinfo
		}
	}
	return t
}()
