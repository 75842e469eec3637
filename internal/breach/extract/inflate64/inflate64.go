// Package inflate64 decodes Deflate64 ("enhanced deflate", zip method 9),
// which Windows' compressed folders write for large files and 7-Zip when
// asked. It is deflate (RFC 1951) with a 64 KiB window, a last length
// code (285) of 16 extra bits on 3 instead of the fixed 258, and two more
// distance codes (30, 31: 32769 and 49153, 14 extra bits); PKWARE's
// APPNOTE names it, no document specifies more.
package inflate64

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// ErrCorrupt is what data that cannot be Deflate64 gives.
var ErrCorrupt = errors.New("corrupt data")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

const (
	windowSize = 1 << 16
	maxBits    = 15
	fastBits   = 9 // codes this short are looked up at once
)

var (
	lengthBase  [29]uint32
	lengthExtra [29]uint8
	distBase    [32]uint32
	distExtra   [32]uint8
	fixedLit    *huffman
	fixedDist   *huffman
)

func init() {
	base := uint32(3)
	for i := range 28 {
		extra := uint8(0)
		if i >= 8 {
			extra = uint8((i - 4) / 4)
		}
		lengthBase[i], lengthExtra[i] = base, extra
		base += 1 << extra
	}
	lengthBase[28], lengthExtra[28] = 3, 16 // Deflate64's code 285
	base = 1
	for i := range 32 {
		extra := uint8(0)
		if i >= 4 {
			extra = uint8((i - 2) / 2)
		}
		distBase[i], distExtra[i] = base, extra
		base += 1 << extra
	}
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	fixedLit, _ = newHuffman(lens[:])
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	fixedDist, _ = newHuffman(d[:])
}

// huffman decodes a canonical prefix code: codes of up to fastBits bits
// from a table indexed by the next bits (LSB first, as deflate sends
// them), longer ones symbol by symbol from the counts (as zlib's puff).
type huffman struct {
	fast   [1 << fastBits]uint16 // symbol<<4 | length, 0 if longer
	count  [maxBits + 1]uint16
	symbol []uint16
}

func newHuffman(lens []uint8) (*huffman, error) {
	h := &huffman{symbol: make([]uint16, 0, len(lens))}
	for _, l := range lens {
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for l := 1; l <= maxBits; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return nil, corrupt("an over-subscribed prefix code")
		}
	}
	var offs [maxBits + 2]uint16
	for l := 1; l <= maxBits; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	h.symbol = h.symbol[:offs[maxBits+1]]
	for sym, l := range lens {
		if l != 0 {
			h.symbol[offs[l]] = uint16(sym)
			offs[l]++
		}
	}
	// The fast table: each code of fastBits bits or fewer, bit-reversed,
	// fills every entry whose low bits it is.
	code := 0
	k := 0
	for l := 1; l <= fastBits; l++ {
		for range h.count[l] {
			rev := 0
			for b := range l {
				rev |= (code >> b & 1) << (l - 1 - b)
			}
			for e := rev; e < 1<<fastBits; e += 1 << l {
				h.fast[e] = h.symbol[k]<<4 | uint16(l)
			}
			k++
			code++
		}
		code <<= 1
	}
	return h, nil
}

// Reader decodes a Deflate64 stream.
type Reader struct {
	r       *bufio.Reader
	bits    uint64
	nbits   uint
	window  [windowSize]byte
	pos     int // where the next byte goes in window
	pending int // bytes before pos not yet read
	have    int // bytes of window ever written, up to its size
	// the block being decoded
	final     bool
	inBlock   bool
	stored    int // bytes of a stored block left
	lit, dist *huffman
	copyLen   int // a match's bytes left to copy
	copyDist  int
	err       error
	lensBuf   [320]uint8
}

// NewReader returns a reader of the Deflate64 stream in r.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 32<<10)
	}
	return &Reader{r: br}
}

func (z *Reader) Close() error { return nil }

// need makes n bits (up to 32) available, or fails.
func (z *Reader) need(n uint) error {
	for z.nbits < n {
		b, err := z.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		z.bits |= uint64(b) << z.nbits
		z.nbits += 8
	}
	return nil
}

func (z *Reader) take(n uint) (uint32, error) {
	if err := z.need(n); err != nil {
		return 0, err
	}
	v := uint32(z.bits & (1<<n - 1))
	z.bits >>= n
	z.nbits -= n
	return v, nil
}

// decode reads a symbol of h.
func (z *Reader) decode(h *huffman) (int, error) {
	// Fill what the input has, several bytes at once (a short code near
	// the stream's end may not need them all).
	if z.nbits < fastBits {
		for z.nbits <= 56 {
			b, err := z.r.ReadByte()
			if err != nil {
				break
			}
			z.bits |= uint64(b) << z.nbits
			z.nbits += 8
		}
	}
	if e := h.fast[z.bits&(1<<fastBits-1)]; e != 0 && uint(e&15) <= z.nbits {
		z.bits >>= e & 15
		z.nbits -= uint(e & 15)
		return int(e >> 4), nil
	}
	// Bit by bit, from the counts.
	code, first, index := 0, 0, 0
	for l := 1; l <= maxBits; l++ {
		b, err := z.take(1)
		if err != nil {
			return 0, err
		}
		code |= int(b)
		count := int(h.count[l])
		if code-count < first {
			return int(h.symbol[index+code-first]), nil
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return 0, corrupt("a code that is none")
}

// put writes one byte to the window.
func (z *Reader) put(b byte) {
	z.window[z.pos] = b
	z.pos = (z.pos + 1) & (windowSize - 1)
	z.pending++
	if z.have < windowSize {
		z.have++
	}
}

func (z *Reader) Read(p []byte) (int, error) {
	for {
		if z.pending > 0 {
			n := 0
			for z.pending > 0 && n < len(p) {
				start := (z.pos - z.pending) & (windowSize - 1)
				end := windowSize
				if start < z.pos {
					end = z.pos
				}
				k := copy(p[n:], z.window[start:min(end, start+z.pending)])
				n += k
				z.pending -= k
			}
			return n, nil
		}
		if z.err != nil {
			return 0, z.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		z.err = z.step(min(len(p), windowSize/2))
	}
}

// step decodes until limit bytes are pending, a block ends or the
// stream does (io.EOF).
func (z *Reader) step(limit int) error {
	for z.pending < limit {
		if z.copyLen > 0 {
			// The match, up to the limit: byte by byte, as a distance
			// shorter than the length repeats what it copies.
			n := min(z.copyLen, limit-z.pending)
			pos, src := z.pos, (z.pos-z.copyDist)&(windowSize-1)
			for range n {
				z.window[pos] = z.window[src]
				pos, src = (pos+1)&(windowSize-1), (src+1)&(windowSize-1)
			}
			z.pos, z.pending, z.have, z.copyLen = pos, z.pending+n, min(z.have+n, windowSize), z.copyLen-n
			continue
		}
		if !z.inBlock {
			if z.final {
				return io.EOF
			}
			if err := z.header(); err != nil {
				return err
			}
			continue
		}
		if z.lit == nil { // stored
			if z.stored == 0 {
				z.inBlock = false
				continue
			}
			b, err := z.r.ReadByte()
			if err != nil {
				return io.ErrUnexpectedEOF
			}
			z.put(b)
			z.stored--
			continue
		}
		sym, err := z.decode(z.lit)
		if err != nil {
			return err
		}
		switch {
		case sym < 256:
			z.put(byte(sym))
			continue
		case sym == 256:
			z.inBlock = false
			continue
		case sym > 285:
			return corrupt("length code %d", sym)
		}
		i := sym - 257
		extra, err := z.take(uint(lengthExtra[i]))
		if err != nil {
			return err
		}
		length := int(lengthBase[i] + extra)
		ds, err := z.decode(z.dist)
		if err != nil {
			return err
		}
		if ds >= 32 {
			return corrupt("distance code %d", ds)
		}
		dextra, err := z.take(uint(distExtra[ds]))
		if err != nil {
			return err
		}
		dist := int(distBase[ds] + dextra)
		if dist > z.have {
			return corrupt("a match %d bytes back, before the stream's start", dist)
		}
		z.copyLen, z.copyDist = length, dist
	}
	return nil
}

// header reads a block's header, and its codes.
func (z *Reader) header() error {
	h, err := z.take(3)
	if err != nil {
		return err
	}
	z.final = h&1 == 1
	switch h >> 1 {
	case 0:
		// Stored: to the byte, then its length and its complement.
		z.bits >>= z.nbits % 8
		z.nbits -= z.nbits % 8
		v, err := z.take(32)
		if err != nil {
			return err
		}
		if uint16(v) != ^uint16(v>>16) {
			return corrupt("a stored block's length and its complement disagree")
		}
		z.stored = int(uint16(v))
		// What the bit buffer holds is the block's first bytes.
		for z.nbits >= 8 && z.stored > 0 {
			z.put(byte(z.bits))
			z.bits >>= 8
			z.nbits -= 8
			z.stored--
		}
		z.lit, z.dist = nil, nil
	case 1:
		z.lit, z.dist = fixedLit, fixedDist
	case 2:
		if err := z.dynamic(); err != nil {
			return err
		}
	default:
		return corrupt("a block of type 3")
	}
	z.inBlock = true
	return nil
}

// order is the order of the code length code's lengths.
var order = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

func (z *Reader) dynamic() error {
	v, err := z.take(14)
	if err != nil {
		return err
	}
	nlen, ndist, ncode := int(v&31)+257, int(v>>5&31)+1, int(v>>10)+4
	if nlen > 286 {
		return corrupt("%d literal/length codes", nlen)
	}
	var clens [19]uint8
	for i := range ncode {
		l, err := z.take(3)
		if err != nil {
			return err
		}
		clens[order[i]] = uint8(l)
	}
	codes, err := newHuffman(clens[:])
	if err != nil {
		return err
	}
	lens := z.lensBuf[:nlen+ndist]
	for i := 0; i < len(lens); {
		sym, err := z.decode(codes)
		if err != nil {
			return err
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep, val uint8
		switch sym {
		case 16:
			if i == 0 {
				return corrupt("a repeated length with none before")
			}
			n, err := z.take(2)
			if err != nil {
				return err
			}
			rep, val = uint8(3+n), lens[i-1]
		case 17:
			n, err := z.take(3)
			if err != nil {
				return err
			}
			rep = uint8(3 + n)
		default:
			n, err := z.take(7)
			if err != nil {
				return err
			}
			rep = uint8(11 + n)
		}
		if i+int(rep) > len(lens) {
			return corrupt("code lengths past their count")
		}
		for range rep {
			lens[i] = val
			i++
		}
	}
	if lens[256] == 0 {
		return corrupt("a block without an end code")
	}
	if z.lit, err = newHuffman(lens[:nlen]); err != nil {
		return err
	}
	if z.dist, err = newHuffman(lens[nlen:]); err != nil {
		return err
	}
	return nil
}
