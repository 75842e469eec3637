package extract

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"

	"tocsin/internal/swar"
)

// A line of a delimited file, or of text, is read from three masks of its
// bytes, 64 to a word, made in one pass over it (maskBlocks, with vector
// instructions where there are some): its newline, its delimiters, and
// the bytes that are the quote or past ASCII. Searching the newline, then
// the quote, then the delimiters, then checking UTF-8 each went over the
// line again, and together they cost nearly as much as the detectors of
// an order table's four personal columns.

// lineMasks holds the masks of one line, from the start of the unread
// bytes: bit b of cm[k] is set when byte 64k+b is the delimiter, of sp[k]
// when it is the quote or not ASCII. Bit b of u8[k] is set for the
// bytes special has to look at: with AVX2, the quote and the bytes past
// ASCII but those of 2-byte UTF-8 sequences (accented Latin letters),
// which the masks check in pairs, lead byte and continuation; else the
// bits of sp. Past the line's newline the bits are those of the
// following bytes, to be dropped.
type lineMasks struct {
	cm, sp, u8 []uint64
}

// scan makes the masks of data, a slice of a reader's buffer, up to its
// first newline, and returns that newline's index, or -1 when data has
// none. Whole blocks of 64 bytes are read as long as they fit in data's
// capacity; the bytes past len(data) are those of the buffer and their
// bits are never used. A block that would not fit is copied first.
func (m *lineMasks) scan(data []byte, comma, quote byte) int {
	need := (len(data) + 63) / 64
	if len(m.cm) < need {
		m.cm = make([]uint64, need+need/4)
		m.sp, m.u8 = make([]uint64, len(m.cm)), make([]uint64, len(m.cm))
	}
	full := need
	if need*64 > cap(data) {
		full = len(data) / 64
	}
	if full > 0 {
		if nl := maskBlocks(&data[:1][0], full, comma, quote, &m.cm[0], &m.sp[0], &m.u8[0]); nl >= 0 {
			if nl >= len(data) {
				return -1
			}
			return nl
		}
	}
	if full == need {
		return -1
	}
	var last [64]byte
	copy(last[:], data[full*64:])
	if nl := maskBlocks(&last[0], 1, comma, quote, &m.cm[full], &m.sp[full], &m.u8[full]); nl >= 0 && full*64+nl < len(data) {
		return full*64 + nl
	}
	return -1
}

// maskBlocksGo is maskBlocks eight bytes at a time: the masks of n blocks
// of 64 bytes from p, up to the first that holds a newline, whose index
// it returns (-1 when none does).
func maskBlocksGo(p []byte, n int, comma, quote byte, cm, sp, u8 []uint64) int {
	for k := 0; k < n; k++ {
		var nl, c, s uint64
		for w := 0; w < 8; w++ {
			v := binary.LittleEndian.Uint64(p[64*k+8*w:])
			nl |= swar.Bits(swar.Equal(v, '\n')) << (8 * w)
			c |= swar.Bits(swar.Equal(v, comma)) << (8 * w)
			s |= swar.Bits(swar.Equal(v, quote)|v&swar.High) << (8 * w)
		}
		cm[k], sp[k], u8[k] = c, s, s
		if nl != 0 {
			return 64*k + bits.TrailingZeros64(nl)
		}
	}
	return -1
}

// special tells whether line holds the quote (when quoting) and whether
// it is UTF-8: from the bits of u8 when none is set, else from those of
// sp, decoding each character past ASCII where its bit says it starts.
func (m *lineMasks) special(line []byte, quote byte) (valid, quoted bool) {
	// Most lines are vouched for by u8: no quote, and past ASCII only
	// 2-byte sequences, the last of which ends in the line. The bits of
	// sp, decoded one at a time, cost French text (an accented letter
	// every fifty bytes) a branch the processor foresaw badly for each.
	var doubt uint64
	for k := 0; 64*k < len(line); k++ {
		w := m.u8[k]
		if r := len(line) - 64*k; r < 64 {
			w &= 1<<r - 1
		}
		doubt |= w
	}
	if doubt == 0 && (len(line) == 0 || line[len(line)-1] < 0xC0) {
		return true, false
	}
	valid = true
	skip := 0 // bytes before skip were decoded with a character before them
	for k := 0; 64*k < len(line); k++ {
		w := m.sp[k]
		if r := len(line) - 64*k; r < 64 {
			w &= 1<<r - 1
		}
		for ; w != 0; w &= w - 1 {
			i := 64*k + bits.TrailingZeros64(w)
			c := line[i]
			if c == quote && quote != 0 {
				return valid, true
			}
			if i < skip || !valid {
				continue
			}
			if c >= 0xC2 && c <= 0xDF && i+1 < len(line) && line[i+1]&0xC0 == 0x80 {
				skip = i + 2 // two bytes, as the accented letters of Latin scripts
				continue
			}
			r, size := utf8.DecodeRune(line[i:])
			if r == utf8.RuneError && size == 1 {
				valid = false // not UTF-8 (a valid U+FFFD takes 3 bytes)
				continue
			}
			skip = i + size
		}
	}
	return valid, false
}

// splitMasks is splitInto with the delimiters' masks made: the first max
// fields of line, in the room cells have; ok is false when the line has
// more fields.
//
//go:noinline
func splitMasks(cells []Cell, line []byte, cm []uint64, max int) (_ []Cell, ok bool) {
	n0 := len(cells)
	want := min(max, len(line)+1)
	out := cells[n0:min(cap(cells), n0+want)]
	k, start := 0, 0
	for i := 0; i < len(line); i += 64 {
		mask := cm[i>>6]
		if r := len(line) - i; r < 64 {
			mask &= 1<<r - 1
		}
		for ; mask != 0; mask &= mask - 1 {
			if k == len(out) {
				goto full
			}
			j := i + bits.TrailingZeros64(mask)
			c := &out[k]
			c.Col, c.Value, c.Off, c.Recoded = k, line[start:j:j], start, false
			k, start = k+1, j+1
		}
	}
	if k < len(out) {
		c := &out[k]
		c.Col, c.Value, c.Off, c.Recoded = k, line[start:], start, false
		return cells[:n0+k+1], true
	}
full:
	// Out of room: ok when the room ends at max, or past the last field.
	return cells[:n0+k], len(out) == want
}

// cutBounds writes to bounds a LineRow's Bounds for line, from the
// masks of its delimiters: -1, where each field ends, len(line). It
// returns how many it wrote, or -1 when bounds has no room for them all.
func cutBounds(bounds []int32, line []byte, cm []uint64) int {
	if len(bounds) < 2 {
		return -1
	}
	bounds[0] = -1
	k := 1
	for i := 0; i < len(line); i += 64 {
		mask := cm[i>>6]
		if r := len(line) - i; r < 64 {
			mask &= 1<<r - 1
		}
		for ; mask != 0; mask &= mask - 1 {
			if k == len(bounds)-1 {
				return -1
			}
			bounds[k] = int32(i + bits.TrailingZeros64(mask))
			k++
		}
	}
	bounds[k] = int32(len(line))
	return k + 1
}
