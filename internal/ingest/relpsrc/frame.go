package relpsrc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits of the RELP frame header, as librelp enforces them.
const (
	maxDigits  = 9  // TXNR and DATALEN
	maxCommand = 32 // letters
)

// ErrFrame is wrapped by every error about a malformed frame.
var ErrFrame = errors.New("malformed RELP frame")

// FrameError says where a frame went wrong: the byte offset of the frame
// in the connection, the field, what was wrong, and the frame's
// transaction number when it could be read (0 otherwise).
type FrameError struct {
	Offset int64
	Field  string
	Msg    string
	Txnr   int
	Err    error // the read error behind it, if any
}

func (e *FrameError) Error() string {
	s := fmt.Sprintf("RELP frame at byte %d: %s: %s", e.Offset, e.Field, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives ErrFrame and the read error.
func (e *FrameError) Unwrap() []error { return []error{ErrFrame, e.Err} }

func newFrameError(start int64, txnr int, field, msg string, err error) *FrameError {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &FrameError{Offset: start, Field: field, Msg: msg, Txnr: txnr, Err: err}
}

// frame is one RELP frame: TXNR SP COMMAND SP DATALEN [SP DATA] LF.
type frame struct {
	txnr int
	cmd  []byte // valid until the next read
	data []byte
	// cut is how many data bytes past the maximum were discarded.
	cut int
}

// frameReader reads frames from a connection and knows the stream offset
// of each, for error messages.
type frameReader struct {
	r       *bufio.Reader
	counted *countingReader
	cmd     [maxCommand]byte
	// maxData caps the data kept from one frame; the rest is discarded.
	maxData int
	// alloc gives the memory data is copied into.
	alloc func(n int) []byte
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func newFrameReader(r io.Reader, size, maxData int, alloc func(int) []byte) *frameReader {
	c := &countingReader{r: r}
	return &frameReader{r: bufio.NewReaderSize(c, size), counted: c, maxData: maxData, alloc: alloc}
}

// offset is the stream position of the next unread byte.
func (fr *frameReader) offset() int64 { return fr.counted.n - int64(fr.r.Buffered()) }

// buffered reports whether a read would return without waiting.
func (fr *frameReader) buffered() bool { return fr.r.Buffered() > 0 }

// next reads one frame. It returns io.EOF when the stream ends cleanly
// between frames and a *FrameError for anything else.
func (fr *frameReader) next() (frame, error) {
	var f frame
	start := fr.offset()
	fail := func(field, msg string, err error) (frame, error) {
		return frame{}, newFrameError(start, f.txnr, field, msg, err)
	}
	c, err := fr.r.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return f, io.EOF
		}
		return fail("TXNR", "read failed", err)
	}
	f.txnr, c, err = fr.number(c)
	switch {
	case err != nil:
		return fail("TXNR", "cut short", err)
	case f.txnr < 0:
		return fail("TXNR", "want 1 to 9 digits", nil)
	case c != ' ':
		return fail("TXNR", fmt.Sprintf("want a space after it, got %q", c), nil)
	}
	n := 0
	for {
		c, err = fr.r.ReadByte()
		if err != nil {
			return fail("COMMAND", "cut short", err)
		}
		if c == ' ' {
			break
		}
		if !isLetter(c) {
			return fail("COMMAND", fmt.Sprintf("want letters, got %q", c), nil)
		}
		if n == maxCommand {
			return fail("COMMAND", "longer than 32 letters", nil)
		}
		fr.cmd[n] = c
		n++
	}
	if n == 0 {
		return fail("COMMAND", "empty", nil)
	}
	f.cmd = fr.cmd[:n]
	c, err = fr.r.ReadByte()
	if err != nil {
		return fail("DATALEN", "cut short", err)
	}
	size, c, err := fr.number(c)
	switch {
	case err != nil:
		return fail("DATALEN", "cut short", err)
	case size < 0:
		return fail("DATALEN", "want 1 to 9 digits", nil)
	case size == 0 && c != '\n':
		return fail("trailer", fmt.Sprintf("want LF after DATALEN 0, got %q", c), nil)
	case size > 0 && c != ' ':
		return fail("DATALEN", fmt.Sprintf("want a space after it, got %q", c), nil)
	}
	if size == 0 {
		return f, nil
	}
	keep := min(size, fr.maxData)
	f.data = fr.alloc(keep)
	if _, err := io.ReadFull(fr.r, f.data); err != nil {
		return fail("DATA", "cut short", err)
	}
	if f.cut = size - keep; f.cut > 0 {
		if _, err := fr.r.Discard(f.cut); err != nil {
			return fail("DATA", "cut short", err)
		}
	}
	c, err = fr.r.ReadByte()
	switch {
	case err != nil:
		return fail("trailer", "cut short", err)
	case c != '\n':
		return fail("trailer", fmt.Sprintf("want LF after %d bytes of DATA, got %q", size, c), nil)
	}
	return f, nil
}

// number reads a decimal number whose first byte is c and returns it with
// the byte after it; -1 when c is not a digit or there are too many.
func (fr *frameReader) number(c byte) (int, byte, error) {
	n, digits := 0, 0
	for isDigit(c) {
		if digits == maxDigits {
			return -1, c, nil
		}
		n = n*10 + int(c-'0')
		digits++
		var err error
		if c, err = fr.r.ReadByte(); err != nil {
			return 0, 0, err
		}
	}
	if digits == 0 {
		return -1, c, nil
	}
	return n, c, nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// appendFrame encodes a frame.
func appendFrame(dst []byte, txnr int, cmd string, data []byte) []byte {
	dst = strconv.AppendInt(dst, int64(txnr), 10)
	dst = append(dst, ' ')
	dst = append(dst, cmd...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(len(data)), 10)
	if len(data) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, data...)
	}
	return append(dst, '\n')
}
