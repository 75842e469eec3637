package pii

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// ValidEmail checks s as an e-mail address (a practical subset of RFC 5321:
// dot-atom local part of at most 64 characters, a domain of at least two
// labels whose last is alphabetic) and returns it lower-cased.
func ValidEmail(s string) (norm string, ok bool) { return validEmail(s) }

func validEmail[T text](s T) (norm string, ok bool) {
	if !emailOK(s) {
		return "", false
	}
	return lowerASCII(string(s)), true
}

// emailOK reports whether s is an e-mail address.
func emailOK[T text](s T) bool { return emailAt(s) > 0 }

// emailAt returns the position of the '@' of the e-mail address s, or -1
// when s is none: the local part is checked as the '@' is looked for, in
// one pass (validLocal's rules); the domain, which holds no '@', after it.
func emailAt[T text](s T) int {
	if len(s) > 254 {
		return -1
	}
	prev := byte('.') // a leading dot is refused as a doubled one is
	i := 0
	for ; i < len(s) && s[i] != '@'; i++ {
		c := s[i]
		if byteClass[c]&clsLocal == 0 || c == '.' && prev == '.' {
			return -1
		}
		prev = c
	}
	if i > 0 && i <= 64 && i < len(s) && prev != '.' && validDomain([]byte(s[i+1:])) {
		return i
	}
	return -1
}

// emailMaskSet are masks of up to 64 bytes, a bit a byte (bit i for
// byte i): those that are '@', '.', '-', an ASCII letter, a digit, and
// those that are not one of the specials a local part may hold besides
// letters and digits ("!#$%&'*+-/=?^_`{|}~" and '.').
type emailMaskSet struct{ ats, dots, hyphens, letters, digits, notSpecial uint64 }

// at is emailAt of the n bytes (0 < n <= 64) whose masks m are, read
// from the masks alone, with no branch a byte: a table's e-mail column
// has an address on every row, and the byte loops mispredicted the ends
// of its local part and of each label, five times an address.
func (m *emailMaskSet) at(n int) int {
	// Shifts are taken mod 64 (&63), which they are within: a shift
	// the compiler cannot bound costs three instructions more.
	valid := ^uint64(0) >> ((64 - n) & 63)
	ats := m.ats & valid
	i := bits.TrailingZeros64(ats)
	if n == 0 || ats == 0 || i == 0 || n-i-1 < 4 {
		return -1 // no '@', nothing before it, or a domain of fewer than 4 bytes
	}
	// The local part, bytes 0 to i-1: no leading, trailing or doubled
	// dot.
	local := uint64(1)<<(i&63) - 1
	dots := m.dots
	if local&^(m.letters|m.digits|^m.notSpecial) != 0 || dots&1 != 0 || dots&(dots>>1|ats>>1)&local != 0 {
		return -1
	}
	// The domain, bytes i+1 to n-1: labels of letters, digits and inner
	// dashes, none empty, at least two; the last of two letters or more.
	dom := valid &^ (local<<1 | 1)
	first, last := (local+1)<<1, uint64(1)<<((n-1)&63)
	dd := dots & dom
	hy := m.hyphens & dom
	if dom&^(m.letters|m.digits|m.hyphens|dots) != 0 || dd == 0 || dd&(first|last|dd>>1) != 0 ||
		hy&(dd<<1|first|dd>>1|last) != 0 {
		return -1
	}
	p := 63 - bits.LeadingZeros64(dd) // the last dot
	if tail := dom &^ (uint64(2)<<(p&63) - 1); tail&^m.letters != 0 || n-1-p < 2 {
		return -1
	}
	return i
}

func validLocal(p []byte) bool {
	if len(p) == 0 || len(p) > 64 || p[0] == '.' || p[len(p)-1] == '.' {
		return false
	}
	prev := byte(0)
	for _, c := range p {
		if byteClass[c]&clsLocal == 0 || c == '.' && prev == '.' {
			return false
		}
		prev = c
	}
	return true
}

// validDomain: at least two labels of 1 to 63 letters, digits and inner
// dashes, the last of at least two letters.
func validDomain(p []byte) bool {
	if len(p) < 4 || len(p) > 253 {
		return false
	}
	labels, start, alpha := 0, 0, true // alpha: the label so far is letters
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '.' {
			cls := byteClass[p[i]]
			if cls&clsDomain == 0 {
				return false
			}
			alpha = alpha && cls&clsAlpha != 0
			continue
		}
		if n := i - start; n == 0 || n > 63 || p[start] == '-' || p[i-1] == '-' {
			return false
		}
		labels++
		if i == len(p) {
			return labels >= 2 && alpha && i-start >= 2
		}
		start, alpha = i+1, true
	}
	return false
}

// appendLower appends b with ASCII letters lower-cased.
// Eight bytes at a time: an e-mail address is some 30 bytes.
func appendLower(dst, b []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(b))[:n+len(b)]
	out := dst[n:]
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(out[i:], lower8(binary.LittleEndian.Uint64(b[i:i+8])))
	}
	if i < len(b) && len(b) >= 8 {
		// The last bytes, as the last 8: the bytes written twice are
		// written alike.
		binary.LittleEndian.PutUint64(out[len(b)-8:], lower8(binary.LittleEndian.Uint64(b[len(b)-8:])))
		return dst
	}
	for ; i < len(b); i++ {
		c := b[i]
		if isUpper(c) {
			c += 0x20
		}
		out[i] = c
	}
	return dst
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if isUpper(s[i]) {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if isUpper(b[j]) {
					b[j] += 0x20
				}
			}
			return string(b)
		}
	}
	return s
}

// roleMailboxes (and roleSketch, see roleMailbox) are the local parts of addresses that name a function,
// not a person: RFC 2142's mailboxes and those of French administrations
// and firms. The CNIL does not count a generic address (contact@…) as
// personal data, and every letterhead, invoice and mail footer carries
// some: counted, they would swell the e-mail addresses and the people of
// a notification.
var roleMailboxes, roleSketch = func() (map[string]bool, [16]uint64) {
	m := map[string]bool{}
	var sketch [16]uint64
	for _, w := range []string{
		"info", "infos", "information", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster",
		"hostmaster", "webmaster", "www", "ftp", "contact", "contacts", "accueil", "noreply", "no-reply",
		"donotreply", "do-not-reply", "ne-pas-repondre", "nepasrepondre", "ne_pas_repondre", "mailer-daemon",
		"bounce", "bounces", "admin", "administration", "administrateur", "secretariat", "mairie", "dpo", "rgpd",
		"cil", "compta", "comptabilite", "facturation", "factures", "billing", "rh", "drh", "recrutement", "emploi",
		"communication", "direction", "service", "services", "serviceclient", "service-client", "service.client",
		"sav", "commandes", "commande", "newsletter", "notification", "notifications", "helpdesk", "hotline",
		"assistance", "hello", "bonjour", "reservation", "reservations", "inscription", "inscriptions", "presse",
		"juridique", "courrier", "standard", "etat-civil", "etatcivil", "urbanisme", "cabinet", "dsi",
		"informatique", "office", "ventes", "achats", "devis", "boutique", "shop", "team", "equipe",
	} {
		m[w] = true
		k := roleKey([]byte(w))
		sketch[k>>6] |= 1 << (k & 63)
	}
	return m, sketch
}()

// roleMailbox tells whether the local part of an address (any case) names
// a function (roleMailboxes).
func roleMailbox(local []byte) bool {
	if len(local) < 2 || len(local) > 24 {
		return false
	}
	// Most local parts are turned away by a sketch of the list's
	// lengths, first and last letters, before folding and the map.
	if k := roleKey(local); roleSketch[k>>6]&(1<<(k&63)) == 0 {
		return false
	}
	var buf [24]byte
	return roleMailboxes[string(appendLower(buf[:0], local))]
}

// roleKey is a local part's slot in roleSketch (0 to 1023): its length,
// first and last bytes, ASCII letters in either case alike.
func roleKey(local []byte) uint {
	return (uint(len(local))*59 + uint(local[0]|0x20)*31 + uint(local[len(local)-1]|0x20)) & 1023
}
