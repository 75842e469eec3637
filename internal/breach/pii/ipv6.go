package pii

// An IPv6 address in a column of addresses is counted as netip writes it
// (RFC 5952: small letters, no leading zero, the longest run of zero
// groups as "::"). Through netip, the string its parser takes, the parse
// and the writing cost some 2,000 instructions an address; read and
// written here, a few hundred. Only the form of hex digits and colons is
// read here: an address with a dotted IPv4 part, or an IPv4 address
// mapped (::ffff:…, which netip writes dotted), goes through netip.

// IPv6 reading's outcomes.
const (
	ipv6Other = iota // not of hex digits and colons alone, or IPv4 mapped: netip's
	ipv6Bad          // not an address netip reads, or loopback or unspecified
	ipv6OK
)

// parseIPv6 reads v as netip.ParseAddr reads an IPv6 address written with
// hex digits and colons alone: eight groups of one to four hex digits,
// or fewer with one "::" standing for at least one group of zeros.
func parseIPv6(v []byte) (g [8]uint16, outcome int) {
	i, n, ellipsis := 0, 0, -1
	if len(v) >= 2 && v[0] == ':' && v[1] == ':' {
		i, ellipsis = 2, 0
	}
	for i < len(v) {
		var acc uint16
		start := i
		for ; i < len(v) && i-start < 5; i++ {
			d := hexValue[v[i]]
			if d == 0xff {
				break
			}
			acc = acc<<4 | uint16(d)
		}
		switch {
		case i == start || i-start > 4:
			return g, badOrOther(v[i:])
		case n == 8:
			return g, ipv6Bad
		}
		g[n] = acc
		n++
		if i == len(v) {
			break
		}
		if v[i] != ':' || i+1 == len(v) {
			return g, badOrOther(v[i:])
		}
		i++
		if v[i] == ':' {
			if ellipsis >= 0 {
				return g, badOrOther(v[i:])
			}
			ellipsis = n
			i++
		}
	}
	switch {
	case ellipsis < 0 && n != 8, ellipsis >= 0 && n == 8:
		return g, badOrOther(nil)
	case ellipsis >= 0:
		// The groups after the "::" move to the end.
		k := 8 - n
		copy(g[ellipsis+k:], g[ellipsis:n])
		clear(g[ellipsis : ellipsis+k])
	}
	if g[0]|g[1]|g[2]|g[3]|g[4] == 0 {
		switch {
		case g[5] == 0xffff:
			return g, ipv6Other // IPv4 mapped
		case g[5]|g[6] == 0 && g[7] <= 1:
			return g, ipv6Bad // unspecified (::) or loopback (::1)
		}
	}
	return g, ipv6OK
}

// badOrOther tells what a read that stopped at rest gives: what is left
// to netip if it holds a byte other than hex digits and colons (a dotted
// IPv4 part), else an address netip does not read either.
func badOrOther(rest []byte) int {
	for _, c := range rest {
		if c != ':' && hexValue[c] == 0xff {
			return ipv6Other
		}
	}
	return ipv6Bad
}

// hexValue is the value of a hex digit, 0xff for other bytes.
var hexValue = func() (t [256]byte) {
	for c := range t {
		t[c] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c], t[c-'a'+'A'] = byte(c-'a'+10), byte(c-'a'+10)
	}
	return t
}()

// appendIPv6 appends g as netip.Addr.AppendTo writes an address that is
// not IPv4 mapped: the first longest run of two zero groups or more as
// "::", the others in small hex digits without leading zeros.
func appendIPv6(dst []byte, g *[8]uint16) []byte {
	zeroStart, zeroEnd := 8, 8
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i + 1
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i >= 2 && j-i > zeroEnd-zeroStart {
			zeroStart, zeroEnd = i, j
		}
		i = j
	}
	for i := 0; i < 8; i++ {
		if i == zeroStart {
			dst = append(dst, ':', ':')
			if i = zeroEnd; i == 8 {
				break
			}
		} else if i > 0 {
			dst = append(dst, ':')
		}
		x := g[i]
		switch {
		case x >= 0x1000:
			dst = append(dst, hexDigits[x>>12], hexDigits[x>>8&15], hexDigits[x>>4&15], hexDigits[x&15])
		case x >= 0x100:
			dst = append(dst, hexDigits[x>>8], hexDigits[x>>4&15], hexDigits[x&15])
		case x >= 0x10:
			dst = append(dst, hexDigits[x>>4], hexDigits[x&15])
		default:
			dst = append(dst, hexDigits[x])
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"
