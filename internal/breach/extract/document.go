package extract

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Word-processing documents and presentations (DOCX, PPTX, ODT, ODP):
// zips whose XML parts hold the text in paragraphs, a paragraph's text
// cut into runs wherever its formatting changes ("1 85 05 <b>78</b> …").
// Each paragraph is one line of the document, its runs joined, counted
// from the start of the body, then the headers, footers, notes and
// comments (DOCX), the master pages (ODT), the slides and their notes
// (PPTX). Text deleted with changes tracked is read too: it is still in
// the file. Field codes and the package's metadata are not.

// documentParts lists the parts of a document that hold its text, in
// reading order.
func documentParts(zr *zip.Reader, f Format) []*zip.File {
	var first []*zip.File
	var rest []*zip.File
	for _, zf := range zr.File {
		name := strings.ToLower(zf.Name)
		switch f {
		case FormatDOCX:
			switch {
			case name == "word/document.xml":
				first = append(first, zf)
			case strings.HasPrefix(name, "word/") && strings.Count(name, "/") == 1 &&
				(strings.HasPrefix(name, "word/header") || strings.HasPrefix(name, "word/footer") ||
					name == "word/footnotes.xml" || name == "word/endnotes.xml" || name == "word/comments.xml"):
				rest = append(rest, zf)
			}
		case FormatPPTX:
			if strings.HasSuffix(name, ".xml") && (strings.HasPrefix(name, "ppt/slides/slide") || strings.HasPrefix(name, "ppt/notesslides/notesslide")) && strings.Count(name, "/") == 2 {
				rest = append(rest, zf)
			}
		case FormatODT, FormatODP:
			switch name {
			case "content.xml":
				first = append(first, zf)
			case "styles.xml":
				rest = append(rest, zf)
			}
		}
	}
	// Slides in their order (slide2 before slide10), notes after them.
	sort.SliceStable(rest, func(i, j int) bool { return partOrder(rest[i].Name) < partOrder(rest[j].Name) })
	return append(first, rest...)
}

// partOrder sorts part names by their prefix, then their number; a
// presentation's notes after its slides.
func partOrder(name string) string {
	base := strings.ToLower(path.Base(name))
	stem := strings.TrimSuffix(base, ".xml")
	i := len(stem)
	for i > 0 && stem[i-1] >= '0' && stem[i-1] <= '9' {
		i--
	}
	n, _ := strconv.Atoi(stem[i:])
	rank := 0
	if strings.HasPrefix(stem, "notes") {
		rank = 1
	}
	return fmt.Sprintf("%d%s/%s%08d", rank, strings.ToLower(path.Dir(name)), stem[:i], n)
}

// readDocument reads the paragraphs of a document into d, then the
// files embedded in it (a workbook pasted as an object) as documents of
// their own.
func (e *Extractor) readDocument(ctx context.Context, f *os.File, size int64, d Doc, src *source, kind Format, h Handler) error {
	zr, err := openZip(f, size)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	parts := documentParts(zr, kind)
	if len(parts) == 0 {
		return fmt.Errorf("%w: no part holds the document's text", ErrSyntax)
	}
	sc := newXMLScanner(nil)
	p := paragraphs{d: d, max: e.o.MaxLine, ooxml: kind == FormatDOCX || kind == FormatPPTX}
	for _, zf := range parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if zf.UncompressedSize64 > uint64(src.b.left) {
			src.b.hit = true
			return ErrLimit
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrSyntax, zf.Name, err)
		}
		sc.reset(&limited{r: rc, b: src.b})
		err = p.read(ctx, sc)
		rc.Close()
		if src.b.hit {
			return ErrLimit
		}
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			// The part's name is the package's, not the document's text.
			return fmt.Errorf("%w: %s: %v after paragraph %d", ErrSyntax, zf.Name, err, p.n)
		}
	}
	for _, zf := range zr.File {
		name := strings.ToLower(zf.Name)
		if !strings.HasPrefix(name, "word/embeddings/") && !strings.HasPrefix(name, "ppt/embeddings/") || strings.HasSuffix(name, "/") {
			continue
		}
		if src.depth >= e.o.MaxDepth {
			d.Problem(Problem{Path: src.display + "!/" + zf.Name, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: more than %d levels; not opened", ErrDepth, e.o.MaxDepth)})
			continue
		}
		if err := e.zipMember(ctx, d, src, nil, zf, h); err != nil {
			return err
		}
	}
	if kind == FormatODT || kind == FormatODP {
		return e.odfObjects(ctx, zr, d, src, h)
	}
	return nil
}

// odfObjects reads the objects embedded in an OpenDocument (a table in a
// letter, a chart's data): each a package of its own in a folder of the
// package ("Object 1/"), whose content.xml is read as a flat document's
// body is, a spreadsheet's cells or a text's paragraphs.
func (e *Extractor) odfObjects(ctx context.Context, zr *zip.Reader, d Doc, src *source, h Handler) error {
	for _, zf := range zr.File {
		dir, file := path.Split(zf.Name)
		if file != "content.xml" || dir == "" || strings.Count(dir, "/") != 1 {
			continue
		}
		name := strings.TrimSuffix(dir, "/")
		if src.depth >= e.o.MaxDepth {
			d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Skipped: true, Err: fmt.Errorf("%w: more than %d levels; not opened", ErrDepth, e.o.MaxDepth)})
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			d.Problem(Problem{Path: src.display + "!/" + name, Offset: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, err)})
			continue
		}
		br := bufio.NewReaderSize(&limited{r: rc, b: src.b}, 64<<10)
		head, _ := br.Peek(64 << 10)
		f := FormatODT
		if bytes.Contains(head, []byte("<office:spreadsheet")) {
			f = FormatODS
		}
		err = e.flatODF(ctx, member(src, name, br, int64(zf.UncompressedSize64), true), br, h, f)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// flatODF reads an OpenDocument saved as one XML file (.fodt, .fods,
// .fodp): the package's parts in one document (its styles, with the
// headers and footers, before its body), read as they stream.
func (e *Extractor) flatODF(ctx context.Context, src *source, br *bufio.Reader, h Handler, f Format) error {
	d := h.Begin(src.display, f)
	cr := &countReader{r: br}
	r, _ := decodeBOM(bufio.NewReaderSize(cr, 4096))
	var err error
	if f == FormatODS {
		err = readODSContent(ctx, r, d, e.o, src.display)
	} else {
		p := paragraphs{d: d, max: e.o.MaxLine}
		err = p.read(ctx, newXMLScanner(r))
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %v after paragraph %d", ErrSyntax, err, p.n)
		}
	}
	return e.endDoc(d, src, cr.n, err)
}

// openPara is a paragraph being read (a note's paragraphs are inside
// the paragraph that calls it).
type openPara struct {
	n    int
	text []byte
	del  []byte // text deleted with changes tracked (DOCX), a line of its own
}

// paragraphs turns the XML of a document's parts into lines, one a
// paragraph.
type paragraphs struct {
	d     Doc
	max   int
	ooxml bool // text is in <w:t> and <a:t> (OOXML), not any text of a paragraph (ODF)
	n     int  // paragraphs met
	open  []openPara
	spare [][]byte
	inT   int
	inDel int
	skip  int // inside an element whose text is not the document's
	line  Line
	buf   []byte
	ws    []byte

	// ODF's tracked changes: the ids of deletions, whose text a flat
	// document may hold in place, between a change-start and a
	// change-end; the region being read.
	deleted map[string]bool
	region  string
	// inFlow: after the last tag, white space is text (between spans,
	// after a note), not the indentation between a note's, a comment's or
	// a list's parts.
	inFlow bool
}

func (p *paragraphs) read(ctx context.Context, sc *xmlScanner) error {
	p.open, p.inT, p.inDel, p.skip, p.region = p.open[:0], 0, 0, 0, ""
	for tokens := 0; ; tokens++ {
		if tokens&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		k, err := sc.next()
		if k == xmlEOF || err != nil {
			for len(p.open) > 0 {
				p.end()
			}
			return err
		}
		switch k {
		case xmlStart:
			switch string(sc.name) {
			case "note", "note-body", "annotation", "list", "list-item", "table", "table-row", "table-cell", "frame", "text-box", "tracked-changes", "changed-region", "deletion":
				p.inFlow = false
			default:
				p.inFlow = true
			}
		case xmlEnd:
			switch string(sc.name) {
			case "p", "h", "note-citation", "creator", "date", "note-body", "list", "list-item", "table-row", "table-cell", "table", "frame", "text-box":
				p.inFlow = false
			default:
				p.inFlow = true
			}
		}
		switch k {
		case xmlStart:
			switch string(sc.name) {
			case "p", "h":
				if string(sc.name) == "h" && p.ooxml {
					continue
				}
				p.n++
				p.open = append(p.open, openPara{n: p.n, text: p.reuse(), del: p.reuse()})
			case "t", "delText":
				p.inT++
			case "creator", "date", "note-citation":
				// A comment's author and date, a note's number (ODF).
				if !p.ooxml {
					p.skip++
				}
			case "del":
				// Deleted runs sit between the runs that stayed: read
				// apart, they neither cut a value that stayed nor stick
				// to it.
				if p.ooxml {
					p.inDel++
					if top := len(p.open) - 1; top >= 0 && len(p.open[top].del) > 0 {
						p.open[top].del = append(p.open[top].del, ' ')
					}
				}
			case "changed-region":
				if !p.ooxml {
					id, _ := sc.attr("id")
					p.region = string(id)
				}
			case "deletion":
				if !p.ooxml && p.region != "" {
					if p.deleted == nil {
						p.deleted = map[string]bool{}
					}
					p.deleted[p.region] = true
				}
			case "change-start":
				// A deletion kept in place (flat ODF): read apart, as
				// OOXML's deleted runs.
				if id, _ := sc.attr("change-id"); !p.ooxml && p.deleted[string(id)] {
					p.inDel++
					if top := len(p.open) - 1; top >= 0 && len(p.open[top].del) > 0 {
						p.open[top].del = append(p.open[top].del, ' ')
					}
				}
			case "change-end":
				if id, _ := sc.attr("change-id"); !p.ooxml && p.deleted[string(id)] && p.inDel > 0 {
					p.inDel--
				}
			case "tab":
				p.add([]byte{'\t'})
			case "br", "cr", "line-break":
				// A line break inside a paragraph: what came before is
				// its own line, on the paragraph's number.
				if top := len(p.open) - 1; top >= 0 {
					p.emit(p.open[top])
					p.open[top].text = p.open[top].text[:0]
				}
			case "s":
				if !p.ooxml {
					n := min(repeat(sc, "c"), 1000)
					for i := 0; i < n; i++ {
						p.add([]byte{' '})
					}
				}
			}
		case xmlEnd:
			switch string(sc.name) {
			case "p", "h":
				if string(sc.name) == "h" && p.ooxml {
					continue
				}
				if len(p.open) > 0 {
					p.end()
				}
			case "t", "delText":
				if p.inT > 0 {
					p.inT--
				}
			case "creator", "date", "note-citation":
				if !p.ooxml && p.skip > 0 {
					p.skip--
				}
			case "del":
				if p.ooxml && p.inDel > 0 {
					p.inDel--
				}
			}
		case xmlText:
			switch {
			case p.ooxml && p.inT > 0:
				p.add(sc.text)
			case !p.ooxml && p.skip == 0 && (p.inFlow || len(bytes.TrimSpace(sc.text)) > 0):
				p.addCollapsed(sc.text)
			}
		}
	}
}

// reuse gives a buffer of a closed paragraph.
func (p *paragraphs) reuse() []byte {
	n := len(p.spare)
	if n == 0 {
		return nil
	}
	b := p.spare[n-1][:0]
	p.spare = p.spare[:n-1]
	return b
}

// add appends text to the innermost open paragraph (up to max bytes).
func (p *paragraphs) add(text []byte) {
	top := len(p.open) - 1
	if top < 0 {
		return
	}
	dst := &p.open[top].text
	if p.inDel > 0 {
		dst = &p.open[top].del
	}
	if room := p.max - len(*dst); room < len(text) {
		text = text[:utf8Cut(text, max(room, 0))]
	}
	*dst = append(*dst, text...)
}

// addCollapsed appends ODF character data: white space is one space, none
// at the start of a paragraph (ODF 1.2, 6.1.2); a flat document's
// indentation is white space between a paragraph's elements.
func (p *paragraphs) addCollapsed(text []byte) {
	top := len(p.open) - 1
	if top < 0 {
		return
	}
	dst := p.open[top].text
	if p.inDel > 0 {
		dst = p.open[top].del
	}
	space := len(dst) == 0 || dst[len(dst)-1] == ' '
	p.ws = p.ws[:0]
	for _, c := range text {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			if !space {
				p.ws = append(p.ws, ' ')
				space = true
			}
			continue
		}
		p.ws = append(p.ws, c)
		space = false
	}
	p.add(p.ws)
}

// end closes the innermost paragraph.
func (p *paragraphs) end() {
	top := len(p.open) - 1
	o := p.open[top]
	p.emit(o)
	p.emit(openPara{n: o.n, text: o.del})
	p.spare = append(p.spare, o.text, o.del)
	p.open = p.open[:top]
}

func (p *paragraphs) emit(o openPara) {
	if len(bytes.TrimSpace(o.text)) == 0 {
		return
	}
	out, rec := ensureUTF8(o.text, &p.buf)
	if len(out) > p.max {
		out = out[:utf8Cut(out, p.max)] // recoded from Windows-1252, it grew
	}
	p.line = Line{N: o.n, Text: out, Recoded: rec}
	p.d.Line(&p.line)
}
