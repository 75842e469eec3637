package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"tocsin/internal/breach"
)

const breachCSV = "nom;prenom;date_naissance;num_secu;telephone;courriel;iban\n" +
	"Dupont;Jean;12/05/1985;255081416802538;06 12 34 56 78;jean.dupont@example.fr;FR7630006000011234567890189\n" +
	"Martin;Léa;01/02/1990;295109912611193;0712345678;lea.martin@example.fr;FR1420041010050500013M02606\n"

// TestBreachScanAndNotify runs both commands in-process: the scan's JSON
// report feeds the notification draft.
func TestBreachScanAndNotify(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "incident")
	os.MkdirAll(data, 0o755)
	os.WriteFile(filepath.Join(data, "usagers.csv"), []byte(breachCSV), 0o600)
	os.WriteFile(filepath.Join(data, "broken.json"), []byte("{\"email\": \"jean.dupont@example.fr\"}\n{\"a\": oops}\n"), 0o600)
	reportPath := filepath.Join(dir, "report.json")
	findings := filepath.Join(dir, "findings.jsonl")

	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"breach", "scan", data, "--output", "json", "--findings", findings}, Streams{Out: &out, Err: &errb})
	if code != 0 {
		t.Fatalf("scan exit %d: %s", code, errb.String())
	}
	rep, err := breach.ReadReport(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"nir", "iban", "email", "phone"} {
		if rep.Category(c).Values == 0 {
			t.Errorf("no %s found", c)
		}
	}
	if rep.People.Count != 2 {
		t.Errorf("%d people, want 2", rep.People.Count)
	}
	if !strings.Contains(errb.String(), "broken.json:2: syntax error") {
		t.Errorf("stderr does not report the broken line:\n%s", errb.String())
	}
	fb, err := os.ReadFile(findings)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(findings)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("findings file mode %v", st.Mode().Perm())
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(fb))
	for sc.Scan() {
		var f struct {
			Path       string  `json:"path"`
			Line       int     `json:"line"`
			Start      int     `json:"start"`
			End        int     `json:"end"`
			Category   string  `json:"category"`
			Confidence float64 `json:"confidence"`
		}
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("finding %q: %v", sc.Text(), err)
		}
		if f.Line < 1 || f.Category == "" || f.Path == "" || f.End <= f.Start || f.Confidence <= 0 {
			t.Errorf("finding %q", sc.Text())
		}
		n++
	}
	if n < 12 {
		t.Errorf("%d findings", n)
	}
	for _, raw := range []string{"255081416802538", "295109912611193", "jean.dupont@example.fr", "FR7630006000011234567890189", "0712345678"} {
		for name, b := range map[string][]byte{"report": out.Bytes(), "stderr": errb.Bytes(), "findings": fb} {
			if bytes.Contains(b, []byte(raw)) {
				t.Errorf("the %s holds a raw value", name)
			}
		}
	}
	os.WriteFile(reportPath, out.Bytes(), 0o600)

	// Every human format renders.
	for _, format := range []string{"text", "markdown", "html"} {
		var o, e bytes.Buffer
		if code := Run(context.Background(), []string{"breach", "scan", "--quiet", "--output", format, "--lang", "fr", data}, Streams{Out: &o, Err: &e}); code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, e.String())
		}
		if !strings.Contains(o.String(), "NIR") {
			t.Errorf("%s report lacks the NIR line:\n%s", format, o.String())
		}
	}

	cfg := filepath.Join(dir, "notify.yml")
	os.WriteFile(cfg, []byte("controller:\n  name: Mairie de Val\ndpo:\n  email: dpo@val.fr\nbreach:\n  aware: 2026-11-21T09:00:00+01:00\n"), 0o600)
	for _, tc := range []struct{ lang, format, want string }{
		{"fr", "markdown", "Mairie de Val"},
		{"en", "html", `<span class="todo">[TO BE COMPLETED: SIREN number]</span>`},
		{"fr", "pdf", "%PDF-"},
	} {
		var o, e bytes.Buffer
		code := Run(context.Background(), []string{"breach", "notify", "--report", reportPath, "--config", cfg, "--lang", tc.lang, "--output", tc.format}, Streams{Out: &o, Err: &e})
		if code != 0 {
			t.Fatalf("notify exit %d: %s", code, e.String())
		}
		if !strings.Contains(o.String(), tc.want) {
			t.Errorf("%s/%s draft lacks %q", tc.lang, tc.format, tc.want)
		}
	}
}

func TestBreachUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("controller:\n  nom: X\n"), 0o600)
	rep := filepath.Join(dir, "r.json")
	os.WriteFile(rep, []byte(`{"schema":"tocsin.breach.report/v1"}`), 0o600)
	notJSON := filepath.Join(dir, "n.json")
	os.WriteFile(notJSON, []byte("not json"), 0o600)
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"breach"}, 2, "Usage"},
		{[]string{"breach", "nope"}, 2, "unknown command"},
		{[]string{"breach", "scan"}, 2, "Usage: tocsin breach scan"},
		{[]string{"breach", "scan", "--output", "pdf", dir}, 2, "--output must be"},
		{[]string{"breach", "scan", "--lang", "de", dir}, 2, "--lang must be"},
		{[]string{"breach", "scan", "--db", "oracle://x", dir}, 2, "bad database address"},
		{[]string{"breach", "scan", "--max-archive-bytes", "lots", dir}, 2, "not a size"},
		{[]string{"breach", "notify"}, 2, "Usage: tocsin breach notify"},
		{[]string{"breach", "notify", "--report", notJSON}, 1, "bad report: JSON syntax error"},
		{[]string{"breach", "notify", "--report", rep, "--config", bad}, 1, "bad.yml:2:3: controller.nom: unknown key"},
		{[]string{"breach", "notify", "--report", rep, "--output", "docx"}, 2, "--output must be markdown, html or pdf"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var o, e bytes.Buffer
			code := Run(context.Background(), tc.args, Streams{Out: &o, Err: &e})
			if code != tc.code {
				t.Errorf("exit %d, want %d (%s)", code, tc.code, e.String())
			}
			if !strings.Contains(e.String()+o.String(), tc.err) {
				t.Errorf("output lacks %q:\n%s", tc.err, e.String())
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"123": 123, "64K": 64 << 10, "512M": 512 << 20, "8G": 8 << 30, "8GB": 8 << 30, "1GiB": 1 << 30} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("%s: %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "x", "-1", "0"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Archives protected by a password are read with the password from a
// file; no output shows it, and without it they are reported.
func TestBreachScanPasswords(t *testing.T) {
	dir := t.TempDir()
	fixtures := filepath.Join("..", "breach", "extract", "testdata")
	for _, f := range []string{"7z/chiffre.7z", "7z/noms-chiffres.7z", "zipcrypt/aes256.zip", "zipcrypt/infozip.zip"} {
		b, err := os.ReadFile(filepath.Join(fixtures, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600)
	}
	pwFile := filepath.Join(t.TempDir(), "mots-de-passe.txt")
	os.WriteFile(pwFile, []byte("Hunter2-faux\r\nSecret\n"), 0o600)
	findings := filepath.Join(t.TempDir(), "findings.jsonl")

	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"breach", "scan", "--output", "json", "--findings", findings, "--password-file", pwFile, dir}, Streams{Out: &out, Err: &errb}); code != 0 {
		t.Fatalf("scan exit %d: %s", code, errb.String())
	}
	rep, err := breach.ReadReport(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 || rep.Category("email").Values != 12 {
		t.Errorf("problems %+v, %d e-mail addresses (want 12: 2 in each 7-Zip archive, 4 in each zip)", rep.Problems, rep.Category("email").Values)
	}
	fb, _ := os.ReadFile(findings)
	for _, o := range [][]byte{out.Bytes(), errb.Bytes(), fb} {
		if bytes.Contains(o, []byte("Secret")) || bytes.Contains(o, []byte("Hunter2")) {
			t.Errorf("a password in the outputs")
		}
	}

	out.Reset()
	errb.Reset()
	Run(context.Background(), []string{"breach", "scan", "--output", "json", "--quiet", dir}, Streams{Out: &out, Err: &errb})
	rep, err = breach.ReadReport(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 6 || rep.Category("email").Values != 0 {
		t.Errorf("without the password: %d problems, %d e-mail addresses", len(rep.Problems), rep.Category("email").Values)
	}
}

// TestBreachCollector: a scan runs with GOGC 400 and a soft memory limit
// unless GOGC or GOMEMLIMIT say otherwise, and the collector is put back
// after it.
func TestBreachCollector(t *testing.T) {
	get := func() (int, int64) {
		gc := debug.SetGCPercent(-1)
		debug.SetGCPercent(gc)
		return gc, debug.SetMemoryLimit(-1) // a negative limit only reads it
	}
	gc0, limit0 := get()
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	restore := setBreachCollector()
	if gc, limit := get(); gc != breachGCPercent || limit != breachMemoryLimit {
		t.Errorf("during the scan: GOGC %d, limit %d; want %d, %d", gc, limit, breachGCPercent, breachMemoryLimit)
	}
	restore()
	if gc, limit := get(); gc != gc0 || limit != limit0 {
		t.Errorf("after the scan: GOGC %d, limit %d; want %d, %d", gc, limit, gc0, limit0)
	}
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	restore = setBreachCollector()
	if gc, limit := get(); gc != gc0 || limit != limit0 {
		t.Errorf("with GOGC and GOMEMLIMIT set: GOGC %d, limit %d; want them untouched (%d, %d)", gc, limit, gc0, limit0)
	}
	restore()
}
