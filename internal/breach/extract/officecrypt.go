package extract

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"unicode/utf16"
)

// An Office 2007+ document (.docx, .xlsx, .pptx) protected by a password
// to open is no zip: Office writes an OLE compound file holding the
// EncryptionInfo stream (how the key is derived) and the EncryptedPackage
// stream (the zip, encrypted) ([MS-OFFCRYPTO] 2.3.4). Two schemes are
// read: agile encryption (version 4.4, Office 2010 and later, and
// LibreOffice: AES in CBC mode, the key derived by SHA-1 to SHA-512
// spun 100,000 times), and standard encryption (versions 2-4.2, Office
// 2007: AES in ECB mode, SHA-1 spun 50,000 times).

// encryptedOffice reads an Office document protected by a password: its
// package decrypted under the first of the passwords given that opens it,
// spooled to a temporary file (a zip is read from its end), checked, then
// read as the document it is, under the same path.
func (e *Extractor) encryptedOffice(ctx context.Context, c *cfb, info, pkg cfbEntry, src *source, size int64, h Handler) error {
	fail := func(err error) error {
		d := h.Begin(src.display, FormatBinary)
		d.Problem(Problem{Path: src.display, Offset: -1, Skipped: errors.Is(err, ErrEncrypted) || errors.Is(err, ErrUnsupported), Err: err})
		d.End(size)
		return nil
	}
	if info.size > officeInfoMax {
		return fail(fmt.Errorf("%w: EncryptionInfo of %d bytes", ErrSyntax, info.size))
	}
	ir, err := c.open(info)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrSyntax, err))
	}
	ib, err := io.ReadAll(ir)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrSyntax, err))
	}
	k, err := officeKeyFor(ib, e.o.Passwords)
	if err != nil {
		return fail(err)
	}
	pr, err := c.open(pkg)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrSyntax, err))
	}
	plain, check, err := k.decrypt(pr, int64(pkg.size))
	if err != nil {
		return fail(err)
	}
	f, done, err := e.spool(src, &limited{r: plain, b: src.b})
	if err != nil {
		return fail(err)
	}
	defer done()
	if err := check(); err != nil {
		return fail(err)
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	inner := &source{display: src.display, name: src.name, r: f, file: f, size: st.Size(), depth: src.depth + 1, b: src.b, counted: true}
	return e.read(ctx, inner, h)
}

// officeKey decrypts an EncryptedPackage stream.
type officeKey interface {
	// decrypt returns the package: its size (the stream's first 8 bytes)
	// and a reader of its plain bytes; check, after the reader ran dry,
	// tells whether the stream was damaged.
	decrypt(stream io.Reader, size int64) (r io.Reader, check func() error, err error)
}

// Bounds on what an EncryptionInfo stream may ask for.
const (
	officeInfoMax  = 64 << 10   // the stream, XML included
	officeSpinsMax = 10_000_000 // [MS-OFFCRYPTO] 2.3.4.11: spinCount ≤ 10,000,000
	officeSegment  = 4096       // agile: the package is encrypted in segments
)

// officeKeyFor reads an EncryptionInfo stream and derives the key from
// the first of passwords that opens the document.
func officeKeyFor(info []byte, passwords []string) (officeKey, error) {
	if len(info) < 8 {
		return nil, fmt.Errorf("%w: EncryptionInfo of %d bytes", ErrSyntax, len(info))
	}
	major, minor := binary.LittleEndian.Uint16(info), binary.LittleEndian.Uint16(info[2:])
	var try func(string) (officeKey, bool)
	switch {
	case major == 4 && minor == 4:
		a, err := parseAgileInfo(info[8:])
		if err != nil {
			return nil, err
		}
		try = a.key
	case (major == 2 || major == 3 || major == 4) && minor == 2:
		s, err := parseStandardInfo(info[8:])
		if err != nil {
			return nil, err
		}
		try = s.key
	default:
		return nil, fmt.Errorf("%w: Office encryption version %d.%d (extensible or unknown); not scanned", ErrUnsupported, major, minor)
	}
	for _, p := range passwords {
		if k, ok := try(p); ok {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrEncrypted, lockedText("an Office document", passwords))
}

// utf16LE is a password as Office hashes it.
func utf16LE(password string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(password)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// spin hashes the salt and the password, then the iteration's number
// and the previous hash spins times ([MS-OFFCRYPTO] 2.3.4.7, 2.3.4.11).
func spin(h hash.Hash, salt []byte, password string, spins int) []byte {
	h.Reset()
	h.Write(salt)
	h.Write(utf16LE(password))
	sum := h.Sum(nil)
	var it [4]byte
	for i := range spins {
		binary.LittleEndian.PutUint32(it[:], uint32(i))
		h.Reset()
		h.Write(it[:])
		h.Write(sum)
		sum = h.Sum(sum[:0])
	}
	return sum
}

// fit cuts b to n bytes or pads it with pad ([MS-OFFCRYPTO] 2.3.4.11,
// 2.3.4.12).
func fit(b []byte, n int, pad byte) []byte {
	out := make([]byte, n)
	copy(out, b)
	for i := len(b); i < n; i++ {
		out[i] = pad
	}
	return out
}

// agileInfo is the XML of an agile EncryptionInfo stream: the package's
// key data, its integrity code, and the password's key encryptor.
type agileInfo struct {
	KeyData   agileParams `xml:"keyData"`
	Integrity struct {
		Key   b64 `xml:"encryptedHmacKey,attr"`
		Value b64 `xml:"encryptedHmacValue,attr"`
	} `xml:"dataIntegrity"`
	Encryptors []struct {
		URI string       `xml:"uri,attr"`
		Key *agileParams `xml:"encryptedKey"`
	} `xml:"keyEncryptors>keyEncryptor"`
	password *agileParams
	newHash  func() hash.Hash
	pwHash   func() hash.Hash
}

type agileParams struct {
	SpinCount      int    `xml:"spinCount,attr"`
	SaltSize       int    `xml:"saltSize,attr"`
	BlockSize      int    `xml:"blockSize,attr"`
	KeyBits        int    `xml:"keyBits,attr"`
	HashSize       int    `xml:"hashSize,attr"`
	Cipher         string `xml:"cipherAlgorithm,attr"`
	Chaining       string `xml:"cipherChaining,attr"`
	Hash           string `xml:"hashAlgorithm,attr"`
	Salt           b64    `xml:"saltValue,attr"`
	VerifierInput  b64    `xml:"encryptedVerifierHashInput,attr"`
	VerifierHash   b64    `xml:"encryptedVerifierHashValue,attr"`
	EncryptedValue b64    `xml:"encryptedKeyValue,attr"`
}

// b64 is an attribute's bytes written in base64.
type b64 []byte

func (b *b64) UnmarshalXMLAttr(a xml.Attr) error {
	v, err := base64.StdEncoding.DecodeString(a.Value)
	*b = v
	return err
}

// The block keys of agile encryption ([MS-OFFCRYPTO] 2.3.4.11, 2.3.4.14).
var (
	agileVerifierInput = []byte{0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79}
	agileVerifierHash  = []byte{0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e}
	agileKeyValue      = []byte{0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6}
	agileHMACKey       = []byte{0x5f, 0xb2, 0xad, 0x01, 0x0c, 0xb9, 0xe1, 0xf6}
	agileHMACValue     = []byte{0xa0, 0x67, 0x7f, 0x02, 0xb2, 0x2c, 0x84, 0x33}
)

const agilePasswordURI = "http://schemas.microsoft.com/office/2006/keyEncryptor/password"

// hashNamed returns the hash an EncryptionInfo names, and its size.
func hashNamed(name string) (func() hash.Hash, int, bool) {
	switch name {
	case "SHA1":
		return sha1.New, sha1.Size, true
	case "SHA256":
		return sha256.New, sha256.Size, true
	case "SHA384":
		return sha512.New384, sha512.Size384, true
	case "SHA512":
		return sha512.New, sha512.Size, true
	}
	return nil, 0, false
}

// check tells what of p the reader cannot follow: only AES in CBC mode
// with the hashes above, within bounds.
func (p *agileParams) check(what string) (func() hash.Hash, error) {
	h, size, ok := hashNamed(p.Hash)
	switch {
	case p.Cipher != "AES" || p.Chaining != "ChainingModeCBC":
		return nil, fmt.Errorf("%w: Office encryption by %s in %s (%s); not scanned", ErrUnsupported, p.Cipher, p.Chaining, what)
	case !ok:
		return nil, fmt.Errorf("%w: Office encryption hashed by %q (%s); not scanned", ErrUnsupported, p.Hash, what)
	case p.KeyBits != 128 && p.KeyBits != 192 && p.KeyBits != 256, p.BlockSize != aes.BlockSize, p.HashSize != size,
		len(p.Salt) == 0 || len(p.Salt) > 64, p.SpinCount < 0 || p.SpinCount > officeSpinsMax:
		return nil, fmt.Errorf("%w: Office EncryptionInfo with parameters out of bounds (%s)", ErrSyntax, what)
	}
	return h, nil
}

func parseAgileInfo(x []byte) (*agileInfo, error) {
	var a agileInfo
	if err := xml.Unmarshal(x, &a); err != nil {
		return nil, fmt.Errorf("%w: Office EncryptionInfo: %v", ErrSyntax, err)
	}
	for _, e := range a.Encryptors {
		if e.URI == agilePasswordURI && e.Key != nil {
			a.password = e.Key
		}
	}
	if a.password == nil {
		return nil, fmt.Errorf("%w: an Office document encrypted for a certificate, not a password; not scanned", ErrEncrypted)
	}
	var err error
	if a.newHash, err = a.KeyData.check("package"); err != nil {
		return nil, err
	}
	if a.pwHash, err = a.password.check("password"); err != nil {
		return nil, err
	}
	return &a, nil
}

// cbc decrypts b (whole blocks) with AES in CBC mode.
func cbc(key, iv, b []byte) ([]byte, bool) {
	if len(b) == 0 || len(b)%aes.BlockSize != 0 {
		return nil, false
	}
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, false
	}
	out := make([]byte, len(b))
	cipher.NewCBCDecrypter(c, iv).CryptBlocks(out, b)
	return out, true
}

// key derives the package's key from password, or ok false when the
// password's verifier does not match ([MS-OFFCRYPTO] 2.3.4.13).
func (a *agileInfo) key(password string) (officeKey, bool) {
	p := a.password
	h := a.pwHash()
	base := spin(h, p.Salt, password, p.SpinCount)
	derive := func(block []byte) []byte {
		h.Reset()
		h.Write(base)
		h.Write(block)
		return fit(h.Sum(nil), p.KeyBits/8, 0x36)
	}
	iv := fit(p.Salt, p.BlockSize, 0x36)
	input, ok1 := cbc(derive(agileVerifierInput), iv, p.VerifierInput)
	want, ok2 := cbc(derive(agileVerifierHash), iv, p.VerifierHash)
	if !ok1 || !ok2 || len(input) < p.SaltSize || len(want) < p.HashSize {
		return nil, false
	}
	h.Reset()
	h.Write(input[:p.SaltSize])
	if subtle.ConstantTimeCompare(h.Sum(nil), want[:p.HashSize]) != 1 {
		return nil, false
	}
	secret, ok := cbc(derive(agileKeyValue), iv, p.EncryptedValue)
	if !ok || len(secret) < a.KeyData.KeyBits/8 {
		return nil, false
	}
	return &agileKey{a: a, secret: secret[:a.KeyData.KeyBits/8]}, true
}

type agileKey struct {
	a      *agileInfo
	secret []byte
}

// iv is the initialization vector of a block key or a segment's number
// ([MS-OFFCRYPTO] 2.3.4.12).
func (k *agileKey) iv(block []byte) []byte {
	h := k.a.newHash()
	h.Write(k.a.KeyData.Salt)
	h.Write(block)
	return fit(h.Sum(nil), k.a.KeyData.BlockSize, 0x36)
}

func (k *agileKey) decrypt(stream io.Reader, size int64) (io.Reader, func() error, error) {
	d := k.a.KeyData
	c, err := aes.NewCipher(k.secret)
	if err != nil {
		return nil, nil, err
	}
	// The integrity code: an HMAC of the whole stream, its key and value
	// encrypted under the package's key. Without it (some writers leave
	// it out) the package is read unchecked.
	var mac hash.Hash
	var want []byte
	if hk, ok := cbc(k.secret, k.iv(agileHMACKey), k.a.Integrity.Key); ok && len(hk) >= d.HashSize {
		if hv, ok := cbc(k.secret, k.iv(agileHMACValue), k.a.Integrity.Value); ok && len(hv) >= d.HashSize {
			mac, want = hmac.New(k.a.newHash, hk[:d.HashSize]), hv[:d.HashSize]
		}
	}
	head, plain, err := packageSize(stream, size)
	if err != nil {
		return nil, nil, err
	}
	if mac != nil {
		mac.Write(head[:])
		stream = io.TeeReader(stream, mac)
	}
	r := &packageReader{r: stream, left: plain, crypt: func(seg []byte, n uint32) {
		cipher.NewCBCDecrypter(c, k.iv(binary.LittleEndian.AppendUint32(nil, n))).CryptBlocks(seg, seg)
	}}
	check := func() error {
		if mac == nil {
			return nil
		}
		// The stream's padding after the last segment counts too.
		if _, err := io.Copy(io.Discard, stream); err != nil {
			return err
		}
		if !hmac.Equal(mac.Sum(nil), want) {
			return fmt.Errorf("%w: an encrypted Office document damaged (integrity code)", ErrSyntax)
		}
		return nil
	}
	return r, check, nil
}

// packageSize reads the size of the plain package, the first 8 bytes of
// an EncryptedPackage stream of size bytes.
func packageSize(stream io.Reader, size int64) (head [8]byte, plain int64, err error) {
	if _, err := io.ReadFull(stream, head[:]); err != nil {
		return head, 0, fmt.Errorf("%w: EncryptedPackage cut short", ErrSyntax)
	}
	plain = int64(binary.LittleEndian.Uint64(head[:]))
	if plain < 0 || plain > size-8 {
		return head, 0, fmt.Errorf("%w: EncryptedPackage says %d bytes in a stream of %d", ErrSyntax, plain, size)
	}
	return head, plain, nil
}

// packageReader gives the plain bytes of a package, decrypted 4096 bytes
// at a time by crypt (agile encryption gives each segment its own
// initialization vector; standard encryption is block by block).
type packageReader struct {
	r     io.Reader
	left  int64 // plain bytes still to give
	crypt func(seg []byte, n uint32)
	n     uint32 // the next segment
	buf   [officeSegment]byte
	out   []byte
}

func (s *packageReader) Read(p []byte) (int, error) {
	if len(s.out) == 0 {
		if s.left <= 0 {
			return 0, io.EOF
		}
		want := min(int64(officeSegment), (s.left+aes.BlockSize-1)/aes.BlockSize*aes.BlockSize)
		seg := s.buf[:want]
		if _, err := io.ReadFull(s.r, seg); err != nil {
			return 0, fmt.Errorf("%w: EncryptedPackage cut short", ErrSyntax)
		}
		s.crypt(seg, s.n)
		s.n++
		s.out = seg[:min(want, s.left)]
		s.left -= int64(len(s.out))
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}

// standardInfo is a standard EncryptionInfo stream: the header's
// algorithm and key size, and the verifier ([MS-OFFCRYPTO] 2.3.4.5,
// 2.3.4.6).
type standardInfo struct {
	keyBytes     int
	salt         []byte
	verifier     []byte // 16 bytes, encrypted
	verifierHash []byte // 32 bytes, encrypted
}

// Standard encryption's algorithm identifiers: AES-128, -192, -256, and
// SHA-1.
const (
	calgAES128 = 0x660E
	calgAES192 = 0x660F
	calgAES256 = 0x6610
	calgSHA1   = 0x8004
)

func parseStandardInfo(b []byte) (*standardInfo, error) {
	bad := fmt.Errorf("%w: Office EncryptionInfo (standard) cut short or malformed", ErrSyntax)
	if len(b) < 4 {
		return nil, bad
	}
	n := int(binary.LittleEndian.Uint32(b))
	b = b[4:]
	if n < 32 || n > len(b) {
		return nil, bad
	}
	hdr := b[:n]
	alg, hashAlg, bits := binary.LittleEndian.Uint32(hdr[8:]), binary.LittleEndian.Uint32(hdr[12:]), int(binary.LittleEndian.Uint32(hdr[16:]))
	if alg != calgAES128 && alg != calgAES192 && alg != calgAES256 || hashAlg != calgSHA1 && hashAlg != 0 {
		return nil, fmt.Errorf("%w: Office encryption by algorithm %#x (RC4 CryptoAPI or other); not scanned", ErrUnsupported, alg)
	}
	if bits != 128 && bits != 192 && bits != 256 {
		return nil, bad
	}
	v := b[n:]
	if len(v) < 4+16+16+4+32 || binary.LittleEndian.Uint32(v) != 16 {
		return nil, bad
	}
	return &standardInfo{keyBytes: bits / 8, salt: v[4:20], verifier: v[20:36], verifierHash: v[40:72]}, nil
}

// key derives the AES key from password ([MS-OFFCRYPTO] 2.3.4.7) and
// checks it against the verifier (2.3.4.9).
func (s *standardInfo) key(password string) (officeKey, bool) {
	h := sha1.New()
	base := spin(h, s.salt, password, 50000)
	h.Reset()
	h.Write(base)
	h.Write([]byte{0, 0, 0, 0}) // block 0
	final := h.Sum(nil)
	derive := func(pad byte) []byte {
		buf := bytes.Repeat([]byte{pad}, 64)
		for i, c := range final {
			buf[i] ^= c
		}
		sum := sha1.Sum(buf)
		return sum[:]
	}
	key := append(derive(0x36), derive(0x5c)...)[:s.keyBytes]
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, false
	}
	var verifier [16]byte
	hashed := make([]byte, len(s.verifierHash))
	c.Decrypt(verifier[:], s.verifier)
	for i := 0; i < len(hashed); i += aes.BlockSize {
		c.Decrypt(hashed[i:], s.verifierHash[i:])
	}
	sum := sha1.Sum(verifier[:])
	if subtle.ConstantTimeCompare(sum[:], hashed[:sha1.Size]) != 1 {
		return nil, false
	}
	return &standardKey{c: c}, true
}

type standardKey struct{ c cipher.Block }

func (k *standardKey) decrypt(stream io.Reader, size int64) (io.Reader, func() error, error) {
	_, plain, err := packageSize(stream, size)
	if err != nil {
		return nil, nil, err
	}
	r := &packageReader{r: stream, left: plain, crypt: func(seg []byte, _ uint32) {
		for i := 0; i < len(seg); i += aes.BlockSize {
			k.c.Decrypt(seg[i:], seg[i:])
		}
	}}
	return r, func() error { return nil }, nil
}
