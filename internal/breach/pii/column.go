package pii

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"
	"unicode"
	"unicode/utf8"

	"tocsin/internal/swar"
)

// Column is what a table column holds, decided from its header and a
// sample of its values: a column of names is names even where one value
// alone is ambiguous ("Martin", "Rose").
type Column struct {
	Category   Category // "" when the column holds no single personal-data category
	Confidence float64
}

// ClassifyColumn decides what a column holds from its header (French and
// English names: nom, prénom, date_naissance, dob, nir, num_secu, iban,
// tel, portable, email, courriel, adresse, code_postal, ville,
// identifiant_ft, passeport, ip…) and a sample of its values: a header
// that names a category is confirmed (or weakened) by the values; without
// one, at least 80 % of the non-empty sampled values must validate as one
// category (dates alone never make a column of birth dates).
func (s *Scanner) ClassifyColumn(header string, sample [][]byte) Column {
	return s.ClassifyValues(headerCategory(header), sample)
}

// HeaderCategory returns the category a column header names, "" when
// none: the part of ClassifyColumn a caller may remember per header.
func (s *Scanner) HeaderCategory(header string) Category { return headerCategory(header) }

// ClassifyValues is ClassifyColumn given the category its header names
// (HeaderCategory).
func (s *Scanner) ClassifyValues(h Category, sample [][]byte) Column {
	var counts [numKinds]int
	var kinds [numKinds]Category
	nonEmpty := 0
	for _, v := range sample {
		if len(bytes.TrimSpace(v)) > 0 {
			nonEmpty++
		}
	}
	// Without a header's word, a column is of a category only when 80 %
	// of its values bear that category's witness (decides): once more
	// than a fifth bear none, nothing can be. The columns of codes,
	// amounts and dates of a folder of small tables, each classified from
	// its few rows, are spared most of their values' readings.
	undecided := 0
	for _, v := range sample {
		v = bytes.TrimSpace(v)
		if len(v) == 0 {
			continue
		}
		decided := false
		for _, c := range s.valueKinds(v, kinds[:0]) {
			counts[catIndex(c)]++
			decided = decided || decides(c)
		}
		if !decided {
			if undecided++; h == "" && undecided*5 > nonEmpty {
				return Column{}
			}
		}
	}
	frac := func(c Category) float64 {
		if nonEmpty == 0 {
			return 0
		}
		return float64(counts[catIndex(c)]) / float64(nonEmpty)
	}
	if h == Credential {
		// Any value is a password but flags, dates and placeholders: a
		// column of those (password_set, a date of change under a header
		// this reader did not know) is not. Nulls do not count: most
		// accounts of a table may have none.
		secrets, others := 0, 0
		for _, v := range sample {
			switch v = bytes.TrimSpace(v); {
			case len(v) == 0 || isNull(v):
			case s.secretValue(v):
				secrets++
			default:
				others++
			}
		}
		if others > secrets {
			if c, f := bestValidated(frac); f >= 0.8 {
				return Column{c, confColumn * f}
			}
			return Column{}
		}
		return Column{Credential, confColumn}
	}
	if h != "" {
		if nonEmpty == 0 {
			return Column{h, 0.8}
		}
		f := frac(h)
		if h == Phone {
			f += frac(phoneBare) // numbers that lost their 0 confirm a phone header
		}
		switch {
		case f >= 0.8:
			return Column{h, confChecksum}
		case f >= 0.5:
			return Column{h, confColumn * f}
		}
		// The header says one thing, the values another: trust validated
		// values over a header.
		if c, f := bestValidated(frac); f >= 0.8 {
			return Column{c, confColumn * f}
		}
		return Column{h, 0.5}
	}
	if nonEmpty == 0 {
		return Column{}
	}
	if c, f := bestValidated(frac); f >= 0.8 {
		return Column{c, confColumn * f}
	}
	if frac(Name) >= 0.8 && frac(nameByList) >= 0.8 && frac(nameCased) >= 0.8 {
		return Column{Name, 0.8}
	}
	if frac(credentialHash) >= 0.8 {
		return Column{Credential, confColumn}
	}
	if frac(Address) >= 0.8 && frac(addressFull) >= 0.8 {
		return Column{Address, 0.8}
	}
	return Column{}
}

// Pseudo-categories counted while classifying a sample.
const (
	nameByList  Category = "name-by-list" // a given name of the list, alone or with a surname
	addressFull Category = "address-full" // number and street type
	dateAny     Category = "date"         // any calendar date
	phoneBare   Category = "phone-bare"   // a phone number without its 0 or its '+' (parseBarePhone)
	nameCased   Category = "name-cased"   // words capitalised as names are (casedName)
	// A password hash in a format that names itself (CredentialKind).
	credentialHash Category = "credential-hash"
)

// The indexes of the categories in Categories(), as catIndex gives them.
const (
	idxNIR = iota
	idxFranceTravail
	idxIBAN
	idxCard
	idxEmail
	idxPhone
	idxDateOfBirth
	idxAddress
	idxName
	idxIDDocument
	idxIP
	idxCredential
)

func catIndex(c Category) int {
	switch c {
	case NIR:
		return idxNIR
	case FranceTravail:
		return idxFranceTravail
	case IBAN:
		return idxIBAN
	case Card:
		return idxCard
	case Email:
		return idxEmail
	case Phone:
		return idxPhone
	case DateOfBirth:
		return idxDateOfBirth
	case Address:
		return idxAddress
	case Name:
		return idxName
	case IDDocument:
		return idxIDDocument
	case IP:
		return idxIP
	case Credential:
		return idxCredential
	case nameByList:
		return 12
	case addressFull:
		return 13
	case dateAny:
		return 14
	case phoneBare:
		return 15
	case nameCased:
		return 16
	case credentialHash:
		return 17
	}
	return numKinds - 1
}

// numKinds counts the categories and pseudo-categories of catIndex, and
// one for none.
const numKinds = 19

// decides tells the kinds that ClassifyValues needs in 80 % of the values
// of a column without a header's word, one for each way it may decide:
// a validated identifier (bestValidated), names capitalised as names are,
// password hashes, full addresses.
func decides(c Category) bool {
	switch c {
	case NIR, IBAN, Card, Email, Phone, IP, nameCased, credentialHash, addressFull:
		return true
	}
	return false
}

func bestValidated(frac func(Category) float64) (Category, float64) {
	var best Category
	bf := 0.0
	for _, c := range [...]Category{NIR, IBAN, Card, Email, Phone, IP} {
		if f := frac(c); f > bf {
			best, bf = c, f
		}
	}
	return best, bf
}

// valueKinds appends to out what one trimmed value fits. It uses the
// validators that make no normalised copy, and tries only those the
// value's bytes allow (every identifier and date needs a digit, an e-mail
// its '@', an IPv6 address without digits its ':', a name no digit): a
// column's sample is classified in every file, and most files of a
// breach folder are small.
func (s *Scanner) valueKinds(v []byte, out []Category) []Category {
	digit, at, colon := false, false, false
	for _, c := range v {
		switch {
		case isDigit(c):
			digit = true
		case c == '@':
			at = true
		case c == ':':
			colon = true
		}
	}
	if digit {
		if _, _, k := nirBody(v); k != NotNIR {
			out = append(out, NIR) // a NIR without its key counts only where the header says nir
		}
		if _, _, ok := ibanBody(v); ok {
			out = append(out, IBAN)
		}
		if _, _, ok := cardBody(v); ok {
			out = append(out, Card)
		}
		if _, k, ok := parsePhoneFR(v); ok && k != PhoneSpecial {
			out = append(out, Phone)
		} else if _, ok := parseBarePhone(v); ok {
			out = append(out, phoneBare)
		}
		if _, ok := s.cellDate(v); ok {
			out = append(out, DateOfBirth, dateAny)
		}
		if idShape(v, 8, 11, 7) {
			out = append(out, FranceTravail)
		}
		if idShape(v, 8, 12, 2) {
			out = append(out, IDDocument)
		}
	}
	if at && emailOK(v) {
		out = append(out, Email)
	}
	if digit || colon {
		if _, ok := parseAddr(v); ok {
			out = append(out, IP)
		}
	}
	if !digit && plausibleName(v) {
		out = append(out, Name)
		if s.looksLikeListedName(v) {
			out = append(out, nameByList)
		}
		if s.casedName(v) {
			out = append(out, nameCased)
		}
	}
	if s.secretValue(v) {
		out = append(out, Credential)
		if CredentialKind(v) != CredentialPlain && !isHexDigest(v) {
			out = append(out, credentialHash)
		}
	}
	if plausibleAddress(v) {
		out = append(out, Address)
		if end, _, _, ok := s.parseAddress(v, 0); ok && end >= len(v)*2/3 {
			out = append(out, addressFull)
		}
	}
	return out
}

// casedName tells a value written as names are: each word capitalised
// (Jean, JEAN, Jean-Pierre, Мария; a script without case counts as
// capitalised), but for particles (de, la, d'Aubigné). A title or a
// sentence ("Rendez-vous titre d'identité - Jean Martin") is not, though
// it holds a given name.
func (s *Scanner) casedName(v []byte) bool {
	for i := 0; i < len(v); {
		for i < len(v) && v[i] == ' ' {
			i++
		}
		j := i
		for j < len(v) && v[j] != ' ' {
			j++
		}
		if j == i {
			break
		}
		w := v[i:j]
		i = j
		r, _ := utf8.DecodeRune(w)
		switch {
		case unicode.IsUpper(r) || unicode.IsLetter(r) && !unicode.IsLower(r):
		case s.inSet(lexParticle, w, 0, len(w)):
		case len(w) > 2 && (w[0] == 'd' || w[0] == 'l') && w[1] == '\'':
			// d'Aubigné, l'Hermite: the elided particle, then a capital.
			if r, _ := utf8.DecodeRune(w[2:]); !unicode.IsUpper(r) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// looksLikeListedName: "Jean", "Jean Dupont", "DUPONT Jean".
// Its words are cut as bytes.Fields cuts them, without the slice of them.
func (s *Scanner) looksLikeListedName(v []byte) bool {
	start := -1                                                   // where the current word starts
	first := len(v) - len(bytes.TrimLeftFunc(v, unicode.IsSpace)) // where the first word starts
	for i := 0; i <= len(v); {
		r, size := ' ', 1
		if i < len(v) {
			if r, size = rune(v[i]), 1; r >= utf8.RuneSelf {
				r, size = utf8.DecodeRune(v[i:])
			}
		}
		switch {
		case !unicode.IsSpace(r):
			if start < 0 {
				start = i
			}
		case start >= 0:
			if start == first && s.inSet(lexEponym, v, start, i) {
				return false // a place named after someone: Collège Jules Ferry
			}
			if s.isGiven(v, start, i) {
				return true
			}
			start = -1
		}
		i += size
	}
	return false
}

// Cell scans one table cell knowing its column: in a classified column the
// value is accepted for the column's category when it fits it (a date in a
// date-of-birth column, any plausible name in a name column, an address in
// an address column); validated identifiers are still validated, and a
// 13-character NIR without its key counts in a NIR column. Anything else,
// and any cell of an unclassified column, is scanned as text. It appends
// to fs and returns the findings of this call.
func (s *Scanner) Cell(col Column, value []byte, fs *Findings) []Finding {
	n := len(fs.List)
	if col.Category == "" || !s.cellColumn(col, value, fs) {
		s.cellText(value, fs)
	}
	return fs.List[n:]
}

// CellFits is Cell that also tells whether the value fitted the column's
// category (or was empty): its finding, if any, is then its whole trimmed
// value (TrimCell) and depends on its bytes and the column alone.
func (s *Scanner) CellFits(col Column, value []byte, fs *Findings) (finds []Finding, fits bool) {
	n := len(fs.List)
	if fits = col.Category != "" && s.cellColumn(col, value, fs); !fits {
		s.cellText(value, fs)
	}
	return fs.List[n:], fits
}

// TrimMax is the greatest byte TrimCell trims: a value whose two ends
// are above it needs no trimming.
const TrimMax = '\''

// TrimCell tells where a cell's value starts and ends, white space and
// quotes around it left out.
func TrimCell(value []byte) (start, end int) {
	start, end = 0, len(value)
	for start < end && isSpace(value[start]) {
		start++
	}
	for end > start && isSpace(value[end-1]) {
		end--
	}
	return start, end
}

// AppendNormName appends a name normalised as the finding of a cell of a
// column of names holds it.
func AppendNormName(dst, v []byte) []byte { return appendNormText(dst, v) }

// cellColumn adds the value of a cell of a classified column when it
// fits the column's category.
func (s *Scanner) cellColumn(col Column, value []byte, fs *Findings) bool {
	start, end := TrimCell(value)
	if start == end {
		return true
	}
	conf := col.Confidence
	if conf == 0 {
		conf = confColumn
	}
	from := len(fs.norms)
	var ok bool
	fs.norms, conf, ok = s.appendCell(fs.norms, catIndex(col.Category), value[start:end], conf)
	if !ok {
		return false
	}
	fs.addFrom(col.Category, start, end, conf, from)
	return true
}

// CellValue appends to dst the normalised form of v, the trimmed value
// (TrimCell) of a cell of a column of the category of index cat in
// Categories(), when v fits the category: it is then the one finding
// Cell gives. False when it does not, and Cell scans it as text; dst is
// then returned as it was. The category comes as its index: a caller
// that reads a column asks once a value, and a switch on a string costs
// its comparisons each time.
func (s *Scanner) CellValue(dst []byte, cat int, v []byte) ([]byte, bool) {
	dst, _, ok := s.appendCell(dst, cat, v, 0)
	return dst, ok
}

// appendCell appends to dst the normalised form of v, a trimmed value
// of the category of index cat, and the confidence of its finding from
// conf, the column's.
func (s *Scanner) appendCell(dst []byte, cat int, v []byte, conf float64) ([]byte, float64, bool) {
	from := len(dst)
	ok := false
	switch cat {
	case idxNIR:
		buf, n, kind := nirBody(v)
		switch kind {
		case NIRTemporary:
			conf = minf(conf, confTemporary)
		case NIRNoKey:
			conf = minf(conf, confWeak)
		}
		if ok = kind != NotNIR; ok {
			dst = append(dst, buf[:n]...)
		}
	case idxIBAN:
		buf, n, valid := ibanBody(v)
		if ok = valid; ok {
			dst = append(dst, buf[:n]...)
		}
	case idxCard:
		buf, n, valid := cardBody(v)
		if ok = valid; ok {
			dst = append(dst, buf[:n]...)
		}
	case idxEmail:
		// Lower-cased past the normalised values' end, and kept there
		// for an address.
		dst = slices.Grow(dst, max(len(v), 64))
		if at := emailAtCell(v, dst[from:cap(dst)]); at > 0 && !roleMailbox(v[:at]) {
			ok = true
			dst = dst[:from+len(v)]
		}
	case idxPhone:
		e164, k, valid := parsePhoneFR(v)
		ok = valid && k != PhoneSpecial
		if !ok {
			e164, ok = parseBarePhone(v)
		}
		if ok {
			dst = append(dst, e164[:]...)
		}
	case idxIP:
		// IPv6 in hex and colons, read and written here (ipv6.go): its
		// first group ends by the fifth byte.
		if len(v) >= 7 && len(v) <= 45 && (v[0] == ':' || v[1] == ':' || v[2] == ':' || v[3] == ':' || v[4] == ':') {
			if g, got := parseIPv6(v); got != ipv6Other {
				if ok = got == ipv6OK; ok {
					dst = appendIPv6(dst, &g)
				}
				break
			}
		} else if len(v) >= 7 {
			// No address has its first colon past its fifth byte: this
			// is an IPv4 address or none, which parseIPv4 tells alone.
			a, valid := parseIPv4(v)
			if ok = valid && !a.IsLoopback() && !a.IsUnspecified(); ok {
				dst = append(dst, v...)
			}
			break
		}
		a, valid := parseAddr(v)
		switch ok = valid; {
		case ok && a.Is4():
			// Read by parseIPv4, which takes a dotted quad only as
			// netip writes it: decimal, no leading zero.
			dst = append(dst, v...)
		case ok:
			dst = a.AppendTo(dst)
		}
	case idxDateOfBirth:
		iso, valid := s.cellDate(v)
		if ok = valid; ok {
			dst = append(dst, iso[:]...)
		}
	case idxName:
		if ok = plausibleName(v); ok {
			dst = appendNormText(dst, v)
		}
	case idxAddress:
		if ok = plausibleAddress(v); ok {
			dst = appendNormText(dst, v)
		}
	case idxFranceTravail:
		if ok = idShape(v, 8, 11, 7); ok {
			dst = append(dst, v...) // capitals and digits
		}
	case idxIDDocument:
		if ok = idShape(v, 8, 12, 2); ok {
			dst = append(dst, v...) // capitals and digits
		}
	case idxCredential:
		// As stored: two passwords that differ in case differ.
		if ok = s.secretValue(v); ok {
			dst = append(dst, v...)
		}
	}
	if !ok || len(dst) == from {
		return dst[:from], conf, false
	}
	return dst, conf, true
}

// cellText scans a cell as text unless it cannot hold anything: most
// cells of a table are amounts, quantities and dates, which Text would
// otherwise take digit by digit through every detector.
func (s *Scanner) cellText(v []byte, fs *Findings) {
	if !s.Inert(v) {
		s.Text(v, fs)
	}
}

// Inert reports whether Text, and so Cell in a column of no category,
// can find nothing in v: a few table lookups per byte, far cheaper than
// the detectors (amounts, quantities, rates, short codes). Every context
// word, name, street, commune and IBAN needs a letter, an e-mail its '@', an
// international number its '+' or 00 33 (10 digits); without those, a
// value needs a run of at least 10 digits (phone, NIR, card; digits joined
// by spaces, dots, dashes or parentheses), three dots (IPv4) or "::" or
// seven colons (IPv6).
//
// A value of at most 16 bytes below '@' but for '+' and ':' (amounts,
// quantities, rates, dates: most cells asked) has no letter nor any byte
// beyond ASCII: fewer than 10 bytes from '0' on (its digits and a few
// signs) cannot make a run of 10 digits, and its words answer in a third
// of the byte loop's instructions.
func (s *Scanner) Inert(v []byte) bool {
	switch n := len(v); {
	case n == 0:
	case n <= 8:
		if inert, sure := InertWord(swar.Load(v)); sure {
			return inert
		}
	case n <= 16:
		lo, hi := swar.Load(v), swar.Load(v[8:])
		if inertLive(lo)|inertLive(hi) == 0 && bits.OnesCount64(inertHigh(lo))+bits.OnesCount64(inertHigh(hi)) < 10 {
			return bits.OnesCount64(swar.Equal(lo, '.'))+bits.OnesCount64(swar.Equal(hi, '.')) < 3
		}
	}
	run, dots, colons := 0, 0, 0
	prev := byte(0)
	for _, c := range v {
		switch s.cellClass[c] {
		case cellDigit:
			run++
			if run >= 10 {
				return false
			}
		case cellJoin:
			if c == '.' {
				dots++
			}
		case cellColon:
			colons++
			if prev == ':' {
				return false
			}
			run = 0
		case cellLive:
			return false
		default:
			run = 0
		}
		prev = c
	}
	return dots < 3 && colons < 7
}

// InertWord is Inert of a value of 1 to 8 bytes read into a word by
// swar.Load, when sure: small enough for a caller's loop to inline, with
// no call that would spill the loop's values to the stack.
func InertWord(w uint64) (inert, sure bool) {
	if inertLive(w) != 0 {
		return false, false
	}
	return bits.OnesCount64(swar.Equal(w, '.')) < 3, true
}

// inertLive marks the bytes of w a value of a word or two is not answered
// with: from '@' on, and '+' or ':' (with '*' and ';', which are the same
// but for the bits 0x11, one test for the four).
func inertLive(w uint64) uint64 {
	const lo, hi = swar.Ones, swar.High
	return (w&^hi + 0x40*lo | w | swar.Equal(w|0x11*lo, ';')) & hi
}

// inertHigh marks the bytes of w from '0' on, all below 0x80: its digits,
// and ';' to '?'.
func inertHigh(w uint64) uint64 { return (w + 0x50*swar.Ones) & swar.High }

func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

// isSpace tells the bytes trimmed from a cell: white space and quotes.
// All are at most the apostrophe (TrimMax), so a value's first and last
// bytes, letters and digits, are told apart by one comparison.
func isSpace(c byte) bool {
	return c <= TrimMax && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'')
}

// cellDate reads a whole cell as a date: the forms of free text, ISO 8601
// with a time, or YYYYMMDD.
func (s *Scanner) cellDate(v []byte) (iso [10]byte, ok bool) {
	if len(v) == 10 {
		if iso, ok, decided := date10(v); decided {
			return iso, ok
		}
	}
	return s.cellDateAny(v)
}

// date10 reads a cell of ten bytes in the forms of most tables' dates,
// dd/mm/yyyy (or '.' or '-') and yyyy-mm-dd (or '/'), its digits told at
// once and its ISO form moved from its bytes; decided is false for a
// cell of another form, left to cellDateAny.
func date10(v []byte) (iso [10]byte, ok, decided bool) {
	const (
		dmyDigits = 0x8080008080008080 // dd/mm/yy
		ymdDigits = 0x0080800080808080 // yyyy-mm-
	)
	w := binary.LittleEndian.Uint64(v)
	digits := swar.Digits(w)
	if !isDigit(v[8]) || !isDigit(v[9]) {
		return iso, false, false
	}
	switch {
	case digits == dmyDigits && v[2] == v[5] && (v[2] == '/' || v[2] == '.' || v[2] == '-'):
		iso = [10]byte{v[6], v[7], v[8], v[9], '-', v[3], v[4], '-', v[0], v[1]}
	case digits == ymdDigits && v[4] == v[7] && (v[4] == '-' || v[4] == '/'):
		iso = [10]byte(v)
		iso[4], iso[7] = '-', '-'
	default:
		return iso, false, false
	}
	y := int(iso[0]-'0')*1000 + int(iso[1]-'0')*100 + int(iso[2]-'0')*10 + int(iso[3]-'0')
	m := int(iso[5]-'0')*10 + int(iso[6]-'0')
	d := int(iso[8]-'0')*10 + int(iso[9]-'0')
	return iso, validDate(y, m, d) && birthYear(y), true
}

// cellDateAny is cellDate of a cell of any form.
func (s *Scanner) cellDateAny(v []byte) (iso [10]byte, ok bool) {
	if len(v) == 8 {
		allDigits := true
		for _, c := range v {
			allDigits = allDigits && isDigit(c)
		}
		if allDigits {
			y := int(v[0]-'0')*1000 + int(v[1]-'0')*100 + int(v[2]-'0')*10 + int(v[3]-'0')
			m := int(v[4]-'0')*10 + int(v[5]-'0')
			d := int(v[6]-'0')*10 + int(v[7]-'0')
			if validDate(y, m, d) && birthYear(y) {
				return isoDate(y, m, d), true
			}
			return iso, false
		}
	}
	y, m, d, end, ok := s.parseDate(v, 0)
	if !ok || !birthYear(y) {
		return iso, false
	}
	if end != len(v) && !(v[end] == 'T' || v[end] == ' ' && end+1 < len(v) && isDigit(v[end+1])) {
		return iso, false
	}
	if parisMidnight(v[end:]) {
		y, m, d = nextDay(y, m, d)
	}
	return isoDate(y, m, d), true
}

// parisMidnight tells the time of a date picked in France and stored in
// UTC, as JavaScript's toISOString writes it: midnight in Paris is 22:00
// (summer) or 23:00 (winter) UTC the day before, "T23:00:00.000Z".
func parisMidnight(t []byte) bool {
	if len(t) < 10 || t[0] != 'T' || t[1] != '2' || t[2] != '2' && t[2] != '3' || string(t[3:9]) != ":00:00" {
		return false
	}
	switch string(t[9:]) {
	case "Z", ".000Z", "+00:00", ".000+00:00":
		return true
	}
	return false
}

// nextDay returns the day after y-m-d, a valid date.
func nextDay(y, m, d int) (int, int, int) {
	switch {
	case validDate(y, m, d+1):
		return y, m, d + 1
	case m < 12:
		return y, m + 1, 1
	}
	return y + 1, 1, 1
}

func parseIP(v []byte) (string, bool) {
	a, ok := parseAddr(v)
	if !ok {
		return "", false
	}
	return a.String(), true
}

// parseAddr reads a whole cell as an IP address.
func parseAddr(v []byte) (netip.Addr, bool) {
	if len(v) < 7 || len(v) > 45 {
		return netip.Addr{}, false
	}
	colon := false
	for _, c := range v {
		if !isHex(c) && c != '.' && c != ':' {
			return netip.Addr{}, false
		}
		colon = colon || c == ':'
	}
	if !colon {
		// Parsed here, without the string netip would need.
		a, ok := parseIPv4(v)
		if !ok || a.IsLoopback() || a.IsUnspecified() {
			return netip.Addr{}, false
		}
		return a, true
	}
	a, err := netip.ParseAddr(string(v))
	if err != nil || a.IsLoopback() || a.IsUnspecified() {
		return netip.Addr{}, false
	}
	return a, true
}

// parseIPv4 reads v as a dotted quad the way netip.ParseAddr does: four
// decimal octets up to 255, no leading zero.
func parseIPv4(v []byte) (netip.Addr, bool) {
	var oct [4]byte
	k, digits, val := 0, 0, 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == '.' {
			if digits == 0 || k == 4 {
				return netip.Addr{}, false
			}
			oct[k] = byte(val)
			k, digits, val = k+1, 0, 0
			continue
		}
		c := v[i]
		if !isDigit(c) || digits > 0 && val == 0 {
			return netip.Addr{}, false
		}
		val = val*10 + int(c-'0')
		digits++
		if val > 255 {
			return netip.Addr{}, false
		}
	}
	if k != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(oct), true
}

// plausibleName: 1 to 6 words of letters (of any script), hyphens,
// apostrophes and dots, at most 80 bytes, no digit.
func plausibleName(v []byte) bool {
	if len(v) == 0 || len(v) > 80 {
		return false
	}
	// Most names are ASCII letters, spaces and hyphens: a table tells
	// them, with no branch but the loop's; any other byte goes the long
	// way, which decides.
	words, letters := 1, 0
	for _, c := range v {
		k := nameASCII[c]
		if k == 0 {
			return plausibleNameRunes(v)
		}
		letters += int(k & nameLetter)
		words += int(k&nameSpace) >> 1
	}
	return letters >= 1 && words <= 6
}

// The classes of the ASCII bytes of a plain name, for plausibleName.
const (
	nameLetter = 1 << iota
	nameSpace
	nameJoin // - ' .
)

var nameASCII = func() (t [256]uint8) {
	for c := 0; c < 0x80; c++ {
		switch {
		case isAlpha(byte(c)):
			t[c] = nameLetter
		case c == ' ':
			t[c] = nameSpace
		case c == '-' || c == '\'' || c == '.':
			t[c] = nameJoin
		}
	}
	return t
}()

// plausibleNameRunes is plausibleName for any text: letters of every
// script and the typographic apostrophe.
func plausibleNameRunes(v []byte) bool {
	words, letters := 1, 0
	for i := 0; i < len(v); {
		c := v[i]
		if ok, n := letterAt(v, i); ok {
			letters++
			i += n
			continue
		}
		if c >= 0x80 {
			// A name in another script (Мария, محمد, 王): a letter, or a
			// mark that goes with one.
			if r, n := utf8.DecodeRune(v[i:]); unicode.IsLetter(r) || unicode.Is(unicode.M, r) {
				letters++
				i += n
				continue
			}
		}
		switch c {
		case ' ':
			words++
		case '-', '\'', '.':
		default:
			if c == 0xE2 && i+2 < len(v) && v[i+1] == 0x80 && v[i+2] == 0x99 { // ’
				i += 3
				continue
			}
			return false
		}
		i++
	}
	return letters >= 1 && words <= 6
}

// plausibleAddress: some letters or a postcode, at most 200 bytes, no '@'.
func plausibleAddress(v []byte) bool {
	if len(v) == 0 || len(v) > 200 || bytes.IndexByte(v, '@') >= 0 {
		return false
	}
	letters, digits := 0, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case isAlpha(c):
			letters++
		case isDigit(c):
			digits++
		case c >= utf8.RuneSelf:
			// Accented letters count; other scripts' spaces and marks
			// (U+2000, a narrow no-break space) do not.
			r, n := utf8.DecodeRune(v[i:])
			if unicode.IsLetter(r) {
				letters++
			}
			i += n - 1
		}
	}
	return letters >= 2 || digits == 5
}

// idShape: minLen..maxLen letters and digits (upper case), at least
// minDigits digits.
func idShape(v []byte, minLen, maxLen, minDigits int) bool {
	if len(v) < minLen || len(v) > maxLen {
		return false
	}
	if len(v) >= 8 && len(v) <= 16 {
		// Two words that overlap: the first eight bytes and the last
		// eight, whose bytes past the first word count their digits.
		lo, hi := binary.LittleEndian.Uint64(v), binary.LittleEndian.Uint64(v[len(v)-8:])
		dlo, dhi := swar.Digits(lo), swar.Digits(hi)
		if (dlo|swar.Range(lo, 'A', 'Z'))&(dhi|swar.Range(hi, 'A', 'Z')) != swar.High {
			return false
		}
		return bits.OnesCount64(dlo)+bits.OnesCount64(dhi>>(8*(16-len(v)))) >= minDigits
	}
	return idShapeBytes(v, minDigits)
}

// idShapeBytes is idShape's test a byte at a time, of v of any length.
func idShapeBytes(v []byte, minDigits int) bool {
	digits := 0
	for _, c := range v {
		switch {
		case isDigit(c):
			digits++
		case isUpper(c):
		default:
			return false
		}
	}
	return digits >= minDigits
}
