package notification

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tocsin/internal/breach"
	"tocsin/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func loadReport(t *testing.T) *breach.Report {
	t.Helper()
	f, err := os.Open("testdata/report.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := breach.ReadReport(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGolden renders the draft for a complete and an incomplete
// configuration, in French and English, as Markdown and HTML (against
// their golden files) and PDF (checkPDF).
func TestGolden(t *testing.T) {
	rep := loadReport(t)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.FixedZone("", 3600))
	for _, cfgName := range []string{"complete", "incomplete"} {
		cfg, err := LoadConfig(filepath.Join("testdata", cfgName+".yml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"fr", "en"} {
			for _, format := range []string{"markdown", "html", "pdf"} {
				ext := map[string]string{"markdown": "md", "html": "html", "pdf": "pdf"}[format]
				name := cfgName + "." + lang + "." + ext
				t.Run(name, func(t *testing.T) {
					var b bytes.Buffer
					if err := Render(&b, rep, cfg, Options{Format: format, Lang: lang, Now: now}); err != nil {
						t.Fatal(err)
					}
					if format == "pdf" {
						var md bytes.Buffer
						if err := Render(&md, rep, cfg, Options{Format: "markdown", Lang: lang, Now: now}); err != nil {
							t.Fatal(err)
						}
						checkPDF(t, b.Bytes(), md.String())
						return
					}
					golden.Check(t, filepath.Join("testdata", "golden", name), b.Bytes(), *update)
					missing := map[string]string{"fr": "[À COMPLÉTER", "en": "[TO BE COMPLETED"}[lang]
					n := strings.Count(b.String(), missing)
					if cfgName == "complete" && n != 0 {
						t.Errorf("a complete configuration leaves %d placeholders", n)
					}
					if cfgName == "incomplete" && n < 10 {
						t.Errorf("an incomplete configuration leaves only %d placeholders", n)
					}
				})
			}
		}
	}
}

// TestDeadline: the deadline is 72 hours after awareness, and a draft
// made after it asks for the reasons of the delay.
func TestDeadline(t *testing.T) {
	rep := loadReport(t)
	aware := time.Date(2026, 11, 21, 9, 0, 0, 0, time.FixedZone("", 3600))
	cfg := &Config{Breach: BreachFacts{Aware: Time{aware}}}
	tests := []struct {
		name string
		now  time.Time
		late bool
	}{
		{"within", aware.Add(71 * time.Hour), false},
		{"after", aware.Add(73 * time.Hour), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, rep, cfg, Options{Format: "markdown", Lang: "fr", Now: tc.now}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if !strings.Contains(out, "Échéance de la notification (72 heures)\u00a0: 24/11/2026 à 09:00 (UTC+01:00)") {
				t.Errorf("deadline not found:\n%s", out)
			}
			if got := strings.Contains(out, "motifs du retard]"); got != tc.late {
				t.Errorf("asks for the delay's reasons: %v, want %v", got, tc.late)
			}
		})
	}
}

// TestArticle34 follows the decision through the exemptions.
func TestArticle34(t *testing.T) {
	rep := loadReport(t)
	low := *rep
	low.Risk.Level, low.Risk.Article34 = breach.LevelLow, false
	tests := []struct {
		name      string
		rep       *breach.Report
		exemption string
		want      string
		letter    bool
	}{
		{"high", rep, "", "Oui. Le risque pour les droits", true},
		{"encryption", rep, ExemptionEncryption, "l'exemption ne vaut pas pour elles", false},
		{"measures", rep, ExemptionMeasures, "article 34(3)(b)", false},
		{"disproportionate", rep, ExemptionDisproportion, "communication publique", true},
		{"low", &low, "", "Non requise. L'analyse ne conclut pas", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, tc.rep, &Config{Exemption: tc.exemption}, Options{Format: "markdown", Lang: "fr", Now: time.Unix(0, 0)}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tc.want) {
				t.Errorf("missing %q", tc.want)
			}
			if got := strings.Contains(b.String(), "Annexe : projet de lettre"); got != tc.letter {
				t.Errorf("letter present: %v, want %v", got, tc.letter)
			}
		})
	}
}

// TestRepeatedValues: the caveat on values that may be the
// organisation's own is the author's to check before sending, shown as a
// placeholder in every format; the other reasons stay plain text.
func TestRepeatedValues(t *testing.T) {
	rep := *loadReport(t)
	rep.Risk.Reasons = append(append([]breach.Reason(nil), rep.Risk.Reasons...),
		breach.Reason{Code: "repeated_values", FR: "IBAN : 1 valeur dans 300 enregistrements", EN: "IBAN: 1 value in 300 records"})
	for format, want := range map[string]string{
		"markdown": "- **[À COMPLÉTER : IBAN : 1 valeur dans 300 enregistrements]**",
		"html":     `<li><span class="todo">[À COMPLÉTER : IBAN : 1 valeur dans 300 enregistrements]</span></li>`,
	} {
		var b bytes.Buffer
		if err := Render(&b, &rep, &Config{}, Options{Format: format, Lang: "fr", Now: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: missing %q", format, want)
		}
		if reason := rep.Risk.Reasons[0].FR; !strings.Contains(b.String(), reason) || strings.Contains(b.String(), "COMPLÉTER : "+reason) {
			t.Errorf("%s: the first reason is not plain text", format)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "controller:\n  nom: X\n", []string{"c.yml:2:3: controller.nom: unknown key (known: name, siren, address, representative)"}},
		{"unknown top key", "dpo: {}\ncontroler: {}\n", []string{"c.yml:2:1: controler: unknown key"}},
		{"wrong type", "dpo:\n  name: [a, b]\n", []string{"c.yml:2:9: dpo.name: expected text"}},
		{"bad time", "breach:\n  aware: yesterday\n", []string{`c.yml:2:10: breach.aware: "yesterday" is not a date and time`}},
		{"bad bool", "breach:\n  ongoing: maybe\n", []string{"c.yml:2:12: breach.ongoing: expected true or false"}},
		{"bad choice", "exemption: chiffrement\n", []string{`c.yml:1:12: exemption: "chiffrement" is not none, encryption`}},
		{"bad nature", "breach:\n  nature: [confidentiality, leak]\n", []string{`c.yml:2:29: breach.nature[1]: "leak" is not confidentiality`}},
		{"aware before start", "breach:\n  started: 2026-11-21T10:00:00Z\n  aware: 2026-11-21T09:00:00Z\n", []string{"c.yml:3:10: breach.aware: the controller cannot become aware before the breach started"}},
		{"syntax", "controller:\n  name: [unclosed\n", []string{"c.yml:1:1: YAML syntax"}},
		{"several at once", "a: 1\nb: 2\n", []string{"c.yml:1:1: a: unknown key", "c.yml:2:1: b: unknown key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig("c.yml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrConfig) && !strings.Contains(err.Error(), "YAML syntax") {
				t.Errorf("%v does not wrap ErrConfig", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, lines[i], w)
				}
			}
		})
	}
}

func TestConfigValid(t *testing.T) {
	c, err := ParseConfig("c.yml", []byte(ExampleConfig))
	if err != nil {
		t.Fatalf("the documented example does not load: %v", err)
	}
	if c.Breach.Aware.IsZero() || c.DPO.Email != "dpo@agglo-val.fr" || len(c.Breach.Nature) != 2 || c.Breach.Ongoing == nil {
		t.Errorf("decoded %+v", c)
	}
	if _, err := ParseConfig("empty.yml", nil); err != nil {
		t.Errorf("an empty file: %v", err)
	}
}

// Passwords found change the draft: their category with its kinds, the
// consequence, the measure and the advice of the letter, in both
// languages.
func TestCredentials(t *testing.T) {
	rep := loadReport(t)
	withCreds := *rep
	withCreds.Categories = append(append([]breach.CategoryStat(nil), rep.Categories...), breach.CategoryStat{
		Category: "credential", Values: 42, Distinct: 40, DistinctExact: true, Records: 42,
		Kinds: map[string]int64{"plaintext": 2, "strong_hash": 40},
	})
	withCreds.Risk.Level, withCreds.Risk.Article34 = breach.LevelHigh, true
	for lang, wants := range map[string][]string{
		"fr": {"Mots de passe ou leurs empreintes (données de connexion) (2 en clair, 40 sous une empreinte robuste)", "bourrage d'identifiants", "Forcer le changement des mots de passe", "Changez votre mot de passe sur notre service"},
		"en": {"Passwords or their hashes (login data) (2 in plain text, 40 behind a strong hash)", "credential stuffing", "Force the people concerned to change their password", "Change your password on our service"},
	} {
		var b bytes.Buffer
		if err := Render(&b, &withCreds, &Config{}, Options{Format: "markdown", Lang: lang, Now: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: missing %q", lang, w)
			}
		}
		b.Reset()
		if err := Render(&b, rep, &Config{}, Options{Format: "markdown", Lang: lang, Now: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), wants[3]) {
			t.Errorf("%s: password advice without passwords", lang)
		}
	}
}

// TestCount: a count takes its noun in the singular for one, and in
// French for zero too.
func TestCount(t *testing.T) {
	for _, c := range []struct {
		n          int64
		lang, want string
	}{
		{1, "fr", "1 document"}, {0, "fr", "0 document"}, {2, "fr", "2 documents"}, {12000, "fr", "12\u202f000 documents"},
		{1, "en", "1 document"}, {0, "en", "0 documents"}, {12000, "en", "12,000 documents"},
	} {
		tx := map[string]texts{"fr": frTexts, "en": enTexts}[c.lang]
		if got := tx.count(c.n, c.lang, tx.DocumentWord); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}
