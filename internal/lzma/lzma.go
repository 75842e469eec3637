// Package lzma decodes LZMA and LZMA2 streams (7-Zip's, xz's, zip's), after
// the LZMA SDK's lzma-specification.txt and the xz file format's LZMA2
// chunks. It is written for the speed of a scan: the range decoder's bit
// is inlined in the decoding loop, LZMA2's chunks are decoded from memory,
// and the dictionary is the one buffer the output is copied from.
package lzma

import (
	"errors"
	"fmt"
	"io"
)

// ErrCorrupt is what a stream that cannot be LZMA data gives.
var ErrCorrupt = errors.New("corrupt data")

func corrupt(what string) error { return fmt.Errorf("%w: %s", ErrCorrupt, what) }

const (
	numStates          = 12
	posStatesMax       = 1 << 4
	lenLowBits         = 3
	lenMidBits         = 3
	lenHighBits        = 8
	matchMinLen        = 2
	lenToPosStates     = 4
	startPosModelIndex = 4
	endPosModelIndex   = 14
	numFullDistances   = 1 << (endPosModelIndex >> 1)
	alignBits          = 4
	probInit           = 1 << 10
	probBits           = 11
	moveBits           = 5
	topValue           = 1 << 24
)

// Props are the literal context bits, literal position bits and position
// bits of a stream.
type Props struct{ LC, LP, PB int }

// ParseProps reads the properties byte of an LZMA stream.
func ParseProps(b byte) (Props, error) {
	if b >= 9*5*5 {
		return Props{}, corrupt("properties byte")
	}
	d := int(b)
	return Props{LC: d % 9, LP: d / 9 % 5, PB: d / 45}, nil
}

type prob = uint16

type lenDecoder struct {
	choice, choice2 prob
	low             [posStatesMax][1 << lenLowBits]prob
	mid             [posStatesMax][1 << lenMidBits]prob
	high            [1 << lenHighBits]prob
}

// state is what a stream's decoding carries from one symbol to the next.
type state struct {
	props      Props
	literal    []prob
	isMatch    [numStates << 4]prob
	isRep      [numStates]prob
	isRepG0    [numStates]prob
	isRepG1    [numStates]prob
	isRepG2    [numStates]prob
	isRep0Long [numStates << 4]prob
	posSlot    [lenToPosStates][1 << 6]prob
	posSpecial [1 + numFullDistances - endPosModelIndex]prob
	align      [1 << alignBits]prob
	lenDec     lenDecoder
	repLenDec  lenDecoder
	st         uint32
	rep        [4]uint32
}

func (s *state) reset(p Props) {
	s.props = p
	n := 0x300 << (p.LC + p.LP)
	if cap(s.literal) < n {
		s.literal = make([]prob, n)
	}
	s.literal = s.literal[:n]
	fill(s.literal)
	fill(s.isMatch[:])
	fill(s.isRep[:])
	fill(s.isRepG0[:])
	fill(s.isRepG1[:])
	fill(s.isRepG2[:])
	fill(s.isRep0Long[:])
	for i := range s.posSlot {
		fill(s.posSlot[i][:])
	}
	fill(s.posSpecial[:])
	fill(s.align[:])
	for _, l := range []*lenDecoder{&s.lenDec, &s.repLenDec} {
		l.choice, l.choice2 = probInit, probInit
		for i := range l.low {
			fill(l.low[i][:])
			fill(l.mid[i][:])
		}
		fill(l.high[:])
	}
	s.st = 0
	s.rep = [4]uint32{}
}

func fill(p []prob) {
	for i := range p {
		p[i] = probInit
	}
}

// window is the dictionary: the last size bytes of the output, the
// bytes not yet read from pending on.
type window struct {
	buf     []byte
	pos     int   // where the next byte goes
	total   int64 // bytes written since the dictionary's reset
	pending int   // bytes from pos-pending not yet read
}

func (w *window) reset() {
	w.pos, w.total, w.pending = 0, 0, 0
}

// read copies to p the bytes not yet read, oldest first.
func (w *window) read(p []byte) int {
	n := 0
	for w.pending > 0 && n < len(p) {
		start := w.pos - w.pending
		if start < 0 {
			start += len(w.buf)
		}
		end := len(w.buf)
		if start < w.pos {
			end = w.pos
		}
		k := copy(p[n:], w.buf[start:min(end, start+w.pending)])
		n += k
		w.pending -= k
	}
	return n
}

// rangeDecoder reads the range coder's bytes from in[pos:end], which pad
// zeros follow: a symbol reads at most some fifty bytes, so that the
// decoding loop checks its input once a symbol instead of once a bit
// (reading into the zeros is what a stream cut short does, and is
// caught there). src, if not nil, refills in.
type rangeDecoder struct {
	rng, code uint32
	in        []byte
	pos, end  int
	src       io.Reader
	err       error // what src gave at its end
}

// pad is the zeros after the input.
const pad = 64

// setInput makes b (pad bytes of room after it, zeros) the whole input.
func (r *rangeDecoder) setInput(b []byte) {
	r.in, r.pos, r.end, r.src = b[:len(b)+pad], 0, len(b), nil
	clear(r.in[r.end:])
}

// fill moves the unread input to the front of in and reads more from
// src, until in is full or src ends.
func (r *rangeDecoder) fill() {
	if r.src == nil || r.err != nil {
		return
	}
	n := copy(r.in, r.in[r.pos:r.end])
	r.pos, r.end = 0, n
	for r.end < len(r.in)-pad && r.err == nil {
		k, err := r.src.Read(r.in[r.end : len(r.in)-pad])
		r.end += k
		if err != nil {
			r.err = err
		}
	}
	clear(r.in[r.end:])
}

// short reports input that runs out: the reason, or nil if there is
// enough for a symbol.
func (r *rangeDecoder) short() error {
	if r.pos+pad > r.end {
		r.fill()
		if r.pos > r.end {
			if r.err != nil && r.err != io.EOF {
				return r.err
			}
			return io.ErrUnexpectedEOF
		}
	}
	return nil
}

func (r *rangeDecoder) init() error {
	if err := r.short(); err != nil {
		return err
	}
	if r.end-r.pos < 5 {
		return io.ErrUnexpectedEOF
	}
	if r.in[r.pos] != 0 {
		return corrupt("the range coder's first byte is not 0")
	}
	r.rng = 0xFFFFFFFF
	r.code = uint32(r.in[r.pos+1])<<24 | uint32(r.in[r.pos+2])<<16 | uint32(r.in[r.pos+3])<<8 | uint32(r.in[r.pos+4])
	r.pos += 5
	if r.code == r.rng {
		return corrupt("range coder")
	}
	return nil
}

// bit decodes one bit under probability p, from the range coder's state
// (rng, code, and the position ip in the padded input), which it returns
// updated: passed by value, the state stays in registers through the
// decoding loop, where the compiler inlines this. It normalises first,
// as the LZMA SDK does, and reads the padded input with no check.
func bit(rng, code uint32, in []byte, ip int, p *prob) (uint32, uint32, int, uint32) {
	if rng < topValue {
		rng <<= 8
		code = code<<8 | uint32(in[ip])
		ip++
	}
	v := uint32(*p)
	bound := (rng >> probBits) * v
	if code < bound {
		*p = prob(v + (1<<probBits-v)>>moveBits)
		return bound, code, ip, 0
	}
	*p = prob(v - v>>moveBits)
	return rng - bound, code - bound, ip, 1
}

// finished tells whether the range coder ended with its input, as a
// chunk's must: normalised, every byte read.
func (r *rangeDecoder) finished() bool {
	if r.rng < topValue {
		r.rng <<= 8
		r.code = r.code<<8 | uint32(r.in[r.pos])
		r.pos++
	}
	return r.pos == r.end
}

// direct decodes n bits of equal probability.
func direct(rng, code uint32, in []byte, ip int, n uint32) (uint32, uint32, int, uint32) {
	var res uint32
	for ; n > 0; n-- {
		if rng < topValue {
			rng <<= 8
			code = code<<8 | uint32(in[ip])
			ip++
		}
		rng >>= 1
		code -= rng
		t := 0 - (code >> 31)
		code += rng & t
		res = res<<1 + t + 1
	}
	return rng, code, ip, res
}

// tree decodes a symbol of bits bits, most significant first.
func tree(rng, code uint32, in []byte, ip int, probs []prob, bits uint32) (uint32, uint32, int, uint32) {
	m := uint32(1)
	for range bits {
		var b uint32
		rng, code, ip, b = bit(rng, code, in, ip, &probs[m])
		m = m<<1 | b
	}
	return rng, code, ip, m - 1<<bits
}

// reverseTree decodes a symbol of bits bits, least significant first.
func reverseTree(rng, code uint32, in []byte, ip int, probs []prob, bits uint32) (uint32, uint32, int, uint32) {
	m, sym := uint32(1), uint32(0)
	for i := range bits {
		var b uint32
		rng, code, ip, b = bit(rng, code, in, ip, &probs[m])
		m = m<<1 | b
		sym |= b << i
	}
	return rng, code, ip, sym
}

func (l *lenDecoder) decode(rng, code uint32, in []byte, ip int, posState uint32) (uint32, uint32, int, uint32) {
	var b, n uint32
	if rng, code, ip, b = bit(rng, code, in, ip, &l.choice); b == 0 {
		rng, code, ip, n = tree(rng, code, in, ip, l.low[posState][:], lenLowBits)
		return rng, code, ip, n
	}
	if rng, code, ip, b = bit(rng, code, in, ip, &l.choice2); b == 0 {
		rng, code, ip, n = tree(rng, code, in, ip, l.mid[posState][:], lenMidBits)
		return rng, code, ip, 1<<lenLowBits + n
	}
	rng, code, ip, n = tree(rng, code, in, ip, l.high[:], lenHighBits)
	return rng, code, ip, 1<<lenLowBits + 1<<lenMidBits + n
}

// errEnd is the end marker, met.
var errEnd = errors.New("end marker")

// decode decodes symbols into w until it holds limit pending bytes or
// more (a match may pass it by up to 272), or until the stream's end
// (errEnd). A match that lies past the dictionary's start is corrupt.
func (s *state) decode(r *rangeDecoder, w *window, limit int) error {
	lc, lpMask, pbMask := uint(s.props.LC), uint32(1)<<s.props.LP-1, uint32(1)<<s.props.PB-1
	buf, size := w.buf, len(w.buf)
	pos, total, pending := w.pos, w.total, w.pending
	st, rep0 := s.st, s.rep[0]
	rng, code, in, ip := r.rng, r.code, r.in, r.pos
	var err error
	var b uint32
	for pending < limit {
		if ip+pad > r.end {
			r.pos = ip
			if err = r.short(); err != nil {
				break
			}
			in, ip = r.in, r.pos
		}
		posState := uint32(total) & pbMask
		if rng, code, ip, b = bit(rng, code, in, ip, &s.isMatch[st<<4|posState]); b == 0 {
			// A literal, in the context of the byte before it.
			var prev byte
			if total > 0 {
				p := pos - 1
				if p < 0 {
					p += size
				}
				prev = buf[p]
			}
			lit := s.literal[0x300*((uint32(total)&lpMask)<<lc+uint32(prev>>(8-lc))):][:0x300]
			sym := uint32(1)
			if st >= 7 {
				// After a match, its next byte guides the decoding
				// while the bits agree.
				p := pos - int(rep0) - 1
				if p < 0 {
					p += size
				}
				match := uint32(buf[p])
				for sym < 0x100 {
					mb := match >> 7 & 1
					match <<= 1
					rng, code, ip, b = bit(rng, code, in, ip, &lit[(1+mb)<<8+sym])
					sym = sym<<1 | b
					if mb != b {
						break
					}
				}
			}
			for sym < 0x100 {
				rng, code, ip, b = bit(rng, code, in, ip, &lit[sym])
				sym = sym<<1 | b
			}
			buf[pos] = byte(sym)
			if pos++; pos == size {
				pos = 0
			}
			total++
			pending++
			switch {
			case st < 4:
				st = 0
			case st < 10:
				st -= 3
			default:
				st -= 6
			}
			continue
		}
		var n uint32
		if rng, code, ip, b = bit(rng, code, in, ip, &s.isRep[st]); b == 0 {
			// A match at a new distance.
			s.rep[3], s.rep[2], s.rep[1] = s.rep[2], s.rep[1], rep0
			rng, code, ip, n = s.lenDec.decode(rng, code, in, ip, posState)
			if st < 7 {
				st = 7
			} else {
				st = 10
			}
			lenState := min(n, lenToPosStates-1)
			var slot uint32
			rng, code, ip, slot = tree(rng, code, in, ip, s.posSlot[lenState][:], 6)
			if slot < startPosModelIndex {
				rep0 = slot
			} else {
				bits := slot>>1 - 1
				dist := (2 | slot&1) << bits
				var x uint32
				if slot < endPosModelIndex {
					rng, code, ip, x = reverseTree(rng, code, in, ip, s.posSpecial[dist-slot:], bits)
					dist += x
				} else {
					rng, code, ip, x = direct(rng, code, in, ip, bits-alignBits)
					dist += x << alignBits
					rng, code, ip, x = reverseTree(rng, code, in, ip, s.align[:], alignBits)
					dist += x
				}
				rep0 = dist
				if rep0 == 0xFFFFFFFF {
					err = errEnd
					break
				}
			}
		} else {
			// A match at one of the last four distances.
			if rng, code, ip, b = bit(rng, code, in, ip, &s.isRepG0[st]); b == 0 {
				if rng, code, ip, b = bit(rng, code, in, ip, &s.isRep0Long[st<<4|posState]); b == 0 {
					// One byte at the last distance.
					if int64(rep0) >= total {
						err = corrupt("a repeated byte before any")
						break
					}
					if st < 7 {
						st = 9
					} else {
						st = 11
					}
					p := pos - int(rep0) - 1
					if p < 0 {
						p += size
					}
					buf[pos] = buf[p]
					if pos++; pos == size {
						pos = 0
					}
					total++
					pending++
					continue
				}
			} else {
				var dist uint32
				if rng, code, ip, b = bit(rng, code, in, ip, &s.isRepG1[st]); b == 0 {
					dist = s.rep[1]
				} else {
					if rng, code, ip, b = bit(rng, code, in, ip, &s.isRepG2[st]); b == 0 {
						dist = s.rep[2]
					} else {
						dist = s.rep[3]
						s.rep[3] = s.rep[2]
					}
					s.rep[2] = s.rep[1]
				}
				s.rep[1] = rep0
				rep0 = dist
			}
			rng, code, ip, n = s.repLenDec.decode(rng, code, in, ip, posState)
			if st < 7 {
				st = 8
			} else {
				st = 11
			}
		}
		// Copy the match: n+2 bytes from rep0+1 back.
		if int64(rep0) >= total || int(rep0) >= size {
			err = corrupt(fmt.Sprintf("a match %d bytes back, past the dictionary's start", rep0+1))
			break
		}
		length := int(n) + matchMinLen
		src := pos - int(rep0) - 1
		if src < 0 {
			src += size
		}
		total += int64(length)
		pending += length
		if length >= 32 && src < pos && pos+length <= size && src+length <= pos {
			// One contiguous copy that does not overlap; shorter ones,
			// most, cost less byte by byte than a call.
			copy(buf[pos:pos+length], buf[src:src+length])
			pos += length
			if pos == size {
				pos = 0
			}
			continue
		}
		if pos+length < size && src+length < size {
			// Neither end wraps: no test of the ends a byte. A
			// distance shorter than the length repeats its bytes, as
			// the byte-by-byte copy does.
			d := buf[pos : pos+length]
			sv := buf[src : src+length]
			for i := range d {
				d[i] = sv[i]
			}
			pos += length
			continue
		}
		for ; length > 0; length-- {
			buf[pos] = buf[src]
			if pos++; pos == size {
				pos = 0
			}
			if src++; src == size {
				src = 0
			}
		}
	}
	w.pos, w.total, w.pending = pos, total, pending
	s.st, s.rep[0] = st, rep0
	r.rng, r.code, r.pos = rng, code, ip
	return err
}
