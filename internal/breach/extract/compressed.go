package extract

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"tocsin/internal/lzma"
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
	zstdMagic = []byte{0x28, 0xB5, 0x2F, 0xFD}
	// LZ4's frame format, and the legacy format of its first command
	// line tool (lz4 -l, and the Linux kernel's images).
	lz4Magic       = []byte{0x04, 0x22, 0x4D, 0x18}
	lz4LegacyMagic = []byte{0x02, 0x21, 0x4C, 0x18}
)

// lzipMagic starts each member of an lzip file.
var lzipMagic = []byte("LZIP")

// isLZMAAlone tells the .lzma format (xz-utils' --format=lzma, the
// lzma tool's, 7-Zip's "lzma" type), which has no magic number, from its
// name and a header that can be one: a properties byte, a dictionary
// of 4 KiB or more, a size unknown (all ones) or below 2^48.
func isLZMAAlone(name string, head []byte) bool {
	n := strings.ToLower(name)
	if !strings.HasSuffix(n, ".lzma") && !strings.HasSuffix(n, ".tlz") || len(head) < 13 {
		return false
	}
	size := binary.LittleEndian.Uint64(head[5:])
	return head[0] < 9*5*5 && binary.LittleEndian.Uint32(head[1:]) >= 1<<12 && (size == ^uint64(0) || size < 1<<48)
}

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
	{".tlz", ".tar"}, {".lz", ""}, {".gz", ""}, {".xz", ""}, {".bz2", ""}, {".zst", ""}, {".zstd", ""}, {".lz4", ""}, {".lzma", ""},
}

// compressed reads the one document a compressed stream holds.
func (e *Extractor) compressed(ctx context.Context, src *source, br *bufio.Reader, h Handler, f Format) error {
	if src.depth >= e.o.MaxDepth {
		d := h.Begin(src.display, f)
		e.tooDeep(d, src)
		d.End(0)
		return nil
	}
	r, done, err := openStream(f, br)
	if err != nil {
		d := h.Begin(src.display, f)
		d.Problem(Problem{Path: src.display, Offset: -1, Skipped: errors.Is(err, ErrLimit) || errors.Is(err, errMethod), Err: err})
		d.End(0)
		return nil
	}
	defer done()
	inner := &source{display: src.display, name: streamDocName(src.name), r: &limited{r: r, b: src.b}, size: -1, depth: src.depth + 1, b: src.b, counted: true}
	return e.read(ctx, inner, h)
}

// Decompress opens a file of one of the compressed streams' formats
// (gzip, xz, zstd, bzip2, LZ4, lzip, .lzma) as the document it holds, for
// a caller that reads it apart: the scan cuts a big one into chunks, as
// it does a big file. It returns the document's reader, bounded as
// Reader bounds what an archive expands to, the document's name (the
// file's without the suffix), and a function that releases the
// decompressor. ok is false for a file of another format, or a stream
// whose header is broken: Reader reads it, and reports that.
func (e *Extractor) Decompress(name string, r io.Reader) (doc io.Reader, docName string, done func(), ok bool) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(512)
	switch f := Sniff(name, head); f {
	case FormatGzip, FormatXZ, FormatBzip2, FormatZstd, FormatLZ4, FormatLZMA, FormatLzip:
		dr, done, err := openStream(f, br)
		if err != nil {
			return nil, "", nil, false
		}
		b := &budget{left: e.o.MaxArchiveBytes, limit: e.o.MaxArchiveBytes}
		return boundedDoc{limited{r: dr, b: b}}, streamDocName(name), done, true
	}
	return nil, "", nil, false
}

// boundedDoc is a compressed stream's document read apart: its bound,
// once reached, is told as Reader tells it.
type boundedDoc struct{ l limited }

func (d boundedDoc) Read(p []byte) (int, error) {
	n, err := d.l.Read(p)
	if err != nil && d.l.b.hit && errors.Is(err, ErrLimit) {
		err = d.l.b.limitError()
	}
	return n, err
}

// MaybeCompressed tells whether name is that of a compressed stream
// (orders.csv.gz, access.log.xz, dump.tar.zst).
func MaybeCompressed(name string) bool { return streamDocName(name) != name }

// openStream returns the decompressor of a stream of format f, whose
// errors are of this package's kinds, and a function that releases it.
func openStream(f Format, br *bufio.Reader) (io.Reader, func(), error) {
	nop := func() {}
	switch f {
	case FormatGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrSyntax, err)
		}
		return &errPrefix{r: zr, what: "gzip"}, func() { zr.Close() }, nil
	case FormatZstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(compressedMaxWindow))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: zstd: %v", ErrSyntax, err)
		}
		return &errPrefix{r: zr, what: "zstd"}, zr.Close, nil
	case FormatBzip2:
		return &errPrefix{r: bzip2.NewReader(br), what: "bzip2"}, nop, nil
	case FormatXZ:
		return xzStream(br), nop, nil
	case FormatLZ4:
		return lz4Reader{lz4.NewReader(br)}, nop, nil
	case FormatLzip:
		return &lzipReader{src: br}, nop, nil
	case FormatLZMA:
		var h [13]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return nil, nil, fmt.Errorf("%w: lzma: cut short", ErrSyntax)
		}
		props, err := lzma.ParseProps(h[0])
		if err != nil {
			return nil, nil, fmt.Errorf("%w: lzma: %v", ErrSyntax, err)
		}
		dict, size := uint64(binary.LittleEndian.Uint32(h[1:])), int64(binary.LittleEndian.Uint64(h[5:]))
		need := dict
		if size >= 0 {
			need = min(dict, uint64(size)) // the whole output fits a smaller one
		}
		if need > compressedMaxWindow {
			return nil, nil, fmt.Errorf("%w: the lzma dictionary needs %d MiB, more than the %d MiB bound; not read", ErrLimit, (dict+1<<20-1)>>20, compressedMaxWindow>>20)
		}
		lr, err := lzma.NewReader(br, props, int(need), size) // size -1: ended by its end marker
		if err != nil {
			return nil, nil, fmt.Errorf("%w: lzma: %v", ErrSyntax, err)
		}
		return &errPrefix{r: lr, what: "lzma"}, nop, nil
	}
	return nil, nil, fmt.Errorf("%w: %s is no compressed stream", ErrUnsupported, f)
}

// streamDocName is the name of a compressed stream's document: the
// stream's without its suffix (a .tgz's is a .tar).
func streamDocName(name string) string {
	lower := strings.ToLower(name)
	for _, s := range compressedSuffixes {
		if strings.HasSuffix(lower, s[0]) {
			return name[:len(name)-len(s[0])] + s[1]
		}
	}
	return name
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
			// Without the library's own prefix, where it has one.
			err = fmt.Errorf("%w: %s: %s", ErrSyntax, p.what, strings.TrimPrefix(err.Error(), p.what+": "))
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

// xzStream reads an xz file (the lzma package's reader, its
// dictionaries bounded by compressedMaxWindow), its errors of this
// package's kinds.
func xzStream(r io.Reader) io.Reader {
	return xzErrors{lzma.NewXZReader(r, compressedMaxWindow)}
}

type xzErrors struct{ r io.Reader }

func (x xzErrors) Read(p []byte) (int, error) {
	n, err := x.r.Read(p)
	var xe *lzma.XZError
	if errors.As(err, &xe) {
		switch xe.Kind {
		case lzma.ErrUnsupported:
			err = fmt.Errorf("%w: %s; not read", errMethod, xe.Msg)
		case lzma.ErrTooLarge:
			err = fmt.Errorf("%w: %s; not read", ErrLimit, xe.Msg)
		default:
			err = fmt.Errorf("%w: %s", ErrSyntax, xe.Msg)
		}
	}
	return n, err
}

// lzipReader reads lzip's format (lzip 1.23's manual): members one after
// the other, each "LZIP", a version (1), its dictionary's size in a
// byte, an LZMA stream (lc 3, lp 0, pb 2) ended by its end marker, then
// the CRC32 and size of its data and its own size, all checked.
type lzipReader struct {
	src    io.Reader
	member *lzma.Reader
	crc    uint32
	size   uint64 // bytes of the member's data
	n      int    // members read
	err    error
}

func (z *lzipReader) Read(p []byte) (int, error) {
	for z.err == nil {
		if z.member == nil {
			z.err = z.header()
			continue
		}
		n, err := z.member.Read(p)
		z.crc = crc32.Update(z.crc, crc32.IEEETable, p[:n])
		z.size += uint64(n)
		switch {
		case err == io.EOF:
			z.err = z.trailer()
		case err != nil:
			z.err = fmt.Errorf("%w: lzip: %v", ErrSyntax, err)
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, z.err
}

// header starts the next member; io.EOF when there is none.
func (z *lzipReader) header() error {
	var h [6]byte
	n, err := io.ReadFull(z.src, h[:])
	switch {
	case n == 0 && z.n > 0:
		return io.EOF
	case err != nil || !bytes.Equal(h[:4], lzipMagic):
		if z.n > 0 && n > 0 {
			return fmt.Errorf("%w: lzip: data after the last member", ErrSyntax)
		}
		return fmt.Errorf("%w: lzip: a member's header", ErrSyntax)
	case h[4] != 1:
		return fmt.Errorf("%w: lzip version %d; not read", errMethod, h[4])
	}
	bits := uint(h[5] & 0x1F)
	if bits < 12 || bits > 29 {
		return fmt.Errorf("%w: lzip: a dictionary of 2^%d bytes", ErrSyntax, bits)
	}
	dict := uint64(1)<<bits - uint64(h[5]>>5)*(uint64(1)<<bits/16)
	if dict > compressedMaxWindow {
		return fmt.Errorf("%w: the lzip dictionary needs %d MiB, more than the %d MiB bound; not read", ErrLimit, (dict+1<<20-1)>>20, compressedMaxWindow>>20)
	}
	m, err := lzma.NewReader(z.src, lzma.Props{LC: 3, LP: 0, PB: 2}, int(dict), -1)
	if err != nil {
		return fmt.Errorf("%w: lzip: %v", ErrSyntax, err)
	}
	z.member, z.crc, z.size = m, 0, 0
	z.n++
	return nil
}

// trailer checks a member's data against its trailer, which follows the
// stream partly in the bytes its decoder read ahead.
func (z *lzipReader) trailer() error {
	rest := z.member.Rest()
	var t [20]byte
	k := copy(t[:], rest)
	if _, err := io.ReadFull(z.src, t[k:]); err != nil {
		return fmt.Errorf("%w: lzip: a member's trailer cut short", ErrSyntax)
	}
	le := binary.LittleEndian
	if le.Uint32(t[:]) != z.crc || le.Uint64(t[4:]) != z.size {
		return fmt.Errorf("%w: lzip: a member damaged (CRC32 or size)", ErrSyntax)
	}
	// What the decoder read past the trailer starts the next member.
	z.src = io.MultiReader(bytes.NewReader(rest[min(len(rest), 20):]), z.src)
	z.member = nil
	return nil
}
