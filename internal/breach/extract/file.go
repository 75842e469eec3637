package extract

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"tocsin/internal/lzma"
)

// sniffSize is how much of a file is looked at to tell its format.
const sniffSize = 64 << 10

// Extractor reads files, archives and databases into a Handler. It holds
// no state between calls but the TOCs of pg_dump's directory dumps it
// met, read once for all their data files, and is safe for concurrent
// use.
type Extractor struct {
	o      Options
	heads  *sync.Pool // buffers of sniffSize bytes, for small members (see smallMember)
	pgTOCs *pgTOCs    // the TOCs of pg_dump's directory dumps met
}

// New returns an Extractor; zero Options fields take the defaults.
func New(o Options) *Extractor {
	return &Extractor{o: o.withDefaults(), heads: &sync.Pool{New: func() any { b := make([]byte, sniffSize); return &b }}, pgTOCs: &pgTOCs{}}
}

// Options returns the options in effect.
func (e *Extractor) Options() Options { return e.o }

// budget is what one input file may still expand to through its archives.
type budget struct {
	left  int64
	limit int64
	hit   bool
}

// limitError tells that the budget stopped the reading.
func (b *budget) limitError() error {
	return fmt.Errorf("%w: stopped after %d uncompressed bytes; the rest is not scanned", ErrLimit, b.limit)
}

// limited counts expanded bytes against a budget.
type limited struct {
	r io.Reader
	b *budget
}

func (l *limited) Read(p []byte) (int, error) {
	if l.b.left <= 0 {
		l.b.hit = true
		return 0, ErrLimit
	}
	if int64(len(p)) > l.b.left {
		p = p[:l.b.left]
	}
	n, err := l.r.Read(p)
	l.b.left -= int64(n)
	return n, err
}

// source is one document to read: a file on disk or an archive member.
type source struct {
	display string // the path shown in reports
	name    string // the member or file name, for its extension
	r       io.Reader
	file    *os.File // set when the source is a whole file on disk
	size    int64    // -1 when unknown
	depth   int      // archive nesting
	b       *budget
	counted bool         // r already counts against b (a member of a compressed stream)
	zip     *zip.Reader  // the archive of a zip member, to find the files beside it
	memo    *dbfMemoFile // a tar's table: its memo file, spooled (tarTables)
	memoOf  string       // a tar's memo file: the table that read it
}

// File reads one file from disk, following archives.
func (e *Extractor) File(ctx context.Context, p string, h Handler) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w: not a regular file", p, ErrUnsupported)
	}
	cr := &countReader{r: f}
	src := &source{display: p, name: p, r: cr, file: f, size: st.Size(),
		b: &budget{left: e.o.MaxArchiveBytes, limit: e.o.MaxArchiveBytes}}
	if e.o.Read != nil {
		// Streamed formats count as they go; formats read at random
		// (zip, spreadsheets, SQLite) count their size when done.
		cr.progress = e.o.Read
		defer func() {
			if rest := st.Size() - cr.n; rest > 0 {
				e.o.Read.Add(rest)
			}
		}()
	}
	return e.read(ctx, src, h)
}

// Reader reads one document from r; name gives its extension and is the
// path shown.
func (e *Extractor) Reader(ctx context.Context, name string, r io.Reader, h Handler) error {
	src := &source{display: name, name: name, r: r, size: -1,
		b: &budget{left: e.o.MaxArchiveBytes, limit: e.o.MaxArchiveBytes}}
	return e.read(ctx, src, h)
}

// read tells the format of a source and reads it.
func (e *Extractor) read(ctx context.Context, src *source, h Handler) error {
	// A file known to be smaller than the sniffed head gets a buffer of
	// its size: most files of a breach folder are, and 64 KiB made and
	// zeroed for each cost more than reading them. Should the file have
	// grown since, a head that fills the buffer is not taken for whole.
	size := sniffSize
	if src.size >= 0 && src.size < sniffSize {
		size = int(src.size) + 1
	}
	br := bufio.NewReaderSize(src.r, size)
	head, _ := br.Peek(size)
	if bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
		// Excel's "Unicode text": read as UTF-8 from here on.
		dec, _ := decodeBOM(br)
		size = sniffSize
		br = bufio.NewReaderSize(dec, size)
		head, _ = br.Peek(size)
	}
	complete := len(head) < size
	if stmt, comp, ok := e.pgDirStmt(src); ok {
		return e.pgDirData(ctx, src, br, h, stmt, comp)
	}
	if table, cols, ok := e.mysqlTabColumns(ctx, src); ok {
		return e.mysqlTabData(ctx, src, br, h, table, cols)
	}
	f := Sniff(src.name, head)
	switch f {
	case FormatZip:
		return e.zipSource(ctx, src, br, h)
	case FormatGzip, FormatXZ, FormatBzip2, FormatZstd, FormatLZ4, FormatLZMA, FormatLzip:
		return e.compressed(ctx, src, br, h, f)
	case Format7z:
		return e.sevenZipSource(ctx, src, br, h)
	case FormatRar:
		return e.rarSource(ctx, src, br, h)
	case FormatTar:
		return e.tar(ctx, src, br, h)
	case FormatXLSX, FormatXLSB, FormatODS, FormatDOCX, FormatODT, FormatPPTX, FormatODP:
		if !isZip(head) {
			return e.flatODF(ctx, src, br, h, f)
		}
		return e.office(ctx, src, br, h, f)
	case FormatSQLite:
		return e.sqliteSource(ctx, src, br, h)
	case FormatXLS:
		return e.compound(ctx, src, br, h)
	case FormatEmail:
		return e.email(ctx, src, br, h)
	case FormatMbox:
		return e.mbox(ctx, src, br, h)
	case FormatRTF:
		return e.rtfSource(ctx, src, br, h)
	case FormatTNEF:
		return e.tnefSource(ctx, src, br, h)
	case FormatDBF:
		return e.dbfSource(ctx, src, br, h)
	case FormatBSON:
		return e.bsonSource(ctx, src, br, h)
	case FormatMongoArchive:
		return e.mongoArchiveSource(ctx, src, br, h)
	case FormatPGDump:
		return e.pgDumpSource(ctx, src, br, h)
	case FormatXML:
		return e.xmlRecordsSource(ctx, src, br, h, xmlRecordDepth(head))
	case FormatSpreadsheetML:
		return e.spreadsheetMLSource(ctx, src, br, h)
	case FormatPDF:
		return e.pdfSource(ctx, src, br, h)
	case FormatHTML:
		return e.htmlSource(ctx, src, br, h)
	}
	d := h.Begin(src.display, f)
	cr := &countReader{r: br}
	var err error
	switch f {
	case FormatBinary:
		what := binaryKind(head)
		if table := memoTable(src); table != "" {
			what = "a memo file, read with its table " + table
		}
		d.Problem(Problem{Path: src.display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: %s", ErrUnsupported, what)})
		_, err = io.Copy(io.Discard, cr)
	case FormatJSON:
		r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
		err = readJSON(ctx, r, d, e.o, src.display)
	case FormatLDIF:
		r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
		err = readLDIF(ctx, r, d, src.display, src.name, e.o)
	case FormatVCard, FormatICalendar:
		r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
		err = readVCard(ctx, r, d, src.name, e.o)
	case FormatSQL:
		r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
		err = readSQL(ctx, r, d, e.o, src.display, sqlDialectMySQL(head))
	case FormatCSV:
		dialect, _ := SniffCSV(head, complete, e.o)
		r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
		t := d.Table("")
		err = ReadCSV(ctx, r, dialect, 1, dialect.Header, t, d.Problem, src.display, e.o)
		t.End()
	default:
		r, skipped := decodeBOM(bufio.NewReaderSize(cr, 4096))
		lr := newLineReader(r, e.o.MaxLine)
		lr.off = skipped
		err = readLines(ctx, lr, d)
	}
	err = e.endDoc(d, src, cr.n, err)
	return err
}

// endDoc closes a document; an error that stopped it is reported in it.
func (e *Extractor) endDoc(d Doc, src *source, n int64, err error) error {
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		if errors.Is(err, ErrLimit) && src.b.hit {
			err = src.b.limitError()
			d.Problem(Problem{Path: src.display, Offset: n, Skipped: true, Err: err})
		} else if errors.Is(err, ErrEncrypted) || errors.Is(err, ErrLimit) {
			// Left out on purpose: a password, or a size past a bound.
			d.Problem(Problem{Path: src.display, Offset: n, Skipped: true, Err: err})
		} else {
			d.Problem(Problem{Path: src.display, Offset: n, Err: err})
		}
		err = nil
	}
	d.End(n)
	return err
}

func readLines(ctx context.Context, lr *lineReader, d Doc) error {
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		l := lr.next()
		if l == nil {
			return lr.s.err
		}
		d.Line(l)
	}
}

// countReader counts the bytes a document held, and adds them to a
// progress counter if it has one.
type countReader struct {
	r        io.Reader
	n        int64
	progress *atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress.Add(int64(n))
	}
	return n, err
}

func isContainer(f Format) bool {
	switch f {
	case FormatZip, Format7z, FormatRar, FormatGzip, FormatXZ, FormatBzip2, FormatZstd, FormatLZ4, FormatLZMA, FormatLzip, FormatTar, FormatXLSX, FormatXLSB, FormatODS, FormatSQLite, FormatXLS,
		FormatDOCX, FormatODT, FormatPPTX, FormatODP:
		return true
	}
	return false
}

// Sniff tells a document's format from its name and first bytes. Magic
// numbers win over names for containers; for text formats the name
// decides, and content without a telling name is recognised as JSON, a SQL
// dump or delimited text, or else taken as text.
func Sniff(name string, head []byte) Format {
	switch {
	case isZip(head):
		switch f := byName(name); f {
		case FormatXLSX, FormatXLSB, FormatODS, FormatDOCX, FormatODT, FormatPPTX, FormatODP:
			return f
		}
		return FormatZip
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return FormatGzip
	case bytes.HasPrefix(head, lzma.XZMagic):
		return FormatXZ
	case bytes.HasPrefix(head, zstdMagic):
		return FormatZstd
	case isBzip2(head):
		return FormatBzip2
	case isLZ4(head):
		return FormatLZ4
	case bytes.HasPrefix(head, lzipMagic) && len(head) > 5 && head[4] == 1:
		return FormatLzip
	case isLZMAAlone(name, head):
		return FormatLZMA
	case bytes.HasPrefix(head, sevenZipMagic):
		return Format7z
	case bytes.HasPrefix(head, rarMagic):
		return FormatRar
	case bytes.HasPrefix(head, mongoArchiveMagic):
		return FormatMongoArchive
	case bytes.HasPrefix(head, pgDumpMagic):
		return FormatPGDump
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return FormatSQLite
	case bytes.HasPrefix(head, cfbMagic):
		return FormatXLS
	case bytes.HasPrefix(head, []byte(`{\rtf`)):
		return FormatRTF
	case len(head) >= 4 && binary.LittleEndian.Uint32(head) == tnefSignature:
		return FormatTNEF
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return FormatPDF
	case len(head) > 262 && bytes.Equal(head[257:262], []byte("ustar")):
		return FormatTar
	case isDBF(head):
		return FormatDBF
	case isBSON(name, head):
		return FormatBSON
	}
	if isBinary(head) {
		return FormatBinary
	}
	if f := flatODFKind(head); f != FormatUnknown {
		return f
	}
	if isSpreadsheetML(head) {
		return FormatSpreadsheetML
	}
	if xmlRecordDepth(head) > 0 {
		return FormatXML
	}
	if isLDIF(head) {
		return FormatLDIF
	}
	if f := contentLines(head); f != FormatUnknown {
		return f
	}
	if f := byName(name); f != FormatUnknown && !isContainer(f) {
		return f
	}
	return sniffText(head)
}

func isZip(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06"))
}

// flatODFKind tells an OpenDocument saved as one XML file (.fodt, .fods,
// .fodp) by its root element's office:mimetype, FormatUnknown for any
// other content.
func flatODFKind(head []byte) Format {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")
	if !bytes.HasPrefix(t, []byte("<?xml")) && !bytes.HasPrefix(t, []byte("<office:document")) {
		return FormatUnknown
	}
	t = t[:min(len(t), 8192)]
	i := bytes.Index(t, []byte("<office:document "))
	if i < 0 {
		return FormatUnknown
	}
	root := t[i:]
	if end := bytes.IndexByte(root, '>'); end >= 0 {
		root = root[:end]
	}
	for _, k := range []struct {
		mime string
		f    Format
	}{{"opendocument.text", FormatODT}, {"opendocument.spreadsheet", FormatODS}, {"opendocument.presentation", FormatODP}} {
		if bytes.Contains(root, []byte(`office:mimetype="application/vnd.oasis.`+k.mime)) {
			return k.f
		}
	}
	return FormatUnknown
}

// binaryKind says what binary data is, so that the report tells a
// scanned page or an archive of another kind from noise.
func binaryKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}), bytes.HasPrefix(head, []byte("\x89PNG")),
		bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")),
		bytes.HasPrefix(head, []byte("GIF8")):
		return "an image is not scanned (a scanned document would need OCR)"
	}
	return "binary data is not scanned"
}

func isBinary(head []byte) bool {
	if bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
		return false
	}
	if bytes.HasPrefix(head, []byte("%PDF")) {
		return true
	}
	n := min(len(head), 8192)
	return bytes.IndexByte(head[:n], 0) >= 0
}

// sniffText recognises JSON, SQL dumps and delimited text by content.
func sniffText(head []byte) Format {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return FormatJSON
	}
	if looksLikeHTML(t) {
		return FormatHTML
	}
	if looksLikeMessage(t) {
		if bytes.HasPrefix(t, []byte("From ")) {
			return FormatMbox
		}
		return FormatEmail
	}
	up := bytes.ToUpper(t[:min(len(t), 4096)])
	for _, p := range []string{"--", "/*", "INSERT INTO", "CREATE TABLE", "SET ", "COPY ", "DROP TABLE", "BEGIN;", "LOCK TABLES"} {
		if bytes.HasPrefix(up, []byte(p)) && (bytes.Contains(head, []byte("INSERT INTO")) || bytes.Contains(head, []byte("COPY ")) || bytes.Contains(head, []byte("insert into")) || bytes.Contains(head, []byte("CREATE TABLE"))) {
			return FormatSQL
		}
	}
	if d, ok := SniffCSV(head, len(head) < sniffSize, Options{}); ok {
		recs := sampleRecords(bytes.TrimPrefix(head, bomUTF8), d.Comma, '"', 20)
		if len(recs) >= 5 && len(recs[0]) >= 3 {
			return FormatCSV
		}
	}
	return FormatText
}

// byName tells a format from a file name, FormatUnknown if it cannot.
func byName(name string) Format {
	n := strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	switch {
	case strings.HasSuffix(n, ".tgz") || strings.HasSuffix(n, ".gz"):
		return FormatGzip
	case strings.HasSuffix(n, ".txz") || strings.HasSuffix(n, ".xz"):
		return FormatXZ
	case strings.HasSuffix(n, ".tzst") || strings.HasSuffix(n, ".zst") || strings.HasSuffix(n, ".zstd"):
		return FormatZstd
	case strings.HasSuffix(n, ".tbz2") || strings.HasSuffix(n, ".tbz") || strings.HasSuffix(n, ".bz2"):
		return FormatBzip2
	case strings.HasSuffix(n, ".lz4"):
		return FormatLZ4
	}
	switch path.Ext(n) {
	case ".csv", ".tsv", ".tab", ".psv":
		return FormatCSV
	case ".json", ".ndjson", ".jsonl", ".geojson":
		return FormatJSON
	case ".sql", ".pgsql", ".mysql":
		return FormatSQL
	case ".eml":
		return FormatEmail
	case ".mbox", ".mbx":
		return FormatMbox
	case ".xlsx", ".xlsm", ".xltx", ".xltm":
		return FormatXLSX
	case ".xlsb":
		return FormatXLSB
	case ".ods", ".ots":
		return FormatODS
	case ".docx", ".docm", ".dotx", ".dotm":
		return FormatDOCX
	case ".odt", ".ott":
		return FormatODT
	case ".pptx", ".pptm", ".potx", ".ppsx":
		return FormatPPTX
	case ".odp", ".otp":
		return FormatODP
	case ".zip":
		return FormatZip
	case ".tar":
		return FormatTar
	case ".sqlite", ".sqlite3", ".db", ".db3":
		return FormatSQLite
	case ".html", ".htm", ".xhtml":
		return FormatHTML
	case ".log", ".xml", ".md", ".ldif", ".vcf", ".ics", ".yaml", ".yml", ".ini", ".conf", ".cfg", ".out", ".err":
		return FormatText
	case ".txt", ".dat", ".prn":
		// Spreadsheet exports ("texte, séparateur tabulation") end in .txt:
		// the content decides.
		return FormatUnknown
	}
	return FormatUnknown
}

// spool gives an archive member a file on disk, for formats read at
// random. The file is private (0600) and the caller removes it.
func (e *Extractor) spool(src *source, r io.Reader) (*os.File, func(), error) {
	f, err := os.CreateTemp(e.o.TempDir, "tocsin-breach-*")
	if err != nil {
		return nil, nil, err
	}
	done := func() {
		f.Close()
		os.Remove(f.Name())
	}
	if _, err := io.Copy(f, r); err != nil {
		done()
		return nil, nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		done()
		return nil, nil, err
	}
	return f, done, nil
}

// onDisk returns a file holding the source: the file itself, or a spooled
// copy of an archive member.
func (e *Extractor) onDisk(src *source, br *bufio.Reader) (*os.File, func(), error) {
	if src.file != nil {
		return src.file, func() {}, nil
	}
	return e.spool(src, br)
}

// archiveOnDisk is onDisk for an archive's reader, which reports in d
// why the archive could not be had (ok false).
func (e *Extractor) archiveOnDisk(d Doc, src *source, br *bufio.Reader) (f *os.File, done func(), ok bool) {
	f, done, err := e.onDisk(src, br)
	switch {
	case errors.Is(err, ErrLimit):
		e.limitHit(d, src)
	case err != nil:
		d.Problem(Problem{Path: src.display, Offset: -1, Err: err})
	}
	return f, done, err == nil
}

// member builds the source of an archive member; counted says its reader
// already counts against the budget.
// smallMember reads a member whose size is not known beforehand (a
// message of an mbox, a part of a message): one that fits in sniffSize
// bytes, as most do, is read from a pooled buffer with its size known, so
// that it does not cost a buffer of its own.
func (e *Extractor) smallMember(ctx context.Context, parent *source, name string, r io.Reader, h Handler) error {
	if !parent.counted {
		r = &limited{r: r, b: parent.b}
	}
	buf := e.heads.Get().(*[]byte)
	defer e.heads.Put(buf)
	n := 0
	var err error
	for n < len(*buf) && err == nil {
		var k int
		k, err = r.Read((*buf)[n:])
		n += k
	}
	head := bytes.NewReader((*buf)[:n])
	switch err {
	case nil:
		return e.read(ctx, member(parent, name, io.MultiReader(head, r), -1, true), h)
	case io.EOF:
		return e.read(ctx, member(parent, name, head, int64(n), true), h)
	}
	return e.read(ctx, member(parent, name, io.MultiReader(head, errReader{err}), -1, true), h)
}

// errReader gives its error, after what was read before it.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func member(parent *source, name string, r io.Reader, size int64, counted bool) *source {
	if !counted {
		r = &limited{r: r, b: parent.b}
	}
	return &source{display: parent.display + "!/" + name, name: name, r: r, size: size, depth: parent.depth + 1, b: parent.b, counted: counted}
}
