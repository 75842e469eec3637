// Package rc4write encrypts the streams of Office 97-2003 files as Office
// does under a password to open ([MS-OFFCRYPTO] 2.3.6 RC4, 2.3.5 RC4
// CryptoAPI; [MS-DOC] 2.2.6.2 for Word documents), for the tests of the
// readers that decrypt them. It derives the keys after the specification,
// apart from the readers' code.
package rc4write

import (
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"encoding/binary"
	"unicode/utf16"
)

// Method is how a file is encrypted.
type Method struct {
	CryptoAPI bool // RC4 CryptoAPI (Office XP-2003) rather than RC4 (Office 97-2000)
	KeyBits   int  // RC4 CryptoAPI's key size: 40 to 128 (0: 128)
}

// Key encrypts the blocks of a stream.
type Key struct {
	m    Method
	base []byte // MD5's 40-bit key, or CryptoAPI's first SHA-1
}

func password16(pw string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(pw)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

func newKey(m Method, password string, salt []byte) Key {
	if m.CryptoAPI {
		h := sha1.Sum(append(append([]byte(nil), salt...), password16(password)...))
		return Key{m, h[:]}
	}
	h0 := md5.Sum(password16(password))
	var buf []byte
	for range 16 {
		buf = append(append(buf, h0[:5]...), salt...)
	}
	h1 := md5.Sum(buf)
	return Key{m, h1[:5]}
}

// cipher is the RC4 cipher of a block.
func (k Key) cipher(block uint32) *rc4.Cipher {
	in := binary.LittleEndian.AppendUint32(append([]byte(nil), k.base...), block)
	var key []byte
	if k.m.CryptoAPI {
		h := sha1.Sum(in)
		bits := k.m.KeyBits
		if bits == 0 {
			bits = 128
		}
		key = h[:bits/8]
		if bits == 40 {
			key = append(h[:5:5], make([]byte, 11)...)
		}
	} else {
		h := md5.Sum(in)
		key = h[:]
	}
	c, err := rc4.NewCipher(key)
	if err != nil {
		panic(err)
	}
	return c
}

// Header returns the encryption header, from its version on, that Key's
// password opens: salt and verifier are its random parts (16 bytes each).
func Header(m Method, password string, salt, verifier []byte) ([]byte, Key) {
	k := newKey(m, password, salt)
	le := binary.LittleEndian
	c := k.cipher(0)
	encrypt := func(b []byte) []byte {
		out := make([]byte, len(b))
		c.XORKeyStream(out, b)
		return out
	}
	if !m.CryptoAPI {
		sum := md5.Sum(verifier)
		h := le.AppendUint16(le.AppendUint16(nil, 1), 1)
		h = append(h, salt...)
		h = append(h, encrypt(verifier)...)
		return append(h, encrypt(sum[:])...), k
	}
	bits := m.KeyBits
	if bits == 0 {
		bits = 128
	}
	csp := password16("Microsoft Enhanced Cryptographic Provider v1.0\x00")
	var eh []byte
	eh = le.AppendUint32(eh, 0x04)   // flags: fCryptoAPI
	eh = le.AppendUint32(eh, 0)      // sizeExtra
	eh = le.AppendUint32(eh, 0x6801) // RC4
	eh = le.AppendUint32(eh, 0x8004) // SHA-1
	eh = le.AppendUint32(eh, uint32(bits))
	eh = le.AppendUint32(eh, 0x01) // PROV_RSA_FULL
	eh = le.AppendUint32(eh, 0)
	eh = le.AppendUint32(eh, 0)
	eh = append(eh, csp...)
	h := le.AppendUint16(le.AppendUint16(nil, 4), 2) // the version Office 2003 writes
	h = le.AppendUint32(h, 0x04)
	h = le.AppendUint32(h, uint32(len(eh)))
	h = append(h, eh...)
	h = le.AppendUint32(h, 16)
	h = append(h, salt...)
	sum := sha1.Sum(verifier)
	h = append(h, encrypt(verifier)...)
	h = le.AppendUint32(h, sha1.Size)
	return append(h, encrypt(sum[:])...), k
}

// Encrypt encrypts b, a whole stream, in place in blocks of size bytes
// counted from its start, but the bytes before from.
func (k Key) Encrypt(b []byte, size, from int) {
	for start := 0; start < len(b); start += size {
		end := min(start+size, len(b))
		if end <= from {
			continue
		}
		ks := make([]byte, end-start)
		k.cipher(uint32(start/size)).XORKeyStream(ks, ks)
		for i := max(start, from); i < end; i++ {
			b[i] ^= ks[i-start]
		}
	}
}

// Doc encrypts a Word document's WordDocument and Table streams: the
// encryption header takes the start of the Table stream (what was there
// moves after it, and each offset of the FIB into that stream with it),
// the FIB says so (fEncrypted, lKey), and both streams are encrypted in
// 512-byte blocks but for the FIB's first 68 bytes and the header.
func Doc(word, table []byte, m Method, password string, salt, verifier []byte) (encWord, encTable []byte) {
	le := binary.LittleEndian
	header, k := Header(m, password, salt, verifier)
	word = append([]byte(nil), word...)
	le.PutUint16(word[10:], le.Uint16(word[10:])|0x0100)
	le.PutUint32(word[14:], uint32(len(header)))
	// FibRgFcLcb: its pairs of an offset in the Table stream and a size.
	at := 32
	at += 2 + 2*int(le.Uint16(word[at:]))
	at += 2 + 4*int(le.Uint16(word[at:]))
	n := int(le.Uint16(word[at:]))
	at += 2
	for i := range n {
		if p := at + 8*i; le.Uint32(word[p+4:]) > 0 {
			le.PutUint32(word[p:], le.Uint32(word[p:])+uint32(len(header)))
		}
	}
	table = append(header, table...)
	k.Encrypt(word, 512, 68)
	k.Encrypt(table, 512, len(header))
	return word, table
}

// BIFF8 records the workbook encryption leaves in clear ([MS-XLS]
// 2.2.10): BOF, FILEPASS, UsrExcl, FileLock, InterfaceHdr, RRDInfo,
// RRDHead; and the first 4 bytes of BoundSheet8, a sheet's offset.
var clearRecords = map[uint16]bool{0x0809: true, 0x002F: true, 0x0194: true, 0x0195: true, 0x00E1: true, 0x0196: true, 0x0138: true}

const boundSheet = 0x0085

// Workbook encrypts a BIFF8 workbook stream that has none: a FILEPASS
// record after the first BOF (each sheet's offset in BoundSheet8 moved
// by its size), then every record's data but those Excel leaves in
// clear XORed with the key stream of its offset, in 1024-byte blocks.
func Workbook(stream []byte, m Method, password string, salt, verifier []byte) []byte {
	le := binary.LittleEndian
	header, k := Header(m, password, salt, verifier)
	filePass := le.AppendUint16(le.AppendUint16(nil, 0x002F), uint16(2+len(header)))
	filePass = append(le.AppendUint16(filePass, 1), header...) // RC4, of either kind
	bofEnd := 4 + int(le.Uint16(stream[2:]))
	out := append(append(append([]byte(nil), stream[:bofEnd]...), filePass...), stream[bofEnd:]...)
	// Sheets' offsets, and the key stream over each record's data.
	ks := make([]byte, len(out))
	for start := 0; start < len(out); start += 1024 {
		c := k.cipher(uint32(start / 1024))
		c.XORKeyStream(ks[start:min(start+1024, len(out))], ks[start:min(start+1024, len(out))])
	}
	for at := 0; at+4 <= len(out); {
		typ, size := le.Uint16(out[at:]), int(le.Uint16(out[at+2:]))
		data := at + 4
		clearN := 0
		switch {
		case clearRecords[typ]:
			clearN = size
		case typ == boundSheet:
			le.PutUint32(out[data:], le.Uint32(out[data:])+uint32(len(filePass)))
			clearN = 4
		}
		for i := data + clearN; i < data+size && i < len(out); i++ {
			out[i] ^= ks[i]
		}
		at = data + size
	}
	return out
}
