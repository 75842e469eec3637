package extract

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"

	"tocsin/internal/breach/extract/inflate64"
	"tocsin/internal/lzma"
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
	// Deflate64, which Windows' compressed folders write for large
	// files, and the other methods 7-Zip and WinZip write when asked:
	// bzip2, LZMA, xz, Zstandard.
	zr.RegisterDecompressor(zipDeflate64, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(&errPrefix{r: inflate64.NewReader(r), what: "Deflate64"})
	})
	zr.RegisterDecompressor(zipBZip2, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(&errPrefix{r: bzip2.NewReader(r), what: "bzip2"})
	})
	zr.RegisterDecompressor(zipLZMA, zipLZMAReader)
	zr.RegisterDecompressor(zipXZ, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(xzStream(r))
	})
	zr.RegisterDecompressor(zipZstd, func(r io.Reader) io.ReadCloser {
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(compressedMaxWindow))
		if err != nil {
			return io.NopCloser(errReader{fmt.Errorf("%w: zstd: %v", ErrSyntax, err)})
		}
		return &zstdCloser{errPrefix{r: z, what: "zstd"}, z}
	})
	return zr, nil
}

// zstdCloser frees a zstd decoder when its member is read.
type zstdCloser struct {
	errPrefix
	z *zstd.Decoder
}

func (c *zstdCloser) Close() error {
	c.z.Close()
	return nil
}

// Zip's method numbers beyond store and deflate (APPNOTE 4.4.5).
const (
	zipDeflate64 = 9
	zipBZip2     = 12
	zipLZMA      = 14
	zipZstd      = 93
	zipXZ        = 95
)

// zipMethodName names a zip method no reader is registered for.
func zipMethodName(m uint16) string {
	switch m {
	case 98:
		return "PPMd"
	}
	return fmt.Sprintf("method %d", m)
}

// zipLZMAReader reads a zip member packed with LZMA (APPNOTE 5.8): a
// version, the size of the properties, the properties, then the stream,
// ended by its end marker. The dictionary it declares is bounded.
func zipLZMAReader(r io.Reader) io.ReadCloser {
	var h [9]byte
	if _, err := io.ReadFull(r, h[:]); err != nil || binary.LittleEndian.Uint16(h[2:]) != 5 {
		return io.NopCloser(errReader{fmt.Errorf("%w: a zip LZMA member without its properties", ErrSyntax)})
	}
	dict := binary.LittleEndian.Uint32(h[5:])
	if dict > sevenZipMaxDict {
		return io.NopCloser(errReader{fmt.Errorf("%w: the zip LZMA dictionary needs %d MiB, more than the %d MiB bound; not read", ErrLimit, (uint64(dict)+1<<20-1)>>20, sevenZipMaxDict>>20)})
	}
	props, err := lzma.ParseProps(h[4])
	if err != nil {
		return io.NopCloser(errReader{fmt.Errorf("%w: zip LZMA: %v", ErrSyntax, err)})
	}
	// The size is the member's, which the zip reader bounds; the stream
	// may end with its end marker before.
	lr, err := lzma.NewReader(r, props, int(dict), -1)
	if err != nil {
		return io.NopCloser(errReader{fmt.Errorf("%w: zip LZMA: %v", ErrSyntax, err)})
	}
	return io.NopCloser(&errPrefix{r: lr, what: "LZMA"})
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
		if errors.Is(err, zip.ErrAlgorithm) {
			err = fmt.Errorf("%w: a zip member compressed with %s; not read", errMethod, zipMethodName(zf.Method))
		}
		if err != nil {
			d.Problem(Problem{Path: src.display + "!/" + zf.Name, Offset: -1, Skipped: errors.Is(err, errMethod), Err: err})
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

// tar reads the regular files of a tar stream. A dBASE table with memo
// fields waits, spooled, for its memo file when that comes later in the
// stream, and a mysqldump --tab data file for its script (tarTables).
func (e *Extractor) tar(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatTar)
	defer func() { d.End(max(src.size, 0)) }()
	if e.tooDeep(d, src) {
		return nil
	}
	tt := &tarTables{memos: map[string]*tarFile{}, mysqlCols: map[string][]string{}}
	defer tt.close()
	tr := tar.NewReader(br)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return tt.end(ctx, e, src, h)
		}
		if err != nil {
			if errors.Is(err, ErrLimit) {
				e.limitHit(d, src)
			} else {
				d.Problem(Problem{Path: src.display, Offset: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, err)})
			}
			return tt.end(ctx, e, src, h)
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != '\x00' {
			continue
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		// pg_dump -Ft: toc.dat first, which names the tables of the
		// NNNN.dat members that follow.
		var r io.Reader = tr
		if path.Base(name) == "toc.dat" && tt.pgCopy == nil {
			br := bufio.NewReaderSize(tr, 64<<10)
			if head, _ := br.Peek(len(pgDumpMagic)); bytes.Equal(head, pgDumpMagic) {
				tt.pgCopy = pgDataFiles(tarLimited(src, br)) // none if broken: the data files are text
				continue
			}
			r = br
		}
		// mysqldump --tab: NAME.sql, then NAME.txt (in the order of the
		// names) read under the columns the script creates.
		ext := strings.ToLower(path.Ext(name))
		counted := src.counted
		if ext == ".sql" && hdr.Size <= mysqlTabMaxDefinition {
			script, err := io.ReadAll(tarLimited(src, tr))
			if err != nil && !errors.Is(err, ErrLimit) {
				return err
			}
			for table, cols := range e.sqlCreateColumns(ctx, script) {
				tt.mysqlCols[path.Join(path.Dir(name), table)] = cols
			}
			r, counted = bytes.NewReader(script), true // its bytes are counted
			// The data files that came before their script.
			if err := tt.readTabData(ctx, e, src, h, false); err != nil {
				return err
			}
		}
		cols := tt.mysqlCols[strings.TrimSuffix(name, path.Ext(name))]
		if ext == ".txt" && cols == nil && tt.held+hdr.Size <= min(tabHoldMax, e.o.MaxArchiveBytes/4) {
			// Maybe a data file whose script comes later (tar writes a
			// folder in the order the file system lists it): one with
			// tabs waits, spooled, for it.
			br := bufio.NewReaderSize(r, 64<<10)
			line, _ := br.Peek(min(4096, int(max(hdr.Size, 0))))
			if i := bytes.IndexByte(line, '\n'); i >= 0 {
				line = line[:i]
			}
			if bytes.IndexByte(line, '\t') >= 0 {
				f, done, err := e.spool(src, tarLimited(src, br))
				if err != nil {
					if err := tarSpoolProblem(h, src, name, err); err != nil {
						return err
					}
				} else {
					tt.tabData = append(tt.tabData, &tarFile{f: f, done: done, name: name, size: hdr.Size})
					tt.held += hdr.Size
				}
				if src.b.hit {
					e.limitHit(d, src)
					return nil
				}
				continue
			}
			r = br
		}
		if id, comp, ok := pgDataID(name); ok && tt.pgCopy[id] != "" {
			m := member(src, name, r, hdr.Size, src.counted)
			if err := e.pgDirData(ctx, m, bufio.NewReaderSize(m.r, 64<<10), h, tt.pgCopy[id], comp); err != nil {
				return err
			}
		} else if ext == ".txt" && cols != nil {
			m := member(src, name, r, hdr.Size, src.counted)
			if err := e.mysqlTabData(ctx, m, bufio.NewReaderSize(m.r, 64<<10), h, path.Base(strings.TrimSuffix(name, path.Ext(name))), cols); err != nil {
				return err
			}
		} else if done, err := tt.member(ctx, e, src, name, r, hdr.Size, h); done || err != nil {
			if err != nil {
				return err
			}
		} else if err := e.read(ctx, member(src, name, r, hdr.Size, counted), h); err != nil {
			return err
		}
		if src.b.hit {
			e.limitHit(d, src)
			return nil
		}
	}
}

// tarTables pairs the dBASE tables of a tar with their memo files,
// which may come before or after them: the memo files are spooled as
// they come, and a table with memo fields whose memo file has not come
// yet is spooled until it does, or until the end of the stream. It pairs
// mysqldump --tab's data files with their scripts the same way.
type tarTables struct {
	memos   map[string]*tarFile // by folder and name without extension, lower case
	pending []*tarFile          // tables waiting for their memo file
	pgCopy  map[int64]string    // a pg_dump -Ft's COPY statements (pgDataFiles)
	// mysqldump --tab's tables, by folder and name: their columns
	mysqlCols map[string][]string
	tabData   []*tarFile // .txt files with tabs whose script has not come
	held      int64      // their bytes
}

// tabHoldMax bounds the bytes of .txt files a tar holds on disk waiting
// for their script, with a quarter of what the input may expand to: past
// it, they are read as text, as they come (a tarball of tab-separated
// logs named .txt is not all spooled).
const tabHoldMax = 256 << 20

type tarFile struct {
	f     *os.File
	done  func()
	name  string // in the tar
	size  int64
	table string // of a memo file: the table that read it
}

func tarKey(name string) string { return strings.ToLower(strings.TrimSuffix(name, path.Ext(name))) }

// member takes a memo file or a table with memo fields; done tells that
// it was taken (read, or kept for later).
func (tt *tarTables) member(ctx context.Context, e *Extractor, src *source, name string, r io.Reader, size int64, h Handler) (bool, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".dbt", ".fpt":
		f, done, err := e.spool(src, tarLimited(src, r))
		if err != nil {
			return true, tarSpoolProblem(h, src, name, err)
		}
		key := tarKey(name)
		tt.memos[key] = &tarFile{f: f, done: done, name: name, size: size}
		for i, t := range tt.pending {
			if tarKey(t.name) == key {
				tt.pending = append(tt.pending[:i], tt.pending[i+1:]...)
				defer t.done()
				return true, tt.read(ctx, e, src, t, h)
			}
		}
		return true, nil
	case ".dbf":
		if m := tt.memos[tarKey(name)]; m != nil {
			m.table = path.Base(name)
			return true, e.read(ctx, tt.source(src, name, r, size, m), h)
		}
		br := bufio.NewReaderSize(r, 64<<10)
		head, _ := br.Peek(64 << 10)
		if hd, ok := parseDBFHeader(head); !ok || !slices.ContainsFunc(hd.fields, func(f dbfField) bool { return f.typ == 'M' }) {
			return true, e.read(ctx, member(src, name, br, size, src.counted), h)
		}
		f, done, err := e.spool(src, tarLimited(src, br))
		if err != nil {
			return true, tarSpoolProblem(h, src, name, err)
		}
		tt.pending = append(tt.pending, &tarFile{f: f, done: done, name: name, size: size})
		return true, nil
	}
	return false, nil
}

// read reads a table spooled, with its memo file if it came.
func (tt *tarTables) read(ctx context.Context, e *Extractor, src *source, t *tarFile, h Handler) error {
	m := tt.memos[tarKey(t.name)]
	if m != nil {
		m.table = path.Base(t.name)
	}
	return e.read(ctx, tt.source(src, t.name, t.f, t.size, m), h)
}

// source is the member of a table, its memo file attached; the bytes
// were counted when spooled, or are counted as read.
func (tt *tarTables) source(src *source, name string, r io.Reader, size int64, memo *tarFile) *source {
	_, spooled := r.(*os.File)
	m := member(src, name, r, size, src.counted || spooled)
	if memo != nil {
		m.memo = &dbfMemoFile{f: memo.f, name: path.Base(memo.name)}
	}
	return m
}

// readTabData reads the .txt files spooled whose script has come, as
// their tables; at the end of the tar, all the others as files alone.
func (tt *tarTables) readTabData(ctx context.Context, e *Extractor, src *source, h Handler, end bool) error {
	left := tt.tabData[:0]
	for i, t := range tt.tabData {
		key := strings.TrimSuffix(t.name, path.Ext(t.name))
		cols := tt.mysqlCols[key]
		var err error
		switch {
		case cols != nil:
			m := member(src, t.name, t.f, t.size, true)
			err = e.mysqlTabData(ctx, m, bufio.NewReaderSize(t.f, 64<<10), h, path.Base(key), cols)
		case end:
			err = e.read(ctx, member(src, t.name, t.f, t.size, true), h)
		default:
			left = append(left, t)
			continue
		}
		t.done()
		tt.held -= t.size
		if err != nil {
			tt.tabData = append(left, tt.tabData[i+1:]...)
			return err
		}
	}
	tt.tabData = left
	return nil
}

// end reads the tables whose memo file never came, and says of each memo
// file which table read it.
func (tt *tarTables) end(ctx context.Context, e *Extractor, src *source, h Handler) error {
	if err := tt.readTabData(ctx, e, src, h, true); err != nil {
		return err
	}
	for _, t := range tt.pending {
		if err := tt.read(ctx, e, src, t, h); err != nil {
			return err
		}
	}
	for _, key := range slices.Sorted(maps.Keys(tt.memos)) { // in a stable order
		m := tt.memos[key]
		s := member(src, m.name, m.f, m.size, true)
		s.memoOf = m.table
		if _, err := m.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if err := e.read(ctx, s, h); err != nil {
			return err
		}
	}
	return nil
}

func (tt *tarTables) close() {
	for _, t := range tt.pending {
		t.done()
	}
	for _, t := range tt.tabData {
		t.done()
	}
	for _, m := range tt.memos {
		m.done()
	}
}

// tarLimited counts a member's bytes against the budget, unless the tar
// is itself read through a counted stream.
func tarLimited(src *source, r io.Reader) io.Reader {
	if src.counted {
		return r
	}
	return &limited{r: r, b: src.b}
}

func tarSpoolProblem(h Handler, src *source, name string, err error) error {
	if errors.Is(err, ErrLimit) {
		return nil // the tar's loop reports the budget spent
	}
	d := h.Begin(src.display+"!/"+name, FormatUnknown)
	d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Err: err})
	d.End(0)
	return nil
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
