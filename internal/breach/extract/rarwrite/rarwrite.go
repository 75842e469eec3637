// Package rarwrite writes RAR archives with their members stored (no
// compression), as rar writes them with -m0, after RARLAB's description
// of the formats ("RAR 5.0 archive format", "RAR version 4.x technical
// information"): the tests' archives, rar itself being proprietary.
package rarwrite

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
	"slices"
)

// File is a member of an archive, encrypted under Password if not empty
// (RAR 5 only).
type File struct {
	Name, Password string
	Data           []byte
}

// RAR5 returns a RAR 5 archive of the files. Those with a password are
// encrypted as rar -p does (the names stay readable), the key derived
// with few rounds (2^4), which the format allows.
func RAR5(files ...File) []byte { return rar5("", files) }

// RAR5Hidden returns a RAR 5 archive whose headers, names included, are
// encrypted under password, as rar -hp does; the files' data is too.
func RAR5Hidden(password string, files ...File) []byte {
	files = slices.Clone(files)
	for i := range files {
		files[i].Password = password
	}
	return rar5(password, files)
}

func rar5(hidden string, files []File) []byte {
	out := []byte("Rar!\x1A\x07\x01\x00")
	emit := block5
	if hidden != "" {
		// The archive encryption header, then each header encrypted
		// after an IV of its own, padded to the AES block.
		salt := bytes.Repeat([]byte{0x5A}, 16)
		key, check := derive5(hidden, salt)
		h := append([]byte{4, 0}, vint(vint(nil, 0), 0x0001)...) // AES-256, a check value follows
		h = append(append(append(h, kdfLog), salt...), check...)
		out = block5(out, h, nil)
		n := byte(0)
		emit = func(out, hdr, data []byte) []byte {
			plain := block5(nil, hdr, nil)
			plain = append(plain, make([]byte, (16-len(plain)%16)%16)...)
			n++
			iv := bytes.Repeat([]byte{0x70 + n}, 16)
			out = append(out, iv...)
			return append(append(out, encryptCBC(key, iv, plain)...), data...)
		}
	}
	out = emit(out, []byte{1, 0, 0}, nil) // main archive header: no flags
	for i, f := range files {
		data, extra := f.Data, []byte(nil)
		if f.Password != "" {
			data, extra = encrypt5(f.Password, byte(i), f.Data)
		}
		h := vint(nil, 2) // file header
		if extra != nil {
			h = vint(h, 0x0003) // an extra area and a data area follow
			h = vint(h, uint64(len(extra)))
		} else {
			h = vint(h, 0x0002) // a data area follows
		}
		h = vint(h, uint64(len(data)))   // its size
		h = vint(h, 0x0004)              // file flags: CRC32 present
		h = vint(h, uint64(len(f.Data))) // unpacked size
		h = vint(h, 0o100644)            // attributes
		h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(f.Data))
		h = vint(h, 0) // compression: version 0, stored
		h = vint(h, 1) // host OS: Unix
		h = vint(h, uint64(len(f.Name)))
		h = append(h, f.Name...)
		h = append(h, extra...)
		out = emit(out, h, data)
	}
	return emit(out, []byte{5, 0, 0}, nil) // end of archive
}

// RAR5Split returns the volumes of a RAR 5 archive of one file split in
// parts pieces (rar -v): each volume's main header says it is one (and,
// after the first, its number), the file's header its piece, continued
// from the previous volume or in the next, with the piece's CRC32 but in
// the last, which has the whole file's; each end header but the last
// says another volume follows.
func RAR5Split(f File, parts int) [][]byte {
	var out [][]byte
	size := (len(f.Data) + parts - 1) / parts
	for i := range parts {
		piece := f.Data[min(i*size, len(f.Data)):min((i+1)*size, len(f.Data))]
		last := i == parts-1
		v := []byte("Rar!\x1A\x07\x01\x00")
		main := []byte{1, 0, 0x0001} // a volume
		if i > 0 {
			main[2] |= 0x0002 // its number follows
			main = vint(main, uint64(i))
		}
		v = block5(v, main, nil)
		flags := uint64(0x0002) // a data area follows
		if i > 0 {
			flags |= 0x0008 // continued from the previous volume
		}
		if !last {
			flags |= 0x0010 // continued in the next
		}
		sum := crc32.ChecksumIEEE(piece)
		if last {
			sum = crc32.ChecksumIEEE(f.Data)
		}
		h := vint(vint(vint(nil, 2), flags), uint64(len(piece)))
		h = vint(h, 0x0004) // file flags: CRC32 present
		h = vint(h, uint64(len(f.Data)))
		h = vint(h, 0o100644)
		h = binary.LittleEndian.AppendUint32(h, sum)
		h = vint(h, 0) // stored
		h = vint(h, 1) // Unix
		h = vint(h, uint64(len(f.Name)))
		h = append(h, f.Name...)
		v = block5(v, h, piece)
		end := []byte{5, 0, 0}
		if !last {
			end[2] = 0x0001 // not the last volume
		}
		out = append(out, block5(v, end, nil))
	}
	return out
}

// kdfLog is log2 of the PBKDF2 rounds of the archives' keys.
const kdfLog = 4

// derive5 derives RAR 5's AES-256 key from a password and salt
// (PBKDF2-HMAC-SHA256), with the password check value that 32 more
// rounds give, folded to 8 bytes and followed by 4 of its SHA-256.
func derive5(password string, salt []byte) (key, check []byte) {
	prf := hmac.New(sha256.New, []byte(password))
	prf.Write(salt)
	prf.Write([]byte{0, 0, 0, 1})
	u := prf.Sum(nil)
	t := bytes.Clone(u)
	var keys [3][]byte
	for k, rounds := range []int{1<<kdfLog - 1, 16, 16} {
		for range rounds {
			prf.Reset()
			prf.Write(u)
			u = prf.Sum(u[:0])
			for j := range t {
				t[j] ^= u[j]
			}
		}
		keys[k] = bytes.Clone(t)
	}
	check = make([]byte, 8)
	for j, v := range keys[2] {
		check[j%8] ^= v
	}
	sum := sha256.Sum256(check)
	return keys[0], append(check, sum[:4]...)
}

// encryptCBC encrypts whole AES blocks.
func encryptCBC(key, iv, plain []byte) []byte {
	block, _ := aes.NewCipher(key)
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(enc, plain)
	return enc
}

// encrypt5 encrypts data as RAR 5 does, padded to the AES block, and
// returns it with the file header's encryption record.
func encrypt5(password string, seed byte, data []byte) (enc, record []byte) {
	salt := bytes.Repeat([]byte{seed + 1}, 16)
	iv := bytes.Repeat([]byte{seed + 0x40}, 16)
	key, check := derive5(password, salt)
	enc = encryptCBC(key, iv, append(bytes.Clone(data), make([]byte, (16-len(data)%16)%16)...))
	r := vint(nil, 0)              // version: AES-256
	r = vint(r, 0x0001)            // a password check value follows
	r = append(r, kdfLog)          // log2 of the PBKDF2 rounds
	r = append(r, salt...)         // salt
	r = append(r, iv...)           // initial vector
	r = append(r, check...)        // password check value and its checksum
	r = append(vint(nil, 1), r...) // record type: file encryption
	return enc, append(vint(nil, uint64(len(r))), r...)
}

// vint appends v as RAR 5 writes numbers: 7 bits a byte, low first, the
// high bit telling that more follow.
func vint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// block5 appends a RAR 5 header (its type and what follows) after its
// CRC and size, then its data.
func block5(out, hdr, data []byte) []byte {
	sized := append(vint(nil, uint64(len(hdr))), hdr...)
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(sized))
	return append(append(out, sized...), data...)
}

// RAR4 returns a RAR 1.5–4 archive of the files.
func RAR4(files ...File) []byte {
	out := []byte("Rar!\x1A\x07\x00")
	out = block4(out, 0x73, 0, make([]byte, 6), nil) // archive header
	for _, f := range files {
		h := binary.LittleEndian.AppendUint32(nil, uint32(len(f.Data))) // packed size
		h = binary.LittleEndian.AppendUint32(h, uint32(len(f.Data)))    // unpacked size
		h = append(h, 3)                                                // host OS: Unix
		h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(f.Data))
		h = binary.LittleEndian.AppendUint32(h, 0x5B7A0000) // DOS time: 2025-11-26
		h = append(h, 29, 0x30)                             // version 2.9, stored
		h = binary.LittleEndian.AppendUint16(h, uint16(len(f.Name)))
		h = binary.LittleEndian.AppendUint32(h, 0o100644)
		h = append(h, f.Name...)
		out = block4(out, 0x74, 0x8000, h, f.Data) // 0x8000: the packed size is in the header
	}
	return block4(out, 0x7B, 0x4000, nil, nil) // end of archive
}

// block4 appends a RAR 4 header: its CRC is the low 16 bits of the CRC32
// of the header from its type on.
func block4(out []byte, typ byte, flags uint16, rest, data []byte) []byte {
	h := []byte{typ}
	h = binary.LittleEndian.AppendUint16(h, flags)
	h = binary.LittleEndian.AppendUint16(h, uint16(2+5+len(rest)))
	h = append(h, rest...)
	out = binary.LittleEndian.AppendUint16(out, uint16(crc32.ChecksumIEEE(h)))
	return append(append(out, h...), data...)
}
