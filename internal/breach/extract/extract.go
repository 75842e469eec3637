// Package extract reads what a breach exposed — delimited text, JSON and
// NDJSON, SQL dumps, XLSX and ODS spreadsheets, plain text and logs, zip
// and tar archives, SQLite, PostgreSQL and MySQL databases — and hands the
// content to a Doc as lines of text or rows of tables, each with the line it
// came from. It never interprets values: detection is the caller's.
//
// Everything streams: memory stays bounded whatever the size of a file,
// except for what an archive member needs to be opened at random (a zip in
// a zip, a spreadsheet or a database in an archive), which is spooled to a
// private temporary file and removed at once.
//
// Problems name the file and the line or byte offset, never the content.
package extract

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unicode/utf8"
)

// Sentinel errors, wrapped by the problems and errors of this package.
var (
	ErrSyntax      = errors.New("syntax error")
	ErrLimit       = errors.New("archive limit reached")
	ErrDepth       = errors.New("archive nesting too deep")
	ErrUnsupported = errors.New("unsupported content")
	ErrTooLong     = errors.New("value too long")
	ErrBadDSN      = errors.New("bad database address")
	ErrEncrypted   = errors.New("encrypted")
)

// Format is what a document holds.
type Format string

// Formats told apart by Sniff and the file names.
const (
	FormatCSV           Format = "csv"
	FormatJSON          Format = "json"
	FormatSQL           Format = "sql"
	FormatXLSX          Format = "xlsx"
	FormatODS           Format = "ods"
	FormatXLS           Format = "xls"  // Excel 97-2003, and other compound files until read
	FormatXLSB          Format = "xlsb" // Excel binary workbook
	FormatEmail         Format = "email"
	FormatMbox          Format = "mbox"
	FormatMsg           Format = "msg" // an Outlook message
	FormatDOCX          Format = "docx"
	FormatODT           Format = "odt"
	FormatPPTX          Format = "pptx"
	FormatODP           Format = "odp"
	FormatPPT           Format = "ppt"           // PowerPoint 97-2003
	FormatTNEF          Format = "tnef"          // winmail.dat: Outlook's rich content of a message
	FormatDBF           Format = "dbf"           // dBASE, FoxPro
	FormatXML           Format = "xml"           // an XML data export, read as a table
	FormatBSON          Format = "bson"          // a MongoDB dump (mongodump's NAME.bson)
	FormatMongoArchive  Format = "mongodump"     // a MongoDB dump in one file (mongodump --archive)
	FormatPGDump        Format = "pgdump"        // a PostgreSQL dump in pg_dump's custom format (-Fc)
	FormatLDIF          Format = "ldif"          // an LDAP directory export
	FormatVCard         Format = "vcard"         // an address book (.vcf)
	FormatICalendar     Format = "icalendar"     // a calendar (.ics)
	FormatSpreadsheetML Format = "spreadsheetml" // Excel's XML Spreadsheet 2003
	FormatRTF           Format = "rtf"
	FormatDOC           Format = "doc" // Word 97-2003
	FormatPDF           Format = "pdf"
	FormatHTML          Format = "html"
	FormatText          Format = "text"
	FormatZip           Format = "zip"
	Format7z            Format = "7z"
	FormatRar           Format = "rar"
	FormatTar           Format = "tar"
	FormatGzip          Format = "gzip"
	FormatXZ            Format = "xz"
	FormatBzip2         Format = "bzip2"
	FormatZstd          Format = "zstd"
	FormatLZ4           Format = "lz4"
	FormatLZMA          Format = "lzma" // the .lzma format: a header, then an LZMA stream
	FormatLzip          Format = "lzip"
	FormatSQLite        Format = "sqlite"
	FormatBinary        Format = "binary"
	FormatDB            Format = "database"
	FormatUnknown       Format = ""
)

// Handler receives the documents of an extraction. Its methods may be
// called from several goroutines only if the caller runs several
// extractions at once; one extraction calls them in order.
type Handler interface {
	// Begin starts a document: a file, an archive member or a database.
	// path is the display path, with archive members after "!/"
	// (dump.zip!/export/users.csv). It returns the receiver of the
	// document's content.
	Begin(path string, f Format) Doc
}

// Doc receives the content of one document.
type Doc interface {
	// Line is one line (or, for a line longer than the read buffer, one
	// piece of it) of free text.
	Line(l *Line)
	// Table starts a table: the file itself for CSV ("" name), a SQL or
	// database table, a spreadsheet sheet, the records of a JSON array.
	Table(name string) Table
	// Problem reports what could not be read or was skipped. It never
	// carries content.
	Problem(p Problem)
	// End closes the document; n is the number of bytes it held.
	End(n int64)
}

// Table receives the rows of one table.
type Table interface {
	// Column names column i before the first row that uses it. header
	// tells whether name comes from the data's own header (false: a
	// position such as "#3"); a name from the data may still be a value
	// mistaken for a header, and is shown only after a check.
	Column(i int, name string, header bool)
	// Row is one record. Cells and their values are valid only during
	// the call.
	Row(r *Row)
	// End closes the table.
	End()
}

// RowBatcher is a Table that also takes rows several at a time, in their
// order, as the lines of a delimited file cut where its fields end: a
// reader with several rows at hand gives them together, so that the table
// may go through them a column at a time, and gives no Cell it may not
// need. The rows and their bytes are valid only during the call.
type RowBatcher interface {
	Rows(rows []LineRow)
}

// LineRow is a record of a delimited file that is one line, UTF-8 and
// without quotes, each of its values whole (none cut at MaxValue).
type LineRow struct {
	N    int    // the line
	Line []byte // its bytes, without the line ending
	// Bounds are where the fields are cut: field k is the bytes between
	// Bounds[k] and Bounds[k+1], Bounds[0] being -1 and the last
	// len(Line). A row has len(Bounds)-1 fields.
	Bounds []int32
}

// Fields returns how many fields r has.
func (r *LineRow) Fields() int { return len(r.Bounds) - 1 }

// Field returns the value of field k < r.Fields().
func (r *LineRow) Field(k int) []byte {
	return r.Line[r.Bounds[k]+1 : r.Bounds[k+1]]
}

// Cell returns field k as a Cell of column k.
func (r *LineRow) Cell(k int) Cell {
	var c Cell
	r.SetCell(&c, k)
	return c
}

// SetCell sets c to field k, as Cell returns it, field by field: a Cell
// returned and copied moves 16 bytes at a time, which wait for the 8-byte
// stores that made it, a stall on every cell of a scan's rows.
func (r *LineRow) SetCell(c *Cell, k int) {
	start, end := r.Bounds[k]+1, r.Bounds[k+1]
	c.Col, c.Value, c.Off, c.Recoded = k, r.Line[start:end:end], int(start), false
}

// Line is a piece of text with its place in the document.
type Line struct {
	N    int    // 1-based line number
	Off  int    // byte offset of Text[0] within the line, in the file's bytes
	Text []byte // UTF-8 text, without the line ending
	// Recoded: Text was transcoded from a single-byte charset (Windows-1252),
	// so file offsets count runes of Text (see Orig).
	Recoded bool
}

// Orig maps an offset in Text to a byte offset in the line as stored.
func (l *Line) Orig(i int) int { return l.Off + origOffset(l.Text, i, l.Recoded) }

// Row is one record of a table.
type Row struct {
	N     int // the line where the record starts (spreadsheets, databases: the row number)
	Cells []Cell
}

// Cell is one value of a row.
type Cell struct {
	Col   int
	Value []byte // UTF-8
	// Off is the byte offset of Value[0] from the start of the row's
	// first line (counting line endings for a record that spans lines);
	// -1 when the value has no place in a text file (spreadsheets,
	// databases).
	Off     int
	Recoded bool // see Line.Recoded
}

// Orig maps an offset in Value to an offset from the start of the row's
// first line, or returns i itself when the cell has no place in a text file.
func (c *Cell) Orig(i int) int {
	if c.Off < 0 {
		return i
	}
	return c.Off + origOffset(c.Value, i, c.Recoded)
}

func origOffset(text []byte, i int, recoded bool) int {
	if i > len(text) {
		i = len(text)
	}
	if !recoded {
		return i
	}
	return utf8.RuneCount(text[:i])
}

// Problem is something that could not be read, or was skipped on purpose.
type Problem struct {
	Path    string
	Line    int   // 0: not about a line
	Offset  int64 // byte offset in the document when Line is unknown; -1: none
	Skipped bool  // true: left out on purpose (limits, binary data), not broken
	Err     error
}

func (p Problem) Error() string {
	switch {
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %v", p.Path, p.Line, p.Err)
	case p.Offset >= 0:
		return fmt.Sprintf("%s: byte %d: %v", p.Path, p.Offset, p.Err)
	}
	return fmt.Sprintf("%s: %v", p.Path, p.Err)
}

func (p Problem) Unwrap() error { return p.Err }

// Options bound an extraction.
type Options struct {
	// MaxArchiveBytes caps the uncompressed bytes read from one input
	// file's archives, at every nesting level together (zip bombs).
	MaxArchiveBytes int64
	// MaxDepth caps archive nesting (dump.zip!/a.tar.gz!/b.zip is 3).
	MaxDepth int
	// MaxLine is the longest piece of a text line handed over at once;
	// longer lines come in several pieces (Line.Off).
	MaxLine int
	// MaxValue caps one value of a table (a JSON string, a SQL literal,
	// a quoted CSV field); the rest is dropped and reported.
	MaxValue int
	// Passwords are tried, in order, on files protected by a password
	// (7-Zip, RAR, zip, a PDF's user password, an .xls workbook's RC4): a leak
	// is often published so, with its password.
	Passwords []string
	// TempDir holds spooled archive members ("" = os.TempDir()).
	TempDir string
	// Read, if not nil, counts the bytes read from input files as stored
	// (compressed bytes for archives): progress.
	Read *atomic.Int64
	// IsHeaderWord tells whether a word is a known column name (nom,
	// email, iban…): strong evidence that a first row is a header.
	IsHeaderWord func(field []byte) bool
	// IsData tells whether a field holds something that is not a column
	// name (a detected identifier): the row is data.
	IsData func(field []byte) bool
}

// Defaults for the zero fields of Options.
const (
	DefaultMaxArchiveBytes = 8 << 30
	DefaultMaxDepth        = 6
	DefaultMaxLine         = 1 << 20
	DefaultMaxValue        = 1 << 20
)

func (o Options) withDefaults() Options {
	if o.MaxArchiveBytes <= 0 {
		o.MaxArchiveBytes = DefaultMaxArchiveBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxLine <= 0 {
		o.MaxLine = DefaultMaxLine
	}
	if o.MaxValue <= 0 {
		o.MaxValue = DefaultMaxValue
	}
	return o
}
