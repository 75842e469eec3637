package notification

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"tocsin/internal/breach/extract"
)

// checkPDF: the PDF draft holds every word of the Markdown draft md, as
// pdftotext (poppler) and the scanner's own PDF reader read it back,
// accents included, and qpdf finds the file sound. The tools are required
// where TOCSIN_REQUIRE_SERVICES=1 (CI).
func checkPDF(t *testing.T, pdf []byte, md string) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(20, len(pdf))])
	}
	want := words(plainText(md))
	p := filepath.Join(t.TempDir(), "notification.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	sameWords(t, "the PDF reader", want, words(readPDF(t, p)))
	if out, ok := tool(t, "pdftotext", "-enc", "UTF-8", p, "-"); ok {
		sameWords(t, "pdftotext", want, words(string(out)))
	}
	if out, ok := tool(t, "qpdf", "--check", p); ok && !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", out)
	}
}

// words are the words of a text, without the Markdown's punctuation.
func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(" \t\n\f|:;,.()[]«»—–•-*>#/'’\u00a0\u202f", r)
	}) {
		out[w] = true
	}
	return out
}

func sameWords(t *testing.T, reader string, want, got map[string]bool) {
	t.Helper()
	var missing []string
	for w := range want {
		if !got[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 || len(want) < 200 {
		t.Errorf("%s: %d words of the draft's %d missing: %q", reader, len(missing), len(want), missing)
	}
}

// tool runs a program of the machine's, and tells whether it ran: where
// it is missing the test goes on without it, unless the services are
// required.
func tool(t *testing.T, name string, args ...string) ([]byte, bool) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("TOCSIN_REQUIRE_SERVICES") == "1" {
			t.Fatalf("TOCSIN_REQUIRE_SERVICES=1 but %s is missing (apt-get install poppler-utils qpdf)", name)
		}
		t.Logf("%s missing: not checked with it", name)
		return nil, false
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return out, true
}

// readPDF returns the text the scanner's PDF reader finds in a file.
func readPDF(t *testing.T, p string) string {
	t.Helper()
	h := &textHandler{}
	if err := extract.New(extract.Options{}).File(context.Background(), p, h); err != nil {
		t.Fatal(err)
	}
	if len(h.problems) > 0 {
		t.Fatalf("the PDF reader: %v", h.problems)
	}
	return h.text.String()
}

// textHandler gathers the lines of the documents it is given.
type textHandler struct {
	text     strings.Builder
	problems []string
}

func (h *textHandler) Begin(string, extract.Format) extract.Doc { return h }
func (h *textHandler) Line(l *extract.Line) {
	h.text.Write(l.Text)
	h.text.WriteByte('\n')
}
func (h *textHandler) Table(string) extract.Table { return nil }
func (h *textHandler) Problem(p extract.Problem)  { h.problems = append(h.problems, p.Error()) }
func (h *textHandler) End(int64)                  {}

// TestPDFBeyondWindows1252: a name the core fonts cannot set prints
// with '?' for each letter beyond Windows-1252, the rest as written.
func TestPDFBeyondWindows1252(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yml")
	if err := os.WriteFile(p, []byte("controller:\n  name: \"Œuvre Şahin 北京 « Mairie »\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Render(&b, loadReport(t), cfg, Options{Format: "pdf", Lang: "fr"}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "n.pdf")
	if err := os.WriteFile(out, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if text := readPDF(t, out); !strings.Contains(text, "Œuvre ?ahin ?? « Mairie »") {
		t.Errorf("the controller's name is not as set:\n%s", text)
	}
}
