package lzma

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
)

// The xz format (tukaani.org's xz-file-format 1.2): a stream header,
// blocks, an index, a footer; streams may follow one another, with zeros
// between them. Its blocks are LZMA2 (filters, such as BCJ or delta, are
// not read), each decoded with the dictionary it declares, bounded by
// the caller: a block may declare up to 4 GiB. Each block's check
// (CRC32, CRC64, SHA-256) is verified.

// Kinds of XZError, besides ErrCorrupt.
var (
	ErrUnsupported = errors.New("unsupported")
	ErrTooLarge    = errors.New("dictionary too large")
)

// XZError is what the xz reader met: ErrCorrupt, ErrUnsupported or
// ErrTooLarge (Kind), and what it is.
type XZError struct {
	Kind error
	Msg  string
}

func (e *XZError) Error() string { return e.Msg }
func (e *XZError) Unwrap() error { return e.Kind }

// XZMagic starts an xz file.
var XZMagic = []byte{0xFD, '7', 'z', 'X', 'Z', 0}

// XZReader reads an xz file.
type XZReader struct {
	r       *bufio.Reader
	maxDict uint64
	block   *Reader2  // the block being read
	check   hash.Hash // of the block's content, nil if not checked
	csize   int       // bytes of the check
	read    int64     // bytes of the block read from r, header included
	ctype   byte      // check type of the stream
	state   int       // xzStream: a stream header is next; xzBlock: a block or the index; xzDone
	err     error
}

const (
	xzStream = iota
	xzBlock
	xzDone
)

// NewXZReader returns a reader of the xz file in r, whose blocks may use
// dictionaries of maxDict bytes at most.
func NewXZReader(r io.Reader, maxDict uint64) *XZReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &XZReader{r: br, maxDict: maxDict}
}

func (x *XZReader) Read(p []byte) (int, error) {
	for x.err == nil {
		if x.block != nil {
			n, err := x.block.Read(p)
			if x.check != nil {
				x.check.Write(p[:n])
			}
			if err == io.EOF {
				x.err = x.endBlock()
				x.block = nil
				err = nil
			} else if err != nil {
				x.err = &XZError{ErrCorrupt, "xz: " + err.Error()}
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

func xzCorrupt(what string) error { return &XZError{ErrCorrupt, "xz: " + what} }

// streamHeader reads a stream's header, after the zeros that may pad
// the previous stream; at the end of the input there is none.
func (x *XZReader) streamHeader() error {
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
	if _, err := io.ReadFull(x.r, h[:]); err != nil || !bytes.Equal(h[:6], XZMagic) {
		return xzCorrupt("stream header")
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) || h[6] != 0 || h[7] > 0x0F {
		return xzCorrupt("stream flags damaged")
	}
	x.ctype = h[7]
	x.state = xzBlock
	return nil
}

// headerBytes reads a block header's fields.
type headerBytes struct {
	b   []byte
	bad bool
}

func (h *headerBytes) vli() uint64 {
	var v uint64
	for i := 0; i < 9; i++ {
		if len(h.b) == 0 {
			h.bad = true
			return 0
		}
		c := h.b[0]
		h.b = h.b[1:]
		v |= uint64(c&0x7F) << (7 * i)
		if c&0x80 == 0 {
			return v
		}
	}
	h.bad = true
	return 0
}

// blockHeader reads a block's header and starts its LZMA2 decoder, or
// reads the index and the footer that end the stream.
func (x *XZReader) blockHeader() error {
	size, err := x.r.ReadByte()
	if err != nil {
		return xzCorrupt("cut short")
	}
	if size == 0 {
		return x.index()
	}
	head := make([]byte, (int(size)+1)*4-1) // after the size byte, CRC32 included
	if _, err := io.ReadFull(x.r, head); err != nil {
		return xzCorrupt("block header cut short")
	}
	body := head[:len(head)-4]
	if crc32.ChecksumIEEE(append([]byte{size}, body...)) != binary.LittleEndian.Uint32(head[len(head)-4:]) {
		return xzCorrupt("block header damaged")
	}
	flags := body[0]
	h := &headerBytes{b: body[1:]}
	var unpacked uint64 = 1 << 62
	if flags&0x40 != 0 {
		h.vli() // the compressed size
	}
	if flags&0x80 != 0 {
		unpacked = h.vli()
	}
	if flags&0x3C != 0 {
		return xzCorrupt("block flags")
	}
	if flags&3 != 0 {
		return &XZError{ErrUnsupported, "an xz block with filters (delta, BCJ)"}
	}
	id, n := h.vli(), h.vli()
	if h.bad || id != 0x21 || n != 1 || len(h.b) < 1 || h.b[0] > 40 {
		return &XZError{ErrUnsupported, fmt.Sprintf("an xz block of filter %#x", id)}
	}
	dict := uint64(0xFFFFFFFF)
	if p := h.b[0]; p < 40 {
		dict = uint64(2|p&1) << (p/2 + 11)
	}
	need := min(dict, unpacked)
	if need > x.maxDict {
		return &XZError{ErrTooLarge, fmt.Sprintf("the xz dictionary needs %d MiB, more than the %d MiB bound", (dict+1<<20-1)>>20, x.maxDict>>20)}
	}
	x.read = (int64(size) + 1) * 4
	x.block = NewReader2(&countReader{r: x.r, n: &x.read}, int(need))
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
	return nil
}

// endBlock reads the block's padding and check.
func (x *XZReader) endBlock() error {
	if pad := (4 - x.read%4) % 4; pad > 0 {
		if _, err := x.r.Discard(int(pad)); err != nil {
			return xzCorrupt("block padding cut short")
		}
	}
	sum := make([]byte, x.csize)
	if _, err := io.ReadFull(x.r, sum); err != nil {
		return xzCorrupt("block check cut short")
	}
	if x.check == nil {
		return nil
	}
	got := x.check.Sum(nil)
	if _, ok := x.check.(hash.Hash32); ok { // CRC32 is stored little-endian
		got = binary.LittleEndian.AppendUint32(nil, binary.BigEndian.Uint32(got))
	} else if _, ok := x.check.(hash.Hash64); ok {
		got = binary.LittleEndian.AppendUint64(nil, binary.BigEndian.Uint64(got))
	}
	if !bytes.Equal(got, sum) {
		return xzCorrupt("block damaged (check)")
	}
	return nil
}

// index skips the index and the footer: the blocks were read.
func (x *XZReader) index() error {
	n := int64(1)
	count := x.vli(&n)
	for i := uint64(0); i < count && i < 1<<40 && x.err == nil; i++ {
		x.vli(&n)
		x.vli(&n)
	}
	if x.err != nil {
		return x.err
	}
	pad := (4 - n%4) % 4
	if _, err := x.r.Discard(int(pad) + 4 + 12); err != nil { // padding, CRC32, footer
		return xzCorrupt("index cut short")
	}
	x.state = xzStream
	return nil
}

// vli reads a variable-length integer of the index, counting its bytes.
func (x *XZReader) vli(n *int64) uint64 {
	var v uint64
	for i := 0; i < 9; i++ {
		b, err := x.r.ReadByte()
		if err != nil {
			x.err = xzCorrupt("index cut short")
			return 0
		}
		*n++
		v |= uint64(b&0x7F) << (7 * i)
		if b&0x80 == 0 {
			return v
		}
	}
	x.err = xzCorrupt("index damaged")
	return 0
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n *int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}
