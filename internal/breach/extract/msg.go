package extract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Outlook messages (.msg, [MS-OXMSG]): a compound file whose root holds
// the message's properties, one stream each ("__substg1.0_" then the
// property's id and type), a storage for each recipient and each
// attachment. The message is read as Outlook shows it: its subject, its
// sender, its recipients, then the lines of its plain text body (else its
// HTML or its compressed RTF, as documents of their own); those
// lines are numbered in that order, as no line of the file holds them.
// Attachments are documents of their own, read by their format; a
// message attached to the message is read in its place.

// Property ids ([MS-OXPROPS]).
const (
	propSubject       = 0x0037
	propSentReprName  = 0x0042
	propSentReprEmail = 0x0065
	propSenderName    = 0x0C1A
	propSenderEmail   = 0x0C1F
	propBody          = 0x1000
	propRTFCompressed = 0x1009
	propHTML          = 0x1013
	propRecipName     = 0x3001
	propRecipEmail    = 0x3003
	propAttachData    = 0x3701
	propAttachName    = 0x3704
	propAttachLong    = 0x3707
	propRecipSMTP     = 0x39FE
	propSenderSMTP    = 0x5D01
	propSentReprSMTP  = 0x5D02
)

// maxMsgProperty bounds what one property stream may take in memory.
const maxMsgProperty = 64 << 20

// isOutlookMessage tells a .msg by its root: a property stream.
func isOutlookMessage(c *cfb) bool {
	_, ok := c.find("__properties_version1.0")
	return ok
}

// msgReader reads one Outlook message file.
type msgReader struct {
	msgLines
	c *cfb
}

// msgLines hands over the lines of a message (.msg, TNEF) that no line of
// the file holds: they are numbered in the order they are written.
type msgLines struct {
	e       *Extractor
	ctx     context.Context
	d       Doc
	src     *source
	h       Handler
	n       int // lines handed over
	line    Line
	buf     []byte
	scratch []byte
}

func (e *Extractor) readMsg(ctx context.Context, c *cfb, d Doc, src *source, h Handler) error {
	r := &msgReader{msgLines: msgLines{e: e, ctx: ctx, d: d, src: src, h: h}, c: c}
	return r.message(0, "", 0)
}

// message reads the message whose properties are in storage i; place
// prefixes the names of its attachments (an attached message's).
func (r *msgReader) message(i uint32, place string, depth int) error {
	if subject, ok := r.text(i, propSubject); ok {
		r.emit("Subject: ", subject)
	}
	name, _ := r.text(i, propSenderName)
	addr, ok := r.text(i, propSenderSMTP)
	if !ok {
		addr, _ = r.text(i, propSenderEmail)
	}
	if len(name) == 0 && len(addr) == 0 {
		name, _ = r.text(i, propSentReprName)
		if addr, ok = r.text(i, propSentReprSMTP); !ok {
			addr, _ = r.text(i, propSentReprEmail)
		}
	}
	if len(name) > 0 || len(addr) > 0 {
		r.emit("From: ", mailbox(name, addr))
	}
	var attachments []uint32
	for _, k := range r.c.children(i) {
		e := r.c.dir[k]
		switch {
		case e.kind == 1 && strings.HasPrefix(strings.ToLower(e.name), "__recip_version1.0_"):
			name, _ := r.text(k, propRecipName)
			addr, ok := r.text(k, propRecipSMTP)
			if !ok {
				addr, _ = r.text(k, propRecipEmail)
			}
			if len(name) > 0 || len(addr) > 0 {
				r.emit("To: ", mailbox(name, addr))
			}
		case e.kind == 1 && strings.HasPrefix(strings.ToLower(e.name), "__attach_version1.0_"):
			attachments = append(attachments, k)
		}
	}
	if body, ok := r.text(i, propBody); ok {
		for _, l := range bytes.Split(body, []byte("\n")) {
			r.emit("", bytes.TrimRight(l, "\r"))
		}
	} else if html, ok := r.property(i, propHTML, 0x0102); ok {
		// No plain text: the HTML, as a document of its own.
		if err := r.e.read(r.ctx, member(r.src, place+"body.html", bytes.NewReader(html), int64(len(html)), false), r.h); err != nil {
			return err
		}
	} else if rtf, ok := r.property(i, propRTFCompressed, 0x0102); ok {
		// Nor HTML: the RTF, decompressed.
		text, err := decompressRTF(rtf, maxMsgProperty)
		if err != nil {
			r.d.Problem(Problem{Path: r.src.display, Line: r.n, Offset: -1, Err: fmt.Errorf("%w: the RTF body: %v", ErrSyntax, err)})
		} else if err := r.e.read(r.ctx, member(r.src, place+"body.rtf", bytes.NewReader(text), int64(len(text)), false), r.h); err != nil {
			return err
		}
	}
	for n, k := range attachments {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if err := r.attachment(k, place, n+1, depth); err != nil {
			return err
		}
	}
	return nil
}

// attachment reads an attachment: its data by its format, or an attached
// message in its place.
func (r *msgReader) attachment(k uint32, place string, n, depth int) error {
	name, ok := r.text(k, propAttachLong)
	if !ok {
		if name, ok = r.text(k, propAttachName); !ok {
			name, _ = r.text(k, propRecipName) // the display name
		}
	}
	file := safeName(string(name))
	if file == "" {
		file = "attachment " + strconv.Itoa(n)
	}
	if e, ok := r.c.child(k, propName(propAttachData, 0x0102), 2); ok {
		sr, err := r.c.open(e)
		if err != nil {
			r.d.Problem(Problem{Path: r.src.display + "!/" + place + file, Offset: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, err)})
			return nil
		}
		return r.e.read(r.ctx, member(r.src, place+file, sr, int64(e.size), false), r.h)
	}
	if sub, ok := r.c.lookup(k, propName(propAttachData, 0x000D), 1); ok {
		if depth+1 >= r.e.o.MaxDepth {
			r.d.Problem(Problem{Path: r.src.display, Line: r.n, Offset: -1, Skipped: true,
				Err: fmt.Errorf("%w: messages attached to messages, more than %d levels; not opened", ErrDepth, r.e.o.MaxDepth)})
			return nil
		}
		return r.message(sub, place+strconv.Itoa(n)+"/", depth+1)
	}
	return nil
}

// mailbox writes "name <address>", or what there is of it.
func mailbox(name, addr []byte) []byte {
	switch {
	case len(addr) == 0:
		return name
	case len(name) == 0 || bytes.Equal(name, addr):
		return addr
	}
	out := append(append([]byte(nil), name...), " <"...)
	return append(append(out, addr...), '>')
}

// safeName is the last part of an attachment's name, its control
// characters replaced; "" when nothing is left of it.
func safeName(name string) string {
	file := path.Base(strings.ReplaceAll(name, "\\", "/"))
	file = strings.Map(func(c rune) rune {
		if c < ' ' || c == 0x7F {
			return '_'
		}
		return c
	}, file)
	if file == "." || file == "/" || file == ".." {
		return ""
	}
	return file
}

// emit hands over one line, in pieces of at most MaxLine bytes: a
// property holds up to maxMsgProperty bytes, often without a line break
// (an HTML body, a base64 blob pasted into a note).
func (r *msgLines) emit(prefix string, text []byte) {
	r.n++
	r.buf = append(append(r.buf[:0], prefix...), text...)
	out, rec := ensureUTF8(r.buf, &r.scratch)
	for off := 0; ; {
		n := utf8Cut(out, r.e.o.MaxLine)
		r.line = Line{N: r.n, Off: off, Text: out[:n], Recoded: rec}
		r.d.Line(&r.line)
		if n == len(out) {
			return
		}
		off += origOffset(out, n, rec)
		out = out[n:]
	}
}

func propName(id, typ int) string {
	return fmt.Sprintf("__substg1.0_%04X%04X", id, typ)
}

// text reads a string property of storage i: UTF-16 (type 001F), or
// 8-bit (001E) read as UTF-8 when valid, Windows-1252 otherwise.
func (r *msgReader) text(i uint32, id int) ([]byte, bool) {
	if b, ok := r.property(i, id, 0x001F); ok {
		return bytes.TrimRight(appendUTF16LE(nil, b), "\x00"), true
	}
	if b, ok := r.property(i, id, 0x001E); ok {
		b = bytes.TrimRight(b, "\x00")
		if utf8.Valid(b) {
			return b, true
		}
		return recode(nil, b), true
	}
	return nil, false
}

// property reads a property stream of storage i whole (up to a bound).
func (r *msgReader) property(i uint32, id, typ int) ([]byte, bool) {
	e, ok := r.c.child(i, propName(id, typ), 2)
	if !ok {
		return nil, false
	}
	sr, err := r.c.open(e)
	if err != nil {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(sr, maxMsgProperty))
	if err != nil {
		return nil, false
	}
	return b, true
}
