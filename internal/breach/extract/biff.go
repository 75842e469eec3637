package extract

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// BIFF ([MS-XLS]): the record stream of an Excel 97-2003 workbook. Each
// record is a type, a size (at most 8224 bytes) and its data; a longer
// one goes on in CONTINUE records that follow it.

const (
	recFormula    = 0x0006
	recEOF        = 0x000A
	recDateMode   = 0x0022
	recFilePass   = 0x002F
	recContinue   = 0x003C
	recCodePage   = 0x0042
	recBoundSheet = 0x0085
	recMulRK      = 0x00BD
	recRString    = 0x00D6
	recXF         = 0x00E0
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBoolErr    = 0x0205
	recString     = 0x0207
	recRK         = 0x027E
	recFormat     = 0x041E
	recBOF        = 0x0809

	biffMaxRecord = 8224
)

// biffStream reads records one at a time; a record's CONTINUE records
// are entered only when a reader of strings asks for more.
type biffStream struct {
	r     *bufio.Reader
	pos   int64  // stream offset of the next unread byte
	typ   uint16 // the current record's type
	start int64  // where its header starts
	left  int    // bytes of the current segment (record or CONTINUE) unread
	buf   []byte
}

var errBIFFShort = errors.New("a record ends before its fields")

// next moves to the next record, past what is left of the current one
// and its CONTINUE records. It returns false at the end of the stream.
func (s *biffStream) next() (bool, error) {
	for {
		if err := s.discard(s.left); err != nil {
			return false, err
		}
		s.left = 0
		h, err := s.r.Peek(4)
		if len(h) < 4 {
			if len(h) == 0 || allZero(h) {
				return false, nil
			}
			return false, fmt.Errorf("at byte %d: a record header is cut short: %v", s.pos, err)
		}
		typ, size := binary.LittleEndian.Uint16(h), int(binary.LittleEndian.Uint16(h[2:]))
		if size > biffMaxRecord {
			return false, fmt.Errorf("at byte %d: record 0x%04X of %d bytes, more than %d", s.pos, typ, size, biffMaxRecord)
		}
		s.start = s.pos
		s.r.Discard(4)
		s.pos += 4
		s.left = size
		if typ == recContinue {
			continue // the rest of a record skipped
		}
		s.typ = typ
		return true, nil
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (s *biffStream) discard(n int) error {
	m, err := s.r.Discard(n)
	s.pos += int64(m)
	if m < n {
		return fmt.Errorf("at byte %d: record 0x%04X is cut short: %v", s.pos, s.typ, err)
	}
	return nil
}

// cont enters the CONTINUE record that follows the current segment, if
// one does; the current segment must be read to its end.
func (s *biffStream) cont() bool {
	if s.left != 0 {
		return false
	}
	h, _ := s.r.Peek(4)
	if len(h) < 4 || binary.LittleEndian.Uint16(h) != recContinue {
		return false
	}
	size := int(binary.LittleEndian.Uint16(h[2:]))
	if size > biffMaxRecord {
		return false
	}
	s.r.Discard(4)
	s.pos += 4
	s.left = size
	return true
}

// data returns the rest of the current segment, valid until the next
// read.
func (s *biffStream) data() ([]byte, error) {
	b, err := s.r.Peek(s.left)
	if len(b) < s.left {
		return nil, fmt.Errorf("at byte %d: record 0x%04X is cut short: %v", s.pos, s.typ, err)
	}
	s.r.Discard(s.left)
	s.pos += int64(s.left)
	s.left = 0
	return b, nil
}

// read returns n bytes, across CONTINUE records, valid until the next
// read.
func (s *biffStream) read(n int) ([]byte, error) {
	if n <= s.left {
		b, err := s.r.Peek(n)
		if len(b) < n {
			return nil, fmt.Errorf("at byte %d: record 0x%04X is cut short: %v", s.pos, s.typ, err)
		}
		s.r.Discard(n)
		s.pos += int64(n)
		s.left -= n
		return b, nil
	}
	s.buf = s.buf[:0]
	for len(s.buf) < n {
		if s.left == 0 && !s.cont() {
			return nil, errBIFFShort
		}
		b, err := s.read(min(n-len(s.buf), s.left))
		if err != nil {
			return nil, err
		}
		s.buf = append(s.buf, b...)
	}
	return s.buf, nil
}

// skip passes n bytes, across CONTINUE records.
func (s *biffStream) skip(n int) error {
	for n > 0 {
		if s.left == 0 && !s.cont() {
			return errBIFFShort
		}
		k := min(n, s.left)
		if err := s.discard(k); err != nil {
			return err
		}
		s.left -= k
		n -= k
	}
	return nil
}

func (s *biffStream) u8() (byte, error) {
	b, err := s.read(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (s *biffStream) u16() (int, error) {
	b, err := s.read(2)
	if err != nil {
		return 0, err
	}
	return int(binary.LittleEndian.Uint16(b)), nil
}

// appendString reads a BIFF8 string's flags and cch characters (its
// length read by the caller) and appends them as UTF-8. Characters are
// one byte (Latin-1) or two (UTF-16); where they go on in a CONTINUE
// record, that record starts with new flags, which may change the width.
// Rich text runs and phonetic data are passed.
func (s *biffStream) appendString(dst []byte, cch int) ([]byte, error) {
	flags, err := s.u8()
	if err != nil {
		return dst, err
	}
	runs, ext := 0, 0
	if flags&0x08 != 0 {
		if runs, err = s.u16(); err != nil {
			return dst, err
		}
	}
	if flags&0x04 != 0 {
		b, err := s.read(4)
		if err != nil {
			return dst, err
		}
		ext = int(binary.LittleEndian.Uint32(b))
	}
	for cch > 0 {
		if s.left == 0 {
			if !s.cont() {
				return dst, errBIFFShort
			}
			if flags, err = s.u8(); err != nil {
				return dst, err
			}
		}
		width := 1 + int(flags&1)
		n := min(cch, s.left/width)
		if n == 0 {
			return dst, fmt.Errorf("at byte %d: a character is cut in two", s.pos)
		}
		b, err := s.read(n * width)
		if err != nil {
			return dst, err
		}
		if width == 1 {
			dst = appendLatin1(dst, b)
		} else {
			dst = appendUTF16LE(dst, b)
		}
		cch -= n
	}
	if err := s.skip(4 * runs); err != nil {
		return dst, err
	}
	if ext < 0 || ext > 1<<24 {
		return dst, fmt.Errorf("at byte %d: %d bytes of phonetic data", s.pos, ext)
	}
	return dst, s.skip(ext)
}

func appendLatin1(dst, b []byte) []byte {
	for _, c := range b {
		if c < 0x80 {
			dst = append(dst, c)
		} else {
			dst = append(dst, 0xC0|c>>6, 0x80|c&0x3F)
		}
	}
	return dst
}

// appendUTF16LE decodes UTF-16 (pairs of surrogates joined; a lone one
// becomes U+FFFD).
func appendUTF16LE(dst, b []byte) []byte {
	for i := 0; i+1 < len(b); i += 2 {
		u := rune(binary.LittleEndian.Uint16(b[i:]))
		if utf16.IsSurrogate(u) && i+3 < len(b) {
			if r := utf16.DecodeRune(u, rune(binary.LittleEndian.Uint16(b[i+2:]))); r != utf8.RuneError {
				dst = utf8.AppendRune(dst, r)
				i += 2
				continue
			}
		}
		dst = utf8.AppendRune(dst, u) // a lone surrogate: U+FFFD
	}
	return dst
}
