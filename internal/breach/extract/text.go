package extract

import (
	"context"
	"io"
	"unicode/utf8"
)

// blockSize is the read buffer of the streaming readers.
const blockSize = 256 << 10

// streamStart is the first size of a stream's buffer. Each refill
// doubles it up to blockSize, and past that, up to the stream's max, when
// the unread bytes fill it (a long line): most files of a breach folder
// are small, and a buffer of max bytes (a megabyte for CSV) made and
// zeroed for each cost more than reading them.
const streamStart = 4 << 10

// stream is a refillable window over a reader: buf[pos:end] is unread.
type stream struct {
	r        io.Reader
	buf      []byte
	max      int // the size buf may grow to
	pos, end int
	base     int64 // offset in the input of buf[0]
	eof      bool
	err      error // a read error other than io.EOF
}

func newStream(r io.Reader, max int) *stream {
	return &stream{r: r, buf: make([]byte, min(max, streamStart)), max: max}
}

// full tells whether the unread bytes fill the largest buffer.
func (s *stream) full() bool { return s.end-s.pos >= s.max }

// abs is the offset in the input of buf[i].
func (s *stream) abs(i int) int64 { return s.base + int64(i) }

// fill moves the unread bytes to the front and reads more. It returns
// false when nothing could be added (end of input, error, or a full buffer).
func (s *stream) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		s.base += int64(s.pos)
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	longLine := s.end == len(s.buf)
	if longLine && len(s.buf) >= s.max {
		return false
	}
	// Ramp up once the input has filled the buffer at least once.
	ramp := len(s.buf) < min(blockSize, s.max) && s.base+int64(s.end) >= int64(len(s.buf))
	if longLine || ramp {
		buf := make([]byte, min(2*len(s.buf), s.max))
		copy(buf, s.buf[:s.end])
		s.buf = buf
	}
	for tries := 0; tries < 100; tries++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.eof = true
	s.err = io.ErrNoProgress
	return false
}

// lineReader cuts a stream into lines, and lines longer than max into
// pieces. Lines end with \n; a \r before it is dropped.
type lineReader struct {
	s       *stream
	max     int
	n       int // number of the line being read
	off     int // offset in the current line of the next piece
	scratch []byte
	masks   lineMasks
	l       Line
}

func newLineReader(r io.Reader, max int) *lineReader {
	size := blockSize
	if max+1 > size {
		size = max + 1
	}
	return &lineReader{s: newStream(r, size), max: max, n: 1}
}

// next returns the next line or piece of a line, nil at the end. The Line
// is valid until the next call.
func (lr *lineReader) next() *Line {
	s := lr.s
	for {
		data := s.buf[s.pos:s.end]
		// The masks mark the bytes past ASCII, where emit checks UTF-8.
		if i := lr.masks.scan(data, '\n', 0x80); i >= 0 && i <= lr.max {
			text := data[:i]
			if len(text) > 0 && text[len(text)-1] == '\r' {
				text = text[:len(text)-1]
			}
			s.pos += i + 1
			lr.emit(text)
			lr.n++
			lr.off = 0
			return &lr.l
		}
		if len(data) > lr.max || (s.eof && len(data) > 0) {
			cut := len(data)
			if cut > lr.max {
				cut = utf8Cut(data, lr.max)
			}
			text := data[:cut]
			s.pos += cut
			lr.emit(text)
			if s.eof && s.pos == s.end {
				lr.n++
				lr.off = 0
			} else {
				lr.off += cut
			}
			return &lr.l
		}
		if !s.fill() {
			if s.pos < s.end {
				continue
			}
			return nil
		}
	}
}

// emit hands over text, the start of the bytes next scanned, recoded
// when it is not UTF-8.
func (lr *lineReader) emit(text []byte) {
	out, rec := text, false
	if valid, _ := lr.masks.special(text, 0); !valid {
		lr.scratch = recode(lr.scratch[:0], text)
		out, rec = lr.scratch, true
	}
	lr.l = Line{N: lr.n, Off: lr.off, Text: out, Recoded: rec}
}

// utf8Cut returns a cut point at most max bytes into b that does not split
// a UTF-8 sequence (when b is UTF-8).
func utf8Cut(b []byte, max int) int {
	if max >= len(b) {
		return len(b)
	}
	for i := max; i > max-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return max
}

// ReadText hands every line of r to d, numbering from firstLine (a chunk
// cut by Splitter starts past line 1).
func ReadText(ctx context.Context, r io.Reader, firstLine int, d Doc, o Options) error {
	o = o.withDefaults()
	lr := newLineReader(r, o.MaxLine)
	lr.n = firstLine
	return readLines(ctx, lr, d)
}
