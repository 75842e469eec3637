package pii

import (
	"bytes"
	"strings"
)

// Credentials: passwords and their stored hashes. A breach notification
// names them apart (the CNIL's form asks for "données de connexion"),
// and they change its advice: the people must change their password
// here and wherever they reused it.
//
// Three ways find them:
//   - A hash in a format that names itself, in any text or cell: the
//     modular crypt format of Unix, PHP and passlib ($2y$10$…, $6$…,
//     $argon2id$…, $P$…), LDAP's {SSHA}…, {CRYPT}$6$…, and Django's
//     pbkdf2_sha256$…. Each is checked for its scheme and the lengths and
//     alphabet of its parts, so "$12.50" or a shell's "$HOME" is not one.
//   - A column whose header names a password (password, mot_de_passe,
//     mdp, pwd, userPassword…), the answer to a secret question
//     (reponse_secrete) or a PIN (code_confidentiel): every value that is
//     not a flag, a date or a placeholder, whatever it holds (plain text,
//     a hex digest).
//   - In text, the value after a password key and ':' or '='
//     ("mot de passe : Soleil2023", "password=…" in a URL's query,
//     "pwd":"…" in a JSON line), when it looks like a secret: a digit, a
//     symbol with a capital, or a capital inside it. Words ("mot de
//     passe : réinitialisé") and placeholders ("********", "<hidden>",
//     "${DB_PASS}") are not. And the password of a URL's user
//     information (postgres://app:S3cret@db/app), whatever it is.
//
// Strength: what the hash costs an attacker to reverse decides the risk
// (EDPB guidelines 01/2021, case 6: salted state-of-the-art hashes keep
// the passwords unintelligible). CredentialKind tells plain text, weak
// hashes (fast or unsalted: MD5, SHA-1, SHA-2 once, md5crypt, phpass)
// and strong ones (bcrypt, scrypt, yescrypt, Argon2, PBKDF2, SHA-crypt).

// Kinds of credential, as CredentialKind returns them.
const (
	CredentialPlain  = "plaintext"
	CredentialWeak   = "weak_hash"
	CredentialStrong = "strong_hash"
)

// cryptIDs are the modular crypt format's scheme ids this reader knows,
// with their strength and the length of their last part (0: any of at
// least 16).
var cryptIDs = map[string]struct {
	strong bool
	last   int
}{
	"1": {false, 22}, "apr1": {false, 22}, "md5": {false, 0}, "sha1": {false, 0}, "3": {false, 32},
	"5": {true, 43}, "6": {true, 86}, "y": {true, 43}, "gy": {true, 43}, "7": {true, 43},
	"argon2i": {true, 0}, "argon2d": {true, 0}, "argon2id": {true, 0}, "scrypt": {true, 0},
	"pbkdf2": {true, 0}, "pbkdf2-sha256": {true, 0}, "pbkdf2-sha512": {true, 0}, "bcrypt-sha256": {true, 0},
}

// djangoAlgos are the algorithm names that start a Django password hash
// (algorithm$…), with their strength.
var djangoAlgos = map[string]bool{
	"pbkdf2_sha256": true, "pbkdf2_sha1": true, "argon2": true, "bcrypt_sha256": true, "bcrypt": true, "scrypt": true,
	"sha1": false, "md5": false, "crypt": false,
}

// ldapSchemes are the {SCHEME} prefixes of LDAP's userPassword (RFC 3112
// and the schemes of OpenLDAP, 389 Directory Server and Dovecot), upper
// case, with their kind.
var ldapSchemes = map[string]string{
	"SHA": CredentialWeak, "SSHA": CredentialWeak, "SHA1": CredentialWeak, "SHA256": CredentialWeak, "SSHA256": CredentialWeak,
	"SHA384": CredentialWeak, "SSHA384": CredentialWeak, "SHA512": CredentialWeak, "SSHA512": CredentialWeak,
	"MD5": CredentialWeak, "SMD5": CredentialWeak, "NS-MTA-MD5": CredentialWeak, "CRYPT": "",
	"PBKDF2": CredentialStrong, "PBKDF2-SHA1": CredentialStrong, "PBKDF2-SHA256": CredentialStrong, "PBKDF2-SHA512": CredentialStrong,
	"ARGON2": CredentialStrong, "BCRYPT": CredentialStrong, "CLEARTEXT": CredentialPlain, "PLAIN": CredentialPlain,
}

// isCryptChar is the alphabet of crypt hashes ([./0-9A-Za-z]) and of the
// base64 and parameters of passlib's and Argon2's (+, =, ',', '-').
func isCryptChar(c byte) bool { return byteClass[c]&clsCrypt != 0 }

// cryptHash reads a modular crypt hash starting at the '$' at i; it
// returns its end and whether it is strong.
func cryptHash(b []byte, i int) (end int, strong, ok bool) {
	j := i + 1
	for j < len(b) && j-i <= 14 && (isLower(b[j]) || isDigit(b[j]) || b[j] == '-' || b[j] == 'P' || b[j] == 'H') {
		j++
	}
	if j == i+1 || j >= len(b) || b[j] != '$' {
		return 0, false, false
	}
	id := string(b[i+1 : j])
	switch id {
	case "2a", "2b", "2x", "2y":
		// $2y$10$ then 22 characters of salt and 31 of hash.
		e := j + 4 + 53
		if e > len(b) || !isDigit(b[j+1]) || !isDigit(b[j+2]) || b[j+3] != '$' || !allCrypt(b[j+4:e]) || e < len(b) && isCryptChar(b[e]) {
			return 0, false, false
		}
		return e, true, true
	case "P", "H":
		// phpass: $P$ then 31 characters.
		e := j + 1 + 31
		if e > len(b) || !allCrypt(b[j+1:e]) || e < len(b) && (isCryptChar(b[e]) || b[e] == '$') {
			return 0, false, false
		}
		return e, false, true
	}
	scheme, known := cryptIDs[id]
	if !known {
		return 0, false, false
	}
	// Parts of the crypt alphabet joined by single '$' (the parameters,
	// the salt, the hash); an empty one is allowed (NT hashes: $3$$…).
	e, last := j, 0
	for e < len(b) && b[e] == '$' {
		k := e + 1
		for k < len(b) && isCryptChar(b[k]) {
			k++
		}
		e, last = k, k-e-1
	}
	if scheme.last > 0 && last != scheme.last || scheme.last == 0 && last < 16 || e-i < 20 {
		return 0, false, false
	}
	return e, scheme.strong, true
}

// allCrypt tells whether b is all of crypt's own alphabet
// ([./0-9A-Za-z]).
func allCrypt(b []byte) bool {
	for _, c := range b {
		if byteClass[c]&clsCryptCore == 0 {
			return false
		}
	}
	return true
}

// djangoHash reads a Django password hash (pbkdf2_sha256$260000$salt$hash)
// starting at the algorithm's name at t, whose '$' is at i.
func djangoHash(b []byte, t, i int) (end int, strong, ok bool) {
	strong, known := djangoAlgos[string(b[t:i])]
	if !known {
		return 0, false, false
	}
	e, last, parts := i, 0, 0
	for e < len(b) && b[e] == '$' {
		k := e + 1
		for k < len(b) && isCryptChar(b[k]) {
			k++
		}
		e, last, parts = k, k-e-1, parts+1
	}
	if parts < 2 || last < 16 {
		return 0, false, false
	}
	return e, strong, true
}

// ldapHash reads an LDAP {SCHEME}value starting at the '{' at i.
func ldapHash(b []byte, i int) (end int, kind string, ok bool) {
	j := i + 1
	for j < len(b) && j-i <= 14 && (isUpper(b[j]) || isDigit(b[j]) || b[j] == '-') {
		j++
	}
	if j >= len(b) || b[j] != '}' {
		return 0, "", false
	}
	kind, known := ldapSchemes[string(b[i+1:j])]
	if !known {
		return 0, "", false
	}
	e := j + 1
	if kind == CredentialPlain {
		for e < len(b) && secretBytes[b[e]] {
			e++
		}
		return e, kind, e > j+1
	}
	for e < len(b) && (isCryptChar(b[e]) || b[e] == '$') {
		e++
	}
	if kind == "" { // {CRYPT}: a crypt hash, or DES's 13 characters
		if e-j-1 >= 13 && allCrypt(b[j+1:e]) {
			return e, CredentialWeak, true
		}
		if j+1 >= len(b) || b[j+1] != '$' {
			return 0, "", false
		}
		ce, strong, ok := cryptHash(b, j+1)
		if !ok {
			return 0, "", false
		}
		if strong {
			return ce, CredentialStrong, true
		}
		return ce, CredentialWeak, true
	}
	return e, kind, e-j-1 >= 8
}

// CredentialKind tells what a credential's normalised value is: plain
// text, a weak hash or a strong one.
func CredentialKind(norm []byte) string {
	switch {
	case len(norm) == 0:
		return CredentialPlain
	case norm[0] == '{':
		if end, kind, ok := ldapHash(norm, 0); ok && end == len(norm) {
			return kind
		}
	case norm[0] == '$':
		if end, strong, ok := cryptHash(norm, 0); ok && end == len(norm) {
			return hashKind(strong)
		}
	default:
		if i := bytes.IndexByte(norm, '$'); i > 0 {
			if end, strong, ok := djangoHash(norm, 0, i); ok && end == len(norm) {
				return hashKind(strong)
			}
		}
		if isHexDigest(norm) {
			return CredentialWeak
		}
	}
	return CredentialPlain
}

func hashKind(strong bool) string {
	if strong {
		return CredentialStrong
	}
	return CredentialWeak
}

// isHexDigest tells an unsalted MD5, SHA-1 or SHA-2 digest in hex, as a
// password column of an old application stores it.
func isHexDigest(v []byte) bool {
	switch len(v) {
	case 32, 40, 56, 64, 96, 128:
	default:
		return false
	}
	for _, c := range v {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// hashAt reads a self-describing password hash whose marker ('$' or '{')
// is at i, with the alphanumeric run before it for Django's: it returns
// where the hash starts and ends.
func hashAt(b []byte, i, from int) (start, end int, ok bool) {
	if b[i] == '{' {
		end, _, ok = ldapHash(b, i)
		return i, end, ok
	}
	t := i
	for t > from && i-t < 14 && (isAlnum(b[t-1]) || b[t-1] == '_') {
		t--
	}
	if t < i {
		if t > 0 && (isAlnum(b[t-1]) || b[t-1] == '_') {
			return 0, 0, false
		}
		end, _, ok = djangoHash(b, t, i)
		return t, end, ok
	}
	end, _, ok = cryptHash(b, i)
	return i, end, ok
}

// credentialHeader tells a column header that names a password; its
// dates, counters and settings do not (password_changed_at,
// mdp_expiration, nb_tentatives_mdp).
func credentialHeader(has func(...string) bool, contains func(...string) bool) bool {
	if contains("reponsesecrete", "secretanswer", "securityanswer", "codeconfidentiel", "pincode", "codepin") {
		return true // what recovers an account or stands for a password (CNIL, SAN-2022-018)
	}
	if !has("password", "passwd", "pwd", "mdp", "motpasse", "motdepasse", "passwort", "passphrase", "userpassword", "hashedpassword", "passwordhash", "pass", "passe") &&
		!contains("password", "motpasse", "motdepasse", "passwd", "hashmdp", "mdphash") {
		return false
	}
	if has("pass", "passe") && !has("mot", "user", "db", "ftp", "smtp", "mail", "hash") && !contains("password", "passwd") {
		return false // pass alone: a season ticket, a pass Navigo
	}
	return !has("date", "at", "on", "time", "expire", "expires", "expiration", "expiry", "changed", "change", "changement",
		"updated", "update", "modified", "modification", "created", "creation", "last", "dernier", "derniere", "policy", "politique",
		"length", "longueur", "age", "count", "nb", "nombre", "attempts", "tentatives", "tentative", "strength", "force", "required",
		"oublie", "forgot", "algo", "algorithm", "scheme", "type", "format", "version", "salt", "sel", "hint", "indice", "min", "max",
		"is", "has", "must", "needs", "validite", "duree", "status", "statut", "rule", "rules", "regle", "sent", "envoye")
}

// secretValue tells a column value that can be a password or its hash:
// not empty, not a flag, a date, a null or a placeholder.
func (s *Scanner) secretValue(v []byte) bool {
	_, ok := s.CredentialValue(v)
	return ok
}

// CredentialValue tells whether v, the trimmed value of a cell of a
// column of credentials, is one (CellValue's test: its normalised form is
// v itself), and its kind (CredentialKind's).
func (s *Scanner) CredentialValue(v []byte) (kind string, ok bool) {
	if len(v) == 0 || len(v) > 1024 {
		return "", false
	}
	if kind = CredentialKind(v); kind != CredentialPlain {
		return kind, true // phpass's $P$… is no variable
	}
	if placeholder(v) {
		return "", false
	}
	if _, ok := s.cellDate(v); ok && len(v) >= 8 {
		return "", false
	}
	return kind, true
}

// isNull tells a value that stands for no value at all.
func isNull(v []byte) bool {
	switch strings.ToLower(string(v)) {
	case "null", "\\n", "none", "nil", "-", "n/a", "(null)", "undefined":
		return true
	}
	return false
}

// placeholder tells a value that stands for no secret: one character
// repeated (********, xxxx), a null, a flag, a template or variable
// (${DB_PASS}, %s, {{ password }}, <hidden>, [REDACTED]). "password" and
// "secret" are not: they are passwords people choose.
func placeholder(v []byte) bool {
	// One character repeated masks a value (********, xxxx), unless a
	// digit: 0000 and 123456 are among the commonest passwords and PINs.
	same := !isDigit(v[0])
	for _, c := range v[1:] {
		if c != v[0] {
			same = false
			break
		}
	}
	if same {
		return true
	}
	switch v[0] {
	case '<', '[', '%', '(':
		return true
	case '$':
		return len(v) > 1 && (v[1] == '{' || v[1] == '(' || isUpper(v[1]))
	case '{':
		return len(v) > 1 && v[1] == '{'
	}
	var low [12]byte
	if len(v) > len(low) {
		return false
	}
	for i, c := range v {
		if isUpper(c) {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(v)]) {
	case "null", "none", "nil", "undefined", "true", "false", "yes", "no", "oui", "non", "redacted", "masked", "hidden",
		"n/a", "na", "\\n", "t", "f", "0", "1", "empty", "vide", "-":
		return true
	}
	return false
}

// keyKind is what the key before a ':' or '=' names, as keyBefore tells.
type keyKind uint8

const (
	keyNone     keyKind = iota
	keyPassword         // a password follows
	keyName             // maybe a name label: labelledName decides
)

// keyEnd returns where the key before the ':' or '=' at i ends: before
// a closing quote and up to three spaces.
func keyEnd(b []byte, i int) int {
	k := i
	if c := b[k-1]; c == ' ' || c == '"' || c == '\'' {
		for k > i-3 && b[k-1] == ' ' {
			k--
		}
		if k > 0 && (b[k-1] == '"' || b[k-1] == '\'') {
			k--
		}
	}
	return k
}

// keyBefore tells what the key before the ':' or '=' at i names. A
// password key starts a word or follows '_', '-' or '.' (user_password,
// db.password): password, passwd, pwd, mdp, mot de passe (and
// mot_de_passe, motdepasse…), passphrase, passwort; pass only before
// '='. A name label ends as one of nameKeys does.
func keyBefore(b []byte, i int) keyKind {
	if i < 3 {
		return keyNone
	}
	k := keyEnd(b, i)
	if k < 3 {
		return keyNone
	}
	// Most ':' and '=' follow other words ("Adresse :", "NIR :", id=…):
	// the key's last three letters, folded to lower case, turn them away
	// with one look in keyTails and choose the keys to compare.
	tail := uint32(b[k-3]|0x20)<<16 | uint32(b[k-2]|0x20)<<8 | uint32(b[k-1]|0x20)
	e := &keyTails[keyTailSlot(tail)]
	if e.tail != tail {
		return keyNone
	}
	switch {
	case e.kind == keyName:
		return keyName // nom, prénoms, naissance, usage, famille, …name, complet
	case e.eqOnly && b[i] != '=':
		return keyNone
	}
	for _, key := range e.keys {
		if keyAt(b, k, key) {
			return keyPassword
		}
	}
	return keyNone
}

// A keyTail is what keyBefore knows of the keys that end with three
// letters: a name label's, or password keys to compare whole.
type keyTail struct {
	tail   uint32 // the three letters, lower case; 0 in an empty slot
	kind   keyKind
	eqOnly bool     // a key only before '=' (pass)
	keys   []string // the password keys, lower case
}

// keyTailSlot is the slot of keyTails for three letters: a multiplication
// whose top six bits set the known tails apart (keyTails panics if two
// share a slot).
func keyTailSlot(tail uint32) uint32 { return tail * 0x85EBCA6B >> 26 }

// keyTails holds the tails keyBefore knows, each in its slot.
var keyTails = func() (t [64]keyTail) {
	add := func(e keyTail, tail string) {
		e.tail = uint32(tail[0])<<16 | uint32(tail[1])<<8 | uint32(tail[2])
		slot := &t[keyTailSlot(e.tail)]
		if slot.tail != 0 {
			panic("pii: two key tails share a slot")
		}
		*slot = e
	}
	for _, keys := range [][]string{{"password"}, {"passwd"}, {"pwd"}, {"mdp"}, {"mot de passe", "mot_de_passe", "mot-de-passe", "motdepasse"}, {"passphrase"}, {"passwort"}} {
		k := keys[0]
		add(keyTail{kind: keyPassword, keys: keys}, k[len(k)-3:])
	}
	add(keyTail{kind: keyPassword, keys: []string{"pass"}, eqOnly: true}, "ass")
	for _, tail := range []string{"nom", "oms", "nce", "age", "lle", "ame", "let"} {
		add(keyTail{kind: keyName}, tail)
	}
	return t
}()

// keyAt tells whether b ends at k with key (lower case; b in any case),
// the key starting a word or after '_', '-' or '.'.
func keyAt(b []byte, k int, key string) bool {
	s := k - len(key)
	if s < 0 {
		return false
	}
	for j := 0; j < len(key); j++ {
		c := b[s+j]
		if isUpper(c) {
			c += 'a' - 'A'
		}
		if c != key[j] {
			return false
		}
	}
	return s == 0 || !isAlnum(b[s-1]) && b[s-1] < 0x80
}

// secretAfter reads the value after the ':' or '=' at i that follows a
// password key: it returns its span when it looks like a secret.
func secretAfter(b []byte, i int) (start, end int, ok bool) {
	j := i + 1
	for j < len(b) && j-i <= 3 && b[j] == ' ' {
		j++
	}
	if j >= len(b) {
		return 0, 0, false
	}
	start = j
	if q := b[j]; q == '"' || q == '\'' {
		start = j + 1
		e := start
		for e < len(b) && e-start <= 128 && b[e] != q {
			e++
		}
		if e >= len(b) || b[e] != q {
			return 0, 0, false
		}
		end = e
	} else {
		e := j
		for e < len(b) && e-j <= 128 && secretBytes[b[e]] {
			e++
		}
		end = e
		// A sentence's full stop is not the password's.
		if end-start > 1 && b[end-1] == '.' && (end == len(b) || b[end] == ' ') {
			end--
		}
	}
	v := b[start:end]
	if len(v) < 4 || len(v) > 128 {
		return 0, 0, false
	}
	if CredentialKind(v) != CredentialPlain {
		return start, end, true
	}
	if placeholder(v) || isPath(v) {
		return 0, 0, false
	}
	var digit, symbol, upper, innerUpper bool
	for k, c := range v {
		switch {
		case isDigit(c):
			digit = true
		case isUpper(c):
			upper = true
			innerUpper = innerUpper || k > 0
		case c < 0x80 && !isLower(c):
			symbol = true
		}
	}
	return start, end, digit || symbol && upper || innerUpper && hasLower(v)
}

// isPath tells a directory, as sudo's PWD= gives it: "/home/jdupont",
// "~/www", "/root"; a password may start with '/' too ("/A.d4hG6Zo").
func isPath(v []byte) bool {
	if v[0] != '/' && v[0] != '~' {
		return false
	}
	return bytes.IndexByte(v[1:], '/') >= 0 || bytes.IndexFunc(v, func(r rune) bool { return r >= '0' && r <= '9' }) < 0
}

// endsSecret tells the bytes that end a password written without quotes:
// a quote, a separator of fields or parameters, a closing bracket.
func endsSecret(c byte) bool {
	switch c {
	case '"', '\'', ',', ';', '&', '<', '>', ')', ']', '}':
		return true
	}
	return false
}

// secretBytes marks the bytes a password written without quotes goes on
// with: past the space, but for those that end it (endsSecret). One look
// each, where the comparisons of a switch branch on the password's bytes.
var secretBytes = func() (t [256]bool) {
	for c := '!'; c < 256; c++ {
		t[c] = !endsSecret(byte(c))
	}
	return t
}()

func hasLower(v []byte) bool {
	for _, c := range v {
		if isLower(c) {
			return true
		}
	}
	return false
}

// urlUserinfo tells whether the '@' at i ends the user information of a
// URL (scheme://user:password@host, RFC 3986 3.2.1) that starts after
// from; it returns where the user information starts.
func urlUserinfo(b []byte, i, from int) (int, bool) {
	// The user information goes back to the "//": most '@' are e-mail
	// addresses, whose local part ends at a space or a delimiter that is
	// no '/', a few bytes back.
	lo := max(from, i-256)
	k := i
	for k > lo && isUserinfo(b[k-1]) {
		k--
	}
	if k == lo || b[k-1] != '/' || k-3 <= from || b[k-2] != '/' || b[k-3] != ':' || !isAlpha(b[k-4]) {
		return 0, false
	}
	return k, true
}

// isUserinfo tells the bytes of a URL's user information: unreserved,
// percent-encoded, sub-delims and ':'.
func isUserinfo(c byte) bool { return byteClass[c]&clsUserinfo != 0 }
