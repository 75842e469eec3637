package extract

import (
	"bufio"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// A PowerPoint 97-2003 presentation ([MS-PPT]) keeps its text in the
// "PowerPoint Document" stream of a compound file: a tree of records,
// each an 8-byte header (version and instance, type, length) then either
// child records (a container: version 0xF) or data (an atom). Text lies
// in three kinds of atoms wherever they are in the tree: the slides'
// placeholders (in the slide list), text boxes and shapes (in the
// drawings), speaker's notes, and comments (their text and author).
// The reader walks the stream once, in order: a container's children
// follow its header, so entering it is reading on. Memory holds one
// text atom at a time.
//
// An embedded object (a workbook pasted on a slide) is a compound file
// of its own, stored deflated: it is read by its format as a document of
// its own ("object 1"). Pictures are not read. A
// presentation saved with "fast save" keeps earlier versions of edited
// records in the stream: their text is read too, as it is in the file.

// The record types read.
const (
	pptTextChars    = 0x0FA0 // TextCharsAtom: UTF-16LE
	pptTextBytes    = 0x0FA8 // TextBytesAtom: the low bytes of UTF-16 code units
	pptCString      = 0x0FBA // CString: comments, their authors, names
	pptExOleObjStg  = 0x1011 // an embedded object's storage (instance 1: zlib)
	pptCryptSession = 0x2F14 // CryptSession10Container: the document is encrypted
	pptContainer    = 0xF    // the version of a container record
	pptMaxTextAtom  = 16 << 20
	pptStreamName   = "PowerPoint Document"
)

// readPPT reads the text of a PowerPoint 97-2003 presentation into d:
// each paragraph of each text atom a line, numbered from the first.
func (e *Extractor) readPPT(ctx context.Context, c *cfb, d Doc, src *source, h Handler) error {
	display := src.display
	entry, ok := c.find(pptStreamName)
	if !ok {
		return fmt.Errorf("%w: a presentation without its %s stream", ErrSyntax, pptStreamName)
	}
	r, err := c.open(entry)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	br := bufio.NewReaderSize(io.LimitReader(r, int64(entry.size)), 64<<10)
	t := docText{d: d, max: e.o.MaxLine, n: 1}
	var hdr [8]byte
	var data []byte
	objects := 0
	for off, n := int64(0), 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%w: record header cut short at byte %d of the %s stream", ErrSyntax, off, pptStreamName)
		}
		verInst, typ, size := binary.LittleEndian.Uint16(hdr[:]), binary.LittleEndian.Uint16(hdr[2:]), int64(binary.LittleEndian.Uint32(hdr[4:]))
		at := off
		off += 8
		if verInst&0xF == pptContainer {
			if typ == pptCryptSession {
				return fmt.Errorf("%w: a password-protected PowerPoint presentation; not scanned", ErrEncrypted)
			}
			continue // its children follow
		}
		if typ == pptExOleObjStg {
			objects++
			lr := &io.LimitedReader{R: br, N: size}
			if err := e.pptObject(ctx, lr, verInst>>4 == 1, d, src, h, objects); err != nil {
				return err
			}
			io.Copy(io.Discard, lr) // what the object's reader left of the record
			if lr.N > 0 {
				return fmt.Errorf("%w: the embedded object at byte %d runs past the end of the %s stream", ErrSyntax, at, pptStreamName)
			}
			off += size
			continue
		}
		text := typ == pptTextChars || typ == pptTextBytes || typ == pptCString
		if !text || size > pptMaxTextAtom {
			if text {
				d.Problem(Problem{Path: display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: a text record of %d bytes at byte %d of the %s stream", ErrLimit, size, at, pptStreamName)})
			}
			if _, err := br.Discard(int(size)); err != nil {
				return fmt.Errorf("%w: the record of type 0x%04X at byte %d runs past the end of the %s stream", ErrSyntax, typ, at, pptStreamName)
			}
			off += size
			continue
		}
		if cap(data) < int(size) {
			data = make([]byte, size)
		}
		data = data[:size]
		if _, err := io.ReadFull(br, data); err != nil {
			return fmt.Errorf("%w: the text record at byte %d runs past the end of the %s stream", ErrSyntax, at, pptStreamName)
		}
		off += size
		if typ == pptTextBytes {
			for _, b := range data {
				t.char(rune(b), 0, false)
			}
		} else {
			for k := 0; k+1 < len(data); k += 2 {
				t.char(rune(binary.LittleEndian.Uint16(data[k:])), 0, false)
			}
		}
		if len(t.line) > 0 {
			t.flush() // an atom's last paragraph has no mark of its end
		}
	}
}

// pptObject reads an embedded object's storage: a compound file, after a
// 4-byte size and deflated when compressed, as a document of its own.
func (e *Extractor) pptObject(ctx context.Context, r io.Reader, compressed bool, d Doc, src *source, h Handler, n int) error {
	name := "object " + strconv.Itoa(n)
	if src.depth >= e.o.MaxDepth {
		d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: more than %d levels; not opened", ErrDepth, e.o.MaxDepth)})
		return nil
	}
	size := int64(-1)
	if compressed {
		var head [4]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Err: fmt.Errorf("%w: the object is cut short", ErrSyntax)})
			return nil
		}
		zr, err := zlib.NewReader(r)
		if err != nil {
			d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Err: fmt.Errorf("%w: the object: %v", ErrSyntax, err)})
			return nil
		}
		defer zr.Close()
		r, size = zr, int64(binary.LittleEndian.Uint32(head[:]))
	}
	return e.read(ctx, member(src, name, r, size, false), h)
}
