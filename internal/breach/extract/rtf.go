package extract

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"unicode/utf8"
)

// RTF (Rich Text Format, what Word and business applications write
// letters in): groups of control words around the text. The text is read
// as a reader of the letter sees it: a line for each paragraph (\par,
// \line, a table row), accents decoded (\'e9 in the document's code
// page, \u233 in Unicode), the font and color tables, the style sheet,
// the document's properties, pictures (their hex data would read as
// numbers), objects and field instructions left out.

// rtfMaxDepth bounds the nesting of groups kept track of.
const rtfMaxDepth = 1024

// rtfState is what a group inherits from the one around it.
type rtfState struct {
	skip    bool // a destination whose text is not the document's
	deleted bool // text deleted with changes tracked
	uc      int  // characters standing in for a \u character
}

// rtfSkipped are the destinations whose text is not the document's.
func rtfSkipped(word string) bool {
	switch word {
	case "fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "themedata", "colorschememapping",
		"datastore", "latentstyles", "listtable", "listoverridetable", "rsidtbl", "generator", "xmlnstbl",
		"mmathPr", "fldinst", "filetbl", "revtbl", "pgdsctbl", "shpinst", "nonshppict", "bkmkstart", "bkmkend":
		return true
	}
	return false
}

// readRTF reads an RTF document into d.
func readRTF(ctx context.Context, r io.Reader, d Doc, o Options) error {
	br := bufio.NewReaderSize(r, 64<<10)
	stack := []rtfState{{uc: 1}}
	var (
		line, del   []byte // the paragraph's text, and its deleted text
		scratch     []byte
		out         Line
		n           = 1
		pendingSkip int  // characters still to skip after a \u
		star        bool // \* seen: the group's destination is optional
		groupStart  bool // at the first token of a group
		depth       int  // groups past rtfMaxDepth, not tracked
	)
	// Deleted text is a line of its own, on the paragraph's number: it
	// neither cuts nor sticks to the text that stayed.
	emit := func() {
		for _, b := range [][]byte{line, del} {
			if len(b) > 0 {
				text, rec := ensureUTF8(b, &scratch)
				out = Line{N: n, Text: text, Recoded: rec}
				d.Line(&out)
			}
		}
		line, del = line[:0], del[:0]
		n++
	}
	add := func(b ...byte) {
		st := stack[len(stack)-1]
		if st.skip {
			return
		}
		if pendingSkip > 0 {
			pendingSkip--
			return
		}
		dst := &line
		if st.deleted {
			dst = &del
		}
		if len(*dst)+len(b) <= o.MaxLine {
			*dst = append(*dst, b...)
		}
	}
	for count := 0; ; count++ {
		if count&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		c, err := br.ReadByte()
		if err == io.EOF {
			emit()
			return nil
		}
		if err != nil {
			return err
		}
		switch c {
		case '{':
			if len(stack) >= rtfMaxDepth {
				depth++
				continue
			}
			stack = append(stack, stack[len(stack)-1])
			groupStart, star = true, false
			continue
		case '}':
			if depth > 0 {
				depth--
			} else if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			pendingSkip = 0
			groupStart, star = false, false
			continue
		case '\r', '\n':
			continue
		case '\\':
		default:
			add(c)
			groupStart = false
			continue
		}
		// A control word or symbol.
		c, err = br.ReadByte()
		if err != nil {
			emit()
			return nil
		}
		switch {
		case c == '\'':
			h, err := br.Peek(2)
			if err != nil || unhex(h[0]) < 0 || unhex(h[1]) < 0 {
				continue
			}
			br.Discard(2)
			var b [4]byte
			add(recode(b[:0], []byte{byte(unhex(h[0])<<4 | unhex(h[1]))})...)
		case c == '*':
			star = true
			continue
		case c == '~':
			add(' ')
		case c == '_':
			add('-')
		case c == '\\' || c == '{' || c == '}':
			add(c)
		case c == '\r' || c == '\n':
			emit() // \ before a line end is \par
		case isLetter(c):
			var word []byte
			word = append(word, c)
			for len(word) < 32 {
				c, err = br.ReadByte()
				if err != nil || !isLetter(c) {
					break
				}
				word = append(word, c)
			}
			param, has := 0, false
			neg := false
			if err == nil && c == '-' {
				neg = true
				c, err = br.ReadByte()
			}
			for digits := 0; err == nil && c >= '0' && c <= '9' && digits < 10; digits++ {
				param, has = param*10+int(c-'0'), true
				c, err = br.ReadByte()
			}
			if neg {
				param = -param
			}
			if err == nil && c != ' ' {
				br.UnreadByte() // the delimiter is the next token
			}
			w := string(word)
			st := &stack[len(stack)-1]
			if groupStart && (rtfSkipped(w) || star && !rtfKnownDestination(w)) {
				st.skip = true
			}
			if groupStart && !st.skip && (w == "annotation" || w == "footnote") {
				add('\t') // a note or a comment, apart from the text it is in
			}
			groupStart, star = false, false
			switch w {
			case "par", "line", "sect", "page", "row":
				emit()
			case "cell", "tab":
				add('\t')
			case "emdash":
				add([]byte("—")...)
			case "endash":
				add([]byte("–")...)
			case "lquote", "rquote":
				add('\'')
			case "ldblquote", "rdblquote":
				add('"')
			case "deleted":
				st.deleted = !has || param != 0
			case "plain":
				st.deleted = false
			case "uc":
				if has && param >= 0 && param < 16 {
					st.uc = param
				}
			case "u":
				if has {
					if param < 0 {
						param += 65536
					}
					r := rune(param)
					if !utf8.ValidRune(r) {
						r = utf8.RuneError
					}
					var b [4]byte
					add(b[:utf8.EncodeRune(b[:], r)]...)
					pendingSkip = st.uc
				}
			case "bin":
				// Binary data: its bytes are not text.
				if has && param > 0 {
					if _, err := br.Discard(param); err != nil {
						emit()
						return nil
					}
				}
			}
			continue
		}
		groupStart = false
	}
}

// rtfKnownDestination are the optional destinations (\*\word) whose
// text is the document's.
func rtfKnownDestination(word string) bool {
	switch word {
	case "fldrslt", "footnote", "annotation", "atnref":
		return true
	}
	return false
}

// rtfSource reads an RTF document met among the inputs.
func (e *Extractor) rtfSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatRTF)
	cr := &countReader{r: br}
	err := readRTF(ctx, cr, d, e.o)
	if err != nil && ctx.Err() == nil {
		err = fmt.Errorf("%w: RTF: %v", ErrSyntax, err)
	}
	return e.endDoc(d, src, cr.n, err)
}
