package lzma

import (
	"encoding/binary"
	"errors"
	"io"
)

// maxMatch is the longest match: decoding stops this far before the
// dictionary would overwrite what is not yet read.
const maxMatch = 273

// minDict is the smallest dictionary a reader keeps, whatever the stream
// declares.
const minDict = 1 << 12

// Reader decodes an LZMA stream (as 7-Zip and zip hold it: no header;
// the caller gives the properties and the dictionary's size).
type Reader struct {
	s    state
	rc   rangeDecoder
	w    window
	size int64 // bytes the stream holds, -1 if it ends with the end marker
	err  error
}

// NewReader returns a reader of the LZMA stream in r, of properties
// props and dictionary dictSize (the caller bounds it), holding size
// bytes, or ended by its end marker when size is negative. It reads r
// ahead: r must end where the stream does (a member, a packed stream).
func NewReader(r io.Reader, props Props, dictSize int, size int64) (*Reader, error) {
	if props.LC > 8 || props.LP > 4 || props.PB > 4 || props.LC < 0 || props.LP < 0 || props.PB < 0 {
		return nil, corrupt("properties")
	}
	z := &Reader{size: size}
	z.s.reset(props)
	z.w.buf = make([]byte, max(dictSize, minDict))
	z.rc = rangeDecoder{in: make([]byte, 64<<10+pad), src: r}
	if err := z.rc.init(); err != nil {
		return nil, err
	}
	return z, nil
}

// ready tells what Read returns before it decodes more: the bytes
// pending, the error met, or nothing for an empty p.
func (w *window) ready(p []byte, err error) (int, bool, error) {
	switch {
	case w.pending > 0:
		return w.read(p), true, nil
	case err != nil:
		return 0, true, err
	case len(p) == 0:
		return 0, true, nil
	}
	return 0, false, nil
}

func (z *Reader) Read(p []byte) (int, error) {
	for {
		if n, done, err := z.w.ready(p, z.err); done {
			return n, err
		}
		limit := min(len(p), len(z.w.buf)-maxMatch)
		if z.size >= 0 {
			left := z.size - z.w.total
			if left <= 0 {
				z.err = io.EOF
				continue
			}
			limit = int(min(int64(limit), left))
		}
		err := z.s.decode(&z.rc, &z.w, limit)
		if z.size >= 0 && z.w.total > z.size {
			// A match past the declared end.
			z.w.pending -= int(z.w.total - z.size)
			z.w.pos -= int(z.w.total - z.size)
			if z.w.pos < 0 {
				z.w.pos += len(z.w.buf)
			}
			z.w.total = z.size
			if err == nil {
				err = corrupt("a match past the stream's declared size")
			}
		}
		switch {
		case errors.Is(err, errEnd):
			if z.size >= 0 && z.w.total != z.size {
				err = io.ErrUnexpectedEOF
			} else {
				err = io.EOF
			}
		case err == nil && z.size >= 0 && z.w.total == z.size:
			err = io.EOF
		}
		z.err = err
	}
}

// Rest returns, once the stream has ended, the input read past its end:
// what follows it (a container's trailer) starts with these bytes, then
// continues in the reader given to NewReader.
func (z *Reader) Rest() []byte {
	if z.rc.rng < topValue && z.rc.pos < z.rc.end {
		// The last normalisation, which decoding leaves to the next bit.
		z.rc.rng <<= 8
		z.rc.pos++
	}
	return z.rc.in[min(z.rc.pos, z.rc.end):z.rc.end]
}

// Reader2 decodes an LZMA2 stream (xz's blocks, 7-Zip's LZMA2): chunks,
// each stored or LZMA-compressed, each read whole from r before it is
// decoded, so that nothing past the stream's end marker is read.
type Reader2 struct {
	s        state
	rc       rangeDecoder
	w        window
	src      io.Reader
	chunk    []byte
	left     int  // bytes of the current chunk still to decode
	stored   bool // the current chunk is stored
	started  bool // a dictionary reset was met
	hasProps bool
	err      error
}

// NewReader2 returns a reader of the LZMA2 stream in r, with a
// dictionary of dictSize bytes (the caller bounds it).
func NewReader2(r io.Reader, dictSize int) *Reader2 {
	z := &Reader2{src: r, chunk: make([]byte, 0, 1<<16+pad)}
	z.w.buf = make([]byte, max(dictSize, minDict))
	return z
}

func (z *Reader2) Read(p []byte) (int, error) {
	for {
		if n, done, err := z.w.ready(p, z.err); done {
			return n, err
		}
		if z.left == 0 {
			z.err = z.nextChunk()
			continue
		}
		limit := min(len(p), len(z.w.buf)-maxMatch, z.left)
		if z.stored {
			n, err := io.ReadFull(z.src, z.w.buf[z.w.pos:min(len(z.w.buf), z.w.pos+limit)])
			z.w.pos += n
			if z.w.pos == len(z.w.buf) {
				z.w.pos = 0
			}
			z.w.total += int64(n)
			z.w.pending += n
			z.left -= n
			if err != nil {
				z.err = unexpected(err)
			}
			continue
		}
		before := z.w.total
		err := z.s.decode(&z.rc, &z.w, limit)
		z.left -= int(z.w.total - before)
		switch {
		case errors.Is(err, errEnd):
			z.err = corrupt("an end marker inside an LZMA2 chunk")
		case err != nil:
			z.err = err
		case z.left < 0:
			z.err = corrupt("an LZMA2 chunk longer than it says")
		case z.left == 0 && !z.rc.finished():
			z.err = corrupt("an LZMA2 chunk shorter than it says")
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// nextChunk reads the next chunk's header, and the chunk if it is LZMA
// data; io.EOF at the end marker.
func (z *Reader2) nextChunk() error {
	var h [6]byte
	if _, err := io.ReadFull(z.src, h[:1]); err != nil {
		return unexpected(err)
	}
	control := h[0]
	switch {
	case control == 0:
		return io.EOF
	case control == 1 || control == 2:
		if _, err := io.ReadFull(z.src, h[1:3]); err != nil {
			return unexpected(err)
		}
		if control == 1 {
			z.w.reset()
			z.started = true
		} else if !z.started {
			return corrupt("an LZMA2 stream that does not reset its dictionary first")
		}
		z.stored, z.left = true, int(binary.BigEndian.Uint16(h[1:]))+1
		return nil
	case control < 0x80:
		return corrupt("an LZMA2 chunk of control byte " + string("0123456789ABCDEF"[control>>4]) + string("0123456789ABCDEF"[control&15]))
	}
	reset := control >> 5 & 3
	n := 4
	if reset >= 2 {
		n = 5
	}
	if _, err := io.ReadFull(z.src, h[1:1+n]); err != nil {
		return unexpected(err)
	}
	unpacked := int(control&0x1F)<<16 + int(binary.BigEndian.Uint16(h[1:])) + 1
	packed := int(binary.BigEndian.Uint16(h[3:])) + 1
	switch {
	case reset == 3:
		z.w.reset()
		z.started = true
	case !z.started:
		return corrupt("an LZMA2 stream that does not reset its dictionary first")
	}
	if reset >= 2 {
		props, err := ParseProps(h[5])
		if err != nil {
			return err
		}
		if props.LC+props.LP > 4 {
			return corrupt("LZMA2 properties with lc+lp above 4")
		}
		z.s.reset(props)
		z.hasProps = true
	} else if !z.hasProps {
		return corrupt("an LZMA2 chunk before any properties")
	} else if reset == 1 {
		z.s.reset(z.s.props)
	}
	z.chunk = z.chunk[:packed]
	if _, err := io.ReadFull(z.src, z.chunk); err != nil {
		return unexpected(err)
	}
	z.rc.setInput(z.chunk)
	if err := z.rc.init(); err != nil {
		return corrupt("an LZMA2 chunk cut short")
	}
	z.stored, z.left = false, unpacked
	return nil
}
