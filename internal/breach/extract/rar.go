package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"

	"github.com/nwaples/rardecode/v2"
)

// RAR archives (RAR 1.5 to 5, as WinRAR and rar write them, the form
// stolen data is often published in) are read through rardecode, a Go
// decoder of every RAR compression (LZ with its filters and virtual
// machine, PPMd, RAR 5) and of RAR's AES encryption: more than this
// package would write and keep for one format.

// rarMaxDict bounds the dictionary a member may ask for: RAR 5 archives
// declare up to 64 GiB; WinRAR's default is 32 MiB, its largest setting
// for RAR 5 archives 4 GiB. The same bound as 7-Zip's.
const rarMaxDict = sevenZipMaxDict

// rarMagic starts RAR archives of both formats (RAR 1.5 to 4 go on with
// 0x00, RAR 5 with 0x01 0x00).
var rarMagic = []byte("Rar!\x1A\x07")

// rarSource reads the members of a RAR archive, in one stream. With
// several passwords the archive is spooled, to be read again from the
// start with the next password when one fails; the members already read
// are not read again.
func (e *Extractor) rarSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatRar)
	defer func() { d.End(max(src.size, 0)) }()
	if e.tooDeep(d, src) {
		return nil
	}
	// A split archive (name.part1.rar, name.part2.rar…) on disk is read
	// from its first volume, which opens the next ones beside it; the
	// others are that one's.
	var open func(opts []rardecode.Option) (*rardecode.Reader, io.Closer, error)
	if head, _ := br.Peek(64); src.file != nil {
		switch volume, first := rarVolume(head); {
		case volume && !first:
			d.Problem(Problem{Path: src.display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: a later volume of a split RAR archive: read with its first volume", ErrUnsupported)})
			return nil
		case volume:
			name := src.file.Name()
			open = func(opts []rardecode.Option) (*rardecode.Reader, io.Closer, error) {
				rc, err := rardecode.OpenReader(name, opts...)
				if err != nil {
					return nil, nil, err
				}
				return &rc.Reader, rc, nil
			}
		}
	}
	var r io.Reader = br
	var file *os.File
	if open == nil && len(e.o.Passwords) > 1 {
		f, done, ok := e.archiveOnDisk(d, src, br)
		if !ok {
			return nil
		}
		defer done()
		file, r = f, f
	}
	read := 0 // members read, with any password
	for k := 0; ; k++ {
		opts := []rardecode.Option{rardecode.MaxDictionarySize(rarMaxDict)}
		if k < len(e.o.Passwords) {
			opts = append(opts, rardecode.Password(e.o.Passwords[k]))
		}
		if file != nil {
			// From the start: the file itself was read past it already.
			if _, err := file.Seek(0, io.SeekStart); err != nil {
				d.Problem(Problem{Path: src.display, Offset: -1, Err: err})
				return nil
			}
		}
		o := open
		if o == nil {
			o = func(opts []rardecode.Option) (*rardecode.Reader, io.Closer, error) {
				rr, err := rardecode.NewReader(r, opts...)
				return rr, io.NopCloser(nil), err
			}
		}
		retry, err := e.rarMembers(ctx, d, src, o, opts, &read, k+1 < len(e.o.Passwords), h)
		if !retry {
			return err
		}
	}
}

// rarMembers reads the members of one pass over the archive, from the
// read-th. It returns retry when the password failed and another may be
// tried.
func (e *Extractor) rarMembers(ctx context.Context, d Doc, src *source, open func([]rardecode.Option) (*rardecode.Reader, io.Closer, error), opts []rardecode.Option, read *int, more bool, h Handler) (retry bool, err error) {
	locked := func(name string) (bool, error) {
		if more {
			return true, nil
		}
		p, what := src.display, "RAR archive" // its names encrypted too (rar -hp)
		if name != "" {
			p, what = p+"!/"+name, "RAR member"
		}
		d.Problem(Problem{Path: p, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: %s", ErrEncrypted, lockedText(what, e.o.Passwords))})
		return false, nil
	}
	rr, closer, err := open(opts)
	switch {
	case rarLocked(err):
		return locked("") // its headers are encrypted (rar -hp)
	case err != nil:
		d.Problem(Problem{Path: src.display, Offset: -1, Err: rarError("RAR archive", err)})
		return false, nil
	}
	defer closer.Close()
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		hdr, err := rr.Next()
		switch {
		case err == io.EOF:
			return false, nil
		case rarLocked(err):
			return locked("")
		case errors.Is(err, rardecode.ErrMultiVolume):
			d.Problem(Problem{Path: src.display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: a RAR archive in several volumes (.part1.rar, .part2.rar…): what goes on in the next volume is not read", ErrUnsupported)})
			return false, nil
		case err != nil:
			err = rarError("RAR archive", err)
			d.Problem(Problem{Path: src.display, Offset: -1, Skipped: errors.Is(err, ErrLimit), Err: err})
			return false, nil
		}
		if i < *read || hdr.IsDir || hdr.LinkType != 0 {
			continue // read with an earlier password, or no data
		}
		name := path.Clean(hdr.Name)
		// An encrypted member whose password fails says so at its first
		// byte: before it is taken for a document.
		mr := bufio.NewReaderSize(rr, 4096)
		if _, err := mr.Peek(1); err != nil && err != io.EOF {
			if rarLocked(err) {
				if retry, err := locked(name); retry || err != nil {
					return retry, err
				}
				*read = i + 1
				continue
			}
			d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Err: rarError("RAR member", err)})
			*read = i + 1
			continue
		}
		size := hdr.UnPackedSize
		if hdr.UnKnownSize {
			size = -1
		}
		m := &rarMember{r: mr}
		if err := e.read(ctx, member(src, name, m, size, false), h); err != nil {
			return false, err
		}
		*read = i + 1
		if src.b.hit {
			e.limitHit(d, src)
			return false, nil
		}
		// What the reader left of the member: its checksum is checked at
		// its end. An error the document met is its own problem already.
		if m.err == nil {
			if _, err := io.Copy(io.Discard, m); err != nil {
				d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Err: err})
			}
		}
	}
}

// rarMember reads a member, naming its error once met, and keeping it.
type rarMember struct {
	r   io.Reader
	err error
}

func (m *rarMember) Read(b []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	n, err := m.r.Read(b)
	if err != nil && err != io.EOF {
		m.err = rarError("RAR member", err)
		err = m.err
	}
	return n, err
}

// rarLocked tells the errors of a missing or wrong password.
func rarLocked(err error) bool {
	return errors.Is(err, rardecode.ErrArchiveEncrypted) || errors.Is(err, rardecode.ErrArchivedFileEncrypted) || errors.Is(err, rardecode.ErrBadPassword)
}

// rarError classes an error of the decoder: a dictionary past the bound
// is left out on purpose; a split archive whose next volume is missing
// fails on the volume the decoder closed to open it; the rest is damage.
func rarError(what string, err error) error {
	switch {
	case errors.Is(err, rardecode.ErrDictionaryTooLarge):
		return fmt.Errorf("%w: the RAR dictionary is larger than %d MiB; not read", ErrLimit, rarMaxDict>>20)
	case errors.Is(err, os.ErrClosed), errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: the next volume of this split RAR archive is missing beside it: what it holds is not read", ErrSyntax)
	}
	return fmt.Errorf("%w: %s: %v", ErrSyntax, what, err)
}

// rarVolume tells from an archive's first bytes whether it is a volume
// of a split archive, and whether the first: RAR 5's main header says so
// in its archive flags (volume; a volume number, in all but the first),
// RAR 4's in its header flags (volume; first volume, RAR 3 on).
func rarVolume(head []byte) (volume, first bool) {
	switch {
	case bytes.HasPrefix(head, []byte("Rar!\x1A\x07\x01\x00")):
		p := head[8:]
		if len(p) < 4 {
			return false, false
		}
		p = p[4:] // the header's CRC
		var v [5]uint64
		for k := range v {
			x, n := binary.Uvarint(p)
			if n <= 0 {
				return false, false
			}
			v[k], p = x, p[n:]
		}
		// size, type, header flags, then an extra area's size and a data
		// size when the flags say so, then the archive flags.
		if v[1] != 1 {
			return false, false
		}
		at := 3
		if v[2]&0x0001 != 0 {
			at++
		}
		if v[2]&0x0002 != 0 {
			at++
		}
		if at >= len(v) {
			return false, false
		}
		return v[at]&0x0001 != 0, v[at]&0x0002 == 0
	case bytes.HasPrefix(head, []byte("Rar!\x1A\x07\x00")) && len(head) >= 12 && head[9] == 0x73:
		flags := binary.LittleEndian.Uint16(head[10:])
		return flags&0x0001 != 0, flags&0x0100 != 0
	}
	return false, false
}
