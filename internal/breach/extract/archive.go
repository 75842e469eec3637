package extract

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/klauspost/compress/flate"
)

// Archives are read recursively. Two limits guard against zip bombs: the
// uncompressed bytes read through one input file's archives, all levels
// together (Options.MaxArchiveBytes), and the nesting depth
// (Options.MaxDepth). What they stop is reported as skipped, never
// silently dropped.

// openZip reads a zip's directory. Its members inflate with
// klauspost/compress, which does it in two thirds of the time of the
// standard library (spreadsheets are zips), and members read one after
// the other share one inflater: its 32 KiB window and tables cost more
// than a small member's bytes.
func openZip(r io.ReaderAt, size int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	var free *inflater
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser {
		if f := free; f != nil {
			free = nil
			if rs, ok := f.ReadCloser.(flate.Resetter); ok && rs.Reset(r, nil) == nil {
				return f
			}
		}
		return &inflater{ReadCloser: flate.NewReader(r), done: func(f *inflater) { free = f }}
	})
	return zr, nil
}

// inflater hands itself back for the next member when closed.
type inflater struct {
	io.ReadCloser
	done func(*inflater)
}

func (f *inflater) Close() error {
	err := f.ReadCloser.Close()
	f.done(f)
	return err
}

func (e *Extractor) tooDeep(d Doc, src *source) bool {
	if src.depth < e.o.MaxDepth {
		return false
	}
	d.Problem(Problem{Path: src.display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: more than %d levels; not opened", ErrDepth, e.o.MaxDepth)})
	return true
}

func (e *Extractor) limitHit(d Doc, src *source) {
	d.Problem(Problem{Path: src.display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: %d uncompressed bytes read; the rest of the archive is not scanned", ErrLimit, src.b.limit)})
}

// zipSource reads the members of a zip archive, or reads it as a
// workbook when its parts say it is one, whatever its name.
func (e *Extractor) zipSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	if src.depth >= e.o.MaxDepth {
		d := h.Begin(src.display, FormatZip)
		e.tooDeep(d, src)
		d.End(max(src.size, 0))
		return nil
	}
	f, done, err := e.onDisk(src, br)
	if err != nil {
		d := h.Begin(src.display, FormatZip)
		if errors.Is(err, ErrLimit) {
			e.limitHit(d, src)
		} else {
			d.Problem(Problem{Path: src.display, Offset: -1, Err: err})
		}
		d.End(max(src.size, 0))
		return nil
	}
	defer done()
	st, err := f.Stat()
	var zr *zip.Reader
	if err == nil {
		if zr, err = openZip(f, st.Size()); err != nil {
			err = fmt.Errorf("%w: %v", ErrSyntax, err)
		}
	}
	if zr != nil {
		if kind := officeKind(zr); kind != FormatZip {
			d := h.Begin(src.display, kind)
			return e.endDoc(d, src, st.Size(), e.readOffice(ctx, f, st.Size(), d, src, kind, h))
		}
	}
	d := h.Begin(src.display, FormatZip)
	defer func() { d.End(max(src.size, 0)) }()
	if err != nil {
		d.Problem(Problem{Path: src.display, Offset: -1, Err: err})
		return nil
	}
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if zf.FileInfo().IsDir() || strings.HasSuffix(zf.Name, "/") {
			continue
		}
		if err := e.zipMember(ctx, d, src, zr, zf, h); errors.Is(err, ErrLimit) {
			e.limitHit(d, src)
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// zipMember reads a member of a zip (an archive's, a document's
// embedded file) as a document of its own. It returns ErrLimit once the
// archive's budget is spent.
func (e *Extractor) zipMember(ctx context.Context, d Doc, src *source, zr *zip.Reader, zf *zip.File, h Handler) error {
	if zf.UncompressedSize64 > uint64(src.b.left) {
		src.b.hit = true
		return ErrLimit
	}
	var r io.Reader
	if zf.Flags&1 != 0 {
		var err error
		if r, err = openEncrypted(zf, e.o.Passwords); err != nil {
			d.Problem(Problem{Path: src.display + "!/" + zf.Name, Offset: -1, Skipped: errors.Is(err, ErrEncrypted) || errors.Is(err, errMethod), Err: err})
			return nil
		}
	} else {
		rc, err := zf.Open()
		if err != nil {
			d.Problem(Problem{Path: src.display + "!/" + zf.Name, Offset: -1, Err: err})
			return nil
		}
		defer rc.Close()
		r = rc
	}
	m := member(src, zf.Name, r, int64(zf.UncompressedSize64), false)
	m.zip = zr
	err := e.read(ctx, m, h)
	if err != nil {
		return err
	}
	if src.b.hit {
		return ErrLimit
	}
	return nil
}

// officeKind tells an office document from its parts: an OOXML one has
// a content types part and its main part (xl/workbook.xml or .bin,
// word/document.xml, ppt/presentation.xml), an ODF one a first member
// "mimetype" that says so. Other zips are FormatZip.
func officeKind(zr *zip.Reader) Format {
	types := false
	kind := FormatZip
	for _, zf := range zr.File {
		switch strings.ToLower(zf.Name) {
		case "[content_types].xml":
			types = true
		case "xl/workbook.xml":
			kind = FormatXLSX
		case "xl/workbook.bin":
			kind = FormatXLSB
		case "word/document.xml":
			kind = FormatDOCX
		case "ppt/presentation.xml":
			kind = FormatPPTX
		}
	}
	if types && kind != FormatZip {
		return kind
	}
	if len(zr.File) > 0 && zr.File[0].Name == "mimetype" && zr.File[0].UncompressedSize64 < 128 {
		if rc, err := zr.File[0].Open(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 128))
			rc.Close()
			switch strings.TrimSpace(string(b)) {
			case "application/vnd.oasis.opendocument.spreadsheet":
				return FormatODS
			case "application/vnd.oasis.opendocument.text":
				return FormatODT
			case "application/vnd.oasis.opendocument.presentation":
				return FormatODP
			}
		}
	}
	return FormatZip
}

// tar reads the regular files of a tar stream.
func (e *Extractor) tar(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatTar)
	defer func() { d.End(max(src.size, 0)) }()
	if e.tooDeep(d, src) {
		return nil
	}
	tr := tar.NewReader(br)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrLimit) {
				e.limitHit(d, src)
			} else {
				d.Problem(Problem{Path: src.display, Offset: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, err)})
			}
			return nil
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != '\x00' {
			continue
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if err := e.read(ctx, member(src, name, tr, hdr.Size, src.counted), h); err != nil {
			return err
		}
		if src.b.hit {
			e.limitHit(d, src)
			return nil
		}
	}
}

// office reads an office document named as one: a workbook, a
// word-processing document or a presentation.
func (e *Extractor) office(ctx context.Context, src *source, br *bufio.Reader, h Handler, f Format) error {
	d := h.Begin(src.display, f)
	file, done, err := e.onDisk(src, br)
	if err != nil {
		return e.endDoc(d, src, 0, err)
	}
	defer done()
	st, _ := file.Stat()
	return e.endDoc(d, src, st.Size(), e.readOffice(ctx, file, st.Size(), d, src, f, h))
}

func (e *Extractor) readOffice(ctx context.Context, file *os.File, size int64, d Doc, src *source, f Format, h Handler) error {
	switch f {
	case FormatXLSX:
		return e.readXLSX(ctx, file, size, d, src, false)
	case FormatXLSB:
		return e.readXLSX(ctx, file, size, d, src, true)
	case FormatODS:
		return e.readODS(ctx, file, size, d, src)
	}
	return e.readDocument(ctx, file, size, d, src, f, h)
}
