package extract

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"tocsin/internal/breach/extract/lzma"
)

// Compressed streams (gzip, xz, bzip2, zstd, LZ4) hold one document,
// read under the same path: a dump.sql.xz is a SQL dump, a .tar.zst a
// tar. pg_dump and mysqldump output is as often piped into xz or zstd as
// into gzip; LZ4 is what backup tools choose for speed. Each
// decompressor's memory is bounded: zstd's window and xz's dictionary by
// compressedMaxWindow (zstd -19 uses 8 MiB, xz -9 64 MiB), bzip2's
// blocks by the format (900 kB), LZ4's too (4 MiB).

const compressedMaxWindow = 256 << 20

// Magic numbers of the compressed streams.
var (
	xzMagic   = []byte{0xFD, '7', 'z', 'X', 'Z', 0}
	zstdMagic = []byte{0x28, 0xB5, 0x2F, 0xFD}
	// LZ4's frame format, and the legacy format of its first command
	// line tool (lz4 -l, and the Linux kernel's images).
	lz4Magic       = []byte{0x04, 0x22, 0x4D, 0x18}
	lz4LegacyMagic = []byte{0x02, 0x21, 0x4C, 0x18}
)

func isLZ4(head []byte) bool {
	return bytes.HasPrefix(head, lz4Magic) || bytes.HasPrefix(head, lz4LegacyMagic)
}

func isBzip2(head []byte) bool {
	return len(head) >= 10 && string(head[:3]) == "BZh" && head[3] >= '1' && head[3] <= '9' && string(head[4:10]) == "1AY&SY"
}

// compressedSuffixes name a compressed stream's document: what is left
// of its name without the suffix.
var compressedSuffixes = [...][2]string{
	{".tgz", ".tar"}, {".txz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"}, {".tzst", ".tar"},
	{".gz", ""}, {".xz", ""}, {".bz2", ""}, {".zst", ""}, {".zstd", ""}, {".lz4", ""},
}

// compressed reads the one document a compressed stream holds.
func (e *Extractor) compressed(ctx context.Context, src *source, br *bufio.Reader, h Handler, f Format) error {
	fail := func(err error) error {
		d := h.Begin(src.display, f)
		d.Problem(Problem{Path: src.display, Offset: -1, Skipped: errors.Is(err, ErrLimit) || errors.Is(err, errMethod), Err: err})
		d.End(0)
		return nil
	}
	if src.depth >= e.o.MaxDepth {
		d := h.Begin(src.display, f)
		e.tooDeep(d, src)
		d.End(0)
		return nil
	}
	var r io.Reader
	switch f {
	case FormatGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fail(fmt.Errorf("%w: %v", ErrSyntax, err))
		}
		defer zr.Close()
		r = zr
	case FormatZstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(compressedMaxWindow))
		if err != nil {
			return fail(fmt.Errorf("%w: zstd: %v", ErrSyntax, err))
		}
		defer zr.Close()
		r = &errPrefix{r: zr, what: "zstd"}
	case FormatBzip2:
		r = &errPrefix{r: bzip2.NewReader(br), what: "bzip2"}
	case FormatXZ:
		r = &xzReader{r: br}
	case FormatLZ4:
		r = lz4Reader{lz4.NewReader(br)}
	}
	name := src.name
	lower := strings.ToLower(name)
	for _, s := range compressedSuffixes {
		if strings.HasSuffix(lower, s[0]) {
			name = name[:len(name)-len(s[0])] + s[1]
			break
		}
	}
	inner := &source{display: src.display, name: name, r: &limited{r: r, b: src.b}, size: -1, depth: src.depth + 1, b: src.b, counted: true}
	return e.read(ctx, inner, h)
}

// errPrefix marks a decompressor's errors as a broken stream, or member.
type errPrefix struct {
	r    io.Reader
	what string
}

func (p *errPrefix) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil && err != io.EOF {
		if errors.Is(err, zstd.ErrWindowSizeExceeded) {
			err = fmt.Errorf("%w: the zstd window is larger than %d MiB; not read", ErrLimit, compressedMaxWindow>>20)
		} else {
			err = fmt.Errorf("%w: %s: %v", ErrSyntax, p.what, err)
		}
	}
	return n, err
}

// lz4Reader names the LZ4 decoder's errors as the other streams' are:
// without the library's own prefix and state, and its checksums (each
// block's, the content's, if the frame has them) said to be checksums.
type lz4Reader struct{ r *lz4.Reader }

func (l lz4Reader) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: lz4: %s", ErrSyntax, lz4Problem(err))
	}
	return n, err
}

func lz4Problem(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "cut short"
	case errors.Is(err, lz4.ErrInvalidBlockChecksum):
		return "a block damaged (checksum)"
	case errors.Is(err, lz4.ErrInvalidFrameChecksum), errors.Is(err, lz4.ErrInvalidContentSize):
		return "the content damaged (checksum or size)"
	case errors.Is(err, lz4.ErrInvalidHeaderChecksum), errors.Is(err, lz4.ErrInvalidFrameDescriptor):
		return "a frame header damaged"
	case errors.Is(err, lz4.ErrInvalidFrame):
		return "no frame where one should start"
	}
	msg := strings.TrimPrefix(err.Error(), "lz4: ")
	if i := strings.LastIndexByte(msg, '['); i > 0 && strings.HasSuffix(msg, "]") {
		msg = msg[:i] // the decoder's state
	}
	return msg
}

// xzReader reads the xz format (tukaani.org's xz-file-format 1.2): a
// stream header, blocks, an index, a footer; streams may follow one
// another. Its blocks are LZMA2, decoded by the lzma package with the
// dictionary each block declares, bounded (a block may declare up to
// 4 GiB). Each block's check (CRC32, CRC64, SHA-256) is verified.
type xzReader struct {
	r     *bufio.Reader
	block io.Reader // the block being read
	check hash.Hash // of the block's content
	csize int       // bytes of the check
	read  int64     // bytes of the block read from r, header included
	ctype byte      // check type of the stream
	state int       // xzStream: a stream header is next; xzBlock: a block or the index; xzDone
	err   error
}

const (
	xzStream = iota
	xzBlock
	xzDone
)

func (x *xzReader) Read(p []byte) (int, error) {
	for x.err == nil {
		if x.block != nil {
			n, err := x.block.Read(p)
			x.check.Write(p[:n])
			if err == io.EOF {
				x.err = x.endBlock()
				x.block = nil
				err = nil
			} else if err != nil {
				x.err = fmt.Errorf("%w: xz: %v", ErrSyntax, err)
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		switch x.state {
		case xzStream:
			x.err = x.streamHeader()
		case xzBlock:
			x.err = x.blockHeader()
		default:
			x.err = io.EOF
		}
	}
	return 0, x.err
}

func (x *xzReader) fail(what string) error { return fmt.Errorf("%w: xz: %s", ErrSyntax, what) }

// streamHeader reads a stream's header, after the zeros that may pad
// the previous stream; at the end of the input there is none.
func (x *xzReader) streamHeader() error {
	for {
		b, err := x.r.Peek(4)
		if len(b) == 0 && err == io.EOF {
			x.state = xzDone
			return nil
		}
		if len(b) == 4 && binary.LittleEndian.Uint32(b) == 0 {
			x.r.Discard(4)
			continue
		}
		break
	}
	var h [12]byte
	if _, err := io.ReadFull(x.r, h[:]); err != nil || !bytes.Equal(h[:6], xzMagic) {
		return x.fail("stream header")
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) || h[6] != 0 || h[7] > 0x0F {
		return x.fail("stream flags damaged")
	}
	x.ctype = h[7]
	x.state = xzBlock
	return nil
}

// blockHeader reads a block's header and starts its LZMA2 decoder, or
// reads the index and the footer that end the stream.
func (x *xzReader) blockHeader() error {
	size, err := x.r.ReadByte()
	if err != nil {
		return x.fail("cut short")
	}
	if size == 0 {
		return x.index()
	}
	head := make([]byte, (int(size)+1)*4-1) // after the size byte, CRC32 included
	if _, err := io.ReadFull(x.r, head); err != nil {
		return x.fail("block header cut short")
	}
	body := head[:len(head)-4]
	if crc32.ChecksumIEEE(append([]byte{size}, body...)) != binary.LittleEndian.Uint32(head[len(head)-4:]) {
		return x.fail("block header damaged")
	}
	flags := body[0]
	z := &szBuf{b: body, off: 1}
	var unpacked uint64 = 1 << 62
	if flags&0x40 != 0 {
		xzVLI(z)
	}
	if flags&0x80 != 0 {
		unpacked = xzVLI(z)
	}
	if flags&0x3C != 0 {
		return x.fail("block flags")
	}
	if flags&3 != 0 {
		return fmt.Errorf("%w: an xz block with filters (delta, BCJ); not read", errMethod)
	}
	id, n := xzVLI(z), xzVLI(z)
	props := z.bytes(n)
	if z.err != nil || id != 0x21 || len(props) != 1 || props[0] > 40 {
		return fmt.Errorf("%w: an xz block of filter %#x; not read", errMethod, id)
	}
	dict := uint64(0xFFFFFFFF)
	if p := props[0]; p < 40 {
		dict = uint64(2|p&1) << (p/2 + 11)
	}
	need := min(dict, unpacked)
	if need > compressedMaxWindow {
		return fmt.Errorf("%w: the xz dictionary needs %d MiB, more than the %d MiB bound; not read", ErrLimit, (dict+1<<20-1)>>20, compressedMaxWindow>>20)
	}
	x.read = (int64(size) + 1) * 4
	cr := &xzCount{r: x.r, n: &x.read}
	x.block = lzma.NewReader2(cr, int(need))
	switch x.ctype {
	case 0x00:
		x.check, x.csize = nil, 0
	case 0x01:
		x.check, x.csize = crc32.NewIEEE(), 4
	case 0x04:
		x.check, x.csize = crc64.New(crc64.MakeTable(crc64.ECMA)), 8
	case 0x0A:
		x.check, x.csize = sha256.New(), 32
	default:
		x.check, x.csize = nil, 4<<((x.ctype-1)/3) // a check this reader does not know: skipped
	}
	if x.check == nil {
		x.check = nopHash{}
	}
	return nil
}

// endBlock reads the block's padding and check.
func (x *xzReader) endBlock() error {
	if pad := (4 - x.read%4) % 4; pad > 0 {
		if _, err := x.r.Discard(int(pad)); err != nil {
			return x.fail("block padding cut short")
		}
	}
	sum := make([]byte, x.csize)
	if _, err := io.ReadFull(x.r, sum); err != nil {
		return x.fail("block check cut short")
	}
	if _, ok := x.check.(nopHash); ok {
		return nil
	}
	got := x.check.Sum(nil)
	if _, ok := x.check.(hash.Hash32); ok { // CRC32 is stored little-endian
		got = binary.LittleEndian.AppendUint32(nil, binary.BigEndian.Uint32(got))
	} else if _, ok := x.check.(hash.Hash64); ok {
		got = binary.LittleEndian.AppendUint64(nil, binary.BigEndian.Uint64(got))
	}
	if !bytes.Equal(got, sum) {
		return x.fail("block damaged (check)")
	}
	return nil
}

// index skips the index and the footer: the blocks were read.
func (x *xzReader) index() error {
	n := int64(1)
	count := x.vli(&n)
	for i := uint64(0); i < count && i < 1<<40; i++ {
		x.vli(&n)
		x.vli(&n)
		if x.err != nil {
			return x.err
		}
	}
	pad := (4 - n%4) % 4
	if _, err := x.r.Discard(int(pad) + 4 + 12); err != nil { // padding, CRC32, footer
		return x.fail("index cut short")
	}
	x.state = xzStream
	return x.err
}

// vli reads a variable-length integer of the index, counting its bytes.
func (x *xzReader) vli(n *int64) uint64 {
	var v uint64
	for i := 0; i < 9; i++ {
		b, err := x.r.ReadByte()
		if err != nil {
			x.err = x.fail("index cut short")
			return 0
		}
		*n++
		v |= uint64(b&0x7F) << (7 * i)
		if b&0x80 == 0 {
			return v
		}
	}
	x.err = x.fail("index damaged")
	return 0
}

// xzVLI reads a variable-length integer of a block header.
func xzVLI(z *szBuf) uint64 {
	var v uint64
	for i := 0; i < 9; i++ {
		b := z.byte()
		v |= uint64(b&0x7F) << (7 * i)
		if b&0x80 == 0 {
			return v
		}
	}
	z.fail("xz number too long")
	return 0
}

// xzCount counts the bytes read through it, by Read or ReadByte.
type xzCount struct {
	r *bufio.Reader
	n *int64
}

func (c *xzCount) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

func (c *xzCount) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		*c.n++
	}
	return b, err
}

// nopHash stands for a check this reader does not verify.
type nopHash struct{}

func (nopHash) Write(p []byte) (int, error) { return len(p), nil }
func (nopHash) Sum(b []byte) []byte         { return b }
func (nopHash) Reset()                      {}
func (nopHash) Size() int                   { return 0 }
func (nopHash) BlockSize() int              { return 1 }
