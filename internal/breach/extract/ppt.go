package extract

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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
// What it does not read: text in embedded objects (an embedded workbook
// is a compound file of its own, stored compressed), and pictures. A
// presentation saved with "fast save" keeps earlier versions of edited
// records in the stream: their text is read too, as it is in the file.

// The record types read.
const (
	pptTextChars    = 0x0FA0 // TextCharsAtom: UTF-16LE
	pptTextBytes    = 0x0FA8 // TextBytesAtom: the low bytes of UTF-16 code units
	pptCString      = 0x0FBA // CString: comments, their authors, names
	pptCryptSession = 0x2F14 // CryptSession10Container: the document is encrypted
	pptContainer    = 0xF    // the version of a container record
	pptMaxTextAtom  = 16 << 20
	pptStreamName   = "PowerPoint Document"
)

// readPPT reads the text of a PowerPoint 97-2003 presentation into d:
// each paragraph of each text atom a line, numbered from the first.
func (e *Extractor) readPPT(ctx context.Context, c *cfb, d Doc, display string) error {
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
