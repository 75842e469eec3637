package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// TNEF ([MS-OXTNEF]) is how Outlook and Exchange wrap a message's rich
// content into one attachment, winmail.dat (application/ms-tnef): a
// signature, then attributes one after another, each a level (message
// or attachment), an id, a length, the data and a checksum. The message
// is read as a .msg is: its subject, its sender, its recipients, then its
// body; the body is the plain text when there is one, else the RTF
// (compressed, [MS-OXRTFCP]) or the HTML, read as documents of their own.
// Each attachment is a document of its own, read by its format as its
// data streams past; an attached message is read in its place.

const tnefSignature = 0x223E9F78

// The attributes read: the attribute's id in the low word, the type of
// its data in the high one.
const (
	attFrom          = 0x00008000 // triples: the sender's name and address
	attSubject       = 0x00018004 // string
	attBody          = 0x0002800C // text
	attAttachData    = 0x0006800F // the attachment's content
	attAttachTitle   = 0x00018010 // the attachment's file name
	attAttachRenddat = 0x00069002 // starts an attachment
	attMsgProps      = 0x00069003 // the message's MAPI properties
	attRecipTable    = 0x00069004 // the recipients: rows of MAPI properties
	attAttachment    = 0x00069005 // the attachment's MAPI properties
)

// tnefReader reads one TNEF stream.
type tnefReader struct {
	msgLines
	r        *bufio.Reader
	off      int64  // bytes of the stream read
	body     bool   // a plain text body was read
	rich     []byte // the RTF or HTML body, read when no plain text came
	richName string
	attach   int    // attachments begun
	title    string // the current attachment's name
	hasData  bool   // the current attachment's content was read
	held     []byte // its content, held until its long name comes (tnefHoldMax)
	holding  bool
	data     []byte
}

// tnefHoldMax bounds an attachment held until its properties, which give
// its long name ("Liste des usagers 2024.csv" rather than the title's
// USAGER~1.CSV), come after its content; a larger one is read as it
// streams, under its title.
const tnefHoldMax = 16 << 20

func (e *Extractor) tnefSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatTNEF)
	if e.tooDeep(d, src) { // messages attached to messages
		d.End(max(src.size, 0))
		return nil
	}
	cr := &countReader{r: br}
	t := &tnefReader{msgLines: msgLines{e: e, ctx: ctx, d: d, src: src, h: h}, r: bufio.NewReaderSize(cr, 64<<10)}
	return e.endDoc(d, src, cr.n, t.read())
}

func (t *tnefReader) read() error {
	var head [6]byte
	if _, err := io.ReadFull(t.r, head[:]); err != nil {
		return fmt.Errorf("%w: the TNEF header is cut short", ErrSyntax)
	}
	if binary.LittleEndian.Uint32(head[:]) != tnefSignature {
		return fmt.Errorf("%w: no TNEF signature", ErrSyntax)
	}
	t.off = 6
	for n := 0; ; n++ {
		if n&255 == 0 && t.ctx.Err() != nil {
			return t.ctx.Err()
		}
		var hdr [9]byte
		if _, err := io.ReadFull(t.r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return t.end()
			}
			return fmt.Errorf("%w: attribute header cut short at byte %d", ErrSyntax, t.off)
		}
		at := t.off
		id, size := binary.LittleEndian.Uint32(hdr[1:]), int64(binary.LittleEndian.Uint32(hdr[5:]))
		t.off += 9
		if id == attAttachData {
			if err := t.attachData(size); err != nil {
				return err
			}
		} else if err := t.attribute(id, size, at); err != nil {
			return err
		}
		t.off += size
		if _, err := t.r.Discard(2); err != nil { // the checksum
			return fmt.Errorf("%w: the attribute at byte %d runs past the end of the stream", ErrSyntax, at)
		}
		t.off += 2
	}
}

// attribute reads one attribute whole and takes what it holds.
func (t *tnefReader) attribute(id uint32, size, at int64) error {
	switch id {
	case attFrom, attSubject, attBody, attAttachTitle, attAttachRenddat, attMsgProps, attRecipTable, attAttachment:
	default:
		if _, err := t.r.Discard(int(size)); err != nil {
			return fmt.Errorf("%w: the attribute at byte %d runs past the end of the stream", ErrSyntax, at)
		}
		return nil
	}
	if size > maxMsgProperty {
		t.d.Problem(Problem{Path: t.src.display, Offset: at, Skipped: true, Err: fmt.Errorf("%w: an attribute of %d bytes", ErrLimit, size)})
		if _, err := t.r.Discard(int(size)); err != nil {
			return fmt.Errorf("%w: the attribute at byte %d runs past the end of the stream", ErrSyntax, at)
		}
		return nil
	}
	if int64(cap(t.data)) < size {
		t.data = make([]byte, size)
	}
	data := t.data[:size]
	if _, err := io.ReadFull(t.r, data); err != nil {
		return fmt.Errorf("%w: the attribute at byte %d runs past the end of the stream", ErrSyntax, at)
	}
	switch id {
	case attSubject:
		t.emit("Subject: ", string8(data))
	case attFrom:
		// A TRP: type, size, the lengths of the name and the address
		// (each ending in a NUL), then the name and the address.
		if len(data) >= 8 {
			cch, cb := int(binary.LittleEndian.Uint16(data[4:])), int(binary.LittleEndian.Uint16(data[6:]))
			rest := data[8:]
			name := rest[:min(cch, len(rest))]
			addr := rest[min(cch+cch&1, len(rest)):]
			addr = bytes.TrimPrefix(addr[:min(cb, len(addr))], []byte("SMTP:"))
			if s := mailbox(string8(name), string8(addr)); len(s) > 0 {
				t.emit("From: ", s)
			}
		}
	case attBody:
		t.lines(string8(data))
	case attAttachRenddat:
		if err := t.release(nil); err != nil {
			return err
		}
		t.attach++
		t.title, t.hasData = "", false
	case attAttachTitle:
		t.title = string(string8(data))
	case attMsgProps:
		return t.messageProps(data, at)
	case attRecipTable:
		if len(data) < 4 {
			return fmt.Errorf("%w: the recipient table at byte %d is cut short", ErrSyntax, at)
		}
		rows, rest := binary.LittleEndian.Uint32(data), data[4:]
		for k := uint32(0); k < rows && len(rest) >= 4; k++ {
			v, n, err := mapiValues(rest)
			if err != nil {
				t.broken(at, fmt.Errorf("recipient %d of the table at byte %d: %v", k+1, at, err))
				break
			}
			rest = rest[n:]
			if s := mailbox(v[propRecipName], v.first(propRecipSMTP, propRecipEmail)); len(s) > 0 {
				t.emit("To: ", s)
			}
		}
	case attAttachment:
		return t.attachmentProps(data, at)
	}
	return nil
}

// messageProps takes the message's subject, sender and body from its
// MAPI properties.
func (t *tnefReader) messageProps(data []byte, at int64) error {
	v, _, err := mapiValues(data)
	if err != nil {
		t.broken(at, fmt.Errorf("the message's properties at byte %d: %v", at, err)) // what came before is read
	}
	if subject := v[propSubject]; len(subject) > 0 {
		t.emit("Subject: ", subject)
	}
	if s := mailbox(v[propSenderName], v.first(propSenderSMTP, propSenderEmail)); len(s) > 0 {
		t.emit("From: ", s)
	}
	if body := v[propBody]; len(body) > 0 {
		t.lines(body)
	}
	switch rtf, html := v[propRTFCompressed], v[propHTML]; {
	case len(rtf) > 0:
		text, err := decompressRTF(rtf, maxMsgProperty)
		if err != nil {
			t.broken(at, fmt.Errorf("the RTF body: %v", err))
			break
		}
		t.rich, t.richName = text, "body.rtf"
	case len(html) > 0:
		t.rich, t.richName = bytes.Clone(html), "body.html"
	}
	return nil
}

// attachmentProps reads an attached message, or the content of an
// attachment that has no attAttachData.
func (t *tnefReader) attachmentProps(data []byte, at int64) error {
	var obj, bin, long []byte
	_, err := mapiProps(data, func(id, typ int, v []byte) {
		switch {
		case id == propAttachData && typ == 0x000D && len(v) > 16:
			obj = bytes.Clone(v[16:]) // after the interface's id: a TNEF stream
		case id == propAttachData && typ == 0x0102:
			bin = bytes.Clone(v)
		case id == propAttachLong:
			long = mapiText(typ, v)
		}
	})
	if err != nil {
		t.broken(at, fmt.Errorf("the properties of attachment %d at byte %d: %v", t.attach, at, err))
	}
	if t.holding {
		return t.release(long)
	}
	name := t.name(long)
	switch {
	case obj != nil:
		return t.e.read(t.ctx, member(t.src, name, bytes.NewReader(obj), int64(len(obj)), false), t.h)
	case bin != nil && !t.hasData:
		return t.e.read(t.ctx, member(t.src, name, bytes.NewReader(bin), int64(len(bin)), false), t.h)
	}
	return nil
}

// broken reports an attribute whose content cannot be read whole: its
// length is known, the stream goes on after it.
func (t *tnefReader) broken(at int64, err error) {
	t.d.Problem(Problem{Path: t.src.display, Offset: at, Err: fmt.Errorf("%w: %v", ErrSyntax, err)})
}

// attachData holds an attachment's content until its name is known, or
// reads it as it streams past.
func (t *tnefReader) attachData(size int64) error {
	t.hasData = true
	if size <= tnefHoldMax {
		t.held = slices.Grow(t.held[:0], int(size))[:size]
		if _, err := io.ReadFull(t.r, t.held); err != nil {
			return fmt.Errorf("%w: attachment %d runs past the end of the stream", ErrSyntax, t.attach)
		}
		t.holding = true
		return nil
	}
	lr := io.LimitReader(t.r, size)
	err := t.e.read(t.ctx, member(t.src, t.name(nil), lr, size, false), t.h)
	if _, derr := io.Copy(io.Discard, lr); derr != nil && err == nil {
		err = derr
	}
	if lr.(*io.LimitedReader).N > 0 && err == nil {
		err = fmt.Errorf("%w: attachment %d runs past the end of the stream", ErrSyntax, t.attach)
	}
	return err
}

// release reads the attachment held, under its long name if it came.
func (t *tnefReader) release(long []byte) error {
	if !t.holding {
		return nil
	}
	t.holding = false
	return t.e.read(t.ctx, member(t.src, t.name(long), bytes.NewReader(t.held), int64(len(t.held)), false), t.h)
}

// name is an attachment's file name: its long name, its title, else its
// number.
func (t *tnefReader) name(long []byte) string {
	name := string(long)
	if name == "" {
		name = t.title
	}
	if name = safeName(name); name == "" {
		name = "attachment " + strconv.Itoa(t.attach)
	}
	return name
}

// end reads the RTF or HTML body when no plain text came.
func (t *tnefReader) end() error {
	if err := t.release(nil); err != nil {
		return err
	}
	if t.body || t.rich == nil {
		return nil
	}
	return t.e.read(t.ctx, member(t.src, t.richName, bytes.NewReader(t.rich), int64(len(t.rich)), false), t.h)
}

// lines emits a body, a line for each of its lines.
func (t *tnefReader) lines(body []byte) {
	t.body = true
	for _, l := range bytes.Split(body, []byte("\n")) {
		t.emit("", bytes.TrimRight(l, "\r"))
	}
}

// string8 reads an 8-bit string: up to its NUL, as UTF-8 when valid,
// else as Windows-1252.
func string8(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if utf8.Valid(b) {
		return b
	}
	return recode(nil, b)
}

// mapiSet is the first value of each property of a list, strings
// decoded to UTF-8, other values as they are (into the list's bytes).
type mapiSet map[int][]byte

// mapiValues reads a list of MAPI properties into a mapiSet; it returns
// the bytes the list took.
func mapiValues(b []byte) (mapiSet, int, error) {
	v := mapiSet{}
	n, err := mapiProps(b, func(id, typ int, val []byte) {
		if _, ok := v[id]; ok {
			return
		}
		if text := mapiText(typ, val); text != nil {
			val = text
		}
		v[id] = val
	})
	return v, n, err
}

// first returns the first of ids the set holds a value for.
func (v mapiSet) first(ids ...int) []byte {
	for _, id := range ids {
		if len(v[id]) > 0 {
			return v[id]
		}
	}
	return nil
}

// mapiText reads a string property: UTF-16 (type 001F) or 8-bit (001E).
func mapiText(typ int, v []byte) []byte {
	switch typ {
	case 0x001F:
		return bytes.TrimRight(appendUTF16LE(nil, v), "\x00")
	case 0x001E:
		return string8(v)
	}
	return nil
}

// mapiProps walks a list of MAPI properties as TNEF writes them ([MS-
// OXTNEF] 2.1.3.4): a count, then each property's type and id, the name
// of a named property, and its values; f gets each single value (the
// values of a multi-valued property one by one). It returns the bytes
// the list took.
func mapiProps(b []byte, f func(id, typ int, v []byte)) (int, error) {
	if len(b) < 4 {
		return 0, errors.New("cut short")
	}
	le := binary.LittleEndian
	count, p := le.Uint32(b), 4
	need := func(n int) error {
		if n < 0 || p+n > len(b) {
			return errors.New("cut short")
		}
		return nil
	}
	for k := uint32(0); k < count; k++ {
		if err := need(4); err != nil {
			return 0, err
		}
		typ, id := int(le.Uint16(b[p:])), int(le.Uint16(b[p+2:]))
		p += 4
		if id >= 0x8000 { // a named property: its set, then an id or a name
			if err := need(20); err != nil {
				return 0, err
			}
			kind := le.Uint32(b[p+16:])
			p += 20
			switch kind {
			case 0:
				p += 4
			case 1:
				if err := need(4); err != nil {
					return 0, err
				}
				n := int(le.Uint32(b[p:]))
				p += 4
				if err := need(n); err != nil {
					return 0, err
				}
				p += (n + 3) &^ 3
			default:
				return 0, fmt.Errorf("a named property of kind %d", kind)
			}
		}
		base, multi := typ&^0x1000, typ&0x1000 != 0
		if size := mapiFixedSize(base); size > 0 {
			n := 1
			if multi {
				if err := need(4); err != nil {
					return 0, err
				}
				n = int(le.Uint32(b[p:]))
				p += 4
			}
			if n > len(b) {
				return 0, errors.New("cut short")
			}
			width := (size*n + 3) &^ 3
			if err := need(width); err != nil {
				return 0, err
			}
			p += width
			continue
		}
		switch base {
		case 0x001E, 0x001F, 0x0102, 0x000D, 0x00FB: // strings, binary, object, server id
		default:
			return 0, fmt.Errorf("a property of type 0x%04X", typ)
		}
		if err := need(4); err != nil {
			return 0, err
		}
		n := le.Uint32(b[p:])
		p += 4
		for v := uint32(0); v < n; v++ {
			if err := need(4); err != nil {
				return 0, err
			}
			size := int(le.Uint32(b[p:]))
			p += 4
			if err := need(size); err != nil {
				return 0, err
			}
			f(id, base, b[p:p+size])
			p += (size + 3) &^ 3
			if p > len(b) {
				p = len(b)
			}
		}
	}
	return p, nil
}

// mapiFixedSize is the size of a value of a fixed-size property type, 0
// for the others.
func mapiFixedSize(typ int) int {
	switch typ {
	case 0x0001, 0x0002, 0x0003, 0x0004, 0x000A, 0x000B: // null, 16 and 32-bit integers, float, error, boolean: 4 bytes with their padding
		return 4
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: // double, currency, date, 64-bit integer, time
		return 8
	case 0x0048: // GUID
		return 16
	}
	return 0
}

// The dictionary a compressed RTF starts from ([MS-OXRTFCP] 3.1.1.1.1).
const rtfDictionary = `{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}{\f0\fnil \froman \fswiss \fmodern \fscript \fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\colortbl\red0\green0\blue0` + "\r\n" + `\par \pard\plain\f0\fs20\b\i\u\tab\tx`

// decompressRTF decompresses an RTF body ([MS-OXRTFCP]): a header (the
// sizes, the kind, a CRC), then either the RTF as it is or LZ77 runs
// against a 4 KiB dictionary, 8 of them after each control byte; a run
// that points at the write position ends the data. At most limit bytes.
func decompressRTF(b []byte, limit int) ([]byte, error) {
	le := binary.LittleEndian
	if len(b) < 16 {
		return nil, errors.New("its header is cut short")
	}
	compSize, rawSize := int64(le.Uint32(b)), int(le.Uint32(b[4:]))
	in := b[16:]
	if end := compSize + 4; end >= 16 && end < int64(len(b)) {
		in = b[16:end]
	}
	switch le.Uint32(b[8:]) {
	case 0x414C454D: // "MELA": not compressed
		return in[:min(len(in), rawSize, limit)], nil
	case 0x75465A4C: // "LZFu"
	default:
		return nil, fmt.Errorf("a compression of kind 0x%08X", le.Uint32(b[8:]))
	}
	var dict [4096]byte
	w := copy(dict[:], rtfDictionary)
	out := make([]byte, 0, min(rawSize, limit, 1<<20))
	for len(in) > 0 {
		control := in[0]
		in = in[1:]
		for bit := 0; bit < 8 && len(in) > 0; bit++ {
			if control&(1<<bit) == 0 {
				out = append(out, in[0])
				dict[w], w = in[0], (w+1)&4095
				in = in[1:]
			} else {
				if len(in) < 2 {
					return out, nil
				}
				ref := int(in[0])<<8 | int(in[1])
				in = in[2:]
				off, n := ref>>4, ref&15+2
				if off == w {
					return out, nil
				}
				for k := 0; k < n; k++ {
					c := dict[(off+k)&4095]
					out = append(out, c)
					dict[w], w = c, (w+1)&4095
				}
			}
			if len(out) > limit {
				return nil, fmt.Errorf("more than %d bytes once decompressed", limit)
			}
		}
	}
	return out, nil
}
