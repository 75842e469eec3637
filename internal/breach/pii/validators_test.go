package pii

import (
	"math/rand"
	"net/netip"
	"strings"
	"testing"
)

// Vectors from python-stdnum (stdnum/fr/nir.py, iban.py), CNAM's
// nir-validation and the research note; each recomputed.
func TestValidNIR(t *testing.T) {
	tests := []struct {
		in   string
		norm string
		kind NIRKind
	}{
		{"295109912611193", "295109912611193", NIRPermanent},
		{"253072B07300470", "253072B07300470", NIRPermanent},
		{"253072A07300443", "253072A07300443", NIRPermanent},
		{"2 84 05 88 321 025 32", "284058832102532", NIRPermanent},
		{"2 84 05 2A 321 025 52", "284052A32102552", NIRPermanent},
		{"2 84 05 2B 321 025 79", "284052B32102579", NIRPermanent},
		{"255081416802538", "255081416802538", NIRPermanent},
		{"2 94 03 75 120 005 91", "294037512000591", NIRPermanent},
		{"2 95 10 99 126 111 93", "295109912611193", NIRPermanent},
		{"2.84.05.2a.321.025.52", "284052A32102552", NIRPermanent},
		{"2 94 03 2B 120 005 78", "294032B12000578", NIRPermanent},
		{"784059912345647", "784059912345647", NIRTemporary}, // NIA: first digit 7/8, NIR key
		{"2840588321025", "2840588321025", NIRNoKey},
		// Invalid.
		{"295109912611199", "", NotNIR},       // key
		{"253072C07300443", "", NotNIR},       // 2C
		{"2 55 08 14 168 025 00", "", NotNIR}, // key 00
		{"6546546546546703", "", NotNIR},      // length
		{"2 94 03 2B 120 005 18", "", NotNIR}, // published with a wrong key
		{"190017501012097", "", NotNIR},       // month 00
		{"185157800608436", "", NotNIR},       // month 15
		{"385057800608436", "", NotNIR},       // sex 3
		{"7812345678901", "", NotNIR},         // NNP: 13 digits, no key
		{"5212345678901", "", NotNIR},         // MIG
		{" 295109912611193", "", NotNIR},      // leading separator
		{"29510991261119x", "", NotNIR},       // letter
		{"", "", NotNIR},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			norm, ok, kind := ValidNIR(tt.in)
			if ok != (tt.kind != NotNIR) || kind != tt.kind || norm != tt.norm {
				t.Errorf("ValidNIR(%q) = %q, %v, %v; want %q, %v", tt.in, norm, ok, kind, tt.norm, tt.kind)
			}
		})
	}
}

func TestValidIBAN(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"FR14 2004 1010 0505 0001 3M02 606", true},
		{"FR76 3000 6000 0112 3456 7890 189", true},
		{"fr7630006000011234567890189", true},
		{"GB82 WEST 1234 5698 7654 32", true},
		{"DE89 3704 0044 0532 0130 00", true},
		{"BE68 5390 0754 7034", true},
		{"NL91 ABNA 0417 1643 00", true},
		{"CH93 0076 2011 6238 5295 7", true},
		{"FR76 3000 6000 0112 3456 7890 188", false}, // check digits
		{"GB82 WEST 1234 5698 7654 33", false},
		{"FR76 3000 6000 0112 3456 7890 18", false}, // length
		{"XX82 WEST 1234 5698 7654 32", false},      // no such country
		{"FR00 3000 6000 0112 3456 7890 189", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if _, ok := ValidIBAN(tt.in); ok != tt.ok {
				t.Errorf("ValidIBAN(%q) = %v, want %v", tt.in, ok, tt.ok)
			}
		})
	}
	// A French IBAN whose check digits hold but whose RIB key does not.
	bban := "300060000112345678901" + "88"
	iban := "FR" + twoDigits(98-mod97(bban+"FR00")) + bban
	if _, ok := ValidIBAN(iban); ok {
		t.Errorf("ValidIBAN accepted a French IBAN with a wrong RIB key")
	}
}

func mod97(s string) int {
	r := 0
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' {
			r = (r*100 + int(c-'A') + 10) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func TestLuhnAndCard(t *testing.T) {
	luhn := []struct {
		in string
		ok bool
	}{
		{"79927398713", true}, {"79927398710", false}, {"0", true}, {"", false}, {"12a4", false},
	}
	for _, tt := range luhn {
		if got := Luhn(tt.in); got != tt.ok {
			t.Errorf("Luhn(%q) = %v, want %v", tt.in, got, tt.ok)
		}
	}
	cards := []struct {
		in   string
		norm string
	}{
		{"4111111111111111", "4111111111111111"},
		{"4111 1111 1111 1111", "4111111111111111"},
		{"5555-5555-5555-4444", "5555555555554444"},
		{"2223003122003222", "2223003122003222"},
		{"3782 822463 10005", "378282246310005"},
		{"371449635398431", "371449635398431"},
		{"6011111111111117", "6011111111111117"},
		{"4111111111111112", ""},     // Luhn
		{"1234567812345670", ""},     // Luhn holds, no issuer
		{"5555555555554", ""},        // Mastercard length
		{"4111  1111 1111 1111", ""}, // double space
		{"411111111111", ""},         // too short
	}
	for _, tt := range cards {
		t.Run(tt.in, func(t *testing.T) {
			norm, ok := ValidCard(tt.in)
			if ok != (tt.norm != "") || norm != tt.norm {
				t.Errorf("ValidCard(%q) = %q, %v; want %q", tt.in, norm, ok, tt.norm)
			}
		})
	}
}

func TestParsePhoneFR(t *testing.T) {
	tests := []struct {
		in   string
		e164 string
		kind PhoneKind
	}{
		{"01 23 45 67 89", "+33123456789", PhoneFixed},
		{"06 12 34 56 78", "+33612345678", PhoneMobile},
		{"06.12.34.56.78", "+33612345678", PhoneMobile},
		{"06-12-34-56-78", "+33612345678", PhoneMobile},
		{"0612345678", "+33612345678", PhoneMobile},
		{"+33 6 12 34 56 78", "+33612345678", PhoneMobile},
		{"+33612345678", "+33612345678", PhoneMobile},
		{"+33 (0)6 12 34 56 78", "+33612345678", PhoneMobile},
		{"(+33) 6 12 34 56 78", "+33612345678", PhoneMobile},
		{"0033 7 45 67 89 12", "+33745678912", PhoneMobile},
		{"0033745678912", "+33745678912", PhoneMobile},
		{"09 51 23 45 67", "+33951234567", PhoneVoIP},
		{"08 00 12 34 56", "+33800123456", PhoneSpecial},
		{"00 12 34 56 78", "", NotPhone},    // 00 without 33
		{"+33 0 6 12 34 56", "", NotPhone},  // 0 after +33
		{"+44 20 7946 0958", "", NotPhone},  // foreign
		{"+1 212 555 0143", "", NotPhone},   // foreign
		{"0049 30 1234567", "", NotPhone},   // foreign 00 prefix
		{"06 12 34 56 7", "", NotPhone},     // short
		{"06 12 34 56 78 90", "", NotPhone}, // long
		{"06  12 34 56 78", "", NotPhone},   // double space
		{"0612345678a", "", NotPhone},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, kind, ok := ParsePhoneFR(tt.in)
			if ok != (tt.kind != NotPhone) || e != tt.e164 || kind != tt.kind {
				t.Errorf("ParsePhoneFR(%q) = %q, %v, %v; want %q, %v", tt.in, e, kind, ok, tt.e164, tt.kind)
			}
		})
	}
}

// A number stored without its 0 (612345678) or its '+' (33612345678),
// read only in a column whose header names phones.
func TestParseBarePhone(t *testing.T) {
	for in, want := range map[string]string{
		"612345678":    "+33612345678",
		"145678912":    "+33145678912",
		"951234567":    "+33951234567",
		"33612345678":  "+33612345678",
		"800123456":    "", // 0800: special
		"012345678":    "", // kept its 0 but lost a digit
		"6123456789":   "",
		"33012345678":  "",
		"3361234567":   "",
		"44612345678":  "",
		"61234567a":    "",
		"6 12 34 56 7": "",
	} {
		e, ok := parseBarePhone([]byte(in))
		if got := string(e[:]); ok != (want != "") || ok && got != want {
			t.Errorf("parseBarePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	tests := []struct {
		in, norm string
	}{
		{"Jean.Dupont@Example.FR", "jean.dupont@example.fr"},
		{"a+tag@mairie-exemple.fr", "a+tag@mairie-exemple.fr"},
		{"x_y.z@sub.domain.co.uk", "x_y.z@sub.domain.co.uk"},
		{"jean..dupont@example.fr", ""},
		{".jean@example.fr", ""},
		{"jean@example", ""},
		{"jean@-example.fr", ""},
		{"jean@example.f", ""},
		{"jean@example.12", ""},
		{"jean@@example.fr", ""},
		{"@example.fr", ""},
		{"jean dupont@example.fr", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			norm, ok := ValidEmail(tt.in)
			if ok != (tt.norm != "") || norm != tt.norm {
				t.Errorf("ValidEmail(%q) = %q, %v; want %q", tt.in, norm, ok, tt.norm)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		c          Category
		norm, want string
	}{
		{NIR, "185057800608491", "1 85 05 ** *** *** 91"},
		{NIR, "1850578006084", "1 85 05 ** *** ***"},
		{IBAN, "FR7630006000011234567890189", "FR76 **** **** **** **** **** 189"},
		{Email, "jean.dupont@example.fr", "j***@e***.fr"},
		{Phone, "+33612345678", "+33 6 ** ** ** 78"},
		{Name, "jean dupont", "J*** D***"},
		{DateOfBirth, "1985-03-12", "19**-**-**"},
		{Address, "12 rue de la paix 75002 paris", "** rue ***, 75*** P***"},
		{Card, "4111111111111111", "**** **** **** 1111"},
		{IP, "192.168.1.10", "192.***.***.***"},
		{FranceTravail, "1234567A", "12******"},
		{IDDocument, "12AB34567", "12*******"},
	}
	for _, tt := range tests {
		t.Run(string(tt.c), func(t *testing.T) {
			if got := Mask(tt.c, tt.norm); got != tt.want {
				t.Errorf("Mask(%s) = %q, want %q", tt.c, got, tt.want)
			}
		})
	}
}

// TestParseIPv4: the dotted quads read by hand are those netip reads.
func TestParseIPv4(t *testing.T) {
	for _, in := range []string{"192.168.1.10", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4a", "", "0.0.0.00", "10.0.0.1", "1234.1.1.1"} {
		t.Run(in, func(t *testing.T) {
			want, err := netip.ParseAddr(in)
			got, ok := parseIPv4([]byte(in))
			if ok != (err == nil) || ok && got != want {
				t.Fatalf("parseIPv4(%q) = %v %v, netip: %v %v", in, got, ok, want, err)
			}
		})
	}
}

// FuzzParseIPv4 compares parseIPv4 with netip on any input.
func FuzzParseIPv4(f *testing.F) {
	f.Add("192.168.1.10")
	f.Add("01.2.3.4")
	f.Fuzz(func(t *testing.T, in string) {
		want, err := netip.ParseAddr(in)
		got, ok := parseIPv4([]byte(in))
		if ok && (err != nil || got != want) || !ok && err == nil && want.Is4() {
			t.Fatalf("parseIPv4(%q) = %v %v, netip: %v %v", in, got, ok, want, err)
		}
	})
}

// TestIBANBodySpellings: an IBAN reads the same however it is written,
// whole or in groups, in capitals or not, with a separator or a small
// letter in any byte the fast path checks, up to the 34th.
func TestIBANBodySpellings(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"FR7630006000011234567890189", "FR7630006000011234567890189"},
		{"FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"},
		{"FR76-3000-6000-0112-3456-7890-189", "FR7630006000011234567890189"},
		{"fr7630006000011234567890189", "FR7630006000011234567890189"},
		{"FR763000600001123456789018-9", "FR7630006000011234567890189"},
		{"LC55HEMM000100010012001200023015", "LC55HEMM000100010012001200023015"},
		{"LC55HEMM000100010012001200023015 ", "LC55HEMM000100010012001200023015"},
		{"LC55HEMM00010001001200120002301 5", "LC55HEMM000100010012001200023015"},
		{"LC55HEMM000100010012001200023015-", "LC55HEMM000100010012001200023015"},
		{"LC55HEMM000100010012001200023015 -", "LC55HEMM000100010012001200023015"},
		{"RU020445256004070281041234567890z", ""}, // a small letter where the key wants a digit
		{"RU0204452560040702810412345678901", "RU0204452560040702810412345678901"},
		{"RU0204452560040702810412345678901 ", "RU0204452560040702810412345678901"},
	} {
		buf, n, ok := ibanBody(c.in)
		if got := string(buf[:n]); got != c.want || ok != (c.want != "") {
			t.Errorf("ibanBody(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
		if bbuf, bn, bok := ibanBody([]byte(c.in)); string(bbuf[:bn]) != string(buf[:n]) || bok != ok {
			t.Errorf("ibanBody([]byte(%q)) = %q, %v; the string gave %q, %v", c.in, bbuf[:bn], bok, buf[:n], ok)
		}
	}
}

// refRIBKey is the French BBAN's key as the banks state it: 97 less
// (89 × bank + 15 × branch + 3 × account) modulo 97, the account's
// letters counting as digits (A–I and J–R as 1–9, S–Z as 2–9).
func refRIBKey(bban string) (key int, ok bool) {
	num := func(p string) int {
		v := 0
		for _, c := range []byte(p) {
			switch {
			case c >= '0' && c <= '9':
				v = v*10 + int(c-'0')
			case c >= 'A' && c <= 'I':
				v = v*10 + int(c-'A') + 1
			case c >= 'J' && c <= 'R':
				v = v*10 + int(c-'J') + 1
			case c >= 'S' && c <= 'Z':
				v = v*10 + int(c-'S') + 2
			default:
				return -1
			}
		}
		return v
	}
	bank, branch, account := num(bban[:5]), num(bban[5:10]), num(bban[10:21])
	if bank < 0 || branch < 0 || account < 0 || strings.ContainsAny(bban[:10], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return 0, false
	}
	return 97 - (89*bank+15*branch+3*account)%97, true
}

// bbanMod97 is the remainder ribKeyOK is given with a BBAN.
func bbanMod97(bban string) uint64 {
	r, _ := ibanMod97(0, []byte(bban))
	return r
}

// TestRIBKey: ribKeyOK accepts a BBAN exactly when its last two digits
// are the key refRIBKey computes, whether its account holds letters or
// only digits (read then as one number); known answers first.
func TestRIBKey(t *testing.T) {
	for _, c := range []struct {
		bban string
		ok   bool
	}{
		{"30006000011234567890189", true},  // FR76 3000 6000 0112 3456 7890 189
		{"30006000011234567890188", false}, // the key less one
		{"20041010050500013M02606", true},  // La Banque Postale's example, a letter in the account
		{"20041010050500013M02607", false},
		{"3000600001123456789018", false}, // 22 characters
	} {
		if got := ribKeyOK([]byte(c.bban), bbanMod97(c.bban)); got != c.ok {
			t.Errorf("ribKeyOK(%q) = %v, want %v", c.bban, got, c.ok)
		}
	}
	r := rand.New(rand.NewSource(3))
	accepted := 0
	for range 20000 {
		b := make([]byte, 21)
		for i := range b {
			b[i] = byte('0' + r.Intn(10))
			if i >= 10 && r.Intn(8) == 0 {
				b[i] = byte('A' + r.Intn(26))
			}
		}
		want, ok := refRIBKey(string(b) + "00")
		key := want
		if r.Intn(3) == 0 {
			key = r.Intn(100) // most often wrong
		}
		bban := string(b) + twoDigits(key%100)
		wantOK := ok && key%97 == want%97 // 00 stands for 97, as the sum is taken modulo 97
		got := ribKeyOK([]byte(bban), bbanMod97(bban))
		if got != wantOK {
			t.Fatalf("ribKeyOK(%q) = %v, want %v (key %d)", bban, got, wantOK, want)
		}
		if got {
			accepted++
		}
	}
	if accepted < 10000 {
		t.Fatalf("only %d accepted", accepted)
	}
}

// TestIBANMod97: the remainder taken only before an overflow, and eight
// digits at a time, equals the remainder taken at each character, on
// long runs of 9s and Zs too, and on runs of digits broken by a letter
// anywhere in or out of an eight-digit word.
func TestIBANMod97(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	inputs := []string{strings.Repeat("9", 34), strings.Repeat("Z", 34), "FR7630006000011234567890189", "00000000", "99999999A"}
	for k := 0; k < 5000; k++ {
		b := make([]byte, 1+r.Intn(40))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
			if k%2 == 0 && r.Intn(12) != 0 {
				b[i] = alphabet[r.Intn(10)] // mostly digits
			}
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		got, ok := ibanMod97(0, []byte(in))
		if !ok || int(got) != mod97(in) {
			t.Fatalf("ibanMod97(%q) = %d %v, want %d", in, got, ok, mod97(in))
		}
		// Continued from a remainder not yet taken (below 2^57).
		start := r.Uint64() >> 7
		want := start % 97
		for _, c := range []byte(in) {
			if c >= 'A' {
				want = (want*100 + uint64(c-'A') + 10) % 97
			} else {
				want = (want*10 + uint64(c-'0')) % 97
			}
		}
		if got, ok := ibanMod97(start, []byte(in)); !ok || got != want {
			t.Fatalf("ibanMod97(%d, %q) = %d %v, want %d", start, in, got, ok, want)
		}
	}
	if _, ok := ibanMod97(0, []byte("12a4")); ok {
		t.Fatal("lower-case letter accepted")
	}
}

// TestRoleMailbox: every address of the list is known in any case (its
// sketch turns none away), and people's are not.
func TestRoleMailbox(t *testing.T) {
	for w := range roleMailboxes {
		for _, form := range []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]} {
			if !roleMailbox([]byte(form)) {
				t.Errorf("%q is not known as a service's address", form)
			}
		}
	}
	for _, w := range []string{"jean.dupont", "contacts2", "accueillant", "marie", "info.dupont", "a", "", "x-info", strings.Repeat("contact", 5)} {
		if roleMailbox([]byte(w)) {
			t.Errorf("%q taken for a service's address", w)
		}
	}
}

// TestByteClasses: each class of the byte table holds exactly the bytes
// its rule names.
func TestByteClasses(t *testing.T) {
	in := func(set string) func(c byte) bool {
		return func(c byte) bool { return c != 0 && strings.IndexByte(set, c) >= 0 }
	}
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	letter := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	alnum := func(c byte) bool { return digit(c) || letter(c) }
	classes := []struct {
		name string
		bit  uint8
		want func(c byte) bool
	}{
		{"alnum", clsAlnum, alnum},
		{"alpha", clsAlpha, letter},
		{"text local", clsTextLocal, func(c byte) bool { return alnum(c) || in("._-+'")(c) }},
		{"local", clsLocal, func(c byte) bool { return alnum(c) || in(".!#$%&'*+-/=?^_`{|}~")(c) }},
		{"domain", clsDomain, func(c byte) bool { return alnum(c) || c == '-' }},
		{"crypt", clsCrypt, func(c byte) bool { return alnum(c) || in("./+=,-")(c) }},
		{"crypt core", clsCryptCore, func(c byte) bool { return alnum(c) || c == '.' || c == '/' }},
	}
	for _, cl := range classes {
		for c := range 256 {
			if got, want := byteClass[c]&cl.bit != 0, cl.want(byte(c)); got != want {
				t.Errorf("%s: byte %#x in the class %v, want %v", cl.name, c, got, want)
			}
		}
	}
}

// FuzzCellIP: an address column's values are counted as netip writes
// them, whatever way Cell reads them.
func FuzzCellIP(f *testing.F) {
	for _, in := range []string{"192.168.1.10", " 10.0.0.1 ", "2001:DB8::1", "::ffff:1.2.3.4", "01.2.3.4", "fe80::1%eth0",
		"0.0.0.0", "127.0.0.1", "0:0:0:0:0:0:0:1", "1.2.3.4:80", "12345::1", "256.1.2.3", "1a.2.3.4"} {
		f.Add(in)
	}
	s := New()
	f.Fuzz(func(t *testing.T, in string) {
		v := strings.Trim(in, " \t\r\n\"'")
		// What a column of addresses counts: an address netip reads, of
		// hex digits, dots and colons, neither loopback nor unspecified.
		a, err := netip.ParseAddr(v)
		want := err == nil && len(v) >= 7 && len(v) <= 45 && strings.Trim(v, "0123456789abcdefABCDEF.:") == "" && !a.IsLoopback() && !a.IsUnspecified()
		norm, got := s.CellValue(nil, idxIP, []byte(v))
		if v != "" && got != want {
			t.Fatalf("CellValue(ip, %q) = %q, %v; netip: %v %v", v, norm, got, a, err)
		}
		finds := s.Cell(Column{IP, 0.9}, []byte(in), &Findings{})
		if len(finds) != 1 || finds[0].Category != IP || finds[0].End-finds[0].Start != len(v) {
			return // not read as a whole cell
		}
		if want, err := netip.ParseAddr(v); err != nil || string(finds[0].Norm) != want.String() {
			t.Fatalf("Cell(%q) counts %q, netip: %v %v", in, finds[0].Norm, want, err)
		}
	})
}

// FuzzIPv6: an address of hex digits and colons is read and written as
// netip reads and writes it, refused where netip refuses it or finds it
// loopback or unspecified, and left to netip when IPv4 mapped or not of
// hex digits and colons alone.
func FuzzIPv6(f *testing.F) {
	for _, in := range []string{"2001:db8:70e:10ff::a87", "2001:0DB8:0000:0000:0000:0000:0000:0001", "::1", "::", "1::", "::ffff:1.2.3.4",
		"::ffff:102:304", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", "1::2::3", "12345::1", "1:0:0:2:0:0:0:3", "fe80::1%eth0", ":1::2", "1:2:3:4:5:6:7::"} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		g, got := parseIPv6([]byte(in))
		a, err := netip.ParseAddr(in)
		hexColons := strings.Trim(in, "0123456789abcdefABCDEF:") == ""
		switch {
		case got == ipv6Other:
			if hexColons && (err != nil || !a.Is4In6()) {
				t.Fatalf("%q left to netip (%v, %v)", in, a, err)
			}
		case err != nil || !a.Is6() || a.Zone() != "":
			if got != ipv6Bad {
				t.Fatalf("%q read as %v, netip: %v", in, g, err)
			}
		case a.IsLoopback() || a.IsUnspecified() || a.Is4In6():
			if got != ipv6Bad || a.Is4In6() {
				t.Fatalf("%q: %d, netip %v", in, got, a)
			}
		default:
			if got != ipv6OK || string(appendIPv6(nil, &g)) != a.String() {
				t.Fatalf("%q: %d %q, netip %q", in, got, appendIPv6(nil, &g), a.String())
			}
		}
	})
}

// FuzzIDShape: idShape's words answer as its loop over bytes does.
func FuzzIDShape(f *testing.F) {
	for _, in := range []string{"0166251628S", "9517839S", "C43H30WB7", "82HW37365", "k16hjerm1", "AB-12345", "12345678901234567", "ÉTÉ12345"} {
		f.Add(in, uint8(2))
	}
	f.Fuzz(func(t *testing.T, in string, minDigits uint8) {
		v := []byte(in)
		want := len(v) >= 8 && len(v) <= 16 && idShapeBytes(v, int(minDigits))
		if got := idShape(v, 8, 16, int(minDigits)); got != want {
			t.Fatalf("idShape(%q, %d) = %v, bytes %v", in, minDigits, got, want)
		}
	})
}

// TestCategoryIndexes: catIndex, and so CellValue's index, numbers the
// categories in the order of Categories().
func TestCategoryIndexes(t *testing.T) {
	for i, c := range Categories() {
		if got := catIndex(c); got != i {
			t.Errorf("catIndex(%s) = %d, want %d", c, got, i)
		}
	}
}
