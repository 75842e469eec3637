package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Options tune how inputs are read. The zero value is ready to use.
type Options struct {
	// BufferSize is how much is read at once, and so the usual size of a
	// batch. Default 1 MiB.
	BufferSize int
	// MaxRecord is the longest record kept; a longer one is skipped and
	// reported with ErrRecordTooLong. Default 64 MiB.
	MaxRecord int
	// Eager hands a batch over as soon as a read returns less than asked,
	// so records from a slow pipe are not held back. Stdin is read eagerly.
	Eager bool
}

const (
	defaultBufferSize = 1 << 20
	defaultMaxRecord  = 64 << 20
	minBufferSize     = 16
	maxEmptyReads     = 100 // as bufio: a reader that never makes progress is broken
)

func (o Options) withDefaults() Options {
	if o.BufferSize <= 0 {
		o.BufferSize = defaultBufferSize
	}
	o.BufferSize = max(o.BufferSize, minBufferSize)
	if o.MaxRecord <= 0 {
		o.MaxRecord = defaultMaxRecord
	}
	return o
}

// mode is how a file is split, decided from its first non-blank line.
type mode uint8

const (
	modeUnknown mode = iota
	modeLines        // one record per line
	modeObjects      // concatenated JSON objects, possibly spanning lines
	modeArray        // the objects of one top-level JSON array
)

// pending says what the unfinished data at buf[pos:] is being scanned as.
type pending uint8

const (
	pendNone pending = iota
	pendLine
	pendObject
)

// step is the outcome of one attempt to split a record from the buffer.
type step uint8

const (
	stepRecord  step = iota
	stepMore         // need more input
	stepEnd          // input exhausted
	stepSkipped      // a too-long record was skipped; skipErr says which
	stepAgain        // the state changed: try again
)

var (
	errUTF16         = errors.New("UTF-16 text is not supported: convert it to UTF-8")
	utf8BOM          = []byte{0xEF, 0xBB, 0xBF}
	newline          = []byte{'\n'}
	recordHeaderWord = []byte("Record ")
)

// Splitter splits one input stream into records. It is not safe for
// concurrent use; hand batches to other goroutines instead.
type Splitter struct {
	r    io.Reader
	file string
	opt  Options

	buf      []byte
	pos, end int // unconsumed input is buf[pos:end]
	line     int // line number of buf[pos]
	mode     mode
	started  bool // byte-order mark checked

	// The record being scanned starts at pos; scan is how much of it was
	// already looked at, so a refill resumes instead of rescanning.
	pend  pending
	scan  int
	depth int
	inStr bool

	// Skipping a record longer than MaxRecord: the state of the byte
	// machine that walks over it, since its bytes are not kept.
	skip                bool
	skipFirst           bool // the first line: objects mode only if it ends inside an object
	skipLine, skipBytes int
	skipEsc             bool
	skipErr             error

	eof   bool  // no more input will come
	err   error // read error, reported after the records before it
	short bool  // the last read returned less than asked
	done  bool  // stepEnd was reported
}

// NewSplitter returns a splitter reading r; file names the records and errors.
func NewSplitter(r io.Reader, file string, opt Options) *Splitter {
	s := &Splitter{}
	s.reset(r, file, opt)
	return s
}

// reset readies s for another input, keeping its buffer.
func (s *Splitter) reset(r io.Reader, file string, opt Options) {
	opt = opt.withDefaults()
	buf := s.buf
	if cap(buf) < opt.BufferSize {
		buf = make([]byte, opt.BufferSize)
	}
	*s = Splitter{r: r, file: file, opt: opt, buf: buf[:cap(buf)], line: 1}
}

// Next returns the next record, io.EOF at the end of the input, or a
// *FileError (a read error, after which Next returns io.EOF, or a skipped
// over-long record, after which reading goes on). The record's Data is
// valid until the next call.
func (s *Splitter) Next() (Record, error) {
	for {
		rec, st := s.split()
		switch st {
		case stepRecord:
			return rec, nil
		case stepSkipped:
			err := s.skipErr
			s.skipErr = nil
			return Record{}, err
		case stepEnd:
			return Record{}, s.endErr()
		}
		s.read(true)
	}
}

// NextBatch replaces b's records with the next ones, and hands b the
// buffer they live in. It returns io.EOF, with b empty, once the input is
// exhausted. Problems are put in b.Err, after b.Records: a read error ends
// the input, a skipped over-long record does not.
func (s *Splitter) NextBatch(b *Batch) error {
	b.File, b.Records, b.Err = s.file, b.Records[:0], nil
	for {
		rec, st := s.split()
		switch st {
		case stepRecord:
			b.Records = append(b.Records, rec)
			continue
		case stepSkipped:
			b.Err, s.skipErr = s.skipErr, nil
			s.handOver(b)
			return nil
		case stepEnd:
			err := s.endErr()
			if err != io.EOF {
				b.Err = err
			} else if len(b.Records) == 0 {
				return io.EOF
			}
			s.handOver(b)
			return nil
		}
		if len(b.Records) == 0 {
			s.read(true)
			continue
		}
		// Records point into buf: read into its free tail only, and hand
		// the batch over when that is full or the source is slow.
		if s.end == len(s.buf) || (s.opt.Eager && s.short) {
			s.handOver(b)
			return nil
		}
		s.read(false)
	}
}

// endErr is what the end of input means: io.EOF, or once the read error.
func (s *Splitter) endErr() error {
	if s.err == nil {
		return io.EOF
	}
	err := &FileError{File: s.file, Err: s.err}
	s.err = nil
	return err
}

// handOver gives the current buffer, which the batch's records point
// into, to b and continues in b's old buffer with the unconsumed tail.
func (s *Splitter) handOver(b *Batch) {
	tail := s.end - s.pos
	nb := b.buf[:cap(b.buf)]
	if need := max(s.opt.BufferSize, tail+s.opt.BufferSize/2); len(nb) < need {
		nb = make([]byte, need)
	}
	copy(nb, s.buf[s.pos:s.end])
	b.buf, s.buf = s.buf, nb
	s.pos, s.end = 0, tail
}

// read reads more input into buf[end:]. With compact it may first move
// the unconsumed data to the front and grow the buffer; without, no byte
// already in the buffer moves.
func (s *Splitter) read(compact bool) {
	if s.eof {
		return
	}
	if compact {
		if s.pos > 0 {
			s.end = copy(s.buf, s.buf[s.pos:s.end])
			s.pos = 0
		}
		if s.end == len(s.buf) {
			nb := make([]byte, 2*len(s.buf))
			copy(nb, s.buf[:s.end])
			s.buf = nb
		}
	}
	if s.end == len(s.buf) {
		return
	}
	for range maxEmptyReads {
		want := len(s.buf) - s.end
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		s.short = n < want
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.err = err
			}
			return
		}
		if n > 0 {
			return
		}
	}
	s.eof, s.err = true, io.ErrNoProgress
}

// split tries to take one record from the buffered input.
func (s *Splitter) split() (Record, step) {
	for {
		switch {
		case s.done:
			return Record{}, stepEnd
		case s.skip:
			if !s.skipOver() {
				return Record{}, s.moreOrEnd()
			}
			continue
		case s.skipErr != nil:
			return Record{}, stepSkipped
		case s.mode == modeUnknown:
			if !s.detect() {
				return Record{}, s.moreOrEnd()
			}
			continue
		}
		var rec Record
		var st step
		if s.mode == modeLines {
			rec, st = s.splitLine()
		} else {
			rec, st = s.splitObject()
		}
		switch st {
		case stepAgain:
			continue
		case stepEnd:
			s.done = true
		}
		return rec, st
	}
}

// moreOrEnd is stepMore unless the input is exhausted.
func (s *Splitter) moreOrEnd() step {
	if s.eof {
		s.done = true
		return stepEnd
	}
	return stepMore
}

// detect decides the mode from the first non-blank line: an object left
// open at the end of its line, a lone "{", evtx_dump's "Record N" header
// or an opening "[{" mean JSON objects to be tracked across lines;
// anything else, one record per line. It returns false when it needs more
// input to decide.
func (s *Splitter) detect() bool {
	if !s.started {
		if s.end-s.pos < 3 && !s.eof {
			return false
		}
		b := s.buf[s.pos:s.end]
		switch {
		case bytes.HasPrefix(b, utf8BOM):
			s.pos += 3
		case len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF):
			s.err, s.eof, s.pos, s.end = errUTF16, true, 0, 0
			return false
		}
		s.started = true
	}
	for {
		b := s.buf[s.pos:s.end]
		i := bytes.IndexByte(b[min(s.scan, len(b)):], '\n')
		var ln []byte
		switch {
		case i >= 0:
			ln = b[:s.scan+i]
		case s.eof:
			ln = b
		default:
			s.scan = len(b)
			if t := trimWS(b); len(t) == 0 || (t[0] != '[' && len(b) <= s.opt.MaxRecord) {
				return false
			}
			ln = b // decidable without the end of the line
		}
		if i >= 0 || s.eof {
			s.scan = 0
		}
		t := trimWS(ln)
		if len(t) == 0 {
			if i < 0 { // blank to the end
				s.pos, s.mode = s.end, modeLines
				return true
			}
			s.pos += len(ln) + 1
			s.line++
			continue
		}
		whole := i >= 0 || s.eof
		switch {
		case t[0] == '[':
			rest := trimWS(t[1:])
			switch {
			case len(rest) == 0 && !whole:
				return false
			case len(rest) == 0 || rest[0] == '{':
				s.mode = modeArray
				s.pos += bytes.IndexByte(b, '[') + 1 // the array's "[" is not data
				s.scan = 0
				return true
			}
			s.mode = modeLines
		case !whole: // a first line longer than MaxRecord, to be skipped
			s.mode = modeLines
			if t[0] == '{' {
				// Only its end will tell whether the object goes on past
				// it: skip as an object and decide at the newline.
				s.mode = modeObjects
				s.startSkip(true)
				s.skipFirst = true
			}
		case t[0] == '{' && openDepth(t) > 0, isRecordHeader(t):
			s.mode = modeObjects
		default:
			s.mode = modeLines
		}
		s.scan = 0
		return true
	}
}

// trimWS trims the white space JSON allows.
func trimWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for n := len(b); n > 0 && (b[n-1] == ' ' || b[n-1] == '\t' || b[n-1] == '\r' || b[n-1] == '\n'); n-- {
		b = b[:n-1]
	}
	return b
}

// openDepth is the brace depth at the end of a line of JSON text.
func openDepth(b []byte) int {
	depth, inStr, esc := 0, false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case inStr:
			if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{':
			depth++
		case c == '}':
			depth--
		}
	}
	return depth
}

// isRecordHeader matches evtx_dump's "Record 123" line between objects.
func isRecordHeader(t []byte) bool {
	if n := len(t) - len(recordHeaderWord); n < 1 || n > 20 || !bytes.HasPrefix(t, recordHeaderWord) {
		return false
	}
	for _, c := range t[len(recordHeaderWord):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// splitLine takes one line; blank lines are skipped, a trailing CR dropped.
func (s *Splitter) splitLine() (Record, step) {
	for {
		b := s.buf[s.pos:s.end]
		i := bytes.IndexByte(b[s.scan:], '\n')
		var rec []byte
		switch {
		case i >= 0:
			rec = b[:s.scan+i]
			s.pos += s.scan + i + 1
		case len(b) > s.opt.MaxRecord:
			s.startSkip(false)
			return Record{}, stepAgain
		case !s.eof:
			s.scan, s.pend = len(b), pendLine
			return Record{}, stepMore
		case len(b) == 0 || s.err != nil: // a line cut by a read error is not a record
			s.pos = s.end
			return Record{}, stepEnd
		default:
			rec = b
			s.pos = s.end
		}
		s.scan, s.pend = 0, pendNone
		line := s.line
		s.line++
		if n := len(rec); n > 0 && rec[n-1] == '\r' {
			rec = rec[:n-1]
		}
		if isBlank(rec) {
			continue
		}
		if len(rec) > s.opt.MaxRecord {
			s.skipErr = s.tooLong(line, len(rec))
			return Record{}, stepSkipped
		}
		return Record{File: s.file, Line: line, Data: rec}, stepRecord
	}
}

// splitObject takes one JSON object; between objects it skips white
// space (and, in a top-level array, the commas and the closing bracket).
// A line that does not start an object is a record of its own, except
// evtx_dump's "Record N" headers.
func (s *Splitter) splitObject() (Record, step) {
	for {
		switch s.pend {
		case pendLine:
			rec, st := s.splitLine()
			if st == stepRecord && isRecordHeader(trimWS(rec.Data)) {
				continue
			}
			return rec, st
		case pendNone:
			for s.pos < s.end {
				c := s.buf[s.pos]
				if c == '\n' {
					s.line++
				} else if c != ' ' && c != '\t' && c != '\r' && (s.mode != modeArray || c != ',' && c != ']') {
					break
				}
				s.pos++
			}
			if s.pos == s.end {
				if s.eof {
					return Record{}, stepEnd
				}
				return Record{}, stepMore
			}
			if s.buf[s.pos] != '{' {
				s.pend = pendLine
				continue
			}
			s.pend = pendObject
		}
		end, ok := s.scanObject()
		if !ok {
			switch {
			case s.end-s.pos > s.opt.MaxRecord:
				s.startSkip(true)
				return Record{}, stepAgain
			case !s.eof:
				return Record{}, stepMore
			case s.err != nil:
				return Record{}, stepEnd
			}
			end = s.end // unterminated at the end: the decoder will say what is missing
		}
		rec := s.buf[s.pos:end]
		line := s.line
		s.line += bytes.Count(rec, newline)
		s.pos, s.pend, s.scan, s.depth, s.inStr = end, pendNone, 0, 0, false
		if len(rec) > s.opt.MaxRecord {
			s.skipErr = s.tooLong(line, len(rec))
			return Record{}, stepSkipped
		}
		return Record{File: s.file, Line: line, Data: rec}, stepRecord
	}
}

// scanObject scans the object at buf[pos], resuming where the last call
// stopped, and returns the offset just past its closing brace. Inside
// strings it jumps from quote to quote; a quote is escaped when an odd
// number of backslashes precede it.
func (s *Splitter) scanObject() (int, bool) {
	b := s.buf[:s.end]
	i, depth, inStr := s.pos+s.scan, s.depth, s.inStr
	for i < len(b) {
		if inStr {
			j := bytes.IndexByte(b[i:], '"')
			if j < 0 {
				i = len(b)
				break
			}
			q := i + j
			k := q
			for k > s.pos && b[k-1] == '\\' {
				k--
			}
			i = q + 1
			if (q-k)%2 == 0 {
				inStr = false
			}
			continue
		}
		switch b[i] {
		case '"':
			inStr = true
		case '{':
			// A '{' opening a line inside an object starts the next
			// object: this one was cut (an interrupted export). End it
			// here, to be reported as malformed, rather than swallow
			// every object after it. Pretty-printers indent nested
			// objects, so this never splits a whole one.
			if depth > 0 && i > s.pos && b[i-1] == '\n' {
				return i - 1, true
			}
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
	s.scan, s.depth, s.inStr = i-s.pos, depth, inStr
	return 0, false
}

// startSkip drops the over-long record at buf[pos] and walks over the
// rest of it as more input arrives, keeping only the state of the scan.
func (s *Splitter) startSkip(object bool) {
	s.skip, s.skipLine, s.skipBytes = true, s.line, 0
	s.skipEsc = false
	if object {
		s.depth, s.inStr = 0, false
	} else {
		s.depth = -1 // a line: ends at the next newline
	}
	s.scan, s.pend = 0, pendNone
}

// skipOver consumes buffered input of the record being skipped; it
// returns true, with skipErr set, when the record has ended.
func (s *Splitter) skipOver() bool {
	b := s.buf[s.pos:s.end]
	if s.depth < 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			s.skipBytes += len(b)
			s.pos = s.end
			if !s.eof {
				return false
			}
		} else {
			s.skipBytes += i
			s.pos += i + 1
			s.line++
		}
	} else {
		ended := false
		i := 0
		for ; i < len(b) && !ended; i++ {
			c := b[i]
			if c == '\n' {
				s.line++
				if s.skipFirst {
					s.skipFirst = false
					if s.depth <= 0 {
						s.mode, ended = modeLines, true
						continue
					}
				}
			}
			switch {
			case s.skipEsc:
				s.skipEsc = false
			case s.inStr:
				if c == '\\' {
					s.skipEsc = true
				} else if c == '"' {
					s.inStr = false
				}
			case c == '"':
				s.inStr = true
			case c == '{':
				s.depth++
			case c == '}':
				s.depth--
				ended = s.depth == 0 && !s.skipFirst
			}
		}
		s.skipBytes += i
		s.pos += i
		if !ended && !s.eof {
			return false
		}
	}
	s.skip = false
	s.depth, s.inStr = 0, false
	s.skipErr = s.tooLong(s.skipLine, s.skipBytes)
	return true
}

func (s *Splitter) tooLong(line, size int) error {
	return &FileError{File: s.file, Line: line,
		Err: fmt.Errorf("%w: %d bytes or more, the limit is %d", ErrRecordTooLong, size, s.opt.MaxRecord)}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
