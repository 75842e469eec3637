package extract

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// pg_dump's custom format (pg_dump -Fc, the usual PostgreSQL backup, a
// .dump file) is read after PostgreSQL's pg_backup_archiver.c and
// pg_backup_custom.c: a header ("PGDMP", the archive version, the sizes
// of integers and offsets, the compression), the table of contents, then
// a block of data for each table, its COPY text cut in chunks, compressed
// as a whole (zlib, LZ4 frames, zstd, or none). Each table's data is read as the
// COPY block of a plain SQL dump, named and with the columns its TOC
// entry's COPY statement gives: the same reader, the same tables.
//
// Integers are a sign byte then intSize bytes, little-endian; a string
// is its length (an integer, -1 for none) then its bytes.

var pgDumpMagic = []byte("PGDMP")

// Bounds on what the archive declares: a TOC entry's strings (a
// function's definition may be long) and one compressed chunk.
const (
	pgDumpMaxString = 64 << 20
	pgDumpMaxChunk  = 1 << 30
	pgDumpMaxTOC    = 1 << 20
)

// pgDump compression algorithms (archive version 1.15 on; before it, a
// level: 0 none, else zlib).
const (
	pgCompressNone = 0
	pgCompressGzip = 1
	pgCompressLZ4  = 2
	pgCompressZstd = 3
)

// pg_dump's formats, as the header says: the custom format (-Fc) holds
// the data; the TOC of the tar (-Ft) and directory (-Fd) formats, toc.dat,
// names the files that do. pg_dump writes the tar's code in a directory's
// toc.dat too (the two are compatible): either is taken.
const (
	pgFormatCustom    = 1
	pgFormatTar       = 3
	pgFormatDirectory = 5
)

// Block types of the custom format.
const (
	pgBlockData  = 1
	pgBlockBlobs = 3
)

func (e *Extractor) pgDumpSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatPGDump)
	cr := &countReader{r: br}
	// A large object (lo_import: a scan, a letter) is a document of its
	// own, read by its format.
	blob := func(oid int64, r io.Reader) error {
		if e.tooDeep(d, src) {
			return nil
		}
		return e.read(ctx, member(src, fmt.Sprintf("large object %d", oid), r, -1, false), h)
	}
	err := readPGDump(ctx, bufio.NewReaderSize(cr, 64<<10), d, e.o, src.display, blob)
	return e.endDoc(d, src, cr.n, err)
}

// pgArchive reads the framing of a custom-format archive.
type pgArchive struct {
	r        *bufio.Reader
	intSize  int
	offSize  int
	version  int // major<<16 | minor<<8 | revision
	format   int // pgFormat*
	compress int // pgCompress*
	copyStmt map[int64]string
	err      error
	blob     func(oid int64, r io.Reader) error
}

func pgVersion(maj, min, rev int) int { return maj<<16 | min<<8 | rev }

func (a *pgArchive) fail(format string, args ...any) {
	if a.err == nil {
		a.err = fmt.Errorf("%w: pg_dump archive: "+format, append([]any{ErrSyntax}, args...)...)
	}
}

func (a *pgArchive) byte() int {
	if a.err != nil {
		return 0
	}
	b, err := a.r.ReadByte()
	if err != nil {
		a.fail("it ends early")
		return 0
	}
	return int(b)
}

func (a *pgArchive) int() int64 {
	sign := a.byte()
	var v uint64
	for i := 0; i < a.intSize; i++ {
		v |= uint64(a.byte()) << (8 * i)
	}
	if a.err != nil {
		return 0
	}
	if v > 1<<62 {
		a.fail("an integer out of range")
		return 0
	}
	if sign != 0 {
		return -int64(v)
	}
	return int64(v)
}

// str reads a string; ok false for none (-1). The buffer grows as the
// bytes come, not to the length the archive declares.
func (a *pgArchive) str() (s string, ok bool) {
	n, ok := a.strLen()
	if !ok {
		return "", false
	}
	var b strings.Builder
	if _, err := io.CopyN(&b, a.r, n); err != nil {
		a.fail("it ends inside a string")
		return "", false
	}
	return b.String(), true
}

// skip passes over a string; ok false for none.
func (a *pgArchive) skip() (ok bool) {
	n, ok := a.strLen()
	if ok {
		if _, err := a.r.Discard(int(n)); err != nil {
			a.fail("it ends inside a string")
			return false
		}
	}
	return ok
}

// strLen reads a string's length; ok false for none.
func (a *pgArchive) strLen() (int64, bool) {
	n := a.int()
	switch {
	case a.err != nil || n == -1:
		return 0, false
	case n < 0 || n > pgDumpMaxString:
		a.fail("a string of %d bytes", n)
		return 0, false
	}
	return n, true
}

// readPGDump reads an archive; blob, if not nil, reads each large object.
func readPGDump(ctx context.Context, r *bufio.Reader, d Doc, o Options, display string, blob func(oid int64, r io.Reader) error) error {
	a := &pgArchive{r: r, copyStmt: map[int64]string{}, blob: blob}
	if err := a.header(); err != nil {
		return err
	}
	if err := a.toc(); err != nil {
		return err
	}
	if a.format != pgFormatCustom {
		return nil // toc.dat: the data is in the files it names (pgDirData)
	}
	// Each table's data, its COPY statement before it and its end mark
	// after, read as a COPY block of a plain dump, whose rows are
	// numbered from 1 (the statement is line 0).
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		block, err := a.nextBlock()
		if err != nil {
			return err
		}
		if block == nil {
			break
		}
		err = readSQLTuples(ctx, block, d, o, display, false, false, 0)
		if _, derr := io.Copy(io.Discard, block); err == nil {
			err = derr // what the reader left: the next block comes after
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// header reads the archive's header, up to its TOC.
func (a *pgArchive) header() error {
	magic := make([]byte, 5)
	if _, err := io.ReadFull(a.r, magic); err != nil || !bytes.Equal(magic, pgDumpMagic) {
		return fmt.Errorf("%w: no pg_dump archive magic", ErrSyntax)
	}
	maj, min, rev := a.byte(), a.byte(), a.byte()
	a.version = pgVersion(maj, min, rev)
	a.intSize = a.byte()
	if a.err == nil && (a.version < pgVersion(1, 10, 0) || maj > 1) {
		return fmt.Errorf("%w: pg_dump archive version %d.%d.%d (1.10 to 1.16 are read)", ErrUnsupported, maj, min, rev)
	}
	if a.err == nil && (a.intSize < 1 || a.intSize > 8) {
		a.fail("integers of %d bytes", a.intSize)
	}
	a.offSize = a.byte()
	if a.err == nil && (a.offSize < 1 || a.offSize > 8) {
		a.fail("offsets of %d bytes", a.offSize)
	}
	a.format = a.byte()
	if a.err == nil && a.format != pgFormatCustom && a.format != pgFormatDirectory && a.format != pgFormatTar {
		return fmt.Errorf("%w: a pg_dump archive of format %d", ErrUnsupported, a.format)
	}
	if a.version >= pgVersion(1, 15, 0) {
		a.compress = a.byte()
	} else if level := a.int(); level != 0 {
		a.compress = pgCompressGzip
	}
	for range 7 { // the dump's time
		a.int()
	}
	a.skip() // database
	a.skip() // server version
	a.skip() // pg_dump version
	return a.err
}

// toc reads the table of contents, keeping each table's COPY statement.
func (a *pgArchive) toc() error {
	n := a.int()
	if a.err == nil && (n < 0 || n > pgDumpMaxTOC) {
		a.fail("%d TOC entries", n)
	}
	for i := int64(0); i < n && a.err == nil; i++ {
		id := a.int()
		a.int()  // hadDumper
		a.skip() // table oid
		a.skip() // oid
		a.skip() // tag
		a.skip() // desc
		a.int()  // section
		a.skip() // definition
		a.skip() // drop statement
		copyStmt, ok := a.str()
		a.skip() // namespace
		a.skip() // tablespace
		if a.version >= pgVersion(1, 14, 0) {
			a.skip() // table access method
		}
		if a.version >= pgVersion(1, 16, 0) {
			a.int() // relkind
		}
		a.skip() // owner
		a.skip() // "false": no OIDs
		for k := 0; a.err == nil; k++ {
			if !a.skip() {
				break // the dependencies end with none
			}
			if k > pgDumpMaxTOC {
				a.fail("an entry of too many dependencies")
			}
		}
		if a.format == pgFormatCustom {
			a.byte() // data state
			for range a.offSize {
				a.byte() // data offset
			}
		} else {
			a.skip() // the data file's name
		}
		if ok && a.err == nil {
			a.copyStmt[id] = copyStmt
		}
	}
	return a.err
}

// nextBlock returns the next table's data as a COPY block of a plain
// dump, or nil at the end; the data of what is no table (a sequence's
// value) and large objects are skipped.
func (a *pgArchive) nextBlock() (io.Reader, error) {
	for {
		typ, err := a.r.ReadByte()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		id := a.int()
		if a.err != nil {
			return nil, a.err
		}
		switch typ {
		case pgBlockData:
		case pgBlockBlobs:
			if err := a.blobs(); err != nil {
				return nil, err
			}
			continue
		default:
			a.fail("a block of type %d", typ)
			return nil, a.err
		}
		chunks := &pgChunks{a: a}
		stmt, ok := a.copyStmt[id]
		if !ok {
			if _, err := io.Copy(io.Discard, chunks); err != nil {
				return nil, err
			}
			continue
		}
		data, err := a.data(chunks)
		if err != nil {
			return nil, err
		}
		return io.MultiReader(strings.NewReader(stmt), data, strings.NewReader("\\.\n")), nil
	}
}

// data is what chunks hold, decompressed, then their rest: a compressed
// stream ends before its chunks' end mark, which the next block follows.
func (a *pgArchive) data(chunks *pgChunks) (io.Reader, error) {
	var data io.Reader
	switch a.compress {
	case pgCompressNone:
		data = chunks
	case pgCompressGzip:
		z, err := zlib.NewReader(chunks)
		if err != nil {
			a.fail("%v", err)
			return nil, a.err
		}
		data = z
	case pgCompressZstd:
		z, err := zstd.NewReader(chunks, zstd.WithDecoderMaxWindow(compressedMaxWindow), zstd.WithDecoderConcurrency(1))
		if err != nil {
			a.fail("%v", err)
			return nil, a.err
		}
		data = z.IOReadCloser()
	case pgCompressLZ4:
		data = lz4Reader{lz4.NewReader(chunks)}
	default:
		a.fail("compression method %d", a.compress)
		return nil, a.err
	}
	rest := readerFunc(func([]byte) (int, error) {
		if _, err := io.Copy(io.Discard, chunks); err != nil {
			return 0, err
		}
		return 0, io.EOF
	})
	return io.MultiReader(&pgDataErr{r: data, a: a}, rest), nil
}

// pgDataErr names a decompressor's error; the archive's own is already
// named.
type pgDataErr struct {
	r io.Reader
	a *pgArchive
}

func (p *pgDataErr) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	switch {
	case err == nil || err == io.EOF:
	case p.a.err != nil:
		err = p.a.err
	case errors.Is(err, ErrSyntax): // named already (lz4Reader)
	default:
		err = fmt.Errorf("%w: pg_dump data: %v", ErrSyntax, err)
	}
	return n, err
}

// blobs reads a block of large objects: an OID, its data chunks, until
// an OID of 0. Each goes to a.blob, whatever it leaves is skipped.
func (a *pgArchive) blobs() error {
	for a.err == nil {
		oid := a.int()
		if oid == 0 || a.err != nil {
			break
		}
		r, err := a.data(&pgChunks{a: a})
		if err != nil {
			return err
		}
		if a.blob != nil {
			if err := a.blob(oid, r); err != nil {
				return err
			}
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	}
	return a.err
}

// pgChunks reads a block's chunks, each its length then its bytes, until
// a length of 0.
type pgChunks struct {
	a    *pgArchive
	left int64
	end  bool
}

func (c *pgChunks) Read(b []byte) (int, error) {
	for c.left == 0 {
		if c.end {
			return 0, io.EOF
		}
		n := c.a.int()
		switch {
		case c.a.err != nil:
			return 0, c.a.err
		case n == 0:
			c.end = true
			return 0, io.EOF
		case n < 0 || n > pgDumpMaxChunk:
			c.a.fail("a chunk of %d bytes", n)
			return 0, c.a.err
		}
		c.left = n
	}
	if int64(len(b)) > c.left {
		b = b[:c.left]
	}
	n, err := c.a.r.Read(b)
	c.left -= int64(n)
	if err == io.EOF && c.left > 0 {
		c.a.fail("it ends inside a chunk")
		return n, c.a.err
	}
	return n, nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

// pg_dump's directory format (-Fd, and -j for a parallel dump) keeps the
// TOC in toc.dat and each table's data in a file of its own, NNNN.dat,
// gzipped by default (NNNN.dat.gz). A data file beside its toc.dat is
// read as its table's COPY block, with the columns the TOC names.

// pgTOCs are the COPY statements of the directory dumps met, by the path
// of their toc.dat: read once for all the data files beside it.
type pgTOCs struct {
	mu sync.Mutex
	m  map[string]map[int64]string
}

// pgTOCsMax bounds the dumps remembered.
const pgTOCsMax = 64

// copyStmts returns the COPY statements of the dump whose TOC is at p,
// nil if p is no directory dump's TOC.
func (c *pgTOCs) copyStmts(p string) map[int64]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.m[p]; ok {
		return m
	}
	var m map[int64]string
	if f, err := os.Open(p); err == nil {
		m = pgDataFiles(f)
		f.Close()
	}
	if c.m == nil || len(c.m) >= pgTOCsMax {
		c.m = map[string]map[int64]string{}
	}
	c.m[p] = m
	return m
}

// pgDataFiles reads a toc.dat: the COPY statements of the tables whose
// data is in files of their own, by dump id; nil if r is no such TOC.
func pgDataFiles(r io.Reader) map[int64]string {
	a := &pgArchive{r: bufio.NewReaderSize(r, 64<<10), copyStmt: map[int64]string{}}
	if a.header() != nil || a.format == pgFormatCustom || a.toc() != nil {
		return nil
	}
	return a.copyStmt
}

// pgDataID is the dump id of a data file's name (NNNN.dat, or NNNN.dat
// compressed: .gz by default, .lz4 or .zst as --compress chooses) and
// the compressed format, FormatUnknown for none; ok false for another
// name.
func pgDataID(name string) (id int64, comp Format, ok bool) {
	name = path.Base(name)
	for _, c := range [...]struct {
		suffix string
		f      Format
	}{{".gz", FormatGzip}, {".lz4", FormatLZ4}, {".zst", FormatZstd}} {
		if n, cut := strings.CutSuffix(name, c.suffix); cut {
			name, comp = n, c.f
			break
		}
	}
	digits, dat := strings.CutSuffix(name, ".dat")
	if !dat || digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, FormatUnknown, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	return id, comp, err == nil
}

// pgDirStmt returns the COPY statement of a directory dump's data file,
// if src is one: NNNN.dat (or compressed) on disk, beside a toc.dat that
// names NNNN.
func (e *Extractor) pgDirStmt(src *source) (stmt string, comp Format, ok bool) {
	if src.file == nil {
		return "", FormatUnknown, false
	}
	id, comp, ok := pgDataID(src.name)
	if !ok {
		return "", FormatUnknown, false
	}
	stmt, ok = e.pgTOCs.copyStmts(filepath.Join(filepath.Dir(src.file.Name()), "toc.dat"))[id]
	return stmt, comp, ok
}

// pgDirData reads a data file of a directory dump as its table.
func (e *Extractor) pgDirData(ctx context.Context, src *source, br *bufio.Reader, h Handler, stmt string, comp Format) error {
	d := h.Begin(src.display, FormatPGDump)
	cr := &countReader{r: br}
	var data io.Reader = cr
	switch comp {
	case FormatGzip:
		z, err := gzip.NewReader(cr)
		if err != nil {
			return e.endDoc(d, src, cr.n, fmt.Errorf("%w: %v", ErrSyntax, err))
		}
		data = &errPrefix{r: z, what: "gzip stream"}
	case FormatLZ4:
		data = lz4Reader{lz4.NewReader(cr)}
	case FormatZstd:
		z, err := zstd.NewReader(cr, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(compressedMaxWindow))
		if err != nil {
			return e.endDoc(d, src, cr.n, fmt.Errorf("%w: zstd: %v", ErrSyntax, err))
		}
		defer z.Close()
		data = &errPrefix{r: z, what: "zstd"}
	}
	err := readSQLTuples(ctx, io.MultiReader(strings.NewReader(stmt), data, strings.NewReader("\\.\n")), d, e.o, src.display, false, false, 0)
	return e.endDoc(d, src, cr.n, err)
}
