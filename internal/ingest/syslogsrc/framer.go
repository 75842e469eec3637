package syslogsrc

import (
	"bytes"
	"errors"
	"io"
)

// maxCountDigits bounds an RFC 6587 MSG-LEN: nine digits, as in RELP.
const maxCountDigits = 9

// verdict says what framer.next found.
type verdict uint8

const (
	needMore  verdict = iota // no complete frame yet
	frameMsg                 // msg is one message
	frameSkip                // bytes consumed, no message (empty frame, discarded tail)
	frameCut                 // msg is the first max bytes of an oversize frame
	frameTorn                // at EOF: an octet-counted frame shorter than announced, discarded
)

// framer cuts a TCP byte stream into syslog messages (RFC 6587). Each frame
// is judged by its first byte, as rsyslog's imtcp does: a run of digits
// followed by a space is an octet-counted frame (MSG-LEN SP MSG; one trailing
// LF inside it is trimmed, since rsyslog's templates put it there);
// anything else ends at LF or NUL (a CR before the LF is trimmed). A digit
// run without the space (an RFC 3339 timestamp with no PRI) is an
// LF-terminated frame. A frame longer than max is cut to max bytes and the
// rest discarded, so one oversize message costs only itself.
type framer struct {
	max  int
	skip int  // bytes of an oversize octet-counted frame still to discard
	drop bool // discarding an oversize LF frame up to its trailer
}

// next examines p, the unread bytes of the stream, and returns how many it
// consumed and what they held. atEOF says no more bytes will come: an
// unterminated LF frame is then a message. The caller must offer at least
// max+maxCountDigits+1 bytes when it has them, so that any frame can
// complete.
func (f *framer) next(p []byte, atEOF bool) (adv int, msg []byte, v verdict) {
	if len(p) == 0 {
		return 0, nil, needMore
	}
	if f.skip > 0 {
		n := min(f.skip, len(p))
		f.skip -= n
		return n, nil, frameSkip
	}
	if f.drop {
		if i := trailer(p); i >= 0 {
			f.drop = false
			return i + 1, nil, frameSkip
		}
		return len(p), nil, frameSkip
	}
	if c := p[0]; c >= '0' && c <= '9' {
		n, i := 0, 0
		for i < len(p) && i <= maxCountDigits && p[i] >= '0' && p[i] <= '9' {
			n = n*10 + int(p[i]-'0')
			i++
		}
		switch {
		case i == len(p) && i <= maxCountDigits && !atEOF:
			return 0, nil, needMore
		case i < len(p) && i <= maxCountDigits && p[i] == ' ':
			return f.counted(p, i+1, n, atEOF)
		}
	}
	return f.line(p, atEOF)
}

// counted handles an octet-counted frame whose MSG starts at p[start].
func (f *framer) counted(p []byte, start, n int, atEOF bool) (int, []byte, verdict) {
	if n > f.max {
		if len(p)-start < f.max {
			if atEOF {
				return len(p), nil, frameTorn
			}
			return 0, nil, needMore
		}
		f.skip = n - f.max
		return start + f.max, p[start : start+f.max], frameCut
	}
	end := start + n
	if end > len(p) {
		if atEOF {
			return len(p), nil, frameTorn
		}
		return 0, nil, needMore
	}
	msg := p[start:end]
	if len(msg) > 0 && msg[len(msg)-1] == '\n' {
		msg = msg[:len(msg)-1]
	}
	if len(msg) == 0 {
		return end, nil, frameSkip
	}
	return end, msg, frameMsg
}

// line handles a frame that ends at LF or NUL.
func (f *framer) line(p []byte, atEOF bool) (int, []byte, verdict) {
	i := trailer(p)
	if i < 0 {
		switch {
		case len(p) > f.max+1: // +1: a CR may still prove to be the trailer's
			f.drop = true
			return f.max, p[:f.max], frameCut
		case atEOF:
			i = len(p)
		default:
			return 0, nil, needMore
		}
	}
	adv := min(i+1, len(p))
	msg := p[:i]
	if len(msg) > 0 && msg[len(msg)-1] == '\r' {
		msg = msg[:len(msg)-1]
	}
	if len(msg) > f.max {
		return adv, msg[:f.max], frameCut
	}
	if len(msg) == 0 {
		return adv, nil, frameSkip
	}
	return adv, msg, frameMsg
}

// trailer is the index of the first LF or NUL in p, or -1.
func trailer(p []byte) int {
	i := bytes.IndexByte(p, '\n')
	lim := i
	if i < 0 {
		lim = len(p)
	}
	if j := bytes.IndexByte(p[:lim], 0); j >= 0 {
		return j
	}
	return i
}

var errBufferFull = errors.New("frame buffer full without a frame")

// problems counts what a stream met while cutting frames.
type problems struct{ cut, torn int }

// span locates a message in a stream's buffer.
type span struct{ start, end int }

// stream is a connection's read buffer and its framer. Messages are spans
// of buf, valid until the next read.
type stream struct {
	buf  []byte
	r, w int
	fr   framer
}

func newStream(maxMsg int) *stream {
	// Room for the largest frame (count, space, message, CR, LF) and at
	// least 64 KiB, so that small messages come many per read.
	return &stream{buf: make([]byte, max(maxMsg+maxCountDigits+3, 64<<10)), fr: framer{max: maxMsg}}
}

// read reads once into the free end of the buffer, first moving the
// unread rest to the front when little room is left.
func (s *stream) read(src io.Reader) (int, error) {
	switch {
	case s.r == s.w:
		s.r, s.w = 0, 0
	case len(s.buf)-s.w < len(s.buf)/4:
		s.w = copy(s.buf, s.buf[s.r:s.w])
		s.r = 0
	}
	if s.w == len(s.buf) {
		// Cannot happen: the buffer holds any whole frame. A loud error
		// beats a silent spin.
		return 0, errBufferFull
	}
	n, err := src.Read(s.buf[s.w:])
	s.w += n
	return n, err
}

// frames appends the complete messages in the buffer to spans.
func (s *stream) frames(atEOF bool, spans []span) ([]span, problems) {
	var pr problems
	for s.r < s.w {
		adv, msg, v := s.fr.next(s.buf[s.r:s.w], atEOF)
		switch v {
		case needMore:
			return spans, pr
		case frameCut:
			pr.cut++
		case frameTorn:
			pr.torn++
		}
		if msg != nil {
			start := cap(s.buf) - cap(msg)
			spans = append(spans, span{start, start + len(msg)})
		}
		s.r += adv
	}
	return spans, pr
}
