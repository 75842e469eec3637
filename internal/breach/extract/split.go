package extract

import (
	"bytes"
	"io"
)

// Chunk is a piece of a text or delimited file cut at a record boundary,
// so that pieces of one big file can be scanned on several cores.
type Chunk struct {
	Data    []byte
	Line    int  // number of its first line
	Message int  // in an mbox, the rank of its first message
	First   bool // the file's first chunk (it holds the header, if any)
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
	// An mbox is cut before a message's "From " line; message is the
	// rank of the next chunk's first message, maxLine the reader's.
	mbox    bool
	message int
	maxLine int
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

// NewMboxSplitter cuts an mbox into chunks of about size bytes of whole
// messages: each but the first starts at a message's "From " line, after
// a blank line, as the mbox reader with lines of at most maxLine
// (Options.MaxLine) tells messages apart.
func NewMboxSplitter(r io.Reader, size, maxLine int) *Splitter {
	return &Splitter{r: r, size: size, line: 1, first: true, mbox: true, message: 1, maxLine: maxLine}
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
		cut := 0
		if s.mbox {
			cut = mboxCut(data, s.maxLine)
		} else {
			cut = cutPoint(data, s.quote)
		}
		if cut > 0 {
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
	if s.mbox {
		// Its first message, however it starts, and one more at each
		// "From " line after a blank line.
		c.Message = s.message
		s.message++
		for i := 1; ; {
			k := mboxStart(c.Data, i, s.maxLine)
			if k < 0 {
				break
			}
			s.message++
			i = k + 1
		}
	}
	return c
}

// mboxStart returns the offset of the first message start of data at or
// after from (> 0), -1 if there is none. A message starts as the mbox
// reader sees one (mailScan.boundary): a line that begins with "From ",
// read whole, after a blank line.
func mboxStart(data []byte, from, maxLine int) int {
	for i := from; i < len(data); {
		k := bytes.Index(data[i-1:], []byte("\nFrom "))
		if k < 0 {
			return -1
		}
		at := i + k // the "From " line's first byte
		if blankBefore(data, at-1) && wholeLine(data[at:], maxLine) {
			return at
		}
		i = at + 1
	}
	return -1
}

// blankBefore tells whether the line that ends with the newline at nl is
// blank: nothing but carriage returns, which the mbox reader trims. A
// line that starts with data is the file's first (later chunks start
// with a "From " line).
func blankBefore(data []byte, nl int) bool {
	j := nl - 1
	for j >= 0 && data[j] == '\r' {
		j--
	}
	return j < 0 || data[j] == '\n'
}

// wholeLine tells whether the line line starts with is read whole by the
// mbox reader: it reads mailReadBuf bytes at a time and cuts a line once
// what it holds of it reaches maxLine. A line without its end in data is
// not cut at.
func wholeLine(line []byte, maxLine int) bool {
	n := bytes.IndexByte(line, '\n') + 1
	if n == 0 {
		return false
	}
	return (n+mailReadBuf-1)/mailReadBuf*mailReadBuf-mailReadBuf < maxLine
}

// mboxCut returns the offset of the last message start of data past its
// first byte, or 0.
func mboxCut(data []byte, maxLine int) int {
	for end := len(data); end > 0; {
		k := bytes.LastIndex(data[:end], []byte("\nFrom "))
		if k < 0 {
			return 0
		}
		if blankBefore(data, k) && wholeLine(data[k+1:], maxLine) {
			return k + 1
		}
		end = k
	}
	return 0
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
