package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
)

// mongodump --archive writes a dump's collections into one file (mongo-
// tools' archive format specification): a magic number, a header and the
// metadata of each collection (BSON documents) up to a terminator, then
// segments, each a namespace header, documents of that collection and a
// terminator, those of several collections interleaved as parallel dumps
// leave them; an EOF header, with the CRC-64 (ECMA) of all the
// collection's documents, closes each collection. With --gzip the whole
// archive is gzipped, which the gzip reader opens.
//
// Each collection is a table named db.collection, its documents read as a
// .bson dump's, a record's line its number in the collection.

// mongoArchiveMagic is 0x8199e26d, little-endian.
var mongoArchiveMagic = []byte{0x6D, 0xE2, 0x99, 0x81}

// archiveTerminator ends the prelude and each segment.
const archiveTerminator = 0xFFFFFFFF

// maxArchiveCollections bounds the collections read at once: each holds
// a table open until its EOF header.
const maxArchiveCollections = 1024

var crc64ECMA = crc64.MakeTable(crc64.ECMA)

// archiveCollection is a collection being read.
type archiveCollection struct {
	name string
	b    *bsonReader
	crc  hash.Hash64
}

func (e *Extractor) mongoArchiveSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatMongoArchive)
	cr := &countReader{r: br}
	err := readMongoArchive(ctx, bufio.NewReaderSize(cr, 64<<10), d, src.display, e.o.MaxValue)
	return e.endDoc(d, src, cr.n, err)
}

// archiveReader reads the framing of an archive: lengths, terminators
// and documents, counting the bytes for the problems' offsets.
type archiveReader struct {
	r   *bufio.Reader
	off int64
	buf []byte
	lb  [4]byte // read through an interface: a local would be allocated each time
}

// length reads a document's length, or a terminator (term); eof tells
// that the input ended cleanly before it.
func (a *archiveReader) length(what string) (lb [4]byte, term, eof bool, err error) {
	n, err := io.ReadFull(a.r, a.lb[:])
	lb = a.lb
	switch {
	case err == io.EOF:
		return lb, false, true, nil
	case err != nil:
		return lb, false, false, fmt.Errorf("%w: the archive ends inside the length of %s (byte %d)", ErrSyntax, what, a.off+int64(n))
	}
	v := binary.LittleEndian.Uint32(lb[:])
	if v == archiveTerminator {
		a.off += 4
		return lb, true, false, nil
	}
	if v < 5 || v > maxBSONDoc {
		return lb, false, false, fmt.Errorf("%w: %s at byte %d: a length of %d bytes cannot be a document's; the rest is not read", ErrSyntax, what, a.off, int32(v))
	}
	return lb, false, false, nil
}

// whole reads a document of the framing (a header): the archive's
// bytes, not the data's.
func (a *archiveReader) whole(lb [4]byte, what string) ([]byte, error) {
	size := int(binary.LittleEndian.Uint32(lb[:]))
	if cap(a.buf) < size {
		a.buf = make([]byte, size)
	}
	doc := a.buf[:size]
	copy(doc, lb[:])
	if _, err := io.ReadFull(a.r, doc[4:]); err != nil {
		return nil, fmt.Errorf("%w: the archive ends inside %s (byte %d)", ErrSyntax, what, a.off)
	}
	a.off += int64(size)
	return doc, nil
}

func readMongoArchive(ctx context.Context, r *bufio.Reader, d Doc, display string, maxValue int) error {
	a := &archiveReader{r: r}
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || !bytes.Equal(magic[:], mongoArchiveMagic) {
		return fmt.Errorf("%w: no mongodump archive magic number", ErrSyntax)
	}
	a.off = 4
	// The header and the collections' metadata: nothing personal (names,
	// options, indexes).
	for {
		lb, term, eof, err := a.length("the archive's header")
		if err != nil {
			return err
		}
		if eof {
			return fmt.Errorf("%w: the archive ends before its first terminator", ErrSyntax)
		}
		if term {
			break
		}
		if _, err := a.whole(lb, "the archive's header"); err != nil {
			return err
		}
	}
	open := map[string]*archiveCollection{}
	var order []*archiveCollection // to end the tables in a stable order
	defer func() {
		for _, c := range order {
			if open[c.name] == c {
				c.b.t.End()
			}
		}
	}()
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		lb, term, eof, err := a.length("a namespace header")
		switch {
		case err != nil:
			return err
		case eof:
			return nil
		case term:
			return fmt.Errorf("%w: a terminator at byte %d where a namespace header was expected; the rest is not read", ErrSyntax, a.off-4)
		}
		at := a.off
		hdr, err := a.whole(lb, "a namespace header")
		if err != nil {
			return err
		}
		ns, last, crc, err := namespaceHeader(hdr)
		if err != nil {
			return fmt.Errorf("%w: namespace header at byte %d: %v; the rest is not read", ErrSyntax, at, err)
		}
		c := open[ns]
		if c == nil && len(open) >= maxArchiveCollections {
			return fmt.Errorf("%w: more than %d collections at once; the rest is not read", ErrLimit, maxArchiveCollections)
		}
		if c == nil {
			c = &archiveCollection{name: ns, b: newBSONReader(d.Table(ns), maxValue), crc: crc64.New(crc64ECMA)}
			open[ns] = c
			order = append(order, c)
		}
		if last {
			if _, term, _, err := a.length("a terminator"); err != nil || !term {
				return fmt.Errorf("%w: no terminator after the EOF header of %s (byte %d); the rest is not read", ErrSyntax, ns, a.off)
			}
			if c.crc.Sum64() != crc && c.b.reported < maxProblems {
				d.Problem(Problem{Path: display, Offset: at, Err: fmt.Errorf("%w: collection %s damaged (its CRC does not match its documents)", ErrSyntax, ns)})
			}
			c.b.t.End()
			delete(open, ns)
			continue
		}
		// The segment's documents, up to its terminator.
		for {
			lb, term, eof, err := a.length("a document")
			switch {
			case err != nil:
				return fmt.Errorf("%w (collection %s)", err, ns)
			case eof:
				return fmt.Errorf("%w: the archive ends inside a segment of %s", ErrSyntax, ns)
			case term:
			default:
				c.b.n++
				doc, err := c.b.document(a.r, lb, a.buf, a.off, d, display)
				a.buf = doc
				if err != nil {
					return err
				}
				c.crc.Write(doc)
				a.off += int64(len(doc))
				continue
			}
			break
		}
	}
}

// namespaceHeader reads a namespace header: the collection it names
// (db.collection), whether it is the collection's EOF header, and then
// the CRC of its documents.
func namespaceHeader(doc []byte) (ns string, eof bool, crc uint64, err error) {
	p := doc[4 : len(doc)-1]
	if doc[len(doc)-1] != 0 {
		return "", false, 0, errBSONCut
	}
	var db, coll []byte
	for len(p) > 0 {
		typ := p[0]
		z := bytes.IndexByte(p[1:], 0)
		if z < 0 {
			return "", false, 0, errBSONCut
		}
		key := string(p[1 : 1+z])
		p = p[2+z:]
		switch {
		case typ == bsonString:
			s, rest, err := bsonStr(p)
			if err != nil {
				return "", false, 0, err
			}
			switch key {
			case "db":
				db = s
			case "collection":
				coll = s
			}
			p = rest
		case bsonFixed[typ] > 0:
			size := bsonFixed[typ]
			if len(p) < size {
				return "", false, 0, errBSONCut
			}
			switch {
			case key == "EOF" && typ == bsonBool:
				eof = p[0] != 0
			case key == "CRC" && typ == bsonInt64:
				crc = binary.LittleEndian.Uint64(p)
			}
			p = p[size:]
		default:
			return "", false, 0, errBSONType
		}
	}
	if len(coll) == 0 {
		return "", false, 0, fmt.Errorf("no collection named")
	}
	return string(db) + "." + string(coll), eof, crc, nil
}
