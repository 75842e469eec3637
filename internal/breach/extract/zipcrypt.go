package extract

import (
	"archive/zip"
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/flate"
)

// Zip members encrypted under a password, opened with the passwords
// given (Options.Passwords): the traditional PKWARE encryption
// ("ZipCrypto", APPNOTE 6.1) and WinZip's AES (AE-1 and AE-2, method 99).
// Each password is checked before the member is read: ZipCrypto's
// header ends with a byte of the CRC (or of the time), AES gives a
// 2-byte verifier; a wrong password that passes those (1 in 256, 1 in
// 65,536) gives a CRC or an authentication code that does not match,
// reported with the member.

// zipAESExtra is the id of WinZip's AES extra field.
const zipAESExtra = 0x9901

// openEncrypted opens an encrypted zip member with the first password
// that opens it; the reader checks the CRC or the authentication code
// at its end.
func openEncrypted(zf *zip.File, passwords []string) (io.Reader, error) {
	if len(passwords) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrEncrypted, lockedText("a zip member", nil))
	}
	method, strength, crc := zf.Method, 0, true
	if zf.Method == 99 {
		v, ok := zipAESField(zf.Extra)
		if !ok {
			return nil, fmt.Errorf("%w: zip member of method 99 without its AES field", ErrSyntax)
		}
		strength, method = int(v[4]), binary.LittleEndian.Uint16(v[5:])
		crc = binary.LittleEndian.Uint16(v) == 1 // AE-2 leaves the CRC out
		if strength < 1 || strength > 3 {
			return nil, fmt.Errorf("%w: zip AES strength %d", ErrSyntax, strength)
		}
	}
	if method != zip.Store && method != zip.Deflate {
		return nil, fmt.Errorf("%w: an encrypted zip member compressed with method %d; not read", errMethod, method)
	}
	for _, pw := range passwords {
		raw, err := zf.OpenRaw()
		if err != nil {
			return nil, err
		}
		var r io.Reader
		if strength > 0 {
			r, err = winZipAES(raw, int64(zf.CompressedSize64), strength, pw)
		} else {
			r, err = zipCrypto(raw, zf, pw)
		}
		if errors.Is(err, errWrongPassword) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if method == zip.Deflate {
			r = &thenRest{r: flate.NewReader(bufio.NewReaderSize(r, 32<<10)), rest: r}
		}
		if crc {
			r = &crcCheck{crcReader: crcReader{r: r, crc: crc32.NewIEEE()}, want: zf.CRC32}
		}
		return r, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrEncrypted, lockedText("a zip member", passwords))
}

var errWrongPassword = errors.New("wrong password")

// zipAESField returns the data of the AES extra field: version, vendor
// "AE", strength, method.
func zipAESField(extra []byte) ([]byte, bool) {
	for len(extra) >= 4 {
		id, n := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		if n > len(extra)-4 {
			return nil, false
		}
		if id == zipAESExtra && n >= 7 {
			return extra[4 : 4+7], true
		}
		extra = extra[4+n:]
	}
	return nil, false
}

// zipCrypto decrypts the traditional PKWARE encryption: three keys
// updated with each plain byte, the password first; a 12-byte header
// whose last byte is the CRC's high byte, or the time's with a data
// descriptor.
func zipCrypto(raw io.Reader, zf *zip.File, password string) (io.Reader, error) {
	z := &zipCryptoReader{r: bufio.NewReaderSize(raw, 32<<10), k: [3]uint32{0x12345678, 0x23456789, 0x34567890}}
	for i := 0; i < len(password); i++ {
		z.update(password[i])
	}
	var head [12]byte
	if _, err := io.ReadFull(z, head[:]); err != nil {
		return nil, fmt.Errorf("%w: encrypted zip member cut short", ErrSyntax)
	}
	check := byte(zf.CRC32 >> 24)
	if zf.Flags&0x8 != 0 {
		check = byte(zf.ModifiedTime >> 8)
	}
	if head[11] != check {
		return nil, errWrongPassword
	}
	return z, nil
}

type zipCryptoReader struct {
	r *bufio.Reader
	k [3]uint32
}

func (z *zipCryptoReader) update(c byte) {
	z.k[0] = crc32.IEEETable[byte(z.k[0])^c] ^ z.k[0]>>8
	z.k[1] = (z.k[1]+z.k[0]&0xFF)*134775813 + 1
	z.k[2] = crc32.IEEETable[byte(z.k[2])^byte(z.k[1]>>24)] ^ z.k[2]>>8
}

func (z *zipCryptoReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	for i, b := range p[:n] {
		t := z.k[2] | 2
		c := b ^ byte((t*(t^1))>>8)
		p[i] = c
		z.update(c)
	}
	return n, err
}

// winZipAES decrypts WinZip's AES: a salt and a 2-byte verifier before
// the data, keys from PBKDF2-HMAC-SHA1 (1,000 rounds), AES in counter
// mode (a little-endian counter from 1), and an HMAC-SHA1 of the
// encrypted data, cut to 10 bytes, after it.
func winZipAES(raw io.Reader, size int64, strength int, password string) (io.Reader, error) {
	keyLen := 8 + 8*strength // 16, 24, 32
	saltLen := keyLen / 2
	if size < int64(saltLen+2+10) {
		return nil, fmt.Errorf("%w: AES zip member cut short", ErrSyntax)
	}
	head := make([]byte, saltLen+2)
	if _, err := io.ReadFull(raw, head); err != nil {
		return nil, fmt.Errorf("%w: AES zip member cut short", ErrSyntax)
	}
	keys, err := pbkdf2.Key(sha1.New, password, head[:saltLen], 1000, 2*keyLen+2)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(keys[2*keyLen:], head[saltLen:]) != 1 {
		return nil, errWrongPassword
	}
	block, err := aes.NewCipher(keys[:keyLen])
	if err != nil {
		return nil, err
	}
	data := size - int64(saltLen+2+10)
	return &winZipReader{r: bufio.NewReaderSize(raw, 32<<10), left: data, block: block, mac: hmac.New(sha1.New, keys[keyLen:2*keyLen])}, nil
}

type winZipReader struct {
	end   error // once the authentication code was checked: io.EOF, or what it gave
	r     *bufio.Reader
	left  int64
	block cipher.Block
	mac   hash.Hash
	ctr   uint64
	ks    [aes.BlockSize]byte
	used  int // bytes of ks used
}

func (w *winZipReader) Read(p []byte) (int, error) {
	if w.end != nil {
		return 0, w.end
	}
	if w.left == 0 {
		// The check's outcome stays: a buffer over this reader may have
		// taken the first error, and the inflater stopped before.
		var code [10]byte
		w.end = io.EOF
		if _, err := io.ReadFull(w.r, code[:]); err != nil {
			w.end = fmt.Errorf("%w: AES zip member without its authentication code", ErrSyntax)
		} else if !hmac.Equal(w.mac.Sum(nil)[:10], code[:]) {
			w.end = fmt.Errorf("%w: AES zip member damaged (authentication code)", ErrSyntax)
		}
		return 0, w.end
	}
	if int64(len(p)) > w.left {
		p = p[:w.left]
	}
	n, err := w.r.Read(p)
	w.mac.Write(p[:n])
	for i := range p[:n] {
		if w.used == 0 || w.used == aes.BlockSize {
			w.ctr++
			var c [aes.BlockSize]byte
			binary.LittleEndian.PutUint64(c[:], w.ctr)
			w.block.Encrypt(w.ks[:], c[:])
			w.used = 0
		}
		p[i] ^= w.ks[w.used]
		w.used++
	}
	w.left -= int64(n)
	if err == io.EOF && w.left > 0 {
		err = fmt.Errorf("%w: AES zip member cut short", ErrSyntax)
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// crcCheck reports a member whose CRC does not match at its end: a wrong
// password that passed the header's check, or a damaged member.
type crcCheck struct {
	crcReader
	want uint32
}

func (c *crcCheck) Read(p []byte) (int, error) {
	n, err := c.crcReader.Read(p)
	if err == io.EOF && c.crc.Sum32() != c.want {
		err = fmt.Errorf("%w: encrypted zip member does not match its CRC (a wrong password, or damaged)", ErrSyntax)
	}
	return n, err
}

// thenRest reads r, then what r left of rest: the inflater stops at the
// end of the deflated data, before the AES authentication code that the
// decrypting reader checks at its end.
type thenRest struct {
	r, rest io.Reader
}

func (t *thenRest) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF {
		if _, err := io.Copy(io.Discard, t.rest); err != nil {
			return n, err
		}
	}
	return n, err
}
