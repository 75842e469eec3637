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
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// dBASE tables (.dbf: dBASE III to 7, FoxPro, Visual FoxPro; what old
// management software and the attribute tables of shapefiles keep): a
// header (version, date, record count, header and record sizes, the
// language driver), a 32-byte descriptor per field (name, type, width),
// then fixed-width records, each a deletion flag and its fields. A
// record marked deleted still holds its data: it is read as the others.
// Text is in the code page the language driver names; when it names
// none (LibreOffice writes none), UTF-8 when valid, else the DOS code
// page 850 or Windows-1252, whichever the bytes of the first records
// fit. Memo fields (free text, often notes about a person) point into a
// .dbt or .fpt file beside the table: read when it is beside the table on
// disk or in the same zip or tar archive, else reported once.

// dbfField is one field of a table.
type dbfField struct {
	name  string
	typ   byte
	off   int // in the record, after the deletion flag
	width int
	dec   int
}

// dbfHeader is what the header and the field descriptors say.
type dbfHeader struct {
	version    byte
	records    uint32
	headerSize int
	recordSize int
	ldid       byte
	fields     []dbfField
}

// parseDBFHeader reads a table's header from its first bytes; ok is
// false when they are not one.
func parseDBFHeader(b []byte) (h dbfHeader, ok bool) {
	if len(b) < 32+32+1 {
		return h, false
	}
	switch b[0] {
	case 0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xE5, 0xF5, 0xFB:
	default:
		return h, false
	}
	if m, d := b[2], b[3]; m < 1 || m > 12 || d < 1 || d > 31 {
		return h, false
	}
	le := binary.LittleEndian
	h = dbfHeader{version: b[0], records: le.Uint32(b[4:]), headerSize: int(le.Uint16(b[8:])), recordSize: int(le.Uint16(b[10:])), ldid: b[29]}
	if h.headerSize < 65 || h.recordSize < 2 {
		return h, false
	}
	off := 1
	for p := 32; ; p += 32 {
		if p >= len(b) || p >= h.headerSize {
			return h, false
		}
		if b[p] == 0x0D {
			break
		}
		if p+32 > len(b) || len(h.fields) == 255 {
			return h, false
		}
		d := b[p : p+32]
		name := d[:11]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		f := dbfField{name: strings.TrimSpace(string(name)), typ: d[11], off: off, width: int(d[16]), dec: int(d[17])}
		if f.typ == 'C' && h.version != 0x30 && h.version != 0x31 && h.version != 0x32 {
			f.width |= int(d[17]) << 8 // Clipper and FoxPro: long character fields
			f.dec = 0
		}
		if len(f.name) == 0 || !strings.ContainsRune("CNFDLMGPBIYTV0@+OW", rune(f.typ)) || f.width == 0 {
			return h, false
		}
		off += f.width
		h.fields = append(h.fields, f)
	}
	if len(h.fields) == 0 || off > h.recordSize {
		return h, false
	}
	return h, true
}

// isDBF tells a dBASE table by its header.
func isDBF(head []byte) bool {
	_, ok := parseDBFHeader(head)
	return ok
}

// dbfSource reads a dBASE table.
func (e *Extractor) dbfSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatDBF)
	cr := &countReader{r: br}
	var memo *dbfMemo
	switch {
	case src.memo != nil: // the tar keeps the file
		memo = newDBFMemo(src.memo.f, src.memo.name, func() {})
	case src.file != nil:
		memo = openMemo(src.file.Name())
	case src.zip != nil:
		var err error
		if memo, err = e.zipMemo(src); err != nil {
			d.Problem(Problem{Path: src.display, Offset: -1, Skipped: true, Err: fmt.Errorf("the memo file beside the table in the archive: %w; the memo fields are not read", err)})
		}
	}
	defer memo.close()
	err := readDBF(ctx, bufio.NewReaderSize(cr, 64<<10), d, src.display, memo, e.o.MaxValue)
	return e.endDoc(d, src, cr.n, err)
}

func readDBF(ctx context.Context, r *bufio.Reader, d Doc, display string, memo *dbfMemo, maxValue int) error {
	head, _ := r.Peek(64 << 10)
	hd, ok := parseDBFHeader(head)
	if !ok {
		return fmt.Errorf("%w: the header of the table is broken", ErrSyntax)
	}
	if _, err := r.Discard(hd.headerSize); err != nil {
		return fmt.Errorf("%w: the header of the table is cut short", ErrSyntax)
	}
	sample, _ := r.Peek(64 << 10)
	decode := dbfDecoder(hd, sample)
	t := d.Table("")
	defer t.End()
	hasMemo, objects := false, false
	vfp := hd.version == 0x30 || hd.version == 0x31 || hd.version == 0x32
	for i, f := range hd.fields {
		t.Column(i, f.name, true)
		hasMemo = hasMemo || f.typ == 'M'
		objects = objects || f.typ == 'G' || f.typ == 'P' || f.typ == 'B' && !vfp
	}
	if hasMemo && memo == nil {
		d.Problem(Problem{Path: display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: the memo fields are in a file beside the table (.dbt, .fpt), not found; not read", ErrUnsupported)})
	}
	if objects {
		d.Problem(Problem{Path: display, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: the pictures and embedded objects of the memo file are not read", ErrUnsupported)})
	}
	memoBroken := false
	rec := make([]byte, hd.recordSize)
	row := Row{Cells: make([]Cell, 0, len(hd.fields))}
	// A byte decodes to at most 3 bytes of UTF-8, and most numbers take
	// less than 24 written out: the arena seldom grows (a cell taken
	// before it does keeps the old array).
	arena := make([]byte, 0, 3*hd.recordSize+24*len(hd.fields))
	for n := 1; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		k, err := io.ReadFull(r, rec)
		if k == 0 || k == 1 && rec[0] == 0x1A {
			return nil // the end, or the end-of-file mark
		}
		if err != nil {
			return fmt.Errorf("%w: record %d is cut short, at byte %d", ErrSyntax, n, hd.headerSize+(n-1)*hd.recordSize)
		}
		if rec[0] == 0x1A {
			return nil
		}
		row.N, row.Cells, arena = n, row.Cells[:0], arena[:0]
		for i, f := range hd.fields {
			if f.off+f.width > len(rec) {
				break
			}
			from := len(arena)
			if f.typ == 'M' && memo != nil {
				text, err := memo.read(rec[f.off:f.off+f.width], hd.version, maxValue)
				if err != nil && !memoBroken {
					memoBroken = true // once: the other records' memos are still read
					d.Problem(Problem{Path: display, Offset: -1, Err: fmt.Errorf("%w: the memo of record %d (%s): %v", ErrSyntax, n, memo.name, err)})
				}
				if len(text) > 0 {
					arena = decode(arena, text)
					row.Cells = append(row.Cells, Cell{Col: i, Value: arena[from:len(arena):len(arena)], Off: -1})
				}
				continue
			}
			arena = dbfValue(arena, f, rec[f.off:f.off+f.width], decode, hd.version)
			if len(arena) > from {
				row.Cells = append(row.Cells, Cell{Col: i, Value: arena[from:len(arena):len(arena)], Off: -1})
			}
		}
		t.Row(&row)
	}
}

// dbfValue appends a field's value as text: characters decoded and
// trimmed, numbers and dates as written, binary numbers formatted;
// memo pointers and pictures nothing.
func dbfValue(dst []byte, f dbfField, v []byte, decode func([]byte, []byte) []byte, version byte) []byte {
	le := binary.LittleEndian
	vfp := version == 0x30 || version == 0x31 || version == 0x32
	switch f.typ {
	case 'C', 'V', 'W':
		return decode(dst, trimPad(v))
	case 'N', 'F', 'D', 'L':
		v = trimPad(v)
		if f.typ == 'L' && (len(v) == 0 || v[0] == '?') {
			return dst
		}
		return decode(dst, v)
	case 'I':
		if len(v) == 4 {
			return strconv.AppendInt(dst, int64(int32(le.Uint32(v))), 10)
		}
	case 'Y':
		if len(v) == 8 {
			return strconv.AppendFloat(dst, float64(int64(le.Uint64(v)))/10000, 'f', -1, 64)
		}
	case 'B', 'O':
		if len(v) == 8 && (vfp || f.typ == 'O') {
			if x := math.Float64frombits(le.Uint64(v)); !math.IsNaN(x) && !math.IsInf(x, 0) {
				return strconv.AppendFloat(dst, x, 'f', -1, 64)
			}
		}
	case 'T', '@':
		// Julian day and milliseconds: the date is what may be personal.
		if len(v) == 8 {
			if jd := int64(le.Uint32(v)); jd > 0 {
				y, m, dd := julianDate(jd)
				return fmt.Appendf(dst, "%04d-%02d-%02d", y, m, dd)
			}
		}
	}
	return dst
}

// dbfMemoFile is a memo file spooled from a tar, for its table.
type dbfMemoFile struct {
	f    *os.File
	name string
}

// dbfMemo is the memo file of a table: dBASE's .dbt (blocks of 512 bytes;
// a dBASE IV entry starts with FF FF 08 00 and its length) or FoxPro's
// .fpt (its block size in its header; each entry a type and a length,
// big-endian).
type dbfMemo struct {
	f     *os.File
	done  func()
	name  string
	fpt   bool
	block int64
	buf   []byte
}

// openMemo opens the memo file beside the table file, nil if none.
func openMemo(table string) *dbfMemo {
	base := strings.TrimSuffix(table, filepath.Ext(table))
	for _, ext := range []string{".dbt", ".DBT", ".fpt", ".FPT"} {
		if f, err := os.Open(base + ext); err == nil {
			return newDBFMemo(f, filepath.Base(base+ext), func() { f.Close() })
		}
	}
	return nil
}

// zipMemo returns the memo file beside a table in the same zip archive
// (same folder and name, any case), spooled to a temporary file: it is
// read at random, and a zip member only from its start. nil if none.
func (e *Extractor) zipMemo(src *source) (*dbfMemo, error) {
	zf := zipSibling(src.zip, src.name, ".dbt", ".fpt")
	if zf == nil {
		return nil, nil
	}
	if zf.Flags&1 != 0 {
		return nil, ErrEncrypted
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, done, err := e.spool(src, &limited{r: rc, b: src.b})
	if err != nil {
		return nil, err
	}
	return newDBFMemo(f, path.Base(zf.Name), done), nil
}

// zipSibling returns the member of zr in the folder of the member name,
// with the same name but one of exts as its extension (any case).
func zipSibling(zr *zip.Reader, name string, exts ...string) *zip.File {
	base := strings.TrimSuffix(name, path.Ext(name))
	for _, zf := range zr.File {
		ext := path.Ext(zf.Name)
		if !strings.EqualFold(strings.TrimSuffix(zf.Name, ext), base) {
			continue
		}
		for _, x := range exts {
			if strings.EqualFold(ext, x) {
				return zf
			}
		}
	}
	return nil
}

// newDBFMemo reads the block size from the memo file's header; done
// closes (and for a spooled copy, removes) the file.
func newDBFMemo(f *os.File, name string, done func()) *dbfMemo {
	m := &dbfMemo{f: f, done: done, name: name, fpt: strings.EqualFold(path.Ext(name), ".fpt"), block: 512}
	var head [32]byte
	if n, _ := f.ReadAt(head[:], 0); n == len(head) {
		if m.fpt {
			m.block = int64(binary.BigEndian.Uint16(head[6:]))
		} else if size := int64(binary.LittleEndian.Uint16(head[20:])); size >= 64 && size <= 32768 {
			m.block = size // dBASE IV
		}
	}
	if m.block <= 0 {
		m.block = 64
	}
	return m
}

// memoTable returns the name of the table beside a memo file (NAME.dbt
// or NAME.fpt, any case) on disk or in the same zip archive, "" when
// there is none.
func memoTable(src *source) string {
	if ext := strings.ToLower(path.Ext(src.name)); ext != ".dbt" && ext != ".fpt" {
		return ""
	}
	switch {
	case src.memoOf != "":
		return src.memoOf
	case src.file != nil:
		p := src.file.Name()
		base := strings.TrimSuffix(p, filepath.Ext(p))
		for _, ext := range []string{".dbf", ".DBF"} {
			if _, err := os.Stat(base + ext); err == nil {
				return filepath.Base(base + ext)
			}
		}
	case src.zip != nil:
		if zf := zipSibling(src.zip, src.name, ".dbf"); zf != nil {
			return path.Base(zf.Name)
		}
	}
	return ""
}

func (m *dbfMemo) close() {
	if m != nil {
		m.done()
	}
}

// read returns the memo a field points to (its block number in ASCII
// digits, or 4 bytes in Visual FoxPro), at most max bytes.
func (m *dbfMemo) read(ptr []byte, version byte, max int) ([]byte, error) {
	var block int64
	if len(ptr) == 4 && (version == 0x30 || version == 0x31 || version == 0x32) {
		block = int64(binary.LittleEndian.Uint32(ptr))
	} else {
		digits := trimPad(ptr)
		if len(digits) == 0 {
			return nil, nil
		}
		n, err := strconv.ParseInt(string(digits), 10, 64)
		if err != nil || n < 0 {
			return nil, errors.New("a memo pointer that is not a number")
		}
		block = n
	}
	if block == 0 {
		return nil, nil
	}
	off := block * m.block
	var head [8]byte
	if n, _ := m.f.ReadAt(head[:], off); n < len(head) {
		return nil, fmt.Errorf("block %d lies past the end of the file", block)
	}
	var size int64 = -1 // up to the end mark
	switch {
	case m.fpt:
		size, off = int64(binary.BigEndian.Uint32(head[4:])), off+8
	case head[0] == 0xFF && head[1] == 0xFF && head[2] == 0x08 && head[3] == 0x00:
		size, off = int64(binary.LittleEndian.Uint32(head[4:]))-8, off+8
	}
	want := int64(max)
	if size >= 0 && size < want {
		want = size
	}
	if cap(m.buf) < int(want) {
		m.buf = make([]byte, want)
	}
	n, _ := m.f.ReadAt(m.buf[:want], off)
	text := m.buf[:n]
	if size < 0 {
		if i := bytes.IndexByte(text, 0x1A); i >= 0 {
			text = text[:i] // dBASE III: the memo ends at its end marks
		}
	} else if int64(n) < want {
		return text, fmt.Errorf("the memo at block %d is cut short", block)
	}
	return text, nil
}

// trimPad trims the spaces and NULs that pad a field.
func trimPad(v []byte) []byte {
	for len(v) > 0 && (v[0] == ' ' || v[0] == 0) {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == 0) {
		v = v[:len(v)-1]
	}
	return v
}

// julianDate converts a Julian day number to a Gregorian date.
func julianDate(jd int64) (y, m, d int64) {
	a := jd + 32044
	b := (4*a + 3) / 146097
	c := a - 146097*b/4
	dd := (4*c + 3) / 1461
	e := c - 1461*dd/4
	mm := (5*e + 2) / 153
	return 100*b + dd - 4800 + mm/10, mm + 3 - 12*(mm/10), e - (153*mm+2)/5 + 1
}

// dbfDecoder picks how the table's text is decoded: by its language
// driver, else by its first records.
func dbfDecoder(h dbfHeader, sample []byte) func(dst, v []byte) []byte {
	var cm *charmap.Charmap
	switch h.ldid {
	case 0x01, 0x09, 0x0B, 0x0D, 0x0E, 0x0F, 0x11, 0x15, 0x18, 0x19, 0x1B: // code page 437
		cm = charmap.CodePage437
	case 0x02, 0x0A, 0x10, 0x12, 0x14, 0x16, 0x17, 0x1A, 0x1D, 0x25, 0x37, 0x40: // code page 850
		cm = charmap.CodePage850
	case 0x64: // 852
		cm = charmap.CodePage852
	case 0x65, 0x26: // 866
		cm = charmap.CodePage866
	case 0x03, 0x57, 0x58, 0x59: // Windows-1252
		return recode
	case 0xC8:
		cm = charmap.Windows1250
	case 0xC9:
		cm = charmap.Windows1251
	}
	if cm == nil {
		switch {
		case utf8.Valid(sample):
			return func(dst, v []byte) []byte {
				if utf8.Valid(v) {
					return append(dst, v...)
				}
				return recode(dst, v)
			}
		case dosText(sample):
			cm = charmap.CodePage850
		default:
			return recode
		}
	}
	var table [128]rune
	for i := range table {
		table[i] = cm.DecodeByte(byte(0x80 + i))
	}
	return func(dst, v []byte) []byte {
		for _, c := range v {
			if c < 0x80 {
				dst = append(dst, c)
			} else {
				dst = utf8.AppendRune(dst, table[c-0x80])
			}
		}
		return dst
	}
}

// dosText tells French text of a DOS code page from Windows-1252: its
// accented letters (é 0x82, è 0x8A, à 0x85, ç 0x87) lie where Windows-1252
// has punctuation, and Windows-1252's (é 0xE9) where DOS has box drawing.
func dosText(b []byte) bool {
	dos, win := 0, 0
	for _, c := range b {
		switch {
		case c >= 0x80 && c < 0xA0:
			dos++
		case c >= 0xC0:
			win++
		}
	}
	return dos > win
}

var errDBFShort = errors.New("cut short")
