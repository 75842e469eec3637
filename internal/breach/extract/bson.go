package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MongoDB dumps: mongodump writes each collection as NAME.bson (gzipped as
// NAME.bson.gz with --gzip), its documents one after another. A BSON
// document is its length (int32, little-endian, itself included), its
// elements and a 0 byte; an element is a type byte, a name (a C string)
// and a value (bsonspec.org, version 1.1).
//
// Each document is a record of a table named after the collection. Its
// strings, numbers and dates are the cells, named by their key path
// inside the document ("adresse.ville"), as for JSON; the elements of an
// array are cells of the array's name ("enfants.prenom"), so a person's
// children or phone numbers stay in the person's record. A date is read
// as ISO 8601, and as its day alone when it falls on midnight, in UTC or
// in Paris (a date picked in France is often stored at 22:00 or 23:00
// UTC the day before). Binary data is read only when it is UTF-8 text.
// ObjectIds, booleans, timestamps, code and regular expressions hold no
// personal data and are left out. A record's line is its document number.
//
// A document whose elements are broken is reported, what it held before
// the break is read, and reading goes on at the next document: the
// lengths frame the documents. A length that cannot be one ends the file.

// maxBSONDoc bounds a document: MongoDB's own limit is 16 MiB.
const maxBSONDoc = 16<<20 + 16<<10

// maxBSONDepth bounds the nesting of documents and arrays (MongoDB's is 100).
const maxBSONDepth = 128

// BSON element types.
const (
	bsonDouble     = 0x01
	bsonString     = 0x02
	bsonDocument   = 0x03
	bsonArray      = 0x04
	bsonBinary     = 0x05
	bsonUndefined  = 0x06
	bsonObjectID   = 0x07
	bsonBool       = 0x08
	bsonDate       = 0x09
	bsonNull       = 0x0A
	bsonRegex      = 0x0B
	bsonDBPointer  = 0x0C
	bsonCode       = 0x0D
	bsonSymbol     = 0x0E
	bsonCodeScope  = 0x0F
	bsonInt32      = 0x10
	bsonTimestamp  = 0x11
	bsonInt64      = 0x12
	bsonDecimal128 = 0x13
	bsonMaxKey     = 0x7F
	bsonMinKey     = 0xFF
)

// bsonFixed is the size of the values of fixed size, by type.
var bsonFixed = [256]int{
	bsonDouble: 8, bsonObjectID: 12, bsonBool: 1, bsonDate: 8,
	bsonInt32: 4, bsonTimestamp: 8, bsonInt64: 8, bsonDecimal128: 16,
}

// isBSON tells a BSON dump: a .bson name and a plausible first length, or
// a first document that the head holds whole and that is well formed,
// with at least one element.
func isBSON(name string, head []byte) bool {
	if len(head) < 5 {
		return false
	}
	n := int(binary.LittleEndian.Uint32(head))
	if n < 5 || n > maxBSONDoc {
		return false
	}
	if strings.EqualFold(path.Ext(name), ".bson") {
		return true
	}
	if n > len(head) || n < 8 || head[n-1] != 0 {
		return false
	}
	var b bsonReader
	return b.elements(head[4:n-1], 0, 0, false) == nil && b.elems > 0
}

// bsonSource reads a BSON dump as a table.
func (e *Extractor) bsonSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatBSON)
	cr := &countReader{r: br}
	err := readBSON(ctx, bufio.NewReaderSize(cr, 64<<10), d, tableName(src.name), src.display, e.o.MaxValue)
	return e.endDoc(d, src, cr.n, err)
}

// bsonReader reads the documents of one dump.
type bsonReader struct {
	rowBuffer        // the document's values; no table for the sniffer
	name      []byte // the key path being read
	maxVal    int
	n         int // the document's number
	elems     int // elements read, for the sniffer
	reported  int // problems reported
}

func newBSONReader(t Table, maxValue int) *bsonReader {
	return &bsonReader{rowBuffer: newRowBuffer(t, maxValue), maxVal: maxValue}
}

func readBSON(ctx context.Context, r *bufio.Reader, d Doc, table, display string, maxValue int) error {
	b := newBSONReader(d.Table(table), maxValue)
	defer b.t.End()
	var (
		buf []byte
		off int64
		lb  [4]byte // out of the loop: read through an interface, it is allocated
	)
	for b.n = 1; ; b.n++ {
		if b.n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("%w: the file ends inside the length of document %d", ErrSyntax, b.n)
		}
		size := int(binary.LittleEndian.Uint32(lb[:]))
		if size < 5 || size > maxBSONDoc {
			return fmt.Errorf("%w: document %d at byte %d: a length of %d bytes cannot be a document's; the rest is not read", ErrSyntax, b.n, off, int32(size))
		}
		var err error
		if buf, err = b.document(r, lb, buf, off, d, display); err != nil {
			return err
		}
		off += int64(size)
	}
}

// document reads into buf the document whose length lb holds (read from
// r already, and valid), files it as record b.n and returns it whole. A
// broken document is reported and what it held before the break read;
// only one the input cuts short ends the reading (the error).
func (b *bsonReader) document(r *bufio.Reader, lb [4]byte, buf []byte, off int64, d Doc, display string) ([]byte, error) {
	size := int(binary.LittleEndian.Uint32(lb[:]))
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	doc := buf[:size]
	copy(doc, lb[:])
	got, rerr := io.ReadFull(r, doc[4:])
	body, cut := doc[4:4+got], rerr != nil
	if !cut {
		if body[len(body)-1] != 0 {
			cut = true // not a document's end: read what parses
		}
		body = body[:len(body)-1]
	}
	err := b.elements(body, 0, 0, false)
	b.emit(b.n)
	switch {
	case rerr != nil:
		return doc, fmt.Errorf("%w: the file ends inside document %d (byte %d)", ErrSyntax, b.n, off)
	case err != nil && b.reported < maxProblems:
		b.reported++
		d.Problem(Problem{Path: display, Line: b.n, Err: fmt.Errorf("%w: document %d at byte %d: %v; the rest of it is not read", ErrSyntax, b.n, off, err)})
	case cut && b.reported < maxProblems:
		b.reported++
		d.Problem(Problem{Path: display, Line: b.n, Err: fmt.Errorf("%w: document %d at byte %d does not end where its length says", ErrSyntax, b.n, off)})
	}
	return doc, nil
}

var (
	errBSONCut   = errors.New("an element runs past the document's end")
	errBSONType  = errors.New("an unknown element type")
	errBSONDepth = fmt.Errorf("documents nested more than %d deep", maxBSONDepth)
)

// elements reads the elements of a document or array body (its length
// and final 0 taken off), under the key path b.name[:plen]. The keys of
// an array's elements (0, 1, …) are not part of the path.
func (b *bsonReader) elements(p []byte, plen, depth int, array bool) error {
	if depth > maxBSONDepth {
		return errBSONDepth
	}
	for len(p) > 0 {
		typ := p[0]
		z := bytes.IndexByte(p[1:], 0)
		if z < 0 {
			return errBSONCut
		}
		key := p[1 : 1+z]
		p = p[2+z:]
		b.elems++
		name := b.name[:plen]
		if !array {
			if plen > 0 {
				name = append(name, '.')
			}
			name = append(name, key...)
			b.name = name
		}
		var v []byte // a value read as text
		var num [64]byte
		if size := bsonFixed[typ]; size > 0 {
			if len(p) < size {
				return errBSONCut
			}
			w := p[:size]
			p = p[size:]
			switch typ {
			case bsonDouble:
				if f := math.Float64frombits(binary.LittleEndian.Uint64(w)); !math.IsNaN(f) && !math.IsInf(f, 0) {
					format := byte('f')
					if math.Abs(f) >= 1e21 {
						format = 'g'
					}
					v = strconv.AppendFloat(num[:0], f, format, -1, 64)
				}
			case bsonDate:
				v = bsonTime(num[:0], int64(binary.LittleEndian.Uint64(w)))
			case bsonInt32:
				v = strconv.AppendInt(num[:0], int64(int32(binary.LittleEndian.Uint32(w))), 10)
			case bsonInt64:
				v = strconv.AppendInt(num[:0], int64(binary.LittleEndian.Uint64(w)), 10)
			case bsonDecimal128:
				v = appendDecimal128(num[:0], binary.LittleEndian.Uint64(w), binary.LittleEndian.Uint64(w[8:]))
			}
			// ObjectIds, booleans and timestamps: nothing to read.
		} else {
			switch typ {
			case bsonString, bsonSymbol, bsonCode:
				s, rest, err := bsonStr(p)
				if err != nil {
					return err
				}
				if typ != bsonCode {
					v = s
				}
				p = rest
			case bsonDocument, bsonArray:
				if len(p) < 5 {
					return errBSONCut
				}
				n := int(binary.LittleEndian.Uint32(p))
				if n < 5 || n > len(p) || p[n-1] != 0 {
					return errBSONCut
				}
				if err := b.elements(p[4:n-1], len(name), depth+1, typ == bsonArray); err != nil {
					return err
				}
				p = p[n:]
				continue
			case bsonBinary:
				if len(p) < 5 {
					return errBSONCut
				}
				n := int(binary.LittleEndian.Uint32(p))
				if n < 0 || n > len(p)-5 {
					return errBSONCut
				}
				if data := p[5 : 5+n]; (p[4] == 0x00 || p[4] == 0x80) && utf8.Valid(data) && isPrintable(data) {
					v = data // text kept as bytes (a note, a JSON blob)
				}
				p = p[5+n:]
			case bsonUndefined, bsonNull, bsonMinKey, bsonMaxKey:
			case bsonRegex:
				for range 2 {
					z := bytes.IndexByte(p, 0)
					if z < 0 {
						return errBSONCut
					}
					p = p[z+1:]
				}
			case bsonDBPointer:
				_, rest, err := bsonStr(p)
				if err != nil || len(rest) < 12 {
					return errBSONCut
				}
				p = rest[12:]
			case bsonCodeScope:
				if len(p) < 4 {
					return errBSONCut
				}
				n := int(binary.LittleEndian.Uint32(p))
				if n < 4 || n > len(p) {
					return errBSONCut
				}
				p = p[n:]
			default:
				return errBSONType
			}
		}
		if len(v) > 0 && b.t != nil {
			b.cell(name, v)
		}
	}
	return nil
}

// cell files value v under the column of key path name.
func (b *bsonReader) cell(name, v []byte) {
	if len(name) > maxKey {
		name = name[:utf8Cut(name, maxKey)]
	}
	col := b.column(name, name)
	if len(v) > b.maxVal {
		v = v[:utf8Cut(v, b.maxVal)]
	}
	if len(b.cells) >= maxCells {
		b.emit(b.n) // a huge document: the rest in another row of the same number
	}
	start := len(b.arena)
	b.arena = append(b.arena, v...)
	b.add(col, start)
}

// bsonStr reads a string value: its length (the final 0 included), its
// bytes and a 0.
func bsonStr(p []byte) (s, rest []byte, err error) {
	if len(p) < 5 {
		return nil, nil, errBSONCut
	}
	n := int(binary.LittleEndian.Uint32(p))
	if n < 1 || n > len(p)-4 || p[3+n] != 0 {
		return nil, nil, errBSONCut
	}
	return p[4 : 3+n], p[4+n:], nil
}

// bsonTime writes a BSON date (milliseconds since 1970, UTC): the day
// alone when it is midnight in UTC, or at 22:00 or 23:00 UTC (midnight in
// Paris, summer or winter: the day after); else the instant in ISO 8601.
func bsonTime(dst []byte, ms int64) []byte {
	t := time.UnixMilli(ms).UTC()
	if ms%3_600_000 == 0 {
		switch t.Hour() {
		case 0:
			return t.AppendFormat(dst, "2006-01-02")
		case 22, 23:
			return t.Add(2*time.Hour).AppendFormat(dst, "2006-01-02")
		}
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z")
}

// appendDecimal128 writes an IEEE 754-2008 decimal128 (binary integer
// decimal, as BSON stores it) in plain notation.
func appendDecimal128(dst []byte, lo, hi uint64) []byte {
	if hi>>61&3 == 3 {
		// Infinity, NaN, or a coefficient past 10^34 (none is canonical):
		// no number to read.
		return dst
	}
	if hi>>63 != 0 {
		dst = append(dst, '-')
	}
	exp := int(hi>>49&0x3FFF) - 6176
	// The coefficient's digits (at most 35): most amounts fit in the low
	// 64 bits, read with no allocation.
	var buf [40]byte
	var digits []byte
	if high := hi & (1<<49 - 1); high == 0 {
		if lo == 0 {
			return append(dst[:0], '0')
		}
		digits = strconv.AppendUint(buf[:0], lo, 10)
	} else {
		coef := new(big.Int).SetUint64(high)
		coef.Lsh(coef, 64).Or(coef, new(big.Int).SetUint64(lo))
		digits = coef.Append(buf[:0], 10)
	}
	switch {
	case exp >= 0 && exp <= 40:
		dst = append(dst, digits...)
		for range exp {
			dst = append(dst, '0')
		}
	case exp < 0 && -exp < len(digits):
		k := len(digits) + exp
		dst = append(append(append(dst, digits[:k]...), '.'), digits[k:]...)
	case exp < 0 && -exp-len(digits) <= 40:
		dst = append(dst, "0."...)
		for range -exp - len(digits) {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(append(dst, digits...), 'E')
		dst = strconv.AppendInt(dst, int64(exp), 10)
	}
	return dst
}

// isPrintable tells text from binary data that happens to be UTF-8: no
// control character but tab, line feed and carriage return.
func isPrintable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F {
			return false
		}
	}
	return len(b) > 0
}
