package extract

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"hash"
)

// The standard security handler of PDF ([ISO 32000-2] §7.6.4): most
// encrypted PDFs have an owner password only (printing or copying
// restricted) and an empty user password, which every reader opens
// without asking. Such a file is decrypted here, and one whose user
// password is among those given (Options.Passwords); another is
// reported, not read. RC4 (40 to 128 bits), AES-128 and AES-256
// (revisions 2 to 6).

// pdfCrypt decrypts the streams of one file.
type pdfCrypt struct {
	key []byte
	aes bool // AESV2 or AESV3, else RC4
	v5  bool // AES-256: the file key for every object
}

var pdfPad = []byte{0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A}

var errPDFPassword = errors.New("a password is needed")

// openCrypt derives the file key from the Encrypt dictionary and the
// file's first identifier, for a user password (nil: the empty one).
func (d *pdfDoc) openCrypt(enc pdfDict, id, password []byte) (*pdfCrypt, error) {
	str := func(k pdfName) []byte { v, _ := d.resolve(enc[k]).(string); return []byte(v) }
	if f, _ := d.resolve(enc["Filter"]).(pdfName); f != "Standard" {
		return nil, errPDFPassword
	}
	v, _ := d.resolve(enc["V"]).(int64)
	r, _ := d.resolve(enc["R"]).(int64)
	o, u := str("O"), str("U")
	c := &pdfCrypt{}
	if v == 4 || v == 5 {
		cfm := pdfName("")
		if cf := d.dict(enc["CF"]); cf != nil {
			name, _ := d.resolve(enc["StmF"]).(pdfName)
			if f := d.dict(cf[name]); f != nil {
				cfm, _ = d.resolve(f["CFM"]).(pdfName)
			}
		}
		c.aes = cfm == "AESV2" || cfm == "AESV3"
	}
	if r >= 5 {
		if len(u) < 48 {
			return nil, errPDFPassword
		}
		ue := str("UE")
		pw := password[:min(len(password), 127)] // UTF-8, at most 127 bytes
		var check, inter []byte
		if r == 5 {
			s1, s2 := sha256.Sum256(append(append([]byte{}, pw...), u[32:40]...)), sha256.Sum256(append(append([]byte{}, pw...), u[40:48]...))
			check, inter = s1[:], s2[:]
		} else {
			check, inter = hash2B(pw, u[32:40]), hash2B(pw, u[40:48])
		}
		if !bytes.Equal(check, u[:32]) || len(ue) < 32 {
			return nil, errPDFPassword
		}
		block, err := aes.NewCipher(inter)
		if err != nil {
			return nil, errPDFPassword
		}
		c.key = make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(c.key, ue[:32])
		c.aes, c.v5 = true, true
		return c, nil
	}
	n := 5
	if r >= 3 {
		if l, ok := d.resolve(enc["Length"]).(int64); ok && l >= 40 && l <= 128 && l%8 == 0 {
			n = int(l / 8)
		} else {
			n = 16
		}
	}
	if len(o) < 32 || len(u) < 16 {
		return nil, errPDFPassword
	}
	p, _ := d.resolve(enc["P"]).(int64)
	h := md5.New()
	// The password padded to 32 bytes with the padding's start.
	pw := password[:min(len(password), 32)]
	h.Write(pw)
	h.Write(pdfPad[:32-len(pw)])
	h.Write(o[:32])
	h.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(p))))
	h.Write(id)
	if em, ok := d.resolve(enc["EncryptMetadata"]).(bool); r >= 4 && ok && !em {
		h.Write([]byte{0xFF, 0xFF, 0xFF, 0xFF})
	}
	key := h.Sum(nil)
	if r >= 3 {
		for i := 0; i < 50; i++ {
			s := md5.Sum(key[:n])
			key = s[:]
		}
	}
	c.key = key[:n]
	// The password is the user's if the key encrypts the padding to U.
	var want []byte
	if r == 2 {
		want = make([]byte, 32)
		rc, _ := rc4.NewCipher(c.key)
		rc.XORKeyStream(want, pdfPad)
		if !bytes.Equal(want, u[:32]) {
			return nil, errPDFPassword
		}
		return c, nil
	}
	s := md5.Sum(append(append([]byte{}, pdfPad...), id...))
	want = s[:]
	for i := 0; i < 20; i++ {
		k := make([]byte, len(c.key))
		for j := range k {
			k[j] = c.key[j] ^ byte(i)
		}
		rc, _ := rc4.NewCipher(k)
		rc.XORKeyStream(want, want)
	}
	if !bytes.Equal(want, u[:16]) {
		return nil, errPDFPassword
	}
	return c, nil
}

// hash2B is the hash of revision 6 (ISO 32000-2 algorithm 2.B), for a
// password, a salt and (for the owner) the U string.
func hash2B(password, salt []byte) []byte {
	s := sha256.Sum256(append(append([]byte{}, password...), salt...))
	k := s[:]
	for i := 0; ; i++ {
		one := append(append([]byte{}, password...), k...)
		k1 := bytes.Repeat(one, 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		var h hash.Hash
		switch sum % 3 {
		case 0:
			h = sha256.New()
		case 1:
			h = sha512.New384()
		default:
			h = sha512.New()
		}
		h.Write(e)
		k = h.Sum(nil)
		if i >= 63 && int(e[len(e)-1]) <= i-32 {
			return k[:32]
		}
	}
}

// stream decrypts the data of object num, gen.
func (c *pdfCrypt) stream(data []byte, num, gen int) ([]byte, error) {
	key := c.key
	if !c.v5 {
		h := md5.New()
		h.Write(c.key)
		h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
		if c.aes {
			h.Write([]byte("sAlT"))
		}
		key = h.Sum(nil)[:min(len(c.key)+5, 16)]
	}
	if !c.aes {
		out := make([]byte, len(data))
		rc, err := rc4.NewCipher(key)
		if err != nil {
			return nil, err
		}
		rc.XORKeyStream(out, data)
		return out, nil
	}
	if len(data) < 32 || len(data)%16 != 0 {
		return nil, errors.New("an encrypted stream cut short")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if p := int(out[len(out)-1]); p >= 1 && p <= 16 && p <= len(out) {
		out = out[:len(out)-p]
	}
	return out, nil
}
