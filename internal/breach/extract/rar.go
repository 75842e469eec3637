package extract

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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
	var r io.Reader = br
	var file *os.File
	if len(e.o.Passwords) > 1 {
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
		retry, err := e.rarMembers(ctx, d, src, r, opts, &read, k+1 < len(e.o.Passwords), h)
		if !retry {
			return err
		}
	}
}

// rarMembers reads the members of one pass over the archive, from the
// read-th. It returns retry when the password failed and another may be
// tried.
func (e *Extractor) rarMembers(ctx context.Context, d Doc, src *source, r io.Reader, opts []rardecode.Option, read *int, more bool, h Handler) (retry bool, err error) {
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
	rr, err := rardecode.NewReader(r, opts...)
	switch {
	case rarLocked(err):
		return locked("") // its headers are encrypted (rar -hp)
	case err != nil:
		d.Problem(Problem{Path: src.display, Offset: -1, Err: rarError(err)})
		return false, nil
	}
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
			err = rarError(err)
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
			d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Err: rarError(err)})
			*read = i + 1
			continue
		}
		size := hdr.UnPackedSize
		if hdr.UnKnownSize {
			size = -1
		}
		m := &errPrefix{r: mr, what: "RAR member"}
		if err := e.read(ctx, member(src, name, m, size, false), h); err != nil {
			return false, err
		}
		*read = i + 1
		if src.b.hit {
			e.limitHit(d, src)
			return false, nil
		}
		// What the reader left of the member: its checksum is checked at
		// its end.
		if _, err := io.Copy(io.Discard, m); err != nil {
			d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Err: err})
		}
	}
}

// rarLocked tells the errors of a missing or wrong password.
func rarLocked(err error) bool {
	return errors.Is(err, rardecode.ErrArchiveEncrypted) || errors.Is(err, rardecode.ErrArchivedFileEncrypted) || errors.Is(err, rardecode.ErrBadPassword)
}

// rarError classes an error of the decoder: a dictionary past the bound
// is left out on purpose, the rest is damage.
func rarError(err error) error {
	if errors.Is(err, rardecode.ErrDictionaryTooLarge) {
		return fmt.Errorf("%w: the RAR dictionary is larger than %d MiB; not read", ErrLimit, rarMaxDict>>20)
	}
	return fmt.Errorf("%w: RAR archive: %v", ErrSyntax, err)
}
