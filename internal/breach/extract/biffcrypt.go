package extract

import (
	"bytes"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
)

// An Excel 97-2003 workbook may be encrypted ([MS-XLS] 2.2.10): a
// FILEPASS record after the first BOF, then the data of every record
// (not the headers, not a few records) XORed with RC4, rekeyed every
// 1024 bytes of the stream. Excel encrypts with the password
// "VelvetSweatshop" a workbook that asks none to be opened (one whose
// structure only is protected): such a workbook is read, and one whose
// password is among those given (Options.Passwords). Another is
// reported, not read: no password is guessed.

// defaultXLSPassword is the password Excel encrypts with when none is set.
const defaultXLSPassword = "VelvetSweatshop"

var errXLSPassword = errors.New("a password-protected workbook; not scanned")

// rc4Key derives the key of each 1024-byte block for the RC4 encryption
// of Office 97-2000 ([MS-OFFCRYPTO] 2.3.6.2): MD5 of the password cut to
// 40 bits, mixed 16 times with the salt, then MD5 of that with the
// block's number.
type rc4Key [5]byte

func newRC4Key(password string, salt []byte) rc4Key {
	var pw []byte
	for _, u := range utf16.Encode([]rune(password)) {
		pw = binary.LittleEndian.AppendUint16(pw, u)
	}
	h0 := md5.Sum(pw)
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

// filePassKey reads a FILEPASS record and returns the key when the
// workbook is encrypted with RC4 under the default password or one of
// passwords: the one whose key decrypts the verifier to its hash.
func filePassKey(b []byte, passwords []string) (rc4Key, error) {
	if len(b) < 6 {
		return rc4Key{}, errBIFFShort
	}
	le := binary.LittleEndian
	switch kind, major, minor := le.Uint16(b), le.Uint16(b[2:]), le.Uint16(b[4:]); {
	case kind == 0:
		return rc4Key{}, fmt.Errorf("%w (XOR obfuscation, not read)", errXLSPassword)
	case kind == 1 && major == 1 && minor == 1:
	case kind == 1:
		return rc4Key{}, fmt.Errorf("%w (RC4 CryptoAPI, not read)", errXLSPassword)
	default:
		return rc4Key{}, fmt.Errorf("%w (encryption of kind %d)", errXLSPassword, kind)
	}
	if len(b) < 54 {
		return rc4Key{}, errBIFFShort
	}
	salt, verifier, hash := b[6:22], b[22:38], b[38:54]
	for _, pw := range append([]string{defaultXLSPassword}, passwords...) {
		k := newRC4Key(pw, salt)
		var v, h [16]byte
		c := k.cipher(0)
		c.XORKeyStream(v[:], verifier)
		c.XORKeyStream(h[:], hash)
		if sum := md5.Sum(v[:]); bytes.Equal(sum[:], h[:]) {
			return k, nil
		}
	}
	if len(passwords) > 0 {
		return rc4Key{}, fmt.Errorf("%w (none of the passwords given opens it)", errXLSPassword)
	}
	return rc4Key{}, fmt.Errorf("%w (give its password with --password)", errXLSPassword)
}

// biffDecrypter reads a workbook stream encrypted with RC4 as it was
// before: the record headers, and the records the format leaves as they
// are, pass; the rest is XORed with the key stream of its offset.
type biffDecrypter struct {
	r     io.Reader
	key   rc4Key
	pos   int64 // stream offset of the next byte
	block int64 // the block whose key stream is in ks
	ks    [1024]byte
	hdr   [4]byte
	hdrN  int // bytes of the current header read
	left  int // bytes of the current record's data unread
	plain int // of those, how many pass as they are
}

func newBIFFDecrypter(r io.Reader, key rc4Key) *biffDecrypter {
	return &biffDecrypter{r: r, key: key, block: -1}
}

func (d *biffDecrypter) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	for i := range p[:n] {
		if d.left == 0 {
			d.hdr[d.hdrN] = p[i]
			if d.hdrN++; d.hdrN == 4 {
				typ, size := binary.LittleEndian.Uint16(d.hdr[:]), int(binary.LittleEndian.Uint16(d.hdr[2:]))
				d.hdrN, d.left, d.plain = 0, size, 0
				switch typ {
				case recBOF, recFilePass, 0x0194, 0x0195, 0x00E1, 0x0196, 0x0138: // UsrExcl, FileLock, InterfaceHdr, RRDInfo, RRDHead
					d.plain = size
				case recBoundSheet:
					d.plain = 4 // the sheet's offset
				}
			}
			d.pos++
			continue
		}
		if d.plain > 0 {
			d.plain--
		} else {
			if b := d.pos / 1024; b != d.block {
				clear(d.ks[:])
				d.key.cipher(uint32(b)).XORKeyStream(d.ks[:], d.ks[:])
				d.block = b
			}
			p[i] ^= d.ks[d.pos%1024]
		}
		d.left--
		d.pos++
	}
	return n, err
}
