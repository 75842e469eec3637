package pii

import (
	"encoding/binary"

	"tocsin/internal/swar"
)

// PhoneKind is the part of the French numbering plan (ARCEP) a number is in.
type PhoneKind uint8

// Kinds of French numbers.
const (
	NotPhone     PhoneKind = iota
	PhoneFixed             // 01–05: geographic
	PhoneMobile            // 06, 07
	PhoneSpecial           // 08: free and premium-rate services (not a person's line)
	PhoneVoIP              // 09: non-geographic, mostly internet boxes
)

// ParsePhoneFR parses a French phone number written nationally
// (0X XX XX XX XX with spaces, dots or dashes) or internationally (+33,
// +33 (0)6…, 0033) and returns it in E.164 (+33XXXXXXXXX). Other country
// codes, 00 prefixes other than 0033 and numbers outside the ARCEP plan
// (0 then 1–9) are refused.
func ParsePhoneFR(s string) (e164 string, kind PhoneKind, ok bool) {
	n, kind, ok := parsePhoneFR([]byte(s))
	if !ok {
		return "", NotPhone, false
	}
	return string(n[:]), kind, true
}

func parsePhoneFR(s []byte) (e164 [12]byte, kind PhoneKind, ok bool) {
	// Most numbers of a phone column are ten digits from 0: read at
	// once, as parsePhone would.
	if len(s) == 10 && s[0] == '0' && s[1] != '0' && tenDigits(s) {
		// Written as the caller reads the result, a word and a half:
		// copied in, its bytes came from stores of other sizes, which
		// the caller's loads waited for.
		binary.LittleEndian.PutUint64(e164[:8], '+'|'3'<<8|'3'<<16|binary.LittleEndian.Uint64(s[1:9])<<24)
		binary.LittleEndian.PutUint32(e164[8:], binary.LittleEndian.Uint32(s[6:10]))
		return e164, phoneKinds[s[1]-'1'], true
	}
	n, kind, end := parsePhone(s, 0)
	if end != len(s) || kind == NotPhone {
		return n, NotPhone, false
	}
	return n, kind, true
}

// phoneKinds are the kinds of the numbers 01 to 09.
var phoneKinds = [9]PhoneKind{PhoneFixed, PhoneFixed, PhoneFixed, PhoneFixed, PhoneFixed, PhoneMobile, PhoneMobile, PhoneSpecial, PhoneVoIP}

// tenDigits tells whether the 10 bytes of s are ASCII digits, 8 at a time.
func tenDigits(s []byte) bool {
	return swar.Digits(binary.LittleEndian.Uint64(s[:8])) == swar.High && isDigit(s[8]) && isDigit(s[9])
}

// parseBarePhone reads a French number whose leading 0 was lost (a
// spreadsheet or a database stored it as a number: 612345678) or that is
// written in E.164 without its '+' (33612345678). Only a column of phone
// numbers (its header says so, or most of its values are) is read so:
// nine digits alone are as often a SIREN.
func parseBarePhone(v []byte) (e164 [12]byte, ok bool) {
	var buf [10]byte
	switch {
	case len(v) == 9 && v[0] != '0' && digitsOnly(v):
		copy(buf[1:], v)
	case len(v) == 11 && v[0] == '3' && v[1] == '3' && v[2] != '0' && digitsOnly(v):
		copy(buf[1:], v[2:])
	default:
		return e164, false
	}
	buf[0] = '0'
	e164, k, ok := parsePhoneFR(buf[:])
	return e164, ok && k != PhoneSpecial
}

func digitsOnly(v []byte) bool {
	for _, c := range v {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// parsePhone reads a French number starting at b[i] (a '+', '(' or a
// digit). It returns the E.164 form, its kind and the end of the number, or
// NotPhone. The digit that follows the number must not continue it.
func parsePhone(b []byte, i int) (e164 [12]byte, kind PhoneKind, end int) {
	start := i
	intl := false
	switch {
	case i+3 <= len(b) && b[i] == '+' && b[i+1] == '3' && b[i+2] == '3':
		i += 3
		intl = true
	case i+4 <= len(b) && b[i] == '0' && b[i+1] == '0' && b[i+2] == '3' && b[i+3] == '3':
		i += 4
		intl = true
	case i+5 <= len(b) && b[i] == '(' && b[i+1] == '+' && b[i+2] == '3' && b[i+3] == '3' && b[i+4] == ')':
		i += 5
		intl = true
	case i < len(b) && b[i] == '0':
	default:
		return e164, NotPhone, start
	}
	if intl {
		// Optional separator, then an optional "(0)" trunk prefix.
		if i < len(b) && (b[i] == ' ' || b[i] == '.' || b[i] == '-') {
			i++
		}
		if i+3 <= len(b) && b[i] == '(' && b[i+1] == '0' && b[i+2] == ')' {
			i += 3
			if i < len(b) && (b[i] == ' ' || b[i] == '.' || b[i] == '-') {
				i++
			}
		}
	}
	var d [10]byte
	n := 0
	want := 10
	if intl {
		d[0] = '0'
		n = 1
	}
	for i < len(b) && n < want {
		c := b[i]
		if isDigit(c) {
			d[n] = c
			n++
			i++
			continue
		}
		if (c == ' ' || c == '.' || c == '-') && i+1 < len(b) && isDigit(b[i+1]) && i > start && isDigit(b[i-1]) {
			i++
			continue
		}
		break
	}
	if n != want {
		return e164, NotPhone, start
	}
	// The number must end here: no further digit, directly or after one
	// separator (a longer number is something else).
	if i < len(b) && isAlnum(b[i]) {
		return e164, NotPhone, start
	}
	if i+1 < len(b) && (b[i] == ' ' || b[i] == '.' || b[i] == '-') && isDigit(b[i+1]) {
		return e164, NotPhone, start
	}
	switch d[1] {
	case '1', '2', '3', '4', '5':
		kind = PhoneFixed
	case '6', '7':
		kind = PhoneMobile
	case '8':
		kind = PhoneSpecial
	case '9':
		kind = PhoneVoIP
	default:
		return e164, NotPhone, start
	}
	copy(e164[:], "+33")
	copy(e164[3:], d[1:])
	return e164, kind, i
}
