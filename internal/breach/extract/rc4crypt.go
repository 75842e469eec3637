package extract

import (
	"bytes"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
)

// Office 97-2003 files (.xls, .doc) encrypted under a password use RC4
// ([MS-OFFCRYPTO] 2.3.6: Office 97-2000, an MD5 key of 40 bits) or RC4
// CryptoAPI (2.3.5: Office XP-2003, a SHA-1 key of 40 to 128 bits). A
// stream is encrypted in blocks (512 bytes in Word, 1024 in Excel), each
// with the key of its number. Their encryption header holds a random
// verifier and its hash, encrypted with block 0's key: a password is
// right when it decrypts the one to the other.

var (
	errRC4Password = errors.New("no password given opens it")
	errRC4Short    = errors.New("an encryption header cut short")
)

// rc4Stream gives the RC4 cipher of each block of a stream.
type rc4Stream interface {
	cipher(block uint32) *rc4.Cipher
}

// rc4Key is the RC4 key of Office 97-2000 ([MS-OFFCRYPTO] 2.3.6.2): MD5
// of the password cut to 40 bits, mixed 16 times with the salt; each
// block's key is MD5 of that with the block's number.
type rc4Key [5]byte

func newRC4Key(password string, salt []byte) rc4Key {
	h0 := md5.Sum(utf16LE(password))
	var buf []byte
	for range 16 {
		buf = append(append(buf, h0[:5]...), salt...)
	}
	h1 := md5.Sum(buf)
	var k rc4Key
	copy(k[:], h1[:5])
	return k
}

func (k rc4Key) cipher(block uint32) *rc4.Cipher {
	h := md5.Sum(binary.LittleEndian.AppendUint32(append([]byte(nil), k[:]...), block))
	c, _ := rc4.NewCipher(h[:]) // 16 bytes: never refused
	return c
}

// cryptoAPIKey is the RC4 key of Office XP-2003 ([MS-OFFCRYPTO] 2.3.5.2):
// SHA-1 of the salt and the password; each block's key is SHA-1 of that
// with the block's number, cut to the key's size. A 40-bit key is
// padded with zeros to 128 bits, as CryptoAPI does.
type cryptoAPIKey struct {
	h0    [sha1.Size]byte
	bytes int
}

func (k cryptoAPIKey) cipher(block uint32) *rc4.Cipher {
	h := sha1.Sum(binary.LittleEndian.AppendUint32(append([]byte(nil), k.h0[:]...), block))
	key := h[:k.bytes]
	if k.bytes == 5 {
		key = append(h[:5:5], make([]byte, 11)...)
	}
	c, _ := rc4.NewCipher(key) // 5 to 16 bytes: never refused
	return c
}

// rc4Header reads an encryption header from its version on ([MS-OFFCRYPTO]
// 2.3.6.1 for RC4, 2.3.5.1 for RC4 CryptoAPI) and returns the key of the
// first of passwords that opens it.
func rc4Header(b []byte, passwords []string) (rc4Stream, error) {
	if len(b) < 4 {
		return nil, errRC4Short
	}
	le := binary.LittleEndian
	switch major, minor := le.Uint16(b), le.Uint16(b[2:]); {
	case major == 1 && minor == 1:
		if len(b) < 52 {
			return nil, errRC4Short
		}
		salt, verifier, hash := b[4:20], b[20:36], b[36:52]
		for _, pw := range passwords {
			k := newRC4Key(pw, salt)
			if verifies(k, verifier, hash, md5Sum) {
				return k, nil
			}
		}
		return nil, errRC4Password
	case (major == 2 || major == 3 || major == 4) && minor == 2:
		return cryptoAPIHeader(b[4:], passwords)
	default:
		return nil, fmt.Errorf("encryption version %d.%d, not read", major, minor)
	}
}

// cryptoAPIHeader reads RC4 CryptoAPI's header after its version: flags,
// the header's size, the header (its algorithm, hash and key size), then
// the verifier: a salt, the encrypted verifier and its SHA-1.
func cryptoAPIHeader(b []byte, passwords []string) (rc4Stream, error) {
	le := binary.LittleEndian
	if len(b) < 8 {
		return nil, errRC4Short
	}
	size := int(le.Uint32(b[4:]))
	if size < 32 || len(b) < 8+size {
		return nil, errRC4Short
	}
	h := b[8 : 8+size]
	alg, hashAlg, bits := le.Uint32(h[8:]), le.Uint32(h[12:]), le.Uint32(h[16:])
	if alg != 0x6801 && alg != 0 || hashAlg != 0x8004 && hashAlg != 0 {
		return nil, fmt.Errorf("encryption algorithm %#x with hash %#x, not read", alg, hashAlg)
	}
	switch {
	case bits == 0:
		bits = 40 // the default of the RC4 provider
	case bits < 40 || bits > 128 || bits%8 != 0:
		return nil, fmt.Errorf("an RC4 key of %d bits, not read", bits)
	}
	v := b[8+size:]
	if len(v) < 4 || le.Uint32(v) != 16 || len(v) < 4+16+16+4+20 {
		return nil, errRC4Short
	}
	salt, verifier, hash := v[4:20], v[20:36], v[40:60]
	for _, pw := range passwords {
		k := cryptoAPIKey{h0: sha1.Sum(append(append([]byte(nil), salt...), utf16LE(pw)...)), bytes: int(bits / 8)}
		if verifies(k, verifier, hash, sha1Sum) {
			return k, nil
		}
	}
	return nil, errRC4Password
}

func md5Sum(b []byte) []byte  { s := md5.Sum(b); return s[:] }
func sha1Sum(b []byte) []byte { s := sha1.Sum(b); return s[:] }

// verifies tells whether key decrypts the verifier to its hash: both are
// encrypted in one run of block 0's key stream.
func verifies(key rc4Stream, verifier, hash []byte, sum func([]byte) []byte) bool {
	c := key.cipher(0)
	v := make([]byte, len(verifier))
	h := make([]byte, len(hash))
	c.XORKeyStream(v, verifier)
	c.XORKeyStream(h, hash)
	return bytes.Equal(sum(v), h)
}

// decryptRC4 decrypts in place b, a whole stream, in blocks of size
// bytes from the stream's start, but the bytes before from, which are
// left as they are.
func decryptRC4(b []byte, key rc4Stream, size, from int) {
	ks := make([]byte, size)
	for start := from - from%size; start < len(b); start += size {
		clear(ks)
		key.cipher(uint32(start/size)).XORKeyStream(ks, ks)
		end := min(start+size, len(b))
		for i := max(start, from); i < end; i++ {
			b[i] ^= ks[i-start]
		}
	}
}
