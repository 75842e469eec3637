package extract

import (
	"bytes"
	"io"
)

// Chunk is a piece of a text or delimited file cut at a record boundary,
// so that pieces of one big file can be scanned on several cores.
type Chunk struct {
	Data  []byte
	Line  int  // number of its first line
	First bool // the file's first chunk (it holds the header, if any)
	// Forced: no record boundary was found within the growth limit, so
	// the cut may fall inside a quoted field.
	Forced bool
}

// Splitter cuts a stream into chunks of about Size bytes, each ending at
// a newline that is outside quotes: in RFC 4180 text a newline is inside a
// quoted field exactly when an odd number of quote characters precede it
// since the last record boundary, doubled quotes included.
type Splitter struct {
	r     io.Reader
	quote byte
	size  int
	carry []byte
	line  int
	first bool
	eof   bool
	err   error
	read  int64 // bytes read from r
}

// Offset is how many bytes the Splitter read: after an error, where it
// happened.
func (s *Splitter) Offset() int64 { return s.read }

// maxGrowth bounds how far a chunk grows looking for a record boundary.
const maxGrowth = 8

// NewSplitter cuts r into chunks of about size bytes; quote is the quote
// character of a delimited file, 0 for plain text.
func NewSplitter(r io.Reader, quote byte, size int) *Splitter {
	return &Splitter{r: r, quote: quote, size: size, line: 1, first: true}
}

// Next returns the next chunk, in buf's storage when it is large enough,
// or io.EOF after the last one.
func (s *Splitter) Next(buf []byte) (Chunk, error) {
	if s.err != nil {
		return Chunk{}, s.err
	}
	data := append(buf[:0], s.carry...)
	s.carry = s.carry[:0]
	want := s.size
	for {
		for len(data) < want && !s.eof {
			if cap(data)-len(data) < 64<<10 {
				grown := make([]byte, len(data), max(2*cap(data), want+64<<10))
				copy(grown, data)
				data = grown
			}
			n, err := s.r.Read(data[len(data):min(cap(data), len(data)+want)])
			data = data[:len(data)+n]
			s.read += int64(n)
			if err != nil {
				// What was read before an error is the last chunk, as a
				// reader of the whole file reads up to it; the error comes
				// next.
				s.eof = true
				if err != io.EOF {
					s.err = err
				}
			}
		}
		if len(data) == 0 {
			if s.err == nil {
				s.err = io.EOF
			}
			return Chunk{}, s.err
		}
		if s.eof {
			return s.emit(data, len(data), false), nil
		}
		if cut := cutPoint(data, s.quote); cut > 0 {
			return s.emit(data, cut, false), nil
		}
		if want >= maxGrowth*s.size {
			return s.emit(data, len(data), true), nil
		}
		want *= 2
	}
}

func (s *Splitter) emit(data []byte, cut int, forced bool) Chunk {
	s.carry = append(s.carry, data[cut:]...)
	c := Chunk{Data: data[:cut], Line: s.line, First: s.first, Forced: forced}
	s.first = false
	s.line += bytes.Count(c.Data, []byte{'\n'})
	return c
}

// cutPoint returns the offset just after the last newline of data that is
// outside quotes, or 0.
func cutPoint(data []byte, quote byte) int {
	if quote == 0 {
		return bytes.LastIndexByte(data, '\n') + 1
	}
	q := bytes.Count(data, []byte{quote})
	after := 0
	for i := len(data) - 1; i >= 0; i-- {
		switch data[i] {
		case quote:
			after++
		case '\n':
			if (q-after)%2 == 0 {
				return i + 1
			}
		}
	}
	return 0
}
