package pii

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"net/netip"

	"tocsin/internal/swar"
)

// Text scans free text (a line of a log, a JSON string value, a
// paragraph) and appends what it finds to fs, in order; it returns the
// findings of this call (the tail of fs.List). Context words
// before a value ("né le", "date de naissance", "identifiant France
// Travail", "passeport", "M.", "Mme") raise or decide its category.
//
// Most bytes are letters and spaces: one table lookup each. Work starts
// only at digits, '@', '+', ':' and capitals at the start of a word.
func (s *Scanner) Text(text []byte, fs *Findings) []Finding {
	n := len(fs.List)
	st := scan{s: s, b: text, fs: fs, at: -1}
	st.run()
	return fs.List[n:]
}

// scan is the state of one Text call.
type scan struct {
	s       *Scanner
	b       []byte
	fs      *Findings
	lastEnd int // no finding starts before the end of the previous one
	ctxFrom int // context windows start after the previous number
	hexDone int // IPv6 already tried up to here
	at      int // the position of the next '@' from where it was last looked for, or len(b)
}

// run hands each byte that may start a value to its handler. The bytes
// that may are found from masks of the text made first, a bit a byte
// (Findings.triggers: 32 bytes a compare with AVX2), where the loop
// looked each byte up in the table and tested it, a branch the
// processor foresaw badly between words, and looked for the next 8
// bytes at a time. A small accented letter (é, è, à, ç: 0xC3 then 0xA0
// and above) starts nothing, and French text has one every fifty bytes:
// it is passed over before the handlers' switch, whose jump the
// processor mispredicts as triggers alternate. The switch compares,
// digits and capitals first: with eight cases of constants the compiler
// made it a jump table, one indirect jump for every trigger, whose
// target the processor foresaw worse than these branches.
func (st *scan) run() {
	b, trig := st.b, &st.s.trig
	n := len(b)
	masks := st.fs.triggers(b)
	i := 0
	for {
		// The next byte from i that may start a value; the masks have
		// no bit past the text.
		k := i >> 6
		if k >= len(masks) {
			return
		}
		m := masks[k] >> (uint(i) & 63)
		for m == 0 {
			if k++; k >= len(masks) {
				return
			}
			m, i = masks[k], k<<6
		}
		i += bits.TrailingZeros64(m)
		if b[i] == 0xC3 && uint(i+1) < uint(n) && b[i+1] >= 0xA0 {
			i += 2 // a small accented letter (see above)
			continue
		}
		switch t := trig[b[i]]; {
		case t == trigNone:
			i++ // a byte of the masks' wider set: ';' to '?', past ASCII
		case t == trigDigit:
			i = st.atDigit(i)
		case t == trigUpper:
			i = st.atUpper(i)
		case t == trigAt:
			i = st.atAt(i)
		case t == trigPlus:
			i = st.atPlus(i)
		case t == trigColon:
			i = st.atColon(i)
		case t == trigDollar:
			i = st.atDollar(i)
		case t == trigEquals:
			i = st.atEquals(i)
		case t == trigLatin:
			if up, _ := isUpperAt(b, i); up {
				i = st.atUpper(i)
			} else {
				i += 2
			}
		}
	}
}

// atEquals handles an '=': a password or a name after its key
// (password=…, nom=…). Most '=' are of other keys (level=info), which
// their last letters turn away.
func (st *scan) atEquals(i int) int {
	if end, ok := st.afterKey(i); ok {
		return end
	}
	return i + 1
}

// afterKey reads a password or a name after its key and the ':' or '='
// at i (keyBefore).
func (st *scan) afterKey(i int) (int, bool) {
	switch keyBefore(st.b, i) {
	case keyPassword:
		return st.secret(i)
	case keyName:
		return st.labelledName(i)
	}
	return 0, false
}

// mayTrigger8 marks (0x80) the bytes of v (little-endian) that may start
// a value: ASCII from '0' to 'Z' (digits, ':', '=', '@', capitals, and
// the quiet ';', '<', '>', '?'), '+', '$', and every byte past ASCII (the
// lead bytes of accented capitals, and the rest). Its lowest mark is the
// first such byte; above it, a few other bytes may be marked too (the
// borrow of an exact '+' or '$' spills into the next byte), which is no
// matter: the caller takes the lowest mark and looks it up in the
// trigger table.
func mayTrigger8(v uint64) uint64 {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
		low  = 0x7F7F7F7F7F7F7F7F
	)
	w := v & low // no carry from a byte into the next below
	inRange := (w + (0x80-'0')*ones) &^ (w + (0x80-'Z'-1)*ones)
	// Bytes equal to '+' or '$': a zero byte of p or d, exact up to the
	// first (a zero's borrow may mark the byte above it).
	p := v ^ '+'*ones
	d := v ^ '$'*ones
	eq := (p-ones)&^p | (d-ones)&^d
	return (inRange | eq | v) & high
}

// triggers returns the masks of the bytes of b that may start a value
// (mayTrigger8's set), a bit a byte: bit i&63 of word i>>6 for byte i,
// none past len(b). They are kept in fs, for the next call.
func (fs *Findings) triggers(b []byte) []uint64 {
	n := (len(b) + 63) / 64
	if cap(fs.trig) < n {
		fs.trig = make([]uint64, n+n/4)
	}
	t := fs.trig[:n]
	full := len(b) / 64
	triggerBlocks(b, t[:full])
	if full < n {
		var last [64]byte // the bytes past b are zero, which start nothing
		copy(last[:], b[full*64:])
		triggerBlocks(last[:], t[full:])
	}
	return t
}

// triggerBlocksGo is triggerBlocks eight bytes at a time (mayTrigger8:
// above a '+' or a '$' it may mark a byte more, which run passes over).
func triggerBlocksGo(p []byte, out []uint64) {
	for k := range out {
		var m uint64
		for w := 0; w < 8; w++ {
			m |= swar.Bits(mayTrigger8(binary.LittleEndian.Uint64(p[64*k+8*w:]))) << (8 * w)
		}
		out[k] = m
	}
}

func (st *scan) add(c Category, start, end int, conf float64, norm []byte) {
	st.fs.add(c, start, end, conf, norm)
	st.lastEnd = end
	st.ctxFrom = end
}

// addFrom adds a finding whose normalised value the caller appended to
// st.fs.norms from position from.
func (st *scan) addFrom(c Category, start, end int, conf float64, from int) {
	st.fs.addFrom(c, start, end, conf, from)
	st.lastEnd = end
	st.ctxFrom = end
}

// window returns the folded text before position t, back to the previous
// number or at most contextWindow bytes.
func (st *scan) window(t int) []byte {
	from := t - contextWindow
	if from < st.ctxFrom {
		from = st.ctxFrom
	}
	if from < 0 {
		from = 0
	}
	if from >= t {
		return nil
	}
	st.fs.window = appendFold(st.fs.window[:0], st.b[from:t])
	return st.fs.window
}

// atDigit handles a digit at i: the alphanumeric token holding it starts at
// t (letters may come first, as in an IBAN).
func (st *scan) atDigit(i int) int {
	b := st.b
	t := i
	for t > st.lastEnd && i-t < 40 && byteClass[b[t-1]]&clsAlnum != 0 {
		t--
	}
	// One pass forward: the digits, then the rest of the alphanumeric
	// token.
	k := i
	for k < len(b) && isDigit(b[k]) {
		k++
	}
	de := k
	for k < len(b) && byteClass[b[k]]&clsAlnum != 0 {
		k++
	}
	te := k
	// A digit inside an e-mail's local part: the '@' takes it. Most
	// lines have none: where the next one is is looked up once.
	if st.at < k {
		st.at = len(b)
		if a := bytes.IndexByte(b[k:], '@'); a >= 0 {
			st.at = k + a
		}
	}
	if st.at < len(b) && st.at-k <= 64 {
		for k < len(b) && byteClass[b[k]]&clsTextLocal != 0 {
			k++
		}
		if k == st.at {
			return k
		}
	}
	// The decimals of a number that a program printed at full precision
	// (a balance of 523.4567891234567, a computed price): no identifier
	// starts inside a number, and nine digits or more after its point
	// are its decimals, not a phone group or the groups of a NIR.
	if i >= 2 && b[i-1] == '.' && isDigit(b[i-2]) && t == i && de-i >= 9 {
		st.ctxFrom = te
		return te
	}
	if t < i {
		if end, ok := st.iban(t); ok || end > te {
			return end // an IBAN, or an IBAN-shaped run with a wrong key
		}
		if te < len(b) && b[te] == ':' && t >= st.hexDone {
			if end, ok := st.ipv6(t); ok {
				return end
			}
		}
		if st.contextID(t, te) {
			return te
		}
		st.ctxFrom = te
		return te
	}
	// The leading digits and the byte after them decide which readers
	// can match here; most numbers of a text fit few of them.
	dn := de - t
	var sep, next byte
	if de < len(b) {
		sep = b[de]
		if de+1 < len(b) {
			next = b[de+1]
		}
	}
	switch {
	case sep == '.' && dn <= 3 && isDigit(next):
		if end, ok := st.ipv4(t); ok {
			return end
		}
	case sep == ':' && t >= st.hexDone:
		if end, ok := st.ipv6(t); ok {
			return end
		}
	}
	// A NIR or a card: 13 digits or more, or groups joined by single
	// separators (or the A and B of a Corsican NIR). Dots join only the
	// groups of a NIR (1 85 05 78 006 084 36), whose first digit is 1, 2,
	// 7 or 8; spaces those of a NIR or a card, dashes a card's.
	var joins bool
	switch sep {
	case 'A', 'B':
		joins = true
	case ' ', '-':
		joins = isDigit(next) || next == 'A' || next == 'B'
	case '.':
		joins = (isDigit(next) || next == 'A' || next == 'B') && isGroupEnd(dn) && (b[t] == '1' || b[t] == '2' || b[t] == '7' || b[t] == '8')
	}
	// No NIR starts with 0 or 9 (1, 2, 7, 8), nor any card (2 to 6): a
	// phone number (0612345678, 06 12 34 56 78, 0033…) is spared both.
	// Thirteen digits in a row are a long run already.
	if b[t] != '0' && b[t] != '9' && (dn >= 13 || joins && longRun(b, t)) {
		if end, ok := st.nir(t); ok || end > 0 {
			return end // a NIR, or a NIR-shaped run with a wrong key
		}
		if end, ok := st.card(t); ok {
			return end
		}
	}
	if st.contextID(t, te) {
		return te
	}
	// A phone: ten digits from a 0, groups joined by single spaces, dots
	// or dashes (06 12 34 56 78), or 0033 and what may follow it (a
	// separator, "(0)").
	if b[t] == '0' && (dn >= 10 || dn == 4 && b[t+1] == '0' || (sep == ' ' || sep == '.' || sep == '-') && isDigit(next)) {
		if e164, kind, end := parsePhone(b, t); kind != NotPhone && kind != PhoneSpecial {
			st.add(Phone, t, end, confStructure, e164[:])
			return end
		}
	}
	if dn <= 4 {
		// Dates: dd/mm/yyyy (or '.', '-'), yyyy-mm-dd (or '/'),
		// "12 mars 1985", "1er mai 1990".
		if sep == '/' && dn == 2 && isUpper(next) {
			if end := clfEnd(b, t); end > t {
				st.ctxFrom = end
				return end
			}
		}
		var date bool
		switch sep {
		case '/', '-':
			date = (dn <= 2 || dn == 4) && isDigit(next)
		case '.':
			date = dn <= 2 && isDigit(next)
		case ' ':
			date = dn <= 2 && monthInitial(next)
		case 'e':
			date = dn == 1 && next == 'r'
		}
		if date {
			if end, ok := st.date(t); ok {
				return end
			}
		}
		// "12 rue…", "12, rue…", "12bis rue…", "12 B rue…".
		if b[t] != '0' && (sep == ' ' && isAlpha(next) || sep == ',' || isAlpha(sep)) {
			if end, ok := st.address(t); ok {
				return end
			}
		}
	}
	if end, ok := st.postcode(t, te); ok {
		return end
	}
	st.ctxFrom = te
	return te
}

// atAt handles an '@': an e-mail address around it.
func (st *scan) atAt(i int) int {
	b := st.b
	if u, ok := urlUserinfo(b, i, st.lastEnd); ok {
		// A URL's user information (ftp://user:password@host) is no
		// e-mail address; its password is a credential.
		if c := bytes.IndexByte(b[u:i], ':'); c >= 0 && u+c+1 < i && !placeholder(b[u+c+1:i]) {
			st.add(Credential, u+c+1, i, confStructure, b[u+c+1:i])
		}
		e := i + 1
		for e < len(b) && (isAlnum(b[e]) || b[e] == '.' || b[e] == '-') {
			e++
		}
		st.ctxFrom = e
		return e
	}
	s := i
	// In running text the local part is letters, digits and . _ - + ':
	// the other characters RFC 5322 allows there (/ = ? & ! # $ % * ^ ~
	// and the like) delimit an address far more often than they are in
	// one: "?email=jean@x.fr" in a URL holds jean@x.fr.
	for s > st.lastEnd && i-s < 64 && byteClass[b[s-1]]&clsTextLocal != 0 {
		s--
	}
	for s < i && (b[s] == '.' || b[s] == '\'' || b[s] == '`' || b[s] == '{' || b[s] == '|' || b[s] == '}') {
		s++
	}
	e := i + 1
	for e < len(b) && e-i < 254 && (isAlnum(b[e]) || b[e] == '.' || b[e] == '-') {
		e++
	}
	for e > i+1 && (b[e-1] == '.' || b[e-1] == '-') {
		e--
	}
	if s == i || e == i+1 || (e < len(b) && b[e] == '@') {
		return i + 1
	}
	if !validLocal(b[s:i]) || !validDomain(b[i+1:e]) {
		return i + 1
	}
	if roleMailbox(b[s:i]) {
		st.ctxFrom = e
		return e // contact@…: an address of no one (roleMailboxes)
	}
	from := len(st.fs.norms)
	st.fs.norms = appendLower(st.fs.norms, b[s:e])
	st.addFrom(Email, s, e, confStructure, from)
	return e
}

// atPlus handles a '+': an international phone number. Numbers of other
// countries are skipped whole so that their digits are not read again.
func (st *scan) atPlus(i int) int {
	b := st.b
	start := i
	if i > 0 && b[i-1] == '(' && i-1 >= st.lastEnd {
		start = i - 1
	}
	if e164, kind, end := parsePhone(b, start); kind != NotPhone && kind != PhoneSpecial {
		st.add(Phone, start, end, confStructure, e164[:])
		return end
	}
	if i+1 < len(b) && isDigit(b[i+1]) {
		j := i + 1
		for j < len(b) && (isDigit(b[j]) || (b[j] == ' ' || b[j] == '.' || b[j] == '-' || b[j] == '(' || b[j] == ')') && j+1 < len(b) && (isDigit(b[j+1]) || b[j+1] == '(')) {
			j++
		}
		st.ctxFrom = j
		return j
	}
	return i + 1
}

// atDollar handles a '$': a password hash in the modular crypt format or
// Django's.
func (st *scan) atDollar(i int) int {
	if i < st.lastEnd {
		return i + 1
	}
	if start, end, ok := hashAt(st.b, i, st.lastEnd); ok {
		st.add(Credential, start, end, confStructure, st.b[start:end])
		return end
	}
	return i + 1
}

// secret reads the password after the ':' or '=' at i, which follows a
// password key (keyBefore).
func (st *scan) secret(i int) (int, bool) {
	if i < st.lastEnd {
		return 0, false
	}
	start, end, ok := secretAfter(st.b, i)
	if !ok {
		return 0, false
	}
	conf := confContext
	if CredentialKind(st.b[start:end]) != CredentialPlain {
		conf = confStructure
	}
	st.add(Credential, start, end, conf, st.b[start:end])
	return end, true
}

// atColon handles a ':' after a password key, or inside an IPv6 address
// starting with a letter (fe80::1) or with "::".
func (st *scan) atColon(i int) int {
	if end, ok := st.afterKey(i); ok {
		return end
	}
	if i < st.hexDone {
		return i + 1
	}
	b := st.b
	t := i
	for t > st.lastEnd && i-t < 5 && isHex(b[t-1]) {
		t--
	}
	if t > 0 && (isAlnum(b[t-1]) || b[t-1] == ':') {
		return i + 1
	}
	// A ':' that nothing an address goes on with follows (a label's
	// "Adresse : …") has no second colon: ipv6 would read it and stop.
	if i+1 == len(b) || !isHex(b[i+1]) && b[i+1] != ':' && b[i+1] != '.' {
		return i + 1
	}
	if end, ok := st.ipv6(t); ok {
		return end
	}
	return i + 1
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// ipv6Bytes classes the bytes of an IPv6 address: 1 for a hex digit, 3
// for ':', 5 for '.' (an IPv4 tail), 0 for the others.
var ipv6Bytes = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		if isHex(byte(c)) {
			t[c] = 1
		}
	}
	t[':'], t['.'] = 3, 5
	return t
}()

// ipv6 reads an IPv6 address at t.
func (st *scan) ipv6(t int) (int, bool) {
	b := st.b
	// Counted with no branch but the end's: times (14:22:01) come here
	// too, and their colons and digits would alternate branches.
	e, colons, dots, double, prev := t, 0, 0, 0, 0
	for e < len(b) && e-t < 46 {
		c := ipv6Bytes[b[e]]
		if c == 0 {
			break
		}
		colon := int(c >> 1 & 1)
		colons += colon
		dots += int(c >> 2)
		double |= prev & colon
		prev = colon
		e++
	}
	for e > t && b[e-1] == '.' {
		e--
		dots--
	}
	st.hexDone = e
	if colons < 2 || (e < len(b) && isAlnum(b[e])) {
		return 0, false
	}
	// Without "::" an address writes all 8 groups: 7 colons, or 6 and an
	// IPv4 tail. Times (14:22:01) stop here, before the parser.
	if double == 0 && colons != 7 && !(colons == 6 && dots > 0) {
		return 0, false
	}
	a, err := netip.ParseAddr(string(b[t:e]))
	if err != nil || !a.Is6() || a.IsLoopback() || a.IsUnspecified() {
		return 0, false
	}
	from := len(st.fs.norms)
	st.fs.norms = a.AppendTo(st.fs.norms)
	st.addFrom(IP, t, e, confIP, from)
	return e, true
}

// dottedQuad reads four octets joined by dots at t (1 to 3 digits each,
// no leading zero, at most 255); i is where they end. Octets of one to
// three digits end where a byte loop would branch the way the processor
// did not foresee: with 16 bytes after t, the octets are read with no
// branch, and one tells the outcome.
func dottedQuad(b []byte, t int) (oct [4]int, i int, ok bool) {
	if t+16 > len(b) {
		return dottedQuadBytes(b, t)
	}
	w := b[t : t+16 : t+16]
	bad := 0
	for k := 0; k < 4; k++ {
		if k > 0 {
			bad |= int(w[i] ^ '.')
			i++
		}
		// i <= 12 here: each octet takes at most 3 bytes and a dot.
		x0, x1, x2 := int(w[i])-'0', int(w[i+1])-'0', int(w[i+2])-'0'
		d0 := int(digitBits[w[i]] & 1)
		d1 := int(digitBits[w[i+1]]) & d0
		d2 := int(digitBits[w[i+2]]) & d1
		d3 := int(digitBits[w[i+3]]) & d2
		v := x0*d0 + d1*(x0*9+x1) // x0, or 10*x0 + x1
		v += d2 * (v*9 + x2)      // or 10*v + x2
		// No digit, a fourth digit, or a leading zero.
		bad |= 1 - d0 | d3 | d1&int(digitBits[w[i]]>>1)
		bad |= (255 - v) >> 63 & 1
		oct[k] = v
		i += d0 + d1 + d2
	}
	return oct, t + i, bad == 0
}

// dottedQuadBytes is dottedQuad byte by byte, near the end of b.
func dottedQuadBytes(b []byte, t int) (oct [4]int, i int, ok bool) {
	i = t
	for k := 0; k < 4; k++ {
		if k > 0 {
			if i >= len(b) || b[i] != '.' {
				return oct, i, false
			}
			i++
		}
		s := i
		v := 0
		for i < len(b) && isDigit(b[i]) && i-s < 4 {
			v = v*10 + int(b[i]-'0')
			i++
		}
		if i == s || i-s > 3 || v > 255 || (i-s > 1 && b[s] == '0') {
			return oct, i, false
		}
		oct[k] = v
	}
	return oct, i, true
}

// digitBits is 1 for an ASCII digit, 3 for '0', 0 for any other byte.
var digitBits = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	t['0'] = 3
	return t
}()

// ipv4 reads a dotted-quad IPv4 address at t.
func (st *scan) ipv4(t int) (int, bool) {
	b := st.b
	if t > 0 && b[t-1] == '.' {
		return 0, false
	}
	// A product's version: LibreOffice/7.4.7.2, OPR/106.0.5.12 in a
	// user agent.
	if t >= 2 && b[t-1] == '/' && isAlpha(b[t-2]) {
		return 0, false
	}
	oct, i, ok := dottedQuad(b, t)
	if !ok {
		return 0, false
	}
	if i < len(b) && (isAlnum(b[i]) || b[i] == '.' && i+1 < len(b) && isDigit(b[i+1])) {
		return 0, false
	}
	// Not a host: 0.x.x.x, loopback, broadcast, and a.0.0.0, which is
	// also how a version number reads (Chrome/122.0.0.0).
	if oct[0] == 0 || oct[0] == 127 || oct == [4]int{255, 255, 255, 255} || oct[1]|oct[2]|oct[3] == 0 {
		return 0, false
	}
	// Its text is the address's canonical form already (no octet has a
	// leading zero): netip's would be the same bytes.
	st.add(IP, t, i, confIP, b[t:i])
	return i, true
}

// nir reads a NIR at t: 15 characters, separators allowed between the
// usual groups (1 2 2 2 3 3 2).
func (st *scan) nir(t int) (int, bool) {
	b := st.b
	if b[t] != '1' && b[t] != '2' && b[t] != '7' && b[t] != '8' {
		return 0, false
	}
	// Fifteen characters in a row, the most of them (a separator breaks
	// the second eight bytes): no buffer to gather them in.
	if t+15 <= len(b) && swar.Digits(binary.LittleEndian.Uint64(b[t:t+8]))|0x80<<48 == swar.High &&
		swar.Digits(binary.LittleEndian.Uint64(b[t+7:t+15])) == swar.High && (t+15 == len(b) || !isAlnum(b[t+15])) {
		return st.addNIR(t, t+15, nirKind(b[t:t+15]), b[t:t+15])
	}
	return st.nirGroups(t)
}

// nirGroups is nir where the NIR's characters are gathered one by one,
// separators dropped.
func (st *scan) nirGroups(t int) (int, bool) {
	b := st.b
	var buf [15]byte
	n, i := 0, t
	dotted := false // a NIR written with dots has a dot between all its groups
	for i < len(b) && n < 15 {
		c := b[i]
		switch {
		case isDigit(c):
			if dotted && isGroupEnd(n) && b[i-1] != '.' {
				return 0, false // 1.85056783321234: a number's decimals
			}
		case (c == 'A' || c == 'B') && n == 6:
		case (c == ' ' || c == '.') && n > 0 && isGroupEnd(n) && i+1 < len(b) && isAlnum(b[i+1]) && isAlnum(b[i-1]):
			dotted = dotted || c == '.'
			i++
			continue
		default:
			return 0, false
		}
		buf[n] = c
		n++
		i++
	}
	if n != 15 || (i < len(b) && isAlnum(b[i])) {
		return 0, false
	}
	return st.addNIR(t, i, nirKind(buf[:]), buf[:])
}

// addNIR adds the NIR norm of kind read from t to i, or tells nir's
// caller where to go on.
func (st *scan) addNIR(t, i int, kind NIRKind, norm []byte) (int, bool) {
	switch kind {
	case NIRPermanent:
		st.add(NIR, t, i, confChecksum, norm)
	case NIRTemporary:
		st.add(NIR, t, i, confTemporary, norm)
	default:
		// Written in NIR groups but with a wrong key or structure: skip it
		// whole, so that its parts are not read as a phone or a card.
		if i-t > 15 {
			st.ctxFrom = i
			return i, false
		}
		return 0, false
	}
	return i, true
}

// longRun reports whether b[t:] starts with at least 13 digits (or the
// 'A' and 'B' of a Corsican NIR), single spaces, dots or dashes allowed
// between them: what a NIR or a card number needs. Most numbers of a
// text are shorter, and are spared both readers. The run is read eight
// bytes at a time: its groups (2021-06-02, 1 85 05 78 006 084 36) end
// where a byte loop would branch the way the processor did not foresee.
func longRun(b []byte, t int) bool {
	if t < len(b) && b[t] != 'A' && b[t] != 'B' && !isDigit(b[t]) {
		return false // a separator first joins nothing
	}
	n, i := 0, t
	for ; i+9 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i : i+8])
		d, s := runDigits8(w), runSeps8(w)
		// A separator goes on only before a digit: the byte after each,
		// the next word's first for the last.
		next := d>>8 | runDigits8(uint64(b[i+8]))<<56
		if stop := (^(d | s) | s&^next) & swar.High; stop != 0 {
			// The digits before the first byte that stops the run.
			return n+bits.OnesCount64(d&(stop&-stop-1)) >= 13
		}
		if n += bits.OnesCount64(d); n >= 13 {
			return true
		}
	}
	return longRunFrom(b, i, n)
}

// longRunFrom is longRun's byte loop, from i with n digits read.
func longRunFrom(b []byte, i, n int) bool {
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case isDigit(c) || c == 'A' || c == 'B':
			if n++; n == 13 {
				return true
			}
		case (c == ' ' || c == '.' || c == '-') && n > 0 && i+1 < len(b) && isAlnum(b[i+1]):
		default:
			return false
		}
	}
	return false
}

// isGroupEnd reports whether a separator may follow the n-th character of
// a NIR: sex | year | month | département | commune | order | key.
func isGroupEnd(n int) bool {
	// One bit a position (1, 3, 5, 7, 10 and 13): no branch to foresee.
	const ends = 1<<1 | 1<<3 | 1<<5 | 1<<7 | 1<<10 | 1<<13
	return uint(n) < 16 && ends>>uint(n)&1 != 0
}

// card reads a payment card number at t: 13 to 19 digits in groups
// separated by single spaces or dashes. Shorter runs of groups are tried
// too, so that an expiry date after the number does not hide it.
func (st *scan) card(t int) (int, bool) {
	b := st.b
	var buf [19]byte
	// ends[k]: where the group ends, from t, when one ends after k+1
	// digits (the 19 digits and 18 separators take less than 256 bytes).
	var ends [19]uint8
	var groups uint32 // bit k: a separator after k digits
	n, i := 0, t
	for i < len(b) && n < 19 {
		c := b[i]
		if isDigit(c) {
			// A group at once: most long numbers are one.
			for lim := min(len(b), i+19-n); i < lim && isDigit(b[i]); i++ {
				buf[n] = b[i]
				n++
			}
			if i == len(b) || !isDigit(b[i]) {
				ends[n-1] = uint8(i - t)
			}
			continue
		}
		if (c == ' ' || c == '-') && i+1 < len(b) && isDigit(b[i+1]) && n > 0 {
			groups |= 1 << n
			i++
			continue
		}
		break
	}
	if n < 13 {
		return 0, false
	}
	for k := n; k >= 13; k-- {
		if ends[k-1] == 0 {
			continue
		}
		e := t + int(ends[k-1])
		if e < len(b) && isAlnum(b[e]) {
			continue
		}
		if k == n && n == 19 && e < len(b) && (b[e] == ' ' || b[e] == '-') && e+1 < len(b) && isDigit(b[e+1]) {
			continue
		}
		if issuer := cardIssuer(buf[:k]); issuer != "" && luhnBytes(buf[:k]) {
			// Every French company's SIRET has 14 digits and passes
			// Luhn; those that start as Diners' cards do (30, 36, 38).
			// Diners' 14-digit cards print as 4-6-4: others need the
			// word for a card before them.
			if k == 14 && issuer == "diners" && groups&(1<<k-1) != 1<<4|1<<10 && !hasContext(st.window(t), &st.s.ctx.card) {
				return 0, false
			}
			st.add(Card, t, e, confChecksum, buf[:k])
			return e, true
		}
	}
	return 0, false
}

func luhnBytes(d []byte) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// iban reads an IBAN at t (two letters, two digits), in one piece or in
// groups of four separated by single spaces.
func (st *scan) iban(t int) (int, bool) {
	b := st.b
	if t+4 > len(b) || !isAlpha(b[t]) || !isAlpha(b[t+1]) || !isDigit(b[t+2]) || !isDigit(b[t+3]) {
		return 0, false
	}
	cc := [2]byte{b[t] &^ 0x20, b[t+1] &^ 0x20}
	want := ibanLength(string(cc[:]))
	if want == 0 {
		return 0, false
	}
	var buf [34]byte
	n, i := 0, t
	for i < len(b) && n < want {
		c := b[i]
		switch {
		case isDigit(c) || isUpper(c):
		case isLower(c):
			c -= 0x20
		case (c == ' ' || c == '-') && n > 0 && i+1 < len(b) && isAlnum(b[i+1]):
			i++
			continue
		default:
			return 0, false
		}
		buf[n] = c
		n++
		i++
	}
	if n != want || (i < len(b) && isAlnum(b[i])) {
		return 0, false
	}
	if !ibanOK(buf[:n]) {
		st.ctxFrom = i
		return i, false // IBAN-shaped: its parts are not read again
	}
	st.add(IBAN, t, i, confChecksum, buf[:n])
	return i, true
}

// contextID reports a France Travail identifier or an identity-document
// number in the token b[t:te] when a context word comes before it.
func (st *scan) contextID(t, te int) bool {
	b := st.b
	l := te - t
	if l < 8 || l > 12 || (te < len(b) && (b[te] == '@' || b[te] == '.' && te+1 < len(b) && isAlnum(b[te+1]))) {
		return false
	}
	digits, lower := 0, 0
	for _, c := range b[t:te] {
		if isDigit(c) {
			digits++
		} else if isLower(c) {
			lower++
		}
	}
	if lower > 0 || digits < 2 {
		return false
	}
	// A French phone number is one, whatever document the words before
	// it name ("carte d'identité, rappeler au 0612345678"), but for the
	// number of a document named right before it: a residence permit's
	// ten digits start with its département's two (titre de séjour n°
	// 0112345678, from the Ain).
	if l == 10 && digits == 10 && b[t] == '0' {
		if _, kind, end := parsePhone(b, t); end == te && kind != NotPhone && kind != PhoneSpecial {
			if !endsWithKeyword(st.window(t), &st.s.ctx.idDocument) {
				return false
			}
			st.add(IDDocument, t, te, confContext, b[t:te])
			return true
		}
	}
	w := st.window(t)
	if len(w) == 0 {
		return false
	}
	if digits >= 7 && l <= 11 && hasContext(w, &st.s.ctx.franceTravail) {
		st.add(FranceTravail, t, te, confContext, b[t:te])
		return true
	}
	if l >= 9 && hasContext(w, &st.s.ctx.idDocument) {
		st.add(IDDocument, t, te, confContext, b[t:te])
		return true
	}
	return false
}
