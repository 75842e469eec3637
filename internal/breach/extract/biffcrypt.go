package extract

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// An Excel 97-2003 workbook may be encrypted ([MS-XLS] 2.2.10): a
// FILEPASS record after the first BOF, then the data of every record
// (not the headers, not a few records) XORed with RC4 (rc4crypt.go),
// rekeyed every 1024 bytes of the stream. Excel encrypts with the password
// "VelvetSweatshop" a workbook that asks none to be opened (one whose
// structure only is protected): such a workbook is read, and one whose
// password is among those given (Options.Passwords). Another is
// reported, not read: no password is guessed.

// defaultXLSPassword is the password Excel encrypts with when none is set.
const defaultXLSPassword = "VelvetSweatshop"

var errXLSPassword = errors.New("a password-protected workbook; not scanned")

// filePassKey reads a FILEPASS record and returns the key when the
// workbook is encrypted with RC4 or RC4 CryptoAPI under the default
// password or one of passwords.
func filePassKey(b []byte, passwords []string) (rc4Stream, error) {
	if len(b) < 6 {
		return nil, errBIFFShort
	}
	switch kind := binary.LittleEndian.Uint16(b); kind {
	case 0:
		return nil, fmt.Errorf("%w (XOR obfuscation, not read)", errXLSPassword)
	case 1:
	default:
		return nil, fmt.Errorf("%w (encryption of kind %d)", errXLSPassword, kind)
	}
	key, err := rc4Header(b[2:], append([]string{defaultXLSPassword}, passwords...))
	switch {
	case errors.Is(err, errRC4Short):
		return nil, errBIFFShort
	case errors.Is(err, errRC4Password) && len(passwords) > 0:
		return nil, fmt.Errorf("%w (none of the passwords given opens it)", errXLSPassword)
	case errors.Is(err, errRC4Password):
		return nil, fmt.Errorf("%w (give its password with --password)", errXLSPassword)
	case err != nil:
		return nil, fmt.Errorf("%w (%v)", errXLSPassword, err)
	}
	return key, nil
}

// biffDecrypter reads a workbook stream encrypted with RC4 as it was
// before: the record headers, and the records the format leaves as they
// are, pass; the rest is XORed with the key stream of its offset.
type biffDecrypter struct {
	r     io.Reader
	key   rc4Stream
	pos   int64 // stream offset of the next byte
	block int64 // the block whose key stream is in ks
	ks    [1024]byte
	hdr   [4]byte
	hdrN  int // bytes of the current header read
	left  int // bytes of the current record's data unread
	plain int // of those, how many pass as they are
}

func newBIFFDecrypter(r io.Reader, key rc4Stream) *biffDecrypter {
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
