package extract

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// Text that is not valid UTF-8 is read as Windows-1252, the superset of
// Latin-1 that French exports from Excel and older applications use. Each
// byte is one character, so an offset in the recoded text maps back to the
// stored bytes by counting runes.

// cp1252High maps bytes 0x80–0x9F, where Windows-1252 differs from
// Latin-1; the five bytes it leaves undefined keep their Latin-1 (C1) value.
var cp1252High = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

// recode appends the Windows-1252 text src to dst as UTF-8.
func recode(dst, src []byte) []byte {
	for _, b := range src {
		switch {
		case b < 0x80:
			dst = append(dst, b)
		case b < 0xA0:
			dst = utf8.AppendRune(dst, cp1252High[b-0x80])
		default:
			dst = utf8.AppendRune(dst, rune(b))
		}
	}
	return dst
}

// validUTF8 is utf8.Valid, faster on French text: utf8.Valid looks at 8
// bytes at a time only up to the first byte past ASCII, then at each byte
// to the end, and most French lines have an accent early. This one
// decodes the character there and goes back to 8 bytes at a time.
func validUTF8(p []byte) bool {
	i := 0
	for i+8 <= len(p) {
		m := binary.LittleEndian.Uint64(p[i:i+8]) & 0x8080808080808080
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) >> 3
		if c := p[i]; c >= 0xC2 && c <= 0xDF && i+1 < len(p) && p[i+1]&0xC0 == 0x80 {
			i += 2 // two bytes, as the accented letters of Latin scripts
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 {
			return false // not UTF-8 (a valid U+FFFD takes 3 bytes)
		}
		i += size
	}
	for ; i < len(p); i++ {
		if p[i] >= utf8.RuneSelf {
			return utf8.Valid(p[i:])
		}
	}
	return true
}

// ensureUTF8 returns text as UTF-8, recoding it into *scratch when it is
// not valid UTF-8; recoded tells which.
func ensureUTF8(text []byte, scratch *[]byte) (out []byte, recoded bool) {
	if validUTF8(text) {
		return text, false
	}
	*scratch = recode((*scratch)[:0], text)
	return *scratch, true
}

// spanCells appends to dst the cells of a row whose values were read end
// to end into buf (a SQL tuple, a JSON record), each at its span, then
// recodes those that are not UTF-8 (recodeSpans). Field by field: a
// composite literal appended is built on the stack and copied in 16-byte
// moves, which wait for its 8-byte stores.
func spanCells(dst []Cell, spans []jcell, buf []byte, scratch *[]byte, max int) []Cell {
	n := len(dst)
	dst = slices.Grow(dst, len(spans))[:n+len(spans)]
	cells := dst[n:]
	for k, c := range spans {
		x := &cells[k]
		x.Col, x.Value, x.Off, x.Recoded = c.col, buf[c.start:c.end], c.off, false
	}
	recodeSpans(cells, spans, buf, scratch, max)
	return dst
}

// recodeSpans recodes, into *scratch, the values of cells that are not
// UTF-8. cells[k]'s value is buf[spans[k].start:spans[k].end], a row's
// values read end to end (a SQL tuple, a JSON record). Most rows are
// UTF-8 throughout: one check of buf, and of the bytes where each value
// starts and ends (no continuation byte), tells that each value is,
// without a call for each. A value recoded grows (a letter of one byte
// takes two or three): it is cut again at max (none if 0).
func recodeSpans(cells []Cell, spans []jcell, buf []byte, scratch *[]byte, max int) {
	*scratch = (*scratch)[:0]
	if validUTF8(buf) {
		whole := true
		for _, c := range spans {
			whole = whole && (c.start == len(buf) || buf[c.start]&0xC0 != 0x80) &&
				(c.end == len(buf) || buf[c.end]&0xC0 != 0x80)
		}
		if whole {
			return
		}
	}
	// The values are sliced once the scratch buffer stops growing.
	var bad, starts []int
	for k := range cells {
		if !utf8.Valid(cells[k].Value) {
			bad = append(bad, k)
			starts = append(starts, len(*scratch))
			*scratch = recode(*scratch, cells[k].Value)
		}
	}
	starts = append(starts, len(*scratch))
	for i, k := range bad {
		v := (*scratch)[starts[i]:starts[i+1]]
		if max > 0 {
			v = v[:utf8Cut(v, max)]
		}
		cells[k].Value, cells[k].Recoded = v, true
	}
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// decodeBOM looks at the start of r: a UTF-8 byte-order mark is dropped
// (skipped tells how many bytes), UTF-16 text (with its mark, as Excel's
// "Unicode text" export writes it) is converted to UTF-8 on the fly.
func decodeBOM(r *bufio.Reader) (out io.Reader, skipped int) {
	head, _ := r.Peek(3)
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		r.Discard(3)
		return r, 3
	case bytes.HasPrefix(head, bomUTF16LE):
		r.Discard(2)
		return &utf16Reader{r: r, little: true}, 0
	case bytes.HasPrefix(head, bomUTF16BE):
		r.Discard(2)
		return &utf16Reader{r: r}, 0
	}
	return r, 0
}

// utf16Reader converts UTF-16 to UTF-8. Offsets reported for such a file
// count bytes of the converted text.
type utf16Reader struct {
	r      io.Reader
	little bool
	out    []byte
	units  []uint16
	carry  []byte // the high half of a surrogate pair cut by a block boundary
	err    error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

func (u *utf16Reader) fill() {
	var raw [8192]byte
	k := copy(raw[:], u.carry)
	u.carry = u.carry[:0]
	n, err := io.ReadFull(u.r, raw[k:])
	n += k
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		u.err = io.EOF
	} else if err != nil {
		u.err = err
	}
	n &^= 1 // a lone last byte is not a character
	u.units = u.units[:0]
	for i := 0; i+1 < n; i += 2 {
		if u.little {
			u.units = append(u.units, uint16(raw[i])|uint16(raw[i+1])<<8)
		} else {
			u.units = append(u.units, uint16(raw[i])<<8|uint16(raw[i+1]))
		}
	}
	if m := len(u.units); m > 0 && u.err == nil && u.units[m-1] >= 0xD800 && u.units[m-1] < 0xDC00 {
		u.carry = append(u.carry, raw[n-2:n]...)
		u.units = u.units[:m-1]
	}
	buf := u.out[:0]
	for _, r := range utf16.Decode(u.units) {
		buf = utf8.AppendRune(buf, r)
	}
	u.out = buf
}
