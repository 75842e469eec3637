package pii

import (
	"encoding/binary"

	"tocsin/internal/swar"
)

// Luhn reports whether a string of digits passes the Luhn check. Anything
// but ASCII digits fails.
func Luhn(digits string) bool {
	if len(digits) == 0 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if !isDigit(c) {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// ValidCard checks s as a payment card number: 13 to 19 digits, single
// spaces or dashes tolerated, Luhn, and an issuer range whose length fits
// (Visa 4; Mastercard 51–55 and 2221–2720; American Express 34/37; Discover
// 6011/644–649/65; JCB 3528–3589; Diners 36/38/300–305; UnionPay 62). French
// CB cards are co-branded Visa or Mastercard and fall in those ranges.
func ValidCard(s string) (norm string, ok bool) { return validCard(s) }

func validCard[T text](s T) (norm string, ok bool) {
	buf, n, ok := cardBody(s)
	if !ok {
		return "", false
	}
	return string(buf[:n]), true
}

// cardBody reads s as a card number: its digits and their number. The
// commonest forms, 16 digits alone or in four groups with one separator
// (4970 1012 3456 7890), are read at once.
func cardBody[T text](s T) (buf [19]byte, n int, ok bool) {
	switch {
	case len(s) == 16:
		copy(buf[:], s)
	case len(s) == 19 && (s[4] == ' ' || s[4] == '-') && s[9] == s[4] && s[14] == s[4]:
		copy(buf[:4], s[:4])
		copy(buf[4:8], s[5:9])
		copy(buf[8:12], s[10:14])
		copy(buf[12:16], s[15:])
	default:
		return cardBodyBytes(s)
	}
	lo, hi := binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:16])
	if swar.Digits(lo)&swar.Digits(hi) != swar.High {
		return cardBodyBytes(s)
	}
	if cardIssuer(buf[:16]) == "" || !luhn16(lo, hi) {
		return buf, 0, false
	}
	return buf, 16, true
}

// luhn16 checks the Luhn sum of 16 digits, the first eight in lo and the
// others in hi (ASCII, little-endian): the digits at even places from the
// left are doubled, less 9 when that passes 9.
func luhn16(lo, hi uint64) bool {
	const (
		even = 0x00FF00FF00FF00FF // bytes 0, 2, 4, 6
		ones = 0x0101010101010101
	)
	sum := func(w uint64) uint64 {
		w -= 0x30 * ones
		d := w & even
		big := (d + 0x7B*ones) >> 7 & ones // 1 where the digit is 5 or more
		w = w&^even + 2*d - 9*big
		return w * ones >> 56 // the bytes' sum, at most 8 × 9
	}
	return (sum(lo)+sum(hi))%10 == 0
}

// cardBodyBytes is cardBody a byte at a time, for any form.
func cardBodyBytes[T text](s T) (buf [19]byte, n int, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == ' ' || c == '-') && i > 0 && i < len(s)-1 && isDigit(s[i-1]) {
			continue
		}
		if !isDigit(c) || n == len(buf) {
			return buf, 0, false
		}
		buf[n] = c
		n++
	}
	if cardIssuer(buf[:n]) == "" || !luhnBytes(buf[:n]) {
		return buf, 0, false
	}
	return buf, n, true
}

// cardIssuer names the issuer whose range and length fit, "" if none.
func cardIssuer(d []byte) string {
	n := len(d)
	if n < 13 {
		return ""
	}
	p := func(k int) int {
		v := 0
		for i := 0; i < k; i++ {
			v = v*10 + int(d[i]-'0')
		}
		return v
	}
	switch {
	case d[0] == '4' && (n == 13 || n == 16 || n == 19):
		return "visa"
	case n == 16 && (p(2) >= 51 && p(2) <= 55 || p(4) >= 2221 && p(4) <= 2720):
		return "mastercard"
	case n == 15 && (p(2) == 34 || p(2) == 37):
		return "amex"
	case n >= 16 && (p(4) == 6011 || p(2) == 65 || p(3) >= 644 && p(3) <= 649):
		return "discover"
	case n >= 16 && p(4) >= 3528 && p(4) <= 3589:
		return "jcb"
	case n >= 14 && (p(2) == 36 || p(2) == 38 || p(3) >= 300 && p(3) <= 305):
		return "diners"
	case n >= 16 && p(2) == 62:
		return "unionpay"
	}
	return ""
}
