package extract

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/klauspost/compress/flate"

	"tocsin/internal/lzma"
)

// 7-Zip archives, the form many leaks are published in (7zFormat.txt of
// the 7-Zip sources describes it). The archive is read from a file on
// disk, spooled when it is itself a member: its directory is at its end.
// Each member is a document of its own, as a zip's. The members of a
// solid block are decompressed in one stream, each handed over in turn.
//
// Read: copy, LZMA, LZMA2, deflate and bzip2, which is what 7-Zip writes
// for data files, and AES over them with a password given
// (Options.Passwords), the names too. Reported and not read: what no
// password given opens, PPMd, and filters for executables (BCJ).
//
// The directory is parsed with every count checked against the bytes
// left to hold it, so a crafted header cannot make the scan allocate
// what it declares; the directory itself, packed or not, is bounded by
// sevenZipMaxHeader, and a dictionary by sevenZipMaxDict.

// sevenZipMagic starts every 7-Zip archive.
var sevenZipMagic = []byte("7z\xBC\xAF\x27\x1C")

const (
	// sevenZipMaxHeader bounds the directory, as stored and unpacked:
	// 7-Zip's own for a million files is a few tens of MiB.
	sevenZipMaxHeader = 64 << 20
	// sevenZipMaxDict bounds an LZMA dictionary: the archive declares
	// it, up to 4 GiB; 7-Zip's strongest setting uses 64 MiB.
	sevenZipMaxDict = 256 << 20
	// sevenZipMaxItems bounds the blocks, files and streams of the
	// directory: each costs tens of bytes of memory for a few bytes of
	// directory.
	sevenZipMaxItems = 1 << 20
)

// The coders of 7-Zip's method ids.
const (
	szCopy    = 0x00
	szLZMA2   = 0x21
	szLZMA    = 0x030101
	szPPMd    = 0x030401
	szDeflate = 0x040108
	szBZip2   = 0x040202
	szAES     = 0x06F10701
)

// The property ids of the directory.
const (
	szEnd = iota
	szHeader
	szArchiveProperties
	szAdditionalStreams
	szMainStreams
	szFilesInfo
	szPackInfo
	szUnpackInfo
	szSubStreamsInfo
	szSize
	szCRC
	szFolder
	szCodersUnpackSize
	szNumUnpackStream
	szEmptyStream
	szEmptyFile
	szAnti
	szName
	szCTime
	szATime
	szMTime
	szWinAttributes
	szComment
	szEncodedHeader
	szStartPos
	szDummy
)

type szCoder struct {
	id       uint64
	in, out  int
	props    []byte
	outStart int // the coder's first out stream among the folder's
}

type szBlock struct {
	coders   []szCoder
	packed   int      // the folder's first pack stream
	npacked  int      // how many it takes
	nout     int      // out streams
	sizes    []uint64 // of each out stream
	main     int      // the out stream no bind pair takes: the folder's content
	crc      uint32
	hasCRC   bool
	unpacked []szStream // its members' streams, one after the other
}

func (f *szBlock) size() uint64 { return f.sizes[f.main] }

type szStream struct {
	size   uint64
	crc    uint32
	hasCRC bool
	name   string
}

// szArchive is what the directory says.
type szArchive struct {
	passwords []string          // to try on encrypted blocks
	keys      map[string][]byte // derived, by AES properties and password
	f         io.ReaderAt
	size      int64
	packPos   int64
	packSizes []uint64
	folders   []szBlock
}

// szBuf reads the directory; the first error sticks.
type szBuf struct {
	b   []byte
	off int
	err error
}

func (z *szBuf) fail(format string, a ...any) {
	if z.err == nil {
		z.err = fmt.Errorf("%w: 7-Zip directory, byte %d: %s", ErrSyntax, z.off, fmt.Sprintf(format, a...))
	}
}

func (z *szBuf) byte() byte {
	if z.err != nil || z.off >= len(z.b) {
		z.fail("cut short")
		return 0
	}
	z.off++
	return z.b[z.off-1]
}

func (z *szBuf) bytes(n uint64) []byte {
	if z.err != nil || n > uint64(len(z.b)-z.off) {
		z.fail("cut short")
		return nil
	}
	z.off += int(n)
	return z.b[z.off-int(n) : z.off]
}

// number reads 7-Zip's variable-length number: the leading ones of the
// first byte count the bytes that follow, little-endian, the rest of the
// first byte its high bits.
func (z *szBuf) number() uint64 {
	first := z.byte()
	var v uint64
	mask := byte(0x80)
	for i := 0; i < 8; i++ {
		if first&mask == 0 {
			return v | uint64(first&(mask-1))<<(8*i)
		}
		v |= uint64(z.byte()) << (8 * i)
		mask >>= 1
	}
	return v
}

// count reads a number of items each taking at least min bytes of what
// is left: a crafted count cannot exceed the directory it is in, nor
// sevenZipMaxItems.
func (z *szBuf) count(what string, min int) int {
	n := z.number()
	if z.err == nil && (n > uint64((len(z.b)-z.off)/min) || n > sevenZipMaxItems) {
		z.fail("%d %s declared, more than the directory holds", n, what)
		return 0
	}
	return int(n)
}

// bits reads n flags, most significant bit first.
func (z *szBuf) bits(n int) []bool {
	b := z.bytes(uint64((n + 7) / 8))
	out := make([]bool, n)
	for i := range out {
		if b != nil {
			out[i] = b[i/8]&(0x80>>(i%8)) != 0
		}
	}
	return out
}

// digests reads n CRCs, each perhaps undefined.
func (z *szBuf) digests(n int) (crcs []uint32, defined []bool) {
	if z.byte() != 0 {
		defined = make([]bool, n)
		for i := range defined {
			defined[i] = true
		}
	} else {
		defined = z.bits(n)
	}
	crcs = make([]uint32, n)
	for i := range crcs {
		if defined[i] {
			if b := z.bytes(4); b != nil {
				crcs[i] = binary.LittleEndian.Uint32(b)
			}
		}
	}
	return crcs, defined
}

func (z *szBuf) expect(id byte) {
	if got := z.byte(); got != id && z.err == nil {
		z.fail("property %#x where %#x was expected", got, id)
	}
}

// openSevenZip reads the signature header and the directory, unpacking
// it when it is packed.
func openSevenZip(f io.ReaderAt, size int64, passwords []string) (*szArchive, []szStream, error) {
	base := szArchive{f: f, size: size, passwords: passwords, keys: map[string][]byte{}}
	var sig [32]byte
	if _, err := f.ReadAt(sig[:], 0); err != nil {
		return nil, nil, fmt.Errorf("%w: 7-Zip signature header cut short", ErrSyntax)
	}
	if crc32.ChecksumIEEE(sig[12:32]) != binary.LittleEndian.Uint32(sig[8:12]) {
		return nil, nil, fmt.Errorf("%w: 7-Zip signature header damaged (CRC)", ErrSyntax)
	}
	off, n := binary.LittleEndian.Uint64(sig[12:20]), binary.LittleEndian.Uint64(sig[20:28])
	if n == 0 {
		return &base, nil, nil // an empty archive
	}
	if off > uint64(size)-32 || n > uint64(size)-32-off || n > sevenZipMaxHeader {
		return nil, nil, fmt.Errorf("%w: 7-Zip directory of %d bytes at %d, past the end of a %d-byte file", ErrSyntax, n, off, size)
	}
	head := make([]byte, n)
	if _, err := f.ReadAt(head, 32+int64(off)); err != nil {
		return nil, nil, fmt.Errorf("%w: 7-Zip directory cut short", ErrSyntax)
	}
	if crc32.ChecksumIEEE(head) != binary.LittleEndian.Uint32(sig[28:32]) {
		return nil, nil, fmt.Errorf("%w: 7-Zip directory damaged (CRC)", ErrSyntax)
	}
	for range 4 { // a packed directory, perhaps packed again
		z := &szBuf{b: head}
		switch z.byte() {
		case szHeader:
			return readSevenZipHeader(base, z)
		case szEncodedHeader:
			a := base
			a.streams(z)
			if z.err != nil {
				return nil, nil, z.err
			}
			if len(a.folders) == 0 {
				return nil, nil, fmt.Errorf("%w: 7-Zip packed directory without a block", ErrSyntax)
			}
			fo := &a.folders[0]
			if fo.size() > sevenZipMaxHeader {
				return nil, nil, fmt.Errorf("%w: 7-Zip directory of %d bytes unpacked, more than %d MiB", ErrLimit, fo.size(), sevenZipMaxHeader>>20)
			}
			r, err := a.folderReader(fo, fo.size())
			if err != nil {
				if errors.Is(err, ErrEncrypted) {
					return nil, nil, fmt.Errorf("%w: %s", ErrEncrypted, lockedText("a 7-Zip archive whose names are", passwords))
				}
				return nil, nil, err
			}
			// Read as it comes, not made the size it declares.
			head, err = io.ReadAll(io.LimitReader(r, int64(fo.size())))
			if err != nil || uint64(len(head)) != fo.size() {
				return nil, nil, fmt.Errorf("%w: 7-Zip packed directory cut short", ErrSyntax)
			}
			if fo.hasCRC && crc32.ChecksumIEEE(head) != fo.crc {
				return nil, nil, fmt.Errorf("%w: 7-Zip packed directory damaged (CRC)", ErrSyntax)
			}
		default:
			return nil, nil, fmt.Errorf("%w: 7-Zip directory of an unknown kind", ErrSyntax)
		}
	}
	return nil, nil, fmt.Errorf("%w: 7-Zip directory packed more than 4 times", ErrSyntax)
}

// readSevenZipHeader reads the directory after its kHeader byte: the
// blocks, then the files, which take the blocks' streams in order.
func readSevenZipHeader(base szArchive, z *szBuf) (*szArchive, []szStream, error) {
	a := &base
	id := z.byte()
	if id == szArchiveProperties {
		for z.err == nil && z.byte() != 0 {
			z.bytes(z.number())
		}
		id = z.byte()
	}
	if id == szAdditionalStreams {
		extra := base
		extra.streams(z) // streams for external data, not used by 7-Zip
		id = z.byte()
	}
	if id == szMainStreams {
		a.streams(z)
		id = z.byte()
	}
	var empty []szStream // files without content: named, not read
	if id == szFilesInfo {
		empty = a.files(z)
		id = z.byte()
	}
	if z.err == nil && id != szEnd {
		z.fail("property %#x where the directory ends", id)
	}
	return a, empty, z.err
}

// streams reads a StreamsInfo: pack streams, blocks and their members'
// streams.
func (a *szArchive) streams(z *szBuf) {
	id := z.byte()
	if id == szPackInfo {
		pos := z.number()
		n := z.count("pack streams", 1)
		for id = z.byte(); id != szEnd && z.err == nil; id = z.byte() {
			switch id {
			case szSize:
				a.packSizes = make([]uint64, n)
				for i := range a.packSizes {
					a.packSizes[i] = z.number()
				}
			case szCRC:
				z.digests(n)
			default:
				z.bytes(z.number())
			}
		}
		if len(a.packSizes) != n {
			z.fail("pack streams without sizes")
		}
		if pos > uint64(a.size) {
			z.fail("packed data past the end of the file")
		}
		a.packPos = int64(min(pos, uint64(a.size)))
		end := uint64(32) + uint64(a.packPos)
		for _, s := range a.packSizes {
			end += s
			if end > uint64(a.size) || s > uint64(a.size) {
				z.fail("packed data past the end of the file")
				break
			}
		}
		id = z.byte()
	}
	if id == szUnpackInfo {
		a.unpackInfo(z)
		id = z.byte()
	}
	for i := range a.folders { // one member per block, unless told otherwise
		f := &a.folders[i]
		f.unpacked = []szStream{{size: f.size(), crc: f.crc, hasCRC: f.hasCRC}}
	}
	if id == szSubStreamsInfo {
		a.subStreams(z)
		id = z.byte()
	}
	if z.err == nil && id != szEnd {
		z.fail("property %#x where the streams end", id)
	}
}

func (a *szArchive) unpackInfo(z *szBuf) {
	z.expect(szFolder)
	n := z.count("blocks", 2)
	if z.byte() != 0 {
		z.fail("blocks kept apart")
		return
	}
	a.folders = make([]szBlock, n)
	packed := 0
	for i := range a.folders {
		a.folder(z, &a.folders[i])
		a.folders[i].packed = packed
		packed += a.folders[i].npacked
	}
	if z.err == nil && packed > len(a.packSizes) {
		z.fail("blocks take %d pack streams of %d", packed, len(a.packSizes))
	}
	z.expect(szCodersUnpackSize)
	outs := 0
	for i := range a.folders {
		outs += a.folders[i].nout
	}
	if z.err == nil && outs > len(z.b)-z.off {
		z.fail("%d sizes declared, more than the directory holds", outs)
	}
	for i := range a.folders {
		f := &a.folders[i]
		if z.err != nil {
			f.sizes = make([]uint64, 1)
			continue
		}
		f.sizes = make([]uint64, f.nout)
		for k := range f.sizes {
			f.sizes[k] = z.number()
		}
	}
	for id := z.byte(); id != szEnd && z.err == nil; id = z.byte() {
		if id != szCRC {
			z.bytes(z.number())
			continue
		}
		crcs, defined := z.digests(n)
		for i := range a.folders {
			a.folders[i].crc, a.folders[i].hasCRC = crcs[i], defined[i]
		}
	}
}

// folder reads a block: its coders, how their streams are bound, and the
// pack streams it takes.
func (a *szArchive) folder(z *szBuf, f *szBlock) {
	n := z.count("coders", 1)
	if n == 0 || n > 64 {
		z.fail("a block of %d coders", n)
		return
	}
	f.coders = make([]szCoder, n)
	ins, outs := 0, 0
	for i := range f.coders {
		c := &f.coders[i]
		flags := z.byte()
		if flags&0xC0 != 0 {
			z.fail("a coder with reserved flags")
			return
		}
		for _, b := range z.bytes(uint64(flags & 0x0F)) {
			c.id = c.id<<8 | uint64(b)
		}
		c.in, c.out = 1, 1
		if flags&0x10 != 0 {
			c.in, c.out = int(min(z.number(), 65)), int(min(z.number(), 65))
			if c.in == 0 || c.in > 64 || c.out == 0 || c.out > 64 {
				z.fail("a coder of %d inputs and %d outputs", c.in, c.out)
				return
			}
		}
		if flags&0x20 != 0 {
			c.props = z.bytes(z.number())
		}
		c.outStart = outs
		ins, outs = ins+c.in, outs+c.out
	}
	bound := make([]bool, outs)
	for range outs - 1 {
		in, out := z.number(), z.number()
		if z.err == nil && (in >= uint64(ins) || out >= uint64(outs)) {
			z.fail("a bind pair out of range")
			return
		}
		if z.err == nil {
			bound[out] = true
		}
	}
	f.npacked = ins - (outs - 1)
	if f.npacked < 1 {
		z.fail("a block without packed input")
		return
	}
	if f.npacked > 1 {
		for range f.npacked {
			z.number()
		}
	}
	f.nout = outs
	for i, b := range bound {
		if !b {
			f.main = i
		}
	}
}

// subStreams reads how many members each block holds, their sizes and
// CRCs.
func (a *szArchive) subStreams(z *szBuf) {
	id := z.byte()
	counts := make([]int, len(a.folders))
	for i := range counts {
		counts[i] = 1
	}
	if id == szNumUnpackStream {
		for i := range counts {
			counts[i] = z.count("members", 1)
		}
		id = z.byte()
	}
	if z.err != nil {
		return
	}
	total := 0
	for i := range a.folders {
		f := &a.folders[i]
		total += counts[i]
		if total > len(z.b) {
			z.fail("more members than the directory can name")
			return
		}
		f.unpacked = make([]szStream, counts[i])
		if counts[i] == 1 {
			f.unpacked[0] = szStream{size: f.size(), crc: f.crc, hasCRC: f.hasCRC}
		}
	}
	if id == szSize {
		for i := range a.folders {
			f := &a.folders[i]
			if len(f.unpacked) == 0 {
				continue
			}
			var sum uint64
			for k := range f.unpacked[:len(f.unpacked)-1] {
				f.unpacked[k].size = z.number()
				sum += f.unpacked[k].size
				if sum > f.size() {
					z.fail("members larger than their block")
					return
				}
			}
			f.unpacked[len(f.unpacked)-1].size = f.size() - sum
		}
		id = z.byte()
	} else {
		for i := range a.folders {
			if f := &a.folders[i]; len(f.unpacked) > 1 {
				z.fail("members without sizes")
				return
			}
		}
	}
	for ; id != szEnd && z.err == nil; id = z.byte() {
		if id != szCRC {
			z.bytes(z.number())
			continue
		}
		// CRCs of the members whose block does not give it.
		var unknown []*szStream
		for i := range a.folders {
			f := &a.folders[i]
			if len(f.unpacked) != 1 || !f.hasCRC {
				for k := range f.unpacked {
					unknown = append(unknown, &f.unpacked[k])
				}
			}
		}
		crcs, defined := z.digests(len(unknown))
		for k, s := range unknown {
			s.crc, s.hasCRC = crcs[k], defined[k]
		}
	}
}

// files reads the files' names and which have no content; the others
// name the blocks' members in order. It returns the files without
// content (empty files; directories are left out).
func (a *szArchive) files(z *szBuf) []szStream {
	n := z.count("files", 1)
	var emptyStream, emptyFile []bool
	var names []string
	for id := z.byte(); id != szEnd && z.err == nil; id = z.byte() {
		size := z.number()
		prop := &szBuf{b: z.bytes(size)}
		if z.err != nil {
			break
		}
		switch id {
		case szEmptyStream:
			emptyStream = prop.bits(n)
		case szEmptyFile:
			k := 0
			for _, e := range emptyStream {
				if e {
					k++
				}
			}
			emptyFile = prop.bits(k)
		case szName:
			if prop.byte() != 0 {
				z.fail("names kept apart")
				break
			}
			u := make([]uint16, 0, 64)
			for rest := prop.b[prop.off:]; len(rest) >= 2 && len(names) < n; rest = rest[2:] {
				c := binary.LittleEndian.Uint16(rest)
				if c == 0 {
					names = append(names, string(utf16.Decode(u)))
					u = u[:0]
					continue
				}
				u = append(u, c)
			}
		}
		if prop.err != nil && z.err == nil {
			z.err = prop.err
		}
	}
	if z.err != nil {
		return nil
	}
	var streams []*szStream
	for i := range a.folders {
		for k := range a.folders[i].unpacked {
			streams = append(streams, &a.folders[i].unpacked[k])
		}
	}
	var empty []szStream
	next, emptyIndex := 0, 0
	for i := range n {
		name := fmt.Sprintf("file %d", i+1)
		if i < len(names) && names[i] != "" {
			name = strings.ReplaceAll(names[i], "\\", "/")
		}
		if i < len(emptyStream) && emptyStream[i] {
			isFile := emptyIndex < len(emptyFile) && emptyFile[emptyIndex]
			emptyIndex++
			if isFile {
				empty = append(empty, szStream{name: name})
			}
			continue
		}
		if next >= len(streams) {
			z.fail("%d files with content, %d streams", next+1, len(streams))
			return nil
		}
		streams[next].name = name
		next++
	}
	for _, s := range streams[next:] {
		s.name = fmt.Sprintf("stream %d", next+1)
		next++
	}
	return empty
}

// folderReader decompresses a block, of which at most limit bytes will
// be read: its pack stream through one coder, or through AES and then
// one coder when a password given opens it. PPMd and filters (the other
// chains) are reported as left out.
func (a *szArchive) folderReader(f *szBlock, limit uint64) (io.Reader, error) {
	if f.packed >= len(a.packSizes) || f.npacked != 1 {
		return nil, fmt.Errorf("%w: a 7-Zip block without its packed data", ErrSyntax)
	}
	main := 0
	for i, c := range f.coders {
		if f.main >= c.outStart && f.main < c.outStart+c.out {
			main = i
		}
	}
	m := f.coders[main]
	switch {
	case len(f.coders) == 1 && m.id == szAES: // encrypted, stored (a directory)
		return a.decrypted(f, m, szCoder{id: szCopy}, limit)
	case len(f.coders) == 1:
		return a.decoder(m, a.packedReader(f), f.size(), limit)
	case len(f.coders) == 2 && f.coders[1-main].id == szAES && m.in == 1 && m.out == 1:
		return a.decrypted(f, f.coders[1-main], m, limit)
	}
	for _, c := range f.coders {
		if c.id == szAES {
			return nil, fmt.Errorf("%w: a 7-Zip member protected by a password, in a chain of %d coders; not scanned", ErrEncrypted, len(f.coders))
		}
	}
	return nil, fmt.Errorf("%w: a 7-Zip block of %d coders (a filter for executables); not read", errMethod, len(f.coders))
}

// packedReader reads a block's pack stream, buffered: the LZMA decoders
// read a byte at a time.
func (a *szArchive) packedReader(f *szBlock) *bufio.Reader {
	off := 32 + a.packPos
	for _, s := range a.packSizes[:f.packed] {
		off += int64(s)
	}
	return bufio.NewReaderSize(io.NewSectionReader(a.f, off, int64(a.packSizes[f.packed])), 64<<10)
}

// decrypted decompresses a block encrypted with AES under the first
// password given that opens it.
func (a *szArchive) decrypted(f *szBlock, enc, m szCoder, limit uint64) (io.Reader, error) {
	if len(a.passwords) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrEncrypted, lockedText("a 7-Zip member", nil))
	}
	open := func(password string) (io.Reader, error) {
		key, iv, err := a.aesKey(enc.props, password)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		r := &cbcReader{r: a.packedReader(f), mode: cipher.NewCBCDecrypter(block, iv)}
		return a.decoder(m, bufio.NewReaderSize(r, 64<<10), f.size(), limit)
	}
	// A wrong key gives noise, which a decompressor refuses within its
	// first bytes. Stored data cannot tell: the CRC of the block's first
	// member does (it is read twice).
	opens := func(r io.Reader) bool {
		if m.id != szCopy {
			_, err := io.CopyN(io.Discard, r, int64(min(64<<10, f.size())))
			return err == nil
		}
		if len(f.unpacked) == 0 || !f.unpacked[0].hasCRC {
			return true
		}
		h := crc32.NewIEEE()
		_, err := io.CopyN(h, r, int64(f.unpacked[0].size))
		return err == nil && h.Sum32() == f.unpacked[0].crc
	}
	for _, pw := range a.passwords {
		r, err := open(pw)
		if errors.Is(err, ErrLimit) || errors.Is(err, errMethod) {
			return nil, err
		}
		if err != nil {
			continue
		}
		if opens(r) {
			return open(pw)
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrEncrypted, lockedText("a 7-Zip member", a.passwords))
}

// lockedText says that what ("a zip member") is protected by a password
// and not scanned, and why: no password was given, or none of those
// given opens it.
func lockedText(what string, passwords []string) string {
	if len(passwords) == 0 {
		return what + " protected by a password; not scanned (give it with --password)"
	}
	return what + " protected by a password that none of those given opens; not scanned"
}

// aesKey derives 7-Zip's AES-256 key from a password (its UTF-16LE
// bytes): SHA-256 over the salt, the password and a counter, 2^cycles
// times (7-Zip writes 2^19). The properties give the cycles, the salt and
// the initial vector. A key is derived once per archive and password.
func (a *szArchive) aesKey(props []byte, password string) (key, iv []byte, err error) {
	if len(props) < 1 {
		return nil, nil, fmt.Errorf("%w: 7-Zip AES without properties", ErrSyntax)
	}
	cycles := int(props[0] & 0x3F)
	var salt []byte
	iv = make([]byte, aesBlock)
	if props[0]&0xC0 != 0 {
		if len(props) < 2 {
			return nil, nil, fmt.Errorf("%w: 7-Zip AES properties cut short", ErrSyntax)
		}
		saltSize := int(props[0]>>7&1) + int(props[1]>>4)
		ivSize := int(props[0]>>6&1) + int(props[1]&0x0F)
		if len(props) < 2+saltSize+ivSize {
			return nil, nil, fmt.Errorf("%w: 7-Zip AES properties cut short", ErrSyntax)
		}
		salt = props[2 : 2+saltSize]
		copy(iv, props[2+saltSize:2+saltSize+ivSize])
	}
	if cycles != 0x3F && cycles > sevenZipMaxCycles {
		return nil, nil, fmt.Errorf("%w: a 7-Zip key derived in 2^%d rounds, more than 2^%d; not read", ErrLimit, cycles, sevenZipMaxCycles)
	}
	ck := string(props) + "\x00" + password
	if k, ok := a.keys[ck]; ok {
		return k, iv, nil
	}
	var pw []byte
	for _, u := range utf16.Encode([]rune(password)) {
		pw = binary.LittleEndian.AppendUint16(pw, u)
	}
	key = make([]byte, 32)
	if cycles == 0x3F {
		copy(key[copy(key, salt):], pw)
	} else {
		buf := append(append(append([]byte(nil), salt...), pw...), make([]byte, 8)...)
		ctr := buf[len(buf)-8:]
		h := sha256.New()
		for round := uint64(0); round < 1<<cycles; round++ {
			binary.LittleEndian.PutUint64(ctr, round)
			h.Write(buf)
		}
		key = h.Sum(key[:0])
	}
	if a.keys == nil {
		a.keys = map[string][]byte{}
	}
	a.keys[ck] = key
	return key, iv, nil
}

// sevenZipMaxCycles bounds the rounds of a key derivation: 2^19 take a
// tenth of a second, and a crafted archive could ask for 2^62.
const sevenZipMaxCycles = 24

const aesBlock = 16

// cbcReader decrypts AES-CBC, whole blocks at a time.
type cbcReader struct {
	r    io.Reader
	mode cipher.BlockMode
	buf  [32 << 10]byte
	out  []byte
}

func (c *cbcReader) Read(p []byte) (int, error) {
	if len(c.out) == 0 {
		n, err := io.ReadAtLeast(c.r, c.buf[:], aesBlock)
		n -= n % aesBlock
		if n == 0 {
			if err == nil || err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			return 0, err
		}
		c.mode.CryptBlocks(c.buf[:n], c.buf[:n])
		c.out = c.buf[:n]
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// decoder decompresses r, size bytes of which at most limit will be read,
// with coder c.
func (a *szArchive) decoder(c szCoder, r *bufio.Reader, size, limit uint64) (io.Reader, error) {
	// No match reaches further back than the start of the block, nor
	// past what will be read of it: a dictionary of that size holds all
	// the matches read.
	reach := min(size, limit)
	switch c.id {
	case szCopy:
		return r, nil
	case szLZMA:
		if len(c.props) != 5 {
			return nil, fmt.Errorf("%w: 7-Zip LZMA properties of %d bytes", ErrSyntax, len(c.props))
		}
		dict := uint64(binary.LittleEndian.Uint32(c.props[1:]))
		if min(dict, reach) > sevenZipMaxDict {
			return nil, sevenZipMemory("LZMA", dict)
		}
		props, err := lzma.ParseProps(c.props[0])
		if err != nil {
			return nil, fmt.Errorf("%w: 7-Zip LZMA: %v", ErrSyntax, err)
		}
		lr, err := lzma.NewReader(r, props, int(min(dict, reach)), int64(size))
		if err != nil {
			return nil, fmt.Errorf("%w: 7-Zip LZMA: %v", ErrSyntax, err)
		}
		return lr, nil
	case szLZMA2:
		if len(c.props) != 1 || c.props[0] > 40 {
			return nil, fmt.Errorf("%w: 7-Zip LZMA2 properties", ErrSyntax)
		}
		dict := uint64(0xFFFFFFFF)
		if p := c.props[0]; p < 40 {
			dict = uint64(2|p&1) << (p/2 + 11)
		}
		need := min(dict, reach)
		if need > sevenZipMaxDict {
			return nil, sevenZipMemory("LZMA2", dict)
		}
		return lzma.NewReader2(r, int(need)), nil
	case szDeflate:
		return flate.NewReader(r), nil
	case szBZip2:
		return bzip2.NewReader(r), nil
	case szPPMd:
		return nil, fmt.Errorf("%w: a 7-Zip member compressed with PPMd; not read", errMethod)
	case szAES:
		return nil, fmt.Errorf("%w: a 7-Zip member protected by a password, in an unknown chain; not scanned", ErrEncrypted)
	}
	return nil, fmt.Errorf("%w: a 7-Zip member compressed with method %#x; not read", errMethod, c.id)
}

// errMethod marks a member left out for its compression method (7-Zip,
// encrypted zip).
var errMethod = errors.New("unsupported")

// sevenZipMemory is the error of a dictionary past the bound: left out
// on purpose (ErrLimit), not broken.
func sevenZipMemory(what string, dict uint64) error {
	return fmt.Errorf("%w: the 7-Zip %s dictionary needs %d MiB to decompress, more than the %d MiB bound; not read", ErrLimit, what, (dict+1<<20-1)>>20, sevenZipMaxDict>>20)
}

// sevenZipSource reads the members of a 7-Zip archive.
func (e *Extractor) sevenZipSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, Format7z)
	defer func() { d.End(max(src.size, 0)) }()
	if e.tooDeep(d, src) {
		return nil
	}
	f, done, ok := e.archiveOnDisk(d, src, br)
	if !ok {
		return nil
	}
	defer done()
	st, err := f.Stat()
	if err != nil {
		d.Problem(Problem{Path: src.display, Offset: -1, Err: err})
		return nil
	}
	a, empty, err := openSevenZip(f, st.Size(), e.o.Passwords)
	if err != nil {
		d.Problem(Problem{Path: src.display, Offset: -1, Skipped: errors.Is(err, ErrEncrypted) || errors.Is(err, ErrLimit), Err: err})
		return nil
	}
	for _, s := range empty {
		if err := e.read(ctx, member(src, s.name, bytes.NewReader(nil), 0, false), h); err != nil {
			return err
		}
	}
	for i := range a.folders {
		if err := e.sevenZipFolder(ctx, d, src, a, &a.folders[i], h); errors.Is(err, ErrLimit) {
			e.limitHit(d, src)
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// sevenZipFolder reads the members of one block, in one stream.
func (e *Extractor) sevenZipFolder(ctx context.Context, d Doc, src *source, a *szArchive, fo *szBlock, h Handler) error {
	if len(fo.unpacked) == 0 {
		return nil
	}
	r, err := a.folderReader(fo, uint64(max(src.b.left, 0)))
	if err != nil {
		for _, s := range fo.unpacked {
			p := Problem{Path: src.display + "!/" + s.name, Offset: -1, Err: err}
			p.Skipped = errors.Is(err, ErrEncrypted) || errors.Is(err, ErrLimit) || errors.Is(err, errMethod)
			d.Problem(p)
		}
		return nil
	}
	crc := crc32.NewIEEE()
	for k, s := range fo.unpacked {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.size > uint64(src.b.left) {
			src.b.hit = true
			return ErrLimit
		}
		crc.Reset()
		// A decompressor's error marks the member as broken.
		m := &crcReader{r: &errPrefix{r: io.LimitReader(r, int64(s.size)), what: "7-Zip member"}, crc: crc}
		if err := e.read(ctx, member(src, s.name, m, int64(s.size), false), h); err != nil {
			return err
		}
		if src.b.hit {
			return ErrLimit
		}
		// What the reader left of the member, to reach the next one.
		if _, err := io.Copy(io.Discard, m); err != nil || m.n != s.size {
			d.Problem(Problem{Path: src.display + "!/" + s.name, Offset: -1, Err: fmt.Errorf("%w: 7-Zip member cut short", ErrSyntax)})
			for _, rest := range fo.unpacked[k+1:] {
				d.Problem(Problem{Path: src.display + "!/" + rest.name, Offset: -1, Err: fmt.Errorf("%w: 7-Zip member after a broken one; not read", ErrSyntax)})
			}
			return nil
		}
		if s.hasCRC && crc.Sum32() != s.crc {
			d.Problem(Problem{Path: src.display + "!/" + s.name, Offset: -1, Err: fmt.Errorf("%w: 7-Zip member damaged (CRC)", ErrSyntax)})
		}
	}
	return nil
}

// crcReader hashes and counts what is read through it.
type crcReader struct {
	r   io.Reader
	crc hash.Hash32
	n   uint64
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc.Write(p[:n])
	c.n += uint64(n)
	return n, err
}
