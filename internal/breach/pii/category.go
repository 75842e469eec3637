// Package pii finds French personal data in text and table cells: validated
// identifiers (NIR, IBAN, payment cards, phones, e-mails) and contextual ones
// (dates of birth, postal addresses, names, France Travail identifiers,
// identity documents, IP addresses). It never keeps, logs or returns a raw
// value except in Finding.Norm, which exists only to be hashed and masked.
//
// Decisions worth knowing:
//   - A temporary NIR (NIA: NIR layout and key, first digit 7 or 8) is
//     reported as nir with confidence 0.6; NNP and MIG numbers (13 digits,
//     no key) and the 13-character NIR body are never reported in free
//     text, the body only in a column classified as nir.
//   - French-format IBANs must also carry a valid RIB key.
//   - 08 numbers (free and premium-rate services) parse as phones but are
//     not reported: they are not a person's line.
//   - A date is a date of birth only after a context word in the 64 bytes
//     before it (and after the previous number), or in a date-of-birth
//     column.
//   - Runs written like a NIR or an IBAN whose key is wrong are skipped
//     whole, so that their parts are not reported as a phone or a card.
//   - Logs' dates are read whole: a time of day after a date (ISO 8601,
//     RFC 3339), a web server's 13/Nov/2025:16:36:08 +0100 and syslog's
//     Mar  3 00:00:07. Their numbers are no one's; a date of birth
//     followed by a time keeps the date's span.
package pii

// Category is the kind of personal data a finding holds. The names are a
// public contract (GUIDE.md).
type Category string

// The categories of personal data the scanner reports.
const (
	NIR           Category = "nir"
	FranceTravail Category = "france_travail_id"
	IBAN          Category = "iban"
	Card          Category = "payment_card"
	Email         Category = "email"
	Phone         Category = "phone"
	DateOfBirth   Category = "date_of_birth"
	Address       Category = "postal_address"
	Name          Category = "person_name"
	IDDocument    Category = "id_document"
	IP            Category = "ip_address"
	Credential    Category = "credential" // a password or its hash (credential.go)
)

// Categories returns every category, in a stable order.
func Categories() []Category {
	return []Category{NIR, FranceTravail, IBAN, Card, Email, Phone, DateOfBirth, Address, Name, IDDocument, IP, Credential}
}

// Validated reports whether values of c are checked by structure or checksum
// (rather than recognised by context).
func Validated(c Category) bool {
	switch c {
	case NIR, IBAN, Card, Email, Phone:
		return true
	}
	return false
}

// Finding is one value found. Norm is the canonical form (NIR without spaces
// or dots, IBAN upper-case without spaces, phone in E.164, e-mail lower-cased,
// date as YYYY-MM-DD, name/address lower-case with accents folded and single
// spaces). Norm exists only to be hashed with a key and masked by the caller;
// it must never be printed, logged or written anywhere. It points into the
// buffer of the Findings that received it and is valid until its Reset.
type Finding struct {
	Category   Category
	Start, End int     // byte offsets of the value in the scanned text or cell
	Confidence float64 // 0..1
	Norm       []byte
}

// Findings receives what Text and Cell find. The normalised values are
// written into one buffer that Reset reuses, so that a finding costs no
// allocation once the buffer has grown: a caller keeps one Findings per
// goroutine and resets it after each record.
type Findings struct {
	List   []Finding
	norms  []byte
	window []byte   // Text's folded context window, kept to spare each call its zeroing
	trig   []uint64 // the masks of Text's bytes that may start a value
}

// Reset empties the list and the buffer; the Norm of every finding
// received so far becomes invalid.
func (fs *Findings) Reset() {
	fs.List = fs.List[:0]
	fs.norms = fs.norms[:0]
}

// add appends a finding whose normalised value is norm.
func (fs *Findings) add(c Category, start, end int, conf float64, norm []byte) {
	from := len(fs.norms)
	fs.norms = append(fs.norms, norm...)
	fs.addFrom(c, start, end, conf, from)
}

// addFrom appends a finding whose normalised value was appended to the
// buffer from position from.
func (fs *Findings) addFrom(c Category, start, end int, conf float64, from int) {
	n := len(fs.norms)
	// Field by field: a composite literal is built on the stack and
	// copied in 16-byte moves, which wait for its 8-byte stores.
	fs.List = append(fs.List, Finding{})
	f := &fs.List[len(fs.List)-1]
	f.Category, f.Start, f.End, f.Confidence, f.Norm = c, start, end, conf, fs.norms[from:n:n]
}
