package notification

import (
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
)

// The PDF draft is the Markdown draft laid out by fpdf: one source for
// the text, which the Markdown template alone writes. Only what that
// template uses is read: "#" and "##" headings, a line in italics, a
// quoted note, bullets (two levels), tables, "---" (the letter starts a
// new page), **bold** (placeholders, in red) and backslash escapes.
// The text is set in the PDF core fonts, whose Windows-1252 covers French
// and English; a character beyond it prints as '?'.

// The layout, in millimetres.
const (
	pdfMargin = 20.0
	pdfLine   = 5.5 // the height of a line of body text
	pdfIndent = 6.0 // a bullet's
)

// renderPDF lays out the Markdown draft md as a PDF.
func renderPDF(w io.Writer, md, title, lang string, now time.Time) error {
	p := &pdfWriter{f: fpdf.New("P", "mm", "A4", "")}
	f := p.f
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, pdfMargin)
	f.SetTitle(title, true)
	f.SetCreator("tocsin breach notify", true)
	f.SetLang(lang)
	f.SetCreationDate(now)
	f.SetModificationDate(now)
	// Spaces Windows-1252 lacks: the narrow no-break space of French
	// thousands (31 105) becomes the no-break space it has.
	spaces := strings.NewReplacer("\u202f", "\u00a0", "\u2009", " ", "\u2011", "-")
	p.tr = func(s string) string {
		var b []byte
		for _, r := range spaces.Replace(s) {
			c, ok := charmap.Windows1252.EncodeRune(r)
			if !ok {
				c = '?'
			}
			b = append(b, c)
		}
		return string(b)
	}
	f.AddPage()
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "":
			f.Ln(2)
		case strings.HasPrefix(l, "# "):
			p.block(l[2:], "B", 16, 8)
			f.Ln(2)
		case strings.HasPrefix(l, "## "):
			f.Ln(3)
			p.block(l[3:], "B", 13, 7)
			f.Ln(1)
		case l == "---":
			f.AddPage()
		case strings.HasPrefix(l, "> "):
			f.SetTextColor(90, 90, 90)
			p.indented(pdfIndent, "", l[2:], "I")
			f.SetTextColor(0, 0, 0)
		case strings.HasPrefix(l, "|"):
			j := i
			for j < len(lines) && strings.HasPrefix(lines[j], "|") {
				j++
			}
			p.table(lines[i:j])
			i = j - 1
		case strings.HasPrefix(l, "- "):
			p.indented(pdfIndent, "\u2022", l[2:], "")
		case strings.HasPrefix(l, "  - "):
			p.indented(2*pdfIndent, "\u2013", l[4:], "")
		case len(l) > 2 && l[0] == '*' && l[1] != '*' && strings.HasSuffix(l, "*"):
			p.indented(0, "", l[1:len(l)-1], "I")
		default:
			p.indented(0, "", l, "")
		}
	}
	if err := f.Error(); err != nil {
		return err
	}
	return f.Output(w)
}

type pdfWriter struct {
	f  *fpdf.Fpdf
	tr func(string) string
}

// block writes a heading: its text plain, wrapped.
func (p *pdfWriter) block(md, style string, size, h float64) {
	p.f.SetFont("Helvetica", style, size)
	p.f.MultiCell(0, h, p.tr(plainText(md)), "", "L", false)
}

// indented writes a paragraph from the left margin plus indent, wrapped
// there, after mark (a bullet) in the indent's last millimetres.
func (p *pdfWriter) indented(indent float64, mark, md, style string) {
	f := p.f
	f.SetFont("Helvetica", style, 10)
	if mark != "" {
		f.SetX(pdfMargin + indent - 4)
		f.Write(pdfLine, p.tr(mark))
	}
	f.SetLeftMargin(pdfMargin + indent)
	f.SetX(pdfMargin + indent)
	p.inline(md, style)
	f.SetLeftMargin(pdfMargin)
	f.Ln(pdfLine)
}

// inline writes text with its **bold** spans, flowing: placeholders
// ([…]) in red.
func (p *pdfWriter) inline(md, style string) {
	f := p.f
	spans(md, func(s string, bold bool) {
		st := style
		if bold {
			st += "B"
			if strings.HasPrefix(s, "[") {
				f.SetTextColor(180, 0, 0)
			}
		}
		f.SetFont("Helvetica", st, 10)
		f.Write(pdfLine, p.tr(s))
		f.SetTextColor(0, 0, 0)
	})
}

// spans cuts Markdown text at its ** markers, the escapes undone, and
// gives each span with whether it is bold.
func spans(md string, emit func(s string, bold bool)) {
	bold := false
	var seg strings.Builder
	flush := func() {
		if seg.Len() > 0 {
			emit(seg.String(), bold)
			seg.Reset()
		}
	}
	for i := 0; i < len(md); i++ {
		switch {
		case md[i] == '\\' && i+1 < len(md):
			i++
			seg.WriteByte(md[i])
		case strings.HasPrefix(md[i:], "**"):
			flush()
			bold = !bold
			i++
		default:
			seg.WriteByte(md[i])
		}
	}
	flush()
}

// table writes a Markdown table: its header row in bold on grey, the
// columns its separator row aligns right ("---:") on the right, the
// first column taking the width the others leave.
func (p *pdfWriter) table(rows []string) {
	f := p.f
	var cells [][]string
	var right []bool
	for k, r := range rows {
		c := tableCells(r)
		if k == 1 && len(c) > 0 && strings.Trim(c[0], "-:") == "" {
			for _, s := range c {
				right = append(right, strings.HasSuffix(s, ":"))
			}
			continue
		}
		cells = append(cells, c)
	}
	if len(cells) == 0 {
		return
	}
	const numW = 32.0
	pageW, _ := f.GetPageSize()
	firstW := pageW - 2*pdfMargin - numW*float64(len(cells[0])-1)
	for k, row := range cells {
		style, fill := "", false
		if k == 0 {
			style, fill = "B", true
			f.SetFillColor(230, 230, 230)
		}
		for j, c := range row {
			w, align := numW, "L"
			if j == 0 {
				w = firstW
			}
			if j < len(right) && right[j] {
				align = "R"
			}
			// A text wider than its cell is set smaller, down to 6 pt.
			text := p.tr(plainText(c))
			size := 9.5
			f.SetFont("Helvetica", style, size)
			for f.GetStringWidth(text) > w-2 && size > 6 {
				size -= 0.5
				f.SetFontSize(size)
			}
			f.CellFormat(w, 6.5, text, "1", 0, align, fill, 0, "")
		}
		f.Ln(6.5)
	}
	f.Ln(2)
}

// tableCells splits a table row at its unescaped '|'.
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	var out []string
	var c strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row):
			c.WriteByte(row[i])
			c.WriteByte(row[i+1])
			i++
		case row[i] == '|':
			out = append(out, strings.TrimSpace(c.String()))
			c.Reset()
		default:
			c.WriteByte(row[i])
		}
	}
	if s := strings.TrimSpace(c.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// plainText drops the Markdown of a heading or a cell: bold markers and
// escapes.
func plainText(md string) string {
	var b strings.Builder
	spans(md, func(s string, _ bool) { b.WriteString(s) })
	return b.String()
}
